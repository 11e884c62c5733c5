#include "admin_internal.h"

#include <jansson.h>
#include <string.h>

#include "log.h"
#include "app.h"
#include "throttle.h"

static json_t *
throttle_state(struct app *app, const struct fixture_set *fs)
{
    struct throttle_settings s;
    throttle_settings_get(app->throttle, &s);
    json_t *forced = json_array();
    struct throttle_force_info info[64];
    size_t n = throttle_forces(app->throttle, app_monotonic(app), info, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "token", info[i].global ? json_null() : json_string(info[i].key));
        json_object_set_new(f, "remaining",
                            info[i].remaining < 0 ? json_null() : json_real(info[i].remaining));
        json_array_append_new(forced, f);
    }
    json_t *clients = json_array();
    const struct registry *reg = fs->registry;
    for (size_t i = 0; i < registry_partner_count(reg); i++) {
        const struct partner *p = registry_partner_at(reg, i);
        struct throttle_key_stats st = {0, 0};
        throttle_key_stats(app->throttle, p->token, &st);
        json_t *c = json_pack("{s:s,s:I,s:I}", "token", p->token, "admitted",
                              (json_int_t)st.admitted, "throttled", (json_int_t)st.throttled);
        if (p->throttle_limit)
            json_object_set_new(c, "limit", json_integer(p->throttle_limit));
        if (p->throttle_window > 0)
            json_object_set_new(c, "window", json_real(p->throttle_window));
        json_array_append_new(clients, c);
    }
    return json_pack("{s:b,s:i,s:f,s:i,s:i,s:o,s:o}", "enabled",
                     s.limit > 0 || s.every > 0 || n > 0, "limit", (int)s.limit, "window", s.window,
                     "every", (int)s.every, "status", app->throttle_status, "forced", forced,
                     "clients", clients);
}

/* Everything in a change request is validated before anything is applied. */
struct throttle_change {
    struct throttle_settings settings;
    int status;
    int force, force_global;
    char force_token[THROTTLE_FORCE_KEY_MAX];
    double force_seconds;
    int lift, lift_global;
    char lift_token[THROTTLE_FORCE_KEY_MAX];
    int reset;
};

static int
get_uint(json_t *obj, const char *key, unsigned max, unsigned *out, struct buf *why)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        buf_printf(why, "\"%s\" must be a whole number from 0 to %u", key, max);
        return -1;
    }
    *out = (unsigned)json_integer_value(v);
    return 0;
}

static int
get_token(json_t *v, const char *what, char *out, size_t len, struct buf *why)
{
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= len) {
        buf_printf(why, "\"%s\" must be a non-empty token string", what);
        return -1;
    }
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

static int
parse_force(json_t *v, struct throttle_change *ch, struct buf *why)
{
    ch->force = 1;
    if (json_is_true(v)) {
        ch->force_global = 1;
        return 0;
    }
    if (!json_is_object(v)) {
        buf_printf(why, "\"force\" must be true or {\"token\": \"...\", \"seconds\": N}");
        return -1;
    }
    json_t *tok = json_object_get(v, "token"), *secs = json_object_get(v, "seconds");
    if (!tok || json_is_null(tok))
        ch->force_global = 1;
    else if (get_token(tok, "force.token", ch->force_token, sizeof(ch->force_token), why) < 0)
        return -1;
    if (secs && !json_is_null(secs)) {
        if (!json_is_number(secs) || json_number_value(secs) < 0 ||
            json_number_value(secs) > 86400) {
            buf_printf(why, "\"force.seconds\" must be a number of seconds from 0 to 86400 "
                            "(0 or absent = until lifted)");
            return -1;
        }
        ch->force_seconds = json_number_value(secs);
    }
    return 0;
}

static int
parse_change(struct app *app, json_t *body, struct throttle_change *ch, struct buf *why)
{
    static const char *const known[] = {"limit", "window", "every", "status",
                                        "force", "lift",   "reset", NULL};
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok) {
            buf_printf(why,
                       "unknown field \"%.40s\" (known: limit, window, every, status, force, "
                       "lift, reset)",
                       key);
            return -1;
        }
    }
    throttle_settings_get(app->throttle, &ch->settings);
    ch->status = app->throttle_status;
    if (get_uint(body, "limit", THROTTLE_MAX_LIMIT, &ch->settings.limit, why) < 0 ||
        get_uint(body, "every", 1000000, &ch->settings.every, why) < 0)
        return -1;
    if ((v = json_object_get(body, "window"))) {
        if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 86400) {
            buf_printf(why, "\"window\" must be a number of seconds in (0, 86400]");
            return -1;
        }
        ch->settings.window = json_number_value(v);
    }
    if ((v = json_object_get(body, "status"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 200 || json_integer_value(v) > 599) {
            buf_printf(why, "\"status\" must be an HTTP status from 200 to 599 (503 or 200)");
            return -1;
        }
        ch->status = (int)json_integer_value(v);
    }
    if ((v = json_object_get(body, "force")) && !json_is_false(v) && parse_force(v, ch, why) < 0)
        return -1;
    if ((v = json_object_get(body, "lift")) && !json_is_false(v)) {
        ch->lift = 1;
        if (json_is_true(v))
            ch->lift_global = 1;
        else if (get_token(v, "lift", ch->lift_token, sizeof(ch->lift_token), why) < 0)
            return -1;
    }
    ch->reset = json_is_true(json_object_get(body, "reset"));
    return 0;
}

static void
apply_change(struct app *app, const struct throttle_change *ch)
{
    throttle_configure(app->throttle, &ch->settings);
    app->throttle_status = ch->status;
    if (ch->lift)
        throttle_lift(app->throttle, ch->lift_global ? NULL : ch->lift_token);
    if (ch->force)
        throttle_force(app->throttle, ch->force_global ? NULL : ch->force_token, app_monotonic(app),
                       ch->force_seconds);
    if (ch->reset)
        throttle_reset(app->throttle);
}

void
admin_throttle(struct admin_call *c)
{
    struct app *app = c->app;
    struct route_result *out = c->out;
    if (c->method == HTTP_GET) {
        admin_reply(out, 200, throttle_state(app, c->fs));
        return;
    }
    if (c->method == HTTP_DELETE) {
        /* Everything off, the status as the server started: a clean slate for the next test. */
        struct throttle_settings s;
        throttle_settings_get(app->throttle, &s);
        s.limit = 0;
        s.every = 0;
        throttle_configure(app->throttle, &s);
        throttle_lift(app->throttle, NULL);
        throttle_reset(app->throttle);
        app->throttle_status = app->cfg->throttle_status;
        log_info(app->log, "admin: throttling turned off");
        admin_reply(out, 200, throttle_state(app, c->fs));
        return;
    }
    if (c->method != HTTP_POST && c->method != HTTP_PUT && c->method != HTTP_PATCH) {
        admin_reply_error(out, 405, "use GET, POST (or PUT/PATCH) or DELETE on /__admin/throttle");
        admin_header(out, "Allow: GET, POST, PUT, PATCH, DELETE");
        return;
    }
    json_t *body = admin_body_object(c);
    if (!body)
        return;
    struct throttle_change ch;
    memset(&ch, 0, sizeof(ch));
    struct buf why = BUF_INIT;
    if (parse_change(app, body, &ch, &why) < 0) {
        admin_reply_error(out, 400, why.data);
    } else {
        apply_change(app, &ch);
        log_info(app->log, "admin: throttle limit=%u window=%g every=%u status=%d%s%s%s",
                 ch.settings.limit, ch.settings.window, ch.settings.every, ch.status,
                 ch.force ? " force" : "", ch.lift ? " lift" : "", ch.reset ? " reset" : "");
        admin_reply(out, 200, throttle_state(app, c->fs));
    }
    buf_free(&why);
    json_decref(body);
}
