/* Unit tests for json: an XML response tree written as PHP's json_encode of it would be. Each
 * case parses a small XML text and compares the exact JSON bytes. */
#include "json.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "support.h"

/* JSON of the root of xml, parsed keeping blank text nodes unless noblanks. */
static char *
to_json_opts(const char *xml, int noblanks)
{
    int opts = XML_PARSE_NONET | (noblanks ? XML_PARSE_NOBLANKS : 0);
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "t.xml", NULL, opts);
    ck_assert_msg(doc != NULL, "test XML does not parse: %s", xml);
    struct buf out = BUF_INIT;
    ck_assert_int_eq(json_from_xml(xmlDocGetRootElement(doc), &out), 0);
    xmlFreeDoc(doc);
    ck_assert_ptr_nonnull(out.data);
    return out.data;
}

static void
assert_json(const char *xml, const char *want)
{
    for (int noblanks = 0; noblanks < 2; noblanks++) {
        char *got = to_json_opts(xml, noblanks);
        ck_assert_msg(strcmp(got, want) == 0, "XML %s\n  gave %s\n  want %s", xml, got, want);
        free(got);
    }
}

START_TEST(test_scalars_are_strings)
{
    assert_json("<response><zapiVersion>2.1</zapiVersion><error>0</error><ok>false</ok>"
                "<n>1.50</n><neg>-3</neg><t>true</t><null>null</null></response>",
                "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"0\",\"ok\":\"false\","
                "\"n\":\"1.50\",\"neg\":\"-3\",\"t\":\"true\",\"null\":\"null\"}}");
}
END_TEST

START_TEST(test_empty_element_is_object)
{
    assert_json(
        "<r><a/><b></b><c>   \n\t </c><d><![CDATA[]]></d><e><!-- only a comment --></e></r>",
        "{\"r\":{\"a\":{},\"b\":{},\"c\":{},\"d\":{},\"e\":{}}}");
    assert_json("<response/>", "{\"response\":{}}");
    assert_json("<response>  </response>", "{\"response\":{}}");
}
END_TEST

START_TEST(test_one_child_is_object)
{
    assert_json("<r><agentDetails><agentID>1240</agentID></agentDetails></r>",
                "{\"r\":{\"agentDetails\":{\"agentID\":\"1240\"}}}");
    assert_json("<r><allBookings><booking><id>1</id></booking></allBookings></r>",
                "{\"r\":{\"allBookings\":{\"booking\":{\"id\":\"1\"}}}}");
}
END_TEST

START_TEST(test_repeated_children_are_arrays)
{
    assert_json("<r><w>1</w><w>2</w></r>", "{\"r\":{\"w\":[\"1\",\"2\"]}}");
    assert_json("<r><w>1</w><w>2</w><w>3</w></r>", "{\"r\":{\"w\":[\"1\",\"2\",\"3\"]}}");
    /* Mixed names: grouped by name in the order each name first appears. */
    assert_json("<r><w>1</w><x>a</x><w>2</w><y/><w>3</w><x>b</x></r>",
                "{\"r\":{\"w\":[\"1\",\"2\",\"3\"],\"x\":[\"a\",\"b\"],\"y\":{}}}");
    assert_json("<r><x>a</x><w>1</w><w>2</w></r>", "{\"r\":{\"x\":\"a\",\"w\":[\"1\",\"2\"]}}");
    /* Repeated objects and an empty repeat. */
    assert_json("<r><item><id>1</id><name>A</name></item><item><id>2</id></item><item/></r>",
                "{\"r\":{\"item\":[{\"id\":\"1\",\"name\":\"A\"},{\"id\":\"2\"},{}]}}");
    /* Many repeats stay in order. */
    struct buf xml = BUF_INIT, want = BUF_INIT;
    buf_append_str(&xml, "<r>");
    buf_append_str(&want, "{\"r\":{\"v\":[");
    for (int i = 0; i < 50; i++) {
        buf_printf(&xml, "<v>%d</v>", i);
        buf_printf(&want, "%s\"%d\"", i ? "," : "", i);
    }
    buf_append_str(&xml, "</r>");
    buf_append_str(&want, "]}}");
    assert_json(xml.data, want.data);
    buf_free(&xml);
    buf_free(&want);
}
END_TEST

START_TEST(test_nested)
{
    assert_json("<response>\n"
                "  <zapiVersion>2.1</zapiVersion>\n"
                "  <error>0</error>\n"
                "  <message>OK</message>\n"
                "  <methodResponse>\n"
                "    <methodName>zapiPing</methodName>\n"
                "    <methodErrorCode>0</methodErrorCode>\n"
                "    <methodErrorMessage>Pong</methodErrorMessage>\n"
                "  </methodResponse>\n"
                "</response>\n",
                "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"0\",\"message\":\"OK\","
                "\"methodResponse\":{\"methodName\":\"zapiPing\",\"methodErrorCode\":\"0\","
                "\"methodErrorMessage\":\"Pong\"}}}");
    assert_json("<a><b><c><d><e>deep</e></d></c></b></a>",
                "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":\"deep\"}}}}}");
    /* The same name at different levels is independent. */
    assert_json("<a><x><x>1</x></x><x>2</x></a>", "{\"a\":{\"x\":[{\"x\":\"1\"},\"2\"]}}");
}
END_TEST

START_TEST(test_cdata_and_whitespace)
{
    assert_json("<r><m><![CDATA[a <b> & \"c\"]]></m></r>", "{\"r\":{\"m\":\"a <b> & \\\"c\\\"\"}}");
    assert_json("<r><m>\n    <![CDATA[Agent account found]]>\n  </m></r>",
                "{\"r\":{\"m\":\"Agent account found\"}}");
    assert_json("<r><m>  two  words  </m><n>\tx\n</n></r>",
                "{\"r\":{\"m\":\"two  words\",\"n\":\"x\"}}");
    /* Inner newlines and tabs are kept, escaped. */
    assert_json("<r><m>line1\nline2\tend</m></r>", "{\"r\":{\"m\":\"line1\\nline2\\tend\"}}");
    /* Entities come out as their characters. */
    assert_json("<r><m>&lt;&amp;&gt;&#65;</m></r>", "{\"r\":{\"m\":\"<&>A\"}}");
    /* Text and CDATA pieces join. */
    assert_json("<r><m>a<![CDATA[b]]>c</m></r>", "{\"r\":{\"m\":\"abc\"}}");
}
END_TEST

START_TEST(test_escaping)
{
    /* PHP escapes "/" by default. */
    assert_json("<r><url>https://x.zaui.net/zapi/</url><d>2024/01/31</d></r>",
                "{\"r\":{\"url\":\"https:\\/\\/x.zaui.net\\/zapi\\/\",\"d\":\"2024\\/01\\/31\"}}");
    /* Non-ASCII as \u escapes, astral characters as surrogate pairs. */
    char *got = to_json_opts("<r><city>Montr\xC3\xA9"
                             "al</city><e>\xF0\x9F\x98\x80</e>"
                             "<k>\xE2\x82\xAC</k></r>",
                             1);
    for (char *p = got; *p; p++)
        ck_assert_msg((unsigned char)*p < 0x80, "non-ASCII byte in %s", got);
    ck_assert_int_eq(strcasecmp(got, "{\"r\":{\"city\":\"Montr\\u00e9al\",\"e\":\"\\ud83d\\ude00\","
                                     "\"k\":\"\\u20ac\"}}"),
                     0);
    free(got);
    /* Quotes and backslashes. */
    assert_json("<r><q>say \"hi\" \\ bye</q></r>", "{\"r\":{\"q\":\"say \\\"hi\\\" \\\\ bye\"}}");
    /* Element names are keys, escaped the same way (hex digits in either case). */
    got = to_json_opts("<r><caf\xC3\xA9>1</caf\xC3\xA9></r>", 0);
    ck_assert_int_eq(strcasecmp(got, "{\"r\":{\"caf\\u00e9\":\"1\"}}"), 0);
    free(got);
}
END_TEST

START_TEST(test_ignored_nodes)
{
    /* Attributes, comments and processing instructions are not part of the JSON shape. */
    assert_json("<r a=\"1\"><!-- c --><x type=\"integer\" nil=\"true\">5</x><?pi data?>"
                "<y nil=\"true\"/></r>",
                "{\"r\":{\"x\":\"5\",\"y\":{}}}");
    /* An element with children drops its own text, as json_encode of SimpleXML does. */
    assert_json("<r>text before<x>1</x>text after</r>", "{\"r\":{\"x\":\"1\"}}");
}
END_TEST

START_TEST(test_root_wrapper)
{
    assert_json("<request><a>1</a></request>", "{\"request\":{\"a\":\"1\"}}");
    assert_json("<just>text</just>", "{\"just\":\"text\"}");
    /* A non-root element is wrapped by its own name. */
    xmlDoc *doc = xmlReadMemory("<r><inner><v>1</v></inner></r>", 30, "t.xml", NULL, 0);
    ck_assert_ptr_nonnull(doc);
    xmlNode *inner = xml_child(xmlDocGetRootElement(doc), "inner");
    struct buf out = BUF_INIT;
    buf_append_str(&out, "prefix:");
    ck_assert_int_eq(json_from_xml(inner, &out), 0);
    ck_assert_str_eq(out.data, "prefix:{\"inner\":{\"v\":\"1\"}}"); /* appended */
    buf_free(&out);
    xmlFreeDoc(doc);
}
END_TEST

static Suite *
json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("shape");
    tcase_add_test(tc, test_scalars_are_strings);
    tcase_add_test(tc, test_empty_element_is_object);
    tcase_add_test(tc, test_one_child_is_object);
    tcase_add_test(tc, test_repeated_children_are_arrays);
    tcase_add_test(tc, test_nested);
    tcase_add_test(tc, test_root_wrapper);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_cdata_and_whitespace);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_ignored_nodes);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    int rc = support_run(json_suite());
    xmlCleanupParser();
    return rc;
}
