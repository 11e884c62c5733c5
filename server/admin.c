#include "admin.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin_guard.h"
#include "admin_internal.h"
#include "contacts.h"
#include "journal.h"
#include "mbedtls/base64.h"
#include "mbedtls/constant_time.h"
#include "metrics.h"
#include "app.h"
#include "throttle.h"

#define JSON_TYPE "application/json; charset=utf-8"

/* On every admin answer: the console renders what clients sent, so no inline script, no
 * framing, no sniffing a JSON answer into HTML. */
#define ADMIN_SECURITY_HEADERS                                                                     \
    "X-Content-Type-Options: nosniff\r\n"                                                          \
    "Cache-Control: no-store\r\n"                                                                  \
    "Referrer-Policy: no-referrer\r\n"                                                             \
    "X-Frame-Options: DENY\r\n"                                                                    \
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "           \
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "                    \
    "frame-ancestors 'none'\r\n"

static int
dump_cb(const char *data, size_t size, void *arg)
{
    return buf_append(arg, data, size);
}

void
admin_reply(struct route_result *out, int status, json_t *body)
{
    out->res.status = status;
    out->res.format = FORMAT_JSON;
    out->content_type = JSON_TYPE;
    buf_clear(&out->res.body);
    if (!body || json_dump_callback(body, dump_cb, &out->res.body,
                                    JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
        out->res.status = 500;
        buf_clear(&out->res.body);
    }
    buf_append_str(&out->res.body, "\n");
    json_decref(body);
}

void
admin_reply_error(struct route_result *out, int status, const char *message)
{
    admin_reply(out, status, json_pack("{s:i,s:s}", "status", status, "error", message));
}

void
admin_header(struct route_result *out, const char *fmt, ...)
{
    size_t used = strlen(out->headers);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out->headers + used, sizeof(out->headers) - used, fmt, ap);
    va_end(ap);
    /* A line that does not fit is left out whole rather than cut. */
    if (n < 0 || used + (size_t)n + 2 >= sizeof(out->headers)) {
        out->headers[used] = '\0';
        return;
    }
    memcpy(out->headers + used + n, "\r\n", 3);
}

json_t *
admin_body_object(struct admin_call *c)
{
    const struct http_request *req = c->req;
    json_error_t jerr;
    json_t *body = json_loadb(req->body.data ? req->body.data : "", req->body.len,
                              JSON_REJECT_DUPLICATES, &jerr);
    if (json_is_object(body))
        return body;
    char msg[256];
    snprintf(msg, sizeof(msg), "the body must be a JSON object%s%s", body ? "" : ": ",
             body ? "" : jerr.text);
    json_decref(body);
    admin_reply_error(c->out, 400, msg);
    return NULL;
}

void
admin_iso_time(double t, char *out, size_t len)
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
fixtures_info(const struct fixture_set *fs)
{
    char loaded[32];
    admin_iso_time((double)fs->loaded_at, loaded, sizeof(loaded));
    return json_pack("{s:s,s:s,s:I,s:I,s:I}", "dir", fs->dir, "loadedAt", loaded, "methods",
                     (json_int_t)fs->nmethods, "partners",
                     (json_int_t)registry_partner_count(fs->registry), "agents",
                     (json_int_t)registry_agent_count(fs->registry));
}

static unsigned long
open_connections(const struct app *app)
{
    return app->shell.open_connections ? app->shell.open_connections(app->shell.ctx) : 0;
}

static void
health(struct admin_call *c)
{
    c->out->quiet = 1;
    char started[32];
    admin_iso_time(c->app->started_wall, started, sizeof(started));
    admin_reply(c->out, 200,
                json_pack("{s:s,s:s,s:s,s:f,s:o,s:I}", "status", "ok", "version", ZAPI_MOCK_VERSION,
                          "startedAt", started, "uptimeSeconds",
                          app_monotonic(c->app) - c->app->started_mono, "fixtures",
                          fixtures_info(c->fs), "openConnections",
                          (json_int_t)open_connections(c->app)));
}

static void
metrics(struct admin_call *c)
{
    struct route_result *out = c->out;
    out->res.status = 200;
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf_clear(&out->res.body);
    if (metrics_render(c->app->metrics, app_monotonic(c->app) - c->app->started_mono,
                       (double)c->fs->loaded_at, &out->res.body) < 0) {
        admin_reply_error(out, 500, "out of memory rendering the metrics");
    }
}

static void
reload(struct admin_call *c)
{
    struct buf err = BUF_INIT;
    if (app_reload(c->app, "reloaded through the admin API", &err) < 0) {
        admin_reply(c->out, 422,
                    json_pack("{s:s,s:s,s:o}", "status", "refused", "error",
                              err.data ? err.data : "", "fixtures", fixtures_info(c->fs)));
    } else {
        struct fixture_set *fs = app_fixtures(c->app);
        admin_reply(c->out, 200,
                    json_pack("{s:s,s:o}", "status", "reloaded", "fixtures", fixtures_info(fs)));
        fixtures_release(fs);
    }
    buf_free(&err);
}

static json_t *
client_json(struct app *app, const char *key, const struct partner *p)
{
    unsigned long total = 0;
    double last = 0;
    journal_stats(app->journal, key, &total, &last);
    json_t *o = json_pack("{s:s}", "token", key);
    if (p) {
        json_object_set_new(
            o, "source",
            json_string(contacts_find_token(app->contacts, key, NULL) ? "fixtures" : "runtime"));
        json_object_set_new(o, "affiliateUsername", json_string(p->affiliate_username));
        json_object_set_new(o, "organisation", json_string(p->organisation));
        json_object_set_new(o, "accountId", json_string(p->account_id));
        json_object_set_new(o, "userId", json_string(p->user_id));
    }
    json_object_set_new(o, "requests", json_integer((json_int_t)total));
    if (last > 0) {
        char when[32];
        admin_iso_time(last, when, sizeof(when));
        json_object_set_new(o, "lastRequestAt", json_string(when));
    } else {
        json_object_set_new(o, "lastRequestAt", json_null());
    }
    return o;
}

static void
clients(struct admin_call *c)
{
    json_t *list = json_array();
    const struct registry *reg = c->fs->registry;
    for (size_t i = 0; i < registry_partner_count(reg); i++) {
        const struct partner *p = registry_partner_at(reg, i);
        json_array_append_new(list, client_json(c->app, p->token, p));
    }
    json_array_append_new(list, client_json(c->app, JOURNAL_ANONYMOUS, NULL));
    admin_reply(c->out, 200, json_pack("{s:o}", "clients", list));
}

/* admin_reply() of o with a last member "journal", spliced in as the journal renders it: a large
 * journal is written once per change, not once per request (slow readers asking for it again
 * and again stalled the event loop). */
static void
reply_with_journal(struct admin_call *c, json_t *o, const char *token)
{
    struct buf *b = &c->out->res.body;
    admin_reply(c->out, 200, o); /* "{\n  ...\n}\n" */
    if (c->out->res.status != 200 || b->len < 3)
        return;
    b->len -= 3;
    buf_append_str(b, ",\n  \"journal\": ");
    if (journal_render(c->app->journal, token, b) < 0 || buf_append_str(b, "\n}\n") < 0)
        admin_reply_error(c->out, 500, "out of memory rendering the journal");
}

/* /__admin/clients/{token}/requests */
static void
client_requests(struct admin_call *c)
{
    const char *tok = c->path + strlen(ADMIN_PREFIX "clients/");
    const char *end = strchr(tok, '/');
    char token[256];
    if (!end || strcmp(end, "/requests") != 0 || end == tok ||
        (size_t)(end - tok) >= sizeof(token)) {
        admin_reply_error(c->out, 404, "expected /__admin/clients/{token}/requests");
        return;
    }
    memcpy(token, tok, (size_t)(end - tok));
    token[end - tok] = '\0';
    const struct partner *p = registry_partner(c->fs->registry, token);
    if (!p && strcmp(token, JOURNAL_ANONYMOUS) != 0) {
        admin_reply_error(c->out, 404, "no partner with this token (see GET /__admin/clients)");
        return;
    }
    if (c->method == HTTP_DELETE) {
        journal_clear(c->app->journal, token);
        admin_reply(c->out, 200, json_pack("{s:s,s:s}", "status", "cleared", "token", token));
        return;
    }
    reply_with_journal(c, client_json(c->app, token, p), token);
}

static void
clear_requests(struct admin_call *c)
{
    journal_clear(c->app->journal, NULL);
    log_info(c->app->log, "admin: request journal cleared");
    admin_reply(c->out, 200, json_pack("{s:s}", "status", "cleared"));
}
struct admin_route {
    const char *path;
    int prefix;
    const char *methods; /* for Allow; NULL = the handler checks */
    void (*fn)(struct admin_call *c);
};

static const struct admin_route routes[] = {
    {ADMIN_PREFIX "health", 0, "GET", health},
    {ADMIN_PREFIX "metrics", 0, "GET", metrics},
    {ADMIN_PREFIX "reload", 0, "POST", reload},
    {ADMIN_PREFIX "throttle", 0, NULL, admin_throttle},
    {ADMIN_PREFIX "clients", 0, "GET", clients},
    {ADMIN_PREFIX "clients/", 1, "GET, DELETE", client_requests},
    {ADMIN_PREFIX "requests", 0, "DELETE", clear_requests},
    {ADMIN_PREFIX "state", 0, "GET, DELETE", admin_state},
    {ADMIN_PREFIX "state/carts", 0, "GET", admin_state_carts},
    {ADMIN_PREFIX "state/bookings", 0, "GET", admin_state_bookings},
    {ADMIN_PREFIX "outbox", 0, "GET", admin_outbox},
    {ADMIN_PREFIX "contacts", 0, "GET, POST", admin_contacts},
    {ADMIN_PREFIX "partners", 0, "GET, POST", admin_partners},
    {ADMIN_PREFIX "partners/", 1, "GET, DELETE", admin_partner},
};

static int
method_allowed(const char *methods, enum http_method m)
{
    const char *name = http_method_str(m);
    size_t n = strlen(name);
    for (const char *p = methods; (p = strstr(p, name)); p += n)
        if ((p == methods || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
            return 1;
    return 0;
}

/* The admin token, compared in constant time (length differences are not secret), from
 * "Bearer TOKEN" (curl, CI jobs) or "Basic base64(any-user:TOKEN)": what a browser sends after
 * asking for a user name and password, so the console works with --admin-token too. */
static int
authorized(const struct app *app, const struct http_request *req)
{
    const char *want = app->cfg->admin_token;
    const char *got = req->authorization.data ? req->authorization.data : "";
    unsigned char basic[512];
    size_t n = strlen(want);
    if (strncasecmp(got, "Basic ", 6) == 0) {
        got += 6;
        while (*got == ' ')
            got++;
        size_t len = 0;
        if (mbedtls_base64_decode(basic, sizeof(basic) - 1, &len, (const unsigned char *)got,
                                  strlen(got)) != 0)
            return 0;
        basic[len] = '\0';
        char *colon = memchr(basic, ':', len);
        if (!colon)
            return 0;
        got = colon + 1;
        len -= (size_t)(colon + 1 - (char *)basic);
        return len == n && mbedtls_ct_memcmp(got, want, n) == 0;
    }
    if (strncasecmp(got, "Bearer ", 7) != 0)
        return 0;
    got += 7;
    while (*got == ' ')
        got++;
    return strlen(got) == n && mbedtls_ct_memcmp(got, want, n) == 0;
}

/* NULL for a header that was absent (or empty: no browser sends an empty Host or Origin). */
static const char *
header(const struct buf *b)
{
    return b->len ? b->data : NULL;
}

/* Host and Origin rules of admin_guard.h; with an admin token the token is the proof (a page
 * cannot send it), so only the Origin rule applies. */
static int
guarded(struct app *app, const struct http_request *req, struct route_result *out)
{
    char why[256];
    int changes =
        req->method != HTTP_GET && req->method != HTTP_HEAD && req->method != HTTP_OPTIONS;
    if (admin_guard_check(&app->guard, header(&req->host), header(&req->origin),
                          header(&req->sec_fetch_site), app->cfg->admin_token == NULL, changes, why,
                          sizeof(why)) == 0)
        return 0;
    log_warn(app->log, "admin: refused %s: %s", http_method_str(req->method), why);
    admin_reply_error(out, 403, why);
    return -1;
}

void
admin_handle(struct app *app, const struct http_request *req, const char *path,
             int peer_is_loopback, struct route_result *out)
{
    snprintf(out->res.method, sizeof(out->res.method), "admin");
    snprintf(out->headers, sizeof(out->headers), "%s", ADMIN_SECURITY_HEADERS);
    if (guarded(app, req, out) < 0)
        return;
    int console = strcmp(path, ADMIN_PREFIX) == 0 ||
                  strncmp(path, ADMIN_CONSOLE_PREFIX, strlen(ADMIN_CONSOLE_PREFIX)) == 0;
    if (app->cfg->admin_token && !authorized(app, req)) {
        admin_reply_error(out, 401,
                          "the admin API needs Authorization: Bearer <admin token> (a browser: "
                          "any user name, the admin token as password)");
        /* A browser asks for a password on Basic only; API clients are told about Bearer. */
        admin_header(out, "WWW-Authenticate: %s realm=\"zapi-mock admin\"",
                     console ? "Basic" : "Bearer");
        return;
    }
    if (!app->cfg->admin_token && !peer_is_loopback) {
        admin_reply_error(out, 403,
                          "the admin API answers loopback clients only; start the server "
                          "with --admin-token to open it to others");
        return;
    }
    enum http_method method = req->method == HTTP_HEAD ? HTTP_GET : req->method;
    struct admin_call call = {app, req, method, path, NULL, out};
    if (console) {
        call.fs = app_fixtures(app);
        if (!admin_console(&call))
            admin_reply_error(out, 404, "no such console file");
        fixtures_release(call.fs);
        return;
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct admin_route *r = &routes[i];
        int match =
            r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 : strcmp(path, r->path) == 0;
        if (!match)
            continue;
        if (r->methods && !method_allowed(r->methods, method)) {
            char msg[160];
            snprintf(msg, sizeof(msg), "%s is not allowed on %s: use %s",
                     http_method_str(req->method), r->path, r->methods);
            admin_reply_error(out, 405, msg);
            admin_header(out, "Allow: %s", r->methods);
            return;
        }
        call.fs = app_fixtures(app);
        r->fn(&call);
        fixtures_release(call.fs);
        return;
    }
    admin_reply_error(out, 404,
                      "no such admin endpoint: health, metrics, reload, throttle, clients, "
                      "clients/{token}/requests, requests, state, state/carts, state/bookings, "
                      "outbox, contacts, partners, partners/{token}, partners/export; the "
                      "console is at /__admin/");
}
