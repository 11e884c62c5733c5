/* Fuzz target: envelope_parse() on JSON request bodies (JSON turned into the request tree). The
 * input is the body as sent. */
#include <jansson.h>

#include "envelope.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_global_init();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    int rc = fuzz_parse_envelope(body, size, FORMAT_JSON);
    if (rc == 0) {
        /* Only a JSON object can make a request. */
        json_error_t e;
        json_t *v = json_loadb(body, size, JSON_REJECT_DUPLICATES, &e);
        FUZZ_ASSERT(v && json_is_object(v), "accepted a body jansson does not read as an object");
        json_decref(v);
    }
    return 0;
}
