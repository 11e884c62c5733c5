/* Unit tests for store and inventory: seats and stock taken and given back under limits, never
 * below zero, cancellations, the version that changes with every change, and threads racing for
 * the last seats. */
#include "store.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "date.h"
#include "envelope.h"
#include "inventory.h"
#include "support.h"

#define DAY 19875L /* 2024-06-01 */
#define NINE (9 * 3600)

START_TEST(test_take_and_give_back_seats)
{
    struct store *s = store_new(1);
    ck_assert_ptr_nonnull(s);
    int left = -1;
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 0);
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, 3, 5, &left), 0);
    ck_assert_int_eq(left, 2);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 3);
    /* More than the limit allows: nothing taken, what is left reported. */
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, 3, 5, &left), -1);
    ck_assert_int_eq(left, 2);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 3);
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, 2, 5, &left), 0);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, 1, 5, &left), -1);
    ck_assert_int_eq(left, 0);
    /* Counters are per activity, day and time. */
    ck_assert_int_eq(store_seats_taken(s, 101, DAY + 1, NINE), 0);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE + 60), 0);
    ck_assert_int_eq(store_seats_taken(s, 102, DAY, NINE), 0);
    /* Giving back. */
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, -4, 5, &left), 0);
    ck_assert_int_eq(left, 4);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 1);
    /* Never below zero. */
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, -10, 5, &left), 0);
    ck_assert_int_eq(left, 5);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 0);
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, -1, 5, NULL), 0);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 0);
    /* A lowered limit (a catalogue reload) leaves what was taken, refuses more. */
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, 4, 5, &left), 0);
    ck_assert_int_eq(store_take_seats(s, 101, DAY, NINE, 1, 2, &left), -1);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), 4);
    store_free(s);
}
END_TEST

START_TEST(test_stock)
{
    struct store *s = store_new(1);
    int left = -1;
    ck_assert_int_eq(store_take_stock(s, 205, 2, 3, &left), 0);
    ck_assert_int_eq(left, 1);
    ck_assert_int_eq(store_take_stock(s, 205, 2, 3, &left), -1);
    ck_assert_int_eq(left, 1);
    ck_assert_int_eq(store_stock_taken(s, 205), 2);
    ck_assert_int_eq(store_stock_taken(s, 201), 0);
    ck_assert_int_eq(store_take_stock(s, 205, -5, 3, &left), 0);
    ck_assert_int_eq(store_stock_taken(s, 205), 0);
    ck_assert_int_eq(left, 3);
    /* Stock 0: nothing can be taken. */
    ck_assert_int_eq(store_take_stock(s, 203, 1, 0, &left), -1);
    ck_assert_int_eq(left, 0);
    /* Seats and stock never share a counter. */
    ck_assert_int_eq(store_take_seats(s, 205, 0, 0, 1, 9, NULL), 0);
    ck_assert_int_eq(store_stock_taken(s, 205), 0);
    store_free(s);
}
END_TEST

static long cancelled_seen[8][3];
static int ncancelled_seen;

static void
note_cancelled(void *ctx, long activity_id, long day, int time)
{
    (void)ctx;
    ck_assert_int_lt(ncancelled_seen, 8);
    cancelled_seen[ncancelled_seen][0] = activity_id;
    cancelled_seen[ncancelled_seen][1] = day;
    cancelled_seen[ncancelled_seen][2] = time;
    ncancelled_seen++;
}

START_TEST(test_cancellations)
{
    struct store *s = store_new(1);
    ck_assert(!store_departure_cancelled(s, 101, DAY, NINE));
    ck_assert_int_eq(store_set_cancelled(s, 101, DAY, NINE, 1), 0);
    ck_assert(store_departure_cancelled(s, 101, DAY, NINE));
    ck_assert(!store_departure_cancelled(s, 101, DAY + 1, NINE));
    /* Setting twice is still one cancellation. */
    ck_assert_int_eq(store_set_cancelled(s, 101, DAY, NINE, 1), 0);
    ck_assert_int_eq(store_set_cancelled(s, 101, DAY + 3, 13 * 3600, 1), 0);
    ck_assert_int_eq(store_set_cancelled(s, 102, DAY, NINE, 1), 0);
    ncancelled_seen = 0;
    ck_assert_int_eq(store_list_cancelled(s, 101, DAY, DAY + 7, note_cancelled, NULL), 2);
    ck_assert_int_eq(ncancelled_seen, 2);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(cancelled_seen[i][0], 101);
    /* The range is inclusive and bounds it. */
    ncancelled_seen = 0;
    ck_assert_int_eq(store_list_cancelled(s, 101, DAY + 1, DAY + 3, note_cancelled, NULL), 1);
    ck_assert_int_eq(cancelled_seen[0][1], DAY + 3);
    ck_assert_int_eq(cancelled_seen[0][2], 13 * 3600);
    ck_assert_int_eq(store_list_cancelled(s, 101, DAY + 4, DAY + 9, note_cancelled, NULL), 0);
    /* 0: every activity. */
    ck_assert_int_eq(store_list_cancelled(s, 0, DAY, DAY, note_cancelled, NULL), 2);
    /* Lifted. */
    ck_assert_int_eq(store_set_cancelled(s, 101, DAY, NINE, 0), 0);
    ck_assert(!store_departure_cancelled(s, 101, DAY, NINE));
    ck_assert_int_eq(store_set_cancelled(s, 101, DAY, NINE, 0), 0);
    ck_assert(!store_departure_cancelled(s, 101, DAY, NINE));
    store_free(s);
}
END_TEST

START_TEST(test_version_and_reset)
{
    struct store *s = store_new(1);
    uint64_t v0 = store_version(s);
    ck_assert_uint_eq(store_version(s), v0); /* reading changes nothing */
    ck_assert_int_eq(store_take_seats(s, 1, DAY, 0, 1, 5, NULL), 0);
    uint64_t v1 = store_version(s);
    ck_assert_uint_ne(v1, v0);
    /* A refused take changes nothing. */
    ck_assert_int_eq(store_take_seats(s, 1, DAY, 0, 9, 5, NULL), -1);
    ck_assert_uint_eq(store_version(s), v1);
    ck_assert_int_eq(store_take_stock(s, 2, 1, 5, NULL), 0);
    uint64_t v2 = store_version(s);
    ck_assert_uint_ne(v2, v1);
    ck_assert_int_eq(store_set_cancelled(s, 1, DAY, 0, 1), 0);
    uint64_t v3 = store_version(s);
    ck_assert_uint_ne(v3, v2);
    ck_assert_int_eq(store_take_seats(s, 1, DAY, 0, -1, 5, NULL), 0);
    ck_assert_uint_ne(store_version(s), v3);
    uint64_t v4 = store_version(s);
    store_reset(s);
    ck_assert_uint_ne(store_version(s), v4);
    ck_assert_int_eq(store_stock_taken(s, 2), 0);
    ck_assert(!store_departure_cancelled(s, 1, DAY, 0));
    store_free(s);
}
END_TEST

START_TEST(test_cart_ids)
{
    struct store *a = store_new(7), *b = store_new(7), *c = store_new(8);
    char ida[STORE_ID_TEXT], idb[STORE_ID_TEXT], idc[STORE_ID_TEXT], id2[STORE_ID_TEXT];
    ck_assert_int_eq(store_cart_create(a, "ZAPI-DEMO-TOKEN", 1000, ida), 0);
    ck_assert_int_eq(store_cart_create(b, "ZAPI-DEMO-TOKEN", 1000, idb), 0);
    ck_assert_int_eq(store_cart_create(c, "ZAPI-DEMO-TOKEN", 1000, idc), 0);
    ck_assert_int_eq(store_cart_create(a, "ZAPI-DEMO-TOKEN", 1000, id2), 0);
    ck_assert_uint_eq(strlen(ida), 32);
    ck_assert_uint_eq(strspn(ida, "0123456789abcdef"), 32);
    ck_assert_str_eq(ida, idb); /* same seed, same ids: tests can predict them */
    ck_assert_str_ne(ida, idc);
    ck_assert_str_ne(ida, id2);
    store_free(a);
    store_free(b);
    store_free(c);
}
END_TEST

/* ---- inventory: the catalogue's capacity less what was sold at start and taken ---- */

static const struct cat_departure dep_nine = {NINE, 24};
static const struct cat_sold sold_tomorrow = {1, NINE, 10};

static void
make_activity(struct cat_activity *a, struct cat_departure *dep, struct cat_sold *sold)
{
    memset(a, 0, sizeof(*a));
    *dep = dep_nine;
    *sold = sold_tomorrow;
    a->id = 101;
    a->departures = dep;
    a->ndepartures = 1;
    a->sold = sold;
    a->nsold = 1;
}

START_TEST(test_inventory_seats)
{
    struct cat_activity a;
    struct cat_departure dep;
    struct cat_sold sold;
    make_activity(&a, &dep, &sold);
    struct store *s = store_new(1);
    int left = -1;
    ck_assert_int_eq(inventory_seats_left(s, &a, DAY, DAY, &dep), 24);
    ck_assert_int_eq(inventory_seats_left(s, &a, DAY + 1, DAY, &dep), 14);
    ck_assert_int_eq(inventory_take_seats(s, &a, DAY + 1, DAY, &dep, 15, &left), -1);
    ck_assert_int_eq(left, 14);
    ck_assert_int_eq(inventory_take_seats(s, &a, DAY + 1, DAY, &dep, 14, &left), 0);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(inventory_seats_left(s, &a, DAY + 1, DAY, &dep), 0);
    ck_assert_int_eq(inventory_take_seats(s, &a, DAY + 1, DAY, &dep, -4, &left), 0);
    ck_assert_int_eq(inventory_seats_left(s, &a, DAY + 1, DAY, &dep), 4);
    /* A cancelled departure sells nothing, but seats can still be given back. */
    ck_assert_int_eq(store_set_cancelled(s, 101, DAY, NINE, 1), 0);
    ck_assert_int_eq(inventory_seats_left(s, &a, DAY, DAY, &dep), 0);
    ck_assert_int_eq(inventory_take_seats(s, &a, DAY, DAY, &dep, 1, &left), -1);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(inventory_take_seats(s, &a, DAY + 1, DAY, &dep, -1, &left), 0);
    store_free(s);
}
END_TEST

START_TEST(test_inventory_stock)
{
    struct cat_product p = {.id = 205, .stock = 3};
    struct store *s = store_new(1);
    int left = -1;
    ck_assert_int_eq(inventory_stock_left(s, &p), 3);
    ck_assert_int_eq(inventory_take_stock(s, &p, 4, &left), -1);
    ck_assert_int_eq(left, 3);
    ck_assert_int_eq(inventory_take_stock(s, &p, 3, &left), 0);
    ck_assert_int_eq(inventory_stock_left(s, &p), 0);
    /* A catalogue reload that lowers the stock never shows a negative figure. */
    p.stock = 1;
    ck_assert_int_eq(inventory_stock_left(s, &p), 0);
    store_free(s);
}
END_TEST

/* ---- threads racing for the last seats ---- */

#define RACERS 8
#define TRIES 200
#define CAPACITY 37

struct racer {
    struct store *s;
    pthread_barrier_t *start;
    int got;
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->start);
    for (int i = 0; i < TRIES; i++) {
        int left;
        if (store_take_seats(r->s, 101, DAY, NINE, 1 + i % 2, CAPACITY, &left) == 0)
            r->got += 1 + i % 2;
    }
    return NULL;
}

START_TEST(test_threads_race_for_last_seats)
{
    for (int round = 0; round < 20; round++) {
        struct store *s = store_new(1);
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, RACERS);
        pthread_t t[RACERS];
        struct racer r[RACERS];
        for (int i = 0; i < RACERS; i++) {
            r[i] = (struct racer){s, &start, 0};
            ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
        }
        int total = 0;
        for (int i = 0; i < RACERS; i++) {
            pthread_join(t[i], NULL);
            total += r[i].got;
        }
        pthread_barrier_destroy(&start);
        /* Takes of 1 and 2 seats: the last single seat may stay free only if every racer asked
         * for 2 at the end; with 200 tries each, singles always come after. */
        ck_assert_int_eq(total, CAPACITY);
        ck_assert_int_eq(store_seats_taken(s, 101, DAY, NINE), CAPACITY);
        store_free(s);
    }
}
END_TEST

static Suite *
store_suite(void)
{
    Suite *s = suite_create("store_limits");
    TCase *tc = tcase_create("store");
    tcase_add_test(tc, test_take_and_give_back_seats);
    tcase_add_test(tc, test_stock);
    tcase_add_test(tc, test_cancellations);
    tcase_add_test(tc, test_version_and_reset);
    tcase_add_test(tc, test_cart_ids);
    suite_add_tcase(s, tc);
    tc = tcase_create("inventory");
    tcase_add_test(tc, test_inventory_seats);
    tcase_add_test(tc, test_inventory_stock);
    suite_add_tcase(s, tc);
    tc = tcase_create("threads");
    tcase_add_test(tc, test_threads_race_for_last_seats);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(store_suite());
}
