#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most answers fit in one chunk; bigger ones (a whole catalogue) take a few. */
#define MODEL_CHUNK_BYTES 8192

struct model_chunk {
    struct model_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
};

void
model_init(struct model *m)
{
    memset(m, 0, sizeof(*m));
}

void
model_free(struct model *m)
{
    struct model_chunk *c = m->chunks;
    while (c) {
        struct model_chunk *next = c->next;
        free(c);
        c = next;
    }
    memset(m, 0, sizeof(*m));
}

int
model_failed(const struct model *m)
{
    return m->failed;
}

static void *
alloc(struct model *m, size_t n)
{
    if (m->failed)
        return NULL;
    n = (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    struct model_chunk *c = m->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > MODEL_CHUNK_BYTES ? n : MODEL_CHUNK_BYTES;
        c = malloc(sizeof(*c) + cap);
        if (!c) {
            m->failed = 1;
            return NULL;
        }
        c->used = 0;
        c->cap = cap;
        c->next = m->chunks;
        m->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static char *
copy(struct model *m, const char *s, size_t n)
{
    char *p = alloc(m, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static struct model_node *
append(struct model *m, struct model_node *parent, const char *name, const char *text, size_t len)
{
    if (m->failed)
        return NULL;
    if (!parent)
        parent = &m->root;
    struct model_node *n = alloc(m, sizeof(*n));
    char *nm = copy(m, name, strlen(name));
    char *tx = text ? copy(m, text, len) : NULL;
    if (!n || !nm || (text && !tx))
        return NULL;
    memset(n, 0, sizeof(*n));
    n->name = nm;
    n->text = tx;
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    parent->count++;
    return n;
}

struct model_node *
model_add(struct model *m, struct model_node *parent, const char *name)
{
    return append(m, parent, name, NULL, 0);
}

struct model_node *
model_set(struct model *m, struct model_node *parent, const char *name, const char *text)
{
    return append(m, parent, name, text ? text : "", text ? strlen(text) : 0);
}

struct model_node *
model_setf(struct model *m, struct model_node *parent, const char *name, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        m->failed = 1;
        return NULL;
    }
    if ((size_t)n < sizeof(small))
        return append(m, parent, name, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        m->failed = 1;
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    struct model_node *r = append(m, parent, name, big, (size_t)n);
    free(big);
    return r;
}

struct model_node *
model_set_money(struct model *m, struct model_node *parent, const char *name, long cents)
{
    long a = cents < 0 ? -cents : cents;
    return model_setf(m, parent, name, "%s%ld.%02ld", cents < 0 ? "-" : "", a / 100, a % 100);
}

const struct model_node *
model_child(const struct model_node *n, const char *name)
{
    for (const struct model_node *c = n ? n->first : NULL; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const struct model_node *
model_find(const struct model_node *from, const char *path)
{
    const struct model_node *n = from;
    while (n && *path) {
        size_t len = strcspn(path, ".");
        const struct model_node *c = n->first;
        for (; c; c = c->next)
            if (strlen(c->name) == len && strncmp(c->name, path, len) == 0)
                break;
        n = c;
        path += len;
        if (*path == '.')
            path++;
    }
    return n;
}
