/* message_read: reading and checking RFC 5322 messages (see message.h): the header/body split
 * and unfolded header fields (from mime.c), RFC 2047 encoded-words decoded, and the form check.
 * Pure functions over the caller's buffers; bare LF is accepted when reading and reported when
 * checking. */
#include "message.h"

#include "base64.h"
#include "mime.h"

#include <string.h>

static const char *const message_check_names[] = {
#define MESSAGE_X_NAME(e, text) text,
    MESSAGE_CHECK_LIST(MESSAGE_X_NAME)
#undef MESSAGE_X_NAME
};

const char *message_check_name(enum message_check c)
{
    size_t n = sizeof message_check_names / sizeof message_check_names[0];
    return (size_t)c < n ? message_check_names[c] : "?";
}

static bool message_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static char message_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool message_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (message_lower(a[i]) != message_lower(b[i])) {
            return false;
        }
    }
    return true;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* The header section is read by mime.c, the one reader pgp and smime use too; these are the
 * names the agents know it by. */

bool message_split(const uint8_t *data, size_t len, size_t *header_len, size_t *body_offset)
{
    return mime_split(data, len, header_len, body_offset);
}

long message_header_get(const uint8_t *data, size_t len, const char *name, char *out, size_t cap)
{
    return mime_header_get(data, len, name, out, cap);
}

size_t message_header_count(const uint8_t *data, size_t len, const char *name)
{
    return mime_header_count(data, len, name);
}

static int message_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = message_lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* RFC 2047 §2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?=". Decodes the word
 * at in[0..n) into out (as UTF-8) and sets *used; false when it is not a word we can decode. */
static bool message_decode_word(const char *in, size_t n, struct buf *out, size_t *used)
{
    if (n < 8 || in[0] != '=' || in[1] != '?') {
        return false;
    }
    size_t cs = 2;
    size_t i = cs;
    while (i < n && in[i] != '?') {
        if ((unsigned char)in[i] <= ' ' || (unsigned char)in[i] >= 0x7f) {
            return false;
        }
        i++;
    }
    size_t cs_len = i - cs;
    if (i + 3 >= n || in[i + 2] != '?') {
        return false;
    }
    char enc = message_lower(in[i + 1]);
    size_t text = i + 3;
    size_t k = text;
    while (k + 1 < n && !(in[k] == '?' && in[k + 1] == '=')) {
        if ((unsigned char)in[k] <= ' ' || (unsigned char)in[k] >= 0x7f || in[k] == '?') {
            return false;
        }
        k++;
    }
    if (k + 1 >= n) {
        return false;
    }
    size_t text_len = k - text;
    /* RFC 2231 §5: a language may follow the charset after "*". */
    const char *star = memchr(in + cs, '*', cs_len);
    if (star) {
        cs_len = (size_t)(star - (in + cs));
    }
    bool latin1 = cs_len == 10 && message_ieq(in + cs, "ISO-8859-1", 10);
    if (!(cs_len == 5 && message_ieq(in + cs, "UTF-8", 5)) &&
        !(cs_len == 8 && message_ieq(in + cs, "US-ASCII", 8)) && !latin1) {
        return false;
    }
    uint8_t raw[MESSAGE_LINE_MAX];
    size_t raw_len = 0;
    if (text_len > MESSAGE_LINE_MAX) {
        return false;
    }
    if (enc == 'b') {
        char padded[MESSAGE_LINE_MAX + 4];
        memcpy(padded, in + text, text_len);
        size_t p = text_len;
        while (p % 4 != 0) {
            padded[p++] = '='; /* lenient on missing padding */
        }
        long got = base64_decode(padded, p, raw, sizeof raw);
        if (got < 0) {
            return false;
        }
        raw_len = (size_t)got;
    } else if (enc == 'q') {
        /* RFC 2047 §4.2: "_" stands for SPACE; "=" is followed by two hexadecimal digits. */
        for (size_t q = text; q < k; q++) {
            if (in[q] == '_') {
                raw[raw_len++] = ' ';
            } else if (in[q] == '=') {
                if (q + 2 >= k) {
                    return false;
                }
                int hi = message_hex(in[q + 1]);
                int lo = message_hex(in[q + 2]);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                raw[raw_len++] = (uint8_t)(hi * 16 + lo);
                q += 2;
            } else {
                raw[raw_len++] = (uint8_t)in[q];
            }
        }
    } else {
        return false;
    }
    for (size_t r = 0; r < raw_len; r++) {
        uint8_t c = raw[r];
        int rc;
        if (latin1 && c >= 0x80) {
            uint8_t two[2] = {(uint8_t)(0xc0 | (c >> 6)), (uint8_t)(0x80 | (c & 0x3f))};
            rc = buf_append(out, two, 2);
        } else {
            rc = buf_append(out, &c, 1);
        }
        if (rc != 0) {
            return false;
        }
    }
    *used = k + 2;
    return true;
}

long message_decode_words(const char *in, char *out, size_t cap)
{
    struct buf b;
    struct buf word;
    buf_init(&b, 0);
    buf_init(&word, 0);
    size_t n = strlen(in);
    size_t i = 0;
    bool after_word = false;
    size_t ws_start = 0;
    size_t ws_len = 0; /* white space held back after an encoded-word */
    int rc = 0;
    while (i < n && rc == 0) {
        char c = in[i];
        size_t used;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (after_word) {
                if (ws_len == 0) {
                    ws_start = i;
                }
                ws_len++;
            } else {
                rc = buf_append(&b, &c, 1);
            }
            i++;
            continue;
        }
        buf_clear(&word);
        if (c == '=' && message_decode_word(in + i, n - i, &word, &used)) {
            /* RFC 2047 §6.2: "any 'linear-white-space' that separates a pair of adjacent
             * 'encoded-word's is ignored." */
            rc = word.len ? buf_append(&b, word.data, word.len) : 0;
            ws_len = 0;
            after_word = true;
            i += used;
            continue;
        }
        if (ws_len > 0) {
            rc = buf_append(&b, in + ws_start, ws_len);
            ws_len = 0;
        }
        after_word = false;
        if (rc == 0) {
            rc = buf_append(&b, &c, 1);
        }
        i++;
    }
    if (rc == 0 && ws_len > 0) {
        rc = buf_append(&b, in + ws_start, ws_len);
    }
    long result = -1;
    if (rc == 0 && cap > 0) {
        size_t k = b.len < cap - 1 ? b.len : cap - 1;
        if (k > 0) {
            memcpy(out, b.data, k);
        }
        out[k] = 0;
        result = (long)b.len;
    }
    buf_free(&b);
    buf_free(&word);
    return result;
}

/* ---- checking ------------------------------------------------------------------------------ */

struct message_checker {
    bool in_header;
    bool have_field;
    bool have_date;
    bool have_from;
};

/* One header line [s, e). Returns MESSAGE_CHECK_OK or the problem, with *at set. */
static enum message_check message_check_header(struct message_checker *k, const uint8_t *d,
                                               size_t s, size_t e, size_t *at)
{
    if (e == s) {
        k->in_header = false; /* the empty line: the body follows */
        return MESSAGE_CHECK_OK;
    }
    if (message_wsp(d[s])) {
        *at = s;
        return k->have_field ? MESSAGE_CHECK_OK : MESSAGE_CHECK_CONTINUATION_FIRST;
    }
    const uint8_t *colon = memchr(d + s, ':', e - s);
    if (!colon) {
        *at = s;
        return MESSAGE_CHECK_NO_COLON;
    }
    size_t c = (size_t)(colon - d);
    if (c == s) {
        *at = s;
        return MESSAGE_CHECK_BAD_FIELD_NAME;
    }
    /* RFC 5322 §2.2: "A field name MUST be composed of printable US-ASCII characters (i.e.,
     * characters that have values between 33 and 126, inclusive), except colon." */
    for (size_t i = s; i < c; i++) {
        if (d[i] < 33 || d[i] > 126) {
            *at = i;
            return MESSAGE_CHECK_BAD_FIELD_NAME;
        }
    }
    k->have_field = true;
    k->have_date = k->have_date || (c - s == 4 && message_ieq((const char *)d + s, "Date", 4));
    k->have_from = k->have_from || (c - s == 4 && message_ieq((const char *)d + s, "From", 4));
    return MESSAGE_CHECK_OK;
}

enum message_check message_check(const uint8_t *data, size_t len, size_t *offset)
{
    struct message_checker k = {true, false, false, false};
    size_t at = 0;
    size_t line = 0;
    enum message_check r = MESSAGE_CHECK_OK;
    for (size_t i = 0; i < len && r == MESSAGE_CHECK_OK; i++) {
        uint8_t c = data[i];
        if (c == 0) {
            at = i;
            r = MESSAGE_CHECK_NUL;
        } else if (c == '\r' && (i + 1 >= len || data[i + 1] != '\n')) {
            at = i;
            r = MESSAGE_CHECK_BARE_CR;
        } else if (c == '\n' && (i == 0 || data[i - 1] != '\r')) {
            at = i;
            r = MESSAGE_CHECK_BARE_LF;
        } else if (c != '\r' && c != '\n' && i - line >= MESSAGE_LINE_MAX) {
            at = line;
            r = MESSAGE_CHECK_LINE_TOO_LONG;
        } else if (c == '\n') {
            if (k.in_header) {
                r = message_check_header(&k, data, line, i - 1, &at);
            }
            line = i + 1;
        }
    }
    if (r == MESSAGE_CHECK_OK && k.in_header) {
        if (line < len) {
            r = message_check_header(&k, data, line, len, &at);
        }
        if (r == MESSAGE_CHECK_OK) {
            at = len;
            r = MESSAGE_CHECK_NO_BLANK_LINE;
        }
    }
    if (r == MESSAGE_CHECK_OK && !k.have_date) {
        at = 0;
        r = MESSAGE_CHECK_NO_DATE;
    }
    if (r == MESSAGE_CHECK_OK && !k.have_from) {
        at = 0;
        r = MESSAGE_CHECK_NO_FROM;
    }
    if (offset) {
        *offset = r == MESSAGE_CHECK_OK ? 0 : at;
    }
    return r;
}
