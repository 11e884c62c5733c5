/* conn: one client connection: a small state machine on one socket (handshake, requests,
 * closing, lingering) with libevent events and timers. Reads go through the transport into the
 * HTTP parser; answers are queued in order, so pipelined requests are answered in order. */
#ifndef ZAPI_CONN_H
#define ZAPI_CONN_H

#include <sys/socket.h>

struct server;
struct conn;

/* Takes ownership of fd (accepted, any blocking mode). Returns 0, or -1 (fd closed). */
int conn_accept(struct server *srv, int fd, const struct sockaddr *sa, socklen_t salen);
/* Stops reading new requests on every connection: idle ones close now, the others once their
 * answers are written. */
void conn_drain_all(struct server *srv);
/* Closes and frees every connection at once. */
void conn_free_all(struct server *srv);

#endif
