#include "xmlfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
record_first(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;
    struct xml_first_error *e = ctxt->_private;
    if (!e || e->set || !err || err->level < XML_ERR_ERROR)
        return;
    e->set = 1;
    e->line = err->line;
    e->column = err->int2;
    snprintf(e->message, sizeof(e->message), "%s", err->message ? err->message : "error");
    size_t n = strlen(e->message);
    while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
        e->message[--n] = '\0';
}

void
xml_first_error_attach(xmlParserCtxtPtr ctxt, struct xml_first_error *e)
{
    memset(e, 0, sizeof(*e));
    ctxt->_private = e;
    ctxt->sax->serror = record_first;
}

/* Opens path for reading only when it is a regular file. A FIFO would block open() (and the
 * whole server) until someone writes to it, a device could do worse: check first, then open
 * non-blocking and check again what was opened, in case the name changed in between. */
static FILE *
open_regular(const char *path, struct buf *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        buf_printf(err, "%s: not a regular file", path);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        buf_printf(err, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

static int
slurp(const char *path, struct buf *out, struct buf *err)
{
    FILE *f = open_regular(path, err);
    if (!f)
        return -1;
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
    struct xml_first_error first;
    xmlDoc *doc = NULL;
    if (ctxt)
        xml_first_error_attach(ctxt, &first);
    if (ctxt)
        doc = xmlCtxtReadMemory(ctxt, text.data ? text.data : "", (int)text.len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    if (!doc || !ctxt->wellFormed) {
        if (ctxt && first.set)
            buf_printf(err, "%s:%d: %s", path, first.line, first.message);
        else
            buf_printf(err, "%s:0: %s", path, text.len ? "not well-formed" : "empty file");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (doc && (doc->intSubset || doc->extSubset)) {
        /* Entities would be left as references in answers sent without their DTD. */
        const char *at = strstr(text.data, "<!DOCTYPE");
        int line = 1;
        for (const char *p = text.data; at && p < at; p++)
            line += *p == '\n';
        buf_printf(err, "%s:%d: a DOCTYPE is not allowed in fixtures (no DTDs, no entities)", path,
                   line);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    buf_free(&text);
    return doc;
}
