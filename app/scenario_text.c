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
/* Room for "near '...'" with its excerpt and a hint about a full-width character. */
#define SCENARIO_NEAR_MAX 320

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

/* "NAME:LINE:COL: error: MESSAGE", the message id's text in the parse's language with the
 * arguments it takes. Returns -1. */
static int scenario_syntax(const struct scenario_text_ref *x, size_t pos, enum msg_id id, ...)
{
    unsigned long line, col;
    scenario_locate(x->t, pos, &line, &col);
    char loc[48];
    snprintf(loc, sizeof loc, ":%lu:%lu", line, col);
    va_list ap;
    va_start(ap, id);
    scenario_verror(x->c, loc, NULL, scenario_msg(x->c, id), ap);
    va_end(ap);
    return -1;
}

/* The text at pos as "'text'" (ASCII, one line, cut with "..."); pos is inside the text. */
static const char *scenario_excerpt(const struct scenario_text_ref *x, size_t pos, char *buf,
                                    size_t n)
{
    snprintf(buf, n, "'");
    bool cut = scenario_ascii(x->t + pos, x->len - pos, SCENARIO_EXCERPT, true, false, buf, n - 5);
    size_t used = strlen(buf);
    memcpy(buf + used, cut ? "...'" : "'", cut ? 5 : 2);
    return buf;
}

/* What a Japanese keyboard in full-width mode types where JSON wants an ASCII character: that
 * character, or 0. */
static char scenario_half_width(uint32_t cp)
{
    if (cp >= 0xff01 && cp <= 0xff5e) {
        return (char)(cp - 0xfee0); /* U+FF01 to U+FF5E: the full-width forms of '!' to '~' */
    }
    switch (cp) {
    case 0x3000: /* ideographic space */
        return ' ';
    case 0x3001: /* 、 */
        return ',';
    case 0x2018: /* ‘ ’ “ ”: JSON quotes with '"' only */
    case 0x2019:
    case 0x201c:
    case 0x201d:
        return '"';
    default:
        return 0;
    }
}

/* Appends to buf, when the character at pos is full-width, its name and what to type instead. */
static void scenario_wide_hint(const struct scenario_text_ref *x, size_t pos, char *buf, size_t n)
{
    uint32_t cp;
    size_t step = utf8_decode((const uint8_t *)x->t + pos, x->len - pos, &cp);
    char half = step ? scenario_half_width(cp) : 0;
    if (!half) {
        return;
    }
    char shown[8];
    snprintf(shown, sizeof shown, "%.*s", (int)step, x->t + pos);
    size_t used = strlen(buf);
    int w;
    if (cp == 0x3000) {
        w = snprintf(buf + used, n - used, "%s", scenario_msg(x->c, MSG_WIDE_SPACE));
    } else if (half == '"' && cp != 0xff02) {
        w = snprintf(buf + used, n - used, scenario_msg(x->c, MSG_WIDE_QUOTE), shown,
                     (unsigned long)cp);
    } else {
        w = snprintf(buf + used, n - used, scenario_msg(x->c, MSG_WIDE_CHAR), shown,
                     (unsigned long)cp, half);
    }
    scenario_ellipsis(buf + used, n - used, w);
}

/* "near 'text'" for the text at pos (with a hint when it starts with a full-width character),
 * or "at the end of the file". buf holds SCENARIO_NEAR_MAX bytes. */
static const char *scenario_near(const struct scenario_text_ref *x, size_t pos, char *buf)
{
    if (pos >= x->len) {
        snprintf(buf, SCENARIO_NEAR_MAX, "%s", scenario_msg(x->c, MSG_AT_END));
        return buf;
    }
    char excerpt[64];
    snprintf(buf, SCENARIO_NEAR_MAX, scenario_msg(x->c, MSG_NEAR),
             scenario_excerpt(x, pos, excerpt, sizeof excerpt));
    scenario_wide_hint(x, pos, buf, SCENARIO_NEAR_MAX);
    return buf;
}

static const char *scenario_kind(const struct scenario_text_ref *x, char open)
{
    return scenario_msg(x->c, open == '{' ? MSG_OBJECT : MSG_ARRAY);
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
    char near[SCENARIO_NEAR_MAX];
    for (;;) {
        if (i >= x->len) {
            return scenario_syntax(x, start, MSG_SYN_UNTERMINATED_EOF);
        }
        unsigned char ch = (unsigned char)t[i];
        if (ch == '"') {
            *ip = i + 1;
            return 0;
        }
        if (ch == '\n' || ch == '\r') {
            return scenario_syntax(x, start, MSG_SYN_UNTERMINATED_EOL);
        }
        if (ch < 0x20) {
            return scenario_syntax(x, i, MSG_SYN_CONTROL_CHAR, ch, ch);
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
            return scenario_syntax(x, i, MSG_SYN_BAD_ESCAPE, shown);
        }
        unsigned v, lo;
        if (scenario_hex4(t + i + 2, x->len - i - 2, &v) < 0) {
            return scenario_syntax(x, i, MSG_SYN_HEX4, scenario_near(x, i, near));
        }
        if (v == 0) {
            return scenario_syntax(x, i, MSG_SYN_NUL_ESCAPE);
        }
        if (v >= 0xdc00 && v <= 0xdfff) {
            return scenario_syntax(x, i, MSG_SYN_LOW_SURROGATE, v);
        }
        if (v >= 0xd800 && v <= 0xdbff) {
            if (x->len - i < 12 || t[i + 6] != '\\' || t[i + 7] != 'u' ||
                scenario_hex4(t + i + 8, x->len - i - 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
                return scenario_syntax(x, i, MSG_SYN_HIGH_SURROGATE, v);
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
    char near[SCENARIO_NEAR_MAX];
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
            return scenario_syntax(x, start, MSG_SYN_NUMBER_LONG, SCENARIO_NUMBER_MAX);
        }
        return scenario_syntax(x, start, MSG_SYN_NOT_NUMBER, scenario_near(x, start, near));
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
            return scenario_syntax(x, start, MSG_SYN_LOWERCASE, scenario_near(x, start, near));
        }
    }
    if (end == start) {
        return scenario_syntax(x, start, MSG_SYN_UNEXPECTED, scenario_near(x, start, near));
    }
    return scenario_syntax(x, start, MSG_SYN_BARE_TEXT, scenario_near(x, start, near));
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
    char near[SCENARIO_NEAR_MAX];
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
            return scenario_syntax(x, i, MSG_SYN_COMMENT);
        }
        if (want == WANT_END) {
            return scenario_syntax(x, i, MSG_SYN_AFTER_END, scenario_near(x, i, near));
        }
        if (want == WANT_COLON) {
            if (ch != ':') {
                char key[80] = "";
                scenario_ascii(t + key_at + 1, value_end - key_at - 2, 40, true, true, key,
                               sizeof key);
                return scenario_syntax(x, i, MSG_SYN_COLON, key, scenario_near(x, i, near));
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
                return scenario_syntax(x, i, MSG_SYN_BAD_CLOSE, ch,
                                       scenario_kind(x, open[depth - 1]), line, col, need);
            }
            i++;
            value_end = i;
            want = --depth == 0 ? WANT_END : WANT_COMMA;
            first = false;
            continue;
        }
        if (closer && after_comma) {
            return scenario_syntax(x, comma, MSG_SYN_TRAILING_COMMA, ch);
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
                return scenario_syntax(x, value_end, MSG_SYN_MISSING_COMMA, need,
                                       scenario_excerpt(x, i, near, sizeof near));
            }
            return scenario_syntax(x, i, MSG_SYN_COMMA_OR_CLOSE, need, scenario_near(x, i, near));
        }
        after_comma = false;
        if (ch == '\'') {
            return scenario_syntax(x, i, MSG_SYN_SINGLE_QUOTES, scenario_near(x, i, near));
        }
        if (want == WANT_KEY) {
            if (ch != '"') {
                return scenario_syntax(x, i, MSG_SYN_KEY, scenario_near(x, i, near));
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
                return scenario_syntax(x, i, MSG_SYN_TOO_DEEP, SCENARIO_MAX_DEPTH);
            }
            open[depth] = ch;
            open_at[depth++] = i++;
            want = ch == '{' ? WANT_KEY : WANT_VALUE;
            first = true;
            continue;
        }
        if (closer || ch == ',' || ch == ':') {
            return scenario_syntax(x, i, MSG_SYN_VALUE_BEFORE, ch);
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
        return scenario_syntax(x, x->len, MSG_SYN_EOF_INSIDE, scenario_kind(x, open[depth - 1]),
                               line, col, open[depth - 1] == '{' ? '}' : ']');
    }
    if (want != WANT_END) {
        return scenario_syntax(x, x->len, MSG_SYN_ONLY_SPACE);
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
            scenario_syntax(&x, bad, MSG_SYN_NUL_BYTE);
        } else {
            scenario_syntax(&x, bad,
                            memchr(text, '\0', len) ? MSG_SYN_BAD_UTF8_NUL : MSG_SYN_BAD_UTF8,
                            (unsigned char)text[bad]);
        }
        return NULL;
    }
    if (scenario_check_syntax(&x) < 0) {
        return NULL;
    }
    char *copy = malloc(len + 1); /* cJSON reads up to a NUL; give it one */
    if (!copy) {
        snprintf(c->err, c->errlen, "%s: error: %s", c->name, scenario_msg(c, MSG_OUT_OF_MEMORY));
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
        char near[SCENARIO_NEAR_MAX];
        scenario_syntax(&x, pos, MSG_SYN_CJSON, scenario_near(&x, pos, near));
        cJSON_Delete(root);
        root = NULL;
    }
    free(copy);
    return root;
}
