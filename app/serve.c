/* serve: live mode (see serve.h). One thread: epoll over the listening and client sockets, and
 * the simulation's event queue run against the monotonic clock. A real connection is a bridge:
 * bytes read from the socket are sent on a simulated connection from a live host at the moment
 * they came; bytes the simulated server sends arrive after the link's latency and are written to
 * the socket. Everything a real client says is in the trace, like a scripted run. */
#define _GNU_SOURCE /* accept4 */
#include "serve.h"

#include "buf.h"
#include "build.h"
#include "catalog.h"
#include "export.h"
#include "export_pcap.h"
#include "scenario.h"
#include "ui_strings.h"
#include "viewer.h"
#include "world.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVE_EXIT_USAGE 2
#define SERVE_READ_MAX 65536
#define SERVE_OUT_HIGH ((size_t)1 << 20) /* stop reading a client while this much waits for it */
#define SERVE_OUT_LOW ((size_t)1 << 18)  /* ... and read again below this */
#define SERVE_IN_MAX ((size_t)1 << 20)   /* bytes held before the simulated connection opens */

enum serve_kind { SERVE_SUBMISSION, SERVE_SMTPS, SERVE_SMTP, SERVE_POP3, SERVE_POP3S, SERVE_N };

static const char *const serve_names[SERVE_N] = {"submission", "smtps", "smtp", "pop3", "pop3s"};
static const uint16_t serve_default_port[SERVE_N] = {2587, 2465, 2525, 2110, 2995};
static const uint16_t serve_sim_port[SERVE_N] = {587, 465, 25, 110, 995};

struct serve;

struct serve_service {
    enum serve_kind kind;
    int fd;           /* listening socket, -1 when not offered */
    uint16_t port;    /* the real port */
    int target;       /* simulated host of the server */
    int from;         /* the live host real clients of this service play */
    const char *from_agent;
};

/* A real connection and the simulated one it drives. */
struct serve_conn {
    struct serve *sv;
    struct serve_service *svc;
    int fd;
    uint32_t conn;     /* simulated connection */
    bool open;         /* the simulated connection is established */
    bool sim_closed;   /* the simulated server closed: close the socket once out is written */
    bool client_eof;   /* the real client closed its side */
    bool reading;      /* EPOLLIN armed */
    bool writing;      /* EPOLLOUT armed */
    bool done;         /* socket closed; freed at the end */
    struct buf in;     /* from the client, before the simulated connection opened */
    struct buf out;    /* to the client */
    uint64_t last_rx;  /* when the client last sent anything */
    uint64_t line_at;  /* when the client's current unfinished line began; 0: none */
};

struct serve {
    struct mail_world *mw;
    struct trace *tr;
    int ep;
    struct serve_service svc[SERVE_N];
    struct serve_conn **conns;
    size_t nconns, cap_conns;
    size_t live; /* connections with an open socket */
    size_t max_conns;
    uint64_t idle_timeout_us, command_timeout_us;
    struct timespec t0;
    uint64_t last_sweep;
    uint64_t accepted, refused, timed_out;
};

static volatile sig_atomic_t serve_stop;

static void serve_on_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

static uint64_t serve_now(const struct serve *sv)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t s = (int64_t)ts.tv_sec - (int64_t)sv->t0.tv_sec;
    int64_t ns = (int64_t)ts.tv_nsec - (int64_t)sv->t0.tv_nsec;
    return (uint64_t)(s * 1000000 + ns / 1000);
}

/* Runs the simulation up to the real now; what was due has happened. */
static uint64_t serve_catch_up(struct serve *sv)
{
    uint64_t now = serve_now(sv);
    sim_run(sv->mw->sim, now);
    sim_advance(sv->mw->sim, now);
    return now;
}

static void serve_arm(struct serve_conn *c)
{
    if (c->done) {
        return;
    }
    bool want_read = !c->client_eof && c->out.len < SERVE_OUT_HIGH &&
                     (c->reading || c->out.len < SERVE_OUT_LOW);
    bool want_write = c->out.len > 0;
    if (want_read == c->reading && want_write == c->writing) {
        return;
    }
    struct epoll_event ev = {0};
    ev.events = (want_read ? EPOLLIN : 0u) | (want_write ? EPOLLOUT : 0u);
    ev.data.ptr = c;
    epoll_ctl(c->sv->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->reading = want_read;
    c->writing = want_write;
}

static void serve_conn_close(struct serve_conn *c)
{
    if (c->done) {
        return;
    }
    c->done = true;
    close(c->fd); /* which also takes it out of the epoll set */
    c->sv->live--;
    struct sim_world *w = c->sv->mw->sim;
    if (c->open && !sim_is_closed(w, c->conn, TRACE_CLIENT)) {
        sim_close(w, c->conn, TRACE_CLIENT);
    }
    buf_free(&c->in);
    buf_free(&c->out);
}

/* Writes what waits for the client; closes once the server is gone and all is written. */
static void serve_flush(struct serve_conn *c)
{
    while (!c->done && c->out.len > 0) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            serve_conn_close(c); /* the client is gone */
            return;
        }
    }
    if (!c->done && c->sim_closed && c->out.len == 0) {
        serve_conn_close(c);
        return;
    }
    serve_arm(c);
}

/* ---- the simulated side of a bridge ---- */

static void serve_sim_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p,
                           size_t n)
{
    (void)w;
    (void)conn;
    struct serve_conn *c = ctx;
    if (c->done) {
        return;
    }
    if (buf_append(&c->out, p, n) != 0) {
        serve_conn_close(c);
        return;
    }
    serve_flush(c);
}

static void serve_sim_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    struct serve_conn *c = ctx;
    c->sim_closed = true;
    if (!sim_is_closed(w, conn, TRACE_CLIENT)) {
        sim_close(w, conn, TRACE_CLIENT);
    }
    if (!c->done) {
        serve_flush(c);
    }
}

static void serve_sim_open(struct sim_world *w, void *ctx, uint32_t conn)
{
    struct serve_conn *c = ctx;
    c->open = true;
    if (c->in.len > 0 && !c->done) {
        sim_send(w, conn, TRACE_CLIENT, c->in.data, c->in.len);
        buf_clear(&c->in);
    }
    if (c->client_eof) {
        sim_close(w, conn, TRACE_CLIENT);
    }
}

/* ---- the real side ---- */

static void serve_timeout_reply(struct serve_conn *c)
{
    /* What Postfix's smtpd and Dovecot say when a client takes too long. */
    static const char smtp[] = "421 4.4.2 Error: timeout exceeded\r\n";
    static const char pop3[] = "-ERR Disconnected for inactivity.\r\n";
    bool is_pop = c->svc->kind == SERVE_POP3 || c->svc->kind == SERVE_POP3S;
    bool tls = c->svc->kind == SERVE_SMTPS || c->svc->kind == SERVE_POP3S;
    if (!tls) { /* inside TLS only the simulated server could say it */
        const char *m = is_pop ? pop3 : smtp;
        ssize_t ignored = send(c->fd, m, strlen(m), MSG_NOSIGNAL);
        (void)ignored;
    }
}

static void serve_client_read(struct serve_conn *c)
{
    struct serve *sv = c->sv;
    uint8_t buf[SERVE_READ_MAX];
    for (int rounds = 0; rounds < 16 && !c->done && !c->client_eof; rounds++) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        uint64_t now = serve_catch_up(sv);
        if (n <= 0) {
            /* The client is gone (or half-closed: the simulation has no half-close, and a
             * side that closed receives nothing more). What is already here still goes out. */
            c->client_eof = true;
            serve_flush(c);
            serve_conn_close(c);
            break;
        }
        c->last_rx = now;
        /* a line not finished yet starts the command timer; a line end stops it. Inside TLS the
         * bytes are records, not lines, and a record that ends without a newline octet says
         * nothing about the command inside it: there only the idle timeout applies (else a
         * client waiting out a slow reply, such as the 535 after auth_failure_delay, would be
         * cut off in the middle of its TLS session). */
        const uint8_t *nl = memchr(buf, '\n', (size_t)n);
        bool records = c->svc->kind == SERVE_SMTPS || c->svc->kind == SERVE_POP3S ||
                       (c->open && sim_is_tls(sv->mw->sim, c->conn, TRACE_SERVER));
        if (records || (nl && buf[n - 1] == '\n')) {
            c->line_at = 0;
        } else if (nl || !c->line_at) {
            c->line_at = now;
        }
        if (c->open) {
            sim_send(sv->mw->sim, c->conn, TRACE_CLIENT, buf, (size_t)n);
            /* over a link without latency the answer is due now: let it go out at once */
            sim_run(sv->mw->sim, now);
        } else if (c->in.len + (size_t)n > SERVE_IN_MAX || buf_append(&c->in, buf, (size_t)n)) {
            serve_conn_close(c);
        }
        if ((size_t)n < sizeof buf) {
            break; /* drained; level-triggered epoll says when there is more */
        }
    }
    if (!c->done) {
        serve_arm(c);
    }
}

static void serve_track(struct serve *sv, struct serve_conn *c)
{
    if (sv->nconns == sv->cap_conns) {
        sv->cap_conns = sv->cap_conns ? sv->cap_conns * 2 : 64;
        sv->conns = realloc(sv->conns, sv->cap_conns * sizeof *sv->conns);
        if (!sv->conns) {
            abort();
        }
    }
    sv->conns[sv->nconns++] = c;
}

static void serve_accept(struct serve *sv, struct serve_service *svc)
{
    for (;;) {
        int fd = accept4(svc->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return; /* EAGAIN, or a client that left before we took it */
        }
        if (sv->live >= sv->max_conns) {
            /* Postfix's anvil limit, in its words. */
            static const char m[] = "421 4.7.0 Error: too many connections\r\n";
            static const char p[] = "-ERR [SYS/TEMP] Too many connections.\r\n";
            bool is_pop = svc->kind == SERVE_POP3 || svc->kind == SERVE_POP3S;
            ssize_t ignored = send(fd, is_pop ? p : m, is_pop ? sizeof p - 1 : sizeof m - 1,
                                   MSG_NOSIGNAL);
            (void)ignored;
            close(fd);
            sv->refused++;
            continue;
        }
        struct serve_conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->sv = sv;
        c->svc = svc;
        c->fd = fd;
        buf_init(&c->in, 0);
        buf_init(&c->out, 0);
        uint64_t now = serve_catch_up(sv);
        c->last_rx = now;
        struct epoll_event ev = {0};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c);
            continue;
        }
        c->reading = true;
        sv->live++;
        sv->accepted++;
        serve_track(sv, c);
        struct sim_world *w = sv->mw->sim;
        struct sim_endpoint sep = {serve_sim_data, serve_sim_close, serve_sim_open, c};
        c->conn = sim_connect(w, svc->from, svc->from_agent, sim_host_ip(w, svc->target),
                              serve_sim_port[svc->kind], &sep);
        if (c->conn == 0) {
            serve_conn_close(c);
        }
    }
}

static void serve_timeouts(struct serve *sv, uint64_t now)
{
    for (size_t i = 0; i < sv->nconns; i++) {
        struct serve_conn *c = sv->conns[i];
        if (c->done) {
            continue;
        }
        bool idle = now - c->last_rx > sv->idle_timeout_us;
        bool slow = c->line_at && now - c->line_at > sv->command_timeout_us;
        if (idle || slow) {
            serve_timeout_reply(c);
            char line[160];
            snprintf(line, sizeof line, "timeout after %s: connection #%" PRIu32 " closed",
                     idle ? "idle time" : "an unfinished command line", c->conn);
            trace_log(sv->tr, sim_now(sv->mw->sim), "serve", "mailsim serve", c->conn, line);
            sv->timed_out++;
            serve_conn_close(c);
        }
    }
}

/* ---- set-up ---- */

static int serve_listen(const char *bind_addr, uint16_t port, uint16_t *actual, char *err,
                        size_t errlen)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (inet_pton(AF_INET, bind_addr, &a.sin_addr) != 1) {
        snprintf(err, errlen, "--bind: \"%s\" is not an IPv4 address", bind_addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    /* TCP_NODELAY on the listener: Linux gives it to every accepted socket, one system call
     * fewer per connection. A reply goes out whole as soon as it is made. */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", bind_addr, (unsigned)port,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *actual = ntohs(a.sin_port);
    return fd;
}

/* The agent of a role (the first), and its host. */
static const struct scenario_agent *serve_agent(const struct scenario *sc, const char *role)
{
    for (size_t i = 0; i < sc->nagents; i++) {
        if (strcmp(sc->agents[i].role, role) == 0) {
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

/* Finds the servers each service reaches and the live hosts that play the real clients. */
static int serve_wire(struct serve *sv, const struct scenario *sc, char *err, size_t errlen)
{
    struct mail_world *mw = sv->mw;
    struct sim_world *w = mw->sim;
    const struct scenario_agent *msa = serve_agent(sc, "msa"), *mra = serve_agent(sc, "mra");
    /* The sending MUA (it submits to the MSA's host) and the reading one (it fetches). */
    const struct scenario_agent *sender = NULL, *reader = NULL;
    for (size_t i = 0; i < sc->nagents; i++) {
        const struct scenario_agent *a = &sc->agents[i];
        if (strcmp(a->role, "mua") != 0) {
            continue;
        }
        if (!sender && msa && a->submit_host && strcmp(a->submit_host, msa->host) == 0) {
            sender = a;
        }
        if (!reader && mra && a->pop_host && strcmp(a->pop_host, mra->host) == 0) {
            reader = a;
        }
    }
    if (msa) {
        int target = sim_host_find(w, msa->host);
        int ref = sender ? sim_host_find(w, sender->host) : target;
        int from = serve_live_host(mw, "live-sender", ref, serve_neighbour(mw->tr, ref),
                                   "you-sender", "mua", err, errlen);
        if (from < 0) {
            return -1;
        }
        for (int k = SERVE_SUBMISSION; k <= SERVE_SMTPS; k++) {
            sv->svc[k].target = target;
            sv->svc[k].from = from;
            sv->svc[k].from_agent = "you-sender";
        }
    }
    if (mra) {
        int target = sim_host_find(w, mra->host);
        int ref = reader ? sim_host_find(w, reader->host) : target;
        int from = serve_live_host(mw, "live-reader", ref, serve_neighbour(mw->tr, ref),
                                   "you-reader", "mua", err, errlen);
        if (from < 0) {
            return -1;
        }
        for (int k = SERVE_POP3; k <= SERVE_POP3S; k++) {
            sv->svc[k].target = target;
            sv->svc[k].from = from;
            sv->svc[k].from_agent = "you-reader";
        }
    }
    /* The recipient domain's inbound MX: the exchange of the reader's domain. */
    const struct scenario_agent *dns = serve_agent(sc, "dns");
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
static void serve_enable_tls(struct scenario *sc)
{
    for (size_t i = 0; i < sc->nagents; i++) {
        struct scenario_agent *a = &sc->agents[i];
        if (strcmp(a->role, "msa") == 0) {
            a->starttls = true;
            a->smtps = true;
        } else if (strcmp(a->role, "mta") == 0) {
            a->smtpd_tls = true;
        } else if (strcmp(a->role, "mra") == 0) {
            a->stls = true;
            a->pop3s = true;
            a->apop = true; /* a timestamp in the banner, for clients that log in with APOP */
        }
    }
}

static void serve_usage(FILE *out)
{
    fputs("usage: mailsim serve [SCENARIO] [--bind ADDR] [--port SERVICE=PORT ...] [--no-gui]\n"
          "                     [--ca-out FILE] [--pcap FILE] [--keylog FILE]\n"
          "                     [--format text|jsonl|summary] [--max-connections N]\n"
          "                     [--idle-timeout S] [--command-timeout S] [--lang ja|en]\n"
          "\n"
          "Real mail clients drive the scenario (default: nine-steps). Services and default\n"
          "ports: submission 2587 (the MSA, STARTTLS), smtps 2465 (the MSA, implicit TLS),\n"
          "smtp 2525 (the recipient domain's MX), pop3 2110 (the MRA, STLS), pop3s 2995.\n"
          "--port SERVICE=0 picks a free port; --port SERVICE=off does not offer it.\n"
          "Once listening, one JSON line on stdout: {\"ready\": true, \"ports\": {...},\n"
          "\"accounts\": [...]}. Loopback only unless --bind says otherwise. Ctrl-C (SIGINT)\n"
          "or SIGTERM stops it; then --pcap, --keylog and --format write the run.\n",
          out);
}

static int serve_fail(const char *fmt, const char *arg)
{
    fputs("mailsim serve: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'mailsim serve --help'.\n", stderr);
    return SERVE_EXIT_USAGE;
}

struct serve_opts {
    const char *scenario, *bind, *ca_out, *pcap, *keylog, *format, *lang;
    long ports[SERVE_N]; /* -1 off, else the port (0: any) */
    long max_conns, idle_s, command_s;
    bool no_gui;
};

static int serve_number(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

static int serve_parse(int argc, char **argv, struct serve_opts *o)
{
    for (int k = 0; k < SERVE_N; k++) {
        o->ports[k] = serve_default_port[k];
    }
    o->bind = "127.0.0.1";
    o->max_conns = 1000;
    o->idle_s = 300;
    o->command_s = 60;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            serve_usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--no-gui") == 0) {
            o->no_gui = true;
            continue;
        }
        if (a[0] != '-') {
            if (o->scenario) {
                return serve_fail("more than one scenario given (\"%s\")", a);
            }
            o->scenario = a;
            continue;
        }
        static const char *const with_value[] = {
            "--bind",         "--ca-out",       "--pcap",          "--keylog", "--lang", "--format",
            "--max-connections", "--idle-timeout", "--command-timeout", "--port", NULL};
        bool known = false;
        for (size_t k = 0; with_value[k] && !known; k++) {
            known = strcmp(a, with_value[k]) == 0;
        }
        if (!known) {
            return serve_fail("unknown option %s", a);
        }
        if (!v) {
            return serve_fail("option %s needs a value", a);
        }
        i++;
        if (strcmp(a, "--bind") == 0) {
            o->bind = v;
        } else if (strcmp(a, "--ca-out") == 0) {
            o->ca_out = v;
        } else if (strcmp(a, "--pcap") == 0) {
            o->pcap = v;
        } else if (strcmp(a, "--keylog") == 0) {
            o->keylog = v;
        } else if (strcmp(a, "--lang") == 0) {
            if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0) {
                return serve_fail("--lang: \"%s\" is not ja or en", v);
            }
            o->lang = v;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "text") != 0 && strcmp(v, "jsonl") != 0 && strcmp(v, "summary") != 0) {
                return serve_fail("--format: \"%s\" is not text, jsonl or summary", v);
            }
            o->format = v;
        } else if (strcmp(a, "--max-connections") == 0) {
            if (serve_number(v, 1, 100000, &o->max_conns) < 0) {
                return serve_fail("--max-connections: \"%s\" is not a number from 1 to 100000", v);
            }
        } else if (strcmp(a, "--idle-timeout") == 0) {
            if (serve_number(v, 1, 86400, &o->idle_s) < 0) {
                return serve_fail("--idle-timeout: \"%s\" is not a number of seconds (1-86400)", v);
            }
        } else if (strcmp(a, "--command-timeout") == 0) {
            if (serve_number(v, 1, 86400, &o->command_s) < 0) {
                return serve_fail("--command-timeout: \"%s\" is not a number of seconds (1-86400)",
                                  v);
            }
        } else if (strcmp(a, "--port") == 0) {
            const char *eq = strchr(v, '=');
            int k = 0;
            while (eq && k < SERVE_N &&
                   !(strlen(serve_names[k]) == (size_t)(eq - v) &&
                     strncmp(v, serve_names[k], (size_t)(eq - v)) == 0)) {
                k++;
            }
            if (!eq || k == SERVE_N) {
                return serve_fail("--port: \"%s\" is not SERVICE=PORT with SERVICE one of "
                                  "submission, smtps, smtp, pop3, pop3s",
                                  v);
            }
            if (strcmp(eq + 1, "off") == 0) {
                o->ports[k] = -1;
            } else if (serve_number(eq + 1, 0, 65535, &o->ports[k]) < 0) {
                return serve_fail("--port: \"%s\" has no port number from 0 to 65535 (or off)", v);
            }
        } else {
            return serve_fail("unknown option %s", a);
        }
    }
    return 0;
}

static void serve_json_str(const char *s)
{
    putchar('"');
    export_json_escape(stdout, (const uint8_t *)s, strlen(s));
    putchar('"');
}

static void serve_ready(const struct serve *sv, const struct scenario *sc, const char *ca_out)
{
    printf("{\"ready\": true, \"ports\": {");
    bool first = true;
    for (int k = 0; k < SERVE_N; k++) {
        if (sv->svc[k].fd >= 0) {
            printf("%s\"%s\": %u", first ? "" : ", ", serve_names[k], (unsigned)sv->svc[k].port);
            first = false;
        }
    }
    printf("}, \"accounts\": [");
    for (size_t i = 0; i < sc->naccounts; i++) {
        printf("%s{\"user\": ", i ? ", " : "");
        serve_json_str(sc->accounts[i].user);
        printf(", \"password\": ");
        serve_json_str(sc->accounts[i].password);
        printf(", \"address\": ");
        serve_json_str(sc->accounts[i].address);
        putchar('}');
    }
    printf("]");
    if (ca_out) {
        printf(", \"ca\": ");
        serve_json_str(ca_out);
    }
    printf(", \"scenario\": ");
    serve_json_str(sc->id);
    printf("}\n");
    fflush(stdout);
}

static int serve_write_ca(struct mail_world *mw, const char *path)
{
    struct buf pem;
    buf_init(&pem, 0);
    FILE *f = fopen(path, "w");
    int rc = f && tls_ca_pem(mail_world_tls_ca(mw), &pem) == 0 &&
                     fwrite(pem.data, 1, pem.len, f) == pem.len
                 ? 0
                 : -1;
    if (f && fclose(f) != 0) {
        rc = -1;
    }
    buf_free(&pem);
    if (rc != 0) {
        fprintf(stderr, "mailsim serve: cannot write %s: %s\n", path, strerror(errno));
    }
    return rc;
}

/* After the run: what --pcap and --format asked for. */
static int serve_outputs(struct serve *sv, const struct serve_opts *o)
{
    int status = 0;
    if (o->pcap) {
        FILE *f = fopen(o->pcap, "wb");
        char err[256];
        if (!f || export_pcap(sv->tr, f, err, sizeof err) != 0 || fclose(f) != 0) {
            fprintf(stderr, "mailsim serve: cannot write %s\n", o->pcap);
            status = SERVE_EXIT_USAGE;
        }
    }
    if (o->format && strcmp(o->format, "jsonl") == 0) {
        export_jsonl(sv->tr, stdout);
    } else if (o->format && strcmp(o->format, "text") == 0) {
        struct export_text_labels lb;
        memset(&lb, 0, sizeof lb);
        lb.lang = o->lang;
        export_text(sv->tr, &lb, stdout);
    } else if (o->format) {
        printf("{\"accepted\": %" PRIu64 ", \"refused\": %" PRIu64 ", \"timed_out\": %" PRIu64
               ", \"messages_delivered\": %" PRIu64 ", \"messages_retrieved\": %" PRIu64
               ", \"events\": %zu, \"connections\": %zu, \"virtual_seconds\": %.6f}\n",
               sv->accepted, sv->refused, sv->timed_out, sv->mw->delivered, sv->mw->retrieved,
               sv->tr->nevents, sv->tr->nconns, (double)sim_now(sv->mw->sim) / 1e6);
    }
    fflush(stdout);
    return status;
}

/* One round: the simulation catches up with the clock, timeouts are swept, and the sockets are
 * waited on (at most wait_ms, less when the simulation has something due sooner). */
static void serve_pump(struct serve *sv, int wait_ms)
{
    struct epoll_event evs[128];
    uint64_t now = serve_catch_up(sv);
    if (now - sv->last_sweep >= 250000) {
        serve_timeouts(sv, now);
        sv->last_sweep = now;
    }
    uint64_t next = sim_next_at(sv->mw->sim);
    if (next != UINT64_MAX) {
        uint64_t d = next > now ? next - now : 0;
        wait_ms = d / 1000 < (uint64_t)wait_ms ? (int)((d + 999) / 1000) : wait_ms;
    }
    int n = epoll_wait(sv->ep, evs, 128, wait_ms);
    if (n < 0 && errno != EINTR) {
        perror("mailsim serve: epoll_wait");
        serve_stop = 1;
        return;
    }
    for (int i = 0; i < n; i++) {
        void *ptr = evs[i].data.ptr;
        bool listener = false;
        for (int k = 0; k < SERVE_N && !listener; k++) {
            if (ptr == &sv->svc[k]) {
                serve_accept(sv, &sv->svc[k]);
                listener = true;
            }
        }
        if (listener) {
            continue;
        }
        struct serve_conn *c = ptr;
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
            serve_client_read(c);
        }
        if (!c->done && (evs[i].events & EPOLLOUT)) {
            serve_flush(c);
        }
    }
}

static void serve_loop(struct serve *sv)
{
    while (!serve_stop) {
        serve_pump(sv, 250);
    }
}

/* The window's hook: serve for a frame; on Ctrl-C or SIGTERM, NULL, which closes the window. */
static const struct trace *serve_window_pump(void *ctx, int wait_ms)
{
    struct serve *sv = ctx;
    serve_pump(sv, wait_ms);
    return serve_stop ? NULL : sv->tr;
}

/* The window when this build has one, a display exists and --no-gui was not given; else
 * serving without one. */
static void serve_run(struct serve *sv, const struct serve_opts *o)
{
    const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
    const char *no_window = viewer_no_window();
    if (o->no_gui || no_window || !((display && *display) || (wayland && *wayland))) {
        if (!o->no_gui) {
            fprintf(stderr, "mailsim serve: %s: serving without a window\n",
                    no_window ? no_window : "no display");
        }
        serve_loop(sv);
        return;
    }
    struct viz_live live = {sv, serve_window_pump};
    struct viz_window_options wo;
    memset(&wo, 0, sizeof wo);
    wo.lang = o->lang ? o->lang : ui_lang_from_locale();
    wo.live = &live;
    struct build_options none;
    memset(&none, 0, sizeof none);
    char err[1024];
    enum viz_window_status st = viewer_window(&wo, &none, err, sizeof err);
    if (st == VIZ_WINDOW_NO_DISPLAY || st == VIZ_WINDOW_FAILED) {
        fprintf(stderr, "mailsim serve: %s; serving without a window\n",
                st == VIZ_WINDOW_FAILED ? err : "no display");
        serve_loop(sv);
    }
    /* the window was closed: the lesson is over */
}

int serve_main(int argc, char **argv)
{
    struct serve_opts o;
    memset(&o, 0, sizeof o);
    int rc = serve_parse(argc, argv, &o);
    if (rc) {
        return rc;
    }
    char err[1024];
    struct scenario *sc = catalog_load(o.scenario, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s\n", err);
        return SERVE_EXIT_USAGE;
    }
    if (strcmp(o.bind, "127.0.0.1") != 0) {
        fprintf(stderr, "mailsim serve: warning: listening on %s, not only on loopback: anyone "
                        "who can reach it can use these accounts, whose passwords are printed\n",
                o.bind);
    }
    serve_enable_tls(sc);
    struct trace tr;
    if (trace_init(&tr) != 0) {
        scenario_free(sc);
        return SERVE_EXIT_USAGE;
    }
    struct tls_keylog keylog = {0};
    struct build_options bo = {0};
    bo.no_timeline = true;
    bo.tls_name = "localhost";
    if (o.keylog) {
        keylog.file = fopen(o.keylog, "w");
        if (!keylog.file) {
            fprintf(stderr, "mailsim serve: cannot write %s: %s\n", o.keylog, strerror(errno));
            trace_free(&tr);
            scenario_free(sc);
            return SERVE_EXIT_USAGE;
        }
        setvbuf(keylog.file, NULL, _IOLBF, 0);
        bo.keylog = &keylog;
    }
    struct serve sv;
    memset(&sv, 0, sizeof sv);
    sv.tr = &tr;
    sv.max_conns = (size_t)o.max_conns;
    sv.idle_timeout_us = (uint64_t)o.idle_s * 1000000;
    sv.command_timeout_us = (uint64_t)o.command_s * 1000000;
    sv.mw = build_world(sc, &bo, &tr, err, sizeof err);
    int status = 0;
    if (!sv.mw) {
        fprintf(stderr, "%s: error: %s\n", sc->path, err);
        status = SERVE_EXIT_USAGE;
        goto out;
    }
    sv.mw->auto_tag = true;
    sv.mw->os_random = true;            /* APOP and CRAM-MD5 challenges must not repeat */
    sv.mw->epoch = (int64_t)time(NULL); /* Date: and Received: carry the real time */
    for (int k = 0; k < SERVE_N; k++) {
        sv.svc[k].kind = (enum serve_kind)k;
        sv.svc[k].fd = -1;
        sv.svc[k].target = -1;
    }
    if (serve_wire(&sv, sc, err, sizeof err) != 0) {
        fprintf(stderr, "mailsim serve: %s\n", err);
        status = SERVE_EXIT_USAGE;
        goto out;
    }
    if (o.ca_out && serve_write_ca(sv.mw, o.ca_out) != 0) {
        status = SERVE_EXIT_USAGE;
        goto out;
    }
    sv.ep = epoll_create1(EPOLL_CLOEXEC);
    for (int k = 0; k < SERVE_N; k++) {
        struct serve_service *svc = &sv.svc[k];
        if (o.ports[k] < 0 || svc->target < 0) {
            continue;
        }
        svc->fd = serve_listen(o.bind, (uint16_t)o.ports[k], &svc->port, err, sizeof err);
        if (svc->fd < 0) {
            fprintf(stderr, "mailsim serve: %s: %s\n", serve_names[k], err);
            status = SERVE_EXIT_USAGE;
            goto out;
        }
        struct epoll_event ev = {0};
        ev.events = EPOLLIN;
        ev.data.ptr = svc;
        epoll_ctl(sv.ep, EPOLL_CTL_ADD, svc->fd, &ev);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = serve_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &sv.t0);
    sim_advance(sv.mw->sim, 0);
    serve_ready(&sv, sc, o.ca_out);
    serve_run(&sv, &o);
    status = serve_outputs(&sv, &o);
out:
    for (int k = 0; k < SERVE_N; k++) {
        if (sv.svc[k].fd >= 0) {
            close(sv.svc[k].fd);
        }
    }
    for (size_t i = 0; i < sv.nconns; i++) {
        if (!sv.conns[i]->done) {
            sv.conns[i]->done = true;
            close(sv.conns[i]->fd);
            buf_free(&sv.conns[i]->in);
            buf_free(&sv.conns[i]->out);
        }
        free(sv.conns[i]);
    }
    free(sv.conns);
    if (sv.ep > 0) {
        close(sv.ep);
    }
    mail_world_free(sv.mw);
    if (keylog.file) {
        fclose(keylog.file);
    }
    trace_free(&tr);
    scenario_free(sc);
    return status;
}
