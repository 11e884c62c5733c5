#include "throttle.h"
#include "strmap.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Admission times of one key, oldest first, in a circular buffer that grows on demand (up to the
 * limit) and shrinks as entries expire, so idle keys cost no log memory. */
struct ring {
    double *ts;
    size_t cap, head, count;
};

struct tkey {
    struct strmap_node node; /* key: name */
    struct ring log;
    double last;          /* time of the key's latest request, whatever the outcome */
    double win_override;  /* window override of that request, 0 = the global window */
    unsigned every_count; /* requests since the last every-N throttle, in [0, every) */
    unsigned every_gen;   /* every_count is stale when this differs from throttle.every_gen */
    unsigned long admitted, throttled;
    char name[];
};

struct force {
    char *key; /* NULL for the global force */
    double until;
    int indefinite;
};

struct throttle {
    pthread_mutex_t mu;
    struct throttle_settings s;
    unsigned every_gen;

    struct strmap keys; /* of struct tkey, with at least max_keys buckets */
    size_t max_keys;
    uint64_t evict_cursor; /* where the next eviction scan starts, to spread the work */
    double full_until;     /* after a fruitless scan: no key becomes evictable before this */

    int global_on;
    struct force global;
    struct force *forces;
    size_t nforces, forces_cap;
};

/* ---- ring ---- */

static double
ring_at(const struct ring *r, size_t i)
{
    return r->ts[(r->head + i) % r->cap];
}

static int
ring_resize(struct ring *r, size_t cap)
{
    if (cap == 0) {
        free(r->ts);
        r->ts = NULL;
        r->cap = r->head = 0;
        return 0;
    }
    double *ts = malloc(cap * sizeof(*ts));
    if (!ts)
        return -1;
    for (size_t i = 0; i < r->count; i++)
        ts[i] = ring_at(r, i);
    free(r->ts);
    r->ts = ts;
    r->cap = cap;
    r->head = 0;
    return 0;
}

/* Appends v; the buffer doubles but never beyond max_cap (the limit), as count < limit here. */
static int
ring_push(struct ring *r, double v, size_t max_cap)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        if (cap > max_cap)
            cap = max_cap;
        if (ring_resize(r, cap) < 0)
            return -1;
    }
    r->ts[(r->head + r->count) % r->cap] = v;
    r->count++;
    return 0;
}

/* Drops the admissions that left the half-open window (now - win, now], i.e. aged >= win. */
static void
ring_prune(struct ring *r, double now, double win)
{
    while (r->count > 0 && now - r->ts[r->head] >= win) {
        r->head = (r->head + 1) % r->cap;
        r->count--;
    }
    if (r->count == 0)
        ring_resize(r, 0);
    else if (r->cap > 16 && r->count <= r->cap / 4)
        ring_resize(r, r->cap / 2); /* failure only keeps the larger buffer */
}

/* ---- key table ---- */

static struct tkey *
key_find(const struct throttle *t, const char *key)
{
    return (struct tkey *)strmap_get(&t->keys, key); /* node is the first member */
}

static void
key_destroy(struct strmap_node *n)
{
    struct tkey *k = (struct tkey *)n;
    free(k->log.ts);
    free(k);
}

static void
keys_clear(struct throttle *t)
{
    strmap_clear(&t->keys, key_destroy);
    t->full_until = -INFINITY;
}

/* The key's window: idle this long, its log is entirely expired and it may be evicted. */
static double
key_window(const struct throttle *t, const struct tkey *k)
{
    return k->win_override > 0 ? k->win_override : t->s.window;
}

/* Removes one key idle for at least its window. Remembers a fruitless full scan in full_until so
 * a flood of new keys against a full table of busy ones does not rescan it on every request. */
static int
key_evict(struct throttle *t, double now)
{
    if (now < t->full_until)
        return -1;
    double soonest = INFINITY;
    struct strmap_iter it;
    strmap_iter_init(&it, t->evict_cursor);
    for (struct strmap_node *n; (n = strmap_next(&t->keys, &it)) != NULL;) {
        struct tkey *k = (struct tkey *)n;
        double win = key_window(t, k);
        if (now - k->last >= win) {
            t->evict_cursor = n->hash; /* its bucket */
            key_destroy(strmap_remove(&t->keys, n->key));
            return 0;
        }
        if (k->last + win < soonest)
            soonest = k->last + win;
    }
    t->full_until = soonest;
    return -1;
}

/* Finds key, or adds it (evicting an idle key when full). NULL = cannot be tracked. */
static struct tkey *
key_get(struct throttle *t, const char *key, double now)
{
    struct tkey *k = key_find(t, key);
    if (k)
        return k;
    if (strmap_count(&t->keys) >= t->max_keys && key_evict(t, now) < 0)
        return NULL;
    size_t len = strlen(key);
    k = calloc(1, sizeof(*k) + len + 1);
    if (!k)
        return NULL;
    memcpy(k->name, key, len + 1);
    k->node.key = k->name;
    k->last = now;
    k->every_gen = t->every_gen;
    strmap_put(&t->keys, &k->node); /* cannot fail: key is not there */
    return k;
}

/* ---- forces ---- */

static int
force_expired(const struct force *f, double now)
{
    return !f->indefinite && now >= f->until;
}

/* Indefinite forces have no end to report: 1.0 is the first step of the documented back-off. */
static double
force_wait(const struct force *f, double now)
{
    return f->indefinite ? 1.0 : f->until - now;
}

static void
forces_prune(struct throttle *t, double now)
{
    if (t->global_on && force_expired(&t->global, now))
        t->global_on = 0;
    size_t j = 0;
    for (size_t i = 0; i < t->nforces; i++) {
        if (force_expired(&t->forces[i], now))
            free(t->forces[i].key);
        else
            t->forces[j++] = t->forces[i];
    }
    t->nforces = j;
}

static struct force *
force_find(struct throttle *t, const char *key)
{
    for (size_t i = 0; i < t->nforces; i++)
        if (strcmp(t->forces[i].key, key) == 0)
            return &t->forces[i];
    return NULL;
}

static struct force *
force_add(struct throttle *t, const char *key)
{
    if (t->nforces >= t->max_keys)
        return NULL;
    if (t->nforces == t->forces_cap) {
        size_t cap = t->forces_cap ? t->forces_cap * 2 : 4;
        struct force *p = realloc(t->forces, cap * sizeof(*p));
        if (!p)
            return NULL;
        t->forces = p;
        t->forces_cap = cap;
    }
    char *copy = strdup(key);
    if (!copy)
        return NULL;
    struct force *f = &t->forces[t->nforces++];
    f->key = copy;
    return f;
}

static void
forces_clear(struct throttle *t)
{
    for (size_t i = 0; i < t->nforces; i++)
        free(t->forces[i].key);
    t->nforces = 0;
    t->global_on = 0;
}

static void
force_info_fill(struct throttle_force_info *info, const struct force *f, double now)
{
    snprintf(info->key, sizeof(info->key), "%s", f->key ? f->key : "");
    info->global = f->key == NULL;
    info->remaining = f->indefinite ? -1.0 : f->until - now;
}

/* ---- public ---- */

static int
settings_valid(const struct throttle_settings *s)
{
    return isfinite(s->window) && s->window > 0 && s->limit <= THROTTLE_MAX_LIMIT;
}

struct throttle *
throttle_new(const struct throttle_settings *initial, size_t max_keys)
{
    struct throttle_settings defaults = {0, THROTTLE_DEFAULT_WINDOW, 0};
    if (!initial)
        initial = &defaults;
    if (!settings_valid(initial))
        return NULL;
    if (max_keys == 0)
        max_keys = THROTTLE_DEFAULT_MAX_KEYS;
    struct throttle *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (strmap_init(&t->keys, max_keys < 16 ? 16 : max_keys) != 0) {
        free(t);
        return NULL;
    }
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        strmap_free(&t->keys, NULL);
        free(t);
        return NULL;
    }
    t->s = *initial;
    t->max_keys = max_keys;
    t->full_until = -INFINITY;
    return t;
}

void
throttle_free(struct throttle *t)
{
    if (!t)
        return;
    strmap_free(&t->keys, key_destroy);
    forces_clear(t);
    free(t->forces);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

int
throttle_configure(struct throttle *t, const struct throttle_settings *s)
{
    if (!settings_valid(s))
        return -1;
    pthread_mutex_lock(&t->mu);
    if (s->every != t->s.every)
        t->every_gen++; /* lazily restarts every key's every-N count */
    t->s = *s;
    t->full_until = -INFINITY; /* a shorter window may make keys evictable sooner */
    pthread_mutex_unlock(&t->mu);
    return 0;
}

void
throttle_settings_get(struct throttle *t, struct throttle_settings *out)
{
    pthread_mutex_lock(&t->mu);
    *out = t->s;
    pthread_mutex_unlock(&t->mu);
}

int
throttle_force(struct throttle *t, const char *key, double now, double seconds)
{
    if (!isfinite(seconds) || seconds < 0 || !isfinite(now))
        return -1;
    int rc = 0;
    pthread_mutex_lock(&t->mu);
    forces_prune(t, now);
    struct force *f = &t->global;
    if (key) {
        f = force_find(t, key);
        if (!f)
            f = force_add(t, key);
    } else {
        t->global_on = 1;
    }
    if (f) {
        f->indefinite = seconds == 0;
        f->until = now + seconds;
    } else {
        rc = -1;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void
throttle_lift(struct throttle *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    if (!key) {
        forces_clear(t);
    } else {
        struct force *f = force_find(t, key);
        if (f) {
            free(f->key);
            *f = t->forces[--t->nforces];
        }
    }
    pthread_mutex_unlock(&t->mu);
}

size_t
throttle_forces(struct throttle *t, double now, struct throttle_force_info *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&t->mu);
    forces_prune(t, now);
    if (t->global_on) {
        if (n < max)
            force_info_fill(&out[n], &t->global, now);
        n++;
    }
    for (size_t i = 0; i < t->nforces; i++, n++)
        if (n < max)
            force_info_fill(&out[n], &t->forces[i], now);
    pthread_mutex_unlock(&t->mu);
    return n;
}

int
throttle_key_stats(struct throttle *t, const char *key, struct throttle_key_stats *out)
{
    pthread_mutex_lock(&t->mu);
    struct tkey *k = key_find(t, key);
    if (k) {
        out->admitted = k->admitted;
        out->throttled = k->throttled;
    }
    pthread_mutex_unlock(&t->mu);
    return k ? 0 : -1;
}

void
throttle_reset(struct throttle *t)
{
    pthread_mutex_lock(&t->mu);
    keys_clear(t);
    pthread_mutex_unlock(&t->mu);
}

/* Forced rule: the longest wait among the global force and key's own. 0 = not forced. */
static double
check_forced(struct throttle *t, const char *key, double now)
{
    double wait = 0;
    forces_prune(t, now);
    if (t->global_on)
        wait = force_wait(&t->global, now);
    struct force *f = t->nforces ? force_find(t, key) : NULL;
    if (f && force_wait(f, now) > wait)
        wait = force_wait(f, now);
    return wait;
}

/* Every-N rule: counts this request and says whether it is an Nth one. */
static int
check_every(struct throttle *t, struct tkey *k)
{
    if (k->every_gen != t->every_gen) {
        k->every_gen = t->every_gen;
        k->every_count = 0;
    }
    if (++k->every_count < t->s.every)
        return 0;
    k->every_count = 0;
    return 1;
}

/* Limit rule on a pruned log: 0 when another admission fits, else the exact wait until enough
 * logged admissions age out for one to fit. The log may hold more than limit entries after the
 * limit was lowered; they all still count. Computed as win - age so it stays > 0 in doubles. */
static double
limit_wait(const struct ring *log, unsigned limit, double now, double win)
{
    if (log->count < limit)
        return 0;
    return win - (now - ring_at(log, log->count - limit));
}

/* Limit rule after the others: throttles or logs the admission; reports the wait and what is
 * left. Under every-N the wait is the limit's, as retrying sooner would fail anyway. */
static void
apply_limit(struct tkey *k, unsigned limit, double now, double win, struct throttle_decision *out)
{
    double lw = limit_wait(&k->log, limit, now, win);
    if (out->rule == THROTTLE_NONE && lw > 0)
        out->rule = THROTTLE_LIMIT;
    if (out->rule == THROTTLE_LIMIT || out->rule == THROTTLE_EVERY)
        out->wait = lw;
    if (out->rule == THROTTLE_NONE && ring_push(&k->log, now, limit) < 0)
        out->untracked = 1; /* out of memory: admit rather than refuse unfairly */
    if (limit > k->log.count)
        out->remaining = limit - (unsigned)k->log.count;
}

void
throttle_check(struct throttle *t, const char *key, unsigned override_limit, double override_window,
               double now, struct throttle_decision *out)
{
    if (!key)
        key = "";
    pthread_mutex_lock(&t->mu);
    unsigned limit = override_limit ? override_limit : t->s.limit;
    if (limit > THROTTLE_MAX_LIMIT)
        limit = THROTTLE_MAX_LIMIT;
    double win_override = isfinite(override_window) && override_window > 0 ? override_window : 0;
    double win = win_override > 0 ? win_override : t->s.window;
    *out = (struct throttle_decision){.rule = THROTTLE_NONE, .limit = limit, .window = win};

    struct tkey *k = key_get(t, key, now);
    if (k && now < k->last)
        now = k->last; /* keeps the log sorted when callers race */
    if (k)
        ring_prune(&k->log, now, win);

    double wait = check_forced(t, key, now);
    if (wait > 0) {
        out->rule = THROTTLE_FORCED;
        out->wait = wait;
    } else if (k && t->s.every > 0 && check_every(t, k)) {
        out->rule = THROTTLE_EVERY;
    }

    if (k && limit > 0)
        apply_limit(k, limit, now, win, out);

    out->throttled = out->rule != THROTTLE_NONE;
    if (k) {
        if (out->throttled)
            k->throttled++;
        else
            k->admitted++;
        if (win < key_window(t, k))
            t->full_until = -INFINITY; /* the eviction bound assumed the longer window */
        k->last = now;
        k->win_override = win_override;
    } else {
        out->untracked = 1;
    }
    pthread_mutex_unlock(&t->mu);
}
