/* template: {{placeholders}} and directives in fixture trees, checked at load time and filled per
 * request. A placeholder is {{ns.path}}: request.zapiMethod.username, partner.accountId,
 * activity.activityName, error.message... Two attributes on any element are directives:
 *   each="item in list.path"  the element once per child of the model node at list.path, with
 *                             {{item.x}} reading that child (none at all for an empty list);
 *   if="path" / if="!path"    the element only when path holds a non-empty value other than
 *                             "0" and "false" (or children), or only when it does not.
 * Pure: the caller supplies the values through a model and a lookup function. */
#ifndef ZAPI_TEMPLATE_H
#define ZAPI_TEMPLATE_H

#include <libxml/tree.h>

#include "buf.h"
#include "model.h"

/* Appends the value of name to out and returns 0, or returns -1 when there is none
 * (the placeholder then expands to nothing). */
typedef int (*template_lookup)(void *ctx, const char *name, struct buf *out);

#define TEMPLATE_MAX_NAME 128
#define TEMPLATE_MAX_DEPTH 16 /* each= nested in each= */

/* Expands the placeholders of text into out. Returns 0, or -1 when out of memory. */
int template_expand(const char *text, template_lookup fn, void *ctx, struct buf *out);
/* Checks every placeholder and directive under root: well-formed, and its first part one of
 * namespaces (a NULL-terminated list) or a loop variable in scope. Returns the number found, or
 * -1 with "line N: reason" in err. */
int template_check(const xmlNode *root, const char *const *namespaces, struct buf *err);
/* A new document holding a copy of root with every placeholder expanded and every directive
 * applied, or NULL (out of memory, or root itself dropped by its if=""). Names are resolved in
 * the loop variables in scope, then the model's namespaces (model may be NULL), then fn. */
xmlDoc *template_render(const xmlNode *root, const struct model_node *model, template_lookup fn,
                        void *ctx);

#endif
