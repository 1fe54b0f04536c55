# SPDX-License-Identifier: MIT
"""End-to-end: a reload that closes a TCP service while a client stalls.

A section dropped by a reload is freed at once; its connections must go
with it, or a stalled one's write timeout fires later on freed memory. To
stall the daemon's writes for sure, this test re-runs itself in a private
network namespace (as test_pktinfo does) where it may shrink the TCP send
buffers (net.ipv4.tcp_wmem is per namespace), and its client takes a
1 KiB receive buffer and never reads. Needs root: skipped (77) without.
"""
import os
import signal
import socket
import sys
import time
import unittest

from harness import Daemon, SLOW
from test_pktinfo import bring_up_loopback, enter_private_netns

WRITE_TIMEOUT = 5       # svc_stats.c and echo's bufferevent write timeouts

# Enough sections that the stats reply (~7 lines each) outgrows the buffers.
PADDING = "".join("[pad%d]\nservice = echo\nlisten = 127.0.0.1:0\n" % i
                  for i in range(60))
BEFORE = """
[echo]
listen = 127.0.0.1:0
[gone]
service = echo
listen = 127.0.0.1:0
idle_timeout = 0
[stats]
listen = 127.0.0.1:0
""" + PADDING
AFTER = """
[echo]
listen = 127.0.0.1:0
""" + PADDING


def stalled_client(addr, payload=b""):
    """A connection with a tiny receive buffer that is never read."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.settimeout(2 * SLOW)
    s.connect(addr)
    if payload:
        s.setblocking(False)
        try:
            for _ in range(64):
                s.send(payload)
        except BlockingIOError:
            pass
    return s


def echo_once(addr):
    with socket.create_connection(addr, timeout=2 * SLOW) as s:
        s.sendall(b"ping")
        return s.recv(16)


class ReloadDropsStalledTcpTest(unittest.TestCase):
    def test_dropped_sections_free_their_connections(self):
        with open("/proc/sys/net/ipv4/tcp_wmem", "w") as f:
            f.write("4096 4096 4096")
        with Daemon(BEFORE) as d:
            d.start()
            stats = stalled_client(d.addr("stats")[1])
            echo = stalled_client(d.addr("gone")[1], b"x" * 65536)
            self.addCleanup(stats.close)
            self.addCleanup(echo.close)
            time.sleep(0.5 * SLOW)
            d.write("netdemo.ini", AFTER)
            mark = len(d.snapshot())
            d.send_signal(signal.SIGHUP)
            d.wait_log(r"reloaded: ", start=mark)
            time.sleep((WRITE_TIMEOUT + 1.5) * SLOW)
            self.assertIsNone(d.proc.poll(), "\n".join(d.snapshot()))
            self.assertEqual(echo_once(d.addr("echo")[1]), b"ping")
            self.assertEqual(d.stop(), 0, "\n".join(d.snapshot()))


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root for a private network namespace")
        sys.exit(77)
    enter_private_netns()
    bring_up_loopback()
    unittest.main(verbosity=2)
