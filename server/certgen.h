/* certgen: makes the development CA and the localhost server certificate on first start, so
 * clients can trust certs/ca.pem instead of turning verification off. Keys are generated, never
 * committed. */
#ifndef ZAPI_CERTGEN_H
#define ZAPI_CERTGEN_H

#include <stddef.h>

/* clang-format off */
#define CERTGEN_CA_CERT "ca.pem"
#define CERTGEN_CA_KEY "ca-key.pem"
#define CERTGEN_SERVER_CERT "server.pem"
#define CERTGEN_SERVER_KEY "server-key.pem"
#define CERTGEN_STAMP ".verified" /* SHA-256 of the four files once checked: later starts skip the checks */
/* Ensures dir holds a CA and a server certificate for localhost, 127.0.0.1 and ::1.
 * Creates dir if missing. Missing CA (cert or key) -> new CA and new server cert.
 * CA present but server cert/key missing, expired, or not signed by that CA -> new server cert from the CA.
 * *generated is set to 0 (nothing done), 1 (server cert made) or 2 (CA and server cert made).
 * Returns 0, or -1 with a message in err naming the file and the reason. */
int certgen_ensure(const char *dir, int *generated, char *err, size_t errlen);
/* The same, with extra names for the server certificate: comma-separated DNS names or IP
 * addresses (a CI service name such as "zapi-mock"), at most 16. A certificate lacking one is
 * issued again from the same CA. */
int certgen_ensure_names(const char *dir, const char *names, int *generated, char *err,
                         size_t errlen);
/* clang-format on */

#endif
