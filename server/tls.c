#include "tls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_internal.h"
#include "mbedtls/ssl_ticket.h"
#include "mbedtls/x509_crt.h"

struct tls_server {
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    mbedtls_pk_context ecdsa_key;    /* key as a long-lived ECDSA context, when it is an EC key */
    mbedtls_entropy_context entropy; /* thread-safe: seeds every generator */
    mbedtls_ctr_drbg_context drbg;   /* the tickets' (their context locks around it) */
    mbedtls_ssl_ticket_context tickets;
    char *cert_file;
};

/* A CTR-DRBG locks a mutex per call: shared, the workers' handshakes queued on it. */
struct tls_worker {
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    /* A spare input buffer: a connection takes it for as long as it holds received bytes and
     * gives it back once they are read, so a request costs no allocation of TLS_READ_BYTES (and
     * none of glibc's consolidation that a large allocation sets off) while idle connections
     * still hold none. */
    unsigned char *spare_rbuf;
};

struct tls_conn {
    mbedtls_ssl_context ssl;
    struct tls_worker *tw;
    int fd;
    struct evbuffer *out;
    unsigned char *rbuf; /* received records mbedTLS has not taken yet: rbuf[roff..rlen) */
    size_t rlen, roff;
    int drained; /* the last recv emptied the socket */
    int last_error;
    int sys_errno;
    int resumed;
    char error_text[160];
};

/* ECDHE with AEAD only; ECDSA first (faster handshakes), RSA for users' own RSA certificates.
 * ChaCha20-Poly1305 before AES-GCM (the server's preference decides): mbedTLS 2.28's GCM
 * computes GHASH 16 bytes at a time in C, and was 62% of an XML ping's instructions; its
 * ChaCha20-Poly1305 runs 1.3-2.2x faster on this CPU. Every client partners use offers both. */
static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

/* mbedTLS would start at secp521r1 and halve handshake speed. */
static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

static int
fail(struct buf *err, const char *what, const char *file, int rc)
{
    char msg[160];
    mbedtls_strerror(rc, msg, sizeof(msg));
    buf_printf(err, "%s%s%s: %s (-0x%04x)", file ? file : "", file ? ": " : "", what, msg, -rc);
    return -1;
}

static int
load_credentials(struct tls_server *s, const char *cert_file, const char *key_file, int check_pair,
                 struct buf *err)
{
    int rc = mbedtls_x509_crt_parse_file(&s->chain, cert_file);
    if (rc != 0)
        return fail(err, "cannot load the certificate", cert_file, rc);
    rc = mbedtls_pk_parse_keyfile(&s->key, key_file, NULL);
    if (rc != 0)
        return fail(err, "cannot load the private key", key_file, rc);
    rc = check_pair ? mbedtls_pk_check_pair(&s->chain.pk, &s->key) : 0;
    if (rc != 0)
        return fail(err, "the private key does not belong to the certificate", key_file, rc);
    return 0;
}

/* mbedTLS signs with an EC key ("ECKEY") through a fresh copy of it each time, so the table of
 * multiples of the curve's base point is rebuilt for every handshake. Kept as an ECDSA context,
 * the key signs in place and the table is built once: signing costs 40% less. One signature
 * now builds it, while no other thread can race to (signing only reads it afterwards). */
static int
keep_signing_key(struct tls_server *s, const char *key_file, struct buf *err)
{
    if (mbedtls_pk_get_type(&s->key) != MBEDTLS_PK_ECKEY)
        return 0;
    int rc = mbedtls_pk_setup(&s->ecdsa_key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA));
    if (rc == 0)
        rc = mbedtls_ecdsa_from_keypair(mbedtls_pk_ec(s->ecdsa_key), mbedtls_pk_ec(s->key));
    if (rc != 0)
        return fail(err, "preparing the signing key", key_file, rc);
    unsigned char hash[32] = {0}, sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t len = 0;
    rc = mbedtls_pk_sign(&s->ecdsa_key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &len,
                         mbedtls_ctr_drbg_random, &s->drbg);
    if (rc != 0)
        return fail(err, "test signature with the private key", key_file, rc);
    return 0;
}

static int
seed(mbedtls_ctr_drbg_context *drbg, mbedtls_entropy_context *entropy, struct buf *err)
{
    static const unsigned char pers[] = "zapi-mock tls";
    int rc = mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, pers, sizeof(pers) - 1);
    return rc == 0 ? 0 : fail(err, "seeding the random generator", NULL, rc);
}

static int
configure(struct tls_worker *tw, struct tls_server *s, struct buf *err)
{
    mbedtls_ssl_config *c = &tw->conf;
    int rc = mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        return fail(err, "TLS configuration", NULL, rc);
    mbedtls_ssl_conf_rng(c, mbedtls_ctr_drbg_random, &tw->drbg);
    mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(c, suites);
    mbedtls_ssl_conf_curves(c, curves);
    mbedtls_ssl_conf_renegotiation(c, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    mbedtls_pk_context *key =
        mbedtls_pk_get_type(&s->ecdsa_key) != MBEDTLS_PK_NONE ? &s->ecdsa_key : &s->key;
    rc = mbedtls_ssl_conf_own_cert(c, &s->chain, key);
    if (rc != 0)
        return fail(err, "TLS certificate setup", NULL, rc);
    mbedtls_ssl_conf_session_tickets_cb(c, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
                                        &s->tickets);
    return 0;
}

int
tls_worker_new(struct tls_server *s, struct tls_worker **out, struct buf *err)
{
    struct tls_worker *tw = calloc(1, sizeof(*tw));
    *out = NULL;
    if (!tw) {
        buf_printf(err, "out of memory setting up TLS");
        return -1;
    }
    mbedtls_ssl_config_init(&tw->conf);
    mbedtls_ctr_drbg_init(&tw->drbg);
    if (seed(&tw->drbg, &s->entropy, err) < 0 || configure(tw, s, err) < 0) {
        tls_worker_free(tw);
        return -1;
    }
    *out = tw;
    return 0;
}

void
tls_worker_free(struct tls_worker *tw)
{
    if (!tw)
        return;
    mbedtls_ssl_config_free(&tw->conf);
    mbedtls_ctr_drbg_free(&tw->drbg);
    free(tw->spare_rbuf);
    free(tw);
}

/* Tickets let a returning client resume: ~10x cheaper than a full ECDHE handshake. */
static int
setup_tickets(struct tls_server *s, struct buf *err)
{
    int rc = mbedtls_ssl_ticket_setup(&s->tickets, mbedtls_ctr_drbg_random, &s->drbg,
                                      MBEDTLS_CIPHER_AES_256_GCM, 86400);
    return rc == 0 ? 0 : fail(err, "TLS session tickets", NULL, rc);
}

int
tls_server_new(const char *cert_file, const char *key_file, int check_pair, struct tls_server **out,
               struct buf *err)
{
    *out = NULL;
    struct tls_server *s = calloc(1, sizeof(*s));
    if (!s || !(s->cert_file = strdup(cert_file))) {
        free(s);
        buf_printf(err, "out of memory setting up TLS");
        return -1;
    }
    mbedtls_x509_crt_init(&s->chain);
    mbedtls_pk_init(&s->key);
    mbedtls_pk_init(&s->ecdsa_key);
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    mbedtls_ssl_ticket_init(&s->tickets);
    if (seed(&s->drbg, &s->entropy, err) < 0 ||
        load_credentials(s, cert_file, key_file, check_pair, err) < 0 ||
        keep_signing_key(s, key_file, err) < 0 || setup_tickets(s, err) < 0) {
        tls_server_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void
tls_server_free(struct tls_server *s)
{
    if (!s)
        return;
    mbedtls_ssl_ticket_free(&s->tickets);
    mbedtls_x509_crt_free(&s->chain);
    mbedtls_pk_free(&s->key);
    mbedtls_pk_free(&s->ecdsa_key);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
    free(s->cert_file);
    free(s);
}

static void
describe_names(const mbedtls_x509_crt *crt, struct buf *out)
{
    const mbedtls_x509_sequence *san = &crt->subject_alt_names;
    int first = 1;
    for (; san && san->buf.p; san = san->next) {
        unsigned char tag = san->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
        const unsigned char *p = san->buf.p;
        buf_append_str(out, first ? "" : ",");
        first = 0;
        if (tag == 2) {
            buf_printf(out, "DNS:%.*s", (int)san->buf.len, (const char *)p);
        } else if (tag == 7 && san->buf.len == 4) {
            buf_printf(out, "IP:%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        } else if (tag == 7 && san->buf.len == 16) {
            buf_append_str(out, "IP:");
            for (int i = 0; i < 16; i += 2)
                buf_printf(out, "%s%x", i ? ":" : "", (unsigned)(p[i] << 8 | p[i + 1]));
        } else {
            buf_printf(out, "tag%u", tag);
        }
    }
    if (first)
        buf_append_str(out, "none");
}

void
tls_server_describe(const struct tls_server *s, struct buf *out)
{
    const mbedtls_x509_crt *crt = &s->chain;
    char subject[256], issuer[256];
    mbedtls_x509_dn_gets(subject, sizeof(subject), &crt->subject);
    mbedtls_x509_dn_gets(issuer, sizeof(issuer), &crt->issuer);
    unsigned char hash[32];
    mbedtls_sha256_ret(crt->raw.p, crt->raw.len, hash, 0);
    buf_printf(out, "certificate %s: subject \"%s\", issuer \"%s\", names ", s->cert_file, subject,
               issuer);
    describe_names(crt, out);
    buf_printf(out, ", expires %04d-%02d-%02d, sha256 ", crt->valid_to.year, crt->valid_to.mon,
               crt->valid_to.day);
    for (int i = 0; i < 32; i++)
        buf_printf(out, "%02X%s", hash[i], i < 31 ? ":" : "");
}

/* One recv takes every record waiting (mbedTLS alone reads a record's 5-byte header and its body
 * separately). Held only while it has bytes, so an idle connection does not pay for it. */
#define TLS_READ_BYTES (17 * 1024)

static unsigned char *
take_rbuf(struct tls_worker *tw)
{
    unsigned char *b = tw->spare_rbuf;
    tw->spare_rbuf = NULL;
    return b ? b : malloc(TLS_READ_BYTES);
}

static void
drop_input(struct tls_conn *c)
{
    if (c->rbuf && !c->tw->spare_rbuf)
        c->tw->spare_rbuf = c->rbuf;
    else
        free(c->rbuf);
    c->rbuf = NULL;
    c->rlen = c->roff = 0;
}

/* mbedTLS reads through here: from the connection's own input buffer, refilled with one recv.
 * A recv that did not fill the buffer emptied the socket, so the next refill is not tried
 * before the socket is readable again (the event is level-triggered: nothing is missed). */
static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct tls_conn *c = ctx;
    if (c->roff == c->rlen) {
        if (c->drained) {
            c->drained = 0;
            drop_input(c);
            return MBEDTLS_ERR_SSL_WANT_READ;
        }
        if (!c->rbuf && !(c->rbuf = take_rbuf(c->tw))) {
            c->sys_errno = ENOMEM;
            return MBEDTLS_ERR_NET_RECV_FAILED;
        }
        ssize_t n = recv(c->fd, c->rbuf, TLS_READ_BYTES, 0);
        if (n == 0)
            return 0;
        if (n < 0) {
            drop_input(c);
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return MBEDTLS_ERR_SSL_WANT_READ;
            c->sys_errno = errno;
            return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
        }
        c->rlen = (size_t)n;
        c->roff = 0;
        c->drained = c->rlen < TLS_READ_BYTES;
    }
    size_t n = c->rlen - c->roff < len ? c->rlen - c->roff : len;
    memcpy(buf, c->rbuf + c->roff, n);
    c->roff += n;
    return (int)n;
}

/* Records go to the connection's wire buffer, which it writes out once per event: handshake
 * records leave in one write instead of one packet each, and mbedTLS never sees WANT_WRITE. */
static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct tls_conn *c = ctx;
    if (evbuffer_add(c->out, buf, len) != 0)
        return MBEDTLS_ERR_NET_SEND_FAILED;
    return (int)len;
}

static void
remember(struct tls_conn *c, int rc)
{
    c->last_error = rc;
    if (c->sys_errno) {
        snprintf(c->error_text, sizeof(c->error_text), "%s", strerror(c->sys_errno));
    } else {
        char msg[128];
        mbedtls_strerror(rc, msg, sizeof(msg));
        snprintf(c->error_text, sizeof(c->error_text), "%s (-0x%04x)", msg, -rc);
    }
}

/* Step by step, as mbedtls_ssl_handshake does, to see whether a ticket resumed the session: 2.28
 * only says so in its internal handshake state. */
static int
tls_handshake(void *t)
{
    struct tls_conn *c = t;
    int rc = 0;
    while (c->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
        if (c->ssl.handshake && c->ssl.handshake->resume)
            c->resumed = 1;
        rc = mbedtls_ssl_handshake_step(&c->ssl);
        if (rc != 0)
            break;
    }
    if (rc == 0) {
        return 1;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    if (rc == MBEDTLS_ERR_SSL_CONN_EOF)
        snprintf(c->error_text, sizeof(c->error_text), "peer closed during the handshake");
    else
        remember(c, rc);
    return -1;
}

static ssize_t
tls_read(void *t, char *buf, size_t len)
{
    struct tls_conn *c = t;
    int rc = mbedtls_ssl_read(&c->ssl, (unsigned char *)buf, len);
    if (rc > 0)
        return rc;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF)
        return 0;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
        return TRANSPORT_AGAIN;
    remember(c, rc);
    return TRANSPORT_ERROR;
}

static int
tls_write(void *t, const char *data, size_t len)
{
    struct tls_conn *c = t;
    /* bio_send never blocks, so each call takes a whole record (at most 16 KiB) at once. */
    while (len > 0) {
        int rc = mbedtls_ssl_write(&c->ssl, (const unsigned char *)data, len);
        if (rc <= 0) {
            remember(c, rc);
            return -1;
        }
        data += rc;
        len -= (size_t)rc;
    }
    return 0;
}

static void
tls_shutdown(void *t)
{
    struct tls_conn *c = t;
    mbedtls_ssl_close_notify(&c->ssl);
}

static int
tls_resumed(void *t)
{
    struct tls_conn *c = t;
    return c->resumed;
}

static const char *
tls_error(void *t)
{
    struct tls_conn *c = t;
    return c->error_text[0] ? c->error_text : "no error";
}

static void
tls_free(void *t)
{
    struct tls_conn *c = t;
    mbedtls_ssl_free(&c->ssl);
    drop_input(c);
    free(c);
}

static const struct transport_ops tls_ops = {
    .name = "tls",
    .handshake = tls_handshake,
    .read = tls_read,
    .write = tls_write,
    .shutdown = tls_shutdown,
    .error = tls_error,
    .resumed = tls_resumed,
    .free = tls_free,
};

int
tls_transport_new(struct tls_worker *tw, int fd, struct evbuffer *out, struct transport *t)
{
    struct tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    mbedtls_ssl_init(&c->ssl);
    if (mbedtls_ssl_setup(&c->ssl, &tw->conf) != 0) {
        mbedtls_ssl_free(&c->ssl);
        free(c);
        return -1;
    }
    c->tw = tw;
    c->fd = fd;
    c->out = out;
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    t->ops = &tls_ops;
    t->impl = c;
    return 0;
}
