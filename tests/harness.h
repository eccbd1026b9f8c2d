/* harness: mailsim's tiny test harness. One executable per area; each CHECK counts a pass or
 * a failure, and harness_finish() prints "NAME: N passed, N failed" and gives the exit code. */
#ifndef MAILSIM_HARNESS_H
#define MAILSIM_HARNESS_H

#include "buf.h"

#include <stdio.h>
#include <string.h>

struct harness {
    const char *name;
    int passed;
    int failed;
};

static inline int harness_check(struct harness *h, int ok, const char *what, const char *file,
                                int line)
{
    if (ok) {
        h->passed++;
    } else {
        h->failed++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

static inline int harness_check_str(struct harness *h, const char *got, const char *want,
                                    const char *what, const char *file, int line)
{
    int ok = got && want && strcmp(got, want) == 0;
    if (!harness_check(h, ok, what, file, line)) {
        fprintf(stderr, "    got:  \"%s\"\n    want: \"%s\"\n", got ? got : "(null)",
                want ? want : "(null)");
    }
    return ok;
}

static inline int harness_check_int(struct harness *h, long long got, long long want,
                                    const char *what, const char *file, int line)
{
    int ok = got == want;
    if (!harness_check(h, ok, what, file, line)) {
        fprintf(stderr, "    got:  %lld\n    want: %lld\n", got, want);
    }
    return ok;
}

#define CHECK(h, cond) harness_check((h), (cond) ? 1 : 0, #cond, __FILE__, __LINE__)
#define CHECK_STR(h, got, want)                                                                    \
    harness_check_str((h), (got), (want), #got " == " #want, __FILE__, __LINE__)
#define CHECK_INT(h, got, want)                                                                    \
    harness_check_int((h), (long long)(got), (long long)(want), #got " == " #want, __FILE__,       \
                      __LINE__)

/* True when needle[0..n) occurs in hay[0..len): what a test asks of the bytes on a wire or in a
 * message (an empty needle occurs everywhere). */
static inline int harness_contains(const void *hay, size_t len, const void *needle, size_t n)
{
    return n == 0 || bytes_find(hay, len, needle, n) != NULL;
}

/* Creates dir/name for writing bytes, for the files a test hands to outside tools; NULL after
 * saying why on stderr. The caller closes it. */
static inline FILE *harness_create(const char *dir, const char *name)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "%s/%s: path too long\n", dir, name);
        return NULL;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
    }
    return f;
}

static inline int harness_finish(const struct harness *h)
{
    printf("%s: %d passed, %d failed\n", h->name, h->passed, h->failed);
    return h->failed == 0 && h->passed > 0 ? 0 : 1;
}

/* One test of an area: the function that checks and counts into h, and its name, by which the
 * command line picks it. HARNESS_TEST(test_crc) is the row of test_crc. */
struct harness_test {
    const char *name;
    void (*run)(struct harness *h);
};
/* clang-format off */
#define HARNESS_TEST(fn) {#fn, fn}
/* clang-format on */

/* The main() of an area whose tests need nothing but the harness: runs the tests in the table's
 * order, or only those the command line names (`test_mime test_crlf test_err`), and returns
 * harness_finish's exit status; a name that is no test's fails. */
static inline int harness_main(const char *name, const struct harness_test *tests, size_t n,
                               int argc, char **argv)
{
    struct harness h = {name, 0, 0};
    for (int a = 1; a < argc; a++) {
        size_t i = 0;
        while (i < n && strcmp(tests[i].name, argv[a]) != 0) {
            i++;
        }
        if (i == n) {
            fprintf(stderr, "%s: no test called %s\n", name, argv[a]);
            h.failed++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc && !wanted; a++) {
            wanted = strcmp(tests[i].name, argv[a]) == 0;
        }
        if (wanted) {
            tests[i].run(&h);
        }
    }
    return harness_finish(&h);
}

#define HARNESS_MAIN(name, tests, argc, argv)                                                      \
    harness_main((name), (tests), sizeof(tests) / sizeof(tests)[0], (argc), (argv))

#endif
