# SPDX-License-Identifier: MIT
"""End-to-end: the echo service over TCP on loopback."""
import os
import select
import socket
import threading
import time
import unittest

from harness import Daemon, RSS_SLACK_KIB, SLOW, WRAPPER, server_queues, udp_ask


def config(**keys):
    text = "[echo]\nlisten = 127.0.0.1:0, [::1]:0\n"
    return text + "".join("%s = %s\n" % kv for kv in keys.items())


def echo_roundtrip(addr, data, family=socket.AF_INET, chunk=65536):
    """Sends data while reading the echo; returns everything read until EOF."""
    got = bytearray()
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(10 * SLOW)
        s.connect(addr)
        sender = threading.Thread(target=lambda: (s.sendall(data),
                                                  s.shutdown(socket.SHUT_WR)))
        sender.start()
        while True:
            b = s.recv(chunk)
            if not b:
                break
            got += b
        sender.join()
    return bytes(got)


def closed_within(sock, seconds):
    """True when the peer closes sock (EOF or reset) within seconds."""
    deadline = time.monotonic() + seconds * SLOW
    while time.monotonic() < deadline:
        r, _, _ = select.select([sock], [], [], 0.1)
        if r:
            try:
                if not sock.recv(1 << 20):
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
    return False


def two_open_then_third_closed(addr):
    """Opens two echoing connections; asserts a third is closed at once."""
    a = socket.create_connection(addr)
    b = socket.create_connection(addr)
    for s in (a, b):
        s.settimeout(2 * SLOW)
        s.sendall(b"hi")
        assert s.recv(10) == b"hi"
    with socket.create_connection(addr) as c:
        assert closed_within(c, 3), "a third connection stayed open"
    return a, b


def served_again(addr, seconds=3):
    """True once a new connection is echoed: a slot is free again when the
    daemon has seen a close, which takes a moment."""
    deadline = time.monotonic() + seconds * SLOW
    while time.monotonic() < deadline:
        with socket.create_connection(addr) as c:
            c.settimeout(1 * SLOW)
            try:
                c.sendall(b"again")
                if c.recv(10) == b"again":
                    return True
            except (ConnectionResetError, socket.timeout):
                pass
        time.sleep(0.05)
    return False


class EchoTest(unittest.TestCase):
    def daemon(self, **keys):
        d = Daemon(config(**keys)).start(expect_listening=2)
        self.addCleanup(d.__exit__)
        return d

    def test_bytes_come_back_intact(self):
        d = self.daemon()
        _, addr = d.addr("echo")
        for data in (b"x", b"hello\r\n", b"\0\0\xff\xfe\0", bytes(range(256))):
            self.assertEqual(echo_roundtrip(addr, data), data)
        family, addr6 = d.addr("echo", 1)
        self.assertEqual(echo_roundtrip(addr6, b"over ipv6", family), b"over ipv6")
        self.assertEqual(d.stop(), 0)

    def test_debug_level_logs_connections_rate_limited(self):
        d = Daemon("[netdemo]\nlog_level = debug\n[echo]\n"
                   "listen = 127.0.0.1:0\n").start()
        self.addCleanup(d.__exit__)
        _, addr = d.addr("echo")
        mark = len(d.snapshot())
        for _ in range(30):
            self.assertEqual(echo_roundtrip(addr, b"x"), b"x")
        d.wait_log(r"echo: connection from 127\.0\.0\.1:\d+ accepted",
                   start=mark)
        self.assertLess(len([l for l in d.snapshot()[mark:]
                             if "connection from" in l]), 5)

    def test_one_mib_random_over_concurrent_connections(self):
        d = self.daemon()
        _, addr = d.addr("echo")
        payloads = [os.urandom(1 << 20) for _ in range(8)]
        results = [None] * len(payloads)

        def run(i):
            results[i] = echo_roundtrip(addr, payloads[i])
        threads = [threading.Thread(target=run, args=(i,))
                   for i in range(len(payloads))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60 * SLOW)
        for got, want in zip(results, payloads):
            self.assertIsNotNone(got)
            self.assertEqual(len(got), len(want))
            self.assertTrue(got == want, "echoed bytes differ")
        self.assertEqual(d.stop(), 0)

    def test_client_that_never_reads_does_not_grow_the_daemon(self):
        d = self.daemon(idle_timeout=3)
        _, addr = d.addr("echo")
        before = d.rss_kib()
        sent = 0
        block = os.urandom(1 << 16)
        with socket.socket() as s:
            s.connect(addr)
            s.setblocking(False)
            deadline = time.monotonic() + 10 * SLOW
            stalled_since = None
            # Up to 50 MiB, until the daemon stops reading for a second.
            while sent < 50 << 20 and time.monotonic() < deadline:
                _, w, _ = select.select([], [s], [], 0.1)
                if not w:
                    stalled_since = stalled_since or time.monotonic()
                    if time.monotonic() - stalled_since > 1.0:
                        break
                    continue
                stalled_since = None
                try:
                    sent += s.send(block)
                except BlockingIOError:
                    pass
            grown = d.rss_kib() - before
            print("sent %d KiB before push-back, RSS grew %d KiB"
                  % (sent >> 10, grown))
            self.assertLess(sent, 50 << 20, "the daemon never pushed back")
            self.assertLess(grown, 4096 + RSS_SLACK_KIB, "RSS grew %d KiB" % grown)
            # The write timeout then closes the client that stopped reading.
            self.assertTrue(closed_within(s, 10))
        self.assertEqual(d.stop(), 0)

    def test_sender_that_never_reads_is_bounded_in_the_kernel_and_closed(self):
        """A client that keeps sending and never reads holds little of the
        kernel's memory (Linux grew the send queue to megabytes), and
        idle_timeout closes it although it keeps sending (it never did)."""
        d = self.daemon(idle_timeout=2)
        _, addr = d.addr("echo")
        clients = []
        for _ in range(4):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
            s.connect(addr)
            s.setblocking(False)
            clients.append(s)
        block = b"x" * 16384
        pending, closed_at, peak = set(range(4)), {}, 0
        start = time.monotonic()
        # Client 0 sends as fast as it can, the others 64 KiB/s.
        while pending and time.monotonic() - start < 15 * SLOW:
            for i in list(pending):
                try:
                    for _ in range(64 if i == 0 else 1):
                        clients[i].send(block)
                except BlockingIOError:
                    pass
                except OSError:
                    pending.discard(i)
                    closed_at[i] = time.monotonic() - start
            peak = max([peak] + [tx + rx for tx, rx in server_queues(addr[1])])
            time.sleep(0.25)
        for s in clients:
            s.close()
        print("peak queued %d KiB, closed at %s" % (peak >> 10, sorted(
            "%.1f s" % t for t in closed_at.values())))
        self.assertLess(peak, 256 << 10, "%d KiB queued in the kernel" % (peak >> 10))
        self.assertEqual(pending, set(), "still open after %.0f s" % (15 * SLOW))
        self.assertGreaterEqual(min(closed_at.values()), 1.5)
        self.assertEqual(d.stop(), 0)

    def test_idle_connection_is_closed(self):
        d = self.daemon(idle_timeout=1)
        _, addr = d.addr("echo")
        with socket.create_connection(addr) as s:
            s.sendall(b"ping")
            self.assertEqual(s.recv(10), b"ping")
            start = time.monotonic()
            self.assertTrue(closed_within(s, 5))
            self.assertGreaterEqual(time.monotonic() - start, 0.8)

    def test_active_connection_outlives_idle_timeout(self):
        d = self.daemon(idle_timeout=1)
        _, addr = d.addr("echo")
        with socket.create_connection(addr) as s:
            s.settimeout(2 * SLOW)
            for _ in range(6):
                s.sendall(b"tick")
                self.assertEqual(s.recv(10), b"tick")
                time.sleep(0.4)

    def test_max_connections(self):
        d = self.daemon(max_connections=2)
        _, addr = d.addr("echo")
        a, b = two_open_then_third_closed(addr)
        a.close()
        self.assertTrue(served_again(addr))
        b.close()

    def test_per_source_limits_connections_from_one_address(self):
        d = self.daemon(per_source=2)
        _, addr = d.addr("echo")
        _, addr6 = d.addr("echo", 1)
        a, b = two_open_then_third_closed(addr)
        self.assertEqual(d.stats("echo")["refused_per_source"], 1)
        # Another source address is not affected.
        self.assertEqual(echo_roundtrip(addr6, b"v6", socket.AF_INET6), b"v6")
        a.close()
        self.assertTrue(served_again(addr))
        b.close()

    def test_sigterm_drains_pending_output_and_exits_zero(self):
        d = self.daemon()
        _, addr = d.addr("echo")
        with socket.create_connection(addr) as s:
            s.sendall(b"bye")
            self.assertEqual(s.recv(10), b"bye")
            start = time.monotonic()
            self.assertEqual(d.stop(), 0)
            self.assertTrue(closed_within(s, 2))
        self.assertLess(time.monotonic() - start, 3 * SLOW)

    def test_allow_from_refuses_at_accept(self):
        # 192.0.2.0/24 is TEST-NET-1: only named here, no traffic goes there.
        d = self.daemon(allow_from="192.0.2.0/24")
        with socket.create_connection(d.addr("echo")[1]) as s:
            self.assertTrue(closed_within(s, 2))
        d.wait_log(r"echo: connection from 127\.0\.0\.1:\d+ refused: not in"
                   r" allow_from")

    @unittest.skipIf(WRAPPER, "valgrind needs descriptors of its own")
    def test_out_of_descriptors_pauses_accept_without_spinning(self):
        d = Daemon(config() + "[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                   "[stats]\nlisten = 127.0.0.1:0\n",
                   {"w.txt": "apple:苹果\n"}, nofile=48).start()
        self.addCleanup(d.__exit__)
        addr, dict_addr = d.addr("echo")[1], d.addr("dict")[1]
        conns = []
        self.addCleanup(lambda: [c.close() for c in conns])
        for _ in range(80):     # more than the daemon has descriptors for
            conns.append(socket.create_connection(addr, timeout=5))
        d.wait_log(r"echo: accept: Too many open files; pausing for 100 ms")
        # Every TCP listener pauses, the stats one too.
        st = socket.create_connection(d.addr("stats")[1], timeout=5 * SLOW)
        self.addCleanup(st.close)
        d.wait_log(r"stats: accept: Too many open files; pausing for 100 ms")
        # Paused, not spinning on the connections still queued.
        cpu = d.cpu_seconds()
        time.sleep(2)
        self.assertLess(d.cpu_seconds() - cpu, 0.3)
        self.assertEqual(udp_ask(dict_addr, b"apple").decode(), "苹果")
        # Descriptors come back as connections close: accepting resumes.
        for c in conns[:60]:
            c.close()
        del conns[:60]
        self.assertEqual(echo_roundtrip(addr, b"back again"), b"back again")
        for c in conns:     # the queued ones were accepted too
            c.settimeout(5 * SLOW)
            c.sendall(b"q")
            self.assertEqual(c.recv(10), b"q")
        snapshot = b""
        for _ in range(100):    # the stats service sends, then closes
            b = st.recv(65536)
            if not b:
                break
            snapshot += b
        self.assertIn(b"echo.connections_accepted ", snapshot)

    def test_sigterm_with_nothing_pending_exits_at_once(self):
        d = self.daemon()
        start = time.monotonic()
        self.assertEqual(d.stop(), 0)
        self.assertLess(time.monotonic() - start, 1.0 * SLOW)


if __name__ == "__main__":
    unittest.main(verbosity=2)
