/* Catalogue: the read-only methods, answered from the fixture set's catalogue and the store's
 * inventory. Each builds a model the method's fixture renders; lists are model nodes whose
 * children the fixture repeats with each="". */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../inventory.h"
#include "../methods.h"
#include "common.h"

#define BATCH_MAX_DAYS 366      /* zapiBatchAvailability answers at most a year at once */
#define PACKAGE_SEARCH_DAYS 365 /* how far zapiPackage_DetermineMinimumDatesToBook looks */
#define CANCELLATIONS_DEFAULT_DAYS 365

/* ---- parameters ---- */

/* ---- activities ---- */

static void
locations(struct method_call *c, struct model_node *parent, const char *name,
          const struct cat_location *const *locs, size_t n)
{
    struct model *m = c->model;
    struct model_node *list = model_add(m, parent, name);
    for (size_t i = 0; i < n; i++) {
        struct model_node *l = model_add(m, list, "location");
        model_setf(m, l, "locationId", "%ld", locs[i]->id);
        model_set(m, l, "locationName", locs[i]->name);
        model_set(m, l, "address", locs[i]->address);
        model_set(m, l, "time", locs[i]->time);
    }
}

/* One departure as the inventory answers show it. requested = seats asked for (0: any). */
static int
departure_node(struct method_call *c, struct model_node *list, const struct cat_activity *a,
               long day, const struct cat_departure *d, int requested)
{
    struct model *m = c->model;
    char t[9];
    date_format_time(d->time, t);
    int left = inventory_seats_left(c->store, a, day, c->today, d);
    int cancelled = store_departure_cancelled(c->store, a->id, day, d->time);
    int ok = left > 0 && left >= requested;
    struct model_node *n = model_add(m, list, "activityTime");
    model_set(m, n, "activityTimeId", t);
    model_set(m, n, "activityTimeStart", t);
    model_set(m, n, "activityTimeAvailable", yes_no(ok));
    model_setf(m, n, "activityTimeSpotsRemaining", "%d", left);
    model_setf(m, n, "capacity", "%d", d->capacity);
    model_setf(m, n, "inventoryCheckCode", "%d", ok ? 0 : MERR_ACTIVITY_SOLDOUT);
    if (cancelled)
        model_set(m, n, "inventoryCheckMessage", "Departure cancelled");
    else if (ok)
        model_set(m, n, "inventoryCheckMessage", "Available");
    else
        model_setf(m, n, "inventoryCheckMessage", "Not enough seats: %d left", left);
    model_set(m, n, "numberOnStandby", "0");
    model_set(m, n, "isStandbyAvailable", "false");
    model_set(m, n, "status", cancelled ? "CANCELLED" : ok ? "AVAILABLE" : "SOLD_OUT");
    return ok;
}

/* The departures of day (none when the activity does not run then). Returns how many can take
 * requested seats. */
static int
departures(struct method_call *c, struct model_node *parent, const struct cat_activity *a, long day,
           int requested, int only_time)
{
    struct model_node *list = model_add(c->model, parent, "activityTimes");
    int available = 0;
    if (!catalogue_runs_on(a, day, c->today))
        return 0;
    for (size_t i = 0; i < a->ndepartures; i++)
        if (only_time < 0 || a->departures[i].time == only_time)
            available += departure_node(c, list, a, day, &a->departures[i], requested);
    return available;
}

static void
activity_detail(struct method_call *c, struct model_node *n, const struct cat_activity *a, long day)
{
    struct model *m = c->model;
    char d[DATE_TEXT];
    date_format(day, d);
    model_setf(m, n, "categoryId", "%ld", a->category->id);
    model_set(m, n, "categoryName", a->category->name);
    model_setf(m, n, "activityId", "%ld", a->id);
    model_set(m, n, "activityName", a->name);
    model_set(m, n, "activityDate", d);
    model_setf(m, n, "activityTypeId", "%d", a->type);
    model_set(m, n, "activityTypeAsString", catalogue_type_name(a->type));
    model_set(m, n, "activityIsMultiday", yes_no(a->duration_minutes > 24 * 60));
    model_set(m, n, "isFreeSell", "false");
    model_set(m, n, "isPublished", yes_no(a->published));
    model_set(m, n, "runsOnDate", yes_no(catalogue_runs_on(a, day, c->today)));
    model_setf(m, n, "durationMinutes", "%d", a->duration_minutes);
    model_set(m, n, "description", a->description);
    model_set(m, n, "shortDescription", a->short_description);
    model_set(m, n, "imageUrl", a->image_url);
    model_setf(m, n, "priceCodeId", "%ld", a->price_code_id);
    model_setf(m, n, "taxPercent", "%d.%02d", a->tax_basis_points / 100, a->tax_basis_points % 100);
    passenger_types(c, n, a->prices, a->nprices, a->tax_basis_points);
    locations(c, n, "pickupLocations", a->pickups, a->npickups);
    locations(c, n, "dropOffLocations", a->dropoffs, a->ndropoffs);
    struct model_node *eq = model_add(m, n, "equipment");
    for (size_t i = 0; i < a->nequipment; i++) {
        struct model_node *e = model_add(m, eq, "item");
        model_setf(m, e, "equipmentId", "%ld", a->equipment[i].id);
        model_set(m, e, "equipmentName", a->equipment[i].name);
        set_money_pair(c, e, "price", a->equipment[i].cents);
        model_setf(m, e, "quantityAvailable", "%d", a->equipment[i].stock);
    }
    departures(c, n, a, day, 0, -1);
}

/* A category's id, name and description as a new node of list. */
static struct model_node *
category_node(struct method_call *c, struct model_node *list, const struct cat_category *k)
{
    struct model_node *n = model_add(c->model, list, "category");
    model_setf(c->model, n, "categoryId", "%ld", k->id);
    model_set(c->model, n, "categoryName", k->name);
    model_set(c->model, n, "categoryDescription", k->description);
    return n;
}

/* zapiMethod/categoryId among cats: the category, or NULL after failing the call (20, or
 * code when missing or unknown). */
static const struct cat_category *
param_category(struct method_call *c, const struct cat_category *cats, size_t n, int code,
               const char *what)
{
    long id;
    int rc = method_param_long(c, "categoryId", &id);
    if (rc == -1)
        method_fail(c, "no-data", code, "zapiMethod/categoryId is missing");
    if (rc < 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (cats[i].id == id)
            return &cats[i];
    method_fail(c, "no-data", code, "No %s category with categoryId %ld", what, id);
    return NULL;
}

static const char *
activity_categories(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    struct model_node *list = model_add(c->model, NULL, "categories");
    for (size_t i = 0; i < cat->nactivity_categories; i++) {
        const struct cat_category *k = &cat->activity_categories[i];
        struct model_node *n = category_node(c, list, k);
        struct model_node *acts = model_add(c->model, n, "activities");
        for (size_t j = 0; j < cat->nactivities; j++)
            if (cat->activities[j].category == k && cat->activities[j].published)
                activity_summary(c, acts, &cat->activities[j]);
        model_setf(c->model, n, "numberOfActivities", "%zu", acts ? acts->count : 0);
    }
    return "";
}

static const char *
activities_by_category(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    const struct cat_category *k = param_category(
        c, cat->activity_categories, cat->nactivity_categories, MERR_ACTIVITY_NODATA, "activity");
    if (!k)
        return "error";
    category_node(c, NULL, k);
    struct model_node *list = model_add(c->model, NULL, "activities");
    for (size_t j = 0; j < cat->nactivities; j++)
        if (cat->activities[j].category == k && cat->activities[j].published)
            activity_summary(c, list, &cat->activities[j]);
    return "";
}

static const char *
activities_by_date(struct method_call *c)
{
    long day;
    if (param_bookable_day(c, "activityDate", &day) < 0)
        return "bad-date";
    const struct catalogue *cat = c->catalogue;
    char d[DATE_TEXT];
    date_format(day, d);
    model_set(c->model, NULL, "date", d);
    struct model_node *list = model_add(c->model, NULL, "activities");
    for (size_t j = 0; j < cat->nactivities; j++) {
        const struct cat_activity *a = &cat->activities[j];
        if (a->published && catalogue_runs_on(a, day, c->today)) {
            activity_summary(c, list, a);
            model_set(c->model, list->last, "activityDate", d);
            departures(c, list->last, a, day, 0, -1);
        }
    }
    return "";
}

static const char *
activities_by_name(struct method_call *c)
{
    struct buf q = BUF_INIT;
    if (method_param(c, "activityNameToSearch", &q) < 0) {
        buf_free(&q);
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/activityNameToSearch is missing");
    }
    const struct catalogue *cat = c->catalogue;
    model_set(c->model, NULL, "search", q.data);
    struct model_node *list = model_add(c->model, NULL, "activities");
    for (size_t j = 0; j < cat->nactivities; j++)
        if (cat->activities[j].published && strcasestr(cat->activities[j].name, q.data))
            activity_summary(c, list, &cat->activities[j]);
    buf_free(&q);
    return "";
}

static void
product_fields(struct method_call *c, struct model_node *n, const struct cat_product *p)
{
    struct model *m = c->model;
    model_setf(m, n, "productId", "%ld", p->id);
    model_set(m, n, "productName", p->name);
    model_setf(m, n, "categoryId", "%ld", p->category->id);
    model_set(m, n, "categoryName", p->category->name);
    model_set(m, n, "description", p->description);
    model_set(m, n, "imageUrl", p->image_url);
    model_set(m, n, "sku", p->sku);
    set_money_pair(c, n, "price", p->cents);
    set_money_pair(c, n, "tax", catalogue_tax(p->cents, p->tax_basis_points));
    int left = inventory_stock_left(c->store, p);
    model_setf(m, n, "quantityAvailable", "%d", left);
    model_set(m, n, "inStock", yes_no(left > 0));
    model_set(m, n, "isPublished", yes_no(p->published));
}

static void
product_node(struct method_call *c, struct model_node *list, const struct cat_product *p)
{
    product_fields(c, model_add(c->model, list, "product"), p);
}

static void package_node(struct method_call *c, struct model_node *list,
                         const struct cat_package *p);
static void product_node(struct method_call *c, struct model_node *list,
                         const struct cat_product *p);

static const char *
activity_and_product_catalog(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    struct model_node *acts = model_add(c->model, NULL, "activities");
    for (size_t j = 0; j < cat->nactivities; j++)
        if (cat->activities[j].published)
            activity_summary(c, acts, &cat->activities[j]);
    struct model_node *prods = model_add(c->model, NULL, "products");
    for (size_t j = 0; j < cat->nproducts; j++)
        if (cat->products[j].published)
            product_node(c, prods, &cat->products[j]);
    struct model_node *packs = model_add(c->model, NULL, "packages");
    for (size_t j = 0; j < cat->npackages; j++)
        if (cat->packages[j].published)
            package_node(c, packs, &cat->packages[j]);
    return "";
}

static const char *
activity_details(struct method_call *c)
{
    const struct cat_activity *a = param_published_activity(c);
    long day;
    if (!a)
        return c->error == MERR_FILTER ? "bad-parameter" : "no-data";
    /* Any well-formed date, past or not running: its times are then empty. */
    if (param_day(c, "activityDate", &day) < 0)
        return "bad-date";
    activity_detail(c, model_add(c->model, NULL, "activity"), a, day);
    return "";
}

static const char *
check_inventory(struct method_call *c)
{
    const struct cat_activity *a = param_published_activity(c);
    long day;
    int counts[PAX_TYPES];
    if (!a)
        return "error";
    if (param_bookable_day(c, "activityDate", &day) < 0)
        return "error";
    int total = param_pax(c, counts);
    if (total < 0)
        return "error";
    int only = -1;
    if (param_time(c, a, &only) < 0)
        return "error";
    char d[DATE_TEXT];
    date_format(day, d);
    if (!catalogue_runs_on(a, day, c->today))
        return method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                           "Activity %ld (%s) does not run "
                           "on %s",
                           a->id, a->name, d);
    struct model_node *n = model_add(c->model, NULL, "inventory");
    model_setf(c->model, n, "activityId", "%ld", a->id);
    model_set(c->model, n, "activityDate", d);
    model_set(c->model, n, "activityName", a->name);
    model_setf(c->model, n, "activityType", "%d", a->type);
    model_setf(c->model, n, "totalRequestedPassengers", "%d", total);
    model_setf(c->model, n, "priceCodeId", "%ld", a->price_code_id);
    int available = departures(c, n, a, day, total, only);
    if (available == 0) {
        int most = 0;
        for (size_t i = 0; i < a->ndepartures; i++)
            if (only < 0 || a->departures[i].time == only) {
                int left = inventory_seats_left(c->store, a, day, c->today, &a->departures[i]);
                most = left > most ? left : most;
            }
        return method_fail(c, "sold-out", MERR_ACTIVITY_SOLDOUT,
                           "Sold out: %d seat%s left for %d requested on %s", most,
                           most == 1 ? "" : "s", total ? total : 1, d);
    }
    return "";
}

static const char *
batch_availability(struct method_call *c)
{
    const struct cat_activity *a = param_published_activity(c);
    long from, to;
    if (!a)
        return "error";
    if (param_day(c, "activityStartDate", &from) < 0 || param_day(c, "activityEndDate", &to) < 0)
        return "bad-date";
    if (from < c->today)
        from = c->today; /* documented: a start in the past means today */
    if (to < from)
        return method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                           "zapiMethod/activityEndDate is before activityStartDate");
    if (to - from >= BATCH_MAX_DAYS)
        return method_fail(c, "bad-date", MERR_ACTIVITY_DATE,
                           "At most %d days at once: ask for a shorter range", BATCH_MAX_DAYS);
    struct model_node *n = model_add(c->model, NULL, "batch");
    model_setf(c->model, n, "activityId", "%ld", a->id);
    model_set(c->model, n, "activityName", a->name);
    struct model_node *dates = model_add(c->model, n, "dates");
    for (long day = from; day <= to; day++) {
        if (!catalogue_runs_on(a, day, c->today))
            continue;
        char d[DATE_TEXT];
        date_format(day, d);
        struct model_node *dn = model_add(c->model, dates, "date");
        model_set(c->model, dn, "activityDate", d);
        departures(c, dn, a, day, 0, -1);
    }
    return "";
}

static const char *
price_quote(struct method_call *c)
{
    const struct cat_activity *a = param_published_activity(c);
    long day, pickup;
    int counts[PAX_TYPES];
    if (!a)
        return "error";
    if (param_day(c, "activityDate", &day) < 0)
        return "bad-date";
    int total = param_pax(c, counts);
    if (total < 0)
        return "error";
    if (total == 0)
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/pax holds no passengers: give at least one of "
                           "seniors, adults, students, children, infants");
    int rc = method_param_long(c, "pickupLocationId", &pickup);
    if (rc == -2)
        return "bad-parameter";
    const struct cat_location *loc = NULL;
    if (rc == 0) {
        for (size_t i = 0; i < a->npickups; i++)
            if (a->pickups[i]->id == pickup)
                loc = a->pickups[i];
        if (!loc)
            return method_fail(c, "bad-parameter", MERR_FILTER,
                               "zapiMethod/pickupLocationId %ld is not a pickup of activity %ld",
                               pickup, a->id);
    }
    struct model *m = c->model;
    struct model_node *q = model_add(m, NULL, "quote");
    char d[DATE_TEXT];
    date_format(day, d);
    model_setf(m, q, "activityId", "%ld", a->id);
    model_set(m, q, "activityName", a->name);
    model_set(m, q, "activityDate", d);
    if (loc) {
        model_setf(m, q, "pickupLocationId", "%ld", loc->id);
        model_set(m, q, "pickupLocationName", loc->name);
    }
    struct model_node *lines = model_add(m, q, "passengers");
    long sub = 0;
    for (int t = 0; t < PAX_TYPES; t++) {
        if (!counts[t])
            continue;
        long unit = catalogue_price(a->prices, a->nprices, PAX_FIRST + t);
        if (unit < 0)
            return method_fail(c, "bad-parameter", MERR_FILTER,
                               "Activity %ld does not take %s (passenger type %d)", a->id,
                               catalogue_pax_element(PAX_FIRST + t), PAX_FIRST + t);
        struct model_node *l = model_add(m, lines, "passenger");
        model_setf(m, l, "passengerTypeId", "%d", PAX_FIRST + t);
        model_set(m, l, "name", catalogue_pax_name(PAX_FIRST + t));
        model_setf(m, l, "quantity", "%d", counts[t]);
        set_money_pair(c, l, "basePrice", unit);
        set_money_pair(c, l, "total", unit * counts[t]);
        sub += unit * counts[t];
    }
    long tax = catalogue_tax(sub, a->tax_basis_points);
    model_setf(m, q, "totalPassengers", "%d", total);
    set_money_pair(c, q, "subTotal", sub);
    set_money_pair(c, q, "tax", tax);
    set_money_pair(c, q, "total", sub + tax);
    return "";
}

struct cancel_list {
    struct method_call *c;
    struct model_node *list;
};

static void
add_cancellation(void *ctx, long activity_id, long day, int time)
{
    struct cancel_list *cl = ctx;
    struct model *m = cl->c->model;
    const struct cat_activity *a = catalogue_activity(cl->c->catalogue, activity_id);
    char d[DATE_TEXT], t[9];
    date_format(day, d);
    date_format_time(time, t);
    struct model_node *n = model_add(m, cl->list, "cancellation");
    model_setf(m, n, "activityId", "%ld", activity_id);
    model_set(m, n, "activityName", a ? a->name : "");
    model_set(m, n, "activityDate", d);
    model_set(m, n, "activityTime", t);
}

static const char *
get_cancellations(struct method_call *c)
{
    const struct cat_activity *a = param_activity(c);
    long from, to;
    if (!a)
        return "error";
    if (param_day(c, "cancellationStartDate", &from) < 0)
        return "bad-date";
    int rc = method_param_date(c, "cancellationEndDate", &to);
    if (rc == -2)
        return "bad-date";
    if (rc == -1)
        to = from + CANCELLATIONS_DEFAULT_DAYS;
    struct cancel_list cl = {c, model_add(c->model, NULL, "cancellations")};
    store_list_cancelled(c->store, a->id, from, to, add_cancellation, &cl);
    return "";
}

/* ---- merchandise ---- */

static const char *
merchandise_categories(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    struct model_node *list = model_add(c->model, NULL, "categories");
    for (size_t i = 0; i < cat->nproduct_categories; i++) {
        const struct cat_category *k = &cat->product_categories[i];
        size_t count = 0;
        for (size_t j = 0; j < cat->nproducts; j++)
            count += cat->products[j].category == k && cat->products[j].published;
        model_setf(c->model, category_node(c, list, k), "numberOfProducts", "%zu", count);
    }
    return "";
}

static const char *
merchandise_by_category(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    const struct cat_category *k = param_category(
        c, cat->product_categories, cat->nproduct_categories, MERR_PRODUCT_NODATA, "merchandise");
    if (!k)
        return "error";
    struct model_node *list = model_add(c->model, NULL, "products");
    for (size_t j = 0; j < cat->nproducts; j++)
        if (cat->products[j].category == k && cat->products[j].published)
            product_node(c, list, &cat->products[j]);
    return "";
}

static const char *
merchandise_by_name(struct method_call *c)
{
    static const char *const names[] = {"productNameToSearch", "merchandiseNameToSearch",
                                        "nameToSearch", NULL};
    struct buf q = BUF_INIT;
    if (!method_param_first(c, names, &q)) {
        buf_free(&q);
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/productNameToSearch is missing");
    }
    const struct catalogue *cat = c->catalogue;
    struct model_node *list = model_add(c->model, NULL, "products");
    for (size_t j = 0; j < cat->nproducts; j++)
        if (cat->products[j].published && strcasestr(cat->products[j].name, q.data))
            product_node(c, list, &cat->products[j]);
    buf_free(&q);
    return "";
}

static const char *
product_details(struct method_call *c)
{
    const struct cat_product *p = param_product(c);
    if (!p)
        return "error";
    product_fields(c, model_add(c->model, NULL, "product"), p);
    return "";
}

static const char *
check_product_inventory(struct method_call *c)
{
    const struct cat_product *p = param_product(c);
    long qty = 1;
    if (!p)
        return "error";
    int rc = method_param_long(c, "quantity", &qty);
    if (rc == -2)
        return "bad-parameter";
    if (qty < 1 || qty > 100000)
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/quantity must be from 1 to 100000, not %ld", qty);
    struct model_node *n = model_add(c->model, NULL, "product");
    product_fields(c, n, p);
    model_setf(c->model, n, "quantityRequested", "%ld", qty);
    int left = inventory_stock_left(c->store, p);
    if (left == 0)
        return method_fail(c, "sold-out", MERR_PRODUCT_SOLDOUT, "%s is sold out", p->name);
    if (left < qty)
        return method_fail(c, "no-inventory", MERR_PRODUCT_NOINVENTORY,
                           "Not enough %s in stock: %d left, %ld requested", p->name, left, qty);
    return "";
}

/* ---- packages ---- */

static void
package_fields(struct method_call *c, struct model_node *n, const struct cat_package *p)
{
    struct model *m = c->model;
    model_setf(m, n, "packageId", "%ld", p->id);
    model_set(m, n, "packageName", p->name);
    model_setf(m, n, "categoryId", "%ld", p->category->id);
    model_set(m, n, "categoryName", p->category->name);
    model_set(m, n, "description", p->description);
    model_set(m, n, "imageUrl", p->image_url);
    model_setf(m, n, "numberOfDays", "%d", p->items[p->nitems - 1].day + 1);
    passenger_types(c, n, p->prices, p->nprices, p->tax_basis_points);
    struct model_node *acts = model_add(m, n, "activities");
    for (size_t i = 0; i < p->nitems; i++) {
        activity_summary(c, acts, p->items[i].activity);
        model_setf(m, acts->last, "dayOfPackage", "%d", p->items[i].day + 1);
    }
}

static void
package_node(struct method_call *c, struct model_node *list, const struct cat_package *p)
{
    package_fields(c, model_add(c->model, list, "package"), p);
}

static const char *
package_categories(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    struct model_node *list = model_add(c->model, NULL, "categories");
    for (size_t i = 0; i < cat->npackage_categories; i++) {
        const struct cat_category *k = &cat->package_categories[i];
        size_t count = 0;
        for (size_t j = 0; j < cat->npackages; j++)
            count += cat->packages[j].category == k && cat->packages[j].published;
        model_setf(c->model, category_node(c, list, k), "numberOfPackages", "%zu", count);
    }
    return "";
}

static const char *
packages_by_category(struct method_call *c)
{
    const struct catalogue *cat = c->catalogue;
    const struct cat_category *k = param_category(
        c, cat->package_categories, cat->npackage_categories, MERR_ACTIVITY_NODATA, "package");
    if (!k)
        return "error";
    struct model_node *list = model_add(c->model, NULL, "packages");
    for (size_t j = 0; j < cat->npackages; j++)
        if (cat->packages[j].category == k && cat->packages[j].published)
            package_node(c, list, &cat->packages[j]);
    return "";
}

static const char *
package_details(struct method_call *c)
{
    const struct cat_package *p = param_package(c);
    if (!p)
        return "error";
    package_fields(c, model_add(c->model, NULL, "package"), p);
    return "";
}

/* The first departure of a on day with seats for total, or NULL. */
static const struct cat_departure *
first_with_seats(struct method_call *c, const struct cat_activity *a, long day, int total)
{
    if (!a->published || !catalogue_runs_on(a, day, c->today))
        return NULL;
    for (size_t i = 0; i < a->ndepartures; i++)
        if (inventory_seats_left(c->store, a, day, c->today, &a->departures[i]) >= total)
            return &a->departures[i];
    return NULL;
}

static const char *
package_minimum_dates(struct method_call *c)
{
    const struct cat_package *p = param_package(c);
    int counts[PAX_TYPES];
    if (!p)
        return "error";
    int total = param_pax(c, counts);
    if (total < 0)
        return "error";
    if (total == 0)
        total = 1;
    for (long start = c->today; start < c->today + PACKAGE_SEARCH_DAYS; start++) {
        size_t ok = 0;
        for (; ok < p->nitems; ok++)
            if (!first_with_seats(c, p->items[ok].activity, start + p->items[ok].day, total))
                break;
        if (ok < p->nitems)
            continue;
        struct model *m = c->model;
        struct model_node *n = model_add(m, NULL, "plan");
        char d[DATE_TEXT], t[9];
        date_format(start, d);
        model_setf(m, n, "packageId", "%ld", p->id);
        model_set(m, n, "packageName", p->name);
        model_set(m, n, "firstAvailableDate", d);
        model_setf(m, n, "totalPassengers", "%d", total);
        struct model_node *dates = model_add(m, n, "dates");
        for (size_t i = 0; i < p->nitems; i++) {
            const struct cat_activity *a = p->items[i].activity;
            long day = start + p->items[i].day;
            const struct cat_departure *dep = first_with_seats(c, a, day, total);
            struct model_node *dn = model_add(m, dates, "date");
            date_format(day, d);
            date_format_time(dep->time, t);
            model_setf(m, dn, "activityId", "%ld", a->id);
            model_set(m, dn, "activityName", a->name);
            model_set(m, dn, "activityDate", d);
            model_set(m, dn, "activityTime", t);
        }
        return "";
    }
    return method_fail(c, "sold-out", MERR_ACTIVITY_SOLDOUT,
                       "No dates in the next %d days have seats for %d on every activity of "
                       "package %ld",
                       PACKAGE_SEARCH_DAYS, total, p->id);
}

/* ---- the operator ---- */

static const char *
system_information(struct method_call *c)
{
    const struct cat_operator *op = &c->catalogue->op;
    struct model *m = c->model;
    struct model_node *n = model_add(m, NULL, "system");
    model_set(m, n, "companyName", op->name);
    model_set(m, n, "currency", op->currency);
    model_set(m, n, "currencySymbol", op->currency_symbol);
    model_set(m, n, "timezone", op->timezone);
    model_set(m, n, "email", op->email);
    model_set(m, n, "phone", op->phone);
    model_set(m, n, "website", op->website);
    model_set(m, n, "serverDate", c->today_text);
    model_setf(m, n, "numberOfActivities", "%zu", c->catalogue->nactivities);
    model_setf(m, n, "numberOfProducts", "%zu", c->catalogue->nproducts);
    model_setf(m, n, "numberOfPackages", "%zu", c->catalogue->npackages);
    return "";
}

/* Rental equipment left at a departure: the catalogue's stock less what bookings took. */
static const char *
equipment_availability(struct method_call *c)
{
    const struct cat_activity *a = param_published_activity(c);
    long day;
    if (!a || param_bookable_day(c, "activityDate", &day) < 0)
        return "error";
    int time = a->departures[0].time;
    if (param_time(c, a, &time) < 0)
        return "error";
    struct model *m = c->model;
    struct model_node *n = model_add(m, NULL, "rental");
    char d[DATE_TEXT], t[9];
    date_format(day, d);
    date_format_time(time, t);
    model_setf(m, n, "activityId", "%ld", a->id);
    model_set(m, n, "activityName", a->name);
    model_set(m, n, "activityDate", d);
    model_set(m, n, "activityTime", t);
    struct model_node *list = model_add(m, n, "equipment");
    for (size_t i = 0; i < a->nequipment; i++) {
        const struct cat_equipment *e = &a->equipment[i];
        struct model_node *en = model_add(m, list, "item");
        model_setf(m, en, "equipmentId", "%ld", e->id);
        model_set(m, en, "equipmentName", e->name);
        set_money_pair(c, en, "price", e->cents);
        model_setf(m, en, "quantityTotal", "%d", e->stock);
        model_setf(m, en, "quantityAvailable", "%d",
                   inventory_equipment_left(c->store, a, day, time, e));
    }
    buf_printf(&c->message, "Equipment availability");
    return "";
}

static const struct method_handler handlers[] = {
    {"zapiGetActivityCategories", activity_categories, METHOD_CACHEABLE},
    {"zapiGetActivitiesByCategoryId", activities_by_category, METHOD_CACHEABLE},
    {"zapiGetAllActivitiesByDate", activities_by_date, METHOD_CACHEABLE},
    {"zapiGetAllActivitiesByName", activities_by_name, METHOD_CACHEABLE},
    {"zapiGetActivityAndProductCatalog", activity_and_product_catalog, METHOD_CACHEABLE},
    {"zapiGetActivityDetailsByActivityId", activity_details, METHOD_CACHEABLE},
    {"zapiCheckActivityInventoryByDate", check_inventory, METHOD_CACHEABLE},
    {"zapiBatchAvailability", batch_availability, METHOD_CACHEABLE},
    {"zapiPriceQuote", price_quote, METHOD_CACHEABLE},
    {"zapiActivity_GetCancellations", get_cancellations, METHOD_CACHEABLE},
    {"zapiGetMerchandiseCategories", merchandise_categories, METHOD_CACHEABLE},
    {"zapiGetMerchandiseByCategoryId", merchandise_by_category, METHOD_CACHEABLE},
    {"zapiGetAllMerchandiseByName", merchandise_by_name, METHOD_CACHEABLE},
    {"zapiGetProductDetailsByProductId", product_details, METHOD_CACHEABLE},
    {"zapiCheckProductInventory", check_product_inventory, METHOD_CACHEABLE},
    {"zapiGetPackageCategories", package_categories, METHOD_CACHEABLE},
    {"zapiGetPackagesByCategoryId", packages_by_category, METHOD_CACHEABLE},
    {"zapiGetPackageDetailsByPackageId", package_details, METHOD_CACHEABLE},
    {"zapiPackage_DetermineMinimumDatesToBook", package_minimum_dates, METHOD_CACHEABLE},
    {"zapiGetSystemInformation", system_information, METHOD_CACHEABLE},
    {"zapi_GetEquipmentAvailability", equipment_availability, METHOD_CACHEABLE},
};

const struct method_area methods_catalogue = {"catalogue", handlers,
                                              sizeof(handlers) / sizeof(handlers[0])};
