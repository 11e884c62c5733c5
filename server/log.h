/* log: leveled log lines to a stream. The logger lives in the server context; nothing global. */
#ifndef ZAPI_LOG_H
#define ZAPI_LOG_H

#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

struct logger {
    enum log_level level;
    FILE *out;
};

/* Parses "error", "warn", "info" or "debug". Returns 0, or -1 when unknown. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);
/* Writes "TIME LEVEL message" as one line, when level is enabled. */
void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Formats t (seconds since the epoch, years 1970-9999) as 2026-11-23T16:40:00.123Z in UTC into
 * out (at least 32 bytes); milliseconds rounded. Shared by the log and the request journal. */
void log_format_time(double t, char *out, size_t len);
/* log_format_time of the current time. */
void log_timestamp(char *out, size_t len);

/* Bytes of an escaped value per input byte at most ("\xHH"). */
#define LOG_ESCAPE_GROWTH 4
/* Writes s (len bytes from the network: a request target, a header...) into out (outlen bytes,
 * NUL-terminated) as the content of a quoted log field, so it can neither end the field, fake
 * other fields nor make the log binary: '"' and '\' get a backslash, tab, CR and LF become \t,
 * \r and \n, other control characters, DEL and each byte not part of well-formed UTF-8 become
 * \xHH; well-formed UTF-8 is kept. At most max bytes of s are used ("..." marks a cut), never
 * more than fit: outlen >= max * LOG_ESCAPE_GROWTH + 4 holds any s. Returns out. */
char *log_escape(const char *s, size_t len, size_t max, char *out, size_t outlen);

#define log_error(lg, ...) log_msg((lg), LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_msg((lg), LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_msg((lg), LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg((lg), LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
