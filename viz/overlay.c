/* overlay: the countermeasure matrix as display-list items — a dimmed screen, a panel with the
 * scenario's title, wrapped column headers, one row a combination with coloured cells, the row
 * of the file as written marked — and the matrix the window keeps, in both languages; and the
 * window's help (F1), its lines wrapped rather than cut. */
#include "overlay.h"

#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OV_RGB(r, g, b) ((struct dl_color){(r), (g), (b), 255})
#define OV_INK OV_RGB(31, 41, 51)
#define OV_MUTED OV_RGB(92, 102, 115)
#define OV_BORDER OV_RGB(196, 203, 212)
#define OV_PANEL OV_RGB(255, 255, 255)
#define OV_ZEBRA OV_RGB(244, 246, 249)
#define OV_MARK_BG OV_RGB(255, 240, 186)
#define OV_MARK_EDGE OV_RGB(214, 160, 30)
#define OV_RED OV_RGB(200, 36, 36)
#define OV_GREEN OV_RGB(28, 128, 66)
#define OV_WHITE OV_RGB(255, 255, 255)
#define OV_KEY OV_RGB(29, 78, 137)

/* Widest a column gets, in ems of the body font: a narrow table is easier to read across than
 * one stretched over a projector's width. */
#define OV_MAX_COL_EM 18.0f

struct ov {
    struct display_list *dl;
    const struct viz_view *v;
    uint32_t layer;
};

static struct dl_item *ov_rect(struct ov *o, struct overlay_box b, struct dl_color fill,
                               struct dl_color stroke, float thickness, float radius)
{
    return dl_rect(o->dl, b.x, b.y, b.w, b.h, fill, stroke, thickness, radius, o->layer);
}

static void ov_text(struct ov *o, struct overlay_box b, const char *s, enum dl_font font, bool bold,
                    enum dl_align align, struct dl_color c)
{
    if (!s || !*s) {
        return;
    }
    dl_text_box(o->dl, b.x, b.y, b.w, b.h, s, font, bold, align, c, o->layer);
}

/* Part of s (len bytes) as a text item. */
static void ov_text_n(struct ov *o, struct overlay_box b, const char *s, size_t len,
                      enum dl_font font, bool bold, enum dl_align align, struct dl_color c)
{
    char buf[512];
    while (len > 0 && s[len - 1] == ' ') {
        len--;
    }
    len = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    ov_text(o, b, buf, font, bold, align, c);
}

static void ov_line(struct ov *o, float x, float y, float x2, float y2, float thickness,
                    struct dl_color c)
{
    dl_line(o->dl, x, y, x2, y2, c, thickness, o->layer);
}

static const char *ov_skip_spaces(const char *s)
{
    while (*s == ' ') {
        s++;
    }
    return s;
}

/* Wraps s to width in at most OVERLAY_HEADER_LINES lines, their starts and ends into starts[]
 * and ends[]; the last line keeps the rest of s. With parens, a line breaks at its last space or
 * before a parenthesis ("…制限 / (mynetworks と…)", "…SMTP-AUTH を / 必須にする") rather than
 * inside a word, unless that leaves it too short. */
static int ov_wrap_as(const char *s, float width, const struct viz_view *v, bool parens,
                      const char **starts, const char **ends)
{
    int n = 0;
    s = ov_skip_spaces(s ? s : "");
    while (*s && n < OVERLAY_HEADER_LINES) {
        const char *end = n + 1 < OVERLAY_HEADER_LINES
                              ? layout_text_break(s, width, DL_FONT_BODY, true, v)
                              : s + strlen(s);
        end = end == s ? s + strlen(s) : end;
        const char *paren = NULL, *space = NULL;
        for (const char *q = s + 1; parens && *end && q < end; q++) {
            bool open = *q == '(' || strncmp(q, "\xef\xbc\x88", 3) == 0; /* ( or ( */
            paren = open ? q : paren;
            space = *q == ' ' && *end != ' ' ? q : space; /* not already at a space */
        }
        paren = paren ? paren : space;
        end = paren && paren - s >= (end - s) / 3 ? paren : end;
        starts[n] = s;
        ends[n] = end;
        n++;
        s = ov_skip_spaces(end);
    }
    return n;
}

/* Whether the last of n lines fits width (the others do by construction). */
static bool ov_last_fits(const char *const *st, const char *const *en, int n, float width,
                         const struct viz_view *v)
{
    char last[512];
    size_t len = n ? (size_t)(en[n - 1] - st[n - 1]) : 0;
    len = len < sizeof last - 1 ? len : sizeof last - 1;
    memcpy(last, n ? st[n - 1] : "", len);
    last[len] = 0;
    return layout_text_width(last, DL_FONT_BODY, true, v) <= width;
}

/* How many lines s takes wrapped to width (at most OVERLAY_HEADER_LINES, the renderer
 * ellipsising the last); the lines into starts[] and ends[] when not NULL. Breaking at spaces and
 * before parentheses is preferred when all of s still fits; otherwise the lines are balanced
 * (the narrowest width giving as many lines), so that no word is left alone on the last. */
static int ov_wrap(const char *s, float width, const struct viz_view *v, const char **starts,
                   const char **ends)
{
    const char *st[OVERLAY_HEADER_LINES], *en[OVERLAY_HEADER_LINES];
    const char *pst[OVERLAY_HEADER_LINES], *pen[OVERLAY_HEADER_LINES];
    int n = ov_wrap_as(s, width, v, false, st, en);
    int pn = ov_wrap_as(s, width, v, true, pst, pen);
    bool preferred = pn && ov_last_fits(pst, pen, pn, width, v) &&
                     (pn != n || memcmp(pen, en, (size_t)n * sizeof en[0]) != 0);
    if (preferred) { /* breaks at spaces and before parentheses: kept as they are */
        n = pn;
        memcpy(st, pst, sizeof st);
        memcpy(en, pen, sizeof en);
    } else if (n > 1 && ov_last_fits(st, en, n, width, v)) {
        for (float k = 0.95f; k > 0.5f; k -= 0.05f) {
            const char *st2[OVERLAY_HEADER_LINES], *en2[OVERLAY_HEADER_LINES];
            int n2 = ov_wrap_as(s, width * k, v, false, st2, en2);
            if (n2 != n || !ov_last_fits(st2, en2, n2, width * k, v)) {
                break;
            }
            memcpy(st, st2, sizeof st);
            memcpy(en, en2, sizeof en);
        }
    }
    for (int i = 0; starts && i < n; i++) {
        starts[i] = st[i];
        ends[i] = en[i];
    }
    return n;
}

static bool ov_bad(enum overlay_cell c)
{
    return c == OVERLAY_SUCCEEDS || c == OVERLAY_BROKEN;
}

static const char *ov_word(const struct overlay_table *t, enum overlay_cell c)
{
    return t->words && (unsigned)c < OVERLAY_CELL_COUNT ? t->words->cell[c] : NULL;
}

/* A panel with the title and one line: no countermeasures, still loading, an error. */
static struct overlay_box ov_message(struct ov *o, const struct overlay_table *t, const char *line)
{
    const struct viz_view *v = o->v;
    float W = (float)v->width, H = (float)v->height, u = layout_unit(v);
    float pad = layout_line_px(DL_FONT_BODY, v), title = layout_line_px(DL_FONT_TITLE, v);
    float body = layout_line_px(DL_FONT_BODY, v);
    float want = layout_text_width(t->title ? t->title : "", DL_FONT_TITLE, true, v);
    float lw = layout_text_width(line ? line : "", DL_FONT_BODY, false, v);
    want = (want > lw ? want : lw) + 2 * pad;
    want = want < 700 * u ? 700 * u : want;
    float w = want < W - 2 * pad ? want : W - 2 * pad, h = 2 * pad + title + 0.5f * pad + body;
    h = h < H ? h : H;
    struct overlay_box p = {(W - w) / 2, (H - h) / 2, w, h};
    ov_rect(o, p, OV_PANEL, OV_BORDER, 1.5f * u, 12 * u);
    ov_text(o, (struct overlay_box){p.x + pad, p.y + pad, w - 2 * pad, title}, t->title,
            DL_FONT_TITLE, true, DL_ALIGN_LEFT, OV_INK);
    ov_text(o, (struct overlay_box){p.x + pad, p.y + pad + title + 0.5f * pad, w - 2 * pad, body},
            line, DL_FONT_BODY, false, DL_ALIGN_LEFT, OV_MUTED);
    return p;
}

/* Whether column c holds legitimate use (its cells say works or BROKEN). */
static bool ov_legitimate(const struct overlay_table *t, size_t c)
{
    enum overlay_cell k = t->cells[c];
    return c >= t->ngroup && (k == OVERLAY_WORKS || k == OVERLAY_BROKEN);
}

static void ov_cell(struct ov *o, const struct overlay_table *t, enum overlay_cell k,
                    struct overlay_box b, float cell_pad)
{
    const struct viz_view *v = o->v;
    const char *word = ov_word(t, k);
    if (k == OVERLAY_ON || k == OVERLAY_OFF) {
        ov_text(o, b, word, DL_FONT_BODY, k == OVERLAY_ON, DL_ALIGN_CENTER,
                k == OVERLAY_ON ? OV_INK : OV_MUTED);
        return;
    }
    float px = (float)layout_font_px(DL_FONT_BODY, v);
    float tw = layout_text_width(word ? word : "", DL_FONT_BODY, true, v) + 2 * px;
    float w = tw < b.w - 2 * cell_pad ? tw : b.w - 2 * cell_pad, h = b.h * 0.74f;
    w = w < 4 * px ? 4 * px : w;
    struct overlay_box pill = {b.x + (b.w - w) / 2, b.y + (b.h - h) / 2, w, h};
    ov_rect(o, pill, ov_bad(k) ? OV_RED : OV_GREEN, (struct dl_color){0, 0, 0, 0}, 0, h / 2);
    ov_text(o, (struct overlay_box){pill.x + px * 0.4f, pill.y, pill.w - px * 0.8f, pill.h}, word,
            DL_FONT_BODY, true, DL_ALIGN_CENTER, OV_WHITE);
}

/* Where the table's parts go, for drawing and for finding the row under the pointer. */
struct ov_table_geom {
    float pad, body, title, small, cell_pad, mark_w, play_w, col_w, table_w, head_h, foot_h, row_h;
    int hl;      /* lines of the tallest header */
    size_t rows; /* rows shown: all, or as many as fit */
    struct overlay_box p;
    float x0, cx0, rows_y; /* the table's left, its first column's, its first row's top */
};

static bool ov_table_is_message(const struct overlay_table *t)
{
    return t->message || t->ngroup == 0 || t->ncols == 0 || t->nrows == 0 || !t->cells;
}

static void ov_table_geom(const struct viz_view *v, const struct overlay_table *t,
                          struct ov_table_geom *g)
{
    float W = (float)v->width, H = (float)v->height, u = layout_unit(v);
    g->pad = layout_line_px(DL_FONT_BODY, v);
    g->body = layout_line_px(DL_FONT_BODY, v);
    g->title = layout_line_px(DL_FONT_TITLE, v);
    g->small = layout_line_px(DL_FONT_SMALL, v);
    g->cell_pad = 0.4f * g->pad;
    g->mark_w = 1.4f * g->pad;
    g->play_w = t->playing < t->nrows ? 1.4f * g->pad : 0; /* the ▶ of the row playing */
    /* Columns share the width, up to OV_MAX_COL each; the panel is at least as wide as its
     * title wants (up to the screen's width). */
    float max_w = W - 2 * g->pad;
    float col_w = (max_w - 2 * g->pad - g->mark_w - g->play_w) / (float)t->ncols;
    float col_max = OV_MAX_COL_EM * (float)layout_font_px(DL_FONT_BODY, v);
    g->col_w = col_w > col_max ? col_max : col_w;
    g->table_w = g->play_w + g->mark_w + g->col_w * (float)t->ncols;
    float tw = layout_text_width(t->title ? t->title : "", DL_FONT_TITLE, true, v);
    float pw = g->table_w + 2 * g->pad;
    pw = pw < tw + 2 * g->pad ? tw + 2 * g->pad : pw;
    pw = pw < 900 * u ? 900 * u : pw;
    pw = pw > max_w ? max_w : pw;
    /* The header's height: the most lines a label wraps to, and a line for "legitimate use". */
    int hl = 1;
    bool legit = false;
    for (size_t c = 0; c < t->ncols; c++) {
        int n =
            ov_wrap(t->headers ? t->headers[c] : NULL, g->col_w - 2 * g->cell_pad, v, NULL, NULL);
        hl = n > hl ? n : hl;
        legit = legit || ov_legitimate(t, c);
    }
    g->hl = hl;
    g->head_h = (float)hl * g->body + (legit ? g->small : 0);
    bool hint = t->choosable && t->words && t->words->hint;
    g->foot_h = (t->marked < t->nrows ? g->small + 0.4f * g->pad : 0) +
                (hint ? g->small + 0.4f * g->pad : 0);
    float fixed =
        2 * g->pad + g->title + g->body + 0.6f * g->pad + g->head_h + 0.3f * g->pad + g->foot_h;
    float row_h = 1.6f * g->body, room = H - 2 * g->pad - fixed;
    if (row_h * (float)t->nrows > room) {
        row_h = room / (float)t->nrows;
        row_h = row_h < 1.1f * g->body ? 1.1f * g->body : row_h;
    }
    g->row_h = row_h;
    size_t rows = t->nrows;
    while (rows > 1 && row_h * (float)rows > room) {
        rows--; /* 2^8 rows on a small window: what fits */
    }
    g->rows = rows;
    float ph = fixed + row_h * (float)rows;
    ph = ph > H ? H : ph;
    g->p = (struct overlay_box){(W - pw) / 2, (H - ph) / 2, pw, ph};
    /* The table, centred in the panel. */
    g->x0 = g->p.x + (pw - g->table_w) / 2;
    g->cx0 = g->x0 + g->play_w + g->mark_w;
    g->rows_y = g->p.y + g->pad + g->title + g->body + 0.6f * g->pad + g->head_h + 0.3f * g->pad;
}

size_t overlay_table_row_at(const struct viz_view *v, const struct overlay_table *t, float x,
                            float y)
{
    if (ov_table_is_message(t)) {
        return SIZE_MAX;
    }
    struct ov_table_geom g;
    ov_table_geom(v, t, &g);
    if (x < g.x0 || x > g.x0 + g.table_w || y < g.rows_y) {
        return SIZE_MAX;
    }
    size_t r = (size_t)((y - g.rows_y) / g.row_h);
    return r < g.rows ? r : SIZE_MAX;
}

struct overlay_box overlay_table_draw(struct display_list *dl, const struct viz_view *v,
                                      const struct overlay_table *t, uint32_t layer)
{
    struct ov o = {dl, v, layer};
    float W = (float)v->width, H = (float)v->height, u = layout_unit(v);
    ov_rect(&o, (struct overlay_box){0, 0, W, H}, (struct dl_color){20, 26, 33, 150},
            (struct dl_color){0, 0, 0, 0}, 0, 0);
    const struct overlay_words *wd = t->words;
    if (ov_table_is_message(t)) {
        return ov_message(&o, t, t->message ? t->message : (wd ? wd->none : NULL));
    }
    struct ov_table_geom g;
    ov_table_geom(v, t, &g);
    struct overlay_box p = g.p;
    float pad = g.pad, body = g.body, small = g.small, col_w = g.col_w;
    ov_rect(&o, p, OV_PANEL, OV_BORDER, 1.5f * u, 12 * u);
    float y = p.y + pad;
    ov_text(&o, (struct overlay_box){p.x + pad, y, p.w - 2 * pad, g.title}, t->title, DL_FONT_TITLE,
            true, DL_ALIGN_LEFT, OV_INK);
    y += g.title;
    char sub[256];
    snprintf(sub, sizeof sub, "%zu %s", t->nrows, wd && wd->combinations ? wd->combinations : "");
    ov_text(&o, (struct overlay_box){p.x + pad, y, p.w - 2 * pad, body}, sub, DL_FONT_BODY, false,
            DL_ALIGN_LEFT, OV_MUTED);
    y += body + 0.6f * pad;
    float x0 = g.x0, cx0 = g.cx0, mx = x0 + g.play_w;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *starts[OVERLAY_HEADER_LINES], *ends[OVERLAY_HEADER_LINES];
        int n = ov_wrap(t->headers ? t->headers[c] : NULL, col_w - 2 * g.cell_pad, v, starts, ends);
        float cx = cx0 + col_w * (float)c, bottom = y + (float)g.hl * body;
        for (int i = 0; i < n; i++) {
            struct overlay_box b = {cx + g.cell_pad, bottom - (float)(n - i) * body,
                                    col_w - 2 * g.cell_pad, body};
            ov_text_n(&o, b, starts[i], (size_t)(ends[i] - starts[i]), DL_FONT_BODY, true,
                      DL_ALIGN_CENTER, OV_INK);
        }
        if (ov_legitimate(t, c) && wd) {
            ov_text(&o,
                    (struct overlay_box){cx + g.cell_pad, bottom, col_w - 2 * g.cell_pad, small},
                    wd->legitimate, DL_FONT_SMALL, false, DL_ALIGN_CENTER, OV_MUTED);
        }
    }
    float rows_y = g.rows_y, row_h = g.row_h, thick = 2 * u < 1 ? 1 : 2 * u;
    float table_w = g.table_w;
    size_t rows = g.rows;
    ov_line(&o, x0, rows_y, x0 + table_w, rows_y, thick, OV_BORDER);
    /* An asterisk or a triangle sits high in its line: lowered to the middle of the row. */
    float lower = 0.28f * (float)layout_font_px(DL_FONT_TITLE, v);
    for (size_t r = 0; r < rows; r++) {
        struct overlay_box row = {x0, rows_y + row_h * (float)r, table_w, row_h};
        if (r == t->marked) {
            ov_rect(&o, row, OV_MARK_BG, OV_MARK_EDGE, thick, 6 * u);
            ov_text(&o, (struct overlay_box){mx, row.y + lower, g.mark_w, row_h - lower}, "*",
                    DL_FONT_TITLE, true, DL_ALIGN_CENTER, OV_INK);
        } else if (r % 2) {
            ov_rect(&o, row, OV_ZEBRA, (struct dl_color){0, 0, 0, 0}, 0, 0);
        }
        if (r == t->selected) { /* the keys' and the pointer's row: outlined, over any fill */
            ov_rect(&o, row, (struct dl_color){0, 0, 0, 0}, OV_KEY, 2 * thick, 6 * u);
        }
        if (r == t->playing) {
            ov_text(&o, (struct overlay_box){x0, row.y, g.play_w, row_h}, "\xe2\x96\xb6", /* ▶ */
                    DL_FONT_BODY, true, DL_ALIGN_CENTER, OV_KEY);
        }
        for (size_t c = 0; c < t->ncols; c++) {
            struct overlay_box b = {cx0 + col_w * (float)c, row.y, col_w, row_h};
            ov_cell(&o, t, t->cells[r * t->ncols + c], b, g.cell_pad);
        }
    }
    /* Countermeasures | attacks, as in the terminal's table. */
    float sx = cx0 + col_w * (float)t->ngroup;
    if (t->ngroup < t->ncols) {
        ov_line(&o, sx, p.y + pad + g.title + body + 0.6f * pad, sx, rows_y + row_h * (float)rows,
                thick, OV_BORDER);
    }
    float fy = rows_y + row_h * (float)rows + 0.4f * pad;
    if (t->marked < t->nrows && wd && wd->as_written) {
        char foot[512];
        snprintf(foot, sizeof foot, "* %s", wd->as_written);
        ov_text(&o, (struct overlay_box){x0, fy, table_w, small}, foot, DL_FONT_SMALL, false,
                DL_ALIGN_LEFT, OV_MUTED);
        fy += small + 0.4f * pad;
    }
    if (t->choosable && wd && wd->hint) {
        ov_text(&o, (struct overlay_box){x0, fy, table_w, small}, wd->hint, DL_FONT_SMALL, false,
                DL_ALIGN_LEFT, OV_KEY);
    }
    return p;
}

/* ---- the help (F1) ---- */

/* The end of the next line of s in width (at least one character, so that a word wider than
 * the column still moves on). */
static const char *ov_help_break(const char *s, float width, const struct viz_view *v)
{
    const char *end = layout_text_break(s, width, DL_FONT_BODY, false, v);
    if (end == s && *s) {
        end = s + 1;
        while ((*end & 0xc0) == 0x80) { /* a whole UTF-8 character */
            end++;
        }
    }
    return end;
}

/* The columns of the help in a panel of width w: the keys' (as wide as the widest key, kw, up
 * to 0.4 of the inside), then the descriptions' from dx on, dw wide. */
struct ov_help_cols {
    float kw, dx, dw;
};

static struct ov_help_cols ov_help_cols(float kw, float w, float pad, float gap)
{
    struct ov_help_cols c;
    c.kw = kw < (w - 2 * pad) * 0.4f ? kw : (w - 2 * pad) * 0.4f;
    c.dx = c.kw > 0 ? c.kw + gap : 0;
    c.dw = w - 2 * pad - c.dx;
    return c;
}

/* How many lines the descriptions take in a column of width dw: each line of help is
 * "KEY<TAB>description", or a description alone. */
static size_t ov_help_rows(const char *const *lines, size_t n, float dw, const struct viz_view *v)
{
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        const char *tab = strchr(lines[i], '\t'), *s = ov_skip_spaces(tab ? tab + 1 : lines[i]);
        rows += *s ? 0 : 1;
        while (*s) {
            s = ov_skip_spaces(ov_help_break(s, dw, v));
            rows++;
        }
    }
    return rows;
}

struct overlay_box overlay_help_draw(struct display_list *dl, const struct viz_view *v,
                                     const char *title, const char *const *lines, size_t n,
                                     uint32_t layer)
{
    struct ov o = {dl, v, layer};
    float W = (float)v->width, H = (float)v->height, u = layout_unit(v);
    float pad = 1.5f * layout_line_px(DL_FONT_BODY, v), body = layout_line_px(DL_FONT_BODY, v);
    float head = layout_line_px(DL_FONT_TITLE, v), gap = 16 * u;
    ov_rect(&o, (struct overlay_box){0, 0, W, H}, (struct dl_color){20, 26, 33, 150},
            (struct dl_color){0, 0, 0, 0}, 0, 0);
    n = lines ? n : 0;
    float kw = 0;
    for (size_t i = 0; i < n; i++) {
        const char *tab = strchr(lines[i], '\t');
        char key[128];
        snprintf(key, sizeof key, "%.*s", tab ? (int)(tab - lines[i]) : 0, lines[i]);
        float tw = layout_text_width(key, DL_FONT_BODY, true, v);
        kw = tw > kw ? tw : kw;
    }
    /* The panel's usual width; wider when the wrapped lines would not fit the height. */
    float w = W * 0.6f > 1000 * u ? 1000 * u : W * 0.6f, room = H - 2 * pad - head - 20 * u;
    struct ov_help_cols c = ov_help_cols(kw, w, pad, gap);
    size_t rows = ov_help_rows(lines, n, c.dw, v);
    for (float k = 0.7f; body * (float)rows > room && k < 0.96f; k += 0.05f) {
        w = W * k;
        c = ov_help_cols(kw, w, pad, gap);
        rows = ov_help_rows(lines, n, c.dw, v);
    }
    float h = 2 * pad + head + 0.5f * body + body * (float)rows;
    h = h > H - 20 * u ? H - 20 * u : h;
    struct overlay_box p = {(W - w) / 2, (H - h) / 2, w, h};
    ov_rect(&o, p, OV_PANEL, OV_BORDER, 1.5f * u, 12 * u);
    ov_text(&o, (struct overlay_box){p.x + pad, p.y + pad, w - 2 * pad, head}, title, DL_FONT_TITLE,
            true, DL_ALIGN_CENTER, OV_INK);
    float y = p.y + pad + head + 0.5f * body, bottom = p.y + h - pad + 1;
    for (size_t i = 0; i < n && y + body <= bottom; i++) {
        const char *tab = strchr(lines[i], '\t'), *s = ov_skip_spaces(tab ? tab + 1 : lines[i]);
        if (tab) {
            ov_text_n(&o, (struct overlay_box){p.x + pad, y, c.kw, body}, lines[i],
                      (size_t)(tab - lines[i]), DL_FONT_BODY, true, DL_ALIGN_RIGHT, OV_KEY);
        }
        do { /* the description, wrapped: a long line goes on under itself, never cut */
            const char *end = *s ? ov_help_break(s, c.dw, v) : s;
            ov_text_n(&o, (struct overlay_box){p.x + pad + c.dx, y, c.dw, body}, s,
                      (size_t)(end - s), DL_FONT_BODY, false, DL_ALIGN_LEFT, OV_INK);
            s = ov_skip_spaces(end);
            y += body;
        } while (*s && y + body <= bottom);
    }
    return p;
}

/* ---- the matrix the window keeps ---- */

char *overlay_strdup(const char *s)
{
    if (!s) {
        return NULL;
    }
    return strdup(s);
}

struct overlay_matrix *overlay_matrix_new(size_t nrows, size_t ncols, size_t ngroup)
{
    struct overlay_matrix *m = calloc(1, sizeof *m);
    if (!m) {
        return NULL;
    }
    m->nrows = nrows;
    m->ncols = ncols;
    m->ngroup = ngroup;
    m->marked = nrows;
    m->cells = calloc(nrows * ncols + 1, sizeof *m->cells);
    bool ok = m->cells != NULL;
    for (int l = 0; l < OVERLAY_LANGS; l++) {
        m->headers[l] = calloc(ncols + 1, sizeof *m->headers[l]);
        ok = ok && m->headers[l];
    }
    if (!ok) {
        overlay_matrix_free(m);
        return NULL;
    }
    return m;
}

void overlay_matrix_free(struct overlay_matrix *m)
{
    if (!m) {
        return;
    }
    for (int l = 0; l < OVERLAY_LANGS; l++) {
        for (size_t c = 0; m->headers[l] && c < m->ncols; c++) {
            free(m->headers[l][c]);
        }
        free(m->headers[l]);
        free(m->title[l]);
    }
    free(m->cells);
    free(m);
}

void overlay_matrix_table(const struct overlay_matrix *m, const char *lang,
                          const struct overlay_words *words, struct overlay_table *out)
{
    int l = lang && strcmp(lang, "ja") == 0 ? OVERLAY_JA : OVERLAY_EN;
    memset(out, 0, sizeof *out);
    out->title = m->title[l];
    out->ncols = m->ncols;
    out->ngroup = m->ngroup;
    out->headers = (const char *const *)m->headers[l];
    out->nrows = m->nrows;
    out->cells = m->cells;
    out->marked = m->marked;
    out->selected = out->playing = m->nrows;
    out->words = words;
}
