/* tls: TLS 1.2 over mbedTLS for the connection layer, as a transport (see transport.h).
 * One tls_server holds what all workers share, read-only: the certificate chain, the key and
 * the session-ticket keys. Each worker has a tls_worker: its own mbedTLS configuration and
 * random generator, so handshakes on different workers never wait for each other's lock. Each
 * connection gets its own mbedTLS context reading the socket through a non-blocking callback and
 * writing records into the connection's wire buffer. */
#ifndef ZAPI_TLS_H
#define ZAPI_TLS_H

#include "buf.h"
#include "transport.h"

struct tls_server;
struct tls_worker;

/* Loads the PEM certificate chain and key and sets up the policy: TLS 1.2 only, ECDHE with AEAD
 * suites, X25519/P-256/P-384, no renegotiation, session tickets. check_pair proves the key
 * belongs to the certificate (an elliptic-curve multiplication: worth it for users' files; certgen
 * has checked its own). Returns 0, or -1 with the file and the reason in err. */
int tls_server_new(const char *cert_file, const char *key_file, int check_pair,
                   struct tls_server **out, struct buf *err);
void tls_server_free(struct tls_server *srv);
/* One line for the log: file, subject, issuer, names, expiry and SHA-256 fingerprint. */
void tls_server_describe(const struct tls_server *srv, struct buf *out);

/* One worker's configuration: the policy of tls_server_new with srv's certificate, key and
 * tickets, and a random generator of its own. srv must outlive it. 0, or -1 with the reason in
 * err. */
int tls_worker_new(struct tls_server *srv, struct tls_worker **out, struct buf *err);
void tls_worker_free(struct tls_worker *tw);

/* A TLS transport on fd writing into out, used only in tw's worker. Returns 0, or -1 when out of
 * memory. */
int tls_transport_new(struct tls_worker *tw, int fd, struct evbuffer *out, struct transport *t);

#endif
