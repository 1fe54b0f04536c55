# SPDX-License-Identifier: MIT
"""End-to-end: whatever happens to the dictionary file, the old table serves.

The file deleted, emptied, replaced by a FIFO, a directory, a 1 GiB file or
an unreadable one, or written to while it loads: each reload fails with a
log line naming the file and the reason, and every query is still answered
from the table loaded before. A large file loads in slices, so queries are
answered while it loads; SIGHUP during a load starts it over, and SIGTERM
during one exits cleanly.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

from harness import Daemon, SLOW, udp_ask

DICT = "apple:苹果\nwater:水\nhello:你好\n"
CONFIG = "[dict]\nlisten = 127.0.0.1:0\nfile = words.txt\n"


# Appends lines to the file named by argv[1] until killed.
WRITER = """
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
n = 0
while True:
    os.write(fd, b"x%d:y\\n" % n)
    n += 1
"""


def big_dict(n, value="值"):
    return "".join("w%07d:%s%d\n" % (i, value, i) for i in range(n))


class DictFaultTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(CONFIG, {"words.txt": DICT}).start()
        self.addCleanup(self.d.__exit__)
        self.addr = self.d.addr("dict")[1]
        self.path = self.d.path("words.txt")

    def ask(self, word):
        return udp_ask(self.addr, word.encode()).decode()

    def reload_fails_with(self, pattern):
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        line = self.d.wait_log(r"reload failed", start=mark)
        self.assertRegex(line, r"words\.txt: " + pattern)
        self.assertIn("still serving the 3 entries loaded before", line)
        self.assertEqual(self.ask("apple"), "苹果")
        self.assertEqual(self.ask("hello"), "你好")
        return line

    def replace(self):
        os.unlink(self.path)

    def test_deleted(self):
        self.replace()
        self.reload_fails_with("No such file or directory")

    def test_emptied(self):
        open(self.path, "w").close()
        self.reload_fails_with("no valid entries")

    def test_binary(self):
        with open(self.path, "wb") as f:
            f.write(os.urandom(65536).replace(b":", b"").replace(b"\n", b""))
        self.reload_fails_with("no valid entries")

    def test_fifo_does_not_block_the_loop(self):
        # A blocking open of a FIFO with no writer would hang the daemon.
        self.replace()
        os.mkfifo(self.path)
        self.reload_fails_with("not a regular file")

    def test_directory(self):
        self.replace()
        os.mkdir(self.path)
        self.reload_fails_with("not a regular file")

    def test_one_gib_file(self):
        # Sparse: 1 GiB by its size, no disk used.
        with open(self.path, "r+b") as f:
            f.truncate(1 << 30)
        self.reload_fails_with(r"larger than max_file_size \(268435456 bytes\)")

    @unittest.skipIf(os.geteuid() == 0, "root reads files whatever the mode")
    def test_unreadable(self):
        os.chmod(self.path, 0)
        self.reload_fails_with("Permission denied")

    def test_written_while_it_loads(self):
        """A file appended to during the load is refused, not half-read.

        Another process appends all through the attempt, so the size the
        loader saw at open is not the size at the end of its read. On a
        busy machine the writer may be descheduled for the whole read, and
        that load (a consistent snapshot) rightly succeeds: so up to five
        attempts, one of which must see the change."""
        with open(self.path, "w") as f:
            f.write(DICT + big_dict(1000000))
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded|reload failed", start=mark, timeout=20)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, self.path])
        lines = []
        try:
            for _ in range(5):
                size = os.path.getsize(self.path)
                deadline = time.monotonic() + 10
                while os.path.getsize(self.path) < size + 10000:
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.001)
                mark = len(self.d.snapshot())
                self.d.send_signal(signal.SIGHUP)
                lines.append(self.d.wait_log(r"reloaded|reload failed",
                                             start=mark, timeout=20))
                if "reload failed" in lines[-1]:
                    break
        finally:
            writer.kill()
            writer.wait()
        self.assertIn("changed while it was read; replace such files with mv",
                      lines[-1], lines)
        self.assertEqual(self.ask("w0999999"), "值999999")

    def test_queries_answered_while_a_large_file_loads(self):
        with open(self.path, "w") as f:
            f.write(big_dict(300000))
        answered = []
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1 * SLOW)
            mark = len(self.d.snapshot())
            self.d.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20 * SLOW
            while time.monotonic() < deadline:
                # Not the same datagram twice in a row: the loop guard drops
                # an instant repeat. Both trim to "apple".
                s.sendto(b"apple" + b"\n" * (len(answered) % 2), self.addr)
                answered.append(s.recv(100).decode())
                if any("reloaded" in l for l in self.d.snapshot()[mark:]):
                    break
        # The old table answered while the new one loaded, then the new one.
        self.assertGreater(answered.count("苹果"), 1)
        self.assertEqual(self.ask("apple"), "unknown")
        self.assertEqual(self.ask("w0299999"), "值299999")

    def test_sighup_during_a_load_starts_over(self):
        with open(self.path, "w") as f:
            f.write(big_dict(1000000))
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"SIGHUP: reloading", start=mark)
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"the reload in progress is dropped: starting over",
                        start=mark)
        self.d.wait_log(r"reloaded: 1 service", start=mark, timeout=20)
        self.assertEqual(self.ask("w0000007"), "值7")
        self.assertEqual(self.d.stop(), 0)

    def test_sigterm_during_a_load(self):
        with open(self.path, "w") as f:
            f.write(big_dict(300000))
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"SIGHUP: reloading")
        self.assertEqual(self.d.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
