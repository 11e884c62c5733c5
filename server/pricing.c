#include "pricing.h"

static long
pax_price(const struct cat_price *prices, size_t nprices, const int pax[5])
{
    long sum = 0;
    for (int t = 0; t < PAX_TYPES; t++) {
        long unit = catalogue_price(prices, nprices, PAX_FIRST + t);
        if (pax[t] && unit < 0)
            return -1;
        sum += pax[t] ? unit * pax[t] : 0;
    }
    return sum;
}

int
pricing_item(const struct catalogue *cat, const struct store_item *it, long *cents, long *tax)
{
    *cents = *tax = 0;
    if (it->kind == ITEM_ACTIVITY) {
        const struct cat_activity *a = catalogue_activity(cat, it->ref_id);
        if (!a)
            return -1;
        if (it->package_item_of)
            return 0; /* priced by its package */
        long sum = pax_price(a->prices, a->nprices, it->pax);
        if (sum < 0)
            return -1;
        for (size_t i = 0; i < a->nequipment; i++)
            if (a->equipment[i].id == it->equipment_id)
                sum += a->equipment[i].cents * it->equipment_quantity;
        *cents = sum;
        *tax = catalogue_tax(sum, a->tax_basis_points);
    } else if (it->kind == ITEM_PRODUCT) {
        const struct cat_product *p = catalogue_product(cat, it->ref_id);
        if (!p)
            return -1;
        *cents = p->cents * it->quantity;
        *tax = catalogue_tax(*cents, p->tax_basis_points);
    } else {
        const struct cat_package *p = catalogue_package(cat, it->ref_id);
        long sum = p ? pax_price(p->prices, p->nprices, it->pax) : -1;
        if (sum < 0)
            return -1;
        *cents = sum;
        *tax = catalogue_tax(sum, p->tax_basis_points);
    }
    return 0;
}

void
pricing_totals(const struct catalogue *cat, const struct store_item *items, size_t n,
               const struct cat_promotion *promo, long gift_left, struct pricing_totals *out)
{
    *out = (struct pricing_totals){0};
    long tax = 0;
    for (size_t i = 0; i < n; i++) {
        long cents, t;
        if (pricing_item(cat, &items[i], &cents, &t) < 0)
            continue;
        if (items[i].kind == ITEM_ACTIVITY)
            out->activities += cents;
        else if (items[i].kind == ITEM_PRODUCT)
            out->products += cents;
        else
            out->packages += cents;
        tax += t;
    }
    out->subtotal = out->activities + out->products + out->packages;
    if (promo)
        out->discount = promo->percent ? (out->subtotal * promo->percent + 50) / 100 : promo->cents;
    if (out->discount > out->subtotal)
        out->discount = out->subtotal;
    /* Tax follows the discount: what is taxed is what is paid. */
    out->tax = out->subtotal
                   ? (tax * (out->subtotal - out->discount) + out->subtotal / 2) / out->subtotal
                   : 0;
    out->total = out->subtotal - out->discount + out->tax;
    out->gift = gift_left < out->total ? (gift_left > 0 ? gift_left : 0) : out->total;
    out->balance = out->total - out->gift;
}
