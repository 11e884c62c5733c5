#include "methods.h"

#include <string.h>

#include "mbedtls/constant_time.h"

static const char *
agents_authenticate(struct method_call *c)
{
    struct buf user = BUF_INIT, pass = BUF_INIT;
    envelope_lookup(c->req, "zapiMethod.username", &user);
    envelope_lookup(c->req, "zapiMethod.password", &pass);
    const char *outcome = "found";
    const struct agent *a = user.len ? registry_agent(c->registry, user.data) : NULL;
    if (!user.len) {
        buf_printf(&c->message, "Invalid user: zapiMethod/username is missing");
        outcome = "invalid-user";
    } else if (!a) {
        buf_printf(&c->message, "Invalid user: no agent with username \"%.64s\"", user.data);
        outcome = "invalid-user";
    } else if (strlen(a->password) != pass.len ||
               mbedtls_ct_memcmp(a->password, pass.data ? pass.data : "", pass.len) != 0) {
        buf_printf(&c->message, "Invalid user: wrong password for agent \"%.64s\"", user.data);
        outcome = "invalid-user";
    } else if (registry_agent_expired(a, c->today)) {
        buf_printf(&c->message, "Agent account \"%.64s\" is inactive: it expired on %s", user.data,
                   a->expiry_date);
        c->agent = a;
        outcome = "inactive";
    } else {
        buf_printf(&c->message, "Agent account found");
        c->agent = a;
    }
    buf_free(&user);
    buf_free(&pass);
    return outcome;
}

struct method_handler {
    const char *name;
    const char *(*run)(struct method_call *c);
    const char *const outcomes[4];
};

static const struct method_handler handlers[] = {
    {"zapiAgents_Authenticate", agents_authenticate, {"found", "invalid-user", "inactive", NULL}},
};

static const struct method_handler *
find_handler(const char *name)
{
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (strcmp(handlers[i].name, name) == 0)
            return &handlers[i];
    return NULL;
}

const char *
methods_run(const char *method_name, struct method_call *call)
{
    const struct method_handler *h = find_handler(method_name);
    return h ? h->run(call) : "";
}

int
methods_check(const struct fixture_set *fs, struct buf *err)
{
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        const struct fixture *f = fixtures_method(fs, handlers[i].name);
        if (!f)
            continue;
        for (const char *const *o = handlers[i].outcomes; *o; o++) {
            int found = 0;
            for (size_t k = 0; k < f->nanswers; k++)
                if (strcmp(f->answers[k].outcome, *o) == 0)
                    found = 1;
            if (!found) {
                buf_printf(err, "%s: no <answer outcome=\"%s\">: %s can answer with it", f->path,
                           *o, handlers[i].name);
                return -1;
            }
        }
    }
    return 0;
}
