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

/* Counts the codings of a Transfer-Encoding value ("gzip, chunked"): how often chunked comes,
 * and the first other one, which the mock does not implement. */
static void
note_codings(struct http_in *in, const char *v, size_t len)
{
    in->transfer_encoding = 1;
    for (size_t i = 0; i < len;) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end == start)
            continue;
        if (end - start == 7 && strncasecmp(v + start, "chunked", 7) == 0)
            in->chunked_codings++;
        else if (!in->unknown_coding[0])
            snprintf(in->unknown_coding, sizeof(in->unknown_coding), "%.*s", (int)(end - start),
                     v + start);
    }
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
    else if (!in->headers_done && value_is(&in->field, "host")) {
        /* Trailers of a chunked body never stand in for Host, Origin or Sec-Fetch-Site: the
         * admin API's guards read them. */
        in->host_headers++;
        dst = &in->req.host;
    } else if (!in->headers_done && value_is(&in->field, "origin"))
        dst = &in->req.origin;
    else if (!in->headers_done && value_is(&in->field, "sec-fetch-site"))
        dst = &in->req.sec_fetch_site;
    else if (!in->headers_done && value_is(&in->field, "transfer-encoding"))
        note_codings(in, in->value.data ? in->value.data : "", in->value.len);
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

/* What a proxy in front could read differently from us is refused, not guessed (RFC 9112 3.2,
 * 6.1): Host missing from HTTP/1.1 or repeated, a transfer coding we do not implement, chunked
 * twice. HTTP/1.0 with Transfer-Encoding is answered, then the connection closes. */
static int
check_framing(struct http_in *in, const http_parser *p)
{
    if (in->host_headers > 1)
        return fail(in, 400, "more than one Host header");
    if (in->host_headers == 0 && p->http_major == 1 && p->http_minor >= 1)
        return fail(in, 400, "HTTP/1.1 request without a Host header");
    if (in->unknown_coding[0]) {
        char reason[96];
        snprintf(reason, sizeof(reason), "transfer coding \"%s\" is not implemented",
                 in->unknown_coding);
        for (char *c = reason; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        return fail(in, 501, reason);
    }
    if (in->chunked_codings > 1)
        return fail(in, 400, "Transfer-Encoding: chunked more than once");
    return 0;
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
    if (check_framing(in, p) < 0)
        return -1;
    /* Refuse an announced oversized body before reading it. */
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > in->limits.max_body)
        return fail(in, 413, "request body too large");
    if (p->upgrade)
        return fail(in, 501, "protocol upgrade is not supported");
    if (in->req.expect_continue && p->http_major == 1 && p->http_minor >= 1)
        in->continue_pending = 1;
    if (p->flags & F_CHUNKED) {
        /* Stop right after the headers, so http_in_feed knows where the chunked body starts
         * and checks its framing strictly (chunks_check). */
        in->chunk = CHUNK_SIZE;
        in->headers_paused = 1;
        http_parser_pause(p, 1);
    }
    return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
    struct http_in *in = p->data;
    if (in->req.body.len + len > in->limits.max_body)
        return fail(in, 413, "request body too large");
    return buf_append(&in->req.body, at, len) < 0 ? fail(in, 500, "out of memory") : 0;
}

static int
on_message_complete(http_parser *p)
{
    struct http_in *in = p->data;
    in->complete = 1;
    /* HTTP/1.0 has no chunked framing: a proxy may have read the body differently. */
    in->req.keep_alive =
        http_should_keep_alive(p) && !(in->transfer_encoding && p->http_minor == 0);
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
    buf_free(&r->host);
    buf_free(&r->origin);
    buf_free(&r->sec_fetch_site);
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
    buf_clear(&r->host);
    buf_clear(&r->origin);
    buf_clear(&r->sec_fetch_site);
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
    in->chunk = CHUNK_OFF;
    in->chunk_digits = 0;
    in->headers_paused = 0;
    in->host_headers = 0;
    in->chunked_codings = 0;
    in->transfer_encoding = 0;
    in->unknown_coding[0] = '\0';
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

/* The parser, built lenient, takes anything between a chunk size and its CR as an extension
 * (bare LFs included), any byte after a CR for the LF, and any bytes after a chunk's data for the
 * CRLF ("3\r\nabcdef" reads as "abc" and a chunk of size 0xef). A proxy reading the same bytes
 * strictly would frame them differently: request smuggling material. So the chunked body is
 * checked here against RFC 9112 7.1, up to its end, before the parser sees it. */
static int
chunk_byte(struct http_in *in, unsigned char c)
{
    static const char hexdigits[] = "0123456789abcdef";
    const char *h;
    switch (in->chunk) {
    case CHUNK_SIZE:
        h = c ? strchr(hexdigits, c | 0x20) : NULL;
        if (h && in->chunk_digits < 16) {
            in->chunk_left = in->chunk_left * 16 + (uint64_t)(h - hexdigits);
            in->chunk_digits++;
        } else if (h) {
            return fail(in, 400, "malformed chunk size: too many digits");
        } else if (in->chunk_digits == 0) {
            return fail(in, 400, "malformed chunk size");
        } else if (c == ';' || c == ' ' || c == '\t') {
            in->chunk = CHUNK_EXT;
        } else if (c == '\r') {
            in->chunk = CHUNK_SIZE_LF;
        } else {
            return fail(in, 400, "malformed chunk size");
        }
        return 0;
    case CHUNK_EXT:
        if (c == '\r')
            in->chunk = CHUNK_SIZE_LF;
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            return fail(in, 400, "bare LF or control character in a chunk extension");
        return 0;
    case CHUNK_SIZE_LF:
        if (c != '\n')
            return fail(in, 400, "chunk size line not ended by CRLF");
        in->chunk = in->chunk_left ? CHUNK_DATA : CHUNK_TRAILER;
        in->chunk_digits = 0;
        return 0;
    case CHUNK_DATA_CR:
        in->chunk = CHUNK_DATA_LF;
        return c == '\r' ? 0 : fail(in, 400, "chunk data longer than its declared size");
    case CHUNK_DATA_LF:
        in->chunk = CHUNK_SIZE;
        return c == '\n' ? 0 : fail(in, 400, "chunk data not followed by CRLF");
    case CHUNK_TRAILER:
        if (c == '\n')
            return fail(in, 400, "bare LF in the chunked trailer");
        in->chunk = c == '\r' ? CHUNK_END_LF : CHUNK_FIELD;
        return 0;
    case CHUNK_FIELD:
        if (c == '\n')
            return fail(in, 400, "bare LF in the chunked trailer");
        if (c == '\r')
            in->chunk = CHUNK_FIELD_LF;
        return 0;
    case CHUNK_FIELD_LF:
    case CHUNK_END_LF:
        if (c != '\n')
            return fail(in, 400, "chunked trailer line not ended by CRLF");
        in->chunk = in->chunk == CHUNK_END_LF ? CHUNK_DONE : CHUNK_TRAILER;
        return 0;
    case CHUNK_OFF:
    case CHUNK_DATA:
    case CHUNK_DONE:
        break;
    }
    return 0;
}

/* Checks the chunked body bytes in data, up to the end of the body. */
static int
chunks_check(struct http_in *in, const char *data, size_t len)
{
    for (size_t i = 0; i < len && in->chunk != CHUNK_OFF && in->chunk != CHUNK_DONE;) {
        if (in->chunk == CHUNK_DATA) {
            size_t take = in->chunk_left < len - i ? (size_t)in->chunk_left : len - i;
            i += take;
            in->chunk_left -= take;
            if (in->chunk_left == 0)
                in->chunk = CHUNK_DATA_CR;
            continue;
        }
        if (chunk_byte(in, (unsigned char)data[i++]) < 0)
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
    if (check_request_line(in, data, len) < 0 || chunks_check(in, data, len) < 0)
        return HTTP_IN_ERROR;
    size_t n = http_parser_execute(&in->parser, &settings, data, len);
    if (in->headers_paused && !in->error_status) {
        /* The parser stopped on the last byte of the chunked request's headers, which it takes
         * again when resumed: the body starts after it. */
        in->headers_paused = 0;
        http_parser_pause(&in->parser, 0);
        if (chunks_check(in, data + n + 1, len - n - 1) < 0)
            return HTTP_IN_ERROR;
        n += http_parser_execute(&in->parser, &settings, data + n, len - n);
    }
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

/* Length of an absolute-form target's "http://authority" or "https://authority" prefix, or 0. */
static size_t
absolute_prefix(const char *url, size_t len)
{
    size_t i;
    if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
        i = 7;
    else if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
        i = 8;
    else
        return 0;
    while (i < len && url[i] != '/' && url[i] != '?' && url[i] != '#')
        i++;
    return i;
}

void
http_url_path(const char *url, size_t len, struct buf *out)
{
    size_t skip = absolute_prefix(url, len);
    url += skip;
    len -= skip;
    if (skip && (len == 0 || url[0] != '/')) {
        buf_clear(out);
        buf_append_str(out, "/"); /* "http://host" and "http://host?q" name the root */
        return;
    }
    size_t n = 0;
    while (n < len && url[n] != '?' && url[n] != '#')
        n++;
    buf_clear(out);
    buf_append(out, url, n);
}
