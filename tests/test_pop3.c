/* test_pop3: the POP3 server and client engines. Server cases are a table fed whole and again one
 * byte at a time, output compared byte for byte; a robustness table of abusive inputs; then
 * client and server pumped against each other in-process. */
#include "harness.h"
#include "notes_check.h"
#include "pop3_client.h"
#include "pop3_server.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fake MRA agent behind the server ----------------------------------------------- */

#define M1 "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n"
#define M2 "Subject: dots\r\n\r\nline1\r\n.\r\n..two\r\n.x\r\nend"
#define M3 "Subject: lf\n\nbare\nlf\n"
#define M1_LEN 44
#define M2_LEN 41
#define M3_LEN 21
/* As sent (RFC 1939 §11): M2 gets its missing final CRLF, each bare LF of M3 a CR. */
#define M2_WIRE "43"
#define M3_WIRE "25"
#define ALL_WIRE "112" /* 44 + 43 + 25 */
#define M3_MD5 "3569d81df2925cd8f1b2849ddec5cff5"
#define APOP_TS "<1896.697170952@dbc.mtview.ca.us>"

enum cfg_kind {
    CFG_PLAIN,    /* USER/PASS, no APOP */
    CFG_APOP,     /* the RFC 1939 timestamp in the banner */
    CFG_NOUSER,   /* APOP only */
    CFG_TLS,      /* STLS offered and accepted */
    CFG_MAX3,     /* max_bad_commands 3 */
    CFG_STRICT,   /* strict CRLF */
    CFG_POLICY,   /* the policy hook refuses DELE */
    CFG_LOCKFAIL, /* open_maildrop fails */
    CFG_EMPTY,    /* an empty maildrop */
};

struct agent {
    struct pop3_message msgs[3];
    size_t count;
    bool lock_fail;
    bool stls_ok;
    const char *refuse; /* command the policy hook refuses */
    int opens;
    int closes;
    int commits;
    bool deleted[3];
    char log[512];
};

static void agent_log(struct agent *a, const char *s)
{
    size_t used = strlen(a->log);
    snprintf(a->log + used, sizeof a->log - used, "%s;", s);
}

static void agent_init(struct agent *a, enum cfg_kind kind)
{
    memset(a, 0, sizeof *a);
    a->msgs[0] = (struct pop3_message){(const uint8_t *)M1, M1_LEN, "uid-one"};
    a->msgs[1] = (struct pop3_message){(const uint8_t *)M2, M2_LEN, "uid-two"};
    a->msgs[2] = (struct pop3_message){(const uint8_t *)M3, M3_LEN, NULL};
    a->count = kind == CFG_EMPTY ? 0 : 3;
    a->lock_fail = kind == CFG_LOCKFAIL;
    a->stls_ok = kind == CFG_TLS;
    a->refuse = kind == CFG_POLICY ? "DELE" : NULL;
}

static void hook_state(void *ctx, enum pop3_server_state o, enum pop3_server_state n)
{
    char s[64];
    snprintf(s, sizeof s, "%s>%s", pop3_server_state_name(o), pop3_server_state_name(n));
    agent_log(ctx, s);
}

static bool hook_password(void *ctx, const char *user, const char *pass)
{
    (void)ctx;
    return (strcmp(user, "alice") == 0 && strcmp(pass, "secret") == 0) ||
           (strcmp(user, "bob") == 0 && strcmp(pass, "two words") == 0);
}

static const char *hook_apop_secret(void *ctx, const char *user)
{
    (void)ctx;
    if (strcmp(user, "mrose") == 0) {
        return "tanstaaf";
    }
    return strcmp(user, "alice") == 0 ? "secret" : NULL;
}

static void hook_auth(void *ctx, const char *mech, const char *user, bool ok)
{
    char s[96];
    snprintf(s, sizeof s, "auth %s %s %s", mech, user, ok ? "ok" : "fail");
    agent_log(ctx, s);
}

static bool hook_open(void *ctx, const char *user, struct pop3_maildrop *out)
{
    struct agent *a = ctx;
    (void)user;
    if (a->lock_fail) {
        return false;
    }
    a->opens++;
    out->messages = a->msgs;
    out->count = a->count;
    return true;
}

static bool hook_commit(void *ctx, const char *user, const bool *deleted, size_t n)
{
    struct agent *a = ctx;
    (void)user;
    a->commits++;
    for (size_t i = 0; i < n && i < 3; i++) {
        a->deleted[i] = deleted[i];
    }
    return true;
}

static void hook_close(void *ctx, const char *user)
{
    struct agent *a = ctx;
    (void)user;
    a->closes++;
}

static bool hook_stls(void *ctx)
{
    return ((struct agent *)ctx)->stls_ok;
}

static const char *hook_policy(void *ctx, const char *command, const char *args)
{
    struct agent *a = ctx;
    (void)args;
    return a->refuse && strcmp(command, a->refuse) == 0 ? "Refused by policy." : NULL;
}

static const struct pop3_server_hooks server_hooks = {
    .on_state = hook_state,
    .policy = hook_policy,
    .check_password = hook_password,
    .get_apop_secret = hook_apop_secret,
    .on_auth_result = hook_auth,
    .open_maildrop = hook_open,
    .commit = hook_commit,
    .close_maildrop = hook_close,
    .on_stls = hook_stls,
};

static struct pop3_server_config make_config(enum cfg_kind kind)
{
    struct pop3_server_config cfg = {
        .hostname = "mail.b.example",
        .allow_user_pass = kind != CFG_NOUSER,
        .tls_available = kind == CFG_TLS,
        .strict_crlf = kind == CFG_STRICT,
        .max_bad_commands = kind == CFG_MAX3 ? 3 : 0,
    };
    if (kind == CFG_APOP || kind == CFG_NOUSER) {
        cfg.apop_timestamp = APOP_TS;
    }
    return cfg;
}

/* ---- byte-exact comparison --------------------------------------------------------------- */

static void print_escaped(const char *label, const uint8_t *p, size_t n)
{
    fprintf(stderr, "    %s \"", label);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r') {
            fputs("\\r", stderr);
        } else if (p[i] == '\n') {
            fputs("\\n\n           ", stderr);
        } else if (p[i] < 0x20 || p[i] >= 0x7f) {
            fprintf(stderr, "\\x%02x", p[i]);
        } else {
            fputc(p[i], stderr);
        }
    }
    fputs("\"\n", stderr);
}

static void check_bytes(struct harness *h, const char *name, const uint8_t *got, size_t glen,
                        const char *want, int line)
{
    size_t wlen = strlen(want);
    bool ok = glen == wlen && memcmp(got, want, wlen) == 0;
    if (!harness_check(h, ok, name, __FILE__, line)) {
        print_escaped("got: ", got, glen);
        print_escaped("want:", (const uint8_t *)want, wlen);
    }
}

/* ---- server table ------------------------------------------------------------------------- */

#define GREET "+OK mailsim POP3 ready.\r\n"
#define GREET_APOP "+OK mailsim POP3 ready. " APOP_TS "\r\n"
#define LOGIN "USER alice\r\nPASS secret\r\n"
#define LOGIN_OK "+OK\r\n+OK Logged in.\r\n"
#define CAPA_BASE "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n"

struct server_case {
    const char *name;
    enum cfg_kind cfg;
    const char *input;
    size_t input_len; /* 0: strlen(input) */
    const char *want; /* the whole output after the greeting */
    bool want_done;
    enum pop3_server_state want_state;
    int want_commits;
};

#define AUTH POP3_STATE_AUTHORIZATION
#define TRANS POP3_STATE_TRANSACTION
#define UPD POP3_STATE_UPDATE

static const struct server_case server_cases[] = {
    {"greeting only", CFG_PLAIN, "", 0, "", false, AUTH, 0},
    {"user pass stat", CFG_PLAIN, LOGIN "STAT\r\n", 0, LOGIN_OK "+OK 3 " ALL_WIRE "\r\n", false,
     TRANS, 0},
    {"lower case commands", CFG_PLAIN, "user alice\r\npass secret\r\nsTaT\r\n", 0,
     LOGIN_OK "+OK 3 " ALL_WIRE "\r\n", false, TRANS, 0},
    {"password with spaces", CFG_PLAIN, "USER bob\r\nPASS two words\r\n", 0, LOGIN_OK, false, TRANS,
     0},
    {"list", CFG_PLAIN, LOGIN "LIST\r\nLIST 2\r\n", 0,
     LOGIN_OK "+OK 3 messages:\r\n1 44\r\n2 " M2_WIRE "\r\n3 " M3_WIRE "\r\n.\r\n+OK 2 " M2_WIRE
              "\r\n",
     false, TRANS, 0},
    {"uidl", CFG_PLAIN, LOGIN "UIDL\r\nUIDL 3\r\n", 0,
     LOGIN_OK "+OK\r\n1 uid-one\r\n2 uid-two\r\n3 " M3_MD5 "\r\n.\r\n+OK 3 " M3_MD5 "\r\n", false,
     TRANS, 0},
    {"retr plain", CFG_PLAIN, LOGIN "RETR 1\r\n", 0, LOGIN_OK "+OK 44 octets\r\n" M1 ".\r\n", false,
     TRANS, 0},
    {"retr byte-stuffed, final crlf added", CFG_PLAIN, LOGIN "RETR 2\r\n", 0,
     LOGIN_OK "+OK " M2_WIRE
              " octets\r\nSubject: dots\r\n\r\nline1\r\n..\r\n...two\r\n..x\r\nend\r\n.\r\n",
     false, TRANS, 0},
    {"retr bare lf sent as crlf", CFG_PLAIN, LOGIN "RETR 3\r\n", 0,
     LOGIN_OK "+OK " M3_WIRE " octets\r\nSubject: lf\r\n\r\nbare\r\nlf\r\n.\r\n", false, TRANS, 0},
    {"top 0 lines", CFG_PLAIN, LOGIN "TOP 1 0\r\n", 0,
     LOGIN_OK "+OK\r\nFrom: a@example.org\r\nSubject: one\r\n\r\n.\r\n", false, TRANS, 0},
    {"top 2 lines stuffed", CFG_PLAIN, LOGIN "TOP 2 2\r\n", 0,
     LOGIN_OK "+OK\r\nSubject: dots\r\n\r\nline1\r\n..\r\n.\r\n", false, TRANS, 0},
    {"top huge count is whole message", CFG_PLAIN, LOGIN "TOP 2 99999999999999999999\r\n", 0,
     LOGIN_OK "+OK\r\nSubject: dots\r\n\r\nline1\r\n..\r\n...two\r\n..x\r\nend\r\n.\r\n", false,
     TRANS, 0},
    {"dele stat list rset", CFG_PLAIN, LOGIN "DELE 1\r\nSTAT\r\nLIST\r\nRSET\r\nSTAT\r\n", 0,
     LOGIN_OK "+OK Marked to be deleted.\r\n+OK 2 68\r\n+OK 2 messages:\r\n2 " M2_WIRE
              "\r\n3 " M3_WIRE "\r\n.\r\n+OK\r\n+OK 3 " ALL_WIRE "\r\n",
     false, TRANS, 0},
    {"noop", CFG_PLAIN, LOGIN "NOOP\r\n", 0, LOGIN_OK "+OK\r\n", false, TRANS, 0},
    {"quit in authorization", CFG_PLAIN, "QUIT\r\n", 0, "+OK Logging out.\r\n", true, AUTH, 0},
    {"quit without deletions", CFG_PLAIN, LOGIN "QUIT\r\n", 0, LOGIN_OK "+OK Logging out.\r\n",
     true, UPD, 1},
    {"dele then quit commits", CFG_PLAIN, LOGIN "DELE 2\r\nQUIT\r\n", 0,
     LOGIN_OK "+OK Marked to be deleted.\r\n+OK Logging out, messages deleted.\r\n", true, UPD, 1},
    {"capa in authorization", CFG_PLAIN, "CAPA\r\n", 0, CAPA_BASE "USER\r\n.\r\n", false, AUTH, 0},
    {"capa in transaction still lists USER (RFC 2449 §5)", CFG_PLAIN, LOGIN "CAPA\r\n", 0,
     LOGIN_OK CAPA_BASE "USER\r\n.\r\n", false, TRANS, 0},
    {"capa in transaction with stls", CFG_TLS, LOGIN "CAPA\r\nSTLS\r\n", 0,
     LOGIN_OK CAPA_BASE "USER\r\nSTLS\r\n.\r\n-ERR Already logged in.\r\n", false, TRANS, 0},
    {"capa with stls", CFG_TLS, "CAPA\r\n", 0, CAPA_BASE "USER\r\nSTLS\r\n.\r\n", false, AUTH, 0},
    {"capa without user", CFG_NOUSER, "CAPA\r\n", 0, CAPA_BASE ".\r\n", false, AUTH, 0},
    {"apop rfc 1939 example", CFG_APOP, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\n",
     0, "+OK Logged in.\r\n+OK 3 " ALL_WIRE "\r\n", false, TRANS, 0},
    {"apop upper-case digest accepted", CFG_APOP, "APOP mrose C4C9334BAC560ECC979E58001B3E22FB\r\n",
     0, "+OK Logged in.\r\n", false, TRANS, 0},
    {"user/pass disabled", CFG_NOUSER, "USER alice\r\nPASS secret\r\n", 0,
     "-ERR [AUTH] Plaintext authentication disallowed.\r\n"
     "-ERR [AUTH] Plaintext authentication disallowed.\r\n",
     false, AUTH, 0},
    {"maildrop locked", CFG_LOCKFAIL, LOGIN, 0, "+OK\r\n-ERR [IN-USE] Unable to lock maildrop.\r\n",
     false, AUTH, 0},
    {"empty maildrop", CFG_EMPTY, LOGIN "STAT\r\nLIST\r\nRETR 1\r\nQUIT\r\n", 0,
     LOGIN_OK "+OK 0 0\r\n+OK 0 messages:\r\n.\r\n-ERR There's no message 1.\r\n"
              "+OK Logging out.\r\n",
     true, UPD, 1},
    {"stls not offered", CFG_PLAIN, "STLS\r\n", 0, "-ERR STLS not available.\r\n", false, AUTH, 0},
    {"policy hook refuses", CFG_POLICY, LOGIN "DELE 1\r\nQUIT\r\n", 0,
     LOGIN_OK "-ERR Refused by policy.\r\n+OK Logging out.\r\n", true, UPD, 1},
};

/* The robustness table: abusive input, the exact replies expected. */
static const struct server_case robust_cases[] = {
    {"over-long line", CFG_PLAIN,
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "\r\nCAPA\r\n",
     0, "-ERR Line too long.\r\n" CAPA_BASE "USER\r\n.\r\n", false, AUTH, 0},
    {"NUL byte", CFG_PLAIN, "NO\0OP\r\nUSER al\0ice\r\n", 20,
     "-ERR NUL byte in command.\r\n-ERR NUL byte in command.\r\n", false, AUTH, 0},
    {"bare LF accepted (lenient default)", CFG_PLAIN, "USER alice\nPASS secret\nSTAT\n", 0,
     LOGIN_OK "+OK 3 " ALL_WIRE "\r\n", false, TRANS, 0},
    {"bare LF refused (strict_crlf)", CFG_STRICT, "USER alice\n", 0,
     "-ERR Line must end with CRLF.\r\n", false, AUTH, 0},
    /* Before login Dovecot's login process answers, and TRANSACTION commands are unknown to it. */
    {"STAT before login", CFG_PLAIN, "STAT\r\n", 0, "-ERR Unknown command.\r\n", false, AUTH, 0},
    {"RETR before login", CFG_PLAIN, "RETR 1\r\n", 0, "-ERR Unknown command.\r\n", false, AUTH, 0},
    {"DELE before login", CFG_PLAIN, "DELE 1\r\n", 0, "-ERR Unknown command.\r\n", false, AUTH, 0},
    {"three unknown before login: Dovecot's login process hangs up", CFG_PLAIN,
     "STAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nUSER alice\r\n", 0,
     "-ERR Unknown command.\r\n-ERR Unknown command.\r\n-ERR Unknown command.\r\n"
     "-ERR Too many invalid bad commands.\r\n",
     true, AUTH, 0},
    {"a known command before login resets the count", CFG_PLAIN,
     "FOO\r\nFOO\r\nCAPA\r\nFOO\r\nFOO\r\nUSER alice\r\nNOOP\r\nNOOP\r\nNOOP\r\n", 0,
     "-ERR Unknown command.\r\n-ERR Unknown command.\r\n" CAPA_BASE "USER\r\n.\r\n"
     "-ERR Unknown command.\r\n-ERR Unknown command.\r\n+OK\r\n-ERR Unknown command.\r\n"
     "-ERR Unknown command.\r\n-ERR Unknown command.\r\n-ERR Too many invalid bad commands.\r\n",
     true, AUTH, 0},
    {"USER after login", CFG_PLAIN, LOGIN "USER bob\r\n", 0, LOGIN_OK "-ERR Already logged in.\r\n",
     false, TRANS, 0},
    {"PASS without USER", CFG_PLAIN, "PASS secret\r\n", 0, "-ERR No username given.\r\n", false,
     AUTH, 0},
    {"wrong password, then PASS needs USER again", CFG_PLAIN,
     "USER alice\r\nPASS guess\r\nPASS secret\r\n", 0,
     "+OK\r\n-ERR [AUTH] Authentication failed.\r\n-ERR No username given.\r\n", false, AUTH, 0},
    {"RETR of a deleted message", CFG_PLAIN, LOGIN "DELE 1\r\nRETR 1\r\n", 0,
     LOGIN_OK "+OK Marked to be deleted.\r\n-ERR Message is deleted.\r\n", false, TRANS, 0},
    {"RETR 0", CFG_PLAIN, LOGIN "RETR 0\r\n", 0, LOGIN_OK "-ERR There's no message 0.\r\n", false,
     TRANS, 0},
    {"RETR -1", CFG_PLAIN, LOGIN "RETR -1\r\n", 0, LOGIN_OK "-ERR Invalid arguments.\r\n", false,
     TRANS, 0},
    {"RETR 99999999999999999999 (overflow)", CFG_PLAIN, LOGIN "RETR 99999999999999999999\r\n", 0,
     LOGIN_OK "-ERR There's no message 99999999999999999999.\r\n", false, TRANS, 0},
    {"RETR 2^64+1 (wraps to 1 if unchecked)", CFG_PLAIN, LOGIN "RETR 18446744073709551617\r\n", 0,
     LOGIN_OK "-ERR There's no message 18446744073709551617.\r\n", false, TRANS, 0},
    {"RETR 41 digits", CFG_PLAIN, LOGIN "RETR 00000000000000000000000000000000000000001\r\n", 0,
     LOGIN_OK "-ERR Invalid arguments.\r\n", false, TRANS, 0},
    {"RETR abc", CFG_PLAIN, LOGIN "RETR abc\r\n", 0, LOGIN_OK "-ERR Invalid arguments.\r\n", false,
     TRANS, 0},
    {"RETR without argument", CFG_PLAIN, LOGIN "RETR\r\n", 0,
     LOGIN_OK "-ERR Invalid arguments.\r\n", false, TRANS, 0},
    {"RETR with two arguments", CFG_PLAIN, LOGIN "RETR 1 2\r\n", 0,
     LOGIN_OK "-ERR Invalid arguments.\r\n", false, TRANS, 0},
    {"LIST past the end", CFG_PLAIN, LOGIN "LIST 4\r\n", 0,
     LOGIN_OK "-ERR There's no message 4.\r\n", false, TRANS, 0},
    {"DELE twice", CFG_PLAIN, LOGIN "DELE 2\r\nDELE 2\r\n", 0,
     LOGIN_OK "+OK Marked to be deleted.\r\n-ERR Message is deleted.\r\n", false, TRANS, 0},
    {"APOP wrong digest", CFG_APOP, "APOP mrose 00000000000000000000000000000000\r\n", 0,
     "-ERR [AUTH] Authentication failed.\r\n", false, AUTH, 0},
    {"APOP unknown user", CFG_APOP, "APOP eve c4c9334bac560ecc979e58001b3e22fb\r\n", 0,
     "-ERR [AUTH] Authentication failed.\r\n", false, AUTH, 0},
    {"APOP malformed digest", CFG_APOP, "APOP mrose c4c9334b\r\n", 0, "-ERR Invalid arguments.\r\n",
     false, AUTH, 0},
    {"APOP when not offered", CFG_PLAIN, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", 0,
     "-ERR APOP not supported.\r\n", false, AUTH, 0},
    /* After login, Dovecot's pop3 lets max_bad_commands failures in a row pass, and ends the
     * session at the next; a command that succeeds starts the count again. */
    {"too many bad commands in a row -> disconnect", CFG_MAX3,
     LOGIN "XYZZY\r\nFOO\r\nRETR 9\r\nBAR\r\nNOOP\r\n", 0,
     LOGIN_OK "-ERR Unknown command: XYZZY\r\n-ERR Unknown command: FOO\r\n"
              "-ERR There's no message 9.\r\n-ERR Unknown command: BAR\r\n"
              "-ERR Too many bad commands.\r\n",
     true, TRANS, 0},
    {"a success starts the count again", CFG_MAX3,
     LOGIN "FOO\r\nFOO\r\nFOO\r\nNOOP\r\nFOO\r\nFOO\r\nFOO\r\nNOOP\r\n", 0,
     LOGIN_OK "-ERR Unknown command: FOO\r\n-ERR Unknown command: FOO\r\n"
              "-ERR Unknown command: FOO\r\n+OK\r\n-ERR Unknown command: FOO\r\n"
              "-ERR Unknown command: FOO\r\n-ERR Unknown command: FOO\r\n+OK\r\n",
     false, TRANS, 0},
    {"failed logins are no bad commands (Dovecot)", CFG_MAX3,
     "USER alice\r\nPASS a\r\nUSER alice\r\nPASS b\r\nUSER alice\r\nPASS c\r\nUSER alice\r\n"
     "PASS d\r\n",
     0,
     "+OK\r\n-ERR [AUTH] Authentication failed.\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n"
     "+OK\r\n-ERR [AUTH] Authentication failed.\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n",
     false, AUTH, 0},
    {"pipelined junk, control bytes not echoed", CFG_PLAIN, LOGIN "\x01\x02junk\r\nSTAT\r\n", 0,
     LOGIN_OK "-ERR Unknown command: ??junk\r\n+OK 3 " ALL_WIRE "\r\n", false, TRANS, 0},
    {"tab inside keyword", CFG_PLAIN, LOGIN "NOOP\tX\r\n", 0,
     LOGIN_OK "-ERR Unknown command: NOOP?X\r\n", false, TRANS, 0},
    {"control byte in argument", CFG_PLAIN, "USER al\x01ice\r\n", 0, "-ERR Invalid arguments.\r\n",
     false, AUTH, 0},
    {"empty line", CFG_PLAIN, "\r\n", 0, "-ERR Unknown command.\r\n", false, AUTH, 0},
    {"empty line after login", CFG_PLAIN, LOGIN "\r\n", 0, LOGIN_OK "-ERR Unknown command.\r\n",
     false, TRANS, 0},
    {"commands after QUIT ignored", CFG_PLAIN, LOGIN "DELE 1\r\nQUIT\r\nRSET\r\nSTAT\r\n", 0,
     LOGIN_OK "+OK Marked to be deleted.\r\n+OK Logging out, messages deleted.\r\n", true, UPD, 1},
    {"TOP with a bad line count", CFG_PLAIN, LOGIN "TOP 1 x\r\nTOP 1 -1\r\nTOP 1\r\n", 0,
     LOGIN_OK "-ERR Invalid arguments.\r\n-ERR Invalid arguments.\r\n-ERR Invalid arguments.\r\n",
     false, TRANS, 0},
    {"unknown command, long keyword truncated", CFG_PLAIN,
     LOGIN "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ\r\n", 0,
     LOGIN_OK "-ERR Unknown command: ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ\r\n", false, TRANS,
     0},
};

struct run_result {
    uint8_t out[8192];
    size_t len;
    bool done;
    enum pop3_server_state state;
    struct agent agent;
};

static void drain_server(struct pop3_server *s, struct run_result *r)
{
    const uint8_t *p;
    size_t n = pop3_server_output(s, &p);
    while (n > 0) {
        size_t take = n < sizeof r->out - r->len ? n : sizeof r->out - r->len;
        memcpy(r->out + r->len, p, take);
        r->len += take;
        pop3_server_output_consumed(s, n);
        n = pop3_server_output(s, &p);
    }
}

/* Feeds input in chunks of `chunk` octets, draining the output after each feed like the
 * simulation glue does. */
static void run_case(const struct server_case *c, size_t chunk, struct run_result *r)
{
    memset(r, 0, sizeof *r);
    agent_init(&r->agent, c->cfg);
    struct pop3_server_config cfg = make_config(c->cfg);
    struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &r->agent);
    if (!s) {
        abort();
    }
    pop3_server_start(s);
    drain_server(s, r);
    r->len = 0; /* the greeting is checked separately */
    size_t n = c->input_len ? c->input_len : strlen(c->input);
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        pop3_server_feed(s, (const uint8_t *)c->input + off, k);
        drain_server(s, r);
    }
    r->done = pop3_server_done(s);
    r->state = pop3_server_state(s);
    pop3_server_free(s);
}

static void check_case(struct harness *h, const struct server_case *c)
{
    static const size_t chunks[] = {SIZE_MAX, 1};
    for (size_t k = 0; k < 2; k++) {
        struct run_result r;
        char name[160];
        run_case(c, chunks[k], &r);
        snprintf(name, sizeof name, "[%s] %s", k == 0 ? "whole" : "byte", c->name);
        check_bytes(h, name, r.out, r.len, c->want, __LINE__);
        if (!harness_check(h, r.done == c->want_done, name, __FILE__, __LINE__)) {
            fprintf(stderr, "    done: got %d want %d\n", r.done, c->want_done);
        }
        if (!harness_check(h, r.state == c->want_state, name, __FILE__, __LINE__)) {
            fprintf(stderr, "    state: got %s want %s\n", pop3_server_state_name(r.state),
                    pop3_server_state_name(c->want_state));
        }
        if (!harness_check(h, r.agent.commits == c->want_commits, name, __FILE__, __LINE__)) {
            fprintf(stderr, "    commits: got %d want %d\n", r.agent.commits, c->want_commits);
        }
        /* Every open maildrop is closed exactly once, whatever happened. */
        if (!harness_check(h, r.agent.opens == r.agent.closes, name, __FILE__, __LINE__)) {
            fprintf(stderr, "    opens %d closes %d\n", r.agent.opens, r.agent.closes);
        }
    }
}

/* ---- server: single tests ----------------------------------------------------------------- */

static void test_greetings(struct harness *h)
{
    struct run_result r;
    for (int k = 0; k < 2; k++) {
        struct agent a;
        agent_init(&a, CFG_PLAIN);
        struct pop3_server_config cfg = make_config(k ? CFG_APOP : CFG_PLAIN);
        struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &a);
        CHECK(h, s != NULL);
        CHECK(h, pop3_server_state(s) == POP3_STATE_AUTHORIZATION);
        pop3_server_start(s);
        r.len = 0;
        drain_server(s, &r);
        check_bytes(h, k ? "greeting with APOP timestamp" : "greeting", r.out, r.len,
                    k ? GREET_APOP : GREET, __LINE__);
        pop3_server_free(s);
    }
    /* A greeting that would inject a second line is refused. */
    struct pop3_server_config bad = make_config(CFG_PLAIN);
    bad.greeting = "hi\r\n+OK fake";
    CHECK(h, pop3_server_new(&bad, &server_hooks, NULL) == NULL);
    const char *extra[] = {"IMPLEMENTATION mailsim", "SASL PLAIN"};
    struct pop3_server_config more = make_config(CFG_PLAIN);
    more.capa_extra = extra;
    more.capa_extra_count = 2;
    more.greeting = "POP3 server ready";
    struct pop3_server *s = pop3_server_new(&more, NULL, NULL);
    CHECK(h, s != NULL);
    pop3_server_start(s);
    pop3_server_feed(s, (const uint8_t *)"CAPA\r\n", 6);
    r.len = 0;
    drain_server(s, &r);
    check_bytes(h, "custom greeting, extra CAPA lines, NULL hooks", r.out, r.len,
                "+OK POP3 server ready\r\n" CAPA_BASE "USER\r\nIMPLEMENTATION mailsim\r\nSASL "
                "PLAIN\r\n.\r\n",
                __LINE__);
    /* NULL hooks: every login fails. */
    pop3_server_feed(s, (const uint8_t *)LOGIN, strlen(LOGIN));
    r.len = 0;
    drain_server(s, &r);
    check_bytes(h, "NULL check_password hook", r.out, r.len,
                "+OK\r\n-ERR [AUTH] Authentication failed.\r\n", __LINE__);
    pop3_server_free(s);
    CHECK_STR(h, pop3_server_state_name(POP3_STATE_UPDATE), "UPDATE");
    CHECK_STR(h, pop3_server_state_name((enum pop3_server_state)42), "?");
}

static void test_apop_digest(struct harness *h)
{
    char d[33];
    CHECK_INT(h, pop3_apop_digest(APOP_TS, "tanstaaf", d), 0);
    CHECK_STR(h, d, "c4c9334bac560ecc979e58001b3e22fb");
}

static void test_state_hook_and_commit(struct harness *h)
{
    struct run_result r;
    const struct server_case *c = NULL;
    for (size_t i = 0; i < sizeof server_cases / sizeof server_cases[0]; i++) {
        if (strcmp(server_cases[i].name, "dele then quit commits") == 0) {
            c = &server_cases[i];
        }
    }
    CHECK(h, c != NULL);
    if (!c) {
        return;
    }
    run_case(c, SIZE_MAX, &r);
    CHECK_STR(h, r.agent.log, "auth USER alice ok;AUTHORIZATION>TRANSACTION;TRANSACTION>UPDATE;");
    CHECK(h, !r.agent.deleted[0] && r.agent.deleted[1] && !r.agent.deleted[2]);
    CHECK_INT(h, r.agent.closes, 1);
}

/* Peer close in TRANSACTION: RFC 1939 §6, no UPDATE, nothing removed, the lock released. */
static void test_peer_close(struct harness *h)
{
    struct agent a;
    agent_init(&a, CFG_PLAIN);
    struct pop3_server_config cfg = make_config(CFG_PLAIN);
    struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &a);
    pop3_server_start(s);
    const char *in = LOGIN "DELE 1\r\nDELE 2\r\n";
    pop3_server_feed(s, (const uint8_t *)in, strlen(in));
    pop3_server_peer_closed(s);
    CHECK(h, pop3_server_done(s));
    CHECK(h, pop3_server_state(s) == POP3_STATE_TRANSACTION);
    CHECK_INT(h, a.commits, 0);
    CHECK_INT(h, a.closes, 1);
    pop3_server_free(s);
    CHECK_INT(h, a.closes, 1);
    /* Freed mid-session without peer_closed: the maildrop is still closed once. */
    agent_init(&a, CFG_PLAIN);
    s = pop3_server_new(&cfg, &server_hooks, &a);
    pop3_server_start(s);
    pop3_server_feed(s, (const uint8_t *)LOGIN, strlen(LOGIN));
    pop3_server_free(s);
    CHECK_INT(h, a.commits, 0);
    CHECK_INT(h, a.closes, 1);
}

/* STLS: bytes pipelined behind STLS are dropped (CVE-2011-0411 style injection). */
static void test_stls(struct harness *h)
{
    struct agent a;
    struct run_result r;
    agent_init(&a, CFG_TLS);
    struct pop3_server_config cfg = make_config(CFG_TLS);
    struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &a);
    pop3_server_start(s);
    r.len = 0;
    drain_server(s, &r);
    r.len = 0;
    const char *in = "STLS\r\nUSER alice\r\n";
    pop3_server_feed(s, (const uint8_t *)in, strlen(in));
    drain_server(s, &r);
    check_bytes(h, "STLS accepted, injected USER not answered", r.out, r.len,
                "+OK Begin TLS negotiation now.\r\n", __LINE__);
    pop3_server_feed(s, (const uint8_t *)"PASS secret\r\n", 13); /* still plaintext: held */
    drain_server(s, &r);
    CHECK_INT(h, r.len, 32);
    pop3_server_tls_started(s);
    r.len = 0;
    in = "PASS secret\r\nCAPA\r\nSTLS\r\n";
    pop3_server_feed(s, (const uint8_t *)in, strlen(in));
    drain_server(s, &r);
    check_bytes(h, "after TLS: injected USER forgotten, no STLS in CAPA", r.out, r.len,
                "-ERR No username given.\r\n" CAPA_BASE "USER\r\n.\r\n"
                "-ERR Command not permitted when TLS active.\r\n",
                __LINE__);
    pop3_server_free(s);

    /* The agent refuses (no certificate, say). */
    agent_init(&a, CFG_TLS);
    a.stls_ok = false;
    s = pop3_server_new(&cfg, &server_hooks, &a);
    pop3_server_feed(s, (const uint8_t *)"STLS\r\n", 6);
    r.len = 0;
    drain_server(s, &r);
    check_bytes(h, "STLS refused by hook", r.out, r.len, "-ERR STLS not available.\r\n", __LINE__);
    pop3_server_free(s);
}

/* Back-pressure: while output waits, pipelined commands stay queued. */
/* Dovecot's auth_failure_delay: the -ERR of a failed login is held until the caller lets the
 * time pass (pop3_server_pause/resume); what came before it goes out at once, and a later
 * success is not held. Fed whole and byte by byte, the same pauses at the same places. */
static void test_auth_failure_delay(struct harness *h)
{
    static const char in[] =
        "USER alice\r\nPASS guess\r\nAPOP mrose 00000000000000000000000000000000"
        "\r\nUSER alice\r\nPASS secret\r\nSTAT\r\n";
    for (size_t chunk = sizeof in - 1; chunk > 0; chunk = chunk == 1 ? 0 : 1) {
        struct agent a;
        agent_init(&a, CFG_APOP);
        struct pop3_server_config cfg = make_config(CFG_APOP);
        cfg.auth_failure_delay_us = 2000000;
        struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &a);
        CHECK(h, s != NULL);
        pop3_server_start(s);
        for (size_t off = 0; off < sizeof in - 1; off += chunk) {
            size_t k = sizeof in - 1 - off < chunk ? sizeof in - 1 - off : chunk;
            pop3_server_feed(s, (const uint8_t *)in + off, k);
        }
        /* Take the output piece by piece, noting each pause. */
        char got[1024] = "";
        size_t used = 0;
        uint64_t pauses[4] = {0};
        size_t npauses = 0;
        for (;;) {
            const uint8_t *p;
            size_t n = pop3_server_output(s, &p);
            if (n + used < sizeof got) {
                memcpy(got + used, p, n);
                used += n;
                got[used] = 0;
            }
            pop3_server_output_consumed(s, n);
            uint64_t us = pop3_server_pause(s);
            if (us == 0) {
                break;
            }
            if (npauses < 4) {
                pauses[npauses] = us;
            }
            npauses++;
            if (npauses == 1) {
                /* Before the first pause: the greeting and the +OK to USER, nothing more. */
                CHECK_STR(h, got, GREET_APOP "+OK\r\n");
            }
            pop3_server_resume(s);
        }
        CHECK_INT(h, npauses, 2);
        CHECK_INT(h, pauses[0], 2000000);
        CHECK_INT(h, pauses[1], 2000000);
        CHECK_STR(h, got,
                  GREET_APOP "+OK\r\n-ERR [AUTH] Authentication failed.\r\n"
                             "-ERR [AUTH] Authentication failed.\r\n" LOGIN_OK "+OK 3 " ALL_WIRE
                             "\r\n");
        CHECK(h, pop3_server_state(s) == POP3_STATE_TRANSACTION);
        pop3_server_free(s);
    }
}

static void test_backpressure(struct harness *h)
{
    static uint8_t big[40000];
    memset(big, 'x', sizeof big);
    memcpy(big, "Subject: big\r\n\r\n", 16);
    big[sizeof big - 2] = '\r';
    big[sizeof big - 1] = '\n';
    struct agent a;
    agent_init(&a, CFG_PLAIN);
    a.msgs[0] = (struct pop3_message){big, sizeof big, "big"};
    struct pop3_server_config cfg = make_config(CFG_PLAIN);
    struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &a);
    struct notes_seen sn = {0};
    pop3_server_set_notes(s, notes_seen_add, &sn);
    pop3_server_start(s);
    const char *in = LOGIN "RETR 1\r\nRETR 1\r\nRETR 1\r\nNOOP\r\nTOP 1 0\r\n";
    pop3_server_feed(s, (const uint8_t *)in, strlen(in));
    const uint8_t *p;
    size_t waiting = pop3_server_output(s, &p);
    CHECK(h, waiting > POP3_SERVER_OUTPUT_HIGH);
    CHECK(h, waiting < 3 * sizeof big); /* the third RETR was not answered yet */
    size_t total = 0;
    while ((waiting = pop3_server_output(s, &p)) > 0) {
        size_t take = waiting > 1000 ? 1000 : waiting;
        total += take;
        pop3_server_output_consumed(s, take);
    }
    /* greeting 25 + login 21 + 3 * (status 18 + message + ".\r\n") + "+OK\r\n", and TOP's
     * "+OK\r\n", header, blank line and ".\r\n" */
    CHECK_INT(h, total, 25 + 21 + 3 * (18 + sizeof big + 3) + 5 + 5 + 16 + 3);
    /* The third RETR was answered while the output drained: its note still counts from the
     * first octet of the session. */
    CHECK_INT(h, notes_count(&sn, PROTO_NOTE_MESSAGE), 4);
    for (size_t i = 0; i < 3; i++) {
        const struct notes_one *m = notes_find(&sn, PROTO_NOTE_MESSAGE, NULL, i);
        CHECK(h,
              m && m->n.at == 25 + 21 + 18 + i * (18 + sizeof big + 3) && m->n.len == sizeof big);
    }
    const struct notes_one *top = notes_find(&sn, PROTO_NOTE_MESSAGE, NULL, 3);
    CHECK(h, top && top->n.at == total - 3 - 16 && top->n.len == 16); /* "Subject: big" CRLF2 */
    pop3_server_free(s);
}

/* ---- client ------------------------------------------------------------------------------- */

struct mua {
    int auth_ok; /* -1 not called, 0 fail, 1 ok */
    int done_ok; /* -1 not called */
    int done_calls;
    char reason[160];
    size_t messages;
    uint8_t got[3][128];
    size_t got_len[3];
    char uids[256];
    int replies;
};

static void mua_reply(void *ctx, bool ok, const char *text)
{
    (void)ok;
    (void)text;
    ((struct mua *)ctx)->replies++;
}

static void mua_auth(void *ctx, bool ok)
{
    ((struct mua *)ctx)->auth_ok = ok;
}

static void mua_uid(void *ctx, size_t index, const char *uid)
{
    struct mua *m = ctx;
    size_t used = strlen(m->uids);
    snprintf(m->uids + used, sizeof m->uids - used, "%zu=%s;", index, uid);
}

static void mua_message(void *ctx, size_t index, const uint8_t *data, size_t len)
{
    struct mua *m = ctx;
    if (index >= 1 && index <= 3 && len <= sizeof m->got[0]) {
        memcpy(m->got[index - 1], data, len);
        m->got_len[index - 1] = len;
    }
    m->messages++;
}

static void mua_done(void *ctx, bool ok, const char *reason)
{
    struct mua *m = ctx;
    m->done_ok = ok;
    m->done_calls++;
    snprintf(m->reason, sizeof m->reason, "%s", reason);
}

static const struct pop3_client_hooks client_hooks = {
    .on_reply = mua_reply,
    .on_auth_result = mua_auth,
    .on_uid = mua_uid,
    .on_message = mua_message,
    .on_done = mua_done,
};

/* Moves bytes both ways, chunk octets at a time, until nothing moves. With stop_before_quit the
 * client's QUIT is never delivered: the connection "drops" instead. What each side sent is
 * appended to sent and replies. */
static void pump(struct pop3_server *s, struct pop3_client *c, size_t chunk, bool stop_before_quit,
                 struct buf *sent, struct buf *replies)
{
    for (int round = 0; round < 100000; round++) {
        bool moved = false;
        const uint8_t *p;
        size_t n = pop3_server_output(s, &p);
        if (n > 0) {
            size_t k = n < chunk ? n : chunk;
            buf_append(replies, p, k);
            pop3_client_feed(c, p, k);
            pop3_server_output_consumed(s, k);
            moved = true;
        }
        if (stop_before_quit && pop3_client_state(c) == POP3_CLIENT_QUIT) {
            return;
        }
        n = pop3_client_output(c, &p);
        if (n > 0) {
            size_t k = n < chunk ? n : chunk;
            buf_append(sent, p, k);
            pop3_server_feed(s, p, k);
            pop3_client_output_consumed(c, k);
            moved = true;
        }
        if (!moved) {
            break;
        }
    }
    if (pop3_server_done(s)) {
        pop3_client_peer_closed(c);
    }
}

struct dialog {
    const char *name;
    enum cfg_kind cfg;
    struct pop3_client_config client;
    bool drop_before_quit;
    /* expectations */
    int want_auth;
    int want_done_ok;
    const char *want_reason;
    size_t want_messages;
    int want_commits;
    bool want_deleted;
};

static const struct dialog dialogs[] = {
    {"user/pass, capa, uidl",
     CFG_PLAIN,
     {"alice", "secret", false, false, true, true, 0, false, false},
     false,
     1,
     1,
     "Retrieved 3 of 3 messages.",
     3,
     1,
     false},
    {"apop",
     CFG_APOP,
     {"mrose", "tanstaaf", true, false, false, false, 0, false, false},
     false,
     1,
     1,
     "Retrieved 3 of 3 messages.",
     3,
     1,
     false},
    {"wrong password",
     CFG_PLAIN,
     {"alice", "guess", false, false, false, false, 0, false, false},
     false,
     0,
     0,
     "Authentication failed.",
     0,
     0,
     false},
    {"wrong apop secret",
     CFG_APOP,
     {"mrose", "guess", true, false, false, false, 0, false, false},
     false,
     0,
     0,
     "Authentication failed.",
     0,
     0,
     false},
    {"apop but no timestamp",
     CFG_PLAIN,
     {"alice", "secret", true, false, false, false, 0, false, false},
     false,
     -1,
     0,
     "APOP impossible: no timestamp in the greeting.",
     0,
     0,
     false},
    {"delete after retrieve, committed on QUIT",
     CFG_PLAIN,
     {"alice", "secret", false, true, false, false, 0, false, false},
     false,
     1,
     1,
     "Retrieved 3 of 3 messages.",
     3,
     1,
     true},
    {"connection lost before QUIT: nothing deleted",
     CFG_PLAIN,
     {"alice", "secret", false, true, false, false, 0, false, false},
     true,
     1,
     0,
     "Connection closed by server.",
     3,
     0,
     false},
    {"message larger than max_message is skipped",
     CFG_PLAIN,
     {"alice", "secret", false, false, false, false, 43, false, false},
     false,
     1,
     1,
     "Retrieved 2 of 3 messages.",
     2,
     1,
     false},
};

/* What the engines noted of their output (proto_note.h), held to the bytes: the client's
 * credentials, the server's -ERR and each message's text as stuffed on the wire, without the
 * "." line that ends it. */
static void check_dialog_notes(struct harness *h, const struct dialog *d, const char *name,
                               const struct notes_pair *np, const struct notes_seen *in)
{
    const struct notes_seen *cn = &np->client, *sn = &np->server;
    /* The server's notes about what it read are the client's about what it sent: the same
     * octets of the one stream, the same names and values, whole or byte by byte. */
    CHECK_INT(h, in->n, cn->n);
    for (size_t k = 0; k < cn->n && k < in->n; k++) {
        const struct notes_one *c = &cn->v[k], *r = &in->v[k];
        bool same = r->n.kind == c->n.kind && r->n.at == c->n.at && r->n.len == c->n.len &&
                    strcmp(r->what, c->what) == 0 && strcmp(r->how, c->how) == 0 &&
                    r->n.value_len == c->n.value_len &&
                    memcmp(r->value, c->value, c->n.value_len) == 0;
        if (!harness_check(h, same, name, __FILE__, __LINE__)) {
            fprintf(stderr, "    note %zu: client \"%s\" at %llu, server \"%s\" at %llu\n", k,
                    c->what, (unsigned long long)c->n.at, r->what, (unsigned long long)r->n.at);
        }
    }
    const struct buf *sent = &np->sent, *replies = &np->replies;
    if (d->client.use_apop && d->cfg == CFG_APOP) {
        char digest[33], wire[64], value[64];
        pop3_apop_digest(APOP_TS, d->client.password, digest);
        snprintf(wire, sizeof wire, "%s %s", d->client.user, digest);
        int n = snprintf(value, sizeof value, "%s%c%s", d->client.user, 0, digest);
        notes_check_at(h, notes_find(cn, PROTO_NOTE_SECRET, "APOP", 0), sent, wire, "\r\n", value,
                       (size_t)n, name);
    } else if (!d->client.use_apop) {
        notes_check_at(h, notes_find(cn, PROTO_NOTE_SECRET, "USER", 0), sent, d->client.user,
                       "\r\nPASS ", d->client.user, strlen(d->client.user), name);
        notes_check_at(h, notes_find(cn, PROTO_NOTE_SECRET, "PASS", 0), sent, d->client.password,
                       "\r\n", d->client.password, strlen(d->client.password), name);
    }
    CHECK_INT(h, cn->n, notes_count(cn, PROTO_NOTE_SECRET));
    if (d->want_auth == 0) {
        const struct notes_one *e = notes_find(sn, PROTO_NOTE_REPLY, "-ERR", 0);
        notes_check_at(h, e, replies, "-ERR [AUTH] Authentication failed.\r\n", NULL, NULL, 0,
                       name);
        CHECK_STR(h, e ? e->how : NULL, "-ERR");
    }
    CHECK_INT(h, notes_count(sn, PROTO_NOTE_REPLY), d->want_auth == 0 ? 1 : 0);
    if (d->want_messages == 3) {
        notes_check_at(h, notes_find(sn, PROTO_NOTE_MESSAGE, NULL, 0), replies, M1, ".\r\n", NULL,
                       0, name);
        notes_check_at(h, notes_find(sn, PROTO_NOTE_MESSAGE, NULL, 1), replies,
                       "Subject: dots\r\n\r\nline1\r\n..\r\n...two\r\n..x\r\nend\r\n", ".\r\n",
                       NULL, 0, name);
        CHECK_INT(h, notes_count(sn, PROTO_NOTE_MESSAGE), 3);
    }
}

static void run_dialog(struct harness *h, const struct dialog *d, size_t chunk)
{
    char name[160];
    snprintf(name, sizeof name, "[%s] %s", chunk == 1 ? "byte" : "whole", d->name);
    struct agent a;
    agent_init(&a, d->cfg);
    struct mua m;
    memset(&m, 0, sizeof m);
    m.auth_ok = -1;
    m.done_ok = -1;
    struct pop3_server_config cfg = make_config(d->cfg);
    struct pop3_server *s = pop3_server_new(&cfg, &server_hooks, &a);
    struct pop3_client *c = pop3_client_new(&d->client, &client_hooks, &m);
    if (!s || !c) {
        abort();
    }
    struct notes_pair np;
    notes_pair_init(&np);
    NOTES_PAIR_LISTEN(&np, pop3, c, s);
    struct notes_seen in = {0};
    pop3_server_set_input_notes(s, notes_seen_add, &in);
    pop3_server_start(s);
    pop3_client_start(c);
    pump(s, c, chunk, d->drop_before_quit, &np.sent, &np.replies);
    if (d->drop_before_quit) {
        pop3_server_peer_closed(s);
        pop3_client_peer_closed(c);
    }
    bool ok = m.auth_ok == d->want_auth && m.done_ok == d->want_done_ok && m.done_calls == 1 &&
              strcmp(m.reason, d->want_reason) == 0 && m.messages == d->want_messages &&
              a.commits == d->want_commits && a.opens == a.closes && pop3_client_done(c) &&
              pop3_server_done(s);
    if (!harness_check(h, ok, name, __FILE__, __LINE__)) {
        fprintf(stderr,
                "    auth %d done %d calls %d reason \"%s\" messages %zu commits %d opens %d "
                "closes %d client %s\n",
                m.auth_ok, m.done_ok, m.done_calls, m.reason, m.messages, a.commits, a.opens,
                a.closes, pop3_client_state_name(pop3_client_state(c)));
    }
    if (d->want_commits) {
        bool all = a.deleted[0] && a.deleted[1] && a.deleted[2];
        bool none = !a.deleted[0] && !a.deleted[1] && !a.deleted[2];
        CHECK(h, d->want_deleted ? all : none);
    }
    if (d->want_messages == 3) {
        /* Unstuffed: exactly the stored octets, plus the CRLF conversions the server makes. */
        check_bytes(h, name, m.got[0], m.got_len[0], M1, __LINE__);
        check_bytes(h, name, m.got[1], m.got_len[1], M2 "\r\n", __LINE__);
        check_bytes(h, name, m.got[2], m.got_len[2], "Subject: lf\r\n\r\nbare\r\nlf\r\n", __LINE__);
    }
    if (d->client.want_uidl) {
        CHECK_STR(h, m.uids, "1=uid-one;2=uid-two;3=" M3_MD5 ";");
    }
    check_dialog_notes(h, d, name, &np, &in);
    notes_pair_free(&np);
    pop3_server_free(s);
    pop3_client_free(c);
}

/* The client on its own, fed a hand-written server: odd stuffing, a refused RETR, bare LF. */
static void test_client_script(struct harness *h)
{
    static const char server[] = "+OK hello\r\n"
                                 "+OK\r\n"
                                 "+OK Logged in.\r\n"
                                 "+OK 2 10\r\n"
                                 "-ERR [SYS/TEMP] try later\r\n"
                                 "+OK 5 octets\r\n"
                                 "...\r\n"
                                 "..\r\n"
                                 ".\rx\r\n"
                                 "a\n"
                                 ".\n"
                                 "+OK bye\r\n";
    static const char client[] = "USER u\r\nPASS p w\r\nSTAT\r\nRETR 1\r\nRETR 2\r\nQUIT\r\n";
    for (size_t chunk = 1; chunk <= sizeof server; chunk += sizeof server - 1) {
        struct mua m;
        memset(&m, 0, sizeof m);
        struct pop3_client_config cfg = {"u", "p w", false, false, false, false, 0, false, false};
        struct pop3_client *c = pop3_client_new(&cfg, &client_hooks, &m);
        pop3_client_start(c);
        char sent[256];
        size_t sent_len = 0;
        for (size_t off = 0; off < sizeof server - 1; off += chunk) {
            size_t k = sizeof server - 1 - off < chunk ? sizeof server - 1 - off : chunk;
            pop3_client_feed(c, (const uint8_t *)server + off, k);
            const uint8_t *p;
            size_t n = pop3_client_output(c, &p);
            if (n > 0) {
                memcpy(sent + sent_len, p, n);
                sent_len += n;
            }
            pop3_client_output_consumed(c, n);
        }
        check_bytes(h, chunk == 1 ? "client script, byte" : "client script, whole",
                    (const uint8_t *)sent, sent_len, client, __LINE__);
        check_bytes(h, "client unstuffing", m.got[1], m.got_len[1], "..\r\n.\r\n\rx\r\na\n",
                    __LINE__);
        CHECK_INT(h, m.messages, 1);
        CHECK_STR(h, m.reason, "Retrieved 1 of 2 messages.");
        CHECK_INT(h, m.replies, 7);
        CHECK(h, pop3_client_done(c));
        pop3_client_free(c);
    }
    /* An empty maildrop: STAT 0, an empty UIDL listing, QUIT. */
    {
        static const char empty[] = "+OK hi\r\n+OK\r\n+OK\r\n+OK 0 0\r\n+OK\r\n.\r\n+OK bye\r\n";
        struct mua m;
        memset(&m, 0, sizeof m);
        struct pop3_client_config cfg = {"u", "p", false, false, false, true, 0, false, false};
        struct pop3_client *c = pop3_client_new(&cfg, &client_hooks, &m);
        pop3_client_feed(c, (const uint8_t *)empty, sizeof empty - 1);
        const uint8_t *p;
        size_t n = pop3_client_output(c, &p);
        char sent[256];
        snprintf(sent, sizeof sent, "%.*s", (int)n, (const char *)p);
        CHECK_STR(h, sent, "USER u\r\nPASS p\r\nSTAT\r\nUIDL\r\nQUIT\r\n");
        CHECK_STR(h, m.uids, "");
        CHECK_STR(h, m.reason, "Retrieved 0 of 0 messages.");
        pop3_client_free(c);
    }
    /* Configurations that would inject commands are refused. */
    struct pop3_client_config bad = {"u\r\nDELE 1", "p", false, false, false,
                                     false,         0,   false, false};
    CHECK(h, pop3_client_new(&bad, &client_hooks, NULL) == NULL);
    struct pop3_client_config bad2 = {"u", "p\r\nDELE 1", false, false, false, false,
                                      0,   false,         false};
    CHECK(h, pop3_client_new(&bad2, &client_hooks, NULL) == NULL);
    /* Garbage instead of a greeting. */
    struct mua m;
    memset(&m, 0, sizeof m);
    struct pop3_client_config cfg = {"u", "p", false, false, false, false, 0, false, false};
    struct pop3_client *c = pop3_client_new(&cfg, &client_hooks, &m);
    pop3_client_feed(c, (const uint8_t *)"220 smtp.example ESMTP\r\n", 24);
    CHECK(h, pop3_client_done(c));
    CHECK_STR(h, m.reason, "Bad reply from server.");
    pop3_client_free(c);
}

static int stls_calls;
static int client_on_stls(void *ctx)
{
    (void)ctx;
    stls_calls++;
    return 0;
}

/* Takes everything the client has queued, as a string. */
static void client_out(struct pop3_client *c, char *out, size_t cap)
{
    const uint8_t *p;
    size_t n = pop3_client_output(c, &p);
    snprintf(out, cap, "%.*s", (int)n, (const char *)p);
    pop3_client_output_consumed(c, n);
}

/* The client's side of STLS (RFC 2595 §4): STLS after the greeting, nothing more until the glue
 * says TLS is up, then CAPA again and the login; a refusal with TLS required means QUIT. */
static void test_client_stls(struct harness *h)
{
    struct mua m;
    memset(&m, 0, sizeof m);
    struct pop3_client_hooks hooks = client_hooks;
    hooks.on_stls_ready = client_on_stls;
    struct pop3_client_config cfg = {"bob", "pw", false, false, true, false, 0, true, true};
    struct pop3_client *c = pop3_client_new(&cfg, &hooks, &m);
    char out[256];
    pop3_client_feed(c, (const uint8_t *)"+OK ready\r\n", 11);
    client_out(c, out, sizeof out);
    CHECK_STR(h, out, "STLS\r\n");
    stls_calls = 0;
    /* Bytes after the +OK in the same read are plaintext an attacker could have injected. */
    static const char ok[] = "+OK Begin TLS negotiation now.\r\n+OK injected\r\n";
    pop3_client_feed(c, (const uint8_t *)ok, sizeof ok - 1);
    client_out(c, out, sizeof out);
    CHECK_STR(h, out, "");
    CHECK_INT(h, stls_calls, 1);
    CHECK_STR(h, pop3_client_state_name(pop3_client_state(c)), "TLS");
    pop3_client_tls_started(c);
    client_out(c, out, sizeof out);
    CHECK_STR(h, out, "CAPA\r\n");
    pop3_client_free(c);

    /* The server does not do STLS: with TLS required the client leaves without logging in. */
    memset(&m, 0, sizeof m);
    c = pop3_client_new(&cfg, &hooks, &m);
    pop3_client_feed(c, (const uint8_t *)"+OK ready\r\n", 11);
    client_out(c, out, sizeof out);
    pop3_client_feed(c, (const uint8_t *)"-ERR Unknown command.\r\n", 23);
    client_out(c, out, sizeof out);
    CHECK_STR(h, out, "QUIT\r\n");
    pop3_client_feed(c, (const uint8_t *)"+OK Bye\r\n", 9);
    CHECK(h, pop3_client_done(c) && !m.done_ok);
    CHECK_STR(h, m.reason, "STLS refused and TLS is required.");
    pop3_client_free(c);

    /* Opportunistic: on in the clear. */
    memset(&m, 0, sizeof m);
    cfg.require_tls = false;
    c = pop3_client_new(&cfg, &hooks, &m);
    pop3_client_feed(c, (const uint8_t *)"+OK ready\r\n", 11);
    client_out(c, out, sizeof out);
    pop3_client_feed(c, (const uint8_t *)"-ERR Unknown command.\r\n", 23);
    client_out(c, out, sizeof out);
    CHECK_STR(h, out, "CAPA\r\n");
    pop3_client_free(c);
}

int main(void)
{
    struct harness h = {"test_pop3", 0, 0};
    test_client_stls(&h);
    test_greetings(&h);
    test_apop_digest(&h);
    for (size_t i = 0; i < sizeof server_cases / sizeof server_cases[0]; i++) {
        check_case(&h, &server_cases[i]);
    }
    size_t robust = sizeof robust_cases / sizeof robust_cases[0];
    CHECK(&h, robust >= 15);
    for (size_t i = 0; i < robust; i++) {
        check_case(&h, &robust_cases[i]);
    }
    test_state_hook_and_commit(&h);
    test_peer_close(&h);
    test_stls(&h);
    test_backpressure(&h);
    test_auth_failure_delay(&h);
    for (size_t i = 0; i < sizeof dialogs / sizeof dialogs[0]; i++) {
        run_dialog(&h, &dialogs[i], SIZE_MAX);
        run_dialog(&h, &dialogs[i], 1);
    }
    test_client_script(&h);
    return harness_finish(&h);
}
