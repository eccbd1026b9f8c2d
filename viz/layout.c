/* layout: the screen's bars and panels, the zone bands left to right in trace order, and the
 * hosts in columns inside their zone (by hop distance from the senders, so mail flows left to
 * right along one line), with the font sizes that text boxes are measured in. */
#include "layout.h"

#include "timeline_int.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int layout_font_px(enum dl_font f, const struct viz_view *v)
{
    static const float base[DL_FONT_COUNT] = {LAYOUT_BODY_PX, LAYOUT_SMALL_PX, LAYOUT_TITLE_PX,
                                              LAYOUT_MONO_PX};
    static const float presenter[DL_FONT_COUNT] = {
        LAYOUT_PRESENTER_BODY_PX, LAYOUT_PRESENTER_SMALL_PX, LAYOUT_PRESENTER_TITLE_PX,
        LAYOUT_PRESENTER_MONO_PX};
    float k = v && v->height > 0 ? (float)v->height / 1080.0f : 1.0f;
    const float *table = v && v->presenter ? presenter : base;
    int px = (int)(table[(unsigned)f < DL_FONT_COUNT ? f : 0] * k + 0.5f);
    return px < LAYOUT_MIN_PX ? LAYOUT_MIN_PX : px;
}

float layout_line_px(enum dl_font f, const struct viz_view *v)
{
    return (float)layout_font_px(f, v) * 1.34f;
}

/* Decodes the character at *s (a NUL-terminated string) and steps past it; a byte that is not
 * UTF-8 counts as one character, U+FFFD, which is what SDL_ttf draws for it. */
static uint32_t layout_utf8(const char **s)
{
    uint32_t c;
    size_t n = utf8_decode((const uint8_t *)*s, UTF8_SEQ_MAX, &c);
    *s += n ? n : 1;
    return c;
}

/* Characters that Noto Sans CJK draws a full em wide: CJK and fullwidth forms, and the
 * symbols it takes from its CJK set (×, …, arrows, curly quotes). */
static bool layout_wide(uint32_t c)
{
    if (c == 0xD7 || c == 0x2026 || (c >= 0x2018 && c <= 0x201F) || (c >= 0x2190 && c <= 0x21FF)) {
        return true;
    }
    return c >= 0x1100 && !(c >= 0x2000 && c < 0x2460);
}

/* Widths in ems by class; a little generous, never under, so that a line the scene thinks fits
 * does, without throwing away room the way one width for all would. */
static float layout_char_em(uint32_t c, enum dl_font f)
{
    if (layout_wide(c)) {
        return 1.0f;
    }
    if (f == DL_FONT_MONO) {
        /* half-width in a CJK monospace face (Noto Sans Mono CJK JP, IPAGothic): half an em,
         * and a little for hinting */
        return 0.52f;
    }
    if (c >= 0x80) {
        /* Latin letters with accents; other symbols as wide as a CJK glyph */
        return c >= 0xC0 && c < 0x250 && c != 0xF7 ? 0.62f : 1.0f;
    }
    if (c == ' ') {
        return 0.28f;
    }
    if (strchr("il.,:;'|!`", (int)c)) {
        return 0.3f;
    }
    if (strchr("mwMW@%", (int)c)) {
        return 0.88f;
    }
    if (isupper((int)c) || isdigit((int)c)) {
        return 0.62f;
    }
    return 0.52f;
}

float layout_text_width(const char *s, enum dl_font f, bool bold, const struct viz_view *v)
{
    float em = 0;
    while (*s) {
        em += layout_char_em(layout_utf8(&s), f);
    }
    return em * (float)layout_font_px(f, v) * (bold ? 1.06f : 1.0f);
}

/* Kinsoku (JIS X 4051, its simple form): a line does not start with a closing mark, a pause or
 * stop, a prolonged sound mark or a small kana, and does not end with an opening mark. */
static bool layout_no_break_before(uint32_t c)
{
    static const uint32_t closing[] = {
        0x3001, 0x3002, 0xFF0C, 0xFF0E, 0x300D, 0x300F, 0xFF09, 0x3011, 0x3015, 0x3009, 0x300B,
        0xFF3D, 0xFF5D, 0x30FC, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F, 0x30FB, 0x2026, 0x3063, 0x3083,
        0x3085, 0x3087, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x3041, 0x3043, 0x3045, 0x3047, 0x3049,
        0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x309D, 0x309E, 0x30FD, 0x30FE, 0x3005, ')',
        ']',    '}',    ',',    '.',    ':',    ';',    '!',    '?'};
    for (size_t i = 0; i < sizeof closing / sizeof closing[0]; i++) {
        if (c == closing[i]) {
            return true;
        }
    }
    return false;
}

static bool layout_no_break_after(uint32_t c)
{
    return c == 0x300C || c == 0x300E || c == 0xFF08 || c == 0x3010 || c == 0x3014 || c == 0x3008 ||
           c == 0x300A || c == 0xFF3B || c == 0xFF5B || c == '(' || c == '[' || c == '{';
}

const char *layout_text_break(const char *s, float width, enum dl_font f, bool bold,
                              const struct viz_view *v)
{
    float px = (float)layout_font_px(f, v) * (bold ? 1.06f : 1.0f);
    float x = 0;
    const char *p = s, *brk = NULL;
    uint32_t prev = 0;
    while (*p) {
        const char *at = p;
        uint32_t c = layout_utf8(&p);
        bool cjk = layout_wide(c) || (layout_wide(prev) && c < 0x80 && c != ' ');
        if (at != s &&
            (c == ' ' || (cjk && !layout_no_break_before(c) && !layout_no_break_after(prev)))) {
            brk = at;
        }
        x += layout_char_em(c, f) * px;
        if (x > width) {
            /* no break: cut before this character, or after it when it is a closing mark
             * (it hangs over the edge rather than starting the next line) */
            return brk ? brk : (at != s && !layout_no_break_before(c) ? at : p);
        }
        prev = c;
    }
    return p;
}

size_t layout_wrap(const char *s, float width, float width_next, enum dl_font f, bool bold,
                   const struct viz_view *v, const char **starts, const char **ends, size_t max)
{
    size_t n = 0;
    const char *p = s;
    do {
        const char *end = layout_text_break(p, n ? width_next : width, f, bold, v);
        if (end == p && *p) {
            /* not even one character fits: take one anyway, so that the rows end */
            end = p;
            layout_utf8(&end);
        }
        const char *last = end;
        while (last > p && last[-1] == ' ') {
            last--;
        }
        if (n < max) {
            starts[n] = p;
            if (ends) {
                ends[n] = last;
            }
        }
        n++;
        for (p = end; *p == ' '; p++) {
        }
    } while (*p);
    return n;
}

float layout_unit(const struct viz_view *v)
{
    float W = (float)v->width, H = (float)v->height;
    return W / 1920.0f < H / 1080.0f ? W / 1920.0f : H / 1080.0f;
}

void layout_frame(struct layout *L, const struct viz_view *v)
{
    float W = (float)v->width, H = (float)v->height;
    float u = layout_unit(v);
    L->u = u;
    L->thick = u * (v->presenter ? 1.5f : 1.0f);
    L->pad = layout_line_px(DL_FONT_SMALL, v) * 0.4f;
    float m = 12 * u, gap = 8 * u;
    float title = layout_line_px(DL_FONT_TITLE, v), body = layout_line_px(DL_FONT_BODY, v);
    float mono = layout_line_px(DL_FONT_MONO, v);
    L->top = (struct layout_box){0, 0, W, 2 * title + 14 * u};
    /* the track's row and the time beside it, whose line is a body line tall */
    float tl_h =
        body * 1.5f + 26 * u > body * 1.9f + 12 * u ? body * 1.5f + 26 * u : body * 1.9f + 12 * u;
    L->timeline = (struct layout_box){m, H - tl_h - 4 * u, W - 2 * m, tl_h};
    float ph = H * 0.28f, min_ph = body * 1.6f + 5 * mono;
    ph = ph < min_ph ? min_ph : ph;
    ph = ph > H * 0.42f ? H * 0.42f : ph;
    float py = L->timeline.y - gap - ph;
    float tw = (W - 2 * m - gap) * 0.58f;
    L->transcript = (struct layout_box){m, py, tw, ph};
    L->inspector = (struct layout_box){m + tw + gap, py, W - 2 * m - gap - tw, ph};
    float ny = L->top.h + gap;
    L->net = (struct layout_box){m, ny, W - 2 * m, py - gap - ny};
    float time_w = layout_text_width("00:00:00 / 00:00:00", DL_FONT_SMALL, false, v) + 12 * u;
    float tx = L->timeline.x + body * 0.6f;
    L->track = (struct layout_box){tx, L->timeline.y + body * 1.4f + 6 * u,
                                   L->timeline.x + L->timeline.w - time_w - tx, 10 * u};
}

float layout_track_x(const struct layout *L, double p, double duration)
{
    double f = duration > 0 ? p / duration : 0;
    f = f < 0 ? 0 : (f > 1 ? 1 : f);
    return L->track.x + (float)f * L->track.w;
}

double layout_track_p(const struct layout *L, float x, double duration)
{
    double f = L->track.w > 0 ? (double)(x - L->track.x) / L->track.w : 0;
    f = f < 0 ? 0 : (f > 1 ? 1 : f);
    return f * duration;
}

const char *layout_zone_label(const struct trace *tr, size_t zone, const char *lang)
{
    if (zone >= tr->nzones) {
        return "";
    }
    const struct trace_zone *z = &tr->zones[zone];
    bool ja = lang && strcmp(lang, "ja") == 0;
    const char *label = trace_string(tr, ja ? z->label_ja : z->label_en);
    if (!*label) {
        label = trace_string(tr, ja ? z->label_en : z->label_ja);
    }
    return *label ? label : trace_string(tr, z->name);
}

const char *layout_role(const struct trace *tr, size_t agent, char *buf, size_t len)
{
    const char *r = trace_string(tr, tr->agents[agent].role);
    size_t i = 0;
    for (; r[i] && i + 1 < len; i++) {
        buf[i] = (char)toupper((unsigned char)r[i]);
    }
    buf[i] = 0;
    return buf;
}

float layout_agent_width(const struct trace *tr, size_t agent, const struct viz_view *v)
{
    char role[32];
    layout_role(tr, agent, role, sizeof role);
    const char *prog = trace_string(tr, tr->agents[agent].program);
    float u = layout_unit(v);
    return layout_text_width(role, DL_FONT_BODY, true, v) + 4 * u +
           (*prog ? layout_line_px(DL_FONT_SMALL, v) * 0.4f +
                        layout_text_width(prog, DL_FONT_SMALL, false, v)
                  : 0);
}

bool layout_agent_two_lines(const struct trace *tr, size_t agent, float w, const struct viz_view *v)
{
    return *trace_string(tr, tr->agents[agent].program) && layout_agent_width(tr, agent, v) > w;
}

const char *layout_word_break(const char *s, float width, enum dl_font f, const struct viz_view *v)
{
    const char *p = s, *brk = NULL;
    float px = (float)layout_font_px(f, v), x = 0;
    while (*p) {
        const char *at = p;
        uint32_t c = layout_utf8(&p);
        if (c == ' ' && at != s) {
            brk = at;
        }
        x += layout_char_em(c, f) * px;
        if (x > width && brk) {
            return brk;
        }
        if (c == '-' && *p) {
            brk = p;
        }
    }
    return p;
}

int layout_agent_program_lines(const struct trace *tr, size_t agent, float w,
                               const struct viz_view *v)
{
    if (!layout_agent_two_lines(tr, agent, w, v)) {
        return 0;
    }
    const char *s = trace_string(tr, tr->agents[agent].program);
    int n = 0;
    while (*s && n < LAYOUT_PROGRAM_LINES) {
        const char *end = layout_word_break(s, w, DL_FONT_SMALL, v);
        n++;
        s = end == s ? s + strlen(s) : end;
        while (*s == ' ') {
            s++;
        }
    }
    return n ? n : 1;
}

size_t layout_name_split(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot && dot != name && dot[1] ? (size_t)(dot - name) : 0;
}

/* ---- zones and hosts ---- */

struct layout_work {
    size_t nz;      /* zones laid out (at least one, so that a zoneless trace draws) */
    int32_t *ranks; /* per zone, its distinct path ranks, ascending: [z * nh .. ] */
    size_t *nranks; /* per zone */
    size_t *col;    /* per host, its column in its zone */
};

static size_t layout_zone_of(const struct trace *tr, size_t nz, size_t h)
{
    size_t z = tr->hosts[h].zone;
    return z < nz ? z : nz - 1;
}

/* Each zone's columns: the distinct ranks of its hosts on a route, ascending. */
static void layout_columns(struct layout_work *w, const struct trace *tr,
                           const struct viz_timeline *tl)
{
    size_t nh = tr->nhosts;
    for (size_t h = 0; h < nh; h++) {
        int32_t r = tl->host_rank[h];
        if (r < 0) {
            continue;
        }
        size_t z = layout_zone_of(tr, w->nz, h);
        int32_t *rk = &w->ranks[z * nh];
        size_t k = 0;
        while (k < w->nranks[z] && rk[k] < r) {
            k++;
        }
        if (k < w->nranks[z] && rk[k] == r) {
            continue;
        }
        memmove(&rk[k + 1], &rk[k], (w->nranks[z] - k) * sizeof *rk);
        rk[k] = r;
        w->nranks[z]++;
    }
    for (size_t h = 0; h < nh; h++) {
        size_t z = layout_zone_of(tr, w->nz, h);
        int32_t r = tl->host_rank[h];
        size_t c = 0;
        if (r >= 0) {
            while (w->ranks[z * nh + c] != r) {
                c++;
            }
        } else {
            /* a side host sits below a neighbour of its zone that is on the path */
            for (size_t i = 0; i < tr->nlinks; i++) {
                const struct trace_link *l = &tr->links[i];
                uint32_t o = l->a == h ? l->b : (l->b == h ? l->a : UINT32_MAX);
                if (o < nh && tl->host_rank[o] >= 0 && layout_zone_of(tr, w->nz, o) == z) {
                    int32_t ro = tl->host_rank[o];
                    while (w->ranks[z * nh + c] != ro) {
                        c++;
                    }
                    break;
                }
            }
        }
        w->col[h] = c;
    }
}

static size_t layout_agents_on(const struct trace *tr, size_t h)
{
    size_t n = 0;
    for (size_t a = 0; a < tr->nagents; a++) {
        n += tr->agents[a].host == h;
    }
    return n;
}

static float layout_host_height(const struct layout *L, const struct trace *tr, size_t h,
                                const struct viz_view *v)
{
    const struct layout_host *lh = &L->hosts[h];
    float small = layout_line_px(DL_FONT_SMALL, v), body = layout_line_px(DL_FONT_BODY, v);
    float domain = lh->split_name ? small : 0;
    if (lh->compact) {
        return 2 * L->pad + body + domain + 2 * small;
    }
    if (lh->small) {
        return 2 * L->pad + domain + small * (float)(2 + layout_agents_on(tr, h));
    }
    float y = 2 * L->pad + body + domain + small;
    float inner = lh->box.w - 2 * L->pad;
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].host == h) {
            y += body + small * (float)layout_agent_program_lines(tr, a, inner, v);
        }
    }
    return y + (layout_agents_on(tr, h) ? L->pad * 0.5f : 0);
}

/* Plans one column relative to the flow line: the hosts on the first mail's path centred on
 * it, other hosts on routes just below them (or below the line, clear of the labels that ride
 * on it), side hosts last. Writes each box's top into rel[] and returns the column's extent. */
static void layout_plan(const struct layout *L, const size_t *hs, size_t n, const float *hgt,
                        const struct viz_view *v, float *rel, float *above, float *below)
{
    float gap = 10 * L->u, mb = layout_line_px(DL_FONT_BODY, v) * 1.5f;
    float clear = 24 * L->u + layout_line_px(DL_FONT_SMALL, v) * 1.5f;
    size_t nmain = 0;
    float main_total = 0;
    while (nmain < n && L->hosts[hs[nmain]].main) {
        main_total += hgt[nmain] + (L->hosts[hs[nmain]].has_mailbox ? mb : 0) + (nmain ? gap : 0);
        nmain++;
    }
    float y = nmain == 1 ? -hgt[0] / 2 : -main_total / 2;
    for (size_t i = 0; i < n; i++) {
        const struct layout_host *lh = &L->hosts[hs[i]];
        if (i == nmain && nmain == 0) {
            y = clear;
        }
        rel[i] = y;
        y += hgt[i] + (lh->has_mailbox ? mb : 0) + gap;
    }
    *above = n ? -rel[0] : 0;
    *below = n ? y - gap : 0;
}

/* Stacks one column around the flow line (see layout_plan), side hosts pushed to the bottom;
 * compact boxes when they do not fit, and equal slices when even those do not. */
static void layout_stack(struct layout *L, const struct trace *tr, const size_t *hs, size_t n,
                         float *hgt, float *rel, const struct viz_view *v)
{
    float gap = 10 * L->u, top = L->content.y + L->note.h + 6 * L->u;
    float bottom = L->content.y + L->content.h;
    float mb = layout_line_px(DL_FONT_BODY, v) * 1.5f;
    float above = 0, below = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            L->hosts[hs[i]].compact = pass == 1;
            hgt[i] = layout_host_height(L, tr, hs[i], v);
        }
        layout_plan(L, hs, n, hgt, v, rel, &above, &below);
        if (above + below <= bottom - top) {
            break;
        }
    }
    if (above + below > bottom - top) {
        float slot = (bottom - top) / (float)n;
        for (size_t i = 0; i < n; i++) {
            struct layout_host *lh = &L->hosts[hs[i]];
            float room = slot - (lh->has_mailbox ? mb : 0) - gap * 0.5f;
            lh->has_mailbox = lh->has_mailbox && room > 4;
            lh->box.y = top + slot * (float)i;
            lh->box.h = room > 4 ? room : slot * 0.5f;
        }
        return;
    }
    /* keep the column inside the network area, as near the flow line as it can be */
    float shift = L->flow_y - above < top ? top - (L->flow_y - above) : 0;
    shift = L->flow_y + below + shift > bottom ? bottom - (L->flow_y + below) : shift;
    float sides_down = 0;
    for (size_t i = 0; i < n; i++) {
        struct layout_host *lh = &L->hosts[hs[i]];
        if (lh->small && sides_down == 0) {
            /* side hosts go to the bottom, out of the mail's way */
            float end = L->flow_y + below + shift;
            sides_down = bottom - end > 0 ? bottom - end : 0.0001f;
        }
        lh->box.y = L->flow_y + rel[i] + shift + sides_down;
        lh->box.h = hgt[i];
    }
}

/* The width a host's box would like: its name, its address, and each agent on one line. */
static float layout_host_width(const struct layout *L, const struct trace *tr, size_t h, bool split,
                               const struct viz_view *v)
{
    bool small = L->hosts[h].small;
    enum dl_font name_font = small ? DL_FONT_SMALL : DL_FONT_BODY;
    const char *name = trace_string(tr, tr->hosts[h].name);
    size_t cut = split ? layout_name_split(name) : 0;
    float w;
    if (cut) {
        char first[256];
        snprintf(first, sizeof first, "%.*s", (int)cut, name);
        w = layout_text_width(first, name_font, true, v);
        float dw = layout_text_width(name + cut, DL_FONT_SMALL, false, v);
        w = dw > w ? dw : w;
    } else {
        w = layout_text_width(name, name_font, true, v);
    }
    char ip[24];
    uint32_t a = tr->hosts[h].ip;
    snprintf(ip, sizeof ip, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    float iw = layout_text_width(ip, DL_FONT_SMALL, false, v);
    w = iw > w ? iw : w;
    for (size_t k = 0; k < tr->nagents; k++) {
        if (tr->agents[k].host != h) {
            continue;
        }
        char role[32];
        layout_role(tr, k, role, sizeof role);
        const char *prog = trace_string(tr, tr->agents[k].program);
        float aw = small ? layout_text_width(role, DL_FONT_SMALL, false, v) +
                               layout_text_width(" ", DL_FONT_SMALL, false, v) +
                               layout_text_width(prog, DL_FONT_SMALL, false, v)
                         : layout_agent_width(tr, k, v);
        w = aw > w ? aw : w;
    }
    return w + 2 * L->pad + 2 * L->u;
}

/* How far a column's hosts reach above and below the flow line, at full size. */
static void layout_extent(struct layout *L, const struct trace *tr, const size_t *hs, size_t n,
                          float *hgt, float *rel, const struct viz_view *v, float *above,
                          float *below)
{
    for (size_t i = 0; i < n; i++) {
        L->hosts[hs[i]].compact = false;
        hgt[i] = layout_host_height(L, tr, hs[i], v);
    }
    layout_plan(L, hs, n, hgt, v, rel, above, below);
}

/* Gives the panels the height the network does not need, within bounds: in presenter mode up
 * to nearly half the screen, since their type is as large as the diagram's. */
static void layout_fit_panels(struct layout *L, const struct viz_view *v, float net_need)
{
    float H = (float)v->height, gap = 8 * L->u;
    float min_ph = layout_line_px(DL_FONT_BODY, v) * 1.6f + 5 * layout_line_px(DL_FONT_MONO, v);
    /* the diagram first: a crowded one may take the panels down to 28% of the height, where
     * they still show five rows of presenter type */
    float least = H * 0.28f;
    float lo = least > min_ph ? least : min_ph, hi = H * (v->presenter ? 0.46f : 0.36f);
    hi = hi > lo ? hi : lo;
    float span = L->timeline.y - gap - L->net.y;
    float ph = span - gap - net_need;
    ph = ph < lo ? lo : (ph > hi ? hi : ph);
    float py = L->timeline.y - gap - ph;
    L->transcript.y = L->inspector.y = py;
    L->transcript.h = L->inspector.h = ph;
    L->net.h = py - gap - L->net.y;
}

/* Gathers the hosts of one column: those on the first mail's path, then the others on a
 * route, then the side ones. */
static size_t layout_gather(const struct layout *L, const struct trace *tr,
                            const struct layout_work *w, size_t z, size_t c, size_t *out)
{
    size_t n = 0;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t h = 0; h < tr->nhosts; h++) {
            const struct layout_host *lh = &L->hosts[h];
            int k = lh->main ? 0 : (lh->small ? 2 : 1);
            if (layout_zone_of(tr, w->nz, h) == z && w->col[h] == c && k == kind) {
                out[n++] = h;
            }
        }
    }
    return n;
}

static int layout_hosts(struct layout *L, const struct trace *tr, const struct viz_timeline *tl,
                        const struct viz_view *v, struct layout_work *w)
{
    size_t nh = tr->nhosts, nz = w->nz;
    float gap = 8 * L->u, u = L->u;
    float avail = L->net.w - gap * (float)(nz - 1), x = L->net.x;
    float label_h = layout_line_px(DL_FONT_TITLE, v) * 1.15f;
    /* room between boxes for a link's label on its line; presenter type is too large for that
     * across a whole lesson, so there the boxes keep their width and the labels that find no
     * room on the line move off it (scene_network.c) */
    float min_gap =
        v->presenter ? 40 * u : layout_text_width("SMTP 25", DL_FONT_SMALL, true, v) + 24 * u;
    /* Bands share the width by what their columns of boxes want (with room for the links'
     * labels between them), but each is at least as wide as its label in the title font; when
     * that cannot be, every label takes the body font instead. */
    float *need = calloc(nz, sizeof *need), *bw = calloc(nz, sizeof *bw);
    float *wt = calloc(nz, sizeof *wt), *colw = calloc(nh ? nh : 1, sizeof *colw);
    if (!need || !bw || !wt || !colw) {
        free(need);
        free(bw);
        free(wt);
        free(colw);
        return -1;
    }
    for (size_t h = 0; h < nh; h++) {
        struct layout_host *lh = &L->hosts[h];
        lh->small = tl->host_rank[h] < 0;
        lh->main = tl->host_main[h] && !lh->small;
        lh->has_mailbox = tl->host_has_mda[h];
        lh->split_name = false;
        lh->box.w = layout_host_width(L, tr, h, false, v);
    }
    float total_wt = 0;
    for (size_t z = 0; z < nz; z++) {
        size_t cols = w->nranks[z] ? w->nranks[z] : 1;
        wt[z] = min_gap * (float)cols;
        for (size_t c = 0; c < cols; c++) {
            float cw = 0;
            for (size_t h = 0; h < nh; h++) {
                if (layout_zone_of(tr, nz, h) == z && w->col[h] == c) {
                    cw = L->hosts[h].box.w > cw ? L->hosts[h].box.w : cw;
                }
            }
            wt[z] += cw;
        }
        total_wt += wt[z];
    }
    const char *lang = v->strings ? v->strings->lang : NULL;
    float need_total = 0;
    for (size_t z = 0; z < nz; z++) {
        need[z] =
            layout_text_width(layout_zone_label(tr, z, lang), DL_FONT_TITLE, true, v) + 2 * L->pad;
        need_total += need[z];
    }
    bool fit = need_total <= avail;
    float rest = avail, rest_wt = total_wt;
    bool changed = true;
    for (size_t z = 0; z < nz; z++) {
        bw[z] = -1;
    }
    while (fit && changed) {
        /* fix the bands whose share is narrower than their label; share out the rest again */
        changed = false;
        for (size_t z = 0; z < nz; z++) {
            if (bw[z] < 0 && rest * wt[z] / rest_wt < need[z]) {
                bw[z] = need[z];
                rest -= need[z];
                rest_wt -= wt[z];
                changed = true;
            }
        }
        if (rest_wt <= 0) {
            break;
        }
    }
    for (size_t z = 0; z < nz; z++) {
        float width =
            fit ? (bw[z] >= 0 ? bw[z] : rest * wt[z] / rest_wt) : avail * wt[z] / total_wt;
        struct layout_zone *lz = &L->zones[z];
        lz->band = (struct layout_box){x, L->net.y, width, L->net.h};
        lz->label = (struct layout_box){x + L->pad, L->net.y, width - 2 * L->pad, label_h};
        lz->label_font = fit ? DL_FONT_TITLE : DL_FONT_BODY;
        x += width + gap;
    }
    free(need);
    free(bw);
    free(wt);
    /* widths: as wide as the text wants, leaving room between boxes for the links' labels;
     * each column of a band gets what its widest box wants when the band has room, a share
     * of the band in proportion to that when not (programs then wrap; addresses never cut) */
    for (size_t z = 0; z < nz; z++) {
        const struct layout_box *band = &L->zones[z].band;
        size_t cols = w->nranks[z] ? w->nranks[z] : 1;
        float want = 0;
        for (size_t c = 0; c < cols; c++) {
            colw[c] = 0;
            for (size_t h = 0; h < nh; h++) {
                if (layout_zone_of(tr, nz, h) == z && w->col[h] == c) {
                    colw[c] = L->hosts[h].box.w > colw[c] ? L->hosts[h].box.w : colw[c];
                }
            }
            want += colw[c];
        }
        float room = band->w - min_gap * (float)cols;
        room = room > band->w * 0.4f ? room : band->w * 0.4f;
        float k = want > room ? room / want : 1.0f;
        float spare = band->w - want * k;
        float cx = band->x;
        for (size_t c = 0; c < cols; c++) {
            float slot = colw[c] * k + spare / (float)cols;
            for (size_t h = 0; h < nh; h++) {
                struct layout_host *lh = &L->hosts[h];
                if (layout_zone_of(tr, nz, h) != z || w->col[h] != c) {
                    continue;
                }
                float limit = colw[c] * k;
                const char *name = trace_string(tr, tr->hosts[h].name);
                float name_w =
                    layout_text_width(name, lh->small ? DL_FONT_SMALL : DL_FONT_BODY, true, v);
                lh->split_name = name_w + 2 * L->pad + 2 * u > limit && layout_name_split(name);
                float fw = lh->split_name ? layout_host_width(L, tr, h, true, v) : lh->box.w;
                fw = fw < limit ? fw : limit;
                /* an address is never cut */
                char ip[24];
                uint32_t a = tr->hosts[h].ip;
                snprintf(ip, sizeof ip, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                         a & 255);
                float iw = layout_text_width(ip, DL_FONT_SMALL, false, v);
                /* nor is a word of a program's name */
                for (size_t ag = 0; ag < tr->nagents; ag++) {
                    const char *p =
                        tr->agents[ag].host == h ? trace_string(tr, tr->agents[ag].program) : "";
                    while (*p) {
                        size_t n = strcspn(p, " -");
                        char word[64];
                        snprintf(word, sizeof word, "%.*s", (int)n, p);
                        float ww = layout_text_width(word, DL_FONT_SMALL, false, v);
                        iw = ww > iw ? ww : iw;
                        p += n;
                        p += *p ? 1 : 0;
                    }
                }
                iw += 2 * L->pad + 2 * u;
                lh->box.w = fw > iw ? fw : iw;
                /* but never into the next column's box */
                lh->box.w = lh->box.w < slot - 6 * u ? lh->box.w : slot - 6 * u;
                lh->box.x = cx + slot / 2 - lh->box.w / 2;
            }
            cx += slot;
        }
    }
    free(colw);
    size_t *stack = malloc((nh ? nh : 1) * sizeof *stack);
    float *hgt = malloc((nh ? nh : 1) * 2 * sizeof *hgt), *rel = hgt + (nh ? nh : 1);
    if (!stack || !hgt) {
        free(stack);
        free(hgt);
        return -1;
    }
    /* heights: the network takes what its tallest columns need; the panels get the rest */
    float above = 0, below = 0;
    for (size_t z = 0; z < nz; z++) {
        size_t cols = w->nranks[z] ? w->nranks[z] : 1;
        for (size_t c = 0; c < cols; c++) {
            size_t n = layout_gather(L, tr, w, z, c, stack);
            float a = 0, b = 0;
            if (n) {
                layout_extent(L, tr, stack, n, hgt, rel, v, &a, &b);
            }
            above = a > above ? a : above;
            below = b > below ? b : below;
        }
    }
    float air = 24 * u + layout_line_px(DL_FONT_SMALL, v) * 2;
    /* the narration's callout (scene_note.c) has its own strip above the hosts and labels */
    float note_h = 2 * layout_line_px(DL_FONT_BODY, v) + L->pad + 6 * u;
    layout_fit_panels(L, v, label_h + 12 * u + note_h + above + below + 2 * air);
    for (size_t z = 0; z < nz; z++) {
        L->zones[z].band.h = L->net.h;
    }
    L->content = (struct layout_box){L->net.x, L->net.y + label_h + 6 * u, L->net.w,
                                     L->net.h - label_h - 12 * u};
    L->note = (struct layout_box){L->content.x, L->content.y, L->content.w, note_h - 6 * u};
    float extra = L->content.h - note_h - above - below - 2 * air;
    L->flow_y = L->content.y + note_h + air + above + (extra > 0 ? extra * 0.3f : 0);
    for (size_t z = 0; z < nz; z++) {
        size_t cols = w->nranks[z] ? w->nranks[z] : 1;
        for (size_t c = 0; c < cols; c++) {
            size_t n = layout_gather(L, tr, w, z, c, stack);
            if (n) {
                layout_stack(L, tr, stack, n, hgt, rel, v);
            }
        }
    }
    free(stack);
    free(hgt);
    float mb = layout_line_px(DL_FONT_BODY, v) * 1.5f;
    for (size_t h = 0; h < nh; h++) {
        struct layout_host *lh = &L->hosts[h];
        lh->cx = lh->box.x + lh->box.w / 2;
        lh->cy = lh->box.y + lh->box.h / 2;
        lh->mailbox =
            (struct layout_box){lh->box.x, lh->box.y + lh->box.h + 2 * u, lh->box.w, mb - 4 * u};
    }
    return 0;
}

int layout_build(struct layout *L, const struct trace *tr, const struct viz_timeline *tl,
                 const struct viz_view *v)
{
    memset(L, 0, sizeof *L);
    layout_frame(L, v);
    size_t nh = tr->nhosts, nz = tr->nzones ? tr->nzones : 1;
    struct layout_work w = {nz, NULL, NULL, NULL};
    L->nzones = nz;
    L->nhosts = nh;
    L->zones = calloc(nz, sizeof *L->zones);
    L->hosts = calloc(nh ? nh : 1, sizeof *L->hosts);
    w.ranks = malloc(nz * (nh ? nh : 1) * sizeof *w.ranks);
    w.nranks = calloc(nz, sizeof *w.nranks);
    w.col = calloc(nh ? nh : 1, sizeof *w.col);
    int rc = -1;
    if (L->zones && L->hosts && w.ranks && w.nranks && w.col) {
        layout_columns(&w, tr, tl);
        rc = layout_hosts(L, tr, tl, v, &w);
    }
    free(w.ranks);
    free(w.nranks);
    free(w.col);
    if (rc != 0) {
        layout_free(L);
    }
    return rc;
}

void layout_free(struct layout *L)
{
    free(L->zones);
    free(L->hosts);
    L->zones = NULL;
    L->hosts = NULL;
    L->nzones = L->nhosts = 0;
}
