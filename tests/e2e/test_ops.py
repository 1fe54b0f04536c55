# SPDX-License-Identifier: MIT
"""End-to-end: systemd notify, full reload, background mode, pid file, log file, stats."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Daemon, NETDEMO, SLOW, WRAPPER, run_netdemo, udp_ask


class NotifySocket:
    """A fake $NOTIFY_SOCKET: a Unix datagram socket the test reads."""

    def __init__(self, abstract=False):
        self.dir = tempfile.TemporaryDirectory()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "\0netdemo-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind(name)
            self.env = "@" + name[1:]
        else:
            self.env = os.path.join(self.dir.name, "notify")
            self.sock.bind(self.env)

    def expect(self, key, timeout=5.0):
        """The next message holding key (e.g. READY=1), as a dict."""
        self.sock.settimeout(timeout * SLOW)
        while True:
            msg = self.sock.recv(4096).decode()
            fields = dict(l.split("=", 1) for l in msg.split("\n") if "=" in l)
            name, value = key.split("=", 1)
            if fields.get(name) == value:
                return fields

    def close(self):
        self.sock.close()
        self.dir.cleanup()


class NotifyTest(unittest.TestCase):
    def start(self, config="[echo]\nlisten = 127.0.0.1:0\n", abstract=False,
              **env):
        """A daemon whose $NOTIFY_SOCKET (and env) only it sees."""
        n = NotifySocket(abstract)
        self.addCleanup(n.close)
        env["NOTIFY_SOCKET"] = n.env
        os.environ.update(env)
        try:
            d = Daemon(config).start()
        finally:
            for key in env:
                del os.environ[key]
        self.addCleanup(d.__exit__)
        return n, d

    def run_with_notify(self, abstract):
        n, d = self.start(abstract=abstract)
        ready = n.expect("READY=1")
        self.assertIn("serving 1 service", ready["STATUS"])
        d.send_signal(signal.SIGHUP)
        reloading = n.expect("RELOADING=1")
        self.assertGreater(int(reloading["MONOTONIC_USEC"]), 0)
        n.expect("READY=1")
        d.send_signal(signal.SIGTERM)
        n.expect("STOPPING=1")
        self.assertEqual(d.stop(), 0)

    def test_ready_reloading_stopping(self):
        self.run_with_notify(abstract=False)

    def test_abstract_socket(self):
        self.run_with_notify(abstract=True)

    def test_failed_reload_status(self):
        n, d = self.start()
        n.expect("READY=1")
        d.write("netdemo.ini", "[echo]\nlisten = 127.0.0.1:0\nmax_conections = 3\n")
        d.send_signal(signal.SIGHUP)
        fields = n.expect("READY=1")
        self.assertIn("reload failed", fields["STATUS"])
        self.assertIn("max_conections", fields["STATUS"])

    def test_watchdog_and_children_see_no_notify_variables(self):
        n, d = self.start("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
                          "allow = env\nallow_interpreters = yes\n"
                          "path = /usr/bin:/bin\n",
                          WATCHDOG_USEC="200000")
        n.expect("WATCHDOG=1", timeout=2)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3 * SLOW)
            s.sendto(b"env", d.addr("exec")[1])
            out = b""
            while not out.endswith(b"]"):
                out += s.recv(65536)
        self.assertIn(b"PATH=/usr/bin:/bin", out)
        self.assertNotIn(b"NOTIFY_SOCKET", out)
        self.assertNotIn(b"WATCHDOG", out)


class ReloadTest(unittest.TestCase):
    BASE = ("[chat]\nlisten = 127.0.0.1:0\n"
            "[echo]\nlisten = 127.0.0.1:0\nmax_connections = 100\n"
            "[dict]\nlisten = 127.0.0.1:0\nfile = words.txt\n")

    def setUp(self):
        self.d = Daemon(self.BASE, {"words.txt": "cat:猫\n"}).start()
        self.addCleanup(self.d.__exit__)

    def reload(self, text, expect=r"reloaded: "):
        self.d.write("netdemo.ini", text)
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        return self.d.wait_log(expect, start=mark), mark

    def pin(self, name):
        """The section's listen line as the running config has it: a
        section whose addresses are unchanged keeps its sockets."""
        return "listen = 127.0.0.1:0\n"

    def test_failed_reload_keeps_a_kind_without_commit(self):
        """A kept [stats] (a kind with no commit hook) stays running when a
        later section of the same reload fails: undoing the plan used to
        free it while it served (a use-after-free, found by an attack)."""
        text = "[stats]\nlisten = 127.0.0.1:0\n" + self.BASE
        with Daemon(text, {"words.txt": "cat:猫\n"}).start() as d:
            stats = d.addr("stats")[1]
            d.write("netdemo.ini", text.replace("file = words.txt",
                                                "file = missing.txt"))
            mark = len(d.snapshot())
            d.send_signal(signal.SIGHUP)
            d.wait_log(r"reload failed", start=mark)
            for _ in range(2):
                with socket.create_connection(stats, timeout=2 * SLOW) as c:
                    data = b""
                    for _ in range(100):
                        chunk = c.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                self.assertIn(b"dict.found ", data)
            self.assertEqual(udp_ask(d.addr("dict")[1], b"cat"),
                             "猫".encode())

    def test_kept_services_keep_state_and_take_new_keys(self):
        chat = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(chat.close)
        chat.settimeout(2 * SLOW)
        chat.sendto(b"online", self.d.addr("chat")[1])
        chat.recv(100)
        echo = socket.create_connection(self.d.addr("echo")[1])
        self.addCleanup(echo.close)
        text = ("[chat]\n" + self.pin("chat") + "[echo]\n" + self.pin("echo") +
                "max_connections = 1\n[dict]\n" + self.pin("dict") +
                "file = words.txt\n")
        self.d.write("words.txt", "cat:貓\n")
        self.reload(text)
        # The chat member is still online, the echo connection still open.
        chat.sendto(b"still here", self.d.addr("chat")[1])
        self.assertTrue(chat.recv(100).endswith(b"# still here"))
        echo.sendall(b"ping")
        echo.settimeout(2 * SLOW)
        self.assertEqual(echo.recv(10), b"ping")
        # max_connections = 1 now: that connection is the one.
        with socket.create_connection(self.d.addr("echo")[1]) as extra:
            extra.settimeout(2 * SLOW)
            self.assertIn(extra.recv(10), (b"",))
        self.assertEqual(udp_ask(self.d.addr("dict")[1], b"cat").decode(), "貓")

    def test_sections_open_and_close(self):
        old_dict = self.d.addr("dict")[1]
        text = ("[chat]\n" + self.pin("chat") + "[echo]\n" + self.pin("echo") +
                "[words]\nservice = dict\nlisten = 127.0.0.1:0\nfile = words.txt\n")
        _, mark = self.reload(text)
        line = self.d.wait_log(r"words: dict listening on udp (\S+)", start=mark)
        host, port = re.search(r"udp (\S+):(\d+)$", line).groups()
        self.assertEqual(udp_ask((host, int(port)), b"cat").decode(), "猫")
        self.d.wait_log(r"dict: closed by reload", start=mark)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(old_dict)
            s.settimeout(1.0)
            s.send(b"cat")
            with self.assertRaises((ConnectionRefusedError, socket.timeout)):
                s.recv(100)

    def test_errors_leave_everything_running(self):
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))
            held.listen()
            busy = held.getsockname()[1]
            cases = [
                (self.BASE + "[bogus]\nlisten = 127.0.0.1:0\n", "[bogus] unknown section"),
                (self.BASE.replace("words.txt", "missing.txt"), "missing.txt"),
                (self.BASE + "[e2]\nservice = echo\nlisten = 127.0.0.1:%d\n" % busy,
                 "Address already in use"),
            ]
            for text, why in cases:
                with self.subTest(why=why):
                    line, _ = self.reload(text, expect=r"reload failed")
                    self.assertIn(why, line)
                    self.assertEqual(udp_ask(self.d.addr("dict")[1], b"cat").decode(), "猫")
        self.assertEqual(self.d.stop(), 0)

    def test_stats(self):
        udp_ask(self.d.addr("dict")[1], b"cat")
        udp_ask(self.d.addr("dict")[1], b"dog")
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGUSR1)
        line = self.d.wait_log(r"stats: dict:", start=mark)
        self.assertIn("found=1", line)
        self.assertIn("unknown=1", line)
        self.assertIn("dict_entries=1", line)
        self.d.wait_log(r"stats: total:.*datagrams_in=2", start=mark)


class StatsServiceTest(unittest.TestCase):
    def test_lines_for_monitoring(self):
        with Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                    "[stats]\nlisten = 127.0.0.1:0\n", {"w.txt": "a:b\n"}).start() as d:
            udp_ask(d.addr("dict")[1], b"a")
            with socket.create_connection(d.addr("stats")[1]) as s:
                s.settimeout(2 * SLOW)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            lines = dict(l.split(" ") for l in data.decode().splitlines())
            self.assertEqual(lines["dict.found"], "1")
            self.assertEqual(lines["dict.datagrams_in"], "1")
            self.assertEqual(lines["total.datagrams_out"], "1")
            self.assertEqual(d.stop(), 0)


@unittest.skipIf(WRAPPER, "a wrapper cannot follow the daemon into the background")
class BackgroundTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.log = os.path.join(self.dir.name, "netdemo.log")
        self.pid = os.path.join(self.dir.name, "netdemo.pid")
        self.conf = os.path.join(self.dir.name, "netdemo.ini")
        with open(self.conf, "w") as f:
            f.write("[netdemo]\nlog_target = %s\n[echo]\nlisten = 127.0.0.1:0\n"
                    % self.log)

    def start(self):
        return subprocess.run([NETDEMO, "-d", "-p", self.pid, "-c", self.conf],
                              capture_output=True, text=True, timeout=10 * SLOW)

    def daemon_pid(self):
        with open(self.pid) as f:
            return int(f.read())

    def stop(self, pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5 * SLOW
        while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(os.path.exists("/proc/%d" % pid))

    def test_detach_pidfile_log_file(self):
        p = self.start()
        self.assertEqual(p.returncode, 0, p.stderr)
        pid = self.daemon_pid()
        self.addCleanup(lambda: os.path.exists("/proc/%d" % pid) and os.kill(pid, signal.SIGKILL))
        with open(self.log) as f:
            m = re.search(r"echo listening on tcp 127\.0\.0\.1:(\d+)", f.read())
        self.assertIsNotNone(m)
        with socket.create_connection(("127.0.0.1", int(m.group(1)))) as s:
            s.sendall(b"bg")
            s.settimeout(2 * SLOW)
            self.assertEqual(s.recv(10), b"bg")
        # A second start with the same pid file is refused.
        p2 = self.start()
        self.assertEqual(p2.returncode, 1)
        self.assertIn("already running as pid %d" % pid, p2.stderr)
        # SIGHUP reopens a log file that logrotate moved away.
        os.rename(self.log, self.log + ".1")
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + 5 * SLOW
        while not os.path.exists(self.log) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(self.log))
        self.stop(pid)
        self.assertFalse(os.path.exists(self.pid))

    def wait_log_file(self, path, text):
        """The log file's text once it holds text (or the time is up)."""
        deadline = time.monotonic() + 5 * SLOW
        while True:
            with open(path) as f:
                found = f.read()
            if text in found or time.monotonic() > deadline:
                return found
            time.sleep(0.01)

    def test_sighup_right_after_start_reloads(self):
        """-d returns once the handlers are in: an immediate SIGHUP reloads
        the daemon instead of killing it (tried 50 times: a race)."""
        for i in range(50):
            log = os.path.join(self.dir.name, "early-%d.log" % i)
            self.pid = os.path.join(self.dir.name, "early-%d.pid" % i)
            with open(self.conf, "w") as f:
                f.write("[netdemo]\nlog_target = %s\n[echo]\n"
                        "listen = 127.0.0.1:0\n" % log)
            p = self.start()
            self.assertEqual(p.returncode, 0, p.stderr)
            pid = self.daemon_pid()
            self.addCleanup(lambda pid=pid: os.path.exists("/proc/%d" % pid)
                            and os.kill(pid, signal.SIGKILL))
            os.kill(pid, signal.SIGHUP)
            self.assertIn("reloaded: 1 service",
                          self.wait_log_file(log, "reloaded: 1 service"),
                          "try %d: SIGHUP killed the daemon" % i)
            m = re.search(r"listening on tcp 127\.0\.0\.1:(\d+)",
                          self.wait_log_file(log, "listening"))
            with socket.create_connection(("127.0.0.1", int(m.group(1)))) as s:
                s.settimeout(2 * SLOW)
                s.sendall(b"up")
                self.assertEqual(s.recv(10), b"up")
            os.kill(pid, signal.SIGTERM)
            self.assertIn("stopped", self.wait_log_file(log, "stopped"))

    def test_failure_is_reported_to_the_caller(self):
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))
            held.listen()
            with open(self.conf, "w") as f:
                f.write("[echo]\nlisten = 127.0.0.1:%d\n" % held.getsockname()[1])
            p = self.start()
        self.assertEqual(p.returncode, 1)
        self.assertIn("Address already in use", p.stderr)
        self.assertFalse(os.path.exists(self.pid))


class LogTargetTest(unittest.TestCase):
    """log_target: checked by -t, applied (or refused as a whole) by SIGHUP."""
    ECHO = "[echo]\nlisten = 127.0.0.1:0\n"

    def setUp(self):
        self.d = Daemon(self.ECHO)
        self.addCleanup(self.d.__exit__)

    def config(self, target):
        return "[netdemo]\nlog_target = %s\n" % target + self.ECHO

    def echo_answers(self):
        with socket.create_connection(self.d.addr("echo")[1]) as s:
            s.settimeout(2 * SLOW)
            s.sendall(b"hi")
            self.assertEqual(s.recv(10), b"hi")

    def wait_file(self, path, text):
        deadline = time.monotonic() + 5 * SLOW
        while time.monotonic() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    if text in f.read():
                        return
            time.sleep(0.02)
        self.fail("no %r in %s" % (text, path))

    def test_reload_moves_the_log_to_a_file(self):
        self.d.start()
        log = self.d.path("moved.log")
        self.d.write("netdemo.ini", self.config(log))
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        # The reload's own summary line already goes to the new target.
        self.wait_file(log, "reloaded: 1 service")
        self.d.send_signal(signal.SIGUSR1)
        self.wait_file(log, "stats: echo:")
        self.assertFalse([l for l in self.d.snapshot()[mark:]
                          if "reloaded" in l or "stats:" in l])
        self.echo_answers()

    def test_check_refuses_an_unusable_target(self):
        for target in (self.d.dir.name, "/proc/x"):
            with self.subTest(target=target):
                self.d.write("netdemo.ini", self.config(target))
                rc, out, err = run_netdemo(["-t", "-c", self.d.config])
                self.assertEqual(rc, 1, out)
                self.assertIn("%s: [netdemo] log_target: %s: "
                              % (self.d.config, target), err)
                self.assertNotIn("configuration OK", out)

    def test_check_leaves_no_file_behind(self):
        log = self.d.path("new.log")
        self.d.write("netdemo.ini", self.config(log))
        rc, out, err = run_netdemo(["-t", "-c", self.d.config])
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(log))

    def test_reload_to_an_unusable_target_is_refused(self):
        self.d.start()
        self.d.write("netdemo.ini", self.config(self.d.dir.name)
                     + "[echo2]\nservice = echo\nlisten = 127.0.0.1:0\n")
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        line = self.d.wait_log(r"reload failed", start=mark)
        self.assertIn("[netdemo] log_target: %s: Is a directory"
                      % self.d.dir.name, line)
        # The old configuration runs on, logging where it did.
        self.echo_answers()
        self.d.stats("echo")
        # echo2, opened for the plan, closed with it.
        line = self.d.wait_log(r"echo2: echo listening on tcp", start=mark)
        port = int(line.rsplit(":", 1)[1])
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), 2 * SLOW).close()
        self.assertEqual(self.d.stop(), 0)

if __name__ == "__main__":
    unittest.main(verbosity=2)
