/* fixtures: one loaded, immutable fixture set: the registry, one file per ZAPI method, and the
 * error answers. Reference-counted so a reload can swap sets while requests finish on the old. */
#ifndef ZAPI_FIXTURES_H
#define ZAPI_FIXTURES_H

#include <libxml/tree.h>
#include <stddef.h>
#include <time.h>

#include "answer_cache.h"
#include "buf.h"
#include "catalogue.h"
#include "registry.h"

/* Error answers every fixture set has, as files errors/<name>.xml. */
enum fixture_error {
    FIXTURE_ERR_VALIDATION,      /* ZAPI error 1: token, account id or user id wrong */
    FIXTURE_ERR_THROTTLED,       /* ZAPI error 2: throttle limit reached */
    FIXTURE_ERR_INVALID_REQUEST, /* ZAPI error 3: body not a ZAPI request */
    FIXTURE_ERR_UNKNOWN_METHOD,  /* methodErrorCode 99: no fixture for the method */
    FIXTURE_ERR_HTTP,            /* HTTP-level refusals: 404, 405, 413... */
    FIXTURE_ERR_METHOD,          /* a method's own error (40-53, 70, 71, 100) without an answer
                                    for it in the method's fixture */
    FIXTURE_ERR_COUNT
};

/* <when param="zapiMethod.activityId">12</when>: the answer applies when the request's value at
 * that path (under <request>) is exactly this text, trimmed. */
struct answer_when {
    char *param;
    char *value;
};

struct answer {
    char *outcome;            /* "" for the default answer */
    struct answer_when *when; /* all must hold; none = always */
    size_t nwhen;
    int status;        /* HTTP status from status="", 0 when unset */
    xmlNode *response; /* the <response> element, owned by the fixture's document */
    int dynamic;       /* holds placeholders: rendered per request */
    struct buf xml;    /* pre-rendered bodies of a static answer */
    struct buf json;
    int zapi_error; /* <error> and <methodErrorCode> of a static answer, else -1 */
    int method_error;
};

struct fixture {
    char *name; /* method name, or the error file's name */
    char *path;
    xmlDoc *doc;
    struct answer *answers;
    size_t nanswers;
    int dynamic;    /* some answer has placeholders or directives: the method's handler runs */
    int uses_clock; /* shows {{server.time}}: never served from a cache */
};

struct fixture_set {
    int refs;
    char *dir;
    time_t loaded_at;
    struct registry *registry;
    struct catalogue *catalogue; /* catalogue.xml, or an empty one */
    struct answer_cache *cache;  /* answers rendered for this set (a memo, not data) */
    struct fixture *methods;     /* sorted by name */
    size_t nmethods;
    struct fixture errors[FIXTURE_ERR_COUNT];
};

/* The placeholder namespaces fixtures may use: the request's and the server's, then those the
 * method handlers fill (server/methods/). Declared once, here. */
extern const char *const fixture_namespaces[];

/* Loads dir/registry.xml, dir/catalogue.xml (when present), dir/methods/ *.xml and
 * dir/errors/ *.xml. Returns 0 with a set holding
 * one reference, or -1 with "file:line: reason" in err. */
int fixtures_load(const char *dir, struct fixture_set **out, struct buf *err);
struct fixture_set *fixtures_retain(struct fixture_set *fs);
void fixtures_release(struct fixture_set *fs);

const struct fixture *fixtures_method(const struct fixture_set *fs, const char *name);
const struct fixture *fixtures_error(const struct fixture_set *fs, enum fixture_error which);
const char *fixtures_error_name(enum fixture_error which);
/* Appends the request's trimmed value at a dotted path to out; -1 when there is none. */
typedef int (*fixture_param_fn)(void *ctx, const char *path, struct buf *out);

/* The first answer for outcome whose <when> conditions all hold (param reads the request; NULL
 * = no request, so only answers without conditions apply), else the same among the default
 * answers (no outcome attribute), else the first answer. */
const struct answer *fixture_answer_match(const struct fixture *f, const char *outcome,
                                          fixture_param_fn param, void *ctx);
/* fixture_answer_match without a request. */
const struct answer *fixture_answer(const struct fixture *f, const char *outcome);
/* The first answer for exactly this outcome whose conditions hold, or NULL. */
const struct answer *fixture_answer_exact(const struct fixture *f, const char *outcome,
                                          fixture_param_fn param, void *ctx);

#endif
