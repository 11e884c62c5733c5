#include "answer_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct entry {
    struct strmap_node node;
    struct entry *newer; /* insertion order: the oldest goes first */
    int status, zapi_error, method_error;
    size_t len;
    char *key;
    char body[];
};

struct answer_cache {
    pthread_mutex_t lock;
    struct strmap map;
    struct entry *oldest, *newest;
    size_t bytes;
    unsigned long hits;
};

static void
destroy(struct strmap_node *n)
{
    struct entry *e = (struct entry *)n;
    free(e->key);
    free(e);
}

struct answer_cache *
answer_cache_new(void)
{
    struct answer_cache *c = calloc(1, sizeof(*c));
    if (!c || strmap_init(&c->map, 256) < 0) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void
answer_cache_free(struct answer_cache *c)
{
    if (!c)
        return;
    strmap_free(&c->map, destroy);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int
answer_cache_get(struct answer_cache *c, const char *key, struct cached_answer *out)
{
    pthread_mutex_lock(&c->lock);
    struct entry *e = (struct entry *)strmap_get(&c->map, key);
    int found = e && buf_append(&out->body, e->body, e->len) == 0;
    if (found) {
        out->status = e->status;
        out->zapi_error = e->zapi_error;
        out->method_error = e->method_error;
        c->hits++;
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

static void
evict_oldest(struct answer_cache *c)
{
    struct entry *e = c->oldest;
    c->oldest = e->newer;
    if (!c->oldest)
        c->newest = NULL;
    strmap_remove(&c->map, e->key);
    c->bytes -= e->len;
    destroy(&e->node);
}

void
answer_cache_put(struct answer_cache *c, const char *key, const struct cached_answer *a)
{
    if (a->body.len > ANSWER_CACHE_MAX_ENTRY_BYTES)
        return;
    struct entry *e = malloc(sizeof(*e) + a->body.len);
    char *k = strdup(key);
    if (!e || !k) {
        free(e);
        free(k);
        return; /* a cache that cannot grow just misses */
    }
    memset(e, 0, sizeof(*e));
    e->key = k;
    e->node.key = k;
    e->status = a->status;
    e->zapi_error = a->zapi_error;
    e->method_error = a->method_error;
    e->len = a->body.len;
    memcpy(e->body, a->body.data, a->body.len);
    pthread_mutex_lock(&c->lock);
    if (strmap_get(&c->map, key)) {
        pthread_mutex_unlock(&c->lock);
        destroy(&e->node);
        return;
    }
    while (c->oldest && (strmap_count(&c->map) >= ANSWER_CACHE_MAX_ENTRIES ||
                         c->bytes + e->len > ANSWER_CACHE_MAX_BYTES))
        evict_oldest(c);
    if (strmap_put(&c->map, &e->node) < 0) {
        pthread_mutex_unlock(&c->lock);
        destroy(&e->node);
        return;
    }
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->bytes += e->len;
    pthread_mutex_unlock(&c->lock);
}

void
answer_cache_stats(struct answer_cache *c, size_t *entries, size_t *bytes, unsigned long *hits)
{
    pthread_mutex_lock(&c->lock);
    *entries = strmap_count(&c->map);
    *bytes = c->bytes;
    *hits = c->hits;
    pthread_mutex_unlock(&c->lock);
}
