/* mta: queue, routing, relaying with retry, bounces, and the relay policy. */
#include "mta.h"

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

#define MTA_DEFAULT_RETRY_US (300ULL * 1000000ULL)
#define MTA_DEFAULT_ATTEMPTS 5
/* Time an MTA takes to pick up a queued message; it keeps the steps apart on screen. */
#define MTA_PICKUP_US 2000

struct mta_cidr {
    uint32_t net, mask;
};

/* What the log lines of a queue entry carry. */
struct mta_entry_log {
    char qid[16]; /* Postfix's queue id */
    uint64_t queued_at;
};

/* A recipient's fate within a queue entry. */
enum mta_rcpt_state { MTA_RCPT_PENDING, MTA_RCPT_INFLIGHT, MTA_RCPT_DONE };

struct mta_entry {
    struct mta *m;
    char *mail;
    char *from;
    char **rcpts;
    enum mta_rcpt_state *state;
    size_t nrcpt;
    uint8_t *data;
    size_t len;
    unsigned attempts;
    unsigned inflight; /* outbound sessions still carrying it */
    bool scheduled;
    struct mta_entry *next, *prev; /* in the queue list */
    /* Only when the MTA keeps a log (one element then): a busy queue stays as small as it was. */
    struct mta_entry_log log[];
};

struct mta {
    struct agent base;
    char *hostname;
    char **mydestination;
    size_t nmydestination;
    char **relay_domains;
    size_t nrelay_domains;
    struct mta_transport *transports;
    size_t ntransports;
    char *relayhost;
    struct mta_cidr *mynetworks;
    size_t nmynetworks;
    bool permit_sasl_authenticated;
    bool reject_unauth_destination;
    bool open_relay;
    struct mda *mda;
    struct dns_agent *dns;
    int relay_step;
    uint64_t retry_us;
    unsigned max_attempts;
    struct smtpd *smtpd;
    struct mta_entry *queue;
    size_t queued;
    uint64_t bounces;
    bool maillog;
    enum mta_tls_level smtp_tls;
    uint64_t qids; /* queue ids the MTA made itself */
    struct mra *pop_mra;
    uint64_t pop_window_us;
    struct mta_out *outs; /* open outbound sessions, for reuse */
};

/* How many mails without a result yet an outbound session may carry before more mail for the
 * same next hop opens another connection. */
#define MTA_REUSE_DEPTH 2

/* One mail an outbound session carries: an entry, and which of its recipients; e is NULL once
 * the mail has its result and the entry no longer waits for this session. */
struct mta_job {
    struct mta_entry *e;
    size_t *rcpt_index;
    size_t n;
};

/* One outbound SMTP session to one next hop. It may carry several mails: while it is open,
 * more mail for the same next hop joins it instead of opening a connection of its own, as
 * Postfix's smtp(8) reuses a connection when mail for a destination is waiting. */
struct mta_out {
    struct mta *m;
    struct mta_job *jobs; /* by the mail index smtp_client_add_mail gave */
    size_t njobs, cap_jobs;
    size_t unfinished; /* jobs without a result yet */
    uint32_t conn;
    uint32_t ip; /* the next hop */
    struct session *session;
    struct smtp_client *client;
    struct mta_out *next; /* the MTA's open sessions */
};

static char **mta_strv(const char *const *v, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    if (!out) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = mw_strdup(v[i]);
    }
    return out;
}

static void mta_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void mta_entry_free(struct mta_entry *e)
{
    free(e->mail);
    free(e->from);
    mta_strv_free(e->rcpts, e->nrcpt);
    free(e->state);
    free(e->data);
    free(e);
}

static void mta_destroy(struct agent *a)
{
    struct mta *m = (struct mta *)a;
    smtpd_free(m->smtpd);
    while (m->queue) {
        struct mta_entry *e = m->queue;
        m->queue = e->next;
        mta_entry_free(e);
    }
    free(m->hostname);
    mta_strv_free(m->mydestination, m->nmydestination);
    mta_strv_free(m->relay_domains, m->nrelay_domains);
    for (size_t i = 0; i < m->ntransports; i++) {
        free((char *)m->transports[i].domain);
        free((char *)m->transports[i].nexthop);
    }
    free(m->transports);
    free(m->relayhost);
    free(m->mynetworks);
    agent_fini(a);
    free(m);
}

static void mta_agent_set_down(struct agent *a, bool down)
{
    mta_set_down((struct mta *)a, down);
}

static const struct agent_ops mta_ops = {"mta", "Postfix", mta_destroy, mta_agent_set_down};
static const struct agent_ops filter_ops = {"filter", "amavisd-new + ClamAV", mta_destroy,
                                            mta_agent_set_down};

static bool mta_in_list(char **list, size_t n, const char *domain)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(list[i], domain) == 0) {
            return true;
        }
    }
    return false;
}

static bool mta_is_local(const struct mta *m, const char *domain)
{
    return mta_in_list(m->mydestination, m->nmydestination, domain);
}

static bool mta_local_user_exists(const struct mta *m, const char *rcpt)
{
    /* Postfix's local_recipient_maps defaults to "proxy:unix:passwd.byname $alias_maps": an
     * alias is a known local recipient too. */
    return mail_world_account_by_address(m->base.mw, rcpt) != NULL ||
           (m->mda && mda_alias_find(m->mda, rcpt) != NULL);
}

static int mta_parse_cidr(const char *s, struct mta_cidr *out)
{
    char addr[32];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof addr) {
        return -1;
    }
    memcpy(addr, s, n);
    addr[n] = 0;
    uint32_t ip;
    if (sim_parse_ipv4(addr, &ip) != 0) {
        return -1;
    }
    long bits = 32;
    if (slash) {
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end != 0 || end == slash + 1 || bits < 0 || bits > 32) {
            return -1;
        }
    }
    out->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    out->net = ip & out->mask;
    return 0;
}

/* The relay decision for a recipient, as the SMTP service makes it at RCPT time (Postfix's
 * smtpd_relay_restrictions): true to accept; d says why. */
static bool mta_relay_allowed(const struct mta *m, uint32_t client_ip, bool authenticated,
                              const char *rcpt, struct smtpd_relay_decision *d)
{
    d->pop_expired = false;
    d->defer = false;
    if (m->open_relay) {
        d->rule = "open_relay";
        return true;
    }
    for (size_t i = 0; i < m->nmynetworks; i++) {
        if ((client_ip & m->mynetworks[i].mask) == m->mynetworks[i].net) {
            d->rule = "permit_mynetworks";
            return true;
        }
    }
    if (authenticated && m->permit_sasl_authenticated) {
        d->rule = "permit_sasl_authenticated";
        return true;
    }
    /* POP before SMTP trusts an address, not a person: whoever sends from the address that
     * logged in (everyone behind the same NAT) may relay until the window closes. */
    uint64_t at;
    if (m->pop_mra && mra_last_login(m->pop_mra, client_ip, &at)) {
        if (sim_now(m->base.mw->sim) - at <= m->pop_window_us) {
            d->rule = "pop_before_smtp";
            return true;
        }
        d->pop_expired = true;
    }
    /* reject_unauth_destination, or Postfix >= 2.10's defer_unauth_destination: only mail for
     * our own domains, or those we relay for. */
    const char *domain = smtp_path_domain_of(rcpt);
    if (mta_is_local(m, domain) || mta_in_list(m->relay_domains, m->nrelay_domains, domain)) {
        d->rule = "permit_auth_destination";
        return true;
    }
    d->defer = !m->reject_unauth_destination;
    d->rule = d->defer ? "defer_unauth_destination" : "reject_unauth_destination";
    return false;
}

void mta_set_pop_before_smtp(struct mta *m, struct mra *mra, uint64_t window_us)
{
    m->pop_mra = mra;
    m->pop_window_us = window_us;
    mra_open_relay_windows(mra);
}

bool mta_maillog(const struct mta *m)
{
    return m->maillog;
}

/* Postfix's "delay=": seconds since the message entered the queue. */
static double mta_delay(const struct mta_entry *e)
{
    return (double)(sim_now(e->m->base.mw->sim) - e->log[0].queued_at) / 1e6;
}

const char *mta_hostname(const struct mta *m)
{
    return m->hostname;
}

const char *mta_id(const struct mta *m)
{
    return m->base.id;
}

size_t mta_queue_length(const struct mta *m)
{
    return m->queued;
}

void mta_set_down(struct mta *m, bool down)
{
    if (m->smtpd) {
        smtpd_set_down(m->smtpd, down);
    }
}

/* ---- the queue ---- */

static void mta_run_entry(struct sim_world *w, void *ctx, uint64_t arg);

static void mta_schedule(struct mta_entry *e, uint64_t delay)
{
    if (e->scheduled) {
        return;
    }
    e->scheduled = true;
    struct sim_world *w = e->m->base.mw->sim;
    sim_schedule(w, sim_now(w) + delay, mta_run_entry, e, 0);
}

static void mta_unlink(struct mta *m, struct mta_entry *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    } else {
        m->queue = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    }
    m->queued--;
}

/* Frees the entry once every recipient is done and no session carries it. */
static void mta_entry_settle(struct mta_entry *e)
{
    if (e->inflight > 0 || e->scheduled) {
        return;
    }
    bool pending = false;
    for (size_t i = 0; i < e->nrcpt; i++) {
        pending |= e->state[i] != MTA_RCPT_DONE;
    }
    if (pending) {
        /* Deferred: the next run tries again, or bounces once the attempts are used up. */
        mta_schedule(e, e->m->retry_us);
        return;
    }
    if (e->m->maillog) {
        maillog_line(e->m->base.mw, e->m->base.id, e->m->hostname, "postfix/qmgr", 0, "%s: removed",
                     e->log[0].qid);
    }
    mta_unlink(e->m, e);
    mta_entry_free(e);
}

void mta_enqueue(struct mta *m, const char *mail, const char *from, const char *const *rcpts,
                 size_t nrcpt, const uint8_t *data, size_t len)
{
    mta_enqueue_qid(m, NULL, mail, from, rcpts, nrcpt, data, len);
}

/* A queue id the MTA makes itself. Not from the RNG: a log must not change the run it records. */
static void mta_make_qid(struct mta *m, char *out, size_t cap)
{
    snprintf(out, cap, "%010llX",
             (unsigned long long)((0xB0A7ull << 24) + ++m->qids) & 0xffffffffffULL);
}

/* Queues data, which it takes (malloc'd, len bytes; NULL only when len is 0). */
static void mta_enqueue_taken(struct mta *m, const char *qid, const char *mail, const char *from,
                              const char *const *rcpts, size_t nrcpt, uint8_t *data, size_t len)
{
    struct mail_world *mw = m->base.mw;
    struct mta_entry *e = calloc(1, sizeof *e + (m->maillog ? sizeof e->log[0] : 0));
    if (!e) {
        abort();
    }
    e->m = m;
    e->mail = mw_strdup(mail);
    e->from = mw_strdup(from);
    e->rcpts = mta_strv(rcpts, nrcpt);
    e->nrcpt = nrcpt;
    e->state = calloc(nrcpt ? nrcpt : 1, sizeof *e->state);
    e->data = data ? data : malloc(1);
    if (!e->state || !e->data) {
        abort();
    }
    e->len = len;
    e->next = m->queue;
    if (m->queue) {
        m->queue->prev = e;
    }
    m->queue = e;
    m->queued++;
    trace_mail(mw->tr, sim_now(mw->sim), mail, "queued", m->base.id, 0);
    if (m->maillog) {
        struct mta_entry_log *l = &e->log[0];
        l->queued_at = sim_now(mw->sim);
        if (qid) {
            snprintf(l->qid, sizeof l->qid, "%s", qid);
        } else {
            mta_make_qid(m, l->qid, sizeof l->qid);
        }
        maillog_line(mw, m->base.id, m->hostname, "postfix/qmgr", 0,
                     "%s: from=<%s>, size=%zu, nrcpt=%zu (queue active)", l->qid, from, len, nrcpt);
    }
    mta_schedule(e, MTA_PICKUP_US);
}

void mta_enqueue_qid(struct mta *m, const char *qid, const char *mail, const char *from,
                     const char *const *rcpts, size_t nrcpt, const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        abort();
    }
    memcpy(copy, data, len);
    mta_enqueue_taken(m, qid, mail, from, rcpts, nrcpt, copy, len);
}

/* ---- the SMTP service's backend ---- */

static bool mta_backend_relay_allowed(void *ctx, uint32_t client_ip, bool authenticated,
                                      const char *rcpt, struct smtpd_relay_decision *d)
{
    return mta_relay_allowed(ctx, client_ip, authenticated, rcpt, d);
}

static bool mta_backend_is_local_domain(void *ctx, const char *domain)
{
    return mta_is_local(ctx, domain);
}

static bool mta_backend_local_user_exists(void *ctx, const char *rcpt)
{
    return mta_local_user_exists(ctx, rcpt);
}

/* The service's buffer becomes the queue entry's: one copy of the message less per hop. */
static void mta_backend_enqueue(void *ctx, const char *qid, const char *mail, const char *from,
                                const char *const *rcpts, size_t nrcpt, struct buf *msg)
{
    uint8_t *data = msg->data;
    size_t len = msg->len;
    buf_init(msg, msg->max);
    mta_enqueue_taken(ctx, qid, mail, from, rcpts, nrcpt, data, len);
}

struct smtpd_backend mta_smtpd_backend(struct mta *m)
{
    struct smtpd_backend b = {0};
    b.ctx = m;
    b.relay_allowed = mta_backend_relay_allowed;
    b.is_local_domain = mta_backend_is_local_domain;
    b.local_user_exists = mta_backend_local_user_exists;
    b.enqueue = mta_backend_enqueue;
    return b;
}

/* ---- bounces (RFC 3464 delivery status notifications) ---- */

static void mta_bounce(struct mta *m, struct mta_entry *e, size_t rcpt, const struct smtp_reply *r)
{
    struct mail_world *mw = m->base.mw;
    trace_mail(mw->tr, sim_now(mw->sim), e->mail, "bounced", m->base.id, r->code);
    /* RFC 5321 §6.1: never answer a bounce with a bounce — the null reverse-path "MUST NOT" get
     * a notification, or two broken systems would mail each other for ever. */
    if (e->from[0] == 0) {
        return;
    }
    mw->bounced++;
    m->bounces++;
    char local[96], date[MESSAGE_DATE_SIZE], msgid[256];
    snprintf(local, sizeof local, "bounce.%llu.%s", (unsigned long long)m->bounces, e->mail);
    message_date_format((time_t)mail_world_time(mw), mw->tz_minutes, date, sizeof date);
    message_id_format(local, m->hostname, msgid, sizeof msgid);
    char status[16];
    snprintf(status, sizeof status, "%s", r->enhanced[0] ? r->enhanced : "5.0.0");
    size_t header_len = e->len, body_off = e->len;
    message_split(e->data, e->len, &header_len, &body_off);
    const char *boundary = "mailsim-dsn-boundary";
    struct buf b;
    buf_init(&b, 0);
    int rc = 0;
    rc |= buf_printf(&b, "Date: %s\r\nFrom: MAILER-DAEMON@%s (Mail Delivery System)\r\n", date,
                     m->hostname);
    rc |= buf_printf(&b, "To: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n", e->from);
    rc |= buf_printf(&b, "Message-ID: %s\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n",
                     msgid);
    rc |= buf_printf(&b,
                     "Content-Type: multipart/report; report-type=delivery-status;\r\n"
                     "\tboundary=\"%s\"\r\n\r\n",
                     boundary);
    rc |= buf_printf(&b, "--%s\r\nContent-Description: Notification\r\n", boundary);
    rc |= buf_printf(&b, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    rc |= buf_printf(&b, "This is the mail system at host %s.\r\n\r\n", m->hostname);
    rc |= buf_printf(&b, "I'm sorry to have to inform you that your message could not\r\n"
                         "be delivered to one or more recipients.\r\n\r\n");
    rc |= buf_printf(&b, "<%s>: %d %s%s%s\r\n\r\n", e->rcpts[rcpt], r->code, r->enhanced,
                     r->enhanced[0] ? " " : "", r->text);
    rc |= buf_printf(&b, "--%s\r\nContent-Description: Delivery report\r\n", boundary);
    rc |= buf_printf(&b, "Content-Type: message/delivery-status\r\n\r\n");
    rc |= buf_printf(&b, "Reporting-MTA: dns; %s\r\n\r\n", m->hostname);
    rc |= buf_printf(&b, "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: %s\r\n",
                     e->rcpts[rcpt], status);
    rc |= buf_printf(&b, "Diagnostic-Code: smtp; %d %s%s%s\r\n\r\n", r->code, r->enhanced,
                     r->enhanced[0] ? " " : "", r->text);
    rc |= buf_printf(&b, "--%s\r\nContent-Description: Undelivered Message Headers\r\n",
                     boundary);
    rc |= buf_printf(&b, "Content-Type: text/rfc822-headers\r\n\r\n");
    rc |= buf_append(&b, e->data, header_len);
    rc |= buf_printf(&b, "\r\n--%s--\r\n", boundary);
    if (rc != 0) {
        abort();
    }
    char bounce_mail[128];
    snprintf(bounce_mail, sizeof bounce_mail, "%s-dsn", e->mail);
    char bare_id[256];
    snprintf(bare_id, sizeof bare_id, "%s@%s", local, m->hostname);
    mail_world_tag(mw, bare_id, bounce_mail);
    const char *to = e->from;
    mta_enqueue(m, bounce_mail, "", &to, 1, b.data, b.len);
    buf_free(&b);
}

/* ---- outbound ---- */

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
        bool lost = strncmp(r->text, "mailsim client: ", 16) == 0 &&
                    strncmp(r->enhanced, "4.4.", 4) == 0;
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
static uint32_t mta_route(struct mta *m, const char *domain, const char **why)
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

static void mta_deliver_local(struct mta *m, struct mta_entry *e, size_t k)
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

static void mta_send(struct mta *m, struct mta_entry *e, uint32_t ip, size_t *idx, size_t n)
{
    struct mail_world *mw = m->base.mw;
    for (struct mta_out *o = m->outs; o; o = o->next) {
        /* A session with a mail or two still under way takes one more; a busier one does not,
         * so that a backlog is spread over several connections (Postfix's destination
         * concurrency) and each of them is reused. */
        if (o->ip == ip && o->session && o->unfinished < MTA_REUSE_DEPTH &&
            mta_out_add(o, e, idx, n)) {
            if (m->relay_step > 0) {
                trace_step(mw->tr, sim_now(mw->sim), m->relay_step, e->mail, m->base.id, o->conn);
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
        trace_step(mw->tr, sim_now(mw->sim), m->relay_step, e->mail, m->base.id, s->conn);
    }
}

static void mta_run_entry(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)w;
    (void)arg;
    struct mta_entry *e = ctx;
    struct mta *m = e->m;
    e->scheduled = false;
    e->attempts++;
    /* First the next hop of every pending recipient (one lookup per domain), then one
     * transaction per next hop, as Postfix's queue manager groups them. */
    uint32_t *hop = calloc(e->nrcpt, sizeof *hop);
    if (!hop) {
        abort();
    }
    for (size_t k = 0; k < e->nrcpt; k++) {
        if (e->state[k] != MTA_RCPT_PENDING) {
            continue;
        }
        if (e->attempts > m->max_attempts) {
            /* RFC 5321 §4.5.4.1: give up after a while and tell the sender. */
            struct smtp_reply r = {0};
            smtp_reply_set(&r, 550, "4.4.1",
                           "delivery temporarily suspended: connection refused; gave up after "
                           "%u attempts",
                           e->attempts - 1);
            e->state[k] = MTA_RCPT_DONE;
            mta_bounce(m, e, k, &r);
            continue;
        }
        const char *domain = smtp_path_domain_of(e->rcpts[k]);
        if (mta_is_local(m, domain)) {
            mta_deliver_local(m, e, k);
            continue;
        }
        for (size_t j = 0; j < k && hop[k] == 0; j++) {
            if (hop[j] != 0 && strcasecmp(smtp_path_domain_of(e->rcpts[j]), domain) == 0) {
                hop[k] = hop[j];
            }
        }
        if (hop[k] == 0) {
            const char *why = "";
            hop[k] = mta_route(m, domain, &why);
            if (hop[k] == 0) {
                struct smtp_reply r = {0};
                smtp_reply_set(&r, 550, "5.1.2", "<%s>: %s", e->rcpts[k], why);
                e->state[k] = MTA_RCPT_DONE;
                mta_bounce(m, e, k, &r);
            }
        }
    }
    for (size_t k = 0; k < e->nrcpt; k++) {
        if (hop[k] == 0 || e->state[k] != MTA_RCPT_PENDING) {
            continue;
        }
        size_t *idx = calloc(e->nrcpt, sizeof *idx);
        if (!idx) {
            abort();
        }
        size_t n = 0;
        for (size_t j = k; j < e->nrcpt; j++) {
            if (hop[j] == hop[k] && e->state[j] == MTA_RCPT_PENDING) {
                idx[n++] = j;
            }
        }
        mta_send(m, e, hop[k], idx, n);
    }
    free(hop);
    mta_entry_settle(e);
}

struct mta *mta_new(struct mail_world *mw, const char *id, int host, const struct mta_config *cfg,
                    char *err, size_t errlen)
{
    struct mta *m = calloc(1, sizeof *m);
    if (!m) {
        abort();
    }
    bool filter = cfg->role && strcmp(cfg->role, "filter") == 0;
    agent_init(&m->base, filter ? &filter_ops : &mta_ops, mw, id, host);
    mail_world_add_agent(mw, &m->base);
    m->hostname = mw_strdup(cfg->hostname);
    m->mydestination = mta_strv(cfg->mydestination, cfg->nmydestination);
    m->nmydestination = cfg->nmydestination;
    m->relay_domains = mta_strv(cfg->relay_domains, cfg->nrelay_domains);
    m->nrelay_domains = cfg->nrelay_domains;
    m->transports = calloc(cfg->ntransports ? cfg->ntransports : 1, sizeof *m->transports);
    m->mynetworks = calloc(cfg->policy.nmynetworks ? cfg->policy.nmynetworks : 1,
                           sizeof *m->mynetworks);
    if (!m->transports || !m->mynetworks) {
        abort();
    }
    for (size_t i = 0; i < cfg->ntransports; i++) {
        m->transports[i].domain = mw_strdup(cfg->transports[i].domain);
        m->transports[i].nexthop = mw_strdup(cfg->transports[i].nexthop);
    }
    m->ntransports = cfg->ntransports;
    for (size_t i = 0; i < cfg->policy.nmynetworks; i++) {
        if (mta_parse_cidr(cfg->policy.mynetworks[i], &m->mynetworks[i]) != 0) {
            snprintf(err, errlen, "mynetworks: \"%s\" is not a CIDR block such as 192.0.2.0/24",
                     cfg->policy.mynetworks[i]);
            return NULL;
        }
        m->nmynetworks++;
    }
    m->relayhost = cfg->relayhost ? mw_strdup(cfg->relayhost) : NULL;
    m->permit_sasl_authenticated = cfg->policy.permit_sasl_authenticated;
    m->reject_unauth_destination = cfg->policy.reject_unauth_destination;
    m->open_relay = cfg->policy.open_relay;
    m->mda = cfg->mda;
    m->dns = cfg->dns;
    m->relay_step = cfg->relay_step;
    m->retry_us = cfg->retry_us ? cfg->retry_us : MTA_DEFAULT_RETRY_US;
    m->max_attempts = cfg->max_attempts ? cfg->max_attempts : MTA_DEFAULT_ATTEMPTS;
    m->maillog = cfg->maillog;
    m->smtp_tls = cfg->smtp_tls;
    if (cfg->port) {
        struct smtpd_config sc = {0};
        sc.agent = id;
        sc.hostname = cfg->hostname;
        sc.port = cfg->port;
        sc.proto = "smtp";
        sc.backend = mta_smtpd_backend(m);
        sc.scan_eicar = cfg->scan_eicar;
        sc.alert_encrypted = cfg->alert_encrypted;
        sc.max_message_size = cfg->max_message_size;
        sc.max_recipients = cfg->max_recipients;
        sc.maillog = cfg->maillog;
        sc.starttls = cfg->smtpd_tls;
        sc.settings = cfg->smtpd;
        m->smtpd = smtpd_new(mw, host, &sc);
        if (!m->smtpd) {
            snprintf(err, errlen, "port %u is already taken on this host", cfg->port);
            return NULL;
        }
    }
    return m;
}
