#include "zapi.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "methods.h"
#include "model.h"
#include "registry.h"
#include "render.h"

/* Everything a fixture's placeholders may read while one request is answered. */
struct vars {
    const struct zapi_env *env;
    const struct model_node *model; /* what the method's handler computed, NULL when none */
    const struct envelope *req;
    const struct partner *partner;
    const struct agent *agent;
    const char *method;
    int error_code;
    const char *error_message;
    double wait;
};

static int
lookup_server(const struct vars *v, const char *name, struct buf *out)
{
    struct tm tm;
    char tmp[32];
    gmtime_r(&v->env->now, &tm);
    if (strcmp(name, "date") == 0)
        strftime(tmp, sizeof(tmp), "%Y-%m-%d", &tm);
    else if (strcmp(name, "time") == 0)
        strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
    else if (strcmp(name, "version") == 0)
        snprintf(tmp, sizeof(tmp), "%s", ZAPI_MOCK_VERSION);
    else
        return -1;
    return buf_append_str(out, tmp);
}

static int
lookup_throttle(const struct vars *v, const char *name, struct buf *out)
{
    if (strcmp(name, "wait") == 0)
        return buf_printf(out, "%.3f", v->wait);
    if (strcmp(name, "retryAfter") == 0)
        return buf_printf(out, "%d", (int)ceil(v->wait));
    return -1;
}

static int
lookup(void *ctx, const char *name, struct buf *out)
{
    const struct vars *v = ctx;
    const char *dot = strchr(name, '.');
    const char *rest = dot ? dot + 1 : "";
    size_t ns = dot ? (size_t)(dot - name) : strlen(name);
#define NS(s) (ns == strlen(s) && strncmp(name, s, ns) == 0)
    if (NS("request"))
        return v->req && v->req->doc ? envelope_lookup(v->req, rest, out) : -1;
    if (NS("partner"))
        return v->partner ? registry_partner_field(v->partner, rest, out) : -1;
    if (NS("agent"))
        return v->agent ? registry_agent_field(v->agent, rest, out) : -1;
    if (NS("method") && strcmp(rest, "name") == 0)
        return v->method ? buf_append_str(out, v->method) : -1;
    if (NS("error") && strcmp(rest, "code") == 0)
        return buf_printf(out, "%d", v->error_code);
    if (NS("error") && strcmp(rest, "message") == 0)
        return v->error_message ? buf_append_str(out, v->error_message) : -1;
    if (NS("throttle"))
        return lookup_throttle(v, rest, out);
    if (NS("server"))
        return lookup_server(v, rest, out);
#undef NS
    return -1;
}

void
zapi_result_init(struct zapi_result *r)
{
    memset(r, 0, sizeof(*r));
    r->zapi_error = r->method_error = -1;
    r->retry_after = -1;
}

void
zapi_result_free(struct zapi_result *r)
{
    buf_free(&r->body);
}

/* Copies s for a log line: cut to fit, anything unprintable as '?'. */
static void
printable(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < cap; i++)
        dst[i] = isprint((unsigned char)s[i]) && s[i] != ' ' ? s[i] : '?';
    dst[i] = '\0';
}

void
zapi_token_short(const char *token, char *out, size_t len)
{
    if (!token || !*token) {
        snprintf(out, len, "-");
        return;
    }
    char p[80];
    printable(p, sizeof(p), token);
    if (strlen(p) <= 8)
        snprintf(out, len, "%s", p);
    else
        snprintf(out, len, "%.6s...", p);
}

static int
request_param(void *ctx, const char *path, struct buf *out)
{
    const struct vars *v = ctx;
    return v->req && v->req->doc ? envelope_lookup(v->req, path, out) : -1;
}

static void
render(const struct vars *v, const struct answer *a, int default_status, struct zapi_result *out)
{
    buf_clear(&out->body);
    if (!a || render_answer(a, out->format, v->model, lookup, (void *)v, &out->body,
                            &out->zapi_error, &out->method_error) < 0) {
        /* Only out of memory gets here: fixtures were checked at load. */
        buf_clear(&out->body);
        out->status = 500;
        return;
    }
    out->status = a->status ? a->status : default_status;
}

static void
answer(const struct vars *v, const struct fixture *f, const char *outcome, int default_status,
       struct zapi_result *out)
{
    render(v, fixture_answer_match(f, outcome, request_param, (void *)v), default_status, out);
}

static void
error_answer(const struct vars *v, enum fixture_error which, int default_status,
             struct zapi_result *out)
{
    answer(v, fixtures_error(v->env->fixtures, which), "", default_status, out);
}

/* Token, account id and user id must all belong to one registered partner. */
static const struct partner *
validate(const struct envelope *req, const struct registry *reg, struct buf *why)
{
    if (!req->token || !req->token[0]) {
        buf_printf(why, "zapiToken is missing");
        return NULL;
    }
    const struct partner *p = registry_partner(reg, req->token);
    if (!p) {
        char t[80];
        printable(t, 40, req->token);
        buf_printf(why, "zapiToken \"%s\" is not registered", t);
        return NULL;
    }
    const char *fields[][3] = {{"zapiAccountId", req->account_id, p->account_id},
                               {"zapiUserId", req->user_id, p->user_id}};
    for (size_t i = 0; i < 2; i++) {
        char got[40];
        if (!fields[i][1] || !fields[i][1][0]) {
            buf_printf(why, "%s is missing", fields[i][0]);
            return NULL;
        }
        if (strcmp(fields[i][1], fields[i][2]) != 0) {
            printable(got, sizeof(got), fields[i][1]);
            buf_printf(why, "%s \"%s\" does not match zapiToken (expected %s)", fields[i][0], got,
                       fields[i][2]);
            return NULL;
        }
    }
    return p;
}

static int
throttled(const struct zapi_env *env, struct vars *v, struct zapi_result *out)
{
    if (!env->throttle)
        return 0;
    struct zapi_throttle_verdict verdict = {0};
    env->throttle(env->throttle_ctx, v->partner, &verdict);
    if (!verdict.throttled)
        return 0;
    /* Whole milliseconds rounded up, so the wait shown is never short and Retry-After is the
     * ceiling of exactly the number the body shows. */
    v->wait = ceil(verdict.wait * 1000.0 - 1e-6) / 1000.0;
    if (v->wait < 0.001)
        v->wait = verdict.wait > 0 ? 0.001 : 0;
    v->error_code = 2;
    v->error_message = "ZAPI request throttle limit reached, try again shortly";
    error_answer(v, FIXTURE_ERR_THROTTLED, env->throttle_status ? env->throttle_status : 503, out);
    out->retry_after = (int)ceil(v->wait);
    return 1;
}

/* The cache key of a request: everything it says (element names and trimmed text, whatever the
 * envelope's format or attributes), the answer's format, the day and the inventory version. */
static void
key_walk(const xmlNode *n, struct buf *key)
{
    /* On the path of every cached answer: appends only, no printf. */
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        buf_append_str(key, "<");
        buf_append_str(key, (const char *)n->name);
        buf_append_str(key, ">");
        int leaf = 1;
        for (const xmlNode *c = n->children; c; c = c->next)
            leaf &= c->type != XML_ELEMENT_NODE;
        if (leaf) {
            /* Length first: no text can pose as more elements. */
            size_t mark = key->len;
            char digits[24];
            xml_node_text(n, key);
            size_t len = key->len - mark, i = sizeof(digits);
            digits[--i] = ':';
            do
                digits[--i] = (char)('0' + len % 10);
            while ((len /= 10) > 0);
            buf_append(key, digits + i, sizeof(digits) - i);
            /* Move "N:" in front of the text it measures. */
            size_t tag = sizeof(digits) - i;
            memmove(key->data + mark + tag, key->data + mark, key->len - tag - mark);
            memcpy(key->data + mark, digits + i, tag);
        } else {
            key_walk(n->children, key);
        }
        buf_append_str(key, "/");
    }
}

static void
cache_key(const struct vars *v, enum body_format format, long today, uint64_t version,
          struct buf *key)
{
    buf_printf(key, "%c|%ld|%llu|", format == FORMAT_JSON ? 'j' : 'x', today,
               (unsigned long long)version);
    key_walk(xmlDocGetRootElement(v->req->doc)->children, key);
}

static int
from_cache(struct answer_cache *cache, const char *key, struct zapi_result *out)
{
    struct cached_answer hit = {0};
    if (!answer_cache_get(cache, key, &hit))
        return 0;
    buf_free(&out->body);
    out->body = hit.body;
    out->status = hit.status;
    out->zapi_error = hit.zapi_error;
    out->method_error = hit.method_error;
    return 1;
}

/* Runs the method's handler and answers from its fixture: the answer for the handler's outcome,
 * else, for a failed call, errors/method-error.xml, else the fixture's default answer. */
static void
run_handler(const struct zapi_env *env, struct vars *v, const struct method_handler *h,
            const struct fixture *f, struct zapi_result *out)
{
    struct method_call call = {
        .req = v->req,
        .registry = env->fixtures->registry,
        .catalogue = env->fixtures->catalogue,
        .store = env->store,
        .partner = v->partner,
        .now = env->now,
        .today = date_from_time(env->now),
        .base_url = env->base_url ? env->base_url : "",
    };
    date_format(call.today, call.today_text);
    struct answer_cache *cache =
        (h->flags & METHOD_CACHEABLE) && !f->uses_clock ? env->fixtures->cache : NULL;
    struct buf key = BUF_INIT;
    uint64_t version = cache ? store_version(env->store) : 0;
    if (cache)
        cache_key(v, out->format, call.today, version, &key);
    if (cache && from_cache(cache, key.data, out)) {
        buf_free(&key);
        return;
    }
    struct model model;
    model_init(&model);
    call.model = &model;
    const char *outcome = h->run(&call);
    if (call.error && call.failed)
        outcome = call.failed;
    v->agent = call.agent;
    v->error_code = call.error;
    v->error_message = call.message.data;
    v->model = &model.root;
    if (model_failed(&model)) {
        buf_clear(&out->body);
        out->status = 500;
    } else {
        const struct answer *a = fixture_answer_exact(f, outcome, request_param, v);
        if (!a && call.error)
            a = fixture_answer_match(fixtures_error(env->fixtures, FIXTURE_ERR_METHOD), "",
                                     request_param, v);
        if (!a)
            a = fixture_answer_match(f, outcome, request_param, v);
        render(v, a, 200, out);
        /* Kept only when the store did not change while the answer was made. */
        if (cache && out->status != 500 && store_version(env->store) == version) {
            struct cached_answer keep = {out->status, out->zapi_error, out->method_error,
                                         out->body};
            answer_cache_put(cache, key.data, &keep);
        }
    }
    buf_free(&key);
    v->model = NULL;
    buf_free(&call.message);
    model_free(&model);
}

/* The method's handler, looked up when first needed: the lookup compares the name with every
 * handler's, and most requests need none (a ping, a fixture without placeholders). */
struct handler_ref {
    const struct method_handler *h; /* NULL when the method has none */
    int known;
};

static const struct method_handler *
handler_of(struct handler_ref *r, const char *method_name)
{
    if (!r->known) {
        r->h = methods_find(method_name);
        r->known = 1;
    }
    return r->h;
}

static void
dispatch(const struct zapi_env *env, struct vars *v, struct handler_ref *handler,
         struct zapi_result *out)
{
    const struct fixture *f = fixtures_method(env->fixtures, v->req->method_name);
    if (!f) {
        struct buf why = BUF_INIT;
        buf_printf(&why, "Method %s is not served by this mock: add fixtures/methods/%s.xml",
                   out->method, out->method);
        v->error_code = 99;
        v->error_message = why.data;
        error_answer(v, FIXTURE_ERR_UNKNOWN_METHOD, 200, out);
        buf_free(&why);
        return;
    }
    /* A fixture without placeholders is the user's word: served as it is. */
    const struct method_handler *h =
        f->dynamic && env->store ? handler_of(handler, v->req->method_name) : NULL;
    if (h)
        run_handler(env, v, h, f, out);
    else
        answer(v, f, "", 200, out);
}

/* The logins carry zapiUsername/zapiPassword instead of a token. */
static int
is_login(struct handler_ref *handler, const struct envelope *req)
{
    if (!req->doc)
        return 0;
    xmlNode *root = xmlDocGetRootElement(req->doc);
    if (!xml_child(root, "zapiUsername") && !xml_child(root, "zapiPassword"))
        return 0;
    const struct method_handler *h = handler_of(handler, req->method_name);
    return h && (h->flags & METHOD_NO_TOKEN);
}

void
zapi_handle(const struct zapi_env *env, const char *content_type, const char *body, size_t len,
            struct zapi_result *out)
{
    struct vars v = {.env = env};
    struct envelope req;
    struct buf why = BUF_INIT;
    int zapi_error_status = env->error_status ? env->error_status : 200;

    out->format = envelope_detect(content_type, body, len);
    if (envelope_parse(env->parser, body, len, out->format, &req, &why) < 0) {
        snprintf(out->method, sizeof(out->method), "-");
        v.error_code = 3;
        v.error_message = why.data;
        error_answer(&v, FIXTURE_ERR_INVALID_REQUEST, zapi_error_status, out);
        buf_free(&why);
        return;
    }
    v.req = &req;
    v.method = req.method_name;
    printable(out->method, sizeof(out->method), req.method_name);
    printable(out->token, sizeof(out->token), req.token);
    struct handler_ref handler = {NULL, 0};
    if (is_login(&handler, &req)) {
        /* Answered before any token exists, so neither validated nor throttled. */
        dispatch(env, &v, &handler, out);
        if (v.agent && v.agent->partner && out->method_error == 0)
            snprintf(out->client, sizeof(out->client), "%s", v.agent->partner->token);
        buf_free(&why);
        envelope_free(&req);
        return;
    }
    v.partner = validate(&req, env->fixtures->registry, &why);
    if (!v.partner) {
        const struct method_handler *h = handler_of(&handler, req.method_name);
        if (h && (h->flags & METHOD_NO_TOKEN) && !(req.token && req.token[0])) {
            buf_clear(&why);
            buf_printf(&why,
                       "zapiUsername and zapiPassword are missing: %s logs in with them "
                       "instead of a token",
                       out->method);
        }
        v.error_code = 1;
        v.error_message = why.data;
        error_answer(&v, FIXTURE_ERR_VALIDATION, zapi_error_status, out);
    } else {
        snprintf(out->client, sizeof(out->client), "%s", v.partner->token);
    }
    if (v.partner && !throttled(env, &v, out)) {
        dispatch(env, &v, &handler, out);
    }
    buf_free(&why);
    envelope_free(&req);
}

void
zapi_http_error(const struct zapi_env *env, int status, const char *message,
                enum body_format format, struct zapi_result *out)
{
    struct vars v = {.env = env, .error_code = 3, .error_message = message};
    out->format = format;
    snprintf(out->method, sizeof(out->method), "-");
    error_answer(&v, FIXTURE_ERR_HTTP, status, out);
    /* The status is the point of these answers: a fixture may reshape the body, not hide it. */
    out->status = status;
}

int
zapi_load_fixtures(const char *dir, struct fixture_set **out, struct buf *err)
{
    return fixtures_load(dir, out, err);
}
