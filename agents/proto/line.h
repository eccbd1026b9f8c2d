/* line: the incremental byte-level line reader under the SMTP and POP3 engines. It is a
 * machine of its own, separate from the session machines above it, and knows only limits
 * and line ends. Its one buffer, max_line + 1 octets, is allocated with the first line fed
 * (most sessions under load never read a long line); running out of memory for it aborts,
 * since no peer can make it larger. */
#ifndef MAILSIM_LINE_H
#define MAILSIM_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5321 §4.5.3.1.4: "The maximum total length of a command line including the command
 * word and the <CRLF> is 512 octets." §4.5.3.1.6: "The maximum total length of a text line
 * including the <CRLF> is 1000 octets (not counting the leading dot duplicated for
 * transparency)." RFC 1939 §3 limits a POP3 response line to 512 octets with CRLF. */
#define SMTP_COMMAND_LINE_MAX 512
#define SMTP_TEXT_LINE_MAX 1000
#define SMTP_REPLY_LINE_MAX 512
#define POP3_LINE_MAX 512

enum line_flags {
    LINE_BARE_LF = 1 << 0,  /* ended by LF with no CR before it (lenient mode only) */
    LINE_TOO_LONG = 1 << 1, /* longer than the limit: text holds the first max-2 octets */
    LINE_HAS_NUL = 1 << 2,  /* a NUL octet occurred in the line */
    /* Split mode only: the line goes on; text is one piece of it (max - 2 octets), and the
     * next line returned continues it. LINE_TOO_LONG is never set in split mode. */
    LINE_PARTIAL = 1 << 3,
};

enum line_end {
    LINE_END_LF,   /* LF ends a line, with or without CR before it (LINE_BARE_LF says which) */
    LINE_END_CRLF, /* only CR LF ends a line; a bare CR or LF is text (SMTP DATA) */
};

struct line_reader {
    uint8_t *buf;    /* max_line + 1 bytes, owned */
    size_t max_line; /* octets including the CRLF */
    size_t len;      /* octets kept of the current line */
    size_t total;    /* octets seen of the current line, may exceed max_line */
    unsigned flags;  /* enum line_flags for the current line */
    bool pending_cr; /* last octet seen was CR (CRLF mode) */
    bool split;      /* CRLF mode: hand out a long line in pieces instead of cutting it */
    enum line_end end;
};

struct line {
    const char *text; /* the line without its terminator, NUL-terminated; valid until next feed */
    size_t len;       /* octets in text (NUL octets inside the line are kept) */
    unsigned flags;   /* enum line_flags */
};

/* Sets the reader up without allocating. Returns 0. */
int line_reader_init(struct line_reader *r, size_t max_line, enum line_end end);
void line_reader_free(struct line_reader *r);
void line_reader_set_end(struct line_reader *r, enum line_end end);
/* CRLF mode: a line longer than the limit comes out in pieces of max - 2 octets, each but the
 * last flagged LINE_PARTIAL, instead of being cut (as Postfix's line_length_limit chops a long
 * message line into records and puts it together again on delivery). Nothing is lost, and the
 * buffer stays max_line octets. */
void line_reader_set_split(struct line_reader *r, bool split);
/* Forgets a partial line (used after a session reset or a TLS upgrade). */
void line_reader_reset(struct line_reader *r);

/* Consumes bytes from in[0..n) up to and including the first line end.
 * Returns 1 and fills *out when a line is complete, 0 when all n bytes were taken and no line
 * is complete yet. *consumed is set in both cases; the caller feeds the rest again. */
int line_reader_feed(struct line_reader *r, const uint8_t *in, size_t n, size_t *consumed,
                     struct line *out);

#endif
