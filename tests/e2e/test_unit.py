# SPDX-License-Identifier: MIT
"""End-to-end: netdemo.service's ExecReload= commands, run by hand the way
systemd runs them (in order, stopping at the first failure; CI has no
systemd as PID 1): a broken configuration makes the reload fail visibly and
the daemon keeps serving the old one; a good one is applied."""
import os
import re
import shlex
import subprocess
import time
import unittest

from harness import Daemon, NETDEMO, SLOW, udp_ask

UNIT = os.environ["NETDEMO_UNIT"]
CONFIG = "[dict]\nlisten = 127.0.0.1:0\nfile = words.txt\n"


def exec_reload_commands():
    """The unit's ExecReload= lines, each split into words."""
    with open(UNIT) as f:
        return [shlex.split(line.split("=", 1)[1]) for line in f
                if line.startswith("ExecReload=")]


class UnitReloadTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(CONFIG, {"words.txt": "cat:猫\n"}).start()
        self.addCleanup(self.d.__exit__)
        self.dict = self.d.addr("dict")[1]

    def reload(self):
        """Runs ExecReload= as systemd would: the exit status of the first
        failing command, or 0."""
        for words in exec_reload_commands():
            words = [str(self.d.proc.pid) if w == "$MAINPID" else w
                     for w in words]
            if words[0].endswith("/netdemo"):
                words[0] = NETDEMO
                words[words.index("-c") + 1] = self.d.config
            rc = subprocess.run(words, capture_output=True,
                                timeout=10 * SLOW).returncode
            if rc != 0:
                return rc
        return 0

    def test_check_comes_before_the_signal(self):
        cmds = exec_reload_commands()
        self.assertEqual(len(cmds), 2, cmds)
        self.assertIn("-t", cmds[0])
        self.assertEqual(cmds[1][-2:], ["-HUP", "$MAINPID"])

    def test_broken_config_fails_the_reload_and_keeps_the_old_one(self):
        mark = len(self.d.snapshot())
        self.d.write("netdemo.ini", CONFIG + "max_conections = 3\n")
        self.assertNotEqual(self.reload(), 0)
        time.sleep(0.3 * SLOW)
        lines = self.d.snapshot()[mark:]
        self.assertFalse([l for l in lines if re.search("reload", l)], lines)
        self.assertIsNone(self.d.proc.poll())
        self.assertEqual(udp_ask(self.dict, b"cat"), "猫".encode())

    def test_good_config_is_applied(self):
        mark = len(self.d.snapshot())
        self.d.write("words.txt", "cat:猫\ndog:狗\n")
        self.assertEqual(self.reload(), 0)
        self.d.wait_log(r"reloaded: ", start=mark)
        deadline = time.monotonic() + 5 * SLOW
        while udp_ask(self.dict, b"dog") != "狗".encode():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)


if __name__ == "__main__":
    unittest.main()
