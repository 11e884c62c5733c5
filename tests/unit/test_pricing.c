/* Unit tests for pricing against the shipped demo catalogue (fixtures/catalogue.xml): activity
 * 101 (adult 119.00, senior 119.00, child 89.00; GST+PST 12%), 102 (adult 59.00, GST 5%, double
 * kayak 25.00), product 201 (29.99, 12%), 205 (18.50, 12%), package 401 (adult 189.00, 12%),
 * SUMMER10 (10%), WELCOME20 (20.00 off). Amounts in cents. */
#include "pricing.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

static struct catalogue *cat;

static void
setup(void)
{
    char *dir = support_repo_fixtures();
    char *path = support_path(dir, "catalogue.xml");
    struct buf err = BUF_INIT;
    ck_assert_msg(catalogue_load(path, &cat, &err) == 0, "%s", err.data ? err.data : "");
    buf_free(&err);
    free(path);
    free(dir);
}

static void
teardown(void)
{
    catalogue_free(cat);
    cat = NULL;
}

static struct store_item
activity(long id, int seniors, int adults, int children)
{
    struct store_item it;
    memset(&it, 0, sizeof(it));
    it.kind = ITEM_ACTIVITY;
    it.ref_id = id;
    it.pax[0] = seniors;
    it.pax[1] = adults;
    it.pax[3] = children;
    return it;
}

static struct store_item
product(long id, int quantity)
{
    struct store_item it;
    memset(&it, 0, sizeof(it));
    it.kind = ITEM_PRODUCT;
    it.ref_id = id;
    it.quantity = quantity;
    return it;
}

START_TEST(test_item_passengers_times_price_and_tax)
{
    struct store_item it = activity(101, 1, 2, 1);
    long cents, tax;
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), 0);
    ck_assert_int_eq(cents, 11900 + 2 * 13900 + 8900);
    ck_assert_int_eq(tax, (cents * 12 + 50) / 100);

    it = activity(102, 0, 1, 0); /* GST only */
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), 0);
    ck_assert_int_eq(cents, 5900);
    ck_assert_int_eq(tax, 295);
}
END_TEST

START_TEST(test_item_equipment)
{
    struct store_item it = activity(102, 0, 2, 0);
    it.equipment_id = 702;
    it.equipment_quantity = 2;
    long cents, tax;
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), 0);
    ck_assert_int_eq(cents, 2 * 5900 + 2 * 2500);
    ck_assert_int_eq(tax, 840); /* 5% of 168.00 */
    /* Equipment the activity does not have costs nothing. */
    it.equipment_id = 999;
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), 0);
    ck_assert_int_eq(cents, 2 * 5900);
}
END_TEST

START_TEST(test_item_unpriced_or_unknown)
{
    long cents = 1, tax = 1;
    struct store_item it = activity(102, 1, 0, 0); /* 102 has no senior price */
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), -1);
    it = activity(999, 0, 1, 0);
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), -1);
    ck_assert_int_eq(cents, 0);
    ck_assert_int_eq(tax, 0);
    it = product(999, 1);
    ck_assert_int_eq(pricing_item(cat, &it, &cents, &tax), -1);
    /* Unknown items are left out of the totals. */
    struct store_item items[] = {activity(999, 0, 1, 0), activity(102, 0, 1, 0)};
    struct pricing_totals t;
    pricing_totals(cat, items, 2, NULL, 0, &t);
    ck_assert_int_eq(t.subtotal, 5900);
}
END_TEST

START_TEST(test_totals_plain)
{
    struct store_item items[] = {activity(101, 0, 2, 0), product(201, 2)};
    struct pricing_totals t;
    pricing_totals(cat, items, 2, NULL, 0, &t);
    ck_assert_int_eq(t.activities, 27800);
    ck_assert_int_eq(t.products, 5998);
    ck_assert_int_eq(t.packages, 0);
    ck_assert_int_eq(t.subtotal, 33798);
    ck_assert_int_eq(t.discount, 0);
    ck_assert_int_eq(t.tax, 3336 + 720);
    ck_assert_int_eq(t.total, 33798 + 4056);
    ck_assert_int_eq(t.gift, 0);
    ck_assert_int_eq(t.balance, t.total);
}
END_TEST

START_TEST(test_discount_percent_tax_after)
{
    struct store_item items[] = {activity(101, 0, 2, 0)};
    struct pricing_totals t;
    pricing_totals(cat, items, 1, catalogue_promotion(cat, "SUMMER10"), 0, &t);
    ck_assert_int_eq(t.subtotal, 27800);
    ck_assert_int_eq(t.discount, 2780);
    /* 12% of what is paid (250.20), not of the subtotal. */
    ck_assert_int_eq(t.tax, 3002);
    ck_assert_int_eq(t.total, 27800 - 2780 + 3002);
}
END_TEST

START_TEST(test_discount_amount_tax_after)
{
    /* Mixed rates: 101 (12%) and 102 (5%); the discount lowers each item's tax alike. */
    struct store_item items[] = {activity(101, 0, 2, 0), activity(102, 0, 1, 0)};
    struct pricing_totals t;
    pricing_totals(cat, items, 2, catalogue_promotion(cat, "WELCOME20"), 0, &t);
    ck_assert_int_eq(t.subtotal, 33700);
    ck_assert_int_eq(t.discount, 2000);
    long tax_before = 3336 + 295;
    ck_assert_int_eq(t.tax, (tax_before * 31700 + 33700 / 2) / 33700);
    ck_assert_int_eq(t.total, 31700 + t.tax);
}
END_TEST

START_TEST(test_discount_capped_at_subtotal)
{
    struct store_item items[] = {product(205, 1)}; /* 18.50 < 20.00 off */
    struct pricing_totals t;
    pricing_totals(cat, items, 1, catalogue_promotion(cat, "WELCOME20"), 0, &t);
    ck_assert_int_eq(t.discount, 1850);
    ck_assert_int_eq(t.tax, 0);
    ck_assert_int_eq(t.total, 0);
    ck_assert_int_eq(t.balance, 0);
    /* An empty cart costs nothing, whatever applies. */
    pricing_totals(cat, items, 0, catalogue_promotion(cat, "SUMMER10"), 10000, &t);
    ck_assert_int_eq(t.total, 0);
    ck_assert_int_eq(t.gift, 0);
    ck_assert_int_eq(t.balance, 0);
}
END_TEST

START_TEST(test_gift_part_and_all)
{
    struct store_item items[] = {activity(101, 0, 2, 0)}; /* total 311.36 */
    struct pricing_totals t;
    pricing_totals(cat, items, 1, NULL, 10000, &t);
    ck_assert_int_eq(t.total, 31136);
    ck_assert_int_eq(t.gift, 10000);
    ck_assert_int_eq(t.balance, 21136);
    /* A gift worth more than the total pays it all and keeps the rest. */
    pricing_totals(cat, items, 1, NULL, 50000, &t);
    ck_assert_int_eq(t.gift, 31136);
    ck_assert_int_eq(t.balance, 0);
    /* The gift pays what is left after the discount and tax. */
    pricing_totals(cat, items, 1, catalogue_promotion(cat, "SUMMER10"), 100000, &t);
    ck_assert_int_eq(t.gift, 27800 - 2780 + 3002);
    ck_assert_int_eq(t.balance, 0);
    /* A used-up (or overdrawn) certificate pays nothing. */
    pricing_totals(cat, items, 1, NULL, -5, &t);
    ck_assert_int_eq(t.gift, 0);
    ck_assert_int_eq(t.balance, 31136);
}
END_TEST

START_TEST(test_package_and_its_activities)
{
    struct store_item pkg;
    memset(&pkg, 0, sizeof(pkg));
    pkg.kind = ITEM_PACKAGE;
    pkg.ref_id = 401;
    pkg.cart_item_id = 1;
    pkg.pax[1] = 2;
    struct store_item day1 = activity(101, 0, 2, 0), day2 = activity(108, 0, 2, 0);
    day1.package_item_of = day2.package_item_of = 1;
    struct store_item items[] = {pkg, day1, day2};
    long cents, tax;
    ck_assert_int_eq(pricing_item(cat, &day1, &cents, &tax), 0);
    ck_assert_int_eq(cents, 0); /* priced by its package */
    struct pricing_totals t;
    pricing_totals(cat, items, 3, NULL, 0, &t);
    ck_assert_int_eq(t.packages, 2 * 18900);
    ck_assert_int_eq(t.activities, 0);
    ck_assert_int_eq(t.subtotal, 37800);
    ck_assert_int_eq(t.tax, 4536);
    ck_assert_int_eq(t.total, 42336);
    /* A passenger type the package has no price for cannot be priced. */
    pkg.pax[1] = 0;
    pkg.pax[0] = 1; /* seniors */
    ck_assert_int_eq(pricing_item(cat, &pkg, &cents, &tax), -1);
}
END_TEST

static Suite *
pricing_suite(void)
{
    Suite *s = suite_create("pricing");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_item_passengers_times_price_and_tax);
    tcase_add_test(tc, test_item_equipment);
    tcase_add_test(tc, test_item_unpriced_or_unknown);
    tcase_add_test(tc, test_totals_plain);
    tcase_add_test(tc, test_discount_percent_tax_after);
    tcase_add_test(tc, test_discount_amount_tax_after);
    tcase_add_test(tc, test_discount_capped_at_subtotal);
    tcase_add_test(tc, test_gift_part_and_all);
    tcase_add_test(tc, test_package_and_its_activities);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(pricing_suite());
}
