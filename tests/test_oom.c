/* test_oom: the protocol engines when memory runs out. mailsim's policy (README, "Layout"):
 * the engines in agents/proto return an error (NULL, -1, or a session that ends) when an
 * allocation fails, because live mode puts them in front of real clients; the simulation above
 * them aborts instead, since a trace with a hole in it would teach something false. Two places
 * in proto abort on purpose (a line buffer of fixed size, made once), as an allocator would.
 *
 * This test holds the engines to that policy. The allocator is wrapped at link time
 * (-Wl,--wrap=malloc,...): for n = 1, 2, ... the n-th allocation of a whole session fails, in a
 * child process, and the child must end normally with well-formed output (every line a reply
 * the protocol allows), or by the documented abort. A crash of any other kind fails the test;
 * under AddressSanitizer (make sanitize), so does a leak on the error path, as LeakSanitizer
 * turns it into the child's exit status. */
#include "harness.h"
#include "pop3_server.h"
#include "session.h"
#include "smtp_server.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- The failing allocator ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

static unsigned long oom_fail_at; /* the allocation that fails, 1-based; 0: none */
static unsigned long oom_count;   /* allocations so far */

static bool oom_fails_now(void)
{
    return ++oom_count == oom_fail_at;
}

void *__wrap_malloc(size_t n)
{
    return oom_fails_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return oom_fails_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return oom_fails_now() ? NULL : __real_realloc(p, n);
}

/* ---- Sessions ---- */

/* How a child ended, as its exit status. */
enum oom_outcome {
    OOM_SAME = 0,        /* no allocation failed, and the output was the expected one */
    OOM_HANDLED = 10,    /* an allocation failed and the engine answered well-formed replies */
    OOM_NEW_FAILED = 11, /* the engine could not be made: NULL, as documented */
    OOM_BAD_OUTPUT = 12, /* a reply line the protocol does not allow */
    OOM_DIFFERENT = 13,  /* nothing failed, yet the output changed: the test is broken */
};

/* The POP3 commands of the session below, in order: true for those whose +OK is followed by
 * lines up to ".". */
static const bool oom_pop3_multiline[] = {true, false, false, false, true,  true,
                                          true, true,  false, false, false, false};

/* True when out is whole CRLF lines that read as replies of the protocol: for SMTP each line
 * "ddd " or "ddd-" with 2 <= d <= 5, a "ddd-" line followed by one of the same code; for POP3
 * (is_pop3), one "+OK" or "-ERR" per command in order, a multi-line +OK followed by its lines up to
 * ".". The session may end early (421, -ERR), but nothing may be cut in the middle of a line or be
 * out of turn. */
static bool oom_well_formed(const char *out, size_t n, bool is_pop3)
{
    size_t cmd = 0;       /* POP3: the command the next status line answers (0: the greeting) */
    bool in_body = false; /* inside a multi-line reply */
    char code[3] = {0};
    for (size_t i = 0; i < n;) {
        const char *l = out + i, *eol = memchr(l, '\n', n - i);
        if (!eol || eol == l || eol[-1] != '\r') {
            return false;
        }
        size_t len = (size_t)(eol - l) - 1;
        i = (size_t)(eol - out) + 1;
        if (!is_pop3) {
            if (len < 4 || l[0] < '2' || l[0] > '5' || (l[3] != ' ' && l[3] != '-') ||
                (in_body && memcmp(l, code, 3) != 0)) {
                return false;
            }
            memcpy(code, l, 3); /* a multi-line reply keeps its code to its last line */
            in_body = l[3] == '-';
            continue;
        }
        if (in_body) {
            in_body = !(len == 1 && l[0] == '.');
            continue;
        }
        bool ok = len >= 3 && memcmp(l, "+OK", 3) == 0;
        if (!ok && !(len >= 4 && memcmp(l, "-ERR", 4) == 0)) {
            return false;
        }
        if (cmd > sizeof oom_pop3_multiline) {
            return false; /* more replies than commands */
        }
        in_body = ok && cmd > 0 && oom_pop3_multiline[cmd - 1];
        cmd++;
    }
    return !in_body;
}

static bool oom_on_auth(void *ctx, enum sasl_mech mech, const char *authzid, const char *user,
                        const char *password, struct smtp_reply *reply)
{
    (void)ctx, (void)mech, (void)authzid, (void)reply;
    return strcmp(user, "alice") == 0 && strcmp(password, "secret") == 0;
}

static bool oom_on_message(void *ctx, const struct smtp_envelope *env, const uint8_t *data,
                           size_t len, struct smtp_reply *reply)
{
    (void)env, (void)reply, (void)data;
    size_t *seen = ctx;
    *seen += len;
    return true;
}

/* A whole submission: EHLO, AUTH PLAIN, a message to two recipients with SIZE (its buffer made
 * at once), RSET, a second message without SIZE (its buffer grown as lines come), VRFY, QUIT.
 * Fed in pieces of 7 octets, output taken as it comes. */
static const char oom_smtp_input[] =
    "EHLO client.a.example\r\n"
    "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"
    "MAIL FROM:<alice@a.example> SIZE=120\r\n"
    "RCPT TO:<bob@b.example>\r\n"
    "RCPT TO:<carol@b.example>\r\n"
    "DATA\r\n"
    "From: alice@a.example\r\nTo: bob@b.example\r\nSubject: hello\r\n\r\n"
    "line one\r\n..a dot-stuffed line\r\nline three\r\n.\r\n"
    "RSET\r\n"
    "MAIL FROM:<alice@a.example>\r\n"
    "RCPT TO:<bob@b.example>\r\n"
    "DATA\r\n"
    "Subject: no SIZE this time, so the buffer grows line by line\r\n\r\nbody\r\n.\r\n"
    "VRFY bob\r\n"
    "NOOP\r\n"
    "QUIT\r\n";

/* What a session's engine said, as much as fits. */
struct oom_out {
    char *buf;
    size_t cap, n;
};

/* Starts the engine and feeds it input in pieces of piece octets; after each piece its pauses
 * pass and its output is taken into o until it has none (at most 64 times), as a session would
 * take it. Then frees the engine and returns the octets taken. */
static size_t oom_converse(const struct session_ops *ops, void *engine, const char *input,
                           size_t piece, struct oom_out *o)
{
    ops->start(engine);
    size_t len = strlen(input);
    for (size_t i = 0; i <= len && !ops->done(engine); i += piece) {
        if (i < len) {
            ops->feed(engine, (const uint8_t *)input + i, len - i < piece ? len - i : piece);
        }
        for (int round = 0; round < 64; round++) {
            while (ops->pause(engine)) {
                ops->resume(engine);
            }
            const uint8_t *p;
            size_t k = ops->output(engine, &p);
            if (k == 0) {
                break;
            }
            if (k > o->cap - o->n) {
                k = o->cap - o->n;
            }
            memcpy(o->buf + o->n, p, k);
            o->n += k;
            ops->consumed(engine, k);
        }
    }
    ops->destroy(engine);
    return o->n;
}

/* Feeds input in pieces of 7 octets, collecting the output into out. */
static size_t oom_smtp_session(char *out, size_t cap, int *outcome)
{
    size_t seen = 0;
    struct smtp_server_config cfg = {
        .hostname = "mail.a.example",
        .max_message_size = 10000,
        .max_recipients = 100,
        .max_errors = 20,
        .auth_mechs = SASL_MECH_BIT(SASL_MECH_PLAIN) | SASL_MECH_BIT(SASL_MECH_LOGIN),
        .session_id = 42,
    };
    struct smtp_server_hooks hooks = {.on_auth = oom_on_auth, .on_message = oom_on_message};
    struct smtp_server *s = smtp_server_new(&cfg, &hooks, &seen);
    if (!s) {
        *outcome = OOM_NEW_FAILED;
        return 0;
    }
    struct oom_out o = {out, cap, 0};
    return oom_converse(&session_smtp_server_ops, s, oom_smtp_input, 7, &o);
}

#define OOM_MSG1 "From: a@a.example\r\nSubject: one\r\n\r\nfirst\r\n"
#define OOM_MSG2 "From: a@a.example\r\nSubject: two\r\n\r\n.dot\r\nsecond\r\n"
static const struct pop3_message oom_messages[] = {
    {(const uint8_t *)OOM_MSG1, sizeof OOM_MSG1 - 1, NULL},
    {(const uint8_t *)OOM_MSG2, sizeof OOM_MSG2 - 1, "u2"},
};

static bool oom_check_password(void *ctx, const char *user, const char *pass)
{
    (void)ctx;
    return strcmp(user, "bob") == 0 && strcmp(pass, "secret") == 0;
}

static bool oom_open_maildrop(void *ctx, const char *user, struct pop3_maildrop *out)
{
    (void)ctx, (void)user;
    out->messages = oom_messages;
    out->count = 2;
    return true;
}

static const char oom_pop3_input[] = "CAPA\r\nUSER bob\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\n"
                                     "RETR 1\r\nTOP 2 1\r\nDELE 1\r\nRSET\r\nNOOP\r\nQUIT\r\n";

static size_t oom_pop3_session(char *out, size_t cap, int *outcome)
{
    struct pop3_server_config cfg = {.hostname = "mail.b.example", .allow_user_pass = true};
    struct pop3_server_hooks hooks = {.check_password = oom_check_password,
                                      .open_maildrop = oom_open_maildrop};
    struct pop3_server *s = pop3_server_new(&cfg, &hooks, NULL);
    if (!s) {
        *outcome = OOM_NEW_FAILED;
        return 0;
    }
    struct oom_out o = {out, cap, 0};
    return oom_converse(&session_pop3_server_ops, s, oom_pop3_input, 5, &o);
}

typedef size_t (*oom_session_fn)(char *out, size_t cap, int *outcome);

#define OOM_OUT_CAP 16384

/* Runs session in a child with allocation fail_at failing; returns its wait status. want is the
 * output of the run where nothing failed. */
static int oom_child(oom_session_fn session, bool is_pop3, unsigned long fail_at, const char *want,
                     size_t want_len, unsigned long *allocs, char *got, size_t *got_len)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        abort();
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        abort();
    }
    if (pid == 0) {
        close(pipefd[0]);
        static char out[OOM_OUT_CAP];
        int outcome = -1;
        oom_count = 0;
        oom_fail_at = fail_at;
        size_t n = session(out, sizeof out, &outcome);
        unsigned long count = oom_count;
        oom_fail_at = 0;
        if (write(pipefd[1], &count, sizeof count) != (ssize_t)sizeof count ||
            write(pipefd[1], &n, sizeof n) != (ssize_t)sizeof n ||
            write(pipefd[1], out, n) != (ssize_t)n) {
            _exit(99);
        }
        close(pipefd[1]);
        if (outcome < 0) {
            if (!oom_well_formed(out, n, is_pop3)) {
                outcome = OOM_BAD_OUTPUT;
            } else if (count >= fail_at && fail_at) {
                outcome = OOM_HANDLED;
            } else if (want && (n != want_len || memcmp(out, want, n) != 0)) {
                outcome = OOM_DIFFERENT;
            } else {
                outcome = OOM_SAME;
            }
        }
        exit(outcome); /* exit(), not _exit(): LeakSanitizer checks at exit */
    }
    close(pipefd[1]);
    *allocs = 0;
    *got_len = 0;
    if (read(pipefd[0], allocs, sizeof *allocs) != (ssize_t)sizeof *allocs ||
        read(pipefd[0], got_len, sizeof *got_len) != (ssize_t)sizeof *got_len ||
        *got_len >= OOM_OUT_CAP) {
        *allocs = 0;
        *got_len = 0;
    }
    for (size_t k = 0; k < *got_len;) {
        ssize_t r = read(pipefd[0], got + k, *got_len - k);
        if (r <= 0) {
            *got_len = k;
            break;
        }
        k += (size_t)r;
    }
    got[*got_len] = 0;
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

/* Runs session with each of its allocations failing in turn. expect_reply: a reply that some
 * failure must bring (the engine's own answer to running out of memory), or NULL. */
static void oom_run(struct harness *h, const char *name, oom_session_fn session, bool is_pop3,
                    const char *expect_reply)
{
    static char got[OOM_OUT_CAP + 1];
    size_t got_len = 0;
    unsigned replied = 0;
    /* The run where nothing fails, in this process: the output every other run is held to. */
    static char want[OOM_OUT_CAP];
    int outcome = -1;
    oom_count = 0;
    size_t want_len = session(want, sizeof want, &outcome);
    unsigned long total = oom_count;
    CHECK(h, outcome < 0);
    CHECK(h, oom_well_formed(want, want_len, is_pop3));
    CHECK(h, total >= 3); /* else the test would prove nothing */

    unsigned handled = 0, made_none = 0, aborted = 0;
    for (unsigned long n = 1; n <= total; n++) {
        unsigned long allocs = 0;
        int st = oom_child(session, is_pop3, n, want, want_len, &allocs, got, &got_len);
        replied += expect_reply && strstr(got, expect_reply) != NULL;
        bool ok = false;
        if (WIFEXITED(st)) {
            int code = WEXITSTATUS(st);
            ok = code == OOM_HANDLED || code == OOM_NEW_FAILED;
            handled += code == OOM_HANDLED;
            made_none += code == OOM_NEW_FAILED;
        } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) {
            ok = true; /* the documented abort of a fixed-size buffer */
            aborted++;
        }
        if (!ok) {
            fprintf(stderr, "%s: allocation %lu of %lu failing: %s %d\n", name, n, total,
                    WIFEXITED(st) ? "exit status" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
        CHECK(h, ok);
    }
    /* And once with nothing failing, in a child too: the same output. */
    unsigned long allocs = 0;
    int st = oom_child(session, is_pop3, 0, want, want_len, &allocs, got, &got_len);
    CHECK(h, WIFEXITED(st) && WEXITSTATUS(st) == OOM_SAME);
    CHECK_INT(h, allocs, total);
    printf("%s: %lu allocations; with each failing in turn: %u answered, %u refused to start, "
           "%u aborted as documented\n",
           name, total, handled, made_none, aborted);
    CHECK(h, handled > 0);
    CHECK(h, !expect_reply || replied > 0);
}

int main(void)
{
    struct harness h = {"test_oom", 0, 0};
    /* Postfix's answer when the message cannot be stored: cleanup's "452 4.3.1". */
    oom_run(&h, "smtp server", oom_smtp_session, false, "452 4.3.1 Insufficient system storage");
    oom_run(&h, "pop3 server", oom_pop3_session, true, NULL);
    return harness_finish(&h);
}
