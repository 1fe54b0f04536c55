# SPDX-License-Identifier: MIT
"""prom.py: scraping netdemo's metrics service and reading the text format."""
import re
import urllib.request

from harness import SLOW

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(addr, path="/metrics"):
    """GET path from (host, port): (status, content type, body text)."""
    url = "http://%s:%d%s" % (addr[0], addr[1], path)
    try:
        with urllib.request.urlopen(url, timeout=5 * SLOW) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def samples(text):
    """{(name, frozenset of (label, value)): float} of a scrape's samples."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(LABEL_RE.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(smp, name, **labels):
    """The one sample of name with (at least) these labels."""
    want = set(labels.items())
    hits = [v for (n, ls), v in smp.items() if n == name and want <= ls]
    assert len(hits) == 1, "%s%r: %d samples" % (name, labels, len(hits))
    return hits[0]
