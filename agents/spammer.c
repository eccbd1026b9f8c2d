/* spammer: forged mail sent straight to another organisation's SMTP server. */
#include "spammer.h"

#include "buf.h"
#include "message.h"
#include "mua.h"
#include "session.h"
#include "smtp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct spam_job {
    struct mua_outgoing out; /* first: the spammer's list of jobs holds these */
    struct spammer *s;
    char *target;
    uint16_t port;
    char *from;
};

struct spammer {
    struct agent base;
    char *helo;
    struct mua_outgoing *jobs; /* struct spam_job */
};

static void spam_job_free(struct mua_outgoing *o)
{
    struct spam_job *j = (struct spam_job *)o;
    free(j->target);
    free(j->from);
    free(j);
}

static void spammer_destroy(struct agent *a)
{
    struct spammer *s = (struct spammer *)a;
    mua_outgoing_drop_all(&s->jobs);
    free(s->helo);
}

/* swaks is what an administrator uses to test a server for open relaying; a spam bot sends the
 * same bytes. */
static const struct agent_ops spammer_ops = {"spammer", "swaks", spammer_destroy, NULL};

struct spammer *spammer_new(struct mail_world *mw, const char *id, int host,
                            const struct spammer_config *cfg)
{
    struct spammer *s = agent_new(sizeof *s, &spammer_ops, mw, id, host);
    const char *name = trace_string(mw->tr, mw->tr->hosts[host].name);
    s->helo = mw_strdup(cfg && cfg->helo ? cfg->helo : name);
    return s;
}

static void spammer_start(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)w;
    (void)arg;
    struct spam_job *j = ctx;
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = j->s->helo;
    cfg.want_pipelining = true;
    struct smtp_client_hooks hooks = {0};
    hooks.on_mail_result = mua_outgoing_on_result;
    mua_outgoing_connect(&j->out, &cfg, &hooks, j->from, j->target, j->port);
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
    j->out.mail = mw_strdup(spec->mail);
    j->target = mw_strdup(spec->target);
    j->port = spec->port ? spec->port : 25;
    j->from = mw_strdup(spec->envelope_from);
    j->out.to = calloc(spec->nto ? spec->nto : 1, sizeof *j->out.to);
    if (!j->out.to) {
        abort();
    }
    for (size_t i = 0; i < spec->nto; i++) {
        j->out.to[i] = mw_strdup(spec->to[i]);
    }
    j->out.nto = spec->nto;
    j->out.data = msg.data; /* ownership moves to the job */
    j->out.len = msg.len;
    mua_outgoing_push(&s->jobs, &j->out, &s->base, spam_job_free);
    sim_schedule(mw->sim, at_us, spammer_start, j, 0);
    return 0;
}
