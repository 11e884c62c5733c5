#include "log.h"
#include "text.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int
log_level_parse(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = LOG_LEVEL_WARN;
        return 0;
    }
    return -1;
}

const char *
log_level_name(enum log_level level)
{
    return level_names[level];
}

void
log_format_time(double t, char *out, size_t len)
{
    long long ms = llround(t * 1000);
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, len - n, ".%03dZ", (int)(ms % 1000));
}

void
log_timestamp(char *out, size_t len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    log_format_time((double)tv.tv_sec + (double)tv.tv_usec / 1e6, out, len);
}

/* Appends byte c as \xHH to e at *elen. */
static void
hex_byte(unsigned char c, char *e, size_t *elen)
{
    static const char hex[] = "0123456789abcdef";
    e[(*elen)++] = '\\';
    e[(*elen)++] = 'x';
    e[(*elen)++] = hex[c >> 4];
    e[(*elen)++] = hex[c & 15];
}

/* The escaped form of the n bytes at p into e (room for n * LOG_ESCAPE_GROWTH); returns its
 * length. n > 1 is a well-formed UTF-8 character of code point cp; n == 1 is ASCII, or a byte of
 * ill-formed UTF-8 when it is 0x80 or more. */
static size_t
escape_char(const unsigned char *p, size_t n, unsigned cp, char *e)
{
    size_t elen = 0;
    if (n > 1 && cp >= 0xA0) { /* C1 controls (U+0080-U+009F, NEL among them) are escaped */
        memcpy(e, p, n);
        return n;
    }
    if (n > 1) {
        for (size_t k = 0; k < n; k++)
            hex_byte(p[k], e, &elen);
        return elen;
    }
    unsigned char c = p[0];
    const char *named = c == '"'    ? "\\\""
                        : c == '\\' ? "\\\\"
                        : c == '\t' ? "\\t"
                        : c == '\r' ? "\\r"
                        : c == '\n' ? "\\n"
                                    : NULL;
    if (named) {
        memcpy(e, named, 2);
        return 2;
    }
    if (c >= 0x20 && c < 0x7f) {
        e[0] = (char)c;
        return 1;
    }
    hex_byte(c, e, &elen);
    return elen;
}

char *
log_escape(const char *s, size_t len, size_t max, char *out, size_t outlen)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    if (outlen == 0)
        return out;
    while (i < len && i < max) {
        unsigned cp = 0;
        size_t n = text_utf8_len(u + i, len - i, &cp);
        if (n == 0 || i + n > max)
            n = 1; /* an ill-formed byte, or a character the cut splits, is escaped alone */
        char e[4 * LOG_ESCAPE_GROWTH];
        size_t elen = escape_char(u + i, n, cp, e);
        if (o + elen + 4 > outlen) /* keeps room for "..." and the NUL */
            break;
        memcpy(out + o, e, elen);
        o += elen;
        i += n;
    }
    if (i < len && o + 4 <= outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

void
log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
{
    if (!lg || level > lg->level)
        return;
    char ts[40], line[2048];
    log_timestamp(ts, sizeof(ts));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per line so lines from several threads do not interleave. */
    fprintf(lg->out ? lg->out : stderr, "%s %-5s %s\n", ts, level_names[level], line);
    fflush(lg->out ? lg->out : stderr);
}
