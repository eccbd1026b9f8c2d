/* message: RFC 5322 building (see message.h): message_build(), dates, Message-IDs, RFC 2047
 * subjects and the Received: line. Dates come from civil-calendar arithmetic, never from the C
 * library's time zone machinery, so the same input gives the same bytes everywhere. */
#include "message.h"

#include "utf8.h"

#include "base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const message_error_names[] = {
#define MESSAGE_X_NAME(e, text) text,
    MESSAGE_ERROR_LIST(MESSAGE_X_NAME)
#undef MESSAGE_X_NAME
};

static const char *const message_with_names[] = {
#define MESSAGE_X_NAME(e, text) text,
    MESSAGE_WITH_LIST(MESSAGE_X_NAME)
#undef MESSAGE_X_NAME
};

#define MESSAGE_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *message_error_name(enum message_error e)
{
    return (size_t)e < MESSAGE_COUNT(message_error_names) ? message_error_names[e] : "?";
}

const char *message_with_name(enum message_with w)
{
    return (size_t)w < MESSAGE_COUNT(message_with_names) ? message_with_names[w] : "?";
}

/* ---- dates --------------------------------------------------------------------------------- */

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void message_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* RFC 5322 §3.3: date-time = [ day-of-week "," ] date time; date = day month year;
 * time = time-of-day zone; zone = (FWS ( "+" / "-" ) 4DIGIT). "The year is any numeric year
 * 1900 or later." */
/* Writes v as exactly width decimal digits, zero-padded (v < 10^width). */
static void message_digits(char *out, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int message_date_format(time_t t, int tz_minutes, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int64_t first = INT64_C(-2208988800) - 360000; /* 1900-01-01 less the widest zone */
    const int64_t last = INT64_C(253402300799) + 360000; /* 9999-12-31T23:59:59 plus it */
    int64_t tt = (int64_t)t;
    if (tz_minutes < -5999 || tz_minutes > 5999 || tt < first || tt > last) {
        return -1;
    }
    int64_t local = tt + (int64_t)tz_minutes * 60;
    int64_t day = local / 86400;
    int64_t sec = local % 86400;
    if (sec < 0) {
        sec += 86400;
        day--;
    }
    int64_t year;
    unsigned month;
    unsigned mday;
    message_civil(day, &year, &month, &mday);
    if (year < 1900 || year > 9999) {
        return -1;
    }
    unsigned wday = (unsigned)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    unsigned zone = (unsigned)(tz_minutes < 0 ? -tz_minutes : tz_minutes);
    /* "Www, DD Mmm YYYY HH:MM:SS +ZZZZ": fixed width, so written field by field (every mail
     * and every Received line has one; snprintf was a tenth of a large run). */
    enum { DATE_LEN = 31 };
    if (cap < DATE_LEN + 1) {
        return -1;
    }
    char *o = out;
    memcpy(o, days[wday], 3);
    o[3] = ',';
    o[4] = ' ';
    message_digits(o + 5, mday, 2);
    o[7] = ' ';
    memcpy(o + 8, months[month - 1], 3);
    o[11] = ' ';
    message_digits(o + 12, (unsigned)year, 4);
    o[16] = ' ';
    message_digits(o + 17, (unsigned)(sec / 3600), 2);
    o[19] = ':';
    message_digits(o + 20, (unsigned)(sec / 60 % 60), 2);
    o[22] = ':';
    message_digits(o + 23, (unsigned)(sec % 60), 2);
    o[25] = ' ';
    o[26] = tz_minutes < 0 ? '-' : '+';
    message_digits(o + 27, zone / 60, 2);
    message_digits(o + 29, zone % 60, 2);
    o[DATE_LEN] = 0;
    return DATE_LEN;
}

/* ---- Message-ID ---------------------------------------------------------------------------- */

/* RFC 5322 §3.2.3: atext = ALPHA / DIGIT / "!" / "#" / ... / "~". */
static bool message_atext(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot-atom-text = 1*atext *("." 1*atext) */
static bool message_dot_atom(const char *s)
{
    if (!s || !*s) {
        return false;
    }
    bool need_atext = true;
    for (; *s; s++) {
        if (*s == '.') {
            if (need_atext) {
                return false;
            }
            need_atext = true;
        } else if (message_atext(*s)) {
            need_atext = false;
        } else {
            return false;
        }
    }
    return !need_atext;
}

/* RFC 5322 §3.6.4: msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS] */
int message_id_format(const char *local, const char *domain, char *out, size_t cap)
{
    if (!message_dot_atom(local) || !message_dot_atom(domain)) {
        return -1;
    }
    int n = snprintf(out, cap, "<%s@%s>", local, domain);
    if (n < 0 || (size_t)n >= cap) {
        return -1;
    }
    return n;
}

/* ---- building ------------------------------------------------------------------------------ */

/* Writes header text and keeps the column, so folding knows where a line stands. */
struct message_writer {
    struct buf *out;
    size_t col;
    enum message_error err;
};

static void message_put(struct message_writer *w, const void *p, size_t n)
{
    if (w->err != MESSAGE_OK) {
        return;
    }
    if (buf_append(w->out, p, n) != 0) {
        w->err = MESSAGE_ERR_NOMEM;
        return;
    }
    /* the column after the last LF written, or further along the same line */
    const uint8_t *b = p;
    const uint8_t *lf;
    size_t i = 0;
    while (i < n && (lf = memchr(b + i, '\n', n - i)) != NULL) {
        i = (size_t)(lf - b) + 1;
        w->col = 0;
    }
    w->col += n - i;
    if (w->col > MESSAGE_LINE_MAX) {
        w->err = MESSAGE_ERR_LINE_TOO_LONG;
    }
}

static void message_puts(struct message_writer *w, const char *s)
{
    message_put(w, s, strlen(s));
}

/* RFC 5322 §2.2.3: "Folding ... simply inserting a CRLF immediately before any WSP". */
static void message_fold(struct message_writer *w)
{
    message_put(w, "\r\n", 2);
}

/* Header text from the caller: no CR or LF (header injection), ASCII only. */
static enum message_error message_ascii_value(const char *s)
{
    if (!s) {
        return MESSAGE_ERR_MISSING;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r' || c == '\n') {
            return MESSAGE_ERR_HEADER_CRLF;
        }
        if (c >= 0x80) {
            return MESSAGE_ERR_NON_ASCII;
        }
    }
    return MESSAGE_OK;
}

/* "Name: a, b, c" folded between addresses to stay within 78 columns where possible. */
static void message_address_field(struct message_writer *w, const char *name,
                                  const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        enum message_error e = message_ascii_value(list[i]);
        if (e != MESSAGE_OK || list[i][0] == 0) {
            w->err = e != MESSAGE_OK ? e : MESSAGE_ERR_MISSING;
            return;
        }
    }
    message_puts(w, name);
    message_puts(w, ":");
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(list[i]) + (i + 1 < count ? 1 : 0);
        if (i > 0 && w->col + 1 + len > MESSAGE_LINE_SOFT) {
            message_fold(w);
        }
        message_puts(w, " ");
        message_puts(w, list[i]);
        if (i + 1 < count) {
            message_puts(w, ",");
        }
    }
    message_puts(w, "\r\n");
}

/* An unstructured ASCII value, folded before white space when a line would pass 78 columns.
 * Unfolding gives the value back octet for octet. */
static void message_unstructured(struct message_writer *w, const char *name, const char *value)
{
    message_puts(w, name);
    message_puts(w, ":");
    const char *p = value;
    bool first = true;
    while (*p || first) {
        /* one segment: its leading white space and the word after it */
        const char *q = p;
        while (*q == ' ' || *q == '\t') {
            q++;
        }
        while (*q && *q != ' ' && *q != '\t') {
            q++;
        }
        size_t len = (size_t)(q - p);
        if (first) {
            message_puts(w, " "); /* the conventional space after the colon */
            first = false;
        } else if (w->col + len > MESSAGE_LINE_SOFT && (*p == ' ' || *p == '\t')) {
            message_fold(w);
        }
        message_put(w, p, len);
        p = q;
    }
    message_puts(w, "\r\n");
}

/* RFC 2047 §5: "Each 'encoded-word' MUST represent an integral number of characters. A
 * multi-octet character may not be split across adjacent 'encoded-word's." Writes the value as
 * B encoded-words, one per line, each line within 76 columns. */
static void message_encoded_words(struct message_writer *w, const char *name, const char *value)
{
    static const char open[] = "=?UTF-8?B?";
    static const char close[] = "?=";
    const uint8_t *p = (const uint8_t *)value;
    size_t left = strlen(value);
    message_puts(w, name);
    message_puts(w, ": ");
    bool first = true;
    while (left > 0 || first) {
        if (!first) {
            message_puts(w, "\r\n ");
        }
        first = false;
        size_t room =
            w->col + 24 < MESSAGE_ENCODED_LINE_MAX ? MESSAGE_ENCODED_LINE_MAX - w->col : 24;
        if (room > MESSAGE_ENCODED_WORD_MAX) {
            room = MESSAGE_ENCODED_WORD_MAX;
        }
        size_t b64 = (room - (sizeof open - 1) - (sizeof close - 1)) / 4 * 4;
        size_t take = b64 / 4 * 3;
        if (take >= left) {
            take = left;
        } else {
            while (take > 0 && (p[take] & 0xc0) == 0x80) {
                take--;
            }
        }
        char enc[BASE64_ENCODED_LEN(64) + 1];
        base64_encode(p, take, enc);
        message_puts(w, open);
        message_puts(w, enc);
        message_puts(w, close);
        p += take;
        left -= take;
        if (take == 0) {
            break; /* cannot happen with valid UTF-8; never loop forever */
        }
    }
    message_puts(w, "\r\n");
}

static enum message_error message_subject(struct message_writer *w, const char *subject)
{
    size_t n = strlen(subject);
    bool plain = strstr(subject, "=?") == NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)subject[i];
        if (c == '\r' || c == '\n') {
            return MESSAGE_ERR_HEADER_CRLF;
        }
        plain = plain && c < 0x80;
    }
    if (!utf8_valid((const uint8_t *)subject, n)) {
        return MESSAGE_ERR_BAD_UTF8;
    }
    if (plain) {
        message_unstructured(w, "Subject", subject);
    } else {
        message_encoded_words(w, "Subject", subject);
    }
    return w->err;
}

static bool message_field_name_ok(const char *name)
{
    if (!name || !*name) {
        return false;
    }
    for (; *name; name++) {
        unsigned char c = (unsigned char)*name;
        if (c < 33 || c > 126 || c == ':') {
            return false;
        }
    }
    return true;
}

/* The body with every line end made CRLF; RFC 5322 §2.3: "CR and LF MUST only occur together
 * as CRLF; they MUST NOT appear independently in the body." */
static void message_body(struct message_writer *w, const char *body)
{
    size_t n = strlen(body);
    size_t start = 0;
    size_t i = 0;
    while (i < n) {
        i += strcspn(body + i, "\r\n");
        if (i >= n) {
            break;
        }
        char c = body[i];
        message_put(w, body + start, i - start);
        message_put(w, "\r\n", 2);
        i += (c == '\r' && i + 1 < n && body[i + 1] == '\n') ? 2 : 1;
        start = i;
    }
    if (start < n) {
        message_put(w, body + start, n - start);
        message_put(w, "\r\n", 2);
    }
}

/* RFC 2231 §4: a parameter value outside plain ASCII is "charset'language'%XX...". Writes
 * "; filename=\"NAME\"" or "; filename*=UTF-8''%E8%A6%8B..." on a line of its own. */
static enum message_error message_filename(struct message_writer *w, const char *name)
{
    size_t n = strlen(name);
    bool plain = n > 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '\r' || c == '\n' || c == '"' || c == '\\') {
            return c == '\r' || c == '\n' ? MESSAGE_ERR_HEADER_CRLF : MESSAGE_ERR_BAD_FIELD_NAME;
        }
        plain = plain && c >= 0x20 && c < 0x7f;
    }
    if (!utf8_valid((const uint8_t *)name, n)) {
        return MESSAGE_ERR_BAD_UTF8;
    }
    if (plain) {
        message_puts(w, ";\r\n filename=\"");
        message_puts(w, name);
        message_puts(w, "\"");
        return w->err;
    }
    /* attribute-char: any CHAR except SPACE, CTLs, "*", "'", "%", or tspecials */
    static const char hex[] = "0123456789ABCDEF";
    message_puts(w, ";\r\n filename*=UTF-8''");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        bool keep = c > 0x20 && c < 0x7f && !strchr("*'%()<>@,;:\\\"/[]?=", c);
        if (keep) {
            message_put(w, &name[i], 1);
        } else {
            char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
            message_put(w, pct, 3);
        }
    }
    return w->err;
}

/* The boundary of a multipart body: "------------" and the Message-ID's left part, made longer
 * until no body line could be taken for it (RFC 2046 §5.1.1: "the boundary delimiter MUST NOT
 * appear inside any of the encapsulated parts"). base64 never holds a '-'. */
static void message_boundary(const struct message_spec *sp, char *out, size_t cap)
{
    /* RFC 2046 §5.1.1: a boundary is at most 70 characters. */
    int n = snprintf(out, cap, "------------%.50s",
                     sp->message_id_local ? sp->message_id_local : "mailsim");
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    while (sp->body && strstr(sp->body, out) && len < 70 && len + 2 < cap) {
        out[len++] = 'x';
        out[len] = 0;
    }
}

static void message_base64_lines(struct message_writer *w, const uint8_t *p, size_t n)
{
    /* RFC 2045 §6.8: "The encoded output stream must be represented in lines of no more than
     * 76 characters each." 57 octets make 76 characters. */
    char line[BASE64_ENCODED_LEN(57) + 1];
    for (size_t off = 0; off < n; off += 57) {
        size_t take = n - off < 57 ? n - off : 57;
        size_t k = base64_encode(p + off, take, line);
        message_put(w, line, k);
        message_put(w, "\r\n", 2);
    }
}

static enum message_error message_build_into(const struct message_spec *sp, struct buf *out)
{
    struct message_writer w = {out, 0, MESSAGE_OK};
    enum message_error e;
    char date[MESSAGE_DATE_SIZE];
    if (!sp->from || sp->to_count == 0 || !sp->to || (sp->cc_count > 0 && !sp->cc)) {
        return MESSAGE_ERR_MISSING;
    }
    if ((e = message_ascii_value(sp->from)) != MESSAGE_OK) {
        return e;
    }
    if (message_date_format(sp->date, sp->tz_minutes, date, sizeof date) < 0) {
        return MESSAGE_ERR_BAD_DATE;
    }
    const char *body = sp->body ? sp->body : "";
    size_t body_len = strlen(body);
    if (!utf8_valid((const uint8_t *)body, body_len)) {
        return MESSAGE_ERR_BAD_UTF8;
    }
    bool eight_bit = utf8_has_8bit((const uint8_t *)body, body_len);

    /* RFC 5322 §3.6: "The only required header fields are the origination date field and the
     * originator address field(s)." */
    message_puts(&w, "Date: ");
    message_puts(&w, date);
    message_puts(&w, "\r\nFrom: ");
    message_puts(&w, sp->from);
    message_puts(&w, "\r\n");
    message_address_field(&w, "To", sp->to, sp->to_count);
    if (sp->cc_count > 0) {
        message_address_field(&w, "Cc", sp->cc, sp->cc_count);
    }
    if (w.err == MESSAGE_OK && sp->subject &&
        (e = message_subject(&w, sp->subject)) != MESSAGE_OK) {
        return e;
    }
    if (sp->message_id_local) {
        char id[MESSAGE_LINE_MAX];
        if (message_id_format(sp->message_id_local, sp->message_id_domain, id, sizeof id) < 0) {
            return MESSAGE_ERR_BAD_MESSAGE_ID;
        }
        message_puts(&w, "Message-ID: ");
        message_puts(&w, id);
        message_puts(&w, "\r\n");
    }
    for (size_t i = 0; i < sp->extra_count && w.err == MESSAGE_OK; i++) {
        if (!message_field_name_ok(sp->extra[i].name)) {
            return MESSAGE_ERR_BAD_FIELD_NAME;
        }
        if ((e = message_ascii_value(sp->extra[i].value)) != MESSAGE_OK) {
            return e;
        }
        message_unstructured(&w, sp->extra[i].name, sp->extra[i].value);
    }
    message_puts(&w, "MIME-Version: 1.0\r\n");
    char boundary[160];
    if (sp->attachment_count > 0) {
        if (!sp->attachments) {
            return MESSAGE_ERR_MISSING;
        }
        message_boundary(sp, boundary, sizeof boundary);
        message_puts(&w, "Content-Type: multipart/mixed;\r\n boundary=\"");
        message_puts(&w, boundary);
        message_puts(&w, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n--");
        message_puts(&w, boundary);
        message_puts(&w, "\r\n");
    }
    /* RFC 2045/6532: 8-bit UTF-8 text needs its charset and the 8bit encoding declared. */
    message_puts(&w, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: ");
    message_puts(&w, eight_bit ? "8bit\r\n" : "7bit\r\n");
    message_puts(&w, "\r\n");
    message_body(&w, body);
    for (size_t i = 0; i < sp->attachment_count && w.err == MESSAGE_OK; i++) {
        const struct message_attachment *a = &sp->attachments[i];
        if (!a->filename || !a->content_type || (a->len > 0 && !a->data)) {
            return MESSAGE_ERR_MISSING;
        }
        if ((e = message_ascii_value(a->content_type)) != MESSAGE_OK) {
            return e;
        }
        message_puts(&w, "--");
        message_puts(&w, boundary);
        message_puts(&w, "\r\nContent-Type: ");
        message_puts(&w, a->content_type);
        message_puts(&w, "\r\nContent-Disposition: attachment");
        if ((e = message_filename(&w, a->filename)) != MESSAGE_OK) {
            return e;
        }
        message_puts(&w, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        message_base64_lines(&w, a->data, a->len);
    }
    if (sp->attachment_count > 0) {
        message_puts(&w, "--");
        message_puts(&w, boundary);
        message_puts(&w, "--\r\n");
    }
    return w.err;
}

enum message_error message_build(const struct message_spec *spec, struct buf *out)
{
    size_t mark = out->len;
    enum message_error e = message_build_into(spec, out);
    if (e != MESSAGE_OK) {
        buf_truncate(out, mark);
        if (out->data) {
            out->data[mark] = 0;
        }
    }
    return e;
}

/* ---- Received: ----------------------------------------------------------------------------- */

/* RFC 3848 registers these "with" protocol names: ESMTPA is ESMTP with successful SMTP AUTH,
 * ESMTPS is ESMTP over STARTTLS, ESMTPSA both (RFC 5321's plain SMTP and ESMTP stay). */
enum message_with message_with_for(bool ehlo, bool tls, bool auth)
{
    if (!ehlo) {
        return MESSAGE_WITH_SMTP;
    }
    if (tls) {
        return auth ? MESSAGE_WITH_ESMTPSA : MESSAGE_WITH_ESMTPS;
    }
    return auth ? MESSAGE_WITH_ESMTPA : MESSAGE_WITH_ESMTP;
}

/* RFC 5321 §4.4: "When an SMTP server receives a message for delivery or further processing,
 * it MUST insert trace ("time stamp" or "Received") information at the beginning of the
 * message content". Time-stamp-line = "Received:" FWS Stamp <CRLF>;
 * Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time. */
enum message_error message_received_line(const struct message_received *r, struct buf *out)
{
    const char *required[] = {r->helo, r->ip, r->by};
    const char *optional[] = {r->rdns, r->id, r->rcpt};
    for (size_t i = 0; i < 3; i++) {
        if (!required[i] || !required[i][0]) {
            return MESSAGE_ERR_MISSING;
        }
    }
    for (size_t i = 0; i < 6; i++) {
        const char *part = i < 3 ? required[i] : optional[i - 3];
        enum message_error e = part ? message_ascii_value(part) : MESSAGE_OK;
        if (e != MESSAGE_OK) {
            return e;
        }
    }
    char date[MESSAGE_DATE_SIZE];
    if (message_date_format(r->date, r->tz_minutes, date, sizeof date) < 0) {
        return MESSAGE_ERR_BAD_DATE;
    }
    /* RFC 5321 §4.1.3: IPv6-address-literal = "IPv6:" IPv6-addr */
    bool v6 = strchr(r->ip, ':') != NULL && strncmp(r->ip, "IPv6:", 5) != 0;
    size_t mark = out->len;
    int rc = buf_printf(out, "Received: from %s (%s [%s%s])\r\n\tby %s (mailsim) with %s", r->helo,
                        r->rdns ? r->rdns : "unknown", v6 ? "IPv6:" : "", r->ip, r->by,
                        message_with_name(r->with));
    if (rc == 0 && r->id) {
        rc = buf_printf(out, " id %s", r->id);
    }
    if (rc == 0 && r->rcpt) {
        bool bracketed = r->rcpt[0] == '<';
        rc = buf_printf(out, "\r\n\tfor %s%s%s; %s\r\n", bracketed ? "" : "<", r->rcpt,
                        bracketed ? "" : ">", date);
    } else if (rc == 0) {
        rc = buf_printf(out, ";\r\n\t%s\r\n", date);
    }
    if (rc != 0) {
        buf_truncate(out, mark);
        if (out->data) {
            out->data[mark] = 0;
        }
        return MESSAGE_ERR_NOMEM;
    }
    return MESSAGE_OK;
}
