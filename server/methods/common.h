/* common: what the method areas share. Parameters are read from zapiMethod; a helper that fails
 * has already failed the call (method_fail) with the code and a message naming the parameter. */
#ifndef ZAPI_METHODS_COMMON_H
#define ZAPI_METHODS_COMMON_H

#include "../catalogue.h"
#include "../methods.h"
#include "../model.h"
#include "../pricing.h"
#include "../store.h"

const char *yes_no(int v);
/* "$105.00": money as ZAPI shows it to people. */
struct model_node *set_formatted(struct method_call *c, struct model_node *parent, const char *name,
                                 long cents);
/* name = "105.00" and name_formatted = "$105.00". */
void set_money_pair(struct method_call *c, struct model_node *parent, const char *name, long cents);

/* zapiMethod/activityId: an activity of the catalogue (20 not a number, 53 none). */
const struct cat_activity *param_activity(struct method_call *c);
/* The same, published for online booking (52 otherwise). */
const struct cat_activity *param_published_activity(struct method_call *c);
/* A date parameter, today when absent: 0, or -1 (51). */
int param_day(struct method_call *c, const char *name, long *day);
/* The same, not in the past. */
int param_bookable_day(struct method_call *c, const char *name, long *day);
/* zapiMethod/activityTime, one of a's departures: 1 with *time set, 0 when absent (*time
 * untouched), -1 after failing the call (51). */
int param_time(struct method_call *c, const struct cat_activity *a, int *time);
/* Passenger counts from pax, passengers or requestedPassengers: the total, or -1 (20). */
int param_pax(struct method_call *c, int counts[PAX_TYPES]);
/* zapiMethod/productId: a published product (20, 42, 43). */
const struct cat_product *param_product(struct method_call *c);
/* zapiMethod/packageId: a published package (20, 52, 53). */
const struct cat_package *param_package(struct method_call *c);

/* An <activity> summary in list (id, name, type, category, image, price from). */
void activity_summary(struct method_call *c, struct model_node *list, const struct cat_activity *a);
/* passengerTypes under parent: one per type the prices have. */
void passenger_types(struct method_call *c, struct model_node *parent,
                     const struct cat_price *prices, size_t nprices, int tax_bp);

/* activities, products and packages lists of cart or booking items under parent. booked: the
 * prices are those recorded at booking, else today's catalogue prices. */
void items_view(struct method_call *c, struct model_node *parent, const struct store_item *items,
                size_t n, int booked);
/* A customer node under parent. */
void customer_view(struct method_call *c, struct model_node *parent,
                   const struct store_customer *cu);
/* A totals node under parent: every amount and its _formatted form. */
void totals_view(struct method_call *c, struct model_node *parent, const struct pricing_totals *t);

/* Shared by cart.c and bookings.c. */
int cart_load(struct method_call *c, struct store_cart *cart);
/* Writes the cart back unless another request changed it meanwhile: 0, or -1 after failing. */
int cart_save(struct method_call *c, struct store_cart *cart);
void cart_totals(struct method_call *c, const struct store_cart *cart, struct pricing_totals *t);
void cart_view(struct method_call *c, const struct store_cart *cart);

#endif
