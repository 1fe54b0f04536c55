# SPDX-License-Identifier: MIT
"""End-to-end: the dict service over UDP on loopback, and SIGHUP reloads."""
import os
import signal
import socket
import struct
import time
import unittest

from harness import Daemon, SLOW, udp_ask

DICT = ("# test dictionary\napple:苹果\nwater:水\nhello:你好\nChina:中国\n"
        "china:瓷器\n")
CONFIG = """
[dict]
listen = 127.0.0.1:0, [::1]:0
file = words.txt
max_request = 64
"""


class DictTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(CONFIG, {"words.txt": DICT}).start(expect_listening=2)
        self.addr = self.d.addr("dict")[1]

    def tearDown(self):
        self.assertEqual(self.d.stop(), 0)
        self.d.__exit__()

    def ask(self, payload, **kw):
        return udp_ask(self.addr, payload, **kw).decode()

    def test_known_and_unknown_words(self):
        self.assertEqual(self.ask("apple".encode()), "苹果")
        self.assertEqual(self.ask(b"water"), "水")
        self.assertEqual(self.ask(b"nope"), "unknown")
        self.assertEqual(self.ask(b"appl"), "unknown")

    def test_case_and_blanks_forgiven(self):
        self.assertEqual(self.ask(b"Apple"), "苹果")
        self.assertEqual(self.ask(b"APPLE"), "苹果")
        self.assertEqual(self.ask(b" apple "), "苹果")
        self.assertEqual(self.ask(b"\tWater\t\n"), "水")
        self.assertEqual(self.ask(b"China"), "中国")	# its own entry
        self.assertEqual(self.ask(b"CHINA"), "瓷器")
        self.assertEqual(self.ask(b"ap ple"), "unknown")

    def test_ipv6_socket(self):
        family, addr = self.d.addr("dict", 1)
        self.assertEqual(family, socket.AF_INET6)
        self.assertEqual(udp_ask(addr, b"hello", family=family).decode(),
                         "你好")

    def test_request_forms(self):
        # The seed's client: a 32-byte buffer, NUL-terminated text first.
        self.assertEqual(self.ask(b"apple".ljust(32, b"\0")), "苹果")
        self.assertEqual(self.ask(b"apple\n"), "苹果")
        self.assertEqual(self.ask(b"apple\r\n"), "苹果")
        self.assertEqual(self.ask(b"apple\0garbage"), "苹果")
        self.assertEqual(self.ask(b""), "unknown")
        self.assertEqual(self.ask(b"\0\0\0"), "unknown")
        self.assertEqual(self.ask(b"\xff\xfe\x80"), "unknown")

    def test_request_too_long(self):
        self.assertEqual(self.ask(b"x" * 65), "error: request too long")
        self.assertEqual(self.ask(b"x" * 64), "unknown")
        # A large NUL-padded buffer with a short word is a short request.
        self.assertEqual(self.ask(b"water" + b"\0" * 4000), "水")
        self.assertEqual(self.ask(b"y" * 60000), "error: request too long")
        self.assertEqual(self.ask(b"apple"), "苹果")
        self.assertEqual(self.d.stats("dict")["refused_too_long"], 2)

    def test_burst_is_answered_in_order_of_arrival(self):
        # Many datagrams queued at once: each readiness event reads a batch.
        n = 200
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.settimeout(2 * SLOW)
            for i in range(n):
                s.sendto(b"apple" if i % 2 else b"nope", self.addr)
            replies = [s.recv(100) for _ in range(n)]
        self.assertEqual(replies.count("苹果".encode()), n // 2)
        self.assertEqual(replies.count(b"unknown"), n // 2)

    def reload(self):
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        return mark

    def test_sighup_picks_up_changed_file(self):
        self.assertEqual(self.ask(b"cat"), "unknown")
        self.d.write("words.txt", DICT + "cat:猫\n")
        mark = self.reload()
        self.d.wait_log(r"loaded 6 entries", start=mark)
        self.assertEqual(self.ask(b"cat"), "猫")
        self.assertEqual(self.ask(b"apple"), "苹果")

    def test_sighup_with_file_deleted_keeps_old_table(self):
        os.unlink(self.d.path("words.txt"))
        mark = self.reload()
        line = self.d.wait_log(r"reload failed", start=mark)
        self.assertIn("still serving the 5 entries", line)
        self.assertIn("No such file or directory", line)
        self.assertEqual(self.ask(b"apple"), "苹果")

    def test_sighup_with_junk_file_keeps_old_table(self):
        self.d.write("words.txt", b"\xff\xfe junk\nno separator\n\0\0\0")
        mark = self.reload()
        line = self.d.wait_log(r"reload failed", start=mark)
        self.assertIn("no valid entries", line)
        self.d.wait_log(r"words.txt:2: no ':' separator", start=mark)
        self.assertEqual(self.ask(b"water"), "水")

    def test_sighup_with_file_over_max_file_size_keeps_old_table(self):
        self.d.write("netdemo.ini", CONFIG + "max_file_size = 100\n")
        self.d.write("words.txt", DICT + "".join("w%d:%d\n" % (i, i) for i in range(50)))
        mark = self.reload()
        line = self.d.wait_log(r"reload failed", start=mark)
        self.assertIn("larger than max_file_size (100 bytes)", line)
        self.assertEqual(self.ask(b"apple"), "苹果")
        self.assertEqual(self.ask(b"w1"), "unknown")

    def test_sighup_with_some_bad_lines_loads_the_good_ones(self):
        self.d.write("words.txt", "cat:猫\nbroken line\ndog:狗\ncat:貓\n")
        mark = self.reload()
        self.d.wait_log(r"words.txt:2: no ':' separator", start=mark)
        self.d.wait_log(r"words.txt:4: duplicate key 'cat'", start=mark)
        self.d.wait_log(r"loaded 2 entries", start=mark)
        self.assertEqual(self.ask(b"cat"), "猫")
        self.assertEqual(self.ask(b"apple"), "unknown")

    def test_control_characters_never_reach_a_reply(self):
        # The attack pass: `title:ESC]0;pwned BEL ESC[2J` went raw to nc -u.
        self.d.write("words.txt", b"title:\x1b]0;pwned\x07\x1b[2J\n"
                     b"mac1:one\rmac2:two\n" + DICT.encode())
        mark = self.reload()
        self.d.wait_log(r"words.txt:1: a control character", start=mark)
        self.d.wait_log(r"words.txt:2: a carriage return inside", start=mark)
        self.d.wait_log(r"reloaded", start=mark)
        self.assertEqual(self.ask(b"title"), "unknown")
        self.assertEqual(self.ask(b"mac1"), "unknown")
        self.assertEqual(self.ask(b"apple"), "苹果")

    def test_sighup_with_a_file_cut_short_is_said(self):
        # The attack pass: a dictionary truncated before SIGHUP loaded 5,710
        # of 104,835 entries with only a line's warning for it.
        self.d.write("words.txt", DICT + "".join("w%d:%d\n" % (i, i)
                                                 for i in range(20)))
        mark = self.reload()
        self.d.wait_log(r"loaded 25 entries", start=mark)
        self.d.write("words.txt", DICT.encode()[:49])   # in 你
        mark = self.reload()
        self.d.wait_log(r"words.txt:4: invalid UTF-8", start=mark)
        line = self.d.wait_log(r"2 entries, 25 before: cut short", start=mark)
        self.assertIn("words.txt", line)
        self.d.wait_log(r"reloaded", start=mark)
        self.assertEqual(self.ask(b"apple"), "苹果")
        self.assertEqual(self.ask(b"w1"), "unknown")
        # A file that shrinks by less than half is nothing to say.
        self.d.write("words.txt", DICT.encode()[:41])
        mark = self.reload()
        self.d.wait_log(r"reloaded", start=mark)
        self.assertFalse([l for l in self.d.snapshot()[mark:]
                          if "before: cut short" in l])

    def test_reload_keeps_answering(self):
        for i in range(5):
            self.d.write("words.txt", DICT + "n%d:%d\n" % (i, i))
            mark = self.reload()
            self.d.wait_log(r"loaded 6 entries", start=mark)
            self.assertEqual(self.ask(b"n%d" % i), str(i))
            time.sleep(0.01)


class LongValueTest(unittest.TestCase):
    def test_long_value_is_one_cut_datagram_and_warned(self):
        value = "; ".join("sense%05d" % i for i in range(1500))  # ~20 kB
        conf = "[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
        with Daemon(conf, {"w.txt": "x:%s\ny:short\n" % value}) as d:
            d.start()
            self.assertTrue(any("1 values longer than reply_size (1200)" in l
                                for l in d.snapshot()))
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(2 * SLOW)
                s.sendto(b"x", d.addr("dict")[1])
                got = s.recv(65536).decode()
                s.sendto(b"y", d.addr("dict")[1])
                # The next datagram is y's reply: x's was one datagram.
                self.assertEqual(s.recv(65536), b"short")
            self.assertLessEqual(len(got.encode()), 1200)
            self.assertTrue(got.endswith("; \u2026"), got[-20:])
            self.assertTrue(value.startswith(got[:-3]), got[:40])
            self.assertRegex(got, r"sense\d{5}; \u2026$")
            self.assertEqual(d.stop(), 0)


class GuardTest(unittest.TestCase):
    """allow_from and the loop guard, on every UDP service (dict here)."""

    def test_allow_from(self):
        # 192.0.2.0/24 is TEST-NET-1: only named here, no traffic goes there.
        with Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                    "allow_from = 192.0.2.0/24, ::1\n", {"w.txt": "a:b\n"}).start() as d:
            with self.assertRaises(socket.timeout):
                udp_ask(d.addr("dict")[1], b"a", timeout=0.5)
            d.wait_log(r"dict: datagram from 127\.0\.0\.1:\d+ dropped: not in"
                       r" allow_from")
            self.assertEqual(d.stop(), 0)

    def test_rate_limit_per_source(self):
        with Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\nrate = 2\n"
                    "burst = 5\n", {"w.txt": "a:b\n"}).start() as d:
            addr = d.addr("dict")[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(0.3 * SLOW)
                for i in range(30):
                    # Different datagrams: the loop guard drops an instant repeat.
                    s.sendto(b"a" + b" " * i, addr)
                got = 0
                try:
                    while True:
                        s.recv(100)
                        got += 1
                except socket.timeout:
                    pass
            self.assertGreaterEqual(got, 5)
            self.assertLessEqual(got, 7)
            # The bucket refills at `rate` a second.
            time.sleep(0.6)
            self.assertEqual(udp_ask(addr, b"a"), b"b")
            mark = len(d.snapshot())
            d.send_signal(signal.SIGUSR1)
            line = d.wait_log(r"stats: dict:", start=mark)
            self.assertRegex(line, r"dropped_rate=2[3-5]\b")
            self.assertEqual(d.stop(), 0)

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source port needs root")
    def test_spoofed_source_from_own_service_starts_no_loop(self):
        # A datagram "from" chat's port to dict: answered, the two services
        # would reply to each other forever. Sent from a raw socket on
        # loopback, the only way to forge a source port.
        conf = ("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                "[chat]\nlisten = 127.0.0.1:0\n")
        with Daemon(conf, {"w.txt": "a:b\n"}).start() as d:
            chat_port = d.addr("chat")[1][1]
            dict_port = d.addr("dict")[1][1]
            payload = b"a"
            header = struct.pack("!HHHH", chat_port, dict_port, 8 + len(payload), 0)
            with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP) as raw:
                raw.sendto(header + payload, ("127.0.0.1", 0))
            d.wait_log(r"dict: datagram from 127\.0\.0\.1:%d dropped: source port"
                       r" is one of netdemo's own" % chat_port)
            time.sleep(0.3)
            mark = len(d.snapshot())
            d.send_signal(signal.SIGUSR1)
            line = d.wait_log(r"stats: dict:", start=mark)
            self.assertIn("datagrams_out=0", line)
            self.assertIn("dropped_bad_source=1", line)
            line = d.wait_log(r"stats: chat:", start=mark)
            self.assertIn("datagrams_in=0", line)
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
