/* test_matrix: `mailsim matrix` — every bundled attack scenario run under every combination of
 * its countermeasures, against the table the lesson promises (CSV, exactly); the text and
 * Markdown forms; the variants a scenario makes; and the command's usage errors. */
#include "harness.h"
#include "matrix.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCENARIOS "../scenarios/"

struct matrix_case {
    const char *file;
    const char *csv; /* CRLF line ends, as RFC 4180 says */
};

static const struct matrix_case matrix_cases[] = {
    {"open-relay.json", "relay_restriction,relay_spam,inbound_mail,as_written\r\n"
                        "off,yes,yes,yes\r\n"
                        "on,no,yes,no\r\n"},
    {"relay-restricted.json", "relay_restriction,relay_spam,inbound_mail,as_written\r\n"
                              "off,yes,yes,no\r\n"
                              "on,no,yes,yes\r\n"},
    {"smtp-auth-587.json",
     "submission_auth,relay_restriction,spam_587,spam_25,alice_sends,as_written\r\n"
     "off,off,yes,yes,yes,no\r\n"
     "off,on,yes,no,yes,no\r\n"
     "on,off,no,yes,yes,no\r\n"
     "on,on,no,no,yes,yes\r\n"},
    {"pop-before-smtp.json", "pop_before_smtp,nat_neighbour_relay,carol_sends,as_written\r\n"
                             "off,no,no,no\r\n"
                             "on,yes,yes,yes\r\n"},
    {"sniff-plaintext.json", "apop,steal_smtp_password,steal_pop_password,read_mail,as_written\r\n"
                             "off,yes,yes,yes,yes\r\n"
                             "on,yes,no,yes,no\r\n"},
    {"apop.json", "apop,recover_password,read_mail,as_written\r\n"
                  "off,yes,yes,no\r\n"
                  "on,yes,yes,yes\r\n"},
};

/* Prints into a heap string; the caller frees it. */
static char *matrix_render(const struct scenario *sc, const struct matrix *m, enum matrix_format f,
                           const char *lang)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        abort();
    }
    matrix_print(sc, m, f, lang, out);
    fclose(out);
    return text;
}

static void test_tables(struct harness *h)
{
    for (size_t i = 0; i < sizeof matrix_cases / sizeof matrix_cases[0]; i++) {
        char path[256], err[1024] = "";
        snprintf(path, sizeof path, SCENARIOS "%s", matrix_cases[i].file);
        struct scenario *sc = scenario_load(path, err, sizeof err);
        if (!CHECK(h, sc != NULL)) {
            fprintf(stderr, "    %s\n", err);
            continue;
        }
        struct matrix m;
        if (CHECK(h, matrix_compute(sc, NULL, &m, err, sizeof err) == 0)) {
            CHECK_INT(h, m.nrows, (size_t)1 << sc->ncountermeasures);
            char *csv = matrix_render(sc, &m, MATRIX_CSV, "en");
            if (!CHECK_STR(h, csv, matrix_cases[i].csv)) {
                fprintf(stderr, "    %s\n", path);
            }
            free(csv);
            /* Text and Markdown carry the same rows, the marker on the file's own row. */
            char *text = matrix_render(sc, &m, MATRIX_TEXT, "en");
            char *md = matrix_render(sc, &m, MATRIX_MD, "ja");
            CHECK(h, text && strstr(text, sc->countermeasures[0].id) != NULL);
            CHECK(h, text && strstr(text, "\n* ") != NULL);
            CHECK(h, md && strstr(md, "| --- |") != NULL);
            CHECK(h, md && strstr(md, sc->attacks[0].label.ja) != NULL);
            free(text);
            free(md);
        } else {
            fprintf(stderr, "    %s\n", err);
        }
        matrix_free(&m);
        scenario_free(sc);
    }
}

/* A variant flips exactly the settings of the countermeasures it turns. */
static void test_variants(struct harness *h)
{
    char err[1024] = "";
    struct scenario *sc = scenario_load(SCENARIOS "pop-before-smtp.json", err, sizeof err);
    if (!CHECK(h, sc != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    CHECK_INT(h, scenario_default_mask(sc), 1);
    struct scenario *off = scenario_variant(sc, 0, err, sizeof err);
    if (CHECK(h, off != NULL)) {
        for (size_t i = 0; i < off->nagents; i++) {
            if (strcmp(off->agents[i].id, "mta.a") == 0) {
                CHECK(h, off->agents[i].pop_mra == NULL);
            }
        }
        CHECK_STR(h, off->id, "pop-before-smtp");
        CHECK_INT(h, off->ncountermeasures, 1);
        scenario_free(off);
    }
    struct scenario *on = scenario_variant(sc, 1, err, sizeof err);
    if (CHECK(h, on != NULL)) {
        for (size_t i = 0; i < on->nagents; i++) {
            if (strcmp(on->agents[i].id, "mta.a") == 0) {
                CHECK_STR(h, on->agents[i].pop_mra, "mra.a");
                CHECK_INT(h, on->agents[i].pop_window_us, 600000000);
            }
        }
        scenario_free(on);
    }
    scenario_free(sc);

    sc = scenario_load(SCENARIOS "apop.json", err, sizeof err);
    if (CHECK(h, sc != NULL)) {
        struct scenario *v = scenario_variant(sc, 0, err, sizeof err);
        if (CHECK(h, v != NULL)) {
            for (size_t i = 0; i < v->nagents; i++) {
                if (strcmp(v->agents[i].id, "mra.b") == 0) {
                    CHECK(h, !v->agents[i].apop && !v->agents[i].no_user_pass);
                }
            }
            scenario_free(v);
        }
        scenario_free(sc);
    }
}

static void test_usage(struct harness *h)
{
    char *none[] = {"matrix", NULL};
    char *bad_format[] = {"matrix", SCENARIOS "open-relay.json", "--format", "xml", NULL};
    char *bad_lang[] = {"matrix", SCENARIOS "open-relay.json", "--lang", "fr", NULL};
    char *two[] = {"matrix", SCENARIOS "open-relay.json", SCENARIOS "apop.json", NULL};
    char *missing[] = {"matrix", "no-such-scenario", NULL};
    char *no_attacks[] = {"matrix", SCENARIOS "nine-steps.json", NULL};
    char *value[] = {"matrix", SCENARIOS "open-relay.json", "--format", NULL};
    /* The messages go to stderr; keep them out of the test's output. */
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0 || dup2(null, 2) < 0) {
        abort();
    }
    int rc[7];
    rc[0] = matrix_main(1, none);
    rc[1] = matrix_main(4, bad_format);
    rc[2] = matrix_main(4, bad_lang);
    rc[3] = matrix_main(3, two);
    rc[4] = matrix_main(2, missing);
    rc[5] = matrix_main(2, no_attacks);
    rc[6] = matrix_main(3, value);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(null);
    for (int i = 0; i < 7; i++) {
        if (!CHECK_INT(h, rc[i], 2)) {
            fprintf(stderr, "    usage case %d\n", i);
        }
    }
}

static const struct harness_test test_matrix_tests[] = {
    HARNESS_TEST(test_tables),
    HARNESS_TEST(test_variants),
    HARNESS_TEST(test_usage),
};

int main(int argc, char **argv)
{
    return HARNESS_MAIN("test_matrix", test_matrix_tests, argc, argv);
}
