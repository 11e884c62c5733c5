/* Unit tests of the application without a socket: an app built from a copy of the shipped
 * fixtures with a clock the test moves, requests given as the bytes a client sends (parsed by
 * http_in), answered by app_handle: the router (ZAPI, 404, 405, barcodes), the admin API and its
 * gate, the throttle on the injected clock, reload, the journal and the metrics. */
#include "app.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "metrics.h"
#include "store.h"
#include "support.h"
#include "zapi.h"

#define DEMO "ZAPI-DEMO-TOKEN"
#define PING                                                                                       \
    "<request><zapiToken>" DEMO "</zapiToken><zapiAccountId>456</zapiAccountId>"                   \
    "<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiPing</methodName></zapiMethod>"      \
    "</request>"

static char base[] = "/tmp/zapi-test-app-XXXXXX";
static char *dir;
static struct config cfg;
static struct logger quiet;
static struct app app;
static struct app_thread thread;
static double mono_now = 1000.0;
static double wall_now = 1764496800.0; /* 2025-11-30T10:00:00Z */
static unsigned long shell_conns;

static double
test_mono(void *ctx)
{
    (void)ctx;
    return mono_now;
}

static double
test_wall(void *ctx)
{
    (void)ctx;
    return wall_now;
}

static unsigned long
test_open_connections(void *ctx)
{
    return *(unsigned long *)ctx;
}

static const char *
no_env(const char *name)
{
    (void)name;
    return NULL;
}

static void
setup(void)
{
    dir = support_scratch_set(base);
    char *argv[] = {"zapi-mock", "--fixtures", dir, "--log-level", "error", NULL};
    struct buf err = BUF_INIT;
    ck_assert_msg(config_parse(&cfg, 5, argv, no_env, &err) == 0, "config: %s", err.data);
    free(cfg.state_dir);
    cfg.state_dir = NULL; /* runtime partners in memory only */
    quiet.level = LOG_LEVEL_ERROR;
    quiet.out = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(quiet.out);
    struct app_clock clock = {test_mono, test_wall, NULL};
    ck_assert_msg(app_init(&app, &cfg, &quiet, &clock, &err) == 0, "app_init: %s", err.data);
    app.shell.open_connections = test_open_connections;
    app.shell.ctx = &shell_conns;
    app_set_default_url(&app, 1, 8443);
    ck_assert_int_eq(app_thread_init(&thread), 0);
    buf_free(&err);
}

static void
teardown(void)
{
    app_thread_free(&thread);
    app_free(&app);
    config_free(&cfg);
    fclose(quiet.out);
    free(dir);
}

/* Parses raw (one complete request) and answers it as a worker does. */
static void
exchange(const char *raw, int loopback, struct route_result *out, struct http_in *in)
{
    static const struct http_limits limits = HTTP_LIMITS_DEFAULT;
    size_t used = 0;
    http_in_init(in, &limits);
    enum http_in_result res = http_in_feed(in, raw, strlen(raw), &used);
    ck_assert_msg(res == HTTP_IN_REQUEST, "request not parsed (%d): %s", (int)res, raw);
    memset(out, 0, sizeof(*out));
    zapi_result_init(&out->res);
    app_handle(&app, &thread, &in->req, loopback, out);
}

static void
done(struct route_result *out, struct http_in *in)
{
    zapi_result_free(&out->res);
    http_in_free(in);
}

static char *
post(const char *path, const char *type, const char *body)
{
    char *raw = NULL;
    ck_assert_int_ge(asprintf(&raw,
                              "POST %s HTTP/1.1\r\nHost: localhost:8443\r\nContent-Type: %s\r\n"
                              "Content-Length: %zu\r\n\r\n%s",
                              path, type, strlen(body), body),
                     0);
    return raw;
}

static const char *
body(const struct route_result *r)
{
    return r->res.body.data ? r->res.body.data : "";
}

START_TEST(test_ping_journal_and_metrics)
{
    struct route_result r;
    struct http_in in;
    char *raw = post("/zapi/", "text/xml", PING);
    exchange(raw, 0, &r, &in);
    ck_assert_int_eq(r.res.status, 200);
    ck_assert_int_eq(r.zapi, 1);
    ck_assert_str_eq(r.res.method, "zapiPing");
    ck_assert_msg(strstr(body(&r), "Pong"), "no Pong in %s", body(&r));
    ck_assert_str_eq(r.content_type, "application/xml; charset=utf-8");
    app_record(&app, "127.0.0.1:5000", &in.req, &r, 42);
    done(&r, &in);
    free(raw);

    unsigned long total = 0;
    double last = 0;
    ck_assert_int_eq(journal_stats(app.journal, DEMO, &total, &last), 0);
    ck_assert_uint_eq(total, 1);
    ck_assert_double_eq_tol(last, wall_now, 1e-6); /* the app's clock, not the system's */
    struct buf m = BUF_INIT;
    ck_assert_int_eq(metrics_render(app.metrics, 0, 0, &m), 0);
    ck_assert_msg(strstr(m.data, "method=\"zapiPing\""), "ping not counted:\n%s", m.data);
    buf_free(&m);
}
END_TEST

START_TEST(test_json_envelope_answers_json)
{
    struct route_result r;
    struct http_in in;
    char *raw = post("/zapi", "application/json",
                     "{\"request\":{\"zapiToken\":\"" DEMO "\",\"zapiAccountId\":\"456\","
                     "\"zapiUserId\":\"1240\",\"zapiMethod\":{\"methodName\":\"zapiPing\"}}}");
    exchange(raw, 0, &r, &in);
    ck_assert_int_eq(r.res.status, 200);
    ck_assert_str_eq(r.content_type, "application/json; charset=utf-8");
    ck_assert_msg(strstr(body(&r), "\"response\""), "not JSON: %s", body(&r));
    done(&r, &in);
    free(raw);
}
END_TEST

START_TEST(test_wrong_path_and_method)
{
    struct route_result r;
    struct http_in in;
    exchange("GET /zapi/ HTTP/1.1\r\nHost: localhost\r\n\r\n", 0, &r, &in);
    ck_assert_int_eq(r.res.status, 405);
    ck_assert_str_eq(r.headers, "Allow: POST\r\n");
    ck_assert_int_eq(r.zapi, 0);
    done(&r, &in);

    char *raw = post("/nowhere", "text/xml", PING);
    exchange(raw, 0, &r, &in);
    ck_assert_int_eq(r.res.status, 404);
    ck_assert_msg(strstr(body(&r), "No ZAPI endpoint at /nowhere"), "%s", body(&r));
    done(&r, &in);
    free(raw);

    exchange("GET /nowhere HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n", 0, &r,
             &in);
    ck_assert_int_eq(r.res.status, 404);
    ck_assert_str_eq(r.content_type, "application/json; charset=utf-8");
    done(&r, &in);
}
END_TEST

START_TEST(test_admin_gate_and_health)
{
    struct route_result r;
    struct http_in in;
    const char *health = "GET /__admin/health HTTP/1.1\r\nHost: localhost:8443\r\n\r\n";
    exchange(health, 0, &r, &in);
    ck_assert_int_eq(r.res.status, 403); /* not loopback, no --admin-token */
    done(&r, &in);

    shell_conns = 7;
    mono_now += 12.5;
    exchange(health, 1, &r, &in);
    ck_assert_int_eq(r.res.status, 200);
    ck_assert_int_eq(r.quiet, 1);
    ck_assert_msg(strstr(body(&r), "\"openConnections\": 7"), "%s", body(&r));
    ck_assert_msg(strstr(body(&r), "\"uptimeSeconds\": 12.5"), "%s", body(&r));
    ck_assert_msg(strstr(body(&r), "\"startedAt\": \"2025-11-30T10:00:00Z\""), "%s", body(&r));
    ck_assert_msg(strstr(r.headers, "Content-Security-Policy"), "%s", r.headers);
    done(&r, &in);

    /* A foreign Host is refused even from loopback (DNS rebinding). */
    exchange("GET /__admin/health HTTP/1.1\r\nHost: evil.example\r\n\r\n", 1, &r, &in);
    ck_assert_int_eq(r.res.status, 403);
    done(&r, &in);
}
END_TEST

/* The throttle counts on the app's clock: a force for 30 s ends when the clock moves 31 s. */
START_TEST(test_throttle_on_injected_clock)
{
    struct route_result r;
    struct http_in in;
    char *force = post("/__admin/throttle", "application/json",
                       "{\"force\": {\"token\": \"" DEMO "\", \"seconds\": 30}}");
    exchange(force, 1, &r, &in);
    ck_assert_msg(r.res.status == 200, "%d %s", r.res.status, body(&r));
    done(&r, &in);
    free(force);

    char *ping = post("/zapi/", "text/xml", PING);
    exchange(ping, 0, &r, &in);
    ck_assert_int_eq(r.res.zapi_error, 2);
    ck_assert_int_eq(r.res.status, 503);
    ck_assert_int_eq(r.res.retry_after, 30);
    done(&r, &in);

    mono_now += 29;
    exchange(ping, 0, &r, &in);
    ck_assert_int_eq(r.res.zapi_error, 2);
    done(&r, &in);

    mono_now += 2;
    exchange(ping, 0, &r, &in);
    ck_assert_int_eq(r.res.zapi_error, 0);
    ck_assert_int_eq(r.res.status, 200);
    done(&r, &in);
    free(ping);
}
END_TEST

START_TEST(test_reload_refused_keeps_the_set)
{
    struct route_result r;
    struct http_in in;
    struct fixture_set *before = app_fixtures(&app);
    ck_assert_int_eq(support_write_in(dir, "methods/zapiPing.xml", "<response><broken>", NULL), 0);
    char *reload = post("/__admin/reload", "application/json", "");
    exchange(reload, 1, &r, &in);
    ck_assert_int_eq(r.res.status, 422);
    ck_assert_msg(strstr(body(&r), "zapiPing.xml"), "reason does not name the file: %s", body(&r));
    done(&r, &in);
    struct fixture_set *after = app_fixtures(&app);
    ck_assert_ptr_eq(before, after);
    fixtures_release(after);

    char *ping = post("/zapi/", "text/xml", PING);
    exchange(ping, 0, &r, &in);
    ck_assert_int_eq(r.res.status, 200);
    ck_assert_msg(strstr(body(&r), "Pong"), "%s", body(&r));
    done(&r, &in);
    free(ping);
    free(reload);
    fixtures_release(before);
}
END_TEST

static int
any_booking(const struct store_booking *b, void *ctx)
{
    (void)b;
    (void)ctx;
    return 1;
}

START_TEST(test_barcode_route)
{
    struct route_result r;
    struct http_in in;
    struct store_booking b;
    ck_assert_msg(store_booking_find(app.store, any_booking, NULL, &b, 1) >= 1,
                  "the catalogue's seed bookings are missing");
    char *raw = NULL;
    ck_assert_int_ge(
        asprintf(&raw, "GET /barcodes/%s.png HTTP/1.1\r\nHost: localhost\r\n\r\n", b.reference), 0);
    exchange(raw, 0, &r, &in);
    ck_assert_int_eq(r.res.status, 200);
    ck_assert_str_eq(r.content_type, "image/png");
    ck_assert_mem_eq(r.res.body.data, "\x89PNG", 4);
    done(&r, &in);
    free(raw);

    exchange("GET /barcodes/NOSUCH.png HTTP/1.1\r\nHost: localhost\r\n\r\n", 0, &r, &in);
    ck_assert_int_eq(r.res.status, 404);
    done(&r, &in);
}
END_TEST

START_TEST(test_refuse_counts_and_answers)
{
    struct route_result r;
    memset(&r, 0, sizeof(r));
    zapi_result_init(&r.res);
    app_refuse(&app, "127.0.0.1:5000", 413, "body over 1048576 bytes", &r);
    ck_assert_int_eq(r.res.status, 413);
    ck_assert_msg(strstr(body(&r), "HTTP 413"), "%s", body(&r));
    zapi_result_free(&r.res);
    struct buf m = BUF_INIT;
    ck_assert_int_eq(metrics_render(app.metrics, 0, 0, &m), 0);
    ck_assert_msg(strstr(m.data, "reason=\"body_too_large\"} 1"), "not counted:\n%s", m.data);
    buf_free(&m);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("app");
    TCase *tc = tcase_create("app");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ping_journal_and_metrics);
    tcase_add_test(tc, test_json_envelope_answers_json);
    tcase_add_test(tc, test_wrong_path_and_method);
    tcase_add_test(tc, test_admin_gate_and_health);
    tcase_add_test(tc, test_throttle_on_injected_clock);
    tcase_add_test(tc, test_reload_refused_keeps_the_set);
    tcase_add_test(tc, test_barcode_route);
    tcase_add_test(tc, test_refuse_counts_and_answers);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run_in(suite(), base);
}
