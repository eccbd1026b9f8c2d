/* mua: composing, submitting, fetching and reading mail for one account. */
#include "mua.h"

#include "buf.h"
#include "message.h"
#include "pop3_client.h"
#include "session.h"
#include "smtp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How long the reader takes to open a fetched message: step 9 after step 8. */
#define MUA_READ_DELAY_US 1000000

struct mua_job {
    struct mua_outgoing out; /* first: the MUA's list of jobs holds these */
    struct mua *u;
    uint32_t conn;
    struct session *session;
    bool no_auth;
    char *password; /* NULL: the account's */
};

struct mua {
    struct agent base;
    struct account login; /* the account it sends and retrieves as */
    char *display_name;
    char *submit_host;
    char *pop_host;
    /* As given, with the default ports filled in; its strings were the caller's and are cleared
     * (the copies are above). */
    struct mua_config cfg;
    struct mua_outgoing *jobs; /* built but not yet finished: struct mua_job */
    struct mua_message *inbox;
    size_t ninbox, cap_inbox;
};

void mua_outgoing_push(struct mua_outgoing **list, struct mua_outgoing *o, struct agent *agent,
                       void (*free_job)(struct mua_outgoing *o))
{
    o->list = list;
    o->agent = agent;
    o->free_job = free_job;
    o->prev = NULL;
    o->next = *list;
    if (*list) {
        (*list)->prev = o;
    }
    *list = o;
}

void mua_outgoing_drop(struct mua_outgoing *o)
{
    if (o->prev) {
        o->prev->next = o->next;
    } else {
        *o->list = o->next;
    }
    if (o->next) {
        o->next->prev = o->prev;
    }
    free(o->mail);
    for (size_t i = 0; o->to && i < o->nto; i++) {
        free(o->to[i]);
    }
    free(o->to);
    free(o->data);
    if (o->free_job) {
        o->free_job(o);
    } else {
        free(o);
    }
}

void mua_outgoing_drop_all(struct mua_outgoing **list)
{
    while (*list) {
        mua_outgoing_drop(*list);
    }
}

static void mua_outgoing_end(struct sim_world *w, void *agent_ctx, struct session *s)
{
    (void)w;
    (void)s;
    mua_outgoing_drop(agent_ctx);
}

struct session *mua_outgoing_connect(struct mua_outgoing *o, const struct smtp_client_config *cfg,
                                     const struct smtp_client_hooks *hooks, const char *from,
                                     const char *server, uint16_t port)
{
    struct mail_world *mw = o->agent->mw;
    struct sim_world *w = mw->sim;
    struct smtp_client *c = smtp_client_new(cfg, hooks, o);
    if (!c) {
        abort();
    }
    smtp_client_add_mail(c, from, (const char *const *)o->to, o->nto, o->data, o->len);
    int h = sim_host_find(w, server);
    struct session *s =
        h >= 0 ? session_connect(w, o->agent->host, o->agent->id, sim_host_ip(w, h), port,
                                 &session_smtp_client_ops, c, o, mua_outgoing_end)
               : NULL;
    if (!s) {
        if (h < 0) {
            smtp_client_free(c); /* a session that cannot connect frees its engine itself */
        }
        trace_mail(mw->tr, sim_now(w), o->mail, "rejected", o->agent->id, 0);
        mua_outgoing_drop(o);
    }
    return s;
}

bool mua_outgoing_result(const struct mua_outgoing *o, const struct smtp_reply *r)
{
    struct mail_world *mw = o->agent->mw;
    bool ok = r->code >= 200 && r->code < 300;
    trace_mail(mw->tr, sim_now(mw->sim), o->mail, ok ? "submitted" : "rejected", o->agent->id,
               r->code);
    if (!ok) {
        mw->rejected++;
    }
    return ok;
}

void mua_outgoing_on_result(void *job, size_t mail, const struct smtp_reply *r)
{
    (void)mail;
    mua_outgoing_result(job, r);
}

static void mua_job_free(struct mua_outgoing *o)
{
    free(((struct mua_job *)o)->password);
    free(o);
}

static void mua_destroy(struct agent *a)
{
    struct mua *u = (struct mua *)a;
    mua_outgoing_drop_all(&u->jobs);
    for (size_t i = 0; i < u->ninbox; i++) {
        free(u->inbox[i].data);
        free(u->inbox[i].mail);
    }
    free(u->inbox);
    free(u->display_name);
    free(u->submit_host);
    free(u->pop_host);
}

static const struct agent_ops mua_ops = {"mua", "Thunderbird", mua_destroy, NULL};

struct mua *mua_new(struct mail_world *mw, const char *id, int host, const struct mua_config *cfg)
{
    const struct account *acct = mail_world_account(mw, cfg->user);
    if (!acct) {
        return NULL;
    }
    struct mua *u = agent_new(sizeof *u, &mua_ops, mw, id, host);
    u->login = *acct;
    u->display_name = mw_strdup(cfg->display_name ? cfg->display_name : "");
    u->submit_host = mw_strdup(cfg->submit_host ? cfg->submit_host : "");
    u->pop_host = mw_strdup(cfg->pop_host ? cfg->pop_host : "");
    u->cfg = *cfg;
    u->cfg.user = u->cfg.display_name = u->cfg.submit_host = u->cfg.pop_host = NULL;
    u->cfg.submit_port = cfg->submit_port                      ? cfg->submit_port
                         : cfg->submit_tls == MUA_TLS_IMPLICIT ? 465
                                                               : 587;
    u->cfg.pop_port = cfg->pop_port ? cfg->pop_port : cfg->pop_tls == MUA_TLS_IMPLICIT ? 995 : 110;
    mua_crypt_enroll(mw, id, u->cfg.e2e, u->login.address, u->display_name);
    return u;
}

/* ---- sending: step 1 ---- */

static uint32_t mua_host_ip(struct mua *u, const char *name, bool *found)
{
    int h = sim_host_find(u->base.mw->sim, name);
    *found = h >= 0;
    return h >= 0 ? sim_host_ip(u->base.mw->sim, h) : 0;
}

/* A client endpoint that checks the certificate names the server the user configured. */
static struct tls_endpoint *mua_tls(struct mua *u, const char *server_name)
{
    return tls_client_new(mail_world_tls_client(u->base.mw), server_name);
}

static int mua_submit_starttls(void *ctx)
{
    struct mua_job *j = ctx;
    session_starttls(j->session, mua_tls(j->u, j->u->submit_host));
    return 0;
}

static void mua_submit(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)arg;
    struct mua_job *j = ctx;
    struct mua *u = j->u;
    struct mail_world *mw = u->base.mw;
    struct smtp_client_config cfg = {0};
    const char *host_name = trace_string(mw->tr, mw->tr->hosts[u->base.host].name);
    cfg.ehlo_name = host_name;
    cfg.user = j->no_auth ? NULL : u->login.user;
    cfg.password = j->password ? j->password : u->login.password;
    cfg.mech = u->cfg.mech;
    cfg.want_pipelining = true;
    cfg.want_starttls = u->cfg.submit_tls == MUA_TLS_STARTTLS;
    cfg.require_tls = cfg.want_starttls;
    struct smtp_client_hooks hooks = {0};
    hooks.on_mail_result = mua_outgoing_on_result;
    hooks.on_starttls_ready = mua_submit_starttls;
    if (u->cfg.e2e != MUA_E2E_NONE) {
        /* Signed and encrypted in the sender's MUA, before the first hop: end to end. */
        struct buf msg = {0};
        buf_init(&msg, 0);
        if (buf_append(&msg, j->out.data, j->out.len) != 0) {
            abort();
        }
        if (mua_crypt_seal(mw, u->base.id, j->out.mail, u->cfg.e2e, u->login.address,
                           u->display_name, (const char *const *)j->out.to, j->out.nto,
                           &msg) == 0) {
            free(j->out.data);
            j->out.data = msg.data;
            j->out.len = msg.len;
        } else {
            buf_free(&msg);
        }
    }
    struct session *s = mua_outgoing_connect(&j->out, &cfg, &hooks, u->login.address,
                                             u->submit_host, u->cfg.submit_port);
    if (!s) {
        return;
    }
    j->conn = s->conn;
    j->session = s;
    if (u->cfg.submit_tls == MUA_TLS_IMPLICIT) {
        session_use_tls(s, mua_tls(u, u->submit_host));
    }
    trace_step(mw->tr, sim_now(w), 1, j->out.mail, u->base.id, s->conn);
}

int mua_send(struct mua *u, uint64_t at_us, const char *mail, const char *const *to, size_t nto,
             const char *subject, const char *body, char *err, size_t errlen)
{
    return mua_send_with(u, at_us, mail, to, nto, subject, body, NULL, err, errlen);
}

int mua_send_with(struct mua *u, uint64_t at_us, const char *mail, const char *const *to,
                  size_t nto, const char *subject, const char *body,
                  const struct mua_send_options *opt, char *err, size_t errlen)
{
    struct mail_world *mw = u->base.mw;
    char from[512], local[128], domain[256];
    if (u->display_name[0]) {
        snprintf(from, sizeof from, "%s <%s>", u->display_name, u->login.address);
    } else {
        snprintf(from, sizeof from, "%s", u->login.address);
    }
    const char *at = strrchr(u->login.address, '@');
    snprintf(domain, sizeof domain, "%s", at ? at + 1 : "localhost");
    /* A Message-ID unique in the world and stable across runs with the same seed. */
    snprintf(local, sizeof local, "%s.%08x", mail, (unsigned)rng_next(sim_rng(mw->sim)));
    struct message_spec spec = {0};
    spec.from = from;
    spec.to = to;
    spec.to_count = nto;
    spec.cc = opt ? opt->cc : NULL;
    spec.cc_count = opt && opt->cc ? opt->ncc : 0;
    spec.attachments = opt ? opt->attachments : NULL;
    spec.attachment_count = opt && opt->attachments ? opt->nattachments : 0;
    spec.subject = subject;
    spec.date = (time_t)(mw->epoch + (int64_t)(at_us / 1000000));
    spec.tz_minutes = mw->tz_minutes;
    spec.message_id_local = local;
    spec.message_id_domain = domain;
    spec.body = body;
    struct buf msg;
    buf_init(&msg, 0);
    enum message_error me = message_build(&spec, &msg);
    if (me != MESSAGE_OK) {
        snprintf(err, errlen, "cannot compose mail %s: %s", mail, message_error_name(me));
        buf_free(&msg);
        return -1;
    }
    char id[sizeof local + sizeof domain + 1];
    snprintf(id, sizeof id, "%s@%s", local, domain);
    mail_world_tag(mw, id, mail);
    struct mua_job *j = calloc(1, sizeof *j);
    if (!j) {
        abort();
    }
    j->u = u;
    j->out.mail = mw_strdup(mail);
    /* The envelope: every To:, Cc: and Bcc: recipient, once each, in that order. */
    size_t ncc = spec.cc_count, nbcc = opt && opt->bcc ? opt->nbcc : 0;
    j->out.to = calloc(nto + ncc + nbcc + 1, sizeof *j->out.to);
    if (!j->out.to) {
        abort();
    }
    for (size_t i = 0; i < nto + ncc + nbcc; i++) {
        const char *r = i < nto         ? to[i]
                        : i < nto + ncc ? opt->cc[i - nto]
                                        : opt->bcc[i - nto - ncc];
        bool seen = false;
        for (size_t k = 0; k < j->out.nto && !seen; k++) {
            seen = strcasecmp(j->out.to[k], r) == 0;
        }
        if (!seen) {
            j->out.to[j->out.nto++] = mw_strdup(r);
        }
    }
    j->out.data = msg.data; /* ownership moves to the job */
    j->out.len = msg.len;
    j->no_auth = opt && opt->no_auth;
    j->password = opt && opt->password ? mw_strdup(opt->password) : NULL;
    mua_outgoing_push(&u->jobs, &j->out, &u->base, mua_job_free);
    sim_schedule(mw->sim, at_us, mua_submit, j, 0);
    return 0;
}

/* ---- fetching and reading: steps 8 and 9 ---- */

static void mua_read(struct sim_world *w, void *ctx, uint64_t index)
{
    struct mua *u = ctx;
    struct mail_world *mw = u->base.mw;
    const char *mail = u->inbox[index].mail;
    mua_crypt_open(mw, u->base.id, mail, u->login.address, u->inbox[index].data,
                   u->inbox[index].len);
    /* RFC 3501 would set \Seen on the server; POP3 has no flags, so "read" lives in the MUA. */
    trace_step(mw->tr, sim_now(w), 9, mail, u->base.id, 0);
    trace_mail(mw->tr, sim_now(w), mail, "read", u->base.id, 0);
}

/* One retrieval session: the MUA and the session its STLS hook must upgrade. */
struct mua_fetch {
    struct mua *u;
    struct session *session;
};

static void mua_pop_message(void *ctx, size_t index, const uint8_t *data, size_t len)
{
    (void)index;
    struct mua *u = ((struct mua_fetch *)ctx)->u;
    struct mail_world *mw = u->base.mw;
    struct mua_message *m = BUF_PUSH(u->inbox, u->ninbox, u->cap_inbox, 8);
    m->data = malloc(len ? len : 1);
    if (!m->data) {
        abort();
    }
    memcpy(m->data, data, len);
    m->len = len;
    m->mail = mw_strdup(mail_world_mail_of(mw, data, len));
    uint64_t now = sim_now(mw->sim);
    trace_mail(mw->tr, now, m->mail, "retrieved", u->base.id, 0);
    mw->retrieved++;
    sim_schedule(mw->sim, now + MUA_READ_DELAY_US, mua_read, u, u->ninbox - 1);
}

static int mua_pop_stls(void *ctx)
{
    struct mua_fetch *f = ctx;
    session_starttls(f->session, mua_tls(f->u, f->u->pop_host));
    return 0;
}

static void mua_fetch_end(struct sim_world *w, void *agent_ctx, struct session *s)
{
    (void)w;
    (void)s;
    free(agent_ctx);
}

static void mua_pop_start(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)arg;
    struct mua *u = ctx;
    struct mua_fetch *f = calloc(1, sizeof *f);
    if (!f) {
        abort();
    }
    f->u = u;
    struct pop3_client_config cfg = {0};
    cfg.user = u->login.user;
    cfg.password = u->login.password;
    cfg.use_apop = u->cfg.apop;
    cfg.delete_after_retrieve = !u->cfg.keep_on_server;
    cfg.want_stls = u->cfg.pop_tls == MUA_TLS_STARTTLS;
    cfg.require_tls = cfg.want_stls;
    struct pop3_client_hooks hooks = {0};
    hooks.on_message = mua_pop_message;
    hooks.on_stls_ready = mua_pop_stls;
    struct pop3_client *c = pop3_client_new(&cfg, &hooks, f);
    if (!c) {
        abort();
    }
    bool found;
    uint32_t ip = mua_host_ip(u, u->pop_host, &found);
    if (!found) {
        pop3_client_free(c);
        free(f);
        return;
    }
    f->session =
        session_connect(w, u->base.host, u->base.id, ip, u->cfg.pop_ssh ? 22 : u->cfg.pop_port,
                        &session_pop3_client_ops, c, f, mua_fetch_end);
    if (!f->session) {
        free(f);
    } else if (u->cfg.pop_ssh) {
        /* ssh -L: the POP3 client talks to the forwarded port; SSH carries it to the server,
         * which hands it to its own POP3 service (localhost:110). */
        char err[256], dest[64];
        snprintf(dest, sizeof dest, "localhost:%u", (unsigned)u->cfg.pop_port);
        struct ssh_end *ssh = ssh_end_client_new(u->login.user, u->login.password, "localhost",
                                                 u->cfg.pop_port, err, sizeof err);
        if (!ssh) {
            fprintf(stderr, "mailsim: SSH client: %s\n", err);
            abort();
        }
        session_use_ssh(f->session, ssh, dest);
    } else if (u->cfg.pop_tls == MUA_TLS_IMPLICIT) {
        session_use_tls(f->session, mua_tls(u, u->pop_host));
    }
}

void mua_fetch(struct mua *u, uint64_t at_us)
{
    sim_schedule(u->base.mw->sim, at_us, mua_pop_start, u, 0);
}

size_t mua_inbox_count(const struct mua *u)
{
    return u->ninbox;
}

const struct mua_message *mua_inbox(const struct mua *u, size_t i)
{
    return i < u->ninbox ? &u->inbox[i] : NULL;
}
