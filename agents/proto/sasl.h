/* sasl: the SASL mechanisms SMTP AUTH (RFC 4954) offers in mailsim: PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login) and CRAM-MD5 (RFC 2195). Both sides: the client's encoding and
 * the server's decoding and checking. Pure functions over caller buffers: no I/O, no allocation,
 * no randomness (a CRAM-MD5 challenge is made by the caller). */
#ifndef MAILSIM_SASL_H
#define MAILSIM_SASL_H

#include <stdbool.h>
#include <stddef.h>

/* One X-macro list generates the enum and the IANA names (sasl_mech_name). */
#define SASL_MECH_LIST(X)                                                                          \
    X(SASL_MECH_PLAIN, "PLAIN")                                                                    \
    X(SASL_MECH_LOGIN, "LOGIN")                                                                    \
    X(SASL_MECH_CRAM_MD5, "CRAM-MD5")

#define SASL_MECH_ENUM(id, name) id,
enum sasl_mech { SASL_MECH_LIST(SASL_MECH_ENUM) SASL_MECH_COUNT };
#undef SASL_MECH_ENUM

/* Sets of mechanisms (server offers, client parses from EHLO) are bitmasks of these. */
#define SASL_MECH_BIT(m) (1u << (unsigned)(m))

/* RFC 4616 §2: "The authorization identity (authzid), authentication identity (authcid),
 * password (passwd) ... each up to 255 octets" — the same bound is used for LOGIN fields and the
 * CRAM-MD5 user name. */
#define SASL_FIELD_MAX 255
/* RFC 4954 §4: "the client ... MUST NOT send a response longer than 12288 octets" (the server's
 * line limit for response lines during an AUTH exchange, CRLF included). */
#define SASL_RESPONSE_LINE_MAX 12288
/* RFC 2195: the digest "is a 16-octet value which is sent in hexadecimal format, using
 * lower-case ASCII characters." */
#define SASL_CRAM_MD5_HEX_LEN 32
/* Longest CRAM-MD5 challenge text (an RFC 822 msg-id such as "<1896.697170952@host>"). */
#define SASL_CHALLENGE_MAX 255

/* The LOGIN mechanism's two server challenges, base64 of "Username:" and "Password:". */
#define SASL_LOGIN_USERNAME_CHALLENGE "VXNlcm5hbWU6"
#define SASL_LOGIN_PASSWORD_CHALLENGE "UGFzc3dvcmQ6"

/* Return codes of the functions below (0 or a length means success). */
#define SASL_ERR_BASE64 (-1) /* the input is not strict base64 (a 501 in SMTP) */
#define SASL_ERR_SYNTAX (-2) /* decoded, but not what the mechanism defines */
#define SASL_ERR_SPACE (-3)  /* a caller's buffer or a field limit is too small */
#define SASL_ERR_CRYPTO (-4) /* libcrypto failed (HMAC-MD5 unavailable) */

/* The identities a PLAIN exchange carries; each NUL-terminated, at most SASL_FIELD_MAX octets. */
struct sasl_credentials {
    char authzid[SASL_FIELD_MAX + 1]; /* "" when the client sent none */
    char user[SASL_FIELD_MAX + 1];
    char password[SASL_FIELD_MAX + 1];
};

/* "PLAIN", "LOGIN", "CRAM-MD5"; "?" for an out-of-range value. */
const char *sasl_mech_name(enum sasl_mech m);
/* Case-insensitive lookup of name[0..len). Returns 0 and sets *out, or -1 when unknown. */
int sasl_mech_parse(const char *name, size_t len, enum sasl_mech *out);

/* Client side. Each writes NUL-terminated base64 into out (cap bytes) and returns its length, or
 * a SASL_ERR_* code. */

/* PLAIN message "authzid NUL authcid NUL passwd"; authzid may be NULL or "". */
long sasl_plain_response(const char *authzid, const char *user, const char *password, char *out,
                         size_t cap);
/* A LOGIN response: the base64 of the user name or of the password. */
long sasl_login_response(const char *field, char *out, size_t cap);
/* CRAM-MD5: decodes the server's base64 challenge[0..n) and answers "user SP hex-digest". */
long sasl_cram_md5_response(const char *user, const char *secret, const char *challenge_b64,
                            size_t n, char *out, size_t cap);

/* Server side. */

/* Base64 of the text (used for the CRAM-MD5 challenge). Returns the length or SASL_ERR_SPACE. */
long sasl_encode_text(const char *text, char *out, size_t cap);
/* Decodes a PLAIN response into *cred. Returns 0, SASL_ERR_BASE64, or SASL_ERR_SYNTAX (not
 * exactly two NULs, an empty user, or a field longer than SASL_FIELD_MAX). */
int sasl_plain_decode(const char *b64, size_t n, struct sasl_credentials *cred);
/* Decodes one LOGIN response into field (cap bytes, NUL-terminated). Returns 0, SASL_ERR_BASE64,
 * or SASL_ERR_SYNTAX (a NUL inside, or longer than SASL_FIELD_MAX or cap - 1). */
int sasl_login_decode(const char *b64, size_t n, char *field, size_t cap);
/* Splits a CRAM-MD5 response "user SP digest" (base64) into user (cap bytes) and digest (33
 * bytes, lower-cased). Returns 0, SASL_ERR_BASE64 or SASL_ERR_SYNTAX. */
int sasl_cram_md5_decode(const char *b64, size_t n, char *user, size_t cap,
                         char digest[SASL_CRAM_MD5_HEX_LEN + 1]);
/* Room for sasl_response_reveal's result: two fields, their NUL separator and a NUL. */
#define SASL_REVEAL_MAX (2 * SASL_FIELD_MAX + 2)
/* A response line of mech (its base64, without CRLF) decoded as a person reads it: PLAIN's
 * authcid and passwd (the authzid left out), LOGIN's one field, CRAM-MD5's user and digest; two
 * fields are separated by a NUL. Writes the result and a NUL into out (cap bytes) and returns its
 * length, or a SASL_ERR_* code. The one decoder of credentials: what an engine notes it sent and
 * what an eavesdropper reports it read both come from here, so the two cannot disagree. */
long sasl_response_reveal(enum sasl_mech mech, const char *b64, size_t n, char *out, size_t cap);
/* A server challenge (the base64 text of a 334 reply) decoded: "Username:", or CRAM-MD5's
 * "<1896.697170952@host>". Writes at most cap - 1 octets and a NUL; returns their number, or a
 * SASL_ERR_* code. */
long sasl_challenge_reveal(const char *b64, size_t n, char *out, size_t cap);
/* HMAC-MD5(key = secret, text = challenge) as 32 lower-case hex digits and a NUL.
 * Returns 0 or SASL_ERR_CRYPTO. */
int sasl_cram_md5_digest(const char *challenge, const char *secret,
                         char hex[SASL_CRAM_MD5_HEX_LEN + 1]);
/* True when digest is the right answer to challenge for secret (compared in constant time). */
bool sasl_cram_md5_verify(const char *challenge, const char *secret, const char *digest);

/* ---- The server side of one exchange ----
 * The mechanism's own state machine: which challenge comes next and when the identities are
 * complete. The protocol engine (SMTP AUTH, POP3 AUTH) wraps each challenge in its own syntax
 * ("334 ...", "+ ...") and turns the outcome into a reply. */

/* What the engine does after sasl_server_start() or sasl_server_step(). */
#define SASL_STEP_LIST(X)                                                                          \
    X(SASL_STEP_CHALLENGE, "challenge")     /* send the base64 challenge in out, read a line */    \
    X(SASL_STEP_DONE, "done")               /* identities complete in cred: check them */          \
    X(SASL_STEP_FAILED, "failed")           /* malformed message: authentication fails */          \
    X(SASL_STEP_BAD_BASE64, "bad-base64")   /* a response was not base64 */                        \
    X(SASL_STEP_CANCELLED, "cancelled")     /* the client answered "*" */                          \
    X(SASL_STEP_BAD_INITIAL, "bad-initial") /* an initial response to a server-first mechanism */

#define SASL_STEP_ENUM(id, name) id,
enum sasl_step { SASL_STEP_LIST(SASL_STEP_ENUM) SASL_STEP_COUNT };
#undef SASL_STEP_ENUM

const char *sasl_step_name(enum sasl_step st);

/* Room a challenge needs in out: the base64 of the longest CRAM-MD5 challenge and a NUL. */
#define SASL_CHALLENGE_B64_MAX (((SASL_CHALLENGE_MAX + 2) / 3) * 4 + 1)

struct sasl_server {
    enum sasl_mech mech;
    int step;                     /* where the mechanism stands; private */
    struct sasl_credentials cred; /* when DONE: authzid, user and (not CRAM-MD5) password */
    char challenge[SASL_CHALLENGE_MAX + 1]; /* CRAM-MD5: the challenge sent */
    char digest[SASL_CRAM_MD5_HEX_LEN + 1]; /* CRAM-MD5: the client's answer */
};

/* Begins an exchange. initial is the initial response of the AUTH command (NULL when none; "="
 * stands for an empty one, RFC 4954 §4); challenge is the CRAM-MD5 challenge text, made by the
 * caller (unused for the other mechanisms). out (at least SASL_CHALLENGE_B64_MAX bytes) receives
 * the base64 challenge when the result is SASL_STEP_CHALLENGE. */
enum sasl_step sasl_server_start(struct sasl_server *x, enum sasl_mech mech, const char *initial,
                                 const char *challenge, char *out, size_t cap);
/* Feeds one response line (without its CRLF). Same results and out as sasl_server_start(). */
enum sasl_step sasl_server_step(struct sasl_server *x, const char *line, size_t n, char *out,
                                size_t cap);
/* CRAM-MD5 after SASL_STEP_DONE: true when the client's digest fits the user's secret. */
bool sasl_server_cram_md5_ok(const struct sasl_server *x, const char *secret);
/* Wipes the identities and the password. */
void sasl_server_clear(struct sasl_server *x);

#endif
