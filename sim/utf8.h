/* utf8: one validator of UTF-8 for everything that must tell text from bytes — the JSON trace
 * (text or base64), message building (8bit or 7bit, a valid Subject). */
#ifndef MAILSIM_UTF8_H
#define MAILSIM_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..n) is well-formed UTF-8 (RFC 3629 §3): no overlong forms, no surrogates,
 * nothing past U+10FFFF. */
bool utf8_valid(const uint8_t *s, size_t n);

/* True when some octet of s[0..n) is above 127 (8bit, not 7bit, in MIME's words). */
bool utf8_has_8bit(const uint8_t *s, size_t n);

#endif
