/* scene_lines: protocol lines as the transcript shows them — cleaned of control characters that
 * would hide what was on the wire — and what the trace's annotations say of them: a credential
 * and its decoding, a refusing reply, a challenge decoded. The engines that sent the bytes said
 * so (trace_kinds.h); the view reads it and parses no protocol. */
#include "scene_int.h"

#include <stdio.h>
#include <string.h>

/* Appends s (n bytes) to out if all of it fits; returns false when it did not. */
static bool lines_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > cap) {
        return false;
    }
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = 0;
    return true;
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t lines_utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t k = c >= 0xC2 && c <= 0xDF
                   ? 2
                   : (c >= 0xE0 && c <= 0xEF ? 3 : (c >= 0xF0 && c <= 0xF4 ? 4 : 0));
    if (k == 0 || k > n) {
        return 0;
    }
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    /* overlong three- and four-byte forms and surrogates */
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] >= 0x90)) {
        return 0;
    }
    return k;
}

void scene_clean_line(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0) {
        return;
    }
    out[0] = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        char esc[8];
        const char *piece = esc;
        size_t k = 1, plen;
        if (c == '\r') {
            piece = "<CR>";
        } else if (c == '\n') {
            piece = "<LF>";
        } else if (c == 0) {
            piece = "<NUL>";
        } else if (c == '\t') {
            piece = " ";
        } else if (c >= 0x20 && c < 0x7F) {
            esc[0] = (char)c;
            esc[1] = 0;
        } else if (c >= 0x80 && (k = lines_utf8_len(p + i, n - i)) > 0) {
            memcpy(esc, p + i, k);
            esc[k] = 0;
        } else {
            k = 1;
            snprintf(esc, sizeof esc, "<%02X>", c);
        }
        plen = strlen(piece);
        if (!lines_put(out, cap, &len, piece, plen)) {
            return;
        }
        i += k;
    }
}

bool scene_is_note(const struct trace_event *e)
{
    return e->kind == TRACE_SECRET || e->kind == TRACE_REPLY || e->kind == TRACE_MESSAGE;
}

const struct trace_event *scene_note_next(const struct trace *tr, size_t ev, size_t *at, int kind)
{
    const struct trace_event *d = trace_event_at(tr, ev);
    for (size_t i = *at + 1; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        bool note = scene_is_note(e);
        /* past the taps' events of the same bytes, anything else ends the annotations */
        if (!note && e->kind != TRACE_SNIFF && e->kind != TRACE_TAMPER) {
            return NULL;
        }
        if (note && e->conn == d->conn && e->from == d->from && (kind < 0 || e->kind == kind)) {
            *at = i;
            return e;
        }
    }
    return NULL;
}

bool scene_reply_refuses(const struct trace *tr, const struct trace_event *reply)
{
    const char *c = trace_reply_class(tr, reply);
    return strcmp(c, "4xx") == 0 || strcmp(c, "5xx") == 0 || strcmp(c, "-ERR") == 0;
}

/* Appends the fields of a decoded value (NUL-separated) to out, as "alice / wonderland". */
static void lines_fields(const uint8_t *p, size_t n, char *out, size_t cap, size_t *len)
{
    for (size_t i = 0; i <= n;) {
        const uint8_t *nul = memchr(p + i, 0, n - i);
        size_t k = nul ? (size_t)(nul - (p + i)) : n - i;
        char field[256];
        scene_clean_line(p + i, k, field, sizeof field);
        if (*len > 0 && !lines_put(out, cap, len, " / ", 3)) {
            return;
        }
        if (!lines_put(out, cap, len, field, strlen(field))) {
            return;
        }
        i += k + 1;
    }
}

void scene_line_meaning(const struct trace *tr, size_t ev, uint32_t off, uint32_t len,
                        struct scene_meaning *m)
{
    memset(m, 0, sizeof *m);
    size_t dlen = 0;
    size_t at = ev;
    const struct trace_event *e;
    while ((e = scene_note_next(tr, ev, &at, -1)) != NULL) {
        uint32_t from = (uint32_t)e->num, to = from + e->aux;
        if (to <= off || from >= off + len || e->kind == TRACE_MESSAGE) {
            continue;
        }
        const uint8_t *v = trace_bytes_ptr(tr, e->bytes);
        if (e->kind == TRACE_SECRET) {
            m->secret = true;
            /* the value is worth showing only when the wire writes it otherwise (base64) */
            if (*trace_secret_encoding(tr, e)) {
                lines_fields(v, e->bytes.len, m->decoded, sizeof m->decoded, &dlen);
            }
        } else if (scene_reply_refuses(tr, e)) {
            m->refusal = true;
        } else if (e->bytes.len > 0 && dlen == 0) {
            /* a SASL challenge: "334 VXNlcm5hbWU6" says "Username:" */
            scene_clean_line(v, e->bytes.len, m->decoded, sizeof m->decoded);
            dlen = strlen(m->decoded);
        }
    }
}
