/* Unit tests for model: building a tree of named values, dotted-path lookups, money formatting
 * and long values. */
#include "model.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

START_TEST(test_build_and_find)
{
    struct model m;
    model_init(&m);
    struct model_node *act = model_add(&m, NULL, "activity");
    ck_assert_ptr_nonnull(act);
    model_set(&m, act, "activityId", "101");
    model_setf(&m, act, "activityType", "%d", 502);
    struct model_node *prices = model_add(&m, act, "prices");
    model_set(&m, prices, "price", "139.00");
    model_set(&m, prices, "price", "89.00");
    model_set(&m, act, "none", NULL);
    ck_assert(!model_failed(&m));

    ck_assert_uint_eq(m.root.count, 1);
    ck_assert_uint_eq(act->count, 4);
    ck_assert_uint_eq(prices->count, 2);
    ck_assert_ptr_eq(model_find(&m.root, "activity"), act);
    ck_assert_ptr_eq(model_find(&m.root, ""), &m.root);
    ck_assert_str_eq(model_find(&m.root, "activity.activityId")->text, "101");
    ck_assert_str_eq(model_find(&m.root, "activity.activityType")->text, "502");
    /* The first child of a name; siblings in order. */
    const struct model_node *p = model_find(&m.root, "activity.prices.price");
    ck_assert_str_eq(p->text, "139.00");
    ck_assert_str_eq(p->next->text, "89.00");
    ck_assert_ptr_eq(prices->last, p->next);
    ck_assert_ptr_null(prices->last->next);
    ck_assert_ptr_null(act->text);
    ck_assert_str_eq(model_child(act, "none")->text, "");
    ck_assert_ptr_null(model_find(&m.root, "activity.nope"));
    ck_assert_ptr_null(model_find(&m.root, "activity.activityId.deeper"));
    ck_assert_ptr_null(model_find(&m.root, "activ"));
    ck_assert_ptr_null(model_find(&m.root, "activityX"));
    ck_assert_ptr_null(model_child(act, "activityI"));
    ck_assert_ptr_null(model_child(NULL, "x"));
    ck_assert_ptr_null(model_find(NULL, "x"));
    model_free(&m);
}
END_TEST

START_TEST(test_text_copied)
{
    struct model m;
    model_init(&m);
    char name[] = "n";
    char text[] = "value";
    model_set(&m, NULL, name, text);
    text[0] = 'X';
    ck_assert_str_eq(model_child(&m.root, "n")->text, "value");
    model_free(&m);
}
END_TEST

START_TEST(test_money)
{
    struct model m;
    model_init(&m);
    static const struct {
        long cents;
        const char *want;
    } cases[] = {{0, "0.00"},     {5, "0.05"},   {100, "1.00"},   {13900, "139.00"},
                 {-350, "-3.50"}, {-5, "-0.05"}, {2999, "29.99"}, {123456789, "1234567.89"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct model_node *n = model_set_money(&m, NULL, "v", cases[i].cents);
        ck_assert_ptr_nonnull(n);
        ck_assert_str_eq(n->text, cases[i].want);
    }
    model_free(&m);
}
END_TEST

START_TEST(test_long_values_and_many_nodes)
{
    struct model m;
    model_init(&m);
    /* Longer than any small buffer, and many nodes across arena chunks. */
    char *big = malloc(20000);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    const struct model_node *n = model_setf(&m, NULL, "big", "<%s>", big);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(strlen(n->text), 20001);
    ck_assert_int_eq(n->text[0], '<');
    ck_assert_int_eq(n->text[20000], '>');
    n = model_set(&m, NULL, "big2", big);
    ck_assert_str_eq(n->text, big);
    struct model_node *list = model_add(&m, NULL, "list");
    for (int i = 0; i < 5000; i++)
        model_setf(&m, list, "item", "%d", i);
    ck_assert(!model_failed(&m));
    ck_assert_uint_eq(list->count, 5000);
    int i = 0;
    for (const struct model_node *c = list->first; c; c = c->next, i++) {
        char want[16];
        snprintf(want, sizeof(want), "%d", i);
        ck_assert_str_eq(c->text, want);
    }
    ck_assert_int_eq(i, 5000);
    free(big);
    model_free(&m);
    /* Freed models can be initialised and used again. */
    model_init(&m);
    ck_assert_ptr_null(m.root.first);
    model_free(&m);
}
END_TEST

START_TEST(test_failed_model_is_inert)
{
    struct model m;
    model_init(&m);
    m.failed = 1; /* as after an allocation failure */
    ck_assert(model_failed(&m));
    /* Adding to a NULL parent from an earlier failure is harmless. */
    ck_assert_ptr_null(model_set(&m, NULL, "x", "y"));
    model_free(&m);
}
END_TEST

static Suite *
model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_build_and_find);
    tcase_add_test(tc, test_text_copied);
    tcase_add_test(tc, test_money);
    tcase_add_test(tc, test_long_values_and_many_nodes);
    tcase_add_test(tc, test_failed_model_is_inert);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(model_suite());
}
