/* admin: the JSON admin API under /__admin/ (health, metrics, reload, throttle, the request
 * journal, contacts and partners) and the console that shows it in a browser. Loopback peers
 * only, or anyone with --admin-token; Host and Origin checked (admin_guard.h). */
#ifndef ZAPI_ADMIN_H
#define ZAPI_ADMIN_H

#include "http.h"
#include "router.h"

struct app;

#define ADMIN_PREFIX "/__admin/"
/* The console: /__admin/ itself and the files under this prefix. */
#define ADMIN_CONSOLE_PREFIX "/__admin/console/"

/* Answers an admin request on path (already stripped of its query). */
void admin_handle(struct app *app, const struct http_request *req, const char *path,
                  int peer_is_loopback, struct route_result *out);

#endif
