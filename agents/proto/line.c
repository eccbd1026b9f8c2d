/* line: incremental line reader with limits (see line.h). */
#include "line.h"

#include <stdlib.h>

int line_reader_init(struct line_reader *r, size_t max_line, enum line_end end)
{
    r->buf = malloc(max_line + 1);
    if (!r->buf) {
        return -1;
    }
    r->max_line = max_line;
    r->end = end;
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

void line_reader_reset(struct line_reader *r)
{
    r->len = 0;
    r->total = 0;
    r->flags = 0;
    r->pending_cr = false;
}

static void line_keep(struct line_reader *r, uint8_t c)
{
    /* The limit counts the CRLF. In LF mode the CR is kept until the LF shows it was part of
     * the terminator, so one more octet of room is needed there. */
    size_t room = r->max_line >= 2 ? r->max_line - 2 : 0;
    if (r->end == LINE_END_LF) {
        room++;
    }
    r->total++;
    if (c == 0) {
        r->flags |= LINE_HAS_NUL;
    }
    if (r->len < room) {
        r->buf[r->len++] = c;
    } else {
        r->flags |= LINE_TOO_LONG;
    }
}

static void line_finish(struct line_reader *r, struct line *out)
{
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

int line_reader_feed(struct line_reader *r, const uint8_t *in, size_t n, size_t *consumed,
                     struct line *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (r->end == LINE_END_LF) {
            if (c == '\n') {
                if (r->pending_cr) {
                    if (!(r->flags & LINE_TOO_LONG)) {
                        r->len--; /* the CR was kept: drop it, it belongs to the CRLF */
                    }
                } else {
                    r->flags |= LINE_BARE_LF;
                }
                *consumed = i + 1;
                line_finish(r, out);
                return 1;
            }
            /* Remember a CR even when the line is too long to keep it. */
            r->pending_cr = (c == '\r');
            line_keep(r, c);
            continue;
        }
        /* CRLF mode: a CR is held back until we know whether LF follows. */
        if (r->pending_cr) {
            if (c == '\n') {
                *consumed = i + 1;
                line_finish(r, out);
                return 1;
            }
            line_keep(r, '\r');
            r->pending_cr = false;
        }
        if (c == '\r') {
            r->pending_cr = true;
        } else {
            line_keep(r, c);
        }
    }
    *consumed = n;
    return 0;
}
