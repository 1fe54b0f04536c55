# SPDX-License-Identifier: MIT
"""End-to-end: a reload that changes a listen list keeps the addresses that stay.

listen = A becomes A, B, then B: the socket of A is the same throughout
(datagrams and queued connections on it are not lost), B opens, and A
closes only when dropped. echo changes its list in place, so a connection
open on A is still echoed; dict gets a new instance sharing A's socket. A
listed port 0 keeps the port the kernel chose.
"""
import signal
import socket
import unittest

from harness import Daemon, SLOW, udp_ask
from prom import scrape

DICT = "apple:苹果\nwater:水\n"


def free_port(kind):
    """A port free on 127.0.0.1 for kind (SOCK_STREAM or SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo_conn(port):
    return socket.create_connection(("127.0.0.1", port), timeout=2 * SLOW)


def echoed(conn, data):
    conn.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = conn.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def listens(ports):
    return ", ".join("127.0.0.1:%d" % p for p in ports)


class ListenReloadTest(unittest.TestCase):
    def reload(self, d, config):
        mark = len(d.snapshot())
        d.write("netdemo.ini", config)
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"reloaded:|reload failed", start=mark)
        d.wait_log(r"reloaded:", start=mark, timeout=0.1)
        return mark

    def test_echo_adds_and_drops_an_address(self):
        a, b = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
        conf = "[echo]\nlisten = %s\n"
        with Daemon(conf % listens([a])).start(expect_listening=1) as d:
            with echo_conn(a) as c:
                self.assertEqual(echoed(c, b"one"), b"one")
                self.reload(d, conf % listens([a, b]))
                self.assertEqual(echoed(c, b"two"), b"two")
                for port in (a, b):
                    with echo_conn(port) as n:
                        self.assertEqual(echoed(n, b"new"), b"new")
                self.reload(d, conf % listens([b]))
                with self.assertRaises(ConnectionRefusedError):
                    echo_conn(a).close()
                with echo_conn(b) as n:
                    self.assertEqual(echoed(n, b"b"), b"b")
                self.assertEqual(echoed(c, b"three"), b"three")
            self.assertEqual(d.stop(), 0)

    def test_dict_answers_on_a_kept_address_throughout(self):
        a, b = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        conf = "[dict]\nfile = words.txt\nlisten = %s\n"
        with Daemon(conf % listens([a]), {"words.txt": DICT}).start(
                expect_listening=1) as d:
            # Sent before the reload, read after it: the socket is the same.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as early:
                early.settimeout(2 * SLOW)
                early.sendto(b"apple", ("127.0.0.1", a))
                self.reload(d, conf % listens([a, b]))
                self.assertEqual(early.recv(4096).decode(), "苹果")
            for port in (a, b):
                self.assertEqual(udp_ask(("127.0.0.1", port), b"water"),
                                 "水".encode())
            self.reload(d, conf % listens([b]))
            self.assertEqual(udp_ask(("127.0.0.1", b), b"apple"),
                             "苹果".encode())
            with self.assertRaises((ConnectionRefusedError, TimeoutError,
                                    socket.timeout)):
                udp_ask(("127.0.0.1", a), b"apple", timeout=0.5)
            self.assertEqual(d.stop(), 0)

    def test_metrics_adds_and_drops_an_address(self):
        a, b = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
        conf = "[metrics]\nlisten = %s\n"
        with Daemon(conf % listens([a])).start(expect_listening=1) as d:
            self.assertEqual(scrape(("127.0.0.1", a))[0], 200)
            self.reload(d, conf % listens([a, b]))
            for port in (a, b):
                self.assertEqual(scrape(("127.0.0.1", port))[0], 200)
            self.reload(d, conf % listens([b]))
            self.assertEqual(scrape(("127.0.0.1", b))[0], 200)
            with self.assertRaises(ConnectionRefusedError):
                echo_conn(a).close()
            self.assertEqual(d.stop(), 0)

    def test_port_zero_keeps_its_port(self):
        b, db = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
        conf = ("[echo]\nlisten = 127.0.0.1:0%s\n"
                "[dict]\nfile = words.txt\nlisten = 127.0.0.1:0%s\n")
        with Daemon(conf % ("", ""), {"words.txt": DICT}).start(
                expect_listening=2) as d:
            echo_port = d.addr("echo")[1][1]
            dict_port = d.addr("dict")[1][1]
            with echo_conn(echo_port) as c:
                self.reload(d, conf % (", 127.0.0.1:%d" % b,
                                       ", 127.0.0.1:%d" % db))
                self.assertEqual(echoed(c, b"kept"), b"kept")
                with echo_conn(echo_port) as n:
                    self.assertEqual(echoed(n, b"same"), b"same")
            self.assertEqual(udp_ask(("127.0.0.1", dict_port), b"apple"),
                             "苹果".encode())
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
