/* catalogue: a tour operator's offer as data (fixtures/catalogue.xml): activity categories,
 * activities with prices, taxes, departures and schedules relative to today, merchandise,
 * packages, pickup locations, promotion codes and gift certificates. Loaded with the fixture set,
 * immutable afterwards (shared by every thread), swapped whole on reload. Pure: "today" is always
 * the caller's. Money is in cents. */
#ifndef ZAPI_CATALOGUE_H
#define ZAPI_CATALOGUE_H

#include <stddef.h>

#include "buf.h"

#define CATALOGUE_MAX_CODE 40 /* promotion and gift certificate codes, characters */
#define CATALOGUE_MAX_CODE_TEXT "40"
#define CATALOGUE_MAX_MONEY_UNITS 1000000 /* any one amount, in whole currency units */

/* Passenger types 10-14 as ZAPI numbers them. */
enum { PAX_FIRST = 10, PAX_TYPES = 5 };
/* "Seniors", "Adults", ... for type 10..14; NULL otherwise. */
const char *catalogue_pax_name(int type);
/* "seniors", "adults", ...: the element names of <passengers>/pax. */
const char *catalogue_pax_element(int type);

/* Activity types as ZAPI numbers them. */
enum {
    ACTIVITY_REGULAR = 500,
    ACTIVITY_TIMED = 502,
    ACTIVITY_TIMED_ALT = 503,
    ACTIVITY_PICKUP = 504,
    ACTIVITY_RENTAL = 505
};
const char *catalogue_type_name(int type);

struct cat_tax {
    const char *id, *name;
    int basis_points; /* 5% = 500 */
};

struct cat_location {
    long id;
    const char *name, *address, *time; /* time "" when none */
};

struct cat_category {
    long id;
    const char *name, *description;
};

struct cat_price {
    int type;   /* 10..14 */
    long cents; /* base price per passenger */
};

struct cat_departure {
    int time;     /* seconds after midnight */
    int capacity; /* seats */
};

/* The days an activity runs: every rule may restrict; a day must pass all of them. */
struct cat_runs {
    unsigned weekdays;          /* bit 0 = Monday; 0x7f every day */
    long from, to;              /* day offsets from today, inclusive (LONG_MIN/MAX: open) */
    int season_from, season_to; /* month*100+day, inclusive, may wrap the year; 0 = all year */
};

/* A day an activity does not run: an offset from today, or a yearly date. */
struct cat_blackout {
    int has_offset;
    long offset;
    int month_day;
};

/* Seats already sold when the demo starts: a sold-out departure. */
struct cat_sold {
    long offset;
    int time;  /* -1: every departure of that day */
    int seats; /* -1: all */
};

struct cat_equipment {
    long id;
    const char *name;
    long cents;
    int stock;
};

struct cat_activity {
    long id;
    int type;
    const struct cat_category *category;
    int published;
    long price_code_id;
    int duration_minutes;
    const char *name, *short_description, *description, *image_url;
    struct cat_price prices[PAX_TYPES];
    size_t nprices;
    int tax_basis_points; /* sum of the activity's taxes */
    const struct cat_tax *taxes[8];
    size_t ntaxes;
    struct cat_departure *departures; /* sorted by time */
    size_t ndepartures;
    struct cat_runs *runs;
    size_t nruns;
    struct cat_blackout *blackouts;
    size_t nblackouts;
    struct cat_sold *sold;
    size_t nsold;
    const struct cat_location **pickups, **dropoffs;
    size_t npickups, ndropoffs;
    struct cat_equipment *equipment;
    size_t nequipment;
    int line;
};

struct cat_product {
    long id;
    const struct cat_category *category;
    int published;
    const char *name, *description, *image_url, *sku;
    long cents;
    int stock;
    int tax_basis_points;
};

struct cat_package_item {
    const struct cat_activity *activity;
    int day; /* days after the package's first day */
};

struct cat_package {
    long id;
    const struct cat_category *category;
    int published;
    const char *name, *description, *image_url;
    struct cat_package_item *items;
    size_t nitems;
    struct cat_price prices[PAX_TYPES];
    size_t nprices;
    int tax_basis_points;
};

struct cat_promotion {
    const char *code, *description;
    int percent; /* 0 when a fixed amount */
    long cents;  /* fixed amount off the cart */
};

struct cat_gift {
    const char *code;
    long cents;
};

/* A card number the payment sandbox answers in a set way (code 0: approved). */
struct cat_test_card {
    const char *number, *message;
    int code; /* transactionErrorCode */
};

/* A booking the demo starts with, so manifests and searches answer something. */
struct cat_seed_booking {
    const struct cat_activity *activity;
    long offset; /* day, from today */
    int time;
    int pax[PAX_TYPES];
    const char *first_name, *last_name, *email, *phone, *notes;
    int paid;
    int line;
};

struct cat_operator {
    const char *name, *currency, *currency_symbol, *email, *phone, *website, *timezone;
};

struct catalogue {
    struct cat_operator op;
    struct cat_tax *taxes;
    size_t ntaxes;
    struct cat_location *locations;
    size_t nlocations;
    struct cat_category *activity_categories, *product_categories, *package_categories;
    size_t nactivity_categories, nproduct_categories, npackage_categories;
    struct cat_activity *activities;
    size_t nactivities;
    struct cat_product *products;
    size_t nproducts;
    struct cat_package *packages;
    size_t npackages;
    struct cat_promotion *promotions;
    size_t npromotions;
    struct cat_gift *gifts;
    size_t ngifts;
    struct cat_test_card *cards;
    size_t ncards;
    struct cat_seed_booking *seeds;
    size_t nseeds;
    char **strings; /* owner of every string above */
    size_t nstrings, capstrings;
};

/* Parses path. Returns 0, or -1 with "path:line: reason" in err. */
int catalogue_load(const char *path, struct catalogue **out, struct buf *err);
/* An empty catalogue (no catalogue.xml): every lookup finds nothing. */
struct catalogue *catalogue_empty(void);
void catalogue_free(struct catalogue *cat);

const struct cat_activity *catalogue_activity(const struct catalogue *cat, long id);
const struct cat_product *catalogue_product(const struct catalogue *cat, long id);
const struct cat_package *catalogue_package(const struct catalogue *cat, long id);
const struct cat_location *catalogue_location(const struct catalogue *cat, long id);
const struct cat_promotion *catalogue_promotion(const struct catalogue *cat, const char *code);
const struct cat_gift *catalogue_gift(const struct catalogue *cat, const char *code);
const struct cat_test_card *catalogue_test_card(const struct catalogue *cat, const char *number);
/* The base price of a passenger type, or -1 when the activity does not take it. */
long catalogue_price(const struct cat_price *prices, size_t n, int type);

/* True when the activity runs on day (schedules and blackouts; past days included). */
int catalogue_runs_on(const struct cat_activity *a, long day, long today);
/* Seats sold before the demo started at a departure (capacity when sold out). */
int catalogue_sold_at_start(const struct cat_activity *a, long day, long today,
                            const struct cat_departure *d);
/* The departure at time (seconds), or NULL. */
const struct cat_departure *catalogue_departure(const struct cat_activity *a, int time);
/* "89.00", "89.5", "89": money in cents. 0, or -1. */
int catalogue_parse_money(const char *s, long *cents);
/* Tax on an amount, rounded half up to the cent. */
long catalogue_tax(long cents, int basis_points);

#endif
