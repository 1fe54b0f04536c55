# SPDX-License-Identifier: MIT
"""End-to-end: the files netdemo is pointed at are handled safely.

A FIFO or a device given as the config or pid file must not hang it, a
symlink planted at the pid file's temporary name must not be followed,
repeated sections and keys are errors with their lines, and -d with
relative paths sees the same files as -t did.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Daemon, NETDEMO, SLOW, WRAPPER, run_netdemo

ECHO = "[echo]\nlisten = 127.0.0.1:0\n"


def echo_once(addr):
    with socket.create_connection(addr, timeout=2 * SLOW) as s:
        s.sendall(b"ping")
        return s.recv(16)


def wait_in(path, needle):
    """The file's text once it holds needle, or after 5 s."""
    deadline = time.monotonic() + 5 * SLOW
    text = ""
    while needle not in text and time.monotonic() < deadline:
        time.sleep(0.05)
        with open(path) as f:
            text = f.read()
    return text


class ConfigFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def check(self, text):
        with open(self.path("nd.ini"), "w") as f:
            f.write(text)
        return run_netdemo(["-t", "-c", self.path("nd.ini")])

    def test_fifo_and_device_config_refused(self):
        os.mkfifo(self.path("fifo.ini"))
        for path in (self.path("fifo.ini"), "/dev/zero"):
            rc, _, err = run_netdemo(["-t", "-c", path], timeout=5)
            self.assertEqual(rc, 1)
            self.assertIn("%s: not a regular file" % path, err)

    def test_too_large_config_refused(self):
        rc, _, err = self.check(ECHO + "#" * (1024 * 1024) + "\n")
        self.assertEqual(rc, 1)
        self.assertIn("larger than 1048576 bytes", err)

    def test_repeated_section_and_key(self):
        rc, out, err = self.check(ECHO + "[dict]\nlisten = 127.0.0.1:0\n"
                                  "file = a.txt\nfile = b.txt\n[Echo]\n"
                                  "idle_timeout = 5\n")
        self.assertEqual(rc, 1, out)
        self.assertIn("nd.ini:6: [dict] file: key given twice (first on"
                      " line 5)", err)
        self.assertIn("nd.ini:7: [echo]: section given twice (first on"
                      " line 1)", err)
        self.assertNotIn("configuration OK", out)

    def test_colon_in_section_name(self):
        rc, out, err = self.check(ECHO + "[exec:remote]\nalow = ls\n")
        self.assertEqual(rc, 1, out)
        self.assertIn("[exec:remote]: ':' may not appear in a section name",
                      err)

    def test_long_section_names(self):
        name = "s" * 255
        rc, out, err = self.check("[%s]\nservice = echo\nlisten = "
                                  "127.0.0.1:0\n" % name)
        self.assertEqual(rc, 0, err)
        self.assertIn(name + ": echo on tcp", out)
        rc, _, err = self.check("[%s]\nservice = echo\nlisten = "
                                "127.0.0.1:0\n" % (name + "s"))
        self.assertEqual(rc, 1)
        self.assertIn("nd.ini:1: section name longer than 255 bytes", err)

    def test_reload_from_fifo_fails_and_keeps_serving(self):
        with Daemon(ECHO) as d:
            d.start()
            os.remove(d.config)
            os.mkfifo(d.config)
            mark = len(d.snapshot())
            d.send_signal(signal.SIGHUP)
            d.wait_log(r"reload failed.*not a regular file", start=mark)
            self.assertEqual(echo_once(d.addr("echo")[1]), b"ping")
            self.assertEqual(d.stop(), 0)


class PidFileTest(unittest.TestCase):
    def test_fifo_at_pid_path_does_not_hang_start(self):
        with Daemon(ECHO) as d:
            pid = d.path("nd.pid")
            os.mkfifo(pid)
            d.args = ["-p", pid]
            d.start()
            with open(pid) as f:
                self.assertEqual(int(f.read()), d.proc.pid)
            self.assertEqual(d.stop(), 0)

    @unittest.skipIf(WRAPPER, "the wrapper's pid is not the daemon's")
    def test_planted_symlink_at_temporary_name_not_followed(self):
        with Daemon(ECHO) as d:
            victim = d.write("victim", "precious\n")
            pid = d.path("nd.pid")
            # exec keeps the shell's pid: the temporary name is known.
            script = 'ln -s "$1" "$2.tmp.$$" && exec "$3" -c "$4" -p "$2"'
            p = subprocess.run(["sh", "-c", script, "sh", victim, pid,
                                NETDEMO, d.config], capture_output=True,
                               text=True, timeout=10 * SLOW)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("File exists", p.stderr)
            with open(victim) as f:
                self.assertEqual(f.read(), "precious\n")


@unittest.skipIf(WRAPPER, "a wrapper cannot follow the daemon into the background")
class BackgroundPathsTest(unittest.TestCase):
    def test_relative_paths_and_inherited_fds(self):
        with tempfile.TemporaryDirectory() as top:
            os.mkdir(os.path.join(top, "run"))
            log = os.path.join(top, "nd.log")
            with open(os.path.join(top, "words.txt"), "w") as f:
                f.write("apple:pomme\n")
            with open(os.path.join(top, "nd.ini"), "w") as f:
                f.write("[netdemo]\nlog_target = %s\n%s[dict]\nlisten = "
                        "127.0.0.1:0\nfile = words.txt\n" % (log, ECHO))
            marker = os.path.join(top, "inherited")
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                binary = os.path.abspath(NETDEMO) if "/" in NETDEMO else NETDEMO
                p = subprocess.run([binary, "-d", "-c", "nd.ini", "-p",
                                    "run/nd.pid"], cwd=top, pass_fds=(fd,),
                                   capture_output=True, text=True,
                                   timeout=10 * SLOW)
            finally:
                os.close(fd)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(top, "run", "nd.pid")) as f:
                pid = int(f.read())
            self.addCleanup(lambda: os.path.exists("/proc/%d" % pid)
                            and os.kill(pid, signal.SIGKILL))
            fds = "/proc/%d/fd" % pid
            links = [os.readlink(os.path.join(fds, n)) for n in os.listdir(fds)]
            self.assertNotIn(marker, links)
            self.assertIn("netdemo running", wait_in(log, "netdemo running"))
            os.kill(pid, signal.SIGHUP)
            self.assertIn("reloaded: 2 services", wait_in(log, "reloaded"))
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5 * SLOW
            while os.path.exists("/proc/%d" % pid) and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(os.path.exists("/proc/%d" % pid))
            self.assertFalse(os.path.exists(os.path.join(top, "run",
                                                         "nd.pid")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
