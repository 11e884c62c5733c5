#include "mask.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the secrets, declared once ---- */

/* Names that are secrets wherever they appear (lower case; compared ASCII case-insensitively). */
static const char *const secret_names[] = {
    "cardnumber",
    "creditcardnumber",
    "ccnumber",
    "csv",
    "cvv",
    "cvv2",
    "cvc",
    "securitycode",
    "pin",
    "track1",
    "track2",
    "trackdata",
    "swipedata",
    "rawswipedata",
    "giftcertificate",
    "giftcertificatecode",
};
/* Any name ending in this is a secret: password, zapiPassword, newPassword... */
static const char secret_suffix[] = "password";
/* ZAPI's card element: its number is the card number. */
#define CARD_PARENT "creditcarddetails"
/* Names that are secrets only inside a given parent. */
static const struct {
    const char *parent, *name;
} secret_children[] = {{CARD_PARENT, "number"}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the textual scanner, for bodies that do not parse ---- */

/* One scan: values masked so far; card: the body names creditCardDetails, so "number" counts as
 * a secret anywhere (the scanner does not track nesting). */
struct scan {
    size_t count;
    int card;
};

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
skip_blanks(const char *s, size_t len, size_t i)
{
    while (i < len && is_blank(s[i]))
        i++;
    return i;
}

/* ASCII only, so the result does not depend on the locale. */
static int
lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
name_eq(const char *s, size_t len, const char *lit)
{
    size_t i = 0;
    for (; i < len && lit[i]; i++)
        if (lower((unsigned char)s[i]) != lit[i])
            return 0;
    return i == len && lit[i] == '\0';
}

static void
mask_span(char *s, size_t from, size_t to, struct scan *sc)
{
    if (to <= from)
        return;
    memset(s + from, MASK_FILL, to - from);
    sc->count++;
}

static int
xml_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static int
xml_name_char(unsigned char c)
{
    return xml_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Length of the XML name at s, 0 when s does not start one. */
static size_t
xml_name(const char *s, size_t n)
{
    if (n == 0 || !xml_name_start((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    while (i < n && xml_name_char((unsigned char)s[i]))
        i++;
    return i;
}

/* Judges the local part of a name, so that ns:password counts as password. */
static int
xml_name_secret(const char *name, size_t len, int number_secret)
{
    size_t start = len;
    while (start > 0 && name[start - 1] != ':')
        start--;
    return mask_is_secret(number_secret ? "creditCardDetails" : NULL, name + start, len - start);
}

/* Skips the attribute value at i (just past '=' and blanks), masking it when secret. Returns the
 * index after it. */
static size_t
xml_attr_value(char *s, size_t len, size_t i, int secret, struct scan *sc)
{
    size_t from = i, to, next;
    if (s[i] == '"' || s[i] == '\'') {
        from = i + 1;
        const char *q = memchr(s + from, s[i], len - from);
        to = q ? (size_t)(q - s) : len;
        next = q ? to + 1 : len;
    } else { /* unquoted, as lenient parsers accept */
        to = i;
        while (to < len && !is_blank(s[to]) && s[to] != '>' && s[to] != '<')
            to++;
        next = to;
    }
    if (secret)
        mask_span(s, from, to, sc);
    return next;
}

/* Scans the start tag at i ('<' then a name) to its end, masking secret attributes' values.
 * Returns the index after it; *open = 1 when it opens content (ends in '>', not '/>'). */
static size_t
xml_start_tag(char *s, size_t len, size_t i, struct scan *sc, int *open)
{
    *open = 0;
    i += 1 + xml_name(s + i + 1, len - i - 1);
    while (i < len) {
        if (s[i] == '>') {
            *open = 1;
            return i + 1;
        }
        if (s[i] == '/' && i + 1 < len && s[i + 1] == '>')
            return i + 2;
        if (s[i] == '<')
            return i; /* malformed: rescan from this markup */
        size_t an = xml_name(s + i, len - i);
        if (an == 0) { /* a blank or a stray byte */
            i++;
            continue;
        }
        int secret = xml_name_secret(s + i, an, sc->card);
        i = skip_blanks(s, len, i + an);
        if (i < len && s[i] == '=') {
            i = skip_blanks(s, len, i + 1);
            if (i < len)
                i = xml_attr_value(s, len, i, secret, sc);
        }
    }
    return len;
}

/* Whether the close tag of the element name (n bytes) starts at i. One that the end of the body
 * cuts right after the name counts: nothing follows it to mask anyway. */
static int
xml_is_close(const char *s, size_t len, size_t i, const char *name, size_t n)
{
    if (len - i < 2 + n || s[i + 1] != '/' || memcmp(s + i + 2, name, n) != 0)
        return 0;
    size_t k = i + 2 + n;
    return k == len || s[k] == '>' || is_blank(s[k]);
}

/* Masks the content of the secret element name from i (just past its start tag) to its close
 * tag: all text and CDATA content, but no markup (CDATA markers kept), so that text around child
 * elements is hidden too and children's secret attributes are still masked. Without a close
 * tag, masks to the end. Returns the index of the close tag. */
static size_t
xml_mask_content(char *s, size_t len, size_t i, const char *name, size_t n, struct scan *sc)
{
    static const char cdata[] = "<![CDATA[";
    const size_t clen = sizeof(cdata) - 1;
    size_t masked = 0;
    while (i < len) {
        if (s[i] != '<') {
            s[i++] = MASK_FILL;
            masked++;
        } else if (xml_is_close(s, len, i, name, n)) {
            break;
        } else if (len - i >= clen && memcmp(s + i, cdata, clen) == 0) {
            i += clen;
            const char *close = memmem(s + i, len - i, "]]>", 3);
            size_t end = close ? (size_t)(close - s) : len; /* unterminated: mask to the end */
            memset(s + i, MASK_FILL, end - i);
            masked += end - i;
            i = close ? end + 3 : len;
        } else if (xml_name(s + i + 1, len - i - 1) > 0) {
            int open;
            i = xml_start_tag(s, len, i, sc, &open);
        } else { /* a child's close tag, a comment...: kept up to its '>' */
            const char *gt = memchr(s + i, '>', len - i);
            i = gt ? (size_t)(gt - s) + 1 : len;
        }
    }
    if (masked)
        sc->count++;
    return i;
}

/* Not a parser: start tags are found anywhere, even inside comments or CDATA, since masking a
 * little too much is harmless and missing a secret is not. */
static size_t
mask_xml(char *s, size_t len, struct scan *sc)
{
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(s + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - s);
        size_t n = xml_name(lt + 1, len - i - 1);
        if (n == 0) {
            i++; /* a close tag, a comment, a declaration... */
            continue;
        }
        int open;
        i = xml_start_tag(s, len, i, sc, &open);
        if (open && xml_name_secret(lt + 1, n, sc->card))
            i = xml_mask_content(s, len, i, lt + 1, n, sc);
    }
    return sc->count;
}

/* Index just past the JSON string opening at i; *closed = 0 and len when it is unterminated. */
static size_t
json_string_end(const char *s, size_t len, size_t i, int *closed)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\') {
            i++; /* the escaped byte cannot close the string */
        } else if (s[i] == '"') {
            *closed = 1;
            return i + 1;
        }
    }
    *closed = 0;
    return len;
}

static int
json_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Masks the scalar at i (a string's whole content, escapes included, so it stays a valid
 * string; a number) and returns the index after it; i for anything else. */
static size_t
json_mask_scalar(char *s, size_t len, size_t i, struct scan *sc)
{
    if (s[i] == '"') {
        int closed;
        size_t next = json_string_end(s, len, i, &closed);
        mask_span(s, i + 1, closed ? next - 1 : len, sc);
        return next;
    }
    if (s[i] != '-' && !(s[i] >= '0' && s[i] <= '9'))
        return i;
    size_t to = i;
    while (to < len && json_number_char(s[to]))
        to++;
    mask_span(s, i, to, sc);
    return to;
}

/* Masks the value at i: a scalar, or every string (keys included) and number of an array or
 * object up to its matching close, or to the end when it has none. Returns the index after it. */
static size_t
json_mask_value(char *s, size_t len, size_t i, struct scan *sc)
{
    if (i >= len)
        return len;
    if (s[i] != '[' && s[i] != '{')
        return json_mask_scalar(s, len, i, sc);
    size_t depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '[' || c == '{') {
            depth++;
            i++;
        } else if (c == ']' || c == '}') {
            i++;
            if (--depth == 0)
                return i;
        } else {
            size_t next = json_mask_scalar(s, len, i, sc);
            i = next > i ? next : i + 1;
        }
    }
    return len;
}

/* Every string followed by ':' is a key; no need to track the nesting. */
static size_t
mask_json(char *s, size_t len, struct scan *sc)
{
    size_t i = 0;
    while (i < len) {
        const char *q = memchr(s + i, '"', len - i);
        if (!q)
            break;
        i = (size_t)(q - s);
        int closed;
        size_t end = json_string_end(s, len, i, &closed);
        if (!closed)
            break;
        size_t colon = skip_blanks(s, len, end);
        if (colon < len && s[colon] == ':' &&
            mask_is_secret(sc->card ? "creditCardDetails" : NULL, s + i + 1, end - i - 2))
            end = json_mask_value(s, len, skip_blanks(s, len, colon + 1), sc);
        i = end;
    }
    return sc->count;
}

/* Whether s holds lit (lower case) in any case. */
static int
contains_nocase(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; i + n <= len; i++)
        if (lower((unsigned char)s[i]) == lit[0] && name_eq(s + i, n, lit))
            return 1;
    return 0;
}

/* Index of the first non-blank byte after a UTF-8 byte order mark. */
static size_t
body_start(const char *body, size_t len)
{
    size_t i = len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    return skip_blanks(body, len, i);
}

static int
is_json(const char *body, size_t len)
{
    size_t i = body_start(body, len);
    return i < len && (body[i] == '{' || body[i] == '[');
}

size_t
mask_text(char *body, size_t len)
{
    struct scan sc = {0, contains_nocase(body, len, CARD_PARENT)};
    return is_json(body, len) ? mask_json(body, len, &sc) : mask_xml(body, len, &sc);
}

/* ---- names ---- */

/* The local part of name: after its last ':' (an XML namespace prefix). */
static const char *
local_part(const char *name, size_t *len)
{
    size_t start = *len;
    while (start > 0 && name[start - 1] != ':')
        start--;
    *len -= start;
    return name + start;
}

int
mask_is_secret(const char *parent, const char *name, size_t len)
{
    const size_t slen = sizeof(secret_suffix) - 1;
    name = local_part(name, &len);
    if (len >= slen && name_eq(name + len - slen, slen, secret_suffix))
        return 1;
    for (size_t i = 0; i < COUNT(secret_names); i++)
        if (name_eq(name, len, secret_names[i]))
            return 1;
    if (!parent)
        return 0;
    size_t plen = strlen(parent);
    parent = local_part(parent, &plen);
    for (size_t i = 0; i < COUNT(secret_children); i++)
        if (name_eq(parent, plen, secret_children[i].parent) &&
            name_eq(name, len, secret_children[i].name))
            return 1;
    return 0;
}

int
mask_field(const char *parent, const char *name, char *value, size_t len)
{
    if (!mask_is_secret(parent, name, strlen(name)))
        return 0;
    memset(value, MASK_FILL, len);
    return 1;
}

/* ---- trees ---- */

/* Replaces the content of a text, CDATA, comment or attribute node by as many MASK_FILL bytes.
 * Returns 1 when there was something to mask. */
static size_t
mask_node_content(xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    size_t len = c ? strlen((const char *)c) : 0;
    xmlFree(c);
    if (len == 0 || len > INT_MAX)
        return 0;
    char *fill = malloc(len);
    if (!fill) { /* cannot mask: remove the value rather than keep it */
        xmlNodeSetContent(n, NULL);
        return 1;
    }
    memset(fill, MASK_FILL, len);
    xmlNodeSetContentLen(n, (const xmlChar *)fill, (int)len);
    free(fill);
    return 1;
}

static size_t
mask_element(xmlNode *el, const xmlChar *parent, int inside)
{
    const char *name = (const char *)el->name;
    int secret = inside || mask_is_secret((const char *)parent, name, strlen(name));
    size_t count = 0;
    for (xmlAttr *a = el->properties; a; a = a->next)
        if (secret || mask_is_secret(name, (const char *)a->name, strlen((const char *)a->name)))
            count += mask_node_content((xmlNode *)a);
    for (xmlNode *c = el->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            count += mask_element(c, el->name, secret);
        else if (secret && c->type != XML_ENTITY_REF_NODE)
            count += mask_node_content(c);
    }
    return count;
}

size_t
mask_xml_tree(xmlNode *node)
{
    if (!node)
        return 0;
    if (node->type == XML_DOCUMENT_NODE) {
        size_t count = 0;
        for (xmlNode *c = node->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE)
                count += mask_element(c, NULL, 0);
        return count;
    }
    if (node->type != XML_ELEMENT_NODE)
        return 0;
    const xmlNode *p = node->parent;
    return mask_element(node, p && p->type == XML_ELEMENT_NODE ? p->name : NULL, 0);
}

/* A string of n MASK_FILL bytes. */
static json_t *
json_fill(size_t n)
{
    char *fill = malloc(n ? n : 1);
    if (!fill)
        return json_string("");
    memset(fill, MASK_FILL, n);
    json_t *v = json_stringn(fill, n);
    free(fill);
    return v;
}

/* Masks every string and number in v; when v is a number, *replace gets its masked string. */
static size_t
mask_json_all(json_t *v, json_t **replace)
{
    size_t count = 0;
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        json_t *f = n ? json_fill(n) : NULL;
        if (f) {
            *replace = f;
            count = 1;
        }
    } else if (json_is_number(v)) {
        char *text = json_dumps(v, JSON_ENCODE_ANY);
        *replace = json_fill(text ? strlen(text) : 1);
        free(text);
        count = 1;
    } else if (json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach(v, key, item)
        {
            json_t *r = NULL;
            count += mask_json_all(item, &r);
            if (r)
                json_object_set_new(v, key, r);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *r = NULL;
            count += mask_json_all(json_array_get(v, i), &r);
            if (r)
                json_array_set_new(v, i, r);
        }
    }
    return count;
}

/* Array items are judged under the key holding the array, as XML repeats the element. */
static size_t
mask_json_walk(json_t *v, const char *parent)
{
    size_t count = 0;
    if (json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach(v, key, item)
        {
            if (!mask_is_secret(parent, key, strlen(key))) {
                count += mask_json_walk(item, key);
                continue;
            }
            json_t *r = NULL;
            count += mask_json_all(item, &r);
            if (r)
                json_object_set_new(v, key, r);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            count += mask_json_walk(json_array_get(v, i), parent);
    }
    return count;
}

size_t
mask_json_tree(json_t *value)
{
    return value ? mask_json_walk(value, NULL) : 0;
}

/* ---- bodies ---- */

static int
name_byte(unsigned char c)
{
    return xml_name_char(c) && c != ':';
}

/* Whether the whole name at s (len bytes, no ':') is a secret one or the card parent that makes
 * "number" one: the only names mask_is_secret can accept, when names are written literally. */
static int
token_is_secret(const char *s, size_t len, uint32_t firsts)
{
    const size_t slen = sizeof(secret_suffix) - 1;
    if (len >= slen && lower((unsigned char)s[len - 1]) == secret_suffix[slen - 1] &&
        name_eq(s + len - slen, slen, secret_suffix))
        return 1;
    int first = lower((unsigned char)s[0]);
    if (first < 'a' || first > 'z' || !(firsts >> (first - 'a') & 1))
        return 0;
    for (size_t k = 0; k < COUNT(secret_names); k++)
        if (first == secret_names[k][0] && name_eq(s, len, secret_names[k]))
            return 1;
    return first == CARD_PARENT[0] && name_eq(s, len, CARD_PARENT);
}

/* Whether a secret name is written in s: each run of name bytes is one candidate, and most are
 * ruled out by their first letter. */
static int
names_a_secret(const char *s, size_t len)
{
    uint32_t firsts = 1u << (CARD_PARENT[0] - 'a');
    for (size_t k = 0; k < COUNT(secret_names); k++)
        firsts |= 1u << (secret_names[k][0] - 'a');
    for (size_t i = 0; i < len;) {
        if (!name_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && name_byte((unsigned char)s[i]))
            i++;
        if (i - start >= 3 && token_is_secret(s + start, i - start, firsts))
            return 1;
    }
    return 0;
}

/* Index of the first "<!DOCTYPE" or "<!ENTITY" (any case) in s, or len: what entities could
 * expand to is not in the text. */
static size_t
find_dtd(const char *s, size_t len)
{
    for (const char *p = s; (p = memchr(p, '<', len - (size_t)(p - s))) != NULL; p++) {
        size_t left = len - (size_t)(p - s);
        if ((left >= 9 && name_eq(p, 9, "<!doctype")) || (left >= 8 && name_eq(p, 8, "<!entity")))
            return (size_t)(p - s);
    }
    return len;
}

/* Whether the XML declaration at the start of s, if any, names an encoding whose ASCII bytes
 * read as ASCII (so the text scanner sees names as the parser would). */
static int
ascii_compatible_declaration(const char *s, size_t len)
{
    static const char *const ok[] = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1"};
    size_t i = body_start(s, len);
    if (len - i < 5 || memcmp(s + i, "<?xml", 5) != 0)
        return 1;
    const char *end = memchr(s + i, '>', len - i);
    size_t stop = end ? (size_t)(end - s) : len;
    for (; i + 8 <= stop; i++)
        if (name_eq(s + i, 8, "encoding"))
            break;
    if (i + 8 > stop)
        return 1; /* none declared: UTF-8 */
    i = skip_blanks(s, stop, i + 8);
    if (i >= stop || s[i] != '=')
        return 0;
    i = skip_blanks(s, stop, i + 1);
    if (i >= stop || (s[i] != '"' && s[i] != '\''))
        return 0;
    const char *q = memchr(s + i + 1, s[i], stop - i - 1);
    if (!q)
        return 0;
    size_t n = (size_t)(q - (s + i + 1));
    for (size_t k = 0; k < COUNT(ok); k++)
        if (name_eq(s + i + 1, n, ok[k]))
            return 1;
    return 0;
}

/* Whether libxml2 reads the ASCII bytes of this XML body as ASCII, so that names are written in
 * it as the parser sees them: not so for UTF-16 or UCS-4 (a NUL among the first bytes, or their
 * byte order marks), EBCDIC ("<?xm" as 4C 6F A7 94), or a declared encoding such as UTF-7. */
static int
xml_ascii_readable(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len >= 2 && (u[0] == 0 || u[1] == 0 || (u[0] == 0xFE && u[1] == 0xFF) ||
                     (u[0] == 0xFF && u[1] == 0xFE)))
        return 0;
    if (len >= 4 && memcmp(s, "\x4C\x6F\xA7\x94", 4) == 0)
        return 0;
    return ascii_compatible_declaration(s, len);
}

int
mask_body_may_hold_secret(const char *body, size_t len)
{
    if (is_json(body, len)) {
        if (memchr(body, '\\', len))
            return 1; /* a key may be escaped */
    } else if (!xml_ascii_readable(body, len) || find_dtd(body, len) < len) {
        return 1;
    }
    return names_a_secret(body, len);
}

/* How much of a body that does not parse the text scanner can be trusted with. */
static size_t
safe_prefix(const char *body, size_t len)
{
    if (is_json(body, len)) {
        const char *bs = memchr(body, '\\', len);
        return bs ? (size_t)(bs - body) : len;
    }
    if (!xml_ascii_readable(body, len))
        return 0;
    return find_dtd(body, len);
}

static int
masked_json(const char *body, size_t len, struct buf *out, int *count)
{
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!root)
        return 0;
    *count = (int)mask_json_tree(root);
    char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(root);
    if (!text || buf_append_str(out, text) < 0)
        *count = -1;
    free(text);
    return 1;
}

/* Parsed as the envelope parses requests (no network, no DTD, CDATA as text). */
static int
masked_xml(const char *body, size_t len, struct buf *out, int *count)
{
    if (len > INT_MAX || memchr(body, '\0', len) || find_dtd(body, len) < len)
        return 0;
    xmlDoc *doc = xmlReadMemory(body, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_NOCDATA);
    if (!doc)
        return 0;
    *count = (int)mask_xml_tree((xmlNode *)doc);
    xmlBufferPtr xb = xmlBufferCreate();
    xmlSaveCtxtPtr save = xb ? xmlSaveToBuffer(xb, "UTF-8", XML_SAVE_NO_DECL) : NULL;
    int ok = save != NULL;
    if (save) {
        ok = xmlSaveDoc(save, doc) >= 0;
        ok = xmlSaveClose(save) >= 0 && ok; /* closing flushes into xb */
    }
    if (!ok || buf_append(out, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb)) < 0)
        *count = -1;
    if (xb)
        xmlBufferFree(xb);
    xmlFreeDoc(doc);
    return 1;
}

int
mask_body(const char *body, size_t len, size_t max, struct buf *out, int *partial)
{
    size_t start = out->len;
    int count = 0;
    if (partial)
        *partial = 0;
    if (!mask_body_may_hold_secret(body, len))
        return buf_append(out, body, len) < 0 ? -1 : 0;
    int parsed = is_json(body, len) ? masked_json(body, len, out, &count)
                                    : masked_xml(body, len, out, &count);
    if (!parsed) {
        size_t keep = safe_prefix(body, len);
        if (keep > max)
            keep =
                max; /* the scanner may be cut: a value the cut interrupts is masked to the end */
        if (partial)
            *partial = keep < len;
        if (buf_append(out, body, keep) < 0)
            count = -1;
        else
            count = (int)mask_text(out->data + start, keep);
    }
    if (count < 0) {
        out->len = start; /* nothing half masked stays */
        if (out->data)
            out->data[start] = '\0';
    }
    return count;
}
