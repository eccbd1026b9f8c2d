/* sshd: SSH port forwarding on the server side (see sshd.h). Each accepted connection gets an
 * SSH server endpoint; once the client's direct-tcpip channel is open, the server connects to
 * its own POP3 port and relays bytes both ways: channel to service, service to channel. */
#include "sshd.h"

#include "buf.h"
#include "session.h"
#include "ssh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sshd {
    struct agent base;
    int listener;
    struct account login; /* the one account it lets in */
    uint16_t allow_port;
    struct ssh_end_hostkey *key;
    struct sshd_conn **conns; /* every connection, freed with the server: what one relays may */
    size_t nconns, cap_conns; /* still be in flight in the simulation after its SSH side ended */
};

/* One SSH connection and, once forwarded, its connection to the local service. */
struct sshd_conn {
    struct sshd *d;
    struct ssh_end *ssh;
    uint32_t conn;  /* the SSH connection (port 22) */
    uint32_t inner; /* to localhost:allow_port, 0 before the channel opened */
    bool inner_open, inner_closed;
    bool secured; /* "secure" event recorded */
    bool ended;
    size_t logged; /* octets of ssh_end_log already recorded */
};

static void sshd_conn_free(struct sshd_conn *c);

static void sshd_destroy(struct agent *a)
{
    struct sshd *d = (struct sshd *)a;
    for (size_t i = 0; i < d->nconns; i++) {
        sshd_conn_free(d->conns[i]);
    }
    free(d->conns);
    ssh_end_hostkey_free(d->key);
}

static void sshd_set_down(struct agent *a, bool down)
{
    sim_listen_set_down(a->mw->sim, ((struct sshd *)a)->listener, down);
}

static const struct agent_ops sshd_ops = {"sshd", "OpenSSH sshd", sshd_destroy, sshd_set_down};

static void sshd_conn_free(struct sshd_conn *c)
{
    ssh_end_free(c->ssh);
    free(c);
}

/* New lines of the endpoint's log, in sshd's words, go to the trace as log events. */
static void sshd_log(struct sshd_conn *c)
{
    struct mail_world *mw = c->d->base.mw;
    const char *log = ssh_end_log(c->ssh);
    size_t n = strlen(log);
    while (c->logged < n) {
        const char *line = log + c->logged;
        const char *nl = strchr(line, '\n');
        size_t k = nl ? (size_t)(nl - line) : n - c->logged;
        char text[400];
        snprintf(text, sizeof text, "%.*s", (int)k, line);
        trace_log(mw->tr, sim_now(mw->sim), c->d->base.id, "sshd", c->conn, text);
        c->logged += k + (nl ? 1 : 0);
    }
}

static void sshd_pump(struct sshd_conn *c);

static void sshd_inner_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p,
                            size_t n)
{
    (void)conn;
    struct sshd_conn *c = ctx;
    if (c->ended) {
        return;
    }
    /* The service's answer goes back through the channel: plaintext only this server saw. */
    trace_plain(sim_trace(w), sim_now(w), c->conn, TRACE_SERVER, p, n);
    session_forward_notes(w, c->inner, TRACE_SERVER, p, n, c->conn, TRACE_SERVER);
    ssh_end_write(c->ssh, p, n);
    sshd_pump(c);
}

static void sshd_inner_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)w;
    (void)conn;
    struct sshd_conn *c = ctx;
    c->inner_closed = true;
    if (!c->ended) {
        sim_close(w, c->inner, TRACE_CLIENT);
        ssh_end_close(c->ssh);
        sshd_pump(c);
    }
}

static void sshd_inner_open(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)w;
    (void)conn;
    struct sshd_conn *c = ctx;
    c->inner_open = true;
    sshd_pump(c);
}

static void sshd_end(struct sshd_conn *c)
{
    struct sim_world *w = c->d->base.mw->sim;
    c->ended = true;
    if (!sim_is_closed(w, c->conn, TRACE_SERVER)) {
        sim_close(w, c->conn, TRACE_SERVER);
    }
    if (c->inner && !sim_is_closed(w, c->inner, TRACE_CLIENT)) {
        sim_close(w, c->inner, TRACE_CLIENT);
    }
}

static void sshd_pump(struct sshd_conn *c)
{
    struct mail_world *mw = c->d->base.mw;
    struct sim_world *w = mw->sim;
    if (c->ended) {
        return;
    }
    if (ssh_end_ready(c->ssh) && !c->secured) {
        c->secured = true;
        char detail[200];
        snprintf(detail, sizeof detail, "host key %s; forwarding to localhost:%u",
                 ssh_end_hostkey_fingerprint(c->ssh), (unsigned)c->d->allow_port);
        const char *banner = ssh_end_banner(c->ssh);
        trace_secure(mw->tr, sim_now(w), c->conn, TRACE_SERVER, c->d->base.id, "SSH-2.0",
                     banner ? banner : "", true, detail);
    }
    if (ssh_end_ready(c->ssh) && !c->inner) {
        /* The forward: a TCP connection from this host to itself, as sshd connects to
         * localhost; it crosses no link, so no tap can see the plain POP3 on it. */
        struct sim_endpoint ep = {sshd_inner_data, sshd_inner_close, sshd_inner_open, c};
        c->inner = sim_connect(w, c->d->base.host, c->d->base.id, sim_host_ip(w, c->d->base.host),
                               c->d->allow_port, &ep);
    }
    uint8_t buf[16384];
    size_t got;
    while (c->inner_open && !c->inner_closed && (got = ssh_end_read(c->ssh, buf, sizeof buf)) > 0) {
        sim_send(w, c->inner, TRACE_CLIENT, buf, got);
        /* what the client's MUA said it sent (USER, PASS) holds for the forwarded copy too */
        session_forward_notes(w, c->conn, TRACE_CLIENT, buf, got, c->inner, TRACE_CLIENT);
    }
    const uint8_t *p;
    size_t n;
    while (!sim_is_closed(w, c->conn, TRACE_SERVER) && (n = ssh_end_wire_output(c->ssh, &p)) > 0) {
        session_ssh_send(w, c->conn, TRACE_SERVER, p, n);
        ssh_end_wire_consumed(c->ssh, n);
    }
    sshd_log(c);
    const char *err = ssh_end_error(c->ssh);
    if (err && !c->secured) {
        c->secured = true;
        trace_secure(mw->tr, sim_now(w), c->conn, TRACE_SERVER, c->d->base.id, "SSH-2.0", NULL,
                     false, err);
    }
    if (ssh_end_peer_closed(c->ssh) && c->inner_open && !c->inner_closed) {
        c->inner_closed = true;
        sim_close(w, c->inner, TRACE_CLIENT);
    }
    if (ssh_end_done(c->ssh) || err) {
        sshd_end(c);
    }
}

static void sshd_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p, size_t n)
{
    (void)w;
    (void)conn;
    struct sshd_conn *c = ctx;
    if (!c->ended) {
        ssh_end_feed_wire(c->ssh, p, n);
        sshd_pump(c);
    }
}

static void sshd_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)w;
    (void)conn;
    struct sshd_conn *c = ctx;
    if (!c->ended) {
        ssh_end_feed_eof(c->ssh);
        sshd_pump(c);
        sshd_end(c);
    }
}

static bool sshd_accept(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    struct sshd *d = ctx;
    struct sshd_conn *c = calloc(1, sizeof *c);
    char err[256];
    if (!c) {
        return false;
    }
    c->d = d;
    c->conn = conn;
    c->ssh = ssh_end_server_new(d->login.user, d->login.password, "localhost", d->allow_port,
                                d->key, err, sizeof err);
    if (!c->ssh) {
        trace_log(d->base.mw->tr, sim_now(w), d->base.id, "sshd", conn, err);
        free(c);
        return false;
    }
    *BUF_PUSH(d->conns, d->nconns, d->cap_conns, 4) = c;
    ep->on_data = sshd_data;
    ep->on_close = sshd_close;
    ep->on_open = NULL;
    ep->ctx = c;
    sshd_pump(c);
    return true;
}

struct sshd *sshd_new(struct mail_world *mw, const char *id, int host,
                      const struct sshd_config *cfg, char *err, size_t errlen)
{
    const struct account *acct = mail_world_account(mw, cfg->user);
    if (!acct) {
        snprintf(err, errlen, "no account \"%s\"", cfg->user);
        return NULL;
    }
    struct sshd *d = agent_new(sizeof *d, &sshd_ops, mw, id, host);
    d->login = *acct;
    d->allow_port = cfg->allow_port ? cfg->allow_port : 110;
    d->key = ssh_end_hostkey_new(err, errlen);
    if (!d->key) {
        return NULL;
    }
    d->listener = sim_listen(mw->sim, host, cfg->port ? cfg->port : 22, "ssh", id, sshd_accept, d);
    if (d->listener < 0) {
        snprintf(err, errlen, "port %u taken on this host", (unsigned)(cfg->port ? cfg->port : 22));
        return NULL;
    }
    return d;
}
