# SPDX-License-Identifier: MIT
"""End-to-end with a real Prometheus: it scrapes netdemo every second on
loopback, and the counters it stored (read through its HTTP API) match the
traffic sent, under the labels netdemo exposed. Skipped (77) without the
prometheus binary (Debian package prometheus)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import Daemon, SLOW, udp_ask

PROMETHEUS = shutil.which("prometheus")
DEADLINE = 40.0 * SLOW     # Prometheus' start and first scrapes, bounded


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """A prometheus on 127.0.0.1 scraping target each second; a context manager."""

    def __init__(self, target):
        self.dir = tempfile.TemporaryDirectory(prefix="netdemo-prom-")
        self.port = free_port()
        conf = os.path.join(self.dir.name, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: netdemo\n"
                    "    static_configs:\n      - targets: ['%s:%d']\n"
                    % target)
        self.log = open(os.path.join(self.dir.name, "log"), "w+")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + conf,
             "--storage.tsdb.path=" + os.path.join(self.dir.name, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port,
             "--storage.tsdb.retention.time=1h"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            cwd=self.dir.name)

    def query(self, promql):
        """The instant query's result list, or None while it is not ready."""
        url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (
            self.port, urllib.parse.quote(promql))
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                body = json.load(r)
        except OSError:
            return None
        return body["data"]["result"] if body.get("status") == "success" else None

    def wait_for(self, promql, check):
        """Polls until check(result) holds; fails after DEADLINE."""
        end = time.monotonic() + DEADLINE
        last = None
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            last = self.query(promql)
            if last and check(last):
                return last
            time.sleep(0.5)
        self.log.seek(0)
        raise AssertionError("%s: last %r; prometheus log:\n%s"
                             % (promql, last, self.log.read()[-3000:]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.dir.cleanup()


def by_labels(result, *names):
    return {tuple(r["metric"].get(n) for n in names): float(r["value"][1])
            for r in result}


class PrometheusTest(unittest.TestCase):
    def test_counters_arrive_in_prometheus(self):
        config = ("[dict]\nlisten = 127.0.0.1:0\nfile = w.txt\n"
                  "[chat]\nlisten = 127.0.0.1:0\n"
                  "[metrics]\nlisten = 127.0.0.1:0\n")
        with Daemon(config, {"w.txt": "a:b\n"}).start() as d:
            for word in (b"a", b"a", b"a", b"nope"):
                udp_ask(d.addr("dict")[1], word)
            with Prometheus(d.addr("metrics")[1]) as p:
                p.wait_for('up{job="netdemo"}',
                           lambda r: r[0]["value"][1] == "1")
                res = p.wait_for(
                    'netdemo_requests_total{section="dict"}',
                    lambda r: by_labels(r, "result").get(("answered",)) == 3)
                got = by_labels(res, "service", "section", "result")
                self.assertEqual(got[("dict", "dict", "answered")], 3)
                self.assertEqual(got[("dict", "dict", "unknown")], 1)
                self.assertEqual(got[("dict", "dict", "too_long")], 0)
                # Prometheus kept netdemo's labels and added its own.
                labels = res[0]["metric"]
                self.assertEqual(labels["job"], "netdemo")
                self.assertEqual(labels["instance"], "%s:%d" % d.addr("metrics")[1])
                # More traffic shows up at a later scrape.
                udp_ask(d.addr("dict")[1], b"a")
                p.wait_for('netdemo_requests_total{section="dict",'
                           'result="answered"}',
                           lambda r: float(r[0]["value"][1]) == 4)
                res = p.wait_for('netdemo_bytes_received_total',
                                 lambda r: len(r) == 2)
                self.assertEqual(by_labels(res, "section")[("dict",)], 8)
                res = p.wait_for('netdemo_reloads_total', lambda r: len(r) == 2)
                self.assertEqual(by_labels(res, "result"),
                                 {("ok",): 0, ("failed",): 0})
                p.wait_for('process_resident_memory_bytes',
                           lambda r: float(r[0]["value"][1]) > 0)
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    if PROMETHEUS is None:
        print("prometheus not installed (Debian package prometheus): skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
