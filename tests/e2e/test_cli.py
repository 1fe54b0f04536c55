# SPDX-License-Identifier: MIT
"""End-to-end: netdemo-cli against the real daemon on loopback."""
import os
import queue
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import Daemon, SLOW

CLI = os.environ.get("NETDEMO_CLI", "netdemo-cli")
CONFIG = """
[dict]
listen = 127.0.0.1:0
file = words.txt
[exec]
enabled = yes
listen = 127.0.0.1:0
allow = date, echo *, false, printf *
[chat]
listen = 127.0.0.1:0
[echo]
listen = 127.0.0.1:0
[stats]
listen = 127.0.0.1:0
"""


def cli(*args, stdin=None, timeout=30):
    p = subprocess.run([CLI] + list(args), input=stdin, capture_output=True,
                       timeout=timeout * SLOW)
    return p.returncode, p.stdout, p.stderr


class ChatProcess:
    """netdemo-cli chat driven through pipes; its lines queue up as they come."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([CLI, "chat"] + list(args),
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode().rstrip("\n"))

    def expect(self, pattern, timeout=5.0):
        """The first line matching pattern; fails after timeout."""
        deadline = time.monotonic() + timeout * SLOW
        seen = []
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError("no line matching %r; saw %r"
                                     % (pattern, seen))
            if re.search(pattern, line):
                return line
            seen.append(line)

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def finish(self):
        """Closes stdin (EOF: the client leaves) and returns its status."""
        self.proc.stdin.close()
        return self.proc.wait(5 * SLOW)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        if not self.proc.stdin.closed:
            self.proc.stdin.close()


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(CONFIG, {"words.txt": "apple:苹果\nwater:水\n"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.__exit__()

    def spec(self, name):
        host, port = self.d.addr(name)[1]
        return "%s:%d" % (host, port)

    def test_dict_words_from_arguments(self):
        rc, out, err = cli("dict", self.spec("dict"), "apple", "water")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode(), "apple: 苹果\nwater: 水\n")
        self.assertEqual(err, b"")

    def test_dict_word_not_found_exits_1(self):
        # Like dictd's dict: scripts can tell a miss; the other words still
        # get their answers.
        rc, out, err = cli("dict", self.spec("dict"), "apple", "nope", "water")
        self.assertEqual(rc, 1, err)
        self.assertEqual(out.decode(), "apple: 苹果\nnope: unknown\nwater: 水\n")
        rc, out, _ = cli("dict", self.spec("dict"), stdin=b"nope\n")
        self.assertEqual(rc, 1)
        rc, out, _ = cli("dict", self.spec("dict"), "x" * 2000)
        self.assertEqual(rc, 1)
        self.assertIn(b"error: request too long", out)

    def test_stats(self):
        rc, out, err = cli("stats", self.spec("stats"))
        self.assertEqual(rc, 0, err)
        self.assertRegex(out.decode(), r"(?m)^dict\.datagrams_in \d+$")
        self.assertRegex(out.decode(), r"(?m)^total\.datagrams_in \d+$")
        rc, _, err = cli("stats", self.spec("stats"), "extra")
        self.assertEqual(rc, 2)

    def test_dict_words_from_a_pipe(self):
        rc, out, _ = cli("dict", self.spec("dict"), stdin=b"water\napple\r\n")
        self.assertEqual(rc, 0)
        self.assertEqual(out.decode(), "water: 水\napple: 苹果\n")

    def test_localhost_name_tries_every_address(self):
        # localhost is ::1 first on Debian; the daemon only has 127.0.0.1.
        port = self.d.addr("dict")[1][1]
        rc, out, err = cli("dict", "localhost:%d" % port, "apple")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode(), "apple: 苹果\n")

    def test_exec_output_and_status(self):
        rc, out, err = cli("exec", self.spec("exec"), "echo", "a  b", "c")
        self.assertEqual((rc, out, err), (0, b"a  b c\n", b"[exit 0]\n"))
        rc, out, err = cli("exec", self.spec("exec"), "date")
        self.assertEqual(rc, 0)
        self.assertRegex(out.decode(), r"\d\d:\d\d:\d\d")
        rc, out, err = cli("exec", self.spec("exec"), "false")
        self.assertEqual((rc, out, err), (1, b"", b"[exit 1]\n"))
        rc, out, err = cli("exec", self.spec("exec"), "sh", "-c", "id")
        self.assertEqual((rc, out, err), (1, b"", b"not allowed: sh\n"))

    def test_exec_output_is_escaped(self):
        """What a command prints cannot drive the terminal; plain text,
        tabs and newlines stay as they are."""
        rc, out, err = cli("exec", self.spec("exec"), "printf",
                           r"\033[2J\033[31mred\033[0m\nok\tü \302\233x\377\n")
        self.assertEqual((rc, err), (0, b"[exit 0]\n"))
        self.assertEqual(out, b"\\u{001B}[2J\\u{001B}[31mred\\u{001B}[0m\n"
                              b"ok\t\xc3\xbc \\u{009B}x\\xFF\n")

    def test_exec_commands_from_stdin(self):
        rc, out, err = cli("exec", self.spec("exec"), stdin=b"echo one\necho 'two  2'\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b"one\ntwo  2\n")
        self.assertEqual(err, b"[exit 0]\n[exit 0]\n")

    def test_two_chat_clients_see_each_other(self):
        spec = self.spec("chat")
        a = ChatProcess("--nick", "ann", spec)
        self.addCleanup(a.kill)
        a.expect(r"# is now ann$")
        b = ChatProcess(spec)
        self.addCleanup(b.kill)
        b_name = b.expect(r"# online$").split("#")[0]
        a.expect("^%s# online$" % re.escape(b_name))
        a.send(b"hello from ann\n")
        b.expect(r"^ann# hello from ann$")
        b.send(b"hi ann\n")
        a.expect(r"^%s# hi ann$" % re.escape(b_name))
        self.assertEqual(b.finish(), 0)
        b.expect(r"^bye$")
        a.expect(r"^%s# offline$" % re.escape(b_name))
        self.assertEqual(a.finish(), 0)
        a.expect(r"^bye$")

    def test_echo_ten_mib_byte_for_byte(self):
        data = os.urandom(10 << 20)
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            p = subprocess.run([CLI, "echo", self.spec("echo")], stdin=f,
                               capture_output=True, timeout=60 * SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout), len(data))
        self.assertTrue(p.stdout == data, "echoed bytes differ")
        # Through a pipe too, as `cat file | netdemo-cli echo`.
        rc, out, _ = cli("echo", self.spec("echo"), stdin=data[:1 << 20])
        self.assertEqual(rc, 0)
        self.assertTrue(out == data[:1 << 20])

    def test_timeout_against_a_silent_port(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", 0))
            port = silent.getsockname()[1]
            start = time.monotonic()
            rc, out, err = cli("dict", "--timeout", "0.3", "127.0.0.1:%d" % port, "x")
            took = time.monotonic() - start
        self.assertEqual(rc, 2)
        self.assertEqual(out, b"")
        self.assertIn(b"no answer within 0.3 s (2 tries)", err)
        self.assertGreater(took, 0.5)

    def test_refused_port_and_unknown_host(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        rc, _, err = cli("dict", "127.0.0.1:%d" % port, "x")
        self.assertEqual(rc, 2)
        self.assertIn(b"connection refused", err)
        rc, _, err = cli("chat", "no-such-host.invalid:9")
        self.assertEqual(rc, 2)
        self.assertIn(b"no-such-host.invalid:9", err)
        rc, _, err = cli("echo", "127.0.0.1:%d" % port)
        self.assertEqual(rc, 2)
        self.assertIn(b"Connection refused", err)

    def test_help(self):
        for sub in ("dict", "exec", "chat", "echo", "stats"):
            rc, out, _ = cli(sub, "--help")
            self.assertEqual(rc, 0)
            self.assertTrue(out.startswith(b"usage: netdemo-cli " + sub.encode()))
        rc, out, _ = cli("--help")
        self.assertEqual(rc, 0)
        self.assertIn(b"exec", out)
        rc, _, err = cli("frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn(b"unknown command", err)


class ChatKeepaliveTest(unittest.TestCase):
    """netdemo-cli chat against a chat with a short idle_timeout."""

    def setUp(self):
        self.d = Daemon("[chat]\nlisten = 127.0.0.1:0\nidle_timeout = 2\n")
        self.d.start()
        self.addCleanup(self.d.__exit__)
        host, port = self.d.addr("chat")[1]
        self.spec = "%s:%d" % (host, port)

    def chat(self, *args):
        c = ChatProcess(*args)
        self.addCleanup(c.kill)
        return c

    def say(self, text):
        """Joins from a fresh socket and says text; returns its name."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2 * SLOW)
            s.sendto(b"online", self.d.addr("chat")[1])
            name = s.recv(1000).decode().split("#")[0]
            s.sendto(text.encode(), self.d.addr("chat")[1])
            s.recv(1000)
        return name

    def test_a_reader_stays_a_member(self):
        reader = self.chat("--nick", "rita", self.spec)
        reader.expect(r"# is now rita$")
        time.sleep(4.5)     # two idle timeouts and more without typing
        name = self.say("still there?")
        reader.expect("^%s# still there\\?$" % re.escape(name))
        self.assertEqual(reader.finish(), 0)

    def test_dropped_it_joins_again_with_its_nick(self):
        reader = self.chat("--nick", "rita", self.spec)
        reader.expect(r"# is now rita$")
        reader.proc.send_signal(signal.SIGSTOP)
        time.sleep(3.5)     # dropped meanwhile (expiry counts whole seconds)
        reader.proc.send_signal(signal.SIGCONT)
        reader.expect(r"# is now rita$")
        name = self.say("welcome back")
        reader.expect("^%s# welcome back$" % re.escape(name))
        self.assertEqual(reader.finish(), 0)

    def test_a_taken_nick_exits_1(self):
        holder = self.chat("--nick", "rita", self.spec)
        holder.expect(r"# is now rita$")
        late = self.chat("--nick", "rita", self.spec)
        self.assertEqual(late.proc.wait(5 * SLOW), 1)
        self.assertEqual(holder.finish(), 0)


class CliEscapeTest(unittest.TestCase):
    def test_control_characters_in_a_reply_are_escaped(self):
        """A hostile service's reply cannot drive the terminal."""
        srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(srv.close)
        srv.bind(("127.0.0.1", 0))

        def answer():
            srv.settimeout(10 * SLOW)
            try:
                _, peer = srv.recvfrom(100)
            except socket.timeout:
                return
            srv.sendto(b"\x1b[2J\xc2\x9bx\xe2\x80\xaey\xff \xe8\x8b\xb9\tz", peer)
        t = threading.Thread(target=answer, daemon=True)
        t.start()
        rc, out, _ = cli("dict", "127.0.0.1:%d" % srv.getsockname()[1], "w")
        t.join()
        self.assertEqual(rc, 0)
        self.assertEqual(out, b"w: \\u{001B}[2J\\u{009B}x\\u{202E}y\\xFF"
                              b" \xe8\x8b\xb9\tz\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
