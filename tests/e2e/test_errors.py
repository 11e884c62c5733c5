"""ZAPI errors: validation (1), invalid request (3), unknown method (99), XXE."""

import os
import re
import secrets
import shutil
import tempfile
import unittest

from mockserver import (ACCOUNT_ID, TOKEN, USER_ID, ServerTestCase, json_request,
                        xml_request)

VALIDATION_PREFIX = "ZAPI_VALIDATION ERROR: "
INVALID_PREFIX = "ZAPI_INVALID_XML: "


class ValidationMixin:
    expected_status = 200

    def assertValidation(self, r, method, *words):
        self.assertEqual(r.status, self.expected_status, r)
        z = r.zapi()
        self.assertEqual(z["zapiVersion"], "2.1", r)
        self.assertEqual(z["error"], "1", r)
        self.assertTrue(z["message"].startswith(VALIDATION_PREFIX), z["message"])
        mr = z["methodResponse"]
        self.assertEqual(mr["methodName"], method, r)
        self.assertEqual(mr["methodErrorCode"], "1", r)
        self.assertEqual(z["message"], VALIDATION_PREFIX + mr["methodErrorMessage"])
        for w in words:
            self.assertIn(w, mr["methodErrorMessage"], r)
        return mr["methodErrorMessage"]

    def test_missing_token(self):
        msg = self.assertValidation(self.server.post_xml("zapiPing", token=None), "zapiPing",
                                    "zapiToken")
        self.assertIn("missing", msg)

    def test_empty_token(self):
        self.assertValidation(self.server.post_xml("zapiPing", token=""), "zapiPing",
                              "zapiToken", "missing")

    def test_unknown_token(self):
        msg = self.assertValidation(self.server.post_xml("zapiPing", token="NOT-A-TOKEN"),
                                    "zapiPing", "zapiToken")
        self.assertIn("NOT-A-TOKEN", msg)
        self.assertNotIn("zapiAccountId", msg)
        self.assertNotIn("zapiUserId", msg)

    def test_unknown_token_json(self):
        r = self.server.post_json("zapiPing", token="NOT-A-TOKEN")
        self.assertTrue(r.content_type.startswith("application/json"))
        self.assertValidation(r, "zapiPing", "zapiToken")

    def test_token_is_case_sensitive(self):
        self.assertValidation(self.server.post_xml("zapiPing", token=TOKEN.lower()), "zapiPing",
                              "zapiToken")

    def test_wrong_account_id(self):
        msg = self.assertValidation(self.server.post_xml("zapiPing", account_id="999"),
                                    "zapiPing", "zapiAccountId")
        self.assertNotIn("zapiUserId", msg)
        self.assertIn("999", msg)

    def test_wrong_account_id_json_number(self):
        self.assertValidation(self.server.post_json("zapiPing", account_id=999), "zapiPing",
                              "zapiAccountId")

    def test_missing_account_id(self):
        self.assertValidation(self.server.post_xml("zapiPing", account_id=None), "zapiPing",
                              "zapiAccountId")

    def test_wrong_user_id(self):
        msg = self.assertValidation(self.server.post_xml("zapiPing", user_id="7"), "zapiPing",
                                    "zapiUserId")
        self.assertNotIn("zapiAccountId", msg)

    def test_wrong_user_id_json(self):
        self.assertValidation(self.server.post_json("zapiPing", user_id=7), "zapiPing",
                              "zapiUserId")

    def test_missing_user_id(self):
        self.assertValidation(self.server.post_xml("zapiPing", user_id=None), "zapiPing",
                              "zapiUserId")

    def test_ids_swapped(self):
        # Account and user id of the right partner, each in the other's element.
        self.assertValidation(
            self.server.post_xml("zapiPing", account_id=USER_ID, user_id=ACCOUNT_ID),
            "zapiPing", "zapiAccountId")

    def test_validation_comes_before_method_lookup(self):
        self.assertValidation(self.server.post_xml("zapiNoSuchMethod", token="NOT-A-TOKEN"),
                              "zapiNoSuchMethod", "zapiToken")


class Validation(ValidationMixin, ServerTestCase):
    pass


class ValidationWithErrorStatus(ValidationMixin, ServerTestCase):
    server_args = ("--error-status", "401")
    expected_status = 401

    def test_success_stays_200(self):
        self.assertZapiOk(self.server.post_xml("zapiPing"), "zapiPing")

    def test_invalid_request_uses_error_status(self):
        r = self.server.post(b"<request>", "application/xml")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.zapi()["error"], "3")

    def test_unknown_method_is_not_a_zapi_error(self):
        r = self.server.post_xml("zapiNoSuchMethod")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorCode"], "99")


class InvalidRequest(ServerTestCase):
    def assertInvalid(self, r, *words, fmt="xml"):
        self.assertEqual(r.status, 200, r)
        if fmt == "xml":
            self.assertXmlAnswer(r)
        else:
            self.assertJsonAnswer(r)
        z = r.zapi()
        self.assertEqual(z["zapiVersion"], "2.1", r)
        self.assertEqual(z["error"], "3", r)
        self.assertTrue(z["message"].startswith(INVALID_PREFIX), z["message"])
        mr = z["methodResponse"]
        self.assertEqual(mr["methodErrorCode"], "3", r)
        self.assertEqual(z["message"], INVALID_PREFIX + mr["methodErrorMessage"])
        for w in words:
            self.assertIn(w, mr["methodErrorMessage"], r)
        return mr["methodErrorMessage"]

    def line_col(self, msg):
        m = re.search(r"line (\d+), column (\d+)", msg)
        self.assertIsNotNone(m, msg)
        return int(m.group(1)), int(m.group(2))

    def test_malformed_xml_has_line_and_column(self):
        body = ("<request>\n"
                "  <zapiToken>%s</zapiToken>\n"
                "  <zapiMethod><methodName>zapiPing</methodNam></zapiMethod>\n"
                "</request>\n" % TOKEN).encode()
        msg = self.assertInvalid(self.server.post(body, "application/xml"), "not well-formed")
        line, col = self.line_col(msg)
        self.assertEqual(line, 3, msg)
        # The bad end tag spans columns 35-46; the parser may point at it or just past it.
        self.assertTrue(35 <= col <= 47, msg)
        self.assertIn("methodNam", msg)

    def test_unclosed_root(self):
        msg = self.assertInvalid(self.server.post(b"<request>\n<zapiToken>x</zapiToken>\n",
                                                  "application/xml"), "not well-formed")
        self.line_col(msg)

    def test_malformed_json_has_line_and_column(self):
        body = (b'{\n "zapiToken": "x",\n "zapiMethod": {"methodName": "zapiPing",}\n}')
        msg = self.assertInvalid(self.server.post(body, "application/json"), "JSON",
                                 fmt="json")
        self.assertEqual(self.line_col(msg), (3, 42), msg)

    def test_malformed_json_without_content_type(self):
        body = b'{"zapiToken": "x", "zapiMethod": {"methodName": "zapiPing"}'
        msg = self.assertInvalid(self.server.post(body, None), "JSON", fmt="json")
        self.line_col(msg)

    def test_json_not_an_object(self):
        self.assertInvalid(self.server.post(b'["zapiPing"]', "application/json"), "object",
                           fmt="json")

    def test_root_is_not_request(self):
        body = xml_request("zapiPing").replace(b"request>", b"response>")
        msg = self.assertInvalid(self.server.post(body, "application/xml"), "<request>")
        self.assertIn("response", msg)

    def test_missing_zapi_method(self):
        body = ("<request><zapiToken>%s</zapiToken><zapiAccountId>%s</zapiAccountId>"
                "<zapiUserId>%s</zapiUserId></request>" % (TOKEN, ACCOUNT_ID, USER_ID)).encode()
        self.assertInvalid(self.server.post(body, "application/xml"), "zapiMethod")

    def test_missing_method_name(self):
        body = xml_request("zapiPing").replace(b"<methodName>zapiPing</methodName>", b"")
        self.assertInvalid(self.server.post(body, "application/xml"), "methodName")

    def test_empty_method_name(self):
        self.assertInvalid(self.server.post(xml_request("  "), "application/xml"), "methodName")

    def test_missing_method_name_json(self):
        body = json_request("zapiPing").replace(b'"methodName": "zapiPing"', b'"x": "y"')
        self.assertInvalid(self.server.post(body, "application/json"), "methodName", fmt="json")

    def test_empty_body(self):
        msg = self.assertInvalid(self.server.post(b"", "application/xml"))
        self.assertIn("empty", msg.lower())

    def test_empty_body_without_content_type(self):
        r = self.server.post(b"", None)
        self.assertEqual(r.zapi()["error"], "3", r)

    def test_json_method_name_is_empty_object(self):
        # The JSON shape of an empty <methodName/>.
        r = self.server.post(b"{}", "application/json")
        doc = r.json()
        self.assertEqual(doc["response"]["error"], "3")
        self.assertEqual(doc["response"]["methodResponse"]["methodName"], {})

    def test_doctype_is_refused(self):
        body = (b'<?xml version="1.0"?>\n<!DOCTYPE request [<!ENTITY t "' + TOKEN.encode() +
                b'">]>\n<request><zapiToken>&t;</zapiToken><zapiAccountId>456</zapiAccountId>'
                b'<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiPing</methodName>'
                b'</zapiMethod></request>')
        self.assertInvalid(self.server.post(body, "application/xml"), "DOCTYPE")

    def test_entity_expansion_bomb_is_refused_quickly(self):
        ents = ['<!ENTITY a0 "lol">'] + [
            '<!ENTITY a%d "%s">' % (i, ("&a%d;" % (i - 1)) * 10) for i in range(1, 10)]
        body = ('<!DOCTYPE request [%s]><request><zapiToken>&a9;</zapiToken><zapiMethod>'
                '<methodName>zapiPing</methodName></zapiMethod></request>'
                % "".join(ents)).encode()
        self.assertInvalid(self.server.post(body, "application/xml"), "DOCTYPE")

    def test_server_keeps_serving_after_errors(self):
        self.assertZapiOk(self.server.post_xml("zapiPing"), "zapiPing")


class ExternalEntities(ServerTestCase):
    """No request may make the server read a local file into an answer or the log."""

    @classmethod
    def setUpClass(cls):
        cls.secret_dir = tempfile.mkdtemp(prefix="zapi-e2e-secret-")
        cls.addClassCleanup(shutil.rmtree, cls.secret_dir, True)
        cls.secret = "SECRET-" + secrets.token_hex(16)
        cls.secret_path = os.path.join(cls.secret_dir, "secret.txt")
        with open(cls.secret_path, "w") as f:
            f.write(cls.secret)
        # A secret that is itself a valid method name and token, so any expansion would show.
        cls.dtd_path = os.path.join(cls.secret_dir, "evil.dtd")
        with open(cls.dtd_path, "w") as f:
            f.write('<!ENTITY leak "%s">' % cls.secret)
        super().setUpClass()

    def check(self, body):
        r = self.server.post(body, "application/xml")
        self.assertNotIn(self.secret.encode(), r.body)
        self.assertNotIn(self.secret[7:].encode(), r.body)
        self.assertEqual(r.zapi()["error"], "3", r)
        return r

    def uri(self, path):
        return "file://" + path

    def test_external_entity_in_method_name(self):
        # methodName is echoed in answers: the most likely place for a leak.
        self.check(('<?xml version="1.0"?>\n<!DOCTYPE request [<!ENTITY xxe SYSTEM "%s">]>\n'
                    '<request><zapiToken>%s</zapiToken><zapiAccountId>456</zapiAccountId>'
                    '<zapiUserId>1240</zapiUserId><zapiMethod><methodName>&xxe;</methodName>'
                    '</zapiMethod></request>' % (self.uri(self.secret_path), TOKEN)).encode())

    def test_external_entity_in_token(self):
        self.check(('<!DOCTYPE request [<!ENTITY xxe SYSTEM "%s">]>'
                    '<request><zapiToken>&xxe;</zapiToken><zapiMethod><methodName>zapiPing'
                    '</methodName></zapiMethod></request>' % self.secret_path).encode())

    def test_external_dtd(self):
        self.check(('<!DOCTYPE request SYSTEM "%s">'
                    '<request><zapiToken>%s</zapiToken><zapiMethod><methodName>&leak;'
                    '</methodName></zapiMethod></request>'
                    % (self.uri(self.dtd_path), TOKEN)).encode())

    def test_parameter_entity(self):
        self.check(('<!DOCTYPE request [<!ENTITY %% p SYSTEM "%s"> %%p;]>'
                    '<request><zapiToken>%s</zapiToken><zapiMethod><methodName>&leak;'
                    '</methodName></zapiMethod></request>'
                    % (self.uri(self.dtd_path), TOKEN)).encode())

    def test_xinclude_is_not_processed(self):
        body = ('<request xmlns:xi="http://www.w3.org/2001/XInclude">'
                '<zapiToken>%s</zapiToken><zapiAccountId>456</zapiAccountId>'
                '<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiX'
                '<xi:include href="%s" parse="text"/></methodName></zapiMethod></request>'
                % (TOKEN, self.uri(self.secret_path))).encode()
        r = self.server.post(body, "application/xml")
        self.assertNotIn(self.secret.encode(), r.body)
        # Without XInclude the method is just "zapiX": unknown.
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorCode"], "99", r)

    def test_zz_secret_never_in_log(self):
        self.assertNotIn(self.secret, self.server.log())
        self.assertNotIn(self.secret[7:], self.server.log())


class UnknownMethod(ServerTestCase):
    def assertUnknown(self, r, method):
        self.assertEqual(r.status, 200, r)
        z = r.zapi()
        self.assertEqual(z["error"], "0", r)
        self.assertEqual(z["message"], "OK", r)
        mr = z["methodResponse"]
        self.assertEqual(mr["methodName"], method, r)
        self.assertEqual(mr["methodErrorCode"], "99", r)
        self.assertIn(method, mr["methodErrorMessage"], r)
        return mr

    def test_xml(self):
        r = self.server.post_xml("zapiNoSuchMethod")
        self.assertXmlAnswer(r)
        self.assertUnknown(r, "zapiNoSuchMethod")

    def test_json(self):
        r = self.server.post_json("zapiNoSuchMethod")
        self.assertJsonAnswer(r)
        self.assertUnknown(r, "zapiNoSuchMethod")

    def test_documented_method_is_served(self):
        mr = self.server.post_xml("zapiGetActivityCategories").zapi()["methodResponse"]
        self.assertEqual(mr["methodErrorCode"], "0", mr)

    def test_method_names_are_case_sensitive(self):
        self.assertUnknown(self.server.post_xml("zapiping"), "zapiping")

    def test_markup_in_method_name_is_escaped(self):
        name = "zapi<Foo>&\"'"
        r = self.server.post_xml(name)  # xml_request escapes it
        self.assertUnknown(r, name)  # r.zapi() parses: the answer is well-formed
        j = self.server.post_json(name)
        self.assertUnknown(j, name)

    def test_path_like_method_name(self):
        # Must not read files outside fixtures/methods.
        self.assertUnknown(self.server.post_xml("../registry"), "../registry")
        self.assertUnknown(self.server.post_xml("../errors/validation"), "../errors/validation")


if __name__ == "__main__":
    unittest.main()
