# SPDX-License-Identifier: MIT
"""End-to-end, as root: nothing a job starts outlives the job.

The daemon is root and jobs run as nobody, so a job cannot signal its
supervisor; the supervisor leaves the group the daemon signals, kills what
the command left when it ends, and dies with the daemon. Skips (77)
without root.
"""
import os
import signal
import socket
import sys
import time
import unittest

from harness import Daemon, SLOW
from test_exec import children_of, pids_with_arg, run

CONF = ("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\nallow = sh *\n"
        "allow_interpreters = yes\n")
# A script that ignores SIGTERM and starts a helper in its own session.
IGNORES_TERM = ("sh -c \"trap '' TERM; setsid sleep %s >/dev/null 2>&1 &"
                " echo started; sleep 20\"")


def mark(seconds):
    """A sleep's argument only this test process uses: SECONDS.PID."""
    return "%s.%d" % (seconds, os.getpid())


def wait_there(marker, timeout=3.0):
    """Waits (bounded) until a process has marker as an argument."""
    deadline = time.monotonic() + timeout * SLOW
    while not pids_with_arg(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids_with_arg(marker)


def wait_gone(marker, timeout=3.0):
    """Waits (bounded) until no process has marker as an argument; returns
    the /proc stat lines of those left."""
    deadline = time.monotonic() + timeout * SLOW
    while pids_with_arg(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = []
    for pid in pids_with_arg(marker):
        try:
            with open("/proc/%d/stat" % pid) as f:
                left.append(f.read().strip())
        except OSError:
            pass
    return left


class LeftoverTest(unittest.TestCase):
    def daemon(self, extra=""):
        d = Daemon(CONF + extra).start()
        self.addCleanup(d.__exit__)
        return d, d.addr("exec")[1]

    def forget(self, marker):
        self.addCleanup(lambda: [os.kill(p, signal.SIGKILL)
                                 for p in pids_with_arg(marker)])

    def test_job_cannot_kill_its_supervisor(self):
        self.forget(mark("61"))
        d, addr = self.daemon()
        out = run(addr, "sh -c '(setsid sleep %s </dev/null >/dev/null"
                  " 2>&1 &); kill -9 $PPID 2>/dev/null && echo killed ||"
                  " echo refused'" % mark("61"))
        self.assertEqual(out, [b"refused\n", b"[exit 0]"])
        self.assertEqual(wait_gone(mark("61")), [])
        self.assertEqual(children_of(d.proc.pid), [])

    def test_timeout_kills_the_helper_of_a_script_ignoring_term(self):
        self.forget(mark("62"))
        d, addr = self.daemon("timeout = 1\n")
        out = run(addr, IGNORES_TERM % mark("62"), timeout=10)
        self.assertEqual(out, [b"started\n", b"[timeout after 1 s]"])
        self.assertEqual(wait_gone(mark("62")), [])
        self.assertEqual(children_of(d.proc.pid), [])

    def test_stopping_netdemo_kills_the_helper(self):
        self.forget(mark("63"))
        d, addr = self.daemon("timeout = 20\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto((IGNORES_TERM % mark("63")).encode(), addr)
            self.assertTrue(wait_there(mark("63")))
            self.assertEqual(d.stop(timeout=10), 0)
        self.assertEqual(wait_gone(mark("63")), [])

    def test_killing_netdemo_ends_its_jobs(self):
        self.forget(mark("64"))
        self.forget(mark("65"))
        d, addr = self.daemon("timeout = 20\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(("sh -c 'setsid sleep %s >/dev/null 2>&1 & sleep %s'"
                      % (mark("64"), mark("65"))).encode(), addr)
        self.assertTrue(wait_there(mark("64")))
        self.assertTrue(wait_there(mark("65")))
        d.stop(signal.SIGKILL)
        self.assertEqual(wait_gone(mark("64")), [])
        self.assertEqual(wait_gone(mark("65")), [])


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (jobs must run as another user)")
        sys.exit(77)
    unittest.main()
