#include "registry.h"

#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "xmlfile.h"

struct registry {
    xmlDoc *doc;
    struct partner *partners; /* sorted by token */
    size_t npartners;
    struct agent *agents; /* sorted by username */
    size_t nagents;
    char **owned; /* trimmed copies of values */
    size_t nowned;
};

static const char *
keep(struct registry *reg, struct buf *text)
{
    char **p = realloc(reg->owned, (reg->nowned + 1) * sizeof(*p));
    if (!p)
        return NULL;
    reg->owned = p;
    char *s = text->data ? text->data : strdup("");
    if (!s)
        return NULL;
    reg->owned[reg->nowned++] = s;
    text->data = NULL;
    text->len = text->cap = 0;
    return s;
}

static const char *
attr(struct registry *reg, const xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    struct buf b = BUF_INIT;
    buf_append_str(&b, (const char *)v);
    xmlFree(v);
    /* Trim so that token=" ABC " in a fixture matches what clients send. */
    size_t s = 0;
    while (s < b.len && (b.data[s] == ' ' || b.data[s] == '\t' || b.data[s] == '\n'))
        s++;
    buf_consume(&b, s);
    while (b.len &&
           (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t' || b.data[b.len - 1] == '\n'))
        b.data[--b.len] = '\0';
    return keep(reg, &b);
}

static int
check_attrs(const xmlNode *node, const char *const *allowed, const char *path, struct buf *err)
{
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        int ok = 0;
        for (const char *const *n = allowed; *n; n++)
            if (strcmp(*n, (const char *)a->name) == 0)
                ok = 1;
        if (!ok) {
            buf_printf(err, "%s:%ld: <%s> has an unknown attribute \"%s\"", path,
                       xmlGetLineNo(node), node->name, a->name);
            return -1;
        }
    }
    return 0;
}

static int
parse_uint(const char *s, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > 1000000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int
load_partner(struct registry *reg, const xmlNode *node, const char *path, struct partner *p,
             struct buf *err)
{
    static const char *const allowed[] = {
        "token",        "accountId",     "userId",         "affiliateUsername",
        "organisation", "throttleLimit", "throttleWindow", NULL};
    long line = xmlGetLineNo(node);
    if (check_attrs(node, allowed, path, err) < 0)
        return -1;
    memset(p, 0, sizeof(*p));
    p->line = (int)line;
    p->token = attr(reg, node, "token");
    p->account_id = attr(reg, node, "accountId");
    p->user_id = attr(reg, node, "userId");
    p->affiliate_username = attr(reg, node, "affiliateUsername");
    p->organisation = attr(reg, node, "organisation");
    const char *required[] = {"token", p->token, "accountId", p->account_id, "userId", p->user_id};
    for (size_t i = 0; i < 6; i += 2) {
        if (!required[i + 1] || !required[i + 1][0]) {
            buf_printf(err, "%s:%ld: <partner> needs a non-empty %s attribute", path, line,
                       required[i]);
            return -1;
        }
    }
    if (strlen(p->token) > REGISTRY_MAX_TOKEN) {
        buf_printf(err, "%s:%ld: token longer than %d characters", path, line, REGISTRY_MAX_TOKEN);
        return -1;
    }
    if (!p->affiliate_username)
        p->affiliate_username = "";
    if (!p->organisation)
        p->organisation = "";
    const char *limit = attr(reg, node, "throttleLimit");
    if (limit && limit[0] && parse_uint(limit, &p->throttle_limit) < 0) {
        buf_printf(err, "%s:%ld: throttleLimit \"%s\" is not a whole number up to 1000000", path,
                   line, limit);
        return -1;
    }
    const char *window = attr(reg, node, "throttleWindow");
    if (window && window[0]) {
        char *end;
        p->throttle_window = strtod(window, &end);
        if (*end || !(p->throttle_window > 0 && p->throttle_window <= 86400)) {
            buf_printf(err,
                       "%s:%ld: throttleWindow \"%s\" is not a number of seconds in (0, 86400]",
                       path, line, window);
            return -1;
        }
    }
    return 0;
}

static int
load_agent(struct registry *reg, const xmlNode *node, const char *path, struct agent *a,
           struct buf *err)
{
    static const char *const allowed[] = {"password", "partner", NULL};
    long line = xmlGetLineNo(node);
    if (check_attrs(node, allowed, path, err) < 0)
        return -1;
    memset(a, 0, sizeof(*a));
    a->line = (int)line;
    a->details = node;
    a->password = attr(reg, node, "password");
    if (!a->password) {
        buf_printf(err, "%s:%ld: <agent> needs a password attribute", path, line);
        return -1;
    }
    struct buf b = BUF_INIT;
    if (registry_agent_field(a, "username", &b) < 0 || b.len == 0) {
        buf_free(&b);
        buf_printf(err, "%s:%ld: <agent> needs a non-empty <username> child", path, line);
        return -1;
    }
    a->username = keep(reg, &b);
    registry_agent_field(a, "expiryDate", &b);
    a->expiry_date = keep(reg, &b);
    a->partner_token = attr(reg, node, "partner");
    return a->username && a->expiry_date ? 0 : -1;
}

/* An agent belongs to the partner its partner="" names, else to the partner of its <accountId>. */
static int
link_agents(struct registry *reg, const char *path, struct buf *err)
{
    for (size_t i = 0; i < reg->nagents; i++) {
        struct agent *a = &reg->agents[i];
        if (a->partner_token) {
            a->partner = registry_partner(reg, a->partner_token);
            if (!a->partner) {
                buf_printf(err, "%s:%d: <agent partner=\"%s\">: no <partner> has that token", path,
                           a->line, a->partner_token);
                return -1;
            }
            continue;
        }
        struct buf account = BUF_INIT;
        registry_agent_field(a, "accountId", &account);
        for (size_t k = 0; k < reg->npartners && account.len && !a->partner; k++)
            if (strcmp(reg->partners[k].account_id, account.data) == 0)
                a->partner = &reg->partners[k];
        buf_free(&account);
    }
    return 0;
}

static int
cmp_partner(const void *x, const void *y)
{
    return strcmp(((const struct partner *)x)->token, ((const struct partner *)y)->token);
}

static int
cmp_agent(const void *x, const void *y)
{
    return strcmp(((const struct agent *)x)->username, ((const struct agent *)y)->username);
}

static size_t
count_children(const xmlNode *root, const char *name)
{
    size_t n = 0;
    for (const xmlNode *c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            n++;
    return n;
}

static int
load_entries(struct registry *reg, const xmlNode *root, const char *path, struct buf *err)
{
    reg->partners = calloc(count_children(root, "partner") + 1, sizeof(*reg->partners));
    reg->agents = calloc(count_children(root, "agent") + 1, sizeof(*reg->agents));
    if (!reg->partners || !reg->agents) {
        buf_printf(err, "%s: out of memory", path);
        return -1;
    }
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int rc;
        if (strcmp((const char *)c->name, "partner") == 0) {
            rc = load_partner(reg, c, path, &reg->partners[reg->npartners++], err);
        } else if (strcmp((const char *)c->name, "agent") == 0) {
            rc = load_agent(reg, c, path, &reg->agents[reg->nagents++], err);
        } else {
            buf_printf(err, "%s:%ld: unknown element <%s> (expected <partner> or <agent>)", path,
                       xmlGetLineNo(c), c->name);
            rc = -1;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int
check_unique(const struct registry *reg, const char *path, struct buf *err)
{
    for (size_t i = 1; i < reg->npartners; i++) {
        if (strcmp(reg->partners[i].token, reg->partners[i - 1].token) == 0) {
            buf_printf(err, "%s:%d: token \"%s\" is already used by the partner on line %d", path,
                       reg->partners[i].line, reg->partners[i].token, reg->partners[i - 1].line);
            return -1;
        }
    }
    for (size_t i = 1; i < reg->nagents; i++) {
        if (strcmp(reg->agents[i].username, reg->agents[i - 1].username) == 0) {
            buf_printf(err, "%s:%d: agent username \"%s\" is already used on line %d", path,
                       reg->agents[i].line, reg->agents[i].username, reg->agents[i - 1].line);
            return -1;
        }
    }
    return 0;
}

int
registry_load(const char *path, struct registry **out, struct buf *err)
{
    *out = NULL;
    struct registry *reg = calloc(1, sizeof(*reg));
    if (!reg) {
        buf_printf(err, "%s: out of memory", path);
        return -1;
    }
    reg->doc = xmlfile_read(path, err);
    if (!reg->doc) {
        registry_free(reg);
        return -1;
    }
    xmlNode *root = xmlDocGetRootElement(reg->doc);
    if (!root || strcmp((const char *)root->name, "registry") != 0) {
        buf_printf(err, "%s:%ld: the root element must be <registry>", path,
                   root ? xmlGetLineNo(root) : 0);
        registry_free(reg);
        return -1;
    }
    if (load_entries(reg, root, path, err) < 0) {
        registry_free(reg);
        return -1;
    }
    qsort(reg->partners, reg->npartners, sizeof(*reg->partners), cmp_partner);
    qsort(reg->agents, reg->nagents, sizeof(*reg->agents), cmp_agent);
    if (check_unique(reg, path, err) < 0 || link_agents(reg, path, err) < 0) {
        registry_free(reg);
        return -1;
    }
    *out = reg;
    return 0;
}

void
registry_free(struct registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->nowned; i++)
        free(reg->owned[i]);
    free(reg->owned);
    free(reg->partners);
    free(reg->agents);
    xmlFreeDoc(reg->doc);
    free(reg);
}

static const char *
keep_str(struct registry *reg, const char *s)
{
    struct buf b = BUF_INIT;
    if (buf_append_str(&b, s ? s : "") < 0)
        return NULL;
    const char *k = keep(reg, &b);
    buf_free(&b);
    return k;
}

int
registry_add_partner(struct registry *reg, const struct partner *p, struct buf *err)
{
    if (!p->token || !p->token[0] || !p->account_id || !p->account_id[0] || !p->user_id ||
        !p->user_id[0] || strlen(p->token) > REGISTRY_MAX_TOKEN) {
        buf_printf(err, "partner %.40s: token, accountId and userId are required",
                   p->token ? p->token : "");
        return -1;
    }
    if (registry_partner(reg, p->token)) {
        buf_printf(err, "partner %.40s: the token is already used", p->token);
        return -1;
    }
    /* Agents point into the partners array, which moves: remember whose token each had. */
    const char **linked = calloc(reg->nagents + 1, sizeof(*linked));
    if (!linked) {
        buf_printf(err, "partner %.40s: out of memory", p->token);
        return -1;
    }
    for (size_t i = 0; i < reg->nagents; i++)
        linked[i] = reg->agents[i].partner ? reg->agents[i].partner->token : NULL;
    struct partner *all = realloc(reg->partners, (reg->npartners + 1) * sizeof(*all));
    if (!all) {
        free(linked);
        buf_printf(err, "partner %.40s: out of memory", p->token);
        return -1;
    }
    reg->partners = all;
    struct partner copy = *p;
    copy.token = keep_str(reg, p->token);
    copy.account_id = keep_str(reg, p->account_id);
    copy.user_id = keep_str(reg, p->user_id);
    copy.affiliate_username = keep_str(reg, p->affiliate_username);
    copy.organisation = keep_str(reg, p->organisation);
    if (!copy.token || !copy.account_id || !copy.user_id || !copy.affiliate_username ||
        !copy.organisation) {
        for (size_t k = 0; k < reg->nagents; k++)
            reg->agents[k].partner = linked[k] ? registry_partner(reg, linked[k]) : NULL;
        free(linked);
        buf_printf(err, "partner %.40s: out of memory", p->token);
        return -1;
    }
    /* Insertion keeps the array sorted for bsearch. */
    size_t i = reg->npartners;
    while (i > 0 && strcmp(reg->partners[i - 1].token, copy.token) > 0) {
        reg->partners[i] = reg->partners[i - 1];
        i--;
    }
    reg->partners[i] = copy;
    reg->npartners++;
    for (size_t k = 0; k < reg->nagents; k++)
        reg->agents[k].partner = linked[k] ? registry_partner(reg, linked[k]) : NULL;
    free(linked);
    return 0;
}

const struct partner *
registry_partner(const struct registry *reg, const char *token)
{
    struct partner key = {.token = token};
    return bsearch(&key, reg->partners, reg->npartners, sizeof(key), cmp_partner);
}

const struct agent *
registry_agent(const struct registry *reg, const char *username)
{
    struct agent key = {.username = username};
    return bsearch(&key, reg->agents, reg->nagents, sizeof(key), cmp_agent);
}

size_t
registry_partner_count(const struct registry *reg)
{
    return reg->npartners;
}

const struct partner *
registry_partner_at(const struct registry *reg, size_t i)
{
    return i < reg->npartners ? &reg->partners[i] : NULL;
}

size_t
registry_agent_count(const struct registry *reg)
{
    return reg->nagents;
}

const struct agent *
registry_agent_at(const struct registry *reg, size_t i)
{
    return i < reg->nagents ? &reg->agents[i] : NULL;
}

int
registry_partner_field(const struct partner *p, const char *name, struct buf *out)
{
    const char *v = NULL;
    if (strcmp(name, "token") == 0)
        v = p->token;
    else if (strcmp(name, "accountId") == 0)
        v = p->account_id;
    else if (strcmp(name, "userId") == 0)
        v = p->user_id;
    else if (strcmp(name, "affiliateUsername") == 0)
        v = p->affiliate_username;
    else if (strcmp(name, "organisation") == 0)
        v = p->organisation;
    if (!v)
        return -1;
    buf_append_str(out, v);
    return 0;
}

int
registry_agent_field(const struct agent *a, const char *path, struct buf *out)
{
    return xml_path_text(a->details, path, out);
}

int
registry_agent_expired(const struct agent *a, const char *today)
{
    const char *d = a->expiry_date;
    /* Only a full date expires; "", "N/A" or 0000-00-00 mean no expiry. */
    if (strlen(d) < 10 || d[4] != '-' || d[7] != '-' || strncmp(d, "0000", 4) == 0)
        return 0;
    return strncmp(d, today, 10) < 0;
}
