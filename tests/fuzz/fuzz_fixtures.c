/* Fuzz target: the fixture loader (zapi_load_fixtures: fixtures_load plus the built-in methods'
 * checks), then answers rendered from the loaded set.
 *
 * The repository's fixtures/ is copied once into a temporary directory (/dev/shm when there is
 * one). Each input replaces one file of the copy: the first byte picks the file, the rest is its
 * content. The set is loaded, checked, used for a few requests, released, and the file restored. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "methods.h"

/* The files an input may replace (new ones go at the end: the corpus names files by index).
 * methods/zapiFuzz.xml is not in the repository: writing it adds a method, and restoring it
 * removes the file again. The catalogue and a templated method (each=, if=) reach the catalogue
 * loader and template repetition; errors/method-error.xml answers every failed handler call. */
static const char *const files[] = {
    "registry.xml",
    "methods/zapiPing.xml",
    "methods/zapiAgents_Authenticate.xml",
    "errors/throttled.xml",
    "errors/validation.xml",
    "errors/invalid-request.xml",
    "errors/unknown-method.xml",
    "errors/http-error.xml",
    "methods/zapiFuzz.xml",
    "catalogue.xml",
    "methods/zapiGetActivityCategories.xml",
    "methods/zapiGetActivityDetailsByActivityId.xml",
    "errors/method-error.xml",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char dir[4096];
static struct buf original[NFILES];
static int existed[NFILES];

static int
read_file(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(out, chunk, n);
    int rc = ferror(f) ? -1 : 0;
    fclose(f);
    return rc;
}

static void
write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            perror(path);
            abort();
        }
        p += w;
        len -= (size_t)w;
    }
    close(fd);
}

/* Copies the regular files of src into dst, and of its subdirectories one level down. */
static void
copy_tree(const char *src, const char *dst, int depth)
{
    DIR *d = opendir(src);
    if (!d) {
        perror(src);
        abort();
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char from[4096], to[4096];
        snprintf(from, sizeof(from), "%s/%s", src, de->d_name);
        snprintf(to, sizeof(to), "%s/%s", dst, de->d_name);
        struct stat st;
        if (stat(from, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth == 0) {
            if (mkdir(to, 0700) < 0 && errno != EEXIST) {
                perror(to);
                abort();
            }
            copy_tree(from, to, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            struct buf b = BUF_INIT;
            if (read_file(from, &b) < 0) {
                perror(from);
                abort();
            }
            write_file(to, b.data ? b.data : "", b.len);
            buf_free(&b);
        }
    }
    closedir(d);
}

static void
remove_tree(const char *path, int depth)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth < 2)
            remove_tree(p, depth + 1);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

static void
cleanup(void)
{
    if (dir[0])
        remove_tree(dir, 0);
}

#define DIR_PREFIX "zapi-fuzz-fixtures-"

/* A process that crashed (or that libFuzzer ended with _Exit) leaves its copy behind: remove the
 * copies of processes that no longer exist. The directory name holds the owner's pid. */
static void
remove_stale(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0)
            continue;
        char *end;
        long pid = strtol(de->d_name + strlen(DIR_PREFIX), &end, 10);
        if (pid <= 0 || *end != '-' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
        remove_tree(path, 0);
    }
    closedir(d);
}

static void
file_path(size_t i, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", dir, files[i]);
    if (n < 0 || (size_t)n >= cap)
        abort();
}

static void
restore(size_t i)
{
    char path[4096];
    file_path(i, path, sizeof(path));
    if (existed[i])
        write_file(path, original[i].data ? original[i].data : "", original[i].len);
    else
        unlink(path);
}

/* ---- checks of a loaded set ---- */

static void
check_fixture(const struct fixture *f, const char *what)
{
    FUZZ_ASSERT(f->name && f->path && f->doc, "%s: fixture without name, path or document", what);
    FUZZ_ASSERT(f->nanswers > 0 && f->answers, "%s: fixture %s has no answer", what, f->name);
    /* Entities would reach answers as references to a DTD the answer does not carry. */
    FUZZ_ASSERT(!f->doc->intSubset && !f->doc->extSubset, "%s: fixture with a DOCTYPE loaded",
                f->path);
    for (size_t i = 0; i < f->nanswers; i++) {
        const struct answer *a = &f->answers[i];
        FUZZ_ASSERT(a->outcome, "%s: answer %zu without an outcome", f->path, i);
        for (size_t k = 0; k < i; k++)
            FUZZ_ASSERT(strcmp(a->outcome, f->answers[k].outcome) != 0,
                        "%s: two answers for outcome \"%s\"", f->path, a->outcome);
        FUZZ_ASSERT(a->status == 0 || (a->status >= 200 && a->status <= 599),
                    "%s: answer status %d", f->path, a->status);
        FUZZ_ASSERT(a->response && a->response->type == XML_ELEMENT_NODE &&
                        strcmp((const char *)a->response->name, "response") == 0,
                    "%s: answer without a <response>", f->path);
        FUZZ_ASSERT(a->response->doc == f->doc, "%s: response outside the fixture's document",
                    f->path);
        FUZZ_ASSERT(fixture_answer(f, a->outcome) == a, "%s: fixture_answer(\"%s\") is another",
                    f->path, a->outcome);
        if (!a->dynamic) {
            fuzz_check_xml(f->path, a->xml.data, a->xml.len, "response");
            fuzz_check_json(f->path, a->json.data, a->json.len, "response");
        }
    }
}

static void
check_set(const struct fixture_set *fs)
{
    FUZZ_ASSERT(fs->refs == 1, "a new set holds %d references", fs->refs);
    FUZZ_ASSERT(fs->dir && strcmp(fs->dir, dir) == 0, "set directory \"%s\"", fs->dir);
    FUZZ_ASSERT(fs->registry, "set without a registry");
    for (size_t i = 0; i < fs->nmethods; i++) {
        const struct fixture *f = &fs->methods[i];
        check_fixture(f, "method");
        if (i > 0)
            FUZZ_ASSERT(strcmp(fs->methods[i - 1].name, f->name) < 0,
                        "methods not sorted: %s before %s", fs->methods[i - 1].name, f->name);
        FUZZ_ASSERT(fixtures_method(fs, f->name) == f, "fixtures_method(%s) misses", f->name);
    }
    for (int i = 0; i < FIXTURE_ERR_COUNT; i++) {
        const struct fixture *f = fixtures_error(fs, (enum fixture_error)i);
        check_fixture(f, fixtures_error_name((enum fixture_error)i));
    }
    for (size_t i = 0; i < registry_partner_count(fs->registry); i++) {
        const struct partner *p = registry_partner_at(fs->registry, i);
        FUZZ_ASSERT(p && p->token && p->token[0] && p->account_id && p->user_id,
                    "partner %zu incomplete", i);
        FUZZ_ASSERT(strlen(p->token) <= REGISTRY_MAX_TOKEN, "partner token too long");
        FUZZ_ASSERT(registry_partner(fs->registry, p->token) != NULL, "partner %s not found",
                    p->token);
    }
}

/* ---- answers from the loaded set ---- */

#define ENV_XML(method, extra)                                                                     \
    "<request><zapiToken>ZAPI-DEMO-TOKEN</zapiToken><zapiAccountId>456</zapiAccountId>"            \
    "<zapiUserId>1240</zapiUserId><zapiMethod><methodName>" method "</methodName>" extra           \
    "</zapiMethod></request>"
#define ENV_JSON(method, extra)                                                                    \
    "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":456,\"zapiUserId\":\"1240\","            \
    "\"zapiMethod\":{\"methodName\":\"" method "\"" extra "}}"

static const struct {
    const char *content_type;
    const char *body;
} requests[] = {
    {"application/xml", ENV_XML("zapiPing", "")},
    {"application/xml", ENV_XML("zapiAgents_Authenticate",
                                "<username>naddau</username><password>zaui-demo</password>")},
    {"application/xml",
     ENV_XML("zapiAgents_Authenticate",
             "<username>expired-agent</username><password>expired-demo</password>")},
    {"application/xml",
     ENV_XML("zapiAgents_Authenticate", "<username>naddau</username><password>x</password>")},
    {"application/xml", ENV_XML("zapiFuzz", "<a>1</a><a>2</a>")},
    {"application/xml", ENV_XML("zapiNoSuchMethod", "")},
    {"application/xml", "<request><zapiToken>nobody</zapiToken><zapiMethod><methodName>zapiPing"
                        "</methodName></zapiMethod></request>"},
    {"application/xml", "<request><zapiMethod>"},
    {"application/json", ENV_JSON("zapiPing", "")},
    {"application/json",
     ENV_JSON("zapiAgents_Authenticate", ",\"username\":\"naddau\",\"password\":\"zaui-demo\"")},
    {"application/json", ENV_JSON("zapiAgents_Authenticate", ",\"username\":\"nobody\"")},
    {"application/json", ENV_JSON("zapiFuzz", ",\"list\":[1,\"2\",{\"x\":true}]")},
    {"application/json", ENV_JSON("zapiNoSuchMethod", "")},
    {NULL, "{\"zapiToken\":\"ZAPI-DEMO-TOKEN\",\"zapiAccountId\":\"999\",\"zapiUserId\":\"1\","
           "\"zapiMethod\":{\"methodName\":\"zapiPing\"}}"},
    {NULL, "{\"zapiMethod\": }"},
    /* The catalogue methods (FUZZ_NOW is 2023-11-14) and the token-less logins. */
    {"application/xml", ENV_XML("zapiGetActivityCategories", "")},
    {"application/json", ENV_JSON("zapiGetActivityCategories", "")},
    {"application/xml", ENV_XML("zapiGetActivityDetailsByActivityId",
                                "<activityId>101</activityId><activityDate>2023-11-15"
                                "</activityDate>")},
    {"application/json", ENV_JSON("zapiGetActivityDetailsByActivityId",
                                  ",\"activityId\":104,\"activityDate\":\"2023-11-16\"")},
    {"application/xml",
     ENV_XML("zapiGetActivityDetailsByActivityId", "<activityId>x</activityId>")},
    {"application/xml", ENV_XML("zapiCheckActivityInventoryByDate",
                                "<activityId>101</activityId><activityDate>2023-11-15"
                                "</activityDate><pax><adults>2</adults></pax>")},
    {"application/xml", ENV_XML("zapiCheckActivityInventoryByDate",
                                "<activityId>101</activityId><activityDate>2023-11-15"
                                "</activityDate><activityTime>13:00:00</activityTime>")},
    {"application/json",
     ENV_JSON("zapiBatchAvailability", ",\"activityId\":\"101\",\"activityStartDate\":"
                                       "\"2023-11-14\",\"activityEndDate\":\"2023-11-30\"")},
    {"application/xml", ENV_XML("zapiPriceQuote", "<activityId>104</activityId><pax><adults>2"
                                                  "</adults><children>1</children></pax>"
                                                  "<pickupLocationId>301</pickupLocationId>")},
    {"application/xml", ENV_XML("zapiGetActivityAndProductCatalog", "")},
    {"application/json",
     ENV_JSON("zapiCheckProductInventory", ",\"productId\":205,\"quantity\":4")},
    {"application/xml", ENV_XML("zapiGetPackageDetailsByPackageId", "<packageId>401</packageId>")},
    {"application/xml", ENV_XML("zapiPackage_DetermineMinimumDatesToBook",
                                "<packageId>402</packageId><pax><adults>1</adults></pax>")},
    {"application/xml", ENV_XML("zapiGetSystemInformation", "")},
    {"application/xml", ENV_XML("zapiActivity_GetCancellations", "<activityId>101</activityId>")},
    {"application/xml", "<request><zapiUsername>naddau</zapiUsername><zapiPassword>zaui-demo"
                        "</zapiPassword><zapiMethod><methodName>zapiAgentLogin</methodName>"
                        "</zapiMethod></request>"},
    {"application/json", "{\"zapiUsername\":\"naddau\",\"zapiPassword\":"
                         "\"e97cdcc61675716110d9de3d2defa7dc\",\"zapiMethod\":{\"methodName\":"
                         "\"zapiMobileLogin\"}}"},
    {"application/xml", "<request><zapiUsername>naddau</zapiUsername><zapiPassword>x"
                        "</zapiPassword><zapiMethod><methodName>zapiAgentLogin</methodName>"
                        "</zapiMethod></request>"},
    {"application/xml", ENV_XML("zapiAgents_GetProfile",
                                "<agentID>1240</agentID><agentHashKey>79dc5307ebf032b8705edffe1a"
                                "47928cb8dafa5f</agentHashKey>")},
};

static void
exercise(const struct fixture_set *fs)
{
    /* A fresh store per input: handlers run, and logins' carts never pile up across inputs. */
    struct store *store = store_new(1);
    FUZZ_ASSERT(store != NULL, "store_new failed");
    struct zapi_env env = {
        .fixtures = fs,
        .now = FUZZ_NOW,
        .throttle = fuzz_throttle,
        .store = store,
    };
    fuzz_throttle_reset();
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        struct zapi_result r;
        const struct zapi_throttle_verdict *last;
        unsigned calls = fuzz_throttle_calls(&last);
        zapi_result_init(&r);
        zapi_handle(&env, requests[i].content_type, requests[i].body, strlen(requests[i].body), &r);
        char what[64];
        snprintf(what, sizeof(what), "zapi_handle(request %zu)", i);
        fuzz_check_result(what, &r);
        fuzz_check_throttle(what, &r, calls);
        zapi_result_free(&r);
    }
    static const int statuses[] = {400, 404, 405, 413, 431, 501};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct zapi_result r;
        zapi_result_init(&r);
        zapi_http_error(&env, statuses[i], "HTTP refusal <&>]]> \"message\"",
                        i % 2 ? FORMAT_JSON : FORMAT_XML, &r);
        FUZZ_ASSERT(r.status == statuses[i], "zapi_http_error(%d) answered %d", statuses[i],
                    r.status);
        fuzz_check_result("zapi_http_error", &r);
        zapi_result_free(&r);
    }
    store_free(store);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_global_init();
    const char *base = "/dev/shm";
    struct stat st;
    if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode) || access(base, W_OK) < 0) {
        base = getenv("TMPDIR");
        if (!base || !*base)
            base = "/tmp";
    }
    remove_stale(base);
    snprintf(dir, sizeof(dir), "%s/" DIR_PREFIX "%ld-XXXXXX", base, (long)getpid());
    if (!mkdtemp(dir)) {
        perror(dir);
        abort();
    }
    atexit(cleanup);
    copy_tree(fuzz_fixtures_dir(), dir, 0);
    for (size_t i = 0; i < NFILES; i++) {
        char path[4096];
        file_path(i, path, sizeof(path));
        existed[i] = read_file(path, &original[i]) == 0;
    }
    /* The untouched copy must load, or every input would only test the error path. */
    struct fixture_set *fs = NULL;
    struct buf err = BUF_INIT;
    if (zapi_load_fixtures(dir, &fs, &err) < 0) {
        fprintf(stderr, "fuzz_fixtures: the fixtures in %s do not load: %s\n", fuzz_fixtures_dir(),
                err.data);
        abort();
    }
    check_set(fs);
    fixtures_release(fs);
    buf_free(&err);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t which = data[0] % NFILES;
    char path[4096];
    file_path(which, path, sizeof(path));
    write_file(path, data + 1, size - 1);

    struct fixture_set *fs = (struct fixture_set *)0x1;
    struct buf err = BUF_INIT;
    int rc = zapi_load_fixtures(dir, &fs, &err);
    FUZZ_ASSERT(rc == 0 || rc == -1, "zapi_load_fixtures returned %d", rc);
    if (rc < 0) {
        FUZZ_ASSERT(fs == NULL, "failed load left a set behind");
        FUZZ_ASSERT(err.len > 0 && err.data, "failed load without a message");
        FUZZ_ASSERT(strstr(err.data, dir) != NULL, "load error does not name the file: %s",
                    err.data);
    } else {
        FUZZ_ASSERT(fs != NULL, "successful load without a set");
        FUZZ_ASSERT(err.len == 0, "successful load with a message: %s", err.data);
        check_set(fs);
        exercise(fs);
        /* Another reference, as a reload racing requests would hold. */
        fixtures_retain(fs);
        fixtures_release(fs);
        FUZZ_ASSERT(fs->refs == 1, "retain/release left %d references", fs->refs);
        fixtures_release(fs);
    }
    buf_free(&err);
    restore(which);
    return 0;
}
