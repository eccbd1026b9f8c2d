/* dns: MX and A records and the lookups an MTA makes before relaying. */
#include "dns.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct dns_record {
    char *name;
    char *exchange; /* MX only */
    int preference; /* MX only */
    uint32_t ip;    /* A only */
    bool is_mx;
};

struct dns_agent {
    struct agent base;
    struct dns_record *records;
    size_t n, cap;
};

static void dns_destroy(struct agent *a)
{
    struct dns_agent *d = (struct dns_agent *)a;
    for (size_t i = 0; i < d->n; i++) {
        free(d->records[i].name);
        free(d->records[i].exchange);
    }
    free(d->records);
}

static const struct agent_ops dns_ops = {"dns", "BIND", dns_destroy, NULL};

struct dns_agent *dns_new(struct mail_world *mw, const char *id, int host)
{
    return agent_new(sizeof(struct dns_agent), &dns_ops, mw, id, host);
}

void dns_add_mx(struct dns_agent *d, const char *domain, int preference, const char *exchange)
{
    struct dns_record *r = BUF_PUSH(d->records, d->n, d->cap, 8);
    r->name = mw_strdup(domain);
    r->exchange = mw_strdup(exchange);
    r->preference = preference;
    r->is_mx = true;
}

void dns_add_a(struct dns_agent *d, const char *name, uint32_t ip)
{
    struct dns_record *r = BUF_PUSH(d->records, d->n, d->cap, 8);
    r->name = mw_strdup(name);
    r->ip = ip;
}

static int dns_find_a(const struct dns_agent *d, const char *name, uint32_t *ip)
{
    for (size_t i = 0; i < d->n; i++) {
        /* RFC 4343: DNS names compare without regard to case. */
        if (!d->records[i].is_mx && strcasecmp(d->records[i].name, name) == 0) {
            *ip = d->records[i].ip;
            return 0;
        }
    }
    return -1;
}

int dns_resolve_a(struct dns_agent *d, const char *asking_agent, const char *name, uint32_t *ip)
{
    char query[300], answer[64];
    snprintf(query, sizeof query, "A %s", name);
    int rc = dns_find_a(d, name, ip);
    if (rc == 0) {
        sim_format_ipv4(*ip, answer, sizeof answer);
    } else {
        snprintf(answer, sizeof answer, "NXDOMAIN");
    }
    trace_dns(d->base.mw->tr, sim_now(d->base.mw->sim), asking_agent, query, answer);
    return rc;
}

size_t dns_resolve_mx(struct dns_agent *d, const char *asking_agent, const char *domain,
                      uint32_t *ips, size_t max)
{
    /* Collect the MX records, then order them by preference (a stable insertion sort keeps
     * the zone's order among equals, so runs stay deterministic). */
    size_t idx[16], n = 0;
    for (size_t i = 0; i < d->n && n < 16; i++) {
        if (d->records[i].is_mx && strcasecmp(d->records[i].name, domain) == 0) {
            size_t k = n++;
            while (k > 0 && d->records[idx[k - 1]].preference > d->records[i].preference) {
                idx[k] = idx[k - 1];
                k--;
            }
            idx[k] = i;
        }
    }
    char query[300], answer[1024];
    size_t used = 0, found = 0;
    snprintf(query, sizeof query, "MX %s", domain);
    answer[0] = 0;
    for (size_t k = 0; k < n && found < max; k++) {
        const struct dns_record *r = &d->records[idx[k]];
        uint32_t ip;
        char dotted[16] = "?";
        if (dns_find_a(d, r->exchange, &ip) == 0) {
            ips[found++] = ip;
            sim_format_ipv4(ip, dotted, sizeof dotted);
        }
        int w = snprintf(answer + used, sizeof answer - used, "%s%d %s (%s)", k ? ", " : "",
                         r->preference, r->exchange, dotted);
        if (w > 0 && (size_t)w < sizeof answer - used) {
            used += (size_t)w;
        }
    }
    if (n == 0) {
        /* RFC 5321 §5.1: "If an empty list of MXs is returned, the address is treated as if it
         * was associated with an implicit MX RR, with a preference of 0, pointing to that host." */
        uint32_t ip;
        if (max > 0 && dns_find_a(d, domain, &ip) == 0) {
            ips[found++] = ip;
            char dotted[16];
            sim_format_ipv4(ip, dotted, sizeof dotted);
            snprintf(answer, sizeof answer, "no MX; implicit MX 0 %s (%s)", domain, dotted);
        } else {
            snprintf(answer, sizeof answer, "NXDOMAIN");
        }
    }
    trace_dns(d->base.mw->tr, sim_now(d->base.mw->sim), asking_agent, query, answer);
    return found;
}
