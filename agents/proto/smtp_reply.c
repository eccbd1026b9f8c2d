/* smtp_reply: formatting replies for the server and parsing them, incrementally and multiline
 * aware, for the client (see smtp_reply.h). */
#include "smtp_reply.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Copies s into out[cap], cut to fit; returns the length s has. */
static size_t smtp_reply_copy(char *out, size_t cap, const char *s)
{
    size_t n = strlen(s);
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(out, s, k);
    out[k] = 0;
    return n;
}

int smtp_reply_vset(struct smtp_reply *r, int code, const char *enhanced, const char *fmt,
                    va_list ap)
{
    r->code = code;
    smtp_reply_copy(r->enhanced, sizeof r->enhanced, enhanced ? enhanced : "");
    /* Most replies are fixed text or one string: those skip printf, which a long run feels. */
    long n;
    if (!strchr(fmt, '%')) {
        n = (long)smtp_reply_copy(r->text, sizeof r->text, fmt);
    } else if (strcmp(fmt, "%s") == 0) {
        const char *s = va_arg(ap, const char *);
        n = (long)smtp_reply_copy(r->text, sizeof r->text, s ? s : "(null)");
    } else {
        n = vsnprintf(r->text, sizeof r->text, fmt, ap);
    }
    if (n < 0) {
        r->text[0] = 0;
    }
    r->truncated = n < 0 || (size_t)n >= sizeof r->text;
    return r->truncated ? -1 : 0;
}

int smtp_reply_set(struct smtp_reply *r, int code, const char *enhanced, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = smtp_reply_vset(r, code, enhanced, fmt, ap);
    va_end(ap);
    return rc;
}

/* Writes "code", '-' or SP, and the enhanced code with its SP into line; returns the length.
 * Every reply line starts so, which makes this the hottest formatting in a long run: it is
 * written out by hand rather than through snprintf. The code is 200..599, the enhanced code
 * shorter than SMTP_REPLY_ENHANCED_MAX, so the head always fits in a reply line. */
static size_t smtp_reply_line_head(char line[SMTP_REPLY_LINE_MAX], const struct smtp_reply *r,
                                   bool more)
{
    size_t n = 0;
    line[n++] = (char)('0' + r->code / 100);
    line[n++] = (char)('0' + r->code / 10 % 10);
    line[n++] = (char)('0' + r->code % 10);
    line[n++] = more ? '-' : ' ';
    size_t elen = strnlen(r->enhanced, sizeof r->enhanced);
    if (elen > 0) {
        memcpy(line + n, r->enhanced, elen);
        n += elen;
        line[n++] = ' ';
    }
    return n;
}

int smtp_reply_format(struct buf *out, const struct smtp_reply *r)
{
    /* RFC 5321 §4.2: "Reply-code = %x32-35 %x30-35 %x30-39" */
    if (r->code < 200 || r->code > 599) {
        return -1;
    }
    const char *p = r->text;
    size_t start = out->len; /* a reply goes out whole or not at all */
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[SMTP_REPLY_LINE_MAX];
        /* RFC 5321 §4.2.1: "The format for multiline replies requires that every line, except the
         * last, begin with the reply code, followed immediately by a hyphen, "-" (also known as
         * minus), followed by text. The last line will begin with the reply code, followed
         * immediately by <SP>, optionally some text, and <CRLF>." */
        size_t head = smtp_reply_line_head(line, r, nl != NULL);
        size_t room = sizeof line - 2 - head; /* leave room for the CRLF */
        size_t take = len < room ? len : room;
        for (size_t i = 0; i < take; i++) {
            unsigned char c = (unsigned char)p[i];
            line[head + i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        size_t total = head + take;
        line[total++] = '\r';
        line[total++] = '\n';
        if (buf_append(out, line, total) != 0) {
            /* The lines appended so far would be a multi-line reply without its last line: a
             * client would wait for the rest. */
            buf_truncate(out, start);
            return -1;
        }
        if (!nl) {
            return 0;
        }
        p = nl + 1;
    }
}

int smtp_reply_class(const struct smtp_reply *r)
{
    return r->code / 100;
}

bool smtp_reply_is_transient(const struct smtp_reply *r)
{
    return smtp_reply_class(r) == 4;
}

bool smtp_reply_is_permanent(const struct smtp_reply *r)
{
    return smtp_reply_class(r) == 5;
}

int smtp_reply_parser_init(struct smtp_reply_parser *p)
{
    memset(p, 0, sizeof *p);
    return line_reader_init(&p->reader, SMTP_REPLY_LINE_MAX, LINE_END_LF);
}

void smtp_reply_parser_free(struct smtp_reply_parser *p)
{
    line_reader_free(&p->reader);
}

void smtp_reply_parser_reset(struct smtp_reply_parser *p)
{
    line_reader_reset(&p->reader);
    memset(&p->cur, 0, sizeof p->cur);
    p->text_len = 0;
    p->in_reply = false;
}

static bool smtp_reply_digit(char c, char lo, char hi)
{
    return c >= lo && c <= hi;
}

/* Length of an RFC 3463 code of the given class at the start of s (followed by SP or the end),
 * or 0. RFC 3463 §2: "status-code = class "." subject "." detail", "subject = 1*3digit",
 * "detail = 1*3digit". */
static size_t smtp_reply_enhanced_len(const char *s, size_t n, int cls)
{
    if (n < 5 || s[0] != (char)('0' + cls) || s[1] != '.') {
        return 0;
    }
    size_t i = 2;
    for (int part = 0; part < 2; part++) {
        size_t start = i;
        while (i < n && i - start < 3 && smtp_reply_digit(s[i], '0', '9')) {
            i++;
        }
        if (i == start) {
            return 0;
        }
        if (part == 0) {
            if (i >= n || s[i] != '.') {
                return 0;
            }
            i++;
        }
    }
    return (i == n || s[i] == ' ') ? i : 0;
}

/* Adds one line's text to the reply being assembled, cutting at SMTP_REPLY_TEXT_MAX. */
static void smtp_reply_add_text(struct smtp_reply_parser *p, const char *s, size_t n)
{
    size_t room = sizeof p->cur.text - 1 - p->text_len;
    if (p->in_reply) {
        if (room == 0) {
            p->cur.truncated = true;
            return;
        }
        p->cur.text[p->text_len++] = '\n';
        room--;
    }
    if (n > room) {
        n = room;
        p->cur.truncated = true;
    }
    memcpy(p->cur.text + p->text_len, s, n);
    p->text_len += n;
    p->cur.text[p->text_len] = 0;
}

/* One reply line: 1 when it was the last line of the reply, 0 when more follow, -1 malformed. */
static int smtp_reply_parse_line(struct smtp_reply_parser *p, const struct line *l)
{
    const char *s = l->text;
    if ((l->flags & (LINE_TOO_LONG | LINE_HAS_NUL)) || l->len < 3 ||
        !smtp_reply_digit(s[0], '2', '5') || !smtp_reply_digit(s[1], '0', '5') ||
        !smtp_reply_digit(s[2], '0', '9')) {
        return -1;
    }
    int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    /* RFC 5321 §4.2: "Reply-line = *( Reply-code "-" [ textstring ] CRLF )
     *                  Reply-code [ SP textstring ] CRLF" */
    char sep = l->len > 3 ? s[3] : ' ';
    if (sep != ' ' && sep != '-') {
        return -1;
    }
    if (p->in_reply && code != p->cur.code) {
        return -1;
    }
    p->cur.code = code;
    const char *text = l->len > 3 ? s + 4 : s + 3;
    size_t n = l->len > 3 ? l->len - 4 : 0;
    size_t enh = smtp_reply_enhanced_len(text, n, code / 100);
    if (enh > 0) {
        if (!p->in_reply) {
            memcpy(p->cur.enhanced, text, enh);
            p->cur.enhanced[enh] = 0;
        }
        text += enh;
        n -= enh;
        if (n > 0) {
            text++;
            n--;
        }
    }
    smtp_reply_add_text(p, text, n);
    if (sep == '-') {
        p->in_reply = true;
        return 0;
    }
    return 1;
}

int smtp_reply_parser_feed(struct smtp_reply_parser *p, const uint8_t *in, size_t n,
                           size_t *consumed, struct smtp_reply *out)
{
    size_t off = 0;
    while (off < n) {
        size_t used = 0;
        struct line l;
        int got = line_reader_feed(&p->reader, in + off, n - off, &used, &l);
        off += used;
        if (got != 1) {
            break;
        }
        int rc = smtp_reply_parse_line(p, &l);
        if (rc != 0) {
            *consumed = off;
            if (rc > 0) {
                *out = p->cur;
            }
            memset(&p->cur, 0, sizeof p->cur);
            p->text_len = 0;
            p->in_reply = false;
            if (rc < 0) {
                line_reader_reset(&p->reader);
            }
            return rc;
        }
    }
    *consumed = off;
    return 0;
}

/* ---- The EHLO reply ---- */

void smtp_reply_ehlo_format(struct smtp_reply *r, const char *host, const struct smtp_ehlo *e)
{
    char size[32] = "";
    if (e->size && e->size_max > 0) {
        snprintf(size, sizeof size, "\nSIZE %zu", e->size_max);
    } else if (e->size) {
        snprintf(size, sizeof size, "\nSIZE");
    }
    char auth[64] = "";
    size_t len = 0;
    for (unsigned m = 0; m < SASL_MECH_COUNT && len < sizeof auth; m++) {
        if (e->auth & SASL_MECH_BIT(m)) {
            len += (size_t)snprintf(auth + len, sizeof auth - len, "%s %s", len ? "" : "\nAUTH",
                                    sasl_mech_name((enum sasl_mech)m));
        }
    }
    smtp_reply_set(r, 250, NULL, "%s%s%s%s%s%s%s%s", host, e->pipelining ? "\nPIPELINING" : "",
                   size, e->vrfy ? "\nVRFY" : "", e->starttls ? "\nSTARTTLS" : "", auth,
                   e->enhanced ? "\nENHANCEDSTATUSCODES" : "", e->eightbitmime ? "\n8BITMIME" : "");
}

/* True when the keyword line[0..klen) is word (case-insensitive). */
static bool smtp_reply_keyword(const char *line, size_t klen, const char *word)
{
    return klen == strlen(word) && strncasecmp(line, word, klen) == 0;
}

void smtp_reply_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e)
{
    memset(e, 0, sizeof *e);
    const char *line = strchr(r->text, '\n'); /* the first line is the server's name */
    while (line) {
        line++;
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        size_t klen = strcspn(line, " =\n");
        klen = klen < len ? klen : len;
        e->pipelining |= smtp_reply_keyword(line, klen, "PIPELINING");
        e->vrfy |= smtp_reply_keyword(line, klen, "VRFY");
        e->starttls |= smtp_reply_keyword(line, klen, "STARTTLS");
        e->enhanced |= smtp_reply_keyword(line, klen, "ENHANCEDSTATUSCODES");
        e->eightbitmime |= smtp_reply_keyword(line, klen, "8BITMIME");
        if (smtp_reply_keyword(line, klen, "SIZE")) {
            e->size = true;
            e->size_max = klen < len ? (size_t)strtoull(line + klen + 1, NULL, 10) : 0;
        }
        for (size_t i = klen; smtp_reply_keyword(line, klen, "AUTH") && i < len;) {
            while (i < len && (line[i] == ' ' || line[i] == '=')) {
                i++;
            }
            size_t w = i;
            while (w < len && line[w] != ' ') {
                w++;
            }
            enum sasl_mech m;
            if (w > i && sasl_mech_parse(line + i, w - i, &m) == 0) {
                e->auth |= SASL_MECH_BIT(m);
            }
            i = w;
        }
        line = end;
    }
}

/* ---- Paths (RFC 5321 §4.1.2), without SMTPUTF8 ---- */

static bool smtp_path_atext(unsigned char c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Local-part = Dot-string / Quoted-string; returns the length used, 0 if invalid. */
static size_t smtp_path_local_part(const char *p, size_t n)
{
    size_t i = 0;
    if (n > 0 && p[0] == '"') {
        for (i = 1; i < n && p[i] != '"'; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c == '\\' && i + 1 < n) {
                i++;
                c = (unsigned char)p[i];
            }
            if (c < 0x20 || c > 0x7e) {
                return 0;
            }
        }
        return i < n ? i + 1 : 0;
    }
    bool atom = false; /* a dot may only follow an atom character */
    for (; i < n && p[i] != '@'; i++) {
        if (p[i] == '.' && atom) {
            atom = false;
        } else if (smtp_path_atext((unsigned char)p[i])) {
            atom = true;
        } else {
            return 0;
        }
    }
    return atom ? i : 0;
}

/* Domain = sub-domain *("." sub-domain) / address-literal. */
static bool smtp_path_domain(const char *p, size_t n)
{
    if (n == 0 || n > SMTP_DOMAIN_MAX) {
        return false;
    }
    if (p[0] == '[') {
        for (size_t i = 1; i + 1 < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x21 || c > 0x7e || c == '[' || c == ']' || c == '\\') {
                return false;
            }
        }
        return n > 2 && p[n - 1] == ']';
    }
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            /* sub-domain = Let-dig [Ldh-str]: no empty label, no hyphen at either end */
            if (label == 0 || label > 63 || p[i - 1] == '-' || p[i - label] == '-') {
                return false;
            }
            label = 0;
        } else if (isalnum((unsigned char)p[i]) || p[i] == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* Checks the n octets at start, a path without its brackets; addr gets the mailbox. */
static int smtp_path_check(const char *start, size_t n, char *addr, unsigned flags)
{
    if (n + 2 > SMTP_PATH_MAX) {
        return SMTP_PATH_ERR_ADDRESS;
    }
    /* RFC 5321 §3.3: "Servers MUST be prepared to encounter a list of source routes in the
     * forward-path, but they SHOULD ignore the routes or MAY decline to support the relaying
     * they imply." mailsim ignores "@one,@two:" before the mailbox. */
    if (n > 0 && *start == '@') {
        const char *colon = memchr(start, ':', n);
        if (!colon) {
            return SMTP_PATH_ERR_ADDRESS;
        }
        n -= (size_t)(colon + 1 - start);
        start = colon + 1;
    }
    memcpy(addr, start, n);
    addr[n] = 0;
    if (n == 0) {
        return (flags & SMTP_PATH_NULL_OK) ? 0 : SMTP_PATH_ERR_ADDRESS;
    }
    /* RFC 5321 §4.5.1: "the special case of "RCPT TO:<Postmaster>" (with no domain
     * specification), MUST be supported." */
    if ((flags & SMTP_PATH_POSTMASTER_OK) && strcasecmp(addr, "postmaster") == 0) {
        return 0;
    }
    size_t local = smtp_path_local_part(start, n);
    /* RFC 5321 §4.5.3.1.1: "The maximum total length of a user name or other local-part is 64
     * octets." */
    if (local == 0 || local > 64 || local >= n || start[local] != '@' ||
        !smtp_path_domain(start + local + 1, n - local - 1)) {
        return SMTP_PATH_ERR_ADDRESS;
    }
    return 0;
}

int smtp_path_parse(const char **pp, char addr[SMTP_PATH_MAX + 1], unsigned flags)
{
    const char *p = *pp;
    addr[0] = 0;
    if (*p != '<') {
        return SMTP_PATH_ERR_SYNTAX;
    }
    const char *start = p + 1;
    const char *end = start;
    bool quoted = false; /* a '>' inside a quoted local part does not close the path */
    while (*end && (quoted || *end != '>')) {
        if (*end == '\\' && quoted && end[1]) {
            end++;
        } else if (*end == '"') {
            quoted = !quoted;
        }
        end++;
    }
    if (*end != '>') {
        return SMTP_PATH_ERR_SYNTAX;
    }
    *pp = end + 1;
    return smtp_path_check(start, (size_t)(end - start), addr, flags);
}

bool smtp_path_valid(const char *mailbox, unsigned flags)
{
    char addr[SMTP_PATH_MAX + 1];
    size_t n = strlen(mailbox);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)mailbox[i] < 0x20 || mailbox[i] == 0x7f) {
            return false; /* above all no CR or LF: they would end the command line */
        }
    }
    return smtp_path_check(mailbox, n, addr, flags) == 0;
}

const char *smtp_path_domain_of(const char *mailbox)
{
    const char *at = strrchr(mailbox, '@');
    return at ? at + 1 : "";
}
