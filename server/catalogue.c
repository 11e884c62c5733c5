#include "catalogue.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "envelope.h"
#include "xmlfile.h"

static const char *const pax_names[PAX_TYPES] = {"Seniors", "Adults", "Students", "Children",
                                                 "Infants"};
static const char *const pax_elements[PAX_TYPES] = {"seniors", "adults", "students", "children",
                                                    "infants"};

const char *
catalogue_pax_name(int type)
{
    return type >= PAX_FIRST && type < PAX_FIRST + PAX_TYPES ? pax_names[type - PAX_FIRST] : NULL;
}

const char *
catalogue_pax_element(int type)
{
    return type >= PAX_FIRST && type < PAX_FIRST + PAX_TYPES ? pax_elements[type - PAX_FIRST]
                                                             : NULL;
}

const char *
catalogue_type_name(int type)
{
    switch (type) {
    case ACTIVITY_REGULAR:
        return "Regular";
    case ACTIVITY_TIMED:
    case ACTIVITY_TIMED_ALT:
        return "Timed";
    case ACTIVITY_PICKUP:
        return "Pickup/Drop-off";
    case ACTIVITY_RENTAL:
        return "Rental";
    }
    return NULL;
}

/* ---- loading ---- */

struct loader {
    struct catalogue *cat;
    const char *path;
    struct buf *err;
};

static int
fail(struct loader *l, const xmlNode *n, const char *fmt, const char *a, const char *b)
{
    buf_printf(l->err, "%s:%ld: ", l->path, n ? xmlGetLineNo(n) : 0L);
    buf_printf(l->err, fmt, a ? a : "", b ? b : "");
    return -1;
}

static const char *
keep(struct loader *l, char *s)
{
    struct catalogue *c = l->cat;
    if (!s)
        return NULL;
    if (c->nstrings == c->capstrings) {
        size_t cap = c->capstrings ? c->capstrings * 2 : 64;
        char **p = realloc(c->strings, cap * sizeof(*p));
        if (!p) {
            free(s);
            return NULL;
        }
        c->strings = p;
        c->capstrings = cap;
    }
    c->strings[c->nstrings++] = s;
    return s;
}

/* An attribute's value, trimmed, kept by the catalogue; NULL when absent (or out of memory,
 * which the caller reports like a missing attribute would not: callers check oom). */
static const char *
attr(struct loader *l, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *s = (const char *)v, *e = s + strlen(s);
    while (isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    char *copy = strndup(s, (size_t)(e - s));
    xmlFree(v);
    return keep(l, copy);
}

static const char *
need_attr(struct loader *l, const xmlNode *n, const char *name)
{
    const char *v = attr(l, n, name);
    if (!v || !*v)
        fail(l, n, "<%s> needs a %s=\"...\" attribute", (const char *)n->name, name);
    return v && *v ? v : NULL;
}

/* A child element's trimmed text, kept; "" when absent. */
static const char *
child_text(struct loader *l, const xmlNode *n, const char *name)
{
    struct buf b = BUF_INIT;
    const xmlNode *c = xml_child(n, name);
    if (c)
        xml_node_text(c, &b);
    if (!b.data && buf_append_str(&b, "") < 0)
        return NULL;
    return keep(l, b.data);
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int
need_long(struct loader *l, const xmlNode *n, const char *name, long lo, long hi, long *out)
{
    const char *v = need_attr(l, n, name);
    if (!v)
        return -1;
    if (parse_long(v, lo, hi, out) < 0) {
        char range[64];
        snprintf(range, sizeof(range), "%ld to %ld", lo, hi);
        buf_printf(l->err, "%s:%ld: %s=\"%.40s\" must be a whole number from %s", l->path,
                   xmlGetLineNo(n), name, v, range);
        return -1;
    }
    return 0;
}

int
catalogue_parse_money(const char *s, long *cents)
{
    if (!s || !*s)
        return -1;
    long whole = 0, frac = 0;
    int fd = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > CATALOGUE_MAX_MONEY_UNITS)
            return -1;
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p) && fd < 2; p++, fd++)
            frac = frac * 10 + (*p - '0');
        if (fd == 0)
            return -1;
    }
    if (*p)
        return -1;
    if (fd == 1)
        frac *= 10;
    *cents = whole * 100 + frac;
    return 0;
}

static int
need_money(struct loader *l, const xmlNode *n, const char *name, long *cents)
{
    const char *v = need_attr(l, n, name);
    if (!v)
        return -1;
    if (catalogue_parse_money(v, cents) < 0)
        return fail(l, n, "%s=\"%.40s\" must be an amount such as 89.00", name, v);
    return 0;
}

static int
flag(struct loader *l, const xmlNode *n, const char *name, int dflt, int *out)
{
    const char *v = attr(l, n, name);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
        *out = 0;
    else
        return fail(l, n, "%s=\"%.40s\" must be true or false", name, v);
    return 0;
}

static int
is(const xmlNode *n, const char *name)
{
    return strcmp((const char *)n->name, name) == 0;
}

#define GROW(l, arr, n, node)                                                                      \
    do {                                                                                           \
        void *p_ = realloc((arr), ((n) + 1) * sizeof(*(arr)));                                     \
        if (!p_)                                                                                   \
            return fail((l), (node), "out of memory%s%s", NULL, NULL);                             \
        (arr) = p_;                                                                                \
        memset(&(arr)[(n)], 0, sizeof(*(arr)));                                                    \
    } while (0)

static const struct cat_category *
find_category(const struct cat_category *cats, size_t n, long id)
{
    for (size_t i = 0; i < n; i++)
        if (cats[i].id == id)
            return &cats[i];
    return NULL;
}

static int
load_tax(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->taxes, c->ntaxes, n);
    struct cat_tax *t = &c->taxes[c->ntaxes];
    long percent_cents;
    if (!(t->id = need_attr(l, n, "id")) || !(t->name = need_attr(l, n, "name")) ||
        need_money(l, n, "percent", &percent_cents) < 0)
        return -1;
    for (size_t i = 0; i < c->ntaxes; i++)
        if (!strcmp(c->taxes[i].id, t->id))
            return fail(l, n, "a second <tax id=\"%s\">%s", t->id, NULL);
    if (percent_cents > 10000)
        return fail(l, n, "percent=\"%s\" is over 100%s", attr(l, n, "percent"), NULL);
    t->basis_points = (int)percent_cents;
    c->ntaxes++;
    return 0;
}

static int
load_location(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->locations, c->nlocations, n);
    struct cat_location *loc = &c->locations[c->nlocations];
    if (need_long(l, n, "id", 1, LONG_MAX, &loc->id) < 0 || !(loc->name = need_attr(l, n, "name")))
        return -1;
    if (catalogue_location(c, loc->id))
        return fail(l, n, "a second <pickupLocation id=\"%s\">%s", attr(l, n, "id"), NULL);
    loc->address = attr(l, n, "address");
    loc->time = attr(l, n, "time");
    if (!loc->address)
        loc->address = keep(l, strdup(""));
    int secs;
    if (loc->time && *loc->time && date_parse_time(loc->time, &secs) < 0)
        return fail(l, n, "time=\"%.20s\" must be HH:MM:SS%s", loc->time, NULL);
    if (!loc->time)
        loc->time = keep(l, strdup(""));
    c->nlocations++;
    return 0;
}

static int
load_category(struct loader *l, const xmlNode *n, struct cat_category **arr, size_t *count)
{
    GROW(l, *arr, *count, n);
    struct cat_category *cat = &(*arr)[*count];
    if (need_long(l, n, "id", 1, LONG_MAX, &cat->id) < 0 || !(cat->name = need_attr(l, n, "name")))
        return -1;
    if (find_category(*arr, *count, cat->id))
        return fail(l, n, "a second <%s id=\"%s\">", (const char *)n->name, attr(l, n, "id"));
    cat->description = attr(l, n, "description");
    if (!cat->description)
        cat->description = keep(l, strdup(""));
    (*count)++;
    return 0;
}

/* taxes="GST PST": the sum of the named taxes. */
static int
load_taxes(struct loader *l, const xmlNode *n, const struct cat_tax **out, size_t *nout, int *bp)
{
    const char *v = attr(l, n, "taxes");
    *bp = 0;
    if (nout)
        *nout = 0;
    if (!v)
        return 0;
    char *copy = strdup(v), *save = NULL;
    if (!copy)
        return fail(l, n, "out of memory%s%s", NULL, NULL);
    int rc = 0;
    for (char *t = strtok_r(copy, " ,", &save); t && rc == 0; t = strtok_r(NULL, " ,", &save)) {
        const struct cat_tax *tax = NULL;
        for (size_t i = 0; i < l->cat->ntaxes; i++)
            if (!strcmp(l->cat->taxes[i].id, t))
                tax = &l->cat->taxes[i];
        if (!tax) {
            rc = fail(l, n, "taxes=\"...\" names \"%s\", which no <tax id> declares above%s", t,
                      NULL);
        } else {
            *bp += tax->basis_points;
            if (out && nout && *nout < 8)
                out[(*nout)++] = tax;
        }
    }
    free(copy);
    return rc;
}

static int
load_price(struct loader *l, const xmlNode *n, struct cat_price *prices, size_t *nprices)
{
    long type, cents;
    if (need_long(l, n, "passengerType", PAX_FIRST, PAX_FIRST + PAX_TYPES - 1, &type) < 0 ||
        need_money(l, n, "base", &cents) < 0)
        return -1;
    if (catalogue_price(prices, *nprices, (int)type) >= 0)
        return fail(l, n, "a second <price> for passengerType %s%s", attr(l, n, "passengerType"),
                    NULL);
    prices[*nprices].type = (int)type;
    prices[*nprices].cents = cents;
    (*nprices)++;
    return 0;
}

/* days="mon tue ..." */
static int
parse_weekdays(struct loader *l, const xmlNode *n, const char *v, unsigned *mask)
{
    static const char *const names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};
    *mask = 0;
    char *copy = strdup(v), *save = NULL;
    if (!copy)
        return fail(l, n, "out of memory%s%s", NULL, NULL);
    int rc = 0;
    for (char *t = strtok_r(copy, " ,", &save); t && rc == 0; t = strtok_r(NULL, " ,", &save)) {
        int found = -1;
        for (int i = 0; i < 7; i++)
            if (!strcasecmp(t, names[i]) || (strlen(t) == 3 && !strncasecmp(t, names[i], 3)))
                found = i;
        if (!strcasecmp(t, "daily"))
            *mask |= 0x7f;
        else if (found < 0)
            rc = fail(l, n, "days=\"...\": \"%s\" is not a day of the week (mon ... sun, daily)%s",
                      t, NULL);
        else
            *mask |= 1u << found;
    }
    free(copy);
    return rc;
}

/* "+3", "-30", "0": a day offset. */
static int
parse_offset(const char *s, long *out)
{
    return parse_long(s && *s == '+' ? s + 1 : s, -36600, 36600, out);
}

/* "05-01": month and day. */
static int
parse_month_day(const char *s, int *out)
{
    long m, d;
    char mm[3], dd[3];
    if (!s || strlen(s) != 5 || s[2] != '-')
        return -1;
    memcpy(mm, s, 2);
    mm[2] = 0;
    memcpy(dd, s + 3, 2);
    dd[2] = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (parse_long(mm, 1, 12, &m) < 0 || parse_long(dd, 1, mdays[m - 1], &d) < 0)
        return -1; /* 02-29 stands: a yearly date that leap years have */
    *out = (int)(m * 100 + d);
    return 0;
}

static int
load_runs(struct loader *l, const xmlNode *n, struct cat_activity *a)
{
    GROW(l, a->runs, a->nruns, n);
    struct cat_runs *r = &a->runs[a->nruns];
    r->weekdays = 0x7f;
    r->from = LONG_MIN;
    r->to = LONG_MAX;
    const char *days = attr(l, n, "days"), *from = attr(l, n, "from"), *to = attr(l, n, "to");
    const char *season = attr(l, n, "season");
    if (days && parse_weekdays(l, n, days, &r->weekdays) < 0)
        return -1;
    if (from && parse_offset(from, &r->from) < 0)
        return fail(l, n, "from=\"%.20s\" must be a day offset from today such as -30 or +180%s",
                    from, NULL);
    if (to && parse_offset(to, &r->to) < 0)
        return fail(l, n, "to=\"%.20s\" must be a day offset from today such as +365%s", to, NULL);
    if (r->from > r->to)
        return fail(l, n, "from=\"%s\" is after to=\"%s\"", from, to);
    if (season) {
        const char *dots = strstr(season, "..");
        char first[8] = "";
        if (dots && dots - season < (long)sizeof(first))
            memcpy(first, season, (size_t)(dots - season));
        if (!dots || parse_month_day(first, &r->season_from) < 0 ||
            parse_month_day(dots + 2, &r->season_to) < 0)
            return fail(l, n, "season=\"%.20s\" must read MM-DD..MM-DD, such as 05-01..10-15%s",
                        season, NULL);
    }
    a->nruns++;
    return 0;
}

static int
load_blackout(struct loader *l, const xmlNode *n, struct cat_activity *a)
{
    GROW(l, a->blackouts, a->nblackouts, n);
    struct cat_blackout *b = &a->blackouts[a->nblackouts];
    const char *day = attr(l, n, "day"), *date = attr(l, n, "date");
    if ((day != NULL) == (date != NULL))
        return fail(l, n,
                    "<blackout> needs day=\"+N\" (from today) or date=\"MM-DD\" (every "
                    "year)%s%s",
                    NULL, NULL);
    if (day) {
        b->has_offset = 1;
        if (parse_offset(day, &b->offset) < 0)
            return fail(l, n, "day=\"%.20s\" must be a day offset from today such as +4%s", day,
                        NULL);
    } else if (parse_month_day(date, &b->month_day) < 0) {
        return fail(l, n, "date=\"%.20s\" must be MM-DD%s", date, NULL);
    }
    a->nblackouts++;
    return 0;
}

static int
load_departure(struct loader *l, const xmlNode *n, struct cat_activity *a)
{
    GROW(l, a->departures, a->ndepartures, n);
    struct cat_departure *d = &a->departures[a->ndepartures];
    const char *t = need_attr(l, n, "time");
    long cap;
    if (!t)
        return -1;
    if (date_parse_time(t, &d->time) < 0)
        return fail(l, n, "time=\"%.20s\" must be HH:MM:SS%s", t, NULL);
    if (need_long(l, n, "capacity", 0, 100000, &cap) < 0)
        return -1;
    d->capacity = (int)cap;
    for (size_t i = 0; i < a->ndepartures; i++)
        if (a->departures[i].time == d->time)
            return fail(l, n, "a second <departure time=\"%s\">%s", t, NULL);
    a->ndepartures++;
    return 0;
}

static int
load_sold(struct loader *l, const xmlNode *n, struct cat_activity *a)
{
    GROW(l, a->sold, a->nsold, n);
    struct cat_sold *s = &a->sold[a->nsold];
    const char *day = need_attr(l, n, "day"), *t = attr(l, n, "time"), *seats = attr(l, n, "seats");
    if (!day)
        return -1;
    if (parse_offset(day, &s->offset) < 0)
        return fail(l, n, "day=\"%.20s\" must be a day offset from today such as +2%s", day, NULL);
    s->time = -1;
    if (t && date_parse_time(t, &s->time) < 0)
        return fail(l, n, "time=\"%.20s\" must be HH:MM:SS%s", t, NULL);
    long v;
    if (!seats || !strcmp(seats, "all"))
        s->seats = -1;
    else if (parse_long(seats, 0, 100000, &v) == 0)
        s->seats = (int)v;
    else
        return fail(l, n, "seats=\"%.20s\" must be a number or \"all\"%s", seats, NULL);
    a->nsold++;
    return 0;
}

static int
load_location_ref(struct loader *l, const xmlNode *n, const struct cat_location ***arr,
                  size_t *count)
{
    long id;
    if (need_long(l, n, "location", 1, LONG_MAX, &id) < 0)
        return -1;
    const struct cat_location *loc = catalogue_location(l->cat, id);
    if (!loc)
        return fail(l, n, "location=\"%s\": no <pickupLocation id> above has it%s",
                    attr(l, n, "location"), NULL);
    const struct cat_location **p = realloc(*arr, (*count + 1) * sizeof(*p));
    if (!p)
        return fail(l, n, "out of memory%s%s", NULL, NULL);
    p[(*count)++] = loc;
    *arr = p;
    return 0;
}

static int
load_equipment(struct loader *l, const xmlNode *n, struct cat_activity *a)
{
    GROW(l, a->equipment, a->nequipment, n);
    struct cat_equipment *e = &a->equipment[a->nequipment];
    long stock;
    if (need_long(l, n, "id", 1, LONG_MAX, &e->id) < 0 || !(e->name = need_attr(l, n, "name")) ||
        need_money(l, n, "price", &e->cents) < 0 || need_long(l, n, "stock", 0, 100000, &stock) < 0)
        return -1;
    e->stock = (int)stock;
    a->nequipment++;
    return 0;
}

static int
cmp_departure(const void *x, const void *y)
{
    return ((const struct cat_departure *)x)->time - ((const struct cat_departure *)y)->time;
}

static int
load_activity_child(struct loader *l, const xmlNode *c, struct cat_activity *a)
{
    if (is(c, "price"))
        return load_price(l, c, a->prices, &a->nprices);
    if (is(c, "departure"))
        return load_departure(l, c, a);
    if (is(c, "runs"))
        return load_runs(l, c, a);
    if (is(c, "blackout"))
        return load_blackout(l, c, a);
    if (is(c, "sold"))
        return load_sold(l, c, a);
    if (is(c, "pickup"))
        return load_location_ref(l, c, &a->pickups, &a->npickups);
    if (is(c, "dropOff"))
        return load_location_ref(l, c, &a->dropoffs, &a->ndropoffs);
    if (is(c, "equipment"))
        return load_equipment(l, c, a);
    if (is(c, "name") || is(c, "shortDescription") || is(c, "description") || is(c, "imageUrl"))
        return 0;
    return fail(l, c,
                "unknown element <%s> in <activity> (expected name, shortDescription, "
                "description, imageUrl, price, departure, runs, blackout, sold, pickup, dropOff, "
                "equipment)%s",
                (const char *)c->name, NULL);
}

static int
check_activity(struct loader *l, const xmlNode *n, struct cat_activity *a)
{
    if (!*a->name)
        return fail(l, n, "<activity id=\"%s\"> needs a <name>%s", attr(l, n, "id"), NULL);
    if (a->nprices == 0)
        return fail(l, n, "<activity> \"%s\" needs at least one <price passengerType base>%s",
                    a->name, NULL);
    if (a->ndepartures == 0)
        return fail(l, n, "<activity> \"%s\" needs at least one <departure time capacity>%s",
                    a->name, NULL);
    if (a->type == ACTIVITY_REGULAR && a->ndepartures != 1)
        return fail(l, n,
                    "<activity> \"%s\" is regular (type 500): it has exactly one "
                    "<departure>%s",
                    a->name, NULL);
    if (a->type == ACTIVITY_PICKUP && a->npickups == 0)
        return fail(l, n,
                    "<activity> \"%s\" has type 504: it needs at least one <pickup "
                    "location>%s",
                    a->name, NULL);
    if (a->type == ACTIVITY_RENTAL && a->nequipment == 0)
        return fail(l, n, "<activity> \"%s\" is a rental (type 505): it needs <equipment>%s",
                    a->name, NULL);
    if (a->nruns == 0)
        return fail(l, n, "<activity> \"%s\" needs at least one <runs> schedule%s", a->name, NULL);
    qsort(a->departures, a->ndepartures, sizeof(*a->departures), cmp_departure);
    return 0;
}

static int
load_activity(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->activities, c->nactivities, n);
    struct cat_activity *a = &c->activities[c->nactivities];
    c->nactivities++; /* counted now so catalogue_free frees a half-loaded one */
    a->line = (int)xmlGetLineNo(n);
    long type, cat, pc = 0, dur = 0;
    if (need_long(l, n, "id", 1, LONG_MAX, &a->id) < 0 ||
        need_long(l, n, "type", 500, 505, &type) < 0 ||
        need_long(l, n, "category", 1, LONG_MAX, &cat) < 0)
        return -1;
    for (size_t i = 0; i + 1 < c->nactivities; i++)
        if (c->activities[i].id == a->id)
            return fail(l, n, "a second <activity id=\"%s\">%s", attr(l, n, "id"), NULL);
    if (!catalogue_type_name((int)type))
        return fail(l, n, "type=\"%s\" is not an activity type (500, 502, 503, 504, 505)%s",
                    attr(l, n, "type"), NULL);
    a->type = (int)type;
    a->category = find_category(c->activity_categories, c->nactivity_categories, cat);
    if (!a->category)
        return fail(l, n, "category=\"%s\": no <activityCategory id> above has it%s",
                    attr(l, n, "category"), NULL);
    if (attr(l, n, "priceCodeId") && need_long(l, n, "priceCodeId", 0, LONG_MAX, &pc) < 0)
        return -1;
    if (attr(l, n, "durationMinutes") &&
        need_long(l, n, "durationMinutes", 0, 60 * 24 * 30, &dur) < 0)
        return -1;
    a->price_code_id = pc;
    a->duration_minutes = (int)dur;
    if (flag(l, n, "published", 1, &a->published) < 0 ||
        load_taxes(l, n, a->taxes, &a->ntaxes, &a->tax_basis_points) < 0)
        return -1;
    if (!(a->name = child_text(l, n, "name")) ||
        !(a->short_description = child_text(l, n, "shortDescription")) ||
        !(a->description = child_text(l, n, "description")) ||
        !(a->image_url = child_text(l, n, "imageUrl")))
        return fail(l, n, "out of memory%s%s", NULL, NULL);
    for (const xmlNode *ch = n->children; ch; ch = ch->next)
        if (ch->type == XML_ELEMENT_NODE && load_activity_child(l, ch, a) < 0)
            return -1;
    return check_activity(l, n, a);
}

static int
load_product(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->products, c->nproducts, n);
    struct cat_product *p = &c->products[c->nproducts];
    long cat, stock;
    if (need_long(l, n, "id", 1, LONG_MAX, &p->id) < 0 ||
        need_long(l, n, "category", 1, LONG_MAX, &cat) < 0 ||
        need_money(l, n, "price", &p->cents) < 0 ||
        need_long(l, n, "stock", 0, 1000000, &stock) < 0)
        return -1;
    if (catalogue_product(c, p->id))
        return fail(l, n, "a second <product id=\"%s\">%s", attr(l, n, "id"), NULL);
    p->category = find_category(c->product_categories, c->nproduct_categories, cat);
    if (!p->category)
        return fail(l, n, "category=\"%s\": no <productCategory id> above has it%s",
                    attr(l, n, "category"), NULL);
    p->stock = (int)stock;
    if (flag(l, n, "published", 1, &p->published) < 0 ||
        load_taxes(l, n, NULL, NULL, &p->tax_basis_points) < 0)
        return -1;
    if (!(p->name = child_text(l, n, "name")) ||
        !(p->description = child_text(l, n, "description")) ||
        !(p->image_url = child_text(l, n, "imageUrl")) || !(p->sku = child_text(l, n, "sku")))
        return fail(l, n, "out of memory%s%s", NULL, NULL);
    if (!*p->name)
        return fail(l, n, "<product> needs a <name>%s%s", NULL, NULL);
    c->nproducts++;
    return 0;
}

static int
load_package(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->packages, c->npackages, n);
    struct cat_package *p = &c->packages[c->npackages];
    c->npackages++;
    long cat;
    if (need_long(l, n, "id", 1, LONG_MAX, &p->id) < 0 ||
        need_long(l, n, "category", 1, LONG_MAX, &cat) < 0)
        return -1;
    for (size_t i = 0; i + 1 < c->npackages; i++)
        if (c->packages[i].id == p->id)
            return fail(l, n, "a second <package id=\"%s\">%s", attr(l, n, "id"), NULL);
    p->category = find_category(c->package_categories, c->npackage_categories, cat);
    if (!p->category)
        return fail(l, n, "category=\"%s\": no <packageCategory id> above has it%s",
                    attr(l, n, "category"), NULL);
    if (flag(l, n, "published", 1, &p->published) < 0 ||
        load_taxes(l, n, NULL, NULL, &p->tax_basis_points) < 0)
        return -1;
    if (!(p->name = child_text(l, n, "name")) ||
        !(p->description = child_text(l, n, "description")) ||
        !(p->image_url = child_text(l, n, "imageUrl")))
        return fail(l, n, "out of memory%s%s", NULL, NULL);
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || is(ch, "name") || is(ch, "description") ||
            is(ch, "imageUrl"))
            continue;
        if (is(ch, "price")) {
            if (load_price(l, ch, p->prices, &p->nprices) < 0)
                return -1;
        } else if (is(ch, "includes")) {
            long id, day = 0;
            if (need_long(l, ch, "activity", 1, LONG_MAX, &id) < 0 ||
                (attr(l, ch, "day") && need_long(l, ch, "day", 0, 60, &day) < 0))
                return -1;
            const struct cat_activity *a = catalogue_activity(c, id);
            if (!a)
                return fail(l, ch, "activity=\"%s\": no <activity id> above has it%s",
                            attr(l, ch, "activity"), NULL);
            GROW(l, p->items, p->nitems, ch);
            p->items[p->nitems].activity = a;
            p->items[p->nitems].day = (int)day;
            p->nitems++;
        } else {
            return fail(l, ch,
                        "unknown element <%s> in <package> (expected name, description, "
                        "imageUrl, includes, price)%s",
                        (const char *)ch->name, NULL);
        }
    }
    if (!*p->name || p->nitems == 0 || p->nprices == 0)
        return fail(l, n,
                    "<package> needs a <name>, at least one <includes activity> and one "
                    "<price>%s%s",
                    NULL, NULL);
    return 0;
}

static int
load_promotion(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->promotions, c->npromotions, n);
    struct cat_promotion *p = &c->promotions[c->npromotions];
    const char *pct = attr(l, n, "percent"), *amount = attr(l, n, "amount");
    if (!(p->code = need_attr(l, n, "code")))
        return -1;
    if (strlen(p->code) > CATALOGUE_MAX_CODE)
        return fail(l, n, "code=\"%.20s...\" is longer than the %s characters a code may have",
                    p->code, CATALOGUE_MAX_CODE_TEXT);
    if (catalogue_promotion(c, p->code))
        return fail(l, n, "a second <promotion code=\"%s\">%s", p->code, NULL);
    long v;
    if ((pct != NULL) == (amount != NULL))
        return fail(l, n, "<promotion> needs percent=\"10\" or amount=\"20.00\", not both%s%s",
                    NULL, NULL);
    if (pct) {
        if (parse_long(pct, 1, 100, &v) < 0)
            return fail(l, n, "percent=\"%.20s\" must be a whole number from 1 to 100%s", pct,
                        NULL);
        p->percent = (int)v;
    } else if (need_money(l, n, "amount", &p->cents) < 0) {
        return -1;
    }
    p->description = attr(l, n, "description");
    if (!p->description)
        p->description = keep(l, strdup(""));
    c->npromotions++;
    return 0;
}

static int
load_gift(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->gifts, c->ngifts, n);
    struct cat_gift *g = &c->gifts[c->ngifts];
    if (!(g->code = need_attr(l, n, "code")) || need_money(l, n, "balance", &g->cents) < 0)
        return -1;
    if (strlen(g->code) > CATALOGUE_MAX_CODE)
        return fail(l, n, "code=\"%.20s...\" is longer than the %s characters a code may have",
                    g->code, CATALOGUE_MAX_CODE_TEXT);
    if (catalogue_gift(c, g->code))
        return fail(l, n, "a second <giftCertificate code=\"%s\">%s", g->code, NULL);
    c->ngifts++;
    return 0;
}

static int
load_test_card(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->cards, c->ncards, n);
    struct cat_test_card *t = &c->cards[c->ncards];
    long code;
    if (!(t->number = need_attr(l, n, "number")) ||
        need_long(l, n, "transactionErrorCode", 0, 999, &code) < 0 ||
        !(t->message = need_attr(l, n, "message")))
        return -1;
    for (const char *p = t->number; *p; p++)
        if (!isdigit((unsigned char)*p))
            return fail(l, n, "number=\"%.30s\" must be digits only%s", t->number, NULL);
    if (catalogue_test_card(c, t->number))
        return fail(l, n, "a second <testCard number=\"%s\">%s", t->number, NULL);
    t->code = (int)code;
    c->ncards++;
    return 0;
}

static int
load_seed_booking(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    GROW(l, c->seeds, c->nseeds, n);
    struct cat_seed_booking *b = &c->seeds[c->nseeds];
    long id;
    const char *day = need_attr(l, n, "day"), *t = need_attr(l, n, "time");
    if (!day || !t || need_long(l, n, "activity", 1, LONG_MAX, &id) < 0)
        return -1;
    b->line = (int)xmlGetLineNo(n);
    if (!(b->activity = catalogue_activity(c, id)))
        return fail(l, n, "activity=\"%s\": no <activity id> above has it%s",
                    attr(l, n, "activity"), NULL);
    if (parse_offset(day, &b->offset) < 0)
        return fail(l, n, "day=\"%.20s\" must be a day offset from today such as +1%s", day, NULL);
    if (date_parse_time(t, &b->time) < 0 || !catalogue_departure(b->activity, b->time))
        return fail(l, n, "time=\"%.20s\" is not a departure of activity %s", t,
                    attr(l, n, "activity"));
    int total = 0;
    for (int k = 0; k < PAX_TYPES; k++) {
        const char *name = catalogue_pax_element(PAX_FIRST + k);
        long v = 0;
        if (attr(l, n, name) && need_long(l, n, name, 0, 1000, &v) < 0)
            return -1;
        if (v && catalogue_price(b->activity->prices, b->activity->nprices, PAX_FIRST + k) < 0)
            return fail(l, n, "activity %s does not take %s", attr(l, n, "activity"), name);
        b->pax[k] = (int)v;
        total += (int)v;
    }
    if (total == 0)
        return fail(l, n, "<booking> needs passengers (adults=\"2\", children=\"1\", ...)%s%s",
                    NULL, NULL);
    if (!(b->first_name = need_attr(l, n, "firstName")) ||
        !(b->last_name = need_attr(l, n, "lastName")) || !(b->email = need_attr(l, n, "email")))
        return -1;
    b->phone = attr(l, n, "phone");
    b->notes = attr(l, n, "notes");
    if (!b->phone)
        b->phone = keep(l, strdup(""));
    if (!b->notes)
        b->notes = keep(l, strdup(""));
    if (flag(l, n, "paid", 1, &b->paid) < 0)
        return -1;
    c->nseeds++;
    return 0;
}

static int
load_operator(struct loader *l, const xmlNode *n)
{
    struct cat_operator *op = &l->cat->op;
    const char **fields[] = {&op->name,  &op->currency, &op->currency_symbol, &op->email,
                             &op->phone, &op->website,  &op->timezone};
    const char *names[] = {"name",  "currency", "currencySymbol", "email",
                           "phone", "website",  "timezone"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        *fields[i] = attr(l, n, names[i]);
        if (!*fields[i] && !(*fields[i] = keep(l, strdup(""))))
            return fail(l, n, "out of memory%s%s", NULL, NULL);
    }
    if (!*op->currency_symbol)
        op->currency_symbol = "$";
    return 0;
}

/* Elements load in passes, kinds another points at first: each kind's array grows (and may
 * move) only while its own pass runs, so pointers into it stay valid whatever the file's order. */
static const struct {
    const char *name;
    int pass;
} kinds[] = {
    {"operator", 0},        {"tax", 0},
    {"pickupLocation", 0},  {"activityCategory", 0},
    {"productCategory", 0}, {"packageCategory", 0},
    {"activity", 1},        {"product", 2},
    {"package", 2},         {"promotion", 2},
    {"giftCertificate", 2}, {"testCard", 2},
    {"booking", 3},
};
#define LOAD_PASSES 4

static int
pass_of(const xmlNode *n)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (is(n, kinds[i].name))
            return kinds[i].pass;
    return -1;
}

static int
load_element(struct loader *l, const xmlNode *n)
{
    struct catalogue *c = l->cat;
    if (is(n, "operator"))
        return load_operator(l, n);
    if (is(n, "tax"))
        return load_tax(l, n);
    if (is(n, "pickupLocation"))
        return load_location(l, n);
    if (is(n, "activityCategory"))
        return load_category(l, n, &c->activity_categories, &c->nactivity_categories);
    if (is(n, "productCategory"))
        return load_category(l, n, &c->product_categories, &c->nproduct_categories);
    if (is(n, "packageCategory"))
        return load_category(l, n, &c->package_categories, &c->npackage_categories);
    if (is(n, "activity"))
        return load_activity(l, n);
    if (is(n, "product"))
        return load_product(l, n);
    if (is(n, "package"))
        return load_package(l, n);
    if (is(n, "promotion"))
        return load_promotion(l, n);
    if (is(n, "giftCertificate"))
        return load_gift(l, n);
    if (is(n, "testCard"))
        return load_test_card(l, n);
    return load_seed_booking(l, n);
}

static int
load_all(struct loader *l, const xmlNode *root)
{
    for (const xmlNode *n = root->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && pass_of(n) < 0)
            return fail(l, n,
                        "unknown element <%s> in <catalogue> (expected operator, tax, "
                        "pickupLocation, activityCategory, activity, productCategory, product, "
                        "packageCategory, package, promotion, giftCertificate, testCard, "
                        "booking)%s",
                        (const char *)n->name, NULL);
    for (int pass = 0; pass < LOAD_PASSES; pass++)
        for (const xmlNode *n = root->children; n; n = n->next)
            if (n->type == XML_ELEMENT_NODE && pass_of(n) == pass && load_element(l, n) < 0)
                return -1;
    return 0;
}

struct catalogue *
catalogue_empty(void)
{
    struct catalogue *c = calloc(1, sizeof(*c));
    if (c) {
        c->op.name = c->op.currency = c->op.email = c->op.phone = c->op.website = "";
        c->op.timezone = "";
        c->op.currency_symbol = "$";
    }
    return c;
}

int
catalogue_load(const char *path, struct catalogue **out, struct buf *err)
{
    *out = NULL;
    struct catalogue *c = catalogue_empty();
    if (!c) {
        buf_printf(err, "%s: out of memory", path);
        return -1;
    }
    xmlDoc *doc = xmlfile_read(path, err);
    if (!doc) {
        catalogue_free(c);
        return -1;
    }
    struct loader l = {.cat = c, .path = path, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = 0;
    if (!is(root, "catalogue"))
        rc = fail(&l, root, "the root element must be <catalogue>, not <%s>%s",
                  (const char *)root->name, NULL);
    if (rc == 0)
        rc = load_all(&l, root);
    xmlFreeDoc(doc);
    if (rc < 0) {
        catalogue_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void
catalogue_free(struct catalogue *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nactivities; i++) {
        struct cat_activity *a = &c->activities[i];
        free(a->departures);
        free(a->runs);
        free(a->blackouts);
        free(a->sold);
        free(a->pickups);
        free(a->dropoffs);
        free(a->equipment);
    }
    for (size_t i = 0; i < c->npackages; i++)
        free(c->packages[i].items);
    free(c->activities);
    free(c->packages);
    free(c->products);
    free(c->taxes);
    free(c->locations);
    free(c->activity_categories);
    free(c->product_categories);
    free(c->package_categories);
    free(c->promotions);
    free(c->gifts);
    free(c->cards);
    free(c->seeds);
    for (size_t i = 0; i < c->nstrings; i++)
        free(c->strings[i]);
    free(c->strings);
    free(c);
}

/* ---- lookups ---- */

const struct cat_activity *
catalogue_activity(const struct catalogue *c, long id)
{
    for (size_t i = 0; i < c->nactivities; i++)
        if (c->activities[i].id == id)
            return &c->activities[i];
    return NULL;
}

const struct cat_product *
catalogue_product(const struct catalogue *c, long id)
{
    for (size_t i = 0; i < c->nproducts; i++)
        if (c->products[i].id == id)
            return &c->products[i];
    return NULL;
}

const struct cat_package *
catalogue_package(const struct catalogue *c, long id)
{
    for (size_t i = 0; i < c->npackages; i++)
        if (c->packages[i].id == id)
            return &c->packages[i];
    return NULL;
}

const struct cat_location *
catalogue_location(const struct catalogue *c, long id)
{
    for (size_t i = 0; i < c->nlocations; i++)
        if (c->locations[i].id == id)
            return &c->locations[i];
    return NULL;
}

const struct cat_promotion *
catalogue_promotion(const struct catalogue *c, const char *code)
{
    for (size_t i = 0; i < c->npromotions; i++)
        if (!strcasecmp(c->promotions[i].code, code))
            return &c->promotions[i];
    return NULL;
}

const struct cat_gift *
catalogue_gift(const struct catalogue *c, const char *code)
{
    for (size_t i = 0; i < c->ngifts; i++)
        if (!strcasecmp(c->gifts[i].code, code))
            return &c->gifts[i];
    return NULL;
}

const struct cat_test_card *
catalogue_test_card(const struct catalogue *c, const char *number)
{
    for (size_t i = 0; i < c->ncards; i++)
        if (!strcmp(c->cards[i].number, number))
            return &c->cards[i];
    return NULL;
}

long
catalogue_price(const struct cat_price *prices, size_t n, int type)
{
    for (size_t i = 0; i < n; i++)
        if (prices[i].type == type)
            return prices[i].cents;
    return -1;
}

static int
in_season(const struct cat_runs *r, int md)
{
    if (!r->season_from)
        return 1;
    if (r->season_from <= r->season_to)
        return md >= r->season_from && md <= r->season_to;
    return md >= r->season_from || md <= r->season_to; /* wraps the new year */
}

int
catalogue_runs_on(const struct cat_activity *a, long day, long today)
{
    long off = day - today;
    int md = date_month_day(day), wd = date_weekday(day);
    for (size_t i = 0; i < a->nblackouts; i++) {
        const struct cat_blackout *b = &a->blackouts[i];
        if (b->has_offset ? b->offset == off : b->month_day == md)
            return 0;
    }
    for (size_t i = 0; i < a->nruns; i++) {
        const struct cat_runs *r = &a->runs[i];
        if ((r->weekdays & (1u << wd)) && off >= r->from && off <= r->to && in_season(r, md))
            return 1;
    }
    return 0;
}

int
catalogue_sold_at_start(const struct cat_activity *a, long day, long today,
                        const struct cat_departure *d)
{
    int sold = 0;
    for (size_t i = 0; i < a->nsold; i++) {
        const struct cat_sold *s = &a->sold[i];
        if (s->offset == day - today && (s->time < 0 || s->time == d->time))
            sold += s->seats < 0 ? d->capacity : s->seats;
    }
    return sold > d->capacity ? d->capacity : sold;
}

const struct cat_departure *
catalogue_departure(const struct cat_activity *a, int time)
{
    for (size_t i = 0; i < a->ndepartures; i++)
        if (a->departures[i].time == time)
            return &a->departures[i];
    return NULL;
}

long
catalogue_tax(long cents, int basis_points)
{
    return (cents * basis_points + 5000) / 10000;
}
