"""The answers really come from the fixture files: edit them, add some, see them served."""

import os
import re
import shutil
import tempfile
import unittest

from mockserver import ServerTestCase, copy_fixtures, json_request, xml_request

EDITED_MESSAGE = "Pong from an edited fixture set"

ZAPI_FOO = """<?xml version="1.0" encoding="utf-8"?>
<response>
  <zapiVersion>2.1</zapiVersion>
  <error>0</error>
  <message>OK</message>
  <methodResponse>
    <methodName>zapiFoo</methodName>
    <foo>
      <bar>1</bar>
      <bar>2</bar>
      <empty/>
    </foo>
    <methodErrorCode>0</methodErrorCode>
    <methodErrorMessage>Foo served</methodErrorMessage>
  </methodResponse>
</response>
"""

ZAPI_ECHO = """<?xml version="1.0" encoding="utf-8"?>
<fixture method="zapiEcho">
  <answer status="202">
    <response>
      <zapiVersion>2.1</zapiVersion>
      <error>0</error>
      <message>OK</message>
      <methodResponse>
        <methodName>{{method.name}}</methodName>
        <said>{{request.zapiMethod.say}}</said>
        <partner>{{partner.affiliateUsername}}</partner>
        <methodErrorCode>0</methodErrorCode>
        <methodErrorMessage>Echo</methodErrorMessage>
      </methodResponse>
    </response>
  </answer>
</fixture>
"""

SECOND_PARTNER = ('<partner token="ZAPI-SECOND-PARTNER" accountId="789" userId="42" '
                  'affiliateUsername="second" organisation="Second Org"/>\n')


class EditedFixtures(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="zapi-e2e-fixtures-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        fx = copy_fixtures(cls.dir)
        ping = os.path.join(fx, "methods", "zapiPing.xml")
        with open(ping, encoding="utf-8") as f:
            text = f.read()
        assert "<methodErrorMessage>Pong</methodErrorMessage>" in text
        with open(ping, "w", encoding="utf-8") as f:
            f.write(text.replace("<methodErrorMessage>Pong</methodErrorMessage>",
                                 "<methodErrorMessage>%s</methodErrorMessage>" % EDITED_MESSAGE))
        with open(os.path.join(fx, "methods", "zapiFoo.xml"), "w", encoding="utf-8") as f:
            f.write(ZAPI_FOO)
        with open(os.path.join(fx, "methods", "zapiEcho.xml"), "w", encoding="utf-8") as f:
            f.write(ZAPI_ECHO)
        # Not a fixture: a file without the .xml suffix is ignored.
        with open(os.path.join(fx, "methods", "zapiIgnored.txt"), "w") as f:
            f.write("not xml")
        reg = os.path.join(fx, "registry.xml")
        with open(reg, encoding="utf-8") as f:
            text = f.read()
        with open(reg, "w", encoding="utf-8") as f:
            f.write(text.replace("</registry>", SECOND_PARTNER + "</registry>"))
        cls.fixtures = fx
        cls.server_options = {"fixtures": fx}
        super().setUpClass()

    def test_edited_ping_xml(self):
        r = self.server.post_xml("zapiPing")
        z = self.assertZapiOk(r, "zapiPing")
        self.assertEqual(z["methodResponse"]["methodErrorMessage"], EDITED_MESSAGE)

    def test_edited_ping_json(self):
        r = self.server.post_json("zapiPing")
        self.assertEqual(r.json()["response"]["methodResponse"]["methodErrorMessage"],
                         EDITED_MESSAGE)

    def test_new_method_xml(self):
        r = self.server.post_xml("zapiFoo")
        root = self.assertXmlAnswer(r)
        self.assertZapiOk(r, "zapiFoo")
        self.assertEqual([b.text for b in root.findall("methodResponse/foo/bar")], ["1", "2"])
        self.assertEqual(root.findtext("methodResponse/methodErrorMessage"), "Foo served")

    def test_new_method_json(self):
        r = self.server.post_json("zapiFoo")
        self.assertEqual(r.json(), {"response": {
            "zapiVersion": "2.1", "error": "0", "message": "OK",
            "methodResponse": {
                "methodName": "zapiFoo",
                "foo": {"bar": ["1", "2"], "empty": {}},
                "methodErrorCode": "0",
                "methodErrorMessage": "Foo served",
            }}})

    def test_fixture_with_placeholders_and_status(self):
        r = self.server.post_xml("zapiEcho", {"say": "hello <world> & co"})
        self.assertEqual(r.status, 202)
        mr = r.xml().find("methodResponse")
        self.assertEqual(mr.findtext("methodName"), "zapiEcho")
        self.assertEqual(mr.findtext("said"), "hello <world> & co")
        self.assertEqual(mr.findtext("partner"), "naddau")

    def test_added_partner(self):
        r = self.server.post_xml("zapiFoo", token="ZAPI-SECOND-PARTNER", account_id="789",
                                 user_id="42")
        self.assertZapiOk(r, "zapiFoo")
        r = self.server.post_xml("zapiEcho", {"say": "x"}, token="ZAPI-SECOND-PARTNER",
                                 account_id="789", user_id="42")
        self.assertEqual(r.xml().findtext("methodResponse/partner"), "second")

    def test_added_partner_keeps_its_own_ids(self):
        r = self.server.post_xml("zapiFoo", token="ZAPI-SECOND-PARTNER")  # demo ids
        self.assertEqual(r.zapi()["error"], "1")

    def test_non_xml_file_is_not_a_method(self):
        r = self.server.post_xml("zapiIgnored")
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorCode"], "99")

    def test_shipped_fixtures_untouched(self):
        from mockserver import FIXTURES_DIR
        with open(os.path.join(FIXTURES_DIR, "methods", "zapiPing.xml"), encoding="utf-8") as f:
            self.assertIn("<methodErrorMessage>Pong</methodErrorMessage>", f.read())
        self.assertFalse(os.path.exists(os.path.join(FIXTURES_DIR, "methods", "zapiFoo.xml")))

    def test_log_counts_methods(self):
        from mockserver import FIXTURES_DIR
        shipped = len([n for n in os.listdir(os.path.join(FIXTURES_DIR, "methods"))
                       if n.endswith(".xml")])
        self.assertRegex(self.server.log(), r"fixtures\b.*%s\b.*\b%d methods, 2 partners, 2 agents"
                         % (re.escape(self.fixtures), shipped + 2))


class ShippedFixturesDoNotServeFoo(ServerTestCase):
    def test_foo_unknown_without_the_file(self):
        r = self.server.post(xml_request("zapiFoo"), "application/xml")
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorCode"], "99")
        j = self.server.post(json_request("zapiFoo"), "application/json")
        self.assertEqual(j.json()["response"]["methodResponse"]["methodErrorCode"], "99")


if __name__ == "__main__":
    unittest.main()
