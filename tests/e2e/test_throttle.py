"""Throttling: the per-token sliding-window limit, every-N, the throttled answer (HTTP 503 or 200,
Retry-After, error 2 with a back-off node), per-partner limits, the /__admin/throttle endpoint,
and exact counting under concurrent requests."""

import json
import math
import os
import shutil
import tempfile
import threading
import time
import unittest

from mockserver import (ACCOUNT_ID, TOKEN, USER_ID, MockServer, RawHTTPReader, ServerTestCase,
                        copy_fixtures, json_request, raw_request, xml_request)

MESSAGE = "ZAPI request throttle limit reached, try again shortly"
SCHEDULE = ["1", "2", "4", "8", "16"]
ADMIN = "/__admin/throttle"

# A second partner, added to a copy of the registry where a test needs one.
TOKEN2 = "E2E-THROTTLE-SECOND"
ACCOUNT2 = "7001"
USER2 = "7002"


def ping(server, fmt="xml", conn=None, token=TOKEN, account_id=ACCOUNT_ID, user_id=USER_ID):
    if fmt == "json":
        return server.post(json_request("zapiPing", token=token, account_id=account_id,
                                        user_id=user_id), "application/json", conn=conn)
    return server.post(xml_request("zapiPing", token=token, account_id=account_id,
                                   user_id=user_id), "application/xml", conn=conn)


def ping2(server, conn=None, fmt="xml"):
    return ping(server, fmt, conn, token=TOKEN2, account_id=ACCOUNT2, user_id=USER2)


def admin(server, method="GET", body=None, content_type="application/json"):
    """(status, decoded JSON or None, Response) of one admin request."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode("utf-8")
    r = server.post(body, content_type if body is not None else None, path=ADMIN, method=method)
    try:
        doc = json.loads(r.body.decode("utf-8")) if r.body else None
    except ValueError:
        doc = None
    return r.status, doc, r


def registry_with_partners(test, partners):
    """A copy of the fixtures whose registry.xml also holds the given <partner .../> lines;
    removed when the test (class) is done. Returns the fixtures directory."""
    tmp = tempfile.mkdtemp(prefix="zapi-e2e-throttle-")
    if isinstance(test, type):
        test.addClassCleanup(shutil.rmtree, tmp, True)
    else:
        test.addCleanup(shutil.rmtree, tmp, True)
    fixtures = copy_fixtures(tmp)
    path = os.path.join(fixtures, "registry.xml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    end = text.rindex("</registry>")
    text = text[:end] + "\n".join("  " + p for p in partners) + "\n" + text[end:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return fixtures


SECOND_PARTNER = ('<partner token="%s" accountId="%s" userId="%s" affiliateUsername="second" '
                  'organisation="Second partner"/>' % (TOKEN2, ACCOUNT2, USER2))


class ThrottleAsserts:
    def assertAdmitted(self, r, msg=None):
        self.assertEqual(r.status, 200, msg or r)
        z = r.zapi()
        self.assertEqual(z["error"], "0", msg or r)
        self.assertEqual(z["methodResponse"]["methodErrorMessage"], "Pong", msg or r)
        self.assertIsNone(r.header("Retry-After"), msg or r)
        return z

    def assertThrottled(self, r, status=503, max_wait=None, method="zapiPing", positive=True):
        """A throttled answer in the request's format; returns waitSeconds as a float."""
        self.assertEqual(r.status, status, r)
        z = r.zapi()
        self.assertEqual(z["zapiVersion"], "2.1", r)
        self.assertEqual(z["error"], "2", r)
        self.assertEqual(z["message"], MESSAGE, r)
        back = z["backOff"]
        wait = float(back["waitSeconds"])
        self.assertRegex(back["waitSeconds"], r"^\d+\.\d{3}$")
        retry_after = r.header("Retry-After")
        self.assertIsNotNone(retry_after, "no Retry-After header: %r" % r)
        self.assertEqual(int(retry_after), math.ceil(wait),
                         "Retry-After %s is not ceil(waitSeconds %s)" % (retry_after, wait))
        self.assertEqual(back["retryAfter"], retry_after, r)
        self.assertEqual(back["schedule"]["wait"], SCHEDULE, r)
        self.assertEqual(back["jitterMaxMs"], "1000", r)
        if positive:
            self.assertGreater(wait, 0, r)
        if max_wait is not None:
            self.assertLessEqual(wait, max_wait, r)
        self.assertEqual(z["methodResponse"]["methodName"], method, r)
        self.assertEqual(z["methodResponse"]["methodErrorCode"], "2", r)
        return wait


# ---------------------------------------------------------------------------------------------


class LimitFivePerTen(ThrottleAsserts, ServerTestCase):
    server_args = ("--throttle-limit", "5", "--throttle-window", "10")

    def setUp(self):
        status, _, r = admin(self.server, "POST", {"reset": True})
        self.assertEqual(status, 200, r)

    def test_sixth_ping_is_throttled(self):
        conn = self.server.connection()
        self.addCleanup(conn.close)
        for i in range(5):
            self.assertAdmitted(ping(self.server, conn=conn), "ping %d" % (i + 1))
        r = ping(self.server, conn=conn)
        self.assertTrue(r.content_type.startswith("application/xml"), r.content_type)
        wait = self.assertThrottled(r, 503, max_wait=10)
        self.assertEqual(r.reason, "Service Unavailable")
        # The throttled request was not admitted, so the next one is throttled as well.
        self.assertThrottled(ping(self.server, conn=conn), 503, max_wait=wait)
        doc = r.xml()
        self.assertEqual(doc.findtext("methodResponse/methodErrorMessage"),
                         "ZAPI_RESPONSE_LIMIT_EXCEEDED: wait %s seconds"
                         % doc.findtext("backOff/waitSeconds"))

    def test_json_request_gets_json_answer(self):
        for i in range(5):
            self.assertAdmitted(ping(self.server, "json"), "ping %d" % (i + 1))
        r = ping(self.server, "json")
        self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
        doc = r.json()
        self.assertEqual(list(doc), ["response"])
        self.assertIsInstance(doc["response"]["backOff"]["waitSeconds"], str)
        self.assertThrottled(r, 503, max_wait=10)

    def test_throttled_answer_names_the_method(self):
        for _ in range(5):
            self.assertAdmitted(ping(self.server))
        r = self.server.post_xml("zapiAgents_Authenticate",
                                 {"username": "naddau", "password": "zaui-demo"})
        self.assertThrottled(r, 503, max_wait=10, method="zapiAgents_Authenticate")

    def test_invalid_requests_are_never_throttled(self):
        # Before: invalid ones do not use up the limit.
        for _ in range(8):
            r = ping(self.server, token="NOT-A-PARTNER-TOKEN")
            self.assertEqual((r.status, r.zapi()["error"]), (200, "1"), r)
            r = ping(self.server, account_id="999")  # the right token, the wrong account
            self.assertEqual((r.status, r.zapi()["error"]), (200, "1"), r)
        for i in range(5):
            self.assertAdmitted(ping(self.server), "valid ping %d" % (i + 1))
        self.assertThrottled(ping(self.server), 503, max_wait=10)
        # After: the token is throttled, but invalid requests still get error 1.
        for fmt in ("xml", "json"):
            r = ping(self.server, fmt, token="NOT-A-PARTNER-TOKEN")
            self.assertEqual((r.status, r.zapi()["error"]), (200, "1"), r)
            self.assertIsNone(r.header("Retry-After"), r)
            r = ping(self.server, fmt, user_id="1")
            self.assertEqual((r.status, r.zapi()["error"]), (200, "1"), r)
        _, state, _ = admin(self.server)
        mine = [c for c in state["clients"] if c["token"] == TOKEN]
        self.assertEqual(mine, [{"token": TOKEN, "admitted": 5, "throttled": 1}])

    def test_admin_get_shows_the_settings(self):
        status, state, r = admin(self.server)
        self.assertEqual(status, 200, r)
        self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
        self.assertEqual(state["enabled"], True)
        self.assertEqual(state["limit"], 5)
        self.assertEqual(state["window"], 10)
        self.assertEqual(state["every"], 0)
        self.assertEqual(state["status"], 503)
        self.assertEqual(state["forced"], [])
        self.assertEqual(state["clients"], [{"token": TOKEN, "admitted": 0, "throttled": 0}])


class ShortWindow(ThrottleAsserts, ServerTestCase):
    server_args = ("--throttle-limit", "2", "--throttle-window", "2")

    def test_reported_wait_is_exact(self):
        conn = self.server.connection()
        self.addCleanup(conn.close)
        self.assertAdmitted(ping(self.server, conn=conn))
        self.assertAdmitted(ping(self.server, conn=conn))
        wait = self.assertThrottled(ping(self.server, conn=conn), max_wait=2)
        self.assertGreater(wait, 1.0)  # two quick pings: the first leaves the window in ~2 s
        # 0.2 s before the reported time: still throttled, and now about 0.2 s to go.
        time.sleep(wait - 0.2)
        early = self.assertThrottled(ping(self.server, conn=conn), max_wait=0.2)
        self.assertGreater(early, 0.1)
        # Exactly the reported wait later: admitted.
        time.sleep(early)
        self.assertAdmitted(ping(self.server, conn=conn))


class WaitJustAboveAWholeSecond(ThrottleAsserts, ServerTestCase):
    """A throttled answer is an instruction: waitSeconds > 0 and Retry-After = ceil(waitSeconds),
    also when the exact wait is a hair above a whole second (or above 0). To get such waits on
    purpose, one write carries two pipelined requests: an admin force of the token for S =
    N + a hair (0.4 ms, more when the server is slow), and a ping. The server decides the ping
    some microseconds after the force, so its exact wait is in (N, N + hair) s."""

    server_args = ("--log-level", "warn")

    def forced_ping(self, seconds):
        """Forces TOKEN for `seconds` and pings in the same write; the ping's Response, or None
        when the server took so long between the two that the force had already expired."""
        force = json.dumps({"force": {"token": TOKEN, "seconds": seconds}}).encode()
        sock = self.server.raw_socket()
        try:
            sock.sendall(raw_request(force, path=ADMIN, content_type="application/json") +
                         raw_request(xml_request("zapiPing")))
            reader = RawHTTPReader(sock)
            forced = reader.read_response()
            self.assertEqual(forced.status, 200, forced)
            r = reader.read_response()
        finally:
            sock.close()
        admin(self.server, "POST", {"lift": True})
        return r if r.status != 200 else None

    def test_wait_a_hair_above_whole_seconds(self):
        for whole in (0, 1, 2):
            with self.subTest(whole=whole):
                # The hair must outlast the server's time between the two requests, which is
                # longer under ASan on a busy machine: start at 0.4 ms and double it up to 51 ms.
                hair, r = 0.0004, None
                while r is None and hair < 0.06:
                    for _ in range(5):
                        r = self.forced_ping(whole + hair)
                        if r is not None:
                            break
                    else:
                        hair *= 2
                if r is None:
                    self.fail("no force up to %.4f s caught the ping that followed it"
                              % (whole + hair))
                z = r.zapi()
                self.assertEqual(z["error"], "2", r)
                wait = z["backOff"]["waitSeconds"]
                self.assertGreater(float(wait), 0, "waitSeconds %s in a throttled answer "
                                   "(Retry-After %s)" % (wait, r.header("Retry-After")))
                self.assertEqual(r.header("Retry-After"), str(math.ceil(float(wait))),
                                 "Retry-After is not ceil(waitSeconds %s)" % wait)
                self.assertEqual(z["backOff"]["retryAfter"], r.header("Retry-After"))
                self.assertLessEqual(float(wait), whole + hair + 0.001)


class StatusTwoHundred(ThrottleAsserts, ServerTestCase):
    server_args = ("--throttle-limit", "1", "--throttle-window", "30", "--throttle-status", "200")

    def test_throttled_answer_is_http_200_with_the_same_body(self):
        self.assertAdmitted(ping(self.server))
        for fmt in ("xml", "json"):
            r = ping(self.server, fmt)
            self.assertEqual(r.reason, "OK")
            self.assertThrottled(r, 200, max_wait=30)

    def test_admin_reports_the_status(self):
        _, state, _ = admin(self.server)
        self.assertEqual(state["status"], 200)


class EveryThird(ThrottleAsserts, ServerTestCase):
    server_args = ("--throttle-every", "3",)

    def test_requests_three_and_six_are_throttled(self):
        got = []
        for n in range(1, 9):
            r = ping(self.server, "json" if n % 2 else "xml")
            got.append((n, r.status, r.zapi()["error"]))
            if n % 3 == 0:
                self.assertThrottled(r, 503, positive=False)
            else:
                self.assertAdmitted(r, "request %d" % n)
        self.assertEqual([n for n, status, _ in got if status == 503], [3, 6], got)
        _, state, _ = admin(self.server)
        self.assertEqual(state["every"], 3)
        self.assertEqual(state["limit"], 0)
        self.assertTrue(state["enabled"])
        self.assertEqual(state["clients"][0]["admitted"], 6)
        self.assertEqual(state["clients"][0]["throttled"], 2)


class PerPartnerLimit(ThrottleAsserts, unittest.TestCase):
    def test_partner_limit_overrides_the_global_one(self):
        fixtures = registry_with_partners(self, [
            '<partner token="%s" accountId="%s" userId="%s" throttleLimit="2" '
            'throttleWindow="30"/>' % (TOKEN2, ACCOUNT2, USER2)])
        with MockServer(args=["--throttle-limit", "4", "--throttle-window", "10"],
                        fixtures=fixtures) as server:
            for _ in range(2):
                self.assertAdmitted(ping2(server))
            wait = self.assertThrottled(ping2(server), max_wait=30)
            self.assertGreater(wait, 10)  # the partner's own 30 s window, not the global 10 s
            for _ in range(4):
                self.assertAdmitted(ping(server))  # the demo partner: the global limit of 4
            self.assertThrottled(ping(server), max_wait=10)
            _, state, _ = admin(server)
            clients = {c["token"]: c for c in state["clients"]}
            self.assertEqual(clients[TOKEN2]["limit"], 2)
            self.assertEqual(clients[TOKEN2]["window"], 30)
            self.assertEqual((clients[TOKEN2]["admitted"], clients[TOKEN2]["throttled"]), (2, 1))
            self.assertEqual((clients[TOKEN]["admitted"], clients[TOKEN]["throttled"]), (4, 1))
            self.assertNotIn("limit", clients[TOKEN])


class Admin(ThrottleAsserts, ServerTestCase):
    """Throttling off at start; every test starts from DELETE (everything off)."""

    @classmethod
    def setUpClass(cls):
        cls.server_options = {"fixtures": registry_with_partners(cls, [SECOND_PARTNER])}
        super().setUpClass()

    def setUp(self):
        status, state, r = admin(self.server, "DELETE")
        self.assertEqual(status, 200, r)

    def state(self):
        status, state, r = admin(self.server)
        self.assertEqual(status, 200, r)
        return state

    def test_get_shows_the_default_settings(self):
        state = self.state()
        self.assertLessEqual({"enabled", "limit", "window", "every", "status", "forced",
                              "clients"}, set(state))
        self.assertEqual(state["enabled"], False)
        self.assertEqual((state["limit"], state["window"], state["every"], state["status"]),
                         (0, 60, 0, 503))
        self.assertEqual(state["forced"], [])
        self.assertEqual(sorted(c["token"] for c in state["clients"]), sorted([TOKEN, TOKEN2]))

    def test_delete_returns_the_status_to_503(self):
        """Regression (issue 11, item 4): DELETE ("everything off") left a status of 200 set
        earlier in place, so the next forced throttle answered 200 instead of 503."""
        status, state, r = admin(self.server, "POST", {"status": 200})
        self.assertEqual((status, state["status"]), (200, 200), r)
        status, state, r = admin(self.server, "DELETE")
        self.assertEqual((status, state["status"]), (200, 503), r)
        status, state, r = admin(self.server, "POST", {"force": True})
        self.assertEqual(status, 200, r)
        self.assertEqual(ping(self.server).status, 503)

    def test_post_switches_on_live_and_delete_switches_off(self):
        self.assertAdmitted(ping(self.server))
        status, state, r = admin(self.server, "POST", {"limit": 1, "window": 30})
        self.assertEqual(status, 200, r)
        self.assertEqual((state["enabled"], state["limit"], state["window"]), (True, 1, 30))
        self.assertAdmitted(ping(self.server))  # the log starts now: one is admitted
        wait = self.assertThrottled(ping(self.server), max_wait=30)
        self.assertGreater(wait, 29)
        self.assertAdmitted(ping2(self.server))  # its own token, its own window
        self.assertThrottled(ping2(self.server), max_wait=30)
        status, state, r = admin(self.server, "DELETE")
        self.assertEqual(status, 200, r)
        self.assertEqual((state["enabled"], state["limit"], state["every"], state["forced"]),
                         (False, 0, 0, []))
        for c in state["clients"]:
            self.assertEqual((c["admitted"], c["throttled"]), (0, 0), c)
        for _ in range(3):
            self.assertAdmitted(ping(self.server))

    def test_force_everything_then_lift(self):
        status, state, r = admin(self.server, "POST", {"force": True})
        self.assertEqual(status, 200, r)
        self.assertEqual(state["forced"], [{"token": None, "remaining": None}])
        self.assertTrue(state["enabled"])
        for fmt in ("xml", "json"):
            self.assertThrottled(ping(self.server, fmt))
            self.assertThrottled(ping2(self.server, fmt=fmt))
        status, state, r = admin(self.server, "POST", {"lift": True})
        self.assertEqual(status, 200, r)
        self.assertEqual(state["forced"], [])
        self.assertAdmitted(ping(self.server))
        self.assertAdmitted(ping2(self.server))

    def test_force_one_token_for_a_while(self):
        status, state, r = admin(self.server, "POST", {"force": {"token": TOKEN, "seconds": 1.5}})
        self.assertEqual(status, 200, r)
        self.assertEqual(len(state["forced"]), 1, state)
        self.assertEqual(state["forced"][0]["token"], TOKEN)
        self.assertGreater(state["forced"][0]["remaining"], 1.0)
        self.assertLessEqual(state["forced"][0]["remaining"], 1.5)
        wait = self.assertThrottled(ping(self.server), max_wait=1.5)
        self.assertGreater(wait, 1.0)
        self.assertAdmitted(ping2(self.server))  # only that token is forced
        time.sleep(wait)
        self.assertAdmitted(ping(self.server))
        self.assertEqual(self.state()["forced"], [])

    def test_lift_one_token(self):
        admin(self.server, "POST", {"force": {"token": TOKEN}})
        admin(self.server, "POST", {"force": {"token": TOKEN2}})
        self.assertThrottled(ping(self.server))
        self.assertThrottled(ping2(self.server))
        status, state, r = admin(self.server, "POST", {"lift": TOKEN})
        self.assertEqual(status, 200, r)
        self.assertEqual(state["forced"], [{"token": TOKEN2, "remaining": None}])
        self.assertAdmitted(ping(self.server))
        self.assertThrottled(ping2(self.server))

    def test_bad_input_is_refused_and_changes_nothing(self):
        bad = [
            (b'{"limit": 1', "application/json"),                       # broken JSON
            (b'{"limit": 1, "limit": 2}', "application/json"),          # duplicate key
            (b'[1, 2]', "application/json"),                            # not an object
            (b'limit=1&window=30', "application/x-www-form-urlencoded"),  # not JSON at all
            (b'', "application/json"),                                  # empty
            (json.dumps({"limit": 1, "burst": 3}).encode(), "application/json"),  # unknown field
            (json.dumps({"limit": 2, "window": -1}).encode(), "application/json"),
            (json.dumps({"limit": 2, "window": 0}).encode(), "application/json"),
            (json.dumps({"limit": -1}).encode(), "application/json"),
            (json.dumps({"limit": 1.5}).encode(), "application/json"),
            (json.dumps({"limit": "3"}).encode(), "application/json"),
            (json.dumps({"every": 3, "status": 99}).encode(), "application/json"),
            (json.dumps({"force": {"token": 7}}).encode(), "application/json"),
            (json.dumps({"force": {"seconds": -1}}).encode(), "application/json"),
            (json.dumps({"force": "yes"}).encode(), "application/json"),
            (json.dumps({"lift": 3}).encode(), "application/json"),
        ]
        before = self.state()
        for body, ctype in bad:
            with self.subTest(body=body):
                status, doc, r = admin(self.server, "POST", body, content_type=ctype)
                self.assertEqual(status, 400, r)
                self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
                self.assertIsInstance(doc, dict, r)
                self.assertIsInstance(doc.get("error"), str, r)
                self.assertTrue(doc["error"], r)
        self.assertEqual(self.state(), before)
        self.assertAdmitted(ping(self.server))
        self.assertAdmitted(ping(self.server))

    def test_unknown_field_is_named(self):
        status, doc, r = admin(self.server, "POST", {"limit": 1, "burst": 3})
        self.assertEqual(status, 400, r)
        self.assertIn("burst", doc["error"])
        self.assertEqual(self.state()["limit"], 0)

    def test_put_and_patch_work_like_post(self):
        self.addCleanup(admin, self.server, "POST", {"status": 503})
        status, state, r = admin(self.server, "PUT", {"every": 2})
        self.assertEqual(status, 200, r)
        self.assertEqual(state["every"], 2)
        self.assertAdmitted(ping(self.server))
        self.assertThrottled(ping(self.server), positive=False)
        status, state, r = admin(self.server, "PATCH", {"status": 200})
        self.assertEqual(status, 200, r)
        self.assertEqual((state["every"], state["status"]), (2, 200))
        self.assertEqual(self.state()["status"], 200)
        self.assertAdmitted(ping(self.server))  # the 3rd
        self.assertThrottled(ping(self.server), 200, positive=False)  # the 4th, now as HTTP 200

    def test_reset_forgets_the_counters(self):
        admin(self.server, "POST", {"limit": 1, "window": 60})
        self.assertAdmitted(ping(self.server))
        self.assertThrottled(ping(self.server))
        status, state, r = admin(self.server, "POST", {"reset": True})
        self.assertEqual(status, 200, r)
        self.assertEqual(state["limit"], 1)  # the settings stay
        self.assertAdmitted(ping(self.server))

    def test_head_is_get_without_a_body(self):
        status, _, r = admin(self.server, "HEAD")
        self.assertEqual(status, 200, r)
        self.assertEqual(r.body, b"")

    def test_other_methods_are_not_allowed(self):
        for method in ("OPTIONS", "TRACE"):
            with self.subTest(method=method):
                status, _, r = admin(self.server, method)
                self.assertEqual(status, 405, r)
                allow = [m.strip() for m in (r.header("Allow") or "").split(",")]
                self.assertEqual(sorted(allow), sorted(["GET", "POST", "PUT", "PATCH", "DELETE"]))
        self.assertEqual(self.state()["enabled"], False)


class Concurrency(ThrottleAsserts, ServerTestCase):
    """M requests at once against a limit of N with a window far longer than the test: exactly
    N admitted, whatever the interleaving."""

    N = 10
    M = 40
    KEEPALIVE = 4
    server_args = ("--throttle-limit", str(N), "--throttle-window", "600")

    def run_batch(self, jobs):
        """jobs: one list of request counts per thread, each thread on its own connection.
        Returns the answers and the connections."""
        results, errors, conns = [], [], []
        lock = threading.Lock()
        barrier = threading.Barrier(len(jobs))

        def worker(count):
            try:
                conn = self.server.connection()
                conn.connect()  # the TLS handshake before the barrier: the requests race
                with lock:
                    conns.append(conn)
                barrier.wait(10)
                for _ in range(count):
                    r = ping(self.server, conn=conn)
                    with lock:
                        results.append(r)
            except BaseException as e:  # reported below
                with lock:
                    errors.append(e)
                barrier.abort()

        threads = [threading.Thread(target=worker, args=(n,)) for n in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for c in conns:
            c.close()
        self.assertEqual(errors, [])
        self.assertFalse(any(t.is_alive() for t in threads))
        return results, conns

    def check_counts(self, results):
        admitted = [r for r in results if r.status == 200]
        throttled = [r for r in results if r.status == 503]
        self.assertEqual(len(results), self.M)
        self.assertEqual((len(admitted), len(throttled)), (self.N, self.M - self.N),
                         sorted((r.status, r.zapi()["error"]) for r in results))
        for r in admitted:
            self.assertAdmitted(r)
        for r in throttled:
            self.assertThrottled(r, max_wait=600)
        _, state, _ = admin(self.server)
        mine = [c for c in state["clients"] if c["token"] == TOKEN]
        self.assertEqual(mine, [{"token": TOKEN, "admitted": self.N,
                                 "throttled": self.M - self.N}])

    def test_parallel_connections_then_keepalive(self):
        # M threads, each with its own TLS connection and one request.
        results, conns = self.run_batch([1] * self.M)
        self.check_counts(results)
        self.assertEqual(sum(c.connects for c in conns), self.M)
        # Again, on a few keep-alive connections, each sending its share back to back.
        status, _, r = admin(self.server, "POST", {"reset": True})
        self.assertEqual(status, 200, r)
        results, conns = self.run_batch([self.M // self.KEEPALIVE] * self.KEEPALIVE)
        self.check_counts(results)
        self.assertEqual([c.connects for c in conns], [1] * self.KEEPALIVE)


if __name__ == "__main__":
    unittest.main()
