/* Unit tests for catalogue: the shipped demo catalogue loads with the cases partners test;
 * schedules, blackouts and seats sold at start are evaluated relative to an injected today;
 * every mistake in a catalogue file is refused with "file:line: reason". */
#include "catalogue.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "envelope.h"
#include "support.h"

static char base[] = "/tmp/zapi-catalogue-XXXXXX";

static long
day_of(const char *s)
{
    long d = 0;
    ck_assert_msg(date_parse(s, &d) == 0, "bad test date %s", s);
    return d;
}

/* 2024-06-01 is a Saturday. */
#define TODAY day_of("2024-06-01")

static struct catalogue *
load_repo(void)
{
    char *dir = support_repo_fixtures();
    char *path = support_path(dir, "catalogue.xml");
    struct catalogue *cat = NULL;
    struct buf err = BUF_INIT;
    ck_assert_msg(catalogue_load(path, &cat, &err) == 0, "%s", err.data);
    ck_assert_ptr_nonnull(cat);
    buf_free(&err);
    free(path);
    free(dir);
    return cat;
}

/* The declarations every test catalogue starts with: two taxes, a location, a category of each
 * kind. 7 lines, so a test's own elements start on line 9 (after <catalogue> on line 8). */
static const char head[] = "<?xml version=\"1.0\"?>\n"                                       /* 1 */
                           "<!-- test -->\n"                                                 /* 2 */
                           "<catalogue>\n"                                                   /* 3 */
                           "<tax id=\"GST\" name=\"GST\" percent=\"5\"/>\n"                  /* 4 */
                           "<tax id=\"PST\" name=\"PST\" percent=\"7\"/>\n"                  /* 5 */
                           "<pickupLocation id=\"301\" name=\"Hotel\" time=\"06:30:00\"/>\n" /* 6 */
                           "<activityCategory id=\"1\" name=\"Sea\"/>\n"                     /* 7 */
                           "<productCategory id=\"1\" name=\"Gear\"/>\n";                    /* 8 */

/* Writes head + body + "</catalogue>" and loads it. Returns catalogue_load's result; *cat and
 * err are the caller's. */
static int
load_text(const char *body, struct catalogue **cat, struct buf *err, char **path_out)
{
    struct buf text = BUF_INIT;
    buf_append_str(&text, head);
    buf_append_str(&text, body);
    buf_append_str(&text, "</catalogue>\n");
    char *path = NULL;
    ck_assert_int_eq(support_write_in(base, "catalogue.xml", text.data, &path), 0);
    buf_free(&text);
    int rc = catalogue_load(path, cat, err);
    if (path_out)
        *path_out = path;
    else
        free(path);
    return rc;
}

static struct catalogue *
load_ok(const char *body)
{
    struct catalogue *cat = NULL;
    struct buf err = BUF_INIT;
    ck_assert_msg(load_text(body, &cat, &err, NULL) == 0, "refused: %s", err.data);
    ck_assert_ptr_nonnull(cat);
    buf_free(&err);
    return cat;
}

/* A catalogue with body must be refused with "path:line: " and a reason holding want. */
static void
assert_refused(const char *body, int line, const char *want)
{
    struct catalogue *cat = (struct catalogue *)1;
    struct buf err = BUF_INIT;
    char *path = NULL;
    ck_assert_int_eq(load_text(body, &cat, &err, &path), -1);
    ck_assert_ptr_null(cat);
    ck_assert_ptr_nonnull(err.data);
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    ck_assert_msg(strncmp(err.data, prefix, strlen(prefix)) == 0,
                  "error \"%s\", want prefix \"%s\"", err.data, prefix);
    ck_assert_msg(strstr(err.data + strlen(prefix), want) != NULL, "error \"%s\" lacks \"%s\"",
                  err.data, want);
    buf_free(&err);
    free(path);
}

/* One activity with the given attributes and children (name, a price and a schedule added). */
static char *
activity(const char *attrs, const char *children)
{
    struct buf b = BUF_INIT;
    buf_printf(&b,
               "<activity %s>\n<name>Tour</name>\n<price passengerType=\"11\" base=\"10.00\"/>\n"
               "%s</activity>\n",
               attrs, children);
    return b.data;
}

/* ---- the shipped catalogue ---- */

START_TEST(test_repo_catalogue)
{
    struct catalogue *cat = load_repo();
    ck_assert_str_eq(cat->op.currency, "CAD");
    ck_assert_str_eq(cat->op.name, "Harbour & Peaks Adventures");
    ck_assert_uint_eq(cat->ntaxes, 2);
    ck_assert_uint_eq(cat->nlocations, 3);
    ck_assert_uint_eq(cat->nactivity_categories, 4);
    ck_assert_uint_eq(cat->nactivities, 9);
    ck_assert_uint_eq(cat->nproduct_categories, 3);
    ck_assert_uint_eq(cat->nproducts, 5);
    ck_assert_uint_eq(cat->npackages, 2);
    ck_assert_uint_eq(cat->npromotions, 2);
    ck_assert_uint_eq(cat->ngifts, 2);

    /* Every activity type is there, each with a name, an image, prices and departures. */
    int types[6] = {0};
    for (size_t i = 0; i < cat->nactivities; i++) {
        const struct cat_activity *a = &cat->activities[i];
        ck_assert_ptr_nonnull(catalogue_type_name(a->type));
        types[a->type == 500 ? 0 : a->type - 501]++;
        ck_assert(*a->name && *a->image_url && *a->description && *a->short_description);
        ck_assert(a->nprices > 0 && a->ndepartures > 0 && a->nruns > 0);
        for (size_t j = 1; j < a->ndepartures; j++)
            ck_assert_int_lt(a->departures[j - 1].time, a->departures[j].time);
    }
    ck_assert(types[0] && types[1] && types[2] && types[3] && types[4]);

    const struct cat_activity *whale = catalogue_activity(cat, 101);
    ck_assert_ptr_nonnull(whale);
    ck_assert_int_eq(whale->type, ACTIVITY_TIMED);
    ck_assert_int_eq(whale->category->id, 1);
    ck_assert_int_eq(whale->tax_basis_points, 1200);
    ck_assert_uint_eq(whale->ntaxes, 2);
    ck_assert_int_eq(catalogue_price(whale->prices, whale->nprices, 11), 13900);
    ck_assert_int_eq(catalogue_price(whale->prices, whale->nprices, 14), 0);
    ck_assert_int_eq(catalogue_price(whale->prices, whale->nprices, 15), -1);
    ck_assert_uint_eq(whale->ndepartures, 3);
    ck_assert_int_eq(whale->departures[1].time, 13 * 3600);
    ck_assert_int_eq(whale->departures[2].capacity, 12);
    ck_assert(whale->published);

    ck_assert(!catalogue_activity(cat, 107)->published);
    const struct cat_activity *whistler = catalogue_activity(cat, 104);
    ck_assert_uint_eq(whistler->npickups, 3);
    ck_assert_uint_eq(whistler->ndropoffs, 3);
    ck_assert_str_eq(whistler->pickups[0]->name, "Pan Pacific Hotel");
    ck_assert_uint_eq(catalogue_activity(cat, 102)->nequipment, 2);
    ck_assert_int_eq(catalogue_activity(cat, 102)->equipment[1].cents, 2500);

    ck_assert_int_eq(catalogue_product(cat, 203)->stock, 0);
    ck_assert_int_eq(catalogue_product(cat, 205)->stock, 3);
    ck_assert_int_eq(catalogue_product(cat, 201)->cents, 2999);
    ck_assert(!catalogue_product(cat, 204)->published);
    const struct cat_package *pkg = catalogue_package(cat, 401);
    ck_assert_uint_eq(pkg->nitems, 2);
    ck_assert_ptr_eq(pkg->items[0].activity, whale);
    ck_assert_int_eq(pkg->items[1].activity->id, 108);
    ck_assert_int_eq(pkg->items[1].day, 1);

    ck_assert_ptr_nonnull(catalogue_promotion(cat, "summer10"));
    ck_assert_int_eq(catalogue_promotion(cat, "SUMMER10")->percent, 10);
    ck_assert_int_eq(catalogue_promotion(cat, "WELCOME20")->cents, 2000);
    ck_assert_int_eq(catalogue_gift(cat, "GIFT-100-DEMO")->cents, 10000);
    ck_assert_ptr_null(catalogue_gift(cat, "NOPE"));
    ck_assert_ptr_null(catalogue_activity(cat, 999));
    ck_assert_ptr_null(catalogue_product(cat, 101));
    ck_assert_ptr_null(catalogue_package(cat, 1));
    ck_assert_str_eq(catalogue_location(cat, 302)->time, "06:40:00");
    catalogue_free(cat);
}
END_TEST

START_TEST(test_repo_cases_relative_to_today)
{
    /* The cases the header comment promises hold whatever today is. */
    struct catalogue *cat = load_repo();
    const struct cat_activity *whale = catalogue_activity(cat, 101);
    const struct cat_activity *bike = catalogue_activity(cat, 108);
    const long todays[] = {day_of("2024-06-01"), day_of("2026-11-30"), day_of("2027-02-28")};
    for (size_t i = 0; i < 3; i++) {
        long t = todays[i];
        const struct cat_departure *one = catalogue_departure(whale, 13 * 3600);
        ck_assert_ptr_nonnull(one);
        ck_assert_int_eq(catalogue_sold_at_start(whale, t + 1, t, one), one->capacity);
        ck_assert_int_eq(catalogue_sold_at_start(whale, t + 2, t, one), 0);
        ck_assert_int_eq(
            catalogue_sold_at_start(whale, t + 1, t, catalogue_departure(whale, 9 * 3600)), 10);
        ck_assert_int_eq(catalogue_sold_at_start(bike, t + 2, t, &bike->departures[0]), 13);
        ck_assert_int_eq(bike->departures[0].capacity - 13, 2);
    }
    /* Whale watching runs daily but not on Christmas day. */
    long t = TODAY;
    ck_assert(catalogue_runs_on(whale, t + 1, t));
    ck_assert(!catalogue_runs_on(whale, day_of("2024-12-25"), t));
    ck_assert(catalogue_runs_on(whale, day_of("2024-12-24"), t));
    /* Salmon charter: June to mid-September only. */
    const struct cat_activity *salmon = catalogue_activity(cat, 106);
    ck_assert(catalogue_runs_on(salmon, day_of("2024-06-01"), t));
    ck_assert(catalogue_runs_on(salmon, day_of("2024-09-15"), t));
    ck_assert(!catalogue_runs_on(salmon, day_of("2024-09-16"), t));
    ck_assert(!catalogue_runs_on(salmon, day_of("2025-01-10"), t));
    catalogue_free(cat);
}
END_TEST

/* ---- schedules ---- */

START_TEST(test_weekdays_and_window)
{
    char *a = activity("id=\"1\" type=\"500\" category=\"1\"",
                       "<departure time=\"10:00\" capacity=\"5\"/>\n"
                       "<runs days=\"mon, Wednesday\" from=\"-10\" to=\"+10\"/>\n");
    struct catalogue *cat = load_ok(a);
    free(a);
    const struct cat_activity *x = catalogue_activity(cat, 1);
    long t = TODAY; /* Saturday */
    ck_assert(!catalogue_runs_on(x, t, t));
    ck_assert(catalogue_runs_on(x, t + 2, t));   /* Monday 06-03 */
    ck_assert(!catalogue_runs_on(x, t + 3, t));  /* Tuesday */
    ck_assert(catalogue_runs_on(x, t + 4, t));   /* Wednesday */
    ck_assert(catalogue_runs_on(x, t + 9, t));   /* Monday, day +9 */
    ck_assert(!catalogue_runs_on(x, t + 16, t)); /* Monday beyond +10 */
    ck_assert(catalogue_runs_on(x, t - 5, t));   /* Monday 05-27, -5: past days count */
    ck_assert(!catalogue_runs_on(x, t - 12, t)); /* Monday before -10 */
    /* The window moves with today. */
    ck_assert(catalogue_runs_on(x, t + 16, t + 7));
    catalogue_free(cat);
}
END_TEST

START_TEST(test_seasons)
{
    char *a = activity("id=\"1\" type=\"502\" category=\"1\"",
                       "<departure time=\"17:30:00\" capacity=\"30\"/>\n"
                       "<runs season=\"11-15..01-31\"/>\n");
    char *b = activity("id=\"2\" type=\"502\" category=\"1\"",
                       "<departure time=\"06:00:00\" capacity=\"6\"/>\n"
                       "<runs days=\"daily\" season=\"06-01..09-15\"/>\n");
    struct buf body = BUF_INIT;
    buf_append_str(&body, a);
    buf_append_str(&body, b);
    struct catalogue *cat = load_ok(body.data);
    buf_free(&body);
    free(a);
    free(b);
    long t = TODAY;
    const struct cat_activity *winter = catalogue_activity(cat, 1),
                              *summer = catalogue_activity(cat, 2);
    /* Wraps over the new year. */
    ck_assert(!catalogue_runs_on(winter, day_of("2024-11-14"), t));
    ck_assert(catalogue_runs_on(winter, day_of("2024-11-15"), t));
    ck_assert(catalogue_runs_on(winter, day_of("2024-12-31"), t));
    ck_assert(catalogue_runs_on(winter, day_of("2025-01-01"), t));
    ck_assert(catalogue_runs_on(winter, day_of("2025-01-31"), t));
    ck_assert(!catalogue_runs_on(winter, day_of("2025-02-01"), t));
    ck_assert(!catalogue_runs_on(winter, day_of("2025-06-01"), t));
    /* Within a year, bounds included. */
    ck_assert(!catalogue_runs_on(summer, day_of("2024-05-31"), t));
    ck_assert(catalogue_runs_on(summer, day_of("2024-06-01"), t));
    ck_assert(catalogue_runs_on(summer, day_of("2030-09-15"), t));
    ck_assert(!catalogue_runs_on(summer, day_of("2030-09-16"), t));
    catalogue_free(cat);
}
END_TEST

START_TEST(test_runs_add_up_and_blackouts)
{
    char *a = activity("id=\"1\" type=\"502\" category=\"1\"",
                       "<departure time=\"10:00:00\" capacity=\"5\"/>\n"
                       "<runs days=\"sat\"/>\n<runs days=\"sun\" from=\"0\" to=\"+7\"/>\n"
                       "<blackout day=\"+7\"/>\n<blackout date=\"12-28\"/>\n"
                       "<blackout day=\"-7\"/>\n");
    struct catalogue *cat = load_ok(a);
    free(a);
    const struct cat_activity *x = catalogue_activity(cat, 1);
    long t = TODAY;                             /* Saturday 2024-06-01 */
    ck_assert(catalogue_runs_on(x, t, t));      /* Saturday */
    ck_assert(catalogue_runs_on(x, t + 1, t));  /* Sunday inside the second window */
    ck_assert(!catalogue_runs_on(x, t + 7, t)); /* Saturday blacked out by offset */
    ck_assert(!catalogue_runs_on(x, t - 7, t)); /* and the one a week ago */
    ck_assert(catalogue_runs_on(x, t + 14, t)); /* the Saturday after */
    ck_assert(!catalogue_runs_on(x, t + 8, t)); /* Sunday beyond +7 */
    ck_assert(!catalogue_runs_on(x, t + 2, t)); /* Monday */
    /* The offset blackout moves with today; the yearly one does not. */
    ck_assert(catalogue_runs_on(x, t + 7, t + 1));
    ck_assert(!catalogue_runs_on(x, day_of("2024-12-28"), t)); /* a Saturday */
    ck_assert(!catalogue_runs_on(x, day_of("2030-12-28"), t)); /* a Saturday too */
    ck_assert(catalogue_runs_on(x, day_of("2024-12-21"), t));
    catalogue_free(cat);
}
END_TEST

START_TEST(test_sold_at_start)
{
    char *a = activity("id=\"1\" type=\"502\" category=\"1\"",
                       "<departure time=\"13:00:00\" capacity=\"24\"/>\n"
                       "<departure time=\"09:00:00\" capacity=\"12\"/>\n"
                       "<runs/>\n"
                       "<sold day=\"+1\" time=\"13:00:00\" seats=\"all\"/>\n"
                       "<sold day=\"+1\" time=\"09:00:00\" seats=\"10\"/>\n"
                       "<sold day=\"+2\" seats=\"5\"/>\n"
                       "<sold day=\"+2\" time=\"09:00\" seats=\"20\"/>\n"
                       "<sold day=\"+3\"/>\n");
    struct catalogue *cat = load_ok(a);
    free(a);
    const struct cat_activity *x = catalogue_activity(cat, 1);
    long t = TODAY;
    const struct cat_departure *nine = &x->departures[0], *one = &x->departures[1];
    ck_assert_int_eq(nine->time, 9 * 3600); /* sorted */
    ck_assert_int_eq(catalogue_departure(x, 13 * 3600)->capacity, 24);
    ck_assert_ptr_null(catalogue_departure(x, 14 * 3600));
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 1, t, one), 24);
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 1, t, nine), 10);
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 2, t, one), 5);
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 2, t, nine), 12); /* 5 + 20, capped */
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 3, t, one), 24);  /* no seats: all */
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 3, t, nine), 12);
    ck_assert_int_eq(catalogue_sold_at_start(x, t, t, one), 0);
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 4, t, one), 0);
    /* Relative to today: tomorrow's sell-out moves along. */
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 1, t + 1, one), 0);
    ck_assert_int_eq(catalogue_sold_at_start(x, t + 2, t + 1, one), 24);
    catalogue_free(cat);
}
END_TEST

START_TEST(test_tax_and_names)
{
    ck_assert_int_eq(catalogue_tax(10000, 1200), 1200);
    ck_assert_int_eq(catalogue_tax(13900, 500), 695);
    ck_assert_int_eq(catalogue_tax(10, 500), 1);      /* 0.5 cent rounds up */
    ck_assert_int_eq(catalogue_tax(9, 500), 0);       /* 0.45 cent rounds down */
    ck_assert_int_eq(catalogue_tax(2999, 1200), 360); /* 359.88 */
    ck_assert_int_eq(catalogue_tax(0, 1200), 0);
    ck_assert_str_eq(catalogue_pax_name(10), "Seniors");
    ck_assert_str_eq(catalogue_pax_element(14), "infants");
    ck_assert_ptr_null(catalogue_pax_name(9));
    ck_assert_ptr_null(catalogue_pax_name(15));
    ck_assert_ptr_nonnull(catalogue_type_name(505));
    ck_assert_ptr_null(catalogue_type_name(501));
    struct catalogue *empty = catalogue_empty();
    ck_assert_ptr_nonnull(empty);
    ck_assert_ptr_null(catalogue_activity(empty, 101));
    ck_assert_ptr_null(catalogue_promotion(empty, "SUMMER10"));
    ck_assert_str_eq(empty->op.currency_symbol, "$");
    catalogue_free(empty);
    catalogue_free(NULL);
}
END_TEST

/* A catalogue is read top to bottom, but arrays that grow while it is read must not leave
 * references dangling: an activity appended after a package (what a user adding an activity
 * at the end of the file does) keeps the package's activities valid. */
START_TEST(test_references_survive_later_elements)
{
    struct buf body = BUF_INIT;
    buf_append_str(&body, "<packageCategory id=\"1\" name=\"Packs\"/>\n");
    char *a = activity("id=\"1\" type=\"500\" category=\"1\" taxes=\"GST\"",
                       "<departure time=\"10:00:00\" capacity=\"5\"/>\n<runs/>\n"
                       "<pickup location=\"301\"/>\n");
    buf_append_str(&body, a);
    free(a);
    buf_append_str(&body, "<package id=\"9\" category=\"1\"><name>P</name>"
                          "<includes activity=\"1\"/><price passengerType=\"11\" base=\"5\"/>"
                          "</package>\n");
    for (int i = 2; i < 60; i++) {
        char attrs[128];
        snprintf(attrs, sizeof(attrs), "id=\"%d\" type=\"500\" category=\"%d\" taxes=\"T%d\"", i, i,
                 i);
        buf_printf(&body, "<activityCategory id=\"%d\" name=\"C%d\"/>\n", i, i);
        buf_printf(&body, "<tax id=\"T%d\" name=\"T\" percent=\"1\"/>\n", i);
        buf_printf(&body, "<pickupLocation id=\"%d\" name=\"L\"/>\n", 1000 + i);
        a = activity(attrs, "<departure time=\"10:00:00\" capacity=\"5\"/>\n<runs/>\n");
        buf_append_str(&body, a);
        free(a);
    }
    struct catalogue *cat = load_ok(body.data);
    buf_free(&body);
    ck_assert_uint_eq(cat->nactivities, 59);
    const struct cat_activity *first = catalogue_activity(cat, 1);
    ck_assert_ptr_eq(catalogue_package(cat, 9)->items[0].activity, first);
    ck_assert_ptr_eq(first->category, &cat->activity_categories[0]);
    ck_assert_ptr_eq(first->taxes[0], &cat->taxes[0]);
    ck_assert_ptr_eq(first->pickups[0], catalogue_location(cat, 301));
    ck_assert_str_eq(first->category->name, "Sea");
    const struct cat_activity *last = catalogue_activity(cat, 59);
    ck_assert_ptr_eq(last->category, &cat->activity_categories[58]);
    ck_assert_str_eq(last->taxes[0]->id, "T59");
    catalogue_free(cat);

    /* So a reference may name what the file declares further down. */
    a = activity("id=\"1\" type=\"500\" category=\"2\" taxes=\"VAT\"",
                 "<departure time=\"10:00:00\" capacity=\"5\"/>\n<runs/>\n");
    buf_append_str(&body, "<packageCategory id=\"1\" name=\"Packs\"/>\n");
    buf_append_str(&body, "<package id=\"9\" category=\"1\"><name>P</name>"
                          "<includes activity=\"1\"/><price passengerType=\"11\" base=\"5\"/>"
                          "</package>\n");
    buf_append_str(&body, a);
    buf_append_str(&body, "<activityCategory id=\"2\" name=\"Later\"/>\n"
                          "<tax id=\"VAT\" name=\"VAT\" percent=\"20\"/>\n");
    free(a);
    cat = load_ok(body.data);
    buf_free(&body);
    ck_assert_str_eq(catalogue_activity(cat, 1)->category->name, "Later");
    ck_assert_int_eq(catalogue_activity(cat, 1)->tax_basis_points, 2000);
    ck_assert_ptr_eq(catalogue_package(cat, 9)->items[0].activity, catalogue_activity(cat, 1));
    catalogue_free(cat);
}
END_TEST

/* ---- mistakes ---- */

START_TEST(test_errors_catalogue_level)
{
    assert_refused("<gizmo/>\n", 9, "unknown element <gizmo> in <catalogue>");
    assert_refused("<tax id=\"GST\" name=\"again\" percent=\"5\"/>\n", 9,
                   "a second <tax id=\"GST\">");
    assert_refused("<tax id=\"X\" name=\"X\" percent=\"101\"/>\n", 9, "over 100");
    assert_refused("<tax id=\"X\" name=\"X\" percent=\"five\"/>\n", 9,
                   "percent=\"five\" must be an amount");
    assert_refused("<tax name=\"X\" percent=\"5\"/>\n", 9, "<tax> needs a id=\"...\" attribute");
    assert_refused("<pickupLocation id=\"301\" name=\"Again\"/>\n", 9,
                   "a second <pickupLocation id=\"301\">");
    assert_refused("<pickupLocation id=\"302\" name=\"X\" time=\"6.30\"/>\n", 9,
                   "time=\"6.30\" must be HH:MM:SS");
    assert_refused("<activityCategory id=\"1\" name=\"Dup\"/>\n", 9,
                   "a second <activityCategory id=\"1\">");
    assert_refused("<activityCategory id=\"x\" name=\"X\"/>\n", 9,
                   "id=\"x\" must be a whole number");
    assert_refused(
        "<product id=\"1\" category=\"1\" price=\"1.234\" stock=\"1\"><name>P</name></product>\n",
        9, "price=\"1.234\" must be an amount");
    assert_refused(
        "<product id=\"1\" category=\"1\" price=\"-1.00\" stock=\"1\"><name>P</name></product>\n",
        9, "price=\"-1.00\" must be an amount");
    assert_refused(
        "<product id=\"1\" category=\"1\" price=\"1.\" stock=\"1\"><name>P</name></product>\n", 9,
        "price=\"1.\" must be an amount");
    assert_refused(
        "<product id=\"1\" category=\"9\" price=\"1\" stock=\"1\"><name>P</name></product>\n", 9,
        "category=\"9\": no <productCategory id>");
    assert_refused(
        "<product id=\"1\" category=\"1\" price=\"1\" stock=\"1\"><name>P</name></product>\n"
        "<product id=\"1\" category=\"1\" price=\"1\" stock=\"1\"><name>Q</name></product>\n",
        10, "a second <product id=\"1\">");
    assert_refused("<product id=\"1\" category=\"1\" price=\"1\" stock=\"1\" "
                   "taxes=\"VAT\"><name>P</name></product>\n",
                   9, "taxes=\"...\" names \"VAT\"");
    assert_refused("<product id=\"1\" category=\"1\" price=\"1\" stock=\"1\" "
                   "published=\"maybe\"><name>P</name></product>\n",
                   9, "published=\"maybe\" must be true or false");
    assert_refused("<product id=\"1\" category=\"1\" price=\"1\" stock=\"1\"/>\n", 9,
                   "<product> needs a <name>");
    assert_refused(
        "<product id=\"1\" category=\"1\" price=\"1\" stock=\"-1\"><name>P</name></product>\n", 9,
        "stock=\"-1\" must be a whole number");
    assert_refused("<promotion code=\"A\" percent=\"10\" amount=\"5\"/>\n", 9, "not both");
    assert_refused("<promotion code=\"A\"/>\n", 9, "needs percent=\"10\" or amount");
    assert_refused("<promotion code=\"A\" percent=\"0\"/>\n", 9, "from 1 to 100");
    assert_refused("<promotion code=\"A\" percent=\"5\"/>\n<promotion code=\"a\" percent=\"5\"/>\n",
                   10, "a second <promotion code=\"a\">");
    assert_refused("<giftCertificate code=\"G\" balance=\"x\"/>\n", 9,
                   "balance=\"x\" must be an amount");
    assert_refused("<giftCertificate code=\"G\" balance=\"1\"/>\n<giftCertificate code=\"G\" "
                   "balance=\"2\"/>\n",
                   10, "a second <giftCertificate code=\"G\">");
    assert_refused("<package id=\"1\" category=\"1\"><name>P</name></package>\n", 9,
                   "category=\"1\": no <packageCategory id>");
}
END_TEST

START_TEST(test_errors_activity)
{
    static const struct {
        const char *attrs, *children;
        int line; /* of the offending element */
        const char *want;
    } cases[] = {
        {"id=\"1\" type=\"500\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<departure time=\"14:00\" "
         "capacity=\"5\"/>\n<runs/>\n",
         9, "is regular (type 500): it has exactly one <departure>"},
        {"id=\"1\" type=\"504\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9,
         "has type 504: it needs at least one <pickup location>"},
        {"id=\"1\" type=\"505\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9,
         "is a rental (type 505): it needs <equipment>"},
        {"id=\"1\" type=\"501\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9,
         "type=\"501\" is not an activity type"},
        {"id=\"1\" type=\"600\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9,
         "type=\"600\" must be a whole number from 500 to 505"},
        {"id=\"1\" type=\"500\" category=\"7\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9,
         "category=\"7\": no <activityCategory id>"},
        {"id=\"1\" type=\"500\" category=\"1\" taxes=\"GST HST\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9, "names \"HST\""},
        {"id=\"1\" type=\"500\" category=\"1\" published=\"nope\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n", 9, "published=\"nope\""},
        {"id=\"1\" type=\"500\" category=\"1\"", "<runs/>\n", 9, "needs at least one <departure"},
        {"id=\"1\" type=\"500\" category=\"1\"", "<departure time=\"10:00\" capacity=\"5\"/>\n", 9,
         "needs at least one <runs> schedule"},
        {"id=\"1\" type=\"500\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<seats/>\n", 14,
         "unknown element <seats> in <activity>"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<departure time=\"10:00:00\" "
         "capacity=\"5\"/>\n<runs/>\n",
         13, "a second <departure time=\"10:00:00\">"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"25:00\" capacity=\"5\"/>\n<runs/>\n", 12,
         "time=\"25:00\" must be HH:MM:SS"},
        {"id=\"1\" type=\"502\" category=\"1\"", "<departure time=\"10:00\"/>\n<runs/>\n", 12,
         "<departure> needs a capacity="},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs days=\"mon funday\"/>\n", 13,
         "\"funday\" is not a day of the week"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs from=\"soon\"/>\n", 13,
         "from=\"soon\" must be a day offset"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs to=\"x\"/>\n", 13,
         "to=\"x\" must be a day offset"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs from=\"+5\" to=\"-5\"/>\n", 13,
         "from=\"+5\" is after to=\"-5\""},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs season=\"summer\"/>\n", 13,
         "season=\"summer\" must read MM-DD..MM-DD"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs season=\"13-01..01-31\"/>\n", 13,
         "season=\"13-01..01-31\""},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs season=\"02-01..02-31\"/>\n", 13,
         "season=\"02-01..02-31\""},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<blackout date=\"04-31\"/>\n", 14,
         "date=\"04-31\" must be MM-DD"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<blackout/>\n", 14,
         "<blackout> needs day=\"+N\""},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<blackout day=\"+1\" "
         "date=\"12-25\"/>\n",
         14, "<blackout> needs day=\"+N\""},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<blackout date=\"25-12\"/>\n", 14,
         "date=\"25-12\" must be MM-DD"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<blackout day=\"tomorrow\"/>\n", 14,
         "day=\"tomorrow\" must be a day offset"},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<sold day=\"+1\" seats=\"many\"/>\n",
         14, "seats=\"many\" must be a number or \"all\""},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<sold seats=\"1\"/>\n", 14,
         "<sold> needs a day="},
        {"id=\"1\" type=\"502\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<sold day=\"+1\" time=\"noon\"/>\n",
         14, "time=\"noon\" must be HH:MM:SS"},
        {"id=\"1\" type=\"504\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<pickup location=\"999\"/>\n", 14,
         "location=\"999\": no <pickupLocation id>"},
        {"id=\"1\" type=\"504\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<pickup "
         "location=\"301\"/>\n<dropOff location=\"5\"/>\n",
         15, "location=\"5\": no <pickupLocation id>"},
        {"id=\"1\" type=\"505\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<equipment id=\"1\" name=\"Kayak\" "
         "price=\"free\" stock=\"2\"/>\n",
         14, "price=\"free\" must be an amount"},
        {"id=\"1\" type=\"500\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<price passengerType=\"11\" "
         "base=\"12.00\"/>\n",
         14, "a second <price> for passengerType 11"},
        {"id=\"1\" type=\"500\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<price passengerType=\"15\" "
         "base=\"12.00\"/>\n",
         14, "passengerType=\"15\" must be a whole number from 10 to 14"},
        {"id=\"1\" type=\"500\" category=\"1\"",
         "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n<price passengerType=\"12\" "
         "base=\"12,00\"/>\n",
         14, "base=\"12,00\" must be an amount"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *a = activity(cases[i].attrs, cases[i].children);
        assert_refused(a, cases[i].line, cases[i].want);
        free(a);
    }
    /* Two activities with one id: the second is named. */
    char *a = activity("id=\"5\" type=\"500\" category=\"1\"",
                       "<departure time=\"10:00\" capacity=\"5\"/>\n<runs/>\n");
    struct buf two = BUF_INIT;
    buf_append_str(&two, a);
    buf_append_str(&two, a);
    assert_refused(two.data, 15, "a second <activity id=\"5\">");
    buf_free(&two);
    free(a);
    /* An activity without a name. */
    assert_refused(
        "<activity id=\"1\" type=\"500\" category=\"1\"><price passengerType=\"11\" base=\"1\"/>"
        "<departure time=\"10:00\" capacity=\"5\"/><runs/></activity>\n",
        9, "<activity id=\"1\"> needs a <name>");
    /* A package naming an activity that does not exist. */
    assert_refused(
        "<packageCategory id=\"1\" name=\"P\"/>\n<package id=\"1\" category=\"1\"><name>P</name>\n"
        "<includes activity=\"77\"/></package>\n",
        11, "activity=\"77\": no <activity id>");
}
END_TEST

START_TEST(test_errors_file_level)
{
    char *path = NULL;
    struct catalogue *cat = NULL;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(support_write_in(base, "catalogue.xml", "<catalog/>\n", &path), 0);
    ck_assert_int_eq(catalogue_load(path, &cat, &err), -1);
    ck_assert_ptr_nonnull(
        strstr(err.data, ":1: the root element must be <catalogue>, not <catalog>"));
    ck_assert_ptr_null(cat);
    buf_free(&err);
    ck_assert_int_eq(
        support_write_in(base, "catalogue.xml", "<catalogue>\n<tax>\n</catalogue>\n", NULL), 0);
    ck_assert_int_eq(catalogue_load(path, &cat, &err), -1);
    ck_assert_msg(strncmp(err.data, path, strlen(path)) == 0 && err.data[strlen(path)] == ':',
                  "not file:line: %s", err.data);
    buf_free(&err);
    free(path);
    path = support_path(base, "no-such-catalogue.xml");
    ck_assert_int_eq(catalogue_load(path, &cat, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.data, "no-such-catalogue.xml"));
    buf_free(&err);
    free(path);
}
END_TEST

static Suite *
catalogue_suite(void)
{
    Suite *s = suite_create("catalogue");
    TCase *tc = tcase_create("repo");
    tcase_add_test(tc, test_repo_catalogue);
    tcase_add_test(tc, test_repo_cases_relative_to_today);
    suite_add_tcase(s, tc);
    tc = tcase_create("schedules");
    tcase_add_test(tc, test_weekdays_and_window);
    tcase_add_test(tc, test_seasons);
    tcase_add_test(tc, test_runs_add_up_and_blackouts);
    tcase_add_test(tc, test_sold_at_start);
    tcase_add_test(tc, test_tax_and_names);
    tcase_add_test(tc, test_references_survive_later_elements);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_errors_catalogue_level);
    tcase_add_test(tc, test_errors_activity);
    tcase_add_test(tc, test_errors_file_level);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    return support_run_in(catalogue_suite(), base);
}
