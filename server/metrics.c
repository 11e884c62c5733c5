#include "metrics.h"
#include "strmap.h"
#include "text.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Histogram bounds in whole microseconds, so "le" (<=) is an exact integer comparison, with the
 * label text each renders as. The +Inf bucket follows them. */
#define NBOUNDS 12
static const struct {
    long us;
    const char *le;
} bounds[NBOUNDS] = {
    {100, "0.0001"},  {250, "0.00025"}, {500, "0.0005"},  {1000, "0.001"},
    {2500, "0.0025"}, {5000, "0.005"},  {10000, "0.01"},  {25000, "0.025"},
    {50000, "0.05"},  {100000, "0.1"},  {250000, "0.25"}, {1000000, "1"},
};

/* One requests_total series, keyed by "status,zapi_error,method_error,method" (the codes contain
 * no comma, so no two series share a key). The method is sanitised and never changes once
 * published, so a render may read it after dropping the lock. */
struct series {
    struct strmap_node node; /* key: key */
    const char *method;      /* the end of key */
    int status, zapi_error, method_error;
    unsigned long long count;
    char key[];
};

/* Room for a series key: three codes, three commas, a method and a NUL. */
#define SERIES_KEY_MAX (3 * 12 + METRICS_LABEL_MAX + 1)

struct label_count {
    char name[METRICS_LABEL_MAX + 1];
    unsigned long long count;
};

/* A small bounded label set: linear search over at most METRICS_MAX_REASONS + 1 entries. */
struct label_set {
    struct label_count items[METRICS_MAX_REASONS + 1]; /* + "other" */
    size_t n;
};

struct histogram {
    unsigned long long buckets[NBOUNDS + 1]; /* per bucket, not cumulative; the last is +Inf */
    unsigned long long count, sum_us;        /* the sum in integer us stays exact */
};

/* Everything but the series: fixed size, so a render copies it whole under the lock. */
struct counters {
    struct label_set throttled, refused;
    struct histogram latency;
    unsigned long long handshakes_ok, handshakes_failed, resumed;
    long long connections_open; /* signed: a caller's stray close shows rather than wraps */
    unsigned long long connections_total;
    unsigned long long reloads_ok, reloads_failed;
};

struct metrics {
    pthread_mutex_t mu;
    struct counters c;
    struct strmap series; /* of struct series */
    size_t max_series;
};

/* A series as copied for rendering. */
struct sample {
    const char *method;
    int status, zapi_error, method_error;
    unsigned long long count;
};

/* ---- label values ---- */

/* Copies in (NULL = "-") into out as a label value Prometheus accepts: valid UTF-8, no control
 * characters but newline (escaped when rendered), at most METRICS_LABEL_MAX bytes, cut at a
 * character boundary. */
static void
label_sanitize(char out[METRICS_LABEL_MAX + 1], const char *in)
{
    const unsigned char *s = (const unsigned char *)(in ? in : "-");
    const unsigned char *end = s + strlen((const char *)s);
    size_t n = 0;
    unsigned cp;
    while (*s) {
        size_t len = text_utf8_len(s, (size_t)(end - s), &cp);
        const unsigned char *from = s;
        if (len == 0 || (len == 1 && ((*s < 0x20 && *s != '\n') || *s == 0x7F))) {
            from = (const unsigned char *)"?";
            len = 1;
        }
        if (n + len > METRICS_LABEL_MAX)
            break;
        memcpy(out + n, from, len);
        n += len;
        s += from == s ? len : 1;
    }
    out[n] = '\0';
}

/* Appends s with the escapes of the text format: backslash, double quote and newline. */
static int
append_escaped(struct buf *out, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        if (*s == '\\')
            rc = buf_append(out, "\\\\", 2);
        else if (*s == '"')
            rc = buf_append(out, "\\\"", 2);
        else if (*s == '\n')
            rc = buf_append(out, "\\n", 2);
        else
            rc = buf_append(out, s, 1);
    }
    return rc;
}

/* ---- requests_total series ---- */

/* Writes v in decimal and a comma at p (room for 12 bytes); returns the byte after. */
static char *
put_code(char *p, int v)
{
    char digits[12];
    size_t i = sizeof(digits);
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    digits[--i] = ',';
    do
        digits[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        digits[--i] = '-';
    memcpy(p, digits + i, sizeof(digits) - i);
    return p + sizeof(digits) - i;
}

/* Writes the key of a series, "status,zapi_error,method_error,method", to key; returns where its
 * method starts. On every request: no printf (2.5 K instructions). */
static size_t
series_key(char key[SERIES_KEY_MAX], const char *method, int status, int zapi_error,
           int method_error)
{
    char *p = put_code(put_code(put_code(key, status), zapi_error), method_error);
    size_t prefix = (size_t)(p - key);
    size_t len = strnlen(method, SERIES_KEY_MAX - 1 - prefix);
    memcpy(p, method, len);
    p[len] = '\0';
    return prefix;
}

/* The series to count a request in: its own, a new one while under the cap, else the "other"
 * series with the same codes, created past the cap if need be. NULL only when out of memory. */
static struct series *
series_get(struct metrics *m, const char *method, int status, int zapi_error, int method_error)
{
    char key[SERIES_KEY_MAX];
    size_t prefix = series_key(key, method, status, zapi_error, method_error);
    struct series *s = (struct series *)strmap_get(&m->series, key); /* node: first member */
    if (!s && strmap_count(&m->series) >= m->max_series) {
        prefix = series_key(key, "other", status, zapi_error, method_error);
        s = (struct series *)strmap_get(&m->series, key);
    }
    if (s)
        return s;
    size_t len = strlen(key);
    s = calloc(1, sizeof(*s) + len + 1);
    if (!s)
        return NULL;
    memcpy(s->key, key, len + 1);
    s->node.key = s->key;
    s->method = s->key + prefix;
    s->status = status;
    s->zapi_error = zapi_error;
    s->method_error = method_error;
    strmap_put(&m->series, &s->node); /* cannot fail: key is not there */
    return s;
}

static void
series_destroy(struct strmap_node *n)
{
    free(n);
}

/* ---- bounded label sets ---- */

static struct label_count *
label_set_find(struct label_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].name, name) == 0)
            return &set->items[i];
    return NULL;
}

/* The entry of name (already sanitised), added while under the cap, else the "other" entry. */
static struct label_count *
label_set_get(struct label_set *set, const char *name)
{
    struct label_count *lc = label_set_find(set, name);
    if (lc)
        return lc;
    if (set->n >= METRICS_MAX_REASONS) {
        name = "other";
        lc = label_set_find(set, name);
        if (lc)
            return lc;
    }
    lc = &set->items[set->n++]; /* "other" is the one entry allowed past the cap */
    snprintf(lc->name, sizeof(lc->name), "%s", name);
    lc->count = 0;
    return lc;
}

/* Counts one event under raw (sanitised here, outside the lock). */
static void
label_set_count(struct metrics *m, struct label_set *set, const char *raw)
{
    char name[METRICS_LABEL_MAX + 1];
    label_sanitize(name, raw);
    pthread_mutex_lock(&m->mu);
    label_set_get(set, name)->count++;
    pthread_mutex_unlock(&m->mu);
}

/* ---- recording ---- */

static void
histogram_observe(struct histogram *hg, long us)
{
    if (us < 0)
        us = 0;
    size_t i = 0;
    while (i < NBOUNDS && us > bounds[i].us)
        i++;
    hg->buckets[i]++;
    hg->count++;
    hg->sum_us += (unsigned long long)us;
}

struct metrics *
metrics_new(size_t max_series)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    if (strmap_init(&m->series, 64) != 0) {
        free(m);
        return NULL;
    }
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        strmap_free(&m->series, NULL);
        free(m);
        return NULL;
    }
    m->max_series = max_series ? max_series : METRICS_DEFAULT_MAX_SERIES;
    /* The known rules start at 0 so rate() sees their first throttle. */
    label_set_get(&m->c.throttled, "every");
    label_set_get(&m->c.throttled, "forced");
    label_set_get(&m->c.throttled, "limit");
    return m;
}

void
metrics_free(struct metrics *m)
{
    if (!m)
        return;
    strmap_free(&m->series, series_destroy);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void
metrics_request(struct metrics *m, const char *method, int status, int zapi_error, int method_error,
                long latency_us)
{
    char name[METRICS_LABEL_MAX + 1];
    label_sanitize(name, method);
    /* Every negative code means "none", so they share one series. */
    if (zapi_error < 0)
        zapi_error = -1;
    if (method_error < 0)
        method_error = -1;
    pthread_mutex_lock(&m->mu);
    struct series *s = series_get(m, name, status, zapi_error, method_error);
    if (s)
        s->count++;
    histogram_observe(&m->c.latency, latency_us);
    pthread_mutex_unlock(&m->mu);
}

void
metrics_throttled(struct metrics *m, const char *rule)
{
    label_set_count(m, &m->c.throttled, rule);
}

void
metrics_handshake(struct metrics *m, int ok, int resumed)
{
    pthread_mutex_lock(&m->mu);
    if (ok) {
        m->c.handshakes_ok++;
        if (resumed)
            m->c.resumed++;
    } else {
        m->c.handshakes_failed++;
    }
    pthread_mutex_unlock(&m->mu);
}

void
metrics_connection(struct metrics *m, int delta)
{
    pthread_mutex_lock(&m->mu);
    m->c.connections_open += delta;
    if (delta > 0)
        m->c.connections_total += (unsigned long long)delta;
    pthread_mutex_unlock(&m->mu);
}

void
metrics_refused(struct metrics *m, const char *reason)
{
    label_set_count(m, &m->c.refused, reason);
}

void
metrics_reload(struct metrics *m, int ok)
{
    pthread_mutex_lock(&m->mu);
    if (ok)
        m->c.reloads_ok++;
    else
        m->c.reloads_failed++;
    pthread_mutex_unlock(&m->mu);
}

/* ---- rendering ---- */

static int
cmp_int(int a, int b)
{
    return (a > b) - (a < b);
}

static int
sample_cmp(const void *pa, const void *pb)
{
    const struct sample *a = pa, *b = pb;
    int c = strcmp(a->method, b->method);
    if (c == 0)
        c = cmp_int(a->status, b->status);
    if (c == 0)
        c = cmp_int(a->zapi_error, b->zapi_error);
    if (c == 0)
        c = cmp_int(a->method_error, b->method_error);
    return c;
}

static int
label_count_cmp(const void *pa, const void *pb)
{
    const struct label_count *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

/* Copies the series under the lock, so formatting and sorting happen without it. The method
 * strings are not copied: a series is never changed or freed before metrics_free(). */
static struct sample *
snapshot(struct metrics *m, struct counters *c, size_t *n)
{
    struct sample *out = NULL;
    pthread_mutex_lock(&m->mu);
    *c = m->c;
    *n = strmap_count(&m->series);
    if (*n > 0) {
        out = malloc(*n * sizeof(*out));
        struct strmap_iter it;
        strmap_iter_init(&it, 0);
        const struct series *s;
        for (size_t j = 0; out && (s = (const struct series *)strmap_next(&m->series, &it)); j++)
            out[j] =
                (struct sample){s->method, s->status, s->zapi_error, s->method_error, s->count};
    }
    pthread_mutex_unlock(&m->mu);
    return out;
}

static int
render_family(struct buf *out, const char *name, const char *type, const char *help)
{
    return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A code label: "" for none (negative). */
static const char *
code_label(char s[16], int code)
{
    if (code < 0)
        s[0] = '\0';
    else
        snprintf(s, 16, "%d", code);
    return s;
}

static int
render_requests(struct buf *out, const struct sample *v, size_t n)
{
    const char *name = "zapi_mock_requests_total";
    int rc = render_family(out, name, "counter",
                           "HTTP requests answered, by ZAPI method, HTTP status and ZAPI error "
                           "codes (method \"other\": past the series cap).");
    for (size_t i = 0; i < n && rc == 0; i++) {
        char ze[16], me[16];
        rc |= buf_printf(out, "%s{method=\"", name);
        rc |= append_escaped(out, v[i].method);
        rc |= buf_printf(out, "\",status=\"%d\",zapi_error=\"%s\",method_error=\"%s\"} %llu\n",
                         v[i].status, code_label(ze, v[i].zapi_error),
                         code_label(me, v[i].method_error), v[i].count);
    }
    return rc;
}

/* A bounded label set, sorted in place (it is the render's own copy). */
static int
render_label_set(struct buf *out, const char *name, const char *label, const char *help,
                 struct label_set *set)
{
    int rc = render_family(out, name, "counter", help);
    qsort(set->items, set->n, sizeof(set->items[0]), label_count_cmp);
    for (size_t i = 0; i < set->n && rc == 0; i++) {
        rc |= buf_printf(out, "%s{%s=\"", name, label);
        rc |= append_escaped(out, set->items[i].name);
        rc |= buf_printf(out, "\"} %llu\n", set->items[i].count);
    }
    return rc;
}

/* A counter split by result="ok|failed". */
static int
render_result(struct buf *out, const char *name, const char *help, unsigned long long ok,
              unsigned long long failed)
{
    int rc = render_family(out, name, "counter", help);
    rc |= buf_printf(out, "%s{result=\"failed\"} %llu\n", name, failed);
    rc |= buf_printf(out, "%s{result=\"ok\"} %llu\n", name, ok);
    return rc;
}

/* Microseconds as exact decimal seconds, trailing zeros trimmed: 1500000 -> "1.5". */
static int
append_us_as_seconds(struct buf *out, unsigned long long us)
{
    char s[48];
    int len = snprintf(s, sizeof(s), "%llu.%06llu", us / 1000000, us % 1000000);
    while (len > 0 && s[len - 1] == '0')
        len--;
    if (len > 0 && s[len - 1] == '.')
        len--;
    return buf_append(out, s, (size_t)len);
}

static int
render_histogram(struct buf *out, const struct histogram *hg)
{
    const char *name = "zapi_mock_request_duration_seconds";
    int rc = render_family(out, name, "histogram", "Time to answer a request, in seconds.");
    unsigned long long cum = 0;
    for (size_t i = 0; i < NBOUNDS; i++) {
        cum += hg->buckets[i];
        rc |= buf_printf(out, "%s_bucket{le=\"%s\"} %llu\n", name, bounds[i].le, cum);
    }
    rc |= buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, hg->count);
    rc |= buf_printf(out, "%s_sum ", name);
    rc |= append_us_as_seconds(out, hg->sum_us);
    rc |= buf_printf(out, "\n%s_count %llu\n", name, hg->count);
    return rc;
}

/* A float as the format spells it: the shortest of 15 or 17 digits that reads back exactly,
 * and NaN, +Inf, -Inf (printf's "nan" and "inf" are not accepted). */
static int
append_double(struct buf *out, double v)
{
    char s[40];
    if (isnan(v))
        return buf_append_str(out, "NaN");
    if (isinf(v))
        return buf_append_str(out, v > 0 ? "+Inf" : "-Inf");
    snprintf(s, sizeof(s), "%.15g", v);
    if (strtod(s, NULL) != v)
        snprintf(s, sizeof(s), "%.17g", v);
    return buf_append_str(out, s);
}

static int
render_gauge(struct buf *out, const char *name, const char *help, double v)
{
    int rc = render_family(out, name, "gauge", help);
    rc |= buf_printf(out, "%s ", name);
    rc |= append_double(out, v);
    rc |= buf_append(out, "\n", 1);
    return rc;
}

static int
render_all(struct buf *out, struct counters *c, const struct sample *v, size_t n,
           double uptime_seconds, double fixtures_loaded_at)
{
    int rc = render_requests(out, v, n);
    rc |= render_label_set(out, "zapi_mock_throttled_total", "rule",
                           "Requests refused by throttling, by rule.", &c->throttled);
    rc |=
        render_result(out, "zapi_mock_tls_handshakes_total", "TLS handshakes finished, by result.",
                      c->handshakes_ok, c->handshakes_failed);
    rc |= render_family(out, "zapi_mock_tls_resumed_total", "counter",
                        "Successful TLS handshakes that resumed a session.");
    rc |= buf_printf(out, "zapi_mock_tls_resumed_total %llu\n", c->resumed);
    rc |= render_family(out, "zapi_mock_connections_open", "gauge", "Connections open now.");
    rc |= buf_printf(out, "zapi_mock_connections_open %lld\n", c->connections_open);
    rc |= render_family(out, "zapi_mock_connections_total", "counter", "Connections opened.");
    rc |= buf_printf(out, "zapi_mock_connections_total %llu\n", c->connections_total);
    rc |= render_label_set(out, "zapi_mock_refused_total", "reason",
                           "Connections or requests refused, by reason.", &c->refused);
    rc |= render_result(out, "zapi_mock_reloads_total", "Fixture reloads, by result.",
                        c->reloads_ok, c->reloads_failed);
    rc |= render_histogram(out, &c->latency);
    rc |= render_gauge(out, "zapi_mock_uptime_seconds", "Seconds since the server started.",
                       uptime_seconds);
    rc |= render_gauge(out, "zapi_mock_fixtures_loaded_timestamp_seconds",
                       "Unix time the fixtures were last loaded.", fixtures_loaded_at);
    return rc;
}

int
metrics_render(struct metrics *m, double uptime_seconds, double fixtures_loaded_at, struct buf *out)
{
    struct counters c;
    size_t n;
    struct sample *v = snapshot(m, &c, &n);
    if (n > 0 && !v)
        return -1;
    if (n > 1)
        qsort(v, n, sizeof(*v), sample_cmp);
    size_t start = out->len;
    int rc = render_all(out, &c, v, n, uptime_seconds, fixtures_loaded_at);
    free(v);
    if (rc != 0) {
        out->len = start; /* drop the partial text */
        if (out->data)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}
