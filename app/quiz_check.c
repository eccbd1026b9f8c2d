/* quiz_check: the claims of the study mode's questions — the table of claims with their fields
 * (the one place the vocabulary lives: the validator and the evaluator both read it), and their
 * evaluation over a run's trace. The runs come from quiz_runs; `--verify` is quiz_verify. */
#include "quiz_check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- The vocabulary ---- */

enum quiz_field_type { QF_TEXT, QF_STEP, QF_PORT, QF_CODE, QF_BOOL, QF_LINK };

struct quiz_field {
    const char *name;
    enum quiz_field_type type;
    bool required;
};

/* What the value of a claim is: an object of fields, a text, a port, one claim or a list. */
enum quiz_claim_form { QC_OBJECT, QC_TEXT, QC_PORT, QC_CLAIM, QC_CLAIMS };

typedef int (*quiz_eval_fn)(const struct trace *tr, const cJSON *arg, char *why, size_t n);

struct quiz_claim {
    const char *name;
    enum quiz_claim_form form;
    struct quiz_field fields[8]; /* QC_OBJECT; ends at a NULL name */
    bool need_one;               /* an object of optional fields: at least one of them */
    quiz_eval_fn eval;
};

#define QC_MAX_DEPTH 8 /* "not" and "all" inside each other */

static int qc_step_port(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_step_agent(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_step_tls(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_connect(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_sniffed(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_mail_state(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_policy(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_auth(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_secure(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_dns(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_tamper(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_key(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_tap_link(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_log_contains(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_wire_contains(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_plain_contains(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_tls_on_port(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_not(const struct trace *tr, const cJSON *a, char *why, size_t n);
static int qc_all(const struct trace *tr, const cJSON *a, char *why, size_t n);

static const struct quiz_claim quiz_claims[] = {
    {"step_port",
     QC_OBJECT,
     {{"step", QF_STEP, true},
      {"port", QF_PORT, true},
      {"mail", QF_TEXT, false},
      {"client", QF_TEXT, false}},
     false,
     qc_step_port},
    {"step_agent",
     QC_OBJECT,
     {{"step", QF_STEP, true}, {"agent", QF_TEXT, true}, {"mail", QF_TEXT, false}},
     false,
     qc_step_agent},
    {"step_tls",
     QC_OBJECT,
     {{"step", QF_STEP, true},
      {"tls", QF_BOOL, true},
      {"mail", QF_TEXT, false},
      {"client", QF_TEXT, false}},
     false,
     qc_step_tls},
    {"connect",
     QC_OBJECT,
     {{"client", QF_TEXT, false},
      {"server", QF_TEXT, false},
      {"client_host", QF_TEXT, false},
      {"server_host", QF_TEXT, false},
      {"port", QF_PORT, false},
      {"proto", QF_TEXT, false},
      {"seen_ip", QF_TEXT, false}},
     true,
     qc_connect},
    {"sniffed",
     QC_OBJECT,
     {{"finding", QF_TEXT, true},
      {"value", QF_TEXT, false},
      {"contains", QF_TEXT, false},
      {"tap", QF_TEXT, false}},
     false,
     qc_sniffed},
    {"mail_state",
     QC_OBJECT,
     {{"mail", QF_TEXT, true},
      {"state", QF_TEXT, true},
      {"agent", QF_TEXT, false},
      {"code", QF_CODE, false}},
     false,
     qc_mail_state},
    {"policy",
     QC_OBJECT,
     {{"rule", QF_TEXT, true},
      {"agent", QF_TEXT, false},
      {"decision", QF_TEXT, false},
      {"code", QF_CODE, false}},
     false,
     qc_policy},
    {"auth",
     QC_OBJECT,
     {{"agent", QF_TEXT, false},
      {"user", QF_TEXT, false},
      {"mech", QF_TEXT, false},
      {"ok", QF_BOOL, false}},
     true,
     qc_auth},
    {"secure",
     QC_OBJECT,
     {{"agent", QF_TEXT, false},
      {"ok", QF_BOOL, false},
      {"version", QF_TEXT, false},
      {"detail", QF_TEXT, false}},
     true,
     qc_secure},
    {"dns", QC_OBJECT, {{"query", QF_TEXT, true}, {"answer", QF_TEXT, false}}, false, qc_dns},
    {"tamper",
     QC_OBJECT,
     {{"removed", QF_TEXT, true}, {"agent", QF_TEXT, false}},
     false,
     qc_tamper},
    {"key", QC_OBJECT, {{"agent", QF_TEXT, true}, {"system", QF_TEXT, false}}, false, qc_key},
    {"tap_link", QC_OBJECT, {{"tap", QF_TEXT, true}, {"link", QF_LINK, true}}, false, qc_tap_link},
    {"log_contains", QC_TEXT, {{NULL, QF_TEXT, false}}, false, qc_log_contains},
    {"wire_contains", QC_TEXT, {{NULL, QF_TEXT, false}}, false, qc_wire_contains},
    {"plain_contains", QC_TEXT, {{NULL, QF_TEXT, false}}, false, qc_plain_contains},
    {"tls_on_port", QC_PORT, {{NULL, QF_TEXT, false}}, false, qc_tls_on_port},
    {"not", QC_CLAIM, {{NULL, QF_TEXT, false}}, false, qc_not},
    {"all", QC_CLAIMS, {{NULL, QF_TEXT, false}}, false, qc_all},
};

#define QC_NCLAIMS (sizeof quiz_claims / sizeof quiz_claims[0])

static const struct quiz_claim *quiz_claim_find(const char *name)
{
    for (size_t i = 0; i < QC_NCLAIMS; i++) {
        if (strcmp(quiz_claims[i].name, name) == 0) {
            return &quiz_claims[i];
        }
    }
    return NULL;
}

/* The claim names, NULL-ended, with "with" first when with is set: for messages. */
static void quiz_claim_names(const char **out, bool with)
{
    size_t k = 0;
    if (with) {
        out[k++] = "with";
    }
    for (size_t i = 0; i < QC_NCLAIMS; i++) {
        out[k++] = quiz_claims[i].name;
    }
    out[k] = NULL;
}

/* ---- Validation ---- */

static int quiz_validate_claim_object(struct scenario_ctx *c, const cJSON *obj, bool with,
                                      int depth);

static int quiz_validate_field(struct scenario_ctx *c, const cJSON *it, const struct quiz_field *f)
{
    switch (f->type) {
    case QF_TEXT:
        if (!cJSON_IsString(it) || !it->valuestring || !it->valuestring[0]) {
            return scenario_fail_type(c, f->name, it, "a non-empty string");
        }
        return 0;
    case QF_BOOL:
        return cJSON_IsBool(it) ? 0 : scenario_fail_type(c, f->name, it, "true or false");
    case QF_LINK: {
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
        const cJSON *a = n == 2 ? cJSON_GetArrayItem(it, 0) : NULL;
        const cJSON *b = n == 2 ? cJSON_GetArrayItem(it, 1) : NULL;
        if (!cJSON_IsString(a) || !cJSON_IsString(b) || !scenario_is_domain(a->valuestring) ||
            !scenario_is_domain(b->valuestring)) {
            return scenario_fail_type(c, f->name, it,
                                      "two host names [\"sw.a.example\", \"mail.a.example\"]");
        }
        return 0;
    }
    default: {
        int64_t lo = f->type == QF_STEP ? 1 : f->type == QF_PORT ? 1 : 0;
        int64_t hi = f->type == QF_STEP ? 9 : f->type == QF_PORT ? 65535 : 999;
        double d = it->valuedouble;
        if (cJSON_IsNumber(it) && d >= (double)lo && d <= (double)hi && (double)(int64_t)d == d) {
            return 0;
        }
        char what[64];
        snprintf(what, sizeof what, "an integer from %lld to %lld", (long long)lo, (long long)hi);
        return scenario_fail_type(c, f->name, it, what);
    }
    }
}

static int quiz_validate_value(struct scenario_ctx *c, const struct quiz_claim *cl, const cJSON *v,
                               int depth)
{
    switch (cl->form) {
    case QC_TEXT:
        if (!cJSON_IsString(v) || !v->valuestring || !v->valuestring[0]) {
            return scenario_fail_type(c, NULL, v, "a non-empty string");
        }
        return 0;
    case QC_PORT: {
        double d = v->valuedouble;
        if (cJSON_IsNumber(v) && d >= 1 && d <= 65535 && (double)(int)d == d) {
            return 0;
        }
        return scenario_fail_type(c, NULL, v, "a port, an integer from 1 to 65535");
    }
    case QC_CLAIM:
        return quiz_validate_claim_object(c, v, false, depth + 1);
    case QC_CLAIMS: {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
            return scenario_fail_type(c, NULL, v, "a non-empty array of claims");
        }
        size_t i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            size_t at = scenario_path_index(c, i);
            int rc = quiz_validate_claim_object(c, e, false, depth + 1);
            scenario_path_pop(c, at);
            if (rc) {
                return rc;
            }
        }
        return 0;
    }
    case QC_OBJECT:
        break;
    }
    const char *allowed[10];
    size_t k = 0;
    for (; cl->fields[k].name; k++) {
        allowed[k] = cl->fields[k].name;
    }
    allowed[k] = NULL;
    char what[48];
    snprintf(what, sizeof what, "for claim %s", cl->name);
    if (scenario_check_keys(c, v, allowed, what) < 0) {
        return -1;
    }
    for (size_t i = 0; cl->fields[i].name; i++) {
        const struct quiz_field *f = &cl->fields[i];
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(v, f->name);
        if (!it) {
            if (f->required) {
                return scenario_fail(c, NULL, "missing required key \"%s\" of claim %s", f->name,
                                     cl->name);
            }
            continue;
        }
        if (quiz_validate_field(c, it, f) < 0) {
            return -1;
        }
    }
    if (cl->need_one && !v->child) {
        return scenario_fail(c, NULL, "claim %s needs at least one of its keys", cl->name);
    }
    if (cJSON_GetObjectItemCaseSensitive(v, "value") &&
        cJSON_GetObjectItemCaseSensitive(v, "contains")) {
        return scenario_fail(c, NULL,
                             "give \"value\" (the whole finding) or \"contains\" (a part "
                             "of it), not both");
    }
    return 0;
}

static int quiz_validate_with(struct scenario_ctx *c, const cJSON *with)
{
    if (!cJSON_IsObject(with) || !with->child) {
        return scenario_fail_type(c, "with", with,
                                  "an object of countermeasures {\"require_tls\": true}");
    }
    size_t old = scenario_path_key(c, "with");
    int rc = 0;
    for (const cJSON *m = with->child; m && rc == 0; m = m->next) {
        if (!scenario_is_id(m->string)) {
            rc = scenario_fail(c, NULL, "expected countermeasure ids as keys, got \"%s\"",
                               m->string);
        } else if (!cJSON_IsBool(m)) {
            rc = scenario_fail_type(c, m->string, m, "true (on) or false (off)");
        }
    }
    scenario_path_pop(c, old);
    return rc;
}

/* An object holding exactly one claim (and, at the top, an optional "with"). */
static int quiz_validate_claim_object(struct scenario_ctx *c, const cJSON *obj, bool with,
                                      int depth)
{
    if (depth > QC_MAX_DEPTH) {
        return scenario_fail(c, NULL, "claims nested deeper than %d", QC_MAX_DEPTH);
    }
    if (!cJSON_IsObject(obj)) {
        return scenario_fail_type(c, NULL, obj, "an object with one claim");
    }
    const char *names[QC_NCLAIMS + 2];
    quiz_claim_names(names, with);
    if (scenario_check_keys(c, obj, names, NULL) < 0) {
        return -1;
    }
    const cJSON *claim = NULL;
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (strcmp(m->string, "with") == 0) {
            if (quiz_validate_with(c, m) < 0) {
                return -1;
            }
        } else if (claim) {
            return scenario_fail(c, NULL,
                                 "one claim per check, got \"%s\" and \"%s\" (join "
                                 "claims with \"all\")",
                                 claim->string, m->string);
        } else {
            claim = m;
        }
    }
    if (!claim) {
        return scenario_fail(c, NULL,
                             "no claim (expected one of: step_port, step_agent, "
                             "sniffed, mail_state, ... see questions.schema.json)");
    }
    size_t old = scenario_path_key(c, claim->string);
    int rc = quiz_validate_value(c, quiz_claim_find(claim->string), claim, depth);
    scenario_path_pop(c, old);
    return rc;
}

int quiz_check_validate(struct scenario_ctx *c, const cJSON *check)
{
    return quiz_validate_claim_object(c, check, true, 0);
}

static const cJSON *quiz_check_claim(const cJSON *check)
{
    for (const cJSON *m = check ? check->child : NULL; m; m = m->next) {
        if (strcmp(m->string, "with") != 0) {
            return m;
        }
    }
    return NULL;
}

const char *quiz_check_claim_name(const cJSON *check)
{
    const cJSON *claim = quiz_check_claim(check);
    return claim ? claim->string : "(none)";
}

/* ---- Reading the trace ---- */

static const char *qc_str(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static long qc_int(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) ? (long)it->valuedouble : -1;
}

/* -1 absent, else 0 or 1. */
static int qc_bool(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsBool(it) ? cJSON_IsTrue(it) : -1;
}

/* Whether s names want; want NULL matches anything. */
static bool qc_is(const struct trace *tr, trace_str s, const char *want)
{
    return !want || strcmp(trace_string(tr, s), want) == 0;
}

static const char *qc_host(const struct trace *tr, uint32_t h)
{
    return h < tr->nhosts ? trace_string(tr, tr->hosts[h].name) : "";
}

static bool qc_has(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

static bool qc_event_has(const struct trace *tr, const struct trace_event *e, const char *needle)
{
    return qc_has(trace_bytes_ptr(tr, e->bytes), e->bytes.len, needle);
}

static int qc_why(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int qc_why(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(why, n, fmt, ap);
    va_end(ap);
    scenario_ellipsis(why, n, w);
    return 0;
}

/* Whether a TLS channel was set up on conn. */
static bool qc_conn_tls(const struct trace *tr, uint32_t conn)
{
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_SECURE && e->conn == conn && (e->flags & TRACE_OK) &&
            strncmp(trace_string(tr, e->s[1]), "TLS", 3) == 0) {
            return true;
        }
    }
    return false;
}

/* Step-n events with a connection, of mail and from client when those are given. */
static bool qc_step_conn(const struct trace *tr, const struct trace_event *e, long step,
                         const char *mail, const char *client)
{
    if (e->kind != TRACE_STEP || e->num != step || !e->conn || !qc_is(tr, e->s[0], mail)) {
        return false;
    }
    const struct trace_conn *c = trace_conn_get(tr, e->conn);
    return c && qc_is(tr, c->client_agent, client);
}

static int qc_step_port(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    long step = qc_int(a, "step"), port = qc_int(a, "port");
    const char *mail = qc_str(a, "mail"), *client = qc_str(a, "client");
    size_t seen = 0;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (!qc_step_conn(tr, e, step, mail, client)) {
            continue;
        }
        const struct trace_conn *c = trace_conn_get(tr, e->conn);
        seen++;
        if (c->server_port != port) {
            return qc_why(why, n, "step %ld of %s went to port %u (connection #%u, %s)", step,
                          trace_string(tr, e->s[0]), c->server_port, c->id,
                          trace_string(tr, c->proto));
        }
    }
    if (!seen) {
        return qc_why(why, n, "no connection of step %ld%s%s%s%s", step, mail ? " of " : "",
                      mail ? mail : "", client ? " from " : "", client ? client : "");
    }
    return 1;
}

static int qc_step_agent(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    long step = qc_int(a, "step");
    const char *mail = qc_str(a, "mail"), *agent = qc_str(a, "agent");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_STEP && e->num == step && qc_is(tr, e->s[0], mail)) {
            if (qc_is(tr, e->s[1], agent)) {
                return 1;
            }
            return qc_why(why, n, "step %ld of %s is %s's", step, trace_string(tr, e->s[0]),
                          trace_string(tr, e->s[1]));
        }
    }
    return qc_why(why, n, "no step %ld%s%s", step, mail ? " of " : "", mail ? mail : "");
}

static int qc_step_tls(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    long step = qc_int(a, "step");
    bool want = qc_bool(a, "tls") == 1;
    const char *mail = qc_str(a, "mail"), *client = qc_str(a, "client");
    size_t seen = 0;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (!qc_step_conn(tr, e, step, mail, client)) {
            continue;
        }
        seen++;
        if (qc_conn_tls(tr, e->conn) != want) {
            return qc_why(why, n, "connection #%u of step %ld %s TLS", e->conn, step,
                          want ? "had no" : "had");
        }
    }
    if (!seen) {
        return qc_why(why, n, "no connection of step %ld", step);
    }
    return 1;
}

static int qc_connect(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *client = qc_str(a, "client"), *server = qc_str(a, "server");
    const char *chost = qc_str(a, "client_host"), *shost = qc_str(a, "server_host");
    const char *proto = qc_str(a, "proto"), *seen = qc_str(a, "seen_ip");
    long port = qc_int(a, "port");
    for (size_t i = 0; i < tr->nconns; i++) {
        const struct trace_conn *c = &tr->conns[i];
        char ip[16];
        trace_format_ipv4(trace_conn_seen_ip(tr, c), ip, sizeof ip);
        if (qc_is(tr, c->client_agent, client) && qc_is(tr, c->server_agent, server) &&
            (!chost || strcmp(qc_host(tr, c->client_host), chost) == 0) &&
            (!shost || strcmp(qc_host(tr, c->server_host), shost) == 0) &&
            (port < 0 || c->server_port == port) && qc_is(tr, c->proto, proto) &&
            (!seen || strcmp(ip, seen) == 0)) {
            return 1;
        }
    }
    char *text = cJSON_PrintUnformatted(a);
    qc_why(why, n, "no connection matches %s (of %zu)", text ? text : "", tr->nconns);
    cJSON_free(text);
    return 0;
}

static int qc_sniffed(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *finding = qc_str(a, "finding"), *value = qc_str(a, "value");
    const char *contains = qc_str(a, "contains"), *tap = qc_str(a, "tap");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_SNIFF || !qc_is(tr, e->s[1], finding) || !qc_is(tr, e->s[0], tap)) {
            continue;
        }
        const uint8_t *p = trace_bytes_ptr(tr, e->bytes);
        if ((!value || (e->bytes.len == strlen(value) && memcmp(p, value, e->bytes.len) == 0)) &&
            (!contains || qc_has(p, e->bytes.len, contains))) {
            return 1;
        }
    }
    return qc_why(why, n, "no tap%s%s recorded %s%s%s%s", tap ? " " : "", tap ? tap : "", finding,
                  value || contains ? " \"" : "",
                  value      ? value
                  : contains ? contains
                             : "",
                  value || contains ? "\"" : "");
}

static int qc_mail_state(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *mail = qc_str(a, "mail"), *state = qc_str(a, "state"), *agent = qc_str(a, "agent");
    long code = qc_int(a, "code");
    char seen[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_MAIL || !qc_is(tr, e->s[0], mail)) {
            continue;
        }
        if (qc_is(tr, e->s[1], state) && qc_is(tr, e->s[2], agent) &&
            (code < 0 || e->num == code)) {
            return 1;
        }
        int w = snprintf(seen + used, sizeof seen - used, "%s%s (%s, %d)", used ? ", " : "",
                         trace_string(tr, e->s[1]), trace_string(tr, e->s[2]), e->num);
        if (w > 0 && (size_t)w < sizeof seen - used) {
            used += (size_t)w;
        }
    }
    return qc_why(why, n, "mail %s never reached %s%s%s; it went: %s", mail, state,
                  agent ? " at " : "", agent ? agent : "", used ? seen : "nowhere");
}

static int qc_policy(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *rule = qc_str(a, "rule"), *agent = qc_str(a, "agent");
    const char *decision = qc_str(a, "decision");
    long code = qc_int(a, "code");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_POLICY && qc_is(tr, e->s[1], rule) && qc_is(tr, e->s[0], agent) &&
            qc_is(tr, e->s[2], decision) && (code < 0 || e->num == code)) {
            return 1;
        }
    }
    return qc_why(why, n, "no policy decision %s%s%s%s%s", rule, agent ? " by " : "",
                  agent ? agent : "", decision ? " " : "", decision ? decision : "");
}

static int qc_auth(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *agent = qc_str(a, "agent"), *user = qc_str(a, "user"), *mech = qc_str(a, "mech");
    int ok = qc_bool(a, "ok");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_AUTH && qc_is(tr, e->s[0], agent) && qc_is(tr, e->s[1], user) &&
            qc_is(tr, e->s[2], mech) && (ok < 0 || ok == ((e->flags & TRACE_OK) != 0))) {
            return 1;
        }
    }
    char *text = cJSON_PrintUnformatted(a);
    qc_why(why, n, "no authentication matches %s", text ? text : "");
    cJSON_free(text);
    return 0;
}

static int qc_secure(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *agent = qc_str(a, "agent"), *version = qc_str(a, "version");
    const char *detail = qc_str(a, "detail");
    int ok = qc_bool(a, "ok");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_SECURE && qc_is(tr, e->s[0], agent) && qc_is(tr, e->s[1], version) &&
            (ok < 0 || ok == ((e->flags & TRACE_OK) != 0)) &&
            (!detail || qc_event_has(tr, e, detail))) {
            return 1;
        }
    }
    char *text = cJSON_PrintUnformatted(a);
    qc_why(why, n, "no encrypted channel matches %s", text ? text : "");
    cJSON_free(text);
    return 0;
}

static int qc_dns(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *query = qc_str(a, "query"), *answer = qc_str(a, "answer");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_DNS && qc_is(tr, e->s[1], query) &&
            (!answer || qc_event_has(tr, e, answer))) {
            return 1;
        }
    }
    return qc_why(why, n, "no DNS query %s%s%s", query, answer ? " answered with " : "",
                  answer ? answer : "");
}

static int qc_tamper(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *removed = qc_str(a, "removed"), *agent = qc_str(a, "agent");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_TAMPER || !qc_is(tr, e->s[0], agent) || qc_event_has(tr, e, removed)) {
            continue;
        }
        /* The original is the data event just before, of the same connection and side. */
        for (size_t j = i; j-- > 0;) {
            const struct trace_event *d = trace_event_at(tr, j);
            if (d->kind == TRACE_DATA && d->conn == e->conn && d->from == e->from) {
                if (qc_event_has(tr, d, removed)) {
                    return 1;
                }
                break;
            }
        }
    }
    return qc_why(why, n, "no man in the middle%s%s removed \"%s\"", agent ? " " : "",
                  agent ? agent : "", removed);
}

static int qc_key(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *agent = qc_str(a, "agent"), *system = qc_str(a, "system");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_KEY && qc_is(tr, e->s[0], agent) && qc_is(tr, e->s[1], system)) {
            return 1;
        }
    }
    return qc_why(why, n, "%s holds no %s private key", agent, system ? system : "");
}

static int qc_tap_link(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    const char *tap = qc_str(a, "tap");
    const cJSON *link = cJSON_GetObjectItemCaseSensitive(a, "link");
    const char *x = cJSON_GetArrayItem(link, 0)->valuestring;
    const char *y = cJSON_GetArrayItem(link, 1)->valuestring;
    for (size_t i = 0; i < tr->ntaps; i++) {
        if (strcmp(trace_string(tr, tr->taps[i].name), tap) != 0) {
            continue;
        }
        const struct trace_link *l = &tr->links[tr->taps[i].link];
        const char *p = qc_host(tr, l->a), *q = qc_host(tr, l->b);
        if ((strcmp(p, x) == 0 && strcmp(q, y) == 0) || (strcmp(p, y) == 0 && strcmp(q, x) == 0)) {
            return 1;
        }
        return qc_why(why, n, "tap %s sits on %s - %s", tap, p, q);
    }
    return qc_why(why, n, "no tap %s", tap);
}

static int qc_find_text(const struct trace *tr, enum trace_kind kind, const char *needle)
{
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == kind && qc_event_has(tr, e, needle)) {
            return 1;
        }
    }
    return 0;
}

static int qc_log_contains(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    return qc_find_text(tr, TRACE_LOG, a->valuestring)
               ? 1
               : qc_why(why, n, "no mail log line contains \"%s\"", a->valuestring);
}

static int qc_wire_contains(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    return qc_find_text(tr, TRACE_DATA, a->valuestring)
               ? 1
               : qc_why(why, n, "no bytes on a link contain \"%s\"", a->valuestring);
}

static int qc_plain_contains(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    return qc_find_text(tr, TRACE_PLAIN, a->valuestring)
               ? 1
               : qc_why(why, n, "no plaintext inside TLS or SSH contains \"%s\"", a->valuestring);
}

static int qc_tls_on_port(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    int port = (int)a->valuedouble;
    for (size_t i = 0; i < tr->nconns; i++) {
        if (tr->conns[i].server_port == port && qc_conn_tls(tr, tr->conns[i].id)) {
            return 1;
        }
    }
    return qc_why(why, n, "no TLS on a connection to port %d", port);
}

static int qc_eval_claim(const struct trace *tr, const cJSON *obj, char *why, size_t n)
{
    const cJSON *claim = quiz_check_claim(obj);
    const struct quiz_claim *cl = claim ? quiz_claim_find(claim->string) : NULL;
    if (!cl) {
        return qc_why(why, n, "no claim");
    }
    return cl->eval(tr, claim, why, n) == 1 ? 1 : 0;
}

static int qc_not(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    char inner[512];
    if (qc_eval_claim(tr, a, inner, sizeof inner) == 0) {
        return 1;
    }
    char *text = cJSON_PrintUnformatted(a);
    qc_why(why, n, "it is so: %s", text ? text : "");
    cJSON_free(text);
    return 0;
}

static int qc_all(const struct trace *tr, const cJSON *a, char *why, size_t n)
{
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char inner[512];
        if (qc_eval_claim(tr, e, inner, sizeof inner) != 1) {
            return qc_why(why, n, "all[%zu]: %s", i, inner);
        }
    }
    return 1;
}

/* ---- Evaluating against a run ---- */

int quiz_check_eval(struct quiz_runs *r, const char *scenario, const cJSON *check, char *why,
                    size_t whylen)
{
    const cJSON *with = cJSON_GetObjectItemCaseSensitive(check, "with");
    const struct trace *tr = quiz_runs_get(r, scenario, with, NULL, why, whylen);
    if (!tr) {
        return -1;
    }
    return qc_eval_claim(tr, check, why, whylen);
}
