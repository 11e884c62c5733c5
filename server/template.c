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

static int
check_text(const char *text, int line, const char *const *namespaces, struct buf *err)
{
    const char *s = text, *start, *end;
    char name[TEMPLATE_MAX_NAME];
    int bad, count = 0;
    while ((end = next_placeholder(s, &start, name, sizeof(name), &bad)) || bad) {
        if (bad) {
            buf_printf(err, "line %d: malformed placeholder near \"%.40s\"", line, start);
            return -1;
        }
        size_t ns_len = strcspn(name, ".");
        int known = 0;
        for (const char *const *ns = namespaces; *ns; ns++)
            if (strlen(*ns) == ns_len && strncmp(*ns, name, ns_len) == 0)
                known = 1;
        if (!known) {
            buf_printf(err, "line %d: placeholder {{%s}} does not start with a known name (", line,
                       name);
            for (const char *const *ns = namespaces; *ns; ns++)
                buf_printf(err, "%s%s", ns == namespaces ? "" : ", ", *ns);
            buf_printf(err, ")");
            return -1;
        }
        count++;
        s = end;
    }
    return count;
}

static int check_list(const xmlNode *first, const char *const *namespaces, struct buf *err);

static int
check_one(const xmlNode *n, const char *const *namespaces, struct buf *err)
{
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
        return check_text((const char *)n->content, (int)xmlGetLineNo(n), namespaces, err);
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    int total = 0;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        int c = check_list(a->children, namespaces, err);
        if (c < 0)
            return -1;
        total += c;
    }
    int c = check_list(n->children, namespaces, err);
    return c < 0 ? -1 : total + c;
}

static int
check_list(const xmlNode *first, const char *const *namespaces, struct buf *err)
{
    int total = 0;
    for (const xmlNode *n = first; n; n = n->next) {
        int c = check_one(n, namespaces, err);
        if (c < 0)
            return -1;
        total += c;
    }
    return total;
}

int
template_check(const xmlNode *root, const char *const *namespaces, struct buf *err)
{
    return root ? check_one(root, namespaces, err) : 0;
}

static int
expand_node(xmlNode *n, template_lookup fn, void *ctx)
{
    for (; n; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
            strstr((const char *)n->content, "{{")) {
            struct buf out = BUF_INIT;
            if (template_expand((const char *)n->content, fn, ctx, &out) < 0) {
                buf_free(&out);
                return -1;
            }
            /* A value holding "]]>" cannot live in CDATA; plain text escapes it instead. */
            if (n->type == XML_CDATA_SECTION_NODE && out.data && strstr(out.data, "]]>"))
                n->type = XML_TEXT_NODE;
            xmlNodeSetContent(n, (const xmlChar *)(out.data ? out.data : ""));
            buf_free(&out);
        } else if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttr *a = n->properties; a; a = a->next)
                if (expand_node(a->children, fn, ctx) < 0)
                    return -1;
            if (expand_node(n->children, fn, ctx) < 0)
                return -1;
        }
    }
    return 0;
}

xmlDoc *
template_render(const xmlNode *root, template_lookup fn, void *ctx)
{
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    if (!doc)
        return NULL;
    xmlNode *copy = xmlDocCopyNode((xmlNode *)root, doc, 1);
    if (!copy) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlDocSetRootElement(doc, copy);
    if (expand_node(copy, fn, ctx) < 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}
