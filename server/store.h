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

/* One change of a counter for store_take_all(): seats at a departure, stock of a product, rental
 * equipment at a departure. */
enum store_counter { COUNT_SEATS = 's', COUNT_STOCK = 'p', COUNT_EQUIPMENT = 'e' };

struct store_take {
    enum store_counter kind;
    long id;        /* activity or product */
    long day;       /* seats, equipment */
    int time;       /* seats, equipment */
    long equipment; /* equipment id */
    int n;          /* > 0 takes, < 0 gives back (never below zero) */
    int limit;      /* most that may be taken in all (takes only) */
};

/* Applies every change or none: STORE_OK, or STORE_FULL with *failed the index of a take that
 * does not fit and *left what its counter has left. Changes of one counter add up first, so a
 * swap (give back old seats, take new ones) is checked as a whole. */
int store_take_all(struct store *s, const struct store_take *t, size_t n, size_t *failed,
                   int *left);
/* The value of one counter (take's kind, id, day, time and equipment). */
int store_taken(struct store *s, const struct store_take *what);

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

/* ---- carts, bookings, waitlists, outbox ----
 * Records are copied in and out whole (fixed-size structs): a caller never holds a pointer into
 * the store, so another backend (shared by replicas) can replace this one behind the same calls. */

#define STORE_MAX_ITEMS 16                  /* items in one cart or booking */
#define STORE_DEFAULT_MAX_CARTS 10000       /* then the longest idle cart is evicted */
#define STORE_DEFAULT_MAX_BOOKINGS 10000    /* then the oldest booking is evicted */
#define STORE_DEFAULT_CART_TTL_S (2 * 3600) /* idle carts expire */
#define STORE_MAX_WAITLIST 1000
#define STORE_MAX_OUTBOX 200 /* e-mails kept, oldest dropped first */
#define STORE_TEXT 128
#define STORE_NOTES 1024
#define STORE_REFERENCE_TEXT 8 /* 7 characters and the NUL */

struct store_limits {
    unsigned max_carts;
    unsigned max_bookings;
    unsigned cart_ttl_s;
};

enum store_item_kind { ITEM_ACTIVITY = 1, ITEM_PRODUCT, ITEM_PACKAGE };

struct store_item {
    enum store_item_kind kind;
    long cart_item_id;
    long ref_id;  /* activity, product or package id */
    long day;     /* activity or package start day */
    int time;     /* departure, seconds after midnight */
    int pax[5];   /* passengers of types 10..14 */
    int quantity; /* products */
    long pickup_id, dropoff_id;
    long equipment_id;
    int equipment_quantity;
    long package_item_of; /* an activity booked as part of a package item: its cartItemId */
    long cents;           /* the price when booked (bookings only), before tax */
    long tax_cents;
    int checked_in;
};

struct store_customer {
    char first_name[STORE_TEXT], last_name[STORE_TEXT], email[STORE_TEXT], phone[64];
    char address[STORE_TEXT], city[64], country[64], postal_code[32];
};

struct store_cart {
    char id[STORE_ID_TEXT];
    char owner[STORE_TEXT];
    time_t created, touched;
    struct store_customer customer;
    char notes[STORE_NOTES];
    struct store_item items[STORE_MAX_ITEMS];
    size_t nitems;
    long next_item_id;
    char promo_code[64];
    char gift_code[64];
    long loaded_booking;    /* zapiLoadBookingIntoCart: the booking this cart changes, 0 if none */
    unsigned long revision; /* store_cart_put refuses a copy of an older revision */
};

struct store_booking {
    long number;
    char reference[STORE_REFERENCE_TEXT];
    char owner[STORE_TEXT];
    time_t created;
    struct store_customer customer;
    char notes[STORE_NOTES];
    struct store_item items[STORE_MAX_ITEMS];
    size_t nitems;
    long subtotal, discount, tax, total, gift, paid; /* cents */
    char promo_code[64];
    char gift_code[64];
    int payment_method;
    char transaction_id[32];
    char card_last4[8];
    int cancelled;
    time_t cancelled_at;
    unsigned long revision; /* store_booking_put refuses a copy of an older revision */
};

struct store_waitlist {
    long id;
    long activity_id, day;
    int time;
    int pax;
    struct store_customer guest;
    char owner[STORE_TEXT];
};

struct store_email {
    long id;
    time_t sent;
    char to[STORE_TEXT];
    char subject[256];
    char *body; /* owned by the store; a copy handed out must be freed by store_email_free */
    long booking;
};

/* Replaces the limits (0 fields keep the current value). */
void store_set_limits(struct store *s, const struct store_limits *l);
void store_get_limits(struct store *s, struct store_limits *l);

enum store_status {
    STORE_OK = 0,
    STORE_NOT_FOUND = -1,
    STORE_NOT_YOURS = -2,
    STORE_FULL = -3,
    STORE_CONFLICT = -4, /* changed by another request since it was read: read it again */
};

/* Creates an empty cart owned by a partner token; writes its id. STORE_OK, or STORE_FULL when out
 * of memory. At the limit, the longest idle cart makes room. */
int store_cart_create(struct store *s, const char *owner, time_t now, char id[STORE_ID_TEXT]);
/* Copies a cart out and marks it used. STORE_NOT_FOUND when unknown or idle too long,
 * STORE_NOT_YOURS when another token made it. */
int store_cart_get(struct store *s, const char *id, const char *owner, time_t now,
                   struct store_cart *out);
/* Replaces a cart's content (same checks as store_cart_get), unless the cart changed since this
 * copy was read (STORE_CONFLICT). On success the copy's revision follows the store's. */
int store_cart_put(struct store *s, struct store_cart *cart, time_t now);
int store_cart_remove(struct store *s, const char *id, const char *owner, time_t now);
/* Copies up to max of the owner's live carts into out; returns how many it has in all. */
size_t store_cart_list(struct store *s, const char *owner, time_t now, struct store_cart *out,
                       size_t max);
size_t store_cart_count(struct store *s, time_t now);

/* Adds a booking: gives it the next number and a fresh 7-character reference (written back into
 * b). At the limit the oldest booking is dropped. STORE_OK or STORE_FULL. */
int store_booking_add(struct store *s, struct store_booking *b);
int store_booking_get(struct store *s, long number, struct store_booking *out);
/* Replaces a booking (by its number) unless it changed since this copy was read
 * (STORE_CONFLICT). On success the copy's revision follows the store's. */
int store_booking_put(struct store *s, struct store_booking *b);
/* Copies the bookings for which match() holds (all when NULL), newest first, up to max; returns
 * how many matched in all. */
size_t store_booking_find(struct store *s, int (*match)(const struct store_booking *, void *),
                          void *ctx, struct store_booking *out, size_t max);
size_t store_booking_count(struct store *s);

/* Gift certificate balance used so far (cents). */
long store_gift_used(struct store *s, const char *code);
/* Takes cents from a certificate worth balance: STORE_OK, or STORE_FULL when not enough is left. */
int store_gift_take(struct store *s, const char *code, long cents, long balance);

int store_waitlist_add(struct store *s, struct store_waitlist *w);
int store_waitlist_remove(struct store *s, long id, const char *owner);
size_t store_waitlist_count(struct store *s);

/* Keeps an e-mail (copies to, subject and body). */
int store_email_add(struct store *s, struct store_email *e);
/* Copies the newest max e-mails into out (caller frees each with store_email_free). */
size_t store_email_list(struct store *s, struct store_email *out, size_t max);
void store_email_free(struct store_email *e);

#endif
