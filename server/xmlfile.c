#include "xmlfile.h"

#include <errno.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

static int
slurp(const char *path, struct buf *out, struct buf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (out->len + n > XMLFILE_MAX_BYTES) {
            buf_printf(err, "%s: larger than %d bytes", path, XMLFILE_MAX_BYTES);
            rc = -1;
            break;
        }
        if (buf_append(out, chunk, n) < 0) {
            buf_printf(err, "%s: out of memory", path);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        buf_printf(err, "%s: cannot read: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
}

xmlDoc *
xmlfile_read(const char *path, struct buf *err)
{
    struct buf text = BUF_INIT;
    if (slurp(path, &text, err) < 0) {
        buf_free(&text);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    xmlDoc *doc = NULL;
    if (ctxt)
        doc = xmlCtxtReadMemory(ctxt, text.data ? text.data : "", (int)text.len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    if (!doc || !ctxt->wellFormed) {
        const xmlError *e = ctxt ? xmlCtxtGetLastError(ctxt) : NULL;
        buf_printf(err, "%s:%d: %s", path, e ? e->line : 0,
                   e && e->message ? e->message : (text.len ? "not well-formed" : "empty file"));
        while (err->len && err->data[err->len - 1] == '\n')
            err->data[--err->len] = '\0';
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    buf_free(&text);
    return doc;
}
