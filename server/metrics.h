/* metrics: the counters behind GET /__admin/metrics and their rendering in the Prometheus text
 * exposition format, version 0.0.4. Pure logic: no sockets and no clock; the caller supplies
 * latencies and the time-based gauges.
 *
 * Label values: method, rule and reason strings are cut to METRICS_LABEL_MAX bytes (at a UTF-8
 * character boundary); invalid UTF-8 and control characters other than newline become '?';
 * backslash, double quote and newline are escaped when rendered. NULL is taken as "-". Strings
 * that are equal after this count as one label value.
 *
 * Bounds, so clients cannot grow the memory without limit:
 *   - requests_total keeps at most max_series (method, status, zapi_error, method_error) series.
 *     A request of a new combination beyond that counts under method="other" with its own
 *     status and error labels; that "other" series is created even past the cap, so the total
 *     may exceed max_series by the number of distinct (status, zapi_error, method_error) sets
 *     that overflow, which the server (not the client) chooses from a small set.
 *   - throttled_total and refused_total keep at most METRICS_MAX_REASONS label values each; the
 *     rest count under "other" (which may be one more).
 *
 * Rendering is deterministic: families in a fixed order, series sorted by their labels (bytewise
 * for strings, numerically for codes). Families with no series still get their HELP and TYPE.
 *
 * Thread safety: every function but metrics_free() may be called from any thread; the state is
 * guarded by a mutex inside struct metrics. There is no global state.
 */
#ifndef ZAPI_METRICS_H
#define ZAPI_METRICS_H

#include <stddef.h>

#include "buf.h"

/* Longest label value kept, in bytes before escaping. */
#define METRICS_LABEL_MAX 64
/* Distinct throttle rules, and distinct refusal reasons, kept before "other". */
#define METRICS_MAX_REASONS 16
/* requests_total series kept when metrics_new() is given 0. */
#define METRICS_DEFAULT_MAX_SERIES 1000

struct metrics;

/* Creates the counters, all zero. max_series bounds the (method, status, error) combinations
 * kept (0 = METRICS_DEFAULT_MAX_SERIES); the rest count under method="other". NULL = no memory. */
struct metrics *metrics_new(size_t max_series);
/* Frees m and everything it holds. No other thread may be using it. NULL is a no-op. */
void metrics_free(struct metrics *m);
/* One answered HTTP request. method: ZAPI method name, "admin", or "-" (no method: HTTP errors,
 * unparsable bodies). zapi_error: the <error> code or -1. method_error: methodErrorCode or -1
 * (any negative code renders as ""). latency_us: time to answer; negative counts as 0. */
void metrics_request(struct metrics *m, const char *method, int status, int zapi_error,
                     int method_error, long latency_us);
/* One request refused by throttling rule: "limit", "every" or "forced" (each rendered from 0). */
void metrics_throttled(struct metrics *m, const char *rule);
/* One finished TLS handshake; resumed counts toward tls_resumed_total only when ok. */
void metrics_handshake(struct metrics *m, int ok, int resumed);
/* Connection opened (+1) or closed (-1); positive deltas also add to connections_total. */
void metrics_connection(struct metrics *m, int delta);
/* One connection or request refused for reason, e.g. "max_connections", "timeout", "too_large". */
void metrics_refused(struct metrics *m, const char *reason);
/* One fixture reload, successful (ok != 0) or failed. */
void metrics_reload(struct metrics *m, int ok);
/* Appends the exposition text to out. uptime_seconds and fixtures_loaded_at (unix time) are
 * gauges supplied by the caller. Returns 0, or -1 when out of memory (out is left as it was). */
int metrics_render(struct metrics *m, double uptime_seconds, double fixtures_loaded_at,
                   struct buf *out);

#endif
