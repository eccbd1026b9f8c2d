/* build_check: the expect block tested against a finished run — the counts, the mailboxes, the
 * Received lines and the header sections of delivered copies (the state of the world), and the
 * claims about the trace that expect was compiled into (claims.h) — and whether an attack of the
 * scenario succeeded, which `mailsim matrix` asks for each combination. */
#include "build.h"

#include "claims.h"
#include "mda.h"
#include "message.h"
#include "mua.h"

#include <stdlib.h>
#include <string.h>

static int build_check_count(FILE *out, const char *what, long want, uint64_t got)
{
    if (want < 0 || (uint64_t)want == got) {
        return 0;
    }
    fprintf(out, "expect.%s: want %ld, got %llu\n", what, want, (unsigned long long)got);
    return 1;
}

bool build_attack_succeeded(const struct scenario_attack *a, const struct trace *tr)
{
    char why[256];
    return claims_eval(tr, a->succeeds_if, why, sizeof why) == 1;
}

bool build_sniffed(const struct trace *tr, const char *finding, const char *value, const char *tap)
{
    cJSON *o = cJSON_CreateObject();
    char err[256], why[256];
    struct scenario_ctx c = {.name = "build_sniffed", .err = err, .errlen = sizeof err};
    bool ok = o && cJSON_AddStringToObject(o, "finding", finding) &&
              (!value || cJSON_AddStringToObject(o, "value", value)) &&
              (!tap || cJSON_AddStringToObject(o, "tap", tap));
    struct claim *cl = ok ? claims_parse_value(&c, "sniffed", o) : NULL;
    bool found = cl && claims_eval(tr, cl, why, sizeof why) == 1;
    claims_free(cl);
    cJSON_Delete(o);
    return found;
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
            if (!claims_bytes_have(msg->data, header_len, h->contains[k])) {
                fprintf(out,
                        "expect.headers[%zu].contains[%zu]: the header of %s at %s lacks \"%s\"\n",
                        i, k, h->mail, h->user, h->contains[k]);
                failed++;
            }
        }
        for (size_t k = 0; k < h->nlacks; k++) {
            if (claims_bytes_have(msg->data, header_len, h->lacks[k])) {
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
    int failed = 0;
    failed += build_check_count(out, "delivered", x->delivered, mw->delivered);
    failed += build_check_count(out, "retrieved", x->retrieved, mw->retrieved);
    failed += build_check_count(out, "bounced", x->bounced, mw->bounced);
    failed += build_check_count(out, "rejected", x->rejected, mw->rejected);
    for (size_t i = 0; i < x->nclaims; i++) {
        char why[1024];
        if (claims_eval(mw->tr, x->claims[i].claim, why, sizeof why) != 1) {
            fprintf(out, "%s: %s\n", x->claims[i].where, why);
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
    return failed + build_check_headers(x, mw, out);
}
