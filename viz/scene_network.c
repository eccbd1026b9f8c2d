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

static void scene_link_labels(struct scene *sc, uint32_t l, float mx, float my, bool vertical,
                              float room)
{
    const struct viz_link_info *li = &sc->tl->links[l];
    const struct viz_view *v = sc->v;
    if (v->quiz_asking) {
        return; /* "SMTP 587" would answer a question about the port */
    }
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
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].host != h) {
            continue;
        }
        char role[32];
        layout_role(tr, a, role, sizeof role);
        const char *prog = trace_string(tr, tr->agents[a].program);
        bool acting = sc->actor && sc->actor == tr->agents[a].id;
        struct dl_color rc = acting                                    ? sc->accent
                             : scene_is_attacker(tr, tr->agents[a].id) ? SC_ATTACKER
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
        scene_text(sc, (struct layout_box){tag.x + isz + 7 * u, tag.y + u, tw + 2 * u, row}, label,
                   DL_FONT_SMALL, true, DL_ALIGN_LEFT, SC_PANEL, LAYER_LABEL);
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
            attacker = attacker || scene_is_attacker(tr, tr->agents[a].id);
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
