/* serve_bridge: live mode's bridges (see serve.h). One thread: epoll over the listening and
 * client sockets, and the simulation's event queue run against the monotonic clock. A real
 * connection is a bridge: bytes read from the socket are sent on a simulated connection from a
 * live host at the moment they came; bytes the simulated server sends arrive after the link's
 * latency and are written to the socket. Everything a real client says is in the trace. */
#define _GNU_SOURCE /* accept4 */
#include "serve_int.h"

#include "buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SERVE_READ_MAX 65536
#define SERVE_OUT_HIGH ((size_t)1 << 20) /* stop reading a client while this much waits for it */
#define SERVE_OUT_LOW ((size_t)1 << 18)  /* ... and read again below this */
#define SERVE_IN_MAX ((size_t)1 << 20)   /* bytes held before the simulated connection opens */

static const uint16_t serve_sim_port[SERVE_N] = {587, 465, 25, 110, 995};

volatile sig_atomic_t serve_stop;

void serve_on_signal(int sig)
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
    mail_world_run(sv->mw, now);
    sim_advance(sv->mw->sim, now);
    return now;
}

static void serve_arm(struct serve_conn *c)
{
    if (c->done) {
        return;
    }
    bool want_read =
        !c->client_eof && c->out.len < SERVE_OUT_HIGH && (c->reading || c->out.len < SERVE_OUT_LOW);
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
            mail_world_run(sv->mw, now);
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
    *BUF_PUSH(sv->conns, sv->nconns, sv->cap_conns, 64) = c;
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
            ssize_t ignored =
                send(fd, is_pop ? p : m, is_pop ? sizeof p - 1 : sizeof m - 1, MSG_NOSIGNAL);
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

int serve_listen(const char *bind_addr, uint16_t port, uint16_t *actual, char *err, size_t errlen)
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

/* One round: the simulation catches up with the clock, timeouts are swept, and the sockets are
 * waited on (at most wait_ms, less when the simulation has something due sooner). */
void serve_pump(struct serve *sv, int wait_ms)
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

void serve_loop(struct serve *sv)
{
    while (!serve_stop) {
        serve_pump(sv, 250);
    }
}

/* The window's hook: serve for a frame; on Ctrl-C or SIGTERM, NULL, which closes the window. */
