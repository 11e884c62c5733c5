"""Certificates: the generated development CA is verified for real, reused, and replaceable."""

import os
import shutil
import socket
import ssl
import tempfile
import unittest

from mockserver import (FIXTURES_DIR, MockServer, RawHTTPReader, ServerTestCase, make_context,
                        raw_request, run_binary, xml_request)


def ipv6_loopback_available():
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def ping_over(server, address, hostname, port=None, context=None):
    """One zapiPing over a verified TLS socket; returns (Response, peer certificate)."""
    with server.tls_socket(address=address, hostname=hostname, port=port,
                           context=context) as s:
        cert = s.getpeercert()
        s.sendall(raw_request(xml_request("zapiPing")))
        return RawHTTPReader(s).read_response(), cert


class Verification(ServerTestCase):
    def test_localhost(self):
        r, cert = ping_over(self.server, "127.0.0.1", "localhost")
        self.assertZapiOk(r, "zapiPing")
        self.assertIn(("DNS", "localhost"), cert["subjectAltName"])

    def test_ipv4_address(self):
        r, cert = ping_over(self.server, "127.0.0.1", "127.0.0.1")
        self.assertZapiOk(r, "zapiPing")
        self.assertIn(("IP Address", "127.0.0.1"), cert["subjectAltName"])

    def test_server_prefers_chacha20_poly1305(self):
        # The server's order decides (tls.c: mbedTLS 2.28's ChaCha20-Poly1305 is cheaper than
        # its AES-GCM); a client offering AES-GCM first still gets ChaCha20, and one offering
        # only AES-GCM gets AES-GCM.
        for offer, want in (("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
                             "ECDHE-ECDSA-CHACHA20-POLY1305"),
                            ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256")):
            ctx = make_context(self.server.ca_file)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(offer)
            with self.server.tls_socket(address="127.0.0.1", hostname="localhost",
                                        context=ctx) as s:
                self.assertEqual(s.cipher()[0], want)
                s.sendall(raw_request(xml_request("zapiPing")))
                self.assertZapiOk(RawHTTPReader(s).read_response(), "zapiPing")

    def test_http_client_verifies(self):
        conn = self.server.connection(hostname="localhost")
        try:
            self.assertZapiOk(self.server.post_xml("zapiPing", conn=conn), "zapiPing")
            self.assertEqual(conn.sock.context.verify_mode, ssl.CERT_REQUIRED)
            self.assertTrue(conn.sock.context.check_hostname)
        finally:
            conn.close()

    def test_certificate_names(self):
        _, cert = ping_over(self.server, "127.0.0.1", "localhost")
        names = set(cert["subjectAltName"])
        self.assertTrue({("DNS", "localhost"), ("IP Address", "127.0.0.1")} <= names, names)
        self.assertTrue(("IP Address", "0:0:0:0:0:0:0:1") in names or
                        ("IP Address", "::1") in names, names)
        subject = dict(x[0] for x in cert["subject"])
        self.assertEqual(subject.get("commonName"), "localhost")

    def test_wrong_hostname_fails(self):
        with self.assertRaises(ssl.SSLCertVerificationError) as cm:
            ping_over(self.server, "127.0.0.1", "zapi.example.com")
        self.assertIn("zapi.example.com", str(cm.exception))

    def test_wrong_ip_fails(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            ping_over(self.server, "127.0.0.1", "127.0.0.2")

    def test_system_trust_store_does_not_know_the_dev_ca(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            ping_over(self.server, "127.0.0.1", "localhost",
                      context=ssl.create_default_context())

    def test_generated_files(self):
        for name in ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem"):
            self.assertTrue(os.path.isfile(os.path.join(self.server.certs_dir, name)), name)
        # Private keys are for the owner only.
        for name in ("ca-key.pem", "server-key.pem"):
            mode = os.stat(os.path.join(self.server.certs_dir, name)).st_mode & 0o777
            self.assertEqual(mode & 0o077, 0, "%s is mode %o" % (name, mode))
        self.assertIn("generated a development CA", self.server.log())


@unittest.skipUnless(ipv6_loopback_available(), "IPv6 loopback is not available")
class Ipv6(ServerTestCase):
    server_options = {"listen": ("127.0.0.1:0", "[::1]:0")}

    def test_both_ports_written(self):
        self.assertEqual(len(self.server.ports), 2)

    def test_ipv6_address(self):
        r, cert = ping_over(self.server, "::1", "::1", port=self.server.ports[1])
        self.assertZapiOk(r, "zapiPing")

    def test_localhost_over_ipv6(self):
        r, _ = ping_over(self.server, "::1", "localhost", port=self.server.ports[1])
        self.assertZapiOk(r, "zapiPing")

    def test_ipv4_still_served(self):
        r, _ = ping_over(self.server, "127.0.0.1", "127.0.0.1", port=self.server.ports[0])
        self.assertZapiOk(r, "zapiPing")

    def test_ipv6_peer_logged(self):
        ping_over(self.server, "::1", "localhost", port=self.server.ports[1])
        self.server.wait_for_log(r"request peer=\[::1\]:\d+ ")


class Reuse(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zapi-e2e-certs-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.certs = os.path.join(self.dir, "certs")

    def read(self, name, certs=None):
        with open(os.path.join(certs or self.certs, name), "rb") as f:
            return f.read()

    def test_second_start_reuses_the_ca(self):
        first = MockServer(certs_dir=self.certs)
        self.addCleanup(first.close)
        with first:
            ctx = make_context(first.ca_file)
            r, _ = ping_over(first, "127.0.0.1", "localhost")
            self.assertEqual(r.status, 200)
        log1 = first.log()
        self.assertIn("generated a development CA", log1)
        ca, ca_key = self.read("ca.pem"), self.read("ca-key.pem")
        self.assertIn(b"BEGIN CERTIFICATE", ca)

        second = MockServer(certs_dir=self.certs)
        self.addCleanup(second.close)
        with second:
            # A client that trusted the first run's CA trusts the second run.
            r, _ = ping_over(second, "127.0.0.1", "localhost", context=ctx)
            self.assertEqual(r.status, 200)
        self.assertEqual(self.read("ca.pem"), ca)
        self.assertEqual(self.read("ca-key.pem"), ca_key)
        self.assertNotIn("generated a development CA", second.log())

    def test_other_certs_dir_means_other_ca(self):
        a = MockServer(certs_dir=os.path.join(self.dir, "a"))
        b = MockServer(certs_dir=os.path.join(self.dir, "b"))
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        with a, b:
            self.assertNotEqual(self.read("ca.pem", a.certs_dir), self.read("ca.pem", b.certs_dir))
            with self.assertRaises(ssl.SSLCertVerificationError):
                ping_over(b, "127.0.0.1", "localhost", context=make_context(a.ca_file))

    def test_user_certificate_and_key(self):
        gen = MockServer(certs_dir=self.certs)
        self.addCleanup(gen.close)
        with gen:
            pass
        own = os.path.join(self.dir, "own")
        os.mkdir(own)
        cert = os.path.join(own, "my-chain.pem")
        key = os.path.join(own, "my-key.pem")
        shutil.copy(os.path.join(self.certs, "server.pem"), cert)
        shutil.copy(os.path.join(self.certs, "server-key.pem"), key)
        unused = os.path.join(self.dir, "unused-certs")
        server = MockServer(args=["--cert", cert, "--key", key], certs_dir=unused)
        self.addCleanup(server.close)
        with server:
            r, _ = ping_over(server, "127.0.0.1", "localhost",
                             context=make_context(os.path.join(self.certs, "ca.pem")))
            self.assertEqual(r.status, 200)
            self.assertEqual(r.zapi()["methodResponse"]["methodErrorMessage"], "Pong")
        log = server.log()
        self.assertRegex(log, r"serving certificate %s\b" % cert.replace(".", r"\."))
        self.assertNotIn("generated a development CA", log)
        # Nothing was generated for a server that has its own certificate.
        self.assertFalse(os.path.exists(os.path.join(unused, "ca.pem")))

    def test_cert_without_key_is_refused(self):
        p = run_binary(["--listen", "127.0.0.1:0", "--cert", "/nonexistent/cert.pem"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--key", p.stderr)

    def test_missing_certificate_file(self):
        missing = os.path.join(self.dir, "missing.pem")
        p = run_binary(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES_DIR,
                        "--cert", missing, "--key", missing])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(missing, p.stderr)

    def test_key_that_does_not_match(self):
        a = MockServer(certs_dir=os.path.join(self.dir, "a"))
        b = MockServer(certs_dir=os.path.join(self.dir, "b"))
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        with a:
            pass
        with b:
            pass
        cert = os.path.join(self.dir, "a", "server.pem")
        key = os.path.join(self.dir, "b", "server-key.pem")
        p = run_binary(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES_DIR,
                        "--cert", cert, "--key", key])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(key, p.stderr)


if __name__ == "__main__":
    unittest.main()
