"""The demo catalogue end to end, over HTTPS, in XML and JSON, as public clients call it: the
fields they read (categories -> activities, details with passenger prices, inventory, login),
Rails-style typed XML and ids as numbers or strings, a site builder's pass over every activity,
every method error code, the token-less logins, and a broken catalogue refused at start and on
reload while the old one is served."""

import os
import re
import shutil
import tempfile
import unittest

from mockserver import (ACCOUNT_ID, TOKEN, USER_ID, MockServer, ServerTestCase, as_list,
                        copy_fixtures, json_request, login_request, run_binary, utc_day,
                        xml_request)


def ok_calls():
    """The 20 read-only methods of issue 8 with parameters that answer 0 from the demo data."""
    t, t7 = utc_day(1), utc_day(7)
    return [
        ("zapiGetActivityCategories", {}),
        ("zapiGetActivitiesByCategoryId", {"categoryId": 1}),
        ("zapiGetAllActivitiesByDate", {"activityDate": t}),
        ("zapiGetAllActivitiesByName", {"activityNameToSearch": "whale"}),
        ("zapiGetActivityAndProductCatalog", {}),
        ("zapiGetActivityDetailsByActivityId", {"activityId": 101, "activityDate": t}),
        ("zapiCheckActivityInventoryByDate", {"activityId": 101, "activityDate": t}),
        ("zapiBatchAvailability", {"activityId": 101, "activityStartDate": t,
                                   "activityEndDate": t7}),
        ("zapiPriceQuote", {"activityId": 101, "activityDate": t,
                            "pax": {"adults": 2, "children": 1}}),
        ("zapiActivity_GetCancellations", {"activityId": 101}),
        ("zapiGetMerchandiseCategories", {}),
        ("zapiGetMerchandiseByCategoryId", {"categoryId": 2}),
        ("zapiGetAllMerchandiseByName", {"productNameToSearch": "shirt"}),
        ("zapiGetProductDetailsByProductId", {"productId": 201}),
        ("zapiCheckProductInventory", {"productId": 201, "quantity": 2}),
        ("zapiGetPackageCategories", {}),
        ("zapiGetPackagesByCategoryId", {"categoryId": 1}),
        ("zapiGetPackageDetailsByPackageId", {"packageId": 401}),
        ("zapiPackage_DetermineMinimumDatesToBook", {"packageId": 401, "pax": {"adults": 2}}),
        ("zapiGetSystemInformation", {}),
    ]


def stringify(params):
    """The same parameters with every scalar a string (ids as strings)."""
    return {k: stringify(v) if isinstance(v, dict) else str(v) for k, v in params.items()}


class Catalogue(ServerTestCase):
    def call(self, method, params=None, fmt="xml", **kw):
        if fmt == "xml":
            r = self.server.post(xml_request(method, params, **kw), "application/xml")
        else:
            r = self.server.post(json_request(method, params, **kw), "application/json")
        self.assertEqual(r.status, 200, r)
        return r

    def ok(self, method, params=None, fmt="xml", **kw):
        r = self.call(method, params, fmt, **kw)
        z = self.assertZapiOk(r, method)
        if fmt == "xml":
            self.assertXmlAnswer(r)
        else:
            self.assertJsonAnswer(r)
        return z["methodResponse"]

    # -- the fields public clients read ---------------------------------------------------

    def check_categories(self, mr):
        cats = as_list(mr["categories"]["category"])
        self.assertEqual([c["categoryId"] for c in cats], ["1", "2", "3", "4"])
        seen = set()
        for c in cats:
            self.assertTrue(c["categoryName"])
            acts = as_list(c["activities"].get("activity") if c["activities"] else None)
            self.assertEqual(c["numberOfActivities"], str(len(acts)))
            for a in acts:
                self.assertRegex(a["activityId"], r"^\d+$")
                self.assertTrue(a["activityName"])
                self.assertIn(a["activityType"], ("500", "502", "503", "504", "505"))
                self.assertTrue(a["imageUrl"].startswith("https://"), a)
                seen.add(a["activityId"])
        # Every published activity, the one sold by phone (107) not.
        self.assertEqual(seen, {"101", "102", "103", "104", "105", "106", "108", "109"})
        return seen

    def test_categories_to_activities(self):
        xml = self.check_categories(self.ok("zapiGetActivityCategories"))
        for ids in ((int(ACCOUNT_ID), int(USER_ID)), (ACCOUNT_ID, USER_ID)):
            j = self.check_categories(self.ok("zapiGetActivityCategories", fmt="json",
                                              account_id=ids[0], user_id=ids[1]))
            self.assertEqual(j, xml)

    def test_category_with_one_activity_is_an_object_in_json(self):
        mr = self.ok("zapiGetActivitiesByCategoryId", {"categoryId": 3}, fmt="json")
        self.assertIsInstance(mr["activities"]["activity"], dict)
        self.assertEqual(mr["activities"]["activity"]["activityId"], "108")
        mr = self.ok("zapiGetActivitiesByCategoryId", {"categoryId": "1"}, fmt="json")
        self.assertIsInstance(mr["activities"]["activity"], list)

    def test_details_passenger_prices(self):
        t = utc_day(1)
        for fmt, aid in (("xml", 101), ("json", 101), ("json", "101")):
            mr = self.ok("zapiGetActivityDetailsByActivityId",
                         {"activityId": aid, "activityDate": t}, fmt=fmt)
            a = mr["activity"]
            self.assertEqual(a["activityId"], "101")
            self.assertEqual(a["activityName"], "Whale Watching Adventure")
            self.assertTrue(a["imageUrl"].startswith("https://"))
            prices = {p["systemTypeId"]: p["basePrice"]
                      for p in as_list(a["allowedPassengers"]["passengerType"])}
            self.assertEqual(prices, {"10": "119.00", "11": "139.00", "12": "119.00",
                                      "13": "89.00", "14": "0.00"})
            times = as_list(a["activityTimes"]["activityTime"])
            self.assertEqual([x["activityTimeStart"] for x in times],
                             ["09:00:00", "13:00:00", "17:00:00"])

    def test_inventory_tomorrow(self):
        t = utc_day(1)
        for fmt in ("xml", "json"):
            mr = self.ok("zapiCheckActivityInventoryByDate",
                         {"activityId": 101, "activityDate": t}, fmt=fmt)
            self.assertEqual(mr["activityDate"], t)
            times = {x["activityTimeStart"]: x for x in as_list(mr["activityTimes"]["activityTime"])}
            # 24 seats, 10 sold at start (<sold>), 3 taken by the demo's <booking>.
            self.assertEqual(times["09:00:00"]["activityTimeSpotsRemaining"], "11")
            self.assertEqual(times["09:00:00"]["status"], "AVAILABLE")
            self.assertEqual(times["13:00:00"]["activityTimeSpotsRemaining"], "0")
            self.assertEqual(times["13:00:00"]["status"], "SOLD_OUT")
            self.assertEqual(times["17:00:00"]["activityTimeSpotsRemaining"], "12")
        # Two seats left the day after on the bike tour.
        mr = self.ok("zapiCheckActivityInventoryByDate",
                     {"activityId": 108, "activityDate": utc_day(2)}, fmt="json")
        self.assertEqual(as_list(mr["activityTimes"]["activityTime"])[0]
                         ["activityTimeSpotsRemaining"], "2")

    def test_site_builder_pass(self):
        """A TypeScript site builder: categories, then the details of every activity with
        tomorrow's date, JSON with numeric ids. Every answer is 0, with prices and images."""
        t = utc_day(1)
        mr = self.ok("zapiGetActivityCategories", fmt="json", account_id=456, user_id=1240)
        ids = [a["activityId"] for c in as_list(mr["categories"]["category"])
               for a in as_list(c["activities"].get("activity") if c["activities"] else None)]
        self.assertEqual(len(ids), 8)
        for aid in ids:
            r = self.call("zapiGetActivityDetailsByActivityId",
                          {"activityId": int(aid), "activityDate": t}, fmt="json",
                          account_id=456, user_id=1240)
            z = r.json()["response"]
            self.assertEqual(z["error"], "0", r)
            self.assertEqual(z["methodResponse"]["methodErrorCode"], "0", r)
            a = z["methodResponse"]["activity"]
            self.assertTrue(a["imageUrl"].startswith("https://"), aid)
            prices = as_list(a["allowedPassengers"]["passengerType"])
            self.assertTrue(prices, aid)
            for p in prices:
                self.assertRegex(p["basePrice"], r"^\d+\.\d\d$")

    def test_rails_style_typed_xml(self):
        """Typed attributes, nil="true", the <?xml?> header, token/user/account order: the same
        answer as a plain request."""
        t = utc_day(1)
        plain = self.call("zapiCheckActivityInventoryByDate",
                          {"activityId": 101, "activityDate": t})
        rails = self.server.post(
            xml_request("zapiCheckActivityInventoryByDate",
                        {"activityId": 101, "activityDate": t, "activityTime": None,
                         "pax": {"adults": 1, "children": None}}, typed=True),
            "application/x-www-form-urlencoded")
        self.assertEqual(rails.status, 200)
        self.assertEqual(rails.zapi()["methodResponse"]["methodErrorCode"], "0", rails)
        p, q = plain.zapi()["methodResponse"], rails.zapi()["methodResponse"]
        self.assertEqual(p["activityTimes"], q["activityTimes"])
        # A typed id in a typed category list.
        body = xml_request("zapiGetActivitiesByCategoryId", {"categoryId": 2}, typed=True)
        self.assertIn(b'<categoryId type="integer">2</categoryId>', body)
        self.assertIn(b'<zapiUserId type="integer">1240</zapiUserId>', body)
        r = self.server.post(body, None)
        ids = [a["activityId"] for a in as_list(r.zapi()["methodResponse"]["activities"]["activity"])]
        self.assertEqual(ids, ["103", "104", "109"])

    def test_every_method_answers_in_xml_and_json(self):
        for method, params in ok_calls():
            with self.subTest(method=method):
                self.ok(method, params)
                self.ok(method, params, fmt="json")
                self.ok(method, stringify(params), fmt="json")

    def test_price_quote(self):
        mr = self.ok("zapiPriceQuote", {"activityId": 104, "activityDate": utc_day(3),
                                        "pax": {"adults": 2, "children": 1},
                                        "pickupLocationId": 302}, fmt="json")
        q = mr["priceQuote"]
        self.assertEqual(q["subTotal"], "477.00")
        self.assertEqual(q["tax"], "57.24")
        self.assertEqual(q["total"], "534.24")
        self.assertEqual(q["pickupLocationId"], "302")

    # -- errors ---------------------------------------------------------------------------

    def error(self, method, params, code, message, fmt="xml"):
        r = self.call(method, params, fmt)
        z = r.zapi()
        self.assertEqual(z["error"], "0", r)
        mr = z["methodResponse"]
        self.assertEqual(mr["methodName"], method)
        self.assertEqual(mr["methodErrorCode"], str(code), r)
        self.assertIn(message, mr["methodErrorMessage"], r)

    def test_error_codes(self):
        t = utc_day(1)
        cases = [
            ("zapiGetActivityDetailsByActivityId", {"activityId": "abc"}, 20,
             "zapiMethod/activityId"),
            ("zapiCheckProductInventory", {"productId": 205, "quantity": "lots"}, 20,
             "zapiMethod/quantity"),
            ("zapiGetAllActivitiesByName", {}, 20, "zapiMethod/activityNameToSearch"),
            ("zapiCheckProductInventory", {"productId": 203}, 40, "sold out"),
            ("zapiCheckProductInventory", {"productId": 205, "quantity": 4}, 41, "3 left"),
            ("zapiGetProductDetailsByProductId", {"productId": 204}, 42, "204"),
            ("zapiGetProductDetailsByProductId", {"productId": 999}, 43, "productId 999"),
            ("zapiCheckActivityInventoryByDate",
             {"activityId": 101, "activityDate": t, "activityTime": "13:00:00"}, 50,
             "0 seats left"),
            ("zapiCheckActivityInventoryByDate", {"activityId": 101, "activityDate": "tomorrow"},
             51, "zapiMethod/activityDate"),
            ("zapiCheckActivityInventoryByDate", {"activityId": 101, "activityDate": utc_day(-1)},
             51, "in the past"),
            ("zapiGetActivityDetailsByActivityId", {"activityId": 107}, 52, "107"),
            ("zapiGetActivityDetailsByActivityId", {"activityId": 999}, 53, "activityId 999"),
        ]
        for method, params, code, message in cases:
            for fmt in ("xml", "json"):
                with self.subTest(method=method, code=code, fmt=fmt):
                    self.error(method, params, code, message, fmt)

    # -- logins ---------------------------------------------------------------------------

    def login(self, fmt="xml", **kw):
        ct = "application/xml" if fmt == "xml" else "application/json"
        r = self.server.post(login_request(fmt=fmt, **kw), ct)
        self.assertEqual(r.status, 200, r)
        return r

    def test_login_then_use_the_session(self):
        carts = set()
        for fmt in ("xml", "json"):
            for method in ("zapiAgentLogin", "zapiMobileLogin"):
                for password in ("zaui-demo", "e97cdcc61675716110d9de3d2defa7dc"):
                    with self.subTest(fmt=fmt, method=method, password=password):
                        r = self.login(fmt, method=method, password=password)
                        z = self.assertZapiOk(r, method)
                        mr = z["methodResponse"]
                        self.assertEqual(mr["methodErrorMessage"], "Login Successful")
                        self.assertEqual(mr["zapiApiToken"], TOKEN)
                        self.assertEqual(mr["zapiAccountId"], ACCOUNT_ID)
                        self.assertEqual(mr["zapiUserId"], USER_ID)
                        self.assertEqual(mr["zapiUsername"], "naddau")
                        self.assertRegex(mr["cartId"], r"^[0-9a-f]{32}$")
                        carts.add(mr["cartId"])
                        # The session works for the next calls.
                        self.ok("zapiGetActivityCategories", fmt=fmt,
                                token=mr["zapiApiToken"], account_id=mr["zapiAccountId"],
                                user_id=mr["zapiUserId"])
        self.assertEqual(len(carts), 8)

    def test_login_failures(self):
        for fmt in ("xml", "json"):
            with self.subTest(fmt=fmt):
                z = self.login(fmt, password="wrong").zapi()
                self.assertEqual(z["methodResponse"]["methodErrorCode"], "70")
                self.assertNotIn("zapiApiToken", z["methodResponse"])
                z = self.login(fmt, username="nobody").zapi()
                self.assertEqual(z["methodResponse"]["methodErrorCode"], "70")
                z = self.login(fmt, username="expired-agent", password="expired-demo").zapi()
                self.assertEqual(z["methodResponse"]["methodErrorCode"], "71")
                z = self.login(fmt, username=None, password=None).zapi()
                self.assertEqual(z["error"], "1")
                self.assertIn("zapiUsername", z["message"])


# -- a broken catalogue --------------------------------------------------------------------

NEW_ACTIVITY = """
  <activity id="110" type="500" category="3" taxes="GST" priceCodeId="1010" durationMinutes="60">
    <name>Gastown Food Walk</name>
    <shortDescription>Added after the packages.</shortDescription>
    <description>An activity appended at the end of the file.</description>
    <imageUrl>https://harbourpeaks.example/images/food-walk.jpg</imageUrl>
    <price passengerType="11" base="49.00"/>
    <departure time="11:00:00" capacity="12"/>
    <runs days="daily"/>
  </activity>
</catalogue>"""


class BrokenCatalogue(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zapi-e2e-catalogue-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.fixtures = copy_fixtures(self.dir)
        self.path = os.path.join(self.fixtures, "catalogue.xml")
        with open(self.path, encoding="utf-8") as f:
            self.original = f.read()

    def write(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def broken(self, old, new):
        """The catalogue with old replaced by new; returns (text, line of the change)."""
        self.assertIn(old, self.original)
        line = self.original[:self.original.index(old)].count("\n") + 1
        return self.original.replace(old, new, 1), line

    MISTAKES = [
        ('<price passengerType="11" base="139.00"/>', '<price passengerType="11" base="139,00"/>',
         'base="139,00" must be an amount'),
        ('<activity id="102"', '<activity id="101"', 'a second <activity id="101">'),
        ('<departure time="10:00:00" capacity="40"/>',
         '<departure time="10:00:00" capacity="40"/><departure time="14:00:00" capacity="40"/>',
         "regular (type 500)"),
        ('<pickup location="301"/>', '<pickup location="399"/>', 'location="399"'),
        ('<tax id="PST" name="PST" percent="7"/>', '<tax id="PST" name="PST" percent="7"/><vat/>',
         "unknown element <vat>"),
    ]

    def test_refused_at_start(self):
        for old, new, reason in self.MISTAKES:
            with self.subTest(reason=reason):
                text, line = self.broken(old, new)
                self.write(text)
                p = run_binary(["--listen", "127.0.0.1:0", "--fixtures", self.fixtures,
                                "--no-tls"])
                self.assertNotEqual(p.returncode, 0, p.stderr)
                self.assertRegex(p.stderr, re.escape(self.path) + r":\d+: ")
                self.assertIn(reason, p.stderr)

    def test_refused_on_reload_and_old_set_served(self):
        server = MockServer(fixtures=self.fixtures)
        self.addCleanup(server.close)
        server.start()
        t = utc_day(1)

        def spots():
            r = server.post_json("zapiCheckActivityInventoryByDate",
                                 {"activityId": 101, "activityDate": t})
            times = as_list(r.zapi()["methodResponse"]["activityTimes"]["activityTime"])
            return times[0]["activityTimeSpotsRemaining"]

        self.assertEqual(spots(), "11")
        text, line = self.broken('<activity id="104" type="504"', '<activity id="104" type="501"')
        self.write(text)
        r = server.admin("POST", "reload")
        self.assertEqual(r.status, 422, r)
        j = r.json()
        self.assertEqual(j["status"], "refused")
        self.assertIn("%s:%d: " % (self.path, line), j["error"])
        self.assertIn('type="501" is not an activity type', j["error"])
        self.assertEqual(spots(), "11")  # the old catalogue still answers
        # Mended with an activity appended after the packages: taken, and served.
        self.write(self.original.replace("</catalogue>", NEW_ACTIVITY))
        r = server.admin("POST", "reload")
        self.assertEqual(r.status, 200, r)
        r = server.post_xml("zapiGetActivityDetailsByActivityId",
                            {"activityId": 110, "activityDate": t})
        self.assertEqual(r.zapi()["methodResponse"]["activity"]["activityName"],
                         "Gastown Food Walk")
        r = server.post_xml("zapiGetPackageDetailsByPackageId", {"packageId": 401})
        self.assertEqual(r.zapi()["methodResponse"]["methodErrorCode"], "0", r)
        self.assertIn(b"Whale Watching Adventure", r.body)
        server.stop()


if __name__ == "__main__":
    unittest.main()
