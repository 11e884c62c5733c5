/* certgen: development CA and localhost server certificate, made with mbedTLS 2.28.
 *
 * The certificates are shaped for strict verifiers (OpenSSL's X509_V_FLAG_X509_STRICT, which
 * Python 3.13 turns on by default): the CA has a critical basicConstraints and keyCertSign, both
 * certificates carry subject and authority key identifiers, and the server certificate names
 * localhost, 127.0.0.1 and ::1 in subjectAltName (clients ignore the CN). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkstemps */
#endif

#include "certgen.h"
#include "fsutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/sha256.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#define CA_SUBJECT "CN=zapi-mock development CA,O=zapi-mock"
#define SERVER_SUBJECT "CN=localhost,O=zapi-mock"
#define SERVER_HOSTNAME "localhost"
/* Whole validity periods, from notBefore to notAfter, backdate included. Ten years, counting the
 * leap days. */
#define CA_DAYS 3652
/* The longest validity Apple platforms accept for a TLS server certificate: the backdate counts,
 * so the certificate expires SERVER_DAYS after its notBefore, not after its issue. */
#define SERVER_DAYS 825
/* Backdated so a client whose clock runs a little behind still accepts a fresh certificate. */
#define BACKDATE_SECONDS 86400
/* An ECDSA P-256 certificate or key in PEM is well under 1 KiB. */
#define PEM_MAX 4096
#define SERIAL_LEN 16
#define SEQ_TAG (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define PEM_BEGIN_CRT "-----BEGIN CERTIFICATE-----\n"
#define PEM_END_CRT "-----END CERTIFICATE-----\n"

struct cert_paths {
    char ca_cert[PATH_MAX];
    char ca_key[PATH_MAX];
    char srv_cert[PATH_MAX];
    char srv_key[PATH_MAX];
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct cert_spec {
    const char *subject;
    int is_ca;
    int days;
    const char *names; /* server only: extra names, comma-separated (see certgen.h) */
};

#define MAX_EXTRA_NAMES 16

/* One extra subjectAltName: an IP address when it parses as one, else a DNS name. */
struct san {
    unsigned char tag; /* 2 dNSName, 7 iPAddress */
    unsigned char value[256];
    size_t len;
};

static int
parse_names(const char *names, struct san *out, size_t max, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (!names)
        return 0;
    const char *p = names;
    while (*p) {
        size_t len = strcspn(p, ", ");
        if (len > 0) {
            char name[256];
            if (len >= sizeof(name) || *n == max) {
                set_err(err, errlen,
                        "certificate names: too many or too long (at most %zu names "
                        "of 253 characters)",
                        max);
                return -1;
            }
            memcpy(name, p, len);
            name[len] = '\0';
            struct san *s = &out[(*n)++];
            if (inet_pton(AF_INET, name, s->value) == 1) {
                s->tag = 7;
                s->len = 4;
            } else if (inet_pton(AF_INET6, name, s->value) == 1) {
                s->tag = 7;
                s->len = 16;
            } else {
                for (size_t i = 0; i < len; i++) {
                    if (!isalnum((unsigned char)name[i]) && !strchr(".-*_", name[i])) {
                        set_err(err, errlen,
                                "certificate name \"%s\" is neither an IP address "
                                "nor a DNS name",
                                name);
                        return -1;
                    }
                }
                s->tag = 2;
                memcpy(s->value, name, len);
                s->len = len;
            }
        }
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Reports a failed mbedTLS step as "path: step failed: reason (-0xNNNN)". Returns -1. */
static int
fail_mbed(char *err, size_t errlen, const char *path, const char *step, int ret)
{
    char msg[160];

    mbedtls_strerror(ret, msg, sizeof(msg));
    set_err(err, errlen, "%s: %s failed: %s (-0x%04X)", path, step, msg,
            (unsigned int)(ret < 0 ? -ret : ret));
    return -1;
}

static int
join_path(char *out, size_t outlen, const char *dir, const char *name, char *err, size_t errlen)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= outlen) {
        set_err(err, errlen, "%s/%s: path too long", dir, name);
        return -1;
    }
    return 0;
}

/* fsutil_make_dirs, reporting in certgen's err buffer. */
static int
make_dirs(const char *dir, char *err, size_t errlen)
{
    struct buf why = BUF_INIT;
    int rc = fsutil_make_dirs(dir, 0755, &why);
    if (rc < 0)
        set_err(err, errlen, "%s", why.data ? why.data : dir);
    buf_free(&why);
    return rc;
}

/* A temporary file of fsutil_write_atomic's, for one of our names. */
#define TMP_PREFIX FSUTIL_TMP_PREFIX
#define TMP_RANDOM_LEN FSUTIL_TMP_RANDOM_LEN
/* Older than this, a temporary file is a leftover of a killed run, not another process's write
 * in progress (which takes milliseconds). */
#define TMP_STALE_SECONDS 60

static int
is_our_temp(const char *entry)
{
    static const char *const names[] = {CERTGEN_CA_CERT, CERTGEN_CA_KEY, CERTGEN_SERVER_CERT,
                                        CERTGEN_SERVER_KEY, CERTGEN_STAMP};
    const size_t plen = sizeof(TMP_PREFIX) - 1;
    if (strncmp(entry, TMP_PREFIX, plen) != 0 || strlen(entry) < plen + TMP_RANDOM_LEN + 1 ||
        entry[plen + TMP_RANDOM_LEN] != '-')
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(entry + plen + TMP_RANDOM_LEN + 1, names[i]) == 0)
            return 1;
    return 0;
}

/* Removes temporary files a kill during generation left behind (a private key among them).
 * Best effort: one that cannot be removed harms nothing but the tidiness of dir. */
static void
remove_stale_temps(const char *dir, time_t now)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!is_our_temp(de->d_name) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            now - st.st_mtime < TMP_STALE_SECONDS)
            continue;
        unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

/* Returns 1 when path exists, 0 when it does not, -1 (with err set) when it cannot be told. */
static int
file_exists(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st) == 0)
        return 1;
    if (errno == ENOENT)
        return 0;
    set_err(err, errlen, "%s: cannot access: %s", path, strerror(errno));
    return -1;
}

/* fsutil_write_atomic, reporting in certgen's err buffer. */
static int
write_file_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                  char *err, size_t errlen)
{
    struct buf why = BUF_INIT;
    int rc = fsutil_write_atomic(dir, name, data, len, mode, &why);
    if (rc < 0)
        set_err(err, errlen, "%s", why.data ? why.data : name);
    buf_free(&why);
    return rc;
}

/* Formats t as the YYYYMMDDhhmmss UTC string mbedtls_x509write_crt_set_validity expects. */
static int
format_time(char *out, size_t outlen, time_t t)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm))
        return -1;
    return strftime(out, outlen, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : -1;
}

/* Writes one GeneralName with an IMPLICIT primitive context tag in front of *p. */
static int
write_general_name(unsigned char **p, unsigned char *start, unsigned char tag,
                   const unsigned char *val, size_t val_len)
{
    size_t len = 0;
    int ret;

    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(p, start, val, val_len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, val_len));
    MBEDTLS_ASN1_CHK_ADD(len,
                         mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | tag));
    return (int)len;
}

/* subjectAltName = GeneralNames: DNS:localhost, IP:127.0.0.1, IP:::1. mbedTLS 2.28 has no setter,
 * so the DER is built here (backwards, as the asn1 writers work). */
static int
set_server_san(mbedtls_x509write_cert *crt, const char *names)
{
    static const unsigned char dns[] = "localhost";
    static const unsigned char ipv4[4] = {127, 0, 0, 1};
    static const unsigned char ipv6[16] = {[15] = 1};
    struct san extra[MAX_EXTRA_NAMES];
    size_t nextra = 0;
    unsigned char buf[128 + MAX_EXTRA_NAMES * 260];
    unsigned char *p = buf + sizeof(buf);
    size_t len = 0;
    int ret;

    if (parse_names(names, extra, MAX_EXTRA_NAMES, &nextra, NULL, 0) < 0)
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    /* Last entry first, so the DER reads DNS, IPv4, IPv6, then the extra names in order. */
    for (size_t i = nextra; i > 0; i--)
        MBEDTLS_ASN1_CHK_ADD(len, write_general_name(&p, buf, extra[i - 1].tag, extra[i - 1].value,
                                                     extra[i - 1].len));
    MBEDTLS_ASN1_CHK_ADD(len, write_general_name(&p, buf, 7, ipv6, sizeof(ipv6)));
    MBEDTLS_ASN1_CHK_ADD(len, write_general_name(&p, buf, 7, ipv4, sizeof(ipv4)));
    MBEDTLS_ASN1_CHK_ADD(len, write_general_name(&p, buf, 2, dns, sizeof(dns) - 1));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, buf, SEQ_TAG));
    return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p,
                                               len);
}

/* extendedKeyUsage = serverAuth. Also built by hand: 2.28 has no setter. */
static int
set_server_eku(mbedtls_x509write_cert *crt)
{
    unsigned char buf[32];
    unsigned char *p = buf + sizeof(buf);
    size_t len = 0;
    int ret;

    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_SERVER_AUTH,
                                                     MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, buf, SEQ_TAG));
    return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
                                               p, len);
}

/* Writes the ecdsa-with-SHA256 AlgorithmIdentifier, parameters absent, in front of *p. */
static int
write_sig_alg(unsigned char **p, unsigned char *start)
{
    size_t len = 0;
    int ret;

    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_ECDSA_SHA256,
                                                     MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA256)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, SEQ_TAG));
    return (int)len;
}

/* mbedTLS 2.28 encodes ecdsa-with-SHA256 with a NULL parameter (Mbed-TLS/mbedtls#2924). RFC 5758
 * says the parameter MUST be absent, and stricter verifiers (Chrome, rustls/webpki) reject the
 * certificate. The AlgorithmIdentifier inside the TBSCertificate is covered by the signature, so
 * rebuild the TBSCertificate without it, sign that, and assemble the certificate in out (written
 * at the end, like the asn1 writers). A certificate without the NULL is passed through. */
static int
drop_sig_alg_null(unsigned char *der, size_t der_len, mbedtls_pk_context *issuer_key,
                  mbedtls_ctr_drbg_context *drbg, unsigned char *out, size_t outlen,
                  unsigned char **cert, size_t *cert_len)
{
    unsigned char tbs_buf[PEM_MAX];
    unsigned char hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    unsigned char *p = der, *end = der + der_len, *tbs, *tbs_end, *alg, *alg_end, *w;
    size_t len, sig_len, tbs_len = 0, n = 0;
    int ret;

    /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } and
     * TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, ... } */
    if ((ret = mbedtls_asn1_get_tag(&p, end, &len, SEQ_TAG)) != 0 ||
        (ret = mbedtls_asn1_get_tag(&p, end, &len, SEQ_TAG)) != 0)
        return ret;
    tbs = p;
    tbs_end = p + len;
    if ((ret = mbedtls_asn1_get_tag(&p, tbs_end, &len,
                                    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)) != 0)
        return ret;
    p += len;
    if ((ret = mbedtls_asn1_get_tag(&p, tbs_end, &len, MBEDTLS_ASN1_INTEGER)) != 0)
        return ret;
    p += len;
    alg = p;
    if ((ret = mbedtls_asn1_get_tag(&p, tbs_end, &len, SEQ_TAG)) != 0)
        return ret;
    alg_end = p + len;
    if ((ret = mbedtls_asn1_get_tag(&p, alg_end, &len, MBEDTLS_ASN1_OID)) != 0)
        return ret;
    if (len != MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA256) ||
        memcmp(p, MBEDTLS_OID_ECDSA_SHA256, len) != 0)
        return MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG;
    if (p + len == alg_end) {
        *cert = der;
        *cert_len = der_len;
        return 0;
    }

    /* New TBSCertificate: the same bytes around a parameterless AlgorithmIdentifier. */
    w = tbs_buf + sizeof(tbs_buf);
    MBEDTLS_ASN1_CHK_ADD(
        tbs_len, mbedtls_asn1_write_raw_buffer(&w, tbs_buf, alg_end, (size_t)(tbs_end - alg_end)));
    MBEDTLS_ASN1_CHK_ADD(tbs_len, write_sig_alg(&w, tbs_buf));
    MBEDTLS_ASN1_CHK_ADD(tbs_len,
                         mbedtls_asn1_write_raw_buffer(&w, tbs_buf, tbs, (size_t)(alg - tbs)));
    MBEDTLS_ASN1_CHK_ADD(tbs_len, mbedtls_asn1_write_len(&w, tbs_buf, tbs_len));
    MBEDTLS_ASN1_CHK_ADD(tbs_len, mbedtls_asn1_write_tag(&w, tbs_buf, SEQ_TAG));

    ret = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), w, tbs_len, hash);
    if (ret != 0)
        return ret;
    ret = mbedtls_pk_sign(issuer_key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len,
                          mbedtls_ctr_drbg_random, drbg);
    if (ret != 0)
        return ret;

    p = out + outlen;
    MBEDTLS_ASN1_CHK_ADD(n, mbedtls_asn1_write_bitstring(&p, out, sig, sig_len * 8));
    MBEDTLS_ASN1_CHK_ADD(n, write_sig_alg(&p, out));
    MBEDTLS_ASN1_CHK_ADD(n, mbedtls_asn1_write_raw_buffer(&p, out, w, tbs_len));
    MBEDTLS_ASN1_CHK_ADD(n, mbedtls_asn1_write_len(&p, out, n));
    MBEDTLS_ASN1_CHK_ADD(n, mbedtls_asn1_write_tag(&p, out, SEQ_TAG));
    *cert = p;
    *cert_len = n;
    return 0;
}

/* Makes a fresh ECDSA P-256 key. path only labels errors. */
static int
gen_key(mbedtls_pk_context *key, mbedtls_ctr_drbg_context *drbg, const char *path, char *err,
        size_t errlen)
{
    int ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

    if (ret != 0)
        return fail_mbed(err, errlen, path, "setting up the key", ret);
    ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                              mbedtls_ctr_drbg_random, drbg);
    if (ret != 0)
        return fail_mbed(err, errlen, path, "generating the EC P-256 key", ret);
    return 0;
}

/* Writes key as PEM to dir/name, readable by the owner only. */
static int
write_key(mbedtls_pk_context *key, const char *dir, const char *name, const char *path, char *err,
          size_t errlen)
{
    unsigned char pem[PEM_MAX];
    int rc, ret = mbedtls_pk_write_key_pem(key, pem, sizeof(pem));

    if (ret != 0)
        rc = fail_mbed(err, errlen, path, "encoding the private key as PEM", ret);
    else
        rc = write_file_atomic(dir, name, pem, strlen((char *)pem), 0600, err, errlen);
    mbedtls_platform_zeroize(pem, sizeof(pem));
    return rc;
}

/* Records which step is running and leaves through fail when the mbedTLS call returns non-zero. */
#define TRY(what, call)                                                                            \
    do {                                                                                           \
        step = (what);                                                                             \
        if ((ret = (call)) != 0)                                                                   \
            goto fail;                                                                             \
    } while (0)

/* Builds, signs and PEM-encodes one certificate into pem (NUL-terminated). path only labels
 * errors. */
static int
make_cert(const struct cert_spec *spec, mbedtls_pk_context *subject_key,
          mbedtls_pk_context *issuer_key, const char *issuer_name, mbedtls_ctr_drbg_context *drbg,
          unsigned char *pem, size_t pemlen, const char *path, char *err, size_t errlen)
{
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    unsigned char serial_bytes[SERIAL_LEN], der[PEM_MAX], fixed[PEM_MAX], *cert;
    size_t cert_len, olen;
    char not_before[16], not_after[16];
    const char *step = "";
    time_t now = time(NULL);
    int ret, rc = -1;

    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);

    if (now == (time_t)-1 || format_time(not_before, sizeof(not_before), now - BACKDATE_SECONDS) ||
        format_time(not_after, sizeof(not_after),
                    now - BACKDATE_SECONDS + (time_t)spec->days * 86400)) {
        set_err(err, errlen, "%s: cannot read or format the current time", path);
        goto out;
    }

    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, subject_key);
    mbedtls_x509write_crt_set_issuer_key(&crt, issuer_key);

    TRY("drawing the serial number",
        mbedtls_ctr_drbg_random(drbg, serial_bytes, sizeof(serial_bytes)));
    /* Top bit clear keeps the INTEGER positive (RFC 5280 4.1.2.2); the next bit set keeps it a
     * full 16 bytes and never zero. */
    serial_bytes[0] = (unsigned char)((serial_bytes[0] & 0x7f) | 0x40);
    TRY("reading the serial number", mbedtls_mpi_read_binary(&serial, serial_bytes, SERIAL_LEN));
    TRY("setting the serial number", mbedtls_x509write_crt_set_serial(&crt, &serial));
    TRY("setting the validity", mbedtls_x509write_crt_set_validity(&crt, not_before, not_after));
    TRY("setting the subject name", mbedtls_x509write_crt_set_subject_name(&crt, spec->subject));
    TRY("setting the issuer name", mbedtls_x509write_crt_set_issuer_name(&crt, issuer_name));
    if (spec->is_ca) {
        /* pathlen 0: this CA only ever signs the server certificate. */
        TRY("setting basicConstraints", mbedtls_x509write_crt_set_basic_constraints(&crt, 1, 0));
        TRY("setting keyUsage",
            mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
                                                          MBEDTLS_X509_KU_CRL_SIGN));
    } else {
        TRY("setting basicConstraints", mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1));
        /* ECDHE-ECDSA only needs the key to sign the handshake. */
        TRY("setting keyUsage",
            mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE));
        TRY("setting extendedKeyUsage", set_server_eku(&crt));
        TRY("setting subjectAltName", set_server_san(&crt, spec->names));
    }
    TRY("setting subjectKeyIdentifier", mbedtls_x509write_crt_set_subject_key_identifier(&crt));
    TRY("setting authorityKeyIdentifier", mbedtls_x509write_crt_set_authority_key_identifier(&crt));
    step = "signing the certificate";
    ret = mbedtls_x509write_crt_der(&crt, der, sizeof(der), mbedtls_ctr_drbg_random, drbg);
    if (ret < 0)
        goto fail;
    /* mbedtls_x509write_crt_der writes at the end of the buffer and returns the length. */
    TRY("re-signing without the NULL signature parameter",
        drop_sig_alg_null(der + sizeof(der) - ret, (size_t)ret, issuer_key, drbg, fixed,
                          sizeof(fixed), &cert, &cert_len));
    TRY("encoding the certificate as PEM",
        mbedtls_pem_write_buffer(PEM_BEGIN_CRT, PEM_END_CRT, cert, cert_len, pem, pemlen, &olen));
    rc = 0;
    goto out;

fail:
    fail_mbed(err, errlen, path, step, ret);
out:
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    return rc;
}

#undef TRY

/* Loads an existing CA and checks it can still sign: parses, is a CA, not expired, key matches.
 * A CA that fails is reported rather than replaced: it may be one the user put there. */
static int
load_ca(const struct cert_paths *paths, mbedtls_x509_crt *ca, mbedtls_pk_context *ca_key, char *err,
        size_t errlen)
{
    int ret = mbedtls_x509_crt_parse_file(ca, paths->ca_cert);

    /* A positive count means some certificates in a bundle did not parse. */
    if (ret > 0)
        ret = MBEDTLS_ERR_X509_INVALID_FORMAT;
    if (ret != 0)
        return fail_mbed(err, errlen, paths->ca_cert, "parsing the CA certificate", ret);
    if (!ca->ca_istrue) {
        set_err(err, errlen, "%s: not a CA certificate; delete it and %s to make a new CA",
                paths->ca_cert, paths->ca_key);
        return -1;
    }
    if (mbedtls_x509_time_is_past(&ca->valid_to)) {
        set_err(err, errlen,
                "%s: CA certificate expired on %04d-%02d-%02d; delete it and %s to make a new CA",
                paths->ca_cert, ca->valid_to.year, ca->valid_to.mon, ca->valid_to.day,
                paths->ca_key);
        return -1;
    }
    ret = mbedtls_pk_parse_keyfile(ca_key, paths->ca_key, NULL);
    if (ret != 0)
        return fail_mbed(err, errlen, paths->ca_key, "parsing the CA private key", ret);
    ret = mbedtls_pk_check_pair(&ca->pk, ca_key);
    if (ret != 0) {
        fail_mbed(err, errlen, paths->ca_key, "matching the key to " CERTGEN_CA_CERT, ret);
        /* Append the way out; the strerror text alone does not say what to do. */
        size_t used = err ? strlen(err) : 0;
        if (err && used < errlen)
            set_err(err + used, errlen - used, "; delete both to make a new CA");
        return -1;
    }
    return 0;
}

/* Makes a new CA key and self-signed certificate, writes both, and leaves them in ca/ca_key. */
static int
create_ca(const char *dir, const struct cert_paths *paths, mbedtls_ctr_drbg_context *drbg,
          mbedtls_x509_crt *ca, mbedtls_pk_context *ca_key, char *err, size_t errlen)
{
    static const struct cert_spec spec = {CA_SUBJECT, 1, CA_DAYS, NULL};
    unsigned char pem[PEM_MAX];
    int ret;

    if (gen_key(ca_key, drbg, paths->ca_key, err, errlen) != 0)
        return -1;
    if (make_cert(&spec, ca_key, ca_key, CA_SUBJECT, drbg, pem, sizeof(pem), paths->ca_cert, err,
                  errlen) != 0)
        return -1;
    ret = mbedtls_x509_crt_parse(ca, pem, strlen((char *)pem) + 1);
    if (ret != 0)
        return fail_mbed(err, errlen, paths->ca_cert, "parsing the new CA certificate", ret);
    /* The certificate is written last and marks the pair complete: drop a stale one first, so a
     * crash between the two writes leaves "cert missing" (regenerated next start), never a
     * cert that does not match the key. */
    if (unlink(paths->ca_cert) != 0 && errno != ENOENT) {
        set_err(err, errlen, "%s: cannot remove the stale certificate: %s", paths->ca_cert,
                strerror(errno));
        return -1;
    }
    if (write_key(ca_key, dir, CERTGEN_CA_KEY, paths->ca_key, err, errlen) != 0)
        return -1;
    return write_file_atomic(dir, CERTGEN_CA_CERT, pem, strlen((char *)pem), 0644, err, errlen);
}

/* True when the server certificate and key exist, belong together, and verify against the CA for
 * localhost right now. Any failure just means "make a new one", so errors are not reported. */
/* True when the certificate's subjectAltNames include every extra name asked for. */
static int
has_names(const mbedtls_x509_crt *crt, const char *names)
{
    struct san want[MAX_EXTRA_NAMES];
    size_t n = 0;
    if (parse_names(names, want, MAX_EXTRA_NAMES, &n, NULL, 0) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p && !found;
             s = s->next) {
            unsigned char tag = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
            found = tag == want[i].tag && s->buf.len == want[i].len &&
                    (tag == 2 ? strncasecmp((const char *)s->buf.p, (const char *)want[i].value,
                                            want[i].len) == 0
                              : memcmp(s->buf.p, want[i].value, want[i].len) == 0);
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int
server_is_valid(const struct cert_paths *paths, mbedtls_x509_crt *ca, const char *names)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    uint32_t flags = 0;
    int ok = 0;

    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&key);
    if (mbedtls_x509_crt_parse_file(&crt, paths->srv_cert) != 0)
        goto out;
    if (mbedtls_pk_parse_keyfile(&key, paths->srv_key, NULL) != 0)
        goto out;
    if (mbedtls_pk_check_pair(&crt.pk, &key) != 0)
        goto out;
    /* One call covers expired, not yet valid, signed by another CA and wrong hostname. */
    if (mbedtls_x509_crt_verify(&crt, ca, NULL, SERVER_HOSTNAME, &flags, NULL, NULL) != 0 ||
        flags != 0)
        goto out;
    if (!has_names(&crt, names))
        goto out;
    ok = 1;
out:
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    return ok;
}

/* Makes a new server key and certificate signed by the CA, checks it verifies, writes both. */
static int
create_server(const char *dir, const struct cert_paths *paths, const char *names,
              mbedtls_ctr_drbg_context *drbg, mbedtls_x509_crt *ca, mbedtls_pk_context *ca_key,
              char *err, size_t errlen)
{
    const struct cert_spec spec = {SERVER_SUBJECT, 0, SERVER_DAYS, names};
    unsigned char pem[PEM_MAX];
    mbedtls_pk_context key;
    mbedtls_x509_crt crt;
    uint32_t flags = 0;
    int ret, rc = -1;

    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&crt);
    if (gen_key(&key, drbg, paths->srv_key, err, errlen) != 0)
        goto out;
    if (make_cert(&spec, &key, ca_key, CA_SUBJECT, drbg, pem, sizeof(pem), paths->srv_cert, err,
                  errlen) != 0)
        goto out;
    /* The issuer name is our constant; an existing CA with another subject would give a
     * certificate nobody can chain, so check before writing anything. */
    ret = mbedtls_x509_crt_parse(&crt, pem, strlen((char *)pem) + 1);
    if (ret != 0) {
        fail_mbed(err, errlen, paths->srv_cert, "parsing the new server certificate", ret);
        goto out;
    }
    ret = mbedtls_x509_crt_verify(&crt, ca, NULL, SERVER_HOSTNAME, &flags, NULL, NULL);
    if (ret != 0) {
        char why[256];
        if (mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags) < 0)
            why[0] = '\0';
        why[strcspn(why, "\n")] = '\0';
        set_err(err, errlen, "%s: new server certificate does not verify against %s: %s",
                paths->srv_cert, paths->ca_cert, why[0] ? why : "unknown reason");
        goto out;
    }
    /* Key first: a crash before the certificate lands leaves a key/cert mismatch, which
     * server_is_valid rejects, so the next start makes a fresh pair. */
    if (write_key(&key, dir, CERTGEN_SERVER_KEY, paths->srv_key, err, errlen) != 0)
        goto out;
    if (write_file_atomic(dir, CERTGEN_SERVER_CERT, pem, strlen((char *)pem), 0644, err, errlen) !=
        0)
        goto out;
    rc = 0;
out:
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&key);
    return rc;
}

/* The checks below cost ~50M instructions of elliptic-curve arithmetic (key pairs, signatures),
 * most of a start. Once they pass, a stamp holding the SHA-256 of the four files lets the next
 * start skip them while nothing changed; only the dates are checked again. */
#define STAMP_NAME CERTGEN_STAMP

static int
stamp_compute(const struct cert_paths *paths, const char *names, char hex[65])
{
    const char *files[] = {paths->ca_cert, paths->ca_key, paths->srv_cert, paths->srv_key};
    mbedtls_sha256_context sha;
    unsigned char chunk[4096], hash[32];
    int rc = 0;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
    for (size_t i = 0; i < 4 && rc == 0; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f) {
            rc = -1;
            break;
        }
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            mbedtls_sha256_update_ret(&sha, chunk, n);
        fclose(f);
    }
    /* The names asked for are part of what was checked. */
    if (names && *names)
        mbedtls_sha256_update_ret(&sha, (const unsigned char *)names, strlen(names));
    mbedtls_sha256_finish_ret(&sha, hash);
    mbedtls_sha256_free(&sha);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    return rc;
}

static int
stamp_path(const char *dir, char *out, size_t len)
{
    return snprintf(out, len, "%s/%s", dir, STAMP_NAME) < (int)len ? 0 : -1;
}

/* True when the stamp matches the files and the server certificate is within its dates. */
static int
stamp_valid(const char *dir, const struct cert_paths *paths, const char *names)
{
    char path[PATH_MAX], want[65], got[80] = "";
    if (stamp_path(dir, path, sizeof(path)) < 0 || stamp_compute(paths, names, want) < 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(got, 1, sizeof(got) - 1, f);
    fclose(f);
    got[n] = '\0';
    if (n < 64 || memcmp(got, want, 64) != 0)
        return 0;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int ok = mbedtls_x509_crt_parse_file(&crt, paths->srv_cert) == 0 &&
             !mbedtls_x509_time_is_past(&crt.valid_to) &&
             !mbedtls_x509_time_is_future(&crt.valid_from);
    mbedtls_x509_crt_free(&crt);
    return ok;
}

static void
stamp_write(const char *dir, const struct cert_paths *paths, const char *names)
{
    char hex[65];
    if (stamp_compute(paths, names, hex) == 0)
        write_file_atomic(dir, STAMP_NAME, hex, 64, 0644, NULL, 0);
}

int
certgen_ensure(const char *dir, int *generated, char *err, size_t errlen)
{
    return certgen_ensure_names(dir, NULL, generated, err, errlen);
}

int
certgen_ensure_names(const char *dir, const char *names, int *generated, char *err, size_t errlen)
{
    static const char pers[] = "zapi-mock certgen";
    struct cert_paths paths;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_pk_context ca_key;
    int ret, rc = -1, made = 0, have_cert, have_key;

    /* Initialise everything up front so the single exit path can free unconditionally. */
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_pk_init(&ca_key);
    if (generated)
        *generated = 0;
    if (err && errlen)
        err[0] = '\0';

    if (!dir || !*dir) {
        set_err(err, errlen, "certgen: no certificate directory given");
        goto out;
    }
    if (join_path(paths.ca_cert, sizeof(paths.ca_cert), dir, CERTGEN_CA_CERT, err, errlen) ||
        join_path(paths.ca_key, sizeof(paths.ca_key), dir, CERTGEN_CA_KEY, err, errlen) ||
        join_path(paths.srv_cert, sizeof(paths.srv_cert), dir, CERTGEN_SERVER_CERT, err, errlen) ||
        join_path(paths.srv_key, sizeof(paths.srv_key), dir, CERTGEN_SERVER_KEY, err, errlen))
        goto out;
    if (make_dirs(dir, err, errlen) != 0)
        goto out;
    remove_stale_temps(dir, time(NULL));
    struct san parsed[MAX_EXTRA_NAMES];
    size_t nparsed;
    if (parse_names(names, parsed, MAX_EXTRA_NAMES, &nparsed, err, errlen) < 0)
        goto out;
    if (stamp_valid(dir, &paths, names)) {
        rc = 0;
        goto out;
    }

    ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)pers,
                                sizeof(pers) - 1);
    if (ret != 0) {
        fail_mbed(err, errlen, dir, "seeding the random generator", ret);
        goto out;
    }

    have_cert = file_exists(paths.ca_cert, err, errlen);
    have_key = have_cert < 0 ? -1 : file_exists(paths.ca_key, err, errlen);
    if (have_cert < 0 || have_key < 0)
        goto out;
    if (have_cert && have_key) {
        if (load_ca(&paths, &ca, &ca_key, err, errlen) != 0)
            goto out;
    } else {
        if (create_ca(dir, &paths, &drbg, &ca, &ca_key, err, errlen) != 0)
            goto out;
        made = 2;
    }

    if (made == 2 || !server_is_valid(&paths, &ca, names)) {
        if (create_server(dir, &paths, names, &drbg, &ca, &ca_key, err, errlen) != 0)
            goto out;
        if (made == 0)
            made = 1;
    }
    if (generated)
        *generated = made;
    stamp_write(dir, &paths, names);
    rc = 0;
out:
    mbedtls_pk_free(&ca_key);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return rc;
}
