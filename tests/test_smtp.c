/* test_smtp: the SMTP engines. Reply formatting and parsing; server dialogues and a robustness
 * table (input bytes -> exact reply bytes); scripted client cases; client <-> server sessions
 * pumped in-process. Every case runs twice: input fed whole, then one byte at a time. */
#include "harness.h"
#include "notes_check.h"
#include "sasl.h"
#include "smtp_client.h"
#include "smtp_server.h"

#include <stdlib.h>
#include <string.h>

#define HOST "mx.example.net"
#define G "220 " HOST " ESMTP mailsim\r\n"
#define EHLO_WITH(extra)                                                                           \
    "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-VRFY\r\n" extra                       \
    "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
#define AUTH_LINE "250-AUTH PLAIN LOGIN CRAM-MD5\r\n"
#define EHLO_R EHLO_WITH(AUTH_LINE)
#define OK "250 2.0.0 Ok\r\n"
#define OK_MAIL "250 2.1.0 Ok\r\n"
#define OK_RCPT "250 2.1.5 Ok\r\n"
#define GO_DATA "354 End data with <CR><LF>.<CR><LF>\r\n"
#define QUEUED(n) "250 2.0.0 Ok: queued as 0000002A0" #n "\r\n"
#define BYE "221 2.0.0 Bye\r\n"
#define BAD_SYNTAX "500 5.5.2 Error: bad syntax\r\n"
#define BARE_LF_REJECT "550 5.5.2 " HOST " Error: bare <LF> received\r\n"
#define UNKNOWN "500 5.5.2 Error: command not recognized\r\n"
#define NO_RCPTS "554 5.5.1 Error: no valid recipients\r\n"
#define BAD_SENDER "501 5.1.7 Bad sender address syntax\r\n"
#define BAD_RCPT "501 5.1.3 Bad recipient address syntax\r\n"
#define NEED_TLS "530 5.7.0 Must issue a STARTTLS command first\r\n"
#define AUTH_OK "235 2.7.0 Authentication successful\r\n"
#define AUTH_FAIL "535 5.7.8 Error: authentication failed: authentication failure\r\n"
#define TXN "EHLO c.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
#define TXN_R G EHLO_R OK_MAIL OK_RCPT GO_DATA
/* base64 of "\0alice\0secret" and of "alice", "secret", "wrong" */
#define PLAIN_ALICE "AGFsaWNlAHNlY3JldA=="
#define B64_ALICE "YWxpY2U="
#define B64_SECRET "c2VjcmV0"
#define B64_WRONG "d3Jvbmc="

/* Selects the server configuration and hooks of a case. */
enum {
    CFG_NOAUTH = 1 << 0,     /* no AUTH offered */
    CFG_TLS = 1 << 1,        /* STARTTLS advertised, no hook */
    CFG_TLS_HOOK = 1 << 2,   /* STARTTLS advertised, the hook accepts */
    CFG_AUTH_TLS = 1 << 3,   /* AUTH only over TLS */
    CFG_ERR3 = 1 << 4,       /* max_errors 3 instead of 20 */
    CFG_TLS_ACTIVE = 1 << 5, /* the connection is TLS from the start */
    /* Postfix's stricter settings, each on its own (their defaults are off) */
    CFG_HELO_REQ = 1 << 6,    /* smtpd_helo_required */
    CFG_STRICT = 1 << 7,      /* strict_rfc821_envelopes */
    CFG_BARE_REJECT = 1 << 8, /* smtpd_forbid_bare_newline = reject */
    CFG_NO_VRFY = 1 << 9,     /* disable_vrfy_command */
    CFG_TLS_ENC = 1 << 10,    /* smtpd_tls_security_level = encrypt */
};

/* ---- The test server's hooks ---- */

struct test_server_ctx {
    unsigned flags;
    struct buf msg; /* the last message on_message saw */
    bool have_msg;
    bool bare_lf, bare_cr;
    enum smtp_body body; /* BODY= of the last message */
    bool same_state_change;
    unsigned auth_results;
    bool last_auth_ok;
};

static void ts_on_state(void *ctx, enum smtp_server_state old_state,
                        enum smtp_server_state new_state)
{
    struct test_server_ctx *t = ctx;
    t->same_state_change |= old_state == new_state;
}

static bool ts_on_auth(void *ctx, enum sasl_mech mech, const char *authzid, const char *user,
                       const char *password, struct smtp_reply *reply)
{
    (void)ctx;
    (void)mech;
    (void)authzid;
    if (strcmp(user, "tempfail") == 0) {
        smtp_reply_set(reply, 454, "4.7.0", "Temporary authentication failure");
        return false;
    }
    return strcmp(user, "alice") == 0 && strcmp(password, "secret") == 0;
}

static const char *ts_get_secret(void *ctx, const char *user)
{
    (void)ctx;
    return strcmp(user, "alice") == 0 ? "tanstaaftanstaaf" : NULL;
}

static void ts_on_auth_result(void *ctx, enum sasl_mech mech, const char *user, bool ok)
{
    struct test_server_ctx *t = ctx;
    (void)mech;
    (void)user;
    t->auth_results++;
    t->last_auth_ok = ok;
}

static bool ts_on_mail(void *ctx, const struct smtp_envelope *env, const char *path,
                       struct smtp_reply *reply)
{
    (void)ctx;
    (void)env;
    if (strcmp(path, "temp@example.org") == 0) {
        smtp_reply_set(reply, 451, "4.3.0", "<%s>: Sender address rejected: try again later", path);
        return false;
    }
    if (strcmp(path, "spam@example.org") == 0) {
        smtp_reply_set(reply, 554, "5.7.1", "<%s>: Sender address rejected: Access denied", path);
        return false;
    }
    return true;
}

static bool ts_on_rcpt(void *ctx, const struct smtp_envelope *env, const char *path,
                       struct smtp_reply *reply)
{
    (void)ctx;
    (void)env;
    if (strcmp(path, "nobody@example.net") == 0) {
        smtp_reply_set(reply, 550, "5.1.1", "<%s>: Recipient address rejected: User unknown", path);
        return false;
    }
    if (strcmp(path, "busy@example.net") == 0) {
        smtp_reply_set(reply, 450, "4.2.1", "<%s>: Recipient address rejected: Mailbox busy", path);
        return false;
    }
    if (strcmp(path, "silent@example.net") == 0) {
        return false; /* no reply set: the engine's 451 */
    }
    return true;
}

/* As Postfix's recipient checks would answer VRFY for an unknown local user. */
static bool ts_on_vrfy(void *ctx, const struct smtp_envelope *env, const char *address,
                       struct smtp_reply *reply)
{
    (void)ctx;
    (void)env;
    if (strcmp(address, "nobody@example.net") == 0) {
        smtp_reply_set(reply, 550, "5.1.1",
                       "<%s>: Recipient address rejected: User unknown in local recipient table",
                       address);
        return false;
    }
    return true;
}

static bool ts_on_message(void *ctx, const struct smtp_envelope *env, const uint8_t *data,
                          size_t len, struct smtp_reply *reply)
{
    struct test_server_ctx *t = ctx;
    buf_clear(&t->msg);
    buf_append(&t->msg, data, len);
    t->have_msg = true;
    t->bare_lf = env->body_bare_lf;
    t->bare_cr = env->body_bare_cr;
    t->body = env->body;
    for (size_t i = 0; i + 9 <= len; i++) {
        if (memcmp(data + i, "REJECT-ME", 9) == 0) {
            smtp_reply_set(reply, 554, "5.7.1", "Error: message content rejected");
            return false;
        }
    }
    return true;
}

static int ts_on_starttls(void *ctx)
{
    (void)ctx;
    return 0;
}

static struct smtp_server *test_server_new(unsigned flags, struct test_server_ctx *t)
{
    memset(t, 0, sizeof *t);
    t->flags = flags;
    buf_init(&t->msg, 0);
    struct smtp_server_config cfg = {
        .hostname = HOST,
        .max_message_size = 10000,
        .max_recipients = 100,
        .max_errors = (flags & CFG_ERR3) ? 3 : 20,
        .auth_mechs = (flags & CFG_NOAUTH)
                          ? 0
                          : SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN) |
                                SASL_MECH_BIT(SASL_MECH_CRAM_MD5),
        .auth_requires_tls = (flags & CFG_AUTH_TLS) != 0,
        .tls_available =
            (flags & (CFG_TLS | CFG_TLS_HOOK | CFG_AUTH_TLS | CFG_TLS_ACTIVE | CFG_TLS_ENC)) != 0,
        .tls_active = (flags & CFG_TLS_ACTIVE) != 0,
        .tls_required = (flags & CFG_TLS_ENC) != 0,
        .helo_required = (flags & CFG_HELO_REQ) != 0,
        .strict_rfc821_envelopes = (flags & CFG_STRICT) != 0,
        .reject_bare_lf = (flags & CFG_BARE_REJECT) != 0,
        .disable_vrfy = (flags & CFG_NO_VRFY) != 0,
        .myorigin = "example.net",
        .session_id = 42,
    };
    struct smtp_server_hooks hooks = {
        .on_state = ts_on_state,
        .on_auth = ts_on_auth,
        .get_secret = ts_get_secret,
        .on_auth_result = ts_on_auth_result,
        .on_mail = ts_on_mail,
        .on_rcpt = ts_on_rcpt,
        .on_vrfy = ts_on_vrfy,
        .on_message = ts_on_message,
        .on_starttls =
            (flags & (CFG_TLS_HOOK | CFG_AUTH_TLS | CFG_TLS_ENC)) ? ts_on_starttls : NULL,
    };
    struct smtp_server *s = smtp_server_new(&cfg, &hooks, t);
    if (!s) {
        abort();
    }
    return s;
}

static void server_feed(struct smtp_server *s, const struct buf *in, bool bytewise)
{
    if (!bytewise) {
        smtp_server_feed(s, in->data, in->len);
        return;
    }
    for (size_t i = 0; i < in->len; i++) {
        smtp_server_feed(s, in->data + i, 1);
    }
}

static void server_take_output(struct smtp_server *s, struct buf *got)
{
    const uint8_t *out;
    size_t n = smtp_server_output(s, &out);
    buf_append(got, out, n);
    smtp_server_output_consumed(s, n);
}

/* ---- Server case tables ---- */

/* What a builder makes for cases too big or too computed to write as literals. */
struct built {
    struct buf in, want, in2, msg;
    bool has_msg;
};

struct server_case {
    const char *name;
    unsigned flags;
    const char *in; /* fed first */
    size_t in_len;
    const char *want; /* all server output, greeting included */
    bool want_done;
    const char *want_msg; /* the message on_message saw last; NULL: none checked */
    unsigned want_bare;   /* with want_msg: 1 bare LF flagged, 2 bare CR flagged */
    const char *in2;      /* fed after in (and after smtp_server_tls_started when tls) */
    size_t in2_len;
    bool tls;
    size_t max_buffered; /* if nonzero, smtp_server_buffered() after in must not exceed it */
    void (*build)(struct built *b);
};

/* IN("...") fills in and in_len (designated, then the next member), NULs included. */
#define IN(lit) .in = lit, sizeof(lit) - 1
#define IN2(lit) .in2 = lit, sizeof(lit) - 1

static const struct server_case dialogue_cases[] = {
    {"greeting only", 0, IN(""), G},
    {"helo", 0, IN("HELO c.example.org\r\n"), G "250 " HOST "\r\n"},
    {"ehlo", 0, IN("EHLO c.example.org\r\n"), G EHLO_R},
    {"ehlo without auth", CFG_NOAUTH, IN("EHLO c\r\n"), G EHLO_WITH("")},
    {"ehlo with starttls", CFG_TLS, IN("EHLO c\r\n"), G EHLO_WITH("250-STARTTLS\r\n" AUTH_LINE)},
    {"ehlo hides auth until tls", CFG_AUTH_TLS, IN("EHLO c\r\n"), G EHLO_WITH("250-STARTTLS\r\n")},
    {"ehlo over tls", CFG_TLS_ACTIVE, IN("EHLO c\r\n"), G EHLO_R},
    {"full transaction", 0, IN(TXN "Subject: hi\r\n\r\nHello.\r\n.\r\nQUIT\r\n"),
     TXN_R QUEUED(1) BYE, true, "Subject: hi\r\n\r\nHello.\r\n"},
    {"two transactions", 0,
     IN(TXN "one\r\n.\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\ntwo\r\n"
            ".\r\n"),
     TXN_R QUEUED(1) OK_MAIL OK_RCPT GO_DATA QUEUED(2), false, "two\r\n"},
    {"empty message", 0, IN(TXN ".\r\n"), TXN_R QUEUED(1), false, ""},
    {"dot unstuffing", 0, IN(TXN "..\r\n...x\r\n.a\r\n.\r\n"), TXN_R QUEUED(1), false,
     ".\r\n..x\r\na\r\n"},
    {"rset and noop", 0, IN("RSET\r\nNOOP\r\nNOOP anything\r\n"), G OK OK OK},
    {"rset ends the transaction", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRSET\r\nRCPT TO:<b@example.net>\r\n"),
     G EHLO_R OK_MAIL OK "503 5.5.1 Error: need MAIL command\r\n"},
    {"vrfy", 0, IN("VRFY bob@example.net\r\n"), G "252 2.0.0 bob@example.net\r\n"},
    /* Postfix answers VRFY after its recipient checks, with the argument as sent. */
    {"vrfy brackets and bare names", 0, IN("VRFY <bob@example.net>\r\nVRFY bob\r\n"),
     G "252 2.0.0 <bob@example.net>\r\n252 2.0.0 bob\r\n"},
    {"vrfy an unknown local user", 0, IN("VRFY nobody@example.net\r\nVRFY nobody\r\n"),
     G "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local "
       "recipient table\r\n"
       "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local "
       "recipient table\r\n"},
    {"vrfy disabled", CFG_NO_VRFY, IN("VRFY bob@example.net\r\nVRFY nobody@example.net\r\n"),
     G "502 5.5.1 VRFY command is disabled\r\n502 5.5.1 VRFY command is disabled\r\n"},
    /* Postfix has no HELP and no EXPN. */
    {"help and expn are unknown", 0, IN("HELP\r\nHELP MAIL\r\nEXPN bob\r\n"),
     G UNKNOWN UNKNOWN UNKNOWN},
    {"quit", 0, IN("QUIT\r\n"), G BYE, true},
    {"mail with size and body", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org> SIZE=100 BODY=8BITMIME\r\n"), G EHLO_R OK_MAIL},
    {"mail body 7bit", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org> body=7bit\r\n"),
     G EHLO_R OK_MAIL},
    {"mail auth param", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org> AUTH=<>\r\n"), G EHLO_R OK_MAIL},
    {"null sender", 0, IN("EHLO c\r\nMAIL FROM:<>\r\n"), G EHLO_R OK_MAIL},
    {"quoted local part", 0, IN("EHLO c\r\nMAIL FROM:<\"a b>c\"@example.org>\r\n"),
     G EHLO_R OK_MAIL},
    {"address literal", 0, IN("EHLO c\r\nMAIL FROM:<a@[192.0.2.1]>\r\n"), G EHLO_R OK_MAIL},
    {"rcpt postmaster", 0, IN("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\n"),
     G EHLO_R OK_MAIL OK_RCPT},
    {"source route ignored", 0,
     IN("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<@relay.example,@b.example:bob@example.net>\r\n"),
     G EHLO_R OK_MAIL OK_RCPT},
    {"rcpt rejected then no valid recipients", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.net>\r\nDATA\r\n"),
     G EHLO_R OK_MAIL "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n"
                      "554 5.5.1 Error: no valid recipients\r\n"},
    {"rcpt transient reject", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<busy@example.net>\r\n"),
     G EHLO_R OK_MAIL "450 4.2.1 <busy@example.net>: Recipient address rejected: Mailbox busy\r\n"},
    {"hook refuses without a reply", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<silent@example.net>\r\n"),
     G EHLO_R OK_MAIL "451 4.3.0 Error: policy hook gave no reply\r\n"},
    {"mail rejected 4xx and 5xx", 0,
     IN("EHLO c\r\nMAIL FROM:<temp@example.org>\r\nMAIL FROM:<spam@example.org>\r\n"),
     G EHLO_R "451 4.3.0 <temp@example.org>: Sender address rejected: try again later\r\n"
              "554 5.7.1 <spam@example.org>: Sender address rejected: Access denied\r\n"},
    {"message rejected by policy", 0, IN(TXN "REJECT-ME\r\n.\r\nNOOP\r\n"),
     TXN_R "554 5.7.1 Error: message content rejected\r\n" OK, false, "REJECT-ME\r\n"},
    {"ehlo resets the transaction", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nHELO c\r\nRCPT TO:<b@example.net>\r\n"),
     G EHLO_R OK_MAIL "250 " HOST "\r\n503 5.5.1 Error: need MAIL command\r\n"},
    {"auth plain initial response", 0, IN("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"),
     G EHLO_R AUTH_OK},
    {"auth plain after 334", 0, IN("EHLO c\r\nAUTH PLAIN\r\n" PLAIN_ALICE "\r\n"),
     G EHLO_R "334 \r\n" AUTH_OK},
    {"auth login", 0, IN("EHLO c\r\nAUTH LOGIN\r\n" B64_ALICE "\r\n" B64_SECRET "\r\n"),
     G EHLO_R "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n" AUTH_OK},
    {"auth login initial response", 0,
     IN("EHLO c\r\nauth login " B64_ALICE "\r\n" B64_SECRET "\r\n"),
     G EHLO_R "334 UGFzc3dvcmQ6\r\n" AUTH_OK},
    {"auth temporary failure from hook", 0, IN("EHLO c\r\nAUTH PLAIN AHRlbXBmYWlsAHg=\r\n"),
     G EHLO_R "454 4.7.0 Temporary authentication failure\r\n"},
    {"auth then transaction", 0,
     IN("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\nMAIL FROM:<a@example.org>\r\n"),
     G EHLO_R AUTH_OK OK_MAIL},
    {"starttls not offered", 0, IN("STARTTLS\r\n"),
     G "502 5.5.1 Error: command not implemented\r\n"},
    {"starttls already active", CFG_TLS_ACTIVE, IN("STARTTLS\r\n"),
     G "554 5.5.1 Error: TLS already active\r\n"},
    {"starttls in transaction", CFG_TLS_HOOK, IN("EHLO c\r\nMAIL FROM:<>\r\nSTARTTLS\r\n"),
     G EHLO_WITH("250-STARTTLS\r\n" AUTH_LINE) OK_MAIL
     "503 5.5.1 Error: MAIL transaction in progress\r\n"},
    {"starttls with argument", CFG_TLS_HOOK, IN("STARTTLS now\r\n"),
     G "501 5.5.4 Syntax: STARTTLS\r\n"},
    {"auth after starttls", CFG_AUTH_TLS, IN("EHLO c\r\nSTARTTLS\r\n"),
     G EHLO_WITH("250-STARTTLS\r\n") "220 2.0.0 Ready to start TLS\r\n" EHLO_R AUTH_OK, false, NULL,
     0, IN2("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"), true, 0, NULL},
};

static void build_line(struct buf *b, const char *head, size_t n, char fill, const char *tail)
{
    buf_append_str(b, head);
    for (size_t i = 0; i < n; i++) {
        buf_append(b, &fill, 1);
    }
    buf_append_str(b, tail);
}

static void build_cmd_2048(struct built *b)
{
    /* Postfix reads a command line up to line_length_limit (2048) octets and skips the rest:
     * "NOOP " + 2043 is read whole, "NOOP " + 5000 is cut and still a NOOP, a 2000-octet verb is
     * an unknown command, and the session stays in step. */
    build_line(&b->in, "NOOP ", 2043, 'x', "\r\n");
    build_line(&b->in, "NOOP ", 5000, 'x', "\r\n");
    build_line(&b->in, "", 2000, 'X', "\r\nNOOP\r\n");
    buf_append_str(&b->want, G OK OK UNKNOWN OK);
}

static void build_long_600(struct built *b)
{
    build_line(&b->in, "NOOP ", 595, 'x', "\r\nNOOP\r\n");
    buf_append_str(&b->want, G OK OK);
}

static void build_long_100000(struct built *b)
{
    /* Cut at 2048 octets, the path has no closing bracket left. */
    build_line(&b->in, "MAIL FROM:<", 100000, 'a', ">\r\nNOOP\r\n");
    buf_append_str(&b->want, G BAD_SENDER OK);
}

static void build_blob_10mb(struct built *b)
{
    build_line(&b->in, "", 10 * 1024 * 1024, 'A', "");
    buf_append_str(&b->in2, "\r\nNOOP\r\n");
    buf_append_str(&b->want, G UNKNOWN OK);
}

static void build_2000_rcpts(struct built *b)
{
    buf_append_str(&b->in, "EHLO c\r\nMAIL FROM:<a@example.org>\r\n");
    buf_append_str(&b->want, G EHLO_R OK_MAIL);
    for (int i = 0; i < 2000; i++) {
        buf_printf(&b->in, "RCPT TO:<r%d@example.net>\r\n", i);
        buf_append_str(&b->want, i < 100 ? OK_RCPT : "452 4.5.3 Error: too many recipients\r\n");
    }
    buf_append_str(&b->in, "DATA\r\nx\r\n.\r\n");
    buf_append_str(&b->want, GO_DATA QUEUED(1));
}

static void build_data_past_size(struct built *b)
{
    buf_append_str(&b->in, TXN);
    for (int i = 0; i < 250; i++) {
        build_line(&b->in, "", 78, 'y', "\r\n"); /* 250 x 80 = 20000 > 10000 */
    }
    buf_append_str(&b->in, ".\r\nNOOP\r\n");
    buf_append_str(&b->want, TXN_R "552 5.3.4 Error: message file too big\r\n" OK);
}

static void build_data_long_line(struct built *b)
{
    /* RFC 5321 §4.5.3.1 asks for tolerance of longer lines, and Postfix queues them: the line is
     * kept whole, however the reader splits it. */
    buf_append_str(&b->in, TXN "short\r\n");
    build_line(&b->in, "", 1200, 'z', "\r\nmore\r\n.\r\nNOOP\r\n");
    buf_append_str(&b->want, TXN_R QUEUED(1) OK);
    buf_append_str(&b->msg, "short\r\n");
    build_line(&b->msg, "", 1200, 'z', "\r\nmore\r\n");
    b->has_msg = true;
}

static void build_data_999(struct built *b)
{
    /* 999 octets + CRLF = 1001: one over the text line limit, taken all the same. */
    buf_append_str(&b->in, TXN);
    build_line(&b->in, "", 999, 'z', "\r\n.\r\n");
    buf_append_str(&b->want, TXN_R QUEUED(1));
    build_line(&b->msg, "", 999, 'z', "\r\n");
    b->has_msg = true;
}

static void build_data_piece_edges(struct built *b)
{
    /* The reader hands a long line over in pieces of 999 octets. A piece that starts with a dot
     * is no line start (no unstuffing, no end of DATA), and a CR at a piece's edge is still
     * seen with what follows it. */
    buf_append_str(&b->in, TXN);
    build_line(&b->in, "", 999, 'z', ".\r\n");
    build_line(&b->in, "", 999, 'y', "\rx\r\n");
    build_line(&b->in, ".", 3000, 'w', "\r\n.\r\n");
    buf_append_str(&b->want, TXN_R QUEUED(1));
    build_line(&b->msg, "", 999, 'z', ".\r\n");
    build_line(&b->msg, "", 999, 'y', "\rx\r\n");
    build_line(&b->msg, "", 3000, 'w', "\r\n");
    b->has_msg = true;
}

static void build_data_998_stuffed(struct built *b)
{
    /* "." + 998 octets + CRLF: legal, the duplicated dot does not count (RFC 5321 4.5.3.1.6). */
    buf_append_str(&b->in, TXN);
    build_line(&b->in, ".", 998, 'z', "\r\n.\r\n");
    buf_append_str(&b->want, TXN_R QUEUED(1));
    build_line(&b->msg, "", 998, 'z', "\r\n");
    b->has_msg = true;
}

static void build_cram(struct built *b, const char *secret, const char *result)
{
    char challenge[128], response[128];
    sasl_encode_text("<42.1@" HOST ">", challenge, sizeof challenge);
    sasl_cram_md5_response("alice", secret, challenge, strlen(challenge), response,
                           sizeof response);
    buf_printf(&b->in, "EHLO c\r\nAUTH CRAM-MD5\r\n%s\r\n", response);
    buf_printf(&b->want, G EHLO_R "334 %s\r\n%s", challenge, result);
}

static void build_cram_ok(struct built *b)
{
    build_cram(b, "tanstaaftanstaaf", AUTH_OK);
}

static void build_cram_bad(struct built *b)
{
    build_cram(b, "guess", AUTH_FAIL);
}

static void build_sasl_too_long(struct built *b)
{
    build_line(&b->in, "EHLO c\r\nAUTH PLAIN\r\n", 13000, 'A', "\r\nNOOP\r\n");
    buf_append_str(&b->want, G EHLO_R "334 \r\n"
                                      "500 5.5.6 Authentication Exchange line is too long\r\n" OK);
}

static void build_sasl_long_ok(struct built *b)
{
    /* A 12000-octet response is within the RFC 4954 limit: decoded, then refused as PLAIN. */
    build_line(&b->in, "EHLO c\r\nAUTH PLAIN\r\n", 12000, 'A', "\r\n");
    buf_append_str(&b->want, G EHLO_R "334 \r\n" AUTH_FAIL);
}

static void build_refusals_count(struct built *b)
{
    /* In Postfix every failed command counts, whoever refused it: three refused recipients
     * reach a hard limit of 3. */
    buf_append_str(&b->in, "EHLO c\r\nMAIL FROM:<a@example.org>\r\n");
    buf_append_str(&b->want, G EHLO_R OK_MAIL);
    for (int i = 0; i < 3; i++) {
        buf_append_str(&b->in, "RCPT TO:<nobody@example.net>\r\n");
        buf_append_str(&b->want, "550 5.1.1 <nobody@example.net>: Recipient address rejected: "
                                 "User unknown\r\n");
    }
    buf_append_str(&b->want, "421 4.7.0 " HOST " Error: too many errors\r\n");
}

static void build_message_forgives(struct built *b)
{
    /* "Forgive any previous client errors when a message was received successfully." */
    buf_append_str(&b->in, "FOO\r\nBAR\r\n" TXN "x\r\n.\r\nFOO\r\nBAR\r\nNOOP\r\n");
    buf_append_str(&b->want,
                   G UNKNOWN UNKNOWN EHLO_R OK_MAIL OK_RCPT GO_DATA QUEUED(1) UNKNOWN UNKNOWN OK);
}

static void build_errors_with_auth(struct built *b)
{
    /* Password guessing: each 535 counts, the third ends the session. */
    buf_append_str(&b->in, "EHLO c\r\n");
    buf_append_str(&b->want, G EHLO_R);
    for (int i = 0; i < 3; i++) {
        buf_append_str(&b->in, "AUTH LOGIN " B64_ALICE "\r\n" B64_WRONG "\r\n");
        buf_append_str(&b->want, "334 UGFzc3dvcmQ6\r\n" AUTH_FAIL);
    }
    buf_append_str(&b->in, "NOOP\r\n");
    buf_append_str(&b->want, "421 4.7.0 " HOST " Error: too many errors\r\n");
}

static const struct server_case robustness_cases[] = {
    {"command line of 2048 octets and past it", .build = build_cmd_2048},
    {"command line 600 octets", .build = build_long_600},
    {"command line 100000 octets", .build = build_long_100000},
    {"10 MB without a newline", .build = build_blob_10mb,
     .max_buffered = SMTP_SERVER_LINE_LIMIT + 2},
    {"NUL in command", 0, IN("NO\0OP\r\nNOOP\r\n"), G BAD_SYNTAX OK},
    /* smtpd_forbid_bare_newline = normalize (Postfix >= 3.9's default): a bare LF ends a
     * command like CRLF; reject answers 550 and hangs up. */
    {"bare LF ends a command (normalize)", 0, IN("NOOP\nNOOP\r\nQUIT\nNOOP\r\n"), G OK OK BYE,
     true},
    {"bare LF refused (reject)", CFG_BARE_REJECT, IN("NOOP\r\nNOOP\nNOOP\r\n"), G OK BARE_LF_REJECT,
     true},
    {"bare LF inside DATA refused at the end (reject)", CFG_BARE_REJECT,
     IN(TXN "a\nb\r\n.\r\nNOOP\r\n"), TXN_R BARE_LF_REJECT OK},
    {"bare CR inside command", 0, IN("NOOP\rQUIT\r\n"), G BAD_SYNTAX},
    {"bare CR never ends a line", 0, IN("NOOP\rNOOP\rNOOP\r"), G, .max_buffered = 32},
    {"empty line", 0, IN("\r\n"), G BAD_SYNTAX},
    {"binary garbage", 0, IN("\x80\x01\xff\xfe\x00\x1b[2J\r\n\xc3\xa9t\xc3\xa9\r\n"),
     G BAD_SYNTAX UNKNOWN},
    {"pipelined junk", 0, IN("EHLO c\r\nFOO\r\nBAR baz\r\nNOOP\r\nMAILFROM:<a@b>\r\n"),
     G EHLO_R UNKNOWN UNKNOWN OK UNKNOWN},
    {"lower-case commands", 0,
     IN("ehlo c\r\nmail from:<a@example.org>\r\nrcpt to:<b@example.net>\r\ndata\r\nx\r\n.\r\n"
        "quit\r\n"),
     G EHLO_R OK_MAIL OK_RCPT GO_DATA QUEUED(1) BYE, true, "x\r\n"},
    {"LF.LF inside DATA is body", 0, IN(TXN "a\n.\nb\r\n.\r\n"), TXN_R QUEUED(1), false,
     "a\n.\nb\r\n", 1},
    {"CR.CR inside DATA is body", 0, IN(TXN "a\r.\rb\r\n.\r\n"), TXN_R QUEUED(1), false,
     "a\r.\rb\r\n", 2},
    {"LF.CRLF smuggling", 0,
     IN(TXN "a\n.\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nforged\r\n"
            ".\r\n"),
     TXN_R QUEUED(1), false,
     "a\n.\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nforged\r\n", 1},
    {"HELO without argument", 0, IN("HELO\r\nEHLO   \r\n"),
     G "501 5.5.4 Syntax: HELO hostname\r\n501 5.5.4 Syntax: EHLO hostname\r\n"},
    /* smtpd_helo_required = no, Postfix's default, takes a transaction before HELO. */
    {"MAIL before HELO", 0,
     IN("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nx\r\n.\r\nRSET\r\n"),
     G OK_MAIL OK_RCPT GO_DATA QUEUED(1) OK, false, "x\r\n"},
    {"MAIL before HELO (smtpd_helo_required)", CFG_HELO_REQ,
     IN("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRSET\r\n"),
     G "503 5.5.1 Error: send HELO/EHLO first\r\n503 5.5.1 Error: need MAIL command\r\n" OK},
    {"nested MAIL", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nMAIL FROM:<a@example.org>\r\n"),
     G EHLO_R OK_MAIL "503 5.5.1 Error: nested MAIL command\r\n"},
    {"RCPT before MAIL", 0, IN("EHLO c\r\nRCPT TO:<b@example.net>\r\n"),
     G EHLO_R "503 5.5.1 Error: need MAIL command\r\n"},
    {"DATA before MAIL", 0, IN("EHLO c\r\nDATA\r\n"),
     G EHLO_R "503 5.5.1 Error: need RCPT command\r\n"},
    /* Postfix: inside a transaction without a recipient, DATA gets 554 whether or not a RCPT
     * came. */
    {"DATA before RCPT", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nDATA\r\nDATA x\r\n"),
     G EHLO_R OK_MAIL NO_RCPTS NO_RCPTS},
    {"DATA with argument", 0,
     IN("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA now\r\n"),
     G EHLO_R OK_MAIL OK_RCPT "501 5.5.4 Syntax: DATA\r\n"},
    {"AUTH before EHLO", 0, IN("AUTH PLAIN " PLAIN_ALICE "\r\nMAIL FROM:<a@example.org>\r\n"),
     G AUTH_OK OK_MAIL},
    {"AUTH before EHLO (smtpd_helo_required)", CFG_HELO_REQ, IN("AUTH PLAIN\r\n"),
     G "503 5.5.1 Error: send HELO/EHLO first\r\n"},
    {"AUTH in transaction", 0, IN("EHLO c\r\nMAIL FROM:<>\r\nAUTH PLAIN\r\n"),
     G EHLO_R OK_MAIL "503 5.5.1 Error: MAIL transaction in progress\r\n"},
    {"2000 RCPTs against a cap of 100", .build = build_2000_rcpts},
    {"DATA past SIZE", .build = build_data_past_size},
    {"over-long DATA line kept", .build = build_data_long_line},
    {"DATA line of 999 octets", .build = build_data_999},
    {"DATA line pieces: dot and CR at the edges", .want_bare = 2, .build = build_data_piece_edges},
    {"hook refusals count as errors", CFG_ERR3, .want_done = true, .build = build_refusals_count},
    {"an accepted message forgives the errors", CFG_ERR3, .build = build_message_forgives},
    {"DATA line of 998 octets after a stuffed dot", .build = build_data_998_stuffed},
    {"SIZE= too big", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org> SIZE=20000\r\n"),
     G EHLO_R "552 5.3.4 Message size exceeds fixed limit\r\n"},
    {"SIZE= not a number", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org> SIZE=12k\r\n"),
     G EHLO_R "501 5.5.4 Bad message size syntax\r\n"},
    {"BODY= unknown", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org> BODY=BINARYMIME\r\n"),
     G EHLO_R "555 5.5.4 Unsupported option: BODY=BINARYMIME\r\n"},
    /* strict_rfc821_envelopes = no (Postfix's default) takes an address without brackets. */
    {"MAIL without brackets", 0,
     IN("EHLO c\r\nMAIL FROM:a@example.org SIZE=10\r\nRCPT TO:b@example.net\r\n"),
     G EHLO_R OK_MAIL OK_RCPT},
    {"MAIL without brackets (strict_rfc821_envelopes)", CFG_STRICT,
     IN("EHLO c\r\nMAIL FROM:a@example.org\r\nMAIL FROM:<a@example.org>\r\n"
        "RCPT TO:b@example.net\r\nRCPT TO:<b@example.net> \r\n"),
     G EHLO_R BAD_SENDER OK_MAIL BAD_RCPT OK_RCPT},
    {"MAIL space after colon", 0,
     IN("EHLO c\r\nMAIL FROM: <a@example.org>\r\nRSET\r\nMAIL FROM: <>\r\n"),
     G EHLO_R OK_MAIL OK OK_MAIL},
    {"MAIL space after colon (strict_rfc821_envelopes)", CFG_STRICT,
     IN("EHLO c\r\nMAIL FROM: <a@example.org>\r\n"), G EHLO_R OK_MAIL},
    {"MAIL junk after the brackets", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org>x\r\n"),
     G EHLO_R BAD_SENDER},
    {"MAIL without FROM", 0, IN("EHLO c\r\nMAIL <a@example.org>\r\nMAIL\r\n"),
     G EHLO_R "501 5.5.4 Syntax: MAIL FROM:<address>\r\n501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
    {"MAIL unclosed bracket", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org\r\n"), G EHLO_R BAD_SENDER},
    /* An address without a domain gets @myorigin (test_server_envelope looks at it). */
    {"MAIL bad address", 0,
     IN("EHLO c\r\nMAIL FROM:<a@@example.org>\r\nMAIL FROM:<a.@example.org>\r\n"
        "MAIL FROM:<a@-x.org>\r\nMAIL FROM:<a@>\r\nMAIL FROM:<a b@example.org>\r\n"
        "MAIL FROM:<a>\r\n"),
     G EHLO_R BAD_SENDER BAD_SENDER BAD_SENDER BAD_SENDER BAD_SENDER OK_MAIL},
    {"MAIL unknown parameter", 0, IN("EHLO c\r\nMAIL FROM:<a@example.org> FOO=bar\r\n"),
     G EHLO_R "555 5.5.4 Unsupported option: FOO=bar\r\n"},
    {"RCPT bad address", 0,
     IN("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<>\r\nRCPT TO:<bob>\r\nRCPT TO:bob@example.net\r\n"
        "RCPT TO:<bob@example.net\r\nRCPT TO:\r\nRCPT <bob@example.net>\r\n"),
     G EHLO_R OK_MAIL BAD_RCPT OK_RCPT OK_RCPT BAD_RCPT "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
                                                        "501 5.5.4 Syntax: RCPT TO:<address>\r\n"},
    {"RCPT unknown parameter", 0,
     IN("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<b@example.net> NOTIFY=NEVER\r\n"),
     G EHLO_R OK_MAIL "555 5.5.4 Unsupported option: NOTIFY=NEVER\r\n"},
    {"AUTH bad base64", 0, IN("EHLO c\r\nAUTH PLAIN !!!!\r\nAUTH LOGIN\r\nnot base64\r\n"),
     G EHLO_R "501 5.5.2 Cannot decode response\r\n334 VXNlcm5hbWU6\r\n"
              "501 5.5.2 Cannot decode response\r\n"},
    {"AUTH cancelled with *", 0, IN("EHLO c\r\nAUTH LOGIN\r\n*\r\nNOOP\r\n"),
     G EHLO_R "334 VXNlcm5hbWU6\r\n501 5.7.0 Authentication aborted\r\n" OK},
    {"AUTH LOGIN wrong password", 0,
     IN("EHLO c\r\nAUTH LOGIN\r\n" B64_ALICE "\r\n" B64_WRONG "\r\n"),
     G EHLO_R "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n" AUTH_FAIL},
    {"AUTH PLAIN malformed message", 0,
     IN("EHLO c\r\nAUTH PLAIN " B64_ALICE "\r\nAUTH PLAIN =\r\n"), G EHLO_R AUTH_FAIL AUTH_FAIL},
    {"AUTH twice", 0, IN("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"),
     G EHLO_R AUTH_OK "503 5.5.1 Error: already authenticated\r\n"},
    {"AUTH unknown mechanism", 0, IN("EHLO c\r\nAUTH GSSAPI\r\nAUTH\r\n"),
     G EHLO_R "504 5.5.4 Unrecognized authentication type\r\n"
              "501 5.5.4 Syntax: AUTH mechanism\r\n"},
    {"AUTH not enabled", CFG_NOAUTH, IN("EHLO c\r\nAUTH PLAIN\r\n"),
     G EHLO_WITH("") "503 5.5.1 Error: authentication not enabled\r\n"},
    /* smtpd_tls_auth_only: SASL is off until TLS, so AUTH is "not enabled"; MAIL goes on. */
    {"AUTH without TLS (smtpd_tls_auth_only)", CFG_AUTH_TLS,
     IN("EHLO c\r\nAUTH PLAIN\r\nMAIL FROM:<a@example.org>\r\n"),
     G EHLO_WITH("250-STARTTLS\r\n") "503 5.5.1 Error: authentication not enabled\r\n" OK_MAIL},
    /* smtpd_tls_security_level = encrypt: nothing but HELO, EHLO, STARTTLS, NOOP, QUIT before
     * TLS. */
    {"commands before TLS (smtpd_tls_security_level = encrypt)", CFG_TLS_ENC,
     IN("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\nAUTH LOGIN\r\nMAIL FROM:<a@example.org>\r\n"
        "RCPT TO:<b@example.net>\r\nVRFY bob\r\nRSET\r\nNOOP\r\nHELO c\r\nSTARTTLS\r\n"),
     G EHLO_WITH("250-STARTTLS\r\n") NEED_TLS NEED_TLS NEED_TLS NEED_TLS NEED_TLS NEED_TLS OK
     "250 " HOST "\r\n220 2.0.0 Ready to start TLS\r\n" EHLO_R AUTH_OK OK_MAIL,
     false, NULL, 0, IN2("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\nMAIL FROM:<a@example.org>\r\n"),
     true},
    {"CRAM-MD5 with initial response", 0, IN("EHLO c\r\nAUTH CRAM-MD5 abcd\r\n"),
     G EHLO_R "501 5.7.0 Error: CRAM-MD5 takes no initial response\r\n"},
    {"CRAM-MD5 right digest", .build = build_cram_ok},
    {"CRAM-MD5 wrong secret", .build = build_cram_bad},
    {"AUTH response over 12288 octets", .build = build_sasl_too_long},
    {"AUTH response of 12000 octets", .build = build_sasl_long_ok},
    {"AUTH response ended by bare LF", 0, IN("EHLO c\r\nAUTH PLAIN\r\n" PLAIN_ALICE "\n"),
     G EHLO_R "334 \r\n" AUTH_OK},
    {"AUTH response ended by bare LF (reject)", CFG_BARE_REJECT,
     IN("EHLO c\r\nAUTH PLAIN\r\n" PLAIN_ALICE "\nNOOP\r\n"), G EHLO_R "334 \r\n" BARE_LF_REJECT,
     true},
    {"password guessing hits max errors", CFG_ERR3, .want_done = true,
     .build = build_errors_with_auth},
    {"too many errors", CFG_ERR3, IN("FOO\r\nBAR\r\nBAZ\r\n"),
     G UNKNOWN UNKNOWN UNKNOWN "421 4.7.0 " HOST " Error: too many errors\r\n", true},
    {"bytes after 421 ignored", CFG_ERR3, IN("\r\n\r\n\r\nNOOP\r\nQUIT\r\n"),
     G BAD_SYNTAX BAD_SYNTAX BAD_SYNTAX "421 4.7.0 " HOST " Error: too many errors\r\n", true},
    {"commands after QUIT ignored", 0, IN("QUIT\r\nNOOP\r\nEHLO c\r\n"), G BYE, true},
    {"STARTTLS without a hook", CFG_TLS, IN("EHLO c\r\nSTARTTLS\r\nNOOP\r\n"),
     G EHLO_WITH("250-STARTTLS\r\n" AUTH_LINE) "454 4.7.0 TLS not available due to local "
                                               "problem\r\n" OK},
    {"STARTTLS resets the session", CFG_TLS_HOOK,
     IN("EHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\nSTARTTLS\r\nMAIL FROM:<injected@example.org>\r\n"),
     G EHLO_WITH("250-STARTTLS\r\n" AUTH_LINE) AUTH_OK
     "220 2.0.0 Ready to start TLS\r\n" OK_MAIL EHLO_R AUTH_OK,
     false, NULL, 0, IN2("MAIL FROM:<a@example.org>\r\nEHLO c\r\nAUTH PLAIN " PLAIN_ALICE "\r\n"),
     true},
    {"RSET with argument", 0, IN("RSET x\r\n"), G "501 5.5.4 Syntax: RSET\r\n"},
    {"VRFY without argument", 0, IN("VRFY\r\n"), G "501 5.5.4 Syntax: VRFY address\r\n"},
};

static void run_server_case(struct harness *h, const struct server_case *c)
{
    struct built b;
    buf_init(&b.in, 0);
    buf_init(&b.want, 0);
    buf_init(&b.in2, 0);
    buf_init(&b.msg, 0);
    b.has_msg = false;
    if (c->build) {
        c->build(&b);
    } else {
        buf_append(&b.in, c->in, c->in_len);
        buf_append_str(&b.want, c->want);
        if (c->in2) {
            buf_append(&b.in2, c->in2, c->in2_len);
        }
        if (c->want_msg) {
            buf_append_str(&b.msg, c->want_msg);
            b.has_msg = true;
        }
    }
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        const char *mode = bytewise ? "byte by byte" : "whole";
        struct test_server_ctx t;
        struct smtp_server *s = test_server_new(c->flags, &t);
        struct buf got;
        buf_init(&got, 0);
        smtp_server_start(s);
        server_feed(s, &b.in, bytewise);
        if (c->max_buffered && !CHECK(h, smtp_server_buffered(s) <= c->max_buffered)) {
            fprintf(stderr, "    case: %s (%s): %zu octets held\n", c->name, mode,
                    smtp_server_buffered(s));
        }
        if (c->tls) {
            CHECK_INT(h, smtp_server_state(s), SMTP_SERVER_STATE_STARTTLS);
            smtp_server_tls_started(s);
            CHECK(h, smtp_server_envelope(s)->tls);
            CHECK_STR(h, smtp_server_envelope(s)->helo, "");
            CHECK(h, !smtp_server_envelope(s)->authenticated);
        }
        server_feed(s, &b.in2, bytewise);
        server_take_output(s, &got);
        buf_append(&got, "", 1);
        bool ok = CHECK_STR(h, (const char *)got.data, b.want.data ? (char *)b.want.data : "");
        ok &= CHECK_INT(h, smtp_server_done(s), c->want_done);
        ok &= CHECK(h, !t.same_state_change);
        if (b.has_msg) {
            buf_append(&t.msg, "", 1);
            ok &= CHECK(h, t.have_msg);
            ok &= CHECK_STR(h, t.have_msg && t.msg.data ? (const char *)t.msg.data : "",
                            b.msg.data ? (char *)b.msg.data : "");
            ok &= CHECK_INT(h, t.bare_lf, (c->want_bare & 1) != 0);
            ok &= CHECK_INT(h, t.bare_cr, (c->want_bare & 2) != 0);
        }
        if (!ok) {
            fprintf(stderr, "    case: %s (%s)\n", c->name, mode);
        }
        buf_free(&got);
        buf_free(&t.msg);
        smtp_server_free(s);
    }
    buf_free(&b.in);
    buf_free(&b.want);
    buf_free(&b.in2);
    buf_free(&b.msg);
}

static void test_server_tables(struct harness *h)
{
    for (size_t i = 0; i < sizeof dialogue_cases / sizeof dialogue_cases[0]; i++) {
        run_server_case(h, &dialogue_cases[i]);
    }
    for (size_t i = 0; i < sizeof robustness_cases / sizeof robustness_cases[0]; i++) {
        run_server_case(h, &robustness_cases[i]);
    }
    CHECK(h, sizeof robustness_cases / sizeof robustness_cases[0] >= 30);
}

/* Things a table cannot say: the envelope, the hooks' view, peer close. */
static void test_server_envelope(struct harness *h)
{
    struct test_server_ctx t;
    struct smtp_server *s = test_server_new(0, &t);
    static const char in[] = "EHLO c.example.org\r\nAUTH PLAIN " PLAIN_ALICE
                             "\r\nMAIL FROM:<a@example.org> BODY=8BITMIME SIZE=42\r\n"
                             "RCPT TO:<b@example.net>\r\nRCPT TO:<nobody@example.net>\r\n"
                             "RCPT TO:<c@example.net>\r\nDATA\r\nx\r\n";
    smtp_server_feed(s, (const uint8_t *)in, sizeof in - 1);
    const struct smtp_envelope *env = smtp_server_envelope(s);
    CHECK_STR(h, env->helo, "c.example.org");
    CHECK(h, env->esmtp);
    CHECK(h, env->authenticated);
    CHECK_STR(h, env->auth_user, "alice");
    CHECK_INT(h, env->auth_mech, SASL_MECH_PLAIN);
    CHECK_STR(h, env->mail_from, "a@example.org");
    CHECK_INT(h, env->body, SMTP_BODY_8BITMIME);
    CHECK_STR(h, smtp_body_name(env->body), "8BITMIME");
    CHECK_INT(h, env->declared_size, 42);
    CHECK_INT(h, env->nrcpt, 2);
    if (env->nrcpt == 2) {
        CHECK_STR(h, env->rcpt[0], "b@example.net");
        CHECK_STR(h, env->rcpt[1], "c@example.net");
    }
    CHECK_INT(h, smtp_server_state(s), SMTP_SERVER_STATE_DATA);
    CHECK_STR(h, smtp_server_state_name(smtp_server_state(s)), "data");
    CHECK_INT(h, t.auth_results, 1);
    CHECK(h, t.last_auth_ok);
    CHECK_INT(h, smtp_server_errors(s), 1); /* the refused recipient, as Postfix counts it */
    smtp_server_peer_closed(s);
    CHECK(h, smtp_server_done(s));
    CHECK_INT(h, smtp_server_state(s), SMTP_SERVER_STATE_CLOSED);
    CHECK_INT(h, env->nrcpt, 0);
    smtp_server_free(s);
    buf_free(&t.msg);
}

/* An address without a domain gets @myorigin, in MAIL, RCPT and VRFY alike (Postfix's
 * append_at_myorigin); a bare <Postmaster> is the exception RFC 5321 §4.5.1 names. */
static void test_server_myorigin(struct harness *h)
{
    struct test_server_ctx t;
    struct smtp_server *s = test_server_new(0, &t);
    static const char in[] = "MAIL FROM:alice\r\nRCPT TO:<bob>\r\nRCPT TO:<Postmaster>\r\n"
                             "RCPT TO:carol@example.com\r\n";
    smtp_server_feed(s, (const uint8_t *)in, sizeof in - 1);
    const struct smtp_envelope *env = smtp_server_envelope(s);
    CHECK_STR(h, env->helo, "");
    CHECK_STR(h, env->mail_from, "alice@example.net");
    CHECK_INT(h, env->nrcpt, 3);
    if (env->nrcpt == 3) {
        CHECK_STR(h, env->rcpt[0], "bob@example.net");
        CHECK_STR(h, env->rcpt[1], "Postmaster");
        CHECK_STR(h, env->rcpt[2], "carol@example.com");
    }
    CHECK_INT(h, smtp_server_errors(s), 0);
    smtp_server_free(s);
    buf_free(&t.msg);
}

/* Drains everything, noting each pause the server asks for (the caller lets the time pass). */
static size_t drain_with_pauses(struct smtp_server *s, struct buf *got, uint64_t *pauses,
                                size_t max)
{
    size_t n = 0;
    for (;;) {
        server_take_output(s, got);
        uint64_t us = smtp_server_pause(s);
        if (us == 0) {
            return n;
        }
        if (n < max) {
            pauses[n] = us;
        }
        n++;
        smtp_server_resume(s);
    }
}

/* Postfix's smtpd_soft_error_limit and smtpd_error_sleep_time, and the auth_failure_delay of
 * the SASL server behind AUTH: the engine holds its replies and says how long; whole and byte
 * by byte give the same replies and the same pauses. */
static void test_server_pauses(struct harness *h)
{
    static const struct {
        const char *name;
        const char *in;
        const char *want;
        size_t npauses;
        uint64_t pauses[4];
        bool done;
        unsigned max_errors;
    } cases[] = {
        /* From the 2nd error on (soft limit 2) every reply waits 1 s, a 250 too. */
        {"error sleep",
         "FOO\r\nFOO\r\nFOO\r\nNOOP\r\n",
         G UNKNOWN UNKNOWN UNKNOWN OK,
         2,
         {1000000, 1000000},
         false,
         20},
        /* A failed AUTH waits 2 s; the session goes on at once after a good one. */
        {"auth failure delay",
         "EHLO c\r\nAUTH LOGIN " B64_ALICE "\r\n" B64_WRONG "\r\nAUTH PLAIN " PLAIN_ALICE
         "\r\nNOOP\r\n",
         G EHLO_R "334 UGFzc3dvcmQ6\r\n" AUTH_FAIL AUTH_OK OK,
         1,
         {2000000},
         false,
         20},
        /* Both at the same reply add up; the 421 at the hard limit (3) waits too, as Postfix's
         * smtpd_chat_reply sleeps before it. */
        {"both, then the hard limit",
         "FOO\r\nFOO\r\nAUTH PLAIN AGFsaWNlAHdyb25n\r\nNOOP\r\n",
         G UNKNOWN UNKNOWN AUTH_FAIL "421 4.7.0 " HOST " Error: too many errors\r\n",
         2,
         {3000000, 1000000},
         true,
         3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct test_server_ctx t;
            memset(&t, 0, sizeof t);
            buf_init(&t.msg, 0);
            struct smtp_server_config cfg = {
                .hostname = HOST,
                .max_message_size = 10000,
                .max_recipients = 100,
                .max_errors = cases[i].max_errors,
                .soft_error_limit = 2,
                .error_sleep_us = 1000000,
                .auth_failure_delay_us = 2000000,
                .auth_mechs = SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN) |
                              SASL_MECH_BIT(SASL_MECH_CRAM_MD5),
                .session_id = 42,
            };
            struct smtp_server_hooks hooks = {.on_auth = ts_on_auth};
            struct smtp_server *s = smtp_server_new(&cfg, &hooks, &t);
            if (!s) {
                abort();
            }
            struct buf in, got;
            buf_init(&in, 0);
            buf_init(&got, 0);
            buf_append_str(&in, cases[i].in);
            smtp_server_start(s);
            server_feed(s, &in, bytewise);
            uint64_t pauses[4] = {0};
            size_t n = drain_with_pauses(s, &got, pauses, 4);
            buf_append(&got, "", 1);
            bool ok = CHECK_STR(h, (const char *)got.data, cases[i].want);
            ok &= CHECK_INT(h, n, cases[i].npauses);
            for (size_t k = 0; k < n && k < 4; k++) {
                ok &= CHECK_INT(h, pauses[k], cases[i].pauses[k]);
            }
            ok &= CHECK_INT(h, smtp_server_done(s), cases[i].done);
            if (!ok) {
                fprintf(stderr, "    case: %s (%s)\n", cases[i].name, bytewise ? "bytes" : "whole");
            }
            buf_free(&in);
            buf_free(&got);
            buf_free(&t.msg);
            smtp_server_free(s);
        }
    }
}

/* ---- Replies ---- */

static void test_reply_format(struct harness *h)
{
    static const struct {
        int code;
        const char *enh, *text, *want;
    } cases[] = {
        {250, "2.1.0", "Ok", "250 2.1.0 Ok\r\n"},
        {250, NULL, "a\nb\nc", "250-a\r\n250-b\r\n250 c\r\n"},
        {250, "2.0.0", "a\nb", "250-2.0.0 a\r\n250 2.0.0 b\r\n"},
        {334, NULL, "", "334 \r\n"},
        {550, "5.1.1", "a\rb\001c", "550 5.1.1 a?b?c\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct smtp_reply r;
        struct buf out;
        buf_init(&out, 0);
        smtp_reply_set(&r, cases[i].code, cases[i].enh, "%s", cases[i].text);
        CHECK_INT(h, smtp_reply_format(&out, &r), 0);
        buf_append(&out, "", 1);
        CHECK_STR(h, (const char *)out.data, cases[i].want);
        buf_free(&out);
    }
    struct smtp_reply r;
    struct buf out;
    buf_init(&out, 0);
    smtp_reply_set(&r, 99, NULL, "x");
    CHECK_INT(h, smtp_reply_format(&out, &r), -1);
    char big[700];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    smtp_reply_set(&r, 250, "2.0.0", "%s", big);
    CHECK_INT(h, smtp_reply_format(&out, &r), 0);
    CHECK_INT(h, out.len, SMTP_REPLY_LINE_MAX);
    CHECK(h, out.len >= 2 && memcmp(out.data + out.len - 2, "\r\n", 2) == 0);
    buf_free(&out);
    char huge[SMTP_REPLY_TEXT_MAX + 10];
    memset(huge, 'q', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    CHECK_INT(h, smtp_reply_set(&r, 250, NULL, "%s", huge), -1);
    CHECK(h, r.truncated);
}

static void test_ehlo_and_paths(struct harness *h)
{
    /* The server's list parses back into the same struct. */
    struct smtp_ehlo e = {
        true, true, 10240000,
        true, true, SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_CRAM_MD5),
        true, true};
    struct smtp_reply r;
    smtp_reply_ehlo_format(&r, "mx", &e);
    CHECK_STR(h, r.text,
              "mx\nPIPELINING\nSIZE 10240000\nVRFY\nSTARTTLS\nAUTH PLAIN CRAM-MD5\n"
              "ENHANCEDSTATUSCODES\n8BITMIME");
    struct smtp_ehlo back;
    smtp_reply_ehlo_parse(&r, &back);
    CHECK(h, back.pipelining && back.size && back.size_max == e.size_max && back.vrfy &&
                 back.starttls && back.auth == e.auth && back.enhanced && back.eightbitmime);
    smtp_reply_set(&r, 250, NULL, "mx greets you\nsize\nAUTH=LOGIN PLAIN\nX-FOO bar\npipelining");
    smtp_reply_ehlo_parse(&r, &back);
    CHECK(h, back.size && back.size_max == 0 && back.pipelining && !back.starttls);
    CHECK_INT(h, back.auth, SASL_MECH_BIT(SASL_MECH_LOGIN) | SASL_MECH_BIT(SASL_MECH_PLAIN));
    struct smtp_ehlo none = {0};
    smtp_reply_ehlo_format(&r, "mx", &none);
    CHECK_STR(h, r.text, "mx");

    static const struct {
        const char *addr;
        unsigned flags;
        bool ok;
    } paths[] = {
        {"a@example.org", 0, true},
        {"first.last+tag@sub.example.org", 0, true},
        {"\"quoted local\"@example.org", 0, true},
        {"a@[192.0.2.1]", 0, true},
        {"", SMTP_PATH_NULL_OK, true},
        {"", 0, false},
        {"postmaster", SMTP_PATH_POSTMASTER_OK, true},
        {"postmaster", 0, false},
        {"a@b\r\nRCPT TO:<evil@example.org>", 0, false},
        {"a b@example.org", 0, false},
        {"a..b@example.org", 0, false},
        {".a@example.org", 0, false},
        {"a@example..org", 0, false},
        {"a@example.org-", 0, false},
        {"a@", 0, false},
        {"@example.org", 0, false},
        {"\xc3\xa9@example.org", 0, false},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org", 0, false},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!CHECK_INT(h, smtp_path_valid(paths[i].addr, paths[i].flags), paths[i].ok)) {
            fprintf(stderr, "    case: path \"%s\"\n", paths[i].addr);
        }
    }
}

struct parse_case {
    const char *name;
    const char *in;
    int want_rc; /* of the first reply: 1 or -1 */
    int code;
    const char *enh, *text;
    int replies; /* complete replies in the input */
};

static const struct parse_case parse_cases[] = {
    {.name = "single", "250 2.1.0 Ok\r\n", 1, 250, "2.1.0", "Ok", 1},
    {.name = "multiline",
     "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
     1,
     250,
     "",
     "mx\nPIPELINING\n8BITMIME",
     1},
    {.name = "multiline enhanced", "250-2.0.0 a\r\n250 2.0.0 b\r\n", 1, 250, "2.0.0", "a\nb", 1},
    {.name = "bare code", "250\r\n", 1, 250, "", "", 1},
    {.name = "bare LF accepted", "220 mx ESMTP\n", 1, 220, "", "mx ESMTP", 1},
    {.name = "enhanced of another class is text", "250 5.0.0 x\r\n", 1, 250, "", "5.0.0 x", 1},
    {.name = "not enhanced", "250 2.0 x\r\n", 1, 250, "", "2.0 x", 1},
    {.name = "two replies", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", 1, 250, "2.1.0", "Ok", 2},
    {.name = "challenge", "334 VXNlcm5hbWU6\r\n", 1, 334, "", "VXNlcm5hbWU6", 1},
    {.name = "no code", "hello\r\n", -1, 0, "", "", 0},
    {.name = "short code", "25\r\n", -1, 0, "", "", 0},
    {.name = "bad separator", "250x\r\n", -1, 0, "", "", 0},
    {.name = "code changes", "250-a\r\n251 b\r\n", -1, 0, "", "", 0},
    {.name = "code out of range", "600 x\r\n", -1, 0, "", "", 0},
    {.name = "letters in code", "2a0 x\r\n", -1, 0, "", "", 0},
};

static void test_reply_parser(struct harness *h)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct parse_case *c = &parse_cases[i];
        size_t len = strlen(c->in);
        for (size_t chunk = 1; chunk <= len; chunk = chunk == 1 ? len : len + 1) {
            struct smtp_reply_parser p;
            if (smtp_reply_parser_init(&p) != 0) {
                abort();
            }
            int first = 0, replies = 0;
            struct smtp_reply firstr = {0};
            for (size_t off = 0; off < len;) {
                size_t n = len - off < chunk ? len - off : chunk;
                size_t used = 0;
                struct smtp_reply r;
                int rc = smtp_reply_parser_feed(&p, (const uint8_t *)c->in + off, n, &used, &r);
                off += used;
                if (rc != 0 && first == 0) {
                    first = rc;
                    firstr = r;
                }
                replies += rc == 1;
                if (rc < 0) {
                    break;
                }
            }
            bool ok = CHECK_INT(h, first, c->want_rc);
            if (c->want_rc == 1) {
                ok &= CHECK_INT(h, firstr.code, c->code);
                ok &= CHECK_STR(h, firstr.enhanced, c->enh);
                ok &= CHECK_STR(h, firstr.text, c->text);
                ok &= CHECK_INT(h, replies, c->replies);
            }
            if (!ok) {
                fprintf(stderr, "    case: parse %s (chunk %zu)\n", c->name, chunk);
            }
            smtp_reply_parser_free(&p);
        }
    }
    /* An over-long line is an error; a reply of many lines is cut, not grown. */
    struct smtp_reply_parser p;
    smtp_reply_parser_init(&p);
    struct buf in;
    buf_init(&in, 0);
    build_line(&in, "250 ", 600, 'x', "\r\n");
    size_t used;
    struct smtp_reply r;
    CHECK_INT(h, smtp_reply_parser_feed(&p, in.data, in.len, &used, &r), -1);
    buf_clear(&in);
    for (int i = 0; i < 500; i++) {
        buf_append_str(&in, "250-a line of an endless EHLO reply\r\n");
    }
    buf_append_str(&in, "250 end\r\n");
    CHECK_INT(h, smtp_reply_parser_feed(&p, in.data, in.len, &used, &r), 1);
    CHECK_INT(h, used, in.len);
    CHECK(h, r.truncated);
    CHECK_INT(h, strlen(r.text), SMTP_REPLY_TEXT_MAX - 1);
    CHECK(h, !smtp_reply_is_transient(&r) && !smtp_reply_is_permanent(&r));
    smtp_reply_set(&r, 451, NULL, "x");
    CHECK(h, smtp_reply_is_transient(&r) && !smtp_reply_is_permanent(&r));
    smtp_reply_set(&r, 554, NULL, "x");
    CHECK(h, smtp_reply_is_permanent(&r) && smtp_reply_class(&r) == 5);
    buf_free(&in);
    smtp_reply_parser_free(&p);
}

/* ---- The client ---- */

#define MAX_MAILS 4
#define MAX_RCPTS 4

struct test_client_ctx {
    int mail_code[MAX_MAILS];
    unsigned mail_results[MAX_MAILS];
    char mail_text[MAX_MAILS][SMTP_REPLY_TEXT_MAX];
    int rcpt_code[MAX_MAILS][MAX_RCPTS];
    int auth; /* -1: no AUTH result, 0 failed, 1 ok */
    unsigned replies;
    bool refuse_tls;
};

static void tc_on_reply(void *ctx, const struct smtp_reply *r)
{
    struct test_client_ctx *t = ctx;
    (void)r;
    t->replies++;
}

static void tc_on_auth_result(void *ctx, bool ok, const struct smtp_reply *r)
{
    struct test_client_ctx *t = ctx;
    (void)r;
    t->auth = ok ? 1 : 0;
}

static void tc_on_rcpt_result(void *ctx, size_t mail, size_t rcpt, const struct smtp_reply *r)
{
    struct test_client_ctx *t = ctx;
    if (mail < MAX_MAILS && rcpt < MAX_RCPTS) {
        t->rcpt_code[mail][rcpt] = r->code;
    }
}

static void tc_on_mail_result(void *ctx, size_t mail, const struct smtp_reply *r)
{
    struct test_client_ctx *t = ctx;
    if (mail < MAX_MAILS) {
        t->mail_code[mail] = r->code;
        t->mail_results[mail]++;
        snprintf(t->mail_text[mail], sizeof t->mail_text[mail], "%s", r->text);
    }
}

static int tc_on_starttls_ready(void *ctx)
{
    struct test_client_ctx *t = ctx;
    return t->refuse_tls ? -1 : 0;
}

struct test_mail {
    const char *from; /* NULL ends the list */
    const char *rcpt[MAX_RCPTS];
    const char *body;
};

static struct smtp_client *test_client_new(const struct smtp_client_config *cfg,
                                           const struct test_mail *mails, struct test_client_ctx *t)
{
    memset(t, 0, sizeof *t);
    t->auth = -1;
    struct smtp_client_hooks hooks = {
        .on_reply = tc_on_reply,
        .on_auth_result = tc_on_auth_result,
        .on_rcpt_result = tc_on_rcpt_result,
        .on_mail_result = tc_on_mail_result,
        .on_starttls_ready = tc_on_starttls_ready,
    };
    struct smtp_client *c = smtp_client_new(cfg, &hooks, t);
    if (!c) {
        abort();
    }
    for (size_t i = 0; i < MAX_MAILS && mails[i].from; i++) {
        size_t n = 0;
        while (n < MAX_RCPTS && mails[i].rcpt[n]) {
            n++;
        }
        long idx = smtp_client_add_mail(c, mails[i].from, mails[i].rcpt, n,
                                        (const uint8_t *)mails[i].body, strlen(mails[i].body));
        if (idx != (long)i) {
            abort();
        }
    }
    return c;
}

static void client_feed(struct smtp_client *c, const uint8_t *p, size_t n, bool bytewise)
{
    if (!bytewise) {
        smtp_client_feed(c, p, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        smtp_client_feed(c, p + i, 1);
    }
}

/* Moves bytes both ways until nothing moves; plays the TLS handshake and connection closes.
 * What the client sent is appended to sent, and what the server sent to replies (unless NULL). */
static void pump(struct smtp_server *s, struct smtp_client *c, bool bytewise, struct buf *sent,
                 struct buf *replies)
{
    for (int round = 0; round < 100000; round++) {
        bool moved = false;
        const uint8_t *p;
        size_t n = smtp_server_output(s, &p);
        if (n > 0) {
            if (replies) {
                buf_append(replies, p, n);
            }
            client_feed(c, p, n, bytewise);
            smtp_server_output_consumed(s, n);
            moved = true;
        }
        n = smtp_client_output(c, &p);
        if (n > 0) {
            buf_append(sent, p, n);
            struct buf chunk = {(uint8_t *)p, n, n, n};
            server_feed(s, &chunk, bytewise);
            smtp_client_output_consumed(c, n);
            moved = true;
        }
        if (smtp_client_state(c) == SMTP_CLIENT_STATE_TLS &&
            smtp_server_state(s) == SMTP_SERVER_STATE_STARTTLS) {
            smtp_server_tls_started(s);
            smtp_client_tls_started(c);
            moved = true;
        }
        if (!moved) {
            if (smtp_server_done(s) && !smtp_client_done(c)) {
                smtp_client_peer_closed(c);
            } else if (smtp_client_done(c) && !smtp_server_done(s)) {
                smtp_server_peer_closed(s);
            }
            return;
        }
    }
}

#define CLIENT_CFG(...)                                                                            \
    {                                                                                              \
        .ehlo_name = "c.example.org", __VA_ARGS__                                                  \
    }
#define ALICE(m_, pass) .user = "alice", .password = pass, .mech = m_
#define BODY "Subject: test\r\n\r\nHello Bob.\r\n" /* 29 octets */
#define MAIL1                                                                                      \
    {                                                                                              \
        "alice@example.org", {"bob@example.net", "carol@example.net"}, BODY                        \
    }
#define SENT_MAIL1                                                                                 \
    "MAIL FROM:<alice@example.org> SIZE=29\r\nRCPT TO:<bob@example.net>\r\n"                       \
    "RCPT TO:<carol@example.net>\r\nDATA\r\n" BODY ".\r\n"

struct client_case {
    const char *name;
    unsigned server_flags;
    struct smtp_client_config cfg;
    struct test_mail mails[MAX_MAILS];
    const char *want_sent; /* every byte the client sent; NULL: not checked */
    int want_mail[MAX_MAILS];
    int want_rcpt[MAX_MAILS][MAX_RCPTS]; /* 0: not checked */
    int want_auth;                       /* 0: no AUTH result, 1: succeeded, 2: failed */
    const char *want_msg;                /* the last message the server took; NULL: not checked */
    enum smtp_body want_body;
};

static const struct client_case client_cases[] = {
    {.name = "plain session",
     0,
     CLIENT_CFG(.want_pipelining = false),
     {MAIL1},
     "EHLO c.example.org\r\n" SENT_MAIL1 "QUIT\r\n",
     {250},
     {{250, 250}},
     0,
     BODY},
    {.name = "pipelined session",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {MAIL1},
     "EHLO c.example.org\r\n" SENT_MAIL1 "QUIT\r\n",
     {250},
     {{250, 250}},
     0,
     BODY},
    {.name = "auth plain",
     0,
     CLIENT_CFG(ALICE(SASL_MECH_PLAIN, "secret"), .want_pipelining = true),
     {MAIL1},
     "EHLO c.example.org\r\nAUTH PLAIN " PLAIN_ALICE "\r\n" SENT_MAIL1 "QUIT\r\n",
     {250},
     {{0}},
     1},
    {.name = "auth plain wrong password",
     0,
     CLIENT_CFG(ALICE(SASL_MECH_PLAIN, "wrong")),
     {MAIL1},
     "EHLO c.example.org\r\nAUTH PLAIN AGFsaWNlAHdyb25n\r\nQUIT\r\n",
     {535},
     {{0}},
     2},
    {.name = "auth login",
     0,
     CLIENT_CFG(ALICE(SASL_MECH_LOGIN, "secret")),
     {MAIL1},
     "EHLO c.example.org\r\nAUTH LOGIN\r\n" B64_ALICE "\r\n" B64_SECRET "\r\n" SENT_MAIL1
     "QUIT\r\n",
     {250},
     {{0}},
     1},
    {.name = "auth login wrong password",
     0,
     CLIENT_CFG(ALICE(SASL_MECH_LOGIN, "wrong")),
     {MAIL1},
     "EHLO c.example.org\r\nAUTH LOGIN\r\n" B64_ALICE "\r\n" B64_WRONG "\r\nQUIT\r\n",
     {535},
     {{0}},
     2},
    {.name = "auth cram-md5",
     0,
     CLIENT_CFG(ALICE(SASL_MECH_CRAM_MD5, "tanstaaftanstaaf")),
     {MAIL1},
     NULL,
     {250},
     {{0}},
     1},
    {.name = "auth cram-md5 wrong secret",
     0,
     CLIENT_CFG(ALICE(SASL_MECH_CRAM_MD5, "guess")),
     {MAIL1},
     NULL,
     {535},
     {{0}},
     2},
    {.name = "auth offered only after starttls",
     CFG_AUTH_TLS,
     CLIENT_CFG(ALICE(SASL_MECH_PLAIN, "secret")),
     {MAIL1},
     "EHLO c.example.org\r\nQUIT\r\n",
     {530},
     {{0}},
     2},
    {.name = "starttls then auth",
     CFG_AUTH_TLS,
     CLIENT_CFG(ALICE(SASL_MECH_PLAIN, "secret"), .want_starttls = true, .want_pipelining = true),
     {MAIL1},
     "EHLO c.example.org\r\nSTARTTLS\r\nEHLO c.example.org\r\nAUTH PLAIN " PLAIN_ALICE
     "\r\n" SENT_MAIL1 "QUIT\r\n",
     {250},
     {{0}},
     1},
    {.name = "tls required but not offered",
     0,
     CLIENT_CFG(.want_starttls = true, .require_tls = true),
     {MAIL1},
     "EHLO c.example.org\r\nQUIT\r\n",
     {451}},
    {.name = "dot-stuffing round trip",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {{"alice@example.org", {"bob@example.net"}, ".leading\r\n.\r\n..two\r\nx.\r\nlast"}},
     "EHLO c.example.org\r\nMAIL FROM:<alice@example.org> SIZE=30\r\n"
     "RCPT TO:<bob@example.net>\r\nDATA\r\n..leading\r\n..\r\n...two\r\nx.\r\nlast\r\n.\r\n"
     "QUIT\r\n",
     {250},
     {{250}},
     0,
     ".leading\r\n.\r\n..two\r\nx.\r\nlast\r\n"},
    {.name = "8-bit body",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {{"alice@example.org",
       {"bob@example.net"},
       "Gr\xc3\xbc\xc3\x9f"
       "e\r\n"}},
     "EHLO c.example.org\r\nMAIL FROM:<alice@example.org> SIZE=9 BODY=8BITMIME\r\n"
     "RCPT TO:<bob@example.net>\r\nDATA\r\nGr\xc3\xbc\xc3\x9f"
     "e\r\n.\r\nQUIT\r\n",
     {250},
     {{250}},
     0,
     "Gr\xc3\xbc\xc3\x9f"
     "e\r\n",
     SMTP_BODY_8BITMIME},
    {.name = "empty message, null sender",
     0,
     CLIENT_CFG(.want_pipelining = false),
     {{"", {"bob@example.net"}, ""}},
     "EHLO c.example.org\r\nMAIL FROM:<> SIZE=0\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n.\r\n"
     "QUIT\r\n",
     {250},
     {{250}},
     0,
     ""},
    {.name = "three mails in one session",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {MAIL1,
      {"a@example.org", {"b@example.net"}, "2\r\n"},
      {"a@example.org", {"c@example.net"}, "3\r\n"}},
     NULL,
     {250, 250, 250},
     {{250, 250}, {250}, {250}},
     0,
     "3\r\n"},
    {.name = "one recipient rejected",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {{"alice@example.org", {"bob@example.net", "nobody@example.net"}, "hi\r\n"}},
     NULL,
     {250},
     {{250, 550}}},
    {.name = "senders rejected 4xx and 5xx",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {{"temp@example.org", {"bob@example.net"}, "1\r\n"},
      {"spam@example.org", {"bob@example.net"}, "2\r\n"},
      {"alice@example.org", {"bob@example.net"}, "3\r\n"}},
     NULL,
     {451, 554, 250},
     {{503}, {503}, {250}},
     0,
     "3\r\n"},
    {.name = "senders rejected, no pipelining",
     0,
     CLIENT_CFG(.want_pipelining = false),
     {{"temp@example.org", {"bob@example.net"}, "1\r\n"},
      {"spam@example.org", {"bob@example.net"}, "2\r\n"},
      {"alice@example.org", {"bob@example.net"}, "3\r\n"}},
     "EHLO c.example.org\r\nMAIL FROM:<temp@example.org> SIZE=3\r\n"
     "MAIL FROM:<spam@example.org> SIZE=3\r\nMAIL FROM:<alice@example.org> SIZE=3\r\n"
     "RCPT TO:<bob@example.net>\r\nDATA\r\n3\r\n.\r\nQUIT\r\n",
     {451, 554, 250},
     {{0}, {0}, {250}},
     0,
     "3\r\n"},
    {.name = "all recipients rejected, pipelined",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {{"alice@example.org", {"nobody@example.net", "busy@example.net"}, "1\r\n"},
      {"alice@example.org", {"bob@example.net"}, "2\r\n"}},
     "EHLO c.example.org\r\nMAIL FROM:<alice@example.org> SIZE=3\r\n"
     "RCPT TO:<nobody@example.net>\r\nRCPT TO:<busy@example.net>\r\nDATA\r\nRSET\r\n"
     "MAIL FROM:<alice@example.org> SIZE=3\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n2\r\n.\r\n"
     "QUIT\r\n",
     {450, 250},
     {{550, 450}, {250}},
     0,
     "2\r\n"},
    {.name = "all recipients rejected",
     0,
     CLIENT_CFG(.want_pipelining = false),
     {{"alice@example.org", {"nobody@example.net"}, "1\r\n"},
      {"alice@example.org", {"bob@example.net"}, "2\r\n"}},
     "EHLO c.example.org\r\nMAIL FROM:<alice@example.org> SIZE=3\r\n"
     "RCPT TO:<nobody@example.net>\r\nRSET\r\nMAIL FROM:<alice@example.org> SIZE=3\r\n"
     "RCPT TO:<bob@example.net>\r\nDATA\r\n2\r\n.\r\nQUIT\r\n",
     {550, 250},
     {{550}, {250}},
     0,
     "2\r\n"},
    {.name = "message rejected at end of data",
     0,
     CLIENT_CFG(.want_pipelining = true),
     {{"alice@example.org", {"bob@example.net"}, "REJECT-ME\r\n"},
      {"alice@example.org", {"bob@example.net"}, "fine\r\n"}},
     NULL,
     {554, 250},
     {{250}, {250}},
     0,
     "fine\r\n"},
};

static void test_client_sessions(struct harness *h)
{
    for (size_t i = 0; i < sizeof client_cases / sizeof client_cases[0]; i++) {
        const struct client_case *cc = &client_cases[i];
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct test_server_ctx ts;
            struct test_client_ctx tc;
            struct smtp_server *s = test_server_new(cc->server_flags, &ts);
            struct smtp_client *c = test_client_new(&cc->cfg, cc->mails, &tc);
            struct buf sent;
            buf_init(&sent, 0);
            smtp_server_start(s);
            smtp_client_start(c);
            pump(s, c, bytewise, &sent, NULL);
            buf_append(&sent, "", 1);
            bool ok = CHECK(h, smtp_client_done(c));
            ok &= CHECK(h, smtp_server_done(s));
            if (cc->want_sent) {
                ok &= CHECK_STR(h, (const char *)sent.data, cc->want_sent);
            }
            for (size_t m = 0; m < MAX_MAILS && cc->mails[m].from; m++) {
                ok &= CHECK_INT(h, tc.mail_results[m], 1);
                ok &= CHECK_INT(h, tc.mail_code[m], cc->want_mail[m]);
                for (size_t r = 0; r < MAX_RCPTS; r++) {
                    if (cc->want_rcpt[m][r]) {
                        ok &= CHECK_INT(h, tc.rcpt_code[m][r], cc->want_rcpt[m][r]);
                    }
                }
            }
            ok &= CHECK_INT(h, tc.auth, cc->want_auth == 0 ? -1 : cc->want_auth == 1 ? 1 : 0);
            if (cc->want_msg) {
                buf_append(&ts.msg, "", 1);
                ok &= CHECK(h, ts.have_msg);
                ok &= CHECK_STR(h, ts.have_msg ? (const char *)ts.msg.data : "", cc->want_msg);
            }
            if (cc->want_msg) {
                ok &= CHECK_INT(h, ts.body, cc->want_body);
            }
            if (!ok) {
                fprintf(stderr, "    case: client %s (%s)\n", cc->name,
                        bytewise ? "byte by byte" : "whole");
            }
            buf_free(&sent);
            buf_free(&ts.msg);
            smtp_client_free(c);
            smtp_server_free(s);
        }
    }
}

/* ---- The client against scripted server replies ---- */

struct script_step {
    const char *server;      /* bytes the server sends */
    const char *want_client; /* exactly what the client must answer ("" nothing) */
};

struct script_case {
    const char *name;
    struct smtp_client_config cfg;
    struct test_mail mails[2];
    struct script_step steps[10];
    int want_mail;   /* the result of mail 0 */
    int want_auth;   /* 0: none, 1: succeeded, 2: failed */
    bool want_local; /* the result is one the client made up */
};

#define EHLO_PIPE "250-mx\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"
#define HI                                                                                         \
    {                                                                                              \
        "alice@example.org", {"bob@example.net", "carol@example.net"}, "hi\r\n"                    \
    }
#define HI_ONE                                                                                     \
    {                                                                                              \
        "alice@example.org", {"bob@example.net"}, "hi\r\n"                                         \
    }
#define C_EHLO "EHLO c.example.org\r\n"

static const struct script_case script_cases[] = {
    {.name = "pipelined group in one chunk",
     CLIENT_CFG(.want_pipelining = true),
     {HI},
     {{"220 mx ESMTP\r\n", C_EHLO},
      {EHLO_PIPE, "MAIL FROM:<alice@example.org> SIZE=4\r\nRCPT TO:<bob@example.net>\r\n"
                  "RCPT TO:<carol@example.net>\r\nDATA\r\n"},
      {"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n", "hi\r\n.\r\n"},
      {"250 2.0.0 Ok: queued as X\r\n", "QUIT\r\n"},
      {"221 2.0.0 Bye\r\n", ""}},
     250},
    {.name = "one command at a time without pipelining",
     CLIENT_CFG(.want_pipelining = false),
     {HI},
     {{"220 mx ESMTP\r\n", C_EHLO},
      {EHLO_PIPE, "MAIL FROM:<alice@example.org> SIZE=4\r\n"},
      {"250 2.1.0 Ok\r\n", "RCPT TO:<bob@example.net>\r\n"},
      {"250 2.1.5 Ok\r\n", "RCPT TO:<carol@example.net>\r\n"},
      {"250 2.1.5 Ok\r\n", "DATA\r\n"},
      {"354 go\r\n", "hi\r\n.\r\n"},
      {"250 2.0.0 Ok: queued as X\r\n", "QUIT\r\n"},
      {"221 2.0.0 Bye\r\n", ""}},
     250},
    {.name = "greeting 554",
     CLIENT_CFG(),
     {HI},
     {{"554 5.3.2 mx No SMTP service here\r\n", "QUIT\r\n"}, {"221 2.0.0 Bye\r\n", ""}},
     554},
    {.name = "greeting 421",
     CLIENT_CFG(),
     {HI},
     {{"421 4.3.2 mx Service not available\r\n", ""}},
     421},
    {.name = "EHLO refused, HELO then 421",
     CLIENT_CFG(.want_pipelining = true),
     {HI},
     {{"220 mx\r\n", C_EHLO},
      {"502 5.5.2 Error: command not recognized\r\n", "HELO c.example.org\r\n"},
      {"250 mx\r\n", "MAIL FROM:<alice@example.org>\r\n"},
      {"421 4.4.2 mx Error: timeout exceeded\r\n", ""}},
     421},
    {.name = "EHLO 4xx",
     CLIENT_CFG(),
     {HI},
     {{"220 mx\r\n", C_EHLO}, {"451 4.3.0 try later\r\n", "QUIT\r\n"}, {"221 Bye\r\n", ""}},
     451},
    {.name = "garbage reply",
     CLIENT_CFG(),
     {HI},
     {{"220 mx\r\n", C_EHLO}, {"hello there\r\nQUIT\r\n", ""}},
     451,
     0,
     true},
    {.name = "code changes inside a reply",
     CLIENT_CFG(),
     {HI},
     {{"220-mx\r\n221 mx\r\n", ""}},
     451,
     0,
     true},
    {.name = "AUTH not offered",
     CLIENT_CFG(ALICE(SASL_MECH_PLAIN, "secret")),
     {HI},
     {{"220 mx\r\n", C_EHLO}, {"250-mx\r\n250 SIZE\r\n", "QUIT\r\n"}, {"221 Bye\r\n", ""}},
     530,
     2,
     true},
    {.name = "AUTH LOGIN step by step",
     CLIENT_CFG(ALICE(SASL_MECH_LOGIN, "secret")),
     {HI_ONE},
     {{"220 mx\r\n", C_EHLO},
      {"250-mx\r\n250 AUTH=LOGIN PLAIN\r\n", "AUTH LOGIN\r\n"},
      {"334 VXNlcm5hbWU6\r\n", B64_ALICE "\r\n"},
      {"334 UGFzc3dvcmQ6\r\n", B64_SECRET "\r\n"},
      {"235 2.7.0 Authentication successful\r\n", "MAIL FROM:<alice@example.org>\r\n"},
      {"421 4.3.0 going down\r\n", ""}},
     421,
     1},
    {.name = "CRAM-MD5 challenge not base64",
     CLIENT_CFG(ALICE(SASL_MECH_CRAM_MD5, "x")),
     {HI},
     {{"220 mx\r\n", C_EHLO},
      {"250-mx\r\n250 AUTH CRAM-MD5\r\n", "AUTH CRAM-MD5\r\n"},
      {"334 !!!\r\n", "*\r\n"},
      {"501 5.7.0 Authentication aborted\r\n", "QUIT\r\n"},
      {"221 Bye\r\n", ""}},
     501,
     2},
    {.name = "354 although no recipient was accepted",
     CLIENT_CFG(.want_pipelining = true),
     {HI_ONE},
     {{"220 mx\r\n", C_EHLO},
      {"250-mx\r\n250 PIPELINING\r\n",
       "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n"},
      {"250 Ok\r\n550 5.1.1 unknown\r\n354 go\r\n", ".\r\n"},
      {"250 Ok\r\n", "QUIT\r\n"},
      {"221 Bye\r\n", ""}},
     550},
    {.name = "STARTTLS refused, on in the clear",
     CLIENT_CFG(.want_starttls = true),
     {HI_ONE},
     {{"220 mx\r\n", C_EHLO},
      {"250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n"},
      {"454 4.7.0 TLS not available due to local problem\r\n", "MAIL FROM:<alice@example.org>\r\n"},
      {"550 5.7.1 no\r\n", "QUIT\r\n"},
      {"221 Bye\r\n", ""}},
     550},
    {.name = "STARTTLS required and refused",
     CLIENT_CFG(.want_starttls = true, .require_tls = true),
     {HI_ONE},
     {{"220 mx\r\n", C_EHLO},
      {"250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n"},
      {"454 4.7.0 TLS not available due to local problem\r\n", "QUIT\r\n"},
      {"221 Bye\r\n", ""}},
     454},
    {.name = "reply after QUIT's reply is ignored",
     CLIENT_CFG(),
     {HI_ONE},
     {{"554 no\r\n", "QUIT\r\n"}, {"221 Bye\r\n250 late\r\n", ""}},
     554},
};

static void test_client_scripts(struct harness *h)
{
    for (size_t i = 0; i < sizeof script_cases / sizeof script_cases[0]; i++) {
        const struct script_case *sc = &script_cases[i];
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct test_client_ctx tc;
            struct smtp_client *c = test_client_new(&sc->cfg, sc->mails, &tc);
            smtp_client_start(c);
            bool ok = true;
            for (size_t k = 0; k < 10 && sc->steps[k].server; k++) {
                client_feed(c, (const uint8_t *)sc->steps[k].server, strlen(sc->steps[k].server),
                            bytewise);
                const uint8_t *out;
                size_t n = smtp_client_output(c, &out);
                char got[1024];
                snprintf(got, sizeof got, "%.*s", (int)n, (const char *)out);
                smtp_client_output_consumed(c, n);
                if (!CHECK_STR(h, got, sc->steps[k].want_client)) {
                    ok = false;
                    fprintf(stderr, "    step %zu\n", k);
                }
            }
            ok &= CHECK(h, smtp_client_done(c));
            ok &= CHECK_INT(h, tc.mail_results[0], 1);
            ok &= CHECK_INT(h, tc.mail_code[0], sc->want_mail);
            ok &= CHECK_INT(h, tc.auth, sc->want_auth == 0 ? -1 : sc->want_auth == 1 ? 1 : 0);
            ok &=
                CHECK_INT(h, strncmp(tc.mail_text[0], "mailsim client: ", 16) == 0, sc->want_local);
            if (!ok) {
                fprintf(stderr, "    case: script %s (%s)\n", sc->name,
                        bytewise ? "byte by byte" : "whole");
            }
            smtp_client_free(c);
        }
    }
}

/* A dropped connection, adding mails late, bad arguments, a long PLAIN response. */
static void test_client_edges(struct harness *h)
{
    struct smtp_client_config cfg = CLIENT_CFG(.want_pipelining = true);
    struct test_mail mails[3] = {HI, HI_ONE};
    struct test_client_ctx tc;
    struct smtp_client *c = test_client_new(&cfg, mails, &tc);
    CHECK_STR(h, smtp_client_state_name(smtp_client_state(c)), "init");
    const char *rcpt[] = {"x@example.net"};
    CHECK_INT(h, smtp_client_add_mail(c, "a@example.org", rcpt, 0, NULL, 0), -1);
    CHECK_INT(h, smtp_client_add_mail(c, NULL, rcpt, 1, NULL, 0), -1);
    const char *evil[] = {"x@example.net>\r\nRCPT TO:<y@example.net"};
    CHECK_INT(h, smtp_client_add_mail(c, "a@example.org", evil, 1, NULL, 0), -1);
    CHECK_INT(h, smtp_client_add_mail(c, "a@example.org>\r\nDATA", rcpt, 1, NULL, 0), -1);
    const uint8_t *out;
    static const char in[] = "220 mx\r\n" EHLO_PIPE;
    smtp_client_feed(c, (const uint8_t *)in, sizeof in - 1);
    CHECK_INT(h, smtp_client_state(c), SMTP_CLIENT_STATE_MAIL);
    /* added while the first transaction is under way */
    CHECK_INT(h, smtp_client_add_mail(c, "a@example.org", rcpt, 1, (const uint8_t *)"x", 1), 2);
    smtp_client_peer_closed(c);
    CHECK(h, smtp_client_done(c));
    for (int m = 0; m < 3; m++) {
        CHECK_INT(h, tc.mail_results[m], 1);
        CHECK_INT(h, tc.mail_code[m], 421);
    }
    CHECK_STR(h, tc.mail_text[0], "mailsim client: connection closed by the server");
    CHECK_INT(h, smtp_client_add_mail(c, "a@example.org", rcpt, 1, NULL, 0), -1);
    smtp_client_free(c);

    /* A reply line over 512 octets is a protocol error, reported as a transient failure. */
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        c = test_client_new(&cfg, mails, &tc);
        struct buf in3;
        buf_init(&in3, 0);
        build_line(&in3, "220 ", 600, 'x', "\r\n");
        client_feed(c, in3.data, in3.len, bytewise);
        CHECK(h, smtp_client_done(c));
        CHECK_INT(h, tc.mail_code[0], 451);
        CHECK_INT(h, tc.mail_code[1], 451);
        CHECK_STR(h, tc.mail_text[0], "mailsim client: protocol error: malformed reply");
        CHECK_INT(h, smtp_client_output(c, &out), 0);
        buf_free(&in3);
        smtp_client_free(c);
    }

    /* A PLAIN response too long for a command line goes after an empty 334. */
    char user[SASL_FIELD_MAX + 1], authzid[201];
    memset(user, 'u', sizeof user - 1);
    user[sizeof user - 1] = 0;
    memset(authzid, 'z', sizeof authzid - 1);
    authzid[sizeof authzid - 1] = 0;
    struct smtp_client_config acfg =
        CLIENT_CFG(.user = user, .password = "pw", .authzid = authzid, .mech = SASL_MECH_PLAIN);
    struct test_mail none[1] = {{NULL, {NULL}, NULL}};
    c = test_client_new(&acfg, none, &tc);
    static const char in2[] = "220 mx\r\n250-mx\r\n250 AUTH PLAIN\r\n";
    smtp_client_feed(c, (const uint8_t *)in2, sizeof in2 - 1);
    size_t n = smtp_client_output(c, &out);
    CHECK(h, n == strlen(C_EHLO "AUTH PLAIN\r\n") && memcmp(out, C_EHLO "AUTH PLAIN\r\n", n) == 0);
    smtp_client_output_consumed(c, n);
    smtp_client_feed(c, (const uint8_t *)"334 \r\n", 6);
    n = smtp_client_output(c, &out);
    CHECK_INT(h, n, 612 + 2); /* base64 of 200 + 1 + 255 + 1 + 2 octets, CRLF */
    smtp_client_output_consumed(c, n);
    smtp_client_feed(c, (const uint8_t *)"235 2.7.0 ok\r\n", 14);
    CHECK_INT(h, tc.auth, 1);
    n = smtp_client_output(c, &out);
    CHECK(h, n == 6 && memcmp(out, "QUIT\r\n", 6) == 0);
    smtp_client_free(c);
}

/* The server's notes about what it read are the client's about what it sent (the same octets
 * of the one stream, the same names and values), except that the text comes in pieces, one per
 * feed: together they are exactly the client's text, in order, none empty. */
static void check_input_notes(struct harness *h, const struct notes_seen *cn,
                              const struct notes_seen *in, const char *name)
{
    CHECK_INT(h, notes_count(in, PROTO_NOTE_SECRET), notes_count(cn, PROTO_NOTE_SECRET));
    for (size_t k = 0; k < notes_count(cn, PROTO_NOTE_SECRET); k++) {
        const struct notes_one *c = notes_find(cn, PROTO_NOTE_SECRET, NULL, k);
        const struct notes_one *r = notes_find(in, PROTO_NOTE_SECRET, NULL, k);
        bool same = r && r->n.at == c->n.at && r->n.len == c->n.len &&
                    strcmp(r->what, c->what) == 0 && strcmp(r->how, c->how) == 0 &&
                    r->n.value_len == c->n.value_len &&
                    memcmp(r->value, c->value, c->n.value_len) == 0;
        if (!harness_check(h, same, name, __FILE__, __LINE__)) {
            fprintf(stderr, "    secret %zu: client \"%s\" at %llu, server \"%s\"\n", k, c->what,
                    (unsigned long long)c->n.at, r ? r->what : "(none)");
        }
    }
    const struct notes_one *text = notes_find(cn, PROTO_NOTE_MESSAGE, NULL, 0);
    uint64_t at = text ? text->n.at : 0;
    bool covered = text && notes_count(in, PROTO_NOTE_MESSAGE) > 0;
    for (size_t k = 0; covered && k < notes_count(in, PROTO_NOTE_MESSAGE); k++) {
        const struct notes_one *piece = notes_find(in, PROTO_NOTE_MESSAGE, NULL, k);
        covered = piece->n.at == at && piece->n.len > 0;
        at += piece->n.len;
    }
    if (!harness_check(h, covered && at == text->n.at + text->n.len, name, __FILE__, __LINE__)) {
        fprintf(stderr, "    the server's pieces of the text end at %llu\n",
                (unsigned long long)at);
    }
}

/* What the engines tell of their output (proto_note.h), held to the bytes they sent: the
 * credentials of AUTH decoded, the message's text as stuffed on the wire, and only the replies
 * that refuse or challenge — with several replies in one pipelined answer, each at its place. */
static void test_notes(struct harness *h)
{
    static const enum sasl_mech mechs[] = {SASL_MECH_LOGIN, SASL_MECH_PLAIN};
    for (size_t m = 0; m < 2; m++) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct test_server_ctx ts;
            struct test_client_ctx tc;
            struct smtp_client_config cfg =
                CLIENT_CFG(ALICE(mechs[m], "secret"), .want_pipelining = true);
            const struct test_mail mails[MAX_MAILS] = {{"alice@example.org",
                                                        {"bob@example.net", "nobody@example.net"},
                                                        ".hidden\r\nx\r\n"}};
            struct smtp_server *s = test_server_new(0, &ts);
            struct smtp_client *c = test_client_new(&cfg, mails, &tc);
            struct notes_pair np;
            notes_pair_init(&np);
            NOTES_PAIR_LISTEN(&np, smtp, c, s);
            struct notes_seen in = {0};
            smtp_server_set_input_notes(s, notes_seen_add, &in);
            smtp_server_start(s);
            smtp_client_start(c);
            pump(s, c, bytewise, &np.sent, &np.replies);
            const struct notes_seen *cn = &np.client, *sn = &np.server;
            const struct buf *sent = &np.sent, *replies = &np.replies;
            char name[64];
            snprintf(name, sizeof name, "notes, %s, %s", sasl_mech_name(mechs[m]),
                     bytewise ? "byte by byte" : "whole");
            if (mechs[m] == SASL_MECH_LOGIN) {
                notes_check_at(h, notes_find(cn, PROTO_NOTE_SECRET, "AUTH LOGIN user", 0), sent,
                               "YWxpY2U=", "\r\n", "alice", 5, name);
                notes_check_at(h, notes_find(cn, PROTO_NOTE_SECRET, "AUTH LOGIN password", 0), sent,
                               "c2VjcmV0", "\r\n", "secret", 6, name);
                const struct notes_one *u = notes_find(sn, PROTO_NOTE_REPLY, "334", 0);
                notes_check_at(h, u, replies, "334 VXNlcm5hbWU6\r\n", NULL, "Username:", 9, name);
                notes_check_at(h, notes_find(sn, PROTO_NOTE_REPLY, "334", 1), replies,
                               "334 UGFzc3dvcmQ6\r\n", NULL, "Password:", 9, name);
                CHECK_STR(h, u ? u->how : NULL, "3xx");
            } else {
                /* the initial response: RFC 4616's authzid NUL authcid NUL passwd, authzid
                 * empty; the note leaves it out */
                notes_check_at(h, notes_find(cn, PROTO_NOTE_SECRET, "AUTH PLAIN", 0), sent,
                               "AGFsaWNlAHNlY3JldA==", "\r\n", "alice\0secret", 12, name);
            }
            CHECK_INT(h, notes_count(cn, PROTO_NOTE_SECRET), mechs[m] == SASL_MECH_LOGIN ? 2 : 1);
            const struct notes_one *o = notes_find(cn, PROTO_NOTE_SECRET, NULL, 0);
            CHECK_STR(h, o ? o->how : NULL, "base64");
            /* the text as sent, its leading dot doubled; the "." line is not part of it */
            notes_check_at(h, notes_find(cn, PROTO_NOTE_MESSAGE, NULL, 0), sent,
                           "..hidden\r\nx\r\n", ".\r\nQUIT\r\n", NULL, 0, name);
            const struct notes_one *r = notes_find(sn, PROTO_NOTE_REPLY, "550", 0);
            notes_check_at(h, r, replies,
                           "550 5.1.1 <nobody@example.net>: Recipient address rejected: User "
                           "unknown\r\n",
                           "354 ", NULL, 0, name);
            CHECK_STR(h, r ? r->how : NULL, "5xx");
            /* 220, 250, 235, 354 and 221 are not noted */
            CHECK_INT(h, notes_count(sn, PROTO_NOTE_REPLY), mechs[m] == SASL_MECH_LOGIN ? 3 : 1);
            CHECK_INT(h, sn->n, notes_count(sn, PROTO_NOTE_REPLY));
            check_input_notes(h, cn, &in, name);
            /* fed one byte at a time, a piece a byte; but the doubled dot of "..hidden" is held
             * until the second dot shows the line is no "." line */
            if (bytewise) {
                const struct notes_one *first = notes_find(&in, PROTO_NOTE_MESSAGE, NULL, 0);
                CHECK_INT(h, first ? (long)first->n.len : -1, 2);
            } else {
                CHECK_INT(h, notes_count(&in, PROTO_NOTE_MESSAGE), 1);
            }
            notes_pair_free(&np);
            buf_free(&ts.msg);
            smtp_client_free(c);
            smtp_server_free(s);
        }
    }
}

int main(void)
{
    struct harness h = {"test_smtp", 0, 0};
    test_notes(&h);
    test_reply_format(&h);
    test_reply_parser(&h);
    test_ehlo_and_paths(&h);
    test_server_tables(&h);
    test_server_envelope(&h);
    test_server_myorigin(&h);
    test_server_pauses(&h);
    test_client_sessions(&h);
    test_client_scripts(&h);
    test_client_edges(&h);
    return harness_finish(&h);
}
