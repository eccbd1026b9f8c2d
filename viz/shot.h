/* shot: a picture of a run without a display — the scene drawn by the software renderer into an
 * SDL_Surface and saved as PNG; optionally a played stretch of frames, timed. */
#ifndef MAILSIM_SHOT_H
#define MAILSIM_SHOT_H

#include "render.h"
#include "scene.h"
#include "shot_options.h"
#include "trace.h"

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

/* How long after its first mark a step without a message of its own in flight (those inside
 * one server) is shown by --step, in presentation seconds: its narration is on screen. */
#define VIZ_SHOT_STEP_LEAD 0.6

/* The moment --step N shows: part way along the flight of the step's message (the largest
 * payload with a header/body break sent on its connection after its mark, before the next step
 * begins), so the envelope is seen in flight; for a step without one, its mark plus
 * VIZ_SHOT_STEP_LEAD. -1 when the run has no such step. */
double viz_shot_step_time(const struct trace *tr, const struct viz_timeline *tl, int step);
/* The moment --beat N shows: half a hold into beat n (1-based), before the next beat; -1 when
 * the run has no beat n. */
double viz_shot_beat_time(const struct viz_timeline *tl, int n);

struct viz_shot_stats {
    int frames;
    double median_ms, p99_ms; /* scene_build plus drawing, per frame */
    double p;                 /* the presentation time of the last frame */
};

/* Renders the trace as the options say. The video driver is SDL's dummy one, so no display is
 * needed. Returns 0; 2 with a message in err for a request that cannot be met (no such step in
 * this run, an unwritable file); 1 when SDL or a font failed. */
int viz_shot_run(const struct trace *tr, const struct viz_shot_options *o,
                 struct viz_shot_stats *stats, char *err, size_t errlen);

/* An offscreen picture: a surface, a software renderer drawing into it, and a display-list
 * renderer on top (SDL and TTF must be initialised). Returns 0, or -1 with a message in err. */
struct viz_canvas {
    SDL_Surface *surface;
    SDL_Renderer *r;
    struct viz_render *rd;
};
int viz_canvas_open(struct viz_canvas *c, int width, int height, const struct viz_fonts *f,
                    char *err, size_t errlen);
void viz_canvas_close(struct viz_canvas *c);

/* Writes the pixels of a surface as a PNG file, through a temporary file renamed into place so
 * that a failure leaves nothing behind. Returns 0, or -1 with a message in err. */
int viz_shot_save_png(SDL_Surface *s, const char *path, char *err, size_t errlen);

#endif
