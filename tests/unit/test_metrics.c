/* Unit tests for metrics: exact counts, the histogram's buckets and boundaries, label escaping and
 * bounds, and the syntax of the exposition text. Latencies are whole microseconds, so every
 * expected value is exact. */
#include "metrics.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

#define UPTIME 3600.5
#define LOADED_AT 1712345678.0

static struct metrics *
mk(size_t max_series)
{
    struct metrics *m = metrics_new(max_series);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Renders m with fixed gauges into a string the caller frees. */
static char *
render(struct metrics *m)
{
    struct buf b = BUF_INIT;
    ck_assert_int_eq(metrics_render(m, UPTIME, LOADED_AT, &b), 0);
    ck_assert_ptr_nonnull(b.data);
    return b.data;
}

/* 1 when text has line as a whole line. */
static int
has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
            return 1;
    return 0;
}

/* Lines starting with prefix. */
static int
count_prefixed(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, len) == 0)
            n++;
    return n;
}

/* Sum of the values of the sample lines starting with prefix (the value follows the last space). */
static unsigned long long
sum_prefixed(const char *text, const char *prefix)
{
    unsigned long long sum = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, prefix, len) != 0)
            continue;
        const char *end = strchr(p, '\n');
        const char *sp = end ? end : p + strlen(p);
        while (sp > p && *sp != ' ')
            sp--;
        sum += strtoull(sp + 1, NULL, 10);
    }
    return sum;
}

/* The value of the sample whose name and labels are exactly series; asserts it exists. */
static double
value_of(const char *text, const char *series)
{
    size_t len = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, len) == 0 && p[len] == ' ')
            return strtod(p + len + 1, NULL);
    ck_abort_msg("no sample %s in\n%s", series, text);
    return NAN;
}

static void
assert_value(const char *text, const char *series, double want)
{
    ck_assert_double_eq(value_of(text, series), want);
}

/* ---- families ---- */

START_TEST(test_families_help_type)
{
    static const struct {
        const char *name, *type;
    } fam[] = {
        {"zapi_mock_requests_total", "counter"},
        {"zapi_mock_throttled_total", "counter"},
        {"zapi_mock_tls_handshakes_total", "counter"},
        {"zapi_mock_tls_resumed_total", "counter"},
        {"zapi_mock_connections_open", "gauge"},
        {"zapi_mock_connections_total", "counter"},
        {"zapi_mock_refused_total", "counter"},
        {"zapi_mock_reloads_total", "counter"},
        {"zapi_mock_request_duration_seconds", "histogram"},
        {"zapi_mock_uptime_seconds", "gauge"},
        {"zapi_mock_fixtures_loaded_timestamp_seconds", "gauge"},
    };
    struct metrics *m = mk(10);
    char *text = render(m);
    for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
        char help[160], type[160];
        snprintf(help, sizeof(help), "# HELP %s ", fam[i].name);
        ck_assert_msg(count_prefixed(text, help) == 1, "HELP of %s", fam[i].name);
        snprintf(type, sizeof(type), "# TYPE %s %s", fam[i].name, fam[i].type);
        ck_assert_msg(has_line(text, type), "TYPE of %s", fam[i].name);
        /* TYPE right after HELP, before any sample of the family */
        const char *next = strchr(strstr(text, help), '\n') + 1;
        ck_assert_int_eq(strncmp(next, type, strlen(type)), 0);
    }
    ck_assert_int_eq(count_prefixed(text, "# HELP "), 11);
    ck_assert_int_eq(count_prefixed(text, "# TYPE "), 11);
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_initial_values)
{
    struct metrics *m = mk(10);
    char *text = render(m);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{"), 0);
    assert_value(text, "zapi_mock_throttled_total{rule=\"every\"}", 0);
    assert_value(text, "zapi_mock_throttled_total{rule=\"forced\"}", 0);
    assert_value(text, "zapi_mock_throttled_total{rule=\"limit\"}", 0);
    assert_value(text, "zapi_mock_tls_handshakes_total{result=\"ok\"}", 0);
    assert_value(text, "zapi_mock_tls_handshakes_total{result=\"failed\"}", 0);
    assert_value(text, "zapi_mock_tls_resumed_total", 0);
    assert_value(text, "zapi_mock_connections_open", 0);
    assert_value(text, "zapi_mock_connections_total", 0);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_refused_total{"), 0);
    assert_value(text, "zapi_mock_reloads_total{result=\"ok\"}", 0);
    assert_value(text, "zapi_mock_reloads_total{result=\"failed\"}", 0);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_request_duration_seconds_bucket{"), 13);
    ck_assert(has_line(text, "zapi_mock_request_duration_seconds_sum 0"));
    ck_assert(has_line(text, "zapi_mock_request_duration_seconds_count 0"));
    assert_value(text, "zapi_mock_uptime_seconds", UPTIME);
    assert_value(text, "zapi_mock_fixtures_loaded_timestamp_seconds", LOADED_AT);
    free(text);
    metrics_free(m);
}
END_TEST

/* The whole text after a known sequence: counts, order and format at once. */
START_TEST(test_known_sequence)
{
    static const char want[] =
        "# HELP zapi_mock_requests_total HTTP requests answered, by ZAPI method, HTTP status and "
        "ZAPI error codes (method \"other\": past the series cap).\n"
        "# TYPE zapi_mock_requests_total counter\n"
        "zapi_mock_requests_total{method=\"-\",status=\"400\",zapi_error=\"\","
        "method_error=\"\"} 1\n"
        "zapi_mock_requests_total{method=\"BookActivity\",status=\"200\",zapi_error=\"\","
        "method_error=\"3\"} 1\n"
        "zapi_mock_requests_total{method=\"GetAgents\",status=\"200\",zapi_error=\"\","
        "method_error=\"\"} 2\n"
        "zapi_mock_requests_total{method=\"GetAgents\",status=\"200\",zapi_error=\"1002\","
        "method_error=\"\"} 1\n"
        "zapi_mock_requests_total{method=\"GetAgents\",status=\"500\",zapi_error=\"\","
        "method_error=\"\"} 1\n"
        "zapi_mock_requests_total{method=\"admin\",status=\"200\",zapi_error=\"\","
        "method_error=\"\"} 1\n"
        "# HELP zapi_mock_throttled_total Requests refused by throttling, by rule.\n"
        "# TYPE zapi_mock_throttled_total counter\n"
        "zapi_mock_throttled_total{rule=\"every\"} 0\n"
        "zapi_mock_throttled_total{rule=\"forced\"} 1\n"
        "zapi_mock_throttled_total{rule=\"limit\"} 2\n"
        "# HELP zapi_mock_tls_handshakes_total TLS handshakes finished, by result.\n"
        "# TYPE zapi_mock_tls_handshakes_total counter\n"
        "zapi_mock_tls_handshakes_total{result=\"failed\"} 1\n"
        "zapi_mock_tls_handshakes_total{result=\"ok\"} 2\n"
        "# HELP zapi_mock_tls_resumed_total Successful TLS handshakes that resumed a session.\n"
        "# TYPE zapi_mock_tls_resumed_total counter\n"
        "zapi_mock_tls_resumed_total 1\n"
        "# HELP zapi_mock_connections_open Connections open now.\n"
        "# TYPE zapi_mock_connections_open gauge\n"
        "zapi_mock_connections_open 2\n"
        "# HELP zapi_mock_connections_total Connections opened.\n"
        "# TYPE zapi_mock_connections_total counter\n"
        "zapi_mock_connections_total 3\n"
        "# HELP zapi_mock_refused_total Connections or requests refused, by reason.\n"
        "# TYPE zapi_mock_refused_total counter\n"
        "zapi_mock_refused_total{reason=\"max_connections\"} 1\n"
        "zapi_mock_refused_total{reason=\"timeout\"} 2\n"
        "# HELP zapi_mock_reloads_total Fixture reloads, by result.\n"
        "# TYPE zapi_mock_reloads_total counter\n"
        "zapi_mock_reloads_total{result=\"failed\"} 1\n"
        "zapi_mock_reloads_total{result=\"ok\"} 1\n"
        "# HELP zapi_mock_request_duration_seconds Time to answer a request, in seconds.\n"
        "# TYPE zapi_mock_request_duration_seconds histogram\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.0001\"} 2\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.00025\"} 2\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.0005\"} 2\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.001\"} 3\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.0025\"} 4\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.005\"} 5\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.01\"} 5\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.025\"} 5\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.05\"} 5\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.1\"} 5\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"0.25\"} 5\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"1\"} 6\n"
        "zapi_mock_request_duration_seconds_bucket{le=\"+Inf\"} 7\n"
        "zapi_mock_request_duration_seconds_sum 2.30715\n"
        "zapi_mock_request_duration_seconds_count 7\n"
        "# HELP zapi_mock_uptime_seconds Seconds since the server started.\n"
        "# TYPE zapi_mock_uptime_seconds gauge\n"
        "zapi_mock_uptime_seconds 3600.5\n"
        "# HELP zapi_mock_fixtures_loaded_timestamp_seconds Unix time the fixtures were last "
        "loaded.\n"
        "# TYPE zapi_mock_fixtures_loaded_timestamp_seconds gauge\n"
        "zapi_mock_fixtures_loaded_timestamp_seconds 1712345678\n";

    struct metrics *m = mk(100);
    metrics_request(m, "GetAgents", 200, -1, -1, 800);
    metrics_request(m, "GetAgents", 200, -1, -1, 1200);
    metrics_request(m, "BookActivity", 200, -1, 3, 5000);
    metrics_request(m, "-", 400, -1, -1, 50);
    metrics_request(m, "admin", 200, -1, -1, 100);
    metrics_request(m, "GetAgents", 200, 1002, -1, 300000);
    metrics_request(m, "GetAgents", 500, -1, -1, 2000000);
    metrics_throttled(m, "limit");
    metrics_throttled(m, "forced");
    metrics_throttled(m, "limit");
    metrics_handshake(m, 1, 0);
    metrics_handshake(m, 1, 1);
    metrics_handshake(m, 0, 1); /* a failed handshake resumed nothing */
    metrics_connection(m, 1);
    metrics_connection(m, 1);
    metrics_connection(m, -1);
    metrics_connection(m, 1);
    metrics_refused(m, "timeout");
    metrics_refused(m, "max_connections");
    metrics_refused(m, "timeout");
    metrics_reload(m, 1);
    metrics_reload(m, 0);
    char *text = render(m);
    ck_assert_str_eq(text, want);
    free(text);
    metrics_free(m);
}
END_TEST

/* ---- histogram ---- */

static const long bound_us[] = {100,   250,   500,   1000,   2500,   5000,
                                10000, 25000, 50000, 100000, 250000, 1000000};
#define NBOUND ((int)(sizeof(bound_us) / sizeof(bound_us[0])))

/* The cumulative value of the bucket with upper bound le ("+Inf" for the last). */
static unsigned long long
bucket(const char *text, const char *le)
{
    char series[96];
    snprintf(series, sizeof(series), "zapi_mock_request_duration_seconds_bucket{le=\"%s\"}", le);
    return (unsigned long long)value_of(text, series);
}

START_TEST(test_histogram_cumulative)
{
    static const long obs[] = {0,      50,      100,     101,     250,   999,
                               1000,   2500,    7000,    30000,   99999, 250000,
                               999999, 1000000, 1000001, 5000000, 42,    100000};
    const int nobs = (int)(sizeof(obs) / sizeof(obs[0]));
    struct metrics *m = mk(10);
    long long sum = 0;
    for (int i = 0; i < nobs; i++) {
        metrics_request(m, "GetAgents", 200, -1, -1, obs[i]);
        sum += obs[i];
    }
    char *text = render(m);

    /* Walk the bucket lines in order: cumulative, and each equal to an independent count. */
    unsigned long long prev = 0;
    int nbuckets = 0;
    const char *prefix = "zapi_mock_request_duration_seconds_bucket{le=\"";
    for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix)) {
        const char *le = p + strlen(prefix);
        unsigned long long v = strtoull(strchr(le, ' ') + 1, NULL, 10);
        ck_assert_uint_ge(v, prev);
        prev = v;
        double bound = strncmp(le, "+Inf", 4) == 0 ? INFINITY : strtod(le, NULL);
        unsigned long long want = 0;
        for (int i = 0; i < nobs; i++)
            if ((double)obs[i] / 1e6 <= bound)
                want++;
        ck_assert_uint_eq(v, want);
        nbuckets++;
    }
    ck_assert_int_eq(nbuckets, NBOUND + 1);
    ck_assert_uint_eq(prev, (unsigned long long)nobs);
    assert_value(text, "zapi_mock_request_duration_seconds_count", nobs);
    ck_assert_uint_eq(sum_prefixed(text, "zapi_mock_requests_total{"), (unsigned long long)nobs);
    char want_sum[64];
    snprintf(want_sum, sizeof(want_sum), "zapi_mock_request_duration_seconds_sum %lld.%06lld",
             sum / 1000000, sum % 1000000);
    while (want_sum[strlen(want_sum) - 1] == '0')
        want_sum[strlen(want_sum) - 1] = '\0';
    ck_assert(has_line(text, want_sum));
    ck_assert(has_line(text, "zapi_mock_request_duration_seconds_sum 8.492041"));
    free(text);
    metrics_free(m);
}
END_TEST

/* le means <=: a latency exactly on a bound falls in that bucket, one microsecond more does not. */
START_TEST(test_bucket_boundaries)
{
    static const char *le[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
                               "0.025",  "0.05",    "0.1",    "0.25",  "1",      "+Inf"};
    for (int b = 0; b < NBOUND; b++) {
        struct metrics *m = mk(10);
        metrics_request(m, "x", 200, -1, -1, bound_us[b]);
        char *text = render(m);
        if (b > 0)
            ck_assert_uint_eq(bucket(text, le[b - 1]), 0);
        ck_assert_uint_eq(bucket(text, le[b]), 1);
        free(text);

        metrics_request(m, "x", 200, -1, -1, bound_us[b] + 1);
        text = render(m);
        ck_assert_uint_eq(bucket(text, le[b]), 1);
        ck_assert_uint_eq(bucket(text, le[b + 1]), 2);
        free(text);
        metrics_free(m);
    }
}
END_TEST

START_TEST(test_latency_zero_negative_huge)
{
    struct metrics *m = mk(10);
    metrics_request(m, "x", 200, -1, -1, 0);
    metrics_request(m, "x", 200, -1, -1, -5000); /* a clock step: counts as 0 */
    metrics_request(m, "x", 200, -1, -1, 3600L * 1000000);
    char *text = render(m);
    ck_assert_uint_eq(bucket(text, "0.0001"), 2);
    ck_assert_uint_eq(bucket(text, "1"), 2);
    ck_assert_uint_eq(bucket(text, "+Inf"), 3);
    ck_assert(has_line(text, "zapi_mock_request_duration_seconds_sum 3600"));
    free(text);
    metrics_free(m);
}
END_TEST

/* ---- labels ---- */

START_TEST(test_label_escaping)
{
    struct metrics *m = mk(10);
    metrics_request(m, "a\"b\\c\nd", 200, -1, -1, 1);
    metrics_request(m, "tab\there\x7f", 200, -1, -1, 1);
    metrics_request(m, "bad\xff\xc0\xafutf8", 200, -1, -1, 1);
    metrics_request(m, "caf\xc3\xa9", 200, -1, -1, 1);
    metrics_request(m, NULL, 400, -1, -1, 1);
    metrics_refused(m, "say \"no\"\n");
    metrics_throttled(m, "back\\slash");
    char *text = render(m);
    ck_assert(has_line(text, "zapi_mock_requests_total{method=\"a\\\"b\\\\c\\nd\",status=\"200\","
                             "zapi_error=\"\",method_error=\"\"} 1"));
    ck_assert(has_line(text, "zapi_mock_requests_total{method=\"tab?here?\",status=\"200\","
                             "zapi_error=\"\",method_error=\"\"} 1"));
    ck_assert(has_line(text, "zapi_mock_requests_total{method=\"bad???utf8\",status=\"200\","
                             "zapi_error=\"\",method_error=\"\"} 1"));
    ck_assert(has_line(text, "zapi_mock_requests_total{method=\"caf\xc3\xa9\",status=\"200\","
                             "zapi_error=\"\",method_error=\"\"} 1"));
    ck_assert(has_line(text, "zapi_mock_requests_total{method=\"-\",status=\"400\","
                             "zapi_error=\"\",method_error=\"\"} 1"));
    ck_assert(has_line(text, "zapi_mock_refused_total{reason=\"say \\\"no\\\"\\n\"} 1"));
    ck_assert(has_line(text, "zapi_mock_throttled_total{rule=\"back\\\\slash\"} 1"));
    /* no raw newline escaped into a line of its own */
    ck_assert_int_eq(count_prefixed(text, "d\""), 0);
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_label_cut)
{
    char long_name[101], e_name[81], mixed[70];
    memset(long_name, 'x', 100);
    long_name[100] = '\0';
    for (int i = 0; i < 40; i++)
        memcpy(e_name + 2 * i, "\xc3\xa9", 2);
    e_name[80] = '\0';
    memset(mixed, 'a', 63);
    memcpy(mixed + 63, "\xc3\xa9", 3); /* the character would end at byte 65: dropped whole */

    struct metrics *m = mk(10);
    metrics_request(m, long_name, 200, -1, -1, 1);
    long_name[80] = 'y'; /* differs past the cut: the same series */
    metrics_request(m, long_name, 200, -1, -1, 1);
    metrics_request(m, e_name, 200, -1, -1, 1);
    metrics_request(m, mixed, 200, -1, -1, 1);
    char *text = render(m);

    char want[256];
    snprintf(want, sizeof(want),
             "zapi_mock_requests_total{method=\"%.64s\",status=\"200\",zapi_error=\"\","
             "method_error=\"\"} 2",
             long_name);
    ck_assert(has_line(text, want));
    snprintf(want, sizeof(want),
             "zapi_mock_requests_total{method=\"%.64s\",status=\"200\",zapi_error=\"\","
             "method_error=\"\"} 1",
             e_name);
    ck_assert(has_line(text, want));
    snprintf(want, sizeof(want),
             "zapi_mock_requests_total{method=\"%.63s\",status=\"200\",zapi_error=\"\","
             "method_error=\"\"} 1",
             mixed);
    ck_assert(has_line(text, want));
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{"), 3);
    free(text);
    metrics_free(m);
}
END_TEST

/* Escaping doubles the bytes of a 64-byte value of quotes, and the cut applies before it. */
START_TEST(test_label_cut_then_escape)
{
    char quotes[81];
    memset(quotes, '"', 80);
    quotes[80] = '\0';
    struct metrics *m = mk(10);
    metrics_refused(m, quotes);
    char *text = render(m);
    char want[200] = "zapi_mock_refused_total{reason=\"";
    for (int i = 0; i < 64; i++)
        strcat(want, "\\\"");
    strcat(want, "\"} 1");
    ck_assert(has_line(text, want));
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_negative_codes_share_series)
{
    struct metrics *m = mk(10);
    metrics_request(m, "x", 200, -1, -1, 1);
    metrics_request(m, "x", 200, -7, -2, 1);
    metrics_request(m, "x", 200, 0, 0, 1);
    char *text = render(m);
    assert_value(text,
                 "zapi_mock_requests_total{method=\"x\",status=\"200\",zapi_error=\"\","
                 "method_error=\"\"}",
                 2);
    assert_value(text,
                 "zapi_mock_requests_total{method=\"x\",status=\"200\",zapi_error=\"0\","
                 "method_error=\"0\"}",
                 1);
    free(text);
    metrics_free(m);
}
END_TEST

/* Series are told apart by their codes and method however the digits fall: codes and names that
 * would run together in a careless key ("200,1,23," vs "200,12,3,", a method starting with a
 * digit and a comma) each keep their own series, and each is found again. */
START_TEST(test_codes_keep_series_apart)
{
    struct metrics *m = mk(20);
    static const struct {
        const char *method;
        int status, zapi_error, method_error;
    } rows[] = {
        {"x", 200, 1, 23}, {"x", 200, 12, 3},          {"3,x", 200, 1, 2}, {"x", 200, 1, 2},
        {"x", 2001, 2, 3}, {"x", 200, 12, 2147483647}, {"x", 20, 0, 12},   {"x", 503, 2, 1000000},
    };
    for (int round = 1; round <= 2; round++)
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
            metrics_request(m, rows[i].method, rows[i].status, rows[i].zapi_error,
                            rows[i].method_error, 1);
    char *text = render(m);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char line[256];
        snprintf(line, sizeof(line),
                 "zapi_mock_requests_total{method=\"%s\",status=\"%d\",zapi_error=\"%d\","
                 "method_error=\"%d\"}",
                 rows[i].method, rows[i].status, rows[i].zapi_error, rows[i].method_error);
        assert_value(text, line, 2);
    }
    free(text);
    metrics_free(m);
}
END_TEST

/* ---- bounds ---- */

START_TEST(test_series_cap_other)
{
    struct metrics *m = mk(3);
    metrics_request(m, "A", 200, -1, -1, 1);
    metrics_request(m, "B", 200, -1, -1, 1);
    metrics_request(m, "C", 200, -1, -1, 1);
    metrics_request(m, "D", 200, -1, -1, 1); /* cap reached: other */
    metrics_request(m, "E", 200, -1, -1, 1); /* same codes: the same other series */
    metrics_request(m, "E", 500, 7, -1, 1);  /* other codes: another other series */
    metrics_request(m, "A", 404, -1, -1, 1); /* known method, new combination: other too */
    metrics_request(m, "A", 200, -1, -1, 1); /* existing series keep counting */
    char *text = render(m);
    const char *fmt = "zapi_mock_requests_total{method=\"%s\",status=\"%d\",zapi_error=\"%s\","
                      "method_error=\"\"}";
    char s[160];
    snprintf(s, sizeof(s), fmt, "A", 200, "");
    assert_value(text, s, 2);
    snprintf(s, sizeof(s), fmt, "B", 200, "");
    assert_value(text, s, 1);
    snprintf(s, sizeof(s), fmt, "C", 200, "");
    assert_value(text, s, 1);
    snprintf(s, sizeof(s), fmt, "other", 200, "");
    assert_value(text, s, 2);
    snprintf(s, sizeof(s), fmt, "other", 404, "");
    assert_value(text, s, 1);
    snprintf(s, sizeof(s), fmt, "other", 500, "7");
    assert_value(text, s, 1);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{"), 6);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{method=\"D\""), 0);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{method=\"E\""), 0);
    ck_assert_uint_eq(sum_prefixed(text, "zapi_mock_requests_total{"), 8);
    assert_value(text, "zapi_mock_request_duration_seconds_count", 8);
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_series_default_cap)
{
    struct metrics *m = mk(0);
    char name[32];
    for (int i = 0; i < METRICS_DEFAULT_MAX_SERIES + 5; i++) {
        snprintf(name, sizeof(name), "M%05d", i);
        metrics_request(m, name, 200, -1, -1, 1);
    }
    char *text = render(m);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{method=\"M"),
                     METRICS_DEFAULT_MAX_SERIES);
    assert_value(text,
                 "zapi_mock_requests_total{method=\"other\",status=\"200\",zapi_error=\"\","
                 "method_error=\"\"}",
                 5);
    free(text);
    metrics_free(m);
}
END_TEST

/* Many series (the table grows several times), each counted exactly, rendered sorted. */
START_TEST(test_many_series_sorted)
{
    enum { N = 5000 };
    struct metrics *m = mk(2 * N);
    char name[32];
    for (int round = 0; round < 3; round++)
        for (int i = N - 1; i >= 0; i--) {
            snprintf(name, sizeof(name), "M%05d", (i * 7919) % N);
            metrics_request(m, name, 200 + round % 2, -1, -1, 1);
        }
    char *text = render(m);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{"), 2 * N);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_requests_total{method=\"other\""), 0);
    ck_assert_uint_eq(sum_prefixed(text, "zapi_mock_requests_total{"), 3 * N);
    /* sorted: method, then status; and counts per series exact */
    const char *prefix = "zapi_mock_requests_total{method=\"";
    const char *p = strstr(text, prefix);
    for (int i = 0; i < N; i++)
        for (int status = 200; status <= 201; status++) {
            char want[160];
            snprintf(want, sizeof(want),
                     "%sM%05d\",status=\"%d\",zapi_error=\"\",method_error=\"\"} %d\n", prefix, i,
                     status, status == 200 ? 2 : 1);
            ck_assert_ptr_nonnull(p);
            ck_assert_int_eq(strncmp(p, want, strlen(want)), 0);
            p += strlen(want);
        }
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_order_independent)
{
    static const char *names[] = {"b", "a", "admin", "-", "Z", "other", "a\"", "aa"};
    static const int statuses[] = {500, 200, 99, 404};
    struct metrics *m1 = mk(100), *m2 = mk(100);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            metrics_request(m1, names[i], statuses[j], j - 1, 1 - j, i * 10 + j);
            metrics_request(m2, names[7 - i], statuses[3 - j], 2 - j, j - 2, (7 - i) * 10 + 3 - j);
        }
    const char *reasons[] = {"z", "timeout", "a", "max_connections"};
    for (int i = 0; i < 4; i++) {
        metrics_refused(m1, reasons[i]);
        metrics_refused(m2, reasons[3 - i]);
    }
    char *t1 = render(m1), *t2 = render(m2);
    ck_assert_str_eq(t1, t2);
    /* status sorts numerically: 99 before 200 */
    const char *s99 = strstr(t1, "method=\"a\",status=\"99\"");
    const char *s200 = strstr(t1, "method=\"a\",status=\"200\"");
    ck_assert_ptr_nonnull(s99);
    ck_assert_ptr_nonnull(s200);
    ck_assert(s99 < s200);
    ck_assert(strstr(t1, "reason=\"a\"") < strstr(t1, "reason=\"max_connections\""));
    ck_assert(strstr(t1, "reason=\"timeout\"") < strstr(t1, "reason=\"z\""));
    free(t1);
    free(t2);
    metrics_free(m1);
    metrics_free(m2);
}
END_TEST

START_TEST(test_reason_cap)
{
    struct metrics *m = mk(10);
    char name[16];
    for (int i = 0; i < METRICS_MAX_REASONS + 4; i++) {
        snprintf(name, sizeof(name), "r%02d", i);
        metrics_refused(m, name);
    }
    metrics_refused(m, "r00"); /* kept reasons keep counting */
    metrics_refused(m, "r19");
    char *text = render(m);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_refused_total{"), METRICS_MAX_REASONS + 1);
    assert_value(text, "zapi_mock_refused_total{reason=\"r00\"}", 2);
    assert_value(text, "zapi_mock_refused_total{reason=\"r15\"}", 1);
    assert_value(text, "zapi_mock_refused_total{reason=\"other\"}", 5);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_refused_total{reason=\"r16\""), 0);
    ck_assert_uint_eq(sum_prefixed(text, "zapi_mock_refused_total{"), METRICS_MAX_REASONS + 6);
    free(text);
    metrics_free(m);
}
END_TEST

/* The three known rules start the set; unknown rules share the rest of the cap. */
START_TEST(test_throttle_rules)
{
    struct metrics *m = mk(10);
    char name[16];
    for (int i = 0; i < METRICS_MAX_REASONS; i++) {
        snprintf(name, sizeof(name), "u%02d", i);
        metrics_throttled(m, name);
    }
    metrics_throttled(m, "every");
    metrics_throttled(m, NULL);
    char *text = render(m);
    ck_assert_int_eq(count_prefixed(text, "zapi_mock_throttled_total{"), METRICS_MAX_REASONS + 1);
    assert_value(text, "zapi_mock_throttled_total{rule=\"every\"}", 1);
    assert_value(text, "zapi_mock_throttled_total{rule=\"limit\"}", 0);
    assert_value(text, "zapi_mock_throttled_total{rule=\"u12\"}", 1);
    assert_value(text, "zapi_mock_throttled_total{rule=\"other\"}", 4);
    free(text);
    metrics_free(m);
}
END_TEST

/* ---- gauges and small counters ---- */

START_TEST(test_connections_gauge)
{
    struct metrics *m = mk(10);
    for (int i = 0; i < 5; i++)
        metrics_connection(m, 1);
    char *text = render(m);
    assert_value(text, "zapi_mock_connections_open", 5);
    assert_value(text, "zapi_mock_connections_total", 5);
    free(text);
    for (int i = 0; i < 5; i++)
        metrics_connection(m, -1);
    metrics_connection(m, 1);
    metrics_connection(m, -1);
    text = render(m);
    assert_value(text, "zapi_mock_connections_open", 0);
    assert_value(text, "zapi_mock_connections_total", 6);
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_tls_and_reloads)
{
    struct metrics *m = mk(10);
    for (int i = 0; i < 4; i++)
        metrics_handshake(m, 1, i % 2);
    metrics_handshake(m, 0, 0);
    metrics_handshake(m, 0, 1);
    for (int i = 0; i < 3; i++)
        metrics_reload(m, 1);
    metrics_reload(m, 0);
    char *text = render(m);
    assert_value(text, "zapi_mock_tls_handshakes_total{result=\"ok\"}", 4);
    assert_value(text, "zapi_mock_tls_handshakes_total{result=\"failed\"}", 2);
    assert_value(text, "zapi_mock_tls_resumed_total", 2);
    assert_value(text, "zapi_mock_reloads_total{result=\"ok\"}", 3);
    assert_value(text, "zapi_mock_reloads_total{result=\"failed\"}", 1);
    free(text);
    metrics_free(m);
}
END_TEST

/* The caller's gauges read back exactly, and non-finite ones are spelt as the format wants. */
START_TEST(test_caller_gauges)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {0.1, "0.1"},
        {12.5, "12.5"},
        {1712345678.25, "1712345678.25"},
        {1712345678.123, "1712345678.123"},
        {1.0 / 3, "0.33333333333333331"},
        {1e300, "1e+300"},
        {0.1 + 0.2, "0.30000000000000004"},
        {-2, "-2"},
        {NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
    };
    struct metrics *m = mk(10);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        ck_assert_int_eq(metrics_render(m, cases[i].v, cases[i].v, &b), 0);
        char want[128];
        snprintf(want, sizeof(want), "zapi_mock_uptime_seconds %s", cases[i].text);
        ck_assert_msg(has_line(b.data, want), "%s", want);
        snprintf(want, sizeof(want), "zapi_mock_fixtures_loaded_timestamp_seconds %s",
                 cases[i].text);
        ck_assert_msg(has_line(b.data, want), "%s", want);
        if (isfinite(cases[i].v))
            ck_assert(strtod(cases[i].text, NULL) == cases[i].v);
        buf_free(&b);
    }
    metrics_free(m);
}
END_TEST

START_TEST(test_render_appends)
{
    struct metrics *m = mk(10);
    metrics_request(m, "GetAgents", 200, -1, -1, 10);
    struct buf b = BUF_INIT;
    ck_assert_int_eq(buf_append_str(&b, "prefix\n"), 0);
    ck_assert_int_eq(metrics_render(m, 1, 2, &b), 0);
    size_t one = b.len - strlen("prefix\n");
    ck_assert_int_eq(strncmp(b.data, "prefix\n# HELP ", 14), 0);
    ck_assert_int_eq(metrics_render(m, 1, 2, &b), 0);
    ck_assert_uint_eq(b.len, strlen("prefix\n") + 2 * one);
    ck_assert_int_eq(memcmp(b.data + 7, b.data + 7 + one, one), 0);
    ck_assert_uint_eq(strlen(b.data), b.len);
    buf_free(&b);
    metrics_free(m);
}
END_TEST

/* ---- syntax ---- */

/* Every line is a HELP or TYPE comment or a sample: name, optional {labels}, a space, a value. */
static void
assert_exposition_syntax(const char *text)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re,
                             "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? [0-9.e+-]+([[:space:]]|$)",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    size_t len = strlen(text);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(text[len - 1], '\n');
    int samples = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        char line[1024];
        size_t n = (size_t)(end - p);
        ck_assert_uint_lt(n, sizeof(line));
        memcpy(line, p, n);
        line[n] = '\0';
        if (strncmp(line, "# HELP ", 7) != 0 && strncmp(line, "# TYPE ", 7) != 0) {
            ck_assert_msg(regexec(&re, line, 0, NULL, 0) == 0, "bad line: %s", line);
            samples++;
        }
        p = end + 1;
    }
    ck_assert_int_gt(samples, 0);
    regfree(&re);
}

START_TEST(test_exposition_syntax)
{
    struct metrics *m = mk(4);
    metrics_request(m, "GetAgents", 200, -1, -1, 800);
    metrics_request(m, "Say \"hi\"\n\\", 200, 1002, 3, 80);
    metrics_request(m, "caf\xc3\xa9 \xff", 500, -1, -1, 8000000);
    metrics_request(m, "-", 400, -1, -1, 5);
    metrics_request(m, "over", 200, -1, -1, 5);
    metrics_throttled(m, "limit");
    metrics_throttled(m, "odd\nrule");
    metrics_handshake(m, 1, 1);
    metrics_connection(m, 1);
    metrics_refused(m, "too_large");
    metrics_refused(m, "\"quoted\"");
    metrics_reload(m, 0);
    char *text = render(m);
    assert_exposition_syntax(text);
    free(text);

    struct metrics *empty = mk(1);
    text = render(empty);
    assert_exposition_syntax(text);
    free(text);
    metrics_free(empty);
    metrics_free(m);
}
END_TEST

/* ---- threads ---- */

#define NTHREADS 4
#define REQUESTS_PER_THREAD 50000

struct worker {
    struct metrics *m;
    pthread_barrier_t *start;
    int id;
};

static void
run_workers(struct metrics *m, void *(*fn)(void *), int nthreads)
{
    pthread_t th[NTHREADS + 1];
    struct worker w[NTHREADS + 1];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.m = m, .start = &start, .id = i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
}

static void *
hammer_requests(void *arg)
{
    static const char *methods[] = {"GetAgents", "BookActivity", "admin", "-", "GetActivities"};
    struct worker *w = arg;
    char name[16];
    pthread_barrier_wait(w->start);
    for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
        const char *method = methods[(i + w->id) % 5];
        if (i % 97 == 0) { /* some new names, past the cap: the "other" path races too */
            snprintf(name, sizeof(name), "N%d_%d", w->id, i);
            method = name;
        }
        metrics_request(w->m, method, i % 3 ? 200 : 500, i % 11 ? -1 : 1002, -1, i % 3000);
    }
    return NULL;
}

START_TEST(test_threads_exact_total)
{
    struct metrics *m = mk(64);
    run_workers(m, hammer_requests, NTHREADS);
    char *text = render(m);
    const unsigned long long total = (unsigned long long)NTHREADS * REQUESTS_PER_THREAD;
    ck_assert_uint_eq(sum_prefixed(text, "zapi_mock_requests_total{"), total);
    assert_value(text, "zapi_mock_request_duration_seconds_count", (double)total);
    ck_assert_uint_eq(bucket(text, "+Inf"), total);
    /* each thread's latencies sum to a known value: i % 3000 over 50000 calls */
    unsigned long long per_thread = 0;
    for (int i = 0; i < REQUESTS_PER_THREAD; i++)
        per_thread += (unsigned long long)(i % 3000);
    char want[96];
    unsigned long long sum = per_thread * NTHREADS;
    snprintf(want, sizeof(want), "zapi_mock_request_duration_seconds_sum %llu.%06llu",
             sum / 1000000, sum % 1000000);
    while (want[strlen(want) - 1] == '0')
        want[strlen(want) - 1] = '\0';
    ck_assert_msg(has_line(text, want), "%s", want);
    assert_exposition_syntax(text);
    free(text);
    metrics_free(m);
}
END_TEST

/* Every entry point at once, rendering included, for the thread sanitizer. */
static void *
mixed_calls(void *arg)
{
    struct worker *w = arg;
    char name[16];
    pthread_barrier_wait(w->start);
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "m%d", (i * 13 + w->id) % 40);
        metrics_request(w->m, name, 200, -1, -1, i);
        switch ((i + w->id) % 8) {
        case 0:
            metrics_throttled(w->m, i % 2 ? "limit" : name);
            break;
        case 1:
            metrics_handshake(w->m, i % 3 != 0, i % 2);
            break;
        case 2:
            metrics_connection(w->m, 1);
            break;
        case 3:
            metrics_connection(w->m, -1);
            break;
        case 4:
            metrics_refused(w->m, name);
            break;
        case 5:
            metrics_reload(w->m, i % 2);
            break;
        case 6:
            if (i % 64 == 6) {
                struct buf b = BUF_INIT;
                ck_assert_int_eq(metrics_render(w->m, i, i, &b), 0);
                buf_free(&b);
            }
            break;
        }
    }
    return NULL;
}

START_TEST(test_threads_mixed)
{
    struct metrics *m = mk(16);
    run_workers(m, mixed_calls, NTHREADS);
    char *text = render(m);
    ck_assert_uint_eq(sum_prefixed(text, "zapi_mock_requests_total{"), NTHREADS * 5000);
    assert_value(text, "zapi_mock_connections_open", 0);
    assert_exposition_syntax(text);
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_free_null)
{
    metrics_free(NULL);
}
END_TEST

static Suite *
metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, test_families_help_type);
    tcase_add_test(tc, test_initial_values);
    tcase_add_test(tc, test_known_sequence);
    tcase_add_test(tc, test_caller_gauges);
    tcase_add_test(tc, test_render_appends);
    tcase_add_test(tc, test_exposition_syntax);
    tcase_add_test(tc, test_free_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("histogram");
    tcase_add_test(tc, test_histogram_cumulative);
    tcase_add_test(tc, test_bucket_boundaries);
    tcase_add_test(tc, test_latency_zero_negative_huge);
    suite_add_tcase(s, tc);

    tc = tcase_create("labels");
    tcase_add_test(tc, test_label_escaping);
    tcase_add_test(tc, test_label_cut);
    tcase_add_test(tc, test_label_cut_then_escape);
    tcase_add_test(tc, test_negative_codes_share_series);
    tcase_add_test(tc, test_codes_keep_series_apart);
    tcase_add_test(tc, test_order_independent);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, test_series_cap_other);
    tcase_add_test(tc, test_series_default_cap);
    tcase_add_test(tc, test_many_series_sorted);
    tcase_add_test(tc, test_reason_cap);
    tcase_add_test(tc, test_throttle_rules);
    suite_add_tcase(s, tc);

    tc = tcase_create("counters");
    tcase_add_test(tc, test_connections_gauge);
    tcase_add_test(tc, test_tls_and_reloads);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 120); /* slow under valgrind and the thread sanitizer */
    tcase_add_test(tc, test_threads_exact_total);
    tcase_add_test(tc, test_threads_mixed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(metrics_suite());
}
