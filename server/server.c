#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "certgen.h"
#include "conn.h"
#include "throttle.h"
#include "zapi.h"

/* How long SIGTERM waits for answers in flight before closing what is left. */
#define DRAIN_SECONDS 1.0

const char *
server_date(struct server *srv)
{
    time_t now = time(NULL);
    if (now != srv->date_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(srv->date, sizeof(srv->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        srv->date_at = now;
    }
    return srv->date;
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    (void)l;
    conn_accept(arg, fd, sa, (socklen_t)salen);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
    struct server *srv = arg;
    int err = EVUTIL_SOCKET_ERROR();
    /* EMFILE and friends: pause instead of spinning; connections closing free descriptors. */
    log_error(&srv->log, "accept failed: %s", evutil_socket_error_to_string(err));
    (void)l;
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
open_listener(const char *addr, int *port_out, struct buf *err)
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
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* [::]:8443 and 0.0.0.0:8443 can then be listened on side by side. */
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        buf_printf(err, "--listen %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static int
bind_all(struct server *srv, struct buf *err)
{
    struct buf ports = BUF_INIT;
    for (size_t i = 0; i < srv->cfg->nlisten; i++) {
        int port = 0;
        int fd = open_listener(srv->cfg->listen[i], &port, err);
        if (fd < 0) {
            buf_free(&ports);
            return -1;
        }
        srv->listeners[i] = evconnlistener_new(srv->base, on_accept, srv, LEV_OPT_CLOSE_ON_FREE, 0,
                                               fd);
        if (!srv->listeners[i]) {
            close(fd);
            buf_printf(err, "--listen %s: cannot watch the socket", srv->cfg->listen[i]);
            buf_free(&ports);
            return -1;
        }
        srv->nlisteners++;
        evconnlistener_set_error_cb(srv->listeners[i], on_accept_error);
        log_info(&srv->log, "listening on %s (port %d, %s)", srv->cfg->listen[i], port,
                 srv->tls ? "https" : "http");
        buf_printf(&ports, "%d\n", port);
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
        if (certgen_ensure(cfg->certs_dir, &generated, why, sizeof(why)) < 0) {
            buf_printf(err, "certificates: %s", why);
            return -1;
        }
        if (generated == 2)
            log_info(&srv->log, "generated a development CA %s/%s and a server certificate: "
                                "clients trust it with e.g. curl --cacert %s/%s",
                     cfg->certs_dir, CERTGEN_CA_CERT, cfg->certs_dir, CERTGEN_CA_CERT);
        else if (generated == 1)
            log_info(&srv->log, "issued a new server certificate from %s/%s", cfg->certs_dir,
                     CERTGEN_CA_CERT);
        buf_printf(&cert, "%s/%s", cfg->certs_dir, CERTGEN_SERVER_CERT);
        buf_printf(&key, "%s/%s", cfg->certs_dir, CERTGEN_SERVER_KEY);
    }
    int rc = tls_server_new(cert.data, key.data, &srv->tls, err);
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
    if (srv->open_conns)
        log_info(&srv->log, "closing %lu connections still open", srv->open_conns);
    event_base_loopexit(srv->base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    (void)what;
    if (srv->draining)
        return;
    log_info(&srv->log, "%s: finishing requests in flight, then stopping",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv->draining = 1;
    for (size_t i = 0; i < srv->nlisteners; i++)
        evconnlistener_disable(srv->listeners[i]);
    conn_drain_all(srv);
    if (srv->open_conns == 0) {
        event_base_loopexit(srv->base, NULL);
        return;
    }
    struct timeval tv = {0, (suseconds_t)(DRAIN_SECONDS * 1e6)};
    evtimer_add(srv->drain_timer, &tv);
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
    if (zapi_load_fixtures(cfg->fixtures_dir, &srv->fixtures, err) < 0)
        return -1;
    log_info(&srv->log, "fixtures %s: %zu methods, %zu partners, %zu agents", cfg->fixtures_dir,
             srv->fixtures->nmethods, registry_partner_count(srv->fixtures->registry),
             registry_agent_count(srv->fixtures->registry));
    if (!cfg->no_tls && setup_tls(srv, err) < 0)
        return -1;
    struct throttle_settings ts = {cfg->throttle_limit, cfg->throttle_window, cfg->throttle_every};
    srv->throttle = throttle_new(&ts, THROTTLE_DEFAULT_MAX_KEYS);
    if (!srv->throttle) {
        buf_printf(err, "--throttle-limit %u / --throttle-window %g: not a valid throttle",
                   cfg->throttle_limit, cfg->throttle_window);
        return -1;
    }
    srv->throttle_status = cfg->throttle_status;
    if (ts.limit || ts.every)
        log_info(&srv->log, "throttle: %u requests per %g s per client, every %u -> HTTP %d",
                 ts.limit, ts.window, ts.every, srv->throttle_status);
    srv->base = event_base_new();
    if (!srv->base) {
        buf_printf(err, "cannot create the event loop");
        return -1;
    }
    srv->sig_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
    srv->sig_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    srv->drain_timer = evtimer_new(srv->base, on_drained, srv);
    if (!srv->sig_int || !srv->sig_term || !srv->drain_timer || event_add(srv->sig_int, NULL) ||
        event_add(srv->sig_term, NULL)) {
        buf_printf(err, "cannot set up signal handling");
        return -1;
    }
    return bind_all(srv, err);
}

int
server_run(struct server *srv)
{
    int rc = event_base_dispatch(srv->base);
    log_info(&srv->log, "stopped");
    return rc < 0 ? -1 : 0;
}

void
server_free(struct server *srv)
{
    conn_free_all(srv);
    for (size_t i = 0; i < srv->nlisteners; i++)
        evconnlistener_free(srv->listeners[i]);
    if (srv->sig_int)
        event_free(srv->sig_int);
    if (srv->sig_term)
        event_free(srv->sig_term);
    if (srv->drain_timer)
        event_free(srv->drain_timer);
    if (srv->base)
        event_base_free(srv->base);
    tls_server_free(srv->tls);
    throttle_free(srv->throttle);
    fixtures_release(srv->fixtures);
    memset(srv, 0, sizeof(*srv));
}
