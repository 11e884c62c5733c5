/* Unit tests for log_escape: values from the network made safe for a quoted log field. */
#include "log.h"

#include <check.h>
#include <string.h>

#include "support.h"

static const char *
esc(const char *s, size_t len, size_t max)
{
    static char out[512];
    return log_escape(s, len, max, out, sizeof(out));
}

START_TEST(test_plain_text_is_kept)
{
    ck_assert_str_eq(esc("/zapi/?a=b&c=d", 14, 64), "/zapi/?a=b&c=d");
    ck_assert_str_eq(esc("", 0, 64), "");
}
END_TEST

START_TEST(test_quotes_backslashes_and_controls)
{
    /* Regression (issue 12): a tab could start a fake field, a quote end the real one. */
    const char in[] = "/x\"\tmethod=zapiPing\tstatus=200\\\r\n\f\x01\x7f";
    ck_assert_str_eq(esc(in, sizeof(in) - 1, 64),
                     "/x\\\"\\tmethod=zapiPing\\tstatus=200\\\\\\r\\n\\x0c\\x01\\x7f");
    ck_assert_str_eq(esc("a\0b", 3, 64), "a\\x00b");
}
END_TEST

START_TEST(test_utf8_kept_invalid_bytes_escaped)
{
    ck_assert_str_eq(esc("caf\xc3\xa9 \xe2\x82\xac", 9, 64), "caf\xc3\xa9 \xe2\x82\xac");
    /* Ill-formed: a lone continuation, an overlong '/', a surrogate, a cut sequence. */
    ck_assert_str_eq(esc("\x80\xc0\xaf\xed\xa0\x80\xe2\x82", 8, 64),
                     "\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82");
    /* C1 controls (NEL among them) break lines for some readers. */
    ck_assert_str_eq(esc("a\xc2\x85z", 4, 64), "a\\xc2\\x85z");
}
END_TEST

START_TEST(test_cut_at_max_and_at_the_buffer)
{
    ck_assert_str_eq(esc("abcdefgh", 8, 4), "abcd...");
    /* A character the cut splits is not kept half: its bytes are escaped. */
    ck_assert_str_eq(esc("ab\xc3\xa9", 4, 3), "ab\\xc3...");
    char small[8];
    ck_assert_str_eq(log_escape("\t\t\t\t\t", 5, 64, small, sizeof(small)), "\\t\\t...");
    ck_assert_str_eq(log_escape("abc", 3, 64, small, sizeof(small)), "abc");
    char tiny[1];
    ck_assert_str_eq(log_escape("abc", 3, 64, tiny, sizeof(tiny)), "");
    /* The documented size always holds max bytes escaped. */
    char full[8 * LOG_ESCAPE_GROWTH + 4];
    ck_assert_str_eq(log_escape("\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9, 8, full, sizeof(full)),
                     "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff...");
}
END_TEST

static Suite *
log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("escape");
    tcase_add_test(tc, test_plain_text_is_kept);
    tcase_add_test(tc, test_quotes_backslashes_and_controls);
    tcase_add_test(tc, test_utf8_kept_invalid_bytes_escaped);
    tcase_add_test(tc, test_cut_at_max_and_at_the_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(log_suite());
}
