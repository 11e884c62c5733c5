#include "contacts.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "text.h"

#define STATE_VERSION 1

struct contacts {
    pthread_mutex_t lock;
    char *dir;  /* NULL: memory only */
    char *path; /* dir/partners.json */
    struct contact *items;
    size_t n;
    unsigned long next_user_id;
    unsigned long next_account_id;
};

/* ---- validation ------------------------------------------------------------------------- */

/* Well-formed UTF-8 without control characters: names are shown and exported as XML. The
 * UTF-8 and XML rules are text_sanitize's: text it would change is refused. */
static int
printable_utf8(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    struct buf b = BUF_INIT;
    if (buf_append_str(&b, s) < 0)
        return 0;
    text_sanitize(&b, 0);
    int same = memcmp(b.data ? b.data : "", s, b.len) == 0;
    buf_free(&b);
    return same;
}

static int
check_text(const char *field, const char *v, size_t max, int required, struct buf *why)
{
    size_t len = v ? strlen(v) : 0;
    if (required && len == 0) {
        buf_printf(why, "%s: required", field);
        return -1;
    }
    if (len > max) {
        buf_printf(why, "%s: at most %zu bytes", field, max);
        return -1;
    }
    if (v && !printable_utf8(v)) {
        buf_printf(why, "%s: must be UTF-8 text without control characters", field);
        return -1;
    }
    if (v && len && (v[0] == ' ' || v[len - 1] == ' ')) {
        buf_printf(why, "%s: no leading or trailing spaces", field);
        return -1;
    }
    return 0;
}

static int
check_email(const char *v, struct buf *why)
{
    if (check_text("email", v, CONTACTS_EMAIL_MAX_BYTES, 1, why) < 0)
        return -1;
    const char *at = strchr(v, '@');
    if (!at || at == v || !at[1] || strchr(at + 1, '@') || strchr(v, ' ') || !strchr(at + 1, '.')) {
        buf_printf(why, "email: expected an address like name@example.com");
        return -1;
    }
    return 0;
}

/* ---- the state file --------------------------------------------------------------------- */

static json_t *
contact_state(const struct contact *ct)
{
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:f}", "userId", (json_int_t)ct->user_id,
                          "accountId", (json_int_t)ct->account_id, "name", ct->name, "organisation",
                          ct->organisation, "email", ct->email, "createdAt", ct->created_at);
    if (o && ct->token[0]) {
        json_object_set_new(o, "token", json_string(ct->token));
        json_object_set_new(o, "tokenCreatedAt", json_real(ct->token_created_at));
    }
    return o;
}

static json_t *
state_json(struct contacts *c)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < c->n; i++)
        json_array_append_new(list, contact_state(&c->items[i]));
    return json_pack("{s:i,s:I,s:I,s:o}", "version", STATE_VERSION, "nextUserId",
                     (json_int_t)c->next_user_id, "nextAccountId", (json_int_t)c->next_account_id,
                     "contacts", list);
}

/* Writes the whole state to a temporary file and renames it over the old one, so a crash leaves
 * either the old state or the new, never half of one. */
static int
save(struct contacts *c, struct buf *why)
{
    if (!c->dir)
        return 0;
    if (fsutil_make_dirs(c->dir, 0700, why) < 0)
        return -1;
    json_t *state = state_json(c);
    char *text = state ? json_dumps(state, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(state);
    struct buf file = BUF_INIT;
    if (!text || buf_append_str(&file, text) < 0 || buf_append_str(&file, "\n") < 0) {
        buf_printf(why, "%s: out of memory", c->path);
        free(text);
        buf_free(&file);
        return -1;
    }
    int rc = fsutil_write_atomic(c->dir, CONTACTS_STATE_FILE, file.data, file.len, 0600, why);
    free(text);
    buf_free(&file);
    return rc;
}

static int
copy_field(json_t *o, const char *key, char *out, size_t size, int required)
{
    json_t *v = json_object_get(o, key);
    if (!v && !required) {
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) >= size ||
        !printable_utf8(json_string_value(v)))
        return -1;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int
load_contact(json_t *o, struct contact *ct)
{
    memset(ct, 0, sizeof(*ct));
    json_t *uid = json_object_get(o, "userId"), *aid = json_object_get(o, "accountId");
    json_t *created = json_object_get(o, "createdAt");
    if (!json_is_integer(uid) || json_integer_value(uid) <= 0 || !json_is_integer(aid) ||
        json_integer_value(aid) < 0 || !json_is_number(created))
        return -1;
    ct->user_id = (unsigned long)json_integer_value(uid);
    ct->account_id = (unsigned long)json_integer_value(aid);
    ct->created_at = json_number_value(created);
    if (copy_field(o, "name", ct->name, sizeof(ct->name), 1) < 0 ||
        copy_field(o, "organisation", ct->organisation, sizeof(ct->organisation), 0) < 0 ||
        copy_field(o, "email", ct->email, sizeof(ct->email), 1) < 0 ||
        copy_field(o, "token", ct->token, sizeof(ct->token), 0) < 0)
        return -1;
    if (ct->token[0]) {
        if (strlen(ct->token) != CONTACTS_TOKEN_BYTES * 2 ||
            strspn(ct->token, "0123456789abcdef") != CONTACTS_TOKEN_BYTES * 2)
            return -1;
        ct->token_created_at = json_number_value(json_object_get(o, "tokenCreatedAt"));
    }
    return 0;
}

static int
load_state(struct contacts *c, struct buf *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(c->path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (access(c->path, F_OK) < 0 && errno == ENOENT)
            return 0;
        buf_printf(err, "%s:%d: not a zapi-mock state file: %s", c->path, jerr.line, jerr.text);
        return -1;
    }
    json_t *list = json_object_get(root, "contacts");
    json_t *nu = json_object_get(root, "nextUserId"), *na = json_object_get(root, "nextAccountId");
    int rc = 0;
    if (!json_is_integer(json_object_get(root, "version")) ||
        json_integer_value(json_object_get(root, "version")) != STATE_VERSION ||
        !json_is_array(list) || json_array_size(list) > CONTACTS_MAX || !json_is_integer(nu) ||
        !json_is_integer(na)) {
        buf_printf(err, "%s: not a version %d zapi-mock state file", c->path, STATE_VERSION);
        rc = -1;
    }
    if (rc == 0 && !(c->items = calloc(json_array_size(list) + 1, sizeof(*c->items)))) {
        buf_printf(err, "%s: out of memory", c->path);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
        if (load_contact(json_array_get(list, i), &c->items[i]) < 0) {
            buf_printf(err, "%s: contact #%zu is malformed", c->path, i + 1);
            rc = -1;
        }
        c->n = i + 1;
    }
    if (rc == 0) {
        c->next_user_id = (unsigned long)json_integer_value(nu);
        c->next_account_id = (unsigned long)json_integer_value(na);
    }
    json_decref(root);
    return rc;
}

struct contacts *
contacts_open(const char *dir, struct buf *err)
{
    struct contacts *c = calloc(1, sizeof(*c));
    if (!c) {
        buf_printf(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->next_user_id = CONTACTS_FIRST_USER_ID;
    c->next_account_id = CONTACTS_FIRST_ACCOUNT_ID;
    if (dir) {
        struct buf path = BUF_INIT;
        buf_printf(&path, "%s/%s", dir, CONTACTS_STATE_FILE);
        c->path = path.data;
        c->dir = strdup(dir);
        if (!c->path || !c->dir || load_state(c, err) < 0) {
            if (!c->path || !c->dir)
                buf_printf(err, "out of memory");
            contacts_free(c);
            return NULL;
        }
    }
    return c;
}

void
contacts_free(struct contacts *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c->items);
    free(c->dir);
    free(c->path);
    free(c);
}

/* ---- changes ------------------------------------------------------------------------------ */

static struct contact *
by_user(struct contacts *c, unsigned long user_id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].user_id == user_id)
            return &c->items[i];
    return NULL;
}

static struct contact *
by_token(struct contacts *c, const char *token)
{
    for (size_t i = 0; token && token[0] && i < c->n; i++)
        if (strcmp(c->items[i].token, token) == 0)
            return &c->items[i];
    return NULL;
}

/* Contacts of one organisation share its account, as in Zaui. */
static unsigned long
account_of(struct contacts *c, const char *organisation)
{
    if (!organisation || !organisation[0])
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].organisation, organisation) == 0)
            return c->items[i].account_id;
    return c->next_account_id;
}

enum contacts_status
contacts_add(struct contacts *c, const char *name, const char *organisation, const char *email,
             double now, struct contact *out, struct buf *why)
{
    if (check_text("name", name, CONTACTS_NAME_MAX_BYTES, 1, why) < 0 ||
        check_text("organisation", organisation, CONTACTS_NAME_MAX_BYTES, 0, why) < 0 ||
        check_email(email, why) < 0)
        return CONTACTS_INVALID;
    pthread_mutex_lock(&c->lock);
    enum contacts_status rc = CONTACTS_OK;
    struct contact *items = NULL;
    for (size_t i = 0; i < c->n && rc == CONTACTS_OK; i++) {
        if (strcmp(c->items[i].name, name) == 0) {
            buf_printf(why, "name: a contact named \"%s\" exists already (user id %lu)", name,
                       c->items[i].user_id);
            rc = CONTACTS_CONFLICT;
        }
    }
    if (rc == CONTACTS_OK && c->n >= CONTACTS_MAX) {
        buf_printf(why, "name: the mock keeps at most %d contacts", CONTACTS_MAX);
        rc = CONTACTS_CONFLICT;
    } else if (rc == CONTACTS_OK && !(items = realloc(c->items, (c->n + 1) * sizeof(*items)))) {
        buf_printf(why, "out of memory");
        rc = CONTACTS_IO;
    }
    if (rc == CONTACTS_OK) {
        c->items = items;
        struct contact *ct = &c->items[c->n];
        memset(ct, 0, sizeof(*ct));
        ct->user_id = c->next_user_id;
        ct->account_id = account_of(c, organisation);
        snprintf(ct->name, sizeof(ct->name), "%s", name);
        snprintf(ct->organisation, sizeof(ct->organisation), "%s",
                 organisation ? organisation : "");
        snprintf(ct->email, sizeof(ct->email), "%s", email);
        ct->created_at = now;
        unsigned long saved_user = c->next_user_id, saved_account = c->next_account_id;
        c->next_user_id++;
        if (ct->account_id == c->next_account_id)
            c->next_account_id++;
        c->n++;
        if (save(c, why) < 0) {
            c->n--;
            c->next_user_id = saved_user;
            c->next_account_id = saved_account;
            rc = CONTACTS_IO;
        } else if (out) {
            *out = *ct;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

enum contacts_status
contacts_create_partner(struct contacts *c, unsigned long user_id, const unsigned char *random,
                        double now, struct contact *out, struct buf *why)
{
    pthread_mutex_lock(&c->lock);
    enum contacts_status rc = CONTACTS_OK;
    struct contact *ct = by_user(c, user_id);
    char token[CONTACTS_TOKEN_BYTES * 2 + 1];
    for (size_t i = 0; i < CONTACTS_TOKEN_BYTES; i++)
        snprintf(token + 2 * i, 3, "%02x", random[i]);
    if (!ct) {
        buf_printf(why, "userId: no contact with user id %lu (add the contact first)", user_id);
        rc = CONTACTS_NOT_FOUND;
    } else if (ct->token[0]) {
        buf_printf(why,
                   "userId: contact %lu already has a ZAPI token; each application needs its own "
                   "contact",
                   user_id);
        rc = CONTACTS_CONFLICT;
    } else if (by_token(c, token)) {
        buf_printf(why, "token: the random token is already used; try again");
        rc = CONTACTS_CONFLICT;
    } else {
        memcpy(ct->token, token, sizeof(token));
        ct->token_created_at = now;
        if (save(c, why) < 0) {
            ct->token[0] = '\0';
            rc = CONTACTS_IO;
        } else if (out) {
            *out = *ct;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

enum contacts_status
contacts_revoke(struct contacts *c, const char *token, struct contact *out, struct buf *why)
{
    pthread_mutex_lock(&c->lock);
    enum contacts_status rc = CONTACTS_OK;
    struct contact *ct = by_token(c, token);
    if (!ct) {
        buf_printf(why, "token: no partner created at run time has this token");
        rc = CONTACTS_NOT_FOUND;
    } else {
        struct contact saved = *ct;
        ct->token[0] = '\0';
        ct->token_created_at = 0;
        if (save(c, why) < 0) {
            *ct = saved;
            rc = CONTACTS_IO;
        } else if (out) {
            *out = saved;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int
contacts_find_token(struct contacts *c, const char *token, struct contact *out)
{
    pthread_mutex_lock(&c->lock);
    struct contact *ct = by_token(c, token);
    if (ct && out)
        *out = *ct;
    pthread_mutex_unlock(&c->lock);
    return ct ? 0 : -1;
}

/* ---- views -------------------------------------------------------------------------------- */

static json_t *
iso_or_null(double t)
{
    if (!(t > 0))
        return json_null();
    time_t secs = (time_t)t;
    struct tm tm;
    char out[32];
    gmtime_r(&secs, &tm);
    strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(out);
}

json_t *
contacts_contact_json(const struct contact *ct)
{
    json_t *o =
        json_pack("{s:I,s:I,s:s,s:s,s:s,s:o}", "userId", (json_int_t)ct->user_id, "accountId",
                  (json_int_t)ct->account_id, "name", ct->name, "organisation", ct->organisation,
                  "email", ct->email, "createdAt", iso_or_null(ct->created_at));
    if (!o)
        return NULL;
    if (ct->token[0]) /* Zaui's name for the contact's name on a partner */
        json_object_set_new(o, "affiliateUsername", json_string(ct->name));
    json_object_set_new(o, "token", ct->token[0] ? json_string(ct->token) : json_null());
    json_object_set_new(o, "tokenCreatedAt",
                        ct->token[0] ? iso_or_null(ct->token_created_at) : json_null());
    return o;
}

json_t *
contacts_json(struct contacts *c)
{
    json_t *list = json_array();
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; list && i < c->n; i++)
        json_array_append_new(list, contacts_contact_json(&c->items[i]));
    pthread_mutex_unlock(&c->lock);
    return list ? json_pack("{s:o}", "contacts", list) : NULL;
}

static void
xml_attr(struct buf *out, const char *name, const char *v)
{
    buf_printf(out, " %s=\"", name);
    for (; *v; v++) {
        switch (*v) {
        case '&':
            buf_append_str(out, "&amp;");
            break;
        case '<':
            buf_append_str(out, "&lt;");
            break;
        case '>':
            buf_append_str(out, "&gt;");
            break;
        case '"':
            buf_append_str(out, "&quot;");
            break;
        default:
            buf_append(out, v, 1);
        }
    }
    buf_append_str(out, "\"");
}

int
contacts_export_xml(struct contacts *c, struct buf *out)
{
    buf_append_str(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                        "<!-- Partners created at run time, exported by zapi-mock: paste the "
                        "<partner> lines into fixtures/registry.xml. -->\n<registry>\n");
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++) {
        const struct contact *ct = &c->items[i];
        if (!ct->token[0])
            continue;
        char num[24];
        buf_append_str(out, "  <partner");
        xml_attr(out, "token", ct->token);
        snprintf(num, sizeof(num), "%lu", ct->account_id);
        xml_attr(out, "accountId", num);
        snprintf(num, sizeof(num), "%lu", ct->user_id);
        xml_attr(out, "userId", num);
        xml_attr(out, "affiliateUsername", ct->name);
        xml_attr(out, "organisation", ct->organisation);
        buf_append_str(out, "/>\n");
    }
    pthread_mutex_unlock(&c->lock);
    return buf_append_str(out, "</registry>\n");
}

int
contacts_merge(struct contacts *c, struct registry *reg, struct buf *err)
{
    int added = 0;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++) {
        const struct contact *ct = &c->items[i];
        if (!ct->token[0] || registry_partner(reg, ct->token))
            continue;
        char account[24], user[24];
        snprintf(account, sizeof(account), "%lu", ct->account_id);
        snprintf(user, sizeof(user), "%lu", ct->user_id);
        struct partner p = {.token = ct->token,
                            .account_id = account,
                            .user_id = user,
                            .affiliate_username = ct->name,
                            .organisation = ct->organisation};
        if (registry_add_partner(reg, &p, err) < 0) {
            added = -1;
            break;
        }
        added++;
    }
    pthread_mutex_unlock(&c->lock);
    return added;
}
