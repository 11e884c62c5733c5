#include "admin.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "journal.h"
#include "mbedtls/constant_time.h"
#include "methods.h"
#include "metrics.h"
#include "server.h"
#include "state_json.h"
#include "throttle.h"

#define JSON_TYPE "application/json; charset=utf-8"

double
admin_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dump_cb(const char *data, size_t size, void *arg)
{
    return buf_append(arg, data, size);
}

/* Takes ownership of body. */
static void
reply(struct route_result *out, int status, json_t *body)
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

static void
reply_error(struct route_result *out, int status, const char *message)
{
    reply(out, status, json_pack("{s:i,s:s}", "status", status, "error", message));
}

static json_t *
throttle_state(struct server *srv, const struct fixture_set *fs)
{
    struct throttle_settings s;
    throttle_settings_get(srv->throttle, &s);
    json_t *forced = json_array();
    struct throttle_force_info info[64];
    size_t n = throttle_forces(srv->throttle, admin_clock(), info, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "token", info[i].global ? json_null() : json_string(info[i].key));
        json_object_set_new(f, "remaining",
                            info[i].remaining < 0 ? json_null() : json_real(info[i].remaining));
        json_array_append_new(forced, f);
    }
    json_t *clients = json_array();
    const struct registry *reg = fs->registry;
    for (size_t i = 0; i < registry_partner_count(reg); i++) {
        const struct partner *p = registry_partner_at(reg, i);
        struct throttle_key_stats st = {0, 0};
        throttle_key_stats(srv->throttle, p->token, &st);
        json_t *c = json_pack("{s:s,s:I,s:I}", "token", p->token, "admitted",
                              (json_int_t)st.admitted, "throttled", (json_int_t)st.throttled);
        if (p->throttle_limit)
            json_object_set_new(c, "limit", json_integer(p->throttle_limit));
        if (p->throttle_window > 0)
            json_object_set_new(c, "window", json_real(p->throttle_window));
        json_array_append_new(clients, c);
    }
    return json_pack("{s:b,s:i,s:f,s:i,s:i,s:o,s:o}", "enabled",
                     s.limit > 0 || s.every > 0 || n > 0, "limit", (int)s.limit, "window", s.window,
                     "every", (int)s.every, "status", srv->throttle_status, "forced", forced,
                     "clients", clients);
}

/* Everything in a change request is validated before anything is applied. */
struct throttle_change {
    struct throttle_settings settings;
    int status;
    int force, force_global;
    char force_token[THROTTLE_FORCE_KEY_MAX];
    double force_seconds;
    int lift, lift_global;
    char lift_token[THROTTLE_FORCE_KEY_MAX];
    int reset;
};

static int
get_uint(json_t *obj, const char *key, unsigned max, unsigned *out, struct buf *why)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        buf_printf(why, "\"%s\" must be a whole number from 0 to %u", key, max);
        return -1;
    }
    *out = (unsigned)json_integer_value(v);
    return 0;
}

static int
get_token(json_t *v, const char *what, char *out, size_t len, struct buf *why)
{
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= len) {
        buf_printf(why, "\"%s\" must be a non-empty token string", what);
        return -1;
    }
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

static int
parse_force(json_t *v, struct throttle_change *ch, struct buf *why)
{
    ch->force = 1;
    if (json_is_true(v)) {
        ch->force_global = 1;
        return 0;
    }
    if (!json_is_object(v)) {
        buf_printf(why, "\"force\" must be true or {\"token\": \"...\", \"seconds\": N}");
        return -1;
    }
    json_t *tok = json_object_get(v, "token"), *secs = json_object_get(v, "seconds");
    if (!tok || json_is_null(tok))
        ch->force_global = 1;
    else if (get_token(tok, "force.token", ch->force_token, sizeof(ch->force_token), why) < 0)
        return -1;
    if (secs && !json_is_null(secs)) {
        if (!json_is_number(secs) || json_number_value(secs) < 0 ||
            json_number_value(secs) > 86400) {
            buf_printf(why, "\"force.seconds\" must be a number of seconds from 0 to 86400 "
                            "(0 or absent = until lifted)");
            return -1;
        }
        ch->force_seconds = json_number_value(secs);
    }
    return 0;
}

static int
parse_change(struct server *srv, json_t *body, struct throttle_change *ch, struct buf *why)
{
    static const char *const known[] = {"limit", "window", "every", "status",
                                        "force", "lift",   "reset", NULL};
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok) {
            buf_printf(why,
                       "unknown field \"%.40s\" (known: limit, window, every, status, force, "
                       "lift, reset)",
                       key);
            return -1;
        }
    }
    throttle_settings_get(srv->throttle, &ch->settings);
    ch->status = srv->throttle_status;
    if (get_uint(body, "limit", THROTTLE_MAX_LIMIT, &ch->settings.limit, why) < 0 ||
        get_uint(body, "every", 1000000, &ch->settings.every, why) < 0)
        return -1;
    if ((v = json_object_get(body, "window"))) {
        if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 86400) {
            buf_printf(why, "\"window\" must be a number of seconds in (0, 86400]");
            return -1;
        }
        ch->settings.window = json_number_value(v);
    }
    if ((v = json_object_get(body, "status"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 200 || json_integer_value(v) > 599) {
            buf_printf(why, "\"status\" must be an HTTP status from 200 to 599 (503 or 200)");
            return -1;
        }
        ch->status = (int)json_integer_value(v);
    }
    if ((v = json_object_get(body, "force")) && !json_is_false(v) && parse_force(v, ch, why) < 0)
        return -1;
    if ((v = json_object_get(body, "lift")) && !json_is_false(v)) {
        ch->lift = 1;
        if (json_is_true(v))
            ch->lift_global = 1;
        else if (get_token(v, "lift", ch->lift_token, sizeof(ch->lift_token), why) < 0)
            return -1;
    }
    ch->reset = json_is_true(json_object_get(body, "reset"));
    return 0;
}

static void
apply_change(struct server *srv, const struct throttle_change *ch)
{
    throttle_configure(srv->throttle, &ch->settings);
    srv->throttle_status = ch->status;
    if (ch->lift)
        throttle_lift(srv->throttle, ch->lift_global ? NULL : ch->lift_token);
    if (ch->force)
        throttle_force(srv->throttle, ch->force_global ? NULL : ch->force_token, admin_clock(),
                       ch->force_seconds);
    if (ch->reset)
        throttle_reset(srv->throttle);
}

static void
throttle_endpoint(struct server *srv, const struct http_request *req, enum http_method method,
                  const struct fixture_set *fs, struct route_result *out)
{
    if (method == HTTP_GET) {
        reply(out, 200, throttle_state(srv, fs));
        return;
    }
    if (method == HTTP_DELETE) {
        /* Everything off: a clean slate for the next test. */
        struct throttle_settings s;
        throttle_settings_get(srv->throttle, &s);
        s.limit = 0;
        s.every = 0;
        throttle_configure(srv->throttle, &s);
        throttle_lift(srv->throttle, NULL);
        throttle_reset(srv->throttle);
        log_info(&srv->log, "admin: throttling turned off");
        reply(out, 200, throttle_state(srv, fs));
        return;
    }
    if (method != HTTP_POST && method != HTTP_PUT && method != HTTP_PATCH) {
        reply_error(out, 405, "use GET, POST (or PUT/PATCH) or DELETE on /__admin/throttle");
        snprintf(out->headers, sizeof(out->headers), "Allow: GET, POST, PUT, PATCH, DELETE\r\n");
        return;
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->body.data ? req->body.data : "", req->body.len,
                              JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(body)) {
        char msg[256];
        snprintf(msg, sizeof(msg), "the body must be a JSON object%s%s", body ? "" : ": ",
                 body ? "" : jerr.text);
        json_decref(body);
        reply_error(out, 400, msg);
        return;
    }
    struct throttle_change ch;
    memset(&ch, 0, sizeof(ch));
    struct buf why = BUF_INIT;
    if (parse_change(srv, body, &ch, &why) < 0) {
        reply_error(out, 400, why.data);
    } else {
        apply_change(srv, &ch);
        log_info(&srv->log, "admin: throttle limit=%u window=%g every=%u status=%d%s%s%s",
                 ch.settings.limit, ch.settings.window, ch.settings.every, ch.status,
                 ch.force ? " force" : "", ch.lift ? " lift" : "", ch.reset ? " reset" : "");
        reply(out, 200, throttle_state(srv, fs));
    }
    buf_free(&why);
    json_decref(body);
}

static void
iso_time(double t, char *out, size_t len)
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
    iso_time((double)fs->loaded_at, loaded, sizeof(loaded));
    return json_pack("{s:s,s:s,s:I,s:I,s:I}", "dir", fs->dir, "loadedAt", loaded, "methods",
                     (json_int_t)fs->nmethods, "partners",
                     (json_int_t)registry_partner_count(fs->registry), "agents",
                     (json_int_t)registry_agent_count(fs->registry));
}

struct admin_call {
    struct server *srv;
    const struct http_request *req;
    enum http_method method; /* HEAD reads as GET: the connection leaves the body out */
    const char *path;
    struct fixture_set *fs;
    struct route_result *out;
};

static void
health(struct admin_call *c)
{
    c->out->quiet = 1;
    char started[32];
    iso_time((double)c->srv->started_at, started, sizeof(started));
    reply(c->out, 200,
          json_pack("{s:s,s:s,s:s,s:f,s:o,s:I}", "status", "ok", "version", ZAPI_MOCK_VERSION,
                    "startedAt", started, "uptimeSeconds", admin_clock() - c->srv->started_mono,
                    "fixtures", fixtures_info(c->fs), "openConnections",
                    (json_int_t)c->srv->open_conns));
}

static void
metrics(struct admin_call *c)
{
    struct route_result *out = c->out;
    out->res.status = 200;
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf_clear(&out->res.body);
    if (metrics_render(c->srv->metrics, admin_clock() - c->srv->started_mono,
                       (double)c->fs->loaded_at, &out->res.body) < 0) {
        reply_error(out, 500, "out of memory rendering the metrics");
    }
}

static void
reload(struct admin_call *c)
{
    struct buf err = BUF_INIT;
    if (server_reload(c->srv, "reloaded through the admin API", &err) < 0) {
        reply(c->out, 422,
              json_pack("{s:s,s:s,s:o}", "status", "refused", "error", err.data ? err.data : "",
                        "fixtures", fixtures_info(c->fs)));
    } else {
        struct fixture_set *fs = server_fixtures(c->srv);
        reply(c->out, 200,
              json_pack("{s:s,s:o}", "status", "reloaded", "fixtures", fixtures_info(fs)));
        fixtures_release(fs);
    }
    buf_free(&err);
}

static json_t *
client_json(struct server *srv, const char *key, const struct partner *p)
{
    unsigned long total = 0;
    double last = 0;
    journal_stats(srv->journal, key, &total, &last);
    json_t *o = json_pack("{s:s}", "token", key);
    if (p) {
        json_object_set_new(o, "affiliateUsername", json_string(p->affiliate_username));
        json_object_set_new(o, "organisation", json_string(p->organisation));
        json_object_set_new(o, "accountId", json_string(p->account_id));
        json_object_set_new(o, "userId", json_string(p->user_id));
    }
    json_object_set_new(o, "requests", json_integer((json_int_t)total));
    if (last > 0) {
        char when[32];
        iso_time(last, when, sizeof(when));
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
        json_array_append_new(list, client_json(c->srv, p->token, p));
    }
    json_array_append_new(list, client_json(c->srv, JOURNAL_ANONYMOUS, NULL));
    reply(c->out, 200, json_pack("{s:o}", "clients", list));
}

/* reply() of o with a last member "journal", spliced in as the journal renders it: a large
 * journal is written once per change, not once per request (slow readers asking for it again
 * and again stalled the event loop). */
static void
reply_with_journal(struct admin_call *c, json_t *o, const char *token)
{
    struct buf *b = &c->out->res.body;
    reply(c->out, 200, o); /* "{\n  ...\n}\n" */
    if (c->out->res.status != 200 || b->len < 3)
        return;
    b->len -= 3;
    buf_append_str(b, ",\n  \"journal\": ");
    if (journal_render(c->srv->journal, token, b) < 0 || buf_append_str(b, "\n}\n") < 0)
        reply_error(c->out, 500, "out of memory rendering the journal");
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
        reply_error(c->out, 404, "expected /__admin/clients/{token}/requests");
        return;
    }
    memcpy(token, tok, (size_t)(end - tok));
    token[end - tok] = '\0';
    const struct partner *p = registry_partner(c->fs->registry, token);
    if (!p && strcmp(token, JOURNAL_ANONYMOUS) != 0) {
        reply_error(c->out, 404, "no partner with this token (see GET /__admin/clients)");
        return;
    }
    if (c->method == HTTP_DELETE) {
        journal_clear(c->srv->journal, token);
        reply(c->out, 200, json_pack("{s:s,s:s}", "status", "cleared", "token", token));
        return;
    }
    reply_with_journal(c, client_json(c->srv, token, p), token);
}

static void
clear_requests(struct admin_call *c)
{
    journal_clear(c->srv->journal, NULL);
    log_info(&c->srv->log, "admin: request journal cleared");
    reply(c->out, 200, json_pack("{s:s}", "status", "cleared"));
}

static void
throttle(struct admin_call *c)
{
    throttle_endpoint(c->srv, c->req, c->method, c->fs, c->out);
}
/* ---- booking state ---- */

static void
state(struct admin_call *c)
{
    if (c->method == HTTP_DELETE) {
        /* Back to the catalogue's starting point: CI jobs call this between tests. */
        store_reset(c->srv->store);
        int seeded = bookings_seed(c->fs->catalogue, c->srv->store, time(NULL));
        log_info(&c->srv->log, "state: reset through the admin API, %d starting booking%s", seeded,
                 seeded == 1 ? "" : "s");
    }
    reply(c->out, 200, state_summary_json(c->srv->store, time(NULL)));
}

static void
state_carts(struct admin_call *c)
{
    reply(c->out, 200, state_carts_json(c->srv->store, time(NULL)));
}

static void
state_bookings(struct admin_call *c)
{
    reply(c->out, 200, state_bookings_json(c->srv->store, c->fs->catalogue));
}

static void
outbox(struct admin_call *c)
{
    reply(c->out, 200, state_outbox_json(c->srv->store));
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
    {ADMIN_PREFIX "throttle", 0, NULL, throttle},
    {ADMIN_PREFIX "clients", 0, "GET", clients},
    {ADMIN_PREFIX "clients/", 1, "GET, DELETE", client_requests},
    {ADMIN_PREFIX "requests", 0, "DELETE", clear_requests},
    {ADMIN_PREFIX "state", 0, "GET, DELETE", state},
    {ADMIN_PREFIX "state/carts", 0, "GET", state_carts},
    {ADMIN_PREFIX "state/bookings", 0, "GET", state_bookings},
    {ADMIN_PREFIX "outbox", 0, "GET", outbox},
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

/* Bearer token compared in constant time; length differences are not secret. */
static int
authorized(const struct server *srv, const struct http_request *req)
{
    const char *want = srv->cfg->admin_token;
    const char *got = req->authorization.data ? req->authorization.data : "";
    if (strncasecmp(got, "Bearer ", 7) != 0)
        return 0;
    got += 7;
    while (*got == ' ')
        got++;
    size_t n = strlen(want);
    return strlen(got) == n && mbedtls_ct_memcmp(got, want, n) == 0;
}

void
admin_handle(struct server *srv, const struct http_request *req, const char *path,
             int peer_is_loopback, struct route_result *out)
{
    snprintf(out->res.method, sizeof(out->res.method), "admin");
    if (srv->cfg->admin_token && !authorized(srv, req)) {
        reply_error(out, 401, "the admin API needs Authorization: Bearer <admin token>");
        snprintf(out->headers, sizeof(out->headers),
                 "WWW-Authenticate: Bearer realm=\"zapi-mock admin\"\r\n");
        return;
    }
    if (!srv->cfg->admin_token && !peer_is_loopback) {
        reply_error(out, 403,
                    "the admin API answers loopback clients only; start the server "
                    "with --admin-token to open it to others");
        return;
    }
    enum http_method method = req->method == HTTP_HEAD ? HTTP_GET : req->method;
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
            reply_error(out, 405, msg);
            snprintf(out->headers, sizeof(out->headers), "Allow: %s\r\n", r->methods);
            return;
        }
        struct admin_call call = {srv, req, method, path, server_fixtures(srv), out};
        r->fn(&call);
        fixtures_release(call.fs);
        return;
    }
    reply_error(out, 404,
                "no such admin endpoint: health, metrics, reload, throttle, clients, "
                "clients/{token}/requests, requests, state, state/carts, state/bookings, "
                "outbox");
}
