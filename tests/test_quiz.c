/* test_quiz: the study mode — the bundled question bank (size, both languages, scenarios, steps,
 * click answers), every question's check evaluated against a real run of its scenario, a table
 * of claims that must hold and of claims that must not (so the checker can fail), malformed
 * banks with their exact errors, progress kept and read back, choosing a round, a round played
 * through (grading, verdicts, the score, a review), and the glossary. */
#include "catalog.h"
#include "glossary.h"
#include "harness.h"
#include "quiz.h"
#include "quiz_check.h"
#include "quiz_round.h"
#include "quiz_verify.h"
#include "scenario.h"
#include "scenario_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_BUNDLED 64

/* ---- The bundled bank ---- */

static bool test_nonempty(const char *s)
{
    return s && s[0];
}

static void test_bank_shape(struct harness *h, const struct quiz_bank *b)
{
    CHECK(h, b->n >= 80);
    size_t checked = 0, per_topic[QUIZ_TOPIC_COUNT] = {0}, clicks = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct quiz_question *q = &b->q[i];
        for (size_t j = 0; j < i; j++) {
            if (strcmp(q->id, b->q[j].id) == 0) {
                CHECK(h, !"question ids are unique");
                fprintf(stderr, "    %s twice\n", q->id);
            }
        }
        bool texts = test_nonempty(q->ja.question) && test_nonempty(q->en.question) &&
                     test_nonempty(q->ja.explanation) && test_nonempty(q->en.explanation) &&
                     q->ja.nchoices == q->en.nchoices;
        for (size_t c = 0; c < q->en.nchoices; c++) {
            texts = texts && test_nonempty(q->ja.choices[c]) && test_nonempty(q->en.choices[c]);
        }
        if (!CHECK(h, texts)) {
            fprintf(stderr, "    %s: a text is missing in ja or en\n", q->id);
        }
        if (!CHECK(h, test_nonempty(q->source) && q->weight < QUIZ_WEIGHT_COUNT)) {
            fprintf(stderr, "    %s: no source or exam weight\n", q->id);
        }
        if (!CHECK(h, q->step >= 0 && q->step <= 9)) {
            fprintf(stderr, "    %s: step %d\n", q->id, q->step);
        }
        if (q->kind == QUIZ_CHOICE) {
            CHECK(h, q->en.nchoices >= 2 && q->answer < q->en.nchoices);
        } else {
            clicks++;
            CHECK(h, (q->answer_agent != NULL) != (q->answer_link[0] != NULL));
        }
        char err[1024];
        struct scenario *sc = catalog_load(q->scenario, err, sizeof err);
        if (!CHECK(h, sc != NULL)) {
            fprintf(stderr, "    %s: %s\n", q->id, err);
            continue;
        }
        if (q->kind == QUIZ_CLICK) {
            bool found = false;
            for (size_t k = 0; q->answer_agent && k < sc->nagents; k++) {
                found = found || quiz_click_agent_right(q, sc->agents[k].id);
            }
            for (size_t k = 0; q->answer_link[0] && k < sc->nlinks; k++) {
                found = found || quiz_click_link_right(q, sc->links[k].b, sc->links[k].a);
            }
            if (!CHECK(h, found)) {
                fprintf(stderr, "    %s: the answer is no agent or link of %s\n", q->id,
                        q->scenario);
            }
        }
        scenario_free(sc);
        checked += q->check ? 1 : 0;
        per_topic[q->topic]++;
    }
    /* At least 60% carry a check that a run confirms; every topic has questions. */
    CHECK(h, checked * 10 >= b->n * 6);
    CHECK(h, clicks >= 5);
    for (int t = 0; t < QUIZ_TOPIC_COUNT; t++) {
        if (!CHECK(h, per_topic[t] >= 3)) {
            fprintf(stderr, "    topic %s has %zu questions\n", quiz_topic_name(t), per_topic[t]);
        }
    }
    printf("test_quiz: %zu questions, %zu with a check, %zu to click\n", b->n, checked, clicks);
}

/* Every question against a run of its scenario: the step occurs, a click answer exists, the
 * check holds. Each scenario (and each combination of countermeasures) runs once. */
static void test_bank_against_runs(struct harness *h, const struct quiz_bank *b)
{
    struct quiz_runs *r = quiz_runs_new();
    for (size_t i = 0; i < b->n; i++) {
        const struct quiz_question *q = &b->q[i];
        if (strcmp(q->scenario, "load-100k") == 0) {
            continue; /* 100,000 messages: not run here, and no question needs it */
        }
        char why[1024] = "";
        if (!CHECK(h, quiz_question_verify(r, q, why, sizeof why) == 1)) {
            fprintf(stderr, "    %s (%s): %s\n", q->id, q->scenario, why);
        }
    }
    quiz_runs_free(r);
}

/* ---- Claims that hold and claims that do not ---- */

struct claim_case {
    const char *scenario;
    const char *check;
    int want; /* 1 holds, 0 does not */
};

static const struct claim_case claim_cases[] = {
    {"nine-steps", "{\"step_port\": {\"step\": 1, \"port\": 587}}", 1},
    {"nine-steps", "{\"step_port\": {\"step\": 1, \"port\": 465}}", 0},
    {"nine-steps", "{\"step_port\": {\"step\": 8, \"port\": 110, \"mail\": \"m1\"}}", 1},
    {"nine-steps", "{\"step_port\": {\"step\": 8, \"port\": 110, \"mail\": \"m9\"}}", 0},
    {"nine-steps", "{\"step_port\": {\"step\": 6, \"port\": 25}}",
     0}, /* step 6 has no connection */
    {"pop3s", "{\"step_port\": {\"step\": 8, \"port\": 995, \"client\": \"bob\"}}", 1},
    {"pop3s", "{\"step_port\": {\"step\": 8, \"port\": 995}}", 0}, /* carol's is on 110 */
    {"nine-steps", "{\"step_agent\": {\"step\": 2, \"agent\": \"msa.a\"}}", 1},
    {"nine-steps", "{\"step_agent\": {\"step\": 2, \"agent\": \"mta.a\"}}", 0},
    {"nine-steps", "{\"step_agent\": {\"step\": 3, \"agent\": \"mta.a\"}}", 1},
    {"nine-steps", "{\"step_agent\": {\"step\": 3, \"agent\": \"filter.a\"}}", 0}, /* the first */
    {"smtps-one-hop", "{\"step_tls\": {\"step\": 1, \"tls\": true}}", 1},
    {"smtps-one-hop", "{\"step_tls\": {\"step\": 4, \"tls\": true}}", 0},
    {"smtps-one-hop", "{\"step_tls\": {\"step\": 4, \"tls\": false}}", 1},
    {"nine-steps", "{\"connect\": {\"client\": \"bob\", \"server\": \"mra.b\", \"port\": 110}}", 1},
    {"nine-steps", "{\"connect\": {\"client\": \"bob\", \"server\": \"mra.b\", \"port\": 995}}", 0},
    {"nine-steps", "{\"connect\": {\"proto\": \"smtps\"}}", 0},
    {"pop-before-smtp", "{\"connect\": {\"client\": \"mallory\", \"seen_ip\": \"198.51.100.200\"}}",
     1},
    {"pop-before-smtp", "{\"connect\": {\"client\": \"mallory\", \"seen_ip\": \"198.51.100.11\"}}",
     0},
    {"sniff-plaintext",
     "{\"sniffed\": {\"finding\": \"password\", \"value\": \"wonderland\", \"tap\": "
     "\"a-lan-tap\"}}",
     1},
    {"sniff-plaintext",
     "{\"sniffed\": {\"finding\": \"password\", \"value\": \"wonderland\", \"tap\": "
     "\"internet-tap\"}}",
     0},
    {"sniff-plaintext", "{\"sniffed\": {\"finding\": \"password\", \"value\": \"wonder\"}}", 0},
    {"sniff-plaintext", "{\"sniffed\": {\"finding\": \"password\", \"contains\": \"wonder\"}}", 1},
    {"starttls-all-hops", "{\"sniffed\": {\"finding\": \"password\"}}", 0},
    {"starttls-all-hops", "{\"not\": {\"sniffed\": {\"finding\": \"password\"}}}", 1},
    {"smime",
     "{\"mail_state\": {\"mail\": \"m1\", \"state\": \"unreadable\", \"agent\": \"carol\"}}", 1},
    {"smime", "{\"mail_state\": {\"mail\": \"m1\", \"state\": \"unreadable\", \"agent\": \"bob\"}}",
     0},
    {"relay-restricted",
     "{\"mail_state\": {\"mail\": \"spam1\", \"state\": \"rejected\", \"code\": 554}}", 1},
    {"relay-restricted", "{\"mail_state\": {\"mail\": \"spam1\", \"state\": \"delivered\"}}", 0},
    {"relay-restricted", "{\"policy\": {\"rule\": \"reject_unauth_destination\", \"code\": 554}}",
     1},
    {"open-relay", "{\"policy\": {\"rule\": \"reject_unauth_destination\"}}", 0},
    {"smtp-auth-587", "{\"auth\": {\"user\": \"alice\", \"ok\": false}}", 1},
    {"nine-steps", "{\"auth\": {\"user\": \"alice\", \"ok\": false}}", 0},
    {"smtps-one-hop", "{\"secure\": {\"agent\": \"alice\", \"detail\": \"mail.a.example\"}}", 1},
    {"nine-steps", "{\"secure\": {\"agent\": \"alice\"}}", 0},
    {"nine-steps", "{\"dns\": {\"query\": \"MX b.example\", \"answer\": \"mx.b.example\"}}", 1},
    {"nine-steps", "{\"dns\": {\"query\": \"MX c.example\"}}", 0},
    {"starttls-stripping", "{\"tamper\": {\"removed\": \"250-STARTTLS\", \"agent\": \"mallory\"}}",
     1},
    {"starttls-stripping", "{\"tamper\": {\"removed\": \"250-PIPELINING\"}}", 0},
    {"pgp", "{\"key\": {\"agent\": \"bob\", \"system\": \"OpenPGP\"}}", 1},
    {"pgp", "{\"key\": {\"agent\": \"carol\"}}", 0},
    {"sniff-plaintext",
     "{\"tap_link\": {\"tap\": \"b-lan-tap\", \"link\": [\"bob-pc.b.example\", "
     "\"mail.b.example\"]}}",
     1},
    {"sniff-plaintext",
     "{\"tap_link\": {\"tap\": \"b-lan-tap\", \"link\": [\"gw.a.example\", "
     "\"router.example\"]}}",
     0},
    {"open-relay", "{\"log_contains\": \"status=sent\"}", 1},
    {"relay-restricted", "{\"log_contains\": \"status=sent (250 2.0.0 Ok: queued as\"}", 1},
    {"nine-steps", "{\"log_contains\": \"status=sent\"}", 0}, /* no mail log there */
    {"nine-steps", "{\"wire_contains\": \"PASS builder42\"}", 1},
    {"starttls-all-hops", "{\"wire_contains\": \"PASS builder42\"}", 0},
    {"starttls-all-hops", "{\"plain_contains\": \"PASS builder42\"}", 1},
    {"nine-steps", "{\"plain_contains\": \"PASS builder42\"}", 0},
    {"pop3s", "{\"tls_on_port\": 995}", 1},
    {"pop3s", "{\"tls_on_port\": 110}", 0},
    {"nine-steps",
     "{\"all\": [{\"step_port\": {\"step\": 1, \"port\": 587}}, {\"tls_on_port\": 587}]}", 0},
    {"nine-steps",
     "{\"all\": [{\"step_port\": {\"step\": 1, \"port\": 587}}, {\"not\": "
     "{\"tls_on_port\": 587}}]}",
     1},
    /* Countermeasures switched, as mailsim matrix does. */
    {"starttls-stripping",
     "{\"with\": {\"require_tls\": true}, \"mail_state\": {\"mail\": \"m1\", "
     "\"state\": \"deferred\", \"code\": 451}}",
     1},
    {"starttls-stripping", "{\"mail_state\": {\"mail\": \"m1\", \"state\": \"deferred\"}}", 0},
    {"starttls-stripping",
     "{\"with\": {\"require_tls\": false}, \"sniffed\": {\"finding\": "
     "\"body\", \"tap\": \"internet-tap\"}}",
     1},
    {"open-relay",
     "{\"with\": {\"relay_restriction\": true}, \"mail_state\": {\"mail\": "
     "\"spam1\", \"state\": \"delivered\"}}",
     0},
};

static cJSON *test_parse_check(const char *text, char *err, size_t errlen)
{
    struct scenario_ctx c;
    scenario_ctx_init(&c, "check", err, errlen);
    cJSON *check = cJSON_Parse(text);
    if (!check || quiz_check_validate(&c, check) != 0) {
        cJSON_Delete(check);
        return NULL;
    }
    return check;
}

static void test_claims(struct harness *h)
{
    struct quiz_runs *r = quiz_runs_new();
    for (size_t i = 0; i < sizeof claim_cases / sizeof claim_cases[0]; i++) {
        const struct claim_case *k = &claim_cases[i];
        char err[512] = "", why[1024] = "";
        cJSON *check = test_parse_check(k->check, err, sizeof err);
        if (!CHECK(h, check != NULL)) {
            fprintf(stderr, "    case %zu: %s\n", i, err);
            continue;
        }
        int got = quiz_check_eval(r, k->scenario, check, why, sizeof why);
        if (!CHECK(h, got == k->want)) {
            fprintf(stderr, "    case %zu (%s %s): got %d, want %d: %s\n", i, k->scenario, k->check,
                    got, k->want, why);
        }
        if (got == 0) {
            CHECK(h, why[0] != '\0'); /* a failed claim says what the run showed instead */
        }
        cJSON_Delete(check);
    }
    /* A countermeasure the scenario does not have is an error, not a false claim. */
    char err[512] = "", why[512] = "";
    cJSON *check = test_parse_check("{\"with\": {\"requre_tls\": true}, \"tls_on_port\": 25}", err,
                                    sizeof err);
    CHECK(h, check && quiz_check_eval(r, "starttls-stripping", check, why, sizeof why) == -1);
    CHECK_STR(h, why,
              "scenario starttls-stripping has no countermeasure \"requre_tls\" (it has: "
              "require_tls)");
    cJSON_Delete(check);
    check = test_parse_check("{\"tls_on_port\": 25}", err, sizeof err);
    CHECK(h, check && quiz_check_eval(r, "no-such-scenario", check, why, sizeof why) == -1);
    cJSON_Delete(check);
    quiz_runs_free(r);
}

#define Q_SRC "\"source\": \"RFC 6409 §3.1\", \"exam_weight\": \"low\", "

/* A wrong check in a question makes --verify's verdict fail for that question. */
static void test_verify_fails(struct harness *h)
{
    static const char bank[] =
        "{\"version\": 1, \"questions\": [{\"id\": \"wrong-port\", \"topic\": \"ports\", "
        "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 0, " Q_SRC
        "\"ja\": {\"question\": \"q\", \"choices\": [\"465\", \"587\"], \"explanation\": \"e\"}, "
        "\"en\": {\"question\": \"q\", \"choices\": [\"465\", \"587\"], \"explanation\": \"e\"}, "
        "\"check\": {\"step_port\": {\"step\": 1, \"port\": 465}}}, "
        "{\"id\": \"no-such-step\", \"topic\": \"open-relay\", \"scenario\": \"open-relay\", "
        "\"step\": 5, \"kind\": \"click\", \"answer\": \"mx.b\", " Q_SRC
        "\"ja\": {\"question\": \"q\", "
        "\"explanation\": \"e\"}, \"en\": {\"question\": \"q\", \"explanation\": \"e\"}}, "
        "{\"id\": \"no-such-agent\", \"topic\": \"nine-steps\", \"scenario\": \"nine-steps\", "
        "\"step\": 1, \"kind\": \"click\", \"answer\": \"msa.b\", " Q_SRC
        "\"ja\": {\"question\": \"q\", "
        "\"explanation\": \"e\"}, \"en\": {\"question\": \"q\", \"explanation\": \"e\"}}, "
        "{\"id\": \"no-such-link\", \"topic\": \"nine-steps\", \"scenario\": \"nine-steps\", "
        "\"step\": 4, \"kind\": \"click\", \"answer\": [\"gw.a.example\", \"mx.b.example\"], " Q_SRC
        ""
        "\"ja\": {\"question\": \"q\", \"explanation\": \"e\"}, \"en\": {\"question\": \"q\", "
        "\"explanation\": \"e\"}}]}";
    static const char *const whys[] = {
        "step 1 of m1 went to port 587 (connection #1, submission)",
        "open-relay has no step 5", /* spam is not submitted, and mx.b relays straight to c */
        "the answer msa.b is no agent of nine-steps",
        "the answer gw.a.example - mx.b.example is no link of nine-steps",
    };
    char err[1024];
    struct quiz_bank *b = quiz_bank_parse(bank, strlen(bank), "wrong.json", err, sizeof err);
    if (!CHECK(h, b != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    struct quiz_runs *r = quiz_runs_new();
    for (size_t i = 0; i < b->n; i++) {
        char why[1024] = "";
        CHECK_INT(h, quiz_question_verify(r, &b->q[i], why, sizeof why), 0);
        CHECK_STR(h, why, whys[i]);
    }
    quiz_runs_free(r);
    FILE *out = tmpfile();
    CHECK_INT(h, quiz_verify(b, out), 4);
    fclose(out);
    quiz_bank_free(b);
}

/* ---- Malformed banks ---- */

#define Q_HEAD "{\"version\": 1, \"questions\": [{\"id\": \"q1\", \"topic\": \"ports\", "
#define Q_TEXT(lang)                                                                               \
    "\"" lang "\": {\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"explanation\": \"e\"}"
#define Q_SOURCE "\"source\": \"RFC 6409 §3.1\", \"exam_weight\": \"high\", "
#define Q_GOOD_TAIL                                                                                \
    "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, " Q_SOURCE    \
        Q_TEXT("ja") ", " Q_TEXT("en")

struct bad_case {
    const char *text;
    const char *error;
};

static const struct bad_case bad_cases[] = {
    {"{\"version\": 1, \"questions\": [}",
     "bad.json:1:30: error: JSON syntax error: '}' cannot close the array opened at 1:29 (is a "
     "']' missing before it?)"},
    {"{\"version\": 1}", "bad.json: error: at $: missing required key \"questions\""},
    {"{\"version\": 2, \"questions\": []}",
     "bad.json: error: at $.version: expected an integer from 1 to 1, got the number 2"},
    {"{\"version\": 1, \"questions\": [], \"extra\": 1}",
     "bad.json: error: at $: unknown key \"extra\" (expected one of: $schema, version, questions)"},
    {Q_HEAD Q_GOOD_TAIL ", \"hint\": \"x\"}]}",
     "bad.json: error: at $.questions[0]: unknown key \"hint\" for a question (expected one of: "
     "id, topic, exam_weight, scenario, step, kind, answer, source, ja, en, check)"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, "
            "\"exam_weight\": \"high\", " Q_TEXT("ja") ", " Q_TEXT("en") "}]}",
     "bad.json: error: at $.questions[0]: missing required key \"source\""},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, "
            "\"source\": \"RFC 6409 §3.1\", " Q_TEXT("ja") ", " Q_TEXT("en") "}]}",
     "bad.json: error: at $.questions[0]: missing required key \"exam_weight\""},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, "
            "\"source\": \" \", \"exam_weight\": \"low\", " Q_TEXT("ja") ", " Q_TEXT("en") "}]}",
     "bad.json: error: at $.questions[0].source: expected an RFC and section, a Postfix or "
     "Dovecot parameter or an exam sitting, such as \"RFC 4954 §6\", got a string \" \""},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, "
            "\"source\": \"RFC 6409 §3.1\", \"exam_weight\": \"often\", " Q_TEXT("ja") ", " Q_TEXT(
                "en") "}]}",
     "bad.json: error: at $.questions[0].exam_weight: expected one of high, medium, low, got "
     "\"often\""},
    {Q_HEAD "\"scenario\": \"nine-step\", \"step\": 1}]}",
     "bad.json: error: at $.questions[0].scenario: expected a bundled scenario (see `mailsim "
     "list`), got \"nine-step\" (did you mean \"nine-steps\"?)"},
    {"{\"version\": 1, \"questions\": [{\"id\": \"q1\", \"topic\": \"port\", " Q_GOOD_TAIL "}]}",
     "bad.json: error: at $.questions[0].topic: expected one of nine-steps, ports, open-relay, "
     "relay-control, smtp-auth, pop-before-smtp, sniffing, tls, end-to-end, apop, pop3s-ssh, "
     "starttls-stripping, headers, header-injection, ppap, misdelivery, got \"port\" (did you "
     "mean \"ports\"?)"},
    {"{\"version\": 1, \"questions\": [{\"id\": \"Q_1\", \"topic\": \"ports\", " Q_GOOD_TAIL "}]}",
     "bad.json: error: at $.questions[0].id: expected lowercase letters, digits and single '-' (at "
     "most 64), such as \"ports-smtps-465\", got \"Q_1\""},
    {"{\"version\": 1, \"questions\": [{\"id\": \"q1\", \"topic\": \"ports\", " Q_GOOD_TAIL
     "}, {\"id\": \"q1\", \"topic\": \"ports\", " Q_GOOD_TAIL "}]}",
     "bad.json: error: at $.questions[1].id: \"q1\" is already the id of $.questions[0]"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 10}]}",
     "bad.json: error: at $.questions[0].step: expected an integer from 0 to 9, got the number 10"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"quiz\"}]}",
     "bad.json: error: at $.questions[0].kind: expected one of choice, click, got \"quiz\""},
    {Q_HEAD
     "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, " Q_TEXT(
         "en") "}]}",
     "bad.json: error: at $.questions[0]: missing required key \"ja\" (every question is in "
     "Japanese and in English)"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, "
            "\"ja\": {\"question\": \"q\", \"choices\": [\"a\", \"b\"]}, " Q_TEXT("en") "}]}",
     "bad.json: error: at $.questions[0].ja: missing required key \"explanation\""},
    {Q_HEAD
     "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, " Q_TEXT(
         "ja") ", \"en\": {\"question\": \"q\", \"choices\": [\"a\", \"b\", \"c\"], "
               "\"explanation\": \"e\"}}]}",
     "bad.json: error: at $.questions[0].en.choices: 3 choices, but ja has 2: the two languages "
     "must offer the same choices in the same order"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 1, "
            "\"ja\": {\"question\": \"q\", \"choices\": [\"a\"], \"explanation\": \"e\"}, " Q_TEXT(
                "en") "}]}",
     "bad.json: error: at $.questions[0].ja.choices: expected an array of 2 to 6 choices, got an "
     "array"},
    {Q_HEAD
     "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"choice\", \"answer\": 2, " Q_TEXT(
         "ja") ", " Q_TEXT("en") "}]}",
     "bad.json: error: at $.questions[0].answer: expected an integer from 0 to 1, got the number "
     "2"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"click\", \"answer\": 1, "
            "\"ja\": {\"question\": \"q\", \"explanation\": \"e\"}, \"en\": {\"question\": \"q\", "
            "\"explanation\": \"e\"}}]}",
     "bad.json: error: at $.questions[0].answer: expected an agent id such as \"mx.b\", or a link "
     "as two host names such as [\"gw.a.example\", \"router.example\"], got the number 1"},
    {Q_HEAD "\"scenario\": \"nine-steps\", \"step\": 1, \"kind\": \"click\", \"answer\": "
            "\"alice\", " Q_TEXT("ja") ", " Q_TEXT("en") "}]}",
     "bad.json: error: at $.questions[0].ja.choices: a click question has no choices: the "
     "scenario's agents (or links) are what the student chooses from"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"step_port\": {\"step\": 1}}}]}",
     "bad.json: error: at $.questions[0].check.step_port: missing required key \"port\" of claim "
     "step_port"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"step_prot\": {\"step\": 1, \"port\": 587}}}]}",
     "bad.json: error: at $.questions[0].check: unknown key \"step_prot\"; did you mean "
     "\"step_port\"? (expected one of: with, step_port, step_agent, step_tls, connect, sniffed, "
     "mail_state, policy, auth, secure, dns, tamper, key, tap_link, log_contains, wire_contains, "
     "plain_contains, tls_on_port, not, all)"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"step_port\": {\"step\": 1, \"port\": 587, \"hop\": 1}}}]}",
     "bad.json: error: at $.questions[0].check.step_port: unknown key \"hop\" for claim step_port "
     "(expected one of: step, port, mail, client)"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"step_port\": {\"step\": 1, \"port\": 70000}}}]}",
     "bad.json: error: at $.questions[0].check.step_port.port: expected an integer from 1 to "
     "65535, got the number 70000"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"wire_contains\": \"a\", \"log_contains\": \"b\"}}]}",
     "bad.json: error: at $.questions[0].check: one claim per check, got \"wire_contains\" and "
     "\"log_contains\" (join claims with \"all\")"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"with\": {\"smime\": \"on\"}, \"tls_on_port\": 25}}]}",
     "bad.json: error: at $.questions[0].check.with.smime: expected true (on) or false (off), got "
     "a string \"on\""},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"with\": {\"smime\": true}}}]}",
     "bad.json: error: at $.questions[0].check: no claim (expected one of: step_port, step_agent, "
     "sniffed, mail_state, ... see questions.schema.json)"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"all\": [{\"tls_on_port\": 25}, {\"not\": {\"with\": "
                        "{\"smime\": true}, \"tls_on_port\": 25}}]}}]}",
     "bad.json: error: at $.questions[0].check.all[1].not: unknown key \"with\" (expected one of: "
     "step_port, step_agent, step_tls, connect, sniffed, mail_state, policy, auth, secure, dns, "
     "tamper, key, tap_link, log_contains, wire_contains, plain_contains, tls_on_port, not, all)"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"sniffed\": {\"finding\": \"body\", \"value\": \"a\", "
                        "\"contains\": \"b\"}}}]}",
     "bad.json: error: at $.questions[0].check.sniffed: give \"value\" (the whole finding) or "
     "\"contains\" (a part of it), not both"},
    {Q_HEAD Q_GOOD_TAIL ", \"check\": {\"connect\": {}}}]}",
     "bad.json: error: at $.questions[0].check.connect: claim connect needs at least one of its "
     "keys"},
    {Q_HEAD Q_GOOD_TAIL
     ", \"check\": {\"tap_link\": {\"tap\": \"t\", \"link\": [\"a.example\"]}}}]}",
     "bad.json: error: at $.questions[0].check.tap_link.link: expected two host names "
     "[\"sw.a.example\", \"mail.a.example\"], got an array"},
};

static void test_bad_banks(struct harness *h)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        char err[1024] = "";
        const char *text = bad_cases[i].text;
        struct quiz_bank *b = quiz_bank_parse(text, strlen(text), "bad.json", err, sizeof err);
        if (!CHECK(h, b == NULL)) {
            fprintf(stderr, "    case %zu was accepted\n", i);
            quiz_bank_free(b);
            continue;
        }
        if (!CHECK_STR(h, err, bad_cases[i].error)) {
            fprintf(stderr, "    (case %zu)\n", i);
        }
    }
    /* The good form the bad cases depart from is good. */
    static const char good[] = Q_HEAD Q_GOOD_TAIL "}]}";
    char err[1024];
    struct quiz_bank *b = quiz_bank_parse(good, strlen(good), "good.json", err, sizeof err);
    if (CHECK(h, b != NULL)) {
        CHECK_INT(h, b->n, 1);
        CHECK_STR(h, b->q[0].en.choices[1], "b");
        CHECK_INT(h, b->q[0].answer, 1);
    } else {
        fprintf(stderr, "    %s\n", err);
    }
    quiz_bank_free(b);
    b = quiz_bank_load("no/such/questions.json", err, sizeof err);
    CHECK(h, b == NULL);
    CHECK_STR(h, err, "no/such/questions.json: error: cannot open: No such file or directory");
}

/* ---- Progress ---- */

static void test_progress(struct harness *h)
{
    char dir[] = "/tmp/mailsim-quiz-XXXXXX";
    if (!CHECK(h, mkdtemp(dir) != NULL)) {
        return;
    }
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/deeper/mailsim/progress.json", dir);
    struct quiz_progress p;
    CHECK_INT(h, quiz_progress_load(&p, path, err, sizeof err), 0); /* missing: empty */
    CHECK_INT(h, p.n, 0);
    CHECK_INT(h, quiz_progress_record(&p, "ports-smtps-465", false, 1775001600), 0);
    CHECK_INT(h, quiz_progress_record(&p, "ports-smtps-465", true, 1775001660), 0);
    CHECK_INT(h, quiz_progress_record(&p, "apop-timestamp", false, 1775001720), 0);
    CHECK_INT(h, quiz_progress_save(&p, path, err, sizeof err), 0);
    quiz_progress_free(&p);
    struct quiz_progress back;
    CHECK_INT(h, quiz_progress_load(&back, path, err, sizeof err), 0);
    const struct quiz_record *r = quiz_progress_find(&back, "ports-smtps-465");
    if (CHECK(h, r != NULL)) {
        CHECK_INT(h, r->asked, 2);
        CHECK_INT(h, r->right, 1);
        CHECK_INT(h, r->last, QUIZ_LAST_RIGHT);
        CHECK_STR(h, r->last_at, "2026-04-01T00:01:00Z");
    }
    r = quiz_progress_find(&back, "apop-timestamp");
    CHECK(h, r && r->asked == 1 && r->right == 0 && r->last == QUIZ_LAST_WRONG);
    quiz_progress_free(&back);
    /* Written beside and renamed: nothing else is left in the directory. */
    char tmpname[600];
    snprintf(tmpname, sizeof tmpname, "%s.tmp-%ld", path, (long)getpid());
    struct stat st;
    CHECK(h, stat(tmpname, &st) != 0);
    /* A broken file is an error, not an empty progress. */
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("{\"questions\": {\"x\": {\"asked\": 1, \"right\": 2}}}", f);
        fclose(f);
    }
    CHECK_INT(h, quiz_progress_load(&back, path, err, sizeof err), -1);
    CHECK(h, strstr(err, "the record of \"x\" is malformed") != NULL);
    CHECK_INT(h, back.n, 0);
    f = fopen(path, "w");
    if (f) {
        fputs("{\"questions\": ", f);
        fclose(f);
    }
    CHECK_INT(h, quiz_progress_load(&back, path, err, sizeof err), -1);
    CHECK(h, strstr(err, "not valid JSON") != NULL);
    unlink(path);
    snprintf(path, sizeof path, "%s/deeper/mailsim", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/deeper", dir);
    rmdir(path);
    rmdir(dir);

    /* Where it lives: XDG_DATA_HOME when absolute, else ~/.local/share. */
    char *old_xdg = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("XDG_DATA_HOME", "/x/data", 1);
    setenv("HOME", "/home/s", 1);
    CHECK(h, quiz_progress_default_path(path, sizeof path) == 0);
    CHECK_STR(h, path, "/x/data/mailsim/progress.json");
    setenv("XDG_DATA_HOME", "relative/data", 1);
    CHECK(h, quiz_progress_default_path(path, sizeof path) == 0);
    CHECK_STR(h, path, "/home/s/.local/share/mailsim/progress.json");
    unsetenv("XDG_DATA_HOME");
    unsetenv("HOME");
    CHECK_INT(h, quiz_progress_default_path(path, sizeof path), -1);
    if (old_xdg) {
        setenv("XDG_DATA_HOME", old_xdg, 1);
    }
    if (old_home) {
        setenv("HOME", old_home, 1);
    }
    free(old_xdg);
    free(old_home);
}

/* ---- Choosing a round ---- */

/* The terminal's choice: quiz_round_select in the shuffled order. */
static size_t test_shuffled(const struct quiz_bank *b, const struct quiz_progress *p,
                            const struct quiz_filter *f, uint64_t seed, size_t count, size_t *out)
{
    struct quiz_round_options o = {*f, QUIZ_ROUND_SHUFFLED, seed, count};
    return quiz_round_select(b, p, &o, out);
}

static void test_select(struct harness *h, const struct quiz_bank *b)
{
    size_t *a = calloc(b->n, sizeof *a), *c = calloc(b->n, sizeof *c);
    if (!a || !c) {
        abort();
    }
    struct quiz_filter all = {.scenario = NULL};
    CHECK_INT(h, test_shuffled(b, NULL, &all, 42, 0, a), b->n);
    CHECK_INT(h, test_shuffled(b, NULL, &all, 42, 10, a), 10);
    CHECK_INT(h, test_shuffled(b, NULL, &all, 42, 10, c), 10);
    CHECK(h, memcmp(a, c, 10 * sizeof *a) == 0); /* the same seed, the same round */
    test_shuffled(b, NULL, &all, 43, 10, c);
    CHECK(h, memcmp(a, c, 10 * sizeof *a) != 0);
    struct quiz_filter ports = {.topics = 1u << QUIZ_TOPIC_PORTS};
    size_t n = test_shuffled(b, NULL, &ports, 1, 0, a);
    bool only = n > 0;
    for (size_t i = 0; i < n; i++) {
        only = only && b->q[a[i]].topic == QUIZ_TOPIC_PORTS;
    }
    CHECK(h, only);
    struct quiz_filter apop = {.scenario = "apop"};
    n = test_shuffled(b, NULL, &apop, 1, 0, a);
    only = n > 0;
    for (size_t i = 0; i < n; i++) {
        only = only && strcmp(b->q[a[i]].scenario, "apop") == 0;
    }
    CHECK(h, only);
    /* Never asked: every high-weight question before every medium one, and medium before low;
     * the seed still shuffles within a weight. */
    size_t per_weight[QUIZ_WEIGHT_COUNT] = {0};
    for (size_t i = 0; i < b->n; i++) {
        per_weight[b->q[i].weight]++;
    }
    for (int w = 0; w < QUIZ_WEIGHT_COUNT; w++) {
        if (!CHECK(h, per_weight[w] >= 5)) {
            fprintf(stderr, "    weight %s has %zu questions\n", quiz_weight_name(w),
                    per_weight[w]);
        }
    }
    n = test_shuffled(b, NULL, &all, 42, 0, a);
    bool sorted = n == b->n;
    for (size_t i = 1; i < n; i++) {
        sorted = sorted && b->q[a[i - 1]].weight <= b->q[a[i]].weight;
    }
    CHECK(h, sorted);
    CHECK_INT(h, b->q[a[0]].weight, QUIZ_WEIGHT_HIGH);
    CHECK_INT(h, b->q[a[n - 1]].weight, QUIZ_WEIGHT_LOW);
    test_shuffled(b, NULL, &all, 43, 0, c);
    CHECK(h, memcmp(a, c, per_weight[QUIZ_WEIGHT_HIGH] * sizeof *a) != 0);
    /* --weight low: only low; --weight high,medium with --topic ports: just those. */
    struct quiz_filter low = {.weights = 1u << QUIZ_WEIGHT_LOW};
    n = test_shuffled(b, NULL, &low, 1, 0, a);
    CHECK_INT(h, n, per_weight[QUIZ_WEIGHT_LOW]);
    only = n > 0;
    for (size_t i = 0; i < n; i++) {
        only = only && b->q[a[i]].weight == QUIZ_WEIGHT_LOW;
    }
    CHECK(h, only);
    struct quiz_filter both = {.topics = 1u << QUIZ_TOPIC_PORTS,
                               .weights = 1u << QUIZ_WEIGHT_HIGH | 1u << QUIZ_WEIGHT_MEDIUM};
    n = test_shuffled(b, NULL, &both, 1, 0, a);
    only = n > 0;
    for (size_t i = 0; i < n; i++) {
        only = only && b->q[a[i]].topic == QUIZ_TOPIC_PORTS && b->q[a[i]].weight != QUIZ_WEIGHT_LOW;
    }
    CHECK(h, only);
    CHECK_INT(h, quiz_weight_find("medium"), QUIZ_WEIGHT_MEDIUM);
    CHECK_INT(h, quiz_weight_find("often"), -1);
    CHECK_STR(h, quiz_weight_name(QUIZ_WEIGHT_LOW), "low");
    /* Asked questions go to the back; --review takes only those last answered wrong. */
    struct quiz_progress p = {0};
    for (size_t i = 0; i + 1 < b->n; i++) {
        quiz_progress_record(&p, b->q[i].id, i % 2 == 0, 0);
    }
    n = test_shuffled(b, &p, &all, 7, 1, a);
    CHECK_INT(h, n, 1);
    CHECK_INT(h, a[0], b->n - 1); /* the one never asked */
    struct quiz_filter review = {.review = true};
    n = test_shuffled(b, &p, &review, 7, 0, a);
    CHECK_INT(h, n, (b->n - 1) / 2);
    only = true;
    for (size_t i = 0; i < n; i++) {
        only = only && a[i] % 2 == 1;
    }
    CHECK(h, only);
    quiz_progress_free(&p);
    free(a);
    free(c);
}

/* ---- A round ---- */

/* Five questions on nine-steps, one of each kind, weights and steps mixed; two share a weight
 * and a step, so the window's order must keep them as the bank has them. */
#define R_TEXT(lang, id, choices)                                                                  \
    "\"" lang "\": {\"question\": \"q\"" choices ", \"explanation\": \"e-" id "\"}"
#define R_Q(id, weight, step, kind_answer, choices)                                                \
    "{\"id\": \"" id                                                                               \
    "\", \"topic\": \"nine-steps\", \"scenario\": \"nine-steps\", \"step\": " #step                \
    ", " kind_answer ", \"source\": \"RFC 5598\", \"exam_weight\": \"" weight                      \
    "\", " R_TEXT("ja", id, choices) ", " R_TEXT("en", id, choices) "}"
#define R_ABC ", \"choices\": [\"a\", \"b\", \"c\"]"
#define R_LOW_4 R_Q("low-4", "low", 4, "\"kind\": \"choice\", \"answer\": 1", R_ABC)
#define R_HIGH_0 R_Q("high-0", "high", 0, "\"kind\": \"click\", \"answer\": \"mx.b\"", "")
#define R_LINK "[\"gw.a.example\", \"router.example\"]"
#define R_HIGH_2_LINK R_Q("high-2-link", "high", 2, "\"kind\": \"click\", \"answer\": " R_LINK, "")
#define R_MEDIUM_1 R_Q("medium-1", "medium", 1, "\"kind\": \"choice\", \"answer\": 0", R_ABC)
#define R_HIGH_2 R_Q("high-2", "high", 2, "\"kind\": \"choice\", \"answer\": 2", R_ABC)
static const char round_bank[] = "{\"version\": 1, \"questions\": [" R_LOW_4 ", " R_HIGH_0
                                 ", " R_HIGH_2_LINK ", " R_MEDIUM_1 ", " R_HIGH_2 "]}";

static void test_round(struct harness *h, const struct quiz_bank *bundled)
{
    char err[1024];
    struct quiz_bank *b =
        quiz_bank_parse(round_bank, strlen(round_bank), "round.json", err, sizeof err);
    if (!CHECK(h, b != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    /* The window's order: high (step 2, step 2, then the whole scenario), medium, low. */
    struct quiz_round_options by_step = {{.scenario = "nine-steps"}, QUIZ_ROUND_BY_STEP, 0, 0};
    struct quiz_round r = {0};
    CHECK_INT(h, quiz_round_start(&r, b, NULL, &by_step), 0);
    CHECK_INT(h, r.n, 5);
    static const size_t want[] = {2, 4, 1, 3, 0};
    CHECK(h, r.n == 5 && memcmp(r.order, want, sizeof want) == 0);
    CHECK_STR(h, quiz_round_current(&r)->id, "high-2-link");

    /* A wrong link: the verdict names the right one and the explanation's question. */
    struct quiz_answer a = {.link = {"mail.b.example", "mx.b.example"}};
    struct quiz_verdict v;
    CHECK_INT(h, quiz_round_submit(&r, &a, &v), 0);
    CHECK(h, !v.right && r.answered && !r.right);
    CHECK_STR(h, v.answer.link[0], "gw.a.example");
    CHECK_STR(h, v.answer.link[1], "router.example");
    CHECK_STR(h, v.q->en.explanation, "e-high-2-link");
    CHECK_INT(h, quiz_round_submit(&r, &a, &v), -1); /* one answer a question */
    CHECK_INT(h, r.asked, 1);
    /* The same link named the other way round is right. */
    struct quiz_answer back = {.link = {"router.example", "gw.a.example"}};
    CHECK(h, quiz_round_grade(quiz_round_current(&r), &back));

    CHECK(h, quiz_round_next(&r));
    struct quiz_answer two = {.choice = 2};
    CHECK_INT(h, quiz_round_submit(&r, &two, &v), 0);
    CHECK(h, v.right && v.answer.choice == 2);

    CHECK(h, quiz_round_next(&r));
    struct quiz_answer mta = {.agent = "mta.b"};
    CHECK_INT(h, quiz_round_submit(&r, &mta, &v), 0);
    CHECK(h, !v.right);
    CHECK_STR(h, v.answer.agent, "mx.b");

    CHECK(h, quiz_round_next(&r)); /* medium-1: skipped, so it counts nothing */
    CHECK_STR(h, quiz_round_current(&r)->id, "medium-1");
    CHECK(h, quiz_round_next(&r));
    struct quiz_answer zero = {.choice = 0};
    CHECK_INT(h, quiz_round_submit(&r, &zero, &v), 0);
    CHECK(h, !v.right && v.answer.choice == 1); /* the right choice goes with a wrong answer */
    CHECK(h, !quiz_round_next(&r));
    CHECK(h, quiz_round_current(&r) == NULL);
    CHECK_INT(h, quiz_round_submit(&r, &zero, &v), -1);
    CHECK(h, !quiz_round_next(&r)); /* stays over */
    CHECK_INT(h, r.asked, 4);
    CHECK_INT(h, r.nright, 1);
    const struct quiz_question *missed[4];
    CHECK_INT(h, quiz_round_missed(&r, missed, 4), 3);
    CHECK_STR(h, missed[0]->id, "high-2-link");
    CHECK_STR(h, missed[1]->id, "high-0");
    CHECK_STR(h, missed[2]->id, "low-4");

    /* A review asks the ones last answered wrong, and each question's progress before it. */
    struct quiz_progress p = {0};
    quiz_progress_record(&p, "high-0", true, 0);
    quiz_progress_record(&p, "high-0", false, 0);
    quiz_progress_record(&p, "low-4", false, 0);
    quiz_progress_record(&p, "low-4", true, 0);
    struct quiz_round_options review = by_step;
    review.filter.review = true;
    CHECK_INT(h, quiz_round_count(b, &p, &review), 1);
    CHECK_INT(h, quiz_round_count(b, NULL, &review), 0);   /* no progress: nothing to review */
    CHECK_INT(h, quiz_round_start(&r, b, &p, &review), 0); /* started again */
    CHECK(h, r.review && r.n == 1 && r.asked == 0);
    CHECK_STR(h, quiz_round_current(&r)->id, "high-0");
    CHECK_INT(h, r.asked_before, 2);
    CHECK_INT(h, r.right_before, 1);
    quiz_progress_free(&p);

    /* The terminal's order: the same seed asks the same questions in the same order, another
     * seed another order; count cuts the round. */
    struct quiz_round_options shuffled = {{.scenario = NULL}, QUIZ_ROUND_SHUFFLED, 28, 12};
    struct quiz_round again = {0};
    CHECK_INT(h, quiz_round_start(&r, bundled, NULL, &shuffled), 0);
    CHECK_INT(h, quiz_round_start(&again, bundled, NULL, &shuffled), 0);
    CHECK(h, r.n == 12 && again.n == 12);
    CHECK(h, memcmp(r.order, again.order, 12 * sizeof *r.order) == 0);
    shuffled.seed = 29;
    CHECK_INT(h, quiz_round_start(&again, bundled, NULL, &shuffled), 0);
    CHECK(h, memcmp(r.order, again.order, 12 * sizeof *r.order) != 0);
    quiz_round_free(&again);
    quiz_round_free(&r);
    CHECK(h, r.order == NULL && r.n == 0);
    quiz_bank_free(b);
}

/* ---- The glossary ---- */

static void test_glossary(struct harness *h)
{
    char err[1024];
    struct glossary *g = glossary_load(NULL, err, sizeof err);
    if (!CHECK(h, g != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    CHECK(h, g->n >= 60);
    bool complete = true;
    for (size_t i = 0; i < g->n; i++) {
        const struct glossary_entry *e = &g->e[i];
        complete = complete && test_nonempty(e->term_ja) && test_nonempty(e->term_en) &&
                   test_nonempty(e->definition_ja) && test_nonempty(e->definition_en);
        CHECK(h, glossary_find(g, e->id) == e); /* ids are unique */
    }
    CHECK(h, complete);
    static const char *const wanted[] = {"mua",
                                         "msa",
                                         "mta",
                                         "mda",
                                         "mra",
                                         "mx",
                                         "smtp-auth",
                                         "starttls",
                                         "smtps",
                                         "pop3s",
                                         "stls",
                                         "imaps",
                                         "apop",
                                         "s-mime",
                                         "openpgp",
                                         "open-relay",
                                         "relay-restriction",
                                         "mynetworks",
                                         "pop-before-smtp",
                                         "nat",
                                         "tap",
                                         "sniffer",
                                         "tls-record",
                                         "envelope",
                                         "received",
                                         "dsn",
                                         "maildir",
                                         "key-log",
                                         "fingerprint",
                                         "ca",
                                         "port-forwarding",
                                         "starttls-stripping",
                                         "op25b",
                                         "ip25b",
                                         "spf",
                                         "dkim",
                                         "dmarc",
                                         "mta-sts",
                                         "countermeasure",
                                         NULL};
    for (size_t i = 0; wanted[i]; i++) {
        if (!CHECK(h, glossary_find(g, wanted[i]) != NULL)) {
            fprintf(stderr, "    no glossary entry \"%s\"\n", wanted[i]);
        }
    }
    /* Every role an agent of a bundled scenario plays is a term. */
    char *paths[MAX_BUNDLED];
    int n = catalog_bundled(paths, MAX_BUNDLED);
    CHECK(h, n >= 16);
    for (int i = 0; i < n; i++) {
        struct scenario *sc = scenario_load(paths[i], err, sizeof err);
        for (size_t k = 0; sc && k < sc->nagents; k++) {
            if (!CHECK(h, glossary_find(g, sc->agents[k].role) != NULL)) {
                fprintf(stderr, "    %s: role %s has no glossary entry\n", paths[i],
                        sc->agents[k].role);
            }
        }
        scenario_free(sc);
        free(paths[i]);
    }
    CHECK_STR(h, glossary_term(glossary_find(g, "mua"), "en"), "MUA (Mail User Agent)");
    glossary_free(g);

    static const char dup[] =
        "{\"version\": 1, \"terms\": [{\"id\": \"mua\", \"ja\": {\"term\": \"a\", "
        "\"definition\": \"b\"}, \"en\": {\"term\": \"a\", \"definition\": \"b\"}}, {\"id\": "
        "\"mua\", \"ja\": {\"term\": \"a\", \"definition\": \"b\"}, \"en\": {\"term\": \"a\", "
        "\"definition\": \"b\"}}]}";
    CHECK(h, glossary_parse(dup, strlen(dup), "g.json", err, sizeof err) == NULL);
    CHECK_STR(h, err, "g.json: error: at $.terms[1].id: \"mua\" is already the id of $.terms[0]");
    static const char half[] = "{\"version\": 1, \"terms\": [{\"id\": \"mua\", \"ja\": {\"term\": "
                               "\"a\", \"definition\": \"b\"}}]}";
    CHECK(h, glossary_parse(half, strlen(half), "g.json", err, sizeof err) == NULL);
    CHECK_STR(h, err,
              "g.json: error: at $.terms[0]: missing required key \"en\" (every term is "
              "in Japanese and in English)");
}

int main(void)
{
    struct harness h = {"test_quiz", 0, 0};
    char err[1024];
    struct quiz_bank *b = quiz_bank_load(NULL, err, sizeof err);
    if (!CHECK(&h, b != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return harness_finish(&h);
    }
    CHECK_INT(&h, quiz_topic_find("ports"), QUIZ_TOPIC_PORTS);
    CHECK_INT(&h, quiz_topic_find("port"), -1);
    CHECK_STR(&h, quiz_topic_name(QUIZ_TOPIC_HEADERS), "headers");
    test_bank_shape(&h, b);
    test_bank_against_runs(&h, b);
    test_claims(&h);
    test_verify_fails(&h);
    test_bad_banks(&h);
    test_progress(&h);
    test_select(&h, b);
    test_round(&h, b);
    test_glossary(&h);
    quiz_bank_free(b);
    return harness_finish(&h);
}
