/* Fuzz target: envelope_parse() on XML request bodies. The input is the body as sent. */
#include <string.h>

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
    /* Detection: a JSON Content-Type always wins; otherwise JSON only for a leading '{'. */
    FUZZ_ASSERT(envelope_detect("application/json", body, size) == FORMAT_JSON,
                "Content-Type application/json not detected as JSON");
    if (envelope_detect("text/xml", body, size) == FORMAT_JSON) {
        size_t i = size >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        while (i < size && strchr(" \t\r\n\v\f", body[i]) && body[i])
            i++;
        FUZZ_ASSERT(i < size && body[i] == '{', "body detected as JSON does not start with '{'");
    }
    fuzz_parse_envelope(body, size, FORMAT_XML);
    return 0;
}
