#!/usr/bin/env python3
"""zapi-mock against nginx-light, side by side in one run; prints a table and the ratios to the
targets of issue 10. Run through scripts/bench, which installs the tools and builds the binary.

Every throughput measurement alternates the servers (zapi-mock, nginx with one worker, nginx
with as many workers as zapi-mock; for handshakes also zapi-mock with one worker) BENCH_ROUNDS times and reports medians, with the servers' CPU
time per request from /proc. On a shared machine the numbers are noisy: compare medians.

Environment: ZAPI_MOCK_BIN (the binary), BENCH_SECONDS (per run, default 5), BENCH_ROUNDS
(default 3), BENCH_WORKERS (zapi-mock's --workers, default: the number of cores),
BENCH_CONNS (wrk connections, default 50), BENCH_STORM (connections in the storm, default 2000),
ECP_CEILING (the ecp_ceiling helper binary).
"""

import json
import os
import re
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests", "e2e"))
import mockserver as ms  # noqa: E402

SECS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CORES = os.cpu_count() or 1
WORKERS = int(os.environ.get("BENCH_WORKERS", str(CORES)))
CONNS = int(os.environ.get("BENCH_CONNS", "50"))
STORM = int(os.environ.get("BENCH_STORM", "2000"))
ECP_CEILING = os.environ.get("ECP_CEILING")
# Another zapi-mock binary (an older build) measured in the same alternation, for before/after.
BEFORE_BIN = os.environ.get("BENCH_BEFORE_BIN")
TICK = os.sysconf("SC_CLK_TCK")

# The demo catalogue's activity (fixtures/catalogue on main); only used when the fixtures have it.
DEMO_ACTIVITY_ID = os.environ.get("BENCH_ACTIVITY_ID", "101")


def scenarios():
    out = [
        ("xml ping", ms.xml_request("zapiPing"), "application/xml"),
        ("json ping", ms.json_request("zapiPing"), "application/json"),
        ("authenticate", ms.xml_request("zapiAgents_Authenticate",
                                        {"username": "naddau", "password": "zaui-demo"}),
         "application/xml"),
    ]
    methods = os.path.join(ms.FIXTURES_DIR, "methods")
    if os.path.exists(os.path.join(methods, "zapiGetActivityCategories.xml")):
        out.append(("categories", ms.xml_request("zapiGetActivityCategories"), "application/xml"))
    if os.path.exists(os.path.join(methods, "zapiGetActivityDetailsByActivityId.xml")):
        out.append(("activity details", ms.xml_request("zapiGetActivityDetailsByActivityId",
                                                       {"activityId": DEMO_ACTIVITY_ID}),
                    "application/xml"))
    return out


# -- processes ---------------------------------------------------------------------------------

def family(pid):
    """pid and its descendants (nginx's workers)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in os.listdir("/proc/%d/task" % p) if os.path.exists("/proc/%d" % p) else []:
            try:
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo += [int(c) for c in f.read().split()]
            except FileNotFoundError:
                pass
    return pids


def cpu_seconds(pid):
    total = 0
    for p in family(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / TICK


def rss_kib(pid):
    total = 0
    for p in family(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                total += int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        except (FileNotFoundError, AttributeError):
            pass
    return total


def supports_workers(binary=None):
    out = subprocess.run([binary or ms.BINARY, "--help"], capture_output=True, text=True).stdout
    return "--workers" in out


class BinaryServer(ms.MockServer):
    """The harness's server, running another binary."""

    def __init__(self, binary, **kw):
        super().__init__(**kw)
        self.binary = binary

    def command(self):
        cmd = [self.binary] + super().command()[1:]
        if "--workers" in cmd and not supports_workers(self.binary):
            i = cmd.index("--workers")  # added by the harness: an older build lacks it
            del cmd[i:i + 2]
        return cmd


class Mock:
    def __init__(self, certs, workers, binary=None, label="zapi-mock"):
        args = ["--log-level", "warn"]
        if workers and supports_workers(binary):
            args += ["--workers", str(workers)]
        else:
            workers = 0
        self.server = (BinaryServer(binary, args=args, certs_dir=certs) if binary
                       else ms.MockServer(args=args, certs_dir=certs))
        self.label = label + (" w%d" % workers if workers else "")

    def start(self):
        self.server.start()
        self.pid = self.server.proc.pid
        self.port = self.server.port
        return self

    def url(self, scenario):
        return "https://localhost:%d/zapi/" % self.port

    def stop(self):
        self.server.stop()


class Nginx:
    def __init__(self, certs, workers, answers, work):
        self.workers = workers
        self.label = "nginx w%d" % workers
        self.dir = os.path.join(work, "nginx-%d" % workers)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        locations = []
        for i, (name, (ctype, body)) in enumerate(answers.items()):
            text = body.decode()
            if "$" in text:
                raise SystemExit("answer of %s holds a '$' nginx would expand" % name)
            # The same bytes zapi-mock answers, from memory, as cheaply as nginx can answer.
            text = text.replace("\\", "\\\\").replace("'", "\\'")
            locations.append("location = /%d { default_type \"%s\"; return 200 '%s'; }"
                             % (i, ctype, text))
        self.paths = {name: "/%d" % i for i, name in enumerate(answers)}
        conf = """
worker_processes %d;
pid %s/nginx.pid;
error_log %s/error.log;
events { worker_connections 8192; }
http {
    access_log off;
    open_file_cache max=16;
    client_body_temp_path %s;
    server {
        listen 127.0.0.1:%d ssl%s;
        ssl_certificate %s/server.pem;
        ssl_certificate_key %s/server-key.pem;
        ssl_protocols TLSv1.2;
        %s
    }
}
""" % (workers, self.dir, self.dir, self.dir, self.port, " reuseport" if workers > 1 else "",
            certs, certs, "\n        ".join(locations))
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)

    def start(self):
        self.proc = subprocess.Popen(["nginx", "-c", self.conf, "-g", "daemon off;"],
                                     stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("nginx did not start: see %s/error.log" % self.dir)
                time.sleep(0.01)
        while len(family(self.pid)) < 1 + self.workers:
            time.sleep(0.01)
        return self

    def url(self, scenario):
        return "https://localhost:%d%s" % (self.port, self.paths[scenario])

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- measurements ------------------------------------------------------------------------------

def wrk(server, scenario, body, ctype, work):
    script = os.path.join(work, "wrk-%s.lua" % scenario.replace(" ", "-"))
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = [==[%s]==]\nwrk.headers["Content-Type"] = "%s"\n'
                % (body.decode(), ctype))
    cpu0 = cpu_seconds(server.pid)
    out = subprocess.run(["wrk", "-t1", "-c%d" % CONNS, "-d%ds" % SECS, "-s", script,
                          server.url(scenario)], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server.pid) - cpu0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    if "Non-2xx" in out or "Socket errors" in out:
        print("  warning: %s on %s: %s" % (scenario, server.label,
                                           " ".join(l.strip() for l in out.splitlines()
                                                    if "Non-2xx" in l or "Socket" in l)))
    return rps, cpu * 1e6 / max(total, 1)


def s_time(server, mode, clients):
    """Connections per second from `clients` parallel openssl s_time processes, each making one
    connection at a time: -new (full handshakes: no session is offered) or -reuse (resumed)."""
    procs = [subprocess.Popen(["openssl", "s_time", "-connect", "127.0.0.1:%d" % server.port,
                               "-tls1_2", "-" + mode, "-time", str(SECS)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(clients)]
    cpu0 = cpu_seconds(server.pid)
    t0 = time.monotonic()
    count = 0
    for p in procs:
        out = p.communicate()[0]
        m = re.search(r"(\d+) connections in [\d.]+s", out)
        count += int(m.group(1)) if m else 0
    wall = time.monotonic() - t0
    cpu = cpu_seconds(server.pid) - cpu0
    return count / wall, cpu * 1e6 / max(count, 1)


def answer_of(mock, body, ctype):
    conn = mock.server.connection()
    resp = mock.server.post(body, content_type=ctype, conn=conn)
    conn.close()
    if resp.status != 200:
        raise SystemExit("the benchmark's request was refused (%d): %r" % (resp.status, resp.body))
    return resp.content_type, resp.body


# Idle RSS is read this long after start: the workers grow libevent's descriptor table from a
# second after start (server/worker.c), and that memory belongs to idle.
IDLE_SETTLE_SECONDS = 2.0
# zapi-mock hands freed memory back half a second after the last of a burst of closes
# (server/worker.c, TRIM_DELAY_US); RSS is read a while after that.
TRIM_WAIT_SECONDS = 1.0
# Bound on how long the server may take to close the storm's connections.
CLOSE_WAIT_SECONDS = 30.0


def open_connections(server):
    """Connections zapi-mock reports open (its metrics), not counting the one asking; None for a
    server that cannot tell (nginx)."""
    if not isinstance(server, Mock):
        return None
    r = server.server.admin("GET", "metrics", fresh=True)
    m = re.search(r"^zapi_mock_connections_open (\d+)", r.body.decode(), re.M)
    return int(m.group(1)) - 1 if r.status == 200 and m else None


def storm(server, ca_file, n):
    """Opens n TLS connections (handshakes done, then idle), measures RSS while they are open and
    after they closed: for zapi-mock once it has closed them all (its metrics) and had the time to
    hand the memory back, for nginx 2 s later. Returns (idle before, with n open, after) in KiB
    and the seconds zapi-mock took to close them (None for nginx)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    before = rss_kib(server.pid)
    socks = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            socks.append(ctx.wrap_socket(s, server_hostname="localhost"))
        time.sleep(0.3)
        held = rss_kib(server.pid)
    finally:
        for s in socks:
            s.close()
    t0 = time.monotonic()
    closed_in = None
    while time.monotonic() - t0 < CLOSE_WAIT_SECONDS:
        left = open_connections(server)
        if left is None:
            break
        if left == 0:
            closed_in = time.monotonic() - t0
            break
        time.sleep(0.1)
    if closed_in is None:
        time.sleep(2.0)
    else:
        time.sleep(TRIM_WAIT_SECONDS)
    return before, held, rss_kib(server.pid), closed_in


def ecp_ceiling(clients):
    """Full handshakes per second mbedTLS's arithmetic allows on `clients` cores at once."""
    if not ECP_CEILING:
        return None
    procs = [subprocess.Popen([ECP_CEILING, "1.5"], stdout=subprocess.PIPE, text=True)
             for _ in range(clients)]
    outs = [dict((k, float(v)) for k, v in (l.split() for l in p.communicate()[0].splitlines()))
            for p in procs]
    sign = statistics.median(o["sign_p256_us"] for o in outs)
    x25519 = statistics.median(o["exchange_x25519_us"] for o in outs)
    p256 = statistics.median(o["exchange_p256_us"] for o in outs)
    # CPU time: what the arithmetic costs however busy the machine (older builds lack it).
    cpu = statistics.median(o.get("sign_p256_cpu_us", sign) + o.get("exchange_x25519_cpu_us", x25519)
                            for o in outs)
    return {"sign": sign, "x25519": x25519, "p256": p256, "cpu": cpu,
            "ceiling_x25519": clients * 1e6 / (sign + x25519),
            "ceiling_p256": clients * 1e6 / (sign + p256)}


def startup(certs, workers, runs=10):
    body = ms.xml_request("zapiPing")
    req = (b"POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
           b"Connection: close\r\n\r\n" % len(body)) + body
    times = []
    for _ in range(runs):
        port = free_port()
        cmd = [ms.BINARY, "--listen", "127.0.0.1:%d" % port, "--fixtures", ms.FIXTURES_DIR,
               "--certs-dir", certs, "--log-level", "warn"]
        if workers:
            cmd += ["--workers", str(workers)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=1)
                    break
                except OSError:
                    if time.perf_counter() - t0 > 5:
                        raise SystemExit("zapi-mock did not start within 5 s")
                    time.sleep(0.0005)
            ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                t.sendall(req)
                data = b""
                while chunk := t.recv(65536):
                    data += chunk
            assert b"Pong" in data, data[:200]
            times.append((time.perf_counter() - t0) * 1000)
        finally:
            proc.terminate()
            proc.wait()
    return statistics.median(times), max(times)


def booking_journeys(mock, work):
    """Whole booking journeys per second (scripts/bench_journeys.py: create cart, add, customer,
    pay, search, then cancel so seats never run out) and zapiPing from the same clients."""
    out = os.path.join(work, "journeys.json")
    cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "bench_journeys.py"),
           "--port", str(mock.port), "--ca", mock.server.ca_file, "--seconds", str(SECS),
           "--clients", str(max(2, CORES)), "--json", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(out):
        print("   booking journeys failed: %s" % (r.stderr or r.stdout)[-400:])
        return None
    with open(out, encoding="utf-8") as f:
        return json.load(f)


# -- the run -----------------------------------------------------------------------------------

def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, STORM + 512)), hard))
    work = tempfile.mkdtemp(prefix="zapi-bench-")
    certs = os.path.join(work, "certs")
    workers = WORKERS if supports_workers() else 0
    served_by = workers or 1
    print("== zapi-mock %s, %s worker(s); nginx w1 and w%d; %d cores; wrk -t1 -c%d, %d s runs, "
          "%d rounds alternated, medians" % (ms.project_version(), served_by, WORKERS,
                                             CORES, CONNS, SECS, ROUNDS))
    if not workers:
        print("   (this zapi-mock has no --workers: it runs one event loop)")
    cold = startup(certs, workers, runs=1)  # generates the certificates
    warm = startup(certs, workers)
    print("== startup: exec to first answered zapiPing over verified TLS: median %.1f ms, max %.1f "
          "ms (first run, certificates generated: %.1f ms)" % (warm[0], warm[1], cold[0]))

    mock = Mock(certs, workers).start()
    time.sleep(IDLE_SETTLE_SECONDS)
    idle_rss = rss_kib(mock.pid)
    before = [Mock(certs, WORKERS, BEFORE_BIN, "before").start()] if BEFORE_BIN else []
    # Handshakes must scale with workers: the same binary with one worker, in the same alternation.
    single = [Mock(certs, 1).start()] if served_by > 1 else []
    scen = scenarios()
    answers = {name: answer_of(mock, body, ctype) for name, body, ctype in scen}
    nginx_counts = sorted({1, served_by, WORKERS})
    canned = {k: v for k, v in answers.items() if k in ("xml ping", "json ping")}
    nginxes = [Nginx(certs, n, canned, work).start() for n in nginx_counts]
    servers = [mock] + before + nginxes
    handshakers = [mock] + single + before + nginxes
    results = {}  # (scenario, label) -> [(rps, cpu_us)]
    try:
        for _ in range(ROUNDS):
            for name, body, ctype in scen:
                targets = servers if name in ("xml ping", "json ping") else [mock] + before
                for srv in targets:
                    results.setdefault((name, srv.label), []).append(
                        wrk(srv, name, body, ctype, work))
            for mode in ("new", "reuse"):
                for srv in handshakers:
                    results.setdefault((mode, srv.label), []).append(
                        s_time(srv, mode, 2 * served_by))
        ceiling = ecp_ceiling(served_by)
        journeys = booking_journeys(mock, work)
        mem = {srv.label: storm(srv, mock.server.ca_file, STORM)
               for srv in [mock] + before + nginxes[:1]}
    finally:
        for srv in nginxes + before + single:
            srv.stop()
        mock.stop()
        shutil.rmtree(work, ignore_errors=True)

    def med(key):
        runs = results.get(key)
        if not runs:
            return None, None
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    labels = [s.label for s in handshakers]
    print("\n%-22s" % "req/s (CPU µs each)" + "".join("%24s" % l for l in labels))
    rows = [n for n, _, _ in scen] + ["new", "reuse"]
    names = {"new": "full handshakes/s", "reuse": "resumed conns/s"}
    for row in rows:
        cells = []
        for l in labels:
            rps, cpu = med((row, l))
            cells.append("%24s" % ("-" if rps is None else "%9.0f (%6.1f µs)" % (rps, cpu)))
        print("%-22s" % names.get(row, row) + "".join(cells))

    def verdict(ok):
        return "OK" if ok else "MISSED"

    print("\n== targets")
    same = "nginx w%d" % served_by
    for row in ("xml ping", "json ping"):
        r = med((row, mock.label))[0] / med((row, same))[0]
        r1 = med((row, mock.label))[0] / med((row, "nginx w1"))[0]
        c = med((row, same))[1] / med((row, mock.label))[1]
        print("  %-44s %5.2fx nginx w%d (>= 0.90x) %s   [%.2fx nginx w1; nginx's CPU per "
              "request / ours: %.2f]" % ("keep-alive " + row, r, served_by, verdict(r >= 0.9), r1, c))
    ping = med(("xml ping", mock.label))[0]
    # Issue 10 asks Authenticate for 0.8x the ping; issue 8 asked catalogue answers for 0.5x.
    for row in [n for n, _, _ in scen][2:]:
        r = med((row, mock.label))[0] / ping
        want = 0.8 if row == "authenticate" else 0.5
        print("  %-44s %5.2fx the XML ping (>= %.2fx) %s" % (row, r, want, verdict(r >= want)))
    full = med(("new", mock.label))[0]
    if ceiling:
        r = full / ceiling["ceiling_x25519"]
        print("  %-44s %5.2fx the arithmetic ceiling (>= 0.75x) %s" % ("full handshakes", r,
                                                                    verdict(r >= 0.75)))
        cpu = med(("new", mock.label))[1]
        print("      by CPU time (less sensitive to a busy machine): the arithmetic takes %.0f µs of "
              "CPU, a handshake took %.0f µs of server CPU: %.2fx"
              % (ceiling["cpu"], cpu, ceiling["cpu"] / cpu))
        print("      ceiling on %d core(s): %.0f/s with X25519 (negotiated with OpenSSL clients), "
              "%.0f/s with P-256; per core: ECDSA P-256 sign %.0f µs, X25519 exchange %.0f µs, "
              "P-256 exchange %.0f µs" % (served_by, ceiling["ceiling_x25519"],
                                          ceiling["ceiling_p256"], ceiling["sign"],
                                          ceiling["x25519"], ceiling["p256"]))
    if single:
        for row in ("new", "reuse"):
            r = med((row, mock.label))[0] / med((row, single[0].label))[0]
            print("  %-44s %5.2fx one worker's rate with %d workers on %d cores (CPU each: %.0f µs "
                  "with %d, %.0f µs with one)" % (names[row] + " scaling", r, served_by, CORES,
                                                   med((row, mock.label))[1], served_by,
                                                   med((row, single[0].label))[1]))
    r = med(("reuse", mock.label))[0] / med(("reuse", same))[0]
    print("  %-44s %5.2fx nginx w%d (>= 1.00x) %s" % ("resumed connections", r, served_by,
                                                    verdict(r >= 1.0)))
    print("  %-44s %5.1f MiB (< 10 MiB) %s" % ("idle RSS", idle_rss / 1024,
                                              verdict(idle_rss < 10 * 1024)))
    for label, (before, held, after, closed_in) in mem.items():
        per = (held - before) / STORM
        back = after <= 1.2 * before
        print("  %-44s %5.1f KiB per idle TLS connection%s; RSS %.1f MiB before, %.1f with %d "
              "open, %.1f after they closed%s%s" % (
                  label + " memory", per,
                  " (<= 24 KiB) " + verdict(per <= 24) if label == mock.label else "",
                  before / 1024, held / 1024, STORM, after / 1024,
                  " (within 20%%) %s" % verdict(back) if label == mock.label else "",
                  "" if closed_in is None else
                  " [closed by the server in %.1f s, read %.1f s later]"
                  % (closed_in, TRIM_WAIT_SECONDS)))
    print("  %-44s %5.1f ms (< 50 ms) %s" % ("first answer after start", warm[1],
                                            verdict(warm[1] < 50)))
    if journeys:
        print("  %-44s %7.1f journeys/s beside %.0f zapiPing/s from the same %d Python clients "
              "(7 requests each, cancelled at the end)" % ("booking journeys", journeys["journeys_per_s"],
                                                  journeys.get("ping_per_s", 0),
                                                  journeys["clients"]))


if __name__ == "__main__":
    main()
