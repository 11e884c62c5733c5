/* server: the network shell around the application (app.h): settings, logger, the main event
 * loop with the signals, TLS, the workers, and their life cycle. Each worker (worker.h) accepts
 * on listening sockets of its own; the main thread handles signals, reloads and the drain.
 * Nothing in the program is global; everything hangs off here. */
#ifndef ZAPI_SERVER_H
#define ZAPI_SERVER_H

#include <event2/event.h>
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
    struct event *sig_int;
    struct event *sig_term;
    struct event *sig_hup;
    struct event *drain_timer;
    struct http_limits limits;
    struct worker *workers; /* the event loops serving connections, each in its thread */
    unsigned nworkers;
    int workers_done[2];   /* workers write WORKER_ENDED here */
    struct event *ev_done; /* reads workers_done in the main loop */
    unsigned workers_ended;
    _Atomic unsigned long open_conns; /* of all workers */
    unsigned long max_conns; /* --max-connections, lowered when the open files limit is less */
    _Atomic int draining;    /* set by the main thread on SIGTERM, read by the workers */
    int app_ready;
};

/* Loads fixtures, certificates (generating them when missing) and binds every listen address.
 * Returns 0, or -1 with the reason in err; server_free() cleans up either way. */
int server_init(struct server *srv, const struct config *cfg, FILE *log_out, struct buf *err);
/* Starts the workers and runs the main loop until SIGINT or SIGTERM has drained them. */
int server_run(struct server *srv);
void server_free(struct server *srv);
/* From any thread, when a connection closed and freed its descriptor: workers that paused
 * accepting because descriptors ran out resume. */
void server_conn_closed(struct server *srv);

#endif
