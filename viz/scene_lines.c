/* scene_lines: protocol lines as the transcript shows them — cleaned of control characters that
 * would hide what was on the wire, and with credentials found and decoded: SMTP AUTH's base64
 * (RFC 4954, RFC 4616 PLAIN, LOGIN) and POP3's PASS and APOP (RFC 1939). */
#include "scene_int.h"

#include "base64.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Appends s (n bytes) to out if all of it fits; returns false when it did not. */
static bool lines_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > cap) {
        return false;
    }
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = 0;
    return true;
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t lines_utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t k = c >= 0xC2 && c <= 0xDF
                   ? 2
                   : (c >= 0xE0 && c <= 0xEF ? 3 : (c >= 0xF0 && c <= 0xF4 ? 4 : 0));
    if (k == 0 || k > n) {
        return 0;
    }
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    /* overlong three- and four-byte forms and surrogates */
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] >= 0x90)) {
        return 0;
    }
    return k;
}

void scene_clean_line(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0) {
        return;
    }
    out[0] = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        char esc[8];
        const char *piece = esc;
        size_t k = 1, plen;
        if (c == '\r') {
            piece = "<CR>";
        } else if (c == '\n') {
            piece = "<LF>";
        } else if (c == 0) {
            piece = "<NUL>";
        } else if (c == '\t') {
            piece = " ";
        } else if (c >= 0x20 && c < 0x7F) {
            esc[0] = (char)c;
            esc[1] = 0;
        } else if (c >= 0x80 && (k = lines_utf8_len(p + i, n - i)) > 0) {
            memcpy(esc, p + i, k);
            esc[k] = 0;
        } else {
            k = 1;
            snprintf(esc, sizeof esc, "<%02X>", c);
        }
        plen = strlen(piece);
        if (!lines_put(out, cap, &len, piece, plen)) {
            return;
        }
        i += k;
    }
}

static bool lines_prefix(const char *line, size_t len, const char *word)
{
    size_t k = strlen(word);
    if (len < k) {
        return false;
    }
    for (size_t i = 0; i < k; i++) {
        if (toupper((unsigned char)line[i]) != word[i]) {
            return false;
        }
    }
    return true;
}

/* Decodes SASL base64 into readable text: PLAIN's NUL-separated "authzid authcid passwd"
 * becomes "authcid / passwd"; anything else is shown with unprintable bytes as '.'. */
static bool lines_decode(const char *b64, size_t n, char *out, size_t cap)
{
    uint8_t buf[512];
    if (n == 0 || n > 600) {
        return false;
    }
    long k = base64_decode(b64, n, buf, sizeof buf);
    if (k <= 0) {
        return false;
    }
    size_t m = (size_t)k;
    const uint8_t *nul1 = memchr(buf, 0, m);
    const uint8_t *nul2 = nul1 ? memchr(nul1 + 1, 0, m - (size_t)(nul1 + 1 - buf)) : NULL;
    char user[256], pass[256];
    if (nul1 && nul2) {
        scene_clean_line(nul1 + 1, (size_t)(nul2 - nul1 - 1), user, sizeof user);
        scene_clean_line(nul2 + 1, m - (size_t)(nul2 + 1 - buf), pass, sizeof pass);
        snprintf(out, cap, "%s / %s", user, pass);
        return true;
    }
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < m && len + 1 < cap; i++) {
        size_t u = buf[i] >= 0x80 ? lines_utf8_len(buf + i, m - i) : 0;
        if (u > 1) {
            if (!lines_put(out, cap, &len, (const char *)buf + i, u)) {
                break;
            }
            i += u - 1;
            continue;
        }
        char c = buf[i] >= 0x20 && buf[i] < 0x7F ? (char)buf[i] : '.';
        lines_put(out, cap, &len, &c, 1);
    }
    return true;
}

static bool lines_is_base64(const char *s, size_t n)
{
    if (n == 0 || n % 4 != 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' && s[i] != '=') {
            return false;
        }
    }
    return true;
}

bool scene_secret(const char *line, size_t len, bool from_client, const char *prev_server,
                  size_t prev_len, char *decoded, size_t cap)
{
    decoded[0] = 0;
    if (!from_client) {
        /* a SASL challenge: "334 VXNlcm5hbWU6" is "Username:" */
        if (lines_prefix(line, len, "334 ") && lines_is_base64(line + 4, len - 4)) {
            lines_decode(line + 4, len - 4, decoded, cap);
        }
        return false;
    }
    if (lines_prefix(line, len, "AUTH PLAIN ") || lines_prefix(line, len, "AUTH LOGIN ")) {
        lines_decode(line + 11, len - 11, decoded, cap);
        return true;
    }
    if (lines_prefix(line, len, "AUTH ")) {
        return false;
    }
    if (lines_prefix(line, len, "PASS ") || lines_prefix(line, len, "APOP ")) {
        return true;
    }
    /* the answer to a "334" challenge is base64 of a credential ("*" cancels the exchange) */
    if (prev_server && lines_prefix(prev_server, prev_len, "334") && lines_is_base64(line, len)) {
        lines_decode(line, len, decoded, cap);
        return true;
    }
    return false;
}
