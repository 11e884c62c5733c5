/* The console: /__admin/ is index.html, /__admin/console/<file> the rest. Static files only:
 * every value the console shows it fetches from the JSON admin API like any other client. */
#include "admin_internal.h"

#include <string.h>

#include "console_assets.h"

int
admin_console(struct admin_call *c)
{
    const char *name =
        strcmp(c->path, ADMIN_PREFIX) == 0 ? "index.html" : c->path + strlen(ADMIN_CONSOLE_PREFIX);
    for (size_t i = 0; i < console_nassets; i++) {
        const struct console_asset *a = &console_assets[i];
        if (strcmp(a->name, name) != 0)
            continue;
        if (c->method != HTTP_GET) {
            admin_reply_error(c->out, 405, "the console's files are read with GET");
            admin_header(c->out, "Allow: GET, HEAD");
            return 1;
        }
        buf_clear(&c->out->res.body);
        buf_append(&c->out->res.body, a->data, a->len);
        c->out->res.status = 200;
        c->out->content_type = a->type;
        c->out->quiet = 1;
        return 1;
    }
    return 0;
}
