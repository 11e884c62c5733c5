/* Runs a fuzz target without libFuzzer: calls LLVMFuzzerInitialize once, then
 * LLVMFuzzerTestOneInput on every file named on the command line and on every file of every
 * directory named (in name order; names starting with '.' are skipped; a missing directory is
 * only noted). Each input gets a buffer of exactly its size, so sanitizers see overreads. A
 * broken invariant or a sanitizer report aborts, which fails the ctest. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    unsigned char *data = malloc(cap);
    size_t n;
    while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            unsigned char *p = realloc(data, cap *= 2);
            if (!p)
                free(data);
            data = p;
        }
    }
    int bad = !data || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(data);
        return -1;
    }
    /* An exact-size copy: a read past the end is a heap overflow, not a read of slack. */
    unsigned char *exact = malloc(len ? len : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    memcpy(exact, data, len);
    free(data);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, or -1 on an unreadable file. */
static int
run_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s (skipped)\n", path, strerror(errno));
        return 0;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof(*p));
            if (!p)
                abort();
            names = p;
        }
        names[count] = strdup(de->d_name);
        if (!names[count])
            abort();
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof(*names), by_name);
    int ran = 0;
    for (size_t i = 0; i < count; i++) {
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, names[i]);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            if (ran >= 0 && run_file(full) < 0)
                ran = -1;
            else if (ran >= 0)
                ran++;
        }
        free(names[i]);
    }
    free(names);
    return ran;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    int total = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            n = run_dir(argv[i]);
        } else if (stat(argv[i], &st) == 0) {
            n = run_file(argv[i]) < 0 ? -1 : 1;
        } else {
            fprintf(stderr, "replay: %s: %s (skipped)\n", argv[i], strerror(errno));
            n = 0;
        }
        if (n < 0)
            failed = 1;
        else
            total += n;
    }
    fprintf(stderr, "replay: %d input(s) ran without a finding\n", total);
    return failed ? 1 : 0;
}
