/* Unit tests for contacts: validation naming the field, account ids by organisation, one token per
 * contact, revoke, the state file (written atomically, read back, refused when broken), the
 * registry export (loadable by registry_load) and the merge into a registry being built. */
#include "contacts.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envelope.h"
#include "registry.h"
#include "support.h"

static char tmpdir[] = "/tmp/zapi-contacts-XXXXXX";

/* A path for a fresh state directory under tmpdir, not yet created (caller frees). Unique
 * across the forked tests. */
static char *
state_dir(void)
{
    char *tmpl = support_path(tmpdir, "state-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    rmdir(tmpl);
    return tmpl;
}

static void
random_bytes(unsigned char *r, unsigned char seed)
{
    for (size_t i = 0; i < CONTACTS_TOKEN_BYTES; i++)
        r[i] = (unsigned char)(seed + i * 7);
}

static struct contacts *
open_ok(const char *dir)
{
    struct buf err = BUF_INIT;
    struct contacts *c = contacts_open(dir, &err);
    ck_assert_msg(c != NULL, "%s", err.data);
    buf_free(&err);
    return c;
}

static void
add_ok(struct contacts *c, const char *name, const char *org, struct contact *out)
{
    struct buf why = BUF_INIT;
    char email[64];
    snprintf(email, sizeof(email), "contact%zu@example.com", strlen(name));
    ck_assert_msg(contacts_add(c, name, org, email, 1000.0, out, &why) == CONTACTS_OK, "%s",
                  why.data);
    buf_free(&why);
}

static void
add_fails(struct contacts *c, const char *name, const char *org, const char *email,
          enum contacts_status want, const char *field)
{
    struct buf why = BUF_INIT;
    enum contacts_status st = contacts_add(c, name, org, email, 1.0, NULL, &why);
    ck_assert_int_eq(st, want);
    ck_assert_msg(why.data && strncmp(why.data, field, strlen(field)) == 0,
                  "want the error to start with %s, got %s", field, why.data);
    buf_free(&why);
}

START_TEST(test_add_validates_fields)
{
    struct contacts *c = open_ok(NULL);
    char longname[CONTACTS_NAME_MAX_BYTES + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    add_fails(c, "", NULL, "a@b.c", CONTACTS_INVALID, "name:");
    add_fails(c, NULL, NULL, "a@b.c", CONTACTS_INVALID, "name:");
    add_fails(c, longname, NULL, "a@b.c", CONTACTS_INVALID, "name:");
    add_fails(c, "tab\there", NULL, "a@b.c", CONTACTS_INVALID, "name:");
    add_fails(c, "bad \xff utf8", NULL, "a@b.c", CONTACTS_INVALID, "name:");
    add_fails(c, " padded", NULL, "a@b.c", CONTACTS_INVALID, "name:");
    add_fails(c, "ok", "line\nbreak", "a@b.c", CONTACTS_INVALID, "organisation:");
    add_fails(c, "ok", NULL, "", CONTACTS_INVALID, "email:");
    add_fails(c, "ok", NULL, "no-at-sign", CONTACTS_INVALID, "email:");
    add_fails(c, "ok", NULL, "a@b@c.d", CONTACTS_INVALID, "email:");
    add_fails(c, "ok", NULL, "@example.com", CONTACTS_INVALID, "email:");
    struct contact ct;
    add_ok(c, "Zoë <script>", "Tours & Co", &ct);
    add_fails(c, "Zoë <script>", NULL, "x@y.z", CONTACTS_CONFLICT, "name:");
    contacts_free(c);
}
END_TEST

START_TEST(test_account_ids_follow_the_organisation)
{
    struct contacts *c = open_ok(NULL);
    struct contact a, b, d, e;
    add_ok(c, "alone", NULL, &a);
    add_ok(c, "first", "Org One", &b);
    add_ok(c, "second", "Org One", &d);
    add_ok(c, "third", "Org Two", &e);
    ck_assert_uint_eq(a.account_id, 0);
    ck_assert_uint_eq(b.account_id, CONTACTS_FIRST_ACCOUNT_ID);
    ck_assert_uint_eq(d.account_id, b.account_id);
    ck_assert_uint_eq(e.account_id, CONTACTS_FIRST_ACCOUNT_ID + 1);
    ck_assert_uint_eq(a.user_id, CONTACTS_FIRST_USER_ID);
    ck_assert_uint_eq(e.user_id, CONTACTS_FIRST_USER_ID + 3);
    ck_assert_str_eq(a.token, "");
    contacts_free(c);
}
END_TEST

START_TEST(test_one_token_per_contact_and_revoke)
{
    struct contacts *c = open_ok(NULL);
    struct contact ct, p;
    struct buf why = BUF_INIT;
    unsigned char r[CONTACTS_TOKEN_BYTES];
    add_ok(c, "app", "Org", &ct);
    random_bytes(r, 0xa0);
    ck_assert_int_eq(contacts_create_partner(c, ct.user_id, r, 2000.0, &p, &why), CONTACTS_OK);
    ck_assert_uint_eq(strlen(p.token), 40);
    ck_assert_uint_eq(strspn(p.token, "0123456789abcdef"), 40);
    ck_assert_int_eq(strncmp(p.token, "a0a7aeb5", 8), 0);
    ck_assert_int_eq(contacts_find_token(c, p.token, NULL), 0);
    /* Each application its own contact: a second token for the same contact is refused. */
    random_bytes(r, 0x10);
    ck_assert_int_eq(contacts_create_partner(c, ct.user_id, r, 2001.0, NULL, &why),
                     CONTACTS_CONFLICT);
    ck_assert_ptr_nonnull(strstr(why.data, "userId:"));
    buf_clear(&why);
    ck_assert_int_eq(contacts_create_partner(c, 999999, r, 2001.0, NULL, &why), CONTACTS_NOT_FOUND);
    buf_clear(&why);
    /* Another contact may not get a token already in use. */
    struct contact other;
    add_ok(c, "other", NULL, &other);
    random_bytes(r, 0xa0);
    ck_assert_int_eq(contacts_create_partner(c, other.user_id, r, 2002.0, NULL, &why),
                     CONTACTS_CONFLICT);
    buf_clear(&why);
    struct contact revoked;
    ck_assert_int_eq(contacts_revoke(c, p.token, &revoked, &why), CONTACTS_OK);
    ck_assert_str_eq(revoked.token, p.token);
    ck_assert_int_eq(contacts_find_token(c, p.token, NULL), -1);
    ck_assert_int_eq(contacts_revoke(c, p.token, NULL, &why), CONTACTS_NOT_FOUND);
    ck_assert_int_eq(contacts_revoke(c, "", NULL, &why), CONTACTS_NOT_FOUND);
    /* Revoked, the contact may have a new token. */
    random_bytes(r, 0x33);
    ck_assert_int_eq(contacts_create_partner(c, ct.user_id, r, 2003.0, NULL, &why), CONTACTS_OK);
    buf_free(&why);
    contacts_free(c);
}
END_TEST

START_TEST(test_state_survives_reopen)
{
    char *dir = state_dir();
    struct contacts *c = open_ok(dir);
    struct contact a, b, p;
    struct buf why = BUF_INIT;
    unsigned char r[CONTACTS_TOKEN_BYTES];
    add_ok(c, "kept", "Org", &a);
    add_ok(c, "revoked", NULL, &b);
    random_bytes(r, 1);
    ck_assert_int_eq(contacts_create_partner(c, a.user_id, r, 5.0, &p, &why), CONTACTS_OK);
    random_bytes(r, 2);
    struct contact q;
    ck_assert_int_eq(contacts_create_partner(c, b.user_id, r, 5.0, &q, &why), CONTACTS_OK);
    ck_assert_int_eq(contacts_revoke(c, q.token, NULL, &why), CONTACTS_OK);
    contacts_free(c);

    c = open_ok(dir);
    struct contact again;
    ck_assert_int_eq(contacts_find_token(c, p.token, &again), 0);
    ck_assert_str_eq(again.name, "kept");
    ck_assert_str_eq(again.organisation, "Org");
    ck_assert_uint_eq(again.account_id, a.account_id);
    ck_assert_uint_eq(again.user_id, a.user_id);
    ck_assert_int_eq(contacts_find_token(c, q.token, NULL), -1);
    /* Counters are persisted too: no user id is handed out twice. */
    struct contact next;
    add_ok(c, "next", "Org Two", &next);
    ck_assert_uint_eq(next.user_id, b.user_id + 1);
    ck_assert_uint_eq(next.account_id, a.account_id + 1);
    contacts_free(c);
    /* No temporary file is left behind. */
    char *tmp = support_path(dir, CONTACTS_STATE_FILE ".tmp");
    ck_assert_int_eq(access(tmp, F_OK), -1);
    free(tmp);
    buf_free(&why);
    free(dir);
}
END_TEST

START_TEST(test_broken_state_file_refused)
{
    static const char *const bad[] = {
        "not json",
        "{}",
        "{\"version\":2,\"nextUserId\":1,\"nextAccountId\":1,\"contacts\":[]}",
        "{\"version\":1,\"nextUserId\":1,\"nextAccountId\":1,\"contacts\":[{\"userId\":1}]}",
        "{\"version\":1,\"nextUserId\":1,\"nextAccountId\":1,\"contacts\":[{\"userId\":1,"
        "\"accountId\":0,\"name\":\"a\",\"email\":\"a@b.c\",\"createdAt\":1,\"token\":\"short\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *dir = state_dir();
        mkdir(dir, 0700);
        ck_assert_int_eq(support_write_in(dir, CONTACTS_STATE_FILE, bad[i], NULL), 0);
        struct buf err = BUF_INIT;
        struct contacts *c = contacts_open(dir, &err);
        ck_assert_msg(c == NULL, "state %zu accepted", i);
        ck_assert_ptr_nonnull(strstr(err.data, CONTACTS_STATE_FILE));
        buf_free(&err);
        free(dir);
    }
}
END_TEST

START_TEST(test_unwritable_state_changes_nothing)
{
    char *dir = state_dir();
    mkdir(dir, 0700);
    /* A directory where the file should be: rename() fails, the change is undone. */
    char *path = support_path(dir, CONTACTS_STATE_FILE);
    mkdir(path, 0700);
    char *inner = support_path(path, "x");
    ck_assert_int_eq(support_write_in(path, "x", "x", NULL), 0);
    struct contacts *c = open_ok(NULL);
    contacts_free(c);
    struct buf err = BUF_INIT;
    c = contacts_open(dir, &err);
    ck_assert_ptr_null(c); /* cannot be read either */
    buf_free(&err);
    unlink(inner);
    rmdir(path);
    c = open_ok(dir);
    mkdir(path, 0700); /* now writing fails */
    struct buf why = BUF_INIT;
    ck_assert_int_eq(contacts_add(c, "x", NULL, "x@y.z", 1, NULL, &why), CONTACTS_IO);
    json_t *j = contacts_json(c);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "contacts")), 0);
    json_decref(j);
    rmdir(path);
    struct contact ct;
    add_ok(c, "x", NULL, &ct);
    ck_assert_uint_eq(ct.user_id, CONTACTS_FIRST_USER_ID);
    contacts_free(c);
    buf_free(&why);
    free(inner);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_export_loads_and_merge)
{
    struct contacts *c = open_ok(NULL);
    struct contact a, b, p;
    struct buf why = BUF_INIT;
    unsigned char r[CONTACTS_TOKEN_BYTES];
    add_ok(c, "Q\"uote & <angle>", "Org \"One\"", &a);
    add_ok(c, "no token", NULL, &b);
    random_bytes(r, 9);
    ck_assert_int_eq(contacts_create_partner(c, a.user_id, r, 1, &p, &why), CONTACTS_OK);
    struct buf xml = BUF_INIT;
    ck_assert_int_eq(contacts_export_xml(c, &xml), 0);
    char *path;
    ck_assert_int_eq(support_write_in(tmpdir, "export.xml", xml.data, &path), 0);
    struct registry *reg = NULL;
    struct buf err = BUF_INIT;
    ck_assert_msg(registry_load(path, &reg, &err) == 0, "%s\n%s", err.data, xml.data);
    ck_assert_uint_eq(registry_partner_count(reg), 1);
    const struct partner *got = registry_partner(reg, p.token);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got->affiliate_username, "Q\"uote & <angle>");
    ck_assert_str_eq(got->organisation, "Org \"One\"");
    ck_assert_str_eq(got->account_id, "701");
    /* Merging into a registry that already declares the token leaves the fixture's entry. */
    ck_assert_int_eq(contacts_merge(c, reg, &err), 0);
    ck_assert_uint_eq(registry_partner_count(reg), 1);
    registry_free(reg);

    /* Into the repository's registry: added, sorted, found. */
    struct buf repo = BUF_INIT;
    buf_printf(&repo, "%s/fixtures/registry.xml", support_source_dir());
    ck_assert_msg(registry_load(repo.data, &reg, &err) == 0, "%s", err.data);
    size_t before = registry_partner_count(reg);
    ck_assert_int_eq(contacts_merge(c, reg, &err), 1);
    ck_assert_uint_eq(registry_partner_count(reg), before + 1);
    ck_assert_ptr_nonnull(registry_partner(reg, p.token));
    ck_assert_ptr_nonnull(registry_partner(reg, "ZAPI-DEMO-TOKEN"));
    /* Regression: agents point into the partners array, which the merge moves; each must
     * still point at its own partner (ASan reports the stale pointer otherwise). */
    size_t linked = 0;
    for (size_t i = 0; i < registry_agent_count(reg); i++) {
        const struct agent *ag = registry_agent_at(reg, i);
        if (!ag->partner || !ag->partner_token)
            continue;
        linked++;
        ck_assert_str_eq(ag->partner->token, ag->partner_token);
        ck_assert_ptr_eq(registry_partner(reg, ag->partner_token), ag->partner);
    }
    ck_assert_uint_gt(linked, 0);
    for (size_t i = 1; i < registry_partner_count(reg); i++)
        ck_assert_int_lt(
            strcmp(registry_partner_at(reg, i - 1)->token, registry_partner_at(reg, i)->token), 0);
    registry_free(reg);
    buf_free(&repo);
    buf_free(&err);
    buf_free(&xml);
    buf_free(&why);
    free(path);
    contacts_free(c);
}
END_TEST

static Suite *
contacts_suite(void)
{
    Suite *s = suite_create("contacts");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_add_validates_fields);
    tcase_add_test(tc, test_account_ids_follow_the_organisation);
    tcase_add_test(tc, test_one_token_per_contact_and_revoke);
    tcase_add_test(tc, test_state_survives_reopen);
    tcase_add_test(tc, test_broken_state_file_refused);
    tcase_add_test(tc, test_unwritable_state_changes_nothing);
    tcase_add_test(tc, test_export_loads_and_merge);
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
    int rc = support_run(contacts_suite());
    support_remove_tree(tmpdir);
    xmlCleanupParser();
    return rc;
}
