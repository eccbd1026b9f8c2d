/* scene_bars: the top bar (the step's circled number and its narration, play state and speed),
 * the timeline with its nine step markers and the scrubber, the hover tooltip, and the help
 * overlay. */
#include "scene_int.h"

#include <stdio.h>
#include <string.h>

/* ---- top bar ---- */

/* Breaks text into at most max lines of width w in font f; the rest goes on the last line
 * (the renderer ellipsises it). Returns the number of lines, or 0 when more were needed. */
static size_t bars_wrap(const struct scene *sc, const char *text, float w, enum dl_font f,
                        size_t max, const char **starts, size_t *lens)
{
    const char *s = text;
    size_t n = 0;
    while (*s && n < max) {
        const char *end = n + 1 == max ? s + strlen(s) : layout_text_break(s, w, f, false, sc->v);
        starts[n] = s;
        lens[n] = (size_t)(end - s);
        n++;
        s = end;
        while (*s == ' ') {
            s++;
        }
    }
    if (*s || (n == max && layout_text_width(starts[n - 1], f, false, sc->v) > w)) {
        return 0;
    }
    return n;
}

static void bars_narration(struct scene *sc, struct layout_box b, const char *text,
                           enum dl_target target, uint32_t target_id)
{
    const char *starts[3];
    size_t lens[3];
    enum dl_font font = DL_FONT_TITLE;
    size_t n = bars_wrap(sc, text, b.w, font, 2, starts, lens);
    if (layout_line_px(font, sc->v) * (float)n > b.h) {
        n = 0; /* two lines of the title's type do not fit under the actor's name */
    }
    if (n == 0) {
        font = DL_FONT_BODY;
        n = bars_wrap(sc, text, b.w, font, 3, starts, lens);
        if (n == 0) {
            /* does not fit even so: three lines, the last one cut by the renderer */
            const char *s = text;
            for (n = 0; n < 3 && *s; n++) {
                const char *end =
                    n == 2 ? s + strlen(s) : layout_text_break(s, b.w, font, false, sc->v);
                starts[n] = s;
                lens[n] = (size_t)(end - s);
                for (s = end; *s == ' '; s++) {
                }
            }
        }
    }
    float lh = layout_line_px(font, sc->v);
    float y = b.y + (b.h - lh * (float)n) / 2;
    for (size_t i = 0; i < n; i++) {
        char line[1024];
        size_t k = lens[i] < sizeof line - 1 ? lens[i] : sizeof line - 1;
        memcpy(line, starts[i], k);
        line[k] = 0;
        struct dl_item *it = scene_text(sc, (struct layout_box){b.x, y + lh * (float)i, b.w, lh},
                                        line, font, false, DL_ALIGN_LEFT, SC_TEXT, LAYER_BAR_TEXT);
        scene_target(it, target_id > 0 || target == DL_TARGET_BEAT ? target : DL_TARGET_NONE,
                     target_id);
    }
}

/* The run's title in the viewer's language. */
static const char *bars_title(const struct scene *sc)
{
    const struct trace *tr = sc->tr;
    bool ja = sc->s->lang && strcmp(sc->s->lang, "ja") == 0;
    const char *t = ja ? tr->title_ja : tr->title_en;
    t = t && *t ? t : (ja ? tr->title_en : tr->title_ja);
    t = t && *t ? t : tr->title;
    return t ? t : "";
}

void scene_top_bar(struct scene *sc)
{
    const struct viz_view *v = sc->v;
    const struct layout_box *top = &sc->L.top;
    float u = sc->L.u, m = 12 * u;
    scene_rect(sc, *top, SC_PANEL, SC_NONE, 0, 0, LAYER_BAR);
    scene_line(sc, top->x, top->y + top->h - 1, top->x + top->w, top->y + top->h - 1, SC_BORDER,
               1.5f * sc->L.thick, LAYER_BAR);
    float d = top->h - 14 * u;
    struct dl_color accent = sc->accent;
    struct layout_box disc = {m, top->y + (top->h - d) / 2, d, d};
    bool told = sc->step > 0 || sc->beat >= 0;
    enum dl_target target = sc->beat >= 0 ? DL_TARGET_BEAT : DL_TARGET_STEP;
    uint32_t target_id = sc->beat >= 0 ? (uint32_t)sc->beat : (uint32_t)sc->step;
    if (told) {
        /* the step's number, or a mark for a moment of another kind: "!" an attacker's */
        struct dl_item *c = scene_rect(sc, disc, accent, SC_NONE, 0, d / 2, LAYER_BAR);
        scene_target(c, target, target_id);
        char digit[16];
        if (sc->step > 0) {
            snprintf(digit, sizeof digit, "%d", sc->step);
        } else {
            snprintf(digit, sizeof digit, "%s", trace_agent_attacks(sc->tr, sc->actor) ? "!" : "◆");
        }
        struct dl_item *t = scene_text(sc, disc, digit, DL_FONT_TITLE, true, DL_ALIGN_CENTER,
                                       SC_RGB(255, 255, 255), LAYER_BAR_TEXT);
        scene_target(t, target, target_id);
    }
    float right_w = top->w * 0.16f;
    float nx = disc.x + d + 16 * u;
    struct layout_box nb = {nx, top->y + 4 * u, top->x + top->w - right_w - m - nx - 8 * u,
                            top->h - 8 * u};
    char title[512] = "";
    if (sc->beat >= 0) {
        /* the actor's name in the actor's colour, above the beat's title */
        const char *actor = trace_string(sc->tr, sc->actor);
        float small = layout_line_px(DL_FONT_SMALL, v);
        scene_text(sc, (struct layout_box){nb.x, nb.y, nb.w, small}, actor, DL_FONT_SMALL, true,
                   DL_ALIGN_LEFT, accent, LAYER_BAR_TEXT);
        nb.y += small;
        nb.h -= small;
        bool ja = sc->s->lang && strcmp(sc->s->lang, "ja") == 0;
        size_t n;
        const char *w = trace_beat_word(sc->tr, viz_timeline_beat_event(sc->tl, (size_t)sc->beat),
                                        ja ? TRACE_BEAT_TITLE_JA : TRACE_BEAT_TITLE_EN, &n);
        snprintf(title, sizeof title, "%.*s", (int)n, w);
    } else if (sc->step > 0) {
        snprintf(title, sizeof title, "%s", scene_str(sc->s->step_title[sc->step]));
    }
    bars_narration(sc, nb, *title ? title : bars_title(sc), target, target_id);
    /* right: the run's title, then the play state and the speed */
    float rx = top->x + top->w - right_w - m, body = layout_line_px(DL_FONT_BODY, v);
    float small = layout_line_px(DL_FONT_SMALL, v);
    float ry = top->y + (top->h - small - body * 1.2f) / 2;
    scene_text(sc, (struct layout_box){rx, ry, right_w, small}, bars_title(sc), DL_FONT_SMALL,
               false, DL_ALIGN_RIGHT, SC_MUTED, LAYER_BAR_TEXT);
    char speed[32];
    snprintf(speed, sizeof speed, "%g×", v->speed > 0 ? v->speed : 1.0);
    float sw = layout_text_width(speed, DL_FONT_BODY, true, v) + 4 * u;
    float y2 = ry + small;
    scene_text(sc, (struct layout_box){rx + right_w - sw, y2, sw, body * 1.2f}, speed, DL_FONT_BODY,
               true, DL_ALIGN_RIGHT, SC_TEXT, LAYER_BAR_TEXT);
    const char *state = scene_str(v->playing ? sc->s->playing : sc->s->paused);
    float stw = layout_text_width(state, DL_FONT_BODY, false, v) + 4 * u;
    float sx = rx + right_w - sw - 12 * u - stw;
    scene_text(sc, (struct layout_box){sx, y2, stw, body * 1.2f}, state, DL_FONT_BODY, false,
               DL_ALIGN_RIGHT, SC_TEXT, LAYER_BAR_TEXT);
    scene_icon(sc, v->playing ? DL_ICON_PLAY : DL_ICON_PAUSE, sx - body * 0.6f, y2 + body * 0.6f,
               body * 0.9f, accent, LAYER_BAR_TEXT);
}

/* ---- timeline ---- */

/* The first mail's step markers (a trace without beats), in time order, their labels pushed
 * apart where steps crowd together. */
static void bars_step_marks(struct scene *sc, const struct layout_box *tb,
                            const struct layout_box *track, double d, float body)
{
    const struct viz_timeline *tl = sc->tl;
    float u = sc->L.u;
    int order[9];
    size_t n = 0;
    for (int k = 1; k <= 9; k++) {
        if (tl->marks[k].set) {
            size_t i = n++;
            while (i > 0 && tl->marks[order[i - 1]].p > tl->marks[k].p) {
                order[i] = order[i - 1];
                i--;
            }
            order[i] = k;
        }
    }
    float lx[9], gap = body * 1.15f, right = track->x + track->w;
    for (size_t i = 0; i < n; i++) {
        lx[i] = layout_track_x(&sc->L, tl->marks[order[i]].p, d);
        lx[i] = i > 0 && lx[i] < lx[i - 1] + gap ? lx[i - 1] + gap : lx[i];
    }
    for (size_t i = n; i > 0; i--) {
        float lim = i == n ? right : lx[i] - gap;
        lx[i - 1] = lx[i - 1] > lim ? lim : lx[i - 1];
    }
    for (size_t i = 0; i < n; i++) {
        int k = order[i];
        float x = layout_track_x(&sc->L, tl->marks[k].p, d);
        bool reached = tl->marks[k].p <= sc->p, current = k == sc->step;
        struct dl_color c = reached ? scene_step_color(k) : SC_FAINT;
        struct dl_item *tick = scene_line(sc, x, track->y - 3 * u, x, track->y + track->h + 3 * u,
                                          c, 2 * sc->L.thick, LAYER_BAR_TEXT);
        scene_target(tick, DL_TARGET_STEP, (uint32_t)k);
        struct layout_box lb = {lx[i] - gap / 2, tb->y + 3 * u, gap, body * 1.3f};
        if (current) {
            struct dl_color ring = c;
            ring.a = 40;
            scene_rect(sc, lb, ring, c, 1.5f * sc->L.thick, 6 * u, LAYER_BAR);
        }
        struct dl_item *t = scene_text(sc, lb, scene_circled(k), DL_FONT_BODY, current || reached,
                                       DL_ALIGN_CENTER, c, LAYER_BAR_TEXT);
        scene_target(t, DL_TARGET_STEP, (uint32_t)k);
    }
}

/* Ticks for the beats of the story: a beat's colour (its step's, an attacker's red, another
 * moment's slate) once reached; labels (the step's number, "!" or "◆"), pushed apart where
 * beats crowd, when there is room for all of them, else for the beat narrated only. A long run
 * draws its holding beats, at most one tick a pixel. */
static void bars_beat_marks(struct scene *sc, const struct layout_box *tb,
                            const struct layout_box *track, double d, float body)
{
    const struct viz_timeline *tl = sc->tl;
    float u = sc->L.u, gap = body * 1.15f, last_x = -1, right = track->x + track->w;
    /* the ticks drawn (at most one a pixel), and where their labels go */
    enum { MAX_TICKS = 1024 };
    size_t ticks[MAX_TICKS], n = 0;
    float lx[MAX_TICKS];
    /* the beats told (those that hold the clock), at most one tick a pixel but every one of
     * the first mail's and the one narrated */
    for (size_t j = 0; j < tl->nholds && n < MAX_TICKS; j++) {
        size_t k = tl->holds[j];
        const struct viz_beat *b = &tl->beats[k];
        float x = layout_track_x(&sc->L, b->p, d);
        if ((long)k != sc->beat && b->mail != tl->first_mail && x - last_x < 1) {
            continue;
        }
        last_x = x;
        ticks[n] = k;
        lx[n] = n > 0 && x < lx[n - 1] + gap ? lx[n - 1] + gap : x;
        n++;
    }
    /* labels pushed apart where beats crowd together, and back inside the track */
    for (size_t i = n; i > 0; i--) {
        float lim = i == n ? right : lx[i] - gap;
        lx[i - 1] = lx[i - 1] > lim ? lim : lx[i - 1];
    }
    bool labels = (float)n * gap <= track->w;
    for (size_t i = 0; i < n; i++) {
        size_t k = ticks[i];
        const struct viz_beat *b = &tl->beats[k];
        bool current = (long)k == sc->beat;
        float x = layout_track_x(&sc->L, b->p, d);
        bool attacker = trace_agent_attacks(sc->tr, b->agent);
        struct dl_color c = b->p > sc->p ? SC_FAINT
                            : attacker   ? SC_ATTACKER
                            : b->step    ? scene_step_color(b->step)
                                         : SC_MOMENT;
        struct dl_item *tick = scene_line(sc, x, track->y - 3 * u, x, track->y + track->h + 3 * u,
                                          c, (current ? 3 : 2) * sc->L.thick, LAYER_BAR_TEXT);
        scene_target(tick, DL_TARGET_BEAT, (uint32_t)k);
        if (!labels && !current) {
            continue;
        }
        float at = labels ? lx[i] : x;
        struct layout_box lb = {at - gap / 2, tb->y + 3 * u, gap, body * 1.3f};
        if (current) {
            struct dl_color ring = c;
            ring.a = 40;
            scene_rect(sc, lb, ring, c, 1.5f * sc->L.thick, 6 * u, LAYER_BAR);
        }
        const char *mark = b->step ? scene_circled(b->step) : attacker ? "!" : "◆";
        struct dl_item *t = scene_text(sc, lb, mark, DL_FONT_BODY, current || b->p <= sc->p,
                                       DL_ALIGN_CENTER, c, LAYER_BAR_TEXT);
        scene_target(t, DL_TARGET_BEAT, (uint32_t)k);
    }
}

/* Presentation time as a clock: "25.3 s", "12:05.0", "5:50:56". */
static void bars_time(double p, char *buf, size_t len)
{
    p = p < 0 ? 0 : p;
    if (p < 60) {
        snprintf(buf, len, "%.1f s", p);
    } else if (p < 3600) {
        int m = (int)(p / 60);
        snprintf(buf, len, "%d:%04.1f", m, p - 60.0 * m);
    } else {
        long s = (long)p;
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    }
}

/* Virtual time as a clock from the run's start: "0:05.3", "5:00.0", "1:02:03". */
static void bars_sim_clock(double tv_us, char *buf, size_t len)
{
    double s = tv_us < 0 ? 0 : tv_us / 1e6;
    if (s < 3600) {
        int m = (int)(s / 60);
        snprintf(buf, len, "%d:%04.1f", m, s - 60.0 * m);
    } else {
        long w = (long)s;
        snprintf(buf, len, "%ld:%02ld:%02ld", w / 3600, w / 60 % 60, w % 60);
    }
}

void scene_timeline_bar(struct scene *sc)
{
    const struct viz_view *v = sc->v;
    const struct viz_timeline *tl = sc->tl;
    const struct layout_box *tb = &sc->L.timeline, *track = &sc->L.track;
    float u = sc->L.u, body = layout_line_px(DL_FONT_BODY, v);
    double d = viz_timeline_duration(tl);
    scene_rect(sc, *tb, SC_PANEL, SC_BORDER, 1.5f * sc->L.thick, 8 * u, LAYER_BAR);
    struct dl_item *bar =
        scene_rect(sc, *track, SC_BAR, SC_BORDER, 1 * sc->L.thick, track->h / 2, LAYER_BAR);
    scene_target(bar, DL_TARGET_SCRUBBER, 0);
    float px = layout_track_x(&sc->L, sc->p, d);
    struct dl_color accent = sc->accent;
    if (px > track->x) {
        struct dl_color played = accent;
        played.a = 150;
        struct dl_item *it =
            scene_rect(sc, (struct layout_box){track->x, track->y, px - track->x, track->h}, played,
                       SC_NONE, 0, track->h / 2, LAYER_BAR);
        scene_target(it, DL_TARGET_SCRUBBER, 0);
    }
    if (tl->nbeats > 0) {
        bars_beat_marks(sc, tb, track, d, body);
    } else {
        bars_step_marks(sc, tb, track, d, body);
    }
    float knob = track->h * 2.2f, right = track->x + track->w;
    struct dl_item *k = scene_rect(
        sc, (struct layout_box){px - knob / 2, track->y + track->h / 2 - knob / 2, knob, knob},
        SC_TEXT, SC_RGB(255, 255, 255), 2 * sc->L.thick, knob / 2, LAYER_BAR_TEXT);
    scene_target(k, DL_TARGET_SCRUBBER, 0);
    char times[64], now[24], all[24];
    bars_time(sc->p, now, sizeof now);
    bars_time(d, all, sizeof all);
    snprintf(times, sizeof times, "%s / %s", now, all);
    float tx = right + 10 * u;
    /* the simulation's own clock above it: a five-minute retry is five minutes there */
    char sim[96], clock[48];
    bars_sim_clock(sc->tv, clock, sizeof clock);
    snprintf(sim, sizeof sim, "%s %s", scene_str(sc->s->sim_time), clock);
    scene_text(sc, (struct layout_box){tx, tb->y + 3 * u, tb->x + tb->w - tx - 8 * u, body}, sim,
               DL_FONT_SMALL, true, DL_ALIGN_RIGHT, SC_TEXT, LAYER_BAR_TEXT);
    scene_text(sc,
               (struct layout_box){tx, track->y + track->h / 2 - body / 2,
                                   tb->x + tb->w - tx - 8 * u, body},
               times, DL_FONT_SMALL, false, DL_ALIGN_RIGHT, SC_MUTED, LAYER_BAR_TEXT);
}

/* ---- tooltip ---- */

/* The length of s[0..n) cut to at most max bytes, never inside a UTF-8 character. */
static size_t bars_utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max) {
        return n;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) {
        max--;
    }
    return max;
}

static size_t bars_tip_text(const struct scene *sc, const struct dl_item *hit, char lines[3][256])
{
    const struct trace *tr = sc->tr;
    uint32_t id = hit->target_id;
    char a[24];
    switch (hit->target) {
    case DL_TARGET_HOST:
    case DL_TARGET_MAILBOX:
        if (id >= tr->nhosts) {
            return 0;
        }
        trace_format_ipv4(tr->hosts[id].ip, a, sizeof a);
        snprintf(lines[0], 256, "%s  %s", scene_host_name(sc, id), a);
        if (hit->target == DL_TARGET_MAILBOX) {
            snprintf(lines[1], 256, "%s %d", scene_str(sc->s->mailbox),
                     (int)viz_mailbox_count(sc->tl, id, sc->nvis));
            return 2;
        }
        return 1;
    case DL_TARGET_AGENT: {
        if (id >= tr->nagents) {
            return 0;
        }
        char role[32];
        layout_role(tr, id, role, sizeof role);
        snprintf(lines[0], 256, "%s  %s  %s", role, trace_string(tr, tr->agents[id].id),
                 trace_string(tr, tr->agents[id].program));
        return 1;
    }
    case DL_TARGET_LINK: {
        if (id >= tr->nlinks) {
            return 0;
        }
        const struct trace_link *l = &tr->links[id];
        snprintf(lines[0], 256, "%s ↔ %s  %.1f ms", scene_host_name(sc, l->a),
                 scene_host_name(sc, l->b), l->latency_us / 1000.0);
        snprintf(lines[1], 256, "%llu B", (unsigned long long)viz_link_bytes(sc->tl, id, sc->nvis));
        return 2;
    }
    case DL_TARGET_CONN:
        scene_conn_header(sc, id, lines[0], 256);
        return lines[0][0] ? 1 : 0;
    case DL_TARGET_STEP:
        if (id < 1 || id > 9) {
            return 0;
        }
        snprintf(lines[0], 256, "%s %s", scene_circled((int)id), scene_str(sc->s->step_title[id]));
        return 1;
    case DL_TARGET_BEAT: {
        /* the beat's title and the start of its text, in the viewer's language */
        const struct trace_event *e = viz_timeline_beat_event(sc->tl, id);
        if (!e) {
            return 0;
        }
        bool ja = sc->s->lang && strcmp(sc->s->lang, "ja") == 0;
        size_t tn, xn;
        const char *t = trace_beat_word(tr, e, ja ? TRACE_BEAT_TITLE_JA : TRACE_BEAT_TITLE_EN, &tn);
        const char *x = trace_beat_word(tr, e, ja ? TRACE_BEAT_TEXT_JA : TRACE_BEAT_TEXT_EN, &xn);
        snprintf(lines[0], 256, "%s  %.*s", trace_beat_agent(tr, e), (int)bars_utf8_cut(t, tn, 200),
                 t);
        snprintf(lines[1], 256, "%.*s", (int)bars_utf8_cut(x, xn, 255), x);
        return xn ? 2 : 1;
    }
    case DL_TARGET_SCRUBBER: {
        double p = layout_track_p(&sc->L, sc->v->mouse_x, viz_timeline_duration(sc->tl));
        bars_time(p, lines[0], 256);
        return 1;
    }
    case DL_TARGET_NONE:
        break;
    }
    return 0;
}

/* The whole text of a label the renderer cuts with "…" under the point (a zone's name, a host's),
 * or NULL: the topmost text item there that is wider than its box. */
static const char *bars_cut_text(const struct scene *sc, float x, float y)
{
    const struct display_list *dl = sc->out;
    for (size_t i = dl->n; i-- > 0;) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind != DL_TEXT || it->layer >= LAYER_TOOLTIP || x < it->x || y < it->y ||
            x >= it->x + it->w || y >= it->y + it->h) {
            continue;
        }
        const char *t = dl_text(dl, it);
        if (layout_text_width(t, it->font, it->bold, sc->v) > it->w + 1) {
            return t;
        }
    }
    return NULL;
}

void scene_tooltip(struct scene *sc)
{
    const struct viz_view *v = sc->v;
    if (v->mouse_x < 0 || v->mouse_y < 0 || v->help) {
        return;
    }
    const struct dl_item *hit = dl_hit(sc->out, v->mouse_x, v->mouse_y);
    char lines[3][256];
    size_t n = hit ? bars_tip_text(sc, hit, lines) : 0;
    const char *cut = bars_cut_text(sc, v->mouse_x, v->mouse_y);
    if (cut && (n == 0 || !strstr(lines[0], cut))) {
        /* a cut label says its whole text first, then what its target says */
        for (size_t i = n < 2 ? n : 2; i > 0; i--) {
            memcpy(lines[i], lines[i - 1], sizeof lines[i]);
        }
        snprintf(lines[0], sizeof lines[0], "%s", cut);
        n = n < 2 ? n + 1 : 3;
    }
    if (n == 0) {
        return;
    }
    float u = sc->L.u, pad = sc->L.pad, lh = layout_line_px(DL_FONT_BODY, v);
    float w = 0;
    for (size_t i = 0; i < n; i++) {
        float tw = layout_text_width(lines[i], DL_FONT_BODY, i == 0, v);
        w = tw > w ? tw : w;
    }
    float W = (float)v->width, H = (float)v->height;
    w += 2 * pad;
    w = w < W * 0.6f ? w : W * 0.6f;
    float h = lh * (float)n + 2 * pad;
    float x = v->mouse_x + 16 * u, y = v->mouse_y + 20 * u;
    x = x + w > W ? W - w : x;
    y = y + h > H ? v->mouse_y - h - 8 * u : y;
    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    scene_rect(sc, (struct layout_box){x, y, w, h}, SC_RGB(255, 253, 240), SC_HOST_EDGE,
               1 * sc->L.thick, 6 * u, LAYER_TOOLTIP);
    for (size_t i = 0; i < n; i++) {
        scene_text(sc, (struct layout_box){x + pad, y + pad + lh * (float)i, w - 2 * pad, lh},
                   lines[i], DL_FONT_BODY, i == 0, DL_ALIGN_LEFT, SC_TEXT, LAYER_TOOLTIP);
    }
}

/* ---- help ---- */

void scene_help(struct scene *sc)
{
    const struct viz_view *v = sc->v;
    if (!v->help) {
        return;
    }
    float W = (float)v->width, H = (float)v->height, u = sc->L.u, pad = 2 * sc->L.pad;
    scene_rect(sc, (struct layout_box){0, 0, W, H}, SC_RGBA(20, 26, 33, 150), SC_NONE, 0, 0,
               LAYER_HELP);
    float title = layout_line_px(DL_FONT_TITLE, v), body = layout_line_px(DL_FONT_BODY, v);
    size_t n = sc->s->help_lines ? sc->s->nhelp_lines : 0;
    float w = W * 0.6f > 1000 * u ? 1000 * u : W * 0.6f;
    float h = 3 * pad + title + body * (float)n;
    h = h > H - 40 * u ? H - 40 * u : h;
    struct layout_box box = {(W - w) / 2, (H - h) / 2, w, h};
    scene_rect(sc, box, SC_PANEL, SC_BORDER, 1.5f * sc->L.thick, 12 * u, LAYER_HELP);
    scene_text(sc, (struct layout_box){box.x + pad, box.y + pad, w - 2 * pad, title},
               scene_str(sc->s->help_title), DL_FONT_TITLE, true, DL_ALIGN_CENTER, SC_TEXT,
               LAYER_HELP_TEXT);
    /* "KEY<TAB>description": keys right-aligned in a column as wide as the widest key */
    float kw = 0;
    for (size_t i = 0; i < n; i++) {
        const char *line = scene_str(sc->s->help_lines[i]), *tab = strchr(line, '\t');
        if (tab) {
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)(tab - line), line);
            float tw = layout_text_width(key, DL_FONT_BODY, true, v);
            kw = tw > kw ? tw : kw;
        }
    }
    kw = kw < (w - 2 * pad) * 0.4f ? kw : (w - 2 * pad) * 0.4f;
    float colgap = kw > 0 ? 16 * u : 0;
    float y = box.y + 2 * pad + title;
    for (size_t i = 0; i < n && y + body <= box.y + h - pad + 1; i++) {
        const char *line = scene_str(sc->s->help_lines[i]), *tab = strchr(line, '\t');
        if (tab) {
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)(tab - line), line);
            scene_text(sc, (struct layout_box){box.x + pad, y, kw, body}, key, DL_FONT_BODY, true,
                       DL_ALIGN_RIGHT, SC_ROLE, LAYER_HELP_TEXT);
            line = tab + 1;
        }
        float dx = box.x + pad + kw + colgap;
        scene_text(sc, (struct layout_box){dx, y, box.x + w - pad - dx, body}, line, DL_FONT_BODY,
                   false, DL_ALIGN_LEFT, SC_TEXT, LAYER_HELP_TEXT);
        y += body;
    }
}
