/* base64 (RFC 4648 §4) for SASL exchanges, MIME bodies and binary bytes in JSON traces. Decoding is
 * strict: the SASL profiles of RFC 4954 expect canonical base64, and bad input must become a 501,
 * not a guess. */
#ifndef MAILSIM_BASE64_H
#define MAILSIM_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Output size for n input octets, without the terminating NUL. */
#define BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)
/* Upper bound of the decoded size of n base64 characters. */
#define BASE64_DECODED_MAX(n) (((n) / 4) * 3 + 3)

/* Writes the encoding of in[0..n) and a NUL into out, which must hold
 * BASE64_ENCODED_LEN(n) + 1 bytes. Returns the number of characters written. */
size_t base64_encode(const uint8_t *in, size_t n, char *out);

/* Decodes in[0..n) into out (cap bytes). Padding is required; whitespace, characters outside
 * the alphabet, misplaced '=' and non-zero trailing bits are errors. Returns the decoded length,
 * or -1 on any error (including out too small). */
long base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
