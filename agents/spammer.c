/* spammer: forged mail sent straight to another organisation's SMTP server. */
#include "spammer.h"

#include "buf.h"
#include "message.h"
#include "session.h"
#include "smtp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct spam_job {
    struct spammer *s;
    char *mail;
    char *target;
    uint16_t port;
    char *from;
    char **to;
    size_t nto;
    uint8_t *data;
    size_t len;
    struct spam_job *next, *prev;
};

struct spammer {
    struct agent base;
    char *helo;
    struct spam_job *jobs;
};

static void spam_job_free(struct spam_job *j)
{
    free(j->mail);
    free(j->target);
    free(j->from);
    for (size_t i = 0; i < j->nto; i++) {
        free(j->to[i]);
    }
    free(j->to);
    free(j->data);
    free(j);
}

static void spam_job_drop(struct spam_job *j)
{
    if (j->prev) {
        j->prev->next = j->next;
    } else {
        j->s->jobs = j->next;
    }
    if (j->next) {
        j->next->prev = j->prev;
    }
    spam_job_free(j);
}

static void spammer_destroy(struct agent *a)
{
    struct spammer *s = (struct spammer *)a;
    while (s->jobs) {
        struct spam_job *j = s->jobs;
        s->jobs = j->next;
        spam_job_free(j);
    }
    free(s->helo);
    agent_fini(a);
    free(s);
}

/* swaks is what an administrator uses to test a server for open relaying; a spam bot sends the
 * same bytes. */
static const struct agent_ops spammer_ops = {"spammer", "swaks", spammer_destroy, NULL};

struct spammer *spammer_new(struct mail_world *mw, const char *id, int host,
                            const struct spammer_config *cfg)
{
    struct spammer *s = calloc(1, sizeof *s);
    if (!s) {
        abort();
    }
    agent_init(&s->base, &spammer_ops, mw, id, host);
    mail_world_add_agent(mw, &s->base);
    const char *name = trace_string(mw->tr, mw->tr->hosts[host].name);
    s->helo = mw_strdup(cfg && cfg->helo ? cfg->helo : name);
    return s;
}

static void spammer_result(void *ctx, size_t mail, const struct smtp_reply *r)
{
    (void)mail;
    struct spam_job *j = ctx;
    struct mail_world *mw = j->s->base.mw;
    bool ok = r->code >= 200 && r->code < 300;
    trace_mail(mw->tr, sim_now(mw->sim), j->mail, ok ? "submitted" : "rejected", j->s->base.id,
               r->code);
    if (!ok) {
        mw->rejected++;
    }
}

static void spammer_end(struct sim_world *w, void *agent_ctx, struct session *s)
{
    (void)w;
    (void)s;
    spam_job_drop(agent_ctx);
}

static void spammer_start(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)arg;
    struct spam_job *j = ctx;
    struct spammer *s = j->s;
    struct mail_world *mw = s->base.mw;
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = s->helo;
    cfg.want_pipelining = true;
    struct smtp_client_hooks hooks = {0};
    hooks.on_mail_result = spammer_result;
    struct smtp_client *c = smtp_client_new(&cfg, &hooks, j);
    if (!c) {
        abort();
    }
    smtp_client_add_mail(c, j->from, (const char *const *)j->to, j->nto, j->data, j->len);
    int h = sim_host_find(w, j->target);
    struct session *sess =
        h >= 0 ? session_connect(w, s->base.host, s->base.id, sim_host_ip(w, h), j->port,
                                 &session_smtp_client_ops, c, j, spammer_end)
               : NULL;
    if (!sess) {
        if (h < 0) {
            smtp_client_free(c);
        }
        trace_mail(mw->tr, sim_now(w), j->mail, "rejected", s->base.id, 0);
        spam_job_drop(j);
    }
}

int spammer_send(struct spammer *s, uint64_t at_us, const struct spam_spec *spec, char *err,
                 size_t errlen)
{
    struct mail_world *mw = s->base.mw;
    const char *from = spec->header_from ? spec->header_from : spec->envelope_from;
    const char *at = strrchr(spec->envelope_from, '@');
    char local[128], domain[256];
    snprintf(domain, sizeof domain, "%s", at ? at + 1 : "localhost");
    snprintf(local, sizeof local, "%s.%08x", spec->mail, (unsigned)rng_next(sim_rng(mw->sim)));
    struct message_spec ms = {0};
    ms.from = from;
    ms.to = spec->to;
    ms.to_count = spec->nto;
    ms.subject = spec->subject;
    ms.date = (time_t)(mw->epoch + (int64_t)(at_us / 1000000));
    ms.tz_minutes = mw->tz_minutes;
    ms.message_id_local = local;
    ms.message_id_domain = domain;
    ms.body = spec->body;
    ms.attachments = spec->attachments;
    ms.attachment_count = spec->attachments ? spec->nattachments : 0;
    struct buf msg;
    buf_init(&msg, 0);
    enum message_error me = message_build(&ms, &msg);
    if (me != MESSAGE_OK) {
        snprintf(err, errlen, "cannot compose mail %s: %s", spec->mail, message_error_name(me));
        buf_free(&msg);
        return -1;
    }
    char id[sizeof local + sizeof domain + 1];
    snprintf(id, sizeof id, "%s@%s", local, domain);
    mail_world_tag(mw, id, spec->mail);
    struct spam_job *j = calloc(1, sizeof *j);
    if (!j) {
        abort();
    }
    j->s = s;
    j->mail = mw_strdup(spec->mail);
    j->target = mw_strdup(spec->target);
    j->port = spec->port ? spec->port : 25;
    j->from = mw_strdup(spec->envelope_from);
    j->to = calloc(spec->nto ? spec->nto : 1, sizeof *j->to);
    if (!j->to) {
        abort();
    }
    for (size_t i = 0; i < spec->nto; i++) {
        j->to[i] = mw_strdup(spec->to[i]);
    }
    j->nto = spec->nto;
    j->data = msg.data; /* ownership moves to the job */
    j->len = msg.len;
    j->next = s->jobs;
    if (s->jobs) {
        s->jobs->prev = j;
    }
    s->jobs = j;
    sim_schedule(mw->sim, at_us, spammer_start, j, 0);
    return 0;
}
