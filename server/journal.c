#include "journal.h"
#include "log.h"
#include "mask.h"
#include "strmap.h"
#include "text.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIELD_MAX 255      /* bytes kept of peer and method, which come from the network */
#define RING_INITIAL 32    /* entries a new key has room for before its ring grows */
#define MAX_BUCKETS 65536u /* initially at most; the table grows with the keys */
/* journal_render's layout: JSON_INDENT(2) output for an array that is the value of a member of a
 * top-level object, its items one level deeper. */
#define ITEM_INDENT "    "

/* A kept body: the first len bytes of the caller's orig_len (bytes after masking, for a request),
 * cut when they are not all there. */
struct body {
    char *data; /* points into the owning rec */
    size_t len, orig_len;
    int cut;
};

/* One kept exchange, in a single allocation: the strings live in data[]. */
struct rec {
    double time;
    int status, zapi_error, method_error;
    long latency_us;
    char *peer, *method; /* NUL-terminated, no NULs inside */
    struct body req, resp;
    /* req holds the request as sent, to be masked when first read (settle); masked then owns
     * the masked copy req points to. */
    int unmasked;
    char *masked;
    char *text; /* journal_render's text of this entry, made on first use */
    size_t text_len;
    char data[];
};

/* One client: a ring of its newest entries, oldest at head once the ring is full. While it fills,
 * head stays 0 and entries sit in order, so growing it is a plain realloc. */
struct jkey {
    struct strmap_node node; /* key: name */
    struct rec **ring;
    size_t cap, count, head;
    unsigned long total;
    double last;
    char name[];
};

struct journal {
    pthread_mutex_t mu;
    size_t per_client, max_body, max_keys;
    struct strmap keys; /* of struct jkey */
};

/* ---- UTF-8 ---- */

/* text_utf8_len without the code point. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    unsigned cp;
    return text_utf8_len(s, n, &cp);
}

/* How many of len bytes to keep when at most max may be kept: backs off to the start of a
 * well-formed character the cut would split, so the kept part does not end in a broken one. */
static size_t
cut_point(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    for (size_t back = 1; back <= 3 && back <= max; back++) {
        const unsigned char *p = (const unsigned char *)s + max - back;
        if ((*p & 0xC0) == 0x80)
            continue; /* a continuation byte: the lead is further back */
        return utf8_seq(p, len - (max - back)) > back ? max - back : max;
    }
    return max;
}

/* A JSON string of the bytes s: each byte that is not part of well-formed UTF-8 becomes U+FFFD,
 * as jansson accepts nothing else. NULs stay and are dumped as \u0000. */
static json_t *
json_bytes(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        bad += n == 0;
        i += n ? n : 1;
    }
    if (bad == 0)
        return json_stringn(s, len);
    char *out = malloc(len + 2 * bad);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    json_t *v = json_stringn(out, o);
    free(out);
    return v;
}

/* ---- entries ---- */

/* Copies len bytes of src and a NUL to dst, pointing *field at them; returns the byte after. */
static char *
copy_field(char *dst, char **field, const char *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = '\0';
    *field = dst;
    return dst + len + 1;
}

/* Copies len bytes of src to dst as *b; returns the byte after. */
static char *
copy_body(char *dst, struct body *b, const char *src, size_t len, size_t orig_len, int cut)
{
    if (len)
        memcpy(dst, src, len);
    *b = (struct body){dst, len, orig_len, cut};
    return dst + len;
}

/* Builds the kept copy of e, outside the lock. A request that fits max_body is kept as sent and
 * masked when the entry is first read (settle): masking parses the body once more, a third of an
 * Authenticate's cost, and most entries are never read. A longer one that may hold a secret is
 * masked now (mask_body: on the parsed tree), as the cut must come after the masking. */
static struct rec *
rec_new(const struct journal_entry *e, size_t max_body)
{
    const char *peer = e->peer ? e->peer : "";
    const char *method = e->method ? e->method : "-";
    size_t plen = cut_point(peer, strnlen(peer, FIELD_MAX + 1), FIELD_MAX);
    size_t mlen = cut_point(method, strnlen(method, FIELD_MAX + 1), FIELD_MAX);
    size_t qorig = e->request ? e->request_len : 0;
    size_t rorig = e->response ? e->response_len : 0;
    const char *req = e->request;
    size_t qsrc = qorig;
    struct buf masked = BUF_INIT;
    int partial = 0, later = qorig <= max_body;
    if (qorig && !later && mask_body_may_hold_secret(req, qorig)) {
        if (mask_body(req, qorig, max_body, &masked, &partial) < 0) {
            buf_free(&masked);
            return NULL;
        }
        req = masked.data ? masked.data : "";
        qsrc = masked.len;
    }
    size_t qlen = cut_point(req, qsrc, max_body);
    size_t rlen = cut_point(e->response, rorig, max_body);

    struct rec *r = malloc(sizeof(*r) + plen + 1 + mlen + 1 + qlen + rlen);
    if (!r) {
        buf_free(&masked);
        return NULL;
    }
    r->time = e->time;
    r->status = e->status;
    r->zapi_error = e->zapi_error;
    r->method_error = e->method_error;
    r->latency_us = e->latency_us;
    r->unmasked = qorig && later;
    r->masked = NULL;
    r->text = NULL;
    r->text_len = 0;
    char *p = copy_field(r->data, &r->peer, peer, plen);
    p = copy_field(p, &r->method, method, mlen);
    p = copy_body(p, &r->req, req, qlen, qorig, partial || qlen < qsrc);
    copy_body(p, &r->resp, e->response, rlen, rorig, rlen < rorig);
    buf_free(&masked);
    return r;
}

/* Masks r's request if rec_new left it as sent: what rec_new would have stored, masked then
 * cut. The bytes as sent are wiped. Under the lock, before anything reads r->req. Returns 0, or
 * -1 when out of memory (r stays unmasked and must not be shown). */
static int
settle(struct rec *r, size_t max_body)
{
    if (!r->unmasked)
        return 0;
    struct body *q = &r->req;
    if (mask_body_may_hold_secret(q->data, q->len)) {
        struct buf masked = BUF_INIT;
        int partial = 0;
        if (mask_body(q->data, q->len, max_body, &masked, &partial) < 0 ||
            (!masked.data && buf_append(&masked, "", 0) < 0)) {
            buf_free(&masked);
            return -1;
        }
        size_t qlen = cut_point(masked.data, masked.len, max_body);
        memset(q->data, 0, q->len);
        r->masked = masked.data; /* owned by r from here on */
        *q = (struct body){masked.data, qlen, q->orig_len, partial || qlen < masked.len};
    }
    r->unmasked = 0;
    return 0;
}

static void
rec_free(struct rec *r)
{
    if (r) {
        free(r->text);
        free(r->masked);
    }
    free(r);
}

/* ISO-8601 UTC with milliseconds; null outside the years 1970 to 9999. */
static json_t *
json_time(double t)
{
    const long long end = 253402300800LL; /* 10000-01-01T00:00:00Z */
    if (!(t >= 0 && t < end))             /* also false for NaN */
        return json_null();
    if (llround(t * 1000) / 1000 >= end)
        return json_null(); /* rounded up into the year 10000 */
    char buf[40];
    log_format_time(t, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *
json_code(int code)
{
    return code == -1 ? json_null() : json_integer(code);
}

static int
set_body(json_t *o, const char *name, const char *truncated, const char *bytes,
         const struct body *b)
{
    return json_object_set_new(o, name, json_bytes(b->data, b->len)) ||
           json_object_set_new(o, truncated, json_boolean(b->cut)) ||
           json_object_set_new(o, bytes, json_integer((json_int_t)b->orig_len));
}

static json_t *
rec_json(const struct rec *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (json_object_set_new(o, "time", json_time(r->time)) ||
        json_object_set_new(o, "peer", json_bytes(r->peer, strlen(r->peer))) ||
        json_object_set_new(o, "method", json_bytes(r->method, strlen(r->method))) ||
        json_object_set_new(o, "status", json_integer(r->status)) ||
        json_object_set_new(o, "zapiError", json_code(r->zapi_error)) ||
        json_object_set_new(o, "methodError", json_code(r->method_error)) ||
        json_object_set_new(o, "latencyUs", json_integer(r->latency_us)) ||
        set_body(o, "request", "requestTruncated", "requestBytes", &r->req) ||
        set_body(o, "response", "responseTruncated", "responseBytes", &r->resp)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- key table ---- */

static struct jkey *
key_find(struct journal *j, const char *key)
{
    return (struct jkey *)strmap_get(&j->keys, key); /* node is the first member */
}

static void
key_destroy(struct strmap_node *n)
{
    struct jkey *k = (struct jkey *)n;
    for (size_t i = 0; i < k->count; i++)
        rec_free(k->ring[i]);
    free(k->ring);
    free(k);
}

/* Finds key or adds it, with room for its first entries; NULL when the table is full. */
static struct jkey *
key_get(struct journal *j, const char *key)
{
    struct jkey *k = key_find(j, key);
    if (k)
        return k;
    if (strmap_count(&j->keys) >= j->max_keys)
        return NULL;
    size_t len = strlen(key);
    k = calloc(1, sizeof(*k) + len + 1);
    if (!k)
        return NULL;
    k->cap = j->per_client < RING_INITIAL ? j->per_client : RING_INITIAL;
    k->ring = malloc(k->cap * sizeof(*k->ring));
    if (!k->ring) {
        free(k);
        return NULL;
    }
    memcpy(k->name, key, len + 1);
    k->node.key = k->name;
    strmap_put(&j->keys, &k->node); /* cannot fail: key is not there */
    return k;
}

static void
key_remove(struct journal *j, const char *key)
{
    struct strmap_node *n = strmap_remove(&j->keys, key);
    if (n)
        key_destroy(n);
}

/* Adds r to k's ring, growing the ring up to per_client; once it is full, r replaces the oldest
 * entry, handed back in *old to be freed outside the lock. */
static int
key_push(struct jkey *k, size_t per_client, struct rec *r, struct rec **old)
{
    if (k->count == per_client) {
        *old = k->ring[k->head];
        k->ring[k->head] = r;
        k->head = (k->head + 1) % k->count;
        return 0;
    }
    if (k->count == k->cap) {
        size_t cap = k->cap <= per_client / 2 ? k->cap * 2 : per_client;
        if (cap > SIZE_MAX / sizeof(*k->ring))
            return -1;
        struct rec **ring = realloc(k->ring, cap * sizeof(*ring));
        if (!ring)
            return -1;
        k->ring = ring;
        k->cap = cap;
    }
    k->ring[k->count++] = r;
    return 0;
}

/* ---- rendered text ---- */

/* The entries of k as a JSON array, newest first. Under the lock. */
static json_t *
entries_json_locked(struct jkey *k, size_t max_body)
{
    json_t *items = json_array();
    for (size_t n = k ? k->count : 0; items && n > 0; n--) { /* from the newest */
        struct rec *r = k->ring[(k->head + n - 1) % k->count];
        json_t *item = settle(r, max_body) == 0 ? rec_json(r) : NULL;
        if (json_array_append_new(items, item) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    return items;
}

/* Makes r's text once: rec_json dumped with JSON_INDENT(2), each line after the first indented
 * by ITEM_INDENT. Under the lock. Returns 0, or -1 when out of memory. */
static int
render_rec(struct rec *r, size_t max_body)
{
    if (r->text)
        return 0;
    json_t *o = settle(r, max_body) == 0 ? rec_json(r) : NULL;
    char *flat = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!flat)
        return -1;
    const size_t ind = sizeof(ITEM_INDENT) - 1;
    size_t lines = 0, n = 0;
    for (; flat[n]; n++)
        lines += flat[n] == '\n';
    char *text = malloc(n + ind * lines + 1);
    size_t o_len = 0;
    for (size_t i = 0; text && i < n; i++) {
        text[o_len++] = flat[i];
        if (flat[i] == '\n') {
            memcpy(text + o_len, ITEM_INDENT, ind);
            o_len += ind;
        }
    }
    free(flat);
    if (!text)
        return -1;
    text[o_len] = '\0';
    r->text = text;
    r->text_len = o_len;
    return 0;
}

/* Appends k's entries, newest first, each rendered once in its life. Under the lock. */
static int
render_locked(struct jkey *k, size_t max_body, struct buf *out)
{
    static const char first[] = "\n" ITEM_INDENT, next[] = ",\n" ITEM_INDENT, end[] = "\n  ]";
    size_t count = k ? k->count : 0, total = 2;
    if (count == 0)
        return buf_append_str(out, "[]") < 0 ? -1 : 0;
    for (size_t n = count; n > 0; n--) {
        struct rec *r = k->ring[(k->head + n - 1) % count];
        if (render_rec(r, max_body) < 0)
            return -1;
        total += sizeof(next) + r->text_len;
    }
    if (buf_reserve(out, total + sizeof(end)) < 0 || buf_append_str(out, "[") < 0)
        return -1;
    for (size_t n = count; n > 0; n--) {
        const struct rec *r = k->ring[(k->head + n - 1) % count];
        buf_append_str(out, n == count ? first : next);
        buf_append(out, r->text, r->text_len);
    }
    return buf_append_str(out, end) < 0 ? -1 : 0;
}

/* ---- public ---- */

int
journal_render(struct journal *j, const char *key, struct buf *out)
{
    if (!key)
        key = JOURNAL_ANONYMOUS;
    pthread_mutex_lock(&j->mu);
    int rc = render_locked(key_find(j, key), j->max_body, out);
    pthread_mutex_unlock(&j->mu);
    return rc;
}

struct journal *
journal_new(size_t per_client, size_t max_body, size_t max_keys)
{
    if (per_client == 0 || max_keys == 0)
        return NULL;
    struct journal *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    size_t nbuckets = max_keys < 16 ? 16 : max_keys < MAX_BUCKETS ? max_keys : MAX_BUCKETS;
    if (strmap_init(&j->keys, nbuckets) != 0) {
        free(j);
        return NULL;
    }
    if (pthread_mutex_init(&j->mu, NULL) != 0) {
        strmap_free(&j->keys, NULL);
        free(j);
        return NULL;
    }
    j->per_client = per_client;
    j->max_body = max_body;
    j->max_keys = max_keys;
    return j;
}

void
journal_free(struct journal *j)
{
    if (!j)
        return;
    strmap_free(&j->keys, key_destroy);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

int
journal_record(struct journal *j, const char *key, const struct journal_entry *e)
{
    if (!key)
        key = JOURNAL_ANONYMOUS;
    struct rec *r = rec_new(e, j->max_body); /* the copying and masking need no lock */
    if (!r)
        return -1;
    struct rec *old = NULL;
    int rc = -1;
    pthread_mutex_lock(&j->mu);
    struct jkey *k = key_get(j, key);
    if (k && key_push(k, j->per_client, r, &old) == 0) {
        k->total++;
        k->last = r->time;
        rc = 0;
    }
    pthread_mutex_unlock(&j->mu);
    rec_free(rc == 0 ? old : r);
    return rc;
}

int
journal_stats(struct journal *j, const char *key, unsigned long *total, double *last_time)
{
    if (!key)
        key = JOURNAL_ANONYMOUS;
    pthread_mutex_lock(&j->mu);
    struct jkey *k = key_find(j, key);
    if (k && total)
        *total = k->total;
    if (k && last_time)
        *last_time = k->last;
    pthread_mutex_unlock(&j->mu);
    return k ? 0 : -1;
}

json_t *
journal_json(struct journal *j, const char *key)
{
    if (!key)
        key = JOURNAL_ANONYMOUS;
    pthread_mutex_lock(&j->mu);
    json_t *items = entries_json_locked(key_find(j, key), j->max_body);
    pthread_mutex_unlock(&j->mu);
    return items;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Builds the sorted list while the lock keeps the names alive. */
static json_t *
keys_json_locked(struct journal *j)
{
    size_t count = strmap_count(&j->keys);
    const char **names = malloc((count ? count : 1) * sizeof(*names));
    if (!names)
        return NULL;
    size_t n = 0;
    struct strmap_iter it;
    strmap_iter_init(&it, 0);
    for (struct strmap_node *k; (k = strmap_next(&j->keys, &it)) != NULL;)
        names[n++] = k->key;
    qsort(names, n, sizeof(*names), cmp_names);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        if (json_array_append_new(list, json_bytes(names[i], strlen(names[i]))) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    free(names);
    return list;
}

json_t *
journal_keys_json(struct journal *j)
{
    pthread_mutex_lock(&j->mu);
    json_t *list = keys_json_locked(j);
    pthread_mutex_unlock(&j->mu);
    return list;
}

void
journal_clear(struct journal *j, const char *key)
{
    pthread_mutex_lock(&j->mu);
    if (key)
        key_remove(j, key);
    else
        strmap_clear(&j->keys, key_destroy);
    pthread_mutex_unlock(&j->mu);
}
