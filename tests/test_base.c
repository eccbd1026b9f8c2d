/* test_base: the base library on its own — the UTF-8 decoder (every form it accepts, every
 * class it rejects) and the string map with its hash. Linked with mailsim_base alone, so it
 * also shows that base needs nothing but libc. */
#include "buf.h"
#include "harness.h"
#include "strmap.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- utf8_decode ---- */

struct utf8_case {
    const char *what;
    const char *bytes;
    size_t n;    /* octets offered */
    size_t want; /* length decoded, 0: rejected */
    uint32_t cp; /* the code point when accepted */
};

static const struct utf8_case utf8_cases[] = {
    /* The four lengths, at both ends of each (RFC 3629 §3's table). */
    {"1 octet: U+0000", "\x00", 1, 1, 0x0},
    {"1 octet: 'A'", "A", 1, 1, 0x41},
    {"1 octet: U+007F", "\x7f", 1, 1, 0x7f},
    {"2 octets: U+0080", "\xc2\x80", 2, 2, 0x80},
    {"2 octets: U+00E9", "\xc3\xa9", 2, 2, 0xe9},
    {"2 octets: U+07FF", "\xdf\xbf", 2, 2, 0x7ff},
    {"3 octets: U+0800", "\xe0\xa0\x80", 3, 3, 0x800},
    {"3 octets: U+4F1A", "\xe4\xbc\x9a", 3, 3, 0x4f1a},
    {"3 octets: U+D7FF, below the surrogates", "\xed\x9f\xbf", 3, 3, 0xd7ff},
    {"3 octets: U+E000, above the surrogates", "\xee\x80\x80", 3, 3, 0xe000},
    {"3 octets: U+FFFF", "\xef\xbf\xbf", 3, 3, 0xffff},
    {"4 octets: U+10000", "\xf0\x90\x80\x80", 4, 4, 0x10000},
    {"4 octets: U+1F4E7", "\xf0\x9f\x93\xa7", 4, 4, 0x1f4e7},
    {"4 octets: U+10FFFF", "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
    /* Only the first code point is decoded; what follows is not read. */
    {"followed by more text", "\xe4\xbc\x9a\xe8\xad\xb0", 6, 3, 0x4f1a},
    {"followed by a broken octet", "A\xff", 2, 1, 0x41},
    /* Empty and truncated. */
    {"nothing", "", 0, 0, 0},
    {"2 octets cut by n", "\xc3\xa9", 1, 0, 0},
    {"3 octets cut by n after 2", "\xe4\xbc\x9a", 2, 0, 0},
    {"4 octets cut by n after 3", "\xf0\x9f\x93\xa7", 3, 0, 0},
    {"4 octets cut by a NUL", "\xf0\x9f\x00\xa7", 4, 0, 0},
    {"a lead followed by 'A'", "\xe4\x41", 2, 0, 0},
    /* Octets that never start a sequence. */
    {"a lone continuation 80", "\x80", 1, 0, 0},
    {"a lone continuation BF", "\xbf", 1, 0, 0},
    {"C0, only overlong", "\xc0\x80", 2, 0, 0},
    {"C1, only overlong", "\xc1\xbf", 2, 0, 0},
    {"F5, past the code space", "\xf5\x80\x80\x80", 4, 0, 0},
    {"F8, a 5-octet lead", "\xf8\x88\x80\x80\x80", 5, 0, 0},
    {"FE", "\xfe", 1, 0, 0},
    {"FF", "\xff", 1, 0, 0},
    /* Overlong forms. */
    {"overlong '/' in 2 octets", "\xc0\xaf", 2, 0, 0},
    {"overlong U+0000 in 2 octets", "\xc0\x80", 2, 0, 0},
    {"overlong U+07FF in 3 octets", "\xe0\x9f\xbf", 3, 0, 0},
    {"overlong '/' in 3 octets", "\xe0\x80\xaf", 3, 0, 0},
    {"overlong U+FFFF in 4 octets", "\xf0\x8f\xbf\xbf", 4, 0, 0},
    /* Surrogates. */
    {"surrogate U+D800", "\xed\xa0\x80", 3, 0, 0},
    {"surrogate U+DBFF", "\xed\xaf\xbf", 3, 0, 0},
    {"surrogate U+DC00", "\xed\xb0\x80", 3, 0, 0},
    {"surrogate U+DFFF", "\xed\xbf\xbf", 3, 0, 0},
    /* Past U+10FFFF. */
    {"U+110000", "\xf4\x90\x80\x80", 4, 0, 0},
    {"U+13FFFF", "\xf4\xbf\xbf\xbf", 4, 0, 0},
    /* A continuation octet missing in the middle. */
    {"2 octets, second 'A'", "\xc3\x41", 2, 0, 0},
    {"3 octets, third a lead", "\xe4\xbc\xe4", 3, 0, 0},
    {"4 octets, fourth 'A'", "\xf0\x9f\x93\x41", 4, 0, 0},
};

static void test_utf8_decode(struct harness *h)
{
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        const struct utf8_case *c = &utf8_cases[i];
        uint32_t cp = 0x12345;
        size_t got = utf8_decode((const uint8_t *)c->bytes, c->n, &cp);
        if (!CHECK_INT(h, got, c->want) || !CHECK_INT(h, cp, c->want ? c->cp : UTF8_REPLACEMENT)) {
            fprintf(stderr, "    case: %s\n", c->what);
        }
        /* utf8_valid agrees on a lone sequence. */
        if (c->n > 0 && c->want == c->n && !CHECK(h, utf8_valid((const uint8_t *)c->bytes, c->n))) {
            fprintf(stderr, "    case: %s\n", c->what);
        }
        if (c->want == 0 && c->n > 0 && !CHECK(h, !utf8_valid((const uint8_t *)c->bytes, c->n))) {
            fprintf(stderr, "    case: %s\n", c->what);
        }
    }
}

/* Every code point round-trips through an encoder written from RFC 3629's table, and every
 * proper prefix of its sequence is rejected as truncated. */
static void test_utf8_every_code_point(struct harness *h)
{
    unsigned long bad = 0, checked = 0;
    for (uint32_t c = 0; c <= 0x10ffff; c++) {
        uint8_t b[4];
        size_t n;
        if (c < 0x80) {
            b[0] = (uint8_t)c;
            n = 1;
        } else if (c < 0x800) {
            b[0] = (uint8_t)(0xc0 | c >> 6);
            b[1] = (uint8_t)(0x80 | (c & 0x3f));
            n = 2;
        } else if (c < 0x10000) {
            b[0] = (uint8_t)(0xe0 | c >> 12);
            b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
            b[2] = (uint8_t)(0x80 | (c & 0x3f));
            n = 3;
        } else {
            b[0] = (uint8_t)(0xf0 | c >> 18);
            b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
            b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
            b[3] = (uint8_t)(0x80 | (c & 0x3f));
            n = 4;
        }
        bool surrogate = c >= 0xd800 && c <= 0xdfff;
        uint32_t cp;
        size_t got = utf8_decode(b, n, &cp);
        bad += surrogate ? got != 0 || cp != UTF8_REPLACEMENT : got != n || cp != c;
        for (size_t m = 1; m < n; m++) {
            bad += utf8_decode(b, m, &cp) != 0;
        }
        checked++;
    }
    CHECK_INT(h, checked, 0x110000);
    CHECK_INT(h, bad, 0);
}

static void test_utf8_valid(struct harness *h)
{
    static const char mixed[] = "Subject: 会議 at 10:00 📧 café, and a long ASCII tail past 8";
    CHECK(h, utf8_valid((const uint8_t *)mixed, strlen(mixed)));
    CHECK(h, utf8_valid((const uint8_t *)"", 0));
    /* A broken sequence after a run of ASCII longer than a word is still found. */
    CHECK(h, !utf8_valid((const uint8_t *)"0123456789abcdef\xe4\xbc", 18));
    CHECK(h, !utf8_valid((const uint8_t *)"0123456789abcdef\xed\xa0\x80xyz", 22));
    CHECK(h, utf8_has_8bit((const uint8_t *)mixed, strlen(mixed)));
    CHECK(h, !utf8_has_8bit((const uint8_t *)"plain ASCII text", 16));
    CHECK(h, utf8_is_continuation(0x80) && utf8_is_continuation(0xbf));
    CHECK(h, !utf8_is_continuation(0x7f) && !utf8_is_continuation(0xc0));
}

/* ---- strmap ---- */

static void test_strmap_hash(struct harness *h)
{
    /* FNV-1a test vectors. */
    CHECK_INT(h, strmap_hash(""), 0x811c9dc5u);
    CHECK_INT(h, strmap_hash("a"), 0xe40c292cu);
    CHECK_INT(h, strmap_hash("foobar"), 0xbf9cf968u);
    CHECK_INT(h, strmap_hash_n("foobar", 6), 0xbf9cf968u);
    CHECK_INT(h, strmap_hash_more(strmap_hash("foo"), "bar", 3), 0xbf9cf968u);
    CHECK(h, strmap_hash64_n("foobar", 6) == 0x85944171f73967e8ull);
    CHECK(h, strmap_hash64_n("", 0) == STRMAP_HASH64_BASIS);
}

static void test_strmap_basic(struct harness *h)
{
    struct strmap m = {0};
    size_t v = 99;
    CHECK(h, !strmap_get(&m, "alice", &v)); /* a zeroed map is empty */
    CHECK_INT(h, v, 99);
    CHECK_INT(h, strmap_put(&m, "alice", 1), 0);
    CHECK_INT(h, strmap_put(&m, "bob", 2), 0);
    CHECK_INT(h, strmap_count(&m), 2);
    CHECK(h, strmap_get(&m, "alice", &v) && v == 1);
    CHECK(h, strmap_get(&m, "bob", &v) && v == 2);
    CHECK(h, strmap_get(&m, "bob", NULL));
    CHECK(h, !strmap_get(&m, "carol", &v));
    CHECK(h, !strmap_get(&m, "", &v));
    CHECK(h, !strmap_get(&m, "alic", &v)); /* a prefix is another key */

    /* put replaces, and the key compared is the text, not the pointer. */
    char other[] = "alice";
    CHECK_INT(h, strmap_put(&m, other, 10), 0);
    CHECK_INT(h, strmap_count(&m), 2);
    CHECK(h, strmap_get(&m, "alice", &v) && v == 10);

    /* add keeps the first value and reports it. */
    size_t old = 0;
    CHECK_INT(h, strmap_add(&m, "bob", 20, &old), 0);
    CHECK_INT(h, old, 2);
    CHECK(h, strmap_get(&m, "bob", &v) && v == 2);
    CHECK_INT(h, strmap_add(&m, "carol", 3, &old), 1);
    CHECK_INT(h, strmap_add(&m, "carol", 4, NULL), 0);
    CHECK(h, strmap_get(&m, "carol", &v) && v == 3);
    CHECK(h, strmap_put(&m, "", 7) == 0 && strmap_get(&m, "", &v) && v == 7);
    CHECK_INT(h, strmap_count(&m), 4);

    strmap_clear(&m);
    CHECK_INT(h, strmap_count(&m), 0);
    CHECK(h, !strmap_get(&m, "alice", &v));
    CHECK_INT(h, strmap_add(&m, "alice", 5, NULL), 1);
    CHECK(h, strmap_get(&m, "alice", &v) && v == 5);
    strmap_free(&m);
    CHECK(h, m.slot == NULL && m.cap == 0 && strmap_count(&m) == 0);
    CHECK(h, !strmap_get(&m, "alice", &v));
    strmap_free(&m); /* twice is harmless */
}

/* Keys whose FNV-1a hashes are equal: the map tells them apart by their text. */
static void test_strmap_collisions(struct harness *h)
{
    static const char *const pairs[][2] = {
        {"costarring", "liquid"}, {"declinate", "macallums"}, {"altarage", "zinke"}};
    struct strmap m = {0};
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(h, strmap_hash(pairs[i][0]), strmap_hash(pairs[i][1]));
        CHECK_INT(h, strmap_add(&m, pairs[i][0], 2 * i, NULL), 1);
    }
    for (size_t i = 0; i < 3; i++) {
        size_t v = 99;
        CHECK(h, !strmap_get(&m, pairs[i][1], &v));
        CHECK_INT(h, strmap_add(&m, pairs[i][1], 2 * i + 1, NULL), 1);
    }
    for (size_t i = 0; i < 6; i++) {
        size_t v = 99;
        CHECK(h, strmap_get(&m, pairs[i / 2][i % 2], &v) && v == i);
    }
    strmap_free(&m);
}

/* Enough keys to grow the table many times; every key keeps its value across each rehash, and
 * iteration visits each key once. */
static void test_strmap_many(struct harness *h)
{
    enum { N = 20000 };
    char(*names)[16] = malloc(N * sizeof *names);
    if (!CHECK(h, names != NULL)) {
        return;
    }
    struct strmap m = {0};
    size_t lost = 0, caps = 0, last_cap = 0;
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "mail-%zu", i);
        CHECK_INT(h, strmap_put(&m, names[i], i), 0);
        if (m.cap != last_cap) {
            caps++;
            last_cap = m.cap;
            /* Just after a rehash: every key so far is still there. */
            for (size_t k = 0; k <= i; k++) {
                size_t v;
                lost += !strmap_get(&m, names[k], &v) || v != k;
            }
        }
        CHECK(h, m.cap >= 2 * strmap_count(&m)); /* never more than half full */
    }
    CHECK_INT(h, lost, 0);
    CHECK(h, caps >= 10); /* 16 slots grew to 65536 */
    CHECK_INT(h, strmap_count(&m), N);
    size_t wrong = 0;
    for (size_t i = 0; i < N; i++) {
        size_t v;
        wrong += !strmap_get(&m, names[i], &v) || v != i;
    }
    CHECK_INT(h, wrong, 0);
    CHECK(h, !strmap_get(&m, "mail-20000", NULL));
    CHECK(h, !strmap_get(&m, "mail-", NULL));

    unsigned char *seen = calloc(N, 1);
    size_t pos = 0, visits = 0, twice = 0, mismatched = 0, val;
    const char *key;
    while (seen && strmap_next(&m, &pos, &key, &val)) {
        visits++;
        twice += val < N && seen[val];
        mismatched += val >= N || key != names[val];
        if (val < N) {
            seen[val] = 1;
        }
    }
    CHECK(h, seen != NULL);
    CHECK_INT(h, visits, N);
    CHECK_INT(h, twice, 0);
    CHECK_INT(h, mismatched, 0);
    free(seen);
    strmap_free(&m);
    free(names);
}

static void test_strmap_reserve(struct harness *h)
{
    struct strmap m = {0};
    CHECK_INT(h, strmap_reserve(&m, 100), 0);
    size_t cap = m.cap;
    CHECK(h, cap >= 200);
    char names[100][8];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "h%d", i);
        CHECK_INT(h, strmap_add(&m, names[i], (size_t)i, NULL), 1);
    }
    CHECK_INT(h, m.cap, cap); /* reserved room: no growth */
    CHECK_INT(h, strmap_reserve(&m, 10), 0);
    CHECK_INT(h, m.cap, cap); /* never shrinks */
    size_t v;
    CHECK(h, strmap_get(&m, "h42", &v) && v == 42);
    strmap_free(&m);
}

/* bytes_find: the first place, across NULs, at the very end, and never past the hay. */
static void test_bytes_find(struct harness *h)
{
    static const uint8_t hay[] = {'a', 'b', 0, 'a', 'b', 'c', 'a', 'b', 'c'};
    size_t n = sizeof hay;
    CHECK(h, bytes_find(hay, n, "abc", 3) == hay + 3);  /* the first of two */
    CHECK(h, bytes_find(hay, n, "b\0a", 3) == hay + 1); /* across a NUL */
    CHECK(h, bytes_find(hay, n, "cab", 3) == hay + 5);
    CHECK(h, bytes_find(hay + 6, 3, "abc", 3) == hay + 6); /* exactly the whole hay */
    CHECK(h, bytes_find(hay + 6, 2, "abc", 3) == NULL);    /* one short: not past the end */
    CHECK(h, bytes_find(hay, n, "abd", 3) == NULL);
    CHECK(h, bytes_find(hay, n, "", 0) == hay);
    CHECK(h, bytes_find(hay, 0, "a", 1) == NULL);
    static const uint8_t run[] = {'a', 'a', 'a', 'a', 'b'};
    CHECK(h, bytes_find(run, sizeof run, "aab", 3) == run + 2); /* first-byte candidates retried */
}

static const struct harness_test test_base_tests[] = {
    HARNESS_TEST(test_utf8_decode),  HARNESS_TEST(test_utf8_every_code_point),
    HARNESS_TEST(test_utf8_valid),   HARNESS_TEST(test_strmap_hash),
    HARNESS_TEST(test_strmap_basic), HARNESS_TEST(test_strmap_collisions),
    HARNESS_TEST(test_strmap_many),  HARNESS_TEST(test_strmap_reserve),
    HARNESS_TEST(test_bytes_find),
};

int main(int argc, char **argv)
{
    return HARNESS_MAIN("test_base", test_base_tests, argc, argv);
}
