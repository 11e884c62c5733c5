/* model: the values a method handler computes for one answer (an activity, a list of categories,
 * a cart), as a tree of named text values that fixture templates read with {{name.path}} and
 * repeat with each="item in list". Allocated from one arena per request and freed in one go.
 *
 * Building never fails halfway for the caller: on out of memory the model turns "failed" (every
 * later add is a no-op) and the renderer refuses it, so handlers check model_failed() once. */
#ifndef ZAPI_MODEL_H
#define ZAPI_MODEL_H

#include <stddef.h>

struct model_node {
    const char *name;
    const char *text; /* NULL for a node that only has children */
    struct model_node *first, *last, *next;
    size_t count; /* number of children */
};

struct model_chunk;

struct model {
    struct model_node root; /* its children are the namespaces a template reads */
    struct model_chunk *chunks;
    int failed;
};

void model_init(struct model *m);
void model_free(struct model *m);
int model_failed(const struct model *m);

/* A new child of parent (the root when parent is NULL) holding children. NULL only when the model
 * has failed; passing NULL as parent to the other calls is then harmless. */
struct model_node *model_add(struct model *m, struct model_node *parent, const char *name);
/* A new text child of parent; the text is copied. Returns the node or NULL (failed model). */
struct model_node *model_set(struct model *m, struct model_node *parent, const char *name,
                             const char *text);
struct model_node *model_setf(struct model *m, struct model_node *parent, const char *name,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Money in cents as ZAPI shows it in plain fields: "105.00", "-3.50". */
struct model_node *model_set_money(struct model *m, struct model_node *parent, const char *name,
                                   long cents);

/* The node at a dotted path of child names under from ("activity.prices"), or NULL. An empty
 * path is from itself. */
const struct model_node *model_find(const struct model_node *from, const char *path);
/* The first child named name, or NULL. */
const struct model_node *model_child(const struct model_node *n, const char *name);

#endif
