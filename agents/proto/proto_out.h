/* proto_out: the output side of every engine: the bytes queued for the peer, the notes about
 * them (proto_note.h), and the pauses in them. An engine owns no clock, so a server that must
 * wait (Postfix's smtpd_error_sleep_time, Dovecot's auth_failure_delay) marks a pause in its
 * output and the caller lets the time pass; the clients never pause. */
#ifndef MAILSIM_PROTO_OUT_H
#define MAILSIM_PROTO_OUT_H

#include "buf.h"
#include "proto_note.h"

#include <stddef.h>
#include <stdint.h>

/* Pauses waiting in the output at once; more are added to the last one. */
#define PROTO_OUT_HOLDS 8

/* Zeroed, with buf_init(&buf, 0), it is empty, unpaused and unheard; the engine frees buf. */
struct proto_out {
    struct buf buf; /* what the engine wrote and the caller has not yet taken */
    struct {
        size_t at;   /* the pause comes before the octet at this offset of buf */
        uint64_t us; /* for this many microseconds */
    } holds[PROTO_OUT_HOLDS];
    size_t nholds;
    struct proto_notes notes;
};

/* Holds what is written from now on for us more; a pause at the same place grows, and so does
 * the last one when PROTO_OUT_HOLDS wait already. */
void proto_out_hold(struct proto_out *o, uint64_t us);
/* Points *out (never NULL) at the octets that may be sent now, those before the first pause,
 * and returns their number. */
size_t proto_out_ready(const struct proto_out *o, const uint8_t **out);
/* The caller took the first n octets. */
void proto_out_consumed(struct proto_out *o, size_t n);
/* The first pause's microseconds; 0 when none waits. */
uint64_t proto_out_pause(const struct proto_out *o);
/* The first pause is over: the octets up to the next one may be sent. */
void proto_out_resume(struct proto_out *o);
/* Who hears the notes; fn NULL: nobody. */
void proto_out_set_notes(struct proto_out *o, proto_note_fn fn, void *ctx);

#endif
