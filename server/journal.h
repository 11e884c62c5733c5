/* journal: the last N ZAPI exchanges of each client, as Zaui's admin screen shows them ("the last
 * 20 ZAPI requests and responses from this client"). Pure logic: no sockets, no clock; the caller
 * passes everything in, and the admin API gets the entries back as jansson values.
 *
 * Keys are client tokens, or JOURNAL_ANONYMOUS for requests without a valid token; a NULL key
 * means JOURNAL_ANONYMOUS everywhere but in journal_clear(). Each key keeps its last per_client
 * entries in a ring (the oldest is overwritten) and counts every request ever recorded. Memory is
 * bounded: at most max_keys keys, per_client entries each, bodies cut at max_body bytes, peer and
 * method at 255 bytes. A cut never splits a well-formed UTF-8 character (it backs off up to 3
 * bytes instead).
 *
 * Secrets: a request that may hold one is masked, on what the server understood of it (mask.h:
 * parsed, masked in the tree, written back), then cut; one that cannot is kept as sent. A
 * request of at most max_body bytes is masked when its entry is first read (journal_json,
 * journal_render), under the lock, and its bytes as sent are wiped then; a longer one before it
 * is stored. Either way every reader sees the masked text only. Responses are kept verbatim.
 *
 * Bodies are raw bytes and may hold NULs or invalid UTF-8; the JSON export always yields valid
 * JSON strings: NUL becomes \u0000, and each byte not part of well-formed UTF-8 becomes U+FFFD.
 *
 * Thread safety: every function but journal_free() may be called from any thread; the state is
 * guarded by a mutex inside struct journal. There is no global state.
 */
#ifndef ZAPI_JOURNAL_H
#define ZAPI_JOURNAL_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

#define JOURNAL_DEFAULT_SIZE 20              /* exchanges kept per client */
#define JOURNAL_DEFAULT_MAX_BODY (16 * 1024) /* bytes kept of each body */
#define JOURNAL_DEFAULT_MAX_CLIENTS 4096     /* then the least recent client is forgotten */
#define JOURNAL_ANONYMOUS "anonymous"

/* One exchange, as the caller passes it in; the journal copies what it keeps. */
struct journal_entry {
    double time;        /* wall clock, seconds since the epoch */
    const char *peer;   /* "127.0.0.1:5555"; NULL = "" */
    const char *method; /* ZAPI method name or "-"; NULL = "-" */
    int status;         /* HTTP status */
    int zapi_error;     /* -1 = none */
    int method_error;   /* -1 = none */
    long latency_us;
    const char *request; /* raw bytes, may contain NULs or invalid UTF-8; NULL = empty */
    size_t request_len;
    const char *response; /* likewise */
    size_t response_len;
};

struct journal;

/* An item of journal_json(): {"time": ISO-8601 UTC with ms, e.g. "2024-05-01T12:00:00.250Z"
 * (null outside the years 1970-9999), "peer", "method", "status", "zapiError" (null when -1),
 * "methodError" (null when -1), "latencyUs", "request": string (masked), "requestTruncated":
 * bool (not all of it kept), "requestBytes": original length, "response", "responseTruncated",
 * "responseBytes"}. */

/* Creates a journal keeping per_client entries per key, max_body bytes of each body (0 keeps only
 * the lengths) and at most max_keys keys. NULL when per_client or max_keys is 0, or no memory. */
struct journal *journal_new(size_t per_client, size_t max_body, size_t max_keys);
/* Frees the journal and everything it holds. No other thread may be using it. NULL is a no-op. */
void journal_free(struct journal *j);
/* Copies e under key, cutting bodies at max_body (the request's secrets masked, see above). Returns
 * 0, or -1 (entry dropped) when key is new and max_keys keys exist already, or out of memory. */
int journal_record(struct journal *j, const char *key, const struct journal_entry *e);
/* Copies key's count of requests ever recorded (not only those kept) and the time of the latest
 * into total and last_time, either of which may be NULL. Returns 0, or -1 for an unknown key. */
int journal_stats(struct journal *j, const char *key, unsigned long *total, double *last_time);
/* The kept entries of key as a JSON array, newest first ([] for an unknown key; NULL when out of
 * memory). Items are described above journal_new(). */
json_t *journal_json(struct journal *j, const char *key);
/* journal_json(j, key) as text, appended to out: what json_dumps writes with JSON_INDENT(2) for
 * the value of a member of a top-level object (items indented 4). Each entry is written once in
 * its life, when first asked for, and kept with it: serving a large journal again costs a copy,
 * not a render, even while new requests come in. Returns 0, or -1 when out of memory. */
int journal_render(struct journal *j, const char *key, struct buf *out);
/* Keys with at least one recorded request as a JSON array of strings sorted by strcmp (NULL when
 * out of memory). */
json_t *journal_keys_json(struct journal *j);
/* Forgets key with its entries and total, freeing its place under max_keys; NULL: every key. */
void journal_clear(struct journal *j, const char *key);
#endif
