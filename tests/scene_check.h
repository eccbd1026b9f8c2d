/* scene_check: helpers of test_scene — a run of a bundled scenario made the way `mailsim run`
 * makes it, the UI words, and questions asked of a display list without pixels (where an item
 * is, whether two lists are the same, whether everything lies inside the window). */
#ifndef MAILSIM_SCENE_CHECK_H
#define MAILSIM_SCENE_CHECK_H

#include "buf.h"
#include "build.h"
#include "layout.h"
#include "scenario.h"
#include "scene.h"
#include "scene_int.h"
#include "ui_strings.h"
#include "timeline_int.h"
#include "world.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The names of the bundled scenarios (the .json files of scenarios/, the tests' working directory
 * being tests/) but the schema and the load benchmark, into names[0..cap); returns how many. */
static inline size_t scenario_names(char names[][64], size_t cap)
{
    size_t n = 0;
    DIR *d = opendir("../scenarios");
    for (struct dirent *de; d && (de = readdir(d)) != NULL && n < cap;) {
        size_t len = strlen(de->d_name);
        if (len > 5 && len < 64 && strcmp(de->d_name + len - 5, ".json") == 0 &&
            strncmp(de->d_name, "scenario.schema", 15) != 0 &&
            strcmp(de->d_name, "load-100k.json") != 0) {
            snprintf(names[n++], 64, "%.*s", (int)(len - 5), de->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    return n;
}

struct run {
    struct scenario *sc;
    struct trace tr;
    struct mail_world *mw;
    struct viz_timeline *tl;
    double run_s, timeline_s;
};

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A run made the way `mailsim run` makes it: scenario_load, trace_init, build_world, run. */
static inline int run_load(struct run *r, const char *path)
{
    char err[1024];
    memset(r, 0, sizeof *r);
    double t0 = now_s();
    r->sc = scenario_load(path, err, sizeof err);
    if (!r->sc || trace_init(&r->tr) != 0) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    struct build_options opt = {0};
    r->mw = build_world(r->sc, &opt, &r->tr, err, sizeof err);
    if (!r->mw) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    mail_world_run(r->mw, r->sc->until_us ? r->sc->until_us : UINT64_MAX);
    double t1 = now_s();
    r->tl = viz_timeline_new(&r->tr);
    r->run_s = t1 - t0;
    r->timeline_s = now_s() - t1;
    return r->tl ? 0 : -1;
}

static inline void run_free(struct run *r)
{
    viz_timeline_free(r->tl);
    if (r->mw) {
        mail_world_free(r->mw);
    }
    trace_free(&r->tr);
    scenario_free(r->sc);
}

struct words {
    struct ui_strings *ui;
    struct viz_strings s;
    const char *help[3];
};

static inline void words_load(struct words *w, const char *lang)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->ui = ui_strings_load(lang, err, sizeof err);
    w->s.lang = lang;
    for (int n = 1; n <= 9; n++) {
        char key[16];
        snprintf(key, sizeof key, "step.%d", n);
        w->s.step_title[n] = w->ui ? ui_string(w->ui, key) : "step";
    }
    w->s.transcript = "Transcript";
    w->s.inspector = "Inspector";
    w->s.eavesdropper = "Eavesdropper";
    w->s.mailbox = "mailbox";
    w->s.help_title = "Keys";
    w->help[0] = "Space  play / pause";
    w->help[1] = "Left / Right  one line back / on";
    w->help[2] = "H  this help";
    w->s.help_lines = w->help;
    w->s.nhelp_lines = 3;
    w->s.paused = "paused";
    w->s.sim_time = w->ui ? ui_string(w->ui, "ui.sim_time") : "simulated";
    w->s.playing = "playing";
    w->s.word_ip = "IP";
    w->s.read = w->ui ? ui_string(w->ui, "ui.read") : "read";
    w->s.read_decrypted = w->ui ? ui_string(w->ui, "ui.read_decrypted") : "decrypted, read";
    w->s.read_unreadable = w->ui ? ui_string(w->ui, "ui.read_unreadable") : "cannot read";
    w->s.records = "TLS records";
    w->s.octets = "octets";
}

static inline struct viz_view view_at(const struct words *w, int width, int height, double p)
{
    struct viz_view v = {0};
    v.width = width;
    v.height = height;
    v.scale = 1;
    v.p = p;
    v.speed = 1;
    v.mouse_x = v.mouse_y = -1;
    v.strings = &w->s;
    return v;
}

static inline uint32_t host_by_name(const struct trace *tr, const char *name)
{
    for (uint32_t h = 0; h < tr->nhosts; h++) {
        if (strcmp(trace_string(tr, tr->hosts[h].name), name) == 0) {
            return h;
        }
    }
    return UINT32_MAX;
}

static inline const struct dl_item *find_item(const struct display_list *dl, enum dl_kind kind,
                                              enum dl_target t, uint32_t id)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == kind && it->target == t && it->target_id == id) {
            return it;
        }
    }
    return NULL;
}

static inline const struct dl_item *find_text(const struct display_list *dl, const char *needle)
{
    for (size_t i = 0; i < dl->n; i++) {
        if (dl->items[i].kind == DL_TEXT && strstr(dl_text(dl, &dl->items[i]), needle)) {
            return &dl->items[i];
        }
    }
    return NULL;
}

/* The narration as drawn: the top bar's text items of step n, joined again where the scene
 * broke the sentence into lines. */
static inline void narration(const struct display_list *dl, int n, const char *sep, char *out,
                             size_t cap)
{
    out[0] = 0;
    size_t len = 0;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_TEXT && it->target == DL_TARGET_STEP && it->target_id == (uint32_t)n &&
            it->layer == LAYER_BAR_TEXT && it->w > 200) {
            int k = snprintf(out + len, cap - len, "%s%s", len ? sep : "", dl_text(dl, it));
            len += k > 0 ? (size_t)k : 0;
            len = len < cap ? len : cap - 1;
        }
    }
}

/* The header's title of beat k as drawn: the top bar's text items of that beat, joined again
 * where the scene broke the line (the actor's name above it is no part of it). */
static inline void beat_narration(const struct display_list *dl, long k, const char *sep, char *out,
                                  size_t cap)
{
    out[0] = 0;
    size_t len = 0;
    for (size_t i = 0; k >= 0 && i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_TEXT && it->target == DL_TARGET_BEAT && it->target_id == (uint32_t)k &&
            it->layer == LAYER_BAR_TEXT && it->w > 200) {
            int m = snprintf(out + len, cap - len, "%s%s", len ? sep : "", dl_text(dl, it));
            len += m > 0 ? (size_t)m : 0;
            len = len < cap ? len : cap - 1;
        }
    }
}

/* Beat k's title in lang ("ja" or "en"), as the trace holds it. */
static inline void beat_title(const struct trace *tr, const struct viz_timeline *tl, long k,
                              const char *lang, char *out, size_t cap)
{
    const struct trace_event *e = k >= 0 ? viz_timeline_beat_event(tl, (size_t)k) : NULL;
    size_t n = 0;
    const char *t =
        e ? trace_beat_word(tr, e,
                            strcmp(lang, "ja") == 0 ? TRACE_BEAT_TITLE_JA : TRACE_BEAT_TITLE_EN, &n)
          : "";
    snprintf(out, cap, "%.*s", (int)n, t);
}

/* Removes the spaces of s, in place. */
static inline void squeeze(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (*s != ' ') {
            *d++ = *s;
        }
    }
    *d = 0;
}

static inline bool lists_equal(const struct display_list *a, const struct display_list *b)
{
    if (a->n != b->n || a->text_len != b->text_len || a->width != b->width) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (memcmp(&a->items[i], &b->items[i], sizeof a->items[i]) != 0 ||
            strcmp(dl_text(a, &a->items[i]), dl_text(b, &b->items[i])) != 0) {
            return false;
        }
    }
    return memcmp(a->text, b->text, a->text_len) == 0;
}

static inline bool items_inside(const struct display_list *dl, int w, int h)
{
    const float e = 0.5f;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        float x0, y0, x1, y1;
        switch (it->kind) {
        case DL_LINE:
            x0 = fminf(it->x, it->x2), x1 = fmaxf(it->x, it->x2);
            y0 = fminf(it->y, it->y2), y1 = fmaxf(it->y, it->y2);
            break;
        case DL_ENVELOPE:
        case DL_ICON:
            x0 = it->x - it->w / 2, x1 = it->x + it->w / 2;
            y0 = it->y - it->w / 2, y1 = it->y + it->w / 2;
            break;
        default:
            x0 = it->x, x1 = it->x + it->w, y0 = it->y, y1 = it->y + it->h;
            break;
        }
        if (x0 < -e || y0 < -e || x1 > (float)w + e || y1 > (float)h + e || it->w < 0 ||
            it->h < 0) {
            fprintf(stderr, "    item %zu (%d, \"%s\") at %.1f,%.1f..%.1f,%.1f outside %dx%d\n", i,
                    (int)it->kind, dl_text(dl, it), x0, y0, x1, y1, w, h);
            return false;
        }
    }
    return true;
}

static inline bool hosts_apart(const struct display_list *dl)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *a = &dl->items[i];
        if (a->kind != DL_RECT || a->target != DL_TARGET_HOST) {
            continue;
        }
        for (size_t j = i + 1; j < dl->n; j++) {
            const struct dl_item *b = &dl->items[j];
            if (b->kind == DL_RECT && b->target == DL_TARGET_HOST && a->x < b->x + b->w &&
                b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h) {
                fprintf(stderr, "    host boxes %u and %u overlap\n", a->target_id, b->target_id);
                return false;
            }
        }
    }
    return true;
}

/* The message content of step n of the first mail: the biggest client data on its connection. */
static inline size_t step_data(const struct run *r, int n)
{
    uint32_t conn = r->tl->marks[n].conn;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < r->tr.nevents; i++) {
        const struct trace_event *e = trace_event_at(&r->tr, i);
        if (e->kind == TRACE_DATA && e->conn == conn && e->from == TRACE_CLIENT &&
            (best == SIZE_MAX || e->bytes.len > trace_event_at(&r->tr, best)->bytes.len)) {
            best = i;
        }
    }
    return best;
}

static inline bool data_has(const struct trace *tr, const struct trace_event *e, const char *needle)
{
    return bytes_find(trace_bytes_ptr(tr, e->bytes), e->bytes.len, needle, strlen(needle)) != NULL;
}

/* The moment the first data event that starts with text is sent. */
static inline double line_p(const struct run *r, const char *text)
{
    for (size_t i = 0; i < r->tr.nevents; i++) {
        const struct trace_event *e = trace_event_at(&r->tr, i);
        if (e->kind == TRACE_DATA && e->bytes.len >= strlen(text) &&
            memcmp(trace_bytes_ptr(&r->tr, e->bytes), text, strlen(text)) == 0) {
            return viz_timeline_event_p(r->tl, i);
        }
    }
    return -1;
}

/* The middle of an event's flight, in presentation time. */
static inline double flight_mid(const struct run *r, size_t i)
{
    const struct trace_event *e = trace_event_at(&r->tr, i);
    const struct trace_conn *c = trace_conn_get(&r->tr, e->conn);
    double a = viz_timeline_event_p(r->tl, i);
    double b = viz_timeline_from_virtual(r->tl, e->t + c->latency_us);
    return (a + b) / 2;
}

#endif
