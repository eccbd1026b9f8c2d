/* shape: coverage masks of discs and rings, computed per pixel (the alpha is how much of the
 * pixel the shape covers), kept as white textures and tinted at draw time; a few dozen sizes
 * are all a screen uses, and the least recently used goes when the cache is full. */
#include "shape.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define SHAPE_MAX 96

struct shape_entry {
    int r2, t4; /* radius in half pixels; line width in quarter pixels, 0 for a disc */
    int n;      /* the texture is n×n, its centre at (n/2, n/2) */
    SDL_Texture *tex;
    unsigned long used;
};

struct viz_shapes {
    SDL_Renderer *r;
    struct shape_entry e[SHAPE_MAX];
    size_t n;
    unsigned long clock;
};

struct viz_shapes *viz_shapes_new(SDL_Renderer *r)
{
    struct viz_shapes *s = calloc(1, sizeof *s);
    if (s) {
        s->r = r;
    }
    return s;
}

void viz_shapes_free(struct viz_shapes *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        SDL_DestroyTexture(s->e[i].tex);
    }
    free(s);
}

static float shape_clamp01(float v)
{
    return v < 0 ? 0 : (v > 1 ? 1 : v);
}

/* White pixels whose alpha is the part of each pixel inside radius r (and outside r - t). */
static SDL_Texture *shape_make(SDL_Renderer *rend, float r, float t, int n)
{
    uint32_t *px = malloc((size_t)n * (size_t)n * sizeof *px);
    if (!px) {
        return NULL;
    }
    float c = (float)n / 2;
    for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
            float dx = (float)x + 0.5f - c, dy = (float)y + 0.5f - c;
            float d = sqrtf(dx * dx + dy * dy);
            float a = shape_clamp01(r - d + 0.5f);
            if (t > 0) {
                float inner = shape_clamp01(d - (r - t) + 0.5f);
                a = a < inner ? a : inner;
            }
            px[y * n + x] = (uint32_t)(a * 255 + 0.5f) << 24 | 0xFFFFFFu;
        }
    }
    SDL_Texture *tex =
        SDL_CreateTexture(rend, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, n, n);
    if (tex && SDL_UpdateTexture(tex, NULL, px, n * (int)sizeof *px) != 0) {
        SDL_DestroyTexture(tex);
        tex = NULL;
    }
    if (tex) {
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    }
    free(px);
    return tex;
}

static struct shape_entry *shape_get(struct viz_shapes *s, float r, float t)
{
    int r2 = (int)lroundf(r * 2), t4 = t > 0 ? (int)lroundf(t * 4) : 0;
    s->clock++;
    size_t lru = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].r2 == r2 && s->e[i].t4 == t4) {
            s->e[i].used = s->clock;
            return &s->e[i];
        }
        lru = s->e[i].used < s->e[lru].used ? i : lru;
    }
    int n = 2 * ((r2 + 1) / 2); /* whole pixels on each side of the centre */
    SDL_Texture *tex = n > 0 ? shape_make(s->r, (float)r2 / 2, (float)t4 / 4, n) : NULL;
    if (!tex) {
        return NULL;
    }
    struct shape_entry *e = &s->e[s->n < SHAPE_MAX ? s->n++ : lru];
    if (e->tex) {
        SDL_DestroyTexture(e->tex);
    }
    *e = (struct shape_entry){r2, t4, n, tex, s->clock};
    return e;
}

static int shape_copy(struct viz_shapes *s, const struct shape_entry *e, const SDL_Rect *src,
                      const SDL_Rect *dst, struct dl_color c)
{
    SDL_SetTextureColorMod(e->tex, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(e->tex, c.a);
    return SDL_RenderCopy(s->r, e->tex, src, dst);
}

int viz_shapes_corner(struct viz_shapes *s, int x, int y, int r, float t, enum viz_corner which,
                      struct dl_color c)
{
    if (r < 1 || c.a == 0) {
        return 0;
    }
    const struct shape_entry *e = shape_get(s, (float)r, t);
    if (!e) {
        return -1;
    }
    /* The texture is 2r wide with its centre on the grid: each quadrant is one corner. */
    int sx = which == VIZ_CORNER_TR || which == VIZ_CORNER_BR ? r : 0;
    int sy = which == VIZ_CORNER_BR || which == VIZ_CORNER_BL ? r : 0;
    SDL_Rect src = {sx, sy, r, r}, dst = {x, y, r, r};
    return shape_copy(s, e, &src, &dst, c);
}

int viz_shapes_circle(struct viz_shapes *s, float x, float y, float r, float t, struct dl_color c)
{
    if (r < 0.5f || c.a == 0) {
        return 0;
    }
    const struct shape_entry *e = shape_get(s, r, t);
    if (!e) {
        return -1;
    }
    SDL_Rect dst = {(int)lroundf(x) - e->n / 2, (int)lroundf(y) - e->n / 2, e->n, e->n};
    return shape_copy(s, e, NULL, &dst, c);
}
