/* Helpers shared by the Check unit tests; see support.h. */
/* _GNU_SOURCE (mkdtemp, nftw) comes from the top-level CMakeLists.txt. */

#include "support.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "zapi.h"

int
support_run_in(Suite *s, char *base)
{
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    int rc = support_run(s);
    support_remove_tree(base);
    return rc;
}

int
support_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int
support_remove_tree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

const char *
support_source_dir(void)
{
    const char *d = getenv("ZAPI_SOURCE_DIR");
    return d && *d ? d : ".";
}

char *
support_repo_fixtures(void)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s/fixtures", support_source_dir());
    return b.data;
}

char *
support_path(const char *dir, const char *rel)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s/%s", dir, rel);
    return b.data;
}

static void
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    ck_assert_msg(in != NULL, "cannot open %s", from);
    FILE *out = fopen(to, "wb");
    ck_assert_msg(out != NULL, "cannot create %s", to);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        ck_assert_msg(fwrite(chunk, 1, n, out) == n, "short write to %s", to);
    fclose(in);
    fclose(out);
}

void
support_copy_tree(const char *from, const char *to)
{
    DIR *d = opendir(from);
    ck_assert_msg(d != NULL, "cannot open directory %s", from);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *src = support_path(from, de->d_name), *dst = support_path(to, de->d_name);
        struct stat st;
        ck_assert_msg(stat(src, &st) == 0, "cannot stat %s", src);
        if (S_ISDIR(st.st_mode)) {
            ck_assert_msg(mkdir(dst, 0700) == 0, "cannot create directory %s", dst);
            support_copy_tree(src, dst);
        } else if (S_ISREG(st.st_mode)) {
            copy_file(src, dst);
        }
        free(src);
        free(dst);
    }
    closedir(d);
}

char *
support_scratch_set(const char *base)
{
    struct buf dir = BUF_INIT;
    buf_printf(&dir, "%s/set-XXXXXX", base);
    ck_assert_msg(mkdtemp(dir.data) != NULL, "mkdtemp %s failed", dir.data);
    char *repo = support_repo_fixtures();
    support_copy_tree(repo, dir.data);
    free(repo);
    return dir.data;
}

int
support_write_in(const char *dir, const char *rel, const char *content, char **path)
{
    char *p = support_path(dir, rel);
    FILE *f = fopen(p, "w");
    ck_assert_msg(f != NULL, "cannot create %s", p);
    int rc = fputs(content, f) >= 0 ? 0 : -1;
    fclose(f);
    if (path)
        *path = p;
    else
        free(p);
    return rc;
}

struct fixture_set *
support_load_set(const char *dir)
{
    struct fixture_set *fs = NULL;
    struct buf err = BUF_INIT;
    ck_assert_msg(zapi_load_fixtures(dir, &fs, &err) == 0, "%s", err.data);
    ck_assert_ptr_nonnull(fs);
    buf_free(&err);
    return fs;
}
