#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
fail(struct buf *err, const char *dir, const char *name, const char *step, int errnum)
{
    if (err)
        buf_printf(err, "%s/%s: %s failed: %s", dir, name, step, strerror(errnum));
}

/* Losing the rename to a crash is harmless (the old file stays), so a directory that cannot be
 * flushed is not an error. */
static void
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int
fsutil_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                    struct buf *err)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    int m = snprintf(tmp, sizeof(tmp), "%s/" FSUTIL_TMP_PREFIX "XXXXXX-%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || m < 0 || (size_t)m >= sizeof(tmp)) {
        fail(err, dir, name, "making the path", ENAMETOOLONG);
        return -1;
    }
    const char *step = "creating a temporary file";
    int fd = mkostemps(tmp, (int)strlen(name) + 1, O_CLOEXEC);
    if (fd < 0) {
        fail(err, dir, name, step, errno);
        return -1;
    }
    if (fchmod(fd, mode) != 0)
        step = "setting the file mode";
    else if (write_all(fd, data, len) != 0)
        step = "writing";
    else if (fsync(fd) != 0)
        step = "flushing to disk";
    else
        step = NULL;
    int saved = errno;
    if (close(fd) != 0 && !step) {
        step = "closing";
        saved = errno;
    }
    if (!step && rename(tmp, path) != 0) {
        step = "renaming the temporary file into place";
        saved = errno;
    }
    if (step) {
        unlink(tmp);
        fail(err, dir, name, step, saved);
        return -1;
    }
    sync_dir(dir);
    return 0;
}

int
fsutil_make_dirs(const char *dir, mode_t mode, struct buf *err)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    struct stat st;
    if (len == 0 || len >= sizeof(path)) {
        buf_printf(err, "%s: invalid directory path", dir);
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        /* An existing entry is fine here (some systems say EACCES or EROFS rather than EEXIST
         * for one); whether it is a usable directory shows in the next mkdir or the final stat. */
        if (mkdir(path, mode) != 0 && errno != EEXIST) {
            int mkdir_errno = errno;
            if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
                buf_printf(err, "%s: cannot create directory: %s", path, strerror(mkdir_errno));
                return -1;
            }
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (stat(path, &st) != 0) {
        buf_printf(err, "%s: cannot access directory: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        buf_printf(err, "%s: not a directory", path);
        return -1;
    }
    return 0;
}
