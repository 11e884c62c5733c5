/* text: making strings from requests safe to put into answers: valid UTF-8, no characters XML
 * forbids, cut on a character boundary. Pure. */
#ifndef ZAPI_TEXT_H
#define ZAPI_TEXT_H

#include <stddef.h>

#include "buf.h"

/* Length of the well-formed UTF-8 sequence at p (at most n bytes, n > 0), its code point in *cp;
 * 0 when the bytes there are not well-formed UTF-8 (overlong, surrogate, past U+10FFFF, cut). */
size_t text_utf8_len(const unsigned char *p, size_t n, unsigned *cp);
/* Replaces, from byte from on, every byte of an invalid UTF-8 sequence and every character XML 1.0
 * forbids (C0 controls other than tab, CR, LF; U+FFFE, U+FFFF) with '?'. */
void text_sanitize(struct buf *b, size_t from);
/* The length of the longest prefix of s, at most max bytes, that does not end inside a UTF-8
 * character. */
int text_cut(const char *s, size_t max);

#endif
