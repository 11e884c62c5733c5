/* Contacts and ZAPI partners created at run time: the admin API over contacts.h. A change is
 * saved in the state file first, then the fixture set is rebuilt with it (server_reload), so
 * the next request sees the new token. */
#include "admin_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "contacts.h"
#include "log.h"
#include "app.h"

static int
http_status(enum contacts_status st)
{
    switch (st) {
    case CONTACTS_OK:
        return 200;
    case CONTACTS_INVALID:
        return 400;
    case CONTACTS_NOT_FOUND:
        return 404;
    case CONTACTS_CONFLICT:
        return 409;
    case CONTACTS_IO:
        break;
    }
    return 500;
}

/* A string field of the body, NULL when absent; -1 (answered 400) when not a string. */
static int
string_field(struct admin_call *c, json_t *body, const char *key, const char **out)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s: must be a string", key);
        admin_reply_error(c->out, 400, msg);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int
known_fields(struct admin_call *c, json_t *body, const char *const *known, const char *list)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok) {
            char msg[160];
            snprintf(msg, sizeof(msg), "%.40s: unknown field (known: %s)", key, list);
            admin_reply_error(c->out, 400, msg);
            return -1;
        }
    }
    return 0;
}

/* After a change: the set in use gets the partners as they are now. */
static json_t *
rebuild(struct admin_call *c, const char *why)
{
    struct buf err = BUF_INIT;
    json_t *problem = NULL;
    if (app_reload(c->app, why, &err) < 0)
        problem = json_string(err.data ? err.data : "the fixtures did not load");
    buf_free(&err);
    return problem;
}

/* GET lists the contacts; POST {"name", "organisation", "email"} adds one. */
void
admin_contacts(struct admin_call *c)
{
    if (c->method == HTTP_GET) {
        admin_reply(c->out, 200, contacts_json(c->app->contacts));
        return;
    }
    static const char *const known[] = {"name", "organisation", "email", NULL};
    json_t *body = admin_body_object(c);
    const char *name, *org, *email;
    if (!body || known_fields(c, body, known, "name, organisation, email") < 0 ||
        string_field(c, body, "name", &name) < 0 ||
        string_field(c, body, "organisation", &org) < 0 ||
        string_field(c, body, "email", &email) < 0) {
        json_decref(body);
        return;
    }
    struct contact ct;
    struct buf why = BUF_INIT;
    enum contacts_status st =
        contacts_add(c->app->contacts, name, org, email, app_wall(c->app), &ct, &why);
    if (st != CONTACTS_OK) {
        admin_reply_error(c->out, http_status(st), why.data ? why.data : "refused");
    } else {
        log_info(c->app->log, "admin: contact %lu added (account %lu)", ct.user_id, ct.account_id);
        admin_reply(c->out, 201, json_pack("{s:o}", "contact", contacts_contact_json(&ct)));
    }
    buf_free(&why);
    json_decref(body);
}

/* GET lists the runtime partners; POST {"userId": N} creates the contact's ZAPI partner. */
void
admin_partners(struct admin_call *c)
{
    if (c->method == HTTP_GET) {
        json_t *all = contacts_json(c->app->contacts), *partners = json_array();
        size_t i;
        json_t *ct;
        json_array_foreach(json_object_get(all, "contacts"), i, ct)
        {
            if (json_is_string(json_object_get(ct, "token")))
                json_array_append(partners, ct);
        }
        json_decref(all);
        admin_reply(c->out, 200, json_pack("{s:o}", "partners", partners));
        return;
    }
    static const char *const known[] = {"userId", NULL};
    json_t *body = admin_body_object(c);
    if (!body || known_fields(c, body, known, "userId") < 0) {
        json_decref(body);
        return;
    }
    json_t *uid = json_object_get(body, "userId");
    json_int_t user_id = -1;
    if (json_is_integer(uid))
        user_id = json_integer_value(uid);
    else if (json_is_string(uid) &&
             strspn(json_string_value(uid), "0123456789") == json_string_length(uid) &&
             json_string_length(uid) && json_string_length(uid) < 12)
        user_id = strtoll(json_string_value(uid), NULL, 10);
    json_decref(body);
    if (user_id <= 0) {
        admin_reply_error(c->out, 400, "userId: required, the user id of a contact");
        return;
    }
    unsigned char random[CONTACTS_TOKEN_BYTES];
    if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random)) {
        admin_reply_error(c->out, 500, "no random bytes for a token");
        return;
    }
    struct contact ct;
    struct buf why = BUF_INIT;
    enum contacts_status st = contacts_create_partner(c->app->contacts, (unsigned long)user_id,
                                                      random, app_wall(c->app), &ct, &why);
    if (st != CONTACTS_OK) {
        admin_reply_error(c->out, http_status(st), why.data ? why.data : "refused");
        buf_free(&why);
        return;
    }
    buf_free(&why);
    log_info(c->app->log, "admin: ZAPI partner created for contact %lu", ct.user_id);
    json_t *problem = rebuild(c, "partner created");
    json_t *o = json_pack("{s:o}", "partner", contacts_contact_json(&ct));
    if (problem)
        json_object_set_new(o, "warning", problem);
    admin_reply(c->out, 201, o);
}

/* /__admin/partners/export (GET): registry XML. /__admin/partners/{token}: GET shows, DELETE
 * revokes a runtime partner. */
void
admin_partner(struct admin_call *c)
{
    const char *token = c->path + strlen(ADMIN_PREFIX "partners/");
    if (strcmp(token, "export") == 0) {
        if (c->method != HTTP_GET) {
            admin_reply_error(c->out, 405, "GET /__admin/partners/export");
            admin_header(c->out, "Allow: GET");
            return;
        }
        buf_clear(&c->out->res.body);
        contacts_export_xml(c->app->contacts, &c->out->res.body);
        c->out->res.status = 200;
        c->out->content_type = "application/xml; charset=utf-8";
        return;
    }
    struct contact ct;
    if (contacts_find_token(c->app->contacts, token, &ct) < 0) {
        int in_fixtures = registry_partner(c->fs->registry, token) != NULL;
        admin_reply_error(c->out, in_fixtures ? 409 : 404,
                          in_fixtures ? "token: this partner is declared in the fixtures' "
                                        "registry.xml; change it there"
                                      : "token: no partner created at run time has this token");
        return;
    }
    if (c->method == HTTP_GET) {
        admin_reply(c->out, 200, json_pack("{s:o}", "partner", contacts_contact_json(&ct)));
        return;
    }
    struct buf why = BUF_INIT;
    enum contacts_status st = contacts_revoke(c->app->contacts, token, &ct, &why);
    if (st != CONTACTS_OK) {
        admin_reply_error(c->out, http_status(st), why.data ? why.data : "refused");
        buf_free(&why);
        return;
    }
    buf_free(&why);
    log_info(c->app->log, "admin: ZAPI token of contact %lu revoked", ct.user_id);
    json_t *problem = rebuild(c, "partner revoked");
    json_t *o = json_pack("{s:s,s:o}", "status", "revoked", "partner", contacts_contact_json(&ct));
    if (problem)
        json_object_set_new(o, "warning", problem);
    admin_reply(c->out, 200, o);
}
