/* utf8: one decoder and validator of UTF-8 for everything that must tell text from bytes — the
 * JSON trace (text or base64), message building (8bit or 7bit, a valid Subject), the scenario
 * reader's checks and messages, and the window's text measurement. */
#ifndef MAILSIM_UTF8_H
#define MAILSIM_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest UTF-8 sequence, in octets (RFC 3629 §3: U+10000..U+10FFFF take four). */
#define UTF8_SEQ_MAX 4
/* U+FFFD REPLACEMENT CHARACTER: what utf8_decode gives for octets that are not UTF-8. */
#define UTF8_REPLACEMENT 0xfffdu

/* Decodes the code point at the start of s[0..n) into *cp and returns the length of its
 * sequence, 1 to 4 octets. Returns 0, with *cp = UTF8_REPLACEMENT, when s[0..n) does not start with
 * a well-formed sequence (RFC 3629 §4): n is 0; the first octet is a continuation octet (80..BF), a
 * lead that only overlong forms use (C0, C1) or one past the code space (F5..FF); a continuation
 * octet is missing, before n or because n cuts the sequence short; the form is overlong; the value
 * is a surrogate (U+D800..U+DFFF) or above U+10FFFF. U+0000 is a code point like any other (length
 * 1). It reads the octets of the sequence in order and stops at the first that breaks it, so a
 * NUL-terminated string may be decoded with n = UTF8_SEQ_MAX: its NUL ends any sequence. */
size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);

/* True for the octets 80..BF, which continue a sequence and never start one: the test for "is
 * this a code point boundary" when stepping back through text already known to be UTF-8. */
static inline bool utf8_is_continuation(uint8_t c)
{
    return (c & 0xc0) == 0x80;
}

/* True when s[0..n) is well-formed UTF-8: every sequence decodes with utf8_decode. */
bool utf8_valid(const uint8_t *s, size_t n);

/* True when some octet of s[0..n) is above 127 (8bit, not 7bit, in MIME's words). */
bool utf8_has_8bit(const uint8_t *s, size_t n);

#endif
