/* scenario_json: the text checks that come before cJSON (UTF-8, a full syntax check that names
 * the line and column and says what is wrong, nesting), then the tree walk's helpers: the JSON
 * path, messages, typed getters, a name table and the value forms (duration, time, IPv4). */
#include "scenario_json.h"

#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest number the syntax check lets through (cJSON reads numbers through a 64-byte copy). */
#define SCENARIO_NUMBER_MAX 40
/* Characters of the text shown after "near". */
#define SCENARIO_EXCERPT 24

/* Replaces the end of a truncated snprintf result with "...". */
static void scenario_ellipsis(char *buf, size_t n, int wrote)
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
static bool scenario_ascii(const char *s, size_t len, size_t maxchars, bool one_line,
                           bool quoted, char *buf, size_t n)
{
    size_t used = strlen(buf), chars = 0, i = 0;
    while (i < len) {
        if (one_line && (s[i] == '\n' || s[i] == '\r')) {
            return false;
        }
        if (chars == maxchars) {
            return true;
        }
        const unsigned char *u = (const unsigned char *)s + i;
        char piece[32];
        size_t step = 1;
        unsigned long cp = u[0];
        bool broken = u[0] >= 0x80;
        if (u[0] >= 0xc0 && u[0] < 0xf8) {
            size_t more = u[0] >= 0xf0 ? 3 : u[0] >= 0xe0 ? 2 : 1;
            cp = u[0] & (0x3f >> more);
            for (size_t k = 1; k <= more && i + k < len && (u[k] & 0xc0) == 0x80; k++) {
                cp = (cp << 6) | (u[k] & 0x3f);
                step = k + 1;
            }
            broken = step != more + 1;
            step = broken ? 1 : step;
        }
        if (broken) {
            snprintf(piece, sizeof piece, "\\x%02x", u[0]);
        } else if (cp == '\n') {
            snprintf(piece, sizeof piece, "\\n");
        } else if (cp == '\t') {
            snprintf(piece, sizeof piece, "\\t");
        } else if (quoted && (cp == '"' || cp == '\\')) {
            snprintf(piece, sizeof piece, "\\%c", (char)cp);
        } else if (cp < 0x20 || cp == 0x7f) {
            snprintf(piece, sizeof piece, "\\u%04lx", cp);
        } else if (cp < 0x80) {
            piece[0] = (char)cp;
            piece[1] = '\0';
        } else if (cp < 0x10000) {
            snprintf(piece, sizeof piece, "\\u%04lx", cp);
        } else {
            cp -= 0x10000;
            snprintf(piece, sizeof piece, "\\u%04lx\\u%04lx", 0xd800 + (cp >> 10),
                     0xdc00 + (cp & 0x3ff));
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
        } else if (((unsigned char)t[i] & 0xc0) != 0x80) {
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
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    scenario_ellipsis(msg, sizeof msg, w);
    unsigned long line, col;
    scenario_locate(x->t, pos, &line, &col);
    w = snprintf(x->c->err, x->c->errlen, "%s:%lu:%lu: error: %s", x->c->name, line, col, msg);
    scenario_ellipsis(x->c->err, x->c->errlen, w);
    return -1;
}

/* "near 'text'" for the text at pos, or "at the end of the file". */
static const char *scenario_near(const struct scenario_text_ref *x, size_t pos, char *buf,
                                 size_t n)
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
    while (i < len) {
        unsigned char b = s[i];
        if (b == 0) {
            return i;
        }
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t more;
        unsigned long cp, min;
        if (b >= 0xc2 && b <= 0xdf) {
            more = 1, cp = b & 0x1f, min = 0x80;
        } else if (b >= 0xe0 && b <= 0xef) {
            more = 2, cp = b & 0x0f, min = 0x800;
        } else if (b >= 0xf0 && b <= 0xf4) {
            more = 3, cp = b & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (len - i <= more) {
            return i;
        }
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return i;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return i;
        }
        i += more + 1;
    }
    return len;
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
            return scenario_syntax(x, i, "JSON syntax error: \\u%04X is half of a surrogate pair "
                                         "without its first half", v);
        }
        if (v >= 0xd800 && v <= 0xdbff) {
            if (x->len - i < 12 || t[i + 6] != '\\' || t[i + 7] != 'u' ||
                scenario_hex4(t + i + 8, x->len - i - 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
                return scenario_syntax(x, i, "JSON syntax error: \\u%04X must be followed by the "
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

/* ---- The JSON path and messages ---- */

static bool scenario_is_ident(const char *s)
{
    if (!*s || scenario_is_digit(*s)) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || scenario_is_digit(*s) ||
              *s == '_' || *s == '$')) {
            return false;
        }
    }
    return true;
}

static void scenario_path_append(struct scenario_ctx *c, const char *piece)
{
    size_t room = sizeof c->path - c->pathlen;
    int w = snprintf(c->path + c->pathlen, room, "%s", piece);
    if (w < 0 || (size_t)w >= room) {
        memcpy(c->path + sizeof c->path - 4, "...", 4);
        c->pathlen = sizeof c->path - 1;
    } else {
        c->pathlen += (size_t)w;
    }
}

size_t scenario_path_key(struct scenario_ctx *c, const char *key)
{
    size_t old = c->pathlen;
    char piece[160];
    if (scenario_is_ident(key) && strlen(key) < 64) {
        snprintf(piece, sizeof piece, ".%s", key);
    } else {
        char q[140];
        snprintf(piece, sizeof piece, "[%s]", scenario_quote(key, q, sizeof q));
    }
    scenario_path_append(c, piece);
    return old;
}

size_t scenario_path_index(struct scenario_ctx *c, size_t i)
{
    size_t old = c->pathlen;
    char piece[32];
    snprintf(piece, sizeof piece, "[%zu]", i);
    scenario_path_append(c, piece);
    return old;
}

void scenario_path_pop(struct scenario_ctx *c, size_t old)
{
    c->pathlen = old;
    c->path[old] = '\0';
}

int scenario_fail(struct scenario_ctx *c, const char *key, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    scenario_ellipsis(msg, sizeof msg, w);
    size_t old = key ? scenario_path_key(c, key) : c->pathlen;
    w = snprintf(c->err, c->errlen, "%s: error: at %s: %s", c->name, c->path, msg);
    scenario_ellipsis(c->err, c->errlen, w);
    scenario_path_pop(c, old);
    return -1;
}

int scenario_fail_type(struct scenario_ctx *c, const char *key, const cJSON *item,
                       const char *what)
{
    char got[96];
    if (cJSON_IsString(item) && item->valuestring) {
        char q[80];
        snprintf(got, sizeof got, "a string %s", scenario_quote(item->valuestring, q, sizeof q));
    } else if (cJSON_IsNumber(item)) {
        snprintf(got, sizeof got, "the number %.15g", item->valuedouble);
    } else if (cJSON_IsBool(item)) {
        snprintf(got, sizeof got, "%s", cJSON_IsTrue(item) ? "true" : "false");
    } else if (cJSON_IsNull(item)) {
        snprintf(got, sizeof got, "null");
    } else if (cJSON_IsArray(item)) {
        snprintf(got, sizeof got, "an array");
    } else {
        snprintf(got, sizeof got, "an object");
    }
    return scenario_fail(c, key, "expected %s, got %s", what, got);
}

static char scenario_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Optimal string alignment distance, ignoring ASCII case, or 3 when it is surely more than
 * 2. */
static size_t scenario_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63 || (la > lb ? la - lb : lb - la) > 2) {
        return 3;
    }
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = scenario_lower(a[i - 1]) == scenario_lower(b[j - 1]) ? 0 : 1;
            size_t v = d[i - 1][j] + 1;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            v = d[i - 1][j - 1] + cost < v ? d[i - 1][j - 1] + cost : v;
            if (i > 1 && j > 1 && scenario_lower(a[i - 1]) == scenario_lower(b[j - 2]) &&
                scenario_lower(a[i - 2]) == scenario_lower(b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* Whether b is a plausible intent for a: one edit for short words, two for longer ones. */
static size_t scenario_closeness(const char *a, const char *b)
{
    size_t d = scenario_distance(a, b), lb = strlen(b);
    if (d == 0 || (d == 1 && lb >= 2) || (d == 2 && lb >= 5)) {
        return d;
    }
    return 3;
}

const char *scenario_suggest(const char *s, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = scenario_closeness(s, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

const char *scenario_unknown_key(const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        size_t k = 0;
        while (allowed[k] && strcmp(allowed[k], m->string) != 0) {
            k++;
        }
        if (!allowed[k]) {
            return m->string;
        }
    }
    return NULL;
}

int scenario_fail_unknown(struct scenario_ctx *c, const char *key, const char *const *allowed,
                          const char *what, const char *hint)
{
    char list[400] = "", q[80], mean[120] = "";
    size_t n = 0, used = 0;
    for (; allowed[n]; n++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", n ? ", " : "", allowed[n]);
        if (w < 0 || (size_t)w >= sizeof list - used) {
            scenario_ellipsis(list, sizeof list, (int)sizeof list);
            break;
        }
        used += (size_t)w;
    }
    const char *best = scenario_suggest(key, allowed, n);
    if (best) {
        snprintf(mean, sizeof mean, "; did you mean \"%s\"?", best);
    } else if (hint) {
        snprintf(mean, sizeof mean, "; %s", hint);
    }
    return scenario_fail(c, NULL, "unknown key %s%s%s%s (expected one of: %s)",
                         scenario_quote(key, q, sizeof q), what ? " " : "", what ? what : "", mean,
                         n ? list : "none");
}

int scenario_check_keys(struct scenario_ctx *c, const cJSON *obj, const char *const *allowed,
                        const char *what)
{
    if (!cJSON_IsObject(obj)) {
        return scenario_fail_type(c, NULL, obj, "an object");
    }
    const char *bad = scenario_unknown_key(obj, allowed);
    if (bad) {
        return scenario_fail_unknown(c, bad, allowed, what, NULL);
    }
    /* Allowed keys are few, so a key seen twice is found by looking back. */
    for (const cJSON *m = obj->child; m; m = m->next) {
        for (const cJSON *p = obj->child; p != m; p = p->next) {
            if (strcmp(p->string, m->string) == 0) {
                return scenario_fail(c, m->string, "the key appears twice in one object");
            }
        }
    }
    return 0;
}

/* ---- Getters ---- */

static const cJSON *scenario_member(struct scenario_ctx *c, const cJSON *obj, const char *key,
                                    int flags, int *rc)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *rc = 0;
    if (!it && (flags & SCENARIO_REQUIRED)) {
        *rc = scenario_fail(c, NULL, "missing required key \"%s\"", key);
    }
    return it;
}

int scenario_get_string(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                        scenario_valid_fn valid, const char *what, char **out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    if (!cJSON_IsString(it) || !it->valuestring) {
        return scenario_fail_type(c, key, it, what ? what : "a string");
    }
    if ((flags & SCENARIO_NONEMPTY) && !it->valuestring[0]) {
        return scenario_fail(c, key, "expected %s, got an empty string",
                             what ? what : "a non-empty string");
    }
    if (valid && !valid(it->valuestring)) {
        return scenario_fail_type(c, key, it, what);
    }
    free(*out);
    *out = strdup(it->valuestring);
    return *out ? 0 : scenario_fail(c, key, "out of memory");
}

int scenario_get_int(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                     int64_t min, int64_t max, int64_t *out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    double d = it->valuedouble;
    if (cJSON_IsNumber(it) && d >= (double)min && d <= (double)max && (double)(int64_t)d == d) {
        *out = (int64_t)d;
        return 0;
    }
    char what[80];
    if (min == 0 && max == SCENARIO_INT_MAX) {
        snprintf(what, sizeof what, "a non-negative integer");
    } else if (max == SCENARIO_INT_MAX) {
        snprintf(what, sizeof what, "an integer >= %lld", (long long)min);
    } else {
        snprintf(what, sizeof what, "an integer from %lld to %lld", (long long)min, (long long)max);
    }
    return scenario_fail_type(c, key, it, what);
}

int scenario_get_bool(struct scenario_ctx *c, const cJSON *obj, const char *key, bool *out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, SCENARIO_OPTIONAL, &rc);
    if (!it) {
        return rc;
    }
    if (!cJSON_IsBool(it)) {
        return scenario_fail_type(c, key, it, "true or false");
    }
    *out = cJSON_IsTrue(it);
    return 0;
}

int scenario_get_duration(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                          uint64_t *out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    static const char what[] =
        "a duration such as \"250us\", \"1500ms\", \"2s\", \"5m\" or \"1h\"";
    if (cJSON_IsString(it) && it->valuestring) {
        return scenario_parse_duration(it->valuestring, out) == 0
                   ? 0
                   : scenario_fail_type(c, key, it, what);
    }
    double d = it->valuedouble; /* a number: microseconds */
    if (cJSON_IsNumber(it) && d >= 0 && d <= (double)SCENARIO_INT_MAX &&
        (double)(uint64_t)d == d) {
        *out = (uint64_t)d;
        return 0;
    }
    return scenario_fail_type(c, key, it, what);
}

int scenario_get_list(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                      bool want_object, const cJSON **out, size_t *n)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    *out = NULL;
    if (n) {
        *n = 0;
    }
    if (!it) {
        return rc;
    }
    if (want_object ? !cJSON_IsObject(it) : !cJSON_IsArray(it)) {
        return scenario_fail_type(c, key, it, want_object ? "an object" : "an array");
    }
    size_t count = 0;
    for (const cJSON *e = it->child; e; e = e->next) {
        if (++count > SCENARIO_MAX_ITEMS) {
            return scenario_fail(c, key, "too many entries (more than %d)", SCENARIO_MAX_ITEMS);
        }
    }
    if (count == 0 && (flags & SCENARIO_NONEMPTY)) {
        return scenario_fail(c, key, "expected a non-empty %s", want_object ? "object" : "array");
    }
    *out = it;
    if (n) {
        *n = count;
    }
    return 0;
}

int scenario_get_strings(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                         scenario_valid_fn valid, const char *what, char ***out, size_t *n)
{
    const cJSON *arr;
    size_t count;
    if (scenario_get_list(c, obj, key, flags, false, &arr, &count) < 0) {
        return -1;
    }
    if (!arr) {
        return 0;
    }
    *out = calloc(count ? count : 1, sizeof **out);
    if (!*out) {
        return scenario_fail(c, key, "out of memory");
    }
    *n = count;
    size_t old = scenario_path_key(c, key), i = 0;
    int rc = 0;
    for (const cJSON *e = arr->child; e && rc == 0; e = e->next, i++) {
        size_t at = scenario_path_index(c, i);
        if (!cJSON_IsString(e) || !e->valuestring) {
            rc = scenario_fail_type(c, NULL, e, what ? what : "a string");
        } else if (!e->valuestring[0] || (valid && !valid(e->valuestring))) {
            rc = scenario_fail_type(c, NULL, e, what ? what : "a non-empty string");
        } else if (!((*out)[i] = strdup(e->valuestring))) {
            rc = scenario_fail(c, NULL, "out of memory");
        }
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    return rc;
}

int scenario_get_text(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                      char **ja, char **en)
{
    static const char *const keys[] = {"ja", "en", NULL};
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    if (!cJSON_IsObject(it)) {
        return scenario_fail_type(c, key, it,
                                  "an object with a Japanese and an English text "
                                  "{\"ja\": \"...\", \"en\": \"...\"}");
    }
    size_t old = scenario_path_key(c, key);
    rc = scenario_check_keys(c, it, keys, NULL);
    if (rc == 0) {
        rc = scenario_get_string(c, it, "ja", SCENARIO_REQUIRED, NULL, NULL, ja);
    }
    if (rc == 0) {
        rc = scenario_get_string(c, it, "en", SCENARIO_REQUIRED, NULL, NULL, en);
    }
    scenario_path_pop(c, old);
    return rc;
}

/* ---- The name table: open addressing over borrowed strings ---- */

static size_t scenario_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return (size_t)h;
}

int scenario_names_init(struct scenario_names *t, size_t n)
{
    t->cap = 16;
    while (t->cap < 2 * n + 2) {
        t->cap *= 2;
    }
    t->key = calloc(t->cap, sizeof *t->key);
    t->val = calloc(t->cap, sizeof *t->val);
    if (!t->key || !t->val) {
        scenario_names_free(t);
        return -1;
    }
    return 0;
}

void scenario_names_free(struct scenario_names *t)
{
    free(t->key);
    free(t->val);
    t->key = NULL;
    t->val = NULL;
    t->cap = 0;
}

static size_t scenario_names_slot(const struct scenario_names *t, const char *key)
{
    size_t i = scenario_hash(key) & (t->cap - 1);
    while (t->key[i] && strcmp(t->key[i], key) != 0) {
        i = (i + 1) & (t->cap - 1);
    }
    return i;
}

int scenario_names_add(struct scenario_names *t, const char *key, size_t val, size_t *old)
{
    if (!t->key) {
        return -1;
    }
    size_t i = scenario_names_slot(t, key);
    if (t->key[i]) {
        *old = t->val[i];
        return 0;
    }
    t->key[i] = key;
    t->val[i] = val;
    return 1;
}

bool scenario_names_find(const struct scenario_names *t, const char *key, size_t *val)
{
    if (!t->key || !key) {
        return false;
    }
    size_t i = scenario_names_slot(t, key);
    if (t->key[i] && val) {
        *val = t->val[i];
    }
    return t->key[i] != NULL;
}

const char *scenario_names_suggest(const struct scenario_names *t, const char *s)
{
    const char *best = NULL;
    size_t bestd = 3;
    for (size_t i = 0; i < t->cap; i++) {
        size_t d = t->key[i] ? scenario_closeness(s, t->key[i]) : 3;
        if (d < bestd || (d == bestd && best && strcmp(t->key[i], best) < 0)) {
            bestd = d;
            best = t->key[i];
        }
    }
    return best;
}

/* ---- Value forms ---- */

int scenario_parse_duration(const char *s, uint64_t *us)
{
    static const struct {
        const char *unit;
        uint64_t us;
    } units[] = {{"", 1}, {"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000},
                 {"h", 3600000000ull}};
    if (!s || !us || !scenario_is_digit(*s)) {
        return -1;
    }
    uint64_t n = 0;
    for (; scenario_is_digit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10) {
            return -1;
        }
        n = n * 10 + d;
    }
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        if (strcmp(s, units[k].unit) == 0) {
            if (n > UINT64_MAX / units[k].us) {
                return -1;
            }
            *us = n * units[k].us;
            return 0;
        }
    }
    return -1;
}

/* Reads 1 to maxdigits decimal digits (no leading zero unless alone) up to max. */
static bool scenario_decimal(const char **p, int maxdigits, unsigned max, unsigned *v)
{
    const char *s = *p;
    unsigned n = 0;
    int k = 0;
    for (; k < maxdigits && scenario_is_digit(s[k]); k++) {
        n = n * 10 + (unsigned)(s[k] - '0');
    }
    if (k == 0 || scenario_is_digit(s[k]) || (k > 1 && s[0] == '0') || n > max) {
        return false;
    }
    *p = s + k;
    *v = n;
    return true;
}

static bool scenario_ipv4_prefix(const char **p)
{
    unsigned v;
    for (int k = 0; k < 4; k++) {
        if ((k > 0 && *(*p)++ != '.') || !scenario_decimal(p, 3, 255, &v)) {
            return false;
        }
    }
    return true;
}

bool scenario_is_ipv4(const char *s)
{
    return scenario_ipv4_prefix(&s) && *s == '\0';
}

bool scenario_is_cidr(const char *s)
{
    unsigned bits;
    return scenario_ipv4_prefix(&s) && *s++ == '/' && scenario_decimal(&s, 2, 32, &bits) &&
           *s == '\0';
}

bool scenario_is_domain(const char *s)
{
    size_t total = strlen(s), label = 0;
    if (total == 0 || total > 253) {
        return false;
    }
    for (size_t i = 0; i <= total; i++) {
        char ch = s[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-') {
                return false;
            }
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   scenario_is_digit(ch) || (ch == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

bool scenario_is_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || scenario_is_digit(ch) ||
              ch == '.' || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return n > 0 && n <= 64;
}

bool scenario_is_address(const char *s)
{
    const char *at = strrchr(s, '@');
    size_t n = strlen(s);
    if (!at || at == s || at[1] == '\0' || n > 254) {
        return false;
    }
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= ' ' || ch == 0x7f || ch == '<' || ch == '>') {
            return false;
        }
    }
    return true;
}

static int64_t scenario_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian
     * calendar, with no help from the C library's time zone machinery. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Exactly n digits. */
static bool scenario_fixed(const char **p, int n, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        if (!scenario_is_digit((*p)[k])) {
            return false;
        }
        *v = *v * 10 + (unsigned)((*p)[k] - '0');
    }
    *p += n;
    return true;
}

int scenario_parse_time(const char *s, int64_t *epoch, int *tz_minutes)
{
    /* RFC 3339 section 5.6: date-time = full-date "T" full-time; full-time = partial-time
     * time-offset; time-offset = "Z" / time-numoffset. Fractions of a second are not used. */
    unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!scenario_fixed(&s, 4, &y) || *s++ != '-' || !scenario_fixed(&s, 2, &mo) ||
        *s++ != '-' || !scenario_fixed(&s, 2, &d) || (*s != 'T' && *s != 't')) {
        return -1;
    }
    s++;
    if (!scenario_fixed(&s, 2, &h) || *s++ != ':' || !scenario_fixed(&s, 2, &mi) ||
        *s++ != ':' || !scenario_fixed(&s, 2, &sec)) {
        return -1;
    }
    int sign = 0;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '+' ? 1 : -1;
        if (!scenario_fixed(&s, 2, &oh) || *s++ != ':' || !scenario_fixed(&s, 2, &om) ||
            oh > 23 || om > 59) {
            return -1;
        }
    } else {
        return -1;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] + (mo == 2 && leap ? 1u : 0u) || h > 23 || mi > 59 || sec > 59) {
        return -1;
    }
    int offset = sign * (int)(oh * 60 + om);
    *epoch = scenario_days_from_civil(y, mo, d) * 86400 + (int64_t)(h * 3600 + mi * 60 + sec) -
             (int64_t)offset * 60;
    *tz_minutes = offset;
    return 0;
}
