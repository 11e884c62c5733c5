/* Unit tests for strmap: the entries are the test's own, as in the modules that embed a node. */
#include "strmap.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

struct entry {
    struct strmap_node node;
    int visits, destroyed;
    char name[24];
};

static struct entry *
entries_new(size_t n, const char *fmt)
{
    struct entry *e = calloc(n, sizeof(*e));
    ck_assert_ptr_nonnull(e);
    for (size_t i = 0; i < n; i++) {
        snprintf(e[i].name, sizeof(e[i].name), fmt, i);
        e[i].node.key = e[i].name;
    }
    return e;
}

static void
mark_destroyed(struct strmap_node *n)
{
    ((struct entry *)n)->destroyed++;
}

static int freed;

static void
free_entry(struct strmap_node *n)
{
    freed++;
    free(n);
}

START_TEST(test_put_get_remove)
{
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, 8), 0);
    struct entry *e = entries_new(3, "key-%zu");
    ck_assert_ptr_null(strmap_get(&m, "key-0"));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(strmap_put(&m, &e[i].node), 0);
    ck_assert_uint_eq(strmap_count(&m), 3);
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_eq(strmap_get(&m, e[i].name), &e[i].node);
    ck_assert_ptr_null(strmap_get(&m, "key-3"));
    ck_assert_ptr_null(strmap_get(&m, "key-"));
    ck_assert_ptr_null(strmap_get(&m, "key-00"));

    /* A key already there is refused, and the table is unchanged. */
    struct entry dup = {.node.key = "key-1"};
    ck_assert_int_eq(strmap_put(&m, &dup.node), -1);
    ck_assert_uint_eq(strmap_count(&m), 3);
    ck_assert_ptr_eq(strmap_get(&m, "key-1"), &e[1].node);

    ck_assert_ptr_eq(strmap_remove(&m, "key-1"), &e[1].node);
    ck_assert_ptr_null(strmap_remove(&m, "key-1"));
    ck_assert_ptr_null(strmap_get(&m, "key-1"));
    ck_assert_ptr_eq(strmap_get(&m, "key-0"), &e[0].node);
    ck_assert_ptr_eq(strmap_get(&m, "key-2"), &e[2].node);
    ck_assert_uint_eq(strmap_count(&m), 2);

    /* A removed node can go back in, and a different node under the freed key too. */
    ck_assert_int_eq(strmap_put(&m, &dup.node), 0);
    ck_assert_ptr_eq(strmap_get(&m, "key-1"), &dup.node);
    ck_assert_ptr_eq(strmap_remove(&m, "key-1"), &dup.node);
    ck_assert_int_eq(strmap_put(&m, &e[1].node), 0);
    ck_assert_uint_eq(strmap_count(&m), 3);

    strmap_free(&m, mark_destroyed);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(e[i].destroyed, 1);
    ck_assert_int_eq(dup.destroyed, 0);
    ck_assert_ptr_null(m.buckets);
    ck_assert_uint_eq(strmap_count(&m), 0);
    free(e);
}
END_TEST

START_TEST(test_empty_and_odd_keys)
{
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, 0), 0); /* rounded up to one bucket */
    ck_assert_uint_eq(m.nbuckets, 1);
    struct entry empty = {.node.key = ""};
    struct entry high = {.node.key = "\xff\xfe caf\xc3\xa9"};
    ck_assert_ptr_null(strmap_get(&m, ""));
    ck_assert_int_eq(strmap_put(&m, &empty.node), 0);
    ck_assert_int_eq(strmap_put(&m, &high.node), 0);
    ck_assert_ptr_eq(strmap_get(&m, ""), &empty.node);
    ck_assert_ptr_eq(strmap_get(&m, "\xff\xfe caf\xc3\xa9"), &high.node);
    ck_assert_ptr_null(strmap_get(&m, "\xff\xfe caf"));
    ck_assert_ptr_eq(strmap_remove(&m, ""), &empty.node);
    ck_assert_ptr_null(strmap_get(&m, ""));
    strmap_free(&m, NULL);
}
END_TEST

START_TEST(test_clear)
{
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, 4), 0);
    freed = 0;
    for (int i = 0; i < 50; i++) {
        struct entry *e = calloc(1, sizeof(*e));
        ck_assert_ptr_nonnull(e);
        snprintf(e->name, sizeof(e->name), "c%d", i);
        e->node.key = e->name;
        ck_assert_int_eq(strmap_put(&m, &e->node), 0);
    }
    size_t nbuckets = m.nbuckets;
    strmap_clear(&m, free_entry);
    ck_assert_int_eq(freed, 50);
    ck_assert_uint_eq(strmap_count(&m), 0);
    ck_assert_uint_eq(m.nbuckets, nbuckets); /* the buckets stay */
    ck_assert_ptr_null(strmap_get(&m, "c0"));

    /* Still usable, and clearing without destroy only unlinks. */
    struct entry e = {.node.key = "c0"};
    ck_assert_int_eq(strmap_put(&m, &e.node), 0);
    ck_assert_ptr_eq(strmap_get(&m, "c0"), &e.node);
    strmap_clear(&m, NULL);
    ck_assert_ptr_null(strmap_get(&m, "c0"));
    ck_assert_int_eq(e.destroyed, 0);
    strmap_clear(&m, free_entry); /* empty: nothing to do */
    ck_assert_int_eq(freed, 50);
    strmap_free(&m, free_entry);
    ck_assert_int_eq(freed, 50);
}
END_TEST

START_TEST(test_growth_many_keys)
{
    enum { N = 100000 };
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, 16), 0);
    struct entry *e = entries_new(N, "many-%zu");
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(strmap_put(&m, &e[i].node), 0);
        ck_assert_uint_ge(m.nbuckets, strmap_count(&m)); /* load factor at most 1 */
    }
    ck_assert_uint_eq(strmap_count(&m), N);
    ck_assert_uint_eq(m.nbuckets, 131072);
    for (size_t i = 0; i < N; i++)
        ck_assert_ptr_eq(strmap_get(&m, e[i].name), &e[i].node);
    ck_assert_ptr_null(strmap_get(&m, "many-100000"));

    /* No chain grows long: FNV-1a spreads these keys. */
    size_t longest = 0;
    for (size_t b = 0; b < m.nbuckets; b++) {
        size_t len = 0;
        for (struct strmap_node *n = m.buckets[b]; n; n = n->next) {
            ck_assert_uint_eq(n->hash & (m.nbuckets - 1), b);
            len++;
        }
        longest = len > longest ? len : longest;
    }
    ck_assert_uint_lt(longest, 16);

    for (size_t i = 0; i < N; i += 2)
        ck_assert_ptr_eq(strmap_remove(&m, e[i].name), &e[i].node);
    ck_assert_uint_eq(strmap_count(&m), N / 2);
    for (size_t i = 0; i < N; i++)
        ck_assert_ptr_eq(strmap_get(&m, e[i].name), i % 2 ? &e[i].node : NULL);
    strmap_free(&m, NULL);
    free(e);
}
END_TEST

static void
check_visits_once(struct strmap *m, struct entry *e, size_t n, uint64_t start)
{
    for (size_t i = 0; i < n; i++)
        e[i].visits = 0;
    struct strmap_iter it;
    strmap_iter_init(&it, start);
    size_t seen = 0;
    for (struct strmap_node *node; (node = strmap_next(m, &it)) != NULL; seen++)
        ((struct entry *)node)->visits++;
    ck_assert_uint_eq(seen, strmap_count(m));
    ck_assert_ptr_null(strmap_next(m, &it)); /* stays at the end */
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(e[i].visits, strmap_get(m, e[i].name) ? 1 : 0);
}

START_TEST(test_iteration)
{
    enum { N = 1000 };
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, 2), 0);
    struct strmap_iter it;
    strmap_iter_init(&it, 0);
    ck_assert_ptr_null(strmap_next(&m, &it)); /* empty */

    struct entry *e = entries_new(N, "it-%zu");
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(strmap_put(&m, &e[i].node), 0);
    check_visits_once(&m, e, N, 0);
    check_visits_once(&m, e, N, 77);         /* starting mid-table wraps round */
    check_visits_once(&m, e, N, UINT64_MAX); /* any start value is reduced to a bucket */

    /* The first node visited is the head of the start bucket. */
    strmap_iter_init(&it, e[5].node.hash);
    ck_assert_ptr_eq(strmap_next(&m, &it), m.buckets[e[5].node.hash & (m.nbuckets - 1)]);

    /* Removing the node just returned is allowed: drop every third one while iterating. */
    strmap_iter_init(&it, 3);
    size_t seen = 0, removed = 0;
    for (struct strmap_node *node; (node = strmap_next(&m, &it)) != NULL; seen++) {
        struct entry *x = (struct entry *)node;
        if ((x - e) % 3 == 0) {
            ck_assert_ptr_eq(strmap_remove(&m, node->key), node);
            removed++;
        }
    }
    ck_assert_uint_eq(seen, N);
    ck_assert_uint_eq(removed, (N + 2) / 3);
    ck_assert_uint_eq(strmap_count(&m), N - removed);
    check_visits_once(&m, e, N, 0);

    /* And removing every node as it comes empties the table. */
    strmap_iter_init(&it, 0);
    for (struct strmap_node *node; (node = strmap_next(&m, &it)) != NULL;)
        ck_assert_ptr_eq(strmap_remove(&m, node->key), node);
    ck_assert_uint_eq(strmap_count(&m), 0);
    for (size_t b = 0; b < m.nbuckets; b++)
        ck_assert_ptr_null(m.buckets[b]);
    strmap_free(&m, NULL);
    free(e);
}
END_TEST

/* Shared buckets: a long chain built from keys picked to land in one bucket. */
START_TEST(test_collisions)
{
    enum { N = 32768 };
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, 1024), 0);
    struct entry *e = entries_new(N, "col-%zu");
    /* Keys of the same bucket of a 1024-bucket table: with at most 1024 nodes it does not grow. */
    struct strmap probe;
    ck_assert_int_eq(strmap_init(&probe, 1024), 0);
    size_t pick[8], npick = 0;
    uint64_t bucket = 0;
    for (size_t i = 0; i < N && npick < 8; i++) {
        ck_assert_int_eq(strmap_put(&probe, &e[i].node), 0);
        uint64_t b = e[i].node.hash & 1023;
        ck_assert_ptr_eq(strmap_remove(&probe, e[i].name), &e[i].node);
        if (npick == 0)
            bucket = b;
        if (b == bucket)
            pick[npick++] = i;
    }
    strmap_free(&probe, NULL);
    ck_assert_uint_eq(npick, 8);

    for (size_t k = 0; k < npick; k++)
        ck_assert_int_eq(strmap_put(&m, &e[pick[k]].node), 0);
    ck_assert_uint_eq(m.nbuckets, 1024);
    size_t len = 0;
    for (struct strmap_node *n = m.buckets[bucket]; n; n = n->next)
        ck_assert_ptr_eq(n, &e[pick[len++]].node); /* one chain, in insertion order */
    ck_assert_uint_eq(len, npick);

    /* Removing from the middle, the head and the tail of the chain keeps the others. */
    ck_assert_ptr_eq(strmap_remove(&m, e[pick[3]].name), &e[pick[3]].node);
    ck_assert_ptr_eq(strmap_remove(&m, e[pick[0]].name), &e[pick[0]].node);
    ck_assert_ptr_eq(strmap_remove(&m, e[pick[7]].name), &e[pick[7]].node);
    for (size_t k = 0; k < npick; k++) {
        int gone = k == 0 || k == 3 || k == 7;
        ck_assert_ptr_eq(strmap_get(&m, e[pick[k]].name), gone ? NULL : &e[pick[k]].node);
    }
    ck_assert_uint_eq(strmap_count(&m), 5);

    /* Growth keeps chains' relative order and finds everything again. */
    for (size_t i = 0; i < N; i++)
        if (!strmap_get(&m, e[i].name) && i != pick[0] && i != pick[3] && i != pick[7])
            ck_assert_int_eq(strmap_put(&m, &e[i].node), 0);
    ck_assert_uint_eq(strmap_count(&m), N - 3);
    ck_assert_uint_eq(m.nbuckets, 32768);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(strmap_get(&m, e[i].name) != NULL,
                         i != pick[0] && i != pick[3] && i != pick[7]);
    strmap_free(&m, NULL);
    free(e);
}
END_TEST

START_TEST(test_seed)
{
    struct strmap a, b;
    ck_assert_int_eq(strmap_init(&a, 16), 0);
    ck_assert_int_eq(strmap_init(&b, 16), 0);
    ck_assert_uint_eq(a.seed, 0);
    b.seed = 0x9e3779b97f4a7c15ull;
    struct entry x = {.node.key = "same"}, y = {.node.key = "same"};
    ck_assert_int_eq(strmap_put(&a, &x.node), 0);
    ck_assert_int_eq(strmap_put(&b, &y.node), 0);
    ck_assert_uint_ne(x.node.hash, y.node.hash);
    ck_assert_ptr_eq(strmap_get(&a, "same"), &x.node);
    ck_assert_ptr_eq(strmap_get(&b, "same"), &y.node);
    ck_assert_ptr_eq(strmap_remove(&b, "same"), &y.node);
    strmap_free(&a, NULL);
    strmap_free(&b, NULL);
}
END_TEST

START_TEST(test_out_of_memory)
{
    /* A size no allocator can give: refused up front, leaving an empty table that frees. */
    struct strmap m;
    ck_assert_int_eq(strmap_init(&m, SIZE_MAX), -1);
    ck_assert_ptr_null(m.buckets);
    ck_assert_uint_eq(strmap_count(&m), 0);
    strmap_free(&m, NULL);
    ck_assert_int_eq(strmap_init(&m, SIZE_MAX / 2), -1);
    strmap_free(&m, mark_destroyed);
    /* Large but possible sizes still work. */
    ck_assert_int_eq(strmap_init(&m, 1u << 20), 0);
    ck_assert_uint_eq(m.nbuckets, 1u << 20);
    strmap_free(&m, NULL);
}
END_TEST

static Suite *
strmap_suite(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("basics");
    tcase_add_test(tc, test_put_get_remove);
    tcase_add_test(tc, test_empty_and_odd_keys);
    tcase_add_test(tc, test_clear);
    tcase_add_test(tc, test_seed);
    tcase_add_test(tc, test_out_of_memory);
    suite_add_tcase(s, tc);

    tc = tcase_create("scale");
    tcase_set_timeout(tc, 60); /* slow under valgrind */
    tcase_add_test(tc, test_growth_many_keys);
    tcase_add_test(tc, test_iteration);
    tcase_add_test(tc, test_collisions);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(strmap_suite());
}
