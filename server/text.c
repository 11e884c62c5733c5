#include "text.h"

#include <string.h>

size_t
text_utf8_len(const unsigned char *p, size_t n, unsigned *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t len;
    unsigned min;
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2;
        min = 0x80;
        *cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3;
        min = 0x800;
        *cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4;
        min = 0x10000;
        *cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
    if (*cp < min || (*cp >= 0xD800 && *cp <= 0xDFFF) || *cp > 0x10FFFF)
        return 0;
    return len;
}

static int
xml_allowed(unsigned cp)
{
    if (cp < 0x20)
        return cp == '\t' || cp == '\n' || cp == '\r';
    return cp != 0xFFFE && cp != 0xFFFF;
}

void
text_sanitize(struct buf *b, size_t from)
{
    unsigned char *p = (unsigned char *)b->data;
    size_t i = from;
    while (i < b->len) {
        unsigned cp = 0;
        size_t n = text_utf8_len(p + i, b->len - i, &cp);
        if (n == 0) {
            p[i++] = '?';
        } else if (!xml_allowed(cp)) {
            memset(p + i, '?', n);
            i += n;
        } else {
            i += n;
        }
    }
}

int
text_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n < max)
        return (int)n;
    /* Back off over continuation bytes to the start of the character that crosses max. */
    size_t i = n;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return (int)i;
}
