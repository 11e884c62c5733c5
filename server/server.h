/* server: the explicit server context (settings, logger, event loop, listeners, TLS, the current
 * fixture set) and its life cycle. Nothing in the program is global; everything hangs off here. */
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

struct conn;

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
    struct store *store;       /* booking state: carts, bookings, inventory; survives reloads */
    char public_url[256];      /* base of the links the mock hands out (barcodes) */
    struct contacts *contacts; /* partners created at run time, merged into every fixture set */
    int throttle_status;       /* HTTP status of throttled answers */
    struct evconnlistener *listeners[CONFIG_MAX_LISTEN];
    size_t nlisteners;
    struct event *sig_int;
    struct event *sig_term;
    struct event *sig_hup;
    struct event *drain_timer;
    struct event *trim_timer;        /* gives freed memory back after many connections closed */
    unsigned long closed_since_trim; /* connections closed since the last trim */
    struct http_limits limits;
    struct conn *conns;   /* every open connection, for shutdown */
    size_t out_queued;    /* bytes waiting in every connection's output (conn.c) */
    size_t admin_waiters; /* connections whose admin request waits for out_queued to drop */
    unsigned long open_conns;
    unsigned long max_conns;    /* --max-connections, lowered when the open files limit is less */
    int accept_paused;          /* listeners off: descriptors ran out (see server_conn_closed) */
    struct event *accept_retry; /* resumes accepting when no connection closes for a while */
    int draining;
    time_t started_at;
    double started_mono;
    char date[40]; /* the Date header value, refreshed once a second */
    time_t date_at;
};

/* Loads fixtures, certificates (generating them when missing) and binds every listen address.
 * Returns 0, or -1 with the reason in err; server_free() cleans up either way. */
int server_init(struct server *srv, const struct config *cfg, FILE *log_out, struct buf *err);
/* Runs the event loop until SIGINT or SIGTERM has drained the connections. */
int server_run(struct server *srv);
void server_free(struct server *srv);
/* Re-reads the fixtures, merges the runtime partners (contacts) and swaps the set in atomically
 * (also after a partner is created or revoked); a broken set is refused (reason in err)
 * and the old one stays. Requests holding the old set finish on it. */
int server_reload(struct server *srv, const char *why, struct buf *err);
/* The current fixture set, with a reference the caller releases (fixtures_release). */
struct fixture_set *server_fixtures(struct server *srv);
/* Counts a closed connection; after many, schedules giving the freed memory back. */
void server_note_closed(struct server *srv);
/* Called when a connection closes and frees its descriptor: accepting resumes if it was paused
 * because descriptors ran out. */
void server_conn_closed(struct server *srv);
/* The current HTTP Date header value. */
const char *server_date(struct server *srv);

#endif
