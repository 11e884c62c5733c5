/* Unit tests for certgen: file lifecycle, regeneration rules, and that the certificates verify
 * with mbedTLS and, when installed, with OpenSSL's strict mode and Python's ssl module. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, timegm */
#endif

#include "certgen.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/sha256.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include "support.h"

/* Each test gets tmpdir, a fresh directory under basedir. main removes basedir at the end, so a
 * failed test (whose checked teardown does not run) leaves nothing behind either. */
static char basedir[PATH_MAX];
static char tmpdir[PATH_MAX];

static void
setup(void)
{
    int n = snprintf(tmpdir, sizeof(tmpdir), "%s/test-XXXXXX", basedir);
    ck_assert(n > 0 && (size_t)n < sizeof(tmpdir));
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void
teardown(void)
{
    support_remove_tree(tmpdir);
}

/* Builds dir/name into out (PATH_MAX bytes). */
static void
path_in(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    ck_assert(n > 0 && n < PATH_MAX);
}

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated) or NULL when it cannot. */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
    char path[PATH_MAX];
    FILE *f;
    char *data = NULL;
    long size;

    path_in(path, dir, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)size + 1);
        if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
            data[size] = '\0';
            if (len)
                *len = (size_t)size;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

static void
spew(const char *dir, const char *name, const void *data, size_t len)
{
    char path[PATH_MAX];
    FILE *f;

    path_in(path, dir, name);
    f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert(fwrite(data, 1, len, f) == len);
    ck_assert(fclose(f) == 0);
}

static void
copy_file(const char *from_dir, const char *to_dir, const char *name)
{
    size_t len = 0;
    char *data = slurp(from_dir, name, &len);

    ck_assert_msg(data != NULL, "cannot read %s/%s", from_dir, name);
    spew(to_dir, name, data, len);
    free(data);
}

static int
same_file(const char *dir_a, const char *dir_b, const char *name)
{
    size_t la = 0, lb = 0;
    char *a = slurp(dir_a, name, &la), *b = slurp(dir_b, name, &lb);
    int same = a && b && la == lb && memcmp(a, b, la) == 0;

    free(a);
    free(b);
    return same;
}

static void
remove_in(const char *dir, const char *name)
{
    char path[PATH_MAX];

    path_in(path, dir, name);
    ck_assert_msg(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
}

static mode_t
mode_of(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    path_in(path, dir, name);
    ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
    return st.st_mode & 07777;
}

/* Runs certgen_ensure on dir, asserting success and the expected generated value. */
static void
ensure_ok(const char *dir, int expect_generated)
{
    char err[512] = "unset";
    int generated = -1;
    int rc = certgen_ensure(dir, &generated, err, sizeof(err));

    ck_assert_msg(rc == 0, "certgen_ensure(%s) failed: %s", dir, err);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(generated, expect_generated);
}

/* Names tmpdir/sub, e.g. for a second certificate directory. */
static void
subdir(char *out, const char *sub)
{
    path_in(out, tmpdir, sub);
}

/* Finds name on PATH; the OpenSSL and Python checks are skipped when it is absent. */
static int
on_path(const char *name)
{
    const char *path = getenv("PATH");
    char candidate[PATH_MAX];

    while (path && *path) {
        size_t n = strcspn(path, ":");
        if (n > 0 &&
            snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)n, path, name) <
                (int)sizeof(candidate) &&
            access(candidate, X_OK) == 0)
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

/* Runs argv with stdout and stderr captured into out; returns the exit status or -1. */
static int
run(char *const argv[], char *out, size_t outlen)
{
    int fds[2], status;
    size_t used = 0;
    pid_t pid;

    ck_assert(outlen > 0);
    out[0] = '\0';
    ck_assert(pipe(fds) == 0);
    pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        char chunk[512];
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < outlen - 1 - used ? (size_t)n : outlen - 1 - used;
        memcpy(out + used, chunk, take);
        used += take;
        out[used] = '\0';
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0)
        ck_assert(errno == EINTR);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long
seconds_between(const mbedtls_x509_time *from, const mbedtls_x509_time *to)
{
    struct tm a = {.tm_year = from->year - 1900,
                   .tm_mon = from->mon - 1,
                   .tm_mday = from->day,
                   .tm_hour = from->hour,
                   .tm_min = from->min,
                   .tm_sec = from->sec};
    struct tm b = {.tm_year = to->year - 1900,
                   .tm_mon = to->mon - 1,
                   .tm_mday = to->day,
                   .tm_hour = to->hour,
                   .tm_min = to->min,
                   .tm_sec = to->sec};

    return (long)(timegm(&b) - timegm(&a));
}

START_TEST(test_first_run_creates_files_then_reuses)
{
    char dir[PATH_MAX];

    subdir(dir, "a/b/certs");
    ensure_ok(dir, 2);
    ck_assert_int_eq(mode_of(dir, CERTGEN_CA_KEY), 0600);
    ck_assert_int_eq(mode_of(dir, CERTGEN_SERVER_KEY), 0600);
    ck_assert_int_eq(mode_of(dir, CERTGEN_CA_CERT), 0644);
    ck_assert_int_eq(mode_of(dir, CERTGEN_SERVER_CERT), 0644);

    char *ca = slurp(dir, CERTGEN_CA_CERT, NULL), *srv = slurp(dir, CERTGEN_SERVER_CERT, NULL);
    char *key = slurp(dir, CERTGEN_SERVER_KEY, NULL);
    ck_assert(ca && srv && key);
    ck_assert(strstr(ca, "-----BEGIN CERTIFICATE-----") == ca);
    ck_assert(strstr(srv, "-----BEGIN CERTIFICATE-----") == srv);
    ck_assert(strstr(key, "PRIVATE KEY-----") != NULL);
    free(ca);
    free(srv);
    free(key);

    /* A second run changes nothing. */
    char cmp[PATH_MAX];
    subdir(cmp, "snapshot");
    ck_assert(mkdir(cmp, 0700) == 0);
    copy_file(dir, cmp, CERTGEN_SERVER_CERT);
    copy_file(dir, cmp, CERTGEN_CA_CERT);
    ensure_ok(dir, 0);
    ck_assert(same_file(dir, cmp, CERTGEN_SERVER_CERT));
    ck_assert(same_file(dir, cmp, CERTGEN_CA_CERT));
}
END_TEST

START_TEST(test_no_temp_files_left)
{
    static const char *const expected[] = {CERTGEN_CA_CERT, CERTGEN_CA_KEY, CERTGEN_SERVER_CERT,
                                           CERTGEN_SERVER_KEY, CERTGEN_STAMP};
    const struct dirent *de;
    int count = 0;
    DIR *d;

    ensure_ok(tmpdir, 2);
    d = opendir(tmpdir);
    ck_assert(d != NULL);
    while ((de = readdir(d)) != NULL) {
        int known = 0;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
            known |= strcmp(de->d_name, expected[i]) == 0;
        ck_assert_msg(known, "unexpected file %s", de->d_name);
        count++;
    }
    closedir(d);
    ck_assert_int_eq(count, 5);
}
END_TEST

/* Writes a small file dir/name whose modification time is age_s seconds in the past. */
static void
write_aged(const char *dir, const char *name, long age_s)
{
    char path[PATH_MAX];
    path_in(path, dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs("-----BEGIN EC PRIVATE KEY-----\n", f);
    ck_assert_int_eq(fclose(f), 0);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age_s;
    tv[1] = tv[0];
    ck_assert_int_eq(utimes(path, tv), 0);
}

static int
exists_in(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    path_in(path, dir, name);
    return stat(path, &st) == 0;
}

/* A kill during generation leaves a temporary key behind: the next start removes it, but not a
 * fresh one (another process may be writing it) nor files that are not ours. */
START_TEST(test_stale_temp_files_are_removed)
{
    write_aged(tmpdir, ".tmp-Ab3dE9-server-key.pem", 3600);
    write_aged(tmpdir, ".tmp-Zz9yX1-ca-key.pem", 3600);
    write_aged(tmpdir, ".tmp-Qq1wE2-server.pem", 0);
    write_aged(tmpdir, ".tmp-Ab3dE9-notes.txt", 3600);
    ensure_ok(tmpdir, 2);
    ck_assert(!exists_in(tmpdir, ".tmp-Ab3dE9-server-key.pem"));
    ck_assert(!exists_in(tmpdir, ".tmp-Zz9yX1-ca-key.pem"));
    ck_assert(exists_in(tmpdir, ".tmp-Qq1wE2-server.pem"));
    ck_assert(exists_in(tmpdir, ".tmp-Ab3dE9-notes.txt"));
    /* Also when nothing else needs doing. */
    write_aged(tmpdir, ".tmp-Cc4rT5-server-key.pem", 3600);
    ensure_ok(tmpdir, 0);
    ck_assert(!exists_in(tmpdir, ".tmp-Cc4rT5-server-key.pem"));
}
END_TEST

START_TEST(test_missing_server_files_regenerate_server_only)
{
    char keep[PATH_MAX];

    ensure_ok(tmpdir, 2);
    subdir(keep, "keep");
    ck_assert(mkdir(keep, 0700) == 0);
    copy_file(tmpdir, keep, CERTGEN_CA_CERT);
    copy_file(tmpdir, keep, CERTGEN_CA_KEY);
    copy_file(tmpdir, keep, CERTGEN_SERVER_CERT);

    remove_in(tmpdir, CERTGEN_SERVER_CERT);
    ensure_ok(tmpdir, 1);
    ck_assert(same_file(tmpdir, keep, CERTGEN_CA_CERT));
    ck_assert(same_file(tmpdir, keep, CERTGEN_CA_KEY));
    ck_assert(!same_file(tmpdir, keep, CERTGEN_SERVER_CERT));
    ck_assert_int_eq(mode_of(tmpdir, CERTGEN_SERVER_KEY), 0600);

    remove_in(tmpdir, CERTGEN_SERVER_KEY);
    ensure_ok(tmpdir, 1);
    ck_assert(same_file(tmpdir, keep, CERTGEN_CA_CERT));
    ck_assert(same_file(tmpdir, keep, CERTGEN_CA_KEY));
    ensure_ok(tmpdir, 0);
}
END_TEST

START_TEST(test_missing_ca_half_regenerates_everything)
{
    char keep[PATH_MAX];

    ensure_ok(tmpdir, 2);
    subdir(keep, "keep");
    ck_assert(mkdir(keep, 0700) == 0);
    copy_file(tmpdir, keep, CERTGEN_CA_CERT);
    copy_file(tmpdir, keep, CERTGEN_CA_KEY);

    remove_in(tmpdir, CERTGEN_CA_KEY);
    ensure_ok(tmpdir, 2);
    ck_assert(!same_file(tmpdir, keep, CERTGEN_CA_CERT));

    copy_file(tmpdir, keep, CERTGEN_CA_KEY);
    remove_in(tmpdir, CERTGEN_CA_CERT);
    ensure_ok(tmpdir, 2);
    ck_assert(!same_file(tmpdir, keep, CERTGEN_CA_KEY));
    ensure_ok(tmpdir, 0);
}
END_TEST

START_TEST(test_server_cert_from_other_ca_or_wrong_key_is_replaced)
{
    char other[PATH_MAX];

    ensure_ok(tmpdir, 2);
    subdir(other, "other");
    ensure_ok(other, 2);

    /* A complete pair, but issued by a different CA. */
    copy_file(other, tmpdir, CERTGEN_SERVER_CERT);
    copy_file(other, tmpdir, CERTGEN_SERVER_KEY);
    ensure_ok(tmpdir, 1);
    ck_assert(!same_file(tmpdir, other, CERTGEN_SERVER_CERT));

    /* The right certificate with somebody else's key. */
    copy_file(other, tmpdir, CERTGEN_SERVER_KEY);
    ensure_ok(tmpdir, 1);
    ensure_ok(tmpdir, 0);
}
END_TEST

START_TEST(test_garbage_server_cert_is_replaced)
{
    static const char junk[] = "not a certificate\n";

    ensure_ok(tmpdir, 2);
    spew(tmpdir, CERTGEN_SERVER_CERT, junk, sizeof(junk) - 1);
    ensure_ok(tmpdir, 1);
    ensure_ok(tmpdir, 0);
}
END_TEST

/* Writes a server certificate signed by the CA in tmpdir that is valid but for expiring in 2002. */
static void
write_expired_server_cert(void)
{
    char ca_key_path[PATH_MAX];
    unsigned char pem[4096];
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context ca_key, key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;

    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&ca_key);
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);

    path_in(ca_key_path, tmpdir, CERTGEN_CA_KEY);
    ck_assert_int_eq(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0), 0);
    ck_assert_int_eq(mbedtls_pk_parse_keyfile(&ca_key, ca_key_path, NULL), 0);
    ck_assert_int_eq(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    ck_assert_int_eq(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
                                         mbedtls_ctr_drbg_random, &drbg),
                     0);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &ca_key);
    ck_assert_int_eq(mbedtls_mpi_lset(&serial, 4242), 0);
    ck_assert_int_eq(mbedtls_x509write_crt_set_serial(&crt, &serial), 0);
    ck_assert_int_eq(mbedtls_x509write_crt_set_validity(&crt, "20010101000000", "20020101000000"),
                     0);
    ck_assert_int_eq(mbedtls_x509write_crt_set_subject_name(&crt, "CN=localhost,O=zapi-mock"), 0);
    ck_assert_int_eq(
        mbedtls_x509write_crt_set_issuer_name(&crt, "CN=zapi-mock development CA,O=zapi-mock"), 0);
    ck_assert_int_eq(mbedtls_x509write_crt_set_authority_key_identifier(&crt), 0);
    ck_assert_int_eq(
        mbedtls_x509write_crt_pem(&crt, pem, sizeof(pem), mbedtls_ctr_drbg_random, &drbg), 0);
    spew(tmpdir, CERTGEN_SERVER_CERT, pem, strlen((char *)pem));
    ck_assert_int_eq(mbedtls_pk_write_key_pem(&key, pem, sizeof(pem)), 0);
    spew(tmpdir, CERTGEN_SERVER_KEY, pem, strlen((char *)pem));

    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    mbedtls_pk_free(&ca_key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
}

START_TEST(test_expired_server_cert_is_replaced)
{
    char ca_path[PATH_MAX], srv_path[PATH_MAX];
    mbedtls_x509_crt ca, srv;
    uint32_t flags = 0;

    ensure_ok(tmpdir, 2);
    write_expired_server_cert();

    /* Make sure expiry is the only thing wrong with it, so the test means what it says. */
    path_in(ca_path, tmpdir, CERTGEN_CA_CERT);
    path_in(srv_path, tmpdir, CERTGEN_SERVER_CERT);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&srv);
    ck_assert_int_eq(mbedtls_x509_crt_parse_file(&ca, ca_path), 0);
    ck_assert_int_eq(mbedtls_x509_crt_parse_file(&srv, srv_path), 0);
    ck_assert_int_ne(mbedtls_x509_crt_verify(&srv, &ca, NULL, "localhost", &flags, NULL, NULL), 0);
    ck_assert_uint_eq(flags, MBEDTLS_X509_BADCERT_EXPIRED);
    mbedtls_x509_crt_free(&srv);
    mbedtls_x509_crt_free(&ca);

    ensure_ok(tmpdir, 1);
    ensure_ok(tmpdir, 0);
}
END_TEST

START_TEST(test_certificates_verify_with_mbedtls)
{
    char ca_path[PATH_MAX], srv_path[PATH_MAX];
    mbedtls_x509_crt ca, srv;
    uint32_t flags = 0xffffffff;
    int dns = 0, ipv4 = 0, ipv6 = 0;

    ensure_ok(tmpdir, 2);
    path_in(ca_path, tmpdir, CERTGEN_CA_CERT);
    path_in(srv_path, tmpdir, CERTGEN_SERVER_CERT);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&srv);
    ck_assert_int_eq(mbedtls_x509_crt_parse_file(&ca, ca_path), 0);
    ck_assert_int_eq(mbedtls_x509_crt_parse_file(&srv, srv_path), 0);

    ck_assert_int_eq(mbedtls_x509_crt_verify(&srv, &ca, NULL, "localhost", &flags, NULL, NULL), 0);
    ck_assert_uint_eq(flags, 0);
    /* Negative control: the same chain must not pass for another name. */
    ck_assert_int_ne(mbedtls_x509_crt_verify(&srv, &ca, NULL, "example.com", &flags, NULL, NULL),
                     0);
    ck_assert(flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);

    for (const mbedtls_x509_sequence *s = &srv.subject_alt_names; s; s = s->next) {
        const mbedtls_x509_buf *b = &s->buf;
        if (b->tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME) && b->len == 9 &&
            memcmp(b->p, "localhost", 9) == 0)
            dns = 1;
        if (b->tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) &&
            b->len == 4 && memcmp(b->p, "\x7f\x00\x00\x01", 4) == 0)
            ipv4 = 1;
        if (b->tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) &&
            b->len == 16 && memcmp(b->p, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0)
            ipv6 = 1;
    }
    ck_assert_msg(dns && ipv4 && ipv6, "SAN dns=%d ipv4=%d ipv6=%d", dns, ipv4, ipv6);

    ck_assert_int_eq(ca.ca_istrue, 1);
    ck_assert_int_eq(srv.ca_istrue, 0);
    ck_assert_int_eq(mbedtls_x509_crt_check_key_usage(&ca, MBEDTLS_X509_KU_KEY_CERT_SIGN), 0);
    ck_assert_int_eq(mbedtls_x509_crt_check_key_usage(&srv, MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
    /* check_extended_key_usage passes a certificate without the extension, so look for it. */
    ck_assert(srv.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE);
    ck_assert(srv.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME);
    ck_assert(!(ca.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE));
    ck_assert_int_eq(mbedtls_x509_crt_check_extended_key_usage(
                         &srv, MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
                     0);
    ck_assert_int_eq(mbedtls_pk_get_type(&srv.pk), MBEDTLS_PK_ECKEY);
    ck_assert_uint_eq(mbedtls_pk_get_bitlen(&srv.pk), 256);
    ck_assert_int_eq(srv.sig_md, MBEDTLS_MD_SHA256);
    ck_assert_int_eq(ca.sig_md, MBEDTLS_MD_SHA256);
    /* 16-byte positive serials. */
    ck_assert_uint_eq(srv.serial.len, 16);
    ck_assert_uint_eq(srv.serial.p[0] & 0x80, 0);
    ck_assert_uint_eq(ca.serial.len, 16);
    /* Apple refuses server certificates valid longer than 825 days, from notBefore to notAfter:
     * the day of backdating counts. The CA keeps ten years in all. */
    ck_assert_int_le(seconds_between(&srv.valid_from, &srv.valid_to), 825L * 86400);
    ck_assert_int_eq(seconds_between(&srv.valid_from, &srv.valid_to), 825L * 86400);
    ck_assert_int_eq(seconds_between(&ca.valid_from, &ca.valid_to), 3652L * 86400);
    ck_assert(mbedtls_x509_time_is_past(&srv.valid_from));
    ck_assert(mbedtls_x509_time_is_future(&srv.valid_to));

    mbedtls_x509_crt_free(&srv);
    mbedtls_x509_crt_free(&ca);
}
END_TEST

START_TEST(test_certificates_verify_with_openssl)
{
    char ca[PATH_MAX], srv[PATH_MAX], out[8192];

    if (!on_path("openssl")) {
        fprintf(stderr, "test_certgen: openssl not on PATH, skipping the OpenSSL checks\n");
        return;
    }
    ensure_ok(tmpdir, 2);
    path_in(ca, tmpdir, CERTGEN_CA_CERT);
    path_in(srv, tmpdir, CERTGEN_SERVER_CERT);

    char *const verify[] = {"openssl", "verify", "-x509_strict", "-CAfile", ca, srv, NULL};
    ck_assert_msg(run(verify, out, sizeof(out)) == 0, "openssl verify: %s", out);
    ck_assert_msg(strstr(out, ": OK") != NULL, "openssl verify: %s", out);

    /* The same with the TLS server purpose (EKU) and each name the certificate claims. */
    char *const purpose[] = {"openssl",   "verify",    "-x509_strict",
                             "-purpose",  "sslserver", "-verify_hostname",
                             "localhost", "-CAfile",   ca,
                             srv,         NULL};
    ck_assert_msg(run(purpose, out, sizeof(out)) == 0, "openssl verify localhost: %s", out);
    char *const ip4[] = {
        "openssl", "verify", "-x509_strict", "-verify_ip", "127.0.0.1", "-CAfile", ca, srv, NULL};
    ck_assert_msg(run(ip4, out, sizeof(out)) == 0, "openssl verify 127.0.0.1: %s", out);
    char *const ip6[] = {"openssl", "verify", "-x509_strict", "-verify_ip", "::1", "-CAfile", ca,
                         srv,       NULL};
    ck_assert_msg(run(ip6, out, sizeof(out)) == 0, "openssl verify ::1: %s", out);
    char *const wrong[] = {"openssl", "verify", "-verify_ip", "127.0.0.2",
                           "-CAfile", ca,       srv,          NULL};
    ck_assert_msg(run(wrong, out, sizeof(out)) != 0, "negative control passed: %s", out);
    char *const ca_self[] = {"openssl", "verify", "-x509_strict", "-CAfile", ca, ca, NULL};
    ck_assert_msg(run(ca_self, out, sizeof(out)) == 0, "openssl verify CA: %s", out);

    char *const san[] = {"openssl", "x509", "-in", srv, "-ext", "subjectAltName", "-noout", NULL};
    ck_assert_msg(run(san, out, sizeof(out)) == 0, "openssl x509: %s", out);
    ck_assert_msg(strstr(out, "DNS:localhost") != NULL, "SAN: %s", out);
    ck_assert_msg(strstr(out, "IP Address:127.0.0.1") != NULL, "SAN: %s", out);
    ck_assert_msg(strstr(out, "IP Address:0:0:0:0:0:0:0:1") != NULL, "SAN: %s", out);

    char *const eku[] = {"openssl", "x509", "-in", srv, "-ext", "extendedKeyUsage", "-noout", NULL};
    ck_assert_msg(run(eku, out, sizeof(out)) == 0, "openssl x509: %s", out);
    ck_assert_msg(strstr(out, "TLS Web Server Authentication") != NULL, "EKU: %s", out);

    /* RFC 5758: no NULL parameter after ecdsa-with-SHA256, in either certificate. */
    char *const asn1_srv[] = {"openssl", "asn1parse", "-in", srv, NULL};
    ck_assert_int_eq(run(asn1_srv, out, sizeof(out)), 0);
    ck_assert_msg(strstr(out, "ecdsa-with-SHA256") && !strstr(out, "NULL"), "%s", out);
    char *const asn1_ca[] = {"openssl", "asn1parse", "-in", ca, NULL};
    ck_assert_int_eq(run(asn1_ca, out, sizeof(out)), 0);
    ck_assert_msg(strstr(out, "ecdsa-with-SHA256") && !strstr(out, "NULL"), "%s", out);
}
END_TEST

/* A TLS handshake over a socketpair with Python's default context plus VERIFY_X509_STRICT (the
 * Python 3.13 default), for each name; a wrong name must fail. */
static const char python_check[] = "import socket, ssl, sys, threading\n"
                                   "d = sys.argv[1]\n"
                                   "ctx = ssl.create_default_context(cafile=d + '/ca.pem')\n"
                                   "ctx.verify_flags |= ssl.VERIFY_X509_STRICT\n"
                                   "srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
                                   "srv.load_cert_chain(d + '/server.pem', d + '/server-key.pem')\n"
                                   "def serve(s):\n"
                                   "    try:\n"
                                   "        srv.wrap_socket(s, server_side=True).close()\n"
                                   "    except (ssl.SSLError, OSError):\n"
                                   "        s.close()\n"
                                   "def connect(host):\n"
                                   "    a, b = socket.socketpair()\n"
                                   "    t = threading.Thread(target=serve, args=(b,))\n"
                                   "    t.start()\n"
                                   "    try:\n"
                                   "        ctx.wrap_socket(a, server_hostname=host).close()\n"
                                   "        return True\n"
                                   "    except ssl.SSLCertVerificationError as e:\n"
                                   "        print(host, e)\n"
                                   "        a.close()\n"
                                   "        return False\n"
                                   "    finally:\n"
                                   "        t.join()\n"
                                   "for host in ('localhost', '127.0.0.1', '::1'):\n"
                                   "    if not connect(host):\n"
                                   "        sys.exit(1)\n"
                                   "if connect('example.com'):\n"
                                   "    print('example.com unexpectedly verified')\n"
                                   "    sys.exit(2)\n";

START_TEST(test_python_strict_handshake)
{
    char out[8192];

    if (!on_path("python3")) {
        fprintf(stderr, "test_certgen: python3 not on PATH, skipping the Python check\n");
        return;
    }
    ensure_ok(tmpdir, 2);
    char *const argv[] = {"python3", "-c", (char *)python_check, tmpdir, NULL};
    int status = run(argv, out, sizeof(out));
    ck_assert_msg(status == 0, "python3 check exited %d: %s", status, out);
}
END_TEST

START_TEST(test_uncreatable_dir_fails)
{
    char file[PATH_MAX], dir[PATH_MAX], err[512] = "";
    int generated = -1;

    spew(tmpdir, "plain-file", "x", 1);
    path_in(file, tmpdir, "plain-file");
    path_in(dir, file, "certs");
    ck_assert_int_eq(certgen_ensure(dir, &generated, err, sizeof(err)), -1);
    ck_assert_msg(err[0] != '\0', "no error message");
    ck_assert_msg(strstr(err, "plain-file") != NULL, "error does not name the path: %s", err);
    ck_assert_int_eq(generated, 0);
}
END_TEST

START_TEST(test_unreadable_ca_is_reported_not_replaced)
{
    static const char junk[] = "-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n";
    char err[512] = "", keep[PATH_MAX];
    int generated = -1;

    ensure_ok(tmpdir, 2);
    subdir(keep, "keep");
    ck_assert(mkdir(keep, 0700) == 0);
    copy_file(tmpdir, keep, CERTGEN_CA_KEY);
    spew(tmpdir, CERTGEN_CA_CERT, junk, sizeof(junk) - 1);
    ck_assert_int_eq(certgen_ensure(tmpdir, &generated, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, CERTGEN_CA_CERT) != NULL, "error does not name ca.pem: %s", err);
    ck_assert_int_eq(generated, 0);
    ck_assert(same_file(tmpdir, keep, CERTGEN_CA_KEY));
}
END_TEST

/* Writes the stamp certgen would write for the files now in dir. */
static void
write_stamp(const char *dir)
{
    const char *names[] = {CERTGEN_CA_CERT, CERTGEN_CA_KEY, CERTGEN_SERVER_CERT,
                           CERTGEN_SERVER_KEY};
    mbedtls_sha256_context sha;
    unsigned char hash[32];
    char hex[65];
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
    for (size_t i = 0; i < 4; i++) {
        size_t len = 0;
        char *data = slurp(dir, names[i], &len);
        ck_assert(data != NULL);
        mbedtls_sha256_update_ret(&sha, (const unsigned char *)data, len);
        free(data);
    }
    mbedtls_sha256_finish_ret(&sha, hash);
    mbedtls_sha256_free(&sha);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    spew(dir, CERTGEN_STAMP, hex, 64);
}

/* The stamp lets a start skip the elliptic-curve checks while the four files are unchanged, and
 * any change to them brings the checks back. */
START_TEST(test_stamp_skips_checks_until_files_change)
{
    char other[PATH_MAX], path[PATH_MAX];
    size_t len = 0;

    ensure_ok(tmpdir, 2);
    subdir(other, "other");
    ensure_ok(other, 2);
    char *key = slurp(other, CERTGEN_SERVER_KEY, &len);
    ck_assert(key != NULL);
    spew(tmpdir, CERTGEN_SERVER_KEY, key, len);

    /* A stamp matching the (now mismatched) files is trusted: nothing is checked or made. */
    write_stamp(tmpdir);
    ensure_ok(tmpdir, 0);

    /* Without the stamp the wrong key is found and a new server certificate issued. */
    path_in(path, tmpdir, CERTGEN_STAMP);
    ck_assert_int_eq(unlink(path), 0);
    ensure_ok(tmpdir, 1);

    /* A file changed behind the stamp's back invalidates it. */
    spew(tmpdir, CERTGEN_SERVER_KEY, key, len);
    ensure_ok(tmpdir, 1);
    ensure_ok(tmpdir, 0);
    free(key);
}
END_TEST

/* Extra names (a CI service name, an address) go into the certificate; asking for a name it lacks
 * issues a new one from the same CA. */
START_TEST(test_extra_names)
{
    char err[512] = "";
    int generated = -1;
    mbedtls_x509_crt ca, srv;
    uint32_t flags = 0;
    char path[PATH_MAX];

    ck_assert_int_eq(
        certgen_ensure_names(tmpdir, "zapi-mock, 10.1.2.3,fd00::7", &generated, err, sizeof(err)),
        0);
    ck_assert_int_eq(generated, 2);
    size_t ca_len = 0;
    char *ca_before = slurp(tmpdir, CERTGEN_CA_CERT, &ca_len);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&srv);
    path_in(path, tmpdir, CERTGEN_CA_CERT);
    ck_assert_int_eq(mbedtls_x509_crt_parse_file(&ca, path), 0);
    path_in(path, tmpdir, CERTGEN_SERVER_CERT);
    ck_assert_int_eq(mbedtls_x509_crt_parse_file(&srv, path), 0);
    ck_assert_int_eq(mbedtls_x509_crt_verify(&srv, &ca, NULL, "zapi-mock", &flags, NULL, NULL), 0);
    ck_assert_int_eq(mbedtls_x509_crt_verify(&srv, &ca, NULL, "localhost", &flags, NULL, NULL), 0);
    int ips = 0;
    for (const mbedtls_x509_sequence *s = &srv.subject_alt_names; s && s->buf.p; s = s->next) {
        if ((s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == 7 && s->buf.len == 4 &&
            memcmp(s->buf.p, "\x0a\x01\x02\x03", 4) == 0)
            ips++;
        if ((s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == 7 && s->buf.len == 16 &&
            s->buf.p[0] == 0xfd && s->buf.p[15] == 7)
            ips++;
    }
    ck_assert_int_eq(ips, 2);
    mbedtls_x509_crt_free(&srv);
    mbedtls_x509_crt_free(&ca);

    /* Same names: nothing to do. Fewer names: the certificate still covers them. */
    ck_assert_int_eq(
        certgen_ensure_names(tmpdir, "zapi-mock,10.1.2.3,fd00::7", &generated, err, sizeof(err)),
        0);
    ck_assert_int_eq(generated, 0);
    ensure_ok(tmpdir, 0);
    /* A new name: a new server certificate, same CA. */
    ck_assert_int_eq(certgen_ensure_names(tmpdir, "other.test", &generated, err, sizeof(err)), 0);
    ck_assert_int_eq(generated, 1);
    char *ca_after = slurp(tmpdir, CERTGEN_CA_CERT, NULL);
    ck_assert_str_eq(ca_before, ca_after);
    free(ca_before);
    free(ca_after);
    /* Not a name at all. */
    ck_assert_int_eq(certgen_ensure_names(tmpdir, "bad/name", &generated, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "bad") != NULL, "err: %s", err);
}
END_TEST

START_TEST(test_mismatched_ca_key_is_reported)
{
    char other[PATH_MAX], err[512] = "";
    int generated = -1;

    ensure_ok(tmpdir, 2);
    subdir(other, "other");
    ensure_ok(other, 2);
    copy_file(other, tmpdir, CERTGEN_CA_KEY);
    ck_assert_int_eq(certgen_ensure(tmpdir, &generated, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, CERTGEN_CA_KEY) != NULL, "error does not name ca-key.pem: %s", err);
}
END_TEST

START_TEST(test_bad_arguments)
{
    char err[64] = "";
    int generated = -1;

    ck_assert_int_eq(certgen_ensure(NULL, &generated, err, sizeof(err)), -1);
    ck_assert(err[0] != '\0');
    ck_assert_int_eq(generated, 0);
    ck_assert_int_eq(certgen_ensure("", NULL, NULL, 0), -1);
    /* A tiny err buffer truncates instead of overflowing. */
    char small[8];
    ck_assert_int_eq(certgen_ensure(NULL, NULL, small, sizeof(small)), -1);
    ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

static Suite *
certgen_suite(void)
{
    Suite *s = suite_create("certgen");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    /* Key generation under valgrind and the Python handshake take a few seconds each. */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_first_run_creates_files_then_reuses);
    tcase_add_test(tc, test_no_temp_files_left);
    tcase_add_test(tc, test_stale_temp_files_are_removed);
    tcase_add_test(tc, test_missing_server_files_regenerate_server_only);
    tcase_add_test(tc, test_missing_ca_half_regenerates_everything);
    tcase_add_test(tc, test_server_cert_from_other_ca_or_wrong_key_is_replaced);
    tcase_add_test(tc, test_garbage_server_cert_is_replaced);
    tcase_add_test(tc, test_expired_server_cert_is_replaced);
    tcase_add_test(tc, test_certificates_verify_with_mbedtls);
    tcase_add_test(tc, test_certificates_verify_with_openssl);
    tcase_add_test(tc, test_python_strict_handshake);
    tcase_add_test(tc, test_uncreatable_dir_fails);
    tcase_add_test(tc, test_unreadable_ca_is_reported_not_replaced);
    tcase_add_test(tc, test_mismatched_ca_key_is_reported);
    tcase_add_test(tc, test_stamp_skips_checks_until_files_change);
    tcase_add_test(tc, test_extra_names);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    const char *base = getenv("TMPDIR");
    int n, rc;

    n = snprintf(basedir, sizeof(basedir), "%s/certgen-test-XXXXXX", base && *base ? base : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(basedir) || !mkdtemp(basedir)) {
        perror("test_certgen: mkdtemp");
        return EXIT_FAILURE;
    }
    rc = support_run(certgen_suite());
    support_remove_tree(basedir);
    return rc;
}
