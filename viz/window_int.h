/* window_int: the window's state, shared by window.c (SDL, the loop, loading, drawing) and
 * window_input.c (events → intents → state). One heap struct; drawing only reads it. */
#ifndef MAILSIM_WINDOW_INT_H
#define MAILSIM_WINDOW_INT_H

#include "render.h"
#include "window.h"

#include <SDL.h>
#include <stdbool.h>

#define WINDOW_STEP (1.0 / 120.0) /* the update's fixed step, seconds */
#define WINDOW_FRAME (1.0 / 60.0) /* the frame pace when the renderer has no vsync */
#define WINDOW_MAX_SCENARIOS 64
#define WINDOW_NOTICE_SECONDS 4.0
#define WINDOW_PAGE 1000 /* WI_SCROLL and WI_LIST_MOVE by this many: a page */
/* Above everything the scene draws. */
#define WINDOW_LAYER 0x40000000u

enum window_intent_kind {
    WI_NONE,
    WI_QUIT,
    WI_BACK, /* Escape: close the top overlay, or ask whether to quit */
    WI_PLAY,
    WI_LINE_NEXT,
    WI_LINE_PREV,
    WI_STEP_NEXT,
    WI_STEP_PREV,
    WI_RESTART,
    WI_FASTER,
    WI_SLOWER,
    WI_LANG,
    WI_OPEN,
    WI_HELP,
    WI_MATRIX, /* M: the countermeasure matrix */
    WI_FULLSCREEN,
    WI_PRESENTER,
    WI_SCREENSHOT,
    WI_LIST_MOVE, /* in the scenario list: n rows down (negative: up; ±WINDOW_PAGE a page) */
    WI_LIST_CHOOSE,
    WI_QUIZ,     /* Q: the study mode on and off */
    WI_ANSWER,   /* 1-6: a choice (n) */
    WI_NEXT,     /* N, Enter: the next question */
    WI_REVIEW,   /* R: a round of the questions answered wrong */
    WI_GLOSSARY, /* G: the glossary */
    WI_SCROLL,   /* in the glossary: n entries down (negative: up) */
    WI_WHEEL,    /* the mouse wheel: n notches towards the user (down), at x, y */
    WI_PRESS,
    WI_MOVE,
    WI_RELEASE,
    WI_LEAVE,
    WI_RESIZE,
    WI_REDRAW,
};

struct window_intent {
    enum window_intent_kind kind;
    float x, y; /* drawable pixels, for the mouse */
    int n;      /* WI_ANSWER: the choice's number; WI_SCROLL: entries; WI_LIST_MOVE: rows */
};

/* The study mode (Q) over the scenario shown. The round itself (its questions, grading, the
 * score) is the application's (struct viz_host); the window keeps only how it shows it. */
struct window_quiz {
    bool open;
    double replay_until;    /* >= 0: the replay of the lines that show why stops there */
    struct overlay_box box; /* where the panel was drawn; w 0: not drawn */
    bool warned;            /* a failure to save progress was told once */
};

/* The glossary (G): its entries in the window's language, fetched when opened. */
struct window_glossary {
    bool open;
    struct viz_glossary_entry *e;
    size_t n, top, shown;
};

struct window_loader {
    SDL_Thread *thread;
    SDL_atomic_t done;
    const struct viz_host *host;
    char scenario[1024];
    bool has_scenario;
    bool variant; /* a row of the matrix: host->load_variant() with on_mask */
    unsigned on_mask;
    size_t row; /* that row */
    struct trace *tr;
    char err[1024];
    struct overlay_matrix *matrix; /* host->matrix()'s, when tr was built (not for a variant) */
    char matrix_err[512];
};

struct window_app {
    const struct viz_host *host;
    SDL_Window *win;
    SDL_Renderer *r;
    struct viz_render *rd;
    bool vsync;

    char lang[3];
    struct viz_strings strings;
    struct viz_words words;

    struct trace *tr;
    struct viz_timeline *tl;
    const struct viz_live *live; /* live mode: tr belongs to it */
    double live_rebuilt;         /* clock of the last timeline rebuild */
    struct viz_view view;
    struct display_list dl; /* the last frame's picture: what a click hits */

    struct window_loader *loader; /* while a scenario is being built */

    char current[1024]; /* the scenario shown, as it was asked for ("" the default) */
    bool list_open;
    size_t list_sel, nlist;
    size_t list_top; /* the first row shown: the list scrolls to keep list_sel in view */
    struct viz_scenario_entry list[WINDOW_MAX_SCENARIOS];
    int list_group[WINDOW_MAX_SCENARIOS]; /* entry i's group (window_list_order); a rule
                                           * is drawn where it changes */

    /* The countermeasure matrix of the scenario shown, computed on the loader thread with its
     * trace (NULL: none, matrix_err says why); the overlay (M) and where its panel was drawn. */
    struct overlay_matrix *matrix;
    char matrix_err[512];
    bool matrix_open;
    struct overlay_box matrix_box;
    /* Its rows can be chosen: the one the keys and the pointer are on; the one whose
     * combination is shown (nrows or more: the scenario as written, not from the matrix); and
     * whether Esc goes back to the matrix once, after a row was chosen. */
    size_t matrix_sel, matrix_playing;
    bool matrix_return;
    /* The window's title names the run shown (a row of the matrix: its combination too), in the
     * language it was last set in; dirty: a new run to name. */
    bool title_dirty;
    char title_lang[3];

    struct window_quiz quiz;
    struct window_glossary glossary;

    bool quit_asked; /* Esc with nothing open: "Quit?" waits for Enter (quit) or any key */
    /* Panels (help, glossary, matrix, list, the question to quit) pause playback while one is
     * open; when the last closes, playback resumes if it ran when the first opened. */
    bool resume;

    bool dragging; /* the scrubber */
    bool fullscreen;
    bool shot_wanted;
    char notice[1200];
    size_t notice_what; /* the length of its first part, before the detail; 0: no detail */
    double notice_until;
    double clock; /* seconds since the window opened */
    bool quit;
    bool dirty;
};

/* window_input.c */
struct window_intent window_intent_of(const struct window_app *a, const SDL_Event *e);
void window_apply(struct window_app *a, struct window_intent in);
/* The fixed-step update: the playback clock runs while playing and stops at the end. */
void window_update(struct window_app *a, double dt);
void window_set_lang(struct window_app *a, const char *lang);
void window_update_size(struct window_app *a);

/* Whether a panel that pauses playback is open (not the study mode, which plays its own). */
bool window_panel_open(const struct window_app *a);

/* The scenario list overlay: one geometry for drawing and for clicks. Rows list_top to
 * list_top + rows - 1 are shown, from row_y0 down. */
struct window_list_geom {
    SDL_FRect panel;
    float row_y0, row_h, pad;
    int title_px, body_px;
    size_t rows;
};
struct window_list_geom window_list_layout(const struct window_app *a);
/* Asks the host for the bundled scenarios again and puts them in the list's order. */
void window_list_fill(struct window_app *a);
/* Scrolls the list so that its selection is shown. */
void window_list_show(struct window_app *a);

/* window_quiz.c: the study mode and the glossary */
void window_quiz_toggle(struct window_app *a);
void window_quiz_close(struct window_app *a); /* frees the round too */
void window_quiz_answer_choice(struct window_app *a, int n);
/* A click on the diagram while a question waits for one: true when it was taken (as an
 * answer, or as a click on the panel), false to handle it as any click. */
bool window_quiz_click(struct window_app *a, float x, float y);
void window_quiz_next(struct window_app *a);
void window_quiz_review(struct window_app *a);
/* After the language changed: the questions and the glossary again, in the new one. */
void window_quiz_relang(struct window_app *a);
/* The fixed-step update's part: a replay stops at the end of its step. */
void window_quiz_update(struct window_app *a);
void window_quiz_draw(struct window_app *a, struct display_list *dl);
void window_glossary_toggle(struct window_app *a);
void window_glossary_scroll(struct window_app *a, int n);
void window_glossary_draw(struct window_app *a, struct display_list *dl);
void window_glossary_free(struct window_app *a);

/* window.c */
/* Starts building a scenario on the loader thread (NULL: the default). */
void window_load(struct window_app *a, const char *scenario);
/* Shows a line at the bottom for a few seconds: what, then detail when not NULL. */
void window_notice(struct window_app *a, const char *what, const char *detail);
/* Takes a finished load, if there is one: the new trace replaces the old and plays. */
void window_poll_loader(struct window_app *a);
/* The matrix's rows (M): the one at x, y (-1 none); the selection moved by n rows (±WINDOW_PAGE
 * and more: to the first or last); a row chosen: the matrix closes and that combination of the
 * scenario shown is built and played (nothing when the host cannot, or a load is under way). */
int window_matrix_row_at(const struct window_app *a, float x, float y);
void window_matrix_move(struct window_app *a, int n);
void window_matrix_choose(struct window_app *a, size_t row);

#endif
