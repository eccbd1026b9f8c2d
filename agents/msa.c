/* msa: the submission service in front of an MTA. */
#include "msa.h"

#include "sasl.h"
#include "smtpd.h"

#include <stdlib.h>

struct msa {
    struct agent base;
    struct smtpd *smtpd;
    struct smtpd *smtps; /* port 465, when configured */
};

static void msa_destroy(struct agent *a)
{
    struct msa *m = (struct msa *)a;
    smtpd_free(m->smtpd);
    smtpd_free(m->smtps);
}

static void msa_set_down(struct agent *a, bool down)
{
    struct msa *m = (struct msa *)a;
    smtpd_set_down(m->smtpd, down);
    if (m->smtps) {
        smtpd_set_down(m->smtps, down);
    }
}

static const struct agent_ops msa_ops = {"msa", "Postfix submission", msa_destroy, msa_set_down};

struct msa *msa_new(struct mail_world *mw, const char *id, int host, const struct msa_config *cfg)
{
    struct msa *m = agent_new(sizeof *m, &msa_ops, mw, id, host);
    struct smtpd_config sc = {0};
    sc.agent = id;
    sc.hostname = cfg->hostname;
    sc.port = cfg->port ? cfg->port : 587;
    sc.proto = "submission";
    sc.submission = true;
    sc.submission_open = cfg->no_auth_required;
    sc.maillog = cfg->mta && mta_maillog(cfg->mta); /* one Postfix, one log */
    sc.auth_mechs = cfg->auth_mechs
                        ? cfg->auth_mechs
                        : SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN);
    sc.backend = mta_smtpd_backend(cfg->mta);
    sc.starttls = cfg->starttls;
    sc.tls_auth_only = cfg->tls_auth_only;
    sc.tls_required = cfg->tls_required;
    sc.settings = cfg->smtpd;
    m->smtpd = smtpd_new(mw, host, &sc);
    if (m->smtpd && cfg->smtps) {
        sc.port = 465;
        sc.proto = "smtps";
        sc.starttls = false;
        sc.tls_required = false; /* TLS from the first byte */
        sc.wrappermode = true;
        m->smtps = smtpd_new(mw, host, &sc);
        if (!m->smtps) {
            return NULL;
        }
    }
    return m->smtpd ? m : NULL;
}
