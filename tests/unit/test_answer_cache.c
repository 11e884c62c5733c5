/* Unit tests for answer_cache.c: hits and misses, copies not aliases, the bounds, threads. */
#include "answer_cache.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static void
put(struct answer_cache *c, const char *key, const char *body, int status)
{
    struct cached_answer a = {status, 0, 0, BUF_INIT};
    buf_append_str(&a.body, body);
    answer_cache_put(c, key, &a);
    buf_free(&a.body);
}

START_TEST(test_hit_and_miss)
{
    struct answer_cache *c = answer_cache_new();
    struct cached_answer got = {0};
    ck_assert_int_eq(answer_cache_get(c, "k", &got), 0);
    put(c, "k", "<response/>", 200);
    ck_assert_int_eq(answer_cache_get(c, "k", &got), 1);
    ck_assert_int_eq(got.status, 200);
    ck_assert_str_eq(got.body.data, "<response/>");
    buf_free(&got.body);
    /* The first answer stays: a second put under the same key changes nothing. */
    put(c, "k", "other", 201);
    memset(&got, 0, sizeof(got));
    ck_assert_int_eq(answer_cache_get(c, "k", &got), 1);
    ck_assert_str_eq(got.body.data, "<response/>");
    buf_free(&got.body);
    size_t entries, bytes;
    unsigned long hits;
    answer_cache_stats(c, &entries, &bytes, &hits);
    ck_assert_uint_eq(entries, 1);
    ck_assert_uint_eq(bytes, strlen("<response/>"));
    ck_assert_uint_eq(hits, 2);
    answer_cache_free(c);
}
END_TEST

START_TEST(test_bounds)
{
    struct answer_cache *c = answer_cache_new();
    char key[32];
    for (int i = 0; i < ANSWER_CACHE_MAX_ENTRIES + 10; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(c, key, "x", 200);
    }
    size_t entries, bytes;
    unsigned long hits;
    answer_cache_stats(c, &entries, &bytes, &hits);
    ck_assert_uint_eq(entries, ANSWER_CACHE_MAX_ENTRIES);
    /* The oldest made room. */
    struct cached_answer got = {0};
    ck_assert_int_eq(answer_cache_get(c, "k0", &got), 0);
    ck_assert_int_eq(answer_cache_get(c, "k9", &got), 0);
    ck_assert_int_eq(answer_cache_get(c, "k10", &got), 1);
    buf_free(&got.body);
    /* Too big to keep. */
    struct cached_answer big = {200, 0, 0, BUF_INIT};
    buf_reserve(&big.body, ANSWER_CACHE_MAX_ENTRY_BYTES + 1);
    memset(big.body.data, 'a', ANSWER_CACHE_MAX_ENTRY_BYTES + 1);
    big.body.len = ANSWER_CACHE_MAX_ENTRY_BYTES + 1;
    answer_cache_put(c, "big", &big);
    ck_assert_int_eq(answer_cache_get(c, "big", &got), 0);
    buf_free(&big.body);
    answer_cache_free(c);
}
END_TEST

static void *
hammer(void *arg)
{
    struct answer_cache *c = arg;
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "k%d", i % 6000);
        struct cached_answer got = {0};
        if (answer_cache_get(c, key, &got))
            ck_assert_str_eq(got.body.data, key);
        else
            put(c, key, key, 200);
        buf_free(&got.body);
    }
    return NULL;
}

START_TEST(test_threads)
{
    struct answer_cache *c = answer_cache_new();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, c);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    size_t entries, bytes;
    unsigned long hits;
    answer_cache_stats(c, &entries, &bytes, &hits);
    ck_assert_uint_le(entries, ANSWER_CACHE_MAX_ENTRIES);
    ck_assert_uint_gt(hits, 0);
    answer_cache_free(c);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("answer_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_test(tc, test_hit_and_miss);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return support_run(s);
}
