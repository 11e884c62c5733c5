/* json: a ZAPI response tree written as JSON the way real clients read it (a PHP json_encode of
 * the XML): every scalar a string, an empty element {}, one child an object, repeated children an
 * array. Pure. */
#ifndef ZAPI_JSON_H
#define ZAPI_JSON_H

#include <libxml/tree.h>

#include "buf.h"

/* Appends {"<root name>": ...} for root to out. Returns 0, or -1 when out of memory. */
int json_from_xml(const xmlNode *root, struct buf *out);

#endif
