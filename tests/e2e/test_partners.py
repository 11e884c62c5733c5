"""Contacts and ZAPI partners created at run time through the admin API, end to end: tokens that
work for ZAPI at once, account ids, validation naming the field, revoke, the state file (never
the fixtures) surviving reload and restart, the registry export loading as fixtures; the admin
API's cross-site and DNS-rebinding guards; the console's files and their security headers.
"""
import hashlib
import json
import os
import re
import shutil
import tempfile
import unittest

from mockserver import (TOKEN, MockServer, ServerTestCase, copy_fixtures, raw_request,
                        RawHTTPReader, xml_request)

HEX40 = re.compile(r"^[0-9a-f]{40}$")


def ping(server, partner, **kw):
    r = server.post_xml("zapiPing", token=partner["token"], account_id=partner["accountId"],
                        user_id=partner["userId"], **kw)
    return r.zapi()


def tree_digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(p.encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


class Partners(ServerTestCase):

    def test_create_partner_and_ping(self):
        s = self.server
        p = s.add_partner("Alice Agent", "Alice Tours")
        self.assertRegex(p["token"], HEX40)
        self.assertGreater(p["accountId"], 0)
        self.assertGreater(p["userId"], 0)
        self.assertEqual(p["affiliateUsername"], "Alice Agent")
        self.assertEqual(p["organisation"], "Alice Tours")
        z = ping(s, p)
        self.assertEqual(z["error"], "0", z)
        self.assertEqual(z["methodResponse"]["methodErrorMessage"], "Pong")
        # The same partner in JSON, ids as numbers.
        r = s.post_json("zapiPing", token=p["token"], account_id=p["accountId"],
                        user_id=p["userId"])
        self.assertEqual(r.zapi()["error"], "0", r)
        # Listed among the clients, marked as made at run time, with its request count.
        clients = {c["token"]: c for c in s.admin_json("GET", "clients")["clients"]}
        self.assertEqual(clients[p["token"]]["source"], "runtime")
        self.assertEqual(clients[p["token"]]["requests"], 2)
        self.assertEqual(clients[TOKEN]["source"], "fixtures")
        listed = [x["token"] for x in s.admin_json("GET", "partners")["partners"]]
        self.assertIn(p["token"], listed)
        self.assertEqual(s.admin_json("GET", "partners/" + p["token"])["partner"]["userId"],
                         p["userId"])

    def test_account_id_zero_without_organisation(self):
        s = self.server
        p = s.add_partner("Solo Seller")
        self.assertEqual(p["accountId"], 0)
        self.assertEqual(p["organisation"], "")
        self.assertEqual(ping(s, p)["error"], "0")
        # Same organisation, same account; each its own user id and token.
        a = s.add_partner("Org Member One", "Shared Org")
        b = s.add_partner("Org Member Two", "Shared Org")
        self.assertEqual(a["accountId"], b["accountId"])
        self.assertNotEqual(a["userId"], b["userId"])
        self.assertNotEqual(a["token"], b["token"])
        # The account must match the token, as for fixture partners.
        wrong = dict(a, accountId=a["accountId"] + 1)
        self.assertEqual(ping(s, wrong)["error"], "1")

    def test_validation_names_the_field(self):
        s = self.server
        cases = [({"name": "", "email": "a@b.cd"}, 400, "name:"),
                 ({"email": "a@b.cd"}, 400, "name:"),
                 ({"name": 5, "email": "a@b.cd"}, 400, "name:"),
                 ({"name": "x\u0001", "email": "a@b.cd"}, 400, "name:"),
                 ({"name": "V One"}, 400, "email:"),
                 ({"name": "V One", "email": "nope"}, 400, "email:"),
                 ({"name": "V One", "email": "a@b.cd", "organisation": ["x"]}, 400,
                  "organisation:"),
                 ({"name": "V One", "email": "a@b.cd", "phone": "1"}, 400, "phone:")]
        for body, status, prefix in cases:
            with self.subTest(body=body):
                j = s.admin_json("POST", "contacts", body, status=status)
                self.assertTrue(j["error"].startswith(prefix), j)
        s.admin_json("POST", "contacts", {"name": "Dup Name", "email": "d@e.fg"}, status=201)
        j = s.admin_json("POST", "contacts", {"name": "Dup Name", "email": "d@e.fg"}, status=409)
        self.assertTrue(j["error"].startswith("name:"), j)
        for body in ({}, {"userId": "abc"}, {"userId": -1}, {"userId": 1.5}):
            with self.subTest(body=body):
                j = s.admin_json("POST", "partners", body, status=400)
                self.assertTrue(j["error"].startswith("userId:"), j)
        j = s.admin_json("POST", "partners", {"userId": 987654}, status=404)
        self.assertTrue(j["error"].startswith("userId:"), j)
        self.assertEqual(s.admin("POST", "contacts", b"not json").status, 400)

    def test_one_token_per_contact_and_revoke(self):
        s = self.server
        p = s.add_partner("Revoke Me", "Rev Org")
        j = s.admin_json("POST", "partners", {"userId": p["userId"]}, status=409)
        self.assertIn("own contact", j["error"])
        self.assertEqual(ping(s, p)["error"], "0")
        j = s.admin_json("DELETE", "partners/" + p["token"])
        self.assertEqual(j["status"], "revoked")
        self.assertEqual(ping(s, p)["error"], "1")
        s.admin_json("DELETE", "partners/" + p["token"], status=404)
        s.admin_json("DELETE", "partners/" + TOKEN, status=409)  # a fixture partner
        # The contact may get a new token, which works; the old one stays dead.
        q = s.admin_json("POST", "partners", {"userId": p["userId"]}, status=201)["partner"]
        self.assertNotEqual(q["token"], p["token"])
        self.assertEqual(ping(s, q)["error"], "0")
        self.assertEqual(ping(s, p)["error"], "1")

    def test_fixture_agents_keep_their_partner(self):
        """Regression: merging runtime partners moved the registry's partners under the agents
        that point at them, so zapiAgentLogin could hand out a runtime partner's token."""
        s = self.server
        for i in range(12):  # a token sorting before ZAPI-DEMO-TOKEN (a digit first)
            if s.add_partner("Sorting Sam %d" % i)["token"][0].isdigit():
                break
        else:
            self.skipTest("no token starting with a digit in 12 tries")
        body = ("<request><zapiUsername>naddau</zapiUsername><zapiPassword>zaui-demo"
                "</zapiPassword><zapiMethod><methodName>zapiAgentLogin</methodName>"
                "</zapiMethod></request>").encode()
        z = s.post(body).zapi()
        self.assertEqual(z["methodResponse"]["methodErrorCode"], "0", z)
        self.assertEqual(z["methodResponse"]["zapiApiToken"], TOKEN, z)

    def test_security_headers_on_json(self):
        r = self.server.admin("GET", "health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertIn("default-src 'none'", r.header("Content-Security-Policy"))


class Persistence(unittest.TestCase):
    """The state lives in --state-dir, never in the fixtures; reloads and restarts keep it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zapi-e2e-partners-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.fixtures = copy_fixtures(self.tmp)
        self.state = os.path.join(self.tmp, "state")

    def server(self, fixtures=None, state=None):
        s = MockServer(args=["--state-dir", state or self.state],
                       fixtures=fixtures or self.fixtures)
        self.addCleanup(s.close)
        return s.start()

    def test_survives_reload_and_restart(self):
        before = tree_digest(self.fixtures)
        s = self.server()
        p = s.add_partner("Persistent Pat", "Keep Org")
        gone = s.add_partner("Revoked Rita")
        s.admin_json("DELETE", "partners/" + gone["token"])
        s.admin_json("POST", "reload")
        self.assertEqual(ping(s, p)["error"], "0")
        s.stop()
        with open(os.path.join(self.state, "partners.json"), encoding="utf-8") as f:
            state = json.load(f)
        self.assertEqual([c["name"] for c in state["contacts"]],
                         ["Persistent Pat", "Revoked Rita"])
        self.assertEqual(os.listdir(self.state), ["partners.json"])  # no temporary file left
        self.assertEqual(tree_digest(self.fixtures), before, "the fixtures were written to")

        s = self.server()
        self.assertEqual(ping(s, p)["error"], "0")
        self.assertEqual(ping(s, gone)["error"], "1")
        # No user id is handed out twice after a restart.
        c = s.admin_json("POST", "contacts", {"name": "After Restart", "email": "a@r.st"},
                         status=201)["contact"]
        self.assertGreater(c["userId"], gone["userId"])
        s.stop()

    def test_export_is_a_registry_that_loads(self):
        s = self.server()
        p = s.add_partner('Quote "Q" & <Angle>', "Org & Co")
        r = s.admin("GET", "partners/export")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.content_type.startswith("application/xml"), r.content_type)
        s.stop()
        fixtures = copy_fixtures(self.tmp, "exported")
        with open(os.path.join(fixtures, "registry.xml"), "wb") as f:
            f.write(r.body)
        # A new server with no runtime state serves the partner from the exported fixtures.
        s2 = self.server(fixtures=fixtures, state=os.path.join(self.tmp, "empty-state"))
        self.assertEqual(ping(s2, p)["error"], "0")
        c = {x["token"]: x for x in s2.admin_json("GET", "clients")["clients"]}[p["token"]]
        self.assertEqual(c["source"], "fixtures")
        self.assertEqual(c["affiliateUsername"], 'Quote "Q" & <Angle>')
        self.assertEqual(c["organisation"], "Org & Co")
        s2.stop()

    def test_broken_state_file_stops_the_start(self):
        os.makedirs(self.state)
        with open(os.path.join(self.state, "partners.json"), "w") as f:
            f.write("{broken")
        s = MockServer(args=["--state-dir", self.state], fixtures=self.fixtures)
        self.addCleanup(s.close)
        with self.assertRaises(AssertionError) as cm:
            s.start()
        self.assertIn("partners.json", str(cm.exception))


class CrossSite(ServerTestCase):
    """A web page the developer visits must not change the mock through the browser, nor read
    it through DNS rebinding; curl-style clients keep working."""

    def origin(self):
        return "https://localhost:%d" % self.server.port

    def forced(self):
        return self.server.admin_json("GET", "throttle")["forced"]

    def test_cross_site_post_refused(self):
        s = self.server
        for headers in ({"Origin": "https://attacker.example"},
                        {"Origin": "null"},
                        {"Origin": "http://localhost:%d" % s.port},
                        {"Sec-Fetch-Site": "cross-site"},
                        {"Origin": self.origin(), "Sec-Fetch-Site": "same-site"}):
            for ctype in ("text/plain", "application/json"):
                with self.subTest(headers=headers, ctype=ctype):
                    r = s.post(b'{"force": true}', content_type=ctype, path="/__admin/throttle",
                               headers=headers)
                    self.assertEqual(r.status, 403, r)
                    self.assertIn("cross-site", r.json()["error"])
                    self.assertEqual(self.forced(), [])
        r = s.post(b'{"name":"X","email":"x@y.zz"}', content_type="text/plain",
                   path="/__admin/contacts", headers={"Origin": "https://attacker.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(s.admin_json("GET", "contacts")["contacts"], [])

    def test_same_origin_and_curl_accepted(self):
        s = self.server
        j = s.admin_json("POST", "throttle", {"every": 0},
                         headers={"Origin": self.origin(), "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(j["every"], 0)
        # curl -d sends application/x-www-form-urlencoded and no Origin: still fine.
        r = s.post(b'{"reset": true}', content_type="application/x-www-form-urlencoded",
                   path="/__admin/throttle")
        self.assertEqual(r.status, 200, r)

    def test_foreign_host_refused(self):
        s = self.server
        for host in ("attacker.example", "attacker.example:%d" % s.port, "127.0.0.2"):
            with self.subTest(host=host):
                sock = s.raw_socket()
                try:
                    sock.sendall(raw_request(b"", path="/__admin/clients", host=host,
                                             content_type=None, method="GET"))
                    r = RawHTTPReader(sock).read_response()
                finally:
                    sock.close()
                self.assertEqual(r.status, 403, r)
                self.assertIn("Host", r.json()["error"])
                self.assertNotIn(TOKEN.encode(), r.body)
        # ZAPI itself answers whatever the Host.
        sock = s.raw_socket()
        try:
            sock.sendall(raw_request(xml_request("zapiPing"), host="attacker.example"))
            r = RawHTTPReader(sock).read_response()
        finally:
            sock.close()
        self.assertEqual(r.zapi()["error"], "0")
        for host in ("localhost:%d" % s.port, "127.0.0.1:%d" % s.port, "[::1]:%d" % s.port):
            with self.subTest(host=host):
                sock = s.raw_socket()
                try:
                    sock.sendall(raw_request(b"", path="/__admin/health", host=host,
                                             content_type=None, method="GET"))
                    self.assertEqual(RawHTTPReader(sock).read_response().status, 200)
                finally:
                    sock.close()


class CertNamesAreOwnNames(ServerTestCase):
    server_args = ("--cert-names", "zapi-mock,ci.example.org")

    def test_cert_names_accepted(self):
        s = self.server
        for host, status in (("zapi-mock:%d" % s.port, 200), ("ci.example.org", 200),
                             ("other.example.org", 403)):
            with self.subTest(host=host):
                sock = s.raw_socket()
                try:
                    sock.sendall(raw_request(b"", path="/__admin/health", host=host,
                                             content_type=None, method="GET"))
                    self.assertEqual(RawHTTPReader(sock).read_response().status, status)
                finally:
                    sock.close()


class Console(ServerTestCase):
    """The console's files: served by the binary, strict CSP, no inline script or handlers."""

    def test_index_and_assets(self):
        s = self.server
        r = s.admin("GET", "")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.content_type.startswith("text/html"), r.content_type)
        csp = r.header("Content-Security-Policy")
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        html = r.body.decode("utf-8")
        scripts = re.findall(r"<script\b[^>]*>", html, re.I)
        self.assertTrue(scripts)
        for tag in scripts:
            self.assertRegex(tag, r'src="/__admin/console/[a-z]+\.js"')
        self.assertNotRegex(html, r"<script\b[^>]*>\s*[^<\s]")
        self.assertNotRegex(html, r"\son[a-z]+\s*=", "inline event handler")
        self.assertNotRegex(html, r"\sstyle\s*=", "inline style")
        self.assertNotRegex(html, r"(?i)https?://", "a remote resource")
        for name, ctype in (("app.js", "text/javascript"), ("app.css", "text/css")):
            with self.subTest(name=name):
                r = s.admin("GET", "console/" + name)
                self.assertEqual(r.status, 200)
                self.assertTrue(r.content_type.startswith(ctype), r.content_type)
                self.assertGreater(len(r.body), 100)
                self.assertNotRegex(r.body.decode("utf-8"), r"(?i)https?://(?!localhost)")
        self.assertEqual(s.admin("POST", "console/app.js", b"x").status, 405)
        js = s.admin("GET", "console/app.js").body.decode("utf-8")
        self.assertNotIn("innerHTML", js)
        self.assertNotIn("eval(", js)


if __name__ == "__main__":
    unittest.main()
