/* Unit tests for throttle: every call gets its time from the test, so boundaries are exact. Times
 * and windows are chosen as sums of powers of two where a test compares doubles exactly. */
#include "throttle.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

static struct throttle *
mk(unsigned limit, double window, unsigned every, size_t max_keys)
{
    struct throttle_settings s = {limit, window, every};
    struct throttle *t = throttle_new(&s, max_keys);
    ck_assert_ptr_nonnull(t);
    return t;
}

static struct throttle_decision
chk(struct throttle *t, const char *key, double now)
{
    struct throttle_decision d;
    throttle_check(t, key, 0, 0, now, &d);
    return d;
}

static struct throttle_decision
chk_over(struct throttle *t, const char *key, unsigned limit, double window, double now)
{
    struct throttle_decision d;
    throttle_check(t, key, limit, window, now, &d);
    return d;
}

static void
assert_admitted(struct throttle_decision d)
{
    ck_assert_int_eq(d.throttled, 0);
    ck_assert_int_eq(d.rule, THROTTLE_NONE);
    ck_assert_double_eq(d.wait, 0);
}

static void
assert_throttled(struct throttle_decision d, enum throttle_rule rule, double wait)
{
    ck_assert_int_eq(d.throttled, 1);
    ck_assert_int_eq(d.rule, rule);
    ck_assert_double_eq_tol(d.wait, wait, 1e-9);
}

static void
assert_stats(struct throttle *t, const char *key, unsigned long admitted, unsigned long throttled)
{
    struct throttle_key_stats st;
    ck_assert_int_eq(throttle_key_stats(t, key, &st), 0);
    ck_assert_uint_eq(st.admitted, admitted);
    ck_assert_uint_eq(st.throttled, throttled);
}

/* ---- limit ---- */

START_TEST(test_limit_exact_at_instant)
{
    struct throttle *t = mk(5, 60, 0, 16);
    for (unsigned i = 0; i < 5; i++) {
        struct throttle_decision d = chk(t, "tok", 100);
        assert_admitted(d);
        ck_assert_uint_eq(d.remaining, 4 - i);
        ck_assert_uint_eq(d.limit, 5);
        ck_assert_double_eq(d.window, 60);
        ck_assert_int_eq(d.untracked, 0);
    }
    struct throttle_decision d = chk(t, "tok", 100);
    assert_throttled(d, THROTTLE_LIMIT, 60);
    ck_assert_double_eq(d.wait, 60); /* exact: oldest + window - now */
    ck_assert_uint_eq(d.remaining, 0);
    d = chk(t, "tok", 130.5);
    ck_assert_double_eq(d.wait, 29.5);
    assert_stats(t, "tok", 5, 2);
    throttle_free(t);
}
END_TEST

/* The window is half-open, (now - window, now]: an admission at t0 counts until just before
 * t0 + window and no longer at t0 + window itself. */
START_TEST(test_boundary_half_open)
{
    const double eps = 1.0 / 1024; /* exact in binary, so the wait is exact too */
    struct throttle *t = mk(1, 60, 0, 16);
    assert_admitted(chk(t, "k", 100));
    struct throttle_decision d = chk(t, "k", 160 - eps);
    assert_throttled(d, THROTTLE_LIMIT, eps);
    ck_assert_double_eq(d.wait, eps);
    d = chk(t, "k", 160 - 1e-9); /* not exact in binary: still inside, wait still > 0 */
    ck_assert_int_eq(d.rule, THROTTLE_LIMIT);
    ck_assert(d.wait > 0 && d.wait < 2e-9);
    assert_admitted(chk(t, "k", 160)); /* the admission at 100 is out exactly now */
    assert_throttled(chk(t, "k", 160 + eps), THROTTLE_LIMIT, 60 - eps);
    assert_admitted(chk(t, "k", 220 + 1e-9)); /* just past the next boundary */
    throttle_free(t);
}
END_TEST

START_TEST(test_refill_one_at_a_time)
{
    struct throttle *t = mk(3, 10, 0, 16);
    for (int i = 0; i < 3; i++)
        assert_admitted(chk(t, "k", i));
    assert_throttled(chk(t, "k", 5), THROTTLE_LIMIT, 5); /* waits for the one at 0 */
    assert_admitted(chk(t, "k", 10));                    /* 0 aged out: exactly one slot */
    assert_throttled(chk(t, "k", 10), THROTTLE_LIMIT, 1);
    assert_admitted(chk(t, "k", 11));
    assert_throttled(chk(t, "k", 11), THROTTLE_LIMIT, 1);
    assert_admitted(chk(t, "k", 12));
    /* Now in the window: 10, 11, 12. */
    assert_throttled(chk(t, "k", 12), THROTTLE_LIMIT, 8);
    assert_throttled(chk(t, "k", 19.5), THROTTLE_LIMIT, 0.5);
    struct throttle_decision d = chk(t, "k", 20);
    assert_admitted(d);
    ck_assert_uint_eq(d.remaining, 0);
    throttle_free(t);
}
END_TEST

/* A fixed window would reset its counter at t = 60 and admit a second burst of N. */
START_TEST(test_no_double_burst_across_fixed_boundary)
{
    struct throttle *t = mk(5, 60, 0, 16);
    for (int i = 0; i < 5; i++)
        assert_admitted(chk(t, "k", 59.9));
    for (int i = 0; i < 5; i++)
        assert_throttled(chk(t, "k", 60.1), THROTTLE_LIMIT, 59.8);
    assert_throttled(chk(t, "k", 119.8), THROTTLE_LIMIT, 0.1);
    for (int i = 0; i < 5; i++) /* 59.9 + 60, just past it: 0.1 has no exact double */
        assert_admitted(chk(t, "k", 119.9 + 1e-9));
    assert_throttled(chk(t, "k", 120), THROTTLE_LIMIT, 59.9 + 1e-9);
    throttle_free(t);
}
END_TEST

START_TEST(test_throttled_not_recorded)
{
    struct throttle *t = mk(2, 10, 0, 16);
    assert_admitted(chk(t, "k", 0));
    assert_admitted(chk(t, "k", 0));
    for (int i = 1; i < 10; i++) /* hammering does not push the wait further out */
        assert_throttled(chk(t, "k", i), THROTTLE_LIMIT, 10 - i);
    assert_admitted(chk(t, "k", 10));
    assert_admitted(chk(t, "k", 10));
    assert_stats(t, "k", 4, 9);
    throttle_free(t);
}
END_TEST

START_TEST(test_per_key_isolation)
{
    struct throttle *t = mk(2, 60, 0, 16);
    assert_admitted(chk(t, "a", 0));
    assert_admitted(chk(t, "a", 0));
    assert_throttled(chk(t, "a", 1), THROTTLE_LIMIT, 59);
    assert_admitted(chk(t, "b", 1));
    assert_admitted(chk(t, "b", 1));
    assert_throttled(chk(t, "b", 1), THROTTLE_LIMIT, 60);
    assert_admitted(chk(t, NULL, 1)); /* NULL is the "" key, a key of its own */
    assert_admitted(chk(t, "", 1));
    assert_throttled(chk(t, NULL, 1), THROTTLE_LIMIT, 60);
    assert_stats(t, "a", 2, 1);
    assert_stats(t, "b", 2, 1);
    assert_stats(t, "", 2, 1);
    struct throttle_key_stats st;
    ck_assert_int_eq(throttle_key_stats(t, "c", &st), -1);
    throttle_free(t);
}
END_TEST

START_TEST(test_per_key_override)
{
    struct throttle *t = mk(2, 60, 0, 16);
    for (int i = 0; i < 5; i++) {
        struct throttle_decision d = chk_over(t, "partner", 5, 10, 0);
        assert_admitted(d);
        ck_assert_uint_eq(d.limit, 5);
        ck_assert_double_eq(d.window, 10);
        ck_assert_uint_eq(d.remaining, 4 - (unsigned)i);
    }
    assert_throttled(chk_over(t, "partner", 5, 10, 0), THROTTLE_LIMIT, 10);
    assert_admitted(chk_over(t, "partner", 5, 10, 10)); /* its own window, not the global 60 */
    /* Only the limit overridden: the global window applies. */
    assert_admitted(chk_over(t, "p2", 3, 0, 0));
    assert_admitted(chk_over(t, "p2", 3, 0, 0));
    assert_admitted(chk_over(t, "p2", 3, 0, 0));
    assert_throttled(chk_over(t, "p2", 3, 0, 1), THROTTLE_LIMIT, 59);
    /* Only the window overridden; nonsense windows fall back to the global one. */
    assert_admitted(chk_over(t, "p3", 0, 4, 0));
    assert_admitted(chk_over(t, "p3", 0, -1, 0));
    struct throttle_decision d = chk_over(t, "p3", 0, NAN, 1);
    assert_throttled(d, THROTTLE_LIMIT, 59);
    ck_assert_double_eq(d.window, 60);
    /* Other keys keep the global limit. */
    assert_admitted(chk(t, "plain", 0));
    assert_admitted(chk(t, "plain", 0));
    assert_throttled(chk(t, "plain", 0), THROTTLE_LIMIT, 60);
    /* Overrides are capped like the configured limit. */
    d = chk_over(t, "huge", 1000000, 0, 0);
    assert_admitted(d);
    ck_assert_uint_eq(d.limit, THROTTLE_MAX_LIMIT);
    ck_assert_uint_eq(d.remaining, THROTTLE_MAX_LIMIT - 1);
    throttle_free(t);
}
END_TEST

START_TEST(test_limit_zero_is_off)
{
    struct throttle *t = mk(0, 60, 0, 16);
    for (int i = 0; i < 1000; i++) {
        struct throttle_decision d = chk(t, "k", 5);
        assert_admitted(d);
        ck_assert_uint_eq(d.limit, 0);
        ck_assert_uint_eq(d.remaining, 0);
    }
    assert_stats(t, "k", 1000, 0);
    throttle_free(t);
}
END_TEST

/* The largest limit: the log grows from nothing to 100000 entries and empties again. */
START_TEST(test_max_limit)
{
    struct throttle *t = mk(THROTTLE_MAX_LIMIT, 60, 0, 16);
    for (unsigned i = 0; i < THROTTLE_MAX_LIMIT; i++)
        ck_assert_int_eq(chk(t, "k", 1).throttled, 0);
    assert_throttled(chk(t, "k", 1), THROTTLE_LIMIT, 60);
    assert_throttled(chk(t, "k", 60), THROTTLE_LIMIT, 1);
    struct throttle_decision d = chk(t, "k", 61);
    assert_admitted(d);
    ck_assert_uint_eq(d.remaining, THROTTLE_MAX_LIMIT - 1);
    throttle_free(t);
}
END_TEST

/* A steady stream wraps the log's ring; a lull shrinks it; a burst grows it again. */
START_TEST(test_log_wraps_and_shrinks)
{
    struct throttle *t = mk(40, 10, 0, 16);
    for (int i = 0; i < 40; i++)
        assert_admitted(chk(t, "k", i * 0.25));
    for (int i = 40; i < 200; i++) { /* one slot frees up every 0.25 s */
        assert_admitted(chk(t, "k", i * 0.25));
        assert_throttled(chk(t, "k", i * 0.25), THROTTLE_LIMIT, 0.25);
    }
    /* At 59.25 only 49.5 and 49.75 are left in the window. */
    struct throttle_decision d = chk(t, "k", 59.25);
    assert_admitted(d);
    ck_assert_uint_eq(d.remaining, 37);
    for (int i = 0; i < 37; i++)
        assert_admitted(chk(t, "k", 59.25));
    assert_throttled(chk(t, "k", 59.25), THROTTLE_LIMIT, 0.25);
    throttle_free(t);
}
END_TEST

/* Per key, time never runs backwards: a late caller is placed at the key's latest time. */
START_TEST(test_time_backwards_clamped)
{
    struct throttle *t = mk(1, 10, 0, 16);
    assert_admitted(chk(t, "k", 10));
    assert_throttled(chk(t, "k", 19.5), THROTTLE_LIMIT, 0.5);
    assert_throttled(chk(t, "k", 5), THROTTLE_LIMIT, 0.5); /* taken as 19.5 */
    assert_admitted(chk(t, "k", 20));
    throttle_free(t);
}
END_TEST

/* ---- every-N ---- */

START_TEST(test_every_alone)
{
    struct throttle *t = mk(0, 60, 3, 16);
    for (int i = 1; i <= 10; i++) {
        struct throttle_decision d = chk(t, "k", i);
        if (i % 3 == 0)
            assert_throttled(d, THROTTLE_EVERY, 0);
        else
            assert_admitted(d);
    }
    assert_admitted(chk(t, "other", 0)); /* counted per key */
    assert_admitted(chk(t, "other", 0));
    assert_throttled(chk(t, "other", 0), THROTTLE_EVERY, 0);
    assert_stats(t, "k", 7, 3);
    throttle_free(t);
}
END_TEST

START_TEST(test_every_one_throttles_all)
{
    struct throttle *t = mk(0, 60, 1, 16);
    for (int i = 0; i < 5; i++)
        assert_throttled(chk(t, "k", i), THROTTLE_EVERY, 0);
    throttle_free(t);
}
END_TEST

START_TEST(test_every_with_limit)
{
    struct throttle *t = mk(4, 60, 3, 16);
    assert_admitted(chk(t, "k", 0));
    assert_admitted(chk(t, "k", 0));
    assert_throttled(chk(t, "k", 0), THROTTLE_EVERY, 0); /* limit not reached: no wait */
    assert_admitted(chk(t, "k", 0));
    assert_admitted(chk(t, "k", 0));                      /* 4 admitted: limit full */
    assert_throttled(chk(t, "k", 1), THROTTLE_EVERY, 59); /* both apply: the limit's wait */
    assert_throttled(chk(t, "k", 1), THROTTLE_LIMIT, 59);
    assert_throttled(chk(t, "k", 1), THROTTLE_LIMIT, 59);
    assert_throttled(chk(t, "k", 1), THROTTLE_EVERY, 59); /* limit-throttled ones count too */
    assert_admitted(chk(t, "k", 60));
    assert_stats(t, "k", 5, 5);
    throttle_free(t);
}
END_TEST

START_TEST(test_every_restarts_on_change)
{
    struct throttle *t = mk(0, 60, 3, 16);
    assert_admitted(chk(t, "k", 0));
    assert_admitted(chk(t, "k", 0));
    struct throttle_settings s = {0, 60, 2};
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    assert_admitted(chk(t, "k", 0)); /* the count restarted: this is request 1 */
    assert_throttled(chk(t, "k", 0), THROTTLE_EVERY, 0);
    s.every = 0;
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    for (int i = 0; i < 5; i++)
        assert_admitted(chk(t, "k", 0));
    s.every = 2;
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    assert_admitted(chk(t, "k", 0));
    s.limit = 100; /* configuring the same every does not restart the count */
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    assert_throttled(chk(t, "k", 0), THROTTLE_EVERY, 0);
    throttle_free(t);
}
END_TEST

/* ---- forced ---- */

START_TEST(test_forced_global_timed)
{
    struct throttle *t = mk(0, 60, 0, 16);
    ck_assert_int_eq(throttle_force(t, NULL, 10, 5), 0);
    assert_throttled(chk(t, "a", 10), THROTTLE_FORCED, 5);
    assert_throttled(chk(t, "b", 14), THROTTLE_FORCED, 1);
    assert_throttled(chk(t, "c", 15 - 1.0 / 1024), THROTTLE_FORCED, 1.0 / 1024);

    struct throttle_force_info fi[4];
    ck_assert_uint_eq(throttle_forces(t, 12, fi, 4), 1);
    ck_assert_int_eq(fi[0].global, 1);
    ck_assert_str_eq(fi[0].key, "");
    ck_assert_double_eq(fi[0].remaining, 3);

    assert_admitted(chk(t, "a", 15)); /* expired exactly at until */
    ck_assert_uint_eq(throttle_forces(t, 15, fi, 4), 0);
    assert_admitted(chk(t, "a", 12)); /* dropped for good, even for a late caller */
    throttle_free(t);
}
END_TEST

START_TEST(test_forced_key)
{
    struct throttle *t = mk(0, 60, 0, 16);
    ck_assert_int_eq(throttle_force(t, "a", 0, 30), 0);
    assert_throttled(chk(t, "a", 10), THROTTLE_FORCED, 20);
    assert_admitted(chk(t, "b", 10));
    struct throttle_force_info fi[2];
    ck_assert_uint_eq(throttle_forces(t, 10, fi, 2), 1);
    ck_assert_str_eq(fi[0].key, "a");
    ck_assert_int_eq(fi[0].global, 0);
    ck_assert_double_eq(fi[0].remaining, 20);
    /* Forcing again replaces the deadline. */
    ck_assert_int_eq(throttle_force(t, "a", 10, 5), 0);
    assert_throttled(chk(t, "a", 11), THROTTLE_FORCED, 4);
    assert_admitted(chk(t, "a", 15));
    assert_stats(t, "a", 1, 2);
    throttle_free(t);
}
END_TEST

START_TEST(test_forced_indefinite_then_lift)
{
    struct throttle *t = mk(0, 60, 0, 16);
    ck_assert_int_eq(throttle_force(t, NULL, 0, 0), 0);
    assert_throttled(chk(t, "a", 1), THROTTLE_FORCED, 1.0);
    assert_throttled(chk(t, "b", 1e6), THROTTLE_FORCED, 1.0);
    struct throttle_force_info fi[2];
    ck_assert_uint_eq(throttle_forces(t, 1e6, fi, 2), 1);
    ck_assert(fi[0].remaining < 0);
    throttle_lift(t, NULL);
    assert_admitted(chk(t, "a", 1e6));
    ck_assert_uint_eq(throttle_forces(t, 1e6, fi, 2), 0);

    ck_assert_int_eq(throttle_force(t, "a", 1e6, 0), 0);
    ck_assert_int_eq(throttle_force(t, "b", 1e6, 0), 0);
    assert_throttled(chk(t, "a", 2e6), THROTTLE_FORCED, 1.0);
    throttle_lift(t, "a");
    throttle_lift(t, "nobody"); /* no-op */
    assert_admitted(chk(t, "a", 2e6));
    assert_throttled(chk(t, "b", 2e6), THROTTLE_FORCED, 1.0);
    throttle_free(t);
}
END_TEST

START_TEST(test_forced_several)
{
    struct throttle *t = mk(0, 60, 0, 16);
    ck_assert_int_eq(throttle_force(t, "a", 0, 10), 0);
    ck_assert_int_eq(throttle_force(t, "b", 0, 0), 0);
    ck_assert_int_eq(throttle_force(t, "c", 0, 100), 0);
    assert_throttled(chk(t, "a", 1), THROTTLE_FORCED, 9);
    assert_throttled(chk(t, "b", 1), THROTTLE_FORCED, 1);
    assert_throttled(chk(t, "c", 1), THROTTLE_FORCED, 99);
    assert_admitted(chk(t, "d", 1));

    /* Global plus key: the longer wait wins. */
    ck_assert_int_eq(throttle_force(t, NULL, 1, 20), 0);
    assert_throttled(chk(t, "a", 2), THROTTLE_FORCED, 19);
    assert_throttled(chk(t, "b", 2), THROTTLE_FORCED, 19);
    assert_throttled(chk(t, "c", 2), THROTTLE_FORCED, 98);
    assert_throttled(chk(t, "d", 2), THROTTLE_FORCED, 19);

    struct throttle_force_info fi[4];
    ck_assert_uint_eq(throttle_forces(t, 2, fi, 4), 4);
    ck_assert_int_eq(fi[0].global, 1); /* global first */
    ck_assert_double_eq(fi[0].remaining, 19);
    ck_assert_uint_eq(throttle_forces(t, 11, fi, 4), 3); /* a expired at 10 */
    ck_assert_uint_eq(throttle_forces(t, 11, fi, 1), 3); /* total reported, one written */
    ck_assert_int_eq(fi[0].global, 1);
    ck_assert_uint_eq(throttle_forces(t, 11, NULL, 0), 3);

    throttle_lift(t, NULL); /* every force, global and per key */
    ck_assert_uint_eq(throttle_forces(t, 11, fi, 4), 0);
    for (const char *k = "abcd"; *k; k++) {
        char key[2] = {*k, 0};
        assert_admitted(chk(t, key, 11));
    }
    throttle_free(t);
}
END_TEST

START_TEST(test_force_invalid_and_long_key)
{
    struct throttle *t = mk(0, 60, 0, 2);
    ck_assert_int_eq(throttle_force(t, "a", 0, -1), -1);
    ck_assert_int_eq(throttle_force(t, "a", 0, NAN), -1);
    ck_assert_int_eq(throttle_force(t, "a", 0, INFINITY), -1);
    ck_assert_int_eq(throttle_force(t, NULL, NAN, 1), -1);
    ck_assert_uint_eq(throttle_forces(t, 0, NULL, 0), 0);

    char long_key[300];
    memset(long_key, 'x', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    ck_assert_int_eq(throttle_force(t, long_key, 0, 0), 0);
    assert_throttled(chk(t, long_key, 1), THROTTLE_FORCED, 1);
    struct throttle_force_info fi;
    ck_assert_uint_eq(throttle_forces(t, 0, &fi, 1), 1);
    ck_assert_uint_eq(strlen(fi.key), THROTTLE_FORCE_KEY_MAX - 1); /* truncated for display */
    ck_assert_int_eq(strncmp(fi.key, long_key, THROTTLE_FORCE_KEY_MAX - 1), 0);

    /* Forced keys are capped at max_keys too; re-forcing an existing one still works. */
    ck_assert_int_eq(throttle_force(t, "b", 0, 0), 0);
    ck_assert_int_eq(throttle_force(t, "c", 0, 0), -1);
    ck_assert_int_eq(throttle_force(t, "b", 0, 5), 0);
    throttle_free(t);
}
END_TEST

/* forced > every-N > limit; a request throttled by forced or every-N is not logged, and one
 * throttled by forced does not advance the every-N count. */
START_TEST(test_precedence)
{
    struct throttle *t = mk(2, 60, 3, 16);
    ck_assert_int_eq(throttle_force(t, "k", 0, 10), 0);
    for (int i = 0; i < 5; i++)
        assert_throttled(chk(t, "k", i), THROTTLE_FORCED, 10 - i);
    throttle_lift(t, "k");
    struct throttle_decision d = chk(t, "k", 5); /* nothing logged nor counted while forced */
    assert_admitted(d);
    ck_assert_uint_eq(d.remaining, 1);
    assert_admitted(chk(t, "k", 5));
    assert_throttled(chk(t, "k", 5), THROTTLE_EVERY, 60); /* every > limit, with limit's wait */
    assert_throttled(chk(t, "k", 5), THROTTLE_LIMIT, 60);
    assert_throttled(chk(t, "k", 5), THROTTLE_LIMIT, 60);
    assert_throttled(chk(t, "k", 5), THROTTLE_EVERY, 60);

    /* forced > every and limit, with the force's wait. */
    ck_assert_int_eq(throttle_force(t, NULL, 5, 3), 0);
    assert_throttled(chk(t, "k", 5), THROTTLE_FORCED, 3);
    assert_throttled(chk(t, "k", 5), THROTTLE_FORCED, 3);
    assert_throttled(chk(t, "k", 5), THROTTLE_FORCED, 3);
    throttle_lift(t, NULL);

    /* Every-N throttles do not log: after the window, the full limit is available. */
    assert_admitted(chk(t, "k", 65));
    assert_admitted(chk(t, "k", 65));
    assert_throttled(chk(t, "k", 65), THROTTLE_EVERY, 60);
    assert_stats(t, "k", 4, 13);
    throttle_free(t);
}
END_TEST

/* ---- configuration ---- */

START_TEST(test_configure_limit_down_and_up)
{
    struct throttle *t = mk(5, 60, 0, 16);
    for (int i = 0; i < 5; i++)
        assert_admitted(chk(t, "k", i));
    struct throttle_settings s = {3, 60, 0};
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    /* 5 in the window, limit 3: wait until 3 of them (0, 1, 2) left. */
    assert_throttled(chk(t, "k", 5), THROTTLE_LIMIT, 57);
    s.limit = 5;
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    /* Back up: the admissions at 0 and 1 were kept and still count. */
    assert_throttled(chk(t, "k", 5), THROTTLE_LIMIT, 55);
    s.limit = 7;
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    struct throttle_decision d = chk(t, "k", 6);
    assert_admitted(d);
    ck_assert_uint_eq(d.remaining, 1);
    assert_admitted(chk(t, "k", 6));
    assert_throttled(chk(t, "k", 6), THROTTLE_LIMIT, 54);
    s.limit = 2;
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    /* At 62 the window holds 2, 3, 4, 6, 6: wait for all but the newest one to leave. */
    assert_throttled(chk(t, "k", 62), THROTTLE_LIMIT, 4);
    assert_admitted(chk(t, "k", 66));
    assert_admitted(chk(t, "k", 66));
    assert_throttled(chk(t, "k", 66), THROTTLE_LIMIT, 60);
    /* A shorter window drops older admissions at once. */
    s.window = 1;
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    assert_admitted(chk(t, "k", 67));
    assert_admitted(chk(t, "k", 67.5));
    assert_throttled(chk(t, "k", 67.5), THROTTLE_LIMIT, 0.5);
    throttle_free(t);
}
END_TEST

START_TEST(test_configure_invalid)
{
    struct throttle *t = mk(7, 30, 2, 16);
    struct throttle_settings bad[] = {
        {1, 0, 0}, {1, -1, 0}, {1, NAN, 0}, {1, INFINITY, 0}, {THROTTLE_MAX_LIMIT + 1, 60, 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(throttle_configure(t, &bad[i]), -1);
        ck_assert_ptr_null(throttle_new(&bad[i], 16));
    }
    struct throttle_settings got;
    throttle_settings_get(t, &got);
    ck_assert_uint_eq(got.limit, 7);
    ck_assert_double_eq(got.window, 30);
    ck_assert_uint_eq(got.every, 2);

    struct throttle_settings max = {THROTTLE_MAX_LIMIT, 1e-3, 0};
    ck_assert_int_eq(throttle_configure(t, &max), 0);
    throttle_settings_get(t, &got);
    ck_assert_uint_eq(got.limit, THROTTLE_MAX_LIMIT);
    ck_assert_double_eq(got.window, 1e-3);
    throttle_free(t);

    t = throttle_new(NULL, 0); /* defaults */
    ck_assert_ptr_nonnull(t);
    throttle_settings_get(t, &got);
    ck_assert_uint_eq(got.limit, 0);
    ck_assert_double_eq(got.window, THROTTLE_DEFAULT_WINDOW);
    ck_assert_uint_eq(got.every, 0);
    throttle_free(t);
    throttle_free(NULL);
}
END_TEST

/* ---- key table ---- */

START_TEST(test_key_cap_eviction)
{
    struct throttle *t = mk(1, 10, 0, 2);
    assert_admitted(chk(t, "a", 0));
    assert_admitted(chk(t, "b", 5));

    /* Full and nobody idle for a window: c is admitted untracked, even past its limit. */
    struct throttle_decision d = chk(t, "c", 6);
    assert_admitted(d);
    ck_assert_int_eq(d.untracked, 1);
    ck_assert_uint_eq(d.remaining, 0);
    ck_assert_int_eq(chk(t, "c", 6).throttled, 0);
    ck_assert_int_eq(chk(t, "c", 9.5).untracked, 1);
    struct throttle_key_stats st;
    ck_assert_int_eq(throttle_key_stats(t, "c", &st), -1);

    /* At 10, a's log (admitted at 0) is entirely expired: a makes room for c. */
    d = chk(t, "c", 10);
    assert_admitted(d);
    ck_assert_int_eq(d.untracked, 0);
    ck_assert_int_eq(throttle_key_stats(t, "a", &st), -1);
    assert_stats(t, "b", 1, 0);
    assert_stats(t, "c", 1, 0);
    assert_throttled(chk(t, "c", 10), THROTTLE_LIMIT, 10);

    /* Forcing applies to untracked keys too. */
    ck_assert_int_eq(throttle_force(t, "d", 10, 0), 0);
    d = chk(t, "d", 11);
    assert_throttled(d, THROTTLE_FORCED, 1);
    ck_assert_int_eq(d.untracked, 1);

    /* A throttled request keeps its key busy: at 15 b's log (5) is expired, but b was just
     * refused at 14, so it is not evicted. */
    assert_throttled(chk(t, "b", 14), THROTTLE_LIMIT, 1);
    ck_assert_int_eq(chk(t, "e", 15).untracked, 1);
    assert_throttled(chk(t, "c", 16), THROTTLE_LIMIT, 4);
    ck_assert_int_eq(chk(t, "e", 23.5).untracked, 1);
    ck_assert_int_eq(chk(t, "e", 24).untracked, 0); /* b idle since 14: evicted, c not */
    ck_assert_int_eq(throttle_key_stats(t, "b", &st), -1);
    assert_stats(t, "c", 1, 2);
    throttle_free(t);
}
END_TEST

/* A key is evictable after its own window, which a shorter configured window shortens. */
START_TEST(test_key_cap_eviction_windows)
{
    struct throttle *t = mk(0, 60, 0, 1);
    assert_admitted(chk_over(t, "a", 0, 5, 0));
    ck_assert_int_eq(chk(t, "b", 1).untracked, 1);
    ck_assert_int_eq(chk(t, "b", 5).untracked, 0); /* a's override window was 5 */
    ck_assert_int_eq(chk(t, "c", 6).untracked, 1); /* b: global window 60 */
    struct throttle_settings s = {0, 2, 0};
    ck_assert_int_eq(throttle_configure(t, &s), 0);
    ck_assert_int_eq(chk(t, "c", 6.5).untracked, 1);
    ck_assert_int_eq(chk(t, "c", 7).untracked, 0);
    /* A key's override window shrinking makes it evictable sooner too. */
    ck_assert_int_eq(chk_over(t, "c", 0, 60, 8).untracked, 0);
    ck_assert_int_eq(chk(t, "d", 9).untracked, 1); /* c is busy until 68 */
    ck_assert_int_eq(chk_over(t, "c", 0, 5, 10).untracked, 0);
    ck_assert_int_eq(chk(t, "d", 14.5).untracked, 1);
    ck_assert_int_eq(chk(t, "d", 15).untracked, 0);
    throttle_free(t);
}
END_TEST

START_TEST(test_many_keys)
{
    struct throttle *t = mk(2, 10, 0, 1000);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "token-%d", i);
        ck_assert_int_eq(chk(t, key, 0).untracked, 0);
    }
    ck_assert_int_eq(chk(t, "one-too-many", 1).untracked, 1);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "token-%d", i);
        assert_admitted(chk(t, key, 1));
        assert_throttled(chk(t, key, 1), THROTTLE_LIMIT, 9);
        assert_stats(t, key, 2, 1);
    }
    /* All idle long enough: new keys replace them one by one. */
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "new-%d", i);
        ck_assert_int_eq(chk(t, key, 11).untracked, 0);
    }
    ck_assert_int_eq(chk(t, "token-0", 11).untracked, 1);
    throttle_free(t);
}
END_TEST

START_TEST(test_reset)
{
    struct throttle *t = mk(2, 60, 3, 16);
    ck_assert_int_eq(throttle_force(t, "f", 0, 0), 0);
    assert_admitted(chk(t, "k", 0));
    assert_admitted(chk(t, "k", 0));
    assert_throttled(chk(t, "k", 0), THROTTLE_EVERY, 60);
    throttle_reset(t);
    struct throttle_key_stats st;
    ck_assert_int_eq(throttle_key_stats(t, "k", &st), -1);
    /* Same instant, fresh counters: the whole limit again, every-N from 1. */
    assert_admitted(chk(t, "k", 0));
    assert_admitted(chk(t, "k", 0));
    assert_throttled(chk(t, "k", 0), THROTTLE_EVERY, 60);
    assert_stats(t, "k", 2, 1);
    /* Settings and forces survive. */
    struct throttle_settings s;
    throttle_settings_get(t, &s);
    ck_assert_uint_eq(s.limit, 2);
    ck_assert_uint_eq(s.every, 3);
    assert_throttled(chk(t, "f", 0), THROTTLE_FORCED, 1);
    throttle_free(t);
}
END_TEST

/* ---- threads ---- */

enum { NTHREADS = 4, CHECKS_PER_THREAD = 20000, SHARED_LIMIT = 1000 };

struct worker {
    struct throttle *t;
    pthread_barrier_t *start;
    unsigned long admitted;
    int id;
};

static void *
hammer_one_key(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(w->start);
    for (int i = 0; i < CHECKS_PER_THREAD; i++) {
        struct throttle_decision d;
        throttle_check(w->t, "shared", 0, 0, 42, &d);
        if (!d.throttled)
            w->admitted++;
    }
    return NULL;
}

static void
run_workers(struct throttle *t, void *(*fn)(void *), struct worker *w)
{
    pthread_t th[NTHREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct worker){.t = t, .start = &start, .id = i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
}

START_TEST(test_threads_exact_limit)
{
    struct throttle *t = mk(SHARED_LIMIT, 60, 0, 16);
    struct worker w[NTHREADS];
    run_workers(t, hammer_one_key, w);
    unsigned long total = 0;
    for (int i = 0; i < NTHREADS; i++)
        total += w[i].admitted;
    ck_assert_uint_eq(total, SHARED_LIMIT);
    assert_stats(t, "shared", SHARED_LIMIT, NTHREADS * CHECKS_PER_THREAD - SHARED_LIMIT);
    throttle_free(t);
}
END_TEST

/* Every entry point at once, on a small table with eviction, for the thread sanitizer. */
static void *
mixed_calls(void *arg)
{
    struct worker *w = arg;
    char key[16];
    pthread_barrier_wait(w->start);
    for (int i = 0; i < 5000; i++) {
        double now = i * 0.01;
        snprintf(key, sizeof(key), "k%d", (i + w->id) % 40);
        struct throttle_decision d;
        throttle_check(w->t, key, i % 7 == 0 ? 3 : 0, 0, now, &d);
        switch ((i + w->id) % 50) {
        case 0:
            throttle_force(w->t, key, now, 0.5);
            break;
        case 10:
            throttle_lift(w->t, key);
            break;
        case 20: {
            struct throttle_force_info fi[8];
            throttle_forces(w->t, now, fi, 8);
            break;
        }
        case 30: {
            struct throttle_settings s = {(unsigned)(i % 10), 1 + i % 3, (unsigned)(i % 4)};
            throttle_configure(w->t, &s);
            break;
        }
        case 40: {
            struct throttle_key_stats st;
            throttle_key_stats(w->t, key, &st);
            break;
        }
        case 45:
            if (w->id == 0)
                throttle_reset(w->t);
            break;
        }
    }
    return NULL;
}

START_TEST(test_threads_mixed)
{
    struct throttle *t = mk(5, 1, 0, 16);
    struct worker w[NTHREADS];
    run_workers(t, mixed_calls, w);
    throttle_free(t);
}
END_TEST

static Suite *
throttle_suite(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("limit");
    tcase_add_test(tc, test_limit_exact_at_instant);
    tcase_add_test(tc, test_boundary_half_open);
    tcase_add_test(tc, test_refill_one_at_a_time);
    tcase_add_test(tc, test_no_double_burst_across_fixed_boundary);
    tcase_add_test(tc, test_throttled_not_recorded);
    tcase_add_test(tc, test_per_key_isolation);
    tcase_add_test(tc, test_per_key_override);
    tcase_add_test(tc, test_limit_zero_is_off);
    tcase_add_test(tc, test_max_limit);
    tcase_add_test(tc, test_log_wraps_and_shrinks);
    tcase_add_test(tc, test_time_backwards_clamped);
    suite_add_tcase(s, tc);

    tc = tcase_create("every");
    tcase_add_test(tc, test_every_alone);
    tcase_add_test(tc, test_every_one_throttles_all);
    tcase_add_test(tc, test_every_with_limit);
    tcase_add_test(tc, test_every_restarts_on_change);
    suite_add_tcase(s, tc);

    tc = tcase_create("forced");
    tcase_add_test(tc, test_forced_global_timed);
    tcase_add_test(tc, test_forced_key);
    tcase_add_test(tc, test_forced_indefinite_then_lift);
    tcase_add_test(tc, test_forced_several);
    tcase_add_test(tc, test_force_invalid_and_long_key);
    tcase_add_test(tc, test_precedence);
    suite_add_tcase(s, tc);

    tc = tcase_create("state");
    tcase_add_test(tc, test_configure_limit_down_and_up);
    tcase_add_test(tc, test_configure_invalid);
    tcase_add_test(tc, test_key_cap_eviction);
    tcase_add_test(tc, test_key_cap_eviction_windows);
    tcase_add_test(tc, test_many_keys);
    tcase_add_test(tc, test_reset);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60); /* slow under valgrind and the thread sanitizer */
    tcase_add_test(tc, test_threads_exact_limit);
    tcase_add_test(tc, test_threads_mixed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(throttle_suite());
}
