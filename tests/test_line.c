/* test_line: the line reader and base64, table-driven; every case fed whole and byte by byte. */
#include "base64.h"
#include "harness.h"
#include "line.h"

#include <stdlib.h>
#include <string.h>

struct line_case {
    const char *name;
    const char *input;
    size_t max;
    enum line_end end;
    int want_lines;         /* complete lines expected */
    const char *want_first; /* text of the first line */
    unsigned want_flags;    /* flags of the first line */
};

static const struct line_case line_cases[] = {
    {"crlf", "HELO x\r\n", 512, LINE_END_LF, 1, "HELO x", 0},
    {"bare lf", "HELO x\n", 512, LINE_END_LF, 1, "HELO x", LINE_BARE_LF},
    {"two lines", "A\r\nB\r\n", 512, LINE_END_LF, 2, "A", 0},
    {"partial", "NOOP", 512, LINE_END_LF, 0, NULL, 0},
    {"empty line", "\r\n", 512, LINE_END_LF, 1, "", 0},
    {"exactly max", "123456\r\n", 8, LINE_END_LF, 1, "123456", 0},
    {"one past max", "1234567\r\n", 8, LINE_END_LF, 1, "123456", LINE_TOO_LONG},
    {"nul inside", "NO\0OP\r\n", 512, LINE_END_LF, 1, "NO", LINE_HAS_NUL},
    {"crlf mode bare lf is text", "a\nb\r\n", 1000, LINE_END_CRLF, 1, "a\nb", 0},
    {"crlf mode bare cr is text", "a\rb\r\n", 1000, LINE_END_CRLF, 1, "a\rb", 0},
    {"crlf mode lf dot lf", "\n.\n", 1000, LINE_END_CRLF, 0, NULL, 0},
    {"crlf mode cr cr lf", "x\r\r\n", 1000, LINE_END_CRLF, 1, "x\r", 0},
    {"too long keeps cr", "123456789\r\n", 8, LINE_END_LF, 1, "123456", LINE_TOO_LONG},
};

/* Feeds the input with the given chunk size and counts the lines; keeps the first line. */
static int line_run(const struct line_case *c, size_t input_len, size_t chunk, char *first,
                    unsigned *first_flags)
{
    struct line_reader r;
    if (line_reader_init(&r, c->max, c->end) != 0) {
        abort();
    }
    int lines = 0;
    size_t off = 0;
    while (off < input_len) {
        size_t n = input_len - off < chunk ? input_len - off : chunk;
        size_t used = 0;
        struct line l;
        while (n > 0) {
            int rc = line_reader_feed(&r, (const uint8_t *)c->input + off, n, &used, &l);
            off += used;
            n -= used;
            if (rc == 1) {
                if (lines == 0) {
                    memcpy(first, l.text, l.len + 1);
                    *first_flags = l.flags;
                }
                lines++;
            }
        }
    }
    line_reader_free(&r);
    return lines;
}

static void test_lines(struct harness *h)
{
    for (size_t i = 0; i < sizeof line_cases / sizeof line_cases[0]; i++) {
        const struct line_case *c = &line_cases[i];
        /* The NUL case has an embedded NUL: its length is that of the literal. */
        size_t len = strcmp(c->name, "nul inside") == 0 ? 7 : strlen(c->input);
        for (size_t chunk = 1; chunk <= len; chunk = chunk == 1 ? len : len + 1) {
            char first[1024] = "";
            unsigned flags = 0;
            int lines = line_run(c, len, chunk, first, &flags);
            if (!CHECK_INT(h, lines, c->want_lines)) {
                fprintf(stderr, "    case %s, chunk %zu\n", c->name, chunk);
            }
            if (c->want_first) {
                CHECK_STR(h, first, c->want_first);
                CHECK_INT(h, flags, c->want_flags);
            }
        }
    }
}

/* Split mode (the DATA reader): a long line comes in pieces of max - 2 octets, each but the last
 * flagged LINE_PARTIAL, nothing lost; a CR at a piece's edge is held for the next piece. The
 * pieces are joined with '|' for the comparison, the last one's flags checked. */
static const struct {
    const char *name, *input, *want;
} split_cases[] = {
    {"short line", "abc\r\n", "abc"},
    {"exactly the piece size", "abcdef\r\n", "abcdef"},
    {"one piece and a bit", "abcdefg\r\n", "abcdef|g"},
    {"three pieces", "abcdefghijklmnopq\r\n", "abcdef|ghijkl|mnopq"},
    {"CR at the edge, then text", "abcdef\rgh\r\n", "abcdef|\rgh"},
    {"CR at the edge, then the LF", "abcdef\r\n", "abcdef"},
    {"bare LF is text", "abc\ndefgh\r\n", "abc\nde|fgh"},
    {"two lines", "abcdefgh\r\nxy\r\n", "abcdef|gh"},
};

static void test_split(struct harness *h)
{
    for (size_t i = 0; i < sizeof split_cases / sizeof split_cases[0]; i++) {
        size_t len = strlen(split_cases[i].input);
        for (size_t chunk = len; chunk > 0; chunk = chunk == 1 ? 0 : 1) {
            struct line_reader r;
            if (line_reader_init(&r, 8, LINE_END_CRLF) != 0) {
                abort();
            }
            line_reader_set_split(&r, true);
            char got[256] = "";
            bool ended = false;
            unsigned last = 0;
            for (size_t off = 0; off < len && !ended;) {
                size_t n = len - off < chunk ? len - off : chunk;
                size_t used = 0;
                struct line l;
                int rc =
                    line_reader_feed(&r, (const uint8_t *)split_cases[i].input + off, n, &used, &l);
                off += used;
                if (rc == 1) {
                    size_t g = strlen(got);
                    snprintf(got + g, sizeof got - g, "%s%.*s", g ? "|" : "", (int)l.len, l.text);
                    last = l.flags;
                    ended = !(l.flags & LINE_PARTIAL);
                }
            }
            line_reader_free(&r);
            bool ok = CHECK_STR(h, got, split_cases[i].want);
            ok &= CHECK(h, ended && !(last & (LINE_PARTIAL | LINE_TOO_LONG)));
            if (!ok) {
                fprintf(stderr, "    split case %s, chunk %zu\n", split_cases[i].name, chunk);
            }
        }
    }
}

struct b64_case {
    const char *encoded;
    const char *decoded; /* NULL: must be rejected */
    size_t decoded_len;
};

static const struct b64_case b64_cases[] = {
    {"", "", 0},
    {"Zg==", "f", 1},
    {"Zm8=", "fo", 2},
    {"Zm9v", "foo", 3},
    {"Zm9vYmFy", "foobar", 6},
    {"AGFsaWNlAHNlY3JldA==", "\0alice\0secret", 13},
    {"Zm9", NULL, 0},      /* not a multiple of four */
    {"Zm9v!A==", NULL, 0}, /* outside the alphabet */
    {"Zg=a", NULL, 0},     /* data after padding */
    {"Z===", NULL, 0},     /* three pad characters */
    {"Zh==", NULL, 0},     /* non-zero trailing bits */
    {"Zm9v\r\n", NULL, 0}, /* whitespace */
    {"=Zm9", NULL, 0},     /* padding first */
    {"Zg==Zg==", NULL, 0}, /* padding in the middle */
};

static void test_base64(struct harness *h)
{
    for (size_t i = 0; i < sizeof b64_cases / sizeof b64_cases[0]; i++) {
        const struct b64_case *c = &b64_cases[i];
        uint8_t out[64];
        long n = base64_decode(c->encoded, strlen(c->encoded), out, sizeof out);
        if (!c->decoded) {
            if (!CHECK_INT(h, n, -1)) {
                fprintf(stderr, "    accepted bad base64 \"%s\"\n", c->encoded);
            }
            continue;
        }
        CHECK_INT(h, n, (long)c->decoded_len);
        CHECK(h, n >= 0 && memcmp(out, c->decoded, c->decoded_len) == 0);
        char enc[64];
        size_t m = base64_encode((const uint8_t *)c->decoded, c->decoded_len, enc);
        CHECK_INT(h, m, strlen(c->encoded));
        CHECK_STR(h, enc, c->encoded);
    }
    uint8_t small[2];
    CHECK_INT(h, base64_decode("Zm9v", 4, small, sizeof small), -1);
}

int main(void)
{
    struct harness h = {"test_line", 0, 0};
    test_lines(&h);
    test_split(&h);
    test_base64(&h);
    return harness_finish(&h);
}
