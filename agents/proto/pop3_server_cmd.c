/* pop3_server_cmd: the POP3 server's command handlers, one per row of the command table in
 * pop3_server.c, which has already checked the state and the number of arguments. Here are the
 * AUTHORIZATION logins, the TRANSACTION commands and QUIT's UPDATE (RFC 1939). */
#include "pop3_server.h"
#include "pop3_server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- message numbers, unique-ids, multi-line responses ---------------------------------- */

/* A decimal number of 1 to 40 digits, saturating at SIZE_MAX (overflow-safe). */
static bool pop3_server_number(const char *arg, size_t *out)
{
    size_t v = 0;
    size_t i = 0;
    for (; arg[i]; i++) {
        if (arg[i] < '0' || arg[i] > '9' || i >= POP3_ECHO_MAX) {
            return false;
        }
        size_t d = (size_t)(arg[i] - '0');
        v = (v > (SIZE_MAX - d) / 10) ? SIZE_MAX : v * 10 + d;
    }
    if (i == 0) {
        return false;
    }
    *out = v;
    return true;
}

/* RFC 1939 §5, the argument of RETR, DELE, TOP and others: "a message-number (required) which
 * may NOT refer to a message marked as deleted". Looks up a message-number argument; answers
 * -ERR itself and returns false when it is not usable. */
static bool pop3_server_message(struct pop3_server *s, const char *arg, size_t *index)
{
    size_t n;
    if (!pop3_server_number(arg, &n)) {
        pop3_server_err(s, "Invalid arguments.");
        return false;
    }
    if (n == 0 || n > s->drop.count) {
        pop3_server_err(s, "There's no message %s.", arg);
        return false;
    }
    if (s->deleted[n - 1]) {
        pop3_server_err(s, "Message is deleted.");
        return false;
    }
    *index = n - 1;
    return true;
}

/* RFC 1939 §7: "The unique-id of a message is an arbitrary server-determined string,
 * consisting of one to 70 characters in the range 0x21 to 0x7E". */
static void pop3_server_uid(const struct pop3_server *s, size_t i, char out[POP3_UID_MAX + 1])
{
    const struct pop3_message *m = &s->drop.messages[i];
    if (m->uid) {
        size_t n = strlen(m->uid);
        bool ok = n >= 1 && n <= POP3_UID_MAX;
        for (size_t k = 0; ok && k < n; k++) {
            ok = m->uid[k] >= 0x21 && m->uid[k] <= 0x7e;
        }
        if (ok) {
            memcpy(out, m->uid, n + 1);
            return;
        }
    }
    if (pop3_server_md5_hex(m->data ? m->data : (const uint8_t *)"", m->len, out) != 0) {
        snprintf(out, POP3_UID_MAX + 1, "msg%zu", i + 1);
    }
}

/* RFC 1939 §3: "If any line of the multi-line response begins with the termination octet, the
 * line is "byte-stuffed" by pre-pending the termination octet to that line of the response."
 * Sends data[0..n) line by line; a bare LF goes out as CRLF and a missing final CRLF is added,
 * so the terminator that follows always starts a line. */
static void pop3_server_send_stuffed(struct pop3_server *s, const uint8_t *data, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *lf = memchr(data + i, '\n', n - i);
        size_t end = lf ? (size_t)(lf - data) : n;
        size_t text_end = (lf && end > i && data[end - 1] == '\r') ? end - 1 : end;
        if (data[i] == '.') {
            pop3_server_raw(s, ".", 1);
        }
        pop3_server_raw(s, data + i, text_end - i);
        pop3_server_raw(s, "\r\n", 2);
        i = lf ? end + 1 : n;
    }
}

/* "When all lines of the response have been sent, a final line is sent, consisting of a
 * termination octet (decimal code 046, ".") and a CRLF pair." */
static void pop3_server_end_multiline(struct pop3_server *s)
{
    pop3_server_raw_str(s, ".\r\n");
}

/* The text of a message (RETR) or of its head (TOP) after the +OK line, noted as a message, and
 * the line that ends the response. */
static void pop3_server_send_message(struct pop3_server *s, const uint8_t *data, size_t n)
{
    size_t text = s->out.buf.len;
    if (n > 0) {
        pop3_server_send_stuffed(s, data, n);
    }
    if (s->out.buf.len > text) {
        proto_notes_tell(&s->out.notes, PROTO_NOTE_MESSAGE, text, s->out.buf.len - text, NULL, NULL,
                         NULL, 0);
    }
    pop3_server_end_multiline(s);
}

/* RFC 1939 §11: "It is important to note that the octet count for a message on the server host
 * may differ from the octet count assigned to that message due to local conventions for
 * designating end-of-line. ... if the POP3 server host internally represents end-of-line as a
 * single character, then the POP3 server simply counts each occurrence of this character in a
 * message as two octets. Note that lines in the message which start with the termination octet
 * need not (and must not) be counted twice". The size of what pop3_server_send_stuffed sends,
 * stuffing dots left out: every line ended by CRLF. */
static size_t pop3_server_wire_size(const struct pop3_message *m)
{
    size_t size = 0, i = 0;
    while (i < m->len) {
        const uint8_t *lf = memchr(m->data + i, '\n', m->len - i);
        size_t end = lf ? (size_t)(lf - m->data) : m->len;
        size_t text_end = (lf && end > i && m->data[end - 1] == '\r') ? end - 1 : end;
        size += text_end - i + 2;
        i = lf ? end + 1 : m->len;
    }
    return size;
}

/* ---- AUTHORIZATION ---------------------------------------------------------------------- */

/* RFC 1939 §4: "Once the POP3 server has determined through the use of any authentication
 * command that the client should be given access to the appropriate maildrop, the POP3 server
 * then acquires an exclusive-access lock on the maildrop". */
static void pop3_server_login(struct pop3_server *s, const char *mech, const char *user, bool ok)
{
    if (s->hooks.on_auth_result) {
        s->hooks.on_auth_result(s->ctx, mech, user, ok);
    }
    if (!ok) {
        /* Dovecot answers a failed login only after its auth_failure_delay. */
        proto_pauses_hold(&s->pauses, s->out.buf.len, s->auth_failure_delay_us);
        pop3_server_err(s, "[AUTH] Authentication failed.");
        return;
    }
    struct pop3_maildrop drop = {NULL, 0};
    /* "If the maildrop cannot be opened for some reason (for example, a lock can not be
     * acquired ...), the POP3 server responds with a negative status indicator." */
    if (s->hooks.open_maildrop && !s->hooks.open_maildrop(s->ctx, user, &drop)) {
        pop3_server_err(s, "[IN-USE] Unable to lock maildrop.");
        return;
    }
    if (drop.count > 0 && drop.messages == NULL) {
        abort(); /* the agent broke the open_maildrop contract */
    }
    snprintf(s->login, sizeof s->login, "%s", user);
    s->drop = drop;
    s->drop_open = true;
    if (drop.count > 0) {
        s->deleted = calloc(drop.count, sizeof *s->deleted);
        s->sizes = calloc(drop.count, sizeof *s->sizes);
        if (!s->deleted || !s->sizes) {
            pop3_server_close_maildrop(s);
            pop3_server_err(s, "[SYS/TEMP] Out of memory.");
            return;
        }
        for (size_t i = 0; i < drop.count; i++) {
            s->sizes[i] = pop3_server_wire_size(&drop.messages[i]);
        }
    }
    /* "... the POP3 session is now in the TRANSACTION state." */
    pop3_server_set_state(s, POP3_STATE_TRANSACTION);
    pop3_server_ok(s, " Logged in.");
}

void pop3_server_cmd_user(struct pop3_server *s, const struct pop3_args *a)
{
    if (!s->allow_user_pass) {
        pop3_server_err(s, "[AUTH] Plaintext authentication disallowed.");
        return;
    }
    snprintf(s->user, sizeof s->user, "%s", a->v[0]);
    pop3_server_ok(s, "%s", "");
}

/* RFC 1939 §7: "Since the PASS command has exactly one argument, a POP3 server may treat spaces
 * in the argument as part of the password, instead of as argument separators." */
void pop3_server_cmd_pass(struct pop3_server *s, const struct pop3_args *a)
{
    if (!s->allow_user_pass) {
        pop3_server_err(s, "[AUTH] Plaintext authentication disallowed.");
        return;
    }
    if (s->user[0] == 0) {
        pop3_server_err(s, "No username given.");
        return;
    }
    char user[POP3_LINE_MAX];
    memcpy(user, s->user, sizeof user);
    s->user[0] = 0; /* a failed PASS needs a new USER */
    bool ok = s->hooks.check_password && s->hooks.check_password(s->ctx, user, a->v[0]);
    pop3_server_login(s, "USER", user, ok);
}

static bool pop3_server_hex32(const char *d)
{
    size_t i = 0;
    for (; d[i]; i++) {
        char c = d[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return i == 32;
}

/* RFC 1939 §7: "A POP3 server which implements the APOP command will include a timestamp in its
 * banner greeting." Without one there is nothing to digest. */
void pop3_server_cmd_apop(struct pop3_server *s, const struct pop3_args *a)
{
    if (!s->timestamp) {
        pop3_server_err(s, "APOP not supported.");
        return;
    }
    if (!pop3_server_hex32(a->v[1])) {
        pop3_server_err(s, "Invalid arguments.");
        return;
    }
    s->user[0] = 0;
    const char *secret =
        s->hooks.get_apop_secret ? s->hooks.get_apop_secret(s->ctx, a->v[0]) : NULL;
    bool ok = false;
    char want[33];
    if (secret && pop3_apop_digest(s->timestamp, secret, want) == 0) {
        /* Compared without an early exit, and case-insensitively (lenient on the client's
         * "lower-case" duty). */
        unsigned diff = 0;
        for (size_t i = 0; i < 32; i++) {
            char c = a->v[1][i];
            if (c >= 'A' && c <= 'F') {
                c = (char)(c - 'A' + 'a');
            }
            diff |= (unsigned)(c ^ want[i]);
        }
        ok = diff == 0;
    }
    pop3_server_login(s, "APOP", a->v[0], ok);
}

/* RFC 2595 §4: "The STLS command is only permitted in AUTHORIZATION state and the server
 * remains in AUTHORIZATION state, even if client credentials are supplied during the TLS
 * negotiation." */
void pop3_server_cmd_stls(struct pop3_server *s, const struct pop3_args *a)
{
    (void)a;
    if (s->tls_active) {
        pop3_server_err(s, "Command not permitted when TLS active.");
        return;
    }
    if (!s->tls_available || !s->hooks.on_stls || !s->hooks.on_stls(s->ctx)) {
        pop3_server_err(s, "STLS not available.");
        return;
    }
    pop3_server_ok(s, " Begin TLS negotiation now.");
    s->tls_pending = true;
}

/* RFC 2449 §5: "The POP3 CAPA command returns a list of capabilities supported by the POP3
 * server. It is available in both the AUTHORIZATION and TRANSACTION states." and "Capabilities
 * available in the AUTHORIZATION state MUST be announced in both states." So USER and STLS stay
 * listed after login; STLS goes once TLS is active, as it can no longer be used. */
void pop3_server_cmd_capa(struct pop3_server *s, const struct pop3_args *a)
{
    (void)a;
    pop3_server_ok(s, "%s", "");
    pop3_server_raw_str(s, "CAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n");
    if (s->allow_user_pass) {
        pop3_server_raw_str(s, "USER\r\n");
    }
    if (s->tls_available && s->hooks.on_stls && !s->tls_active) {
        pop3_server_raw_str(s, "STLS\r\n");
    }
    for (size_t i = 0; i < s->capa_extra_count; i++) {
        pop3_server_send_stuffed(s, (const uint8_t *)s->capa_extra[i], strlen(s->capa_extra[i]));
    }
    pop3_server_end_multiline(s);
}

/* RFC 1939 §6: "When the client issues the QUIT command from the TRANSACTION state, the POP3
 * session enters the UPDATE state. (Note that if the client issues the QUIT command from the
 * AUTHORIZATION state, the POP3 session terminates but does NOT enter the UPDATE state.)" */
void pop3_server_cmd_quit(struct pop3_server *s, const struct pop3_args *a)
{
    (void)a;
    if (s->state == POP3_STATE_AUTHORIZATION) {
        pop3_server_ok(s, " Logging out.");
        pop3_server_end(s);
        return;
    }
    pop3_server_set_state(s, POP3_STATE_UPDATE);
    bool any = false;
    for (size_t i = 0; i < s->drop.count; i++) {
        any = any || s->deleted[i];
    }
    /* "The POP3 server removes all messages marked as deleted from the maildrop and replies as
     * to the status of this operation. ... Whether the removal was successful or not, the
     * server then releases any exclusive-access lock on the maildrop and closes the TCP
     * connection." */
    bool ok = true;
    if (s->hooks.commit) {
        ok = s->hooks.commit(s->ctx, s->login, s->deleted, s->drop.count);
    }
    pop3_server_end(s);
    if (!ok) {
        pop3_server_err(s, "Some deleted messages not removed.");
    } else if (any) {
        pop3_server_ok(s, " Logging out, messages deleted.");
    } else {
        pop3_server_ok(s, " Logging out.");
    }
}

/* ---- TRANSACTION ------------------------------------------------------------------------ */

/* RFC 1939 §5 STAT: "Note that messages marked as deleted are not counted in either total." */
void pop3_server_cmd_stat(struct pop3_server *s, const struct pop3_args *a)
{
    (void)a;
    size_t n = 0;
    size_t octets = 0;
    for (size_t i = 0; i < s->drop.count; i++) {
        if (!s->deleted[i]) {
            n++;
            octets += s->sizes[i];
        }
    }
    pop3_server_ok(s, " %zu %zu", n, octets);
}

/* LIST: "Note that messages marked as deleted are not listed." */
void pop3_server_cmd_list(struct pop3_server *s, const struct pop3_args *a)
{
    size_t i;
    if (a->n == 1) {
        if (pop3_server_message(s, a->v[0], &i)) {
            pop3_server_ok(s, " %zu %zu", i + 1, s->sizes[i]);
        }
        return;
    }
    size_t n = 0;
    for (i = 0; i < s->drop.count; i++) {
        n += s->deleted[i] ? 0 : 1;
    }
    pop3_server_ok(s, " %zu messages:", n);
    for (i = 0; i < s->drop.count; i++) {
        if (!s->deleted[i]) {
            char line[64];
            int len = snprintf(line, sizeof line, "%zu %zu\r\n", i + 1, s->sizes[i]);
            pop3_server_raw(s, line, (size_t)len);
        }
    }
    pop3_server_end_multiline(s);
}

void pop3_server_cmd_uidl(struct pop3_server *s, const struct pop3_args *a)
{
    char uid[POP3_UID_MAX + 1];
    size_t i;
    if (a->n == 1) {
        if (pop3_server_message(s, a->v[0], &i)) {
            pop3_server_uid(s, i, uid);
            pop3_server_ok(s, " %zu %s", i + 1, uid);
        }
        return;
    }
    pop3_server_ok(s, "%s", "");
    for (i = 0; i < s->drop.count; i++) {
        if (!s->deleted[i]) {
            char line[POP3_UID_MAX + 32];
            pop3_server_uid(s, i, uid);
            int len = snprintf(line, sizeof line, "%zu %s\r\n", i + 1, uid);
            pop3_server_raw(s, line, (size_t)len);
        }
    }
    pop3_server_end_multiline(s);
}

/* RETR: "After the initial +OK, the POP3 server sends the message corresponding to the given
 * message-number, being careful to byte-stuff the termination character (as with all
 * multi-line responses)." */
void pop3_server_cmd_retr(struct pop3_server *s, const struct pop3_args *a)
{
    size_t i;
    if (!pop3_server_message(s, a->v[0], &i)) {
        return;
    }
    const struct pop3_message *m = &s->drop.messages[i];
    pop3_server_ok(s, " %zu octets", s->sizes[i]);
    pop3_server_send_message(s, m->data, m->len);
}

/* TOP: "the POP3 server sends the headers of the message, the blank line separating the headers
 * from the body, and then the number of lines of the indicated message's body ... Note that if
 * the number of lines requested by the POP3 client is greater than than the number of lines in
 * the body, then the POP3 server sends the entire message." */
void pop3_server_cmd_top(struct pop3_server *s, const struct pop3_args *a)
{
    size_t i;
    size_t lines;
    if (!pop3_server_number(a->v[1], &lines)) {
        pop3_server_err(s, "Invalid arguments.");
        return;
    }
    if (!pop3_server_message(s, a->v[0], &i)) {
        return;
    }
    const struct pop3_message *m = &s->drop.messages[i];
    size_t cut = m->len;
    bool in_body = false;
    size_t off = 0;
    while (off < m->len) {
        const uint8_t *lf = memchr(m->data + off, '\n', m->len - off);
        size_t next = lf ? (size_t)(lf - m->data) + 1 : m->len;
        if (in_body) {
            if (lines == 0) {
                cut = off;
                break;
            }
            lines--;
        } else {
            size_t text = next - off - (lf ? 1 : 0);
            if (text > 0 && m->data[off + text - 1] == '\r') {
                text--;
            }
            in_body = lf && text == 0; /* the blank line ends the headers */
        }
        off = next;
    }
    pop3_server_ok(s, "%s", "");
    pop3_server_send_message(s, m->data, cut);
}

/* DELE: "The POP3 server marks the message as deleted. ... The POP3 server does not actually
 * delete the message until the POP3 session enters the UPDATE state." */
void pop3_server_cmd_dele(struct pop3_server *s, const struct pop3_args *a)
{
    size_t i;
    if (pop3_server_message(s, a->v[0], &i)) {
        s->deleted[i] = true;
        pop3_server_ok(s, " Marked to be deleted.");
    }
}

void pop3_server_cmd_noop(struct pop3_server *s, const struct pop3_args *a)
{
    (void)a;
    pop3_server_ok(s, "%s", "");
}

/* RSET: "If any messages have been marked as deleted by the POP3 server, they are unmarked." */
void pop3_server_cmd_rset(struct pop3_server *s, const struct pop3_args *a)
{
    (void)a;
    if (s->drop.count > 0) {
        memset(s->deleted, 0, s->drop.count * sizeof *s->deleted);
    }
    pop3_server_ok(s, "%s", "");
}
