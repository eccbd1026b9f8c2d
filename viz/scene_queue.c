/* scene_queue: where mail waits — at each host whose queue holds mail (an MTA that queued or
 * deferred it and has not passed it on yet), a tray above its box with a small envelope and the
 * id of each mail; beside a mailbox's count, the mail in it. So a paused moment shows where every
 * mail is, not only the mail crossing a link (ux review M6). Deferred mail is amber: it waits
 * for a retry. */
#include "scene_int.h"

#include <math.h>
#include <stdio.h>

/* Envelopes drawn in one tray; the others are counted ("+12"). */
#define SCENE_TRAY_SHOW 3

#define SC_QUEUED SC_RGB(226, 232, 240)
#define SC_DEFERRED SC_RGB(245, 176, 65)

/* One envelope of a tray: the mail's id as shown ("m1", or "m1 ×2" for two copies), how many
 * copies it stands for, and its colour. */
struct scene_chip {
    char id[96]; /* an id of up to 60 bytes, " ×" and a count */
    size_t copies;
    struct dl_color fill;
};

/* A row of envelopes: its chips, how many mails it stands for (the ones not drawn are counted,
 * "+12"), its edge, what its envelopes target; then, measured, the chips that fit. */
struct scene_tray {
    const struct scene_chip *chips;
    size_t n, total;
    struct dl_color edge;
    enum dl_target target;
    uint32_t id;
    size_t fit;
    float widths[SCENE_TRAY_SHOW];
    char more[24];
    float more_w, width, rowh;
};

static float scene_tray_unit(const struct scene *sc)
{
    return sc->L.u * (sc->v->presenter ? 1.2f : 1.0f);
}

/* Measures the tray: the chips that fit in room, and its width and height. */
static void scene_tray_measure(const struct scene *sc, struct scene_tray *t, float room)
{
    const struct viz_view *v = sc->v;
    float u = scene_tray_unit(sc), ew = 30 * u, gap = 4 * u;
    float line = layout_line_px(DL_FONT_BODY, v);
    t->rowh = (ew * 0.64f > line ? ew * 0.64f : line) + 4 * u;
    t->width = gap;
    size_t shown = 0;
    for (t->fit = 0; t->fit < t->n && t->fit < SCENE_TRAY_SHOW; t->fit++) {
        float w = ew + 3 * gap + layout_text_width(t->chips[t->fit].id, DL_FONT_BODY, true, v);
        if (t->width + w > room && t->fit > 0) {
            break;
        }
        t->widths[t->fit] = w;
        t->width += w;
        shown += t->chips[t->fit].copies;
    }
    t->more[0] = 0;
    t->more_w = 0;
    if (t->total > shown) {
        snprintf(t->more, sizeof t->more, "+%zu", t->total - shown);
        t->more_w = layout_text_width(t->more, DL_FONT_BODY, true, v) + 2 * gap;
        t->width += t->more_w;
    }
}

/* Where a measured tray goes: of the top left corners at[0..n), each moved inside the picture
 * and clear of the box keep, the first that leaves the hosts' boxes and the labels and trays
 * already placed clear; else, when it may cover them, the one that covers fewest labels and
 * least of the hosts' boxes. Returns false for none. */
static bool scene_tray_place(const struct scene *sc, const struct scene_tray *t,
                             const float (*at)[2], size_t n, struct layout_box keep, bool may_cover,
                             float *x, float *y)
{
    const struct layout_box *net = &sc->L.net;
    float right = net->x + net->w - 4 * sc->L.u, best = -1;
    for (size_t k = 0; k < n; k++) {
        float cx = at[k][0] + t->width > right ? right - t->width : at[k][0];
        cx = cx < net->x ? net->x : cx;
        float cy = at[k][1];
        struct layout_box b = {cx, cy, t->width, t->rowh};
        if (cy < net->y || cy + t->rowh > net->y + net->h || scene_boxes_meet(b, keep, 0)) {
            continue;
        }
        float area = scene_host_overlap(sc, b);
        size_t hits = 0;
        for (size_t i = 0; i < sc->navoid; i++) {
            hits += scene_boxes_meet(b, sc->avoid[i], 0);
        }
        if ((area > 0 || hits > 0) && !may_cover) {
            continue;
        }
        /* a host's box covered weighs more than any number of labels */
        float score = area > 0 ? 1e6f + area : (float)hits;
        if (best < 0 || score < best) {
            *x = cx;
            *y = cy;
            best = score;
        }
        if (score == 0) {
            break;
        }
    }
    return best >= 0;
}

/* Draws a measured tray with its top left corner at (x, y). */
static void scene_tray_draw(struct scene *sc, const struct scene_tray *t, float x, float y)
{
    float u = scene_tray_unit(sc), ew = 30 * u, gap = 4 * u;
    struct layout_box tray = {x, y, t->width, t->rowh};
    scene_rect(sc, tray, SC_RGBA(255, 255, 255, 235), t->edge, 1.5f * sc->L.thick, t->rowh / 2,
               LAYER_MOTION);
    scene_avoid(sc, tray);
    x += gap;
    for (size_t k = 0; k < t->fit; k++) {
        struct dl_item *env = dl_push(sc->out, DL_ENVELOPE);
        env->x = x + ew / 2;
        env->y = y + t->rowh / 2;
        env->w = ew;
        env->h = ew * 0.64f;
        env->fill = t->chips[k].fill;
        env->stroke = SC_MUTED;
        env->layer = LAYER_MOTION;
        scene_target(env, t->target, t->id);
        scene_text(sc, (struct layout_box){x + ew + gap, y, t->widths[k] - ew - gap, t->rowh},
                   t->chips[k].id, DL_FONT_BODY, true, DL_ALIGN_LEFT, SC_TEXT, LAYER_MOTION_TEXT);
        x += t->widths[k];
    }
    if (t->more[0]) {
        scene_text(sc, (struct layout_box){x, y, t->more_w, t->rowh}, t->more, DL_FONT_BODY, true,
                   DL_ALIGN_LEFT, SC_MUTED, LAYER_MOTION_TEXT);
    }
}

/* The mail in host h's queues: a tray on top of its box, the oldest first. */
static void scene_queue(struct scene *sc, uint32_t h)
{
    const struct viz_stay *stays[SCENE_TRAY_SHOW];
    size_t got;
    size_t waiting = viz_queue_at(sc->tl, h, sc->nvis, stays, SCENE_TRAY_SHOW, &got);
    if (waiting == 0) {
        return;
    }
    struct scene_chip chips[SCENE_TRAY_SHOW];
    bool deferred = false;
    for (size_t k = 0; k < got; k++) {
        const struct viz_stay *s = stays[got - 1 - k];
        snprintf(chips[k].id, sizeof chips[k].id, "%.60s", trace_string(sc->tr, s->mail));
        chips[k].copies = 1;
        chips[k].fill = s->deferred < sc->nvis ? SC_DEFERRED : SC_QUEUED;
        deferred = deferred || s->deferred < sc->nvis;
    }
    const struct layout_host *lh = &sc->L.hosts[h];
    struct scene_tray t = {.chips = chips,
                           .n = got,
                           .total = waiting,
                           .edge = deferred ? SC_DEFERRED : SC_BORDER,
                           .target = DL_TARGET_HOST,
                           .id = h};
    float u = sc->L.u;
    scene_tray_measure(sc, &t, fmaxf(lh->box.w, 240 * u));
    /* on top of the box, from its left or its right edge; else under it (and its mailbox) */
    float top = lh->box.y - t.rowh - 3 * u;
    float under = (lh->has_mailbox ? lh->mailbox.y + lh->mailbox.h : lh->box.y + lh->box.h) + 3 * u;
    const float at[3][2] = {
        {lh->box.x, top}, {lh->box.x + lh->box.w - t.width, top}, {lh->box.x, under}};
    float x, y;
    if (scene_tray_place(sc, &t, at, 3, (struct layout_box){0, 0, 0, 0}, true, &x, &y)) {
        scene_tray_draw(sc, &t, x, y);
    }
}

/* The mail in host h's mailboxes, delivered and not yet retrieved: a tray right of the
 * mailbox's count, in step ⑦'s colour. */
static void scene_mailbox(struct scene *sc, uint32_t h)
{
    const struct layout_host *lh = &sc->L.hosts[h];
    int32_t count = lh->has_mailbox ? viz_mailbox_count(sc->tl, h, sc->nvis) : 0;
    if (count <= 0) {
        return;
    }
    trace_str mails[8];
    size_t n = viz_mailbox_mails(sc->tl, h, sc->nvis, mails, sizeof mails / sizeof mails[0]);
    /* the same mail for two recipients on this host is one envelope, "m1 ×2" */
    struct scene_chip chips[SCENE_TRAY_SHOW];
    size_t copies[SCENE_TRAY_SHOW] = {0}, nchips = 0;
    trace_str ids[SCENE_TRAY_SHOW];
    for (size_t k = n; k > 0; k--) {
        size_t c = 0;
        while (c < nchips && ids[c] != mails[k - 1]) {
            c++;
        }
        if (c == nchips && nchips == SCENE_TRAY_SHOW) {
            continue;
        }
        ids[c] = mails[k - 1];
        copies[c]++;
        nchips += c == nchips;
    }
    for (size_t c = 0; c < nchips; c++) {
        const char *id = trace_string(sc->tr, ids[c]);
        if (copies[c] > 1) {
            snprintf(chips[c].id, sizeof chips[c].id, "%.60s ×%zu", id, copies[c]);
        } else {
            snprintf(chips[c].id, sizeof chips[c].id, "%.60s", id);
        }
        chips[c].copies = copies[c];
        chips[c].fill = scene_step_color(7);
    }
    /* right of the count, as scene_network draws the row (an icon, then the number); else left
     * of the row, or under it */
    const struct layout_box *mb = &lh->mailbox;
    char number[16];
    snprintf(number, sizeof number, "%d", (int)count);
    float u = sc->L.u;
    float x = mb->x + mb->h * 0.9f + 16 * u + layout_text_width(number, DL_FONT_BODY, true, sc->v);
    struct scene_tray t = {.chips = chips,
                           .n = nchips,
                           .total = (size_t)count,
                           .edge = SC_BORDER,
                           .target = DL_TARGET_MAILBOX,
                           .id = h};
    scene_tray_measure(sc, &t, fmaxf(mb->w, 240 * u));
    /* the count says it when there is no room that leaves the hosts' boxes clear */
    const float at[3][2] = {{x, mb->y + (mb->h - t.rowh) / 2},
                            {mb->x - t.width - 4 * u, mb->y + (mb->h - t.rowh) / 2},
                            {mb->x, mb->y + mb->h + 2 * u}};
    float tx, ty;
    struct layout_box count_box = {mb->x, mb->y, x - 4 * u - mb->x, mb->h};
    if (scene_tray_place(sc, &t, at, 3, count_box, false, &tx, &ty)) {
        scene_tray_draw(sc, &t, tx, ty);
    }
}

void scene_queues(struct scene *sc)
{
    for (uint32_t h = 0; h < sc->L.nhosts; h++) {
        scene_queue(sc, h);
        scene_mailbox(sc, h);
    }
}
