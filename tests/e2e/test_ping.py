"""zapiPing: the documented Pong, in XML and in JSON."""

import unittest

from mockserver import ServerTestCase, XML_DECLARATION, json_request, xml_request

# The documented answer (Zaui's "Getting Started" page), element by element, in order.
PONG = [
    ("zapiVersion", "2.1"),
    ("error", "0"),
    ("message", "OK"),
    ("methodResponse", [
        ("methodName", "zapiPing"),
        ("methodErrorCode", "0"),
        ("methodErrorMessage", "Pong"),
    ]),
]


def tree(el):
    """An element as [(tag, text-or-children)], in document order."""
    out = []
    for c in el:
        out.append((c.tag, tree(c) if len(c) else (c.text or "").strip()))
    return out


def to_json_pairs(pairs):
    return [(k, to_json_pairs(v) if isinstance(v, list) else v) for k, v in pairs]


class PingXml(ServerTestCase):
    def test_pong_matches_the_documentation(self):
        r = self.server.post_xml("zapiPing")
        self.assertEqual(r.status, 200)
        root = self.assertXmlAnswer(r)
        self.assertEqual(root.tag, "response")
        self.assertEqual(tree(root), PONG)

    def test_xml_declaration_is_exact(self):
        r = self.server.post_xml("zapiPing")
        first_line = r.body.split(b"\n", 1)[0].strip()
        self.assertEqual(first_line, XML_DECLARATION)

    def test_content_type_is_xml(self):
        r = self.server.post_xml("zapiPing")
        self.assertEqual(r.content_type.split(";")[0].strip(), "application/xml")
        self.assertEqual(int(r.header("Content-Length")), len(r.body))

    def test_no_attributes_in_answer(self):
        root = self.server.post_xml("zapiPing").xml()
        for el in root.iter():
            self.assertEqual(el.attrib, {}, el.tag)


class PingJson(ServerTestCase):
    def test_pong_matches_the_documentation(self):
        r = self.server.post_json("zapiPing")
        self.assertEqual(r.status, 200)
        doc = self.assertJsonAnswer(r)
        self.assertEqual(doc, {"response": {
            "zapiVersion": "2.1",
            "error": "0",
            "message": "OK",
            "methodResponse": {
                "methodName": "zapiPing",
                "methodErrorCode": "0",
                "methodErrorMessage": "Pong",
            },
        }})

    def test_key_order_follows_the_xml(self):
        r = self.server.post_json("zapiPing")
        self.assertEqual(r.json(ordered=True), [("response", to_json_pairs(PONG))])

    def test_every_scalar_is_a_string(self):
        doc = self.server.post_json("zapiPing").json()

        def walk(v, path):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, path + "/" + k)
            else:
                self.assertIsInstance(v, str, path)
        walk(doc, "")
        # Clients compare response.error !== "0" as a string.
        self.assertIs(type(doc["response"]["error"]), str)
        self.assertEqual(doc["response"]["error"], "0")

    def test_content_type_is_json(self):
        r = self.server.post_json("zapiPing")
        self.assertEqual(r.content_type.split(";")[0].strip(), "application/json")
        self.assertEqual(int(r.header("Content-Length")), len(r.body))

    def test_xml_and_json_carry_the_same_answer(self):
        x = self.server.post(xml_request("zapiPing"), "application/xml").zapi()
        j = self.server.post(json_request("zapiPing"), "application/json").zapi()
        self.assertEqual(x, j)


if __name__ == "__main__":
    unittest.main()
