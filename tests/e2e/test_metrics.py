# SPDX-License-Identifier: MIT
"""End-to-end: the metrics service: a live scrape after traffic to every
service kind, checked by promtool and read back; 404, 403, reload counts;
and the stats service's fixed totals."""
import shutil
import signal
import socket
import subprocess
import time
import unittest

from harness import Daemon, SLOW, udp_ask
from prom import samples, scrape, value

CONFIG = ("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
          "[dict2]\nservice = dict\nlisten = 127.0.0.1:0\nfile = w.txt\n"
          "[echo]\nlisten = 127.0.0.1:0\n"
          "[chat]\nlisten = 127.0.0.1:0\n"
          "[exec]\nenabled = yes\nlisten = 127.0.0.1:0\nallow = echo hi\n"
          "[stats]\nlisten = 127.0.0.1:0\n"
          "[metrics]\nlisten = 127.0.0.1:0\n")
FAMILIES = [
    "netdemo_requests_total", "netdemo_dropped_total",
    "netdemo_bytes_received_total", "netdemo_bytes_sent_total",
    "netdemo_connections", "netdemo_chat_members", "netdemo_dict_entries",
    "netdemo_dict_loaded_timestamp_seconds", "netdemo_exec_jobs",
    "netdemo_reloads_total", "netdemo_build_info",
    "netdemo_start_time_seconds", "process_cpu_seconds_total",
    "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
    "process_start_time_seconds",
]


def echo_bytes(addr, payload):
    with socket.create_connection(addr, timeout=2 * SLOW) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            got += s.recv(65536)
        return got


def stats_lines(addr):
    with socket.create_connection(addr, timeout=2 * SLOW) as s:
        data = b""
        for _ in range(100):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return dict(l.split(" ", 1) for l in data.decode().splitlines())


def traffic(d):
    """Some of everything; returns what each service should have counted."""
    udp_ask(d.addr("dict")[1], b"a")
    udp_ask(d.addr("dict")[1], b"zzz")
    udp_ask(d.addr("dict2")[1], b"a")
    assert echo_bytes(d.addr("echo")[1], b"x" * 1000) == b"x" * 1000
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.settimeout(2 * SLOW)
        c.sendto(b"online", d.addr("chat")[1])
        c.recv(1000)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.settimeout(5 * SLOW)
        c.sendto(b"echo hi", d.addr("exec")[1])
        for _ in range(10):
            if c.recv(65536).startswith(b"[exit"):
                break
    stats_lines(d.addr("stats")[1])


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(CONFIG, {"w.txt": "a:b\n"}).start()
        self.addCleanup(self.d.__exit__)
        self.addr = self.d.addr("metrics")[1]

    def test_every_family_from_the_first_scrape(self):
        status, ctype, body = scrape(self.addr)
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        smp = samples(body)
        names = {n for n, _ in smp}
        for f in FAMILIES:
            self.assertIn(f, names)
            self.assertEqual(body.count("# TYPE %s " % f), 1)
        self.assertEqual(value(smp, "netdemo_reloads_total", result="ok"), 0)
        self.assertEqual(value(smp, "netdemo_reloads_total", result="failed"), 0)

    def test_counts_after_traffic_and_promtool(self):
        traffic(self.d)
        _, _, body = scrape(self.addr)
        smp = samples(body)
        self.assertEqual(value(smp, "netdemo_requests_total", service="dict",
                               section="dict", result="answered"), 1)
        self.assertEqual(value(smp, "netdemo_requests_total", service="dict",
                               section="dict", result="unknown"), 1)
        self.assertEqual(value(smp, "netdemo_requests_total", section="dict2",
                               result="answered"), 1)
        self.assertEqual(value(smp, "netdemo_requests_total", service="exec",
                               result="answered"), 1)
        self.assertEqual(value(smp, "netdemo_bytes_received_total",
                               service="echo"), 1000)
        self.assertEqual(value(smp, "netdemo_bytes_sent_total",
                               service="echo"), 1000)
        self.assertEqual(value(smp, "netdemo_bytes_received_total",
                               section="dict"), 4)
        self.assertEqual(value(smp, "netdemo_chat_members", service="chat"), 1)
        self.assertEqual(value(smp, "netdemo_connections_accepted_total",
                               service="stats"), 1)
        self.assertFalse([k for k in smp if k[0] == "netdemo_unmapped"],
                         "every key the services emit has a row")
        if shutil.which("promtool") is None:
            self.skipTest("promtool not installed (Debian package prometheus)")
        p = subprocess.run(["promtool", "check", "metrics"], input=body,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))

    def test_other_paths_and_methods(self):
        self.assertEqual(scrape(self.addr, "/")[0], 404)
        self.assertEqual(scrape(self.addr, "/metrics/x")[0], 404)
        with socket.create_connection(self.addr, timeout=2 * SLOW) as s:
            s.sendall(b"POST /metrics HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 0\r\n\r\n")
            # evhttp answers a method it was told not to allow with 501.
            self.assertIn(b" 501 ", s.recv(1000).split(b"\r\n")[0] + b" ")
        # HEAD too: evhttp 2.1 would answer it with the body and no length.
        with socket.create_connection(self.addr, timeout=2 * SLOW) as s:
            s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b" 501 ", s.recv(1000).split(b"\r\n")[0] + b" ")
        # Headers past the cap: evhttp answers an error and closes.
        with socket.create_connection(self.addr, timeout=5 * SLOW) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"y" * 20000 + b"\r\n\r\n")
            reply = s.recv(1000)
            self.assertFalse(reply.startswith(b"HTTP/1.1 200"), reply)
        smp = samples(scrape(self.addr)[2])
        self.assertEqual(value(smp, "netdemo_requests_total",
                               service="metrics", result="not_found"), 2)

    def test_reloads_counted(self):
        self.d.write("netdemo.ini", CONFIG + "[bogus]\nlisten = 127.0.0.1:0\n")
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reload failed", start=mark)
        self.d.write("netdemo.ini", CONFIG)
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded: ", start=mark)
        smp = samples(scrape(self.addr)[2])
        self.assertEqual(value(smp, "netdemo_reloads_total", result="ok"), 1)
        self.assertEqual(value(smp, "netdemo_reloads_total", result="failed"), 1)
        lines = stats_lines(self.d.addr("stats")[1])
        self.assertEqual(lines["daemon.reloads_ok"], "1")
        self.assertEqual(lines["daemon.reloads_failed"], "1")


class AllowFromTest(unittest.TestCase):
    def test_refused_peer_gets_403(self):
        with Daemon("[metrics]\nlisten = 127.0.0.1:0\n"
                    "allow_from = 10.0.0.0/8\n").start() as d:
            status, _, _ = scrape(d.addr("metrics")[1])
            self.assertEqual(status, 403)
            self.assertEqual(d.stats("metrics")["refused_allow_from"], 1)
            self.assertEqual(d.stats("metrics")["scrapes"], 0)
            self.assertEqual(d.stop(), 0)


class StatsTotalsTest(unittest.TestCase):
    """The stats service's "total" lines sum what can be summed, and only that."""

    def test_totals(self):
        # No [metrics]: the same test ran against the code before the fix.
        config = CONFIG.replace("[metrics]\nlisten = 127.0.0.1:0\n", "")
        with Daemon(config, {"w.txt": "a:b\n"}).start() as d:
            traffic(d)
            before = time.time()
            lines = stats_lines(d.addr("stats")[1])
            self.assertIn("dict.dict_loaded_at", lines)
            self.assertNotIn("total.dict_loaded_at", lines)
            self.assertEqual(lines["echo.bytes_out"], "1000")
            self.assertEqual(int(lines["total.bytes_out"]),
                             sum(int(lines[s + ".bytes_out"]) for s in
                                 ("dict", "dict2", "echo", "chat", "exec")))
            self.assertLessEqual(int(lines["daemon.start_time_seconds"]),
                                 before)
            self.assertGreaterEqual(int(lines["daemon.uptime_seconds"]), 0)
            self.assertEqual(lines["daemon.version"].count("."), 2)
            self.assertEqual(lines["daemon.reloads_failed"], "0")
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
