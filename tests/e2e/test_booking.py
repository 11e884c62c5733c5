"""Bookings end to end, as a partner makes them over verified HTTPS: login or cart, add a tour,
customer, payment with the sandbox's test cards, search, e-mail (the outbox), barcode (decoded
with zbarimg), manifest, cancel, inventory; in XML and in JSON (ids as numbers and as strings).
Then every error code, the race for the last seats over separate connections, cart expiry,
reset to the seeds, state kept over a fixture reload, and the journal's masking of card data."""

import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import mockserver
from mockserver import (BookingClient, ServerTestCase, ZapiMethodError, as_list, card,
                        png_to_pgm, server_day)

TOMORROW = server_day(1)
JOURNEY_DEPARTURE = (101, "17:00:00")  # whale watching, 12 seats: each journey gives them back
RACE_DEPARTURE = (102, "15:00:00")  # kayaks, 10 seats, used by the race alone
RACE_CLIENTS = 16


class BookingTestCase(ServerTestCase):

    def client(self, fmt="json", ids="int", conn=None):
        return BookingClient.over(self.server, conn=conn, fmt=fmt, ids=ids)

    def state(self):
        r = self.server.admin("GET", "state")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def login(self, fmt):
        """zapiAgentLogin with the demo agent; answers the cartId it hands out."""
        if fmt == "json":
            body = json.dumps({"zapiUsername": "naddau", "zapiPassword": "zaui-demo",
                               "zapiMethod": {"methodName": "zapiAgentLogin"}}).encode()
            r = self.server.post(body, "application/json")
        else:
            body = (b"<request><zapiUsername>naddau</zapiUsername><zapiPassword>zaui-demo"
                    b"</zapiPassword><zapiMethod><methodName>zapiAgentLogin</methodName>"
                    b"</zapiMethod></request>")
            r = self.server.post(body, "application/xml")
        m = self.assertZapiOk(r, "zapiAgentLogin")["methodResponse"]
        self.assertEqual(m["methodErrorMessage"], "Login Successful")
        self.assertEqual(m["zapiApiToken"], mockserver.TOKEN)
        self.assertRegex(m["cartId"], r"^[0-9a-f]{32}$")
        return m["cartId"]


class JourneyTest(BookingTestCase):

    def journey(self, fmt, ids, login):
        c = self.client(fmt, ids)
        activity, time_ = JOURNEY_DEPARTURE
        last = "Lovelace-%s-%s" % (fmt, ids)
        email = "ada.%s.%s@example.com" % (fmt, ids)
        seats = c.seats_left(activity, TOMORROW, time_)

        cart = self.login(fmt) if login else c.create_cart()
        m = c.add_activity(cart, activity, TOMORROW, time_, adults=2)
        item = m["cart"]["activities"]["activity"]
        self.assertEqual(item["passengers"]["adults"], "2")
        self.assertEqual(item["activityDate"], TOMORROW)
        self.assertEqual(m["cart"]["cartTotals"]["total"], "311.36")
        self.assertEqual(m["cart"]["cartTotals"]["total_formatted"], "$311.36")
        m = c.set_customer(cart, last=last, email=email)
        self.assertEqual(m["cart"]["customers"]["customer"]["lastName"], last)
        self.assertEqual(c.seats_left(activity, TOMORROW, time_), seats)  # taken on payment

        m = c.pay(cart)
        self.assertEqual(m["methodErrorMessage"], "Booking Processed")
        number = m["bookingInformation"]["bookingId"]
        ref = m["bookingInformation"]["bookingReference"]
        self.assertRegex(ref, r"^[A-Z2-9]{7}$")
        tr = m["transactionResult"]
        self.assertEqual((tr["transactionErrorCode"], tr["transactionAmount"],
                          tr["cardLastFour"]), ("0", "311.36", "1111"))
        self.assertNotIn(b"4111111111111111", c.last.body)
        self.assertEqual(c.seats_left(activity, TOMORROW, time_), seats - 2)
        cart_now = c.expect(0, "zapiGetCartContents", {"cartId": cart})["cart"]
        self.assertEqual(as_list(cart_now["activities"]), [])

        for search_type, text in ((101, number), (102, ref.lower()), (103, last.upper()),
                                  (104, email)):
            m = c.search(search_type, text)
            self.assertEqual(m["totalSearchResults"], "1", (search_type, m))
            self.assertEqual(m["allBookings"]["booking"]["bookingReference"], ref)

        m = c.expect(0, "zapiEmailBookingItinerary", {"bookingNumber": number})
        self.assertEqual(m["emailAddress"], email)
        r = self.server.admin("GET", "outbox")
        self.assertEqual(r.status, 200, r)
        mails = [e for e in r.json()["emails"] if e["bookingNumber"] == int(number)]
        self.assertEqual(len(mails), 1, r.json())
        self.assertEqual(mails[0]["to"], email)
        self.assertIn(number, mails[0]["subject"])
        self.assertIn(ref, mails[0]["body"])
        self.assertIn("Whale Watching Adventure, %s at 17:00:00, 2 guests" % TOMORROW,
                      mails[0]["body"])
        self.assertNotIn(b"4111", r.body)
        self.assertNotIn(b"1111 ", r.body)

        m = c.expect(0, "zapiGenerateBarCodeImage", {"bookingNumber": number})
        self.assertEqual(m["bookingReference"], ref)
        self.assertEqual(decode_barcode(self, self.server, m["barCodeImage"]), ref)

        m = c.expect(0, "zapiGetManifestIndividualByActivityIdAndDate",
                     {"activityId": activity, "date": TOMORROW})
        self.assertIn(last.encode(), c.last.body)
        self.assertIn(ref.encode(), c.last.body)

        m = c.cancel(number)
        self.assertEqual(m["methodErrorMessage"], "Booking has been cancelled")
        self.assertEqual(m["booking"]["isCancelled"], "true")
        m = c.cancel(number, code=71)
        self.assertEqual(c.seats_left(activity, TOMORROW, time_), seats)
        self.assertEqual(c.search(101, number)["totalSearchResults"], "0")
        self.assertEqual(c.search(101, number, includeCancelled="true")["totalSearchResults"],
                         "1")

    def test_journey_xml_after_login(self):
        self.journey("xml", "str", login=True)

    def test_journey_json_ids_as_numbers_after_login(self):
        self.journey("json", "int", login=True)

    def test_journey_json_ids_as_strings(self):
        self.journey("json", "str", login=False)

    def test_single_departure_needs_no_time(self):
        c = self.client("xml")
        cart = c.create_cart()
        m = c.add_activity(cart, 108, TOMORROW, None, adults=1)  # one departure: 10:00
        self.assertEqual(m["cart"]["activities"]["activity"]["activityTime"], "10:00:00")
        c.expect(0, "zapiRemoveCartSession", {"cartId": cart})
        c.expect(99, "zapiGetCartContents", {"cartId": cart})


def decode_barcode(test, server, url):
    """Fetches the barcode URL from the mock over HTTPS and decodes it with zbarimg."""
    u = urllib.parse.urlsplit(url)
    test.assertEqual(u.scheme, "https", url)
    test.assertEqual(u.port, server.port, url)
    r = server.post(None, None, path=u.path, method="GET")
    test.assertEqual(r.status, 200, r)
    test.assertEqual(r.content_type, "image/png")
    test.assertTrue(r.body.startswith(b"\x89PNG\r\n\x1a\n"))
    zbarimg = shutil.which("zbarimg")
    if not zbarimg:
        test.fail("zbarimg not installed (zbar-tools: scripts/lib.sh installs it)")
    with tempfile.NamedTemporaryFile(suffix=".pgm") as f:
        f.write(png_to_pgm(r.body))
        f.flush()
        out = subprocess.run([zbarimg, "--raw", "-q", f.name], capture_output=True, text=True,
                             timeout=30)
    test.assertEqual(out.returncode, 0, out.stderr)
    return out.stdout.strip()


class ErrorCodesTest(BookingTestCase):

    def setUp(self):
        self.c = self.client("json")

    def ready_cart(self, c=None):
        c = c or self.c
        cart = c.create_cart()
        c.add_activity(cart, 101, TOMORROW, "17:00:00", adults=2)
        c.set_customer(cart)
        return cart

    def test_add_activity_codes(self):
        c = self.c
        cart = c.create_cart()
        c.add_activity(cart, 101, TOMORROW, "17:00:00", adults=0, code=20)
        c.add_activity(cart, 101, TOMORROW, "13:00:00", code=50)  # sold out from the start
        m = c.add_activity(cart, 101, TOMORROW, "17:00:00", adults=13, code=50)
        self.assertIn("12", m["methodErrorMessage"])
        c.add_activity(cart, 101, server_day(-1), "17:00:00", code=51)
        c.add_activity(cart, 101, TOMORROW, "10:30:00", code=51)
        c.add_activity(cart, 107, TOMORROW, "07:30:00", code=52)
        c.add_activity(cart, 999, TOMORROW, "09:00:00", code=53)

    def test_product_codes(self):
        c = self.c
        cart = c.create_cart()
        c.expect(40, "zapiAddProductToCart", {"cartId": cart, "productId": 203})
        c.expect(0, "zapiAddProductToCart", {"cartId": cart, "productId": 205, "quantity": 2})
        c.expect(41, "zapiAddProductToCart", {"cartId": cart, "productId": 205, "quantity": 2})
        c.expect(42, "zapiAddProductToCart", {"cartId": cart, "productId": 204})
        c.expect(43, "zapiAddProductToCart", {"cartId": cart, "productId": 999})

    def test_cart_codes(self):
        c = self.c
        m = c.expect(99, "zapiGetCartContents", {"cartId": "0" * 32})
        self.assertIn("does not exist or has expired", m["methodErrorMessage"])
        empty = c.create_cart()
        self.assertIn("is empty", c.pay(empty, 2002, code=99)["methodErrorMessage"])
        c.add_activity(empty, 101, TOMORROW, "17:00:00")
        self.assertIn("no customer details", c.pay(empty, 2002, code=99)["methodErrorMessage"])
        c.set_customer(empty, email="no-at-sign", code=20)

    def test_payment_codes(self):
        c = self.c
        cart = self.ready_cart()
        c.pay(cart, 1234, code=100)
        c.pay(cart, 2002, code=100, transactionType="Refund")
        m = c.pay(cart, 2002, code=100, transactionAmount="300.00")
        self.assertIn("311.36", m["methodErrorMessage"])
        c.pay(cart, 2000, code=100, transactionAmount="0")
        for number, code in sorted(mockserver.TEST_CARDS.items()):
            if code == 0:
                continue
            m = c.pay(cart, number=number, code=99)
            self.assertEqual(m["transactionResult"]["transactionErrorCode"], str(code), number)
            self.assertEqual(m["transactionResult"]["cardLastFour"], number[-4:])
        m = c.pay(cart, number="4111111111111112", code=99)  # fails the Luhn check
        self.assertEqual(m["transactionResult"]["transactionErrorCode"], "6")
        past = card(exp_month=1, exp_year=2020)
        m = c.expect(99, "zapiProcessCartWithPayment",
                     {"cartId": cart, "paymentMethodType": 2000, "creditCardDetails": past})
        self.assertEqual(m["transactionResult"]["transactionErrorCode"], "4")
        # Refused payments leave the cart as it was: it still pays.
        m = c.expect(0, "zapiProcessSingleTransaction",
                     {"cartId": cart, "paymentMethod": {"paymentMethodType": 2000,
                                                        "creditCardDetails": card()}})
        c.cancel(m["bookingInformation"]["bookingId"])
        # The other approved cards, and 2003 with nothing paid.
        for number in ("5555555555554444", "378282246310005"):
            m = c.pay(self.ready_cart(), number=number)
            c.cancel(m["bookingInformation"]["bookingId"])
        m = c.pay(self.ready_cart(), 2003, transactionAmount="0")
        self.assertEqual(m["booking"]["bookingBalance"]["balance"], "311.36")
        c.cancel(m["bookingInformation"]["bookingId"])

    def test_sold_out_meanwhile(self):
        # Product 205 has 3 in stock: two carts of 2 both pass the check when added.
        c = self.c
        a, b = c.create_cart(), c.create_cart()
        for cart in (a, b):
            c.expect(0, "zapiAddProductToCart", {"cartId": cart, "productId": 205, "quantity": 2})
            c.set_customer(cart)
        first = c.pay(a, 2002)
        m = c.pay(b, 2002, code=41)
        self.assertIn("1", m["methodErrorMessage"])
        c.cancel(first["bookingInformation"]["bookingId"])
        c.pay(b, 2002)

    def test_booking_codes(self):
        c = self.c
        c.expect(99, "zapiBookings_CancelBooking", {"bookingNumber": 1})
        c.expect(99, "zapiEmailBookingItinerary", {"bookingNumber": 1})
        c.expect(99, "zapiGenerateBarCodeImage", {"bookingNumber": 1})
        c.expect(20, "zapiSearchBookings", {"searchType": 105, "searchText": "x"})
        m = c.pay(self.ready_cart(), 2002)
        number = m["bookingInformation"]["bookingId"]
        c.cancel(number)
        c.cancel(number, code=71)
        c.expect(71, "zapiLoadBookingIntoCart", {"bookingNumber": number})

    def test_barcode_of_unknown_reference_is_404(self):
        r = self.server.post(None, None, path="/barcodes/NOSUCH1.png", method="GET")
        self.assertEqual(r.status, 404, r)


class RaceTest(BookingTestCase):

    def test_exactly_the_capacity_is_sold(self):
        activity, time_ = RACE_DEPARTURE
        capacity = self.client().seats_left(activity, TOMORROW, time_)
        self.assertEqual(capacity, 10)
        barrier = threading.Barrier(RACE_CLIENTS)
        results, errors = [None] * RACE_CLIENTS, []

        def racer(i):
            conn = self.server.connection()  # a connection of its own
            try:
                c = self.client("json" if i % 2 else "xml", conn=conn)
                cart = c.create_cart()
                c.add_activity(cart, activity, TOMORROW, time_, adults=1)
                c.set_customer(cart, last="Racer%d" % i, email="racer%d@example.com" % i)
                barrier.wait(timeout=30)
                m = c.call("zapiProcessCartWithPayment",
                           {"cartId": cart, "paymentMethodType": 2000,
                            "creditCardDetails": card()})
                results[i] = (m["methodErrorCode"], m.get("methodErrorMessage"))
            except BaseException as e:  # reported below, with the thread's number
                errors.append((i, e))
                barrier.abort()
            finally:
                conn.close()

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACE_CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        won = [r for r in results if r[0] == "0"]
        lost = [r for r in results if r[0] != "0"]
        self.assertEqual(len(won), capacity, results)
        self.assertEqual({r[0] for r in lost}, {"50"}, results)
        self.assertEqual(self.client().seats_left(activity, TOMORROW, time_), 0)
        c = self.client()
        m = c.add_activity(c.create_cart(), activity, TOMORROW, time_, adults=1, code=50)
        self.assertIn("0", m["methodErrorMessage"])
        m = c.expect(0, "zapiGetManifestIndividualByActivityIdAndDate",
                     {"activityId": activity, "date": TOMORROW})
        self.assertEqual(len(re.findall(rb"Racer\d+", c.last.body)), capacity)


class ExpiryTest(BookingTestCase):
    server_args = ("--cart-ttl", "1")

    def test_idle_cart_expires(self):
        c = self.client()
        cart = c.create_cart()
        c.expect(0, "zapiGetCartContents", {"cartId": cart})
        self.assertEqual(self.state()["limits"]["cartTtlSeconds"], 1)
        time.sleep(2.2)
        m = c.expect(99, "zapiGetCartContents", {"cartId": cart})
        self.assertIn("expired", m["methodErrorMessage"])
        c.add_activity(cart, 101, TOMORROW, "17:00:00", code=99)


class StateTest(BookingTestCase):
    server_args = ("--max-bookings", "50", "--max-carts", "20")

    def book(self, c):
        cart = c.create_cart()
        c.add_activity(cart, 101, TOMORROW, "17:00:00", adults=2)
        c.set_customer(cart, last="Statewise")
        return c.pay(cart, 2002)["bookingInformation"]["bookingId"]

    def test_reset_returns_to_the_seeds(self):
        c = self.client()
        self.assertEqual(self.server.admin("DELETE", "state").status, 200)
        seeds = self.state()
        self.assertEqual(seeds["bookings"], 3, seeds)
        self.assertEqual(seeds["limits"], {"maxCarts": 20, "maxBookings": 50,
                                           "cartTtlSeconds": 7200})
        seats = c.seats_left(101, TOMORROW, "17:00:00")
        number = self.book(c)
        c.expect(0, "zapiEmailBookingItinerary", {"bookingNumber": number})
        self.assertEqual(self.state()["bookings"], 4)
        r = self.server.admin("DELETE", "state")
        self.assertEqual(r.status, 200, r)
        after = self.state()
        self.assertEqual((after["bookings"], after["carts"], after["waitlist"]), (3, 0, 0), after)
        self.assertEqual(self.server.admin("GET", "outbox").json()["total"], 0)
        self.assertEqual(c.seats_left(101, TOMORROW, "17:00:00"), seats)
        self.assertEqual(c.search(103, "Statewise")["totalSearchResults"], "0")
        # The seeds are back, seats and all.
        self.assertEqual(c.search(104, "maya.okafor@example.com")["totalSearchResults"], "1")
        self.assertEqual(c.seats_left(101, TOMORROW, "09:00:00"), 24 - 10 - 3)

    def test_reload_keeps_state(self):
        c = self.client()
        number = self.book(c)
        cart = c.create_cart()
        r = self.server.admin("POST", "reload")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(c.search(101, number)["totalSearchResults"], "1")
        c.expect(0, "zapiGetCartContents", {"cartId": cart})
        c.cancel(number)

    def test_oldest_cart_evicted_at_the_limit(self):
        c = self.client()
        first = c.create_cart()
        time.sleep(1.1)  # idle time is counted in seconds: the first is now the longest idle
        for _ in range(20):
            c.create_cart()
        c.expect(99, "zapiGetCartContents", {"cartId": first})
        self.assertEqual(self.state()["carts"], 20)


class JournalMaskingTest(BookingTestCase):

    def test_card_number_and_csv_not_in_clear(self):
        c = self.client()
        cart = c.create_cart()
        c.add_activity(cart, 101, TOMORROW, "17:00:00")
        c.set_customer(cart)
        c.expect(0, "zapiProcessCartWithPayment",
                 {"cartId": cart, "paymentMethodType": 2000,
                  "creditCardDetails": card("5555555555554444", csv="987")})
        xc = self.client("xml")
        cart = xc.create_cart()
        xc.add_activity(cart, 101, TOMORROW, "17:00:00")
        xc.set_customer(cart)
        xc.expect(99, "zapiProcessCartWithPayment",
                  {"cartId": cart, "paymentMethodType": 2000,
                   "creditCardDetails": card("4000000000000002", csv="654")})
        r = self.server.admin("GET", "clients/%s/requests" % mockserver.TOKEN)
        self.assertEqual(r.status, 200, r)
        payments = [e["request"] for e in r.json()["journal"]
                    if e["method"] == "zapiProcessCartWithPayment"]
        self.assertEqual(len(payments), 2)
        leaks = [p for p in payments
                 if "5555555555554444" in p or "4000000000000002" in p
                 or re.search(r"csv\W+(987|654)\b", p)]
        self.assertEqual(leaks, [])


if __name__ == "__main__":
    unittest.main()
