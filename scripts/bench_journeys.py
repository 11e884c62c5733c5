#!/usr/bin/env python3
"""Whole booking journeys per second against a running zapi-mock, beside zapiPing from the same
run and the same client code, so the two numbers compare.

Each of --clients processes keeps one HTTPS keep-alive connection (certificate verified against
--ca) and, for --seconds, repeats a journey: zapiCreateUniqueCartSession -> zapiAddActivityToCart
(two adults) -> zapiUpdateCustomerDetailsToCart -> zapiProcessCartWithPayment (test card) ->
zapiSearchBookings (by reference); then, so inventory never runs out and the state stays bounded,
zapiBookings_CancelBooking and zapiRemoveCartSession (their time counts in the journey). Client i
books the bike tour (activity 108, one departure, 15 seats) on day +3+i: it never holds more than
two seats. Then the same processes send zapiPing for --seconds (skipped with --ping-seconds 0).
Every answer is checked (methodErrorCode 0); any failure makes the exit status 1.

  /usr/bin/python3 scripts/bench_journeys.py --port 8443 --ca certs/ca.pem --seconds 10

--mixed N: each client sends N pings after each journey in one phase (scripts/soak uses it);
--json FILE writes the numbers as JSON. Envelopes and parsing come from tests/e2e/mockserver.py.
"""

import argparse
import json
import multiprocessing
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import mockserver  # noqa: E402

ACTIVITY = 108
FIRST_DAY_OFFSET = 3


def connect(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    return mockserver.PinnedHTTPSConnection(args.host, args.port, args.hostname, ctx,
                                            timeout=30)


def journey(c, day, n):
    cart = c.create_cart()
    c.add_activity(cart, ACTIVITY, day, None, adults=2)
    c.set_customer(cart, last="Bench%d" % n, email="bench%d@example.com" % n)
    m = c.pay(cart)
    number = m["bookingInformation"]["bookingId"]
    ref = m["bookingInformation"]["bookingReference"]
    if c.search(102, ref)["totalSearchResults"] != "1":
        raise AssertionError("booking %s not found by its reference" % ref)
    c.cancel(number)
    c.expect(0, "zapiRemoveCartSession", {"cartId": cart})


def ping(c):
    c.expect(0, "zapiPing")


def worker(args, index, phase, start, end, out):
    conn = connect(args)
    c = mockserver.BookingClient(
        lambda body, ctype: mockserver._exchange(conn, "POST", "/zapi/", body,
                                                 {"Content-Type": ctype}),
        fmt="json" if index % 2 else "xml")
    day = mockserver.server_day(FIRST_DAY_OFFSET + index)
    journeys = pings = failures = 0
    first_error = None
    while time.time() < start:
        time.sleep(0.001)
    while time.time() < end and not (args.stop_file and os.path.exists(args.stop_file)):
        try:
            if phase == "ping":
                ping(c)
                pings += 1
            else:
                journey(c, day, index)
                journeys += 1
                for _ in range(args.mixed if phase == "mixed" else 0):
                    ping(c)
                    pings += 1
        except Exception as e:  # counted and reported; the connection is opened again
            failures += 1
            first_error = first_error or "%s: %s" % (type(e).__name__, str(e)[:300])
            conn.close()
            time.sleep(0.05)
    conn.close()
    out.put({"journeys": journeys, "pings": pings, "failures": failures, "error": first_error})


def run_phase(args, phase, seconds):
    out = multiprocessing.Queue()
    start = time.time() + 0.3  # every process connected and waiting
    end = start + seconds
    procs = [multiprocessing.Process(target=worker, args=(args, i, phase, start, end, out))
             for i in range(args.clients)]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    total = {k: sum(r[k] for r in results) for k in ("journeys", "pings", "failures")}
    total["errors"] = [r["error"] for r in results if r["error"]][:3]
    total["seconds"] = min(seconds, time.time() - start)
    total["requests"] = total["journeys"] * 7 + total["pings"]
    total["connections"] = args.clients + total["failures"]
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True, help="the CA to trust (the server's certs/ca.pem)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--hostname", default="localhost", help="name the certificate must carry")
    ap.add_argument("--seconds", type=float, default=10, help="length of each phase")
    ap.add_argument("--ping-seconds", type=float, help="length of the ping phase (default "
                    "--seconds; 0 skips it)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    ap.add_argument("--mixed", type=int, default=0, metavar="N",
                    help="one phase only: N pings after each journey")
    ap.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    ap.add_argument("--stop-file", metavar="FILE", help="stop as soon as this file exists")
    args = ap.parse_args()
    if args.clients < 1 or args.clients > 200 or args.seconds <= 0:
        ap.error("--clients must be 1 to 200 and --seconds positive")

    report = {"clients": args.clients}
    if args.mixed:
        r = run_phase(args, "mixed", args.seconds)
        report["mixed"] = r
        print("mixed: %.1f journeys/s and %.1f ping/s (%d clients, %d pings per journey, "
              "%.0f s, %d failures)" % (r["journeys"] / r["seconds"], r["pings"] / r["seconds"],
                                         args.clients, args.mixed, r["seconds"], r["failures"]))
        failures = r["failures"]
    else:
        j = run_phase(args, "journey", args.seconds)
        report["journeys"] = j
        report["journeys_per_s"] = j["journeys"] / args.seconds
        print("journeys: %.1f/s (%d in %.0f s, %d clients, 7 requests each: %.0f req/s; "
              "%d failures)" % (report["journeys_per_s"], j["journeys"], args.seconds,
                                args.clients, j["journeys"] * 7 / args.seconds, j["failures"]))
        failures = j["failures"]
        ping_seconds = args.seconds if args.ping_seconds is None else args.ping_seconds
        if ping_seconds > 0:
            p = run_phase(args, "ping", ping_seconds)
            report["pings"] = p
            report["ping_per_s"] = p["pings"] / ping_seconds
            print("zapiPing: %.1f/s (same clients and connections; %d failures)"
                  % (report["ping_per_s"], p["failures"]))
            failures += p["failures"]
    for phase in ("journeys", "pings", "mixed"):
        for e in report.get(phase, {}).get("errors", []):
            print("  %s failure: %s" % (phase, e), file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
