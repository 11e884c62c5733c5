/* Unit tests for template: {{placeholder}} expansion in strings, load-time checks with line
 * numbers, and rendering a copy of a tree (text, CDATA, attributes) without touching the source. */
#include "template.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "support.h"

/* ---- a lookup over a fixed table, counting calls ---- */

struct kv {
    const char *name;
    const char *value;
};

struct table {
    const struct kv *pairs; /* ends with {NULL, NULL} */
    int calls;
    char last[TEMPLATE_MAX_NAME + 8];
};

static int
table_lookup(void *ctx, const char *name, struct buf *out)
{
    struct table *t = ctx;
    t->calls++;
    snprintf(t->last, sizeof(t->last), "%s", name);
    for (const struct kv *p = t->pairs; p->name; p++) {
        if (strcmp(p->name, name) == 0)
            return buf_append_str(out, p->value);
    }
    return -1;
}

static const struct kv values[] = {
    {"request.zapiMethod.username", "naddau"},
    {"agent.firstName", "Nad"},
    {"agent.relatedBookings.totalPurchases", "$0.00"},
    {"error.message", "bad <thing> & ]]> more"},
    {"error.code", "3"},
    {"a", "A"},
    {"b-c_d.e", "dash"},
    {NULL, NULL},
};

static char *
expand(const char *text, struct table *t)
{
    struct buf out = BUF_INIT;
    ck_assert_int_eq(template_expand(text, table_lookup, t, &out), 0);
    /* An empty expansion still leaves a terminated buffer. */
    ck_assert_ptr_nonnull(out.data);
    return out.data;
}

static void
assert_expand(const char *text, const char *want)
{
    struct table t = {values, 0, ""};
    char *got = expand(text, &t);
    ck_assert_msg(strcmp(got, want) == 0, "expand(\"%s\") = \"%s\", want \"%s\"", text, got, want);
    free(got);
}

static int
calls_for(const char *text)
{
    struct table t = {values, 0, ""};
    free(expand(text, &t));
    return t.calls;
}

static xmlDoc *
read_xml(const char *xml)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "t.xml", NULL, XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "test XML does not parse");
    return doc;
}

static char *
dump(xmlDoc *doc)
{
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemory(doc, &mem, &size);
    ck_assert_ptr_nonnull(mem);
    char *s = strdup((const char *)mem);
    xmlFree(mem);
    return s;
}

static const char *const ns[] = {"request", "partner", "agent", "error", NULL};

/* ---- template_expand ---- */

START_TEST(test_expand_known)
{
    assert_expand("{{agent.firstName}}", "Nad");
    assert_expand("Hello {{agent.firstName}}!", "Hello Nad!");
    assert_expand("{{agent.relatedBookings.totalPurchases}}", "$0.00");
    assert_expand("{{b-c_d.e}}", "dash");
    assert_expand("no placeholders at all", "no placeholders at all");
    assert_expand("", "");
    /* Values are inserted verbatim: no re-expansion, no escaping (that is the serialiser's). */
    assert_expand("[{{error.message}}]", "[bad <thing> & ]]> more]");
}
END_TEST

START_TEST(test_expand_unknown_is_empty)
{
    assert_expand("{{agent.nothing}}", "");
    assert_expand("x{{nope}}y", "xy");
    assert_expand("{{a}}{{nope}}{{a}}", "AA");
    ck_assert_int_eq(calls_for("{{nope}}"), 1);
}
END_TEST

START_TEST(test_expand_several)
{
    assert_expand("{{a}}{{a}}{{a}}", "AAA");
    assert_expand("{{error.code}}: {{error.message}} ({{request.zapiMethod.username}})",
                  "3: bad <thing> & ]]> more (naddau)");
    assert_expand("{{a}} and {{ a }} and {{\ta\n}}", "A and A and A");
    ck_assert_int_eq(calls_for("{{a}}-{{b-c_d.e}}-{{x}}"), 3);
}
END_TEST

START_TEST(test_expand_whitespace_trimmed)
{
    struct table t = {values, 0, ""};
    free(expand("{{   agent.firstName   }}", &t));
    ck_assert_str_eq(t.last, "agent.firstName"); /* the lookup sees the trimmed name */
    assert_expand("{{ \n agent.firstName \t }}", "Nad");
}
END_TEST

START_TEST(test_expand_malformed_kept)
{
    /* Load-time checks refuse these; expansion keeps them as text and calls no lookup. */
    const char *kept[] = {
        "{{}}", "{{   }}", "{{a b}}", "{{a!}}", "{{a/b}}", "{{<x>}}", "{{a{b}}",
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        assert_expand(kept[i], kept[i]);
        ck_assert_int_eq(calls_for(kept[i]), 0);
    }
    assert_expand("x{{a b}}y{{a}}z", "x{{a b}}yAz");
    /* Unclosed: kept to the end. */
    assert_expand("{{a", "{{a");
    assert_expand("before {{a}} after {{b", "before A after {{b");
    assert_expand("{{a}", "{{a}");
    assert_expand("{ {a}}", "{ {a}}");
    assert_expand("}}{{a}}{{", "}}A{{");
    /* A name as long as the limit is malformed; one shorter is looked up. */
    char name[TEMPLATE_MAX_NAME + 1];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    struct buf text = BUF_INIT;
    buf_printf(&text, "{{%.*s}}", TEMPLATE_MAX_NAME, name);
    assert_expand(text.data, text.data);
    buf_clear(&text);
    buf_printf(&text, "{{%.*s}}", TEMPLATE_MAX_NAME - 1, name);
    ck_assert_int_eq(calls_for(text.data), 1);
    assert_expand(text.data, "");
    buf_free(&text);
    /* Triple braces: the inner text "{a" is not a name. */
    assert_expand("{{{a}}}", "{{{a}}}");
}
END_TEST

START_TEST(test_expand_appends)
{
    struct table t = {values, 0, ""};
    struct buf out = BUF_INIT;
    buf_append_str(&out, "keep:");
    ck_assert_int_eq(template_expand("{{a}}", table_lookup, &t, &out), 0);
    ck_assert_str_eq(out.data, "keep:A");
    buf_free(&out);
}
END_TEST

/* ---- template_check ---- */

START_TEST(test_check_counts)
{
    xmlDoc *doc = read_xml("<response a=\"{{request.x}}\" b=\"plain\">\n"
                           "  <x>{{agent.firstName}} {{ agent.lastName }}</x>\n"
                           "  <y><![CDATA[{{error.message}}]]></y>\n"
                           "  <z attr=\"{{partner.token}}-{{partner.userId}}\">none</z>\n"
                           "  <!-- {{comments.are.not.checked}} -->\n"
                           "  <w>{{request}}</w>\n"
                           "</response>");
    struct buf err = BUF_INIT;
    ck_assert_int_eq(template_check(xmlDocGetRootElement(doc), ns, &err), 7);
    ck_assert_ptr_null(err.data);
    xmlFreeDoc(doc);

    doc = read_xml("<response><a>static</a></response>");
    ck_assert_int_eq(template_check(xmlDocGetRootElement(doc), ns, &err), 0);
    xmlFreeDoc(doc);
    ck_assert_int_eq(template_check(NULL, ns, &err), 0);
    ck_assert_ptr_null(err.data);
}
END_TEST

static void
assert_check_fails(const char *xml, const char *want)
{
    xmlDoc *doc = read_xml(xml);
    struct buf err = BUF_INIT;
    ck_assert_int_eq(template_check(xmlDocGetRootElement(doc), ns, &err), -1);
    ck_assert_ptr_nonnull(err.data);
    ck_assert_msg(strstr(err.data, want) != NULL, "error \"%s\" lacks \"%s\"", err.data, want);
    buf_free(&err);
    xmlFreeDoc(doc);
}

START_TEST(test_check_unknown_namespace)
{
    assert_check_fails("<response>\n"
                       "  <ok>{{agent.firstName}}</ok>\n"
                       "  <bad>{{session.id}}</bad>\n"
                       "</response>",
                       "line 3: placeholder {{session.id}} does not start with a known name "
                       "(request, partner, agent, error)");
    /* A prefix of a namespace is not the namespace. */
    assert_check_fails("<r>\n<a>{{req.x}}</a></r>", "line 2: placeholder {{req.x}}");
    assert_check_fails("<r><a>{{agents.x}}</a></r>", "line 1: placeholder {{agents.x}}");
    /* Namespaces are case-sensitive. */
    assert_check_fails("<r><a>{{Agent.x}}</a></r>", "{{Agent.x}} does not start with a known");
}
END_TEST

START_TEST(test_check_malformed)
{
    assert_check_fails("<r>\n\n<a>x {{agent first}} y</a></r>",
                       "line 3: malformed placeholder near \"{{agent first}} y\"");
    assert_check_fails("<r>\n<a>{{}}</a></r>", "line 2: malformed placeholder");
    assert_check_fails("<r>\n<a>unclosed {{agent.x</a></r>", "line 2: malformed placeholder near");
    assert_check_fails("<r><a>{{agent.ok}} then {{ bad! }}</a></r>", "malformed placeholder");
    /* A long text is cut in the message. */
    struct buf xml = BUF_INIT;
    buf_append_str(&xml, "<r><a>{{ bad ");
    for (int i = 0; i < 200; i++)
        buf_append(&xml, "x", 1);
    buf_append_str(&xml, "}}</a></r>");
    xmlDoc *doc = read_xml(xml.data);
    struct buf err = BUF_INIT;
    ck_assert_int_eq(template_check(xmlDocGetRootElement(doc), ns, &err), -1);
    ck_assert_uint_lt(err.len, 120);
    buf_free(&err);
    xmlFreeDoc(doc);
    buf_free(&xml);
}
END_TEST

START_TEST(test_check_line_numbers)
{
    /* In an attribute on line 4. */
    assert_check_fails("<r>\n\n\n<a x=\"{{bogus.x}}\"/></r>", "line 4: placeholder {{bogus.x}}");
    /* In CDATA on line 5, inside an element opened on line 5. */
    assert_check_fails("<r>\n\n\n\n<a><![CDATA[{{bogus.y}}]]></a></r>",
                       "line 5: placeholder {{bogus.y}}");
    /* Unknown namespace in the root element's own attribute. */
    assert_check_fails("<r\n a=\"{{zz.y}}\"/>", "placeholder {{zz.y}}");
}
END_TEST

/* ---- template_render ---- */

START_TEST(test_render_text_cdata_attributes)
{
    const char *src = "<response kind=\"{{a}}\" fixed=\"f\">"
                      "<user>{{request.zapiMethod.username}}</user>"
                      "<name><![CDATA[{{agent.firstName}} ({{a}})]]></name>"
                      "<empty>{{unknown.thing}}</empty>"
                      "<mixed>x<b>{{a}}</b>y</mixed>"
                      "<static>no change</static>"
                      "</response>";
    xmlDoc *doc = read_xml(src);
    char *before = dump(doc);
    struct table t = {values, 0, ""};
    xmlDoc *out = template_render(xmlDocGetRootElement(doc), NULL, table_lookup, &t);
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_ne(out, doc);
    xmlNode *root = xmlDocGetRootElement(out);
    ck_assert_str_eq((const char *)root->name, "response");
    ck_assert_ptr_eq(root->doc, out);

    xmlChar *kind = xmlGetProp(root, (const xmlChar *)"kind");
    ck_assert_str_eq((const char *)kind, "A");
    xmlFree(kind);
    xmlChar *fixed = xmlGetProp(root, (const xmlChar *)"fixed");
    ck_assert_str_eq((const char *)fixed, "f");
    xmlFree(fixed);

    struct buf v = BUF_INIT;
    xml_node_text(xml_child(root, "user"), &v);
    ck_assert_str_eq(v.data, "naddau");
    buf_clear(&v);
    xmlNode *name = xml_child(root, "name");
    ck_assert_int_eq(name->children->type, XML_CDATA_SECTION_NODE); /* stays CDATA */
    xml_node_text(name, &v);
    ck_assert_str_eq(v.data, "Nad (A)");
    buf_clear(&v);
    xml_node_text(xml_child(root, "empty"), &v);
    ck_assert_uint_eq(v.len, 0);
    xml_node_text(xml_child(xml_child(root, "mixed"), "b"), &v);
    ck_assert_str_eq(v.data, "A");
    buf_clear(&v);
    xml_node_text(xml_child(root, "static"), &v);
    ck_assert_str_eq(v.data, "no change");
    buf_free(&v);

    /* The source tree is untouched. */
    char *after = dump(doc);
    ck_assert_str_eq(before, after);
    ck_assert_ptr_nonnull(strstr(after, "{{request.zapiMethod.username}}"));
    free(before);
    free(after);
    xmlFreeDoc(out);
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_render_cdata_end_marker)
{
    /* A value holding "]]>" cannot stay in a CDATA section; whatever the tree becomes, its
     * serialisation must parse back to exactly the value. */
    const char *src = "<response><message><![CDATA[{{error.message}}]]></message>"
                      "<plain>{{error.message}}</plain>"
                      "<attr v=\"{{error.message}}\"/></response>";
    xmlDoc *doc = read_xml(src);
    char *before = dump(doc);
    struct table t = {values, 0, ""};
    xmlDoc *out = template_render(xmlDocGetRootElement(doc), NULL, table_lookup, &t);
    ck_assert_ptr_nonnull(out);
    char *text = dump(out);
    xmlDoc *back = read_xml(text);
    xmlNode *root = xmlDocGetRootElement(back);
    struct buf v = BUF_INIT;
    xml_node_text(xml_child(root, "message"), &v);
    ck_assert_str_eq(v.data, "bad <thing> & ]]> more");
    buf_clear(&v);
    xml_node_text(xml_child(root, "plain"), &v);
    ck_assert_str_eq(v.data, "bad <thing> & ]]> more");
    buf_free(&v);
    xmlChar *attr = xmlGetProp(xml_child(root, "attr"), (const xmlChar *)"v");
    ck_assert_str_eq((const char *)attr, "bad <thing> & ]]> more");
    xmlFree(attr);

    char *after = dump(doc);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    free(text);
    xmlFreeDoc(back);
    xmlFreeDoc(out);
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_render_cdata_plain_values_stay_cdata)
{
    xmlDoc *doc = read_xml("<r><m><![CDATA[{{error.message}}]]></m><n><![CDATA[{{a}}]]></n></r>");
    static const struct kv plain[] = {{"error.message", "x < y & z"}, {"a", "<b>"}, {NULL, NULL}};
    struct table t = {plain, 0, ""};
    xmlDoc *out = template_render(xmlDocGetRootElement(doc), NULL, table_lookup, &t);
    ck_assert_ptr_nonnull(out);
    char *text = dump(out);
    ck_assert_ptr_nonnull(strstr(text, "<m><![CDATA[x < y & z]]></m>"));
    ck_assert_ptr_nonnull(strstr(text, "<n><![CDATA[<b>]]></n>"));
    free(text);
    xmlFreeDoc(out);
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_render_subtree_and_repeat)
{
    /* Rendering an inner element copies only it; rendering twice gives equal trees. */
    xmlDoc *doc = read_xml("<fixture><answer><response><v>{{a}}</v></response></answer></fixture>");
    xmlNode *resp = xml_child(xml_child(xmlDocGetRootElement(doc), "answer"), "response");
    struct table t = {values, 0, ""};
    xmlDoc *one = template_render(resp, NULL, table_lookup, &t);
    xmlDoc *two = template_render(resp, NULL, table_lookup, &t);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(two);
    char *s1 = dump(one), *s2 = dump(two);
    ck_assert_str_eq(s1, s2);
    ck_assert_ptr_null(strstr(s1, "fixture"));
    ck_assert_ptr_nonnull(strstr(s1, "<response><v>A</v></response>"));
    ck_assert_int_eq(t.calls, 2);
    free(s1);
    free(s2);
    xmlFreeDoc(one);
    xmlFreeDoc(two);
    xmlFreeDoc(doc);
}
END_TEST

static Suite *
template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("expand");
    tcase_add_test(tc, test_expand_known);
    tcase_add_test(tc, test_expand_unknown_is_empty);
    tcase_add_test(tc, test_expand_several);
    tcase_add_test(tc, test_expand_whitespace_trimmed);
    tcase_add_test(tc, test_expand_malformed_kept);
    tcase_add_test(tc, test_expand_appends);
    suite_add_tcase(s, tc);

    tc = tcase_create("check");
    tcase_add_test(tc, test_check_counts);
    tcase_add_test(tc, test_check_unknown_namespace);
    tcase_add_test(tc, test_check_malformed);
    tcase_add_test(tc, test_check_line_numbers);
    suite_add_tcase(s, tc);

    tc = tcase_create("render");
    tcase_add_test(tc, test_render_text_cdata_attributes);
    tcase_add_test(tc, test_render_cdata_end_marker);
    tcase_add_test(tc, test_render_cdata_plain_values_stay_cdata);
    tcase_add_test(tc, test_render_subtree_and_repeat);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    int rc = support_run(template_suite());
    xmlCleanupParser();
    return rc;
}
