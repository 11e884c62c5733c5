/* zapi-mock: a mock of Zaui's ZAPI for partners' integration tests. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "envelope.h"
#include "server.h"

static const char *
env_lookup(const char *name)
{
    return getenv(name);
}

int
main(int argc, char **argv)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    if (config_parse(&cfg, argc, argv, env_lookup, &err) < 0) {
        fprintf(stderr, "zapi-mock: %s\n", err.data);
        buf_free(&err);
        config_free(&cfg);
        return 2;
    }
    if (cfg.help || cfg.version) {
        if (cfg.help)
            config_usage(stdout, "zapi-mock");
        else
            printf("zapi-mock %s\n", ZAPI_MOCK_VERSION);
        config_free(&cfg);
        return 0;
    }
    /* A peer closing early must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    envelope_global_init();

    struct server srv;
    int rc = server_init(&srv, &cfg, stderr, &err);
    if (rc < 0)
        fprintf(stderr, "zapi-mock: %s\n", err.data ? err.data : "cannot start");
    else
        rc = server_run(&srv);
    server_free(&srv);
    buf_free(&err);
    config_free(&cfg);
    xmlCleanupParser();
    return rc < 0 ? 1 : 0;
}
