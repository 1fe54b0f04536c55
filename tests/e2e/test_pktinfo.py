# SPDX-License-Identifier: MIT
"""End-to-end: UDP replies leave from the address the request was sent to.

A service bound to 0.0.0.0 or :: must answer from the request's destination
address, or a client with a connected socket (which accepts datagrams only
from the address it sent to) never sees the reply. Telling that apart needs
a second local address. So this test re-runs itself in a private network
namespace (`unshare -n`, util-linux) that holds nothing but its own
loopback interface: there 127.0.0.2 is loopback too, the wildcard binds
reach nothing but that loopback, and the host's network is not even
visible. Where namespaces are not allowed the test is skipped (exit 77).
"""
import fcntl
import os
import socket
import struct
import subprocess
import sys
import unittest

from harness import Daemon, SLOW

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def enter_private_netns():
    """Re-executes this file in a new network namespace; returns only there."""
    if os.environ.get("NETDEMO_PRIVATE_NETNS") == "1":
        return
    env = dict(os.environ, NETDEMO_PRIVATE_NETNS="1")
    try:
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True,
                               timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        probe = None
        why = str(e)
    if probe is None or probe.returncode != 0:
        why = probe.stderr.decode(errors="replace").strip() if probe else why
        print("SKIP: no private network namespace here (%s)" % why)
        sys.exit(77)
    os.execvpe("unshare", ["unshare", "-n", sys.executable] + sys.argv, env)


def bring_up_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH14s", b"lo", 0, bytes(14))
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, ifr)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS,
                    struct.pack("16sH14s", b"lo", flags | IFF_UP, bytes(14)))


def ask_connected(family, host, port, payload, timeout=2.0):
    """Sends from a socket connected to (host, port): only replies whose
    source is exactly that address get through."""
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout * SLOW)
        s.connect((host, port))
        s.send(payload)
        return s.recv(65536)


CONFIG = """
[dict]
listen = 0.0.0.0:0, [::]:0
file = words.txt
allow_from = 127.0.0.0/8, ::1
[chat]
listen = 0.0.0.0:0
allow_from = 127.0.0.0/8
[exec]
enabled = yes
listen = 0.0.0.0:0
allow = echo *
"""


class ReplySourceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(CONFIG, files={"words.txt": "apple:苹果\n"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__()

    def port(self, name, index=0):
        return self.d.addr(name, index)[1][1]

    def test_dict_answers_from_each_destination(self):
        for host in ("127.0.0.1", "127.0.0.2", "127.3.4.5"):
            self.assertEqual(ask_connected(socket.AF_INET, host,
                                           self.port("dict"), b"apple"),
                             "苹果".encode(), host)
        self.assertEqual(ask_connected(socket.AF_INET6, "::1",
                                       self.port("dict", 1), b"apple"),
                         "苹果".encode())

    def test_exec_replies_later_from_the_destination(self):
        # exec answers after the child ends, outside the receive batch.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5 * SLOW)
            s.connect(("127.0.0.2", self.port("exec")))
            s.send(b"echo from-two")
            self.assertEqual(s.recv(65536), b"from-two\n")
            self.assertEqual(s.recv(65536), b"[exit 0]")

    def test_chat_broadcast_reaches_members_on_their_destination(self):
        port = self.port("chat")
        socks = []
        for host in ("127.0.0.2", "127.0.0.3"):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.addCleanup(s.close)
            s.settimeout(3 * SLOW)
            s.connect((host, port))
            s.send(b"online")
            s.recv(65536)
            socks.append(s)
        socks[0].send(b"hi all")
        for s in socks:
            got = []
            for _ in range(5):      # join notices may come first
                got.append(s.recv(65536))
                if got[-1].endswith(b"# hi all"):
                    break
            self.assertRegex(got[-1], rb"^127\.0\.0\.1:\d+# hi all$")


if __name__ == "__main__":
    enter_private_netns()
    bring_up_loopback()
    unittest.main(verbosity=2)
