/* inventory: what is left to sell, computed in one place: the catalogue's capacity and stock,
 * less what was sold when the demo started (catalogue <sold>), less what the store says bookings
 * took. Catalogue answers read it; the booking engine takes and gives back through it. */
#ifndef ZAPI_INVENTORY_H
#define ZAPI_INVENTORY_H

#include "catalogue.h"
#include "store.h"

/* Seats still for sale at a departure on day: 0 when cancelled or sold out. */
int inventory_seats_left(struct store *s, const struct cat_activity *a, long day, long today,
                         const struct cat_departure *d);
/* Takes n seats (n < 0 gives them back) unless fewer are left: 0, or -1 with the seats left in
 * *left. Atomic: two clients racing for the last seats never both get them. */
int inventory_take_seats(struct store *s, const struct cat_activity *a, long day, long today,
                         const struct cat_departure *d, int n, int *left);
int inventory_stock_left(struct store *s, const struct cat_product *p);
int inventory_take_stock(struct store *s, const struct cat_product *p, int n, int *left);

#endif
