/* Unit tests for registry: the repository's fixtures/registry.xml, lookups and fields, agent
 * expiry, and every load error on small files written at test time into a temporary directory. */
#include "registry.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "support.h"

static char tmpdir[] = "/tmp/zapi-registry-XXXXXX";

/* Writes content to tmpdir/name and returns the path (caller frees). */
static char *
write_file(const char *name, const char *content)
{
    char *path;
    ck_assert_int_eq(support_write_in(tmpdir, name, content, &path) == 0, 1);
    return path;
}

static struct registry *
load_repo_registry(void)
{
    struct buf path = BUF_INIT, err = BUF_INIT;
    buf_printf(&path, "%s/fixtures/registry.xml", support_source_dir());
    struct registry *reg = NULL;
    ck_assert_msg(registry_load(path.data, &reg, &err) == 0, "%s", err.data);
    ck_assert_ptr_nonnull(reg);
    ck_assert_ptr_null(err.data);
    buf_free(&path);
    return reg;
}

static struct registry *
load_ok(const char *name, const char *content)
{
    char *path = write_file(name, content);
    struct registry *reg = (struct registry *)1;
    struct buf err = BUF_INIT;
    ck_assert_msg(registry_load(path, &reg, &err) == 0, "%s", err.data);
    ck_assert_ptr_nonnull(reg);
    free(path);
    buf_free(&err);
    return reg;
}

/* Loads content, which must fail with an error starting "path:" + where and holding want.
 * Everything is freed before any assertion, so a failing check leaks nothing. */
static void
load_fails(const char *name, const char *content, const char *where, const char *want)
{
    char *path = write_file(name, content);
    struct registry *reg = (struct registry *)1;
    struct buf err = BUF_INIT;
    int rc = registry_load(path, &reg, &err);
    int reg_null = reg == NULL;
    if (rc == 0)
        registry_free(reg);
    char msg[1024], prefix[512];
    snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "(none)");
    snprintf(prefix, sizeof(prefix), "%s%s", path, where);
    int trailing_newline = err.len && err.data[err.len - 1] == '\n';
    buf_free(&err);
    free(path);
    ck_assert_int_eq(rc, -1);
    ck_assert(reg_null);
    ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0,
                  "error \"%s\" does not start with \"%s\"", msg, prefix);
    ck_assert_msg(strstr(msg, want) != NULL, "error \"%s\" lacks \"%s\"", msg, want);
    ck_assert(!trailing_newline);
}

static void
assert_partner_field(const struct partner *p, const char *name, const char *want)
{
    struct buf out = BUF_INIT;
    ck_assert_int_eq(registry_partner_field(p, name, &out), 0);
    ck_assert_str_eq(out.data ? out.data : "", want);
    buf_free(&out);
}

static void
assert_agent_field(const struct agent *a, const char *path, const char *want)
{
    struct buf out = BUF_INIT;
    ck_assert_msg(registry_agent_field(a, path, &out) == 0, "no field %s", path);
    ck_assert_str_eq(out.data ? out.data : "", want);
    buf_free(&out);
}

static void
assert_no_agent_field(const struct agent *a, const char *path)
{
    struct buf out = BUF_INIT;
    ck_assert_int_eq(registry_agent_field(a, path, &out), -1);
    ck_assert_uint_eq(out.len, 0);
    buf_free(&out);
}

/* ---- the repository's registry ---- */

START_TEST(test_repo_registry)
{
    struct registry *reg = load_repo_registry();
    ck_assert_uint_ge(registry_partner_count(reg), 1);
    ck_assert_uint_ge(registry_agent_count(reg), 2);

    const struct partner *p = registry_partner(reg, "ZAPI-DEMO-TOKEN");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->token, "ZAPI-DEMO-TOKEN");
    ck_assert_str_eq(p->account_id, "456");
    ck_assert_str_eq(p->user_id, "1240");
    ck_assert_str_eq(p->affiliate_username, "naddau");
    ck_assert_str_eq(p->organisation, "Zaui Demo Tours");
    ck_assert_uint_eq(p->throttle_limit, 0);
    ck_assert_double_eq(p->throttle_window, 0);
    ck_assert_int_gt(p->line, 1);

    const struct agent *a = registry_agent(reg, "naddau");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->username, "naddau");
    ck_assert_str_eq(a->password, "zaui-demo");
    ck_assert_str_eq(a->expiry_date, "2099-12-31");
    ck_assert_ptr_nonnull(a->details);
    ck_assert_int_gt(a->line, p->line);

    const struct agent *x = registry_agent(reg, "expired-agent");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->password, "expired-demo");
    ck_assert_str_eq(x->expiry_date, "2021-12-31");
    ck_assert_int_eq(registry_agent_expired(x, "2024-06-01"), 1);
    ck_assert_int_eq(registry_agent_expired(a, "2024-06-01"), 0);
    registry_free(reg);
}
END_TEST

START_TEST(test_lookups_miss)
{
    struct registry *reg = load_repo_registry();
    ck_assert_ptr_null(registry_partner(reg, "zapi-demo-token")); /* case matters */
    ck_assert_ptr_null(registry_partner(reg, "ZAPI-DEMO-TOKEN "));
    ck_assert_ptr_null(registry_partner(reg, "ZAPI-DEMO"));
    ck_assert_ptr_null(registry_partner(reg, ""));
    ck_assert_ptr_null(registry_agent(reg, "Naddau"));
    ck_assert_ptr_null(registry_agent(reg, "nobody"));
    ck_assert_ptr_null(registry_agent(reg, ""));
    ck_assert_ptr_null(registry_partner_at(reg, registry_partner_count(reg)));
    ck_assert_ptr_nonnull(registry_partner_at(reg, 0));
    registry_free(reg);
    registry_free(NULL);
}
END_TEST

START_TEST(test_partner_fields)
{
    struct registry *reg = load_repo_registry();
    const struct partner *p = registry_partner(reg, "ZAPI-DEMO-TOKEN");
    assert_partner_field(p, "token", "ZAPI-DEMO-TOKEN");
    assert_partner_field(p, "accountId", "456");
    assert_partner_field(p, "userId", "1240");
    assert_partner_field(p, "affiliateUsername", "naddau");
    assert_partner_field(p, "organisation", "Zaui Demo Tours");
    struct buf out = BUF_INIT;
    buf_append_str(&out, "keep");
    ck_assert_int_eq(registry_partner_field(p, "password", &out), -1);
    ck_assert_int_eq(registry_partner_field(p, "", &out), -1);
    ck_assert_int_eq(registry_partner_field(p, "Token", &out), -1);
    ck_assert_int_eq(registry_partner_field(p, "throttleLimit", &out), -1);
    ck_assert_str_eq(out.data, "keep");
    ck_assert_int_eq(registry_partner_field(p, "token", &out), 0); /* appended */
    ck_assert_str_eq(out.data, "keepZAPI-DEMO-TOKEN");
    buf_free(&out);
    registry_free(reg);
}
END_TEST

START_TEST(test_agent_fields)
{
    struct registry *reg = load_repo_registry();
    const struct agent *a = registry_agent(reg, "naddau");
    assert_agent_field(a, "agentID", "1240");
    assert_agent_field(a, "agentHashKey", "79dc5307ebf032b8705edffe1a47928cb8dafa5f");
    assert_agent_field(a, "accountId", "456");
    assert_agent_field(a, "expiryDate", "2099-12-31");
    assert_agent_field(a, "username", "naddau");
    assert_agent_field(a, "firstName", "Nad");
    assert_agent_field(a, "lastName", "Dau");
    assert_agent_field(a, "gender", ""); /* present and empty: found, "" */
    assert_agent_field(a, "email", "support@zaui.com");
    assert_agent_field(a, "addressLine1", "119 W Pender St Suite 423");
    assert_agent_field(a, "city", "Vancouver");
    assert_agent_field(a, "birthDate", "N/A");
    assert_agent_field(a, "dateCreated", "2021-11-23 12:26:51");
    assert_agent_field(a, "relatedBookings.totalPurchases", "$0.00");
    assert_agent_field(a, "relatedBookings.totalNumberOfBookings", "0");
    assert_agent_field(a, "relatedBookings.mostRecentBookingCount", "0");
    assert_no_agent_field(a, "password"); /* an attribute, not a field */
    assert_no_agent_field(a, "nothing");
    assert_no_agent_field(a, "relatedBookings.nothing");
    assert_no_agent_field(a, "relatedBookings.totalPurchases.deeper");
    assert_no_agent_field(a, "relatedBookings..totalPurchases");
    assert_no_agent_field(a, ".firstName");
    assert_no_agent_field(a, "FirstName");
    char longname[200];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_no_agent_field(a, longname);

    const struct agent *x = registry_agent(reg, "expired-agent");
    assert_agent_field(x, "firstName", "Ex");
    assert_no_agent_field(x, "gender"); /* this one has no such element */
    assert_no_agent_field(x, "relatedBookings.totalPurchases");
    registry_free(reg);
}
END_TEST

/* ---- expiry ---- */

START_TEST(test_agent_expired)
{
    struct registry *reg = load_ok("expiry.xml", "<registry>\n"
                                                 "<agent password=\"p\"><username>d</username>"
                                                 "<expiryDate>2021-12-31</expiryDate></agent>\n"
                                                 "<agent password=\"p\"><username>empty</username>"
                                                 "<expiryDate></expiryDate></agent>\n"
                                                 "<agent password=\"p\"><username>none</username>"
                                                 "</agent>\n"
                                                 "<agent password=\"p\"><username>na</username>"
                                                 "<expiryDate>N/A</expiryDate></agent>\n"
                                                 "<agent password=\"p\"><username>zero</username>"
                                                 "<expiryDate>0000-00-00</expiryDate></agent>\n"
                                                 "<agent password=\"p\"><username>spaced</username>"
                                                 "<expiryDate>\n  2021-12-31  \n</expiryDate>"
                                                 "</agent>\n"
                                                 "<agent password=\"p\"><username>time</username>"
                                                 "<expiryDate>2021-12-31 23:59:59</expiryDate>"
                                                 "</agent>\n"
                                                 "</registry>\n");
    const struct agent *d = registry_agent(reg, "d");
    ck_assert_int_eq(registry_agent_expired(d, "2021-12-30"), 0); /* before */
    ck_assert_int_eq(registry_agent_expired(d, "2021-12-31"), 0); /* the last valid day */
    ck_assert_int_eq(registry_agent_expired(d, "2022-01-01"), 1); /* after */
    ck_assert_int_eq(registry_agent_expired(d, "2099-01-01"), 1);
    ck_assert_int_eq(registry_agent_expired(d, "2020-06-15"), 0);

    const char *never[] = {"empty", "none", "na", "zero"};
    for (size_t i = 0; i < 4; i++) {
        const struct agent *a = registry_agent(reg, never[i]);
        ck_assert_ptr_nonnull(a);
        ck_assert_int_eq(registry_agent_expired(a, "2099-12-31"), 0);
        ck_assert_int_eq(registry_agent_expired(a, "9999-12-31"), 0);
    }
    ck_assert_str_eq(registry_agent(reg, "none")->expiry_date, "");
    ck_assert_str_eq(registry_agent(reg, "empty")->expiry_date, "");
    /* The date is trimmed like every value. */
    const struct agent *s = registry_agent(reg, "spaced");
    ck_assert_str_eq(s->expiry_date, "2021-12-31");
    ck_assert_int_eq(registry_agent_expired(s, "2022-01-01"), 1);
    ck_assert_int_eq(registry_agent_expired(s, "2021-12-31"), 0);
    /* A date with a time counts by its date. */
    const struct agent *t = registry_agent(reg, "time");
    ck_assert_int_eq(registry_agent_expired(t, "2021-12-31"), 0);
    ck_assert_int_eq(registry_agent_expired(t, "2022-01-01"), 1);
    registry_free(reg);
}
END_TEST

/* ---- small registries ---- */

START_TEST(test_attributes_trimmed_and_optional)
{
    struct registry *reg =
        load_ok("trim.xml", "<registry>"
                            "<partner token=\"  T1 \" accountId=\" 7\" userId=\"8 \"/>"
                            "<partner token=\"T2\" accountId=\"1\" userId=\"2\" "
                            "throttleLimit=\"1000000\" throttleWindow=\"0.5\"/>"
                            "<partner token=\"T3\" accountId=\"1\" userId=\"2\" "
                            "throttleLimit=\"\" throttleWindow=\"86400\"/>"
                            "</registry>");
    ck_assert_uint_eq(registry_partner_count(reg), 3);
    ck_assert_uint_eq(registry_agent_count(reg), 0);
    const struct partner *p = registry_partner(reg, "T1");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->account_id, "7");
    ck_assert_str_eq(p->user_id, "8");
    ck_assert_str_eq(p->affiliate_username, "");
    ck_assert_str_eq(p->organisation, "");
    assert_partner_field(p, "affiliateUsername", "");
    ck_assert_uint_eq(p->throttle_limit, 0);
    const struct partner *p2 = registry_partner(reg, "T2");
    ck_assert_uint_eq(p2->throttle_limit, 1000000);
    ck_assert_double_eq(p2->throttle_window, 0.5);
    const struct partner *p3 = registry_partner(reg, "T3");
    ck_assert_uint_eq(p3->throttle_limit, 0);
    ck_assert_double_eq(p3->throttle_window, 86400);
    /* registry_partner_at walks them in token order. */
    ck_assert_str_eq(registry_partner_at(reg, 0)->token, "T1");
    ck_assert_str_eq(registry_partner_at(reg, 1)->token, "T2");
    ck_assert_str_eq(registry_partner_at(reg, 2)->token, "T3");
    registry_free(reg);

    /* An empty registry is valid. */
    reg = load_ok("empty-registry.xml", "<?xml version=\"1.0\"?>\n<registry/>\n");
    ck_assert_uint_eq(registry_partner_count(reg), 0);
    ck_assert_ptr_null(registry_partner(reg, "x"));
    ck_assert_ptr_null(registry_agent(reg, "x"));
    ck_assert_ptr_null(registry_partner_at(reg, 0));
    registry_free(reg);
}
END_TEST

START_TEST(test_error_not_well_formed)
{
    load_fails("nwf.xml",
               "<?xml version=\"1.0\"?>\n<registry>\n\n"
               "  <partner token=a accountId=\"1\" userId=\"2\"/>\n"
               "</registry>\n",
               ":4:", "AttValue");
    load_fails("nwf2.xml", "<registry>\n\n\n  <partner token=\"a></registry>", ":", "");
    load_fails("empty.xml", "", ":", "");

    struct registry *reg = (struct registry *)1;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(registry_load("/nonexistent/zapi/registry.xml", &reg, &err), -1);
    ck_assert_ptr_null(reg);
    ck_assert_str_eq(err.data, "/nonexistent/zapi/registry.xml: cannot open: No such file or "
                               "directory");
    buf_free(&err);
}
END_TEST

START_TEST(test_error_first_not_last)
{
    /* Regression (fixed): xmlfile_read reports libxml2's last error (xmlCtxtGetLastError), and
     * libxml2 goes on after a tag mismatch, so this file is reported as ":5: Premature end of data
     * in tag registry line 1" at the end of the file instead of the real mistake,
     * ":3: Opening and ending tag mismatch: partner line 2 and registry". Expected: the first
     * error. (envelope_parse has the same problem for requests.) */
    load_fails("nwf-first.xml",
               "<registry>\n"
               "  <partner token=\"a\" accountId=\"1\" userId=\"2\">\n"
               "</registry>\n\n",
               ":3:", "Opening and ending tag mismatch");
}
END_TEST

START_TEST(test_error_wrong_root)
{
    load_fails("root.xml", "<?xml version=\"1.0\"?>\n<!-- c -->\n<partners/>\n",
               ":3:", "the root element must be <registry>");
    load_fails("root2.xml",
               "<response><partner token=\"a\" accountId=\"1\" userId=\"2\"/>"
               "</response>",
               ":1:", "must be <registry>");
}
END_TEST

START_TEST(test_error_unknown_element)
{
    load_fails("elem.xml",
               "<registry>\n"
               "  <partner token=\"a\" accountId=\"1\" userId=\"2\"/>\n"
               "  <user name=\"x\"/>\n"
               "</registry>\n",
               ":3:", "unknown element <user> (expected <partner> or <agent>)");
}
END_TEST

START_TEST(test_error_unknown_attribute)
{
    load_fails("attr.xml",
               "<registry>\n\n"
               "  <partner token=\"a\" accountId=\"1\" userId=\"2\" tokn=\"b\"/>\n"
               "</registry>\n",
               ":3:", "<partner> has an unknown attribute \"tokn\"");
    load_fails("attr2.xml",
               "<registry>\n"
               "  <agent password=\"p\" username=\"u\"><username>u</username></agent>\n"
               "</registry>\n",
               ":2:", "<agent> has an unknown attribute \"username\"");
    /* Attribute names are case-sensitive. */
    load_fails("attr3.xml",
               "<registry><partner Token=\"a\" accountId=\"1\" userId=\"2\"/></registry>",
               ":1:", "unknown attribute \"Token\"");
}
END_TEST

START_TEST(test_error_missing_required)
{
    load_fails("m1.xml", "<registry>\n<partner accountId=\"1\" userId=\"2\"/></registry>",
               ":2:", "<partner> needs a non-empty token attribute");
    load_fails("m2.xml", "<registry>\n\n<partner token=\"t\" userId=\"2\"/></registry>",
               ":3:", "needs a non-empty accountId attribute");
    load_fails("m3.xml", "<registry><partner token=\"t\" accountId=\"1\"/></registry>",
               ":1:", "needs a non-empty userId attribute");
    load_fails("m4.xml", "<registry><partner token=\"\" accountId=\"1\" userId=\"2\"/></registry>",
               ":1:", "non-empty token");
    load_fails("m5.xml",
               "<registry><partner token=\" \t \" accountId=\"1\" userId=\"2\"/></registry>",
               ":1:", "non-empty token");
    load_fails("m6.xml", "<registry><partner token=\"t\" accountId=\"1\" userId=\"\"/></registry>",
               ":1:", "non-empty userId");
}
END_TEST

START_TEST(test_error_long_token)
{
    struct buf xml = BUF_INIT, tok = BUF_INIT;
    for (int i = 0; i < REGISTRY_MAX_TOKEN; i++)
        buf_append(&tok, "t", 1);
    buf_printf(&xml, "<registry><partner token=\"%s\" accountId=\"1\" userId=\"2\"/></registry>",
               tok.data);
    struct registry *reg = load_ok("longtok.xml", xml.data); /* exactly the limit */
    ck_assert_ptr_nonnull(registry_partner(reg, tok.data));
    registry_free(reg);
    buf_append(&tok, "t", 1);
    buf_clear(&xml);
    buf_printf(&xml, "<registry>\n<partner token=\"%s\" accountId=\"1\" userId=\"2\"/></registry>",
               tok.data);
    load_fails("longtok2.xml", xml.data, ":2:", "token longer than 200 characters");
    buf_free(&xml);
    buf_free(&tok);
}
END_TEST

START_TEST(test_error_agent)
{
    load_fails("a1.xml", "<registry>\n<agent><username>u</username></agent>\n</registry>",
               ":2:", "<agent> needs a password attribute");
    load_fails("a2.xml",
               "<registry>\n\n<agent password=\"p\"><firstName>F</firstName></agent>"
               "</registry>",
               ":3:", "<agent> needs a non-empty <username> child");
    load_fails("a3.xml",
               "<registry><agent password=\"p\"><username>  </username></agent>"
               "</registry>",
               ":1:", "non-empty <username>");
    /* An empty password is allowed (and must then be sent empty). */
    struct registry *reg = load_ok("a4.xml", "<registry><agent password=\"\"><username>u</username>"
                                             "</agent></registry>");
    ck_assert_str_eq(registry_agent(reg, "u")->password, "");
    registry_free(reg);
}
END_TEST

START_TEST(test_error_duplicate_token)
{
    char *path =
        write_file("dup.xml", "<registry>\n"
                              "  <partner token=\"SAME\" accountId=\"1\" userId=\"2\"/>\n"
                              "  <partner token=\"other\" accountId=\"1\" userId=\"2\"/>\n"
                              "  <partner token=\" SAME \" accountId=\"3\" userId=\"4\"/>\n"
                              "</registry>\n");
    struct registry *reg = NULL;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(registry_load(path, &reg, &err), -1);
    ck_assert_ptr_null(reg);
    ck_assert_ptr_nonnull(strstr(err.data, "token \"SAME\" is already used"));
    /* Both lines named: the second occurrence (4) is the error, pointing at the first (2). */
    struct buf want = BUF_INIT;
    buf_printf(&want, "%s:4: token \"SAME\" is already used by the partner on line 2", path);
    ck_assert_str_eq(err.data, want.data);
    buf_free(&want);
    buf_free(&err);
    free(path);
}
END_TEST

START_TEST(test_error_duplicate_agent)
{
    load_fails("dupagent.xml",
               "<registry>\n"
               "  <agent password=\"a\"><username>u</username></agent>\n"
               "  <agent password=\"b\"><username>\n u \n</username></agent>\n"
               "</registry>\n",
               ":3:", "agent username \"u\" is already used on line 2");
}
END_TEST

START_TEST(test_error_throttle_attributes)
{
    const char *bad_limits[] = {"abc", "-1", "1000001", "1.5", "10x", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
        struct buf xml = BUF_INIT, want = BUF_INIT;
        buf_printf(&xml,
                   "<registry>\n<partner token=\"t\" accountId=\"1\" userId=\"2\" "
                   "throttleLimit=\"%s\"/></registry>",
                   bad_limits[i]);
        buf_printf(&want, "throttleLimit \"%s\" is not a whole number up to 1000000",
                   bad_limits[i]);
        load_fails("limit.xml", xml.data, ":2:", want.data);
        buf_free(&xml);
        buf_free(&want);
    }
    const char *bad_windows[] = {"0", "-5", "86401", "abc", "1s", "inf", "1e9"};
    for (size_t i = 0; i < sizeof(bad_windows) / sizeof(bad_windows[0]); i++) {
        struct buf xml = BUF_INIT, want = BUF_INIT;
        buf_printf(&xml,
                   "<registry>\n\n<partner token=\"t\" accountId=\"1\" userId=\"2\" "
                   "throttleWindow=\"%s\"/></registry>",
                   bad_windows[i]);
        buf_printf(&want, "throttleWindow \"%s\" is not a number of seconds in (0, 86400]",
                   bad_windows[i]);
        load_fails("window.xml", xml.data, ":3:", want.data);
        buf_free(&xml);
        buf_free(&want);
    }
}
END_TEST

START_TEST(test_error_throttle_window_nan)
{
    /* Regression (fixed): strtod accepts "nan", and NaN fails both "<= 0" and "> 86400", so
     * throttleWindow="nan" loads as a NaN window instead of being refused like the other
     * values outside (0, 86400]. */
    load_fails("nan.xml",
               "<registry><partner token=\"t\" accountId=\"1\" userId=\"2\" "
               "throttleWindow=\"nan\"/></registry>",
               ":1:", "throttleWindow \"nan\" is not a number of seconds");
}
END_TEST

START_TEST(test_many_partners)
{
    struct buf xml = BUF_INIT;
    buf_append_str(&xml, "<registry>\n");
    for (int i = 999; i >= 0; i--) /* written in reverse order */
        buf_printf(&xml, "<partner token=\"tok-%04d\" accountId=\"%d\" userId=\"u%d\"/>\n", i, i,
                   i);
    for (int i = 0; i < 100; i++)
        buf_printf(&xml, "<agent password=\"p%d\"><username>agent%03d</username></agent>\n", i, i);
    buf_append_str(&xml, "</registry>\n");
    struct registry *reg = load_ok("many.xml", xml.data);
    buf_free(&xml);
    ck_assert_uint_eq(registry_partner_count(reg), 1000);
    ck_assert_uint_eq(registry_agent_count(reg), 100);
    for (int i = 0; i < 1000; i++) {
        char tok[32], acc[16];
        snprintf(tok, sizeof(tok), "tok-%04d", i);
        snprintf(acc, sizeof(acc), "%d", i);
        const struct partner *p = registry_partner(reg, tok);
        ck_assert_msg(p != NULL, "%s not found", tok);
        ck_assert_str_eq(p->token, tok);
        ck_assert_str_eq(p->account_id, acc);
        ck_assert_int_eq(p->line, 2 + (999 - i));
        ck_assert_ptr_eq(registry_partner_at(reg, (size_t)i), p);
    }
    ck_assert_ptr_null(registry_partner(reg, "tok-1000"));
    ck_assert_ptr_null(registry_partner(reg, "tok-"));
    for (int i = 0; i < 100; i++) {
        char name[32], pw[16];
        snprintf(name, sizeof(name), "agent%03d", i);
        snprintf(pw, sizeof(pw), "p%d", i);
        const struct agent *a = registry_agent(reg, name);
        ck_assert_ptr_nonnull(a);
        ck_assert_str_eq(a->password, pw);
    }
    registry_free(reg);
}
END_TEST

START_TEST(test_many_partners_duplicate_last)
{
    struct buf xml = BUF_INIT;
    buf_append_str(&xml, "<registry>\n");
    for (int i = 0; i < 1000; i++)
        buf_printf(&xml, "<partner token=\"tok-%04d\" accountId=\"1\" userId=\"2\"/>\n", i);
    buf_append_str(&xml, "<partner token=\"tok-0500\" accountId=\"1\" userId=\"2\"/>\n");
    buf_append_str(&xml, "</registry>\n");
    load_fails("manydup.xml", xml.data,
               ":1002:", "token \"tok-0500\" is already used by the partner on line 502");
    buf_free(&xml);
}
END_TEST

static Suite *
registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("repo");
    tcase_add_test(tc, test_repo_registry);
    tcase_add_test(tc, test_lookups_miss);
    tcase_add_test(tc, test_partner_fields);
    tcase_add_test(tc, test_agent_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_test(tc, test_agent_expired);
    tcase_add_test(tc, test_attributes_trimmed_and_optional);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_error_not_well_formed);
    tcase_add_test(tc, test_error_wrong_root);
    tcase_add_test(tc, test_error_unknown_element);
    tcase_add_test(tc, test_error_unknown_attribute);
    tcase_add_test(tc, test_error_missing_required);
    tcase_add_test(tc, test_error_long_token);
    tcase_add_test(tc, test_error_agent);
    tcase_add_test(tc, test_error_duplicate_token);
    tcase_add_test(tc, test_error_duplicate_agent);
    tcase_add_test(tc, test_error_throttle_attributes);
    suite_add_tcase(s, tc);

    tc = tcase_create("scale");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_many_partners);
    tcase_add_test(tc, test_many_partners_duplicate_last);
    suite_add_tcase(s, tc);

    /* Regressions: behaviour the server got wrong until these tests found it. */
    tc = tcase_create("regressions");
    tcase_set_tags(tc, "regression");
    tcase_add_test(tc, test_error_first_not_last);
    tcase_add_test(tc, test_error_throttle_window_nan);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    int rc = support_run(registry_suite());
    support_remove_tree(tmpdir);
    xmlCleanupParser();
    return rc;
}
