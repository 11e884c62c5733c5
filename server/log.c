#include "log.h"

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
