/* ecp_ceiling: what mbedTLS's public-key arithmetic allows a full ECDHE-ECDSA handshake on one
 * core, for scripts/bench. Prints microseconds per ECDSA P-256 signature (with a long-lived key,
 * whose fixed-point table is computed once) and per ephemeral key exchange (key pair plus shared
 * secret, with the group set up afresh as a handshake does) for X25519 and P-256.
 * Usage: ecp_ceiling [SECONDS]   (default 1; a third of it per measurement) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "ecp_ceiling: %s failed (-0x%04x)\n", what, -rc);
        exit(1);
    }
}

static double
sign_us(mbedtls_ctr_drbg_context *drbg, double secs)
{
    mbedtls_ecdsa_context key;
    mbedtls_ecdsa_init(&key);
    check(mbedtls_ecdsa_genkey(&key, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random, drbg),
          "ECDSA key generation");
    unsigned char hash[32] = {1, 2, 3}, sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t len;
    long n = 0;
    double t0 = now_s(), t;
    do {
        hash[0] = (unsigned char)n;
        check(mbedtls_ecdsa_write_signature(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &len,
                                            mbedtls_ctr_drbg_random, drbg),
              "ECDSA signature");
        n++;
    } while ((t = now_s()) - t0 < secs);
    mbedtls_ecdsa_free(&key);
    return (t - t0) * 1e6 / (double)n;
}

static double
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
    double t0 = now_s(), t;
    do {
        mbedtls_ecp_group_init(&grp);
        check(mbedtls_ecp_group_load(&grp, id), "group load");
        check(mbedtls_ecdh_gen_public(&grp, &d, &q, mbedtls_ctr_drbg_random, drbg), "key pair");
        check(mbedtls_ecdh_compute_shared(&grp, &z, &peer_q, &d, mbedtls_ctr_drbg_random, drbg),
              "shared secret");
        mbedtls_ecp_group_free(&grp);
        n++;
    } while ((t = now_s()) - t0 < secs);
    mbedtls_mpi_free(&peer_d);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&peer_q);
    mbedtls_ecp_point_free(&q);
    return (t - t0) * 1e6 / (double)n;
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
    printf("sign_p256_us %.1f\n", sign_us(&drbg, secs / 3));
    printf("exchange_x25519_us %.1f\n", exchange_us(MBEDTLS_ECP_DP_CURVE25519, &drbg, secs / 3));
    printf("exchange_p256_us %.1f\n", exchange_us(MBEDTLS_ECP_DP_SECP256R1, &drbg, secs / 3));
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}
