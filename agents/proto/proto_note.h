/* proto_note: what an engine knows its output means — a line that carries a credential, a reply
 * that refuses or challenges, the text of a message — told to whoever drives it, so that the
 * trace can carry the meaning (DESIGN.md principle 7) and no view has to parse SMTP or POP3 a
 * second time. Proto knows nothing of the trace: the session glue turns notes into annotation
 * events. A note places its meaning by output octets counted from the engine's first one, since
 * the glue, not the engine, decides which octets go out together. A server also notes what it
 * reads where it knows the meaning (a credential, the DATA text), placed by input octets counted
 * from the first one fed: for a peer that is no mailsim engine (a real client in live mode),
 * nobody else could say it. */
#ifndef MAILSIM_PROTO_NOTE_H
#define MAILSIM_PROTO_NOTE_H

#include <stddef.h>
#include <stdint.h>

enum proto_note_kind {
    PROTO_NOTE_SECRET,  /* a credential (trace kind "secret") */
    PROTO_NOTE_REPLY,   /* a refusing or challenging reply ("reply") */
    PROTO_NOTE_MESSAGE, /* a message's text, dot-stuffed, without its "." line ("message") */
};

/* One note; its pointers are valid during the call only. */
struct proto_note {
    enum proto_note_kind kind;
    uint64_t at; /* the first octet meant, counted from the engine's first output octet (of
                  * its input, for a note about what it read) */
    size_t len;
    /* SECRET: what ("AUTH PLAIN", "PASS", ...) and how the wire writes it ("base64", "" as is).
     * REPLY: the code ("550", "-ERR") and the class ("5xx", "-ERR"). MESSAGE: both "". */
    const char *what;
    const char *how;
    /* SECRET: the credential decoded, fields separated by a NUL. REPLY: a SASL challenge
     * decoded, else nothing. */
    const uint8_t *value;
    size_t value_len;
};

typedef void (*proto_note_fn)(void *ctx, const struct proto_note *n);

/* What an engine keeps to tell its notes: the listener (fn NULL: nobody listens) and how many
 * octets of its output were consumed so far, which turns a place in its output buffer into a
 * place in its output stream. */
struct proto_notes {
    proto_note_fn fn;
    void *ctx;
    uint64_t consumed;
};

/* Tells the listener of a note about len octets at place at of the stream; what, how and value
 * as in struct proto_note (NULL for none). */
static inline void proto_notes_tell_at(const struct proto_notes *t, enum proto_note_kind kind,
                                       uint64_t at, size_t len, const char *what, const char *how,
                                       const void *value, size_t value_len)
{
    if (!t->fn) {
        return;
    }
    struct proto_note n = {
        .kind = kind,
        .at = at,
        .len = len,
        .what = what ? what : "",
        .how = how ? how : "",
        .value = (const uint8_t *)value,
        .value_len = value_len,
    };
    t->fn(t->ctx, &n);
}

/* Tells the listener of a note about len octets at offset off of the output still buffered. */
static inline void proto_notes_tell(const struct proto_notes *t, enum proto_note_kind kind,
                                    size_t off, size_t len, const char *what, const char *how,
                                    const void *value, size_t value_len)
{
    proto_notes_tell_at(t, kind, t->consumed + off, len, what, how, value, value_len);
}

#endif
