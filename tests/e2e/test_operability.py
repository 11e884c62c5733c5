"""Operability: --help, --version, --no-tls, environment configuration, logging, start-up
failures and signals."""

import http.client
import os
import re
import shutil
import signal
import ssl
import tempfile
import time
import unittest

from mockserver import (FIXTURES_DIR, TOKEN, MockServer, RawHTTPReader, ServerTestCase,
                        copy_fixtures, project_version, raw_request, run_binary, xml_request)

# Flags the documentation promises, with the environment variable of each.
FLAGS = ["listen", "fixtures", "certs-dir", "cert", "key", "no-tls", "log-level",
         "error-status", "max-body", "port-file"]


def env_name(flag):
    return "ZAPI_MOCK_" + flag.upper().replace("-", "_")


class CommandLine(unittest.TestCase):
    def test_help_lists_every_flag_and_env_name(self):
        p = run_binary(["--help"])
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        for flag in FLAGS:
            self.assertRegex(out, r"(?m)^\s+--%s\b" % re.escape(flag))
            self.assertIn(env_name(flag), out)
        self.assertRegex(out, r"(?m)^\s+--version\b")
        self.assertRegex(out, r"(?m)^\s+--help\b")

    def test_help_env_names_match_flags(self):
        out = run_binary(["--help"]).stdout
        flags = re.findall(r"(?m)^\s+--([a-z][a-z0-9-]*)", out)
        envs = set(re.findall(r"ZAPI_MOCK_[A-Z0-9_]+", out))
        self.assertTrue(set(FLAGS) <= set(flags), flags)
        for f in flags:
            if f in ("help", "version"):
                continue
            self.assertIn(env_name(f), envs, f)

    def test_short_help(self):
        p = run_binary(["-h"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("--listen", p.stdout)

    def test_version(self):
        p = run_binary(["--version"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "zapi-mock %s\n" % project_version())

    def test_unknown_flag(self):
        p = run_binary(["--no-such-flag"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--no-such-flag", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_bad_env_value_is_named(self):
        p = run_binary(["--version"], env={"ZAPI_MOCK_MAX_BODY": "lots"})
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ZAPI_MOCK_MAX_BODY", p.stderr)

    def test_bad_listen_address(self):
        p = run_binary(["--listen", "not-an-address", "--fixtures", FIXTURES_DIR, "--no-tls"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not-an-address", p.stderr)


class PlainHttp(ServerTestCase):
    server_options = {"tls": False}

    def test_plain_http_request(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("POST", "/zapi/", body=xml_request("zapiPing"),
                         headers={"Content-Type": "application/xml"})
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        self.assertEqual(r.status, 200)
        self.assertIn(b"<methodErrorMessage>Pong</methodErrorMessage>", body)

    def test_tls_client_fails(self):
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            s = self.server.tcp_socket(timeout=5)
            try:
                ssl.create_default_context().wrap_socket(s, server_hostname="localhost")
            finally:
                s.close()

    def test_no_certificates_made(self):
        self.assertFalse(os.path.exists(self.server.ca_file))
        self.assertRegex(self.server.log(), r"listening on 127\.0\.0\.1:0 \(port \d+, http\)")

    def test_keep_alive_and_pipelining_over_plain_http(self):
        with self.server.tcp_socket() as s:
            s.sendall(raw_request(xml_request("zapiA")) + raw_request(xml_request("zapiB")))
            reader = RawHTTPReader(s)
            names = [reader.read_response().zapi()["methodResponse"]["methodName"]
                     for _ in range(2)]
        self.assertEqual(names, ["zapiA", "zapiB"])


class Environment(unittest.TestCase):
    def test_env_only_plain(self):
        server = MockServer(env_only=True, tls=False)
        self.addCleanup(server.close)
        self.assertEqual(server.command()[1:], [])  # no flags at all
        with server:
            r = server.post_xml("zapiPing")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.zapi()["methodResponse"]["methodErrorMessage"], "Pong")

    def test_env_only_tls(self):
        server = MockServer(env_only=True)
        self.addCleanup(server.close)
        self.assertEqual(server.command()[1:], [])
        with server:
            self.assertTrue(os.path.isfile(server.ca_file))
            self.assertEqual(server.post_xml("zapiPing").status, 200)

    def test_env_no_tls_false_means_tls(self):
        server = MockServer(env_only=True, env={"ZAPI_MOCK_NO_TLS": "0"})
        self.addCleanup(server.close)
        with server:
            self.assertEqual(server.post_xml("zapiPing").status, 200)

    def test_env_several_listen_addresses(self):
        server = MockServer(env_only=True, tls=False, listen=("127.0.0.1:0", "127.0.0.1:0"))
        self.addCleanup(server.close)
        with server:
            self.assertEqual(len(server.ports), 2)
            self.assertNotEqual(server.ports[0], server.ports[1])
            for port in server.ports:
                conn = server.connection(port=port)
                try:
                    self.assertEqual(server.post_xml("zapiPing", conn=conn).status, 200)
                finally:
                    conn.close()

    def test_env_error_status_and_max_body(self):
        server = MockServer(env_only=True, tls=False,
                            env={"ZAPI_MOCK_ERROR_STATUS": "418", "ZAPI_MOCK_MAX_BODY": "300"})
        self.addCleanup(server.close)
        with server:
            self.assertEqual(server.post_xml("zapiPing", token="nope").status, 418)
            self.assertEqual(server.post(b" " * 301).status, 413)

    def test_flag_overrides_env(self):
        server = MockServer(args=["--error-status", "401"],
                            env={"ZAPI_MOCK_ERROR_STATUS": "418"})
        self.addCleanup(server.close)
        with server:
            self.assertEqual(server.post_xml("zapiPing", token="nope").status, 401)

    def test_env_log_level(self):
        server = MockServer(env={"ZAPI_MOCK_LOG_LEVEL": "warn"})
        self.addCleanup(server.close)
        with server:
            server.post_xml("zapiPing")
            server.post(b"<not-xml")  # a ZAPI error 3 is still an info line
        log = server.log()
        self.assertNotIn(" request ", log)
        self.assertNotIn(" info ", log)


class Logging(ServerTestCase):
    LINE = re.compile(r'^\S+ info  request peer=127\.0\.0\.1:(\d+) http="(\S+) (\S+)" '
                      r'method=(\S+) token=(\S+) status=(\d+) error=(-?\d+) '
                      r'methodError=(-?\d+) us=(\d+)$')

    def test_one_line_per_request(self):
        before = len(self.server.request_lines())
        conn = self.server.connection()
        try:
            self.server.post_xml("zapiPing", conn=conn)
            self.server.post_json("zapiAgents_Authenticate",
                                  {"username": "naddau", "password": "zaui-demo"}, conn=conn)
            self.server.post_xml("zapiPing", token="short", conn=conn)
            self.server.post_xml("zapiPing", token=None, conn=conn)
            self.server.post_xml("zapiUnknownThing", conn=conn)
            self.server.post(b"<not-xml", conn=conn)
            self.server.post(xml_request("zapiPing"), path="/elsewhere", conn=conn)
            self.server.post_xml("zapiAgents_Authenticate",
                                 {"username": "naddau", "password": "bad"}, conn=conn)
        finally:
            conn.close()
        expected = [
            ("POST", "/zapi/", "zapiPing", "ZAPI-D...", "200", "0", "0"),
            ("POST", "/zapi/", "zapiAgents_Authenticate", "ZAPI-D...", "200", "0", "0"),
            ("POST", "/zapi/", "zapiPing", "short", "200", "1", "1"),
            ("POST", "/zapi/", "zapiPing", "-", "200", "1", "1"),
            ("POST", "/zapi/", "zapiUnknownThing", "ZAPI-D...", "200", "0", "99"),
            ("POST", "/zapi/", "-", "-", "200", "3", "3"),
            ("POST", "/elsewhere", "-", "-", "404", "3", None),
            ("POST", "/zapi/", "zapiAgents_Authenticate", "ZAPI-D...", "200", "0", "70"),
        ]
        lines = self.server.wait_for_log(r" request ", count=before + len(expected))
        lines = [m.string for m in lines][before:]
        self.assertEqual(len(lines), len(expected), lines)
        ports = set()
        for line, want in zip(lines, expected):
            m = self.LINE.match(line)
            self.assertIsNotNone(m, line)
            ports.add(m.group(1))
            got = m.groups()[1:8]
            if want[6] is None:
                got = got[:6] + (None,)
            self.assertEqual(got, want, line)
            self.assertGreaterEqual(int(m.group(9)), 0)
            self.assertNotIn(TOKEN, line)  # tokens are shortened, never logged whole
        self.assertEqual(len(ports), 1)  # one keep-alive connection

    def test_microseconds_are_plausible(self):
        before = len(self.server.request_lines())
        self.server.post_xml("zapiPing")
        line = self.server.wait_for_log(r" request ", count=before + 1)[-1].string
        us = int(re.search(r" us=(\d+)$", line).group(1))
        self.assertLess(us, 5_000_000)

    def test_startup_lines(self):
        log = self.server.log()
        self.assertRegex(log, r"listening on 127\.0\.0\.1:0 \(port %d, https\)" % self.server.port)
        self.assertIn("serving certificate %s" % os.path.join(self.server.certs_dir,
                                                               "server.pem"), log)


class BrokenFixtures(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zapi-e2e-broken-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.fixtures = copy_fixtures(self.dir)

    def break_file(self, rel, old, new):
        path = os.path.join(self.fixtures, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        idx = text.index(old)
        line = text[:idx].count("\n") + 1
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
        return path, line

    def start_fails(self):
        p = run_binary(["--listen", "127.0.0.1:0", "--fixtures", self.fixtures, "--no-tls"])
        self.assertNotEqual(p.returncode, 0, p.stderr)
        return p.stderr

    def test_xml_syntax_error(self):
        path, line = self.break_file("methods/zapiPing.xml", "<message>OK</message>",
                                     "<message>OK</mesage>")
        err = self.start_fails()
        self.assertIn("%s:%d:" % (path, line), err)

    def test_unclosed_element(self):
        path, line = self.break_file("errors/validation.xml", "</methodResponse>", "")
        err = self.start_fails()
        self.assertIn(os.path.basename(path), err)
        self.assertRegex(err, r"validation\.xml:\d+:")

    def test_registry_syntax_error(self):
        path, line = self.break_file("registry.xml", 'userId="1240"', 'userId="1240')
        err = self.start_fails()
        self.assertRegex(err, r"registry\.xml:\d+:")

    def test_unknown_placeholder(self):
        path, line = self.break_file("methods/zapiPing.xml", "<message>OK</message>",
                                     "<message>{{nosuch.thing}}</message>")
        err = self.start_fails()
        self.assertIn("%s:%d:" % (path, line), err)

    def test_broken_catalogue(self):
        # An activity in a category nobody declared: refused with the file and line.
        path, line = self.break_file("catalogue.xml", 'category="1"', 'category="999"')
        err = self.start_fails()
        self.assertIn("%s:%d:" % (path, line), err)
        self.assertIn("category=\"999\"", err)

    def test_missing_fixture_dir(self):
        p = run_binary(["--listen", "127.0.0.1:0", "--fixtures",
                        os.path.join(self.dir, "nothing-here"), "--no-tls"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("nothing-here", p.stderr)


class Signals(unittest.TestCase):
    def test_sigterm_exits_0(self):
        server = MockServer()
        self.addCleanup(server.close)
        server.start()
        server.post_xml("zapiPing")
        log = server.stop(signal.SIGTERM)
        self.assertIn("SIGTERM", log)
        self.assertTrue(log.rstrip().endswith("stopped"), log)

    def test_sigint_exits_0(self):
        server = MockServer()
        self.addCleanup(server.close)
        server.start()
        server.post_xml("zapiPing")
        log = server.stop(signal.SIGINT)
        self.assertIn("SIGINT", log)

    def test_sigterm_with_idle_keep_alive_connection(self):
        server = MockServer()
        self.addCleanup(server.close)
        server.start()
        conn = server.connection()
        try:
            server.post_xml("zapiPing", conn=conn)
            start = time.monotonic()
            server.stop(signal.SIGTERM)
            self.assertLess(time.monotonic() - start, 4.0)
        finally:
            conn.close()

    def test_sigterm_with_a_half_sent_request(self):
        server = MockServer()
        self.addCleanup(server.close)
        server.start()
        s = server.tls_socket()
        try:
            s.sendall(raw_request(xml_request("zapiPing"))[:30])
            time.sleep(0.05)
            start = time.monotonic()
            server.stop(signal.SIGTERM)
            self.assertLess(time.monotonic() - start, 5.0)
        finally:
            s.close()

    def test_sigterm_while_handshaking(self):
        server = MockServer()
        self.addCleanup(server.close)
        server.start()
        s = server.tcp_socket()
        try:
            server.stop(signal.SIGTERM)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()


class Workers(unittest.TestCase):
    """--workers: connections spread over event loops in threads, one drain for all."""

    def test_connections_on_every_worker_then_one_drain(self):
        with MockServer(args=["--workers", "3"]) as srv:
            self.assertIn("3 workers", srv.log())
            conns = [srv.connection() for _ in range(6)]  # two per worker, handed out in turn
            for _ in range(3):
                for c in conns:
                    self.assertEqual(srv.post_xml("zapiPing", conn=c).zapi()["error"], "0")
            health = srv.post(b"", method="GET", path="/__admin/health").json()
            self.assertGreaterEqual(health["openConnections"], 6)
            log = srv.stop()  # SIGTERM: asserts exit status 0
            for c in conns:
                c.close()
        self.assertIn("stopped", log)

    def test_default_is_one_worker_per_core(self):
        with MockServer(args=["--workers", "0"]) as srv:
            n = os.cpu_count()
            self.assertIn("%d worker%s" % (n, "" if n == 1 else "s"), srv.log())
