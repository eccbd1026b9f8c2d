/* mta: the MTA agent and its queue (entries, scheduling, retry, settling); the relay policy,
 * the bounces and the outbound sessions are mta_policy.c, mta_bounce.c and mta_out.c. */
#include "mta.h"
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

static void mta_entry_free(struct mta_entry *e)
{
    free(e->mail);
    free(e->from);
    mw_strv_free(e->rcpts, e->nrcpt);
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
    mw_strv_free(m->mydestination, m->nmydestination);
    mw_strv_free(m->relay_domains, m->nrelay_domains);
    for (size_t i = 0; i < m->ntransports; i++) {
        free((char *)m->transports[i].domain);
        free((char *)m->transports[i].nexthop);
    }
    free(m->transports);
    free(m->relayhost);
    free(m->mynetworks);
}

static void mta_agent_set_down(struct agent *a, bool down)
{
    mta_set_down((struct mta *)a, down);
}

static const struct agent_ops mta_ops = {"mta", "Postfix", mta_destroy, mta_agent_set_down};
static const struct agent_ops filter_ops = {"filter", "amavisd-new + ClamAV", mta_destroy,
                                            mta_agent_set_down};

bool mta_maillog(const struct mta *m)
{
    return m->maillog;
}

/* Postfix's "delay=": seconds since the message entered the queue. */
double mta_delay(const struct mta_entry *e)
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
void mta_entry_settle(struct mta_entry *e)
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
void mta_make_qid(struct mta *m, char *out, size_t cap)
{
    snprintf(out, cap, "%010llX",
             (unsigned long long)((0xB0A7ull << 24) + ++m->qids) & 0xffffffffffULL);
}

/* Queues data, which it takes (malloc'd, len bytes; NULL only when len is 0). */
void mta_enqueue_taken(struct mta *m, const char *qid, const char *mail, const char *from,
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
    e->rcpts = mw_strv_dup(rcpts, nrcpt);
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
    bool filter = cfg->role && strcmp(cfg->role, "filter") == 0;
    struct mta *m = agent_new(sizeof *m, filter ? &filter_ops : &mta_ops, mw, id, host);
    m->hostname = mw_strdup(cfg->hostname);
    m->mydestination = mw_strv_dup(cfg->mydestination, cfg->nmydestination);
    m->nmydestination = cfg->nmydestination;
    m->relay_domains = mw_strv_dup(cfg->relay_domains, cfg->nrelay_domains);
    m->nrelay_domains = cfg->nrelay_domains;
    m->transports = calloc(cfg->ntransports ? cfg->ntransports : 1, sizeof *m->transports);
    m->mynetworks =
        calloc(cfg->policy.nmynetworks ? cfg->policy.nmynetworks : 1, sizeof *m->mynetworks);
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
