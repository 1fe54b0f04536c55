# SPDX-License-Identifier: MIT
"""End-to-end: netdemo's options, config errors and signals."""
import os
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import NETDEMO, Daemon, run_netdemo

SOURCE_ROOT = os.environ.get("NETDEMO_SOURCE_ROOT",
                             os.path.join(os.path.dirname(__file__), "..", ".."))


def check_config(text, files=None):
    """Runs netdemo -t on text; returns (status, stdout, stderr)."""
    d = Daemon(text, files)
    try:
        return run_netdemo(["-t", "-c", d.config])
    finally:
        d.dir.cleanup()


class OptionsTest(unittest.TestCase):
    def test_help_and_version(self):
        rc, out, _ = run_netdemo(["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("--check-config", out)
        rc, out, _ = run_netdemo(["-V"])
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^netdemo \d+\.\d+\.\d+\n$")

    def test_bad_option(self):
        rc, out, err = run_netdemo(["--bogus"])
        self.assertEqual(rc, 2)
        self.assertIn("usage:", err)
        self.assertEqual(out, "")

    def test_shipped_config_checks_ok(self):
        path = os.path.join(SOURCE_ROOT, "conf", "netdemo.ini")
        rc, out, err = run_netdemo(["-t", "-c", path])
        self.assertEqual(rc, 0, err)
        self.assertIn("configuration OK", out)
        self.assertIn("dict: dict on udp 127.0.0.1:8081", out)
        self.assertIn("echo: echo on tcp 127.0.0.1:8080", out)
        # Loopback only: installing netdemo opens nothing to the network.
        self.assertNotIn("0.0.0.0", out)
        self.assertNotIn("[::]", out)

    def test_check_opens_no_socket(self):
        # The port is held here, so a daemon that bound it would fail.
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))
            held.listen()
            port = held.getsockname()[1]
            rc, out, err = check_config("[echo]\nlisten = 127.0.0.1:%d\n" % port)
        self.assertEqual(rc, 0, err)
        self.assertIn("echo: echo on tcp 127.0.0.1:%d" % port, out)

    def test_check_prints_the_path_escaped(self):
        # Attack pass 2: -t printed a config path holding ESC raw.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'ok\x1b[1m"\\g.ini')
            with open(path, "w") as f:
                f.write("[echo]\nlisten = 127.0.0.1:0\n")
            rc, out, err = run_netdemo(["-t", "-c", path])
        self.assertEqual(rc, 0, err)
        self.assertNotIn("\x1b", out)
        self.assertIn('ok\\x1b[1m"\\\\g.ini: configuration OK', out)

    def test_config_may_start_with_a_bom(self):
        rc, out, err = check_config("\ufeff[echo]\nlisten = 127.0.0.1:0\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("configuration OK", out)

    def test_background_warns_when_syslog_is_unreachable(self):
        """-d logs to syslog by default: with nothing on /dev/log every line
        would be lost, so start-up says so on stderr before detaching."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            try:
                s.connect("/dev/log")
                self.skipTest("/dev/log is served here")
            except OSError:
                pass
        d = Daemon("[echo]\nlisten = 127.0.0.1:0\n")
        pidfile = d.path("netdemo.pid")
        try:
            # Not under NETDEMO_WRAPPER: valgrind keeps a copy of stderr in
            # the detached daemon, so the pipe would never close.
            p = subprocess.run([NETDEMO, "-d", "-c", d.config, "-p", pidfile],
                               capture_output=True, text=True, timeout=10,
                               stdin=subprocess.DEVNULL)
            rc, err = p.returncode, p.stderr
            self.assertEqual(rc, 0, err)
            self.assertIn("syslog unreachable (nothing listens on /dev/log)", err)
        finally:
            try:
                with open(pidfile) as f:
                    os.kill(int(f.read()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
            d.dir.cleanup()

    def test_missing_config_file(self):
        rc, _, err = run_netdemo(["-t", "-c", "/nonexistent/netdemo.ini"])
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent/netdemo.ini: No such file or directory", err)


class ConfigErrorTest(unittest.TestCase):
    """Every config error: exit 1, and the message names section and key."""
    CASES = [
        ("[echo]\nlisten = 127.0.0.1:0\nmax_conections = 5\n",
         "[echo] max_conections: unknown key (did you mean max_connections?)"),
        ("[echo]\nlisten = 127.0.0.1:0\nidle_timeout = soon\n",
         "[echo] idle_timeout: 'soon' is not a whole number"),
        ("[echo]\nlisten = 127.0.0.1:0\nmax_connections = 0\n",
         "[echo] max_connections: '0' is not a whole number in 1..1000000"),
        ("[echo]\nlisten = 127.0.0.1:0\nenabled = perhaps\n",
         "[echo] enabled: 'perhaps' is not yes or no"),
        ("[echo]\nidle_timeout = 5\n", "[echo] listen: required key is missing"),
        ("[echo]\nlisten = example.com:7\n", "[echo] listen: 'example.com:7'"),
        ("[echo]\nlisten = 127.0.0.1:70000\n", "[echo] listen: '127.0.0.1:70000': port"),
        ("[echo]\nlisten = 127.0.0.1:7001, 127.0.0.1:7001\n",
         "[echo] listen: '127.0.0.1:7001' is listed twice"),
        ("[a]\nservice = echo\nlisten = [::1]:7002\n"
         "[b]\nservice = echo\nlisten = [::1]:7002\n",
         "[b] listen: tcp [::1]:7002 is also [a]'s"),
        ("[x]\nservice = ftp\nlisten = 127.0.0.1:0\n",
         "[x] service: unknown service kind 'ftp'"),
        ("[stuff]\nlisten = 127.0.0.1:0\n", "[stuff] unknown section"),
        ("[dict]\nlisten = 127.0.0.1:0\n", "[dict] file: required key is missing"),
        ("[dict]\nlisten = 127.0.0.1:0\nfile = missing.txt\n",
         "[dict] file: "),
        ("[dict]\nlisten = 127.0.0.1:0\nfile = junk.txt\n",
         "junk.txt: no valid entries"),
        ("[netdemo]\nlog_level = chatty\n[echo]\nlisten = 127.0.0.1:0\n",
         "[netdemo] log_level: 'chatty'"),
        ("[echo]\nlisten = 127.0.0.1:0\nenabled = no\n", "no enabled service"),
        ("[echo] ; comment\nlisten = 127.0.0.1:0\n", "netdemo.ini:1: syntax error"),
        ("[echo]\nlisten 127.0.0.1:0\n", "netdemo.ini:2: syntax error"),
        # A wildcard takes its port on every address: binding both fails.
        ("[echo]\nlisten = 127.0.0.1:7003\n[e2]\nservice = echo\n"
         "listen = 0.0.0.0:7003\n",
         "[e2] listen: tcp 0.0.0.0:7003 overlaps [echo]'s 127.0.0.1:7003"),
        ("[echo]\nlisten = [::]:7004, [::1]:7004\n",
         "[echo] listen: '[::1]:7004' overlaps another entry"),
        ("[echo]\nlisten = [::ffff:127.0.0.1]:7005\n",
         "[echo] listen: '[::ffff:127.0.0.1]:7005': an IPv4-mapped address"),
        ("[echo]\nlisten = 127.0.0.1:0\nk = " + "x" * 1100 + "\n",
         "netdemo.ini:3: line too long"),
        ("[echo]\nlisten = 127.0.0.1:0\nk = a\0b\n",
         "netdemo.ini:3: a NUL byte (at column 6)"),
        ("[echo]\nlisten = 127.0.0.1:0\nfoo = 1\n",
         "[echo] foo: unknown key for the echo kind"),
    ]

    def test_each_error(self):
        for text, want in self.CASES:
            with self.subTest(want=want):
                rc, out, err = check_config(text, {"junk.txt": "junk\n"})
                self.assertEqual(rc, 1, out + err)
                self.assertIn(want, err)
                self.assertNotIn("configuration OK", out)

    def test_all_errors_reported_at_once(self):
        rc, _, err = check_config("[echo]\nlisten = 127.0.0.1:0\nfoo = 1\n"
                                  "bar = 2\nidle_timeout = x\n")
        self.assertEqual(rc, 1)
        for key in ("foo", "bar", "idle_timeout"):
            self.assertIn("[echo] %s:" % key, err)

    def test_port_in_use_names_the_key(self):
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))
            held.listen()
            port = held.getsockname()[1]
            d = Daemon("[echo]\nlisten = 127.0.0.1:%d\n" % port)
            try:
                rc, _, err = run_netdemo(["-c", d.config])
            finally:
                d.dir.cleanup()
        self.assertEqual(rc, 1)
        self.assertIn("[echo] listen: 127.0.0.1:%d: Address already in use"
                      % port, err)

    def test_missing_dictionary_at_start_is_fatal(self):
        d = Daemon("[dict]\nlisten = 127.0.0.1:0\nfile = nope.txt\n")
        try:
            rc, _, err = run_netdemo(["-c", d.config])
        finally:
            d.dir.cleanup()
        self.assertEqual(rc, 1)
        self.assertIn("[dict] file: ", err)
        self.assertIn("nope.txt: No such file or directory", err)


class SignalTest(unittest.TestCase):
    def test_sigint_exits_zero(self):
        with Daemon("[echo]\nlisten = 127.0.0.1:0\n").start() as d:
            self.assertEqual(d.stop(signal.SIGINT), 0)

    def test_several_instances_of_one_kind(self):
        conf = ("[en]\nservice = dict\nlisten = 127.0.0.1:0\nfile = en.txt\n"
                "[fr]\nservice = dict\nlisten = 127.0.0.1:0\nfile = fr.txt\n")
        files = {"en.txt": "cat:猫\n", "fr.txt": "chat:猫\n"}
        with Daemon(conf, files).start(expect_listening=2) as d:
            from harness import udp_ask
            self.assertEqual(udp_ask(d.addr("en")[1], b"cat").decode(), "猫")
            self.assertEqual(udp_ask(d.addr("fr")[1], b"chat").decode(), "猫")
            self.assertEqual(udp_ask(d.addr("fr")[1], b"cat"), b"unknown")
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
