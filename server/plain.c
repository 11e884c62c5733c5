#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "transport.h"

struct plain {
    int fd;
    struct evbuffer *out;
    int err;
};

static int
plain_handshake(void *t)
{
    (void)t;
    return 1;
}

static ssize_t
plain_read(void *t, char *buf, size_t len)
{
    struct plain *p = t;
    ssize_t n = recv(p->fd, buf, len, 0);
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return TRANSPORT_AGAIN;
    p->err = errno;
    return TRANSPORT_ERROR;
}

static int
plain_write(void *t, const char *data, size_t len)
{
    struct plain *p = t;
    return evbuffer_add(p->out, data, len);
}

static void
plain_shutdown(void *t)
{
    (void)t;
}

static int
plain_resumed(void *t)
{
    (void)t;
    return 0;
}

static const char *
plain_error(void *t)
{
    struct plain *p = t;
    return p->err ? strerror(p->err) : "no error";
}

static void
plain_free(void *t)
{
    free(t);
}

static const struct transport_ops plain_ops = {
    .name = "tcp",
    .handshake = plain_handshake,
    .read = plain_read,
    .write = plain_write,
    .shutdown = plain_shutdown,
    .error = plain_error,
    .resumed = plain_resumed,
    .free = plain_free,
};

int
plain_transport_new(int fd, struct evbuffer *out, struct transport *t)
{
    struct plain *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->fd = fd;
    p->out = out;
    t->ops = &plain_ops;
    t->impl = p;
    return 0;
}
