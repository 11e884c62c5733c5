#include "fixtures.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "render.h"
#include "xmlfile.h"

const char *const fixture_namespaces[] = {
    /* about the request and the server */
    "request", "partner", "agent", "error", "throttle", "method", "server",
    /* filled by the handlers, by area: agents */
    "login", "users",
    /* cart and bookings */
    "cart", "carts", "totalCarts", "booking", "bookings", "totalSearchResults", "transaction",
    "notification", "barcode", "guests", "manifestDate", "waitlist",
    /* catalogue */
    "categories", "category", "activities", "activity", "products", "product", "packages",
    "package", "inventory", "batch", "quote", "cancellations", "plan", "system", "date", "search",
    "rental", NULL};

static const char *const error_names[FIXTURE_ERR_COUNT] = {
    [FIXTURE_ERR_VALIDATION] = "validation",
    [FIXTURE_ERR_THROTTLED] = "throttled",
    [FIXTURE_ERR_INVALID_REQUEST] = "invalid-request",
    [FIXTURE_ERR_UNKNOWN_METHOD] = "unknown-method",
    [FIXTURE_ERR_HTTP] = "http-error",
    [FIXTURE_ERR_METHOD] = "method-error",
};

const char *
fixtures_error_name(enum fixture_error which)
{
    return error_names[which];
}

static void
fixture_free(struct fixture *f)
{
    for (size_t i = 0; i < f->nanswers; i++) {
        for (size_t k = 0; k < f->answers[i].nwhen; k++) {
            free(f->answers[i].when[k].param);
            free(f->answers[i].when[k].value);
        }
        free(f->answers[i].when);
        free(f->answers[i].outcome);
        buf_free(&f->answers[i].xml);
        buf_free(&f->answers[i].json);
    }
    free(f->answers);
    free(f->name);
    free(f->path);
    xmlFreeDoc(f->doc);
    memset(f, 0, sizeof(*f));
}

/* Checks placeholders and, for a static answer, renders both bodies once, here, at load time. */
static int
prepare_answer(struct answer *a, const char *path, struct buf *err)
{
    struct buf why = BUF_INIT;
    int n = template_check(a->response, fixture_namespaces, &why);
    if (n < 0) {
        buf_printf(err, "%s:%s", path, why.data + strlen("line "));
        buf_free(&why);
        return -1;
    }
    buf_free(&why);
    a->dynamic = n > 0;
    a->zapi_error = a->method_error = -1;
    if (a->dynamic)
        return 0;
    render_codes(a->response, &a->zapi_error, &a->method_error);
    if (render_tree(a->response, FORMAT_XML, &a->xml) < 0 ||
        render_tree(a->response, FORMAT_JSON, &a->json) < 0) {
        buf_printf(err, "%s: out of memory rendering the answer", path);
        return -1;
    }
    return 0;
}

static int
parse_status(const xmlNode *node, int *status, const char *path, struct buf *err)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)"status");
    if (!v)
        return 0;
    char *end;
    long s = strtol((const char *)v, &end, 10);
    int ok = *v && !*end && s >= 200 && s <= 599;
    if (!ok)
        buf_printf(err, "%s:%ld: status \"%s\" is not an HTTP status from 200 to 599", path,
                   xmlGetLineNo(node), v);
    xmlFree(v);
    *status = (int)s;
    return ok ? 0 : -1;
}

static int
valid_param(const char *p)
{
    if (!*p)
        return 0;
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return 0;
    return 1;
}

static int
load_when(struct fixture *f, struct answer *a, xmlNode *node, struct buf *err)
{
    xmlChar *param = xmlGetProp(node, (const xmlChar *)"param");
    if (!param || !valid_param((const char *)param)) {
        buf_printf(err,
                   "%s:%ld: <when> needs param=\"path.under.request\" (letters, digits, "
                   "'_', '-' and '.')",
                   f->path, xmlGetLineNo(node));
        xmlFree(param);
        return -1;
    }
    struct answer_when *w = realloc(a->when, (a->nwhen + 1) * sizeof(*w));
    if (!w) {
        xmlFree(param);
        buf_printf(err, "%s: out of memory", f->path);
        return -1;
    }
    a->when = w;
    struct buf value = BUF_INIT;
    xml_node_text(node, &value);
    w[a->nwhen].param = strdup((const char *)param);
    w[a->nwhen].value = value.data ? value.data : strdup("");
    xmlFree(param);
    if (!w[a->nwhen].param || !w[a->nwhen].value) {
        free(w[a->nwhen].param);
        free(w[a->nwhen].value);
        buf_printf(err, "%s: out of memory", f->path);
        return -1;
    }
    a->nwhen++;
    return 0;
}

/* An <answer> holds <when> conditions and exactly one <response>. */
static int
load_answer_children(struct fixture *f, struct answer *a, xmlNode *node, struct buf *err)
{
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "when") == 0) {
            if (load_when(f, a, c, err) < 0)
                return -1;
        } else if (strcmp((const char *)c->name, "response") == 0 && !a->response) {
            a->response = c;
        } else {
            buf_printf(err,
                       "%s:%ld: <answer> must hold exactly one <response> element (after any "
                       "<when> conditions), not <%s> on line %ld",
                       f->path, xmlGetLineNo(node), c->name, xmlGetLineNo(c));
            return -1;
        }
    }
    if (!a->response) {
        buf_printf(err, "%s:%ld: <answer> must hold exactly one <response> element", f->path,
                   xmlGetLineNo(node));
        return -1;
    }
    return 0;
}

static int
load_answer(struct fixture *f, xmlNode *node, struct buf *err)
{
    struct answer *a = &f->answers[f->nanswers];
    memset(a, 0, sizeof(*a));
    long line = xmlGetLineNo(node);
    xmlChar *outcome = xmlGetProp(node, (const xmlChar *)"outcome");
    a->outcome = strdup(outcome ? (const char *)outcome : "");
    xmlFree(outcome);
    f->nanswers++;
    if (!a->outcome) {
        buf_printf(err, "%s: out of memory", f->path);
        return -1;
    }
    if (parse_status(node, &a->status, f->path, err) < 0 ||
        load_answer_children(f, a, node, err) < 0)
        return -1;
    /* Two unconditional answers for one outcome: the second could never be chosen. */
    for (size_t i = 0; i + 1 < f->nanswers && a->nwhen == 0; i++) {
        if (f->answers[i].nwhen == 0 && strcmp(f->answers[i].outcome, a->outcome) == 0) {
            buf_printf(err, "%s:%ld: a second <answer> for outcome \"%s\" without <when>", f->path,
                       line, a->outcome);
            return -1;
        }
    }
    return prepare_answer(a, f->path, err);
}

/* True when any text or attribute value under n holds needle. */
static int
mentions(const xmlNode *n, const char *needle)
{
    for (; n; n = n->next) {
        if (n->content && strstr((const char *)n->content, needle))
            return 1;
        if (n->type == XML_ELEMENT_NODE) {
            for (const xmlAttr *a = n->properties; a; a = a->next)
                if (mentions(a->children, needle))
                    return 1;
            if (mentions(n->children, needle))
                return 1;
        }
    }
    return 0;
}

#define MAX_INCLUDE_DEPTH 4 /* parts including parts */

static int
valid_part_name(const char *p)
{
    if (!*p)
        return 0;
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return 0;
    return 1;
}

static int expand_includes(xmlNode *n, const char *dir, const char *path, int depth,
                           struct buf *err);

/* Replaces one <include part="name"/> by the children of dir/parts/name.xml's root element. */
static int
expand_include(xmlNode *inc, const char *dir, const char *path, int depth, struct buf *err)
{
    xmlChar *part = xmlGetProp(inc, (const xmlChar *)"part");
    if (!part || !valid_part_name((const char *)part) || depth >= MAX_INCLUDE_DEPTH) {
        if (depth >= MAX_INCLUDE_DEPTH)
            buf_printf(err, "%s:%ld: <include> nested more than %d deep", path, xmlGetLineNo(inc),
                       MAX_INCLUDE_DEPTH);
        else
            buf_printf(err, "%s:%ld: <include> needs part=\"name\" (letters, digits, '_', '-')",
                       path, xmlGetLineNo(inc));
        xmlFree(part);
        return -1;
    }
    struct buf ppath = BUF_INIT;
    buf_printf(&ppath, "%s/parts/%s.xml", dir, part);
    xmlFree(part);
    xmlDoc *doc = xmlfile_read(ppath.data, err);
    int rc = doc ? 0 : -1;
    if (!doc)
        buf_printf(err, " (included from %s:%ld)", path, xmlGetLineNo(inc));
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNode *c = root ? root->children : NULL; c && rc == 0; c = c->next) {
        xmlNode *copy = xmlDocCopyNode(c, inc->doc, 1);
        if (!copy || !xmlAddPrevSibling(inc, copy)) {
            xmlFreeNode(copy);
            buf_printf(err, "%s: out of memory", ppath.data);
            rc = -1;
        } else if (copy->type == XML_ELEMENT_NODE) {
            rc = strcmp((const char *)copy->name, "include") == 0
                     ? expand_include(copy, dir, ppath.data, depth + 1, err)
                     : expand_includes(copy, dir, ppath.data, depth + 1, err);
        }
    }
    xmlFreeDoc(doc);
    buf_free(&ppath);
    xmlUnlinkNode(inc);
    xmlFreeNode(inc);
    return rc;
}

/* Shared pieces of answers (a cart, a booking) live once under parts/: <include part="cart"/>
 * anywhere in a fixture is replaced by them at load time, so rendering never sees it. */
static int
expand_includes(xmlNode *n, const char *dir, const char *path, int depth, struct buf *err)
{
    xmlNode *c = n->children;
    while (c) {
        xmlNode *next = c->next;
        if (c->type == XML_ELEMENT_NODE) {
            int rc = strcmp((const char *)c->name, "include") == 0
                         ? expand_include(c, dir, path, depth, err)
                         : expand_includes(c, dir, path, depth, err);
            if (rc < 0)
                return -1;
        }
        c = next;
    }
    return 0;
}

/* A file is either a bare <response> (one default answer: paste an example from the docs) or a
 * <fixture> of <answer outcome="..." status="..."> elements. */
static int
load_fixture(struct fixture *f, const char *dir, const char *path, const char *name,
             struct buf *err)
{
    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    f->name = strdup(name);
    if (!f->path || !f->name) {
        buf_printf(err, "%s: out of memory", path);
        return -1;
    }
    f->doc = xmlfile_read(path, err);
    if (!f->doc)
        return -1;
    xmlNode *root = xmlDocGetRootElement(f->doc);
    if (expand_includes(root, dir, path, 0, err) < 0)
        return -1;
    size_t n = 0;
    if (strcmp((const char *)root->name, "response") == 0) {
        n = 1;
    } else if (strcmp((const char *)root->name, "fixture") == 0) {
        for (xmlNode *c = root->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            if (strcmp((const char *)c->name, "answer") != 0) {
                buf_printf(err, "%s:%ld: unknown element <%s> in <fixture> (expected <answer>)",
                           path, xmlGetLineNo(c), c->name);
                return -1;
            }
            n++;
        }
    } else {
        buf_printf(err, "%s:%ld: the root element must be <response> or <fixture>, not <%s>", path,
                   xmlGetLineNo(root), root->name);
        return -1;
    }
    if (n == 0) {
        buf_printf(err, "%s:%ld: <fixture> has no <answer>", path, xmlGetLineNo(root));
        return -1;
    }
    f->answers = calloc(n, sizeof(*f->answers));
    if (!f->answers) {
        buf_printf(err, "%s: out of memory", path);
        return -1;
    }
    if (n == 1 && strcmp((const char *)root->name, "response") == 0) {
        struct answer *a = &f->answers[f->nanswers++];
        a->outcome = strdup("");
        a->response = root;
        if (!a->outcome || prepare_answer(a, path, err) < 0)
            return -1;
    } else {
        for (xmlNode *c = root->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && load_answer(f, c, err) < 0)
                return -1;
    }
    for (size_t i = 0; i < f->nanswers; i++) {
        f->dynamic |= f->answers[i].dynamic || f->answers[i].outcome[0];
        f->uses_clock |= mentions(f->answers[i].response, "server.time");
    }
    return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
cmp_fixture(const void *a, const void *b)
{
    return strcmp(((const struct fixture *)a)->name, ((const struct fixture *)b)->name);
}

static int
load_methods(struct fixture_set *fs, struct buf *err)
{
    struct buf dirpath = BUF_INIT;
    buf_printf(&dirpath, "%s/methods", fs->dir);
    DIR *d = opendir(dirpath.data);
    if (!d) {
        buf_printf(err, "%s: cannot open the directory: %s", dirpath.data, strerror(errno));
        buf_free(&dirpath);
        return -1;
    }
    int rc = 0;
    size_t cap = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".xml"))
            continue;
        if (fs->nmethods == cap) {
            cap = cap ? cap * 2 : 16;
            struct fixture *m = realloc(fs->methods, cap * sizeof(*m));
            if (!m) {
                buf_printf(err, "%s: out of memory", dirpath.data);
                rc = -1;
                break;
            }
            fs->methods = m;
        }
        struct buf path = BUF_INIT, name = BUF_INIT;
        buf_printf(&path, "%s/%s", dirpath.data, de->d_name);
        buf_append(&name, de->d_name, strlen(de->d_name) - 4);
        rc = load_fixture(&fs->methods[fs->nmethods++], fs->dir, path.data, name.data, err);
        buf_free(&path);
        buf_free(&name);
    }
    closedir(d);
    buf_free(&dirpath);
    if (rc == 0)
        qsort(fs->methods, fs->nmethods, sizeof(*fs->methods), cmp_fixture);
    return rc;
}

static int
load_errors(struct fixture_set *fs, struct buf *err)
{
    for (int i = 0; i < FIXTURE_ERR_COUNT; i++) {
        struct buf path = BUF_INIT;
        buf_printf(&path, "%s/errors/%s.xml", fs->dir, error_names[i]);
        int rc = load_fixture(&fs->errors[i], fs->dir, path.data, error_names[i], err);
        buf_free(&path);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int
fixtures_load(const char *dir, struct fixture_set **out, struct buf *err)
{
    *out = NULL;
    struct fixture_set *fs = calloc(1, sizeof(*fs));
    if (!fs || !(fs->dir = strdup(dir))) {
        free(fs);
        buf_printf(err, "%s: out of memory", dir);
        return -1;
    }
    fs->refs = 1;
    fs->loaded_at = time(NULL);
    struct buf path = BUF_INIT;
    buf_printf(&path, "%s/registry.xml", dir);
    int rc = registry_load(path.data, &fs->registry, err);
    buf_clear(&path);
    buf_printf(&path, "%s/catalogue.xml", dir);
    if (rc == 0) {
        /* A fixture set without a catalogue is fine: its catalogue methods find nothing. */
        if (access(path.data, F_OK) == 0)
            rc = catalogue_load(path.data, &fs->catalogue, err);
        else if (!(fs->catalogue = catalogue_empty())) {
            buf_printf(err, "%s: out of memory", dir);
            rc = -1;
        }
    }
    buf_free(&path);
    if (rc == 0 && !(fs->cache = answer_cache_new())) {
        buf_printf(err, "%s: out of memory", dir);
        rc = -1;
    }
    if (rc < 0 || load_methods(fs, err) < 0 || load_errors(fs, err) < 0) {
        fixtures_release(fs);
        return -1;
    }
    *out = fs;
    return 0;
}

struct fixture_set *
fixtures_retain(struct fixture_set *fs)
{
    __atomic_add_fetch(&fs->refs, 1, __ATOMIC_RELAXED);
    return fs;
}

void
fixtures_release(struct fixture_set *fs)
{
    if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (size_t i = 0; i < fs->nmethods; i++)
        fixture_free(&fs->methods[i]);
    free(fs->methods);
    for (int i = 0; i < FIXTURE_ERR_COUNT; i++)
        fixture_free(&fs->errors[i]);
    registry_free(fs->registry);
    catalogue_free(fs->catalogue);
    answer_cache_free(fs->cache);
    free(fs->dir);
    free(fs);
}

const struct fixture *
fixtures_method(const struct fixture_set *fs, const char *name)
{
    struct fixture key = {.name = (char *)name};
    return bsearch(&key, fs->methods, fs->nmethods, sizeof(key), cmp_fixture);
}

const struct fixture *
fixtures_error(const struct fixture_set *fs, enum fixture_error which)
{
    return &fs->errors[which];
}

static int
conditions_hold(const struct answer *a, fixture_param_fn param, void *ctx)
{
    for (size_t i = 0; i < a->nwhen; i++) {
        struct buf got = BUF_INIT;
        int ok = param && param(ctx, a->when[i].param, &got) == 0 &&
                 strcmp(got.data ? got.data : "", a->when[i].value) == 0;
        buf_free(&got);
        if (!ok)
            return 0;
    }
    return 1;
}

static const struct answer *
first_holding(const struct fixture *f, const char *outcome, fixture_param_fn param, void *ctx)
{
    for (size_t i = 0; i < f->nanswers; i++)
        if (strcmp(f->answers[i].outcome, outcome) == 0 &&
            conditions_hold(&f->answers[i], param, ctx))
            return &f->answers[i];
    return NULL;
}

const struct answer *
fixture_answer_match(const struct fixture *f, const char *outcome, fixture_param_fn param,
                     void *ctx)
{
    const struct answer *a = first_holding(f, outcome, param, ctx);
    if (!a && outcome[0])
        a = first_holding(f, "", param, ctx);
    /* No answer for the outcome and no default: the first answer, rather than none at all. */
    return a ? a : (f->nanswers ? &f->answers[0] : NULL);
}

const struct answer *
fixture_answer_exact(const struct fixture *f, const char *outcome, fixture_param_fn param,
                     void *ctx)
{
    return first_holding(f, outcome, param, ctx);
}

const struct answer *
fixture_answer(const struct fixture *f, const char *outcome)
{
    return fixture_answer_match(f, outcome, NULL, NULL);
}
