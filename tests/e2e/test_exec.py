# SPDX-License-Identifier: MIT
"""End-to-end: the exec service runs allowlisted commands, safely and async."""
import os
import re
import socket
import tempfile
import threading
import time
import unittest

from harness import Daemon, SLOW, run_netdemo

STATUS = re.compile(rb"^\[(exit \d+|killed by signal \d+|timeout after \d+ s)\]$")
# Replies to requests that start no command: one datagram, no status.
REFUSAL = re.compile(rb"^(not allowed: |busy, try again$|cannot run |error: )")
ALLOW = "date, echo *, seq *, sleep *, false, /bin/true, nosuch-command"


def config(**keys):
    text = "[exec]\nenabled = yes\nlisten = 127.0.0.1:0\nallow = %s\n" % ALLOW
    return text + "".join("%s = %s\n" % kv for kv in keys.items())


def run(addr, cmd, timeout=5.0, single=False):
    """Sends cmd; returns the datagrams up to and including the status.

    With single, expects one datagram and checks that nothing follows it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        s.settimeout(timeout * SLOW)
        s.sendto(cmd.encode() if isinstance(cmd, str) else cmd, addr)
        got = []
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            got.append(s.recv(65536))
            if single:
                s.settimeout(0.3)
                try:
                    got.append(s.recv(65536))
                except socket.timeout:
                    pass
                return got
            if STATUS.match(got[-1]) or (len(got) == 1 and REFUSAL.match(got[0])):
                return got
        raise AssertionError("no status datagram: %r" % got[-3:])


def zombies_of(pid):
    """Children of pid in state Z, read from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z" and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


class ExecTest(unittest.TestCase):
    def daemon(self, extra="", **keys):
        d = Daemon(config(**keys) + extra).start()
        self.addCleanup(d.__exit__)
        return d, d.addr("exec")[1]

    def test_date_runs(self):
        d, addr = self.daemon()
        out = run(addr, "date")
        self.assertEqual(out[-1], b"[exit 0]")
        self.assertRegex(b"".join(out[:-1]).decode(), r"\d\d:\d\d:\d\d")
        d.wait_log(r"exec: 127\.0\.0\.1:\d+ ran date: \[exit 0\], \d+ bytes")

    def test_quoted_argument_stays_one(self):
        _, addr = self.daemon()
        self.assertEqual(run(addr, "echo 'a  b'  c"), [b"a  b c\n", b"[exit 0]"])
        self.assertEqual(run(addr, 'echo "x\'y"'), [b"x'y\n", b"[exit 0]"])

    def test_exit_status_reported(self):
        _, addr = self.daemon()
        self.assertEqual(run(addr, "false"), [b"[exit 1]"])
        self.assertEqual(run(addr, "/bin/true"), [b"[exit 0]"])

    def test_nul_padded_request_from_seed_client(self):
        _, addr = self.daemon()
        self.assertEqual(run(addr, b"echo hi".ljust(32, b"\0")),
                         [b"hi\n", b"[exit 0]"])

    def test_refusals_never_reach_a_shell(self):
        _, addr = self.daemon()
        with tempfile.TemporaryDirectory() as tmp:
            victim = os.path.join(tmp, "x")
            open(victim, "w").close()
            cases = {
                "sh -c id": "not allowed: sh",
                "/bin/sh": "not allowed: /bin/sh",
                "rm -rf %s" % victim: "not allowed: rm",
                "r''m -rf %s" % victim: "not allowed: rm",
                "../bin/sh": "not allowed: ../bin/sh",
                "/bin/date": "not allowed: /bin/date",
                "date; rm -rf %s" % victim: "not allowed: date;",
                "date -f /etc/passwd": "not allowed: date -f /etc/passwd",
                "date -u": "not allowed: date -u",
                "nosuch-command": "cannot run nosuch-command: not found in path",
                "echo 'open": "error: unterminated quote",
                "": "error: empty command",
            }
            for cmd, want in cases.items():
                with self.subTest(cmd=cmd):
                    self.assertEqual(run(addr, cmd, single=True),
                                     [want.encode()])
            # Shell syntax in an allowed command is only bytes for echo.
            line = "$(rm -rf %s) `rm %s` ; | > *" % (victim, victim)
            self.assertEqual(run(addr, "echo " + line),
                             [line.encode() + b"\n", b"[exit 0]"])
            self.assertTrue(os.path.exists(victim))

    def test_large_output_is_cut_and_chunked_in_order(self):
        _, addr = self.daemon(max_output=65000, reply_size=1200)
        out = run(addr, "seq 1 200000", timeout=10)
        expected = "".join("%d\n" % i for i in range(1, 200001)).encode()
        self.assertGreater(len(expected), 1 << 20)
        self.assertEqual(out[-2:], [b"[output truncated at 65000 bytes]",
                                    b"[exit 0]"])
        body = out[:-2]
        self.assertTrue(all(len(c) <= 1200 for c in body))
        self.assertTrue(all(c.endswith(b"\n") for c in body[:-1]),
                        "chunks split at line ends")
        self.assertEqual(b"".join(body), expected[:65000])

    def test_timeout_kills_the_job(self):
        d, addr = self.daemon(timeout=1)
        start = time.monotonic()
        self.assertEqual(run(addr, "sleep 10", timeout=5), [b"[timeout after 1 s]"])
        self.assertLess(time.monotonic() - start, 4 * SLOW)
        self.assertEqual(children_of(d.proc.pid), [])

    def test_max_jobs_gives_busy(self):
        _, addr = self.daemon(max_jobs=2)
        results = [None] * 5

        def one(i):
            results[i] = run(addr, "sleep 1", timeout=5)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10 * SLOW)
        flat = [r[-1] for r in results]
        self.assertEqual(flat.count(b"busy, try again"), 3, results)
        self.assertEqual(flat.count(b"[exit 0]"), 2, results)

    def test_no_zombies(self):
        d, addr = self.daemon(max_jobs=8)
        threads = [threading.Thread(target=run, args=(addr, "echo %d" % i))
                   for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10 * SLOW)
        time.sleep(0.2)
        self.assertEqual(zombies_of(d.proc.pid), [])
        self.assertEqual(children_of(d.proc.pid), [])

    def test_source_outside_allow_from_gets_no_reply(self):
        # 192.0.2.0/24 is TEST-NET-1: only named here, no traffic goes there.
        d, addr = self.daemon(allow_from="192.0.2.0/24")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            s.sendto(b"date", addr)
            with self.assertRaises(socket.timeout):
                s.recv(100)
        d.wait_log(r"datagram from 127\.0\.0\.1:\d+ dropped: not in allow_from")

    def test_other_services_answer_while_a_command_runs(self):
        dict_section = "[dict]\nlisten = 127.0.0.1:0\nfile = words.txt\n"
        d = Daemon(config() + dict_section, {"words.txt": "apple:苹果\n"}).start()
        self.addCleanup(d.__exit__)
        exec_addr, dict_addr = d.addr("exec")[1], d.addr("dict")[1]
        job = threading.Thread(target=run, args=(exec_addr, "sleep 3"))
        job.start()
        time.sleep(0.2)
        worst = 0.0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            for i in range(20):
                t0 = time.monotonic()
                # Alternating: the loop guard drops an instant repeat.
                s.sendto(b"apple" + b"\n" * (i % 2), dict_addr)
                self.assertEqual(s.recv(100).decode(), "苹果")
                worst = max(worst, time.monotonic() - t0)
                time.sleep(0.05)
        self.assertLess(worst, 0.1 * SLOW)
        job.join(10 * SLOW)

    def test_sigterm_ends_running_children(self):
        d, addr = self.daemon(timeout=30)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"sleep 20", addr)
            deadline = time.monotonic() + 3 * SLOW
            while not children_of(d.proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            kids = children_of(d.proc.pid)
            self.assertEqual(len(kids), 1)
            self.assertEqual(d.stop(), 0)
            self.assertFalse(os.path.exists("/proc/%d" % kids[0]))
            s.settimeout(1.0)
            self.assertEqual(s.recv(100), b"[killed by signal 15]")


def pids_with_arg(arg):
    """Processes whose command line holds arg (a marker only a test uses)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    if arg.encode() in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                pass
    return found


class GrandchildTest(unittest.TestCase):
    """A command that leaves a grandchild holding the output pipe."""

    def setUp(self):
        self.d = Daemon("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
                        "allow = sh *, echo *\nallow_interpreters = yes\n"
                        "timeout = 1\n").start()
        self.addCleanup(self.d.__exit__)
        self.addr = self.d.addr("exec")[1]

    def run_with_grandchild(self, cmd, marker):
        self.addCleanup(lambda: [os.kill(p, 9) for p in pids_with_arg(marker)])
        start = time.monotonic()
        out = []
        job = threading.Thread(target=lambda: out.extend(run(self.addr, cmd,
                                                             timeout=10)))
        job.start()
        # The loop does not wait for the job: other requests are answered.
        time.sleep(0.2)
        t0 = time.monotonic()
        self.assertEqual(run(self.addr, "echo meanwhile"),
                         [b"meanwhile\n", b"[exit 0]"])
        self.assertLess(time.monotonic() - t0, 0.5 * SLOW)
        job.join(15 * SLOW)
        return out, time.monotonic() - start

    def test_grandchild_in_the_group_is_killed_at_timeout(self):
        out, took = self.run_with_grandchild(
            "sh -c 'sleep 31.25 & echo started; sleep 30'", "31.25")
        self.assertEqual(out[0], b"started\n")
        self.assertEqual(out[-1], b"[timeout after 1 s]")
        self.assertLess(took, 4 * SLOW)
        time.sleep(0.2)
        self.assertEqual(pids_with_arg("31.25"), [])
        self.assertEqual(children_of(self.d.proc.pid), [])

    def test_grandchild_that_left_the_group_is_killed_at_timeout(self):
        # setsid puts it beyond the group's kill; it still ends with the job.
        out, took = self.run_with_grandchild(
            "sh -c 'setsid sleep 32.25 & echo started; sleep 30'", "32.25")
        self.assertEqual(out[0], b"started\n")
        self.assertEqual(out[-1], b"[timeout after 1 s]")
        self.assertLess(took, 6 * SLOW)
        time.sleep(0.2)
        self.assertEqual(pids_with_arg("32.25"), [])
        self.assertEqual(children_of(self.d.proc.pid), [])

    def test_what_a_job_left_ends_when_it_exits(self):
        # The command exits at once; its setsid grandchild does not outlive
        # it, so nothing runs on unseen by max_jobs.
        out, took = self.run_with_grandchild(
            "sh -c 'setsid sleep 33.25 & echo started'", "33.25")
        self.assertEqual(out, [b"started\n", b"[exit 0]"])
        self.assertEqual(pids_with_arg("33.25"), [])
        out = run(self.addr, "sh -c 'setsid sh -c \"sleep 34.25 &\" & exit 3'")
        self.assertEqual(out, [b"[exit 3]"])
        time.sleep(0.2)
        self.assertEqual(pids_with_arg("34.25"), [])


class ExecLogTest(unittest.TestCase):
    def test_refusal_cannot_forge_log_lines(self):
        d = Daemon(config()).start()
        self.addCleanup(d.__exit__)
        addr = d.addr("exec")[1]
        forged = (b"x\n2026-01-01 00:00:00.000 error: exec: ran rm -rf /"
                  b"\x1b]0;pwned\x07\xc2\x9b2J\xff<0>caf\xc3\xa9")
        self.assertEqual(run(addr, forged, single=True), [
            b"not allowed: x\\n2026-01-01"])
        line = d.wait_log(r"not allowed: x")
        d.stop()
        self.assertTrue(line.endswith("not allowed: x\\n2026-01-01"), line)
        for text in d.snapshot():
            self.assertFalse(text.startswith("2026-01-01 00:00:00.000"), text)
            self.assertNotIn("\x1b", text)
        # The whole word reaches the log escaped; UTF-8 stays readable.
        d2 = Daemon(config()).start()
        self.addCleanup(d2.__exit__)
        run(d2.addr("exec")[1], forged.replace(b" ", b"_"), single=True)
        line = d2.wait_log(r"not allowed: x")
        self.assertIn("x\\n2026-01-01_00:00:00.000_error:_exec:_ran_rm_-rf_/"
                      "\\x1b]0;pwned\\x07\\xc2\\x9b2J\\xff<0>café", line)


class ExecChildTest(unittest.TestCase):
    def test_children_have_no_new_privs(self):
        d = Daemon("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
                   "allow = cat /proc/self/status\n").start()
        self.addCleanup(d.__exit__)
        out = b"".join(run(d.addr("exec")[1], "cat /proc/self/status"))
        self.assertIn(b"NoNewPrivs:\t1", out)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_group_root_is_refused(self):
        d = Daemon("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
                   "allow = date\nuser = nobody\ngroup = root\n")
        self.addCleanup(d.__exit__)
        rc, _, err = run_netdemo(["-t", "-c", d.config])
        self.assertEqual(rc, 1, err)
        self.assertIn("[exec] group: children may not run in group root", err)


class ExecConfigTest(unittest.TestCase):
    def check(self, text):
        d = Daemon(text)
        try:
            return run_netdemo(["-t", "-c", d.config])
        finally:
            d.dir.cleanup()

    def test_off_by_default(self):
        rc, out, err = self.check("[exec]\nlisten = 127.0.0.1:0\nallow = date\n"
                                  "[echo]\nlisten = 127.0.0.1:0\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("exec: exec (disabled)", out)

    def test_allowlist_errors(self):
        base = "[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
        for extra, want in [("", "[exec] allow: required key is missing"),
                            ("allow = ,\n", "[exec] allow: empty list"),
                            ("allow = date, ../bin/sh\n",
                             "[exec] allow: '../bin/sh' is neither"),
                            ("allow = date\nallow_from = 10.0.0.1/8\n",
                             "[exec] allow_from: '10.0.0.1/8': address has bits"),
                            ("allow = date\ntimeout = 0\n", "[exec] timeout:"),
                            ("allow = date\nmax_jobs = 0\n", "[exec] max_jobs:"),
                            ("allow = date\ngroup = nogroup\n",
                             "[exec] group: needs user as well"),
                            ("allow = date, sh\n", "[exec] allow: 'sh' is a"
                             " shell, an interpreter or a runner"),
                            ("allow = /bin/sh -c *\n", "[exec] allow:"
                             " '/bin/sh' is a shell"),
                            ("allow = env *\n", "[exec] allow: 'env' is a"),
                            ("allow = date\npath = bin:/usr/bin\n",
                             "[exec] path: 'bin' is not an absolute"),
                            ("allow = date\nallow_from = ::1 127.0.0.1\n",
                             "[exec] allow_from: '::1 127.0.0.1': a blank"
                             " inside an entry"),
                            # base has exec's listen: a second one is a
                            # repeated key, so echo's listen shows this one
                            ("allow = date\n[echo]\nlisten = 127.0.0.1:0 [::1]:0\n",
                             "[echo] listen: '127.0.0.1:0 [::1]:0': a blank")]:
            with self.subTest(want=want):
                rc, _, err = self.check(base + extra)
                self.assertEqual(rc, 1)
                self.assertIn(want, err)

    def test_interpreters_when_the_admin_says_so(self):
        rc, _, err = self.check("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
                                "allow = sh -c uptime, /usr/local/bin/report\n"
                                "allow_interpreters = yes\n")
        self.assertEqual(rc, 0, err)
        rc, _, err = self.check("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\n"
                                "allow = /usr/local/bin/report\n")
        self.assertEqual(rc, 0, err)

    def test_warns_on_world_writable_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o777)
            rc, _, err = self.check("[exec]\nenabled = yes\nlisten = "
                                    "127.0.0.1:0\nallow = date\npath = "
                                    "%s:/usr/bin:/bin\n" % tmp)
        self.assertEqual(rc, 0, err)
        self.assertIn("path: %s is world-writable" % tmp, err)

    def test_warns_beyond_loopback(self):
        rc, _, err = self.check("[exec]\nenabled = yes\nlisten = 0.0.0.0:0\n"
                                "allow = date\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("beyond loopback", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
