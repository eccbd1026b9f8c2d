/* window: the SDL window and its loop — events to window_input, a fixed-step clock, a frame made
 * of the scene's display list plus the window's own overlays (scenario list, notices), drawn by
 * render. Scenarios are built on a loader thread so that the window never freezes. */
#include "window_int.h"

#include "layout.h"
#include "shot.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- loading scenarios ---- */

static int window_loader_main(void *arg)
{
    struct window_loader *ld = arg;
    const char *scenario = ld->has_scenario ? ld->scenario : NULL;
    if (ld->variant) { /* a row of the matrix kept by the window: no matrix to compute */
        ld->tr =
            ld->host->load_variant(ld->host->ctx, scenario, ld->on_mask, ld->err, sizeof ld->err);
    } else {
        ld->tr = ld->host->load(ld->host->ctx, scenario, ld->err, sizeof ld->err);
    }
    if (ld->tr && ld->host->matrix && !ld->variant) {
        ld->matrix =
            ld->host->matrix(ld->host->ctx, scenario, ld->matrix_err, sizeof ld->matrix_err);
    }
    SDL_AtomicSet(&ld->done, 1);
    return 0;
}

void window_notice(struct window_app *a, const char *what, const char *detail)
{
    what = what ? what : ""; /* a host may leave a word out */
    snprintf(a->notice, sizeof a->notice, "%s%s%s", what, detail ? " " : "", detail ? detail : "");
    size_t len = strlen(what);
    a->notice_what = detail && len < strlen(a->notice) ? len : 0;
    a->notice_until = a->clock + WINDOW_NOTICE_SECONDS;
}

/* Starts a load: the scenario as written, or (variant) a row of its matrix. */
static void window_load_as(struct window_app *a, const char *scenario, bool variant,
                           unsigned on_mask, size_t row)
{
    if (a->live) {
        return; /* live mode shows the one world that real clients drive */
    }
    if (a->loader) {
        return; /* one at a time; the list stays closed meanwhile */
    }
    struct window_loader *ld = calloc(1, sizeof *ld);
    if (!ld) {
        window_notice(a, a->words.load_failed, "out of memory");
        return;
    }
    ld->host = a->host;
    ld->variant = variant;
    ld->on_mask = on_mask;
    ld->row = row;
    if (scenario) {
        snprintf(ld->scenario, sizeof ld->scenario, "%s", scenario);
        ld->has_scenario = true;
    }
    ld->thread = SDL_CreateThread(window_loader_main, "mailsim-load", ld);
    if (!ld->thread) {
        window_loader_main(ld); /* no thread: build it here, the window waits */
    }
    a->loader = ld;
    window_notice(a, a->words.loading, scenario);
}

void window_load(struct window_app *a, const char *scenario)
{
    window_load_as(a, scenario, false, 0, 0);
}

/* ---- the matrix's rows ---- */

/* The table as the window shows it: the matrix in its language, the row selected and the one
 * playing, rows to choose when the host can build them. */
static void window_matrix_table(const struct window_app *a, struct overlay_table *t)
{
    overlay_matrix_table(a->matrix, a->lang, &a->words.matrix, t);
    t->choosable = a->host->load_variant != NULL;
    t->selected = t->choosable ? a->matrix_sel : t->nrows;
    t->playing = a->matrix_playing;
}

int window_matrix_row_at(const struct window_app *a, float x, float y)
{
    if (!a->matrix) {
        return -1;
    }
    struct overlay_table t;
    window_matrix_table(a, &t);
    size_t r = overlay_table_row_at(&a->view, &t, x, y);
    return r < t.nrows ? (int)r : -1;
}

void window_matrix_move(struct window_app *a, int n)
{
    long last = a->matrix ? (long)a->matrix->nrows - 1 : -1;
    long by = n >= WINDOW_PAGE || n <= -WINDOW_PAGE ? (long)(n > 0 ? last + 1 : -(last + 1)) : n;
    long sel = (long)a->matrix_sel + by;
    a->matrix_sel = last < 0 || sel < 0 ? 0 : sel > last ? (size_t)last : (size_t)sel;
}

void window_matrix_choose(struct window_app *a, size_t row)
{
    const struct overlay_matrix *m = a->matrix;
    if (!m || row >= m->nrows || !a->host->load_variant || a->loader) {
        return;
    }
    /* The row's countermeasure columns say which are on: that is the combination. */
    unsigned on_mask = 0;
    for (size_t c = 0; c < m->ngroup && c < sizeof on_mask * 8; c++) {
        on_mask |= (m->cells[row * m->ncols + c] == OVERLAY_ON ? 1u : 0u) << c;
    }
    a->matrix_open = false;
    a->matrix_sel = row;
    window_load_as(a, a->current[0] ? a->current : NULL, true, on_mask, row);
}

static void window_free_trace(struct window_app *a)
{
    overlay_matrix_free(a->matrix);
    a->matrix = NULL;
    if (a->tl) {
        viz_timeline_free(a->tl);
        a->tl = NULL;
    }
    if (a->tr && !a->live) {
        trace_free(a->tr);
        free(a->tr);
    }
    a->tr = NULL;
}

/* Live mode: lets the outside world run (it may block up to wait_ms), and when its trace grew,
 * at most five times a second, builds the timeline again. Playback goes on where it was; a
 * viewer who was at the end follows the new events. When the world has stopped, the window
 * closes. */
static void window_live(struct window_app *a, int wait_ms)
{
    const struct trace *tr = a->live->pump(a->live->ctx, wait_ms);
    if (!tr) {
        a->quit = true;
        return;
    }
    size_t seen = a->tl ? viz_timeline_events(a->tl) : 0;
    if (tr->nevents == seen || (a->tl && a->clock - a->live_rebuilt < 0.2)) {
        return;
    }
    struct viz_timeline *tl = viz_timeline_new(tr);
    if (!tl) {
        return;
    }
    bool at_end = !a->tl || a->view.p >= viz_timeline_duration(a->tl) - 0.05;
    if (a->tl) {
        viz_timeline_free(a->tl);
    }
    a->tr = (struct trace *)tr;
    a->tl = tl;
    a->live_rebuilt = a->clock;
    if (at_end && !a->view.playing) {
        a->view.playing = true;
    }
    a->dirty = true;
}

/* Takes a finished load: the new trace replaces the old one and plays from its start. A row of
 * the matrix keeps the matrix it came from, and Esc goes back to it. */
void window_poll_loader(struct window_app *a)
{
    struct window_loader *ld = a->loader;
    if (!ld || !SDL_AtomicGet(&ld->done)) {
        return;
    }
    if (ld->thread) {
        SDL_WaitThread(ld->thread, NULL);
    }
    a->loader = NULL;
    struct viz_timeline *tl = ld->tr ? viz_timeline_new(ld->tr) : NULL;
    if (!tl) {
        const char *why = ld->tr ? "out of memory" : ld->err;
        fprintf(stderr, "mailsim: %s\n", why);
        window_notice(a, a->words.load_failed, why);
        if (ld->tr) {
            trace_free(ld->tr);
            free(ld->tr);
        }
        overlay_matrix_free(ld->matrix);
        free(ld);
        return;
    }
    struct overlay_matrix *kept = ld->variant ? a->matrix : ld->matrix;
    a->matrix = ld->variant ? NULL : a->matrix; /* not freed with the old trace */
    window_free_trace(a);
    window_quiz_close(a); /* its questions were about the scenario shown until now */
    a->tr = ld->tr;
    a->tl = tl;
    a->matrix = kept;
    if (!ld->variant) {
        snprintf(a->matrix_err, sizeof a->matrix_err, "%s", ld->matrix ? "" : ld->matrix_err);
        snprintf(a->current, sizeof a->current, "%s", ld->has_scenario ? ld->scenario : "");
    }
    a->matrix_playing = ld->variant ? ld->row : SIZE_MAX;
    a->matrix_sel = ld->variant ? ld->row : (kept ? kept->marked : 0);
    a->matrix_return = ld->variant;
    a->title_dirty = true;
    free(ld);
    a->view.p = 0;
    /* It plays from the start; under a panel opened meanwhile, once the panel closes. */
    a->view.playing = !window_panel_open(a);
    a->resume = !a->view.playing;
    a->view.focus_conn = 0;
    a->view.selected = DL_TARGET_NONE;
    a->view.selected_id = 0;
    a->notice_until = 0;
    a->dirty = true;
}

/* ---- drawing ---- */

static struct dl_item *window_push(struct display_list *dl, enum dl_kind kind, SDL_FRect b,
                                   struct dl_color fill)
{
    struct dl_item *it = dl_push(dl, kind);
    it->x = b.x;
    it->y = b.y;
    it->w = b.w;
    it->h = b.h;
    it->fill = fill;
    it->layer = WINDOW_LAYER;
    return it;
}

static void window_push_text(struct display_list *dl, SDL_FRect b, struct dl_color c,
                             enum dl_font font, bool bold, enum dl_align align, const char *s)
{
    struct dl_item *it = window_push(dl, DL_TEXT, b, c);
    it->font = font;
    it->bold = bold;
    it->align = align;
    dl_set_text(dl, it, s);
}

static const struct dl_color window_ink = {30, 34, 40, 255};
static const struct dl_color window_white = {255, 255, 255, 255};

static void window_draw_list(const struct window_app *a, struct display_list *dl)
{
    const struct viz_view *v = &a->view;
    struct window_list_geom g = window_list_layout(a);
    window_push(dl, DL_RECT, (SDL_FRect){0, 0, (float)v->width, (float)v->height},
                (struct dl_color){0, 0, 0, 110});
    struct dl_item *panel = window_push(dl, DL_RECT, g.panel, window_white);
    panel->radius = g.pad * 0.6f;
    panel->stroke = (struct dl_color){90, 100, 120, 255};
    panel->thickness = 2;
    float x = g.panel.x + g.pad, w = g.panel.w - 2 * g.pad;
    window_push_text(dl, (SDL_FRect){x, g.panel.y + g.pad, w, (float)g.title_px * 1.4f}, window_ink,
                     DL_FONT_TITLE, true, DL_ALIGN_LEFT, a->words.open_title);
    bool scrolls = g.rows < a->nlist;
    float bar_w = scrolls ? g.pad * 0.5f : 0, rows_w = w - (scrolls ? bar_w + g.pad / 2 : 0);
    for (size_t r = 0; r < g.rows && a->list_top + r < a->nlist; r++) {
        size_t i = a->list_top + r;
        float y = g.row_y0 + g.row_h * (float)r;
        if (i == a->list_sel) {
            struct dl_item *hl =
                window_push(dl, DL_RECT, (SDL_FRect){x - g.pad / 2, y, rows_w + g.pad, g.row_h},
                            (struct dl_color){220, 232, 250, 255});
            hl->radius = g.pad * 0.4f;
        }
        if (r > 0 && a->list_group[i] != a->list_group[i - 1]) { /* a rule between groups */
            dl_line(dl, x, y, x + rows_w, y, (struct dl_color){170, 178, 190, 255}, 2,
                    WINDOW_LAYER);
        }
        float idw = rows_w * 0.3f;
        window_push_text(dl, (SDL_FRect){x, y, idw, g.row_h}, window_ink, DL_FONT_MONO, true,
                         DL_ALIGN_LEFT, a->list[i].id);
        window_push_text(dl, (SDL_FRect){x + idw, y, rows_w - idw, g.row_h}, window_ink,
                         DL_FONT_BODY, false, DL_ALIGN_LEFT, a->list[i].title);
    }
    if (scrolls) { /* where the rows shown are in the whole list */
        float track_h = g.row_h * (float)g.rows, bx = x + w - bar_w;
        struct dl_item *track = window_push(dl, DL_RECT, (SDL_FRect){bx, g.row_y0, bar_w, track_h},
                                            (struct dl_color){232, 236, 241, 255});
        track->radius = bar_w / 2;
        float th = track_h * (float)g.rows / (float)a->nlist,
              ty = g.row_y0 + track_h * (float)a->list_top / (float)a->nlist;
        struct dl_item *thumb = window_push(dl, DL_RECT, (SDL_FRect){bx, ty, bar_w, th},
                                            (struct dl_color){120, 130, 148, 255});
        thumb->radius = bar_w / 2;
    }
    window_push_text(dl, (SDL_FRect){x, g.panel.y + g.panel.h - g.row_h - g.pad / 2, w, g.row_h},
                     (struct dl_color){90, 96, 110, 255}, DL_FONT_SMALL, false, DL_ALIGN_LEFT,
                     a->words.open_hint);
}

/* Esc with nothing open: the question, and the keys that answer it. */
static void window_draw_quit(const struct window_app *a, struct display_list *dl)
{
    const struct viz_view *v = &a->view;
    float title = layout_line_px(DL_FONT_TITLE, v), body = layout_line_px(DL_FONT_BODY, v);
    float pad = body, W = (float)v->width, H = (float)v->height;
    const char *keys = a->words.quit_keys ? a->words.quit_keys : "";
    float tw = layout_text_width(a->words.quit_question, DL_FONT_TITLE, true, v),
          kw = layout_text_width(keys, DL_FONT_BODY, false, v);
    float w = (tw > kw ? tw : kw) + 4 * pad, h = 2 * pad + title + 0.4f * pad + body;
    w = w < W - 2 * pad ? w : W - 2 * pad;
    window_push(dl, DL_RECT, (SDL_FRect){0, 0, W, H}, (struct dl_color){0, 0, 0, 110});
    SDL_FRect b = {(W - w) / 2, (H - h) / 2, w, h};
    struct dl_item *panel = window_push(dl, DL_RECT, b, window_white);
    panel->radius = pad * 0.6f;
    panel->stroke = (struct dl_color){90, 100, 120, 255};
    panel->thickness = 2;
    window_push_text(dl, (SDL_FRect){b.x + pad, b.y + pad, w - 2 * pad, title}, window_ink,
                     DL_FONT_TITLE, true, DL_ALIGN_CENTER, a->words.quit_question);
    window_push_text(dl, (SDL_FRect){b.x + pad, b.y + pad + title + 0.4f * pad, w - 2 * pad, body},
                     (struct dl_color){90, 96, 110, 255}, DL_FONT_BODY, false, DL_ALIGN_CENTER,
                     keys);
}

/* A notice at the bottom: loading, a saved screenshot, an error. One line, as wide as it needs
 * (up to nearly the view's width); longer, the detail (a file's path) gets a line of its own. */
static void window_draw_notice(const struct window_app *a, struct display_list *dl,
                               const char *text)
{
    const struct viz_view *v = &a->view;
    int px = layout_font_px(DL_FONT_BODY, v);
    float line = (float)px * 2.2f, W = (float)v->width;
    float tw = layout_text_width(text, DL_FONT_BODY, false, v) + line;
    float w = tw > W * 0.7f ? tw : W * 0.7f;
    w = w < W * 0.94f ? w : W * 0.94f;
    size_t what_len = text == a->notice ? a->notice_what : 0;
    const char *split = tw > w && what_len > 0 ? text + what_len : NULL;
    float h = split ? line * 1.6f : line;
    SDL_FRect b = {(W - w) / 2, (float)v->height * 0.78f, w, h};
    struct dl_item *it = window_push(dl, DL_RECT, b, (struct dl_color){30, 34, 40, 225});
    it->radius = line / 2;
    if (!split) {
        window_push_text(dl, (SDL_FRect){b.x + line / 2, b.y, b.w - line, b.h}, window_white,
                         DL_FONT_BODY, false, DL_ALIGN_CENTER, text);
        return;
    }
    /* what above, detail below (window_notice wrote them with a space between) */
    char what[256];
    snprintf(what, sizeof what, "%.*s", (int)(split - text), text);
    float half = h / 2 - line * 0.1f;
    window_push_text(dl, (SDL_FRect){b.x + line / 2, b.y + line * 0.1f, b.w - line, half},
                     window_white, DL_FONT_BODY, false, DL_ALIGN_CENTER, what);
    window_push_text(dl, (SDL_FRect){b.x + line / 2, b.y + h / 2, b.w - line, half}, window_white,
                     DL_FONT_BODY, false, DL_ALIGN_CENTER, split + 1);
}

/* The countermeasure matrix (M): the table of the scenario shown, in the window's language. It
 * only arranges what the loader thread computed. */
static void window_draw_matrix(struct window_app *a, struct display_list *dl)
{
    struct overlay_table t;
    if (a->matrix) {
        window_matrix_table(a, &t);
    } else {
        memset(&t, 0, sizeof t);
        t.words = &a->words.matrix;
        t.message = a->loader ? a->words.loading : a->matrix_err[0] ? a->matrix_err : NULL;
    }
    a->matrix_box = overlay_table_draw(dl, &a->view, &t, WINDOW_LAYER);
}

/* Builds this frame's picture into a->dl. It reads the state and writes only the picture. */
static void window_picture(struct window_app *a)
{
    struct viz_view *v = &a->view;
    if (a->tr && a->tl) {
        /* The scene as the window shows it: the help is the window's panel (wrapped), no hover
         * tooltip shows through a panel, and at the end the play state reads "ended". */
        struct viz_view sv = *v;
        struct viz_strings words = a->strings;
        sv.help = false;
        if (window_panel_open(a)) {
            sv.mouse_x = sv.mouse_y = -1;
        }
        if (!v->playing && v->p >= viz_timeline_duration(a->tl) && a->words.ended) {
            words.paused = a->words.ended;
            sv.strings = &words;
        }
        scene_build(a->tr, a->tl, &sv, &a->dl);
    } else {
        dl_clear(&a->dl, v->width, v->height);
    }
    window_quiz_draw(a, &a->dl);
    window_glossary_draw(a, &a->dl);
    if (v->help) {
        overlay_help_draw(&a->dl, v, a->strings.help_title, a->strings.help_lines,
                          a->strings.nhelp_lines, WINDOW_LAYER);
    }
    if (a->matrix_open) {
        window_draw_matrix(a, &a->dl);
    }
    if (a->list_open) {
        window_draw_list(a, &a->dl);
    }
    if (a->quit_asked) {
        window_draw_quit(a, &a->dl);
    }
    if (a->clock < a->notice_until) {
        window_draw_notice(a, &a->dl, a->notice);
    } else if (a->loader) { /* a long build (load-100k) outlasts any notice */
        window_draw_notice(a, &a->dl, a->words.loading);
    }
}

/* Where a file in the current directory is, as a person looks for it: the folder's whole path,
 * the home directory written "~". The name alone when the folder is not known or too long. */
static void window_shot_where(const char *name, char *out, size_t len)
{
    char dir[1024];
    const char *home = getenv("HOME");
    size_t hl = home ? strlen(home) : 0;
    bool known = getcwd(dir, sizeof dir) != NULL;
    bool at_home = known && hl > 1 && strncmp(dir, home, hl) == 0 && (dir[hl] == '/' || !dir[hl]);
    int n = !known    ? -1
            : at_home ? snprintf(out, len, "~%s/%s", dir + hl, name)
                      : snprintf(out, len, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name);
    if (n < 0 || (size_t)n >= len) {
        snprintf(out, len, "%s", name);
    }
}

/* F12: the frame just drawn, as mailsim-YYYYMMDD-HHMMSS.png in the current directory. The
 * notice says where it is, folder and all, so that a teacher can find it afterwards. */
static void window_save_shot(struct window_app *a)
{
    char name[96], err[512];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    size_t n = strftime(name, sizeof name, "mailsim-%Y%m%d-%H%M%S", &tm);
    struct stat st;
    char path[128];
    snprintf(path, sizeof path, "%.*s.png", (int)n, name);
    for (int k = 2; stat(path, &st) == 0 && k < 100; k++) {
        snprintf(path, sizeof path, "%.*s-%d.png", (int)n, name, k);
    }
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->view.width, a->view.height, 32,
                                                    SDL_PIXELFORMAT_RGB888);
    if (!s || SDL_RenderReadPixels(a->r, NULL, SDL_PIXELFORMAT_RGB888, s->pixels, s->pitch) != 0) {
        snprintf(err, sizeof err, "screenshot: %s", SDL_GetError());
    } else if (viz_shot_save_png(s, path, err, sizeof err) == 0) {
        printf("%s\n", path);
        fflush(stdout);
        char where[1024];
        window_shot_where(path, where, sizeof where);
        window_notice(a, a->words.screenshot, where);
        err[0] = 0;
    }
    if (err[0]) {
        fprintf(stderr, "mailsim: %s\n", err);
        window_notice(a, a->words.load_failed, err);
    }
    if (s) {
        SDL_FreeSurface(s);
    }
}

/* The window manager's title: the run's title in the window's language (a row of the matrix
 * says its combination there, as in the top bar), set when either changed. */
static void window_sync_title(struct window_app *a)
{
    if (!a->win || !a->tr || (!a->title_dirty && strcmp(a->title_lang, a->lang) == 0)) {
        return;
    }
    bool ja = strcmp(a->lang, "ja") == 0;
    const char *t = ja ? a->tr->title_ja : a->tr->title_en;
    t = t && *t ? t : a->tr->title;
    char title[1200];
    snprintf(title, sizeof title, "mailsim%s%s", t && *t ? " — " : "", t && *t ? t : "");
    SDL_SetWindowTitle(a->win, title);
    a->title_dirty = false;
    snprintf(a->title_lang, sizeof a->title_lang, "%s", a->lang);
}

/* ---- the loop ---- */

static double window_now(void)
{
    return (double)SDL_GetPerformanceCounter() / (double)SDL_GetPerformanceFrequency();
}

/* Milliseconds since the process started (Linux: /proc/self/stat, in clock ticks), for
 * measuring start-up with MAILSIM_TIMING; -1 when unknown. */
static double window_process_ms(void)
{
    FILE *f = fopen("/proc/self/stat", "r");
    char buf[1024];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long start = 0;
    for (int field = 2; p && *p && field < 22; p++) {
        field += *p == ' ';
        if (field == 22) {
            start = strtoull(p + 1, NULL, 10);
        }
    }
    struct timespec ts;
    if (!start || clock_gettime(CLOCK_BOOTTIME, &ts) != 0) {
        return -1;
    }
    double ticks = (double)sysconf(_SC_CLK_TCK);
    return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - (double)start / ticks) * 1000;
}

static void window_handle(struct window_app *a, const SDL_Event *e)
{
    window_apply(a, window_intent_of(a, e));
}

static void window_loop(struct window_app *a, const struct viz_window_options *o, double t_start)
{
    double last = window_now(), acc = 0;
    bool first_scene = false;
    while (!a->quit) {
        /* Something moves on screen: draw every frame. Otherwise sleep until an event, or
         * briefly while a scenario is being built, to pick it up when it is done. */
        bool moving = a->view.playing || a->dragging || a->clock < a->notice_until + 0.1;
        SDL_Event e;
        if (a->live) {
            /* the sockets and the simulation wait here instead of in SDL */
            window_live(a, moving || a->dirty ? 0 : 15);
            if (a->quit) {
                break; /* the world has stopped */
            }
        } else if (!moving && !a->dirty && SDL_WaitEventTimeout(&e, a->loader ? 50 : 500)) {
            window_handle(a, &e);
        }
        while (SDL_PollEvent(&e)) {
            window_handle(a, &e);
        }
        double now = window_now(), dt = now - last;
        last = now;
        dt = dt > 0.25 ? 0.25 : dt; /* after a stall, do not jump ahead */
        a->clock += dt;
        for (acc += dt; acc >= WINDOW_STEP; acc -= WINDOW_STEP) {
            window_update(a, WINDOW_STEP);
        }
        window_poll_loader(a);
        window_sync_title(a);
        if (!moving && !a->dirty) {
            continue;
        }
        window_picture(a);
        viz_render_draw(a->rd, &a->dl, &a->view);
        if (a->shot_wanted) {
            a->shot_wanted = false;
            window_save_shot(a);
        }
        SDL_RenderPresent(a->r);
        a->dirty = false;
        if (o->timing && !first_scene && a->tr) {
            first_scene = true;
            fprintf(stderr, "mailsim: first scene frame after %.1f ms (%.0f ms after start)\n",
                    (window_now() - t_start) * 1000, window_process_ms());
        }
        double spent = window_now() - now;
        if (!a->vsync && spent < WINDOW_FRAME) {
            SDL_Delay((Uint32)((WINDOW_FRAME - spent) * 1000));
        }
    }
}

/* Whether a GPU is there to draw with: a DRM render node (Linux). Elsewhere, assume one. */
static bool window_has_gpu(void)
{
#ifdef __linux__
    struct stat st;
    return stat("/dev/dri", &st) == 0;
#else
    return true;
#endif
}

/* Opens the window and shows its first frame (the background) before anything slow. */
static enum viz_window_status window_open(struct window_app *a, const struct viz_window_options *o,
                                          char *err, size_t errlen)
{
    /* Only the display systems the environment names: left to itself, SDL would also try
     * Wayland without a compositor (and print about it) and then fall back to its offscreen
     * driver, a window nobody can see. SDL_VIDEODRIVER still decides when it is set. */
    const char *x11 = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
    if (!getenv("SDL_VIDEODRIVER")) {
        bool w = wayland && *wayland, x = x11 && *x11;
        SDL_SetHint(SDL_HINT_VIDEODRIVER, w && x ? "wayland,x11" : (w ? "wayland" : "x11"));
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "SDL: %s", SDL_GetError());
        return VIZ_WINDOW_NO_DISPLAY;
    }
    int w = o->width > 0 ? o->width : 1600, h = o->height > 0 ? o->height : 900;
    /* A classroom laptop may have 1366×768: the default size shrinks to fit the screen. */
    SDL_Rect usable;
    if (o->width <= 0 && SDL_GetDisplayUsableBounds(0, &usable) == 0 && usable.w > 0 &&
        usable.h > 0 && (usable.w < w || usable.h < h)) {
        float k = fminf((float)usable.w / (float)w, (float)usable.h / (float)h) * 0.95f;
        w = (int)((float)w * k);
        h = (int)((float)h * k);
    }
    a->win = SDL_CreateWindow("mailsim", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                              SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->win) {
        snprintf(err, errlen, "SDL: %s", SDL_GetError());
        return VIZ_WINDOW_NO_DISPLAY;
    }
    Uint32 flags = SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC;
    if (!window_has_gpu() && !SDL_GetHint(SDL_HINT_RENDER_DRIVER)) {
        /* No GPU: OpenGL would be Mesa's software rasteriser, which takes a fifth of a second
         * to start. SDL's own software renderer starts at once and draws these flat shapes as
         * fast; its window surface must then be plain X11/Wayland memory, not a GL texture. */
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        flags = SDL_RENDERER_SOFTWARE;
    }
    a->r = SDL_CreateRenderer(a->win, -1, flags);
    if (!a->r) {
        a->r = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!a->r) {
        snprintf(err, errlen, "no renderer for the window: %s", SDL_GetError());
        return VIZ_WINDOW_FAILED;
    }
    SDL_RendererInfo info;
    a->vsync =
        SDL_GetRendererInfo(a->r, &info) == 0 && (info.flags & SDL_RENDERER_PRESENTVSYNC) != 0;
    SDL_SetRenderDrawColor(a->r, 250, 250, 248, 255);
    SDL_RenderClear(a->r);
    SDL_RenderPresent(a->r);
    if (o->timing) {
        fprintf(stderr, "mailsim: renderer %s%s\n", info.name, a->vsync ? ", vsync" : "");
    }
    SDL_StopTextInput(); /* keys are commands: no input method should take them */
    window_update_size(a);
    return VIZ_WINDOW_OK;
}

/* Start-up work done beside the window's creation: finding and opening the fonts. */
struct window_fonts_job {
    const char *font;
    int width, height;
    bool presenter;
    struct viz_text *text;
    char err[512];
};

static int window_fonts_main(void *arg)
{
    struct window_fonts_job *job = arg;
    struct viz_fonts fonts;
    if (viz_fonts_find(&fonts, job->font, job->err, sizeof job->err) != 0) {
        return -1;
    }
    if (TTF_Init() != 0) {
        snprintf(job->err, sizeof job->err, "SDL_ttf: %s", TTF_GetError());
        return -1;
    }
    /* The sizes the first frames will want, at the size the window is asked for. */
    struct viz_view v = {0};
    v.width = job->width;
    v.height = job->height;
    v.presenter = job->presenter;
    job->text =
        viz_text_new(NULL, &fonts, layout_font_px(DL_FONT_BODY, &v), job->err, sizeof job->err);
    for (int f = 0; job->text && f < DL_FONT_COUNT; f++) {
        viz_text_preload(job->text, (enum dl_font)f, false, layout_font_px((enum dl_font)f, &v));
        viz_text_preload(job->text, (enum dl_font)f, true, layout_font_px((enum dl_font)f, &v));
    }
    return job->text ? 0 : -1;
}

/* Waits a little for a first scenario that builds fast (nine-steps takes some milliseconds),
 * so that the first picture is the scene rather than a notice that it is coming. */
static void window_wait_loader(struct window_app *a, double seconds)
{
    double until = window_now() + seconds;
    while (a->loader && !SDL_AtomicGet(&a->loader->done) && window_now() < until) {
        SDL_Delay(1);
    }
}

enum viz_window_status viz_window_run(const struct viz_window_options *o,
                                      const struct viz_host *host, char *err, size_t errlen)
{
    double t_start = window_now();
    struct window_app *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return VIZ_WINDOW_FAILED;
    }
    a->host = host;
    a->view.speed = 1;
    a->view.presenter = o->presenter;
    a->view.mouse_x = a->view.mouse_y = -1;
    a->quiz.replay_until = -1;
    a->matrix_playing = SIZE_MAX;
    dl_init(&a->dl);
    /* Fonts open on their own thread while SDL makes the window and its renderer (the
     * slowest part of start-up): neither waits for the other. */
    struct window_fonts_job job = {o->font,
                                   o->width > 0 ? o->width : 1600,
                                   o->height > 0 ? o->height : 900,
                                   o->presenter,
                                   NULL,
                                   ""};
    SDL_Thread *fonts = SDL_CreateThread(window_fonts_main, "mailsim-fonts", &job);
    if (!fonts) {
        window_fonts_main(&job);
    }
    enum viz_window_status status = window_open(a, o, err, errlen);
    if (o->timing && status == VIZ_WINDOW_OK) {
        fprintf(stderr, "mailsim: first frame after %.1f ms (%.0f ms after start)\n",
                (window_now() - t_start) * 1000, window_process_ms());
    }
    if (status == VIZ_WINDOW_OK) {
        window_set_lang(a, o->lang ? o->lang : "en");
        a->live = o->live;
        if (a->live) {
            window_live(a, 0);
            a->view.playing = true;
        } else {
            window_load(a, o->scenario);
        }
    }
    if (fonts) {
        SDL_WaitThread(fonts, NULL);
    }
    if (status == VIZ_WINDOW_OK && !job.text) {
        snprintf(err, errlen, "%s", job.err);
        status = VIZ_WINDOW_FAILED;
    } else if (status == VIZ_WINDOW_OK && !(a->rd = viz_render_adopt(a->r, job.text))) {
        snprintf(err, errlen, "out of memory");
        status = VIZ_WINDOW_FAILED;
    } else if (status == VIZ_WINDOW_OK && !a->view.strings) {
        snprintf(err, errlen, "the UI strings could not be loaded");
        status = VIZ_WINDOW_FAILED;
    } else if (status != VIZ_WINDOW_OK) {
        viz_text_free(job.text);
    }
    if (status == VIZ_WINDOW_OK) {
        window_wait_loader(a, 0.1);
        window_loop(a, o, t_start);
    }
    if (a->loader) {
        /* The run goes on in its thread and the process is about to end. */
        SDL_DetachThread(a->loader->thread);
        a->loader = NULL;
        status = status == VIZ_WINDOW_OK ? VIZ_WINDOW_BUSY : status;
    }
    window_free_trace(a);
    window_quiz_close(a);
    window_glossary_free(a);
    viz_render_free(a->rd);
    dl_free(&a->dl);
    if (a->r) {
        SDL_DestroyRenderer(a->r);
    }
    if (a->win) {
        SDL_DestroyWindow(a->win);
    }
    free(a);
    if (TTF_WasInit()) {
        TTF_Quit();
    }
    IMG_Quit();
    SDL_Quit();
    return status;
}
