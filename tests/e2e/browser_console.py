"""The console in a real browser (headless Chromium through Selenium), against the real binary:
create a ZAPI partner from a new contact, use its token over HTTPS, watch the exchange appear in
the partner's last 20, replay it with "copy as curl", force throttling from the console and see
the next request get 503 and the chart move; hostile values in requests and names show as text
and run nothing; a cross-site page cannot change the mock through the browser.

Screenshots go to $ZAPI_SCREENSHOT_DIR (the build directory's screenshots/). The steps share one
server and one browser and run in order (test_1..., test_2...). Needs /usr/bin/python3 (Debian's
python3-selenium); ctest runs it so.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from mockserver import MockServer, chromium, json_request, xml_request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

SHOTS = os.environ.get("ZAPI_SCREENSHOT_DIR") or os.path.join(tempfile.gettempdir(),
                                                                "zapi-console-shots")
WAIT_S = 10
HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">Mallory'
HOSTILE_SCRIPT = "<script>window.__pwned=2</script>"
HOSTILE_IMG = '<img src=x onerror="window.__pwned=3">'


class Console(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.server = MockServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.profile = tempfile.mkdtemp(prefix="zapi-chromium-")
        cls.addClassCleanup(shutil.rmtree, cls.profile, True)
        cls.driver = chromium(cls.profile)
        cls.addClassCleanup(cls.driver.quit)
        cls.base = "https://127.0.0.1:%d/__admin/" % cls.server.port
        cls.partner = None

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers ------------------------------------------------------------------------------

    def open(self, hash_):
        self.driver.get(self.base + hash_)
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "main h1"))

    def wait(self, cond, timeout=WAIT_S, what="condition"):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(cond, what)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, name))

    def ping(self, fmt="xml", params=None, status=200):
        p = self.partner
        ids = dict(token=p["token"], account_id=p["accountId"], user_id=p["userId"])
        if fmt == "xml":
            r = self.server.post(xml_request("zapiPing", params, **ids), "application/xml")
        else:
            r = self.server.post(json_request("zapiPing", params, **ids), "application/json")
        self.assertEqual(r.status, status, r)
        return r

    def assertNothingRan(self):
        self.assertIsNone(self.driver.execute_script("return window.__pwned"))
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "main img"), [])
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "main script"), [])

    # -- the steps ----------------------------------------------------------------------------

    def test_1_create_partner(self):
        d = self.driver
        self.open("#/create")
        Select(d.find_element(By.ID, "contact")).select_by_value("new")
        d.find_element(By.ID, "name").send_keys("Betty Browser")
        d.find_element(By.ID, "organisation").send_keys("Selenium Tours")
        d.find_element(By.ID, "email").send_keys("betty@example.com")
        d.find_element(By.ID, "save").click()
        token = self.wait(lambda d: d.find_element(By.ID, "new-token").text, what="the token")
        self.assertRegex(token, r"^[0-9a-f]{40}$")
        d.find_element(By.ID, "copy-token").click()
        self.wait(lambda d: d.find_element(By.ID, "copy-token").get_attribute("data-copied"))
        self.shot("create-partner.png")
        p = self.server.admin_json("GET", "partners/" + token)["partner"]
        self.assertGreater(p["accountId"], 0)  # it has a parent organisation
        type(self).partner = p
        # A contact without an organisation, with a hostile name: account id 0, shown as text.
        self.open("#/create")
        Select(d.find_element(By.ID, "contact")).select_by_value("new")
        d.find_element(By.ID, "name").send_keys(HOSTILE_NAME)
        d.find_element(By.ID, "email").send_keys("mallory@example.com")
        d.find_element(By.ID, "save").click()
        self.wait(lambda d: d.find_element(By.ID, "new-token").text)
        facts = d.find_element(By.ID, "create-result").text
        self.assertIn(HOSTILE_NAME, facts)
        self.assertRegex(facts, r"Account id\s*0\b")
        self.assertNothingRan()

    def test_2_partner_table_after_a_ping(self):
        self.assertIsNotNone(self.partner, "step 1 failed")
        self.ping()
        self.open("#/partners")
        row = '#partners tr[data-token="%s"]' % self.partner["token"]
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, row + " td.requests").text == "1",
                  what="the request count")
        text = self.driver.find_element(By.CSS_SELECTOR, row).text
        for v in ("Betty Browser", "Selenium Tours", self.partner["token"],
                  str(self.partner["accountId"]), str(self.partner["userId"]), "runtime"):
            self.assertIn(v, text)
        self.assertIn(HOSTILE_NAME, self.driver.find_element(By.ID, "partners").text)
        self.assertNothingRan()
        self.shot("api-integrations.png")

    def test_3_exchange_appears_newest_first_and_replays(self):
        self.assertIsNotNone(self.partner, "step 1 failed")
        d = self.driver
        self.open("#/partners/" + self.partner["token"])
        self.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.exchange")) == 1)
        # While the page is open: a JSON request with a password, which must show masked.
        self.ping("json", {"password": "hunter2-secret"})
        self.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.exchange")) == 2,
                  what="the new exchange")
        first = d.find_elements(By.CSS_SELECTOR, "article.exchange")[0]
        req = first.find_element(By.CSS_SELECTOR, "pre.request").text
        self.assertIn('\n  "zapiToken"', req)  # pretty-printed JSON, newest first
        self.assertNotIn("hunter2", req)
        self.assertIn("secrets masked", first.text)
        older = d.find_elements(By.CSS_SELECTOR, "article.exchange")[1]
        self.assertIn("\n  <zapiToken>", older.find_element(By.CSS_SELECTOR, "pre.request").text)
        self.assertIn("Pong", older.find_element(By.CSS_SELECTOR, "pre.response").text)
        self.assertIn("HTTP 200", older.text)
        # Copy as curl, then run what it shows (the mock's CA is certs/ca.pem in its directory).
        older.find_element(By.CSS_SELECTOR, "button.copy-curl").click()
        cmd = self.wait(lambda d: older.find_element(By.CSS_SELECTOR, "pre.curl").text)
        self.assertTrue(cmd.startswith("curl --cacert certs/ca.pem -X POST"), cmd)
        out = subprocess.run(["sh", "-c", cmd + " -sS"], cwd=self.server.tmp,
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("<methodErrorMessage>Pong</methodErrorMessage>", out.stdout)
        self.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.exchange")) == 3,
                  what="the replayed exchange")
        d.execute_script("window.scrollTo(0, 0)")
        self.shot("partner-details.png")

    def test_4_hostile_requests_show_as_text(self):
        self.assertIsNotNone(self.partner, "step 1 failed")
        d = self.driver
        self.open("#/partners/" + self.partner["token"])
        self.ping("xml", {"note": HOSTILE_SCRIPT, "comment": HOSTILE_IMG})
        self.ping("json", {"note": HOSTILE_SCRIPT, "comment": HOSTILE_IMG})
        # Not even XML: shown raw, as text.
        raw = ("<request><zapiToken>%s</zapiToken>%s%s" % (self.partner["token"], HOSTILE_SCRIPT,
                                                          HOSTILE_IMG)).encode()
        self.server.post(raw, "application/xml")
        self.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.exchange")) >= 5,
                  what="the hostile exchanges")
        text = d.find_element(By.ID, "exchanges").text
        self.assertIn('"note": "%s"' % HOSTILE_SCRIPT, text)  # JSON, pretty-printed
        self.assertIn("<note>&lt;script&gt;window.__pwned=2&lt;/script&gt;</note>", text)  # XML
        self.open("#/partners/anonymous")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "article.exchange"))
        self.assertIn(HOSTILE_IMG, d.find_element(By.ID, "exchanges").text)
        time.sleep(0.3)  # an image's onerror would fire by now
        self.assertNothingRan()
        # The console's own CSP would also block inline script: a console page cannot eval.
        self.assertIn("script-src 'self'", self.server.admin("GET", "").header(
            "Content-Security-Policy"))

    def test_5_throttle_from_the_console(self):
        self.assertIsNotNone(self.partner, "step 1 failed")
        d = self.driver
        self.server.admin_json("DELETE", "throttle")
        self.open("#/throttle")
        chart = d.find_element(By.ID, "chart")
        lim = d.find_element(By.ID, "limit")
        lim.clear()
        lim.send_keys("4")
        win = d.find_element(By.ID, "window")
        win.clear()
        win.send_keys("60")
        d.find_element(By.ID, "apply-limit").click()
        self.wait(lambda d: chart.get_attribute("data-limit") == "4", what="the limit line")
        self.wait(lambda d: int(chart.get_attribute("data-samples") or 0) >= 2)
        for _ in range(3):
            self.ping()
        self.wait(lambda d: chart.get_attribute("data-admitted") == "3",
                  what="the chart to count 3 admitted")
        d.find_element(By.ID, "force").click()
        self.wait(lambda d: d.find_element(By.ID, "throttle-settings")
                  .get_attribute("data-forced") == "1", what="the force")
        r = self.ping(status=503)
        self.assertEqual(r.zapi()["error"], "2")
        self.wait(lambda d: chart.get_attribute("data-throttled") == "1",
                  what="the chart to count the throttled request")
        row = '#throttle-table tr[data-token="%s"]' % self.partner["token"]
        self.assertEqual(d.find_element(By.CSS_SELECTOR, row + " td.throttled").text, "1")
        d.execute_script("document.getElementById('chart-card').scrollIntoView()")
        self.shot("throttling.png")
        d.find_element(By.ID, "lift").click()
        self.wait(lambda d: d.find_element(By.ID, "throttle-settings")
                  .get_attribute("data-forced") == "0")
        self.ping()
        d.find_element(By.ID, "off").click()
        self.wait(lambda d: d.find_element(By.ID, "throttle-settings")
                  .get_attribute("data-enabled") == "false")

    def test_5b_bookings_page(self):
        """Carts, bookings and the e-mail outbox of the booking engine; reset state."""
        self.assertIsNotNone(self.partner, "step 1 failed")
        d = self.driver
        self.server.admin_json("DELETE", "state")
        self.open("#/state")
        summary = d.find_element(By.ID, "state-summary")
        self.wait(lambda d: summary.get_attribute("data-bookings") not in (None, ""))
        seeded = int(summary.get_attribute("data-bookings"))
        number = self.server.admin_json("GET", "state/bookings")["bookings"][0]["bookingNumber"]
        p = self.partner
        ids = dict(token=p["token"], account_id=p["accountId"], user_id=p["userId"])
        r = self.server.post(xml_request("zapiCreateUniqueCartSession", None, **ids))
        self.assertEqual(r.zapi()["error"], "0", r)
        r = self.server.post(xml_request("zapiEmailBookingItinerary",
                                         {"bookingNumber": number,
                                          "email": "<b>guest</b>@example.com"}, **ids))
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorCode"], "0", r)
        self.wait(lambda d: summary.get_attribute("data-carts") == "1", what="the new cart")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#state-outbox details.mail"),
                  what="the e-mail")
        self.assertIn(str(number), d.find_element(By.ID, "bookings-table").text)
        mail = d.find_element(By.CSS_SELECTOR, "#state-outbox details.mail")
        self.assertIn("<b>guest</b>@example.com", mail.text)
        mail.find_element(By.TAG_NAME, "summary").click()
        self.assertIn(str(number), mail.find_element(By.TAG_NAME, "pre").text)
        self.assertNothingRan()
        self.shot("bookings.png")
        d.find_element(By.ID, "reset-state").click()
        d.switch_to.alert.accept()
        self.wait(lambda d: summary.get_attribute("data-carts") == "0", what="the reset")
        self.assertEqual(summary.get_attribute("data-bookings"), str(seeded))
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "#state-outbox details.mail"), [])

    def test_6_health_page(self):
        self.open("#/health")
        self.wait(lambda d: "ok" in d.find_element(By.ID, "tiles").text)
        self.assertIn("partners", self.driver.find_element(By.ID, "status").text)

    def test_7_cross_site_page_cannot_change_the_mock(self):
        """A page on another origin posts to the admin API through this browser: a no-cors
        fetch and a text/plain form. Chromium sends Origin; the mock refuses both."""
        target = "https://127.0.0.1:%d/__admin/throttle" % self.server.port
        page = ("<!doctype html><form id=f method=POST enctype=text/plain action='%s'>"
                "<input name='{\"force\":true,\"x\":\"' value='\"}'></form>" % target)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=evil.serve_forever, daemon=True).start()
        self.addCleanup(evil.server_close)
        self.addCleanup(evil.shutdown)
        d = self.driver
        d.get("http://127.0.0.1:%d/" % evil.server_address[1])
        status = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {method: "POST", mode: "no-cors", body: '{"force": true}'})
              .then(r => done("sent " + r.type), e => done("error " + e));
        """, target)
        self.assertIn("sent", status)
        d.find_element(By.ID, "f").submit()
        self.wait(lambda d: "cross-site" in d.page_source, what="the refusal page")
        self.assertEqual(self.server.admin_json("GET", "throttle")["forced"], [])
        refused = self.server.wait_for_log(r"admin: refused POST: cross-site request refused",
                                           count=2)
        self.assertEqual(len(refused), 2)


class ConsoleWithAdminToken(unittest.TestCase):
    """With --admin-token (a container), the browser authenticates with the token as the
    password of Basic authentication, and the console's own calls carry it."""

    TOKEN = "console-admin-token"

    def test_password_is_the_admin_token(self):
        server = MockServer(args=["--admin-token", self.TOKEN])
        self.addCleanup(server.close)
        server.start()
        profile = tempfile.mkdtemp(prefix="zapi-chromium-")
        self.addCleanup(shutil.rmtree, profile, True)
        d = chromium(profile)
        self.addCleanup(d.quit)
        r = server.admin("GET", "")
        self.assertEqual((r.status, r.header("WWW-Authenticate")),
                         (401, 'Basic realm="zapi-mock admin"'))
        d.get("https://anyone:%s@127.0.0.1:%d/__admin/#/health" % (self.TOKEN, server.port))
        WebDriverWait(d, WAIT_S).until(
            lambda d: "ok" in d.find_element(By.ID, "tiles").text, "the health tiles")
        self.assertIn("partners", d.find_element(By.ID, "status").text)
        server.stop()


if __name__ == "__main__":
    unittest.main()
