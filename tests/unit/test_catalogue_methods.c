/* Unit tests for the catalogue and agent methods through zapi_handle, with the repository's
 * fixtures, a store and a fixed clock (2024-06-01 12:00 UTC, a Saturday): every read-only
 * method of the catalogue answers 0 from the demo data; every method error code a client must
 * handle, with a message naming the parameter; the token-less logins and what they hand out. */
#include "zapi.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "envelope.h"
#include "support.h"

#define NOW_2024 ((time_t)1717243200)
#define TOMORROW "2024-06-02"
#define IN_2_DAYS "2024-06-03"
#define IN_7_DAYS "2024-06-08"

static struct fixture_set *fs;
static struct store *store;
static struct zapi_env env;

static void
setup(void)
{
    char *dir = support_repo_fixtures();
    fs = support_load_set(dir);
    free(dir);
    memset(&env, 0, sizeof(env));
    env.fixtures = fs;
    env.now = NOW_2024;
    store = store_new(1);
    ck_assert_ptr_nonnull(store);
    env.store = store;
}

static void
teardown(void)
{
    fixtures_release(fs);
    store_free(store);
}

static char *
request(const char *method, const char *params)
{
    struct buf b = BUF_INIT;
    buf_printf(&b,
               "<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken><zapiAccountId>456</zapiAccountId>"
               "<zapiUserId>1240</zapiUserId><zapiMethod><methodName>%s</methodName>%s"
               "</zapiMethod></request>",
               method, params ? params : "");
    return b.data;
}

/* Answers body; the caller frees r. */
static void
handle_body(const char *content_type, const char *body, struct zapi_result *r)
{
    zapi_result_init(r);
    zapi_handle(&env, content_type, body, strlen(body), r);
    ck_assert_ptr_nonnull(r->body.data);
}

static void
call(const char *method, const char *params, struct zapi_result *r)
{
    char *body = request(method, params);
    handle_body(NULL, body, r);
    free(body);
}

static void
assert_has(const struct zapi_result *r, const char *want)
{
    ck_assert_msg(strstr(r->body.data, want) != NULL, "body lacks \"%s\":\n%s", want, r->body.data);
}

static void
assert_lacks(const struct zapi_result *r, const char *unwanted)
{
    ck_assert_msg(strstr(r->body.data, unwanted) == NULL, "body has \"%s\":\n%s", unwanted,
                  r->body.data);
}

/* How often needle occurs in r's body. */
static int
count(const struct zapi_result *r, const char *needle)
{
    int n = 0;
    for (const char *p = r->body.data; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The text of the first <name>...</name> in r's body (CDATA unwrapped), into out. */
static const char *
element(const struct zapi_result *r, const char *name, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", name);
    snprintf(close, sizeof(close), "</%s>", name);
    const char *s = strstr(r->body.data, open);
    ck_assert_msg(s != NULL, "no <%s> in:\n%s", name, r->body.data);
    s += strlen(open);
    const char *e = strstr(s, close);
    ck_assert_ptr_nonnull(e);
    if (!strncmp(s, "<![CDATA[", 9) && e - s >= 12) {
        s += 9;
        e -= 3;
    }
    snprintf(out, cap, "%.*s", (int)(e - s), s);
    return out;
}

/* ---- every method answers 0 ---- */

static const struct ok_case {
    const char *method, *params;
    const char *wants[4]; /* substrings of the XML answer */
} ok_cases[] = {
    {"zapiGetActivityCategories",
     NULL,
     {"<categoryId>1</categoryId>", "<activityId>101</activityId>",
      "https://harbourpeaks.example/images/whale-watching.jpg</imageUrl>",
      "<activityType>502</activityType>"}},
    {"zapiGetActivitiesByCategoryId",
     "<categoryId>2</categoryId>",
     {"<activityId>103</activityId>", "<activityId>104</activityId>",
      "<activityName><![CDATA[Grouse Mountain Sightseeing]]></activityName>"}},
    {"zapiGetAllActivitiesByDate",
     "<activityDate>" TOMORROW "</activityDate>",
     {"<activityId>101</activityId>"}},
    {"zapiGetAllActivitiesByName",
     "<activityNameToSearch>whale</activityNameToSearch>",
     {"<activityId>101</activityId>"}},
    {"zapiGetActivityAndProductCatalog",
     NULL,
     {"<activityId>101</activityId>", "<productId>201</productId>"}},
    {"zapiGetActivityDetailsByActivityId",
     "<activityId>101</activityId><activityDate>" TOMORROW "</activityDate>",
     {"<basePrice>139.00</basePrice>", "<systemTypeId>11</systemTypeId>",
      "<activityTimeSpotsRemaining>14</activityTimeSpotsRemaining>", "<status>SOLD_OUT</status>"}},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>101</activityId><activityDate>" TOMORROW "</activityDate>",
     {"<activityTimeSpotsRemaining>12</activityTimeSpotsRemaining>", "<status>AVAILABLE</status>",
      "<status>SOLD_OUT</status>"}},
    {"zapiBatchAvailability",
     "<activityId>101</activityId><activityStartDate>" TOMORROW "</activityStartDate>"
     "<activityEndDate>" IN_7_DAYS "</activityEndDate>",
     {"<activityDate>" TOMORROW "</activityDate>", "<activityDate>" IN_7_DAYS "</activityDate>"}},
    {"zapiPriceQuote",
     "<activityId>104</activityId><activityDate>" IN_2_DAYS "</activityDate>"
     "<pax><adults>2</adults><children>1</children></pax><pickupLocationId>301</pickupLocationId>",
     /* 2 x 179 + 119 = 477, 12% tax 57.24 */
     {"477.00", "57.24", "534.24", "<pickupLocationId>301</pickupLocationId>"}},
    {"zapiActivity_GetCancellations", "<activityId>101</activityId>", {"<cancellations"}},
    {"zapiGetMerchandiseCategories", NULL, {"Apparel", "Gear", "Souvenirs"}},
    {"zapiGetMerchandiseByCategoryId",
     "<categoryId>2</categoryId>",
     {"<productId>202</productId>", "<productId>205</productId>"}},
    {"zapiGetAllMerchandiseByName",
     "<productNameToSearch>bottle</productNameToSearch>",
     {"<productId>205</productId>"}},
    {"zapiGetProductDetailsByProductId", "<productId>201</productId>", {"29.99", "HP-TEE-001"}},
    {"zapiCheckProductInventory",
     "<productId>205</productId><quantity>3</quantity>",
     {"<productId>205</productId>"}},
    {"zapiGetPackageCategories", NULL, {"Multi-day Packages"}},
    {"zapiGetPackagesByCategoryId",
     "<categoryId>1</categoryId>",
     {"<packageId>401</packageId>", "<packageId>402</packageId>"}},
    {"zapiGetPackageDetailsByPackageId",
     "<packageId>401</packageId>",
     {"<packageId>401</packageId>", "189.00"}},
    {"zapiPackage_DetermineMinimumDatesToBook",
     "<packageId>401</packageId><pax><adults>2</adults></pax>",
     {"<packageId>401</packageId>", "<activityId>108</activityId>"}},
    {"zapiGetSystemInformation",
     NULL,
     {"<![CDATA[Harbour & Peaks Adventures]]>", "CAD", "2024-06-01"}},
};

START_TEST(test_every_method_answers)
{
    const struct ok_case *c = &ok_cases[_i];
    struct zapi_result r;
    call(c->method, c->params, &r);
    ck_assert_msg(r.method_error == 0, "%s answered %d:\n%s", c->method, r.method_error,
                  r.body.data);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.status, 200);
    char tag[128];
    snprintf(tag, sizeof(tag), "<methodName>%s</methodName>", c->method);
    assert_has(&r, tag);
    assert_has(&r, "<methodErrorCode>0</methodErrorCode>");
    for (int i = 0; i < 4 && c->wants[i]; i++)
        assert_has(&r, c->wants[i]);
    zapi_result_free(&r);

    /* The same in JSON, ids as numbers where the XML had digits. */
    struct buf json = BUF_INIT;
    buf_printf(&json,
               "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":1240,"
               "\"zapiMethod\":{\"methodName\":\"%s\"}}",
               c->method);
    handle_body("application/json", json.data, &r);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_ptr_null(strstr(r.body.data, "<"));
    buf_free(&json);
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_details_on_a_day_without_departures)
{
    /* A site builder asks every activity with tomorrow's date: a day the activity does not run
     * still answers 0, with no times. 103 runs Monday to Saturday; tomorrow is a Sunday. */
    struct zapi_result r;
    call("zapiGetActivityDetailsByActivityId",
         "<activityId>103</activityId><activityDate>" TOMORROW "</activityDate>", &r);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "<basePrice>95.00</basePrice>");
    assert_lacks(&r, "<activityTimeId>");
    zapi_result_free(&r);
    /* Every published activity answers 0 for tomorrow, with prices and an image. */
    for (long id = 101; id <= 109; id++) {
        char p[128];
        if (id == 107)
            continue;
        snprintf(p, sizeof(p), "<activityId>%ld</activityId><activityDate>%s</activityDate>", id,
                 TOMORROW);
        call("zapiGetActivityDetailsByActivityId", p, &r);
        ck_assert_msg(r.method_error == 0, "activity %ld: %s", id, r.body.data);
        assert_has(&r, "<basePrice>");
        assert_has(&r, "<imageUrl><![CDATA[https://");
        zapi_result_free(&r);
    }
}
END_TEST

START_TEST(test_unpublished_not_listed)
{
    /* The categories list every published activity once: 8 of 9 (107 is sold by phone). */
    struct zapi_result r;
    call("zapiGetActivityCategories", NULL, &r);
    ck_assert_int_eq(count(&r, "<category>"), 4);
    ck_assert_int_eq(count(&r, "<activityId>"), 8);
    assert_lacks(&r, "<activityId>107</activityId>");
    zapi_result_free(&r);
    call("zapiGetMerchandiseByCategoryId", "<categoryId>3</categoryId>", &r);
    assert_has(&r, "<productId>203</productId>");
    assert_lacks(&r, "<productId>204</productId>");
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_json_lists)
{
    /* JSON: a list of one is an object, a list of several an array; every scalar a string. */
    const char *body = "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":\"456\","
                       "\"zapiUserId\":\"1240\",\"zapiMethod\":{\"methodName\":"
                       "\"zapiGetActivitiesByCategoryId\",\"categoryId\":\"3\"}}";
    struct zapi_result r;
    handle_body(NULL, body, &r);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    assert_has(&r, "\"activityId\":\"108\"");
    assert_has(&r, "\"activity\":{");
    zapi_result_free(&r);
    body = "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":1240,"
           "\"zapiMethod\":{\"methodName\":\"zapiGetActivitiesByCategoryId\",\"categoryId\":1}}";
    handle_body(NULL, body, &r);
    assert_has(&r, "\"activity\":[{");
    assert_has(&r, "\"activityId\":\"101\"");
    zapi_result_free(&r);
}
END_TEST

/* ---- inventory comes from the store ---- */

START_TEST(test_inventory_follows_the_store)
{
    long day;
    ck_assert_int_eq(date_parse(TOMORROW, &day), 0);
    int left;
    /* Seats taken by bookings show at once. */
    ck_assert_int_eq(store_take_seats(store, 101, day, 9 * 3600, 4, 14, &left), 0);
    struct zapi_result r;
    call("zapiCheckActivityInventoryByDate",
         "<activityId>101</activityId><activityDate>" TOMORROW "</activityDate>", &r);
    assert_has(&r, "<activityTimeSpotsRemaining>10</activityTimeSpotsRemaining>");
    zapi_result_free(&r);
    call("zapiGetActivityDetailsByActivityId",
         "<activityId>101</activityId><activityDate>" TOMORROW "</activityDate>", &r);
    assert_has(&r, "<activityTimeSpotsRemaining>10</activityTimeSpotsRemaining>");
    zapi_result_free(&r);
    /* A cancelled departure sells nothing and is listed. */
    ck_assert_int_eq(store_set_cancelled(store, 101, day, 17 * 3600, 1), 0);
    call("zapiCheckActivityInventoryByDate",
         "<activityId>101</activityId><activityDate>" TOMORROW "</activityDate>"
         "<activityTime>17:00:00</activityTime>",
         &r);
    ck_assert_int_eq(r.method_error, 50);
    zapi_result_free(&r);
    call("zapiActivity_GetCancellations", "<activityId>101</activityId>", &r);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "<activityDate>" TOMORROW "</activityDate>");
    assert_has(&r, "17:00:00");
    zapi_result_free(&r);
    /* Stock taken. */
    ck_assert_int_eq(store_take_stock(store, 205, 1, 3, &left), 0);
    call("zapiCheckProductInventory", "<productId>205</productId><quantity>3</quantity>", &r);
    ck_assert_int_eq(r.method_error, 41);
    zapi_result_free(&r);
}
END_TEST

/* ---- error codes ---- */

static const struct err_case {
    const char *method, *params;
    int code;
    const char *message; /* a part of methodErrorMessage: names the parameter or the thing */
} err_cases[] = {
    {"zapiGetActivityDetailsByActivityId", "<activityId>abc</activityId>", 20,
     "zapiMethod/activityId must be a whole number"},
    {"zapiCheckProductInventory", "<productId>205</productId><quantity>x</quantity>", 20,
     "zapiMethod/quantity"},
    {"zapiCheckProductInventory", "<productId>205</productId><quantity>0</quantity>", 20,
     "zapiMethod/quantity must be from 1"},
    {"zapiPriceQuote", "<activityId>101</activityId><pax><adults>two</adults></pax>", 20,
     "zapiMethod/pax.adults"},
    {"zapiPriceQuote", "<activityId>101</activityId>", 20, "zapiMethod/pax"},
    {"zapiPriceQuote",
     "<activityId>104</activityId><pax><adults>1</adults></pax><pickupLocationId>999</"
     "pickupLocationId>",
     20, "zapiMethod/pickupLocationId 999"},
    {"zapiPriceQuote", "<activityId>102</activityId><pax><children>1</children></pax>", 20,
     "children"},
    {"zapiGetAllActivitiesByName", NULL, 20, "zapiMethod/activityNameToSearch"},
    {"zapiGetAllMerchandiseByName", NULL, 20, "zapiMethod/productNameToSearch"},
    {"zapiGetActivitiesByCategoryId", "<categoryId>1.5</categoryId>", 20, "zapiMethod/categoryId"},
    {"zapiCheckProductInventory", "<productId>203</productId>", 40, "sold out"},
    {"zapiCheckProductInventory", "<productId>205</productId><quantity>4</quantity>", 41,
     "3 left, 4 requested"},
    {"zapiGetProductDetailsByProductId", "<productId>204</productId>", 42, "Product 204"},
    {"zapiCheckProductInventory", "<productId>204</productId>", 42, "Product 204"},
    {"zapiGetProductDetailsByProductId", "<productId>999</productId>", 43, "productId 999"},
    {"zapiGetProductDetailsByProductId", NULL, 43, "zapiMethod/productId is missing"},
    {"zapiGetMerchandiseByCategoryId", "<categoryId>9</categoryId>", 43, "categoryId 9"},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>101</activityId><activityDate>" TOMORROW
     "</activityDate><activityTime>13:00:00</activityTime>",
     50, "0 seats left for 1 requested on " TOMORROW},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>108</activityId><activityDate>" IN_2_DAYS
     "</activityDate><pax><adults>3</adults></pax>",
     50, "2 seats left for 3 requested"},
    {"zapiGetActivityDetailsByActivityId",
     "<activityId>101</activityId><activityDate>2024-02-30</activityDate>", 51,
     "zapiMethod/activityDate \"2024-02-30\" is not a date"},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>101</activityId><activityDate>06/02/2024</activityDate>", 51,
     "zapiMethod/activityDate"},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>101</activityId><activityDate>2024-05-31</activityDate>", 51,
     "zapiMethod/activityDate 2024-05-31 is in the past (today is 2024-06-01)"},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>106</activityId><activityDate>2025-01-15</activityDate>", 51,
     "does not run on 2025-01-15"},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>101</activityId><activityDate>" TOMORROW
     "</activityDate><activityTime>11:00</activityTime>",
     51, "zapiMethod/activityTime"},
    {"zapiBatchAvailability",
     "<activityId>101</activityId><activityStartDate>" IN_7_DAYS
     "</activityStartDate><activityEndDate>" TOMORROW "</activityEndDate>",
     51, "activityEndDate is before activityStartDate"},
    {"zapiGetActivityDetailsByActivityId", "<activityId>107</activityId>", 52, "Activity 107"},
    {"zapiCheckActivityInventoryByDate",
     "<activityId>107</activityId><activityDate>" TOMORROW "</activityDate>", 52, "Activity 107"},
    {"zapiGetActivityDetailsByActivityId", "<activityId>999</activityId>", 53, "activityId 999"},
    {"zapiGetActivityDetailsByActivityId", NULL, 53, "zapiMethod/activityId is missing"},
    {"zapiGetActivitiesByCategoryId", "<categoryId>99</categoryId>", 53, "categoryId 99"},
    {"zapiGetPackageDetailsByPackageId", "<packageId>9</packageId>", 53, "packageId 9"},
};

START_TEST(test_error_codes)
{
    const struct err_case *c = &err_cases[_i];
    struct zapi_result r;
    call(c->method, c->params, &r);
    ck_assert_msg(r.method_error == c->code, "%s %s: want %d, got %d:\n%s", c->method,
                  c->params ? c->params : "", c->code, r.method_error, r.body.data);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.status, 200);
    char msg[512];
    element(&r, "methodErrorMessage", msg, sizeof(msg));
    ck_assert_msg(strstr(msg, c->message) != NULL, "%s: message \"%s\" lacks \"%s\"", c->method,
                  msg, c->message);
    zapi_result_free(&r);
}
END_TEST

/* ---- logins ---- */

static char *
login_req(const char *method, const char *user, const char *pass)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "<request>");
    if (user)
        buf_printf(&b, "<zapiUsername>%s</zapiUsername>", user);
    if (pass)
        buf_printf(&b, "<zapiPassword>%s</zapiPassword>", pass);
    buf_printf(&b, "<zapiMethod><methodName>%s</methodName></zapiMethod></request>", method);
    return b.data;
}

static void
login(const char *method, const char *user, const char *pass, struct zapi_result *r)
{
    char *body = login_req(method, user, pass);
    handle_body(NULL, body, r);
    free(body);
}

START_TEST(test_login_then_use_credentials)
{
    static const char *const methods[] = {"zapiAgentLogin", "zapiMobileLogin"};
    static const char *const passwords[] = {"zaui-demo", "e97cdcc61675716110d9de3d2defa7dc",
                                            "E97CDCC61675716110D9DE3D2DEFA7DC"};
    char first_cart[64] = "";
    for (int m = 0; m < 2; m++) {
        for (int p = 0; p < 3; p++) {
            struct zapi_result r;
            login(methods[m], "naddau", passwords[p], &r);
            ck_assert_msg(r.method_error == 0, "%s/%s: %s", methods[m], passwords[p], r.body.data);
            assert_has(&r, "<methodErrorMessage><![CDATA[Login Successful]]></methodErrorMessage>");
            char token[128], account[32], user[32], cart[64], v[64];
            element(&r, "zapiApiToken", token, sizeof(token));
            element(&r, "zapiAccountId", account, sizeof(account));
            element(&r, "zapiUserId", user, sizeof(user));
            element(&r, "cartId", cart, sizeof(cart));
            ck_assert_str_eq(token, "ZAPI-DEMO-TOKEN");
            ck_assert_str_eq(account, "456");
            ck_assert_str_eq(user, "1240");
            ck_assert_str_eq(element(&r, "zapiUsername", v, sizeof(v)), "naddau");
            ck_assert_str_eq(element(&r, "firstName", v, sizeof(v)), "Nad");
            ck_assert_str_eq(element(&r, "lastName", v, sizeof(v)), "Dau");
            ck_assert_str_eq(element(&r, "zapiAccountType", v, sizeof(v)), "Agent");
            ck_assert_uint_eq(strlen(cart), 32);
            ck_assert_uint_eq(strspn(cart, "0123456789abcdef"), 32);
            /* A fresh cart per login. */
            ck_assert_str_ne(cart, first_cart);
            snprintf(first_cart, sizeof(first_cart), "%s", cart);
            zapi_result_free(&r);

            /* The credentials handed out work for the next call. */
            struct buf ping = BUF_INIT;
            buf_printf(&ping,
                       "<request><zapiToken>%s</zapiToken><zapiAccountId>%s</zapiAccountId>"
                       "<zapiUserId>%s</zapiUserId><zapiMethod><methodName>zapiPing</methodName>"
                       "</zapiMethod></request>",
                       token, account, user);
            handle_body(NULL, ping.data, &r);
            ck_assert_int_eq(r.zapi_error, 0);
            ck_assert_int_eq(r.method_error, 0);
            assert_has(&r, "Pong");
            buf_free(&ping);
            zapi_result_free(&r);
        }
    }
}
END_TEST

START_TEST(test_login_json)
{
    struct zapi_result r;
    handle_body("application/json",
                "{\"zapiUsername\":\"naddau\",\"zapiPassword\":\"zaui-demo\","
                "\"zapiMethod\":{\"methodName\":\"zapiAgentLogin\"}}",
                &r);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "\"zapiApiToken\":\"ZAPI-DEMO-TOKEN\"");
    assert_has(&r, "\"methodErrorMessage\":\"Login Successful\"");
    assert_has(&r, "\"cartId\":\"");
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_login_failures)
{
    struct zapi_result r;
    char msg[256];
    login("zapiAgentLogin", "naddau", "wrong", &r);
    ck_assert_int_eq(r.method_error, 70);
    ck_assert_ptr_nonnull(strstr(element(&r, "methodErrorMessage", msg, sizeof(msg)), "naddau"));
    assert_lacks(&r, "<cartId>");
    assert_lacks(&r, "ZAPI-DEMO-TOKEN");
    zapi_result_free(&r);
    /* An MD5 of another password, or the MD5 cut short. */
    login("zapiAgentLogin", "naddau", "e97cdcc61675716110d9de3d2defa7dd", &r);
    ck_assert_int_eq(r.method_error, 70);
    zapi_result_free(&r);
    login("zapiAgentLogin", "naddau", "e97cdcc61675716110d9de3d2defa7d", &r);
    ck_assert_int_eq(r.method_error, 70);
    zapi_result_free(&r);
    login("zapiMobileLogin", "nobody", "zaui-demo", &r);
    ck_assert_int_eq(r.method_error, 70);
    ck_assert_ptr_nonnull(strstr(element(&r, "methodErrorMessage", msg, sizeof(msg)), "nobody"));
    zapi_result_free(&r);
    /* A username without a password. */
    login("zapiAgentLogin", "naddau", NULL, &r);
    ck_assert_int_eq(r.method_error, 70);
    zapi_result_free(&r);
    login("zapiAgentLogin", "expired-agent", "expired-demo", &r);
    ck_assert_int_eq(r.method_error, 71);
    ck_assert_ptr_nonnull(strstr(element(&r, "methodErrorMessage", msg, sizeof(msg)), "expired"));
    assert_lacks(&r, "<cartId>");
    zapi_result_free(&r);
    /* No credentials at all: error 1, as any request without a token. */
    login("zapiAgentLogin", NULL, NULL, &r);
    ck_assert_int_eq(r.zapi_error, 1);
    assert_has(&r, "zapiUsername");
    zapi_result_free(&r);
    /* Other methods still need a token, even with credentials. */
    char *body = login_req("zapiGetActivityCategories", "naddau", "zaui-demo");
    handle_body(NULL, body, &r);
    ck_assert_int_eq(r.zapi_error, 1);
    assert_has(&r, "zapiToken");
    free(body);
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_get_profile)
{
    struct zapi_result r;
    call("zapiAgents_GetProfile",
         "<agentID>1240</agentID><agentHashKey>79dc5307ebf032b8705edffe1a47928cb8dafa5f"
         "</agentHashKey>",
         &r);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "naddau");
    assert_has(&r, "support@zaui.com");
    zapi_result_free(&r);
    call("zapiAgents_GetProfile", "<agentID>1240</agentID><agentHashKey>nope</agentHashKey>", &r);
    ck_assert_int_eq(r.method_error, 70);
    assert_has(&r, "agentHashKey");
    zapi_result_free(&r);
    call("zapiAgents_GetProfile", "<agentID>1240</agentID>", &r);
    ck_assert_int_eq(r.method_error, 70);
    assert_has(&r, "zapiMethod/agentHashKey is missing");
    zapi_result_free(&r);
    call("zapiAgents_GetProfile", "<agentID>9</agentID><agentHashKey>x</agentHashKey>", &r);
    ck_assert_int_eq(r.method_error, 70);
    assert_has(&r, "agentID");
    zapi_result_free(&r);
}
END_TEST

static Suite *
methods_suite(void)
{
    Suite *s = suite_create("catalogue methods");
    TCase *tc = tcase_create("answers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_every_method_answers, 0,
                        (int)(sizeof(ok_cases) / sizeof(ok_cases[0])));
    tcase_add_test(tc, test_details_on_a_day_without_departures);
    tcase_add_test(tc, test_unpublished_not_listed);
    tcase_add_test(tc, test_json_lists);
    tcase_add_test(tc, test_inventory_follows_the_store);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_error_codes, 0, (int)(sizeof(err_cases) / sizeof(err_cases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("logins");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_login_then_use_credentials);
    tcase_add_test(tc, test_login_json);
    tcase_add_test(tc, test_login_failures);
    tcase_add_test(tc, test_get_profile);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    int rc = support_run(methods_suite());
    xmlCleanupParser();
    return rc;
}
