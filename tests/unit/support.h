/* Helpers shared by the Check unit tests in tests/unit: running a suite, scratch directories, a
 * copy of the repository's fixtures/ and small file writes. Compiled into every unit test
 * executable (tests/CMakeLists.txt, object library unit_support). Helpers that can only be
 * called from inside a test fail it with ck_assert_msg; the others return an error. */
#ifndef ZAPI_TESTS_UNIT_SUPPORT_H
#define ZAPI_TESTS_UNIT_SUPPORT_H

#include <check.h>

/* Runs every test of s with CK_NORMAL output and frees the runner. Returns EXIT_SUCCESS when no
 * test failed, EXIT_FAILURE otherwise, ready to be returned from main. */
int support_run(Suite *s);
/* support_run for suites that write files: makes the directory base (a mkdtemp template, changed
 * in place) first and removes it afterwards. */
int support_run_in(Suite *s, char *base);

/* Removes path and everything beneath it (depth first, symbolic links not followed). Returns 0,
 * or -1 when nftw could not walk the tree or an entry could not be removed. */
int support_remove_tree(const char *path);

/* The source tree: $ZAPI_SOURCE_DIR when set and non-empty, "." otherwise. */
const char *support_source_dir(void);

/* "<source dir>/fixtures" in a malloc'd string (caller frees). */
char *support_repo_fixtures(void);

/* "dir/rel" in a malloc'd string (caller frees). */
char *support_path(const char *dir, const char *rel);

/* Copies the regular files and directories beneath from into the existing directory to ("." and
 * ".." skipped; new directories get mode 0700). Fails the test on any error. */
void support_copy_tree(const char *from, const char *to);

/* Creates a fresh directory base/set-XXXXXX holding a copy of the repository's fixtures and
 * returns its path (caller frees). Fails the test on any error. */
char *support_scratch_set(const char *base);

struct fixture_set;
/* Loads the fixture set in dir as the server does (zapi_load_fixtures); fails the test with the
 * loader's message when it does not load. */
struct fixture_set *support_load_set(const char *dir);

/* Writes content to dir/rel, creating or truncating it. Fails the test when the file cannot be
 * opened. Returns 0, or -1 when writing the content failed. When path is not NULL, *path gets the
 * file's malloc'd path (caller frees). */
int support_write_in(const char *dir, const char *rel, const char *content, char **path);

#endif
