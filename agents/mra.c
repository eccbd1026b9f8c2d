/* mra: POP3 service over an MDA's mailboxes, one pop3_server engine per connection. */
#include "mra.h"

#include "buf.h"
#include "pop3_server.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A successful login, for POP before SMTP: the client address and the last time. */
struct mra_login {
    uint32_t ip;
    uint64_t at;
};

struct mra {
    struct agent base;
    char *hostname;
    bool apop;
    bool allow_user_pass;
    struct mda *mda;
    int listener;
    int listener_tls; /* 995, or -1 */
    bool stls;
    uint64_t auth_failure_delay_us;
    struct mra_login *logins; /* one per client address */
    size_t nlogins, cap_logins;
    bool trace_logins;
};

struct mra_conn {
    struct mra *mra;
    struct session *session;
    uint32_t conn;
    struct mailbox *box;
    struct pop3_message *view; /* what the engine sees; points into the mailbox */
    char user[256];
    uint32_t client_ip; /* as the server saw it (a NAT's address when there was one) */
};

static void mra_destroy(struct agent *a)
{
    struct mra *m = (struct mra *)a;
    free(m->hostname);
    free(m->logins);
}

static void mra_set_down(struct agent *a, bool down)
{
    struct mra *m = (struct mra *)a;
    sim_listen_set_down(a->mw->sim, m->listener, down);
    if (m->listener_tls >= 0) {
        sim_listen_set_down(a->mw->sim, m->listener_tls, down);
    }
}

static const struct agent_ops mra_ops = {"mra", "Dovecot", mra_destroy, mra_set_down};

static void mra_on_state(void *ctx, enum pop3_server_state old_state,
                         enum pop3_server_state new_state)
{
    (void)old_state;
    struct mra_conn *c = ctx;
    struct mail_world *mw = c->mra->base.mw;
    trace_state(mw->tr, sim_now(mw->sim), c->mra->base.id, "pop3-server",
                pop3_server_state_name(new_state), c->conn);
}

static bool mra_check_password(void *ctx, const char *user, const char *pass)
{
    struct mra_conn *c = ctx;
    const struct account *a = mail_world_account(c->mra->base.mw, user);
    return a && strcmp(a->password, pass) == 0;
}

static const char *mra_get_apop_secret(void *ctx, const char *user)
{
    struct mra_conn *c = ctx;
    const struct account *a = mail_world_account(c->mra->base.mw, user);
    return a ? a->password : NULL;
}

static void mra_remember_login(struct mra *m, uint32_t ip, uint64_t now)
{
    for (size_t i = 0; i < m->nlogins; i++) {
        if (m->logins[i].ip == ip) {
            m->logins[i].at = now;
            return;
        }
    }
    struct mra_login *l = BUF_PUSH(m->logins, m->nlogins, m->cap_logins, 8);
    l->ip = ip;
    l->at = now;
}

static void mra_on_auth_result(void *ctx, const char *mech, const char *user, bool ok)
{
    struct mra_conn *c = ctx;
    struct mra *m = c->mra;
    struct mail_world *mw = m->base.mw;
    uint64_t now = sim_now(mw->sim);
    trace_auth(mw->tr, now, m->base.id, user, mech, ok, c->conn);
    if (ok) {
        mra_remember_login(m, c->client_ip, now);
        if (m->trace_logins) {
            trace_policy(mw->tr, now, m->base.id, "pop_before_smtp", "open", 0, c->conn);
        }
    }
}

bool mra_last_login(const struct mra *m, uint32_t ip, uint64_t *at_us)
{
    for (size_t i = 0; i < m->nlogins; i++) {
        if (m->logins[i].ip == ip) {
            *at_us = m->logins[i].at;
            return true;
        }
    }
    return false;
}

void mra_open_relay_windows(struct mra *m)
{
    m->trace_logins = true;
}

static bool mra_open_maildrop(void *ctx, const char *user, struct pop3_maildrop *out)
{
    struct mra_conn *c = ctx;
    struct mailbox *box = mda_mailbox(c->mra->mda, user);
    if (!box || box->locked) {
        return false;
    }
    c->view = calloc(box->n ? box->n : 1, sizeof *c->view);
    if (!c->view) {
        return false;
    }
    for (size_t i = 0; i < box->n; i++) {
        c->view[i].data = box->msgs[i].data;
        c->view[i].len = box->msgs[i].len;
        c->view[i].uid = box->msgs[i].uid;
    }
    box->locked = true;
    c->box = box;
    snprintf(c->user, sizeof c->user, "%s", user);
    out->messages = c->view;
    out->count = box->n;
    return true;
}

static bool mra_commit(void *ctx, const char *user, const bool *deleted, size_t n)
{
    (void)user;
    struct mra_conn *c = ctx;
    return c->box && mda_expunge(c->mra->mda, c->box, deleted, n) == 0;
}

static void mra_close_maildrop(void *ctx, const char *user)
{
    (void)user;
    struct mra_conn *c = ctx;
    if (c->box) {
        c->box->locked = false;
        c->box = NULL;
    }
    free(c->view);
    c->view = NULL;
}

/* Step 8 is the MRA sending a message: mark it as RETR starts, so that the message is seen
 * travelling under step 8's narration. A bad number is left to the engine to refuse. */
static const char *mra_policy(void *ctx, const char *command, const char *args)
{
    struct mra_conn *c = ctx;
    if (strcasecmp(command, "RETR") != 0 || !c->box) {
        return NULL;
    }
    char *end;
    unsigned long n = strtoul(args, &end, 10);
    if (end != args && *end == 0 && n >= 1 && n <= c->box->n) {
        struct mail_world *mw = c->mra->base.mw;
        trace_step(mw->tr, sim_now(mw->sim), 8, c->box->msgs[n - 1].mail, c->mra->base.id, c->conn);
    }
    return NULL;
}

static void mra_session_end(struct sim_world *w, void *agent_ctx, struct session *s)
{
    (void)w;
    (void)s;
    free(agent_ctx);
}

static bool mra_on_stls(void *ctx)
{
    struct mra_conn *c = ctx;
    struct mra *m = c->mra;
    session_starttls(c->session, tls_server_new(mail_world_tls_server(m->base.mw, m->base.host)));
    return true;
}

static bool mra_accept_any(struct sim_world *w, struct mra *m, uint32_t conn,
                           struct sim_endpoint *ep, bool implicit_tls)
{
    struct mra_conn *c = calloc(1, sizeof *c);
    if (!c) {
        return false;
    }
    c->mra = m;
    c->conn = conn;
    c->client_ip = trace_conn_seen_ip(m->base.mw->tr, trace_conn_get(m->base.mw->tr, conn));
    /* RFC 1939 §7: the timestamp "MUST be different each time the POP3 server issues a banner
     * greeting": from the seeded RNG in a scripted run (reproducible), from the operating
     * system in live mode (a restart must not repeat it). */
    (void)w;
    char stamp[300];
    mail_world_challenge(m->base.mw, m->hostname, stamp, sizeof stamp);
    struct pop3_server_config cfg = {0};
    cfg.hostname = m->hostname;
    cfg.apop_timestamp = m->apop ? stamp : NULL;
    cfg.allow_user_pass = m->allow_user_pass;
    cfg.tls_available = m->stls && !implicit_tls;
    cfg.auth_failure_delay_us = m->auth_failure_delay_us;
    static const struct pop3_server_hooks hooks = {.on_stls = mra_on_stls,
                                                   .on_state = mra_on_state,
                                                   .check_password = mra_check_password,
                                                   .get_apop_secret = mra_get_apop_secret,
                                                   .on_auth_result = mra_on_auth_result,
                                                   .open_maildrop = mra_open_maildrop,
                                                   .commit = mra_commit,
                                                   .close_maildrop = mra_close_maildrop,
                                                   .policy = mra_policy};
    struct pop3_server *engine = pop3_server_new(&cfg, &hooks, c);
    if (!engine) {
        free(c);
        return false;
    }
    struct tls_endpoint *tls = NULL;
    if (implicit_tls) {
        tls = tls_server_new(mail_world_tls_server(m->base.mw, m->base.host));
        if (!tls) {
            pop3_server_free(engine);
            free(c);
            return false;
        }
    }
    c->session =
        session_accept_tls(w, conn, &session_pop3_server_ops, engine, c, mra_session_end, tls, ep);
    if (!c->session) {
        free(c);
        return false;
    }
    return true;
}

static bool mra_accept(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    return mra_accept_any(w, ctx, conn, ep, false);
}

/* POP3S: the same service, TLS from the first byte. */
static bool mra_accept_tls(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    return mra_accept_any(w, ctx, conn, ep, true);
}

struct mra *mra_new(struct mail_world *mw, const char *id, int host, const struct mra_config *cfg)
{
    struct mra *m = agent_new(sizeof *m, &mra_ops, mw, id, host);
    m->hostname = mw_strdup(cfg->hostname);
    m->apop = cfg->apop;
    m->allow_user_pass = cfg->allow_user_pass;
    m->mda = cfg->mda;
    m->stls = cfg->stls;
    m->auth_failure_delay_us = cfg->auth_failure_delay_us;
    m->listener_tls = -1;
    m->listener = sim_listen(mw->sim, host, cfg->port ? cfg->port : 110, "pop3", id, mra_accept, m);
    if (m->listener < 0) {
        return NULL;
    }
    if (cfg->pop3s) {
        m->listener_tls = sim_listen(mw->sim, host, 995, "pop3s", id, mra_accept_tls, m);
        if (m->listener_tls < 0) {
            return NULL;
        }
    }
    return m;
}
