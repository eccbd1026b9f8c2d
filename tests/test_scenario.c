/* test_scenario: the scenario parser — the bundled nine-step file field by field, every file
 * of bad-scenarios/ against the message its EXPECTED line promises, truncated copies of the
 * good file, small inline cases for defaults and limits, and the duration table. */
#include "claims.h"
#include "harness.h"
#include "scenario.h"
#include "scenario_parser.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOOD "../scenarios/nine-steps.json"
#define BAD_DIR "bad-scenarios"

static char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* A message the app can print as it is: one line of printable ASCII. */
static bool test_plain_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            return false;
        }
    }
    return true;
}

/* "NAME:LINE:COL: error: " at the start of err. */
static bool test_located(const char *err, const char *name)
{
    size_t n = strlen(name);
    unsigned long line, col;
    char tail[16];
    return strncmp(err, name, n) == 0 && sscanf(err + n, ":%lu:%lu: %7s", &line, &col, tail) == 3 &&
           line > 0 && col > 0 && strcmp(tail, "error:") == 0;
}

static void test_good_file(struct harness *h)
{
    char err[1024] = "";
    struct scenario *s = scenario_load(GOOD, err, sizeof err);
    if (!CHECK(h, s != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    CHECK_STR(h, s->path, GOOD);
    CHECK_STR(h, s->id, "nine-steps");
    CHECK_STR(h, s->title.en, "The nine steps of mail delivery");
    CHECK_STR(h, s->title.ja, "メール配送の9ステップ");
    CHECK(h, s->description.en && strncmp(s->description.en, "From alice@a.example", 20) == 0);
    CHECK_INT(h, s->ntopics, 4);
    CHECK_STR(h, s->topics[3], "mx");
    CHECK_INT(h, s->seed, 1);
    CHECK_INT(h, s->epoch, 1775001600);
    CHECK_INT(h, s->tz_minutes, 540);
    CHECK_INT(h, s->until_us, 0);
    CHECK_INT(h, s->nzones, 5);
    CHECK_STR(h, s->zones[2].id, "internet");
    CHECK_STR(h, s->zones[2].label.en, "The Internet");
    CHECK_INT(h, s->nhosts, 9);
    CHECK_STR(h, s->hosts[4].name, "ns.example");
    CHECK_STR(h, s->hosts[4].zone, "internet");
    CHECK_STR(h, s->hosts[4].ip, "198.51.100.53");
    CHECK_INT(h, s->nlinks, 8);
    CHECK_STR(h, s->links[3].a, "gw.a.example");
    CHECK_STR(h, s->links[3].b, "router.example");
    CHECK_INT(h, s->links[3].latency_us, 15000);
    CHECK_INT(h, s->links[0].latency_us, 1000);
    CHECK_INT(h, s->naccounts, 2);
    CHECK_STR(h, s->accounts[1].user, "bob");
    CHECK_STR(h, s->accounts[1].password, "builder42");
    CHECK_STR(h, s->accounts[1].address, "bob@b.example");
    CHECK_INT(h, s->nagents, 12);

    const struct scenario_agent *alice = &s->agents[0];
    CHECK_STR(h, alice->role, "mua");
    CHECK_INT(h, alice->kind, SCENARIO_ROLE_MUA);
    CHECK_STR(h, alice->user, "alice");
    CHECK_STR(h, alice->display_name, "Alice");
    CHECK_STR(h, alice->submit_host, "mail.a.example");
    CHECK_STR(h, alice->pop_host, "mail.a.example");
    CHECK_INT(h, alice->submit_port, 0);
    CHECK_INT(h, alice->mode.auth_mech, SCENARIO_MECH_PLAIN);
    CHECK_INT(h, alice->mode.submit_tls, SCENARIO_SUBMIT_TLS_NONE);
    CHECK(h, alice->submit_tls == NULL);
    CHECK(h, !alice->apop && !alice->keep_on_server);

    const struct scenario_agent *msa = &s->agents[1];
    CHECK_STR(h, msa->role, "msa");
    CHECK_STR(h, msa->mta, "mta.a");
    CHECK_INT(h, msa->kind, SCENARIO_ROLE_MSA);
    CHECK_INT(h, msa->auth_mechs, 0);
    CHECK_INT(h, msa->mode.smtpd_tls_security_level, SCENARIO_TLS_NONE);

    const struct scenario_agent *mta = &s->agents[2];
    CHECK_STR(h, mta->id, "mta.a");
    CHECK_INT(h, mta->nmydestination, 1);
    CHECK_STR(h, mta->mydestination[0], "a.example");
    CHECK_STR(h, mta->mda, "mda.a");
    CHECK_INT(h, mta->nmynetworks, 1);
    CHECK_STR(h, mta->mynetworks[0], "192.0.2.0/24");
    CHECK_STR(h, mta->relayhost, "filter.a.example");
    CHECK_INT(h, mta->relay_step, 3);
    CHECK(h, mta->permit_sasl_authenticated);
    CHECK(h, !mta->open_relay && !mta->no_listen);
    CHECK(h, mta->dns == NULL && mta->hostname == NULL);
    CHECK_INT(h, mta->port, 0);

    CHECK_STR(h, s->agents[4].role, "filter");
    CHECK_INT(h, s->agents[4].kind, SCENARIO_ROLE_FILTER);
    const struct scenario_agent *gw = &s->agents[5];
    CHECK_STR(h, gw->id, "gw.a");
    CHECK_INT(h, gw->nrelay_domains, 1);
    CHECK_STR(h, gw->relay_domains[0], "a.example");
    CHECK_INT(h, gw->ntransports, 1);
    CHECK_STR(h, gw->transports[0].domain, "a.example");
    CHECK_STR(h, gw->transports[0].nexthop, "mail.a.example");
    CHECK_INT(h, gw->relay_step, 4);
    CHECK(h, gw->relayhost == NULL);

    const struct scenario_agent *dns = &s->agents[6];
    CHECK_STR(h, dns->role, "dns");
    CHECK_INT(h, dns->nmx, 2);
    CHECK_STR(h, dns->mx[0].domain, "a.example");
    CHECK_INT(h, dns->mx[0].preference, 10);
    CHECK_STR(h, dns->mx[0].exchange, "gw.a.example");
    CHECK_STR(h, dns->mx[1].domain, "b.example");
    CHECK_STR(h, dns->mx[1].exchange, "mx.b.example");

    CHECK_STR(h, s->agents[9].role, "mda");
    const struct scenario_agent *mra = &s->agents[10];
    CHECK_STR(h, mra->role, "mra");
    CHECK_STR(h, mra->mda, "mda.b");
    CHECK(h, !mra->no_user_pass && !mra->apop);
    CHECK_STR(h, s->agents[11].id, "bob");

    CHECK_INT(h, s->ntimeline, 2);
    const struct scenario_event *send = &s->timeline[0];
    CHECK_INT(h, send->action, SCENARIO_SEND);
    CHECK_INT(h, send->at_us, 0);
    CHECK_STR(h, send->agent, "alice");
    CHECK_STR(h, send->mail, "m1");
    CHECK_INT(h, send->nto, 1);
    CHECK_STR(h, send->to[0], "bob@b.example");
    CHECK_STR(h, send->subject, "明日の打ち合わせ / Tomorrow's meeting");
    CHECK(h, send->body && strncmp(send->body, "Bob,\n\nCan we", 12) == 0);
    CHECK_INT(h, send->repeat, 1);
    CHECK_INT(h, send->interval_us, 0);
    CHECK_INT(h, send->body_bytes, 0);
    CHECK_INT(h, s->timeline[1].action, SCENARIO_FETCH);
    CHECK_INT(h, s->timeline[1].at_us, 60000000);
    CHECK_STR(h, s->timeline[1].agent, "bob");

    const struct scenario_expect *x = &s->expect;
    CHECK_INT(h, x->delivered, 1);
    CHECK_INT(h, x->retrieved, 1);
    CHECK_INT(h, x->bounced, 0);
    CHECK_INT(h, x->rejected, -1);
    CHECK_INT(h, x->nmailboxes, 1);
    CHECK_STR(h, x->mailboxes[0].agent, "mda.b");
    CHECK_STR(h, x->mailboxes[0].user, "bob");
    CHECK_INT(h, x->mailboxes[0].count, 0);
    CHECK_STR(h, x->received_agent, "bob");
    CHECK_INT(h, x->received_min, 3);
    /* What the trace must show became claims, each named by where it stands in the file. */
    static const char *const claims[][2] = {
        {"expect.steps", "steps"},
        {"expect.mails[0]", "mail_state"},
        {"expect.trace_contains[0]", "wire_contains"},
        {"expect.trace_contains[1]", "wire_contains"},
        {"expect.trace_contains[2]", "wire_contains"},
    };
    CHECK_INT(h, x->nclaims, sizeof claims / sizeof claims[0]);
    for (size_t i = 0; i < x->nclaims && i < sizeof claims / sizeof claims[0]; i++) {
        CHECK_STR(h, x->claims[i].where, claims[i][0]);
        CHECK_STR(h, claims_name(x->claims[i].claim), claims[i][1]);
    }
    scenario_free(s);
}

/* Every line of EXPECTED: the file fails, and the message names it and contains the text. */
static void test_bad_files(struct harness *h)
{
    FILE *f = fopen(BAD_DIR "/EXPECTED", "r");
    if (!CHECK(h, f != NULL)) {
        return;
    }
    char line[1024];
    int cases = 0;
    char listed[4096] = "\n";
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!line[0] || line[0] == '#' || !CHECK(h, tab != NULL)) {
            continue;
        }
        *tab = '\0';
        const char *want = tab + 1;
        char path[1100], err[1024] = "";
        if (!CHECK(h, snprintf(path, sizeof path, "%s/%s", BAD_DIR, line) < (int)sizeof path)) {
            continue;
        }
        size_t used = strlen(listed);
        snprintf(listed + used, sizeof listed - used, "%s\n", line);
        struct scenario *s = scenario_load(path, err, sizeof err);
        bool ok = s == NULL && strncmp(err, path, strlen(path)) == 0 && strstr(err, want) &&
                  test_plain_ascii(err);
        if (!CHECK(h, ok)) {
            fprintf(stderr, "    file: %s\n    got:  %s\n    want: %s\n", path,
                    s ? "(parsed)" : err, want);
        }
        scenario_free(s);
        cases++;
    }
    fclose(f);
    CHECK(h, cases >= 25);

    /* Each file in the directory has its line. */
    DIR *d = opendir(BAD_DIR);
    if (!CHECK(h, d != NULL)) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            char needle[300];
            snprintf(needle, sizeof needle, "\n%s\n", e->d_name);
            if (!CHECK(h, strstr(listed, needle) != NULL)) {
                fprintf(stderr, "    %s has no line in EXPECTED\n", e->d_name);
            }
        }
    }
    closedir(d);
}

/* The good file cut short anywhere fails with a located message (and, under valgrind, with
 * nothing leaked or read out of bounds). */
static void test_truncated(struct harness *h)
{
    size_t len;
    char *text = test_read_file(GOOD, &len);
    if (!CHECK(h, text != NULL && len > 1000)) {
        free(text);
        return;
    }
    int failures = 0;
    for (size_t cut = 1; cut < len; cut += 37) {
        char *copy = malloc(cut); /* exactly cut bytes: reading past them is a bug */
        if (!copy) {
            break;
        }
        memcpy(copy, text, cut);
        char err[1024] = "";
        struct scenario *s = scenario_parse(copy, cut, "cut", err, sizeof err);
        if (s != NULL || !test_located(err, "cut") || !test_plain_ascii(err)) {
            if (failures++ < 5) {
                fprintf(stderr, "    cut at %zu: %s\n", cut, s ? "(parsed)" : err);
            }
        }
        scenario_free(s);
        free(copy);
    }
    CHECK_INT(h, failures, 0);
    /* Whole, from a buffer with no NUL after it. */
    char *exact = malloc(len);
    if (exact) {
        memcpy(exact, text, len);
        struct scenario *s = scenario_parse(exact, len, "exact", NULL, 0);
        CHECK(h, s != NULL);
        scenario_free(s);
        free(exact);
    }
    free(text);
}

/* Two hosts on one link and an account: the world of the small scenarios below. */
#define WORLD                                                                                      \
    "{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}},\n"                     \
    " \"zones\": [{\"id\": \"z\", \"label\": {\"ja\": \"z\", \"en\": \"z\"}}],\n"                  \
    " \"hosts\": [{\"name\": \"h1.example\", \"zone\": \"z\", \"ip\": \"192.0.2.1\"},\n"           \
    "             {\"name\": \"h2.example\", \"zone\": \"z\", \"ip\": \"192.0.2.2\"}],\n"          \
    " \"links\": [{\"a\": \"h1.example\", \"b\": \"h2.example\"}],\n"                              \
    " \"accounts\": [{\"user\": \"al\", \"password\": \"pw\", \"address\": \"al@b.example\"}],\n"

/* A small valid scenario; EXTRA is spliced in as more top-level keys. */
#define BASE                                                                                       \
    WORLD " \"agents\": [{\"id\": \"ua\", \"role\": \"mua\", \"host\": \"h1.example\", \"user\": " \
          "\"al\"},\n"                                                                             \
          "   {\"id\": \"mt\", \"role\": \"mta\", \"host\": \"h2.example\", \"mydestination\": "   \
          "[\"b.example\"], \"mda\": \"md\"},\n"                                                   \
          "   {\"id\": \"md\", \"role\": \"mda\", \"host\": \"h2.example\"}]"

struct test_inline {
    const char *json;
    const char *want; /* NULL: parses */
};

static void test_inline_cases(struct harness *h)
{
    static const struct test_inline cases[] = {
        {BASE "}", NULL},
        {"\xef\xbb\xbf" BASE "}", NULL},
        {BASE ", \"$schema\": \"./scenario.schema.json\"}", NULL},
        {BASE ", \"seed\": 1.5}", "at $.seed: expected a non-negative integer, got the number 1.5"},
        {BASE ", \"seed\": 1e300}", "at $.seed: expected a non-negative integer"},
        {BASE ", \"until\": 5000000}", NULL},
        {BASE ", \"until\": -5}", "at $.until: expected a duration"},
        {BASE ", \"start\": \"2024-02-30T00:00:00Z\"}", "at $.start: expected a time"},
        {BASE ", \"start\": \"2024-02-29T00:00:00.5Z\"}", "at $.start: expected a time"},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"ua\", \"action\": \"send\", "
              "\"mail\": \"m\", \"to\": [\"x@b.example\"], \"repeat\": 3, \"interval\": \"1s\"}],"
              " \"expect\": {\"mails\": [{\"mail\": \"m-3\", \"state\": \"delivered\"}]}}",
         NULL},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"ua\", \"action\": \"send\", "
              "\"mail\": \"m\", \"to\": [\"x@b.example\"], \"repeat\": 3}],"
              " \"expect\": {\"mails\": [{\"mail\": \"m-4\", \"state\": \"delivered\"}]}}",
         "at $.expect.mails[0].mail: expected a mail id from a send in $.timeline, got \"m-4\""},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"ua\", \"action\": \"send\", "
              "\"mail\": \"m\", \"to\": [\"x@b.example\"], \"repeat\": 3}],"
              " \"expect\": {\"steps_mail\": \"m\"}}",
         "(the send at $.timeline[0] repeats: its mails are \"m-1\" to \"m-3\")"},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"ua\", \"action\": \"send\", "
              "\"mail\": \"m\", \"to\": [\"x@b.example\"], \"repeat\": 3},"
              " {\"at\": \"2s\", \"agent\": \"ua\", \"action\": \"send\", \"mail\": \"m-2\", "
              "\"to\": [\"x@b.example\"]}]}",
         "at $.timeline[1].mail: mail id \"m-2\" is also made by the send at $.timeline[0]"},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"ua\", \"action\": \"send\", "
              "\"mail\": \"m\", \"to\": [\"x@b.example\"]}, {\"at\": \"2s\", \"agent\": \"ua\", "
              "\"action\": \"send\", \"mail\": \"m\", \"to\": [\"x@b.example\"]}]}",
         "at $.timeline[1].mail: duplicate mail id \"m\" (also at $.timeline[0])"},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"ua\", \"action\": \"send\", "
              "\"mail\": \"m\", \"to\": [\"x@b.example\"], \"repeat\": 0}]}",
         "at $.timeline[0].repeat: expected an integer from 1 to 1000000, got the number 0"},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"mt\", \"action\": \"down\"}]}", NULL},
        {BASE ", \"timeline\": [{\"agent\": \"mt\", \"action\": \"down\"}]}",
         "at $.timeline[0]: missing required key \"at\""},
        {BASE ", \"timeline\": [{\"at\": \"1s\", \"agent\": \"mt\", \"action\": \"up\", "
              "\"agnet\": \"m\"}]}",
         "at $.timeline[0]: unknown key \"agnet\" for action up; did you mean \"agent\"?"},
        {BASE ", \"expect\": {\"received\": {\"agent\": \"ua\"}}}", NULL},
        {BASE ", \"expect\": {\"received\": {\"agent\": \"md\", \"min\": 2}}}",
         "at $.expect.received.agent: expected the id of an agent with role mua, got \"md\", "
         "which has role mda"},
        {BASE ", \"expect\": {\"mailboxes\": [{\"agent\": \"md\", \"user\": \"al\"}]}}",
         "at $.expect.mailboxes[0]: missing required key \"count\""},
        {BASE ", \"expect\": {\"steps\": [1, 2.5]}}",
         "at $.expect.steps[1]: expected a step number from 1 to 9, got the number 2.5"},
        {BASE ", \"expect\": {\"delivered\": 1, \"delivered\": 2}}",
         "at $.expect.delivered: the key appears twice in one object"},
        {BASE ", \"expect\": []}", "at $.expect: expected an object, got an array"},
        {BASE ", \"hosts\": []}", "at $.hosts: the key appears twice in one object"},
        {BASE ", \"zones\": null}", "at $.zones: the key appears twice"},
        {"{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}}, \"zones\": [],"
         " \"hosts\": []}",
         "at $.zones: expected a non-empty array"},
        {"{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\", \"fr\": \"t\"}}}",
         "at $.meta.title: unknown key \"fr\" (expected one of: ja, en)"},
        {"{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": 5}}}",
         "at $.meta.title.en: expected a string, got the number 5"},
        {"{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}}, \"zones\": "
         "[{\"id\": \"z\", \"label\": {\"ja\": \"z\", \"en\": \"z\"}}], \"hosts\": [{\"name\": "
         "\"h.example\", \"zone\": \"z\", \"ip\": \"192.0.2.01\"}]}",
         "at $.hosts[0].ip: expected an IPv4 address"},
        {"{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}}, \"zones\": "
         "[{\"id\": \"z\", \"label\": {\"ja\": \"z\", \"en\": \"z\"}}], \"hosts\": [{\"name\": "
         "\"h.example\", \"zone\": \"z\", \"ip\": \"192.0.2.1\"}, {\"name\": \"i.example\", "
         "\"zone\": \"z\", \"ip\": \"192.0.2.1\"}]}",
         "at $.hosts[1].ip: duplicate address \"192.0.2.1\" (also at $.hosts[0])"},
        /* Syntax, with columns counted in characters and CR LF line ends. */
        {"{\"a\": \"\xe6\x97\xa5\xe6\x9c\xac\" 1}",
         "t:1:11: error: JSON syntax error: expected ','"},
        {"{\r\n  \"a\": 1,\r\n  \"b\" 2\r\n}", "t:3:7: error: JSON syntax error: expected ':'"},
        {"{\"a\": \"x\ty\"}", "t:1:9: error: JSON syntax error: control character U+0009"},
        {"{\"a\": \"\\ud800\"}", "t:1:8: error: JSON syntax error: \\uD800 must be followed"},
        {"{\"a\": \"\\u0000\"}", "t:1:8: error: \\u0000 (a NUL character) is not allowed"},
        {"{\"a\": 01}", "t:1:7: error: JSON syntax error: not a number, near '01}'"},
        {"{\"a\": [1, 2,, 3]}", "t:1:13: error: JSON syntax error: expected a value before ','"},
        {"{\"a\": }", "t:1:7: error: JSON syntax error: expected a value before '}'"},
        {"{a: 1}",
         "t:1:2: error: JSON syntax error: expected a key in double quotes, near 'a: 1}'"},
        {"{\"a\": 1} {\"b\": 2}",
         "t:1:10: error: JSON syntax error: unexpected text after the end"},
        {"{\"a\": [1, 2}",
         "t:1:12: error: JSON syntax error: '}' cannot close the array opened at 1:7"},
        {"{\"a\": [1, 2]",
         "t:1:13: error: JSON syntax error: the file ends inside the object opened at 1:1"},
        {"{\"a\": \"abc", "t:1:7: error: JSON syntax error: unterminated string: the file ends"},
        {"{\"a\": \"abc\\", "t:1:7: error: JSON syntax error: unterminated string: the file ends"},
        {"/* hi */ {}", "t:1:1: error: JSON syntax error: comments are not allowed"},
        {"{\"a\": nul}", "t:1:7: error: JSON syntax error: text without quotes, near 'nul}'"},
        {"{\"a\": 1.}", "t:1:7: error: JSON syntax error: not a number"},
        {"{\"a\": \"\xed\xa0\x80\"}", "t:1:8: error: invalid UTF-8 (byte 0xed)"},
        {"{\"a\": \"\xc0\xaf\"}", "t:1:8: error: invalid UTF-8 (byte 0xc0)"},
        {"\"just a string\"", "t: error: at $: expected an object, got a string \"just a string\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[1024] = "";
        struct scenario *s =
            scenario_parse(cases[i].json, strlen(cases[i].json), "t", err, sizeof err);
        bool ok =
            cases[i].want ? !s && strstr(err, cases[i].want) && test_plain_ascii(err) : s != NULL;
        if (!CHECK(h, ok)) {
            fprintf(stderr, "    case %zu\n    got:  %s\n    want: %s\n", i, s ? "(parsed)" : err,
                    cases[i].want ? cases[i].want : "(parsed)");
        }
        scenario_free(s);
    }

    /* Defaults. */
    char err[1024] = "";
    struct scenario *s = scenario_parse(BASE "}", strlen(BASE "}"), "t", err, sizeof err);
    if (CHECK(h, s != NULL)) {
        CHECK_INT(h, s->seed, 1);
        CHECK_INT(h, s->epoch, 1775001600);
        CHECK_INT(h, s->tz_minutes, 540);
        CHECK_INT(h, s->links[0].latency_us, 1000);
        CHECK(h, s->agents[1].permit_sasl_authenticated);
        CHECK_INT(h, s->expect.delivered, -1);
        CHECK_INT(h, s->expect.rejected, -1);
        CHECK_INT(h, s->expect.received_min, -1);
        CHECK(h, s->expect.received_agent == NULL);
        CHECK(h, s->description.en == NULL && s->ntopics == 0 && s->ntimeline == 0);
    }
    scenario_free(s);
    static const char times[] =
        BASE ", \"start\": \"2000-03-01T00:00:00-05:30\", \"until\": \"2h\","
             " \"seed\": 9007199254740991}";
    s = scenario_parse(times, strlen(times), "t", err, sizeof err);
    if (CHECK(h, s != NULL)) {
        CHECK_INT(h, s->epoch, 951868800 + 5 * 3600 + 30 * 60);
        CHECK_INT(h, s->tz_minutes, -330);
        CHECK_INT(h, s->until_us, 7200000000ull);
        CHECK_INT(h, s->seed, 9007199254740991ull);
    }
    scenario_free(s);
    static const char zulu[] = BASE ", \"start\": \"1970-01-01T00:00:00Z\"}";
    s = scenario_parse(zulu, strlen(zulu), "t", err, sizeof err);
    if (CHECK(h, s != NULL)) {
        CHECK_INT(h, s->epoch, 0);
        CHECK_INT(h, s->tz_minutes, 0);
    }
    scenario_free(s);
}

/* Every role has a word and a row in the parser's table, and each one-word setting is read
 * once into its enum (the first word of each list when the key is absent). */
#define MODES                                                                                      \
    WORLD                                                                                          \
    " \"agents\": [{\"id\": \"ua\", \"role\": \"mua\", \"host\": \"h1.example\", \"user\": "       \
    "\"al\", \"auth_mech\": \"CRAM-MD5\", \"submit_tls\": \"smtps\", \"pop_tls\": \"stls\", "      \
    "\"encrypt\": \"pgp\", \"pop_tunnel\": \"none\"},\n"                                           \
    "   {\"id\": \"sa\", \"role\": \"msa\", \"host\": \"h2.example\", \"mta\": \"mt\", "           \
    "\"auth_mechs\": [\"LOGIN\", \"PLAIN\", \"LOGIN\"], \"smtpd_tls_security_level\": "            \
    "\"encrypt\", \"smtpd_forbid_bare_newline\": \"reject\"},\n"                                   \
    "   {\"id\": \"mt\", \"role\": \"mta\", \"host\": \"h2.example\"},\n"                          \
    "   {\"id\": \"fi\", \"role\": \"filter\", \"host\": \"h2.example\", \"smtp_tls\": "           \
    "\"may\"}]}"

static void test_roles_and_modes(struct harness *h)
{
    for (int r = 0; r < SCENARIO_ROLE_COUNT; r++) {
        const char *name = scenario_role_name((enum scenario_role)r);
        if (!CHECK(h, name && scenario_role_keys(name))) {
            fprintf(stderr, "    role %d has no word or no keys\n", r);
        }
    }
    CHECK(h, scenario_role_name(SCENARIO_ROLE_COUNT) == NULL);
    CHECK(h, scenario_role_keys("MTA") == NULL);

    char err[1024] = "";
    struct scenario *s = scenario_parse(MODES, strlen(MODES), "t", err, sizeof err);
    if (!CHECK(h, s != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    const struct scenario_agent *ua = &s->agents[0], *sa = &s->agents[1], *fi = &s->agents[3];
    CHECK_INT(h, ua->kind, SCENARIO_ROLE_MUA);
    CHECK_INT(h, ua->mode.auth_mech, SCENARIO_MECH_CRAM_MD5);
    CHECK_INT(h, ua->mode.submit_tls, SCENARIO_SUBMIT_TLS_SMTPS);
    CHECK_INT(h, ua->mode.pop_tls, SCENARIO_POP_TLS_STLS);
    CHECK_INT(h, ua->mode.encrypt, SCENARIO_E2E_PGP);
    CHECK_INT(h, ua->mode.pop_tunnel, SCENARIO_TUNNEL_NONE);
    CHECK_STR(h, ua->submit_tls, "smtps");
    CHECK_STR(h, ua->pop_tunnel, "none");
    CHECK(h, ua->smtp_tls == NULL);
    CHECK_INT(h, sa->kind, SCENARIO_ROLE_MSA);
    CHECK_INT(h, sa->auth_mechs, (1u << SCENARIO_MECH_LOGIN) | (1u << SCENARIO_MECH_PLAIN));
    CHECK_INT(h, sa->mode.smtpd_tls_security_level, SCENARIO_TLS_ENCRYPT);
    CHECK_INT(h, sa->mode.smtpd_forbid_bare_newline, SCENARIO_BARE_NEWLINE_REJECT);
    CHECK_INT(h, fi->kind, SCENARIO_ROLE_FILTER);
    CHECK_STR(h, fi->role, "filter");
    CHECK_INT(h, fi->mode.smtp_tls, SCENARIO_TLS_MAY);
    CHECK_INT(h, fi->mode.smtpd_forbid_bare_newline, SCENARIO_BARE_NEWLINE_NORMALIZE);
    CHECK_INT(h, s->agents[2].kind, SCENARIO_ROLE_MTA);
    CHECK_INT(h, s->agents[2].mode.smtp_tls, SCENARIO_TLS_NONE);
    scenario_free(s);
}

static void test_limits(struct harness *h)
{
    char err[1024] = "";
    CHECK(h, scenario_load("bad-scenarios/no-such-file.json", err, sizeof err) == NULL);
    CHECK_STR(h, err,
              "bad-scenarios/no-such-file.json: error: cannot open: No such file or "
              "directory");
    CHECK(h, scenario_load(BAD_DIR, err, sizeof err) == NULL);
    CHECK_STR(h, err, "bad-scenarios: error: cannot read: Is a directory");
    CHECK(h, scenario_parse("", 0, "t", err, sizeof err) == NULL);
    CHECK_STR(h, err, "t: error: the file is empty");
    CHECK(h, scenario_parse("{}", 2, "t", NULL, 0) == NULL); /* no buffer: no crash */
    char tiny[12];
    CHECK(h, scenario_parse("{}", 2, "t", tiny, sizeof tiny) == NULL);
    CHECK_STR(h, tiny, "t: error...");

    /* Nesting: 32 levels pass the syntax check, 33 do not. */
    char deep[200];
    int n = snprintf(deep, sizeof deep, "{\"meta\": %.*s%.*s}", 31,
                     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 31,
                     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    CHECK(h, scenario_parse(deep, (size_t)n, "t", err, sizeof err) == NULL);
    CHECK(h, strstr(err, "at $.meta: expected an object, got an array") != NULL);
    n = snprintf(deep, sizeof deep, "{\"meta\": %.*s%.*s}", 32,
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 32,
                 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    CHECK(h, scenario_parse(deep, (size_t)n, "t", err, sizeof err) == NULL);
    CHECK_STR(h, err,
              "t:1:41: error: nested too deeply: more than 32 levels of arrays and objects");

    /* One entry too many in an array. */
    size_t cap = 128 + (size_t)(SCENARIO_MAX_ITEMS + 1) * 4;
    char *big = malloc(cap);
    if (CHECK(h, big != NULL)) {
        size_t len = (size_t)snprintf(
            big, cap,
            "{\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}, \"topics\": [");
        for (int i = 0; i <= SCENARIO_MAX_ITEMS; i++) {
            memcpy(big + len, i ? ",\"a\"" : "\"a\"", i ? 4 : 3);
            len += i ? 4 : 3;
        }
        memcpy(big + len, "]}}", 3);
        len += 3;
        CHECK(h, scenario_parse(big, len, "t", err, sizeof err) == NULL);
        CHECK_STR(h, err, "t: error: at $.meta.topics: too many entries (more than 100000)");
        free(big);
    }

    /* Over SCENARIO_MAX_BYTES, as text and as a file. */
    size_t over = (size_t)SCENARIO_MAX_BYTES + 1;
    char *huge = malloc(over);
    if (CHECK(h, huge != NULL)) {
        memset(huge, ' ', over);
        huge[0] = '{';
        huge[over - 1] = '}';
        CHECK(h, scenario_parse(huge, over, "t", err, sizeof err) == NULL);
        CHECK_STR(h, err, "t: error: the file is too large (16777217 bytes; at most 16777216)");
        char path[] = "/tmp/test_scenario_XXXXXX";
        int fd = mkstemp(path);
        if (CHECK(h, fd >= 0)) {
            CHECK(h, write(fd, huge, over) == (ssize_t)over);
            close(fd);
            CHECK(h, scenario_load(path, err, sizeof err) == NULL);
            CHECK(h,
                  strstr(err, ": error: the file is too large (more than 16777216 bytes)") != NULL);
            unlink(path);
        }
        free(huge);
    }
}

struct test_duration {
    const char *text;
    uint64_t us;
};

/* text read as a duration gives want_rc, and want_us in a value that was 42 before. */
static void check_duration(struct harness *h, const char *text, int want_rc, uint64_t want_us)
{
    uint64_t us = 42;
    int rc = scenario_parse_duration(text, &us);
    if (!CHECK_INT(h, rc, want_rc) || !CHECK_INT(h, us, want_us)) {
        fprintf(stderr, "    duration \"%s\"\n", text);
    }
}

static void test_durations(struct harness *h)
{
    static const struct test_duration good[] = {
        {"0", 0},
        {"250us", 250},
        {"1500ms", 1500000},
        {"2s", 2000000},
        {"60s", 60000000},
        {"5m", 300000000},
        {"1h", 3600000000ull},
        {"12345", 12345},
        {"007s", 7000000},
        {"18446744073709551615", UINT64_MAX},
        {"18446744073709551615us", UINT64_MAX},
        {"5124095576h", 5124095576ull * 3600000000ull},
    };
    /* Refused, the value left as it was. */
    static const char *const bad[] = {
        "18446744073709551616",
        "18446744073709551615ms",
        "5124095577h",
        "",
        "s",
        "-1s",
        "+1s",
        " 1s",
        "1s ",
        "1 s",
        "1.5s",
        "1S",
        "1sec",
        "1d",
        "1msx",
        "5 parsecs",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        check_duration(h, good[i].text, 0, good[i].us);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_duration(h, bad[i], -1, 42);
    }
    uint64_t us;
    CHECK_INT(h, scenario_parse_duration(NULL, &us), -1);
}

int main(void)
{
    struct harness h = {"test_scenario", 0, 0};
    test_good_file(&h);
    test_bad_files(&h);
    test_truncated(&h);
    test_inline_cases(&h);
    test_roles_and_modes(&h);
    test_limits(&h);
    test_durations(&h);
    return harness_finish(&h);
}
