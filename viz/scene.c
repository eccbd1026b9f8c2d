/* scene: a frame of the run built from (trace, presentation time, view) alone — the drawing
 * primitives every part uses, the narration, and the frame that puts the parts together. The
 * network is scene_network.c, what is in flight scene_flight.c, the panels and bars
 * scene_panels.c and scene_bars.c; every part reads the same struct scene. */
#include "scene_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct dl_color scene_step_color(int n)
{
    static const struct dl_color c[10] = {
        SC_RGB(96, 108, 124), SC_RGB(25, 113, 194), SC_RGB(103, 65, 217), SC_RGB(12, 133, 153),
        SC_RGB(232, 89, 12),  SC_RGB(47, 158, 68),  SC_RGB(194, 37, 92),  SC_RGB(92, 148, 13),
        SC_RGB(156, 54, 181), SC_RGB(24, 100, 171)};
    return c[n >= 0 && n <= 9 ? n : 0];
}

struct dl_color scene_zone_tint(size_t z)
{
    static const struct dl_color c[6] = {SC_RGB(227, 238, 249), SC_RGB(229, 244, 234),
                                         SC_RGB(238, 233, 247), SC_RGB(251, 239, 227),
                                         SC_RGB(226, 243, 243), SC_RGB(248, 244, 220)};
    return c[z % 6];
}

const char *scene_circled(int n)
{
    static const char *const c[10] = {"", "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"};
    return c[n >= 0 && n <= 9 ? n : 0];
}

struct dl_item *scene_rect(struct scene *sc, struct layout_box b, struct dl_color fill,
                           struct dl_color stroke, float thickness, float radius,
                           enum scene_layer layer)
{
    return dl_rect(sc->out, b.x, b.y, b.w, b.h, fill, stroke, thickness, radius, layer);
}

struct dl_item *scene_line(struct scene *sc, float x, float y, float x2, float y2,
                           struct dl_color c, float thickness, enum scene_layer layer)
{
    return dl_line(sc->out, x, y, x2, y2, c, thickness, layer);
}

struct dl_item *scene_text(struct scene *sc, struct layout_box b, const char *text,
                           enum dl_font font, bool bold, enum dl_align align, struct dl_color c,
                           enum scene_layer layer)
{
    return dl_text_box(sc->out, b.x, b.y, b.w, b.h, text, font, bold, align, c, layer);
}

struct dl_item *scene_icon(struct scene *sc, enum dl_icon icon, float x, float y, float size,
                           struct dl_color c, enum scene_layer layer)
{
    struct dl_item *it = dl_push_box(sc->out, DL_ICON, x, y, size, size, layer);
    it->icon = icon;
    it->fill = c;
    return it;
}

void scene_target(struct dl_item *it, enum dl_target t, uint32_t id)
{
    it->target = t;
    it->target_id = id;
}

void scene_avoid(struct scene *sc, struct layout_box b)
{
    if (sc->navoid < SCENE_MAX_AVOID) {
        sc->avoid[sc->navoid++] = b;
    }
}

bool scene_boxes_meet(struct layout_box a, struct layout_box b, float margin)
{
    return a.x - margin < b.x + b.w && b.x - margin < a.x + a.w && a.y - margin < b.y + b.h &&
           b.y - margin < a.y + a.h;
}

const char *scene_host_name(const struct scene *sc, uint32_t h)
{
    return h < sc->tr->nhosts ? trace_string(sc->tr, sc->tr->hosts[h].name) : "";
}

/* Where the segment from the centre of box a to the centre of box b leaves a, as a fraction of
 * its length. */
float scene_exit(const struct layout_box *a, float dx, float dy)
{
    float tx = dx != 0 ? (a->w / 2) / fabsf(dx) : 1e9f;
    float ty = dy != 0 ? (a->h / 2) / fabsf(dy) : 1e9f;
    float t = tx < ty ? tx : ty;
    return t < 1 ? t : 1;
}

/* ---- the frame ---- */

/* The transcript follows the chosen connection, else the narrated beat's, else the one that
 * last sent a line. */
static uint32_t scene_focus(const struct scene *sc)
{
    if (sc->v->focus_conn && trace_conn_get(sc->tr, sc->v->focus_conn)) {
        return sc->v->focus_conn;
    }
    if (sc->beat_conn) {
        return sc->beat_conn; /* the beat narrated is told with its own connection's lines */
    }
    if (sc->v->quiz_asking) {
        return 0;
    }
    size_t stop = sc->nvis > SCENE_FLIGHT_SCAN ? sc->nvis - SCENE_FLIGHT_SCAN : 0;
    for (size_t i = sc->nvis; i > stop; i--) {
        const struct trace_event *e = trace_event_at(sc->tr, i - 1);
        if (e->kind == TRACE_DATA && e->conn) {
            return e->conn;
        }
    }
    return sc->beat_conn;
}

/* The beat narrated at sc->p, and its actor, connection and colour. */
static void scene_find_beat(struct scene *sc)
{
    const struct viz_timeline *tl = sc->tl;
    sc->beat = viz_timeline_beat_at(tl, sc->p);
    if (sc->v->quiz_asking) {
        sc->beat = -1;
        sc->step = 0;
        sc->actor = 0;
        sc->beat_conn = 0;
        sc->accent = scene_step_color(0);
        return;
    }
    if (tl->nbeats == 0) {
        sc->step = viz_timeline_step_at(tl, sc->p);
        sc->actor = sc->step > 0 ? tl->marks[sc->step].agent : 0;
        sc->beat_conn = sc->step > 0 ? tl->marks[sc->step].conn : 0;
        sc->accent = scene_step_color(sc->step);
        return;
    }
    const struct viz_beat *b = sc->beat >= 0 ? &tl->beats[sc->beat] : NULL;
    sc->step = b ? b->step : 0;
    sc->actor = b ? b->agent : 0;
    sc->beat_conn = b ? b->conn : 0;
    sc->accent = b && trace_agent_attacks(sc->tr, b->agent) ? SC_ATTACKER
                 : b && b->step == 0                        ? SC_MOMENT
                                                            : scene_step_color(sc->step);
}

int scene_begin(struct scene *sc, const struct trace *tr, const struct viz_timeline *tl,
                const struct viz_view *v, struct display_list *out)
{
    static const struct viz_strings no_strings = {0};
    memset(sc, 0, sizeof *sc);
    sc->tr = tr;
    sc->tl = tl;
    sc->v = v;
    sc->s = v->strings ? v->strings : &no_strings;
    sc->out = out;
    if (v->width <= 0 || v->height <= 0 || layout_build(&sc->L, tr, tl, v) != 0) {
        return -1;
    }
    double d = viz_timeline_duration(tl);
    sc->p = v->p < 0 ? 0 : (v->p > d ? d : v->p);
    sc->tv = viz_timeline_virtual_f(tl, sc->p);
    sc->nvis = viz_timeline_visible(tl, sc->p);
    scene_find_beat(sc);
    sc->focus = scene_focus(sc);
    return 0;
}

void scene_build(const struct trace *tr, const struct viz_timeline *tl, const struct viz_view *v,
                 struct display_list *out)
{
    dl_clear(out, v->width, v->height);
    struct scene sc;
    if (scene_begin(&sc, tr, tl, v, out) != 0) {
        return;
    }
    scene_network(&sc);
    scene_cards(&sc); /* before what moves, and part of what the note keeps clear of */
    sc.navoid_still = sc.navoid;
    scene_motion(&sc);
    scene_note(&sc);
    scene_transcript(&sc);
    scene_inspector(&sc);
    scene_top_bar(&sc);
    scene_timeline_bar(&sc);
    scene_tooltip(&sc);
    scene_help(&sc);
    layout_free(&sc.L);
}

double scene_p_at_x(const struct viz_timeline *tl, const struct viz_view *v, float x)
{
    struct layout L = {0};
    layout_frame(&L, v);
    return layout_track_p(&L, x, viz_timeline_duration(tl));
}
