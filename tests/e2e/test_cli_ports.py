# SPDX-License-Identifier: MIT
"""End-to-end: netdemo-cli without :PORT uses the shipped netdemo.ini's port
for the service. Runs in a private network namespace (as test_pktinfo.py
does), so the fixed ports clash with nothing on the host; skipped (77)
where namespaces are not allowed."""
import os
import subprocess
import unittest

from harness import Daemon, SLOW
from test_pktinfo import bring_up_loopback, enter_private_netns

CLI = os.environ.get("NETDEMO_CLI", "netdemo-cli")
CONFIG = """
[dict]
listen = 127.0.0.1:8081, [::1]:8081
file = words.txt
[echo]
listen = 127.0.0.1:8080
[stats]
listen = 127.0.0.1:8085
"""


def cli(*args, stdin=None):
    p = subprocess.run([CLI] + list(args), input=stdin, capture_output=True,
                       timeout=30 * SLOW)
    return p.returncode, p.stdout, p.stderr


class DefaultPortTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(CONFIG, {"words.txt": "apple:苹果\n"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.__exit__()

    def test_dict_host_alone(self):
        for host in ("127.0.0.1", "localhost", "[::1]", "::1"):
            rc, out, err = cli("dict", host, "apple")
            self.assertEqual((rc, out.decode()), (0, "apple: 苹果\n"), (host, err))

    def test_echo_and_stats_host_alone(self):
        rc, out, err = cli("echo", "127.0.0.1", stdin=b"hello\n")
        self.assertEqual((rc, out), (0, b"hello\n"), err)
        rc, out, err = cli("stats", "127.0.0.1")
        self.assertEqual(rc, 0, err)
        self.assertIn(b"dict.datagrams_in", out)

    def test_a_port_still_wins(self):
        rc, _, err = cli("dict", "127.0.0.1:8084", "apple")
        self.assertEqual(rc, 2)
        self.assertIn(b"connection refused", err)
        rc, _, err = cli("dict", "[::1", "apple")
        self.assertEqual(rc, 2)
        self.assertIn(b"expected HOST[:PORT]", err)


if __name__ == "__main__":
    enter_private_netns()
    bring_up_loopback()
    unittest.main(verbosity=2)
