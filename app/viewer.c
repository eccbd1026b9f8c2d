/* viewer: words for the window and shot from assets/strings, the bundled list with titles in
 * the viewer's language, and the loader the window calls on its own thread. */
#include "viewer.h"

#include "catalog.h"
#include "matrix.h"
#include "strings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VIEWER_MAX_HELP 32
#define VIEWER_MAX_SCENARIOS 64

/* The matrix overlay's words: the terminal table's (matrix.*) and the overlay's own. */
static void viewer_matrix_words(const struct ui_strings *ui, struct overlay_words *w)
{
    memset(w, 0, sizeof *w);
    w->cell[OVERLAY_OFF] = ui_string(ui, "matrix.off");
    w->cell[OVERLAY_ON] = ui_string(ui, "matrix.on");
    w->cell[OVERLAY_SUCCEEDS] = ui_string(ui, "matrix.succeeds");
    w->cell[OVERLAY_BLOCKED] = ui_string(ui, "matrix.blocked");
    w->cell[OVERLAY_WORKS] = ui_string(ui, "matrix.works");
    w->cell[OVERLAY_BROKEN] = ui_string(ui, "matrix.broken");
    w->as_written = ui_string(ui, "matrix.as_written");
    w->legitimate = ui_string(ui, "matrix.legitimate");
    w->combinations = ui_string(ui, "matrix.combinations");
    w->none = ui_string(ui, "ui.matrix.none");
}

/* A text of the scenario in both languages into out[OVERLAY_EN], out[OVERLAY_JA] (the other
 * language, then fallback, when one is missing). Returns false on OOM. */
static bool viewer_texts(const struct scenario_text *t, const char *fallback, char **out)
{
    const char *en = t->en ? t->en : t->ja ? t->ja : fallback;
    const char *ja = t->ja ? t->ja : en;
    out[OVERLAY_EN] = overlay_strdup(en);
    out[OVERLAY_JA] = overlay_strdup(ja);
    return (!en || out[OVERLAY_EN]) && (!ja || out[OVERLAY_JA]);
}

/* The countermeasure matrix of a scenario as the overlay shows it: every combination run (none
 * for a scenario without countermeasures). NULL with a message in err. Thread-safe. */
static struct overlay_matrix *
viewer_matrix_of(const char *scenario, const struct build_options *build, char *err, size_t errlen)
{
    struct scenario *sc = catalog_load(scenario, err, errlen);
    if (!sc) {
        return NULL;
    }
    struct matrix m;
    memset(&m, 0, sizeof m);
    size_t k = sc->ncountermeasures, na = sc->nattacks;
    struct build_options opt = *build;
    opt.maildir = NULL; /* the shown run's Maildirs only, not those of 2^k variants */
    if (k > 0 && matrix_compute(sc, &opt, &m, err, errlen) != 0) {
        matrix_free(&m);
        scenario_free(sc);
        return NULL;
    }
    struct overlay_matrix *om =
        k ? overlay_matrix_new(m.nrows, k + na, k) : overlay_matrix_new(0, 0, 0);
    bool ok = om && viewer_texts(&sc->title, sc->id, om->title);
    for (size_t c = 0; ok && c < k + na; c++) {
        const struct scenario_text *label =
            c < k ? &sc->countermeasures[c].label : &sc->attacks[c - k].label;
        const char *id = c < k ? sc->countermeasures[c].id : sc->attacks[c - k].id;
        char *texts[OVERLAY_LANGS];
        ok = viewer_texts(label, id, texts);
        om->headers[OVERLAY_EN][c] = texts[OVERLAY_EN];
        om->headers[OVERLAY_JA][c] = texts[OVERLAY_JA];
    }
    for (size_t r = 0; ok && r < m.nrows; r++) {
        om->marked = m.mask[r] == m.default_mask ? r : om->marked;
        for (size_t c = 0; c < k + na; c++) {
            enum overlay_cell cell;
            if (c < k) {
                cell = matrix_on(&m, r, c) ? OVERLAY_ON : OVERLAY_OFF;
            } else if (sc->attacks[c - k].legitimate) {
                cell = matrix_succeeded(&m, r, c - k) ? OVERLAY_WORKS : OVERLAY_BROKEN;
            } else {
                cell = matrix_succeeded(&m, r, c - k) ? OVERLAY_SUCCEEDS : OVERLAY_BLOCKED;
            }
            om->cells[r * (k + na) + c] = cell;
        }
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        overlay_matrix_free(om);
        om = NULL;
    }
    matrix_free(&m);
    scenario_free(sc);
    return om;
}

/* Points s and w at the strings of ui; help[] receives the help lines' pointers. */
static void viewer_words_of(const struct ui_strings *ui, struct viz_strings *s, struct viz_words *w,
                            const char **help)
{
    static const char *const step_keys[10] = {NULL,     "step.1", "step.2", "step.3", "step.4",
                                              "step.5", "step.6", "step.7", "step.8", "step.9"};
    memset(s, 0, sizeof *s);
    s->lang = ui_string(ui, "lang");
    for (int i = 1; i <= 9; i++) {
        s->step_title[i] = ui_string(ui, step_keys[i]);
    }
    s->transcript = ui_string(ui, "ui.transcript");
    s->inspector = ui_string(ui, "ui.inspector");
    s->eavesdropper = ui_string(ui, "ui.eavesdropper");
    s->maillog = ui_string(ui, "ui.maillog");
    s->read = ui_string(ui, "ui.read");
    s->read_decrypted = ui_string(ui, "ui.read_decrypted");
    s->read_unreadable = ui_string(ui, "ui.read_unreadable");
    s->records = ui_string(ui, "word.records");
    s->octets = ui_string(ui, "word.octets");
    s->mailbox = ui_string(ui, "ui.mailbox");
    s->help_title = ui_string(ui, "ui.help.title");
    s->paused = ui_string(ui, "ui.paused");
    s->playing = ui_string(ui, "ui.playing");
    s->word_ip = ui_string(ui, "ui.word.ip");
    s->word_zone = ui_string(ui, "ui.word.zone");
    s->word_program = ui_string(ui, "ui.word.program");
    s->word_host = ui_string(ui, "ui.word.host");
    s->word_latency = ui_string(ui, "ui.word.latency");
    s->word_bytes = ui_string(ui, "ui.word.bytes");
    s->word_payload = ui_string(ui, "ui.word.payload");
    s->word_client = ui_string(ui, "ui.word.client");
    s->word_server = ui_string(ui, "ui.word.server");
    s->word_tap = ui_string(ui, "ui.word.tap");
    size_t n = 0;
    for (; n < VIEWER_MAX_HELP; n++) {
        char key[32];
        snprintf(key, sizeof key, "ui.help.%zu", n + 1);
        const char *line = ui_string(ui, key);
        if (strcmp(line, key) == 0) {
            break; /* ui_string answers a missing key with the key */
        }
        help[n] = line;
    }
    s->help_lines = help;
    s->nhelp_lines = n;
    if (w) {
        w->open_title = ui_string(ui, "ui.open.title");
        w->open_hint = ui_string(ui, "ui.open.hint");
        w->loading = ui_string(ui, "ui.loading");
        w->load_failed = ui_string(ui, "ui.load_failed");
        w->screenshot = ui_string(ui, "ui.screenshot");
        viewer_matrix_words(ui, &w->matrix);
    }
}

struct viewer {
    struct build_options build;
    struct ui_strings *ui;
    const char *help[VIEWER_MAX_HELP];
    char ids[VIEWER_MAX_SCENARIOS][64];
    char titles[VIEWER_MAX_SCENARIOS][256];
};

static int viewer_words(void *ctx, const char *lang, struct viz_strings *s, struct viz_words *w)
{
    struct viewer *mv = ctx;
    char err[512];
    struct ui_strings *ui = ui_strings_load(lang, err, sizeof err);
    if (!ui) {
        fprintf(stderr, "mailsim: %s\n", err);
        return -1;
    }
    ui_strings_free(mv->ui);
    mv->ui = ui;
    viewer_words_of(ui, s, w, mv->help);
    return 0;
}

static size_t viewer_scenarios(void *ctx, const char *lang, struct viz_scenario_entry *out,
                               size_t cap)
{
    struct viewer *mv = ctx;
    char *paths[VIEWER_MAX_SCENARIOS];
    int n = catalog_bundled(paths, cap < VIEWER_MAX_SCENARIOS ? cap : VIEWER_MAX_SCENARIOS);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        char err[1024];
        struct scenario *sc = scenario_load(paths[i], err, sizeof err);
        if (sc) {
            /* The id load() takes is the file's name: that is how a bundled one is found. */
            const char *base = strrchr(paths[i], '/');
            base = base ? base + 1 : paths[i];
            snprintf(mv->ids[k], sizeof mv->ids[k], "%.*s", (int)(strlen(base) - 5), base);
            const char *title = strcmp(lang, "ja") == 0 ? sc->title.ja : sc->title.en;
            snprintf(mv->titles[k], sizeof mv->titles[k], "%s", title ? title : "");
            out[k].id = mv->ids[k];
            out[k].title = mv->titles[k];
            k++;
            scenario_free(sc);
        } else {
            fprintf(stderr, "%s\n", err);
        }
        free(paths[i]);
    }
    return k;
}

/* Runs on the window's loader thread: it reads only mv->build, which nothing changes. */
static struct trace *viewer_load(void *ctx, const char *scenario, char *err, size_t errlen)
{
    const struct viewer *mv = ctx;
    return catalog_build_trace(scenario, &mv->build, err, errlen);
}

/* Runs on the loader thread too, after viewer_load. */
static struct overlay_matrix *viewer_matrix(void *ctx, const char *scenario, char *err,
                                            size_t errlen)
{
    const struct viewer *mv = ctx;
    return viewer_matrix_of(scenario, &mv->build, err, errlen);
}

enum viz_window_status viewer_window(const struct viz_window_options *wo,
                                     const struct build_options *build, char *err, size_t errlen)
{
    /* A typo in the file name is reported here, on the terminal, before any window opens. */
    struct scenario *sc = wo->live ? NULL : catalog_load(wo->scenario, err, errlen);
    if (!sc && !wo->live) {
        return VIZ_WINDOW_FAILED;
    }
    scenario_free(sc);
    if (wo->font && access(wo->font, R_OK) != 0) {
        snprintf(err, errlen, "mailsim: --font %s: %s", wo->font, strerror(errno));
        return VIZ_WINDOW_FAILED;
    }
    struct viewer *mv = calloc(1, sizeof *mv);
    if (!mv) {
        snprintf(err, errlen, "out of memory");
        return VIZ_WINDOW_FAILED;
    }
    mv->build = *build;
    struct viz_host host = {mv, viewer_words, viewer_scenarios, viewer_load, viewer_matrix};
    enum viz_window_status st = viz_window_run(wo, &host, err, errlen);
    if (st == VIZ_WINDOW_BUSY) {
        /* A scenario is still being built on its thread, using mv: end without freeing it. */
        fflush(stdout);
        _exit(0);
    }
    ui_strings_free(mv->ui);
    free(mv);
    return st;
}

int viewer_shot(const char *scenario, const char *lang, const struct build_options *build,
                struct viz_shot_options *so, bool stats, bool matrix)
{
    char err[1024];
    struct ui_strings *ui = ui_strings_load(lang, err, sizeof err);
    if (!ui) {
        fprintf(stderr, "mailsim: %s\n", err);
        return 2;
    }
    struct trace *tr = catalog_build_trace(scenario, build, err, sizeof err);
    if (!tr) {
        fprintf(stderr, "%s\n", err);
        ui_strings_free(ui);
        return 2;
    }
    struct viz_strings words;
    struct viz_words vw;
    const char *help[VIEWER_MAX_HELP];
    viewer_words_of(ui, &words, &vw, help);
    so->strings = &words;
    struct overlay_matrix *om = NULL;
    struct overlay_table table;
    if (matrix) {
        om = viewer_matrix_of(scenario, build, err, sizeof err);
        if (!om) {
            fprintf(stderr, "%s\n", err);
            trace_free(tr);
            free(tr);
            ui_strings_free(ui);
            return 2;
        }
        overlay_matrix_table(om, lang, &vw.matrix, &table);
        so->overlay = &table;
    }
    struct viz_shot_stats st;
    int status = viz_shot_run(tr, so, &st, err, sizeof err);
    so->overlay = NULL;
    overlay_matrix_free(om);
    if (status != 0) {
        fprintf(stderr, "mailsim: %s\n", err);
        status = 2;
    } else if (stats) {
        printf("{\"frames\":%d,\"median_ms\":%.3f,\"p99_ms\":%.3f,\"width\":%d,\"height\":%d}\n",
               st.frames, st.median_ms, st.p99_ms, so->width, so->height);
    }
    trace_free(tr);
    free(tr);
    ui_strings_free(ui);
    return status;
}
