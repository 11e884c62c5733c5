/* router: which handler answers an HTTP request: ZAPI on POST /zapi/ (also /zapi and /), an
 * HTTP-level ZAPI error for anything else. */
#ifndef ZAPI_ROUTER_H
#define ZAPI_ROUTER_H

#include "http.h"
#include "zapi.h"

struct app;
struct envelope_parser;

struct route_result {
    struct zapi_result res;
    const char *content_type;
    int zapi;          /* a ZAPI exchange: goes into the client's journal */
    int quiet;         /* logged at debug level (health checks every few seconds) */
    char headers[640]; /* extra header lines, each ending in \r\n (Allow, WWW-Authenticate) */
};

/* zapiGenerateBarCodeImage's images: GET /barcodes/REFERENCE.png. */
#define BARCODE_PREFIX "/barcodes/"

/* True for the paths that answer ZAPI: /zapi/, /zapi and /. */
int router_is_zapi_path(const char *path);
/* The format of a refusal without a ZAPI body to read: JSON when Accept says so or the body
 * looks like JSON, else XML. */
enum body_format router_wanted_format(const struct http_request *req);
/* Called by app_handle (app.h), which says what it needs. */
void router_handle(struct app *app, struct envelope_parser *parser, const struct http_request *req,
                   int peer_is_loopback, struct route_result *out);

#endif
