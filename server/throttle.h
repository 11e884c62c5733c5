/* throttle: per-client rate limiting, pure logic. No sockets and no clock: every call that needs
 * the time takes `now` (monotonic seconds) from the caller, so all of it is unit-testable.
 *
 * Rules, in order of precedence (the first that fires decides; the later ones are not consulted
 * for throttling):
 *   1. forced  - an operator forced throttling of one key or of every key (global), for T seconds
 *                or until lifted. Wait: the remaining time, or 1.0 when forced indefinitely.
 *   2. every-N - with `every` = N > 0, requests N, 2N, 3N... of a key are throttled. The count
 *                covers every request of the key that reaches this rule (so not the forced ones),
 *                admitted or throttled; it restarts whenever `every` changes. Wait: 0, unless
 *                the limit would also throttle the request, then the limit's wait.
 *   3. limit   - at most `limit` admitted requests per key in any `window` seconds, counted exactly
 *                with a sliding log of admission times. The window is half-open, (now - window,
 *                now]: a request admitted at t0 stops counting at exactly t0 + window. Wait: the
 *                exact time until enough of the logged admissions leave the window.
 * Only admitted requests are logged: a request throttled by any rule does not extend the wait.
 *
 * Keys (client tokens) live in a table capped at max_keys. A key idle for at least its window
 * (so its log is entirely expired) may be evicted to make room; when none is, a new key is not
 * tracked and is admitted with `untracked` set (forcing still applies to it).
 *
 * Time: `now` must be finite and should not run backwards. Per key, a `now` earlier than the
 * key's previous request is treated as that previous time, so the log stays sorted when threads
 * race between reading the clock and calling in.
 *
 * Thread safety: every function but throttle_free() may be called from any thread; the state is
 * guarded by a mutex inside struct throttle. There is no global state.
 */
#ifndef ZAPI_THROTTLE_H
#define ZAPI_THROTTLE_H

#include <stddef.h>

#define THROTTLE_MAX_LIMIT 100000u
#define THROTTLE_DEFAULT_WINDOW 60.0
#define THROTTLE_DEFAULT_MAX_KEYS 10000u
/* Size of throttle_force_info.key, including the NUL. */
#define THROTTLE_FORCE_KEY_MAX 128

struct throttle;

struct throttle_settings {
    unsigned limit; /* admitted requests per window and key; 0 = limiting off */
    double window;  /* seconds, finite and > 0 */
    unsigned every; /* throttle each Nth request of a key; 0 = off */
};

enum throttle_rule { THROTTLE_NONE, THROTTLE_LIMIT, THROTTLE_EVERY, THROTTLE_FORCED };

struct throttle_decision {
    int throttled;           /* 1 = refuse the request */
    enum throttle_rule rule; /* the rule that throttled it, THROTTLE_NONE when admitted */
    double wait;             /* seconds the client should wait before retrying (0 = unknown) */
    unsigned remaining;      /* admissions left in the window after this call; 0 when the limit
                              * is off or the key is untracked */
    int untracked;           /* 1 = the key could not be tracked (table full): counters skipped */
    unsigned limit;          /* the limit applied to this call (override or global), 0 = off */
    double window;           /* the window applied to this call */
};

struct throttle_force_info {
    char key[THROTTLE_FORCE_KEY_MAX]; /* the forced key, truncated; "" for the global force */
    int global;                       /* 1 = forced for every key */
    double remaining;                 /* seconds left; < 0 = until lifted */
};

struct throttle_key_stats {
    unsigned long admitted, throttled;
};

/* Creates a throttle with the given settings (NULL = limit 0, window 60, every 0) tracking at
 * most max_keys keys (0 = THROTTLE_DEFAULT_MAX_KEYS). NULL on invalid settings or no memory. */
struct throttle *throttle_new(const struct throttle_settings *initial, size_t max_keys);
/* Frees the throttle and everything it holds. No other thread may be using it. NULL is a no-op. */
void throttle_free(struct throttle *t);
/* Replaces the global settings. Existing logs keep counting under the new limit and window.
 * Returns 0, or -1 (nothing changed) when window is not finite and > 0 or limit > 100000. */
int throttle_configure(struct throttle *t, const struct throttle_settings *s);
/* Copies the current global settings into out. */
void throttle_settings_get(struct throttle *t, struct throttle_settings *out);
/* Forces throttling of key (NULL = every key) from now for seconds (0 = until lifted); forcing
 * an already forced key replaces its deadline. Returns 0, or -1 when seconds is negative or not
 * finite, or when max_keys keys are already forced, or out of memory. */
int throttle_force(struct throttle *t, const char *key, double now, double seconds);
/* Lifts the force on key; NULL lifts every force, global and per key. */
void throttle_lift(struct throttle *t, const char *key);
/* Lists the forces still active at now, the global one first, into out (at most max entries).
 * Returns the number of active forces, which may exceed max. Drops expired forces. */
size_t throttle_forces(struct throttle *t, double now, struct throttle_force_info *out, size_t max);
/* Copies key's counters of admitted and throttled requests into out. Returns 0, or -1 when the
 * key is not tracked (never seen, evicted or reset). */
int throttle_key_stats(struct throttle *t, const char *key, struct throttle_key_stats *out);
/* Decides whether the request of key (NULL = "") arriving at now is throttled, records it, and
 * fills out. override_limit (when > 0, capped at THROTTLE_MAX_LIMIT) and override_window (when
 * finite and > 0), e.g. a partner's own limit, replace the global ones for this call. */
void throttle_check(struct throttle *t, const char *key, unsigned override_limit,
                    double override_window, double now, struct throttle_decision *out);
/* Forgets every key with its log and counters; settings and forces are kept. */
void throttle_reset(struct throttle *t);

#endif
