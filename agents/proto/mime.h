/* mime: one reading of RFC 5322 header sections and RFC 2045 header values for all of proto
 * (message_read, pgp, smime), so that the module that checks a message, the one that encrypts it
 * and the one that decrypts it cannot read the same header differently. Also the CRLF canonical
 * form they write, and the error-message helper they share.
 *
 * Pure functions over the caller's bytes. When reading, a bare LF is accepted as a line end
 * (message_check() is where it is reported). */
#ifndef MAILSIM_MIME_H
#define MAILSIM_MIME_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- header fields ------------------------------------------------------------------------ */

/* One header field (RFC 5322 §2.2): name, colon, body and its folded continuation lines. It
 * points into the caller's message. */
struct mime_field {
    const uint8_t *p; /* the field's first octet */
    size_t len;       /* through its last line, that line's end (CRLF or LF) excluded */
    size_t name_len;  /* octets before the colon, obsolete white space before the colon dropped
                         (RFC 5322 §4.5.3); 0 when the first line has no colon or starts with
                         white space (a continuation line before any field) */
    size_t value;     /* offset in p of the first octet after the colon; len when there is none */
};

/* Reads the header field that starts at msg[*pos] (*pos is 0 for the first field): fills f,
 * moves *pos past the field's last line end and returns true. A field runs on over every
 * following line that starts with SP or HTAB (RFC 5322 §2.2.3 folding).
 * Returns false at the end of the header section: at the empty line, with *pos moved to the
 * first body octet; or at the end of msg, with *pos = len. */
bool mime_field_next(const uint8_t *msg, size_t len, size_t *pos, struct mime_field *f);

/* True when the field is called name, compared without regard to case (RFC 5322 §1.2.2). */
bool mime_field_is(const struct mime_field *f, const char *name);

/* True for the fields that belong to the MIME entity rather than to the message: RFC 2045 §9,
 * "Content-" followed by at least one more character. */
bool mime_field_is_content(const struct mime_field *f);

/* The field's value, unfolded (RFC 5322 §2.2.3: "Unfolding is accomplished by simply removing
 * any CRLF that is immediately followed by WSP"; a bare LF counts as a CRLF) and trimmed of
 * leading and trailing SP and HTAB. Writes at most cap-1 octets and a NUL. Returns the value's
 * full length like snprintf (>= cap means it was cut), or -1 when cap is 0. */
long mime_field_value(const struct mime_field *f, char *out, size_t cap);

/* mime_field_value() of the first field called name in the header section of msg, or -1 when
 * there is none (out is then "" when cap > 0). */
long mime_header_get(const uint8_t *msg, size_t len, const char *name, char *out, size_t cap);

/* How many fields called name the header section of msg holds. */
size_t mime_header_count(const uint8_t *msg, size_t len, const char *name);

/* Finds the empty line (CRLF or bare LF) that ends the header section. True with *header_len
 * (the octets of the fields, their last line end included) and *body_offset (the first body
 * octet); false when there is no empty line, with both set to len (all header, no body). */
bool mime_split(const uint8_t *msg, size_t len, size_t *header_len, size_t *body_offset);

/* ---- Content-Type and Content-Disposition values (RFC 2045 §5.1, RFC 2183 §2) -------------- */

/* True when the value's type/subtype (or disposition type) is type, compared without regard to
 * case and followed by nothing, ';', white space or a comment: mime_type_is(v, "text/plain"). */
bool mime_type_is(const char *value, const char *type);

/* The parameter called name (without regard to case) of an unfolded Content-Type or
 * Content-Disposition value, into out like snprintf (cap-1 octets at most and a NUL, out may be
 * NULL when cap is 0). RFC 2045 §5.1:
 *     parameter := attribute "=" value
 *     value := token / quoted-string
 * A quoted-string loses its quotes and each quoted-pair its backslash ("a\"b" is a"b); white
 * space and RFC 822 comments may stand around ';' and '=' and after the value. A value without
 * quotes is read leniently, up to white space, ';', '"' or '(': protocol=application/pgp-encrypted
 * is taken whole although RFC 2045 wants the '/' quoted. Returns the
 * value's length (0 for ""), or -1 when there is no such parameter or it is malformed (no value,
 * an unclosed quote, something other than ';' after the value); then out is "". The first of
 * two parameters with the same name wins. RFC 2231 continuations (name*0=) are not joined. */
long mime_param(const char *value, const char *name, char *out, size_t cap);

/* ---- writing ------------------------------------------------------------------------------ */

/* Appends p[0..n) with each bare LF made CRLF: the canonical form of RFC 2049 §4 and
 * RFC 8551 §3.1.1 that signatures are computed over. Returns 0, or -1 with out unchanged when
 * out's limit or memory is exhausted. */
int mime_append_crlf(struct buf *out, const uint8_t *p, size_t n);

/* mime_append_crlf(), then a CRLF when p is empty or does not end with a line end: whole
 * lines, as a header field or an armored block is written. */
int mime_append_lines(struct buf *out, const uint8_t *p, size_t n);

/* Appends the Content-* fields of msg's header section in order, with CRLF line ends; when
 * none of them is a Content-Type, "Content-Type: text/plain; charset=us-ascii", which RFC 2045
 * §5.2 says a message without one means, made explicit. This is the header of the MIME entity
 * that S/MIME and PGP/MIME wrap. Returns 0, or -1 with out unchanged. */
int mime_append_content_fields(struct buf *out, const uint8_t *msg, size_t len);

/* Appends every other field of msg's header section (all but Content-* and MIME-Version) in
 * order, with CRLF line ends: the header that stays visible outside the wrapped entity.
 * Returns 0, or -1 with out unchanged. */
int mime_append_other_fields(struct buf *out, const uint8_t *msg, size_t len);

/* ---- errors ------------------------------------------------------------------------------- */

/* Formats the reason into err (when err is not NULL and errlen > 0) and returns -1, so that
 * callers can `return mime_err_setf(err, errlen, "...", ...)`. */
int mime_err_setf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
