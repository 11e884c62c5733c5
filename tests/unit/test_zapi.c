/* Unit tests for zapi: whole requests answered from the repository's fixtures without sockets,
 * with a fixed clock and a fake throttle. Exact bodies where the answer is static. */
#include "zapi.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "envelope.h"
#include "inventory.h"
#include "support.h"

static char base[] = "/tmp/zapi-zapi-XXXXXX";

/* 2024-06-01 12:00:00 UTC: naddau (2099-12-31) is active, expired-agent (2021-12-31) is not. */
#define NOW_2024 ((time_t)1717243200)
/* 2021-12-31 12:00:00 UTC: expired-agent's last valid day. */
#define NOW_LAST_DAY ((time_t)1640952000)
/* 2022-01-01 00:00:00 UTC: the first day after it. */
#define NOW_FIRST_DAY_AFTER ((time_t)1640995200)

static const char ping_xml_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                    "<response>\n"
                                    "  <zapiVersion>2.1</zapiVersion>\n"
                                    "  <error>0</error>\n"
                                    "  <message>OK</message>\n"
                                    "  <methodResponse>\n"
                                    "    <methodName>zapiPing</methodName>\n"
                                    "    <methodErrorCode>0</methodErrorCode>\n"
                                    "    <methodErrorMessage>Pong</methodErrorMessage>\n"
                                    "  </methodResponse>\n"
                                    "</response>\n";

static const char ping_json_body[] =
    "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"0\",\"message\":\"OK\","
    "\"methodResponse\":{\"methodName\":\"zapiPing\",\"methodErrorCode\":\"0\","
    "\"methodErrorMessage\":\"Pong\"}}}";

/* ---- fixture sets ---- */

/* ---- the environment under test ---- */

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
    fs = NULL;
    store_free(store);
    store = NULL;
}

/* Handles body; the caller frees r. */
static void
handle(const char *content_type, const char *body, struct zapi_result *r)
{
    zapi_result_init(r);
    zapi_handle(&env, content_type, body, strlen(body), r);
    ck_assert_ptr_nonnull(r->body.data);
}

static char *
xml_req(const char *token, const char *account, const char *user, const char *method,
        const char *params)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<request>\n");
    if (token)
        buf_printf(&b, "  <zapiToken>%s</zapiToken>\n", token);
    if (account)
        buf_printf(&b, "  <zapiAccountId>%s</zapiAccountId>\n", account);
    if (user)
        buf_printf(&b, "  <zapiUserId>%s</zapiUserId>\n", user);
    buf_printf(&b,
               "  <zapiMethod>\n    <methodName>%s</methodName>\n%s  </zapiMethod>\n</request>\n",
               method, params ? params : "");
    return b.data;
}

static char *
demo_req(const char *method, const char *params)
{
    return xml_req("ZAPI-DEMO-TOKEN", "456", "1240", method, params);
}

static char *
auth_req(const char *username, const char *password)
{
    struct buf p = BUF_INIT;
    if (username)
        buf_printf(&p, "    <username>%s</username>\n", username);
    if (password)
        buf_printf(&p, "    <password>%s</password>\n", password);
    char *req = demo_req("zapiAgents_Authenticate", p.data);
    buf_free(&p);
    return req;
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

/* ---- ping ---- */

START_TEST(test_ping_xml)
{
    char *req = demo_req("zapiPing", NULL);
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.format, FORMAT_XML);
    ck_assert_str_eq(r.body.data, ping_xml_body);
    ck_assert_uint_eq(r.body.len, strlen(ping_xml_body));
    ck_assert_str_eq(r.method, "zapiPing");
    ck_assert_str_eq(r.token, "ZAPI-DEMO-TOKEN");
    ck_assert_str_eq(r.client, "ZAPI-DEMO-TOKEN");
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.method_error, 0);
    ck_assert_int_eq(r.retry_after, -1);
    zapi_result_free(&r);

    /* form-urlencoded Content-Type with a raw XML body, as one client sends. */
    handle("application/x-www-form-urlencoded", req, &r);
    ck_assert_str_eq(r.body.data, ping_xml_body);
    zapi_result_free(&r);
    free(req);
}
END_TEST

START_TEST(test_ping_json)
{
    const char *body = "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,"
                       "\"zapiUserId\":\"1240\",\"zapiMethod\":{\"methodName\":\"zapiPing\"}}";
    struct zapi_result r;
    handle("application/json", body, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_str_eq(r.body.data, ping_json_body);
    ck_assert_str_eq(r.method, "zapiPing");
    ck_assert_str_eq(r.token, "ZAPI-DEMO-TOKEN");
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.method_error, 0);
    zapi_result_free(&r);
    /* No Content-Type: the '{' decides. */
    handle(NULL, body, &r);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_str_eq(r.body.data, ping_json_body);
    zapi_result_free(&r);
    /* Ids as numbers in the wrapper form. */
    handle(NULL,
           "{\"request\":{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,"
           "\"zapiUserId\":1240,\"zapiMethod\":{\"methodName\":\"zapiPing\"}}}",
           &r);
    ck_assert_str_eq(r.body.data, ping_json_body);
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_result_reused)
{
    /* A result handled twice (without free in between) holds only the last body. */
    char *req = demo_req("zapiPing", NULL);
    struct zapi_result r;
    handle(NULL, req, &r);
    zapi_handle(&env, NULL, req, strlen(req), &r);
    ck_assert_str_eq(r.body.data, ping_xml_body);
    zapi_result_free(&r);
    free(req);
}
END_TEST

/* ---- validation (error 1) ---- */

static const char missing_token_xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<response>\n"
    "  <zapiVersion>2.1</zapiVersion>\n"
    "  <error>1</error>\n"
    "  <message><![CDATA[ZAPI_VALIDATION ERROR: zapiToken is missing]]></message>\n"
    "  <methodResponse>\n"
    "    <methodName>zapiPing</methodName>\n"
    "    <methodErrorCode>1</methodErrorCode>\n"
    "    <methodErrorMessage><![CDATA[zapiToken is missing]]></methodErrorMessage>\n"
    "  </methodResponse>\n"
    "</response>\n";

static void
assert_validation(const char *req, const char *message)
{
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, env.error_status ? env.error_status : 200);
    ck_assert_int_eq(r.zapi_error, 1);
    ck_assert_int_eq(r.method_error, 1);
    ck_assert_str_eq(r.client, "");
    struct buf want = BUF_INIT;
    buf_printf(&want, "<message><![CDATA[ZAPI_VALIDATION ERROR: %s", message);
    assert_has(&r, want.data);
    buf_clear(&want);
    buf_printf(&want, "<methodErrorMessage><![CDATA[%s", message);
    assert_has(&r, want.data);
    assert_lacks(&r, "Pong");
    buf_free(&want);
    zapi_result_free(&r);
}

START_TEST(test_validation_missing_token)
{
    char *req = xml_req(NULL, "456", "1240", "zapiPing", NULL);
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body.data, missing_token_xml);
    ck_assert_str_eq(r.token, "");
    ck_assert_str_eq(r.client, ""); /* no validated partner */
    ck_assert_str_eq(r.method, "zapiPing");
    zapi_result_free(&r);
    free(req);
    req = xml_req("", "456", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiToken is missing");
    free(req);
    req = xml_req("   ", "456", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiToken is missing");
    free(req);
}
END_TEST

START_TEST(test_validation_fields)
{
    char *req = xml_req("NOPE", "456", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiToken \"NOPE\" is not registered");
    free(req);
    req = xml_req("zapi-demo-token", "456", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiToken \"zapi-demo-token\" is not registered");
    free(req);
    req = xml_req("ZAPI-DEMO-TOKEN", "999", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiAccountId \"999\" does not match zapiToken (expected 456)");
    free(req);
    req = xml_req("ZAPI-DEMO-TOKEN", "456", "1", "zapiPing", NULL);
    assert_validation(req, "zapiUserId \"1\" does not match zapiToken (expected 1240)");
    free(req);
    req = xml_req("ZAPI-DEMO-TOKEN", NULL, "1240", "zapiPing", NULL);
    assert_validation(req, "zapiAccountId is missing");
    free(req);
    req = xml_req("ZAPI-DEMO-TOKEN", "456", "", "zapiPing", NULL);
    assert_validation(req, "zapiUserId is missing");
    free(req);
    /* Account and user swapped, as one client's order might suggest: still checked by name. */
    req = xml_req("ZAPI-DEMO-TOKEN", "1240", "456", "zapiPing", NULL);
    assert_validation(req, "zapiAccountId \"1240\" does not match");
    free(req);
    /* Leading zeros are not the same id. */
    req = xml_req("ZAPI-DEMO-TOKEN", "0456", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiAccountId \"0456\" does not match");
    free(req);
}
END_TEST

START_TEST(test_validation_error_status)
{
    env.error_status = 401;
    char *req = xml_req("NOPE", "456", "1240", "zapiPing", NULL);
    assert_validation(req, "zapiToken \"NOPE\" is not registered");
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 401);
    zapi_result_free(&r);
    free(req);
    /* A good request is not affected. */
    req = demo_req("zapiPing", NULL);
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    zapi_result_free(&r);
    free(req);
}
END_TEST

START_TEST(test_validation_json)
{
    struct zapi_result r;
    handle("application/json",
           "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":99,"
           "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}",
           &r);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_str_eq(r.body.data,
                     "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"1\",\"message\":"
                     "\"ZAPI_VALIDATION ERROR: zapiUserId \\\"99\\\" does not match zapiToken "
                     "(expected 1240)\",\"methodResponse\":{\"methodName\":\"zapiPing\","
                     "\"methodErrorCode\":\"1\",\"methodErrorMessage\":\"zapiUserId \\\"99\\\" "
                     "does not match zapiToken (expected 1240)\"}}}");
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_validation_token_made_printable)
{
    /* A long or odd token is cut and made printable in the message and the result. */
    struct buf tok = BUF_INIT;
    buf_append_str(&tok, "bad token");
    for (int i = 0; i < 100; i++)
        buf_append(&tok, "x", 1);
    char *req = xml_req(tok.data, "456", "1240", "zapiPing", NULL);
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.zapi_error, 1);
    assert_has(&r, "zapiToken \"bad?token");
    assert_lacks(&r, "bad token");
    ck_assert_uint_lt(strlen(r.token), sizeof(r.token));
    ck_assert_int_eq(strncmp(r.token, "bad?token", 9), 0);
    zapi_result_free(&r);
    free(req);
    buf_free(&tok);
}
END_TEST

/* ---- invalid requests (error 3) ---- */

static void
assert_invalid(const char *content_type, const char *body, const char *detail, int status)
{
    struct zapi_result r;
    handle(content_type, body, &r);
    ck_assert_int_eq(r.status, status);
    ck_assert_int_eq(r.zapi_error, 3);
    ck_assert_int_eq(r.method_error, 3);
    ck_assert_str_eq(r.method, "-");
    ck_assert_str_eq(r.token, "");
    ck_assert_str_eq(r.client, "");
    ck_assert_int_eq(r.retry_after, -1);
    if (r.format == FORMAT_XML) {
        assert_has(&r, "<error>3</error>");
        assert_has(&r, "<message><![CDATA[ZAPI_INVALID_XML: ");
    } else {
        assert_has(&r, "\"error\":\"3\"");
        assert_has(&r, "\"message\":\"ZAPI_INVALID_XML: ");
    }
    assert_has(&r, detail);
    zapi_result_free(&r);
}

START_TEST(test_invalid_requests)
{
    assert_invalid(NULL, "<request><zapiToken>x</zapiToken>",
                   "XML request is not well-formed: line 1", 200);
    assert_invalid(NULL, "", "XML request is not well-formed", 200);
    assert_invalid(NULL, "<response/>", "the document has no <request> root element", 200);
    assert_invalid(NULL, "<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken></request>",
                   "the request has no zapiMethod element", 200);
    assert_invalid(NULL, "<request><zapiMethod><methodName/></zapiMethod></request>",
                   "the request has no zapiMethod/methodName", 200);
    assert_invalid(NULL,
                   "<!DOCTYPE request [<!ENTITY a \"b\">]><request><zapiMethod><methodName>&a;"
                   "</methodName></zapiMethod></request>",
                   "must not contain a DOCTYPE", 200);
    assert_invalid("application/json", "{\"zapiToken\":", "JSON request is not valid: line 1", 200);
    assert_invalid("application/json", "", "JSON request is not valid", 200);
    assert_invalid(NULL, "{\"zapiToken\":\"a\",\"zapiToken\":\"b\"}", "duplicate object key", 200);
    assert_invalid(NULL, "{\"zapiMethod\":{\"methodName\":\"p\",\"1x\":1}}",
                   "JSON key \\\"1x\\\" is not a valid ZAPI element name", 200);
    env.error_status = 400;
    assert_invalid(NULL, "<request>", "not well-formed", 400);
    assert_invalid("application/json", "[]", "JSON request must be an object", 400);
}
END_TEST

START_TEST(test_invalid_request_json_shape)
{
    struct zapi_result r;
    handle("application/json", "{}", &r);
    ck_assert_str_eq(r.body.data,
                     "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"3\",\"message\":"
                     "\"ZAPI_INVALID_XML: the request has no zapiMethod element\","
                     "\"methodResponse\":{\"methodName\":{},\"methodErrorCode\":\"3\","
                     "\"methodErrorMessage\":\"the request has no zapiMethod element\"}}}");
    zapi_result_free(&r);
}
END_TEST

/* ---- unknown method (99) ---- */

START_TEST(test_unknown_method)
{
    char *req = demo_req("zapiNoSuchMethod", NULL);
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.method_error, 99);
    ck_assert_str_eq(r.method, "zapiNoSuchMethod");
    assert_has(&r, "<error>0</error>");
    assert_has(&r, "<methodName>zapiNoSuchMethod</methodName>");
    assert_has(&r, "<methodErrorCode>99</methodErrorCode>");
    assert_has(&r, "<methodErrorMessage><![CDATA[Method zapiNoSuchMethod is not served "
                   "by this mock: add fixtures/methods/zapiNoSuchMethod.xml]]>"
                   "</methodErrorMessage>");
    zapi_result_free(&r);
    /* error_status is for errors 1 and 3 only. */
    env.error_status = 400;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    zapi_result_free(&r);
    free(req);

    /* Method names are case-sensitive. */
    req = demo_req("zapiping", NULL);
    handle(NULL, req, &r);
    ck_assert_int_eq(r.method_error, 99);
    assert_has(&r, "Method zapiping is not served");
    zapi_result_free(&r);
    free(req);

    /* JSON, and an odd name made printable in the message. */
    handle(NULL,
           "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":1240,"
           "\"zapiMethod\":{\"methodName\":\"no such/method\"}}",
           &r);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_int_eq(r.method_error, 99);
    ck_assert_str_eq(r.method, "no?such/method");
    assert_has(&r, "\"methodErrorCode\":\"99\"");
    assert_has(&r, "\"methodName\":\"no such\\/method\"");
    assert_has(&r, "Method no?such\\/method is not served by this mock");
    zapi_result_free(&r);
}
END_TEST

/* ---- zapiAgents_Authenticate ---- */

START_TEST(test_authenticate_found)
{
    char *req = auth_req("naddau", "zaui-demo");
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.method_error, 0);
    ck_assert_str_eq(r.method, "zapiAgents_Authenticate");
    assert_has(&r, "<agentID>1240</agentID>");
    assert_has(&r, "<agentHashKey>79dc5307ebf032b8705edffe1a47928cb8dafa5f</agentHashKey>");
    assert_has(&r, "<accountId><![CDATA[456]]></accountId>");
    assert_has(&r, "<expiryDate><![CDATA[2099-12-31]]></expiryDate>");
    assert_has(&r, "<username><![CDATA[naddau]]></username>");
    assert_has(&r, "<firstName><![CDATA[Nad]]></firstName>");
    assert_has(&r, "<gender><![CDATA[]]></gender>");
    assert_has(&r, "<email><![CDATA[support@zaui.com]]></email>");
    assert_has(&r, "<birthDate>N/A</birthDate>");
    assert_has(&r, "<totalPurchases>$0.00</totalPurchases>");
    assert_has(&r, "<allBookings/>");
    assert_has(&r, "<methodErrorMessage><![CDATA[Agent account found]]></methodErrorMessage>");
    assert_lacks(&r, "{{");
    assert_lacks(&r, "zaui-demo"); /* the password is never shown */
    zapi_result_free(&r);
    free(req);

    /* Whitespace around the credentials is trimmed like every value. */
    req = auth_req("  naddau\n", "\tzaui-demo ");
    handle(NULL, req, &r);
    ck_assert_int_eq(r.method_error, 0);
    zapi_result_free(&r);
    free(req);
}
END_TEST

START_TEST(test_authenticate_found_json)
{
    struct zapi_result r;
    handle("application/json",
           "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":1240,"
           "\"zapiMethod\":{\"methodName\":\"zapiAgents_Authenticate\",\"username\":\"naddau\","
           "\"password\":\"zaui-demo\"}}",
           &r);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"0\",\"message\":\"OK\","
                   "\"methodResponse\":{\"methodName\":\"zapiAgents_Authenticate\","
                   "\"agentDetails\":{\"agentID\":\"1240\",");
    assert_has(&r, "\"gender\":{}");
    assert_has(&r, "\"relatedBookings\":{\"totalNumberOfBookings\":\"0\",\"totalPurchases\":"
                   "\"$0.00\",\"mostRecentBookingCount\":\"0\",\"allBookings\":{}}");
    assert_has(&r, "\"methodErrorCode\":\"0\",\"methodErrorMessage\":\"Agent account found\"}}}");
    zapi_result_free(&r);
}
END_TEST

static void
assert_auth(const char *username, const char *password, int code, const char *message)
{
    char *req = auth_req(username, password);
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.method_error, code);
    struct buf want = BUF_INIT;
    buf_printf(&want, "<methodErrorCode>%d</methodErrorCode>", code);
    assert_has(&r, want.data);
    buf_clear(&want);
    buf_printf(&want, "<methodErrorMessage><![CDATA[%s", message);
    assert_has(&r, want.data);
    assert_lacks(&r, "agentDetails");
    buf_free(&want);
    zapi_result_free(&r);
    free(req);
}

START_TEST(test_authenticate_invalid_user)
{
    assert_auth("ghost", "zaui-demo", 70, "Invalid user: no agent with username \"ghost\"");
    assert_auth("Naddau", "zaui-demo", 70, "Invalid user: no agent with username \"Naddau\"");
    assert_auth("naddau", "wrong", 70, "Invalid user: wrong password for agent \"naddau\"");
    assert_auth("naddau", "zaui-dem", 70, "Invalid user: wrong password for agent \"naddau\"");
    assert_auth("naddau", "zaui-demo-x", 70, "Invalid user: wrong password");
    assert_auth("naddau", "ZAUI-DEMO", 70, "Invalid user: wrong password");
    assert_auth("naddau", "", 70, "Invalid user: wrong password for agent \"naddau\"");
    assert_auth("naddau", NULL, 70, "Invalid user: wrong password for agent \"naddau\"");
    assert_auth(NULL, "zaui-demo", 70, "Invalid user: zapiMethod/username is missing");
    assert_auth("", "zaui-demo", 70, "Invalid user: zapiMethod/username is missing");
    /* The expired agent with a wrong password is an invalid user, not an inactive one. */
    assert_auth("expired-agent", "nope", 70,
                "Invalid user: wrong password for agent "
                "\"expired-agent\"");
}
END_TEST

START_TEST(test_authenticate_inactive)
{
    env.now = NOW_2024;
    assert_auth("expired-agent", "expired-demo", 71,
                "Agent account \"expired-agent\" is inactive: it expired on 2021-12-31");
    env.now = NOW_FIRST_DAY_AFTER;
    assert_auth("expired-agent", "expired-demo", 71,
                "Agent account \"expired-agent\" is inactive: it expired on 2021-12-31]]>");

    /* On and before its expiry date the agent is found, with its own details. */
    const time_t active[] = {NOW_LAST_DAY, NOW_FIRST_DAY_AFTER - 1, (time_t)1600000000};
    for (size_t i = 0; i < sizeof(active) / sizeof(active[0]); i++) {
        env.now = active[i];
        char *req = auth_req("expired-agent", "expired-demo");
        struct zapi_result r;
        handle(NULL, req, &r);
        ck_assert_int_eq(r.method_error, 0);
        assert_has(&r, "<agentID>1241</agentID>");
        assert_has(&r, "<firstName><![CDATA[Ex]]></firstName>");
        assert_has(&r, "<expiryDate><![CDATA[2021-12-31]]></expiryDate>");
        assert_has(&r, "<gender><![CDATA[]]></gender>"); /* a field it lacks: empty */
        assert_has(&r, "<totalPurchases></totalPurchases>");
        zapi_result_free(&r);
        free(req);
    }
}
END_TEST

/* ---- throttling ---- */

struct fake_throttle {
    int calls;
    int throttled;
    double wait;
    char token[64];
};

static void
fake_throttle_fn(void *ctx, const struct partner *p, struct zapi_throttle_verdict *v)
{
    struct fake_throttle *t = ctx;
    t->calls++;
    snprintf(t->token, sizeof(t->token), "%s", p ? p->token : "(null)");
    v->throttled = t->throttled;
    v->wait = t->wait;
    v->rule = "limit";
}

START_TEST(test_throttled_xml)
{
    struct fake_throttle ft = {0, 1, 2.25, ""};
    env.throttle = fake_throttle_fn;
    env.throttle_ctx = &ft;
    char *req = demo_req("zapiPing", NULL);
    struct zapi_result r;
    handle(NULL, req, &r);
    ck_assert_int_eq(ft.calls, 1);
    ck_assert_str_eq(ft.token, "ZAPI-DEMO-TOKEN");
    ck_assert_str_eq(r.client, "ZAPI-DEMO-TOKEN");
    ck_assert_int_eq(r.status, 503);
    ck_assert_int_eq(r.retry_after, 3);
    ck_assert_int_eq(r.zapi_error, 2);
    ck_assert_int_eq(r.method_error, 2);
    ck_assert_str_eq(r.method, "zapiPing");
    assert_has(&r, "<error>2</error>");
    assert_has(&r, "<message>ZAPI request throttle limit reached, try again shortly</message>");
    assert_has(&r, "<waitSeconds>2.250</waitSeconds>");
    assert_has(&r, "<retryAfter>3</retryAfter>");
    assert_has(&r, "<methodName>zapiPing</methodName>");
    assert_has(&r, "<methodErrorMessage>ZAPI_RESPONSE_LIMIT_EXCEEDED: wait 2.250 seconds"
                   "</methodErrorMessage>");
    assert_lacks(&r, "Pong");
    zapi_result_free(&r);

    /* Rounded up; whole seconds stay. */
    const double waits[] = {0.001, 1.0, 59.5, 60};
    const int retry[] = {1, 1, 60, 60};
    for (int i = 0; i < 4; i++) {
        ft.wait = waits[i];
        handle(NULL, req, &r);
        ck_assert_int_eq(r.retry_after, retry[i]);
        zapi_result_free(&r);
    }

    /* throttle_status 200, as seen live. */
    env.throttle_status = 200;
    ft.wait = 0.5;
    handle(NULL, req, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.retry_after, 1);
    assert_has(&r, "<waitSeconds>0.500</waitSeconds>");
    zapi_result_free(&r);

    /* Not throttled: answered normally. */
    ft.throttled = 0;
    handle(NULL, req, &r);
    ck_assert_str_eq(r.body.data, ping_xml_body);
    ck_assert_int_eq(r.retry_after, -1);
    zapi_result_free(&r);
    free(req);
}
END_TEST

START_TEST(test_throttled_json)
{
    struct fake_throttle ft = {0, 1, 7.25, ""};
    env.throttle = fake_throttle_fn;
    env.throttle_ctx = &ft;
    struct zapi_result r;
    handle("application/json",
           "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":1240,"
           "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}",
           &r);
    ck_assert_int_eq(r.status, 503);
    ck_assert_int_eq(r.retry_after, 8);
    ck_assert_str_eq(r.body.data,
                     "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"2\",\"message\":"
                     "\"ZAPI request throttle limit reached, try again shortly\",\"backOff\":{"
                     "\"waitSeconds\":\"7.250\",\"retryAfter\":\"8\",\"schedule\":{\"wait\":["
                     "\"1\",\"2\",\"4\",\"8\",\"16\"]},\"jitterMaxMs\":\"1000\"},"
                     "\"methodResponse\":{\"methodName\":\"zapiPing\",\"methodErrorCode\":\"2\","
                     "\"methodErrorMessage\":\"ZAPI_RESPONSE_LIMIT_EXCEEDED: wait 7.250 seconds\""
                     "}}}");
    zapi_result_free(&r);
}
END_TEST

START_TEST(test_throttle_only_for_valid_partners)
{
    struct fake_throttle ft = {0, 1, 1, ""};
    env.throttle = fake_throttle_fn;
    env.throttle_ctx = &ft;
    struct zapi_result r;
    char *req = xml_req("NOPE", "456", "1240", "zapiPing", NULL);
    handle(NULL, req, &r);
    ck_assert_int_eq(r.zapi_error, 1); /* validation comes first */
    zapi_result_free(&r);
    free(req);
    handle(NULL, "<request>", &r);
    ck_assert_int_eq(r.zapi_error, 3);
    zapi_result_free(&r);
    ck_assert_int_eq(ft.calls, 0);
    /* Unknown methods of a valid partner count. */
    req = demo_req("zapiUnknown", NULL);
    handle(NULL, req, &r);
    ck_assert_int_eq(r.zapi_error, 2);
    ck_assert_int_eq(ft.calls, 1);
    zapi_result_free(&r);
    free(req);
}
END_TEST

/* ---- zapi_http_error ---- */

START_TEST(test_http_error)
{
    struct zapi_result r;
    zapi_result_init(&r);
    zapi_http_error(&env, 404, "No ZAPI endpoint at /nope", FORMAT_XML, &r);
    ck_assert_int_eq(r.status, 404);
    ck_assert_int_eq(r.format, FORMAT_XML);
    ck_assert_str_eq(r.method, "-");
    ck_assert_int_eq(r.zapi_error, 3);
    ck_assert_int_eq(r.retry_after, -1);
    ck_assert_str_eq(r.body.data, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                  "<response>\n"
                                  "  <zapiVersion>2.1</zapiVersion>\n"
                                  "  <error>3</error>\n"
                                  "  <message><![CDATA[No ZAPI endpoint at /nope]]></message>\n"
                                  "</response>\n");
    zapi_result_free(&r);

    zapi_result_init(&r);
    zapi_http_error(&env, 413, "request body too large", FORMAT_JSON, &r);
    ck_assert_int_eq(r.status, 413);
    ck_assert_int_eq(r.format, FORMAT_JSON);
    ck_assert_str_eq(r.body.data, "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"3\","
                                  "\"message\":\"request body too large\"}}");
    zapi_result_free(&r);

    /* error_status does not touch these. */
    env.error_status = 200;
    const int statuses[] = {400, 405, 408, 414, 431, 500, 501, 505};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        zapi_result_init(&r);
        zapi_http_error(&env, statuses[i], "x", FORMAT_XML, &r);
        ck_assert_int_eq(r.status, statuses[i]);
        zapi_result_free(&r);
    }
}
END_TEST

START_TEST(test_http_error_status_kept_over_fixture)
{
    char *dir = support_scratch_set(base);
    support_write_in(dir, "errors/http-error.xml",
                     "<fixture><answer status=\"200\"><response><error>3</error>"
                     "<message>{{error.message}} ({{error.code}})</message></response></answer>"
                     "</fixture>",
                     NULL);
    struct fixture_set *mine = support_load_set(dir);
    struct zapi_env e = {.fixtures = mine, .now = NOW_2024};
    struct zapi_result r;
    zapi_result_init(&r);
    zapi_http_error(&e, 405, "use POST", FORMAT_XML, &r);
    ck_assert_int_eq(r.status, 405); /* the fixture reshapes the body, not the status */
    assert_has(&r, "<message>use POST (3)</message>");
    zapi_result_free(&r);
    fixtures_release(mine);
    free(dir);
}
END_TEST

/* ---- placeholders and fixture statuses through zapi_handle ---- */

START_TEST(test_placeholders)
{
    char *dir = support_scratch_set(base);
    support_write_in(
        dir, "methods/zapiEcho.xml",
        "<fixture><answer status=\"201\"><response>"
        "<error>0</error>"
        "<date>{{server.date}}</date><time>{{server.time}}</time>"
        "<version>{{server.version}}</version><nosuch>{{server.nothing}}</nosuch>"
        "<method>{{method.name}}</method><code>{{error.code}}</code>"
        "<org>{{partner.organisation}}</org><acc>{{partner.accountId}}</acc>"
        "<aff attr=\"{{partner.affiliateUsername}}\"/>"
        "<param>{{request.zapiMethod.item}}</param><tok>{{request.zapiToken}}</tok>"
        "<absent>{{request.zapiMethod.absent}}</absent><agent>{{agent.firstName}}</agent>"
        "<msg>{{error.message}}</msg><wait>{{throttle.wait}}</wait>"
        "<methodResponse><methodErrorCode>0</methodErrorCode></methodResponse>"
        "</response></answer></fixture>",
        NULL);
    struct fixture_set *mine = support_load_set(dir);
    struct zapi_env e = {.fixtures = mine, .now = NOW_2024};
    char *req = demo_req("zapiEcho", "    <item> first </item>\n    <item>second</item>\n");
    struct zapi_result r;
    zapi_result_init(&r);
    zapi_handle(&e, NULL, req, strlen(req), &r);
    ck_assert_int_eq(r.status, 201);
    ck_assert_int_eq(r.zapi_error, 0);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "<date>2024-06-01</date>");
    assert_has(&r, "<time>2024-06-01 12:00:00</time>");
    struct buf v = BUF_INIT;
    buf_printf(&v, "<version>%s</version>", ZAPI_MOCK_VERSION);
    assert_has(&r, v.data);
    buf_free(&v);
    assert_has(&r, "<nosuch></nosuch>"); /* unknown placeholders expand to nothing */
    assert_has(&r, "<method>zapiEcho</method>");
    assert_has(&r, "<code>0</code>");
    assert_has(&r, "<org>Zaui Demo Tours</org>");
    assert_has(&r, "<acc>456</acc>");
    assert_has(&r, "<aff attr=\"naddau\"/>");
    assert_has(&r, "<param>first</param>");
    assert_has(&r, "<tok>ZAPI-DEMO-TOKEN</tok>");
    assert_has(&r, "<absent></absent>");
    assert_has(&r, "<agent></agent>"); /* no agent for this method */
    assert_has(&r, "<msg></msg>");
    assert_has(&r, "<wait>0.000</wait>");
    zapi_result_free(&r);
    free(req);
    fixtures_release(mine);
    free(dir);
}
END_TEST

START_TEST(test_validation_fixture_status)
{
    /* A status on the fixture wins over error_status. */
    char *dir = support_scratch_set(base);
    support_write_in(dir, "errors/validation.xml",
                     "<fixture><answer status=\"403\"><response><error>1</error>"
                     "<message>{{error.message}}</message></response></answer></fixture>",
                     NULL);
    struct fixture_set *mine = support_load_set(dir);
    struct zapi_env e = {.fixtures = mine, .now = NOW_2024, .error_status = 401};
    char *req = xml_req("NOPE", "456", "1240", "zapiPing", NULL);
    struct zapi_result r;
    zapi_result_init(&r);
    zapi_handle(&e, NULL, req, strlen(req), &r);
    ck_assert_int_eq(r.status, 403);
    ck_assert_int_eq(r.zapi_error, 1);
    ck_assert_int_eq(r.method_error, -1); /* this body has none */
    zapi_result_free(&r);
    free(req);
    fixtures_release(mine);
    free(dir);
}
END_TEST

START_TEST(test_fixture_without_default_answer)
{
    /* A method without a built-in handler asks for the default answer "". A fixture whose
     * answers all have outcomes used to load and then answer every call with HTTP 500 and an
     * empty body (zapi.c answer(): "Only out of memory gets here"). Either fix is right: the
     * load refuses the file, or the call is answered from the fixture. Never a bodiless 500. */
    char *dir = support_scratch_set(base);
    support_write_in(dir, "methods/zapiOnlyNamed.xml",
                     "<fixture><answer outcome=\"x\" status=\"202\"><response><error>0</error>"
                     "<methodResponse><methodErrorCode>7</methodErrorCode></methodResponse>"
                     "</response></answer></fixture>",
                     NULL);
    struct fixture_set *mine = (struct fixture_set *)1;
    struct buf err = BUF_INIT;
    int rc = zapi_load_fixtures(dir, &mine, &err);
    int status = 0, method_error = 0, err_names_file = 0;
    size_t len = 0;
    if (rc == 0) {
        struct zapi_env e = {.fixtures = mine, .now = NOW_2024};
        char *req = demo_req("zapiOnlyNamed", NULL);
        struct zapi_result r;
        zapi_result_init(&r);
        zapi_handle(&e, NULL, req, strlen(req), &r);
        status = r.status;
        len = r.body.len;
        method_error = r.method_error;
        zapi_result_free(&r);
        free(req);
        fixtures_release(mine);
    } else {
        err_names_file = err.data && strstr(err.data, "zapiOnlyNamed.xml") != NULL;
    }
    buf_free(&err);
    free(dir);
    if (rc == 0) {
        ck_assert_msg(status == 202 && len > 0 && method_error == 7,
                      "zapiOnlyNamed answered HTTP %d, %zu body bytes, methodErrorCode %d", status,
                      len, method_error);
    } else {
        ck_assert(err_names_file);
    }
}
END_TEST

/* ---- zapi_token_short ---- */

START_TEST(test_token_short)
{
    char out[16];
    zapi_token_short(NULL, out, sizeof(out));
    ck_assert_str_eq(out, "-");
    zapi_token_short("", out, sizeof(out));
    ck_assert_str_eq(out, "-");
    zapi_token_short("ABC", out, sizeof(out));
    ck_assert_str_eq(out, "ABC");
    zapi_token_short("12345678", out, sizeof(out));
    ck_assert_str_eq(out, "12345678");
    zapi_token_short("123456789", out, sizeof(out));
    ck_assert_str_eq(out, "123456...");
    zapi_token_short("ZAPI-DEMO-TOKEN", out, sizeof(out));
    ck_assert_str_eq(out, "ZAPI-D...");
    zapi_token_short("a b\tc\x01"
                     "defgh",
                     out, sizeof(out));
    ck_assert_str_eq(out, "a?b?c?...");
    zapi_token_short("ab\xC3\xA9", out, sizeof(out));
    ck_assert_str_eq(out, "ab??");
    /* A very long token still fits. */
    char lng[500];
    memset(lng, 'k', sizeof(lng) - 1);
    lng[sizeof(lng) - 1] = '\0';
    zapi_token_short(lng, out, sizeof(out));
    ck_assert_str_eq(out, "kkkkkk...");
}
END_TEST

/* The cached inventory answer follows the store: a sale is seen at once. */
START_TEST(test_cache_follows_inventory)
{
    char params[256], date[DATE_TEXT];
    long tomorrow = date_from_time(NOW_2024) + 1;
    date_format(tomorrow, date);
    snprintf(params, sizeof(params), "<activityId>108</activityId><activityDate>%s</activityDate>",
             date);
    char *req = demo_req("zapiCheckActivityInventoryByDate", params);
    struct zapi_result r;
    for (int i = 0; i < 2; i++) { /* the second is a hit */
        handle(NULL, req, &r);
        assert_has(&r, "<activityTimeSpotsRemaining>15</activityTimeSpotsRemaining>");
        zapi_result_free(&r);
    }
    const struct cat_activity *a = catalogue_activity(fs->catalogue, 108);
    int left;
    ck_assert_int_eq(
        inventory_take_seats(store, a, tomorrow, tomorrow - 1, &a->departures[0], 5, &left), 0);
    handle(NULL, req, &r);
    assert_has(&r, "<activityTimeSpotsRemaining>10</activityTimeSpotsRemaining>");
    zapi_result_free(&r);
    size_t entries, bytes;
    unsigned long hits;
    answer_cache_stats(fs->cache, &entries, &bytes, &hits);
    ck_assert_uint_eq(hits, 1);
    ck_assert_uint_eq(entries, 2);
    free(req);
}
END_TEST

/* A value cannot pose as more elements in the cache key (it did: "103/<activityDate>..." made
 * the key of two real elements, and the legitimate request got the cached error). */
START_TEST(test_cache_key_values_cannot_pose_as_elements)
{
    char *forged = demo_req("zapiGetActivityDetailsByActivityId",
                            "<activityId>108/&lt;activityDate&gt;2024-06-03</activityId>");
    char *real = demo_req("zapiGetActivityDetailsByActivityId",
                          "<activityId>108</activityId><activityDate>2024-06-03</activityDate>");
    struct zapi_result r;
    handle(NULL, forged, &r);
    ck_assert_int_eq(r.method_error, 20);
    zapi_result_free(&r);
    handle(NULL, real, &r);
    ck_assert_int_eq(r.method_error, 0);
    assert_has(&r, "<activityDate>2024-06-03</activityDate>");
    zapi_result_free(&r);
    free(forged);
    free(real);
}
END_TEST

static Suite *
zapi_suite(void)
{
    Suite *s = suite_create("zapi");
    TCase *tc = tcase_create("ping");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ping_xml);
    tcase_add_test(tc, test_ping_json);
    tcase_add_test(tc, test_result_reused);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_validation_missing_token);
    tcase_add_test(tc, test_validation_fields);
    tcase_add_test(tc, test_validation_error_status);
    tcase_add_test(tc, test_validation_json);
    tcase_add_test(tc, test_validation_token_made_printable);
    tcase_add_test(tc, test_invalid_requests);
    tcase_add_test(tc, test_invalid_request_json_shape);
    tcase_add_test(tc, test_unknown_method);
    tcase_add_test(tc, test_http_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("authenticate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_authenticate_found);
    tcase_add_test(tc, test_authenticate_found_json);
    tcase_add_test(tc, test_authenticate_invalid_user);
    tcase_add_test(tc, test_authenticate_inactive);
    suite_add_tcase(s, tc);

    tc = tcase_create("throttle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_throttled_xml);
    tcase_add_test(tc, test_throttled_json);
    tcase_add_test(tc, test_throttle_only_for_valid_partners);
    suite_add_tcase(s, tc);

    tc = tcase_create("fixture-sets");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_http_error_status_kept_over_fixture);
    tcase_add_test(tc, test_placeholders);
    tcase_add_test(tc, test_validation_fixture_status);
    tcase_add_test(tc, test_fixture_without_default_answer);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cache_follows_inventory);
    tcase_add_test(tc, test_cache_key_values_cannot_pose_as_elements);
    suite_add_tcase(s, tc);

    tc = tcase_create("helpers");
    tcase_add_test(tc, test_token_short);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    int rc = support_run_in(zapi_suite(), base);
    xmlCleanupParser();
    return rc;
}
