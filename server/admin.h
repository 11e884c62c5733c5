/* admin: the JSON admin API under /__admin/. For now /__admin/throttle reads and changes the
 * throttle while the server runs. Until admin authentication exists it answers loopback peers
 * only. */
#ifndef ZAPI_ADMIN_H
#define ZAPI_ADMIN_H

#include "http.h"
#include "router.h"

struct server;

#define ADMIN_PREFIX "/__admin/"

/* Answers an admin request on path (already stripped of its query). */
void admin_handle(struct server *srv, const struct http_request *req, const char *path,
                  int peer_is_loopback, struct route_result *out);
/* Monotonic seconds: the clock the throttle counts with. */
double admin_clock(void);

#endif
