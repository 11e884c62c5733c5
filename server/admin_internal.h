/* admin_internal: what the parts of the admin API share (admin.c routes and guards; one file per
 * area answers: admin_throttle.c, admin_partners.c, admin_console.c). Not for other modules. */
#ifndef ZAPI_ADMIN_INTERNAL_H
#define ZAPI_ADMIN_INTERNAL_H

#include <jansson.h>

#include "admin.h"
#include "fixtures.h"
#include "http.h"
#include "router.h"

struct app;

struct admin_call {
    struct app *app;
    const struct http_request *req;
    enum http_method method; /* HEAD reads as GET: the connection leaves the body out */
    const char *path;
    struct fixture_set *fs;
    struct route_result *out;
};

/* Answers status with body as JSON; takes ownership of body (NULL answers 500). */
void admin_reply(struct route_result *out, int status, json_t *body);
/* {"status": status, "error": message}. */
void admin_reply_error(struct route_result *out, int status, const char *message);
/* Appends a header line ("Name: value", without CRLF) to the answer. */
void admin_header(struct route_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The request body as a JSON object, or NULL after answering 400 with the parse error. */
json_t *admin_body_object(struct admin_call *c);
/* seconds since the epoch -> "2026-11-30T09:00:00Z" */
void admin_iso_time(double t, char *out, size_t len);

/* /__admin/throttle */
void admin_throttle(struct admin_call *c);
/* /__admin/contacts, /__admin/partners, /__admin/partners/{token}, /__admin/partners/export */
void admin_contacts(struct admin_call *c);
void admin_partners(struct admin_call *c);
void admin_partner(struct admin_call *c);
/* /__admin/state (GET, DELETE), state/carts, state/bookings, /__admin/outbox */
void admin_state(struct admin_call *c);
void admin_state_carts(struct admin_call *c);
void admin_state_bookings(struct admin_call *c);
void admin_outbox(struct admin_call *c);
/* /__admin/ and its assets; returns 0 when path is not a console asset. */
int admin_console(struct admin_call *c);

#endif
