/* Unit tests for store: carts, bookings, gift certificates, waitlist, outbox and the seat counters,
 * with the clock passed in by the test. One threaded test races store_take_seats. */
#include "store.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

#define T0 ((time_t)1700000000)
#define OWNER "ZAPI-DEMO-TOKEN"
#define OTHER "OTHER-TOKEN"

static struct store *st;

static void
setup(void)
{
    st = store_new(42);
    ck_assert_ptr_nonnull(st);
}

static void
teardown(void)
{
    store_free(st);
    st = NULL;
}

static void
limits(unsigned max_carts, unsigned max_bookings, unsigned ttl_s)
{
    struct store_limits l = {max_carts, max_bookings, ttl_s};
    store_set_limits(st, &l);
}

static void
new_cart(const char *owner, time_t now, char id[STORE_ID_TEXT])
{
    ck_assert_int_eq(store_cart_create(st, owner, now, id), STORE_OK);
    ck_assert_uint_eq(strlen(id), STORE_ID_TEXT - 1);
}

/* ---- carts ---- */

START_TEST(test_cart_create_get_put_remove)
{
    char id[STORE_ID_TEXT];
    new_cart(OWNER, T0, id);
    struct store_cart c;
    ck_assert_int_eq(store_cart_get(st, id, OWNER, T0 + 1, &c), STORE_OK);
    ck_assert_str_eq(c.id, id);
    ck_assert_str_eq(c.owner, OWNER);
    ck_assert_int_eq(c.created, T0);
    ck_assert_int_eq(c.touched, T0 + 1);
    ck_assert_uint_eq(c.nitems, 0);
    ck_assert_int_eq(c.next_item_id, 1);

    c.items[0] = (struct store_item){.kind = ITEM_ACTIVITY, .cart_item_id = 1, .ref_id = 101};
    c.nitems = 1;
    c.next_item_id = 2;
    snprintf(c.customer.last_name, sizeof(c.customer.last_name), "Lovelace");
    ck_assert_int_eq(store_cart_put(st, &c, T0 + 2), STORE_OK);

    struct store_cart again;
    ck_assert_int_eq(store_cart_get(st, id, OWNER, T0 + 3, &again), STORE_OK);
    ck_assert_uint_eq(again.nitems, 1);
    ck_assert_int_eq(again.items[0].ref_id, 101);
    ck_assert_str_eq(again.customer.last_name, "Lovelace");
    ck_assert_uint_eq(store_cart_count(st, T0 + 3), 1);

    ck_assert_int_eq(store_cart_remove(st, id, OWNER, T0 + 4), STORE_OK);
    ck_assert_int_eq(store_cart_get(st, id, OWNER, T0 + 5, &again), STORE_NOT_FOUND);
    ck_assert_int_eq(store_cart_remove(st, id, OWNER, T0 + 5), STORE_NOT_FOUND);
    ck_assert_int_eq(store_cart_put(st, &c, T0 + 5), STORE_NOT_FOUND);
    ck_assert_uint_eq(store_cart_count(st, T0 + 5), 0);
}
END_TEST

START_TEST(test_cart_ids_unique)
{
    char ids[200][STORE_ID_TEXT];
    for (int i = 0; i < 200; i++) {
        new_cart(OWNER, T0, ids[i]);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(ids[i], ids[j]);
    }
    ck_assert_uint_eq(store_cart_count(st, T0), 200);
}
END_TEST

START_TEST(test_cart_ownership)
{
    char id[STORE_ID_TEXT];
    new_cart(OWNER, T0, id);
    struct store_cart c;
    ck_assert_int_eq(store_cart_get(st, id, OTHER, T0, &c), STORE_NOT_YOURS);
    ck_assert_int_eq(store_cart_remove(st, id, OTHER, T0), STORE_NOT_YOURS);
    ck_assert_int_eq(store_cart_get(st, id, OWNER, T0, &c), STORE_OK);
    /* A put by another token (its own name in owner) is refused and changes nothing. */
    struct store_cart forged = c;
    snprintf(forged.owner, sizeof(forged.owner), OTHER);
    forged.nitems = 3;
    ck_assert_int_eq(store_cart_put(st, &forged, T0), STORE_NOT_YOURS);
    ck_assert_int_eq(store_cart_get(st, id, OWNER, T0, &c), STORE_OK);
    ck_assert_uint_eq(c.nitems, 0);
    ck_assert_int_eq(store_cart_get(st, "no-such-cart", OWNER, T0, &c), STORE_NOT_FOUND);

    char other[STORE_ID_TEXT];
    new_cart(OTHER, T0, other);
    struct store_cart list[4];
    ck_assert_uint_eq(store_cart_list(st, OWNER, T0, list, 4), 1);
    ck_assert_str_eq(list[0].id, id);
    ck_assert_uint_eq(store_cart_list(st, OTHER, T0, list, 4), 1);
    ck_assert_str_eq(list[0].id, other);
    ck_assert_uint_eq(store_cart_list(st, NULL, T0, list, 4), 2);
    ck_assert_uint_eq(store_cart_list(st, OWNER, T0, list, 0), 1); /* counts beyond max */
}
END_TEST

START_TEST(test_cart_expiry)
{
    limits(0, 0, 60);
    char a[STORE_ID_TEXT], b[STORE_ID_TEXT];
    new_cart(OWNER, T0, a);
    new_cart(OWNER, T0, b);
    struct store_cart c;
    /* Used at T0+50: idle from then on. */
    ck_assert_int_eq(store_cart_get(st, a, OWNER, T0 + 50, &c), STORE_OK);
    /* Exactly the TTL idle is still alive; one second more is gone. */
    ck_assert_int_eq(store_cart_get(st, b, OWNER, T0 + 60, &c), STORE_OK);
    ck_assert_int_eq(store_cart_get(st, a, OWNER, T0 + 111, &c), STORE_NOT_FOUND);
    ck_assert_uint_eq(store_cart_count(st, T0 + 120), 1);
    ck_assert_uint_eq(store_cart_count(st, T0 + 121), 0);
    ck_assert_int_eq(store_cart_get(st, b, OWNER, T0 + 121, &c), STORE_NOT_FOUND);
    /* An expired cart cannot be written either. */
    ck_assert_int_eq(store_cart_put(st, &c, T0 + 121), STORE_NOT_FOUND);
    struct store_limits l;
    store_get_limits(st, &l);
    ck_assert_uint_eq(l.cart_ttl_s, 60);
    ck_assert_uint_eq(l.max_carts, STORE_DEFAULT_MAX_CARTS);
}
END_TEST

START_TEST(test_cart_eviction_longest_idle)
{
    limits(3, 0, 0);
    char a[STORE_ID_TEXT], b[STORE_ID_TEXT], c[STORE_ID_TEXT], d[STORE_ID_TEXT];
    new_cart(OWNER, T0, a);
    new_cart(OWNER, T0 + 1, b);
    new_cart(OWNER, T0 + 2, c);
    struct store_cart out;
    /* a is the oldest but was used last: b is now the longest idle. */
    ck_assert_int_eq(store_cart_get(st, a, OWNER, T0 + 3, &out), STORE_OK);
    new_cart(OWNER, T0 + 4, d);
    ck_assert_uint_eq(store_cart_count(st, T0 + 4), 3);
    ck_assert_int_eq(store_cart_get(st, b, OWNER, T0 + 4, &out), STORE_NOT_FOUND);
    ck_assert_int_eq(store_cart_get(st, a, OWNER, T0 + 4, &out), STORE_OK);
    ck_assert_int_eq(store_cart_get(st, c, OWNER, T0 + 4, &out), STORE_OK);
    ck_assert_int_eq(store_cart_get(st, d, OWNER, T0 + 4, &out), STORE_OK);
}
END_TEST

/* ---- bookings ---- */

static struct store_booking
booking(const char *last_name)
{
    struct store_booking b;
    memset(&b, 0, sizeof(b));
    snprintf(b.owner, sizeof(b.owner), OWNER);
    snprintf(b.customer.last_name, sizeof(b.customer.last_name), "%s", last_name);
    b.created = T0;
    b.total = 1000;
    return b;
}

static int
reference_ok(const char *r)
{
    if (strlen(r) != 7)
        return 0;
    for (const char *p = r; *p; p++)
        if (!strchr("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", *p))
            return 0;
    return 1;
}

START_TEST(test_booking_add_get_put)
{
    struct store_booking a = booking("Okafor"), b = booking("Chen");
    ck_assert_int_eq(store_booking_add(st, &a), STORE_OK);
    ck_assert_int_eq(store_booking_add(st, &b), STORE_OK);
    ck_assert_int_gt(a.number, 0);
    ck_assert_int_eq(b.number, a.number + 1);
    ck_assert_msg(reference_ok(a.reference), "reference %s", a.reference);
    ck_assert_msg(reference_ok(b.reference), "reference %s", b.reference);
    ck_assert_str_ne(a.reference, b.reference);

    struct store_booking got;
    ck_assert_int_eq(store_booking_get(st, a.number, &got), STORE_OK);
    ck_assert_str_eq(got.customer.last_name, "Okafor");
    ck_assert_str_eq(got.reference, a.reference);
    ck_assert_int_eq(store_booking_get(st, b.number + 1, &got), STORE_NOT_FOUND);

    got.cancelled = 1;
    got.cancelled_at = T0 + 9;
    ck_assert_int_eq(store_booking_put(st, &got), STORE_OK);
    ck_assert_int_eq(store_booking_get(st, a.number, &got), STORE_OK);
    ck_assert_int_eq(got.cancelled, 1);
    ck_assert_int_eq(got.cancelled_at, T0 + 9);
    got.number = 1;
    ck_assert_int_eq(store_booking_put(st, &got), STORE_NOT_FOUND);
    ck_assert_uint_eq(store_booking_count(st), 2);
}
END_TEST

static int
match_name(const struct store_booking *b, void *ctx)
{
    return strcmp(b->customer.last_name, ctx) == 0;
}

START_TEST(test_booking_find_newest_first)
{
    const char *names[] = {"Okafor", "Chen", "Okafor", "Tremblay", "Okafor"};
    long numbers[5];
    for (int i = 0; i < 5; i++) {
        struct store_booking b = booking(names[i]);
        ck_assert_int_eq(store_booking_add(st, &b), STORE_OK);
        numbers[i] = b.number;
    }
    struct store_booking out[5];
    ck_assert_uint_eq(store_booking_find(st, match_name, "Okafor", out, 5), 3);
    ck_assert_int_eq(out[0].number, numbers[4]);
    ck_assert_int_eq(out[1].number, numbers[2]);
    ck_assert_int_eq(out[2].number, numbers[0]);
    /* max bounds what is copied, not what is counted. */
    ck_assert_uint_eq(store_booking_find(st, match_name, "Okafor", out, 1), 3);
    ck_assert_int_eq(out[0].number, numbers[4]);
    ck_assert_uint_eq(store_booking_find(st, match_name, "Nobody", out, 5), 0);
    ck_assert_uint_eq(store_booking_find(st, NULL, NULL, out, 5), 5);
    ck_assert_int_eq(out[4].number, numbers[0]);
}
END_TEST

START_TEST(test_booking_references_unique)
{
    enum { N = 3000 };
    char(*refs)[STORE_REFERENCE_TEXT] = calloc(N, sizeof(*refs));
    ck_assert_ptr_nonnull(refs);
    for (int i = 0; i < N; i++) {
        struct store_booking b = booking("Guest");
        ck_assert_int_eq(store_booking_add(st, &b), STORE_OK);
        ck_assert_msg(reference_ok(b.reference), "reference %s", b.reference);
        memcpy(refs[i], b.reference, sizeof(refs[i]));
    }
    qsort(refs, N, sizeof(*refs), (int (*)(const void *, const void *))strcmp);
    for (int i = 1; i < N; i++)
        ck_assert_str_ne(refs[i - 1], refs[i]);
    free(refs);
}
END_TEST

START_TEST(test_booking_eviction_oldest)
{
    limits(0, 3, 0);
    long numbers[5];
    for (int i = 0; i < 5; i++) {
        struct store_booking b = booking("Guest");
        ck_assert_int_eq(store_booking_add(st, &b), STORE_OK);
        numbers[i] = b.number;
        ck_assert_uint_eq(store_booking_count(st), i < 3 ? (size_t)i + 1 : 3);
    }
    struct store_booking got;
    ck_assert_int_eq(store_booking_get(st, numbers[0], &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_booking_get(st, numbers[1], &got), STORE_NOT_FOUND);
    for (int i = 2; i < 5; i++)
        ck_assert_int_eq(store_booking_get(st, numbers[i], &got), STORE_OK);
    /* Numbers keep counting: an evicted number is never handed out again. */
    struct store_booking b = booking("Guest");
    ck_assert_int_eq(store_booking_add(st, &b), STORE_OK);
    ck_assert_int_eq(b.number, numbers[4] + 1);
}
END_TEST

START_TEST(test_reset_empties_everything)
{
    char id[STORE_ID_TEXT];
    new_cart(OWNER, T0, id);
    struct store_booking b = booking("Guest");
    ck_assert_int_eq(store_booking_add(st, &b), STORE_OK);
    long first = b.number;
    ck_assert_int_eq(store_take_seats(st, 101, 100, 9 * 3600, 2, 24, NULL), 0);
    ck_assert_int_eq(store_gift_take(st, "GIFT", 500, 1000), STORE_OK);
    struct store_waitlist w = {.activity_id = 101, .pax = 2};
    snprintf(w.owner, sizeof(w.owner), OWNER);
    ck_assert_int_eq(store_waitlist_add(st, &w), STORE_OK);
    struct store_email e = {.body = "hello"};
    ck_assert_int_eq(store_email_add(st, &e), STORE_OK);
    uint64_t v = store_version(st);

    store_reset(st);
    ck_assert_uint_gt(store_version(st), v);
    ck_assert_uint_eq(store_cart_count(st, T0), 0);
    ck_assert_uint_eq(store_booking_count(st), 0);
    ck_assert_int_eq(store_seats_taken(st, 101, 100, 9 * 3600), 0);
    ck_assert_int_eq(store_gift_used(st, "GIFT"), 0);
    ck_assert_uint_eq(store_waitlist_count(st), 0);
    struct store_email out[2];
    ck_assert_uint_eq(store_email_list(st, out, 2), 0);
    /* Numbering starts again from the same first number. */
    struct store_booking again = booking("Guest");
    ck_assert_int_eq(store_booking_add(st, &again), STORE_OK);
    ck_assert_int_eq(again.number, first);
}
END_TEST

/* ---- seats, stock, gift certificates ---- */

START_TEST(test_seats_and_stock)
{
    int left = -1;
    ck_assert_int_eq(store_take_seats(st, 101, 100, 3600, 3, 4, &left), 0);
    ck_assert_int_eq(left, 1);
    ck_assert_int_eq(store_take_seats(st, 101, 100, 3600, 2, 4, &left), -1);
    ck_assert_int_eq(left, 1);
    ck_assert_int_eq(store_seats_taken(st, 101, 100, 3600), 3);
    /* Other departures and days are counted apart. */
    ck_assert_int_eq(store_seats_taken(st, 101, 100, 7200), 0);
    ck_assert_int_eq(store_seats_taken(st, 101, 101, 3600), 0);
    /* Giving back more than was taken stops at zero. */
    ck_assert_int_eq(store_take_seats(st, 101, 100, 3600, -5, 4, &left), 0);
    ck_assert_int_eq(left, 4);
    ck_assert_int_eq(store_seats_taken(st, 101, 100, 3600), 0);

    ck_assert_int_eq(store_take_stock(st, 205, 3, 3, &left), 0);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(store_take_stock(st, 205, 1, 3, &left), -1);
    ck_assert_int_eq(store_stock_taken(st, 205), 3);
    ck_assert_int_eq(store_take_stock(st, 205, -1, 3, &left), 0);
    ck_assert_int_eq(left, 1);
}
END_TEST

static void
count_cancelled(void *ctx, long activity_id, long day, int time)
{
    long *seen = ctx;
    seen[0]++;
    seen[1] = day;
    seen[2] = time;
    seen[3] = activity_id;
}

START_TEST(test_departure_cancellations)
{
    ck_assert_int_eq(store_departure_cancelled(st, 101, 100, 3600), 0);
    ck_assert_int_eq(store_set_cancelled(st, 101, 100, 3600, 1), 0);
    ck_assert_int_eq(store_set_cancelled(st, 101, 100, 3600, 1), 0); /* idempotent */
    ck_assert_int_eq(store_set_cancelled(st, 102, 103, 7200, 1), 0);
    ck_assert_int_eq(store_departure_cancelled(st, 101, 100, 3600), 1);
    ck_assert_int_eq(store_departure_cancelled(st, 101, 100, 7200), 0);
    long seen[4] = {0};
    ck_assert_int_eq(store_list_cancelled(st, 0, 0, 1000, count_cancelled, seen), 2);
    ck_assert_int_eq(seen[0], 2);
    ck_assert_int_eq(store_list_cancelled(st, 101, 0, 1000, count_cancelled, seen), 1);
    ck_assert_int_eq(store_list_cancelled(st, 0, 101, 1000, count_cancelled, seen), 1);
    ck_assert_int_eq(seen[3], 102);
    ck_assert_int_eq(store_set_cancelled(st, 101, 100, 3600, 0), 0);
    ck_assert_int_eq(store_departure_cancelled(st, 101, 100, 3600), 0);
    ck_assert_int_eq(store_list_cancelled(st, 0, 0, 1000, count_cancelled, seen), 1);
}
END_TEST

START_TEST(test_gift_usage_limits)
{
    ck_assert_int_eq(store_gift_used(st, "GIFT-25"), 0);
    ck_assert_int_eq(store_gift_take(st, "GIFT-25", 1500, 2500), STORE_OK);
    ck_assert_int_eq(store_gift_used(st, "GIFT-25"), 1500);
    /* More than is left: refused, nothing taken. */
    ck_assert_int_eq(store_gift_take(st, "GIFT-25", 1001, 2500), STORE_FULL);
    ck_assert_int_eq(store_gift_used(st, "GIFT-25"), 1500);
    ck_assert_int_eq(store_gift_take(st, "GIFT-25", 1000, 2500), STORE_OK);
    ck_assert_int_eq(store_gift_take(st, "GIFT-25", 1, 2500), STORE_FULL);
    /* Given back on a cancellation, never below zero. */
    ck_assert_int_eq(store_gift_take(st, "GIFT-25", -2000, 2500), STORE_OK);
    ck_assert_int_eq(store_gift_used(st, "GIFT-25"), 500);
    ck_assert_int_eq(store_gift_take(st, "GIFT-25", -501, 2500), STORE_FULL);
    /* Each code counts apart. */
    ck_assert_int_eq(store_gift_used(st, "GIFT-100"), 0);
}
END_TEST

/* ---- waitlist ---- */

START_TEST(test_waitlist)
{
    struct store_waitlist a = {.activity_id = 101, .day = 100, .time = 3600, .pax = 2};
    snprintf(a.owner, sizeof(a.owner), OWNER);
    struct store_waitlist b = a;
    ck_assert_int_eq(store_waitlist_add(st, &a), STORE_OK);
    ck_assert_int_eq(store_waitlist_add(st, &b), STORE_OK);
    ck_assert_int_ne(a.id, b.id);
    ck_assert_uint_eq(store_waitlist_count(st), 2);
    ck_assert_int_eq(store_waitlist_remove(st, a.id, OTHER), STORE_NOT_YOURS);
    ck_assert_int_eq(store_waitlist_remove(st, a.id, OWNER), STORE_OK);
    ck_assert_int_eq(store_waitlist_remove(st, a.id, OWNER), STORE_NOT_FOUND);
    ck_assert_uint_eq(store_waitlist_count(st), 1);
    ck_assert_int_eq(store_waitlist_remove(st, b.id, OWNER), STORE_OK);
    for (int i = 0; i < STORE_MAX_WAITLIST; i++)
        ck_assert_int_eq(store_waitlist_add(st, &a), STORE_OK);
    ck_assert_int_eq(store_waitlist_add(st, &a), STORE_FULL);
}
END_TEST

/* ---- outbox ---- */

START_TEST(test_outbox_ring_and_copies)
{
    char body[32];
    for (int i = 0; i < STORE_MAX_OUTBOX + 5; i++) {
        snprintf(body, sizeof(body), "body %d", i);
        struct store_email e = {.booking = i, .body = body};
        snprintf(e.to, sizeof(e.to), "guest%d@example.com", i);
        ck_assert_int_eq(store_email_add(st, &e), STORE_OK);
        ck_assert_int_eq(e.id, i + 1);
    }
    /* The store copied the body: changing ours changes nothing there. */
    snprintf(body, sizeof(body), "changed");
    struct store_email *out = calloc(STORE_MAX_OUTBOX + 10, sizeof(*out));
    ck_assert_ptr_nonnull(out);
    size_t n = store_email_list(st, out, STORE_MAX_OUTBOX + 10);
    ck_assert_uint_eq(n, STORE_MAX_OUTBOX);
    /* Newest first; the five oldest were dropped. */
    ck_assert_int_eq(out[0].booking, STORE_MAX_OUTBOX + 4);
    ck_assert_str_eq(out[0].body, "body 204");
    ck_assert_str_eq(out[0].to, "guest204@example.com");
    ck_assert_int_eq(out[n - 1].booking, 5);
    ck_assert_str_eq(out[n - 1].body, "body 5");
    /* Copies handed out are the caller's: freeing them leaves the store's intact. */
    for (size_t i = 0; i < n; i++)
        store_email_free(&out[i]);
    ck_assert_uint_eq(store_email_list(st, out, 1), 1);
    ck_assert_str_eq(out[0].body, "body 204");
    store_email_free(&out[0]);
    free(out);
}
END_TEST

/* ---- threads ---- */

#define RACE_THREADS 8
#define RACE_TRIES 2000
#define RACE_LIMIT 1000

struct racer {
    int taken, refused, bad_left;
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < RACE_TRIES; i++) {
        int left = -1;
        int n = 1 + i % 3;
        if (store_take_seats(st, 101, 200, 9 * 3600, n, RACE_LIMIT, &left) == 0)
            r->taken += n;
        else
            r->refused++;
        if (left < 0 || left > RACE_LIMIT)
            r->bad_left++;
        /* Carts at the same time, to race the other lock users too. */
        char id[STORE_ID_TEXT];
        if (i % 50 == 0 && store_cart_create(st, OWNER, T0, id) != STORE_OK)
            r->bad_left++;
    }
    return NULL;
}

START_TEST(test_threads_never_oversell)
{
    pthread_t t[RACE_THREADS];
    struct racer r[RACE_THREADS];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < RACE_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
    int taken = 0, refused = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_int_eq(r[i].bad_left, 0);
        taken += r[i].taken;
        refused += r[i].refused;
    }
    /* Every try asks for 1-3 seats: the last free seat is always taken by some try. */
    ck_assert_int_eq(taken, RACE_LIMIT);
    ck_assert_int_gt(refused, 0);
    ck_assert_int_eq(store_seats_taken(st, 101, 200, 9 * 3600), RACE_LIMIT);
    int left = -1;
    ck_assert_int_eq(store_take_seats(st, 101, 200, 9 * 3600, 1, RACE_LIMIT, &left), -1);
    ck_assert_int_eq(left, 0);
    ck_assert_uint_eq(store_cart_count(st, T0), RACE_THREADS * (RACE_TRIES / 50));
}
END_TEST

static Suite *
store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cart_create_get_put_remove);
    tcase_add_test(tc, test_cart_ids_unique);
    tcase_add_test(tc, test_cart_ownership);
    tcase_add_test(tc, test_cart_expiry);
    tcase_add_test(tc, test_cart_eviction_longest_idle);
    tcase_add_test(tc, test_booking_add_get_put);
    tcase_add_test(tc, test_booking_find_newest_first);
    tcase_add_test(tc, test_booking_references_unique);
    tcase_add_test(tc, test_booking_eviction_oldest);
    tcase_add_test(tc, test_reset_empties_everything);
    tcase_add_test(tc, test_seats_and_stock);
    tcase_add_test(tc, test_departure_cancellations);
    tcase_add_test(tc, test_gift_usage_limits);
    tcase_add_test(tc, test_waitlist);
    tcase_add_test(tc, test_outbox_ring_and_copies);
    tcase_add_test(tc, test_threads_never_oversell);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(store_suite());
}
