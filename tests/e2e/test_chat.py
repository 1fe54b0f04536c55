# SPDX-License-Identifier: MIT
"""End-to-end: the chat service with several client sockets on loopback."""
import os
import re
import resource
import select
import socket
import time
import unittest

from harness import Daemon, SLOW

BAD_NICK = ("error: a nick is 1-32 characters, without blanks, '#', ':' or"
            " invisible characters, and not a command word or an address")


class Client:
    """One chat client: its own socket, so its own HOST:PORT."""

    def __init__(self, addr, family=socket.AF_INET):
        self.addr = addr
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        host, port = self.sock.getsockname()[:2]
        self.name = ("[%s]:%d" if family == socket.AF_INET6 else "%s:%d") % (host, port)

    def send(self, text):
        self.sock.sendto(text.encode() if isinstance(text, str) else text,
                         self.addr)

    def recv(self, timeout=2.0):
        self.sock.settimeout(timeout * SLOW)
        return self.sock.recv(65536).decode()

    def quiet(self, wait=0.3):
        """Everything that arrives within wait seconds."""
        got = []
        while select.select([self.sock], [], [], wait)[0]:
            got.append(self.sock.recv(65536).decode())
        return got

    def wait_for(self, text, timeout=2.0):
        """Reads until text arrives; False if it does not within timeout."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return False
            if self.sock.recv(65536).decode() == text:
                return True

    def close(self):
        self.sock.close()


class ChatTest(unittest.TestCase):
    def daemon(self, extra="", **keys):
        text = "[chat]\nlisten = 127.0.0.1:0, [::1]:0\n" + "".join(
            "%s = %s\n" % kv for kv in keys.items()) + extra
        d = Daemon(text).start()
        self.addCleanup(d.__exit__)
        return d

    def clients(self, d, n, family=socket.AF_INET):
        index = 1 if family == socket.AF_INET6 else 0
        cs = [Client(d.addr("chat", index)[1], family) for _ in range(n)]
        for c in cs:
            self.addCleanup(c.close)
        return cs

    def join(self, *clients):
        for c in clients:
            c.send("online")
            self.assertEqual(c.recv(), c.name + "# online")
        for c in clients:
            c.quiet(0.1)

    def test_join_broadcast_reaches_every_member_once(self):
        d = self.daemon()
        a, b, c = self.clients(d, 3)
        a.send("online")
        self.assertEqual(a.recv(), a.name + "# online")
        b.send("online")
        self.assertEqual(a.recv(), b.name + "# online")
        self.assertEqual(b.recv(), b.name + "# online")
        self.join(c)
        a.quiet(0.1)
        b.quiet(0.1)
        a.send("hello, 世界")
        for who in (a, b, c):
            self.assertEqual(who.quiet(), [a.name + "# hello, 世界"])

    def test_non_member_gets_the_hint(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a)
        b.send("let me in")
        self.assertEqual(b.quiet(), ['not online: send "online" to join'])
        self.assertEqual(a.quiet(), [])

    def test_nul_terminated_request(self):
        d = self.daemon()
        a, = self.clients(d, 1)
        a.send(b"online".ljust(32, b"\0"))
        self.assertEqual(a.recv(), a.name + "# online")

    def test_offline_stops_delivery(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        b.send("offline")
        self.assertEqual(b.recv(), "bye")
        self.assertEqual(a.recv(), b.name + "# offline")
        a.send("anyone?")
        self.assertEqual(a.recv(), a.name + "# anyone?")
        self.assertEqual(b.quiet(), [])

    def test_who_and_nick(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        b.send("nick bob")
        self.assertEqual(a.recv(), b.name + "# is now bob")
        self.assertEqual(b.recv(), b.name + "# is now bob")
        b.send("hi")
        self.assertEqual(a.recv(), "bob# hi")
        b.recv()
        a.send("nick bob")
        self.assertEqual(a.quiet(), ["error: nick bob is taken"])
        for bad in ("nick ", "nick a b", "nick 1.2.3.4:5#", "nick " + "x" * 33):
            a.send(bad)
            self.assertEqual(a.quiet(), [BAD_NICK])
        a.send("nick " + "字" * 32)
        self.assertEqual(a.recv(), a.name + "# is now " + "字" * 32)
        b.quiet(0.1)
        a.send("who")
        lines = a.recv().split("\n")
        self.assertEqual(lines[0], "2 online:")
        self.assertEqual(sorted(lines[1:3]), sorted(["bob", "字" * 32]))

    def test_who_answers_in_one_datagram(self):
        """3 bytes in, one reply_size datagram out however many members:
        who is no amplifier for a spoofed source (it was 11 at 100)."""
        d = self.daemon(reply_size=100)
        cs = self.clients(d, 12)
        self.join(*cs)
        cs[0].send("who")
        parts = cs[0].quiet(0.5)
        self.assertEqual(len(parts), 1)
        self.assertLessEqual(len(parts[0].encode()), 100)
        lines = parts[0].split("\n")
        self.assertEqual(lines[0], "12 online:")
        shown, more = lines[1:-2], lines[-2]
        self.assertGreater(len(shown), 0)
        self.assertEqual(more, "and %d more" % (12 - len(shown)))
        self.assertTrue(set(shown) <= set(c.name for c in cs))
        # All of them fit in the default reply_size: no "more" line.
        big = self.daemon()
        ds = self.clients(big, 3)
        self.join(*ds)
        ds[0].send("who")
        self.assertEqual(sorted(ds[0].recv().split("\n")[1:-1]),
                         sorted(c.name for c in ds))

    def test_ping_keeps_a_member_and_is_not_broadcast(self):
        d = self.daemon(idle_timeout=2)
        a, b = self.clients(d, 2)
        self.join(a, b)
        deadline = time.monotonic() + 3.5 * SLOW
        while time.monotonic() < deadline:
            a.send("ping")
            b.send("ping")
            self.assertEqual(a.recv(), "pong 2")
            self.assertEqual(b.recv(), "pong 2")
            time.sleep(0.6)
        a.send("still here")
        self.assertEqual(b.recv(), a.name + "# still here")
        outsider, = self.clients(d, 1)
        outsider.send("ping")
        self.assertEqual(outsider.recv(),
                         'not online: send "online" to join')

    def test_joins_and_leaves_are_logged_once_a_second(self):
        d = self.daemon()
        mark = len(d.snapshot())
        c, = self.clients(d, 1)
        for _ in range(200):
            c.send("online")
            c.send("offline")
            c.quiet(0.001)
        c.quiet(0.3)
        logged = [l for l in d.snapshot()[mark:]
                  if " online, " in l or " offline, " in l]
        self.assertLess(len(logged), 20, "\n".join(logged[:30]))
        self.assertGreater(len(logged), 0)

    def test_debug_level_logs_each_request_rate_limited(self):
        d = self.daemon(extra="[netdemo]\nlog_level = debug\n")
        c, = self.clients(d, 1)
        mark = len(d.snapshot())
        for i in range(50):
            c.send("who%d" % i)
        c.quiet(0.3)
        line = d.wait_log(r"chat: 4 bytes from %s: handled, 1 replies"
                          % re.escape(c.name), start=mark)
        self.assertIn("chat", line)
        lines = [l for l in d.snapshot()[mark:] if "bytes from" in l]
        self.assertLess(len(lines), 5)

    def test_full_at_max_members(self):
        d = self.daemon(max_members=2)
        a, b, c = self.clients(d, 3)
        self.join(a, b)
        c.send("online")
        self.assertEqual(c.quiet(), ["full, try later"])
        self.assertEqual(a.quiet(), [])

    def test_invisible_characters_refused(self):
        """The attack's chat-ctl.py: format and invisible characters."""
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        for cp in ("\u200b", "\u200d", "\ufeff", "\u00ad", "\U000e0041",
                   "\ufff9", "\u2061", "\u206a", "\u180e", "\u3164",
                   "\u115f", "\ufffe", "\U0001ffff"):
            a.send(("a%sb" % cp).encode())
            self.assertEqual(a.quiet(), ["error: message must be UTF-8 text"],
                             repr(cp))
        self.assertEqual(b.quiet(0.1), [])
        for ok in ("👩\u200d💻 at work", "❤\ufe0f", "1\ufe0f\u20e3"):
            a.send(ok)
            self.assertEqual(b.recv(), a.name + "# " + ok)
            a.quiet(0.1)

    def test_nick_rules(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        a.send("nick ann")
        self.assertEqual(a.recv(), a.name + "# is now ann")
        b.quiet(0.1)
        for bad in ("a\u00a0b", "a\u3000b", "a\u2002b", "\u200b",
                    "ann\u200b", "online", "Who", "PING", "nick", "offline",
                    "127.0.0.1", "1.2"):
            b.send("nick " + bad)
            self.assertEqual(b.quiet(), [BAD_NICK], repr(bad))
        for taken in ("Ann", "ANN"):
            b.send("nick " + taken)
            self.assertEqual(b.quiet(), ["error: nick %s is taken" % taken])
        self.assertEqual(a.quiet(0.1), [])
        b.send("nick 42")
        self.assertEqual(b.recv(), b.name + "# is now 42")

    def test_online_again_answers_only_the_member(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        time.sleep(0.6)     # past the loop guard's window for b's "online"
        b.send("online")
        self.assertEqual(b.quiet(), [b.name + "# online"])
        self.assertEqual(a.quiet(0.1), [])
        self.assertEqual(d.stats("chat")["members"], 2)

    def test_text_must_be_utf8_without_controls(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        for bad in (b"\xff\xfe", b"red \x1b[31m", b"bell\x07", b"a\x7f",
                    "csi \u009b31m".encode(), "nel \u0085".encode(),
                    "rlo \u202eevil".encode(), "iso \u2066x".encode(),
                    "ls \u2028".encode(), "ps \u2029".encode()):
            a.send(bad)
            self.assertEqual(a.quiet(), ["error: message must be UTF-8 text"])
        for bad in ("nick \u009b", "nick a\u202e", "nick \u0085x"):
            a.send(bad)
            self.assertEqual(a.quiet(), [BAD_NICK])
        a.send(b"tab\tis fine")
        self.assertEqual(b.recv(), a.name + "# tab\tis fine")
        self.assertEqual(b.quiet(), [])

    def test_idle_member_expires(self):
        d = self.daemon(idle_timeout=1)
        a, b = self.clients(d, 2)
        self.join(a, b)
        deadline = time.monotonic() + 5 * SLOW
        seen = []
        while time.monotonic() < deadline and b.name + "# timed out" not in seen:
            a.send("still here")
            seen += a.quiet(0.3)
        self.assertIn(b.name + "# timed out", seen)
        b.quiet(0.1)
        a.send("after")
        self.assertEqual(b.quiet(), [])

    def test_ipv6_member_shows_bracketed_address(self):
        d = self.daemon()
        v6, = self.clients(d, 1, socket.AF_INET6)
        v4, = self.clients(d, 1)
        self.join(v6, v4)
        v6.send("from six")
        self.assertEqual(v4.recv(), v6.name + "# from six")
        self.assertTrue(v6.name.startswith("[::1]:"))

    def test_unreachable_member_is_dropped(self):
        d = self.daemon()
        a, b = self.clients(d, 2)
        self.join(a, b)
        b.close()       # its port now answers ICMP port unreachable
        a.send("are you there?")
        got = a.quiet(0.5)
        self.assertIn(a.name + "# are you there?", got)
        if b.name + "# unreachable" not in got:
            got += a.quiet(1.0)
        self.assertIn(b.name + "# unreachable", got)
        a.send("who")
        self.assertEqual(a.recv(), "1 online:\n%s\n" % a.name)

    @unittest.skipUnless(os.geteuid() == 0, "binding a port below 1024 needs root")
    def test_privileged_source_ports_are_ignored(self):
        d = self.daemon()
        addr = d.addr("chat")[1]
        for port in range(1000, 1010):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", port))
                break
            except OSError:
                s.close()
        else:
            self.skipTest("no free port below 1024")
        with s:
            s.sendto(b"online", addr)
            s.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                s.recv(100)
        d.wait_log(r"dropped: source port below 1024")

    def test_thousand_member_broadcast_keeps_the_loop_responsive(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1100:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
        extra = "[dict]\nlisten = 127.0.0.1:0\nfile = words.txt\n"
        d = Daemon("[chat]\nlisten = 127.0.0.1:0\nmax_members = 1000\n" + extra,
                   {"words.txt": "apple:苹果\n"}).start()
        self.addCleanup(d.__exit__)
        addr = d.addr("chat")[1]
        cs = [Client(addr) for _ in range(1000)]
        deadline = time.monotonic() + 60 * SLOW
        # One join at a time: a burst would overflow the daemon's socket
        # buffer, and UDP drops what does not fit. Each join is told to
        # everyone so far, the newcomer last.
        for c in cs:
            self.addCleanup(c.close)
            c.send("online")
            while not c.wait_for(c.name + "# online", 0.5):
                self.assertLess(time.monotonic(), deadline)
                c.send("online")
        for c in cs:
            c.quiet(0)
        cs[0].send("to all")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as q:
            q.settimeout(1.0)
            t0 = time.monotonic()
            q.sendto(b"apple", d.addr("dict")[1])
            self.assertEqual(q.recv(100).decode(), "苹果")
            self.assertLess(time.monotonic() - t0, 0.5 * SLOW)
        received = sum(c.wait_for(cs[0].name + "# to all") for c in cs)
        self.assertEqual(received, 1000)
        self.assertEqual(sum(len(c.quiet(0)) for c in cs), 0, "sent twice")


if __name__ == "__main__":
    unittest.main(verbosity=2)
