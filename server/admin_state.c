/* The booking engine's state: /__admin/state (GET, DELETE resets), state/carts,
 * state/bookings and /__admin/outbox, over state_json.h. */
#include "admin_internal.h"

#include <time.h>

#include "log.h"
#include "methods.h"
#include "app.h"
#include "state_json.h"

void
admin_state(struct admin_call *c)
{
    if (c->method == HTTP_DELETE) {
        /* Back to the catalogue's starting point: CI jobs call this between tests. */
        store_reset(c->app->store);
        int seeded = bookings_seed(c->fs->catalogue, c->app->store, (time_t)app_wall(c->app));
        log_info(c->app->log, "state: reset through the admin API, %d starting booking%s", seeded,
                 seeded == 1 ? "" : "s");
    }
    admin_reply(c->out, 200, state_summary_json(c->app->store, (time_t)app_wall(c->app)));
}

void
admin_state_carts(struct admin_call *c)
{
    admin_reply(c->out, 200, state_carts_json(c->app->store, (time_t)app_wall(c->app)));
}

void
admin_state_bookings(struct admin_call *c)
{
    admin_reply(c->out, 200, state_bookings_json(c->app->store, c->fs->catalogue));
}

void
admin_outbox(struct admin_call *c)
{
    admin_reply(c->out, 200, state_outbox_json(c->app->store));
}
