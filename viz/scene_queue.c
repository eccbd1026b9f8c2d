/* scene_queue: where mail waits — at each host whose queue holds mail (an MTA that queued or
 * deferred it and has not passed it on yet), a tray above its box with a small envelope and the
 * id of each mail, so that a paused moment shows where every mail is, not only the mail
 * crossing a link (ux review M6). Deferred mail is amber: it waits for a retry. */
#include "scene_int.h"

#include <stdio.h>

/* Envelopes drawn at one host; the others are counted ("+12"). */
#define SCENE_QUEUE_SHOW 3

#define SC_QUEUED SC_RGB(226, 232, 240)
#define SC_DEFERRED SC_RGB(245, 176, 65)

static void scene_queue(struct scene *sc, uint32_t h)
{
    const struct viz_stay *stays[SCENE_QUEUE_SHOW];
    size_t shown;
    size_t waiting = viz_queue_at(sc->tl, h, sc->nvis, stays, SCENE_QUEUE_SHOW, &shown);
    if (waiting == 0) {
        return;
    }
    const struct viz_view *v = sc->v;
    const struct layout_host *lh = &sc->L.hosts[h];
    float u = sc->L.u * (v->presenter ? 1.2f : 1.0f), line = layout_line_px(DL_FONT_BODY, v);
    float ew = 30 * u, eh = ew * 0.64f, gap = 4 * u;
    float rowh = (eh > line ? eh : line) + 4 * u;
    /* the chips that fit over the box (a little wider when it is narrow), oldest first */
    char ids[SCENE_QUEUE_SHOW][64];
    float widths[SCENE_QUEUE_SHOW], room = lh->box.w > 240 * u ? lh->box.w : 240 * u;
    char more[24] = "";
    float more_w = 0, total = gap;
    size_t n = 0;
    for (size_t k = shown; k > 0; k--) {
        snprintf(ids[n], sizeof ids[n], "%s", trace_string(sc->tr, stays[k - 1]->mail));
        widths[n] = ew + gap + layout_text_width(ids[n], DL_FONT_BODY, true, v) + 2 * gap;
        if (total + widths[n] > room && n > 0) {
            break;
        }
        total += widths[n];
        n++;
    }
    if (waiting > n) {
        snprintf(more, sizeof more, "+%zu", waiting - n);
        more_w = layout_text_width(more, DL_FONT_BODY, true, v) + 2 * gap;
        total += more_w;
    }
    struct layout_box tray = {lh->box.x, lh->box.y - rowh - 3 * u, total, rowh};
    bool deferred_here = false;
    for (size_t k = 0; k < shown; k++) {
        deferred_here = deferred_here || stays[k]->deferred < sc->nvis;
    }
    scene_rect(sc, tray, SC_RGBA(255, 255, 255, 235), deferred_here ? SC_DEFERRED : SC_BORDER,
               1.5f * sc->L.thick, rowh / 2, LAYER_MOTION);
    scene_avoid(sc, tray);
    float x = tray.x + gap;
    for (size_t i = 0; i < n; i++) {
        const struct viz_stay *s = stays[shown - 1 - i];
        struct dl_item *env = dl_push(sc->out, DL_ENVELOPE);
        env->x = x + ew / 2;
        env->y = tray.y + rowh / 2;
        env->w = ew;
        env->h = eh;
        env->fill = s->deferred < sc->nvis ? SC_DEFERRED : SC_QUEUED;
        env->stroke = SC_MUTED;
        env->layer = LAYER_MOTION;
        scene_target(env, DL_TARGET_HOST, h);
        float tw = widths[i] - ew - gap;
        scene_text(sc, (struct layout_box){x + ew + gap, tray.y, tw, rowh}, ids[i], DL_FONT_BODY,
                   true, DL_ALIGN_LEFT, SC_TEXT, LAYER_MOTION_TEXT);
        x += widths[i];
    }
    if (*more) {
        scene_text(sc, (struct layout_box){x, tray.y, more_w, rowh}, more, DL_FONT_BODY, true,
                   DL_ALIGN_LEFT, SC_MUTED, LAYER_MOTION_TEXT);
    }
}

void scene_queues(struct scene *sc)
{
    for (uint32_t h = 0; h < sc->L.nhosts; h++) {
        scene_queue(sc, h);
    }
}
