#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

/* json="array" is for the JSON renderer only: true when the tree has one. */
static int
has_json_attr(const xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlHasProp((xmlNode *)n, (const xmlChar *)"json") || has_json_attr(n->children))
            return 1;
    }
    return 0;
}

static void
strip_json_attr(xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlAttr *a = xmlHasProp(n, (const xmlChar *)"json");
        if (a)
            xmlRemoveProp(a);
        strip_json_attr(n->children);
    }
}

static int
render_xml(const xmlNode *root, struct buf *out)
{
    xmlDoc *doc = root->doc;
    xmlDoc *tmp = NULL;
    int strip = has_json_attr(root);
    /* Dump a document holding only the response: a fixture's comments and <fixture>/<answer>
     * wrapping stay out of the answer. */
    if (strip || !doc || doc->children != root || root->next || root->prev) {
        tmp = xmlNewDoc((const xmlChar *)"1.0");
        xmlNode *copy = tmp ? xmlDocCopyNode((xmlNode *)root, tmp, 1) : NULL;
        if (!copy) {
            xmlFreeDoc(tmp);
            return -1;
        }
        xmlDocSetRootElement(tmp, copy);
        doc = tmp;
        if (strip)
            strip_json_attr(copy);
    }
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "utf-8", 1);
    xmlFreeDoc(tmp);
    if (!mem)
        return -1;
    int rc = buf_append(out, mem, (size_t)size);
    xmlFree(mem);
    return rc;
}

int
render_tree(const xmlNode *root, enum body_format format, struct buf *out)
{
    return format == FORMAT_JSON ? json_from_xml(root, out) : render_xml(root, out);
}

static int
code_of(const xmlNode *node)
{
    if (!node)
        return -1;
    struct buf b = BUF_INIT;
    xml_node_text(node, &b);
    char *end;
    long v = b.data ? strtol(b.data, &end, 10) : 0;
    int ok = b.data && b.len && *end == '\0';
    buf_free(&b);
    return ok ? (int)v : -1;
}

void
render_codes(const xmlNode *root, int *zapi_error, int *method_error)
{
    *zapi_error = code_of(xml_child(root, "error"));
    *method_error = code_of(xml_child(xml_child(root, "methodResponse"), "methodErrorCode"));
}

int
render_answer(const struct answer *a, enum body_format format, const struct model_node *model,
              template_lookup fn, void *ctx, struct buf *out, int *zapi_error, int *method_error)
{
    if (!a->dynamic) {
        *zapi_error = a->zapi_error;
        *method_error = a->method_error;
        const struct buf *cached = format == FORMAT_JSON ? &a->json : &a->xml;
        return buf_append(out, cached->data, cached->len);
    }
    xmlDoc *doc = template_render(a->response, model, fn, ctx);
    if (!doc)
        return -1;
    xmlNode *root = xmlDocGetRootElement(doc);
    render_codes(root, zapi_error, method_error);
    int rc = render_tree(root, format, out);
    xmlFreeDoc(doc);
    return rc;
}
