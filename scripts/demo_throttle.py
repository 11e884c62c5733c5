#!/usr/bin/env python3
"""Throttling demo: three ZAPI clients with different retry policies against one throttled mock.

Starts build/server/zapi-mock on an ephemeral loopback port (HTTPS, verified against the CA it
generates) with a small per-token limit, then runs three clients side by side, each with its own
token and each wanting the same number of successful zapiPing calls at a steady pace:

  naive        retries at once whenever it is throttled
  backoff      Zaui's guidance: wait 1, 2, 4, 8, 16 s, each plus 0-1 s of random jitter, and give
               up on a request after its fifth retry
  retry-after  the same schedule, but never waits less than the server's Retry-After header

It prints a timeline and a summary, draws the timeline as an SVG picture, and checks the server
from what the clients recorded: never more than the limit admitted in any window, no throttling
while the window had room, Retry-After and waitSeconds consistent and truthful, the admin
counters equal to what the clients saw, and a clean exit on SIGTERM. Exit status: 0 when all of
that holds, 1 when the server misbehaved, 2 on a usage or setup error, 3 when the demo overran
its hard deadline.

Usage: demo_throttle.py [--bin PATH] [--seed N] [SVG_PATH]   (default SVG: out/throttle-demo.svg)
Normally run through scripts/demo-throttle, which builds the server first.
"""

import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

# The scenario. The limit is tiny on purpose, so that every client hits it twice.
LIMIT = 5             # admitted requests per token ...
WINDOW = 6.0          # ... in any WINDOW seconds
WANT = 12             # successful pings each client needs
PACE = 0.3            # seconds between one successful ping and the next request
SCHEDULE = (1, 2, 4, 8, 16)   # Zaui's back-off steps, seconds
JITTER_MAX = 1.0      # plus up to this much random jitter, seconds
HARD_DEADLINE = 55.0  # the whole demo, from start to the server's exit, seconds

THROTTLE_MESSAGE = "ZAPI request throttle limit reached, try again shortly"
CLIENTS = (
    # name, token, accountId, userId, policy
    ("naive", "DEMO-NAIVE-TOKEN", "9101", "9201", "naive"),
    ("backoff", "DEMO-BACKOFF-TOKEN", "9102", "9202", "backoff"),
    ("retry-after", "DEMO-RETRY-AFTER-TOKEN", "9103", "9203", "retry-after"),
)

T0 = time.monotonic()  # time.monotonic() is CLOCK_MONOTONIC, the server's throttle clock too


def now():
    return time.monotonic() - T0


def time_left():
    return HARD_DEADLINE - now()


class DeadlineExceeded(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The server


class Server:
    def __init__(self, binary, workdir, args):
        self.workdir = workdir
        self.fixtures = os.path.join(workdir, "fixtures")
        self.certs = os.path.join(workdir, "certs")
        self.port_file = os.path.join(workdir, "port")
        self.log_path = os.path.join(workdir, "server.log")
        shutil.copytree(os.path.join(ROOT, "fixtures"), self.fixtures)
        self._add_partners()
        self.cmd = [binary, "--fixtures", self.fixtures, "--listen", "127.0.0.1:0",
                    "--port-file", self.port_file, "--certs-dir", self.certs,
                    "--log-level", "warn"] + list(args)
        self.proc = None
        self.port = None
        self.ctx = None

    def _add_partners(self):
        path = os.path.join(self.fixtures, "registry.xml")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = ["  <!-- Added by scripts/demo_throttle.py: one partner per demo client. -->"]
        for name, token, account, user, _ in CLIENTS:
            lines.append('  <partner token="%s" accountId="%s" userId="%s" '
                         'affiliateUsername="demo-%s" organisation="Throttle demo (%s)"/>'
                         % (token, account, user, name, name))
        end = text.rindex("</registry>")
        text = text[:end] + "\n".join(lines) + "\n" + text[end:]
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def start(self):
        self.log_file = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPI_MOCK_")}
        self.proc = subprocess.Popen(self.cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                with open(self.port_file, encoding="ascii") as f:
                    text = f.read()
                if text.endswith("\n"):
                    self.port = int(text.split()[0])
                    break
            except FileNotFoundError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit("zapi-mock exited with %d before listening:\n%s"
                                 % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                self.kill()
                raise SystemExit("zapi-mock wrote no port file within 10 s:\n%s" % self.log())
            time.sleep(0.01)
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.pem"))

    def connection(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=10)

    def admin(self, method="GET", body=None):
        conn = self.connection()
        try:
            conn.request(method, "/__admin/throttle", body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, json.loads(r.read().decode("utf-8"))
        finally:
            conn.close()

    def stop(self, timeout=5.0):
        """SIGTERM, then the exit status (None when it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        self.log_file.close()
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


# ---------------------------------------------------------------------------------------------
# The clients


class Event:
    """One request and its answer, as the client saw it. Times in seconds since T0."""
    __slots__ = ("client", "item", "attempt", "sent", "recv", "status", "error", "message",
                 "wait_seconds", "retry_after", "retry_after_el", "chosen", "step", "jitter",
                 "gave_up", "problem")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    @property
    def admitted(self):
        return self.status == 200 and self.error == "0"

    @property
    def throttled(self):
        return self.error == "2"


class Printer:
    """Prints timeline lines as they happen; folds a run of immediate retries into one line."""

    def __init__(self):
        self.lock = threading.Lock()
        print("%9s  %-12s %4s %-9s %4s  %s" % ("time", "client", "ping", "try", "HTTP", "what"))

    def line(self, t, client, item, tries, status, what):
        with self.lock:
            print("%8.3fs  %-12s %4d %-9s %4s  %s" % (t, client, item, tries, status, what),
                  flush=True)


class Client(threading.Thread):
    def __init__(self, server, printer, name, token, account, user, policy, seed):
        super().__init__(name=name, daemon=True)
        self.server = server
        self.printer = printer
        self.client = name
        self.policy = policy
        self.rng = random.Random(seed)
        self.body = ("<request><zapiToken>%s</zapiToken><zapiAccountId>%s</zapiAccountId>"
                     "<zapiUserId>%s</zapiUserId><zapiMethod><methodName>zapiPing</methodName>"
                     "</zapiMethod></request>" % (token, account, user)).encode("ascii")
        self.token = token
        self.events = []
        self.done_at = None        # when the last of its WANT pings succeeded
        self.gave_up = 0
        self.failure = None        # an exception text, when the client could not carry on
        self.conn = None
        self.run_start = None      # a run of immediate retries being folded: [first event, count]

    def send(self):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self.server.connection()
            sent = now()
            try:
                self.conn.request("POST", "/zapi/", body=self.body,
                                  headers={"Content-Type": "application/xml"})
                r = self.conn.getresponse()
                body = r.read()
                return sent, now(), r.status, r.getheader("Retry-After"), body
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise RuntimeError("request failed twice: %r" % e)

    def request(self, item, attempt):
        if time_left() <= 0:
            raise DeadlineExceeded()
        sent, recv, status, retry_after, body = self.send()
        ev = Event(client=self.client, item=item, attempt=attempt, sent=sent, recv=recv,
                   status=status, problem=[])
        try:
            root = ET.fromstring(body)
            ev.error = root.findtext("error")
            ev.message = root.findtext("message")
            ws = root.findtext("backOff/waitSeconds")
            ev.wait_seconds = float(ws) if ws is not None else None
            ra = root.findtext("backOff/retryAfter")
            ev.retry_after_el = int(ra) if ra is not None else None
            name = root.findtext("methodResponse/methodName")
        except (ET.ParseError, ValueError) as e:
            ev.problem.append("unreadable body (%s): %r" % (e, body[:120]))
            name = None
        if retry_after is not None:
            try:
                ev.retry_after = int(retry_after)
            except ValueError:
                ev.problem.append("Retry-After %r is not a number of seconds" % retry_after)
        self.check_answer(ev, name)
        self.events.append(ev)
        return ev

    @staticmethod
    def check_answer(ev, name):
        p = ev.problem
        if ev.status == 200 and ev.error == "0":
            if ev.retry_after is not None:
                p.append("an admitted answer carries Retry-After")
            return
        if ev.status != 503 or ev.error != "2":
            p.append("HTTP %s error %s: want 200 error 0 or 503 error 2" % (ev.status, ev.error))
            return
        if ev.message != THROTTLE_MESSAGE:
            p.append("throttle message %r" % ev.message)
        if name != "zapiPing":
            p.append("methodName %r in the throttled answer" % name)
        # waitSeconds is the exact wait rounded up to milliseconds; Retry-After (header and
        # element) must be the ceiling of exactly that printed number, which is > 0 and <= WINDOW.
        w = ev.wait_seconds
        if w is None or not 0 < w <= WINDOW + 0.0005:
            p.append("waitSeconds %r outside (0, %g]" % (w, WINDOW))
            return
        if ev.retry_after != ev.retry_after_el:
            p.append("Retry-After header %r but <retryAfter> %r" % (ev.retry_after,
                                                                   ev.retry_after_el))
        elif ev.retry_after != math.ceil(w):
            p.append("Retry-After %r for waitSeconds %.3f, want ceil(%.3f) = %d"
                     % (ev.retry_after, w, w, math.ceil(w)))

    def sleep(self, seconds):
        if seconds > time_left() - 1:
            raise DeadlineExceeded()
        time.sleep(seconds)

    def run(self):
        try:
            self.work()
        except DeadlineExceeded:
            self.failure = "stopped at the hard deadline"
        except Exception as e:  # reported in the summary; the demo then fails
            self.failure = "%s: %s" % (type(e).__name__, e)
        finally:
            if self.conn is not None:
                self.conn.close()

    def work(self):
        for item in range(1, WANT + 1):
            if item > 1:
                self.sleep(PACE)
            retries = 0
            tries = 0
            while True:
                tries += 1
                ev = self.request(item, tries)
                if not ev.throttled:
                    self.flush_run()
                    self.printer.line(ev.recv, self.client, item, str(tries), ev.status,
                                      "admitted" if ev.admitted else "UNEXPECTED: %s"
                                      % "; ".join(ev.problem))
                    if not ev.admitted:
                        raise RuntimeError("unexpected answer: %s" % "; ".join(ev.problem))
                    break
                said = "server: wait %.3f s, Retry-After %s" % (ev.wait_seconds or 0,
                                                               ev.retry_after)
                if self.policy == "naive":
                    if self.run_start is None:
                        self.run_start = [ev, 0]
                    self.run_start[1] += 1
                    ev.chosen = 0.0
                    continue
                if retries == len(SCHEDULE):
                    ev.gave_up = True
                    self.gave_up += 1
                    self.printer.line(ev.recv, self.client, item, str(tries), ev.status,
                                      "%s -> gives up after %d retries" % (said, retries))
                    break
                ev.step = SCHEDULE[retries]
                ev.jitter = self.rng.uniform(0, JITTER_MAX)
                base = ev.step
                why = "step %d" % ev.step
                if self.policy == "retry-after" and ev.retry_after is not None:
                    base = max(ev.retry_after, ev.step)
                    why = "max(%d, step %d)" % (ev.retry_after, ev.step)
                ev.chosen = base + ev.jitter
                self.printer.line(ev.recv, self.client, item, str(tries), ev.status,
                                  "%s -> sleeps %.2f s = %s + jitter %.2f"
                                  % (said, ev.chosen, why, ev.jitter))
                retries += 1
                self.sleep(ev.chosen)
            if not self.events[-1].gave_up:
                self.done_at = self.events[-1].recv
        if self.gave_up:
            self.done_at = None

    def flush_run(self):
        if self.run_start is None:
            return
        first, n = self.run_start
        self.run_start = None
        last = self.events[-2] if len(self.events) >= 2 else first
        if n == 1:
            what = "server: wait %.3f s -> retries at once" % first.wait_seconds
        else:
            what = "x%d, each retried at once, from %.3fs to %.3fs" % (n, first.sent, last.recv)
        tries = "%d-%d" % (first.attempt, last.attempt) if n > 1 else str(first.attempt)
        self.printer.line(last.recv, self.client, first.item, tries, 503, what)


# ---------------------------------------------------------------------------------------------
# Checking the server from the timeline


def check_timeline(client):
    """Problems proven from one client's events (its requests are sequential, one at a time).
    The server decides each request at some instant between the client's send and receive
    times, on the same monotonic clock, so these bounds are exact, not statistical."""
    problems = []
    evs = client.events
    for ev in evs:
        for p in ev.problem:
            problems.append("%s ping %d try %d at %.3fs: %s"
                            % (ev.client, ev.item, ev.attempt, ev.recv, p))
    adm = [e for e in evs if e.admitted]
    # 1. Never more than LIMIT admitted in any WINDOW: admissions i and i+LIMIT must be at least
    #    WINDOW apart; their decision instants are >= adm[i].sent and <= adm[i+LIMIT].recv.
    for i in range(len(adm) - LIMIT):
        a, b = adm[i], adm[i + LIMIT]
        if b.recv - a.sent < WINDOW:
            problems.append("%s: %d requests admitted within %.3f s (%.3fs..%.3fs), limit %d per "
                            "%g s" % (client.client, LIMIT + 1, b.recv - a.sent, a.sent, b.recv,
                                      LIMIT, WINDOW))
    # 2. No throttling while the window had room: at most this many admissions can have been
    #    inside the window when the request was decided.
    for e in evs:
        if not e.throttled:
            continue
        possible = sum(1 for a in adm if a.recv <= e.sent and a.recv > e.sent - WINDOW)
        if possible < LIMIT:
            problems.append("%s ping %d try %d at %.3fs: throttled with at most %d admitted in "
                            "the last %g s (limit %d)" % (e.client, e.item, e.attempt, e.sent,
                                                          possible, WINDOW, LIMIT))
    # 3. waitSeconds is the truth: the next request sent after it is admitted, and none is
    #    admitted clearly before it (2 ms allow for the 3 decimals and the clock reads).
    for e, f in zip(evs, evs[1:]):
        if not e.throttled or e.wait_seconds is None:
            continue
        if f.throttled and f.sent >= e.recv + e.wait_seconds + 0.002:
            problems.append("%s ping %d: throttled at %.3fs although sent %.3f s after a 503 "
                            "that said wait %.3f s" % (f.client, f.item, f.sent, f.sent - e.recv,
                                                       e.wait_seconds))
        if f.admitted and f.recv < e.sent + e.wait_seconds - 0.002:
            problems.append("%s ping %d: admitted at %.3fs, %.3f s before the announced wait "
                            "(%.3f s) was over" % (f.client, f.item, f.recv,
                                                   e.sent + e.wait_seconds - f.recv,
                                                   e.wait_seconds))
    return problems


def full_intervals(client):
    """Where the client's window was full (a request would have been throttled): from its
    LIMIT-th admission in a window until the oldest of them leaves the window."""
    adm = [(e.sent + e.recv) / 2 for e in client.events if e.admitted]
    out = []
    for i in range(LIMIT - 1, len(adm)):
        start, end = adm[i], adm[i - LIMIT + 1] + WINDOW
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def best_possible():
    """When a client that knew exactly when the window reopens would be done (no latency)."""
    adm, t = [], 0.0
    for item in range(WANT):
        if item:
            t += PACE
        if len(adm) >= LIMIT:
            t = max(t, adm[-LIMIT] + WINDOW)
        adm.append(t)
    return t


def overshoot(client):
    """Seconds spent waiting after the server had said the window would reopen."""
    total = 0.0
    for e, f in zip(client.events, client.events[1:]):
        if e.throttled and e.wait_seconds is not None and f.item == e.item and not e.gave_up:
            total += max(0.0, f.sent - (e.recv + e.wait_seconds))
    return total


# ---------------------------------------------------------------------------------------------
# The picture


def esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def write_svg(path, clients, total):
    colours = {"ok": "#1a9850", "thr": "#d73027", "wait": "#fdae61", "full": "#fde0dd",
               "gave": "#000000", "done": "#4575b4", "axis": "#444444", "grid": "#e6e6e6"}
    left, right, top, lane_h = 180, 30, 84, 92
    width = 1120
    t_max = max(1.0, math.ceil(total + 0.5))
    scale = (width - left - right) / t_max
    height = top + lane_h * len(clients) + 110

    def x(t):
        return left + max(0.0, t) * scale

    out = []
    add = out.append
    add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">'
        % (width, height, width, height))
    add('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (width, height))
    add('<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>'
        % (left, esc("zapi-mock throttling: three retry policies against one limit")))
    add('<text x="%d" y="44" fill="#333">%s</text>' % (left, esc(
        "--throttle-limit %d --throttle-window %g: at most %d admitted per token in any %g s "
        "(sliding window); throttled = HTTP 503 + Retry-After" % (LIMIT, WINDOW, LIMIT, WINDOW))))
    add('<text x="%d" y="60" fill="#333">%s</text>' % (left, esc(
        "each client wants %d pings, %.1f s apart; back-off steps %s s, each + 0-%g s jitter, "
        "give up after the fifth retry" % (WANT, PACE, ", ".join(map(str, SCHEDULE)),
                                            JITTER_MAX))))
    # Grid and time axis.
    axis_y = top + lane_h * len(clients)
    step = 1 if t_max <= 30 else 2
    t = 0
    while t <= t_max:
        add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
            % (x(t), top - 6, x(t), axis_y, colours["grid"]))
        add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
            % (x(t), axis_y, x(t), axis_y + 5, colours["axis"]))
        if t % (step * 2) == 0 or t_max <= 15:
            add('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x(t), axis_y + 18, t))
        t += step
    add('<line x1="%d" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
        % (left, axis_y, x(t_max), axis_y, colours["axis"]))
    add('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
        % (left + (width - left - right) / 2, axis_y + 36, "seconds since start"))
    for n, c in enumerate(clients):
        y0 = top + n * lane_h
        mid = y0 + lane_h / 2 - 6
        add('<g id="lane-%s">' % esc(c.client))
        add('<text x="%d" y="%.1f" font-weight="bold">%s</text>' % (10, mid - 4, esc(c.client)))
        thr = sum(1 for e in c.events if e.throttled)
        add('<text x="%d" y="%.1f" fill="#555" font-size="11">%d sent, %d throttled</text>'
            % (10, mid + 12, len(c.events), thr))
        for a, b in full_intervals(c):
            add('<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"><title>window full '
                '%.3f-%.3f s</title></rect>' % (x(a), y0 + 6, max(1.0, x(b) - x(a)), lane_h - 20,
                                               colours["full"], a, b))
        add('<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999"/>'
            % (left, mid, x(t_max), mid))
        # Waits chosen after a 503, as bars under the line.
        for e in c.events:
            if e.chosen:
                add('<rect x="%.1f" y="%.1f" width="%.1f" height="9" fill="%s" stroke="#c77f2a" '
                    'stroke-width="0.5"><title>ping %d: waits %.2f s</title></rect>'
                    % (x(e.recv), mid + 12, max(1.0, e.chosen * scale), colours["wait"], e.item,
                       e.chosen))
                if e.chosen * scale > 34:
                    add('<text x="%.1f" y="%.1f" font-size="10" fill="#7a4a10">%.1f s</text>'
                        % (x(e.recv) + 3, mid + 31, e.chosen))
        # Throttled answers: ticks, or one band for a run of immediate retries.
        runs, cur = [], None
        for e in c.events:
            if e.throttled and e.chosen == 0.0:
                if cur and cur[2] == e.item:
                    cur[1] = e
                    cur[3] += 1
                else:
                    cur = [e, e, e.item, 1]
                    runs.append(cur)
            else:
                cur = None
            if e.throttled and e.chosen != 0.0:
                add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5">'
                    '<title>ping %d try %d: 503, server said wait %.3f s</title></line>'
                    % (x(e.recv), mid - 11, x(e.recv), mid + 11, colours["thr"], e.item,
                       e.attempt, e.wait_seconds or 0))
            if e.gave_up:
                add('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="16" fill="%s">'
                    '&#x2716;</text>' % (x(e.recv), mid - 14, colours["gave"]))
        for first, last, item, count in runs:
            w = max(2.5, x(last.recv) - x(first.sent))
            add('<rect x="%.1f" y="%.1f" width="%.1f" height="22" fill="%s" fill-opacity="0.85">'
                '<title>ping %d: %d immediate retries, all 503</title></rect>'
                % (x(first.sent), mid - 11, w, colours["thr"], item, count))
            if count > 1 and w >= 30:
                add('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="%s" '
                    'font-weight="bold">%s</text>' % (x(first.sent) + w / 2, mid - 15,
                                                      colours["thr"], "x%d" % count))
        for e in c.events:
            if e.admitted:
                add('<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s" stroke="#ffffff" '
                    'stroke-width="0.8"><title>ping %d admitted at %.3f s</title></circle>'
                    % (x((e.sent + e.recv) / 2), mid, colours["ok"], e.item, e.recv))
        if c.done_at is not None:
            add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" '
                'stroke-dasharray="4,3"/>' % (x(c.done_at), y0 + 4, x(c.done_at), y0 + lane_h - 12,
                                              colours["done"]))
            near_end = x(c.done_at) > width - right - 70
            add('<text x="%.1f" y="%.1f" font-size="11" fill="%s" text-anchor="%s">done %.1f s'
                '</text>' % (x(c.done_at) + (-4 if near_end else 4), y0 + 14, colours["done"],
                             "end" if near_end else "start", c.done_at))
        add('</g>')
    # Legend.
    ly = axis_y + 62
    items = [
        ('<circle cx="%d" cy="%d" r="4.5" fill="%s"/>', "ok", "admitted (HTTP 200)"),
        ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"/>', "thr",
         "throttled (HTTP 503)"),
        ('<rect x="%d" y="%d" width="22" height="14" fill="%s"/>', "thr",
         "run of immediate retries (count above)"),
        ('<rect x="%d" y="%d" width="22" height="9" fill="%s"/>', "wait",
         "wait chosen by the client"),
        ('<rect x="%d" y="%d" width="22" height="14" fill="%s"/>', "full",
         "window full: the server would throttle"),
        ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-dasharray="4,3" '
         'stroke-width="1.5"/>', "done", "all pings done"),
    ]
    lx = left
    for n, (shape, col, label) in enumerate(items):
        cx, cy = lx + (n % 3) * 300, ly + (n // 3) * 22
        if shape.startswith("<circle"):
            add(shape % (cx + 8, cy, colours[col]))
        elif shape.startswith("<line") and "dasharray" in shape:
            add(shape % (cx + 8, cy - 8, cx + 8, cy + 8, colours[col]))
        elif shape.startswith("<line"):
            add(shape % (cx + 8, cy - 8, cx + 8, cy + 8, colours[col]))
        else:
            add(shape % (cx, cy - 7, colours[col]))
        add('<text x="%d" y="%d">%s</text>' % (cx + 30, cy + 4, esc(label)))
    add('</svg>')
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------


def watchdog(server):
    """The hard deadline: whatever hangs, the demo ends within a minute."""
    def fire():
        sys.stderr.write("demo-throttle: FAILED: the hard deadline of %.0f s passed\n"
                         % (HARD_DEADLINE + 3))
        sys.stderr.flush()
        if server.proc is not None and server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
            try:
                server.proc.wait(1)
            except subprocess.TimeoutExpired:
                server.proc.kill()
        os._exit(3)
    t = threading.Timer(max(0.0, HARD_DEADLINE + 3 - now()), fire)
    t.daemon = True
    t.start()
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("svg", nargs="?", default=os.path.join(ROOT, "out", "throttle-demo.svg"),
                    help="where to write the SVG timeline (default: out/throttle-demo.svg)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "server", "zapi-mock"),
                    help="the zapi-mock binary (default: build/server/zapi-mock)")
    ap.add_argument("--seed", type=int, default=None, help="jitter seed (default: random)")
    opts = ap.parse_args()
    if not os.access(opts.bin, os.X_OK):
        sys.stderr.write("demo-throttle: no zapi-mock binary at %s (build it first)\n" % opts.bin)
        return 2
    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)

    workdir = tempfile.mkdtemp(prefix="zapi-throttle-demo-")
    server = Server(opts.bin, workdir, ["--throttle-limit", str(LIMIT),
                                        "--throttle-window", "%g" % WINDOW])
    problems = []
    try:
        watchdog(server)
        server.start()
        print("zapi-mock on https://127.0.0.1:%d/zapi/ with --throttle-limit %d "
              "--throttle-window %g (seed %d)" % (server.port, LIMIT, WINDOW, seed))
        print("three clients, one token each, each wants %d pings %.1f s apart; best possible "
              "finish: %.1f s\n" % (WANT, PACE, best_possible()))
        printer = Printer()
        clients = [Client(server, printer, name, token, account, user, policy, seed + i)
                   for i, (name, token, account, user, policy) in enumerate(CLIENTS)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(max(0.1, time_left()))
        total = now()
        for c in clients:
            if c.is_alive():
                problems.append("%s: still running at the deadline" % c.client)
            elif c.failure:
                problems.append("%s: %s" % (c.client, c.failure))
            problems += check_timeline(c)

        # The admin counters must agree with what the clients saw.
        status, state = server.admin()
        if status != 200:
            problems.append("GET /__admin/throttle answered %d" % status)
        else:
            counts = {s.get("token"): s for s in state.get("clients", [])}
            for c in clients:
                got = counts.get(c.token, {})
                want_adm = sum(1 for e in c.events if e.admitted)
                want_thr = sum(1 for e in c.events if e.throttled)
                if (got.get("admitted"), got.get("throttled")) != (want_adm, want_thr):
                    problems.append("%s: admin counters admitted=%s throttled=%s, the client saw "
                                    "%d and %d" % (c.client, got.get("admitted"),
                                                   got.get("throttled"), want_adm, want_thr))
        rc = server.stop()
        if rc != 0:
            problems.append("the server %s on SIGTERM" % ("did not stop within 5 s" if rc is None
                                                          else "exited with status %d" % rc))
        elapsed = now()

        print("\nsummary (limit %d per %g s; best possible finish %.1f s)" % (
            LIMIT, WINDOW, best_possible()))
        print("  %-12s %6s %9s %10s %8s %15s %14s" % ("client", "sent", "admitted", "throttled",
                                                     "gave up", "all work done", "overslept"))
        for c in clients:
            adm = sum(1 for e in c.events if e.admitted)
            thr = sum(1 for e in c.events if e.throttled)
            done = "%.2f s" % c.done_at if c.done_at is not None else "never"
            over = "-" if c.policy == "naive" else "%.2f s" % overshoot(c)
            print("  %-12s %6d %9d %10d %8d %15s %14s" % (c.client, len(c.events), adm, thr,
                                                         c.gave_up, done, over))
        print("  (overslept: time spent waiting after the server's announced waitSeconds had "
              "passed)")

        write_svg(opts.svg, clients, total)
        print("\ntimeline picture: %s" % os.path.relpath(opts.svg))

        by = {c.policy: c for c in clients}
        naive, bo, ra = by["naive"], by["backoff"], by["retry-after"]
        polite = max(len(bo.events), len(ra.events))

        def fin(c):
            return "%.1f s" % c.done_at if c.done_at is not None else "never"
        print("\nwhat to look for:")
        print("  - naive finished at %s but sent %d requests for %d pings (%.0fx the others): "
              "throttled\n    requests are not counted, so hammering bought nothing but load."
              % (fin(naive), len(naive.events), WANT, len(naive.events) / max(1, polite)))
        print("  - backoff (fixed 1, 2, 4 ... s steps) finished at %s: its steps ignore when the "
              "window\n    reopens, so it slept %.1f s past the server's waitSeconds in all."
              % (fin(bo), overshoot(bo)))
        print("  - retry-after finished at %s with %d requests: waiting max(Retry-After, step) "
              "lands its first\n    retry just after the window reopens (best possible: %.1f s)."
              % (fin(ra), len(ra.events), best_possible()))
        print("  - in the SVG no lane has more than %d green dots within any %g s, and red marks "
              "fall only\n    inside pink 'window full' bands." % (LIMIT, WINDOW))

        if elapsed >= 60:
            problems.append("the demo took %.1f s, more than a minute" % elapsed)
        assert elapsed < 60, "the demo must finish within a minute"
    finally:
        server.kill()
        server_log = server.log()
        shutil.rmtree(workdir, ignore_errors=True)

    print("\ndemo took %.1f s" % now())
    if problems:
        print("\nSERVER MISBEHAVED (%d problem%s):" % (len(problems), "s"[:len(problems) != 1]))
        for p in problems[:40]:
            print("  - " + p)
        if len(problems) > 40:
            print("  ... and %d more" % (len(problems) - 40))
        if server_log.strip():
            print("\nserver log (warnings and errors):\n" + server_log[-4000:])
        return 1
    print("server checks passed: never more than %d admitted in any %g s, no needless "
          "throttling,\n"
          "waitSeconds truthful and Retry-After its ceiling, admin counters agree,\n"
          "clean exit on SIGTERM." % (LIMIT, WINDOW))
    return 0


if __name__ == "__main__":
    sys.exit(main())
