/* Carts: created, filled, priced and emptied. Every call answers the whole cart (model "cart");
 * a cart belongs to the partner token that made it. Seats and stock are checked when added and
 * taken only when the cart is paid (bookings.c). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../inventory.h"
#include "../methods.h"
#include "../pricing.h"
#include "common.h"

#define CART_LIST_MAX 100 /* zapiGetAllCartSessions shows at most this many */

static int
cart_error(struct method_call *c, int rc, const char *id)
{
    if (rc == STORE_CONFLICT)
        method_fail(c, "conflict", MERR_GENERAL,
                    "Cart %.40s was changed by another request meanwhile: read it and try again",
                    id);
    else if (rc == STORE_NOT_YOURS)
        method_fail(c, "no-cart", MERR_GENERAL,
                    "Cart %.40s belongs to another API partner: use a cart your token created", id);
    else
        method_fail(c, "no-cart", MERR_GENERAL,
                    "Cart %.40s does not exist or has expired: create one with "
                    "zapiCreateUniqueCartSession",
                    id);
    return -1;
}

/* The cart named by zapiMethod/cartId, this partner's: 0, or -1 after failing the call. */
int
cart_load(struct method_call *c, struct store_cart *cart)
{
    struct buf id = BUF_INIT;
    if (method_param(c, "cartId", &id) < 0) {
        buf_free(&id);
        method_fail(c, "bad-parameter", MERR_FILTER, "zapiMethod/cartId is missing");
        return -1;
    }
    int rc = store_cart_get(c->store, id.data, c->partner->token, c->now, cart);
    if (rc != STORE_OK)
        cart_error(c, rc, id.data);
    buf_free(&id);
    return rc == STORE_OK ? 0 : -1;
}

int
cart_save(struct method_call *c, struct store_cart *cart)
{
    int rc = store_cart_put(c->store, cart, c->now);
    return rc == STORE_OK ? 0 : cart_error(c, rc, cart->id);
}

/* What is left on the cart's gift certificate, 0 without one. */
static long
gift_left(struct method_call *c, const char *code)
{
    const struct cat_gift *g = code[0] ? catalogue_gift(c->catalogue, code) : NULL;
    return g ? g->cents - store_gift_used(c->store, g->code) : 0;
}

void
cart_totals(struct method_call *c, const struct store_cart *cart, struct pricing_totals *t)
{
    const struct cat_promotion *promo =
        cart->promo_code[0] ? catalogue_promotion(c->catalogue, cart->promo_code) : NULL;
    pricing_totals(c->catalogue, cart->items, cart->nitems, promo, gift_left(c, cart->gift_code),
                   t);
}

/* The "cart" model every cart method answers with. */
void
cart_view(struct method_call *c, const struct store_cart *cart)
{
    struct model *m = c->model;
    struct model_node *n = model_add(m, NULL, "cart");
    struct tm tm;
    char stamp[32];
    gmtime_r(&cart->created, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    model_set(m, n, "cartId", cart->id);
    model_set(m, n, "createdTimeStamp", stamp);
    model_set(m, n, "notes", cart->notes);
    model_set(m, n, "promotionCode", cart->promo_code);
    /* A gift certificate code is money: shown like a card number, by its last characters. */
    size_t gl = strlen(cart->gift_code);
    model_setf(m, n, "giftCertificate", "%s%s", gl > 4 ? "****" : "",
               gl > 4 ? cart->gift_code + gl - 4 : cart->gift_code);
    model_setf(m, n, "loadedBookingNumber", "%ld", cart->loaded_booking);
    model_setf(m, n, "numberOfItems", "%zu", cart->nitems);
    model_set(m, n, "hasCustomer", yes_no(cart->customer.first_name[0] != '\0'));
    customer_view(c, n, &cart->customer);
    items_view(c, n, cart->items, cart->nitems, 0);
    struct pricing_totals t;
    cart_totals(c, cart, &t);
    totals_view(c, n, &t);
}

static struct store_item *
new_item(struct method_call *c, struct store_cart *cart, enum store_item_kind kind, long ref)
{
    if (cart->nitems == STORE_MAX_ITEMS) {
        method_fail(c, "cart-full", MERR_GENERAL,
                    "Cart %s holds %d items, the most a cart may hold: pay or remove some",
                    cart->id, STORE_MAX_ITEMS);
        return NULL;
    }
    struct store_item *it = &cart->items[cart->nitems++];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->ref_id = ref;
    it->cart_item_id = cart->next_item_id++;
    return it;
}

static int
seats_in(const struct store_item *items, size_t n, long activity_id, long day, int time)
{
    int seats = 0;
    for (size_t i = 0; i < n; i++) {
        const struct store_item *it = &items[i];
        if (it->kind == ITEM_ACTIVITY && it->ref_id == activity_id && it->day == day &&
            it->time == time)
            for (int t = 0; t < PAX_TYPES; t++)
                seats += it->pax[t];
    }
    return seats;
}

/* Seats this cart already holds at a departure (so two adds cannot promise the same seat),
 * less those its loaded booking holds already (they come back when the change is paid). */
static int
seats_in_cart(struct method_call *c, const struct store_cart *cart, long activity_id, long day,
              int time)
{
    int n = seats_in(cart->items, cart->nitems, activity_id, day, time);
    struct store_booking b;
    if (cart->loaded_booking && store_booking_get(c->store, cart->loaded_booking, &b) == 0 &&
        !b.cancelled)
        n -= seats_in(b.items, b.nitems, activity_id, day, time);
    return n;
}

/* The departure of a on day: the one named by zapiMethod/activityTime, or the only one. */
static const struct cat_departure *
param_departure(struct method_call *c, const struct cat_activity *a, long day)
{
    char date[DATE_TEXT];
    date_format(day, date);
    if (!catalogue_runs_on(a, day, c->today)) {
        method_fail(c, "bad-date", MERR_ACTIVITY_DATE, "Activity %ld (%s) does not run on %s",
                    a->id, a->name, date);
        return NULL;
    }
    int t, rc = param_time(c, a, &t);
    if (rc != 0)
        return rc > 0 ? catalogue_departure(a, t) : NULL;
    if (a->ndepartures == 1)
        return &a->departures[0]; /* unambiguous: one public client never sends the time */
    struct buf times = BUF_INIT;
    for (size_t i = 0; i < a->ndepartures; i++) {
        char hms[9];
        date_format_time(a->departures[i].time, hms);
        buf_printf(&times, "%s%s", i ? ", " : "", hms);
    }
    method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                "zapiMethod/activityTime is needed: activity %ld departs %zu times on %s (%s)",
                a->id, a->ndepartures, date, times.data);
    buf_free(&times);
    return NULL;
}

/* Checks the pickup, drop-off and equipment of an activity item. 0, or -1 (20). */
static int
activity_options(struct method_call *c, const struct cat_activity *a, struct store_item *it)
{
    long id = 0;
    int rc = method_param_long(c, "pickupLocationId", &id);
    if (rc == -2)
        return -1;
    if (rc == 0 && id) {
        for (size_t i = 0; i < a->npickups; i++)
            if (a->pickups[i]->id == id)
                it->pickup_id = id;
        if (!it->pickup_id) {
            method_fail(c, "bad-parameter", MERR_FILTER,
                        "zapiMethod/pickupLocationId %ld is not a pickup of activity %ld", id,
                        a->id);
            return -1;
        }
    } else if (a->type == ACTIVITY_PICKUP) {
        it->pickup_id = a->pickups[0]->id;
    }
    rc = method_param_long(c, "dropOffLocationId", &id);
    if (rc == -2)
        return -1;
    if (rc == 0 && id) {
        for (size_t i = 0; i < a->ndropoffs; i++)
            if (a->dropoffs[i]->id == id)
                it->dropoff_id = id;
        if (!it->dropoff_id) {
            method_fail(c, "bad-parameter", MERR_FILTER,
                        "zapiMethod/dropOffLocationId %ld is not a drop-off of activity %ld", id,
                        a->id);
            return -1;
        }
    }
    long qty = 1;
    rc = method_param_long(c, "equipmentId", &id);
    if (rc == -2 || method_param_long(c, "equipmentQuantity", &qty) == -2)
        return -1;
    if (rc == 0) {
        const struct cat_equipment *e = NULL;
        for (size_t i = 0; i < a->nequipment; i++)
            if (a->equipment[i].id == id)
                e = &a->equipment[i];
        if (!e || qty < 1 || qty > e->stock) {
            method_fail(c, "bad-parameter", MERR_FILTER,
                        e ? "zapiMethod/equipmentQuantity must be from 1 to %ld"
                          : "zapiMethod/equipmentId %ld is not equipment of this activity",
                        e ? (long)e->stock : id);
            return -1;
        }
        int left = inventory_equipment_left(c->store, a, it->day, it->time, e);
        if (left < qty) {
            method_fail(c, "sold-out", MERR_ACTIVITY_SOLDOUT,
                        "Sold out: %d %s left at that departure for %ld requested", left, e->name,
                        qty);
            return -1;
        }
        it->equipment_id = id;
        it->equipment_quantity = (int)qty;
    }
    return 0;
}

static int
check_pax_types(struct method_call *c, const struct cat_price *prices, size_t n,
                const int pax[PAX_TYPES], const char *what, long id)
{
    for (int t = 0; t < PAX_TYPES; t++) {
        if (pax[t] && catalogue_price(prices, n, PAX_FIRST + t) < 0) {
            method_fail(c, "bad-parameter", MERR_FILTER,
                        "%s %ld does not take %s (passenger type %d): zapiMethod/pax/%s", what, id,
                        catalogue_pax_element(PAX_FIRST + t), PAX_FIRST + t,
                        catalogue_pax_element(PAX_FIRST + t));
            return -1;
        }
    }
    return 0;
}

static const char *
answer_cart(struct method_call *c, const struct store_cart *cart, const char *fmt, const char *name)
{
    cart_view(c, cart);
    buf_printf(&c->message, fmt, name);
    return "";
}

static const char *
create_session(struct method_call *c)
{
    struct store_cart cart;
    char id[STORE_ID_TEXT];
    if (store_cart_create(c->store, c->partner->token, c->now, id) != STORE_OK ||
        store_cart_get(c->store, id, c->partner->token, c->now, &cart) != STORE_OK)
        return method_fail(c, "general", MERR_GENERAL, "No cart could be created: out of memory");
    return answer_cart(c, &cart, "Session created%s", "");
}

static const char *
add_activity(struct method_call *c)
{
    struct store_cart cart;
    int pax[PAX_TYPES];
    long day;
    if (cart_load(c, &cart) < 0)
        return "error";
    const struct cat_activity *a = param_published_activity(c);
    if (!a || param_bookable_day(c, "activityDate", &day) < 0)
        return "error";
    const struct cat_departure *d = param_departure(c, a, day);
    int total = d ? param_pax(c, pax) : -1;
    if (total < 0)
        return "error";
    if (total == 0)
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/pax holds no passengers: give at least one of seniors, "
                           "adults, students, children, infants");
    if (check_pax_types(c, a->prices, a->nprices, pax, "Activity", a->id) < 0)
        return "error";
    int left = inventory_seats_left(c->store, a, day, c->today, d) -
               seats_in_cart(c, &cart, a->id, day, d->time);
    if (left < total) {
        char date[DATE_TEXT], t[9];
        date_format(day, date);
        date_format_time(d->time, t);
        left = left < 0 ? 0 : left;
        return method_fail(c, "sold-out", MERR_ACTIVITY_SOLDOUT,
                           "Sold out: %d seat%s left on %s at %s for %d requested", left,
                           left == 1 ? "" : "s", date, t, total);
    }
    struct store_item *it = new_item(c, &cart, ITEM_ACTIVITY, a->id);
    if (!it)
        return "error";
    it->day = day;
    it->time = d->time;
    memcpy(it->pax, pax, sizeof(pax));
    if (activity_options(c, a, it) < 0 || cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "%s added to cart", a->name);
}

static const char *
add_product(struct method_call *c)
{
    struct store_cart cart;
    long qty = 1;
    if (cart_load(c, &cart) < 0)
        return "error";
    const struct cat_product *p = param_product(c);
    if (!p || method_param_long(c, "quantity", &qty) == -2)
        return "error";
    if (qty < 1 || qty > 100000)
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/quantity must be from 1 to 100000, not %ld", qty);
    struct store_item *it = NULL;
    for (size_t i = 0; i < cart.nitems; i++)
        if (cart.items[i].kind == ITEM_PRODUCT && cart.items[i].ref_id == p->id)
            it = &cart.items[i];
    long want = qty + (it ? it->quantity : 0); /* quantity adds to what is there */
    int left = inventory_stock_left(c->store, p);
    if (left == 0)
        return method_fail(c, "sold-out", MERR_PRODUCT_SOLDOUT, "%s is sold out", p->name);
    if (left < want)
        return method_fail(c, "no-inventory", MERR_PRODUCT_NOINVENTORY,
                           "Not enough %s in stock: %d left, %ld wanted", p->name, left, want);
    if (!it && !(it = new_item(c, &cart, ITEM_PRODUCT, p->id)))
        return "error";
    it->quantity = (int)want;
    if (cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "%s added to cart", p->name);
}

/* The first departure of a on day with seats for total beyond what the cart holds. */
static const struct cat_departure *
departure_with_seats(struct method_call *c, const struct store_cart *cart,
                     const struct cat_activity *a, long day, int total)
{
    if (!a->published || !catalogue_runs_on(a, day, c->today))
        return NULL;
    for (size_t i = 0; i < a->ndepartures; i++) {
        const struct cat_departure *d = &a->departures[i];
        if (inventory_seats_left(c->store, a, day, c->today, d) -
                seats_in_cart(c, cart, a->id, day, d->time) >=
            total)
            return d;
    }
    return NULL;
}

static const char *
add_package(struct method_call *c)
{
    static const char *const date_names[] = {"packageDate", "activityDate", "startDate", NULL};
    struct store_cart cart;
    int pax[PAX_TYPES];
    long day = c->today;
    if (cart_load(c, &cart) < 0)
        return "error";
    const struct cat_package *p = param_package(c);
    if (!p)
        return "error";
    struct buf given = BUF_INIT;
    const char *date_name = method_param_first(c, date_names, &given);
    buf_free(&given);
    if (date_name && param_bookable_day(c, date_name, &day) < 0)
        return "error";
    int total = param_pax(c, pax);
    if (total < 0)
        return "error";
    if (total == 0)
        return method_fail(c, "bad-parameter", MERR_FILTER, "zapiMethod/pax holds no passengers");
    if (check_pax_types(c, p->prices, p->nprices, pax, "Package", p->id) < 0)
        return "error";
    if (cart.nitems + 1 + p->nitems > STORE_MAX_ITEMS)
        return method_fail(c, "cart-full", MERR_GENERAL, "Cart %s has no room for %zu more items",
                           cart.id, 1 + p->nitems);
    const struct cat_departure *deps[STORE_MAX_ITEMS];
    for (size_t i = 0; i < p->nitems; i++) {
        const struct cat_activity *a = p->items[i].activity;
        if (!(deps[i] = departure_with_seats(c, &cart, a, day + p->items[i].day, total))) {
            char date[DATE_TEXT];
            date_format(day + p->items[i].day, date);
            return method_fail(c, "sold-out", MERR_ACTIVITY_SOLDOUT,
                               "Package %ld: %s has no departure with %d seats on %s (see "
                               "zapiPackage_DetermineMinimumDatesToBook)",
                               p->id, a->name, total, date);
        }
    }
    struct store_item *pk = new_item(c, &cart, ITEM_PACKAGE, p->id);
    pk->day = day;
    memcpy(pk->pax, pax, sizeof(pax));
    long pk_id = pk->cart_item_id;
    for (size_t i = 0; i < p->nitems; i++) {
        struct store_item *it = new_item(c, &cart, ITEM_ACTIVITY, p->items[i].activity->id);
        it->day = day + p->items[i].day;
        it->time = deps[i]->time;
        memcpy(it->pax, pax, sizeof(pax));
        it->package_item_of = pk_id;
    }
    if (cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "%s added to cart", p->name);
}

static const char *
get_contents(struct method_call *c)
{
    struct store_cart cart;
    if (cart_load(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "Cart contents%s", "");
}

/* Copies a parameter into a fixed field when given; 0, or -1 when too long (20). */
static int
take_text(struct method_call *c, const char *name, char *dst, size_t cap)
{
    struct buf b = BUF_INIT;
    int rc = 0;
    if (method_param(c, name, &b) == 0) {
        if (b.len >= cap) {
            method_fail(c, "bad-parameter", MERR_FILTER,
                        "zapiMethod/%s is longer than %zu characters", name, cap - 1);
            rc = -1;
        } else {
            memcpy(dst, b.data, b.len + 1);
        }
    }
    buf_free(&b);
    return rc;
}

static const char *
update_customer(struct method_call *c)
{
    struct store_cart cart;
    if (cart_load(c, &cart) < 0)
        return "error";
    struct store_customer *cu = &cart.customer;
    const struct {
        const char *name;
        char *dst;
        size_t cap;
    } fields[] = {
        {"firstName", cu->first_name, sizeof(cu->first_name)},
        {"lastName", cu->last_name, sizeof(cu->last_name)},
        {"email", cu->email, sizeof(cu->email)},
        {"mobileNumber", cu->phone, sizeof(cu->phone)},
        {"phoneNumber", cu->phone, sizeof(cu->phone)},
        {"address", cu->address, sizeof(cu->address)},
        {"city", cu->city, sizeof(cu->city)},
        {"country", cu->country, sizeof(cu->country)},
        {"postalCode", cu->postal_code, sizeof(cu->postal_code)},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (take_text(c, fields[i].name, fields[i].dst, fields[i].cap) < 0)
            return "error";
    if (cu->email[0] && !strchr(cu->email, '@'))
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/email \"%.60s\" is not an e-mail address", cu->email);
    if (cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "Updated%s", "");
}

static const char *
update_notes(struct method_call *c)
{
    struct store_cart cart;
    if (cart_load(c, &cart) < 0)
        return "error";
    cart.notes[0] = '\0';
    if (take_text(c, "notes", cart.notes, sizeof(cart.notes)) < 0 || cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "Updated notes%s", "");
}

/* Removes item i and, for a package, the activities booked with it. */
static void
remove_item(struct store_cart *cart, size_t i)
{
    long id = cart->items[i].cart_item_id;
    size_t k = 0;
    for (size_t j = 0; j < cart->nitems; j++)
        if (cart->items[j].cart_item_id != id && cart->items[j].package_item_of != id)
            cart->items[k++] = cart->items[j];
    cart->nitems = k;
}

static const char *
remove_kind(struct method_call *c, enum store_item_kind kind)
{
    struct store_cart cart;
    long item = 0, ref = 0, day = 0;
    if (cart_load(c, &cart) < 0)
        return "error";
    int has_item = method_param_long(c, "cartItemId", &item);
    const char *ref_name = kind == ITEM_ACTIVITY ? "activityId" : "productId";
    int has_ref = has_item == -2 ? -2 : method_param_long(c, ref_name, &ref);
    if (has_item == -2 || has_ref == -2)
        return "error";
    int has_day = kind == ITEM_ACTIVITY ? method_param_date(c, "activityDate", &day) : -1;
    if (has_day == -2)
        return "error";
    if (has_item < 0 && has_ref < 0)
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/cartItemId (or %s) is missing", ref_name);
    for (size_t i = 0; i < cart.nitems; i++) {
        const struct store_item *it = &cart.items[i];
        if (it->kind != kind || it->package_item_of)
            continue;
        if ((has_item == 0 && it->cart_item_id != item) || (has_ref == 0 && it->ref_id != ref) ||
            (has_day == 0 && it->day != day))
            continue;
        const char *name = "Item";
        if (kind == ITEM_ACTIVITY && catalogue_activity(c->catalogue, it->ref_id))
            name = catalogue_activity(c->catalogue, it->ref_id)->name;
        if (kind == ITEM_PRODUCT && catalogue_product(c->catalogue, it->ref_id))
            name = catalogue_product(c->catalogue, it->ref_id)->name;
        remove_item(&cart, i);
        if (cart_save(c, &cart) < 0)
            return "error";
        return answer_cart(c, &cart, "%s removed", name);
    }
    return method_fail(
        c, "no-item", kind == ITEM_ACTIVITY ? MERR_ACTIVITY_NODATA : MERR_PRODUCT_NODATA,
        "Cart %s holds no such %s", cart.id, kind == ITEM_ACTIVITY ? "activity" : "product");
}

static const char *
remove_activity(struct method_call *c)
{
    return remove_kind(c, ITEM_ACTIVITY);
}

static const char *
remove_product(struct method_call *c)
{
    return remove_kind(c, ITEM_PRODUCT);
}

static const char *
clear_session(struct method_call *c)
{
    struct store_cart cart;
    if (cart_load(c, &cart) < 0)
        return "error";
    cart.nitems = 0;
    cart.promo_code[0] = cart.gift_code[0] = '\0';
    cart.loaded_booking = 0;
    if (cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "Successful%s", "");
}

static const char *
remove_session(struct method_call *c)
{
    struct store_cart cart;
    if (cart_load(c, &cart) < 0)
        return "error";
    int rc = store_cart_remove(c->store, cart.id, c->partner->token, c->now);
    if (rc != STORE_OK) {
        cart_error(c, rc, cart.id);
        return "error";
    }
    model_set(c->model, model_add(c->model, NULL, "cart"), "cartId", cart.id);
    buf_printf(&c->message, "Cart sessions cleared and removed");
    return "";
}

static const char *
all_sessions(struct method_call *c)
{
    struct store_cart *carts = malloc(CART_LIST_MAX * sizeof(*carts));
    if (!carts)
        return method_fail(c, "general", MERR_GENERAL, "Out of memory listing carts");
    size_t total = store_cart_list(c->store, c->partner->token, c->now, carts, CART_LIST_MAX);
    size_t n = total < CART_LIST_MAX ? total : CART_LIST_MAX;
    struct model_node *list = model_add(c->model, NULL, "carts");
    for (size_t i = 0; i < n; i++) {
        struct model_node *k = model_add(c->model, list, "cart");
        struct pricing_totals t;
        struct tm tm;
        char stamp[32];
        gmtime_r(&carts[i].created, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
        cart_totals(c, &carts[i], &t);
        model_set(c->model, k, "cartId", carts[i].id);
        model_set(c->model, k, "createdTimeStamp", stamp);
        model_setf(c->model, k, "numberOfItems", "%zu", carts[i].nitems);
        set_money_pair(c, k, "total", t.total);
    }
    model_setf(c->model, NULL, "totalCarts", "%zu", total);
    free(carts);
    buf_printf(&c->message, "Cart sessions found");
    return "";
}

static const char *
apply_promotion(struct method_call *c)
{
    struct store_cart cart;
    struct buf code = BUF_INIT;
    if (cart_load(c, &cart) < 0)
        return "error";
    static const char *const names[] = {"promoCodeName", "promoCode", NULL};
    if (!method_param_first(c, names, &code)) {
        buf_free(&code);
        return method_fail(c, "bad-parameter", MERR_FILTER, "zapiMethod/promoCodeName is missing");
    }
    const struct cat_promotion *p = catalogue_promotion(c->catalogue, code.data);
    if (!p) {
        method_fail(c, "bad-promotion", MERR_GENERAL, "Promotion code \"%.40s\" is not valid",
                    code.data);
        buf_free(&code);
        return "error";
    }
    buf_free(&code);
    snprintf(cart.promo_code, sizeof(cart.promo_code), "%s", p->code);
    if (cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "Promotion code %s applied", p->code);
}

static const char *
apply_gift(struct method_call *c)
{
    struct store_cart cart;
    struct buf code = BUF_INIT;
    if (cart_load(c, &cart) < 0)
        return "error";
    static const char *const names[] = {"giftCertificate", "giftCertificateCode", NULL};
    if (!method_param_first(c, names, &code)) {
        buf_free(&code);
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/giftCertificate is missing");
    }
    const struct cat_gift *g = catalogue_gift(c->catalogue, code.data);
    buf_free(&code);
    if (!g)
        return method_fail(c, "bad-gift", MERR_GENERAL, "Gift certificate is not valid");
    if (gift_left(c, g->code) <= 0)
        return method_fail(c, "bad-gift", MERR_GENERAL, "Gift certificate has no balance left");
    snprintf(cart.gift_code, sizeof(cart.gift_code), "%s", g->code);
    if (cart_save(c, &cart) < 0)
        return "error";
    return answer_cart(c, &cart, "Gift certificate applied%s", "");
}

static const struct method_handler handlers[] = {
    {"zapiCreateUniqueCartSession", create_session, 0},
    {"zapiAddActivityToCart", add_activity, 0},
    {"zapiAddProductToCart", add_product, 0},
    {"zapiAddPackageToCart", add_package, 0},
    {"zapiGetCartContents", get_contents, 0},
    {"zapiUpdateCustomerDetailsToCart", update_customer, 0},
    {"zapiUpdateNotesToCart", update_notes, 0},
    {"zapiRemoveActivityCartItem", remove_activity, 0},
    {"zapiRemoveProductCartItem", remove_product, 0},
    {"zapiClearCartSession", clear_session, 0},
    {"zapiRemoveCartSession", remove_session, 0},
    {"zapiGetAllCartSessions", all_sessions, 0},
    {"zapiPromotionCodeApply", apply_promotion, 0},
    {"zapiGiftCertificateApply", apply_gift, 0},
};

const struct method_area methods_cart = {"cart", handlers, sizeof(handlers) / sizeof(handlers[0])};
