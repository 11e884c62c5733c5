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

/* ---- each= and if= ---- */

static const char *const list_ns[] = {"request", "catalog", "flags", NULL};

/* catalog.categories: two categories, the first with two activities, the second with none;
 * flags: values if= reads. */
static void
build_model(struct model *m)
{
    model_init(m);
    struct model_node *cat = model_add(m, NULL, "catalog");
    model_set(m, cat, "title", "Demo");
    struct model_node *cats = model_add(m, cat, "categories");
    struct model_node *c1 = model_add(m, cats, "category");
    model_set(m, c1, "name", "Sea");
    model_set(m, c1, "featured", "1");
    struct model_node *acts = model_add(m, c1, "activities");
    struct model_node *a = model_add(m, acts, "activity");
    model_set(m, a, "id", "101");
    model_set(m, a, "name", "Whales");
    a = model_add(m, acts, "activity");
    model_set(m, a, "id", "102");
    model_set(m, a, "name", "Kayaks & <more>");
    struct model_node *c2 = model_add(m, cats, "category");
    model_set(m, c2, "name", "City");
    model_set(m, c2, "featured", "false");
    model_add(m, c2, "activities");
    model_add(m, cat, "empty");
    struct model_node *f = model_add(m, NULL, "flags");
    model_set(m, f, "one", "1");
    model_set(m, f, "zero", "0");
    model_set(m, f, "no", "false");
    model_set(m, f, "blank", "");
    model_set(m, f, "word", "yes");
    struct model_node *parent = model_add(m, f, "parent");
    model_set(m, parent, "child", "x");
    ck_assert(!model_failed(m));
}

/* Checks src against list_ns (it must pass) and renders it with the model: the dump without its
 * XML declaration. */
static char *
render_model(const char *src)
{
    struct model m;
    build_model(&m);
    xmlDoc *doc = read_xml(src);
    struct buf err = BUF_INIT;
    int rc = template_check(xmlDocGetRootElement(doc), list_ns, &err);
    ck_assert_msg(rc >= 0, "check failed: %s", err.data);
    struct table t = {values, 0, ""};
    xmlDoc *out = template_render(xmlDocGetRootElement(doc), &m.root, table_lookup, &t);
    ck_assert_ptr_nonnull(out);
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodeDump(b, out, xmlDocGetRootElement(out), 0, 0);
    char *s = strdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    xmlFreeDoc(out);
    xmlFreeDoc(doc);
    model_free(&m);
    return s;
}

static void
assert_render(const char *src, const char *want)
{
    char *got = render_model(src);
    ck_assert_msg(strcmp(got, want) == 0, "rendered\n%s\nwant\n%s", got, want);
    free(got);
}

START_TEST(test_each_repeats)
{
    assert_render("<r><c each=\"k in catalog.categories\" n=\"{{k.name}}\">{{k.name}}</c></r>",
                  "<r><c n=\"Sea\">Sea</c><c n=\"City\">City</c></r>");
    /* Text around the repeated element stays once; values are escaped. */
    assert_render("<r>[<a each=\"x in catalog.categories.category.activities\">{{x.name}}</a>]</r>",
                  "<r>[<a>Whales</a><a>Kayaks &amp; &lt;more&gt;</a>]</r>");
}
END_TEST

START_TEST(test_each_nested_and_scoped)
{
    /* The inner loop reads its own variable and the outer one; outside a loop its variable is
     * gone, and namespaces still resolve inside. */
    assert_render("<r><c each=\"k in catalog.categories\"><n>{{k.name}}</n>"
                  "<a each=\"x in k.activities\">{{k.name}}/{{x.id}}/{{catalog.title}}</a></c>"
                  "<after>{{catalog.title}}</after></r>",
                  "<r><c><n>Sea</n><a>Sea/101/Demo</a><a>Sea/102/Demo</a></c>"
                  "<c><n>City</n></c><after>Demo</after></r>");
    /* An inner variable of the same name hides the outer one only inside. */
    assert_render(
        "<r><c each=\"k in catalog.categories\"><i each=\"k in k.activities\">{{k.id}}</i>"
        "<o>{{k.name}}</o></c></r>",
        "<r><c><i>101</i><i>102</i><o>Sea</o></c><c><o>City</o></c></r>");
    /* A loop variable shadows a namespace of the same name. */
    assert_render("<r><c each=\"catalog in catalog.categories\">{{catalog.name}}</c></r>",
                  "<r><c>Sea</c><c>City</c></r>");
}
END_TEST

START_TEST(test_each_empty_and_missing)
{
    assert_render("<r><a each=\"x in catalog.empty\">{{x}}</a><b/></r>", "<r><b/></r>");
    assert_render("<r><a each=\"x in catalog.nothing.here\">{{x}}</a></r>", "<r/>");
    /* A text value is not a list: no children, nothing repeated. */
    assert_render("<r><a each=\"x in catalog.title\">{{x}}</a></r>", "<r/>");
    /* An empty list inside a repeated element. */
    assert_render("<r><c each=\"k in catalog.categories\" if=\"!k.activities.activity\">"
                  "{{k.name}}<a each=\"x in k.activities\">{{x.id}}</a></c></r>",
                  "<r><c>City</c></r>");
}
END_TEST

START_TEST(test_if)
{
    assert_render("<r><a if=\"flags.one\">1</a><b if=\"flags.zero\">0</b><c if=\"flags.no\">no</c>"
                  "<d if=\"flags.blank\">blank</d><e if=\"flags.word\">word</e>"
                  "<f if=\"flags.missing\">missing</f><g if=\"flags.parent\">parent</g>"
                  "<h if=\"flags.parent.child\">child</h></r>",
                  "<r><a>1</a><e>word</e><g>parent</g><h>child</h></r>");
    assert_render(
        "<r><a if=\"!flags.one\">1</a><b if=\"!flags.zero\">0</b><c if=\"!flags.no\">no</c>"
        "<d if=\" !flags.blank\">blank</d><f if=\"!flags.missing\">missing</f>"
        "<g if=\"!flags.parent\">parent</g></r>",
        "<r><b>0</b><c>no</c><d>blank</d><f>missing</f></r>");
    /* if= on a repeated element reads the loop variable, per item. */
    assert_render("<r><c each=\"k in catalog.categories\" if=\"k.featured\">{{k.name}}</c>"
                  "<n each=\"k in catalog.categories\" if=\"!k.featured\">{{k.name}}</n></r>",
                  "<r><c>Sea</c><n>City</n></r>");
    /* if= reads caller names too (the lookup function), e.g. request values. */
    assert_render("<r><a if=\"request.zapiMethod.username\">{{request.zapiMethod.username}}</a>"
                  "<b if=\"request.zapiMethod.other\">x</b></r>",
                  "<r><a>naddau</a></r>");
    /* Directives never reach the output, even on elements without placeholders. */
    assert_render("<r><a if=\"flags.one\" keep=\"k\"/></r>", "<r><a keep=\"k\"/></r>");
}
END_TEST

static void
assert_list_check_fails(const char *xml, const char *want)
{
    xmlDoc *doc = read_xml(xml);
    struct buf err = BUF_INIT;
    ck_assert_msg(template_check(xmlDocGetRootElement(doc), list_ns, &err) == -1, "accepted: %s",
                  xml);
    ck_assert_ptr_nonnull(err.data);
    ck_assert_msg(strstr(err.data, want) != NULL, "error \"%s\" lacks \"%s\"", err.data, want);
    buf_free(&err);
    xmlFreeDoc(doc);
}

START_TEST(test_directives_checked_at_load)
{
    assert_list_check_fails(
        "<r>\n<a each=\"x catalog.categories\"/></r>",
        "line 2: each=\"x catalog.categories\" must read each=\"item in list.path\"");
    assert_list_check_fails("<r><a each=\"x on catalog.categories\"/></r>", "must read each=");
    assert_list_check_fails("<r><a each=\"x in\"/></r>", "must read each=");
    assert_list_check_fails("<r><a each=\"x in catalog..categories\"/></r>", "must read each=");
    assert_list_check_fails("<r><a if=\"catalog..title\"/></r>", "must name a path");
    assert_list_check_fails("<r><a each=\"\"/></r>", "must read each=");
    assert_list_check_fails("<r><a each=\"x.y in catalog.categories\"/></r>", "must read each=");
    assert_list_check_fails("<r><a each=\"x in catalog.categories extra\"/></r>",
                            "must read each=");
    assert_list_check_fails("<r>\n\n<a each=\"x in session.items\"/></r>",
                            "line 3: list session.items does not start with a known name "
                            "(request, catalog, flags)");
    assert_list_check_fails("<r><a if=\"\"/></r>", "if=\"\" must name a path");
    assert_list_check_fails("<r><a if=\"!\"/></r>", "must name a path");
    assert_list_check_fails("<r><a if=\"a b\"/></r>", "must name a path");
    assert_list_check_fails("<r><a if=\"flags.\"/></r>", "must name a path");
    assert_list_check_fails("<r>\n<a if=\"!nope.x\"/></r>",
                            "line 2: condition nope.x does not start with a known name");
    /* A loop variable is known inside its element only. */
    assert_list_check_fails(
        "<r><a each=\"x in catalog.categories\">{{x.name}}</a>\n<b>{{x.name}}</b></r>",
        "line 2: placeholder {{x.name}} does not start with a known name "
        "(request, catalog, flags)");
    assert_list_check_fails("<r><a each=\"x in catalog.categories\"/><b if=\"x.name\"/></r>",
                            "condition x.name");
    /* Inside, it is listed among the known names. */
    assert_list_check_fails("<r><a each=\"x in catalog.categories\">{{y.name}}</a></r>",
                            "(request, catalog, flags, x)");
    /* An inner list may start from an outer loop variable, not from an unknown one. */
    assert_list_check_fails(
        "<r><a each=\"x in catalog.categories\"><b each=\"y in z.list\"/></a></r>", "list z.list");
    /* Too deep. */
    struct buf xml = BUF_INIT;
    buf_append_str(&xml, "<r>");
    for (int i = 0; i <= TEMPLATE_MAX_DEPTH; i++)
        buf_printf(&xml, "<a each=\"v%d in catalog.categories\">", i);
    for (int i = 0; i <= TEMPLATE_MAX_DEPTH; i++)
        buf_append_str(&xml, "</a>");
    buf_append_str(&xml, "</r>");
    assert_list_check_fails(xml.data, "nested deeper than");
    buf_free(&xml);
    /* Directives count like placeholders. */
    xmlDoc *doc = read_xml("<r><a each=\"x in catalog.categories\" if=\"x.featured\">{{x.name}}</a>"
                           "<b if=\"flags.one\"/></r>");
    struct buf err = BUF_INIT;
    ck_assert_int_eq(template_check(xmlDocGetRootElement(doc), list_ns, &err), 4);
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_each_on_root)
{
    /* A document has one root: each= or if= on it is refused at load (if= could drop it: an
     * empty answer); rendering each= anyway makes one root without orphaning (leaking) others,
     * and an if= dropping it renders nothing. */
    assert_list_check_fails("<r\n each=\"k in catalog.categories\"/>",
                            "each= and if= cannot be on <r>: an answer has one root element");
    assert_list_check_fails("<r if=\"flags.one\"/>", "each= and if= cannot be on <r>");
    struct model m;
    build_model(&m);
    xmlDoc *doc = read_xml("<r if=\"flags.zero\"><a/></r>");
    ck_assert_ptr_null(template_render(xmlDocGetRootElement(doc), &m.root, NULL, NULL));
    xmlFreeDoc(doc);
    doc = read_xml("<r each=\"k in catalog.categories\">{{k.name}}</r>");
    xmlDoc *out = template_render(xmlDocGetRootElement(doc), &m.root, NULL, NULL);
    ck_assert_ptr_nonnull(out);
    xmlNode *root = xmlDocGetRootElement(out);
    ck_assert_ptr_null(root->next);
    ck_assert_ptr_null(root->prev);
    xmlChar *text = xmlNodeGetContent(root);
    ck_assert_str_eq((const char *)text, "Sea");
    xmlFree(text);
    xmlFreeDoc(out);
    xmlFreeDoc(doc);
    model_free(&m);
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

    tc = tcase_create("directives");
    tcase_add_test(tc, test_each_repeats);
    tcase_add_test(tc, test_each_nested_and_scoped);
    tcase_add_test(tc, test_each_empty_and_missing);
    tcase_add_test(tc, test_if);
    tcase_add_test(tc, test_directives_checked_at_load);
    tcase_add_test(tc, test_each_on_root);
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
