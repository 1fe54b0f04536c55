# SPDX-License-Identifier: MIT
"""End-to-end: exec's key_file: only requests signed with the key run.

The signatures here are made with Python's own hmac module, so the daemon's
libsodium HMAC is checked against an independent implementation.
"""
import hashlib
import hmac
import os
import signal
import socket
import subprocess
import time
import unittest

from harness import Daemon, SLOW, run_netdemo
from test_exec import run

CLI = os.environ.get("NETDEMO_CLI", "netdemo-cli")
KEY = bytes(range(7, 7 + 48))


def sign(cmd, key=KEY, when=None, mac_over=None):
    t = "%d" % (time.time() if when is None else when)
    signed = "v1 %s %s" % (t, mac_over if mac_over is not None else cmd)
    mac = hmac.new(key, signed.encode(), hashlib.sha256).hexdigest()
    return "v1 %s %s %s" % (t, mac, cmd)


def config(key_file):
    return ("[exec]\nenabled = yes\nlisten = 127.0.0.1:0\nallow = echo *, date\n"
            "key_file = %s\n" % key_file)


def silent(addr, payload, wait=0.5):
    """True when nothing answers payload within wait seconds."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(wait * SLOW)
        s.sendto(payload.encode(), addr)
        try:
            s.recv(65536)
        except socket.timeout:
            return True
    return False


class ExecAuthTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon("")
        self.addCleanup(self.d.__exit__)
        self.key = self.write_key("exec.key", KEY)

    def write_key(self, name, data, mode=0o600):
        path = self.d.write(name, data)
        os.chmod(path, mode)
        return path

    def start(self, key_file=None, env=None):
        self.d.write("netdemo.ini", config(key_file or self.key))
        self.d.env.update(env or {})
        self.d.start()
        # Nothing signed in the second the daemon started is taken (a
        # restart forgets what ran): sign from the next second on.
        time.sleep(1.0 - time.time() % 1.0 + 0.01)
        return self.d.addr("exec")[1]

    def test_signed_request_runs_and_unsigned_ones_are_dropped(self):
        addr = self.start()
        self.assertEqual(run(addr, sign("echo hi there"))[0], b"hi there\n")
        self.assertTrue(silent(addr, "echo hi"))
        self.assertTrue(silent(addr, "v1 %d nothex echo hi" % time.time()))
        # Uppercase hex is not the format, even with the right MAC.
        upper = sign("echo hi").split(" ")
        upper[2] = upper[2].upper()
        self.assertTrue(silent(addr, " ".join(upper)))
        self.assertEqual(self.d.stats("exec")["dropped_auth_malformed"], 3)

    def test_wrong_key_or_altered_command_is_dropped(self):
        addr = self.start()
        self.assertTrue(silent(addr, sign("echo hi", key=b"k" * 48)))
        self.assertTrue(silent(addr, sign("echo pwned", mac_over="echo hi")))
        self.assertEqual(self.d.stats("exec")["dropped_auth_bad_mac"], 2)
        self.d.wait_log(r"exec: datagram from 127\.0\.0\.1:\d+ dropped:"
                        r" signature bad_mac")

    def test_replay_and_stale_time_are_dropped(self):
        addr = self.start()
        req = sign("date")
        self.assertRegex(run(addr, req)[-1], rb"^\[exit 0\]$")
        self.assertTrue(silent(addr, req))
        self.assertTrue(silent(addr, sign("date", when=time.time() - 45)))
        self.assertTrue(silent(addr, sign("date", when=time.time() + 45)))
        # 20 s off is within the window (ahead: the daemon just started).
        self.assertRegex(run(addr, sign("date", when=time.time() + 20))[-1],
                         rb"^\[exit 0\]$")
        stats = self.d.stats("exec")
        self.assertEqual(stats["dropped_auth_replayed"], 1)
        self.assertEqual(stats["dropped_auth_stale"], 2)
        self.assertEqual(stats["runs"], 2)

    def test_request_signed_before_the_start_is_dropped(self):
        # Captured before a restart, replayed after it: the replay memory
        # is new, so the daemon refuses what was signed before it started.
        before = time.time() - 1
        addr = self.start()
        self.assertTrue(silent(addr, sign("date", when=before)))
        self.assertEqual(self.d.stats("exec")["dropped_auth_stale"], 1)
        self.assertRegex(run(addr, sign("date"))[-1], rb"^\[exit 0\]$")

    def test_oversize_datagrams_get_no_answer_unless_signed(self):
        addr = self.start()
        # An answer would tell a prober that exec listens there.
        self.assertTrue(silent(addr, "x" * 2000))
        self.assertTrue(silent(addr, "v1 %d %s %s" % (time.time(), "0" * 64,
                                                      "echo " + "a" * 2000)))
        self.assertEqual(run(addr, sign("echo " + "a" * 1100), single=True),
                         [b"error: request too long"])
        self.assertEqual(run(addr, sign("echo fits"))[0], b"fits\n")
        stats = self.d.stats("exec")
        self.assertEqual(stats["refused_too_long_signed"], 1)
        self.assertEqual(stats["refused_too_long"], 0)

    def test_reload_turns_the_oversize_answer_on_and_off(self):
        addr = self.start()
        self.assertTrue(silent(addr, "x" * 2000))
        # Without a key the front answers a long request itself...
        self.d.write("netdemo.ini", config(self.key).replace("key_file", ";"))
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded: ", start=mark)
        self.assertEqual(run(addr, "y" * 2000, single=True),
                         [b"error: request too long"])
        self.assertEqual(self.d.stats("exec")["refused_too_long"], 1)
        # ...and with one again, it is silent.
        self.d.write("netdemo.ini", config(self.key))
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded: ", start=mark)
        self.assertTrue(silent(addr, "z" * 2000))
        self.assertEqual(self.d.stats("exec")["refused_too_long"], 1)

    def test_cli_signs_with_key_file(self):
        addr = self.start()
        target = "%s:%d" % addr
        p = subprocess.run([CLI, "exec", "--key-file", self.key, target,
                            "echo", "signed"], capture_output=True,
                           timeout=20 * SLOW)
        self.assertEqual((p.returncode, p.stdout), (0, b"signed\n"), p.stderr)
        wrong = self.write_key("wrong.key", b"w" * 32)
        p = subprocess.run([CLI, "exec", "--timeout", "1", "--key-file", wrong,
                            target, "echo", "x"], capture_output=True,
                           timeout=20 * SLOW)
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_credentials_directory(self):
        os.mkdir(self.d.path("creds"))
        self.write_key("creds/exec", KEY)
        addr = self.start("cred:exec",
                          env={"CREDENTIALS_DIRECTORY": self.d.path("creds")})
        self.assertEqual(run(addr, sign("echo cred"))[0], b"cred\n")

    def test_reload_switches_key(self):
        addr = self.start()
        new = self.write_key("new.key", bytes(range(100, 140)))
        self.d.write("netdemo.ini", config(new))
        mark = len(self.d.snapshot())
        self.d.send_signal(1)
        self.d.wait_log(r"reloaded", start=mark)
        self.assertTrue(silent(addr, sign("echo old")))
        self.assertEqual(run(addr, sign("echo new", key=bytes(range(100, 140))))[0],
                         b"new\n")


class KeyFileErrorTest(unittest.TestCase):
    def check_refused(self, key_file, pattern):
        """netdemo -t (which loads keys too) refuses key_file."""
        d = Daemon(config(key_file))
        self.addCleanup(d.__exit__)
        env = dict(os.environ)
        env.pop("CREDENTIALS_DIRECTORY", None)
        rc, _, err = run_netdemo(["-t", "-c", d.config], env=env)
        self.assertEqual(rc, 1, err)
        self.assertRegex(err, r"\[exec\] key_file: " + pattern)

    def test_group_readable_key_is_refused(self):
        d = Daemon("")
        self.addCleanup(d.__exit__)
        key = d.write("open.key", KEY)
        os.chmod(key, 0o644)
        self.check_refused(key, r".*open\.key: group or others may read or"
                           r" write it \(mode 644\); chmod 600 it")

    def test_short_key_is_refused(self):
        d = Daemon("")
        self.addCleanup(d.__exit__)
        key = d.write("short.key", b"x" * 16)
        os.chmod(key, 0o600)
        self.check_refused(key, r".*short\.key: holds 16 bytes; a key is 32"
                           r" to 4096")

    def test_cred_without_credentials_directory_is_refused(self):
        self.check_refused("cred:exec", r"'cred:exec': \$CREDENTIALS_DIRECTORY"
                           r" is not set")

    def test_relative_path_is_a_config_error(self):
        d = Daemon(config("exec.key"))
        self.addCleanup(d.__exit__)
        rc, out, err = run_netdemo(["-t", "-c", d.config])
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"\[exec\] key_file: 'exec\.key' is neither an"
                         r" absolute path nor cred:NAME")


if __name__ == "__main__":
    unittest.main(verbosity=2)
