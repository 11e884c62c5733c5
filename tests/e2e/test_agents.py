"""zapiAgents_Authenticate against the agents in fixtures/registry.xml."""

import unittest

from mockserver import ServerTestCase

METHOD = "zapiAgents_Authenticate"

# The documented agent (registry.xml moves its expiry to 2099 so it can log in), in the
# documentation's element order. None marks an element that is empty.
AGENT_DETAILS = [
    ("agentID", "1240"),
    ("agentHashKey", "79dc5307ebf032b8705edffe1a47928cb8dafa5f"),
    ("accountId", "456"),
    ("expiryDate", "2099-12-31"),
    ("username", "naddau"),
    ("firstName", "Nad"),
    ("lastName", "Dau"),
    ("gender", None),
    ("mobilePhone", None),
    ("email", "support@zaui.com"),
    ("addressLine1", "119 W Pender St Suite 423"),
    ("addressLine2", None),
    ("city", "Vancouver"),
    ("state", "BC"),
    ("country", "Canada"),
    ("zipCode", "V6B1S5"),
    ("birthDate", "N/A"),
    ("dateCreated", "2021-11-23 12:26:51"),
    ("relatedBookings", [
        ("totalNumberOfBookings", "0"),
        ("totalPurchases", "$0.00"),
        ("mostRecentBookingCount", "0"),
        ("allBookings", None),
    ]),
]


def as_json(pairs):
    """The JSON shape of AGENT_DETAILS: empty elements are {}."""
    return {k: ({} if v is None else as_json(v) if isinstance(v, list) else v)
            for k, v in pairs}


def login(username, password):
    return {"username": username, "password": password}


class Authenticate(ServerTestCase):
    def test_found_xml(self):
        r = self.server.post_xml(METHOD, login("naddau", "zaui-demo"))
        root = self.assertXmlAnswer(r)
        self.assertZapiOk(r, METHOD)
        mr = root.find("methodResponse")
        self.assertEqual([c.tag for c in mr],
                         ["methodName", "agentDetails", "methodErrorCode", "methodErrorMessage"])
        self.assertEqual(mr.findtext("methodErrorMessage"), "Agent account found")

        def check(el, pairs):
            self.assertEqual([c.tag for c in el], [k for k, _ in pairs], el.tag)
            for (k, v), c in zip(pairs, el):
                if isinstance(v, list):
                    check(c, v)
                else:
                    self.assertEqual(len(c), 0, k)
                    self.assertEqual((c.text or "").strip(), v or "", k)
        check(mr.find("agentDetails"), AGENT_DETAILS)
        # The key the docs say partners use later must be exact, with no whitespace around it.
        self.assertEqual(mr.find("agentDetails/agentHashKey").text,
                         "79dc5307ebf032b8705edffe1a47928cb8dafa5f")
        self.assertEqual(mr.find("agentDetails/agentID").text, "1240")

    def test_found_json(self):
        r = self.server.post_json(METHOD, login("naddau", "zaui-demo"))
        doc = self.assertJsonAnswer(r)
        self.assertEqual(doc, {"response": {
            "zapiVersion": "2.1",
            "error": "0",
            "message": "OK",
            "methodResponse": {
                "methodName": METHOD,
                "agentDetails": as_json(AGENT_DETAILS),
                "methodErrorCode": "0",
                "methodErrorMessage": "Agent account found",
            },
        }})
        self.assertEqual(doc["response"]["methodResponse"]["agentDetails"]["relatedBookings"]
                         ["allBookings"], {})

    def test_found_json_key_order(self):
        r = self.server.post_json(METHOD, login("naddau", "zaui-demo"))
        mr = dict(dict(r.json(ordered=True))["response"])["methodResponse"]
        details = dict(mr)["agentDetails"]
        self.assertEqual([k for k, _ in details], [k for k, _ in AGENT_DETAILS])

    def assertInvalid(self, r, code, *words):
        self.assertEqual(r.status, 200, r)
        z = r.zapi()
        self.assertEqual(z["error"], "0", r)
        self.assertEqual(z["message"], "OK", r)
        mr = z["methodResponse"]
        self.assertEqual(mr["methodName"], METHOD, r)
        self.assertEqual(mr["methodErrorCode"], str(code), r)
        self.assertNotIn("agentDetails", mr, r)
        for w in words:
            self.assertIn(w, mr["methodErrorMessage"], r)
        return mr["methodErrorMessage"]

    def test_wrong_password_xml(self):
        msg = self.assertInvalid(self.server.post_xml(METHOD, login("naddau", "nope")), 70,
                                 "password", "naddau")
        self.assertNotIn("zaui-demo", msg)

    def test_wrong_password_json(self):
        self.assertInvalid(self.server.post_json(METHOD, login("naddau", "nope")), 70,
                           "password", "naddau")

    def test_password_prefix_is_wrong(self):
        self.assertInvalid(self.server.post_xml(METHOD, login("naddau", "zaui")), 70, "password")

    def test_password_longer_is_wrong(self):
        self.assertInvalid(self.server.post_xml(METHOD, login("naddau", "zaui-demo!")), 70,
                           "password")

    def test_empty_password(self):
        self.assertInvalid(self.server.post_xml(METHOD, login("naddau", "")), 70, "password")

    def test_unknown_user_xml(self):
        msg = self.assertInvalid(self.server.post_xml(METHOD, login("nobody", "zaui-demo")), 70,
                                 "nobody")
        self.assertNotIn("password", msg)

    def test_unknown_user_json(self):
        self.assertInvalid(self.server.post_json(METHOD, login("nobody", "zaui-demo")), 70,
                           "nobody")

    def test_missing_username(self):
        self.assertInvalid(self.server.post_xml(METHOD, {"password": "zaui-demo"}), 70,
                           "username")

    def test_expired_agent_xml(self):
        self.assertInvalid(self.server.post_xml(METHOD, login("expired-agent", "expired-demo")),
                           71, "expired-agent", "2021-12-31")

    def test_expired_agent_json(self):
        self.assertInvalid(self.server.post_json(METHOD, login("expired-agent", "expired-demo")),
                           71, "expired-agent")

    def test_expired_agent_wrong_password_is_70(self):
        # The password is checked before the account's state is revealed.
        self.assertInvalid(self.server.post_xml(METHOD, login("expired-agent", "x")), 70,
                           "password")

    def test_login_needs_a_valid_token(self):
        r = self.server.post_xml(METHOD, login("naddau", "zaui-demo"), token="WRONG-TOKEN")
        z = r.zapi()
        self.assertEqual(z["error"], "1", r)
        self.assertNotIn("agentDetails", z["methodResponse"])


if __name__ == "__main__":
    unittest.main()
