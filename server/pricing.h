/* pricing: what a cart or booking costs, computed from the catalogue: passengers x base price,
 * equipment, products, packages, taxes per item, a promotion's discount and a gift certificate's
 * balance. Pure; money in cents. */
#ifndef ZAPI_PRICING_H
#define ZAPI_PRICING_H

#include <stddef.h>

#include "catalogue.h"
#include "store.h"

struct pricing_totals {
    long activities, products, packages; /* before tax */
    long subtotal;                       /* their sum */
    long discount;                       /* the promotion's, off the subtotal */
    long tax;                            /* on what is left after the discount */
    long total;                          /* subtotal - discount + tax */
    long gift;                           /* paid by gift certificate */
    long balance;                        /* total - gift */
};

/* An item's price before tax and its tax. -1 when the catalogue no longer has what it names. */
int pricing_item(const struct catalogue *cat, const struct store_item *it, long *cents, long *tax);
/* Totals of items; promo may be NULL; gift_left is what the certificate still holds (0: none). */
void pricing_totals(const struct catalogue *cat, const struct store_item *items, size_t n,
                    const struct cat_promotion *promo, long gift_left, struct pricing_totals *out);

#endif
