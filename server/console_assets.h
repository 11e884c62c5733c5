/* console_assets: the console's files (server/console/), compiled into the binary by
 * cmake/embed.cmake so the mock serves them offline, from any directory. */
#ifndef ZAPI_CONSOLE_ASSETS_H
#define ZAPI_CONSOLE_ASSETS_H

#include <stddef.h>

struct console_asset {
    const char *name; /* "index.html", "app.js"... */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
};

extern const struct console_asset console_assets[];
extern const size_t console_nassets;

#endif
