"""Test harness for zapi-mock's end-to-end tests: runs the real binary on loopback.

Every MockServer gets its own temporary directory (port file, certificates, log), listens on an
ephemeral port (127.0.0.1:0 unless told otherwise) and is reached by address, never by a name that
could resolve to another test's server, so the suites can run side by side (ctest -j).

TLS is verified for real: the client context trusts only the CA the server generated in its own
certificates directory, and checks the host name ("localhost" unless a test says otherwise).

Environment:
  ZAPI_MOCK_BIN     the server binary (default: <repo>/build/server/zapi-mock)
  ZAPI_SOURCE_DIR   the repository root (default: two directories above this file)
"""

import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(
    os.environ.get("ZAPI_SOURCE_DIR") or os.path.join(HERE, os.pardir, os.pardir))
BINARY = os.path.abspath(
    os.environ.get("ZAPI_MOCK_BIN") or os.path.join(SOURCE_DIR, "build", "server", "zapi-mock"))
FIXTURES_DIR = os.path.join(SOURCE_DIR, "fixtures")

# Every e2e server runs this many event loops unless a test says otherwise, so the whole suite
# exercises connections spread over threads.
WORKERS = os.environ.get("ZAPI_E2E_WORKERS", "2")

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
IO_TIMEOUT = 10.0

# The partner and agent of the shipped fixtures (fixtures/registry.xml).
TOKEN = "ZAPI-DEMO-TOKEN"
ACCOUNT_ID = "456"
USER_ID = "1240"

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def project_version():
    """The version in CMakeLists.txt's project() call, which --version must print."""
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(\s*zapi-mock\s+VERSION\s+([0-9][0-9.]*)", f.read())
    return m.group(1) if m else None


_sanitized = None


def binary_is_sanitized():
    """True when the server binary is an ASan build (slower: timing bounds scale with it)."""
    global _sanitized
    if _sanitized is None:
        try:
            with open(BINARY, "rb") as f:
                _sanitized = b"__asan_init" in f.read()
        except OSError:
            _sanitized = False
    return _sanitized


def copy_fixtures(dest_parent, name="fixtures"):
    """Copies the shipped fixture set into dest_parent/name and returns its path."""
    dest = os.path.join(dest_parent, name)
    shutil.copytree(FIXTURES_DIR, dest)
    return dest


def clean_env(extra=None):
    """The current environment without any ZAPI_MOCK_* setting, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPI_MOCK_")}
    env.update(extra or {})
    return env


# ---------------------------------------------------------------------------------------------
# Request bodies


def _xml_escape(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _xml_params(parts, params, typed):
    """Appends params as elements: a dict value nests, a list repeats the element. typed adds
    Rails-style attributes: type="integer" / type="boolean", nil="true" for None."""
    for k, v in params.items():
        for item in (v if isinstance(v, list) else [v]):
            if isinstance(item, dict):
                parts.append("<%s>" % k)
                _xml_params(parts, item, typed)
                parts.append("</%s>" % k)
            elif item is None:
                parts.append('<%s nil="true"/>' % k if typed else "<%s/>" % k)
            elif typed and isinstance(item, bool):
                parts.append('<%s type="boolean">%s</%s>' % (k, str(item).lower(), k))
            elif typed and isinstance(item, int):
                parts.append('<%s type="integer">%d</%s>' % (k, item, k))
            else:
                parts.append("<%s>%s</%s>" % (k, _xml_escape(item), k))


def xml_request(method, params=None, token=TOKEN, account_id=ACCOUNT_ID, user_id=USER_ID,
                declaration=False, top=None, typed=False):
    """A ZAPI XML envelope. A None token/account_id/user_id leaves that element out; top holds
    more top-level elements (zapiUsername, zapiPassword of the logins). Param values may be
    dicts (nested elements) or lists (repeated elements).

    typed=True writes it the way a Rails client does (../shared/zapi-notes.md): the <?xml?>
    header, token then user id then account id, ids as <zapiUserId type="integer">, booleans
    type="boolean", None as nil="true", whitespace around values."""
    parts = []
    if declaration or typed:
        parts.append('<?xml version="1.0" encoding="utf-8"?>\n')
    parts.append("<request>")
    head = [("zapiToken", token), ("zapiAccountId", account_id), ("zapiUserId", user_id)]
    if typed:
        head = [head[0], head[2], head[1]]
    for name, value in head:
        if value is None:
            continue
        if typed and str(value).isdigit():
            parts.append('\n  <%s type="integer">%s</%s>' % (name, value, name))
        else:
            parts.append("<%s>%s</%s>" % (name, _xml_escape(value), name))
    _xml_params(parts, top or {}, typed)
    parts.append("<zapiMethod><methodName>%s</methodName>" % _xml_escape(method))
    _xml_params(parts, params or {}, typed)
    parts.append("</zapiMethod></request>")
    return "".join(parts).encode("utf-8")


def json_request(method, params=None, token=TOKEN, account_id=ACCOUNT_ID, user_id=USER_ID,
                 wrap=False, top=None):
    """A ZAPI JSON envelope; ids keep the Python type given (int or str). top holds more
    top-level members (zapiUsername, zapiPassword of the logins)."""
    env = {}
    if token is not None:
        env["zapiToken"] = token
    if account_id is not None:
        env["zapiAccountId"] = account_id
    if user_id is not None:
        env["zapiUserId"] = user_id
    env.update(top or {})
    m = {"methodName": method}
    m.update(params or {})
    env["zapiMethod"] = m
    if wrap:
        env = {"request": env}
    return json.dumps(env).encode("utf-8")


def login_request(method="zapiAgentLogin", username="naddau", password="zaui-demo",
                  fmt="xml", **kw):
    """A token-less login (zapiAgentLogin, zapiMobileLogin): zapiUsername/zapiPassword at the
    top level, no token, account or user id. A None username/password is left out."""
    top = {}
    if username is not None:
        top["zapiUsername"] = username
    if password is not None:
        top["zapiPassword"] = password
    build = xml_request if fmt == "xml" else json_request
    return build(method, None, token=None, account_id=None, user_id=None, top=top, **kw)


def utc_day(offset=0):
    """YYYY-MM-DD of today (UTC, the mock's "today") plus offset days."""
    return (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=offset)).isoformat()


def as_list(v):
    """A ZAPI list as a Python list, whatever shape it came in: several items (a list), one
    (an object in JSON, a dict in XML), none ("" in XML, {} in JSON, or absent)."""
    if v is None or v == "" or v == {}:
        return []
    return v if isinstance(v, list) else [v]


# ---------------------------------------------------------------------------------------------
# Responses


class Response:
    """One HTTP answer, body read in full."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage or a dict of lower-cased names
        self.body = body

    def header(self, name, default=None):
        if isinstance(self.headers, dict):
            return self.headers.get(name.lower(), default)
        return self.headers.get(name, default)

    @property
    def content_type(self):
        return self.header("Content-Type", "")

    def xml(self):
        return ET.fromstring(self.body)

    def json(self, ordered=False):
        if ordered:
            return json.loads(self.body.decode("utf-8"), object_pairs_hook=list)
        return json.loads(self.body.decode("utf-8"))

    def zapi(self):
        """The body as a plain dict of the <response>/"response" tree, whatever the format:
        {"error": "0", ..., "methodResponse": {...}}; leaves are text ("" for empty)."""
        if self.body.lstrip().startswith(b"{"):
            return self.json()["response"]
        return element_to_dict(self.xml())

    def __repr__(self):
        return "Response(%d %s, %r)" % (self.status, self.reason, self.body[:200])


def element_to_dict(el):
    """XML element -> dict (children) or text (leaf); repeated names become lists."""
    children = list(el)
    if not children:
        return (el.text or "").strip()
    out = {}
    for c in children:
        v = element_to_dict(c)
        if c.tag in out:
            if not isinstance(out[c.tag], list):
                out[c.tag] = [out[c.tag]]
            out[c.tag].append(v)
        else:
            out[c.tag] = v
    return out


class RawHTTPReader:
    """Reads HTTP/1.1 responses one by one from a socket (TLS or plain) with its own buffer, so
    pipelined answers that arrive together are split correctly. Bodies need Content-Length."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            raise EOFError("connection closed by the server")
        self.buf += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("iso-8859-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise ValueError("not an HTTP status line: %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(m.group(1)), m.group(2), headers

    def read_response(self):
        status, reason, headers = self.read_head()
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return Response(status, reason, headers, body)

    def at_eof(self, timeout=5.0):
        """True when the peer closes the connection (or resets it) with nothing more to read."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLEOFError, BrokenPipeError):
            return True
        except ssl.SSLError as e:
            # A peer that closes without close_notify.
            return "EOF" in str(e) or "UNEXPECTED_EOF" in str(e)
        except socket.timeout:
            return False
        if data:
            self.buf += data
            return False
        return True


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPSConnection that connects to a fixed address but verifies another name (the Host
    header and TLS hostname check use `hostname`). Connecting by address keeps parallel test
    runs from reaching another run's server through "localhost" on ::1."""

    def __init__(self, address, port, hostname, context, timeout=IO_TIMEOUT):
        super().__init__(hostname, port, context=context, timeout=timeout)
        self._address = address
        self._pinned_context = context
        self.connects = 0  # how many TCP connections this object opened

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._pinned_context.wrap_socket(sock, server_hostname=self.host)
        self.connects += 1


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, address, port, timeout=IO_TIMEOUT):
        super().__init__(address, port, timeout=timeout)
        self.connects = 0

    def connect(self):
        super().connect()
        self.connects += 1


# ---------------------------------------------------------------------------------------------
# The server


def _exchange(conn, method, path, body, headers):
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return Response(r.status, r.reason, r.headers, r.read())


class ServerFailed(AssertionError):
    pass


class MockServer:
    """Runs build/server/zapi-mock for one test (or one test class).

    MockServer(args=[...], env={...}, fixtures=DIR, listen=[...], tls=True, certs_dir=DIR)
    start() / stop(sig) / close(); also a context manager (stop on exit, asserting exit 0).
    popen_kw: extra subprocess.Popen arguments (preexec_fn for resource limits, pass_fds).
    """

    def __init__(self, args=(), env=None, fixtures=None, listen=("127.0.0.1:0",), tls=True,
                 certs_dir=None, port_file=True, env_only=False, popen_kw=None):
        self.tmp = tempfile.mkdtemp(prefix="zapi-e2e-")
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.fixtures = fixtures or FIXTURES_DIR
        self.listen = list(listen)
        self.tls = tls
        self.certs_dir = certs_dir or os.path.join(self.tmp, "certs")
        self.port_file = os.path.join(self.tmp, "port") if port_file else None
        self.env_only = env_only
        self.popen_kw = dict(popen_kw or {})
        self.log_path = os.path.join(self.tmp, "server.log")
        self.proc = None
        self.ports = []
        self.returncode = None
        self._log_file = None
        self._ctx = None
        self._conn = None
        self._conn_lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------

    def command(self):
        cmd = [BINARY]
        if not self.env_only:
            for addr in self.listen:
                cmd += ["--listen", addr]
            if self.port_file:
                cmd += ["--port-file", self.port_file]
            cmd += ["--fixtures", self.fixtures, "--certs-dir", self.certs_dir]
            if not self.tls:
                cmd.append("--no-tls")
            if "--workers" not in self.args:
                cmd += ["--workers", WORKERS]
        return cmd + self.args

    def environment(self):
        extra = dict(self.extra_env)
        if self.env_only:
            extra.setdefault("ZAPI_MOCK_LISTEN", ",".join(self.listen))
            if self.port_file:
                extra.setdefault("ZAPI_MOCK_PORT_FILE", self.port_file)
            extra.setdefault("ZAPI_MOCK_FIXTURES", self.fixtures)
            extra.setdefault("ZAPI_MOCK_CERTS_DIR", self.certs_dir)
            if not self.tls:
                extra.setdefault("ZAPI_MOCK_NO_TLS", "1")
            extra.setdefault("ZAPI_MOCK_WORKERS", WORKERS)
        return clean_env(extra)

    def start(self):
        if not os.access(BINARY, os.X_OK):
            raise ServerFailed("zapi-mock binary not found at %s: build it first "
                               "(cmake -S . -B build && cmake --build build) or set ZAPI_MOCK_BIN"
                               % BINARY)
        self._log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command(), env=self.environment(), cwd=self.tmp,
                                     stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, **self.popen_kw)
        deadline = time.monotonic() + START_TIMEOUT
        want = len(self.listen)
        while True:
            ports = self._read_ports()
            if ports is not None and len(ports) == want:
                self.ports = ports
                break
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                raise ServerFailed("zapi-mock exited with %d before listening:\n%s"
                                   % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                self.close()
                raise ServerFailed("zapi-mock wrote no port file within %.0f s:\n%s"
                                   % (START_TIMEOUT, self.log()))
            time.sleep(0.01)
        return self

    def _read_ports(self):
        try:
            with open(self.port_file, encoding="ascii") as f:
                text = f.read()
        except (FileNotFoundError, TypeError):
            return None
        if not text.endswith("\n"):
            return None  # still being written
        return [int(line) for line in text.split()]

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig, waits for the exit, asserts exit status 0; returns the log."""
        if self.proc is None:
            return self.log()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                log = self.log()
                self._cleanup()
                raise ServerFailed("zapi-mock did not stop within %.0f s of signal %d:\n%s"
                                   % (timeout, sig, log))
        self.returncode = self.proc.returncode
        log = self.log()
        self._cleanup()
        if self.returncode != 0:
            raise ServerFailed("zapi-mock exited with status %d after signal %d (want 0):\n%s"
                               % (self.returncode, sig, log))
        return log

    def close(self):
        """Cleanup on any path: kills a server still running, never asserts."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._cleanup()

    def _cleanup(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        self._final_log = self._read_log()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            self.close()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self):
        """User plus system CPU time the running server has used so far (Linux /proc)."""
        with open("/proc/%d/stat" % self.proc.pid, encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    # -- log --------------------------------------------------------------------------------

    def log_bytes(self):
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return len(getattr(self, "_final_log", ""))

    def _read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return getattr(self, "_final_log", "")

    def log(self):
        if os.path.exists(self.log_path):
            return self._read_log()
        return getattr(self, "_final_log", "")

    def request_lines(self):
        return [l for l in self.log().splitlines() if " request " in l]

    def wait_for_log(self, pattern, timeout=5.0, count=1):
        """Waits until pattern (a regex) matches count lines of the log; returns the matches."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in (re.search(pattern, l) for l in self.log().splitlines()) if m]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError("log has %d lines matching %r (want %d):\n%s"
                                     % (len(found), pattern, count, self.log()))
            time.sleep(0.02)

    # -- clients ----------------------------------------------------------------------------

    @property
    def port(self):
        return self.ports[0]

    @property
    def ca_file(self):
        return os.path.join(self.certs_dir, "ca.pem")

    @property
    def ssl_context(self):
        """Trusts only this server's CA; hostname checking and verification on (the defaults
        of create_default_context)."""
        if self._ctx is None:
            self._ctx = make_context(self.ca_file)
        return self._ctx

    def connection(self, address="127.0.0.1", hostname="localhost", port=None, context=None,
                   timeout=IO_TIMEOUT):
        """A persistent HTTP(S) connection to the server."""
        port = port or self.port
        if not self.tls:
            return PinnedHTTPConnection(address, port, timeout=timeout)
        return PinnedHTTPSConnection(address, port, hostname, context or self.ssl_context,
                                     timeout=timeout)

    def persistent_connection(self):
        """The harness's own keep-alive connection, opened on first use; post() uses it unless
        given another connection or fresh=True. http.client reopens it by itself after an
        answer with Connection: close."""
        if self._conn is None:
            self._conn = self.connection()
        return self._conn

    def post(self, body, content_type="application/xml", path="/zapi/", headers=None,
             conn=None, method="POST", fresh=False):
        """Sends one request (POST by default) and returns a Response.

        By default over the harness's persistent keep-alive connection (calls from several
        threads take turns); with conn, over that connection; with fresh=True, over a new
        connection that is closed afterwards."""
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        h.update(headers or {})
        if fresh:
            conn = self.connection()
            try:
                return _exchange(conn, method, path, body, h)
            finally:
                conn.close()
        if conn is not None:
            return _exchange(conn, method, path, body, h)
        with self._conn_lock:
            conn = self.persistent_connection()
            try:
                return _exchange(conn, method, path, body, h)
            except BaseException:
                # Never leave a half-used connection for the next request.
                conn.close()
                raise

    def admin(self, method, path, body=None, headers=None, conn=None, fresh=False):
        """One admin call; path is relative to /__admin/. A dict body is sent as JSON."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
        return self.post(body, content_type="application/json" if body is not None else None,
                         path="/__admin/" + path, headers=headers, conn=conn, method=method,
                         fresh=fresh)

    def admin_json(self, method, path, body=None, status=200, **kw):
        """admin() that asserts the HTTP status and returns the decoded JSON answer."""
        r = self.admin(method, path, body=body, **kw)
        if r.status != status:
            raise AssertionError("%s /__admin/%s: HTTP %d, want %d: %r"
                                 % (method, path, r.status, status, r.body[:300]))
        return r.json()

    def add_partner(self, name, organisation=None, email=None):
        """Adds a contact and creates its ZAPI partner through the admin API; returns the
        partner's JSON (token, accountId, userId...)."""
        c = self.admin_json("POST", "contacts", {
            "name": name, "organisation": organisation,
            "email": email or "%s@example.com" % re.sub(r"[^a-z0-9]", "", name.lower())},
            status=201)["contact"]
        return self.admin_json("POST", "partners", {"userId": c["userId"]},
                               status=201)["partner"]

    def post_xml(self, method, params=None, conn=None, **kw):
        return self.post(xml_request(method, params, **kw), "application/xml", conn=conn)

    def post_json(self, method, params=None, conn=None, **kw):
        return self.post(json_request(method, params, **kw), "application/json", conn=conn)

    def tcp_socket(self, address="127.0.0.1", port=None, timeout=IO_TIMEOUT):
        s = socket.create_connection((address, port or self.port), timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def tls_socket(self, address="127.0.0.1", hostname="localhost", port=None, context=None,
                   timeout=IO_TIMEOUT):
        """A raw TLS socket, handshake done and verified."""
        s = self.tcp_socket(address, port, timeout)
        try:
            return (context or self.ssl_context).wrap_socket(s, server_hostname=hostname)
        except BaseException:
            s.close()
            raise

    def raw_socket(self, **kw):
        """TLS socket for a TLS server, plain TCP otherwise."""
        if self.tls:
            return self.tls_socket(**kw)
        return self.tcp_socket(**{k: v for k, v in kw.items() if k in ("address", "port",
                                                                        "timeout")})


# ---------------------------------------------------------------------------------------------
# A browser (the console's tests): Debian's chromium + chromium-driver + python3-selenium, which
# only /usr/bin/python3 sees.

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(user_data_dir, width=1200, height=800):
    """A headless Chromium driven by Selenium, in a fresh profile under user_data_dir. Certificate
    errors are ignored in this test browser only (the mock's CA is per test run)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--ignore-certificate-errors", "--user-data-dir=" + user_data_dir,
                "--window-size=%d,%d" % (width, height)):
        opts.add_argument(arg)
    service = Service(CHROMEDRIVER, log_path=os.path.join(user_data_dir, "chromedriver.log"))
    return webdriver.Chrome(service=service, options=opts)


def make_context(ca_file):
    ctx = ssl.create_default_context(cafile=ca_file)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    return ctx


def raw_request(body, path="/zapi/", content_type="application/xml", host="localhost",
                extra_headers=(), method="POST"):
    """Bytes of one HTTP/1.1 request with Content-Length."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
    if content_type:
        lines.append("Content-Type: %s" % content_type)
    lines.append("Content-Length: %d" % len(body))
    lines += list(extra_headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


class ServerTestCase(unittest.TestCase):
    """One server for the whole class, started in setUpClass and stopped (exit 0 asserted) in
    tearDownClass. Subclasses set server_args / server_options (and server_class for a
    MockServer with more to it)."""

    server_class = None  # MockServer, or a subclass of it
    server_args = ()
    server_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = (cls.server_class or MockServer)(args=cls.server_args, **cls.server_options)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def assertZapiOk(self, r, method):
        """HTTP 200, error 0, message OK, zapiVersion 2.1, methodErrorCode 0 for method."""
        self.assertEqual(r.status, 200, r)
        z = r.zapi()
        self.assertEqual(z["zapiVersion"], "2.1", r)
        self.assertEqual(z["error"], "0", r)
        self.assertEqual(z["message"], "OK", r)
        self.assertEqual(z["methodResponse"]["methodName"], method, r)
        self.assertEqual(z["methodResponse"]["methodErrorCode"], "0", r)
        return z

    def assertXmlAnswer(self, r):
        self.assertTrue(r.content_type.startswith("application/xml"), r.content_type)
        self.assertTrue(r.body.startswith(XML_DECLARATION), r.body[:80])
        return r.xml()

    def assertJsonAnswer(self, r):
        self.assertTrue(r.content_type.startswith("application/json"), r.content_type)
        return r.json()


def run_binary(args, env=None, timeout=STOP_TIMEOUT, cwd=None):
    """Runs zapi-mock to completion (for --help, --version and start-up failures); returns the
    CompletedProcess with text stdout/stderr. A run that does not end in time is killed and
    reported as a failure."""
    tmp = None
    if cwd is None:
        tmp = tempfile.mkdtemp(prefix="zapi-e2e-run-")
        cwd = tmp
    try:
        return subprocess.run([BINARY] + list(args), env=clean_env(env), cwd=cwd,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise ServerFailed("zapi-mock %s did not exit within %.0f s (stderr: %s)"
                           % (" ".join(args), timeout, e.stderr))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Bookings: the partner's side of a booking journey (tests/e2e/test_booking.py,
# scripts/bench_journeys.py).

# Payment sandbox cards (fixtures/catalogue.xml <testCard>): number -> transactionErrorCode.
TEST_CARDS = {
    "4111111111111111": 0, "5555555555554444": 0, "378282246310005": 0,
    "4000000000000002": 2, "4000000000009995": 3, "4000000000000069": 4,
    "4000000000000119": 5,
}


def card(number="4111111111111111", exp_month=12, exp_year=2030, csv="123"):
    """creditCardDetails for payment method 2000."""
    return {"nameOnCard": "Ada Lovelace", "number": number, "expMonth": exp_month,
            "expYear": exp_year, "csv": csv, "cardType": "Visa"}


def server_day(offset=0):
    """YYYY-MM-DD of the server's today (UTC) plus offset days: utc_day's other name."""
    return utc_day(offset)


class ZapiMethodError(AssertionError):
    def __init__(self, method, response, answer):
        self.method, self.response, self.answer = method, response, answer
        self.code = int(response.get("methodErrorCode") or -1)
        super().__init__("%s answered methodErrorCode %s: %s (%r)" % (
            method, response.get("methodErrorCode"), response.get("methodErrorMessage"),
            answer))


class BookingClient:
    """Calls ZAPI as a partner does, over one connection (keep-alive), in XML or JSON; in JSON
    ids go as numbers (ids="int") or strings (ids="str"). call() answers the methodResponse
    dict; expect() raises ZapiMethodError unless methodErrorCode is the one expected."""

    ID_PARAMS = ("activityId", "productId", "packageId", "bookingId", "bookingNumber",
                 "searchType", "paymentMethodType")

    def __init__(self, post, fmt="json", ids="int"):
        self.post, self.fmt, self.ids = post, fmt, ids

    @classmethod
    def over(cls, server, conn=None, **kw):
        """A client of a MockServer (conn: its own connection; default the harness's)."""
        def post(body, content_type):
            return server.post(body, content_type, conn=conn)
        return cls(post, **kw)

    def _id(self, v):
        if self.fmt == "json" and self.ids == "int" and str(v).isdigit():
            return int(v)
        return str(v)

    def call(self, method, params=None, **envelope):
        params = {k: (self._id(v) if k in self.ID_PARAMS else v)
                  for k, v in (params or {}).items()}
        if self.fmt == "json":
            for k in ("account_id", "user_id"):
                envelope.setdefault(k, self._id(ACCOUNT_ID if k == "account_id" else USER_ID))
            r = self.post(json_request(method, params, **envelope), "application/json")
        else:
            r = self.post(xml_request(method, params, **envelope), "application/xml")
        if r.status != 200:
            raise AssertionError("%s: HTTP %d %r" % (method, r.status, r.body[:300]))
        z = r.zapi()
        if z.get("error") != "0":
            raise AssertionError("%s: ZAPI error %s %r" % (method, z.get("error"), r.body[:300]))
        self.last = r
        return z["methodResponse"]

    def expect(self, code, method, params=None, **envelope):
        m = self.call(method, params, **envelope)
        if m.get("methodErrorCode") != str(code):
            raise ZapiMethodError(method, m, self.last.body[:600])
        return m

    def create_cart(self):
        return self.expect(0, "zapiCreateUniqueCartSession")["cart"]["cartId"]

    def add_activity(self, cart, activity, date, time=None, adults=2, code=0, **pax):
        p = {"cartId": cart, "activityId": activity, "activityDate": date,
             "pax": dict({"adults": adults} if adults else {}, **pax)}
        if time:
            p["activityTime"] = time
        return self.expect(code, "zapiAddActivityToCart", p)

    def set_customer(self, cart, first="Ada", last="Lovelace", email="ada@example.com", code=0):
        return self.expect(code, "zapiUpdateCustomerDetailsToCart",
                           {"cartId": cart, "firstName": first, "lastName": last,
                            "email": email})

    def pay(self, cart, method_type=2000, code=0, number="4111111111111111", **extra):
        p = {"cartId": cart, "paymentMethodType": method_type}
        if method_type == 2000:
            p["creditCardDetails"] = card(number)
        p.update(extra)
        return self.expect(code, "zapiProcessCartWithPayment", p)

    def search(self, search_type, text, code=0, **extra):
        p = {"searchType": search_type, "searchText": text}
        p.update(extra)
        return self.expect(code, "zapiSearchBookings", p)

    def cancel(self, number, code=0):
        return self.expect(code, "zapiBookings_CancelBooking", {"bookingNumber": number})

    def seats_left(self, activity, date, time):
        m = self.expect(0, "zapiCheckActivityInventoryByDate",
                        {"activityId": activity, "activityDate": date})
        times = m["activityTimes"]["activityTime"]
        for t in (times if isinstance(times, list) else [times]):
            if t["activityTimeStart"] == time:
                return int(t["activityTimeSpotsRemaining"])
        raise AssertionError("no departure %s in %r" % (time, m))


def png_to_pgm(data):
    """An 8-bit greyscale or RGB PNG (non-interlaced) as a binary PGM, with zlib alone: for
    decoding barcodes with zbarimg."""
    import struct
    import zlib
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (0, 2) or interlace:
        raise ValueError("unsupported PNG: depth %d colour type %d" % (depth, ctype))
    bpp = 1 if ctype == 0 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 1 else bytes(line[0::3]))
        prev = line
    return b"P5\n%d %d\n255\n" % (width, height) + b"".join(rows)
