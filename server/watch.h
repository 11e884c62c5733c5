/* watch: calls back, once things settle, when files under a directory tree change (inotify),
 * so fixtures reload as a user saves them. */
#ifndef ZAPI_WATCH_H
#define ZAPI_WATCH_H

#include <event2/event.h>

#include "buf.h"

struct watch;

typedef void (*watch_fn)(void *arg);

/* Watches dir and its subdirectories (one level: methods/, errors/...), including those created,
 * moved in or replaced later (rm -rf methods && cp -r ... methods). fn runs settle_seconds after
 * the last change. Returns NULL with the reason in err. */
struct watch *watch_new(struct event_base *base, const char *dir, double settle_seconds,
                        watch_fn fn, void *arg, struct buf *err);
void watch_free(struct watch *w);

#endif
