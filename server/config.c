#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "journal.h"
#include "store.h"
#include "throttle.h"

enum opt_kind { OPT_STRING, OPT_LISTEN, OPT_FLAG, OPT_UINT, OPT_SECONDS, OPT_STATUS, OPT_LEVEL };

struct option_def {
    const char *name;
    enum opt_kind kind;
    size_t offset;
    const char *arg;
    const char *help;
    /* The default, applied like a value from the command line before the environment and the
     * flags are read, and shown by --help: text (STRING, LISTEN, LEVEL), or a number. */
    const char *text_default;
    double number_default;
    int has_number_default;
};

#define TEXT_DEFAULT(v) (v), 0, 0
#define NUMBER_DEFAULT(v) NULL, (v), 1
#define NO_DEFAULT NULL, 0, 0

#define F(field) offsetof(struct config, field)

static const struct option_def defs[] = {
    {"listen", OPT_LISTEN, F(listen), "HOST:PORT",
     "address to serve on; repeat for several; IPv6 as [::1]:8443",
     TEXT_DEFAULT(CONFIG_DEFAULT_LISTEN)},
    {"fixtures", OPT_STRING, F(fixtures_dir), "DIR", "fixture set to serve",
     TEXT_DEFAULT(CONFIG_DEFAULT_FIXTURES_DIR)},
    {"certs-dir", OPT_STRING, F(certs_dir), "DIR",
     "where the development CA and server certificate live; made on first start",
     TEXT_DEFAULT(CONFIG_DEFAULT_CERTS_DIR)},
    {"state-dir", OPT_STRING, F(state_dir), "DIR",
     "the mock's own state: contacts and partners added at run time",
     TEXT_DEFAULT(CONFIG_DEFAULT_STATE_DIR)},
    {"cert", OPT_STRING, F(cert_file), "FILE", "your own PEM certificate chain (with --key)",
     NO_DEFAULT},
    {"key", OPT_STRING, F(key_file), "FILE", "your own PEM private key (with --cert)", NO_DEFAULT},
    {"cert-names", OPT_STRING, F(cert_names), "NAMES",
     "extra DNS names or IPs for the generated certificate, comma-separated (e.g. zapi-mock)",
     NO_DEFAULT},
    {"no-tls", OPT_FLAG, F(no_tls), NULL, "serve plain HTTP instead of HTTPS", NO_DEFAULT},
    {"log-level", OPT_LEVEL, F(log_level), "LEVEL", "error, warn, info or debug",
     TEXT_DEFAULT("info")},
    {"error-status", OPT_STATUS, F(error_status), "CODE",
     "HTTP status of ZAPI errors 1 and 3; the real API answers 200", NUMBER_DEFAULT(200)},
    {"max-body", OPT_UINT, F(max_body), "BYTES", "largest request body; more gets 413",
     NUMBER_DEFAULT(HTTP_DEFAULT_MAX_BODY_BYTES)},
    {"handshake-timeout", OPT_SECONDS, F(handshake_timeout), "SECONDS",
     "time allowed for the TLS handshake", NUMBER_DEFAULT(CONFIG_DEFAULT_HANDSHAKE_TIMEOUT_S)},
    {"request-timeout", OPT_SECONDS, F(request_timeout), "SECONDS",
     "time allowed to send a whole request; then 408",
     NUMBER_DEFAULT(CONFIG_DEFAULT_REQUEST_TIMEOUT_S)},
    {"idle-timeout", OPT_SECONDS, F(idle_timeout), "SECONDS",
     "idle keep-alive connections are closed after this",
     NUMBER_DEFAULT(CONFIG_DEFAULT_IDLE_TIMEOUT_S)},
    {"max-connections", OPT_UINT, F(max_connections), "N",
     "open connections at most; more are refused", NUMBER_DEFAULT(CONFIG_DEFAULT_MAX_CONNECTIONS)},
    {"workers", OPT_UINT, F(workers), "N", "event loops, each in its own thread; 0 = one per core",
     NUMBER_DEFAULT(0)},
    {"throttle-limit", OPT_UINT, F(throttle_limit), "N",
     "requests per window per client before throttling; 0 = off", NUMBER_DEFAULT(0)},
    {"throttle-window", OPT_SECONDS, F(throttle_window), "SECONDS",
     "the throttle's sliding window (ZAPI counts per minute)",
     NUMBER_DEFAULT(THROTTLE_DEFAULT_WINDOW)},
    {"throttle-every", OPT_UINT, F(throttle_every), "N",
     "throttle each Nth request of a client; 0 = off", NUMBER_DEFAULT(0)},
    {"throttle-status", OPT_STATUS, F(throttle_status), "CODE",
     "HTTP status of a throttled answer: 503 as documented, or 200 as seen live",
     NUMBER_DEFAULT(CONFIG_DEFAULT_THROTTLE_STATUS)},
    {"admin-token", OPT_STRING, F(admin_token), "TOKEN",
     "admin API needs Authorization: Bearer TOKEN (without it: loopback clients only)", NO_DEFAULT},
    {"watch", OPT_FLAG, F(watch), NULL, "reload the fixtures when files under --fixtures change",
     NO_DEFAULT},
    {"journal-size", OPT_UINT, F(journal_size), "N",
     "requests kept per client for GET /__admin/clients/TOKEN/requests",
     NUMBER_DEFAULT(JOURNAL_DEFAULT_SIZE)},
    {"journal-max-body", OPT_UINT, F(journal_max_body), "BYTES",
     "bytes of each request and response body kept in the journal",
     NUMBER_DEFAULT(JOURNAL_DEFAULT_MAX_BODY)},
    {"public-url", OPT_STRING, F(public_url), "URL",
     "base of the links the mock hands out, such as barcode images (without it: "
     "https://localhost:PORT of the first --listen)",
     NO_DEFAULT},
    {"cart-ttl", OPT_UINT, F(cart_ttl_s), "SECONDS", "idle carts expire after this many seconds",
     NUMBER_DEFAULT(STORE_DEFAULT_CART_TTL_S)},
    {"max-carts", OPT_UINT, F(max_carts), "N",
     "carts kept at most; the longest idle one makes room",
     NUMBER_DEFAULT(STORE_DEFAULT_MAX_CARTS)},
    {"max-bookings", OPT_UINT, F(max_bookings), "N", "bookings kept at most; the oldest makes room",
     NUMBER_DEFAULT(STORE_DEFAULT_MAX_BOOKINGS)},
    {"port-file", OPT_STRING, F(port_file), "FILE",
     "write the bound port of each --listen address to FILE, one per line", NO_DEFAULT},
    {"help", OPT_FLAG, F(help), NULL, "show this help and exit", NO_DEFAULT},
    {"version", OPT_FLAG, F(version), NULL, "show the version and exit", NO_DEFAULT},
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
clear_listen(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nlisten; i++)
        free(cfg->listen[i]);
    cfg->nlisten = 0;
}

/* Every option's default, through apply() like a value given on the command line. */
static int
apply_defaults(struct config *cfg, struct buf *err)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NDEFS; i++) {
        char num[32];
        const char *v = defs[i].text_default;
        if (defs[i].has_number_default) {
            snprintf(num, sizeof(num), "%.15g", defs[i].number_default);
            v = num;
        }
        if (v && apply(cfg, &defs[i], v, "default", err) < 0)
            return -1;
    }
    return 0;
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
        if (v && defs[i].kind == OPT_LISTEN)
            clear_listen(cfg); /* the environment's addresses replace the default */
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
    if (apply_defaults(cfg, err) < 0 || parse_env(cfg, env, err) < 0 ||
        parse_argv(cfg, argc, argv, err) < 0)
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
        fprintf(out, "  %-30s %s", flag, defs[i].help);
        if (defs[i].has_number_default)
            fprintf(out, " (default %.15g)", defs[i].number_default);
        else if (defs[i].text_default)
            fprintf(out, " (default %s)", defs[i].text_default);
        fputc('\n', out);
        if (strcmp(defs[i].name, "help") && strcmp(defs[i].name, "version")) {
            env_name(defs[i].name, env, sizeof(env));
            fprintf(out, "  %-30s   env %s\n", "", env);
        }
    }
    fprintf(out, "\nFlags override environment variables. Boolean variables take 1/0, true/false."
                 "\nSIGINT or SIGTERM stops the server.\n");
}
