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
