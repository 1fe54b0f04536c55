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


class ExecLogTest(unittest.TestCase):
    def test_format_characters_and_backslashes_are_escaped(self):
        d = Daemon(BASE + "allow = echo *\n").start()
        self.addCleanup(d.__exit__)
        addr = d.addr("exec")[1]
        forged = "x\u202egnp.exe\u2066\u200b\ufeff\u2028y"
        run(addr, forged.encode(), single=True)
        line = d.wait_log(r"not allowed: x")
        self.assertIn("not allowed: x\\u{202E}gnp.exe\\u{2066}\\u{200B}"
                      "\\u{FEFF}\\u{2028}y", line)
        time.sleep(1.1)    # refusals are logged a line a second at most
        run(addr, b"'a\\nb'", single=True)
        line = d.wait_log(r"not allowed: a")
        self.assertTrue(line.endswith("not allowed: a\\\\nb"), line)
        self.assertEqual(run(addr, "echo \u202eok"),
                         ["\u202eok\n".encode(), b"[exit 0]"])
        line = d.wait_log(r"ran echo")
        self.assertIn("ran echo \\u{202E}ok: [exit 0]", line)

    def test_a_job_is_logged_when_it_starts_and_when_it_is_killed(self):
        text = BASE + "allow = sleep *\ntimeout = 30\n"
        d = Daemon(text + "[echo]\nlisten = 127.0.0.1:0\n").start()
        self.addCleanup(d.__exit__)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"sleep 29.5", d.addr("exec")[1])
        d.wait_log(r"exec: 127\.0\.0\.1:\d+ started sleep 29\.5$")
        d.write("netdemo.ini", "[echo]\nlisten = 127.0.0.1:0\n")
        mark = len(d.snapshot())
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"exec: killed sleep 29\.5, still running after \d+ ms",
                   start=mark)


if __name__ == "__main__":
    unittest.main()
