#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define WATCH_MASK                                                                                 \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF |       \
     IN_ATTRIB)

struct watch {
    char *dir;
    int fd;
    struct event *ev;
    struct event *settle;
    struct timeval settle_tv;
    watch_fn fn;
    void *arg;
};

/* Adds watches on dir and its subdirectories. Watching a directory already watched is a no-op
 * for inotify, so this also serves to catch up after directories were created or replaced: a
 * removed directory's watch goes away with it, and the new one must be watched anew. With err
 * NULL (catching up), failures are skipped: a directory may vanish while it is listed. */
static int
add_tree(int fd, const char *dir, struct buf *err)
{
    if (inotify_add_watch(fd, dir, WATCH_MASK) < 0 && err) {
        buf_printf(err, "watching %s: %s", dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        struct buf sub = BUF_INIT;
        buf_printf(&sub, "%s/%s", dir, de->d_name);
        int rc = inotify_add_watch(fd, sub.data, WATCH_MASK);
        buf_free(&sub);
        if (rc < 0 && err) {
            buf_printf(err, "watching %s/%s: %s", dir, de->d_name, strerror(errno));
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

/* Whether the events read include a directory appearing (created, or moved in). */
static int
has_new_dir(const char *events, ssize_t len)
{
    for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= len;) {
        const struct inotify_event *ev = (const struct inotify_event *)(events + off);
        if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
            return 1;
        off += (ssize_t)(sizeof(*ev) + ev->len);
    }
    return 0;
}

static void
on_settled(evutil_socket_t fd, short what, void *arg)
{
    struct watch *w = arg;
    (void)fd;
    (void)what;
    add_tree(w->fd, w->dir, NULL); /* anything the event burst left unwatched */
    w->fn(w->arg);
}

/* Every change re-arms the settle timer: an editor's burst of writes gives one reload. */
static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
    struct watch *w = arg;
    char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    (void)what;
    ssize_t n;
    int new_dir = 0;
    while ((n = read(fd, events, sizeof(events))) > 0)
        new_dir |= has_new_dir(events, n);
    /* At once, not when things settle: files copied into the new directory meanwhile must be
     * seen (the reload after the settle reads whatever is there by then). */
    if (new_dir)
        add_tree(w->fd, w->dir, NULL);
    evtimer_add(w->settle, &w->settle_tv);
}

struct watch *
watch_new(struct event_base *base, const char *dir, double settle_seconds, watch_fn fn, void *arg,
          struct buf *err)
{
    struct watch *w = calloc(1, sizeof(*w));
    if (!w) {
        buf_printf(err, "out of memory");
        return NULL;
    }
    w->fn = fn;
    w->arg = arg;
    w->dir = strdup(dir);
    w->fd = -1;
    if (!w->dir) {
        buf_printf(err, "out of memory");
        free(w);
        return NULL;
    }
    w->settle_tv.tv_sec = (time_t)settle_seconds;
    w->settle_tv.tv_usec = (suseconds_t)((settle_seconds - (double)w->settle_tv.tv_sec) * 1e6);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        buf_printf(err, "inotify: %s", strerror(errno));
        free(w->dir);
        free(w);
        return NULL;
    }
    w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST, on_inotify, w);
    w->settle = evtimer_new(base, on_settled, w);
    if (!w->ev || !w->settle || add_tree(w->fd, dir, err) < 0 || event_add(w->ev, NULL) < 0) {
        if (!err->len)
            buf_printf(err, "cannot watch %s", dir);
        watch_free(w);
        return NULL;
    }
    return w;
}

void
watch_free(struct watch *w)
{
    if (!w)
        return;
    if (w->ev)
        event_free(w->ev);
    if (w->settle)
        event_free(w->settle);
    close(w->fd);
    free(w->dir);
    free(w);
}
