/* shot: `mailsim shot` — the scene at one moment, or a played stretch, drawn offscreen with the
 * software renderer on SDL's dummy video driver; PNG out, and frame times for --stats. */
#include "shot.h"

#include "timeline_int.h"

#include <SDL_image.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How far past a step's mark its message is looked for, in events. */
#define SHOT_SCAN 100000
/* Where along its flight the message is shown: short of halfway, because a route of two links
 * has a router (a box) at its middle. */
#define SHOT_FLIGHT_AT 0.3

int viz_canvas_open(struct viz_canvas *c, int width, int height, const struct viz_fonts *f,
                    char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    /* XRGB: the picture is opaque, and the PNG comes out as plain RGB. */
    c->surface = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_RGB888);
    if (c->surface) {
        c->r = SDL_CreateSoftwareRenderer(c->surface);
    }
    if (!c->r) {
        snprintf(err, errlen, "cannot make a %dx%d offscreen picture: %s", width, height,
                 SDL_GetError());
        viz_canvas_close(c);
        return -1;
    }
    c->rd = viz_render_new(c->r, f, err, errlen);
    if (!c->rd) {
        viz_canvas_close(c);
        return -1;
    }
    return 0;
}

void viz_canvas_close(struct viz_canvas *c)
{
    viz_render_free(c->rd);
    if (c->r) {
        SDL_DestroyRenderer(c->r);
    }
    if (c->surface) {
        SDL_FreeSurface(c->surface);
    }
    memset(c, 0, sizeof *c);
}

int viz_shot_save_png(SDL_Surface *s, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    if (IMG_SavePNG(s, tmp) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, IMG_GetError());
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int shot_compare_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double viz_shot_beat_time(const struct viz_timeline *tl, int n)
{
    if (n < 1 || (size_t)n > viz_timeline_beats(tl)) {
        return -1;
    }
    double p = viz_timeline_beat_time(tl, (size_t)n - 1);
    double next = (size_t)n < viz_timeline_beats(tl) ? viz_timeline_beat_time(tl, (size_t)n)
                                                     : viz_timeline_duration(tl);
    double at = p + 0.5;
    return at < next ? at : p + (next - p) / 2;
}

double viz_shot_step_time(const struct trace *tr, const struct viz_timeline *tl, int step)
{
    double p = viz_timeline_step_time(tl, step);
    if (p < 0) {
        return p;
    }
    double next = viz_timeline_next_step(tl, p);
    next = next > p ? next : viz_timeline_duration(tl);
    /* The message: the largest payload that its sender noted carries one, on the step's
     * connection, from the step's mark to the next step's. */
    const struct viz_mark *m = &tl->marks[step];
    size_t best = SIZE_MAX;
    uint32_t best_len = 0;
    for (size_t i = m->idx; m->conn && i < tr->nevents && i < m->idx + SHOT_SCAN; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (viz_timeline_event_p(tl, i) >= next) {
            break;
        }
        size_t at = i;
        if (e->kind == TRACE_DATA && e->conn == m->conn && e->bytes.len > best_len &&
            scene_note_next(tr, i, &at, TRACE_MESSAGE)) {
            best = i;
            best_len = e->bytes.len;
        }
    }
    const struct trace_event *e = best != SIZE_MAX ? trace_event_at(tr, best) : NULL;
    const struct trace_conn *c = e ? trace_conn_get(tr, e->conn) : NULL;
    if (c) {
        double sent = viz_timeline_event_p(tl, best);
        double arrives = viz_timeline_from_virtual(tl, e->t + c->latency_us);
        return arrives > sent ? sent + (arrives - sent) * SHOT_FLIGHT_AT : sent;
    }
    double lead = VIZ_SHOT_STEP_LEAD;
    return p + (next - p < 2 * lead ? (next - p) / 2 : lead);
}

static int shot_frames(const struct trace *tr, const struct viz_timeline *tl,
                       const struct viz_shot_options *o, struct viz_canvas *c, struct viz_view *v,
                       struct viz_shot_stats *stats)
{
    int frames = o->frames > 0 ? o->frames : 1;
    double *ms = malloc((size_t)frames * sizeof *ms);
    if (!ms) {
        return -1;
    }
    struct display_list dl;
    dl_init(&dl);
    double freq = (double)SDL_GetPerformanceFrequency();
    double start = v->p, duration = viz_timeline_duration(tl);
    int rc = 0;
    for (int i = 0; i < frames; i++) {
        double p = start + (double)i * v->speed / 60.0;
        v->p = p < duration ? p : duration;
        Uint64 t0 = SDL_GetPerformanceCounter();
        scene_build(tr, tl, v, &dl);
        if (o->overlay) {
            overlay_table_draw(&dl, v, o->overlay, OVERLAY_LAYER);
        }
        if (o->quiz) {
            struct quiz_overlay_state q = *o->quiz;
            q.place = quiz_overlay_place(tr, tl, v);
            quiz_overlay_draw(&dl, v, &q, OVERLAY_LAYER);
        }
        if (o->glossary) {
            glossary_overlay_draw(&dl, v, o->glossary, OVERLAY_LAYER, NULL);
        }
        /* The renderer may batch its commands: the flush is part of drawing the frame. */
        if (viz_render_draw(c->rd, &dl, v) != 0 || SDL_RenderFlush(c->r) != 0) {
            rc = -1;
        }
        ms[i] = (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 / freq;
    }
    qsort(ms, (size_t)frames, sizeof *ms, shot_compare_ms);
    stats->frames = frames;
    stats->median_ms = frames % 2 ? ms[frames / 2] : (ms[frames / 2 - 1] + ms[frames / 2]) / 2;
    int k = (frames * 99 + 99) / 100; /* the 99th percentile: ceil(0.99 n)-th smallest */
    stats->p99_ms = ms[k > frames ? frames - 1 : k - 1];
    stats->p = v->p;
    free(ms);
    dl_free(&dl);
    return rc;
}

int viz_shot_run(const struct trace *tr, const struct viz_shot_options *o,
                 struct viz_shot_stats *stats, char *err, size_t errlen)
{
    memset(stats, 0, sizeof *stats);
    struct viz_fonts fonts;
    if (viz_fonts_find(&fonts, o->font, err, errlen) != 0) {
        return 1;
    }
    /* Never a real display: the same picture wherever it is made, and no window flashes. */
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "SDL: %s", SDL_GetError());
        return 1;
    }
    if (TTF_Init() != 0) {
        snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
        SDL_Quit();
        return 1;
    }
    int status = 0;
    struct viz_timeline *tl = viz_timeline_new(tr);
    struct viz_canvas c = {0};
    if (!tl) {
        snprintf(err, errlen, "out of memory");
        status = 1;
        goto done;
    }
    double p = o->time;
    if (o->step_start != 0) {
        p = o->step_start > 0 ? viz_timeline_step_time(tl, o->step_start) : -1;
        p = p >= 0 ? p : viz_timeline_duration(tl);
    } else if (o->beat > 0) {
        p = viz_shot_beat_time(tl, o->beat);
        if (p < 0) {
            snprintf(err, errlen, "--beat %d: this run has %zu beats", o->beat,
                     viz_timeline_beats(tl));
            status = 2;
            goto done;
        }
    } else if (o->step > 0) {
        p = viz_shot_step_time(tr, tl, o->step);
        if (p < 0) {
            snprintf(err, errlen, "--step %d: this run has no step %d", o->step, o->step);
            status = 2;
            goto done;
        }
    }
    if (viz_canvas_open(&c, o->width, o->height, &fonts, err, errlen) != 0) {
        status = 1;
        goto done;
    }
    struct viz_view v = {0};
    v.width = o->width;
    v.height = o->height;
    v.scale = 1;
    v.presenter = o->presenter;
    v.quiz_asking = o->quiz && o->quiz->q && o->quiz->phase == QUIZ_OVERLAY_ASK;
    v.speed = o->speed > 0 ? o->speed : 1;
    v.p = p;
    v.playing = o->frames > 0;
    v.mouse_x = v.mouse_y = -1;
    v.strings = o->strings;
    if (shot_frames(tr, tl, o, &c, &v, stats) != 0) {
        snprintf(err, errlen, "drawing failed: %s", SDL_GetError());
        status = 1;
        goto done;
    }
    if (o->out && viz_shot_save_png(c.surface, o->out, err, errlen) != 0) {
        status = 2;
    }
done:
    viz_canvas_close(&c);
    viz_timeline_free(tl);
    TTF_Quit();
    IMG_Quit();
    SDL_Quit();
    return status;
}
