# SPDX-License-Identifier: MIT
"""Load and abuse on loopback, each bounded in time: the `load` suite.

10,000 concurrent echo connections; 100,000 hostile datagrams at each UDP
service with RSS checked before and after; a slowloris set of idle echo
connections reaped by idle_timeout; a flood from many source ports (and,
as root, from many spoofed source addresses) held by the rate table.
"""
import os
import random
import resource
import selectors
import socket
import struct
import time
import unittest

from harness import Daemon, RSS_SLACK_KIB, SLOW, WRAPPER, udp_ask
from test_echo import echo_roundtrip

# A daemon's RSS may move this much (KiB) under a flood and still "hold".
RSS_BOUND_KIB = 4096 + RSS_SLACK_KIB


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def hostile_datagrams(n, rng):
    """n datagrams of the kinds a hostile sender tries, in a random mix."""
    kinds = [
        lambda: b"",
        lambda: b"\0" * rng.randrange(1, 200),
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300))),
        lambda: b"\xff\xfe\xc0\x80 invalid \xed\xa0\x80 utf-8",
        lambda: b"online\0\0\0" + bytes(rng.getrandbits(8) for _ in range(8)),
        lambda: b"a" * rng.randrange(1000, 2000),
    ]
    big = b"\x00\xff" * 32753          # 65,506 bytes: as large as UDP goes
    out = [rng.choice(kinds)() for _ in range(n)]
    for i in range(0, n, 100):          # 1% at the size limit
        out[i] = big
    return out


def flood(addr, datagrams, senders=8, pace=0):
    """Sends every datagram from a few sockets, never reading replies; with
    pace, pauses 1 ms after every pace datagrams (UDP has no flow control:
    unpaced, a slow build's socket buffer overflows and the kernel, not the
    daemon, drops most of them)."""
    socks = []
    for _ in range(senders):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        socks.append(s)
    sent = 0
    deadline = time.monotonic() + 60 * SLOW
    try:
        for i, dgram in enumerate(datagrams):
            while time.monotonic() < deadline:
                try:
                    socks[i % senders].sendto(dgram, addr)
                    sent += 1
                    if pace and sent % pace == 0:
                        time.sleep(0.001)
                    break
                except BlockingIOError:
                    time.sleep(0.0005)
                except ConnectionRefusedError:
                    pass        # an ICMP error from an earlier datagram
    finally:
        for s in socks:
            s.close()
    return sent


@unittest.skipIf(WRAPPER, "load tests do not run under valgrind")
class LoadTest(unittest.TestCase):
    def test_ten_thousand_concurrent_echo_connections(self):
        n = 10000
        if raise_nofile(n + 200) < n + 200:
            self.skipTest("RLIMIT_NOFILE hard limit below %d" % (n + 200))
        d = Daemon("[echo]\nlisten = 127.0.0.1:0\nmax_connections = 20000\n"
                   "idle_timeout = 120\n").start()
        self.addCleanup(d.__exit__)
        addr = d.addr("echo")[1]
        sel = selectors.DefaultSelector()
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(addr)
            socks.append(s)
            sel.register(s, selectors.EVENT_WRITE, i)
        msg = [b"%063d\n" % i for i in range(n)]
        got = [b""] * n
        done = 0
        deadline = time.monotonic() + 90 * SLOW
        while done < n and time.monotonic() < deadline:
            for key, ev in sel.select(timeout=1):
                i, s = key.data, key.fileobj
                if ev & selectors.EVENT_WRITE:
                    s.send(msg[i])          # 64 bytes always fit
                    sel.modify(s, selectors.EVENT_READ, i)
                    continue
                got[i] += s.recv(256)
                if len(got[i]) >= 64:
                    sel.unregister(s)
                    done += 1
        self.assertEqual(done, n, "%d of %d echoed in time" % (done, n))
        self.assertEqual(got, msg)
        self.assertEqual(d.stats("echo")["connections"], n)
        sel.close()

    def test_hostile_datagrams_at_every_udp_service(self):
        d = Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                   "[chat]\nlisten = 127.0.0.1:0\n"
                   "[exec]\nenabled = yes\nlisten = 127.0.0.1:0\nallow = echo *\n",
                   {"w.txt": "apple:苹果\n"}).start()
        self.addCleanup(d.__exit__)
        rng = random.Random(862)
        datagrams = hostile_datagrams(100000, rng)
        # Warm up, then take the RSS to compare against.
        for name in ("dict", "chat", "exec"):
            flood(d.addr(name)[1], datagrams[:2000])
        time.sleep(0.5)
        before = d.rss_kib()
        for name in ("dict", "chat", "exec"):
            sent = flood(d.addr(name)[1], datagrams, pace=50)
            self.assertEqual(sent, len(datagrams))
        time.sleep(0.5)
        after = d.rss_kib()
        self.assertLess(after - before, RSS_BOUND_KIB,
                        "RSS %d -> %d KiB" % (before, after))
        # Still answering, and correctly.
        self.assertEqual(udp_ask(d.addr("dict")[1], b"apple").decode(), "苹果")
        self.assertEqual(udp_ask(d.addr("exec")[1], b"echo ok"), b"ok\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2 * SLOW)
            s.sendto(b"online", d.addr("chat")[1])
            self.assertRegex(s.recv(1000), rb"online")
        for name in ("dict", "chat", "exec"):
            self.assertGreaterEqual(d.stats(name)["datagrams_in"], 50000)
        self.assertEqual(d.proc.poll(), None)

    def test_stalled_senders_hold_little_memory(self):
        """Clients that send and never read: the daemon stops reading each
        once its output reaches the cap, so RSS grows by < 64 KiB a client."""
        n, chunk = 100, b"s" * 65536
        d = Daemon("[echo]\nlisten = 127.0.0.1:0\nidle_timeout = 0\n").start()
        self.addCleanup(d.__exit__)
        addr = d.addr("echo")[1]
        self.assertEqual(echo_roundtrip(addr, b"warm" * 4096), b"warm" * 4096)
        time.sleep(0.2)
        before = d.rss_kib()
        socks = []
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(addr)
            s.setblocking(False)
            socks.append(s)
        self.addCleanup(lambda: [s.close() for s in socks])
        # Send until every client's writes block: the daemon stopped reading.
        sel = selectors.DefaultSelector()
        for s in socks:
            sel.register(s, selectors.EVENT_WRITE)
        deadline = time.monotonic() + 60 * SLOW
        blocked = 0
        while sel.get_map() and time.monotonic() < deadline:
            ready = sel.select(timeout=0.5)
            if not ready:
                break           # nobody can write for half a second
            for key, _ in ready:
                try:
                    key.fileobj.send(chunk)
                except BlockingIOError:
                    pass
        sel.close()
        time.sleep(0.5)
        grown = d.rss_kib() - before
        self.assertLess(grown, n * 64 + RSS_SLACK_KIB,
                        "RSS +%d KiB for %d stalled clients" % (grown, n))
        print("stalled clients: RSS +%d KiB for %d" % (grown, n))
        self.assertEqual(echo_roundtrip(addr, b"still"), b"still")
        self.assertEqual(d.stats("echo")["connections"], n)

    def test_slowloris_reaped_by_idle_timeout(self):
        d = Daemon("[echo]\nlisten = 127.0.0.1:0\nmax_connections = 300\n"
                   "idle_timeout = 1\n").start()
        self.addCleanup(d.__exit__)
        addr = d.addr("echo")[1]
        idle = [socket.create_connection(addr) for _ in range(300)]
        self.addCleanup(lambda: [s.close() for s in idle])
        deadline = time.monotonic() + 5 * SLOW
        while d.stats("echo")["connections"] < 300:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        # Full: one more is turned away...
        with socket.create_connection(addr) as c:
            c.settimeout(2 * SLOW)
            self.assertIn(c.recv(10), (b"",))
        # ... until idle_timeout reaps the idle ones.
        deadline = time.monotonic() + 5 * SLOW
        while d.stats("echo")["connections"] > 0:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        self.assertEqual(d.stats("echo")["closed_timeout"], 300)
        self.assertEqual(echo_roundtrip(addr, b"served"), b"served")

    def test_flood_from_many_source_ports_is_held_by_the_rate_limit(self):
        d = Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                   "rate = 100\nburst = 50\n", {"w.txt": "apple:苹果\n"}).start()
        self.addCleanup(d.__exit__)
        addr = d.addr("dict")[1]
        before = d.rss_kib()
        start = time.monotonic()
        sent = flood(addr, [b"apple"] * 50000, senders=500)
        took = time.monotonic() - start
        time.sleep(0.3)
        st = d.stats("dict")
        # One address, however many ports: one bucket.
        self.assertLessEqual(st["datagrams_out"], 50 + 100 * (took + 1.5))
        self.assertGreater(st["dropped_rate"], sent // 2)
        self.assertLess(d.rss_kib() - before, RSS_BOUND_KIB)

    @unittest.skipUnless(os.geteuid() == 0, "spoofing source addresses needs root")
    def test_spoofed_flood_from_many_addresses_stays_in_the_table(self):
        """100,000 datagrams from 100,000 addresses in 127/8 (a raw socket
        writes the source): the rate table keeps its fixed size.

        allow_from admits only 127.0.0.1, and is checked after the rate
        table, so every spoofed source takes a slot and none is answered:
        replies to made-up addresses would land on other tests' sockets."""
        d = Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                   "rate = 1\nburst = 1\nallow_from = 127.0.0.1/32\n",
                   {"w.txt": "apple:苹果\n"}).start()
        self.addCleanup(d.__exit__)
        port = d.addr("dict")[1][1]
        time.sleep(0.2)
        before = d.rss_kib()
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.addCleanup(raw.close)
        sent = 0
        for i in range(100000):
            src = bytes([127, 1 + (i >> 16) % 254, (i >> 8) & 255, i & 255])
            payload = b"apple"
            udp = struct.pack("!HHHH", 20000 + i % 40000, port,
                              8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff,
                             0, 64, socket.IPPROTO_UDP, 0, src,
                             socket.inet_aton("127.0.0.1"))
            while True:
                try:
                    raw.sendto(ip + udp, ("127.0.0.1", 0))
                    sent += 1
                    break
                except BlockingIOError:
                    time.sleep(0.001)
                except OSError:
                    break
        time.sleep(0.5)
        self.assertGreater(sent, 90000)
        st = d.stats("dict")
        self.assertGreater(st["datagrams_in"], 10000)
        self.assertEqual(st["datagrams_out"], 0)
        self.assertEqual(st["dropped_allow_from"] + st["dropped_rate"] +
                         st["dropped_bad_source"], st["datagrams_in"])
        self.assertLess(d.rss_kib() - before, RSS_BOUND_KIB)
        self.assertEqual(udp_ask(d.addr("dict")[1], b"apple").decode(), "苹果")


if __name__ == "__main__":
    unittest.main(verbosity=2)
