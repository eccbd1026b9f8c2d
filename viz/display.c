/* display: the display list's storage — items in a growing array, their strings in one arena —
 * and the hit test that turns a point into what is drawn there. No SDL: tests read the list
 * without pixels. */
#include "display.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dl_oom(void)
{
    fprintf(stderr, "mailsim: out of memory while building the picture\n");
    abort();
}

void dl_init(struct display_list *dl)
{
    memset(dl, 0, sizeof *dl);
}

void dl_free(struct display_list *dl)
{
    free(dl->items);
    free(dl->text);
    memset(dl, 0, sizeof *dl);
}

void dl_clear(struct display_list *dl, int width, int height)
{
    dl->n = 0;
    dl->text_len = 0;
    dl->width = width;
    dl->height = height;
}

struct dl_item *dl_push(struct display_list *dl, enum dl_kind kind)
{
    /* BUF_PUSH zeroes the item with memset, padding bytes included, so two lists built from
     * the same input compare equal byte for byte. */
    struct dl_item *it = BUF_PUSH(dl->items, dl->n, dl->cap, 256);
    it->kind = kind;
    return it;
}

void dl_set_text(struct display_list *dl, struct dl_item *it, const char *text)
{
    size_t n = strlen(text);
    if (n >= UINT32_MAX || dl->text_len > UINT32_MAX - n - 1) {
        dl_oom();
    }
    if (dl->text_len + n + 1 > dl->text_cap) {
        size_t cap = dl->text_cap ? dl->text_cap : 4096;
        while (cap < dl->text_len + n + 1) {
            cap *= 2;
        }
        char *t = realloc(dl->text, cap);
        if (!t) {
            dl_oom();
        }
        dl->text = t;
        dl->text_cap = cap;
    }
    memcpy(dl->text + dl->text_len, text, n + 1);
    it->text = (uint32_t)dl->text_len;
    it->text_len = (uint32_t)n;
    it->has_text = true;
    dl->text_len += n + 1;
}

const char *dl_text(const struct display_list *dl, const struct dl_item *it)
{
    if (!it->has_text || it->text >= dl->text_len) {
        return "";
    }
    return dl->text + it->text;
}

/* Whether (x, y) is within reach of the segment: its thickness, but at least a few pixels so
 * that a thin link can still be pointed at. */
static bool dl_near_line(const struct dl_item *it, float x, float y)
{
    float dx = it->x2 - it->x, dy = it->y2 - it->y;
    float len2 = dx * dx + dy * dy;
    float u = len2 > 0 ? ((x - it->x) * dx + (y - it->y) * dy) / len2 : 0;
    u = u < 0 ? 0 : (u > 1 ? 1 : u);
    float ex = it->x + u * dx - x, ey = it->y + u * dy - y;
    float reach = it->thickness / 2 > 6 ? it->thickness / 2 : 6;
    return ex * ex + ey * ey <= reach * reach;
}

static bool dl_contains(const struct dl_item *it, float x, float y)
{
    switch (it->kind) {
    case DL_RECT:
    case DL_TEXT:
        return x >= it->x && x < it->x + it->w && y >= it->y && y < it->y + it->h;
    case DL_LINE:
        return dl_near_line(it, x, y);
    case DL_ENVELOPE:
    case DL_ICON: {
        float r = it->w / 2;
        return x >= it->x - r && x < it->x + r && y >= it->y - r && y < it->y + r;
    }
    case DL_KIND_COUNT:
        break;
    }
    return false;
}

const struct dl_item *dl_hit(const struct display_list *dl, float x, float y)
{
    const struct dl_item *best = NULL;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        /* Later items of the same layer are drawn over earlier ones, hence >=. */
        if (it->target != DL_TARGET_NONE && (!best || it->layer >= best->layer) &&
            dl_contains(it, x, y)) {
            best = it;
        }
    }
    return best;
}

struct dl_item *dl_push_box(struct display_list *dl, enum dl_kind kind, float x, float y, float w,
                            float h, uint32_t layer)
{
    struct dl_item *it = dl_push(dl, kind);
    it->x = x;
    it->y = y;
    it->w = w;
    it->h = h;
    it->layer = layer;
    return it;
}

struct dl_item *dl_rect(struct display_list *dl, float x, float y, float w, float h,
                        struct dl_color fill, struct dl_color stroke, float thickness, float radius,
                        uint32_t layer)
{
    struct dl_item *it = dl_push_box(dl, DL_RECT, x, y, w, h, layer);
    it->fill = fill;
    it->stroke = stroke;
    it->thickness = thickness;
    it->radius = radius;
    return it;
}

struct dl_item *dl_line(struct display_list *dl, float x, float y, float x2, float y2,
                        struct dl_color stroke, float thickness, uint32_t layer)
{
    /* A line has no box: w and h stay 0. */
    struct dl_item *it = dl_push_box(dl, DL_LINE, x, y, 0, 0, layer);
    it->x2 = x2;
    it->y2 = y2;
    it->stroke = stroke;
    it->thickness = thickness;
    return it;
}

struct dl_item *dl_text_box(struct display_list *dl, float x, float y, float w, float h,
                            const char *text, enum dl_font font, bool bold, enum dl_align align,
                            struct dl_color color, uint32_t layer)
{
    struct dl_item *it = dl_push_box(dl, DL_TEXT, x, y, w, h, layer);
    it->font = font;
    it->bold = bold;
    it->align = align;
    it->fill = color;
    dl_set_text(dl, it, text);
    return it;
}
