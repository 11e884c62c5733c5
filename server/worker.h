/* worker: one event loop in its own thread, accepting on listening sockets of its own (one per
 * --listen address, all bound to the same port with SO_REUSEPORT: the kernel spreads new
 * connections over the workers) and serving what it accepted. Everything a connection touches on
 * the network side (the listeners, its events, timers, the list of open connections, the Date
 * header cache, its TLS configuration and random generator) belongs to one worker; the
 * application state (fixtures, throttle, journal, metrics, store) is shared through its
 * thread-safe interfaces. Messages reach a worker through a pipe, so no libevent call ever
 * crosses threads. */
#ifndef ZAPI_WORKER_H
#define ZAPI_WORKER_H

#include <event2/event.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "config.h"

struct server;
struct conn;
struct evconnlistener;
struct tls_worker;

/* The byte a worker writes to the server's workers_done pipe when its loop has ended. */
#define WORKER_ENDED 'E'

struct worker {
    struct server *srv;
    unsigned id;
    struct event_base *base;
    int pipe_fds[2]; /* messages to this worker: written at [1], read at [0] */
    struct event *ev_pipe;
    struct tls_worker *tls; /* NULL with --no-tls */
    struct evconnlistener *listeners[CONFIG_MAX_LISTEN];
    size_t nlisteners;
    _Atomic int accept_paused;       /* listeners off: descriptors ran out (see worker_resume) */
    _Atomic int resume_sent;         /* a MSG_RESUME is in the pipe: one is enough */
    struct event *accept_retry;      /* resumes accepting when no connection closes for a while */
    struct event *trim_timer;        /* gives freed memory back after many connections closed */
    unsigned long closed_since_trim; /* connections closed since the last trim */
    struct event *grow_timer;        /* grows libevent's descriptor table in slices */
    int grow_next, grow_end;         /* the next descriptor number to grow for, the end */
    struct conn *conns;              /* this worker's open connections */
    unsigned long open_conns;
    size_t out_queued;            /* bytes waiting in every connection's output (conn.c) */
    size_t admin_waiters;         /* connections whose admin request waits for out_queued to drop */
    struct buf spare_in;          /* a read buffer no connection holds (conn.c) */
    struct app_thread app_thread; /* what this thread keeps between requests (app.h) */
    int draining;
    char date[40]; /* the Date header value, refreshed once a second */
    time_t date_at;
    pthread_t thread;
    int started;
};

/* Sets up the worker's loop (no thread yet). 0, or -1 with the reason in err. */
int worker_init(struct worker *w, struct server *srv, unsigned id, struct buf *err);
/* Runs the loop in a new thread. When it ends (drained or stopped) the worker closes what is
 * left and writes one byte to the server's workers_done pipe. 0, or -1 with the reason in err. */
int worker_start(struct worker *w, struct buf *err);
/* Before worker_start: the worker accepts on the listening socket fd (it takes ownership, and
 * closes it on failure too). 0, or -1 with the reason in err. */
int worker_listen(struct worker *w, int fd, struct buf *err);
/* From any thread, after a connection closed and freed its descriptor: if the worker paused
 * accepting because descriptors ran out, it resumes. */
void worker_resume(struct worker *w);
/* From any thread: close the listeners, answer what is in flight, close idle connections, then
 * end the loop. */
void worker_drain(struct worker *w);
/* From any thread: end the loop now; connections still open are closed. */
void worker_stop(struct worker *w);
/* Waits for the thread (if started) and frees the worker. */
void worker_free(struct worker *w);
/* In the worker's thread: the current HTTP Date header value. */
const char *worker_date(struct worker *w);
/* In the worker's thread: a connection of this worker was closed and freed. */
void worker_conn_closed(struct worker *w);

#endif
