/* Unit tests for fixtures: the repository's fixture set (pre-rendered static answers, dynamic
 * ones flagged, error answers, reference counting) and broken sets, each a copy of fixtures/ in a
 * temporary directory with one thing broken. */
#include "fixtures.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "render.h"
#include "zapi.h"
#include "support.h"

static char base[] = "/tmp/zapi-fixtures-XXXXXX";

static const char ping_json[] =
    "{\"response\":{\"zapiVersion\":\"2.1\",\"error\":\"0\",\"message\":\"OK\","
    "\"methodResponse\":{\"methodName\":\"zapiPing\",\"methodErrorCode\":\"0\","
    "\"methodErrorMessage\":\"Pong\"}}}";

static const char ping_xml[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                               "<response>\n"
                               "  <zapiVersion>2.1</zapiVersion>\n"
                               "  <error>0</error>\n"
                               "  <message>OK</message>\n"
                               "  <methodResponse>\n"
                               "    <methodName>zapiPing</methodName>\n"
                               "    <methodErrorCode>0</methodErrorCode>\n"
                               "    <methodErrorMessage>Pong</methodErrorMessage>\n"
                               "  </methodResponse>\n"
                               "</response>\n";

static struct fixture_set *
load_ok(const char *dir)
{
    struct fixture_set *fs = NULL;
    struct buf err = BUF_INIT;
    ck_assert_msg(fixtures_load(dir, &fs, &err) == 0, "%s", err.data);
    ck_assert_ptr_nonnull(fs);
    ck_assert_ptr_null(err.data);
    return fs;
}

/* fixtures_load(dir) must fail with an error starting with prefix (when not NULL) and holding
 * want. */
static void
load_fails(const char *dir, const char *prefix, const char *want)
{
    struct fixture_set *fs = (struct fixture_set *)1;
    struct buf err = BUF_INIT;
    ck_assert_int_eq(fixtures_load(dir, &fs, &err), -1);
    ck_assert_ptr_null(fs);
    ck_assert_ptr_nonnull(err.data);
    if (prefix)
        ck_assert_msg(strncmp(err.data, prefix, strlen(prefix)) == 0,
                      "error \"%s\" does not start with \"%s\"", err.data, prefix);
    ck_assert_msg(strstr(err.data, want) != NULL, "error \"%s\" lacks \"%s\"", err.data, want);
    buf_free(&err);
}

/* A method file path inside dir plus a suffix, as the expected error prefix. */
static char *
prefix_of(const char *dir, const char *rel, const char *suffix)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s/%s%s", dir, rel, suffix);
    return b.data;
}

/* ---- the repository's set ---- */

START_TEST(test_repo_set)
{
    char *dir = support_repo_fixtures();
    struct fixture_set *fs = load_ok(dir);
    ck_assert_int_eq(fs->refs, 1);
    ck_assert_str_eq(fs->dir, dir);
    ck_assert(fs->loaded_at > 0);
    ck_assert_ptr_nonnull(fs->registry);
    ck_assert_ptr_nonnull(registry_partner(fs->registry, "ZAPI-DEMO-TOKEN"));
    ck_assert_uint_ge(fs->nmethods, 2);
    for (size_t i = 1; i < fs->nmethods; i++) /* sorted by name */
        ck_assert_int_lt(strcmp(fs->methods[i - 1].name, fs->methods[i].name), 0);
    ck_assert_ptr_null(fixtures_method(fs, "zapiping"));
    ck_assert_ptr_null(fixtures_method(fs, ""));
    ck_assert_ptr_null(fixtures_method(fs, "zapiNoSuchMethod"));
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_ping_static)
{
    char *dir = support_repo_fixtures();
    struct fixture_set *fs = load_ok(dir);
    const struct fixture *f = fixtures_method(fs, "zapiPing");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->name, "zapiPing");
    ck_assert_ptr_nonnull(strstr(f->path, "methods/zapiPing.xml"));
    ck_assert_ptr_nonnull(f->doc);
    ck_assert_uint_eq(f->nanswers, 1);
    const struct answer *a = &f->answers[0];
    ck_assert_str_eq(a->outcome, "");
    ck_assert_int_eq(a->status, 0);
    ck_assert_int_eq(a->dynamic, 0);
    ck_assert_str_eq((const char *)a->response->name, "response");
    ck_assert_int_eq(a->zapi_error, 0);
    ck_assert_int_eq(a->method_error, 0);
    /* Pre-rendered: the bytes sent, without the fixture's comment. */
    ck_assert_str_eq(a->xml.data, ping_xml);
    ck_assert_str_eq(a->json.data, ping_json);
    /* Any outcome falls back to the default answer. */
    ck_assert_ptr_eq(fixture_answer(f, ""), a);
    ck_assert_ptr_eq(fixture_answer(f, "found"), a);

    /* render_answer serves the cache and reports the codes. */
    struct buf out = BUF_INIT;
    int ze = 9, me = 9;
    ck_assert_int_eq(render_answer(a, FORMAT_JSON, NULL, NULL, NULL, &out, &ze, &me), 0);
    ck_assert_str_eq(out.data, ping_json);
    ck_assert_int_eq(ze, 0);
    ck_assert_int_eq(me, 0);
    buf_clear(&out);
    ck_assert_int_eq(render_answer(a, FORMAT_XML, NULL, NULL, NULL, &out, &ze, &me), 0);
    ck_assert_str_eq(out.data, ping_xml);
    buf_free(&out);
    fixtures_release(fs);
    free(dir);
}
END_TEST

static int
empty_lookup(void *ctx, const char *name, struct buf *out)
{
    (void)ctx;
    if (strcmp(name, "error.message") == 0)
        return buf_append_str(out, "msg");
    return -1;
}

START_TEST(test_authenticate_dynamic)
{
    char *dir = support_repo_fixtures();
    struct fixture_set *fs = load_ok(dir);
    const struct fixture *f = fixtures_method(fs, "zapiAgents_Authenticate");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->nanswers, 3);
    const char *outcomes[] = {"found", "invalid-user", "inactive"};
    const int codes[] = {0, 70, 71};
    for (int i = 0; i < 3; i++) {
        const struct answer *a = fixture_answer(f, outcomes[i]);
        ck_assert_ptr_nonnull(a);
        ck_assert_str_eq(a->outcome, outcomes[i]);
        ck_assert_int_eq(a->dynamic, 1);
        ck_assert_int_eq(a->zapi_error, -1); /* known only once rendered */
        ck_assert_int_eq(a->method_error, -1);
        ck_assert_uint_eq(a->xml.len, 0);
        ck_assert_uint_eq(a->json.len, 0);
        struct buf out = BUF_INIT;
        int ze, me;
        ck_assert_int_eq(render_answer(a, FORMAT_XML, NULL, empty_lookup, NULL, &out, &ze, &me), 0);
        ck_assert_int_eq(ze, 0);
        ck_assert_int_eq(me, codes[i]);
        ck_assert_ptr_nonnull(strstr(out.data, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        buf_free(&out);
    }
    /* No default answer here: an unknown outcome gets the first one (see
     * test_answer_fallback). */
    ck_assert_ptr_eq(fixture_answer(f, "other"), &f->answers[0]);
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_error_fixtures)
{
    char *dir = support_repo_fixtures();
    struct fixture_set *fs = load_ok(dir);
    const char *names[FIXTURE_ERR_COUNT] = {"validation",     "throttled",  "invalid-request",
                                            "unknown-method", "http-error", "method-error"};
    const int zapi_codes[FIXTURE_ERR_COUNT] = {1, 2, 3, 0, 3, 0};
    for (int i = 0; i < FIXTURE_ERR_COUNT; i++) {
        ck_assert_str_eq(fixtures_error_name((enum fixture_error)i), names[i]);
        const struct fixture *f = fixtures_error(fs, (enum fixture_error)i);
        ck_assert_ptr_nonnull(f);
        ck_assert_str_eq(f->name, names[i]);
        struct buf tail = BUF_INIT;
        buf_printf(&tail, "errors/%s.xml", names[i]);
        ck_assert_ptr_nonnull(strstr(f->path, tail.data));
        buf_free(&tail);
        ck_assert_uint_ge(f->nanswers, 1);
        const struct answer *a = fixture_answer(f, "");
        ck_assert_ptr_nonnull(a);
        ck_assert_int_eq(a->dynamic, 1); /* every one shows {{error.message}} or the wait */
        struct buf out = BUF_INIT;
        int ze, me;
        ck_assert_int_eq(render_answer(a, FORMAT_JSON, NULL, empty_lookup, NULL, &out, &ze, &me),
                         0);
        ck_assert_int_eq(ze, zapi_codes[i]);
        ck_assert_ptr_nonnull(strstr(out.data, "{\"response\":{\"zapiVersion\":\"2.1\""));
        buf_free(&out);
    }
    ck_assert_int_eq(fixture_answer(fixtures_error(fs, FIXTURE_ERR_UNKNOWN_METHOD), "")->dynamic,
                     1);
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_retain_release)
{
    char *dir = support_repo_fixtures();
    struct fixture_set *fs = load_ok(dir);
    ck_assert_ptr_eq(fixtures_retain(fs), fs);
    ck_assert_int_eq(fs->refs, 2);
    ck_assert_ptr_eq(fixtures_retain(fs), fs);
    ck_assert_int_eq(fs->refs, 3);
    fixtures_release(fs);
    fixtures_release(fs);
    ck_assert_int_eq(fs->refs, 1);
    /* Still whole while one reference is held. */
    ck_assert_ptr_nonnull(fixtures_method(fs, "zapiPing"));
    fixtures_release(fs); /* the last one frees (valgrind checks) */
    fixtures_release(NULL);
    free(dir);
}
END_TEST

START_TEST(test_zapi_load_repo)
{
    char *dir = support_repo_fixtures();
    fixtures_release(support_load_set(dir));
    free(dir);
}
END_TEST

/* ---- broken sets ---- */

START_TEST(test_missing_error_file)
{
    char *dir = support_scratch_set(base);
    for (int i = 0; i < FIXTURE_ERR_COUNT; i++) {
        struct buf rel = BUF_INIT;
        buf_printf(&rel, "errors/%s.xml", fixtures_error_name((enum fixture_error)i));
        char *p = support_path(dir, rel.data);
        char *saved = support_path(dir, "saved.xml");
        ck_assert_int_eq(rename(p, saved), 0);
        struct buf want = BUF_INIT;
        buf_printf(&want, "%s: cannot open: No such file or directory", p);
        load_fails(dir, NULL, want.data);
        ck_assert_int_eq(rename(saved, p), 0);
        buf_free(&want);
        buf_free(&rel);
        free(p);
        free(saved);
    }
    fixtures_release(load_ok(dir)); /* whole again */
    free(dir);
}
END_TEST

START_TEST(test_method_not_well_formed)
{
    char *dir = support_scratch_set(base);
    support_write_in(
        dir, "methods/zapiBroken.xml",
        "<?xml version=\"1.0\"?>\n<response>\n  <error>0</error\n  <x/>\n</response>\n", NULL);
    char *prefix = prefix_of(dir, "methods/zapiBroken.xml", ":4:");
    load_fails(dir, prefix, "");
    free(prefix);
    free(dir);
}
END_TEST

START_TEST(test_method_wrong_root)
{
    char *dir = support_scratch_set(base);
    support_write_in(dir, "methods/zapiWrong.xml", "<?xml version=\"1.0\"?>\n\n<request/>\n", NULL);
    char *prefix = prefix_of(dir, "methods/zapiWrong.xml", ":3:");
    load_fails(dir, prefix, "the root element must be <response> or <fixture>, not <request>");
    free(prefix);
    free(dir);
}
END_TEST

START_TEST(test_fixture_structure_errors)
{
    char *dir = support_scratch_set(base);
    char *prefix = prefix_of(dir, "methods/zapiX.xml", ":");
    /* <answer> without <response>. */
    support_write_in(dir, "methods/zapiX.xml",
                     "<fixture>\n  <answer outcome=\"a\">\n    <other/>\n  </answer>\n</fixture>\n",
                     NULL);
    load_fails(dir, prefix, "2: <answer> must hold exactly one <response> element");
    /* An empty <answer>, and one with two <response>. */
    support_write_in(dir, "methods/zapiX.xml", "<fixture><answer/></fixture>", NULL);
    load_fails(dir, prefix, "1: <answer> must hold exactly one <response> element");
    support_write_in(dir, "methods/zapiX.xml",
                     "<fixture>\n<answer><response/><response/></answer></fixture>", NULL);
    load_fails(dir, prefix, "2: <answer> must hold exactly one <response>");
    /* Something other than <answer> in <fixture>. */
    support_write_in(dir, "methods/zapiX.xml",
                     "<fixture>\n<answer><response/></answer>\n<response/>\n</fixture>", NULL);
    load_fails(dir, prefix, "3: unknown element <response> in <fixture> (expected <answer>)");
    /* A <fixture> with no answer at all. */
    support_write_in(dir, "methods/zapiX.xml", "<!-- nothing -->\n<fixture>\n</fixture>", NULL);
    load_fails(dir, prefix, "2: <fixture> has no <answer>");
    free(prefix);
    free(dir);
}
END_TEST

/* <when param="...">value</when> picks an answer by the request's values; answers without
 * conditions are the default; a handler's outcome still comes first. */
static const char *const when_fixture =
    "<fixture>\n"
    "  <answer><when param=\"zapiMethod.activityId\">12</when>\n"
    "    <response><error>0</error><message>twelve</message></response></answer>\n"
    "  <answer><when param=\"zapiMethod.activityId\"> 13 </when>\n"
    "    <when param=\"zapiMethod.date\">2026-12-01</when>\n"
    "    <response><error>0</error><message>thirteen-first</message></response></answer>\n"
    "  <answer><response><error>0</error><message>default</message></response></answer>\n"
    "</fixture>\n";

struct fake_request {
    const char *activity;
    const char *date;
};

static int
fake_param(void *ctx, const char *path, struct buf *out)
{
    const struct fake_request *r = ctx;
    const char *v = strcmp(path, "zapiMethod.activityId") == 0 ? r->activity
                    : strcmp(path, "zapiMethod.date") == 0     ? r->date
                                                               : NULL;
    if (!v)
        return -1;
    return buf_append_str(out, v);
}

static const char *
message_of(const struct answer *a)
{
    ck_assert_ptr_nonnull(a);
    xmlNode *m = a->response->children;
    while (m && (m->type != XML_ELEMENT_NODE || strcmp((const char *)m->name, "message") != 0))
        m = m->next;
    ck_assert_ptr_nonnull(m);
    return (const char *)m->children->content;
}

START_TEST(test_answer_chosen_by_request_values)
{
    char *dir = support_scratch_set(base);
    support_write_in(dir, "methods/zapiGetActivityDetailsByActivityId.xml", when_fixture, NULL);
    struct fixture_set *fs = load_ok(dir);
    const struct fixture *f = fixtures_method(fs, "zapiGetActivityDetailsByActivityId");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->answers[1].nwhen, 2);
    ck_assert_str_eq(f->answers[1].when[0].value, "13"); /* trimmed */

    struct fake_request r12 = {"12", NULL}, r13 = {"13", "2026-12-01"}, r13b = {"13", "2026-12-02"};
    struct fake_request none = {NULL, NULL};
    ck_assert_str_eq(message_of(fixture_answer_match(f, "", fake_param, &r12)), "twelve");
    ck_assert_str_eq(message_of(fixture_answer_match(f, "", fake_param, &r13)), "thirteen-first");
    /* Every condition must hold. */
    ck_assert_str_eq(message_of(fixture_answer_match(f, "", fake_param, &r13b)), "default");
    ck_assert_str_eq(message_of(fixture_answer_match(f, "", fake_param, &none)), "default");
    /* No request at all: only unconditional answers apply. */
    ck_assert_str_eq(message_of(fixture_answer(f, "")), "default");
    /* An outcome without answers of its own falls back to the conditional defaults. */
    ck_assert_str_eq(message_of(fixture_answer_match(f, "found", fake_param, &r12)), "twelve");

    /* Through zapi_handle: the request's own values choose. */
    struct zapi_env env = {.fixtures = fs, .now = 1800000000};
    const char *body = "<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken>"
                       "<zapiAccountId>456</zapiAccountId><zapiUserId>1240</zapiUserId>"
                       "<zapiMethod><methodName>zapiGetActivityDetailsByActivityId</methodName>"
                       "<activityId type=\"integer\"> 12 </activityId></zapiMethod></request>";
    struct zapi_result res;
    zapi_result_init(&res);
    zapi_handle(&env, "text/xml", body, strlen(body), &res);
    ck_assert_int_eq(res.status, 200);
    ck_assert_msg(strstr(res.body.data, "<message>twelve</message>") != NULL, "%s", res.body.data);
    zapi_result_free(&res);
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_when_errors)
{
    char *dir = support_scratch_set(base);
    char *prefix = prefix_of(dir, "methods/zapiW.xml", ":");
    support_write_in(dir, "methods/zapiW.xml",
                     "<fixture>\n<answer>\n<when>1</when><response/></answer></fixture>", NULL);
    load_fails(dir, prefix, "3: <when> needs param=");
    support_write_in(dir, "methods/zapiW.xml",
                     "<fixture>\n<answer><when param=\"a b\">1</when><response/></answer>"
                     "</fixture>",
                     NULL);
    load_fails(dir, prefix, "2: <when> needs param=");
    /* Conditional answers may share an outcome; two unconditional ones may not. */
    support_write_in(dir, "methods/zapiW.xml",
                     "<fixture>\n<answer><when param=\"x\">1</when><response/></answer>\n"
                     "<answer><when param=\"x\">2</when><response/></answer>\n"
                     "<answer><response/></answer>\n<answer><response/></answer></fixture>",
                     NULL);
    load_fails(dir, prefix, "5: a second <answer> for outcome \"\" without <when>");
    free(prefix);
    free(dir);
}
END_TEST

START_TEST(test_duplicate_outcome)
{
    char *dir = support_scratch_set(base);
    char *prefix = prefix_of(dir, "methods/zapiDup.xml", ":4:");
    support_write_in(dir, "methods/zapiDup.xml",
                     "<fixture>\n"
                     "  <answer outcome=\"x\"><response><error>0</error></response></answer>\n"
                     "  <answer outcome=\"y\"><response><error>0</error></response></answer>\n"
                     "  <answer outcome=\"x\"><response><error>1</error></response></answer>\n"
                     "</fixture>\n",
                     NULL);
    load_fails(dir, prefix, "a second <answer> for outcome \"x\"");
    free(prefix);
    /* Two default answers are duplicates too. */
    prefix = prefix_of(dir, "methods/zapiDup.xml", ":3:");
    support_write_in(dir, "methods/zapiDup.xml",
                     "<fixture>\n"
                     "  <answer><response/></answer>\n"
                     "  <answer outcome=\"\"><response/></answer>\n"
                     "</fixture>\n",
                     NULL);
    load_fails(dir, prefix, "a second <answer> for outcome \"\"");
    free(prefix);
    free(dir);
}
END_TEST

START_TEST(test_bad_status)
{
    char *dir = support_scratch_set(base);
    char *prefix = prefix_of(dir, "methods/zapiS.xml", ":2:");
    const char *bad[] = {"abc", "199", "600", "", "20x", "-200", "2000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf xml = BUF_INIT, want = BUF_INIT;
        buf_printf(&xml, "<fixture>\n<answer status=\"%s\"><response/></answer></fixture>", bad[i]);
        buf_printf(&want, "status \"%s\" is not an HTTP status from 200 to 599", bad[i]);
        support_write_in(dir, "methods/zapiS.xml", xml.data, NULL);
        load_fails(dir, prefix, want.data);
        buf_free(&xml);
        buf_free(&want);
    }
    free(prefix);

    /* Good ones are kept, per answer. */
    support_write_in(dir, "methods/zapiS.xml",
                     "<fixture>\n"
                     "<answer status=\"401\"><response><error>1</error></response></answer>\n"
                     "<answer outcome=\"teapot\" status=\"599\"><response><error>0</error>"
                     "<methodResponse><methodErrorCode>42</methodErrorCode></methodResponse>"
                     "</response></answer>\n"
                     "<answer outcome=\"plain\" status=\"200\"><response><error>x</error>"
                     "</response></answer>\n"
                     "</fixture>",
                     NULL);
    struct fixture_set *fs = load_ok(dir);
    const struct fixture *f = fixtures_method(fs, "zapiS");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fixture_answer(f, "")->status, 401);
    ck_assert_int_eq(fixture_answer(f, "")->zapi_error, 1);
    ck_assert_int_eq(fixture_answer(f, "")->method_error, -1);
    ck_assert_int_eq(fixture_answer(f, "teapot")->status, 599);
    ck_assert_int_eq(fixture_answer(f, "teapot")->zapi_error, 0);
    ck_assert_int_eq(fixture_answer(f, "teapot")->method_error, 42);
    ck_assert_int_eq(fixture_answer(f, "plain")->status, 200);
    ck_assert_int_eq(fixture_answer(f, "plain")->zapi_error, -1); /* not a number */
    ck_assert_ptr_eq(fixture_answer(f, "nothing"), fixture_answer(f, ""));
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_unknown_placeholder)
{
    char *dir = support_scratch_set(base);
    char *prefix = prefix_of(dir, "methods/zapiP.xml", ":4:");
    support_write_in(dir, "methods/zapiP.xml",
                     "<?xml version=\"1.0\"?>\n"
                     "<response>\n"
                     "  <ok>{{request.zapiToken}}</ok>\n"
                     "  <bad>{{bogus.thing}}</bad>\n"
                     "</response>\n",
                     NULL);
    load_fails(dir, prefix,
               "placeholder {{bogus.thing}} does not start with a known name "
               "(request, partner, agent, error, throttle, method, server, login, ");
    free(prefix);
    /* Malformed, inside an <answer>. */
    prefix = prefix_of(dir, "methods/zapiP.xml", ":3:");
    support_write_in(dir, "methods/zapiP.xml",
                     "<fixture>\n<answer><response>\n<x>{{ not valid }}</x>\n</response></answer>"
                     "</fixture>\n",
                     NULL);
    load_fails(dir, prefix, "malformed placeholder");
    free(prefix);
    /* In an error file. */
    support_write_in(dir, "methods/zapiP.xml", "<response/>", NULL);
    support_write_in(dir, "errors/validation.xml",
                     "<response>\n<message>{{error.message}} {{oops.x}}</message>\n</response>",
                     NULL);
    prefix = prefix_of(dir, "errors/validation.xml", ":2:");
    load_fails(dir, prefix, "{{oops.x}}");
    free(prefix);
    free(dir);
}
END_TEST

START_TEST(test_missing_dirs)
{
    char *dir = support_scratch_set(base);
    char *methods = support_path(dir, "methods");
    char *moved = support_path(dir, "methods-away");
    ck_assert_int_eq(rename(methods, moved), 0);
    struct buf want = BUF_INIT;
    buf_printf(&want, "%s: cannot open the directory: No such file or directory", methods);
    load_fails(dir, NULL, want.data);
    buf_free(&want);
    ck_assert_int_eq(rename(moved, methods), 0);
    free(methods);
    free(moved);

    /* No registry. */
    char *reg = support_path(dir, "registry.xml");
    ck_assert_int_eq(unlink(reg), 0);
    buf_printf(&want, "%s: cannot open", reg);
    load_fails(dir, NULL, want.data);
    buf_free(&want);
    /* A broken registry is reported with its line. */
    support_write_in(dir, "registry.xml", "<registry>\n<partner token=\"t\"/>\n</registry>", NULL);
    buf_printf(&want, "%s:2:", reg);
    load_fails(dir, want.data, "needs a non-empty accountId attribute");
    buf_free(&want);
    free(reg);
    free(dir);

    /* No such directory at all. */
    load_fails("/nonexistent/zapi-fixtures", "/nonexistent/zapi-fixtures/registry.xml",
               "cannot open");
}
END_TEST

/* Answers the demo partner's request for zapiAgents_Authenticate with user and password. */
static void
authenticate(const struct zapi_env *env, const char *user, const char *pass, struct zapi_result *r)
{
    char body[512];
    snprintf(body, sizeof(body),
             "<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken><zapiAccountId>456</zapiAccountId>"
             "<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiAgents_Authenticate"
             "</methodName><username>%s</username><password>%s</password></zapiMethod>"
             "</request>",
             user, pass);
    zapi_result_init(r);
    zapi_handle(env, NULL, body, strlen(body), r);
}

START_TEST(test_outcome_fallbacks)
{
    char *dir = support_scratch_set(base);
    /* The repository's file without its "invalid-user" and "inactive" answers. */
    support_write_in(dir, "methods/zapiAgents_Authenticate.xml",
                     "<fixture><answer outcome=\"found\"><response><error>0</error>"
                     "<methodResponse><who>{{agent.username}}</who><methodErrorCode>0"
                     "</methodErrorCode></methodResponse></response></answer></fixture>\n",
                     NULL);
    struct fixture_set *fs = load_ok(dir);
    struct store *st = store_new(1);
    struct zapi_env env = {.fixtures = fs, .now = 1800000000, .store = st};
    struct zapi_result r;
    authenticate(&env, "naddau", "zaui-demo", &r);
    ck_assert_int_eq(r.method_error, 0);
    ck_assert_ptr_nonnull(strstr(r.body.data, "<who>naddau</who>"));
    zapi_result_free(&r);
    /* A failed call without an answer for its outcome: errors/method-error.xml, with the code. */
    authenticate(&env, "expired-agent", "expired-demo", &r);
    ck_assert_int_eq(r.method_error, 71);
    ck_assert_ptr_nonnull(strstr(r.body.data, "inactive"));
    zapi_result_free(&r);
    authenticate(&env, "naddau", "wrong", &r);
    ck_assert_int_eq(r.method_error, 70);
    ck_assert_ptr_nonnull(strstr(r.body.data, "wrong password"));
    zapi_result_free(&r);
    fixtures_release(fs);

    /* A fixture without placeholders is the user's word: served as it is, whoever asks. */
    support_write_in(dir, "methods/zapiAgents_Authenticate.xml",
                     "<response><error>0</error><methodResponse><methodErrorCode>0"
                     "</methodErrorCode><canned>yes</canned></methodResponse></response>\n",
                     NULL);
    fs = load_ok(dir);
    env.fixtures = fs;
    authenticate(&env, "naddau", "wrong", &r);
    ck_assert_int_eq(r.method_error, 0);
    ck_assert_ptr_nonnull(strstr(r.body.data, "<canned>yes</canned>"));
    zapi_result_free(&r);
    fixtures_release(fs);
    store_free(st);
    free(dir);
}
END_TEST

START_TEST(test_bare_response_served_by_file_name)
{
    char *dir = support_scratch_set(base);
    support_write_in(dir, "methods/zapiGetActivityCategories.xml",
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<response><zapiVersion>2.1</zapiVersion><error>0</error><message>OK</message>"
                     "<methodResponse><methodName>zapiGetActivityCategories</methodName>"
                     "<categories><category><id>1</id></category><category><id>2</id></category>"
                     "</categories><methodErrorCode>0</methodErrorCode>"
                     "<methodErrorMessage><![CDATA[OK]]></methodErrorMessage></methodResponse>"
                     "</response>\n",
                     NULL);
    /* Files that are not fixtures are ignored. */
    support_write_in(dir, "methods/README.txt", "not xml", NULL);
    support_write_in(dir, "methods/.hidden.xml", "<not well formed", NULL);
    support_write_in(dir, "methods/zapiPing.xml~", "<backup", NULL);
    struct fixture_set *fs = load_ok(dir);
    const struct fixture *f = fixtures_method(fs, "zapiGetActivityCategories");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->name, "zapiGetActivityCategories");
    ck_assert_uint_eq(f->nanswers, 1);
    const struct answer *a = fixture_answer(f, "");
    ck_assert_int_eq(a->dynamic, 0);
    ck_assert_int_eq(a->zapi_error, 0);
    ck_assert_int_eq(a->method_error, 0);
    ck_assert_ptr_nonnull(strstr(a->json.data, "\"categories\":{\"category\":[{\"id\":\"1\"},"
                                               "{\"id\":\"2\"}]}"));
    ck_assert_ptr_nonnull(strstr(a->xml.data, "<methodErrorMessage><![CDATA[OK]]>"));
    ck_assert_ptr_null(fixtures_method(fs, "README"));
    ck_assert_ptr_null(fixtures_method(fs, ".hidden"));
    ck_assert_ptr_nonnull(fixtures_method(fs, "zapiPing"));
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_answer_fallback)
{
    /* The answer for the outcome, else the default one (no outcome attribute), else the first:
     * never none, so a request is never left without a body. */
    char *dir = support_scratch_set(base);
    support_write_in(dir, "methods/zapiNamed.xml",
                     "<fixture>\n"
                     "<answer outcome=\"x\"><response><error>0</error></response></answer>\n"
                     "<answer outcome=\"y\"><response><error>1</error></response></answer>\n"
                     "</fixture>",
                     NULL);
    support_write_in(dir, "methods/zapiDefault.xml",
                     "<fixture>\n"
                     "<answer outcome=\"x\"><response><error>0</error></response></answer>\n"
                     "<answer><response><error>5</error></response></answer>\n"
                     "</fixture>",
                     NULL);
    struct fixture_set *fs = load_ok(dir);
    const struct fixture *named = fixtures_method(fs, "zapiNamed");
    ck_assert_ptr_nonnull(named);
    ck_assert_str_eq(fixture_answer(named, "y")->outcome, "y");
    ck_assert_str_eq(fixture_answer(named, "x")->outcome, "x");
    ck_assert_ptr_eq(fixture_answer(named, ""), &named->answers[0]);
    ck_assert_ptr_eq(fixture_answer(named, "z"), &named->answers[0]);
    const struct fixture *dflt = fixtures_method(fs, "zapiDefault");
    ck_assert_ptr_nonnull(dflt);
    ck_assert_str_eq(fixture_answer(dflt, "x")->outcome, "x");
    ck_assert_int_eq(fixture_answer(dflt, "z")->zapi_error, 5);
    ck_assert_int_eq(fixture_answer(dflt, "")->zapi_error, 5);
    fixtures_release(fs);
    free(dir);
}
END_TEST

START_TEST(test_error_fixture_with_status)
{
    char *dir = support_scratch_set(base);
    support_write_in(dir, "errors/validation.xml",
                     "<fixture><answer status=\"401\"><response><error>1</error>"
                     "<message>{{error.message}}</message></response></answer></fixture>",
                     NULL);
    struct fixture_set *fs = load_ok(dir);
    const struct answer *a = fixture_answer(fixtures_error(fs, FIXTURE_ERR_VALIDATION), "");
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->status, 401);
    ck_assert_int_eq(a->dynamic, 1);
    fixtures_release(fs);
    free(dir);
}
END_TEST

static Suite *
fixtures_suite(void)
{
    Suite *s = suite_create("fixtures");
    TCase *tc = tcase_create("repo");
    tcase_add_test(tc, test_repo_set);
    tcase_add_test(tc, test_ping_static);
    tcase_add_test(tc, test_authenticate_dynamic);
    tcase_add_test(tc, test_error_fixtures);
    tcase_add_test(tc, test_retain_release);
    tcase_add_test(tc, test_zapi_load_repo);
    suite_add_tcase(s, tc);

    tc = tcase_create("broken");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_missing_error_file);
    tcase_add_test(tc, test_method_not_well_formed);
    tcase_add_test(tc, test_method_wrong_root);
    tcase_add_test(tc, test_fixture_structure_errors);
    tcase_add_test(tc, test_duplicate_outcome);
    tcase_add_test(tc, test_answer_chosen_by_request_values);
    tcase_add_test(tc, test_when_errors);
    tcase_add_test(tc, test_bad_status);
    tcase_add_test(tc, test_unknown_placeholder);
    tcase_add_test(tc, test_missing_dirs);
    tcase_add_test(tc, test_outcome_fallbacks);
    tcase_add_test(tc, test_bare_response_served_by_file_name);
    tcase_add_test(tc, test_answer_fallback);
    tcase_add_test(tc, test_error_fixture_with_status);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    envelope_global_init();
    int rc = support_run_in(fixtures_suite(), base);
    xmlCleanupParser();
    return rc;
}
