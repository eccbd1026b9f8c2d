/* scene_flight: what moves in a frame — the bytes in flight along their route as envelopes
 * (a message), dots (commands and replies) and TLS records, with a label for the line they carry.
 */
#include "scene_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* At most this many things in flight are drawn (and this many of them labelled with their
 * line); the rest are counted, so that a storm of mail stays legible and fast. */
#define SCENE_MAX_FLIGHT 200
#define SCENE_MAX_FLIGHT_LABELS 8

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
            struct layout_box ab = {a->box.x - m, a->box.y - m, a->box.w + 2 * m, a->box.h + 2 * m};
            struct layout_box bb = {b->box.x - m, b->box.y - m, b->box.w + 2 * m, b->box.h + 2 * m};
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

/* The plaintext event that the records at ev carry: the last "plain" of the same side and
 * connection just before it (five events back at most, not counting the plaintext's
 * annotations), or SIZE_MAX. */
static size_t scene_plain_before(const struct scene *sc, size_t ev)
{
    const struct trace_event *e = trace_event_at(sc->tr, ev);
    size_t lo = viz_timeline_index_at(sc->tl, e->t);
    for (size_t k = ev, seen = 0; k > lo && seen < 5; k--) {
        const struct trace_event *p = trace_event_at(sc->tr, k - 1);
        if (p->kind == TRACE_PLAIN && p->conn == e->conn && p->from == e->from) {
            return k - 1;
        }
        seen += !scene_is_note(p);
    }
    return SIZE_MAX;
}

/* Whether the data or plain event ev carries (part of) a message, as its sender noted. */
static bool scene_carries_message(const struct scene *sc, size_t ev)
{
    size_t at = ev;
    return ev != SIZE_MAX && scene_note_next(sc->tr, ev, &at, TRACE_MESSAGE) != NULL;
}

/* The first reply of event ev that refuses, as its server noted it, or NULL. */
static const struct trace_event *scene_refusal(const struct scene *sc, size_t ev)
{
    size_t at = ev;
    const struct trace_event *r;
    while ((r = scene_note_next(sc->tr, ev, &at, TRACE_REPLY)) != NULL) {
        if (scene_reply_refuses(sc->tr, r)) {
            return r;
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

static void scene_flight(struct scene *sc, size_t ev, int *labels)
{
    const struct trace *tr = sc->tr;
    const struct trace_event *e = trace_event_at(tr, ev);
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
    bool tls = e->kind == TRACE_DATA && (e->flags & TRACE_TLS);
    if (tls) {
        /* Records: what they carry is judged by the plaintext just written into them (a
         * message still travels as an envelope, now locked); the label is their size only. */
        bool message = scene_carries_message(sc, scene_plain_before(sc, ev));
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
    } else if (scene_carries_message(sc, ev)) {
        scene_envelope(sc, e->conn, x, y, u, col, step);
    } else if (scene_refusal(sc, ev)) {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 9 * u, y - 9 * u, 18 * u, 18 * u}, SC_RED,
                       SC_NONE, 0, 9 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        scene_flight_label(sc, x, y, false, trace_reply_code(tr, scene_refusal(sc, ev)), SC_RED,
                           true, false);
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
            char line[64];
            scene_clean_line(p, k, line, sizeof line);
            /* a credential on its way is shown as one: anyone on the path can read it */
            struct scene_meaning m;
            scene_line_meaning(tr, ev, 0, (uint32_t)k, &m);
            scene_flight_label(sc, x, y, !from_server, line, m.secret ? SC_SECRET : col, m.secret,
                               m.secret);
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
            scene_flight(sc, i - 1, &labels);
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
