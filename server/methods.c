#include "methods.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct method_area *const areas[] = {&methods_agents, &methods_catalogue,
                                                  &methods_cart, &methods_bookings};

const struct method_handler *
methods_find(const char *name)
{
    for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
        for (size_t k = 0; k < areas[i]->count; k++)
            if (strcmp(areas[i]->handlers[k].name, name) == 0)
                return &areas[i]->handlers[k];
    return NULL;
}

const char *
method_fail(struct method_call *c, const char *outcome, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_clear(&c->message);
    buf_vprintf(&c->message, fmt, ap);
    va_end(ap);
    c->error = error;
    c->failed = outcome;
    return outcome;
}

int
method_param(const struct method_call *c, const char *path, struct buf *out)
{
    if (!c->req->method)
        return -1;
    size_t mark = out->len;
    if (xml_path_text(c->req->method, path, out) < 0 || out->len == mark)
        return -1;
    return 0;
}

const char *
method_param_first(const struct method_call *c, const char *const *names, struct buf *out)
{
    for (; *names; names++)
        if (method_param(c, *names, out) == 0)
            return *names;
    return NULL;
}

int
method_param_long(struct method_call *c, const char *path, long *v)
{
    struct buf b = BUF_INIT;
    if (method_param(c, path, &b) < 0) {
        buf_free(&b);
        return -1;
    }
    char *end;
    errno = 0;
    long x = strtol(b.data, &end, 10);
    int ok = !errno && *end == '\0' && b.data[0] != '\0';
    if (!ok)
        method_fail(c, "bad-parameter", MERR_FILTER,
                    "zapiMethod/%s must be a whole number, not \"%.40s\"", path, b.data);
    else
        *v = x;
    buf_free(&b);
    return ok ? 0 : -2;
}

int
method_param_date(struct method_call *c, const char *path, long *day)
{
    struct buf b = BUF_INIT;
    if (method_param(c, path, &b) < 0) {
        buf_free(&b);
        return -1;
    }
    int ok = date_parse(b.data, day) == 0;
    if (!ok)
        method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                    "zapiMethod/%s \"%.40s\" is not a date: use YYYY-MM-DD", path, b.data);
    buf_free(&b);
    return ok ? 0 : -2;
}
