/* config: the server's settings from command-line flags and ZAPI_MOCK_* environment variables
 * (flags win). Pure: the environment is read through a function the caller passes. */
#ifndef ZAPI_CONFIG_H
#define ZAPI_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "log.h"

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_WORKERS 64

/* Defaults of the options that are the server's own (the others are their modules': http.h,
 * journal.h, throttle.h, store.h); --help shows each beside its option. */
#define CONFIG_DEFAULT_LISTEN "127.0.0.1:8443"
#define CONFIG_DEFAULT_FIXTURES_DIR "fixtures"
#define CONFIG_DEFAULT_CERTS_DIR "certs"
#define CONFIG_DEFAULT_STATE_DIR "state"
#define CONFIG_DEFAULT_HANDSHAKE_TIMEOUT_S 10
#define CONFIG_DEFAULT_REQUEST_TIMEOUT_S 30
#define CONFIG_DEFAULT_IDLE_TIMEOUT_S 60
#define CONFIG_DEFAULT_MAX_CONNECTIONS 4096
#define CONFIG_DEFAULT_THROTTLE_STATUS 503

struct config {
    char *listen[CONFIG_MAX_LISTEN]; /* HOST:PORT, [V6]:PORT */
    size_t nlisten;
    char *fixtures_dir;
    char *certs_dir;
    char *state_dir; /* the mock's own files (runtime partners), never the fixtures */
    char *cert_file; /* NULL: certs_dir/server.pem, generated when missing */
    char *key_file;
    char *cert_names;  /* extra names for the generated certificate, comma-separated */
    char *port_file;   /* where to write the bound ports, one per line (for tests) */
    char *admin_token; /* NULL: admin API for loopback peers only */
    int watch;         /* reload when files under fixtures_dir change */
    unsigned journal_size;
    size_t journal_max_body;
    int no_tls;
    enum log_level log_level;
    int error_status;
    size_t max_body;
    double handshake_timeout;
    double request_timeout;
    double idle_timeout;
    unsigned max_connections;
    unsigned workers; /* event loops; 0: one per core */
    unsigned throttle_limit;
    double throttle_window;
    unsigned throttle_every;
    int throttle_status;
    char *public_url; /* base of links the mock serves (barcodes); NULL: https://localhost:PORT */
    unsigned cart_ttl_s; /* idle carts expire after this */
    unsigned max_carts;
    unsigned max_bookings;
    int help;
    int version;
};

typedef const char *(*config_getenv)(const char *name);

/* Fills cfg from env, then argv. Returns 0, or -1 with the offending flag or variable named in
 * err. cfg must be freed with config_free() either way. */
int config_parse(struct config *cfg, int argc, char **argv, config_getenv env, struct buf *err);
void config_free(struct config *cfg);
void config_usage(FILE *out, const char *prog);

#endif
