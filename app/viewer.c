/* viewer: words for the window and shot from assets/strings, the bundled list with titles in
 * the viewer's language, and the loader the window calls on its own thread. */
#include "viewer.h"

#include "catalog.h"
#include "glossary.h"
#include "matrix.h"
#include "quiz.h"
#include "quiz_round.h"
#include "shot.h"
#include "trace_read.h"
#include "ui_strings.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VIEWER_MAX_HELP 32
#define VIEWER_MAX_SCENARIOS 64
#define VIEWER_MAX_QUESTIONS 256 /* about one scenario */

/* Words whose key is a prefix and the field's name: X(field) for "prefix.field". */
/* clang-format off */
#define VIEWER_MATRIX_CELLS(X)                                                                     \
    X(OFF, off) X(ON, on) X(SUCCEEDS, succeeds) X(BLOCKED, blocked) X(WORKS, works)              \
    X(BROKEN, broken)
#define VIEWER_MATRIX_WORDS(X) X(as_written) X(legitimate) X(combinations)
#define VIEWER_QUIZ_WORDS(X)                                                                       \
    X(title) X(review_title) X(question) X(whole) X(so_far) X(keys_choice) X(keys_agent)          \
    X(keys_link) X(right) X(wrong) X(the_answer) X(replay) X(keys_next) X(keys_last) X(score)     \
    X(missed) X(keys_review) X(keys_done) X(source) X(weight)
#define VIEWER_WINDOW_QUIZ_WORDS(X) X(unavailable) X(none) X(click_agent) X(not_saved)
#define VIEWER_GLOSSARY_WORDS(X) X(title) X(hint) X(unavailable)
#define VIEWER_SCENE_WORDS(X)                                                                      \
    X(transcript) X(inspector) X(eavesdropper) X(maillog) X(read) X(read_decrypted)               \
    X(read_unreadable) X(mailbox) X(paused) X(playing) X(sim_time)
#define VIEWER_INSPECTOR_WORDS(X)                                                                  \
    X(ip) X(zone) X(program) X(host) X(latency) X(bytes) X(payload) X(client) X(server) X(tap)
/* clang-format on */

/* The matrix overlay's words: the terminal table's (matrix.*) and the overlay's own. */
static void viewer_matrix_words(const struct ui_strings *ui, struct overlay_words *w)
{
    memset(w, 0, sizeof *w);
#define VIEWER_CELL(id, name) w->cell[OVERLAY_##id] = ui_string(ui, "matrix." #name);
#define VIEWER_WORD(f) w->f = ui_string(ui, "matrix." #f);
    VIEWER_MATRIX_CELLS(VIEWER_CELL)
    VIEWER_MATRIX_WORDS(VIEWER_WORD)
#undef VIEWER_WORD
#undef VIEWER_CELL
    w->none = ui_string(ui, "ui.matrix.none");
    w->hint = ui_string(ui, "ui.matrix.hint");
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

/* The study mode's words (quiz.*) and the glossary's. */
static void viewer_quiz_words(const struct ui_strings *ui, struct viz_words *w)
{
    struct quiz_overlay_words *q = &w->quiz;
#define VIEWER_WORD(f) q->f = ui_string(ui, "quiz." #f);
    VIEWER_QUIZ_WORDS(VIEWER_WORD)
#undef VIEWER_WORD
#define VIEWER_WORD(f) w->quiz_##f = ui_string(ui, "quiz." #f);
    VIEWER_WINDOW_QUIZ_WORDS(VIEWER_WORD)
#undef VIEWER_WORD
#define VIEWER_WORD(f) w->glossary_##f = ui_string(ui, "quiz.glossary." #f);
    VIEWER_GLOSSARY_WORDS(VIEWER_WORD)
#undef VIEWER_WORD
    q->weights[VIZ_QUIZ_WEIGHT_HIGH] = ui_string(ui, "quiz.weight.high");
    q->weights[VIZ_QUIZ_WEIGHT_MEDIUM] = ui_string(ui, "quiz.weight.medium");
    q->weights[VIZ_QUIZ_WEIGHT_LOW] = ui_string(ui, "quiz.weight.low");
}

/* Points s and w at the strings of ui; help[] receives the help lines' pointers. */
static void viewer_words_of(const struct ui_strings *ui, struct viz_strings *s, struct viz_words *w,
                            const char **help)
{
    memset(s, 0, sizeof *s);
    s->lang = ui_string(ui, "lang");
    ui_strings_steps(ui, s->step_title);
#define VIEWER_WORD(f) s->f = ui_string(ui, "ui." #f);
    VIEWER_SCENE_WORDS(VIEWER_WORD)
#undef VIEWER_WORD
#define VIEWER_WORD(f) s->word_##f = ui_string(ui, "ui.word." #f);
    VIEWER_INSPECTOR_WORDS(VIEWER_WORD)
#undef VIEWER_WORD
    s->records = ui_string(ui, "word.records");
    s->octets = ui_string(ui, "word.octets");
    s->help_title = ui_string(ui, "ui.help.title");
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
        w->quit_question = ui_string(ui, "ui.quit.question");
        w->quit_keys = ui_string(ui, "ui.quit.keys");
        w->ended = ui_string(ui, "ui.ended");
        viewer_matrix_words(ui, &w->matrix);
        viewer_quiz_words(ui, w);
    }
}

/* ---- the study mode's questions, progress and glossary ---- */

/* The bundled scenario's name for a scenario as the window or shot was given it: NULL or ""
 * is the built-in nine-steps; a path is known by its file name without ".json". */
static void viewer_scenario_name(const char *scenario, char *out, size_t cap)
{
    if (!scenario || !*scenario) {
        snprintf(out, cap, "nine-steps");
        return;
    }
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t len = strlen(base);
    len = len > 5 && strcmp(base + len - 5, ".json") == 0 ? len - 5 : len;
    snprintf(out, cap, "%.*s", (int)len, base);
}

/* q in lang as the window and shot show it; the strings point into the bank. */
static void viewer_quiz_shown(const struct quiz_question *q, const char *lang,
                              struct viz_quiz_question *o)
{
    const struct quiz_text *t = quiz_text_in(q, lang);
    memset(o, 0, sizeof *o);
    o->id = q->id;
    o->step = q->step;
    o->kind = q->kind == QUIZ_CHOICE ? VIZ_QUIZ_CHOICE
              : q->answer_agent      ? VIZ_QUIZ_CLICK_AGENT
                                     : VIZ_QUIZ_CLICK_LINK;
    o->question = t->question;
    o->nchoices = t->nchoices < VIZ_QUIZ_MAX_CHOICES ? t->nchoices : VIZ_QUIZ_MAX_CHOICES;
    for (size_t c = 0; c < o->nchoices; c++) {
        o->choices[c] = t->choices[c];
    }
    o->answer = q->answer;
    o->answer_agent = q->answer_agent;
    o->answer_link[0] = q->answer_link[0];
    o->answer_link[1] = q->answer_link[1];
    o->explanation = t->explanation;
    o->source = q->source;
    o->weight = q->weight == QUIZ_WEIGHT_HIGH     ? VIZ_QUIZ_WEIGHT_HIGH
                : q->weight == QUIZ_WEIGHT_MEDIUM ? VIZ_QUIZ_WEIGHT_MEDIUM
                                                  : VIZ_QUIZ_WEIGHT_LOW;
}

/* The window's round over the questions about a bundled scenario (name), or its review. */
static struct quiz_round_options viewer_quiz_round_of(const char *name, bool review)
{
    struct quiz_round_options o = {{.scenario = name, .review = review}, QUIZ_ROUND_BY_STEP, 0, 0};
    return o;
}

struct viewer {
    struct build_options build;
    struct ui_strings *ui;
    const char *help[VIEWER_MAX_HELP];
    char ids[VIEWER_MAX_SCENARIOS][64];
    char titles[VIEWER_MAX_SCENARIOS][256];
    /* The study mode's question bank and glossary, read together when first asked for. */
    struct quiz_bank *bank;
    struct glossary *glossary;
    bool study_tried;
    struct quiz_progress progress;
    bool progress_tried, progress_kept; /* kept: progress_path is where it is saved */
    char progress_path[PATH_MAX];
    char progress_err[PATH_MAX + 256];
    /* `mailsim view`: the recorded trace's path, which the window names it by; the trace as
     * read before the window opened, until the first load takes it; and the scenario it is a
     * run of, by its id, whose questions and matrix the window shows ("" when it names none). */
    char trace_path[PATH_MAX];
    struct trace *trace;
    char trace_scenario[256];
    /* The window's round, and what quiz_state() last gave the window of it. */
    struct quiz_round round;
    char round_scenario[256];
    struct viz_quiz_question shown;
    const char *missed[VIEWER_MAX_QUESTIONS];
};

/* A recorded trace read into a new trace on the heap (trace_free and free it); NULL with the
 * reader's message ("run.jsonl:3: ...") in err. */
static struct trace *viewer_read_trace(const char *path, char *err, size_t errlen)
{
    struct trace *tr = malloc(sizeof *tr);
    if (!tr) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (trace_read_path(path, tr, err, errlen) != 0) {
        free(tr);
        return NULL;
    }
    return tr;
}

/* What the window calls scenario, as the questions and the matrix know it: the recorded run's
 * scenario id for the trace's path; NULL for a trace that names none. */
static const char *viewer_about(const struct viewer *mv, const char *scenario)
{
    if (!mv->trace_path[0] || !scenario || strcmp(scenario, mv->trace_path) != 0) {
        return scenario;
    }
    return mv->trace_scenario[0] ? mv->trace_scenario : NULL;
}

/* Reads the question bank and the glossary, once; what fails is said on stderr, once. */
static void viewer_study_open(struct viewer *mv)
{
    char err[1024];
    if (mv->study_tried) {
        return;
    }
    mv->study_tried = true;
    if (!(mv->bank = quiz_bank_load(NULL, err, sizeof err))) {
        fprintf(stderr, "mailsim: %s\n", err);
    }
    if (!(mv->glossary = glossary_load(NULL, err, sizeof err))) {
        fprintf(stderr, "mailsim: %s\n", err);
    }
}

/* The progress file, as `mailsim quiz` keeps it: a malformed one is set aside as .bad. */
static void viewer_progress_open(struct viewer *mv)
{
    if (mv->progress_tried) {
        return;
    }
    mv->progress_tried = true;
    if (quiz_progress_default_path(mv->progress_path, sizeof mv->progress_path) != 0) {
        snprintf(mv->progress_err, sizeof mv->progress_err,
                 "neither XDG_DATA_HOME nor HOME names a directory, so progress is not kept");
        return;
    }
    char err[PATH_MAX + 128];
    if (quiz_progress_load(&mv->progress, mv->progress_path, err, sizeof err) != 0) {
        char bad[PATH_MAX + 8];
        snprintf(bad, sizeof bad, "%s.bad", mv->progress_path);
        if (rename(mv->progress_path, bad) != 0) {
            snprintf(mv->progress_err, sizeof mv->progress_err, "%s", err);
            return;
        }
        fprintf(stderr, "mailsim: %s; kept it as progress.json.bad and starting afresh\n", err);
    }
    mv->progress_kept = true;
}

static size_t viewer_quiz_start(void *ctx, const char *scenario, bool review)
{
    struct viewer *mv = ctx;
    const char *about = viewer_about(mv, scenario);
    if (!about && scenario) {
        return 0; /* a recorded run of no scenario has no questions */
    }
    viewer_study_open(mv);
    viewer_progress_open(mv); /* before the round: it reads how each question went before */
    viewer_scenario_name(about, mv->round_scenario, sizeof mv->round_scenario);
    struct quiz_round_options o = viewer_quiz_round_of(mv->round_scenario, review);
    if (!mv->bank || quiz_round_start(&mv->round, mv->bank, &mv->progress, &o) != 0) {
        return 0;
    }
    return mv->round.n;
}

static void viewer_quiz_state(void *ctx, const char *lang, struct quiz_overlay_state *out)
{
    struct viewer *mv = ctx;
    const struct quiz_round *r = &mv->round;
    const struct quiz_question *q = r->bank ? quiz_round_current(r) : NULL;
    memset(out, 0, sizeof *out);
    out->phase = !q ? QUIZ_OVERLAY_SCORE : r->answered ? QUIZ_OVERLAY_ANSWERED : QUIZ_OVERLAY_ASK;
    if (q) {
        viewer_quiz_shown(q, lang, &mv->shown);
        out->q = &mv->shown;
    }
    out->index = r->cur + 1;
    out->total = r->n;
    out->review = r->review;
    out->asked_before = r->asked_before;
    out->right_before = r->right_before;
    out->right = r->right;
    out->asked = r->asked;
    out->nright = r->nright;
    const struct quiz_question *missed[VIEWER_MAX_QUESTIONS];
    size_t n = r->bank ? quiz_round_missed(r, missed, VIEWER_MAX_QUESTIONS) : 0;
    for (size_t i = 0; i < n && i < VIEWER_MAX_QUESTIONS; i++) {
        mv->missed[i] = quiz_text_in(missed[i], lang)->question;
    }
    out->missed = mv->missed;
    out->nmissed = n < VIEWER_MAX_QUESTIONS ? n : VIEWER_MAX_QUESTIONS;
    if (!q && r->bank) {
        struct quiz_round_options o = viewer_quiz_round_of(mv->round_scenario, true);
        out->to_review = quiz_round_count(r->bank, &mv->progress, &o);
    }
}

/* The answer, graded by the round, then kept in the progress file as `mailsim quiz` keeps it. */
static int viewer_quiz_answer(void *ctx, const struct viz_quiz_answer *a, char *err, size_t errlen)
{
    struct viewer *mv = ctx;
    struct quiz_answer answer = {a->choice, a->agent, {a->link[0], a->link[1]}};
    struct quiz_verdict v;
    if (quiz_round_submit(&mv->round, &answer, &v) != 0) {
        return 0;
    }
    if (quiz_progress_record(&mv->progress, v.q->id, v.right, (int64_t)time(NULL)) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!mv->progress_kept) {
        snprintf(err, errlen, "%s", mv->progress_err);
        return -1;
    }
    return quiz_progress_save(&mv->progress, mv->progress_path, err, errlen);
}

static void viewer_quiz_next(void *ctx)
{
    struct viewer *mv = ctx;
    quiz_round_next(&mv->round);
}

/* The glossary in lang, into out[0..cap); how many entries it has. */
static size_t viewer_glossary_of(const struct glossary *g, const char *lang,
                                 struct viz_glossary_entry *out, size_t cap)
{
    for (size_t i = 0; g && i < g->n && i < cap; i++) {
        out[i].term = glossary_term(&g->e[i], lang);
        out[i].definition = glossary_definition(&g->e[i], lang);
    }
    return g ? g->n : 0;
}

static size_t viewer_glossary(void *ctx, const char *lang, struct viz_glossary_entry *out,
                              size_t cap)
{
    struct viewer *mv = ctx;
    viewer_study_open(mv);
    return viewer_glossary_of(mv->glossary, lang, out, cap);
}

static void viewer_free(struct viewer *mv)
{
    if (mv->trace) {
        trace_free(mv->trace);
        free(mv->trace);
    }
    ui_strings_free(mv->ui);
    quiz_bank_free(mv->bank);
    glossary_free(mv->glossary);
    quiz_progress_free(&mv->progress);
    quiz_round_free(&mv->round);
    free(mv);
}

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

/* Runs on the window's loader thread: it reads only mv->build and the trace's path and id,
 * which nothing changes, and takes mv->trace, which nothing else touches while the window is
 * open. */
static struct trace *viewer_load(void *ctx, const char *scenario, char *err, size_t errlen)
{
    struct viewer *mv = ctx;
    if (mv->trace_path[0] && scenario && strcmp(scenario, mv->trace_path) == 0) {
        struct trace *tr = mv->trace;
        mv->trace = NULL;
        return tr ? tr : viewer_read_trace(scenario, err, errlen);
    }
    return catalog_build_trace(scenario, &mv->build, err, errlen);
}

/* Runs on the loader thread, as viewer_load: a row of the matrix chosen in the window, the
 * scenario (for a recorded run, the one it is a run of) built and run as `mailsim matrix` runs
 * that row. */
static struct trace *viewer_load_variant(void *ctx, const char *scenario, unsigned on_mask,
                                         char *err, size_t errlen)
{
    const struct viewer *mv = ctx;
    const char *about = viewer_about(mv, scenario);
    if (!about && scenario) {
        snprintf(err, errlen, "%s names no scenario", scenario);
        return NULL;
    }
    struct scenario *sc = catalog_load(about, err, errlen);
    if (!sc) {
        return NULL;
    }
    struct build_options opt = mv->build;
    opt.maildir = NULL; /* Maildirs are the scenario's as written, as viewer_matrix_of keeps them */
    struct trace *tr = matrix_run(sc, &opt, on_mask, err, errlen);
    scenario_free(sc);
    return tr;
}

/* Runs on the loader thread too, after viewer_load. A recorded run's matrix is its scenario's,
 * run here, as `mailsim matrix ID` would. */
static struct overlay_matrix *viewer_matrix(void *ctx, const char *scenario, char *err,
                                            size_t errlen)
{
    const struct viewer *mv = ctx;
    const char *about = viewer_about(mv, scenario);
    if (!about && scenario) {
        snprintf(err, errlen, "%s names no scenario", scenario);
        return NULL;
    }
    return viewer_matrix_of(about, &mv->build, err, errlen);
}

const char *viewer_no_window(void)
{
    return NULL;
}

/* The window, with mv (which it frees) behind its host. */
static enum viz_window_status
viewer_run_window(struct viewer *mv, const struct viz_window_options *wo, char *err, size_t errlen)
{
    if (wo->font && access(wo->font, R_OK) != 0) {
        snprintf(err, errlen, "mailsim: --font %s: %s", wo->font, strerror(errno));
        viewer_free(mv);
        return VIZ_WINDOW_FAILED;
    }
    static const struct viz_host calls = {
        .words = viewer_words,
        .scenarios = viewer_scenarios,
        .load = viewer_load,
        .matrix = viewer_matrix,
        .load_variant = viewer_load_variant,
        .quiz_start = viewer_quiz_start,
        .quiz_state = viewer_quiz_state,
        .quiz_answer = viewer_quiz_answer,
        .quiz_next = viewer_quiz_next,
        .glossary = viewer_glossary,
    };
    struct viz_host host = calls;
    host.ctx = mv;
    enum viz_window_status st = viz_window_run(wo, &host, err, errlen);
    if (st == VIZ_WINDOW_BUSY) {
        /* A scenario is still being built on its thread, using mv: end without freeing it. */
        fflush(stdout);
        _exit(0);
    }
    viewer_free(mv);
    return st;
}

static struct viewer *viewer_new(const struct build_options *build, char *err, size_t errlen)
{
    struct viewer *mv = calloc(1, sizeof *mv);
    if (!mv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    mv->build = *build;
    return mv;
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
    struct viewer *mv = viewer_new(build, err, errlen);
    return mv ? viewer_run_window(mv, wo, err, errlen) : VIZ_WINDOW_FAILED;
}

enum viz_window_status viewer_window_trace(const struct viz_window_options *wo, const char *path,
                                           const struct build_options *build, char *err,
                                           size_t errlen)
{
    if (strlen(path) >= PATH_MAX) {
        snprintf(err, errlen, "mailsim: %s: path too long", path);
        return VIZ_WINDOW_FAILED;
    }
    struct trace *tr = viewer_read_trace(path, err, errlen);
    struct viewer *mv = tr ? viewer_new(build, err, errlen) : NULL;
    if (!mv) {
        if (tr) {
            trace_free(tr);
            free(tr);
        }
        return VIZ_WINDOW_FAILED;
    }
    mv->trace = tr;
    snprintf(mv->trace_path, sizeof mv->trace_path, "%s", path);
    snprintf(mv->trace_scenario, sizeof mv->trace_scenario, "%s", tr->title ? tr->title : "");
    struct viz_window_options o = *wo;
    o.scenario = mv->trace_path; /* what the window hands back to viewer_load */
    return viewer_run_window(mv, &o, err, errlen);
}

/* The study mode's question for `mailsim shot --quiz WHICH` in the round's order, asked as the
 * window asks it, into st (whose strings point into bank and words). 0, or 2 with a message. */
static int viewer_shot_quiz(const struct quiz_bank *bank, const char *scenario, const char *lang,
                            const char *which, bool answered, const struct viz_words *vw,
                            struct viz_quiz_question *shown, struct quiz_overlay_state *st)
{
    char name[256];
    viewer_scenario_name(scenario, name, sizeof name);
    struct quiz_round_options o = viewer_quiz_round_of(name, false);
    size_t *order = malloc((bank->n ? bank->n : 1) * sizeof *order);
    if (!order) {
        fputs("mailsim: out of memory\n", stderr);
        return 2;
    }
    size_t n = quiz_round_select(bank, NULL, &o, order);
    char *end;
    errno = 0;
    unsigned long k = strtoul(which, &end, 10);
    bool number = !errno && end != which && !*end && which[0] != '-' && which[0] != '+';
    size_t pos = n;
    for (size_t i = 0; i < n; i++) {
        if (number ? k == i + 1 : strcmp(bank->q[order[i]].id, which) == 0) {
            pos = i;
        }
    }
    if (pos == n) {
        if (n == 0) {
            fprintf(stderr, "mailsim: --quiz: no question is about %s\n", name);
        } else if (number) {
            fprintf(stderr,
                    "mailsim: --quiz: \"%s\" is not a number from 1 to %zu (the "
                    "questions about %s)\n",
                    which, n, name);
        } else {
            fprintf(stderr,
                    "mailsim: --quiz: no question \"%s\" about %s (see `mailsim quiz "
                    "--list --scenario %s`)\n",
                    which, name, name);
        }
        free(order);
        return 2;
    }
    viewer_quiz_shown(&bank->q[order[pos]], lang, shown);
    free(order);
    memset(st, 0, sizeof *st);
    st->phase = answered ? QUIZ_OVERLAY_ANSWERED : QUIZ_OVERLAY_ASK;
    st->right = answered;
    st->q = shown;
    st->index = pos + 1;
    st->total = n;
    st->words = &vw->quiz;
    return 0;
}

int viewer_shot(const char *scenario, const char *trace, const char *lang,
                const struct build_options *build, struct viz_shot_options *so,
                const struct viewer_shot_extras *x)
{
    char err[1024];
    struct ui_strings *ui = ui_strings_load(lang, err, sizeof err);
    if (!ui) {
        fprintf(stderr, "mailsim: %s\n", err);
        return 2;
    }
    struct viz_strings words;
    struct viz_words vw;
    const char *help[VIEWER_MAX_HELP];
    viewer_words_of(ui, &words, &vw, help);
    so->strings = &words;
    int status = 0;
    struct quiz_bank *bank = NULL;
    struct glossary *gl = NULL;
    struct viz_quiz_question shown;
    struct quiz_overlay_state qst;
    struct viz_glossary_entry *entries = NULL;
    struct glossary_overlay gov;
    struct trace *tr = NULL;
    struct overlay_matrix *om = NULL;
    struct overlay_table table;
    bool at_default = so->step == 0 && so->time < 0;
    /* The run first: a recorded one says which scenario the questions and the matrix are of. */
    tr = trace ? viewer_read_trace(trace, err, sizeof err)
               : catalog_build_trace(scenario, build, err, sizeof err);
    if (!tr) {
        fprintf(stderr, "%s%s\n", trace ? "mailsim: " : "", err);
        status = 2;
    }
    const char *about = trace && tr ? tr->title : scenario;
    if (status == 0 && trace && !about && (x->quiz || x->matrix)) {
        fprintf(stderr, "mailsim: %s: %s names no scenario\n", x->quiz ? "--quiz" : "--matrix",
                trace);
        status = 2;
    }
    if (status == 0 && x->quiz) {
        bank = quiz_bank_load(NULL, err, sizeof err);
        status = bank ? viewer_shot_quiz(bank, about, lang, x->quiz, x->answer, &vw, &shown, &qst)
                      : (fprintf(stderr, "%s\n", err), 2);
        if (status == 0) {
            so->quiz = &qst;
            so->step_start = at_default ? (qst.q->step >= 1 ? qst.q->step : -1) : 0;
        }
    }
    if (status == 0 && x->glossary) {
        gl = glossary_load(NULL, err, sizeof err);
        entries = gl ? calloc(gl->n ? gl->n : 1, sizeof *entries) : NULL;
        if (!entries) {
            fprintf(stderr, "%s\n", gl ? "mailsim: out of memory" : err);
            status = 2;
        } else {
            memset(&gov, 0, sizeof gov);
            gov.title = vw.glossary_title;
            gov.hint = vw.glossary_hint;
            gov.e = entries;
            gov.n = viewer_glossary_of(gl, lang, entries, gl->n);
            so->glossary = &gov;
            so->step_start = at_default && !x->quiz ? -1 : so->step_start;
        }
    }
    char answer[1024];
    if (status == 0 && x->quiz && qst.phase == QUIZ_OVERLAY_ANSWERED) {
        quiz_overlay_answer_text(tr, qst.q, answer, sizeof answer);
        qst.answer_text = answer;
    }
    if (status == 0 && x->matrix) {
        om = viewer_matrix_of(about, build, err, sizeof err);
        if (!om) {
            fprintf(stderr, "%s\n", err);
            status = 2;
        } else {
            overlay_matrix_table(om, lang, &vw.matrix, &table);
            so->overlay = &table;
        }
    }
    if (status == 0) {
        so->time = so->time < 0 ? 0 : so->time;
        struct viz_shot_stats st;
        status = viz_shot_run(tr, so, &st, err, sizeof err);
        if (status != 0) {
            fprintf(stderr, "mailsim: %s\n", err);
            status = 2;
        } else if (x->stats) {
            printf("{\"frames\":%d,\"median_ms\":%.3f,\"p99_ms\":%.3f,\"width\":%d,"
                   "\"height\":%d}\n",
                   st.frames, st.median_ms, st.p99_ms, so->width, so->height);
        }
    }
    so->overlay = NULL;
    so->quiz = NULL;
    so->glossary = NULL;
    overlay_matrix_free(om);
    if (tr) {
        trace_free(tr);
        free(tr);
    }
    free(entries);
    glossary_free(gl);
    quiz_bank_free(bank);
    ui_strings_free(ui);
    return status;
}
