/* http: incremental HTTP/1.1 request parsing on top of http_parser. No sockets: bytes in, requests
 * out, so pipelining, limits and chunked bodies are testable by feeding buffers. */
#ifndef ZAPI_HTTP_H
#define ZAPI_HTTP_H

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct http_limits {
    size_t max_body;         /* bytes of (decoded) body; more -> 413 */
    size_t max_url;          /* bytes of request target; more -> 414 */
    size_t max_header_bytes; /* bytes of all header names and values; more -> 431 */
    unsigned max_headers;    /* header lines; more -> 431 */
};

#define HTTP_DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define HTTP_MAX_URL_BYTES 8192
#define HTTP_MAX_HEADER_BYTES (32 * 1024)
#define HTTP_MAX_HEADERS 100

#define HTTP_LIMITS_DEFAULT                                                                        \
    {                                                                                              \
        HTTP_DEFAULT_MAX_BODY_BYTES, HTTP_MAX_URL_BYTES, HTTP_MAX_HEADER_BYTES, HTTP_MAX_HEADERS   \
    }

struct http_request {
    enum http_method method;
    struct buf url;
    struct buf content_type;
    struct buf accept;
    struct buf authorization;
    struct buf host; /* the admin API checks these three against cross-site use */
    struct buf origin;
    struct buf sec_fetch_site;
    struct buf body;
    int keep_alive;      /* set when the message is complete */
    int expect_continue; /* client sent Expect: 100-continue */
    unsigned short http_major, http_minor;
};

enum http_in_result {
    HTTP_IN_MORE,     /* all bytes consumed, request not complete yet */
    HTTP_IN_CONTINUE, /* headers done and the client waits for 100 Continue */
    HTTP_IN_REQUEST,  /* a complete request is in in->req; call http_in_next() after use */
    HTTP_IN_ERROR,    /* malformed or over a limit: answer in->error_status and close */
};

/* Where the strict check of a chunked body stands (see http.c, chunks_check). */
enum chunk_state {
    CHUNK_OFF,     /* not a chunked body, or not reached yet */
    CHUNK_SIZE,    /* hex digits of a chunk size */
    CHUNK_EXT,     /* after the size: extensions up to the CR */
    CHUNK_SIZE_LF, /* the LF after the size line's CR */
    CHUNK_DATA,    /* chunk_left bytes of data */
    CHUNK_DATA_CR, /* the CRLF after the data */
    CHUNK_DATA_LF,
    CHUNK_TRAILER,  /* start of a trailer line, or of the final CRLF */
    CHUNK_FIELD,    /* inside a trailer line */
    CHUNK_FIELD_LF, /* the LF after a trailer line's CR */
    CHUNK_END_LF,   /* the LF of the final CRLF */
    CHUNK_DONE,
};

struct http_in {
    http_parser parser;
    struct http_limits limits;
    struct http_request req;
    struct buf field;    /* header name being read */
    struct buf value;    /* header value being read */
    struct buf line;     /* request line, checked once complete */
    uint64_t chunk_left; /* bytes of the current chunk still to come */
    enum chunk_state chunk;
    unsigned chunk_digits;    /* hex digits of the current size */
    unsigned host_headers;    /* Host header lines */
    unsigned chunked_codings; /* "chunked" among the Transfer-Encoding codings */
    int transfer_encoding;    /* a Transfer-Encoding header came */
    int headers_paused;       /* the parser stopped after a chunked request's headers */
    char unknown_coding[32];  /* the first transfer coding other than chunked, cut */
    int line_done;
    int in_value;
    unsigned header_count;
    size_t header_bytes;
    int headers_done;
    int complete;
    int continue_pending;
    int error_status;
    char error_reason[160];
};

void http_in_init(struct http_in *in, const struct http_limits *limits);
void http_in_free(struct http_in *in);
/* Parses up to len bytes; *consumed says how many were used. Call again with the rest. */
enum http_in_result http_in_feed(struct http_in *in, const char *data, size_t len,
                                 size_t *consumed);
/* Tells the parser the peer closed: a request cut short becomes an error. */
int http_in_eof(struct http_in *in);
/* Forgets the finished request and gets ready for the next one on the connection. */
void http_in_next(struct http_in *in);
/* True when no byte of a new request has been seen since the last one (an idle connection). */
int http_in_idle(const struct http_in *in);

const char *http_status_text(int status);
/* Path part of a request target, without query or fragment, into out. An absolute-form target
 * ("https://host:8443/zapi/?q", as sent to proxies) gives the path it names ("/zapi/"). */
void http_url_path(const char *url, size_t len, struct buf *out);

#endif
