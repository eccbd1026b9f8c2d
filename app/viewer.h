/* viewer: the application's side of the window and of `mailsim shot` — the words from
 * assets/, the bundled scenarios for the window's list, and traces built on demand. No SDL
 * here: viewer.c draws through mailsim_viz, and a build without the window
 * (-DMAILSIM_GUI=OFF) links viewer_headless.c instead, which only says there is none. */
#ifndef MAILSIM_VIEWER_H
#define MAILSIM_VIEWER_H

#include "build.h"
#include "shot_options.h"
#include "window.h"

#include <stdbool.h>
#include <stddef.h>

/* Why this mailsim has no window, for a message ("built without the window
 * (MAILSIM_GUI=OFF)"); NULL when it has one. */
const char *viewer_no_window(void);

/* Opens the window on wo->scenario (checked first: a bad file gives VIZ_WINDOW_FAILED and a
 * message in err before any window opens). Never returns VIZ_WINDOW_BUSY: it exits instead.
 * Without the window in this build: VIZ_WINDOW_NO_DISPLAY, with viewer_no_window() in err. */
enum viz_window_status viewer_window(const struct viz_window_options *wo,
                                     const struct build_options *build, char *err, size_t errlen);

/* Opens the window on a recorded trace (`mailsim view RUN.jsonl`), played as a scenario's run
 * is: read first, so that a bad file gives VIZ_WINDOW_FAILED and the reader's message in err
 * ("run.jsonl:3: ...") before any window opens. The study mode's questions and the matrix are
 * those of the scenario the trace names; the scenario list still opens bundled ones. Otherwise
 * as viewer_window. */
enum viz_window_status viewer_window_trace(const struct viz_window_options *wo, const char *path,
                                           const struct build_options *build, char *err,
                                           size_t errlen);

/* What `mailsim shot` draws over the picture besides the scene. */
struct viewer_shot_extras {
    bool stats;       /* print the frame-time JSON line */
    bool matrix;      /* the countermeasure matrix (the window's M) */
    const char *quiz; /* the study mode's question (the window's Q): its number in the round
                       * of the scenario's questions, from 1, or its id; NULL: none */
    bool glossary;    /* the glossary (the window's G) */
    bool answer;      /* with quiz: the panel after the right answer (explanation, source) */
};

/* Builds the scenario, or reads the recorded trace when trace is not NULL (`shot --trace
 * RUN.jsonl`: its questions and matrix are those of the scenario it names), and draws it as so
 * says (so->strings is filled here), with the extras. With a question and neither so->step nor
 * a time (so->time < 0), the picture is at the question's step as the window asks it; with the
 * glossary alone, at the end. Returns the exit status: 0, or 2 with a message on stderr (always,
 * without the window in this build). */
int viewer_shot(const char *scenario, const char *trace, const char *lang,
                const struct build_options *build, struct viz_shot_options *so,
                const struct viewer_shot_extras *x);

#endif
