/* msa: the submission service in front of an MTA. */
#include "msa.h"

#include "sasl.h"
#include "smtpd.h"

#include <stdlib.h>

struct msa {
    struct agent base;
    struct smtpd *smtpd;
};

static void msa_destroy(struct agent *a)
{
    struct msa *m = (struct msa *)a;
    smtpd_free(m->smtpd);
    agent_fini(a);
    free(m);
}

static void msa_set_down(struct agent *a, bool down)
{
    smtpd_set_down(((struct msa *)a)->smtpd, down);
}

static const struct agent_ops msa_ops = {"msa", "Postfix submission", msa_destroy, msa_set_down};

struct msa *msa_new(struct mail_world *mw, const char *id, int host, const struct msa_config *cfg)
{
    struct msa *m = calloc(1, sizeof *m);
    if (!m) {
        abort();
    }
    agent_init(&m->base, &msa_ops, mw, id, host);
    mail_world_add_agent(mw, &m->base);
    struct smtpd_config sc = {0};
    sc.agent = id;
    sc.hostname = cfg->hostname;
    sc.port = cfg->port ? cfg->port : 587;
    sc.proto = "submission";
    sc.submission = true;
    sc.submission_open = cfg->no_auth_required;
    sc.maillog = cfg->mta && mta_maillog(cfg->mta); /* one Postfix, one log */
    sc.auth_mechs = cfg->auth_mechs ? cfg->auth_mechs
                                    : SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN);
    sc.mta = cfg->mta;
    m->smtpd = smtpd_new(mw, host, &sc);
    return m->smtpd ? m : NULL;
}
