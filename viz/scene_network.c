/* scene_network: the still part of a frame — zones, links with their labels and routes, hosts
 * with their agents, keys, badges and mailbox counts. */
#include "scene_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

static bool scene_route_has(const uint32_t *route, int n, uint32_t l)
{
    for (int i = 0; i < n; i++) {
        if (route[i] == l) {
            return true;
        }
    }
    return false;
}

/* Whether a label's box b is clear of every host box and of the labels and icons placed so far,
 * inside the network area under the zones' names. */
static bool scene_label_free(const struct scene *sc, struct layout_box b)
{
    const struct layout_box *c = &sc->L.content;
    if (b.x < c->x || b.y < c->y || b.x + b.w > c->x + c->w || b.y + b.h > c->y + c->h) {
        return false;
    }
    if (scene_boxes_meet(b, sc->L.note, 0)) {
        return false; /* the narration's strip */
    }
    float m = 3 * sc->L.u, tag = layout_line_px(DL_FONT_SMALL, sc->v) * 0.6f;
    for (size_t h = 0; h < sc->L.nhosts; h++) {
        /* with the key tag that may sit on its top edge */
        struct layout_box hb = sc->L.hosts[h].box;
        hb.y -= tag;
        hb.h += tag;
        if (scene_boxes_meet(b, hb, m)) {
            return false;
        }
    }
    for (size_t i = 0; i < sc->navoid; i++) {
        if (scene_boxes_meet(b, sc->avoid[i], m)) {
            return false;
        }
    }
    return true;
}

/* The nearest place to (x, y) for a box w by h, moving away from the line (up first on a
 * horizontal link, right first on a vertical one) until it is free; found tells whether it is. */
static struct layout_box scene_label_spot(const struct scene *sc, float x, float y, float w,
                                          float h, bool vertical, bool *found)
{
    float step = 6 * sc->L.u, reach = sc->L.content.h;
    for (float d = 0; d < reach; d += step) {
        for (int side = -1; side <= 1; side += 2) {
            struct layout_box b = vertical
                                      ? (struct layout_box){x + (side < 0 ? d : -d - w), y, w, h}
                                      : (struct layout_box){x, y + (float)side * d, w, h};
            if (scene_label_free(sc, b)) {
                *found = true;
                return b;
            }
        }
    }
    *found = false;
    return (struct layout_box){x, y, w, h};
}

/* A link's labels ("SMTP 25", one per protocol and port it carried): on one line where the gap
 * between the boxes has room, else moved off the line to the nearest free place, with a thin
 * leader back to the link; stacked ("SMTP" over "25") only when one line finds no place. */
static void scene_link_labels(struct scene *sc, uint32_t l, float mx, float my, bool vertical)
{
    const struct viz_link_info *li = &sc->tl->links[l];
    const struct viz_view *v = sc->v;
    if (v->quiz_asking || li->nlabels == 0) {
        return; /* "SMTP 587" would answer a question about the port */
    }
    float lh = layout_line_px(DL_FONT_SMALL, v), u = sc->L.u;
    char proto[VIZ_LINK_LABELS][24], port[VIZ_LINK_LABELS][8], one[VIZ_LINK_LABELS][40];
    float wide = 0, narrow = 0;
    for (size_t k = 0; k < li->nlabels; k++) {
        struct trace_conn c = {0};
        c.proto = li->labels[k].proto;
        trace_proto_word(sc->tr, &c, proto[k], sizeof proto[k]);
        snprintf(port[k], sizeof port[k], "%u", (unsigned)li->labels[k].port);
        snprintf(one[k], sizeof one[k], "%.23s%s%.7s", proto[k], *proto[k] ? " " : "", port[k]);
        float w1 = layout_text_width(one[k], DL_FONT_SMALL, true, v);
        float w2 = layout_text_width(*proto[k] ? proto[k] : port[k], DL_FONT_SMALL, true, v);
        wide = w1 > wide ? w1 : wide;
        narrow = w2 > narrow ? w2 : narrow;
    }
    bool stacked = false, found = false;
    struct layout_box blk;
    for (int pass = 0; pass < 2 && !found; pass++) {
        stacked = pass == 1;
        float w = (stacked ? narrow : wide) + 8 * u;
        float per = stacked ? 2 * lh : lh, total = per * (float)li->nlabels;
        float x = vertical ? mx + 8 * u : mx - w / 2,
              y = vertical ? my - total / 2 : my - 6 * u - total;
        blk = scene_label_spot(sc, x, y, w, total, vertical, &found);
    }
    if (!found) {
        stacked = false;
        float total = lh * (float)li->nlabels;
        blk = vertical ? (struct layout_box){mx + 8 * u, my - total / 2, wide + 8 * u, total}
                       : (struct layout_box){mx - (wide + 8 * u) / 2, my - 6 * u - total,
                                             wide + 8 * u, total};
    }
    /* a leader from a label that left the line back to it */
    float cx = blk.x + blk.w / 2, cy = blk.y + blk.h / 2;
    bool off = vertical ? fabsf(cx - mx) > blk.w : fabsf(cy - my) > blk.h;
    if (off) {
        float ey = cy < my ? blk.y + blk.h : blk.y;
        scene_line(sc, vertical ? blk.x : cx, vertical ? cy : ey, mx, my, SC_FAINT,
                   1.5f * sc->L.thick, LAYER_LINK);
    }
    float per = stacked ? 2 * lh : lh;
    for (size_t k = 0; k < li->nlabels; k++) {
        struct layout_box b = {blk.x, blk.y + per * (float)k, blk.w, per};
        bool used = li->labels[k].first < sc->nvis;
        struct dl_color c = used ? SC_TEXT : SC_FAINT;
        scene_rect(sc, b, SC_RGBA(255, 255, 255, 200), SC_NONE, 0, 4 * u, LAYER_LABEL);
        scene_avoid(sc, b);
        if (stacked && *proto[k]) {
            struct dl_item *t1 = scene_text(sc, (struct layout_box){b.x, b.y, b.w, lh}, proto[k],
                                            DL_FONT_SMALL, used, DL_ALIGN_CENTER, c, LAYER_LABEL);
            struct dl_item *t2 =
                scene_text(sc, (struct layout_box){b.x, b.y + lh, b.w, lh}, port[k], DL_FONT_SMALL,
                           used, DL_ALIGN_CENTER, c, LAYER_LABEL);
            scene_target(t1, DL_TARGET_LINK, l);
            scene_target(t2, DL_TARGET_LINK, l);
        } else {
            struct dl_item *t =
                scene_text(sc, b, one[k], DL_FONT_SMALL, used, DL_ALIGN_CENTER, c, LAYER_LABEL);
            scene_target(t, DL_TARGET_LINK, l);
        }
    }
}

/* A link's lock or eye: on the line beside its middle, moved along it (then off it) to where it
 * covers no box and no label. */
static void scene_link_icon(struct scene *sc, uint32_t l, enum dl_icon icon, struct dl_color c,
                            float mx, float my, float dx, float dy)
{
    float isz = layout_line_px(DL_FONT_BODY, sc->v);
    float len = sqrtf(dx * dx + dy * dy);
    float ux = len > 0 ? dx / len : 1, uy = len > 0 ? dy / len : 0;
    float step = isz * 0.6f;
    struct layout_box best = {mx - isz / 2, my - isz / 2, isz, isz};
    bool found = false;
    for (int k = 1; k < 40 && !found; k++) {
        /* 1, -1, 2, -2, ... steps along the line, then the same a line's width off it */
        float t = (float)((k + 1) / 2) * (k % 2 ? 1.0f : -1.0f) * step;
        for (int off = 0; off < 3 && !found; off++) {
            float o = off == 0 ? 0 : (off == 1 ? 1.0f : -1.0f) * isz * 0.9f;
            struct layout_box b = {mx + ux * t - uy * o - isz / 2, my + uy * t + ux * o - isz / 2,
                                   isz, isz};
            if (scene_label_free(sc, b)) {
                best = b;
                found = true;
            }
        }
    }
    struct dl_item *ic =
        scene_icon(sc, icon, best.x + isz / 2, best.y + isz / 2, isz, c, LAYER_LABEL);
    scene_avoid(sc, best);
    scene_target(ic, DL_TARGET_LINK, l);
}

static void scene_links(struct scene *sc)
{
    const struct trace *tr = sc->tr;
    const struct viz_timeline *tl = sc->tl;
    float th = sc->L.thick;
    uint32_t route[VIZ_ROUTE_MAX];
    int nroute = 0;
    if (sc->beat_conn) {
        nroute = viz_conn_route(tl, sc->beat_conn, route, VIZ_ROUTE_MAX);
    }
    struct dl_color accent = sc->accent;
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
        scene_link_labels(sc, l, mx, my, vertical);
        const struct viz_link_info *li = &tl->links[l];
        if (li->first_tls < sc->nvis) {
            scene_link_icon(sc, l, DL_ICON_LOCK, SC_TEXT, mx, my, dx, dy);
        }
        if (li->tapped) {
            scene_link_icon(sc, l, DL_ICON_EYE, SC_RED, mx, my, dx, dy);
        }
    }
}

static void scene_host_agents(struct scene *sc, uint32_t h, const struct layout_host *lh, float y)
{
    const struct trace *tr = sc->tr;
    const struct viz_view *v = sc->v;
    float body = layout_line_px(DL_FONT_BODY, v), small = layout_line_px(DL_FONT_SMALL, v);
    float pad = sc->L.pad, inner = lh->box.w - 2 * pad, x = lh->box.x + pad;
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].host != h) {
            continue;
        }
        char role[32];
        layout_role(tr, a, role, sizeof role);
        const char *prog = trace_string(tr, tr->agents[a].program);
        bool acting = sc->actor && sc->actor == tr->agents[a].id;
        struct dl_color rc = acting                                      ? sc->accent
                             : trace_agent_attacks(tr, tr->agents[a].id) ? SC_ATTACKER
                                                                         : SC_ROLE;
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
                const char *end =
                    i + 1 == plines ? s + strlen(s) : layout_word_break(s, inner, DL_FONT_SMALL, v);
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
            here = tr->agents[a].id == trace_key_agent_id(e) && tr->agents[a].host == h;
        }
        if (!here || sc->tl->keys[k] >= sc->nvis) {
            continue;
        }
        const char *sys = trace_key_system(tr, e);
        const char *label = strcmp(sys, "OpenPGP") == 0 ? "PGP" : sys;
        float tw = layout_text_width(label, DL_FONT_SMALL, true, sc->v);
        float isz = row * 0.85f, w = tw + isz + 12 * u, hgt = row + 2 * u;
        struct layout_box tag = {x - w, lh->box.y - hgt / 2, w, hgt};
        struct dl_item *bg = scene_rect(sc, tag, SC_GOLD, SC_NONE, 0, hgt / 2, LAYER_LABEL);
        scene_target(bg, DL_TARGET_HOST, h);
        scene_icon(sc, DL_ICON_KEY, tag.x + 4 * u + isz / 2, tag.y + hgt / 2, isz, SC_PANEL,
                   LAYER_LABEL);
        struct dl_item *t =
            scene_text(sc, (struct layout_box){tag.x + isz + 7 * u, tag.y + u, tw + 2 * u, row},
                       label, DL_FONT_SMALL, true, DL_ALIGN_LEFT, SC_PANEL, LAYER_LABEL);
        scene_target(t, DL_TARGET_HOST, h);
        scene_avoid(sc, tag);
        x -= w + 4 * u;
    }
}

/* What the reader's MUA did at step 9: read it, or decrypted it first, or could not. */
static const char *scene_read_badge(const struct scene *sc, trace_str agent, size_t at)
{
    const struct trace *tr = sc->tr;
    trace_str decrypted = trace_lookup(tr, "decrypted"),
              unreadable = trace_lookup(tr, "unreadable");
    for (size_t i = at + 1; i > 0 && i + 12 > at && (decrypted || unreadable); i--) {
        const struct trace_event *e = trace_event_at(tr, i - 1);
        if (e->kind != TRACE_MAIL || trace_mail_agent_id(e) != agent || !trace_mail_state_id(e)) {
            continue;
        }
        if (trace_mail_state_id(e) == decrypted) {
            return scene_str(sc->s->read_decrypted);
        }
        if (trace_mail_state_id(e) == unreadable) {
            return scene_str(sc->s->read_unreadable);
        }
    }
    return scene_str(sc->s->read);
}

/* The newest step 9 shown so far of a reader on host h: its event index and agent. Every reader
 * keeps its badge once it has read (or failed to); a run too long to search shows the badge of
 * the step being narrated only. */
#define SCENE_READER_SCAN 2000
static bool scene_reader(const struct scene *sc, uint32_t h, size_t *at, trace_str *agent)
{
    const struct trace *tr = sc->tr;
    const struct viz_timeline *tl = sc->tl;
    if (tl->nbeats == 0) {
        *at = tl->marks[9].idx;
        *agent = tl->marks[9].agent;
        for (size_t a = 0; sc->step == 9 && a < tr->nagents; a++) {
            if (tr->agents[a].id == *agent && tr->agents[a].host == h) {
                return true;
            }
        }
        return false;
    }
    for (long k = sc->beat, n = 0; k >= 0 && n < SCENE_READER_SCAN; k--, n++) {
        const struct viz_beat *b = &tl->beats[k];
        for (size_t a = 0; b->step == 9 && a < tr->nagents; a++) {
            if (tr->agents[a].id == b->agent && tr->agents[a].host == h) {
                *at = b->idx;
                *agent = b->agent;
                return true;
            }
        }
    }
    return false;
}

static void scene_host(struct scene *sc, uint32_t h)
{
    const struct trace *tr = sc->tr;
    const struct viz_view *v = sc->v;
    const struct layout_host *lh = &sc->L.hosts[h];
    float u = sc->L.u, pad = sc->L.pad;
    bool selected = v->selected == DL_TARGET_HOST && v->selected_id == h;
    bool acting = false;
    bool attacker = false;
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].host == h) {
            acting = acting || (sc->actor && tr->agents[a].id == sc->actor);
            attacker = attacker || trace_agent_attacks(tr, tr->agents[a].id);
        }
    }
    struct dl_color edge = selected   ? SC_SELECT
                           : acting   ? sc->accent
                           : attacker ? SC_ATTACKER
                                      : SC_HOST_EDGE;
    float thick = (selected || acting ? 3.5f : 1.5f) * sc->L.thick;
    struct dl_item *box = scene_rect(sc, lh->box, SC_HOST, edge, thick, 8 * u, LAYER_HOST);
    scene_target(box, DL_TARGET_HOST, h);
    float x = lh->box.x + pad, w = lh->box.w - 2 * pad, y = lh->box.y + pad;
    float small = layout_line_px(DL_FONT_SMALL, v), body = layout_line_px(DL_FONT_BODY, v);
    bool little = lh->small;
    float name_h = little ? small : body;
    const char *name = scene_host_name(sc, h);
    size_t cut = lh->split_name ? layout_name_split(name) : 0;
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
    trace_format_ipv4(tr->hosts[h].ip, second, sizeof second);
    scene_text(sc, (struct layout_box){x, y, w, small}, second, DL_FONT_SMALL, false, DL_ALIGN_LEFT,
               SC_MUTED, LAYER_HOST_TEXT);
    if (lh->compact) {
        /* its roles on one line, their programs left out for room */
        y += small;
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
        scene_text(sc, (struct layout_box){x, y, w, small}, second, DL_FONT_SMALL, false,
                   DL_ALIGN_LEFT, SC_ROLE, LAYER_HOST_TEXT);
    }
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
    size_t read_at;
    trace_str reader;
    const char *read =
        scene_reader(sc, h, &read_at, &reader) ? scene_read_badge(sc, reader, read_at) : "";
    if (*read) {
        float bh = layout_line_px(DL_FONT_BODY, v) + 4 * u;
        float bw = layout_text_width(read, DL_FONT_BODY, true, v) + 16 * u;
        struct layout_box badge = {lh->box.x + (lh->box.w - bw) / 2, lh->box.y + lh->box.h + 6 * u,
                                   bw, bh};
        /* inside the picture, even when wider than the box at its edge */
        float right = sc->L.net.x + sc->L.net.w - 4 * u;
        badge.x = badge.x + bw > right ? right - bw : badge.x;
        badge.x = badge.x < sc->L.net.x + 4 * u ? sc->L.net.x + 4 * u : badge.x;
        /* below the box, else above it, else lower still: where no other host's box is */
        float ys[3] = {badge.y, lh->box.y - bh - 0.8f * layout_line_px(DL_FONT_SMALL, v) - 6 * u,
                       lh->box.y + lh->box.h + 6 * u};
        for (size_t o = 0; o < tr->nhosts; o++) {
            const struct layout_box *ob = &sc->L.hosts[o].box;
            bool under = ob->y + ob->h + 6 * u > ys[2] && ob->x < badge.x + badge.w &&
                         badge.x < ob->x + ob->w;
            ys[2] = o != h && under ? ob->y + ob->h + 6 * u : ys[2];
        }
        /* and inside the picture: the panels below would hide it */
        float top = sc->L.net.y + 2 * u, bottom = sc->L.net.y + sc->L.net.h - 2 * u;
        bool placed = false;
        for (int k = 0; k < 3 && !placed; k++) {
            badge.y = ys[k];
            placed = badge.y >= top && badge.y + bh <= bottom;
            for (size_t o = 0; o < tr->nhosts && placed; o++) {
                placed = o == h || !scene_boxes_meet(badge, sc->L.hosts[o].box, 0);
            }
        }
        if (!placed) {
            /* on its own box's lower edge, inside the picture */
            badge.y = lh->box.y + lh->box.h - bh / 2;
            badge.y = badge.y + bh > bottom ? bottom - bh : badge.y;
        }
        /* over whatever box sits below this one: the badge is what step 9 is about; a reader
         * who could not read gets it in red */
        bool failed = sc->s->read_unreadable && strcmp(read, sc->s->read_unreadable) == 0;
        scene_rect(sc, badge, failed ? SC_RED : scene_step_color(9), SC_NONE, 0, bh / 2,
                   LAYER_LABEL);
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
    sc->navoid_still = sc->navoid;
}
