/* smtpd: the receiving side of SMTP for the MSA and the MTA. */
#include "smtpd.h"

#include "avscan.h"

#include "buf.h"
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
    /* As given, with the defaults filled in; its strings were the caller's and are cleared (agent
     * and hostname are the copies above). */
    struct smtpd_config cfg;
    char *myorigin; /* $mydomain: the host name without its first label */
    uint64_t sessions;
};

struct smtpd_conn {
    struct smtpd *d;
    struct session *session;
    uint32_t conn;
    uint32_t client_ip;
};

/* Postfix names the submission service's smtpd by its master.cf entry. */
static const char *smtpd_program(const struct smtpd *d)
{
    return d->cfg.submission ? "postfix/submission/smtpd" : "postfix/smtpd";
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

/* Postfix's "NOQUEUE: reject:" line, the one an administrator greps for: who (client), claiming
 * to be whom (from), tried to reach whom (to). */
static void smtpd_log_reject(struct smtpd_conn *c, const struct smtp_envelope *env,
                             const char *verb, const char *rcpt, const struct smtp_reply *reply)
{
    struct smtpd *d = c->d;
    if (!d->cfg.maillog) {
        return;
    }
    char client[300], from[SMTP_PATH_MAX + 16] = "", helo[SMTP_COMMAND_LINE_MAX + 16] = "";
    maillog_client(d->mw, c->conn, client, sizeof client);
    if (env->has_mail) {
        snprintf(from, sizeof from, "from=<%s> ", env->mail_from);
    }
    if (env->helo[0]) {
        snprintf(helo, sizeof helo, " helo=<%s>", env->helo);
    }
    maillog_line(d->mw, d->agent, d->hostname, smtpd_program(d), c->conn,
                 "NOQUEUE: reject: %s from %s: %d %s %s; %sto=<%s> proto=%s%s", verb, client,
                 reply->code, reply->enhanced, reply->text, from, rcpt,
                 env->esmtp ? "ESMTP" : "SMTP", helo);
}

/* Postfix's smtpd_check_rcpt(), which RCPT and VRFY share: the relay restrictions, then the
 * local recipient table. Records each decision (trace kind policy). */
static bool smtpd_check_recipient(struct smtpd_conn *c, const struct smtp_envelope *env,
                                  const char *verb, const char *rcpt, struct smtp_reply *reply)
{
    struct smtpd *d = c->d;
    /* Postfix: "XXX 2821: Section 3.6 requires that "postmaster" be accepted even when specified
     * without a fully qualified domain name." RFC 5321 §4.5.1: "RCPT TO:<Postmaster>" "MUST be
     * supported". */
    if (strcasecmp(rcpt, "postmaster") == 0) {
        return true;
    }
    if (d->cfg.submission) {
        /* RFC 6409 §4.3: an MSA must refuse mail from a session that has not authenticated.
         * Debian's submission template in master.cf does it at RCPT time with
         * smtpd_relay_restrictions = permit_sasl_authenticated, reject: MAIL FROM gets 250, each
         * recipient "554 5.7.1 <addr>: Recipient address rejected: Access denied". */
        if (env->authenticated) {
            trace_policy(d->mw->tr, smtpd_now(c), d->agent, "permit_sasl_authenticated", "permit",
                         250, c->conn);
            return true;
        }
        if (d->cfg.submission_open) {
            /* The misconfiguration: a submission port that takes mail from anyone, for
             * anywhere (smtpd_relay_restrictions = permit). */
            trace_policy(d->mw->tr, smtpd_now(c), d->agent, "submission_open", "permit", 250,
                         c->conn);
            return true;
        }
        smtp_reply_set(reply, 554, "5.7.1", "<%s>: Recipient address rejected: Access denied",
                       rcpt);
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, "reject", "reject", 554, c->conn);
        smtpd_log_reject(c, env, verb, rcpt, reply);
        return false;
    }
    struct smtpd_relay_decision v;
    bool ok = d->cfg.backend.relay_allowed(d->cfg.backend.ctx, c->client_ip, env->authenticated,
                                           rcpt, &v);
    if (v.pop_expired) {
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, "pop_before_smtp", "expired", 0, c->conn);
    }
    if (!ok) {
        /* Postfix >= 2.10 ends smtpd_relay_restrictions with defer_unauth_destination: "454
         * 4.7.1 <addr>: Relay access denied", a temporary refusal; the classic
         * reject_unauth_destination says 554 5.7.1. */
        if (v.defer) {
            smtp_reply_set(reply, 454, "4.7.1", "<%s>: Relay access denied", rcpt);
        } else {
            smtp_reply_set(reply, 554, "5.7.1", "<%s>: Relay access denied", rcpt);
        }
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, v.rule, v.defer ? "defer" : "reject",
                     reply->code, c->conn);
        smtpd_log_reject(c, env, verb, rcpt, reply);
        return false;
    }
    trace_policy(d->mw->tr, smtpd_now(c), d->agent, v.rule, "permit", 250, c->conn);
    if (d->cfg.backend.is_local_domain(d->cfg.backend.ctx, smtp_path_domain_of(rcpt)) &&
        !d->cfg.backend.local_user_exists(d->cfg.backend.ctx, rcpt)) {
        /* smtpd_reject_unlisted_recipient = yes (Postfix's default) with local_recipient_maps. */
        smtp_reply_set(reply, 550, "5.1.1",
                       "<%s>: Recipient address rejected: User unknown in local recipient table",
                       rcpt);
        trace_policy(d->mw->tr, smtpd_now(c), d->agent, "local_recipient_maps", "reject", 550,
                     c->conn);
        smtpd_log_reject(c, env, verb, rcpt, reply);
        return false;
    }
    return true;
}

static bool smtpd_on_rcpt(void *ctx, const struct smtp_envelope *env, const char *forward_path,
                          struct smtp_reply *reply)
{
    return smtpd_check_recipient(ctx, env, "RCPT", forward_path, reply);
}

/* VRFY goes through the same checks as RCPT (Postfix: "we must parse out the address ... or we
 * lose the opportunity to say "user unknown" at the SMTP port"): with disable_vrfy_command = no,
 * an outsider learns which local users exist. */
static bool smtpd_on_vrfy(void *ctx, const struct smtp_envelope *env, const char *address,
                          struct smtp_reply *reply)
{
    return smtpd_check_recipient(ctx, env, "VRFY", address, reply);
}

/* Live mode's CRAM-MD5 challenge (RFC 2195 §2: "The data encoded in the first ready response
 * contains an presumptively arbitrary string of random digits, a timestamp, and the
 * fully-qualified primary host name of the server"), from the operating system's randomness. */
static void smtpd_make_challenge(void *ctx, char *out, size_t cap)
{
    struct smtpd_conn *c = ctx;
    mail_world_challenge(c->d->mw, c->d->hostname, out, cap);
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
        if (fresh && d->cfg.submission) {
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
    struct avscan_result scan = {0};
    if (d->cfg.scan_eicar) {
        avscan_message(data, len, d->cfg.alert_encrypted, &scan);
    }
    if (d->cfg.scan_eicar && scan.verdict == AVSCAN_INFECTED) {
        /* amavisd-new's wording for a virus found at the SMTP stage. */
        smtp_reply_set(reply, 554, "5.7.0", "Reject, id=%s - INFECTED: %s", d->agent, scan.name);
        trace_policy(mw->tr, smtpd_now(c), d->agent, "content_filter", "reject", 554, c->conn);
        trace_mail(mw->tr, smtpd_now(c), mail, "rejected", d->agent, 554);
        mw->rejected++;
        return false;
    }
    if (d->cfg.scan_eicar) {
        /* "unchecked": nothing found, but an encrypted archive was passed on unread (amavisd-new
         * calls mail it could not fully examine UNCHECKED). */
        trace_policy(mw->tr, smtpd_now(c), d->agent, "content_filter",
                     scan.verdict == AVSCAN_UNCHECKED ? "unchecked" : "clean", 250, c->conn);
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
    if (d->cfg.submission) {
        trace_step(mw->tr, smtpd_now(c), 2, mail, d->agent, c->conn);
    }
    if (d->cfg.maillog) {
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
    /* A bare <Postmaster> gets @myorigin, as trivial-rewrite gives it in Postfix. */
    char **rcpts = calloc(env->nrcpt ? env->nrcpt : 1, sizeof *rcpts);
    if (!rcpts) {
        abort();
    }
    for (size_t i = 0; i < env->nrcpt; i++) {
        rcpts[i] = strchr(env->rcpt[i], '@') ? mw_strdup(env->rcpt[i]) : NULL;
        if (!rcpts[i]) {
            size_t n = strlen(env->rcpt[i]) + strlen(d->myorigin) + 2;
            rcpts[i] = malloc(n);
            if (!rcpts[i]) {
                abort();
            }
            snprintf(rcpts[i], n, "%s@%s", env->rcpt[i], d->myorigin);
        }
    }
    d->cfg.backend.enqueue(d->cfg.backend.ctx, qid, mail, env->mail_from,
                           (const char *const *)rcpts, env->nrcpt, &msg);
    for (size_t i = 0; i < env->nrcpt; i++) {
        free(rcpts[i]);
    }
    free(rcpts);
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
    cfg.max_message_size = d->cfg.max_message_size;
    cfg.max_recipients = d->cfg.max_recipients;
    cfg.max_errors = d->cfg.settings.hard_error_limit;
    cfg.soft_error_limit = d->cfg.settings.soft_error_limit;
    cfg.error_sleep_us = d->cfg.settings.error_sleep_us;
    cfg.auth_failure_delay_us = d->cfg.settings.auth_failure_delay_us;
    cfg.helo_required = d->cfg.settings.helo_required;
    cfg.strict_rfc821_envelopes = d->cfg.settings.strict_rfc821_envelopes;
    cfg.disable_vrfy = d->cfg.settings.disable_vrfy_command;
    cfg.reject_bare_lf = d->cfg.settings.reject_bare_newline;
    cfg.myorigin = d->myorigin;
    cfg.auth_mechs = d->cfg.auth_mechs;
    cfg.session_id = (unsigned long)++d->sessions;
    cfg.tls_available = (d->cfg.starttls || d->cfg.tls_required) && !d->cfg.wrappermode;
    cfg.tls_active = d->cfg.wrappermode;
    cfg.tls_required = d->cfg.tls_required && !d->cfg.wrappermode;
    cfg.auth_requires_tls = d->cfg.tls_auth_only;
    struct smtp_server_hooks hooks = {.on_starttls = smtpd_on_starttls,
                                      .on_state = smtpd_on_state,
                                      .on_auth = smtpd_on_auth,
                                      .get_secret = smtpd_get_secret,
                                      .on_auth_result = smtpd_on_auth_result,
                                      .on_rcpt = smtpd_on_rcpt,
                                      .on_vrfy = smtpd_on_vrfy,
                                      .on_message = smtpd_on_message};
    if (d->mw->os_random) {
        hooks.make_challenge = smtpd_make_challenge; /* else the engine's, from session_id */
    }
    struct smtp_server *engine = smtp_server_new(&cfg, &hooks, c);
    if (!engine) {
        free(c);
        return false;
    }
    struct tls_endpoint *tls = NULL;
    if (d->cfg.wrappermode) {
        tls = tls_server_new(mail_world_tls_server(d->mw, d->host));
        if (!tls) {
            smtp_server_free(engine);
            free(c);
            return false;
        }
    }
    c->session = session_accept_tls(w, conn, &session_smtp_server_ops, engine, c, smtpd_session_end,
                                    tls, ep);
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
    d->cfg = *cfg;
    d->cfg.agent = d->cfg.hostname = d->cfg.proto = NULL;
    d->cfg.max_message_size = cfg->max_message_size ? cfg->max_message_size : 10240000;
    d->cfg.max_recipients = cfg->max_recipients ? cfg->max_recipients : 1000;
    /* myorigin = $mydomain, the usual setting for a domain's servers: mail.a.example gives
     * a.example. */
    const char *dot = strchr(d->hostname, '.');
    d->myorigin = mw_strdup(dot && strchr(dot + 1, '.') ? dot + 1 : d->hostname);
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
    free(d->myorigin);
    free(d);
}

void smtpd_set_down(struct smtpd *d, bool down)
{
    sim_listen_set_down(d->mw->sim, d->listener, down);
}
