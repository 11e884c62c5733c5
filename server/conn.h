/* conn: one client connection: a small state machine on one socket (handshake, requests,
 * closing, lingering) with libevent events and timers. Reads go through the transport into the
 * HTTP parser; answers are queued in order, so pipelined requests are answered in order. */
#ifndef ZAPI_CONN_H
#define ZAPI_CONN_H

#include <sys/socket.h>

#include <netinet/in.h>

struct worker;
struct conn;

/* Room for "[v6 address]:port". */
#define CONN_PEER_MAX (INET6_ADDRSTRLEN + 8)

/* In w's thread: takes ownership of fd (accepted, any blocking mode). Returns 0, or -1 (fd
 * closed). */
int conn_accept(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen);
/* Stops reading new requests on every connection of w: idle ones close now, the others once
 * their answers are written. */
void conn_drain_all(struct worker *w);
/* Closes and frees every connection of w at once. */
void conn_free_all(struct worker *w);
/* "address:port" of a peer, for the log. */
void conn_format_peer(const struct sockaddr *sa, char *out, size_t len);

#endif
