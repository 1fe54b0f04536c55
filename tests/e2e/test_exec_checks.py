# SPDX-License-Identifier: MIT
"""End-to-end: exec's start-up checks, key_file checks and what it logs."""
import os
import pwd
import signal
import socket
import tempfile
import time
import unittest

from harness import Daemon, SLOW, run_netdemo
from test_exec import run

BASE = "[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"


def check(text):
    d = Daemon(text)
    try:
        return run_netdemo(["-t", "-c", d.config])
    finally:
        d.dir.cleanup()


class RunnerLinkTest(unittest.TestCase):
    def test_link_with_a_harmless_name_to_a_shell_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.symlink("/bin/sh", os.path.join(tmp, "report"))
            rc, _, err = check(BASE + "allow = report\npath = %s\n" % tmp)
            self.assertEqual(rc, 1)
            self.assertIn("[exec] allow: 'report' is ", err)
            self.assertIn("a shell, an interpreter or a runner", err)
            rc, _, err = check(BASE + "allow = report\npath = %s\n"
                               "allow_interpreters = yes\n" % tmp)
            self.assertEqual(rc, 0, err)

    def test_link_changed_after_start_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            link = os.path.join(tmp, "report")
            os.symlink("/bin/echo", link)
            d = Daemon(BASE + "allow = report *\npath = %s\n" % tmp).start()
            self.addCleanup(d.__exit__)
            addr = d.addr("exec")[1]
            self.assertEqual(run(addr, "report hi"), [b"hi\n", b"[exit 0]"])
            os.unlink(link)
            os.symlink("/bin/sh", link)
            self.assertEqual(run(addr, "report -c id"), [
                b"not allowed: report (a link to a shell or a runner)"])


class KeyFileTest(unittest.TestCase):
    def key(self, data, owner=None):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "exec.key")
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600)
        if owner is not None:
            os.chown(path, owner, -1)
        return path

    def refused(self, key_file, want):
        rc, _, err = check(BASE + "allow = date\nkey_file = %s\n" % key_file)
        self.assertEqual(rc, 1, err)
        self.assertIn("[exec] key_file: ", err)
        self.assertIn(want, err)

    def test_empty_key_file_is_an_error(self):
        self.refused("", "empty: name a key")
        self.refused('""', "empty: name a key")
        rc, _, err = check(BASE + "allow = date\nkey_file = none\n")
        self.assertEqual(rc, 0, err)

    def test_key_of_one_repeated_byte_is_refused(self):
        self.refused(self.key(b"\0" * 32), "every byte is the same")
        self.refused(self.key(b"a" * 64), "every byte is the same")
        rc, _, err = check(BASE + "allow = date\nkey_file = %s\n"
                           % self.key(bytes(range(32))))
        self.assertEqual(rc, 0, err)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_key_owned_by_the_jobs_user_is_refused(self):
        nobody = pwd.getpwnam("nobody").pw_uid
        self.refused(self.key(bytes(range(32)), nobody),
                     "owned by uid %d, the user jobs run as" % nobody)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_key_owned_by_another_user_is_refused(self):
        self.refused(self.key(bytes(range(32)), 54321),
                     "owned by uid 54321, neither root nor netdemo's user")


if __name__ == "__main__":
    unittest.main()
