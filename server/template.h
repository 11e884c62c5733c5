/* template: {{placeholders}} in fixture trees, checked at load time and filled per request.
 * A placeholder is {{ns.path}}: request.zapiMethod.username, partner.accountId, agent.firstName,
 * error.message... Pure: the caller supplies the values through a lookup function. */
#ifndef ZAPI_TEMPLATE_H
#define ZAPI_TEMPLATE_H

#include <libxml/tree.h>

#include "buf.h"

/* Appends the value of name to out and returns 0, or returns -1 when there is none
 * (the placeholder then expands to nothing). */
typedef int (*template_lookup)(void *ctx, const char *name, struct buf *out);

#define TEMPLATE_MAX_NAME 128

/* Expands the placeholders of text into out. Returns 0, or -1 when out of memory. */
int template_expand(const char *text, template_lookup fn, void *ctx, struct buf *out);
/* Checks every placeholder under root: well-formed, and its first part one of namespaces
 * (a NULL-terminated list). Returns the number found, or -1 with "line N: reason" in err. */
int template_check(const xmlNode *root, const char *const *namespaces, struct buf *err);
/* A new document holding a copy of root with every placeholder expanded, or NULL. */
xmlDoc *template_render(const xmlNode *root, template_lookup fn, void *ctx);

#endif
