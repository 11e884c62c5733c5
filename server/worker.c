#include "worker.h"

#include <errno.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "metrics.h"
#include "server.h"
#include "tls.h"

/* glibc keeps what the connections freed: after a storm of 2,000 connections RSS stayed at
 * 88 MiB. malloc_trim hands the free pages of every arena back (any thread's call walks them
 * all), half a second after the last of many closes, so a steady load never pays for it. It
 * cannot free a page that still holds a live chunk: see the descriptor table below. */
#define TRIM_AFTER_CLOSES 256
#define TRIM_DELAY_US 500000
/* Listeners paused because descriptors ran out resume at the latest after this long, in case no
 * connection of ours closes (something else held the descriptors). */
#define ACCEPT_RETRY_SECONDS 1.0

/* Messages to a worker, one byte each. */
#define MSG_DRAIN 'D'
#define MSG_STOP 'S'
#define MSG_RESUME 'R' /* a connection closed: accept again if paused */

/* libevent keeps an entry for every descriptor number it has seen, for good, allocated the first
 * time the number gets an event. Allocated one at a time during a storm of connections, the
 * entries land among the connections' memory and each keeps a page resident after they closed:
 * 2,000 connections came and went, RSS stayed 1.35x idle after malloc_trim (~1,000 entries of 32
 * bytes pinned ~400 pages per worker). So each worker, idle after start, grows its table for
 * every descriptor number the server may use (a dup of its pipe gets an event added and deleted
 * under each number): the entries sit together and RSS comes back to 1.01x. 4,160 numbers cost
 * ~200 KiB per worker and 10-30 ms of its time, in slices between its events, from a second
 * after start so that the first answers do not wait for it. */
#define GROW_DELAY_SECONDS 1
#define GROW_FDS_PER_SLICE 128
#define GROW_FDS_SPARE 64  /* numbers above --max-connections: listeners, pipes, files */
#define GROW_FDS_MAX 65536 /* beyond, entries are allocated as descriptors come */

const char *
worker_date(struct worker *w)
{
    time_t now = time(NULL);
    if (now != w->date_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(w->date, sizeof(w->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        w->date_at = now;
    }
    return w->date;
}

/* Resident KiB of the process (/proc/self/statm), 0 when unknown: for the trim's log line. */
static unsigned long
resident_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * ((unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

static void
on_trim(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    int debug = w->srv->log.level >= LOG_LEVEL_DEBUG;
    unsigned long before_kib = debug ? resident_kib() : 0;
    malloc_trim(0);
    if (debug)
        log_debug(&w->srv->log,
                  "worker %u: memory trimmed after %lu closed connections: RSS %lu -> %lu KiB",
                  w->id, w->closed_since_trim, before_kib, resident_kib());
    w->closed_since_trim = 0;
}

static void
on_grow_probe(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

/* Gives descriptor number fd (or the next free one above) an entry in libevent's table, through
 * probe (an event of this worker's, not pending). Returns the number used, or -1 when no
 * descriptor could be made. */
static int
grow_one(struct worker *w, struct event *probe, int fd)
{
    int d = fcntl(w->pipe_fds[0], F_DUPFD_CLOEXEC, fd);
    if (d < 0)
        return -1;
    if (event_assign(probe, w->base, d, EV_READ, on_grow_probe, NULL) == 0 &&
        event_add(probe, NULL) == 0)
        event_del(probe);
    close(d);
    return d;
}

static void
on_grow(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    if (w->draining)
        return; /* it would only compete with the last answers */
    if (w->grow_end == 0) {
        struct rlimit rl;
        rlim_t end = (rlim_t)w->srv->max_conns + GROW_FDS_SPARE;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < end)
            end = rl.rlim_cur;
        if (end > GROW_FDS_MAX)
            end = GROW_FDS_MAX;
        w->grow_end = (int)end;
    }
    struct event *probe = event_new(w->base, -1, 0, on_grow_probe, NULL);
    if (!probe) {
        log_debug(&w->srv->log, "worker %u: descriptor table grown to %d of %d: out of memory",
                  w->id, w->grow_next, w->grow_end);
        return;
    }
    for (int i = 0; i < GROW_FDS_PER_SLICE && w->grow_next < w->grow_end; i++) {
        int d = grow_one(w, probe, w->grow_next);
        if (d < 0) {
            log_debug(&w->srv->log, "worker %u: descriptor table grown to %d of %d: %s", w->id,
                      w->grow_next, w->grow_end, strerror(errno));
            event_free(probe);
            return;
        }
        w->grow_next = d + 1;
    }
    event_free(probe);
    if (w->grow_next < w->grow_end) {
        struct timeval now = {0, 0};
        evtimer_add(w->grow_timer, &now);
        return;
    }
    log_debug(&w->srv->log, "worker %u: descriptor table grown to %d entries", w->id, w->grow_end);
}

/* In the worker's thread: refuse, or serve the connection here. */
static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    struct worker *w = arg;
    struct server *srv = w->srv;
    (void)l;
    /* Counted before it is served, across all workers at once: the limit holds exactly. */
    int full = srv->open_conns++ >= srv->max_conns;
    if (srv->draining || full) {
        srv->open_conns--;
        char peer[CONN_PEER_MAX];
        conn_format_peer(sa, peer, sizeof(peer));
        log_warn(&srv->log, "conn %s: refused: %s", peer,
                 srv->draining ? "shutting down" : "--max-connections reached");
        metrics_refused(srv->app.metrics, srv->draining ? "shutting_down" : "max_connections");
        close(fd);
        return;
    }
    conn_accept(w, fd, sa, (socklen_t)salen); /* takes fd, uncounts it on failure */
}

static void
set_listeners(struct worker *w, int on)
{
    for (size_t i = 0; i < w->nlisteners; i++) {
        if (on)
            evconnlistener_enable(w->listeners[i]);
        else
            evconnlistener_disable(w->listeners[i]);
    }
}

static void
resume_accepting(struct worker *w)
{
    if (!w->accept_paused)
        return;
    w->accept_paused = 0;
    evtimer_del(w->accept_retry);
    if (!w->draining)
        set_listeners(w, 1);
}

static void
on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    resume_accepting(arg);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
    struct worker *w = arg;
    int err = EVUTIL_SOCKET_ERROR();
    (void)l;
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
        log_error(&w->srv->log, "accept failed: %s", evutil_socket_error_to_string(err));
        return;
    }
    /* The pending connection stays readable: accepting again at once would spin. Pause until a
     * connection closes and frees a descriptor (or the retry timer fires); one line per pause. */
    if (w->accept_paused)
        return;
    w->accept_paused = 1;
    set_listeners(w, 0);
    struct timeval tv = {(time_t)ACCEPT_RETRY_SECONDS, 0};
    evtimer_add(w->accept_retry, &tv);
    log_warn(&w->srv->log, "accept failed: %s: not accepting until a connection closes",
             evutil_socket_error_to_string(err));
}

int
worker_listen(struct worker *w, int fd, struct buf *err)
{
    struct evconnlistener *l =
        evconnlistener_new(w->base, on_accept, w, LEV_OPT_CLOSE_ON_FREE, 0, fd);
    if (!l) {
        close(fd);
        buf_printf(err, "worker %u: cannot watch its listening socket", w->id);
        return -1;
    }
    evconnlistener_set_error_cb(l, on_accept_error);
    w->listeners[w->nlisteners++] = l;
    return 0;
}

static void
close_listeners(struct worker *w)
{
    for (size_t i = 0; i < w->nlisteners; i++)
        evconnlistener_free(w->listeners[i]);
    w->nlisteners = 0;
}

void
worker_conn_closed(struct worker *w)
{
    resume_accepting(w);
    if (w->draining && w->open_conns == 0)
        event_base_loopexit(w->base, NULL);
    if (++w->closed_since_trim < TRIM_AFTER_CLOSES)
        return;
    struct timeval tv = {0, TRIM_DELAY_US};
    evtimer_add(w->trim_timer, &tv); /* pushed back by every close until the storm is over */
}

static void
drain(struct worker *w)
{
    if (w->draining)
        return;
    w->draining = 1;
    /* Closed, not paused: a paused socket still lets the kernel queue new connections that
     * would then hang until exit. Closed, they are refused at once. */
    close_listeners(w);
    conn_drain_all(w);
    if (w->open_conns == 0)
        event_base_loopexit(w->base, NULL);
}

static void
on_pipe(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    char batch[64];
    (void)what;
    ssize_t n = read(fd, batch, sizeof(batch));
    for (ssize_t i = 0; i < n; i++) {
        if (batch[i] == MSG_DRAIN)
            drain(w);
        else if (batch[i] == MSG_STOP)
            event_base_loopexit(w->base, NULL);
        else {
            w->resume_sent = 0;
            resume_accepting(w);
        }
    }
}

int
worker_init(struct worker *w, struct server *srv, unsigned id, struct buf *err)
{
    memset(w, 0, sizeof(*w));
    w->srv = srv;
    w->id = id;
    w->pipe_fds[0] = w->pipe_fds[1] = -1;
    if (pipe2(w->pipe_fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        buf_printf(err, "worker %u: cannot create its pipe: %s", id, strerror(errno));
        return -1;
    }
    w->base = event_base_new();
    if (w->base && event_base_priority_init(w->base, SERVER_PRIORITIES) < 0) {
        event_base_free(w->base);
        w->base = NULL;
    }
    w->ev_pipe =
        w->base ? event_new(w->base, w->pipe_fds[0], EV_READ | EV_PERSIST, on_pipe, w) : NULL;
    w->trim_timer = w->base ? evtimer_new(w->base, on_trim, w) : NULL;
    w->accept_retry = w->base ? evtimer_new(w->base, on_accept_retry, w) : NULL;
    w->grow_timer = w->base ? evtimer_new(w->base, on_grow, w) : NULL;
    struct timeval grow_at = {GROW_DELAY_SECONDS, 0};
    if (!w->ev_pipe || !w->trim_timer || !w->accept_retry || !w->grow_timer ||
        event_add(w->ev_pipe, NULL) < 0 ||
        event_priority_set(w->grow_timer, SERVER_PRIORITIES - 1) < 0 ||
        evtimer_add(w->grow_timer, &grow_at) < 0) {
        buf_printf(err, "worker %u: cannot create its event loop", id);
        return -1;
    }
    if (srv->tls && tls_worker_new(srv->tls, &w->tls, err) < 0)
        return -1;
    if (app_thread_init(&w->app_thread) < 0) {
        buf_printf(err, "worker %u: out of memory", id);
        return -1;
    }
    return 0;
}

static void *
run(void *arg)
{
    struct worker *w = arg;
    event_base_dispatch(w->base);
    close_listeners(w);
    conn_free_all(w);
    app_thread_free(&w->app_thread);
    char ended = WORKER_ENDED;
    if (write(w->srv->workers_done[1], &ended, 1) < 0)
        log_error(&w->srv->log, "worker %u: cannot report its end: %s", w->id, strerror(errno));
    return NULL;
}

int
worker_start(struct worker *w, struct buf *err)
{
    int rc = pthread_create(&w->thread, NULL, run, w);
    if (rc != 0) {
        buf_printf(err, "worker %u: cannot start its thread: %s", w->id, strerror(rc));
        return -1;
    }
    w->started = 1;
    return 0;
}

static int
send_msg(struct worker *w, char m)
{
    ssize_t n;
    do
        n = write(w->pipe_fds[1], &m, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

void
worker_resume(struct worker *w)
{
    /* The flags are hints the worker clears: a message too many costs a no-op, and while one
     * waits in the pipe no other is written, so closes cannot fill the pipe. */
    if (w->accept_paused && !atomic_exchange(&w->resume_sent, 1))
        send_msg(w, MSG_RESUME);
}

void
worker_drain(struct worker *w)
{
    if (send_msg(w, MSG_DRAIN) < 0)
        log_error(&w->srv->log, "worker %u: cannot be told to drain: %s", w->id, strerror(errno));
}

void
worker_stop(struct worker *w)
{
    if (send_msg(w, MSG_STOP) < 0)
        log_error(&w->srv->log, "worker %u: cannot be told to stop: %s", w->id, strerror(errno));
}

void
worker_free(struct worker *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    else
        conn_free_all(w);
    close_listeners(w);
    if (w->accept_retry)
        event_free(w->accept_retry);
    if (w->ev_pipe)
        event_free(w->ev_pipe);
    if (w->trim_timer)
        event_free(w->trim_timer);
    if (w->grow_timer)
        event_free(w->grow_timer);
    if (w->base)
        event_base_free(w->base);
    tls_worker_free(w->tls);
    app_thread_free(&w->app_thread); /* the thread's end freed it already, if it ran */
    for (int i = 0; i < 2; i++)
        if (w->pipe_fds[i] >= 0)
            close(w->pipe_fds[i]);
    memset(w, 0, sizeof(*w));
}
