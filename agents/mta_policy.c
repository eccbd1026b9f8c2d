/* mta_policy: the relay policy of the MTA's SMTP service in Postfix's terms (mydestination,
 * relay_domains, mynetworks, permit_sasl_authenticated, reject_unauth_destination, POP before
 * SMTP), and the backend that smtpd asks (see smtpd.h). */
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

static bool mta_in_list(char **list, size_t n, const char *domain)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(list[i], domain) == 0) {
            return true;
        }
    }
    return false;
}

bool mta_is_local(const struct mta *m, const char *domain)
{
    return mta_in_list(m->mydestination, m->nmydestination, domain);
}

static bool mta_local_user_exists(const struct mta *m, const char *rcpt)
{
    /* Postfix's local_recipient_maps defaults to "proxy:unix:passwd.byname $alias_maps": an
     * alias is a known local recipient too. */
    return mail_world_account_by_address(m->base.mw, rcpt) != NULL ||
           (m->mda && mda_alias_find(m->mda, rcpt) != NULL);
}

int mta_parse_cidr(const char *s, struct mta_cidr *out)
{
    char addr[32];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof addr) {
        return -1;
    }
    memcpy(addr, s, n);
    addr[n] = 0;
    uint32_t ip;
    if (sim_parse_ipv4(addr, &ip) != 0) {
        return -1;
    }
    long bits = 32;
    if (slash) {
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end != 0 || end == slash + 1 || bits < 0 || bits > 32) {
            return -1;
        }
    }
    out->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    out->net = ip & out->mask;
    return 0;
}

/* The relay decision for a recipient, as the SMTP service makes it at RCPT time (Postfix's
 * smtpd_relay_restrictions): true to accept; d says why. */
static bool mta_relay_allowed(const struct mta *m, uint32_t client_ip, bool authenticated,
                              const char *rcpt, struct smtpd_relay_decision *d)
{
    d->pop_expired = false;
    d->defer = false;
    if (m->open_relay) {
        d->rule = "open_relay";
        return true;
    }
    for (size_t i = 0; i < m->nmynetworks; i++) {
        if ((client_ip & m->mynetworks[i].mask) == m->mynetworks[i].net) {
            d->rule = "permit_mynetworks";
            return true;
        }
    }
    if (authenticated && m->permit_sasl_authenticated) {
        d->rule = "permit_sasl_authenticated";
        return true;
    }
    /* POP before SMTP trusts an address, not a person: whoever sends from the address that
     * logged in (everyone behind the same NAT) may relay until the window closes. */
    uint64_t at;
    if (m->pop_mra && mra_last_login(m->pop_mra, client_ip, &at)) {
        if (sim_now(m->base.mw->sim) - at <= m->pop_window_us) {
            d->rule = "pop_before_smtp";
            return true;
        }
        d->pop_expired = true;
    }
    /* reject_unauth_destination, or Postfix >= 2.10's defer_unauth_destination: only mail for
     * our own domains, or those we relay for. */
    const char *domain = smtp_path_domain_of(rcpt);
    if (mta_is_local(m, domain) || mta_in_list(m->relay_domains, m->nrelay_domains, domain)) {
        d->rule = "permit_auth_destination";
        return true;
    }
    d->defer = !m->reject_unauth_destination;
    d->rule = d->defer ? "defer_unauth_destination" : "reject_unauth_destination";
    return false;
}

void mta_set_pop_before_smtp(struct mta *m, struct mra *mra, uint64_t window_us)
{
    m->pop_mra = mra;
    m->pop_window_us = window_us;
    mra_open_relay_windows(mra);
}

/* ---- the SMTP service's backend ---- */

static bool mta_backend_relay_allowed(void *ctx, uint32_t client_ip, bool authenticated,
                                      const char *rcpt, struct smtpd_relay_decision *d)
{
    return mta_relay_allowed(ctx, client_ip, authenticated, rcpt, d);
}

static bool mta_backend_is_local_domain(void *ctx, const char *domain)
{
    return mta_is_local(ctx, domain);
}

static bool mta_backend_local_user_exists(void *ctx, const char *rcpt)
{
    return mta_local_user_exists(ctx, rcpt);
}

/* The service's buffer becomes the queue entry's: one copy of the message less per hop. */
static void mta_backend_enqueue(void *ctx, const char *qid, const char *mail, const char *from,
                                const char *const *rcpts, size_t nrcpt, struct buf *msg)
{
    uint8_t *data = msg->data;
    size_t len = msg->len;
    buf_init(msg, msg->max);
    mta_enqueue_taken(ctx, qid, mail, from, rcpts, nrcpt, data, len);
}

struct smtpd_backend mta_smtpd_backend(struct mta *m)
{
    struct smtpd_backend b = {0};
    b.ctx = m;
    b.relay_allowed = mta_backend_relay_allowed;
    b.is_local_domain = mta_backend_is_local_domain;
    b.local_user_exists = mta_backend_local_user_exists;
    b.enqueue = mta_backend_enqueue;
    return b;
}
