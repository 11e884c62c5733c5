/* Shared by the fuzz targets: where the repository's fixtures are, a quiet libxml2, and the
 * invariant checks that abort() (so libFuzzer, or the replay driver, reports the input). */
#ifndef ZAPI_FUZZ_COMMON_H
#define ZAPI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "zapi.h"

/* libFuzzer's entry points; replay_main.c calls them without libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "invariant broken: <what>" with the location and aborts. */
void fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define FUZZ_ASSERT(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
    } while (0)

/* envelope_global_init() plus libxml2's error printing silenced (FUZZ_VERBOSE=1 keeps it). */
void fuzz_global_init(void);

/* The repository's fixtures/ directory: $ZAPI_SOURCE_DIR/fixtures, else the source tree the
 * target was built from. */
const char *fuzz_fixtures_dir(void);

/* Aborts unless body[0..len) is a well-formed XML document whose root element is root_name. */
void fuzz_check_xml(const char *what, const char *body, size_t len, const char *root_name);
/* Aborts unless body[0..len) is a JSON object with exactly one member, named root_name. */
void fuzz_check_json(const char *what, const char *body, size_t len, const char *root_name);

/* The invariants of every answer zapi_handle() or zapi_http_error() gives: a status from 200 to
 * 599, a non-empty body that parses back in its format with <response> / "response" at the root,
 * printable log fields. */
void fuzz_check_result(const char *what, const struct zapi_result *r);

/* Runs envelope_parse(body, len, format) and checks its contract: on success a <request> tree
 * with a zapiMethod, a non-empty method name and the id fields envelope_lookup() agrees with; on
 * failure an error message and an empty envelope. Returns the envelope_parse() result. */
int fuzz_parse_envelope(const char *body, size_t len, enum body_format format);

/* A fixed clock (2023-11-14) so every input replays the same way. */
#define FUZZ_NOW ((time_t)1700000000)

/* A throttle that says "throttled" on every third call since fuzz_throttle_reset(). */
void fuzz_throttle(void *ctx, const struct partner *p, struct zapi_throttle_verdict *v);
void fuzz_throttle_reset(void);
/* How many times the throttle was asked since the reset, and its last verdict. */
unsigned fuzz_throttle_calls(const struct zapi_throttle_verdict **last);
/* After a zapi_handle() that began when the throttle had been asked calls_before times: at most
 * one more question, and Retry-After set exactly when the answer was "throttled". */
void fuzz_check_throttle(const char *what, const struct zapi_result *r, unsigned calls_before);

#endif
