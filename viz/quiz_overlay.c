/* quiz_overlay: the study mode's panels as display-list items — the question with numbered
 * choices, the answer with its explanation, the score, all in a panel at the inspector's place;
 * and the glossary, a dimmed screen with a panel of terms. Text is wrapped here (the renderer
 * only cuts), so that every line is its own item and nothing overlaps. */
#include "quiz_overlay.h"

#include "layout.h"
#include "scene_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QO_RGB(r, g, b) ((struct dl_color){(r), (g), (b), 255})
#define QO_INK QO_RGB(31, 41, 51)
#define QO_MUTED QO_RGB(92, 102, 115)
#define QO_BORDER QO_RGB(196, 203, 212)
#define QO_ACCENT QO_RGB(37, 99, 170)
#define QO_PANEL QO_RGB(255, 255, 255)
#define QO_RED QO_RGB(190, 30, 30)
#define QO_GREEN QO_RGB(22, 120, 60)
#define QO_NONE ((struct dl_color){0, 0, 0, 0})

/* The most lines one text is wrapped to; a longer one is cut, its last line ending in "…". */
#define QO_MAX_LINES 48
/* A line as drawn, at most this many bytes. */
#define QO_LINE_BYTES 1024

void quiz_overlay_answer_text(const struct trace *tr, const struct viz_quiz_question *q, char *out,
                              size_t cap)
{
    if (q->kind == VIZ_QUIZ_CHOICE) {
        snprintf(out, cap, "%zu) %s", q->answer + 1,
                 q->answer < q->nchoices && q->choices[q->answer] ? q->choices[q->answer] : "");
        return;
    }
    if (q->kind == VIZ_QUIZ_CLICK_LINK) {
        snprintf(out, cap, "%s — %s", q->answer_link[0] ? q->answer_link[0] : "",
                 q->answer_link[1] ? q->answer_link[1] : "");
        return;
    }
    for (size_t i = 0; tr && q->answer_agent && i < tr->nagents; i++) {
        if (strcmp(trace_string(tr, tr->agents[i].id), q->answer_agent) == 0) {
            char role[32];
            snprintf(out, cap, "%s (%s, %s)", q->answer_agent,
                     layout_role(tr, i, role, sizeof role),
                     trace_string(tr, tr->hosts[tr->agents[i].host].name));
            return;
        }
    }
    snprintf(out, cap, "%s", q->answer_agent ? q->answer_agent : "");
}

/* ---- wrapping ---- */

struct qo_lines {
    const char *s[QO_MAX_LINES];
    size_t len[QO_MAX_LINES];
    int n;
    bool cut; /* more text than QO_MAX_LINES lines */
};

static const char *qo_next_char(const char *p)
{
    p++;
    while ((*p & 0xC0) == 0x80) {
        p++;
    }
    return p;
}

/* Breaks s into lines of at most width in that font: at spaces, between CJK characters, and
 * at every newline. */
static void qo_wrap(const char *s, float width, enum dl_font f, bool bold, const struct viz_view *v,
                    struct qo_lines *out)
{
    memset(out, 0, sizeof *out);
    const char *p = s ? s : "";
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        if (out->n == QO_MAX_LINES) {
            out->cut = true;
            break;
        }
        const char *end = layout_text_break(p, width, f, bold, v);
        const char *nl = strchr(p, '\n');
        end = nl && nl < end ? nl : end;
        end = end == p ? qo_next_char(p) : end;
        size_t len = (size_t)(end - p);
        while (len > 0 && p[len - 1] == ' ') {
            len--;
        }
        out->s[out->n] = p;
        out->len[out->n] = len;
        out->n++;
        p = *end == '\n' ? end + 1 : end;
    }
}

/* ---- the panel's builder: measures (emit false) or appends (emit true) ---- */

struct qo {
    struct display_list *dl;
    const struct viz_view *v;
    uint32_t layer;
    bool emit;
    float x, w;        /* the text column */
    float y;           /* the next line's top */
    float bottom;      /* no line is drawn below it (when emitting) */
    enum dl_font body; /* BODY, or SMALL when the panel is short of room */
    bool full;         /* a line did not fit: the rest is left out */
};

static void qo_item_text(struct qo *o, float x, float y, float w, float h, const char *s,
                         size_t len, enum dl_font f, bool bold, enum dl_align align,
                         struct dl_color c)
{
    char buf[QO_LINE_BYTES];
    len = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (buf[0]) {
        dl_text_box(o->dl, x, y, w, h, buf, f, bold, align, c, o->layer);
    }
}

/* Whether one more line of height h fits; marks the panel full when not. */
static bool qo_room(struct qo *o, float h)
{
    if (o->emit && o->y + h > o->bottom + 0.5f) {
        o->full = true;
    }
    return !o->full;
}

/* A wrapped paragraph at indent dx of the column. */
static void qo_para(struct qo *o, float dx, const char *s, enum dl_font f, bool bold,
                    struct dl_color c)
{
    struct qo_lines l;
    float lh = layout_line_px(f, o->v);
    qo_wrap(s, o->w - dx, f, bold, o->v, &l);
    for (int i = 0; i < l.n; i++) {
        if (!qo_room(o, lh)) {
            return;
        }
        if (o->emit) {
            bool last_fit = !o->full && (o->y + 2 * lh > o->bottom + 0.5f) && i + 1 < l.n;
            if (last_fit || (l.cut && i + 1 == l.n)) {
                /* the last line there is room for: it says that more was cut */
                char buf[QO_LINE_BYTES];
                snprintf(buf, sizeof buf, "%.*s…", (int)(l.len[i] < 1000 ? l.len[i] : 1000),
                         l.s[i]);
                qo_item_text(o, o->x + dx, o->y, o->w - dx, lh, buf, strlen(buf), f, bold,
                             DL_ALIGN_LEFT, c);
                o->y += lh;
                o->full = true;
                return;
            }
            qo_item_text(o, o->x + dx, o->y, o->w - dx, lh, l.s[i], l.len[i], f, bold,
                         DL_ALIGN_LEFT, c);
        }
        o->y += lh;
    }
}

static void qo_gap(struct qo *o, float h)
{
    o->y += h;
}

static const char *qo_s(const char *s)
{
    return s ? s : "";
}

/* "Quiz · Question 3/19 · ④" on the left, "right so far 2/3" on the right. */
static void qo_header(struct qo *o, const struct quiz_overlay_state *s)
{
    const struct quiz_overlay_words *wd = s->words;
    const struct viz_view *v = o->v;
    char left[512], right[128] = "";
    const char *title =
        s->review && wd && wd->review_title ? wd->review_title : (wd ? wd->title : NULL);
    if (s->phase == QUIZ_OVERLAY_SCORE || !s->q) {
        snprintf(left, sizeof left, "%s", qo_s(title));
    } else {
        const char *place = s->q->step >= 1 && s->q->step <= 9 ? scene_circled(s->q->step)
                                                               : qo_s(wd ? wd->whole : NULL);
        snprintf(left, sizeof left, "%s · %s %zu/%zu · %s", qo_s(title),
                 qo_s(wd ? wd->question : NULL), s->index, s->total, place);
        if (s->asked_before > 0) {
            snprintf(right, sizeof right, "%s %lu/%lu", qo_s(wd ? wd->so_far : NULL),
                     s->right_before, s->asked_before);
        }
    }
    float lh = layout_line_px(DL_FONT_SMALL, v) * 1.1f;
    float rw = right[0] ? layout_text_width(right, DL_FONT_SMALL, false, v) : 0;
    rw = rw > o->w * 0.45f ? o->w * 0.45f : rw;
    float gap = right[0] ? 0.8f * (float)layout_font_px(DL_FONT_SMALL, v) : 0;
    if (o->emit && qo_room(o, lh)) {
        qo_item_text(o, o->x, o->y, o->w - rw - gap, lh, left, strlen(left), DL_FONT_SMALL, true,
                     DL_ALIGN_LEFT, QO_ACCENT);
        if (right[0]) {
            qo_item_text(o, o->x + o->w - rw, o->y, rw, lh, right, strlen(right), DL_FONT_SMALL,
                         false, DL_ALIGN_RIGHT, QO_MUTED);
        }
    }
    o->y += lh;
    qo_gap(o, 0.3f * layout_line_px(DL_FONT_SMALL, v));
}

/* "1" in a column, the choice wrapped beside it. */
static void qo_choice(struct qo *o, size_t i, const char *text)
{
    const struct viz_view *v = o->v;
    char num[8];
    snprintf(num, sizeof num, "%zu", i + 1);
    float px = (float)layout_font_px(o->body, v);
    float nw = 1.8f * px, lh = layout_line_px(o->body, v);
    if (o->emit && qo_room(o, lh)) {
        float r = 0.62f * lh;
        dl_rect(o->dl, o->x + (nw - r) / 2 - 0.3f * px, o->y + (lh - r) / 2, r, r, QO_ACCENT,
                QO_NONE, 0, r / 2, o->layer);
        qo_item_text(o, o->x - 0.3f * px, o->y, nw, lh, num, strlen(num), DL_FONT_SMALL, true,
                     DL_ALIGN_CENTER, QO_PANEL);
    }
    qo_para(o, nw, text, o->body, false, QO_INK);
}

/* The panel's content from its top; returns its height (the column's y advance). */
static float qo_content(struct qo *o, const struct quiz_overlay_state *s, float top)
{
    const struct quiz_overlay_words *wd = s->words;
    const struct viz_view *v = o->v;
    float body = layout_line_px(o->body, v);
    o->y = top;
    qo_header(o, s);
    if (s->phase == QUIZ_OVERLAY_SCORE) {
        char score[128];
        size_t pct = s->asked ? (s->nright * 100 + s->asked / 2) / s->asked : 0;
        snprintf(score, sizeof score, "%s  %zu/%zu (%zu%%)", qo_s(wd ? wd->score : NULL), s->nright,
                 s->asked, pct);
        qo_para(o, 0, score, DL_FONT_TITLE, true, QO_INK);
        qo_gap(o, 0.3f * body);
        if (s->nmissed > 0) {
            qo_para(o, 0, wd ? wd->missed : NULL, o->body, true, QO_RED);
            for (size_t i = 0; i < s->nmissed && !o->full; i++) {
                /* one line each: the renderer cuts a long question with "…" */
                float lh = layout_line_px(DL_FONT_SMALL, v);
                if (qo_room(o, lh) && o->emit) {
                    char line[QO_LINE_BYTES];
                    snprintf(line, sizeof line, "· %s", qo_s(s->missed[i]));
                    qo_item_text(o, o->x, o->y, o->w, lh, line, strlen(line), DL_FONT_SMALL, false,
                                 DL_ALIGN_LEFT, QO_INK);
                }
                o->y += lh;
            }
            qo_gap(o, 0.3f * body);
        }
        qo_para(o, 0, wd ? (s->to_review ? wd->keys_review : wd->keys_done) : NULL, DL_FONT_SMALL,
                false, QO_MUTED);
        return o->y - top;
    }
    const struct viz_quiz_question *q = s->q;
    qo_para(o, 0, q ? q->question : NULL, o->body, true, QO_INK);
    qo_gap(o, 0.35f * body);
    if (s->phase == QUIZ_OVERLAY_ASK) {
        if (q && q->kind == VIZ_QUIZ_CHOICE) {
            for (size_t i = 0; i < q->nchoices && i < VIZ_QUIZ_MAX_CHOICES; i++) {
                qo_choice(o, i, q->choices[i]);
                qo_gap(o, 0.15f * body);
            }
            qo_gap(o, 0.2f * body);
        }
        const char *keys = !wd                                ? NULL
                           : !q || q->kind == VIZ_QUIZ_CHOICE ? wd->keys_choice
                           : q->kind == VIZ_QUIZ_CLICK_AGENT  ? wd->keys_agent
                                                              : wd->keys_link;
        qo_para(o, 0, keys, q && q->kind != VIZ_QUIZ_CHOICE ? o->body : DL_FONT_SMALL,
                q && q->kind != VIZ_QUIZ_CHOICE,
                q && q->kind != VIZ_QUIZ_CHOICE ? QO_ACCENT : QO_MUTED);
        return o->y - top;
    }
    char verdict[QO_LINE_BYTES];
    if (s->right) {
        snprintf(verdict, sizeof verdict, "%s %s", qo_s(wd ? wd->right : NULL),
                 qo_s(s->answer_text));
    } else {
        snprintf(verdict, sizeof verdict, "%s %s %s", qo_s(wd ? wd->wrong : NULL),
                 qo_s(wd ? wd->the_answer : NULL), qo_s(s->answer_text));
    }
    qo_para(o, 0, verdict, o->body, true, s->right ? QO_GREEN : QO_RED);
    qo_gap(o, 0.35f * body);
    qo_para(o, 0, q ? q->explanation : NULL, o->body, false, QO_INK);
    qo_gap(o, 0.35f * body);
    if (q && q->source && wd) {
        /* what the answer rests on, and how often the exam asks it */
        char line[QO_LINE_BYTES];
        unsigned w = (unsigned)q->weight < 3 ? (unsigned)q->weight : 2;
        snprintf(line, sizeof line, "%s %s · %s %s", qo_s(wd->source), q->source, qo_s(wd->weight),
                 qo_s(wd->weights[w]));
        qo_para(o, 0, line, DL_FONT_SMALL, false, QO_MUTED);
        qo_gap(o, 0.2f * body);
    }
    qo_para(o, 0, wd ? wd->replay : NULL, DL_FONT_SMALL, false, QO_MUTED);
    qo_para(o, 0, wd ? (s->index < s->total ? wd->keys_next : wd->keys_last) : NULL, DL_FONT_SMALL,
            true, QO_ACCENT);
    return o->y - top;
}

struct overlay_box quiz_overlay_draw(struct display_list *dl, const struct viz_view *v,
                                     const struct quiz_overlay_state *s, uint32_t layer)
{
    struct layout L;
    memset(&L, 0, sizeof L);
    layout_frame(&L, v);
    float u = L.u, pad = 0.9f * layout_line_px(DL_FONT_SMALL, v);
    struct layout_box base = L.inspector;
    if (s->place.w > 0) {
        base = (struct layout_box){s->place.x, s->place.y, s->place.w, s->place.h};
    } else {
        /* the tallest the scene makes its panels (layout.c, layout_fit_panels) */
        float tall = 0.36f * (float)v->height;
        tall = tall > base.h ? tall : base.h;
        base.y -= tall - base.h;
        base.h = tall;
    }
    float min_top = L.net.y + 0.3f * L.net.h, bottom = base.y + base.h;
    struct qo o = {dl, v, layer, false, base.x + pad, base.w - 2 * pad, 0, 0, DL_FONT_BODY, false};
    /* The body font, in the inspector's place or grown upwards; then the small font. */
    float need = qo_content(&o, s, 0) + 2 * pad;
    if (need > bottom - min_top) {
        o.body = DL_FONT_SMALL;
        need = qo_content(&o, s, 0) + 2 * pad;
    }
    float h = need < base.h ? base.h : need;
    h = h > bottom - min_top ? bottom - min_top : h;
    struct overlay_box p = {base.x, bottom - h, base.w, h};
    dl_rect(dl, p.x, p.y, p.w, p.h, QO_PANEL, QO_ACCENT, 2 * u < 1 ? 1 : 2 * u, 10 * u, layer);
    o.emit = true;
    o.bottom = p.y + p.h - pad;
    qo_content(&o, s, p.y + pad);
    return p;
}

struct overlay_box quiz_overlay_place(const struct trace *tr, const struct viz_timeline *tl,
                                      const struct viz_view *v)
{
    struct layout L;
    memset(&L, 0, sizeof L);
    struct overlay_box b = {0, 0, 0, 0};
    if (tr && tl && layout_build(&L, tr, tl, v) == 0) {
        b = (struct overlay_box){L.inspector.x, L.inspector.y, L.inspector.w, L.inspector.h};
    }
    layout_free(&L);
    return b;
}

/* ---- the glossary ---- */

struct overlay_box glossary_overlay_draw(struct display_list *dl, const struct viz_view *v,
                                         const struct glossary_overlay *g, uint32_t layer,
                                         size_t *shown)
{
    float W = (float)v->width, H = (float)v->height, u = layout_unit(v);
    float m = 30 * u, pad = layout_line_px(DL_FONT_BODY, v);
    float title = layout_line_px(DL_FONT_TITLE, v), body = layout_line_px(DL_FONT_BODY, v);
    float small = layout_line_px(DL_FONT_SMALL, v);
    dl_rect(dl, 0, 0, W, H, (struct dl_color){20, 26, 33, 150}, QO_NONE, 0, 0, layer);
    float w = W - 2 * m > 1500 * u ? 1500 * u : W - 2 * m;
    struct overlay_box p = {(W - w) / 2, m, w, H - 2 * m};
    dl_rect(dl, p.x, p.y, p.w, p.h, QO_PANEL, QO_BORDER, 1.5f * u, 12 * u, layer);
    float x = p.x + pad, iw = p.w - 2 * pad, y = p.y + pad * 0.8f;
    size_t count = 0;
    char where[64] = "";
    size_t top = g->n && g->top >= g->n ? g->n - 1 : g->top;
    /* the entries first (to know how many fit), the title line after */
    float list_y = y + title + 0.4f * pad, foot_y = p.y + p.h - pad * 0.6f - small;
    struct qo o = {dl, v, layer, true, x, iw, list_y, foot_y - 0.3f * pad, DL_FONT_BODY, false};
    if (g->message || g->n == 0) {
        qo_para(&o, 0, g->message, DL_FONT_BODY, false, QO_MUTED);
    } else {
        float tw = iw * 0.3f, gap = 1.2f * (float)layout_font_px(DL_FONT_BODY, v);
        for (size_t i = top; i < g->n; i++) {
            struct qo_lines tl, dlines;
            qo_wrap(g->e[i].term, tw, DL_FONT_BODY, true, v, &tl);
            qo_wrap(g->e[i].definition, iw - tw - gap, DL_FONT_BODY, false, v, &dlines);
            int lines = tl.n > dlines.n ? tl.n : dlines.n;
            float eh = (float)lines * body;
            if (o.y + eh > o.bottom && count > 0) {
                break;
            }
            if (count > 0) {
                struct dl_item *ln = dl_push(dl, DL_LINE);
                ln->x = x;
                ln->x2 = x + iw;
                ln->y = ln->y2 = o.y - 0.25f * body;
                ln->thickness = u < 1 ? 1 : u;
                ln->stroke = QO_BORDER;
                ln->layer = layer;
            }
            struct qo term = o, def = o;
            term.w = tw;
            qo_para(&term, 0, g->e[i].term, DL_FONT_BODY, true, QO_ACCENT);
            def.x = x + tw + gap;
            def.w = iw - tw - gap;
            qo_para(&def, 0, g->e[i].definition, DL_FONT_BODY, false, QO_INK);
            o.y = (term.y > def.y ? term.y : def.y) + 0.5f * body;
            count++;
            if (term.full || def.full) {
                break;
            }
        }
        snprintf(where, sizeof where, "%zu–%zu / %zu", top + 1, top + count, g->n);
    }
    float ww = where[0] ? layout_text_width(where, DL_FONT_SMALL, false, v) : 0;
    dl_text_box(dl, x, y, iw - ww - pad, title, g->title ? g->title : "", DL_FONT_TITLE, true,
                DL_ALIGN_LEFT, QO_INK, layer);
    if (where[0]) {
        dl_text_box(dl, x + iw - ww, y, ww, title, where, DL_FONT_SMALL, false, DL_ALIGN_RIGHT,
                    QO_MUTED, layer);
    }
    if (g->hint) {
        dl_text_box(dl, x, foot_y, iw, small, g->hint, DL_FONT_SMALL, false, DL_ALIGN_LEFT,
                    QO_MUTED, layer);
    }
    if (shown) {
        *shown = count;
    }
    return p;
}
