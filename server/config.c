#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

enum opt_kind { OPT_STRING, OPT_LISTEN, OPT_FLAG, OPT_UINT, OPT_SECONDS, OPT_STATUS, OPT_LEVEL };

struct option_def {
    const char *name;
    enum opt_kind kind;
    size_t offset;
    const char *arg;
    const char *help;
};

#define F(field) offsetof(struct config, field)

static const struct option_def defs[] = {
    {"listen", OPT_LISTEN, F(listen), "HOST:PORT",
     "address to serve on; repeat for several; IPv6 as [::1]:8443 (default 127.0.0.1:8443)"},
    {"fixtures", OPT_STRING, F(fixtures_dir), "DIR", "fixture set to serve (default fixtures)"},
    {"certs-dir", OPT_STRING, F(certs_dir), "DIR",
     "where the development CA and server certificate live; made on first start (default certs)"},
    {"state-dir", OPT_STRING, F(state_dir), "DIR",
     "the mock's own state: contacts and partners added at run time (default state)"},
    {"cert", OPT_STRING, F(cert_file), "FILE", "your own PEM certificate chain (with --key)"},
    {"key", OPT_STRING, F(key_file), "FILE", "your own PEM private key (with --cert)"},
    {"cert-names", OPT_STRING, F(cert_names), "NAMES",
     "extra DNS names or IPs for the generated certificate, comma-separated (e.g. zapi-mock)"},
    {"no-tls", OPT_FLAG, F(no_tls), NULL, "serve plain HTTP instead of HTTPS"},
    {"log-level", OPT_LEVEL, F(log_level), "LEVEL", "error, warn, info or debug (default info)"},
    {"error-status", OPT_STATUS, F(error_status), "CODE",
     "HTTP status of ZAPI errors 1 and 3 (default 200, as the real API)"},
    {"max-body", OPT_UINT, F(max_body), "BYTES", "largest request body; more gets 413 (1048576)"},
    {"handshake-timeout", OPT_SECONDS, F(handshake_timeout), "SECONDS",
     "time allowed for the TLS handshake (default 10)"},
    {"request-timeout", OPT_SECONDS, F(request_timeout), "SECONDS",
     "time allowed to send a whole request; then 408 (default 30)"},
    {"idle-timeout", OPT_SECONDS, F(idle_timeout), "SECONDS",
     "idle keep-alive connections are closed after this (default 60)"},
    {"max-connections", OPT_UINT, F(max_connections), "N",
     "open connections at most; more are refused (default 4096)"},
    {"workers", OPT_UINT, F(workers), "N",
     "event loops, each in its own thread (default: one per core)"},
    {"throttle-limit", OPT_UINT, F(throttle_limit), "N",
     "requests per window per client before throttling; 0 = off (default 0)"},
    {"throttle-window", OPT_SECONDS, F(throttle_window), "SECONDS",
     "the throttle's sliding window (default 60: ZAPI counts per minute)"},
    {"throttle-every", OPT_UINT, F(throttle_every), "N",
     "throttle each Nth request of a client; 0 = off (default 0)"},
    {"throttle-status", OPT_STATUS, F(throttle_status), "CODE",
     "HTTP status of a throttled answer: 503 as documented, or 200 as seen live (default 503)"},
    {"admin-token", OPT_STRING, F(admin_token), "TOKEN",
     "admin API needs Authorization: Bearer TOKEN (without it: loopback clients only)"},
    {"watch", OPT_FLAG, F(watch), NULL, "reload the fixtures when files under --fixtures change"},
    {"journal-size", OPT_UINT, F(journal_size), "N",
     "requests kept per client for GET /__admin/clients/TOKEN/requests (default 20)"},
    {"journal-max-body", OPT_UINT, F(journal_max_body), "BYTES",
     "bytes of each request and response body kept in the journal (default 16384)"},
    {"public-url", OPT_STRING, F(public_url), "URL",
     "base of the links the mock hands out, such as barcode images (default "
     "https://localhost:PORT of the first --listen)"},
    {"cart-ttl", OPT_UINT, F(cart_ttl_s), "SECONDS",
     "idle carts expire after this many seconds (default 7200)"},
    {"max-carts", OPT_UINT, F(max_carts), "N",
     "carts kept at most; the longest idle one makes room (default 10000)"},
    {"max-bookings", OPT_UINT, F(max_bookings), "N",
     "bookings kept at most; the oldest makes room (default 10000)"},
    {"port-file", OPT_STRING, F(port_file), "FILE",
     "write the bound port of each --listen address to FILE, one per line"},
    {"help", OPT_FLAG, F(help), NULL, "show this help and exit"},
    {"version", OPT_FLAG, F(version), NULL, "show the version and exit"},
};

#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static void
env_name(const char *flag, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "ZAPI_MOCK_");
    for (; *flag && n + 1 < len; flag++)
        out[n++] = *flag == '-' ? '_' : (char)toupper((unsigned char)*flag);
    out[n] = '\0';
}

static int
set_string(char **dst, const char *v)
{
    char *s = strdup(v);
    if (!s)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

/* Several addresses: repeated flags, or a comma- or space-separated environment value. */
static int
add_listen(struct config *cfg, const char *v, struct buf *err, const char *src)
{
    char *copy = strdup(v), *save = NULL;
    if (!copy)
        return -1;
    for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (cfg->nlisten == CONFIG_MAX_LISTEN) {
            buf_printf(err, "%s: more than %d listen addresses", src, CONFIG_MAX_LISTEN);
            free(copy);
            return -1;
        }
        cfg->listen[cfg->nlisten] = strdup(tok);
        if (!cfg->listen[cfg->nlisten++]) {
            free(copy);
            return -1;
        }
    }
    free(copy);
    return 0;
}

static int
parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !*v) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int
apply(struct config *cfg, const struct option_def *d, const char *v, const char *src,
      struct buf *err)
{
    char *base = (char *)cfg + d->offset;
    char *end = NULL;
    switch (d->kind) {
    case OPT_STRING:
        if (!*v) {
            buf_printf(err, "%s: needs a value", src);
            return -1;
        }
        return set_string((char **)base, v);
    case OPT_LISTEN:
        return add_listen(cfg, v, err, src);
    case OPT_FLAG:
        if (parse_bool(v, (int *)base) == 0)
            return 0;
        buf_printf(err, "%s: \"%s\" is not true or false", src, v);
        return -1;
    case OPT_LEVEL:
        if (log_level_parse(v, (enum log_level *)base) == 0)
            return 0;
        buf_printf(err, "%s: \"%s\" is not error, warn, info or debug", src, v);
        return -1;
    case OPT_UINT: {
        unsigned long long n = strtoull(v, &end, 10);
        if (!*v || *end || v[0] == '-' || n > 0xFFFFFFFFull) {
            buf_printf(err, "%s: \"%s\" is not a whole number", src, v);
            return -1;
        }
        if (d->offset == F(max_body))
            cfg->max_body = (size_t)n;
        else if (d->offset == F(journal_max_body))
            cfg->journal_max_body = (size_t)n;
        else
            *(unsigned *)base = (unsigned)n;
        return 0;
    }
    case OPT_SECONDS: {
        double s = strtod(v, &end);
        if (!*v || *end || !(s > 0) || s > 86400) {
            buf_printf(err, "%s: \"%s\" is not a number of seconds in (0, 86400]", src, v);
            return -1;
        }
        *(double *)base = s;
        return 0;
    }
    case OPT_STATUS: {
        long s = strtol(v, &end, 10);
        if (!*v || *end || s < 200 || s > 599) {
            buf_printf(err, "%s: \"%s\" is not an HTTP status from 200 to 599", src, v);
            return -1;
        }
        *(int *)base = (int)s;
        return 0;
    }
    }
    return -1;
}

static void
defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->error_status = 200;
    cfg->max_body = 1024 * 1024;
    cfg->handshake_timeout = 10;
    cfg->request_timeout = 30;
    cfg->idle_timeout = 60;
    cfg->max_connections = 4096;
    cfg->throttle_window = 60;
    cfg->throttle_status = 503;
    cfg->journal_size = 20;
    cfg->journal_max_body = 16 * 1024;
    cfg->cart_ttl_s = STORE_DEFAULT_CART_TTL_S;
    cfg->max_carts = STORE_DEFAULT_MAX_CARTS;
    cfg->max_bookings = STORE_DEFAULT_MAX_BOOKINGS;
}

static void
clear_listen(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nlisten; i++)
        free(cfg->listen[i]);
    cfg->nlisten = 0;
}

static int
parse_env(struct config *cfg, config_getenv env, struct buf *err)
{
    for (size_t i = 0; env && i < NDEFS; i++) {
        if (defs[i].offset == F(help) || defs[i].offset == F(version))
            continue; /* flags only */
        char name[64];
        env_name(defs[i].name, name, sizeof(name));
        const char *v = env(name);
        if (v && apply(cfg, &defs[i], v, name, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_argv(struct config *cfg, int argc, char **argv, struct buf *err)
{
    struct option longopts[NDEFS + 1];
    memset(longopts, 0, sizeof(longopts));
    for (size_t i = 0; i < NDEFS; i++) {
        longopts[i].name = defs[i].name;
        longopts[i].has_arg = defs[i].kind == OPT_FLAG ? no_argument : required_argument;
        longopts[i].val = 1000 + (int)i;
    }
    int listen_from_argv = 0, c, idx;
    optind = 0; /* 0, not 1: glibc then forgets the state of any earlier parse */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
        if (c == 'h') {
            cfg->help = 1;
            continue;
        }
        if (c < 1000) {
            if (optopt > 0 && optopt < 1000)
                buf_printf(err, "unknown or incomplete option \"-%c\" (see --help)", optopt);
            else
                buf_printf(err, "unknown or incomplete option \"%s\" (see --help)",
                           argv[optind - 1]);
            return -1;
        }
        const struct option_def *d = &defs[c - 1000];
        char src[64];
        snprintf(src, sizeof(src), "--%s", d->name);
        /* Flags replace the environment's addresses rather than add to them. */
        if (d->kind == OPT_LISTEN && !listen_from_argv++)
            clear_listen(cfg);
        if (apply(cfg, d, d->kind == OPT_FLAG ? "1" : optarg, src, err) < 0)
            return -1;
    }
    if (optind < argc) {
        buf_printf(err, "unexpected argument \"%s\" (see --help)", argv[optind]);
        return -1;
    }
    return 0;
}

int
config_parse(struct config *cfg, int argc, char **argv, config_getenv env, struct buf *err)
{
    defaults(cfg);
    if (parse_env(cfg, env, err) < 0 || parse_argv(cfg, argc, argv, err) < 0)
        return -1;
    if (cfg->nlisten == 0 && add_listen(cfg, "127.0.0.1:8443", err, "default") < 0)
        return -1;
    if (!cfg->fixtures_dir && set_string(&cfg->fixtures_dir, "fixtures") < 0)
        return -1;
    if (!cfg->certs_dir && set_string(&cfg->certs_dir, "certs") < 0)
        return -1;
    if (!cfg->state_dir && set_string(&cfg->state_dir, "state") < 0)
        return -1;
    if (!cfg->cert_file != !cfg->key_file) {
        buf_printf(err, "--cert and --key go together: give both or neither");
        return -1;
    }
    if (cfg->journal_size == 0 || cfg->journal_size > 10000) {
        buf_printf(err, "--journal-size: must be from 1 to 10000");
        return -1;
    }
    if (cfg->admin_token && strlen(cfg->admin_token) < 8) {
        buf_printf(err, "--admin-token: use at least 8 characters");
        return -1;
    }
    if (cfg->max_body == 0) {
        buf_printf(err, "--max-body: must be at least 1");
        return -1;
    }
    if (cfg->workers > CONFIG_MAX_WORKERS) {
        buf_printf(err, "--workers: must be from 1 to %d (0: one per core)", CONFIG_MAX_WORKERS);
        return -1;
    }
    return 0;
}

void
config_free(struct config *cfg)
{
    clear_listen(cfg);
    free(cfg->fixtures_dir);
    free(cfg->certs_dir);
    free(cfg->state_dir);
    free(cfg->cert_file);
    free(cfg->key_file);
    free(cfg->cert_names);
    free(cfg->port_file);
    free(cfg->admin_token);
    free(cfg->public_url);
    memset(cfg, 0, sizeof(*cfg));
}

void
config_usage(FILE *out, const char *prog)
{
    fprintf(
        out,
        "Usage: %s [OPTION]...\n"
        "A mock of Zaui's ZAPI: answers ZAPI requests (XML or JSON) over HTTPS from fixtures.\n\n",
        prog);
    for (size_t i = 0; i < NDEFS; i++) {
        char flag[64], env[64];
        snprintf(flag, sizeof(flag), "--%s%s%s", defs[i].name, defs[i].arg ? " " : "",
                 defs[i].arg ? defs[i].arg : "");
        fprintf(out, "  %-30s %s\n", flag, defs[i].help);
        if (strcmp(defs[i].name, "help") && strcmp(defs[i].name, "version")) {
            env_name(defs[i].name, env, sizeof(env));
            fprintf(out, "  %-30s   env %s\n", "", env);
        }
    }
    fprintf(out, "\nFlags override environment variables. Boolean variables take 1/0, true/false."
                 "\nSIGINT or SIGTERM stops the server.\n");
}
