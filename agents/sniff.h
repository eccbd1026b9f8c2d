/* sniff: what an eavesdropper on a link learns from one connection's bytes — small line
 * parsers for both directions of plaintext SMTP and POP3. They see exactly what a tap sees, in
 * the order it was sent, and report findings: AUTH PLAIN and LOGIN credentials (base64 is an
 * encoding, not a cipher), POP3 USER/PASS, APOP's challenge and digest, envelopes, headers and
 * bodies. Bytes sent as TLS records give only "ciphertext". No I/O, no clock: tests feed them. */
#ifndef MAILSIM_SNIFF_H
#define MAILSIM_SNIFF_H

#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The findings, with the names the trace's sniff events carry. X(enum, name) */
#define SNIFF_FINDING_LIST(X)                                                                      \
    X(SNIFF_USERNAME, "username")             /* SMTP AUTH or POP3 USER/APOP */                    \
    X(SNIFF_PASSWORD, "password")             /* SMTP AUTH PLAIN/LOGIN, POP3 PASS */               \
    X(SNIFF_MAIL_FROM, "mail_from")           /* the envelope sender (MAIL FROM) */                \
    X(SNIFF_RCPT_TO, "rcpt_to")               /* an envelope recipient (RCPT TO) */                \
    X(SNIFF_HEADER_FROM, "header_from")       /* the From: field of a message */                   \
    X(SNIFF_SUBJECT, "subject")               /* its Subject:, RFC 2047 words decoded */           \
    X(SNIFF_BODY, "body")                     /* the first lines of its body */                    \
    X(SNIFF_APOP_TIMESTAMP, "apop_timestamp") /* the challenge in a POP3 greeting */               \
    X(SNIFF_APOP_DIGEST, "apop_digest")       /* the answer: MD5(timestamp + password) */          \
    X(SNIFF_CIPHERTEXT, "ciphertext")         /* TLS records: nothing readable */                  \
    X(SNIFF_ENCRYPTED_BODY, "encrypted_body") /* an S/MIME or PGP/MIME body: its type and size */  \
    X(SNIFF_ATTACHMENT, "attachment")         /* an attached file: its name, type and size */

#define SNIFF_FINDING_ENUM(id, name) id,
enum sniff_finding { SNIFF_FINDING_LIST(SNIFF_FINDING_ENUM) SNIFF_FINDING_COUNT };
#undef SNIFF_FINDING_ENUM

const char *sniff_finding_name(enum sniff_finding f);

/* SNIFF_SSH: an SSH connection; only the identification strings are plain text, and the
 * rest is reported as ciphertext. */
enum sniff_proto { SNIFF_SMTP, SNIFF_POP3, SNIFF_SSH };

/* The body finding holds at most this many octets of text (cut at a character boundary). */
#define SNIFF_BODY_MAX 120
/* Header octets kept per message while looking for From: and Subject:. */
#define SNIFF_HEADER_MAX 32768
/* Header octets kept per MIME part while looking for its file name. */
#define SNIFF_PART_HEADER_MAX 4096

/* A finding: value[0..n) is valid during the call only. */
typedef void (*sniff_found_fn)(void *ctx, enum sniff_finding f, const char *value, size_t n);

/* What an APOP login left on the wire, for an offline dictionary attack. */
struct sniff_apop {
    char timestamp[256]; /* "<1896.697170952@dbc.mtview.ca.us>", brackets included */
    char user[256];
    char digest[33]; /* lower-case hex */
};

struct sniff_stream;

/* Returns NULL when memory is exhausted. */
struct sniff_stream *sniff_stream_new(enum sniff_proto proto, sniff_found_fn found, void *ctx);
void sniff_stream_free(struct sniff_stream *s);

/* Bytes one side sent, in the order the two sides sent them; tls: they were TLS records. Any
 * split works, down to one octet at a time. */
void sniff_stream_feed(struct sniff_stream *s, enum trace_side from, bool tls, const uint8_t *p,
                       size_t n);

/* The last APOP login seen (timestamp from the greeting, user and digest from the command).
 * Returns false when there was none. */
bool sniff_stream_apop(const struct sniff_stream *s, struct sniff_apop *out);

#endif
