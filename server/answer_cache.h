/* answer_cache: rendered answers of methods whose answer depends only on the request, the fixture
 * set, the day and the store's inventory version (catalogue reads, authentication). One cache
 * belongs to one fixture set, so a reload starts empty. Thread-safe, bounded: the oldest entry
 * makes room. */
#ifndef ZAPI_ANSWER_CACHE_H
#define ZAPI_ANSWER_CACHE_H

#include <stddef.h>

#include "buf.h"

#define ANSWER_CACHE_MAX_ENTRIES 4096
#define ANSWER_CACHE_MAX_BYTES (32 * 1024 * 1024)
#define ANSWER_CACHE_MAX_ENTRY_BYTES (256 * 1024) /* bigger answers are not kept */

struct cached_answer {
    int status;
    int zapi_error;
    int method_error;
    struct buf body;
};

struct answer_cache;

struct answer_cache *answer_cache_new(void);
void answer_cache_free(struct answer_cache *c);
/* Copies the answer kept under key into out (whose body is appended to): 1, or 0 when none. */
int answer_cache_get(struct answer_cache *c, const char *key, struct cached_answer *out);
/* Keeps a copy of an answer under key (replacing none: the first one stays). */
void answer_cache_put(struct answer_cache *c, const char *key, const struct cached_answer *a);
/* Entries kept and hits so far, for metrics and tests. */
void answer_cache_stats(struct answer_cache *c, size_t *entries, size_t *bytes,
                        unsigned long *hits);

#endif
