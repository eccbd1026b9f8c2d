/* scene: a frame of the run — zones, hosts and links, and the bytes in flight along them as
 * envelopes and dots — built from (trace, presentation time, view) alone. The panels and bars
 * are in scene_panels.c and scene_bars.c; every part reads the same struct scene. */
#include "scene_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* At most this many things in flight are drawn (and this many of them labelled with their
 * line); the rest are counted, so that a storm of mail stays legible and fast. */
#define SCENE_MAX_FLIGHT 200
#define SCENE_MAX_FLIGHT_LABELS 8
/* Events looked at for what is in flight, at most. */
#define SCENE_FLIGHT_SCAN 200000

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
    struct dl_item *it = dl_push(sc->out, DL_LINE);
    it->x = x;
    it->y = y;
    it->x2 = x2;
    it->y2 = y2;
    it->stroke = c;
    it->thickness = thickness;
    it->layer = layer;
    return it;
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
    struct dl_item *it = dl_push(sc->out, DL_ICON);
    it->icon = icon;
    it->x = x;
    it->y = y;
    it->w = size;
    it->h = size;
    it->fill = c;
    it->layer = layer;
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

void scene_proto(const struct trace *tr, const struct trace_conn *c, char *buf, size_t len)
{
    const char *p = trace_string(tr, c->proto);
    if (strcmp(p, "submission") == 0) {
        p = "smtp";
    }
    size_t i = 0;
    for (; p[i] && i + 1 < len; i++) {
        buf[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 'a' + 'A' : p[i]);
    }
    buf[i] = 0;
}

/* ---- the network ---- */

static void scene_zones(struct scene *sc)
{
    const char *lang = sc->s->lang;
    for (size_t z = 0; z < sc->L.nzones; z++) {
        const struct layout_zone *lz = &sc->L.zones[z];
        scene_rect(sc, lz->band, scene_zone_tint(z), SC_NONE, 0, 10 * sc->L.u, LAYER_ZONE);
        scene_text(sc, lz->label, layout_zone_label(sc->tr, z, lang), lz->label_font, true,
                   DL_ALIGN_CENTER, SC_TEXT, LAYER_HOST_TEXT);
    }
}

/* Where the segment from the centre of box a to the centre of box b leaves a, as a fraction of
 * its length. */
static float scene_exit(const struct layout_box *a, float dx, float dy)
{
    float tx = dx != 0 ? (a->w / 2) / fabsf(dx) : 1e9f;
    float ty = dy != 0 ? (a->h / 2) / fabsf(dy) : 1e9f;
    float t = tx < ty ? tx : ty;
    return t < 1 ? t : 1;
}

static bool scene_route_has(const uint32_t *route, int n, uint32_t l)
{
    for (int i = 0; i < n; i++) {
        if (route[i] == l) {
            return true;
        }
    }
    return false;
}

static void scene_link_labels(struct scene *sc, uint32_t l, float mx, float my, bool vertical,
                              float room)
{
    const struct viz_link_info *li = &sc->tl->links[l];
    const struct viz_view *v = sc->v;
    float lh = layout_line_px(DL_FONT_SMALL, v), u = sc->L.u;
    char proto[VIZ_LINK_LABELS][24], port[VIZ_LINK_LABELS][8], one[VIZ_LINK_LABELS][40];
    /* "SMTP 587" on one line when the gap between the boxes has room, else "SMTP" over "587" */
    float wide = 0, narrow = 0;
    for (size_t k = 0; k < li->nlabels; k++) {
        struct trace_conn c = {0};
        c.proto = li->labels[k].proto;
        scene_proto(sc->tr, &c, proto[k], sizeof proto[k]);
        snprintf(port[k], sizeof port[k], "%u", (unsigned)li->labels[k].port);
        snprintf(one[k], sizeof one[k], "%.23s%s%.7s", proto[k], *proto[k] ? " " : "", port[k]);
        float w1 = layout_text_width(one[k], DL_FONT_SMALL, true, v);
        float w2 = layout_text_width(*proto[k] ? proto[k] : port[k], DL_FONT_SMALL, true, v);
        wide = w1 > wide ? w1 : wide;
        narrow = w2 > narrow ? w2 : narrow;
    }
    bool stacked = !vertical && wide + 8 * u > room;
    float w = (stacked ? narrow : wide) + 8 * u;
    float per = stacked ? 2 * lh : lh, total = per * (float)li->nlabels;
    for (size_t k = 0; k < li->nlabels; k++) {
        struct layout_box b;
        if (vertical) {
            b = (struct layout_box){mx + 8 * u, my - total / 2 + per * (float)k, w, per};
        } else {
            b = (struct layout_box){mx - w / 2, my - 6 * u - total + per * (float)k, w, per};
        }
        bool used = li->labels[k].first < sc->nvis;
        struct dl_color c = used ? SC_TEXT : SC_FAINT;
        scene_rect(sc, b, SC_RGBA(255, 255, 255, 200), SC_NONE, 0, 4 * u, LAYER_LABEL);
        scene_avoid(sc, b);
        if (stacked && *proto[k]) {
            struct dl_item *t1 = scene_text(sc, (struct layout_box){b.x, b.y, w, lh}, proto[k],
                                            DL_FONT_SMALL, used, DL_ALIGN_CENTER, c, LAYER_LABEL);
            struct dl_item *t2 = scene_text(sc, (struct layout_box){b.x, b.y + lh, w, lh}, port[k],
                                            DL_FONT_SMALL, used, DL_ALIGN_CENTER, c, LAYER_LABEL);
            scene_target(t1, DL_TARGET_LINK, l);
            scene_target(t2, DL_TARGET_LINK, l);
        } else {
            struct dl_item *t =
                scene_text(sc, b, one[k], DL_FONT_SMALL, used, DL_ALIGN_CENTER, c, LAYER_LABEL);
            scene_target(t, DL_TARGET_LINK, l);
        }
    }
}

static void scene_links(struct scene *sc)
{
    const struct trace *tr = sc->tr;
    const struct viz_timeline *tl = sc->tl;
    float th = sc->L.thick;
    uint32_t route[VIZ_ROUTE_MAX];
    int nroute = 0;
    if (sc->step > 0 && tl->marks[sc->step].conn) {
        nroute = viz_conn_route(tl, tl->marks[sc->step].conn, route, VIZ_ROUTE_MAX);
    }
    struct dl_color accent = scene_step_color(sc->step);
    for (uint32_t l = 0; l < tr->nlinks; l++) {
        const struct trace_link *k = &tr->links[l];
        if (k->a >= sc->L.nhosts || k->b >= sc->L.nhosts) {
            continue;
        }
        const struct layout_host *a = &sc->L.hosts[k->a], *b = &sc->L.hosts[k->b];
        bool glow = scene_route_has(route, nroute, l);
        bool selected = sc->v->selected == DL_TARGET_LINK && sc->v->selected_id == l;
        if (glow) {
            struct dl_color halo = accent;
            halo.a = 70;
            scene_line(sc, a->cx, a->cy, b->cx, b->cy, halo, 18 * th, LAYER_GLOW);
        }
        struct dl_color c = glow ? accent : (selected ? SC_SELECT : SC_LINK);
        struct dl_item *it = scene_line(sc, a->cx, a->cy, b->cx, b->cy, c,
                                        (glow || selected ? 6 : 3) * th, LAYER_LINK);
        scene_target(it, DL_TARGET_LINK, l);
        /* the part of the line between the two boxes, where its labels go */
        float dx = b->cx - a->cx, dy = b->cy - a->cy;
        float t0 = scene_exit(&a->box, dx, dy), t1 = 1 - scene_exit(&b->box, dx, dy);
        float tm = t0 < t1 ? (t0 + t1) / 2 : 0.5f;
        float mx = a->cx + dx * tm, my = a->cy + dy * tm;
        bool vertical = fabsf(dy) > fabsf(dx);
        float room = vertical ? sc->L.zones[0].band.w * 0.5f : fabsf(dx) * (t1 - t0);
        scene_link_labels(sc, l, mx, my, vertical, room);
        float isz = layout_line_px(DL_FONT_BODY, sc->v);
        const struct viz_link_info *li = &tl->links[l];
        float ix = vertical ? mx - isz : mx - (li->tapped ? isz * 0.6f : 0);
        float iy = vertical ? my : my + isz * 0.9f;
        if (li->first_tls < sc->nvis) {
            struct dl_item *ic = scene_icon(sc, DL_ICON_LOCK, ix, iy, isz, SC_TEXT, LAYER_LABEL);
            scene_avoid(sc, (struct layout_box){ix - isz / 2, iy - isz / 2, isz, isz});
            scene_target(ic, DL_TARGET_LINK, l);
            ix += vertical ? 0 : isz * 1.2f;
            iy += vertical ? isz * 1.2f : 0;
        }
        if (li->tapped) {
            struct dl_item *ic = scene_icon(sc, DL_ICON_EYE, ix, iy, isz, SC_RED, LAYER_LABEL);
            scene_avoid(sc, (struct layout_box){ix - isz / 2, iy - isz / 2, isz, isz});
            scene_target(ic, DL_TARGET_LINK, l);
        }
    }
}

static void scene_host_agents(struct scene *sc, uint32_t h, const struct layout_host *lh, float y)
{
    const struct trace *tr = sc->tr;
    const struct viz_view *v = sc->v;
    float body = layout_line_px(DL_FONT_BODY, v), small = layout_line_px(DL_FONT_SMALL, v);
    float pad = sc->L.pad, inner = lh->box.w - 2 * pad, x = lh->box.x + pad;
    const struct viz_mark *m = &sc->tl->marks[sc->step];
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].host != h) {
            continue;
        }
        char role[32];
        layout_role(tr, a, role, sizeof role);
        const char *prog = trace_string(tr, tr->agents[a].program);
        bool acting = sc->step > 0 && m->agent == tr->agents[a].id;
        struct dl_color rc = acting ? scene_step_color(sc->step) : SC_ROLE;
        if (lh->small) {
            char line[96];
            snprintf(line, sizeof line, "%s %s", role, prog);
            struct dl_item *t =
                scene_text(sc, (struct layout_box){x, y, inner, small}, line, DL_FONT_SMALL, false,
                           DL_ALIGN_LEFT, rc, LAYER_HOST_TEXT);
            scene_target(t, DL_TARGET_AGENT, (uint32_t)a);
            y += small;
            continue;
        }
        int plines = layout_agent_program_lines(tr, a, inner, v);
        bool two = plines > 0;
        float rows = body + small * (float)plines;
        struct dl_item *row = scene_rect(sc, (struct layout_box){x, y, inner, rows},
                                         acting ? SC_RGBA(rc.r, rc.g, rc.b, 28) : SC_NONE, SC_NONE,
                                         0, 4 * sc->L.u, LAYER_HOST);
        scene_target(row, DL_TARGET_AGENT, (uint32_t)a);
        float rw = layout_text_width(role, DL_FONT_BODY, true, v) + 4 * sc->L.u;
        rw = rw < inner ? rw : inner;
        scene_text(sc, (struct layout_box){x, y, two ? inner : rw, body}, role, DL_FONT_BODY, true,
                   DL_ALIGN_LEFT, rc, LAYER_HOST_TEXT);
        if (two) {
            /* the program under the role, wrapped rather than cut */
            const char *s = prog;
            for (int i = 0; i < plines && *s; i++) {
                const char *end = i + 1 == plines
                                      ? s + strlen(s)
                                      : layout_word_break(s, inner, DL_FONT_SMALL, v);
                end = end == s ? s + strlen(s) : end;
                char part[128];
                snprintf(part, sizeof part, "%.*s", (int)(end - s), s);
                scene_text(sc, (struct layout_box){x, y + body + small * (float)i, inner, small},
                           part, DL_FONT_SMALL, false, DL_ALIGN_LEFT, SC_MUTED, LAYER_HOST_TEXT);
                for (s = end; *s == ' '; s++) {
                }
            }
        } else if (*prog) {
            struct layout_box pb = {x + rw + small * 0.4f, y, inner - rw - small * 0.4f, body};
            scene_text(sc, pb, prog, DL_FONT_SMALL, false, DL_ALIGN_LEFT, SC_MUTED,
                       LAYER_HOST_TEXT);
        }
        y += rows;
    }
}

/* A user's private key for S/MIME or OpenPGP: a gold tag with a key and the system's name on
 * the top edge of the host's box, at the right, so the class sees who can decrypt (and who
 * cannot) before anything moves. */
static void scene_host_keys(struct scene *sc, uint32_t h, const struct layout_host *lh)
{
    const struct trace *tr = sc->tr;
    float u = sc->L.u, row = layout_line_px(DL_FONT_SMALL, sc->v);
    float x = lh->box.x + lh->box.w - sc->L.pad;
    for (size_t k = 0; k < sc->tl->nkeys; k++) {
        const struct trace_event *e = trace_event_at(tr, sc->tl->keys[k]);
        bool here = false;
        for (size_t a = 0; a < tr->nagents && !here; a++) {
            here = tr->agents[a].id == e->s[0] && tr->agents[a].host == h;
        }
        if (!here || sc->tl->keys[k] >= sc->nvis) {
            continue;
        }
        const char *sys = trace_string(tr, e->s[1]);
        const char *label = strcmp(sys, "OpenPGP") == 0 ? "PGP" : sys;
        float tw = layout_text_width(label, DL_FONT_SMALL, true, sc->v);
        float isz = row * 0.85f, w = tw + isz + 12 * u, hgt = row + 2 * u;
        struct layout_box tag = {x - w, lh->box.y - hgt / 2, w, hgt};
        struct dl_item *bg = scene_rect(sc, tag, SC_GOLD, SC_NONE, 0, hgt / 2, LAYER_LABEL);
        scene_target(bg, DL_TARGET_HOST, h);
        scene_icon(sc, DL_ICON_KEY, tag.x + 4 * u + isz / 2, tag.y + hgt / 2, isz, SC_PANEL,
                   LAYER_LABEL);
        scene_text(sc, (struct layout_box){tag.x + isz + 7 * u, tag.y + u, tw + 2 * u, row}, label,
                   DL_FONT_SMALL, true, DL_ALIGN_LEFT, SC_PANEL, LAYER_LABEL);
        scene_avoid(sc, tag);
        x -= w + 4 * u;
    }
}

/* What the reader's MUA did at step 9: read it, or decrypted it first, or could not. */
static const char *scene_read_badge(const struct scene *sc, trace_str agent)
{
    const struct trace *tr = sc->tr;
    trace_str decrypted = trace_lookup(tr, "decrypted"), unreadable = trace_lookup(tr, "unreadable");
    size_t at = sc->tl->marks[9].idx;
    for (size_t i = at + 1; i > 0 && i + 8 > at && (decrypted || unreadable); i--) {
        const struct trace_event *e = trace_event_at(tr, i - 1);
        if (e->kind == TRACE_MAIL && e->s[2] == agent && e->s[1] && e->s[1] == decrypted) {
            return scene_str(sc->s->read_decrypted);
        }
        if (e->kind == TRACE_MAIL && e->s[2] == agent && e->s[1] && e->s[1] == unreadable) {
            return scene_str(sc->s->read_unreadable);
        }
    }
    return scene_str(sc->s->read);
}

static void scene_host(struct scene *sc, uint32_t h)
{
    const struct trace *tr = sc->tr;
    const struct viz_view *v = sc->v;
    const struct layout_host *lh = &sc->L.hosts[h];
    float u = sc->L.u, pad = sc->L.pad;
    bool selected = v->selected == DL_TARGET_HOST && v->selected_id == h;
    bool acting = false;
    const struct viz_mark *m = &sc->tl->marks[sc->step];
    for (size_t a = 0; a < tr->nagents && sc->step > 0; a++) {
        acting = acting || (tr->agents[a].host == h && tr->agents[a].id == m->agent);
    }
    struct dl_color edge =
        selected ? SC_SELECT : (acting ? scene_step_color(sc->step) : SC_HOST_EDGE);
    float thick = (selected || acting ? 3.5f : 1.5f) * sc->L.thick;
    struct dl_item *box = scene_rect(sc, lh->box, SC_HOST, edge, thick, 8 * u, LAYER_HOST);
    scene_target(box, DL_TARGET_HOST, h);
    float x = lh->box.x + pad, w = lh->box.w - 2 * pad, y = lh->box.y + pad;
    float small = layout_line_px(DL_FONT_SMALL, v), body = layout_line_px(DL_FONT_BODY, v);
    bool little = lh->small || lh->compact;
    float name_h = little ? small : body;
    const char *name = scene_host_name(sc, h);
    size_t cut = lh->split_name && !lh->compact ? layout_name_split(name) : 0;
    char first[256];
    snprintf(first, sizeof first, "%.*s", (int)(cut ? cut : strlen(name)), name);
    scene_text(sc, (struct layout_box){x, y, w, name_h}, first,
               little ? DL_FONT_SMALL : DL_FONT_BODY, true, DL_ALIGN_LEFT, SC_TEXT,
               LAYER_HOST_TEXT);
    y += name_h;
    if (cut) {
        scene_text(sc, (struct layout_box){x, y, w, small}, name + cut, DL_FONT_SMALL, false,
                   DL_ALIGN_LEFT, SC_TEXT, LAYER_HOST_TEXT);
        y += small;
    }
    char second[160];
    if (lh->compact) {
        /* name and roles only */
        size_t n = 0;
        second[0] = 0;
        for (size_t a = 0; a < tr->nagents && n + 1 < sizeof second; a++) {
            if (tr->agents[a].host == h) {
                char role[32];
                layout_role(tr, a, role, sizeof role);
                int k = snprintf(second + n, sizeof second - n, "%s%s", n ? " " : "", role);
                n = k > 0 && (size_t)k < sizeof second - n ? n + (size_t)k : sizeof second - 1;
            }
        }
    } else {
        trace_format_ipv4(tr->hosts[h].ip, second, sizeof second);
    }
    scene_text(sc, (struct layout_box){x, y, w, small}, second, DL_FONT_SMALL, false, DL_ALIGN_LEFT,
               lh->compact ? SC_ROLE : SC_MUTED, LAYER_HOST_TEXT);
    if (!lh->compact) {
        scene_host_keys(sc, h, lh);
    }
    y += small + pad * 0.5f;
    if (!lh->compact) {
        scene_host_agents(sc, h, lh, y);
    }
    if (lh->has_mailbox) {
        const struct layout_box *mb = &lh->mailbox;
        float isz = mb->h * 0.9f;
        struct dl_item *ic = scene_icon(sc, DL_ICON_MAILBOX, mb->x + isz / 2 + 2 * u,
                                        mb->y + mb->h / 2, isz, SC_ROLE, LAYER_HOST_TEXT);
        scene_target(ic, DL_TARGET_MAILBOX, h);
        char count[32];
        snprintf(count, sizeof count, "%d", (int)viz_mailbox_count(sc->tl, h, sc->nvis));
        struct dl_item *t = scene_text(
            sc, (struct layout_box){mb->x + isz + 8 * u, mb->y, mb->w - isz - 8 * u, mb->h}, count,
            DL_FONT_BODY, true, DL_ALIGN_LEFT, SC_TEXT, LAYER_HOST_TEXT);
        scene_target(t, DL_TARGET_MAILBOX, h);
    }
    /* Step 9 happens inside the reader's MUA, with nothing on the wire: a badge under the box
     * says what happened there. */
    const char *read = scene_read_badge(sc, m->agent);
    if (acting && sc->step == 9 && *read) {
        float bh = layout_line_px(DL_FONT_BODY, v) + 4 * u;
        float bw = layout_text_width(read, DL_FONT_BODY, true, v) + 16 * u;
        struct layout_box badge = {lh->box.x + (lh->box.w - bw) / 2, lh->box.y + lh->box.h + 6 * u,
                                   bw, bh};
        /* inside the picture, even when wider than the box at its edge */
        float right = sc->L.net.x + sc->L.net.w - 4 * u;
        badge.x = badge.x + bw > right ? right - bw : badge.x;
        badge.x = badge.x < sc->L.net.x + 4 * u ? sc->L.net.x + 4 * u : badge.x;
        /* below the box, unless another host's box is there: then above it */
        for (size_t o = 0; o < tr->nhosts; o++) {
            const struct layout_box *ob = &sc->L.hosts[o].box;
            if (o != h && badge.x < ob->x + ob->w && ob->x < badge.x + badge.w &&
                badge.y < ob->y + ob->h && ob->y < badge.y + badge.h) {
                badge.y = lh->box.y - bh - 0.8f * layout_line_px(DL_FONT_SMALL, v) - 6 * u;
                break;
            }
        }
        /* over whatever box sits below this one: the badge is what step 9 is about */
        scene_rect(sc, badge, scene_step_color(9), SC_NONE, 0, bh / 2, LAYER_LABEL);
        scene_text(sc, badge, read, DL_FONT_BODY, true, DL_ALIGN_CENTER, SC_PANEL, LAYER_LABEL);
    }
}

void scene_network(struct scene *sc)
{
    scene_zones(sc);
    scene_links(sc);
    for (uint32_t h = 0; h < sc->L.nhosts; h++) {
        scene_host(sc, h);
    }
}

/* ---- what is in flight ---- */

static bool scene_has(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

/* A message itself (SMTP DATA content, a POP3 RETR answer): headers, a blank line, and the
 * line with a single dot that ends it. */
static bool scene_is_message(const uint8_t *p, size_t n)
{
    return scene_has(p, n, "\r\n\r\n") && scene_has(p, n, "\r\n.\r\n");
}

/* A refusal: a server line with a 4xx or 5xx reply code, or POP3's -ERR. Writes the code. */
static bool scene_is_refusal(const uint8_t *p, size_t n, char code[8])
{
    for (size_t i = 0; i < n;) {
        if (n - i >= 4 && (p[i] == '4' || p[i] == '5') && p[i + 1] >= '0' && p[i + 1] <= '9' &&
            p[i + 2] >= '0' && p[i + 2] <= '9' && (p[i + 3] == ' ' || p[i + 3] == '-')) {
            memcpy(code, p + i, 3);
            code[3] = 0;
            return true;
        }
        if (n - i >= 4 && memcmp(p + i, "-ERR", 4) == 0) {
            memcpy(code, "-ERR", 5);
            return true;
        }
        while (i < n && p[i] != '\n') {
            i++;
        }
        i++;
    }
    return false;
}

/* Where something sent at t is at virtual time tv along its connection's route. */
static bool scene_position(const struct scene *sc, const struct trace_conn *c, bool from_server,
                           double d, float *x, float *y)
{
    uint32_t route[VIZ_ROUTE_MAX];
    int n = viz_route(sc->tl, c->client_host, c->server_host, route, VIZ_ROUTE_MAX);
    if (n < 0) {
        return false;
    }
    const struct trace *tr = sc->tr;
    uint32_t h = from_server ? c->server_host : c->client_host;
    if (n == 0) {
        *x = sc->L.hosts[h].cx;
        *y = sc->L.hosts[h].cy;
        return true;
    }
    for (int k = 0; k < n; k++) {
        const struct trace_link *l = &tr->links[route[from_server ? n - 1 - k : k]];
        uint32_t next = l->a == h ? l->b : l->a;
        double lat = l->latency_us;
        if (d < lat || k == n - 1) {
            float f = lat > 0 ? (float)(d / lat) : 1.0f;
            f = f < 0 ? 0 : (f > 1 ? 1 : f);
            const struct layout_host *a = &sc->L.hosts[h], *b = &sc->L.hosts[next];
            /* along the part of the line between the two boxes, so that what travels never
             * hides a box's text */
            float dx = b->cx - a->cx, dy = b->cy - a->cy;
            float m = 16 * sc->L.u;
            struct layout_box ab = {a->box.x - m, a->box.y - m, a->box.w + 2 * m,
                                    a->box.h + 2 * m};
            struct layout_box bb = {b->box.x - m, b->box.y - m, b->box.w + 2 * m,
                                    b->box.h + 2 * m};
            float t0 = scene_exit(&ab, dx, dy), t1 = 1 - scene_exit(&bb, dx, dy);
            if (t0 >= t1) {
                t0 = scene_exit(&a->box, dx, dy);
                t1 = 1 - scene_exit(&b->box, dx, dy);
            }
            if (t0 < t1) {
                f = t0 + (t1 - t0) * f;
            }
            *x = a->cx + dx * f;
            *y = a->cy + dy * f;
            return true;
        }
        d -= lat;
        h = next;
    }
    return false;
}

/* Whether box b, grown by margin, touches a host's box or its mailbox row. */
static bool scene_on_host(const struct scene *sc, struct layout_box b, float margin)
{
    for (size_t h = 0; h < sc->L.nhosts; h++) {
        const struct layout_host *lh = &sc->L.hosts[h];
        if (scene_boxes_meet(b, lh->box, margin) ||
            (lh->has_mailbox && scene_boxes_meet(b, lh->mailbox, margin))) {
            return true;
        }
    }
    return false;
}

/* Narrows a label centred near x to the free span between the host boxes at its height (the
 * renderer ellipsises its text), unless that leaves less than min_w. */
static void scene_fit_between(const struct scene *sc, struct layout_box *b, float x, float min_w)
{
    float u = sc->L.u, left = 2 * u, right = (float)sc->v->width - 2 * u;
    for (size_t h = 0; h < sc->L.nhosts; h++) {
        const struct layout_box *hb = &sc->L.hosts[h].box;
        if (hb->y > b->y + b->h || hb->y + hb->h < b->y) {
            continue;
        }
        if (hb->x + hb->w <= x) {
            left = hb->x + hb->w + 4 * u > left ? hb->x + hb->w + 4 * u : left;
        } else if (hb->x >= x) {
            right = hb->x - 4 * u < right ? hb->x - 4 * u : right;
        } else {
            return;
        }
    }
    if (right - left < min_w) {
        return;
    }
    b->w = b->w < right - left ? b->w : right - left;
    b->x = x - b->w / 2;
    b->x = b->x < left ? left : (b->x + b->w > right ? right - b->w : b->x);
}

/* A label beside a dot at (x, y): below the line first (the links' labels ride above it),
 * then above, then further out; never on a host's box, inside the window, clear of the links'
 * labels and of other flight labels when it can be. No label while the dot is on a box. */
static void scene_flight_label(struct scene *sc, float x, float y, bool above, const char *text,
                               struct dl_color c, bool bold, bool secret)
{
    float u = sc->L.u, lh = layout_line_px(DL_FONT_SMALL, sc->v) * 1.1f;
    float W = (float)sc->v->width, H = (float)sc->v->height;
    float w = layout_text_width(text, DL_FONT_SMALL, bold, sc->v) + 10 * u;
    float maxw = 300 * u;
    w = w < maxw ? w : maxw;
    float r = 9 * u;
    if (scene_on_host(sc, (struct layout_box){x - r, y - r, 2 * r, 2 * r}, 0)) {
        return;
    }
    float off = 14 * u;
    struct layout_box cand[6] = {
        {x - w / 2, y + off, w, lh},
        {x - w / 2, y - off - lh, w, lh},
        {x - w / 2, y + off + lh + 4 * u, w, lh},
        {x - w / 2, y - off - 2 * lh - 4 * u, w, lh},
        {x + off, y - lh / 2, w, lh},
        {x - off - w, y - lh / 2, w, lh},
    };
    if (above) {
        /* the client's words above, the server's below, when both are clear */
        struct layout_box t = cand[0];
        cand[0] = cand[1];
        cand[1] = t;
    }
    int best = -1, best_hits = 1 << 30;
    for (int i = 0; i < 6; i++) {
        struct layout_box *b = &cand[i];
        b->x = b->x < 2 * u ? 2 * u : (b->x + b->w > W - 2 * u ? W - 2 * u - b->w : b->x);
        if (i < 4) {
            scene_fit_between(sc, b, x, 60 * u);
        }
        if (b->y < sc->L.net.y || b->y + b->h > sc->L.net.y + sc->L.net.h || b->y + b->h > H ||
            scene_on_host(sc, *b, 2 * u)) {
            continue;
        }
        int hits = 0;
        for (size_t k = 0; k < sc->navoid; k++) {
            hits += scene_boxes_meet(*b, sc->avoid[k], 1 * u);
        }
        if (hits < best_hits) {
            best = i;
            best_hits = hits;
        }
        if (hits == 0) {
            break;
        }
    }
    if (best < 0) {
        return;
    }
    struct layout_box b = cand[best];
    scene_avoid(sc, b);
    scene_rect(sc, b, secret ? SC_SECRET_BG : SC_RGBA(255, 255, 255, 235),
               SC_RGBA(c.r, c.g, c.b, 160), 1 * sc->L.thick, 4 * u, LAYER_MOTION_TEXT);
    scene_text(sc, b, text, DL_FONT_SMALL, bold, DL_ALIGN_CENTER, c, LAYER_MOTION_TEXT);
}

/* The plaintext event that the records e carry: the last "plain" of the same side and
 * connection just before it (a few events back at most), or NULL. */
static const struct trace_event *scene_plain_before(const struct scene *sc,
                                                    const struct trace_event *e)
{
    size_t lo = viz_timeline_index_at(sc->tl, e->t);
    size_t hi = lo;
    while (hi < sc->tr->nevents && trace_event_at(sc->tr, hi) != e && hi < lo + 64) {
        hi++;
    }
    for (size_t k = hi; k > lo && k + 6 > hi; k--) {
        const struct trace_event *p = trace_event_at(sc->tr, k - 1);
        if (p->kind == TRACE_PLAIN && p->conn == e->conn && p->from == e->from) {
            return p;
        }
    }
    return NULL;
}

/* A message in flight: an envelope at (x, y) in its step's colour, the step's number on it. */
static void scene_envelope(struct scene *sc, uint32_t conn, float x, float y, float u,
                           struct dl_color col, int step)
{
    struct dl_item *env = dl_push(sc->out, DL_ENVELOPE);
    env->x = x;
    env->y = y;
    env->w = 46 * u;
    env->h = 46 * u * 0.64f;
    env->fill = col;
    env->layer = LAYER_MOTION;
    scene_target(env, DL_TARGET_CONN, conn);
    if (step > 0) {
        dl_set_text(sc->out, env, scene_circled(step));
    }
}

static void scene_flight(struct scene *sc, const struct trace_event *e, int *labels)
{
    const struct trace *tr = sc->tr;
    const struct trace_conn *c = trace_conn_get(tr, e->conn);
    bool from_server = e->from == TRACE_SERVER;
    float x, y;
    if (!c || !scene_position(sc, c, from_server, sc->tv - (double)e->t, &x, &y)) {
        return;
    }
    float u = sc->L.u * (sc->v->presenter ? 1.2f : 1.0f);
    int step = sc->tl->conn_step[e->conn];
    struct dl_color col = scene_step_color(step);
    const uint8_t *p = e->kind == TRACE_DATA ? trace_bytes_ptr(tr, e->bytes) : NULL;
    size_t n = e->kind == TRACE_DATA ? e->bytes.len : 0;
    char code[8];
    bool tls = e->kind == TRACE_DATA && (e->flags & TRACE_TLS);
    if (tls) {
        /* Records: what they carry is judged by the plaintext just written into them (a
         * message still travels as an envelope, now locked); the label is their size only. */
        p = NULL;
        n = 0;
        const struct trace_event *plain = scene_plain_before(sc, e);
        bool message = plain && scene_is_message(trace_bytes_ptr(tr, plain->bytes), plain->bytes.len);
        float isz = 16 * u;
        if (message) {
            scene_envelope(sc, e->conn, x, y, u, col, step);
        } else {
            struct dl_item *dot =
                scene_rect(sc, (struct layout_box){x - 8 * u, y - 8 * u, 16 * u, 16 * u}, col,
                           SC_RGB(255, 255, 255), 1.5f * sc->L.thick, 8 * u, LAYER_MOTION);
            scene_target(dot, DL_TARGET_CONN, e->conn);
        }
        scene_icon(sc, DL_ICON_LOCK, x, message ? y + 23 * u * 0.64f + isz * 0.6f : y, isz,
                   message ? SC_TEXT : SC_PANEL, LAYER_MOTION);
        if (*labels < SCENE_MAX_FLIGHT_LABELS) {
            char label[48];
            bool ssh = strcmp(trace_string(tr, c->proto), "ssh") == 0;
            snprintf(label, sizeof label, "%s %u B", ssh ? "SSH" : "TLS", (unsigned)e->bytes.len);
            scene_flight_label(sc, x, y, !from_server, label, col, false, false);
            (*labels)++;
        }
        return;
    }
    if (e->kind == TRACE_CLOSE) {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 9 * u, y - 9 * u, 18 * u, 18 * u}, SC_RED,
                       SC_NONE, 0, 9 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        scene_flight_label(sc, x, y, !from_server, "RST", SC_RED, true, false);
    } else if (scene_is_message(p, n)) {
        scene_envelope(sc, e->conn, x, y, u, col, step);
    } else if (from_server && scene_is_refusal(p, n, code)) {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 9 * u, y - 9 * u, 18 * u, 18 * u}, SC_RED,
                       SC_NONE, 0, 9 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        scene_flight_label(sc, x, y, false, code, SC_RED, true, false);
    } else {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 6 * u, y - 6 * u, 12 * u, 12 * u}, col,
                       SC_RGB(255, 255, 255), 1.5f * sc->L.thick, 6 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        if (*labels < SCENE_MAX_FLIGHT_LABELS) {
            size_t k = 0;
            while (k < n && p[k] != '\r' && p[k] != '\n') {
                k++;
            }
            char line[64], decoded[128];
            scene_clean_line(p, k, line, sizeof line);
            /* a credential on its way is shown as one: anyone on the path can read it */
            bool secret =
                scene_secret((const char *)p, k, !from_server, NULL, 0, decoded, sizeof decoded);
            scene_flight_label(sc, x, y, !from_server, line, secret ? SC_SECRET : col, secret,
                               secret);
            (*labels)++;
        }
    }
}

void scene_motion(struct scene *sc)
{
    const struct viz_timeline *tl = sc->tl;
    double from = sc->tv - (double)tl->max_latency;
    size_t lo = viz_timeline_index_at(tl, from > 0 ? (uint64_t)from : 0);
    size_t hi = sc->nvis;
    lo = lo > hi ? hi : lo;
    lo = hi - lo > SCENE_FLIGHT_SCAN ? hi - SCENE_FLIGHT_SCAN : lo;
    size_t total = 0, drawn = 0;
    int labels = 0;
    /* newest first: what was just sent is what the eye follows */
    for (size_t i = hi; i > lo; i--) {
        const struct trace_event *e = trace_event_at(sc->tr, i - 1);
        bool refused = e->kind == TRACE_CLOSE && (e->flags & TRACE_REFUSED);
        if (e->kind != TRACE_DATA && !refused) {
            continue;
        }
        const struct trace_conn *c = trace_conn_get(sc->tr, e->conn);
        if (!c || (double)(e->t + c->latency_us) <= sc->tv) {
            continue;
        }
        total++;
        if (drawn < SCENE_MAX_FLIGHT) {
            scene_flight(sc, e, &labels);
            drawn++;
        }
    }
    if (total > drawn) {
        float u = sc->L.u, lh = layout_line_px(DL_FONT_BODY, sc->v);
        const struct layout_box *net = &sc->L.net;
        float ex = net->x + net->w - 150 * u, ey = net->y + net->h - lh;
        struct dl_item *env = dl_push(sc->out, DL_ENVELOPE);
        env->x = ex;
        env->y = ey;
        env->w = 36 * u;
        env->h = 36 * u * 0.64f;
        env->fill = scene_step_color(0);
        env->layer = LAYER_MOTION;
        char more[32];
        snprintf(more, sizeof more, "+%zu", total - drawn);
        scene_text(sc, (struct layout_box){ex + 26 * u, ey - lh / 2, 120 * u, lh}, more,
                   DL_FONT_BODY, true, DL_ALIGN_LEFT, SC_TEXT, LAYER_MOTION_TEXT);
    }
}

/* ---- the scenario's narration ---- */

/* A note stays on screen this long (presentation seconds) after it happens. */
#define SCENE_NOTE_HOLD 8.0

/* The latest note at or before the moment shown, in the viewer's language, as a callout at
 * the top of the network area, for a few seconds after it happens. */
static void scene_note(struct scene *sc)
{
    const struct trace *tr = sc->tr;
    size_t stop = sc->nvis > SCENE_FLIGHT_SCAN ? sc->nvis - SCENE_FLIGHT_SCAN : 0;
    const struct trace_event *note = NULL;
    for (size_t i = sc->nvis; i > stop; i--) {
        const struct trace_event *e = trace_event_at(tr, i - 1);
        if (sc->p - viz_timeline_event_p(sc->tl, i - 1) > SCENE_NOTE_HOLD) {
            break;
        }
        if (e->kind == TRACE_NOTE) {
            note = e;
            break;
        }
    }
    if (!note) {
        return;
    }
    bool ja = sc->s->lang && strcmp(sc->s->lang, "ja") == 0;
    const char *text = trace_string(tr, ja ? note->s[1] : note->s[2]);
    text = *text ? text : trace_string(tr, ja ? note->s[2] : note->s[1]);
    if (!*text) {
        return;
    }
    const struct viz_view *v = sc->v;
    float u = sc->L.u, pad = sc->L.pad, lh = layout_line_px(DL_FONT_BODY, v);
    float w = sc->L.net.w * 0.86f, tw = layout_text_width(text, DL_FONT_BODY, false, v);
    const char *starts[3];
    size_t lens[3], n = 0;
    for (const char *s = text; *s && n < 3; n++) {
        const char *end = n == 2 ? s + strlen(s) : layout_text_break(s, w - 2 * pad, DL_FONT_BODY,
                                                                     false, v);
        end = end == s ? s + strlen(s) : end;
        starts[n] = s;
        lens[n] = (size_t)(end - s);
        for (s = end; *s == ' '; s++) {
        }
    }
    float bw = tw + 2 * pad < w ? tw + 2 * pad : w;
    struct layout_box b = {sc->L.net.x + (sc->L.net.w - bw) / 2, sc->L.content.y, bw,
                           lh * (float)n + pad};
    scene_rect(sc, b, SC_RGBA(255, 250, 225, 240), SC_RGB(214, 170, 40), 1.5f * sc->L.thick,
               6 * u, LAYER_MOTION_TEXT);
    for (size_t i = 0; i < n; i++) {
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)lens[i], starts[i]);
        scene_text(sc, (struct layout_box){b.x + pad, b.y + pad / 2 + lh * (float)i, b.w - 2 * pad,
                                           lh},
                   line, DL_FONT_BODY, false, DL_ALIGN_LEFT, SC_TEXT, LAYER_MOTION_TEXT);
    }
}

/* ---- the frame ---- */

/* The transcript follows the chosen connection, else the one that last sent a line. */
static uint32_t scene_focus(const struct scene *sc)
{
    if (sc->v->focus_conn && trace_conn_get(sc->tr, sc->v->focus_conn)) {
        return sc->v->focus_conn;
    }
    size_t stop = sc->nvis > SCENE_FLIGHT_SCAN ? sc->nvis - SCENE_FLIGHT_SCAN : 0;
    for (size_t i = sc->nvis; i > stop; i--) {
        const struct trace_event *e = trace_event_at(sc->tr, i - 1);
        if (e->kind == TRACE_DATA && e->conn) {
            return e->conn;
        }
    }
    return sc->step > 0 ? sc->tl->marks[sc->step].conn : 0;
}

void scene_build(const struct trace *tr, const struct viz_timeline *tl, const struct viz_view *v,
                 struct display_list *out)
{
    static const struct viz_strings no_strings = {0};
    dl_clear(out, v->width, v->height);
    if (v->width <= 0 || v->height <= 0) {
        return;
    }
    struct scene sc = {0};
    sc.tr = tr;
    sc.tl = tl;
    sc.v = v;
    sc.s = v->strings ? v->strings : &no_strings;
    sc.out = out;
    if (layout_build(&sc.L, tr, tl, v) != 0) {
        return;
    }
    double d = viz_timeline_duration(tl);
    sc.p = v->p < 0 ? 0 : (v->p > d ? d : v->p);
    sc.tv = viz_timeline_virtual_f(tl, sc.p);
    sc.nvis = viz_timeline_visible(tl, sc.p);
    sc.step = viz_timeline_step_at(tl, sc.p);
    sc.focus = scene_focus(&sc);
    scene_network(&sc);
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
