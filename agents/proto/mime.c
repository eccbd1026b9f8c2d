/* mime: header fields, MIME parameters and CRLF canonical form, read and written once for all of
 * proto (see mime.h). The rules are the RFCs' own, quoted above the code that follows them. */
#include "mime.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 5322 §2.2.3 and RFC 5234 WSP: the white space that folds a header line. */
static bool mime_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* ---- header fields ------------------------------------------------------------------------ */

/* Length of the line at p without its line end (the LF, and a CR before it); *next gets the
 * length through the line end (n when the data ends without one). */
static size_t mime_line(const uint8_t *p, size_t n, size_t *next)
{
    const uint8_t *lf = memchr(p, '\n', n);
    if (!lf) {
        *next = n;
        return n;
    }
    size_t end = (size_t)(lf - p);
    *next = end + 1;
    return end > 0 && p[end - 1] == '\r' ? end - 1 : end;
}

bool mime_field_next(const uint8_t *msg, size_t len, size_t *pos, struct mime_field *f)
{
    size_t at = *pos, next;
    if (at >= len) {
        *pos = len;
        return false;
    }
    size_t text = mime_line(msg + at, len - at, &next);
    if (text == 0) {
        *pos = at + next; /* the empty line: the body follows */
        return false;
    }
    /* RFC 5322 §2.2.3: "Each header field is logically a single line of characters comprising
     * the field name, the colon, and the field body." Folding means "a CRLF may be inserted
     * before any WSP", so every following line that starts with WSP belongs to this field. */
    size_t first = text, end = at + text;
    at += next;
    while (at < len && mime_wsp(msg[at])) {
        end = at + mime_line(msg + at, len - at, &next);
        at += next;
    }
    f->p = msg + *pos;
    f->len = end - *pos;
    const uint8_t *colon = memchr(f->p, ':', first);
    f->name_len = colon && !mime_wsp(f->p[0]) ? (size_t)(colon - f->p) : 0;
    f->value = f->name_len ? f->name_len + 1 : f->len;
    while (f->name_len > 0 && mime_wsp(f->p[f->name_len - 1])) {
        f->name_len--;
    }
    *pos = at;
    return true;
}

bool mime_field_is(const struct mime_field *f, const char *name)
{
    size_t n = strlen(name);
    return n > 0 && f->name_len == n && strncasecmp((const char *)f->p, name, n) == 0;
}

bool mime_field_is_content(const struct mime_field *f)
{
    return f->name_len > 8 && strncasecmp((const char *)f->p, "Content-", 8) == 0;
}

long mime_field_value(const struct mime_field *f, char *out, size_t cap)
{
    size_t total = 0; /* octets of the value so far, leading white space skipped */
    size_t keep = 0;  /* the value's length up to its last octet that is not white space */
    if (cap == 0) {
        return -1;
    }
    for (size_t i = f->value; i < f->len; i++) {
        uint8_t c = f->p[i];
        if (c == '\n' || (c == '\r' && i + 1 < f->len && f->p[i + 1] == '\n')) {
            continue; /* unfolding */
        }
        if (total == 0 && mime_wsp(c)) {
            continue;
        }
        if (total < cap - 1) {
            out[total] = (char)c;
        }
        total++;
        keep = mime_wsp(c) ? keep : total;
    }
    out[keep < cap - 1 ? keep : cap - 1] = '\0';
    return (long)keep;
}

long mime_header_get(const uint8_t *msg, size_t len, const char *name, char *out, size_t cap)
{
    size_t pos = 0;
    struct mime_field f;
    if (cap == 0) {
        return -1;
    }
    out[0] = '\0';
    while (mime_field_next(msg, len, &pos, &f)) {
        if (mime_field_is(&f, name)) {
            return mime_field_value(&f, out, cap);
        }
    }
    return -1;
}

size_t mime_header_count(const uint8_t *msg, size_t len, const char *name)
{
    size_t pos = 0, count = 0;
    struct mime_field f;
    while (mime_field_next(msg, len, &pos, &f)) {
        count += mime_field_is(&f, name);
    }
    return count;
}

bool mime_split(const uint8_t *msg, size_t len, size_t *header_len, size_t *body_offset)
{
    size_t pos = 0, at = 0;
    struct mime_field f;
    while (mime_field_next(msg, len, &pos, &f)) {
        at = pos;
    }
    /* The walk stopped at msg[at]: an empty line there, or the end of msg. */
    bool found = at < len;
    *header_len = found ? at : len;
    *body_offset = found ? pos : len;
    return found;
}

/* ---- Content-Type and Content-Disposition values ------------------------------------------ */

/* RFC 2045 §5.1: "token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>". */
static bool mime_token_char(char c)
{
    static const char tspecials[] = "()<>@,;:\\\"/[]?=";
    return c > ' ' && c < 0x7f && !strchr(tspecials, c);
}

/* An octet of a value given without quotes. Read leniently, as mail readers do: RFC 2045 would
 * end the token at any tspecial, but "protocol=application/pgp-encrypted" (the '/' unquoted,
 * against RFC 1847 §2.2) and "boundary==_part" are common and have one meaning only. */
static bool mime_bare_value_char(char c)
{
    return (unsigned char)c > ' ' && c != 0x7f && c != ';' && c != '"' && c != '(';
}

/* Past the quoted-string or comment that opens at p (RFC 822 §3.3: a quoted-pair "\" CHAR
 * stands for CHAR in both; comments nest). At the NUL when it does not close. */
static const char *mime_skip_quoted(const char *p)
{
    bool comment = *p == '(';
    int depth = 0;
    for (p++; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
        } else if (comment && *p == '(') {
            depth++;
        } else if (*p == (comment ? ')' : '"')) {
            if (depth == 0) {
                return p + 1;
            }
            depth--;
        }
    }
    return p;
}

/* Past white space and comments: RFC 2045 §5.1, "comments are allowed in accordance with RFC
 * 822 rules for structured header fields". Line ends count as white space, for values that were
 * not unfolded. */
static const char *mime_skip_cfws(const char *p)
{
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (*p != '(') {
            return p;
        }
        p = mime_skip_quoted(p);
    }
}

/* The next ';' at or after p that is not inside a quoted-string or comment, or the NUL. */
static const char *mime_next_semicolon(const char *p)
{
    while (*p && *p != ';') {
        p = *p == '"' || *p == '(' ? mime_skip_quoted(p) : p + 1;
    }
    return p;
}

bool mime_type_is(const char *value, const char *type)
{
    size_t n = strlen(type);
    if (n == 0 || strncasecmp(value, type, n) != 0) {
        return false;
    }
    char after = value[n];
    return after == '\0' || after == ';' || after == '(' || after == ' ' || after == '\t';
}

/* Reads the value at p, a token or a quoted-string with its quoted-pairs resolved, into out like
 * snprintf (out may be NULL). Returns the octet after the value with *n its length, or NULL when
 * there is no value or the quoted-string does not close. */
static const char *mime_param_value(const char *p, char *out, size_t cap, size_t *n)
{
    bool quoted = *p == '"';
    size_t k = 0;
    for (p += quoted; quoted ? *p != '"' : mime_bare_value_char(*p); p++) {
        if (*p == '\0' || (quoted && *p == '\\' && *++p == '\0')) {
            return NULL;
        }
        if (out && k + 1 < cap) {
            out[k] = *p;
        }
        k++;
    }
    if (!quoted && k == 0) {
        return NULL;
    }
    if (out && cap > 0) {
        out[k < cap ? k : cap - 1] = '\0';
    }
    *n = k;
    return p + quoted;
}

long mime_param(const char *value, const char *name, char *out, size_t cap)
{
    size_t want = strlen(name);
    /* The type/subtype (or disposition type) comes first; each parameter follows a ';'. */
    for (const char *p = mime_next_semicolon(value); *p == ';';) {
        const char *attr = mime_skip_cfws(p + 1), *q = attr;
        while (mime_token_char(*q)) {
            q++;
        }
        size_t alen = (size_t)(q - attr);
        q = mime_skip_cfws(q);
        if (alen > 0 && *q == '=') {
            bool match = alen == want && strncasecmp(attr, name, want) == 0;
            size_t n = 0;
            const char *end = mime_param_value(mime_skip_cfws(q + 1), match ? out : NULL, cap, &n);
            end = end ? mime_skip_cfws(end) : NULL;
            if (match && end && (*end == ';' || *end == '\0')) {
                return (long)n;
            }
            q = end ? end : q + 1;
        }
        p = mime_next_semicolon(q);
    }
    if (out && cap > 0) {
        out[0] = '\0';
    }
    return -1;
}

/* ---- writing ------------------------------------------------------------------------------ */

int mime_append_crlf(struct buf *out, const uint8_t *p, size_t n)
{
    size_t mark = out->len, start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) {
            if (buf_append(out, p + start, i - start) < 0 || buf_append(out, "\r\n", 2) < 0) {
                buf_truncate(out, mark);
                return -1;
            }
            start = i + 1;
        }
    }
    if (buf_append(out, p + start, n - start) < 0) {
        buf_truncate(out, mark);
        return -1;
    }
    return 0;
}

int mime_append_lines(struct buf *out, const uint8_t *p, size_t n)
{
    size_t mark = out->len;
    if (mime_append_crlf(out, p, n) < 0) {
        return -1;
    }
    if ((n == 0 || p[n - 1] != '\n') && buf_append(out, "\r\n", 2) < 0) {
        buf_truncate(out, mark);
        return -1;
    }
    return 0;
}

/* Appends the Content-* fields of msg's header (content) or all the others but MIME-Version
 * (!content), each with CRLF line ends; *typed tells whether a Content-Type was among them. */
static int mime_append_fields(struct buf *out, const uint8_t *msg, size_t len, bool content,
                              bool *typed)
{
    size_t pos = 0, mark = out->len;
    struct mime_field f;
    *typed = false;
    while (mime_field_next(msg, len, &pos, &f)) {
        bool is_content = mime_field_is_content(&f);
        if (is_content != content || (!content && mime_field_is(&f, "MIME-Version"))) {
            continue;
        }
        *typed = *typed || mime_field_is(&f, "Content-Type");
        if (mime_append_lines(out, f.p, f.len) < 0) {
            buf_truncate(out, mark);
            return -1;
        }
    }
    return 0;
}

int mime_append_content_fields(struct buf *out, const uint8_t *msg, size_t len)
{
    size_t mark = out->len;
    bool typed;
    if (mime_append_fields(out, msg, len, true, &typed) < 0) {
        return -1;
    }
    /* RFC 2045 §5.2: "This default is assumed if no Content-Type header field is specified." */
    if (!typed && buf_append_str(out, "Content-Type: text/plain; charset=us-ascii\r\n") < 0) {
        buf_truncate(out, mark);
        return -1;
    }
    return 0;
}

int mime_append_other_fields(struct buf *out, const uint8_t *msg, size_t len)
{
    bool typed;
    return mime_append_fields(out, msg, len, false, &typed);
}

/* ---- errors ------------------------------------------------------------------------------- */

int mime_err_setf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
