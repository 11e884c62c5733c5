"""The container image's entrypoint (scripts/docker-entrypoint), run outside a container.

CI has no container engine, so this runs what the image runs, on loopback: the entrypoint with
configuration from ZAPI_MOCK_* variables only, pointing at the built binary (ZAPI_MOCK_BIN), an
ephemeral port and temporary directories. scripts/container-test runs the real image.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import mockserver
from mockserver import MockServer, raw_request, xml_request

ENTRYPOINT = os.path.join(mockserver.SOURCE_DIR, "scripts", "docker-entrypoint")
ADMIN_TOKEN = "entrypoint-test-admin-token"
DRAIN_LIMIT = 1.5  # seconds from SIGTERM to exit


class EntrypointServer(MockServer):
    """MockServer started through the entrypoint, configured by the environment alone."""

    def __init__(self, env=None, **kw):
        env = dict(env or {})
        env.setdefault("ZAPI_MOCK_BIN", mockserver.BINARY)
        super().__init__(env=env, env_only=True, **kw)
        self.export_dir = self.extra_env.get("ZAPI_MOCK_EXPORT_CA_DIR")

    def command(self):
        return [ENTRYPOINT] + self.args


def run_entrypoint(args, env):
    # The harness's timeouts are read at call time: a slow run (valgrind) scales them.
    env = dict(env)
    env.setdefault("ZAPI_MOCK_HEALTHCHECK_TIMEOUT", "%g" % mockserver.IO_TIMEOUT)
    return subprocess.run([ENTRYPOINT] + list(args), env=mockserver.clean_env(env),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=2 * mockserver.START_TIMEOUT + mockserver.IO_TIMEOUT)


def wait_healthy(test, server, headers=None):
    """Polls GET /__admin/health over verified TLS until it answers 200; returns its JSON."""
    timeout = mockserver.START_TIMEOUT
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = server.post(None, content_type=None, path="/__admin/health", method="GET",
                            headers=headers)
            if r.status == 200:
                return r.json()
        except OSError:
            pass
        if time.monotonic() > deadline:
            test.fail("no healthy answer within %.0f s:\n%s" % (timeout, server.log()))
        time.sleep(0.05)


@unittest.skipUnless(os.access(ENTRYPOINT, os.X_OK), "scripts/docker-entrypoint missing")
class EntrypointServes(unittest.TestCase):
    """Fresh certificates directory, CA export, admin token: what `docker run` does."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="zapi-entrypoint-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.certs = os.path.join(cls.tmp, "state", "certs")  # does not exist yet
        cls.export = os.path.join(cls.tmp, "export")
        cls.server = EntrypointServer(
            certs_dir=cls.certs,
            env={"ZAPI_MOCK_EXPORT_CA_DIR": cls.export, "ZAPI_MOCK_ADMIN_TOKEN": ADMIN_TOKEN})
        cls.addClassCleanup(cls.server.close)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()  # asserts exit status 0

    def auth(self):
        return {"Authorization": "Bearer " + ADMIN_TOKEN}

    def test_entrypoint_execs_the_server(self):
        # The process started is the server itself: SIGTERM reaches it without a shell between.
        exe = os.path.realpath("/proc/%d/exe" % self.server.proc.pid)
        self.assertEqual(exe, os.path.realpath(mockserver.BINARY))

    def test_generated_certificates_and_export(self):
        for name in ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem"):
            self.assertTrue(os.path.getsize(os.path.join(self.certs, name)) > 0, name)
        self.assertEqual(sorted(os.listdir(self.export)), ["ca.pem"])  # never a key
        with open(os.path.join(self.certs, "ca.pem"), "rb") as a, \
                open(os.path.join(self.export, "ca.pem"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(os.stat(os.path.join(self.export, "ca.pem")).st_mode & 0o777, 0o644)
        log = self.server.log()
        self.assertIn("CA exported to %s/ca.pem" % self.export, log)
        self.assertIn("CA: %s/ca.pem" % self.certs, log)

    def test_health_ping_and_journal_trusting_the_exported_ca(self):
        ctx = mockserver.make_context(os.path.join(self.export, "ca.pem"))
        conn = self.server.connection(context=ctx)
        try:
            r = self.server.post(None, content_type=None, path="/__admin/health", method="GET",
                                 conn=conn)
            self.assertEqual(r.status, 401, r)  # with a token set, the admin API wants it
            health = wait_healthy(self, self.server, headers=self.auth())
            self.assertEqual(health["status"], "ok")

            r = self.server.post(xml_request("zapiPing"), conn=conn)
            self.assertEqual(r.status, 200, r)
            z = r.zapi()
            self.assertEqual((z["error"], z["methodResponse"]["methodErrorMessage"]),
                             ("0", "Pong"), r)

            r = self.server.post(None, content_type=None, method="GET", conn=conn,
                                 path="/__admin/clients/%s/requests" % mockserver.TOKEN,
                                 headers=self.auth())
            self.assertEqual(r.status, 200, r)
            journal = r.json()["journal"]
            self.assertTrue(journal, r)
            self.assertEqual(journal[0]["method"], "zapiPing", journal[0])
            self.assertEqual(journal[0]["status"], 200, journal[0])
        finally:
            conn.close()

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_healthcheck_command(self):
        env = {"ZAPI_MOCK_LISTEN": "127.0.0.1:%d" % self.server.port,
               "ZAPI_MOCK_CERTS_DIR": self.certs, "ZAPI_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}
        p = run_entrypoint(["healthcheck"], env)
        self.assertEqual(p.returncode, 0, p)
        # A wildcard listen address is checked over loopback, still verifying the certificate.
        env["ZAPI_MOCK_LISTEN"] = "0.0.0.0:%d" % self.server.port
        p = run_entrypoint(["healthcheck"], env)
        self.assertEqual(p.returncode, 0, p)
        # The token comes from the environment, never from the command line; a wrong one fails.
        env["ZAPI_MOCK_ADMIN_TOKEN"] = "wrong"
        p = run_entrypoint(["healthcheck"], env)
        self.assertNotEqual(p.returncode, 0, p)


@unittest.skipUnless(os.access(ENTRYPOINT, os.X_OK), "scripts/docker-entrypoint missing")
class EntrypointLifecycle(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zapi-entrypoint-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def start(self, **kw):
        s = EntrypointServer(**kw)
        self.addCleanup(s.close)
        return s.start()

    def test_sigterm_finishes_a_request_in_flight_and_exits_0(self):
        s = self.start()
        wait_healthy(self, s)
        body = xml_request("zapiPing")
        sock = s.tls_socket()
        reader = mockserver.RawHTTPReader(sock)
        idle = s.tls_socket()  # an idle keep-alive connection: closed at once on SIGTERM
        try:
            # One full answer first, so the connection is past its handshake and keep-alive.
            sock.sendall(raw_request(body))
            self.assertEqual(reader.read_response().status, 200)
            # Headers and half the body, then SIGTERM, then the rest.
            req = raw_request(body)
            half = len(req) - len(body) // 2
            sock.sendall(req[:half])
            time.sleep(0.2)
            t0 = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            s.wait_for_log(r"SIGTERM: finishing requests in flight", timeout=DRAIN_LIMIT)
            self.assertIsNone(s.proc.poll(), "exited with a request in flight")
            sock.sendall(req[half:])
            r = reader.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.zapi()["methodResponse"]["methodErrorMessage"], "Pong", r)
            self.assertEqual(r.header("connection", "").lower(), "close", r.headers)
            self.assertTrue(reader.at_eof(timeout=2), "connection left open after the answer")
            rc = s.proc.wait(timeout=5)
            elapsed = time.monotonic() - t0
        finally:
            sock.close()
            idle.close()
        self.assertEqual(rc, 0, s.log())
        self.assertLess(elapsed, DRAIN_LIMIT, "stopped %.2f s after SIGTERM" % elapsed)
        self.assertRegex(s.log().rstrip().splitlines()[-1], r"\binfo\s+stopped$")

    def test_sigterm_answers_pipelined_requests(self):
        s = self.start()
        wait_healthy(self, s)
        sock = s.tls_socket()
        reader = mockserver.RawHTTPReader(sock)
        try:
            reqs = [raw_request(xml_request("zapiPing")) for _ in range(3)]
            last = reqs[-1]
            sock.sendall(b"".join(reqs[:-1]) + last[:len(last) - 10])
            time.sleep(0.2)
            t0 = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            s.wait_for_log(r"SIGTERM: finishing", timeout=DRAIN_LIMIT)
            sock.sendall(last[len(last) - 10:])
            statuses = [reader.read_response().status for _ in reqs]
            rc = s.proc.wait(timeout=5)
            elapsed = time.monotonic() - t0
        finally:
            sock.close()
        self.assertEqual(statuses, [200, 200, 200])
        self.assertEqual(rc, 0, s.log())
        self.assertLess(elapsed, DRAIN_LIMIT, "stopped %.2f s after SIGTERM" % elapsed)

    def test_mounted_certificates_are_reused(self):
        certs = os.path.join(self.tmp, "certs")
        first = self.start(certs_dir=certs)
        first.stop()
        with open(os.path.join(certs, "ca.pem"), "rb") as f:
            ca = f.read()
        export = os.path.join(self.tmp, "export")
        second = self.start(certs_dir=certs, env={"ZAPI_MOCK_EXPORT_CA_DIR": export})
        self.assertIn("using the certificates in %s" % certs, second.log())
        self.assertNotIn("generated a development CA", second.log())
        with open(os.path.join(export, "ca.pem"), "rb") as f:
            self.assertEqual(f.read(), ca)
        wait_healthy(self, second)
        second.stop()

    def test_own_fixtures_directory(self):
        fixtures = mockserver.copy_fixtures(self.tmp)
        with open(os.path.join(fixtures, "methods", "zapiEntrypointProbe.xml"), "w") as f:
            f.write("<response><zapiVersion>2.1</zapiVersion><error>0</error>"
                    "<message>OK</message><methodResponse>"
                    "<methodName>zapiEntrypointProbe</methodName>"
                    "<methodErrorCode>0</methodErrorCode>"
                    "<methodErrorMessage>mounted</methodErrorMessage>"
                    "</methodResponse></response>\n")
        s = self.start(fixtures=fixtures)
        r = s.post_xml("zapiEntrypointProbe")
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorMessage"], "mounted", r)
        s.stop()

    def test_plain_http_without_tls(self):
        s = self.start(tls=False, env={"ZAPI_MOCK_EXPORT_CA_DIR": os.path.join(self.tmp, "x")})
        r = s.post(None, content_type=None, path="/__admin/health", method="GET")
        self.assertEqual(r.status, 200, r)
        self.assertIn("no CA to export", s.log())
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x")))
        s.stop()

    def test_missing_fixtures_directory_fails_clearly(self):
        p = run_entrypoint([], {
            "ZAPI_MOCK_BIN": mockserver.BINARY,
            "ZAPI_MOCK_LISTEN": "127.0.0.1:0",
            "ZAPI_MOCK_FIXTURES": os.path.join(self.tmp, "nowhere"),
            "ZAPI_MOCK_CERTS_DIR": os.path.join(self.tmp, "certs"),
        })
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn(b"ZAPI_MOCK_FIXTURES=", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "certs")))

    def test_broken_fixtures_fail_before_serving(self):
        fixtures = mockserver.copy_fixtures(self.tmp)
        with open(os.path.join(fixtures, "registry.xml"), "w") as f:
            f.write("<registry><partner token=\n")
        p = run_entrypoint([], {
            "ZAPI_MOCK_BIN": mockserver.BINARY,
            "ZAPI_MOCK_LISTEN": "127.0.0.1:0",
            "ZAPI_MOCK_FIXTURES": fixtures,
            "ZAPI_MOCK_CERTS_DIR": os.path.join(self.tmp, "certs"),
        })
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn(b"registry.xml", p.stderr)

    def test_missing_binary_fails_clearly(self):
        p = run_entrypoint([], {"ZAPI_MOCK_BIN": os.path.join(self.tmp, "no-such-zapi-mock"),
                                "ZAPI_MOCK_FIXTURES": mockserver.FIXTURES_DIR})
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn(b"ZAPI_MOCK_BIN=", p.stderr)

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_healthcheck_fails_when_nothing_listens(self):
        certs = os.path.join(self.tmp, "certs")
        s = self.start(certs_dir=certs)
        port = s.port
        env = {"ZAPI_MOCK_LISTEN": "127.0.0.1:%d" % port, "ZAPI_MOCK_CERTS_DIR": certs}
        self.assertEqual(run_entrypoint(["healthcheck"], env).returncode, 0)
        s.stop()
        p = run_entrypoint(["healthcheck"], env)
        self.assertNotEqual(p.returncode, 0, p)

    def test_healthcheck_reads_the_listen_address(self):
        p = run_entrypoint(["healthcheck"], {"ZAPI_MOCK_LISTEN": "no-port-here"})
        self.assertNotEqual(p.returncode, 0, p)
        self.assertRegex(p.stderr.decode(), r"cannot read HOST:PORT")


if __name__ == "__main__":
    unittest.main()
