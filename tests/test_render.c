/* test_render: pixels without a display — every bundled scenario drawn offscreen at each of its
 * steps in Japanese and English (not blank, steps differ), the renderer's primitives and layer
 * order, ellipsised text staying in its box, and the text cache's bound over 1000 frames. */
#include "catalog.h"
#include "harness.h"
#include "render.h"
#include "scene.h"
#include "shot.h"
#include "ui_strings.h"
#include "text.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 1280
#define H 720

static uint32_t pixel(SDL_Surface *s, int x, int y)
{
    return ((const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch))[x] &
           0xFFFFFFu;
}

/* Pixels not of the background colour (the top-left corner's), and distinct colours. */
static void picture_stats(SDL_Surface *s, size_t *ink, size_t *colours)
{
    uint8_t *seen = calloc(1, (1u << 24) / 8);
    uint32_t bg = pixel(s, 0, 0);
    *ink = 0;
    *colours = 0;
    for (int y = 0; y < s->h; y++) {
        for (int x = 0; x < s->w; x++) {
            uint32_t p = pixel(s, x, y);
            *ink += p != bg;
            if (!(seen[p >> 3] & (1u << (p & 7)))) {
                seen[p >> 3] |= (uint8_t)(1u << (p & 7));
                (*colours)++;
            }
        }
    }
    free(seen);
}

static size_t picture_diff(SDL_Surface *s, const uint32_t *prev)
{
    size_t n = 0;
    for (int y = 0; y < s->h; y++) {
        for (int x = 0; x < s->w; x++) {
            n += pixel(s, x, y) != prev[(size_t)y * (size_t)s->w + (size_t)x];
        }
    }
    return n;
}

static void picture_copy(SDL_Surface *s, uint32_t *out)
{
    for (int y = 0; y < s->h; y++) {
        for (int x = 0; x < s->w; x++) {
            out[(size_t)y * (size_t)s->w + (size_t)x] = pixel(s, x, y);
        }
    }
}

static void fill_strings(const struct ui_strings *ui, struct viz_strings *s, const char **help)
{
    memset(s, 0, sizeof *s);
    s->lang = ui_string(ui, "lang");
    ui_strings_steps(ui, s->step_title);
    s->transcript = ui_string(ui, "ui.transcript");
    s->inspector = ui_string(ui, "ui.inspector");
    s->eavesdropper = ui_string(ui, "ui.eavesdropper");
    s->mailbox = ui_string(ui, "ui.mailbox");
    s->help_title = ui_string(ui, "ui.help.title");
    s->paused = ui_string(ui, "ui.paused");
    s->playing = ui_string(ui, "ui.playing");
    help[0] = ui_string(ui, "ui.help.1");
    help[1] = ui_string(ui, "ui.help.2");
    s->help_lines = help;
    s->nhelp_lines = 2;
}

static struct viz_view view_at(const struct viz_strings *s, double p)
{
    struct viz_view v = {0};
    v.width = W;
    v.height = H;
    v.scale = 1;
    v.speed = 1;
    v.p = p;
    v.mouse_x = v.mouse_y = -1;
    v.strings = s;
    return v;
}

/* Each scenario at each step it has, in both languages. */
static void test_scenarios(struct harness *h, struct viz_canvas *c, bool with_load)
{
    static const char *const names[] = {"nine-steps", "retry-and-bounce", "load-100k"};
    uint32_t *prev = malloc((size_t)W * H * sizeof *prev);
    struct display_list dl;
    dl_init(&dl);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (k == 2 && !with_load) {
            continue;
        }
        char err[1024];
        struct trace *tr = catalog_build_trace(names[k], NULL, err, sizeof err);
        if (!CHECK(h, tr != NULL)) {
            fprintf(stderr, "    %s: %s\n", names[k], err);
            continue;
        }
        struct viz_timeline *tl = viz_timeline_new(tr);
        CHECK(h, tl != NULL);
        int steps = 0;
        for (int l = 0; l < 2 && tl; l++) {
            struct ui_strings *ui = ui_strings_load(l ? "en" : "ja", err, sizeof err);
            struct viz_strings s;
            const char *help[2];
            fill_strings(ui, &s, help);
            bool have_prev = false;
            for (int step = 1; step <= 9; step++) {
                double p = viz_shot_step_time(tr, tl, step);
                if (p < 0) {
                    continue;
                }
                steps++;
                struct viz_view v = view_at(&s, p);
                scene_build(tr, tl, &v, &dl);
                CHECK(h, viz_render_draw(c->rd, &dl, &v) == 0);
                SDL_RenderFlush(c->r);
                size_t ink, colours;
                picture_stats(c->surface, &ink, &colours);
                if (!CHECK(h, ink > (size_t)W * H / 10 && colours >= 24)) {
                    fprintf(stderr, "    %s step %d %s: %zu ink pixels, %zu colours\n", names[k],
                            step, s.lang, ink, colours);
                }
                if (have_prev) {
                    size_t d = picture_diff(c->surface, prev);
                    if (!CHECK(h, d > 500)) {
                        fprintf(stderr,
                                "    %s step %d %s: %zu pixels differ from the step before\n",
                                names[k], step, s.lang, d);
                    }
                }
                picture_copy(c->surface, prev);
                have_prev = true;
            }
            ui_strings_free(ui);
        }
        if (k == 0) {
            CHECK_INT(h, steps, 18);
        } else {
            CHECK(h, steps >= 2);
        }
        viz_timeline_free(tl);
        trace_free(tr);
        free(tr);
    }
    dl_free(&dl);
    free(prev);
}

static struct dl_item *push(struct display_list *dl, enum dl_kind kind, float x, float y, float w,
                            float hh, struct dl_color fill, uint32_t layer)
{
    struct dl_item *it = dl_push_box(dl, kind, x, y, w, hh, layer);
    it->fill = fill;
    return it;
}

static const struct dl_color red = {220, 20, 20, 255}, blue = {20, 20, 220, 255},
                             black = {0, 0, 0, 255};

/* Layers, shapes, icons, an envelope, and text cut to its box. */
static void test_primitives(struct harness *h, struct viz_canvas *c)
{
    struct viz_view v = view_at(NULL, 0);
    struct display_list dl;
    dl_init(&dl);
    dl_clear(&dl, W, H);
    /* pushed first but on a higher layer: drawn last */
    push(&dl, DL_RECT, 100, 100, 100, 100, red, 2);
    push(&dl, DL_RECT, 150, 150, 100, 100, blue, 1);
    struct dl_item *r = push(&dl, DL_RECT, 300, 100, 120, 80, (struct dl_color){0, 0, 0, 0}, 0);
    r->radius = 16;
    r->stroke = black;
    r->thickness = 4;
    struct dl_item *ln = push(&dl, DL_LINE, 500, 100, 0, 0, black, 0);
    ln->x2 = 700;
    ln->y2 = 140;
    ln->thickness = 6;
    struct dl_item *env =
        push(&dl, DL_ENVELOPE, 850, 150, 60, 0, (struct dl_color){250, 200, 80, 255}, 0);
    dl_set_text(&dl, env, "\xE2\x91\xA3"); /* ④ */
    for (int i = 0; i <= DL_ICON_PAUSE; i++) {
        struct dl_item *ic = push(&dl, DL_ICON, 100 + 80 * (float)i, 400, 48, 48, blue, 0);
        ic->icon = (enum dl_icon)i;
    }
    struct dl_item *t = push(&dl, DL_TEXT, 600, 400, 200, 40, black, 0);
    dl_set_text(&dl, t,
                "A sentence much too long for its box: 送信側ドメインのMTAがDNSで受信側ドメイン"
                "のMXを調べる");
    CHECK(h, viz_render_draw(c->rd, &dl, &v) == 0);
    SDL_RenderFlush(c->r);
    SDL_Surface *s = c->surface;
    uint32_t bg = pixel(s, 0, 0);
    CHECK(h, pixel(s, 175, 175) == 0xDC1414u); /* red over blue where they overlap */
    CHECK(h, pixel(s, 225, 225) == 0x1414DCu);
    CHECK(h, pixel(s, 360, 140) == bg); /* a stroked rect is hollow */
    CHECK(h, pixel(s, 360, 101) == 0);  /* ...with its border */
    CHECK(h, pixel(s, 600, 120) == 0);  /* on the thick line */
    CHECK(h, pixel(s, 850, 155) != bg); /* the envelope */
    for (int i = 0; i <= DL_ICON_PAUSE; i++) {
        size_t ink = 0;
        for (int y = 376; y < 424; y++) {
            for (int x = 76 + 80 * i; x < 124 + 80 * i; x++) {
                ink += pixel(s, x, y) != bg;
            }
        }
        if (!CHECK(h, ink > 300)) {
            fprintf(stderr, "    icon %d: %zu pixels\n", i, ink);
        }
    }
    size_t inside = 0, outside = 0;
    for (int y = 390; y < 450; y++) {
        for (int x = 560; x < 900; x++) {
            size_t *count = x >= 600 && x < 800 ? &inside : &outside;
            *count += pixel(s, x, y) != bg;
        }
    }
    CHECK(h, inside > 200);
    if (!CHECK(h, outside == 0)) {
        fprintf(stderr, "    %zu text pixels outside the box\n", outside);
    }
    dl_free(&dl);
}

/* A string is rasterised once, and the cache stays bounded however many strings pass. */
static void test_cache(struct harness *h, struct viz_canvas *c)
{
    struct viz_view v = view_at(NULL, 0);
    struct viz_text *t = viz_render_text(c->rd);
    struct display_list dl;
    dl_init(&dl);
    size_t most = 0, most_px = 0;
    unsigned long before = 0;
    for (int frame = 0; frame < 1000; frame++) {
        dl_clear(&dl, W, H);
        for (int i = 0; i < 40; i++) {
            char s[64];
            /* half the strings are the same every frame, half are new each frame */
            snprintf(s, sizeof s, i < 20 ? "steady line %d" : "line %d of frame %d", i, frame);
            struct dl_item *it = push(&dl, DL_TEXT, 10, 10 + 16 * (float)i, 600, 16, black, 0);
            it->font = i % 2 ? DL_FONT_MONO : DL_FONT_BODY;
            dl_set_text(&dl, it, s);
        }
        viz_render_draw(c->rd, &dl, &v);
        most = viz_text_cached(t) > most ? viz_text_cached(t) : most;
        most_px = viz_text_cached_pixels(t) > most_px ? viz_text_cached_pixels(t) : most_px;
        if (frame == 0) {
            before = viz_text_rasterised(t);
        }
    }
    CHECK(h, most <= VIZ_TEXT_MAX_ENTRIES + 40);
    CHECK(h, most_px <= VIZ_TEXT_MAX_PIXELS + 40u * 600u * 40u);
    /* 999 frames after the first: only their 20 new strings each were rasterised */
    CHECK_INT(h, viz_text_rasterised(t) - before, 999 * 20);
    dl_free(&dl);
}

int main(void)
{
    struct harness h = {"test_render", 0, 0};
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    if (!CHECK(&h, SDL_Init(SDL_INIT_VIDEO) == 0 && TTF_Init() == 0)) {
        fprintf(stderr, "    SDL: %s\n", SDL_GetError());
        return harness_finish(&h);
    }
    char err[512];
    struct viz_fonts fonts;
    struct viz_canvas c;
    if (!CHECK(&h, viz_fonts_find(&fonts, NULL, err, sizeof err) == 0) ||
        !CHECK(&h, viz_canvas_open(&c, W, H, &fonts, err, sizeof err) == 0)) {
        fprintf(stderr, "    %s\n", err);
        return harness_finish(&h);
    }
    /* load-100k (100,000 messages) takes some seconds and a gigabyte; MAILSIM_TEST_LOAD=0 skips
     * it. */
    const char *heavy = getenv("MAILSIM_TEST_LOAD");
    test_primitives(&h, &c);
    test_cache(&h, &c);
    viz_canvas_close(&c);
    CHECK(&h, viz_canvas_open(&c, W, H, &fonts, err, sizeof err) == 0);
    test_scenarios(&h, &c, !heavy || strcmp(heavy, "0") != 0);
    viz_canvas_close(&c);
    TTF_Quit();
    SDL_Quit();
    return harness_finish(&h);
}
