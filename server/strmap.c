#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BUCKETS (SIZE_MAX / 4 / sizeof(struct strmap_node *))

static uint64_t
hash_str(uint64_t seed, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ seed; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* The link that points at the node of key (hash h), or at the NULL ending its chain. */
static struct strmap_node **
slot(const struct strmap *m, const char *key, uint64_t h)
{
    struct strmap_node **pp = &m->buckets[h & (m->nbuckets - 1)];
    while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0))
        pp = &(*pp)->next;
    return pp;
}

int
strmap_init(struct strmap *m, size_t initial_buckets)
{
    size_t n = 1;
    while (n < initial_buckets && n <= MAX_BUCKETS)
        n *= 2;
    *m = (struct strmap){0};
    if (n > MAX_BUCKETS)
        return -1;
    m->buckets = calloc(n, sizeof(*m->buckets));
    if (!m->buckets)
        return -1;
    m->nbuckets = n;
    return 0;
}

void
strmap_free(struct strmap *m, void (*destroy)(struct strmap_node *))
{
    if (m->buckets)
        strmap_clear(m, destroy);
    free(m->buckets);
    *m = (struct strmap){0};
}

void
strmap_clear(struct strmap *m, void (*destroy)(struct strmap_node *))
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct strmap_node *n = m->buckets[i];
        m->buckets[i] = NULL;
        while (n) {
            struct strmap_node *next = n->next;
            if (destroy)
                destroy(n);
            n = next;
        }
    }
    m->count = 0;
}

struct strmap_node *
strmap_get(const struct strmap *m, const char *key)
{
    return *slot(m, key, hash_str(m->seed, key));
}

/* Doubles the buckets; on failure the table stays as it is. */
static void
grow(struct strmap *m)
{
    if (m->nbuckets > MAX_BUCKETS)
        return;
    size_t nb = m->nbuckets * 2;
    struct strmap_node **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct strmap_node *n = m->buckets[i];
        while (n) { /* keeps each chain's order */
            struct strmap_node *next = n->next, **pp = &b[n->hash & (nb - 1)];
            while (*pp)
                pp = &(*pp)->next;
            n->next = NULL;
            *pp = n;
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

int
strmap_put(struct strmap *m, struct strmap_node *n)
{
    n->hash = hash_str(m->seed, n->key);
    if (*slot(m, n->key, n->hash))
        return -1;
    if (m->count >= m->nbuckets)
        grow(m);
    struct strmap_node **pp = slot(m, n->key, n->hash);
    n->next = NULL;
    *pp = n; /* the end of the chain */
    m->count++;
    return 0;
}

struct strmap_node *
strmap_remove(struct strmap *m, const char *key)
{
    struct strmap_node **pp = slot(m, key, hash_str(m->seed, key));
    struct strmap_node *n = *pp;
    if (n) {
        *pp = n->next;
        n->next = NULL;
        m->count--;
    }
    return n;
}

size_t
strmap_count(const struct strmap *m)
{
    return m->count;
}

void
strmap_iter_init(struct strmap_iter *it, uint64_t start)
{
    *it = (struct strmap_iter){(size_t)start, 0, NULL};
}

struct strmap_node *
strmap_next(const struct strmap *m, struct strmap_iter *it)
{
    while (!it->next) {
        if (it->done >= m->nbuckets)
            return NULL;
        it->next = m->buckets[(it->start + it->done++) & (m->nbuckets - 1)];
    }
    struct strmap_node *n = it->next;
    it->next = n->next;
    return n;
}
