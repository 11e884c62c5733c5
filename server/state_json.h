/* state_json: the booking state as the admin API shows it (GET /__admin/state, .../carts,
 * .../bookings, /__admin/outbox). Pure: reads the store, builds jansson values. */
#ifndef ZAPI_STATE_JSON_H
#define ZAPI_STATE_JSON_H

#include <jansson.h>
#include <time.h>

#include "catalogue.h"
#include "store.h"

#define STATE_JSON_MAX_LISTED 200 /* carts or bookings one answer lists at most, newest first */

json_t *state_summary_json(struct store *s, time_t now);
json_t *state_carts_json(struct store *s, time_t now);
json_t *state_bookings_json(struct store *s, const struct catalogue *cat);
json_t *state_outbox_json(struct store *s);

#endif
