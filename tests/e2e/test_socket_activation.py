# SPDX-License-Identifier: MIT
"""End-to-end: socket activation with systemd-socket-activate.

systemd-socket-activate binds the socket, waits for the first datagram or
connection, then execs netdemo with LISTEN_FDS, LISTEN_PID and
LISTEN_FDNAMES, as systemd does for a .socket unit. So each test sends
first and then waits for the answer, and the section named as the socket
serves on it without binding its own listen key (which stays in the file).
Skipped (77) without systemd-socket-activate.
"""
import shutil
import signal
import socket
import subprocess
import sys
import threading
import unittest

from harness import Daemon, NETDEMO, SLOW, WRAPPER, udp_ask

ACTIVATE = shutil.which("systemd-socket-activate")
DICT = "apple:苹果\nwater:水\n"


def free_port(kind):
    """A port free on 127.0.0.1 for kind (SOCK_STREAM or SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(kind, port):
    """Whether nothing is bound to 127.0.0.1:port for kind."""
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Activated(Daemon):
    """netdemo started by systemd-socket-activate on the given sockets."""

    def start_activated(self, activate_args):
        cmd = ([ACTIVATE] + activate_args + WRAPPER +
               [NETDEMO, "-c", self.config] + self.args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     errors="replace", env=self.env)
        threading.Thread(target=self._read, args=(self.proc.stderr,),
                         daemon=True).start()
        # It binds at once, and execs netdemo at the first packet.
        self.wait_log(r"Listening on 127\.0\.0\.1:")
        return self


def udp_client():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5 * SLOW)
    return s


@unittest.skipIf(ACTIVATE is None, "no systemd-socket-activate")
class SocketActivationTest(unittest.TestCase):
    def dict_daemon(self, listen_port):
        return Activated("[dict]\nfile = words.txt\nlisten = 127.0.0.1:%d\n"
                         % listen_port, {"words.txt": DICT})

    def test_dict_serves_on_the_passed_datagram_socket(self):
        port, own = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        with self.dict_daemon(own) as d:
            d.start_activated(["-l", "127.0.0.1:%d" % port, "--fdname=dict",
                               "-d"])
            with udp_client() as c:
                c.sendto(b"apple", ("127.0.0.1", port))
                self.assertEqual(c.recv(4096).decode(), "苹果")
            d.wait_log(r"dict: dict listening on udp 127\.0\.0\.1:%d$" % port)
            self.assertTrue(port_free(socket.SOCK_DGRAM, own),
                            "the listen key was bound too")
            self.assertEqual(d.stop(), 0)

    def test_sighup_keeps_the_passed_socket(self):
        port, own = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        with self.dict_daemon(own) as d:
            d.start_activated(["-l", "127.0.0.1:%d" % port, "--fdname=dict",
                               "-d"])
            with udp_client() as c:
                c.sendto(b"apple", ("127.0.0.1", port))
                self.assertEqual(c.recv(4096).decode(), "苹果")
                # Same keys, then a new listen key: a new instance, same socket.
                for conf in ("[dict]\nfile = words.txt\nlisten = 127.0.0.1:%d\n"
                             % own,
                             "[dict]\nfile = words.txt\nlisten = 127.0.0.2:%d\n"
                             % own):
                    mark = len(d.snapshot())
                    d.write("netdemo.ini", conf)
                    d.send_signal(signal.SIGHUP)
                    d.wait_log(r"reloaded:|reload failed", start=mark)
                    d.wait_log(r"reloaded:", start=mark, timeout=0.1)
                    c.sendto(b"water", ("127.0.0.1", port))
                    self.assertEqual(c.recv(4096).decode(), "水")
                    c.sendto(b"apple", ("127.0.0.1", port))
                    self.assertEqual(c.recv(4096).decode(), "苹果")
            self.assertEqual(d.stop(), 0)

    def test_echo_serves_on_the_passed_stream_socket(self):
        port, own = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
        with Activated("[echo]\nlisten = 127.0.0.1:%d\n" % own) as d:
            d.start_activated(["-l", "127.0.0.1:%d" % port, "--fdname=echo"])
            # Queued in the backlog until netdemo starts and accepts it.
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=5 * SLOW) as c:
                c.sendall(b"ping")
                self.assertEqual(c.recv(4096), b"ping")
            self.assertTrue(port_free(socket.SOCK_STREAM, own),
                            "the listen key was bound too")
            mark = len(d.snapshot())
            d.send_signal(signal.SIGHUP)
            d.wait_log(r"reloaded:", start=mark)
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=5 * SLOW) as c:
                c.sendall(b"again")
                self.assertEqual(c.recv(4096), b"again")
            self.assertEqual(d.stop(), 0)

    def test_wrong_socket_type_is_an_error_naming_both(self):
        port = free_port(socket.SOCK_DGRAM)
        with Activated("[echo]\nlisten = 127.0.0.1:0\n") as d:
            d.start_activated(["-l", "127.0.0.1:%d" % port, "--fdname=echo",
                               "-d"])
            with udp_client() as c:
                c.sendto(b"start", ("127.0.0.1", port))
            self.assertEqual(d.proc.wait(10 * SLOW), 1)
            d.wait_log(r'\[echo\] the socket passed as "echo" \(fd 3, '
                       r'127\.0\.0\.1:%d\) is a datagram socket, but echo '
                       r'needs a stream socket' % port)

    def test_detaching_with_passed_sockets_is_refused(self):
        port = free_port(socket.SOCK_DGRAM)
        with self.dict_daemon(0) as d:
            d.args = ["-d"]
            d.start_activated(["-l", "127.0.0.1:%d" % port, "--fdname=dict",
                               "-d"])
            with udp_client() as c:
                c.sendto(b"start", ("127.0.0.1", port))
            self.assertEqual(d.proc.wait(10 * SLOW), 1)
            d.wait_log(r"-d cannot keep the sockets passed in LISTEN_FDS")

    def test_variables_for_another_process_are_ignored(self):
        env = {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "dict"}
        with Daemon("[dict]\nfile = words.txt\nlisten = 127.0.0.1:0\n",
                    {"words.txt": DICT}, env=env).start(
                        expect_listening=1) as d:
            self.assertEqual(udp_ask(d.addr("dict")[1], b"apple"),
                             "苹果".encode())
            self.assertEqual(d.stop(), 0)

    def test_malformed_variables_are_an_error(self):
        cases = (("x", "dict", r"LISTEN_FDS: not a number"),
                 ("1", "dict", r'LISTEN_FDS: fd 3 \("dict"\): Bad file'),
                 ("0", "dict", None))
        for fds, names, error in cases:
            with Daemon("[dict]\nfile = words.txt\nlisten = 127.0.0.1:0\n",
                        {"words.txt": DICT}) as d:
                # LISTEN_PID must be netdemo's: the shell's, kept by exec.
                script = ('LISTEN_PID=$$ LISTEN_FDS=%s LISTEN_FDNAMES=%s '
                          'exec "$@" 3<&-' % (fds, names))
                # Well-formed, -t checks the file and exits 0.
                args = ["-c", d.config] + (["-t"] if error is None else [])
                cmd = ["sh", "-c", script, "sh"] + WRAPPER + [NETDEMO] + args
                p = subprocess.run(cmd, capture_output=True, text=True,
                                   timeout=10 * SLOW, stdin=subprocess.DEVNULL)
                if error is None:
                    self.assertEqual(p.returncode, 0, p.stderr)
                else:
                    self.assertEqual(p.returncode, 1, p.stderr)
                    self.assertRegex(p.stderr, "socket activation: " + error)

    def test_one_name_for_each_socket(self):
        # Attack pass 2: LISTEN_FDS=1 with LISTEN_FDNAMES=dict:dict was
        # taken silently, where sd_listen_fds_with_names(3) refuses it.
        for fds, names in (("1", "dict:dict"), ("2", "dict")):
            with Daemon("[dict]\nfile = words.txt\nlisten = 127.0.0.1:0\n",
                        {"words.txt": DICT}) as d, \
                    udp_client() as s3, udp_client() as s4:
                script = ('LISTEN_PID=$$ LISTEN_FDS=%s LISTEN_FDNAMES=%s '
                          'exec "$@" 3<&%d 4<&%d'
                          % (fds, names, s3.fileno(), s4.fileno()))
                cmd = ["sh", "-c", script, "sh"] + WRAPPER + [NETDEMO,
                                                             "-c", d.config]
                p = subprocess.run(cmd, capture_output=True, text=True,
                                   timeout=10 * SLOW, stdin=subprocess.DEVNULL,
                                   pass_fds=(s3.fileno(), s4.fileno()))
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("socket activation: LISTEN_FDNAMES: not one name"
                              " for each of the %s sockets" % fds, p.stderr)

    def test_unused_passed_socket_is_warned_of(self):
        port = free_port(socket.SOCK_DGRAM)
        with self.dict_daemon(0) as d:
            d.start_activated(["-l", "127.0.0.1:%d" % port, "--fdname=dcit",
                               "-d"])
            with udp_client() as c:
                c.sendto(b"start", ("127.0.0.1", port))
            d.wait_log(r'the socket passed as "dcit" \(fd 3\) matches no'
                       r' enabled section')
            d.wait_log(r"netdemo running")
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    if ACTIVATE is None:
        print("skipped: no systemd-socket-activate")
        sys.exit(77)
    unittest.main()
