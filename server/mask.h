/* mask: hides secrets (passwords, card numbers and codes, track and swipe data, gift certificate
 * codes) in what the server understood of a request, so the journal, the e-mail outbox and the
 * log never show one. Pure: no I/O, no global state.
 *
 * Secret names, compared ASCII case-insensitively, an XML namespace prefix ignored ("z:pin" is
 * pin), declared once in mask.c:
 *   - any name ending in "password" (password, zapiPassword, newPassword...);
 *   - cardNumber, creditCardNumber, ccNumber, csv, cvv, cvv2, cvc, securityCode, pin, track1,
 *     track2, trackData, swipeData, rawSwipeData, giftCertificate, giftCertificateCode;
 *   - number inside creditCardDetails (ZAPI's card element).
 * Whatever sits under a secret name is masked, however deep: text and CDATA of every descendant
 * element and their attribute values in XML; every string and number in nested objects and
 * arrays in JSON ("password":["x"] and "password":{"v":"x"} alike). A masked value becomes as
 * many MASK_FILL bytes as its UTF-8 encoding has.
 */
#ifndef ZAPI_MASK_H
#define ZAPI_MASK_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stddef.h>

#include "buf.h"

#define MASK_FILL '*'

/* Whether the field name (len bytes) is a secret; parent is the enclosing element or key name
 * (NULL when none or unknown), which decides for names like "number". */
int mask_is_secret(const char *parent, const char *name, size_t len);

/* Masks, in place, the secrets in the XML tree under node (node included, its siblings not):
 * for the outbox or a log, on a tree the caller owns. Returns the number of values (text nodes,
 * attribute values) masked. */
size_t mask_xml_tree(xmlNode *node);
/* The same for a jansson value; secret strings and numbers become strings of MASK_FILL. Returns
 * the number of values masked. */
size_t mask_json_tree(json_t *value);
/* Masks value (len bytes, in place) when the field name under parent (see mask_is_secret) is a
 * secret, e.g. one value about to be logged. Returns 1 when it did, else 0. */
int mask_field(const char *parent, const char *name, char *value, size_t len);

/* Whether a request body could hold a secret in any form the server understands: a secret name
 * written anywhere in it as a whole name, a JSON escape (a key may be escaped), XML that libxml2
 * would not read as ASCII (a name may be encoded), a DTD. When 0 it can be kept as it is. One
 * pass over the bytes. */
int mask_body_may_hold_secret(const char *body, size_t len);

/* Appends to out the request body with its secrets masked. A body is JSON when its first
 * non-blank byte is '{' or '[', else XML. It is parsed as the server parses it (libxml2 with the
 * envelope's options, jansson), masked in the tree and written back: XML without declaration in
 * UTF-8, JSON compact. A body that does not parse is kept only as far as it can be masked
 * safely, then scanned as text (mask_text): JSON up to its first backslash (an escaped key), XML
 * up to a DOCTYPE or ENTITY declaration, and nothing of XML that libxml2 would not read as ASCII
 * (UTF-16, EBCDIC, a declared encoding such as UTF-7); of that, at most max bytes. A body that
 * cannot hold a secret (mask_body_may_hold_secret) is appended whole, as it is. *partial (may
 * be NULL) tells whether less than the body was kept. Returns the number of values masked, or
 * -1 when out of memory (out then holds nothing new). */
int mask_body(const char *body, size_t len, size_t max, struct buf *out, int *partial);

/* The textual scanner for bodies that do not parse, in place (length kept). Not a parser: start
 * tags and keys are found anywhere, a value cut by the end of the body is masked to the end, and
 * after a secret JSON key the whole value, nested or not. Exposed for tests. Returns the number
 * of values masked. */
size_t mask_text(char *body, size_t len);

#endif
