"""Envelope tolerance: what real clients send must be understood."""

import json
import unittest

from mockserver import ACCOUNT_ID, TOKEN, USER_ID, ServerTestCase, xml_request

PONG = {
    "zapiVersion": "2.1",
    "error": "0",
    "message": "OK",
    "methodResponse": {"methodName": "zapiPing", "methodErrorCode": "0",
                       "methodErrorMessage": "Pong"},
}


class XmlEnvelope(ServerTestCase):
    def assertPong(self, body, content_type="application/xml"):
        r = self.server.post(body, content_type)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.content_type.startswith("application/xml"), r.content_type)
        self.assertEqual(r.zapi(), PONG, r.body)

    def test_reference_order(self):
        self.assertPong(xml_request("zapiPing"))

    def test_shuffled_order(self):
        # One client sends token, user id, account id; the method may come first.
        self.assertPong(
            b"<request><zapiMethod><methodName>zapiPing</methodName></zapiMethod>"
            b"<zapiUserId>" + USER_ID.encode() + b"</zapiUserId>"
            b"<zapiToken>" + TOKEN.encode() + b"</zapiToken>"
            b"<zapiAccountId>" + ACCOUNT_ID.encode() + b"</zapiAccountId></request>")

    def test_type_and_nil_attributes(self):
        self.assertPong((
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<request>\n'
            '  <zapiToken>%s</zapiToken>\n'
            '  <zapiUserId type="integer">%s</zapiUserId>\n'
            '  <zapiAccountId type="integer">%s</zapiAccountId>\n'
            '  <zapiMethod>\n'
            '    <methodName>zapiPing</methodName>\n'
            '    <activityDate nil="true"/>\n'
            '    <includeInactive type="boolean">false</includeInactive>\n'
            '  </zapiMethod>\n'
            '</request>\n' % (TOKEN, USER_ID, ACCOUNT_ID)).encode())

    def test_whitespace_around_values(self):
        self.assertPong((
            "<request>\n  <zapiToken>\n    %s\n  </zapiToken>\n"
            "  <zapiAccountId> %s </zapiAccountId>\n"
            "  <zapiUserId>\t%s\t</zapiUserId>\n"
            "  <zapiMethod>\n    <methodName>  zapiPing  </methodName>\n  </zapiMethod>\n"
            "</request>" % (TOKEN, ACCOUNT_ID, USER_ID)).encode())

    def test_cdata_values(self):
        self.assertPong((
            "<request><zapiToken><![CDATA[%s]]></zapiToken>"
            "<zapiAccountId><![CDATA[%s]]></zapiAccountId><zapiUserId>%s</zapiUserId>"
            "<zapiMethod><methodName><![CDATA[zapiPing]]></methodName></zapiMethod></request>"
            % (TOKEN, ACCOUNT_ID, USER_ID)).encode())

    def test_xml_declaration(self):
        self.assertPong(xml_request("zapiPing", declaration=True))

    def test_utf8_bom(self):
        self.assertPong(b"\xef\xbb\xbf" + xml_request("zapiPing", declaration=True))

    def test_no_content_type(self):
        self.assertPong(xml_request("zapiPing"), content_type=None)

    def test_text_xml(self):
        self.assertPong(xml_request("zapiPing"), content_type="text/xml")

    def test_application_xml_with_charset(self):
        self.assertPong(xml_request("zapiPing"), content_type="application/xml; charset=utf-8")

    def test_form_urlencoded_with_raw_xml(self):
        self.assertPong(xml_request("zapiPing"),
                        content_type="application/x-www-form-urlencoded")

    def test_text_plain(self):
        self.assertPong(xml_request("zapiPing"), content_type="text/plain")


class JsonEnvelope(ServerTestCase):
    def assertPong(self, body, content_type="application/json"):
        r = self.server.post(body, content_type)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
        self.assertEqual(r.json(), {"response": PONG}, r.body)

    def env(self, **over):
        e = {"zapiToken": TOKEN, "zapiAccountId": ACCOUNT_ID, "zapiUserId": USER_ID,
             "zapiMethod": {"methodName": "zapiPing"}}
        e.update(over)
        return e

    def test_ids_as_strings(self):
        self.assertPong(json.dumps(self.env()).encode())

    def test_ids_as_numbers(self):
        self.assertPong(json.dumps(self.env(zapiAccountId=int(ACCOUNT_ID),
                                            zapiUserId=int(USER_ID))).encode())

    def test_ids_mixed(self):
        # The documented example: account id a number, user id a string.
        self.assertPong(json.dumps(self.env(zapiAccountId=int(ACCOUNT_ID))).encode())

    def test_without_content_type(self):
        self.assertPong(json.dumps(self.env()).encode(), content_type=None)

    def test_leading_whitespace_without_content_type(self):
        self.assertPong(b"\r\n  " + json.dumps(self.env()).encode(), content_type=None)

    def test_form_urlencoded_json_body(self):
        self.assertPong(json.dumps(self.env()).encode(),
                        content_type="application/x-www-form-urlencoded")

    def test_request_wrapper(self):
        self.assertPong(json.dumps({"request": self.env()}).encode())

    def test_key_order_shuffled(self):
        e = self.env()
        shuffled = {k: e[k] for k in ("zapiMethod", "zapiUserId", "zapiToken", "zapiAccountId")}
        self.assertPong(json.dumps(shuffled).encode())

    def test_whitespace_around_values(self):
        self.assertPong(json.dumps(self.env(zapiToken=" %s " % TOKEN,
                                            zapiMethod={"methodName": " zapiPing\n"})).encode())

    def test_pretty_printed(self):
        self.assertPong(json.dumps(self.env(), indent=4).encode())

    def test_extra_params_of_all_types(self):
        self.assertPong(json.dumps(self.env(zapiMethod={
            "methodName": "zapiPing", "flag": True, "off": False, "n": 1.5, "none": None,
            "list": [1, "2"], "obj": {"a": "b"}})).encode())


if __name__ == "__main__":
    unittest.main()
