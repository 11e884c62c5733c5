/* methods: the ZAPI methods whose answer the mock computes. Handlers live by area under
 * server/methods/ (agents.c, catalogue.c, ...), each area with its own table. A handler sees one
 * method_call (the parsed request, the fixture set's registry and catalogue, the store, the clock)
 * and nothing else; it fills the call's model, which the method's fixture renders, and returns an
 * outcome. A fixture without placeholders overrides the handler: it is served as it is. */
#ifndef ZAPI_METHODS_H
#define ZAPI_METHODS_H

#include <time.h>

#include "buf.h"
#include "catalogue.h"
#include "date.h"
#include "envelope.h"
#include "model.h"
#include "registry.h"
#include "store.h"

/* Method error codes (methodErrorCode) as ZAPI documents them. */
enum method_error {
    MERR_OK = 0,
    MERR_FILTER = 20, /* a parameter of the wrong type */
    MERR_PRODUCT_SOLDOUT = 40,
    MERR_PRODUCT_NOINVENTORY = 41,
    MERR_PRODUCT_NOTPUBLISHED = 42,
    MERR_PRODUCT_NODATA = 43,
    MERR_ACTIVITY_SOLDOUT = 50,
    MERR_ACTIVITY_DATE = 51,
    MERR_ACTIVITY_NOTPUBLISHED = 52,
    MERR_ACTIVITY_NODATA = 53,
    MERR_INVALID_USER = 70,
    MERR_INACTIVE = 71,
    MERR_GENERAL = 99,
    MERR_TRANSACTION = 100,
};

struct method_call {
    const struct envelope *req;
    const struct registry *registry;
    const struct catalogue *catalogue;
    struct store *store;
    const struct partner *partner; /* NULL for the token-less logins */
    time_t now;
    long today;           /* days since 1970-01-01 */
    const char *base_url; /* "https://localhost:8443": links the mock serves (barcodes) */
    char today_text[DATE_TEXT];
    struct model *model; /* what the fixture renders */
    /* Set by the handler: */
    const struct agent *agent; /* becomes {{agent.*}} */
    int error;                 /* methodErrorCode of a failed call, becomes {{error.code}} */
    const char *failed;        /* the outcome method_fail() named: wins over the one returned */
    struct buf message;        /* becomes {{error.message}} */
};

/* A handler returns the outcome to answer with: "" for success, else a name the method's fixture
 * may have an <answer outcome="..."> for (otherwise errors/method-error.xml answers). */
typedef const char *(*method_fn)(struct method_call *c);

enum {
    METHOD_NO_TOKEN = 1,  /* a login: zapiUsername/zapiPassword instead of a token */
    METHOD_CACHEABLE = 2, /* the answer depends only on the request, the fixture set, the store's
                             version and the day: it may be served again while those hold */
};

struct method_handler {
    const char *name;
    method_fn run;
    unsigned flags;
};

struct method_area {
    const char *name;
    const struct method_handler *handlers;
    size_t count;
};

extern const struct method_area methods_agents;
extern const struct method_area methods_catalogue;
extern const struct method_area methods_cart;
extern const struct method_area methods_bookings;

/* Makes the catalogue's starting bookings (<booking> in catalogue.xml) in the store: at start
 * and after a reset. Returns how many, or -1 when the store is full. */
int bookings_seed(const struct catalogue *cat, struct store *st, time_t now);

/* The handler of a method, or NULL. */
const struct method_handler *methods_find(const char *name);

/* ---- for handlers ---- */

/* Fails the call: sets error, the outcome and message (printf-style) and returns outcome. */
const char *method_fail(struct method_call *c, const char *outcome, int error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A parameter under zapiMethod (dotted path), trimmed, appended to out: 0, or -1 when absent or
 * empty. */
int method_param(const struct method_call *c, const char *path, struct buf *out);
/* The first of several names (NULL-terminated) clients use for one parameter that the request
 * has: its value is appended to out and the name returned, or NULL when none is there. */
const char *method_param_first(const struct method_call *c, const char *const *names,
                               struct buf *out);
/* An integer parameter. 0 with *v set; -1 when absent (*v untouched); -2 when present but not a
 * whole number, after failing the call with code 20 naming the parameter. */
int method_param_long(struct method_call *c, const char *path, long *v);
/* A date parameter (YYYY-MM-DD). 0, -1 when absent, -2 after failing the call with code 51. */
int method_param_date(struct method_call *c, const char *path, long *day);

#endif
