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


class DaemonCase(unittest.TestCase):
    """One daemon for a class's tests; spec() is a service's HOST:PORT."""
    words = "apple:苹果\nwater:水\n"

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(CONFIG, {"words.txt": cls.words}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.__exit__()

    def spec(self, name):
        host, port = self.d.addr(name)[1]
        return "%s:%d" % (host, port)


class CliTest(DaemonCase):
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

    def test_lines_sent_while_dropped_are_sent_again_once(self):
        # Attack pass 3: lines waiting out the loop guard when the member
        # was dropped went out to "not online", were lost, and the line's
        # and the ping's "not online" made it join twice.
        listener = self.chat("--nick", "lena", self.spec)
        listener.expect(r"# is now lena$")
        talker = self.chat("--nick", "tom", self.spec)
        talker.expect(r"# is now tom$")
        listener.expect(r"# is now tom$")
        talker.send(b"w1\nw1\nw2\nw2\n")
        talker.proc.send_signal(signal.SIGSTOP)
        time.sleep(3.5)     # dropped meanwhile, two lines still waiting
        talker.proc.send_signal(signal.SIGCONT)
        talker.send(b"v\n")
        got = []
        while not got or got[-1] != "v":
            got.append(listener.expect(r"^tom# (w1|w2|v|online|is now tom)$"
                                       ).split("# ", 1)[1])
        said = [g for g in got if g in ("w1", "w2", "v")]
        self.assertEqual(said, ["w1", "w1", "w2", "w2", "v"], got)
        self.assertLessEqual(got.count("online"), 1, got)
        self.assertEqual(talker.finish(), 0)

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

class GuardServer:
    """A UDP service with the daemon's loop guard (a datagram identical to
    the same source's previous one within 500 ms is dropped) that also
    ignores the first request, as if its reply were lost: only a retry
    the guard lets through gets an answer. Records (time, port, data)."""

    def __init__(self, test):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        test.addCleanup(self.sock.close)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.seen = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        test.addCleanup(self.finish)

    def spec(self):
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def _serve(self):
        last = {}
        deadline = time.monotonic() + 20 * SLOW
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                data, peer = self.sock.recvfrom(70000)
            except socket.timeout:
                continue
            now = time.monotonic()
            self.seen.append((now, peer[1], data))
            prev = last.get(peer)
            last[peer] = (data, now)
            if len(self.seen) == 1:
                continue        # lost
            if prev is not None and prev[0] == data and now - prev[1] < 0.5:
                last[peer] = prev   # dropped: the window is not restarted
                continue
            self.sock.sendto(b"bye" if data == b"offline" else b"ok " + data,
                             peer)

    def finish(self):
        self.stop.set()
        self.thread.join()


class CliRepeatTest(DaemonCase):
    """The daemon's loop guard drops a datagram identical to the same
    source's previous one within 500 ms: repeats and retries must pass."""

    def test_a_repeated_word_is_answered_each_time(self):
        rc, out, err = cli("dict", "--timeout", "0.2", self.spec("dict"),
                           "water", "water")
        self.assertEqual((rc, out.decode(), err), (0, "water: 水\nwater: 水\n", b""))
        start = time.monotonic()
        rc, out, err = cli("dict", self.spec("dict"),
                           stdin=b"apple\napple\napple\n")
        self.assertEqual((rc, err), (0, b""))
        self.assertEqual(out.decode(), "apple: 苹果\n" * 3)
        self.assertLess(time.monotonic() - start, 1.5 * SLOW)

    def test_a_repeated_exec_command_runs_each_time(self):
        # Not a resend: the user asked for it twice.
        rc, out, err = cli("exec", "--timeout", "1", self.spec("exec"),
                           stdin=b"echo same\necho same\n")
        self.assertEqual((rc, out, err),
                         (0, b"same\nsame\n", b"[exit 0]\n[exit 0]\n"))

    def test_a_dict_retry_is_not_dropped(self):
        srv = GuardServer(self)
        rc, out, err = cli("dict", "--timeout", "0.2", srv.spec(), "w")
        self.assertEqual((rc, out), (0, b"w: ok w\n"), err)
        # From a new source port at once, not after the guard's window.
        (t1, p1, _), (t2, p2, _) = srv.seen[:2]
        self.assertNotEqual(p1, p2)

    def test_a_chat_line_typed_twice_reaches_the_room_twice(self):
        # Attack pass 2: `printf 'hi\nhi\nhi\n' | netdemo-cli chat` got one
        # "hi" through: the loop guard dropped the repeats, silently.
        spec = self.spec("chat")
        a = ChatProcess("--nick", "ann", spec)
        self.addCleanup(a.kill)
        a.expect(r"# is now ann$")
        b = ChatProcess("--nick", "bob", spec)
        self.addCleanup(b.kill)
        b.expect(r"# is now bob$")
        start = time.monotonic()
        b.send(b"hi\nhi\nthere\nthere\n")
        for text in ("hi", "hi", "there", "there"):
            a.expect(r"^bob# %s$" % text)
        self.assertLess(time.monotonic() - start, 3 * SLOW)
        # At EOF too: a last line equal to the one before it, no newline.
        b.send(b"end\nend")
        self.assertEqual(b.finish(), 0)
        a.expect(r"^bob# end$")
        a.expect(r"^bob# end$")
        a.expect(r"^bob# offline$")

    def test_a_timeout_must_be_a_number_of_seconds(self):
        for bad in ("nan", "NaN", "-nan", "inf", "0", "-1", "1e9", "x"):
            rc, _, err = cli("dict", "--timeout", bad, "127.0.0.1:9", "w",
                             timeout=5)
            self.assertEqual(rc, 2, bad)
            self.assertIn(b"is not a number of seconds", err, bad)

    def test_a_chat_retry_keeps_its_port(self):
        # A member is its address and port: the retry waits the guard out.
        srv = GuardServer(self)
        rc, out, err = cli("chat", "--timeout", "0.2", srv.spec(), stdin=b"")
        self.assertEqual(rc, 0, err)
        self.assertIn(b"ok online\n", out)
        (t1, p1, d1), (t2, p2, d2) = srv.seen[:2]
        self.assertEqual((d1, d2, p1), (b"online", b"online", p2))
        self.assertGreaterEqual(t2 - t1, 0.5)


class CliArgumentsTest(DaemonCase):
    """Words and HOST reach the terminal escaped; "--" ends options; a
    request too long for a datagram says so."""
    words = "apple:苹果\n-x:dash\n"

    def test_the_echoed_word_is_escaped(self):
        rc, out, _ = cli("dict", self.spec("dict"), "a\x1b[31mb", "c\nd",
                         "apple")
        lines = out.split(b"\n")
        self.assertEqual(len(lines), 4, out)
        self.assertTrue(lines[0].startswith(b"a\\u{001B}[31mb: "), out)
        self.assertTrue(lines[1].startswith(b"c\\u{000A}d: "), out)
        self.assertEqual(lines[2], "apple: 苹果".encode())
        self.assertNotIn(b"\x1b", out)

    def test_messages_quote_arguments_escaped(self):
        rc, _, err = cli("dict", "bad\x1b]0;x\x07host\nforged:1", "w")
        self.assertEqual(rc, 2)
        self.assertNotIn(b"\x1b", err)
        self.assertEqual(err.count(b"\n"), 1, err)
        self.assertIn(b"bad\\u{001B}]0;x\\u{0007}host\\u{000A}forged", err)

    def test_double_dash_ends_options(self):
        rc, out, err = cli("dict", self.spec("dict"), "--", "-x")
        self.assertEqual((rc, out, err), (0, b"-x: dash\n", b""))
        rc, out, err = cli("dict", "--timeout", "2", "--", self.spec("dict"),
                           "--", "apple")
        self.assertEqual((rc, out.decode()), (0, "apple: 苹果\n"), err)
        rc, out, err = cli("exec", self.spec("exec"), "--", "echo", "-x")
        self.assertEqual((rc, out, err), (0, b"-x\n", b"[exit 0]\n"))
        rc, out, err = cli("stats", self.spec("stats"), "--")
        self.assertEqual(rc, 0, err)
        rc, out, err = cli("echo", self.spec("echo"), "--", stdin=b"hi\n")
        self.assertEqual((rc, out), (0, b"hi\n"), err)
        rc, out, err = cli("chat", self.spec("chat"), "--", stdin=b"")
        self.assertEqual(rc, 0, err)
        rc, _, err = cli("stats", self.spec("stats"), "--", "extra")
        self.assertEqual(rc, 2)

    def test_a_request_too_long_for_a_datagram(self):
        start = time.monotonic()
        rc, out, err = cli("dict", self.spec("dict"), "x" * 70000, "apple")
        self.assertEqual(rc, 1, err)
        self.assertIn(b"too long for a datagram (at most 65507", err)
        self.assertEqual(out.decode(), "apple: 苹果\n")
        self.assertLess(time.monotonic() - start, 1.5 * SLOW)
        rc, out, err = cli("exec", self.spec("exec"), "echo", "x" * 70000)
        self.assertEqual(rc, 1, err)
        self.assertIn(b"too long for a datagram", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
