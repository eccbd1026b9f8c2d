/* scenario_expect: the expect block — what must hold after a run: counts, the steps a mail
 * went through, the states it reached, mailboxes, Received lines, bytes that did or did not
 * cross a link, what the eavesdroppers found, the decisions of relay policies and the lines
 * of mail logs. Part of the parser in scenario.c; build_check() tests it after the run. */
#include "scenario.h"

#include "scenario_json.h"
#include "scenario_parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const scenario_states[] = {
    "submitted", "queued", "relayed",   "rejected",  "deferred",   "bounced",  "delivered",
    "retrieved", "read",   "encrypted", "decrypted", "unreadable", "expanded", NULL};

/* The names of sniff findings (agents/sniff.h) and of the offline attack's outcome. */
const char *const scenario_findings[] = {
    "username",     "password",       "mail_from",      "rcpt_to",     "header_from",
    "subject",      "body",           "apop_timestamp", "apop_digest", "ciphertext",
    "crack_failed", "encrypted_body", "attachment",     NULL};
static const char *const scenario_decisions[] = {"permit", "reject", "defer",     "expired",
                                                 "open",   "clean",  "unchecked", NULL};

int scenario_parse_sniff_match(struct scenario_parser *p, const cJSON *o, char **finding,
                               char **value, char **tap)
{
    struct scenario_ctx *c = &p->c;
    if (scenario_get_string(c, o, "finding", SCENARIO_REQUIRED, NULL, NULL, finding) < 0 ||
        scenario_check_enum(c, "finding", *finding, scenario_findings) < 0 ||
        scenario_get_string(c, o, "value", 0, NULL, NULL, value) < 0 ||
        scenario_get_string(c, o, "tap", 0, NULL, NULL, tap) < 0) {
        return -1;
    }
    return *tap ? scenario_ref(c, "tap", *tap, &p->taps, "a tap name from $.taps", NULL) : 0;
}

static int scenario_parse_expect_sniff(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"finding", "value", "tap", NULL};
    struct scenario_expect_sniff *x = &p->s->expect.sniffed[i];
    if (scenario_check_keys(&p->c, o, keys, "in an expected finding") < 0) {
        return -1;
    }
    return scenario_parse_sniff_match(p, o, &x->finding, &x->value, &x->tap);
}

static int scenario_parse_expect_not_sniff(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"finding", "value", "tap", NULL};
    struct scenario_expect_sniff *x = &p->s->expect.not_sniffed[i];
    if (scenario_check_keys(&p->c, o, keys, "in a finding that must not happen") < 0) {
        return -1;
    }
    return scenario_parse_sniff_match(p, o, &x->finding, &x->value, &x->tap);
}

static int scenario_parse_expect_sniffs(struct scenario_parser *p, const cJSON *o)
{
    struct scenario_expect *x = &p->s->expect;
    const cJSON *list, *none;
    size_t n, nnone;
    if (scenario_get_list(&p->c, o, "sniffed", 0, false, &list, &n) < 0 ||
        (list &&
         scenario_alloc(&p->c, "sniffed", n, sizeof *x->sniffed, &x->sniffed, &x->nsniffed) < 0) ||
        scenario_each(p, list, "sniffed", scenario_parse_expect_sniff) < 0 ||
        scenario_get_list(&p->c, o, "not_sniffed", 0, false, &none, &nnone) < 0 ||
        (none && scenario_alloc(&p->c, "not_sniffed", nnone, sizeof *x->not_sniffed,
                                &x->not_sniffed, &x->nnot_sniffed) < 0)) {
        return -1;
    }
    return scenario_each(p, none, "not_sniffed", scenario_parse_expect_not_sniff);
}

static int scenario_parse_expect_policy(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"agent", "rule", "decision", "code", NULL};
    struct scenario_expect_policy *x = &p->s->expect.policies[i];
    struct scenario_ctx *c = &p->c;
    int64_t code = -1;
    if (scenario_check_keys(c, o, keys, "in an expected policy decision") < 0 ||
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &x->agent) < 0 ||
        scenario_ref(c, "agent", x->agent, &p->agents, "an agent id from $.agents", NULL) < 0 ||
        scenario_get_string(c, o, "rule", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &x->rule) < 0 ||
        scenario_get_string(c, o, "decision", SCENARIO_REQUIRED, NULL, NULL, &x->decision) < 0 ||
        scenario_check_enum(c, "decision", x->decision, scenario_decisions) < 0 ||
        scenario_get_int(c, o, "code", 0, 0, 599, &code) < 0) {
        return -1;
    }
    x->code = (long)code;
    return 0;
}

static int scenario_parse_expect_policies(struct scenario_parser *p, const cJSON *o)
{
    struct scenario_expect *x = &p->s->expect;
    const cJSON *list;
    size_t n;
    if (scenario_get_list(&p->c, o, "policy", 0, false, &list, &n) < 0 ||
        (list && scenario_alloc(&p->c, "policy", n, sizeof *x->policies, &x->policies,
                                &x->npolicies) < 0)) {
        return -1;
    }
    return scenario_each(p, list, "policy", scenario_parse_expect_policy);
}

int scenario_check_state(struct scenario_parser *p, const char *key, const char *state)
{
    return scenario_check_enum(&p->c, key, state, scenario_states);
}

static int scenario_parse_expect_mail(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"mail", "state", NULL};
    struct scenario_expect_mail *m = &p->s->expect.mails[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in an expected mail") < 0 ||
        scenario_get_string(c, o, "mail", SCENARIO_REQUIRED, NULL, NULL, &m->mail) < 0 ||
        scenario_mail_ref(p, "mail", m->mail) < 0 ||
        scenario_get_string(c, o, "state", SCENARIO_REQUIRED, NULL, NULL, &m->state) < 0) {
        return -1;
    }
    return scenario_check_state(p, "state", m->state);
}

static int scenario_parse_mailbox(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"agent", "user", "count", NULL};
    struct scenario_expect_mailbox *m = &p->s->expect.mailboxes[i];
    struct scenario_ctx *c = &p->c;
    int64_t count = 0;
    if (scenario_check_keys(c, o, keys, "in an expected mailbox") < 0 ||
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &m->agent) < 0 ||
        scenario_agent_ref(p, "agent", m->agent, scenario_only_mda) < 0 ||
        scenario_get_string(c, o, "user", SCENARIO_REQUIRED, NULL, NULL, &m->user) < 0 ||
        scenario_ref(c, "user", m->user, &p->accounts, "a user from $.accounts", NULL) < 0 ||
        scenario_get_int(c, o, "count", SCENARIO_REQUIRED, 0, SCENARIO_INT_MAX, &count) < 0) {
        return -1;
    }
    m->count = (long)count;
    return 0;
}

/* {"agent": "mda.c", "user": "carol", "mail": "m2", "contains": [...], "lacks": [...]} */
static int scenario_parse_headers(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"agent", "user", "mail", "contains", "lacks", NULL};
    struct scenario_expect_headers *h = &p->s->expect.headers[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in an expected header section") < 0 ||
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &h->agent) < 0 ||
        scenario_agent_ref(p, "agent", h->agent, scenario_only_mda) < 0 ||
        scenario_get_string(c, o, "user", SCENARIO_REQUIRED, NULL, NULL, &h->user) < 0 ||
        scenario_ref(c, "user", h->user, &p->accounts, "a user from $.accounts", NULL) < 0 ||
        scenario_get_string(c, o, "mail", SCENARIO_REQUIRED, NULL, NULL, &h->mail) < 0 ||
        scenario_mail_ref(p, "mail", h->mail) < 0 ||
        scenario_get_strings(c, o, "contains", 0, NULL, NULL, &h->contains, &h->ncontains) < 0 ||
        scenario_get_strings(c, o, "lacks", 0, NULL, NULL, &h->lacks, &h->nlacks) < 0) {
        return -1;
    }
    if (h->ncontains + h->nlacks == 0) {
        return scenario_fail(c, NULL,
                             "expected \"contains\" or \"lacks\" (texts the header section of "
                             "the delivered copy must or must not hold)");
    }
    return 0;
}

static int scenario_parse_step(struct scenario_parser *p, const cJSON *o, size_t i)
{
    double d = o->valuedouble;
    if (!cJSON_IsNumber(o) || !(d >= 1 && d <= 9) || (double)(int)d != d) {
        return scenario_fail_type(&p->c, NULL, o, "a step number from 1 to 9");
    }
    p->s->expect.steps[i] = (int)d;
    return 0;
}

static int scenario_parse_received(struct scenario_parser *p, const cJSON *o)
{
    static const char *const keys[] = {"agent", "min", NULL};
    struct scenario_expect *x = &p->s->expect;
    struct scenario_ctx *c = &p->c;
    int64_t min = 1;
    size_t old = scenario_path_key(c, "received");
    int rc = scenario_check_keys(c, o, keys, "in expect.received");
    if (rc == 0) {
        rc = scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &x->received_agent);
    }
    if (rc == 0) {
        rc = scenario_agent_ref(p, "agent", x->received_agent, scenario_only_mua);
    }
    if (rc == 0) {
        rc = scenario_get_int(c, o, "min", 0, 0, SCENARIO_INT_MAX, &min);
    }
    x->received_min = (long)min;
    scenario_path_pop(c, old);
    return rc;
}

int scenario_parse_expect(struct scenario_parser *p, const cJSON *o)
{
    static const char *const keys[] = {
        "delivered", "retrieved",    "bounced",     "rejected",       "steps",       "steps_mail",
        "mails",     "mailboxes",    "received",    "trace_contains", "trace_lacks", "sniffed",
        "policy",    "log_contains", "not_sniffed", "headers",        NULL};
    static const char *const counts[] = {"delivered", "retrieved", "bounced", "rejected"};
    struct scenario_expect *x = &p->s->expect;
    struct scenario_ctx *c = &p->c;
    long *fields[] = {&x->delivered, &x->retrieved, &x->bounced, &x->rejected};
    const cJSON *steps, *mails, *boxes, *received, *headers;
    size_t nsteps, nmails, nboxes, nheaders;
    if (scenario_check_keys(c, o, keys, "in expect") < 0) {
        return -1;
    }
    for (size_t k = 0; k < 4; k++) {
        int64_t v = -1;
        if (scenario_get_int(c, o, counts[k], 0, 0, SCENARIO_INT_MAX, &v) < 0) {
            return -1;
        }
        *fields[k] = (long)v;
    }
    if (scenario_get_list(c, o, "steps", 0, false, &steps, &nsteps) < 0 ||
        (steps &&
         scenario_alloc(c, "steps", nsteps, sizeof *x->steps, &x->steps, &x->nsteps) < 0) ||
        scenario_each(p, steps, "steps", scenario_parse_step) < 0 ||
        scenario_get_string(c, o, "steps_mail", 0, NULL, NULL, &x->steps_mail) < 0 ||
        (x->steps_mail && scenario_mail_ref(p, "steps_mail", x->steps_mail) < 0) ||
        scenario_get_list(c, o, "mails", 0, false, &mails, &nmails) < 0 ||
        (mails &&
         scenario_alloc(c, "mails", nmails, sizeof *x->mails, &x->mails, &x->nmails) < 0) ||
        scenario_each(p, mails, "mails", scenario_parse_expect_mail) < 0 ||
        scenario_get_list(c, o, "mailboxes", 0, false, &boxes, &nboxes) < 0 ||
        (boxes && scenario_alloc(c, "mailboxes", nboxes, sizeof *x->mailboxes, &x->mailboxes,
                                 &x->nmailboxes) < 0) ||
        scenario_each(p, boxes, "mailboxes", scenario_parse_mailbox) < 0 ||
        scenario_get_list(c, o, "received", 0, true, &received, NULL) < 0 ||
        (received && scenario_parse_received(p, received) < 0) ||
        scenario_get_list(c, o, "headers", 0, false, &headers, &nheaders) < 0 ||
        (headers && scenario_alloc(c, "headers", nheaders, sizeof *x->headers, &x->headers,
                                   &x->nheaders) < 0) ||
        scenario_each(p, headers, "headers", scenario_parse_headers) < 0) {
        return -1;
    }
    return scenario_get_strings(c, o, "trace_contains", 0, NULL, NULL, &x->trace_contains,
                                &x->ntrace_contains) < 0 ||
                   scenario_get_strings(c, o, "trace_lacks", 0, NULL, NULL, &x->trace_lacks,
                                        &x->ntrace_lacks) < 0 ||
                   scenario_get_strings(c, o, "log_contains", 0, NULL, NULL, &x->log_contains,
                                        &x->nlog_contains) < 0 ||
                   scenario_parse_expect_sniffs(p, o) < 0 ||
                   scenario_parse_expect_policies(p, o) < 0
               ? -1
               : 0;
}
