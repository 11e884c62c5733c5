/* Bookings: paying a cart (with the payment sandbox's test cards), then everything done with a
 * booking afterwards: search, e-mail, barcode, cancel, check-in, guests and manifests, plus
 * waitlists and the operator's departure cancellations. Seats and stock are taken when a booking
 * is made and given back when it is cancelled, through inventory.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../inventory.h"
#include "../methods.h"
#include "../pricing.h"
#include "common.h"

#define SEARCH_MAX 100   /* bookings one search answers at most */
#define MANIFEST_MAX 500 /* bookings one manifest shows at most */

/* Payment method types as ZAPI documents them. */
static const struct {
    int id;
    const char *name;
} payment_methods[] = {
    {2000, "Credit Card"},
    {2002, "Cash"},
    {2003, "To Be Paid"},
    {2004, "Invoice/Voucher"},
    {2005, "Travellers Cheque"},
    {2006, "Cheque"},
    {2018, "Debit"},
    {2023, "Deposit as Commission"},
};

static const char *
payment_method_name(long id)
{
    for (size_t i = 0; i < sizeof(payment_methods) / sizeof(payment_methods[0]); i++)
        if (payment_methods[i].id == id)
            return payment_methods[i].name;
    return NULL;
}

/* The transaction types clients send (case does not matter); absent is a sale. */
static int
valid_transaction_type(const char *t)
{
    static const char *const ok[] = {"sale",      "purchase", "payment", "charge",
                                     "authorize", "capture",  "1"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!strcasecmp(t, ok[i]))
            return 1;
    return 0;
}

static int
luhn_ok(const char *digits)
{
    size_t n = strlen(digits);
    int sum = 0;
    if (n < 12 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int d = digits[n - 1 - i] - '0';
        if (i % 2) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* The sandbox's answer for a card: transactionErrorCode (0 approved) and its message. */
struct card_result {
    int code;
    char message[128];
    char last4[8];
};

static int
check_card(struct method_call *c, struct card_result *r)
{
    struct buf raw = BUF_INIT, digits = BUF_INIT;
    long month = 0, year = 0;
    if (method_param(c, "creditCardDetails.number", &raw) < 0 &&
        method_param(c, "paymentMethod.creditCardDetails.number", &raw) < 0) {
        buf_free(&raw);
        method_fail(c, "bad-parameter", MERR_TRANSACTION,
                    "creditCardDetails/number is missing: payment method 2000 needs a card (test "
                    "cards: see catalogue.xml)");
        return -1;
    }
    int junk = 0; /* anything but digits, spaces and dashes: not a card number */
    for (size_t i = 0; i < raw.len; i++)
        if (isdigit((unsigned char)raw.data[i]))
            buf_append(&digits, &raw.data[i], 1);
        else if (raw.data[i] != ' ' && raw.data[i] != '-')
            junk = 1;
    buf_free(&raw);
    const char *num = digits.data && !junk ? digits.data : "";
    snprintf(r->last4, sizeof(r->last4), "%s", strlen(num) >= 4 ? num + strlen(num) - 4 : num);
    if (method_param_long(c, "creditCardDetails.expMonth", &month) == -2 ||
        method_param_long(c, "creditCardDetails.expYear", &year) == -2) {
        buf_free(&digits);
        return -1;
    }
    if (year > 0 && year < 100)
        year += 2000;
    char today[DATE_TEXT];
    date_format(c->today, today);
    long now_ym = atol(today) * 100 + atol(today + 5);
    const struct cat_test_card *t = catalogue_test_card(c->catalogue, num);
    if (t) {
        r->code = t->code;
        snprintf(r->message, sizeof(r->message), "%s", t->message);
    } else if (!luhn_ok(num)) {
        r->code = 6;
        snprintf(r->message, sizeof(r->message), "Invalid card number");
    } else {
        r->code = 0;
        snprintf(r->message, sizeof(r->message), "Approved");
    }
    if (r->code == 0 && year && month && year * 100 + month < now_ym) {
        r->code = 4;
        snprintf(r->message, sizeof(r->message), "Expired card");
    }
    buf_free(&digits);
    return 0;
}

/* paymentMethodType at the top of zapiMethod or inside paymentMethod. */
static int
param_payment_method(struct method_call *c, long *type)
{
    int rc = method_param_long(c, "paymentMethodType", type);
    if (rc == -1)
        rc = method_param_long(c, "paymentMethod.paymentMethodType", type);
    if (rc == -2) {
        c->error = MERR_TRANSACTION;
        c->failed = "bad-transaction";
        return -1;
    }
    if (rc == -1) {
        method_fail(c, "bad-transaction", MERR_TRANSACTION,
                    "zapiMethod/paymentMethodType is "
                    "missing (2000 card, 2002 cash, 2003 to be paid, 2004 voucher, ...)");
        return -1;
    }
    if (!payment_method_name(*type)) {
        method_fail(c, "bad-transaction", MERR_TRANSACTION,
                    "zapiMethod/paymentMethodType %ld is not a payment method (2000 card, 2002 "
                    "cash, 2003 to be paid, 2004 voucher, 2005, 2006, 2018, 2023)",
                    *type);
        return -1;
    }
    struct buf tt = BUF_INIT;
    if (method_param(c, "transactionType", &tt) == 0 && !valid_transaction_type(tt.data)) {
        method_fail(c, "bad-transaction", MERR_TRANSACTION,
                    "zapiMethod/transactionType \"%.30s\" is not valid (Sale, Purchase, Payment)",
                    tt.data);
        buf_free(&tt);
        return -1;
    }
    buf_free(&tt);
    return 0;
}

/* transactionAmount in cents; -1 when absent; -2 after failing the call. */
static long
param_amount(struct method_call *c)
{
    struct buf b = BUF_INIT;
    long cents = -1;
    if (method_param(c, "transactionAmount", &b) == 0) {
        const char *v = b.data;
        while (*v == '$' || *v == ' ')
            v++;
        if (catalogue_parse_money(v, &cents) < 0) {
            method_fail(c, "bad-transaction", MERR_TRANSACTION,
                        "zapiMethod/transactionAmount \"%.30s\" is not an amount such as 105.00",
                        b.data);
            cents = -2;
        }
    }
    buf_free(&b);
    return cents;
}

static int
item_pax(const struct store_item *it)
{
    int n = 0;
    for (int t = 0; t < PAX_TYPES; t++)
        n += it->pax[t];
    return n;
}

/* Gives back what give holds and takes what take needs, all or nothing (inventory_swap); on a
 * shortage fails the call with 50, 40 or 41 naming what ran out, or 53 when the catalogue no
 * longer has an item. */
static int
swap_inventory(struct method_call *c, const struct store_item *give, size_t ngive,
               const struct store_item *take, size_t ntake)
{
    size_t i = 0;
    int left = 0;
    if (inventory_swap(c->store, c->catalogue, c->today, give, ngive, take, ntake, &i, &left) == 0)
        return 0;
    const struct store_item *it = &take[i];
    if (left < 0) {
        method_fail(c, "no-data", MERR_ACTIVITY_NODATA,
                    "Item %ld of the cart is no longer in the catalogue: remove it",
                    it->cart_item_id);
    } else if (it->kind == ITEM_PRODUCT) {
        const struct cat_product *p = catalogue_product(c->catalogue, it->ref_id);
        method_fail(c, "sold-out", left ? MERR_PRODUCT_NOINVENTORY : MERR_PRODUCT_SOLDOUT,
                    "Sold out meanwhile: %d %s left for %d", left, p->name, it->quantity);
    } else {
        const struct cat_activity *a = catalogue_activity(c->catalogue, it->ref_id);
        char date[DATE_TEXT], t[9];
        date_format(it->day, date);
        date_format_time(it->time, t);
        method_fail(c, "sold-out", MERR_ACTIVITY_SOLDOUT,
                    "Sold out meanwhile: %s on %s at %s has %d left for this item (%d guests)",
                    a->name, date, t, left, item_pax(it));
    }
    return -1;
}

static int
booking_conflict(struct method_call *c, long number)
{
    method_fail(c, "conflict", MERR_GENERAL,
                "Booking %ld was changed by another request meanwhile: read it and try again",
                number);
    return -1;
}

/* The booking model: what searches, manifests and payments show of a booking. */
static void
booking_view(struct method_call *c, struct model_node *parent, const char *name,
             const struct store_booking *b)
{
    struct model *m = c->model;
    struct model_node *n = model_add(m, parent, name);
    struct tm tm;
    char stamp[32];
    gmtime_r(&b->created, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    model_setf(m, n, "bookingNumber", "%ld", b->number);
    model_setf(m, n, "bookingId", "%ld", b->number);
    model_set(m, n, "bookingReference", b->reference);
    model_set(m, n, "bookingDate", stamp);
    model_set(m, n, "firstName", b->customer.first_name);
    model_set(m, n, "lastName", b->customer.last_name);
    model_set(m, n, "email", b->customer.email);
    model_set(m, n, "mobileNumber", b->customer.phone);
    model_set(m, n, "notes", b->notes);
    model_set(m, n, "isCancelled", yes_no(b->cancelled));
    model_set(m, n, "promotionCode", b->promo_code);
    model_setf(m, n, "paymentMethodType", "%d", b->payment_method);
    const char *pm = payment_method_name(b->payment_method);
    model_set(m, n, "paymentMethod", pm ? pm : "");
    model_set(m, n, "transactionId", b->transaction_id);
    set_money_pair(c, n, "subTotal", b->subtotal);
    set_money_pair(c, n, "discount", b->discount);
    set_money_pair(c, n, "tax", b->tax);
    set_money_pair(c, n, "total", b->total);
    set_money_pair(c, n, "giftCertificateAmount", b->gift);
    set_money_pair(c, n, "paid", b->paid);
    long balance = b->cancelled ? 0 : b->total - b->gift - b->paid;
    struct model_node *bal = model_add(m, n, "bookingBalance");
    model_set_money(m, bal, "balance", balance);
    set_formatted(c, bal, "balanceFormated", balance); /* sic: ZAPI's spelling */
    set_formatted(c, bal, "balance_formatted", balance);
    customer_view(c, n, &b->customer);
    items_view(c, n, b->items, b->nitems, 1);
}

static const char *
transaction_view(struct method_call *c, const struct store_booking *b, long amount,
                 const struct card_result *card, long method)
{
    struct model *m = c->model;
    struct model_node *t = model_add(m, NULL, "transaction");
    model_setf(m, t, "transactionErrorCode", "%d", card ? card->code : 0);
    model_set(m, t, "transactionErrorMessage", card ? card->message : "Approved");
    model_setf(m, t, "bookingId", "%ld", b ? b->number : 0L);
    model_set(m, t, "bookingReference", b ? b->reference : "");
    model_set(m, t, "transactionId", b ? b->transaction_id : "");
    model_set_money(m, t, "transactionAmount", amount);
    set_formatted(c, t, "transactionAmount_formatted", amount);
    model_set(m, t, "transactionMethod", payment_method_name(method));
    model_set(m, t, "cardLastFour", card ? card->last4 : "");
    model_set(m, t, "bookingMessage", b ? "Booking Processed" : "");
    return "";
}

/* Checks the payment itself (method, type, amount against what is due, the card). 0 approved;
 * -1 after failing the call (100, or "declined" with the transaction in the model). */
static int
check_payment(struct method_call *c, long due, long *method, long *amount, struct card_result *card)
{
    if (param_payment_method(c, method) < 0)
        return -1;
    *amount = param_amount(c);
    if (*amount == -2)
        return -1;
    if (*method == 2003) {
        if (*amount > 0) {
            method_fail(c, "bad-transaction", MERR_TRANSACTION,
                        "zapiMethod/transactionAmount must be 0 with payment method 2003 (to be "
                        "paid)");
            return -1;
        }
        *amount = 0;
        return 0;
    }
    if (*amount < 0)
        *amount = due;
    if (due == 0 && *amount == 0)
        return 0; /* a gift certificate covered it all: nothing to charge, no card needed */
    if (*amount == 0 && due > 0) {
        method_fail(c, "bad-transaction", MERR_TRANSACTION,
                    "zapiMethod/transactionAmount is 0: only payment method 2003 (to be paid) pays "
                    "nothing");
        return -1;
    }
    if (*amount != due) {
        method_fail(c, "bad-transaction", MERR_TRANSACTION,
                    "zapiMethod/transactionAmount %ld.%02ld does not match the balance due, "
                    "%ld.%02ld",
                    *amount / 100, *amount % 100, due / 100, due % 100);
        return -1;
    }
    if (*method == 2000) {
        if (check_card(c, card) < 0)
            return -1;
        if (card->code != 0) {
            transaction_view(c, NULL, *amount, card, *method);
            method_fail(c, "declined", MERR_GENERAL,
                        "Payment declined: %s (transactionErrorCode "
                        "%d)",
                        card->message, card->code);
            return -1;
        }
    }
    return 0;
}

/* Turns the cart into a booking (or, for a cart loaded from a booking, changes that booking). */
static const char *
pay_cart(struct method_call *c)
{
    struct store_cart cart;
    struct card_result card = {0, "Approved", ""};
    long method, amount;
    if (cart_load(c, &cart) < 0)
        return "error";
    if (cart.nitems == 0)
        return method_fail(c, "empty-cart", MERR_GENERAL,
                           "Cart %s is empty: add an activity, product or package first", cart.id);
    if (!cart.customer.first_name[0] || !cart.customer.last_name[0] || !cart.customer.email[0])
        return method_fail(c, "no-customer", MERR_GENERAL,
                           "Cart %s has no customer details: call zapiUpdateCustomerDetailsToCart "
                           "with firstName, lastName and email first",
                           cart.id);
    struct pricing_totals t;
    cart_totals(c, &cart, &t);
    struct store_booking old = {0};
    if (cart.loaded_booking && store_booking_get(c->store, cart.loaded_booking, &old) != STORE_OK)
        cart.loaded_booking = 0;
    /* A changed booking owes only the difference: what was paid and what a gift covered count. */
    long already = cart.loaded_booking ? old.paid + old.gift : 0;
    long due = t.balance > already ? t.balance - already : 0;
    if (check_payment(c, due, &method, &amount, &card) < 0)
        return "error";
    /* Claim the cart first: two payments of one cart cannot both go through. */
    struct store_cart claimed = cart;
    claimed.nitems = 0;
    claimed.promo_code[0] = claimed.gift_code[0] = '\0';
    claimed.loaded_booking = 0;
    if (cart_save(c, &claimed) < 0)
        return "error";
    const struct store_item *old_items = cart.loaded_booking && !old.cancelled ? old.items : NULL;
    size_t nold = old_items ? old.nitems : 0;
    const char *failed = NULL;
    const struct cat_gift *gift = t.gift ? catalogue_gift(c->catalogue, cart.gift_code) : NULL;
    if (swap_inventory(c, old_items, nold, cart.items, cart.nitems) < 0) {
        failed = "error";
    } else if (gift && store_gift_take(c->store, gift->code, t.gift, gift->cents) != STORE_OK) {
        swap_inventory(c, cart.items, cart.nitems, old_items, nold);
        failed =
            method_fail(c, "bad-gift", MERR_GENERAL, "Gift certificate no longer holds %ld.%02ld",
                        t.gift / 100, t.gift % 100);
    }
    struct store_booking b = cart.loaded_booking ? old : (struct store_booking){0};
    if (!failed) {
        snprintf(b.owner, sizeof(b.owner), "%s", c->partner->token);
        if (!cart.loaded_booking)
            b.created = c->now;
        b.customer = cart.customer;
        memcpy(b.notes, cart.notes, sizeof(b.notes));
        memcpy(b.items, cart.items, sizeof(b.items));
        b.nitems = cart.nitems;
        for (size_t i = 0; i < b.nitems; i++)
            pricing_item(c->catalogue, &b.items[i], &b.items[i].cents, &b.items[i].tax_cents);
        b.subtotal = t.subtotal;
        b.discount = t.discount;
        b.tax = t.tax;
        b.total = t.total;
        b.gift += t.gift;
        b.paid += amount;
        b.cancelled = 0;
        b.payment_method = (int)method;
        snprintf(b.promo_code, sizeof(b.promo_code), "%s", cart.promo_code);
        snprintf(b.gift_code, sizeof(b.gift_code), "%s", cart.gift_code);
        snprintf(b.card_last4, sizeof(b.card_last4), "%s", card.last4);
        int rc =
            cart.loaded_booking ? store_booking_put(c->store, &b) : store_booking_add(c->store, &b);
        if (rc != STORE_OK) {
            swap_inventory(c, cart.items, cart.nitems, old_items, nold);
            if (gift)
                store_gift_take(c->store, gift->code, -t.gift, gift->cents);
            failed = rc == STORE_CONFLICT ? (booking_conflict(c, b.number), "conflict")
                                          : method_fail(c, "general", MERR_GENERAL,
                                                        "The booking could not be stored");
        }
    }
    if (failed) {
        /* Nothing was sold: the cart gets its items back. */
        struct store_cart back;
        if (store_cart_get(c->store, cart.id, cart.owner, c->now, &back) == STORE_OK) {
            cart.revision = back.revision;
            store_cart_put(c->store, &cart, c->now);
        }
        return failed;
    }
    if (!cart.loaded_booking) {
        snprintf(b.transaction_id, sizeof(b.transaction_id), "ZM-%ld-1", b.number);
        store_booking_put(c->store, &b);
    }
    struct model_node *info = model_add(c->model, NULL, "booking");
    model_setf(c->model, info, "bookingId", "%ld", b.number);
    model_set(c->model, info, "bookingReference", b.reference);
    model_set(c->model, info, "bookingMessage", "Booking Processed");
    booking_view(c, model_add(c->model, NULL, "bookings"), "booking", &b);
    transaction_view(c, &b, amount, &card, method);
    buf_printf(&c->message, "Booking Processed");
    return "";
}

/* A booking belongs to the partner that made it; the demo's starting bookings to everyone. */
static int
booking_visible(const struct method_call *c, const struct store_booking *b)
{
    return !b->owner[0] || strcmp(b->owner, c->partner->token) == 0;
}

/* zapiMethod/bookingNumber (or bookingId) of an existing booking: 0, or -1 after failing. */
static int
load_booking(struct method_call *c, struct store_booking *b)
{
    long number;
    int rc = method_param_long(c, "bookingNumber", &number);
    if (rc == -1)
        rc = method_param_long(c, "bookingId", &number);
    if (rc == -2)
        return -1;
    if (rc == -1) {
        method_fail(c, "bad-parameter", MERR_FILTER, "zapiMethod/bookingNumber is missing");
        return -1;
    }
    if (store_booking_get(c->store, number, b) != STORE_OK || !booking_visible(c, b)) {
        /* Another partner's booking is as good as none: its guests are not this partner's. */
        method_fail(c, "no-booking", MERR_GENERAL, "No booking with bookingNumber %ld", number);
        return -1;
    }
    return 0;
}

static const char *
single_transaction(struct method_call *c)
{
    struct buf probe = BUF_INIT;
    int has_booking =
        method_param(c, "bookingNumber", &probe) == 0 || method_param(c, "bookingId", &probe) == 0;
    buf_free(&probe);
    if (!has_booking)
        return pay_cart(c);
    struct store_booking b;
    struct card_result card = {0, "Approved", ""};
    long method, amount;
    if (load_booking(c, &b) < 0)
        return "error";
    if (b.cancelled)
        return method_fail(c, "cancelled", MERR_INACTIVE, "Booking %ld is cancelled", b.number);
    long due = b.total - b.gift - b.paid;
    if (due <= 0)
        return method_fail(c, "bad-transaction", MERR_TRANSACTION,
                           "Booking %ld has nothing left to pay", b.number);
    if (check_payment(c, due, &method, &amount, &card) < 0)
        return "error";
    b.paid += amount;
    b.payment_method = (int)method;
    snprintf(b.card_last4, sizeof(b.card_last4), "%s", card.last4);
    if (store_booking_put(c->store, &b) != STORE_OK)
        return booking_conflict(c, b.number), "conflict";
    struct model_node *info = model_add(c->model, NULL, "booking");
    model_setf(c->model, info, "bookingId", "%ld", b.number);
    model_set(c->model, info, "bookingReference", b.reference);
    model_set(c->model, info, "bookingMessage", "Booking Processed");
    booking_view(c, model_add(c->model, NULL, "bookings"), "booking", &b);
    transaction_view(c, &b, amount, &card, method);
    buf_printf(&c->message, "Booking Processed");
    return "";
}

/* ---- after the booking ---- */

struct search {
    long type;
    const char *text;
    int include_cancelled;
    const char *owner; /* the calling partner: other partners' bookings are not found */
};

static int
search_match(const struct store_booking *b, void *ctx)
{
    const struct search *s = ctx;
    if ((b->cancelled && !s->include_cancelled) || (b->owner[0] && strcmp(b->owner, s->owner)))
        return 0;
    switch (s->type) {
    case 101:
        return atol(s->text) == b->number;
    case 102:
        return !strcasecmp(s->text, b->reference);
    case 103: {
        char full[2 * STORE_TEXT + 2];
        snprintf(full, sizeof(full), "%s %s", b->customer.first_name, b->customer.last_name);
        return strcasestr(full, s->text) != NULL;
    }
    case 104:
        return !strcasecmp(s->text, b->customer.email);
    }
    return 0;
}

static const char *
list_bookings(struct method_call *c, struct search *s)
{
    struct store_booking *found = malloc(SEARCH_MAX * sizeof(*found));
    if (!found)
        return method_fail(c, "general", MERR_GENERAL, "Out of memory searching bookings");
    size_t total = store_booking_find(c->store, search_match, s, found, SEARCH_MAX);
    size_t n = total < SEARCH_MAX ? total : SEARCH_MAX;
    struct model_node *list = model_add(c->model, NULL, "bookings");
    for (size_t i = 0; i < n; i++)
        booking_view(c, list, "booking", &found[i]);
    model_setf(c->model, NULL, "totalSearchResults", "%zu", total);
    free(found);
    buf_printf(&c->message, "%zu booking%s found", total, total == 1 ? "" : "s");
    return "";
}

static const char *
search_bookings(struct method_call *c)
{
    struct search s = {0};
    struct buf text = BUF_INIT, inc = BUF_INIT;
    int rc = method_param_long(c, "searchType", &s.type);
    if (rc == -2)
        return "error";
    if (rc == -1 || s.type < 101 || s.type > 104)
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/searchType must be 101 (booking number), 102 (booking "
                           "reference), 103 (guest name) or 104 (guest e-mail)");
    if (method_param(c, "searchText", &text) < 0) {
        buf_free(&text);
        return method_fail(c, "bad-parameter", MERR_FILTER, "zapiMethod/searchText is missing");
    }
    method_param(c, "includeCancelled", &inc);
    s.text = text.data;
    s.include_cancelled = inc.len && (!strcasecmp(inc.data, "true") || !strcmp(inc.data, "1"));
    s.owner = c->partner->token;
    const char *outcome = list_bookings(c, &s);
    buf_free(&text);
    buf_free(&inc);
    return outcome;
}

static const char *
search_by_number(struct method_call *c)
{
    struct store_booking b;
    if (load_booking(c, &b) < 0)
        return "error";
    char number[32];
    snprintf(number, sizeof(number), "%ld", b.number);
    struct search s = {101, number, 1, c->partner->token};
    return list_bookings(c, &s);
}

static const char *
cancel_booking(struct method_call *c)
{
    struct store_booking b;
    if (load_booking(c, &b) < 0)
        return "error";
    if (b.cancelled)
        return method_fail(c, "inactive", MERR_INACTIVE, "Booking %ld is already cancelled",
                           b.number);
    b.cancelled = 1;
    b.cancelled_at = c->now;
    /* Marked first, given back after: of two cancels racing, only one gives the seats back. */
    if (store_booking_put(c->store, &b) != STORE_OK)
        return booking_conflict(c, b.number), "conflict";
    swap_inventory(c, b.items, b.nitems, NULL, 0);
    const struct cat_gift *g = b.gift ? catalogue_gift(c->catalogue, b.gift_code) : NULL;
    if (g)
        store_gift_take(c->store, g->code, -b.gift, g->cents); /* the certificate gets it back */
    booking_view(c, model_add(c->model, NULL, "bookings"), "booking", &b);
    buf_printf(&c->message, "Booking has been cancelled");
    return "";
}

static void
itinerary(struct method_call *c, const struct store_booking *b, struct buf *out)
{
    const struct cat_operator *op = &c->catalogue->op;
    buf_printf(out,
               "Hello %s,\n\nThank you for booking with %s.\n\nBooking number: %ld\n"
               "Reference: %s\n\n",
               b->customer.first_name, op->name, b->number, b->reference);
    for (size_t i = 0; i < b->nitems; i++) {
        const struct store_item *it = &b->items[i];
        char d[DATE_TEXT], t[9];
        date_format(it->day, d);
        date_format_time(it->time, t);
        if (it->kind == ITEM_ACTIVITY) {
            const struct cat_activity *a = catalogue_activity(c->catalogue, it->ref_id);
            buf_printf(out, "- %s, %s at %s, %d guest%s\n", a ? a->name : "Activity", d, t,
                       item_pax(it), item_pax(it) == 1 ? "" : "s");
        } else if (it->kind == ITEM_PRODUCT) {
            const struct cat_product *p = catalogue_product(c->catalogue, it->ref_id);
            buf_printf(out, "- %d x %s\n", it->quantity, p ? p->name : "Product");
        }
    }
    long balance = b->total - b->gift - b->paid;
    buf_printf(out, "\nTotal: %s%ld.%02ld (paid %s%ld.%02ld, balance %s%ld.%02ld)\n%s\n\n%s\n%s\n",
               op->currency_symbol, b->total / 100, b->total % 100, op->currency_symbol,
               b->paid / 100, b->paid % 100, op->currency_symbol, balance / 100, balance % 100,
               b->cancelled ? "This booking has been cancelled." : "See you soon!", op->phone,
               op->email);
}

static const char *
email_itinerary(struct method_call *c)
{
    struct store_booking b;
    struct buf to = BUF_INIT, body = BUF_INIT;
    if (load_booking(c, &b) < 0)
        return "error";
    if (method_param(c, "email", &to) < 0)
        buf_append_str(&to, b.customer.email);
    if (!to.len || !strchr(to.data, '@')) {
        buf_free(&to);
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "Booking %ld has no e-mail address: pass zapiMethod/email", b.number);
    }
    itinerary(c, &b, &body);
    struct store_email e = {.sent = c->now, .booking = b.number, .body = body.data};
    snprintf(e.to, sizeof(e.to), "%s", to.data);
    snprintf(e.subject, sizeof(e.subject), "Your booking %ld (%s) with %s", b.number, b.reference,
             c->catalogue->op.name);
    int rc = store_email_add(c->store, &e);
    buf_free(&to);
    buf_free(&body);
    if (rc != STORE_OK)
        return method_fail(c, "general", MERR_GENERAL, "Out of memory keeping the e-mail");
    struct model_node *n = model_add(c->model, NULL, "notification");
    model_setf(c->model, n, "bookingNumber", "%ld", b.number);
    model_set(c->model, n, "emailAddress", e.to);
    model_setf(c->model, n, "emailId", "%ld", e.id);
    model_set(c->model, n, "notificationStatus", "sent");
    buf_printf(&c->message, "Email(s) have been sent");
    return "";
}

static const char *
barcode(struct method_call *c)
{
    struct store_booking b;
    if (load_booking(c, &b) < 0)
        return "error";
    struct model_node *n = model_add(c->model, NULL, "barcode");
    model_setf(c->model, n, "bookingNumber", "%ld", b.number);
    model_set(c->model, n, "bookingReference", b.reference);
    model_setf(c->model, n, "barCodeImage", "%s/barcodes/%s.png", c->base_url, b.reference);
    buf_printf(&c->message, "Barcode generated");
    return "";
}

static const char *
load_into_cart(struct method_call *c)
{
    struct store_booking b;
    struct store_cart cart;
    char id[STORE_ID_TEXT];
    if (load_booking(c, &b) < 0)
        return "error";
    if (b.cancelled)
        return method_fail(c, "inactive", MERR_INACTIVE, "Booking %ld is cancelled", b.number);
    if (store_cart_create(c->store, c->partner->token, c->now, id) != STORE_OK ||
        store_cart_get(c->store, id, c->partner->token, c->now, &cart) != STORE_OK)
        return method_fail(c, "general", MERR_GENERAL, "No cart could be created: out of memory");
    cart.customer = b.customer;
    memcpy(cart.notes, b.notes, sizeof(cart.notes));
    memcpy(cart.items, b.items, sizeof(cart.items));
    cart.nitems = b.nitems;
    for (size_t i = 0; i < cart.nitems; i++)
        if (cart.items[i].cart_item_id >= cart.next_item_id)
            cart.next_item_id = cart.items[i].cart_item_id + 1;
    snprintf(cart.promo_code, sizeof(cart.promo_code), "%s", b.promo_code);
    cart.loaded_booking = b.number;
    store_cart_put(c->store, &cart, c->now);
    cart_view(c, &cart);
    buf_printf(&c->message, "Booking %ld loaded into cart", b.number);
    return "";
}

static const char *
check_in(struct method_call *c)
{
    struct store_booking b;
    long activity = 0;
    if (load_booking(c, &b) < 0 || method_param_long(c, "activityId", &activity) == -2)
        return "error";
    if (b.cancelled)
        return method_fail(c, "inactive", MERR_INACTIVE, "Booking %ld is cancelled", b.number);
    int n = 0;
    for (size_t i = 0; i < b.nitems; i++)
        if (b.items[i].kind == ITEM_ACTIVITY && (!activity || b.items[i].ref_id == activity)) {
            b.items[i].checked_in = 1;
            n++;
        }
    if (!n)
        return method_fail(c, "no-data", MERR_ACTIVITY_NODATA, "Booking %ld holds no activity %ld",
                           b.number, activity);
    if (store_booking_put(c->store, &b) != STORE_OK)
        return booking_conflict(c, b.number), "conflict";
    booking_view(c, model_add(c->model, NULL, "bookings"), "booking", &b);
    buf_printf(&c->message, "Checked in");
    return "";
}

/* ---- guests and manifests ---- */

struct guest_query {
    const char *text;
    const char *owner;
};

static int
guest_match(const struct store_booking *b, void *ctx)
{
    const struct guest_query *q = ctx;
    char full[2 * STORE_TEXT + 2];
    if (b->owner[0] && strcmp(b->owner, q->owner) != 0)
        return 0;
    snprintf(full, sizeof(full), "%s %s", b->customer.first_name, b->customer.last_name);
    return strcasestr(full, q->text) || !strcasecmp(b->customer.email, q->text) ||
           (q->text[0] && strstr(b->customer.phone, q->text));
}

static const char *
guests_lookup(struct method_call *c)
{
    static const char *const names[] = {"searchText", "email",       "lastName",
                                        "guestName",  "phoneNumber", NULL};
    struct buf q = BUF_INIT;
    if (!method_param_first(c, names, &q)) {
        buf_free(&q);
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/searchText (or email, lastName) is missing");
    }
    struct store_booking *found = malloc(SEARCH_MAX * sizeof(*found));
    if (!found) {
        buf_free(&q);
        return method_fail(c, "general", MERR_GENERAL, "Out of memory");
    }
    struct guest_query gq = {q.data, c->partner->token};
    size_t total = store_booking_find(c->store, guest_match, &gq, found, SEARCH_MAX);
    size_t n = total < SEARCH_MAX ? total : SEARCH_MAX;
    struct model_node *list = model_add(c->model, NULL, "guests");
    for (size_t i = 0; i < n; i++) {
        int seen = 0; /* one guest per e-mail address */
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcasecmp(found[k].customer.email, found[i].customer.email);
        if (seen)
            continue;
        struct model *m = c->model;
        struct model_node *g = model_add(m, list, "guest");
        model_setf(m, g, "guestId", "%ld", found[i].number);
        model_set(m, g, "firstName", found[i].customer.first_name);
        model_set(m, g, "lastName", found[i].customer.last_name);
        model_set(m, g, "email", found[i].customer.email);
        model_set(m, g, "mobileNumber", found[i].customer.phone);
        model_setf(m, g, "lastBookingNumber", "%ld", found[i].number);
        struct model_node *f = model_add(m, g, "customFields");
        struct model_node *one = model_add(m, f, "field");
        model_set(m, one, "customFieldId", "1");
        model_set(m, one, "customFieldLabel", "Booking notes");
        model_set(m, one, "customFieldValue", found[i].notes);
        one = model_add(m, f, "field");
        model_set(m, one, "customFieldId", "2");
        model_set(m, one, "customFieldLabel", "Preferred language");
        model_set(m, one, "customFieldValue", "English");
    }
    free(found);
    buf_free(&q);
    buf_printf(&c->message, "%zu guest%s found", list ? list->count : 0,
               list && list->count == 1 ? "" : "s");
    return "";
}

struct manifest_query {
    long day;
    long activity; /* 0: every activity */
};

static int
manifest_match(const struct store_booking *b, void *ctx)
{
    const struct manifest_query *q = ctx;
    if (b->cancelled)
        return 0;
    for (size_t i = 0; i < b->nitems; i++)
        if (b->items[i].kind == ITEM_ACTIVITY && b->items[i].day == q->day &&
            (!q->activity || b->items[i].ref_id == q->activity))
            return 1;
    return 0;
}

static const char *
manifest(struct method_call *c, long activity)
{
    static const char *const names[] = {"date", "manifestDate", "activityDate", NULL};
    long day = c->today;
    struct buf given = BUF_INIT;
    const char *name = method_param_first(c, names, &given);
    buf_free(&given);
    if (name && param_day(c, name, &day) < 0)
        return "error";
    struct store_booking *found = malloc(MANIFEST_MAX * sizeof(*found));
    if (!found)
        return method_fail(c, "general", MERR_GENERAL, "Out of memory");
    struct manifest_query q = {day, activity};
    size_t n = store_booking_find(c->store, manifest_match, &q, found, MANIFEST_MAX);
    n = n < MANIFEST_MAX ? n : MANIFEST_MAX;
    struct model *m = c->model;
    char d[DATE_TEXT];
    date_format(day, d);
    model_set(m, NULL, "manifestDate", d);
    struct model_node *acts = model_add(m, NULL, "activities");
    const struct catalogue *cat = c->catalogue;
    for (size_t a = 0; a < cat->nactivities; a++) {
        const struct cat_activity *act = &cat->activities[a];
        if (activity && act->id != activity)
            continue;
        struct model_node *an = NULL, *list = NULL;
        int guests = 0;
        for (size_t i = n; i-- > 0;) { /* oldest booking first */
            for (size_t k = 0; k < found[i].nitems; k++) {
                const struct store_item *it = &found[i].items[k];
                if (it->kind != ITEM_ACTIVITY || it->ref_id != act->id || it->day != day)
                    continue;
                if (!an) {
                    an = model_add(m, acts, "activity");
                    model_setf(m, an, "activityId", "%ld", act->id);
                    model_set(m, an, "activityName", act->name);
                    list = model_add(m, an, "bookings");
                }
                char t[9];
                date_format_time(it->time, t);
                long balance = found[i].total - found[i].gift - found[i].paid;
                struct model_node *bn = model_add(m, list, "booking");
                model_setf(m, bn, "bookingNumber", "%ld", found[i].number);
                model_set(m, bn, "bookingReference", found[i].reference);
                model_set(m, bn, "activityTime", t);
                model_set(m, bn, "guestFirstName", found[i].customer.first_name);
                model_set(m, bn, "guestLastName", found[i].customer.last_name);
                model_set(m, bn, "mobile", found[i].customer.phone);
                model_set(m, bn, "email", found[i].customer.email);
                model_set(m, bn, "notes", found[i].notes);
                set_money_pair(c, bn, "outstandingBalance", balance);
                model_setf(m, bn, "passengers", "%d", item_pax(it));
                model_set(m, bn, "checkedInStatus",
                          it->checked_in ? "Checked In" : "Not Checked In");
                guests += item_pax(it);
            }
        }
        if (an)
            model_setf(m, an, "totalGuests", "%d", guests);
    }
    free(found);
    buf_printf(&c->message, "Manifest found");
    return "";
}

static const char *
manifest_day(struct method_call *c)
{
    return manifest(c, 0);
}

static const char *
manifest_activity(struct method_call *c)
{
    const struct cat_activity *a = param_activity(c);
    return a ? manifest(c, a->id) : "error";
}

/* ---- waitlists and the operator's cancellations ---- */

static const char *
waitlist_add(struct method_call *c)
{
    struct store_waitlist w = {0};
    int pax[PAX_TYPES];
    const struct cat_activity *a = param_activity(c);
    if (!a || param_bookable_day(c, "activityDate", &w.day) < 0)
        return "error";
    w.time = a->departures[0].time;
    if (param_time(c, a, &w.time) < 0)
        return "error";
    int total = param_pax(c, pax);
    if (total < 0)
        return "error";
    struct buf v = BUF_INIT;
    const struct {
        const char *name;
        char *dst;
        size_t cap;
    } fields[] = {{"firstName", w.guest.first_name, sizeof(w.guest.first_name)},
                  {"lastName", w.guest.last_name, sizeof(w.guest.last_name)},
                  {"email", w.guest.email, sizeof(w.guest.email)},
                  {"mobileNumber", w.guest.phone, sizeof(w.guest.phone)}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        buf_clear(&v);
        if (method_param(c, fields[i].name, &v) == 0)
            snprintf(fields[i].dst, fields[i].cap, "%s", v.data);
    }
    buf_free(&v);
    if (!w.guest.last_name[0] && !w.guest.email[0])
        return method_fail(c, "bad-parameter", MERR_FILTER,
                           "zapiMethod/lastName or zapiMethod/email is needed for the wait list");
    w.activity_id = a->id;
    w.pax = total ? total : 1;
    snprintf(w.owner, sizeof(w.owner), "%s", c->partner->token);
    if (store_waitlist_add(c->store, &w) != STORE_OK)
        return method_fail(c, "general", MERR_GENERAL, "The wait list is full (%d guests)",
                           STORE_MAX_WAITLIST);
    struct model_node *n = model_add(c->model, NULL, "waitlist");
    model_setf(c->model, n, "waitListId", "%ld", w.id);
    model_setf(c->model, n, "activityId", "%ld", a->id);
    buf_printf(&c->message, "Guest added to the wait list");
    return "";
}

static const char *
waitlist_remove(struct method_call *c)
{
    long id;
    int rc = method_param_long(c, "waitListId", &id);
    if (rc == -2)
        return "error";
    if (rc == -1)
        return method_fail(c, "bad-parameter", MERR_FILTER, "zapiMethod/waitListId is missing");
    rc = store_waitlist_remove(c->store, id, c->partner->token);
    if (rc != STORE_OK)
        return method_fail(c, "no-data", MERR_GENERAL,
                           rc == STORE_NOT_YOURS ? "Wait list entry %ld belongs to another partner"
                                                 : "No wait list entry %ld",
                           id);
    model_setf(c->model, model_add(c->model, NULL, "waitlist"), "waitListId", "%ld", id);
    buf_printf(&c->message, "Guest removed from the wait list");
    return "";
}

static const char *
set_cancellation(struct method_call *c, int cancelled)
{
    const struct cat_activity *a = param_activity(c);
    long day;
    if (!a)
        return "error";
    int rc = method_param_date(c, "activityDate", &day);
    if (rc == -1)
        rc = method_param_date(c, "cancellationDate", &day);
    if (rc == -2)
        return "error";
    if (rc == -1)
        return method_fail(c, "bad-date", MERR_ACTIVITY_DATE, "zapiMethod/activityDate is missing");
    int only = -1;
    if (param_time(c, a, &only) < 0)
        return "error";
    struct model_node *list = model_add(c->model, NULL, "cancellations");
    for (size_t i = 0; i < a->ndepartures; i++) {
        int t = a->departures[i].time;
        if (only >= 0 && t != only)
            continue;
        if (store_set_cancelled(c->store, a->id, day, t, cancelled) < 0)
            return method_fail(c, "general", MERR_GENERAL, "Out of memory");
        char d[DATE_TEXT], ts[9];
        date_format(day, d);
        date_format_time(t, ts);
        struct model_node *n = model_add(c->model, list, "cancellation");
        model_setf(c->model, n, "activityId", "%ld", a->id);
        model_set(c->model, n, "activityName", a->name);
        model_set(c->model, n, "activityDate", d);
        model_set(c->model, n, "activityTime", ts);
    }
    buf_printf(&c->message, cancelled ? "Cancellation created" : "Cancellation removed");
    return "";
}

static const char *
create_cancellation(struct method_call *c)
{
    return set_cancellation(c, 1);
}

static const char *
remove_cancellation(struct method_call *c)
{
    return set_cancellation(c, 0);
}

static const struct method_handler handlers[] = {
    {"zapiProcessCartWithPayment", pay_cart, 0},
    {"zapiProcessSingleTransaction", single_transaction, 0},
    {"zapiSearchBookings", search_bookings, 0},
    {"zapiSearchBookingsByBookingNumber", search_by_number, 0},
    {"zapiBookings_CancelBooking", cancel_booking, 0},
    {"zapiEmailBookingItinerary", email_itinerary, 0},
    {"zapiGenerateBarCodeImage", barcode, 0},
    {"zapiLoadBookingIntoCart", load_into_cart, 0},
    {"zapiCheckIn", check_in, 0},
    {"zapiGuests_Lookup", guests_lookup, 0},
    {"zapiGetManifestEntireDayByDate", manifest_day, 0},
    {"zapiGetManifestIndividualByActivityIdAndDate", manifest_activity, 0},
    {"zapiAddWaitListGuest", waitlist_add, 0},
    {"zapiRemoveWaitListGuest", waitlist_remove, 0},
    {"zapiActivity_CreateCancellation", create_cancellation, 0},
    {"zapiActivity_RemoveCancellation", remove_cancellation, 0},
};

const struct method_area methods_bookings = {"bookings", handlers,
                                             sizeof(handlers) / sizeof(handlers[0])};

/* ---- the demo's starting point ---- */

int
bookings_seed(const struct catalogue *cat, struct store *st, time_t now)
{
    long today = date_from_time(now);
    int made = 0;
    for (size_t i = 0; i < cat->nseeds; i++) {
        const struct cat_seed_booking *s = &cat->seeds[i];
        const struct cat_departure *d = catalogue_departure(s->activity, s->time);
        long day = today + s->offset;
        int total = 0, left;
        for (int t = 0; t < PAX_TYPES; t++)
            total += s->pax[t];
        if (!d || inventory_take_seats(st, s->activity, day, today, d, total, &left) < 0)
            continue; /* no seats left that day: the seed is skipped, not oversold */
        struct store_booking b = {0};
        struct store_item *it = &b.items[0];
        b.nitems = 1;
        it->kind = ITEM_ACTIVITY;
        it->cart_item_id = 1;
        it->ref_id = s->activity->id;
        it->day = day;
        it->time = s->time;
        memcpy(it->pax, s->pax, sizeof(it->pax));
        pricing_item(cat, it, &it->cents, &it->tax_cents);
        b.created = now;
        snprintf(b.customer.first_name, sizeof(b.customer.first_name), "%s", s->first_name);
        snprintf(b.customer.last_name, sizeof(b.customer.last_name), "%s", s->last_name);
        snprintf(b.customer.email, sizeof(b.customer.email), "%s", s->email);
        snprintf(b.customer.phone, sizeof(b.customer.phone), "%s", s->phone);
        snprintf(b.notes, sizeof(b.notes), "%s", s->notes);
        b.subtotal = it->cents;
        b.tax = it->tax_cents;
        b.total = b.subtotal + b.tax;
        b.paid = s->paid ? b.total : 0;
        b.payment_method = s->paid ? 2000 : 2003;
        if (store_booking_add(st, &b) != STORE_OK) {
            inventory_take_seats(st, s->activity, day, today, d, -total, &left);
            return -1;
        }
        snprintf(b.transaction_id, sizeof(b.transaction_id), "ZM-%ld-1", b.number);
        store_booking_put(st, &b);
        made++;
    }
    return made;
}
