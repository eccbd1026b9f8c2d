/* proto_out: the output buffer, its pauses and its notes, the same for the four engines (see
 * proto_out.h). */
#include "proto_out.h"

#include <string.h>

void proto_out_hold(struct proto_out *o, uint64_t us)
{
    if (us == 0) {
        return;
    }
    if (o->nholds > 0 &&
        (o->holds[o->nholds - 1].at == o->buf.len || o->nholds == PROTO_OUT_HOLDS)) {
        o->holds[o->nholds - 1].us += us;
        return;
    }
    o->holds[o->nholds].at = o->buf.len;
    o->holds[o->nholds].us = us;
    o->nholds++;
}

size_t proto_out_ready(const struct proto_out *o, const uint8_t **out)
{
    *out = o->buf.data ? o->buf.data : (const uint8_t *)"";
    return o->nholds > 0 ? o->holds[0].at : o->buf.len;
}

void proto_out_consumed(struct proto_out *o, size_t n)
{
    buf_consume(&o->buf, n);
    o->notes.consumed += n; /* notes place their octets in the stream, not in buf */
    for (size_t i = 0; i < o->nholds; i++) {
        o->holds[i].at = o->holds[i].at > n ? o->holds[i].at - n : 0;
    }
}

uint64_t proto_out_pause(const struct proto_out *o)
{
    return o->nholds > 0 ? o->holds[0].us : 0;
}

void proto_out_resume(struct proto_out *o)
{
    if (o->nholds == 0) {
        return;
    }
    memmove(&o->holds[0], &o->holds[1], (o->nholds - 1) * sizeof o->holds[0]);
    o->nholds--;
}

void proto_out_set_notes(struct proto_out *o, proto_note_fn fn, void *ctx)
{
    o->notes.fn = fn;
    o->notes.ctx = ctx;
}
