/* Unit tests for http: bytes in, requests out. Every request is fed from a buffer, whole, split
 * byte by byte or pipelined; limits, malformed input, 100-continue, keep-alive and EOF. */
#include "http.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

/* ---- helpers ---- */

static struct http_in in;

static void
setup_limits(const struct http_limits *l)
{
    http_in_init(&in, l);
}

static void
setup_default(void)
{
    struct http_limits l = HTTP_LIMITS_DEFAULT;
    setup_limits(&l);
}

static void
teardown(void)
{
    http_in_free(&in);
}

static enum http_in_result
feed_str(const char *s, size_t *consumed)
{
    return http_in_feed(&in, s, strlen(s), consumed);
}

/* Feeds all of data, following consumed, until a result other than MORE or CONTINUE or the end
 * of the data. Returns the last result and the bytes used in *used. */
static enum http_in_result
feed_all(const char *data, size_t len, size_t *used)
{
    size_t off = 0;
    enum http_in_result r = HTTP_IN_MORE;
    while (off < len) {
        size_t n = 0;
        r = http_in_feed(&in, data + off, len - off, &n);
        ck_assert_uint_le(n, len - off);
        off += n;
        if (r == HTTP_IN_REQUEST || r == HTTP_IN_ERROR)
            break;
        if (r == HTTP_IN_MORE)
            ck_assert_uint_eq(off, len); /* MORE means all bytes were used */
    }
    if (used)
        *used = off;
    return r;
}

static void
assert_error(int status, const char *reason_part)
{
    ck_assert_int_eq(in.error_status, status);
    ck_assert_msg(strstr(in.error_reason, reason_part) != NULL, "reason \"%s\" lacks \"%s\"",
                  in.error_reason, reason_part);
    /* An error sticks: nothing more is parsed. */
    size_t n = 99;
    ck_assert_int_eq(http_in_feed(&in, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 18, &n), HTTP_IN_ERROR);
    ck_assert_uint_eq(n, 0);
}

/* Feeds a whole request that must fail with status. */
static void
assert_refused(const char *req, int status, const char *reason_part)
{
    size_t used;
    ck_assert_int_eq(feed_all(req, strlen(req), &used), HTTP_IN_ERROR);
    assert_error(status, reason_part);
}

static void
assert_buf(const struct buf *b, const char *want)
{
    ck_assert_str_eq(b->data ? b->data : "", want);
    ck_assert_uint_eq(b->len, strlen(want));
}

static const char simple_post[] = "POST /zapi/ HTTP/1.1\r\n"
                                  "Host: demo.zaui.net\r\n"
                                  "Content-Type: text/xml\r\n"
                                  "Content-Length: 11\r\n"
                                  "\r\n"
                                  "<request/>\n";

/* ---- basic requests ---- */

START_TEST(test_simple_post)
{
    ck_assert_int_eq(http_in_idle(&in), 1);
    size_t n = 0;
    ck_assert_int_eq(feed_str(simple_post, &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(n, strlen(simple_post));
    ck_assert_int_eq(in.req.method, HTTP_POST);
    assert_buf(&in.req.url, "/zapi/");
    assert_buf(&in.req.content_type, "text/xml");
    assert_buf(&in.req.accept, "");
    assert_buf(&in.req.authorization, "");
    assert_buf(&in.req.body, "<request/>\n");
    ck_assert_int_eq(in.req.keep_alive, 1);
    ck_assert_int_eq(in.req.expect_continue, 0);
    ck_assert_uint_eq(in.req.http_major, 1);
    ck_assert_uint_eq(in.req.http_minor, 1);
    ck_assert_int_eq(in.error_status, 0);
    ck_assert_int_eq(http_in_idle(&in), 0);
    /* Until http_in_next, the same request stays and nothing more is read. */
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(n, 0);
    assert_buf(&in.req.body, "<request/>\n");
    http_in_next(&in);
    ck_assert_int_eq(http_in_idle(&in), 1);
    assert_buf(&in.req.url, "");
    assert_buf(&in.req.body, "");
    assert_buf(&in.req.content_type, "");
    /* The connection goes on with the next request. */
    ck_assert_int_eq(feed_str("GET /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n", &n), HTTP_IN_REQUEST);
    ck_assert_int_eq(in.req.method, HTTP_GET);
    assert_buf(&in.req.url, "/x?y=1");
    assert_buf(&in.req.body, "");
}
END_TEST

START_TEST(test_byte_by_byte)
{
    size_t len = strlen(simple_post);
    for (size_t i = 0; i < len; i++) {
        size_t n = 0;
        enum http_in_result r = http_in_feed(&in, simple_post + i, 1, &n);
        ck_assert_uint_eq(n, 1);
        if (i + 1 < len) {
            ck_assert_msg(r == HTTP_IN_MORE, "byte %zu: result %d", i, r);
        } else {
            ck_assert_int_eq(r, HTTP_IN_REQUEST);
        }
    }
    assert_buf(&in.req.url, "/zapi/");
    assert_buf(&in.req.content_type, "text/xml");
    assert_buf(&in.req.body, "<request/>\n");
    ck_assert_int_eq(in.req.keep_alive, 1);
}
END_TEST

/* Any split point of the request gives the same result. */
START_TEST(test_every_split_point)
{
    size_t len = strlen(simple_post);
    for (size_t cut = 1; cut < len; cut++) {
        struct http_limits l = HTTP_LIMITS_DEFAULT;
        http_in_free(&in);
        http_in_init(&in, &l);
        size_t n = 0;
        ck_assert_int_eq(http_in_feed(&in, simple_post, cut, &n), HTTP_IN_MORE);
        ck_assert_uint_eq(n, cut);
        ck_assert_int_eq(http_in_feed(&in, simple_post + cut, len - cut, &n), HTTP_IN_REQUEST);
        ck_assert_uint_eq(n, len - cut);
        assert_buf(&in.req.body, "<request/>\n");
        assert_buf(&in.req.content_type, "text/xml");
        assert_buf(&in.req.url, "/zapi/");
    }
}
END_TEST

START_TEST(test_pipelined)
{
    const char *reqs[] = {
        "POST /zapi/ HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: "
        "2\r\n\r\n{}",
        "POST /one HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "GET /two HTTP/1.1\r\nHost: h\r\nAccept: text/xml\r\nConnection: close\r\n\r\n",
    };
    struct buf all = BUF_INIT;
    for (int i = 0; i < 3; i++)
        buf_append_str(&all, reqs[i]);
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        size_t n = 0;
        ck_assert_int_eq(http_in_feed(&in, all.data + off, all.len - off, &n), HTTP_IN_REQUEST);
        ck_assert_uint_eq(n, strlen(reqs[i])); /* exactly one request, no byte of the next */
        off += n;
        switch (i) {
        case 0:
            assert_buf(&in.req.url, "/zapi/");
            assert_buf(&in.req.content_type, "application/json");
            assert_buf(&in.req.body, "{}");
            ck_assert_int_eq(in.req.keep_alive, 1);
            break;
        case 1:
            assert_buf(&in.req.url, "/one");
            assert_buf(&in.req.content_type, ""); /* not carried over from request 0 */
            assert_buf(&in.req.body, "abc");
            ck_assert_int_eq(in.req.keep_alive, 1);
            break;
        case 2:
            ck_assert_int_eq(in.req.method, HTTP_GET);
            assert_buf(&in.req.url, "/two");
            assert_buf(&in.req.accept, "text/xml");
            assert_buf(&in.req.body, "");
            ck_assert_int_eq(in.req.keep_alive, 0);
            break;
        }
        http_in_next(&in);
    }
    ck_assert_uint_eq(off, all.len);
    ck_assert_int_eq(http_in_idle(&in), 1);
    ck_assert_int_eq(http_in_eof(&in), 0);
    buf_free(&all);
}
END_TEST

/* A pipelined request whose start arrives with the end of the previous one. */
START_TEST(test_pipelined_partial_next)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nxPOST /b "
                       "HTTP/1.1\r\nHost: h\r\nConte");
    size_t n;
    ck_assert_int_eq(http_in_feed(&in, b.data, b.len, &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.body, "x");
    size_t off = n;
    http_in_next(&in);
    ck_assert_int_eq(http_in_feed(&in, b.data + off, b.len - off, &n), HTTP_IN_MORE);
    ck_assert_uint_eq(n, b.len - off);
    ck_assert_int_eq(http_in_idle(&in), 0);
    ck_assert_int_eq(feed_str("nt-Length: 2\r\n\r\nyz", &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.url, "/b");
    assert_buf(&in.req.body, "yz");
    buf_free(&b);
}
END_TEST

START_TEST(test_chunked)
{
    const char *req = "POST /zapi/ HTTP/1.1\r\nHost: h\r\n"
                      "Transfer-Encoding: chunked\r\n"
                      "Content-Type: text/xml\r\n"
                      "\r\n"
                      "5\r\nhello\r\n"
                      "1;ext=1\r\n \r\n"
                      "A\r\n0123456789\r\n"
                      "0\r\n"
                      "X-Trailer: t\r\n"
                      "\r\n";
    size_t n;
    ck_assert_int_eq(feed_all(req, strlen(req), &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(n, strlen(req));
    assert_buf(&in.req.body, "hello 0123456789");
    assert_buf(&in.req.content_type, "text/xml");
    ck_assert_int_eq(in.req.keep_alive, 1);

    /* The same byte by byte. */
    http_in_next(&in);
    for (size_t i = 0; i < strlen(req); i++) {
        enum http_in_result r = http_in_feed(&in, req + i, 1, &n);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(r, i + 1 < strlen(req) ? HTTP_IN_MORE : HTTP_IN_REQUEST);
    }
    assert_buf(&in.req.body, "hello 0123456789");
}
END_TEST

START_TEST(test_large_body_memory_released)
{
    struct buf req = BUF_INIT;
    size_t body = 100 * 1024;
    buf_printf(&req, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n", body);
    for (size_t i = 0; i < body; i++)
        buf_append(&req, "a", 1);
    size_t n;
    ck_assert_int_eq(feed_all(req.data, req.len, &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(in.req.body.len, body);
    http_in_next(&in);
    ck_assert_uint_eq(in.req.body.len, 0);
    ck_assert_uint_le(in.req.body.cap, 64 * 1024); /* not kept for the connection's life */
    buf_free(&req);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_content_length_over_limit)
{
    struct http_limits l = {100, 8192, 32 * 1024, 100};
    http_in_free(&in);
    setup_limits(&l);
    /* Only the headers: the refusal comes before any byte of the body. */
    const char *head = "POST /zapi/ HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n";
    size_t n;
    ck_assert_int_eq(feed_str(head, &n), HTTP_IN_ERROR);
    assert_error(413, "request body too large");

    /* Exactly the limit is fine. */
    http_in_free(&in);
    setup_limits(&l);
    struct buf req = BUF_INIT;
    buf_append_str(&req, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n");
    for (int i = 0; i < 100; i++)
        buf_append(&req, "b", 1);
    ck_assert_int_eq(feed_all(req.data, req.len, &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(in.req.body.len, 100);
    buf_free(&req);

    /* A huge length is refused the same way; one that overflows 64 bits is malformed. */
    http_in_free(&in);
    setup_limits(&l);
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999\r\n\r\n", 413,
                   "too large");
    http_in_free(&in);
    setup_limits(&l);
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 184467440737095516150\r\n\r\n",
                   400, "content-length");
}
END_TEST

START_TEST(test_chunked_over_limit)
{
    struct http_limits l = {10, 8192, 32 * 1024, 100};
    http_in_free(&in);
    setup_limits(&l);
    size_t n;
    ck_assert_int_eq(feed_str("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "6\r\nabcdef\r\n",
                              &n),
                     HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("5\r\nghijk\r\n", &n), HTTP_IN_ERROR);
    assert_error(413, "request body too large");

    /* Chunks adding up to exactly the limit are fine. */
    http_in_free(&in);
    setup_limits(&l);
    const char *ok = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n";
    ck_assert_int_eq(feed_all(ok, strlen(ok), &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.body, "abcdefghij");

    /* One huge chunk announced: refused as its bytes come, never buffered past the limit. */
    http_in_free(&in);
    setup_limits(&l);
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "100000\r\n0123456789abcdef",
                   413, "too large");
    ck_assert_uint_le(in.req.body.len, 10);
}
END_TEST

START_TEST(test_url_limit)
{
    struct http_limits l = {1024, 16, 32 * 1024, 100};
    http_in_free(&in);
    setup_limits(&l);
    size_t n;
    /* 16 bytes is the limit: fine. */
    ck_assert_int_eq(feed_str("GET /23456789abcdefg HTTP/1.1\r\nHost: h\r\n\r\n", &n),
                     HTTP_IN_REQUEST);
    assert_buf(&in.req.url, "/23456789abcdefg");
    http_in_next(&in);
    /* Even when the target arrives in pieces, 17 bytes is over. */
    ck_assert_int_eq(feed_str("GET /23456789", &n), HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("abcdefgh HTTP/1.1\r\nHost: h\r\n\r\n", &n), HTTP_IN_ERROR);
    assert_error(414, "request target too long");

    http_in_free(&in);
    setup_default();
    struct buf req = BUF_INIT;
    buf_append_str(&req, "GET /");
    for (int i = 0; i < 9000; i++)
        buf_append(&req, "x", 1);
    buf_append_str(&req, " HTTP/1.1\r\nHost: h\r\n\r\n");
    ck_assert_int_eq(feed_all(req.data, req.len, &n), HTTP_IN_ERROR);
    assert_error(414, "too long");
    ck_assert_uint_le(in.req.url.len, 8192);
    buf_free(&req);
}
END_TEST

START_TEST(test_header_count_limit)
{
    struct http_limits l = {1024, 8192, 32 * 1024, 4};
    http_in_free(&in);
    setup_limits(&l);
    size_t n;
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &n),
                     HTTP_IN_REQUEST);
    http_in_next(&in); /* the count starts again for each request */
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &n),
                     HTTP_IN_REQUEST);
    http_in_next(&in);
    assert_refused("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431,
                   "too many request headers");

    /* A header name split across feeds counts once. */
    http_in_free(&in);
    setup_limits(&l);
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\nAa", &n), HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("aa: 1\r\nBb", &n), HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("bb: 2\r\nC: 3\r\n\r\n", &n), HTTP_IN_REQUEST);
}
END_TEST

START_TEST(test_header_bytes_limit)
{
    struct http_limits l = {1024, 8192, 25, 100};
    http_in_free(&in);
    setup_limits(&l);
    size_t n;
    /* Names and values: "Host" + "h" + "Name" + "0123456789abcdef" = 25 bytes. */
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\nName: 0123456789abcdef\r\n\r\n", &n),
                     HTTP_IN_REQUEST);
    http_in_next(&in);
    assert_refused("GET / HTTP/1.1\r\nHost: h\r\nName: 0123456789abcdefg\r\n\r\n", 431,
                   "request headers too large");

    http_in_free(&in);
    setup_limits(&l);
    assert_refused("GET / HTTP/1.1\r\nHost: h\r\nA: 1234567890\r\nB: 123456789\r\n\r\n", 431,
                   "too large");

    /* With a generous limit, http_parser's own header cap still answers 431. */
    struct http_limits big = {1024, 8192, 1024 * 1024, 100000};
    http_in_free(&in);
    setup_limits(&big);
    struct buf req = BUF_INIT;
    buf_append_str(&req, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
    for (int i = 0; i < 100 * 1024; i++)
        buf_append(&req, "v", 1);
    buf_append_str(&req, "\r\n\r\n");
    ck_assert_int_eq(feed_all(req.data, req.len, &n), HTTP_IN_ERROR);
    ck_assert_int_eq(in.error_status, 431);
    buf_free(&req);
}
END_TEST

/* ---- malformed ---- */

START_TEST(test_garbage)
{
    /* Bytes that cannot start any request line (binary, as a TLS ClientHello sent to a
     * plain-HTTP port would be) are a malformed request line: 400 (RFC 9112 section 3), not the
     * 501 http_parser's "invalid method" would give. */
    assert_refused("\x01\x02garbage\r\n\r\n", 400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("hello there\r\n\r\n", 400, "malformed request");
}
END_TEST

START_TEST(test_garbage_without_newline)
{
    /* Regression (fixed): the request-line check runs once a line feed has arrived, but http_parser
     * fails on the first byte that cannot start a method, so binary bytes with no line feed yet
     * (the start of a TLS ClientHello sent to a --no-tls port: 0x16 0x03 0x01...) are still
     * answered 501 "malformed request: invalid HTTP method". Expected: 400, as for the same
     * garbage followed by a line feed (test_garbage). */
    static const char hello[] = {0x16, 0x03, 0x01,       0x00, (char)0xc8, 0x01,
                                 0x00, 0x00, (char)0xc4, 0x03, 0x03};
    size_t n;
    ck_assert_int_eq(feed_all(hello, sizeof(hello), &n), HTTP_IN_ERROR);
    assert_error(400, "malformed request");
}
END_TEST

START_TEST(test_garbage_variants)
{
    assert_refused("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("GET / FOO/1.1\r\n\r\n", 400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400,
                   "content-length");
    http_in_free(&in);
    setup_default();
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                   400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\n\r\n", 400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                   "chunk size");
    http_in_free(&in);
    setup_default();
    assert_refused("GET / HTTP/x.1\r\n\r\n", 400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("GET / HTTP/1\r\n\r\n", 400, "malformed request");
    http_in_free(&in);
    setup_default();
    assert_refused("GET /\r\n\r\n", 400, "malformed request"); /* HTTP/0.9 style */
    /* A method http_parser does not know. */
    http_in_free(&in);
    setup_default();
    assert_refused("BREW / HTTP/1.1\r\nHost: h\r\n\r\n", 501, "invalid HTTP method");
    /* Upgrades and CONNECT are not for this server. */
    http_in_free(&in);
    setup_default();
    assert_refused("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
                   501, "protocol upgrade is not supported");
    http_in_free(&in);
    setup_default();
    assert_refused("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n", 501, "not supported");
}
END_TEST

START_TEST(test_garbage_after_good_request)
{
    const char *two = "GET / HTTP/1.1\r\nHost: h\r\n\r\n\x01\x02\x03";
    size_t n;
    ck_assert_int_eq(http_in_feed(&in, two, strlen(two), &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(n, 27);
    http_in_next(&in);
    ck_assert_int_eq(http_in_feed(&in, two + n, strlen(two) - n, &n), HTTP_IN_ERROR);
    ck_assert_int_ge(in.error_status, 400);
}
END_TEST

START_TEST(test_lenient_request_line)
{
    /* http_parser as built by Debian is not strict (HTTP_PARSER_STRICT=0): on its own it takes
     * "HTTX" for "HTTP". The request line is checked on top of it. */
    assert_refused("POST /zapi/ HTTX/1.1\r\nHost: localhost\r\n\r\n", 400, "malformed request");
    /* The same cut anywhere across feeds. */
    const char *req = "POST /zapi/ HTTX/1.1\r\nHost: localhost\r\n\r\n";
    for (size_t cut = 1; cut < strlen(req); cut += 3) {
        http_in_free(&in);
        setup_default();
        size_t n;
        enum http_in_result r = http_in_feed(&in, req, cut, &n);
        if (r != HTTP_IN_ERROR)
            r = feed_all(req + n, strlen(req) - n, &n);
        ck_assert_int_eq(r, HTTP_IN_ERROR);
        ck_assert_int_eq(in.error_status, 400);
    }
    /* Empty lines before a request are allowed (RFC 9112 section 2.2). */
    http_in_free(&in);
    setup_default();
    size_t n;
    ck_assert_int_eq(feed_all("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 33, &n),
                     HTTP_IN_REQUEST);
    assert_buf(&in.req.url, "/");
}
END_TEST

START_TEST(test_lenient_header_name)
{
    /* A field name is a token (RFC 9110 section 5.1); the non-strict http_parser would take a
     * space in it, and "Content-Length : 3" is request smuggling material. */
    assert_refused("POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nBad Header: 1\r\n"
                   "Content-Length: 0\r\n\r\n",
                   400, "header name");
    http_in_free(&in);
    setup_default();
    assert_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc", 400, "header");
    http_in_free(&in);
    setup_default();
    assert_refused("GET / HTTP/1.1\r\nHost: h\r\nX(y): 1\r\n\r\n", 400, "header");
    /* Every token character is fine. */
    http_in_free(&in);
    setup_default();
    size_t n;
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\nX-a!#$%&'*+.^_`|~9: v\r\n\r\n", &n),
                     HTTP_IN_REQUEST);
}
END_TEST

START_TEST(test_unsupported_major_version)
{
    /* Regression (fixed): any 1-3 digit version is accepted, so "HTTP/2.0" and "HTTP/3.1" requests
     * are answered as HTTP/1.x. Expected 505 HTTP Version Not Supported (the status the parser
     * error mapping already uses for bad versions). HTTP/1.0 and 1.1 stay fine. */
    assert_refused("GET / HTTP/2.0\r\n\r\n", 505, "version");
    http_in_free(&in);
    setup_default();
    assert_refused("GET / HTTP/3.1\r\n\r\n", 505, "version");
}
END_TEST

START_TEST(test_zero_length_feed)
{
    size_t n = 99;
    /* At idle: nothing happens. */
    ck_assert_int_eq(http_in_feed(&in, "", 0, &n), HTTP_IN_MORE);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(in.error_status, 0);
    ck_assert_int_eq(feed_str("POST / HTTP/1.1\r\nHost: h\r\n", &n), HTTP_IN_MORE);
    /* Regression (fixed): in the middle of a request, feeding 0 bytes is taken by http_parser as
     * the end of the stream: HTTP_IN_ERROR 400 "stream ended at an unexpected time", with *consumed
     * set to 1 although len was 0. Expected: HTTP_IN_MORE, consumed 0 (the end of the stream is
     * what http_in_eof is for). */
    n = 99;
    enum http_in_result r = http_in_feed(&in, "", 0, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(r, HTTP_IN_MORE);
    ck_assert_int_eq(in.error_status, 0);
    ck_assert_int_eq(feed_str("Content-Length: 0\r\n\r\n", &n), HTTP_IN_REQUEST);
}
END_TEST

/* ---- 100-continue ---- */

START_TEST(test_expect_continue)
{
    const char *head =
        "POST /zapi/ HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
    size_t n;
    ck_assert_int_eq(feed_str(head, &n), HTTP_IN_CONTINUE);
    ck_assert_int_eq(in.req.expect_continue, 1);
    /* Every header byte is consumed: the caller answers 100 Continue with nothing left over. */
    ck_assert_uint_eq(n, strlen(head));
    ck_assert_int_eq(http_in_idle(&in), 0);
}
END_TEST

START_TEST(test_expect_continue_then_body)
{
    const char *head =
        "POST /zapi/ HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
    size_t n;
    size_t len = strlen(head);
    ck_assert_int_eq(http_in_feed(&in, head, len, &n), HTTP_IN_CONTINUE);
    ck_assert_uint_eq(n, len);
    ck_assert_int_eq(http_in_idle(&in), 0);
    /* Once: the body's bytes bring no second CONTINUE. */
    ck_assert_int_eq(http_in_feed(&in, "hel", 3, &n), HTTP_IN_MORE);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(http_in_feed(&in, "lo", 2, &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.body, "hello");
    ck_assert_int_eq(in.req.expect_continue, 1);
    http_in_next(&in);
    ck_assert_int_eq(in.req.expect_continue, 0);

    /* The next request on the connection gets its own CONTINUE. */
    ck_assert_int_eq(http_in_feed(&in, head, len, &n), HTTP_IN_CONTINUE);
    ck_assert_int_eq(feed_str("world", &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.body, "world");
    http_in_next(&in);

    /* A client that does not wait: head and body in one buffer give the request, with no
     * CONTINUE to answer after the fact. */
    struct buf all = BUF_INIT;
    buf_append_str(&all, head);
    buf_append_str(&all, "again");
    ck_assert_int_eq(http_in_feed(&in, all.data, all.len, &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(n, all.len);
    assert_buf(&in.req.body, "again");
    http_in_next(&in);
    /* Head and part of the body: no CONTINUE either, the body has started. */
    buf_clear(&all);
    buf_append_str(&all, head);
    buf_append_str(&all, "ag");
    ck_assert_int_eq(http_in_feed(&in, all.data, all.len, &n), HTTP_IN_MORE);
    ck_assert_uint_eq(n, all.len);
    ck_assert_int_eq(feed_str("ain", &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.body, "again");
    buf_free(&all);

    /* Byte by byte: exactly one CONTINUE, right after the last header byte. */
    http_in_next(&in);
    int continues = 0;
    for (size_t i = 0; i < len; i++) {
        enum http_in_result r = http_in_feed(&in, head + i, 1, &n);
        ck_assert_uint_eq(n, 1);
        if (r == HTTP_IN_CONTINUE) {
            continues++;
            ck_assert_uint_eq(i, len - 1);
        } else {
            ck_assert_int_eq(r, HTTP_IN_MORE);
        }
    }
    ck_assert_int_eq(continues, 1);
    ck_assert_int_eq(feed_str("12345", &n), HTTP_IN_REQUEST);
}
END_TEST

START_TEST(test_expect_other_values)
{
    size_t n;
    /* HTTP/1.0 clients get no 100 Continue. */
    const char *r10 = "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab";
    ck_assert_int_eq(feed_all(r10, strlen(r10), &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.body, "ab");
    http_in_next(&in);
    /* Case-insensitive name and value. */
    ck_assert_int_eq(
        feed_str("POST / HTTP/1.1\r\nHost: h\r\nEXPECT: 100-Continue\r\nContent-Length: 1\r\n\r\n",
                 &n),
        HTTP_IN_CONTINUE);
    http_in_free(&in);
    setup_default();
    /* Another expectation is not a 100-continue. */
    const char *other =
        "POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\nContent-Length: 1\r\n\r\nz";
    ck_assert_int_eq(feed_all(other, strlen(other), &n), HTTP_IN_REQUEST);
    ck_assert_int_eq(in.req.expect_continue, 0);
}
END_TEST

/* ---- keep-alive ---- */

static int
keep_alive_of(const char *req)
{
    size_t n;
    http_in_free(&in);
    setup_default();
    ck_assert_int_eq(feed_all(req, strlen(req), &n), HTTP_IN_REQUEST);
    return in.req.keep_alive;
}

START_TEST(test_keep_alive)
{
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 1);
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"),
                     1);
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), 0);
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.1\r\nHost: h\r\nconnection: CLOSE\r\n\r\n"), 0);
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.0\r\n\r\n"), 0);
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 1);
    ck_assert_int_eq(keep_alive_of("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 1);
    ck_assert_int_eq(keep_alive_of("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"), 0);
    ck_assert_uint_eq(in.req.http_major, 1);
    ck_assert_uint_eq(in.req.http_minor, 0);
}
END_TEST

/* ---- EOF and idle ---- */

START_TEST(test_eof)
{
    ck_assert_int_eq(http_in_eof(&in), 0); /* idle: a clean close */
    ck_assert_int_eq(in.error_status, 0);

    size_t n;
    ck_assert_int_eq(feed_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", &n),
                     HTTP_IN_MORE);
    ck_assert_int_eq(http_in_idle(&in), 0);
    ck_assert_int_eq(http_in_eof(&in), -1);
    ck_assert_int_eq(in.error_status, 400);
    ck_assert_ptr_nonnull(strstr(in.error_reason, "connection closed in the middle of a request"));

    /* In the headers. */
    http_in_free(&in);
    setup_default();
    ck_assert_int_eq(feed_str("POST / HTTP/1.1\r\nHost: x", &n), HTTP_IN_MORE);
    ck_assert_int_eq(http_in_eof(&in), -1);
    ck_assert_int_eq(in.error_status, 400);

    /* After a request and http_in_next: idle again. */
    http_in_free(&in);
    setup_default();
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &n), HTTP_IN_REQUEST);
    http_in_next(&in);
    ck_assert_int_eq(http_in_idle(&in), 1);
    ck_assert_int_eq(http_in_eof(&in), 0);
}
END_TEST

START_TEST(test_eof_in_method)
{
    size_t n;
    ck_assert_int_eq(feed_str("PO", &n), HTTP_IN_MORE);
    ck_assert_uint_eq(n, 2);
    /* A request cut inside its method is not idle: EOF here is an error, and the connection
     * runs on the request timer. */
    ck_assert_int_eq(http_in_idle(&in), 0);
    ck_assert_int_eq(http_in_eof(&in), -1);
    ck_assert_int_eq(in.error_status, 400);
}
END_TEST

/* ---- headers ---- */

START_TEST(test_headers_case_insensitive)
{
    const char *req = "POST /zapi/ HTTP/1.1\r\nHost: h\r\n"
                      "CONTENT-TYPE: application/json; charset=utf-8\r\n"
                      "accept: application/xml\r\n"
                      "AuThOrIzAtIoN: Bearer abc def\r\n"
                      "X-Other: ignored\r\n"
                      "content-length: 2\r\n"
                      "\r\n{}";
    size_t n;
    ck_assert_int_eq(feed_all(req, strlen(req), &n), HTTP_IN_REQUEST);
    assert_buf(&in.req.content_type, "application/json; charset=utf-8");
    assert_buf(&in.req.accept, "application/xml");
    assert_buf(&in.req.authorization, "Bearer abc def");
    assert_buf(&in.req.body, "{}");
}
END_TEST

START_TEST(test_headers_split_and_repeated)
{
    size_t n;
    ck_assert_int_eq(feed_str("POST / HTTP/1.1\r\nHost: h\r\nCont", &n), HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("ent-Type: text/", &n), HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("xml\r\nAccept: a\r\nAccept: b\r\n", &n), HTTP_IN_MORE);
    ck_assert_int_eq(feed_str("Content-Typ: nope\r\nContent-Types: nope\r\n\r\n", &n),
                     HTTP_IN_REQUEST);
    assert_buf(&in.req.content_type, "text/xml"); /* near-miss names are not it */
    assert_buf(&in.req.accept, "b");              /* the last one wins */
    http_in_next(&in);
    /* An empty value. */
    ck_assert_int_eq(feed_str("GET / HTTP/1.1\r\nHost: h\r\nAccept:\r\nContent-Type: \r\n\r\n", &n),
                     HTTP_IN_REQUEST);
    assert_buf(&in.req.accept, "");
    assert_buf(&in.req.content_type, "");
}
END_TEST

START_TEST(test_header_values_trimmed)
{
    /* Regression (fixed): http_parser drops the whitespace before a field value but not after it,
     * and commit_header compares and stores the raw value: "Expect: 100-continue " (trailing space)
     * gets no 100 Continue, so the client waits out its timeout, and Content-Type keeps
     * "text/xml  \t". A field value excludes leading and trailing whitespace (RFC 9110
     * section 5.5). Expected: values trimmed. */
    const char *req = "POST / HTTP/1.1\r\nHost: h\r\nContent-Type:   text/xml  \t\r\n"
                      "Accept: application/json \r\nExpect: 100-continue \r\n"
                      "Content-Length: 1\r\n\r\n";
    size_t n;
    enum http_in_result r = feed_str(req, &n);
    ck_assert_int_eq(in.req.expect_continue, 1);
    ck_assert_int_eq(r, HTTP_IN_CONTINUE);
    assert_buf(&in.req.content_type, "text/xml");
    assert_buf(&in.req.accept, "application/json");
}
END_TEST

/* ---- helpers of the module ---- */

static void
assert_path(const char *url, const char *want)
{
    struct buf out = BUF_INIT;
    buf_append_str(&out, "stale");
    http_url_path(url, strlen(url), &out);
    ck_assert_str_eq(out.data, want);
    buf_free(&out);
}

START_TEST(test_url_path)
{
    assert_path("/zapi/", "/zapi/");
    assert_path("/zapi/?token=1&x=2", "/zapi/");
    assert_path("/zapi#frag", "/zapi");
    assert_path("/zapi/?a=1#frag", "/zapi/");
    assert_path("/zapi/#frag?notquery", "/zapi/");
    assert_path("?only=query", "");
    assert_path("", "");
    assert_path("*", "*");
    /* Absolute form, as sent to proxies (RFC 9112 3.2.2): the path it names. */
    assert_path("http://host:1/p?q", "/p");
    assert_path("https://127.0.0.1:8443/zapi/", "/zapi/");
    assert_path("HTTPS://[::1]:8443/__admin/health?x#y", "/__admin/health");
    assert_path("http://host", "/");
    assert_path("http://host?q=1", "/");
    assert_path("ftp://host/p", "ftp://host/p");
    assert_path("/http://host/p", "/http://host/p");
    /* Only len bytes. */
    struct buf out = BUF_INIT;
    http_url_path("/abc?d", 2, &out);
    ck_assert_str_eq(out.data, "/a");
    buf_free(&out);
}
END_TEST

/* ---- framing a proxy in front could read differently (issue 12) ---- */

/* Feeds req whole, then byte by byte, expecting the same refusal both ways. */
static void
assert_refused_split(const char *req, int status, const char *reason_part)
{
    http_in_free(&in);
    setup_default();
    assert_refused(req, status, reason_part);
    http_in_free(&in);
    setup_default();
    enum http_in_result r = HTTP_IN_MORE;
    for (size_t i = 0; req[i] && r != HTTP_IN_ERROR; i++) {
        size_t n;
        r = http_in_feed(&in, req + i, 1, &n);
    }
    ck_assert_int_eq(r, HTTP_IN_ERROR);
    assert_error(status, reason_part);
}

static void
assert_served(const char *req, const char *body)
{
    http_in_free(&in);
    setup_default();
    size_t n;
    ck_assert_int_eq(feed_all(req, strlen(req), &n), HTTP_IN_REQUEST);
    ck_assert_uint_eq(n, strlen(req));
    assert_buf(&in.req.body, body);
}

START_TEST(test_host_header)
{
    assert_refused_split("POST /zapi/ HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400,
                         "without a Host header");
    assert_refused_split("POST /zapi/ HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n",
                         400, "more than one Host header");
    assert_refused_split("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", 400,
                         "more than one Host header");
    /* HTTP/1.0 predates Host. */
    assert_served("POST /zapi/ HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", "hi");
    /* A Host in the trailer is no second Host header. */
    assert_served("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "2\r\nhi\r\n0\r\nHost: b\r\n\r\n",
                  "hi");
}
END_TEST

START_TEST(test_transfer_codings)
{
    assert_refused_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                         "2\r\nhi\r\n0\r\n\r\n",
                         501, "transfer coding \"gzip\" is not implemented");
    assert_refused_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
                         501, "\"gzip\"");
    assert_refused_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\nxx", 501,
                         "\"gzip\" is not implemented");
    assert_refused_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxx",
                         501, "\"gzip\" is not implemented");
    assert_refused_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
                         400, "chunked more than once");
    assert_refused_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
                         "2\r\nhi\r\n0\r\n\r\n",
                         400, "chunked more than once");
    /* Case and blanks do not matter. */
    assert_served("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:  Chunked \r\n\r\n"
                  "2\r\nhi\r\n0\r\n\r\n",
                  "hi");
}
END_TEST

START_TEST(test_http10_transfer_encoding_closes)
{
    assert_served("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "2\r\nhi\r\n0\r\n\r\n",
                  "hi");
    ck_assert_int_eq(in.req.keep_alive, 0);
    /* Without it, HTTP/1.0 keep-alive stays. */
    assert_served("POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", "hi");
    ck_assert_int_eq(in.req.keep_alive, 1);
}
END_TEST

START_TEST(test_chunk_framing_strict)
{
    const char *head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    struct {
        const char *chunks;
        const char *reason;
    } bad[] = {
        /* A bare LF ends the size line for a strict reader: "b" would then be data. */
        {"5;a\nb\r\nhello\r\n0\r\n\r\n", "chunk extension"},
        {"5;a\x01\r\nhello\r\n0\r\n\r\n", "chunk extension"},
        {"5\rXhello\r\n0\r\n\r\n", "not ended by CRLF"},
        {"5\nhello\r\n0\r\n\r\n", "malformed chunk size"},
        {"5\r\nhello\rX0\r\n\r\n", "not followed by CRLF"},
        {"5\r\nhello\r\n0\r\nX-T: 1\nY: 2\r\n\r\n", "bare LF"},
        {"5\r\nhello\r\n0\r\n\n", "bare LF"},
        {"5\r\nhello\r\n0\r\n\rX", "not ended by CRLF"},
        {"00000000000000005\r\nhello\r\n0\r\n\r\n", "too many digits"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf req = BUF_INIT;
        buf_printf(&req, "%s%s", head, bad[i].chunks);
        assert_refused_split(req.data, 400, bad[i].reason);
        buf_free(&req);
    }
    /* Extensions, quoted values, trailers and 16-digit sizes are fine. */
    struct buf ok = BUF_INIT;
    buf_printf(&ok,
               "%s5 ; a=1;b=\"x y\"\r\nhello\r\n0000000000000002\r\nhi\r\n0;z\r\nX-T: 1\r\n\r\n",
               head);
    assert_served(ok.data, "hellohi");
    buf_free(&ok);
}
END_TEST

START_TEST(test_status_text)
{
    struct {
        int code;
        const char *text;
    } cases[] = {
        {100, "Continue"},
        {200, "OK"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {413, "Payload Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_str_eq(http_status_text(cases[i].code), cases[i].text);
    ck_assert_str_eq(http_status_text(299), "Unknown");
    ck_assert_str_eq(http_status_text(0), "Unknown");
    ck_assert_str_eq(http_status_text(-1), "Unknown");
}
END_TEST

static Suite *
http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("requests");
    tcase_add_checked_fixture(tc, setup_default, teardown);
    tcase_add_test(tc, test_simple_post);
    tcase_add_test(tc, test_byte_by_byte);
    tcase_add_test(tc, test_every_split_point);
    tcase_add_test(tc, test_pipelined);
    tcase_add_test(tc, test_pipelined_partial_next);
    tcase_add_test(tc, test_chunked);
    tcase_add_test(tc, test_large_body_memory_released);
    tcase_add_test(tc, test_headers_case_insensitive);
    tcase_add_test(tc, test_headers_split_and_repeated);
    tcase_add_test(tc, test_keep_alive);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup_default, teardown);
    tcase_add_test(tc, test_content_length_over_limit);
    tcase_add_test(tc, test_chunked_over_limit);
    tcase_add_test(tc, test_url_limit);
    tcase_add_test(tc, test_header_count_limit);
    tcase_add_test(tc, test_header_bytes_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_checked_fixture(tc, setup_default, teardown);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_garbage_variants);
    tcase_add_test(tc, test_lenient_request_line);
    tcase_add_test(tc, test_lenient_header_name);
    tcase_add_test(tc, test_garbage_after_good_request);
    suite_add_tcase(s, tc);

    tc = tcase_create("continue");
    tcase_add_checked_fixture(tc, setup_default, teardown);
    tcase_add_test(tc, test_expect_continue);
    tcase_add_test(tc, test_expect_continue_then_body);
    tcase_add_test(tc, test_expect_other_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("eof");
    tcase_add_checked_fixture(tc, setup_default, teardown);
    tcase_add_test(tc, test_eof);
    tcase_add_test(tc, test_eof_in_method);
    suite_add_tcase(s, tc);

    tc = tcase_create("framing");
    tcase_add_test(tc, test_host_header);
    tcase_add_test(tc, test_transfer_codings);
    tcase_add_test(tc, test_http10_transfer_encoding_closes);
    tcase_add_test(tc, test_chunk_framing_strict);
    suite_add_tcase(s, tc);

    tc = tcase_create("helpers");
    tcase_add_test(tc, test_url_path);
    tcase_add_test(tc, test_status_text);
    suite_add_tcase(s, tc);

    /* Regressions: behaviour the server got wrong until these tests found it. */
    tc = tcase_create("regressions");
    tcase_set_tags(tc, "regression");
    tcase_add_checked_fixture(tc, setup_default, teardown);
    tcase_add_test(tc, test_garbage_without_newline);
    tcase_add_test(tc, test_header_values_trimmed);
    tcase_add_test(tc, test_unsupported_major_version);
    tcase_add_test(tc, test_zero_length_feed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(http_suite());
}
