/* Unit tests for config: defaults, flags, ZAPI_MOCK_* variables through a fake getenv, which
 * wins, every refusal with the flag or variable named, and the usage text. */
#include "config.h"

#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

/* ---- a fake environment ---- */

#define MAX_VARS 32
static const char *var_names[MAX_VARS];
static const char *var_values[MAX_VARS];
static size_t nvars;

static void
env_set(const char *name, const char *value)
{
    ck_assert_uint_lt(nvars, MAX_VARS);
    var_names[nvars] = name;
    var_values[nvars++] = value;
}

static const char *
fake_getenv(const char *name)
{
    for (size_t i = nvars; i-- > 0;)
        if (strcmp(var_names[i], name) == 0)
            return var_values[i];
    return NULL;
}

/* Names the server asked for, to check that every flag has its variable. */
static char asked[64][64];
static size_t nasked;

static const char *
recording_getenv(const char *name)
{
    if (nasked < 64)
        snprintf(asked[nasked++], sizeof(asked[0]), "%s", name);
    return NULL;
}

static void
reset_getopt(void)
{
    /* glibc keeps scanning state between getopt calls; optind = 0 makes it start over, so one
     * test's leftovers never reach the next when CK_FORK=no. */
    char arg0[] = "reset";
    char *argv[] = {arg0, NULL};
    optind = 0;
    opterr = 0;
    while (getopt(1, argv, "") != -1)
        ;
}

static void
setup(void)
{
    nvars = 0;
    nasked = 0;
    reset_getopt();
}

static void
teardown(void)
{
    reset_getopt();
}

/* ---- parsing helpers: argv given as a NULL-terminated list of literals ---- */

struct args {
    char *v[40];
    int c;
};

static void
make_args(struct args *a, const char *const *list)
{
    a->c = 0;
    a->v[a->c++] = strdup("zapi-mock");
    for (; *list; list++) {
        ck_assert_int_lt(a->c, 39);
        a->v[a->c++] = strdup(*list);
    }
    a->v[a->c] = NULL;
}

static void
free_args(struct args *a)
{
    for (int i = 0; i < a->c; i++)
        free(a->v[i]);
}

/* config_parse as a long-running caller would use it: a fresh argv each time, freed after. */
static int
parse_raw(struct config *cfg, const char *const *list, struct buf *err)
{
    struct args a;
    make_args(&a, list);
    int rc = config_parse(cfg, a.c, a.v, fake_getenv, err);
    free_args(&a);
    return rc;
}

/* The same, with glibc's getopt state cleared first, so that tests of other behaviour do not
 * trip over the stale state config_parse leaves (see test_reparse_*). */
static int
parse(struct config *cfg, const char *const *list, struct buf *err)
{
    reset_getopt();
    return parse_raw(cfg, list, err);
}

static void
parse_ok(struct config *cfg, const char *const *list)
{
    struct buf err = BUF_INIT;
    int rc = parse(cfg, list, &err);
    ck_assert_msg(rc == 0, "config_parse failed: %s", err.data);
    ck_assert_ptr_null(err.data);
    buf_free(&err);
}

/* Parse must fail with an error holding want. Freed before asserting: leak-free on failure. */
static void
parse_fails(const char *const *list, const char *want)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    int rc = parse(&cfg, list, &err);
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "(none)");
    config_free(&cfg); /* "cfg must be freed with config_free() either way" */
    buf_free(&err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(msg, want) != NULL, "error \"%s\" lacks \"%s\"", msg, want);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_ARGS ((const char *const[]){NULL})

static void
assert_defaults(const struct config *cfg)
{
    ck_assert_uint_eq(cfg->nlisten, 1);
    ck_assert_str_eq(cfg->listen[0], "127.0.0.1:8443");
    ck_assert_str_eq(cfg->fixtures_dir, "fixtures");
    ck_assert_str_eq(cfg->certs_dir, "certs");
    ck_assert_ptr_null(cfg->cert_file);
    ck_assert_ptr_null(cfg->key_file);
    ck_assert_ptr_null(cfg->port_file);
    ck_assert_int_eq(cfg->no_tls, 0);
    ck_assert_int_eq(cfg->log_level, LOG_LEVEL_INFO);
    ck_assert_int_eq(cfg->error_status, 200);
    ck_assert_uint_eq(cfg->max_body, 1024 * 1024);
    ck_assert_double_eq(cfg->handshake_timeout, 10);
    ck_assert_double_eq(cfg->request_timeout, 30);
    ck_assert_double_eq(cfg->idle_timeout, 60);
    ck_assert_uint_eq(cfg->max_connections, 4096);
    ck_assert_uint_eq(cfg->throttle_limit, 0);
    ck_assert_double_eq(cfg->throttle_window, 60);
    ck_assert_uint_eq(cfg->throttle_every, 0);
    ck_assert_int_eq(cfg->throttle_status, 503);
    ck_assert_int_eq(cfg->help, 0);
    ck_assert_int_eq(cfg->version, 0);
    ck_assert_ptr_null(cfg->admin_token);
    ck_assert_int_eq(cfg->watch, 0);
    ck_assert_uint_eq(cfg->journal_size, 20);
    ck_assert_uint_eq(cfg->journal_max_body, 16 * 1024);
}

/* ---- defaults ---- */

START_TEST(test_defaults)
{
    struct config cfg;
    parse_ok(&cfg, NO_ARGS);
    assert_defaults(&cfg);
    config_free(&cfg);
    ck_assert_uint_eq(cfg.nlisten, 0);
    ck_assert_ptr_null(cfg.fixtures_dir);
    config_free(&cfg); /* twice is harmless */

    /* A NULL getenv is no environment at all. */
    struct buf err = BUF_INIT;
    char arg0[] = "zapi-mock";
    char *argv[] = {arg0, NULL};
    ck_assert_int_eq(config_parse(&cfg, 1, argv, NULL, &err), 0);
    assert_defaults(&cfg);
    config_free(&cfg);
    buf_free(&err);
}
END_TEST

/* ---- flags ---- */

START_TEST(test_flags)
{
    struct config cfg;
    parse_ok(&cfg,
             ARGS("--listen", "0.0.0.0:9443", "--fixtures", "/srv/fx", "--certs-dir", "/c",
                  "--cert", "/c/s.pem", "--key", "/c/s.key", "--no-tls", "--log-level", "debug",
                  "--error-status", "400", "--max-body", "2048", "--handshake-timeout", "2.5",
                  "--request-timeout", "7", "--idle-timeout", "0.25", "--max-connections", "10",
                  "--throttle-limit", "100", "--throttle-window", "30", "--throttle-every", "3",
                  "--throttle-status", "200", "--port-file", "/tmp/ports"));
    ck_assert_uint_eq(cfg.nlisten, 1);
    ck_assert_str_eq(cfg.listen[0], "0.0.0.0:9443");
    ck_assert_str_eq(cfg.fixtures_dir, "/srv/fx");
    ck_assert_str_eq(cfg.certs_dir, "/c");
    ck_assert_str_eq(cfg.cert_file, "/c/s.pem");
    ck_assert_str_eq(cfg.key_file, "/c/s.key");
    ck_assert_str_eq(cfg.port_file, "/tmp/ports");
    ck_assert_int_eq(cfg.no_tls, 1);
    ck_assert_int_eq(cfg.log_level, LOG_LEVEL_DEBUG);
    ck_assert_int_eq(cfg.error_status, 400);
    ck_assert_uint_eq(cfg.max_body, 2048);
    ck_assert_double_eq(cfg.handshake_timeout, 2.5);
    ck_assert_double_eq(cfg.request_timeout, 7);
    ck_assert_double_eq(cfg.idle_timeout, 0.25);
    ck_assert_uint_eq(cfg.max_connections, 10);
    ck_assert_uint_eq(cfg.throttle_limit, 100);
    ck_assert_double_eq(cfg.throttle_window, 30);
    ck_assert_uint_eq(cfg.throttle_every, 3);
    ck_assert_int_eq(cfg.throttle_status, 200);
    ck_assert_int_eq(cfg.help, 0);
    config_free(&cfg);
}
END_TEST

START_TEST(test_flags_equals_form_and_help)
{
    struct config cfg;
    parse_ok(&cfg, ARGS("--max-body=4096", "--log-level=warn", "--fixtures=fx"));
    ck_assert_uint_eq(cfg.max_body, 4096);
    ck_assert_int_eq(cfg.log_level, LOG_LEVEL_WARN);
    ck_assert_str_eq(cfg.fixtures_dir, "fx");
    config_free(&cfg);

    parse_ok(&cfg, ARGS("--help"));
    ck_assert_int_eq(cfg.help, 1);
    config_free(&cfg);
    parse_ok(&cfg, ARGS("-h"));
    ck_assert_int_eq(cfg.help, 1);
    config_free(&cfg);
    parse_ok(&cfg, ARGS("--version"));
    ck_assert_int_eq(cfg.version, 1);
    ck_assert_int_eq(cfg.help, 0);
    config_free(&cfg);

    /* The last of a repeated flag wins. */
    parse_ok(&cfg,
             ARGS("--fixtures", "a", "--fixtures", "b", "--max-body", "1", "--max-body", "2"));
    ck_assert_str_eq(cfg.fixtures_dir, "b");
    ck_assert_uint_eq(cfg.max_body, 2);
    config_free(&cfg);
}
END_TEST

START_TEST(test_admin_and_journal)
{
    struct config cfg;
    parse_ok(&cfg, ARGS("--admin-token", "s3cr3t-token", "--watch", "--journal-size", "10000",
                        "--journal-max-body", "0"));
    ck_assert_str_eq(cfg.admin_token, "s3cr3t-token");
    ck_assert_int_eq(cfg.watch, 1);
    ck_assert_uint_eq(cfg.journal_size, 10000);
    ck_assert_uint_eq(cfg.journal_max_body, 0);
    config_free(&cfg);
    env_set("ZAPI_MOCK_ADMIN_TOKEN", "12345678");
    env_set("ZAPI_MOCK_WATCH", "yes");
    env_set("ZAPI_MOCK_JOURNAL_SIZE", "1");
    env_set("ZAPI_MOCK_JOURNAL_MAX_BODY", "4294967295");
    parse_ok(&cfg, NO_ARGS);
    ck_assert_str_eq(cfg.admin_token, "12345678");
    ck_assert_int_eq(cfg.watch, 1);
    ck_assert_uint_eq(cfg.journal_size, 1);
    ck_assert_uint_eq(cfg.journal_max_body, 4294967295u);
    config_free(&cfg);

    nvars = 0;
    parse_fails(ARGS("--journal-size", "0"), "--journal-size: must be from 1 to 10000");
    parse_fails(ARGS("--journal-size", "10001"), "--journal-size: must be from 1 to 10000");
    parse_fails(ARGS("--journal-size", "x"), "--journal-size: \"x\" is not a whole number");
    parse_fails(ARGS("--journal-max-body", "-1"), "--journal-max-body");
    parse_fails(ARGS("--admin-token", "1234567"), "--admin-token: use at least 8 characters");
    parse_fails(ARGS("--admin-token", ""), "--admin-token: needs a value");
    env_set("ZAPI_MOCK_WATCH", "sometimes");
    parse_fails(NO_ARGS, "ZAPI_MOCK_WATCH: \"sometimes\" is not true or false");
}
END_TEST

START_TEST(test_log_levels)
{
    const char *names[] = {"error", "warn", "warning", "info", "debug"};
    const enum log_level levels[] = {LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_WARN,
                                     LOG_LEVEL_INFO, LOG_LEVEL_DEBUG};
    for (int i = 0; i < 5; i++) {
        struct config cfg;
        parse_ok(&cfg, ARGS("--log-level", names[i]));
        ck_assert_int_eq(cfg.log_level, levels[i]);
        config_free(&cfg);
    }
}
END_TEST

START_TEST(test_limits_of_numbers)
{
    struct config cfg;
    parse_ok(&cfg, ARGS("--max-body", "4294967295", "--throttle-limit", "0", "--error-status",
                        "599", "--throttle-status", "200", "--idle-timeout", "86400",
                        "--request-timeout", "1e-3"));
    ck_assert_uint_eq(cfg.max_body, 4294967295u);
    ck_assert_uint_eq(cfg.throttle_limit, 0);
    ck_assert_int_eq(cfg.error_status, 599);
    ck_assert_double_eq(cfg.idle_timeout, 86400);
    ck_assert_double_eq(cfg.request_timeout, 1e-3);
    config_free(&cfg);
}
END_TEST

START_TEST(test_workers)
{
    struct config cfg;
    parse_ok(&cfg, ARGS("--fixtures", "fx"));
    ck_assert_uint_eq(cfg.workers, 0); /* one per core, decided by the server */
    config_free(&cfg);
    parse_ok(&cfg, ARGS("--workers", "64"));
    ck_assert_uint_eq(cfg.workers, 64);
    config_free(&cfg);
    parse_fails(ARGS("--workers", "65"), "--workers");
    parse_fails(ARGS("--workers", "two"), "--workers");
}
END_TEST

/* ---- environment ---- */

START_TEST(test_env_vars)
{
    env_set("ZAPI_MOCK_LISTEN", "[::1]:8443");
    env_set("ZAPI_MOCK_FIXTURES", "/env/fx");
    env_set("ZAPI_MOCK_CERTS_DIR", "/env/certs");
    env_set("ZAPI_MOCK_CERT", "/env/cert.pem");
    env_set("ZAPI_MOCK_KEY", "/env/key.pem");
    env_set("ZAPI_MOCK_NO_TLS", "true");
    env_set("ZAPI_MOCK_LOG_LEVEL", "error");
    env_set("ZAPI_MOCK_ERROR_STATUS", "401");
    env_set("ZAPI_MOCK_MAX_BODY", "10");
    env_set("ZAPI_MOCK_HANDSHAKE_TIMEOUT", "1.5");
    env_set("ZAPI_MOCK_REQUEST_TIMEOUT", "2");
    env_set("ZAPI_MOCK_IDLE_TIMEOUT", "3");
    env_set("ZAPI_MOCK_MAX_CONNECTIONS", "5");
    env_set("ZAPI_MOCK_THROTTLE_LIMIT", "6");
    env_set("ZAPI_MOCK_THROTTLE_WINDOW", "7");
    env_set("ZAPI_MOCK_THROTTLE_EVERY", "8");
    env_set("ZAPI_MOCK_THROTTLE_STATUS", "429");
    env_set("ZAPI_MOCK_PORT_FILE", "/env/ports");
    struct config cfg;
    parse_ok(&cfg, NO_ARGS);
    ck_assert_uint_eq(cfg.nlisten, 1);
    ck_assert_str_eq(cfg.listen[0], "[::1]:8443");
    ck_assert_str_eq(cfg.fixtures_dir, "/env/fx");
    ck_assert_str_eq(cfg.certs_dir, "/env/certs");
    ck_assert_str_eq(cfg.cert_file, "/env/cert.pem");
    ck_assert_str_eq(cfg.key_file, "/env/key.pem");
    ck_assert_str_eq(cfg.port_file, "/env/ports");
    ck_assert_int_eq(cfg.no_tls, 1);
    ck_assert_int_eq(cfg.log_level, LOG_LEVEL_ERROR);
    ck_assert_int_eq(cfg.error_status, 401);
    ck_assert_uint_eq(cfg.max_body, 10);
    ck_assert_double_eq(cfg.handshake_timeout, 1.5);
    ck_assert_double_eq(cfg.request_timeout, 2);
    ck_assert_double_eq(cfg.idle_timeout, 3);
    ck_assert_uint_eq(cfg.max_connections, 5);
    ck_assert_uint_eq(cfg.throttle_limit, 6);
    ck_assert_double_eq(cfg.throttle_window, 7);
    ck_assert_uint_eq(cfg.throttle_every, 8);
    ck_assert_int_eq(cfg.throttle_status, 429);
    config_free(&cfg);
}
END_TEST

START_TEST(test_env_names_asked)
{
    /* Every flag but help and version has a ZAPI_MOCK_ variable named after it. */
    struct config cfg;
    struct buf err = BUF_INIT;
    char arg0[] = "zapi-mock";
    char *argv[] = {arg0, NULL};
    ck_assert_int_eq(config_parse(&cfg, 1, argv, recording_getenv, &err), 0);
    const char *want[] = {
        "ZAPI_MOCK_LISTEN",
        "ZAPI_MOCK_FIXTURES",
        "ZAPI_MOCK_CERTS_DIR",
        "ZAPI_MOCK_CERT",
        "ZAPI_MOCK_KEY",
        "ZAPI_MOCK_NO_TLS",
        "ZAPI_MOCK_LOG_LEVEL",
        "ZAPI_MOCK_ERROR_STATUS",
        "ZAPI_MOCK_MAX_BODY",
        "ZAPI_MOCK_HANDSHAKE_TIMEOUT",
        "ZAPI_MOCK_REQUEST_TIMEOUT",
        "ZAPI_MOCK_IDLE_TIMEOUT",
        "ZAPI_MOCK_MAX_CONNECTIONS",
        "ZAPI_MOCK_THROTTLE_LIMIT",
        "ZAPI_MOCK_THROTTLE_WINDOW",
        "ZAPI_MOCK_THROTTLE_EVERY",
        "ZAPI_MOCK_THROTTLE_STATUS",
        "ZAPI_MOCK_PORT_FILE",
        "ZAPI_MOCK_ADMIN_TOKEN",
        "ZAPI_MOCK_WATCH",
        "ZAPI_MOCK_JOURNAL_SIZE",
        "ZAPI_MOCK_JOURNAL_MAX_BODY",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        int found = 0;
        for (size_t k = 0; k < nasked; k++)
            found |= strcmp(asked[k], want[i]) == 0;
        ck_assert_msg(found, "%s was never looked up", want[i]);
    }
    for (size_t k = 0; k < nasked; k++)
        ck_assert_int_eq(strncmp(asked[k], "ZAPI_MOCK_", 10), 0);
    config_free(&cfg);
    buf_free(&err);
}
END_TEST

START_TEST(test_env_help_version_ignored)
{
    /* Regression (fixed): parse_env walks every option, help and version included, although the
     * usage text gives them no variable. ZAPI_MOCK_HELP=1 in the environment makes the server print
     * its help and exit instead of serving, and ZAPI_MOCK_VERSION=0.1.0 (a natural name for an
     * image label) makes it refuse to start ("ZAPI_MOCK_VERSION: "0.1.0" is not true or
     * false"). Expected: both variables ignored, like any other unknown one. */
    env_set("ZAPI_MOCK_HELP", "1");
    env_set("ZAPI_MOCK_VERSION", "0.1.0");
    struct config cfg;
    struct buf err = BUF_INIT;
    int rc = parse(&cfg, NO_ARGS, &err);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "");
    int help = cfg.help, version = cfg.version;
    config_free(&cfg);
    buf_free(&err);
    ck_assert_msg(rc == 0, "refused: %s", msg);
    ck_assert_int_eq(help, 0);
    ck_assert_int_eq(version, 0);
}
END_TEST

START_TEST(test_env_booleans)
{
    const char *yes[] = {"1", "true", "TRUE", "yes", "Yes", ""};
    const char *no[] = {"0", "false", "False", "no", "NO"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        nvars = 0;
        env_set("ZAPI_MOCK_NO_TLS", yes[i]);
        struct config cfg;
        parse_ok(&cfg, NO_ARGS);
        ck_assert_msg(cfg.no_tls == 1, "\"%s\" is not true", yes[i]);
        config_free(&cfg);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        nvars = 0;
        env_set("ZAPI_MOCK_NO_TLS", no[i]);
        struct config cfg;
        parse_ok(&cfg, NO_ARGS);
        ck_assert_msg(cfg.no_tls == 0, "\"%s\" is not false", no[i]);
        config_free(&cfg);
    }
}
END_TEST

START_TEST(test_flags_override_env)
{
    env_set("ZAPI_MOCK_FIXTURES", "/env/fx");
    env_set("ZAPI_MOCK_MAX_BODY", "10");
    env_set("ZAPI_MOCK_LOG_LEVEL", "error");
    env_set("ZAPI_MOCK_THROTTLE_STATUS", "429");
    env_set("ZAPI_MOCK_NO_TLS", "0");
    env_set("ZAPI_MOCK_IDLE_TIMEOUT", "5");
    struct config cfg;
    parse_ok(&cfg, ARGS("--fixtures", "/flag/fx", "--max-body", "20", "--log-level", "debug",
                        "--no-tls"));
    ck_assert_str_eq(cfg.fixtures_dir, "/flag/fx");
    ck_assert_uint_eq(cfg.max_body, 20);
    ck_assert_int_eq(cfg.log_level, LOG_LEVEL_DEBUG);
    ck_assert_int_eq(cfg.no_tls, 1);
    /* Not given as flags: the environment's. */
    ck_assert_int_eq(cfg.throttle_status, 429);
    ck_assert_double_eq(cfg.idle_timeout, 5);
    config_free(&cfg);

    /* A bad variable is an error even when a flag would override it. */
    nvars = 0;
    env_set("ZAPI_MOCK_MAX_BODY", "lots");
    parse_fails(ARGS("--max-body", "20"), "ZAPI_MOCK_MAX_BODY");
}
END_TEST

/* ---- listen addresses ---- */

START_TEST(test_listen_repeated)
{
    struct config cfg;
    parse_ok(&cfg, ARGS("--listen", "127.0.0.1:1", "--listen", "[::1]:2", "--listen=[::]:0",
                        "--listen", "[fe80::1%lo]:443", "--listen", "localhost:8443"));
    ck_assert_uint_eq(cfg.nlisten, 5);
    ck_assert_str_eq(cfg.listen[0], "127.0.0.1:1");
    ck_assert_str_eq(cfg.listen[1], "[::1]:2");
    ck_assert_str_eq(cfg.listen[2], "[::]:0");
    ck_assert_str_eq(cfg.listen[3], "[fe80::1%lo]:443");
    ck_assert_str_eq(cfg.listen[4], "localhost:8443");
    config_free(&cfg);
    /* One flag value may hold a list too. */
    parse_ok(&cfg, ARGS("--listen", "a:1,b:2"));
    ck_assert_uint_eq(cfg.nlisten, 2);
    ck_assert_str_eq(cfg.listen[1], "b:2");
    config_free(&cfg);
}
END_TEST

START_TEST(test_listen_env_list)
{
    env_set("ZAPI_MOCK_LISTEN", "a:1,b:2");
    struct config cfg;
    parse_ok(&cfg, NO_ARGS);
    ck_assert_uint_eq(cfg.nlisten, 2);
    ck_assert_str_eq(cfg.listen[0], "a:1");
    ck_assert_str_eq(cfg.listen[1], "b:2");
    config_free(&cfg);

    nvars = 0;
    env_set("ZAPI_MOCK_LISTEN", " [::1]:1  127.0.0.1:2,, [::]:3 ,");
    parse_ok(&cfg, NO_ARGS);
    ck_assert_uint_eq(cfg.nlisten, 3);
    ck_assert_str_eq(cfg.listen[0], "[::1]:1");
    ck_assert_str_eq(cfg.listen[1], "127.0.0.1:2");
    ck_assert_str_eq(cfg.listen[2], "[::]:3");
    config_free(&cfg);
}
END_TEST

START_TEST(test_listen_argv_replaces_env)
{
    env_set("ZAPI_MOCK_LISTEN", "a:1,b:2");
    struct config cfg;
    parse_ok(&cfg, ARGS("--listen", "c:3", "--listen", "d:4"));
    ck_assert_uint_eq(cfg.nlisten, 2);
    ck_assert_str_eq(cfg.listen[0], "c:3");
    ck_assert_str_eq(cfg.listen[1], "d:4");
    config_free(&cfg);
}
END_TEST

START_TEST(test_listen_too_many)
{
    struct buf list = BUF_INIT;
    for (int i = 0; i < CONFIG_MAX_LISTEN; i++)
        buf_printf(&list, "%sh:%d", i ? "," : "", i);
    env_set("ZAPI_MOCK_LISTEN", list.data);
    struct config cfg;
    parse_ok(&cfg, NO_ARGS);
    ck_assert_uint_eq(cfg.nlisten, CONFIG_MAX_LISTEN);
    config_free(&cfg);
    buf_append_str(&list, ",one:more");
    nvars = 0;
    env_set("ZAPI_MOCK_LISTEN", list.data);
    parse_fails(NO_ARGS, "ZAPI_MOCK_LISTEN: more than 16 listen addresses");
    nvars = 0;
    buf_free(&list);

    const char *many[2 * CONFIG_MAX_LISTEN + 3];
    int n = 0;
    for (int i = 0; i <= CONFIG_MAX_LISTEN; i++) {
        many[n++] = "--listen";
        many[n++] = "x:1";
    }
    many[n] = NULL;
    parse_fails(many, "--listen: more than 16 listen addresses");
}
END_TEST

/* ---- refusals ---- */

START_TEST(test_bad_numbers)
{
    parse_fails(ARGS("--max-body", "abc"), "--max-body: \"abc\" is not a whole number");
    parse_fails(ARGS("--max-body", "-1"), "--max-body: \"-1\" is not a whole number");
    parse_fails(ARGS("--max-body", "4294967296"), "--max-body");
    parse_fails(ARGS("--max-body", "12k"), "--max-body");
    parse_fails(ARGS("--max-body", ""), "--max-body: \"\" is not a whole number");
    parse_fails(ARGS("--max-body", "0"), "--max-body: must be at least 1");
    parse_fails(ARGS("--max-connections", "1.5"), "--max-connections: \"1.5\"");
    parse_fails(ARGS("--throttle-limit", "ten"), "--throttle-limit");
    parse_fails(ARGS("--throttle-every", "-3"), "--throttle-every");
    parse_fails(ARGS("--handshake-timeout", "0"),
                "--handshake-timeout: \"0\" is not a number of seconds in (0, 86400]");
    parse_fails(ARGS("--request-timeout", "-1"), "--request-timeout");
    parse_fails(ARGS("--idle-timeout", "86401"), "--idle-timeout");
    parse_fails(ARGS("--throttle-window", "nan"), "--throttle-window");
    parse_fails(ARGS("--throttle-window", "inf"), "--throttle-window");
    parse_fails(ARGS("--throttle-window", "1m"), "--throttle-window");
    parse_fails(ARGS("--idle-timeout", ""), "--idle-timeout");
}
END_TEST

START_TEST(test_bad_env_numbers)
{
    env_set("ZAPI_MOCK_MAX_CONNECTIONS", "many");
    parse_fails(NO_ARGS, "ZAPI_MOCK_MAX_CONNECTIONS: \"many\" is not a whole number");
    nvars = 0;
    env_set("ZAPI_MOCK_IDLE_TIMEOUT", "0");
    parse_fails(NO_ARGS, "ZAPI_MOCK_IDLE_TIMEOUT: \"0\" is not a number of seconds");
    nvars = 0;
    env_set("ZAPI_MOCK_MAX_BODY", "0");
    parse_fails(NO_ARGS, "must be at least 1");
}
END_TEST

START_TEST(test_bad_status)
{
    parse_fails(ARGS("--error-status", "199"),
                "--error-status: \"199\" is not an HTTP status from 200 to 599");
    parse_fails(ARGS("--error-status", "600"), "--error-status: \"600\"");
    parse_fails(ARGS("--throttle-status", "abc"), "--throttle-status: \"abc\"");
    parse_fails(ARGS("--throttle-status", "503x"), "--throttle-status");
    parse_fails(ARGS("--throttle-status", ""), "--throttle-status");
    env_set("ZAPI_MOCK_THROTTLE_STATUS", "100");
    parse_fails(NO_ARGS, "ZAPI_MOCK_THROTTLE_STATUS: \"100\" is not an HTTP status");
}
END_TEST

START_TEST(test_bad_level_and_boolean)
{
    parse_fails(ARGS("--log-level", "verbose"),
                "--log-level: \"verbose\" is not error, warn, info or debug");
    parse_fails(ARGS("--log-level", "DEBUG"), "--log-level");
    env_set("ZAPI_MOCK_LOG_LEVEL", "trace");
    parse_fails(NO_ARGS, "ZAPI_MOCK_LOG_LEVEL: \"trace\"");
    nvars = 0;
    env_set("ZAPI_MOCK_NO_TLS", "maybe");
    parse_fails(NO_ARGS, "ZAPI_MOCK_NO_TLS: \"maybe\" is not true or false");
}
END_TEST

START_TEST(test_empty_strings)
{
    parse_fails(ARGS("--fixtures", ""), "--fixtures: needs a value");
    parse_fails(ARGS("--certs-dir="), "--certs-dir: needs a value");
    env_set("ZAPI_MOCK_PORT_FILE", "");
    parse_fails(NO_ARGS, "ZAPI_MOCK_PORT_FILE: needs a value");
}
END_TEST

START_TEST(test_cert_needs_key)
{
    parse_fails(ARGS("--cert", "c.pem"), "--cert and --key go together");
    parse_fails(ARGS("--key", "k.pem"), "--cert and --key go together");
    env_set("ZAPI_MOCK_CERT", "c.pem");
    parse_fails(NO_ARGS, "--cert and --key go together");
    /* One from the environment, one from a flag: together. */
    struct config cfg;
    parse_ok(&cfg, ARGS("--key", "k.pem"));
    ck_assert_str_eq(cfg.cert_file, "c.pem");
    ck_assert_str_eq(cfg.key_file, "k.pem");
    config_free(&cfg);
}
END_TEST

START_TEST(test_unknown_option)
{
    parse_fails(ARGS("--bogus"), "unknown or incomplete option \"--bogus\" (see --help)");
    parse_fails(ARGS("--no-tls=1"), "unknown or incomplete option \"--no-tls=1\"");
    parse_fails(ARGS("--listen"), "unknown or incomplete option \"--listen\"");
    parse_fails(ARGS("-x"), "unknown or incomplete option \"-x\"");
    parse_fails(ARGS("--fixtures", "fx", "--max-body"), "\"--max-body\"");
}
END_TEST

START_TEST(test_unknown_short_option_in_cluster)
{
    /* Regression (fixed): for an unknown short option followed by more letters ("-qh"), getopt has
     * not advanced optind yet, so argv[optind - 1] is the program name and the message reads
     * unknown or incomplete option "zapi-mock". Expected: the option ("-q", or the "-qh" word). */
    struct config cfg;
    struct buf err = BUF_INIT;
    int rc = parse(&cfg, ARGS("-qh"), &err);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "");
    config_free(&cfg);
    buf_free(&err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(msg, "\"zapi-mock\"") == NULL && strstr(msg, "-q") != NULL,
                  "error \"%s\" does not name the option", msg);
}
END_TEST

START_TEST(test_reparse_after_error)
{
    /* Regression (fixed): config_parse resets getopt with optind = 1, which in glibc does not clear
     * the scanning state; after a parse that stopped inside a short-option cluster ("-qh"), the
     * next config_parse of a plain command line fails (it resumes at the stale "h"). Expected: each
     * call starts afresh (optind = 0 in glibc). */
    struct config cfg;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(parse_raw(&cfg, ARGS("-qh"), &err), -1);
    config_free(&cfg);
    buf_free(&err);
    int rc = parse_raw(&cfg, NO_ARGS, &err);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "");
    int help = cfg.help;
    config_free(&cfg);
    buf_free(&err);
    ck_assert_msg(rc == 0, "a clean command line was refused: %s", msg);
    ck_assert_int_eq(help, 0);
}
END_TEST

START_TEST(test_reparse_after_success)
{
    /* Regression (fixed): after any parse, glibc's getopt keeps a pointer into the argv it scanned,
     * and optind = 1 does not clear it: the next config_parse reads the previous, possibly freed,
     * argv (use after free; here it fails with unknown or incomplete option "zapi-mock").
     * Expected: every call independent of the previous one (optind = 0 resets glibc fully). */
    for (int round = 0; round < 3; round++) {
        struct config cfg;
        struct buf err = BUF_INIT;
        int rc_first;
        rc_first = parse_raw(&cfg, ARGS("--max-body", "5", "-h"), &err);
        int help_first = cfg.help;
        config_free(&cfg);
        buf_free(&err);
        ck_assert_int_eq(rc_first, 0);
        ck_assert_int_eq(help_first, 1);
        int rc = parse_raw(&cfg, ARGS("--fixtures", "x"), &err);
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "");
        int help = cfg.help;
        int fixtures_ok = cfg.fixtures_dir && strcmp(cfg.fixtures_dir, "x") == 0;
        config_free(&cfg);
        buf_free(&err);
        ck_assert_msg(rc == 0, "round %d: refused: %s", round, msg);
        ck_assert_int_eq(help, 0);
        ck_assert(fixtures_ok);
    }
}
END_TEST

START_TEST(test_positional_argument)
{
    parse_fails(ARGS("extra"), "unexpected argument \"extra\" (see --help)");
    parse_fails(ARGS("--no-tls", "fixtures-dir"), "unexpected argument \"fixtures-dir\"");
    /* GNU getopt moves operands last: the flag after it is still read, then refused. */
    parse_fails(ARGS("extra", "--no-tls"), "unexpected argument \"extra\"");
    /* After "--" everything is an operand. */
    parse_fails(ARGS("--", "--no-tls"), "unexpected argument \"--no-tls\"");
}
END_TEST

/* ---- usage ---- */

static char *
usage_text(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    config_usage(f, "zapi-mock-test");
    fclose(f);
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(test_usage_mentions_everything)
{
    char *text = usage_text();
    ck_assert_ptr_nonnull(strstr(text, "Usage: zapi-mock-test [OPTION]..."));
    const char *flags[] = {
        "listen",
        "fixtures",
        "certs-dir",
        "cert",
        "key",
        "no-tls",
        "log-level",
        "error-status",
        "max-body",
        "handshake-timeout",
        "request-timeout",
        "idle-timeout",
        "max-connections",
        "throttle-limit",
        "throttle-window",
        "throttle-every",
        "throttle-status",
        "port-file",
        "admin-token",
        "watch",
        "journal-size",
        "journal-max-body",
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        struct buf flag = BUF_INIT, env = BUF_INIT;
        buf_printf(&flag, "  --%s", flags[i]);
        buf_append_str(&env, "env ZAPI_MOCK_");
        for (const char *p = flags[i]; *p; p++)
            buf_printf(&env, "%c", *p == '-' ? '_' : (char)(*p - 'a' + 'A'));
        buf_append_str(&env, "\n");
        ck_assert_msg(strstr(text, flag.data) != NULL, "usage lacks %s", flag.data);
        ck_assert_msg(strstr(text, env.data) != NULL, "usage lacks %s", env.data);
        buf_free(&flag);
        buf_free(&env);
    }
    ck_assert_ptr_nonnull(strstr(text, "  --help "));
    ck_assert_ptr_nonnull(strstr(text, "  --version "));
    ck_assert_ptr_null(strstr(text, "ZAPI_MOCK_HELP"));
    ck_assert_ptr_null(strstr(text, "ZAPI_MOCK_VERSION"));
    ck_assert_ptr_nonnull(strstr(text, "--listen HOST:PORT"));
    ck_assert_ptr_nonnull(strstr(text, "Flags override environment variables."));
    free(text);
}
END_TEST

/* --help shows the default the parser applies, taken from the same table: each flag's line ends
 * with it. */
START_TEST(test_usage_shows_the_defaults)
{
    char *text = usage_text();
    const char *lines[][2] = {
        {"--listen HOST:PORT", "(default 127.0.0.1:8443)\n"},
        {"--log-level LEVEL", "(default info)\n"},
        {"--max-body BYTES", "(default 1048576)\n"},
        {"--idle-timeout SECONDS", "(default 60)\n"},
        {"--throttle-status CODE", "(default 503)\n"},
        {"--journal-max-body BYTES", "(default 16384)\n"},
        {"--cart-ttl SECONDS", "(default 7200)\n"},
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *line = strstr(text, lines[i][0]);
        ck_assert_msg(line != NULL, "usage lacks %s", lines[i][0]);
        const char *end = strchr(line, '\n');
        const char *dflt = strstr(line, lines[i][1]);
        ck_assert_msg(dflt && dflt + strlen(lines[i][1]) - 1 == end, "%s does not end in %s",
                      lines[i][0], lines[i][1]);
    }
    /* Options without a default say none. */
    const char *cert = strstr(text, "--cert FILE");
    ck_assert_ptr_nonnull(cert);
    const char *end = strchr(cert, '\n');
    const char *d = strstr(cert, "(default");
    ck_assert_msg(!d || d > end, "--cert shows a default");
    free(text);
}
END_TEST

START_TEST(test_usage_every_flag_has_env)
{
    /* Whatever flags exist: each "  --name" line (but help and version) is followed by its
     * "env ZAPI_MOCK_NAME" line, and every such flag parses. */
    char *text = usage_text();
    int flags = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "  --", 4) != 0)
            continue;
        char name[64];
        size_t n = strcspn(line + 4, " =");
        ck_assert_uint_lt(n, sizeof(name));
        memcpy(name, line + 4, n);
        name[n] = '\0';
        if (strcmp(name, "help") == 0 || strcmp(name, "version") == 0)
            continue;
        flags++;
        char *next = strtok(NULL, "\n");
        ck_assert_msg(next != NULL, "no env line after --%s", name);
        char want[96];
        int k = snprintf(want, sizeof(want), "env ZAPI_MOCK_");
        for (size_t i = 0; i < n && k + 1 < (int)sizeof(want); i++)
            want[k++] =
                name[i] == '-'
                    ? '_'
                    : (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
        want[k] = '\0';
        ck_assert_msg(strstr(next, want) != NULL, "after --%s: \"%s\" lacks \"%s\"", name, next,
                      want);
    }
    ck_assert_int_ge(flags, 18);
    free(text);
}
END_TEST

static Suite *
config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("values");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_flags_equals_form_and_help);
    tcase_add_test(tc, test_admin_and_journal);
    tcase_add_test(tc, test_log_levels);
    tcase_add_test(tc, test_limits_of_numbers);
    tcase_add_test(tc, test_workers);
    tcase_add_test(tc, test_env_vars);
    tcase_add_test(tc, test_env_names_asked);
    tcase_add_test(tc, test_env_booleans);
    tcase_add_test(tc, test_flags_override_env);
    suite_add_tcase(s, tc);

    tc = tcase_create("listen");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_listen_repeated);
    tcase_add_test(tc, test_listen_env_list);
    tcase_add_test(tc, test_listen_argv_replaces_env);
    tcase_add_test(tc, test_listen_too_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bad_numbers);
    tcase_add_test(tc, test_bad_env_numbers);
    tcase_add_test(tc, test_bad_status);
    tcase_add_test(tc, test_bad_level_and_boolean);
    tcase_add_test(tc, test_empty_strings);
    tcase_add_test(tc, test_cert_needs_key);
    tcase_add_test(tc, test_unknown_option);
    tcase_add_test(tc, test_positional_argument);
    suite_add_tcase(s, tc);

    tc = tcase_create("usage");
    tcase_add_test(tc, test_usage_mentions_everything);
    tcase_add_test(tc, test_usage_shows_the_defaults);
    tcase_add_test(tc, test_usage_every_flag_has_env);
    suite_add_tcase(s, tc);

    /* Regressions: behaviour the server got wrong until these tests found it. */
    tc = tcase_create("regressions");
    tcase_set_tags(tc, "regression");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_env_help_version_ignored);
    tcase_add_test(tc, test_unknown_short_option_in_cluster);
    tcase_add_test(tc, test_reparse_after_error);
    tcase_add_test(tc, test_reparse_after_success);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(config_suite());
}
