#include "inventory.h"

static int
seats_for_sale(const struct cat_activity *a, long day, long today, const struct cat_departure *d)
{
    return d->capacity - catalogue_sold_at_start(a, day, today, d);
}

int
inventory_seats_left(struct store *s, const struct cat_activity *a, long day, long today,
                     const struct cat_departure *d)
{
    if (store_departure_cancelled(s, a->id, day, d->time))
        return 0;
    int left = seats_for_sale(a, day, today, d) - store_seats_taken(s, a->id, day, d->time);
    return left > 0 ? left : 0;
}

int
inventory_take_seats(struct store *s, const struct cat_activity *a, long day, long today,
                     const struct cat_departure *d, int n, int *left)
{
    if (n > 0 && store_departure_cancelled(s, a->id, day, d->time)) {
        *left = 0;
        return -1;
    }
    return store_take_seats(s, a->id, day, d->time, n, seats_for_sale(a, day, today, d), left);
}

int
inventory_stock_left(struct store *s, const struct cat_product *p)
{
    int left = p->stock - store_stock_taken(s, p->id);
    return left > 0 ? left : 0;
}

int
inventory_take_stock(struct store *s, const struct cat_product *p, int n, int *left)
{
    return store_take_stock(s, p->id, n, p->stock, left);
}

int
inventory_equipment_left(struct store *s, const struct cat_activity *a, long day, int time,
                         const struct cat_equipment *e)
{
    struct store_take what = {COUNT_EQUIPMENT, a->id, day, time, e->id, 0, 0};
    int left = e->stock - store_taken(s, &what);
    return left > 0 ? left : 0;
}

static int
pax_of(const struct store_item *it)
{
    int n = 0;
    for (int t = 0; t < PAX_TYPES; t++)
        n += it->pax[t];
    return n;
}

/* The counters one item changes (sign 1 takes, -1 gives back): at most two (seats and
 * equipment). Returns how many, or -1 when the catalogue no longer has what it names. */
static int
item_takes(const struct catalogue *cat, long today, const struct store_item *it, int sign,
           struct store_take out[2])
{
    if (it->kind == ITEM_PACKAGE)
        return 0; /* its activities are items of their own */
    if (it->kind == ITEM_PRODUCT) {
        const struct cat_product *p = catalogue_product(cat, it->ref_id);
        if (!p)
            return -1;
        out[0] = (struct store_take){COUNT_STOCK, p->id, 0, 0, 0, sign * it->quantity, p->stock};
        return 1;
    }
    const struct cat_activity *a = catalogue_activity(cat, it->ref_id);
    const struct cat_departure *d = a ? catalogue_departure(a, it->time) : NULL;
    if (!d)
        return -1;
    int n = 0;
    out[n++] = (struct store_take){COUNT_SEATS,
                                   a->id,
                                   it->day,
                                   it->time,
                                   0,
                                   sign * pax_of(it),
                                   seats_for_sale(a, it->day, today, d)};
    for (size_t i = 0; i < a->nequipment && it->equipment_id; i++)
        if (a->equipment[i].id == it->equipment_id)
            out[n++] = (struct store_take){COUNT_EQUIPMENT,
                                           a->id,
                                           it->day,
                                           it->time,
                                           it->equipment_id,
                                           sign * it->equipment_quantity,
                                           a->equipment[i].stock};
    return n;
}

int
inventory_swap(struct store *s, const struct catalogue *cat, long today,
               const struct store_item *give, size_t ngive, const struct store_item *take,
               size_t ntake, size_t *failed, int *left)
{
    struct store_take t[4 * STORE_MAX_ITEMS];
    size_t owner[4 * STORE_MAX_ITEMS]; /* index in take of each change, for *failed */
    size_t n = 0;
    for (size_t i = 0; i < ngive; i++) {
        int k = item_takes(cat, today, &give[i], -1, t + n);
        n += k > 0 ? (size_t)k : 0; /* gone from the catalogue: nothing to give back */
    }
    size_t first_take = n;
    for (size_t i = 0; i < ntake; i++) {
        int k = item_takes(cat, today, &take[i], 1, t + n);
        int cancelled = k > 0 && take[i].kind == ITEM_ACTIVITY &&
                        store_departure_cancelled(s, take[i].ref_id, take[i].day, take[i].time);
        if (k < 0 || cancelled) {
            *failed = i;
            *left = k < 0 ? -1 : 0;
            return -1;
        }
        for (int j = 0; j < k; j++)
            owner[n + (size_t)j] = i;
        n += (size_t)k;
    }
    size_t bad;
    if (store_take_all(s, t, n, &bad, left) != STORE_OK) {
        *failed = bad >= first_take ? owner[bad] : 0;
        return -1;
    }
    return 0;
}
