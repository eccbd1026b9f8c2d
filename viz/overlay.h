/* overlay: the countermeasure matrix drawn over the scene (the window's M key, `mailsim shot
 * --matrix`) — the same table as `mailsim matrix`: one row a combination of countermeasures, one
 * column a countermeasure or an attack, the row of the file as written marked — and the window's
 * help (F1). Built from plain data into a display list, without SDL, so tests read it without
 * pixels. */
#ifndef MAILSIM_OVERLAY_H
#define MAILSIM_OVERLAY_H

#include "display.h"
#include "scene.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a cell says. A countermeasure's column holds ON/OFF; an attack's SUCCEEDS (red) or
 * BLOCKED (green); a legitimate use's WORKS (green) or BROKEN (red). */
enum overlay_cell {
    OVERLAY_OFF,
    OVERLAY_ON,
    OVERLAY_SUCCEEDS,
    OVERLAY_BLOCKED,
    OVERLAY_WORKS,
    OVERLAY_BROKEN,
    OVERLAY_CELL_COUNT
};

/* The overlay's words in the viewer's language (assets/strings, keys matrix.* and ui.matrix.*).
 * Any may be NULL: nothing is shown for it. */
struct overlay_words {
    const char *cell[OVERLAY_CELL_COUNT];
    const char *as_written;   /* the footnote of the marked row */
    const char *legitimate;   /* under the header of a legitimate use's column */
    const char *combinations; /* after the number of rows: "combinations of countermeasures" */
    const char *none;         /* the one line for a scenario without countermeasures */
    const char *hint;         /* under a table whose rows can be chosen: how to play one */
};

/* One table, as plain data. */
struct overlay_table {
    const char *title;              /* the scenario's title */
    size_t ncols;                   /* columns: the countermeasures, then the attacks */
    size_t ngroup;                  /* how many of them are countermeasures; 0: the "none" line */
    const char *const *headers;     /* ncols labels, in the viewer's language */
    size_t nrows;                   /* combinations */
    const enum overlay_cell *cells; /* nrows * ncols: column c of row r at [r * ncols + c] */
    size_t marked;                  /* the row of the file as written; nrows or more: none */
    /* The window's: rows can be chosen (the hint is shown), the row the keys and the pointer
     * are on, and the row whose combination is playing (nrows or more: none). */
    bool choosable;
    size_t selected, playing;
    const char *message; /* instead of a table (still loading, or an error); NULL */
    const struct overlay_words *words;
};

struct overlay_box {
    float x, y, w, h;
};

/* Appends the overlay (a dimmed screen and a panel holding the table) to dl, every item at
 * layer (drawn in list order) and inside the view. Returns the panel's box: a click outside it
 * closes the overlay. */
struct overlay_box overlay_table_draw(struct display_list *dl, const struct viz_view *v,
                                      const struct overlay_table *t, uint32_t layer);

/* The row of t drawn at x, y in view v (as overlay_table_draw draws it); SIZE_MAX when none
 * (beside the rows, or no table). */
size_t overlay_table_row_at(const struct viz_view *v, const struct overlay_table *t, float x,
                            float y);

/* The layer `mailsim shot --matrix` draws it at: above everything the scene draws (as the
 * window's WINDOW_LAYER). */
#define OVERLAY_LAYER 0x40000000u

/* The most header lines a column label is wrapped to; the last is ellipsised by the renderer. */
#define OVERLAY_HEADER_LINES 3

/* The window's help (F1) over a dimmed screen: the title, then each line "KEY<TAB>what it does"
 * with the keys right-aligned in a column and the descriptions wrapped to the panel (which
 * widens, up to the view's width, rather than leave lines out). Returns the panel's box. */
struct overlay_box overlay_help_draw(struct display_list *dl, const struct viz_view *v,
                                     const char *title, const char *const *lines, size_t n,
                                     uint32_t layer);

/* ---- a matrix as the window keeps it ----
 * The outcomes and every text in both languages, so that switching language recomputes
 * nothing. Everything is on the heap; overlay_matrix_free() frees it all. */
enum { OVERLAY_EN, OVERLAY_JA, OVERLAY_LANGS };

struct overlay_matrix {
    size_t nrows, ncols, ngroup, marked;
    enum overlay_cell *cells;      /* nrows * ncols */
    char **headers[OVERLAY_LANGS]; /* ncols each; entries may be NULL (shown empty) */
    char *title[OVERLAY_LANGS];
};

/* A matrix of that shape with every cell OFF and no texts; NULL on OOM. */
struct overlay_matrix *overlay_matrix_new(size_t nrows, size_t ncols, size_t ngroup);
void overlay_matrix_free(struct overlay_matrix *m);
/* A copy of s on the heap (NULL for NULL or on OOM), for the matrix's texts. */
char *overlay_strdup(const char *s);
/* The table of m in lang ("ja" or "en"): pointers into m and words, valid while both are; no row
 * selected or playing, none to choose. */
void overlay_matrix_table(const struct overlay_matrix *m, const char *lang,
                          const struct overlay_words *words, struct overlay_table *out);

#endif
