/* proto_out: the output side of every engine: the bytes queued for the peer and the notes about
 * them (proto_note.h); and, for the servers, the pauses in them. An engine owns no clock, so a
 * server that must wait (Postfix's smtpd_error_sleep_time, Dovecot's auth_failure_delay) marks a
 * pause in its output and the caller lets the time pass. The clients never pause, so they carry
 * no pauses. Inline: every octet an engine sends goes through here. */
#ifndef MAILSIM_PROTO_OUT_H
#define MAILSIM_PROTO_OUT_H

#include "buf.h"
#include "proto_note.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Zeroed, with buf_init(&buf, 0), it is empty and unheard; the engine frees buf. */
struct proto_out {
    struct buf buf; /* what the engine wrote and the caller has not yet taken */
    struct proto_notes notes;
};

/* Points *out (never NULL) at the octets written and not yet taken; returns their number. */
static inline size_t proto_out_ready(const struct proto_out *o, const uint8_t **out)
{
    *out = o->buf.data ? o->buf.data : (const uint8_t *)"";
    return o->buf.len;
}

/* The caller took the first n octets. */
static inline void proto_out_consumed(struct proto_out *o, size_t n)
{
    buf_consume(&o->buf, n);
    o->notes.consumed += n; /* notes place their octets in the stream, not in buf */
}

/* Who hears the notes; fn NULL: nobody. */
static inline void proto_out_set_notes(struct proto_out *o, proto_note_fn fn, void *ctx)
{
    o->notes.fn = fn;
    o->notes.ctx = ctx;
}

/* Pauses waiting in a server's output at once; more are added to the last one. */
#define PROTO_PAUSES_MAX 8

/* The pauses in a server's output, in order, by offset into its buffer; zeroed: none. */
struct proto_pauses {
    struct {
        size_t at;   /* the pause comes before the octet at this offset */
        uint64_t us; /* for this many microseconds */
    } holds[PROTO_PAUSES_MAX];
    size_t n;
};

/* Holds the output from offset at (the buffer's length: what is written from now on) for us
 * more; a pause at the same place grows, and so does the last one when PROTO_PAUSES_MAX wait. */
static inline void proto_pauses_hold(struct proto_pauses *p, size_t at, uint64_t us)
{
    if (us == 0) {
        return;
    }
    if (p->n > 0 && (p->holds[p->n - 1].at == at || p->n == PROTO_PAUSES_MAX)) {
        p->holds[p->n - 1].us += us;
        return;
    }
    p->holds[p->n].at = at;
    p->holds[p->n].us = us;
    p->n++;
}

/* Of the len octets ready, those before the first pause. */
static inline size_t proto_pauses_ready(const struct proto_pauses *p, size_t len)
{
    return p->n > 0 ? p->holds[0].at : len;
}

/* The first n octets of the output were taken: the offsets move with them. */
static inline void proto_pauses_consumed(struct proto_pauses *p, size_t n)
{
    for (size_t i = 0; i < p->n; i++) {
        p->holds[i].at = p->holds[i].at > n ? p->holds[i].at - n : 0;
    }
}

/* The first pause's microseconds; 0 when none waits. */
static inline uint64_t proto_pauses_first(const struct proto_pauses *p)
{
    return p->n > 0 ? p->holds[0].us : 0;
}

/* The first pause is over: the octets up to the next one may be sent. */
static inline void proto_pauses_resume(struct proto_pauses *p)
{
    if (p->n == 0) {
        return;
    }
    memmove(&p->holds[0], &p->holds[1], (p->n - 1) * sizeof p->holds[0]);
    p->n--;
}

#endif
