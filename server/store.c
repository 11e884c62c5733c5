#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* One counter: seats at a departure ("s:<activity>:<day>:<time>"), stock of a product
 * ("p:<product>"), a cancelled departure ("c:<activity>:<day>:<time>"). */
struct counter {
    struct strmap_node node;
    long value;
    char key[64];
};

struct cart {
    struct strmap_node node;
    char id[STORE_ID_TEXT];
    char owner[128];
    time_t created, touched;
};

struct store {
    pthread_mutex_t lock;
    struct strmap counters;
    struct strmap carts;
    uint64_t version;
    uint64_t rng; /* splitmix64 state for ids */
};

static uint64_t
next_random(struct store *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
destroy_counter(struct strmap_node *n)
{
    free(n);
}

static void
destroy_cart(struct strmap_node *n)
{
    free(n);
}

struct store *
store_new(uint64_t seed)
{
    struct store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (strmap_init(&s->counters, 64) < 0 || strmap_init(&s->carts, 64) < 0) {
        strmap_free(&s->counters, NULL);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->version = 1;
    s->rng = seed;
    return s;
}

void
store_free(struct store *s)
{
    if (!s)
        return;
    strmap_free(&s->counters, destroy_counter);
    strmap_free(&s->carts, destroy_cart);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void
store_reset(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    strmap_clear(&s->counters, destroy_counter);
    strmap_clear(&s->carts, destroy_cart);
    s->version++;
    pthread_mutex_unlock(&s->lock);
}

uint64_t
store_version(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t v = s->version;
    pthread_mutex_unlock(&s->lock);
    return v;
}

static long
get_locked(struct store *s, const char *key)
{
    struct strmap_node *n = strmap_get(&s->counters, key);
    return n ? ((struct counter *)n)->value : 0;
}

/* Adds delta to a counter; a counter back at zero is dropped so the map only holds what is
 * taken. Returns 0, or -1 when out of memory. */
static int
add_locked(struct store *s, const char *key, long delta)
{
    struct counter *c = (struct counter *)strmap_get(&s->counters, key);
    if (!c) {
        if (delta == 0)
            return 0;
        c = calloc(1, sizeof(*c));
        if (!c)
            return -1;
        snprintf(c->key, sizeof(c->key), "%s", key);
        c->node.key = c->key;
        if (strmap_put(&s->counters, &c->node) < 0) {
            free(c);
            return -1;
        }
    }
    c->value += delta;
    if (c->value == 0)
        free(strmap_remove(&s->counters, key));
    s->version++;
    return 0;
}

static void
seat_key(char *out, size_t cap, char kind, long activity_id, long day, int time)
{
    snprintf(out, cap, "%c:%ld:%ld:%d", kind, activity_id, day, time);
}

static int
take(struct store *s, const char *key, int n, int limit, int *left)
{
    pthread_mutex_lock(&s->lock);
    long taken = get_locked(s, key);
    int rc = 0;
    if (n > 0 && taken + n > limit) {
        rc = -1;
    } else {
        long delta = n < 0 && taken + n < 0 ? -taken : n; /* never below zero */
        rc = add_locked(s, key, delta);
        taken += delta;
    }
    if (left)
        *left = limit - (int)taken > 0 ? limit - (int)taken : 0;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int
get(struct store *s, const char *key)
{
    pthread_mutex_lock(&s->lock);
    long v = get_locked(s, key);
    pthread_mutex_unlock(&s->lock);
    return (int)v;
}

int
store_seats_taken(struct store *s, long activity_id, long day, int time)
{
    char key[64];
    seat_key(key, sizeof(key), 's', activity_id, day, time);
    return get(s, key);
}

int
store_take_seats(struct store *s, long activity_id, long day, int time, int n, int limit, int *left)
{
    char key[64];
    seat_key(key, sizeof(key), 's', activity_id, day, time);
    return take(s, key, n, limit, left);
}

int
store_stock_taken(struct store *s, long product_id)
{
    char key[64];
    snprintf(key, sizeof(key), "p:%ld", product_id);
    return get(s, key);
}

int
store_take_stock(struct store *s, long product_id, int n, int limit, int *left)
{
    char key[64];
    snprintf(key, sizeof(key), "p:%ld", product_id);
    return take(s, key, n, limit, left);
}

int
store_departure_cancelled(struct store *s, long activity_id, long day, int time)
{
    char key[64];
    seat_key(key, sizeof(key), 'c', activity_id, day, time);
    return get(s, key) != 0;
}

int
store_set_cancelled(struct store *s, long activity_id, long day, int time, int cancelled)
{
    char key[64];
    seat_key(key, sizeof(key), 'c', activity_id, day, time);
    pthread_mutex_lock(&s->lock);
    long now = get_locked(s, key);
    int rc = add_locked(s, key, (cancelled ? 1 : 0) - now);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int
store_cart_create(struct store *s, const char *owner, time_t now, char id[STORE_ID_TEXT])
{
    struct cart *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    snprintf(c->owner, sizeof(c->owner), "%s", owner);
    c->created = c->touched = now;
    c->node.key = c->id;
    pthread_mutex_lock(&s->lock);
    do {
        snprintf(c->id, sizeof(c->id), "%016llx%016llx", (unsigned long long)next_random(s),
                 (unsigned long long)next_random(s));
    } while (strmap_get(&s->carts, c->id));
    int rc = strmap_put(&s->carts, &c->node);
    pthread_mutex_unlock(&s->lock);
    if (rc < 0) {
        free(c);
        return -1;
    }
    memcpy(id, c->id, STORE_ID_TEXT);
    return 0;
}

int
store_list_cancelled(struct store *s, long activity_id, long from, long to,
                     void (*fn)(void *ctx, long activity_id, long day, int time), void *ctx)
{
    /* Gathered under the lock, reported after it, so fn may call the store. */
    struct {
        long a, day;
        int time;
    } found[STORE_MAX_LISTED];
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    struct strmap_iter it;
    strmap_iter_init(&it, 0);
    for (struct strmap_node *node;
         (node = strmap_next(&s->counters, &it)) && n < STORE_MAX_LISTED;) {
        long a, day;
        int time;
        if (sscanf(node->key, "c:%ld:%ld:%d", &a, &day, &time) != 3)
            continue;
        if ((activity_id && a != activity_id) || day < from || day > to)
            continue;
        found[n].a = a;
        found[n].day = day;
        found[n].time = time;
        n++;
    }
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < n; i++)
        fn(ctx, found[i].a, found[i].day, found[i].time);
    return (int)n;
}
