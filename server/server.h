/* server: the network shell around the application (app.h): settings, logger, the main event
 * loop with the listeners and signals, TLS, the workers, and their life cycle. The main thread
 * accepts connections and hands them to the workers (worker.h) in turn. Nothing in the program is
 * global; everything hangs off here. */
#ifndef ZAPI_SERVER_H
#define ZAPI_SERVER_H

#include <event2/event.h>
#include <event2/listener.h>
#include <pthread.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "config.h"
#include "http.h"
#include "log.h"
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
    struct app app;         /* what answers requests; the shell only calls it */
    struct watch *watch;    /* --watch */
    struct tls_server *tls; /* NULL with --no-tls */
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
    int app_ready;
};

/* Loads fixtures, certificates (generating them when missing) and binds every listen address.
 * Returns 0, or -1 with the reason in err; server_free() cleans up either way. */
int server_init(struct server *srv, const struct config *cfg, FILE *log_out, struct buf *err);
/* Starts the workers and runs the main loop until SIGINT or SIGTERM has drained them. */
int server_run(struct server *srv);
void server_free(struct server *srv);
/* From any thread, when a connection closed and freed its descriptor: accepting resumes if it was
 * paused because descriptors ran out. */
void server_conn_closed(struct server *srv);

#endif
