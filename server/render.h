/* render: a fixture answer's <response> turned into the bytes sent, in XML or JSON. Static answers
 * come from the cache filled at load time; answers with placeholders are filled per request. */
#ifndef ZAPI_RENDER_H
#define ZAPI_RENDER_H

#include <libxml/tree.h>

#include "buf.h"
#include "envelope.h"
#include "fixtures.h"
#include "template.h"

/* Serialises the tree under root as an XML document or as JSON, appended to out. */
int render_tree(const xmlNode *root, enum body_format format, struct buf *out);
/* Reads <error> and <methodResponse><methodErrorCode> (-1 when absent or not a number). */
void render_codes(const xmlNode *root, int *zapi_error, int *method_error);
/* Appends the answer's body to out and reports its ZAPI codes. Returns 0, or -1 on failure. */
int render_answer(const struct answer *a, enum body_format format, const struct model_node *model,
                  template_lookup fn, void *ctx, struct buf *out, int *zapi_error,
                  int *method_error);

#endif
