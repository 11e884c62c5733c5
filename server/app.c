#include "app.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "contacts.h"
#include "envelope.h"
#include "journal.h"
#include "methods.h"
#include "metrics.h"
#include "store.h"
#include "throttle.h"
#include "zapi.h"

/* Bytes of a request target a log line shows. */
#define LOG_URL_MAX 64

static double
clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
system_monotonic(void *ctx)
{
    (void)ctx;
    return clock_seconds(CLOCK_MONOTONIC);
}

static double
system_wall(void *ctx)
{
    (void)ctx;
    return clock_seconds(CLOCK_REALTIME);
}

const struct app_clock app_system_clock = {system_monotonic, system_wall, NULL};

double
app_monotonic(const struct app *app)
{
    return app->clock.monotonic(app->clock.ctx);
}

double
app_wall(const struct app *app)
{
    return app->clock.wall(app->clock.ctx);
}

struct fixture_set *
app_fixtures(struct app *app)
{
    pthread_mutex_lock(&app->fixtures_lock);
    struct fixture_set *fs = fixtures_retain(app->fixtures);
    pthread_mutex_unlock(&app->fixtures_lock);
    return fs;
}

static void
log_fixtures(struct app *app, const char *what, const struct fixture_set *fs)
{
    log_info(app->log, "fixtures %s %s: %zu methods, %zu partners, %zu agents", what, fs->dir,
             fs->nmethods, registry_partner_count(fs->registry),
             registry_agent_count(fs->registry));
}

/* The fixtures on disk plus the partners created at run time. */
static int
load_set(struct app *app, struct fixture_set **out, struct buf *err)
{
    if (zapi_load_fixtures(app->cfg->fixtures_dir, out, err) < 0)
        return -1;
    if (contacts_merge(app->contacts, (*out)->registry, err) < 0) {
        fixtures_release(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int
app_reload(struct app *app, const char *why, struct buf *err)
{
    struct fixture_set *fs;
    if (load_set(app, &fs, err) < 0) {
        metrics_reload(app->metrics, 0);
        log_error(app->log, "reload (%s) refused, still serving the previous fixtures: %s", why,
                  err->data);
        return -1;
    }
    pthread_mutex_lock(&app->fixtures_lock);
    struct fixture_set *old = app->fixtures;
    app->fixtures = fs;
    pthread_mutex_unlock(&app->fixtures_lock);
    fixtures_release(old);
    metrics_reload(app->metrics, 1);
    log_fixtures(app, why, fs);
    return 0;
}

static uint64_t
random_seed(double now)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
        seed = (uint64_t)now ^ ((uint64_t)getpid() << 32);
    return seed;
}

int
app_init(struct app *app, const struct config *cfg, const struct logger *log,
         const struct app_clock *clock, struct buf *err)
{
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;
    app->log = log;
    app->clock = *clock;
    app->started_mono = app_monotonic(app);
    app->started_wall = app_wall(app);
    pthread_mutex_init(&app->fixtures_lock, NULL);
    app->lock_ready = 1;
    app->metrics = metrics_new(METRICS_DEFAULT_MAX_SERIES);
    if (!app->metrics) {
        buf_printf(err, "out of memory creating the metrics");
        return -1;
    }
    app->contacts = contacts_open(cfg->state_dir, err);
    if (!app->contacts || load_set(app, &app->fixtures, err) < 0)
        return -1;
    log_fixtures(app, "loaded", app->fixtures);
    struct throttle_settings ts = {cfg->throttle_limit, cfg->throttle_window, cfg->throttle_every};
    app->throttle = throttle_new(&ts, THROTTLE_DEFAULT_MAX_KEYS);
    if (!app->throttle) {
        buf_printf(err, "--throttle-limit %u / --throttle-window %g: not a valid throttle",
                   cfg->throttle_limit, cfg->throttle_window);
        return -1;
    }
    app->throttle_status = cfg->throttle_status;
    app->journal =
        journal_new(cfg->journal_size, cfg->journal_max_body, JOURNAL_DEFAULT_MAX_CLIENTS);
    app->store = store_new(random_seed(app->started_wall));
    if (!app->journal || !app->store) {
        buf_printf(err, "out of memory creating the journal and the store");
        return -1;
    }
    struct store_limits sl = {cfg->max_carts, cfg->max_bookings, cfg->cart_ttl_s};
    store_set_limits(app->store, &sl);
    if (cfg->public_url)
        snprintf(app->public_url, sizeof(app->public_url), "%s", cfg->public_url);
    admin_guard_init(&app->guard, !cfg->no_tls, cfg->cert_names, (const char *const *)cfg->listen,
                     cfg->nlisten, app->guard_names, sizeof(app->guard_names));
    int seeded = bookings_seed(app->fixtures->catalogue, app->store, (time_t)app->started_wall);
    log_info(app->log, "state: %d starting booking%s from the catalogue", seeded,
             seeded == 1 ? "" : "s");
    if (ts.limit || ts.every)
        log_info(app->log, "throttle: %u requests per %g s per client, every %u -> HTTP %d",
                 ts.limit, ts.window, ts.every, app->throttle_status);
    return 0;
}

void
app_set_default_url(struct app *app, int tls, int port)
{
    if (!app->public_url[0])
        snprintf(app->public_url, sizeof(app->public_url), "%s://localhost:%d",
                 tls ? "https" : "http", port);
}

void
app_free(struct app *app)
{
    throttle_free(app->throttle);
    journal_free(app->journal);
    store_free(app->store);
    metrics_free(app->metrics);
    fixtures_release(app->fixtures);
    contacts_free(app->contacts);
    if (app->lock_ready)
        pthread_mutex_destroy(&app->fixtures_lock);
    memset(app, 0, sizeof(*app));
}

int
app_thread_init(struct app_thread *t)
{
    t->parser = envelope_parser_new();
    return t->parser ? 0 : -1;
}

void
app_thread_free(struct app_thread *t)
{
    envelope_parser_free(t->parser);
    t->parser = NULL;
}

void
app_handle(struct app *app, struct app_thread *t, const struct http_request *req,
           int peer_is_loopback, struct route_result *out)
{
    router_handle(app, t ? t->parser : NULL, req, peer_is_loopback, out);
}

static void
log_request(struct app *app, const char *peer, const struct http_request *req,
            const struct route_result *r, long us)
{
    enum log_level level = r->quiet ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
    if (level > app->log->level)
        return; /* nothing to format */
    char token[24], url[LOG_URL_MAX * LOG_ESCAPE_GROWTH + 4];
    zapi_token_short(r->res.token, token, sizeof(token));
    /* The target comes from the network: escaped, it cannot fake fields or make the log binary. */
    log_escape(req->url.data ? req->url.data : "", req->url.len, LOG_URL_MAX, url, sizeof(url));
    log_msg(app->log, level,
            "request peer=%s http=\"%s %s\" method=%s token=%s status=%d "
            "error=%d methodError=%d us=%ld",
            peer, http_method_str(req->method), url, r->res.method[0] ? r->res.method : "-", token,
            r->res.status, r->res.zapi_error, r->res.method_error, us);
}

void
app_record(struct app *app, const char *peer, const struct http_request *req,
           const struct route_result *r, long us)
{
    log_request(app, peer, req, r, us);
    metrics_request(app->metrics, r->res.method[0] ? r->res.method : "-", r->res.status,
                    r->res.zapi_error, r->res.method_error, us);
    if (!r->zapi)
        return;
    struct journal_entry e = {
        .time = app_wall(app),
        .peer = peer,
        .method = r->res.method[0] ? r->res.method : "-",
        .status = r->res.status,
        .zapi_error = r->res.zapi_error,
        .method_error = r->res.method_error,
        .latency_us = us,
        .request = req->body.data ? req->body.data : "",
        .request_len = req->body.len,
        .response = r->res.body.data ? r->res.body.data : "",
        .response_len = r->res.body.len,
    };
    journal_record(app->journal, r->res.client[0] ? r->res.client : JOURNAL_ANONYMOUS, &e);
}

static const char *
refusal_reason(int status)
{
    switch (status) {
    case 408:
        return "request_timeout";
    case 413:
        return "body_too_large";
    case 414:
        return "url_too_long";
    case 431:
        return "headers_too_large";
    default:
        return "bad_request";
    }
}

void
app_refuse(struct app *app, const char *peer, int status, const char *reason,
           struct route_result *out)
{
    struct fixture_set *fs = app_fixtures(app);
    struct zapi_env env = {.fixtures = fs, .now = (time_t)app_wall(app)};
    char msg[256];
    out->content_type = "application/xml; charset=utf-8";
    snprintf(msg, sizeof(msg), "HTTP %d %s: %s", status, http_status_text(status), reason);
    zapi_http_error(&env, status, msg, FORMAT_XML, &out->res);
    char why[sizeof(msg) * LOG_ESCAPE_GROWTH + 4];
    log_escape(reason, strlen(reason), sizeof(msg), why, sizeof(why));
    log_warn(app->log, "refused peer=%s status=%d reason=\"%s\"", peer, status, why);
    metrics_request(app->metrics, "-", status, out->res.zapi_error, out->res.method_error, 0);
    metrics_refused(app->metrics, refusal_reason(status));
    fixtures_release(fs);
}
