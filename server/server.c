#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "certgen.h"
#include "conn.h"
#include "metrics.h"
#include "watch.h"
#include "worker.h"
#include "zapi.h"

/* How long SIGTERM waits for answers in flight before closing what is left. */
#define DRAIN_SECONDS 1.0
/* Descriptors kept beside the connections: standard streams, the main loop, signals, inotify,
 * and the fixture files and directories a reload opens... */
#define FD_RESERVE 32
/* ...and for each worker its event loop and pipe (3), besides a listener per address. */
#define FD_PER_WORKER 3
/* Connections the kernel queues on each listening socket until its worker accepts them. */
#define LISTEN_BACKLOG 1024

void
server_conn_closed(struct server *srv)
{
    for (unsigned i = 0; i < srv->nworkers; i++)
        worker_resume(&srv->workers[i]);
}

/* Raises the soft open files limit to what --max-connections needs, or, when the hard limit
 * forbids it, lowers the effective maximum so connections are refused before accept() fails. */
static void
fit_open_files_limit(struct server *srv)
{
    const rlim_t reserve = FD_RESERVE + (rlim_t)srv->nworkers * (FD_PER_WORKER + srv->cfg->nlisten);
    const rlim_t want = (rlim_t)srv->cfg->max_connections + reserve;
    struct rlimit rl;
    srv->max_conns = srv->cfg->max_connections;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (rl.rlim_cur > old && setrlimit(RLIMIT_NOFILE, &rl) == 0)
        log_info(&srv->log, "raised the open files limit from %llu to %llu for --max-connections",
                 (unsigned long long)old, (unsigned long long)rl.rlim_cur);
    else
        rl.rlim_cur = old;
    if (rl.rlim_cur >= want)
        return;
    srv->max_conns = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : rl.rlim_cur / 2;
    log_warn(&srv->log,
             "the open files limit (%llu, hard %llu) allows %lu connections, not the %u of "
             "--max-connections: more are refused",
             (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, srv->max_conns,
             srv->cfg->max_connections);
}

/* Splits HOST:PORT or [V6]:PORT. */
static int
split_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1])
        return -1;
    const char *h = addr;
    size_t n = (size_t)(colon - addr);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    } else if (memchr(h, ':', n)) {
        return -1; /* a bare IPv6 address needs brackets */
    }
    if (n >= hostlen || strlen(colon + 1) >= portlen)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

static int
reuse_port(int fd)
{
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
}

/* One socket bound to ai, or -1 with errno. The first of an address binds without SO_REUSEPORT,
 * so a port held by anyone (another zapi-mock included) is refused as before, and port 0 picks
 * a free one; SO_REUSEPORT set afterwards lets the others join it. */
static int
bind_socket(const struct addrinfo *ai, int first)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* [::]:8443 and 0.0.0.0:8443 can then be listened on side by side. */
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if ((!first && reuse_port(fd) < 0) || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
        (first && reuse_port(fd) < 0) || listen(fd, LISTEN_BACKLOG) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int
port_of(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
                                           : ((const struct sockaddr_in *)ss)->sin_port);
}

/* n listening sockets on addr, all on one port (the first picks it when addr says port 0), for
 * the kernel to spread connections over. Returns 0, or -1 with the reason in err (fds closed). */
static int
open_listeners(const char *addr, int *fds, unsigned n, int *port_out, struct buf *err)
{
    char host[256], port[16];
    if (split_addr(addr, host, sizeof(host), port, sizeof(port)) < 0) {
        buf_printf(err, "--listen %s: expected HOST:PORT or [IPV6]:PORT", addr);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host[0] && strcmp(host, "*") ? host : NULL, port, &hints, &ai);
    if (rc != 0) {
        buf_printf(err, "--listen %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    unsigned i;
    for (i = 0; i < n; i++) {
        if ((fds[i] = bind_socket(ai, i == 0)) < 0)
            break;
        if (i == 0) {
            /* The others bind the port the first one got. */
            getsockname(fds[0], (struct sockaddr *)&ss, &sl);
            memcpy(ai->ai_addr, &ss, ai->ai_addrlen);
            *port_out = port_of(&ss);
        }
    }
    freeaddrinfo(ai);
    if (i == n)
        return 0;
    buf_printf(err, "--listen %s: %s", addr, strerror(errno));
    while (i > 0)
        close(fds[--i]);
    return -1;
}

/* Every --listen address gets a socket per worker. */
static int
bind_all(struct server *srv, struct buf *err)
{
    struct buf ports = BUF_INIT;
    int fds[CONFIG_MAX_WORKERS];
    for (size_t i = 0; i < srv->cfg->nlisten; i++) {
        int port = 0;
        if (open_listeners(srv->cfg->listen[i], fds, srv->nworkers, &port, err) < 0) {
            buf_free(&ports);
            return -1;
        }
        int rc = 0;
        for (unsigned k = 0; k < srv->nworkers; k++)
            if (rc < 0)
                close(fds[k]);
            else
                rc = worker_listen(&srv->workers[k], fds[k], err);
        if (rc < 0) {
            buf_free(&ports);
            return -1;
        }
        log_info(&srv->log, "listening on %s (port %d, %s)", srv->cfg->listen[i], port,
                 srv->tls ? "https" : "http");
        buf_printf(&ports, "%d\n", port);
        app_set_default_url(&srv->app, srv->tls != NULL, port);
    }
    if (srv->cfg->port_file) {
        FILE *f = fopen(srv->cfg->port_file, "w");
        if (!f || fwrite(ports.data, 1, ports.len, f) != ports.len || fclose(f) != 0) {
            buf_printf(err, "--port-file %s: %s", srv->cfg->port_file, strerror(errno));
            buf_free(&ports);
            return -1;
        }
    }
    buf_free(&ports);
    return 0;
}

static int
setup_tls(struct server *srv, struct buf *err)
{
    const struct config *cfg = srv->cfg;
    struct buf cert = BUF_INIT, key = BUF_INIT;
    if (cfg->cert_file) {
        buf_append_str(&cert, cfg->cert_file);
        buf_append_str(&key, cfg->key_file);
    } else {
        char why[512];
        int generated = 0;
        if (certgen_ensure_names(cfg->certs_dir, cfg->cert_names, &generated, why, sizeof(why)) <
            0) {
            buf_printf(err, "certificates: %s", why);
            return -1;
        }
        if (generated == 2)
            log_info(&srv->log,
                     "generated a development CA %s/%s and a server certificate: "
                     "clients trust it with e.g. curl --cacert %s/%s",
                     cfg->certs_dir, CERTGEN_CA_CERT, cfg->certs_dir, CERTGEN_CA_CERT);
        else if (generated == 1)
            log_info(&srv->log, "issued a new server certificate from %s/%s", cfg->certs_dir,
                     CERTGEN_CA_CERT);
        buf_printf(&cert, "%s/%s", cfg->certs_dir, CERTGEN_SERVER_CERT);
        buf_printf(&key, "%s/%s", cfg->certs_dir, CERTGEN_SERVER_KEY);
    }
    int rc = tls_server_new(cert.data, key.data, cfg->cert_file != NULL, &srv->tls, err);
    if (rc == 0) {
        struct buf d = BUF_INIT;
        tls_server_describe(srv->tls, &d);
        log_info(&srv->log, "serving %s", d.data);
        buf_free(&d);
    }
    buf_free(&cert);
    buf_free(&key);
    return rc;
}

static void
on_drained(evutil_socket_t fd, short what, void *arg)
{
    struct server *srv = arg;
    (void)fd;
    (void)what;
    unsigned long open = srv->open_conns;
    if (open)
        log_info(&srv->log, "closing %lu connections still open", open);
    for (unsigned i = 0; i < srv->nworkers; i++)
        worker_stop(&srv->workers[i]);
}

/* A worker's loop has ended; when all have, so does the main loop. */
static void
on_worker_done(evutil_socket_t fd, short what, void *arg)
{
    struct server *srv = arg;
    char bytes[CONFIG_MAX_WORKERS];
    (void)what;
    ssize_t n = read(fd, bytes, sizeof(bytes));
    for (ssize_t i = 0; i < n; i++)
        if (bytes[i] == WORKER_ENDED)
            srv->workers_ended++;
    if (srv->workers_ended >= srv->nworkers)
        event_base_loopexit(srv->base, NULL);
}

static unsigned long
open_connections(void *ctx)
{
    struct server *srv = ctx;
    return srv->open_conns;
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    struct buf err = BUF_INIT;
    (void)sig;
    (void)what;
    app_reload(&srv->app, "reloaded on SIGHUP", &err);
    buf_free(&err);
}

static void
on_watch(void *arg)
{
    struct server *srv = arg;
    struct buf err = BUF_INIT;
    app_reload(&srv->app, "reloaded after a change", &err);
    buf_free(&err);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    (void)what;
    if (srv->draining)
        return;
    /* Before the log line: a worker answering after it sees the flag and says Connection: close. */
    srv->draining = 1;
    log_info(&srv->log, "%s: finishing requests in flight, then stopping",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* Each worker closes its listeners first, then drains. */
    for (unsigned i = 0; i < srv->nworkers; i++)
        worker_drain(&srv->workers[i]);
    struct timeval tv = {0, (suseconds_t)(DRAIN_SECONDS * 1e6)};
    evtimer_add(srv->drain_timer, &tv);
}

/* The workers and the pipe on which they report their end; their threads start in server_run. */
static unsigned
worker_count(const struct config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cfg->workers                 ? cfg->workers
           : cores < 1                  ? 1
           : cores > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS
                                        : (unsigned)cores;
}

static int
start_workers_loop(struct server *srv, struct buf *err)
{
    if (pipe2(srv->workers_done, O_NONBLOCK | O_CLOEXEC) < 0) {
        srv->workers_done[0] = srv->workers_done[1] = -1;
        buf_printf(err, "cannot create the workers' pipe: %s", strerror(errno));
        return -1;
    }
    srv->ev_done =
        event_new(srv->base, srv->workers_done[0], EV_READ | EV_PERSIST, on_worker_done, srv);
    srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
    if (!srv->ev_done || !srv->workers || event_add(srv->ev_done, NULL) < 0) {
        buf_printf(err, "out of memory creating %u workers", srv->nworkers);
        return -1;
    }
    for (unsigned i = 0; i < srv->nworkers; i++)
        if (worker_init(&srv->workers[i], srv, i, err) < 0)
            return -1;
    log_info(&srv->log, "%u worker%s (event loops)", srv->nworkers, srv->nworkers == 1 ? "" : "s");
    return 0;
}

int
server_init(struct server *srv, const struct config *cfg, FILE *log_out, struct buf *err)
{
    memset(srv, 0, sizeof(*srv));
    srv->cfg = cfg;
    srv->log.level = cfg->log_level;
    srv->log.out = log_out;
    struct http_limits limits = HTTP_LIMITS_DEFAULT;
    limits.max_body = cfg->max_body;
    srv->limits = limits;
    srv->nworkers = worker_count(cfg);
    fit_open_files_limit(srv);
    srv->app_ready = 1;
    if (app_init(&srv->app, cfg, &srv->log, &app_system_clock, err) < 0)
        return -1;
    srv->app.shell.open_connections = open_connections;
    srv->app.shell.ctx = srv;
    if (!cfg->no_tls && setup_tls(srv, err) < 0)
        return -1;
    srv->base = event_base_new();
    if (!srv->base || event_base_priority_init(srv->base, SERVER_PRIORITIES) < 0) {
        buf_printf(err, "cannot create the event loop");
        return -1;
    }
    srv->sig_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
    srv->sig_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    srv->sig_hup = evsignal_new(srv->base, SIGHUP, on_hup, srv);
    srv->drain_timer = evtimer_new(srv->base, on_drained, srv);
    if (!srv->sig_int || !srv->sig_term || !srv->sig_hup || !srv->drain_timer ||
        event_add(srv->sig_int, NULL) || event_add(srv->sig_term, NULL) ||
        event_add(srv->sig_hup, NULL)) {
        buf_printf(err, "cannot set up signal handling");
        return -1;
    }
    if (cfg->watch) {
        srv->watch = watch_new(srv->base, cfg->fixtures_dir, 0.2, on_watch, srv, err);
        if (!srv->watch)
            return -1;
        log_info(&srv->log, "watching %s for changes", cfg->fixtures_dir);
    }
    if (start_workers_loop(srv, err) < 0 || bind_all(srv, err) < 0)
        return -1;
    log_info(&srv->log, "ready in %.1f ms",
             (app_monotonic(&srv->app) - srv->app.started_mono) * 1000);
    return 0;
}

int
server_run(struct server *srv)
{
    struct buf err = BUF_INIT;
    for (unsigned i = 0; i < srv->nworkers; i++) {
        if (worker_start(&srv->workers[i], &err) < 0) {
            log_error(&srv->log, "%s", err.data);
            buf_free(&err);
            return -1;
        }
    }
    int rc = event_base_dispatch(srv->base);
    log_info(&srv->log, "stopped");
    return rc < 0 ? -1 : 0;
}

void
server_free(struct server *srv)
{
    for (unsigned i = 0; i < srv->nworkers; i++)
        if (srv->workers[i].started && srv->workers_ended < srv->nworkers)
            worker_stop(&srv->workers[i]);
    for (unsigned i = 0; i < srv->nworkers; i++)
        worker_free(&srv->workers[i]);
    free(srv->workers);
    if (srv->ev_done)
        event_free(srv->ev_done);
    for (int i = 0; i < 2; i++)
        if (srv->workers_done[i] > 0)
            close(srv->workers_done[i]);
    if (srv->sig_int)
        event_free(srv->sig_int);
    if (srv->sig_term)
        event_free(srv->sig_term);
    if (srv->sig_hup)
        event_free(srv->sig_hup);
    watch_free(srv->watch);
    if (srv->drain_timer)
        event_free(srv->drain_timer);
    if (srv->base)
        event_base_free(srv->base);
    tls_server_free(srv->tls);
    if (srv->app_ready)
        app_free(&srv->app);
    memset(srv, 0, sizeof(*srv));
}
