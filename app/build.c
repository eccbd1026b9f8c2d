/* build: turning a checked scenario into agents in a simulated network. */
#include "build.h"

#include "story.h"

#include "dns.h"
#include "mda.h"
#include "message.h"
#include "mra.h"
#include "msa.h"
#include "mta.h"
#include "mua.h"
#include "sasl.h"
#include "mitm.h"
#include "sshd.h"
#include "sniffer.h"
#include "spammer.h"
#include "webform.h"

#include "avscan.h"
#include "zip.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct build_ctx {
    const struct scenario *sc;
    struct mail_world *mw;
    char *err;
    size_t errlen;
};

static int build_fail(struct build_ctx *b, const char *fmt, const char *a, const char *c)
{
    snprintf(b->err, b->errlen, fmt, a, c);
    return -1;
}

/* The scenario's agent called id, or NULL. */
static const struct scenario_agent *build_scenario_agent(const struct build_ctx *b, const char *id)
{
    for (size_t i = 0; id && i < b->sc->nagents; i++) {
        if (strcmp(b->sc->agents[i].id, id) == 0) {
            return &b->sc->agents[i];
        }
    }
    return NULL;
}

/* The agent built for id, when the scenario gives it role; else NULL. */
static struct agent *build_agent(struct build_ctx *b, const char *id, enum scenario_role role)
{
    const struct scenario_agent *sa = build_scenario_agent(b, id);
    return sa && sa->kind == role ? mail_world_find_agent(b->mw, id) : NULL;
}

/* The only agent of a role, when there is exactly one. */
static struct agent *build_only(struct build_ctx *b, enum scenario_role role)
{
    const struct scenario_agent *found = NULL;
    for (size_t i = 0; i < b->sc->nagents; i++) {
        if (b->sc->agents[i].kind == role) {
            if (found) {
                return NULL;
            }
            found = &b->sc->agents[i];
        }
    }
    return found ? mail_world_find_agent(b->mw, found->id) : NULL;
}

/* The agents' settings for the words of the lists in scenario.h, in the order of each list. The
 * second word of submit_tls and of pop_tls is the upgrade inside the connection (STARTTLS,
 * STLS), the third implicit TLS, so one table serves both. */
static const enum sasl_mech build_mechs[] = {SASL_MECH_PLAIN, SASL_MECH_LOGIN, SASL_MECH_CRAM_MD5};
static const enum mua_tls build_mua_tls[] = {MUA_TLS_NONE, MUA_TLS_STARTTLS, MUA_TLS_IMPLICIT};
static const enum mua_e2e build_e2e[] = {MUA_E2E_NONE, MUA_E2E_SMIME, MUA_E2E_PGP};
static const enum mta_tls_level build_smtp_tls[] = {MTA_TLS_NONE, MTA_TLS_MAY, MTA_TLS_ENCRYPT};
#define BUILD_ONE_PER_WORD(table, n) _Static_assert(sizeof table / sizeof table[0] == n, #table)
BUILD_ONE_PER_WORD(build_mechs, SCENARIO_MECH_COUNT);
BUILD_ONE_PER_WORD(build_mua_tls, SCENARIO_SUBMIT_TLS_COUNT);
BUILD_ONE_PER_WORD(build_mua_tls, SCENARIO_POP_TLS_COUNT);
BUILD_ONE_PER_WORD(build_e2e, SCENARIO_E2E_COUNT);
BUILD_ONE_PER_WORD(build_smtp_tls, SCENARIO_TLS_LEVEL_COUNT);

/* Postfix's smtpd parameters as the scenario gives them (Postfix's defaults filled in). */
static struct smtpd_settings build_smtpd(const struct scenario_agent *sa)
{
    struct smtpd_settings st = {0};
    st.helo_required = sa->smtpd_helo_required;
    st.strict_rfc821_envelopes = sa->strict_rfc821_envelopes;
    st.disable_vrfy_command = sa->disable_vrfy_command;
    st.reject_bare_newline = sa->mode.smtpd_forbid_bare_newline == SCENARIO_BARE_NEWLINE_REJECT;
    st.soft_error_limit = (unsigned)sa->smtpd_soft_error_limit;
    st.hard_error_limit = (unsigned)sa->smtpd_hard_error_limit;
    st.error_sleep_us = sa->smtpd_error_sleep_us;
    st.auth_failure_delay_us = sa->auth_failure_delay_us;
    return st;
}

static int build_mta(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct mta_config cfg = {0};
    cfg.role = sa->role;
    cfg.hostname = sa->hostname ? sa->hostname : sa->host;
    cfg.port = sa->no_listen ? 0 : (sa->port ? sa->port : 25);
    cfg.mydestination = (const char *const *)sa->mydestination;
    cfg.nmydestination = sa->nmydestination;
    cfg.relay_domains = (const char *const *)sa->relay_domains;
    cfg.nrelay_domains = sa->nrelay_domains;
    struct mta_transport *tp = calloc(sa->ntransports ? sa->ntransports : 1, sizeof *tp);
    if (!tp) {
        abort();
    }
    for (size_t i = 0; i < sa->ntransports; i++) {
        tp[i].domain = sa->transports[i].domain;
        tp[i].nexthop = sa->transports[i].nexthop;
    }
    cfg.transports = tp;
    cfg.ntransports = sa->ntransports;
    cfg.relayhost = sa->relayhost;
    cfg.policy.mynetworks = (const char *const *)sa->mynetworks;
    cfg.policy.nmynetworks = sa->nmynetworks;
    cfg.policy.permit_sasl_authenticated = sa->permit_sasl_authenticated;
    cfg.policy.reject_unauth_destination = sa->reject_unauth_destination;
    cfg.smtpd = build_smtpd(sa);
    cfg.policy.open_relay = sa->open_relay;
    cfg.mda = (struct mda *)build_agent(b, sa->mda, SCENARIO_ROLE_MDA);
    cfg.dns = (struct dns_agent *)(sa->dns ? build_agent(b, sa->dns, SCENARIO_ROLE_DNS)
                                           : build_only(b, SCENARIO_ROLE_DNS));
    cfg.relay_step = sa->relay_step;
    cfg.retry_us = sa->retry_us;
    cfg.max_attempts = sa->max_attempts;
    cfg.max_message_size = (size_t)sa->max_message_size;
    cfg.max_recipients = (size_t)sa->max_recipients;
    cfg.scan_eicar = sa->kind == SCENARIO_ROLE_FILTER;
    cfg.alert_encrypted = sa->alert_encrypted_archive;
    cfg.maillog = sa->maillog;
    cfg.smtpd_tls = sa->smtpd_tls;
    cfg.smtp_tls = build_smtp_tls[sa->mode.smtp_tls];
    if (!cfg.dns) {
        free(tp);
        return build_fail(b, "agent \"%s\": no dns agent to ask (add one with role dns)%s", sa->id,
                          "");
    }
    char why[256];
    struct mta *m = mta_new(b->mw, sa->id, host, &cfg, why, sizeof why);
    free(tp);
    if (!m) {
        return build_fail(b, "agent \"%s\": %s", sa->id, why);
    }
    return 0;
}

static int build_dns(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct dns_agent *d = dns_new(b->mw, sa->id, host);
    for (size_t i = 0; i < b->mw->tr->nhosts; i++) {
        dns_add_a(d, trace_string(b->mw->tr, b->mw->tr->hosts[i].name), b->mw->tr->hosts[i].ip);
    }
    for (size_t i = 0; i < sa->nmx; i++) {
        dns_add_mx(d, sa->mx[i].domain, sa->mx[i].preference, sa->mx[i].exchange);
    }
    return 0;
}

static int build_mda(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct mda *m = mda_new(b->mw, sa->id, host);
    for (size_t i = 0; i < sa->naliases; i++) {
        mda_add_alias(m, sa->aliases[i].name, (const char *const *)sa->aliases[i].members,
                      sa->aliases[i].nmembers);
    }
    return 0;
}

static int build_msa(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct msa_config cfg = {0};
    cfg.hostname = sa->hostname ? sa->hostname : sa->host;
    cfg.port = sa->port ? sa->port : 587;
    for (int m = 0; m < SCENARIO_MECH_COUNT; m++) {
        cfg.auth_mechs |= sa->auth_mechs & (1u << m) ? SASL_MECH_BIT(build_mechs[m]) : 0;
    }
    cfg.mta = (struct mta *)build_agent(b, sa->mta, SCENARIO_ROLE_MTA);
    cfg.no_auth_required = sa->no_auth_required;
    enum scenario_tls_level level = sa->mode.smtpd_tls_security_level;
    cfg.starttls = sa->starttls || level != SCENARIO_TLS_NONE;
    cfg.tls_required = level == SCENARIO_TLS_ENCRYPT;
    cfg.smtps = sa->smtps;
    cfg.tls_auth_only = sa->tls_auth_only;
    cfg.smtpd = build_smtpd(sa);
    if (!cfg.mta) {
        return build_fail(b, "agent \"%s\": \"%s\" is not an mta", sa->id, sa->mta);
    }
    if (!msa_new(b->mw, sa->id, host, &cfg)) {
        return build_fail(b, "agent \"%s\": port taken on %s", sa->id, sa->host);
    }
    return 0;
}

static int build_mra(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct mra_config cfg = {0};
    cfg.hostname = sa->hostname ? sa->hostname : sa->host;
    cfg.port = sa->port ? sa->port : 110;
    cfg.apop = sa->apop;
    cfg.allow_user_pass = !sa->no_user_pass;
    cfg.stls = sa->stls;
    cfg.pop3s = sa->pop3s;
    cfg.auth_failure_delay_us = sa->auth_failure_delay_us;
    cfg.mda = (struct mda *)build_agent(b, sa->mda, SCENARIO_ROLE_MDA);
    if (!cfg.mda) {
        return build_fail(b, "agent \"%s\": \"%s\" is not an mda", sa->id, sa->mda);
    }
    if (!mra_new(b->mw, sa->id, host, &cfg)) {
        return build_fail(b, "agent \"%s\": port taken on %s", sa->id, sa->host);
    }
    return 0;
}

static int build_mua(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct mua_config cfg = {0};
    cfg.user = sa->user;
    cfg.display_name = sa->display_name;
    cfg.submit_host = sa->submit_host;
    cfg.submit_port = sa->submit_port;
    cfg.mech = build_mechs[sa->mode.auth_mech];
    cfg.pop_host = sa->pop_host;
    cfg.pop_port = sa->pop_port;
    cfg.apop = sa->apop;
    cfg.keep_on_server = sa->keep_on_server;
    cfg.submit_tls = build_mua_tls[sa->mode.submit_tls];
    cfg.pop_tls = build_mua_tls[sa->mode.pop_tls];
    cfg.e2e = build_e2e[sa->mode.encrypt];
    cfg.pop_ssh = sa->mode.pop_tunnel == SCENARIO_TUNNEL_SSH;
    if (!mua_new(b->mw, sa->id, host, &cfg)) {
        return build_fail(b, "agent \"%s\": no account \"%s\"", sa->id, sa->user);
    }
    return 0;
}

static int build_spammer(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct spammer_config cfg = {sa->helo};
    spammer_new(b->mw, sa->id, host, &cfg);
    return 0;
}

static int build_webform(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct webform_config cfg = {0};
    cfg.user = sa->user;
    cfg.submit_host = sa->submit_host;
    cfg.submit_port = sa->submit_port;
    cfg.to = (const char *const *)sa->form_to;
    cfg.nto = sa->nform_to;
    cfg.reject_crlf = sa->reject_crlf;
    cfg.recipients_from_headers = sa->recipients_from_headers;
    if (!webform_new(b->mw, sa->id, host, &cfg)) {
        return build_fail(b, "agent \"%s\": no account \"%s\"", sa->id, sa->user);
    }
    return 0;
}

static int build_sshd(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct sshd_config cfg = {sa->port, sa->user, sa->forward_port};
    char why[256];
    if (!sshd_new(b->mw, sa->id, host, &cfg, why, sizeof why)) {
        return build_fail(b, "agent \"%s\": %s", sa->id, why);
    }
    return 0;
}

static int build_mitm(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    const struct scenario_tap *t = NULL;
    for (size_t i = 0; i < b->sc->ntaps && !t; i++) {
        t = strcmp(b->sc->taps[i].name, sa->at) == 0 ? &b->sc->taps[i] : NULL;
    }
    struct sim_world *w = b->mw->sim;
    int link = t ? sim_link_find(w, sim_host_find(w, t->a), sim_host_find(w, t->b)) : -1;
    if (link < 0 || !mitm_new(b->mw, sa->id, host, link)) {
        return build_fail(b, "agent \"%s\": no link at tap \"%s\"", sa->id, sa->at);
    }
    return 0;
}

static int build_sniffer(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    struct sniffer_config cfg = {(const char *const *)sa->dictionary, sa->ndictionary};
    sniffer_new(b->mw, sa->id, host, &cfg);
    return 0;
}

/* The content filter is an MTA that also scans what passes (mta_new reads its role). */
static int build_filter(struct build_ctx *b, const struct scenario_agent *sa, int host)
{
    return build_mta(b, sa, host);
}

/* What each role is built into: build_ and the role's word in SCENARIO_ROLES. */
typedef int (*build_role_fn)(struct build_ctx *b, const struct scenario_agent *sa, int host);
static const build_role_fn build_roles[] = {
#define BUILD_ROLE_ROW(id, word) [id] = build_##word,
    SCENARIO_ROLES(BUILD_ROLE_ROW)
#undef BUILD_ROLE_ROW
};

/* Agents are built after those they refer to: dns, then mda, then the mtas and filters an msa
 * hands mail to, then the rest. */
#define BUILD_LAST_STAGE 3
static int build_stage(enum scenario_role role)
{
    switch (role) {
    case SCENARIO_ROLE_DNS:
        return 0;
    case SCENARIO_ROLE_MDA:
        return 1;
    case SCENARIO_ROLE_MTA:
    case SCENARIO_ROLE_FILTER:
        return 2;
    default:
        return BUILD_LAST_STAGE;
    }
}

static int build_agent_one(struct build_ctx *b, const struct scenario_agent *sa)
{
    int host = sim_host_find(b->mw->sim, sa->host);
    if (host < 0) {
        return build_fail(b, "agent \"%s\": no host \"%s\"", sa->id, sa->host);
    }
    return build_roles[sa->kind](b, sa, host);
}

static void build_set_down(struct sim_world *w, void *ctx, uint64_t down)
{
    (void)w;
    struct agent *a = ctx;
    if (a->ops->set_down) {
        a->ops->set_down(a, down != 0);
    }
}

/* The ZIP archive of a send or spam, dated when it is sent (in the scenario's time zone). */
static int build_zip(struct build_ctx *b, const struct scenario_event *ev, struct buf *out)
{
    const struct scenario_zip *z = ev->zip;
    struct zip_file files[ZIP_MAX_ENTRIES];
    uint8_t eicar[AVSCAN_EICAR_LEN];
    avscan_eicar(eicar);
    size_t n = z->nfiles < ZIP_MAX_ENTRIES ? z->nfiles : ZIP_MAX_ENTRIES;
    for (size_t i = 0; i < n; i++) {
        files[i].name = z->files[i].name;
        files[i].data = z->files[i].eicar ? eicar : (const uint8_t *)z->files[i].text;
        files[i].len = z->files[i].eicar ? sizeof eicar : strlen(z->files[i].text);
    }
    time_t t =
        (time_t)(b->mw->epoch + (int64_t)(ev->at_us / 1000000) + (int64_t)b->mw->tz_minutes * 60);
    struct tm tm;
    struct zip_time when = {1980, 1, 1, 0, 0, 0};
    if (gmtime_r(&t, &tm)) {
        when = (struct zip_time){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                 tm.tm_hour,        tm.tm_min,     tm.tm_sec};
    }
    if (zip_build(files, n, z->password, &when, sim_rng(b->mw->sim), out) != 0) {
        return build_fail(b, "timeline: mail \"%s\": cannot build the zip \"%s\"", ev->mail,
                          z->name);
    }
    return 0;
}

static int build_send(struct build_ctx *b, const struct scenario_event *ev, struct mua *u)
{
    unsigned n = ev->repeat > 1 ? ev->repeat : 1;
    char *body = NULL;
    const char *text = ev->body ? ev->body : "";
    if (ev->body_bytes > strlen(text)) {
        /* Pad with lines of printable text, as a real 1 KiB message would have. */
        size_t want = (size_t)ev->body_bytes;
        body = malloc(want + 1);
        if (!body) {
            abort();
        }
        size_t len = strlen(text);
        memcpy(body, text, len);
        while (len < want) {
            size_t line = want - len > 72 ? 72 : want - len;
            for (size_t i = 0; i + 1 < line; i++) {
                body[len + i] = (char)('a' + (len + i) % 26);
            }
            body[len + line - 1] = '\n';
            len += line;
        }
        body[want] = 0;
        text = body;
    }
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        char mail[128];
        if (n == 1) {
            snprintf(mail, sizeof mail, "%s", ev->mail);
        } else {
            snprintf(mail, sizeof mail, "%s-%u", ev->mail, i + 1);
        }
        struct mua_send_options opt = {0};
        opt.no_auth = ev->no_auth;
        opt.password = ev->password;
        opt.cc = (const char *const *)ev->cc;
        opt.ncc = ev->ncc;
        opt.bcc = (const char *const *)ev->bcc;
        opt.nbcc = ev->nbcc;
        struct buf zip;
        buf_init(&zip, 0);
        struct message_attachment att = {0};
        if (ev->zip) {
            rc = build_zip(b, ev, &zip);
            att = (struct message_attachment){ev->zip->name, "application/zip", zip.data, zip.len};
            opt.attachments = &att;
            opt.nattachments = 1;
        }
        if (rc == 0) {
            rc = mua_send_with(u, ev->at_us + (uint64_t)i * ev->interval_us, mail,
                               (const char *const *)ev->to, ev->nto, ev->subject, text, &opt,
                               b->err, b->errlen);
        }
        buf_free(&zip);
    }
    free(body);
    return rc;
}

static int build_spam(struct build_ctx *b, const struct scenario_event *ev, struct agent *a)
{
    struct spam_spec spec = {0};
    spec.mail = ev->mail;
    spec.target = ev->target;
    spec.port = ev->port;
    spec.envelope_from = ev->from;
    spec.header_from = ev->header_from;
    spec.to = (const char *const *)ev->to;
    spec.nto = ev->nto;
    spec.subject = ev->subject;
    spec.body = ev->body ? ev->body : "";
    struct buf zip;
    buf_init(&zip, 0);
    struct message_attachment att = {0};
    if (ev->zip) {
        if (build_zip(b, ev, &zip) != 0) {
            buf_free(&zip);
            return -1;
        }
        att = (struct message_attachment){ev->zip->name, "application/zip", zip.data, zip.len};
        spec.attachments = &att;
        spec.nattachments = 1;
    }
    int rc = spammer_send((struct spammer *)a, ev->at_us, &spec, b->err, b->errlen);
    buf_free(&zip);
    return rc;
}

static int build_post(struct build_ctx *b, const struct scenario_event *ev, struct agent *a)
{
    struct webform_fields f = {ev->name, ev->email, ev->subject, ev->message};
    return webform_post((struct webform *)a, ev->at_us, ev->mail, &f, b->err, b->errlen);
}

/* The role the agent of each action plays; SCENARIO_ROLE_COUNT: any. The parser has checked
 * it, and it is checked again here because the casts to struct mua and the others trust it. */
static const enum scenario_role build_action_role[] = {
    [SCENARIO_SEND] = SCENARIO_ROLE_MUA,      [SCENARIO_FETCH] = SCENARIO_ROLE_MUA,
    [SCENARIO_DOWN] = SCENARIO_ROLE_COUNT,    [SCENARIO_UP] = SCENARIO_ROLE_COUNT,
    [SCENARIO_NOTE] = SCENARIO_ROLE_COUNT,    [SCENARIO_SPAM] = SCENARIO_ROLE_SPAMMER,
    [SCENARIO_CRACK] = SCENARIO_ROLE_SNIFFER, [SCENARIO_POST] = SCENARIO_ROLE_WEBFORM,
};

static int build_timeline(struct build_ctx *b)
{
    for (size_t i = 0; i < b->sc->ntimeline; i++) {
        const struct scenario_event *ev = &b->sc->timeline[i];
        /* The narration comes first: at the same moment, it is recorded before what it tells. */
        if (ev->note.ja && ev->note.en) {
            mail_world_note(b->mw, ev->at_us, ev->agent, ev->note.ja, ev->note.en);
        }
        if (ev->action == SCENARIO_NOTE) {
            continue;
        }
        struct agent *a = mail_world_find_agent(b->mw, ev->agent);
        if (!a) {
            return build_fail(b, "timeline: no agent \"%s\"%s", ev->agent, "");
        }
        enum scenario_role need = build_action_role[ev->action];
        if (need != SCENARIO_ROLE_COUNT && !build_agent(b, ev->agent, need)) {
            snprintf(b->err, b->errlen, "timeline: \"%s\" is a %s, not a %s", ev->agent,
                     a->ops->role, scenario_role_name(need));
            return -1;
        }
        switch (ev->action) {
        case SCENARIO_SEND:
        case SCENARIO_FETCH:
            if (ev->action == SCENARIO_FETCH) {
                mua_fetch((struct mua *)a, ev->at_us);
            } else if (build_send(b, ev, (struct mua *)a) != 0) {
                return -1;
            }
            break;
        case SCENARIO_DOWN:
        case SCENARIO_UP:
            if (!a->ops->set_down) {
                return build_fail(b, "timeline: \"%s\" (%s) has no service to stop", ev->agent,
                                  a->ops->role);
            }
            sim_schedule(b->mw->sim, ev->at_us, build_set_down, a,
                         ev->action == SCENARIO_DOWN ? 1 : 0);
            break;
        case SCENARIO_SPAM:
            if (build_spam(b, ev, a) != 0) {
                return -1;
            }
            break;
        case SCENARIO_CRACK:
            sniffer_crack((struct sniffer *)a, ev->at_us);
            break;
        case SCENARIO_POST:
            if (build_post(b, ev, a) != 0) {
                return -1;
            }
            break;
        case SCENARIO_NOTE:
            break;
        }
    }
    return 0;
}

/* POP before SMTP ties an MTA to an MRA, which is built after it. */
static int build_pop_before_smtp(struct build_ctx *b)
{
    for (size_t i = 0; i < b->sc->nagents; i++) {
        const struct scenario_agent *sa = &b->sc->agents[i];
        if (!sa->pop_mra) {
            continue;
        }
        struct mta *m = (struct mta *)build_agent(b, sa->id, SCENARIO_ROLE_MTA);
        struct mra *r = (struct mra *)build_agent(b, sa->pop_mra, SCENARIO_ROLE_MRA);
        if (!m || !r) {
            return build_fail(b, "agent \"%s\": pop_before_smtp needs an mta and an mra (\"%s\")",
                              sa->id, sa->pop_mra);
        }
        mta_set_pop_before_smtp(m, r, sa->pop_window_us);
    }
    return 0;
}

/* The sniffer that reads a tap: one that names it, or the only one when none names any. */
static struct sniffer *build_tap_reader(struct build_ctx *b, const char *tap)
{
    for (size_t i = 0; i < b->sc->nagents; i++) {
        const struct scenario_agent *sa = &b->sc->agents[i];
        bool reads = sa->kind == SCENARIO_ROLE_SNIFFER && sa->ntaps == 0;
        for (size_t k = 0; k < sa->ntaps; k++) {
            reads |= strcmp(sa->taps[k], tap) == 0;
        }
        if (reads) {
            return (struct sniffer *)build_agent(b, sa->id, SCENARIO_ROLE_SNIFFER);
        }
    }
    return NULL;
}

static int build_taps(struct build_ctx *b)
{
    struct sim_world *w = b->mw->sim;
    for (size_t i = 0; i < b->sc->ntaps; i++) {
        const struct scenario_tap *t = &b->sc->taps[i];
        int link = sim_link_find(w, sim_host_find(w, t->a), sim_host_find(w, t->b));
        struct sniffer *reader = build_tap_reader(b, t->name);
        if (link < 0 || sim_tap_add(w, t->name, link, reader ? sniffer_tap : NULL, reader) < 0) {
            return build_fail(b, "tap \"%s\": no link between %s", t->name, t->a);
        }
    }
    return 0;
}

struct mail_world *build_world(const struct scenario *sc, const struct build_options *opt,
                               struct trace *tr, char *err, size_t errlen)
{
    uint64_t seed = opt && opt->has_seed ? opt->seed : sc->seed;
    struct mail_world *mw = mail_world_new(seed, tr);
    if (!mw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (story_attach(mw, sc, err, errlen) != 0) {
        mail_world_free(mw);
        return NULL;
    }
    struct build_ctx b = {sc, mw, err, errlen};
    trace_set_title(tr, sc->id, sc->title.ja, sc->title.en);
    mw->epoch = sc->epoch;
    mw->tz_minutes = sc->tz_minutes;
    if (opt && opt->maildir) {
        mw->maildir_root = mw_strdup(opt->maildir);
    }
    if (opt && opt->keylog) {
        mail_world_set_keylog(mw, opt->keylog);
    }
    if (opt && opt->tls_name) {
        mw->tls_name = mw_strdup(opt->tls_name);
    }
    for (size_t i = 0; i < sc->nzones; i++) {
        int z = sim_zone_add(mw->sim, sc->zones[i].id, err, errlen);
        if (z < 0) {
            goto fail;
        }
        trace_set_zone_label(tr, (uint32_t)z, sc->zones[i].label.ja, sc->zones[i].label.en);
    }
    for (size_t i = 0; i < sc->nhosts; i++) {
        const struct scenario_host *h = &sc->hosts[i];
        int zone = -1;
        for (size_t z = 0; z < sc->nzones; z++) {
            if (strcmp(sc->zones[z].id, h->zone) == 0) {
                zone = (int)z;
            }
        }
        if (sim_host_add(mw->sim, h->name, zone, h->ip, err, errlen) < 0) {
            goto fail;
        }
    }
    for (size_t i = 0; i < sc->nhosts; i++) {
        if (sc->hosts[i].nat && sim_host_set_nat(mw->sim, sim_host_find(mw->sim, sc->hosts[i].name),
                                                 sim_host_find(mw->sim, sc->hosts[i].nat)) != 0) {
            snprintf(err, errlen, "host \"%s\": cannot sit behind \"%s\"", sc->hosts[i].name,
                     sc->hosts[i].nat);
            goto fail;
        }
    }
    for (size_t i = 0; i < sc->nlinks; i++) {
        const struct scenario_link *l = &sc->links[i];
        if (sim_link_add(mw->sim, sim_host_find(mw->sim, l->a), sim_host_find(mw->sim, l->b),
                         (uint32_t)l->latency_us, err, errlen) < 0) {
            goto fail;
        }
    }
    for (size_t i = 0; i < sc->naccounts; i++) {
        mail_world_add_account(mw, sc->accounts[i].user, sc->accounts[i].password,
                               sc->accounts[i].address);
    }
    for (int stage = 0; stage <= BUILD_LAST_STAGE; stage++) {
        for (size_t i = 0; i < sc->nagents; i++) {
            if (build_stage(sc->agents[i].kind) == stage &&
                build_agent_one(&b, &sc->agents[i]) != 0) {
                goto fail;
            }
        }
    }
    if (build_pop_before_smtp(&b) != 0 || build_taps(&b) != 0 ||
        (!(opt && opt->no_timeline) && build_timeline(&b) != 0)) {
        goto fail;
    }
    return mw;
fail:
    mail_world_free(mw);
    return NULL;
}
