/* Fuzz target: raw bytes of a connection to responses, through the real application and without
 * sockets. The input goes through the HTTP parser (http_in_*) in two feeds, split at a point
 * chosen by the first byte; each complete request is answered by app_handle() exactly as a worker
 * does (the router: ZAPI, the admin API and console, barcodes, 404/405), then recorded
 * (app_record: log, metrics, journal); a parse error is refused by app_refuse(). Every answer is
 * checked: a status from 200 to 599; a ZAPI answer well-formed XML or valid JSON with the status
 * its error code calls for; an admin answer valid JSON when it says JSON. The app is the
 * repository's fixtures on a fixed clock. Each input starts from a fresh store (cart ids from a
 * fixed seed, so the pipelined booking seed reaches payment), an empty journal and the throttle
 * as configured, so inputs replay alike. Byte 0 also picks the error statuses, whether the peer
 * is loopback (admin API open) and whether every third request is throttled. FUZZ_TRACE=1
 * prints a line per answer. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "admin.h"
#include "fuzz_common.h"
#include "http.h"
#include "journal.h"
#include "methods.h"
#include "router.h"
#include "store.h"
#include "throttle.h"

#define FUZZ_THROTTLE_EVERY 3

static struct config cfg;
static struct logger quiet;
static struct app app;
static struct app_thread thread; /* kept from input to input, as a worker keeps its own */
static struct throttle_settings throttle_base;
static int trace; /* FUZZ_TRACE=1: a line per answer on stderr */

static double
fixed_clock(void *ctx)
{
    (void)ctx;
    return (double)FUZZ_NOW;
}

static const char *
no_env(const char *name)
{
    (void)name;
    return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_global_init();
    char every[16];
    snprintf(every, sizeof(every), "%d", FUZZ_THROTTLE_EVERY);
    char *args[] = {"zapi-mock",        "--fixtures", (char *)fuzz_fixtures_dir(),
                    "--throttle-every", every,        NULL};
    struct buf err = BUF_INIT;
    if (config_parse(&cfg, 3, args, no_env, &err) < 0) {
        fprintf(stderr, "fuzz_request: config: %s\n", err.data);
        abort();
    }
    free(cfg.state_dir);
    cfg.state_dir = NULL; /* partners created through the admin API stay in memory */
    quiet.level = LOG_LEVEL_ERROR;
    quiet.out = fopen("/dev/null", "w");
    struct app_clock clock = {fixed_clock, fixed_clock, NULL};
    if (!quiet.out || app_init(&app, &cfg, &quiet, &clock, &err) < 0) {
        fprintf(stderr, "fuzz_request: cannot build the app on %s: %s\n", fuzz_fixtures_dir(),
                err.data ? err.data : "no /dev/null");
        abort();
    }
    app_set_default_url(&app, 1, 8443);
    if (app_thread_init(&thread) < 0) {
        fprintf(stderr, "fuzz_request: out of memory\n");
        abort();
    }
    throttle_settings_get(app.throttle, &throttle_base);
    trace = getenv("FUZZ_TRACE") && strcmp(getenv("FUZZ_TRACE"), "1") == 0;
    buf_free(&err);
    return 0;
}

/* What one input starts from: nothing left over from the inputs before it. */
static void
fresh_state(uint8_t options)
{
    store_free(app.store);
    app.store = store_new(1);
    FUZZ_ASSERT(app.store != NULL, "store_new failed");
    struct store_limits sl = {cfg.max_carts, cfg.max_bookings, cfg.cart_ttl_s};
    store_set_limits(app.store, &sl);
    struct fixture_set *fs = app_fixtures(&app);
    bookings_seed(fs->catalogue, app.store, FUZZ_NOW);
    fixtures_release(fs);
    /* Every third request throttled, when the first byte says so: the others reach the end of
     * a pipelined booking. */
    struct throttle_settings ts = throttle_base;
    ts.every = options & 8 ? FUZZ_THROTTLE_EVERY : 0;
    throttle_configure(app.throttle, &ts);
    throttle_lift(app.throttle, NULL);
    throttle_reset(app.throttle);
    journal_clear(app.journal, NULL);
    /* The odd/even first byte also picks the server's error statuses (options). */
    cfg.error_status = options & 1 ? 400 : 0;
    app.throttle_status = options & 2 ? 429 : 503;
}

static void
check_request(const struct http_in *in)
{
    const struct http_request *req = &in->req;
    FUZZ_ASSERT(req->body.len <= in->limits.max_body, "body of %zu bytes passed the limit",
                req->body.len);
    FUZZ_ASSERT(req->url.len <= in->limits.max_url, "URL of %zu bytes passed the limit",
                req->url.len);
    FUZZ_ASSERT(in->header_count <= in->limits.max_headers, "%u headers passed the limit",
                in->header_count);
    FUZZ_ASSERT(in->header_bytes <= in->limits.max_header_bytes,
                "%zu header bytes passed the limit", in->header_bytes);
    FUZZ_ASSERT(!req->body.data || req->body.data[req->body.len] == '\0',
                "body not NUL-terminated");
}

/* The repository's fixtures carry no status="": the status follows from the ZAPI error alone,
 * and only error 2 (throttled) has a Retry-After. */
static void
check_codes(const char *what, const struct zapi_result *r)
{
    int want;
    switch (r->zapi_error) {
    case 0:
        want = 200;
        break;
    case 1:
    case 3:
        want = cfg.error_status ? cfg.error_status : 200;
        break;
    case 2:
        want = app.throttle_status;
        break;
    default:
        fuzz_fail(__FILE__, __LINE__, "%s: ZAPI error %d", what, r->zapi_error);
    }
    FUZZ_ASSERT(r->status == want, "%s: ZAPI error %d answered with HTTP %d, not %d", what,
                r->zapi_error, r->status, want);
    FUZZ_ASSERT((r->zapi_error == 2) == (r->retry_after >= 0),
                "%s: ZAPI error %d with Retry-After %d", what, r->zapi_error, r->retry_after);
}

static void
check_admin(const struct route_result *out)
{
    const struct zapi_result *r = &out->res;
    FUZZ_ASSERT(r->status >= 200 && r->status <= 599, "admin answered HTTP %d", r->status);
    FUZZ_ASSERT(out->content_type != NULL, "admin answer without a Content-Type");
    if (strncmp(out->content_type, "application/json", 16) != 0)
        return;
    json_error_t jerr;
    json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &jerr);
    FUZZ_ASSERT(json_is_object(j), "admin answer %d is not a JSON object: %s", r->status,
                jerr.text);
    json_decref(j);
}

/* Answers req through the app as a worker does; returns the path's kind for the caller. */
static void
handle(const struct http_request *req, int loopback, const char *what)
{
    struct buf path = BUF_INIT;
    http_url_path(req->url.data ? req->url.data : "", req->url.len, &path);
    const char *p = path.data ? path.data : "";
    FUZZ_ASSERT(path.len <= req->url.len, "path longer than the URL");
    struct route_result out = {.content_type = NULL};
    zapi_result_init(&out.res);
    app_handle(&app, &thread, req, loopback, &out);
    if (strncmp(p, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) == 0) {
        check_admin(&out);
    } else if (strncmp(p, BARCODE_PREFIX, strlen(BARCODE_PREFIX)) == 0 &&
               (req->method == HTTP_GET || req->method == HTTP_HEAD)) {
        FUZZ_ASSERT(out.res.status == 200 || out.res.status == 404, "barcode answered HTTP %d",
                    out.res.status);
        if (out.res.status == 404)
            fuzz_check_result("barcode", &out.res);
    } else if (router_is_zapi_path(p) && req->method == HTTP_POST) {
        FUZZ_ASSERT(out.zapi, "%s: a ZAPI exchange not marked for the journal", what);
        fuzz_check_result(what, &out.res);
        check_codes(what, &out.res);
    } else {
        int want = router_is_zapi_path(p) ? 405 : 404;
        FUZZ_ASSERT(out.res.status == want, "%s %s answered %d, not %d",
                    http_method_str(req->method), p, out.res.status, want);
        fuzz_check_result("route", &out.res);
    }
    if (trace)
        fprintf(stderr, "fuzz_request: %s %.80s -> %d %s\n", http_method_str(req->method), p,
                out.res.status, out.res.method[0] ? out.res.method : "-");
    app_record(&app, "fuzz", req, &out, 1);
    zapi_result_free(&out.res);
    buf_free(&path);
}

static void
answer(const struct http_request *req, int loopback)
{
    handle(req, loopback, "app_handle");
    struct buf path = BUF_INIT;
    http_url_path(req->url.data ? req->url.data : "", req->url.len, &path);
    int zapi = req->method == HTTP_POST && router_is_zapi_path(path.data ? path.data : "");
    buf_free(&path);
    if (!zapi)
        return;
    /* The same ZAPI request declared as JSON, so both answer formats see every body. */
    struct http_request as_json = *req;
    static char json_type[] = "application/json";
    as_json.content_type.data = json_type;
    as_json.content_type.len = sizeof(json_type) - 1;
    handle(&as_json, loopback, "app_handle(json)");
}

/* As the connection: a request that breaks the parser or a limit gets a ZAPI error, then close. */
static void
refuse(const struct http_in *in)
{
    int status = in->error_status;
    FUZZ_ASSERT(status >= 400 && status <= 599, "parser error status %d", status);
    FUZZ_ASSERT(in->error_reason[0], "parser error %d without a reason", status);
    struct route_result out = {.content_type = NULL};
    zapi_result_init(&out.res);
    app_refuse(&app, "fuzz", status, in->error_reason, &out);
    FUZZ_ASSERT(out.res.status == status, "app_refuse(%d) answered %d", status, out.res.status);
    fuzz_check_result("app_refuse", &out.res);
    zapi_result_free(&out.res);
}

/* Feeds one read's worth of bytes. Returns 0, or -1 once the connection is to be closed. */
static int
feed(struct http_in *in, int loopback, const char *data, size_t len)
{
    size_t off = 0;
    int idle_rounds = 0;
    while (off < len) {
        size_t used = 0;
        enum http_in_result res = http_in_feed(in, data + off, len - off, &used);
        FUZZ_ASSERT(used <= len - off, "http_in_feed consumed %zu of %zu bytes", used, len - off);
        off += used;
        /* Every call must either use bytes or hand something back that moves things along. */
        idle_rounds = used ? 0 : idle_rounds + 1;
        FUZZ_ASSERT(idle_rounds < 4, "http_in_feed makes no progress (result %d)", (int)res);
        switch (res) {
        case HTTP_IN_REQUEST:
            check_request(in);
            answer(&in->req, loopback);
            http_in_next(in);
            FUZZ_ASSERT(in->req.body.len == 0 && in->req.url.len == 0,
                        "http_in_next kept the last request");
            break;
        case HTTP_IN_CONTINUE:
            /* The connection would queue "100 Continue" here and read on. */
            break;
        case HTTP_IN_ERROR:
            refuse(in);
            return -1;
        case HTTP_IN_MORE:
            FUZZ_ASSERT(off == len, "HTTP_IN_MORE with %zu bytes left", len - off);
            break;
        default:
            FUZZ_ASSERT(0, "http_in_feed returned %d", (int)res);
        }
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *bytes = (const char *)data + 1;
    size_t len = size - 1;
    size_t split = len * data[0] / 255;
    int loopback = (data[0] & 4) != 0;
    fresh_state(data[0]);
    struct http_limits limits = HTTP_LIMITS_DEFAULT;
    struct http_in in;
    http_in_init(&in, &limits);
    if (feed(&in, loopback, bytes, split) == 0 &&
        feed(&in, loopback, bytes + split, len - split) == 0) {
        int idle = http_in_idle(&in);
        int rc = http_in_eof(&in);
        FUZZ_ASSERT(rc == (idle ? 0 : -1), "http_in_eof %d on a%s connection", rc,
                    idle ? "n idle" : " busy");
        if (rc < 0)
            refuse(&in);
    }
    http_in_free(&in);
    return 0;
}
