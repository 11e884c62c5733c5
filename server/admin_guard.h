/* admin_guard: keeps web pages from using the admin API through the developer's browser. Pure:
 * header values in, a verdict out.
 *   - DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1 reaches the
 *     mock with "Host: attacker.example". When the admin API trusts peers by address (no admin
 *     token), a Host that is not one of the mock's own names is refused, reads included.
 *   - Cross-site requests that change state: browsers send Origin (and Sec-Fetch-Site) with every
 *     POST, PUT, PATCH and DELETE. One whose Origin is not the origin the request was sent to is
 *     refused; curl and CI jobs send neither header and are not affected.
 * A request without a Host header (HTTP/1.0) is not a browser's and passes the Host check. */
#ifndef ZAPI_ADMIN_GUARD_H
#define ZAPI_ADMIN_GUARD_H

#include <stddef.h>

#define ADMIN_GUARD_MAX_NAMES 64

struct admin_guard {
    const char *names[ADMIN_GUARD_MAX_NAMES]; /* host names and addresses, without port */
    size_t nnames;
    int tls; /* the scheme an Origin must have: https, or http with --no-tls */
};

/* localhost, 127.0.0.1 and ::1, the comma-separated extra names (--cert-names) and the host
 * part of each listen address that is not a wildcard. The strings are copied into store
 * (store_len bytes); names beyond the capacity are dropped. */
void admin_guard_init(struct admin_guard *g, int tls, const char *extra_names,
                      const char *const *listen, size_t nlisten, char *store, size_t store_len);
/* 0 when the request may go on; -1 with the reason in why. host, origin and sec_fetch_site are
 * the header values (NULL when absent); check_host is 0 when an admin token guards the API;
 * changes_state is 1 for any method but GET, HEAD and OPTIONS. */
int admin_guard_check(const struct admin_guard *g, const char *host, const char *origin,
                      const char *sec_fetch_site, int check_host, int changes_state, char *why,
                      size_t why_len);

#endif
