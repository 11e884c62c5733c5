#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "app.h"
#include "metrics.h"
#include "router.h"
#include "server.h"
#include "transport.h"
#include "worker.h"

/* Stop reading a connection's requests while this much of its output waits for a slow reader. */
#define OUT_HIGH_WATER (256 * 1024)
/* Output handed to the transport (encrypted, under TLS) at a time: the rest of a large answer
 * waits as plain text and is encrypted as the peer reads, a chunk per write event, so a slow
 * reader costs no encryption for bytes it never takes and other connections get their turn. */
#define OUT_CHUNK (16 * 1024)
/* Over all connections of a worker: while more output than this waits, admin requests wait too
 * (ZAPI ones are answered), so crowds of slow readers of large admin answers cannot take the memory
 * or the event loop. They go on once it is down to half. */
#define OUT_BUDGET_BYTES (16 * 1024 * 1024)
#define READ_CHUNK (16 * 1024)
/* Reads per event before yielding to other connections. */
#define READS_PER_EVENT 32
#define LINGER_SECONDS 2.0

enum conn_state { CS_HANDSHAKE, CS_OPEN, CS_CLOSING, CS_LINGER };
enum timer_kind { T_NONE, T_HANDSHAKE, T_REQUEST, T_IDLE, T_LINGER };

struct conn {
    struct server *srv; /* the application side, shared by every worker */
    struct worker *w;   /* the event loop this connection lives in */
    struct conn *prev, *next;
    int fd;
    char peer[CONN_PEER_MAX];
    int loopback;
    struct transport tr;
    struct event *ev_read, *ev_write, *ev_timer;
    struct evbuffer *out; /* bytes for the wire, already encrypted under TLS */
    struct buf pending;   /* answers not handed to the transport yet, from pending_off on */
    size_t pending_off;
    struct buf in;      /* received application bytes not parsed yet */
    struct buf scratch; /* one response before it goes to the transport */
    struct http_in http;
    enum conn_state state;
    enum timer_kind timer;
    int close_after_write;
    int read_paused;    /* input held back while too much output waits */
    int admin_waiting;  /* a parsed admin request waits for the output budget */
    size_t out_counted; /* of out, in w->out_queued */
    int dead;           /* freed at the end of the current event callback */
};

static void
set_timer(struct conn *c, enum timer_kind kind, double seconds)
{
    struct timeval tv = {(time_t)seconds, (suseconds_t)((seconds - (time_t)seconds) * 1e6)};
    c->timer = kind;
    event_add(c->ev_timer, &tv);
}

/* Output not written yet: on the wire buffer, and waiting to be handed to the transport. */
static size_t
out_len(const struct conn *c)
{
    return evbuffer_get_length(c->out) + (c->pending.len - c->pending_off);
}

static void
drop_pending(struct conn *c)
{
    c->pending_off = 0;
    if (c->pending.cap > 4 * OUT_CHUNK)
        buf_free(&c->pending); /* a large answer's memory is not kept */
    buf_clear(&c->pending);
}

/* Hands the transport pending output while its wire buffer holds less than a chunk. */
static void
feed(struct conn *c)
{
    while (c->pending_off < c->pending.len && evbuffer_get_length(c->out) < OUT_CHUNK) {
        size_t n = c->pending.len - c->pending_off;
        n = n < OUT_CHUNK ? n : OUT_CHUNK;
        if (c->tr.ops->write(c->tr.impl, c->pending.data + c->pending_off, n) < 0) {
            log_warn(&c->srv->log, "conn %s: cannot queue the answer: %s", c->peer,
                     c->tr.ops->error(c->tr.impl));
            c->dead = 1;
            return;
        }
        c->pending_off += n;
    }
    if (c->pending_off == c->pending.len)
        drop_pending(c);
}

static void
conn_destroy(struct conn *c)
{
    struct server *srv = c->srv;
    struct worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->open_conns--;
    srv->open_conns--;
    w->out_queued -= c->out_counted;
    w->admin_waiters -= c->admin_waiting;
    metrics_connection(srv->app.metrics, -1);
    if (c->tr.ops)
        c->tr.ops->free(c->tr.impl);
    event_free(c->ev_read);
    event_free(c->ev_write);
    event_free(c->ev_timer);
    evbuffer_free(c->out);
    buf_free(&c->pending);
    buf_free(&c->in);
    buf_free(&c->scratch);
    http_in_free(&c->http);
    close(c->fd);
    free(c);
    worker_conn_closed(w);
    server_conn_closed(srv);
}

static void
start_linger(struct conn *c)
{
    /* Half-close, then drain what the peer still sends, so closing never resets the connection
     * and destroys an answer the peer has not read yet. */
    shutdown(c->fd, SHUT_WR);
    c->state = CS_LINGER;
    event_del(c->ev_write);
    event_add(c->ev_read, NULL);
    set_timer(c, T_LINGER, LINGER_SECONDS);
}

static void
begin_close(struct conn *c)
{
    if (c->state == CS_CLOSING || c->state == CS_LINGER)
        return;
    /* Called once output is written, or on a timeout: what was never handed over is dropped, as
     * nothing may follow the goodbye. */
    drop_pending(c);
    if (c->state == CS_OPEN)
        c->tr.ops->shutdown(c->tr.impl);
    c->state = CS_CLOSING;
    /* Nothing more is read until the lingering close: a readable socket would otherwise wake us
     * in a loop. A peer that never reads its last answer is cut off after the request timeout. */
    event_del(c->ev_read);
    set_timer(c, T_LINGER, c->srv->cfg->request_timeout);
}

/* Wakes the connections of w whose admin request waits for the budget. */
static void
wake_admin_waiters(struct worker *w)
{
    for (struct conn *c = w->conns; c && w->admin_waiters; c = c->next) {
        if (c->admin_waiting && c->state == CS_OPEN) {
            event_add(c->ev_read, NULL);
            event_active(c->ev_read, EV_READ, 1);
        }
    }
}

/* Brings the worker's out_queued up to date with c's output. */
static void
account(struct conn *c)
{
    struct worker *w = c->w;
    size_t len = out_len(c);
    w->out_queued = w->out_queued - c->out_counted + len;
    c->out_counted = len;
    if (w->admin_waiters && w->out_queued <= OUT_BUDGET_BYTES / 2)
        wake_admin_waiters(w);
}

/* Writes queued output; arms the write event when the socket is full. */
static void
flush_out(struct conn *c)
{
    size_t fed = 0;
    while (out_len(c) > 0) {
        if (evbuffer_get_length(c->out) == 0) {
            if (fed >= OUT_CHUNK) {
                event_add(c->ev_write, NULL); /* more next turn: others first */
                return;
            }
            fed += c->pending.len - c->pending_off;
            feed(c);
            fed -= c->pending.len - c->pending_off;
            if (c->dead)
                return;
        }
        int n = evbuffer_write(c->out, c->fd);
        if (n > 0)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            event_add(c->ev_write, NULL);
            return;
        }
        log_debug(&c->srv->log, "conn %s: write failed: %s", c->peer,
                  n < 0 ? strerror(errno) : "closed");
        c->dead = 1;
        return;
    }
    event_del(c->ev_write);
    if (c->read_paused && c->state == CS_OPEN) {
        /* The peer has read its answers: parse what was held back, then read again. */
        c->read_paused = 0;
        event_add(c->ev_read, NULL);
        event_active(c->ev_read, EV_READ, 1);
    }
    if (c->close_after_write)
        begin_close(c);
    if (c->state == CS_CLOSING && evbuffer_get_length(c->out) == 0)
        start_linger(c);
    else if (c->state == CS_CLOSING)
        event_add(c->ev_write, NULL);
}

/* Writes what it can and keeps the server-wide count of queued output up to date. */
static void
flush(struct conn *c)
{
    flush_out(c);
    account(c);
}

/* Queues an answer: handed to the transport at once when small and nothing waits before it,
 * else kept as plain text for feed(). */
static void
queue(struct conn *c, const char *data, size_t len)
{
    if (c->pending.len == 0 && evbuffer_get_length(c->out) + len <= OUT_CHUNK) {
        if (c->tr.ops->write(c->tr.impl, data, len) < 0) {
            log_warn(&c->srv->log, "conn %s: cannot queue the answer: %s", c->peer,
                     c->tr.ops->error(c->tr.impl));
            c->dead = 1;
        }
    } else if (buf_append(&c->pending, data, len) < 0) {
        log_warn(&c->srv->log, "conn %s: out of memory queueing the answer", c->peer);
        c->dead = 1;
    }
    account(c);
}

/* Queues a large body: handed over rather than copied when nothing waits before it and nobody
 * needs it afterwards (only ZAPI exchanges go into the journal). */
static void
queue_body(struct conn *c, struct route_result *r)
{
    if (r->zapi || c->pending.len != 0) {
        queue(c, r->res.body.data, r->res.body.len);
        return;
    }
    buf_free(&c->pending);
    c->pending = r->res.body;
    c->pending_off = 0;
    r->res.body = (struct buf)BUF_INIT;
    account(c);
}

static void
append_uint(struct buf *s, unsigned long v)
{
    char digits[24];
    size_t i = sizeof(digits);
    do
        digits[--i] = (char)('0' + v % 10);
    while (v /= 10);
    buf_append(s, digits + i, sizeof(digits) - i);
}

static void
write_response(struct conn *c, struct route_result *r, int keep_alive, int head)
{
    struct buf *s = &c->scratch;
    const struct zapi_result *res = &r->res;
    buf_clear(s);
    /* Assembled from pieces: formatting the head took a tenth of a small request's CPU. */
    buf_append_str(s, "HTTP/1.1 ");
    append_uint(s, (unsigned long)res->status);
    buf_append_str(s, " ");
    buf_append_str(s, http_status_text(res->status));
    buf_append_str(s, "\r\nServer: zapi-mock/" ZAPI_MOCK_VERSION "\r\nDate: ");
    buf_append_str(s, worker_date(c->w));
    buf_append_str(s, "\r\nContent-Type: ");
    buf_append_str(s, r->content_type);
    buf_append_str(s, "\r\nContent-Length: ");
    append_uint(s, (unsigned long)res->body.len);
    buf_append_str(s, "\r\n");
    if (res->retry_after >= 0)
        buf_printf(s, "Retry-After: %d\r\n", res->retry_after);
    buf_append_str(s, r->headers);
    if (!keep_alive)
        buf_append_str(s, "Connection: close\r\n");
    else if (c->http.req.http_minor == 0)
        buf_append_str(s, "Connection: keep-alive\r\n");
    buf_append_str(s, "\r\n");
    /* A large body is queued on its own rather than copied behind the head once more. */
    int apart = res->body.len > OUT_CHUNK;
    if (!head && res->body.len && !apart)
        buf_append(s, res->body.data, res->body.len);
    if (!s->data) {
        c->dead = 1;
        return;
    }
    queue(c, s->data, s->len);
    if (!head && apart)
        queue_body(c, r);
}

static long
elapsed_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void
respond(struct conn *c)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const struct http_request *req = &c->http.req;
    struct route_result r = {.content_type = NULL};
    zapi_result_init(&r.res);
    app_handle(&c->srv->app, &c->w->app_thread, req, c->loopback, &r);
    if (r.res.status >= 500 && r.res.body.len == 0)
        log_error(&c->srv->log, "conn %s: could not render an answer (out of memory?)", c->peer);
    /* The server's flag, not only the worker's: the worker hears of the drain a moment later. */
    int keep = req->keep_alive && !c->w->draining && !c->srv->draining;
    write_response(c, &r, keep, req->method == HTTP_HEAD);
    long us = elapsed_us(&t0);
    app_record(&c->srv->app, c->peer, req, &r, us);
    zapi_result_free(&r.res);
    if (!keep)
        c->close_after_write = 1;
}

/* A request that cannot be parsed or breaks a limit: answer with a ZAPI error body, then close. */
static void
respond_error(struct conn *c, int status, const char *reason)
{
    struct route_result r = {.content_type = NULL};
    zapi_result_init(&r.res);
    app_refuse(&c->srv->app, c->peer, status, reason, &r);
    write_response(c, &r, 0, 0);
    zapi_result_free(&r.res);
    c->close_after_write = 1;
}

static void
update_timer(struct conn *c)
{
    if (c->state != CS_OPEN || c->admin_waiting)
        return;
    if (http_in_idle(&c->http)) {
        if (c->timer != T_IDLE)
            set_timer(c, T_IDLE, c->srv->cfg->idle_timeout);
    } else if (c->timer != T_REQUEST) {
        set_timer(c, T_REQUEST, c->srv->cfg->request_timeout);
    }
}

/* Whether the parsed request must wait: an admin request while the server has more output
 * queued than its budget (slow readers). */
static int
must_wait(struct conn *c)
{
    if (c->w->out_queued <= OUT_BUDGET_BYTES)
        return 0;
    struct buf path = BUF_INIT;
    const struct buf *url = &c->http.req.url;
    http_url_path(url->data ? url->data : "", url->len, &path);
    int admin = path.data && strncmp(path.data, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) == 0;
    buf_free(&path);
    return admin;
}

/* Answers the parsed request, or leaves it waiting (reading paused; account() wakes it). Returns
 * 0 when answered, -1 when it waits. */
static int
answer(struct conn *c)
{
    int wait = must_wait(c);
    if (wait != c->admin_waiting) {
        c->w->admin_waiters += wait ? 1 : -1;
        c->admin_waiting = wait;
        if (wait)
            log_debug(&c->srv->log, "conn %s: admin request waits: %zu bytes of output queued",
                      c->peer, c->w->out_queued);
    }
    if (wait) {
        event_del(c->ev_read);
        return -1;
    }
    respond(c);
    http_in_next(&c->http);
    set_timer(c, T_IDLE, c->srv->cfg->idle_timeout);
    return 0;
}

/* Parses and answers every complete request in the input, in order. */
static void
process_input(struct conn *c)
{
    size_t off = 0;
    if (c->admin_waiting && answer(c) < 0)
        return;
    while (off < c->in.len && !c->close_after_write && !c->dead && out_len(c) < OUT_HIGH_WATER) {
        size_t used = 0;
        enum http_in_result r = http_in_feed(&c->http, c->in.data + off, c->in.len - off, &used);
        off += used;
        if (r == HTTP_IN_REQUEST) {
            if (answer(c) < 0)
                break;
        } else if (r == HTTP_IN_CONTINUE) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            queue(c, cont, sizeof(cont) - 1);
        } else if (r == HTTP_IN_ERROR) {
            respond_error(c, c->http.error_status, c->http.error_reason);
        } else if (used == 0) {
            break;
        }
    }
    buf_consume(&c->in, off);
    update_timer(c);
}

static void
on_eof(struct conn *c)
{
    if (http_in_eof(&c->http) < 0 || c->in.len > 0)
        log_info(&c->srv->log, "conn %s: peer closed in the middle of a request", c->peer);
    c->close_after_write = 1;
    /* Nothing more will come (and an EOF stays readable): answer what is queued, then close. */
    event_del(c->ev_read);
    if (out_len(c) == 0)
        begin_close(c);
}

/* A spare read buffer per worker: a connection takes it while it holds input
 * not parsed yet and gives it back once everything is parsed, so a request costs no allocation
 * of 32 KiB (and none of glibc's consolidation a large allocation sets off) while idle
 * connections still hold none. A buffer grown past SPARE_MAX_BYTES is not kept. Freed by
 * conn_free_all. */
#define SPARE_MAX_BYTES (4 * READ_CHUNK)

static void
give_back_input(struct conn *c)
{
    struct buf *spare = &c->w->spare_in;
    if (!spare->data && c->in.cap <= SPARE_MAX_BYTES) {
        buf_clear(&c->in);
        *spare = c->in;
        c->in = (struct buf)BUF_INIT;
    } else {
        buf_free(&c->in);
    }
}

static void
read_requests(struct conn *c)
{
    int rounds = 0;
    while (!c->dead && !c->close_after_write && !c->admin_waiting) {
        if (out_len(c) >= OUT_HIGH_WATER) {
            /* Resumed by flush once the output is written. */
            event_del(c->ev_read);
            c->read_paused = 1;
            return;
        }
        if (rounds++ == READS_PER_EVENT) {
            /* TLS may hold decrypted bytes the socket will not signal: come back soon. */
            event_active(c->ev_read, EV_READ, 1);
            return;
        }
        if (!c->in.data && c->w->spare_in.data) {
            c->in = c->w->spare_in;
            c->w->spare_in = (struct buf)BUF_INIT;
        }
        if (buf_reserve(&c->in, READ_CHUNK) < 0) {
            c->dead = 1;
            return;
        }
        ssize_t n = c->tr.ops->read(c->tr.impl, c->in.data + c->in.len, READ_CHUNK);
        if (n == TRANSPORT_AGAIN) {
            /* An idle connection does not keep a read buffer (16 KiB, 8 of them resident). */
            if (c->in.len == 0)
                give_back_input(c);
            return;
        }
        if (n == 0) {
            on_eof(c);
            return;
        }
        if (n < 0) {
            log_info(&c->srv->log, "conn %s: read failed: %s", c->peer,
                     c->tr.ops->error(c->tr.impl));
            c->dead = 1;
            return;
        }
        c->in.len += (size_t)n;
        process_input(c);
    }
}

static void
do_handshake(struct conn *c)
{
    int rc = c->tr.ops->handshake(c->tr.impl);
    if (rc < 0) {
        log_info(&c->srv->log, "conn %s: TLS handshake failed: %s", c->peer,
                 c->tr.ops->error(c->tr.impl));
        metrics_handshake(c->srv->app.metrics, 0, 0);
        /* The alert mbedTLS queued is worth sending; then close. */
        c->close_after_write = 1;
        begin_close(c);
        return;
    }
    if (rc == 1) {
        metrics_handshake(c->srv->app.metrics, 1, c->tr.ops->resumed(c->tr.impl));
        c->state = CS_OPEN;
        set_timer(c, T_IDLE, c->srv->cfg->idle_timeout);
    }
}

static void
linger_read(struct conn *c)
{
    char sink[4096];
    for (int i = 0; i < 16; i++) {
        ssize_t n = recv(c->fd, sink, sizeof(sink), 0);
        if (n > 0)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        c->dead = 1;
        return;
    }
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    if (c->state == CS_LINGER) {
        linger_read(c);
    } else {
        if (c->state == CS_HANDSHAKE)
            do_handshake(c);
        if (c->state == CS_OPEN && (c->in.len || c->admin_waiting))
            process_input(c);
        if (c->state == CS_OPEN)
            read_requests(c);
        if (!c->dead)
            flush(c);
    }
    if (c->dead)
        conn_destroy(c);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    flush(c);
    if (c->dead)
        conn_destroy(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    switch (c->timer) {
    case T_HANDSHAKE:
        log_info(&c->srv->log, "conn %s: TLS handshake timed out", c->peer);
        metrics_handshake(c->srv->app.metrics, 0, 0);
        metrics_refused(c->srv->app.metrics, "handshake_timeout");
        c->dead = 1;
        break;
    case T_REQUEST:
        respond_error(c, 408, "the request was not complete in time");
        flush(c);
        break;
    case T_IDLE:
        log_debug(&c->srv->log, "conn %s: idle keep-alive connection closed", c->peer);
        c->close_after_write = 1;
        begin_close(c);
        flush(c);
        break;
    case T_LINGER:
    case T_NONE:
        c->dead = 1;
        break;
    }
    if (c->dead)
        conn_destroy(c);
}

void
conn_format_peer(const struct sockaddr *sa, char *out, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(out, len, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(out, len, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        snprintf(out, len, "unknown");
    }
}

static int
is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}

static int
setup(struct conn *c, struct server *srv, struct event_base *base, int fd)
{
    c->out = evbuffer_new();
    c->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, on_read, c);
    c->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, c);
    c->ev_timer = evtimer_new(base, on_timer, c);
    if (!c->out || !c->ev_read || !c->ev_write || !c->ev_timer ||
        event_priority_set(c->ev_write, SERVER_PRIORITY_BULK) < 0)
        return -1;
    if (srv->tls)
        return tls_transport_new(c->w->tls, fd, c->out, &c->tr);
    return plain_transport_new(fd, c->out, &c->tr);
}

int
conn_accept(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen)
{
    struct server *srv = w->srv;
    (void)salen;
    char peer[CONN_PEER_MAX];
    conn_format_peer(sa, peer, sizeof(peer));
    if (w->draining) {
        log_warn(&srv->log, "conn %s: refused: shutting down", peer);
        metrics_refused(srv->app.metrics, "shutting_down");
        srv->open_conns--;
        close(fd);
        return -1;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        srv->open_conns--;
        close(fd);
        return -1;
    }
    c->srv = srv;
    c->w = w;
    c->fd = fd;
    memcpy(c->peer, peer, sizeof(peer));
    c->loopback = is_loopback(sa);
    http_in_init(&c->http, &srv->limits);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->open_conns++; /* srv->open_conns was counted by the worker's accept */
    metrics_connection(srv->app.metrics, 1);
    /* Non-blocking already: the worker's listener accepts with SOCK_NONBLOCK (libevent's
     * default), so no fcntl here. */
    /* Small records and answers must leave at once, not wait for Nagle. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (setup(c, srv, w->base, fd) < 0) {
        log_error(&srv->log, "conn %s: out of memory setting up the connection", peer);
        conn_destroy(c);
        return -1;
    }
    c->state = srv->tls ? CS_HANDSHAKE : CS_OPEN;
    if (srv->tls)
        set_timer(c, T_HANDSHAKE, srv->cfg->handshake_timeout);
    else
        set_timer(c, T_IDLE, srv->cfg->idle_timeout);
    event_add(c->ev_read, NULL);
    log_debug(&srv->log, "conn %s: accepted (%s, worker %u)", peer, c->tr.ops->name, w->id);
    return 0;
}

void
conn_drain_all(struct worker *w)
{
    struct conn *c = w->conns;
    while (c) {
        struct conn *next = c->next;
        if (c->state == CS_HANDSHAKE) {
            c->dead = 1;
        } else if (c->state == CS_OPEN && http_in_idle(&c->http) && c->in.len == 0) {
            /* Idle: close once what is queued is written. */
            c->close_after_write = 1;
            flush(c);
        }
        /* A request half received goes on being read; its answer says Connection: close
         * because the server is draining. */
        if (c->dead)
            conn_destroy(c);
        c = next;
    }
}

void
conn_free_all(struct worker *w)
{
    while (w->conns)
        conn_destroy(w->conns);
    buf_free(&w->spare_in); /* the worker ends: its spare goes */
}
