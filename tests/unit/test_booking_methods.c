/* Unit tests of the cart and booking handlers through zapi_handle: a store of their own, the
 * shipped fixtures (plus a second partner, for carts made by another token) and a fixed clock:
 * Monday 2025-06-02 20:00 UTC, so "tomorrow" is Tuesday 2025-06-03. Requests are JSON; answers
 * are checked as JSON text. */
#include "zapi.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "methods.h"
#include "support.h"

#define NOW ((time_t)1748894400) /* 2025-06-02T20:00:00Z, a Monday */
#define TODAY "2025-06-02"
#define TOMORROW "2025-06-03"
#define YESTERDAY "2025-06-01"
#define SUNDAY "2025-06-08"
#define DAY_TOMORROW 20242L /* days since 1970-01-01 */
#define DEMO "ZAPI-DEMO-TOKEN"
#define OTHER "PARTNER-TWO"
#define CARD_OK "{\"number\":\"4111111111111111\",\"expMonth\":12,\"expYear\":2030,\"csv\":\"123\"}"

static char base[] = "/tmp/zapi-test-booking-XXXXXX";
static struct fixture_set *fs;
static struct store *store;
static struct zapi_env env;

static void
setup(void)
{
    char *dir = support_scratch_set(base);
    /* A second partner, to own carts the demo token must not touch. */
    char *path = support_path(dir, "registry.xml");
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, "<registry>");
    ck_assert_ptr_nonnull(at);
    at += strlen("<registry>");
    char out[70000];
    snprintf(out, sizeof(out),
             "%.*s\n  <partner token=\"" OTHER "\" accountId=\"789\" userId=\"2\"/>%s",
             (int)(at - text), text, at);
    ck_assert_int_eq(support_write_in(dir, "registry.xml", out, NULL), 0);
    free(path);

    fs = support_load_set(dir);
    free(dir);
    store = store_new(7);
    ck_assert_ptr_nonnull(store);
    memset(&env, 0, sizeof(env));
    env.fixtures = fs;
    env.now = NOW;
    env.store = store;
    env.base_url = "https://mock.example:8443";
}

static void
teardown(void)
{
    fixtures_release(fs);
    store_free(store);
    fs = NULL;
    store = NULL;
}

/* The answer of the last call; the test's own, freed by the next call and by the end. */
static struct zapi_result last;
static int have_last;

static const char *
call_as(const char *token, const char *method, const char *params)
{
    char body[8192];
    const int demo = !strcmp(token, DEMO);
    snprintf(body, sizeof(body),
             "{\"zapiToken\":\"%s\",\"zapiAccountId\":%s,\"zapiUserId\":\"%s\","
             "\"zapiMethod\":{\"methodName\":\"%s\"%s%s}}",
             token, demo ? "456" : "\"789\"", demo ? "1240" : "2", method,
             params && *params ? "," : "", params ? params : "");
    if (have_last)
        zapi_result_free(&last);
    zapi_result_init(&last);
    have_last = 1;
    zapi_handle(&env, "application/json", body, strlen(body), &last);
    ck_assert_ptr_nonnull(last.body.data);
    ck_assert_int_eq(last.status, 200);
    ck_assert_msg(last.zapi_error == 0, "%s: %s", method, last.body.data);
    return last.body.data;
}

static const char *
call(const char *method, const char *params)
{
    return call_as(DEMO, method, params);
}

static void
free_last(void)
{
    if (have_last)
        zapi_result_free(&last);
    have_last = 0;
}

/* The text of the first "name":"value" in the last answer (a static buffer). */
static const char *
field(const char *name)
{
    static char out[512];
    char key[128];
    snprintf(key, sizeof(key), "\"%s\":\"", name);
    const char *p = strstr(last.body.data, key);
    ck_assert_msg(p != NULL, "no %s in %s", name, last.body.data);
    p += strlen(key);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n < sizeof(out) - 1)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static void
expect_code(int code)
{
    ck_assert_msg(last.method_error == code, "methodErrorCode %d, not %d: %s", last.method_error,
                  code, last.body.data);
}

static void
expect_has(const char *text)
{
    ck_assert_msg(strstr(last.body.data, text) != NULL, "no %s in %s", text, last.body.data);
}

/* A new cart of token: its id into id. */
static void
new_cart_as(const char *token, char id[STORE_ID_TEXT])
{
    call_as(token, "zapiCreateUniqueCartSession", NULL);
    expect_code(0);
    snprintf(id, STORE_ID_TEXT, "%s", field("cartId"));
    ck_assert_uint_eq(strlen(id), STORE_ID_TEXT - 1);
}

static void
add_activity(const char *cart, long activity, const char *date, const char *time, int adults)
{
    char p[512];
    snprintf(p, sizeof(p),
             "\"cartId\":\"%s\",\"activityId\":%ld,\"activityDate\":\"%s\"%s%s%s,"
             "\"pax\":{\"adults\":%d}",
             cart, activity, date, time ? ",\"activityTime\":\"" : "", time ? time : "",
             time ? "\"" : "", adults);
    call("zapiAddActivityToCart", p);
}

static void
set_customer(const char *cart)
{
    char p[256];
    snprintf(p, sizeof(p),
             "\"cartId\":\"%s\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\","
             "\"email\":\"ada@example.com\"",
             cart);
    call("zapiUpdateCustomerDetailsToCart", p);
    expect_code(0);
}

/* A cart with two adults on the whale watching tomorrow at 17:00 (12 seats) and a customer. */
static void
ready_cart(char id[STORE_ID_TEXT])
{
    new_cart_as(DEMO, id);
    add_activity(id, 101, TOMORROW, "17:00:00", 2);
    expect_code(0);
    set_customer(id);
}

static void
pay(const char *cart, const char *extra)
{
    char p[1024];
    snprintf(p, sizeof(p), "\"cartId\":\"%s\"%s%s", cart, extra && *extra ? "," : "",
             extra ? extra : "");
    call("zapiProcessCartWithPayment", p);
}

static void
pay_card(const char *cart, const char *card_json)
{
    char extra[512];
    snprintf(extra, sizeof(extra), "\"paymentMethodType\":2000,\"creditCardDetails\":%s",
             card_json);
    pay(cart, extra);
}

static size_t
cart_items(const char *id)
{
    struct store_cart c;
    ck_assert_int_eq(store_cart_get(store, id, DEMO, env.now, &c), STORE_OK);
    return c.nitems;
}

/* ---- the journey ---- */

START_TEST(test_whole_journey)
{
    char cart[STORE_ID_TEXT];
    ready_cart(cart);
    expect_has("\"adults\":\"2\"");
    expect_has("\"total\":\"311.36\"");
    pay_card(cart, CARD_OK);
    expect_code(0);
    expect_has("\"bookingMessage\":\"Booking Processed\"");
    ck_assert_str_eq(field("transactionErrorCode"), "0");
    ck_assert_str_eq(field("transactionAmount"), "311.36");
    ck_assert_str_eq(field("cardLastFour"), "1111");
    char number[32], ref[16];
    snprintf(number, sizeof(number), "%s", field("bookingId"));
    snprintf(ref, sizeof(ref), "%s", field("bookingReference"));
    ck_assert_uint_eq(strlen(ref), 7);
    ck_assert_int_eq(store_seats_taken(store, 101, DAY_TOMORROW, 17 * 3600), 2);
    ck_assert_uint_eq(cart_items(cart), 0); /* the cart is emptied, not removed */
    ck_assert_ptr_null(strstr(last.body.data, "4111111111111111"));

    /* Found by each search type. */
    char p[512];
    const char *texts[] = {number, ref, "lovelace", "ADA@example.com"};
    for (int t = 0; t < 4; t++) {
        snprintf(p, sizeof(p), "\"searchType\":%d,\"searchText\":\"%s\"", 101 + t, texts[t]);
        call("zapiSearchBookings", p);
        expect_code(0);
        ck_assert_str_eq(field("totalSearchResults"), "1");
        ck_assert_str_eq(field("bookingReference"), ref);
    }
    snprintf(p, sizeof(p), "\"bookingNumber\":\"%s\"", number);
    call("zapiSearchBookingsByBookingNumber", p);
    expect_code(0);
    expect_has(ref);

    /* The e-mail goes to the outbox, never out; no card number in it. */
    call("zapiEmailBookingItinerary", p);
    expect_code(0);
    struct store_email mail;
    ck_assert_uint_eq(store_email_list(store, &mail, 1), 1);
    ck_assert_str_eq(mail.to, "ada@example.com");
    ck_assert_ptr_nonnull(strstr(mail.subject, number));
    ck_assert_ptr_nonnull(strstr(mail.body, ref));
    ck_assert_ptr_nonnull(strstr(mail.body, "Whale Watching Adventure"));
    ck_assert_ptr_null(strstr(mail.body, "4111"));
    store_email_free(&mail);

    call("zapiGenerateBarCodeImage", p);
    expect_code(0);
    char url[128];
    snprintf(url, sizeof(url), "https:\\/\\/mock.example:8443\\/barcodes\\/%s.png", ref);
    expect_has(url);

    call("zapiGetManifestIndividualByActivityIdAndDate",
         "\"activityId\":101,\"date\":\"" TOMORROW "\"");
    expect_code(0);
    expect_has("Lovelace");

    call("zapiBookings_CancelBooking", p);
    expect_code(0);
    ck_assert_str_eq(field("methodErrorMessage"), "Booking has been cancelled");
    ck_assert_int_eq(store_seats_taken(store, 101, DAY_TOMORROW, 17 * 3600), 0);
    call("zapiBookings_CancelBooking", p);
    expect_code(71);
    /* A cancelled booking is out of searches unless asked for. */
    snprintf(p, sizeof(p), "\"searchType\":102,\"searchText\":\"%s\"", ref);
    call("zapiSearchBookings", p);
    ck_assert_str_eq(field("totalSearchResults"), "0");
    snprintf(p, sizeof(p), "\"searchType\":102,\"searchText\":\"%s\",\"includeCancelled\":true",
             ref);
    call("zapiSearchBookings", p);
    ck_assert_str_eq(field("totalSearchResults"), "1");
    free_last();
}
END_TEST

START_TEST(test_single_departure_time_left_out)
{
    char cart[STORE_ID_TEXT];
    new_cart_as(DEMO, cart);
    add_activity(cart, 108, TOMORROW, NULL, 2); /* one departure, 10:00 */
    expect_code(0);
    ck_assert_str_eq(field("activityTime"), "10:00:00");
    /* Three departures that day: the time is needed. */
    add_activity(cart, 101, TOMORROW, NULL, 2);
    ck_assert_int_ne(last.method_error, 0);
    ck_assert_uint_eq(cart_items(cart), 1);
    set_customer(cart);
    pay(cart, "\"paymentMethodType\":2002");
    expect_code(0);
    ck_assert_int_eq(store_seats_taken(store, 108, DAY_TOMORROW, 10 * 3600), 2);
    free_last();
}
END_TEST

START_TEST(test_payment_method_inside_payment_method_node)
{
    char cart[STORE_ID_TEXT];
    ready_cart(cart);
    pay(cart, "\"paymentMethod\":{\"paymentMethodType\":2000,\"creditCardDetails\":" CARD_OK "}");
    expect_code(0);
    ck_assert_str_eq(field("transactionErrorCode"), "0");
    ready_cart(cart);
    pay(cart, "\"paymentMethodType\":2004,\"transactionType\":\"Sale\"");
    expect_code(0);
    free_last();
}
END_TEST

/* ---- adding: 20, 40, 41, 50, 51, 52, 53 ---- */

START_TEST(test_add_errors)
{
    char cart[STORE_ID_TEXT], p[256];
    new_cart_as(DEMO, cart);
    snprintf(p, sizeof(p),
             "\"cartId\":\"%s\",\"activityId\":101,\"activityDate\":\"" TOMORROW
             "\",\"activityTime\":\"17:00:00\"",
             cart);
    call("zapiAddActivityToCart", p); /* no passengers */
    expect_code(20);
    add_activity(cart, 102, TOMORROW, "09:00:00", 0);
    expect_code(20);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"activityId\":\"abc\",\"pax\":{\"adults\":1}", cart);
    call("zapiAddActivityToCart", p);
    expect_code(20);

    add_activity(cart, 101, TOMORROW, "13:00:00", 2); /* sold out from the start */
    expect_code(50);
    add_activity(cart, 101, TOMORROW, "17:00:00", 13); /* 12 seats */
    expect_code(50);
    expect_has("12");
    add_activity(cart, 101, YESTERDAY, "17:00:00", 2);
    expect_code(51);
    add_activity(cart, 103, SUNDAY, "10:00:00", 2); /* runs Monday to Saturday */
    expect_code(51);
    add_activity(cart, 101, TOMORROW, "10:30:00", 2); /* not a departure */
    expect_code(51);
    add_activity(cart, 107, TOMORROW, "07:30:00", 2);
    expect_code(52);
    add_activity(cart, 999, TOMORROW, "09:00:00", 2);
    expect_code(53);

    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"productId\":203", cart);
    call("zapiAddProductToCart", p);
    expect_code(40);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"productId\":205,\"quantity\":2", cart);
    call("zapiAddProductToCart", p);
    expect_code(0);
    call("zapiAddProductToCart", p); /* 4 of 3: quantities add up */
    expect_code(41);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"productId\":204", cart);
    call("zapiAddProductToCart", p);
    expect_code(42);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"productId\":999", cart);
    call("zapiAddProductToCart", p);
    expect_code(43);
    ck_assert_uint_eq(cart_items(cart), 1);

    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"firstName\":\"Ada\",\"email\":\"no-at-sign\"",
             cart);
    call("zapiUpdateCustomerDetailsToCart", p);
    expect_code(20);
    call("zapiSearchBookings", "\"searchType\":105,\"searchText\":\"x\"");
    expect_code(20);
    call("zapiSearchBookings", "\"searchType\":101");
    expect_code(20);
    free_last();
}
END_TEST

/* ---- carts: 99 ---- */

START_TEST(test_cart_not_found_other_token_expired)
{
    char mine[STORE_ID_TEXT], theirs[STORE_ID_TEXT], p[256];
    call("zapiGetCartContents", "\"cartId\":\"0123456789abcdef0123456789abcdef\"");
    expect_code(99);
    expect_has("does not exist");

    new_cart_as(OTHER, theirs);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\"", theirs);
    call("zapiGetCartContents", p);
    expect_code(99);
    expect_has("another API partner");
    add_activity(theirs, 101, TOMORROW, "17:00:00", 1);
    expect_code(99);
    pay(theirs, "\"paymentMethodType\":2002");
    expect_code(99);
    call_as(OTHER, "zapiGetCartContents", p);
    expect_code(0);

    new_cart_as(DEMO, mine);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\"", mine);
    env.now = NOW + STORE_DEFAULT_CART_TTL_S; /* idle exactly the TTL: still there */
    call("zapiGetCartContents", p);
    expect_code(0);
    env.now += STORE_DEFAULT_CART_TTL_S + 1;
    call("zapiGetCartContents", p);
    expect_code(99);
    expect_has("expired");
    free_last();
}
END_TEST

START_TEST(test_remove_and_clear_cart)
{
    char cart[STORE_ID_TEXT], p[256];
    ready_cart(cart);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\"", cart);
    call("zapiClearCartSession", p);
    expect_code(0);
    ck_assert_str_eq(field("cartId"), cart);
    ck_assert_uint_eq(cart_items(cart), 0);
    call("zapiRemoveCartSession", p);
    expect_code(0);
    call("zapiGetCartContents", p);
    expect_code(99);
    free_last();
}
END_TEST

/* ---- paying: 99, 100, 50 ---- */

START_TEST(test_pay_empty_or_without_customer)
{
    char cart[STORE_ID_TEXT];
    new_cart_as(DEMO, cart);
    pay(cart, "\"paymentMethodType\":2002");
    expect_code(99);
    expect_has("is empty");
    add_activity(cart, 101, TOMORROW, "17:00:00", 2);
    expect_code(0);
    pay(cart, "\"paymentMethodType\":2002");
    expect_code(99);
    expect_has("no customer details");
    ck_assert_int_eq(store_seats_taken(store, 101, DAY_TOMORROW, 17 * 3600), 0);
    pay("0123456789abcdef0123456789abcdef", "\"paymentMethodType\":2002");
    expect_code(99);
    free_last();
}
END_TEST

START_TEST(test_pay_100)
{
    char cart[STORE_ID_TEXT];
    ready_cart(cart);
    pay(cart, "\"paymentMethodType\":1234");
    expect_code(100);
    pay(cart, "\"paymentMethodType\":2002,\"transactionType\":\"Refund\"");
    expect_code(100);
    pay(cart, "\"paymentMethodType\":2002,\"transactionAmount\":\"300.00\"");
    expect_code(100);
    expect_has("311.36");
    pay(cart, "\"paymentMethodType\":2000,\"transactionAmount\":0,\"creditCardDetails\":" CARD_OK);
    expect_code(100);
    pay(cart, "\"paymentMethodType\":2003,\"transactionAmount\":\"311.36\"");
    expect_code(100);
    ck_assert_uint_eq(cart_items(cart), 1);
    ck_assert_int_eq(store_seats_taken(store, 101, DAY_TOMORROW, 17 * 3600), 0);
    /* 0 with 2003 ("to be paid") books with the whole balance left. */
    pay(cart, "\"paymentMethodType\":2003,\"transactionAmount\":0");
    expect_code(0);
    expect_has("\"balance\":\"311.36\"");
    /* The right amount, given, is accepted. */
    ready_cart(cart);
    pay(cart, "\"paymentMethodType\":2002,\"transactionAmount\":\"311.36\"");
    expect_code(0);
    free_last();
}
END_TEST

START_TEST(test_sold_out_meanwhile)
{
    /* The bike tour has 15 seats tomorrow: two carts of 10 each pass the check when added. */
    char a[STORE_ID_TEXT], b[STORE_ID_TEXT];
    new_cart_as(DEMO, a);
    add_activity(a, 108, TOMORROW, "10:00:00", 10);
    expect_code(0);
    set_customer(a);
    new_cart_as(DEMO, b);
    add_activity(b, 108, TOMORROW, "10:00:00", 10);
    expect_code(0);
    set_customer(b);
    pay_card(a, CARD_OK);
    expect_code(0);
    pay_card(b, CARD_OK);
    expect_code(50);
    expect_has("5");
    ck_assert_int_eq(store_seats_taken(store, 108, DAY_TOMORROW, 10 * 3600), 10);
    ck_assert_uint_eq(store_booking_count(store), 1);
    ck_assert_uint_eq(cart_items(b), 1); /* kept, to be changed and paid again */
    free_last();
}
END_TEST

/* ---- the payment sandbox ---- */

START_TEST(test_test_cards)
{
    static const struct {
        const char *number;
        int code;
    } cards[] = {
        {"4111111111111111", 0}, {"5555555555554444", 0}, {"378282246310005", 0},
        {"4000000000000002", 2}, {"4000000000009995", 3}, {"4000000000000069", 4},
        {"4000000000000119", 5}, {"4111111111111112", 6}, /* fails the Luhn check */
        {"4242424242424242", 0},                          /* any other valid number */
    };
    for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
        char cart[STORE_ID_TEXT], card[256], want[64];
        ready_cart(cart);
        snprintf(card, sizeof(card),
                 "{\"number\":\"%s\",\"expMonth\":\"12\",\"expYear\":\"2030\",\"csv\":\"999\"}",
                 cards[i].number);
        pay_card(cart, card);
        expect_code(cards[i].code ? 99 : 0);
        snprintf(want, sizeof(want), "%d", cards[i].code);
        ck_assert_msg(!strcmp(field("transactionErrorCode"), want), "card %s: %s", cards[i].number,
                      last.body.data);
        ck_assert_str_eq(field("cardLastFour"), cards[i].number + strlen(cards[i].number) - 4);
        ck_assert_ptr_null(strstr(last.body.data, cards[i].number));
        ck_assert_ptr_null(strstr(last.body.data, "999\""));
        if (cards[i].code) {
            ck_assert_uint_eq(cart_items(cart), 1); /* the cart stays as it was */
            ck_assert_ptr_nonnull(strstr(last.body.data, "declined"));
        }
    }
    ck_assert_int_eq(store_seats_taken(store, 101, DAY_TOMORROW, 17 * 3600), 2 * 4);
    free_last();
}
END_TEST

START_TEST(test_expired_card_date)
{
    char cart[STORE_ID_TEXT];
    ready_cart(cart);
    pay_card(cart, "{\"number\":\"4111111111111111\",\"expMonth\":5,\"expYear\":2025}");
    expect_code(99);
    ck_assert_str_eq(field("transactionErrorCode"), "4");
    /* This month is still good; a two-digit year counts from 2000. */
    pay_card(cart, "{\"number\":\"4111111111111111\",\"expMonth\":6,\"expYear\":25}");
    expect_code(0);
    free_last();
}
END_TEST

/* ---- changing a booking ---- */

START_TEST(test_load_booking_pay_difference)
{
    char cart[STORE_ID_TEXT], p[256], number[32], ref[16];
    ready_cart(cart);
    pay(cart, "\"paymentMethodType\":2002");
    expect_code(0);
    snprintf(number, sizeof(number), "%s", field("bookingId"));
    snprintf(ref, sizeof(ref), "%s", field("bookingReference"));

    snprintf(p, sizeof(p), "\"bookingNumber\":%s", number);
    call("zapiLoadBookingIntoCart", p);
    expect_code(0);
    char loaded[STORE_ID_TEXT];
    snprintf(loaded, sizeof(loaded), "%s", field("cartId"));
    expect_has("Lovelace");
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"productId\":201", loaded);
    call("zapiAddProductToCart", p);
    expect_code(0);
    ck_assert_str_eq(field("total"), "311.36"); /* the activity's own total comes first */
    pay(loaded, "\"paymentMethodType\":2002,\"transactionAmount\":\"311.36\"");
    expect_code(100); /* only the difference is due */
    pay(loaded, "\"paymentMethodType\":2002");
    expect_code(0);
    ck_assert_str_eq(field("transactionAmount"), "33.59"); /* 29.99 + 12% */
    ck_assert_str_eq(field("bookingId"), number);
    ck_assert_str_eq(field("bookingReference"), ref);
    ck_assert_uint_eq(store_booking_count(store), 1);
    ck_assert_int_eq(store_seats_taken(store, 101, DAY_TOMORROW, 17 * 3600), 2);
    ck_assert_int_eq(store_stock_taken(store, 201), 1);

    /* A cancelled booking cannot be loaded. */
    snprintf(p, sizeof(p), "\"bookingNumber\":%s", number);
    call("zapiBookings_CancelBooking", p);
    expect_code(0);
    ck_assert_int_eq(store_stock_taken(store, 201), 0);
    call("zapiLoadBookingIntoCart", p);
    expect_code(71);
    call("zapiLoadBookingIntoCart", "\"bookingNumber\":1");
    expect_code(99);
    free_last();
}
END_TEST

START_TEST(test_to_be_paid_then_single_transaction)
{
    char cart[STORE_ID_TEXT], p[256], number[32];
    ready_cart(cart);
    pay(cart, "\"paymentMethodType\":2003");
    expect_code(0);
    snprintf(number, sizeof(number), "%s", field("bookingId"));
    snprintf(p, sizeof(p),
             "\"bookingNumber\":%s,\"paymentMethodType\":2000,\"creditCardDetails\":"
             "{\"number\":\"4000000000009995\"}",
             number);
    call("zapiProcessSingleTransaction", p);
    expect_code(99);
    ck_assert_str_eq(field("transactionErrorCode"), "3");
    snprintf(p, sizeof(p),
             "\"bookingNumber\":%s,\"paymentMethodType\":2000,\"creditCardDetails\":"
             "{\"number\":\"5555555555554444\"}",
             number);
    call("zapiProcessSingleTransaction", p);
    expect_code(0);
    ck_assert_str_eq(field("transactionAmount"), "311.36");
    call("zapiProcessSingleTransaction", p);
    expect_code(100); /* nothing left to pay */
    free_last();
}
END_TEST

START_TEST(test_promotion_and_gift)
{
    char cart[STORE_ID_TEXT], p[256];
    ready_cart(cart);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"promoCodeName\":\"SUMMER10\"", cart);
    call("zapiPromotionCodeApply", p);
    expect_code(0);
    ck_assert_str_eq(field("discount"), "27.80");
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"giftCertificate\":\"GIFT-100-DEMO\"", cart);
    call("zapiGiftCertificateApply", p);
    expect_code(0);
    pay(cart, "\"paymentMethodType\":2002,\"transactionAmount\":\"180.22\""); /* 280.22 - 100 */
    expect_code(0);
    /* The certificate is used up: applying it again is refused. */
    ready_cart(cart);
    snprintf(p, sizeof(p), "\"cartId\":\"%s\",\"giftCertificate\":\"GIFT-100-DEMO\"", cart);
    call("zapiGiftCertificateApply", p);
    expect_code(99);
    free_last();
}
END_TEST

START_TEST(test_seeded_bookings_in_manifest)
{
    ck_assert_int_eq(bookings_seed(fs->catalogue, store, NOW), 3);
    call("zapiGetManifestEntireDayByDate", "\"date\":\"" TOMORROW "\"");
    expect_code(0);
    expect_has("Okafor");
    expect_has("Tremblay");
    call("zapiSearchBookings", "\"searchType\":104,\"searchText\":\"liam.chen@example.com\"");
    ck_assert_str_eq(field("totalSearchResults"), "1");
    free_last();
}
END_TEST

static Suite *
booking_methods_suite(void)
{
    Suite *s = suite_create("booking_methods");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_whole_journey);
    tcase_add_test(tc, test_single_departure_time_left_out);
    tcase_add_test(tc, test_payment_method_inside_payment_method_node);
    tcase_add_test(tc, test_add_errors);
    tcase_add_test(tc, test_cart_not_found_other_token_expired);
    tcase_add_test(tc, test_remove_and_clear_cart);
    tcase_add_test(tc, test_pay_empty_or_without_customer);
    tcase_add_test(tc, test_pay_100);
    tcase_add_test(tc, test_sold_out_meanwhile);
    tcase_add_test(tc, test_test_cards);
    tcase_add_test(tc, test_expired_card_date);
    tcase_add_test(tc, test_load_booking_pay_difference);
    tcase_add_test(tc, test_to_be_paid_then_single_transaction);
    tcase_add_test(tc, test_promotion_and_gift);
    tcase_add_test(tc, test_seeded_bookings_in_manifest);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run_in(booking_methods_suite(), base);
}
