/* scene_note: the scenario's narration as a callout in the network area, for a few seconds after
 * it happens — in free space, never over the hosts it talks about, two lines with "…" when it is
 * longer, its whole text while the view asks for it (a click on it, viz_view.note_open). */
#include "scene_int.h"

#include <stdio.h>
#include <string.h>

/* A note stays on screen this long (presentation seconds) after it happens. */
#define SCENE_NOTE_HOLD 8.0
/* Lines of a note that is not opened; the last ends with "…" when there is more. */
#define SCENE_NOTE_LINES 2
#define SCENE_NOTE_MAX_LINES 12

/* The latest note at or before the moment shown, in the viewer's language ("" none). */
static const char *note_text(const struct scene *sc)
{
    const struct trace *tr = sc->tr;
    size_t stop = sc->nvis > SCENE_FLIGHT_SCAN ? sc->nvis - SCENE_FLIGHT_SCAN : 0;
    for (size_t i = sc->nvis; i > stop; i--) {
        const struct trace_event *e = trace_event_at(tr, i - 1);
        if (sc->p - viz_timeline_event_p(sc->tl, i - 1) > SCENE_NOTE_HOLD) {
            break;
        }
        if (e->kind == TRACE_NOTE) {
            bool ja = sc->s->lang && strcmp(sc->s->lang, "ja") == 0;
            const char *text = ja ? trace_note_ja(tr, e) : trace_note_en(tr, e);
            return *text ? text : (ja ? trace_note_en(tr, e) : trace_note_ja(tr, e));
        }
    }
    return "";
}

/* Whether b is clear of the still parts of the diagram: host boxes with their mailbox rows, and
 * the links' labels and icons. */
static bool note_free(const struct scene *sc, struct layout_box b)
{
    float m = 4 * sc->L.u;
    for (size_t h = 0; h < sc->L.nhosts; h++) {
        const struct layout_host *lh = &sc->L.hosts[h];
        struct layout_box hb = lh->box;
        if (lh->has_mailbox) {
            hb.h = lh->mailbox.y + lh->mailbox.h - hb.y;
        }
        if (scene_boxes_meet(b, hb, m)) {
            return false;
        }
    }
    for (size_t i = 0; i < sc->navoid_still; i++) {
        if (scene_boxes_meet(b, sc->avoid[i], m)) {
            return false;
        }
    }
    return true;
}

/* Where a note of width w and height h goes: at the top of the network area under the zones'
 * names, centred if it can be, else slid sideways; else at the bottom; else at the top centre
 * over whatever is there. */
static struct layout_box note_place(const struct scene *sc, float w, float h, bool *free)
{
    *free = true;
    const struct layout_box *net = &sc->L.net;
    float u = sc->L.u;
    float ys[2] = {sc->L.content.y, net->y + net->h - h - 6 * u};
    for (int k = 0; k < 2; k++) {
        struct layout_box b = {net->x + (net->w - w) / 2, ys[k], w, h};
        if (note_free(sc, b)) {
            return b;
        }
        float step = 16 * u;
        for (float d = step; d < net->w / 2; d += step) {
            for (int side = -1; side <= 1; side += 2) {
                b.x = net->x + (net->w - w) / 2 + (float)side * d;
                if (b.x >= net->x && b.x + w <= net->x + net->w && note_free(sc, b)) {
                    return b;
                }
            }
        }
    }
    *free = false;
    return (struct layout_box){net->x + (net->w - w) / 2, ys[0], w, h};
}

void scene_note(struct scene *sc)
{
    const char *text = note_text(sc);
    if (!*text) {
        return;
    }
    const struct viz_view *v = sc->v;
    float u = sc->L.u, pad = sc->L.pad, lh = layout_line_px(DL_FONT_BODY, v);
    const char *starts[SCENE_NOTE_MAX_LINES], *ends[SCENE_NOTE_MAX_LINES];
    /* as narrow as it can be in two lines, so that it finds room between the boxes; the widest
     * the area allows when even that takes more */
    float widest = sc->L.net.w * 0.86f - 2 * pad;
    float tw = layout_text_width(text, DL_FONT_BODY, false, v);
    float w = tw < widest ? tw : widest;
    size_t n = layout_wrap(text, w, w, DL_FONT_BODY, false, v, starts, ends, SCENE_NOTE_MAX_LINES);
    if (n == 1 && tw > widest * 0.5f) {
        /* a long sentence on two lines rather than across the whole area */
        size_t n2 = layout_wrap(text, tw * 0.55f, tw * 0.55f, DL_FONT_BODY, false, v, starts, ends,
                                SCENE_NOTE_MAX_LINES);
        if (n2 == 2) {
            w = tw * 0.55f;
            n = n2;
        } else {
            n = layout_wrap(text, w, w, DL_FONT_BODY, false, v, starts, ends, SCENE_NOTE_MAX_LINES);
        }
    }
    /* placed as a shortened note; an opened one grows down over the picture, as asked. Where
     * it finds no free place (a result card is there), it gets narrower, down to half: more of
     * it behind its "…", but nothing it covers */
    size_t placed = n < SCENE_NOTE_LINES ? n : SCENE_NOTE_LINES;
    bool free;
    struct layout_box b = note_place(sc, w + 2 * pad, lh * (float)placed + pad, &free);
    static const float narrower[] = {0.8f, 0.65f, 0.5f};
    for (size_t k = 0; !free && n > 1 && k < sizeof narrower / sizeof narrower[0]; k++) {
        float nw = w * narrower[k];
        size_t nn =
            layout_wrap(text, nw, nw, DL_FONT_BODY, false, v, starts, ends, SCENE_NOTE_MAX_LINES);
        struct layout_box nb = note_place(sc, nw + 2 * pad, lh * (float)placed + pad, &free);
        if (free) {
            b = nb;
            w = nw;
            n = nn;
        }
    }
    if (!free) {
        n = layout_wrap(text, w, w, DL_FONT_BODY, false, v, starts, ends, SCENE_NOTE_MAX_LINES);
    }
    bool more = n > SCENE_NOTE_LINES && !v->note_open;
    size_t shown = more ? SCENE_NOTE_LINES : (n < SCENE_NOTE_MAX_LINES ? n : SCENE_NOTE_MAX_LINES);
    b.h = lh * (float)shown + pad;
    scene_rect(sc, b, SC_RGBA(255, 250, 225, 245), SC_RGB(214, 170, 40), 1.5f * sc->L.thick, 6 * u,
               LAYER_NOTE);
    for (size_t i = 0; i < shown; i++) {
        char line[1024];
        const char *end = i + 1 == shown && more ? starts[i] + strlen(starts[i]) : ends[i];
        snprintf(line, sizeof line, "%.*s", (int)(end - starts[i]), starts[i]);
        /* the last line of a shortened note runs into the box's edge: the renderer ends it with
         * "…", and a click opens it */
        scene_text(sc,
                   (struct layout_box){b.x + pad, b.y + pad / 2 + lh * (float)i, b.w - 2 * pad, lh},
                   line, DL_FONT_BODY, false, DL_ALIGN_LEFT, SC_TEXT, LAYER_NOTE);
    }
}

bool scene_note_at(const struct display_list *dl, float x, float y)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_RECT && it->layer == LAYER_NOTE && x >= it->x && x <= it->x + it->w &&
            y >= it->y && y <= it->y + it->h) {
            return true;
        }
    }
    return false;
}
