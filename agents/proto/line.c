/* line: incremental line reader with limits (see line.h). */
#include "line.h"

#include <stdlib.h>
#include <string.h>

int line_reader_init(struct line_reader *r, size_t max_line, enum line_end end)
{
    /* The buffer comes with the first line: a session that never reads a SASL response or a
     * DATA line (most of them, under load) never pays for one. */
    r->buf = NULL;
    r->max_line = max_line;
    r->end = end;
    r->split = false;
    line_reader_reset(r);
    return 0;
}

void line_reader_free(struct line_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

void line_reader_set_end(struct line_reader *r, enum line_end end)
{
    r->end = end;
}

void line_reader_set_split(struct line_reader *r, bool split)
{
    r->split = split;
}

void line_reader_reset(struct line_reader *r)
{
    r->len = 0;
    r->total = 0;
    r->flags = 0;
    r->pending_cr = false;
}

/* The octets of the current line that fit under the limit. The limit counts the CRLF. In LF
 * mode the CR is kept until the LF shows it was part of the terminator, so one more octet of
 * room is needed there. */
static size_t line_room(const struct line_reader *r)
{
    size_t room = r->max_line >= 2 ? r->max_line - 2 : 0;
    return r->end == LINE_END_LF ? room + 1 : room;
}

/* The line buffer, made on first use. Running out of memory for one line is not a protocol
 * error a peer could provoke (the size is fixed at init): it aborts, as an allocator would. */
static void line_need_buf(struct line_reader *r)
{
    if (!r->buf) {
        r->buf = malloc(r->max_line + 1);
        if (!r->buf) {
            abort();
        }
    }
}

/* Keeps n octets that are all text of the current line. Whole runs are kept at once, so a
 * long DATA line costs one memcpy rather than a call per octet. */
static void line_keep_run(struct line_reader *r, const uint8_t *p, size_t n)
{
    line_need_buf(r);
    size_t room = line_room(r);
    size_t take = r->len < room ? room - r->len : 0;
    r->total += n;
    if (memchr(p, 0, n)) {
        r->flags |= LINE_HAS_NUL;
    }
    if (n > take) {
        r->flags |= LINE_TOO_LONG;
        n = take;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
}

static void line_keep(struct line_reader *r, uint8_t c)
{
    line_keep_run(r, &c, 1);
}

/* Split mode: the buffer is full, so what it holds goes out as one piece of a longer line. The
 * CR held back (pending_cr) stays pending for the next piece. */
static void line_piece(struct line_reader *r, struct line *out)
{
    r->buf[r->len] = 0;
    out->text = (const char *)r->buf;
    out->len = r->len;
    out->flags = r->flags | LINE_PARTIAL;
    r->len = 0;
    r->flags &= ~(unsigned)LINE_HAS_NUL;
}

static void line_finish(struct line_reader *r, struct line *out)
{
    line_need_buf(r);
    size_t text_max = r->max_line >= 2 ? r->max_line - 2 : 0;
    if (r->len > text_max) {
        r->len = text_max;
        r->flags |= LINE_TOO_LONG;
    }
    r->buf[r->len] = 0;
    out->text = (const char *)r->buf;
    out->len = r->len;
    out->flags = r->flags;
    r->len = 0;
    r->total = 0;
    r->flags = 0;
    r->pending_cr = false;
}

/* LF mode: every octet before the LF is text; a CR just before it belongs to the CRLF. */
static int line_feed_lf(struct line_reader *r, const uint8_t *in, size_t n, size_t *consumed,
                        struct line *out)
{
    const uint8_t *lf = memchr(in, '\n', n);
    size_t run = lf ? (size_t)(lf - in) : n;
    if (run > 0) {
        /* Remember a CR even when the line is too long to keep it. */
        r->pending_cr = (in[run - 1] == '\r');
        line_keep_run(r, in, run);
    }
    if (!lf) {
        *consumed = n;
        return 0;
    }
    if (r->pending_cr) {
        if (!(r->flags & LINE_TOO_LONG)) {
            r->len--; /* the CR was kept: drop it, it belongs to the CRLF */
        }
    } else {
        r->flags |= LINE_BARE_LF;
    }
    *consumed = run + 1;
    line_finish(r, out);
    return 1;
}

/* CRLF mode: a CR is held back until we know whether LF follows; a bare LF is text. */
static int line_feed_crlf(struct line_reader *r, const uint8_t *in, size_t n, size_t *consumed,
                          struct line *out)
{
    size_t i = 0;
    while (i < n) {
        /* Split mode: a full buffer goes out as a piece once the line is known to go on (a CR
         * might still be the start of its end). */
        bool full = r->split && r->len >= line_room(r);
        if (r->pending_cr) {
            if (in[i] == '\n') {
                *consumed = i + 1;
                line_finish(r, out);
                return 1;
            }
            if (full) {
                line_need_buf(r);
                *consumed = i;
                line_piece(r, out);
                return 1;
            }
            line_keep(r, '\r');
            r->pending_cr = false;
            continue; /* the buffer may be full now */
        }
        if (full && in[i] != '\r') {
            line_need_buf(r);
            *consumed = i;
            line_piece(r, out);
            return 1;
        }
        const uint8_t *cr = memchr(in + i, '\r', n - i);
        size_t run = cr ? (size_t)(cr - (in + i)) : n - i;
        if (r->split && run > line_room(r) - r->len) {
            run = line_room(r) - r->len; /* up to the end of this piece; the CR comes later */
            cr = NULL;
        }
        if (run > 0) {
            line_keep_run(r, in + i, run);
        }
        i += run;
        if (cr) {
            r->pending_cr = true;
            i++;
        }
    }
    *consumed = n;
    return 0;
}

int line_reader_feed(struct line_reader *r, const uint8_t *in, size_t n, size_t *consumed,
                     struct line *out)
{
    if (n == 0) {
        *consumed = 0;
        return 0;
    }
    if (r->end == LINE_END_LF) {
        return line_feed_lf(r, in, n, consumed, out);
    }
    return line_feed_crlf(r, in, n, consumed, out);
}
