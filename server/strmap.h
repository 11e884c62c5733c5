/* An intrusive hash table keyed by NUL-terminated strings: chained buckets, FNV-1a, doubling when
 * the nodes outnumber the buckets. The caller embeds a struct strmap_node in its own entries, owns
 * their memory and the key strings, and does its own locking. */
#ifndef ZAPI_STRMAP_H
#define ZAPI_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_node {
    struct strmap_node *next; /* chain; the table's own */
    uint64_t hash;            /* set by strmap_put() */
    const char *key;          /* set by the caller before strmap_put(); must outlive the node */
};

struct strmap {
    struct strmap_node **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
    uint64_t seed; /* 0 after strmap_init(); may be changed only while the table is empty */
};

/* A position in an iteration; see strmap_iter_init(). */
struct strmap_iter {
    size_t start, done;
    struct strmap_node *next;
};

/* Sets up an empty table of initial_buckets (rounded up to a power of two, at least 1).
 * 0, or -1 when out of memory or initial_buckets is absurdly large. */
int strmap_init(struct strmap *m, size_t initial_buckets);

/* Empties the table (destroy, unless NULL, is called on each node) and frees the buckets. */
void strmap_free(struct strmap *m, void (*destroy)(struct strmap_node *));

/* Removes every node, calling destroy (unless NULL) on each; the buckets stay. */
void strmap_clear(struct strmap *m, void (*destroy)(struct strmap_node *));

struct strmap_node *strmap_get(const struct strmap *m, const char *key);

/* Inserts n, whose key no node in m may already have (-1 and nothing done if one does). Grows the
 * table first when full; if that fails the table keeps working with longer chains. */
int strmap_put(struct strmap *m, struct strmap_node *n);

/* Unlinks and returns the node of key, NULL when there is none. */
struct strmap_node *strmap_remove(struct strmap *m, const char *key);

size_t strmap_count(const struct strmap *m);

/* Starts an iteration at the bucket of hash value start (0 for the first bucket): every node is
 * then visited once, in bucket order wrapping round. Puts end the validity of an iteration;
 * removing the node strmap_next() just returned does not. */
void strmap_iter_init(struct strmap_iter *it, uint64_t start);

/* The next node, NULL at the end. */
struct strmap_node *strmap_next(const struct strmap *m, struct strmap_iter *it);

#endif
