/* Fuzz target: raw bytes of a connection to responses, without sockets. The input goes through
 * the HTTP parser (http_in_*) in two feeds, split at a point chosen by the first byte; each
 * complete request is answered the way the router does (zapi_handle for the body, and
 * zapi_http_error for a wrong path or method), and a parse error the way the connection does
 * (zapi_http_error with the parser's status). Every answer is checked: status 200-599, a body that
 * is well-formed XML or valid JSON. The fixtures are the repository's, loaded once, with a fresh
 * store per input so that catalogue methods and logins reach their handlers; the throttle
 * refuses every third validated request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_common.h"
#include "http.h"
#include "router.h"

static struct fixture_set *fixtures;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_global_init();
    struct buf err = BUF_INIT;
    if (zapi_load_fixtures(fuzz_fixtures_dir(), &fixtures, &err) < 0) {
        fprintf(stderr, "fuzz_request: cannot load %s: %s\n", fuzz_fixtures_dir(), err.data);
        abort();
    }
    buf_free(&err);
    return 0;
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

/* The repository's fixtures carry no status="": the status follows from the ZAPI error alone
 * (struct zapi_env), and only error 2 (throttled) has a Retry-After. */
static void
check_codes(const char *what, const struct zapi_env *env, const struct zapi_result *r)
{
    int want;
    switch (r->zapi_error) {
    case 0:
        want = 200;
        break;
    case 1:
    case 3:
        want = env->error_status ? env->error_status : 200;
        break;
    case 2:
        want = env->throttle_status ? env->throttle_status : 503;
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
answer(const struct zapi_env *env, const struct http_request *req)
{
    const char *body = req->body.data ? req->body.data : "";
    struct zapi_result r;

    /* The body as sent, with the request's Content-Type. */
    const struct zapi_throttle_verdict *last;
    unsigned calls = fuzz_throttle_calls(&last);
    zapi_result_init(&r);
    zapi_handle(env, req->content_type.data, body, req->body.len, &r);
    fuzz_check_result("zapi_handle", &r);
    fuzz_check_throttle("zapi_handle", &r, calls);
    check_codes("zapi_handle", env, &r);
    enum body_format first = r.format;
    zapi_result_free(&r);

    /* The same body declared as JSON, so both answer formats see every body. */
    if (first == FORMAT_XML) {
        calls = fuzz_throttle_calls(&last);
        zapi_result_init(&r);
        zapi_handle(env, "application/json", body, req->body.len, &r);
        FUZZ_ASSERT(r.format == FORMAT_JSON, "JSON Content-Type answered in XML");
        fuzz_check_result("zapi_handle(json)", &r);
        fuzz_check_throttle("zapi_handle(json)", &r, calls);
        check_codes("zapi_handle(json)", env, &r);
        zapi_result_free(&r);
    }

    /* What the router answers for anything but a POST to the ZAPI path. */
    struct buf path = BUF_INIT;
    http_url_path(req->url.data ? req->url.data : "", req->url.len, &path);
    const char *p = path.data ? path.data : "";
    FUZZ_ASSERT(path.len <= req->url.len, "path longer than the URL");
    if (!(router_is_zapi_path(p) && req->method == HTTP_POST)) {
        char msg[160];
        int status;
        if (router_is_zapi_path(p)) {
            status = 405;
            snprintf(msg, sizeof(msg),
                     "HTTP method %s is not allowed on %.64s: POST a ZAPI request",
                     http_method_str(req->method), p);
        } else {
            status = 404;
            snprintf(msg, sizeof(msg), "No ZAPI endpoint at %.64s: POST requests to /zapi/", p);
        }
        zapi_result_init(&r);
        zapi_http_error(env, status, msg, router_wanted_format(req), &r);
        FUZZ_ASSERT(r.status == status, "zapi_http_error(%d) answered %d", status, r.status);
        fuzz_check_result("zapi_http_error(route)", &r);
        zapi_result_free(&r);
    }
    buf_free(&path);
}

/* As the connection: a request that breaks the parser or a limit gets a ZAPI error, then close. */
static void
refuse(const struct zapi_env *env, const struct http_in *in)
{
    int status = in->error_status;
    FUZZ_ASSERT(status >= 400 && status <= 599, "parser error status %d", status);
    FUZZ_ASSERT(in->error_reason[0], "parser error %d without a reason", status);
    char msg[256];
    snprintf(msg, sizeof(msg), "HTTP %d %s: %s", status, http_status_text(status),
             in->error_reason);
    struct zapi_result r;
    zapi_result_init(&r);
    zapi_http_error(env, status, msg, FORMAT_XML, &r);
    FUZZ_ASSERT(r.status == status, "zapi_http_error(%d) answered %d", status, r.status);
    fuzz_check_result("zapi_http_error(parser)", &r);
    zapi_result_free(&r);
}

/* Feeds one read's worth of bytes. Returns 0, or -1 once the connection is to be closed. */
static int
feed(const struct zapi_env *env, struct http_in *in, const char *data, size_t len)
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
            answer(env, &in->req);
            http_in_next(in);
            FUZZ_ASSERT(in->req.body.len == 0 && in->req.url.len == 0,
                        "http_in_next kept the last request");
            break;
        case HTTP_IN_CONTINUE:
            /* The connection would queue "100 Continue" here and read on. */
            break;
        case HTTP_IN_ERROR:
            refuse(env, in);
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

    /* A fresh store per input, so the catalogue methods and logins run their handlers and
     * nothing carries over from one input to the next. */
    struct store *store = store_new(1);
    FUZZ_ASSERT(store != NULL, "store_new failed");
    struct zapi_env env = {
        .store = store,
        .fixtures = fixtures,
        .now = FUZZ_NOW,
        .throttle = fuzz_throttle,
        /* The odd/even split byte also picks the server's error statuses (options). */
        .error_status = data[0] & 1 ? 400 : 0,
        .throttle_status = data[0] & 2 ? 429 : 0,
    };
    fuzz_throttle_reset();
    struct http_limits limits = HTTP_LIMITS_DEFAULT;
    struct http_in in;
    http_in_init(&in, &limits);
    if (feed(&env, &in, bytes, split) == 0 && feed(&env, &in, bytes + split, len - split) == 0) {
        int idle = http_in_idle(&in);
        int rc = http_in_eof(&in);
        FUZZ_ASSERT(rc == (idle ? 0 : -1), "http_in_eof %d on a%s connection", rc,
                    idle ? "n idle" : " busy");
        if (rc < 0)
            refuse(&env, &in);
    }
    http_in_free(&in);
    store_free(store);
    return 0;
}
