/* message: RFC 5322 helpers. Builds the messages MUAs submit (dates, Message-ID, RFC 2047
 * subjects, 7bit/8bit bodies), formats the Received: line each MTA hop prepends (RFC 5321
 * §4.4), reads header fields back (unfolding, RFC 2047 decoding) and checks a message's form. */
#ifndef MAILSIM_MESSAGE_H
#define MAILSIM_MESSAGE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* RFC 5322 §2.1.1: "Each line of characters MUST be no more than 998 characters, and SHOULD be
 * no more than 78 characters, excluding the CRLF." */
#define MESSAGE_LINE_MAX 998
#define MESSAGE_LINE_SOFT 78
/* RFC 2047 §2: "An 'encoded-word' may not be more than 75 characters long" and §2: "each line
 * of a header field that contains one or more 'encoded-word's is limited to 76 characters." */
#define MESSAGE_ENCODED_WORD_MAX 75
#define MESSAGE_ENCODED_LINE_MAX 76
/* "Fri, 27 Nov 2026 19:40:02 +0900" and its NUL. */
#define MESSAGE_DATE_SIZE 32

/* Errors of message_build() and message_received_line(). X(enum, description) */
#define MESSAGE_ERROR_LIST(X)                                                                      \
    X(MESSAGE_OK, "ok")                                                                            \
    X(MESSAGE_ERR_MISSING, "a required field is missing (From, To)")                               \
    X(MESSAGE_ERR_HEADER_CRLF, "CR or LF inside a header value (header injection)")                \
    X(MESSAGE_ERR_NON_ASCII, "8-bit octets where only ASCII is allowed")                           \
    X(MESSAGE_ERR_BAD_UTF8, "invalid UTF-8")                                                       \
    X(MESSAGE_ERR_LINE_TOO_LONG, "a line longer than 998 octets")                                  \
    X(MESSAGE_ERR_BAD_FIELD_NAME, "a header field name outside printable ASCII or with a colon")   \
    X(MESSAGE_ERR_BAD_DATE, "date outside years 1900-9999 or zone offset outside +-99:59")         \
    X(MESSAGE_ERR_BAD_MESSAGE_ID, "Message-ID parts are not dot-atoms")                            \
    X(MESSAGE_ERR_NOMEM, "out of memory or over the output buffer's limit")

enum message_error {
#define MESSAGE_X_ENUM(e, text) e,
    MESSAGE_ERROR_LIST(MESSAGE_X_ENUM)
#undef MESSAGE_X_ENUM
};

/* A static description; "?" for a value outside the enum. */
const char *message_error_name(enum message_error e);

/* ---- building ------------------------------------------------------------------------------ */

struct message_field {
    const char *name;  /* printable ASCII without colon or space */
    const char *value; /* ASCII, no CR or LF; folded at spaces when long */
};

/* A file attached to a message (RFC 2183 Content-Disposition: attachment), sent in base64. */
struct message_attachment {
    const char *filename;     /* UTF-8, no CR, LF or '"'; RFC 2231-encoded when not plain ASCII */
    const char *content_type; /* "application/zip" */
    const uint8_t *data;
    size_t len;
};

/* Everything is borrowed for the call only. */
struct message_spec {
    const char *from;      /* "Alice <alice@a.example>": ASCII, required */
    const char *const *to; /* addresses, ASCII; at least one */
    size_t to_count;
    const char *const *cc; /* may be NULL when cc_count is 0 */
    size_t cc_count;
    const char *subject;          /* UTF-8; NULL: no Subject field. Non-ASCII (or a literal "=?")
                                     is sent as RFC 2047 B encoded-words */
    time_t date;                  /* Unix seconds */
    int tz_minutes;               /* zone offset east of UTC, e.g. 540 for +0900 */
    const char *message_id_local; /* NULL: no Message-ID field */
    const char *message_id_domain;
    const char *body;                  /* UTF-8 text, any line ends (CRLF, LF, CR); NULL: empty */
    const struct message_field *extra; /* added after Message-ID */
    size_t extra_count;
    /* With attachments the message is multipart/mixed (RFC 2046 §5.1.3): the body as its first
     * part, then each attachment in base64 (RFC 2045 §6.8, lines of 76 characters). */
    const struct message_attachment *attachments;
    size_t attachment_count;
};

/* Appends the message to out: Date, From, To, [Cc], [Subject], [Message-ID], extras,
 * MIME-Version, Content-Type: text/plain; charset=UTF-8, Content-Transfer-Encoding (8bit when
 * the body holds 8-bit octets, else 7bit), the empty line, the body with every line end made
 * CRLF and a final CRLF added when missing. With attachments, the Content-Type is
 * multipart/mixed and the text above becomes its first part.
 * A body line over 998 octets is REJECTED (MESSAGE_ERR_LINE_TOO_LONG), not wrapped: wrapping
 * would change the text, and the honest fix (quoted-printable) is not implemented.
 * On error out is left as it was. */
enum message_error message_build(const struct message_spec *spec, struct buf *out);

/* RFC 5322 §3.3 date-time, "Fri, 27 Nov 2026 19:40:02 +0900", for t shifted by tz_minutes.
 * Deterministic: no locale, no TZ environment, no libc time conversion. Writes a NUL-terminated
 * string; returns its length, or -1 when it does not fit in cap octets or the date is out of
 * range (years 1900-9999; |tz_minutes| at most 99*60+59). */
int message_date_format(time_t t, int tz_minutes, char *out, size_t cap);

/* "<local@domain>" (RFC 5322 §3.6.4 msg-id, both parts dot-atom-text). Returns the length, or
 * -1 when a part is not a dot-atom or the result does not fit in cap octets. */
int message_id_format(const char *local, const char *domain, char *out, size_t cap);

/* ---- Received: (RFC 5321 §4.4, protocol names of RFC 3848) --------------------------------- */

#define MESSAGE_WITH_LIST(X)                                                                       \
    X(MESSAGE_WITH_SMTP, "SMTP")                                                                   \
    X(MESSAGE_WITH_ESMTP, "ESMTP")                                                                 \
    X(MESSAGE_WITH_ESMTPA, "ESMTPA")                                                               \
    X(MESSAGE_WITH_ESMTPS, "ESMTPS")                                                               \
    X(MESSAGE_WITH_ESMTPSA, "ESMTPSA")

enum message_with {
#define MESSAGE_X_WITH(e, text) e,
    MESSAGE_WITH_LIST(MESSAGE_X_WITH)
#undef MESSAGE_X_WITH
};

const char *message_with_name(enum message_with w);
/* The RFC 3848 name for a session: HELO gives SMTP; EHLO gives ESMTP plus S with TLS and A
 * after AUTH. */
enum message_with message_with_for(bool ehlo, bool tls, bool auth);

struct message_received {
    const char *helo; /* the HELO/EHLO argument, as the client sent it */
    const char *rdns; /* the client's reverse DNS name; NULL: "unknown" */
    const char *ip;   /* "192.0.2.10"; an IPv6 address gets the "IPv6:" prefix */
    const char *by;   /* this host's name */
    enum message_with with;
    const char *id;   /* queue id; NULL: no "id" clause */
    const char *rcpt; /* the one recipient; NULL: no "for" clause */
    time_t date;
    int tz_minutes;
};

/* Appends
 *   "Received: from <helo> (<rdns> [<ip>])\r\n"
 *   "\tby <by> (mailsim) with <with> id <id>\r\n"
 *   "\tfor <rcpt>; <date>\r\n"
 * (without rcpt the "; <date>" ends the "by" line and the date gets a line of its own).
 * Strings holding CR or LF are refused (MESSAGE_ERR_HEADER_CRLF). On error out is unchanged. */
enum message_error message_received_line(const struct message_received *r, struct buf *out);

/* ---- reading ------------------------------------------------------------------------------- */

/* Finds the empty line that ends the header section (CRLF or lenient bare LF). Returns true and
 * sets *header_len (octets of the header fields, their last line end included) and
 * *body_offset (the first body octet); false when there is no empty line. */
bool message_split(const uint8_t *data, size_t len, size_t *header_len, size_t *body_offset);

/* The value of the first field called name (case-insensitive), unfolded (RFC 5322 §2.2.3:
 * "Unfolding is accomplished by simply removing any CRLF that is immediately followed by WSP")
 * and trimmed of leading and trailing white space. Writes at most cap-1 octets and a NUL (cap
 * > 0). Returns the full value length like snprintf (>= cap means truncated), or -1 when there
 * is no such field. Not RFC 2047-decoded: see message_decode_words(). */
long message_header_get(const uint8_t *data, size_t len, const char *name, char *out, size_t cap);

/* How many fields called name (case-insensitive) the header section holds. */
size_t message_header_count(const uint8_t *data, size_t len, const char *name);

/* Decodes RFC 2047 encoded-words (B and Q; charsets UTF-8, US-ASCII and ISO-8859-1, the last
 * turned into UTF-8) in an unstructured value such as a Subject, for display. White space
 * between two adjacent encoded-words is dropped (RFC 2047 §6.2); anything that does not parse
 * stays as it is. Returns the decoded length like snprintf (>= cap means truncated; cap > 0),
 * or -1 when memory is exhausted. */
long message_decode_words(const char *in, char *out, size_t cap);

/* ---- checking ------------------------------------------------------------------------------ */

#define MESSAGE_CHECK_LIST(X)                                                                      \
    X(MESSAGE_CHECK_OK, "ok")                                                                      \
    X(MESSAGE_CHECK_NUL, "NUL octet")                                                              \
    X(MESSAGE_CHECK_BARE_CR, "CR not followed by LF")                                              \
    X(MESSAGE_CHECK_BARE_LF, "LF not preceded by CR")                                              \
    X(MESSAGE_CHECK_LINE_TOO_LONG, "line longer than 998 octets")                                  \
    X(MESSAGE_CHECK_BAD_FIELD_NAME, "field name empty or not printable ASCII")                     \
    X(MESSAGE_CHECK_NO_COLON, "header line without a colon")                                       \
    X(MESSAGE_CHECK_CONTINUATION_FIRST, "folded continuation line before any field")               \
    X(MESSAGE_CHECK_NO_BLANK_LINE, "no empty line after the header section")                       \
    X(MESSAGE_CHECK_NO_DATE, "no Date field")                                                      \
    X(MESSAGE_CHECK_NO_FROM, "no From field")

enum message_check {
#define MESSAGE_X_CHECK(e, text) e,
    MESSAGE_CHECK_LIST(MESSAGE_X_CHECK)
#undef MESSAGE_X_CHECK
};

const char *message_check_name(enum message_check c);

/* Checks the form of a message and returns the first problem, with *offset (may be NULL) set
 * to the octet where it is (0 for NO_DATE and NO_FROM; len for NO_BLANK_LINE). Checked:
 * - NUL, bare CR and bare LF anywhere. RFC 5322 §2.3: "CR and LF MUST only occur together as
 *   CRLF; they MUST NOT appear independently in the body."
 * - lines over 998 octets (§2.1.1);
 * - field names. §2.2: "A field name MUST be composed of printable US-ASCII characters (i.e.,
 *   characters that have values between 33 and 126, inclusive), except colon."
 * - continuation lines before any field, header lines without a colon, the empty line;
 * - §3.6: "The only required header fields are the origination date field and the originator
 *   address field(s)".
 * Stricter than RFC 5322 on one point: a message with no body and no empty line is valid there
 * but reported as NO_BLANK_LINE here, since every message mailsim builds carries one. 8-bit
 * octets in header fields are accepted (RFC 6532). */
enum message_check message_check(const uint8_t *data, size_t len, size_t *offset);

#endif
