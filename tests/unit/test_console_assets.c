/* Unit tests for console_assets: the binary embeds exactly the files of server/console/ (as they
 * are in the source tree now), NUL-terminated, with a content type for each, and index.html only
 * refers to files that are embedded. */
#include "console_assets.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static char *
read_source(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/server/console/%s", support_source_dir(), name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *data = malloc(1 << 20);
    ck_assert_ptr_nonnull(data);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

START_TEST(test_embedded_files_match_the_sources)
{
    ck_assert_uint_ge(console_nassets, 3);
    for (size_t i = 0; i < console_nassets; i++) {
        const struct console_asset *a = &console_assets[i];
        size_t len;
        char *src = read_source(a->name, &len);
        ck_assert_msg(len == a->len && memcmp(src, a->data, len) == 0,
                      "%s: the embedded copy differs from the source", a->name);
        ck_assert_int_eq(a->data[a->len], 0);
        ck_assert_ptr_nonnull(strchr(a->type, '/'));
        free(src);
    }
}
END_TEST

START_TEST(test_index_refers_to_embedded_files)
{
    const struct console_asset *index = NULL;
    for (size_t i = 0; i < console_nassets; i++)
        if (strcmp(console_assets[i].name, "index.html") == 0)
            index = &console_assets[i];
    ck_assert_ptr_nonnull(index);
    const char *prefix = "/__admin/console/";
    int refs = 0;
    for (const char *p = (const char *)index->data; (p = strstr(p, prefix)); refs++) {
        p += strlen(prefix);
        size_t n = strcspn(p, "\"");
        int found = 0;
        for (size_t i = 0; i < console_nassets; i++)
            found |= strlen(console_assets[i].name) == n && !strncmp(console_assets[i].name, p, n);
        ck_assert_msg(found, "index.html refers to %.*s, which is not embedded", (int)n, p);
    }
    ck_assert_int_eq(refs, 2);
}
END_TEST

static Suite *
assets_suite(void)
{
    Suite *s = suite_create("console_assets");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_embedded_files_match_the_sources);
    tcase_add_test(tc, test_index_refers_to_embedded_files);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(assets_suite());
}
