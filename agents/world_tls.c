/* world_tls: the scenario's public-key infrastructure, made on first use. One CA per run; each
 * server host gets a certificate naming it, signed by that CA; every client trusts that CA and
 * nothing else, and checks the name it meant to reach. A key log, when the app asked for one,
 * receives the secrets of every handshake so that tshark can decrypt the pcap. */
#include "world.h"

#include <stdio.h>
#include <stdlib.h>

struct mail_tls {
    struct tls_ca ca;
    SSL_CTX *client;
    SSL_CTX **server; /* by host index; NULL until that host first serves TLS */
    struct tls_cert *certs;
    size_t nhosts;
};

static void mail_tls_fatal(const char *what, const char *err)
{
    fprintf(stderr, "mailsim: TLS set-up failed: %s: %s\n", what, err);
    abort();
}

static struct mail_tls *mail_tls_get(struct mail_world *mw)
{
    if (mw->tls) {
        return mw->tls;
    }
    struct mail_tls *t = calloc(1, sizeof *t);
    char err[256];
    if (!t) {
        abort();
    }
    /* Ed25519 signs with exactly 64 bytes, so the records of a run keep their lengths. */
    if (tls_ca_init(&t->ca, "mailsim scenario CA", TLS_KEY_ED25519, err, sizeof err) < 0) {
        mail_tls_fatal("scenario CA", err);
    }
    mw->tls = t;
    return t;
}

struct tls_ca *mail_world_tls_ca(struct mail_world *mw)
{
    return &mail_tls_get(mw)->ca;
}

SSL_CTX *mail_world_tls_client(struct mail_world *mw)
{
    struct mail_tls *t = mail_tls_get(mw);
    if (!t->client) {
        char err[256];
        t->client = tls_ca_client_ctx(&t->ca, err, sizeof err);
        if (!t->client) {
            mail_tls_fatal("client context", err);
        }
        /* Clients only: each secret is then logged once per connection. */
        if (mw->keylog) {
            tls_keylog_attach(t->client, mw->keylog);
        }
    }
    return t->client;
}

SSL_CTX *mail_world_tls_server(struct mail_world *mw, int host)
{
    struct mail_tls *t = mail_tls_get(mw);
    size_t nhosts = mw->tr->nhosts;
    if (host < 0 || (size_t)host >= nhosts) {
        abort();
    }
    if (t->nhosts < nhosts) {
        SSL_CTX **s = realloc(t->server, nhosts * sizeof *s);
        struct tls_cert *c = realloc(t->certs, nhosts * sizeof *c);
        if (!s || !c) {
            abort();
        }
        for (size_t i = t->nhosts; i < nhosts; i++) {
            s[i] = NULL;
            c[i] = (struct tls_cert){0};
        }
        t->server = s;
        t->certs = c;
        t->nhosts = nhosts;
    }
    if (!t->server[host]) {
        char err[256];
        const char *names[2] = {trace_string(mw->tr, mw->tr->hosts[host].name), mw->tls_name};
        const char *name = names[0];
        if (tls_ca_issue(&t->ca, names, mw->tls_name ? 2 : 1, &t->certs[host], err, sizeof err) <
            0) {
            mail_tls_fatal(name, err);
        }
        t->server[host] = tls_ca_server_ctx(&t->certs[host], err, sizeof err);
        if (!t->server[host]) {
            mail_tls_fatal(name, err);
        }
    }
    return t->server[host];
}

void mail_world_set_keylog(struct mail_world *mw, struct tls_keylog *kl)
{
    mw->keylog = kl;
    if (mw->tls && mw->tls->client) {
        tls_keylog_attach(mw->tls->client, kl);
    }
}

void mail_world_tls_free(struct mail_world *mw)
{
    struct mail_tls *t = mw->tls;
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->nhosts; i++) {
        SSL_CTX_free(t->server[i]);
        tls_cert_free(&t->certs[i]);
    }
    free(t->server);
    free(t->certs);
    SSL_CTX_free(t->client);
    tls_ca_free(&t->ca);
    free(t);
    mw->tls = NULL;
}
