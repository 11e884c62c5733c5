#include "template.h"
#include "text.h"

#include <ctype.h>
#include <string.h>

/* Finds the next {{...}} at or after s. Sets name (trimmed, NUL-terminated) and returns a pointer
 * past the closing braces; returns NULL when there is none. *start points at the opening braces.
 * A malformed placeholder sets *bad. */
static const char *
next_placeholder(const char *s, const char **start, char *name, size_t cap, int *bad)
{
    *bad = 0;
    const char *open = strstr(s, "{{");
    if (!open)
        return NULL;
    *start = open;
    const char *close = strstr(open + 2, "}}");
    if (!close) {
        *bad = 1;
        return NULL;
    }
    const char *p = open + 2, *e = close;
    while (p < e && isspace((unsigned char)*p))
        p++;
    while (e > p && isspace((unsigned char)e[-1]))
        e--;
    size_t n = (size_t)(e - p);
    if (n == 0 || n >= cap) {
        *bad = 1;
        return close + 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '.' && p[i] != '-') {
            *bad = 1;
            return close + 2;
        }
    }
    memcpy(name, p, n);
    name[n] = '\0';
    return close + 2;
}

int
template_expand(const char *text, template_lookup fn, void *ctx, struct buf *out)
{
    const char *s = text, *start, *end;
    char name[TEMPLATE_MAX_NAME];
    int bad;
    while ((end = next_placeholder(s, &start, name, sizeof(name), &bad))) {
        if (buf_append(out, s, (size_t)(start - s)) < 0)
            return -1;
        if (bad) {
            /* Load-time checks refuse these; keep the text rather than guess. */
            if (buf_append(out, start, (size_t)(end - start)) < 0)
                return -1;
        } else {
            /* Values come from requests: keep the answer valid UTF-8 and valid XML. */
            size_t mark = out->len;
            fn(ctx, name, out);
            text_sanitize(out, mark);
        }
        s = end;
    }
    return buf_append_str(out, s);
}

/* The loop variables of the each="" elements around the node being checked. */
struct check_scope {
    const char *vars[TEMPLATE_MAX_DEPTH];
    size_t n;
};

static int
ns_known(const char *name, size_t ns_len, const char *const *namespaces,
         const struct check_scope *sc)
{
    for (const char *const *ns = namespaces; *ns; ns++)
        if (strlen(*ns) == ns_len && strncmp(*ns, name, ns_len) == 0)
            return 1;
    for (size_t i = 0; i < sc->n; i++)
        if (strlen(sc->vars[i]) == ns_len && strncmp(sc->vars[i], name, ns_len) == 0)
            return 1;
    return 0;
}

static void
unknown_ns(const char *what, const char *name, int line, const char *const *namespaces,
           const struct check_scope *sc, struct buf *err)
{
    buf_printf(err, "line %d: %s %s does not start with a known name (", line, what, name);
    for (const char *const *ns = namespaces; *ns; ns++)
        buf_printf(err, "%s%s", ns == namespaces ? "" : ", ", *ns);
    for (size_t i = 0; i < sc->n; i++)
        buf_printf(err, ", %s", sc->vars[i]);
    buf_printf(err, ")");
}

static int
check_text(const char *text, int line, const char *const *namespaces, const struct check_scope *sc,
           struct buf *err)
{
    const char *s = text, *start, *end;
    char name[TEMPLATE_MAX_NAME];
    int bad, count = 0;
    while ((end = next_placeholder(s, &start, name, sizeof(name), &bad)) || bad) {
        if (bad) {
            buf_printf(err, "line %d: malformed placeholder near \"%.40s\"", line, start);
            return -1;
        }
        if (!ns_known(name, strcspn(name, "."), namespaces, sc)) {
            char shown[TEMPLATE_MAX_NAME + 8];
            snprintf(shown, sizeof(shown), "{{%s}}", name);
            unknown_ns("placeholder", shown, line, namespaces, sc, err);
            return -1;
        }
        count++;
        s = end;
    }
    return count;
}

static int
valid_path(const char *p)
{
    const char *start = p;
    if (!*p || *p == '.')
        return 0;
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return 0;
    return p[-1] != '.' && !strstr(start, "..");
}

/* each="var in path": var a name, path a dotted path. */
static int
parse_each(const char *s, char *var, size_t var_cap, char *path, size_t path_cap)
{
    char in[4];
    int n = 0;
    char fmt[32];
    snprintf(fmt, sizeof(fmt), " %%%zus %%3s %%%zus %%n", var_cap - 1, path_cap - 1);
    if (sscanf(s, fmt, var, in, path, &n) != 3 || s[n] != '\0' || strcmp(in, "in") != 0)
        return -1;
    if (!valid_path(var) || strchr(var, '.') || !valid_path(path))
        return -1;
    return 0;
}

/* if="path" or if="!path". */
static const char *
cond_path(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '!' ? s + 1 : s;
}

static int check_list(const xmlNode *first, const char *const *namespaces, struct check_scope *sc,
                      struct buf *err);

/* Checks each="" and if="" of element n; pushes the loop variable on sc. Returns the number of
 * directives (0, 1 or 2) or -1. */
static int
check_directives(const xmlNode *n, const char *const *namespaces, struct check_scope *sc, char *var,
                 struct buf *err)
{
    int line = (int)xmlGetLineNo(n), count = 0;
    xmlChar *each = xmlGetProp(n, (const xmlChar *)"each");
    xmlChar *cond = xmlGetProp(n, (const xmlChar *)"if");
    char path[TEMPLATE_MAX_NAME];
    int rc = 0;
    if (each) {
        count++;
        if (parse_each((const char *)each, var, TEMPLATE_MAX_NAME, path, sizeof(path)) < 0) {
            buf_printf(err, "line %d: each=\"%.60s\" must read each=\"item in list.path\"", line,
                       each);
            rc = -1;
        } else if (!ns_known(path, strcspn(path, "."), namespaces, sc)) {
            unknown_ns("list", path, line, namespaces, sc, err);
            rc = -1;
        } else if (sc->n == TEMPLATE_MAX_DEPTH) {
            buf_printf(err, "line %d: each= nested deeper than %d", line, TEMPLATE_MAX_DEPTH);
            rc = -1;
        }
    }
    if (rc == 0 && cond) {
        count++;
        const char *p = cond_path((const char *)cond);
        if (!valid_path(p)) {
            buf_printf(err, "line %d: if=\"%.60s\" must name a path (or !path)", line, cond);
            rc = -1;
        } else {
            /* The condition may read the loop variable of the same element. */
            if (each)
                sc->vars[sc->n++] = var;
            if (!ns_known(p, strcspn(p, "."), namespaces, sc)) {
                unknown_ns("condition", p, line, namespaces, sc, err);
                rc = -1;
            }
            if (each)
                sc->n--;
        }
    }
    xmlFree(each);
    xmlFree(cond);
    if (rc == 0 && each)
        sc->vars[sc->n++] = var;
    return rc < 0 ? -1 : count;
}

static int
check_one(const xmlNode *n, const char *const *namespaces, struct check_scope *sc, struct buf *err)
{
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
        return check_text((const char *)n->content, (int)xmlGetLineNo(n), namespaces, sc, err);
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    char var[TEMPLATE_MAX_NAME];
    size_t depth = sc->n;
    xmlChar *json = xmlGetProp(n, (const xmlChar *)"json");
    int bad_json = json && strcmp((const char *)json, "array") != 0;
    xmlFree(json);
    if (bad_json) {
        buf_printf(err, "line %d: json=\"...\" may only say json=\"array\"", (int)xmlGetLineNo(n));
        return -1;
    }
    int total = check_directives(n, namespaces, sc, var, err);
    if (total < 0)
        return -1;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!strcmp((const char *)a->name, "each") || !strcmp((const char *)a->name, "if"))
            continue;
        int c = check_list(a->children, namespaces, sc, err);
        if (c < 0)
            return -1;
        total += c;
    }
    int c = check_list(n->children, namespaces, sc, err);
    sc->n = depth;
    return c < 0 ? -1 : total + c;
}

static int
check_list(const xmlNode *first, const char *const *namespaces, struct check_scope *sc,
           struct buf *err)
{
    int total = 0;
    for (const xmlNode *n = first; n; n = n->next) {
        int c = check_one(n, namespaces, sc, err);
        if (c < 0)
            return -1;
        total += c;
    }
    return total;
}

int
template_check(const xmlNode *root, const char *const *namespaces, struct buf *err)
{
    struct check_scope sc = {.n = 0};
    /* The root is the answer: it is there exactly once, never repeated nor dropped. */
    if (root && root->type == XML_ELEMENT_NODE &&
        (xmlHasProp(root, (const xmlChar *)"each") || xmlHasProp(root, (const xmlChar *)"if"))) {
        buf_printf(err, "line %d: each= and if= cannot be on <%s>: an answer has one root element",
                   (int)xmlGetLineNo(root), (const char *)root->name);
        return -1;
    }
    return root ? check_one(root, namespaces, &sc, err) : 0;
}

/* ---- rendering ---- */

struct scope {
    const char *var;
    const struct model_node *item;
    const struct scope *up;
};

struct render {
    xmlDoc *doc;
    const struct model_node *model;
    template_lookup fn;
    void *ctx;
    const struct scope *scope;
};

/* A name's first part is, in this order: a loop variable, a model namespace, a caller's name. */
static const struct model_node *
resolve(const struct render *r, const char *name, int *found)
{
    size_t ns = strcspn(name, ".");
    const char *rest = name[ns] == '.' ? name + ns + 1 : "";
    *found = 1;
    for (const struct scope *s = r->scope; s; s = s->up)
        if (strlen(s->var) == ns && strncmp(s->var, name, ns) == 0)
            return model_find(s->item, rest);
    for (const struct model_node *c = r->model ? r->model->first : NULL; c; c = c->next)
        if (strlen(c->name) == ns && strncmp(c->name, name, ns) == 0)
            return model_find(c, rest);
    *found = 0;
    return NULL;
}

static int
scoped_lookup(void *ctx, const char *name, struct buf *out)
{
    const struct render *r = ctx;
    int found;
    const struct model_node *n = resolve(r, name, &found);
    if (!found)
        return r->fn ? r->fn(r->ctx, name, out) : -1;
    if (!n || !n->text)
        return -1;
    return buf_append_str(out, n->text);
}

static int
truthy(const struct render *r, const char *cond)
{
    const char *p = cond_path(cond);
    int neg = p != cond && p[-1] == '!';
    int found;
    const struct model_node *n = resolve(r, p, &found);
    int yes;
    if (found) {
        yes = n && (n->first || (n->text && *n->text && strcmp(n->text, "0") != 0 &&
                                 strcmp(n->text, "false") != 0));
    } else {
        struct buf v = BUF_INIT;
        yes = r->fn && r->fn(r->ctx, p, &v) == 0 && v.len && strcmp(v.data, "0") != 0 &&
              strcmp(v.data, "false") != 0;
        buf_free(&v);
    }
    return neg ? !yes : yes;
}

static int emit_list(struct render *r, const xmlNode *first, xmlNode *parent);

static int
emit_text(struct render *r, const xmlNode *n, xmlNode *parent)
{
    const char *content = (const char *)n->content;
    xmlNode *t;
    if (strstr(content, "{{")) {
        struct buf out = BUF_INIT;
        if (template_expand(content, scoped_lookup, r, &out) < 0) {
            buf_free(&out);
            return -1;
        }
        const char *v = out.data ? out.data : "";
        /* A value holding "]]>" cannot live in CDATA; plain text escapes it instead. */
        if (n->type == XML_CDATA_SECTION_NODE && !strstr(v, "]]>"))
            t = xmlNewCDataBlock(r->doc, (const xmlChar *)v, (int)out.len);
        else
            t = xmlNewDocText(r->doc, (const xmlChar *)v);
        buf_free(&out);
    } else if (n->type == XML_CDATA_SECTION_NODE) {
        t = xmlNewCDataBlock(r->doc, n->content, (int)strlen(content));
    } else {
        t = xmlNewDocText(r->doc, n->content);
    }
    if (!t || !xmlAddChild(parent, t)) {
        xmlFreeNode(t);
        return -1;
    }
    return 0;
}

static int
emit_element(struct render *r, const xmlNode *n, xmlNode *parent)
{
    xmlNode *e = xmlNewDocNode(r->doc, NULL, n->name, NULL);
    if (!e)
        return -1;
    if (parent)
        xmlAddChild(parent, e);
    else
        xmlDocSetRootElement(r->doc, e);
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!strcmp((const char *)a->name, "each") || !strcmp((const char *)a->name, "if"))
            continue;
        xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
        struct buf out = BUF_INIT;
        int rc = template_expand(v ? (const char *)v : "", scoped_lookup, r, &out);
        xmlFree(v);
        if (rc < 0 || !xmlNewProp(e, a->name, (const xmlChar *)(out.data ? out.data : ""))) {
            buf_free(&out);
            return -1;
        }
        buf_free(&out);
    }
    return emit_list(r, n->children, e);
}

static int
emit_one(struct render *r, const xmlNode *n, xmlNode *parent)
{
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
        return parent ? emit_text(r, n, parent) : 0;
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    xmlChar *each = xmlGetProp(n, (const xmlChar *)"each");
    xmlChar *cond = xmlGetProp(n, (const xmlChar *)"if");
    int rc = 0;
    if (!each) {
        if (!cond || truthy(r, (const char *)cond))
            rc = emit_element(r, n, parent);
    } else {
        char var[TEMPLATE_MAX_NAME], path[TEMPLATE_MAX_NAME];
        int found = 0;
        const struct model_node *list = NULL;
        /* Checked at load; a malformed one renders nothing rather than guess. */
        if (parse_each((const char *)each, var, sizeof(var), path, sizeof(path)) == 0)
            list = resolve(r, path, &found);
        const struct scope *saved = r->scope;
        /* The root is made once at most (template_check refuses each= on it): a second
         * xmlDocSetRootElement would orphan the first. */
        int made = 0;
        for (const struct model_node *it = list ? list->first : NULL; it && rc == 0;
             it = it->next) {
            if (!parent && made)
                break;
            struct scope s = {.var = var, .item = it, .up = saved};
            r->scope = &s;
            if (!cond || truthy(r, (const char *)cond)) {
                rc = emit_element(r, n, parent);
                made = 1;
            }
            r->scope = saved;
        }
    }
    xmlFree(each);
    xmlFree(cond);
    return rc;
}

static int
emit_list(struct render *r, const xmlNode *first, xmlNode *parent)
{
    for (const xmlNode *n = first; n; n = n->next)
        if (emit_one(r, n, parent) < 0)
            return -1;
    return 0;
}

xmlDoc *
template_render(const xmlNode *root, const struct model_node *model, template_lookup fn, void *ctx)
{
    struct render r = {
        .doc = xmlNewDoc((const xmlChar *)"1.0"), .model = model, .fn = fn, .ctx = ctx};
    if (!r.doc)
        return NULL;
    if (emit_one(&r, root, NULL) < 0 || !xmlDocGetRootElement(r.doc)) {
        xmlFreeDoc(r.doc);
        return NULL;
    }
    return r.doc;
}
