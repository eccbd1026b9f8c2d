/* serve_world: the live hosts of live mode in the scenario's world. Each service reaches the
 * simulated server that plays it, and a live host beside the scenario's own client plays every
 * real client of that service, so their mail takes the scenario's path. */
#include "serve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct scenario_agent *serve_agent(const struct scenario *sc, enum scenario_role role)
{
    for (size_t i = 0; i < sc->nagents; i++) {
        if (sc->agents[i].kind == role) {
            return &sc->agents[i];
        }
    }
    return NULL;
}

/* A host that plays the real client: in ref's zone, linked to peer without latency, with a
 * documentation address of ref's /24 that nobody uses. Returns its index, or -1. */
static int serve_live_host(struct mail_world *mw, const char *name, int ref, int peer,
                           const char *agent, const char *role, char *err, size_t errlen)
{
    struct sim_world *w = mw->sim;
    uint32_t base = sim_host_ip(w, ref) & 0xFFFFFF00u;
    for (uint32_t last = 200; last < 255; last++) {
        if (sim_host_by_ip(w, base | last) >= 0) {
            continue;
        }
        char ip[16];
        sim_format_ipv4(base | last, ip, sizeof ip);
        int h = sim_host_add(w, name, (int)mw->tr->hosts[ref].zone, ip, err, errlen);
        if (h < 0 || sim_link_add(w, h, peer, 0, err, errlen) < 0) {
            return -1;
        }
        sim_agent_add(w, agent, role, "your mail client", h);
        return h;
    }
    snprintf(err, errlen, "no free address near %s", trace_string(mw->tr, mw->tr->hosts[ref].name));
    return -1;
}

/* The first host linked to h (the switch or router a PC hangs on), or h itself. */
static int serve_neighbour(const struct trace *tr, int h)
{
    for (size_t i = 0; i < tr->nlinks; i++) {
        if ((int)tr->links[i].a == h) {
            return (int)tr->links[i].b;
        }
        if ((int)tr->links[i].b == h) {
            return (int)tr->links[i].a;
        }
    }
    return h;
}

/* Services first..last reach the host of server (an MSA or an MRA) from one live host, the
 * agent id agent, beside the host of the scenario's MUA that uses that server (beside the server
 * when no MUA does). */
static int serve_wire_mua(struct serve *sv, const struct scenario_agent *server,
                          const struct scenario_agent *mua, const char *name, const char *agent,
                          int first, int last, char *err, size_t errlen)
{
    struct mail_world *mw = sv->mw;
    int target = sim_host_find(mw->sim, server->host);
    int ref = mua ? sim_host_find(mw->sim, mua->host) : target;
    int from =
        serve_live_host(mw, name, ref, serve_neighbour(mw->tr, ref), agent, "mua", err, errlen);
    if (from < 0) {
        return -1;
    }
    for (int k = first; k <= last; k++) {
        sv->svc[k].target = target;
        sv->svc[k].from = from;
        sv->svc[k].from_agent = agent;
    }
    return 0;
}

/* Finds the servers each service reaches and the live hosts that play the real clients. */
int serve_wire(struct serve *sv, const struct scenario *sc, char *err, size_t errlen)
{
    struct mail_world *mw = sv->mw;
    struct sim_world *w = mw->sim;
    const struct scenario_agent *msa = serve_agent(sc, SCENARIO_ROLE_MSA);
    const struct scenario_agent *mra = serve_agent(sc, SCENARIO_ROLE_MRA);
    /* The sending MUA (it submits to the MSA's host) and the reading one (it fetches). */
    const struct scenario_agent *sender = NULL, *reader = NULL;
    for (size_t i = 0; i < sc->nagents; i++) {
        const struct scenario_agent *a = &sc->agents[i];
        if (a->kind != SCENARIO_ROLE_MUA) {
            continue;
        }
        if (!sender && msa && a->submit_host && strcmp(a->submit_host, msa->host) == 0) {
            sender = a;
        }
        if (!reader && mra && a->pop_host && strcmp(a->pop_host, mra->host) == 0) {
            reader = a;
        }
    }
    if (msa && serve_wire_mua(sv, msa, sender, "live-sender", "you-sender", SERVE_SUBMISSION,
                              SERVE_SMTPS, err, errlen) < 0) {
        return -1;
    }
    if (mra && serve_wire_mua(sv, mra, reader, "live-reader", "you-reader", SERVE_POP3, SERVE_POP3S,
                              err, errlen) < 0) {
        return -1;
    }
    /* The recipient domain's inbound MX: the exchange of the reader's domain. */
    const struct scenario_agent *dns = serve_agent(sc, SCENARIO_ROLE_DNS);
    const char *domain = NULL;
    for (size_t i = 0; reader && i < sc->naccounts; i++) {
        if (strcmp(sc->accounts[i].user, reader->user) == 0) {
            const char *at = strrchr(sc->accounts[i].address, '@');
            domain = at ? at + 1 : NULL;
        }
    }
    for (size_t i = 0; dns && domain && i < dns->nmx; i++) {
        if (strcasecmp(dns->mx[i].domain, domain) == 0) {
            int mx = sim_host_find(w, dns->mx[i].exchange);
            int from = serve_live_host(mw, "live-mta", serve_neighbour(mw->tr, mx), mx, "you-mta",
                                       "mta", err, errlen);
            if (from < 0) {
                return -1;
            }
            sv->svc[SERVE_SMTP].target = mx;
            sv->svc[SERVE_SMTP].from = from;
            sv->svc[SERVE_SMTP].from_agent = "you-mta";
            break;
        }
    }
    return 0;
}

/* Live mode turns on what real clients expect: STARTTLS and SMTPS on the MSA, STARTTLS on the
 * MTAs' port 25, STLS, POP3S and APOP on the MRA. */
void serve_enable_tls(struct scenario *sc)
{
    for (size_t i = 0; i < sc->nagents; i++) {
        struct scenario_agent *a = &sc->agents[i];
        switch (a->kind) {
        case SCENARIO_ROLE_MSA:
            a->starttls = true;
            a->smtps = true;
            break;
        case SCENARIO_ROLE_MTA:
            a->smtpd_tls = true;
            break;
        case SCENARIO_ROLE_MRA:
            a->stls = true;
            a->pop3s = true;
            a->apop = true; /* a timestamp in the banner, for clients that log in with APOP */
            break;
        default:
            break;
        }
    }
}
