/* mta_out: where mail goes next (a transport, the relay host, DNS MX or local delivery), and
 * the outbound SMTP sessions that carry it, reused while mail for the same next hop waits. */
#include "mta_int.h"

#include "buf.h"
#include "maillog.h"
#include "message.h"
#include "mra.h"
#include "session.h"
#include "smtp_client.h"
#include "smtpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Postfix's smtp(8) delivery line: "to=<rcpt>, relay=host[ip]:25, delay=..., dsn=...,
 * status=sent (the server's reply)". */
static void mta_out_log(const struct mta_out *o, const struct mta_job *j, size_t k,
                        const char *status, const struct smtp_reply *r)
{
    struct mta_entry *e = j->e;
    struct mta *m = e->m;
    struct mail_world *mw = m->base.mw;
    if (!m->maillog) {
        return;
    }
    char ip[16];
    sim_format_ipv4(o->ip, ip, sizeof ip);
    int h = sim_host_by_ip(mw->sim, o->ip);
    const char *name = h >= 0 ? trace_string(mw->tr, mw->tr->hosts[h].name) : "unknown";
    maillog_line(mw, m->base.id, m->hostname, "postfix/smtp", o->conn,
                 "%s: to=<%s>, relay=%s[%s]:25, delay=%.2f, dsn=%s, status=%s (%d %s%s%s)",
                 e->log[0].qid, e->rcpts[k], name, ip, mta_delay(e),
                 r->enhanced[0] ? r->enhanced : "-", status, r->code, r->enhanced,
                 r->enhanced[0] ? " " : "", r->text);
}

/* Job j has its result: the queue entry no longer waits for this session, so a long reused
 * session does not hold on to every mail it carried (Postfix's qmgr, too, hears of each
 * delivery as it ends, not when the connection closes). */
static void mta_job_settle(struct mta_job *j)
{
    struct mta_entry *e = j->e;
    free(j->rcpt_index);
    j->rcpt_index = NULL;
    j->e = NULL;
    e->inflight--;
    mta_entry_settle(e);
}

static void mta_out_rcpt(void *ctx, size_t mail, size_t rcpt, const struct smtp_reply *r)
{
    struct mta_out *o = ctx;
    struct mta_job *j = &o->jobs[mail];
    struct mta_entry *e = j->e;
    size_t k = j->rcpt_index[rcpt];
    if (smtp_reply_is_permanent(r)) {
        mta_out_log(o, j, k, "bounced", r);
        e->state[k] = MTA_RCPT_DONE;
        mta_bounce(e->m, e, k, r);
    }
}

static void mta_out_result(void *ctx, size_t mail, const struct smtp_reply *r)
{
    struct mta_out *o = ctx;
    struct mta_job *j = &o->jobs[mail];
    struct mta_entry *e = j->e;
    struct mta *m = e->m;
    struct mail_world *mw = m->base.mw;
    o->unfinished--;
    uint64_t now = sim_now(mw->sim);
    if (r->code >= 200 && r->code < 300) {
        for (size_t i = 0; i < j->n; i++) {
            size_t k = j->rcpt_index[i];
            if (e->state[k] == MTA_RCPT_INFLIGHT) {
                e->state[k] = MTA_RCPT_DONE;
                mta_out_log(o, j, k, "sent", r);
            }
        }
        trace_mail(mw->tr, now, e->mail, "relayed", m->base.id, r->code);
        mta_job_settle(j);
        return;
    }
    bool permanent = smtp_reply_is_permanent(r);
    for (size_t i = 0; i < j->n; i++) {
        size_t k = j->rcpt_index[i];
        if (e->state[k] != MTA_RCPT_INFLIGHT) {
            continue;
        }
        mta_out_log(o, j, k, permanent ? "bounced" : "deferred", r);
        if (permanent) {
            e->state[k] = MTA_RCPT_DONE;
            mta_bounce(m, e, k, r);
        } else {
            e->state[k] = MTA_RCPT_PENDING;
        }
    }
    if (!permanent) {
        /* A connection refused or lost (4.4.x, made up by the client) has no SMTP code: no
         * server said one, and Postfix logs only "Connection refused" (dsn=4.4.1). */
        bool lost =
            strncmp(r->text, "mailsim client: ", 16) == 0 && strncmp(r->enhanced, "4.4.", 4) == 0;
        trace_mail(mw->tr, now, e->mail, "deferred", m->base.id, lost ? 0 : r->code);
    } else {
        mw->rejected++;
    }
    mta_job_settle(j);
}

static void mta_out_end(struct sim_world *w, void *agent_ctx, struct session *s)
{
    (void)w;
    (void)s;
    struct mta_out *o = agent_ctx;
    for (struct mta_out **pp = &o->m->outs; *pp; pp = &(*pp)->next) {
        if (*pp == o) {
            *pp = o->next;
            break;
        }
    }
    for (size_t i = 0; i < o->njobs; i++) {
        struct mta_job *j = &o->jobs[i];
        struct mta_entry *e = j->e;
        if (!e) {
            continue; /* settled when its result came */
        }
        /* The session ended without a result (it cannot, but be safe): again later. */
        for (size_t r = 0; r < j->n; r++) {
            if (e->state[j->rcpt_index[r]] == MTA_RCPT_INFLIGHT) {
                e->state[j->rcpt_index[r]] = MTA_RCPT_PENDING;
            }
        }
        mta_job_settle(j);
    }
    free(o->jobs);
    free(o);
}

/* Where mail for a domain goes next: an address, or 0 with a reason. */
uint32_t mta_route(struct mta *m, const char *domain, const char **why)
{
    uint32_t ip = 0;
    for (size_t i = 0; i < m->ntransports; i++) {
        if (strcasecmp(m->transports[i].domain, domain) == 0) {
            if (dns_resolve_a(m->dns, m->base.id, m->transports[i].nexthop, &ip) != 0) {
                *why = "transport next hop has no address";
                return 0;
            }
            return ip;
        }
    }
    if (m->relayhost) {
        if (dns_resolve_a(m->dns, m->base.id, m->relayhost, &ip) != 0) {
            *why = "relayhost has no address";
            return 0;
        }
        return ip;
    }
    uint32_t ips[4];
    if (dns_resolve_mx(m->dns, m->base.id, domain, ips, 4) == 0) {
        *why = "Host or domain name not found";
        return 0;
    }
    return ips[0];
}

/* Whether the header section holds "Delivered-To: rcpt" (Postfix's loop detection). */
static bool mta_delivered_to(const uint8_t *data, size_t len, const char *rcpt)
{
    size_t header_len = len, body = len;
    message_split(data, len, &header_len, &body);
    size_t n = strlen(rcpt);
    static const char field[] = "Delivered-To: ";
    size_t f = sizeof field - 1;
    for (size_t i = 0; i + f + n <= header_len; i++) {
        if ((i == 0 || data[i - 1] == '\n') && strncasecmp((const char *)data + i, field, f) == 0 &&
            strncasecmp((const char *)data + i + f, rcpt, n) == 0 &&
            (i + f + n == header_len || data[i + f + n] == '\r' || data[i + f + n] == '\n')) {
            return true;
        }
    }
    return false;
}

/* Local delivery to an alias, as Postfix's local(8) forwards it: a new message in the queue
 * ("status=sent (forwarded as QUEUEID)"), carrying Delivered-To: for the alias on top, to the
 * alias's members, with the envelope sender the owner alias decides. A mailing list made of an
 * alias (":include:" a file of members) and an owner-NAME alias works this way. */
static void mta_forward(struct mta *m, struct mta_entry *e, size_t k, const struct mda_alias *al)
{
    struct mail_world *mw = m->base.mw;
    const char *rcpt = e->rcpts[k];
    if (mta_delivered_to(e->data, e->len, rcpt)) {
        /* local(8): "mail forwarding loop for ADDRESS" (RFC 3463 X.4.6: routing loop). */
        struct smtp_reply r = {0};
        smtp_reply_set(&r, 554, "5.4.6", "mail forwarding loop for %s", rcpt);
        if (m->maillog) {
            maillog_line(mw, m->base.id, m->hostname, "postfix/local", 0,
                         "%s: to=<%s>, relay=local, delay=%.2f, dsn=5.4.6, status=bounced (mail "
                         "forwarding loop for %s)",
                         e->log[0].qid, rcpt, mta_delay(e), rcpt);
        }
        mta_bounce(m, e, k, &r);
        return;
    }
    struct mda_forward f;
    mda_forward(m->mda, e->mail, rcpt, e->from, &f);
    /* Postfix's prepend_delivered_header includes "forward": the copy records where it was. */
    struct buf copy;
    buf_init(&copy, 0);
    if (buf_printf(&copy, "Delivered-To: %s\r\n", rcpt) != 0 || buf_reserve(&copy, e->len) != 0 ||
        buf_append(&copy, e->data, e->len) != 0) {
        abort();
    }
    char qid[16] = "";
    if (m->maillog) {
        mta_make_qid(m, qid, sizeof qid);
        maillog_line(mw, m->base.id, m->hostname, "postfix/local", 0,
                     "%s: to=<%s>, relay=local, delay=%.2f, dsn=2.0.0, status=sent (forwarded as "
                     "%s)",
                     e->log[0].qid, rcpt, mta_delay(e), qid);
    }
    mta_enqueue_qid(m, m->maillog ? qid : NULL, e->mail, f.sender, (const char *const *)al->members,
                    al->nmembers, copy.data, copy.len);
    buf_free(&copy);
}

void mta_deliver_local(struct mta *m, struct mta_entry *e, size_t k)
{
    struct mail_world *mw = m->base.mw;
    trace_step(mw->tr, sim_now(mw->sim), 6, e->mail, m->base.id, 0);
    e->state[k] = MTA_RCPT_DONE;
    const struct mda_alias *al = m->mda ? mda_alias_find(m->mda, e->rcpts[k]) : NULL;
    if (al) {
        mta_forward(m, e, k, al);
        return;
    }
    if (!m->mda || mda_deliver(m->mda, e->mail, e->from, e->rcpts[k], e->data, e->len) != 0) {
        struct smtp_reply r = {0};
        smtp_reply_set(&r, 550, "5.1.1", "<%s>: Recipient address rejected: User unknown",
                       e->rcpts[k]);
        if (m->maillog) {
            maillog_line(mw, m->base.id, m->hostname, "postfix/local", 0,
                         "%s: to=<%s>, relay=local, delay=%.2f, dsn=5.1.1, status=bounced "
                         "(unknown user)",
                         e->log[0].qid, e->rcpts[k], mta_delay(e));
        }
        mta_bounce(m, e, k, &r);
    } else if (m->maillog) {
        maillog_line(mw, m->base.id, m->hostname, "postfix/local", 0,
                     "%s: to=<%s>, relay=local, delay=%.2f, dsn=2.0.0, status=sent (delivered to "
                     "mailbox)",
                     e->log[0].qid, e->rcpts[k], mta_delay(e));
    }
}

/* "220 2.0.0 Ready to start TLS": the handshake checks that the certificate names the host
 * the MX lookup gave. */
static int mta_out_starttls(void *ctx)
{
    struct mta_out *o = ctx;
    struct mail_world *mw = o->m->base.mw;
    int host = sim_host_by_ip(mw->sim, o->ip);
    const char *name = host >= 0 ? trace_string(mw->tr, mw->tr->hosts[host].name) : "";
    session_starttls(o->session, tls_client_new(mail_world_tls_client(mw), name));
    return 0;
}

/* Adds one mail (e's recipients idx[0..n)) to session o; false when o cannot take it any more
 * (it has said QUIT). Takes idx on success. */

/* The step a relay's hop is: its own (relay_step), but a delivery status notification (the null
 * reverse-path) travels the path backwards, from the recipient's side to the sender's, so there
 * the hop between the two domains' external MTAs and the one into the internal server swap
 * (④ and ⑤). */
static int mta_step_of(const struct mta *m, const struct mta_entry *e)
{
    bool dsn = e->from && e->from[0] == 0;
    if (dsn && (m->relay_step == 4 || m->relay_step == 5)) {
        return 9 - m->relay_step;
    }
    return m->relay_step;
}

static bool mta_out_add(struct mta_out *o, struct mta_entry *e, size_t *idx, size_t n)
{
    const char **rcpts = calloc(n, sizeof *rcpts);
    if (!rcpts) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        rcpts[i] = e->rcpts[idx[i]];
    }
    long mail = smtp_client_add_mail(o->client, e->from, rcpts, n, e->data, e->len);
    free(rcpts);
    if (mail < 0) {
        return false;
    }
    if ((size_t)mail >= o->cap_jobs) {
        size_t cap = o->cap_jobs ? o->cap_jobs * 2 : 4;
        while (cap <= (size_t)mail) {
            cap *= 2;
        }
        struct mta_job *jobs = realloc(o->jobs, cap * sizeof *jobs);
        if (!jobs) {
            abort();
        }
        o->jobs = jobs;
        o->cap_jobs = cap;
    }
    o->jobs[mail] = (struct mta_job){e, idx, n};
    o->unfinished++;
    o->njobs = (size_t)mail + 1 > o->njobs ? (size_t)mail + 1 : o->njobs;
    for (size_t i = 0; i < n; i++) {
        e->state[idx[i]] = MTA_RCPT_INFLIGHT;
    }
    e->inflight++;
    return true;
}

void mta_send(struct mta *m, struct mta_entry *e, uint32_t ip, size_t *idx, size_t n)
{
    struct mail_world *mw = m->base.mw;
    for (struct mta_out *o = m->outs; o; o = o->next) {
        /* A session with a mail or two still under way takes one more; a busier one does not,
         * so that a backlog is spread over several connections (Postfix's destination
         * concurrency) and each of them is reused. */
        if (o->ip == ip && o->session && o->unfinished < MTA_REUSE_DEPTH &&
            mta_out_add(o, e, idx, n)) {
            if (m->relay_step > 0) {
                trace_step(mw->tr, sim_now(mw->sim), mta_step_of(m, e), e->mail, m->base.id,
                           o->conn);
            }
            session_pump(o->session);
            return;
        }
    }
    struct mta_out *o = calloc(1, sizeof *o);
    if (!o) {
        abort();
    }
    o->m = m;
    o->ip = ip;
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = m->hostname;
    cfg.want_pipelining = true;
    cfg.want_starttls = m->smtp_tls != MTA_TLS_NONE;
    cfg.require_tls = m->smtp_tls == MTA_TLS_ENCRYPT;
    struct smtp_client_hooks hooks = {0};
    hooks.on_starttls_ready = mta_out_starttls;
    hooks.on_rcpt_result = mta_out_rcpt;
    hooks.on_mail_result = mta_out_result;
    o->client = smtp_client_new(&cfg, &hooks, o);
    if (!o->client || !mta_out_add(o, e, idx, n)) {
        abort();
    }
    struct session *s = session_connect(mw->sim, m->base.host, m->base.id, ip, 25,
                                        &session_smtp_client_ops, o->client, o, mta_out_end);
    if (!s) {
        /* No route at all: as good as a refused connection (session_connect freed the client). */
        e->inflight--;
        for (size_t i = 0; i < n; i++) {
            e->state[idx[i]] = MTA_RCPT_PENDING;
        }
        trace_mail(mw->tr, sim_now(mw->sim), e->mail, "deferred", m->base.id, 0);
        free(idx);
        free(o->jobs);
        free(o);
        return;
    }
    o->conn = s->conn;
    o->session = s;
    o->next = m->outs;
    m->outs = o;
    if (m->relay_step > 0) {
        trace_step(mw->tr, sim_now(mw->sim), mta_step_of(m, e), e->mail, m->base.id, s->conn);
    }
}
