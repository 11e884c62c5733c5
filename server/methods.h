/* methods: the ZAPI methods whose answer depends on more than the fixture: each picks an outcome
 * (an <answer outcome="..."> of the method's fixture) and the values it may show. Every other
 * method is served from its fixture's default answer. */
#ifndef ZAPI_METHODS_H
#define ZAPI_METHODS_H

#include "buf.h"
#include "envelope.h"
#include "fixtures.h"
#include "registry.h"

struct method_call {
    const struct envelope *req;
    const struct registry *registry;
    const char *today; /* YYYY-MM-DD */
    /* Set by the handler: */
    const struct agent *agent;
    struct buf message; /* becomes {{error.message}} */
};

/* Runs the built-in handler of a method, if it has one, and returns the outcome to answer with
 * ("" = default). */
const char *methods_run(const char *method_name, struct method_call *call);
/* Checks that the fixture of each built-in method has an answer for every outcome it can pick.
 * Returns 0, or -1 with "file: reason" in err. */
int methods_check(const struct fixture_set *fs, struct buf *err);

#endif
