/* scenario_expect: the expect block — what must hold after a run. The counts, mailboxes, Received
 * lines and header sections of delivered copies are about the world and are kept as read; what
 * is about the trace (the steps a mail went through, the states it reached, bytes that did or did
 * not cross a link, what the eavesdroppers found, the decisions of relay policies, the lines of
 * mail logs) is compiled here into claims (claims.h), with the file's syntax and messages. Part
 * of the parser in scenario.c; build_check() tests it after the run. */
#include "scenario.h"

#include "claims.h"
#include "scenario_json.h"
#include "scenario_parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const scenario_states[] = {
    "submitted", "queued", "relayed",   "rejected",  "deferred",   "bounced",  "delivered",
    "retrieved", "read",   "encrypted", "decrypted", "unreadable", "expanded", NULL};

/* The names of sniff findings (agents/sniff.h) and of the offline attack's outcome. */
static const char *const scenario_findings[] = {
    "username",     "password",       "mail_from",      "rcpt_to",     "header_from",
    "subject",      "body",           "apop_timestamp", "apop_digest", "ciphertext",
    "crack_failed", "encrypted_body", "attachment",     NULL};
static const char *const scenario_decisions[] = {"permit", "reject", "defer",     "expired",
                                                 "open",   "clean",  "unchecked", NULL};

/* ---- Claims about the trace ---- */

struct claim *scenario_sniff_claim(struct scenario_parser *p, const cJSON *o)
{
    struct scenario_ctx *c = &p->c;
    char *finding = NULL, *value = NULL, *tap = NULL;
    bool ok = scenario_get_string(c, o, "finding", SCENARIO_REQUIRED, NULL, NULL, &finding) == 0 &&
              scenario_check_enum(c, "finding", finding, scenario_findings) == 0 &&
              scenario_get_string(c, o, "value", 0, NULL, NULL, &value) == 0 &&
              scenario_get_string(c, o, "tap", 0, NULL, NULL, &tap) == 0 &&
              (!tap || scenario_ref(c, "tap", tap, &p->taps, "a tap name from $.taps", NULL) == 0);
    free(finding);
    free(value);
    free(tap);
    return ok ? claims_parse_value(c, "sniffed", o) : NULL;
}

struct claim *scenario_mail_state_claim(struct scenario_parser *p, const cJSON *o, bool with_agent)
{
    struct scenario_ctx *c = &p->c;
    char *mail = NULL, *state = NULL, *agent = NULL;
    bool ok = scenario_get_string(c, o, "mail", SCENARIO_REQUIRED, NULL, NULL, &mail) == 0 &&
              scenario_mail_ref(p, "mail", mail) == 0 &&
              scenario_get_string(c, o, "state", SCENARIO_REQUIRED, NULL, NULL, &state) == 0 &&
              scenario_check_enum(c, "state", state, scenario_states) == 0 &&
              (!with_agent || (scenario_get_string(c, o, "agent", 0, NULL, NULL, &agent) == 0 &&
                               (!agent || scenario_ref(c, "agent", agent, &p->agents,
                                                       "an agent id from $.agents", NULL) == 0)));
    free(mail);
    free(state);
    free(agent);
    return ok ? claims_parse_value(c, "mail_state", o) : NULL;
}

/* Adds cl (NULL: it could not be made, and c says why) to the expected claims, named by the
 * path where it was read, with key appended when set. */
static int scenario_expect_claim(struct scenario_parser *p, const char *key, struct claim *cl)
{
    struct scenario_ctx *c = &p->c;
    struct scenario_expect *x = &p->s->expect;
    if (!cl) {
        return -1;
    }
    char where[SCENARIO_PATH_MAX + 64];
    snprintf(where, sizeof where, "%s%s%s", c->path + 2, key ? "." : "", key ? key : "");
    struct scenario_claim *v = realloc(x->claims, (x->nclaims + 1) * sizeof *v);
    char *copy = v ? strdup(where) : NULL;
    if (v) {
        x->claims = v;
    }
    if (!copy) {
        claims_free(cl);
        return scenario_fail(c, key, "out of memory");
    }
    x->claims[x->nclaims++] = (struct scenario_claim){copy, cl};
    return 0;
}

/* The claim that cl does not hold; NULL with c's error when cl is NULL or memory runs out. */
static struct claim *scenario_not(struct scenario_parser *p, struct claim *cl)
{
    struct claim *n = claims_not(cl);
    if (cl && !n) {
        scenario_fail(&p->c, NULL, "out of memory");
    }
    return n;
}

static int scenario_parse_expect_sniff(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"finding", "value", "tap", NULL};
    (void)i;
    if (scenario_check_keys(&p->c, o, keys, "in an expected finding") < 0) {
        return -1;
    }
    return scenario_expect_claim(p, NULL, scenario_sniff_claim(p, o));
}

static int scenario_parse_expect_not_sniff(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"finding", "value", "tap", NULL};
    (void)i;
    if (scenario_check_keys(&p->c, o, keys, "in a finding that must not happen") < 0) {
        return -1;
    }
    return scenario_expect_claim(p, NULL, scenario_not(p, scenario_sniff_claim(p, o)));
}

static int scenario_parse_expect_policy(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"agent", "rule", "decision", "code", NULL};
    struct scenario_ctx *c = &p->c;
    char *agent = NULL, *rule = NULL, *decision = NULL;
    int64_t code = -1;
    (void)i;
    bool ok =
        scenario_check_keys(c, o, keys, "in an expected policy decision") == 0 &&
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &agent) == 0 &&
        scenario_ref(c, "agent", agent, &p->agents, "an agent id from $.agents", NULL) == 0 &&
        scenario_get_string(c, o, "rule", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &rule) == 0 &&
        scenario_get_string(c, o, "decision", SCENARIO_REQUIRED, NULL, NULL, &decision) == 0 &&
        scenario_check_enum(c, "decision", decision, scenario_decisions) == 0 &&
        scenario_get_int(c, o, "code", 0, 0, 599, &code) == 0;
    free(agent);
    free(rule);
    free(decision);
    return ok ? scenario_expect_claim(p, NULL, claims_parse_value(c, "policy", o)) : -1;
}

static int scenario_parse_expect_mail(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"mail", "state", NULL};
    (void)i;
    if (scenario_check_keys(&p->c, o, keys, "in an expected mail") < 0) {
        return -1;
    }
    return scenario_expect_claim(p, NULL, scenario_mail_state_claim(p, o, false));
}

static int scenario_parse_expect_wire(struct scenario_parser *p, const cJSON *o, size_t i)
{
    (void)i;
    return scenario_expect_claim(p, NULL, claims_parse_value(&p->c, "wire_contains", o));
}

static int scenario_parse_expect_no_wire(struct scenario_parser *p, const cJSON *o, size_t i)
{
    (void)i;
    return scenario_expect_claim(p, NULL,
                                 scenario_not(p, claims_parse_value(&p->c, "wire_contains", o)));
}

static int scenario_parse_expect_log(struct scenario_parser *p, const cJSON *o, size_t i)
{
    (void)i;
    return scenario_expect_claim(p, NULL, claims_parse_value(&p->c, "log_contains", o));
}

/* "steps" and "steps_mail" make one claim: the steps of steps_mail, or of the first mail sent. */
static int scenario_parse_expect_steps(struct scenario_parser *p, const cJSON *o)
{
    struct scenario_ctx *c = &p->c;
    const cJSON *steps;
    size_t n;
    char *mail = NULL;
    if (scenario_get_list(c, o, "steps", 0, false, &steps, &n) < 0 ||
        scenario_get_string(c, o, "steps_mail", 0, NULL, NULL, &mail) < 0 ||
        (mail && scenario_mail_ref(p, "steps_mail", mail) < 0)) {
        free(mail);
        return -1;
    }
    const char *whose = mail;
    for (size_t i = 0; !whose && i < p->s->ntimeline; i++) {
        whose = p->s->timeline[i].action == SCENARIO_SEND ? p->s->timeline[i].mail : NULL;
    }
    int rc = 0;
    if (steps && n > 0) {
        /* The claim's value is {"mail": ..., "steps": [...]}, the list read where it stands. */
        cJSON *v = cJSON_CreateObject();
        if (!v || (whose && !cJSON_AddStringToObject(v, "mail", whose)) ||
            !cJSON_AddItemReferenceToObject(v, "steps", (cJSON *)steps)) {
            rc = scenario_fail(c, "steps", "out of memory");
        } else {
            rc = scenario_expect_claim(p, "steps", claims_parse_value(c, "steps", v));
        }
        cJSON_Delete(v);
    }
    free(mail);
    return rc;
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
    /* The lists of claims, in the order they are read and checked. */
    static const struct {
        const char *key;
        scenario_item_fn each;
    } lists[] = {
        {"trace_contains", scenario_parse_expect_wire},
        {"trace_lacks", scenario_parse_expect_no_wire},
        {"log_contains", scenario_parse_expect_log},
        {"sniffed", scenario_parse_expect_sniff},
        {"not_sniffed", scenario_parse_expect_not_sniff},
        {"policy", scenario_parse_expect_policy},
    };
    struct scenario_expect *x = &p->s->expect;
    struct scenario_ctx *c = &p->c;
    long *fields[] = {&x->delivered, &x->retrieved, &x->bounced, &x->rejected};
    const cJSON *mails, *boxes, *received, *headers;
    size_t nboxes, nheaders;
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
    if (scenario_parse_expect_steps(p, o) < 0 ||
        scenario_get_list(c, o, "mails", 0, false, &mails, NULL) < 0 ||
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
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        const cJSON *list;
        if (scenario_get_list(c, o, lists[k].key, 0, false, &list, NULL) < 0 ||
            scenario_each(p, list, lists[k].key, lists[k].each) < 0) {
            return -1;
        }
    }
    return 0;
}
