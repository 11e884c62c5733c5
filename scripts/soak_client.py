#!/usr/bin/env python3
"""Helpers of scripts/soak (not run by CI).

  soak_client.py fresh --port P --ca CA --seconds S --rate R --out FILE [--stop-file F]
      Fresh TLS connections, one request each, for S seconds (or until F exists) at about R
      connections a second:
      every other connection resumes the previous session (its ticket), the others do a full
      handshake. Requests rotate through a valid ping, a JSON ping, a 404, a 405 and a malformed
      request line. Writes the counts as JSON to FILE.
  soak_client.py metrics --port P --ca CA
      GET /__admin/metrics, summed up as JSON on stdout.
  soak_client.py report --wrk-json F --fresh F --rss F --metrics-before F --metrics-after F ...
      Checks the run and prints the figures; exits 1 when a check fails.
"""

import argparse
import json
import os
import re
import socket
import ssl
import sys
import time

PING = (b"<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken><zapiAccountId>456</zapiAccountId>"
        b"<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiPing</methodName></zapiMethod>"
        b"</request>")
PING_JSON = (b'{"zapiToken":"ZAPI-DEMO-TOKEN","zapiAccountId":"456","zapiUserId":"1240",'
             b'"zapiMethod":{"methodName":"zapiPing"}}')


def http_request(method, path, body=b"", ctype=None):
    head = ["%s %s HTTP/1.1" % (method, path), "Host: localhost", "Connection: close"]
    if ctype:
        head.append("Content-Type: " + ctype)
    if body or method == "POST":
        head.append("Content-Length: %d" % len(body))
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


# (name, request bytes, expected HTTP status)
MIX = [
    ("ping-xml", http_request("POST", "/zapi/", PING, "application/xml"), 200),
    ("ping-json", http_request("POST", "/zapi/", PING_JSON, "application/json"), 200),
    ("not-found", http_request("GET", "/soak/no-such-path"), 404),
    ("bad-method", http_request("GET", "/zapi/"), 405),
    ("malformed", b"THIS IS NOT HTTP\r\n\r\n", None),  # 400 or 501: any 4xx/5xx
]


def read_all(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            break  # a peer that closes without close_notify: what it sent is still there
        if not chunk:
            break
        data += chunk
    return data


def fresh(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # tickets as the server issues them
    counts = {"connections": 0, "requests": 0, "answered": 0, "full": 0, "resumed": 0,
              "resume_attempts": 0, "resume_misses": 0, "errors": 0, "unexpected_status": 0,
              "statuses": {}, "error_samples": []}
    session = None
    deadline = time.monotonic() + args.seconds
    interval = 1.0 / args.rate if args.rate > 0 else 0
    next_at = time.monotonic()
    i = 0
    while time.monotonic() < deadline and (args.max == 0 or counts["connections"] < args.max):
        if args.stop_file and i % 10 == 0 and os.path.exists(args.stop_file):
            break
        if interval:
            now = time.monotonic()
            if now < next_at:
                time.sleep(next_at - now)
            next_at = max(next_at + interval, time.monotonic() - 1)
        name, raw, want = MIX[i % len(MIX)]
        resume = i % 2 == 1 and session is not None
        i += 1
        counts["connections"] += 1
        counts["requests"] += 1
        try:
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=30)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with ctx.wrap_socket(sock, server_hostname="localhost",
                                 session=session if resume else None) as t:
                if resume:
                    counts["resume_attempts"] += 1
                    if t.session_reused:
                        counts["resumed"] += 1
                    else:
                        counts["resume_misses"] += 1
                else:
                    counts["full"] += 1
                t.sendall(raw)
                data = read_all(t)
                if not t.session_reused:
                    session = t.session  # the ticket of the last full handshake
        except (OSError, ssl.SSLError) as e:
            counts["errors"] += 1
            if len(counts["error_samples"]) < 5:
                counts["error_samples"].append("%s: %r" % (name, e))
            continue
        m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
        if not m:
            counts["errors"] += 1
            if len(counts["error_samples"]) < 5:
                counts["error_samples"].append("%s: no HTTP answer: %r" % (name, data[:80]))
            continue
        status = int(m.group(1))
        counts["answered"] += 1
        counts["statuses"][str(status)] = counts["statuses"].get(str(status), 0) + 1
        if (want is not None and status != want) or (want is None and status < 400):
            counts["unexpected_status"] += 1
            if len(counts["error_samples"]) < 5:
                counts["error_samples"].append("%s: status %d" % (name, status))
    with open(args.out, "w") as f:
        json.dump(counts, f)


def get_metrics(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as t:
            t.sendall(http_request("GET", "/__admin/metrics"))
            data = read_all(t)
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit("metrics: %r" % head[:100])
    m = {"requests": 0, "admin_requests": 0, "by_status": {}, "handshakes_ok": 0,
         "handshakes_failed": 0, "resumed": 0, "throttled": 0, "connections": 0}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        value = float(value)
        if name.startswith("zapi_mock_requests_total{"):
            if 'method="admin"' in name:
                m["admin_requests"] += int(value)
                continue
            m["requests"] += int(value)
            st = re.search(r'status="(\d+)"', name).group(1)
            m["by_status"][st] = m["by_status"].get(st, 0) + int(value)
        elif name == 'zapi_mock_tls_handshakes_total{result="ok"}':
            m["handshakes_ok"] = int(value)
        elif name == 'zapi_mock_tls_handshakes_total{result="failed"}':
            m["handshakes_failed"] = int(value)
        elif name == "zapi_mock_tls_resumed_total":
            m["resumed"] = int(value)
        elif name.startswith("zapi_mock_throttled_total"):
            m["throttled"] += int(value)
        elif name == "zapi_mock_connections_total":
            m["connections"] = int(value)
    return m


def metrics(args):
    json.dump(get_metrics(args.port, args.ca), sys.stdout)
    print()


def mib(kb):
    return "%.1f MiB" % (kb / 1024.0)


def report(args):
    wrk = json.load(open(args.wrk_json))
    fr = json.load(open(args.fresh))
    jr = json.load(open(args.journeys)).get("mixed") if args.journeys else None
    jr = jr or {"journeys": 0, "pings": 0, "failures": 0, "requests": 0, "connections": 0,
                "seconds": 0, "errors": []}
    before = json.load(open(args.metrics_before))
    after = json.load(open(args.metrics_after))
    samples = []
    for line in open(args.rss):
        t, kb = line.split()
        samples.append((float(t), int(kb)))
    fails = []

    def check(ok, what):
        print("  %-58s %s" % (what, "ok" if ok else "FAIL"))
        if not ok:
            fails.append(what)

    duration = args.duration
    client = wrk["requests"] + fr["requests"] + jr["requests"]
    server = after["requests"] - before["requests"]
    hs_ok = after["handshakes_ok"] - before["handshakes_ok"]
    hs_failed = after["handshakes_failed"] - before["handshakes_failed"]
    resumed = after["resumed"] - before["resumed"]
    conns = after["connections"] - before["connections"]
    throttled = after["throttled"] - before["throttled"]

    print("== figures")
    print("  duration                 %.1f s (%d wrk rounds)" % (duration, wrk["rounds"]))
    print("  requests, client side    %d = %d keep-alive (wrk) + %d on fresh TLS connections"
          " + %d of booking journeys and their pings"
          % (client, wrk["requests"], fr["requests"], jr["requests"]))
    if jr["seconds"]:
        print("  booking journeys         %d (%.1f/s) and %d pings (%.1f/s) beside them, %d failed"
              % (jr["journeys"], jr["journeys"] / jr["seconds"], jr["pings"],
                 jr["pings"] / jr["seconds"], jr["failures"]))
    print("  requests, server metrics %d (admin requests of the script left out)" % server)
    print("  throughput               %.0f req/s overall" % (client / duration))
    print("  keep-alive statuses      %s" % ", ".join(
        "%s: %d" % kv for kv in sorted(wrk["statuses"].items())))
    print("  fresh-conn statuses      %s" % ", ".join(
        "%s: %d" % kv for kv in sorted(fr["statuses"].items())))
    print("  server statuses          %s" % ", ".join(
        "%s: %d" % (k, after["by_status"].get(k, 0) - before["by_status"].get(k, 0))
        for k in sorted(after["by_status"])))
    print("  throttled (server)       %d" % throttled)
    print("  fresh TLS connections    %d: %d full handshakes, %d resumed of %d attempts"
          % (fr["connections"], fr["full"], fr["resumed"], fr["resume_attempts"]))
    print("  server handshakes        %d ok (%d resumed), %d failed; %d connections accepted"
          % (hs_ok, resumed, hs_failed, conns))
    print("  wrk socket errors        connect %d, read %d, write %d, timeout %d"
          % tuple(wrk["errors"][k] for k in ("connect", "read", "write", "timeout")))

    # RSS by quarter of the load period.
    t0, t1 = args.load_start, args.load_end
    q = (t1 - t0) / 4.0
    quarters = [[kb for t, kb in samples if t0 + i * q <= t < t0 + (i + 1) * q] for i in range(4)]
    print("  RSS per quarter (max)    " + "   ".join(
        "Q%d %s" % (i + 1, mib(max(v)) if v else "-") for i, v in enumerate(quarters)))
    print("  RSS per quarter (mean)   " + "   ".join(
        "Q%d %s" % (i + 1, mib(sum(v) / len(v)) if v else "-") for i, v in enumerate(quarters)))
    if samples:
        print("  RSS at start / end       %s / %s (%d samples)"
              % (mib(samples[0][1]), mib(samples[-1][1]), len(samples)))
    # Under load: "start" once the first quarter is over (connections open, bounded state
    # filled), "end" the last sample before the load stopped.
    loaded = [kb for t, kb in samples if t0 + q <= t <= t1]
    if loaded:
        print("  RSS under load           %s after the first quarter, %s at the end (%+.1f%%)"
              % (mib(loaded[0]), mib(loaded[-1]), 100.0 * (loaded[-1] - loaded[0]) / loaded[0]))
    if fr["error_samples"]:
        print("  fresh-conn error samples " + "; ".join(fr["error_samples"]))

    print("== checks")
    check(client >= args.min_requests, "at least %d requests (%d)" % (args.min_requests, client))
    errs = wrk["errors"]
    check(errs["connect"] == 0 and errs["read"] == 0 and errs["write"] == 0
          and errs["timeout"] == 0, "wrk: no socket errors or timeouts")
    check(sum(wrk["statuses"].values()) == wrk["requests"],
          "wrk: a status for every request counted (%d)" % sum(wrk["statuses"].values()))
    check(fr["errors"] == 0 and fr["answered"] == fr["requests"],
          "fresh connections: every request answered (%d/%d)" % (fr["answered"], fr["requests"]))
    check(fr["unexpected_status"] == 0, "fresh connections: expected statuses")
    # wrk stops with up to one request in flight per connection: sent, answered, not counted.
    slack = wrk["connections"] * wrk["rounds"]
    check(0 <= server - client <= slack,
          "server count - client count in [0, %d] (%+d)" % (slack, server - client))
    check(fr["full"] >= args.min_fresh and fr["resumed"] >= args.min_fresh,
          "at least %d full and %d resumed handshakes" % (args.min_fresh, args.min_fresh))
    check(fr["resume_misses"] == 0, "every resumption attempt resumed (%d misses)"
          % fr["resume_misses"])
    # wrk connects once to probe the address and closes at once: one "peer closed during the
    # handshake" per round, and one connection more than -c.
    check(hs_failed <= wrk["rounds"],
          "failed handshakes only wrk's address probes (%d, rounds %d)" % (hs_failed, wrk["rounds"]))
    want_conns = (wrk["rounds"] * (wrk["connections"] + 1) + fr["connections"] + 1
                  + jr["connections"])
    check(conns == want_conns, "connections accepted = wrk's + fresh + metrics (%d, want %d): "
          "no keep-alive connection dropped" % (conns, want_conns))
    check(throttled > 0 and wrk["statuses"].get("503", 0) > 0, "throttled partner got 503s")
    # Each wrk thread walks the 8 bodies in turn, so each went out as often as the 404 one (give
    # or take one per connection and round); those of the throttled partner not answered 503
    # were admitted: at most the limit in any window of 1 s.
    sent = wrk["statuses"].get("404", 0)
    admitted = sent - wrk["statuses"].get("503", 0)
    most = args.throttle_limit * (duration + 1) + wrk["connections"] * wrk["rounds"]
    print("  throttled partner        %d sent, %d admitted (limit %d/s over %.0f s: at most %d)"
          % (sent, admitted, args.throttle_limit, duration, most))
    check(0 < admitted <= most, "throttled partner admitted within its limit")
    for st in ("404", "405"):
        check(wrk["statuses"].get(st, 0) > 0, "keep-alive traffic got %s answers" % st)
    if all(quarters[1:4:2]):
        q2, q4 = max(quarters[1]), max(quarters[3])
        limit = q2 * 1.05 + 1024
        check(q4 <= limit, "RSS settled: max Q4 %s <= max Q2 %s x 1.05 + 1 MiB (%s)"
              % (mib(q4), mib(q2), mib(limit)))
    else:
        check(False, "RSS samples in the second and last quarters")
    if loaded:
        check(loaded[-1] <= loaded[0] * 1.2, "RSS flat under load: end within 20%% of start "
              "(%s, %s)" % (mib(loaded[0]), mib(loaded[-1])))
    if args.journeys:
        check(jr["journeys"] > 0 and jr["failures"] == 0,
              "booking journeys: some done, none failed (%d, %d)" % (jr["journeys"],
                                                                    jr["failures"]))
        for e in jr["errors"]:
            print("    journey failure: %s" % e)
    check(args.server_alive, "server still running at the end")
    print("== verdict")
    if fails:
        print("  FAIL: " + "; ".join(fails))
        sys.exit(1)
    print("  PASS: %d requests in %.0f s (%.0f req/s), all answered, RSS settled"
          % (client, duration, client / duration))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fresh")
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--ca", required=True)
    f.add_argument("--seconds", type=float, required=True)
    f.add_argument("--rate", type=float, default=100)
    f.add_argument("--max", type=int, default=0)
    f.add_argument("--stop-file", help="stop as soon as this file exists")
    f.add_argument("--out", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--ca", required=True)
    r = sub.add_parser("report")
    for a in ("--wrk-json", "--fresh", "--rss", "--metrics-before", "--metrics-after"):
        r.add_argument(a, required=True)
    r.add_argument("--duration", type=float, required=True)
    r.add_argument("--journeys", help="bench_journeys.py --json output (optional)")
    r.add_argument("--load-start", type=float, required=True)
    r.add_argument("--load-end", type=float, required=True)
    r.add_argument("--min-requests", type=int, default=1000000)
    r.add_argument("--min-fresh", type=int, default=1000)
    r.add_argument("--server-alive", type=int, default=1)
    r.add_argument("--throttle-limit", type=int, default=50)
    args = ap.parse_args()
    {"fresh": fresh, "metrics": metrics, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
