/* test_attacks: the simulation side of the attack scenarios — NAT in the engine and in the
 * trace, narration notes and mail logs in both exporters, the MTA's log lines in Postfix's
 * format, the sniffer's offline attack when the dictionary misses, and the messages of the new
 * expectations when they fail. */
#include "build.h"
#include "export.h"
#include "harness.h"
#include "mitm.h"
#include "scenario.h"
#include "session.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIOS "../scenarios/"

/* Loads a scenario file, or says why it could not and returns NULL. */
static struct scenario *attacks_load(struct harness *h, const char *file)
{
    char err[1024] = "";
    struct scenario *sc = scenario_load(file, err, sizeof err);
    if (!CHECK(h, sc != NULL)) {
        fprintf(stderr, "    %s\n", err);
    }
    return sc;
}

/* Runs a scenario into tr; returns the world (the caller frees it) or NULL. */
static struct mail_world *attacks_run(struct harness *h, const struct scenario *sc,
                                      struct trace *tr)
{
    char err[512] = "";
    if (trace_init(tr) != 0) {
        abort();
    }
    struct mail_world *mw = build_world(sc, NULL, tr, err, sizeof err);
    if (!CHECK(h, mw != NULL)) {
        fprintf(stderr, "    %s\n", err);
        return NULL;
    }
    mail_world_run(mw, sc->until_us ? sc->until_us : UINT64_MAX);
    return mw;
}

/* A bundled scenario loaded and run: attacks_open fills it and says whether the run happened
 * (a failure is already counted); attacks_close frees whatever was made. */
struct attacks_world {
    struct scenario *sc;
    struct trace tr;
    struct mail_world *mw;
};

static bool attacks_open(struct harness *h, const char *file, struct attacks_world *a)
{
    memset(a, 0, sizeof *a);
    a->sc = attacks_load(h, file);
    a->mw = a->sc ? attacks_run(h, a->sc, &a->tr) : NULL;
    return a->mw != NULL;
}

static void attacks_close(struct attacks_world *a)
{
    if (a->mw) {
        mail_world_free(a->mw);
    }
    if (a->sc) {
        trace_free(&a->tr);
        scenario_free(a->sc);
    }
}

static char *attacks_export(const struct trace *tr, bool jsonl, const char *lang)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        abort();
    }
    if (jsonl) {
        export_jsonl(tr, out);
    } else {
        struct export_text_labels lb = {0};
        lb.lang = lang;
        export_text(tr, &lb, out);
    }
    fclose(out);
    return text;
}

/* A world of one zone z, recording into tr, for tests of the engine alone. */
static struct sim_world *attacks_world(struct trace *tr, int *z)
{
    char err[256];
    if (trace_init(tr) != 0) {
        abort();
    }
    struct sim_world *w = sim_world_new(1, tr);
    *z = sim_zone_add(w, "z", err, sizeof err);
    return w;
}

/* A host behind NAT: connections through the gateway show its address; others do not. */
static void test_sim_nat(struct harness *h)
{
    struct trace tr;
    char err[256];
    int z;
    struct sim_world *w = attacks_world(&tr, &z);
    int pc = sim_host_add(w, "pc.example", z, "198.51.100.10", err, sizeof err);
    int gw = sim_host_add(w, "gw.example", z, "198.51.100.200", err, sizeof err);
    int far = sim_host_add(w, "far.example", z, "203.0.113.25", err, sizeof err);
    int near = sim_host_add(w, "near.example", z, "198.51.100.20", err, sizeof err);
    sim_link_add(w, pc, gw, 1000, err, sizeof err);
    sim_link_add(w, gw, far, 1000, err, sizeof err);
    sim_link_add(w, pc, near, 1000, err, sizeof err);
    CHECK_INT(h, sim_host_set_nat(w, pc, gw), 0);
    CHECK_INT(h, sim_host_set_nat(w, pc, pc), -1);
    CHECK_INT(h, sim_link_find(w, gw, pc), 0);
    CHECK_INT(h, sim_link_find(w, far, near), -1);
    struct sim_endpoint ep = {0};
    uint32_t c1 = sim_connect(w, pc, "a", sim_host_ip(w, far), 25, &ep);
    uint32_t c2 = sim_connect(w, pc, "a", sim_host_ip(w, near), 25, &ep);
    uint32_t c3 = sim_connect(w, pc, "a", sim_host_ip(w, gw), 25, &ep);
    const struct trace_conn *t1 = trace_conn_get(&tr, c1);
    const struct trace_conn *t2 = trace_conn_get(&tr, c2);
    const struct trace_conn *t3 = trace_conn_get(&tr, c3);
    CHECK_INT(h, t1->client_ip, sim_host_ip(w, pc));
    CHECK_INT(h, trace_conn_seen_ip(&tr, t1), sim_host_ip(w, gw));
    CHECK_INT(h, trace_conn_seen_host(&tr, t1), gw);
    CHECK(h, trace_conn_nat(&tr, c1) != NULL);
    CHECK(h, trace_conn_nat(&tr, c2) == NULL);
    CHECK_INT(h, trace_conn_seen_ip(&tr, t2), sim_host_ip(w, pc));
    CHECK_INT(h, trace_conn_seen_host(&tr, t3), pc); /* to the gateway itself: no NAT */
    CHECK(h, trace_conn_nat(&tr, c3) == NULL);
    CHECK(h, trace_conn_nat(&tr, 0) == NULL && trace_conn_nat(&tr, 99) == NULL);
    CHECK(h, !sim_is_tls(w, c1, TRACE_CLIENT));
    sim_set_tls(w, c1, TRACE_CLIENT, true);
    CHECK(h, sim_is_tls(w, c1, TRACE_CLIENT));
    sim_run(w, UINT64_MAX);
    sim_world_free(w);
    trace_free(&tr);
}

/* pop-before-smtp in the exporters: the NAT field, notes, logs, the MRA's window. */
static void test_exports(struct harness *h)
{
    struct attacks_world a;
    if (attacks_open(h, SCENARIOS "pop-before-smtp.json", &a)) {
        /* What the JSON lines hold: the client behind its NAT, the notes, Postfix's log lines
         * (syslog's stamp, the process names) and the MRA's window opening and expiring. */
        static const char *const want[] = {
            "\"client\":{\"host\":\"carol-laptop.hotel.example\",\"agent\":\"carol\",\"ip\":"
            "\"198.51.100.10\"",
            "\"nat\":{\"host\":\"gw.hotel.example\",\"ip\":\"198.51.100.200\"}",
            "{\"t\":0,\"kind\":\"note\",\"ja\":\"carol のノートPC",
            "\"kind\":\"note\",\"agent\":\"carol\",\"ja\":",
            "\"kind\":\"log\",\"agent\":\"mta.a\",\"program\":\"postfix/smtpd\",\"conn\":",
            "\"kind\":\"policy\",\"agent\":\"mra.a\",\"rule\":\"pop_before_smtp\",\"decision\":"
            "\"open\",\"code\":0",
            "\"rule\":\"pop_before_smtp\",\"decision\":\"expired\"",
            "\"text\":\"Apr  1 09:01:00 mail postfix/smtpd[",
            "]: NOQUEUE: reject: RCPT from gw.hotel.example[198.51.100.200]: 554 5.7.1 "
            "<bob@b.example>: Relay access denied;",
        };
        char *jsonl = attacks_export(&a.tr, true, NULL);
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            if (!CHECK(h, strstr(jsonl, want[k]) != NULL)) {
                fprintf(stderr, "    not in the JSON lines: %s\n", want[k]);
            }
        }
        free(jsonl);
        char *ja = attacks_export(&a.tr, false, "ja");
        char *en = attacks_export(&a.tr, false, "en");
        CHECK(h, strstr(ja, "» carol のノートPC") != NULL);
        CHECK(h, strstr(en, "» carol's laptop") != NULL);
        CHECK(h, strstr(en, "[NAT gw.hotel.example 198.51.100.200]") != NULL);
        CHECK(h, strstr(en, "log mta.a: Apr  1 09:11:00 mail postfix/smtpd[") != NULL);
        free(ja);
        free(en);
        /* The Received line names what the server saw: the NAT. */
        CHECK(h, build_check(a.sc, a.mw, stderr) == 0);
    }
    attacks_close(&a);
}

/* Replaces every "from" in text (which must hold at least one) with "to", left to right; the
 * text put in is not searched again. Returns a new string, or NULL when text lacks "from". */
static char *attacks_edit(const char *text, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), count = 0;
    for (const char *at = text; (at = strstr(at, from)) != NULL; at += nf) {
        count++;
    }
    if (count == 0) {
        return NULL;
    }
    char *out = malloc(strlen(text) - count * nf + count * nt + 1);
    if (!out) {
        abort();
    }
    char *o = out;
    for (const char *at; (at = strstr(text, from)) != NULL; text = at + nf) {
        memcpy(o, text, (size_t)(at - text));
        o += at - text;
        memcpy(o, to, nt);
        o += nt;
    }
    memcpy(o, text, strlen(text) + 1);
    return out;
}

/* A bundled scenario with edits[0..n) applied in turn, each {from, to} as attacks_edit does. */
static struct scenario *attacks_variant(struct harness *h, const char *file,
                                        const char *const (*edits)[2], size_t n)
{
    char err[1024] = "";
    struct scenario *sc = attacks_load(h, file);
    if (!sc) {
        return NULL;
    }
    char *edited = strdup(sc->source);
    for (size_t i = 0; edited && i < n; i++) {
        char *next = attacks_edit(edited, edits[i][0], edits[i][1]);
        if (!CHECK(h, next != NULL)) {
            fprintf(stderr, "    %s does not hold %s\n", file, edits[i][0]);
        }
        free(edited);
        edited = next;
    }
    struct scenario *v = NULL;
    if (edited) {
        v = scenario_parse(edited, strlen(edited), "edited.json", err, sizeof err);
        if (!CHECK(h, v != NULL)) {
            fprintf(stderr, "    %s\n", err);
        }
    }
    free(edited);
    scenario_free(sc);
    return v;
}

static struct scenario *attacks_variant_text(struct harness *h, const char *file, const char *from,
                                             const char *to)
{
    const char *const edit[1][2] = {{from, to}};
    return attacks_variant(h, file, edit, 1);
}

/* A dictionary without the password: the attack fails, and says so. */
static void test_crack_failed(struct harness *h)
{
    struct scenario *sc = attacks_variant_text(h, SCENARIOS "apop.json",
                                               "\"princess\", \"sunshine\"", "\"princess\"");
    if (!sc) {
        return;
    }
    struct trace tr;
    struct mail_world *mw = attacks_run(h, sc, &tr);
    if (mw) {
        CHECK(h, build_sniffed(&tr, "crack_failed", "bob", "b-lan-tap"));
        CHECK(h, !build_sniffed(&tr, "password", NULL, NULL));
        CHECK(h, build_sniffed(&tr, "apop_digest", NULL, NULL));
        mail_world_free(mw);
    }
    trace_free(&tr);
    scenario_free(sc);
}

/* A mail loop: mail.b no longer takes b.example as its own and relays it back to mx.b, which
 * relays it to mail.b again. At the 50th Received: line a server refuses it (Postfix's
 * hopcount_limit), the sender's MTA bounces it, and the run ends. */
static void test_mail_loop(struct harness *h)
{
    struct scenario *sc = attacks_variant_text(h, SCENARIOS "sniff-plaintext.json",
                                               "\"mydestination\": [\"b.example\"]",
                                               "\"mydestination\": [\"b.ex1mple\"]");
    if (!sc) {
        return;
    }
    struct trace tr;
    struct mail_world *mw = attacks_run(h, sc, &tr);
    if (mw) {
        CHECK(h, mw->rejected >= 1);
        CHECK(h, mw->bounced >= 1);
        char *text = attacks_export(&tr, true, "en");
        CHECK(h, strstr(text, "\"rule\":\"hopcount_limit\",\"decision\":\"reject\"") != NULL);
        CHECK(h, strstr(text, "554 5.4.6 Error: too many hops") != NULL);
        free(text);
        mail_world_free(mw);
    }
    trace_free(&tr);
    scenario_free(sc);
}

/* Mail on a reused connection: the sending MTA settles each mail when its result comes, so
 * Postfix's "removed" line for one mail comes before the next mail on the same connection is
 * sent, and a long session does not keep every message it carried. */
static void test_reuse_settles(struct harness *h)
{
    static const char *const edits[][2] = {
        {"\"repeat\": 25000", "\"repeat\": 5"},
        {"\"interval\": \"4ms\"", "\"interval\": \"1ms\""},
        {"\"delivered\": 100000", "\"delivered\": 20"},
        {"\"count\": 100000", "\"count\": 20"},
        {"\"relay_step\": 4", "\"relay_step\": 4, \"maillog\": true"}, /* on mta.a */
    };
    struct scenario *sc =
        attacks_variant(h, SCENARIOS "load-100k.json", edits, sizeof edits / sizeof edits[0]);
    if (!sc) {
        return;
    }
    struct trace tr;
    struct mail_world *mw = attacks_run(h, sc, &tr);
    if (mw) {
        CHECK_INT(h, (long long)mw->delivered, 20);
        /* the queue id last sent on each connection, and the queue ids removed so far */
        char last[64][16] = {{0}};
        char removed[64][16] = {{0}};
        size_t nremoved = 0, reused = 0, settled = 0;
        for (size_t i = 0; i < tr.nevents; i++) {
            const struct trace_event *e = trace_event_at(&tr, i);
            if (e->kind != TRACE_LOG || strcmp(trace_log_agent(&tr, e), "mta.a") != 0) {
                continue;
            }
            char line[512]; /* the log text is not NUL-terminated in the arena */
            snprintf(line, sizeof line, "%.*s", (int)e->bytes.len,
                     (const char *)trace_bytes_ptr(&tr, e->bytes));
            const char *qid = strstr(line, "]: ");
            if (!qid || strlen(qid) < 13) {
                continue;
            }
            qid += 3;
            char id[16];
            snprintf(id, sizeof id, "%.10s", qid);
            if (strstr(line, ": removed") && nremoved < 64) {
                snprintf(removed[nremoved++], sizeof removed[0], "%s", id);
            } else if (strstr(line, "status=sent") && e->conn < 64) {
                if (last[e->conn][0]) {
                    reused++;
                    bool gone = false;
                    for (size_t k = 0; k < nremoved; k++) {
                        gone |= strcmp(removed[k], last[e->conn]) == 0;
                    }
                    settled += gone;
                    if (!CHECK(h, gone)) {
                        fprintf(stderr, "    %s was not removed before %s went on conn %u\n",
                                last[e->conn], id, e->conn);
                    }
                }
                snprintf(last[e->conn], sizeof last[0], "%s", id);
            }
        }
        CHECK(h, reused >= 4); /* the run does reuse connections, or this test proves nothing */
        CHECK_INT(h, (long long)settled, (long long)reused);
        CHECK_INT(h, (long long)nremoved, 20);
        mail_world_free(mw);
    }
    trace_free(&tr);
    scenario_free(sc);
}

/* Each new expectation, when it does not hold, names itself. */
static void test_failed_expectations(struct harness *h)
{
    struct scenario *sc = attacks_variant_text(
        h, SCENARIOS "nine-steps.json", "\"expect\": {",
        "\"expect\": {\"trace_lacks\": [\"AUTH PLAIN\"], "
        "\"sniffed\": [{\"finding\": \"password\", \"value\": \"x\"}], "
        "\"policy\": [{\"agent\": \"mx.b\", \"rule\": \"open_relay\", \"decision\": \"permit\"}], "
        "\"log_contains\": [\"status=sent\"],");
    if (!sc) {
        return;
    }
    struct trace tr;
    struct mail_world *mw = attacks_run(h, sc, &tr);
    if (mw) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        CHECK_INT(h, build_check(sc, mw, out), 4);
        fclose(out);
        CHECK(h, strstr(text, "expect.trace_lacks[0]: \"AUTH PLAIN\" crossed a link\n"));
        CHECK(h, strstr(text, "expect.sniffed[0]: no tap found password \"x\"\n"));
        CHECK(h, strstr(text, "expect.policy[0]: mx.b never decided permit by open_relay\n"));
        CHECK(h, strstr(text, "expect.log_contains[0]: no log line holds \"status=sent\"\n"));
        free(text);
        mail_world_free(mw);
    }
    trace_free(&tr);
    scenario_free(sc);
}

/* The nine-step trace has none of the new kinds: it stays as it was recorded. */
static void test_nine_steps_untouched(struct harness *h)
{
    struct attacks_world a;
    if (attacks_open(h, SCENARIOS "nine-steps.json", &a)) {
        size_t notes = 0, logs = 0, nat = 0;
        for (size_t i = 0; i < a.tr.nevents; i++) {
            notes += trace_event_at(&a.tr, i)->kind == TRACE_NOTE;
            logs += trace_event_at(&a.tr, i)->kind == TRACE_LOG;
        }
        nat = a.tr.nnats;
        CHECK_INT(h, notes + logs + nat, 0);
        CHECK_STR(h, trace_kind_name(TRACE_NOTE), "note");
        CHECK_STR(h, trace_kind_name(TRACE_LOG), "log");
    }
    attacks_close(&a);
}

/* A forwarder passes the meaning on with the bytes (session_forward_notes): the annotations of
 * the source's newest line-carrying event follow the forwarded one, at the same offsets, with the
 * agent that knew them; octets the source did not send get none. */
static void test_forward_notes(struct harness *h)
{
    struct trace tr;
    char err[256];
    int z, host[2];
    struct sim_world *w = attacks_world(&tr, &z);
    for (int i = 0; i < 2; i++) {
        host[i] = sim_host_add(w, i ? "mail.example" : "pc.example", z,
                               i ? "203.0.113.20" : "203.0.113.10", err, sizeof err);
    }
    int pc = host[0], srv = host[1];
    sim_link_add(w, pc, srv, 1000, err, sizeof err);
    struct sim_endpoint ep = {0};
    uint32_t ssh = sim_connect(w, pc, "bob", sim_host_ip(w, srv), 22, &ep);
    uint32_t pop = sim_connect(w, srv, "sshd", sim_host_ip(w, srv), 110, &ep);
    static const char line[] = "PASS builder42\r\n";
    const uint8_t *p = (const uint8_t *)line;
    trace_plain(&tr, 0, ssh, TRACE_CLIENT, p, 16);
    trace_secret(&tr, 0, ssh, TRACE_CLIENT, "bob", "PASS", "", 5, 9, (const uint8_t *)"builder42",
                 9);
    sim_set_tls(w, ssh, TRACE_CLIENT, true);
    sim_send(w, ssh, TRACE_CLIENT, "\x17\x03", 2); /* records after it: no lines there */
    sim_send(w, pop, TRACE_CLIENT, p, 16);
    size_t before = tr.nevents;
    session_forward_notes(w, ssh, TRACE_CLIENT, p, 16, pop, TRACE_CLIENT);
    CHECK_INT(h, tr.nevents, before + 1);
    const struct trace_event *e = trace_event_at(&tr, tr.nevents - 1);
    CHECK(h, e->kind == TRACE_SECRET && e->conn == pop && e->from == TRACE_CLIENT);
    if (e->kind == TRACE_SECRET) {
        CHECK_STR(h, trace_secret_agent(&tr, e), "bob");
        CHECK_STR(h, trace_secret_what(&tr, e), "PASS");
        CHECK_INT(h, trace_secret_offset(e), 5);
        CHECK_INT(h, trace_secret_length(e), 9);
        CHECK(h, e->bytes.len == 9 && memcmp(trace_bytes_ptr(&tr, e->bytes), "builder42", 9) == 0);
    }
    sim_send(w, pop, TRACE_CLIENT, "QUIT\r\n", 6);
    before = tr.nevents;
    session_forward_notes(w, ssh, TRACE_CLIENT, (const uint8_t *)"QUIT\r\n", 6, pop, TRACE_CLIENT);
    CHECK_INT(h, tr.nevents, before);
    sim_world_free(w);
    trace_free(&tr);
}

/* Whether the sniff event at i was read off the wire as bytes passed: the events before it, past
 * the other findings of the same bytes, end in a data event of its connection at the same moment.
 * (A finding of the offline APOP attack comes later, from a dictionary, not from the wire.) */
static bool attacks_sniffed_on_wire(const struct trace *tr, size_t i)
{
    const struct trace_event *f = trace_event_at(tr, i);
    while (i > 0) {
        const struct trace_event *e = trace_event_at(tr, --i);
        if (e->kind != TRACE_SNIFF) {
            return e->kind == TRACE_DATA && e->conn == f->conn && e->t == f->t;
        }
    }
    return false;
}

/* Whether value[0..n) is one of the NUL-separated fields of secret event e's value. */
static bool attacks_secret_holds(const struct trace *tr, const struct trace_event *e,
                                 const uint8_t *value, size_t n)
{
    const uint8_t *p = trace_bytes_ptr(tr, e->bytes), *end = p + e->bytes.len;
    while (p <= end) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        size_t k = nul ? (size_t)(nul - p) : (size_t)(end - p);
        if (k == n && memcmp(p, value, n) == 0) {
            return true;
        }
        p += k + 1;
    }
    return false;
}

/* Checks every credential the eavesdropper read off the wire (user names, passwords, APOP
 * digests) against the secret events of the engines that sent them: the same connection must
 * hold a secret with that value. Counts the findings checked; returns the ones without a match
 * (printed). Both come from sasl.h's one decoder and from each side's own idea of which line is
 * a credential, so a disagreement here is a bug in one of them. */
static size_t attacks_sniffs_vs_secrets(const char *name, const struct trace *tr, size_t *checked)
{
    size_t missing = 0;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *f = trace_event_at(tr, i);
        if (f->kind != TRACE_SNIFF || !attacks_sniffed_on_wire(tr, i)) {
            continue;
        }
        const char *finding = trace_sniff_finding(tr, f);
        if (strcmp(finding, "username") != 0 && strcmp(finding, "password") != 0 &&
            strcmp(finding, "apop_digest") != 0) {
            continue;
        }
        (*checked)++;
        const uint8_t *value = trace_bytes_ptr(tr, f->bytes);
        bool found = false;
        for (size_t k = 0; k < tr->nevents && !found; k++) {
            const struct trace_event *e = trace_event_at(tr, k);
            found = e->kind == TRACE_SECRET && e->conn == f->conn &&
                    attacks_secret_holds(tr, e, value, f->bytes.len);
        }
        if (!found) {
            missing++;
            fprintf(stderr, "    %s: sniffed %s \"%.*s\" on #%u has no secret event\n", name,
                    finding, (int)f->bytes.len, (const char *)value, (unsigned)f->conn);
        }
    }
    return missing;
}

/* Over every bundled scenario (load-100k aside): what the eavesdropper decodes is what the
 * engines said they sent. And the check can fail: with one secret's value changed, it does. */
static void test_sniffs_match_secrets(struct harness *h)
{
    DIR *d = opendir(SCENARIOS);
    if (!CHECK(h, d != NULL)) {
        return;
    }
    size_t total = 0, sniffing = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
            strcmp(de->d_name, "scenario.schema.json") == 0 ||
            strcmp(de->d_name, "load-100k.json") == 0) {
            continue;
        }
        char path[512];
        snprintf(path, sizeof path, "%s%s", SCENARIOS, de->d_name);
        struct attacks_world a;
        if (attacks_open(h, path, &a)) {
            size_t checked = 0;
            CHECK_INT(h, attacks_sniffs_vs_secrets(de->d_name, &a.tr, &checked), 0);
            total += checked;
            sniffing += checked > 0;
            if (checked > 0 && strcmp(de->d_name, "sniff-plaintext.json") == 0) {
                /* A secret that says something else than the wire: the check finds it. */
                for (size_t i = 0; i < a.tr.nevents; i++) {
                    struct trace_event *e = trace_event_mut(&a.tr, i);
                    if (e->kind == TRACE_SECRET && e->bytes.len > 0) {
                        ((uint8_t *)trace_bytes_ptr(&a.tr, e->bytes))[0] ^= 0x20;
                        break;
                    }
                }
                size_t again = 0;
                CHECK(h, attacks_sniffs_vs_secrets("(a doctored copy)", &a.tr, &again) > 0);
            }
        }
        attacks_close(&a);
    }
    closedir(d);
    printf("sniffed credentials matched to secret events: %zu in %zu scenarios\n", total, sniffing);
    CHECK(h, sniffing >= 3);
}

/* STARTTLS stripping: the rewrite of an EHLO reply, line by line. */
static void strip_case(struct harness *h, const char *in, const char *want)
{
    uint8_t out[512];
    size_t n = mitm_strip_starttls((const uint8_t *)in, strlen(in), out);
    out[n] = 0;
    CHECK_STR(h, (const char *)out, want);
}

static void test_mitm_strip(struct harness *h)
{
    strip_case(h, "250-mx.b.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
               "250-mx.b.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    /* STARTTLS as the last line: the line before becomes the last one. */
    strip_case(h, "250-mx.b.example\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n",
               "250-mx.b.example\r\n250 SIZE 10240000\r\n");
    /* Case does not matter to SMTP, so not to the attacker either. */
    strip_case(h, "250-x\r\n250-starttls\r\n250 8BITMIME\r\n", "250-x\r\n250 8BITMIME\r\n");
    /* Nothing to strip: untouched, including a STARTTLS that is only part of a longer word. */
    strip_case(h, "250-x\r\n250-STARTTLSX\r\n250 OK\r\n", "250-x\r\n250-STARTTLSX\r\n250 OK\r\n");
    strip_case(h, "220 Ready to start TLS\r\n", "220 Ready to start TLS\r\n");
}

int main(void)
{
    struct harness h = {"test_attacks", 0, 0};
    test_mitm_strip(&h);
    test_sim_nat(&h);
    test_exports(&h);
    test_crack_failed(&h);
    test_failed_expectations(&h);
    test_mail_loop(&h);
    test_reuse_settles(&h);
    test_nine_steps_untouched(&h);
    test_sniffs_match_secrets(&h);
    test_forward_notes(&h);
    return harness_finish(&h);
}
