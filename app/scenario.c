/* scenario: reading a scenario file into plain C data. The format's rules live here — which
 * keys each part takes, their types, and the references between parts — and every error names
 * the JSON path of what is wrong. Agents are in scenario_agents.c; the JSON text is checked in
 * scenario_text.c and walked with the helpers of scenario_json.c. */
#include "scenario.h"

#include "scenario_json.h"
#include "scenario_parser.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A send's body is padded to at most this (the load scenarios use kilobytes). */
#define SCENARIO_MAX_BODY_BYTES (64u << 20)
#define SCENARIO_MAX_REPEAT 1000000

#define SCENARIO_DEFAULT_START "2026-04-01T09:00:00+09:00"
#define SCENARIO_TIME_FORM                                                                         \
    "a time such as \"2026-04-01T09:00:00+09:00\" or \"2026-04-01T00:00:00Z\" (RFC 3339)"

static const char *const scenario_actions[] = {"send", "fetch", "down", "up", NULL};
static const char *const scenario_event_keys[] = {"at", "agent", "action", NULL};
static const char *const scenario_send_keys[] = {"mail",   "to",       "subject",    "body",
                                                 "repeat", "interval", "body_bytes", NULL};
static const char *const scenario_states[] = {"submitted", "queued",  "relayed",   "rejected",
                                              "deferred",  "bounced", "delivered", "retrieved",
                                              "read",      NULL};

/* ---- Helpers shared with scenario_agents.c ---- */

int scenario_agent_ref(struct scenario_parser *p, const char *key, const char *value,
                       const char *const *roles)
{
    char what[96] = "the id of an agent with role ";
    for (size_t k = 0; roles[k]; k++) {
        const char *sep = ", ";
        if (k == 0) {
            sep = "";
        } else if (!roles[k + 1]) {
            sep = " or ";
        }
        size_t used = strlen(what);
        snprintf(what + used, sizeof what - used, "%s%s", sep, roles[k]);
    }
    size_t i;
    if (scenario_ref(&p->c, key, value, &p->agents, what, &i) < 0) {
        return -1;
    }
    const char *role = p->s->agents[i].role;
    if (!roles[scenario_find_word(roles, role)]) {
        char q[80];
        return scenario_fail(&p->c, key, "expected %s, got %s, which has role %s", what,
                             scenario_quote(value, q, sizeof q), role);
    }
    return 0;
}

int scenario_unique(struct scenario_parser *p, struct scenario_names *t, const char *key,
                    const char *name, size_t index, const char *what, const char *list)
{
    size_t old;
    int rc = scenario_names_add(t, name, index, &old);
    if (rc < 0) {
        return scenario_fail(&p->c, key, "out of memory");
    }
    if (rc == 0) {
        char q[80];
        return scenario_fail(&p->c, key, "duplicate %s %s (also at %s[%zu])", what,
                             scenario_quote(name, q, sizeof q), list, old);
    }
    return 0;
}

static bool scenario_is_meta_id(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) {
            return false;
        }
    }
    return true;
}

/* A user name for SMTP AUTH and POP3 USER: printable ASCII without spaces. */
static bool scenario_is_user(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] >= 0x7f) {
            return false;
        }
    }
    return n > 0 && n <= 64;
}

int scenario_host_key(struct scenario_parser *p, const cJSON *o, const char *key, int flags,
                      char **out)
{
    if (scenario_get_string(&p->c, o, key, flags | SCENARIO_NONEMPTY, NULL, SCENARIO_HOST_FORM,
                            out) < 0) {
        return -1;
    }
    return *out ? scenario_ref(&p->c, key, *out, &p->hosts, "a host name from $.hosts", NULL) : 0;
}

int scenario_each(struct scenario_parser *p, const cJSON *arr, const char *key,
                  scenario_item_fn each)
{
    size_t old = scenario_path_key(&p->c, key), i = 0;
    int rc = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e && rc == 0; e = e->next, i++) {
        size_t at = scenario_path_index(&p->c, i);
        rc = each(p, e, i);
        scenario_path_pop(&p->c, at);
    }
    scenario_path_pop(&p->c, old);
    return rc;
}

/* ---- meta, zones, hosts, links, accounts ---- */

static int scenario_parse_meta(struct scenario_parser *p, const cJSON *meta)
{
    static const char *const keys[] = {"id", "title", "description", "topics", NULL};
    struct scenario_ctx *c = &p->c;
    struct scenario *s = p->s;
    size_t old = scenario_path_key(c, "meta");
    int rc = scenario_check_keys(c, meta, keys, NULL);
    if (rc == 0) {
        rc = scenario_get_string(c, meta, "id", SCENARIO_REQUIRED, scenario_is_meta_id,
                                 "an id of lowercase letters, digits and '-', such as "
                                 "\"nine-steps\"",
                                 &s->id);
    }
    if (rc == 0) {
        rc = scenario_get_text(c, meta, "title", SCENARIO_REQUIRED, &s->title.ja, &s->title.en);
    }
    if (rc == 0) {
        rc = scenario_get_text(c, meta, "description", SCENARIO_OPTIONAL, &s->description.ja,
                               &s->description.en);
    }
    if (rc == 0) {
        rc = scenario_get_strings(c, meta, "topics", SCENARIO_OPTIONAL, NULL, NULL, &s->topics,
                                  &s->ntopics);
    }
    scenario_path_pop(c, old);
    return rc;
}

static int scenario_parse_zone(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"id", "label", NULL};
    struct scenario_zone *z = &p->s->zones[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in a zone") < 0 ||
        scenario_get_string(c, o, "id", SCENARIO_REQUIRED, scenario_is_id, SCENARIO_ID_FORM,
                            &z->id) < 0 ||
        scenario_unique(p, &p->zones, "id", z->id, i, "zone id", "$.zones") < 0) {
        return -1;
    }
    return scenario_get_text(c, o, "label", SCENARIO_REQUIRED, &z->label.ja, &z->label.en);
}

static int scenario_parse_host(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"name", "zone", "ip", NULL};
    struct scenario_host *h = &p->s->hosts[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in a host") < 0 ||
        scenario_get_string(c, o, "name", SCENARIO_REQUIRED, scenario_is_domain, SCENARIO_HOST_FORM,
                            &h->name) < 0 ||
        scenario_unique(p, &p->hosts, "name", h->name, i, "host name", "$.hosts") < 0 ||
        scenario_get_string(c, o, "zone", SCENARIO_REQUIRED, NULL, NULL, &h->zone) < 0 ||
        scenario_ref(c, "zone", h->zone, &p->zones, "a zone id from $.zones", NULL) < 0 ||
        scenario_get_string(c, o, "ip", SCENARIO_REQUIRED, scenario_is_ipv4,
                            "an IPv4 address such as \"192.0.2.10\"", &h->ip) < 0) {
        return -1;
    }
    return scenario_unique(p, &p->ips, "ip", h->ip, i, "address", "$.hosts");
}

static int scenario_parse_link(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"a", "b", "latency", NULL};
    struct scenario_link *l = &p->s->links[i];
    struct scenario_ctx *c = &p->c;
    l->latency_us = 1000;
    size_t ia, ib;
    if (scenario_check_keys(c, o, keys, "in a link") < 0 ||
        scenario_get_string(c, o, "a", SCENARIO_REQUIRED, NULL, NULL, &l->a) < 0 ||
        scenario_ref(c, "a", l->a, &p->hosts, "a host name from $.hosts", &ia) < 0 ||
        scenario_get_string(c, o, "b", SCENARIO_REQUIRED, NULL, NULL, &l->b) < 0 ||
        scenario_ref(c, "b", l->b, &p->hosts, "a host name from $.hosts", &ib) < 0 ||
        scenario_get_duration(c, o, "latency", SCENARIO_OPTIONAL, &l->latency_us) < 0) {
        return -1;
    }
    if (ia == ib) {
        return scenario_fail(c, "b", "a link from host \"%s\" to itself", l->a);
    }
    char key[48];
    snprintf(key, sizeof key, "%zu\n%zu", ia < ib ? ia : ib, ia < ib ? ib : ia);
    if (!(p->link_keys[i] = strdup(key))) {
        return scenario_fail(c, NULL, "out of memory");
    }
    size_t old;
    int rc = scenario_names_add(&p->links, p->link_keys[i], i, &old);
    if (rc <= 0) {
        return rc < 0 ? scenario_fail(c, NULL, "out of memory")
                      : scenario_fail(c, NULL,
                                      "a second link between %s and %s (also at "
                                      "$.links[%zu])",
                                      l->a, l->b, old);
    }
    return 0;
}

static int scenario_parse_account(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"user", "password", "address", NULL};
    struct scenario_account *a = &p->s->accounts[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in an account") < 0 ||
        scenario_get_string(c, o, "user", SCENARIO_REQUIRED, scenario_is_user,
                            "a user name (printable ASCII without spaces)", &a->user) < 0 ||
        scenario_unique(p, &p->accounts, "user", a->user, i, "user", "$.accounts") < 0 ||
        scenario_get_string(c, o, "password", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &a->password) < 0) {
        return -1;
    }
    return scenario_get_string(c, o, "address", SCENARIO_REQUIRED, scenario_is_address,
                               "an address such as \"alice@a.example\"", &a->address);
}

/* ---- timeline ---- */

/* Splits "base-K" (K a decimal without leading zeros) into base and K. */
static bool scenario_split_repeat(const char *mail, char *base, size_t n, unsigned long *k)
{
    const char *dash = strrchr(mail, '-');
    size_t blen = dash ? (size_t)(dash - mail) : 0;
    if (!dash || blen == 0 || blen >= n || dash[1] < '1' || dash[1] > '9' || strlen(dash + 1) > 7 ||
        strspn(dash + 1, "0123456789") != strlen(dash + 1)) {
        return false;
    }
    memcpy(base, mail, blen);
    base[blen] = '\0';
    *k = strtoul(dash + 1, NULL, 10);
    return true;
}

/* Whether mail is an id some send produces: its own, or "id-K" for one that repeats. When it
 * names a send that repeats, *repeated is that event. */
static bool scenario_mail_known(const struct scenario_parser *p, const char *mail, size_t *repeated)
{
    size_t ev;
    unsigned long k;
    char base[80];
    *repeated = SIZE_MAX;
    if (scenario_names_find(&p->mails, mail, &ev)) {
        if (p->s->timeline[ev].repeat <= 1) {
            return true;
        }
        *repeated = ev;
    }
    return scenario_split_repeat(mail, base, sizeof base, &k) &&
           scenario_names_find(&p->mails, base, &ev) && p->s->timeline[ev].repeat > 1 &&
           k <= p->s->timeline[ev].repeat;
}

static int scenario_parse_event(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    char *action = NULL;
    if (!cJSON_IsObject(o)) {
        return scenario_fail_type(c, NULL, o, "an object");
    }
    int rc = scenario_get_string(c, o, "action", SCENARIO_REQUIRED, NULL,
                                 "one of send, fetch, down, up", &action);
    if (rc == 0) {
        rc = scenario_check_enum(c, "action", action, scenario_actions);
    }
    if (rc < 0) {
        free(action);
        return -1;
    }
    ev->action = (enum scenario_action)scenario_find_word(scenario_actions, action);
    bool send = ev->action == SCENARIO_SEND;
    const char *allowed[16];
    size_t n = 0;
    for (size_t k = 0; scenario_event_keys[k]; k++) {
        allowed[n++] = scenario_event_keys[k];
    }
    for (size_t k = 0; send && scenario_send_keys[k]; k++) {
        allowed[n++] = scenario_send_keys[k];
    }
    allowed[n] = NULL;
    const char *bad = scenario_unknown_key(o, allowed);
    char what[32], hint[120] = "", q[80];
    snprintf(what, sizeof what, "for action %s", action);
    free(action);
    if (bad) {
        if (scenario_send_keys[scenario_find_word(scenario_send_keys, bad)]) {
            snprintf(hint, sizeof hint, "%s is a key for action send",
                     scenario_quote(bad, q, sizeof q));
        }
        return scenario_fail_unknown(c, bad, allowed, what, hint[0] ? hint : NULL);
    }
    const char *const *roles = ev->action == SCENARIO_SEND || ev->action == SCENARIO_FETCH
                                   ? scenario_only_mua
                                   : scenario_servers;
    int64_t repeat = 1, bytes = 0;
    if (scenario_check_keys(c, o, allowed, what) < 0 ||
        scenario_get_duration(c, o, "at", SCENARIO_REQUIRED, &ev->at_us) < 0 ||
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &ev->agent) < 0 ||
        scenario_agent_ref(p, "agent", ev->agent, roles) < 0) {
        return -1;
    }
    if (!send) {
        return 0;
    }
    if (scenario_get_string(c, o, "mail", SCENARIO_REQUIRED, scenario_is_id,
                            "a mail id such as \"m1\" (letters, digits, '.', '_' or '-')",
                            &ev->mail) < 0 ||
        scenario_unique(p, &p->mails, "mail", ev->mail, i, "mail id", "$.timeline") < 0 ||
        scenario_get_strings(c, o, "to", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, scenario_is_address,
                             "an address such as \"bob@b.example\"", &ev->to, &ev->nto) < 0 ||
        scenario_get_string(c, o, "subject", 0, NULL, NULL, &ev->subject) < 0 ||
        scenario_get_string(c, o, "body", 0, NULL, NULL, &ev->body) < 0 ||
        scenario_get_int(c, o, "repeat", 0, 1, SCENARIO_MAX_REPEAT, &repeat) < 0 ||
        scenario_get_duration(c, o, "interval", 0, &ev->interval_us) < 0 ||
        scenario_get_int(c, o, "body_bytes", 0, 0, SCENARIO_MAX_BODY_BYTES, &bytes) < 0) {
        return -1;
    }
    ev->repeat = (unsigned)repeat;
    ev->body_bytes = (uint64_t)bytes;
    if (ev->interval_us && (uint64_t)(repeat - 1) > (UINT64_MAX - ev->at_us) / ev->interval_us) {
        return scenario_fail(c, "interval",
                             "the last of the repeated mails would be sent past "
                             "the end of time");
    }
    return 0;
}

/* A send's id must not be one a repeating send makes ("m-2" beside "m" with repeat 3). */
static int scenario_check_mail_ids(struct scenario_parser *p, const cJSON *o, size_t i)
{
    const struct scenario_event *ev = &p->s->timeline[i];
    size_t other;
    unsigned long k;
    char base[80];
    (void)o;
    if (ev->action != SCENARIO_SEND || ev->repeat > 1 ||
        !scenario_split_repeat(ev->mail, base, sizeof base, &k) ||
        !scenario_names_find(&p->mails, base, &other) || p->s->timeline[other].repeat <= 1 ||
        k > p->s->timeline[other].repeat) {
        return 0;
    }
    return scenario_fail(&p->c, "mail",
                         "mail id \"%s\" is also made by the send at $.timeline[%zu] (\"%s\" "
                         "with repeat %u makes \"%s-1\" to \"%s-%u\")",
                         ev->mail, other, base, p->s->timeline[other].repeat, base, base,
                         p->s->timeline[other].repeat);
}

/* ---- expect ---- */

static int scenario_mail_ref(struct scenario_parser *p, const char *key, const char *mail)
{
    size_t rep;
    if (scenario_mail_known(p, mail, &rep)) {
        return 0;
    }
    char q[80];
    if (rep != SIZE_MAX) {
        unsigned n = p->s->timeline[rep].repeat;
        return scenario_fail(&p->c, key,
                             "expected a mail id from a send in $.timeline, got %s (the send at "
                             "$.timeline[%zu] repeats: its mails are \"%s-1\" to \"%s-%u\")",
                             scenario_quote(mail, q, sizeof q), rep, mail, mail, n);
    }
    return scenario_ref(&p->c, key, mail, &p->mails, "a mail id from a send in $.timeline", NULL);
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
    return scenario_check_enum(c, "state", m->state, scenario_states);
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

static int scenario_parse_expect(struct scenario_parser *p, const cJSON *o)
{
    static const char *const keys[] = {"delivered", "retrieved",      "bounced", "rejected",
                                       "steps",     "steps_mail",     "mails",   "mailboxes",
                                       "received",  "trace_contains", NULL};
    static const char *const counts[] = {"delivered", "retrieved", "bounced", "rejected"};
    struct scenario_expect *x = &p->s->expect;
    struct scenario_ctx *c = &p->c;
    long *fields[] = {&x->delivered, &x->retrieved, &x->bounced, &x->rejected};
    const cJSON *steps, *mails, *boxes, *received;
    size_t nsteps, nmails, nboxes;
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
        (received && scenario_parse_received(p, received) < 0)) {
        return -1;
    }
    return scenario_get_strings(c, o, "trace_contains", 0, NULL, NULL, &x->trace_contains,
                                &x->ntrace_contains);
}

/* ---- the whole file ---- */

/* Parses the array at key with each, after allocating its structs. */
static int scenario_section(struct scenario_parser *p, const cJSON *root, const char *key,
                            int flags, size_t size, void *out, size_t *nout, scenario_item_fn each)
{
    const cJSON *list;
    size_t n;
    if (scenario_get_list(&p->c, root, key, flags, false, &list, &n) < 0 ||
        scenario_alloc(&p->c, key, n, size, out, nout) < 0) {
        return -1;
    }
    return scenario_each(p, list, key, each);
}

static int scenario_parse_root(struct scenario_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"$schema",  "meta",   "seed",  "start",    "until",
                                       "zones",    "hosts",  "links", "accounts", "agents",
                                       "timeline", "expect", NULL};
    struct scenario *s = p->s;
    struct scenario_ctx *c = &p->c;
    const cJSON *meta, *expect, *agents;
    char *start = NULL, *schema = NULL;
    int64_t seed = 1;
    size_t n;
    if (scenario_check_keys(c, root, keys, "at the top level") < 0 ||
        scenario_get_string(c, root, "$schema", 0, NULL, NULL, &schema) < 0 ||
        scenario_get_list(c, root, "meta", SCENARIO_REQUIRED, true, &meta, NULL) < 0 ||
        scenario_parse_meta(p, meta) < 0 ||
        scenario_get_int(c, root, "seed", 0, 0, SCENARIO_INT_MAX, &seed) < 0 ||
        scenario_get_string(c, root, "start", 0, NULL, SCENARIO_TIME_FORM, &start) < 0) {
        free(schema);
        free(start);
        return -1;
    }
    free(schema);
    s->seed = (uint64_t)seed;
    if (scenario_parse_time(start ? start : SCENARIO_DEFAULT_START, &s->epoch, &s->tz_minutes) <
        0) {
        char q[80];
        scenario_fail(c, "start", "expected %s, got %s", SCENARIO_TIME_FORM,
                      scenario_quote(start ? start : "", q, sizeof q));
        free(start);
        return -1;
    }
    free(start);
    if (scenario_get_duration(c, root, "until", 0, &s->until_us) < 0 ||
        scenario_section(p, root, "zones", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, sizeof *s->zones,
                         &s->zones, &s->nzones, scenario_parse_zone) < 0) {
        return -1;
    }
    if (scenario_section(p, root, "hosts", SCENARIO_REQUIRED, sizeof *s->hosts, &s->hosts,
                         &s->nhosts, scenario_parse_host) < 0) {
        return -1;
    }
    if (scenario_section(p, root, "links", 0, sizeof *s->links, &s->links, &s->nlinks,
                         scenario_parse_link) < 0 ||
        scenario_section(p, root, "accounts", 0, sizeof *s->accounts, &s->accounts, &s->naccounts,
                         scenario_parse_account) < 0 ||
        scenario_get_list(c, root, "agents", 0, false, &agents, &n) < 0 ||
        scenario_alloc(c, "agents", n, sizeof *s->agents, &s->agents, &s->nagents) < 0) {
        return -1;
    }
    if (scenario_each(p, agents, "agents", scenario_parse_agent) < 0 ||
        scenario_each(p, agents, "agents", scenario_link_agent) < 0 ||
        scenario_section(p, root, "timeline", 0, sizeof *s->timeline, &s->timeline, &s->ntimeline,
                         scenario_parse_event) < 0 ||
        scenario_each(p, cJSON_GetObjectItemCaseSensitive(root, "timeline"), "timeline",
                      scenario_check_mail_ids) < 0 ||
        scenario_get_list(c, root, "expect", 0, true, &expect, NULL) < 0) {
        return -1;
    }
    if (expect) {
        size_t old = scenario_path_key(c, "expect");
        int rc = scenario_parse_expect(p, expect);
        scenario_path_pop(c, old);
        return rc;
    }
    return 0;
}

/* Entries of the array at key, at most SCENARIO_MAX_ITEMS (more is an error found later). */
static size_t scenario_count(const cJSON *root, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    size_t n = 0;
    for (const cJSON *e = cJSON_IsArray(a) ? a->child : NULL; e && n < SCENARIO_MAX_ITEMS;
         e = e->next) {
        n++;
    }
    return n;
}

static int scenario_parser_init(struct scenario_parser *p, const cJSON *root)
{
    size_t nhosts = scenario_count(root, "hosts"), nlinks = scenario_count(root, "links");
    p->link_keys = calloc(nlinks ? nlinks : 1, sizeof *p->link_keys);
    if (!p->link_keys || scenario_names_init(&p->zones, scenario_count(root, "zones")) < 0 ||
        scenario_names_init(&p->hosts, nhosts) < 0 || scenario_names_init(&p->ips, nhosts) < 0 ||
        scenario_names_init(&p->links, nlinks) < 0 ||
        scenario_names_init(&p->accounts, scenario_count(root, "accounts")) < 0 ||
        scenario_names_init(&p->agents, scenario_count(root, "agents")) < 0 ||
        scenario_names_init(&p->mails, scenario_count(root, "timeline")) < 0) {
        return scenario_fail(&p->c, NULL, "out of memory");
    }
    p->nlink_keys = nlinks;
    return 0;
}

static void scenario_parser_free(struct scenario_parser *p)
{
    struct scenario_names *tables[] = {&p->zones,    &p->hosts,  &p->ips,  &p->links,
                                       &p->accounts, &p->agents, &p->mails};
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        scenario_names_free(tables[k]);
    }
    for (size_t k = 0; p->link_keys && k < p->nlink_keys; k++) {
        free(p->link_keys[k]);
    }
    free(p->link_keys);
}

struct scenario *scenario_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen)
{
    char spare[2];
    struct scenario_parser p = {0};
    p.c.name = name ? name : "(scenario)";
    p.c.err = err && errlen > 0 ? err : spare;
    p.c.errlen = err && errlen > 0 ? errlen : sizeof spare;
    p.c.err[0] = '\0';
    snprintf(p.c.path, sizeof p.c.path, "$");
    p.c.pathlen = 1;
    if (!text || len == 0) {
        snprintf(p.c.err, p.c.errlen, "%s: error: the file is empty", p.c.name);
        return NULL;
    }
    if (len > SCENARIO_MAX_BYTES) {
        snprintf(p.c.err, p.c.errlen, "%s: error: the file is too large (%zu bytes; at most %u)",
                 p.c.name, len, SCENARIO_MAX_BYTES);
        return NULL;
    }
    cJSON *root = scenario_json_parse(&p.c, text, len);
    if (!root) {
        return NULL;
    }
    p.s = calloc(1, sizeof *p.s);
    int rc = -1;
    if (!p.s || !(p.s->path = strdup(p.c.name))) {
        scenario_fail(&p.c, NULL, "out of memory");
    } else if (scenario_parser_init(&p, root) == 0) {
        p.s->expect.delivered = p.s->expect.retrieved = -1;
        p.s->expect.bounced = p.s->expect.rejected = -1;
        p.s->expect.received_min = -1;
        rc = scenario_parse_root(&p, root);
    }
    scenario_parser_free(&p);
    cJSON_Delete(root);
    if (rc < 0) {
        scenario_free(p.s);
        return NULL;
    }
    return p.s;
}

/* strerror's text without its shared buffer. */
static const char *scenario_strerror(int e, char *buf, size_t n)
{
    if (strerror_r(e, buf, n) != 0) {
        snprintf(buf, n, "error %d", e);
    }
    return buf;
}

struct scenario *scenario_load(const char *path, char *err, size_t errlen)
{
    char spare[2], why[128];
    if (!err || errlen == 0) {
        err = spare;
        errlen = sizeof spare;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: error: cannot open: %s", path,
                 scenario_strerror(errno, why, sizeof why));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path,
                 scenario_strerror(EISDIR, why, sizeof why));
        close(fd);
        return NULL;
    }
    /* Reads one byte past the limit, so that a larger file (or a device) is noticed. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size >= 0 && st.st_size <= SCENARIO_MAX_BYTES
                     ? (size_t)st.st_size + 1
                     : 65536;
    size_t len = 0;
    char *buf = malloc(cap);
    ssize_t got = 1;
    while (buf && len <= SCENARIO_MAX_BYTES && got > 0) {
        if (len == cap) {
            size_t more =
                cap * 2 > (size_t)SCENARIO_MAX_BYTES + 1 ? (size_t)SCENARIO_MAX_BYTES + 1 : cap * 2;
            char *grown = more > cap ? realloc(buf, more) : NULL;
            if (!grown) {
                break;
            }
            buf = grown;
            cap = more;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) {
            got = 1;
        } else if (got > 0) {
            len += (size_t)got;
        }
    }
    int read_errno = got < 0 ? errno : 0;
    close(fd);
    struct scenario *s = NULL;
    if (!buf) {
        snprintf(err, errlen, "%s: error: out of memory", path);
    } else if (read_errno) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path,
                 scenario_strerror(read_errno, why, sizeof why));
    } else if (len > SCENARIO_MAX_BYTES) {
        snprintf(err, errlen, "%s: error: the file is too large (more than %u bytes)", path,
                 SCENARIO_MAX_BYTES);
    } else if (got > 0) {
        snprintf(err, errlen, "%s: error: out of memory", path);
    } else {
        s = scenario_parse(buf, len, path, err, errlen);
    }
    free(buf);
    return s;
}

static void scenario_free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void scenario_free_agent(struct scenario_agent *a)
{
    char *strings[] = {a->id,           a->role,        a->host,      a->program,  a->user,
                       a->display_name, a->submit_host, a->auth_mech, a->pop_host, a->mta,
                       a->hostname,     a->relayhost,   a->mda,       a->dns};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
        free(strings[k]);
    }
    scenario_free_strings(a->auth_mechs, a->nauth_mechs);
    scenario_free_strings(a->mydestination, a->nmydestination);
    scenario_free_strings(a->relay_domains, a->nrelay_domains);
    scenario_free_strings(a->mynetworks, a->nmynetworks);
    for (size_t k = 0; a->transports && k < a->ntransports; k++) {
        free(a->transports[k].domain);
        free(a->transports[k].nexthop);
    }
    free(a->transports);
    for (size_t k = 0; a->mx && k < a->nmx; k++) {
        free(a->mx[k].domain);
        free(a->mx[k].exchange);
    }
    free(a->mx);
}

void scenario_free(struct scenario *s)
{
    if (!s) {
        return;
    }
    free(s->path);
    free(s->id);
    free(s->title.ja);
    free(s->title.en);
    free(s->description.ja);
    free(s->description.en);
    scenario_free_strings(s->topics, s->ntopics);
    for (size_t i = 0; s->zones && i < s->nzones; i++) {
        free(s->zones[i].id);
        free(s->zones[i].label.ja);
        free(s->zones[i].label.en);
    }
    free(s->zones);
    for (size_t i = 0; s->hosts && i < s->nhosts; i++) {
        free(s->hosts[i].name);
        free(s->hosts[i].zone);
        free(s->hosts[i].ip);
    }
    free(s->hosts);
    for (size_t i = 0; s->links && i < s->nlinks; i++) {
        free(s->links[i].a);
        free(s->links[i].b);
    }
    free(s->links);
    for (size_t i = 0; s->accounts && i < s->naccounts; i++) {
        free(s->accounts[i].user);
        free(s->accounts[i].password);
        free(s->accounts[i].address);
    }
    free(s->accounts);
    for (size_t i = 0; s->agents && i < s->nagents; i++) {
        scenario_free_agent(&s->agents[i]);
    }
    free(s->agents);
    for (size_t i = 0; s->timeline && i < s->ntimeline; i++) {
        free(s->timeline[i].agent);
        free(s->timeline[i].mail);
        scenario_free_strings(s->timeline[i].to, s->timeline[i].nto);
        free(s->timeline[i].subject);
        free(s->timeline[i].body);
    }
    free(s->timeline);
    struct scenario_expect *x = &s->expect;
    free(x->steps);
    free(x->steps_mail);
    for (size_t i = 0; x->mails && i < x->nmails; i++) {
        free(x->mails[i].mail);
        free(x->mails[i].state);
    }
    free(x->mails);
    for (size_t i = 0; x->mailboxes && i < x->nmailboxes; i++) {
        free(x->mailboxes[i].agent);
        free(x->mailboxes[i].user);
    }
    free(x->mailboxes);
    free(x->received_agent);
    scenario_free_strings(x->trace_contains, x->ntrace_contains);
    free(s);
}
