/* scene_flight: what moves in a frame — the bytes in flight along their route as envelopes
 * (a message), dots (commands and replies) and TLS records, with a label for the line they carry.
 */
#include "scene_int.h"
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* At most this many things in flight are drawn (and this many of them labelled with their
 * line); the rest are counted, so that a storm of mail stays legible and fast. */
#define SCENE_MAX_FLIGHT 200
#define SCENE_MAX_FLIGHT_LABELS 8

/* The point at fraction f of the way from host ha to host hb, on the part of the line between
 * their boxes (16 units clear of them when there is room), so that what travels never hides a
 * box's text. */
static void scene_between(const struct scene *sc, uint32_t ha, uint32_t hb, float f, float *x,
                          float *y)
{
    f = f < 0 ? 0 : (f > 1 ? 1 : f);
    const struct layout_host *a = &sc->L.hosts[ha], *b = &sc->L.hosts[hb];
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
}

/* Where something is d microseconds after it left host h along the n links of route (crossed
 * from the last to the first when backwards), each in its latency. */
static void scene_along(const struct scene *sc, uint32_t h, const uint32_t *route, int n,
                        bool backwards, double d, float *x, float *y)
{
    const struct trace *tr = sc->tr;
    *x = sc->L.hosts[h].cx;
    *y = sc->L.hosts[h].cy;
    for (int k = 0; k < n; k++) {
        const struct trace_link *l = &tr->links[route[backwards ? n - 1 - k : k]];
        uint32_t next = l->a == h ? l->b : l->a;
        double lat = l->latency_us;
        if (d < lat || k == n - 1) {
            scene_between(sc, h, next, lat > 0 ? (float)(d / lat) : 1.0f, x, y);
            return;
        }
        d -= lat;
        h = next;
    }
}

/* Where something sent d microseconds ago is along its connection's route. */
static bool scene_position(const struct scene *sc, const struct trace_conn *c, bool from_server,
                           double d, float *x, float *y)
{
    uint32_t route[VIZ_ROUTE_MAX];
    int n = viz_route(sc->tl, c->client_host, c->server_host, route, VIZ_ROUTE_MAX);
    if (n < 0) {
        return false;
    }
    scene_along(sc, from_server ? c->server_host : c->client_host, route, n, from_server, d, x, y);
    return true;
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

/* How a label beside a dot is drawn: its text and colour, bold, on a secret's yellow, its
 * opacity, and whether it must be drawn even where only a host's box leaves room (a DNS
 * lookup, which lasts a moment and is what that moment is about). */
struct scene_words {
    const char *text;
    struct dl_color c;
    bool bold, secret, must;
    float alpha;
};

float scene_host_overlap(const struct scene *sc, struct layout_box b)
{
    float area = 0;
    for (size_t h = 0; h < sc->L.nhosts; h++) {
        const struct layout_box *o = &sc->L.hosts[h].box;
        float w = fminf(b.x + b.w, o->x + o->w) - fmaxf(b.x, o->x);
        float hh = fminf(b.y + b.h, o->y + o->h) - fmaxf(b.y, o->y);
        area += w > 0 && hh > 0 ? w * hh : 0;
    }
    return area;
}

/* A label beside a dot at (x, y): below the line first (the links' labels ride above it),
 * then above, then further out; never on a host's box (unless it must, and then on as little
 * of them as it can), inside the window, clear of the links' labels and of other flight labels
 * when it can be. No label while the dot is on a box. */
static void scene_flight_label(struct scene *sc, float x, float y, bool above,
                               struct scene_words wd)
{
    float u = sc->L.u, lh = layout_line_px(DL_FONT_SMALL, sc->v) * 1.1f;
    float W = (float)sc->v->width, H = (float)sc->v->height;
    float w = layout_text_width(wd.text, DL_FONT_SMALL, wd.bold, sc->v) + 10 * u;
    float maxw = 300 * u;
    w = w < maxw ? w : maxw;
    float r = 9 * u;
    if (!wd.must && scene_on_host(sc, (struct layout_box){x - r, y - r, 2 * r, 2 * r}, 0)) {
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
    int best = -1, best_hits = 1 << 30, least = -1, least_hits = 0;
    float least_area = 0;
    for (int i = 0; i < 6; i++) {
        struct layout_box *b = &cand[i];
        b->x = b->x < 2 * u ? 2 * u : (b->x + b->w > W - 2 * u ? W - 2 * u - b->w : b->x);
        if (i < 4) {
            scene_fit_between(sc, b, x, 60 * u);
        }
        if (b->y < sc->L.net.y || b->y + b->h > sc->L.net.y + sc->L.net.h || b->y + b->h > H) {
            continue;
        }
        int hits = 0;
        for (size_t k = 0; k < sc->navoid; k++) {
            hits += scene_boxes_meet(*b, sc->avoid[k], 1 * u);
        }
        if (scene_on_host(sc, *b, 2 * u)) {
            /* a label over another is read as neither: fewer of those first, then less box */
            float area = wd.must ? scene_host_overlap(sc, *b) : 0;
            if (wd.must &&
                (least < 0 || hits < least_hits || (hits == least_hits && area < least_area))) {
                least = i;
                least_hits = hits;
                least_area = area;
            }
            continue;
        }
        if (hits < best_hits) {
            best = i;
            best_hits = hits;
        }
        if (hits == 0) {
            break;
        }
    }
    best = best < 0 ? least : best;
    if (best < 0) {
        return;
    }
    struct layout_box b = cand[best];
    scene_avoid(sc, b);
    struct dl_color bg = wd.secret ? SC_SECRET_BG : SC_RGBA(255, 255, 255, 235), c = wd.c;
    bg.a = (uint8_t)((float)bg.a * wd.alpha);
    c.a = (uint8_t)((float)c.a * wd.alpha);
    scene_rect(sc, b, bg, SC_RGBA(c.r, c.g, c.b, (uint8_t)(160 * wd.alpha)), 1 * sc->L.thick, 4 * u,
               LAYER_MOTION_TEXT);
    scene_text(sc, b, wd.text, DL_FONT_SMALL, wd.bold, DL_ALIGN_CENTER, c, LAYER_MOTION_TEXT);
}

/* A label is read while it is news: while its line is the newest its connection has sent (a
 * later one is what the eye should follow) and for SCENE_LABEL_LIFE presentation seconds after
 * it was sent (a hold at that very moment not counted); then it fades in SCENE_LABEL_FADE while
 * its dot travels on. Else a reply crossing a slow link while the story holds at later beats
 * reads as stuck (ux review M6). A credential keeps its label all the way: it is the lesson. */
#define SCENE_LABEL_LIFE 1.3
#define SCENE_LABEL_FADE 0.3
#define SCENE_NEWER_SCAN 512

static bool scene_newest(const struct scene *sc, size_t ev)
{
    const struct trace_event *e = trace_event_at(sc->tr, ev);
    size_t stop = sc->nvis - ev > SCENE_NEWER_SCAN ? ev + SCENE_NEWER_SCAN : sc->nvis;
    for (size_t i = ev + 1; e->kind == TRACE_DATA && i < stop; i++) {
        const struct trace_event *later = trace_event_at(sc->tr, i);
        if (later->kind == TRACE_DATA && later->conn == e->conn) {
            return false;
        }
    }
    return true;
}

/* The opacity of the label of an event sent at t: 1 while news, then fading to 0. */
static float scene_label_life(const struct scene *sc, uint64_t t)
{
    double age = sc->p - viz_timeline_from_virtual(sc->tl, t + 1);
    double f = 1 - (age - SCENE_LABEL_LIFE) / SCENE_LABEL_FADE;
    return f >= 1 ? 1.0f : (f > 0 ? (float)f : 0.0f);
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
    bool newest = scene_newest(sc, ev);
    float life = newest ? scene_label_life(sc, e->t) : 0;
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
        if (*labels < SCENE_MAX_FLIGHT_LABELS && life > 0) {
            char label[48];
            bool ssh = strcmp(trace_string(tr, c->proto), "ssh") == 0;
            snprintf(label, sizeof label, "%s %u B", ssh ? "SSH" : "TLS", (unsigned)e->bytes.len);
            scene_flight_label(sc, x, y, !from_server,
                               (struct scene_words){label, col, false, false, false, life});
            (*labels)++;
        }
        return;
    }
    if (e->kind == TRACE_CLOSE) {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 9 * u, y - 9 * u, 18 * u, 18 * u}, SC_RED,
                       SC_NONE, 0, 9 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        if (life > 0) {
            scene_flight_label(sc, x, y, !from_server,
                               (struct scene_words){"RST", SC_RED, true, false, false, life});
        }
    } else if (scene_carries_message(sc, ev)) {
        scene_envelope(sc, e->conn, x, y, u, col, step);
    } else if (scene_refusal(sc, ev)) {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 9 * u, y - 9 * u, 18 * u, 18 * u}, SC_RED,
                       SC_NONE, 0, 9 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        if (life > 0) {
            const char *code = trace_reply_code(tr, scene_refusal(sc, ev));
            scene_flight_label(sc, x, y, false,
                               (struct scene_words){code, SC_RED, true, false, false, life});
        }
    } else {
        struct dl_item *dot =
            scene_rect(sc, (struct layout_box){x - 6 * u, y - 6 * u, 12 * u, 12 * u}, col,
                       SC_RGB(255, 255, 255), 1.5f * sc->L.thick, 6 * u, LAYER_MOTION);
        scene_target(dot, DL_TARGET_CONN, e->conn);
        if (*labels < SCENE_MAX_FLIGHT_LABELS && newest) {
            size_t k = 0;
            while (k < n && p[k] != '\r' && p[k] != '\n') {
                k++;
            }
            char line[64];
            scene_clean_line(p, k, line, sizeof line);
            /* a credential on its way is shown as one: anyone on the path can read it */
            struct scene_meaning m;
            scene_line_meaning(tr, ev, 0, (uint32_t)k, &m);
            if (m.secret || life > 0) {
                scene_flight_label(sc, x, y, !from_server,
                                   (struct scene_words){line, m.secret ? SC_SECRET : col, m.secret,
                                                        m.secret, false, m.secret ? 1.0f : life});
                (*labels)++;
            }
        }
    }
}

/* ---- DNS lookups ---- */

/* A lookup takes no time in the trace (the resolver answers at once): it is drawn over this many
 * presentation seconds from the moment it is recorded, the question travelling to the DNS
 * server and then the answer back, while the server's box is lit. At a beat that holds the
 * clock there, the question is seen leaving. */
#define SCENE_DNS_ASK 0.6
#define SCENE_DNS_ANSWER 0.6
#define SCENE_DNS_MAX 8   /* lookups drawn at once */
#define SCENE_DNS_SCAN 64 /* lookups looked back at */
#define SCENE_DNS_WORDS 3 /* different questions labelled at one dot */

/* Lookups made from one host at one moment (an MTA asks for each recipient's domain at once):
 * one dot, a label for each different question. */
struct scene_lookup {
    uint32_t host;
    double p;
    trace_str agent;
    size_t ev[SCENE_DNS_WORDS];
    size_t n;
};

/* The point at fraction f of the way from host h to the DNS server: along the links to it, or
 * on a straight line when there are none. */
static void scene_dns_point(const struct scene *sc, uint32_t h, float f, float *x, float *y)
{
    uint32_t route[VIZ_ROUTE_MAX];
    int n = viz_dns_route(sc->tl, h, route, VIZ_ROUTE_MAX);
    if (n <= 0) {
        scene_between(sc, h, (uint32_t)sc->tl->dns_host, f, x, y);
        return;
    }
    double total = 0;
    for (int k = 0; k < n; k++) {
        total += sc->tr->links[route[k]].latency_us;
    }
    scene_along(sc, h, route, n, false, (double)f * total, x, y);
}

static struct dl_color scene_dns_color(const struct scene *sc, trace_str agent)
{
    return sc->actor && agent == sc->actor ? sc->accent : SC_MUTED;
}

static void scene_lookup(struct scene *sc, const struct scene_lookup *g)
{
    const struct trace *tr = sc->tr;
    double age = sc->p - g->p;
    bool asking = age < SCENE_DNS_ASK;
    float f = asking ? (float)(age / SCENE_DNS_ASK)
                     : 1 - (float)((age - SCENE_DNS_ASK) / SCENE_DNS_ANSWER);
    float x, y;
    scene_dns_point(sc, g->host, f, &x, &y);
    float u = sc->L.u * (sc->v->presenter ? 1.2f : 1.0f);
    struct dl_color col = scene_dns_color(sc, g->agent);
    struct dl_item *dot =
        scene_rect(sc, (struct layout_box){x - 7 * u, y - 7 * u, 14 * u, 14 * u}, col,
                   SC_RGB(255, 255, 255), 1.5f * sc->L.thick, 3 * u, LAYER_MOTION);
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].id == g->agent) {
            scene_target(dot, DL_TARGET_AGENT, (uint32_t)a);
        }
    }
    if (sc->v->quiz_asking) {
        return; /* "MX b.example?" would answer a question about step 4 */
    }
    for (size_t k = 0; k < g->n; k++) {
        const struct trace_event *e = trace_event_at(tr, g->ev[k]);
        char text[96];
        if (asking) {
            /* the question as asked, cut whole characters short of room for its "?" */
            const char *q = trace_dns_query(tr, e);
            scene_clean_line((const uint8_t *)q, strlen(q), text, sizeof text - 1);
            size_t len = strlen(text);
            text[len] = '?';
            text[len + 1] = 0;
        } else {
            scene_clean_line(trace_bytes_ptr(tr, e->bytes), e->bytes.len, text, sizeof text);
        }
        scene_flight_label(sc, x, y, asking,
                           (struct scene_words){text, col, false, false, true, 1});
    }
}

/* The DNS server's box lit while it answers: a halo behind it and an edge in the asker's
 * colour. */
static void scene_dns_lit(struct scene *sc, struct dl_color col)
{
    const struct layout_host *lh = &sc->L.hosts[sc->tl->dns_host];
    float u = sc->L.u, g = 8 * u;
    struct dl_color halo = col;
    halo.a = 70;
    scene_rect(
        sc, (struct layout_box){lh->box.x - g, lh->box.y - g, lh->box.w + 2 * g, lh->box.h + 2 * g},
        halo, SC_NONE, 0, 12 * u, LAYER_GLOW);
    scene_rect(sc, lh->box, SC_NONE, col, 3.5f * sc->L.thick, 8 * u, LAYER_HOST);
}

/* search_first()'s order for the lookups: those shown at the moment drawn. */
static bool scene_dns_shown(const void *ctx, size_t i)
{
    const struct scene *sc = ctx;
    return sc->tl->dns[i].idx < sc->nvis;
}

static void scene_dns(struct scene *sc)
{
    const struct viz_timeline *tl = sc->tl;
    if (tl->dns_host < 0 || (size_t)tl->dns_host >= sc->L.nhosts || tl->ndns == 0) {
        return;
    }
    struct scene_lookup got[SCENE_DNS_MAX];
    size_t n = 0;
    size_t k = search_first(0, tl->ndns, scene_dns_shown, sc);
    for (size_t j = k, seen = 0; j > 0 && seen < SCENE_DNS_SCAN; j--, seen++) {
        const struct viz_dns *d = &tl->dns[j - 1];
        double p = viz_timeline_event_p(tl, d->idx);
        if (sc->p - p >= SCENE_DNS_ASK + SCENE_DNS_ANSWER) {
            break;
        }
        const struct trace_event *e = trace_event_at(sc->tr, d->idx);
        if (d->host >= sc->L.nhosts || d->host == (uint32_t)tl->dns_host) {
            continue;
        }
        size_t g = 0;
        while (g < n && (got[g].host != d->host || got[g].p != p)) {
            g++;
        }
        if (g == n) {
            if (n == SCENE_DNS_MAX) {
                continue;
            }
            got[n++] = (struct scene_lookup){d->host, p, trace_dns_agent_id(e), {0}, 0};
        }
        /* the same question twice (one for each recipient) is asked once on screen */
        bool again = false;
        for (size_t q = 0; q < got[g].n; q++) {
            again = again || trace_dns_query_id(trace_event_at(sc->tr, got[g].ev[q])) ==
                                 trace_dns_query_id(e);
        }
        if (!again && got[g].n < SCENE_DNS_WORDS) {
            /* walking back, so the earlier question goes first */
            memmove(&got[g].ev[1], &got[g].ev[0], got[g].n * sizeof got[g].ev[0]);
            got[g].ev[0] = d->idx;
            got[g].n++;
        }
    }
    if (n == 0) {
        return;
    }
    struct dl_color lit = SC_MUTED;
    for (size_t g = 0; g < n; g++) {
        lit = sc->actor && got[g].agent == sc->actor ? sc->accent : lit;
    }
    scene_dns_lit(sc, lit);
    for (size_t g = n; g > 0; g--) {
        scene_lookup(sc, &got[g - 1]);
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
    scene_queues(sc);
    scene_dns(sc);
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
