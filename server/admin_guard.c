#include "admin_guard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void
add_name(struct admin_guard *g, const char *name, size_t len, char **store, size_t *left)
{
    while (len && name[len - 1] == '.')
        len--; /* "localhost." is the same name */
    if (!len || g->nnames >= ADMIN_GUARD_MAX_NAMES || len + 1 > *left)
        return;
    memcpy(*store, name, len);
    (*store)[len] = '\0';
    g->names[g->nnames++] = *store;
    *store += len + 1;
    *left -= len + 1;
}

/* The host of "HOST:PORT", "[V6]:PORT", "[V6]" or "HOST" (a bare IPv6 address has no port). */
static void
host_part(const char *hostport, const char **start, size_t *len)
{
    const char *h = hostport;
    if (h[0] == '[') {
        const char *end = strchr(h, ']');
        *start = h + 1;
        *len = end ? (size_t)(end - h - 1) : strlen(h + 1);
        return;
    }
    const char *colon = strchr(h, ':');
    *start = h;
    *len = colon && !strchr(colon + 1, ':') ? (size_t)(colon - h) : strlen(h);
}

void
admin_guard_init(struct admin_guard *g, int tls, const char *extra_names, const char *const *listen,
                 size_t nlisten, char *store, size_t store_len)
{
    memset(g, 0, sizeof(*g));
    g->tls = tls;
    static const char *const own[] = {"localhost", "127.0.0.1", "::1"};
    for (size_t i = 0; i < 3; i++)
        add_name(g, own[i], strlen(own[i]), &store, &store_len);
    for (const char *p = extra_names; p && *p;) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        add_name(g, p, n, &store, &store_len);
        p += strcspn(p, ",");
    }
    for (size_t i = 0; i < nlisten; i++) {
        const char *h;
        size_t n;
        host_part(listen[i], &h, &n);
        /* Wildcards answer on every address: those are not names a browser should use. */
        if ((n == 7 && !strncmp(h, "0.0.0.0", 7)) || (n == 2 && !strncmp(h, "::", 2)) ||
            (n == 1 && h[0] == '*'))
            continue;
        add_name(g, h, n, &store, &store_len);
    }
}

static int
own_host(const struct admin_guard *g, const char *host)
{
    const char *h;
    size_t n;
    host_part(host, &h, &n);
    while (n && h[n - 1] == '.')
        n--;
    for (size_t i = 0; i < g->nnames; i++)
        if (strlen(g->names[i]) == n && strncasecmp(g->names[i], h, n) == 0)
            return 1;
    return 0;
}

/* Header values go into answers and the log: printable ASCII only, cut at 80 bytes. */
static const char *
shown(const char *v, char *out, size_t len)
{
    size_t i = 0;
    for (; v[i] && i + 1 < len && i < 80; i++)
        out[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
    out[i] = '\0';
    return out;
}

int
admin_guard_check(const struct admin_guard *g, const char *host, const char *origin,
                  const char *sec_fetch_site, int check_host, int changes_state, char *why,
                  size_t why_len)
{
    char v[96];
    if (check_host && host && !own_host(g, host)) {
        snprintf(why, why_len,
                 "Host \"%s\" is not one of the mock's names (DNS rebinding?): use localhost "
                 "or add the name with --cert-names",
                 shown(host, v, sizeof(v)));
        return -1;
    }
    if (!changes_state)
        return 0;
    if (origin) {
        const char *scheme = g->tls ? "https://" : "http://";
        size_t sl = strlen(scheme);
        if (!host || strncasecmp(origin, scheme, sl) != 0 || strcasecmp(origin + sl, host) != 0) {
            snprintf(why, why_len,
                     "cross-site request refused: Origin \"%s\" is not this server's origin",
                     shown(origin, v, sizeof(v)));
            return -1;
        }
    }
    if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin") != 0 &&
        strcmp(sec_fetch_site, "none") != 0) {
        snprintf(why, why_len, "cross-site request refused: Sec-Fetch-Site is \"%s\"",
                 shown(sec_fetch_site, v, sizeof(v)));
        return -1;
    }
    return 0;
}
