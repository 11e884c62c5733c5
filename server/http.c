#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
fail(struct http_in *in, int status, const char *reason)
{
    if (!in->error_status) {
        in->error_status = status;
        snprintf(in->error_reason, sizeof(in->error_reason), "%s", reason);
    }
    return -1;
}

static int
on_message_begin(http_parser *p)
{
    struct http_in *in = p->data;
    in->headers_done = 0;
    in->complete = 0;
    return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
    struct http_in *in = p->data;
    if (in->req.url.len + len > in->limits.max_url)
        return fail(in, 414, "request target too long");
    return buf_append(&in->req.url, at, len) < 0 ? fail(in, 500, "out of memory") : 0;
}

static int
value_is(const struct buf *b, const char *s)
{
    return b->len == strlen(s) && strncasecmp(b->data, s, b->len) == 0;
}

/* Keeps the few headers the server acts on; others are counted and dropped. */
static void
trim_value(struct buf *v)
{
    while (v->len && (v->data[v->len - 1] == ' ' || v->data[v->len - 1] == '\t'))
        v->data[--v->len] = '\0';
    size_t lead = 0;
    while (lead < v->len && (v->data[lead] == ' ' || v->data[lead] == '\t'))
        lead++;
    buf_consume(v, lead);
}

static int
commit_header(struct http_in *in)
{
    struct buf *dst = NULL;
    trim_value(&in->value);
    if (value_is(&in->field, "content-type"))
        dst = &in->req.content_type;
    else if (value_is(&in->field, "accept"))
        dst = &in->req.accept;
    else if (value_is(&in->field, "authorization"))
        dst = &in->req.authorization;
    else if (value_is(&in->field, "expect"))
        in->req.expect_continue = value_is(&in->value, "100-continue");
    if (dst) {
        buf_clear(dst);
        if (buf_append(dst, in->value.data ? in->value.data : "", in->value.len) < 0)
            return fail(in, 500, "out of memory");
    }
    buf_clear(&in->field);
    buf_clear(&in->value);
    in->in_value = 0;
    return 0;
}

static int
count_header_bytes(struct http_in *in, size_t len)
{
    in->header_bytes += len;
    if (in->header_bytes > in->limits.max_header_bytes)
        return fail(in, 431, "request headers too large");
    return 0;
}

/* RFC 9110 token characters. Debian builds http_parser without strict checks, which would let
 * "Content-Length : 3" or "Bad Header: 1" through: request smuggling material. */
static int
is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
    struct http_in *in = p->data;
    for (size_t i = 0; i < len; i++)
        if (!is_tchar((unsigned char)at[i]))
            return fail(in, 400, "invalid character in a header name");
    if (in->in_value && commit_header(in) < 0)
        return -1;
    if (in->field.len == 0 && ++in->header_count > in->limits.max_headers)
        return fail(in, 431, "too many request headers");
    if (count_header_bytes(in, len) < 0)
        return -1;
    return buf_append(&in->field, at, len) < 0 ? fail(in, 500, "out of memory") : 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
    struct http_in *in = p->data;
    in->in_value = 1;
    if (count_header_bytes(in, len) < 0)
        return -1;
    return buf_append(&in->value, at, len) < 0 ? fail(in, 500, "out of memory") : 0;
}

static int
on_headers_complete(http_parser *p)
{
    struct http_in *in = p->data;
    if (in->in_value && commit_header(in) < 0)
        return -1;
    in->req.method = (enum http_method)p->method;
    in->req.http_major = p->http_major;
    in->req.http_minor = p->http_minor;
    in->headers_done = 1;
    /* Refuse an announced oversized body before reading it. */
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > in->limits.max_body)
        return fail(in, 413, "request body too large");
    if (p->upgrade)
        return fail(in, 501, "protocol upgrade is not supported");
    if (in->req.expect_continue && p->http_major == 1 && p->http_minor >= 1)
        in->continue_pending = 1;
    return 0;
}

static int check_chunk_end(struct http_in *in, const char *after);

static int
on_body(http_parser *p, const char *at, size_t len)
{
    struct http_in *in = p->data;
    if (in->req.body.len + len > in->limits.max_body)
        return fail(in, 413, "request body too large");
    if (p->flags & F_CHUNKED) {
        in->chunk_left = in->chunk_left > len ? in->chunk_left - len : 0;
        if (in->chunk_left == 0 && check_chunk_end(in, at + len) < 0)
            return -1;
    }
    return buf_append(&in->req.body, at, len) < 0 ? fail(in, 500, "out of memory") : 0;
}

/* The lenient parser takes any byte after a chunk's data for its CRLF, so "3\r\nabcdef" reads as
 * a chunk "abc" and a chunk of size 0xef: the bytes after the data must be CRLF. */
static int
on_chunk_header(http_parser *p)
{
    struct http_in *in = p->data;
    in->chunk_left = p->content_length;
    return 0;
}

static int
check_chunk_end(struct http_in *in, const char *after)
{
    if (after < in->feed_end) {
        if (*after != '\r')
            return fail(in, 400, "chunk data longer than its declared size");
    } else {
        in->check_crlf = 1; /* the next feed must start with it */
    }
    return 0;
}

static int
on_message_complete(http_parser *p)
{
    struct http_in *in = p->data;
    in->complete = 1;
    in->req.keep_alive = http_should_keep_alive(p);
    /* Stop after each request so the caller answers pipelined requests one at a time, in order. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_chunk_header = on_chunk_header,
};

void
http_in_init(struct http_in *in, const struct http_limits *limits)
{
    memset(in, 0, sizeof(*in));
    in->limits = *limits;
    http_parser_init(&in->parser, HTTP_REQUEST);
    in->parser.data = in;
}

static void
request_free(struct http_request *r)
{
    buf_free(&r->url);
    buf_free(&r->content_type);
    buf_free(&r->accept);
    buf_free(&r->authorization);
    buf_free(&r->body);
}

void
http_in_free(struct http_in *in)
{
    request_free(&in->req);
    buf_free(&in->field);
    buf_free(&in->value);
    buf_free(&in->line);
}

static void
request_reset(struct http_request *r)
{
    buf_clear(&r->url);
    buf_clear(&r->content_type);
    buf_clear(&r->accept);
    buf_clear(&r->authorization);
    /* A large body's memory is not kept for the connection's lifetime. */
    if (r->body.cap > 64 * 1024)
        buf_free(&r->body);
    buf_clear(&r->body);
    r->keep_alive = 0;
    r->expect_continue = 0;
}

void
http_in_next(struct http_in *in)
{
    request_reset(&in->req);
    buf_clear(&in->field);
    buf_clear(&in->value);
    buf_clear(&in->line);
    in->line_done = 0;
    in->chunk_left = 0;
    in->check_crlf = 0;
    in->in_value = 0;
    in->header_count = 0;
    in->header_bytes = 0;
    in->headers_done = 0;
    in->complete = 0;
    in->continue_pending = 0;
    http_parser_pause(&in->parser, 0);
}

int
http_in_idle(const struct http_in *in)
{
    return !in->headers_done && in->line.len == 0 && in->req.url.len == 0 && in->field.len == 0 &&
           !in->complete;
}

/* An unknown method is 501 only when it looks like one (a token before a space); bytes that are
 * not a request at all (a TLS ClientHello on a plain port) are 400. */
static int
looks_like_method(const struct http_in *in)
{
    size_t i = 0;
    while (i < in->line.len && is_tchar((unsigned char)in->line.data[i]))
        i++;
    return i > 0 && i < in->line.len && in->line.data[i] == ' ';
}

static int
parser_error_status(const struct http_in *in, enum http_errno e)
{
    switch (e) {
    case HPE_HEADER_OVERFLOW:
        return 431;
    case HPE_INVALID_METHOD:
        return looks_like_method(in) ? 501 : 400;
    case HPE_INVALID_VERSION:
        return 505;
    default:
        return 400;
    }
}

/* The request line must end in " HTTP/d.d": the lenient parser would take "HTTX/1.1". Bytes are
 * collected up to the first line feed, across feeds. */
static int
check_request_line(struct http_in *in, const char *data, size_t len)
{
    if (in->line_done)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (in->line.len == 0 && (ch == '\r' || ch == '\n'))
            continue; /* empty lines before a request are allowed */
        if (ch == '\n') {
            in->line_done = 1;
            break;
        }
        if (in->line.len > in->limits.max_url + 64) {
            fail(in, 414, "request line too long");
            return -1;
        }
        buf_append(&in->line, &ch, 1);
    }
    if (!in->line_done)
        return 0;
    const char *l = in->line.data ? in->line.data : "";
    size_t n = in->line.len;
    if (n && l[n - 1] == '\r')
        n--;
    if (n < 9 || memcmp(l + n - 9, " HTTP/", 6) != 0 || !isdigit((unsigned char)l[n - 3]) ||
        l[n - 2] != '.' || !isdigit((unsigned char)l[n - 1])) {
        fail(in, 400, "malformed request line: expected METHOD TARGET HTTP/1.1");
        return -1;
    }
    if (l[n - 3] != '1') {
        fail(in, 505, "HTTP version not supported: only HTTP/1.0 and HTTP/1.1 are served");
        return -1;
    }
    return 0;
}

enum http_in_result
http_in_feed(struct http_in *in, const char *data, size_t len, size_t *consumed)
{
    *consumed = 0;
    if (in->error_status)
        return HTTP_IN_ERROR;
    if (in->complete)
        return HTTP_IN_REQUEST;
    if (len == 0)
        return HTTP_IN_MORE; /* the end of the stream is http_in_eof's business */
    if (check_request_line(in, data, len) < 0)
        return HTTP_IN_ERROR;
    if (in->check_crlf && len > 0) {
        in->check_crlf = 0;
        if (data[0] != '\r') {
            fail(in, 400, "chunk data longer than its declared size");
            return HTTP_IN_ERROR;
        }
    }
    in->feed_end = data + len;
    size_t n = http_parser_execute(&in->parser, &settings, data, len);
    *consumed = n;
    enum http_errno e = HTTP_PARSER_ERRNO(&in->parser);
    if (in->error_status)
        return HTTP_IN_ERROR;
    if (e == HPE_PAUSED && in->complete)
        return HTTP_IN_REQUEST;
    if (e != HPE_OK && e != HPE_PAUSED) {
        char reason[160];
        snprintf(reason, sizeof(reason), "malformed request: %s", http_errno_description(e));
        fail(in, parser_error_status(in, e), reason);
        return HTTP_IN_ERROR;
    }
    if (in->continue_pending) {
        /* Once per request, and only while no byte of the body has come. */
        in->continue_pending = 0;
        if (in->req.body.len == 0)
            return HTTP_IN_CONTINUE;
    }
    return HTTP_IN_MORE;
}

int
http_in_eof(struct http_in *in)
{
    if (http_in_idle(in))
        return 0;
    fail(in, 400, "connection closed in the middle of a request");
    return -1;
}

const char *
http_status_text(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

void
http_url_path(const char *url, size_t len, struct buf *out)
{
    size_t n = 0;
    while (n < len && url[n] != '?' && url[n] != '#')
        n++;
    buf_clear(out);
    buf_append(out, url, n);
}
