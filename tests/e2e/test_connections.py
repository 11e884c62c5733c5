"""Connections: keep-alive, pipelining, Connection: close, clients that misbehave, old TLS."""

import re
import socket
import ssl
import struct
import time
import unittest
import warnings

from mockserver import (FIXTURES_DIR, MockServer, RawHTTPReader, ServerTestCase, json_request,
                        make_context, raw_request, run_binary, xml_request)


def method_of(r):
    return r.zapi()["methodResponse"]["methodName"]


def client_hello(ctx, hostname="localhost"):
    """The bytes of the ClientHello ctx would send (no network)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=hostname)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class KeepAlive(ServerTestCase):
    def test_requests_share_one_connection(self):
        conn = self.server.connection()
        try:
            answers = []
            for i in range(6):
                if i % 2:
                    r = self.server.post_json("zapiPing", conn=conn)
                else:
                    r = self.server.post_xml("zapiPing", conn=conn)
                answers.append(r)
                if i == 0:
                    sock = conn.sock
                    local_port = sock.getsockname()[1]
                # The same socket object: http.client did not reconnect.
                self.assertIs(conn.sock, sock)
                self.assertIsNone(r.header("Connection"))
            self.assertEqual(conn.connects, 1)
        finally:
            conn.close()
        for r in answers:
            self.assertZapiOk(r, "zapiPing")
        # The server saw all six on one TCP connection too.
        lines = self.server.wait_for_log(r"request peer=127\.0\.0\.1:%d " % local_port, count=6)
        self.assertEqual(len(lines), 6)

    def test_keep_alive_across_errors(self):
        conn = self.server.connection()
        try:
            self.assertEqual(self.server.post(b"<bad", conn=conn).zapi()["error"], "3")
            self.assertEqual(self.server.post_xml("zapiPing", token="nope",
                                                  conn=conn).zapi()["error"], "1")
            r = self.server.post(xml_request("zapiPing"), path="/nope", conn=conn)
            self.assertEqual(r.status, 404)
            self.assertZapiOk(self.server.post_xml("zapiPing", conn=conn), "zapiPing")
            self.assertEqual(conn.connects, 1)
        finally:
            conn.close()

    def test_tls_version(self):
        with self.server.tls_socket() as s:
            self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))


class Pipelining(ServerTestCase):
    def test_three_requests_in_one_write(self):
        reqs = [
            raw_request(xml_request("zapiPing")),
            raw_request(json_request("zapiAgents_Authenticate",
                                     {"username": "naddau", "password": "zaui-demo"}),
                        content_type="application/json"),
            raw_request(xml_request("zapiThirdInLine")),
        ]
        with self.server.tls_socket() as s:
            s.sendall(b"".join(reqs))
            reader = RawHTTPReader(s)
            first, second, third = [reader.read_response() for _ in range(3)]
        self.assertZapiOk(first, "zapiPing")
        self.assertTrue(first.body.startswith(b"<?xml"))
        self.assertEqual(first.zapi()["methodResponse"]["methodErrorMessage"], "Pong")
        self.assertEqual(second.status, 200)
        self.assertEqual(second.json()["response"]["methodResponse"]["methodName"],
                         "zapiAgents_Authenticate")
        self.assertEqual(second.json()["response"]["methodResponse"]["agentDetails"]["agentID"],
                         "1240")
        self.assertEqual(method_of(third), "zapiThirdInLine")
        self.assertEqual(third.zapi()["methodResponse"]["methodErrorCode"], "99")

    def test_many_requests_keep_their_order(self):
        names = ["zapiPipe%02d" % i for i in range(40)]
        data = b"".join(raw_request(xml_request(n)) if i % 2 else
                        raw_request(json_request(n), content_type="application/json")
                        for i, n in enumerate(names))
        with self.server.tls_socket() as s:
            s.sendall(data)
            reader = RawHTTPReader(s)
            got = [method_of(reader.read_response()) for _ in names]
        self.assertEqual(got, names)

    def test_pipelined_requests_split_across_writes(self):
        data = b"".join(raw_request(xml_request("zapiSplit%d" % i)) for i in range(3))
        with self.server.tls_socket() as s:
            # Boundaries that fall inside request lines, headers and bodies.
            for a, b in ((0, 10), (10, 150), (150, 333), (333, len(data))):
                s.sendall(data[a:b])
                time.sleep(0.01)
            reader = RawHTTPReader(s)
            got = [method_of(reader.read_response()) for _ in range(3)]
        self.assertEqual(got, ["zapiSplit0", "zapiSplit1", "zapiSplit2"])

    def test_interleaved_connections_keep_their_own_input(self):
        # Read buffers pass from connection to connection in a worker (one spare per thread):
        # connections whose requests arrive in pieces, interleaved, each with requests parsed
        # whole in between, must get the answers to their own requests only.
        conns = 6
        socks = [self.server.tls_socket() for _ in range(conns)]
        try:
            readers = [RawHTTPReader(s) for s in socks]
            for rnd in range(3):
                datas = [raw_request(xml_request("zapiConn%dRound%d" % (i, rnd)))
                         for i in range(conns)]
                cuts = [(0, 7), (7, 120), (120, None)]
                for a, b in cuts:
                    for i, s in enumerate(socks):
                        s.sendall(datas[i][a:b])
                        if i % 2 and b is None:
                            # A whole request on an odd connection between the pieces of others.
                            s.sendall(raw_request(xml_request("zapiConn%dExtra%d" % (i, rnd))))
                    time.sleep(0.02)
                for i, reader in enumerate(readers):
                    want = ["zapiConn%dRound%d" % (i, rnd)]
                    if i % 2:
                        want.append("zapiConn%dExtra%d" % (i, rnd))
                    got = [method_of(reader.read_response()) for _ in want]
                    self.assertEqual(got, want)
        finally:
            for s in socks:
                s.close()

    def test_nothing_answered_after_connection_close(self):
        data = (raw_request(xml_request("zapiFirst")) +
                raw_request(xml_request("zapiSecond"), extra_headers=["Connection: close"]) +
                raw_request(xml_request("zapiNeverAnswered")))
        with self.server.tls_socket() as s:
            s.sendall(data)
            reader = RawHTTPReader(s)
            a = reader.read_response()
            b = reader.read_response()
            self.assertTrue(reader.at_eof(), "connection still open after Connection: close")
        self.assertEqual(method_of(a), "zapiFirst")
        self.assertEqual(method_of(b), "zapiSecond")
        self.assertEqual(b.header("Connection"), "close")
        self.assertNotIn("zapiNeverAnswered", self.server.log())


class ConnectionClose(ServerTestCase):
    def test_http_client_connection_close(self):
        conn = self.server.connection()
        try:
            conn.request("POST", "/zapi/", body=xml_request("zapiPing"),
                         headers={"Content-Type": "application/xml", "Connection": "close"})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.getheader("Connection"), "close")
            self.assertTrue(r.will_close)
            r.read()
        finally:
            conn.close()

    def test_raw_connection_close_closes(self):
        with self.server.tls_socket() as s:
            s.sendall(raw_request(xml_request("zapiPing"), extra_headers=["Connection: close"]))
            reader = RawHTTPReader(s)
            r = reader.read_response()
            self.assertZapiOk(r, "zapiPing")
            self.assertEqual(r.header("connection"), "close")
            self.assertTrue(reader.at_eof(), "the server kept the connection open")

    def test_http10_closes_by_default(self):
        req = raw_request(xml_request("zapiPing")).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
        with self.server.tls_socket() as s:
            s.sendall(req)
            reader = RawHTTPReader(s)
            r = reader.read_response()
            self.assertZapiOk(r, "zapiPing")
            self.assertTrue(reader.at_eof())

    def test_http10_keep_alive(self):
        req = raw_request(xml_request("zapiPing"), extra_headers=["Connection: keep-alive"]
                          ).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
        with self.server.tls_socket() as s:
            reader = RawHTTPReader(s)
            for _ in range(2):
                s.sendall(req)
                r = reader.read_response()
                self.assertZapiOk(r, "zapiPing")
                self.assertEqual(r.header("connection", "").lower(), "keep-alive")


class BadClients(ServerTestCase):
    """Clients that never finish a handshake must not hurt the server or other clients."""

    def assertServerFine(self):
        self.assertTrue(self.server.alive())
        # A new connection: the listener still accepts and handshakes.
        self.assertZapiOk(self.server.post(xml_request("zapiPing"), fresh=True), "zapiPing")

    def test_connect_and_close(self):
        for _ in range(5):
            self.server.tcp_socket().close()
        self.assertServerFine()

    def test_connect_and_reset(self):
        s = self.server.tcp_socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        self.assertServerFine()

    def test_half_a_client_hello(self):
        hello = client_hello(self.server.ssl_context)
        self.assertEqual(hello[0], 0x16)  # a handshake record
        s = self.server.tcp_socket()
        s.sendall(hello[:len(hello) // 2])
        time.sleep(0.05)
        s.close()
        self.assertServerFine()

    def test_disconnect_after_server_hello(self):
        s = self.server.tcp_socket()
        s.sendall(client_hello(self.server.ssl_context))
        self.assertEqual(s.recv(5)[:1], b"\x16")  # the server's handshake began
        s.close()
        self.assertServerFine()

    def test_reset_mid_handshake(self):
        s = self.server.tcp_socket()
        s.sendall(client_hello(self.server.ssl_context))
        s.recv(5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        self.assertServerFine()

    def test_plain_http_to_the_tls_port(self):
        s = self.server.tcp_socket(timeout=5)
        try:
            s.sendall(raw_request(xml_request("zapiPing")))
            data, closed = b"", False
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    chunk = s.recv(4096)
                except ConnectionResetError:
                    closed = True
                    break
                if not chunk:
                    closed = True
                    break
                data += chunk
            self.assertTrue(closed, "the server kept a garbage connection open")
            # At most a TLS alert record: never an HTTP answer in clear text.
            self.assertNotIn(b"HTTP/1.1", data)
            if data:
                self.assertEqual(data[0], 0x15, data)
        finally:
            s.close()
        self.assertServerFine()

    def test_random_garbage(self):
        s = self.server.tcp_socket()
        s.sendall(bytes(range(256)) * 8)
        time.sleep(0.05)
        s.close()
        self.assertServerFine()

    def test_silent_client_does_not_block_others(self):
        silent = self.server.tcp_socket()
        half = self.server.tcp_socket()
        try:
            half.sendall(client_hello(self.server.ssl_context)[:20])
            start = time.monotonic()
            self.assertServerFine()
            self.assertLess(time.monotonic() - start, 5.0)  # the handshake timeout is 10 s
        finally:
            silent.close()
            half.close()

    def test_client_closing_before_reading_its_answer(self):
        s = self.server.tls_socket()
        s.sendall(raw_request(xml_request("zapiPing")) * 20)
        s.close()
        self.assertServerFine()


def listening_sockets(port):
    """How many TCP sockets listen on port (Linux /proc/net/tcp and tcp6)."""
    count = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name, encoding="ascii") as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                count += 1
    return count


class Workers(unittest.TestCase):
    """Each worker accepts on a listening socket of its own (SO_REUSEPORT) per --listen address."""

    def start(self, workers, listen=("127.0.0.1:0",)):
        s = MockServer(args=["--workers", str(workers), "--log-level", "debug"], listen=listen)
        self.addCleanup(s.close)
        s.start()
        return s

    def test_port_0_gives_every_worker_a_socket_on_one_port(self):
        s = self.start(3, listen=("127.0.0.1:0", "127.0.0.1:0"))
        self.assertEqual(len(set(s.ports)), 2, s.ports)
        for port in s.ports:
            self.assertEqual(listening_sockets(port), 3, "port %d" % port)
            self.assertEqual(s.post_xml("zapiPing", conn=s.connection(port=port)).status, 200)
        self.assertEqual(len(re.findall(r"listening on 127\.0\.0\.1:0 \(port \d+", s.log())), 2)
        s.stop()

    def test_connections_are_served_by_every_worker(self):
        # The kernel spreads connections over the sockets by their addresses and ports: of 32
        # connections, all reach one worker of two once in 2^31 runs.
        s = self.start(2)
        for _ in range(32):
            conn = s.connection()
            try:
                self.assertEqual(s.post_xml("zapiPing", conn=conn).status, 200)
            finally:
                conn.close()
        workers = set(re.findall(r"accepted \(tls, worker (\d+)\)", s.log()))
        self.assertEqual(workers, {"0", "1"}, s.log()[-2000:])
        s.stop()

    def test_sessions_resume_on_any_worker(self):
        # Each worker has its own TLS configuration and random generator, but the ticket keys are
        # shared: a ticket one worker issued resumes on the other.
        s = self.start(2)
        ctx = ssl.create_default_context(cafile=s.ca_file)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        first = ctx.wrap_socket(s.tcp_socket(), server_hostname="localhost")
        session = first.session
        first.close()
        for i in range(24):
            t = ctx.wrap_socket(s.tcp_socket(), server_hostname="localhost", session=session)
            try:
                self.assertTrue(t.session_reused, "connection %d was not resumed" % i)
            finally:
                t.close()
        workers = set(re.findall(r"accepted \(tls, worker (\d+)\)", s.log()))
        self.assertEqual(workers, {"0", "1"}, s.log()[-2000:])
        s.stop()

    def test_port_in_use_is_refused(self):
        # SO_REUSEPORT must not let a second server share (and split) the port of the first.
        s = self.start(2)
        p = run_binary(["--listen", "127.0.0.1:%d" % s.port, "--fixtures", FIXTURES_DIR,
                        "--no-tls", "--workers", "2"])
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertIn("127.0.0.1:%d: Address already in use" % s.port, p.stderr)
        self.assertEqual(listening_sockets(s.port), 2)
        s.stop()


class OldTls(ServerTestCase):
    def try_version(self, version):
        ctx = make_context(self.server.ca_file)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = version
                ctx.maximum_version = version
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as e:
            self.skipTest("local OpenSSL cannot be set to %s: %s" % (version.name, e))
        try:
            hello = client_hello(ctx)
        except ssl.SSLError as e:
            self.skipTest("local OpenSSL will not offer %s: %s" % (version.name, e))
        # Prove the offer is really that version only: record + handshake header, then
        # client_version (TLS 1.0 = 3,1; TLS 1.1 = 3,2).
        want = {ssl.TLSVersion.TLSv1: b"\x03\x01", ssl.TLSVersion.TLSv1_1: b"\x03\x02"}[version]
        if len(hello) < 11 or hello[9:11] != want:
            self.skipTest("local OpenSSL did not produce a %s ClientHello" % version.name)
        failures = len(re.findall("TLS handshake failed", self.server.log()))
        with self.assertRaises(ssl.SSLError) as cm:
            with self.server.tls_socket(context=ctx) as s:
                s.sendall(raw_request(xml_request("zapiPing")))
                s.recv(100)
        self.assertNotIsInstance(cm.exception, ssl.SSLCertVerificationError)
        self.server.wait_for_log(r"TLS handshake failed", count=failures + 1)
        self.assertTrue(self.server.alive())
        self.assertZapiOk(self.server.post(xml_request("zapiPing"), fresh=True), "zapiPing")

    def test_tls11_refused(self):
        self.try_version(ssl.TLSVersion.TLSv1_1)

    def test_tls10_refused(self):
        self.try_version(ssl.TLSVersion.TLSv1)

    def test_tls12_accepted(self):
        ctx = make_context(self.server.ca_file)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with self.server.tls_socket(context=ctx) as s:
            self.assertEqual(s.version(), "TLSv1.2")
            s.sendall(raw_request(xml_request("zapiPing")))
            self.assertZapiOk(RawHTTPReader(s).read_response(), "zapiPing")


if __name__ == "__main__":
    unittest.main()
