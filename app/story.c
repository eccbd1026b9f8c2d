/* story: following a run's trace and recording its beats (story.h). */
#include "story.h"

#include "buf.h"
#include "claims.h"
#include "strmap.h"
#include "trace.h"
#include "ui_strings.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words of a delivery step on one kind of connection, made once: a long run has the same
 * few (step, protocol, port) over and over. */
struct story_step_words {
    uint8_t step;
    trace_str proto;
    uint16_t port;
    trace_str words;
};

struct story {
    struct ui_strings *lang[2]; /* ja, en */
    size_t seen;                /* events read so far */
    int n;                      /* beats recorded */
    struct story_step_words *cache;
    size_t ncache, cap_cache;
    /* moments already told once (their keys, owned here) */
    struct strmap told;
    char **keys;
    size_t nkeys, cap_keys;
    /* per connection id: the user a tap saw log in, and whether an APOP digest crossed it */
    trace_str *user;
    bool *apop;
    size_t nconn;
    /* the scenario's own beats, and which of them were told; own_tamper: one of them tells a
     * tamper in the scenario's words, so the generic tamper beat is left out */
    const struct scenario_beat *own;
    bool *told_own;
    size_t nown, pending;
    bool own_tamper;
    /* mail an attacker got a server to take: the agent that just accepted an attacker's request
     * (its next queued mail is the attacker's), and each agent's last queued mail */
    trace_str accepting;
    struct strmap last_queued; /* agent id (text) -> mail id */
};

enum { STORY_JA, STORY_EN };

/* ---- words ---- */

/* A variable of a template: {name} becomes value. */
struct story_var {
    const char *name;
    const char *value;
};

/* Appends template with each {name} of vars replaced (an unknown one is kept as written). */
static void story_fill(struct buf *out, const char *tpl, const struct story_var *vars, size_t nv)
{
    for (const char *p = tpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        size_t i = 0;
        for (; close && i < nv; i++) {
            size_t n = strlen(vars[i].name);
            if ((size_t)(close - p - 1) == n && memcmp(p + 1, vars[i].name, n) == 0) {
                break;
            }
        }
        if (close && i < nv) {
            buf_append_str(out, vars[i].value ? vars[i].value : "");
            p = close + 1;
        } else {
            buf_append(out, p, 1);
            p++;
        }
    }
}

/* The text of key in language l, or NULL when neither language file has it. */
static const char *story_text(const struct story *st, int l, const char *key)
{
    const char *s = ui_string(st->lang[l], key);
    return strcmp(s, key) == 0 ? NULL : s;
}

/* The five parts of a beat made from the templates "beat.KEY" and "beat.KEY.text" in both
 * languages, with vars, plus (conn not 0) the port words and what that port is for. */
static trace_str story_words(struct story *st, struct trace *tr, const char *what, const char *key,
                             const struct story_var *vars, size_t nv, uint32_t conn)
{
    const struct trace_conn *c = conn ? trace_conn_get(tr, conn) : NULL;
    char proto[16] = "", port[8] = "", k[64];
    if (c) {
        trace_proto_word(tr, c, proto, sizeof proto);
        snprintf(port, sizeof port, "%u", c->server_port);
    }
    const struct story_var pv[] = {{"proto", proto}, {"port", port}};
    struct buf b[4];
    const char *parts[TRACE_BEAT_PARTS] = {what};
    for (int l = STORY_JA; l <= STORY_EN; l++) {
        struct buf *title = &b[l * 2], *text = &b[l * 2 + 1];
        buf_init(title, 0);
        buf_init(text, 0);
        snprintf(k, sizeof k, "beat.%s", key);
        story_fill(title, story_text(st, l, k) ? story_text(st, l, k) : key, vars, nv);
        snprintf(k, sizeof k, "beat.%s.text", key);
        story_fill(text, story_text(st, l, k) ? story_text(st, l, k) : "", vars, nv);
        snprintf(k, sizeof k, "beat.port.%s", port);
        const char *on = story_text(st, l, proto[0] ? "beat.on_port" : "beat.on_port_only");
        if (c && on) {
            story_fill(title, on, pv, 2);
        }
        if (c && story_text(st, l, k)) {
            buf_append_str(text, text->len ? (l == STORY_JA ? "" : " ") : "");
            buf_append_str(text, story_text(st, l, k));
        }
        buf_append(title, "", 1);
        buf_append(text, "", 1);
        parts[TRACE_BEAT_TITLE_JA + l] = (const char *)title->data;
        parts[TRACE_BEAT_TEXT_JA + l] = (const char *)text->data;
    }
    trace_str id = trace_beat_words(tr, parts);
    for (int i = 0; i < 4; i++) {
        buf_free(&b[i]);
    }
    return id;
}

static void story_beat(struct story *st, struct trace *tr, const struct trace_event *at,
                       const char *mail, trace_str agent, unsigned step, uint32_t conn,
                       trace_str words)
{
    trace_beat(tr, at->t, ++st->n, mail, trace_string(tr, agent), step, conn, words);
}

/* ---- who ---- */

static const struct trace_agent *story_agent(const struct trace *tr, trace_str id)
{
    for (size_t i = 0; i < tr->nagents; i++) {
        if (tr->agents[i].id == id) {
            return &tr->agents[i];
        }
    }
    return NULL;
}

static bool story_is_relay(const struct trace *tr, trace_str id)
{
    const struct trace_agent *a = story_agent(tr, id);
    const char *role = a ? trace_string(tr, a->role) : "";
    return strcmp(role, "mta") == 0 || strcmp(role, "filter") == 0;
}

/* The agent that reads the taps: the first sniffer, else nobody (""). */
static trace_str story_sniffer(const struct trace *tr)
{
    for (size_t i = 0; i < tr->nagents; i++) {
        if (strcmp(trace_string(tr, tr->agents[i].role), "sniffer") == 0) {
            return tr->agents[i].id;
        }
    }
    return 0;
}

static const char *story_host(const struct trace *tr, uint32_t host)
{
    return host < tr->nhosts ? trace_string(tr, tr->hosts[host].name) : "";
}

/* ---- told once ---- */

/* True the first time key is seen. */
static bool story_first(struct story *st, const char *key)
{
    if (strmap_get(&st->told, key, NULL)) {
        return false;
    }
    char *copy = strdup(key);
    if (!copy) {
        abort();
    }
    *BUF_PUSH(st->keys, st->nkeys, st->cap_keys, 16) = copy;
    if (strmap_put(&st->told, copy, 0) != 0) {
        abort();
    }
    return true;
}

/* Whether "what value" was told (story_first) before. */
static bool story_was(const struct story *st, const char *what, const char *value)
{
    char key[300];
    snprintf(key, sizeof key, "%s %s", what, value);
    return strmap_get(&st->told, key, NULL);
}

/* Per-connection memory, grown to hold conn. */
static void story_conn_room(struct story *st, uint32_t conn)
{
    if (conn < st->nconn) {
        return;
    }
    size_t n = st->nconn ? st->nconn : 64;
    while (n <= conn) {
        n *= 2;
    }
    trace_str *u = realloc(st->user, n * sizeof *u);
    bool *a = u ? realloc(st->apop, n * sizeof *a) : NULL;
    if (!u || !a) {
        abort();
    }
    memset(u + st->nconn, 0, (n - st->nconn) * sizeof *u);
    memset(a + st->nconn, 0, (n - st->nconn) * sizeof *a);
    st->user = u;
    st->apop = a;
    st->nconn = n;
}

/* ---- the moments ---- */

static trace_str story_step_words(struct story *st, struct trace *tr, int step, uint32_t conn)
{
    const struct trace_conn *c = conn ? trace_conn_get(tr, conn) : NULL;
    trace_str proto = c ? c->proto : 0;
    uint16_t port = c ? c->server_port : 0;
    for (size_t i = 0; i < st->ncache; i++) {
        const struct story_step_words *w = &st->cache[i];
        if (w->step == step && w->proto == proto && w->port == port) {
            return w->words;
        }
    }
    char key[16];
    snprintf(key, sizeof key, "step.%d", step);
    /* Steps 2, 6, 7 and 9 happen inside a host: a connection's port says nothing of them. */
    bool on_wire = step == 1 || step == 3 || step == 4 || step == 5 || step == 8;
    trace_str words = story_words(st, tr, "step", key, NULL, 0, c && on_wire ? conn : 0);
    *BUF_PUSH(st->cache, st->ncache, st->cap_cache, 16) =
        (struct story_step_words){(uint8_t)step, proto, port, words};
    return words;
}

/* Whether a step event of conn follows i before end (the same moment's events). */
static bool story_has_step(const struct trace *tr, size_t i, size_t end, uint32_t conn)
{
    for (size_t k = i + 1; k < end; k++) {
        const struct trace_event *e = trace_event_at(tr, k);
        if (e->kind == TRACE_STEP && e->conn == conn) {
            return true;
        }
    }
    return false;
}

static void story_connect(struct story *st, struct trace *tr, const struct trace_event *e, size_t i,
                          size_t end)
{
    const struct trace_conn *c = trace_conn_get(tr, e->conn);
    if (!c) {
        return;
    }
    bool attacker = trace_agent_attacks(tr, c->client_agent);
    /* An attacker's every connection is a moment; so is a relay's that passes on, with no
     * delivery step, the mail it took from an attacker (its last queued mail is one). */
    const char *mail = "";
    if (!attacker) {
        size_t m;
        const char *agent = trace_string(tr, c->client_agent);
        if (!story_is_relay(tr, c->client_agent) || story_has_step(tr, i, end, e->conn) ||
            !strmap_get(&st->last_queued, agent, &m) ||
            !story_was(st, "attacker mail", trace_string(tr, (trace_str)m))) {
            return;
        }
        mail = trace_string(tr, (trace_str)m);
    }
    const struct story_var v[] = {{"actor", trace_string(tr, c->client_agent)},
                                  {"server", story_host(tr, c->server_host)},
                                  {"mail", mail}};
    trace_str w = story_words(st, tr, "connect", attacker ? "connect.attacker" : "connect.relay", v,
                              3, e->conn);
    story_beat(st, tr, e, mail, c->client_agent, 0, e->conn, w);
}

/* A server let an attacker's request through: the flaw the attack needs. */
static void story_policy(struct story *st, struct trace *tr, const struct trace_event *e)
{
    const struct trace_conn *c = e->conn ? trace_conn_get(tr, e->conn) : NULL;
    if (!c || strcmp(trace_policy_decision(tr, e), "permit") != 0 ||
        !trace_agent_attacks(tr, c->client_agent)) {
        return;
    }
    st->accepting = trace_policy_agent_id(e); /* its next queued mail is the attacker's */
    char key[48];
    snprintf(key, sizeof key, "accepted %u", e->conn);
    if (!story_first(st, key)) {
        return;
    }
    const struct story_var v[] = {{"actor", trace_policy_agent(tr, e)},
                                  {"attacker", trace_string(tr, c->client_agent)},
                                  {"rule", trace_policy_rule(tr, e)}};
    /* What taking it means depends on the rule: a relay's hole (open_relay, pop_before_smtp), or
     * mail for the server's own domain, which it must take whoever sends it. */
    char k[64], full[80];
    snprintf(k, sizeof k, "accepted.%s", trace_policy_rule(tr, e));
    snprintf(full, sizeof full, "beat.%s", k);
    if (!story_text(st, STORY_EN, full)) {
        snprintf(k, sizeof k, "accepted");
    }
    trace_str w = story_words(st, tr, "accepted", k, v, 3, 0);
    story_beat(st, tr, e, "", trace_policy_agent_id(e), 0, e->conn, w);
}

/* The reply line a reply event names: the bytes at its offset in the data event before it. */
static void story_reply_line(const struct trace *tr, size_t i, const struct trace_event *r,
                             char *out, size_t cap)
{
    out[0] = 0;
    for (size_t k = i, stop = i > 32 ? i - 32 : 0; k-- > stop;) {
        const struct trace_event *d = trace_event_at(tr, k);
        if (d->kind != TRACE_DATA || d->conn != r->conn || d->from != r->from) {
            continue;
        }
        size_t off = (size_t)trace_reply_offset(r), n = trace_reply_length(r);
        if (off > d->bytes.len || n > d->bytes.len - off) {
            return;
        }
        const char *p = (const char *)trace_bytes_ptr(tr, d->bytes) + off;
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n')) {
            n--;
        }
        const char *nl = memchr(p, '\r', n); /* the last line of a multi-line reply is enough */
        while (nl && nl + 2 < p + n) {
            n -= (size_t)(nl + 2 - p);
            p = nl + 2;
            nl = memchr(p, '\r', n);
        }
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
        return;
    }
}

static void story_reply(struct story *st, struct trace *tr, const struct trace_event *e, size_t i)
{
    const char *cls = trace_reply_class(tr, e);
    bool refusal = strcmp(cls, "4xx") == 0 || strcmp(cls, "5xx") == 0 || strcmp(cls, "-ERR") == 0;
    char key[64];
    snprintf(key, sizeof key, "refusal %u %s", e->conn, trace_reply_code(tr, e));
    if (!refusal || !story_first(st, key)) {
        return;
    }
    char line[160];
    story_reply_line(tr, i, e, line, sizeof line);
    const struct story_var v[] = {{"actor", trace_reply_agent(tr, e)}, {"reply", line}};
    /* Replies every lesson meets say what stopped what; any other, what its class means. */
    static const struct {
        const char *code, *text, *key;
    } known[] = {{"535", NULL, "refusal.auth_failed"},
                 {"554", "Relay access denied", "refusal.relay_denied"},
                 {"554", "Recipient address rejected: Access denied", "refusal.access_denied"},
                 {"550", "User unknown", "refusal.unknown_user"}};
    char k[32];
    snprintf(k, sizeof k, "refusal.%s", cls[0] == '-' ? "err" : cls);
    for (size_t n = 0; n < sizeof known / sizeof known[0]; n++) {
        if (strcmp(trace_reply_code(tr, e), known[n].code) == 0 &&
            (!known[n].text || strstr(line, known[n].text))) {
            snprintf(k, sizeof k, "%s", known[n].key);
            break;
        }
    }
    trace_str w = story_words(st, tr, "refusal", k, v, 2, 0);
    story_beat(st, tr, e, "", trace_reply_agent_id(e), 0, e->conn, w);
}

static void story_close(struct story *st, struct trace *tr, const struct trace_event *e)
{
    const struct trace_conn *c = trace_conn_get(tr, e->conn);
    char key[32];
    snprintf(key, sizeof key, "reset %u", e->conn);
    if (!(e->flags & TRACE_REFUSED) || !c || !story_first(st, key)) {
        return;
    }
    const struct story_var v[] = {{"actor", trace_string(tr, c->client_agent)},
                                  {"server", story_host(tr, c->server_host)}};
    trace_str w = story_words(st, tr, "reset", "reset", v, 2, e->conn);
    story_beat(st, tr, e, "", c->client_agent, 0, e->conn, w);
}

static void story_tamper(struct story *st, struct trace *tr, const struct trace_event *e)
{
    char key[32];
    snprintf(key, sizeof key, "tamper %u", e->conn);
    if (st->own_tamper || !story_first(st, key)) {
        return;
    }
    const struct story_var v[] = {{"actor", trace_tamper_agent(tr, e)}};
    trace_str w = story_words(st, tr, "tamper", "tamper", v, 1, 0);
    story_beat(st, tr, e, "", trace_tamper_agent_id(e), 0, e->conn, w);
}

static void story_sniff(struct story *st, struct trace *tr, const struct trace_event *e)
{
    const char *finding = trace_sniff_finding(tr, e), *tap = trace_sniff_tap(tr, e);
    story_conn_room(st, e->conn);
    char value[128];
    size_t vn = e->bytes.len < sizeof value - 1 ? e->bytes.len : sizeof value - 1;
    memcpy(value, trace_bytes_ptr(tr, e->bytes), vn);
    value[vn] = 0;
    if (strcmp(finding, "username") == 0) {
        st->user[e->conn] = trace_intern(tr, value);
        return;
    }
    if (strcmp(finding, "apop_digest") == 0) {
        st->apop[e->conn] = true;
        return;
    }
    const char *what;
    char key[300];
    if (strcmp(finding, "password") == 0) {
        what = st->apop[e->conn] ? "cracked" : "password";
        snprintf(key, sizeof key, "sniff %s %s %s", what, tap, value);
    } else if (strcmp(finding, "crack_failed") == 0) {
        what = "crack_failed";
        snprintf(key, sizeof key, "sniff %s %s", what, value);
    } else if (strcmp(finding, "body") == 0 || strcmp(finding, "ciphertext") == 0 ||
               strcmp(finding, "encrypted_body") == 0) {
        what = finding;
        snprintf(key, sizeof key, "sniff %s %s", finding, tap);
    } else {
        return;
    }
    if (!story_first(st, key)) {
        return;
    }
    trace_str actor = story_sniffer(tr);
    const char *user = strcmp(finding, "crack_failed") == 0 ? value
                       : st->user[e->conn]                  ? trace_string(tr, st->user[e->conn])
                                                            : "?";
    const struct story_var v[] = {{"actor", actor ? trace_string(tr, actor) : tap},
                                  {"tap", tap},
                                  {"user", user},
                                  {"value", value}};
    char k[48];
    snprintf(k, sizeof k, "sniff.%s", what);
    trace_str w = story_words(st, tr, what, k, v, 4, 0);
    story_beat(st, tr, e, "", actor, 0, e->conn, w);
}

static void story_mail(struct story *st, struct trace *tr, const struct trace_event *e)
{
    const char *state = trace_mail_state(tr, e);
    if (strcmp(state, "queued") == 0) {
        /* the agent's newest mail, and whether an attacker's request brought it */
        if (strmap_put(&st->last_queued, trace_mail_agent(tr, e), trace_mail_mail_id(e)) != 0) {
            abort();
        }
        if (st->accepting && st->accepting == trace_mail_agent_id(e)) {
            char key[300];
            snprintf(key, sizeof key, "attacker mail %s", trace_mail_mail(tr, e));
            story_first(st, key);
            st->accepting = 0;
        }
        return;
    }
    const char *what = strcmp(state, "deferred") == 0     ? "retry"
                       : strcmp(state, "bounced") == 0    ? "bounce"
                       : strcmp(state, "unreadable") == 0 ? "unreadable"
                                                          : NULL;
    if (!what) {
        return;
    }
    const struct story_var v[] = {{"actor", trace_mail_agent(tr, e)},
                                  {"mail", trace_mail_mail(tr, e)}};
    trace_str w = story_words(st, tr, what, what, v, 2, 0);
    story_beat(st, tr, e, trace_mail_mail(tr, e), trace_mail_agent_id(e), 0, 0, w);
}

/* The scenario's own beats whose claims hold now, in the order the file gives them. */
static void story_own(struct story *st, struct trace *tr, size_t end)
{
    char why[256];
    for (size_t k = 0; k < st->nown && st->pending > 0; k++) {
        const struct scenario_beat *b = &st->own[k];
        if (st->told_own[k] || claims_eval(tr, b->when, why, sizeof why) != 1) {
            continue;
        }
        st->told_own[k] = true;
        st->pending--;
        const char *parts[TRACE_BEAT_PARTS] = {"scenario", b->title.ja ? b->title.ja : b->title.en,
                                               b->title.en ? b->title.en : b->title.ja,
                                               b->text.ja ? b->text.ja : b->text.en,
                                               b->text.en ? b->text.en : b->text.ja};
        story_beat(st, tr, trace_event_at(tr, end - 1), "", trace_intern(tr, b->agent), 0, 0,
                   trace_beat_words(tr, parts));
    }
}

static void story_observe(void *ctx, struct trace *tr)
{
    struct story *st = ctx;
    size_t end = tr->nevents;
    for (size_t i = st->seen; i < end; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        switch ((enum trace_kind)e->kind) {
        case TRACE_STEP:
            if (trace_step_n(e) >= 1 && trace_step_n(e) <= 9) {
                story_beat(st, tr, e, trace_step_mail(tr, e), trace_step_agent_id(e),
                           (unsigned)trace_step_n(e), e->conn,
                           story_step_words(st, tr, trace_step_n(e), e->conn));
            }
            break;
        case TRACE_CONNECT:
            story_connect(st, tr, e, i, end);
            break;
        case TRACE_POLICY:
            story_policy(st, tr, e);
            break;
        case TRACE_REPLY:
            story_reply(st, tr, e, i);
            break;
        case TRACE_CLOSE:
            story_close(st, tr, e);
            break;
        case TRACE_TAMPER:
            story_tamper(st, tr, e);
            break;
        case TRACE_SNIFF:
            story_sniff(st, tr, e);
            break;
        case TRACE_MAIL:
            story_mail(st, tr, e);
            break;
        default:
            break;
        }
    }
    if (st->pending > 0 && end > st->seen) {
        story_own(st, tr, end);
    }
    st->seen = tr->nevents; /* past the beats just recorded */
}

static void story_free(void *ctx)
{
    struct story *st = ctx;
    for (int l = 0; l < 2; l++) {
        ui_strings_free(st->lang[l]);
    }
    free(st->cache);
    strmap_free(&st->told);
    for (size_t i = 0; i < st->nkeys; i++) {
        free(st->keys[i]);
    }
    free(st->keys);
    free(st->user);
    free(st->apop);
    free(st->told_own);
    strmap_free(&st->last_queued);
    free(st);
}

int story_attach(struct mail_world *mw, const struct scenario *sc, char *err, size_t errlen)
{
    struct story *st = calloc(1, sizeof *st);
    if (st && sc && sc->nbeats) {
        st->own = sc->beats;
        st->nown = st->pending = sc->nbeats;
        for (size_t k = 0; k < sc->nbeats; k++) {
            st->own_tamper =
                st->own_tamper || strcmp(claims_name(sc->beats[k].when), "tamper") == 0;
        }
        st->told_own = calloc(sc->nbeats, sizeof *st->told_own);
        if (!st->told_own) {
            free(st);
            st = NULL;
        }
    }
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->lang[STORY_JA] = ui_strings_load("ja", err, errlen);
    st->lang[STORY_EN] = st->lang[STORY_JA] ? ui_strings_load("en", err, errlen) : NULL;
    if (!st->lang[STORY_EN]) {
        story_free(st);
        return -1;
    }
    st->seen = mw->tr->nevents;
    mw->observer = story_observe;
    mw->observer_ctx = st;
    mw->observer_free = story_free;
    return 0;
}
