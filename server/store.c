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

struct cart_node {
    struct strmap_node node;
    struct store_cart cart;
};

#define FIRST_BOOKING_NUMBER 100001
struct store {
    pthread_mutex_t lock;
    struct store_limits limits;
    struct strmap counters;
    struct strmap carts;             /* of cart_node */
    struct store_booking **bookings; /* by number, oldest first */
    size_t nbookings, capbookings;
    long next_booking;
    struct store_waitlist waitlist[STORE_MAX_WAITLIST];
    size_t nwaitlist;
    long next_waitlist;
    struct store_email outbox[STORE_MAX_OUTBOX]; /* a ring: the newest at (outbox_head - 1) */
    size_t outbox_head, noutbox;
    long next_email;
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

/* Drops every cart, booking, waitlist entry and e-mail; the lock is held. */
static void
clear_records(struct store *s)
{
    strmap_clear(&s->carts, destroy_cart);
    for (size_t i = 0; i < s->nbookings; i++)
        free(s->bookings[i]);
    s->nbookings = 0;
    s->next_booking = FIRST_BOOKING_NUMBER;
    s->nwaitlist = 0;
    s->next_waitlist = 1;
    for (size_t i = 0; i < STORE_MAX_OUTBOX; i++)
        store_email_free(&s->outbox[i]);
    s->outbox_head = s->noutbox = 0;
    s->next_email = 1;
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
    s->limits = (struct store_limits){STORE_DEFAULT_MAX_CARTS, STORE_DEFAULT_MAX_BOOKINGS,
                                      STORE_DEFAULT_CART_TTL_S};
    s->version = 1;
    s->rng = seed;
    clear_records(s);
    return s;
}

void
store_free(struct store *s)
{
    if (!s)
        return;
    clear_records(s);
    strmap_free(&s->counters, destroy_counter);
    strmap_free(&s->carts, destroy_cart);
    free(s->bookings);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void
store_reset(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    strmap_clear(&s->counters, destroy_counter);
    clear_records(s);
    s->version++;
    pthread_mutex_unlock(&s->lock);
}

void
store_set_limits(struct store *s, const struct store_limits *l)
{
    pthread_mutex_lock(&s->lock);
    if (l->max_carts)
        s->limits.max_carts = l->max_carts;
    if (l->max_bookings)
        s->limits.max_bookings = l->max_bookings;
    if (l->cart_ttl_s)
        s->limits.cart_ttl_s = l->cart_ttl_s;
    pthread_mutex_unlock(&s->lock);
}

void
store_get_limits(struct store *s, struct store_limits *l)
{
    pthread_mutex_lock(&s->lock);
    *l = s->limits;
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
get(struct store *s, const char *key)
{
    pthread_mutex_lock(&s->lock);
    long v = get_locked(s, key);
    pthread_mutex_unlock(&s->lock);
    return (int)v;
}

static void
take_key(const struct store_take *t, char *out, size_t cap)
{
    if (t->kind == COUNT_STOCK)
        snprintf(out, cap, "p:%ld", t->id);
    else if (t->kind == COUNT_EQUIPMENT)
        snprintf(out, cap, "e:%ld:%ld:%d:%ld", t->id, t->day, t->time, t->equipment);
    else
        seat_key(out, cap, 's', t->id, t->day, t->time);
}

int
store_take_all(struct store *s, const struct store_take *t, size_t n, size_t *failed, int *left)
{
    char key[64], other[64];
    int rc = STORE_OK;
    pthread_mutex_lock(&s->lock);
    /* Check every counter with the sum of its changes before changing any. */
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        take_key(&t[i], key, sizeof(key));
        long sum = 0;
        int limit = t[i].limit;
        for (size_t k = 0; k < n; k++) {
            take_key(&t[k], other, sizeof(other));
            if (strcmp(key, other) == 0)
                sum += t[k].n;
        }
        long taken = get_locked(s, key);
        if (t[i].n > 0 && sum > 0 && taken + sum > limit) {
            rc = STORE_FULL;
            if (failed)
                *failed = i;
            if (left) {
                long l = limit - taken;
                *left = l > 0 ? (int)l : 0;
            }
        }
    }
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        take_key(&t[i], key, sizeof(key));
        long taken = get_locked(s, key);
        long delta = t[i].n < 0 && taken + t[i].n < 0 ? -taken : t[i].n; /* never below zero */
        if (add_locked(s, key, delta) < 0)
            rc = STORE_FULL; /* out of memory mid-way: only creating a counter can fail */
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int
store_taken(struct store *s, const struct store_take *what)
{
    char key[64];
    take_key(what, key, sizeof(key));
    return get(s, key);
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

/* ---- carts ---- */

static int
expired(const struct store *s, const struct store_cart *c, time_t now)
{
    return now - c->touched > (time_t)s->limits.cart_ttl_s;
}

/* Removes the expired carts, and the longest idle one while more than keep remain. */
static void
sweep_carts(struct store *s, time_t now, size_t keep)
{
    struct strmap_iter it;
    strmap_iter_init(&it, 0);
    for (struct strmap_node *n; (n = strmap_next(&s->carts, &it));)
        if (expired(s, &((struct cart_node *)n)->cart, now))
            free(strmap_remove(&s->carts, n->key));
    while (strmap_count(&s->carts) > keep) {
        struct cart_node *oldest = NULL;
        strmap_iter_init(&it, 0);
        for (struct strmap_node *n; (n = strmap_next(&s->carts, &it));) {
            struct cart_node *c = (struct cart_node *)n;
            if (!oldest || c->cart.touched < oldest->cart.touched)
                oldest = c;
        }
        free(strmap_remove(&s->carts, oldest->node.key));
    }
}

int
store_cart_create(struct store *s, const char *owner, time_t now, char id[STORE_ID_TEXT])
{
    struct cart_node *c = calloc(1, sizeof(*c));
    if (!c)
        return STORE_FULL;
    snprintf(c->cart.owner, sizeof(c->cart.owner), "%s", owner);
    c->cart.created = c->cart.touched = now;
    c->cart.next_item_id = 1;
    c->node.key = c->cart.id;
    pthread_mutex_lock(&s->lock);
    if (strmap_count(&s->carts) >= s->limits.max_carts)
        sweep_carts(s, now, s->limits.max_carts - 1);
    do {
        /* Two draws in a set order (argument order is unspecified): ids repeat for a seed. */
        unsigned long long hi = next_random(s), lo = next_random(s);
        snprintf(c->cart.id, sizeof(c->cart.id), "%016llx%016llx", hi, lo);
    } while (strmap_get(&s->carts, c->cart.id));
    int rc = strmap_put(&s->carts, &c->node);
    pthread_mutex_unlock(&s->lock);
    if (rc < 0) {
        free(c);
        return STORE_FULL;
    }
    memcpy(id, c->cart.id, STORE_ID_TEXT);
    return STORE_OK;
}

/* The live cart of id for owner; expired ones are dropped on the way. Lock held. */
static int
find_cart(struct store *s, const char *id, const char *owner, time_t now, struct cart_node **out)
{
    struct cart_node *c = (struct cart_node *)strmap_get(&s->carts, id);
    if (c && expired(s, &c->cart, now)) {
        free(strmap_remove(&s->carts, id));
        c = NULL;
    }
    if (!c)
        return STORE_NOT_FOUND;
    if (strcmp(c->cart.owner, owner) != 0)
        return STORE_NOT_YOURS;
    *out = c;
    return STORE_OK;
}

int
store_cart_get(struct store *s, const char *id, const char *owner, time_t now,
               struct store_cart *out)
{
    struct cart_node *c;
    pthread_mutex_lock(&s->lock);
    int rc = find_cart(s, id, owner, now, &c);
    if (rc == STORE_OK) {
        c->cart.touched = now;
        *out = c->cart;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int
store_cart_put(struct store *s, struct store_cart *cart, time_t now)
{
    struct cart_node *c;
    pthread_mutex_lock(&s->lock);
    int rc = find_cart(s, cart->id, cart->owner, now, &c);
    if (rc == STORE_OK && c->cart.revision != cart->revision)
        rc = STORE_CONFLICT;
    if (rc == STORE_OK) {
        cart->revision++;
        cart->touched = now;
        c->cart = *cart;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int
store_cart_remove(struct store *s, const char *id, const char *owner, time_t now)
{
    struct cart_node *c;
    pthread_mutex_lock(&s->lock);
    int rc = find_cart(s, id, owner, now, &c);
    if (rc == STORE_OK)
        free(strmap_remove(&s->carts, id));
    pthread_mutex_unlock(&s->lock);
    return rc;
}

size_t
store_cart_list(struct store *s, const char *owner, time_t now, struct store_cart *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    sweep_carts(s, now, s->limits.max_carts);
    struct strmap_iter it;
    strmap_iter_init(&it, 0);
    for (struct strmap_node *node; (node = strmap_next(&s->carts, &it));) {
        const struct store_cart *c = &((struct cart_node *)node)->cart;
        if (owner && strcmp(c->owner, owner) != 0)
            continue;
        if (n < max)
            out[n] = *c;
        n++;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

size_t
store_cart_count(struct store *s, time_t now)
{
    pthread_mutex_lock(&s->lock);
    sweep_carts(s, now, s->limits.max_carts);
    size_t n = strmap_count(&s->carts);
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- bookings ---- */

static void
new_reference(struct store *s, char out[STORE_REFERENCE_TEXT])
{
    /* No 0/O or 1/I: references are read over the phone. */
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (;;) {
        uint64_t r = next_random(s);
        for (int i = 0; i < 7; i++, r >>= 5)
            out[i] = alphabet[r & 31];
        out[7] = '\0';
        int taken = 0;
        for (size_t i = 0; i < s->nbookings && !taken; i++)
            taken = strcmp(s->bookings[i]->reference, out) == 0;
        if (!taken)
            return;
    }
}

int
store_booking_add(struct store *s, struct store_booking *b)
{
    struct store_booking *copy = malloc(sizeof(*copy));
    if (!copy)
        return STORE_FULL;
    pthread_mutex_lock(&s->lock);
    if (s->nbookings >= s->limits.max_bookings && s->nbookings > 0) {
        free(s->bookings[0]);
        memmove(s->bookings, s->bookings + 1, (s->nbookings - 1) * sizeof(*s->bookings));
        s->nbookings--;
    }
    if (s->nbookings == s->capbookings) {
        size_t cap = s->capbookings ? s->capbookings * 2 : 64;
        struct store_booking **p = realloc(s->bookings, cap * sizeof(*p));
        if (!p) {
            pthread_mutex_unlock(&s->lock);
            free(copy);
            return STORE_FULL;
        }
        s->bookings = p;
        s->capbookings = cap;
    }
    b->number = s->next_booking++;
    new_reference(s, b->reference);
    *copy = *b;
    s->bookings[s->nbookings++] = copy;
    pthread_mutex_unlock(&s->lock);
    return STORE_OK;
}

/* Bookings are kept in number order: a binary search finds one. Lock held. */
static struct store_booking *
find_booking(struct store *s, long number)
{
    size_t lo = 0, hi = s->nbookings;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        long n = s->bookings[mid]->number;
        if (n == number)
            return s->bookings[mid];
        if (n < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int
store_booking_get(struct store *s, long number, struct store_booking *out)
{
    pthread_mutex_lock(&s->lock);
    struct store_booking *b = find_booking(s, number);
    if (b)
        *out = *b;
    pthread_mutex_unlock(&s->lock);
    return b ? STORE_OK : STORE_NOT_FOUND;
}

int
store_booking_put(struct store *s, struct store_booking *b)
{
    pthread_mutex_lock(&s->lock);
    struct store_booking *old = find_booking(s, b->number);
    int rc = !old ? STORE_NOT_FOUND : old->revision != b->revision ? STORE_CONFLICT : STORE_OK;
    if (rc == STORE_OK) {
        b->revision++;
        *old = *b;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

size_t
store_booking_find(struct store *s, int (*match)(const struct store_booking *, void *), void *ctx,
                   struct store_booking *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->nbookings; i-- > 0;) {
        if (match && !match(s->bookings[i], ctx))
            continue;
        if (n < max)
            out[n] = *s->bookings[i];
        n++;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

size_t
store_booking_count(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->nbookings;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- gift certificates ---- */

long
store_gift_used(struct store *s, const char *code)
{
    char key[96];
    snprintf(key, sizeof(key), "g:%s", code);
    pthread_mutex_lock(&s->lock);
    long v = get_locked(s, key);
    pthread_mutex_unlock(&s->lock);
    return v;
}

int
store_gift_take(struct store *s, const char *code, long cents, long balance)
{
    char key[96];
    snprintf(key, sizeof(key), "g:%s", code);
    pthread_mutex_lock(&s->lock);
    long used = get_locked(s, key);
    int rc = STORE_FULL;
    if (used + cents <= balance && used + cents >= 0)
        rc = add_locked(s, key, cents) == 0 ? STORE_OK : STORE_FULL;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- waitlist ---- */

int
store_waitlist_add(struct store *s, struct store_waitlist *w)
{
    pthread_mutex_lock(&s->lock);
    int rc = STORE_FULL;
    if (s->nwaitlist < STORE_MAX_WAITLIST) {
        w->id = s->next_waitlist++;
        s->waitlist[s->nwaitlist++] = *w;
        rc = STORE_OK;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int
store_waitlist_remove(struct store *s, long id, const char *owner)
{
    pthread_mutex_lock(&s->lock);
    int rc = STORE_NOT_FOUND;
    for (size_t i = 0; i < s->nwaitlist; i++) {
        if (s->waitlist[i].id != id)
            continue;
        if (strcmp(s->waitlist[i].owner, owner) != 0) {
            rc = STORE_NOT_YOURS;
            break;
        }
        s->waitlist[i] = s->waitlist[--s->nwaitlist];
        rc = STORE_OK;
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

size_t
store_waitlist_count(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->nwaitlist;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- outbox ---- */

int
store_email_add(struct store *s, struct store_email *e)
{
    char *body = strdup(e->body ? e->body : "");
    if (!body)
        return STORE_FULL;
    pthread_mutex_lock(&s->lock);
    struct store_email *slot = &s->outbox[s->outbox_head];
    store_email_free(slot);
    *slot = *e;
    slot->body = body;
    slot->id = e->id = s->next_email++;
    s->outbox_head = (s->outbox_head + 1) % STORE_MAX_OUTBOX;
    if (s->noutbox < STORE_MAX_OUTBOX)
        s->noutbox++;
    pthread_mutex_unlock(&s->lock);
    return STORE_OK;
}

size_t
store_email_list(struct store *s, struct store_email *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->noutbox && n < max; i++) {
        size_t at = (s->outbox_head + STORE_MAX_OUTBOX - 1 - i) % STORE_MAX_OUTBOX;
        out[n] = s->outbox[at];
        out[n].body = strdup(s->outbox[at].body ? s->outbox[at].body : "");
        n++;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

void
store_email_free(struct store_email *e)
{
    free(e->body);
    e->body = NULL;
}
