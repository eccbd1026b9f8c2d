/* test_window: the window's input state machine without a display — SDL events made by hand
 * become intents, and intents change the state: Esc asks before quitting, panels pause
 * playback and give it back, Home keeps the play state, the scenario list is grouped and
 * scrolls with its selection in view; and the help overlay wraps every line of the real help
 * (assets/strings, ja and en) inside the window instead of cutting it. */
#include "catalog.h"
#include "harness.h"
#include "matrix.h"
#include "scene_check.h"
#include "window_int.h"

#include <stdlib.h>
#include <string.h>

/* The bundled scenarios as the catalog lists them (by file name), and one it does not know. */
/* clang-format off */
static const char *const test_ids[] = {
    "apop",           "envelope-vs-header", "header-injection",  "load-100k",
    "nine-steps",     "open-relay",         "pgp",               "pop-before-smtp",
    "pop3s",          "ppap",               "relay-restricted",  "retry-and-bounce",
    "smime",          "smtp-auth-587",      "smtps-one-hop",     "sniff-plaintext",
    "ssh-tunnel",     "starttls-all-hops",  "starttls-stripping", "zz-new-lesson",
};
/* clang-format on */
#define TEST_NIDS (sizeof test_ids / sizeof test_ids[0])

struct test_host {
    struct ui_strings *ui;
    bool ask; /* whether the words hold the question to quit */
};

static int test_words(void *ctx, const char *lang, struct viz_strings *s, struct viz_words *w)
{
    struct test_host *t = ctx;
    (void)lang;
    (void)s;
    /* Like a host older than the question: the words it does not know, it does not touch. */
    if (t->ask) {
        w->quit_question = ui_string(t->ui, "ui.quit.question");
        w->quit_keys = ui_string(t->ui, "ui.quit.keys");
        w->ended = ui_string(t->ui, "ui.ended");
    }
    return 0;
}

static size_t test_scenarios(void *ctx, const char *lang, struct viz_scenario_entry *out,
                             size_t cap)
{
    (void)ctx;
    (void)lang;
    size_t n = TEST_NIDS < cap ? TEST_NIDS : cap;
    for (size_t i = 0; i < n; i++) {
        out[i].id = test_ids[i];
        out[i].title = test_ids[i];
    }
    return n;
}

/* What the host was last asked to build for a row of the matrix. */
static struct {
    char scenario[256];
    unsigned on_mask;
    int calls;
} test_asked;

/* A host's load_variant: records what it was asked and builds it as the viewer does. */
static struct trace *test_load_variant(void *ctx, const char *scenario, unsigned on_mask, char *err,
                                       size_t errlen)
{
    (void)ctx;
    snprintf(test_asked.scenario, sizeof test_asked.scenario, "%s", scenario ? scenario : "");
    test_asked.on_mask = on_mask;
    test_asked.calls++;
    struct scenario *sc = catalog_load(scenario, err, errlen);
    struct build_options opt = {0};
    struct trace *tr = sc ? matrix_run(sc, &opt, on_mask, err, errlen) : NULL;
    scenario_free(sc);
    return tr;
}

/* A window's state over a run of nine-steps, 1280x720, as viz_window_run sets it up. */
static struct window_app *test_app(struct test_host *t, struct run *r, bool presenter)
{
    static const struct viz_host host_template = {
        .words = test_words, .scenarios = test_scenarios, .load_variant = test_load_variant};
    static struct viz_host host;
    host = host_template;
    host.ctx = t;
    struct window_app *a = calloc(1, sizeof *a);
    a->host = &host;
    a->view.width = 1280;
    a->view.height = 720;
    a->view.scale = 1;
    a->view.speed = 1;
    a->view.presenter = presenter;
    a->view.mouse_x = a->view.mouse_y = -1;
    a->quiz.replay_until = -1;
    a->matrix_playing = SIZE_MAX;
    window_set_lang(a, "ja");
    a->tr = &r->tr;
    a->tl = r->tl;
    a->view.playing = true;
    return a;
}

static struct window_intent test_key(const struct window_app *a, SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    return window_intent_of(a, &e);
}

static void test_press(struct window_app *a, SDL_Keycode sym, Uint16 mod)
{
    window_apply(a, test_key(a, sym, mod));
}

static void test_quit(struct harness *h, struct test_host *t, struct run *r)
{
    struct window_app *a = test_app(t, r, false);
    /* Esc closes what is open first; with nothing open it asks, and playback waits. */
    test_press(a, SDLK_F1, 0);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, !a->view.help && !a->quit_asked && a->view.playing);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, a->quit_asked && !a->quit && !a->view.playing);
    /* Esc, N, any other key: stay; a modifier alone (on the way to Ctrl+Q) is no answer. */
    const SDL_Keycode stay[] = {SDLK_ESCAPE, SDLK_n, SDLK_SPACE, SDLK_o};
    for (size_t i = 0; i < sizeof stay / sizeof stay[0]; i++) {
        CHECK(h, a->quit_asked);
        CHECK_INT(h, test_key(a, SDLK_LSHIFT, 0).kind, WI_NONE);
        test_press(a, stay[i], 0);
        CHECK(h, !a->quit_asked && !a->quit && a->view.playing && !a->list_open);
        test_press(a, SDLK_ESCAPE, 0);
    }
    /* A held Esc does not answer its own question. */
    SDL_Event rep;
    memset(&rep, 0, sizeof rep);
    rep.type = SDL_KEYDOWN;
    rep.key.keysym.sym = SDLK_ESCAPE;
    rep.key.repeat = 1;
    window_apply(a, window_intent_of(a, &rep));
    CHECK(h, a->quit_asked);
    /* A click: stay. Enter and Y: quit. */
    window_apply(a, (struct window_intent){WI_PRESS, 10, 10, 0});
    CHECK(h, !a->quit_asked && !a->quit);
    const SDL_Keycode leave[] = {SDLK_RETURN, SDLK_KP_ENTER, SDLK_y};
    for (size_t i = 0; i < sizeof leave / sizeof leave[0]; i++) {
        a->quit = a->quit_asked = false;
        test_press(a, SDLK_ESCAPE, 0);
        test_press(a, leave[i], 0);
        CHECK(h, a->quit);
    }
    /* Ctrl+Q and Ctrl+W quit at once. */
    a->quit = a->quit_asked = false;
    test_press(a, SDLK_q, KMOD_LCTRL);
    CHECK(h, a->quit && !a->quit_asked);
    a->quit = false;
    test_press(a, SDLK_w, KMOD_LCTRL);
    CHECK(h, a->quit);
    free(a);
    /* Without the question's words, Esc quits as it did before. */
    t->ask = false;
    a = test_app(t, r, false);
    CHECK(h, !a->words.quit_question && !a->words.quit_keys && !a->words.ended);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, a->quit && !a->quit_asked);
    t->ask = true;
    free(a);
}

static void test_pause(struct harness *h, struct test_host *t, struct run *r)
{
    struct window_app *a = test_app(t, r, false);
    struct viz_view *v = &a->view;
    /* Each panel pauses playback while open and gives it back when closed. */
    const SDL_Keycode panels[] = {SDLK_F1, SDLK_m, SDLK_o};
    for (size_t i = 0; i < sizeof panels / sizeof panels[0]; i++) {
        v->p = 1;
        v->playing = true;
        test_press(a, panels[i], 0);
        CHECK(h, window_panel_open(a) && !v->playing);
        window_update(a, 0.5);
        CHECK(h, v->p == 1);
        test_press(a, SDLK_ESCAPE, 0);
        CHECK(h, !window_panel_open(a) && v->playing);
        /* paused before: still paused after */
        v->playing = false;
        test_press(a, panels[i], 0);
        test_press(a, SDLK_ESCAPE, 0);
        CHECK(h, !v->playing);
    }
    /* One panel over another: playback comes back when the last one closes. */
    v->playing = true;
    test_press(a, SDLK_F1, 0);
    test_press(a, SDLK_m, 0); /* M replaces the help */
    CHECK(h, !v->playing && a->matrix_open);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, v->playing);
    /* Space under a panel is the viewer's choice: it stands when the panel closes. */
    test_press(a, SDLK_F1, 0);
    test_press(a, SDLK_SPACE, 0);
    CHECK(h, v->playing);
    test_press(a, SDLK_SPACE, 0);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, !v->playing);
    /* At the end there is nothing to resume. */
    v->p = viz_timeline_duration(a->tl);
    v->playing = true;
    test_press(a, SDLK_F1, 0);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, !v->playing);
    free(a);
}

static void test_home(struct harness *h, struct test_host *t, struct run *r)
{
    struct window_app *a = test_app(t, r, false);
    struct viz_view *v = &a->view;
    v->p = 5;
    v->playing = false;
    test_press(a, SDLK_HOME, 0);
    CHECK(h, v->p == 0 && !v->playing);
    v->p = 5;
    v->playing = true;
    test_press(a, SDLK_HOME, 0);
    CHECK(h, v->p == 0 && v->playing);
    /* At the end (the update stopped it): back to the start, paused. */
    v->p = viz_timeline_duration(a->tl) - 0.01;
    window_update(a, 0.1);
    CHECK(h, !v->playing);
    test_press(a, SDLK_HOME, 0);
    CHECK(h, v->p == 0 && !v->playing);
    free(a);
}

static size_t test_index(const struct window_app *a, const char *id)
{
    for (size_t i = 0; i < a->nlist; i++) {
        if (strcmp(a->list[i].id, id) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

static void test_list(struct harness *h, struct test_host *t, struct run *r, bool presenter,
                      int width, int height)
{
    struct window_app *a = test_app(t, r, presenter);
    a->view.width = width;
    a->view.height = height;
    test_press(a, SDLK_o, 0);
    CHECK_INT(h, a->nlist, TEST_NIDS);
    /* The built-in scenario is selected; each attack stands beside its countermeasure, in one
     * group; a scenario the order does not know comes last, in a group of its own. */
    CHECK_STR(h, a->list[a->list_sel].id, "nine-steps");
    const char *const pairs[][2] = {{"open-relay", "relay-restricted"},
                                    {"sniff-plaintext", "starttls-all-hops"},
                                    {"starttls-all-hops", "starttls-stripping"},
                                    {"smtp-auth-587", "pop-before-smtp"},
                                    {"apop", "pop3s"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t x = test_index(a, pairs[i][0]), y = test_index(a, pairs[i][1]);
        CHECK(h, x < a->nlist && y == x + 1 && a->list_group[x] == a->list_group[y]);
    }
    CHECK(h, a->list_group[test_index(a, "relay-restricted")] !=
                 a->list_group[test_index(a, "sniff-plaintext")]);
    CHECK_STR(h, a->list[a->nlist - 1].id, "zz-new-lesson");
    CHECK(h, a->list_group[a->nlist - 1] != a->list_group[a->nlist - 2]);
    /* Down through the whole list and up again: the selection is always among the rows shown,
     * and the rows shown fit the panel above its hint. */
    struct window_list_geom g = window_list_layout(a);
    CHECK(h, g.rows >= 1 && g.rows <= a->nlist);
    CHECK(h, g.row_y0 + g.row_h * (float)g.rows <= g.panel.y + g.panel.h - g.row_h);
    bool shown = true;
    for (size_t i = 0; i < 2 * TEST_NIDS; i++) {
        test_press(a, i < TEST_NIDS ? SDLK_DOWN : SDLK_UP, 0);
        shown = shown && a->list_sel >= a->list_top && a->list_sel < a->list_top + g.rows;
    }
    CHECK(h, shown);
    CHECK_INT(h, a->list_sel, 0);
    test_press(a, SDLK_END, 0);
    CHECK_INT(h, a->list_sel, a->nlist - 1);
    CHECK_INT(h, a->list_top, a->nlist - g.rows);
    test_press(a, SDLK_PAGEUP, 0);
    CHECK_INT(h, a->list_sel, a->nlist - 1 > g.rows ? a->nlist - 1 - g.rows : 0);
    CHECK(h, a->list_sel >= a->list_top && a->list_sel < a->list_top + g.rows);
    /* The wheel scrolls the rows, and takes the selection along when it would leave them. */
    test_press(a, SDLK_HOME, 0);
    CHECK_INT(h, a->list_top, 0);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = -3; /* towards the user: down */
    window_apply(a, window_intent_of(a, &e));
    size_t want = a->nlist > g.rows ? (a->nlist - g.rows < 3 ? a->nlist - g.rows : 3) : 0;
    CHECK_INT(h, a->list_top, want);
    CHECK(h, a->list_sel >= a->list_top && a->list_sel < a->list_top + g.rows);
    /* The pointer over a row selects what is drawn there, scrolled or not. */
    window_apply(
        a, (struct window_intent){WI_MOVE, g.panel.x + g.pad * 2, g.row_y0 + g.row_h * 1.5f, 0});
    CHECK_INT(h, a->list_sel, a->list_top + 1);
    e.wheel.y = 100;
    window_apply(a, window_intent_of(a, &e));
    CHECK_INT(h, a->list_top, 0);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, !a->list_open && a->view.playing);
    free(a);
}

/* Waits for the loader thread and takes its run, as the window's loop does. */
static void test_take_load(struct window_app *a)
{
    while (a->loader && !SDL_AtomicGet(&a->loader->done)) {
        SDL_Delay(1);
    }
    window_poll_loader(a);
}

/* open-relay's matrix as the viewer makes it: relay restriction off (as written) and on. */
static struct overlay_matrix *test_open_relay_matrix(void)
{
    struct overlay_matrix *m = overlay_matrix_new(2, 3, 1);
    const enum overlay_cell cells[] = {OVERLAY_OFF, OVERLAY_SUCCEEDS, OVERLAY_WORKS,
                                       OVERLAY_ON,  OVERLAY_BLOCKED,  OVERLAY_WORKS};
    memcpy(m->cells, cells, sizeof cells);
    m->marked = 0;
    m->title[OVERLAY_JA] = overlay_strdup("第三者中継(オープンリレー)");
    return m;
}

/* A row of the matrix clicked, or chosen with the keys: the matrix closes, the host builds that
 * combination of the scenario shown, and the window plays it with the matrix kept, the row
 * marked as playing; Esc goes back to the matrix once. */
static void test_matrix_rows(struct harness *h, struct test_host *t, struct run *r)
{
    struct window_app *a = test_app(t, r, false);
    a->tr = NULL; /* the run is the test's: the loaded ones replace nothing of it */
    a->tl = NULL;
    a->view.playing = false;
    snprintf(a->current, sizeof a->current, "../scenarios/open-relay.json");
    struct overlay_matrix *m = test_open_relay_matrix();
    a->matrix = m;
    test_press(a, SDLK_m, 0);
    CHECK(h, a->matrix_open);
    /* Down the middle of the panel, the pointer meets row 0, then row 1, and selects it. */
    float x = (float)a->view.width / 2, y = 0;
    while (y < (float)a->view.height && window_matrix_row_at(a, x, y) != 1) {
        y += 1;
    }
    CHECK(h, y < (float)a->view.height && window_matrix_row_at(a, x, y - 2) == 0);
    window_apply(a, (struct window_intent){WI_MOVE, x, y + 2, 0});
    CHECK_INT(h, a->matrix_sel, 1);
    window_apply(a, (struct window_intent){WI_PRESS, x, y + 2, 0});
    CHECK(h, !a->matrix_open && a->loader != NULL);
    test_take_load(a);
    CHECK_INT(h, test_asked.calls, 1);
    CHECK_STR(h, test_asked.scenario, "../scenarios/open-relay.json");
    CHECK_INT(h, test_asked.on_mask, 1);
    CHECK(h, a->tr && a->tl && a->matrix == m && a->matrix_playing == 1 && a->view.playing);
    CHECK_STR(h, a->current, "../scenarios/open-relay.json");
    /* The titles name the combination, in both languages. */
    CHECK(h, a->tr && strstr(a->tr->title_en, "Open relay") &&
                 strstr(a->tr->title_en, "countermeasures: Relay restriction on"));
    CHECK(h, a->tr && strstr(a->tr->title_ja, "対策: 中継制限 有効"));
    /* Esc: back to the matrix, the row playing marked; then closed; then the question. */
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, a->matrix_open && !a->quit_asked);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, !a->matrix_open && !a->quit_asked);
    test_press(a, SDLK_ESCAPE, 0);
    CHECK(h, a->quit_asked);
    test_press(a, SDLK_ESCAPE, 0);
    /* The keys: M, Up to the row as written, Enter. Up and Enter do not step or answer. */
    test_press(a, SDLK_m, 0);
    test_press(a, SDLK_UP, 0);
    CHECK_INT(h, a->matrix_sel, 0);
    CHECK(h, a->matrix_open && a->view.p == 0);
    test_press(a, SDLK_RETURN, 0);
    CHECK(h, !a->matrix_open);
    test_take_load(a);
    CHECK_INT(h, test_asked.calls, 2);
    CHECK_INT(h, test_asked.on_mask, 0);
    CHECK(h, a->matrix_playing == 0 && a->tr &&
                 strstr(a->tr->title_en, "countermeasures: Relay restriction off"));
    /* A click beside the table only closes it. */
    test_press(a, SDLK_m, 0);
    window_apply(a, (struct window_intent){WI_PRESS, 2, 2, 0});
    CHECK(h, !a->matrix_open && !a->loader && test_asked.calls == 2);
    viz_timeline_free(a->tl);
    trace_free(a->tr);
    free(a->tr);
    overlay_matrix_free(a->matrix);
    free(a);
}

/* Every character of every help line is drawn, inside the window: none is cut. */
static void test_help(struct harness *h, const char *lang, int width, int height, bool presenter)
{
    char err[256];
    struct ui_strings *ui = ui_strings_load(lang, err, sizeof err);
    if (!CHECK(h, ui != NULL)) {
        return;
    }
    const char *lines[32];
    size_t n = 0;
    for (; n < 32; n++) {
        char key[32];
        snprintf(key, sizeof key, "ui.help.%zu", n + 1);
        lines[n] = ui_string(ui, key);
        if (strcmp(lines[n], key) == 0) {
            break;
        }
    }
    CHECK(h, n >= 12);
    struct words none; /* the help's words are the lines above; the view needs none */
    memset(&none, 0, sizeof none);
    struct viz_view v = view_at(&none, width, height, 0);
    v.presenter = presenter;
    struct display_list dl;
    dl_init(&dl);
    dl_clear(&dl, width, height);
    struct overlay_box p =
        overlay_help_draw(&dl, &v, ui_string(ui, "ui.help.title"), lines, n, WINDOW_LAYER);
    CHECK(h, p.x >= 0 && p.y >= 0 && p.x + p.w <= (float)width && p.y + p.h <= (float)height);
    CHECK(h, items_inside(&dl, width, height));
    /* The texts drawn, joined, hold each line (its tab and spaces aside) in order. */
    char drawn[8192] = "";
    size_t len = 0;
    for (size_t i = 0; i < dl.n; i++) {
        const char *s = dl.items[i].kind == DL_TEXT ? dl_text(&dl, &dl.items[i]) : NULL;
        len += s ? (size_t)snprintf(drawn + len, sizeof drawn - len, "%s", s) : 0;
        len = len < sizeof drawn ? len : sizeof drawn - 1;
        float right = dl.items[i].x + dl.items[i].w;
        if (s && layout_text_width(s, dl.items[i].font, dl.items[i].bold, &v) >
                     right - dl.items[i].x + 1) {
            fprintf(stderr, "%s %dx%d: too wide for its box: %s\n", lang, width, height, s);
            CHECK(h, false);
        }
    }
    squeeze(drawn);
    const char *at = drawn;
    for (size_t i = 0; i < n; i++) {
        char want[1024];
        snprintf(want, sizeof want, "%s", lines[i]);
        for (char *c = want; *c; c++) {
            *c = *c == '\t' ? ' ' : *c;
        }
        squeeze(want);
        const char *found = strstr(at, want);
        if (!CHECK(h, found != NULL)) {
            fprintf(stderr, "    %s %dx%d: not drawn whole: %s\n", lang, width, height, lines[i]);
        } else {
            at = found + strlen(want);
        }
    }
    dl_free(&dl);
    ui_strings_free(ui);
}

int main(void)
{
    struct harness h = {"test_window", 0, 0};
    struct run r;
    char err[256];
    struct test_host t = {ui_strings_load("ja", err, sizeof err), true};
    if (CHECK(&h, t.ui != NULL) && CHECK(&h, run_load(&r, "../scenarios/nine-steps.json") == 0)) {
        test_quit(&h, &t, &r);
        test_pause(&h, &t, &r);
        test_home(&h, &t, &r);
        test_list(&h, &t, &r, false, 1600, 900);
        test_list(&h, &t, &r, true, 1920, 1080);
        test_list(&h, &t, &r, true, 1280, 720);
        test_matrix_rows(&h, &t, &r);
        run_free(&r);
    }
    ui_strings_free(t.ui);
    const char *const langs[] = {"ja", "en"};
    for (size_t i = 0; i < 2; i++) {
        test_help(&h, langs[i], 1280, 720, true);
        test_help(&h, langs[i], 1920, 1080, true);
        test_help(&h, langs[i], 1600, 900, false);
    }
    return harness_finish(&h);
}
