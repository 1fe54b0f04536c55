# SPDX-License-Identifier: MIT
"""End-to-end: exec's start-up checks, key_file checks and what it logs."""
import os
import pwd
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Daemon, NETDEMO, SLOW, WRAPPER, run_netdemo
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


@unittest.skipUnless(os.geteuid() == 0, "needs root")
class PathWarningTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        os.chmod(self.tmp, 0o755)
        self.nobody = pwd.getpwnam("nobody").pw_uid

    def program(self, name, mode=0o755, owner=0, where=None):
        path = os.path.join(where or self.tmp, name)
        with open(path, "w") as f:
            f.write("#!/bin/true\n")
        os.chmod(path, mode)
        os.chown(path, owner, -1)
        return path

    def warnings(self, allow, path):
        rc, _, err = check(BASE + "allow = %s\npath = %s\n" % (allow, path))
        self.assertEqual(rc, 0, err)
        return err

    def test_path_directory_of_the_jobs_user(self):
        os.chown(self.tmp, self.nobody, -1)
        self.program("report")
        err = self.warnings("report", self.tmp)
        self.assertIn("path: %s is owned by the jobs' user: a job can put a"
                      " program there" % self.tmp, err)

    def test_path_directory_in_a_world_writable_one(self):
        os.chmod(self.tmp, 0o777)
        sub = os.path.join(self.tmp, "bin")
        os.mkdir(sub, 0o755)
        self.program("report", where=sub)
        err = self.warnings("report", sub)
        self.assertIn("path: %s is world-writable: anyone can replace bin"
                      % self.tmp, err)

    def test_programs_the_jobs_may_change(self):
        loose = self.program("loose", mode=0o777)
        theirs = self.program("theirs", owner=self.nobody)
        grp = self.program("grp", mode=0o775)
        err = self.warnings("%s, %s, %s" % (loose, theirs, grp), "/usr/bin")
        self.assertIn("allow: %s is world-writable: anyone can change what"
                      " it runs" % loose, err)
        self.assertIn("allow: %s is owned by the jobs' user: a job can change"
                      % theirs, err)
        self.assertIn("allow: %s is group-writable" % grp, err)

    def test_non_root_daemon_warns(self):
        d = Daemon(BASE + "allow = date\n")
        self.addCleanup(d.dir.cleanup)
        os.chmod(d.dir.name, 0o755)
        os.chmod(d.config, 0o644)
        rc, _, err = run_netdemo(["-t", "-c", d.config])
        self.assertNotIn("netdemo is not root", err)

        def drop():
            os.setgroups([])
            os.setgid(65534)
            os.setuid(self.nobody)
        p = subprocess.run(WRAPPER + [NETDEMO, "-t", "-c", d.config],
                           capture_output=True, text=True, timeout=10 * SLOW,
                           stdin=subprocess.DEVNULL, preexec_fn=drop)
        rc, err = p.returncode, p.stderr
        self.assertEqual(rc, 0, err)
        self.assertIn("netdemo is not root, so jobs run as its own user: a"
                      " job can signal netdemo", err)


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
