/* matrix: every combination of a scenario's countermeasures, run and judged; the table printed
 * for people (text, Markdown) and programs (CSV). */
#include "matrix.h"

#include "catalog.h"
#include "cli_opts.h"
#include "ui_strings.h"

#include <stdlib.h>
#include <string.h>

#define MATRIX_EXIT_USAGE 2

/* The table's words, from assets/strings (keys "matrix.*"); English when a key is missing. */
struct matrix_words {
    const char *on, *off, *succeeds, *blocked, *works, *broken, *as_written, *legitimate;
    const char *combinations, *countermeasures;
};

static const char *matrix_word(const struct ui_strings *ui, const char *key, const char *fallback)
{
    const char *s = ui ? ui_string(ui, key) : NULL;
    return s && strcmp(s, key) != 0 ? s : fallback;
}

static void matrix_words_load(const struct ui_strings *ui, struct matrix_words *w)
{
    w->on = matrix_word(ui, "matrix.on", "on");
    w->off = matrix_word(ui, "matrix.off", "off");
    w->succeeds = matrix_word(ui, "matrix.succeeds", "SUCCEEDS");
    w->blocked = matrix_word(ui, "matrix.blocked", "blocked");
    w->works = matrix_word(ui, "matrix.works", "works");
    w->broken = matrix_word(ui, "matrix.broken", "BROKEN");
    w->as_written = matrix_word(ui, "matrix.as_written", "the scenario as written");
    w->legitimate = matrix_word(ui, "matrix.legitimate", "legitimate use");
    w->combinations = matrix_word(ui, "matrix.combinations", "combinations of countermeasures");
    w->countermeasures = matrix_word(ui, "matrix.countermeasures", "countermeasures");
}

bool matrix_on(const struct matrix *m, size_t r, size_t i)
{
    return (m->mask[r] >> i) & 1u;
}

bool matrix_succeeded(const struct matrix *m, size_t r, size_t a)
{
    return m->succeeded[r * m->nattacks + a];
}

void matrix_free(struct matrix *m)
{
    free(m->mask);
    free(m->succeeded);
    memset(m, 0, sizeof *m);
}

/* One combination built and run, the scenario's own title kept. */
static struct trace *matrix_run_untitled(const struct scenario *sc, const struct build_options *opt,
                                         unsigned mask, char *err, size_t errlen)
{
    struct scenario *v = scenario_variant(sc, mask, err, errlen);
    if (!v) {
        return NULL;
    }
    struct trace *tr = catalog_run_scenario(v, opt, err, errlen);
    scenario_free(v);
    return tr;
}

/* Runs one combination and judges every attack (a variant switches agents' settings only: its
 * attacks are the scenario's). */
static int matrix_row(const struct scenario *sc, const struct build_options *opt, unsigned mask,
                      bool *out, char *err, size_t errlen)
{
    struct trace *tr = matrix_run_untitled(sc, opt, mask, err, errlen);
    if (!tr) {
        return -1;
    }
    for (size_t a = 0; a < sc->nattacks; a++) {
        out[a] = build_attack_succeeded(&sc->attacks[a], tr);
    }
    trace_free(tr);
    free(tr);
    return 0;
}

static const char *matrix_label(const struct scenario_text *t, const char *lang);

/* How much of a countermeasure's label names it: the part before its first colon ("Relay
 * restriction: relay only for ..."), or all of it. */
static int matrix_label_head(const char *label)
{
    const char *colon = strstr(label, ": "), *wide = strstr(label, "\xef\xbc\x9a"); /* ： */
    colon = !colon || (wide && wide < colon) ? wide : colon;
    return (int)(colon && colon > label ? (size_t)(colon - label) : strlen(label));
}

void matrix_variant_title(const struct scenario *sc, unsigned on_mask, const char *lang, char *out,
                          size_t cap)
{
    const char *l = lang && strcmp(lang, "ja") == 0 ? "ja" : "en";
    char err[256];
    struct ui_strings *ui = ui_strings_load(l, err, sizeof err);
    struct matrix_words w;
    matrix_words_load(ui, &w);
    const char *title = matrix_label(&sc->title, l);
    int n = snprintf(out, cap, "%s · %s: ", *title ? title : sc->id, w.countermeasures);
    for (size_t i = 0; i < sc->ncountermeasures && n >= 0 && (size_t)n < cap; i++) {
        const char *label = matrix_label(&sc->countermeasures[i].label, l);
        label = *label ? label : sc->countermeasures[i].id;
        int k = snprintf(out + n, cap - (size_t)n, "%s%.*s %s", i ? (*l == 'j' ? "、" : ", ") : "",
                         matrix_label_head(label), label, (on_mask >> i) & 1u ? w.on : w.off);
        n = k < 0 ? k : n + k;
    }
    ui_strings_free(ui);
}

struct trace *matrix_run(const struct scenario *sc, const struct build_options *opt,
                         unsigned on_mask, char *err, size_t errlen)
{
    struct trace *tr = matrix_run_untitled(sc, opt, on_mask, err, errlen);
    if (tr) {
        char ja[1024], en[1024];
        matrix_variant_title(sc, on_mask, "ja", ja, sizeof ja);
        matrix_variant_title(sc, on_mask, "en", en, sizeof en);
        trace_set_title(tr, sc->id, ja, en);
    }
    return tr;
}

int matrix_compute(const struct scenario *sc, const struct build_options *opt, struct matrix *m,
                   char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    size_t k = sc->ncountermeasures;
    if (k > SCENARIO_MAX_COUNTERMEASURES) {
        snprintf(err, errlen, "%s: error: too many countermeasures", sc->path);
        return -1;
    }
    m->ncountermeasures = k;
    m->nattacks = sc->nattacks;
    m->nrows = (size_t)1 << k;
    m->default_mask = scenario_default_mask(sc);
    m->mask = calloc(m->nrows, sizeof *m->mask);
    m->succeeded = calloc(m->nrows * (m->nattacks ? m->nattacks : 1), sizeof *m->succeeded);
    if (!m->mask || !m->succeeded) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t r = 0; r < m->nrows; r++) {
        /* Counting in binary with the first countermeasure as the highest bit. */
        for (size_t i = 0; i < k; i++) {
            m->mask[r] |= ((r >> (k - 1 - i)) & 1u) << i;
        }
        if (matrix_row(sc, opt, m->mask[r], m->succeeded + r * m->nattacks, err, errlen) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Columns a string takes on a terminal: East Asian wide characters take two. */
static size_t matrix_width(const char *s)
{
    size_t w = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned long cp = *u;
        size_t n = 1;
        if (*u >= 0xf0) {
            cp = *u & 0x07;
            n = 4;
        } else if (*u >= 0xe0) {
            cp = *u & 0x0f;
            n = 3;
        } else if (*u >= 0xc0) {
            cp = *u & 0x1f;
            n = 2;
        }
        for (size_t i = 1; i < n && u[i]; i++) {
            cp = (cp << 6) | (u[i] & 0x3f);
        }
        w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                     (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                     (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                     (cp >= 0xffe0 && cp <= 0xffe6)
                 ? 2
                 : 1;
        for (size_t i = 0; i < n && *u; i++) {
            u++;
        }
    }
    return w;
}

static void matrix_pad(FILE *out, const char *s, size_t width)
{
    fputs(s, out);
    for (size_t w = matrix_width(s); w < width; w++) {
        fputc(' ', out);
    }
}

static const char *matrix_outcome(const struct scenario *sc, const struct matrix *m, size_t r,
                                  size_t a, const struct matrix_words *w)
{
    bool ok = matrix_succeeded(m, r, a);
    if (sc->attacks[a].legitimate) {
        return ok ? w->works : w->broken;
    }
    return ok ? w->succeeds : w->blocked;
}

static const char *matrix_label(const struct scenario_text *t, const char *lang)
{
    const char *s = strcmp(lang, "ja") == 0 ? t->ja : t->en;
    return s ? s : "";
}

/* The legend under the table: each column's id, set between open and close, and its label. */
static void matrix_legend(const struct scenario *sc, const struct matrix *m,
                          const struct matrix_words *w, const char *lang, const char *open,
                          const char *close, FILE *out)
{
    for (size_t i = 0; i < m->ncountermeasures; i++) {
        fprintf(out, "%s%s%s: %s\n", open, sc->countermeasures[i].id, close,
                matrix_label(&sc->countermeasures[i].label, lang));
    }
    for (size_t a = 0; a < m->nattacks; a++) {
        const struct scenario_attack *at = &sc->attacks[a];
        fprintf(out, "%s%s%s%s%s%s: %s\n", open, at->id, close, at->legitimate ? " (" : "",
                at->legitimate ? w->legitimate : "", at->legitimate ? ")" : "",
                matrix_label(&at->label, lang));
    }
}

static void matrix_print_text(const struct scenario *sc, const struct matrix *m,
                              const struct matrix_words *w, const char *lang, FILE *out)
{
    size_t k = m->ncountermeasures, na = m->nattacks;
    size_t *width = calloc(k + na + 1, sizeof *width);
    if (!width) {
        return;
    }
    for (size_t i = 0; i < k; i++) {
        width[i] = matrix_width(sc->countermeasures[i].id);
        size_t on = matrix_width(w->on), off = matrix_width(w->off);
        width[i] = width[i] > on ? width[i] : on;
        width[i] = width[i] > off ? width[i] : off;
    }
    for (size_t a = 0; a < na; a++) {
        size_t x = matrix_width(sc->attacks[a].id);
        for (size_t r = 0; r < m->nrows; r++) {
            size_t y = matrix_width(matrix_outcome(sc, m, r, a, w));
            x = x > y ? x : y;
        }
        width[k + a] = x;
    }
    fprintf(out, "%s: %zu %s\n\n  ", sc->id, m->nrows, w->combinations);
    for (size_t i = 0; i < k + na; i++) {
        if (i == k) {
            fputs("| ", out);
        }
        matrix_pad(out, i < k ? sc->countermeasures[i].id : sc->attacks[i - k].id, width[i]);
        fputs(i + 1 < k + na ? "  " : "\n", out);
    }
    fputs("  ", out);
    for (size_t i = 0; i < k + na; i++) {
        if (i == k) {
            fputs("+-", out);
        }
        for (size_t d = 0; d < width[i] + (i + 1 < k + na ? 2 : 0); d++) {
            fputc('-', out);
        }
    }
    fputc('\n', out);
    for (size_t r = 0; r < m->nrows; r++) {
        fputs(m->mask[r] == m->default_mask ? "* " : "  ", out);
        for (size_t i = 0; i < k + na; i++) {
            char cell[128];
            if (i < k) {
                snprintf(cell, sizeof cell, "%s", matrix_on(m, r, i) ? w->on : w->off);
            } else {
                snprintf(cell, sizeof cell, "%s", matrix_outcome(sc, m, r, i - k, w));
            }
            if (i == k) {
                fputs("| ", out);
            }
            if (i + 1 < k + na) {
                matrix_pad(out, cell, width[i]);
                fputs("  ", out);
            } else {
                fprintf(out, "%s\n", cell);
            }
        }
    }
    fprintf(out, "\n* %s\n", w->as_written);
    matrix_legend(sc, m, w, lang, "", "", out);
    free(width);
}

static void matrix_print_md(const struct scenario *sc, const struct matrix *m,
                            const struct matrix_words *w, const char *lang, FILE *out)
{
    size_t k = m->ncountermeasures, na = m->nattacks;
    fputc('|', out);
    for (size_t i = 0; i < k; i++) {
        fprintf(out, " `%s` |", sc->countermeasures[i].id);
    }
    for (size_t a = 0; a < na; a++) {
        fprintf(out, " `%s` |", sc->attacks[a].id);
    }
    fputs("\n|", out);
    for (size_t i = 0; i < k + na; i++) {
        fputs(" --- |", out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < m->nrows; r++) {
        fputc('|', out);
        for (size_t i = 0; i < k; i++) {
            fprintf(out, " %s%s |", matrix_on(m, r, i) ? w->on : w->off,
                    m->mask[r] == m->default_mask && i + 1 == k ? " \\*" : "");
        }
        for (size_t a = 0; a < na; a++) {
            bool bad = matrix_succeeded(m, r, a) != sc->attacks[a].legitimate;
            fprintf(out, " %s%s%s |", bad ? "**" : "", matrix_outcome(sc, m, r, a, w),
                    bad ? "**" : "");
        }
        fputc('\n', out);
    }
    fprintf(out, "\n\\* %s\n\n", w->as_written);
    matrix_legend(sc, m, w, lang, "- `", "`", out);
}

static void matrix_print_csv(const struct scenario *sc, const struct matrix *m, FILE *out)
{
    size_t k = m->ncountermeasures, na = m->nattacks;
    /* Ids are [A-Za-z0-9._-]: no field needs quoting (RFC 4180 §2). */
    for (size_t i = 0; i < k; i++) {
        fprintf(out, "%s,", sc->countermeasures[i].id);
    }
    for (size_t a = 0; a < na; a++) {
        fprintf(out, "%s,", sc->attacks[a].id);
    }
    fputs("as_written\r\n", out);
    for (size_t r = 0; r < m->nrows; r++) {
        for (size_t i = 0; i < k; i++) {
            fprintf(out, "%s,", matrix_on(m, r, i) ? "on" : "off");
        }
        for (size_t a = 0; a < na; a++) {
            fprintf(out, "%s,", matrix_succeeded(m, r, a) ? "yes" : "no");
        }
        fprintf(out, "%s\r\n", m->mask[r] == m->default_mask ? "yes" : "no");
    }
}

int matrix_print(const struct scenario *sc, const struct matrix *m, enum matrix_format f,
                 const char *lang, FILE *out)
{
    const char *l = lang && strcmp(lang, "ja") == 0 ? "ja" : "en";
    char err[256];
    struct ui_strings *ui = f == MATRIX_CSV ? NULL : ui_strings_load(l, err, sizeof err);
    struct matrix_words w;
    matrix_words_load(ui, &w);
    switch (f) {
    case MATRIX_TEXT:
        matrix_print_text(sc, m, &w, l, out);
        break;
    case MATRIX_MD:
        matrix_print_md(sc, m, &w, l, out);
        break;
    case MATRIX_CSV:
        matrix_print_csv(sc, m, out);
        break;
    }
    ui_strings_free(ui);
    return ferror(out) ? -1 : 0;
}

static const struct cli_opts_voice matrix_voice = {
    "mailsim matrix",
    "usage: mailsim matrix SCENARIO [--format text|csv|md] [--lang ja|en] [--seed N]"};

/* --format's words, in the order of enum matrix_format. */
static const char *const matrix_formats[] = {"text", "csv", "md", NULL};

#define MATRIX_OPTIONS(X)                                                                          \
    X(MATRIX_OPT_FORMAT, "format", required_argument)                                              \
    X(MATRIX_OPT_LANG, "lang", required_argument)                                                  \
    X(MATRIX_OPT_SEED, "seed", required_argument)

CLI_OPTS_DEFINE(MATRIX_OPTIONS, matrix_options, CLI_OPTS_NO_HELP);

/* Reads the command line into *path, *f, *lang and *opt. 0, or the exit status after a
 * message. */
static int matrix_parse(int argc, char **argv, const char **path, enum matrix_format *f,
                        const char **lang, struct build_options *opt)
{
    struct cli_opts p;
    cli_opts_init(&p, argc, argv, matrix_options, "", &matrix_voice);
    p.dash_is_arg = true;
    for (;;) {
        int c = cli_opts_next(&p), k = 0, rc = 0;
        unsigned long long seed = 0;
        switch (c) {
        case CLI_OPTS_END:
            return *path ? 0 : cli_opts_usage(&matrix_voice, "which scenario?");
        case CLI_OPTS_FAILED:
            return MATRIX_EXIT_USAGE;
        case CLI_OPTS_ARG:
            rc = cli_opts_scenario(&p, path);
            break;
        case MATRIX_OPT_FORMAT:
            rc = cli_opts_choose(&p, matrix_formats, &k);
            *f = (enum matrix_format)k;
            break;
        case MATRIX_OPT_LANG:
            rc = cli_opts_lang(&p, lang);
            break;
        case MATRIX_OPT_SEED:
            rc = cli_opts_seed(&p, &seed);
            opt->seed = seed;
            opt->has_seed = true;
            break;
        }
        if (rc) {
            return rc;
        }
    }
}

int matrix_main(int argc, char **argv)
{
    const char *path = NULL, *lang = ui_lang_from_locale();
    enum matrix_format f = MATRIX_TEXT;
    struct build_options opt = {0};
    int rc = matrix_parse(argc, argv, &path, &f, &lang, &opt);
    if (rc) {
        return rc;
    }
    char err[1024];
    struct scenario *sc = catalog_load(path, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s\n", err);
        return MATRIX_EXIT_USAGE;
    }
    if (sc->nattacks == 0) {
        fprintf(stderr, "%s: error: the scenario declares no attacks ($.attacks) to judge\n",
                sc->path);
        scenario_free(sc);
        return MATRIX_EXIT_USAGE;
    }
    struct matrix m;
    int status = 0;
    if (matrix_compute(sc, &opt, &m, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        status = MATRIX_EXIT_USAGE;
    } else if (matrix_print(sc, &m, f, lang, stdout) != 0 || fflush(stdout) != 0) {
        status = MATRIX_EXIT_USAGE;
    }
    matrix_free(&m);
    scenario_free(sc);
    return status;
}
