/* registry: the API partners (tokens and the contact each belongs to) and agents a fixture set
 * declares in registry.xml. Read-only once loaded, so workers can share it. */
#ifndef ZAPI_REGISTRY_H
#define ZAPI_REGISTRY_H

#include <libxml/tree.h>
#include <stddef.h>

#include "buf.h"

#define REGISTRY_MAX_TOKEN 200

struct partner {
    const char *token;
    const char *account_id;
    const char *user_id;
    const char *affiliate_username;
    const char *organisation;
    unsigned throttle_limit; /* 0 = the server's setting */
    double throttle_window;  /* 0 = the server's setting */
    int line;
};

struct agent {
    const char *username;
    const char *password;
    const char *expiry_date;       /* "" when it never expires */
    const xmlNode *details;        /* element whose children are the agent's fields */
    const char *partner_token;     /* partner="" as written, NULL when absent */
    const struct partner *partner; /* whose token a login hands out; NULL when none matches */
    int line;
};

struct registry;

/* Parses path. Returns 0, or -1 with "path:line: reason" in err. */
int registry_load(const char *path, struct registry **out, struct buf *err);
void registry_free(struct registry *reg);
/* Adds a partner to a registry that is still being built (not yet shared): the strings are
 * copied. Returns 0, or -1 with the reason in err (a token already used, a required field
 * empty, no memory). */
int registry_add_partner(struct registry *reg, const struct partner *p, struct buf *err);

const struct partner *registry_partner(const struct registry *reg, const char *token);
const struct agent *registry_agent(const struct registry *reg, const char *username);
size_t registry_partner_count(const struct registry *reg);
const struct partner *registry_partner_at(const struct registry *reg, size_t i);
size_t registry_agent_count(const struct registry *reg);
const struct agent *registry_agent_at(const struct registry *reg, size_t i);

/* Appends the value of a partner field (token, accountId, userId, affiliateUsername,
 * organisation) to out. Returns 0, or -1 for an unknown field. */
int registry_partner_field(const struct partner *p, const char *name, struct buf *out);
/* Appends the trimmed text of an agent's field at a dotted path ("relatedBookings.totalPurchases").
 * Returns 0, or -1 when the agent has no such field. */
int registry_agent_field(const struct agent *a, const char *path, struct buf *out);
/* True when the agent's expiryDate (YYYY-MM-DD) is before today (YYYY-MM-DD). */
int registry_agent_expired(const struct agent *a, const char *today);

#endif
