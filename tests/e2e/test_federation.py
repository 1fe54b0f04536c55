# SPDX-License-Identifier: MIT
"""End-to-end: chat federated over a real redis-server, and reuseport.

Each test starts its own redis-server on a free loopback port (no
persistence), two or three netdemo instances in one room, and chat
clients on each. Skips (77) where redis-server is not installed.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

from harness import Daemon, SLOW, run_netdemo
from test_chat import Client

REDIS = shutil.which("redis-server")


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """A throwaway redis-server on 127.0.0.1:port."""

    def __init__(self, port=None, password=None):
        self.port = port or free_port()
        self.password = password
        self.proc = None

    def start(self):
        cmd = [REDIS, "--save", "", "--appendonly", "no", "--port",
               str(self.port), "--bind", "127.0.0.1"]
        if self.password:
            cmd += ["--requirepass", self.password]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5 * SLOW
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError("redis-server did not start")
                time.sleep(0.05)

    def stop(self):
        """Hangs it: the kernel still accepts and ACKs, Redis answers nothing."""
        self.proc.send_signal(signal.SIGSTOP)

    def cont(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()


class FederationTest(unittest.TestCase):
    def setUp(self):
        self.redis = Redis().start()
        self.addCleanup(self.redis.kill)

    def instance(self, ttl=15, extra=""):
        conf = ("[chat]\nlisten = 127.0.0.1:0\nfederation = redis://127.0.0.1:%d/3\n"
                "room = lobby\npresence_ttl = %d\n%s"
                % (self.redis.port, ttl, extra))
        d = Daemon(conf).start()
        self.addCleanup(d.__exit__)
        self.addCleanup(self.clean_stop, d)
        d.wait_log(r"chat: federation up")
        return d

    def clean_stop(self, d):
        """Exit 0 (under valgrind: no leak, no memory error) unless killed."""
        if d.proc.poll() is None:
            self.assertEqual(d.stop(), 0, "\n".join(d.snapshot()[-20:]))

    def client(self, d):
        c = Client(d.addr("chat")[1])
        self.addCleanup(c.close)
        return c

    def join(self, *clients):
        for c in clients:
            c.send("online")
            self.assertTrue(c.wait_for(c.name + "# online"))
        time.sleep(0.2)
        for c in clients:
            c.quiet(0.1)

    def who(self, c, want, absent=(), timeout=2.0):
        """Polls who until every name in want shows, none in absent."""
        deadline = time.monotonic() + timeout * SLOW
        ask = ["who", "who\n"]     # the loop guard drops an instant repeat
        i = 0
        while True:
            c.send(ask[i % 2])
            i += 1
            got = c.quiet(0.1)
            names = set(got[-1].split("\n")[1:]) if got else set()
            if set(want) <= names and not names & set(absent):
                return got[-1]
            if time.monotonic() > deadline:
                raise AssertionError("who never showed %s without %s: %r"
                                     % (want, absent, got))

    def test_line_reaches_every_instance_once(self):
        a, b, c = self.instance(), self.instance(), self.instance()
        a1, a2, b1, c1 = (self.client(a), self.client(a), self.client(b),
                          self.client(c))
        self.join(a1, a2, b1, c1)
        a1.send("hello, 世界")
        for who in (a1, a2, b1, c1):
            self.assertEqual(who.quiet(0.5), [a1.name + "# hello, 世界"])
        b1.send("nick bob")
        for who in (a1, a2, b1, c1):
            self.assertEqual(who.quiet(0.5), [b1.name + "# is now bob"])
        b1.send("from b")
        for who in (a1, a2, b1, c1):
            self.assertEqual(who.quiet(0.5), ["bob# from b"])
        st = a.stats("chat")
        self.assertEqual(st["federation_up"], 1)
        self.assertGreaterEqual(st["federation_received"], 2)

    def test_who_converges_and_nick_is_unique_in_the_room(self):
        a, b = self.instance(), self.instance()
        a1, b1 = self.client(a), self.client(b)
        self.join(a1, b1)
        t0 = time.monotonic()
        got = self.who(b1, [a1.name, b1.name], timeout=1.0)
        self.assertLess(time.monotonic() - t0, 1.0 * SLOW)
        self.assertTrue(got.startswith("2 online:\n"), got)
        a1.send("nick alice")
        self.assertTrue(a1.wait_for(a1.name + "# is now alice"))
        b1.quiet(0.3)
        b1.send("nick alice")
        self.assertEqual(b1.quiet(0.5), ["error: nick alice is taken"])
        # ASCII case is ignored across the room as it is locally.
        b1.send("nick ALICE")
        self.assertEqual(b1.quiet(0.5), ["error: nick ALICE is taken"])
        self.who(b1, ["alice", b1.name])

    def members_with_redis_stopped(self):
        """A member on each of two instances (presence_ttl 2), then Redis
        stopped (continued at cleanup)."""
        a, b = self.instance(ttl=2), self.instance(ttl=2)
        a1, b1 = self.client(a), self.client(b)
        self.join(a1, b1)
        self.redis.proc.send_signal(signal.SIGSTOP)
        self.addCleanup(self.redis.proc.send_signal, signal.SIGCONT)
        self.stopped_a = a
        return a1, b1

    def test_a_nick_claim_no_member_holds_is_released(self):
        # A second nick before the first is answered (Redis stalled, so it
        # is not yet): refused, not claimed.
        a1, b1 = self.members_with_redis_stopped()
        a1.send("nick g1")
        a1.send("nick g2")
        got = a1.quiet(0.3)
        self.redis.proc.send_signal(signal.SIGCONT)
        got += a1.quiet(0.5)
        self.assertIn(a1.name + "# is now g1", got)
        a1.send("offline")
        self.assertTrue(a1.wait_for("bye"))
        # Past presence_ttl: nothing of a1 is refreshed, the names are free.
        time.sleep(2.5 * SLOW)
        self.who(b1, [b1.name], absent=["g1", "g2", a1.name])
        self.assertIn("error: nick g2: the last nick is still being claimed,"
                      " try again", got)
        b1.quiet(0.2)
        b1.send("nick g2")
        self.assertTrue(b1.wait_for(b1.name + "# is now g2"))

    def test_a_pending_nick_is_answered_when_a_reload_changes_the_room(self):
        # Found by an outside attack pass: the member never heard back.
        a1, _ = self.members_with_redis_stopped()
        a = self.stopped_a
        a1.send("nick moved")
        time.sleep(0.2)
        mark = len(a.snapshot())
        with open(a.config, encoding="utf-8") as f:
            conf = f.read()
        a.write("netdemo.ini", conf.replace("room = lobby", "room = other"))
        a.send_signal(signal.SIGHUP)
        a.wait_log(r"reloaded:", start=mark)
        self.assertTrue(a1.wait_for("error: nick not claimed: the federation"
                                    " was reconfigured, try again"))

    def test_a_claim_answered_after_the_member_left_is_released(self):
        # Redis stalls: the claim waits, and runs after the member left.
        a1, b1 = self.members_with_redis_stopped()
        a1.send("nick late")
        a1.send("offline")
        self.assertTrue(a1.wait_for("bye"))
        time.sleep(0.3)
        self.redis.proc.send_signal(signal.SIGCONT)
        time.sleep(2.5 * SLOW)
        self.who(b1, [b1.name], absent=["late", a1.name])
        b1.quiet(0.2)
        b1.send("nick late")
        self.assertTrue(b1.wait_for(b1.name + "# is now late"))

    def test_reload_keeps_federation_while_the_socket_is_shared(self):
        port = free_port(socket.SOCK_DGRAM)
        shared = "listen = 127.0.0.1:%d\nreuseport = yes\n" % port
        fed = ("federation = redis://127.0.0.1:%d/3\nroom = lobby\n"
               % self.redis.port)
        conf = "[chat]\n" + shared + fed
        r1 = Daemon(conf).start()
        self.addCleanup(r1.__exit__)
        r1.wait_log(r"chat: federation up")
        r2 = Daemon(conf).start()
        self.addCleanup(r2.__exit__)
        r2.wait_log(r"chat: federation up")
        # Neither federation nor reuseport: r1's socket would stay in the
        # port's group, and r1 would no longer federate.
        mark = len(r1.snapshot())
        r1.write("netdemo.ini", "[chat]\nlisten = 127.0.0.1:%d\n" % port)
        r1.send_signal(signal.SIGHUP)
        r1.wait_log(r"reloaded:|reload failed", start=mark)
        r1.wait_log(r"netdemo.ini: \[chat\] reuseport: needs federation",
                    start=mark, timeout=0.1)
        self.assertEqual(r1.stats("chat")["federation_up"], 1)

    def test_redis_gone_and_back(self):
        a, b = self.instance(), self.instance()
        a1, a2, b1 = self.client(a), self.client(a), self.client(b)
        self.join(a1, a2, b1)
        mark = len(a.snapshot())
        self.redis.kill()
        a.wait_log(r"chat: federation down", start=mark)
        a1.send("still here")
        self.assertEqual(a2.quiet(0.5), [a1.name + "# still here"])
        self.assertEqual(b1.quiet(0.2), [])
        self.assertEqual(a.stats("chat")["federation_up"], 0)
        time.sleep(1.0)
        t0 = time.monotonic()
        self.redis.start()
        a.wait_log(r"chat: federation back", timeout=10, start=mark)
        b.wait_log(r"chat: federation back", timeout=10, start=0)
        self.assertLess(time.monotonic() - t0, 10 * SLOW)
        a1.send("and back")
        self.assertEqual(b1.quiet(0.5), [a1.name + "# and back"])
        # Presence came back with the members (the new Redis was empty).
        self.who(b1, [a1.name, a2.name, b1.name])

    def hang_redis(self):
        self.redis.stop()
        self.addCleanup(self.redis.cont)

    def test_hung_redis_is_down_within_bounds_and_comes_back(self):
        a, b = self.instance(), self.instance()
        a1, a2, b1 = self.client(a), self.client(a), self.client(b)
        self.join(a1, a2, b1)
        self.who(b1, [a1.name, a2.name, b1.name])
        mark, bmark = len(a.snapshot()), len(b.snapshot())
        self.hang_redis()
        t0 = time.monotonic()
        # who waits for Redis, then is answered locally once it is down.
        a1.send("who")
        try:
            got = a1.recv(5.0)
        except socket.timeout:
            self.fail("who unanswered 5 s into the hang")
        self.assertLess(time.monotonic() - t0, 5.0 * SLOW)
        self.assertEqual(set(got.strip().split("\n")[1:]),
                         {a1.name, a2.name}, got)
        a.wait_log(r"chat: federation down: .*no answer from Redis within 3 s",
                   timeout=1.0, start=mark)
        self.assertLess(time.monotonic() - t0, 5.0 * SLOW)
        self.assertEqual(a.stats("chat")["federation_up"], 0)
        a2.send("nick hung")
        self.assertTrue(a2.wait_for(a2.name + "# is now hung", timeout=1.0))
        # b has no traffic: its idle probe finds the hang.
        b.wait_log(r"chat: federation down: .*no answer from Redis",
                   timeout=10.0, start=bmark)
        self.redis.cont()
        a.wait_log(r"chat: federation back", timeout=10.0, start=mark)
        b.wait_log(r"chat: federation back", timeout=10.0, start=bmark)
        self.assertEqual(a.stats("chat")["federation_up"], 1)
        a1.quiet(0.2)
        b1.quiet(0.1)
        a1.send("after the hang")
        self.assertEqual(b1.quiet(0.5), [a1.name + "# after the hang"])
        self.who(b1, [a1.name, "hung", b1.name])

    def test_lines_dropped_while_redis_hangs_are_logged(self):
        a = self.instance()
        a1, a2 = self.client(a), self.client(a)
        a2.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.join(a1, a2)
        mark = len(a.snapshot())
        self.hang_redis()
        # 64 wait for Redis, 256 queue behind them: the rest push out the oldest.
        for i in range(400):
            a1.send("line %d" % i)
            if i % 50 == 49:
                time.sleep(0.01)
        a.wait_log(r"chat: federation: Redis lags, dropped the oldest queued"
                   r" line \(\d+ so far\)", timeout=2.0, start=mark)
        a.wait_log(r"chat: federation down: .*no answer from Redis",
                   timeout=5.0, start=mark)
        a1.send("while down")
        a.wait_log(r"chat: federation: a line was not published \(Redis"
                   r" unreachable\)", timeout=2.0, start=mark)
        a1.send("still down")
        st = a.stats("chat")
        self.assertGreaterEqual(st["federation_dropped_queue"], 400 - 320)
        self.assertEqual(st["federation_dropped_down"], 2)
        # The local member got every line regardless.
        got = a2.quiet(0.5)
        self.assertEqual(len([g for g in got if "# line " in g]), 400)
        # Back: the line says how many were not published meanwhile.
        self.redis.cont()
        a.wait_log(r"chat: federation back: .*lines not published"
                   r" meanwhile: 2$", timeout=10.0, start=mark)

    def test_killed_instance_leaves_who_within_ttl(self):
        a, b = self.instance(ttl=2), self.instance(ttl=2)
        a1, b1 = self.client(a), self.client(b)
        self.join(a1, b1)
        self.who(b1, [a1.name])
        a.proc.kill()
        a.proc.wait()
        t0 = time.monotonic()
        self.who(b1, [b1.name], absent=[a1.name], timeout=4.0)
        self.assertLess(time.monotonic() - t0, 3.0 * SLOW)

    def test_malformed_bus_message_is_dropped_and_counted(self):
        a = self.instance()
        a1 = self.client(a)
        self.join(a1)
        bad = [b"nd1 0123456789abcdef evil# \x1b[2Jcleared",
               b"nd1 0123456789abcdef evil# \xc0\xafx",
               b"nd1 nothex!nothex! evil# hi",
               b"nd1 0123456789abcdef no mark",
               b"nd1 0123456789abcdef evil# " + b"x" * 2000]
        with socket.create_connection(("127.0.0.1", self.redis.port)) as r:
            for m in bad + [b"nd1 0123456789abcdef good# fine"]:
                cmd = [b"PUBLISH", b"netdemo:chat:3:lobby:msg", m]
                r.sendall(b"*3\r\n" + b"".join(
                    b"$%d\r\n%s\r\n" % (len(x), x) for x in cmd))
                time.sleep(0.02)
        self.assertEqual(a1.quiet(0.5), ["good# fine"])
        self.assertEqual(a.stats("chat")["federation_malformed"], len(bad))

    def test_password_from_a_file(self):
        secret = "s3cret-" + "x" * 40
        self.redis.kill()
        self.redis = Redis(password=secret).start()
        self.addCleanup(self.redis.kill)
        conf = ("[chat]\nlisten = 127.0.0.1:0\n"
                "federation = redis://127.0.0.1:%d\n"
                "federation_password = %%s\n" % self.redis.port)
        bad = Daemon(conf)
        self.addCleanup(bad.__exit__)
        pw = bad.write("wrong", "w" * 40 + "\n")
        os.chmod(pw, 0o600)
        bad.config = bad.write("netdemo.ini", conf % pw)
        bad.start()
        bad.wait_log(r"chat: federation down: .*AUTH")
        good = Daemon(conf)
        self.addCleanup(good.__exit__)
        pw = good.write("pw", secret + "\n")
        os.chmod(pw, 0o600)
        good.config = good.write("netdemo.ini", conf % pw)
        good.start()
        good.wait_log(r"chat: federation up")


class ConfigTest(unittest.TestCase):
    def check(self, conf):
        with Daemon(conf) as d:
            return run_netdemo(["-t", "-c", d.config])

    def test_refused(self):
        for conf, msg in [
                ("reuseport = yes\n", "reuseport: needs federation"),
                ("federation = redis://localhost:6379\n", "numeric"),
                ("federation = redis://127.0.0.1\n", "redis://HOST:PORT"),
                ("federation = redis://[::1]:6379/x\n", "DB must be"),
                ("federation = redis://127.0.0.1:1\nroom = a b\n", "room:"),
                ("federation = redis://127.0.0.1:1\n"
                 "federation_password = rel/path\n", "federation_password:"),
                ("federation_password = /etc/netdemo/pw\n",
                 "netdemo.ini: [chat] federation_password: needs federation"),
                ("federation = redis://127.0.0.1:1\nfederation_password =\n",
                 "netdemo.ini: [chat] federation_password: empty value")]:
            rc, _, err = self.check("[chat]\nlisten = 127.0.0.1:0\n" + conf)
            self.assertNotEqual(rc, 0, conf)
            self.assertIn(msg, err, conf)

    def test_reuseport_refused_for_per_process_counters(self):
        # Found by an attack pass: scrapes alternated between processes.
        for kind in ("metrics", "stats"):
            rc, _, err = self.check("[%s]\nlisten = 127.0.0.1:0\nreuseport = yes\n"
                                    % kind)
            self.assertNotEqual(rc, 0, kind)
            self.assertIn("[%s] reuseport: not for %s" % (kind, kind), err)

    def test_accepted(self):
        rc, _, err = self.check("[chat]\nlisten = 127.0.0.1:0\nreuseport = yes\n"
                                "federation = redis://[::1]:6379/2\n")
        self.assertEqual(rc, 0, err)

    def check_password(self, content):
        """netdemo -t (which reads the password file) on this content."""
        conf = ("[chat]\nlisten = 127.0.0.1:0\n"
                "federation = redis://127.0.0.1:1\n"
                "federation_password = %s\n")
        with Daemon(conf % "/nonexistent") as d:
            pw = d.write("pw", content)
            os.chmod(pw, 0o600)
            d.config = d.write("netdemo.ini", conf % pw)
            return run_netdemo(["-t", "-c", d.config])

    def test_password_is_printable_text_of_any_length(self):
        # A typical Redis password: short, and text redis.conf can hold.
        for pw in ["s3cret-pass12", "s3cret-pass12\n", "x", "p" * 512 + "\n"]:
            rc, _, err = self.check_password(pw)
            self.assertEqual(rc, 0, (pw, err))
        for pw, msg in [("", "holds 0 bytes"), ("\n", "holds 0 bytes"),
                        ("p" * 513, "holds over 512 bytes"),
                        (b"bin\x00ary\x1b", "byte 4 is a control byte"),
                        ("pass\r\n", "byte 5 is a control byte")]:
            rc, _, err = self.check_password(pw)
            self.assertNotEqual(rc, 0, pw)
            self.assertRegex(err, r"\[chat\] federation_password: .*/pw: " + msg)
            self.assertIn("openssl rand -hex 32", err)
            self.assertNotIn("urandom", err)


class ReuseportTest(unittest.TestCase):
    def test_two_dict_instances_share_a_port(self):
        port = free_port(socket.SOCK_DGRAM)
        conf = ("[dict]\nlisten = 127.0.0.1:%d\nfile = w.txt\nreuseport = yes\n"
                % port)
        ds = [Daemon(conf, {"w.txt": "apple:苹果\n"}).start() for _ in range(2)]
        for d in ds:
            self.addCleanup(d.__exit__)
        # 64 sources: each socket stays open until the end, so no two share a
        # port (a closed socket's port can come back within the 500 ms in
        # which the repeat guard drops a source's identical datagram).
        socks = []
        for i in range(64):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            self.addCleanup(s.close)
            s.settimeout(2 * SLOW)
            s.sendto(b"apple", ("127.0.0.1", port))
            self.assertEqual(s.recv(100).decode(), "苹果")
        got = [d.stats("dict")["datagrams_in"] for d in ds]
        self.assertEqual(sum(got), 64)
        self.assertTrue(all(n > 0 for n in got), got)

    def test_without_reuseport_the_second_cannot_bind(self):
        port = free_port(socket.SOCK_DGRAM)
        conf = "[dict]\nlisten = 127.0.0.1:%d\nfile = w.txt\n" % port
        with Daemon(conf, {"w.txt": "apple:x\n"}) as a:
            a.start()
            rc, _, err = run_netdemo(["-c", a.config])
            self.assertNotEqual(rc, 0)
            self.assertIn("Address already in use", err)

if __name__ == "__main__":
    if REDIS is None:
        print("redis-server not installed: skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
