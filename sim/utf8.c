/* utf8: the UTF-8 decoder and validator (see utf8.h). */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* The length of the run of ASCII octets at the start of s[0..n), eight at a time. */
static size_t utf8_ascii_run(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080)) {
            break;
        }
        i += 8;
    }
    while (i < n && s[i] < 0x80) {
        i++;
    }
    return i;
}

bool utf8_has_8bit(const uint8_t *s, size_t n)
{
    return utf8_ascii_run(s, n) < n;
}

/* RFC 3629 §4:
 *   UTF8-2 = %xC2-DF UTF8-tail
 *   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *            %xF4 %x80-8F 2( UTF8-tail )
 * The narrowed ranges of the second octet after E0, ED, F0 and F4 are what exclude overlong
 * forms, surrogates and values past U+10FFFF, so no check on the decoded value is needed. */
static inline size_t utf8_decode_inline(const uint8_t *s, size_t n, uint32_t *cp)
{
    *cp = UTF8_REPLACEMENT;
    if (n == 0) {
        return 0;
    }
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    uint8_t lo = 0x80, hi = 0xbf; /* the range of the second octet */
    if (c < 0xc2) {
        return 0;
    } else if (c < 0xe0) {
        len = 2;
        v = c & 0x1fu;
    } else if (c < 0xf0) {
        len = 3;
        v = c & 0x0fu;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c < 0xf5) {
        len = 4;
        v = c & 0x07u;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if (k >= n || s[k] < lo || s[k] > hi) {
            return 0;
        }
        v = v << 6 | (s[k] & 0x3fu);
        lo = 0x80;
        hi = 0xbf;
    }
    *cp = v;
    return len;
}

size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    return utf8_decode_inline(s, n, cp);
}

bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        i += utf8_ascii_run(s + i, n - i); /* most mail is plain text */
        if (i >= n) {
            break;
        }
        uint32_t cp;
        size_t len = utf8_decode_inline(s + i, n - i, &cp); /* cp unused: compiled away */
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}
