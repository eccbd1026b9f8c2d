/* build_check: the expect block tested against a finished run — counts, steps, states,
 * mailboxes, Received lines, bytes on the wire (and bytes that must not be there), findings of
 * the eavesdroppers, policy decisions and mail log lines — and the test of whether an attack of
 * the scenario succeeded, which `mailsim matrix` asks for each combination. */
#include "build.h"

#include "mda.h"
#include "message.h"
#include "mua.h"

#include <stdlib.h>
#include <string.h>

static const char *build_first_mail(const struct scenario *sc)
{
    for (size_t i = 0; i < sc->ntimeline; i++) {
        if (sc->timeline[i].action == SCENARIO_SEND) {
            return sc->timeline[i].mail;
        }
    }
    return NULL;
}

static int build_check_count(FILE *out, const char *what, long want, uint64_t got)
{
    if (want < 0 || (uint64_t)want == got) {
        return 0;
    }
    fprintf(out, "expect.%s: want %ld, got %llu\n", what, want, (unsigned long long)got);
    return 1;
}

static int build_check_steps(const struct scenario *sc, const struct trace *tr, FILE *out)
{
    if (sc->expect.nsteps == 0) {
        return 0;
    }
    const char *mail = sc->expect.steps_mail ? sc->expect.steps_mail : build_first_mail(sc);
    trace_str id = mail ? trace_lookup(tr, mail) : 0;
    int got[64];
    size_t n = 0;
    for (size_t i = 0; i < tr->nevents && id; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_STEP || e->s[0] != id) {
            continue;
        }
        /* A step that spans two hops (3: through the filter) counts once. */
        if (n > 0 && got[n - 1] == e->num) {
            continue;
        }
        if (n < sizeof got / sizeof got[0]) {
            got[n++] = e->num;
        }
    }
    bool same = n == sc->expect.nsteps;
    for (size_t i = 0; same && i < n; i++) {
        same = got[i] == sc->expect.steps[i];
    }
    if (same) {
        return 0;
    }
    fprintf(out, "expect.steps: mail %s went through steps", mail ? mail : "(none)");
    for (size_t i = 0; i < n; i++) {
        fprintf(out, " %d", got[i]);
    }
    fputs(", want", out);
    for (size_t i = 0; i < sc->expect.nsteps; i++) {
        fprintf(out, " %d", sc->expect.steps[i]);
    }
    fputc('\n', out);
    return 1;
}

/* Whether the mail reached state at some point. Several copies of one mail travel at once, so
 * "the last state" would depend on which copy finished last; "reached" does not. */
static bool build_reached(const struct trace *tr, const char *mail, const char *state,
                          const char *agent, char *seen, size_t cap)
{
    trace_str id = trace_lookup(tr, mail);
    trace_str st = trace_lookup(tr, state);
    trace_str ag = agent ? trace_lookup(tr, agent) : 0;
    size_t used = 0;
    seen[0] = 0;
    for (size_t i = 0; i < tr->nevents && id; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_MAIL || e->s[0] != id) {
            continue;
        }
        if (st && e->s[1] == st && (!agent || (ag && e->s[2] == ag))) {
            return true;
        }
        const char *name = trace_string(tr, e->s[1]);
        if (!strstr(seen, name)) {
            int n = snprintf(seen + used, cap - used, "%s%s", used ? " " : "", name);
            if (n > 0 && (size_t)n < cap - used) {
                used += (size_t)n;
            }
        }
    }
    return false;
}

static bool build_trace_has(const struct trace *tr, const char *needle)
{
    size_t nlen = strlen(needle);
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_DATA || e->bytes.len < nlen) {
            continue;
        }
        const uint8_t *p = trace_bytes_ptr(tr, e->bytes);
        for (size_t k = 0; k + nlen <= e->bytes.len; k++) {
            if (memcmp(p + k, needle, nlen) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool build_bytes_have(const uint8_t *p, size_t n, const char *needle)
{
    size_t nlen = strlen(needle);
    for (size_t k = 0; k + nlen <= n; k++) {
        if (memcmp(p + k, needle, nlen) == 0) {
            return true;
        }
    }
    return false;
}

bool build_sniffed(const struct trace *tr, const char *finding, const char *value, const char *tap)
{
    trace_str f = trace_lookup(tr, finding);
    trace_str t = tap ? trace_lookup(tr, tap) : 0;
    if (!f || (tap && !t)) {
        return false;
    }
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_SNIFF || e->s[1] != f || (tap && e->s[0] != t)) {
            continue;
        }
        if (!value || (e->bytes.len == strlen(value) &&
                       memcmp(trace_bytes_ptr(tr, e->bytes), value, e->bytes.len) == 0)) {
            return true;
        }
    }
    return false;
}

static bool build_policy_made(const struct trace *tr, const struct scenario_expect_policy *x)
{
    trace_str a = trace_lookup(tr, x->agent), r = trace_lookup(tr, x->rule);
    trace_str d = trace_lookup(tr, x->decision);
    for (size_t i = 0; a && r && d && i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_POLICY && e->s[0] == a && e->s[1] == r && e->s[2] == d &&
            (x->code < 0 || e->num == x->code)) {
            return true;
        }
    }
    return false;
}

static bool build_logged(const struct trace *tr, const char *text)
{
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_LOG &&
            build_bytes_have(trace_bytes_ptr(tr, e->bytes), e->bytes.len, text)) {
            return true;
        }
    }
    return false;
}

bool build_attack_succeeded(const struct scenario_attack *a, const struct trace *tr)
{
    if (a->finding) {
        return build_sniffed(tr, a->finding, a->value, a->tap);
    }
    char seen[512];
    return build_reached(tr, a->mail, a->state, a->agent, seen, sizeof seen);
}

/* The expectations about attacks: bytes that must not cross, findings, decisions, logs. */
static int build_check_security(const struct scenario_expect *x, const struct trace *tr, FILE *out)
{
    int failed = 0;
    for (size_t i = 0; i < x->ntrace_lacks; i++) {
        if (build_trace_has(tr, x->trace_lacks[i])) {
            fprintf(out, "expect.trace_lacks[%zu]: \"%s\" crossed a link\n", i, x->trace_lacks[i]);
            failed++;
        }
    }
    for (size_t i = 0; i < x->nsniffed; i++) {
        const struct scenario_expect_sniff *f = &x->sniffed[i];
        if (!build_sniffed(tr, f->finding, f->value, f->tap)) {
            fprintf(out, "expect.sniffed[%zu]: no tap%s%s found %s%s%s%s\n", i, f->tap ? " " : "",
                    f->tap ? f->tap : "", f->finding, f->value ? " \"" : "",
                    f->value ? f->value : "", f->value ? "\"" : "");
            failed++;
        }
    }
    for (size_t i = 0; i < x->nnot_sniffed; i++) {
        const struct scenario_expect_sniff *f = &x->not_sniffed[i];
        if (build_sniffed(tr, f->finding, f->value, f->tap)) {
            fprintf(out, "expect.not_sniffed[%zu]: tap%s%s found %s%s%s%s\n", i,
                    f->tap ? " " : "", f->tap ? f->tap : "", f->finding, f->value ? " \"" : "",
                    f->value ? f->value : "", f->value ? "\"" : "");
            failed++;
        }
    }
    for (size_t i = 0; i < x->npolicies; i++) {
        const struct scenario_expect_policy *pol = &x->policies[i];
        if (!build_policy_made(tr, pol)) {
            fprintf(out, "expect.policy[%zu]: %s never decided %s by %s", i, pol->agent,
                    pol->decision, pol->rule);
            if (pol->code >= 0) {
                fprintf(out, " (%ld)", pol->code);
            }
            fputc('\n', out);
            failed++;
        }
    }
    for (size_t i = 0; i < x->nlog_contains; i++) {
        if (!build_logged(tr, x->log_contains[i])) {
            fprintf(out, "expect.log_contains[%zu]: no log line holds \"%s\"\n", i,
                    x->log_contains[i]);
            failed++;
        }
    }
    return failed;
}

/* The header sections of a delivered copy: every text of contains in it, none of lacks. */
static int build_check_headers(const struct scenario_expect *x, const struct mail_world *mw,
                               FILE *out)
{
    int failed = 0;
    for (size_t i = 0; i < x->nheaders; i++) {
        const struct scenario_expect_headers *h = &x->headers[i];
        struct mda *m = (struct mda *)mail_world_find_agent(mw, h->agent);
        struct mailbox *box = m ? mda_mailbox(m, h->user) : NULL;
        const struct mailbox_msg *msg = NULL;
        for (size_t k = 0; box && k < box->n && !msg; k++) {
            msg = strcmp(box->msgs[k].mail, h->mail) == 0 ? &box->msgs[k] : NULL;
        }
        if (!msg) {
            fprintf(out, "expect.headers[%zu]: %s's mailbox at %s holds no copy of %s\n", i,
                    h->user, h->agent, h->mail);
            failed++;
            continue;
        }
        size_t header_len = msg->len, body = msg->len;
        message_split(msg->data, msg->len, &header_len, &body);
        for (size_t k = 0; k < h->ncontains; k++) {
            if (!build_bytes_have(msg->data, header_len, h->contains[k])) {
                fprintf(out,
                        "expect.headers[%zu].contains[%zu]: the header of %s at %s lacks \"%s\"\n",
                        i, k, h->mail, h->user, h->contains[k]);
                failed++;
            }
        }
        for (size_t k = 0; k < h->nlacks; k++) {
            if (build_bytes_have(msg->data, header_len, h->lacks[k])) {
                fprintf(out,
                        "expect.headers[%zu].lacks[%zu]: the header of %s at %s holds \"%s\"\n", i,
                        k, h->mail, h->user, h->lacks[k]);
                failed++;
            }
        }
    }
    return failed;
}

int build_check(const struct scenario *sc, const struct mail_world *mw, FILE *out)
{
    const struct scenario_expect *x = &sc->expect;
    const struct trace *tr = mw->tr;
    int failed = 0;
    failed += build_check_count(out, "delivered", x->delivered, mw->delivered);
    failed += build_check_count(out, "retrieved", x->retrieved, mw->retrieved);
    failed += build_check_count(out, "bounced", x->bounced, mw->bounced);
    failed += build_check_count(out, "rejected", x->rejected, mw->rejected);
    failed += build_check_steps(sc, tr, out);
    for (size_t i = 0; i < x->nmails; i++) {
        char seen[512];
        if (!build_reached(tr, x->mails[i].mail, x->mails[i].state, NULL, seen, sizeof seen)) {
            fprintf(out, "expect.mails[%zu]: mail %s never reached %s (it was: %s)\n", i,
                    x->mails[i].mail, x->mails[i].state, seen[0] ? seen : "never seen");
            failed++;
        }
    }
    for (size_t i = 0; i < x->nmailboxes; i++) {
        const struct scenario_expect_mailbox *mb = &x->mailboxes[i];
        struct mda *m = (struct mda *)mail_world_find_agent(mw, mb->agent);
        struct mailbox *box = m ? mda_mailbox(m, mb->user) : NULL;
        long got = box ? (long)box->n : -1;
        if (got != mb->count) {
            fprintf(out, "expect.mailboxes[%zu]: %s's mailbox at %s holds %ld, want %ld\n", i,
                    mb->user, mb->agent, got, mb->count);
            failed++;
        }
    }
    if (x->received_agent) {
        const struct mua *u = (const struct mua *)mail_world_find_agent(mw, x->received_agent);
        size_t n = u ? mua_inbox_count(u) : 0;
        if (n == 0) {
            fprintf(out, "expect.received: %s retrieved no message\n", x->received_agent);
            failed++;
        }
        for (size_t i = 0; i < n; i++) {
            const struct mua_message *m = mua_inbox(u, i);
            size_t got = message_header_count(m->data, m->len, "Received");
            if ((long)got < x->received_min) {
                fprintf(out,
                        "expect.received: message %zu at %s has %zu Received lines, want %ld\n",
                        i + 1, x->received_agent, got, x->received_min);
                failed++;
            }
        }
    }
    for (size_t i = 0; i < x->ntrace_contains; i++) {
        if (!build_trace_has(tr, x->trace_contains[i])) {
            fprintf(out, "expect.trace_contains[%zu]: \"%s\" never crossed a link\n", i,
                    x->trace_contains[i]);
            failed++;
        }
    }
    failed += build_check_headers(x, mw, out);
    return failed + build_check_security(x, tr, out);
}
