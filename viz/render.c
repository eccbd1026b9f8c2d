/* render: display list → SDL_Renderer. Rectangles are filled on whole pixels; rounded corners,
 * discs and rings are copies from the shape cache; slanted lines, the envelope's flap and the
 * icons are anti-aliased triangle lists (SDL_RenderGeometry). Both renderers draw all of it. */
#include "render.h"

#include "layout.h"
#include "shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RENDER_PI 3.14159265358979f
/* Points of the largest path (a circle, a rounded rectangle's 4 × 17); a stroke makes four
 * vertices and eighteen indices of each. */
#define RENDER_MAX_POINTS 128

struct render_pt {
    float x, y;
};

struct viz_render {
    SDL_Renderer *r;
    struct viz_text *text;
    struct viz_shapes *shapes;
    uint64_t *order; /* layer << 32 | item index, sorted */
    size_t order_cap;
    struct render_pt pts[RENDER_MAX_POINTS], en[RENDER_MAX_POINTS], vn[RENDER_MAX_POINTS];
    int npts;
    SDL_Vertex v[4 * RENDER_MAX_POINTS];
    int idx[18 * RENDER_MAX_POINTS];
    int failures;
};

struct viz_render *viz_render_adopt(SDL_Renderer *r, struct viz_text *text)
{
    struct viz_render *rd = calloc(1, sizeof *rd);
    if (!rd) {
        viz_text_free(text);
        return NULL;
    }
    rd->r = r;
    rd->text = text;
    viz_text_attach(text, r);
    rd->shapes = viz_shapes_new(r);
    if (!rd->shapes) {
        viz_render_free(rd);
        return NULL;
    }
    return rd;
}

struct viz_render *viz_render_new(SDL_Renderer *r, const struct viz_fonts *f, char *err,
                                  size_t errlen)
{
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(r, &w, &h);
    struct viz_view v = {.width = w, .height = h};
    struct viz_text *text = viz_text_new(r, f, layout_font_px(DL_FONT_BODY, &v), err, errlen);
    struct viz_render *rd = text ? viz_render_adopt(r, text) : NULL;
    if (text && !rd) {
        snprintf(err, errlen, "out of memory");
    }
    return rd;
}

void viz_render_free(struct viz_render *rd)
{
    if (!rd) {
        return;
    }
    viz_text_free(rd->text);
    viz_shapes_free(rd->shapes);
    free(rd->order);
    free(rd);
}

struct viz_text *viz_render_text(struct viz_render *rd)
{
    return rd->text;
}

/* ---- primitives ----
 * A shape is a path of points; filling and stroking it emit triangles with a one-pixel fringe
 * whose outer vertices are transparent, so edges are anti-aliased on every renderer (the way
 * Dear ImGui draws). */

static SDL_Color render_sdl(struct dl_color c)
{
    return (SDL_Color){c.r, c.g, c.b, c.a};
}

static struct dl_color render_darker(struct dl_color c, float k)
{
    return (struct dl_color){(uint8_t)(c.r * k), (uint8_t)(c.g * k), (uint8_t)(c.b * k), c.a};
}

static void render_check(struct viz_render *rd, int rc)
{
    if (rc != 0) {
        rd->failures++;
    }
}

/* Rectangles take the renderer's draw colour. An opaque one is copied rather than blended: the
 * software renderer blends pixel by pixel even at full alpha, and panels are large. */
static void render_draw_color(struct viz_render *rd, struct dl_color c)
{
    SDL_SetRenderDrawBlendMode(rd->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(rd->r, c.r, c.g, c.b, c.a);
}

static void render_path_clear(struct viz_render *rd)
{
    rd->npts = 0;
}

static void render_path_add(struct viz_render *rd, float x, float y)
{
    if (rd->npts > 0) {
        float dx = x - rd->pts[rd->npts - 1].x, dy = y - rd->pts[rd->npts - 1].y;
        if (dx * dx + dy * dy < 0.0025f) {
            return; /* a repeated point has no edge direction to take a normal from */
        }
    }
    if (rd->npts < RENDER_MAX_POINTS) {
        rd->pts[rd->npts].x = x;
        rd->pts[rd->npts].y = y;
        rd->npts++;
    }
}

/* An arc of radius r around (cx, cy) from angle a0 to a1 (radians, y down). */
static void render_path_arc(struct viz_render *rd, float cx, float cy, float r, float a0, float a1,
                            int steps)
{
    for (int i = 0; i <= steps; i++) {
        float a = a0 + (a1 - a0) * (float)i / (float)steps;
        render_path_add(rd, cx + r * cosf(a), cy + r * sinf(a));
    }
}

static void render_path_rounded(struct viz_render *rd, SDL_FRect b, float radius)
{
    float rmax = (b.w < b.h ? b.w : b.h) / 2;
    float r = radius > rmax ? rmax : (radius < 0 ? 0 : radius);
    int k = (int)(r / 2.5f) + 2;
    k = k > 16 ? 16 : k;
    render_path_arc(rd, b.x + b.w - r, b.y + r, r, -RENDER_PI / 2, 0, k);
    render_path_arc(rd, b.x + b.w - r, b.y + b.h - r, r, 0, RENDER_PI / 2, k);
    render_path_arc(rd, b.x + r, b.y + b.h - r, r, RENDER_PI / 2, RENDER_PI, k);
    render_path_arc(rd, b.x + r, b.y + r, r, RENDER_PI, RENDER_PI * 1.5f, k);
}

static void render_vertex(struct viz_render *rd, int i, float x, float y, SDL_Color c)
{
    rd->v[i].position.x = x;
    rd->v[i].position.y = y;
    rd->v[i].color = c;
    rd->v[i].tex_coord.x = 0;
    rd->v[i].tex_coord.y = 0;
}

/* Outward unit normals of the path's edges (edge i runs from point i to i + 1), and at each
 * point the miter of its two edges, scaled so that offsetting by it keeps the width. */
static void render_path_normals(struct viz_render *rd, bool closed)
{
    while (closed && rd->npts > 2) { /* a closing point repeats the first: no edge between */
        struct render_pt a = rd->pts[0], b = rd->pts[rd->npts - 1];
        if ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) >= 0.0025f) {
            break;
        }
        rd->npts--;
    }
    int n = rd->npts;
    float area = 0;
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        area += rd->pts[i].x * rd->pts[j].y - rd->pts[j].x * rd->pts[i].y;
    }
    float sign = closed && area < 0 ? -1.0f : 1.0f;
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        float dx = rd->pts[j].x - rd->pts[i].x, dy = rd->pts[j].y - rd->pts[i].y;
        float len = sqrtf(dx * dx + dy * dy);
        if (!closed && i == n - 1) {
            rd->en[i] = rd->en[i > 0 ? i - 1 : 0];
            continue;
        }
        rd->en[i].x = len > 0 ? sign * dy / len : 0;
        rd->en[i].y = len > 0 ? -sign * dx / len : 0;
    }
    for (int i = 0; i < n; i++) {
        struct render_pt a = rd->en[i > 0 ? i - 1 : (closed ? n - 1 : 0)], b = rd->en[i];
        float mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
        float d2 = mx * mx + my * my;
        float k = d2 > 0.000001f ? 1.0f / d2 : 1.0f;
        k = k > 4 ? 4 : k; /* a miter limit: sharp corners are cut, not spiked */
        rd->vn[i].x = mx * k;
        rd->vn[i].y = my * k;
    }
}

static void render_geometry(struct viz_render *rd, int nv, int ni)
{
    SDL_SetRenderDrawBlendMode(rd->r, SDL_BLENDMODE_BLEND); /* the fringe fades to clear */
    render_check(rd, SDL_RenderGeometry(rd->r, NULL, rd->v, nv, rd->idx, ni));
}

/* Readies the path to be drawn in c with a soft edge: its normals, c (solid) and c faded out
 * (clear). False when there is nothing to draw: fewer than min points, or c itself is clear. */
static bool render_path_begin(struct viz_render *rd, int min, bool closed, struct dl_color c,
                              SDL_Color *solid, SDL_Color *clear)
{
    if (rd->npts < min || c.a == 0) {
        return false;
    }
    render_path_normals(rd, closed);
    *solid = render_sdl(c);
    *clear = *solid;
    clear->a = 0;
    return true;
}

/* Fills the path, a convex polygon. */
static void render_path_fill(struct viz_render *rd, struct dl_color c)
{
    SDL_Color solid, clear;
    if (!render_path_begin(rd, 3, true, c, &solid, &clear)) {
        return;
    }
    int n = rd->npts;
    int ni = 0;
    for (int i = 0; i < n; i++) {
        struct render_pt p = rd->pts[i], m = rd->vn[i];
        render_vertex(rd, 2 * i, p.x - m.x * 0.5f, p.y - m.y * 0.5f, solid);
        render_vertex(rd, 2 * i + 1, p.x + m.x * 0.5f, p.y + m.y * 0.5f, clear);
        if (i >= 2) {
            rd->idx[ni++] = 0;
            rd->idx[ni++] = 2 * (i - 1);
            rd->idx[ni++] = 2 * i;
        }
    }
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        int q[6] = {2 * i, 2 * j, 2 * j + 1, 2 * j + 1, 2 * i + 1, 2 * i};
        memcpy(rd->idx + ni, q, sizeof q);
        ni += 6;
    }
    render_geometry(rd, 2 * n, ni);
}

/* Strokes the path with a line t pixels wide, centred on it. */
static void render_path_stroke(struct viz_render *rd, bool closed, float t, struct dl_color c)
{
    SDL_Color solid, clear;
    if (!render_path_begin(rd, 2, closed, c, &solid, &clear)) {
        return;
    }
    int n = rd->npts;
    if (t < 1) { /* a hairline: fade the colour instead of drawing less than a pixel */
        solid.a = (uint8_t)(c.a * (t > 0.2f ? t : 0.2f));
        t = 1;
    }
    float half = (t - 1) / 2, out = half + 1;
    for (int i = 0; i < n; i++) {
        struct render_pt p = rd->pts[i], m = rd->vn[i];
        render_vertex(rd, 4 * i, p.x + m.x * out, p.y + m.y * out, clear);
        render_vertex(rd, 4 * i + 1, p.x + m.x * half, p.y + m.y * half, solid);
        render_vertex(rd, 4 * i + 2, p.x - m.x * half, p.y - m.y * half, solid);
        render_vertex(rd, 4 * i + 3, p.x - m.x * out, p.y - m.y * out, clear);
    }
    int ni = 0;
    int segments = closed ? n : n - 1;
    for (int i = 0; i < segments; i++) {
        int a = 4 * i, b = 4 * ((i + 1) % n);
        for (int k = 0; k < 3; k++) {
            int q[6] = {a + k, b + k, b + k + 1, b + k + 1, a + k + 1, a + k};
            memcpy(rd->idx + ni, q, sizeof q);
            ni += 6;
        }
    }
    render_geometry(rd, 4 * n, ni);
}

/* Rounded rectangles are snapped to whole pixels and cut into three rectangles and four corners
 * copied from the shape cache: as triangles, a panel would cost the software renderer a
 * temporary surface per triangle. */
static void render_corners(struct viz_render *rd, int x0, int y0, int x1, int y1, int r, float t,
                           struct dl_color c)
{
    struct viz_shapes *sh = rd->shapes;
    render_check(rd, viz_shapes_corner(sh, x1 - r, y0, r, t, VIZ_CORNER_TR, c));
    render_check(rd, viz_shapes_corner(sh, x1 - r, y1 - r, r, t, VIZ_CORNER_BR, c));
    render_check(rd, viz_shapes_corner(sh, x0, y1 - r, r, t, VIZ_CORNER_BL, c));
    render_check(rd, viz_shapes_corner(sh, x0, y0, r, t, VIZ_CORNER_TL, c));
}

static void render_fill_rect(struct viz_render *rd, SDL_FRect b, float radius, struct dl_color c)
{
    if (c.a == 0 || b.w <= 0 || b.h <= 0) {
        return;
    }
    if (radius < 0.75f) { /* square corners: exact pixels, nothing to smooth */
        render_draw_color(rd, c);
        render_check(rd, SDL_RenderFillRectF(rd->r, &b));
        return;
    }
    int x0 = (int)lroundf(b.x), y0 = (int)lroundf(b.y);
    int x1 = (int)lroundf(b.x + b.w), y1 = (int)lroundf(b.y + b.h);
    int r = (int)lroundf(radius);
    r = r * 2 > x1 - x0 ? (x1 - x0) / 2 : r;
    r = r * 2 > y1 - y0 ? (y1 - y0) / 2 : r;
    if (r < 1) {
        render_draw_color(rd, c);
        render_check(rd, SDL_RenderFillRect(rd->r, &(SDL_Rect){x0, y0, x1 - x0, y1 - y0}));
        return;
    }
    SDL_Rect parts[3] = {{x0 + r, y0, x1 - x0 - 2 * r, y1 - y0},
                         {x0, y0 + r, r, y1 - y0 - 2 * r},
                         {x1 - r, y0 + r, r, y1 - y0 - 2 * r}};
    render_draw_color(rd, c);
    render_check(rd, SDL_RenderFillRects(rd->r, parts, 3));
    render_corners(rd, x0, y0, x1, y1, r, 0, c);
}

/* A border of thickness t inside the box. */
static void render_stroke_rect(struct viz_render *rd, SDL_FRect b, float radius, float t,
                               struct dl_color c)
{
    if (c.a == 0 || t <= 0 || b.w <= 0 || b.h <= 0) {
        return;
    }
    if (t * 2 >= b.w || t * 2 >= b.h) {
        render_fill_rect(rd, b, radius, c);
        return;
    }
    if (radius < 0.75f) {
        SDL_FRect sides[4] = {{b.x, b.y, b.w, t},
                              {b.x, b.y + b.h - t, b.w, t},
                              {b.x, b.y + t, t, b.h - 2 * t},
                              {b.x + b.w - t, b.y + t, t, b.h - 2 * t}};
        render_draw_color(rd, c);
        render_check(rd, SDL_RenderFillRectsF(rd->r, sides, 4));
        return;
    }
    /* On whole pixels like the fill, so that border and fill meet without a seam: straight
     * sides as rectangles, the four corners as quarter rings from the shape cache. */
    int x0 = (int)lroundf(b.x), y0 = (int)lroundf(b.y);
    int x1 = (int)lroundf(b.x + b.w), y1 = (int)lroundf(b.y + b.h);
    int ti = t < 1.5f ? 1 : (int)lroundf(t);
    int r = (int)lroundf(radius);
    r = r * 2 > x1 - x0 ? (x1 - x0) / 2 : r;
    r = r * 2 > y1 - y0 ? (y1 - y0) / 2 : r;
    if (r < ti + 1) {
        SDL_FRect mid = {(float)x0 + t / 2, (float)y0 + t / 2, (float)(x1 - x0) - t,
                         (float)(y1 - y0) - t};
        render_path_clear(rd);
        render_path_rounded(rd, mid, radius - t / 2 > 0 ? radius - t / 2 : 0);
        render_path_stroke(rd, true, t, c);
        return;
    }
    SDL_Rect sides[4] = {{x0 + r, y0, x1 - x0 - 2 * r, ti},
                         {x0 + r, y1 - ti, x1 - x0 - 2 * r, ti},
                         {x0, y0 + r, ti, y1 - y0 - 2 * r},
                         {x1 - ti, y0 + r, ti, y1 - y0 - 2 * r}};
    render_draw_color(rd, c);
    render_check(rd, SDL_RenderFillRects(rd->r, sides, 4));
    if (t < 1) { /* a hairline: one pixel, fainter */
        c.a = (uint8_t)(c.a * t);
    }
    render_corners(rd, x0, y0, x1, y1, r, (float)ti, c);
}

static void render_circle(struct viz_render *rd, float x, float y, float r, struct dl_color c)
{
    render_check(rd, viz_shapes_circle(rd->shapes, x, y, r, 0, c));
}

/* In pieces: the software renderer scans each triangle's bounding box, and a long slanted line
 * drawn as one quad would have the bounding box of the whole slope. */
static void render_slanted(struct viz_render *rd, float x1, float y1, float x2, float y2, float t,
                           struct dl_color c)
{
    float dx = x2 - x1, dy = y2 - y1;
    int pieces = (int)(sqrtf(dx * dx + dy * dy) / 24) + 1;
    pieces = pieces >= RENDER_MAX_POINTS ? RENDER_MAX_POINTS - 1 : pieces;
    render_path_clear(rd);
    for (int i = 0; i <= pieces; i++) {
        render_path_add(rd, x1 + dx * (float)i / (float)pieces, y1 + dy * (float)i / (float)pieces);
    }
    render_path_stroke(rd, false, t, c);
}

static void render_line(struct viz_render *rd, float x1, float y1, float x2, float y2, float t,
                        struct dl_color c)
{
    if (c.a == 0) {
        return;
    }
    if (t >= 1 && (fabsf(x2 - x1) < 0.01f || fabsf(y2 - y1) < 0.01f)) {
        /* Level or upright: a rectangle on whole pixels, crisp and cheap. */
        int w = (int)lroundf(t);
        SDL_Rect b = fabsf(x2 - x1) < 0.01f
                         ? (SDL_Rect){(int)lroundf(x1 - t / 2), (int)lroundf(fminf(y1, y2)), w,
                                      (int)lroundf(fabsf(y2 - y1))}
                         : (SDL_Rect){(int)lroundf(fminf(x1, x2)), (int)lroundf(y1 - t / 2),
                                      (int)lroundf(fabsf(x2 - x1)), w};
        render_draw_color(rd, c);
        render_check(rd, SDL_RenderFillRect(rd->r, &b));
    } else {
        render_slanted(rd, x1, y1, x2, y2, t, c);
    }
    /* Round ends so that joined segments (a link through a router) meet without a notch; an
     * opaque colour only, since a translucent cap would show as a darker dot. */
    if (t >= 3 && c.a == 255) {
        render_circle(rd, x1, y1, t / 2, c);
        render_circle(rd, x2, y2, t / 2, c);
    }
}

static void render_polygon(struct viz_render *rd, const float *p, int n, struct dl_color c)
{
    render_path_clear(rd);
    for (int i = 0; i < n; i++) {
        render_path_add(rd, p[2 * i], p[2 * i + 1]);
    }
    render_path_fill(rd, c);
}

/* ---- items ---- */

static struct dl_color render_white(uint8_t a)
{
    return (struct dl_color){255, 255, 255, a};
}

/* A letter: a rectangle with a V flap, and its step in a round badge at the top right. */
static void render_envelope(struct viz_render *rd, const struct display_list *dl,
                            const struct dl_item *it, const struct viz_view *v)
{
    float w = it->w > 4 ? it->w : 32, h = w * 0.64f;
    SDL_FRect b = {it->x - w / 2, it->y - h / 2, w, h};
    struct dl_color edge = it->stroke.a ? it->stroke : render_darker(it->fill, 0.55f);
    float t = w / 22 > 1.5f ? w / 22 : 1.5f;
    render_fill_rect(rd, b, w / 14, it->fill);
    render_stroke_rect(rd, b, w / 14, t, edge);
    float tipx = it->x, tipy = b.y + h * 0.58f;
    render_path_clear(rd);
    render_path_add(rd, b.x + t, b.y + t);
    render_path_add(rd, tipx, tipy);
    render_path_add(rd, b.x + w - t, b.y + t);
    render_path_stroke(rd, false, t, edge);
    if (it->has_text) {
        /* The step in a round badge at the top right corner. A circled digit (④) brings its
         * own ring: then the badge is a plain white disc under it. */
        const char *label = dl_text(dl, it);
        const unsigned char *u8 = (const unsigned char *)label;
        bool circled = u8[0] == 0xE2 && (u8[1] == 0x91 || u8[1] == 0x92 || u8[1] == 0x93);
        float r = h * 0.4f;
        float bx = b.x + w - r * 0.3f, by = b.y + r * 0.1f;
        if (!circled) {
            render_circle(rd, bx, by, r + t, edge);
        }
        render_circle(rd, bx, by, r, render_white(255));
        int min = layout_font_px(DL_FONT_SMALL, v);
        int px = (int)(r * (circled ? 2.1f : 1.5f));
        SDL_FRect box = {bx - r * 2, by - r, r * 4, r * 2};
        viz_text_draw(rd->text, DL_FONT_BODY, true, px > min ? px : min, edge, label, box,
                      DL_ALIGN_CENTER);
    }
}

static void render_icon(struct viz_render *rd, const struct dl_item *it)
{
    float s = it->w > 0 ? it->w : (it->h > 0 ? it->h : 24);
    float x = it->x, y = it->y;
    struct dl_color c = it->fill;
    switch (it->icon) {
    case DL_ICON_LOCK: {
        float t = s * 0.11f;
        SDL_FRect shackle = {x - s * 0.24f, y - s * 0.46f, s * 0.48f, s * 0.62f};
        render_stroke_rect(rd, shackle, s * 0.24f, t, c);
        SDL_FRect body = {x - s * 0.36f, y - s * 0.06f, s * 0.72f, s * 0.52f};
        render_fill_rect(rd, body, s * 0.08f, c);
        render_circle(rd, x, y + s * 0.15f, s * 0.08f, render_white(230));
        SDL_FRect slot = {x - s * 0.025f, y + s * 0.17f, s * 0.05f, s * 0.14f};
        render_fill_rect(rd, slot, 0, render_white(230));
        break;
    }
    case DL_ICON_EYE: {
        enum { N = 24 };
        float almond[4 * N];
        for (int i = 0; i < 2 * N; i++) {
            float u = (float)(i % N) / (float)N;
            almond[2 * i] = i < N ? x - s / 2 + s * u : x + s / 2 - s * u;
            almond[2 * i + 1] = y + (i < N ? -1.0f : 1.0f) * s * 0.3f * sinf(RENDER_PI * u);
        }
        render_polygon(rd, almond, 2 * N, c);
        render_circle(rd, x, y, s * 0.2f, render_white(255));
        render_circle(rd, x, y, s * 0.11f, c);
        break;
    }
    case DL_ICON_MAILBOX: {
        SDL_FRect post = {x - s * 0.05f, y + s * 0.05f, s * 0.1f, s * 0.45f};
        render_fill_rect(rd, post, 0, render_darker(c, 0.7f));
        SDL_FRect body = {x - s * 0.38f, y - s * 0.38f, s * 0.76f, s * 0.46f};
        render_fill_rect(rd, body, s * 0.2f, c);
        SDL_FRect slot = {x - s * 0.22f, y - s * 0.2f, s * 0.3f, s * 0.06f};
        render_fill_rect(rd, slot, s * 0.03f, render_white(220));
        SDL_FRect pole = {x + s * 0.24f, y - s * 0.5f, s * 0.04f, s * 0.3f};
        struct dl_color flag = it->stroke.a ? it->stroke : (struct dl_color){214, 64, 48, 255};
        render_fill_rect(rd, pole, 0, flag);
        SDL_FRect banner = {x + s * 0.28f, y - s * 0.5f, s * 0.16f, s * 0.11f};
        render_fill_rect(rd, banner, 0, flag);
        break;
    }
    case DL_ICON_PLAY: {
        const float p[6] = {x - s * 0.3f, y - s * 0.38f, x + s * 0.4f, y,
                            x - s * 0.3f, y + s * 0.38f};
        render_polygon(rd, p, 3, c);
        break;
    }
    case DL_ICON_KEY: {
        /* a round bow with a hole, a shaft to the right, two bits hanging from it */
        float t = s * 0.12f;
        render_circle(rd, x - s * 0.22f, y, s * 0.24f, c);
        render_circle(rd, x - s * 0.22f, y, s * 0.09f, render_white(230));
        SDL_FRect shaft = {x - s * 0.02f, y - t / 2, s * 0.52f, t};
        render_fill_rect(rd, shaft, 0, c);
        SDL_FRect bit1 = {x + s * 0.3f, y, t, s * 0.2f};
        SDL_FRect bit2 = {x + s * 0.16f, y, t, s * 0.14f};
        render_fill_rect(rd, bit1, 0, c);
        render_fill_rect(rd, bit2, 0, c);
        break;
    }
    case DL_ICON_PAUSE: {
        SDL_FRect l = {x - s * 0.3f, y - s * 0.36f, s * 0.22f, s * 0.72f};
        SDL_FRect r = {x + s * 0.08f, y - s * 0.36f, s * 0.22f, s * 0.72f};
        render_fill_rect(rd, l, s * 0.04f, c);
        render_fill_rect(rd, r, s * 0.04f, c);
        break;
    }
    }
}

static void render_item(struct viz_render *rd, const struct display_list *dl,
                        const struct dl_item *it, const struct viz_view *v)
{
    switch (it->kind) {
    case DL_RECT: {
        SDL_FRect b = {it->x, it->y, it->w, it->h};
        render_fill_rect(rd, b, it->radius, it->fill);
        if (it->stroke.a) {
            render_stroke_rect(rd, b, it->radius, it->thickness > 0 ? it->thickness : 1,
                               it->stroke);
        }
        break;
    }
    case DL_LINE:
        render_line(rd, it->x, it->y, it->x2, it->y2, it->thickness > 0 ? it->thickness : 1,
                    it->stroke.a ? it->stroke : it->fill);
        break;
    case DL_TEXT:
        if (it->has_text) {
            SDL_FRect box = {it->x, it->y, it->w, it->h};
            if (viz_text_draw(rd->text, it->font, it->bold, layout_font_px(it->font, v), it->fill,
                              dl_text(dl, it), box, it->align) != 0) {
                rd->failures++;
            }
        }
        break;
    case DL_ENVELOPE:
        render_envelope(rd, dl, it, v);
        break;
    case DL_ICON:
        render_icon(rd, it);
        break;
    case DL_KIND_COUNT:
        break;
    }
}

static int render_compare_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int viz_render_draw(struct viz_render *rd, const struct display_list *dl, const struct viz_view *v)
{
    viz_text_frame(rd->text);
    rd->failures = 0;
    render_draw_color(rd, (struct dl_color){250, 250, 248, 255});
    render_check(rd, SDL_RenderClear(rd->r));
    if (dl->n > rd->order_cap) {
        size_t cap = dl->n + dl->n / 2 + 64;
        uint64_t *o = realloc(rd->order, cap * sizeof *o);
        if (!o) {
            return -1;
        }
        rd->order = o;
        rd->order_cap = cap;
    }
    /* Layer, then list order: the key holds both, so the order is total and the sort stable.
     * A scene that pushes its items in layer order needs no sort at all. */
    size_t n = dl->n;
    bool sorted = true;
    for (size_t i = 0; i < n; i++) {
        rd->order[i] = (uint64_t)dl->items[i].layer << 32 | i;
        sorted = sorted && (i == 0 || rd->order[i - 1] < rd->order[i]);
    }
    if (!sorted) {
        qsort(rd->order, n, sizeof rd->order[0], render_compare_key);
    }
    for (size_t i = 0; i < n; i++) {
        render_item(rd, dl, &dl->items[(uint32_t)rd->order[i]], v);
    }
    return rd->failures ? -1 : 0;
}
