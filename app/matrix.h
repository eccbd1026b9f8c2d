/* matrix: `mailsim matrix SCENARIO` — the scenario run under every combination of its
 * countermeasures (2^n worlds for n of them), and which of its attacks succeed in each: one row
 * a combination, as text, CSV or Markdown. The window shows the same table (matrix_compute). */
#ifndef MAILSIM_MATRIX_H
#define MAILSIM_MATRIX_H

#include "build.h"
#include "scenario.h"

#include <stdbool.h>
#include <stdio.h>

enum matrix_format { MATRIX_TEXT, MATRIX_CSV, MATRIX_MD };

/* The outcome of every combination. Row r has countermeasure i on when bit i of mask[r] is set;
 * rows run from all off to all on, the first countermeasure changing slowest. */
struct matrix {
    size_t ncountermeasures;
    size_t nattacks;
    size_t nrows;          /* 2^ncountermeasures */
    unsigned default_mask; /* the combination the file is written in */
    unsigned *mask;        /* nrows */
    bool *succeeded;       /* nrows * nattacks: attack a in row r at [r * nattacks + a] */
};

/* Builds and runs every combination (seed and maildir from opt, which may be NULL). Returns 0,
 * or -1 with a message in err; free the result with matrix_free either way. */
int matrix_compute(const struct scenario *sc, const struct build_options *opt, struct matrix *m,
                   char *err, size_t errlen);
void matrix_free(struct matrix *m);

/* The scenario run with its countermeasures as on_mask says (bit i turns countermeasures[i] on,
 * a clear bit off), as a row of the table is run, into a new trace on the heap (trace_free() and
 * free()); its title, in both languages, names the combination (matrix_variant_title). NULL with
 * a message in err. Shares no state: the window calls it on its loader thread. */
struct trace *matrix_run(const struct scenario *sc, const struct build_options *opt,
                         unsigned on_mask, char *err, size_t errlen);

/* The title of that run in lang ("ja" or "en") into out: the scenario's title, then which
 * countermeasures are on and off, each by its label's head (before a colon), e.g. "Open relay
 * (third-party relaying) · countermeasures: Relay restriction on". Cut to fit cap. */
void matrix_variant_title(const struct scenario *sc, unsigned on_mask, const char *lang, char *out,
                          size_t cap);

/* Whether countermeasure i is on in row r, and whether attack a succeeded there. */
bool matrix_on(const struct matrix *m, size_t r, size_t i);
bool matrix_succeeded(const struct matrix *m, size_t r, size_t a);

/* Prints the table; lang ("ja" or "en") chooses the labels and words of text and Markdown
 * (CSV is for programs: ids, on/off, yes/no). Returns 0, or -1 when writing failed. */
int matrix_print(const struct scenario *sc, const struct matrix *m, enum matrix_format f,
                 const char *lang, FILE *out);

/* The command: argv[0] is "matrix", then SCENARIO [--format text|csv|md] [--lang ja|en]
 * [--seed N]. Prints to stdout, errors to stderr. Returns the exit status: 0 ok, 2 usage or bad
 * input. */
int matrix_main(int argc, char **argv);

#endif
