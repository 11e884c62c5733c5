/* zapi: one ZAPI request body in, one response out: envelope parsing, token validation, method
 * dispatch and rendering from the fixture set. Pure: no sockets; time and throttling are passed
 * in, so every path is unit-testable. */
#ifndef ZAPI_ZAPI_H
#define ZAPI_ZAPI_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "envelope.h"
#include "fixtures.h"
#include "registry.h"
#include "store.h"

/* What a throttle said about one request of a validated partner. */
struct zapi_throttle_verdict {
    int throttled;
    double wait;      /* exact seconds until this client's next request is admitted */
    const char *rule; /* "limit", "every", "forced" */
};

/* Asks the throttle about a request from partner p; fills v. */
typedef void (*zapi_throttle_fn)(void *ctx, const struct partner *p,
                                 struct zapi_throttle_verdict *v);

struct zapi_env {
    const struct fixture_set *fixtures;
    int error_status;    /* HTTP status for ZAPI errors 1 and 3 without a fixture status; 0 = 200 */
    int throttle_status; /* HTTP status for error 2 without a fixture status; 0 = 503 */
    time_t now;          /* wall clock, for agent expiry and {{server.*}} */
    zapi_throttle_fn throttle; /* NULL = never throttled */
    void *throttle_ctx;
    struct store *store;  /* booking state; NULL: no handler runs, every fixture is served as is */
    const char *base_url; /* of links the mock serves (barcodes); NULL: "" */
    struct envelope_parser *parser; /* the calling thread's (envelope.h); NULL: a fresh one */
};

struct zapi_result {
    int status;
    enum body_format format;
    struct buf body;
    char method[80]; /* for the log: the method name as sent, cut and made printable */
    char token[80];  /* for the log: the token as sent, cut and made printable */
    char client[REGISTRY_MAX_TOKEN + 1]; /* the validated partner's token, "" when none */
    int zapi_error;                      /* -1 when the body has none */
    int method_error;                    /* -1 when the body has none */
    int retry_after;                     /* seconds for a Retry-After header, -1 for none */
};

void zapi_result_init(struct zapi_result *r);
void zapi_result_free(struct zapi_result *r);

/* Answers one ZAPI request body. */
void zapi_handle(const struct zapi_env *env, const char *content_type, const char *body, size_t len,
                 struct zapi_result *out);
/* Answers an HTTP-level refusal (404, 405, 413...) with the http-error fixture. */
void zapi_http_error(const struct zapi_env *env, int status, const char *message,
                     enum body_format format, struct zapi_result *out);
/* "ZAPI-D…" style shortening of a token for log lines, into out (at least 16 bytes). */
void zapi_token_short(const char *token, char *out, size_t len);

/* Loads a fixture set. Returns 0, or -1 with "file:line: reason" in err. */
int zapi_load_fixtures(const char *dir, struct fixture_set **out, struct buf *err);
#endif
