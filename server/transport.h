/* transport: how a connection moves bytes: plain TCP or TLS. The connection layer talks to this
 * interface only, so HTTP never knows whether TLS is there. Output goes into the connection's
 * wire buffer (an evbuffer) and the connection writes it to the socket; input is read from the
 * socket on demand. */
#ifndef ZAPI_TRANSPORT_H
#define ZAPI_TRANSPORT_H

#include <event2/buffer.h>
#include <sys/types.h>

#define TRANSPORT_AGAIN (-2) /* no data now: wait for the socket to be readable */
#define TRANSPORT_ERROR (-1)

struct transport_ops {
    const char *name;
    /* 1 when ready for application data, 0 to wait for more input, -1 on failure. */
    int (*handshake)(void *t);
    /* Bytes read (> 0), 0 at the peer's orderly close, TRANSPORT_AGAIN or TRANSPORT_ERROR. */
    ssize_t (*read)(void *t, char *buf, size_t len);
    /* Queues all of data for the wire. 0, or -1 on failure. */
    int (*write)(void *t, const char *data, size_t len);
    /* Queues the protocol's goodbye (TLS close_notify). */
    void (*shutdown)(void *t);
    /* 1 when the handshake resumed an earlier session (a TLS ticket). */
    int (*resumed)(void *t);
    /* What the last failure was, for the log. */
    const char *(*error)(void *t);
    void (*free)(void *t);
};

struct transport {
    const struct transport_ops *ops;
    void *impl;
};

/* Plain TCP: reads the socket, appends writes to out. */
int plain_transport_new(int fd, struct evbuffer *out, struct transport *t);

#endif
