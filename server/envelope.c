#include "envelope.h"
#include "xmlfile.h"

#include <ctype.h>
#include <jansson.h>
#include <libxml/dict.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every external entity or DTD load is refused, whatever the parser options. */
static xmlParserInputPtr
deny_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

void
envelope_global_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_entity_loader);
}

enum body_format
envelope_detect(const char *content_type, const char *body, size_t len)
{
    if (content_type && strcasestr(content_type, "json"))
        return FORMAT_JSON;
    size_t i = 0;
    if (len >= 3 && (unsigned char)body[0] == 0xEF && (unsigned char)body[1] == 0xBB &&
        (unsigned char)body[2] == 0xBF)
        i = 3;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    return i < len && body[i] == '{' ? FORMAT_JSON : FORMAT_XML;
}

static void
append_trimmed(struct buf *out, const char *p, size_t len)
{
    while (len && isspace((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    buf_append(out, p, len);
}

void
xml_node_text(const xmlNode *node, struct buf *out)
{
    /* The usual element holds one text node or nothing: read it in place (xmlNodeGetContent
     * builds a copy, a tenth of an Authenticate answer's cost). */
    if (node && node->type == XML_ELEMENT_NODE) {
        const xmlNode *c = node->children;
        if (!c) {
            append_trimmed(out, "", 0);
            return;
        }
        if (!c->next && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
            c->content) {
            append_trimmed(out, (const char *)c->content, strlen((const char *)c->content));
            return;
        }
    }
    xmlChar *s = xmlNodeGetContent(node);
    if (!s)
        return;
    append_trimmed(out, (const char *)s, strlen((const char *)s));
    xmlFree(s);
}

xmlNode *
xml_child(const xmlNode *node, const char *name)
{
    for (xmlNode *c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

/* A DOCTYPE has no business in a ZAPI request: stop at once rather than expand anything. */
static void
refuse_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct xml_first_error *e = ctxt->_private;
    (void)name;
    (void)ext_id;
    (void)sys_id;
    e->set = -1; /* marks the DOCTYPE refusal; later errors are not recorded */
    xmlStopParser(ctxt);
}

/* The kept parser context is dropped after a failed parse, and when its dictionary (every
 * element name it has seen is kept there) has grown past ENVELOPE_DICT_MAX_NAMES, so a client
 * sending ever new names cannot grow it without bound. */
#define ENVELOPE_DICT_MAX_NAMES 4096

struct envelope_parser {
    xmlParserCtxtPtr ctxt; /* NULL until a parse needs libxml2's parser */
};

struct envelope_parser *
envelope_parser_new(void)
{
    return calloc(1, sizeof(struct envelope_parser));
}

void
envelope_parser_free(struct envelope_parser *p)
{
    if (!p)
        return;
    xmlFreeParserCtxt(p->ctxt);
    free(p);
}

static xmlParserCtxtPtr
take_ctxt(struct envelope_parser *p)
{
    xmlParserCtxtPtr ctxt = p ? p->ctxt : NULL;
    if (p)
        p->ctxt = NULL;
    return ctxt ? ctxt : xmlNewParserCtxt();
}

static void
give_back_ctxt(struct envelope_parser *p, xmlParserCtxtPtr ctxt, int reusable)
{
    if (p && reusable && !p->ctxt && ctxt->dict &&
        xmlDictSize(ctxt->dict) < ENVELOPE_DICT_MAX_NAMES)
        p->ctxt = ctxt;
    else
        xmlFreeParserCtxt(ctxt);
}

/* xmlCtxtReadMemory, but reading the text in place: libxml2 2.9 asks a memory input to "grow"
 * at every element of a document shorter than its 250-byte look-ahead, which cost as much as
 * the parse itself. A static input has nothing to grow from. libxml2 reads such an input up to
 * a NUL, so the text gets one: the body is copied (that costs far less than what it saves). */
static xmlDoc *
read_in_place(xmlParserCtxtPtr ctxt, const char *body, size_t len, int opts)
{
    char *text = malloc(len + 1);
    if (!text)
        return NULL;
    memcpy(text, body, len);
    text[len] = '\0';
    xmlDoc *doc = NULL;
    xmlCtxtReset(ctxt);
    xmlCtxtUseOptions(ctxt, opts);
    xmlParserInputBufferPtr in =
        xmlParserInputBufferCreateStatic(text, (int)len, XML_CHAR_ENCODING_NONE);
    xmlParserInputPtr stream = in ? xmlNewIOInputStream(ctxt, in, XML_CHAR_ENCODING_NONE) : NULL;
    if (!stream) {
        xmlFreeParserInputBuffer(in);
    } else if (inputPush(ctxt, stream) < 0) {
        xmlFreeInputStream(stream);
    } else {
        xmlParseDocument(ctxt);
        doc = ctxt->myDoc;
        ctxt->myDoc = NULL;
        if (doc && !ctxt->wellFormed) {
            xmlFreeDoc(doc);
            doc = NULL;
        }
    }
    /* The input streams point into text: let them go before it does. */
    xmlCtxtReset(ctxt);
    free(text);
    return doc;
}

/* Whether the XML declaration names an encoding other than UTF-8: libxml2 converts those only
 * from a memory input that can grow, so they take the classic path. */
static int
declares_other_encoding(const char *body, size_t len)
{
    if (len >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3)) {
        body += 3;
        len -= 3;
    }
    if (len < 5 || memcmp(body, "<?xml", 5) != 0)
        return 0;
    size_t n = len < 256 ? len : 256;
    const char *end = memmem(body, n, "?>", 2);
    if (!end)
        return 1;
    const char *enc = memmem(body, (size_t)(end - body), "encoding", 8);
    if (!enc)
        return 0;
    const char *p = enc + 8;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '='))
        p++;
    if (p >= end || (*p != '"' && *p != '\''))
        return 1;
    char quote = *p++;
    const char *q = memchr(p, quote, (size_t)(end - p));
    size_t vlen = q ? (size_t)(q - p) : 0;
    return !((vlen == 5 && !strncasecmp(p, "utf-8", 5)) ||
             (vlen == 4 && !strncasecmp(p, "utf8", 4)));
}

/* ---- XML without libxml2's parser, for the common shapes ---- */

/* envelope_xml_scan builds the tree libxml2 would build (elements, and text nodes holding the
 * characters between tags, blanks included) for the bodies most clients send: no declaration,
 * elements without attributes or namespaces, text of printable ASCII without references. It
 * accepts only what is well-formed in that narrow form; anything else (a declaration,
 * attributes, references, CDATA, comments, CR, non-ASCII, every error) is left to libxml2, so
 * what a client is told never depends on which path read its body. */
#define XML_SCAN_MAX_DEPTH 64
#define XML_SCAN_MAX_NAME 128 /* bytes of a name */

static int
xs_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
xs_name_char(unsigned char c)
{
    return xs_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Text bytes taken as they are: printable ASCII but '<' and '&' (markup), '>' and ']' (so no
 * "]]>" can hide in it), tab and LF. */
static int
xs_text_byte(unsigned char c)
{
    return (c >= 0x20 && c < 0x7F && c != '<' && c != '&' && c != '>' && c != ']') || c == '\t' ||
           c == '\n';
}

/* The name at *p (before end), ended by '>' or "/>": its length, or 0 when it is not one. */
static size_t
xs_name(const char *p, const char *end)
{
    size_t n = 0;
    if (p >= end || !xs_name_start((unsigned char)*p))
        return 0;
    while (p + n < end && xs_name_char((unsigned char)p[n]))
        n++;
    return n < XML_SCAN_MAX_NAME ? n : 0;
}

int
envelope_xml_scan(const char *body, size_t len, xmlDoc **out)
{
    const char *p = body, *end = body + len;
    xmlNode *open[XML_SCAN_MAX_DEPTH];
    size_t depth = 0;
    int done = 0; /* the root element was closed */
    *out = NULL;
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    if (!doc)
        return 0;
    while (p < end) {
        if (*p != '<') {
            const char *start = p;
            while (p < end && xs_text_byte((unsigned char)*p))
                p++;
            if (p < end && *p != '<')
                goto other;
            if (depth == 0) {
                for (const char *q = start; q < p; q++)
                    if (*q != ' ' && *q != '\t' && *q != '\n')
                        goto other; /* only blanks may sit outside the root */
                continue;
            }
            xmlNode *t = xmlNewDocTextLen(doc, (const xmlChar *)start, (int)(p - start));
            if (!t || !xmlAddChild(open[depth - 1], t)) {
                xmlFreeNode(t);
                goto other;
            }
            continue;
        }
        if (p + 1 < end && p[1] == '/') { /* an end tag: the name of the open element, then '>' */
            size_t n = xs_name(p + 2, end);
            if (depth == 0 || n == 0 || p + 2 + n >= end || p[2 + n] != '>' ||
                strlen((const char *)open[depth - 1]->name) != n ||
                memcmp(open[depth - 1]->name, p + 2, n) != 0)
                goto other;
            p += 3 + n;
            done = --depth == 0;
            continue;
        }
        size_t n = xs_name(p + 1, end);
        if (n == 0 || done || depth == XML_SCAN_MAX_DEPTH || p + 1 + n >= end)
            goto other;
        int empty = p[1 + n] == '/';
        if ((empty && (p + 2 + n >= end || p[2 + n] != '>')) || (!empty && p[1 + n] != '>'))
            goto other;
        char name[XML_SCAN_MAX_NAME];
        memcpy(name, p + 1, n);
        name[n] = '\0';
        xmlNode *el = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);
        if (!el || !xmlAddChild(depth ? open[depth - 1] : (xmlNode *)doc, el)) {
            xmlFreeNode(el);
            goto other;
        }
        p += 2 + n + empty;
        if (empty)
            done = depth == 0;
        else
            open[depth++] = el;
    }
    if (!done)
        goto other;
    *out = doc;
    return 1;
other:
    xmlFreeDoc(doc);
    return 0;
}

static xmlDoc *
parse_xml(struct envelope_parser *p, const char *body, size_t len, struct buf *err)
{
    if (len > INT32_MAX) {
        buf_printf(err, "XML body too large");
        return NULL;
    }
    /* libxml2 stops at a NUL and would answer the part before it: UTF-16 or binary data. */
    const char *nul = memchr(body, '\0', len);
    if (nul) {
        buf_printf(err, "XML request contains a NUL byte at offset %zu (send UTF-8 text)",
                   (size_t)(nul - body));
        return NULL;
    }
    xmlDoc *doc = NULL;
    if (envelope_xml_scan(body, len, &doc))
        return doc;
    xmlParserCtxtPtr ctxt = take_ctxt(p);
    if (!ctxt) {
        buf_printf(err, "out of memory creating the XML parser");
        return NULL;
    }
    struct xml_first_error first;
    xml_first_error_attach(ctxt, &first);
    ctxt->sax->internalSubset = refuse_internal_subset;
    /* COMPACT keeps short texts (ids, tokens, names) inside their node instead of an allocation
     * each; the tree must then not be modified, and nothing modifies a request's. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_COMPACT;
    if (!declares_other_encoding(body, len)) {
        doc = read_in_place(ctxt, body, len, opts);
        /* A failure is read again the classic way: what a client is told about a broken
         * request does not depend on the fast path. */
        if (!doc)
            xml_first_error_attach(ctxt, &first);
    }
    if (!doc)
        doc = xmlCtxtReadMemory(ctxt, body, (int)len, "request.xml", NULL, opts);
    if (first.set < 0) {
        buf_printf(err, "XML request must not contain a DOCTYPE (DTDs and entities are refused)");
        xmlFreeDoc(doc);
        doc = NULL;
    } else if (!doc || !ctxt->wellFormed) {
        if (first.set) {
            buf_printf(err, "XML request is not well-formed: line %d, column %d: %s", first.line,
                       first.column, first.message);
        } else {
            buf_printf(err, "XML request is not well-formed%s", len ? "" : ": the body is empty");
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
    give_back_ctxt(p, ctxt, doc != NULL);
    return doc;
}

/* Numbers keep the text a client would expect: 456 -> "456", 1.5 -> "1.5". */
static void
json_scalar_text(json_t *v, struct buf *out)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        buf_append(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL: {
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%.15g", json_real_value(v));
        if (strtod(tmp, NULL) != json_real_value(v))
            snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
        buf_append_str(out, tmp);
        break;
    }
    case JSON_TRUE:
        buf_append_str(out, "true");
        break;
    case JSON_FALSE:
        buf_append_str(out, "false");
        break;
    default:
        break;
    }
}

static int json_to_children(xmlNode *parent, json_t *obj, int depth, struct buf *err);

static int
json_value_to_element(xmlNode *parent, const char *key, json_t *v, int depth, struct buf *err)
{
    if (depth > ENVELOPE_MAX_JSON_DEPTH) {
        buf_printf(err, "JSON request nests deeper than %d levels", ENVELOPE_MAX_JSON_DEPTH);
        return -1;
    }
    if (xmlValidateNCName((const xmlChar *)key, 0) != 0) {
        buf_printf(err, "JSON key \"%.64s\" is not a valid ZAPI element name", key);
        return -1;
    }
    if (json_is_array(v)) {
        /* An array is the JSON shape of repeated same-named elements. */
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (json_is_array(item)) {
                buf_printf(err, "JSON key \"%.64s\" holds an array inside an array", key);
                return -1;
            }
            if (json_value_to_element(parent, key, item, depth + 1, err) < 0)
                return -1;
        }
        return 0;
    }
    xmlNode *el = xmlNewChild(parent, NULL, (const xmlChar *)key, NULL);
    if (!el) {
        buf_printf(err, "out of memory building the request");
        return -1;
    }
    if (json_is_object(v))
        return json_to_children(el, v, depth + 1, err);
    struct buf text = BUF_INIT;
    json_scalar_text(v, &text);
    if (text.len)
        xmlNodeAddContentLen(el, (const xmlChar *)text.data, (int)text.len);
    buf_free(&text);
    return 0;
}

static int
json_to_children(xmlNode *parent, json_t *obj, int depth, struct buf *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (json_value_to_element(parent, key, v, depth, err) < 0)
            return -1;
    }
    return 0;
}

xmlDoc *
envelope_json_jansson(const char *body, size_t len, struct buf *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        buf_printf(err, "JSON request is not valid: line %d, column %d: %s", jerr.line, jerr.column,
                   jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        buf_printf(err, "JSON request must be an object");
        json_decref(root);
        return NULL;
    }
    /* Accept {"request": {...}} as well as the bare envelope. */
    json_t *inner = json_object_get(root, "request");
    json_t *obj = json_is_object(inner) && !json_object_get(root, "zapiToken") ? inner : root;
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *req = doc ? xmlNewNode(NULL, (const xmlChar *)"request") : NULL;
    if (!req) {
        buf_printf(err, "out of memory building the request");
        xmlFreeDoc(doc);
        json_decref(root);
        return NULL;
    }
    xmlDocSetRootElement(doc, req);
    if (json_to_children(req, obj, 1, err) < 0) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    json_decref(root);
    return doc;
}

/* ---- JSON without jansson, for the common shapes ---- */

/* envelope_json_scan builds the tree jansson's path would build for the bodies clients send
 * (ASCII strings without escapes, whole numbers, true/false/null, objects, arrays of objects or
 * scalars) in one pass, with the same libxml2 calls in the same order. Anything else (escapes,
 * non-ASCII, fractions and exponents, duplicate keys, the {"request": ...} wrapper, errors) is
 * left to jansson, so what a client is told never depends on which path read its body. */
#define JSON_SCAN_MAX_DEPTH 32
#define JSON_SCAN_MAX_KEYS 64  /* keys of one object checked for duplicates */
#define JSON_SCAN_MAX_NAME 256 /* bytes of a key */
#define JSON_SCAN_MAX_DIGITS 18

struct jscan {
    const char *p, *end;
};

static void
js_blanks(struct jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Past the '[' or '{' at s->p: 0 when close follows at once (empty), else 1 (an item follows). */
static int
js_open(struct jscan *s, char close)
{
    s->p++;
    js_blanks(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    return 1;
}

/* After an item of an array or object: 0 when close ends it, 1 after a ',' (another follows),
 * -1 for anything else. */
static int
js_after_item(struct jscan *s, char close)
{
    js_blanks(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    if (s->p >= s->end || *s->p != ',')
        return -1;
    s->p++;
    js_blanks(s);
    return 1;
}

/* A string of printable ASCII without escapes: its bytes in *at, *len. 0, or -1. */
static int
js_string(struct jscan *s, const char **at, size_t *len)
{
    if (s->p >= s->end || *s->p != '"')
        return -1;
    const char *start = ++s->p;
    for (; s->p < s->end && *s->p != '"'; s->p++) {
        unsigned char c = (unsigned char)*s->p;
        if (c < 0x20 || c >= 0x7F || c == '\\')
            return -1;
    }
    if (s->p >= s->end)
        return -1;
    *at = start;
    *len = (size_t)(s->p++ - start);
    return 0;
}

/* A whole number as jansson would print it back (no sign on 0, no leading zero, no fraction or
 * exponent, within 64 bits), or a literal: its text in *at, *len (0 bytes for null). 0, or -1. */
static int
js_scalar(struct jscan *s, const char **at, size_t *len)
{
    static const char *const words[] = {"true", "false", "null"};
    const char *start = s->p;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(s->end - s->p) >= n && memcmp(s->p, words[i], n) == 0) {
            s->p += n;
            *at = start;
            *len = i == 2 ? 0 : n;
            return 0;
        }
    }
    if (s->p < s->end && *s->p == '-')
        s->p++;
    const char *digits = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    size_t n = (size_t)(s->p - digits);
    if (n == 0 || n > JSON_SCAN_MAX_DIGITS || (digits[0] == '0' && (n > 1 || digits > start)))
        return -1;
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
        return -1;
    *at = start;
    *len = (size_t)(s->p - start);
    return 0;
}

static int js_members(struct jscan *s, xmlNode *parent, int depth, int root);

/* The value under name: an element (one per item of an array) under parent, as
 * json_value_to_element makes it. 0, or -1 when jansson must read the body. */
static int
js_value(struct jscan *s, xmlNode *parent, const char *name, int depth, int in_array)
{
    if (s->p >= s->end)
        return -1;
    if (*s->p == '[') {
        if (in_array)
            return -1; /* an array in an array: jansson's path refuses it */
        int more = js_open(s, ']');
        while (more > 0) {
            if (js_value(s, parent, name, depth + 1, 1) < 0)
                return -1;
            more = js_after_item(s, ']');
        }
        return more;
    }
    xmlNode *el = xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
    if (!el)
        return -1;
    if (*s->p == '{')
        return js_members(s, el, depth + 1, 0);
    const char *text;
    size_t len;
    if ((*s->p == '"' ? js_string(s, &text, &len) : js_scalar(s, &text, &len)) < 0)
        return -1;
    if (len)
        xmlNodeAddContentLen(el, (const xmlChar *)text, (int)len);
    return 0;
}

/* The object at s->p ('{'), its members as children of parent. */
static int
js_members(struct jscan *s, xmlNode *parent, int depth, int root)
{
    struct {
        const char *at;
        size_t len;
    } keys[JSON_SCAN_MAX_KEYS];
    size_t nkeys = 0;
    if (depth > JSON_SCAN_MAX_DEPTH)
        return -1;
    int more = js_open(s, '}');
    while (more > 0) {
        const char *key;
        size_t klen;
        if (js_string(s, &key, &klen) < 0 || klen >= JSON_SCAN_MAX_NAME ||
            nkeys == JSON_SCAN_MAX_KEYS)
            return -1;
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i].len == klen && memcmp(keys[i].at, key, klen) == 0)
                return -1; /* a duplicate: jansson refuses it */
        keys[nkeys].at = key;
        keys[nkeys++].len = klen;
        char name[JSON_SCAN_MAX_NAME];
        memcpy(name, key, klen);
        name[klen] = '\0';
        if ((root && strcmp(name, "request") == 0) || xmlValidateNCName((const xmlChar *)name, 0))
            return -1;
        js_blanks(s);
        if (s->p >= s->end || *s->p != ':')
            return -1;
        s->p++;
        js_blanks(s);
        if (js_value(s, parent, name, depth, 0) < 0)
            return -1;
        more = js_after_item(s, '}');
    }
    return more;
}

int
envelope_json_scan(const char *body, size_t len, xmlDoc **out)
{
    struct jscan s = {body, body + len};
    *out = NULL;
    js_blanks(&s);
    if (s.p >= s.end || *s.p != '{')
        return 0;
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *req = doc ? xmlNewNode(NULL, (const xmlChar *)"request") : NULL;
    if (!req) {
        xmlFreeDoc(doc);
        return 0;
    }
    xmlDocSetRootElement(doc, req);
    int ok = js_members(&s, req, 1, 1) == 0;
    js_blanks(&s);
    if (!ok || s.p != s.end) {
        xmlFreeDoc(doc);
        return 0;
    }
    *out = doc;
    return 1;
}

static xmlDoc *
parse_json(const char *body, size_t len, struct buf *err)
{
    xmlDoc *doc;
    return envelope_json_scan(body, len, &doc) ? doc : envelope_json_jansson(body, len, err);
}

static char *
child_text(const xmlNode *node, const char *name)
{
    xmlNode *c = xml_child(node, name);
    if (!c)
        return NULL;
    struct buf b = BUF_INIT;
    xml_node_text(c, &b);
    if (!b.data)
        return strdup("");
    return b.data;
}

int
envelope_parse(struct envelope_parser *p, const char *body, size_t len, enum body_format format,
               struct envelope *env, struct buf *err)
{
    memset(env, 0, sizeof(*env));
    env->format = format;
    env->doc = format == FORMAT_JSON ? parse_json(body, len, err) : parse_xml(p, body, len, err);
    if (!env->doc)
        return -1;
    xmlNode *root = xmlDocGetRootElement(env->doc);
    if (!root || strcmp((const char *)root->name, "request") != 0) {
        buf_printf(err, "the document has no <request> root element (found <%.64s>)",
                   root ? (const char *)root->name : "nothing");
        envelope_free(env);
        return -1;
    }
    env->method = xml_child(root, "zapiMethod");
    if (!env->method) {
        buf_printf(err, "the request has no zapiMethod element");
        envelope_free(env);
        return -1;
    }
    env->method_name = child_text(env->method, "methodName");
    if (!env->method_name || !env->method_name[0]) {
        buf_printf(err, "the request has no zapiMethod/methodName");
        envelope_free(env);
        return -1;
    }
    env->token = child_text(root, "zapiToken");
    env->account_id = child_text(root, "zapiAccountId");
    env->user_id = child_text(root, "zapiUserId");
    return 0;
}

void
envelope_free(struct envelope *env)
{
    xmlFreeDoc(env->doc);
    free(env->token);
    free(env->account_id);
    free(env->user_id);
    free(env->method_name);
    memset(env, 0, sizeof(*env));
}

int
xml_path_text(const xmlNode *node, const char *path, struct buf *out)
{
    char name[128];
    while (node && *path) {
        size_t n = strcspn(path, ".");
        if (n == 0 || n >= sizeof(name))
            return -1;
        memcpy(name, path, n);
        name[n] = '\0';
        node = xml_child(node, name);
        path += n + (path[n] == '.');
    }
    if (!node)
        return -1;
    xml_node_text(node, out);
    return 0;
}

int
envelope_lookup(const struct envelope *env, const char *path, struct buf *out)
{
    return xml_path_text(env->doc ? xmlDocGetRootElement(env->doc) : NULL, path, out);
}
