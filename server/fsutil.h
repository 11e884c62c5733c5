/* fsutil: files replaced whole or not at all, and directories made with their parents. For the
 * files the mock writes itself: the generated certificates and keys (certgen) and the partners
 * created at run time (contacts). */
#ifndef ZAPI_FSUTIL_H
#define ZAPI_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* The temporary file of a write in progress: dir/FSUTIL_TMP_PREFIX + FSUTIL_TMP_RANDOM_LEN
 * random characters + "-" + name. It keeps name's ending, so a leftover of a crash still matches
 * the ignore rules for name (a private key "*.pem" cannot be committed by accident). */
#define FSUTIL_TMP_PREFIX ".tmp-"
#define FSUTIL_TMP_RANDOM_LEN 6

/* Replaces dir/name with len bytes of data and gives it mode (the umask does not decide): written
 * to a temporary file in dir, flushed to disk, renamed over name, then the directory flushed. A
 * reader sees the old file or the new one, never half of one; so does whoever looks after a
 * crash. Returns 0, or -1 with "dir/name: step failed: reason" in err (err may be NULL). */
int fsutil_write_atomic(const char *dir, const char *name, const void *data, size_t len,
                        mode_t mode, struct buf *err);
/* mkdir -p: creates dir and missing parents with mode; an existing directory is fine. Returns
 * 0, or -1 with "path: reason" in err. */
int fsutil_make_dirs(const char *dir, mode_t mode, struct buf *err);

#endif
