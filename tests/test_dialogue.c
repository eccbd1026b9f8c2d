/* test_dialogue: the client engines talking to the server engines over a simulated link — an
 * SMTP submission with AUTH and pipelining, and a POP3 retrieval with deletion — checked at
 * both ends and on a tap in the middle of the link. Also the servers' waits on the simulation
 * clock (a failed login's auth_failure_delay, Postfix's error sleep), and a submission without
 * AUTH refused as Postfix's submission template refuses it. */
#include "harness.h"
#include "pop3_client.h"
#include "pop3_server.h"
#include "session.h"
#include "smtp_client.h"
#include "smtp_server.h"

#include <stdlib.h>
#include <string.h>

struct fixture {
    struct trace tr;
    struct sim_world *w;
    int pc, server;
    uint32_t server_ip;
    char tapped[8192];
    size_t ntapped;
    /* what the server side saw */
    char got_from[512];
    char got_rcpt[512];
    char got_msg[2048];
    size_t got_len;
    int auth_ok;
    /* what the client side saw */
    int final_code;
    int auth_result;
    bool submission; /* the server refuses recipients without AUTH (Debian's template) */
    uint64_t auth_delay_us, sleep_us; /* the servers' waits */
    int messages;
    char retrieved[2048];
    bool committed[4];
    bool commit_called;
};

static void fx_tap(struct sim_world *w, void *ctx, uint32_t tap, uint32_t conn,
                   enum trace_side from, const uint8_t *p, size_t n)
{
    (void)w;
    (void)tap;
    (void)conn;
    (void)from;
    struct fixture *f = ctx;
    if (f->ntapped + n < sizeof f->tapped) {
        memcpy(f->tapped + f->ntapped, p, n);
        f->ntapped += n;
        f->tapped[f->ntapped] = 0;
    }
}

static void fx_init(struct fixture *f)
{
    char err[256];
    memset(f, 0, sizeof *f);
    trace_init(&f->tr);
    f->w = sim_world_new(3, &f->tr);
    int z = sim_zone_add(f->w, "lan", err, sizeof err);
    f->pc = sim_host_add(f->w, "pc", z, "192.0.2.10", err, sizeof err);
    f->server = sim_host_add(f->w, "mail", z, "192.0.2.20", err, sizeof err);
    int link = sim_link_add(f->w, f->pc, f->server, 500, err, sizeof err);
    sim_tap_add(f->w, "lan-tap", link, fx_tap, f);
    f->server_ip = sim_host_ip(f->w, f->server);
}

static void fx_free(struct fixture *f)
{
    sim_world_free(f->w);
    trace_free(&f->tr);
}

/* ---- SMTP ---- */

static bool srv_auth(void *ctx, enum sasl_mech mech, const char *authzid, const char *user,
                     const char *password, struct smtp_reply *reply)
{
    (void)mech;
    (void)authzid;
    (void)reply;
    struct fixture *f = ctx;
    f->auth_ok = strcmp(user, "alice") == 0 && strcmp(password, "wonderland") == 0;
    return f->auth_ok;
}

static bool srv_message(void *ctx, const struct smtp_envelope *env, const uint8_t *data, size_t len,
                        struct smtp_reply *reply)
{
    (void)reply;
    struct fixture *f = ctx;
    snprintf(f->got_from, sizeof f->got_from, "%s", env->mail_from);
    snprintf(f->got_rcpt, sizeof f->got_rcpt, "%s", env->nrcpt ? env->rcpt[0] : "");
    if (len < sizeof f->got_msg) {
        memcpy(f->got_msg, data, len);
        f->got_len = len;
    }
    return true;
}

/* smtpd_relay_restrictions = permit_sasl_authenticated, reject */
static bool srv_rcpt(void *ctx, const struct smtp_envelope *env, const char *forward_path,
                     struct smtp_reply *reply)
{
    struct fixture *f = ctx;
    if (!f->submission || env->authenticated) {
        return true;
    }
    smtp_reply_set(reply, 554, "5.7.1", "<%s>: Recipient address rejected: Access denied",
                   forward_path);
    return false;
}

static bool smtp_accept(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    struct fixture *f = ctx;
    struct smtp_server_config cfg = {0};
    cfg.hostname = "mail.a.example";
    cfg.auth_mechs = SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN);
    cfg.max_message_size = 100000;
    cfg.max_errors = 20;
    cfg.soft_error_limit = f->sleep_us ? 1 : 0;
    cfg.error_sleep_us = f->sleep_us;
    cfg.auth_failure_delay_us = f->auth_delay_us;
    static const struct smtp_server_hooks hooks = {
        .on_auth = srv_auth, .on_rcpt = srv_rcpt, .on_message = srv_message};
    struct smtp_server *s = smtp_server_new(&cfg, &hooks, ctx);
    return session_accept(w, conn, &session_smtp_server_ops, s, ctx, NULL, ep);
}

static void cli_result(void *ctx, size_t mail, const struct smtp_reply *r)
{
    (void)mail;
    struct fixture *f = ctx;
    f->final_code = r->code;
}

static void cli_auth(void *ctx, bool ok, const struct smtp_reply *r)
{
    (void)r;
    struct fixture *f = ctx;
    f->auth_result = ok ? 1 : 0;
}

/* The time of the first data event from `from` that holds text, or UINT64_MAX. */
static uint64_t fx_when(struct fixture *f, enum trace_side from, const char *text)
{
    for (size_t i = 0; i < f->tr.nevents; i++) {
        const struct trace_event *e = trace_event_at(&f->tr, i);
        if (e->kind != TRACE_DATA || e->from != from) {
            continue;
        }
        if (harness_contains(trace_bytes_ptr(&f->tr, e->bytes), e->bytes.len, text, strlen(text))) {
            return e->t;
        }
    }
    return UINT64_MAX;
}

/* Connects the client engine to the server's port from the PC, and runs the world to its end. */
static void fx_run_client(struct harness *h, struct fixture *f, uint16_t port,
                          const struct session_ops *ops, void *client)
{
    CHECK(h, session_connect(f->w, f->pc, "mua", f->server_ip, port, ops, client, f, NULL) != NULL);
    sim_run(f->w, UINT64_MAX);
}

/* Sends one message, msg, from alice@a.example to bob@b.example to the submission port with
 * a client configured by cfg, which reports its login and its mail to the fixture. */
static void fx_run_smtp_client(struct harness *h, struct fixture *f,
                               const struct smtp_client_config *cfg, const char *msg)
{
    static const struct smtp_client_hooks hooks = {.on_mail_result = cli_result,
                                                   .on_auth_result = cli_auth};
    struct smtp_client *c = smtp_client_new(cfg, &hooks, f);
    const char *rcpt = "bob@b.example";
    smtp_client_add_mail(c, "alice@a.example", &rcpt, 1, (const uint8_t *)msg, strlen(msg));
    fx_run_client(h, f, 587, &session_smtp_client_ops, c);
}

/* The server's reply holding told was sent delay_us after the client's line holding asked
 * arrived (half a millisecond of latency each way): a wait on the simulation clock. */
static void fx_check_delayed(struct harness *h, struct fixture *f, const char *asked,
                             const char *told, uint64_t delay_us)
{
    uint64_t at_asked = fx_when(f, TRACE_CLIENT, asked);
    uint64_t at_told = fx_when(f, TRACE_SERVER, told);
    CHECK(h, at_asked != UINT64_MAX && at_told != UINT64_MAX);
    CHECK_INT(h, at_told - at_asked, delay_us + 500);
}

static void test_smtp_over_link(struct harness *h, enum sasl_mech mech, const char *password)
{
    struct fixture f;
    fx_init(&f);
    f.auth_result = -1;
    sim_listen(f.w, f.server, 587, "submission", "msa", smtp_accept, &f);
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = "pc.a.example";
    cfg.user = "alice";
    cfg.password = password;
    cfg.mech = mech;
    cfg.want_pipelining = true;
    const char *msg = "Subject: hi\r\n\r\n.leading dot\r\n.\r\nend\r\n";
    fx_run_smtp_client(h, &f, &cfg, msg);
    bool right = strcmp(password, "wonderland") == 0;
    CHECK_INT(h, f.auth_result, right ? 1 : 0);
    if (right) {
        CHECK_INT(h, f.final_code, 250);
        CHECK_STR(h, f.got_from, "alice@a.example");
        CHECK_STR(h, f.got_rcpt, "bob@b.example");
        /* Stuffed on the wire, unstuffed at the server: the body arrives unchanged. */
        CHECK(h, f.got_len == strlen(msg) && memcmp(f.got_msg, msg, f.got_len) == 0);
        CHECK(h, strstr(f.tapped, "\r\n..leading dot\r\n..\r\nend\r\n.\r\n") != NULL);
    } else {
        CHECK(h, f.final_code >= 500);
        CHECK_INT(h, f.got_len, 0);
        CHECK(h, strstr(f.tapped, "535 5.7.8") != NULL);
    }
    /* The tap on the link saw the whole dialogue, including the credentials in base64. */
    CHECK(h, strstr(f.tapped, "220 mail.a.example ESMTP") == f.tapped);
    CHECK(h, strstr(f.tapped, mech == SASL_MECH_PLAIN ? "AUTH PLAIN" : "AUTH LOGIN") != NULL);
    CHECK(h, strstr(f.tapped, "221 2.0.0") != NULL);
    /* Both sides closed; the trace holds one connection with a client FIN and a server FIN. */
    CHECK_INT(h, f.tr.nconns, 1);
    CHECK(h, sim_is_closed(f.w, 1, TRACE_CLIENT) && sim_is_closed(f.w, 1, TRACE_SERVER));
    size_t closes = 0;
    for (size_t i = 0; i < f.tr.nevents; i++) {
        closes += trace_event_at(&f.tr, i)->kind == TRACE_CLOSE;
    }
    CHECK_INT(h, closes, 2);
    fx_free(&f);
}

/* Debian's submission template: without AUTH, MAIL gets 250, the recipient 554 Access denied,
 * DATA 554 no valid recipients; the client reports the recipient's refusal. */
static void test_submission_without_auth(struct harness *h)
{
    struct fixture f;
    fx_init(&f);
    f.submission = true;
    sim_listen(f.w, f.server, 587, "submission", "msa", smtp_accept, &f);
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = "pc.a.example";
    cfg.want_pipelining = true;
    fx_run_smtp_client(h, &f, &cfg, "Subject: hi\r\n\r\nhello\r\n");
    CHECK_INT(h, f.final_code, 554);
    CHECK_INT(h, f.got_len, 0);
    CHECK(h, strstr(f.tapped, "250 2.1.0 Ok\r\n554 5.7.1 <bob@b.example>: Recipient address "
                              "rejected: Access denied\r\n") != NULL);
    CHECK(h, strstr(f.tapped, "530") == NULL);
    fx_free(&f);
}

/* A wrong password: the 535 leaves auth_failure_delay after the AUTH came in, on the
 * simulation clock; the session then ends normally. */
static void test_smtp_auth_delay(struct harness *h)
{
    struct fixture f;
    fx_init(&f);
    f.auth_result = -1;
    f.auth_delay_us = 2000000;
    sim_listen(f.w, f.server, 587, "submission", "msa", smtp_accept, &f);
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = "pc.a.example";
    cfg.user = "alice";
    cfg.password = "wrong";
    cfg.mech = SASL_MECH_PLAIN;
    fx_run_smtp_client(h, &f, &cfg, "x\r\n");
    CHECK_INT(h, f.auth_result, 0);
    fx_check_delayed(h, &f, "AUTH PLAIN", "535 5.7.8", 2000000);
    CHECK(h, strstr(f.tapped, "221 2.0.0") != NULL);
    CHECK(h, sim_is_closed(f.w, 1, TRACE_CLIENT) && sim_is_closed(f.w, 1, TRACE_SERVER));
    fx_free(&f);
}

/* A raw client that sends its bytes at once and hangs up 1 s later, inside the server's pause:
 * the session ends, the pause's timer finds it gone, nothing more is sent. */
static void raw_open(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)ctx;
    static const char in[] = "EHLO x\r\nFOO\r\nFOO\r\nAUTH PLAIN AGFsaWNlAHdyb25n\r\n";
    sim_send(w, conn, TRACE_CLIENT, in, sizeof in - 1);
}

static void raw_hang_up(struct sim_world *w, void *ctx, uint64_t conn)
{
    (void)ctx;
    sim_close(w, (uint32_t)conn, TRACE_CLIENT);
}

static void raw_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p, size_t n)
{
    (void)w;
    (void)ctx;
    (void)conn;
    (void)p;
    (void)n;
}

static void raw_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)w;
    (void)ctx;
    (void)conn;
}

static void test_hang_up_in_a_pause(struct harness *h)
{
    struct fixture f;
    fx_init(&f);
    f.auth_delay_us = 2000000;
    f.sleep_us = 1000000;
    sim_listen(f.w, f.server, 587, "submission", "msa", smtp_accept, &f);
    struct sim_endpoint ep = {raw_data, raw_close, raw_open, &f};
    uint32_t conn = sim_connect(f.w, f.pc, "raw", f.server_ip, 587, &ep);
    CHECK(h, conn != 0);
    sim_schedule(f.w, 1500000, raw_hang_up, &f, conn);
    sim_run(f.w, UINT64_MAX);
    /* The first FOO came back at once; the second waited (soft limit 1) and its 1 s pause was
     * over before the hang-up; the 535 (2 s + 1 s) never went out. */
    CHECK(h, strstr(f.tapped, "500 5.5.2 Error: command not recognized\r\n") != NULL);
    CHECK(h, fx_when(&f, TRACE_SERVER, "535") == UINT64_MAX);
    CHECK(h, sim_is_closed(f.w, conn, TRACE_SERVER));
    CHECK_INT(h, sim_pending(f.w), 0);
    fx_free(&f);
}

/* ---- POP3 ---- */

static const struct pop3_message pop_msgs[2] = {
    {(const uint8_t *)"Subject: one\r\n\r\nfirst\r\n", 23, "uid-1"},
    {(const uint8_t *)"Subject: two\r\n\r\n.\r\n..x\r\n", 24, "uid-2"},
};

static bool pop_check(void *ctx, const char *user, const char *pass)
{
    (void)ctx;
    return strcmp(user, "bob") == 0 && strcmp(pass, "builder42") == 0;
}

static bool pop_open(void *ctx, const char *user, struct pop3_maildrop *out)
{
    (void)ctx;
    (void)user;
    out->messages = pop_msgs;
    out->count = 2;
    return true;
}

static bool pop_commit(void *ctx, const char *user, const bool *deleted, size_t n)
{
    (void)user;
    struct fixture *f = ctx;
    f->commit_called = true;
    for (size_t i = 0; i < n && i < 4; i++) {
        f->committed[i] = deleted[i];
    }
    return true;
}

static bool pop_accept(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    struct fixture *f = ctx;
    struct pop3_server_config cfg = {0};
    cfg.allow_user_pass = true;
    cfg.auth_failure_delay_us = f->auth_delay_us;
    static const struct pop3_server_hooks hooks = {
        .check_password = pop_check, .open_maildrop = pop_open, .commit = pop_commit};
    struct pop3_server *s = pop3_server_new(&cfg, &hooks, ctx);
    return session_accept(w, conn, &session_pop3_server_ops, s, ctx, NULL, ep);
}

static void pop_message(void *ctx, size_t index, const uint8_t *data, size_t len)
{
    (void)index;
    struct fixture *f = ctx;
    size_t used = strlen(f->retrieved);
    if (used + len + 2 < sizeof f->retrieved) {
        memcpy(f->retrieved + used, data, len);
        f->retrieved[used + len] = '|';
        f->retrieved[used + len + 1] = 0;
    }
    f->messages++;
}

/* Retrieves bob's mail from the POP3 port with the password given, reporting each message to
 * the fixture, and deleting them when asked. */
static void fx_run_pop3_client(struct harness *h, struct fixture *f, const char *password,
                               bool delete_after_retrieve)
{
    struct pop3_client_config cfg = {0};
    cfg.user = "bob";
    cfg.password = password;
    cfg.delete_after_retrieve = delete_after_retrieve;
    static const struct pop3_client_hooks hooks = {.on_message = pop_message};
    struct pop3_client *c = pop3_client_new(&cfg, &hooks, f);
    fx_run_client(h, f, 110, &session_pop3_client_ops, c);
}

static void test_pop3_over_link(struct harness *h)
{
    struct fixture f;
    fx_init(&f);
    sim_listen(f.w, f.server, 110, "pop3", "mra", pop_accept, &f);
    fx_run_pop3_client(h, &f, "builder42", true);
    CHECK_INT(h, f.messages, 2);
    CHECK_STR(h, f.retrieved, "Subject: one\r\n\r\nfirst\r\n|Subject: two\r\n\r\n.\r\n..x\r\n|");
    CHECK(h, f.commit_called && f.committed[0] && f.committed[1]);
    /* On the wire the dot lines were stuffed: ".." and "...x". */
    CHECK(h, strstr(f.tapped, "\r\n..\r\n...x\r\n.\r\n") != NULL);
    CHECK(h, strstr(f.tapped, "USER bob\r\n") != NULL && strstr(f.tapped, "PASS builder42\r\n"));
    fx_free(&f);
}

/* Dovecot's auth_failure_delay on the simulation clock: the -ERR comes 2 s after the PASS. */
static void test_pop3_auth_delay(struct harness *h)
{
    struct fixture f;
    fx_init(&f);
    f.auth_delay_us = 2000000;
    sim_listen(f.w, f.server, 110, "pop3", "mra", pop_accept, &f);
    fx_run_pop3_client(h, &f, "guess", false);
    CHECK_INT(h, f.messages, 0);
    fx_check_delayed(h, &f, "PASS guess", "-ERR [AUTH] Authentication failed.", 2000000);
    CHECK(h, sim_is_closed(f.w, 1, TRACE_CLIENT) && sim_is_closed(f.w, 1, TRACE_SERVER));
    fx_free(&f);
}

int main(void)
{
    struct harness h = {"test_dialogue", 0, 0};
    test_smtp_over_link(&h, SASL_MECH_PLAIN, "wonderland");
    test_smtp_over_link(&h, SASL_MECH_LOGIN, "wonderland");
    test_smtp_over_link(&h, SASL_MECH_PLAIN, "wrong");
    test_submission_without_auth(&h);
    test_smtp_auth_delay(&h);
    test_hang_up_in_a_pause(&h);
    test_pop3_over_link(&h);
    test_pop3_auth_delay(&h);
    return harness_finish(&h);
}
