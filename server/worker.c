#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "envelope.h"
#include "server.h"

/* glibc keeps what the connections' record buffers (33 KiB each) freed: after a storm of 2,000
 * connections RSS stayed at 88 MiB. malloc_trim hands the free pages back, half a second after
 * the last of many closes, so a steady load never pays for it. */
#define TRIM_AFTER_CLOSES 256
#define TRIM_DELAY_US 500000

enum msg_kind { MSG_CONN, MSG_DRAIN, MSG_STOP };

/* Under PIPE_BUF, so a write is whole or not at all. */
struct msg {
    enum msg_kind kind;
    int fd;
    socklen_t salen;
    struct sockaddr_storage sa;
};

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

static void
on_trim(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    w->closed_since_trim = 0;
    malloc_trim(0);
}

void
worker_conn_closed(struct worker *w)
{
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
    conn_drain_all(w);
    if (w->open_conns == 0)
        event_base_loopexit(w->base, NULL);
}

/* Reads whole messages (each was written in one piece, under PIPE_BUF, and the buffer holds a
 * whole number of them); a read that did not fill the buffer emptied the pipe, so no read is
 * made just to hear EAGAIN. */
static void
on_pipe(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct msg batch[16];
    (void)what;
    for (int round = 0; round < 4; round++) {
        ssize_t n = read(fd, batch, sizeof(batch));
        if (n <= 0)
            return;
        for (size_t i = 0; i < (size_t)n / sizeof(batch[0]); i++) {
            const struct msg *m = &batch[i];
            if (m->kind == MSG_CONN)
                conn_accept(w, m->fd, (const struct sockaddr *)&m->sa, m->salen);
            else if (m->kind == MSG_DRAIN)
                drain(w);
            else
                event_base_loopexit(w->base, NULL);
        }
        if ((size_t)n < sizeof(batch))
            return;
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
    if (!w->ev_pipe || !w->trim_timer || event_add(w->ev_pipe, NULL) < 0) {
        buf_printf(err, "worker %u: cannot create its event loop", id);
        return -1;
    }
    return 0;
}

static void *
run(void *arg)
{
    struct worker *w = arg;
    event_base_dispatch(w->base);
    conn_free_all(w);
    envelope_thread_done();
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
send_msg(struct worker *w, const struct msg *m)
{
    ssize_t n;
    do
        n = write(w->pipe_fds[1], m, sizeof(*m));
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

int
worker_hand_off(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen)
{
    struct msg m = {.kind = MSG_CONN, .fd = fd};
    m.salen = salen < sizeof(m.sa) ? salen : sizeof(m.sa);
    memcpy(&m.sa, sa, m.salen);
    if (send_msg(w, &m) == 0)
        return 0;
    close(fd); /* the worker is 64 KiB of hand-offs behind: refuse */
    return -1;
}

void
worker_drain(struct worker *w)
{
    struct msg m = {.kind = MSG_DRAIN, .fd = -1};
    send_msg(w, &m);
}

void
worker_stop(struct worker *w)
{
    struct msg m = {.kind = MSG_STOP, .fd = -1};
    if (send_msg(w, &m) < 0)
        log_error(&w->srv->log, "worker %u: cannot be told to stop: %s", w->id, strerror(errno));
}

void
worker_free(struct worker *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    else
        conn_free_all(w);
    if (w->ev_pipe)
        event_free(w->ev_pipe);
    if (w->trim_timer)
        event_free(w->trim_timer);
    if (w->base)
        event_base_free(w->base);
    for (int i = 0; i < 2; i++)
        if (w->pipe_fds[i] >= 0)
            close(w->pipe_fds[i]);
    memset(w, 0, sizeof(*w));
}
