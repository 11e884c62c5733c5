#include "state_json.h"

#include <stdlib.h>

#include "date.h"

static void
iso(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
money(long cents)
{
    char v[32];
    snprintf(v, sizeof(v), "%s%ld.%02ld", cents < 0 ? "-" : "", labs(cents) / 100,
             labs(cents) % 100);
    return json_string(v);
}

json_t *
state_summary_json(struct store *s, time_t now)
{
    struct store_limits l;
    store_get_limits(s, &l);
    return json_pack(
        "{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I},s:s}", "carts", (json_int_t)store_cart_count(s, now),
        "bookings", (json_int_t)store_booking_count(s), "waitlist",
        (json_int_t)store_waitlist_count(s), "inventoryVersion", (json_int_t)store_version(s),
        "limits", "maxCarts", (json_int_t)l.max_carts, "maxBookings", (json_int_t)l.max_bookings,
        "cartTtlSeconds", (json_int_t)l.cart_ttl_s, "survivesRestart", "no");
}

json_t *
state_carts_json(struct store *s, time_t now)
{
    struct store_cart *carts = malloc(STATE_JSON_MAX_LISTED * sizeof(*carts));
    json_t *list = json_array();
    if (!carts || !list) {
        free(carts);
        json_decref(list);
        return NULL;
    }
    size_t total = store_cart_list(s, NULL, now, carts, STATE_JSON_MAX_LISTED);
    size_t n = total < STATE_JSON_MAX_LISTED ? total : STATE_JSON_MAX_LISTED;
    for (size_t i = 0; i < n; i++) {
        char created[32], touched[32];
        iso(carts[i].created, created);
        iso(carts[i].touched, touched);
        json_array_append_new(
            list, json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "cartId", carts[i].id, "owner",
                            carts[i].owner, "created", created, "lastUsed", touched, "items",
                            (json_int_t)carts[i].nitems, "customer", carts[i].customer.email));
    }
    free(carts);
    return json_pack("{s:I,s:o}", "total", (json_int_t)total, "carts", list);
}

json_t *
state_bookings_json(struct store *s, const struct catalogue *cat)
{
    struct store_booking *found = malloc(STATE_JSON_MAX_LISTED * sizeof(*found));
    json_t *list = json_array();
    if (!found || !list) {
        free(found);
        json_decref(list);
        return NULL;
    }
    size_t total = store_booking_find(s, NULL, NULL, found, STATE_JSON_MAX_LISTED);
    size_t n = total < STATE_JSON_MAX_LISTED ? total : STATE_JSON_MAX_LISTED;
    for (size_t i = 0; i < n; i++) {
        const struct store_booking *b = &found[i];
        json_t *items = json_array();
        for (size_t k = 0; k < b->nitems; k++) {
            const struct store_item *it = &b->items[k];
            char d[DATE_TEXT], t[9];
            date_format(it->day, d);
            date_format_time(it->time, t);
            const char *name = "";
            if (it->kind == ITEM_ACTIVITY && catalogue_activity(cat, it->ref_id))
                name = catalogue_activity(cat, it->ref_id)->name;
            else if (it->kind == ITEM_PRODUCT && catalogue_product(cat, it->ref_id))
                name = catalogue_product(cat, it->ref_id)->name;
            else if (it->kind == ITEM_PACKAGE && catalogue_package(cat, it->ref_id))
                name = catalogue_package(cat, it->ref_id)->name;
            int pax = 0;
            for (int p = 0; p < 5; p++)
                pax += it->pax[p];
            json_array_append_new(items, json_pack("{s:s,s:I,s:s,s:s,s:s,s:i,s:i}", "kind",
                                                   it->kind == ITEM_ACTIVITY  ? "activity"
                                                   : it->kind == ITEM_PRODUCT ? "product"
                                                                              : "package",
                                                   "id", (json_int_t)it->ref_id, "name", name,
                                                   "date", it->kind == ITEM_PRODUCT ? "" : d,
                                                   "time", it->kind == ITEM_ACTIVITY ? t : "",
                                                   "passengers", pax, "quantity", it->quantity));
        }
        char created[32];
        iso(b->created, created);
        json_array_append_new(
            list,
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o}", "bookingNumber",
                      (json_int_t)b->number, "reference", b->reference, "created", created, "guest",
                      b->customer.last_name[0] ? b->customer.last_name : b->customer.first_name,
                      "email", b->customer.email, "cancelled", b->cancelled, "total",
                      money(b->total), "paid", money(b->paid), "balance",
                      money(b->total - b->gift - b->paid), "items", items));
    }
    free(found);
    return json_pack("{s:I,s:o}", "total", (json_int_t)total, "bookings", list);
}

json_t *
state_outbox_json(struct store *s)
{
    struct store_email mails[STORE_MAX_OUTBOX];
    size_t n = store_email_list(s, mails, STORE_MAX_OUTBOX);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char sent[32];
        iso(mails[i].sent, sent);
        if (list)
            json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:I}", "id",
                                                  (json_int_t)mails[i].id, "sent", sent, "to",
                                                  mails[i].to, "subject", mails[i].subject, "body",
                                                  mails[i].body ? mails[i].body : "",
                                                  "bookingNumber", (json_int_t)mails[i].booking));
        store_email_free(&mails[i]);
    }
    return list ? json_pack("{s:I,s:o}", "total", (json_int_t)n, "emails", list) : NULL;
}
