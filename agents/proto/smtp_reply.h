/* smtp_reply: SMTP replies (RFC 5321 §4.2) as values. The server formats them into wire bytes,
 * single or multiline; the client assembles them from a byte stream with an incremental parser
 * that understands "250-" continuation lines and RFC 3463 enhanced status codes. Also the
 * envelope path syntax both engines share. */
#ifndef MAILSIM_SMTP_REPLY_H
#define MAILSIM_SMTP_REPLY_H

#include "buf.h"
#include "line.h"
#include "sasl.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* RFC 5321 §4.5.3.1.3: "The maximum total length of a reverse-path or forward-path is 256
 * octets (including the punctuation and element separators)." */
#define SMTP_PATH_MAX 256
/* RFC 5321 §4.5.3.1.2: "The maximum total length of a domain name or number is 255 octets." */
#define SMTP_DOMAIN_MAX 255

/* Room for the text of a whole reply, every line of it. A longer reply (say, an EHLO answer of
 * hundreds of lines) is cut here and marked truncated; its lines are still consumed. */
#define SMTP_REPLY_TEXT_MAX 2048
/* "5.7.8"-style codes are at most 1+1+3+1+3 octets (RFC 3463 §2). */
#define SMTP_REPLY_ENHANCED_MAX 16

struct smtp_reply {
    int code;                               /* 200..599 */
    char enhanced[SMTP_REPLY_ENHANCED_MAX]; /* "2.1.0", or "" when the reply has none */
    /* The text after the code (and after the enhanced code, which is not repeated here), lines
     * joined with '\n', NUL-terminated. "" for a bare "250". */
    char text[SMTP_REPLY_TEXT_MAX];
    bool truncated; /* text was cut at SMTP_REPLY_TEXT_MAX - 1 octets */
};

/* Sets the reply. fmt is printf-like; a '\n' in the result starts another line of a multiline
 * reply. enhanced may be NULL or "". Returns 0, or -1 when the text was truncated (the reply is
 * still usable). */
int smtp_reply_set(struct smtp_reply *r, int code, const char *enhanced, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* smtp_reply_set with a va_list. */
int smtp_reply_vset(struct smtp_reply *r, int code, const char *enhanced, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

/* Appends the wire form of r to out: every line but the last as "CODE-[ENH ]text\r\n", the last
 * as "CODE [ENH ]text\r\n" (RFC 5321 §4.2.1; RFC 2034 §4: every line carries the enhanced code).
 * Control octets in the text are sent as '?', so a hook cannot inject a line end; each line is
 * cut to fit SMTP_REPLY_LINE_MAX. Returns 0, or -1 when out refused the bytes (limit or memory;
 * out is then as it was: no part of a reply is ever left in it). */
int smtp_reply_format(struct buf *out, const struct smtp_reply *r);

/* The first digit of the code: 2 positive completion, 3 intermediate, 4 transient negative,
 * 5 permanent negative (RFC 5321 §4.2.1). */
int smtp_reply_class(const struct smtp_reply *r);
bool smtp_reply_is_transient(const struct smtp_reply *r); /* 4yz: try again later */
bool smtp_reply_is_permanent(const struct smtp_reply *r); /* 5yz: do not retry as is */

/* The client's incremental reply parser. It owns a line reader with the RFC 5321 §4.5.3.1.5
 * reply-line limit of SMTP_REPLY_LINE_MAX octets; a bare LF is accepted as a line end. */
struct smtp_reply_parser {
    struct line_reader reader;
    struct smtp_reply cur; /* being assembled */
    size_t text_len;
    bool in_reply; /* a continuation line has been seen */
};

/* Returns 0, or -1 when memory is exhausted. */
int smtp_reply_parser_init(struct smtp_reply_parser *p);
void smtp_reply_parser_free(struct smtp_reply_parser *p);
/* Forgets a partial reply (after a TLS upgrade). */
void smtp_reply_parser_reset(struct smtp_reply_parser *p);

/* Consumes in[0..n) up to the end of the first complete reply. Returns 1 and fills *out when a
 * reply is complete; 0 when all n bytes were taken and no reply is complete yet; -1 on a malformed
 * line (too long, no valid code, a continuation with another code, a bad separator), after which
 * the parser has reset itself. *consumed is set in every case; the caller feeds the rest again. */
int smtp_reply_parser_feed(struct smtp_reply_parser *p, const uint8_t *in, size_t n,
                           size_t *consumed, struct smtp_reply *out);

/* ---- The EHLO reply ----
 * The service extensions mailsim knows, as a 250 reply lists them (RFC 5321 §4.1.1.1: the first
 * line names the server, each further line one keyword and its parameters). The server formats
 * the list, the client parses it: one struct, both directions. */
struct smtp_ehlo {
    bool pipelining;   /* RFC 2920 PIPELINING */
    bool size;         /* RFC 1870 SIZE */
    size_t size_max;   /* SIZE's limit; 0: none announced */
    bool vrfy;         /* VRFY */
    bool starttls;     /* RFC 3207 STARTTLS */
    unsigned auth;     /* RFC 4954 AUTH: SASL_MECH_BIT() mask; 0: no AUTH line */
    bool enhanced;     /* RFC 2034 ENHANCEDSTATUSCODES */
    bool eightbitmime; /* RFC 6152 8BITMIME */
};

/* Sets r to "250-host" and one line per extension, in Postfix's order. */
void smtp_reply_ehlo_format(struct smtp_reply *r, const char *host, const struct smtp_ehlo *e);
/* Reads the keywords of an EHLO reply into *e (case-insensitive; "AUTH=..." as sent by old
 * servers counts as AUTH; unknown keywords are skipped). */
void smtp_reply_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e);

/* ---- Paths (RFC 5321 §4.1.2), without SMTPUTF8 ----
 * Both engines check envelope addresses the same way. They would merit a file of their own
 * (smtp_path.c); they live here, with the smtp_path_ prefix, until the build lists one. */

#define SMTP_PATH_NULL_OK 1u       /* "<>" is allowed (a reverse-path) */
#define SMTP_PATH_POSTMASTER_OK 2u /* "<Postmaster>" without a domain (a forward-path) */
#define SMTP_PATH_ERR_SYNTAX (-1)  /* no angle brackets around the path */
#define SMTP_PATH_ERR_ADDRESS (-2) /* the brackets hold no valid mailbox */

/* Parses "<path>" at *pp: writes the mailbox without brackets (and without a source route) to
 * addr and moves *pp past the '>'. Returns 0 or an SMTP_PATH_ERR_* code. */
int smtp_path_parse(const char **pp, char addr[SMTP_PATH_MAX + 1], unsigned flags);
/* True when mailbox (no brackets) is a path the server would accept; never when it holds a
 * control character (a CR or LF in it would inject commands). */
bool smtp_path_valid(const char *mailbox, unsigned flags);
/* The domain of a mailbox: what follows its last '@' ("" when there is none). The MTA routes by
 * it and the SMTP service looks up its local recipients by it. */
const char *smtp_path_domain_of(const char *mailbox);

#endif
