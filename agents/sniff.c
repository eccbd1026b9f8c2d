/* sniff: line parsers for an eavesdropper — each side of a connection through a line reader,
 * one small machine per protocol, and a message reader (headers, then the first body lines)
 * shared by SMTP DATA and POP3 RETR. */
#include "sniff.h"

#include "buf.h"
#include "line.h"
#include "message.h"
#include "sasl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SNIFF_FINDING_NAME(id, name) name,
static const char *const sniff_finding_names[] = {SNIFF_FINDING_LIST(SNIFF_FINDING_NAME)};
#undef SNIFF_FINDING_NAME

const char *sniff_finding_name(enum sniff_finding f)
{
    return (unsigned)f < SNIFF_FINDING_COUNT ? sniff_finding_names[f] : "?";
}

/* The longest line kept: an AUTH response may be this long (RFC 4954 §4, with CRLF). */
#define SNIFF_LINE_MAX SASL_RESPONSE_LINE_MAX
/* POP3 commands whose replies are still to come (POP3 clients may pipeline, RFC 2449). */
#define SNIFF_POP3_PENDING 32

enum sniff_auth {
    SNIFF_AUTH_NONE,
    SNIFF_AUTH_PLAIN,
    SNIFF_AUTH_LOGIN_USER,
    SNIFF_AUTH_LOGIN_PASS,
    SNIFF_AUTH_CRAM
};

/* What a POP3 command's +OK reply brings. */
enum sniff_pop3_reply { SNIFF_POP3_ONE_LINE, SNIFF_POP3_LISTING, SNIFF_POP3_MESSAGE };

/* Where a multipart body (RFC 2046 §5.1) is: before its first part, in a part's header
 * fields, in a part's body, after the closing delimiter. */
enum sniff_part {
    SNIFF_PART_NONE,
    SNIFF_PART_PREAMBLE,
    SNIFF_PART_HEADER,
    SNIFF_PART_BODY,
    SNIFF_PART_DONE
};

struct sniff_message {
    bool active;
    bool in_body;
    struct buf header;
    char body[SNIFF_BODY_MAX + 1];
    size_t body_len;
    bool body_full;
    const char *sealed; /* an end-to-end encrypted body: what kind, else NULL */
    size_t sealed_octets;
    /* multipart: the text of its parts goes into the excerpt, attachments are reported */
    enum sniff_part part;
    char boundary[80];
    struct buf part_header;
    bool part_attachment;
    char part_name[256];
    char part_type[80];
    size_t part_b64;  /* base64 characters of the attachment so far */
    size_t part_pads; /* and its '=' padding */
};

struct sniff_stream {
    enum sniff_proto proto;
    sniff_found_fn found;
    void *ctx;
    struct line_reader lr[2]; /* by enum trace_side */
    bool tls_seen[2];
    struct sniff_message msg;
    /* SMTP */
    enum sniff_auth auth;
    unsigned challenges; /* 334 lines not answered yet */
    bool in_data;        /* between the 354 and the "." line */
    /* POP3 */
    bool greeted;
    enum sniff_pop3_reply pending[SNIFF_POP3_PENDING];
    size_t npending;
    bool multiline; /* inside a multi-line +OK response */
    struct sniff_apop apop;
    bool have_timestamp, have_apop;
};

struct sniff_stream *sniff_stream_new(enum sniff_proto proto, sniff_found_fn found, void *ctx)
{
    struct sniff_stream *s = calloc(1, sizeof *s);
    if (!s) {
        return NULL;
    }
    s->proto = proto;
    s->found = found;
    s->ctx = ctx;
    buf_init(&s->msg.header, SNIFF_HEADER_MAX);
    buf_init(&s->msg.part_header, SNIFF_PART_HEADER_MAX);
    /* Lenient line ends: an eavesdropper reads what is there, bare LF or not. */
    if (line_reader_init(&s->lr[0], SNIFF_LINE_MAX, LINE_END_LF) != 0 ||
        line_reader_init(&s->lr[1], SNIFF_LINE_MAX, LINE_END_LF) != 0) {
        sniff_stream_free(s);
        return NULL;
    }
    return s;
}

void sniff_stream_free(struct sniff_stream *s)
{
    if (!s) {
        return;
    }
    line_reader_free(&s->lr[0]);
    line_reader_free(&s->lr[1]);
    buf_free(&s->msg.header);
    buf_free(&s->msg.part_header);
    free(s);
}

bool sniff_stream_apop(const struct sniff_stream *s, struct sniff_apop *out)
{
    if (!s->have_apop) {
        return false;
    }
    *out = s->apop;
    return true;
}

static void sniff_report(struct sniff_stream *s, enum sniff_finding f, const char *v, size_t n)
{
    if (s->found) {
        s->found(s->ctx, f, v, n);
    }
}

static void sniff_report_str(struct sniff_stream *s, enum sniff_finding f, const char *v)
{
    sniff_report(s, f, v, strlen(v));
}

/* Case-insensitive: does line start with word, followed by the end or a space? */
static bool sniff_command(const char *line, const char *word, const char **args)
{
    size_t n = strlen(word);
    if (strncasecmp(line, word, n) != 0 || (line[n] != 0 && line[n] != ' ')) {
        return false;
    }
    *args = line + n + (line[n] == ' ');
    return true;
}

/* ---- a message: headers, then the first lines of the body ---- */

static void sniff_message_start(struct sniff_stream *s)
{
    buf_clear(&s->msg.header);
    s->msg.active = true;
    s->msg.in_body = false;
    s->msg.body_len = 0;
    s->msg.body_full = false;
    s->msg.sealed = NULL;
    s->msg.sealed_octets = 0;
    s->msg.part = SNIFF_PART_NONE;
    s->msg.boundary[0] = 0;
    s->msg.part_attachment = false;
}

/* The value of parameter name (RFC 2045 §5.1) in a header value, or of name* in RFC 2231's
 * form (charset''%XX...), percent-decoded; an RFC 2047 encoded-word in a quoted value (what
 * many mail programs write) is decoded too. Returns false when there is none. */
static bool sniff_param(const char *value, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = strchr(value, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t') {
            q++;
        }
        if (strncasecmp(q, name, n) != 0) {
            continue;
        }
        q += n;
        bool ext = *q == '*';
        q += ext;
        if (*q != '=') {
            continue;
        }
        q++;
        char raw[512];
        size_t k = 0;
        if (*q == '"') {
            for (q++; *q && *q != '"' && k + 1 < sizeof raw; q++) {
                raw[k++] = *q;
            }
        } else {
            for (; *q && *q != ';' && *q != ' ' && *q != '\t' && k + 1 < sizeof raw; q++) {
                raw[k++] = *q;
            }
        }
        raw[k] = 0;
        if (!ext) {
            return message_decode_words(raw, out, cap) >= 0;
        }
        /* RFC 2231 §4: charset'language'value, the value %-encoded */
        const char *v = strchr(raw, '\'');
        v = v ? strchr(v + 1, '\'') : NULL;
        v = v ? v + 1 : raw;
        size_t o = 0;
        for (; *v && o + 1 < cap; v++) {
            if (v[0] == '%' && isxdigit((unsigned char)v[1]) && isxdigit((unsigned char)v[2])) {
                char hex[3] = {v[1], v[2], 0};
                out[o++] = (char)strtol(hex, NULL, 16);
                v += 2;
            } else {
                out[o++] = *v;
            }
        }
        out[o] = 0;
        return true;
    }
    return false;
}

static void sniff_message_headers(struct sniff_stream *s)
{
    char raw[1024], text[1024];
    const uint8_t *h = s->msg.header.data ? s->msg.header.data : (const uint8_t *)"";
    size_t n = s->msg.header.len;
    if (message_header_get(h, n, "From", raw, sizeof raw) >= 0) {
        sniff_report_str(s, SNIFF_HEADER_FROM, raw);
    }
    if (message_header_get(h, n, "Subject", raw, sizeof raw) >= 0) {
        /* RFC 2047 encoded-words are an encoding for 8-bit text, not a secret: decode them. */
        sniff_report_str(s, SNIFF_SUBJECT,
                         message_decode_words(raw, text, sizeof text) >= 0 ? text : raw);
    }
    /* S/MIME (RFC 8551) and PGP/MIME (RFC 3156): the body is ciphertext, whatever its lines
     * look like; an eavesdropper learns the kind and the size, not the text. */
    if (message_header_get(h, n, "Content-Type", raw, sizeof raw) >= 0) {
        if (strncasecmp(raw, "application/pkcs7-mime", 22) == 0) {
            s->msg.sealed = "S/MIME application/pkcs7-mime";
        } else if (strncasecmp(raw, "multipart/encrypted", 19) == 0) {
            s->msg.sealed = "PGP/MIME multipart/encrypted";
        } else if (strncasecmp(raw, "multipart/", 10) == 0 &&
                   sniff_param(raw, "boundary", s->msg.boundary, sizeof s->msg.boundary) &&
                   s->msg.boundary[0]) {
            s->msg.part = SNIFF_PART_PREAMBLE;
        }
    }
}

/* Appends a body line to the excerpt, cutting at a UTF-8 character boundary. */
static void sniff_message_body_line(struct sniff_message *m, const char *line, size_t n)
{
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
        n--;
    }
    if (m->body_full || n == 0) {
        return;
    }
    /* A line that filled the excerpt exactly left no room, not even for the separating space:
     * without this check the subtraction below wrapped around and the next line was copied
     * past the end of body (found by fuzz_message). */
    size_t sep = m->body_len ? 1 : 0;
    if (m->body_len + sep >= SNIFF_BODY_MAX) {
        m->body_full = true;
        return;
    }
    size_t room = SNIFF_BODY_MAX - m->body_len - sep;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80) {
            n--;
        }
        m->body_full = true;
    }
    if (m->body_len && n) {
        m->body[m->body_len++] = ' ';
    }
    memcpy(m->body + m->body_len, line, n);
    m->body_len += n;
    m->body[m->body_len] = 0;
}

/* An attachment ends at the next delimiter: "見積書.zip (application/zip, 212 octets)". */
static void sniff_part_end(struct sniff_stream *s)
{
    struct sniff_message *m = &s->msg;
    if (m->part == SNIFF_PART_BODY && m->part_attachment) {
        char what[420];
        size_t octets = m->part_b64 / 4 * 3;
        octets -= m->part_pads < octets ? m->part_pads : octets;
        snprintf(what, sizeof what, "%s (%s, %zu octets)", m->part_name[0] ? m->part_name : "?",
                 m->part_type[0] ? m->part_type : "application/octet-stream", octets);
        sniff_report_str(s, SNIFF_ATTACHMENT, what);
    }
    m->part_attachment = false;
}

/* A line of a multipart body: parts' text into the excerpt, attachments named and sized. */
static void sniff_part_line(struct sniff_stream *s, const char *line, size_t n)
{
    struct sniff_message *m = &s->msg;
    size_t blen = strlen(m->boundary);
    if (n >= blen + 2 && line[0] == '-' && line[1] == '-' &&
        memcmp(line + 2, m->boundary, blen) == 0) {
        sniff_part_end(s);
        bool close = n >= blen + 4 && line[blen + 2] == '-' && line[blen + 3] == '-';
        m->part = close ? SNIFF_PART_DONE : SNIFF_PART_HEADER;
        buf_clear(&m->part_header);
        m->part_b64 = m->part_pads = 0;
        return;
    }
    if (m->part == SNIFF_PART_HEADER) {
        if (n > 0) {
            if (buf_can_append(&m->part_header, n + 2)) {
                buf_append(&m->part_header, line, n);
                buf_append(&m->part_header, "\r\n", 2);
            }
            return;
        }
        char disp[1024], type[1024];
        const uint8_t *h = m->part_header.data ? m->part_header.data : (const uint8_t *)"";
        bool has_disp = message_header_get(h, m->part_header.len, "Content-Disposition", disp,
                                           sizeof disp) >= 0;
        bool has_type =
            message_header_get(h, m->part_header.len, "Content-Type", type, sizeof type) >= 0;
        m->part_name[0] = 0;
        if (!(has_disp && sniff_param(disp, "filename", m->part_name, sizeof m->part_name)) &&
            has_type) {
            sniff_param(type, "name", m->part_name, sizeof m->part_name);
        }
        snprintf(m->part_type, sizeof m->part_type, "%.*s",
                 has_type ? (int)strcspn(type, "; \t") : 0, has_type ? type : "");
        m->part_attachment =
            m->part_name[0] || (has_disp && strncasecmp(disp, "attachment", 10) == 0);
        m->part = SNIFF_PART_BODY;
        return;
    }
    if (m->part != SNIFF_PART_BODY) {
        return; /* the preamble and the epilogue say nothing */
    }
    if (!m->part_attachment) {
        sniff_message_body_line(m, line, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        m->part_b64 +=
            isalnum((unsigned char)line[i]) || line[i] == '+' || line[i] == '/' || line[i] == '=';
        m->part_pads += line[i] == '=';
    }
}

/* One line of the message, already unstuffed. */
static void sniff_message_line(struct sniff_stream *s, const char *line, size_t n)
{
    if (!s->msg.in_body) {
        if (n == 0) {
            s->msg.in_body = true;
            sniff_message_headers(s);
            return;
        }
        if (buf_can_append(&s->msg.header, n + 2)) {
            buf_append(&s->msg.header, line, n);
            buf_append(&s->msg.header, "\r\n", 2);
        }
        return;
    }
    if (s->msg.sealed) {
        s->msg.sealed_octets += n + 2;
        return;
    }
    if (s->msg.part != SNIFF_PART_NONE) {
        sniff_part_line(s, line, n);
        return;
    }
    sniff_message_body_line(&s->msg, line, n);
}

static void sniff_message_end(struct sniff_stream *s)
{
    if (!s->msg.active) {
        return;
    }
    if (!s->msg.in_body) {
        sniff_message_headers(s); /* a message of headers only */
    }
    sniff_part_end(s);
    if (s->msg.sealed) {
        char what[120];
        snprintf(what, sizeof what, "%s, %zu octets of ciphertext", s->msg.sealed,
                 s->msg.sealed_octets);
        sniff_report_str(s, SNIFF_ENCRYPTED_BODY, what);
    } else if (s->msg.body_len > 0) {
        sniff_report(s, SNIFF_BODY, s->msg.body, s->msg.body_len);
    }
    s->msg.active = false;
}

/* A line inside DATA or a RETR response: "." ends it, a leading dot was doubled. */
static void sniff_stuffed_line(struct sniff_stream *s, const char *line, size_t n, bool *inside)
{
    if (n == 1 && line[0] == '.') {
        sniff_message_end(s);
        *inside = false;
        return;
    }
    if (line[0] == '.') {
        line++;
        n--;
    }
    if (s->msg.active) {
        sniff_message_line(s, line, n);
    }
}

/* ---- SMTP ---- */

/* "<path>" from "FROM:<path> SIZE=..." (the part in angle brackets, else the first word). */
static void sniff_path(struct sniff_stream *s, enum sniff_finding f, const char *args)
{
    const char *colon = strchr(args, ':');
    const char *p = colon ? colon + 1 : args;
    while (*p == ' ') {
        p++;
    }
    const char *lt = *p == '<' ? p : NULL;
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) {
        sniff_report(s, f, lt + 1, (size_t)(gt - lt - 1));
    } else {
        sniff_report(s, f, p, strcspn(p, " "));
    }
}

/* A SASL response read off the wire, decoded by the decoder the engines' notes use (sasl.h), so
 * that what the eavesdropper reports and what the trace's secret events say cannot differ. first
 * is what the first field is; second what the second is (SNIFF_FINDING_COUNT: not reported).
 * RFC 4616 §2: the PLAIN message is "[authzid] UTF8NUL authcid UTF8NUL passwd", in base64 —
 * which anyone can decode. */
static void sniff_sasl(struct sniff_stream *s, enum sasl_mech mech, const char *b64, size_t n,
                       enum sniff_finding first, enum sniff_finding second)
{
    char value[SASL_REVEAL_MAX];
    long len = sasl_response_reveal(mech, b64, n, value, sizeof value);
    if (len < 0) {
        return;
    }
    sniff_report_str(s, first, value);
    size_t k = strlen(value);
    if (second != SNIFF_FINDING_COUNT && (size_t)len > k) {
        sniff_report_str(s, second, value + k + 1);
    }
}

static void sniff_plain(struct sniff_stream *s, const char *b64, size_t n)
{
    sniff_sasl(s, SASL_MECH_PLAIN, b64, n, SNIFF_USERNAME, SNIFF_PASSWORD);
}

static void sniff_login_field(struct sniff_stream *s, enum sniff_finding f, const char *b64,
                              size_t n)
{
    sniff_sasl(s, SASL_MECH_LOGIN, b64, n, f, SNIFF_FINDING_COUNT);
}

/* The client's answer to a 334 challenge. RFC 4954 §4: "If the client wishes to cancel the
 * authentication exchange, it issues a line with a single "*"." */
static void sniff_smtp_response(struct sniff_stream *s, const char *line, size_t n)
{
    s->challenges--;
    if (n == 1 && line[0] == '*') {
        s->auth = SNIFF_AUTH_NONE;
        return;
    }
    switch (s->auth) {
    case SNIFF_AUTH_PLAIN:
        sniff_plain(s, line, n);
        s->auth = SNIFF_AUTH_NONE;
        break;
    case SNIFF_AUTH_LOGIN_USER:
        sniff_login_field(s, SNIFF_USERNAME, line, n);
        s->auth = SNIFF_AUTH_LOGIN_PASS;
        break;
    case SNIFF_AUTH_LOGIN_PASS:
        sniff_login_field(s, SNIFF_PASSWORD, line, n);
        s->auth = SNIFF_AUTH_NONE;
        break;
    case SNIFF_AUTH_CRAM:
        /* RFC 2195: "user SP digest" — the user name is readable, the secret is not on the
         * wire (a keyed MD5 digest of the challenge instead). */
        sniff_sasl(s, SASL_MECH_CRAM_MD5, line, n, SNIFF_USERNAME, SNIFF_FINDING_COUNT);
        s->auth = SNIFF_AUTH_NONE;
        break;
    case SNIFF_AUTH_NONE:
        break;
    }
}

static void sniff_smtp_auth(struct sniff_stream *s, const char *args)
{
    const char *initial = NULL;
    size_t mech_len = strcspn(args, " ");
    if (args[mech_len] == ' ') {
        initial = args + mech_len + 1;
    }
    s->challenges = 0;
    s->auth = SNIFF_AUTH_NONE;
    if (mech_len == 5 && strncasecmp(args, "PLAIN", 5) == 0) {
        /* RFC 4954 §4: an initial response of zero length is sent as "=". */
        if (initial && strcmp(initial, "=") != 0) {
            sniff_plain(s, initial, strlen(initial));
        } else {
            s->auth = SNIFF_AUTH_PLAIN;
        }
    } else if (mech_len == 5 && strncasecmp(args, "LOGIN", 5) == 0) {
        if (initial && strcmp(initial, "=") != 0) {
            sniff_login_field(s, SNIFF_USERNAME, initial, strlen(initial));
            s->auth = SNIFF_AUTH_LOGIN_PASS;
        } else {
            s->auth = SNIFF_AUTH_LOGIN_USER;
        }
    } else if (mech_len == 8 && strncasecmp(args, "CRAM-MD5", 8) == 0) {
        s->auth = SNIFF_AUTH_CRAM;
    }
}

static void sniff_smtp_client(struct sniff_stream *s, const char *line, size_t n)
{
    const char *args;
    if (s->in_data) {
        sniff_stuffed_line(s, line, n, &s->in_data);
    } else if (s->auth != SNIFF_AUTH_NONE && s->challenges > 0) {
        sniff_smtp_response(s, line, n);
    } else if (sniff_command(line, "AUTH", &args)) {
        sniff_smtp_auth(s, args);
    } else if (sniff_command(line, "MAIL", &args)) {
        sniff_path(s, SNIFF_MAIL_FROM, args);
    } else if (sniff_command(line, "RCPT", &args)) {
        sniff_path(s, SNIFF_RCPT_TO, args);
    }
}

static void sniff_smtp_server(struct sniff_stream *s, const char *line, size_t n)
{
    if (n < 3 || line[0] < '1' || line[0] > '5') {
        return;
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    bool last = n == 3 || line[3] == ' ';
    if (!last) {
        return; /* a continuation line of a multi-line reply */
    }
    if (code == 334 && s->auth != SNIFF_AUTH_NONE) {
        /* RFC 4954 §4: "A server challenge is sent as a 334 reply". The client's next line
         * answers it. */
        s->challenges++;
    } else if (code == 354) {
        /* RFC 5321 §4.1.1.4: after the 354 the server "considers all succeeding lines up to but
         * not including the end of mail data indicator to be the message text." */
        s->in_data = true;
        sniff_message_start(s);
    } else if (s->auth != SNIFF_AUTH_NONE) {
        s->auth = SNIFF_AUTH_NONE; /* 235, or the exchange failed */
        s->challenges = 0;
    }
}

/* ---- POP3 ---- */

static void sniff_pop3_push(struct sniff_stream *s, enum sniff_pop3_reply r)
{
    if (s->npending < SNIFF_POP3_PENDING) {
        s->pending[s->npending++] = r;
    }
}

static void sniff_pop3_client(struct sniff_stream *s, const char *line)
{
    const char *args;
    if (sniff_command(line, "USER", &args)) {
        sniff_report_str(s, SNIFF_USERNAME, args);
    } else if (sniff_command(line, "PASS", &args)) {
        /* RFC 1939 §7 PASS: the password itself, in the clear. */
        sniff_report_str(s, SNIFF_PASSWORD, args);
    } else if (sniff_command(line, "APOP", &args)) {
        /* RFC 1939 §7: "APOP name digest" — the name in the clear, the digest MD5(timestamp +
         * secret). Keep both, with the greeting's timestamp, for an offline guess. */
        size_t ulen = strcspn(args, " ");
        snprintf(s->apop.user, sizeof s->apop.user, "%.*s", (int)ulen, args);
        const char *d = args[ulen] ? args + ulen + 1 : "";
        snprintf(s->apop.digest, sizeof s->apop.digest, "%s", d);
        sniff_report_str(s, SNIFF_USERNAME, s->apop.user);
        sniff_report_str(s, SNIFF_APOP_DIGEST, s->apop.digest);
        s->have_apop = s->have_timestamp;
    }
    if (sniff_command(line, "RETR", &args) || sniff_command(line, "TOP", &args)) {
        sniff_pop3_push(s, SNIFF_POP3_MESSAGE);
    } else if (sniff_command(line, "CAPA", &args) ||
               ((sniff_command(line, "LIST", &args) || sniff_command(line, "UIDL", &args)) &&
                !*args)) {
        sniff_pop3_push(s, SNIFF_POP3_LISTING);
    } else if (line[0]) {
        sniff_pop3_push(s, SNIFF_POP3_ONE_LINE);
    }
}

static void sniff_pop3_greeting(struct sniff_stream *s, const char *line)
{
    /* RFC 1939 §7: "A POP3 server which implements the APOP command will include a timestamp in
     * its banner greeting." The timestamp travels in the clear: it is the challenge. */
    const char *lt = strchr(line, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (strncmp(line, "+OK", 3) == 0 && lt && gt && memchr(lt, '@', (size_t)(gt - lt))) {
        snprintf(s->apop.timestamp, sizeof s->apop.timestamp, "%.*s", (int)(gt - lt + 1), lt);
        s->have_timestamp = true;
        sniff_report_str(s, SNIFF_APOP_TIMESTAMP, s->apop.timestamp);
    }
}

static void sniff_pop3_server(struct sniff_stream *s, const char *line, size_t n)
{
    if (!s->greeted) {
        s->greeted = true;
        sniff_pop3_greeting(s, line);
        return;
    }
    if (s->multiline) {
        sniff_stuffed_line(s, line, n, &s->multiline);
        return;
    }
    enum sniff_pop3_reply r = SNIFF_POP3_ONE_LINE;
    if (s->npending > 0) {
        r = s->pending[0];
        memmove(s->pending, s->pending + 1, --s->npending * sizeof s->pending[0]);
    }
    if (strncmp(line, "+OK", 3) == 0 && r != SNIFF_POP3_ONE_LINE) {
        s->multiline = true;
        if (r == SNIFF_POP3_MESSAGE) {
            sniff_message_start(s);
        }
    }
}

/* ---- feeding ---- */

static void sniff_line(struct sniff_stream *s, enum trace_side from, const struct line *l)
{
    if (l->flags & (LINE_TOO_LONG | LINE_HAS_NUL)) {
        return;
    }
    if (s->proto == SNIFF_SMTP) {
        if (from == TRACE_CLIENT) {
            sniff_smtp_client(s, l->text, l->len);
        } else {
            sniff_smtp_server(s, l->text, l->len);
        }
    } else if (from == TRACE_CLIENT) {
        sniff_pop3_client(s, l->text);
    } else {
        sniff_pop3_server(s, l->text, l->len);
    }
}

void sniff_stream_feed(struct sniff_stream *s, enum trace_side from, bool tls, const uint8_t *p,
                       size_t n)
{
    int side = from == TRACE_CLIENT ? 0 : 1;
    if (s->proto == SNIFF_SSH) {
        /* RFC 4253 4.2: "SSH-2.0-softwareversion" in the clear, then binary packets; from the
         * key exchange on, encrypted. An eavesdropper learns the software and the sizes. */
        if (!s->tls_seen[side]) {
            s->tls_seen[side] = true;
            const uint8_t *nl = memchr(p, '\n', n);
            size_t k = nl ? (size_t)(nl - p) : n;
            k = k > 0 && p[k - 1] == '\r' ? k - 1 : k;
            char what[160];
            snprintf(what, sizeof what, "SSH: %.*s, then encrypted packets",
                     (int)(k < 100 ? k : 100), (const char *)p);
            sniff_report_str(s, SNIFF_CIPHERTEXT, what);
        }
        return;
    }
    if (tls) {
        /* TLS records: the bytes are there, their meaning is not. Said once per direction. */
        if (!s->tls_seen[side]) {
            s->tls_seen[side] = true;
            char what[64];
            snprintf(what, sizeof what, "%zu octets of TLS records", n);
            sniff_report_str(s, SNIFF_CIPHERTEXT, what);
        }
        line_reader_reset(&s->lr[side]);
        return;
    }
    while (n > 0) {
        size_t used = 0;
        struct line l;
        int got = line_reader_feed(&s->lr[side], p, n, &used, &l);
        if (got == 1) {
            sniff_line(s, from, &l);
        }
        p += used;
        n -= used;
        if (used == 0) {
            break;
        }
    }
}
