#include "router.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin.h"
#include "app.h"
#include "barcode.h"
#include "metrics.h"
#include "store.h"
#include "throttle.h"

int
router_is_zapi_path(const char *path)
{
    return !strcmp(path, "/zapi/") || !strcmp(path, "/zapi") || !strcmp(path, "/");
}

enum body_format
router_wanted_format(const struct http_request *req)
{
    if (req->accept.data && strcasestr(req->accept.data, "json"))
        return FORMAT_JSON;
    return envelope_detect(req->content_type.data, req->body.data ? req->body.data : "",
                           req->body.len);
}

static const char *const rule_names[] = {"none", "limit", "every", "forced"};

/* Only validated partners are counted: the key space is the registry's, so it stays bounded. */
static void
check_throttle(void *ctx, const struct partner *p, struct zapi_throttle_verdict *v)
{
    struct app *app = ctx;
    struct throttle_decision d;
    throttle_check(app->throttle, p->token, p->throttle_limit, p->throttle_window,
                   app_monotonic(app), &d);
    v->throttled = d.throttled;
    if (d.throttled)
        metrics_throttled(app->metrics, rule_names[d.rule]);
    v->wait = d.wait;
    v->rule = rule_names[d.rule];
}

static int
reference_match(const struct store_booking *b, void *ctx)
{
    return strcmp(b->reference, ctx) == 0;
}

/* GET /barcodes/REFERENCE.png: the barcode zapiGenerateBarCodeImage links to. */
static void
serve_barcode(struct app *app, const char *name, const struct zapi_env *env,
              struct route_result *out)
{
    char ref[STORE_REFERENCE_TEXT];
    struct store_booking b;
    struct buf err = BUF_INIT;
    size_t n = strlen(name);
    out->content_type = "application/xml; charset=utf-8";
    if (n < 5 || n - 4 >= sizeof(ref) || strcmp(name + n - 4, ".png") != 0) {
        zapi_http_error(env, 404, "No barcode here: GET /barcodes/REFERENCE.png", FORMAT_XML,
                        &out->res);
        return;
    }
    memcpy(ref, name, n - 4);
    ref[n - 4] = '\0';
    if (store_booking_find(app->store, reference_match, ref, &b, 1) == 0) {
        zapi_http_error(env, 404, "No booking has that reference", FORMAT_XML, &out->res);
        return;
    }
    buf_clear(&out->res.body);
    if (barcode_png(b.reference, &out->res.body, &err) < 0) {
        zapi_http_error(env, 500, err.data, FORMAT_XML, &out->res);
    } else {
        out->res.status = 200;
        out->content_type = "image/png";
    }
    buf_free(&err);
}

void
router_handle(struct app *app, struct envelope_parser *parser, const struct http_request *req,
              int peer_is_loopback, struct route_result *out)
{
    struct fixture_set *fs = app_fixtures(app);
    struct zapi_env env = {
        .fixtures = fs,
        .error_status = app->cfg->error_status,
        .throttle_status = app->throttle_status,
        .now = (time_t)app_wall(app),
        .throttle = check_throttle,
        .throttle_ctx = app,
        .store = app->store,
        .base_url = app->public_url,
        .parser = parser,
    };
    struct buf path = BUF_INIT;
    http_url_path(req->url.data ? req->url.data : "", req->url.len, &path);
    const char *p = path.data ? path.data : "";
    if (strncmp(p, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) == 0) {
        admin_handle(app, req, p, peer_is_loopback, out);
        buf_free(&path);
        fixtures_release(fs);
        return;
    }
    if (strncmp(p, BARCODE_PREFIX, strlen(BARCODE_PREFIX)) == 0 &&
        (req->method == HTTP_GET || req->method == HTTP_HEAD)) {
        serve_barcode(app, p + strlen(BARCODE_PREFIX), &env, out);
        buf_free(&path);
        fixtures_release(fs);
        return;
    }
    if (router_is_zapi_path(p) && req->method == HTTP_POST) {
        zapi_handle(&env, req->content_type.data, req->body.data ? req->body.data : "",
                    req->body.len, &out->res);
        out->zapi = 1;
    } else if (router_is_zapi_path(p)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "HTTP method %s is not allowed on %.64s: POST a ZAPI request",
                 http_method_str(req->method), p);
        zapi_http_error(&env, 405, msg, router_wanted_format(req), &out->res);
        snprintf(out->headers, sizeof(out->headers), "Allow: POST\r\n");
    } else {
        char msg[160];
        snprintf(msg, sizeof(msg), "No ZAPI endpoint at %.64s: POST requests to /zapi/", p);
        zapi_http_error(&env, 404, msg, router_wanted_format(req), &out->res);
    }
    out->content_type = out->res.format == FORMAT_JSON ? "application/json; charset=utf-8"
                                                       : "application/xml; charset=utf-8";
    buf_free(&path);
    fixtures_release(fs);
}
