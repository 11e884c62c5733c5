/* xmlfile: reads a fixture file into a libxml2 document. The file is read here, not by libxml2,
 * because the process-wide entity loader refuses every load (see envelope_global_init). */
#ifndef ZAPI_XMLFILE_H
#define ZAPI_XMLFILE_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "buf.h"

#define XMLFILE_MAX_BYTES (64 * 1024 * 1024)

/* Parses path (blank text dropped, CDATA kept). Returns the document, or NULL with
 * "path:line: reason" in err. */
xmlDoc *xmlfile_read(const char *path, struct buf *err);

/* libxml2 goes on after a mistake and keeps only its last error, usually "premature end of data"
 * at the end of the file; people need the first. Attach to a parser context before parsing. */
struct xml_first_error {
    int set;
    int line;
    int column;
    char message[256];
};

void xml_first_error_attach(xmlParserCtxtPtr ctxt, struct xml_first_error *e);

#endif
