#include "json.h"

#include <jansson.h>
#include <string.h>

#include "envelope.h"

static int
has_element_children(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static json_t *element_to_json(const xmlNode *node);

/* json="array" on an element (a fixture's way to say "a list even with one item", as some
 * clients expect): its first occurrence already makes an array. */
static int
json_forced_array(const xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (!strcmp((const char *)a->name, "json") && a->children && a->children->content &&
            !strcmp((const char *)a->children->content, "array"))
            return 1;
    return 0;
}

/* Children grouped by name in order of first appearance; a name seen twice becomes an array. */
static json_t *
children_to_json(const xmlNode *node)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)c->name;
        json_t *v = element_to_json(c);
        if (!v)
            goto fail;
        json_t *prev = json_object_get(obj, name);
        int rc;
        if (!prev && json_forced_array(c)) {
            json_t *arr = json_array();
            if (!arr || json_array_append_new(arr, v) < 0) {
                json_decref(arr);
                goto fail;
            }
            rc = json_object_set_new(obj, name, arr);
        } else if (!prev) {
            rc = json_object_set_new(obj, name, v);
        } else if (json_is_array(prev)) {
            /* element_to_json never makes arrays: this one holds earlier repeats. */
            rc = json_array_append_new(prev, v);
        } else {
            json_t *arr = json_array();
            if (!arr) {
                json_decref(v);
                goto fail;
            }
            json_array_append(arr, prev);
            json_array_append_new(arr, v);
            rc = json_object_set_new(obj, name, arr);
        }
        if (rc < 0)
            goto fail;
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

static json_t *
element_to_json(const xmlNode *node)
{
    if (has_element_children(node))
        return children_to_json(node);
    struct buf text = BUF_INIT;
    xml_node_text(node, &text);
    json_t *v = text.len ? json_stringn(text.data, text.len) : json_object();
    buf_free(&text);
    return v;
}

static int
dump_cb(const char *data, size_t size, void *arg)
{
    return buf_append(arg, data, size);
}

int
json_from_xml(const xmlNode *root, struct buf *out)
{
    json_t *doc = json_object();
    json_t *v = element_to_json(root);
    if (!doc || !v || json_object_set_new(doc, (const char *)root->name, v) < 0) {
        json_decref(doc);
        return -1;
    }
    /* PHP's defaults: compact, "/" escaped, non-ASCII as \u escapes. */
    int rc = json_dump_callback(doc, dump_cb, out,
                                JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_ENSURE_ASCII |
                                    JSON_PRESERVE_ORDER);
    json_decref(doc);
    return rc;
}
