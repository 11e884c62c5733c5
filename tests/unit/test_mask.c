/* Unit tests for mask: secret names, masking parsed trees (XML and JSON), request bodies as the
 * journal keeps them (the forms issue 12 found slipping past a textual scanner), and the textual
 * scanner used for bodies that do not parse. */
#include "mask.h"

#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "support.h"

/* ---- names ---- */

START_TEST(test_secret_names)
{
    static const char *const secret[] = {"password",
                                         "zapiPassword",
                                         "newPassword",
                                         "PASSWORD",
                                         "z:password",
                                         "cardNumber",
                                         "creditCardNumber",
                                         "ccNumber",
                                         "csv",
                                         "cvv",
                                         "cvv2",
                                         "cvc",
                                         "securityCode",
                                         "pin",
                                         "track1",
                                         "track2",
                                         "trackData",
                                         "swipeData",
                                         "rawSwipeData",
                                         "giftCertificate",
                                         "giftCertificateCode"};
    static const char *const plain[] = {"passwordHint", "pass", "number",      "username", "pins",
                                        "tracking",     "card", "certificate", "ping",     ""};
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
        ck_assert_msg(mask_is_secret(NULL, secret[i], strlen(secret[i])), "%s", secret[i]);
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        ck_assert_msg(!mask_is_secret(NULL, plain[i], strlen(plain[i])), "%s", plain[i]);
    /* ZAPI's card element makes its number a secret, and only there. */
    ck_assert(mask_is_secret("creditCardDetails", "number", 6));
    ck_assert(mask_is_secret("z:CreditCardDetails", "Number", 6));
    ck_assert(!mask_is_secret("guests", "number", 6));
}
END_TEST

START_TEST(test_mask_field)
{
    char v[] = "4111111111111111";
    ck_assert_int_eq(mask_field("creditCardDetails", "number", v, strlen(v)), 1);
    ck_assert_str_eq(v, "****************");
    char w[] = "bob";
    ck_assert_int_eq(mask_field(NULL, "username", w, strlen(w)), 0);
    ck_assert_str_eq(w, "bob");
}
END_TEST

/* ---- trees ---- */

START_TEST(test_mask_xml_tree)
{
    const char *xml = "<request><zapiMethod><username a=\"1\">bob</username>"
                      "<password>zaui<b k=\"v\">-demo</b><!-- zaui-demo --></password>"
                      "<creditCardDetails number=\"4111\"><number>4111111111111111</number>"
                      "<csv>123</csv><expiry>12/30</expiry></creditCardDetails>"
                      "<guests><number>4</number></guests><giftCertificate>GC-1</giftCertificate>"
                      "</zapiMethod></request>";
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    ck_assert_ptr_nonnull(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    /* password: 2 texts, 1 attribute, 1 comment; card: attribute, number, csv; gift: 1. */
    ck_assert_uint_eq(mask_xml_tree(root), 8);
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodeDump(b, doc, root, 0, 0);
    ck_assert_str_eq((const char *)xmlBufferContent(b),
                     "<request><zapiMethod><username a=\"1\">bob</username>"
                     "<password>****<b k=\"*\">*****</b><!--***********--></password>"
                     "<creditCardDetails number=\"****\"><number>****************</number>"
                     "<csv>***</csv><expiry>12/30</expiry></creditCardDetails>"
                     "<guests><number>4</number></guests><giftCertificate>****</giftCertificate>"
                     "</zapiMethod></request>");
    xmlBufferFree(b);
    /* A subtree alone: its parent still decides for "number". */
    xmlNode *card = root->children->children->next->next;
    ck_assert_str_eq((const char *)card->name, "creditCardDetails");
    ck_assert_uint_eq(mask_xml_tree(card->children), 1);
    ck_assert_uint_eq(mask_xml_tree(NULL), 0);
    xmlFreeDoc(doc);
}
END_TEST

static char *
masked_json_text(const char *in, size_t expect_count)
{
    json_error_t err;
    json_t *v = json_loads(in, 0, &err);
    ck_assert_msg(v != NULL, "%s", err.text);
    ck_assert_uint_eq(mask_json_tree(v), expect_count);
    char *out = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return out;
}

START_TEST(test_mask_json_tree)
{
    char *out = masked_json_text(
        "{\"zapiMethod\":{\"password\":[\"zaui-demo\",{\"v\":\"x\"}],\"pin\":1234,"
        "\"cvv\":null,\"creditCardDetails\":[{\"number\":\"4111\",\"holder\":\"Ann\"}],"
        "\"guests\":{\"number\":4},\"trackData\":{\"track1\":\"%B4111\"}}}",
        5);
    ck_assert_str_eq(out, "{\"zapiMethod\":{\"password\":[\"*********\",{\"v\":\"*\"}],"
                          "\"pin\":\"****\",\"cvv\":null,\"creditCardDetails\":[{\"number\":"
                          "\"****\",\"holder\":\"Ann\"}],\"guests\":{\"number\":4},"
                          "\"trackData\":{\"track1\":\"******\"}}}");
    free(out);
    ck_assert_uint_eq(mask_json_tree(NULL), 0);
}
END_TEST

/* ---- bodies ---- */

/* mask_body of in: the text kept, the count and whether only a part was kept. */
static char *
body_of(const char *in, size_t len, int *count, int *partial)
{
    struct buf out = BUF_INIT;
    buf_append_str(&out, "");
    *count = mask_body(in, len, 1 << 20, &out, partial);
    return out.data;
}

static void
assert_body(const char *in, const char *want, int want_count, int want_partial)
{
    int count, partial;
    char *got = body_of(in, strlen(in), &count, &partial);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(count, want_count);
    ck_assert_int_eq(partial, want_partial);
    free(got);
}

/* Regression (issue 12): each of these authenticates the demo agent, and each showed the
 * password in clear in the journal. */
START_TEST(test_body_forms_the_server_accepts)
{
    assert_body("{\"zapiMethod\":{\"password\":[\"zaui-demo\"]}}",
                "{\"zapiMethod\":{\"password\":[\"*********\"]}}", 1, 0);
    assert_body("{\"zapiMethod\":{\"password\":{\"v\":\"zaui-demo\"}}}",
                "{\"zapiMethod\":{\"password\":{\"v\":\"*********\"}}}", 1, 0);
    assert_body("{\"zapiMethod\": {\"pass\\u0077ord\": \"zaui-demo\"}}",
                "{\"zapiMethod\":{\"password\":\"*********\"}}", 1, 0);
    /* UTF-7, the element name encoded: what libxml2 reads is <password>. */
    assert_body("<?xml version=\"1.0\" encoding=\"UTF-7\"?><request><+AHAAYQBzAHMAdwBvAHIAZA->"
                "zaui-demo</+AHAAYQBzAHMAdwBvAHIAZA-></request>",
                "<request><password>*********</password></request>\n", 1, 0);
    /* The same for card fields. */
    assert_body("{\"creditCardDetails\":{\"n\\u0075mber\":\"4111111111111111\",\"csv\":[123]}}",
                "{\"creditCardDetails\":{\"number\":\"****************\",\"csv\":[\"***\"]}}", 2,
                0);
    assert_body("<r><creditCardDetails><number>4111</number></creditCardDetails></r>",
                "<r><creditCardDetails><number>****</number></creditCardDetails></r>\n", 1, 0);
    /* Entities and CDATA are what the parser makes of them. */
    assert_body("<r><password>a&amp;<![CDATA[b]]>&#99;</password></r>",
                "<r><password>****</password></r>\n", 1, 0);
}
END_TEST

START_TEST(test_body_without_secrets_kept_as_sent)
{
    const char *ping = "<request>\n  <zapiToken>T</zapiToken><zapiMethod><methodName>zapiPing"
                       "</methodName></zapiMethod><shipping>x</shipping></request>";
    ck_assert_int_eq(mask_body_may_hold_secret(ping, strlen(ping)), 0);
    assert_body(ping, ping, 0, 0);
    const char *js = "{ \"zapiMethod\" : {\"methodName\":\"zapiPing\", \"note\": \"é\"} }";
    ck_assert_int_eq(mask_body_may_hold_secret(js, strlen(js)), 0);
    assert_body(js, js, 0, 0);
    const char *decl = "<?xml version='1.0' encoding='utf-8'?><a>\xff</a>";
    ck_assert_int_eq(mask_body_may_hold_secret(decl, strlen(decl)), 0);
    /* Anything that could hide a secret name takes the parsing path. */
    static const char *const maybe[] = {"<a><password>x</password></a>",
                                        "<a x:Pin=\"1\"/>",
                                        "{\"a\":\"\\u0070\"}",
                                        "<?xml version=\"1.0\" encoding=\"UTF-7\"?><a/>",
                                        "<!DOCTYPE a><a/>",
                                        "<creditCardDetails/>"};
    for (size_t i = 0; i < sizeof(maybe) / sizeof(maybe[0]); i++)
        ck_assert_msg(mask_body_may_hold_secret(maybe[i], strlen(maybe[i])), "%s", maybe[i]);
    ck_assert_int_eq(mask_body_may_hold_secret("<\0a\0/\0>\0", 8), 1); /* UTF-16 */
}
END_TEST

START_TEST(test_body_unparseable_kept_as_far_as_safe)
{
    /* Scanned as text: the value under a secret key, whole, even nested. */
    assert_body("{\"password\":[\"zaui-demo\",{\"a\":1}], \"x\": 2, oops",
                "{\"password\":[\"*********\",{\"*\":*}], \"x\": 2, oops", 3, 0);
    /* A backslash could escape a key: nothing from there on. */
    assert_body("{\"user\":\"bob\", \"pass\\u0077ord\":\"zaui-demo\", oops",
                "{\"user\":\"bob\", \"pass", 0, 1);
    /* Bytes that are not UTF-8 do not hide ASCII names from the scanner. */
    assert_body("<r><password>pw</password>\xff<pin>1</pin>",
                "<r><password>**</password>\xff<pin>*</pin>", 2, 0);
    /* An encoding the scanner cannot read: nothing. */
    assert_body("<?xml version=\"1.0\" encoding=\"UTF-7\"?><r><+AHAAYQ-", "", 0, 1);
    /* A DTD: not past it. */
    assert_body("<!DOCTYPE r [<!ENTITY p \"zaui-demo\">]><r><password>&p;</password></r>", "", 0,
                1);
    int count, partial;
    char *got = body_of("<password>a\0b</password>", 24, &count, &partial);
    ck_assert_str_eq(got, "<password>***</password>");
    ck_assert_int_eq(partial, 0);
    free(got);
    /* UTF-16 (NULs among the first bytes): nothing. */
    got = body_of("<\0p\0>\0", 6, &count, &partial);
    ck_assert_str_eq(got, "");
    ck_assert_int_eq(partial, 1);
    free(got);
    /* At most max bytes of what is scanned. */
    struct buf out = BUF_INIT;
    ck_assert_int_eq(mask_body("<r><password>secret</password>", 30, 16, &out, &partial), 1);
    ck_assert_str_eq(out.data, "<r><password>***");
    ck_assert_int_eq(partial, 1);
    buf_free(&out);
}
END_TEST

/* ---- the textual scanner, for bodies that do not parse ---- */

/* Masks a copy of in, compares it with want and the count of values masked with n. */
static void
assert_mask(const char *in, const char *want, size_t n)
{
    size_t len = strlen(in);
    char *buf = malloc(len + 1);
    memcpy(buf, in, len + 1);
    size_t got = mask_text(buf, len);
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(got, n);
    free(buf);
}

static void
assert_unmasked(const char *in)
{
    assert_mask(in, in, 0);
}

START_TEST(test_mask_xml_plain)
{
    assert_mask("<request><zapiToken>T</zapiToken><zapiPassword>s3cret!</zapiPassword>"
                "<user>bob</user></request>",
                "<request><zapiToken>T</zapiToken><zapiPassword>*******</zapiPassword>"
                "<user>bob</user></request>",
                1);
    assert_mask("<?xml version=\"1.0\"?>\n<pin>1234</pin>",
                "<?xml version=\"1.0\"?>\n<pin>****</pin>", 1);
    assert_mask("<password>a &amp; b</password>", "<password>*********</password>", 1);
    assert_mask("<password>\xC3\xA9t\xC3\xA9</password>", "<password>*****</password>", 1);
    assert_mask("<password>\n  pw\n</password>", "<password>******</password>", 1);
    assert_unmasked("<password></password>"); /* empty: nothing to mask, not counted */
    assert_unmasked("<password/><user>bob</user>");
    assert_unmasked("<password />text");
    assert_unmasked("");
    assert_unmasked("plain text, password: x");
}
END_TEST

START_TEST(test_mask_xml_names)
{
    static const char *const secret[] = {"password",    "zapiPassword", "newPassword",
                                         "oldpassword", "cardNumber",   "creditCardNumber",
                                         "ccNumber",    "cvv",          "cvv2",
                                         "cvc",         "securityCode", "pin",
                                         "PASSWORD",    "ZapiPassWord", "CARDNUMBER",
                                         "Pin",         "CVV2",         "ns:password",
                                         "x:pin"};
    static const char *const plain[] = {
        "passengers", "passport", "pass",    "passwords",      "passwordHint", "pinned",
        "spin",       "pins",     "pincode", "cardNumberType", "cvv3",         "username",
        "number",     "card",     "cc",      "security",       "code",         "pin:x"};
    char in[128], want[128];
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++) {
        snprintf(in, sizeof(in), "<a><%s>v4lue</%s></a>", secret[i], secret[i]);
        snprintf(want, sizeof(want), "<a><%s>*****</%s></a>", secret[i], secret[i]);
        assert_mask(in, want, 1);
        snprintf(in, sizeof(in), "<a %s=\"v4lue\"/>", secret[i]);
        snprintf(want, sizeof(want), "<a %s=\"*****\"/>", secret[i]);
        assert_mask(in, want, 1);
    }
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        snprintf(in, sizeof(in), "<a><%s>v4lue</%s></a>", plain[i], plain[i]);
        assert_unmasked(in);
        snprintf(in, sizeof(in), "<a %s=\"v4lue\"/>", plain[i]);
        assert_unmasked(in);
    }
}
END_TEST

START_TEST(test_mask_xml_attributes)
{
    assert_mask("<card number=\"4111\" cvv=\"123\" pin='9999' holder=\"Ann\"/>",
                "<card number=\"4111\" cvv=\"***\" pin='****' holder=\"Ann\"/>", 2);
    assert_mask("<login password = \"a b\" user=\"x\">", "<login password = \"***\" user=\"x\">",
                1);
    assert_mask("<login PASSWORD=unquoted user=x>", "<login PASSWORD=******** user=x>", 1);
    assert_mask("<login password='it\"s'>", "<login password='****'>", 1);
    /* A secret element with attributes: both its secret attributes and its content. */
    assert_mask("<password type=\"plain\" pin=\"1\">pw</password>",
                "<password type=\"plain\" pin=\"*\">**</password>", 2);
    /* Attribute values that merely look like secret names are left alone. */
    assert_unmasked("<field name=\"password\" value=\"visible\"/>");
    assert_unmasked("<login password=\"\"/>");
}
END_TEST

START_TEST(test_mask_xml_cdata)
{
    assert_mask("<password><![CDATA[secret]]></password>",
                "<password><![CDATA[******]]></password>", 1);
    assert_mask("<pin>1<![CDATA[2]]>3</pin>", "<pin>*<![CDATA[*]]>*</pin>", 1);
    /* Markup-like bytes inside CDATA are content too. */
    assert_mask("<password><![CDATA[a<b>]c</password>]]></password>",
                "<password><![CDATA[*****************]]></password>", 1);
    /* CDATA outside secret elements is kept. */
    assert_unmasked("<note><![CDATA[password=x]]></note>");
}
END_TEST

START_TEST(test_mask_xml_nested_and_several)
{
    assert_mask("<r><auth><password>one</password></auth><pay><card><cardNumber>4111 1111"
                "</cardNumber><cvv>123</cvv></card></pay><password>two</password><user>u</user>"
                "</r>",
                "<r><auth><password>***</password></auth><pay><card><cardNumber>*********"
                "</cardNumber><cvv>***</cvv></card></pay><password>***</password><user>u</user>"
                "</r>",
                4);
    /* Children of a secret element: their text is hidden, their markup kept. */
    assert_mask("<password>a<part n=\"1\">b</part>c<!-- note -->d</password><user>bob</user>",
                "<password>*<part n=\"1\">*</part>*<!-- note -->*</password><user>bob</user>", 1);
    /* The close tag must match the element's own name. */
    assert_mask("<pin>1</pinx>2</pin>x", "<pin>*</pinx>*</pin>x", 1);
    /* Namespaced, closed by the same prefixed name. */
    assert_mask("<z:zapiPassword>pw</z:zapiPassword>", "<z:zapiPassword>**</z:zapiPassword>", 1);
    /* Pretty-printed ZAPI envelope. */
    assert_mask("<request>\n  <zapiToken>ZAPI-DEMO-TOKEN</zapiToken>\n"
                "  <zapiPassword>hunter2</zapiPassword>\n  <zapiAccountId>456</zapiAccountId>\n"
                "</request>\n",
                "<request>\n  <zapiToken>ZAPI-DEMO-TOKEN</zapiToken>\n"
                "  <zapiPassword>*******</zapiPassword>\n  <zapiAccountId>456</zapiAccountId>\n"
                "</request>\n",
                1);
}
END_TEST

/* Malformed input: never crashes, and an unterminated secret runs to the end. */
START_TEST(test_mask_xml_malformed)
{
    assert_mask("<password>abc", "<password>***", 1);
    assert_mask("<password>abc<user>bob", "<password>***<user>***", 1);
    assert_mask("<login password=\"abc", "<login password=\"***", 1);
    assert_mask("<password><![CDATA[abc", "<password><![CDATA[***", 1);
    assert_mask("<a <pin>12</pin>", "<a <pin>**</pin>", 1);
    assert_unmasked("<");
    assert_unmasked("<<<>>>");
    assert_unmasked("<password");
    assert_unmasked("<a password");
    assert_unmasked("<a password=");
    assert_unmasked("</password>x");
}
END_TEST

/* Masks in and checks the result still parses as JSON. */
static void
assert_mask_json(const char *in, const char *want, size_t n)
{
    assert_mask(in, want, n);
    json_error_t err;
    json_t *v = json_loads(want, 0, &err);
    ck_assert_msg(v != NULL, "masked JSON invalid: %s", err.text);
    json_decref(v);
}

START_TEST(test_mask_json_strings)
{
    assert_mask_json("{\"zapiPassword\":\"s3cret\",\"user\":\"bob\"}",
                     "{\"zapiPassword\":\"******\",\"user\":\"bob\"}", 1);
    assert_mask_json("{ \"Password\" :\t\"a\\\"b\\\\c\\u00e9\" }",
                     "{ \"Password\" :\t\"*************\" }", 1);
    assert_mask_json("{\"password\":\"\\\\\"}", "{\"password\":\"**\"}", 1);
    assert_mask_json("{\"pin\":\"\xC3\xA9\"}", "{\"pin\":\"**\"}", 1);
    assert_mask_json("{\"password\":\"password\",\"x\":1}", "{\"password\":\"********\",\"x\":1}",
                     1);
    /* Strings that are values, not keys, are never judged by their text. */
    assert_unmasked("{\"note\":\"password\",\"pin\":null,\"cvv\":true}");
    assert_unmasked("{\"password\":\"\"}");
    assert_unmasked("{\"text\":\"<password>x</password>\"}"); /* JSON: no XML rules */
    assert_unmasked("{\"passengers\":\"3\",\"passport\":\"X1\",\"pinned\":\"yes\"}");
    assert_unmasked("[\"password\", \"pin\"]");
}
END_TEST

START_TEST(test_mask_json_numbers)
{
    assert_mask("{\"pin\": 1234, \"amount\": 10}", "{\"pin\": ****, \"amount\": 10}", 1);
    assert_mask("{\"cvv\":-12.5e+3}", "{\"cvv\":********}", 1);
    assert_mask("{\"cardNumber\":4111111111111111,\"cvc\":0}",
                "{\"cardNumber\":****************,\"cvc\":*}", 2);
}
END_TEST

START_TEST(test_mask_json_nested)
{
    assert_mask_json(
        "{\"request\":{\"auth\":{\"zapiPassword\":\"pw\",\"zapiToken\":\"T\"},"
        "\"payment\":{\"card\":{\"creditCardNumber\":\"4111\",\"securityCode\":"
        "\"123\"}},\"passengers\":[{\"name\":\"A\",\"pin\":\"11\"},{\"pin\":\"22\"}]}}",
        "{\"request\":{\"auth\":{\"zapiPassword\":\"**\",\"zapiToken\":\"T\"},"
        "\"payment\":{\"card\":{\"creditCardNumber\":\"****\",\"securityCode\":"
        "\"***\"}},\"passengers\":[{\"name\":\"A\",\"pin\":\"**\"},{\"pin\":\"**\"}]}}",
        5);
    /* Leading blanks and a byte order mark still mean JSON. */
    assert_mask("\xEF\xBB\xBF \n[{\"password\":\"x\"}]", "\xEF\xBB\xBF \n[{\"password\":\"*\"}]",
                1);
    assert_mask("{\"password\":\"abc", "{\"password\":\"***", 1);
    assert_mask("{\"password\":\"ab\\", "{\"password\":\"***", 1);
    assert_mask("{\"pin\": 12", "{\"pin\": **", 1);
    assert_unmasked("{\"password\"");
    assert_unmasked("{\"password\":");
    assert_unmasked("{\"pass");
}
END_TEST

/* Masking a cut body must hide at least what masking the whole and then cutting hides: at every
 * cut, every byte masked in the latter is masked in the former. */
static void
assert_mask_cut_safe(const char *body)
{
    size_t len = strlen(body);
    char *whole = strdup(body), *part = malloc(len + 1);
    mask_text(whole, len);
    for (size_t cut = 0; cut <= len; cut++) {
        memcpy(part, body, cut);
        mask_text(part, cut);
        for (size_t i = 0; i < cut; i++) {
            ck_assert_msg(part[i] == whole[i] || part[i] == '*',
                          "cut at %zu changed byte %zu of %s", cut, i, body);
            ck_assert_msg(whole[i] != '*' || part[i] == '*' || body[i] == '*',
                          "cut at %zu revealed byte %zu of %s", cut, i, body);
        }
    }
    free(whole);
    free(part);
}

START_TEST(test_mask_cut_anywhere)
{
    assert_mask_cut_safe("<r><zapiPassword>hunter2</zapiPassword><pin a=\"1\">22</pin></r>");
    assert_mask_cut_safe("<r><password type='x' cvv=\"999\"><![CDATA[a]b]]>c<k pin=q>d</k>"
                         "</password><password/><x password=y/></r>");
    assert_mask_cut_safe("<ns:password>\xC3\xA9</ns:password >tail<pin>1</pinx>2</pin>");
    assert_mask_cut_safe("{\"zapiPassword\" : \"a\\\"b\\\\\", \"pin\": -12.5e3, \"n\": {\"cvv\":"
                         "\"1\"}, \"password\": null, \"x\": \"password\"}");
    assert_mask_cut_safe("\xEF\xBB\xBF{\"password\":\"\xE2\x82\xAC\"}");
}
END_TEST

static Suite *
mask_suite(void)
{
    Suite *s = suite_create("mask");
    TCase *tc = tcase_create("trees");
    tcase_add_test(tc, test_secret_names);
    tcase_add_test(tc, test_mask_field);
    tcase_add_test(tc, test_mask_xml_tree);
    tcase_add_test(tc, test_mask_json_tree);
    tcase_add_test(tc, test_body_forms_the_server_accepts);
    tcase_add_test(tc, test_body_without_secrets_kept_as_sent);
    tcase_add_test(tc, test_body_unparseable_kept_as_far_as_safe);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_mask_xml_plain);
    tcase_add_test(tc, test_mask_xml_names);
    tcase_add_test(tc, test_mask_xml_attributes);
    tcase_add_test(tc, test_mask_xml_cdata);
    tcase_add_test(tc, test_mask_xml_nested_and_several);
    tcase_add_test(tc, test_mask_xml_malformed);
    tcase_add_test(tc, test_mask_json_strings);
    tcase_add_test(tc, test_mask_json_numbers);
    tcase_add_test(tc, test_mask_json_nested);
    tcase_add_test(tc, test_mask_cut_anywhere);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    return support_run(mask_suite());
}
