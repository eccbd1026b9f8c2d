/* smtpd: the receiving side of SMTP for the MSA and the MTA. */
#include "smtpd.h"

#include "maillog.h"
#include "message.h"
#include "session.h"
#include "smtp_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Postfix's hopcount_limit: a message that already carries this many Received: fields is going
 * round in circles (RFC 5321 §6.3: "Simple counting of the number of "Received:" header fields
 * in a message has proven to be an effective, although rarely optimal, technique for detecting
 * loops in mail systems."). */
#define SMTPD_HOPCOUNT_LIMIT 50

struct smtpd {
    struct mail_world *mw;
    int host;
    int listener;
    char *agent;
    char *hostname;
    bool submission;
    bool submission_open;
    bool maillog;
    unsigned auth_mechs;
    struct mta *mta;
    bool scan_eicar;
    size_t max_message_size;
    size_t max_recipients;
    bool starttls;
    bool wrappermode;
    bool tls_auth_only;
    uint64_t sessions;
};

struct smtpd_conn {
    struct smtpd *d;
    struct session *session;
    uint32_t conn;
    uint32_t client_ip;
};

/* Assembled from two halves so that no file of ours is itself flagged by a scanner. */
static const char smtpd_eicar_a[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
static const char smtpd_eicar_b[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

bool smtpd_has_eicar(const uint8_t *data, size_t len)
{
    size_t na = sizeof smtpd_eicar_a - 1, nb = sizeof smtpd_eicar_b - 1;
    for (size_t i = 0; i + na + nb <= len; i++) {
        if (memcmp(data + i, smtpd_eicar_a, na) == 0 &&
            memcmp(data + i + na, smtpd_eicar_b, nb) == 0) {
            return true;
        }
    }
    return false;
}

/* Postfix names the submission service's smtpd by its master.cf entry. */
static const char *smtpd_program(const struct smtpd *d)
{
    return d->submission ? "postfix/submission/smtpd" : "postfix/smtpd";
}

static uint64_t smtpd_now(const struct smtpd_conn *c)
{
    return sim_now(c->d->mw->sim);
}

static void smtpd_on_state(void *ctx, enum smtp_server_state old_state,
                           enum smtp_server_state new_state)
{
    struct smtpd_conn *c = ctx;
    if (old_state == new_state) {
        return;
    }
    trace_state(c->d->mw->tr, smtpd_now(c), c->d->agent, "smtp-server",
                smtp_server_state_name(new_state), c->conn);
}

static bool smtpd_on_auth(void *ctx, enum sasl_mech mech, const char *authzid, const char *user,
                          const char *password, struct smtp_reply *reply)
{
    (void)mech;
    (void)authzid;
    (void)reply;
    struct smtpd_conn *c = ctx;
    const struct account *a = mail_world_account(c->d->mw, user);
    return a && strcmp(a->password, password) == 0;
}

static const char *smtpd_get_secret(void *ctx, const char *user)
{
    struct smtpd_conn *c = ctx;
    const struct account *a = mail_world_account(c->d->mw, user);
    return a ? a->password : NULL;
}

static void smtpd_on_auth_result(void *ctx, enum sasl_mech mech, const char *user, bool ok)
{
    struct smtpd_conn *c = ctx;
    trace_auth(c->d->mw->tr, smtpd_now(c), c->d->agent, user, sasl_mech_name(mech), ok, c->conn);
}

static bool smtpd_on_mail(void *ctx, const struct smtp_envelope *env, const char *reverse_path,
                          struct smtp_reply *reply)
{
    (void)reverse_path;
    struct smtpd_conn *c = ctx;
    /* RFC 6409 §4.3: the MSA "MUST by default issue an error response to the MAIL command if
     * the session has not been authenticated". Postfix's submission service says 530. */
    if (c->d->submission && !env->authenticated && !c->d->submission_open) {
        smtp_reply_set(reply, 530, "5.7.0", "Authentication required");
        trace_policy(c->d->mw->tr, smtpd_now(c), c->d->agent, "submission_requires_auth",
                     "reject", 530, c->conn);
        return false;
    }
    if (c->d->submission && !env->authenticated) {
        /* The misconfiguration: a submission port that takes mail from anyone, for anywhere. */
        trace_policy(c->d->mw->tr, smtpd_now(c), c->d->agent, "submission_open", "permit", 250,
                     c->conn);
    }
    return true;
}

static bool smtpd_on_rcpt(void *ctx, const struct smtp_envelope *env, const char *forward_path,
                          struct smtp_reply *reply)
{
    struct smtpd_conn *c = ctx;
    struct smtpd *d = c->d;
    if (d->submission) {
        /* Authenticated submission may go anywhere (permit_sasl_authenticated). */
        return true;
    }
    struct mta_relay_decision v;
    bool ok = mta_relay_allowed(d->mta, c->client_ip, env->authenticated, forward_path, &v);
    if (v.pop_expired) {
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, "pop_before_smtp", "expired", 0, c->conn);
    }
    if (!ok) {
        /* Postfix's reject_unauth_destination: "554 5.7.1 <addr>: Relay access denied". */
        smtp_reply_set(reply, 554, "5.7.1", "<%s>: Relay access denied", forward_path);
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, v.rule, "reject", 554, c->conn);
        if (d->maillog) {
            /* The line an administrator greps for: who (client), claiming to be whom (from),
             * tried to reach whom (to). */
            char client[300];
            maillog_client(d->mw, c->conn, client, sizeof client);
            maillog_line(d->mw, d->agent, d->hostname, smtpd_program(d), c->conn,
                         "NOQUEUE: reject: RCPT from %s: %d %s %s; from=<%s> to=<%s> proto=%s "
                         "helo=<%s>",
                         client, reply->code, reply->enhanced, reply->text, env->mail_from,
                         forward_path, env->esmtp ? "ESMTP" : "SMTP", env->helo);
        }
        return false;
    }
    trace_policy(d->mw->tr, smtpd_now(c), d->agent, v.rule, "permit", 250, c->conn);
    if (mta_is_local(d->mta, mta_domain_of(forward_path)) &&
        !mta_local_user_exists(d->mta, forward_path)) {
        smtp_reply_set(reply, 550, "5.1.1",
                       "<%s>: Recipient address rejected: User unknown in local recipient table",
                       forward_path);
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, "local_recipient_maps", "reject", 550,
                     c->conn);
        return false;
    }
    return true;
}

static bool smtpd_on_message(void *ctx, const struct smtp_envelope *env, const uint8_t *data,
                             size_t len, struct smtp_reply *reply)
{
    struct smtpd_conn *c = ctx;
    struct smtpd *d = c->d;
    struct mail_world *mw = d->mw;
    const char *mail = mail_world_mail_of(mw, data, len);
    if (!*mail && mw->auto_tag) {
        /* Live mode: a real client's message. Its submission was step 1. */
        bool fresh;
        mail = mail_world_auto_tag(mw, data, len, &fresh);
        if (fresh && d->submission) {
            const struct trace_conn *tc = trace_conn_get(mw->tr, c->conn);
            trace_step(mw->tr, smtpd_now(c), 1, mail, trace_string(mw->tr, tc->client_agent),
                       c->conn);
        }
    }
    /* Without this, two MTAs that each think the other is the way to a domain (a typo in
     * mydestination is enough) passed one message back and forth for ever, each hop adding a
     * Received: line, and the run never ended (found by fuzz_scenario). Postfix's smtpd refuses
     * such a message at the end of DATA; the sender's MTA then bounces it. RFC 3463: X.4.6
     * "Routing loop detected". */
    if (message_header_count(data, len, "Received") >= SMTPD_HOPCOUNT_LIMIT) {
        smtp_reply_set(reply, 554, "5.4.6", "Error: too many hops");
        trace_policy(mw->tr, smtpd_now(c), d->agent, "hopcount_limit", "reject", 554, c->conn);
        trace_mail(mw->tr, smtpd_now(c), mail, "rejected", d->agent, 554);
        mw->rejected++;
        return false;
    }
    if (d->scan_eicar && smtpd_has_eicar(data, len)) {
        /* amavisd-new's wording for a virus found at the SMTP stage. */
        smtp_reply_set(reply, 554, "5.7.0", "Reject, id=%s - INFECTED: Eicar-Test-Signature",
                       d->agent);
        trace_policy(mw->tr, smtpd_now(c), d->agent, "content_filter", "reject", 554, c->conn);
        trace_mail(mw->tr, smtpd_now(c), mail, "rejected", d->agent, 554);
        mw->rejected++;
        return false;
    }
    if (d->scan_eicar) {
        trace_policy(mw->tr, smtpd_now(c), d->agent, "content_filter", "clean", 250, c->conn);
    }
    /* Postfix-style queue id: ten upper-case hex digits. */
    char qid[16];
    snprintf(qid, sizeof qid, "%010llX",
             (unsigned long long)(rng_next(sim_rng(mw->sim)) & 0xffffffffffULL));
    char ip[16];
    sim_format_ipv4(c->client_ip, ip, sizeof ip);
    const struct trace_conn *tc = trace_conn_get(mw->tr, c->conn);
    struct message_received rec = {0};
    rec.helo = env->helo;
    rec.rdns = trace_string(mw->tr, mw->tr->hosts[trace_conn_seen_host(mw->tr, tc)].name);
    rec.ip = ip;
    rec.by = d->hostname;
    rec.with = message_with_for(env->esmtp, env->tls, env->authenticated);
    rec.id = qid;
    rec.rcpt = env->nrcpt == 1 ? env->rcpt[0] : NULL;
    rec.date = (time_t)mail_world_time(mw);
    rec.tz_minutes = mw->tz_minutes;
    struct buf msg;
    buf_init(&msg, 0);
    /* RFC 5321 §4.4: "When an SMTP server receives a message for delivery or further
     * processing, it MUST insert trace ("time stamp" or "Received") information at the
     * beginning of the message content." */
    if (message_received_line(&rec, &msg) != MESSAGE_OK || buf_reserve(&msg, len) != 0 ||
        buf_append(&msg, data, len) != 0) {
        buf_free(&msg);
        smtp_reply_set(reply, 451, "4.3.0", "Error: queue file write error");
        return false;
    }
    if (d->submission) {
        trace_step(mw->tr, smtpd_now(c), 2, mail, d->agent, c->conn);
    }
    if (d->maillog) {
        char client[300], msgid[300];
        maillog_client(mw, c->conn, client, sizeof client);
        if (env->authenticated) {
            maillog_line(mw, d->agent, d->hostname, smtpd_program(d), c->conn,
                         "%s: client=%s, sasl_method=%s, sasl_username=%s", qid, client,
                         sasl_mech_name(env->auth_mech), env->auth_user);
        } else {
            maillog_line(mw, d->agent, d->hostname, smtpd_program(d), c->conn, "%s: client=%s", qid,
                         client);
        }
        if (message_header_get(data, len, "Message-ID", msgid, sizeof msgid) >= 0) {
            maillog_line(mw, d->agent, d->hostname, "postfix/cleanup", c->conn, "%s: message-id=%s",
                         qid, msgid);
        }
    }
    mta_enqueue_qid(d->mta, qid, mail, env->mail_from, (const char *const *)env->rcpt, env->nrcpt,
                    msg.data, msg.len);
    buf_free(&msg);
    smtp_reply_set(reply, 250, "2.0.0", "Ok: queued as %s", qid);
    return true;
}

/* STARTTLS: the engine answers 220 2.0.0 Ready to start TLS; the session then switches. */
static int smtpd_on_starttls(void *ctx)
{
    struct smtpd_conn *c = ctx;
    struct smtpd *d = c->d;
    session_starttls(c->session, tls_server_new(mail_world_tls_server(d->mw, d->host)));
    return 0;
}

static void smtpd_session_end(struct sim_world *w, void *agent_ctx, struct session *s)
{
    (void)w;
    (void)s;
    free(agent_ctx);
}

static bool smtpd_accept(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    struct smtpd *d = ctx;
    struct smtpd_conn *c = calloc(1, sizeof *c);
    if (!c) {
        return false;
    }
    c->d = d;
    c->conn = conn;
    c->client_ip = trace_conn_seen_ip(d->mw->tr, trace_conn_get(d->mw->tr, conn));
    struct smtp_server_config cfg = {0};
    cfg.hostname = d->hostname;
    cfg.banner = "ESMTP Postfix (mailsim)";
    cfg.max_message_size = d->max_message_size;
    cfg.max_recipients = d->max_recipients;
    cfg.max_errors = 20;
    cfg.auth_mechs = d->auth_mechs;
    cfg.session_id = (unsigned long)++d->sessions;
    cfg.tls_available = d->starttls && !d->wrappermode;
    cfg.tls_active = d->wrappermode;
    cfg.auth_requires_tls = d->tls_auth_only;
    struct smtp_server_hooks hooks = {0};
    hooks.on_starttls = smtpd_on_starttls;
    hooks.on_state = smtpd_on_state;
    hooks.on_auth = smtpd_on_auth;
    hooks.get_secret = smtpd_get_secret;
    hooks.on_auth_result = smtpd_on_auth_result;
    hooks.on_mail = smtpd_on_mail;
    hooks.on_rcpt = smtpd_on_rcpt;
    hooks.on_message = smtpd_on_message;
    struct smtp_server *engine = smtp_server_new(&cfg, &hooks, c);
    if (!engine) {
        free(c);
        return false;
    }
    struct tls_endpoint *tls = NULL;
    if (d->wrappermode) {
        tls = tls_server_new(mail_world_tls_server(d->mw, d->host));
        if (!tls) {
            smtp_server_free(engine);
            free(c);
            return false;
        }
    }
    c->session = session_accept_tls(w, conn, &session_smtp_server_ops, engine, c,
                                    smtpd_session_end, tls, ep);
    if (!c->session) {
        free(c);
        return false;
    }
    return true;
}

struct smtpd *smtpd_new(struct mail_world *mw, int host, const struct smtpd_config *cfg)
{
    struct smtpd *d = calloc(1, sizeof *d);
    if (!d) {
        abort();
    }
    d->mw = mw;
    d->host = host;
    d->agent = mw_strdup(cfg->agent);
    d->hostname = mw_strdup(cfg->hostname);
    d->submission = cfg->submission;
    d->submission_open = cfg->submission_open;
    d->maillog = cfg->maillog;
    d->auth_mechs = cfg->auth_mechs;
    d->mta = cfg->mta;
    d->scan_eicar = cfg->scan_eicar;
    d->max_message_size = cfg->max_message_size ? cfg->max_message_size : 10240000;
    d->max_recipients = cfg->max_recipients ? cfg->max_recipients : 1000;
    d->starttls = cfg->starttls;
    d->wrappermode = cfg->wrappermode;
    d->tls_auth_only = cfg->tls_auth_only;
    d->listener = sim_listen(mw->sim, host, cfg->port, cfg->proto, cfg->agent, smtpd_accept, d);
    if (d->listener < 0) {
        smtpd_free(d);
        return NULL;
    }
    return d;
}

void smtpd_free(struct smtpd *d)
{
    if (!d) {
        return;
    }
    free(d->agent);
    free(d->hostname);
    free(d);
}

void smtpd_set_down(struct smtpd *d, bool down)
{
    sim_listen_set_down(d->mw->sim, d->listener, down);
}
