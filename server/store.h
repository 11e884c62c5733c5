/* store: the mock's mutable booking state: seats and stock taken, departures cancelled (and, as
 * the booking engine grows, carts, bookings, waitlists and the e-mail outbox). Shared by every
 * thread: each call takes the store's lock, so every call is atomic on its own. Pure: no I/O, the
 * caller passes the clock. A fixture reload keeps the store; store_reset() empties it.
 *
 * Counters are keyed by what they count: seats by activity, day and departure time; stock by
 * product. The store knows nothing of capacities: inventory.c adds the catalogue's. */
#ifndef ZAPI_STORE_H
#define ZAPI_STORE_H

#include <stdint.h>
#include <time.h>

#define STORE_ID_TEXT 33 /* a cart id: 32 hex digits and the NUL */

struct store;

/* seed feeds the generator of cart ids (tests pass a fixed one). */
struct store *store_new(uint64_t seed);
void store_free(struct store *s);
/* Empties the store (the demo's starting point comes from the catalogue again). */
void store_reset(struct store *s);
/* Changes on every change of what is sold or cancelled: answers computed from inventory can be
 * cached under it. */
uint64_t store_version(struct store *s);

/* Seats taken at a departure (day: days since 1970-01-01, time: seconds after midnight). */
int store_seats_taken(struct store *s, long activity_id, long day, int time);
/* Takes n seats when no more than limit would then be taken: returns 0, or -1 (nothing taken)
 * with the seats still free in *left. n < 0 gives seats back. */
int store_take_seats(struct store *s, long activity_id, long day, int time, int n, int limit,
                     int *left);
/* The same for a product's stock. */
int store_stock_taken(struct store *s, long product_id);
int store_take_stock(struct store *s, long product_id, int n, int limit, int *left);

/* A departure cancelled by the operator (zapiActivity_CreateCancellation): it stops selling. */
int store_departure_cancelled(struct store *s, long activity_id, long day, int time);
/* Sets or clears a cancellation. Returns 0, or -1 when out of memory. */
int store_set_cancelled(struct store *s, long activity_id, long day, int time, int cancelled);

#define STORE_MAX_LISTED 512 /* entries one listing reports at most */

/* Calls fn for each cancelled departure of an activity (0: every activity) from day from to day
 * to, at most STORE_MAX_LISTED, in no particular order. Returns how many. */
int store_list_cancelled(struct store *s, long activity_id, long from, long to,
                         void (*fn)(void *ctx, long activity_id, long day, int time), void *ctx);

/* Creates an empty cart owned by a partner token; writes its id. 0, or -1 when out of memory. */
int store_cart_create(struct store *s, const char *owner, time_t now, char id[STORE_ID_TEXT]);

#endif
