# SPDX-License-Identifier: MIT
"""End-to-end: one spoofed datagram between two netdemo daemons dies out.

A raw socket (root only) writes a datagram "from" one daemon's UDP port to
another's; every reply after that is a daemon answering a daemon. The guard
(udp_repeat.c) must stop the exchange within a few datagrams, while clients
that retry, or ask many different things quickly, are still answered."""
import os
import socket
import struct
import time
import unittest

from harness import Daemon, SLOW, udp_ask

WORDS = "apple:苹果\n苹果:apple\n"
KINDS = {
    "dict": "[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n",
    "chat": "[chat]\nlisten = 127.0.0.1:0\n",
    "exec": "[exec]\nenabled = yes\nlisten = 127.0.0.1:0\nallow = echo\n",
    "udpecho": "[udpecho]\nlisten = 127.0.0.1:0\n",
}
# More than this many datagrams in all is a loop, not "a handful".
HANDFUL = 8


def spoof(src_port, dst_port, payload):
    """Sends payload to 127.0.0.1:dst_port "from" 127.0.0.1:src_port."""
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x4242, 0, 64,
                     socket.IPPROTO_UDP, 0, socket.inet_aton("127.0.0.1"),
                     socket.inet_aton("127.0.0.1"))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        raw.sendto(ip + udp, ("127.0.0.1", 0))


class LoopTest(unittest.TestCase):
    def daemon(self, kind):
        d = Daemon(KINDS[kind], {"w.txt": WORDS}).start()
        self.addCleanup(d.__exit__)
        return d

    def exchanges(self, a, b, payload):
        """Datagrams a and b receive after one spoofed from b to a."""
        spoof(b.addr(self.kind_b)[1][1], a.addr(self.kind_a)[1][1], payload)
        time.sleep(1.0 * SLOW)
        first = (a.stats(self.kind_a)["datagrams_in"] +
                 b.stats(self.kind_b)["datagrams_in"])
        time.sleep(0.3 * SLOW)
        then = (a.stats(self.kind_a)["datagrams_in"] +
                b.stats(self.kind_b)["datagrams_in"])
        self.assertEqual(first, then, "still looping")
        return first

    def check_pair(self, kind_a, kind_b, payload):
        self.kind_a, self.kind_b = kind_a, kind_b
        a, b = self.daemon(kind_a), self.daemon(kind_b)
        n = self.exchanges(a, b, payload)
        self.assertGreaterEqual(n, 2, "the spoofed datagram was not answered")
        self.assertLessEqual(n, HANDFUL)
        # udpecho's own guard (dropped_cycle) ends a two-text cycle too.
        self.assertGreaterEqual(sum(d.stats(k).get(guard, 0) for d, k in
                                    ((a, kind_a), (b, kind_b))
                                    for guard in ("dropped_repeat",
                                                  "dropped_reflection",
                                                  "dropped_cycle")), 1)

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_chat_and_dict(self):
        self.check_pair("chat", "dict", b"hello")

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_dict_and_dict_translating_back_and_forth(self):
        self.check_pair("dict", "dict", "apple".encode())

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_chat_and_chat(self):
        self.check_pair("chat", "chat", b"online")

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_exec_and_dict(self):
        self.check_pair("exec", "dict", b"nosuchcommand")

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_udpecho_and_udpecho(self):
        self.check_pair("udpecho", "udpecho", b"ping")

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_udpecho_and_dict(self):
        self.check_pair("udpecho", "dict", "apple".encode())

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_udpecho_and_chat(self):
        self.check_pair("udpecho", "chat", b"hello")

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_exec_and_exec(self):
        self.check_pair("exec", "exec", b"nosuchcommand")

    @unittest.skipUnless(os.geteuid() == 0, "spoofing a source needs root")
    def test_two_chats_members_of_each_other(self):
        """Each chat relays the other's lines with its own "HOST:PORT# "
        in front, so no datagram ever repeats: the reflection guard (the
        peer sends back what we sent it, prefixed) must end it."""
        a, b = self.daemon("chat"), self.daemon("chat")
        pa, pb = a.addr("chat")[1][1], b.addr("chat")[1][1]
        spoof(pa, pb, b"online")            # a's chat port joins b's chat
        time.sleep(0.6)                     # past the repeat window
        spoof(pb, pa, b"online")            # and b's joins a's
        time.sleep(1.0 * SLOW)
        first = a.stats("chat")["datagrams_in"] + b.stats("chat")["datagrams_in"]
        time.sleep(0.5 * SLOW)
        then = a.stats("chat")["datagrams_in"] + b.stats("chat")["datagrams_in"]
        self.assertEqual(first, then, "still looping")
        self.assertLessEqual(first, HANDFUL)
        self.assertGreaterEqual(a.stats("chat")["dropped_reflection"] +
                                b.stats("chat")["dropped_reflection"], 1)

    def test_a_retry_after_a_second_is_answered(self):
        d = self.daemon("dict")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2 * SLOW)
            s.connect(d.addr("dict")[1])
            s.send(b"apple")
            self.assertEqual(s.recv(100).decode(), "苹果")
            time.sleep(1.0)
            s.send(b"apple")
            self.assertEqual(s.recv(100).decode(), "苹果")
        self.assertEqual(d.stats("dict")["dropped_repeat"], 0)

    def test_an_instant_repeat_from_the_same_port_is_dropped(self):
        d = self.daemon("dict")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5 * SLOW)
            s.connect(d.addr("dict")[1])
            s.send(b"apple")
            s.send(b"apple")
            self.assertEqual(s.recv(100).decode(), "苹果")
            self.assertRaises(socket.timeout, s.recv, 100)
        self.assertEqual(d.stats("dict")["dropped_repeat"], 1)
        # Another port is another source.
        self.assertEqual(udp_ask(d.addr("dict")[1], b"apple").decode(), "苹果")

    def test_many_different_requests_from_one_port_all_answered(self):
        words = "".join("w%d:v%d\n" % (i, i) for i in range(2000))
        d = Daemon(KINDS["dict"], {"w.txt": words}).start()
        self.addCleanup(d.__exit__)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2 * SLOW)
            s.connect(d.addr("dict")[1])
            for i in range(2000):     # closed loop, as fast as it goes
                s.send(b"w%d" % i)
                self.assertEqual(s.recv(100), b"v%d" % i)
        st = d.stats("dict")
        self.assertEqual(st["dropped_repeat"], 0)
        self.assertEqual(st["datagrams_out"], 2000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
