/* app: the application. It owns what answers requests (the fixture set, swapped whole on reload,
 * the runtime partners, the throttle, the journal, the metrics, the booking store) and answers
 * one parsed HTTP request at a time: ZAPI, the admin API, the console, barcodes. It knows no
 * sockets, no event loop and no TLS: the network shell (server, worker, conn) calls it, never
 * the other way round, and what the application asks of the shell goes through struct
 * app_shell. The clock is passed in, so a unit test or the request fuzzer builds an app from a
 * fixture directory and calls app_handle() with a parsed request. Thread-safe: every worker
 * calls the same app. */
#ifndef ZAPI_APP_H
#define ZAPI_APP_H

#include <pthread.h>
#include <time.h>

#include "admin_guard.h"
#include "buf.h"
#include "config.h"
#include "fixtures.h"
#include "http.h"
#include "log.h"
#include "router.h"

struct throttle;
struct journal;
struct metrics;
struct store;
struct contacts;

struct app_clock {
    double (*monotonic)(void *ctx); /* seconds, steady: throttle windows and uptime */
    double (*wall)(void *ctx);      /* seconds since the epoch: dates, journal times */
    void *ctx;
};

/* The system's clocks (CLOCK_MONOTONIC and CLOCK_REALTIME). */
extern const struct app_clock app_system_clock;

/* What the application asks of the network shell; any member may be NULL. */
struct app_shell {
    unsigned long (*open_connections)(void *ctx); /* for /__admin/health */
    void *ctx;
};

/* What one thread calling the app keeps between requests, unshared: caches that would need a
 * lock if they were shared. The caller owns it (each worker has one); NULL works too, without
 * them. */
struct app_thread {
    struct envelope_parser *parser; /* libxml2's parser context, reused */
};

/* Base of the links the mock hands out (barcodes), without a trailing slash. */
#define APP_PUBLIC_URL_MAX 256

struct app {
    const struct config *cfg;
    const struct logger *log;
    struct app_clock clock;
    struct app_shell shell;
    pthread_mutex_t fixtures_lock; /* guards the swap of fixtures on reload */
    struct fixture_set *fixtures;  /* the set new requests use: take it with app_fixtures() */
    struct contacts *contacts;     /* partners created at run time, merged into every set */
    struct throttle *throttle;     /* per-client limits; settings changeable at run time */
    struct journal *journal;       /* the last requests of each client */
    struct metrics *metrics;       /* also counted by the shell: connections, handshakes */
    struct store *store;           /* booking state: carts, bookings, inventory; survives reloads */
    char public_url[APP_PUBLIC_URL_MAX];
    _Atomic int throttle_status; /* HTTP status of throttled answers; the admin API changes it */
    struct admin_guard guard; /* the mock's own names, for the admin API's Host and Origin checks */
    char guard_names[2048];   /* the strings guard points into */
    double started_mono;
    double started_wall;
    int lock_ready;
};

/* Loads the fixtures (plus the runtime partners of cfg->state_dir), seeds the booking state and
 * creates the throttle, journal and metrics. log and cfg must outlive the app. Returns 0, or -1
 * with the reason in err; app_free() cleans up either way. */
int app_init(struct app *app, const struct config *cfg, const struct logger *log,
             const struct app_clock *clock, struct buf *err);
void app_free(struct app *app);
/* The base of links when --public-url was not given: scheme://localhost:port. */
void app_set_default_url(struct app *app, int tls, int port);
/* Re-reads the fixtures, merges the runtime partners and swaps the set in atomically; a broken
 * set is refused (reason in err) and the old one stays. Requests holding the old set finish on
 * it. Logged and counted either way. */
int app_reload(struct app *app, const char *why, struct buf *err);
/* The current fixture set, with a reference the caller releases (fixtures_release). */
struct fixture_set *app_fixtures(struct app *app);
double app_monotonic(const struct app *app);
double app_wall(const struct app *app);

/* 0, or -1 when out of memory. */
int app_thread_init(struct app_thread *t);
void app_thread_free(struct app_thread *t);

/* Answers one complete request, with the calling thread's t (or NULL). out must be initialised
 * (zapi_result_init(&out->res)); the caller frees it. peer_is_loopback gates the admin API. */
void app_handle(struct app *app, struct app_thread *t, const struct http_request *req,
                int peer_is_loopback, struct route_result *out);
/* After an answer went out: the request log line, the metrics, and (ZAPI exchanges) the client's
 * journal. peer names the client in the log and journal; us is the time it took. */
void app_record(struct app *app, const char *peer, const struct http_request *req,
                const struct route_result *r, long us);
/* A request that cannot be parsed or breaks a limit (status 400-599, reason from the HTTP
 * layer): the ZAPI error body in out, logged and counted. */
void app_refuse(struct app *app, const char *peer, int status, const char *reason,
                struct route_result *out);

#endif
