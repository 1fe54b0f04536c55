# SPDX-License-Identifier: MIT
"""harness.py: start the real netdemo on loopback with a temporary config.

The daemon runs with port 0 everywhere; the bound ports are read from its
"NAME: KIND listening on PROTO ADDRESS" log lines. NETDEMO names the binary;
NETDEMO_WRAPPER (e.g. "valgrind --leak-check=full --error-exitcode=1") is
put in front of it, so the daemon itself is what the wrapper watches.
"""
import os
import re
import resource
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time

NETDEMO = os.environ.get("NETDEMO", "netdemo")
WRAPPER = shlex.split(os.environ.get("NETDEMO_WRAPPER", ""))
# Under valgrind everything is slower: stretch every wait by this factor.
SLOW = 10.0 if WRAPPER else 1.0
# A sanitizer build's allocator keeps freed memory in quarantine, so RSS
# bounds get this much more room there (still far below the loads tried).
SANITIZED = os.environ.get("NETDEMO_SANITIZE", "none") not in ("", "none")
RSS_SLACK_KIB = 32768 if SANITIZED or WRAPPER else 0
LISTEN_RE = re.compile(r"(\S+): (\S+) listening on (udp|tcp) (\S+)$")


def parse_addr(text):
    """'127.0.0.1:5' or '[::1]:5' -> (family, host, port)."""
    host, _, port = text.rpartition(":")
    if host.startswith("["):
        return socket.AF_INET6, host[1:-1], int(port)
    return socket.AF_INET, host, int(port)


class Daemon:
    """One netdemo process; use as a context manager."""

    def __init__(self, config, files=None, args=(), env=None, nofile=None):
        self.dir = tempfile.TemporaryDirectory(prefix="netdemo-e2e-")
        for name, content in (files or {}).items():
            self.write(name, content)
        self.config = self.write("netdemo.ini", config)
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.nofile = nofile        # RLIMIT_NOFILE, soft and hard
        self.lines = []
        self.cond = threading.Condition()
        self.proc = None
        self.eof = False
        self.ports = {}

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def write(self, name, content):
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(self.path(name), mode) as f:
            f.write(content)
        return self.path(name)

    def start(self, expect_listening=None, timeout=5.0):
        cmd = WRAPPER + [NETDEMO, "-c", self.config] + self.args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     errors="replace", env=self.env,
                                     preexec_fn=self._limits)
        threading.Thread(target=self._read, args=(self.proc.stderr,),
                         daemon=True).start()
        self.wait_log(r"netdemo running", timeout)
        for line in self.snapshot():
            m = LISTEN_RE.search(line)
            if m:
                self.ports.setdefault(m.group(1), []).append(
                    (m.group(3),) + parse_addr(m.group(4)))
        if expect_listening is not None:
            assert len(sum(self.ports.values(), [])) == expect_listening, \
                self.ports
        return self

    def _limits(self):
        if self.nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE,
                               (self.nofile, self.nofile))

    def cpu_seconds(self):
        """The daemon's user + system CPU time so far."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _read(self, stream):
        for line in stream:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def snapshot(self):
        with self.cond:
            return list(self.lines)

    def wait_log(self, pattern, timeout=5.0, start=0):
        """Waits for a log line (from index start) matching pattern."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout * SLOW
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise AssertionError("no log line matching %r in:\n%s"
                                         % (pattern, "\n".join(self.lines)))
                self.cond.wait(min(left, 0.5))

    def stats(self, name):
        """Service name's counters from a SIGUSR1 stats line, as a dict."""
        mark = len(self.snapshot())
        self.send_signal(signal.SIGUSR1)
        line = self.wait_log(r"stats: %s:" % re.escape(name), start=mark)
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def addr(self, name, index=0):
        """(family, (host, port)) of service name's index-th socket."""
        _, family, host, port = self.ports[name][index]
        return family, (host, port)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends sig and returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("netdemo did not exit within %.0f s" % timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        if self.proc is not None:
            self.proc.wait()
            self.proc.stderr.close()
        self.dir.cleanup()


def run_netdemo(args, timeout=10.0, env=None):
    """Runs netdemo to completion: (exit status, stdout, stderr)."""
    p = subprocess.run(WRAPPER + [NETDEMO] + list(args), capture_output=True,
                       text=True, timeout=timeout * SLOW,
                       stdin=subprocess.DEVNULL, env=env)
    return p.returncode, p.stdout, p.stderr


def udp_ask(addr, payload, timeout=2.0, family=socket.AF_INET):
    """Sends one datagram and returns the reply's bytes."""
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout * SLOW)
        s.sendto(payload, addr)
        return s.recv(65536)


def server_queues(port):
    """(send, receive) queue bytes of the daemon's side of each established
    connection on port, from /proc/net/tcp and tcp6."""
    queues = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            next(f)
            for line in f:
                fields = line.split()
                if (int(fields[1].rsplit(":", 1)[1], 16) == port
                        and fields[3] == "01"):
                    tx, rx = fields[4].split(":")
                    queues.append((int(tx, 16), int(rx, 16)))
    return queues
