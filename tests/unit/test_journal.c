/* Unit tests for journal: the ring per client, totals, the JSON export (valid whatever the bytes)
 * and the masking of secrets. */
#include "journal.h"
#include "mask.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include "support.h"
#endif

static struct journal *
mk(size_t per_client, size_t max_body, size_t max_keys)
{
    struct journal *j = journal_new(per_client, max_body, max_keys);
    ck_assert_ptr_nonnull(j);
    return j;
}

static struct journal_entry
entry(double time, const char *method, const char *request)
{
    return (struct journal_entry){
        .time = time,
        .peer = "127.0.0.1:5555",
        .method = method,
        .status = 200,
        .zapi_error = 0,
        .method_error = 0,
        .latency_us = 1500,
        .request = request,
        .request_len = request ? strlen(request) : 0,
        .response = "<response/>",
        .response_len = 11,
    };
}

static void
rec(struct journal *j, const char *key, double time, const char *method)
{
    struct journal_entry e = entry(time, method, "<request/>");
    ck_assert_int_eq(journal_record(j, key, &e), 0);
}

/* Dumps v and parses it back: proves the export is valid JSON (and UTF-8) and loses nothing. */
static void
assert_roundtrip(const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    json_error_t err;
    json_t *back = json_loads(text, JSON_ALLOW_NUL, &err);
    ck_assert_msg(back != NULL, "not valid JSON: %s in %s", err.text, text);
    ck_assert(json_equal(v, back));
    json_decref(back);
    free(text);
}

/* key's entries, checked to be a valid JSON array of n items. */
static json_t *
items(struct journal *j, const char *key, size_t n)
{
    json_t *a = journal_json(j, key);
    ck_assert_ptr_nonnull(a);
    ck_assert(json_is_array(a));
    ck_assert_uint_eq(json_array_size(a), n);
    assert_roundtrip(a);
    return a;
}

static const char *
str_at(const json_t *a, size_t i, const char *field)
{
    const char *s = json_string_value(json_object_get(json_array_get(a, i), field));
    ck_assert_ptr_nonnull(s);
    return s;
}

static json_int_t
int_at(const json_t *a, size_t i, const char *field)
{
    json_t *v = json_object_get(json_array_get(a, i), field);
    ck_assert(json_is_integer(v));
    return json_integer_value(v);
}

static int
bool_at(const json_t *a, size_t i, const char *field)
{
    json_t *v = json_object_get(json_array_get(a, i), field);
    ck_assert(json_is_boolean(v));
    return json_is_true(v);
}

/* The methods of key's entries, newest first, joined by spaces. */
static void
assert_methods(struct journal *j, const char *key, const char *expected)
{
    json_t *a = journal_json(j, key);
    ck_assert_ptr_nonnull(a);
    char got[1024] = "";
    for (size_t i = 0; i < json_array_size(a); i++) {
        strcat(got, i ? " " : "");
        strcat(got, str_at(a, i, "method"));
    }
    ck_assert_str_eq(got, expected);
    json_decref(a);
}

static void
assert_stats(struct journal *j, const char *key, unsigned long total, double last)
{
    unsigned long t = 0;
    double l = -1;
    ck_assert_int_eq(journal_stats(j, key, &t, &l), 0);
    ck_assert_uint_eq(t, total);
    ck_assert_double_eq(l, last);
}

static void
assert_keys(struct journal *j, const char *expected)
{
    json_t *keys = journal_keys_json(j);
    ck_assert_ptr_nonnull(keys);
    char *text = json_dumps(keys, JSON_COMPACT);
    ck_assert_str_eq(text, expected);
    free(text);
    json_decref(keys);
}

/* ---- ring ---- */

START_TEST(test_ring_newest_first)
{
    struct journal *j = mk(3, 1024, 8);
    rec(j, "tok", 1, "m1");
    assert_methods(j, "tok", "m1");
    rec(j, "tok", 2, "m2");
    rec(j, "tok", 3, "m3");
    assert_methods(j, "tok", "m3 m2 m1");
    rec(j, "tok", 4, "m4");
    assert_methods(j, "tok", "m4 m3 m2");
    rec(j, "tok", 5, "m5");
    assert_methods(j, "tok", "m5 m4 m3");
    char m[16];
    for (int i = 6; i <= 13; i++) { /* wraps around several times */
        snprintf(m, sizeof(m), "m%d", i);
        rec(j, "tok", i, m);
    }
    assert_methods(j, "tok", "m13 m12 m11");
    json_decref(items(j, "tok", 3));
    journal_free(j);
}
END_TEST

/* More entries than a new key has room for at first, so the ring grows before it wraps. */
START_TEST(test_ring_grows_then_wraps)
{
    struct journal *j = mk(100, 64, 8);
    char m[16];
    for (int i = 0; i < 250; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        rec(j, "tok", i, m);
        json_t *a = journal_json(j, "tok");
        size_t kept = i + 1 < 100 ? (size_t)i + 1 : 100;
        ck_assert_uint_eq(json_array_size(a), kept);
        for (size_t k = 0; k < kept; k++) {
            snprintf(m, sizeof(m), "m%zu", (size_t)i - k);
            ck_assert_str_eq(str_at(a, k, "method"), m);
        }
        json_decref(a);
    }
    assert_stats(j, "tok", 250, 249);
    journal_free(j);
}
END_TEST

START_TEST(test_per_client_one)
{
    struct journal *j = mk(1, 64, 8);
    rec(j, "tok", 1, "a");
    rec(j, "tok", 2, "b");
    rec(j, "tok", 3, "c");
    assert_methods(j, "tok", "c");
    assert_stats(j, "tok", 3, 3);
    journal_free(j);
}
END_TEST

START_TEST(test_totals_past_capacity)
{
    struct journal *j = mk(JOURNAL_DEFAULT_SIZE, 64, 8);
    for (int i = 0; i < 57; i++)
        rec(j, "tok", 1000 + i * 0.5, "m");
    assert_stats(j, "tok", 57, 1028);
    json_decref(items(j, "tok", JOURNAL_DEFAULT_SIZE));
    /* Either output may be left out. */
    unsigned long total = 0;
    ck_assert_int_eq(journal_stats(j, "tok", &total, NULL), 0);
    ck_assert_uint_eq(total, 57);
    double last = 0;
    ck_assert_int_eq(journal_stats(j, "tok", NULL, &last), 0);
    ck_assert_double_eq(last, 1028);
    /* The latest recorded, not the largest time. */
    rec(j, "tok", 5, "m");
    assert_stats(j, "tok", 58, 5);
    journal_free(j);
}
END_TEST

START_TEST(test_key_isolation)
{
    struct journal *j = mk(2, 64, 8);
    rec(j, "alpha", 1, "a1");
    rec(j, "beta", 2, "b1");
    rec(j, "alpha", 3, "a2");
    rec(j, "alpha", 4, "a3");
    assert_methods(j, "alpha", "a3 a2");
    assert_methods(j, "beta", "b1");
    assert_stats(j, "alpha", 3, 4);
    assert_stats(j, "beta", 1, 2);
    assert_methods(j, "Alpha", ""); /* keys are case-sensitive, as tokens are */
    assert_keys(j, "[\"alpha\",\"beta\"]");
    journal_free(j);
}
END_TEST

START_TEST(test_anonymous_key)
{
    struct journal *j = mk(5, 64, 8);
    rec(j, NULL, 1, "n1");
    rec(j, JOURNAL_ANONYMOUS, 2, "n2");
    assert_methods(j, JOURNAL_ANONYMOUS, "n2 n1");
    assert_methods(j, NULL, "n2 n1");
    assert_stats(j, NULL, 2, 2);
    assert_stats(j, "anonymous", 2, 2);
    assert_keys(j, "[\"anonymous\"]");
    journal_free(j);
}
END_TEST

START_TEST(test_unknown_key)
{
    struct journal *j = mk(5, 64, 8);
    json_decref(items(j, "nobody", 0));
    unsigned long total = 7;
    double last = 7;
    ck_assert_int_eq(journal_stats(j, "nobody", &total, &last), -1);
    ck_assert_uint_eq(total, 7); /* untouched */
    ck_assert_double_eq(last, 7);
    assert_keys(j, "[]");
    journal_free(j);
}
END_TEST

START_TEST(test_keys_sorted)
{
    struct journal *j = mk(2, 64, 64);
    const char *keys[] = {"zeta", "ZAPI-DEMO-TOKEN", "anonymous", "alpha", "m"};
    for (size_t i = 0; i < 5; i++)
        rec(j, keys[i], 1, "m");
    assert_keys(j, "[\"ZAPI-DEMO-TOKEN\",\"alpha\",\"anonymous\",\"m\",\"zeta\"]");
    journal_free(j);
}
END_TEST

/* ---- fields ---- */

START_TEST(test_entry_fields)
{
    struct journal *j = mk(5, 1024, 8);
    char peer[32] = "10.0.0.1:4242", method[32] = "zapiPing";
    char req[] = "<request><zapiMethod>zapiPing</zapiMethod></request>";
    char resp[] = "<response><error>0</error></response>";
    struct journal_entry e = {.time = 1700000000.123,
                              .peer = peer,
                              .method = method,
                              .status = 503,
                              .zapi_error = 7,
                              .method_error = -1,
                              .latency_us = 250,
                              .request = req,
                              .request_len = strlen(req),
                              .response = resp,
                              .response_len = strlen(resp)};
    ck_assert_int_eq(journal_record(j, "tok", &e), 0);
    /* The journal keeps copies: the caller may reuse its buffers. */
    strcpy(peer, "x");
    strcpy(method, "y");
    memset(req, 'z', strlen(req));
    memset(resp, 'z', strlen(resp));

    json_t *a = items(j, "tok", 1);
    json_t *o = json_array_get(a, 0);
    ck_assert_uint_eq(json_object_size(o), 13);
    ck_assert_str_eq(str_at(a, 0, "time"), "2023-11-14T22:13:20.123Z");
    ck_assert_str_eq(str_at(a, 0, "peer"), "10.0.0.1:4242");
    ck_assert_str_eq(str_at(a, 0, "method"), "zapiPing");
    ck_assert_int_eq(int_at(a, 0, "status"), 503);
    ck_assert_int_eq(int_at(a, 0, "zapiError"), 7);
    ck_assert(json_is_null(json_object_get(o, "methodError")));
    ck_assert_int_eq(int_at(a, 0, "latencyUs"), 250);
    ck_assert_str_eq(str_at(a, 0, "request"),
                     "<request><zapiMethod>zapiPing</zapiMethod></request>");
    ck_assert_int_eq(bool_at(a, 0, "requestTruncated"), 0);
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), 52);
    ck_assert_str_eq(str_at(a, 0, "response"), "<response><error>0</error></response>");
    ck_assert_int_eq(bool_at(a, 0, "responseTruncated"), 0);
    ck_assert_int_eq(int_at(a, 0, "responseBytes"), 37);
    json_decref(a);

    /* Defaults for missing strings; both error codes absent. */
    e = (struct journal_entry){.time = 0, .status = 400, .zapi_error = -1, .method_error = -1};
    ck_assert_int_eq(journal_record(j, "tok", &e), 0);
    a = items(j, "tok", 2);
    o = json_array_get(a, 0);
    ck_assert_str_eq(str_at(a, 0, "time"), "1970-01-01T00:00:00.000Z");
    ck_assert_str_eq(str_at(a, 0, "peer"), "");
    ck_assert_str_eq(str_at(a, 0, "method"), "-");
    ck_assert(json_is_null(json_object_get(o, "zapiError")));
    ck_assert(json_is_null(json_object_get(o, "methodError")));
    ck_assert_str_eq(str_at(a, 0, "request"), "");
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), 0);
    ck_assert_str_eq(str_at(a, 0, "response"), "");
    json_decref(a);
    journal_free(j);
}
END_TEST

static void
assert_time(double t, const char *expected)
{
    struct journal *j = mk(1, 0, 1);
    struct journal_entry e = entry(t, "m", NULL);
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    json_t *a = items(j, "k", 1);
    json_t *v = json_object_get(json_array_get(a, 0), "time");
    if (expected)
        ck_assert_str_eq(json_string_value(v), expected);
    else
        ck_assert(json_is_null(v));
    json_decref(a);
    journal_free(j);
}

START_TEST(test_time_format)
{
    assert_time(1700000000.0005, "2023-11-14T22:13:20.001Z"); /* rounded to the nearest ms */
    assert_time(1700000000.9996, "2023-11-14T22:13:21.000Z"); /* ...carrying into the second */
    assert_time(951782400.5, "2000-02-29T00:00:00.500Z");
    assert_time(253402300799.999, "9999-12-31T23:59:59.999Z");
    assert_time(253402300799.9996, NULL); /* rounds into the year 10000 */
    assert_time(-0.5, NULL);
    assert_time(NAN, NULL);
    assert_time(INFINITY, NULL);
}
END_TEST

START_TEST(test_long_peer_and_method_cut)
{
    struct journal *j = mk(1, 64, 1);
    char peer[400], method[400];
    memset(peer, 'p', sizeof(peer) - 1);
    peer[sizeof(peer) - 1] = '\0';
    memset(method, 'm', 254);
    strcpy(method + 254, "\xC3\xA9tail"); /* an é across byte 255 */
    struct journal_entry e = entry(1, method, NULL);
    e.peer = peer;
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    json_t *a = items(j, "k", 1);
    ck_assert_uint_eq(strlen(str_at(a, 0, "peer")), 255);
    ck_assert_uint_eq(strlen(str_at(a, 0, "method")), 254); /* backed off before the é */
    json_decref(a);
    journal_free(j);
}
END_TEST

/* ---- bodies ---- */

START_TEST(test_body_cut_flagged)
{
    struct journal *j = mk(4, 10, 8);
    struct journal_entry e = entry(1, "m", "0123456789abcdefghijklmno");
    e.response = "0123456789";
    e.response_len = 10;
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    json_t *a = items(j, "k", 1);
    ck_assert_str_eq(str_at(a, 0, "request"), "0123456789");
    ck_assert_int_eq(bool_at(a, 0, "requestTruncated"), 1);
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), 25);
    ck_assert_str_eq(str_at(a, 0, "response"), "0123456789"); /* exactly max_body: whole */
    ck_assert_int_eq(bool_at(a, 0, "responseTruncated"), 0);
    ck_assert_int_eq(int_at(a, 0, "responseBytes"), 10);
    json_decref(a);

    /* A NULL body is empty whatever its length says. */
    e = entry(2, "m", NULL);
    e.request_len = 99;
    e.response = NULL;
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    a = items(j, "k", 2);
    ck_assert_str_eq(str_at(a, 0, "request"), "");
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), 0);
    ck_assert_int_eq(bool_at(a, 0, "requestTruncated"), 0);
    ck_assert_int_eq(int_at(a, 0, "responseBytes"), 0);
    json_decref(a);
    journal_free(j);
}
END_TEST

START_TEST(test_max_body_zero)
{
    struct journal *j = mk(4, 0, 8);
    struct journal_entry e = entry(1, "m", "<request/>");
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    json_t *a = items(j, "k", 1);
    ck_assert_str_eq(str_at(a, 0, "request"), "");
    ck_assert_int_eq(bool_at(a, 0, "requestTruncated"), 1);
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), 10);
    ck_assert_str_eq(str_at(a, 0, "response"), "");
    ck_assert_int_eq(int_at(a, 0, "responseBytes"), 11);
    json_decref(a);
    journal_free(j);
}
END_TEST

/* Cuts at every byte of 1- to 4-byte characters: the kept part is the longest prefix ending on a
 * character boundary, so it is valid UTF-8 and never shows a replacement character. */
START_TEST(test_utf8_cut_mid_sequence)
{
    static const char body[] = "a\xC3\xA9" /* é */ "\xE2\x82\xAC" /* € */
                               "\xF0\x9F\x98\x80" /* 😀 */ "z";
    static const size_t bounds[] = {0, 1, 3, 6, 10, 11}; /* character boundaries */
    const size_t len = sizeof(body) - 1;
    for (size_t max = 0; max <= len + 1; max++) {
        struct journal *j = mk(1, max, 1);
        struct journal_entry e = entry(1, "m", body);
        e.response = body;
        e.response_len = len;
        ck_assert_int_eq(journal_record(j, "k", &e), 0);
        size_t want = 0;
        for (size_t b = 0; b < 6; b++)
            if (bounds[b] <= max)
                want = bounds[b];
        json_t *a = items(j, "k", 1);
        json_t *req = json_object_get(json_array_get(a, 0), "request");
        ck_assert_uint_eq(json_string_length(req), want);
        ck_assert(memcmp(json_string_value(req), body, want) == 0);
        ck_assert_str_eq(str_at(a, 0, "response"), json_string_value(req));
        ck_assert_int_eq(bool_at(a, 0, "requestTruncated"), max < len);
        ck_assert_int_eq(int_at(a, 0, "requestBytes"), (json_int_t)len);
        json_decref(a);
        journal_free(j);
    }
}
END_TEST

/* Ill-formed UTF-8 becomes U+FFFD byte by byte; NUL survives as \u0000. */
START_TEST(test_invalid_utf8_and_nul)
{
    static const char body[] = "ok\0x"
                               "\xFF"             /* never valid */
                               "\xC0\x80"         /* overlong NUL */
                               "\xED\xA0\x80"     /* a surrogate */
                               "\xF4\x90\x80\x80" /* above U+10FFFF */
                               "\x80"             /* a lone continuation */
                               "\xE2\x82"         /* a character cut short... */
                               "y"                /* ...by an ASCII byte */
                               "\xC3\xA9"         /* a valid é */
                               "\xE2\x82";        /* cut short by the end */
#define R "\xEF\xBF\xBD"
    static const char want[] = "ok\0x" R R R R R R R R R R R R R "y\xC3\xA9" R R;
#undef R
    struct journal *j = mk(2, 1024, 4);
    struct journal_entry e = entry(1, "zapi\xFFPing", NULL);
    e.request = body;
    e.request_len = sizeof(body) - 1;
    e.response = body;
    e.response_len = sizeof(body) - 1;
    e.peer = "\xC3";
    ck_assert_int_eq(journal_record(j, "tok\xFE", &e), 0);
    json_t *a = items(j, "tok\xFE", 1);
    json_t *req = json_object_get(json_array_get(a, 0), "request");
    ck_assert_uint_eq(json_string_length(req), sizeof(want) - 1);
    ck_assert(memcmp(json_string_value(req), want, sizeof(want) - 1) == 0);
    json_t *resp = json_object_get(json_array_get(a, 0), "response");
    ck_assert(json_equal(req, resp));
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), (json_int_t)sizeof(body) - 1);
    ck_assert_str_eq(str_at(a, 0, "method"), "zapi\xEF\xBF\xBDPing");
    ck_assert_str_eq(str_at(a, 0, "peer"), "\xEF\xBF\xBD");
    char *text = json_dumps(a, JSON_COMPACT);
    ck_assert_ptr_nonnull(strstr(text, "\"ok\\u0000x\xEF\xBF\xBD"));
    free(text);
    json_decref(a);
    assert_keys(j, "[\"tok\xEF\xBF\xBD\"]");
    journal_free(j);
}
END_TEST

/* A cut after a broken sequence does not back off: only well-formed characters are kept whole. */
START_TEST(test_cut_after_invalid_bytes)
{
    struct journal *j = mk(1, 4, 1);
    struct journal_entry e = entry(1, "m", "ab\xE2\x82\xFFzz");
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    json_t *a = items(j, "k", 1);
    ck_assert_str_eq(str_at(a, 0, "request"), "ab\xEF\xBF\xBD\xEF\xBF\xBD");
    json_decref(a);
    journal_free(j);
}
END_TEST

/* ---- masking (mask.h; its own tests are in test_mask.c) ---- */

/* journal_record masks the request before storing it; the secret straddles the cut. */
START_TEST(test_record_masks_before_cut)
{
    struct journal *j = mk(2, 25, 2);
    const char *req = "<r><zapiPassword>supersecretvalue</zapiPassword></r>";
    struct journal_entry e = entry(1, "m", req);
    e.response = "<r><zapiPassword>echo</zapiPassword></r>"; /* responses are kept verbatim */
    e.response_len = strlen(e.response);
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    ck_assert_str_eq(req, "<r><zapiPassword>supersecretvalue</zapiPassword></r>"); /* const */
    json_t *a = items(j, "k", 1);
    ck_assert_str_eq(str_at(a, 0, "request"), "<r><zapiPassword>********");
    ck_assert_int_eq(bool_at(a, 0, "requestTruncated"), 1);
    ck_assert_int_eq(int_at(a, 0, "requestBytes"), (json_int_t)strlen(req));
    ck_assert_str_eq(str_at(a, 0, "response"), "<r><zapiPassword>echo</za");
    json_decref(a);

    e = entry(2, "m", "{\"zapiPassword\": \"pw\\\"and-more\", \"user\": \"bob\"}");
    ck_assert_int_eq(journal_record(j, "k", &e), 0);
    a = items(j, "k", 2);
    /* Masked on the parsed tree, written back compact: 11 bytes decoded, "pw\"and-more". */
    ck_assert_str_eq(str_at(a, 0, "request"), "{\"zapiPassword\":\"********");
    json_decref(a);
    journal_free(j);
}
END_TEST

static void assert_render_matches(struct journal *j, const char *key);

/* What the journal must show of a request: mask_body's text, then cut at max_body. */
static void
expected_request(const char *req, size_t max_body, struct buf *want, int *cut)
{
    int partial = 0;
    ck_assert_int_ge(mask_body(req, strlen(req), max_body, want, &partial), 0);
    *cut = partial || want->len > max_body;
    if (want->len > max_body)
        want->data[want->len = max_body] = '\0';
}

/* A request that fits max_body is masked when first read: through journal_json or through
 * journal_render first, what both show is mask_body's text, and an unread entry pushed out of the
 * ring is never masked at all. The bodies change length when masked (JSON written back compact,
 * '>' in XML text written back as &gt;), so a stale or raw body would show. */
START_TEST(test_masked_when_first_read)
{
    static const char *const reqs[] = {
        "{\"zapiPassword\": \"pw\\\"and-more\", \"user\": \"bob\"}",
        "<r><x>a>b</x><password>hunter2</password></r>",
        "<request><zapiToken>T</zapiToken><zapiMethod><methodName>zapiPing</methodName>"
        "</zapiMethod></request>",
    };
    for (size_t i = 0; i < 3; i++) {
        for (int render_first = 0; render_first < 2; render_first++) {
            size_t max_body = strlen(reqs[i]); /* fits: kept as sent until read */
            struct journal *j = mk(2, max_body, 2);
            struct journal_entry e = entry(1, "m", "<old><password>gone</password></old>");
            ck_assert_int_eq(journal_record(j, "k", &e), 0);
            e = entry(2, "m", reqs[i]);
            ck_assert_int_eq(journal_record(j, "k", &e), 0);
            ck_assert_int_eq(journal_record(j, "k", &e), 0); /* the first one leaves unread */
            struct buf want = BUF_INIT;
            int cut = 0;
            expected_request(reqs[i], max_body, &want, &cut);
            if (i < 2)
                ck_assert(strstr(want.data, "*") && cut == (i == 1));
            else
                ck_assert_str_eq(want.data, reqs[i]);
            if (render_first)
                assert_render_matches(j, "k");
            json_t *a = items(j, "k", 2);
            for (size_t n = 0; n < 2; n++) {
                ck_assert_str_eq(str_at(a, n, "request"), want.data);
                ck_assert_int_eq(bool_at(a, n, "requestTruncated"), cut);
                ck_assert_int_eq(int_at(a, n, "requestBytes"), (json_int_t)strlen(reqs[i]));
            }
            json_decref(a);
            assert_render_matches(j, "k");
            buf_free(&want);
            journal_free(j);
        }
    }
}
END_TEST

/* ---- rendered text ---- */

/* journal_render of key as the value of a member, dumped the way the admin API dumps it. */
static void
assert_render_matches(struct journal *j, const char *key)
{
    json_t *o = json_pack("{s:s,s:o}", "token", key, "journal", journal_json(j, key));
    char *want = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    struct buf got = BUF_INIT;
    buf_printf(&got, "{\n  \"token\": \"%s\",\n  \"journal\": ", key);
    ck_assert_int_eq(journal_render(j, key, &got), 0);
    buf_append_str(&got, "\n}");
    ck_assert_str_eq(got.data, want);
    buf_free(&got);
    free(want);
}

START_TEST(test_render_is_the_json_and_follows_changes)
{
    struct journal *j = mk(3, 64, 4);
    assert_render_matches(j, "k"); /* [] */
    rec(j, "k", 1, "a");
    assert_render_matches(j, "k");
    assert_render_matches(j, "k"); /* kept: the same again */
    rec(j, "k", 2, "b");
    assert_render_matches(j, "k"); /* a record makes it new */
    rec(j, "other", 3, "c");
    assert_render_matches(j, "other");
    assert_render_matches(j, "k");
    journal_clear(j, "k");
    assert_render_matches(j, "k");
    rec(j, "k", 4, "d");
    assert_render_matches(j, "k");
    journal_clear(j, NULL);
    rec(j, "k", 5, "e");
    assert_render_matches(j, "k");
    journal_free(j);
}
END_TEST

/* ---- clear and bounds ---- */

START_TEST(test_clear_one_key)
{
    struct journal *j = mk(3, 64, 8);
    rec(j, "a", 1, "a1");
    rec(j, "a", 2, "a2");
    rec(j, "b", 3, "b1");
    journal_clear(j, "a");
    json_decref(items(j, "a", 0));
    ck_assert_int_eq(journal_stats(j, "a", NULL, NULL), -1);
    assert_methods(j, "b", "b1");
    assert_stats(j, "b", 1, 3);
    assert_keys(j, "[\"b\"]");
    journal_clear(j, "nobody"); /* a no-op */
    rec(j, "a", 4, "a3");       /* starts afresh */
    assert_methods(j, "a", "a3");
    assert_stats(j, "a", 1, 4);
    journal_free(j);
}
END_TEST

START_TEST(test_clear_all)
{
    struct journal *j = mk(3, 64, 8);
    rec(j, "a", 1, "a1");
    rec(j, "b", 2, "b1");
    rec(j, NULL, 3, "n1");
    journal_clear(j, NULL);
    assert_keys(j, "[]");
    json_decref(items(j, "a", 0));
    json_decref(items(j, JOURNAL_ANONYMOUS, 0));
    ck_assert_int_eq(journal_stats(j, "b", NULL, NULL), -1);
    rec(j, "b", 4, "b2");
    assert_methods(j, "b", "b2");
    assert_stats(j, "b", 1, 4);
    journal_free(j);
}
END_TEST

START_TEST(test_max_keys)
{
    struct journal *j = mk(3, 64, 2);
    rec(j, "a", 1, "a1");
    rec(j, NULL, 2, "n1");
    struct journal_entry e = entry(3, "c1", "<r/>");
    ck_assert_int_eq(journal_record(j, "c", &e), -1); /* dropped */
    ck_assert_int_eq(journal_stats(j, "c", NULL, NULL), -1);
    json_decref(items(j, "c", 0));
    assert_keys(j, "[\"a\",\"anonymous\"]");
    rec(j, "a", 4, "a2"); /* known keys still record */
    rec(j, NULL, 5, "n2");
    assert_stats(j, "a", 2, 4);
    journal_clear(j, "a"); /* frees a place */
    ck_assert_int_eq(journal_record(j, "c", &e), 0);
    assert_keys(j, "[\"anonymous\",\"c\"]");
    journal_free(j);
}
END_TEST

START_TEST(test_new_invalid)
{
    ck_assert_ptr_null(journal_new(0, 64, 8));
    ck_assert_ptr_null(journal_new(20, 64, 0));
    journal_free(NULL);
    struct journal *j = mk(1, 0, 1); /* the smallest valid one */
    journal_free(j);
}
END_TEST

START_TEST(test_many_keys)
{
    struct journal *j = mk(2, 16, 5000);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key-%05d", i);
        rec(j, key, i, "m");
        rec(j, key, i, "m");
        rec(j, key, i, "m");
    }
    ck_assert_int_eq(journal_record(j, "one-more", &(struct journal_entry){0}), -1);
    for (int i = 0; i < 5000; i += 499) {
        snprintf(key, sizeof(key), "key-%05d", i);
        assert_stats(j, key, 3, i);
    }
    json_t *keys = journal_keys_json(j);
    ck_assert_uint_eq(json_array_size(keys), 5000);
    ck_assert_str_eq(json_string_value(json_array_get(keys, 0)), "key-00000");
    ck_assert_str_eq(json_string_value(json_array_get(keys, 4999)), "key-04999");
    json_decref(keys);
    journal_free(j);
}
END_TEST

/* Heap in use, where the C library reports it (not under sanitizers or valgrind: then 0). */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

/* 100000 exchanges of 100 KB bodies on one key: memory stays at the ring's size. Nothing leaks
 * under valgrind either. */
START_TEST(test_memory_bounded)
{
    /* Each record parses the 100 KiB body (it names a password) to mask it: 3000 are plenty to
     * see the heap settle. */
    enum { BODY = 100 * 1024, RECORDS = 3000 };
    static const char head[] = "<r><zapiPassword>pw</zapiPassword><note>";
    char *body = malloc(BODY);
    memcpy(body, head, sizeof(head) - 1);
    for (size_t i = sizeof(head) - 1; i < BODY; i++)
        body[i] = "lorem ipsum\n"[i % 12];
    struct journal *j = mk(JOURNAL_DEFAULT_SIZE, JOURNAL_DEFAULT_MAX_BODY, 4);
    struct journal_entry e = entry(0, "m", NULL);
    e.request = e.response = body;
    e.request_len = e.response_len = BODY;
    size_t before = 0;
    for (int i = 0; i < RECORDS; i++) {
        if (i == 2 * JOURNAL_DEFAULT_SIZE)
            before = heap_in_use(); /* the ring is full: the steady state */
        e.time = i;
        ck_assert_int_eq(journal_record(j, "tok", &e), 0);
    }
    size_t after = heap_in_use();
    ck_assert_msg(after <= before + 2 * JOURNAL_DEFAULT_MAX_BODY + 4096,
                  "heap grew from %zu to %zu", before, after);
    assert_stats(j, "tok", RECORDS, RECORDS - 1);
    json_t *a = items(j, "tok", JOURNAL_DEFAULT_SIZE);
    for (size_t i = 0; i < JOURNAL_DEFAULT_SIZE; i++) {
        json_t *o = json_array_get(a, i);
        ck_assert_uint_eq(json_string_length(json_object_get(o, "request")),
                          JOURNAL_DEFAULT_MAX_BODY);
        ck_assert_int_eq(bool_at(a, i, "requestTruncated"), 1);
        ck_assert_int_eq(int_at(a, i, "requestBytes"), BODY);
        ck_assert_int_eq(int_at(a, i, "responseBytes"), BODY);
    }
    json_decref(a);
    journal_free(j);
    free(body);
}
END_TEST

/* ---- threads ---- */

enum { NTHREADS = 4, RECORDS_PER_THREAD = 10000, NKEYS = 3 };
static const char *const thread_keys[NKEYS] = {"alpha", "beta", JOURNAL_ANONYMOUS};

struct worker {
    struct journal *j;
    pthread_barrier_t *start;
    int id;
};

static void *
record_many(void *arg)
{
    struct worker *w = arg;
    char method[32], req[64];
    pthread_barrier_wait(w->start);
    for (int i = 0; i < RECORDS_PER_THREAD; i++) {
        snprintf(method, sizeof(method), "t%d-%d", w->id, i);
        snprintf(req, sizeof(req), "<r><password>%d</password></r>", i);
        struct journal_entry e = entry(i, method, req);
        ck_assert_int_eq(journal_record(w->j, thread_keys[(i + w->id) % NKEYS], &e), 0);
    }
    return NULL;
}

static void
run_workers(struct journal *j, void *(*fn)(void *))
{
    pthread_t th[NTHREADS];
    struct worker w[NTHREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct worker){.j = j, .start = &start, .id = i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
}

START_TEST(test_threads_exact_totals)
{
    struct journal *j = mk(50, 256, 8);
    run_workers(j, record_many);
    unsigned long want[NKEYS] = {0}, sum = 0;
    for (int id = 0; id < NTHREADS; id++)
        for (int i = 0; i < RECORDS_PER_THREAD; i++)
            want[(i + id) % NKEYS]++;
    for (int k = 0; k < NKEYS; k++) {
        unsigned long total;
        ck_assert_int_eq(journal_stats(j, thread_keys[k], &total, NULL), 0);
        ck_assert_uint_eq(total, want[k]);
        sum += total;
        /* Each thread's own entries appear newest first. */
        json_t *a = items(j, thread_keys[k], 50);
        int last[NTHREADS];
        for (int t = 0; t < NTHREADS; t++)
            last[t] = RECORDS_PER_THREAD;
        for (size_t i = 0; i < 50; i++) {
            int id, n;
            ck_assert_int_eq(sscanf(str_at(a, i, "method"), "t%d-%d", &id, &n), 2);
            ck_assert_int_lt(n, last[id]);
            last[id] = n;
            ck_assert_ptr_null(strpbrk(str_at(a, i, "request"), "0123456789"));
        }
        json_decref(a);
    }
    ck_assert_uint_eq(sum, NTHREADS * RECORDS_PER_THREAD);
    journal_free(j);
}
END_TEST

/* Every entry point at once, for the thread sanitizer. */
static void *
mixed_calls(void *arg)
{
    struct worker *w = arg;
    char key[16];
    pthread_barrier_wait(w->start);
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "k%d", (i + w->id) % 12);
        struct journal_entry e = entry(i, "m", "{\"pin\": 1234}");
        journal_record(w->j, key, &e); /* may be refused: 12 keys, room for 8 */
        switch ((i + w->id) % 40) {
        case 0:
            json_decref(journal_json(w->j, key));
            break;
        case 10:
            json_decref(journal_keys_json(w->j));
            break;
        case 20:
            journal_stats(w->j, key, NULL, NULL);
            break;
        case 30:
            journal_clear(w->j, key);
            break;
        case 35:
            if (w->id == 0 && i % 400 == 35)
                journal_clear(w->j, NULL);
            break;
        }
    }
    return NULL;
}

START_TEST(test_threads_mixed)
{
    struct journal *j = mk(5, 64, 8);
    run_workers(j, mixed_calls);
    json_t *keys = journal_keys_json(j);
    ck_assert_uint_le(json_array_size(keys), 8);
    json_decref(keys);
    journal_free(j);
}
END_TEST

static Suite *
journal_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("ring");
    tcase_add_test(tc, test_ring_newest_first);
    tcase_add_test(tc, test_ring_grows_then_wraps);
    tcase_add_test(tc, test_per_client_one);
    tcase_add_test(tc, test_totals_past_capacity);
    tcase_add_test(tc, test_key_isolation);
    tcase_add_test(tc, test_anonymous_key);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_keys_sorted);
    suite_add_tcase(s, tc);

    tc = tcase_create("export");
    tcase_add_test(tc, test_entry_fields);
    tcase_add_test(tc, test_time_format);
    tcase_add_test(tc, test_long_peer_and_method_cut);
    tcase_add_test(tc, test_body_cut_flagged);
    tcase_add_test(tc, test_max_body_zero);
    tcase_add_test(tc, test_utf8_cut_mid_sequence);
    tcase_add_test(tc, test_invalid_utf8_and_nul);
    tcase_add_test(tc, test_cut_after_invalid_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("mask");
    tcase_add_test(tc, test_record_masks_before_cut);
    tcase_add_test(tc, test_masked_when_first_read);
    tcase_add_test(tc, test_render_is_the_json_and_follows_changes);
    suite_add_tcase(s, tc);

    tc = tcase_create("state");
    tcase_set_timeout(tc, 120); /* the memory test is slow under valgrind */
    tcase_add_test(tc, test_clear_one_key);
    tcase_add_test(tc, test_clear_all);
    tcase_add_test(tc, test_max_keys);
    tcase_add_test(tc, test_new_invalid);
    tcase_add_test(tc, test_many_keys);
    tcase_add_test(tc, test_memory_bounded);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60); /* slow under valgrind and the thread sanitizer */
    tcase_add_test(tc, test_threads_exact_totals);
    tcase_add_test(tc, test_threads_mixed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(journal_suite());
}
