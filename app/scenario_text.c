/* scenario_text: the checks a scenario's text passes before cJSON sees it — UTF-8, nesting, and
 * a full syntax check whose errors name the line and column and say what to fix — and the
 * ASCII rendering of text for messages. */
#include "scenario_json.h"

#include "scenario.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest number the syntax check lets through (cJSON reads numbers through a 64-byte copy). */
#define SCENARIO_NUMBER_MAX 40
/* Characters of the text shown after "near". */
#define SCENARIO_EXCERPT 24

/* Replaces the end of a truncated snprintf result with "...". */
void scenario_ellipsis(char *buf, size_t n, int wrote)
{
    if (wrote < 0 && n > 0) {
        buf[0] = '\0';
    } else if ((size_t)wrote >= n && n >= 4) {
        memcpy(buf + n - 4, "...", 4);
    }
}

/* Appends to buf (already NUL-terminated, capacity n) an ASCII rendering of s[0..len): control
 * and non-ASCII characters as JSON escapes, and with quoted also '"' and '\\' (raw file text
 * shows them as they are). Stops after maxchars characters or, with one_line, at a line
 * break. Returns true when it cut the text short (a line break does not count). */
static bool scenario_ascii(const char *s, size_t len, size_t maxchars, bool one_line, bool quoted,
                           char *buf, size_t n)
{
    size_t used = strlen(buf), chars = 0, i = 0;
    while (i < len) {
        if (one_line && (s[i] == '\n' || s[i] == '\r')) {
            return false;
        }
        if (chars == maxchars) {
            return true;
        }
        const uint8_t *u = (const uint8_t *)s + i;
        char piece[32];
        uint32_t cp;
        size_t step = utf8_decode(u, len - i, &cp);
        bool broken = step == 0;
        if (broken) {
            step = 1; /* a byte that is not UTF-8 is shown alone, as \xNN */
            snprintf(piece, sizeof piece, "\\x%02x", u[0]);
        } else if (cp == '\n') {
            snprintf(piece, sizeof piece, "\\n");
        } else if (cp == '\t') {
            snprintf(piece, sizeof piece, "\\t");
        } else if (quoted && (cp == '"' || cp == '\\')) {
            snprintf(piece, sizeof piece, "\\%c", (char)cp);
        } else if (cp < 0x20 || cp == 0x7f) {
            snprintf(piece, sizeof piece, "\\u%04lx", (unsigned long)cp);
        } else if (cp < 0x80) {
            piece[0] = (char)cp;
            piece[1] = '\0';
        } else if (cp < 0x10000) {
            snprintf(piece, sizeof piece, "\\u%04lx", (unsigned long)cp);
        } else {
            cp -= 0x10000;
            snprintf(piece, sizeof piece, "\\u%04lx\\u%04lx", 0xd800ul + (cp >> 10),
                     0xdc00ul + (cp & 0x3ff));
        }
        size_t plen = strlen(piece);
        if (used + plen + 1 > n) {
            return true;
        }
        memcpy(buf + used, piece, plen + 1);
        used += plen;
        i += step;
        chars++;
    }
    return false;
}

const char *scenario_quote(const char *s, char *buf, size_t n)
{
    if (n < 8) {
        if (n > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    buf[0] = '"';
    buf[1] = '\0';
    bool cut = scenario_ascii(s, strlen(s), 60, false, true, buf, n - 4);
    size_t used = strlen(buf);
    memcpy(buf + used, cut ? "...\"" : "\"", cut ? 5 : 2);
    return buf;
}

/* ---- Locating and reporting errors in the text ---- */

/* 1-based line and column of byte pos; the column counts characters (UTF-8 code points). */
static void scenario_locate(const char *t, size_t pos, unsigned long *line, unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (t[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (!utf8_is_continuation((uint8_t)t[i])) {
            (*col)++;
        }
    }
}

struct scenario_text_ref {
    struct scenario_ctx *c;
    const char *t;
    size_t len;
};

/* "NAME:LINE:COL: error: MESSAGE". Returns -1. */
static int scenario_syntax(const struct scenario_text_ref *x, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int scenario_syntax(const struct scenario_text_ref *x, size_t pos, const char *fmt, ...)
{
    unsigned long line, col;
    scenario_locate(x->t, pos, &line, &col);
    char loc[48];
    snprintf(loc, sizeof loc, ":%lu:%lu", line, col);
    va_list ap;
    va_start(ap, fmt);
    scenario_verror(x->c, loc, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

/* "near 'text'" for the text at pos, or "at the end of the file". */
static const char *scenario_near(const struct scenario_text_ref *x, size_t pos, char *buf, size_t n)
{
    if (pos >= x->len) {
        snprintf(buf, n, "at the end of the file");
        return buf;
    }
    snprintf(buf, n, "near '");
    bool cut = scenario_ascii(x->t + pos, x->len - pos, SCENARIO_EXCERPT, true, false, buf, n - 5);
    size_t used = strlen(buf);
    memcpy(buf + used, cut ? "...'" : "'", cut ? 5 : 2);
    return buf;
}

static const char *scenario_kind(char open)
{
    return open == '{' ? "object" : "array";
}

/* The offset of the first byte that is not UTF-8 text (a NUL counts), or len. */
static size_t scenario_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] != 0) {
        uint32_t cp;
        size_t step = utf8_decode(s + i, len - i, &cp);
        if (step == 0) {
            return i;
        }
        i += step;
    }
    return i;
}

static int scenario_hex4(const char *p, size_t avail, unsigned *v)
{
    if (avail < 4) {
        return -1;
    }
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char ch = p[k];
        unsigned d;
        if (ch >= '0' && ch <= '9') {
            d = (unsigned)(ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            d = (unsigned)(ch - 'a' + 10);
        } else if (ch >= 'A' && ch <= 'F') {
            d = (unsigned)(ch - 'A' + 10);
        } else {
            return -1;
        }
        *v = *v << 4 | d;
    }
    return 0;
}

/* A string from the '"' at *ip; on success *ip is just past its closing quote. */
static int scenario_scan_string(const struct scenario_text_ref *x, size_t *ip)
{
    const char *t = x->t;
    size_t start = *ip, i = start + 1;
    char near[64];
    for (;;) {
        if (i >= x->len) {
            return scenario_syntax(x, start,
                                   "JSON syntax error: unterminated string: the file ends "
                                   "before its closing '\"'");
        }
        unsigned char ch = (unsigned char)t[i];
        if (ch == '"') {
            *ip = i + 1;
            return 0;
        }
        if (ch == '\n' || ch == '\r') {
            return scenario_syntax(x, start,
                                   "JSON syntax error: unterminated string: it runs past the end "
                                   "of its line (close it with '\"'; inside a string write a line "
                                   "break as \\n)");
        }
        if (ch < 0x20) {
            return scenario_syntax(x, i,
                                   "JSON syntax error: control character U+%04X inside a string "
                                   "(write it escaped: \\t for a tab, or \\u%04X)",
                                   ch, ch);
        }
        if (ch != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= x->len) {
            i++; /* the file ends after the backslash: unterminated, as above */
            continue;
        }
        char e = t[i + 1];
        if (strchr("\"\\/bfnrt", e)) {
            i += 2;
            continue;
        }
        if (e != 'u') {
            char shown[64] = "";
            scenario_ascii(t + i, 2, 2, true, false, shown, sizeof shown);
            return scenario_syntax(x, i,
                                   "JSON syntax error: invalid escape '%s' in a string (JSON knows "
                                   "\\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a "
                                   "backslash as \\\\)",
                                   shown);
        }
        unsigned v, lo;
        if (scenario_hex4(t + i + 2, x->len - i - 2, &v) < 0) {
            return scenario_syntax(x, i, "JSON syntax error: \\u needs four hex digits, %s",
                                   scenario_near(x, i, near, sizeof near));
        }
        if (v == 0) {
            return scenario_syntax(x, i, "\\u0000 (a NUL character) is not allowed in a string");
        }
        if (v >= 0xdc00 && v <= 0xdfff) {
            return scenario_syntax(x, i,
                                   "JSON syntax error: \\u%04X is half of a surrogate pair "
                                   "without its first half",
                                   v);
        }
        if (v >= 0xd800 && v <= 0xdbff) {
            if (x->len - i < 12 || t[i + 6] != '\\' || t[i + 7] != 'u' ||
                scenario_hex4(t + i + 8, x->len - i - 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
                return scenario_syntax(x, i,
                                       "JSON syntax error: \\u%04X must be followed by the "
                                       "second half of its surrogate pair (\\uDC00-\\uDFFF)",
                                       v);
            }
            i += 6;
        }
        i += 6;
    }
}

static bool scenario_is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool scenario_is_word(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || scenario_is_digit(ch) ||
           ch == '_' || ch == '.' || ch == '-' || ch == '+';
}

/* A number or a bare word (true, false, null) from *ip. */
static int scenario_scan_bare(const struct scenario_text_ref *x, size_t *ip)
{
    const char *t = x->t;
    size_t start = *ip, i = start, len = x->len;
    size_t end = start;
    while (end < len && scenario_is_word(t[end])) {
        end++;
    }
    char near[64];
    if (t[i] == '-' || scenario_is_digit(t[i])) {
        i += t[i] == '-';
        bool ok = i < len && scenario_is_digit(t[i]);
        if (ok && t[i] == '0') {
            i++;
        } else {
            while (i < len && scenario_is_digit(t[i])) {
                i++;
            }
        }
        if (ok && i < len && t[i] == '.') {
            ok = ++i < len && scenario_is_digit(t[i]);
            while (i < len && scenario_is_digit(t[i])) {
                i++;
            }
        }
        if (ok && i < len && (t[i] == 'e' || t[i] == 'E')) {
            i++;
            i += i < len && (t[i] == '+' || t[i] == '-');
            ok = i < len && scenario_is_digit(t[i]);
            while (i < len && scenario_is_digit(t[i])) {
                i++;
            }
        }
        if (ok && i == end && i - start <= SCENARIO_NUMBER_MAX) {
            *ip = i;
            return 0;
        }
        if (ok && i == end) {
            return scenario_syntax(x, start, "a number longer than %d characters",
                                   SCENARIO_NUMBER_MAX);
        }
        return scenario_syntax(x, start,
                               "JSON syntax error: not a number, %s (text such as \"10ms\" is a "
                               "string and needs double quotes)",
                               scenario_near(x, start, near, sizeof near));
    }
    static const char *const literals[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(literals[k]);
        if (end - start == n && strncmp(t + start, literals[k], n) == 0) {
            *ip = end;
            return 0;
        }
    }
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(literals[k]), j = 0;
        while (j < n && start + j < end && (t[start + j] | 0x20) == literals[k][j]) {
            j++;
        }
        if (j == n && end - start == n) {
            return scenario_syntax(x, start,
                                   "JSON syntax error: write true, false and null in lowercase, "
                                   "%s",
                                   scenario_near(x, start, near, sizeof near));
        }
    }
    if (end == start) {
        return scenario_syntax(x, start, "JSON syntax error: unexpected character, %s",
                               scenario_near(x, start, near, sizeof near));
    }
    return scenario_syntax(x, start,
                           "JSON syntax error: text without quotes, %s (a string needs double "
                           "quotes)",
                           scenario_near(x, start, near, sizeof near));
}

enum scenario_want { WANT_VALUE, WANT_KEY, WANT_COLON, WANT_COMMA, WANT_END };

/* The grammar of RFC 8259 with an explicit stack, so no input can recurse deeply; each error
 * names the place where the fix goes. */
static int scenario_check_syntax(const struct scenario_text_ref *x)
{
    const char *t = x->t;
    char open[SCENARIO_MAX_DEPTH];
    size_t open_at[SCENARIO_MAX_DEPTH];
    size_t depth = 0, i = 0, comma = 0, value_end = 0, key_at = 0;
    enum scenario_want want = WANT_VALUE;
    bool first = false;       /* just after '[' or '{' */
    bool after_comma = false; /* just after ',' */
    char near[64];
    unsigned long line, col;
    for (;;) {
        while (i < x->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) {
            i++;
        }
        if (i >= x->len) {
            break;
        }
        char ch = t[i];
        if (ch == '/' && i + 1 < x->len && (t[i + 1] == '/' || t[i + 1] == '*')) {
            return scenario_syntax(x, i, "JSON syntax error: comments are not allowed in JSON");
        }
        if (want == WANT_END) {
            return scenario_syntax(x, i,
                                   "JSON syntax error: unexpected text after the end of the JSON "
                                   "value, %s",
                                   scenario_near(x, i, near, sizeof near));
        }
        if (want == WANT_COLON) {
            if (ch != ':') {
                char key[80] = "";
                scenario_ascii(t + key_at + 1, value_end - key_at - 2, 40, true, true, key,
                               sizeof key);
                return scenario_syntax(x, i,
                                       "JSON syntax error: expected ':' after the key \"%s\", %s",
                                       key, scenario_near(x, i, near, sizeof near));
            }
            i++;
            want = WANT_VALUE;
            first = false;
            continue;
        }
        bool closer = ch == '}' || ch == ']';
        if (closer && depth > 0 && (want == WANT_COMMA || first)) {
            char need = open[depth - 1] == '{' ? '}' : ']';
            if (ch != need) {
                scenario_locate(t, open_at[depth - 1], &line, &col);
                return scenario_syntax(x, i,
                                       "JSON syntax error: '%c' cannot close the %s opened at "
                                       "%lu:%lu (is a '%c' missing before it?)",
                                       ch, scenario_kind(open[depth - 1]), line, col, need);
            }
            i++;
            value_end = i;
            want = --depth == 0 ? WANT_END : WANT_COMMA;
            first = false;
            continue;
        }
        if (closer && after_comma) {
            return scenario_syntax(x, comma,
                                   "JSON syntax error: a ',' before '%c' (JSON allows no comma "
                                   "after the last item)",
                                   ch);
        }
        if (want == WANT_COMMA) {
            if (ch == ',') {
                comma = i++;
                after_comma = true;
                want = open[depth - 1] == '{' ? WANT_KEY : WANT_VALUE;
                continue;
            }
            char need = open[depth - 1] == '{' ? '}' : ']';
            if (ch == '"' || ch == '{' || ch == '[' || ch == '\'' || scenario_is_word(ch)) {
                return scenario_syntax(x, value_end,
                                       "JSON syntax error: expected ',' or '%c' after this value, "
                                       "before %s (is a comma missing?)",
                                       need, scenario_near(x, i, near, sizeof near) + 5);
            }
            return scenario_syntax(x, i, "JSON syntax error: expected ',' or '%c', %s", need,
                                   scenario_near(x, i, near, sizeof near));
        }
        after_comma = false;
        if (ch == '\'') {
            return scenario_syntax(x, i,
                                   "JSON syntax error: single quotes, %s (JSON strings need "
                                   "double quotes)",
                                   scenario_near(x, i, near, sizeof near));
        }
        if (want == WANT_KEY) {
            if (ch != '"') {
                return scenario_syntax(x, i,
                                       "JSON syntax error: expected a key in double quotes, %s",
                                       scenario_near(x, i, near, sizeof near));
            }
            key_at = i;
            if (scenario_scan_string(x, &i) < 0) {
                return -1;
            }
            value_end = i;
            want = WANT_COLON;
            continue;
        }
        /* want == WANT_VALUE */
        if (ch == '{' || ch == '[') {
            if (depth == SCENARIO_MAX_DEPTH) {
                return scenario_syntax(x, i,
                                       "nested too deeply: more than %d levels of arrays and "
                                       "objects",
                                       SCENARIO_MAX_DEPTH);
            }
            open[depth] = ch;
            open_at[depth++] = i++;
            want = ch == '{' ? WANT_KEY : WANT_VALUE;
            first = true;
            continue;
        }
        if (closer || ch == ',' || ch == ':') {
            return scenario_syntax(x, i, "JSON syntax error: expected a value before '%c'", ch);
        }
        if (ch == '"' ? scenario_scan_string(x, &i) : scenario_scan_bare(x, &i)) {
            return -1;
        }
        value_end = i;
        want = depth == 0 ? WANT_END : WANT_COMMA;
        first = false;
    }
    if (depth > 0) {
        scenario_locate(t, open_at[depth - 1], &line, &col);
        return scenario_syntax(x, x->len,
                               "JSON syntax error: the file ends inside the %s opened at %lu:%lu "
                               "(is a '%c' missing?)",
                               scenario_kind(open[depth - 1]), line, col,
                               open[depth - 1] == '{' ? '}' : ']');
    }
    if (want != WANT_END) {
        return scenario_syntax(x, x->len, "the file holds no JSON value, only white space");
    }
    return 0;
}

cJSON *scenario_json_parse(struct scenario_ctx *c, const char *text, size_t len)
{
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3; /* a byte order mark, as some Windows editors write */
        len -= 3;
    }
    struct scenario_text_ref x = {c, text, len};
    size_t bad = scenario_utf8_check((const unsigned char *)text, len);
    if (bad < len) {
        if (text[bad] == '\0') {
            scenario_syntax(&x, bad, "a NUL byte: this is not UTF-8 text (a binary file?)");
        } else if (memchr(text, '\0', len)) {
            scenario_syntax(&x, bad,
                            "invalid UTF-8 (byte 0x%02x): this is not UTF-8 text (it holds NUL "
                            "bytes too: a binary file?)",
                            (unsigned char)text[bad]);
        } else {
            scenario_syntax(&x, bad,
                            "invalid UTF-8 (byte 0x%02x): this is not UTF-8 text (save the file "
                            "as UTF-8, not Shift_JIS or Latin-1)",
                            (unsigned char)text[bad]);
        }
        return NULL;
    }
    if (scenario_check_syntax(&x) < 0) {
        return NULL;
    }
    char *copy = malloc(len + 1); /* cJSON reads up to a NUL; give it one */
    if (!copy) {
        snprintf(c->err, c->errlen, "%s: error: out of memory", c->name);
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
    size_t pos = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
    while (root && pos < len && strchr(" \t\r\n", copy[pos])) {
        pos++;
    }
    if (!root || pos < len) {
        /* The syntax check above should have caught it; cJSON's word is the last one. */
        char near[64];
        scenario_syntax(&x, pos, "JSON syntax error %s", scenario_near(&x, pos, near, sizeof near));
        cJSON_Delete(root);
        root = NULL;
    }
    free(copy);
    return root;
}
