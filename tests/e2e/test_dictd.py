# SPDX-License-Identifier: MIT
"""End-to-end: the DICT service (RFC 2229) with the real `dict` and `curl`
clients, a replayed GoldenDict session, error codes, limits, reloads; and
udpecho (RFC 862 over UDP)."""
import os
import resource
import shutil
import signal
import socket
import subprocess
import time
import unittest

from harness import (Daemon, RSS_SLACK_KIB, SLOW, WRAPPER, run_netdemo,
                     server_queues, udp_ask)

EN = ("# test words\n# Licensed under CC BY-SA 4.0 for the test.\n"
      "apple:苹果\nwater:水\nwater buffalo:水牛\nwatch:手表\nhello:你好\n")
ZH = "苹果:apple; Apple (the company)\n水:water\n"
CONFIG = """
[dict]
listen = 127.0.0.1:0
file = en.txt
[dict-zh]
service = dict
listen = 127.0.0.1:0
file = zh.txt
[dictd]
listen = 127.0.0.1:0
databases = dict, dict-zh
idle_timeout = %d
[udpecho]
listen = 127.0.0.1:0
max_request = 2000
"""


def run(args, timeout=10.0):
    """Runs a client to completion: (exit status, stdout)."""
    p = subprocess.run(args, capture_output=True, text=True,
                       timeout=timeout * SLOW, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr


def read_until(sock, marks, timeout=5.0):
    """Reads until every byte string in marks was seen, or the timeout."""
    got = b""
    deadline = time.monotonic() + timeout * SLOW
    while not all(m in got for m in marks):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("no %r in %r" % (marks, got))
        sock.settimeout(left)
        b = sock.recv(65536)
        if not b:
            break
        got += b
    return got


def codes(text):
    """The status codes of a DICT reply's status lines, in order."""
    out = []
    for line in text.split(b"\r\n"):
        if len(line) >= 3 and line[:3].isdigit() and line[3:4] in (b" ", b""):
            out.append(int(line[:3]))
    return out


class DictdTest(unittest.TestCase):
    idle = 300

    def setUp(self):
        self.d = Daemon(CONFIG % self.idle, {"en.txt": EN, "zh.txt": ZH}).start()
        self.port = self.d.addr("dictd")[1][1]

    def tearDown(self):
        self.assertEqual(self.d.stop(), 0)
        self.d.__exit__()

    def dict(self, *args):
        return run(["dict", "-h", "127.0.0.1", "-p", str(self.port)] + list(args))

    def session(self, data, marks, timeout=5.0):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            read_until(s, [b"220 "], timeout)
            s.sendall(data)
            return read_until(s, marks, timeout)


@unittest.skipUnless(shutil.which("dict") and shutil.which("curl"),
                     "tools/deps installs dict and curl")
class RealClients(DictdTest):
    def test_define(self):
        rc, out = self.dict("apple")
        self.assertEqual(rc, 0, out)
        self.assertIn("苹果", out)
        self.assertIn("[dict]", out)

    def test_misspelt_word_gets_match_dot_suggestions(self):
        rc, out = self.dict("aple")
        self.assertNotEqual(rc, 0)
        self.assertIn("perhaps you mean", out)
        self.assertIn("apple", out)

    def test_define_in_dict_zh(self):
        rc, out = self.dict("-d", "dict-zh", "苹果")
        self.assertEqual(rc, 0, out)
        self.assertIn("Apple (the company)", out)

    def test_match_prefix(self):
        rc, out = self.dict("-m", "-s", "prefix", "wat")
        self.assertEqual(rc, 0, out)
        for w in ("water", "water buffalo", "watch"):
            self.assertIn('"%s"' % w if " " in w else w, out)

    def test_show_db_strat_server(self):
        rc, out = self.dict("-D")
        self.assertEqual(rc, 0, out)
        self.assertIn("dict-zh", out)
        self.assertIn("en.txt", out)
        rc, out = self.dict("-S")
        self.assertEqual(rc, 0, out)
        for s in ("exact", "prefix", "substring", "suffix", "lev", "word"):
            self.assertIn(s, out)
        rc, out = self.dict("-I")
        self.assertEqual(rc, 0, out)
        self.assertIn("netdemo", out)

    def test_show_info(self):
        rc, out = self.dict("-i", "DICT")
        self.assertEqual(rc, 0, out)
        self.assertIn("en.txt", out)
        self.assertIn("entries: 5", out)
        self.assertIn("Licensed under CC BY-SA 4.0", out)

    def test_curl(self):
        url = "dict://127.0.0.1:%d" % self.port
        rc, out = run(["curl", "-sS", "-m", "5", url + "/d:water"])
        self.assertEqual(rc, 0, out)
        self.assertIn("水", out)
        self.assertIn("250 ok", out)
        rc, out = run(["curl", "-sS", "-m", "5", url + "/m:wat:dict:prefix"])
        self.assertEqual(rc, 0, out)
        self.assertIn('dict "water buffalo"', out)
        self.assertIn('dict "watch"', out)
        # curl escapes each byte over 0x7f with a backslash.
        rc, out = run(["curl", "-sS", "-m", "5", url + "/d:苹果:dict-zh"])
        self.assertEqual(rc, 0, out)
        self.assertIn("apple", out)
        self.assertNotIn("invalid UTF-8", out)


class Protocol(DictdTest):
    def test_goldendict_session(self):
        # GoldenDict: CLIENT, OPTION MIME (it gives up without 250), SHOW DB,
        # MATCH per database with prefix, then DEFINE with MIME headers.
        got = self.session(b'CLIENT "GoldenDict 1.5"\r\nOPTION MIME\r\n'
                           b'SHOW DB\r\nMATCH dict prefix "wat"\r\n'
                           b'DEFINE dict "water"\r\nQUIT\r\n', [b"221 "])
        self.assertEqual(codes(got), [250, 250, 110, 250, 152, 250, 150, 151,
                                      250, 221])
        self.assertIn(b'dict "en.txt"\r\n', got)
        self.assertIn(b'dict "watch"\r\n', got)
        self.assertIn(b'151 "water" dict "en.txt"\r\nContent-type: text/plain;'
                      b' charset=utf-8\r\n\r\nwater\r\n\xe6\xb0\xb4\r\n.\r\n',
                      got)

    def test_pipelined_answers_in_order(self):
        cmds = b"".join(b"DEFINE * apple\r\nMATCH * substring a\r\n"
                        b"SHOW STRAT\r\n" for _ in range(30)) + b"QUIT\r\n"
        got = self.session(cmds, [b"221 "])
        self.assertEqual(codes(got), [150, 151, 250, 152, 250, 111, 250] * 30
                         + [221])

    def test_error_codes(self):
        got = self.session(b"FROB\r\nDEFINE nosuch apple\r\n"
                           b"MATCH dict nosuch apple\r\nDEFINE dict nope\r\n"
                           b"AUTH a b\r\nDEFINE\r\nMATCH ! . aple\r\n"
                           b"QUIT\r\n", [b"221 "])
        self.assertEqual(codes(got), [500, 550, 551, 552, 502, 501, 152, 250,
                                      221])

    def test_database_names_forgive_case_and_define_forgives_blanks(self):
        got = self.session(b'DEFINE DICT-ZH " \xe6\xb0\xb4 "\r\n'
                           b"DEFINE ! APPLE\r\nQUIT\r\n", [b"221 "])
        self.assertEqual(codes(got), [150, 151, 250, 150, 151, 250, 221])

    def test_bad_lines_answered_connection_usable(self):
        got = self.session(b"DEFINE dict " + b"a" * 2000 + b"\r\n"
                           b"DEFINE dict \x01\x02\r\nDEFINE dict \xff\xfe\r\n"
                           b"DEFINE dict apple\r\nQUIT\r\n", [b"221 "])
        self.assertEqual(codes(got), [500, 500, 500, 150, 151, 250, 221])

    def test_endless_line_closed_with_code(self):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            read_until(s, [b"220 "])
            try:
                s.sendall(b"x" * 20000)
            except (BrokenPipeError, ConnectionResetError):
                pass
            read_until(s, [b"500 line too long"])
            s.settimeout(5 * SLOW)
            try:
                while s.recv(65536):
                    pass            # closed: EOF
            except ConnectionResetError:
                pass                # closed with our bytes unread

    def test_reload_swaps_the_table(self):
        self.d.write("en.txt", EN + "pear:梨\n")
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded", start=mark)
        got = self.session(b"DEFINE dict pear\r\nMATCH dict suffix ear\r\n"
                           b"QUIT\r\n", [b"221 "])
        self.assertIn("梨".encode(), got)
        self.assertEqual(codes(got), [150, 151, 250, 152, 250, 221])

    def test_reload_removing_a_database_is_refused(self):
        self.d.write("netdemo.ini", (CONFIG % self.idle).replace(
            "[dict-zh]\nservice = dict", "[dict-zh]\nservice = dict\n"
            "enabled = no"))
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        line = self.d.wait_log(r"\[dictd\] databases", start=mark)
        self.assertIn("netdemo.ini", line)
        self.assertIn("dict-zh", line)
        got = self.session(b"DEFINE dict-zh apple\r\nDEFINE dict-zh "
                           + "苹果".encode() + b"\r\nQUIT\r\n", [b"221 "])
        self.assertEqual(codes(got), [552, 150, 151, 250, 221])

    def test_reload_during_matches(self):
        """A SIGHUP while MATCHes run across loop turns: the reload frees the
        old configuration, whose database names a MATCH had pointed at (a
        use-after-free the attack pass found; ASan and valgrind runs of this
        test catch it)."""
        words = "".join("w%06d x:v%d\n" % (i, i) for i in range(60000))
        self.d.write("en.txt", words)
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded", start=mark)
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            read_until(s, [b"220 "])
            s.sendall(b"MATCH * substring zzqq\r\n" * 30 + b"QUIT\r\n")
            time.sleep(0.05)
            for _ in range(3):
                mark = len(self.d.snapshot())
                self.d.send_signal(signal.SIGHUP)
                self.d.wait_log(r"reloaded", start=mark, timeout=10)
            got = read_until(s, [b"221 "], timeout=20)
        self.assertEqual(codes(got)[-1], 221)
        got = self.session(b'DEFINE dict "w000001 x"\r\nQUIT\r\n', [b"221 "])
        self.assertIn(b"v1", got)

    @unittest.skipIf(WRAPPER, "timing under valgrind says nothing")
    def test_big_match_does_not_hold_the_loop(self):
        words = "".join("w%06d x:v%d\n" % (i, i) for i in range(120000))
        self.d.write("en.txt", words)
        mark = len(self.d.snapshot())
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"reloaded", start=mark)
        time.sleep(0.5)             # the index builds in slices
        ue = self.d.addr("udpecho")[1]
        with socket.create_connection(("127.0.0.1", self.port)) as s, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            read_until(s, [b"220 "])
            s.sendall(b"MATCH dict substring zzz\r\n" * 40 + b"QUIT\r\n")
            u.settimeout(2 * SLOW)
            worst, got = 0.0, b""
            s.setblocking(False)
            for i in range(200):
                t = time.monotonic()
                u.sendto(b"ping %d" % i, ue)
                self.assertEqual(u.recv(100), b"ping %d" % i)
                worst = max(worst, time.monotonic() - t)
                try:
                    got += s.recv(65536)
                except BlockingIOError:
                    pass
                if b"221 " in got:
                    break
            self.assertGreater(i, 5, "the MATCHes took no time at all")
        # Unsliced, 40 scans of 120,000 keys hold the loop ~100 ms.
        self.assertLess(worst, 0.03, "a datagram waited %.1f ms" % (worst * 1e3))

    def test_a_client_that_never_reads_pins_little_kernel_memory(self):
        """The daemon's side of a connection keeps small kernel buffers, as
        echo's does: a pipelining client that never reads pinned ~2.8 MB of
        send queue each before (found by the attack pass)."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as c:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
            c.connect(("127.0.0.1", self.port))
            c.settimeout(0.2)
            c.setblocking(False)
            req = b"DEFINE * apple\r\n" * 200
            deadline = time.monotonic() + 3 * SLOW
            while time.monotonic() < deadline:
                try:
                    c.send(req)
                except BlockingIOError:
                    time.sleep(0.05)
            queued = [tx for tx, _ in server_queues(self.port)]
            self.assertTrue(queued)
            self.assertLess(max(queued), 256 * 1024, queued)

    def test_a_client_that_never_reads_costs_bounded_memory(self):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            read_until(s, [b"220 "])
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            before = self.d.rss_kib()
            s.settimeout(0.2)
            sent = 0
            try:
                while sent < 50 << 20:
                    sent += s.send(b"DEFINE * water\r\nSHOW INFO dict\r\n" * 64)
            except (socket.timeout, BlockingIOError):
                pass
            time.sleep(0.3)
            grown = self.d.rss_kib() - before
        self.assertLess(grown, 2048 + RSS_SLACK_KIB, "RSS grew %d KiB" % grown)

    def test_udpecho_returns_the_datagram_unchanged(self):
        ue = self.d.addr("udpecho")[1]
        for payload in (b"hello\n", b"a\0b\r\n", "苹果".encode(), b"x" * 1500):
            self.assertEqual(udp_ask(ue, payload), payload)


class Idle(DictdTest):
    idle = 1

    def test_idle_connection_closed(self):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            read_until(s, [b"220 "])
            s.settimeout(5 * SLOW)
            self.assertEqual(s.recv(100), b"")

    def test_thousand_idle_connections_under_8_kib_each(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 1100:
            self.skipTest("needs 1100 descriptors")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1100), hard))
        before = self.d.rss_kib()
        conns = []
        try:
            for _ in range(1000):
                conns.append(socket.create_connection(("127.0.0.1",
                                                       self.port)))
            for c in conns[::100]:
                read_until(c, [b"220 "])
            per = (self.d.rss_kib() - before - RSS_SLACK_KIB) / 1000
        finally:
            for c in conns:
                c.close()
        self.assertLess(per, 8, "%.1f KiB a connection" % per)


def closed_unanswered(sock, timeout=2.0):
    """True when the server closes sock without sending anything."""
    sock.settimeout(timeout * SLOW)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


class Admission(unittest.TestCase):
    """allow_from, max_connections and per_source at accept (tcp.c's gate),
    counted under the same stats keys as echo's."""

    def daemon(self, **keys):
        extra = "".join("\n%s = %s" % kv for kv in keys.items())
        d = Daemon(CONFIG.replace("idle_timeout = %d",
                                  "idle_timeout = %d" + extra) % 300,
                   {"en.txt": EN, "zh.txt": ZH}).start()
        self.addCleanup(d.__exit__)
        return d, d.addr("dictd")[1]

    def open_two_refuse_third(self, addr):
        a = socket.create_connection(addr)
        b = socket.create_connection(addr)
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        read_until(a, [b"220 "])
        read_until(b, [b"220 "])
        with socket.create_connection(addr) as c:
            self.assertTrue(closed_unanswered(c))
        return a, b

    def test_max_connections(self):
        d, addr = self.daemon(max_connections=2)
        a, _ = self.open_two_refuse_third(addr)
        st = d.stats("dictd")
        self.assertEqual((st["refused_max_connections"],
                          st["refused_per_source"], st["connections"]),
                         (1, 0, 2))
        a.close()
        deadline = time.monotonic() + 5 * SLOW
        while d.stats("dictd")["connections"] != 1:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        with socket.create_connection(addr) as c:
            read_until(c, [b"220 "])

    def test_per_source(self):
        d, addr = self.daemon(per_source=2)
        self.open_two_refuse_third(addr)
        st = d.stats("dictd")
        self.assertEqual((st["refused_per_source"],
                          st["refused_max_connections"]), (1, 0))

    def test_allow_from(self):
        # 192.0.2.0/24 is TEST-NET-1: only named here, no traffic goes there.
        d, addr = self.daemon(allow_from="192.0.2.0/24")
        with socket.create_connection(addr) as c:
            self.assertTrue(closed_unanswered(c))
        d.wait_log(r"dictd: connection from 127\.0\.0\.1:\d+ refused: not in"
                   r" allow_from")
        self.assertEqual(d.stats("dictd")["refused_allow_from"], 1)


class DatabaseNameAsWritten(DictdTest):
    """A database is named as `databases` writes it, in every answer (the
    151 line said the lowered section name: dict, where SHOW DB said Dict)."""

    def setUp(self):
        self.d = Daemon((CONFIG % 300).replace("dict, dict-zh",
                                              "Dict, DICT-zh"),
                        {"en.txt": EN, "zh.txt": ZH}).start()
        self.port = self.d.addr("dictd")[1][1]

    def test_define_match_show_agree(self):
        got = self.session(b"SHOW DB\r\nMATCH * exact apple\r\n"
                           b"DEFINE * apple\r\nDEFINE dict-ZH \xe6\xb0\xb4\r\n"
                           b"SHOW INFO dict\r\nQUIT\r\n", [b"221 "])
        self.assertIn(b'\r\nDict "en.txt"\r\n', got)
        self.assertIn(b'\r\nDict "apple"\r\n', got)
        self.assertIn(b'151 "apple" Dict "en.txt"\r\n', got)
        self.assertIn(b'151 "\xe6\xb0\xb4" DICT-zh "zh.txt"\r\n', got)
        self.assertIn(b"112 ", got)
        self.assertIn(b"\r\nDict\r\nfile: ", got)
        self.assertNotIn(b" dict ", got)

    @unittest.skipUnless(shutil.which("dict"), "tools/deps installs dict")
    def test_dict_client_shows_the_name(self):
        rc, out = self.dict("apple")
        self.assertEqual(rc, 0, out)
        self.assertIn("[Dict]", out)


class HostileLicence(DictdTest):
    """SHOW INFO's licence line comes from the file's comment lines, which
    the loader never checks (attack pass 2: U+009B, U+202E and a bad byte
    reached `dict -i`'s terminal raw)."""

    def setUp(self):
        hostile = (b"# licensed under \x1b]0;PWNED\x07 EVIL \xc2\x9b31m "
                   b"\xe2\x80\xae bidi \xff.\n")
        self.d = Daemon(CONFIG % 300, {"en.txt": hostile + EN.encode(),
                                       "zh.txt": ZH}).start()
        self.port = self.d.addr("dictd")[1][1]

    def test_show_info_escapes_the_licence(self):
        got = self.session(b"SHOW INFO dict\r\nQUIT\r\n", [b"221 "])
        line = [l for l in got.split(b"\r\n") if l.startswith(b"licence:")]
        self.assertEqual(len(line), 1, got)
        for raw in (b"\x1b", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae", b"\xff"):
            self.assertNotIn(raw, line[0])
        self.assertIn(b"licensed under", line[0])
        self.assertIn(b"\\u{202E}", line[0])


class CaseAndBlanks(DictdTest):
    """What DEFINE and MATCH exact answer, as README says: the key equal
    byte for byte, else every key equal but for ASCII case, else the same
    for the word without leading and trailing blanks."""

    def setUp(self):
        self.d = Daemon(CONFIG % 300, {"en.txt": "China:中国\nchina:瓷器\n"
                                       "March:三月\n", "zh.txt": ZH}).start()
        self.port = self.d.addr("dictd")[1][1]

    def heads(self, got):
        return [line.split(b'"')[1].decode() for line in got.split(b"\r\n")
                if line.startswith(b"151 ")]

    def define(self, word):
        # MATCH first: its answer waits for the index, which DEFINE uses.
        got = self.session(b"MATCH dict exact x\r\nDEFINE dict " + word +
                           b"\r\nQUIT\r\n", [b"221 "])
        return self.heads(got)

    def test_define(self):
        self.assertEqual(self.define(b"China"), ["China"])
        self.assertEqual(self.define(b"china"), ["china"])
        self.assertEqual(sorted(self.define(b"CHINA")), ["China", "china"])
        self.assertEqual(self.define(b'" China"'), ["China"])
        self.assertEqual(sorted(self.define(b'" CHINA\t"')),
                         ["China", "china"])
        self.assertEqual(self.define(b"march"), ["March"])

    def test_match_exact(self):
        got = self.session(b"MATCH dict exact CHINA\r\nMATCH dict exact "
                           b"China\r\nQUIT\r\n", [b"221 "])
        self.assertIn(b"152 2 matches found\r\ndict \"China\"\r\n"
                      b"dict \"china\"\r\n.\r\n", got)
        self.assertIn(b"152 1 matches found\r\ndict \"China\"\r\n.", got)

    def test_udp_dict_answers_one(self):
        addr = self.d.addr("dict")[1]
        self.assertEqual(udp_ask(addr, b"CHINA"), b"\xe7\x93\xb7\xe5\x99\xa8")


class ClientLog(unittest.TestCase):
    """CLIENT's text in the debug log: escaped once, quotes included."""

    def client_line(self, text):
        with Daemon(CONFIG % 300, {"en.txt": EN, "zh.txt": ZH},
                    args=["-v"]) as d:
            d.start()
            port = d.addr("dictd")[1][1]
            mark = len(d.snapshot())
            with socket.create_connection(("127.0.0.1", port)) as s:
                read_until(s, [b"220 "])
                s.sendall(b"CLIENT " + text + b"\r\nQUIT\r\n")
                read_until(s, [b"221 "])
            line = d.wait_log(r"dictd: client ", start=mark)
            self.assertEqual(d.stop(), 0)
        return line.split("dictd: ", 1)[1]

    def test_quotes_cannot_forge_a_field(self):
        # Logged as client "back\\\\slash "q"": a forged "q" field.
        self.assertEqual(self.client_line(b'back\\slash "q"'),
                         r'client "back\\slash \"q\""')

    def test_format_character_escaped_once(self):
        # Logged as client "evil\\u{202E}...", the backslash escaped again.
        self.assertEqual(
            self.client_line("evil\u202efdp.exe".encode()),
            r'client "evil\u{202E}fdp.exe"')


class Config(unittest.TestCase):
    def test_unknown_database_names_file_section_key(self):
        with Daemon(CONFIG.replace("dict, dict-zh", "dict, nosuch") % 300,
                    {"en.txt": EN, "zh.txt": ZH}) as d:
            rc, _, err = run_netdemo(["-t", "-c", d.config])
        self.assertNotEqual(rc, 0)
        self.assertIn("netdemo.ini: [dictd] databases: 'nosuch' is no"
                      " enabled dict section", err)

    def test_a_database_listed_twice_is_an_error(self):
        # SHOW DB listed it twice and DEFINE * answered twice (attack pass).
        with Daemon(CONFIG.replace("dict, dict-zh", "dict, DICT") % 300,
                    {"en.txt": EN, "zh.txt": ZH}) as d:
            rc, _, err = run_netdemo(["-t", "-c", d.config])
        self.assertNotEqual(rc, 0)
        self.assertIn("[dictd] databases: 'DICT' is listed twice", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
