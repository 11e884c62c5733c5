/* Unit tests for envelope: format detection, XML and JSON request parsing into one tree, the
 * refusal of DTDs and entities, every parse error and envelope_lookup. No sockets, no files
 * except a temporary "secret" an external entity must never reach. */
#include "envelope.h"

#include <check.h>
#include <dirent.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "support.h"

/* ---- helpers ---- */

static int
parse(const char *body, enum body_format format, struct envelope *env, struct buf *err)
{
    return envelope_parse(NULL, body, strlen(body), format, env, err);
}

/* Parses a body that must succeed; the caller frees env. */
static void
parse_ok(const char *body, enum body_format format, struct envelope *env)
{
    struct buf err = BUF_INIT;
    int rc = parse(body, format, env, &err);
    ck_assert_msg(rc == 0, "parse failed: %s", err.data ? err.data : "(no message)");
    ck_assert_ptr_null(err.data);
    ck_assert_ptr_nonnull(env->doc);
    ck_assert_ptr_nonnull(env->method);
    ck_assert_ptr_nonnull(env->method_name);
    ck_assert_int_eq(env->format, format);
    buf_free(&err);
}

/* Parses a body that must fail with a message containing want. Everything is freed before any
 * assertion, so a failing check leaks nothing under CK_FORK=no. */
static void
parse_fails(const char *body, size_t len, enum body_format format, const char *want)
{
    struct envelope env;
    struct buf err = BUF_INIT;
    int rc = envelope_parse(NULL, body, len, format, &env, &err);
    /* "On error *env is left empty." */
    int empty = !env.doc && !env.method && !env.token && !env.account_id && !env.user_id &&
                !env.method_name;
    if (rc == 0)
        envelope_free(&env);
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s", err.data ? err.data : "(none)");
    int has_msg = err.data != NULL;
    buf_free(&err);
    ck_assert_int_eq(rc, -1);
    ck_assert(has_msg);
    ck_assert_msg(strstr(msg, want) != NULL, "error \"%s\" lacks \"%s\"", msg, want);
    ck_assert(empty);
}

static void
fails_str(const char *body, enum body_format format, const char *want)
{
    parse_fails(body, strlen(body), format, want);
}

static void
assert_lookup(const struct envelope *env, const char *path, const char *want)
{
    struct buf out = BUF_INIT;
    ck_assert_msg(envelope_lookup(env, path, &out) == 0, "no element at %s", path);
    ck_assert_str_eq(out.data ? out.data : "", want);
    buf_free(&out);
}

static void
assert_no_lookup(const struct envelope *env, const char *path)
{
    struct buf out = BUF_INIT;
    ck_assert_msg(envelope_lookup(env, path, &out) == -1, "unexpected element at %s", path);
    ck_assert_uint_eq(out.len, 0);
    buf_free(&out);
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const ping_xml = "<request>"
                                    "<zapiToken>ZAPI-DEMO-TOKEN</zapiToken>"
                                    "<zapiAccountId>456</zapiAccountId>"
                                    "<zapiUserId>1240</zapiUserId>"
                                    "<zapiMethod><methodName>zapiPing</methodName></zapiMethod>"
                                    "</request>";

/* ---- envelope_detect ---- */

START_TEST(test_detect_content_type)
{
    const char *xml = "<request/>";
    size_t n = strlen(xml);
    ck_assert_int_eq(envelope_detect("application/json", xml, n), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect("application/json; charset=utf-8", xml, n), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect("Application/JSON", xml, n), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect("text/json", xml, n), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect("application/xml", xml, n), FORMAT_XML);
    ck_assert_int_eq(envelope_detect("text/xml; charset=utf-8", xml, n), FORMAT_XML);
    ck_assert_int_eq(envelope_detect("application/x-www-form-urlencoded", xml, n), FORMAT_XML);
    ck_assert_int_eq(envelope_detect("", xml, n), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, xml, n), FORMAT_XML);
    /* The Content-Type says JSON: the body is not even looked at. */
    ck_assert_int_eq(envelope_detect("application/json", "", 0), FORMAT_JSON);
}
END_TEST

START_TEST(test_detect_body)
{
    ck_assert_int_eq(envelope_detect(NULL, "{}", 2), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect(NULL, " \t\r\n{\"a\":1}", 10), FORMAT_JSON);
    /* A non-JSON Content-Type does not stop a body that starts with '{'. */
    ck_assert_int_eq(envelope_detect("application/x-www-form-urlencoded", "{}", 2), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect("text/xml", "\n{", 2), FORMAT_JSON);
    /* UTF-8 byte order mark, then whitespace, then '{'. */
    ck_assert_int_eq(envelope_detect(NULL, "\xEF\xBB\xBF{}", 5), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect(NULL, "\xEF\xBB\xBF  \n{}", 8), FORMAT_JSON);
    ck_assert_int_eq(envelope_detect(NULL, "\xEF\xBB\xBF<request/>", 13), FORMAT_XML);
    /* A partial BOM is not skipped. */
    ck_assert_int_eq(envelope_detect(NULL, "\xEF\xBB{", 3), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, "\xEF\xBB\xBF", 3), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, "<request/>", 10), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, "  <?xml version=\"1.0\"?>", 23), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, "", 0), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, "   ", 3), FORMAT_XML);
    ck_assert_int_eq(envelope_detect(NULL, "[1]", 3), FORMAT_XML);
    /* Only len bytes are looked at: the '{' past the end does not count. */
    ck_assert_int_eq(envelope_detect(NULL, "  {", 2), FORMAT_XML);
}
END_TEST

/* ---- XML ---- */

START_TEST(test_xml_valid)
{
    struct envelope env;
    parse_ok(ping_xml, FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "ZAPI-DEMO-TOKEN");
    ck_assert_str_eq(env.account_id, "456");
    ck_assert_str_eq(env.user_id, "1240");
    ck_assert_str_eq(env.method_name, "zapiPing");
    ck_assert_str_eq((const char *)env.method->name, "zapiMethod");
    ck_assert_str_eq((const char *)xmlDocGetRootElement(env.doc)->name, "request");
    envelope_free(&env);
    /* Freed fields are zeroed; freeing twice is harmless. */
    ck_assert_ptr_null(env.doc);
    ck_assert_ptr_null(env.token);
    envelope_free(&env);
}
END_TEST

START_TEST(test_xml_order_attributes_whitespace)
{
    /* One client's shape: another order, type= and nil= attributes, an XML declaration, and
     * values wrapped in whitespace and newlines. */
    const char *body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<request>\n"
                       "  <zapiMethod>\n"
                       "    <username nil=\"true\"/>\n"
                       "    <methodName type=\"string\">\n\t zapiAgents_Authenticate \r\n"
                       "    </methodName>\n"
                       "  </zapiMethod>\n"
                       "  <zapiUserId type=\"integer\">  1240\n</zapiUserId>\n"
                       "  <zapiToken>\tZAPI-DEMO-TOKEN  </zapiToken>\n"
                       "  <zapiAccountId type=\"integer\">\n456\n</zapiAccountId>\n"
                       "</request>\n";
    struct envelope env;
    parse_ok(body, FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "ZAPI-DEMO-TOKEN");
    ck_assert_str_eq(env.account_id, "456");
    ck_assert_str_eq(env.user_id, "1240");
    ck_assert_str_eq(env.method_name, "zapiAgents_Authenticate");
    assert_lookup(&env, "zapiMethod.username", "");
    envelope_free(&env);
}
END_TEST

START_TEST(test_xml_cdata_and_entities)
{
    const char *body = "<request>"
                       "<zapiToken><![CDATA[  TOK<&>  ]]></zapiToken>"
                       "<zapiAccountId>4<![CDATA[5]]>6</zapiAccountId>"
                       "<zapiUserId>&#49;2&lt;4&amp;0</zapiUserId>"
                       "<zapiMethod><methodName><![CDATA[zapiPing]]></methodName>"
                       "<note>a<!-- comment -->b</note></zapiMethod>"
                       "</request>";
    struct envelope env;
    parse_ok(body, FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "TOK<&>");
    ck_assert_str_eq(env.account_id, "456");
    ck_assert_str_eq(env.user_id, "12<4&0");
    ck_assert_str_eq(env.method_name, "zapiPing");
    assert_lookup(&env, "zapiMethod.note", "ab");
    envelope_free(&env);
}
END_TEST

/* The parser context is reused per thread: a refused or broken request must not spoil the next
 * parse, and ever new element names must not change what is read. */
START_TEST(test_xml_context_reuse)
{
    struct envelope env;
    struct buf err = BUF_INIT;
    const char *doctype = "<!DOCTYPE r [<!ENTITY e \"x\">]><request/>";
    ck_assert_int_eq(envelope_parse(NULL, doctype, strlen(doctype), FORMAT_XML, &env, &err), -1);
    const char *broken = "<request><zapiToken>T</zapiTok";
    ck_assert_int_eq(envelope_parse(NULL, broken, strlen(broken), FORMAT_XML, &env, &err), -1);
    buf_free(&err);
    for (int i = 0; i < 5000; i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "<request><zapiToken>T%d</zapiToken><zapiMethod><methodName>m</methodName>"
                 "<n%d>v</n%d></zapiMethod></request>",
                 i, i, i);
        parse_ok(body, FORMAT_XML, &env);
        char want[16];
        snprintf(want, sizeof(want), "T%d", i);
        ck_assert_str_eq(env.token, want);
        envelope_free(&env);
    }
}
END_TEST

/* Texts of every length around the size libxml2 keeps inside a node (XML_PARSE_COMPACT) read
 * back whole, as fields and through envelope_lookup, also blank-padded and beside an element
 * with several text pieces. */
START_TEST(test_xml_short_and_long_texts)
{
    const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (int len = 0; len <= 40; len++) {
        char body[512], want[64];
        snprintf(want, sizeof(want), "%.*s", len, digits);
        snprintf(body, sizeof(body),
                 "<request><zapiToken>%s</zapiToken><zapiAccountId> %s </zapiAccountId>"
                 "<zapiMethod><methodName>m%s</methodName><p>%s<!--c-->%s</p></zapiMethod>"
                 "</request>",
                 want, want, want, want, want);
        struct envelope env;
        parse_ok(body, FORMAT_XML, &env);
        ck_assert_str_eq(env.token, want);
        ck_assert_str_eq(env.account_id, want);
        ck_assert_str_eq(env.method_name + 1, want);
        struct buf got = BUF_INIT, twice = BUF_INIT;
        ck_assert_int_eq(envelope_lookup(&env, "zapiMethod.p", &got), 0);
        buf_printf(&twice, "%s%s", want, want);
        ck_assert_str_eq(got.data ? got.data : "", twice.data);
        buf_free(&got);
        buf_free(&twice);
        envelope_free(&env);
    }
}
END_TEST

/* ---- JSON: the scanner against jansson's path ---- */

/* The tree as text, for comparing two trees. */
static char *
dump(xmlDoc *doc)
{
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &text, &len);
    ck_assert_ptr_nonnull(text);
    char *copy = strdup((const char *)text);
    xmlFree(text);
    return copy;
}

/* When the scanner takes body, it builds exactly jansson's tree. Returns whether it took it. */
static int
scan_matches_jansson(const char *body, size_t len)
{
    xmlDoc *fast = NULL;
    int took = envelope_json_scan(body, len, &fast);
    struct buf err = BUF_INIT;
    xmlDoc *ref = envelope_json_jansson(body, len, &err);
    if (took) {
        ck_assert_msg(ref != NULL, "scanned a body jansson refuses (%s): %.*s", err.data, (int)len,
                      body);
        char *a = dump(fast), *b = dump(ref);
        ck_assert_msg(strcmp(a, b) == 0, "trees differ for %.*s:\n%s\nvs jansson's\n%s", (int)len,
                      body, a, b);
        free(a);
        free(b);
    } else {
        ck_assert_ptr_null(fast);
    }
    xmlFreeDoc(fast);
    xmlFreeDoc(ref);
    buf_free(&err);
    return took;
}

/* Calls fn with every file of the corpus directory dir (under the source tree) and of the request
 * fuzzer's; returns how many files there were. */
static int
each_corpus_body(const char *dir_rel, void (*fn)(const char *body, size_t len))
{
    const char *const corpora[] = {dir_rel, "tests/fuzz/corpus/fuzz_request"};
    static char body[65536];
    int files = 0;
    for (size_t c = 0; c < 2; c++) {
        char *dir = support_path(support_source_dir(), corpora[c]);
        DIR *d = opendir(dir);
        ck_assert_msg(d != NULL, "cannot open %s", dir);
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (e->d_name[0] == '.')
                continue;
            char *path = support_path(dir, e->d_name);
            FILE *f = fopen(path, "rb");
            ck_assert_ptr_nonnull(f);
            size_t n = fread(body, 1, sizeof(body), f);
            fclose(f);
            fn(body, n);
            files++;
            free(path);
        }
        closedir(d);
        free(dir);
    }
    return files;
}

static void
json_body_matches(const char *body, size_t len)
{
    scan_matches_jansson(body, len);
}

START_TEST(test_json_scan_is_jansson)
{
    /* Taken by the scanner: the shapes clients send. */
    static const char *const common[] = {
        "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":1240,"
        "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}",
        " {\n \"zapiToken\" : \"T\" ,\r\n\t\"zapiAccountId\":\"456\", \"zapiUserId\": -12 ,"
        " \"zapiMethod\":{\"methodName\":\"m\",\"a\":true,\"b\":false,\"c\":null,\"d\":\"\","
        "\"e\":0,\"f\":[],\"g\":[1,\"x\",{\"h\":[{\"i\":null}]},true],\"j\":{},"
        "\"k\":123456789012345678,\"l\":{\"m\":{\"n\":{\"o\":\"deep\"}}}}} \n",
        "{}",
        "{\"zapiMethod\":{\"methodName\":\"m\"},\"request2\":{\"request\":\"inner names are "
        "names\"}}",
        "{\"a-b.c_d\":\"x y ~!@#$%^&*()[]{}<>&amp;'/\"}",
    };
    /* Left to jansson: escapes, non-ASCII, other numbers, duplicates, the wrapper, errors. */
    static const char *const other[] = {
        "{\"a\":\"x\\\"y\"}",
        "{\"a\":\"\\u00e9\"}",
        "{\"a\":\"\xc3\xa9\"}",
        "{\"a\":\"\x7f\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":1.5}",
        "{\"a\":1e3}",
        "{\"a\":-0}",
        "{\"a\":01}",
        "{\"a\":1234567890123456789}",
        "{\"a\":1,\"a\":2}",
        "{\"m\":{\"a\":1,\"b\":2,\"a\":3}}",
        "{\"request\":{\"zapiToken\":\"T\"}}",
        "{\"a\":[[1]]}",
        "{\"1a\":1}",
        "{\"a:b\":1}",
        "{\"\":1}",
        "[{\"a\":1}]",
        "\"a\"",
        "",
        "{",
        "{\"a\":1,}",
        "{\"a\":1}x",
        "{\"a\" 1}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":-}",
        "\xef\xbb\xbf{\"a\":1}",
        "{\"a\":\"unterminated}",
    };
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        ck_assert_msg(scan_matches_jansson(common[i], strlen(common[i])), "not scanned: %s",
                      common[i]);
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        ck_assert_msg(!scan_matches_jansson(other[i], strlen(other[i])), "scanned: %s", other[i]);
    /* Deep nesting: scanned up to its depth limit, jansson's beyond. */
    for (int depth = 1; depth < 80; depth += 7) {
        struct buf b = BUF_INIT;
        for (int d = 0; d < depth; d++)
            buf_append_str(&b, "{\"a\":");
        buf_append_str(&b, "1");
        for (int d = 0; d < depth; d++)
            buf_append_str(&b, "}");
        scan_matches_jansson(b.data, b.len);
        buf_free(&b);
    }
    /* Every JSON body of the fuzzers' corpora. */
    int files = each_corpus_body("tests/fuzz/corpus/fuzz_envelope_json", json_body_matches);
    ck_assert_int_gt(files, 100);
}
END_TEST

/* When the XML scanner takes body, libxml2 (with the envelope's options) builds the same tree
 * from it. Returns whether it took it. */
static int
xml_scan_matches_libxml2(const char *body, size_t len)
{
    xmlDoc *fast = NULL;
    int took = envelope_xml_scan(body, len, &fast);
    xmlDoc *ref = xmlReadMemory(body, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
    if (took) {
        ck_assert_msg(ref != NULL, "scanned a body libxml2 refuses: %.*s", (int)len, body);
        char *a = dump(fast), *b = dump(ref);
        ck_assert_msg(strcmp(a, b) == 0, "trees differ for %.*s:\n%s\nvs libxml2's\n%s", (int)len,
                      body, a, b);
        free(a);
        free(b);
        /* The same fields, read through the whole envelope. */
        struct envelope env;
        struct buf err = BUF_INIT;
        if (envelope_parse(NULL, body, len, FORMAT_XML, &env, &err) == 0)
            envelope_free(&env);
        buf_free(&err);
    } else {
        ck_assert_ptr_null(fast);
    }
    xmlFreeDoc(fast);
    xmlFreeDoc(ref);
    return took;
}

/* The body, and the body cut short at several points. */
static void
xml_body_and_cuts_match(const char *body, size_t n)
{
    for (size_t cut = 0; cut <= n; cut += cut + 1 < n ? (n - cut) / 7 + 1 : 1)
        xml_scan_matches_libxml2(body, n - cut);
}

START_TEST(test_xml_scan_is_libxml2)
{
    /* Taken by the scanner: the shapes clients send. */
    static const char *const common[] = {
        "<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken><zapiAccountId>456</zapiAccountId>"
        "<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiPing</methodName></zapiMethod>"
        "</request>",
        "\n <request>\n  <zapiToken> T </zapiToken>\n\t<a/><b></b><c>x y\tz</c>"
        "<d-e.f_g9>!\"#$%'()*+,-./:;=?@[\\^_`{|}~</d-e.f_g9><h><i><j>deep</j></i></h>"
        "\n</request>\n \n",
        "<request/>",
        "<xmlish><request>a</request></xmlish>",
        "<a>1<b>2</b>3<c/>4</a>",
    };
    /* Left to libxml2: declarations, attributes, namespaces, references, CDATA, comments, PIs,
     * CR, non-ASCII, "]]>", errors. */
    static const char *const other[] = {
        "<?xml version=\"1.0\"?><request/>",
        "<request a=\"1\"/>",
        "<request ><x/></request>",
        "<request><x >1</x ></request>",
        "<z:request xmlns:z=\"u\"/>",
        "<request>&amp;</request>",
        "<request>&#65;</request>",
        "<request><![CDATA[x]]></request>",
        "<request><!--c--></request>",
        "<request><?pi x?></request>",
        "<request>a\r\nb</request>",
        "<request>\xc3\xa9</request>",
        "<request>a]]>b</request>",
        "<request>a>b</request>",
        "<!DOCTYPE r><request/>",
        "<request>",
        "<request></requesT>",
        "<request></request><again/>",
        "<request/>x",
        "x<request/>",
        "<request><a></b></request>",
        "<1request/>",
        "<request></>",
        "<request/ >",
        "",
        "   ",
        "<request>\x01</request>",
        "\xef\xbb\xbf<request/>",
    };
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        ck_assert_msg(xml_scan_matches_libxml2(common[i], strlen(common[i])), "not scanned: %s",
                      common[i]);
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        ck_assert_msg(!xml_scan_matches_libxml2(other[i], strlen(other[i])), "scanned: %s",
                      other[i]);
    /* Nesting up to the scanner's depth limit and past it. */
    for (int depth = 1; depth < 80; depth += 7) {
        struct buf b = BUF_INIT;
        for (int d = 0; d < depth; d++)
            buf_append_str(&b, "<a>");
        buf_append_str(&b, "1");
        for (int d = 0; d < depth; d++)
            buf_append_str(&b, "</a>");
        ck_assert_int_eq(xml_scan_matches_libxml2(b.data, b.len), depth <= 64);
        buf_free(&b);
    }
    /* Every body of the fuzzers' XML and request corpora, and each cut short. */
    int files = each_corpus_body("tests/fuzz/corpus/fuzz_envelope_xml", xml_body_and_cuts_match);
    ck_assert_int_gt(files, 100);
}
END_TEST

/* Declared encodings other than UTF-8 are converted (they skip the in-place fast path). */
START_TEST(test_xml_declared_encodings)
{
    struct envelope env;
    /* "+AGQ-" is 'd' in UTF-7. */
    parse_ok("<?xml version=\"1.0\" encoding=\"UTF-7\"?><request><zapiToken>T+AGQ-</zapiToken>"
             "<zapiMethod><methodName>zapiPing</methodName></zapiMethod></request>",
             FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "Td");
    envelope_free(&env);
    parse_ok("<?xml version='1.0' encoding='ISO-8859-1'?><request><zapiToken>\xE9</zapiToken>"
             "<zapiMethod><methodName>zapiPing</methodName></zapiMethod></request>",
             FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "\xC3\xA9");
    envelope_free(&env);
    parse_ok("<?xml version=\"1.0\" encoding = \"utf-8\" ?><request><zapiToken>\xC3\xA9</zapiToken>"
             "<zapiMethod><methodName>zapiPing</methodName></zapiMethod></request>",
             FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "\xC3\xA9");
    envelope_free(&env);
}
END_TEST

START_TEST(test_xml_bom_and_declaration_encoding)
{
    struct envelope env;
    parse_ok("\xEF\xBB\xBF<?xml version=\"1.0\"?><request><zapiMethod>"
             "<methodName>zapiPing</methodName></zapiMethod></request>",
             FORMAT_XML, &env);
    ck_assert_str_eq(env.method_name, "zapiPing");
    ck_assert_ptr_null(env.token); /* absent elements stay NULL */
    ck_assert_ptr_null(env.account_id);
    ck_assert_ptr_null(env.user_id);
    envelope_free(&env);

    /* A declared Latin-1 body is converted: e-acute arrives as UTF-8. */
    parse_ok(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><request><zapiToken>caf\xE9</zapiToken>"
        "<zapiMethod><methodName>m</methodName></zapiMethod></request>",
        FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "caf\xC3\xA9");
    envelope_free(&env);
}
END_TEST

START_TEST(test_xml_empty_and_repeated_fields)
{
    const char *body = "<request><zapiToken/><zapiAccountId>   </zapiAccountId>"
                       "<zapiUserId>1</zapiUserId><zapiUserId>2</zapiUserId>"
                       "<zapiMethod><methodName>a</methodName><methodName>b</methodName>"
                       "</zapiMethod><zapiMethod><methodName>c</methodName></zapiMethod>"
                       "</request>";
    struct envelope env;
    parse_ok(body, FORMAT_XML, &env);
    ck_assert_str_eq(env.token, "");      /* present but empty: "", not NULL */
    ck_assert_str_eq(env.account_id, ""); /* whitespace only */
    ck_assert_str_eq(env.user_id, "1");   /* the first of repeated elements */
    ck_assert_str_eq(env.method_name, "a");
    envelope_free(&env);
}
END_TEST

START_TEST(test_xml_not_well_formed_position)
{
    /* The mismatch is found on line 4 at column 12 (after "</requestx>"). */
    const char *body = "<request>\n"
                       "  <zapiToken>abc</zapiToken>\n"
                       "  <zapiMethod><methodName>x</methodName></zapiMethod>\n"
                       "</requestx>";
    fails_str(body, FORMAT_XML, "XML request is not well-formed");
    fails_str(body, FORMAT_XML, "line 4, column 12");
    fails_str(body, FORMAT_XML, "Opening and ending tag mismatch");

    /* Single line: the error is at column 17. */
    fails_str("<request><a></b></request>", FORMAT_XML, "line 1, column 17");
    /* Undefined entity: libxml2 reports it after the ';'. */
    fails_str("<request>\n<zapiMethod><methodName>&foo;</methodName></zapiMethod></request>",
              FORMAT_XML, "line 2, column 30: Entity 'foo' not defined");
    /* The message is trimmed: no trailing newline from libxml2. */
    struct envelope env;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(parse("<request>", FORMAT_XML, &env, &err), -1);
    ck_assert_ptr_nonnull(err.data);
    ck_assert(err.len > 0 && err.data[err.len - 1] != '\n');
    ck_assert_ptr_nonnull(strstr(err.data, "line 1"));
    buf_free(&err);
    fails_str("not xml at all", FORMAT_XML, "line 1, column 1");
    fails_str("<request><zapiMethod></request>", FORMAT_XML, "not well-formed");
    fails_str("<request></request><extra/>", FORMAT_XML, "Extra content at the end");
    /* Invalid UTF-8 in XML. */
    fails_str("<request><zapiMethod><methodName>\xFF\xFE</methodName></zapiMethod></request>",
              FORMAT_XML, "not well-formed");
}
END_TEST

START_TEST(test_xml_first_error_reported)
{
    /* Regression (fixed): parse_xml reports libxml2's last error, and libxml2 goes on after a tag
     * mismatch, so this request is reported as "line 7, column 1: Premature end of data in tag
     * request line 1" (the end of the body) instead of the real mistake on line 4,
     * "Opening and ending tag mismatch: zapiMethod line 2 and request". Expected: the first
     * error, with its line. */
    fails_str("<request>\n<zapiMethod>\n<methodName>x</methodName>\n</request>\n\n\n", FORMAT_XML,
              "line 4, column");
    fails_str("<request>\n<zapiMethod>\n<methodName>x</methodName>\n</request>\n\n\n", FORMAT_XML,
              "Opening and ending tag mismatch: zapiMethod line 2 and request");
}
END_TEST

START_TEST(test_xml_empty_body)
{
    parse_fails("", 0, FORMAT_XML, "XML request is not well-formed");
    parse_fails("", 0, FORMAT_XML, "empty");
    parse_fails("   \n  ", 6, FORMAT_XML, "not well-formed");
    /* len 0 with a non-empty buffer: only len counts. */
    parse_fails("<request/>", 0, FORMAT_XML, "empty");
}
END_TEST

START_TEST(test_xml_wrong_root)
{
    fails_str("<response><zapiMethod><methodName>x</methodName></zapiMethod></response>",
              FORMAT_XML, "the document has no <request> root element (found <response>)");
    fails_str("<Request><zapiMethod><methodName>x</methodName></zapiMethod></Request>", FORMAT_XML,
              "(found <Request>)");
}
END_TEST

START_TEST(test_xml_no_method)
{
    fails_str("<request><zapiToken>t</zapiToken></request>", FORMAT_XML,
              "the request has no zapiMethod element");
    fails_str("<request/>", FORMAT_XML, "no zapiMethod element");
    /* zapiMethod must be a child of <request>, not deeper. */
    fails_str("<request><x><zapiMethod><methodName>p</methodName></zapiMethod></x></request>",
              FORMAT_XML, "no zapiMethod element");
    fails_str("<request><zapiMethod/></request>", FORMAT_XML,
              "the request has no zapiMethod/methodName");
    fails_str("<request><zapiMethod><name>p</name></zapiMethod><methodName>p</methodName>"
              "</request>",
              FORMAT_XML, "no zapiMethod/methodName");
    fails_str("<request><zapiMethod><x><methodName>p</methodName></x></zapiMethod></request>",
              FORMAT_XML, "no zapiMethod/methodName");
}
END_TEST

START_TEST(test_xml_empty_method_name)
{
    fails_str("<request><zapiMethod><methodName/></zapiMethod></request>", FORMAT_XML,
              "no zapiMethod/methodName");
    fails_str("<request><zapiMethod><methodName> \n\t </methodName></zapiMethod></request>",
              FORMAT_XML, "no zapiMethod/methodName");
    fails_str("<request><zapiMethod><methodName><![CDATA[  ]]></methodName></zapiMethod></request>",
              FORMAT_XML, "no zapiMethod/methodName");
}
END_TEST

START_TEST(test_xml_doctype_internal_subset)
{
    const char *msg = "XML request must not contain a DOCTYPE";
    fails_str("<!DOCTYPE request [<!ENTITY a \"zapiPing\">]>"
              "<request><zapiMethod><methodName>&a;</methodName></zapiMethod></request>",
              FORMAT_XML, msg);
    /* Even a harmless, empty DOCTYPE. */
    fails_str("<?xml version=\"1.0\"?>\n<!DOCTYPE request>"
              "<request><zapiMethod><methodName>p</methodName></zapiMethod></request>",
              FORMAT_XML, msg);
    fails_str("<!DOCTYPE request SYSTEM \"http://127.0.0.1:9/evil.dtd\">"
              "<request><zapiMethod><methodName>p</methodName></zapiMethod></request>",
              FORMAT_XML, msg);
    fails_str("<!DOCTYPE request PUBLIC \"-//X//Y\" \"request.dtd\">"
              "<request><zapiMethod><methodName>p</methodName></zapiMethod></request>",
              FORMAT_XML, "DTDs and entities are refused");
}
END_TEST

START_TEST(test_xml_billion_laughs)
{
    struct buf body = BUF_INIT;
    buf_append_str(&body, "<?xml version=\"1.0\"?>\n<!DOCTYPE request [\n"
                          "<!ENTITY l0 \"ha\">\n");
    for (int i = 1; i <= 30; i++)
        buf_printf(&body, "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;\">\n",
                   i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    buf_append_str(&body, "]>\n<request><zapiToken>&l30;</zapiToken><zapiMethod>"
                          "<methodName>&l30;</methodName></zapiMethod></request>");
    double t0 = now_seconds();
    parse_fails(body.data, body.len, FORMAT_XML, "must not contain a DOCTYPE");
    double elapsed = now_seconds() - t0;
    ck_assert_msg(elapsed < 1.0, "entity bomb took %.3f s", elapsed);
    buf_free(&body);
}
END_TEST

/* A temporary file whose content must never appear in any output. */
static const char secret[] = "ZAPI-XXE-SECRET-7f3a91";

static char *
make_secret_file(void)
{
    char *path = strdup("/tmp/zapi-envelope-secret-XXXXXX");
    ck_assert_ptr_nonnull(path);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, secret, sizeof(secret) - 1), (ssize_t)(sizeof(secret) - 1));
    close(fd);
    return path;
}

START_TEST(test_xml_external_entity)
{
    char *path = make_secret_file();
    struct buf body = BUF_INIT;
    buf_printf(&body,
               "<?xml version=\"1.0\"?>\n<!DOCTYPE request [<!ENTITY xxe SYSTEM \"file://%s\">]>\n"
               "<request><zapiToken>&xxe;</zapiToken><zapiMethod><methodName>&xxe;</methodName>"
               "</zapiMethod></request>",
               path);
    struct envelope env;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(envelope_parse(NULL, body.data, body.len, FORMAT_XML, &env, &err), -1);
    ck_assert_ptr_nonnull(err.data);
    ck_assert_ptr_nonnull(strstr(err.data, "DOCTYPE"));
    ck_assert_ptr_null(strstr(err.data, secret));
    ck_assert_ptr_null(env.doc);
    ck_assert_ptr_null(env.token);
    ck_assert_ptr_null(env.method_name);
    buf_free(&err);
    buf_free(&body);

    /* A parameter entity and an external DTD pointing at the file: refused the same way. */
    buf_printf(&body,
               "<!DOCTYPE request [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>"
               "<request><zapiMethod><methodName>p</methodName></zapiMethod></request>",
               path);
    ck_assert_int_eq(envelope_parse(NULL, body.data, body.len, FORMAT_XML, &env, &err), -1);
    ck_assert_ptr_null(strstr(err.data, secret));
    buf_free(&err);
    buf_clear(&body);
    buf_printf(&body,
               "<!DOCTYPE request SYSTEM \"%s\"><request><zapiMethod><methodName>p"
               "</methodName></zapiMethod></request>",
               path);
    ck_assert_int_eq(envelope_parse(NULL, body.data, body.len, FORMAT_XML, &env, &err), -1);
    ck_assert_ptr_null(strstr(err.data, secret));
    buf_free(&err);
    buf_free(&body);

    /* The process-wide loader refuses the file even to a careless parse that substitutes
     * entities and loads DTDs: libxml2 never opens it. */
    struct buf doc = BUF_INIT;
    buf_printf(&doc, "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file://%s\">]><r>&xxe;</r>", path);
    xmlDoc *d = xmlReadMemory(doc.data, (int)doc.len, "careless.xml", NULL,
                              XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING);
    if (d) {
        xmlChar *mem = NULL;
        int size = 0;
        xmlDocDumpMemory(d, &mem, &size);
        ck_assert_ptr_nonnull(mem);
        ck_assert_ptr_null(strstr((const char *)mem, secret));
        xmlFree(mem);
        xmlFreeDoc(d);
    }
    buf_free(&doc);
    unlink(path);
    free(path);
}
END_TEST

/* ---- JSON ---- */

START_TEST(test_json_ids_numbers_and_strings)
{
    struct envelope env;
    parse_ok("{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":\"1240\","
             "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.token, "ZAPI-DEMO-TOKEN");
    ck_assert_str_eq(env.account_id, "456");
    ck_assert_str_eq(env.user_id, "1240");
    ck_assert_str_eq(env.method_name, "zapiPing");
    ck_assert_int_eq(env.format, FORMAT_JSON);
    ck_assert_str_eq((const char *)xmlDocGetRootElement(env.doc)->name, "request");
    envelope_free(&env);

    parse_ok("{\"zapiToken\":\"T\",\"zapiAccountId\":\"456\",\"zapiUserId\":1240,"
             "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.account_id, "456");
    ck_assert_str_eq(env.user_id, "1240");
    envelope_free(&env);

    /* Negative and large integers keep their text. */
    parse_ok("{\"zapiAccountId\":-7,\"zapiUserId\":9007199254740993,"
             "\"zapiMethod\":{\"methodName\":\"m\"}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.account_id, "-7");
    ck_assert_str_eq(env.user_id, "9007199254740993");
    envelope_free(&env);
}
END_TEST

START_TEST(test_json_nested_params)
{
    struct envelope env;
    parse_ok("{\"zapiToken\":\"T\",\"zapiMethod\":{\"methodName\":\"zapiAgents_Authenticate\","
             "\"username\":\"naddau\",\"password\":\"zaui-demo\","
             "\"filter\":{\"date\":{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\"},"
             "\"empty\":{},\"blank\":\"\"}}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.method_name, "zapiAgents_Authenticate");
    assert_lookup(&env, "zapiMethod.username", "naddau");
    assert_lookup(&env, "zapiMethod.password", "zaui-demo");
    assert_lookup(&env, "zapiMethod.filter.date.from", "2024-01-01");
    assert_lookup(&env, "zapiMethod.filter.date.to", "2024-01-31");
    assert_lookup(&env, "zapiMethod.filter.empty", "");
    assert_lookup(&env, "zapiMethod.filter.blank", "");
    assert_lookup(&env, "zapiToken", "T");
    /* The tree has the element shape an XML request would have. */
    xmlNode *filter = xml_child(env.method, "filter");
    ck_assert_ptr_nonnull(filter);
    ck_assert_ptr_nonnull(xml_child(xml_child(filter, "date"), "to"));
    envelope_free(&env);
}
END_TEST

START_TEST(test_json_arrays_repeat)
{
    struct envelope env;
    parse_ok("{\"zapiMethod\":{\"methodName\":\"m\",\"item\":[\"first\",\"second\",{\"id\":3}],"
             "\"none\":[]},\"zapiUserId\":[\"u1\",\"u2\"]}",
             FORMAT_JSON, &env);
    assert_lookup(&env, "zapiMethod.item", "first"); /* the first of the repeats */
    ck_assert_str_eq(env.user_id, "u1");
    assert_no_lookup(&env, "zapiMethod.none"); /* an empty array makes no element */
    int count = 0;
    const char *want[] = {"first", "second", "3"};
    for (xmlNode *c = env.method->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "item") != 0)
            continue;
        struct buf t = BUF_INIT;
        xml_node_text(c, &t);
        ck_assert_int_lt(count, 3);
        ck_assert_str_eq(t.data, want[count]);
        buf_free(&t);
        count++;
    }
    ck_assert_int_eq(count, 3);
    envelope_free(&env);

    /* An array of objects: methodName inside the first zapiMethod. */
    parse_ok("{\"zapiMethod\":[{\"methodName\":\"one\"},{\"methodName\":\"two\"}]}", FORMAT_JSON,
             &env);
    ck_assert_str_eq(env.method_name, "one");
    envelope_free(&env);
    /* An array directly inside an array has no element shape. */
    fails_str("{\"zapiMethod\":{\"methodName\":\"m\",\"x\":[[1,2]]}}", FORMAT_JSON,
              "JSON key \"x\" holds an array inside an array");
}
END_TEST

START_TEST(test_json_request_wrapper)
{
    struct envelope env;
    parse_ok("{\"request\":{\"zapiToken\":\"W\",\"zapiAccountId\":1,\"zapiUserId\":2,"
             "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.token, "W");
    ck_assert_str_eq(env.account_id, "1");
    ck_assert_str_eq(env.user_id, "2");
    ck_assert_str_eq(env.method_name, "zapiPing");
    /* No <request><request>: the wrapper is the root. */
    assert_no_lookup(&env, "request");
    envelope_free(&env);

    /* A bare envelope that also has a "request" member is not unwrapped. */
    parse_ok("{\"zapiToken\":\"B\",\"request\":{\"x\":1},\"zapiMethod\":{\"methodName\":\"p\"}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.token, "B");
    assert_lookup(&env, "request.x", "1");
    envelope_free(&env);

    /* "request" that is not an object is an ordinary member. */
    fails_str("{\"request\":\"x\"}", FORMAT_JSON, "no zapiMethod element");
}
END_TEST

START_TEST(test_json_literals_and_reals)
{
    struct envelope env;
    parse_ok("{\"zapiToken\":null,\"zapiAccountId\":true,\"zapiUserId\":false,"
             "\"zapiMethod\":{\"methodName\":\"m\",\"r1\":1.5,\"r2\":0.1,\"r3\":-2.25,"
             "\"r4\":1e300,\"r5\":456.0,\"r6\":1e-7,\"z\":0,\"t\":true}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.token, ""); /* null: an empty element */
    ck_assert_str_eq(env.account_id, "true");
    ck_assert_str_eq(env.user_id, "false");
    assert_lookup(&env, "zapiMethod.r1", "1.5");
    assert_lookup(&env, "zapiMethod.r2", "0.1"); /* the shortest text that reads back */
    assert_lookup(&env, "zapiMethod.r3", "-2.25");
    assert_lookup(&env, "zapiMethod.r4", "1e+300");
    assert_lookup(&env, "zapiMethod.r5", "456");
    assert_lookup(&env, "zapiMethod.r6", "1e-07");
    assert_lookup(&env, "zapiMethod.z", "0");
    assert_lookup(&env, "zapiMethod.t", "true");
    envelope_free(&env);

    /* A real that needs 17 digits keeps them all. */
    parse_ok("{\"zapiMethod\":{\"methodName\":\"m\",\"r\":0.30000000000000004}}", FORMAT_JSON,
             &env);
    struct buf out = BUF_INIT;
    ck_assert_int_eq(envelope_lookup(&env, "zapiMethod.r", &out), 0);
    ck_assert_double_eq(strtod(out.data, NULL), 0.30000000000000004);
    buf_free(&out);
    envelope_free(&env);

    /* Strings are not trimmed by JSON but by the lookup, like XML text. */
    parse_ok("{\"zapiToken\":\"  spaced  \",\"zapiMethod\":{\"methodName\":\" p \"}}", FORMAT_JSON,
             &env);
    ck_assert_str_eq(env.token, "spaced");
    ck_assert_str_eq(env.method_name, "p");
    envelope_free(&env);
}
END_TEST

START_TEST(test_json_unicode_and_markup)
{
    struct envelope env;
    parse_ok("{\"zapiToken\":\"<tok>&\\u00e9\\ud83d\\ude00\",\"zapiMethod\":{\"methodName\":"
             "\"]]>\"}}",
             FORMAT_JSON, &env);
    ck_assert_str_eq(env.token, "<tok>&\xC3\xA9\xF0\x9F\x98\x80");
    ck_assert_str_eq(env.method_name, "]]>");
    envelope_free(&env);
}
END_TEST

START_TEST(test_json_invalid)
{
    fails_str("{\"a\":", FORMAT_JSON, "JSON request is not valid: line 1, column 5");
    fails_str("{\n  \"zapiToken\": \"x\",\n  \"zapiMethod\": {\"methodName\": \"p\",}\n}",
              FORMAT_JSON, "JSON request is not valid: line 3");
    fails_str("{\n  \"zapiToken\": \"x\"\n  \"zapiUserId\": 1\n}", FORMAT_JSON, "line 3, column");
    fails_str("", FORMAT_JSON, "JSON request is not valid");
    fails_str("{} trailing", FORMAT_JSON, "JSON request is not valid");
    fails_str("{'a': 1}", FORMAT_JSON, "not valid");
    fails_str("{\"a\":\"\\u0000\"}", FORMAT_JSON, "not valid"); /* NUL in a string */
}
END_TEST

START_TEST(test_json_not_object)
{
    fails_str("[1,2]", FORMAT_JSON, "JSON request must be an object");
    fails_str("[]", FORMAT_JSON, "must be an object");
    /* jansson refuses a bare scalar outright. */
    fails_str("\"zapiPing\"", FORMAT_JSON, "JSON request is not valid");
    fails_str("42", FORMAT_JSON, "JSON request is not valid");
    fails_str("null", FORMAT_JSON, "JSON request is not valid");
    fails_str("{}", FORMAT_JSON, "the request has no zapiMethod element");
    fails_str("{\"zapiMethod\":{}}", FORMAT_JSON, "no zapiMethod/methodName");
    fails_str("{\"zapiMethod\":\"zapiPing\"}", FORMAT_JSON, "no zapiMethod/methodName");
    fails_str("{\"zapiMethod\":{\"methodName\":\"\"}}", FORMAT_JSON, "no zapiMethod/methodName");
    fails_str("{\"zapiMethod\":{\"methodName\":null}}", FORMAT_JSON, "no zapiMethod/methodName");
    fails_str("{\"zapiMethod\":{\"methodName\":{}}}", FORMAT_JSON, "no zapiMethod/methodName");
}
END_TEST

START_TEST(test_json_duplicate_keys)
{
    fails_str("{\"zapiToken\":\"a\",\"zapiToken\":\"b\",\"zapiMethod\":{\"methodName\":\"p\"}}",
              FORMAT_JSON, "duplicate object key");
    fails_str("{\"zapiMethod\":{\"methodName\":\"p\",\"methodName\":\"q\"}}", FORMAT_JSON,
              "JSON request is not valid");
}
END_TEST

START_TEST(test_json_bad_key)
{
    fails_str("{\"1abc\":1,\"zapiMethod\":{\"methodName\":\"p\"}}", FORMAT_JSON,
              "JSON key \"1abc\" is not a valid ZAPI element name");
    fails_str("{\"zapiMethod\":{\"methodName\":\"p\",\"a b\":1}}", FORMAT_JSON,
              "JSON key \"a b\" is not a valid");
    fails_str("{\"zapiMethod\":{\"methodName\":\"p\",\"\":1}}", FORMAT_JSON,
              "JSON key \"\" is not a valid");
    fails_str("{\"zapiMethod\":{\"methodName\":\"p\",\"ns:x\":1}}", FORMAT_JSON,
              "is not a valid ZAPI element name");
    fails_str("{\"zapiMethod\":{\"methodName\":\"p\",\"<x>\":1}}", FORMAT_JSON,
              "is not a valid ZAPI element name");
    /* A key inside an array element is checked too. */
    fails_str("{\"zapiMethod\":{\"methodName\":\"p\",\"list\":[{\"9\":1}]}}", FORMAT_JSON,
              "JSON key \"9\"");
    /* A long bad key is cut in the message. */
    char body[400];
    char key[201];
    memset(key, 'x', 200);
    key[0] = '-';
    key[200] = '\0';
    snprintf(body, sizeof(body), "{\"%s\":1}", key);
    struct envelope env;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(parse(body, FORMAT_JSON, &env, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.data, "is not a valid ZAPI element name"));
    ck_assert_uint_lt(err.len, 150);
    buf_free(&err);
    /* Names XML allows are fine, including non-ASCII letters, '-', '.', '_'. */
    parse_ok("{\"zapiMethod\":{\"methodName\":\"p\",\"a-b.c_d\":1,\"caf\xC3\xA9\":2}}", FORMAT_JSON,
             &env);
    assert_lookup(&env, "zapiMethod.caf\xC3\xA9", "2");
    envelope_free(&env);
}
END_TEST

static void
nested_json(struct buf *b, int levels)
{
    /* levels elements under <request>: {"a":{"a":...{"a":"x"}...}} */
    buf_clear(b);
    buf_append_str(b, "{\"zapiMethod\":{\"methodName\":\"p\"}");
    for (int i = 0; i < levels; i++)
        buf_append_str(b, i == 0 ? ",\"a\":" : "{\"a\":");
    buf_append_str(b, "\"x\"");
    for (int i = 1; i < levels; i++)
        buf_append_str(b, "}");
    buf_append_str(b, "}");
}

START_TEST(test_json_depth)
{
    struct buf b = BUF_INIT;
    struct envelope env;
    struct buf err = BUF_INIT;
    nested_json(&b, ENVELOPE_MAX_JSON_DEPTH);
    ck_assert_msg(envelope_parse(NULL, b.data, b.len, FORMAT_JSON, &env, &err) == 0, "%s",
                  err.data);
    struct buf path = BUF_INIT;
    for (int i = 0; i < ENVELOPE_MAX_JSON_DEPTH; i++)
        buf_append_str(&path, i ? ".a" : "a");
    assert_lookup(&env, path.data, "x");
    envelope_free(&env);
    buf_free(&path);

    nested_json(&b, ENVELOPE_MAX_JSON_DEPTH + 1);
    parse_fails(b.data, b.len, FORMAT_JSON, "JSON request nests deeper than 64 levels");

    /* Arrays count as a level. */
    buf_clear(&b);
    buf_append_str(&b, "{\"zapiMethod\":{\"methodName\":\"p\"},\"a\":");
    for (int i = 0; i < ENVELOPE_MAX_JSON_DEPTH; i++)
        buf_append_str(&b, "[{\"a\":");
    buf_append_str(&b, "1");
    for (int i = 0; i < ENVELOPE_MAX_JSON_DEPTH; i++)
        buf_append_str(&b, "}]");
    buf_append_str(&b, "}");
    parse_fails(b.data, b.len, FORMAT_JSON, "nests deeper than");

    /* Far deeper than the limit: refused cleanly (jansson's own limit or ours). */
    buf_clear(&b);
    buf_append_str(&b, "{\"a\":");
    for (int i = 0; i < 5000; i++)
        buf_append_str(&b, "{\"a\":");
    buf_append_str(&b, "1");
    for (int i = 0; i < 5001; i++)
        buf_append_str(&b, "}");
    parse_fails(b.data, b.len, FORMAT_JSON, "JSON request");
    buf_free(&b);
    buf_free(&err);
}
END_TEST

START_TEST(test_json_invalid_utf8)
{
    fails_str("{\"zapiToken\":\"\xFF\",\"zapiMethod\":{\"methodName\":\"p\"}}", FORMAT_JSON,
              "JSON request is not valid: line 1, column");
    fails_str("{\"zapiToken\":\"\xC3\",\"zapiMethod\":{\"methodName\":\"p\"}}", FORMAT_JSON,
              "not valid");
    fails_str("{\"\xED\xA0\x80\":1}", FORMAT_JSON, "not valid"); /* encoded surrogate */
    fails_str("{\"zapiToken\":\"\\ud800\",\"zapiMethod\":{\"methodName\":\"p\"}}", FORMAT_JSON,
              "not valid"); /* lone surrogate escape */
    /* Embedded NUL byte in the body. */
    parse_fails("{\"zapiToken\":\"a\0b\"}", 19, FORMAT_JSON, "not valid");
}
END_TEST

/* ---- envelope_lookup ---- */

START_TEST(test_lookup_paths)
{
    struct envelope env;
    parse_ok("<request><zapiToken> T </zapiToken><zapiMethod><methodName>m</methodName>"
             "<a><b><c>deep</c></b><b><c>second</c></b></a><empty/></zapiMethod></request>",
             FORMAT_XML, &env);
    assert_lookup(&env, "zapiToken", "T");
    assert_lookup(&env, "zapiMethod.methodName", "m");
    assert_lookup(&env, "zapiMethod.a.b.c", "deep"); /* first b */
    assert_lookup(&env, "zapiMethod.empty", "");
    assert_no_lookup(&env, "zapiMethod.missing");
    assert_no_lookup(&env, "missing");
    assert_no_lookup(&env, "zapiMethod.a.c");
    assert_no_lookup(&env, "zapiMethod.a.b.c.d");
    assert_no_lookup(&env, "zapiMethod..methodName");
    assert_no_lookup(&env, ".zapiToken");
    assert_no_lookup(&env, "request.zapiToken"); /* paths start under <request> */
    assert_no_lookup(&env, "ZAPITOKEN");         /* names are case-sensitive */
    /* A name longer than any element name is simply absent. */
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_no_lookup(&env, longname);
    /* The value is appended, not replacing what the buffer held. */
    struct buf out = BUF_INIT;
    buf_append_str(&out, "x=");
    ck_assert_int_eq(envelope_lookup(&env, "zapiToken", &out), 0);
    ck_assert_str_eq(out.data, "x=T");
    buf_free(&out);
    envelope_free(&env);

    /* An empty envelope has nothing. */
    struct envelope none;
    memset(&none, 0, sizeof(none));
    assert_no_lookup(&none, "zapiToken");
}
END_TEST

START_TEST(test_xml_helpers)
{
    struct envelope env;
    parse_ok("<request><zapiMethod><!-- c --><methodName>m</methodName>text<x/>"
             "<methodName>n</methodName></zapiMethod></request>",
             FORMAT_XML, &env);
    xmlNode *m = xml_child(env.method, "methodName");
    ck_assert_ptr_nonnull(m);
    struct buf t = BUF_INIT;
    xml_node_text(m, &t);
    ck_assert_str_eq(t.data, "m");
    buf_free(&t);
    ck_assert_ptr_null(xml_child(env.method, "nothing"));
    ck_assert_ptr_null(xml_child(NULL, "x"));
    ck_assert_ptr_nonnull(xml_child(env.method, "x"));
    envelope_free(&env);
}
END_TEST

static Suite *
envelope_suite(void)
{
    Suite *s = suite_create("envelope");
    TCase *tc = tcase_create("detect");
    tcase_add_test(tc, test_detect_content_type);
    tcase_add_test(tc, test_detect_body);
    suite_add_tcase(s, tc);

    tc = tcase_create("xml");
    tcase_add_test(tc, test_xml_valid);
    tcase_add_test(tc, test_xml_order_attributes_whitespace);
    tcase_add_test(tc, test_xml_cdata_and_entities);
    tcase_add_test(tc, test_xml_context_reuse);
    tcase_add_test(tc, test_xml_short_and_long_texts);
    tcase_add_test(tc, test_json_scan_is_jansson);
    tcase_add_test(tc, test_xml_scan_is_libxml2);
    tcase_add_test(tc, test_xml_declared_encodings);
    tcase_add_test(tc, test_xml_bom_and_declaration_encoding);
    tcase_add_test(tc, test_xml_empty_and_repeated_fields);
    tcase_add_test(tc, test_xml_not_well_formed_position);
    tcase_add_test(tc, test_xml_empty_body);
    tcase_add_test(tc, test_xml_wrong_root);
    tcase_add_test(tc, test_xml_no_method);
    tcase_add_test(tc, test_xml_empty_method_name);
    tcase_add_test(tc, test_xml_helpers);
    suite_add_tcase(s, tc);

    tc = tcase_create("xml-hostile");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_xml_doctype_internal_subset);
    tcase_add_test(tc, test_xml_billion_laughs);
    tcase_add_test(tc, test_xml_external_entity);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_test(tc, test_json_ids_numbers_and_strings);
    tcase_add_test(tc, test_json_nested_params);
    tcase_add_test(tc, test_json_arrays_repeat);
    tcase_add_test(tc, test_json_request_wrapper);
    tcase_add_test(tc, test_json_literals_and_reals);
    tcase_add_test(tc, test_json_unicode_and_markup);
    tcase_add_test(tc, test_json_invalid);
    tcase_add_test(tc, test_json_not_object);
    tcase_add_test(tc, test_json_duplicate_keys);
    tcase_add_test(tc, test_json_bad_key);
    tcase_add_test(tc, test_json_depth);
    tcase_add_test(tc, test_json_invalid_utf8);
    suite_add_tcase(s, tc);

    tc = tcase_create("lookup");
    tcase_add_test(tc, test_lookup_paths);
    suite_add_tcase(s, tc);

    /* Regressions: behaviour the server got wrong until these tests found it. */
    tc = tcase_create("regressions");
    tcase_set_tags(tc, "regression");
    tcase_add_test(tc, test_xml_first_error_reported);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    int rc = support_run(envelope_suite());
    xmlCleanupParser();
    return rc;
}
