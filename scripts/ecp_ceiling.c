/* ecp_ceiling: what mbedTLS's public-key arithmetic allows a full ECDHE-ECDSA handshake on one
 * core, for scripts/bench. Prints microseconds per ECDSA P-256 signature (with a long-lived key,
 * whose fixed-point table is computed once) and per ephemeral key exchange (key pair plus shared
 * secret, with the group set up afresh as a handshake does) for X25519 and P-256: elapsed time
 * (what a core shared with others gives) and, as NAME_cpu_us, this process's CPU time (what the
 * arithmetic costs, however busy the machine is).
 * Usage: ecp_ceiling [SECONDS]   (default 1; a third of it per measurement) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>

static double
clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* Microseconds each of n operations took: elapsed since t0, and CPU since cpu0. */
struct cost {
    double us, cpu_us;
};

static struct cost
cost_since(double t0, double cpu0, long n)
{
    struct cost c = {(now_s() - t0) * 1e6 / (double)n,
                     (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6 / (double)n};
    return c;
}

static void
check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "ecp_ceiling: %s failed (-0x%04x)\n", what, -rc);
        exit(1);
    }
}

static struct cost
sign_us(mbedtls_ctr_drbg_context *drbg, double secs)
{
    mbedtls_ecdsa_context key;
    mbedtls_ecdsa_init(&key);
    check(mbedtls_ecdsa_genkey(&key, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random, drbg),
          "ECDSA key generation");
    unsigned char hash[32] = {1, 2, 3}, sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t len;
    long n = 0;
    double t0 = now_s(), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    do {
        hash[0] = (unsigned char)n;
        check(mbedtls_ecdsa_write_signature(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &len,
                                            mbedtls_ctr_drbg_random, drbg),
              "ECDSA signature");
        n++;
    } while (now_s() - t0 < secs);
    struct cost c = cost_since(t0, cpu0, n);
    mbedtls_ecdsa_free(&key);
    return c;
}

static struct cost
exchange_us(mbedtls_ecp_group_id id, mbedtls_ctr_drbg_context *drbg, double secs)
{
    mbedtls_ecp_group grp;
    mbedtls_mpi peer_d, d, z;
    mbedtls_ecp_point peer_q, q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&peer_d);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    mbedtls_ecp_point_init(&peer_q);
    mbedtls_ecp_point_init(&q);
    check(mbedtls_ecp_group_load(&grp, id), "group load");
    check(mbedtls_ecdh_gen_public(&grp, &peer_d, &peer_q, mbedtls_ctr_drbg_random, drbg),
          "peer key");
    mbedtls_ecp_group_free(&grp);
    long n = 0;
    double t0 = now_s(), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    do {
        mbedtls_ecp_group_init(&grp);
        check(mbedtls_ecp_group_load(&grp, id), "group load");
        check(mbedtls_ecdh_gen_public(&grp, &d, &q, mbedtls_ctr_drbg_random, drbg), "key pair");
        check(mbedtls_ecdh_compute_shared(&grp, &z, &peer_q, &d, mbedtls_ctr_drbg_random, drbg),
              "shared secret");
        mbedtls_ecp_group_free(&grp);
        n++;
    } while (now_s() - t0 < secs);
    struct cost c = cost_since(t0, cpu0, n);
    mbedtls_mpi_free(&peer_d);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&peer_q);
    mbedtls_ecp_point_free(&q);
    return c;
}

int
main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    if (secs <= 0) {
        fprintf(stderr, "usage: ecp_ceiling [SECONDS]\n");
        return 2;
    }
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    check(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0), "DRBG seed");
    struct cost sign = sign_us(&drbg, secs / 3);
    struct cost x25519 = exchange_us(MBEDTLS_ECP_DP_CURVE25519, &drbg, secs / 3);
    struct cost p256 = exchange_us(MBEDTLS_ECP_DP_SECP256R1, &drbg, secs / 3);
    printf("sign_p256_us %.1f\nsign_p256_cpu_us %.1f\n", sign.us, sign.cpu_us);
    printf("exchange_x25519_us %.1f\nexchange_x25519_cpu_us %.1f\n", x25519.us, x25519.cpu_us);
    printf("exchange_p256_us %.1f\nexchange_p256_cpu_us %.1f\n", p256.us, p256.cpu_us);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}
