#include "fuzz_common.h"
#include "mask.h"

#include <ctype.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

#ifndef ZAPI_FUZZ_SOURCE_DIR
#define ZAPI_FUZZ_SOURCE_DIR "."
#endif

void
fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\n==== invariant broken at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(stderr);
    abort();
}

static void
quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void
quiet_structured(void *ctx, const xmlError *e)
{
    (void)ctx;
    (void)e;
}

void
fuzz_global_init(void)
{
    envelope_global_init();
    const char *v = getenv("FUZZ_VERBOSE");
    if (!v || !*v || strcmp(v, "0") == 0) {
        xmlSetGenericErrorFunc(NULL, quiet_generic);
        /* The cast covers libxml2 versions whose handler takes a non-const xmlError. */
        xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)(void (*)(void))quiet_structured);
    }
}

const char *
fuzz_fixtures_dir(void)
{
    static char path[4096];
    if (!path[0]) {
        const char *src = getenv("ZAPI_SOURCE_DIR");
        snprintf(path, sizeof(path), "%s/fixtures", src && *src ? src : ZAPI_FUZZ_SOURCE_DIR);
    }
    return path;
}

/* The first bytes of a body, escaped, for a failure message. */
static const char *
excerpt(const char *body, size_t len)
{
    static char out[512];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < sizeof(out); i++) {
        unsigned char c = (unsigned char)body[i];
        if (isprint(c) && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
    }
    out[o] = '\0';
    return out;
}

void
fuzz_check_xml(const char *what, const char *body, size_t len, const char *root_name)
{
    FUZZ_ASSERT(body && len > 0 && len < INT32_MAX, "%s: empty XML body", what);
    xmlDoc *doc = xmlReadMemory(body, (int)len, "response.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    FUZZ_ASSERT(doc && root, "%s: XML body is not well-formed: %s", what, excerpt(body, len));
    FUZZ_ASSERT(strcmp((const char *)root->name, root_name) == 0,
                "%s: XML root element is <%s>, not <%s>", what, root->name, root_name);
    xmlFreeDoc(doc);
}

void
fuzz_check_json(const char *what, const char *body, size_t len, const char *root_name)
{
    FUZZ_ASSERT(body && len > 0, "%s: empty JSON body", what);
    json_error_t e;
    json_t *v = json_loadb(body, len, JSON_ALLOW_NUL, &e);
    FUZZ_ASSERT(v, "%s: JSON body does not parse (%s at %d:%d): %s", what, e.text, e.line, e.column,
                excerpt(body, len));
    FUZZ_ASSERT(json_is_object(v) && json_object_size(v) == 1 && json_object_get(v, root_name),
                "%s: JSON body is not {\"%s\": ...}: %s", what, root_name, excerpt(body, len));
    json_decref(v);
}

static void
check_log_field(const char *what, const char *name, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    FUZZ_ASSERT(n < cap, "%s: %s is not NUL-terminated", what, name);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(isprint((unsigned char)s[i]) && s[i] != ' ',
                    "%s: %s holds an unprintable byte 0x%02x", what, name, (unsigned char)s[i]);
}

void
fuzz_check_result(const char *what, const struct zapi_result *r)
{
    FUZZ_ASSERT(r->status >= 200 && r->status <= 599, "%s: HTTP status %d", what, r->status);
    FUZZ_ASSERT(r->body.len > 0 && r->body.data, "%s: empty body (status %d)", what, r->status);
    FUZZ_ASSERT(r->body.data[r->body.len] == '\0', "%s: body not NUL-terminated", what);
    if (r->format == FORMAT_XML)
        fuzz_check_xml(what, r->body.data, r->body.len, "response");
    else
        fuzz_check_json(what, r->body.data, r->body.len, "response");
    check_log_field(what, "method", r->method, sizeof(r->method));
    check_log_field(what, "token", r->token, sizeof(r->token));
    FUZZ_ASSERT(strnlen(r->client, sizeof(r->client)) < sizeof(r->client),
                "%s: client is not NUL-terminated", what);
    /* zapi_error and method_error are whatever number the fixture holds, negative included. */
    FUZZ_ASSERT(r->retry_after >= -1, "%s: retry-after %d", what, r->retry_after);
}

static unsigned throttle_calls;
static struct zapi_throttle_verdict last_verdict;

void
fuzz_throttle_reset(void)
{
    throttle_calls = 0;
    memset(&last_verdict, 0, sizeof(last_verdict));
}

unsigned
fuzz_throttle_calls(const struct zapi_throttle_verdict **last)
{
    *last = &last_verdict;
    return throttle_calls;
}

void
fuzz_throttle(void *ctx, const struct partner *p, struct zapi_throttle_verdict *v)
{
    (void)ctx;
    FUZZ_ASSERT(p && p->token, "throttle called without a partner");
    throttle_calls++;
    v->throttled = throttle_calls % 3 == 0;
    /* A different wait each time: whole, fractional and sub-millisecond values. */
    static const double waits[] = {1.0, 0.25, 12.3456, 0.0004, 59.9999};
    v->wait = v->throttled ? waits[(throttle_calls / 3) % 5] : 0;
    v->rule = v->throttled ? "limit" : "none";
    last_verdict = *v;
}

void
fuzz_check_throttle(const char *what, const struct zapi_result *r, unsigned calls_before)
{
    const struct zapi_throttle_verdict *v;
    unsigned calls = fuzz_throttle_calls(&v);
    FUZZ_ASSERT(calls <= calls_before + 1, "%s: the throttle was asked %u times for one request",
                what, calls - calls_before);
    int throttled = calls > calls_before && v->throttled;
    if (!throttled) {
        FUZZ_ASSERT(r->retry_after == -1, "%s: Retry-After %d without throttling", what,
                    r->retry_after);
        return;
    }
    /* The wait shown is rounded up to whole milliseconds, Retry-After is its ceiling. */
    double least = ceil(v->wait);
    FUZZ_ASSERT(r->retry_after >= least && r->retry_after <= least + 1,
                "%s: Retry-After %d for a wait of %g s", what, r->retry_after, v->wait);
}

/* Depth of the deepest element under node (node itself is 0). */
static int
element_depth(const xmlNode *node)
{
    int max = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int d = 1 + element_depth(c);
        if (d > max)
            max = d;
    }
    return max;
}

/* envelope_lookup(path) must agree with the field envelope_parse() filled in. */
static void
check_field(const struct envelope *env, const char *path, const char *field)
{
    struct buf out = BUF_INIT;
    int rc = envelope_lookup(env, path, &out);
    if (field) {
        FUZZ_ASSERT(rc == 0, "envelope_lookup(%s) failed but the field is \"%s\"", path, field);
        FUZZ_ASSERT(strcmp(out.data ? out.data : "", field) == 0,
                    "envelope_lookup(%s) gives \"%s\", the field is \"%s\"", path,
                    out.data ? out.data : "", field);
    } else {
        FUZZ_ASSERT(rc == -1, "envelope_lookup(%s) found an element the parse did not", path);
    }
    buf_free(&out);
}

/* The journal's masking of the same body: it copes with anything, and keeps a body that cannot
 * hold a secret byte for byte. */
static void
check_mask(const char *body, size_t len)
{
    struct buf out = BUF_INIT;
    int partial = 0;
    int n = mask_body(body, len, 1 << 20, &out, &partial);
    FUZZ_ASSERT(n >= 0, "mask_body failed");
    if (!mask_body_may_hold_secret(body, len))
        FUZZ_ASSERT(n == 0 && !partial && out.len == len &&
                        (len == 0 || !memcmp(out.data, body, len)),
                    "mask_body changed a body that cannot hold a secret");
    buf_free(&out);
}

int
fuzz_parse_envelope(const char *body, size_t len, enum body_format format)
{
    check_mask(body, len);
    struct envelope env;
    struct buf err = BUF_INIT;
    memset(&env, 0xA5, sizeof(env)); /* envelope_parse must set every field */
    /* A parser kept from input to input, as a worker keeps one: what it says must not depend on
     * what it parsed before, so a fresh one must say the same. */
    static struct envelope_parser *kept;
    if (!kept)
        kept = envelope_parser_new();
    FUZZ_ASSERT(kept != NULL, "envelope_parser_new failed");
    int rc = envelope_parse(kept, body, len, format, &env, &err);
    FUZZ_ASSERT(rc == 0 || rc == -1, "envelope_parse returned %d", rc);
    struct envelope fresh;
    struct buf fresh_err = BUF_INIT;
    int fresh_rc = envelope_parse(NULL, body, len, format, &fresh, &fresh_err);
    FUZZ_ASSERT(fresh_rc == rc, "a kept parser says %d, a fresh one %d", rc, fresh_rc);
    FUZZ_ASSERT((!err.data && !fresh_err.data) ||
                    (err.data && fresh_err.data && strcmp(err.data, fresh_err.data) == 0),
                "a kept parser says \"%s\", a fresh one \"%s\"", err.data ? err.data : "",
                fresh_err.data ? fresh_err.data : "");
    FUZZ_ASSERT(rc < 0 || strcmp(env.method_name, fresh.method_name) == 0,
                "a kept parser read method %s, a fresh one %s", env.method_name, fresh.method_name);
    envelope_free(&fresh);
    buf_free(&fresh_err);
    if (rc < 0) {
        FUZZ_ASSERT(err.len > 0 && err.data, "envelope_parse failed without a message");
        FUZZ_ASSERT(strlen(err.data) == err.len, "error message holds a NUL byte");
        FUZZ_ASSERT(!env.doc && !env.method && !env.token && !env.account_id && !env.user_id &&
                        !env.method_name,
                    "envelope_parse failed (%s) but left the envelope non-empty", err.data);
        buf_free(&err);
        return -1;
    }
    FUZZ_ASSERT(err.len == 0, "envelope_parse succeeded with an error message: %s", err.data);
    /* libxml2 would stop at a NUL and read only the part before it: such bodies are refused. */
    FUZZ_ASSERT(format != FORMAT_XML || !memchr(body, '\0', len),
                "XML body with a NUL byte accepted");
    FUZZ_ASSERT(env.format == format, "format %d, asked %d", env.format, format);
    FUZZ_ASSERT(env.doc, "successful parse without a document");
    xmlNode *root = xmlDocGetRootElement(env.doc);
    FUZZ_ASSERT(root && strcmp((const char *)root->name, "request") == 0,
                "successful parse without a <request> root");
    FUZZ_ASSERT(env.method && env.method->parent == root &&
                    strcmp((const char *)env.method->name, "zapiMethod") == 0,
                "successful parse without request/zapiMethod");
    FUZZ_ASSERT(env.method_name && env.method_name[0],
                "successful parse with an empty method name");
    /* DOCTYPEs are refused, so no accepted request carries a DTD. */
    FUZZ_ASSERT(!env.doc->intSubset && !env.doc->extSubset, "accepted request has a DTD");
    if (format == FORMAT_JSON) {
        int depth = element_depth(root);
        FUZZ_ASSERT(depth <= ENVELOPE_MAX_JSON_DEPTH,
                    "JSON request tree is %d levels deep (limit %d)", depth,
                    ENVELOPE_MAX_JSON_DEPTH);
    }
    check_field(&env, "zapiMethod.methodName", env.method_name);
    check_field(&env, "zapiToken", env.token);
    check_field(&env, "zapiAccountId", env.account_id);
    check_field(&env, "zapiUserId", env.user_id);
    /* Paths the fixtures use, and malformed ones: no answer is required, only no crash. */
    static const char *const paths[] = {
        "",
        ".",
        "..",
        "zapiMethod.",
        "zapiMethod..methodName",
        "zapiMethod.username",
        "zapiMethod.password",
        "zapiMethod.methodName.x",
        "a.b.c.d.e.f.g.h",
        /* a name longer than envelope_lookup's 128-byte buffer */
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.y"),
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct buf out = BUF_INIT;
        int lr = envelope_lookup(&env, paths[i], &out);
        FUZZ_ASSERT(lr == 0 || (lr == -1 && out.len == 0), "envelope_lookup(%s) returned %d",
                    paths[i], lr);
        buf_free(&out);
    }
    envelope_free(&env);
    FUZZ_ASSERT(!env.doc && !env.method_name, "envelope_free left pointers behind");
    envelope_free(&env); /* freeing an emptied envelope twice is fine */
    buf_free(&err);
    return 0;
}
