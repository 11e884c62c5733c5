/* envelope: a ZAPI request body (XML or JSON) parsed into one XML tree, so everything after
 * parsing reads one shape. Pure: no I/O. */
#ifndef ZAPI_ENVELOPE_H
#define ZAPI_ENVELOPE_H

#include <libxml/tree.h>
#include <stddef.h>

#include "buf.h"

enum body_format { FORMAT_XML, FORMAT_JSON };

#define ENVELOPE_MAX_JSON_DEPTH 64

struct envelope {
    xmlDoc *doc;     /* root element <request>; read-only (XML_PARSE_COMPACT) */
    xmlNode *method; /* <zapiMethod> */
    char *token;     /* trimmed text, NULL when the element is absent */
    char *account_id;
    char *user_id;
    char *method_name; /* never NULL after a successful parse */
    enum body_format format;
};

/* Process-wide libxml2 hardening: no external entity is ever loaded. Call once at start,
 * before any thread. */
void envelope_global_init(void);
/* What a thread keeps between parses: libxml2's parser context, which costs a fifth of a small
 * request's parse to set up. Not shared: one per thread (a worker owns one). */
struct envelope_parser;
struct envelope_parser *envelope_parser_new(void);
void envelope_parser_free(struct envelope_parser *p);

/* JSON when the Content-Type says json or the body starts with '{', else XML. */
enum body_format envelope_detect(const char *content_type, const char *body, size_t len);

/* Parses body, reusing p's parser context (p NULL: a fresh one). Returns 0, or -1 with a message
 * for ZAPI error 3 in err (with line and column for XML). On error *env is left empty. */
int envelope_parse(struct envelope_parser *p, const char *body, size_t len, enum body_format format,
                   struct envelope *env, struct buf *err);
void envelope_free(struct envelope *env);

/* The two ways envelope_parse reads JSON, exposed for tests that check they build the same tree.
 * envelope_json_scan: one pass for the common shapes; 1 with the tree in *doc, or 0 when it
 * leaves the body to jansson. envelope_json_jansson: every body; the tree, or NULL with the
 * message for ZAPI error 3 in err. */
int envelope_json_scan(const char *body, size_t len, xmlDoc **doc);
/* The same for XML: envelope_xml_scan reads the common shapes in one pass, 1 with the tree in
 * *doc, or 0 when it leaves the body to libxml2's parser (which envelope_parse then uses). */
int envelope_xml_scan(const char *body, size_t len, xmlDoc **doc);
xmlDoc *envelope_json_jansson(const char *body, size_t len, struct buf *err);

/* Trimmed text of the element at a dotted path under <request> ("zapiMethod.username"),
 * appended to out. Returns 0, or -1 when there is no such element. */
int envelope_lookup(const struct envelope *env, const char *path, struct buf *out);

/* Trimmed text content of an element, appended to out. Shared with the fixture loader. */
void xml_node_text(const xmlNode *node, struct buf *out);
/* First element child named name, or NULL. */
xmlNode *xml_child(const xmlNode *node, const char *name);
/* Trimmed text of the element at a dotted path of child names under node ("a.b.c"), appended to
 * out. Returns 0, or -1 when there is no such element. */
int xml_path_text(const xmlNode *node, const char *path, struct buf *out);

#endif
