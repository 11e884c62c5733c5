/* Unit tests for fsutil: atomic replacement (content, mode whatever the umask, nothing left
 * behind, failures naming the file and the step) and mkdir -p. */
#include "fsutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

static char base[] = "/tmp/zapi-test-fsutil-XXXXXX";

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    static char text[256];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static int
entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

START_TEST(test_write_and_replace)
{
    char *dir = support_path(base, "w");
    struct buf err = BUF_INIT;
    ck_assert_int_eq(fsutil_make_dirs(dir, 0700, &err), 0);
    mode_t old = umask(0077);
    ck_assert_int_eq(fsutil_write_atomic(dir, "a.pem", "first", 5, 0644, &err), 0);
    umask(old);
    char *path = support_path(dir, "a.pem");
    ck_assert_str_eq(slurp(path), "first");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644); /* the mode asked for, not the umask's */
    ck_assert_int_eq(fsutil_write_atomic(dir, "a.pem", "second", 6, 0600, &err), 0);
    ck_assert_str_eq(slurp(path), "second");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(entries(dir), 1); /* no temporary file left */
    ck_assert_ptr_null(err.data);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_write_failure_names_file_and_step)
{
    char *dir = support_path(base, "missing");
    struct buf err = BUF_INIT;
    ck_assert_int_eq(fsutil_write_atomic(dir, "state.json", "{}", 2, 0600, &err), -1);
    ck_assert_ptr_nonnull(err.data);
    ck_assert_msg(strstr(err.data, "/missing/state.json: creating a temporary file failed: "), "%s",
                  err.data);
    buf_free(&err);
    /* Renaming onto a directory fails after the write: the temporary file goes away. */
    char *blocked = support_path(base, "blocked");
    ck_assert_int_eq(fsutil_make_dirs(blocked, 0700, &err), 0);
    char *sub = support_path(blocked, "taken");
    ck_assert_int_eq(fsutil_make_dirs(sub, 0700, &err), 0);
    ck_assert_int_eq(fsutil_write_atomic(blocked, "taken", "x", 1, 0600, &err), -1);
    ck_assert_msg(strstr(err.data, "renaming the temporary file into place failed"), "%s",
                  err.data);
    ck_assert_int_eq(entries(blocked), 1);
    ck_assert_int_eq(fsutil_write_atomic(dir, "x", "x", 1, 0600, NULL), -1); /* NULL err */
    buf_free(&err);
    free(sub);
    free(blocked);
    free(dir);
}
END_TEST

START_TEST(test_make_dirs)
{
    char *deep = support_path(base, "a/b/c/");
    struct buf err = BUF_INIT;
    ck_assert_int_eq(fsutil_make_dirs(deep, 0700, &err), 0);
    ck_assert_int_eq(fsutil_make_dirs(deep, 0700, &err), 0); /* existing: fine */
    struct stat st;
    ck_assert_int_eq(stat(deep, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    char *dir = support_path(base, "f");
    ck_assert_int_eq(fsutil_make_dirs(dir, 0700, &err), 0);
    ck_assert_int_eq(fsutil_write_atomic(dir, "file", "x", 1, 0600, &err), 0);
    char *under_file = support_path(dir, "file/sub");
    ck_assert_int_eq(fsutil_make_dirs(under_file, 0700, &err), -1);
    ck_assert_msg(strstr(err.data, "/f/file/sub: cannot create directory"), "%s", err.data);
    buf_free(&err);
    char *file = support_path(dir, "file");
    ck_assert_int_eq(fsutil_make_dirs(file, 0700, &err), -1);
    ck_assert_msg(strstr(err.data, "not a directory"), "%s", err.data);
    buf_free(&err);
    ck_assert_int_eq(fsutil_make_dirs("", 0700, &err), -1);
    buf_free(&err);
    free(file);
    free(under_file);
    free(dir);
    free(deep);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("fsutil");
    TCase *tc = tcase_create("fsutil");
    tcase_add_test(tc, test_write_and_replace);
    tcase_add_test(tc, test_write_failure_names_file_and_step);
    tcase_add_test(tc, test_make_dirs);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run_in(suite(), base);
}
