/* inventory: what is left to sell, computed in one place: the catalogue's capacity and stock,
 * less what was sold when the demo started (catalogue <sold>), less what the store says bookings
 * took. Catalogue answers read it; the booking engine takes and gives back through it. */
#ifndef ZAPI_INVENTORY_H
#define ZAPI_INVENTORY_H

#include "catalogue.h"
#include "store.h"

#include <stddef.h>

/* Seats still for sale at a departure on day: 0 when cancelled or sold out. */
int inventory_seats_left(struct store *s, const struct cat_activity *a, long day, long today,
                         const struct cat_departure *d);
/* Takes n seats (n < 0 gives them back) unless fewer are left: 0, or -1 with the seats left in
 * *left. Atomic: two clients racing for the last seats never both get them. */
int inventory_take_seats(struct store *s, const struct cat_activity *a, long day, long today,
                         const struct cat_departure *d, int n, int *left);
int inventory_stock_left(struct store *s, const struct cat_product *p);
int inventory_take_stock(struct store *s, const struct cat_product *p, int n, int *left);
/* Rental equipment left at a departure. */
int inventory_equipment_left(struct store *s, const struct cat_activity *a, long day, int time,
                             const struct cat_equipment *e);

/* Gives back what the items of give hold (seats, stock, equipment) and takes what the items of
 * take need, all at once or not at all: a booking's change never loses its seats to a race.
 * 0, or -1 with *failed the index in take of an item that does not fit (a cancelled departure
 * included) and *left what is left of it. Items whose activity or product the catalogue no
 * longer has are refused too (*left = -1). */
int inventory_swap(struct store *s, const struct catalogue *cat, long today,
                   const struct store_item *give, size_t ngive, const struct store_item *take,
                   size_t ntake, size_t *failed, int *left);

#endif
