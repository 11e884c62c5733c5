/* Unit tests for admin_guard: the mock's own names (built-in, --cert-names, listen addresses),
 * the Host check against DNS rebinding and the Origin / Sec-Fetch-Site check against cross-site
 * requests that change state. */
#include "admin_guard.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static struct admin_guard g;
static char store[1024];

static void
setup(void)
{
    static const char *const listen[] = {"127.0.0.1:8443", "0.0.0.0:9443", "[::]:8443",
                                         "10.1.2.3:8443", "[fd00::5]:8443"};
    admin_guard_init(&g, 1, "zapi-mock, ci.example.org ,", listen, 5, store, sizeof(store));
}

static int
check(const char *host, const char *origin, const char *site, int check_host, int changes)
{
    char why[256] = "";
    int rc = admin_guard_check(&g, host, origin, site, check_host, changes, why, sizeof(why));
    ck_assert_int_eq(rc == 0, why[0] == '\0');
    return rc;
}

START_TEST(test_own_names)
{
    static const char *const ok[] = {
        "localhost",      "localhost:8443", "LOCALHOST:1",   "localhost.:8443",
        "127.0.0.1:8443", "[::1]:8443",     "[::1]",         "::1",
        "zapi-mock:8443", "ci.example.org", "10.1.2.3:8443", "[fd00::5]:8443"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        ck_assert_msg(check(ok[i], NULL, NULL, 1, 0) == 0, "%s refused", ok[i]);
    static const char *const bad[] = {"attacker.example", "attacker.example:8443",
                                      "0.0.0.0:9443",     "localhost.attacker.example",
                                      "127.0.0.2",        "[::]:8443",
                                      "zapi-mock.evil",   ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(check(bad[i], NULL, NULL, 1, 0) == -1, "%s accepted", bad[i]);
    /* No Host at all (HTTP/1.0) is not a browser; with an admin token any Host goes. */
    ck_assert_int_eq(check(NULL, NULL, NULL, 1, 0), 0);
    ck_assert_int_eq(check("attacker.example", NULL, NULL, 0, 0), 0);
}
END_TEST

START_TEST(test_origin_on_changes)
{
    ck_assert_int_eq(check("localhost:8443", "https://localhost:8443", NULL, 1, 1), 0);
    ck_assert_int_eq(check("localhost:8443", "HTTPS://LOCALHOST:8443", "same-origin", 1, 1), 0);
    ck_assert_int_eq(check("localhost:8443", NULL, NULL, 1, 1), 0); /* curl */
    ck_assert_int_eq(check("localhost:8443", NULL, "none", 1, 1), 0);
    static const char *const bad[] = {"https://attacker.example", "null",
                                      "http://localhost:8443",    "https://localhost:8444",
                                      "https://127.0.0.1:8443",   "https://localhost:8443/",
                                      "https://localhost",        ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(check("localhost:8443", bad[i], NULL, 1, 1) == -1, "%s accepted", bad[i]);
    ck_assert_int_eq(check("localhost:8443", NULL, "cross-site", 1, 1), -1);
    ck_assert_int_eq(check("localhost:8443", NULL, "same-site", 1, 1), -1);
    ck_assert_int_eq(check(NULL, "https://localhost:8443", NULL, 1, 1), -1);
    /* With a token the Origin rule still holds. */
    ck_assert_int_eq(check("anything:1", "https://attacker.example", NULL, 0, 1), -1);
    ck_assert_int_eq(check("anything:1", "https://anything:1", NULL, 0, 1), 0);
    /* Reads are not refused for their Origin (the answer is not readable cross-site). */
    ck_assert_int_eq(check("localhost:8443", "https://attacker.example", "cross-site", 1, 0), 0);
}
END_TEST

START_TEST(test_plain_http_origin)
{
    admin_guard_init(&g, 0, NULL, NULL, 0, store, sizeof(store));
    ck_assert_int_eq(check("localhost:8080", "http://localhost:8080", NULL, 1, 1), 0);
    ck_assert_int_eq(check("localhost:8080", "https://localhost:8080", NULL, 1, 1), -1);
}
END_TEST

START_TEST(test_reason_is_printable)
{
    char why[256];
    ck_assert_int_eq(admin_guard_check(&g, "evil\x01\x7f\xff", NULL, NULL, 1, 0, why, sizeof(why)),
                     -1);
    for (const char *p = why; *p; p++)
        ck_assert_msg(*p >= 0x20 && *p < 0x7f, "unprintable byte in %s", why);
    ck_assert_ptr_nonnull(strstr(why, "evil???"));
}
END_TEST

START_TEST(test_names_capacity)
{
    char small[24];
    admin_guard_init(&g, 1, "a-very-long-name-that-does-not-fit", NULL, 0, small, sizeof(small));
    ck_assert_uint_eq(g.nnames, 3);
    ck_assert_int_eq(check("localhost", NULL, NULL, 1, 0), 0);
}
END_TEST

static Suite *
guard_suite(void)
{
    Suite *s = suite_create("admin_guard");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_own_names);
    tcase_add_test(tc, test_origin_on_changes);
    tcase_add_test(tc, test_plain_http_origin);
    tcase_add_test(tc, test_reason_is_printable);
    tcase_add_test(tc, test_names_capacity);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(guard_suite());
}
