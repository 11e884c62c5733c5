/* server: the explicit server context (settings, logger, the main event loop with the listeners
 * and signals, TLS, the current fixture set, the workers) and its life cycle. The main thread
 * accepts connections and hands them to the workers (worker.h) in turn. Nothing in the program is
 * global; everything hangs off here. */
#ifndef ZAPI_SERVER_H
#define ZAPI_SERVER_H

#include <event2/event.h>
#include <event2/listener.h>
#include <pthread.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "fixtures.h"
#include "http.h"
#include "log.h"
#include "store.h"
#include "tls.h"

struct worker;

/* Event priorities of the loop: events default to the middle one; writes of output that waits
 * for its peer run at SERVER_PRIORITY_BULK, only in loop turns where nothing else is ready, so
 * streaming large answers to slow readers never delays a request (ZAPI or admin). */
#define SERVER_PRIORITIES 3
#define SERVER_PRIORITY_BULK 2

struct server {
    const struct config *cfg;
    struct logger log;
    struct event_base *base;
    pthread_mutex_t fixtures_lock; /* guards the swap of fixtures on reload */
    struct fixture_set *fixtures;  /* the set new requests use: take it with server_fixtures() */
    struct watch *watch;           /* --watch */
    struct tls_server *tls;        /* NULL with --no-tls */
    struct throttle *throttle;     /* per-client limits; settings changeable at run time */
    struct journal *journal;       /* the last requests of each client */
    struct metrics *metrics;
    struct store *store;         /* booking state: carts, bookings, inventory; survives reloads */
    char public_url[256];        /* base of the links the mock hands out (barcodes) */
    struct contacts *contacts;   /* partners created at run time, merged into every fixture set */
    _Atomic int throttle_status; /* HTTP status of throttled answers; the admin API changes it */
    struct evconnlistener *listeners[CONFIG_MAX_LISTEN];
    size_t nlisteners;
    struct event *sig_int;
    struct event *sig_term;
    struct event *sig_hup;
    struct event *drain_timer;
    struct http_limits limits;
    struct worker *workers; /* the event loops serving connections, each in its thread */
    unsigned nworkers;
    unsigned next_worker;  /* the next connection goes to this one */
    int workers_done[2];   /* workers write here: WORKER_ENDED, or WORKER_CONN_CLOSED */
    struct event *ev_done; /* reads workers_done in the main loop */
    unsigned workers_ended;
    _Atomic unsigned long open_conns; /* of all workers */
    unsigned long max_conns;    /* --max-connections, lowered when the open files limit is less */
    _Atomic int accept_paused;  /* listeners off: descriptors ran out (see server_conn_closed) */
    struct event *accept_retry; /* resumes accepting when no connection closes for a while */
    _Atomic int draining;       /* set by the main thread on SIGTERM, read by the workers */
    time_t started_at;
    double started_mono;
};

/* Loads fixtures, certificates (generating them when missing) and binds every listen address.
 * Returns 0, or -1 with the reason in err; server_free() cleans up either way. */
int server_init(struct server *srv, const struct config *cfg, FILE *log_out, struct buf *err);
/* Starts the workers and runs the main loop until SIGINT or SIGTERM has drained them. */
int server_run(struct server *srv);
void server_free(struct server *srv);
/* Re-reads the fixtures, merges the runtime partners (contacts) and swaps the set in atomically
 * (also after a partner is created or revoked); a broken set is refused (reason in err)
 * and the old one stays. Requests holding the old set finish on it. */
int server_reload(struct server *srv, const char *why, struct buf *err);
/* The current fixture set, with a reference the caller releases (fixtures_release). */
struct fixture_set *server_fixtures(struct server *srv);
/* From any thread, when a connection closed and freed its descriptor: accepting resumes if it was
 * paused because descriptors ran out. */
void server_conn_closed(struct server *srv);

#endif
