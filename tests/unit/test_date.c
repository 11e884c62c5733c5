/* Unit tests for date: strict YYYY-MM-DD parsing (leap years, impossible days), formatting,
 * weekdays, month-days and times of day, all as pure arithmetic on day numbers. */
#include "date.h"

#include <check.h>
#include <string.h>

#include "support.h"

static long
day_of(const char *s)
{
    long d = -1;
    ck_assert_msg(date_parse(s, &d) == 0, "date_parse(\"%s\") failed", s);
    return d;
}

START_TEST(test_parse_known_days)
{
    ck_assert_int_eq(day_of("1970-01-01"), 0);
    ck_assert_int_eq(day_of("1970-01-02"), 1);
    ck_assert_int_eq(day_of("1969-12-31"), -1);
    ck_assert_int_eq(day_of("2000-03-01"), 11017);
    ck_assert_int_eq(day_of("2024-06-01"), 19875);
    /* Consecutive across month and year ends. */
    ck_assert_int_eq(day_of("2024-01-01") - day_of("2023-12-31"), 1);
    ck_assert_int_eq(day_of("2024-03-01") - day_of("2024-02-29"), 1);
    ck_assert_int_eq(day_of("2025-01-01") - day_of("2024-01-01"), 366);
    ck_assert_int_eq(day_of("2026-01-01") - day_of("2025-01-01"), 365);
}
END_TEST

START_TEST(test_parse_strict)
{
    static const char *const bad[] = {
        "",           "2024-6-01",   "2024-06-1",   "24-06-01",
        "2024/06/01", "2024-06-01 ", " 2024-06-01", "2024-06-01T00:00:00",
        "2024-13-01", "2024-00-10",  "2024-06-00",  "2024-06-31",
        "2024-04-31", "2023-02-29",  "1900-02-29",  "2100-02-29",
        "abcd-ef-gh", "2024-0a-01",  "+024-06-01",  "1899-12-31",
        "2024-06--1", "2024--6-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long d = 12345;
        ck_assert_msg(date_parse(bad[i], &d) == -1, "date_parse(\"%s\") accepted", bad[i]);
        ck_assert_int_eq(d, 12345); /* untouched on failure */
    }
    long d;
    ck_assert_int_eq(date_parse(NULL, &d), -1);
}
END_TEST

START_TEST(test_leap_years)
{
    long d;
    ck_assert_int_eq(date_parse("2024-02-29", &d), 0); /* divisible by 4 */
    ck_assert_int_eq(date_parse("2000-02-29", &d), 0); /* by 400 */
    ck_assert_int_eq(date_parse("2023-02-29", &d), -1);
    ck_assert_int_eq(date_parse("1900-02-29", &d), -1); /* by 100, not 400 */
    ck_assert_int_eq(date_parse("2024-02-30", &d), -1);
    ck_assert_int_eq(date_month_day(day_of("2024-02-29")), 229);
    ck_assert_int_eq(date_month_day(day_of("2024-02-29") + 1), 301);
    ck_assert_int_eq(date_month_day(day_of("2023-02-28") + 1), 301);
}
END_TEST

START_TEST(test_format_round_trip)
{
    char out[DATE_TEXT];
    date_format(0, out);
    ck_assert_str_eq(out, "1970-01-01");
    date_format(-1, out);
    ck_assert_str_eq(out, "1969-12-31");
    date_format(19875, out);
    ck_assert_str_eq(out, "2024-06-01");
    /* Every day of 1999..2101 survives format then parse. */
    for (long d = day_of("1999-01-01"); d <= day_of("2101-12-31"); d++) {
        long back = -1;
        date_format(d, out);
        ck_assert_int_eq(strlen(out), 10);
        ck_assert_msg(date_parse(out, &back) == 0 && back == d, "%ld -> %s -> %ld", d, out, back);
    }
}
END_TEST

START_TEST(test_from_time)
{
    ck_assert_int_eq(date_from_time(0), 0);
    ck_assert_int_eq(date_from_time(86399), 0);
    ck_assert_int_eq(date_from_time(86400), 1);
    ck_assert_int_eq(date_from_time(-1), -1); /* 1969-12-31 23:59:59 */
    ck_assert_int_eq(date_from_time(-86400), -1);
    ck_assert_int_eq(date_from_time(-86401), -2);
    ck_assert_int_eq(date_from_time((time_t)1717243200), day_of("2024-06-01"));
}
END_TEST

START_TEST(test_weekday)
{
    ck_assert_int_eq(date_weekday(0), 3);                    /* 1970-01-01 was a Thursday */
    ck_assert_int_eq(date_weekday(-1), 2);                   /* Wednesday */
    ck_assert_int_eq(date_weekday(-4), 6);                   /* Sunday */
    ck_assert_int_eq(date_weekday(day_of("2024-06-01")), 5); /* Saturday */
    ck_assert_int_eq(date_weekday(day_of("2024-06-03")), 0); /* Monday */
    ck_assert_int_eq(date_weekday(day_of("2026-11-30")), 0); /* Monday */
    ck_assert_int_eq(date_weekday(day_of("2000-01-01")), 5); /* Saturday */
    for (long d = -30; d < 30; d++) {
        int w = date_weekday(d);
        ck_assert(w >= 0 && w <= 6);
        ck_assert_int_eq(date_weekday(d + 7), w);
        ck_assert_int_eq(date_weekday(d + 1), (w + 1) % 7);
    }
}
END_TEST

START_TEST(test_month_day)
{
    ck_assert_int_eq(date_month_day(day_of("2024-12-31")), 1231);
    ck_assert_int_eq(date_month_day(day_of("2025-01-01")), 101);
    ck_assert_int_eq(date_month_day(day_of("2024-06-01")), 601);
    ck_assert_int_eq(date_month_day(0), 101);
}
END_TEST

START_TEST(test_times)
{
    int s = -1;
    ck_assert_int_eq(date_parse_time("00:00", &s), 0);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(date_parse_time("13:00:00", &s), 0);
    ck_assert_int_eq(s, 13 * 3600);
    ck_assert_int_eq(date_parse_time("23:59:59", &s), 0);
    ck_assert_int_eq(s, 86399);
    ck_assert_int_eq(date_parse_time("07:05", &s), 0);
    ck_assert_int_eq(s, 7 * 3600 + 5 * 60);
    static const char *const bad[] = {"24:00",     "12:60",   "12:00:60", "1:00", "12:0",
                                      "12-00",     "12:00:0", "12:00:",   "",     "aa:bb",
                                      "12:00:00 ", " 12:00",  "12:00am",  "-1:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = 777;
        ck_assert_msg(date_parse_time(bad[i], &s) == -1, "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(s, 777);
    }
    ck_assert_int_eq(date_parse_time(NULL, &s), -1);

    char out[9];
    date_format_time(0, out);
    ck_assert_str_eq(out, "00:00:00");
    date_format_time(13 * 3600 + 5 * 60 + 9, out);
    ck_assert_str_eq(out, "13:05:09");
    date_format_time(86399, out);
    ck_assert_str_eq(out, "23:59:59");
    for (int t = 0; t < 86400; t += 61) {
        int back = -1;
        date_format_time(t, out);
        ck_assert(date_parse_time(out, &back) == 0 && back == t);
    }
}
END_TEST

static Suite *
date_suite(void)
{
    Suite *s = suite_create("date");
    TCase *tc = tcase_create("date");
    tcase_add_test(tc, test_parse_known_days);
    tcase_add_test(tc, test_parse_strict);
    tcase_add_test(tc, test_leap_years);
    tcase_add_test(tc, test_format_round_trip);
    tcase_add_test(tc, test_from_time);
    tcase_add_test(tc, test_weekday);
    tcase_add_test(tc, test_month_day);
    tcase_add_test(tc, test_times);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(date_suite());
}
