/* Shared by the method areas: parameters every area reads, and the model pieces several answers
 * show (money, activities, passenger types). */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "../inventory.h"

const char *
yes_no(int v)
{
    return v ? "true" : "false";
}

/* "$105.00": money as ZAPI formats it for people. */
struct model_node *
set_formatted(struct method_call *c, struct model_node *parent, const char *name, long cents)
{
    long a = cents < 0 ? -cents : cents;
    return model_setf(c->model, parent, name, "%s%s%ld.%02ld", cents < 0 ? "-" : "",
                      c->catalogue->op.currency_symbol, a / 100, a % 100);
}

void
set_money_pair(struct method_call *c, struct model_node *parent, const char *name, long cents)
{
    char fname[64];
    model_set_money(c->model, parent, name, cents);
    snprintf(fname, sizeof(fname), "%s_formatted", name);
    set_formatted(c, parent, fname, cents);
}

/* The activity named by zapiMethod/activityId, published or not; fails the call with 20 or 53. */
const struct cat_activity *
param_activity(struct method_call *c)
{
    long id;
    int rc = method_param_long(c, "activityId", &id);
    if (rc == -1)
        method_fail(c, "no-data", MERR_ACTIVITY_NODATA, "zapiMethod/activityId is missing");
    if (rc < 0)
        return NULL;
    const struct cat_activity *a = catalogue_activity(c->catalogue, id);
    if (!a)
        method_fail(c, "no-data", MERR_ACTIVITY_NODATA, "No activity with activityId %ld", id);
    return a;
}

/* The same, and bookable online: fails with 52 when not published. */
const struct cat_activity *
param_published_activity(struct method_call *c)
{
    const struct cat_activity *a = param_activity(c);
    if (a && !a->published) {
        method_fail(c, "not-published", MERR_ACTIVITY_NOTPUBLISHED,
                    "Activity %ld (%s) is not published for online booking", a->id, a->name);
        return NULL;
    }
    return a;
}

/* A date parameter, today when absent. 0, or -1 after failing the call. */
int
param_day(struct method_call *c, const char *name, long *day)
{
    int rc = method_param_date(c, name, day);
    if (rc == -1)
        *day = c->today;
    return rc == -2 ? -1 : 0;
}

/* A date that must not be in the past. */
int
param_bookable_day(struct method_call *c, const char *name, long *day)
{
    if (param_day(c, name, day) < 0)
        return -1;
    if (*day < c->today) {
        char d[DATE_TEXT];
        date_format(*day, d);
        method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                    "zapiMethod/%s %s is in the past (today is %s)", name, d, c->today_text);
        return -1;
    }
    return 0;
}

/* Passenger counts from pax, passengers or requestedPassengers (elements seniors ... infants).
 * Returns the total, or -1 after failing the call. */
int
param_time(struct method_call *c, const struct cat_activity *a, int *time)
{
    struct buf tb = BUF_INIT;
    if (method_param(c, "activityTime", &tb) < 0) {
        buf_free(&tb);
        return 0;
    }
    int t, ok = date_parse_time(tb.data, &t) == 0 && catalogue_departure(a, t);
    if (ok)
        *time = t;
    else
        method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                    "zapiMethod/activityTime \"%.20s\" is not a departure of activity %ld", tb.data,
                    a->id);
    buf_free(&tb);
    return ok ? 1 : -1;
}

int
param_pax(struct method_call *c, int counts[PAX_TYPES])
{
    static const char *const containers[] = {"pax", "passengers", "requestedPassengers"};
    memset(counts, 0, PAX_TYPES * sizeof(int));
    int total = 0;
    /* The first container the request has is the party; the others are not added to it. */
    size_t first = 0;
    while (first + 1 < sizeof(containers) / sizeof(containers[0]) &&
           !xml_child(c->req->method, containers[first]))
        first++;
    for (size_t k = first; k == first; k++) {
        for (int t = 0; t < PAX_TYPES; t++) {
            char path[64];
            long v = 0;
            snprintf(path, sizeof(path), "%s.%s", containers[k],
                     catalogue_pax_element(PAX_FIRST + t));
            int rc = method_param_long(c, path, &v);
            if (rc == -2)
                return -1;
            if (rc == 0 && (v < 0 || v > 1000)) {
                method_fail(c, "bad-parameter", MERR_FILTER,
                            "zapiMethod/%s must be from 0 to 1000, not %ld", path, v);
                return -1;
            }
            if (rc == 0) {
                counts[t] += (int)v;
                total += (int)v;
            }
        }
    }
    return total;
}

const struct cat_product *
param_product(struct method_call *c)
{
    long id;
    int rc = method_param_long(c, "productId", &id);
    if (rc == -1)
        method_fail(c, "no-data", MERR_PRODUCT_NODATA, "zapiMethod/productId is missing");
    if (rc < 0)
        return NULL;
    const struct cat_product *p = catalogue_product(c->catalogue, id);
    if (!p)
        method_fail(c, "no-data", MERR_PRODUCT_NODATA, "No product with productId %ld", id);
    else if (!p->published)
        method_fail(c, "not-published", MERR_PRODUCT_NOTPUBLISHED,
                    "Product %ld (%s) is not published for online sale", id, p->name);
    return p && p->published ? p : NULL;
}

const struct cat_package *
param_package(struct method_call *c)
{
    long id;
    int rc = method_param_long(c, "packageId", &id);
    if (rc == -1)
        method_fail(c, "no-data", MERR_ACTIVITY_NODATA, "zapiMethod/packageId is missing");
    if (rc < 0)
        return NULL;
    const struct cat_package *p = catalogue_package(c->catalogue, id);
    if (!p)
        method_fail(c, "no-data", MERR_ACTIVITY_NODATA, "No package with packageId %ld", id);
    else if (!p->published)
        method_fail(c, "not-published", MERR_ACTIVITY_NOTPUBLISHED,
                    "Package %ld (%s) is not published for online booking", id, p->name);
    return p && p->published ? p : NULL;
}

void
activity_summary(struct method_call *c, struct model_node *list, const struct cat_activity *a)
{
    struct model *m = c->model;
    struct model_node *n = model_add(m, list, "activity");
    model_setf(m, n, "activityId", "%ld", a->id);
    model_set(m, n, "activityName", a->name);
    model_setf(m, n, "activityType", "%d", a->type);
    model_set(m, n, "activityTypeAsString", catalogue_type_name(a->type));
    model_setf(m, n, "categoryId", "%ld", a->category->id);
    model_set(m, n, "categoryName", a->category->name);
    model_set(m, n, "shortDescription", a->short_description);
    model_set(m, n, "imageUrl", a->image_url);
    long from = -1;
    for (size_t i = 0; i < a->nprices; i++)
        if (a->prices[i].cents > 0 && (from < 0 || a->prices[i].cents < from))
            from = a->prices[i].cents;
    set_money_pair(c, n, "priceFrom", from < 0 ? 0 : from);
}

void
passenger_types(struct method_call *c, struct model_node *parent, const struct cat_price *prices,
                size_t nprices, int tax_bp)
{
    struct model *m = c->model;
    struct model_node *list = model_add(m, parent, "passengerTypes");
    for (int t = PAX_FIRST; t < PAX_FIRST + PAX_TYPES; t++) {
        long cents = catalogue_price(prices, nprices, t);
        if (cents < 0)
            continue;
        struct model_node *p = model_add(m, list, "passengerType");
        model_setf(m, p, "systemTypeId", "%d", t);
        model_set(m, p, "systemTypeName", catalogue_pax_name(t));
        model_set(m, p, "name", catalogue_pax_name(t));
        model_set(m, p, "element", catalogue_pax_element(t));
        model_set(m, p, "defaultValue", t == PAX_FIRST + 1 ? "1" : "0");
        set_money_pair(c, p, "basePrice", cents);
        set_money_pair(c, p, "tax", catalogue_tax(cents, tax_bp));
    }
}

/* "Tuesday, December 1, 2026 9:00 AM" */
static void
set_formatted_datetime(struct method_call *c, struct model_node *n, long day, int time)
{
    static const char *const days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    char d[DATE_TEXT];
    date_format(day, d);
    int md = date_month_day(day), h = time / 3600, m = time / 60 % 60;
    model_setf(c->model, n, "formattedActivityDateTime", "%s, %s %d, %.4s %d:%02d %s",
               days[date_weekday(day)], months[md / 100 - 1], md % 100, d, h % 12 ? h % 12 : 12, m,
               h < 12 ? "AM" : "PM");
}

static void
pax_view(struct method_call *c, struct model_node *n, const int pax[PAX_TYPES])
{
    struct model_node *p = model_add(c->model, n, "passengers");
    int total = 0;
    for (int t = 0; t < PAX_TYPES; t++) {
        model_setf(c->model, p, catalogue_pax_element(PAX_FIRST + t), "%d", pax[t]);
        total += pax[t];
    }
    model_setf(c->model, n, "totalPassengers", "%d", total);
}

static void
price_view(struct method_call *c, struct model_node *n, const struct store_item *it, int booked)
{
    long cents = it->cents, tax = it->tax_cents;
    if (!booked && pricing_item(c->catalogue, it, &cents, &tax) < 0)
        cents = tax = 0;
    set_money_pair(c, n, "subtotal", cents);
    set_money_pair(c, n, "tax", tax);
    set_money_pair(c, n, "total", cents + tax);
}

static void
activity_item_view(struct method_call *c, struct model_node *list, const struct store_item *it,
                   int booked)
{
    struct model *m = c->model;
    const struct cat_activity *a = catalogue_activity(c->catalogue, it->ref_id);
    struct model_node *n = model_add(m, list, "activity");
    char d[DATE_TEXT], t[9];
    date_format(it->day, d);
    date_format_time(it->time, t);
    model_setf(m, n, "cartItemId", "%ld", it->cart_item_id);
    model_setf(m, n, "activityId", "%ld", it->ref_id);
    model_setf(m, n, "activityType", "%d", a ? a->type : 0);
    model_set(m, n, "activityName", a ? a->name : "(no longer in the catalogue)");
    model_set(m, n, "activityDate", d);
    model_set(m, n, "activityTime", t);
    set_formatted_datetime(c, n, it->day, it->time);
    pax_view(c, n, it->pax);
    const struct cat_location *pick = catalogue_location(c->catalogue, it->pickup_id);
    const struct cat_location *drop = catalogue_location(c->catalogue, it->dropoff_id);
    model_setf(m, n, "pickupLocationId", "%ld", pick ? pick->id : 0L);
    model_set(m, n, "pickupLocationName", pick ? pick->name : "");
    model_setf(m, n, "dropOffLocationId", "%ld", drop ? drop->id : 0L);
    model_set(m, n, "dropOffLocationName", drop ? drop->name : "");
    model_setf(m, n, "equipmentId", "%ld", it->equipment_id);
    model_setf(m, n, "equipmentQuantity", "%d", it->equipment_quantity);
    model_setf(m, n, "packageCartItemId", "%ld", it->package_item_of);
    model_set(m, n, "checkedIn", yes_no(it->checked_in));
    price_view(c, n, it, booked);
    int total = 0;
    for (int k = 0; k < PAX_TYPES; k++)
        total += it->pax[k];
    const struct cat_departure *dep = a ? catalogue_departure(a, it->time) : NULL;
    int left = dep ? inventory_seats_left(c->store, a, it->day, c->today, dep) : 0;
    model_set(m, n, "inventoryRemainsAvailable", yes_no(booked || left >= total));
}

static void
product_item_view(struct method_call *c, struct model_node *list, const struct store_item *it,
                  int booked)
{
    struct model *m = c->model;
    const struct cat_product *p = catalogue_product(c->catalogue, it->ref_id);
    struct model_node *n = model_add(m, list, "product");
    model_setf(m, n, "cartItemId", "%ld", it->cart_item_id);
    model_setf(m, n, "productId", "%ld", it->ref_id);
    model_set(m, n, "productName", p ? p->name : "(no longer in the catalogue)");
    model_setf(m, n, "quantity", "%d", it->quantity);
    set_money_pair(c, n, "price", p ? p->cents : 0);
    price_view(c, n, it, booked);
    int left = p ? inventory_stock_left(c->store, p) : 0;
    model_set(m, n, "inventoryRemainsAvailable", yes_no(booked || left >= it->quantity));
}

static void
package_item_view(struct method_call *c, struct model_node *list, const struct store_item *it,
                  int booked)
{
    struct model *m = c->model;
    const struct cat_package *p = catalogue_package(c->catalogue, it->ref_id);
    struct model_node *n = model_add(m, list, "package");
    char d[DATE_TEXT];
    date_format(it->day, d);
    model_setf(m, n, "cartItemId", "%ld", it->cart_item_id);
    model_setf(m, n, "packageId", "%ld", it->ref_id);
    model_set(m, n, "packageName", p ? p->name : "(no longer in the catalogue)");
    model_set(m, n, "packageDate", d);
    pax_view(c, n, it->pax);
    price_view(c, n, it, booked);
}

void
items_view(struct method_call *c, struct model_node *parent, const struct store_item *items,
           size_t n, int booked)
{
    struct model_node *acts = model_add(c->model, parent, "activities");
    struct model_node *prods = model_add(c->model, parent, "products");
    struct model_node *packs = model_add(c->model, parent, "packages");
    for (size_t i = 0; i < n; i++) {
        if (items[i].kind == ITEM_ACTIVITY)
            activity_item_view(c, acts, &items[i], booked);
        else if (items[i].kind == ITEM_PRODUCT)
            product_item_view(c, prods, &items[i], booked);
        else
            package_item_view(c, packs, &items[i], booked);
    }
}

void
customer_view(struct method_call *c, struct model_node *parent, const struct store_customer *cu)
{
    struct model_node *n = model_add(c->model, parent, "customer");
    model_set(c->model, n, "firstName", cu->first_name);
    model_set(c->model, n, "lastName", cu->last_name);
    model_set(c->model, n, "email", cu->email);
    model_set(c->model, n, "mobileNumber", cu->phone);
    model_set(c->model, n, "address", cu->address);
    model_set(c->model, n, "city", cu->city);
    model_set(c->model, n, "country", cu->country);
    model_set(c->model, n, "postalCode", cu->postal_code);
}

void
totals_view(struct method_call *c, struct model_node *parent, const struct pricing_totals *t)
{
    struct model_node *n = model_add(c->model, parent, "totals");
    set_money_pair(c, n, "activityTotal", t->activities);
    set_money_pair(c, n, "productTotal", t->products);
    set_money_pair(c, n, "packageTotal", t->packages);
    set_money_pair(c, n, "subTotal", t->subtotal);
    set_money_pair(c, n, "discount", t->discount);
    set_money_pair(c, n, "tax", t->tax);
    set_money_pair(c, n, "total", t->total);
    set_money_pair(c, n, "totalIncludingTax", t->total);
    set_money_pair(c, n, "giftCertificateAmount", t->gift);
    set_money_pair(c, n, "balance", t->balance);
}
