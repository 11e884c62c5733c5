/* Agents: the logins (no token: zapiUsername/zapiPassword at the top of the request),
 * zapiAgents_Authenticate and zapiAgents_GetProfile. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../methods.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/md5.h"

static int
same_secret(const char *want, const char *got, size_t got_len)
{
    return strlen(want) == got_len && mbedtls_ct_memcmp(want, got, got_len) == 0;
}

/* The password as registered, or its MD5 in hex (either case). */
static int
password_matches(const struct agent *a, const struct buf *pass)
{
    const char *got = pass->data ? pass->data : "";
    if (same_secret(a->password, got, pass->len))
        return 1;
    unsigned char md[16];
    if (mbedtls_md5_ret((const unsigned char *)a->password, strlen(a->password), md) != 0)
        return 0;
    char hex[33], lower[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    size_t n = pass->len < 32 ? pass->len : 32;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)got[i]);
    lower[n] = '\0';
    return pass->len == 32 && same_secret(hex, lower, 32);
}

/* Finds the agent and checks the password and expiry; fails the call otherwise. */
static const char *
check_agent(struct method_call *c, const char *user_field, const struct buf *user,
            const struct buf *pass)
{
    const struct agent *a = user->len ? registry_agent(c->registry, user->data) : NULL;
    if (!user->len)
        return method_fail(c, "invalid-user", MERR_INVALID_USER, "Invalid user: %s is missing",
                           user_field);
    if (!a)
        return method_fail(c, "invalid-user", MERR_INVALID_USER,
                           "Invalid user: no agent with username \"%.64s\"", user->data);
    if (!password_matches(a, pass))
        return method_fail(c, "invalid-user", MERR_INVALID_USER,
                           "Invalid user: wrong password for agent \"%.64s\"", user->data);
    c->agent = a;
    if (registry_agent_expired(a, c->today_text))
        return method_fail(c, "inactive", MERR_INACTIVE,
                           "Agent account \"%.64s\" is inactive: it expired on %s", user->data,
                           a->expiry_date);
    return "";
}

static const char *
authenticate(struct method_call *c)
{
    struct buf user = BUF_INIT, pass = BUF_INIT;
    method_param(c, "username", &user);
    method_param(c, "password", &pass);
    const char *outcome = check_agent(c, "zapiMethod/username", &user, &pass);
    if (!*outcome)
        buf_printf(&c->message, "Agent account found");
    buf_free(&user);
    buf_free(&pass);
    return outcome;
}

static const char *
login(struct method_call *c)
{
    struct buf user = BUF_INIT, pass = BUF_INIT, field = BUF_INIT;
    envelope_lookup(c->req, "zapiUsername", &user);
    envelope_lookup(c->req, "zapiPassword", &pass);
    const char *outcome = check_agent(c, "zapiUsername", &user, &pass);
    const struct agent *a = c->agent;
    if (!*outcome && !a->partner)
        outcome = method_fail(c, "invalid-user", MERR_INVALID_USER,
                              "Invalid user: agent \"%.64s\" belongs to no API partner (set "
                              "partner=\"token\" on its <agent> in registry.xml)",
                              user.data);
    if (!*outcome) {
        char cart[STORE_ID_TEXT];
        struct model_node *l = model_add(c->model, NULL, "login");
        model_set(c->model, l, "zapiUsername", a->username);
        model_set(c->model, l, "zapiAccountId", a->partner->account_id);
        model_set(c->model, l, "zapiUserId", a->partner->user_id);
        if (registry_agent_field(a, "accountType", &field) < 0 || !field.len)
            buf_printf(&field, "Agent");
        model_set(c->model, l, "zapiAccountType", field.data);
        buf_clear(&field);
        registry_agent_field(a, "firstName", &field);
        model_set(c->model, l, "firstName", field.data ? field.data : "");
        buf_clear(&field);
        registry_agent_field(a, "lastName", &field);
        model_set(c->model, l, "lastName", field.data ? field.data : "");
        model_set(c->model, l, "zapiApiToken", a->partner->token);
        if (store_cart_create(c->store, a->partner->token, c->now, cart) < 0)
            outcome = method_fail(c, "general", MERR_GENERAL,
                                  "No cart could be created: the mock holds too many carts");
        else
            model_set(c->model, l, "cartId", cart);
        if (!*outcome)
            buf_printf(&c->message, "Login Successful");
    }
    buf_free(&user);
    buf_free(&pass);
    buf_free(&field);
    return outcome;
}

static const char *
get_profile(struct method_call *c)
{
    struct buf id = BUF_INIT, key = BUF_INIT, field = BUF_INIT;
    method_param(c, "agentID", &id);
    method_param(c, "agentHashKey", &key);
    const char *outcome = "";
    if (!id.len || !key.len) {
        outcome = method_fail(c, "invalid-user", MERR_INVALID_USER,
                              "Invalid user: zapiMethod/%s "
                              "is missing",
                              id.len ? "agentHashKey" : "agentID");
    } else {
        const struct agent *found = NULL;
        for (size_t i = 0; i < registry_agent_count(c->registry) && !found; i++) {
            const struct agent *a = registry_agent_at(c->registry, i);
            buf_clear(&field);
            if (registry_agent_field(a, "agentID", &field) == 0 && field.len == id.len &&
                strcmp(field.data, id.data) == 0)
                found = a;
        }
        buf_clear(&field);
        if (found)
            registry_agent_field(found, "agentHashKey", &field);
        if (!found)
            outcome = method_fail(c, "invalid-user", MERR_INVALID_USER,
                                  "Invalid user: no agent with agentID \"%.40s\"", id.data);
        else if (!same_secret(field.data ? field.data : "", key.data, key.len))
            outcome = method_fail(c, "invalid-user", MERR_INVALID_USER,
                                  "Invalid user: agentHashKey does not match agent %.40s", id.data);
        else {
            c->agent = found;
            buf_printf(&c->message, "Agent account found");
        }
    }
    buf_free(&id);
    buf_free(&key);
    buf_free(&field);
    return outcome;
}

/* The system's users: the agents of registry.xml. */
static const char *
user_list(struct method_call *c)
{
    static const char *const fields[] = {"agentID", "username",  "firstName", "lastName",
                                         "email",   "accountId", "expiryDate"};
    struct model_node *list = model_add(c->model, NULL, "users");
    struct buf v = BUF_INIT;
    for (size_t i = 0; i < registry_agent_count(c->registry); i++) {
        const struct agent *a = registry_agent_at(c->registry, i);
        struct model_node *u = model_add(c->model, list, "user");
        for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
            buf_clear(&v);
            registry_agent_field(a, fields[k], &v);
            model_set(c->model, u, fields[k], v.data ? v.data : "");
        }
        model_set(c->model, u, "isActive",
                  registry_agent_expired(a, c->today_text) ? "false" : "true");
    }
    buf_free(&v);
    buf_printf(&c->message, "%zu user%s found", list ? list->count : 0,
               list && list->count == 1 ? "" : "s");
    return "";
}

static const struct method_handler handlers[] = {
    {"zapiAgentLogin", login, METHOD_NO_TOKEN},
    {"zapiMobileLogin", login, METHOD_NO_TOKEN},
    {"zapiAgents_Authenticate", authenticate, METHOD_CACHEABLE},
    {"zapiAgents_GetProfile", get_profile, METHOD_CACHEABLE},
    {"zapiSystem_GetUserList", user_list, METHOD_CACHEABLE},
};

const struct method_area methods_agents = {"agents", handlers,
                                           sizeof(handlers) / sizeof(handlers[0])};
