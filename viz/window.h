/* window: the interactive visualizer — a resizable window that plays a trace. Keys and the mouse
 * become intents that change one view state; a fixed-step update moves the playback clock, and
 * drawing (scene → display list → pixels) only reads that state. */
#ifndef MAILSIM_WINDOW_H
#define MAILSIM_WINDOW_H

#include "overlay.h"
#include "quiz_overlay.h"
#include "scene.h"
#include "trace.h"

#include <stdbool.h>
#include <stddef.h>

/* Words of the window's own overlays (the scenario list, notices); the scene's are in
 * struct viz_strings. Like those they come from assets/, never from C. */
struct viz_words {
    const char *open_title;  /* the scenario list's title */
    const char *open_hint;   /* how to use it */
    const char *loading;     /* while a scenario is built and run */
    const char *load_failed; /* followed by the error */
    const char *screenshot;  /* followed by the file's path */
    /* Esc with nothing open asks before quitting: the question and the keys that answer it.
     * NULL: Esc quits at once, as before the question existed. */
    const char *quit_question;
    const char *quit_keys;
    /* The play state at the end of a run, instead of "paused" (NULL: "paused" is shown). */
    const char *ended;
    /* The countermeasure matrix's (M). */
    struct overlay_words matrix;
    /* The study mode's (Q) and the glossary's (G). */
    struct quiz_overlay_words quiz;
    const char *quiz_unavailable; /* no question bank, or live mode */
    const char *quiz_none;        /* the scenario shown has no questions */
    const char *quiz_click_agent; /* a host of several agents was clicked: click a row */
    const char *quiz_not_saved;   /* followed by why the progress could not be saved */
    const char *glossary_title;
    const char *glossary_hint;
    const char *glossary_unavailable;
};

struct viz_scenario_entry {
    const char *id;    /* what load() takes */
    const char *title; /* in the language asked for */
};

/* An answer in the study mode: the number of a choice, from 0, or what was clicked on the
 * diagram. The strings are the trace's. */
struct viz_quiz_answer {
    size_t choice;
    const char *agent;   /* a click on an agent: its id */
    const char *link[2]; /* a click on a link: its two hosts' names */
};

/* What the application gives the window. words() and scenarios() are called on the window's
 * thread; load() on a loader thread of its own, so that a long run (load-100k takes seconds)
 * does not freeze the window: it must not touch anything words() returned. */
struct viz_host {
    void *ctx;
    /* Fills the words of lang ("ja" or "en"). They stay valid until the next call. 0 or -1. */
    int (*words)(void *ctx, const char *lang, struct viz_strings *s, struct viz_words *w);
    /* The bundled scenarios, titled in lang, into out[0..cap); returns how many. The strings
     * stay valid until the next call. */
    size_t (*scenarios)(void *ctx, const char *lang, struct viz_scenario_entry *out, size_t cap);
    /* Builds and runs a scenario (an id from scenarios(), a path, or NULL for the default) into
     * a new trace on the heap, which the window frees with trace_free() and free(). NULL with a
     * message in err on failure. */
    struct trace *(*load)(void *ctx, const char *scenario, char *err, size_t errlen);
    /* The countermeasure matrix of the same scenario, for the overlay of key M: called on the
     * loader thread right after load() succeeded, so that it is computed once per scenario and
     * never while drawing. A matrix without columns for a scenario without countermeasures;
     * NULL with a message in err on failure. The window frees it with overlay_matrix_free().
     * May be NULL: the overlay then says nothing is known. */
    struct overlay_matrix *(*matrix)(void *ctx, const char *scenario, char *err, size_t errlen);
    /* A row of that matrix chosen (a click, or Enter): the same scenario built and run with its
     * countermeasures as the row has them — bit c of on_mask turns the countermeasure of column
     * c on, a clear bit off — into a new trace on the heap, as load() makes one (and on its
     * thread), whose titles name the combination. May be NULL: rows are then not chosen. */
    struct trace *(*load_variant)(void *ctx, const char *scenario, unsigned on_mask, char *err,
                                  size_t errlen);

    /* The study mode (学習モード), all on the window's thread; each may be NULL, and the window
     * then says the feature is unavailable. The application keeps the round (which questions
     * in which order, grading, the score, the progress kept between runs); the window shows it
     * and reports the student's moves.
     * Starts a round over the questions about a scenario (as the window was asked to show it:
     * a bundled id, a path, or NULL for the default); review: only those last answered wrong.
     * Returns how many questions it asks (0: none). */
    size_t (*quiz_start)(void *ctx, const char *scenario, bool review);
    /* The round as the panel shows it, in lang, into out: the phase, the question asked and
     * its place, the verdict, the score, what was answered wrong and how many a review would
     * ask (not the words, the place on screen or the answer's text: those are the window's).
     * Its strings stay valid until the next call of a quiz function. */
    void (*quiz_state)(void *ctx, const char *lang, struct quiz_overlay_state *out);
    /* The student's answer to the question asked: graded, counted and kept in the progress.
     * Nothing happens when no question waits for one. 0, or -1 with a message in err when the
     * progress could not be saved (the answer still counts for the round). */
    int (*quiz_answer)(void *ctx, const struct viz_quiz_answer *a, char *err, size_t errlen);
    /* On to the next question; one not answered is skipped and counts nothing. */
    void (*quiz_next)(void *ctx);
    /* The glossary (用語集) in lang, into out[0..cap); returns how many entries there are (cap
     * 0 counts). The strings stay valid as long as the host. */
    size_t (*glossary)(void *ctx, const char *lang, struct viz_glossary_entry *out, size_t cap);
};

/* Live mode (`mailsim serve`): the world outside the window runs in the same thread. pump() is
 * called every frame with how long it may block (milliseconds) and returns the trace it grows;
 * the window shows that trace, rebuilds its timeline when it grew, and keeps playing towards
 * the newest events. NULL means the world has stopped (the server was told to end): the window
 * closes, and viz_window_run returns VIZ_WINDOW_OK. The window never frees that trace and opens
 * no other scenario. */
struct viz_live {
    void *ctx;
    const struct trace *(*pump)(void *ctx, int wait_ms);
};

struct viz_window_options {
    const char *scenario; /* NULL: the default */
    const char *lang;     /* "ja" or "en" */
    const char *font;     /* a font file for every face; NULL: fontconfig chooses */
    bool presenter;
    int width, height; /* 0: 1600×900 */
    /* Print on stderr how long the first frames took (for measuring start-up). */
    bool timing;
    const struct viz_live *live; /* NULL: play a scenario */
};

enum viz_window_status {
    VIZ_WINDOW_OK,         /* the user closed it */
    VIZ_WINDOW_NO_DISPLAY, /* SDL could not open a window: the caller falls back to text */
    VIZ_WINDOW_FAILED,     /* something else failed; err says what */
    VIZ_WINDOW_BUSY,       /* closed while a scenario was still being built: the loader thread
                            * still runs and uses the host, so the caller must exit without
                            * freeing what the host holds */
};

enum viz_window_status viz_window_run(const struct viz_window_options *o,
                                      const struct viz_host *host, char *err, size_t errlen);

#endif
