/* claims: the table of claims with their typed fields (the one place the vocabulary lives: the
 * parser and the evaluator both read it), the parser from JSON, and each claim's evaluation over
 * a trace, which reads events only through the named accessors of trace.h. */
#include "claims.h"

#include "buf.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The vocabulary ---- */

enum claims_type {
    CLAIMS_TEXT,  /* a non-empty string */
    CLAIMS_STEP,  /* 1 to 9 */
    CLAIMS_PORT,  /* 1 to 65535 */
    CLAIMS_CODE,  /* a reply code, 0 to 999 */
    CLAIMS_BOOL,  /* true or false */
    CLAIMS_LINK,  /* two host names */
    CLAIMS_STEPS, /* a list of step numbers */
};

/* The typed arguments of a claim. A field of the table names its member here (the JSON key is the
 * member's name), so that a key means the same in every claim that has it. Absent: NULL texts,
 * -1 numbers and flags. */
struct claims_args {
    char *mail, *state, *agent, *client, *server, *client_host, *server_host, *proto, *seen_ip;
    char *finding, *value, *contains, *tap, *rule, *decision, *user, *mech, *version, *detail;
    char *query, *answer, *removed, *system, *text;
    char *link[2];
    long step, port, code;
    int tls, ok;
    struct {
        int *v;
        size_t n;
    } steps;
};

struct claims_field {
    const char *key;
    enum claims_type type;
    bool required;
    size_t off; /* of its member in struct claims_args */
};

/* What a claim's value is: an object of fields, one bare value (its one field), one claim, or a
 * list of claims. */
enum claims_form { CLAIMS_OBJECT, CLAIMS_VALUE, CLAIMS_CLAIM, CLAIMS_LIST };

/* Where an evaluation says why. */
struct claims_why {
    char *buf;
    size_t n;
};

typedef int (*claims_eval_fn)(const struct trace *tr, const struct claim *cl, struct claims_why *w);

enum claims_flags {
    CLAIMS_NEED_ONE = 1 << 0, /* an object of optional fields: at least one of them */
    CLAIMS_UNNAMED = 1 << 1,  /* files do not name it: only compiled into (expect.steps) */
};

struct claims_row {
    const char *name;
    enum claims_form form;
    unsigned flags;
    claims_eval_fn eval;
    struct claims_field fields[8]; /* ends at a NULL key */
};

struct claim {
    const struct claims_row *row;
    struct claims_args a;
    char *json; /* the value as the file gave it, for messages; NULL for a "not" made in code */
    struct claim **sub; /* not: one; all: nsub */
    size_t nsub;
};

/* ---- Reading the trace ---- */

/* What a wanted text is compared with: CLAIMS_ANY (nothing wanted) matches every id, CLAIMS_NONE
 * (a text the trace never interned) none. Ids rather than texts, so that a claim over a run of
 * 100,000 mails stays cheap. */
#define CLAIMS_ANY UINT32_MAX
#define CLAIMS_NONE (UINT32_MAX - 1)

static trace_str claims_id(const struct trace *tr, const char *want)
{
    if (!want) {
        return CLAIMS_ANY;
    }
    trace_str id = trace_lookup(tr, want);
    return id || !want[0] ? id : CLAIMS_NONE;
}

static bool claims_is(trace_str want, trace_str got)
{
    return want == CLAIMS_ANY || want == got;
}

/* A text a claim wants (NULL: any) and the named accessor of the field that must hold it. */
struct claims_eq {
    trace_str (*field)(const struct trace_event *e);
    const char *want;
};

#define CLAIMS_MAX_EQ 3

/* The one walk over events: the first event of kind from *i on whose fields hold what the n
 * entries of eq want, with *i at it; NULL (and *i at the end) when there is none. */
static const struct trace_event *claims_scan(const struct trace *tr, enum trace_kind kind,
                                             size_t *i, const struct claims_eq *eq, size_t n)
{
    trace_str id[CLAIMS_MAX_EQ];
    assert(n <= CLAIMS_MAX_EQ);
    for (size_t k = 0; k < n; k++) {
        if ((id[k] = claims_id(tr, eq[k].want)) == CLAIMS_NONE) {
            *i = tr->nevents;
        }
    }
    for (; *i < tr->nevents; ++*i) {
        const struct trace_event *e = trace_event_at(tr, *i);
        size_t k = 0;
        while (e->kind == kind && k < n && claims_is(id[k], eq[k].field(e))) {
            k++;
        }
        if (e->kind == kind && k == n) {
            return e;
        }
    }
    return NULL;
}

static trace_str claims_host(const struct trace *tr, uint32_t h)
{
    return h < tr->nhosts ? tr->hosts[h].name : 0;
}

bool claims_bytes_have(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    return k == 0 || bytes_find(p, n, needle, k) != NULL; /* "" is in anything, even NULL */
}

static bool claims_event_has(const struct trace *tr, const struct trace_event *e,
                             const char *needle)
{
    return claims_bytes_have(trace_bytes_ptr(tr, e->bytes), e->bytes.len, needle);
}

/* The first event of kind whose bytes contain needle, or NULL. */
static const struct trace_event *claims_find_text(const struct trace *tr, enum trace_kind kind,
                                                  const char *needle)
{
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, kind, &i, NULL, 0)) != NULL; i++) {
        if (claims_event_has(tr, e, needle)) {
            return e;
        }
    }
    return NULL;
}

static int claims_say(struct claims_why *w, int held, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int claims_say(struct claims_why *w, int held, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int wrote = vsnprintf(w->buf, w->n, fmt, ap);
    va_end(ap);
    scenario_ellipsis(w->buf, w->n, wrote);
    return held;
}

/* Appends to buf (capacity cap, *used bytes in it); a text cut short ends in "...". */
static void claims_append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void claims_append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int wrote = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (wrote >= 0 && (size_t)wrote >= cap - *used) {
        scenario_ellipsis(buf, cap, (int)cap);
        *used = cap;
    } else if (wrote > 0) {
        *used += (size_t)wrote;
    }
}

/* " of MAIL from CLIENT", the parts the claim names, for messages. */
static const char *claims_of(const struct claims_args *a, char *buf, size_t cap)
{
    int wrote = snprintf(buf, cap, "%s%s%s%s", a->mail ? " of " : "", a->mail ? a->mail : "",
                         a->client ? " from " : "", a->client ? a->client : "");
    scenario_ellipsis(buf, cap, wrote);
    return buf;
}

/* " (code)" when the claim names a reply code, else "". */
static const char *claims_code(const struct claims_args *a, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (a->code >= 0) {
        snprintf(buf, cap, " (%ld)", a->code);
    }
    return buf;
}

/* ---- The claims ---- */

/* Whether a TLS channel was set up on conn. */
static bool claims_conn_tls(const struct trace *tr, uint32_t conn)
{
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_SECURE, &i, NULL, 0)) != NULL; i++) {
        if (e->conn == conn && trace_secure_ok(e) &&
            strncmp(trace_secure_version(tr, e), "TLS", 3) == 0) {
            return true;
        }
    }
    return false;
}

/* The next step event from *i on of the claim's step, mail and client that has a connection. */
static const struct trace_event *claims_step_conn(const struct trace *tr, size_t *i,
                                                  const struct claims_args *a)
{
    const struct claims_eq eq[] = {{trace_step_mail_id, a->mail}};
    trace_str client = claims_id(tr, a->client);
    const struct trace_event *e;
    for (; (e = claims_scan(tr, TRACE_STEP, i, eq, 1)) != NULL; ++*i) {
        const struct trace_conn *c = e->conn ? trace_conn_get(tr, e->conn) : NULL;
        if (trace_step_n(e) == a->step && c && claims_is(client, c->client_agent)) {
            return e;
        }
    }
    return NULL;
}

static int claims_step_port(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct trace_event *e;
    size_t seen = 0;
    char of[160];
    for (size_t i = 0; (e = claims_step_conn(tr, &i, a)) != NULL; i++, seen++) {
        const struct trace_conn *c = trace_conn_get(tr, e->conn);
        if (c->server_port != a->port) {
            return claims_say(w, 0, "step %ld of %s went to port %u (connection #%u, %s)", a->step,
                              trace_step_mail(tr, e), c->server_port, c->id,
                              trace_string(tr, c->proto));
        }
    }
    if (!seen) {
        return claims_say(w, 0, "no connection of step %ld%s", a->step,
                          claims_of(a, of, sizeof of));
    }
    return claims_say(w, 1, "every connection of step %ld%s went to port %ld (%zu)", a->step,
                      claims_of(a, of, sizeof of), a->port, seen);
}

static int claims_step_agent(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_step_mail_id, a->mail}};
    const struct trace_event *e;
    char of[160];
    for (size_t i = 0; (e = claims_scan(tr, TRACE_STEP, &i, eq, 1)) != NULL; i++) {
        if (trace_step_n(e) == a->step) {
            bool his = claims_is(claims_id(tr, a->agent), trace_step_agent_id(e));
            return claims_say(w, his, "step %ld of %s is %s's", a->step, trace_step_mail(tr, e),
                              trace_step_agent(tr, e));
        }
    }
    return claims_say(w, 0, "no step %ld%s", a->step, claims_of(a, of, sizeof of));
}

static int claims_step_tls(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct trace_event *e;
    bool want = a->tls == 1;
    size_t seen = 0;
    char of[160];
    for (size_t i = 0; (e = claims_step_conn(tr, &i, a)) != NULL; i++, seen++) {
        if (claims_conn_tls(tr, e->conn) != want) {
            return claims_say(w, 0, "connection #%u of step %ld %s TLS", e->conn, a->step,
                              want ? "had no" : "had");
        }
    }
    if (!seen) {
        return claims_say(w, 0, "no connection of step %ld%s", a->step,
                          claims_of(a, of, sizeof of));
    }
    return claims_say(w, 1, "every connection of step %ld%s %s TLS", a->step,
                      claims_of(a, of, sizeof of), want ? "had" : "had no");
}

static int claims_connect(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    trace_str client = claims_id(tr, a->client), server = claims_id(tr, a->server);
    trace_str chost = claims_id(tr, a->client_host), shost = claims_id(tr, a->server_host);
    trace_str proto = claims_id(tr, a->proto);
    for (size_t i = 0; i < tr->nconns; i++) {
        const struct trace_conn *c = &tr->conns[i];
        char ip[16];
        trace_format_ipv4(trace_conn_seen_ip(tr, c), ip, sizeof ip);
        if (claims_is(client, c->client_agent) && claims_is(server, c->server_agent) &&
            claims_is(chost, claims_host(tr, c->client_host)) &&
            claims_is(shost, claims_host(tr, c->server_host)) &&
            (a->port < 0 || c->server_port == a->port) && claims_is(proto, c->proto) &&
            (!a->seen_ip || strcmp(ip, a->seen_ip) == 0)) {
            return claims_say(w, 1, "connection #%u matches %s", c->id, cl->json);
        }
    }
    return claims_say(w, 0, "no connection matches %s (of %zu)", cl->json, tr->nconns);
}

static int claims_sniffed(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_sniff_finding_id, a->finding},
                                   {trace_sniff_tap_id, a->tap}};
    const char *q = a->value ? a->value : a->contains;
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_SNIFF, &i, eq, 2)) != NULL; i++) {
        const uint8_t *p = trace_bytes_ptr(tr, e->bytes);
        if ((!a->value ||
             (e->bytes.len == strlen(a->value) && memcmp(p, a->value, e->bytes.len) == 0)) &&
            (!a->contains || claims_event_has(tr, e, a->contains))) {
            return claims_say(w, 1, "tap %s found %s%s%s%s", trace_sniff_tap(tr, e), a->finding,
                              q ? " \"" : "", q ? q : "", q ? "\"" : "");
        }
    }
    return claims_say(w, 0, "no tap%s%s found %s%s%s%s", a->tap ? " " : "", a->tap ? a->tap : "",
                      a->finding, q ? " \"" : "", q ? q : "", q ? "\"" : "");
}

/* Whether item is one of the ", "-separated items of list. */
static bool claims_listed(const char *list, const char *item)
{
    size_t k = strlen(item);
    for (const char *p = list; (p = strstr(p, item)) != NULL; p++) {
        if ((p == list || p[-1] == ' ') && (p[k] == ',' || p[k] == '\0')) {
            return true;
        }
    }
    return false;
}

/* Several copies of one mail travel at once, so "the last state" would depend on which copy
 * finished last; "reached" does not. */
static int claims_mail_state(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_mail_mail_id, a->mail}};
    trace_str state = claims_id(tr, a->state), agent = claims_id(tr, a->agent);
    const struct trace_event *e;
    char seen[256] = "", code[24];
    size_t used = 0;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_MAIL, &i, eq, 1)) != NULL; i++) {
        if (claims_is(state, trace_mail_state_id(e)) && claims_is(agent, trace_mail_agent_id(e)) &&
            (a->code < 0 || trace_mail_code(e) == a->code)) {
            return claims_say(w, 1, "mail %s reached %s at %s (%d)", a->mail,
                              trace_mail_state(tr, e), trace_mail_agent(tr, e), trace_mail_code(e));
        }
        /* What it reached instead, each state once (and where, when the claim asks where). */
        char item[160];
        snprintf(item, sizeof item, "%s%s%s", trace_mail_state(tr, e), a->agent ? " at " : "",
                 a->agent ? trace_mail_agent(tr, e) : "");
        if (!claims_listed(seen, item)) {
            claims_append(seen, sizeof seen, &used, "%s%s", used ? ", " : "", item);
        }
    }
    return claims_say(w, 0, "mail %s never reached %s%s%s%s (it was: %s)", a->mail, a->state,
                      a->agent ? " at " : "", a->agent ? a->agent : "",
                      claims_code(a, code, sizeof code), used ? seen : "never seen");
}

static int claims_policy(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    char code[24];
    const struct claims_eq eq[] = {{trace_policy_rule_id, a->rule},
                                   {trace_policy_agent_id, a->agent},
                                   {trace_policy_decision_id, a->decision}};
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_POLICY, &i, eq, 3)) != NULL; i++) {
        if (a->code < 0 || trace_policy_code(e) == a->code) {
            return claims_say(w, 1, "%s decided %s by %s (%d)", trace_policy_agent(tr, e),
                              trace_policy_decision(tr, e), a->rule, trace_policy_code(e));
        }
    }
    return claims_say(w, 0, "%s%s%s%s by %s%s", a->agent ? a->agent : "nobody",
                      a->agent ? " never decided" : " decided", a->decision ? " " : "",
                      a->decision ? a->decision : "", a->rule, claims_code(a, code, sizeof code));
}

static int claims_auth(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_auth_agent_id, a->agent},
                                   {trace_auth_user_id, a->user},
                                   {trace_auth_mech_id, a->mech}};
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_AUTH, &i, eq, 3)) != NULL; i++) {
        if (a->ok < 0 || a->ok == trace_auth_ok(e)) {
            return claims_say(w, 1, "%s %s %s (%s)", trace_auth_agent(tr, e),
                              trace_auth_ok(e) ? "accepted" : "refused", trace_auth_user(tr, e),
                              trace_auth_mech(tr, e));
        }
    }
    return claims_say(w, 0, "no authentication matches %s", cl->json);
}

static int claims_secure(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_secure_agent_id, a->agent},
                                   {trace_secure_version_id, a->version}};
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_SECURE, &i, eq, 2)) != NULL; i++) {
        if ((a->ok < 0 || a->ok == trace_secure_ok(e)) &&
            (!a->detail || claims_event_has(tr, e, a->detail))) {
            return claims_say(w, 1, "%s %s an encrypted channel (%s) on connection #%u",
                              trace_secure_agent(tr, e),
                              trace_secure_ok(e) ? "set up" : "failed to set up",
                              trace_secure_version(tr, e), e->conn);
        }
    }
    return claims_say(w, 0, "no encrypted channel matches %s", cl->json);
}

static int claims_dns(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_dns_query_id, a->query}};
    const char *with = a->answer ? " answered with " : "", *answer = a->answer ? a->answer : "";
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_DNS, &i, eq, 1)) != NULL; i++) {
        if (!a->answer || claims_event_has(tr, e, a->answer)) {
            return claims_say(w, 1, "%s asked %s%s%s", trace_dns_agent(tr, e), a->query, with,
                              answer);
        }
    }
    return claims_say(w, 0, "no DNS query %s%s%s", a->query, with, answer);
}

static int claims_tamper(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_tamper_agent_id, a->agent}};
    const struct trace_event *e;
    for (size_t i = 0; (e = claims_scan(tr, TRACE_TAMPER, &i, eq, 1)) != NULL; i++) {
        if (claims_event_has(tr, e, a->removed)) {
            continue;
        }
        /* The original is the data event just before, of the same connection and side. */
        for (size_t j = i; j-- > 0;) {
            const struct trace_event *d = trace_event_at(tr, j);
            if (d->kind == TRACE_DATA && d->conn == e->conn && d->from == e->from) {
                if (claims_event_has(tr, d, a->removed)) {
                    return claims_say(w, 1, "%s removed \"%s\" on connection #%u",
                                      trace_tamper_agent(tr, e), a->removed, e->conn);
                }
                break;
            }
        }
    }
    return claims_say(w, 0, "no man in the middle%s%s removed \"%s\"", a->agent ? " " : "",
                      a->agent ? a->agent : "", a->removed);
}

static int claims_key(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_key_agent_id, a->agent},
                                   {trace_key_system_id, a->system}};
    size_t i = 0;
    const struct trace_event *e = claims_scan(tr, TRACE_KEY, &i, eq, 2);
    if (e) {
        return claims_say(w, 1, "%s holds an %s private key", a->agent, trace_key_system(tr, e));
    }
    return claims_say(w, 0, "%s holds no %s%sprivate key", a->agent, a->system ? a->system : "",
                      a->system ? " " : "");
}

static int claims_tap_link(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    for (size_t i = 0; i < tr->ntaps; i++) {
        if (strcmp(trace_string(tr, tr->taps[i].name), a->tap) != 0) {
            continue;
        }
        const struct trace_link *l = &tr->links[tr->taps[i].link];
        const char *p = trace_string(tr, claims_host(tr, l->a));
        const char *q = trace_string(tr, claims_host(tr, l->b));
        bool on = (strcmp(p, a->link[0]) == 0 && strcmp(q, a->link[1]) == 0) ||
                  (strcmp(p, a->link[1]) == 0 && strcmp(q, a->link[0]) == 0);
        return claims_say(w, on, "tap %s sits on %s - %s", a->tap, p, q);
    }
    return claims_say(w, 0, "no tap %s", a->tap);
}

static int claims_log_contains(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct trace_event *e = claims_find_text(tr, TRACE_LOG, cl->a.text);
    return e ? claims_say(w, 1, "a log line of %s holds \"%s\"", trace_log_agent(tr, e), cl->a.text)
             : claims_say(w, 0, "no log line holds \"%s\"", cl->a.text);
}

static int claims_wire_contains(const struct trace *tr, const struct claim *cl,
                                struct claims_why *w)
{
    bool crossed = claims_find_text(tr, TRACE_DATA, cl->a.text) != NULL;
    return claims_say(w, crossed, "\"%s\" %s a link", cl->a.text,
                      crossed ? "crossed" : "never crossed");
}

static int claims_plain_contains(const struct trace *tr, const struct claim *cl,
                                 struct claims_why *w)
{
    bool found = claims_find_text(tr, TRACE_PLAIN, cl->a.text) != NULL;
    return claims_say(w, found, "%splaintext inside TLS or SSH contains \"%s\"", found ? "" : "no ",
                      cl->a.text);
}

static int claims_tls_on_port(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    for (size_t i = 0; i < tr->nconns; i++) {
        if (tr->conns[i].server_port == cl->a.port && claims_conn_tls(tr, tr->conns[i].id)) {
            return claims_say(w, 1, "TLS on connection #%u to port %ld", tr->conns[i].id,
                              cl->a.port);
        }
    }
    return claims_say(w, 0, "no TLS on a connection to port %ld", cl->a.port);
}

/* The words of the claim inside say why: what made it hold is why "not" fails. */
static int claims_not_eval(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claim *in = cl->sub[0];
    return !in->row->eval(tr, in, w);
}

static int claims_all(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    for (size_t i = 0; i < cl->nsub; i++) {
        char inner[512];
        struct claims_why iw = {inner, sizeof inner};
        if (!cl->sub[i]->row->eval(tr, cl->sub[i], &iw)) {
            return claims_say(w, 0, "all[%zu]: %s", i, inner);
        }
    }
    return claims_say(w, 1, "all %zu hold", cl->nsub);
}

static int claims_steps(const struct trace *tr, const struct claim *cl, struct claims_why *w)
{
    const struct claims_args *a = &cl->a;
    const struct claims_eq eq[] = {{trace_step_mail_id, a->mail}};
    const struct trace_event *e;
    int got[64];
    size_t n = 0;
    /* No mail (a scenario that sends none) went through no steps. */
    for (size_t i = 0; a->mail && (e = claims_scan(tr, TRACE_STEP, &i, eq, 1)) != NULL; i++) {
        /* A step that spans two hops (3: through the filter) counts once. */
        if ((n == 0 || got[n - 1] != trace_step_n(e)) && n < sizeof got / sizeof got[0]) {
            got[n++] = trace_step_n(e);
        }
    }
    bool same = n == a->steps.n;
    for (size_t i = 0; same && i < n; i++) {
        same = got[i] == a->steps.v[i];
    }
    char text[512];
    size_t used = 0;
    claims_append(text, sizeof text, &used, "mail %s went through steps",
                  a->mail ? a->mail : "(none)");
    for (size_t i = 0; i < n; i++) {
        claims_append(text, sizeof text, &used, " %d", got[i]);
    }
    if (!same) {
        claims_append(text, sizeof text, &used, ", want");
        for (size_t i = 0; i < a->steps.n; i++) {
            claims_append(text, sizeof text, &used, " %d", a->steps.v[i]);
        }
    }
    return claims_say(w, same, "%s", text);
}

/* ---- The table ---- */

#define CLAIMS_MAX_DEPTH 8 /* "not" and "all" inside each other */

/* A row: name, form, flags, evaluator, then its fields, each REQ (required) or OPT (optional)
 * with its key, which names its member of struct claims_args, and its type. */
/* clang-format off */
#define ROW(name, form, flags, eval, ...) {name, CLAIMS_##form, flags, eval, {__VA_ARGS__}}
#define REQ(key, type) {#key, CLAIMS_##type, true, offsetof(struct claims_args, key)}
#define OPT(key, type) {#key, CLAIMS_##type, false, offsetof(struct claims_args, key)}
/* clang-format on */

static const struct claims_row claims_rows[] = {
    ROW("step_port", OBJECT, 0, claims_step_port, REQ(step, STEP), REQ(port, PORT), OPT(mail, TEXT),
        OPT(client, TEXT)),
    ROW("step_agent", OBJECT, 0, claims_step_agent, REQ(step, STEP), REQ(agent, TEXT),
        OPT(mail, TEXT)),
    ROW("step_tls", OBJECT, 0, claims_step_tls, REQ(step, STEP), REQ(tls, BOOL), OPT(mail, TEXT),
        OPT(client, TEXT)),
    ROW("connect", OBJECT, CLAIMS_NEED_ONE, claims_connect, OPT(client, TEXT), OPT(server, TEXT),
        OPT(client_host, TEXT), OPT(server_host, TEXT), OPT(port, PORT), OPT(proto, TEXT),
        OPT(seen_ip, TEXT)),
    ROW("sniffed", OBJECT, 0, claims_sniffed, REQ(finding, TEXT), OPT(value, TEXT),
        OPT(contains, TEXT), OPT(tap, TEXT)),
    ROW("mail_state", OBJECT, 0, claims_mail_state, REQ(mail, TEXT), REQ(state, TEXT),
        OPT(agent, TEXT), OPT(code, CODE)),
    ROW("policy", OBJECT, 0, claims_policy, REQ(rule, TEXT), OPT(agent, TEXT), OPT(decision, TEXT),
        OPT(code, CODE)),
    ROW("auth", OBJECT, CLAIMS_NEED_ONE, claims_auth, OPT(agent, TEXT), OPT(user, TEXT),
        OPT(mech, TEXT), OPT(ok, BOOL)),
    ROW("secure", OBJECT, CLAIMS_NEED_ONE, claims_secure, OPT(agent, TEXT), OPT(ok, BOOL),
        OPT(version, TEXT), OPT(detail, TEXT)),
    ROW("dns", OBJECT, 0, claims_dns, REQ(query, TEXT), OPT(answer, TEXT)),
    ROW("tamper", OBJECT, 0, claims_tamper, REQ(removed, TEXT), OPT(agent, TEXT)),
    ROW("key", OBJECT, 0, claims_key, REQ(agent, TEXT), OPT(system, TEXT)),
    ROW("tap_link", OBJECT, 0, claims_tap_link, REQ(tap, TEXT), REQ(link, LINK)),
    ROW("log_contains", VALUE, 0, claims_log_contains, REQ(text, TEXT)),
    ROW("wire_contains", VALUE, 0, claims_wire_contains, REQ(text, TEXT)),
    ROW("plain_contains", VALUE, 0, claims_plain_contains, REQ(text, TEXT)),
    ROW("tls_on_port", VALUE, 0, claims_tls_on_port, REQ(port, PORT)),
    ROW("not", CLAIM, 0, claims_not_eval, {0}),
    ROW("all", LIST, 0, claims_all, {0}),
    ROW("steps", OBJECT, CLAIMS_UNNAMED, claims_steps, OPT(mail, TEXT), REQ(steps, STEPS)),
};

#undef ROW
#undef OPT
#undef REQ

#define CLAIMS_NROWS (sizeof claims_rows / sizeof claims_rows[0])

static const struct claims_row *claims_find(const char *name)
{
    for (size_t i = 0; i < CLAIMS_NROWS; i++) {
        if (strcmp(claims_rows[i].name, name) == 0) {
            return &claims_rows[i];
        }
    }
    return NULL;
}

/* The names files may write, NULL-ended, with extra first when set: for messages. */
static void claims_names(const char **out, const char *extra)
{
    size_t k = 0;
    if (extra) {
        out[k++] = extra;
    }
    for (size_t i = 0; i < CLAIMS_NROWS; i++) {
        if (!(claims_rows[i].flags & CLAIMS_UNNAMED)) {
            out[k++] = claims_rows[i].name;
        }
    }
    out[k] = NULL;
}

static void *claims_member(struct claims_args *a, const struct claims_field *f)
{
    return (char *)a + f->off;
}

static struct claim *claims_new(const struct claims_row *row)
{
    struct claim *cl = calloc(1, sizeof *cl);
    if (cl) {
        cl->row = row;
        cl->a.step = cl->a.port = cl->a.code = -1;
        cl->a.tls = cl->a.ok = -1;
    }
    return cl;
}

void claims_free(struct claim *cl)
{
    if (!cl) {
        return;
    }
    for (const struct claims_field *f = cl->row->fields; f->key; f++) {
        if (f->type == CLAIMS_TEXT) {
            free(*(char **)claims_member(&cl->a, f));
        }
    }
    free(cl->a.link[0]);
    free(cl->a.link[1]);
    free(cl->a.steps.v);
    for (size_t i = 0; i < cl->nsub; i++) {
        claims_free(cl->sub[i]);
    }
    free(cl->sub);
    free(cl->json);
    free(cl);
}

const char *claims_name(const struct claim *cl)
{
    return cl->row->name;
}

/* ---- Parsing ---- */

static struct claim *claims_parse_at(struct scenario_ctx *c, const cJSON *obj, const char *extra,
                                     int depth);

static int claims_dup(struct scenario_ctx *c, const char *key, const char *s, char **out)
{
    *out = strdup(s);
    return *out ? 0 : scenario_fail(c, key, "out of memory");
}

static int claims_parse_steps(struct scenario_ctx *c, const char *key, const cJSON *it,
                              struct claims_args *a)
{
    if (!cJSON_IsArray(it)) {
        return scenario_fail_type(c, key, it, "an array of step numbers");
    }
    size_t n = (size_t)cJSON_GetArraySize(it);
    if (!(a->steps.v = calloc(n ? n : 1, sizeof *a->steps.v))) {
        return scenario_fail(c, key, "out of memory");
    }
    size_t old = key ? scenario_path_key(c, key) : c->pathlen;
    int rc = 0;
    for (const cJSON *e = it->child; e && rc == 0; e = e->next, a->steps.n++) {
        double d = e->valuedouble;
        if (!cJSON_IsNumber(e) || !(d >= 1 && d <= 9) || (double)(int)d != d) {
            size_t at = scenario_path_index(c, a->steps.n);
            rc = scenario_fail_type(c, NULL, e, "a step number from 1 to 9");
            scenario_path_pop(c, at);
        } else {
            a->steps.v[a->steps.n] = (int)d;
        }
    }
    scenario_path_pop(c, old);
    return rc;
}

/* Reads it, the value at key (NULL: the claim's bare value), as field f into a. */
static int claims_parse_field(struct scenario_ctx *c, const char *key, const cJSON *it,
                              const struct claims_field *f, struct claims_args *a)
{
    void *m = claims_member(a, f);
    switch (f->type) {
    case CLAIMS_TEXT:
        if (!cJSON_IsString(it) || !it->valuestring) {
            return scenario_fail_type(c, key, it, "a string");
        }
        if (!it->valuestring[0]) {
            return scenario_fail_type(c, key, it, "a non-empty string");
        }
        return claims_dup(c, key, it->valuestring, (char **)m);
    case CLAIMS_BOOL:
        if (!cJSON_IsBool(it)) {
            return scenario_fail_type(c, key, it, "true or false");
        }
        *(int *)m = cJSON_IsTrue(it);
        return 0;
    case CLAIMS_LINK: {
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
        const cJSON *x = n == 2 ? cJSON_GetArrayItem(it, 0) : NULL;
        const cJSON *y = n == 2 ? cJSON_GetArrayItem(it, 1) : NULL;
        if (!cJSON_IsString(x) || !cJSON_IsString(y) || !scenario_is_domain(x->valuestring) ||
            !scenario_is_domain(y->valuestring)) {
            return scenario_fail_type(c, key, it,
                                      "two host names [\"sw.a.example\", \"mail.a.example\"]");
        }
        return claims_dup(c, key, x->valuestring, &a->link[0]) < 0
                   ? -1
                   : claims_dup(c, key, y->valuestring, &a->link[1]);
    }
    case CLAIMS_STEPS:
        return claims_parse_steps(c, key, it, a);
    default: {
        long lo = f->type == CLAIMS_CODE ? 0 : 1;
        long hi = f->type == CLAIMS_STEP ? 9 : f->type == CLAIMS_PORT ? 65535 : 999;
        double d = it->valuedouble;
        if (cJSON_IsNumber(it) && d >= (double)lo && d <= (double)hi && (double)(long)d == d) {
            *(long *)m = (long)d;
            return 0;
        }
        char what[64];
        snprintf(what, sizeof what, "%san integer from %ld to %ld",
                 !key && f->type == CLAIMS_PORT ? "a port, " : "", lo, hi);
        return scenario_fail_type(c, key, it, what);
    }
    }
}

static int claims_parse_fields(struct scenario_ctx *c, const struct claims_row *row, const cJSON *v,
                               struct claims_args *a)
{
    const char *allowed[sizeof row->fields / sizeof row->fields[0] + 1];
    size_t k = 0;
    for (; row->fields[k].key; k++) {
        allowed[k] = row->fields[k].key;
    }
    allowed[k] = NULL;
    char what[48];
    snprintf(what, sizeof what, "for claim %s", row->name);
    if (scenario_check_keys(c, v, allowed, what) < 0) {
        return -1;
    }
    for (const struct claims_field *f = row->fields; f->key; f++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(v, f->key);
        if (!it && f->required) {
            return scenario_fail(c, NULL, "missing required key \"%s\" of claim %s", f->key,
                                 row->name);
        }
        if (it && claims_parse_field(c, f->key, it, f, a) < 0) {
            return -1;
        }
    }
    if ((row->flags & CLAIMS_NEED_ONE) && !v->child) {
        return scenario_fail(c, NULL, "claim %s needs at least one of its keys", row->name);
    }
    if (a->value && a->contains) {
        return scenario_fail(c, NULL,
                             "give \"value\" (the whole finding) or \"contains\" (a part "
                             "of it), not both");
    }
    return 0;
}

/* The claims inside "not" (one) or "all" (a list). */
static int claims_parse_subs(struct scenario_ctx *c, struct claim *cl, const cJSON *v, int depth)
{
    bool list = cl->row->form == CLAIMS_LIST;
    if (list && (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)) {
        return scenario_fail_type(c, NULL, v, "a non-empty array of claims");
    }
    size_t n = list ? (size_t)cJSON_GetArraySize(v) : 1;
    if (!(cl->sub = calloc(n, sizeof *cl->sub))) {
        return scenario_fail(c, NULL, "out of memory");
    }
    cl->nsub = n;
    if (!list) {
        return (cl->sub[0] = claims_parse_at(c, v, NULL, depth + 1)) ? 0 : -1;
    }
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        size_t at = scenario_path_index(c, i);
        cl->sub[i] = claims_parse_at(c, e, NULL, depth + 1);
        scenario_path_pop(c, at);
        if (!cl->sub[i]) {
            return -1;
        }
    }
    return 0;
}

static struct claim *claims_parse_row(struct scenario_ctx *c, const struct claims_row *row,
                                      const cJSON *v, int depth)
{
    struct claim *cl = claims_new(row);
    if (!cl) {
        scenario_fail(c, NULL, "out of memory");
        return NULL;
    }
    if (!(cl->json = cJSON_PrintUnformatted(v))) {
        claims_free(cl);
        scenario_fail(c, NULL, "out of memory");
        return NULL;
    }
    int rc;
    switch (row->form) {
    case CLAIMS_VALUE:
        rc = claims_parse_field(c, NULL, v, &row->fields[0], &cl->a);
        break;
    case CLAIMS_CLAIM:
    case CLAIMS_LIST:
        rc = claims_parse_subs(c, cl, v, depth);
        break;
    default:
        rc = claims_parse_fields(c, row, v, &cl->a);
        break;
    }
    if (rc < 0) {
        claims_free(cl);
        return NULL;
    }
    return cl;
}

/* An object holding exactly one claim (and extra, when set). */
static struct claim *claims_parse_at(struct scenario_ctx *c, const cJSON *obj, const char *extra,
                                     int depth)
{
    if (depth > CLAIMS_MAX_DEPTH) {
        scenario_fail(c, NULL, "claims nested deeper than %d", CLAIMS_MAX_DEPTH);
        return NULL;
    }
    if (!cJSON_IsObject(obj)) {
        scenario_fail_type(c, NULL, obj, "an object with one claim");
        return NULL;
    }
    const char *names[CLAIMS_NROWS + 2];
    claims_names(names, extra);
    if (scenario_check_keys(c, obj, names, NULL) < 0) {
        return NULL;
    }
    const cJSON *claim = NULL;
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (extra && strcmp(m->string, extra) == 0) {
            continue;
        }
        if (claim) {
            scenario_fail(c, NULL,
                          "one claim per check, got \"%s\" and \"%s\" (join claims with \"all\")",
                          claim->string, m->string);
            return NULL;
        }
        claim = m;
    }
    if (!claim) {
        scenario_fail(c, NULL,
                      "no claim (expected one of: step_port, step_agent, sniffed, mail_state, ... "
                      "see questions.schema.json)");
        return NULL;
    }
    size_t old = scenario_path_key(c, claim->string);
    struct claim *cl = claims_parse_row(c, claims_find(claim->string), claim, depth);
    scenario_path_pop(c, old);
    return cl;
}

struct claim *claims_parse(struct scenario_ctx *c, const cJSON *obj, const char *extra)
{
    return claims_parse_at(c, obj, extra, 0);
}

struct claim *claims_parse_value(struct scenario_ctx *c, const char *name, const cJSON *value)
{
    const struct claims_row *row = claims_find(name);
    assert(row && "a claim name from the table");
    return claims_parse_row(c, row, value, 0);
}

struct claim *claims_not(struct claim *cl)
{
    if (!cl) {
        return NULL;
    }
    struct claim *n = claims_new(claims_find("not"));
    struct claim **sub = n ? malloc(sizeof *sub) : NULL;
    if (!sub) {
        free(n);
        claims_free(cl);
        return NULL;
    }
    sub[0] = cl;
    n->sub = sub;
    n->nsub = 1;
    return n;
}

int claims_eval(const struct trace *tr, const struct claim *cl, char *why, size_t whylen)
{
    char none[1];
    struct claims_why w = {why && whylen ? why : none, why && whylen ? whylen : sizeof none};
    w.buf[0] = '\0';
    return cl->row->eval(tr, cl, &w) ? 1 : 0;
}
