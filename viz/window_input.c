/* window_input: keys and the mouse become intents, and intents change the window's state —
 * the playback clock, the view, the overlays. Nothing here draws; the fixed-step update that
 * moves the clock lives here too. */
#include "window_int.h"

#include "layout.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const double window_speeds[] = {0.25, 0.5, 1, 2, 4, 8};

/* Keys and what they mean. need: 0 any modifiers, SHIFT or CTRL required. A key named twice
 * covers keyboard layouts: '+' is shift+'=' on US keyboards and shift+';' on Japanese ones. */
enum { NEED_ANY, NEED_SHIFT, NEED_CTRL };
struct window_key {
    SDL_Keycode sym;
    int need;
    enum window_intent_kind kind;
};

static const struct window_key window_keys[] = {
    /* Shift+Up/Down scroll the text panel under the pointer as the wheel does; before plain
     * Up/Down, which the first match would otherwise take */
    {SDLK_UP, NEED_SHIFT, WI_WHEEL},
    {SDLK_DOWN, NEED_SHIFT, WI_WHEEL},
    {SDLK_SPACE, NEED_ANY, WI_PLAY},
    {SDLK_RIGHT, NEED_ANY, WI_LINE_NEXT},
    {SDLK_LEFT, NEED_ANY, WI_LINE_PREV},
    {SDLK_UP, NEED_ANY, WI_STEP_PREV},
    {SDLK_PAGEUP, NEED_ANY, WI_STEP_PREV},
    {SDLK_DOWN, NEED_ANY, WI_STEP_NEXT},
    {SDLK_PAGEDOWN, NEED_ANY, WI_STEP_NEXT},
    {SDLK_HOME, NEED_ANY, WI_RESTART},
    {SDLK_PLUS, NEED_ANY, WI_FASTER},
    {SDLK_KP_PLUS, NEED_ANY, WI_FASTER},
    {SDLK_EQUALS, NEED_ANY, WI_FASTER},
    {SDLK_SEMICOLON, NEED_SHIFT, WI_FASTER},
    {SDLK_MINUS, NEED_ANY, WI_SLOWER},
    {SDLK_KP_MINUS, NEED_ANY, WI_SLOWER},
    {SDLK_l, NEED_ANY, WI_LANG},
    {SDLK_o, NEED_ANY, WI_OPEN},
    {SDLK_F1, NEED_ANY, WI_HELP},
    {SDLK_QUESTION, NEED_ANY, WI_HELP},
    {SDLK_SLASH, NEED_SHIFT, WI_HELP},
    {SDLK_F11, NEED_ANY, WI_FULLSCREEN},
    {SDLK_p, NEED_ANY, WI_PRESENTER},
    {SDLK_m, NEED_ANY, WI_MATRIX},
    {SDLK_F12, NEED_ANY, WI_SCREENSHOT},
    {SDLK_ESCAPE, NEED_ANY, WI_BACK},
    {SDLK_q, NEED_CTRL, WI_QUIT},
    {SDLK_w, NEED_CTRL, WI_QUIT},
    /* the study mode; after Ctrl+Q, which the first match takes */
    {SDLK_q, NEED_ANY, WI_QUIZ},
    {SDLK_1, NEED_ANY, WI_ANSWER},
    {SDLK_2, NEED_ANY, WI_ANSWER},
    {SDLK_3, NEED_ANY, WI_ANSWER},
    {SDLK_4, NEED_ANY, WI_ANSWER},
    {SDLK_5, NEED_ANY, WI_ANSWER},
    {SDLK_6, NEED_ANY, WI_ANSWER},
    {SDLK_KP_1, NEED_ANY, WI_ANSWER},
    {SDLK_KP_2, NEED_ANY, WI_ANSWER},
    {SDLK_KP_3, NEED_ANY, WI_ANSWER},
    {SDLK_KP_4, NEED_ANY, WI_ANSWER},
    {SDLK_KP_5, NEED_ANY, WI_ANSWER},
    {SDLK_KP_6, NEED_ANY, WI_ANSWER},
    {SDLK_n, NEED_ANY, WI_NEXT},
    {SDLK_RETURN, NEED_ANY, WI_NEXT},
    {SDLK_KP_ENTER, NEED_ANY, WI_NEXT},
    {SDLK_r, NEED_ANY, WI_REVIEW},
    {SDLK_g, NEED_ANY, WI_GLOSSARY},
};

/* While the glossary is open, keys scroll it. */
static const struct window_key window_glossary_keys[] = {
    {SDLK_UP, NEED_ANY, WI_SCROLL},     {SDLK_DOWN, NEED_ANY, WI_SCROLL},
    {SDLK_PAGEUP, NEED_ANY, WI_SCROLL}, {SDLK_PAGEDOWN, NEED_ANY, WI_SCROLL},
    {SDLK_HOME, NEED_ANY, WI_SCROLL},   {SDLK_SPACE, NEED_ANY, WI_SCROLL},
    {SDLK_g, NEED_ANY, WI_GLOSSARY},    {SDLK_l, NEED_ANY, WI_LANG},
    {SDLK_ESCAPE, NEED_ANY, WI_BACK},   {SDLK_q, NEED_CTRL, WI_QUIT},
    {SDLK_w, NEED_CTRL, WI_QUIT},
};

/* The number a key carries: a choice's, or how far it scrolls. */
static int window_key_number(SDL_Keycode sym)
{
    if (sym >= SDLK_1 && sym <= SDLK_9) {
        return (int)(sym - SDLK_0);
    }
    if (sym >= SDLK_KP_1 && sym <= SDLK_KP_9) {
        return (int)(sym - SDLK_KP_1) + 1;
    }
    switch (sym) {
    case SDLK_UP:
        return -1;
    case SDLK_DOWN:
        return 1;
    case SDLK_PAGEUP:
        return -WINDOW_PAGE;
    case SDLK_PAGEDOWN:
    case SDLK_SPACE:
        return WINDOW_PAGE;
    case SDLK_HOME:
        return -WINDOW_PAGE * 1000;
    case SDLK_END:
        return WINDOW_PAGE * 1000;
    default:
        return 0;
    }
}

/* While the scenario list is open, keys move in it. */
static const struct window_key window_list_keys[] = {
    {SDLK_UP, NEED_ANY, WI_LIST_MOVE},
    {SDLK_DOWN, NEED_ANY, WI_LIST_MOVE},
    {SDLK_PAGEUP, NEED_ANY, WI_LIST_MOVE},
    {SDLK_PAGEDOWN, NEED_ANY, WI_LIST_MOVE},
    {SDLK_HOME, NEED_ANY, WI_LIST_MOVE},
    {SDLK_END, NEED_ANY, WI_LIST_MOVE},
    {SDLK_RETURN, NEED_ANY, WI_LIST_CHOOSE},
    {SDLK_KP_ENTER, NEED_ANY, WI_LIST_CHOOSE},
    {SDLK_ESCAPE, NEED_ANY, WI_BACK},
    {SDLK_o, NEED_ANY, WI_BACK},
    {SDLK_q, NEED_CTRL, WI_QUIT},
};

/* While the matrix is open, keys choose a row; others keep their meaning (window_keys). */
static const struct window_key window_matrix_keys[] = {
    {SDLK_UP, NEED_ANY, WI_LIST_MOVE},       {SDLK_DOWN, NEED_ANY, WI_LIST_MOVE},
    {SDLK_PAGEUP, NEED_ANY, WI_LIST_MOVE},   {SDLK_PAGEDOWN, NEED_ANY, WI_LIST_MOVE},
    {SDLK_HOME, NEED_ANY, WI_LIST_MOVE},     {SDLK_END, NEED_ANY, WI_LIST_MOVE},
    {SDLK_RETURN, NEED_ANY, WI_LIST_CHOOSE}, {SDLK_KP_ENTER, NEED_ANY, WI_LIST_CHOOSE},
};

/* While the window asks whether to quit: Enter or Y quits; any other key (Esc, N, ...) is
 * WI_BACK, which takes the question away. */
static const struct window_key window_quit_keys[] = {
    {SDLK_RETURN, NEED_ANY, WI_QUIT}, {SDLK_KP_ENTER, NEED_ANY, WI_QUIT},
    {SDLK_y, NEED_ANY, WI_QUIT},      {SDLK_q, NEED_CTRL, WI_QUIT},
    {SDLK_w, NEED_CTRL, WI_QUIT},
};

static struct window_intent window_key(const struct window_app *a, const SDL_KeyboardEvent *k)
{
    struct window_intent in = {WI_NONE, 0, 0, 0};
    const struct window_key *map = window_keys;
    size_t n = sizeof window_keys / sizeof window_keys[0];
    if (a->quit_asked) {
        map = window_quit_keys;
        n = sizeof window_quit_keys / sizeof window_quit_keys[0];
    } else if (a->list_open) {
        map = window_list_keys;
        n = sizeof window_list_keys / sizeof window_list_keys[0];
    } else if (a->glossary.open) {
        map = window_glossary_keys;
        n = sizeof window_glossary_keys / sizeof window_glossary_keys[0];
    }
    bool shift = (k->keysym.mod & KMOD_SHIFT) != 0, ctrl = (k->keysym.mod & KMOD_CTRL) != 0;
    size_t nm = a->matrix_open && map == window_keys
                    ? sizeof window_matrix_keys / sizeof window_matrix_keys[0]
                    : 0;
    for (size_t i = 0; i < nm && in.kind == WI_NONE; i++) { /* the matrix's keys come first */
        if (window_matrix_keys[i].sym == k->keysym.sym && !shift) {
            in.kind = window_matrix_keys[i].kind;
        }
    }
    for (size_t i = 0; i < n && in.kind == WI_NONE; i++) {
        if (map[i].sym == k->keysym.sym && (map[i].need != NEED_SHIFT || shift) &&
            (map[i].need != NEED_CTRL || ctrl)) {
            in.kind = map[i].kind;
        }
    }
    /* Shift or Ctrl pressed on its way to Ctrl+Q is not the "other key" that says stay. */
    bool modifier = k->keysym.sym >= SDLK_LCTRL && k->keysym.sym <= SDLK_RGUI;
    if (a->quit_asked && in.kind == WI_NONE && !modifier) {
        in.kind = WI_BACK;
    }
    /* A held key repeats moves through time and through the list, not toggles. */
    in.n = window_key_number(k->keysym.sym);
    if (in.kind == WI_WHEEL) {
        in.x = a->view.mouse_x;
        in.y = a->view.mouse_y;
    }
    bool moves = in.kind == WI_LINE_NEXT || in.kind == WI_LINE_PREV || in.kind == WI_STEP_NEXT ||
                 in.kind == WI_STEP_PREV || in.kind == WI_FASTER || in.kind == WI_SLOWER ||
                 in.kind == WI_LIST_MOVE || in.kind == WI_SCROLL || in.kind == WI_WHEEL;
    if (k->repeat && !moves) {
        in.kind = WI_NONE;
    }
    return in;
}

struct window_intent window_intent_of(const struct window_app *a, const SDL_Event *e)
{
    struct window_intent in = {WI_NONE, 0, 0, 0};
    float s = a->view.scale > 0 ? a->view.scale : 1;
    switch (e->type) {
    case SDL_QUIT:
        in.kind = WI_QUIT;
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            in.kind = WI_RESIZE;
        } else if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            in.kind = WI_LEAVE;
        } else if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
                   e->window.event == SDL_WINDOWEVENT_RESTORED) {
            in.kind = WI_REDRAW;
        }
        break;
    case SDL_KEYDOWN:
        in = window_key(a, &e->key);
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT) {
            in.kind = e->type == SDL_MOUSEBUTTONDOWN ? WI_PRESS : WI_RELEASE;
            in.x = (float)e->button.x * s;
            in.y = (float)e->button.y * s;
        }
        break;
    case SDL_MOUSEMOTION:
        in.kind = WI_MOVE;
        in.x = (float)e->motion.x * s;
        in.y = (float)e->motion.y * s;
        break;
    case SDL_MOUSEWHEEL: /* SDL's y is positive away from the user: up */
        in.kind = e->wheel.y != 0 ? WI_WHEEL : WI_NONE;
        in.n = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? e->wheel.y : -e->wheel.y;
        in.x = a->view.mouse_x;
        in.y = a->view.mouse_y;
        break;
    }
    return in;
}

/* Rows a wheel notch or Shift+Up/Down scrolls a text panel by. */
#define WINDOW_PANEL_ROWS 3

/* The wheel over the transcript, the mail log or the eavesdropper's view scrolls it through
 * its history (the transcript when the pointer is over no panel); n notches down, towards
 * the newest rows. */
static void window_panel_wheel(struct window_app *a, float x, float y, int n)
{
    struct viz_view *v = &a->view;
    if (!a->tr || !a->tl) {
        return;
    }
    int panel = scene_panel_at(a->tr, a->tl, v, x, y);
    panel = panel < 0 ? VIZ_PANEL_TRANSCRIPT : panel;
    v->scroll[panel] =
        scene_panel_scroll(a->tr, a->tl, v, (enum viz_panel)panel, -WINDOW_PANEL_ROWS * n);
}

static void window_seek_x(struct window_app *a, float x)
{
    if (a->tl) {
        a->view.p = scene_p_at_x(a->tl, &a->view, x);
    }
}

void window_set_lang(struct window_app *a, const char *lang)
{
    /* Zeroed: a host that knows fewer words than the window leaves the rest NULL (shown as
     * their fallbacks), not whatever the stack held. */
    struct viz_strings s;
    struct viz_words w;
    memset(&s, 0, sizeof s);
    memset(&w, 0, sizeof w);
    if (a->host->words(a->host->ctx, lang, &s, &w) != 0) {
        return;
    }
    snprintf(a->lang, sizeof a->lang, "%s", lang);
    a->strings = s;
    a->words = w;
    a->view.strings = &a->strings;
    if (a->list_open) {
        window_list_fill(a); /* the same entries in the same order: only their titles change */
    }
    window_quiz_relang(a);
}

void window_update_size(struct window_app *a)
{
    int ww, wh, dw, dh;
    SDL_GetWindowSize(a->win, &ww, &wh);
    if (SDL_GetRendererOutputSize(a->r, &dw, &dh) != 0) {
        dw = ww;
        dh = wh;
    }
    a->view.width = dw;
    a->view.height = dh;
    /* High-DPI: the scene lays out in drawable pixels; the mouse comes in window units. */
    a->view.scale = ww > 0 ? (float)dw / (float)ww : 1;
}

/* ---- the scenario list ---- */

/* The order of the list (O): an attack beside the scenario of its countermeasure, and lessons
 * on one subject together, a group a row. The scenarios carry no field that pairs them, so the
 * pairs are written here, once; a scenario not named here comes after them all, in the host's
 * order. */
#define WINDOW_GROUP_MAX 6
static const char *const window_list_groups[][WINDOW_GROUP_MAX] = {
    {"nine-steps", "retry-and-bounce", "envelope-vs-header"},
    /* relaying: who may send through a server */
    {"open-relay", "relay-restricted", "smtp-auth-587", "pop-before-smtp", "header-injection"},
    /* what a tap reads, and encryption hop by hop */
    {"sniff-plaintext", "starttls-all-hops", "starttls-stripping", "smtps-one-hop"},
    /* retrieval: the POP3 password */
    {"apop", "pop3s", "ssh-tunnel"},
    /* end to end, and what PPAP is not */
    {"smime", "pgp", "ppap"},
    {"load-100k"},
};
#define WINDOW_GROUPS (sizeof window_list_groups / sizeof window_list_groups[0])

/* Where an id stands in window_list_groups, its group into *group; SIZE_MAX and the group
 * after the last when it is not there. */
static size_t window_list_rank(const char *id, int *group)
{
    for (size_t g = 0; g < WINDOW_GROUPS; g++) {
        for (size_t i = 0; i < WINDOW_GROUP_MAX && window_list_groups[g][i]; i++) {
            if (id && strcmp(window_list_groups[g][i], id) == 0) {
                *group = (int)g;
                return g * WINDOW_GROUP_MAX + i;
            }
        }
    }
    *group = (int)WINDOW_GROUPS;
    return SIZE_MAX;
}

void window_list_fill(struct window_app *a)
{
    struct viz_scenario_entry got[WINDOW_MAX_SCENARIOS];
    size_t n = a->host->scenarios(a->host->ctx, a->lang, got, WINDOW_MAX_SCENARIOS);
    n = n < WINDOW_MAX_SCENARIOS ? n : WINDOW_MAX_SCENARIOS;
    size_t rank[WINDOW_MAX_SCENARIOS];
    int group[WINDOW_MAX_SCENARIOS];
    for (size_t i = 0; i < n; i++) {
        rank[i] = window_list_rank(got[i].id, &group[i]);
    }
    /* A stable insertion sort by rank: unranked entries keep the host's order at the end. */
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j > 0 && rank[j - 1] > rank[i]; j--) {
        }
        struct viz_scenario_entry e = got[i];
        size_t r = rank[i];
        int g = group[i];
        memmove(&got[j + 1], &got[j], (i - j) * sizeof got[0]);
        memmove(&rank[j + 1], &rank[j], (i - j) * sizeof rank[0]);
        memmove(&group[j + 1], &group[j], (i - j) * sizeof group[0]);
        got[j] = e;
        rank[j] = r;
        group[j] = g;
    }
    memcpy(a->list, got, n * sizeof got[0]);
    memcpy(a->list_group, group, n * sizeof group[0]);
    a->nlist = n;
    a->list_sel = a->list_sel < n ? a->list_sel : 0;
    window_list_show(a);
}

struct window_list_geom window_list_layout(const struct window_app *a)
{
    struct window_list_geom g;
    const struct viz_view *v = &a->view;
    g.body_px = layout_font_px(DL_FONT_BODY, v);
    g.title_px = layout_font_px(DL_FONT_TITLE, v);
    g.pad = (float)g.body_px;
    g.row_h = (float)g.body_px * 2.2f;
    float w = (float)v->width * 0.6f,
          h = g.pad * 3 + (float)g.title_px * 1.6f + g.row_h * (float)(a->nlist + 1);
    h = h > (float)v->height * 0.9f ? (float)v->height * 0.9f : h;
    g.panel = (SDL_FRect){((float)v->width - w) / 2, ((float)v->height - h) / 2, w, h};
    g.row_y0 = g.panel.y + g.pad + (float)g.title_px * 1.6f;
    /* Rows fill the panel down to the hint's line at its foot. */
    float room = g.panel.y + g.panel.h - g.row_h - g.pad / 2 - g.row_y0;
    size_t fit = room > 0 ? (size_t)(room / g.row_h + 0.01f) : 0;
    fit = fit > 0 ? fit : 1;
    g.rows = fit < a->nlist ? fit : a->nlist;
    return g;
}

/* Scrolls the list (moves list_top) so that list_sel is shown, and no further than its end. */
void window_list_show(struct window_app *a)
{
    size_t rows = window_list_layout(a).rows;
    if (a->list_sel < a->list_top) {
        a->list_top = a->list_sel;
    } else if (rows > 0 && a->list_sel >= a->list_top + rows) {
        a->list_top = a->list_sel + 1 - rows;
    }
    size_t last = a->nlist > rows ? a->nlist - rows : 0;
    a->list_top = a->list_top < last ? a->list_top : last;
}

/* The wheel: the rows move by n (negative: up), and the selection stays among those shown. */
static void window_list_scroll(struct window_app *a, int n)
{
    size_t rows = window_list_layout(a).rows;
    size_t last = a->nlist > rows ? a->nlist - rows : 0;
    long top = (long)a->list_top + n;
    a->list_top = top < 0 ? 0 : (size_t)top > last ? last : (size_t)top;
    if (a->list_sel < a->list_top) {
        a->list_sel = a->list_top;
    } else if (rows > 0 && a->list_sel >= a->list_top + rows) {
        a->list_sel = a->list_top + rows - 1;
    }
}

/* Keys: the selection moves by n rows (±WINDOW_PAGE: a page; more: to the first or last). */
static void window_list_move(struct window_app *a, int n)
{
    long rows = (long)window_list_layout(a).rows, last = (long)a->nlist - 1;
    long by = n >= WINDOW_PAGE * 1000 || n <= -WINDOW_PAGE * 1000 ? (long)n * (last + 1)
              : n >= WINDOW_PAGE                                  ? rows
              : n <= -WINDOW_PAGE                                 ? -rows
                                                                  : n;
    long sel = (long)a->list_sel + by;
    a->list_sel = last < 0 || sel < 0 ? 0 : sel > last ? (size_t)last : (size_t)sel;
    window_list_show(a);
}

static int window_list_row_at(const struct window_app *a, float x, float y)
{
    struct window_list_geom g = window_list_layout(a);
    if (x < g.panel.x || x > g.panel.x + g.panel.w || y < g.row_y0) {
        return -1;
    }
    size_t row = (size_t)((y - g.row_y0) / g.row_h);
    return row < g.rows && a->list_top + row < a->nlist ? (int)(a->list_top + row) : -1;
}

/* The row of the scenario on screen: its name is the file name without ".json". */
static size_t window_list_current(const struct window_app *a)
{
    const char *base = strrchr(a->current, '/');
    base = base ? base + 1 : a->current;
    size_t len = strlen(base);
    len = len > 5 && strcmp(base + len - 5, ".json") == 0 ? len - 5 : len;
    for (size_t i = 0; i < a->nlist; i++) {
        if (strlen(a->list[i].id) == len && strncmp(a->list[i].id, base, len) == 0) {
            return i;
        }
    }
    return 0;
}

static void window_choose(struct window_app *a, size_t row)
{
    if (row < a->nlist) {
        a->list_open = false;
        window_load(a, a->list[row].id);
    }
}

/* ---- applying intents ---- */

static void window_press(struct window_app *a, float x, float y)
{
    struct viz_view *v = &a->view;
    if (a->quit_asked) { /* a click is a key other than Enter: stay */
        a->quit_asked = false;
        return;
    }
    if (a->list_open) {
        int row = window_list_row_at(a, x, y);
        if (row >= 0) {
            window_choose(a, (size_t)row);
        } else {
            struct window_list_geom g = window_list_layout(a);
            bool inside = x >= g.panel.x && x <= g.panel.x + g.panel.w && y >= g.panel.y &&
                          y <= g.panel.y + g.panel.h;
            a->list_open = inside;
        }
        return;
    }
    if (a->matrix_open) { /* a click on a row plays it; beside the table, closes it */
        struct overlay_box b = a->matrix_box;
        int row = window_matrix_row_at(a, x, y);
        a->matrix_open = x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
        if (row >= 0) {
            window_matrix_choose(a, (size_t)row);
        }
        return;
    }
    if (a->glossary.open || (!v->help && window_quiz_click(a, x, y))) {
        return; /* the glossary covers all; a question takes its answer */
    }
    if (scene_note_at(&a->dl, x, y)) {
        v->note_open = !v->note_open; /* the narration's whole text, or two lines again */
        return;
    }
    const struct dl_item *it = dl_hit(&a->dl, x, y);
    if (!it) {
        v->selected = DL_TARGET_NONE;
        v->selected_id = 0;
    } else if (it->target == DL_TARGET_SCRUBBER) {
        a->dragging = true;
        window_seek_x(a, x);
    } else if (it->target == DL_TARGET_STEP || it->target == DL_TARGET_BEAT) {
        double p = !a->tl ? -1
                   : it->target == DL_TARGET_BEAT
                       ? viz_timeline_beat_time(a->tl, it->target_id)
                       : viz_timeline_step_time(a->tl, (int)it->target_id);
        if (p >= 0) {
            v->p = p;
        }
    } else {
        v->selected = it->target;
        v->selected_id = it->target_id;
        if (it->target == DL_TARGET_CONN) {
            v->focus_conn = it->target_id;
        }
    }
}

static void window_back(struct window_app *a)
{
    struct viz_view *v = &a->view;
    if (a->quit_asked) {
        a->quit_asked = false;
    } else if (a->list_open) {
        a->list_open = false;
    } else if (a->glossary.open) {
        a->glossary.open = false;
    } else if (a->matrix_open) {
        a->matrix_open = false;
    } else if (v->help) {
        v->help = false;
    } else if (a->quiz.open) {
        window_quiz_close(a);
    } else if (v->selected != DL_TARGET_NONE || v->focus_conn) {
        v->selected = DL_TARGET_NONE;
        v->selected_id = 0;
        v->focus_conn = 0;
    } else if (a->matrix_return) { /* after a row of the matrix, back to the matrix, once */
        a->matrix_open = true;
        a->matrix_return = false;
    } else if (a->words.quit_question) {
        a->quit_asked = true; /* one Esc too many must not end the lesson */
    } else {
        a->quit = true;
    }
}

bool window_panel_open(const struct window_app *a)
{
    return a->quit_asked || a->list_open || a->glossary.open || a->matrix_open || a->view.help;
}

/* After an intent: the first panel to open pauses playback, and the last to close resumes it
 * if it ran before. Not when the study mode opened meanwhile: it plays what it asks about. */
static void window_panels_pause(struct window_app *a, bool was_open, bool quiz_was_open)
{
    struct viz_view *v = &a->view;
    bool open = window_panel_open(a);
    if (!was_open && open) {
        a->resume = v->playing;
        v->playing = false;
    } else if (was_open && !open) {
        bool at_end = !a->tl || v->p >= viz_timeline_duration(a->tl);
        v->playing = v->playing || (a->resume && !at_end && a->quiz.open == quiz_was_open);
        a->resume = false;
    }
}

static void window_speed(struct window_app *a, int dir)
{
    size_t n = sizeof window_speeds / sizeof window_speeds[0], i = 0;
    while (i + 1 < n && window_speeds[i] < a->view.speed - 1e-9) {
        i++;
    }
    if (dir > 0 && i + 1 < n) {
        i++;
    } else if (dir < 0 && i > 0) {
        i--;
    }
    a->view.speed = window_speeds[i];
}

void window_apply(struct window_app *a, struct window_intent in)
{
    struct viz_view *v = &a->view;
    const struct viz_timeline *tl = a->tl;
    double duration = tl ? viz_timeline_duration(tl) : 0;
    bool panel_was_open = window_panel_open(a), quiz_was_open = a->quiz.open;
    switch (in.kind) {
    case WI_NONE:
        return;
    case WI_QUIT:
        a->quit = true;
        break;
    case WI_BACK:
        window_back(a);
        break;
    case WI_PLAY:
        if (tl && !v->playing && v->p >= duration) {
            v->p = 0; /* play again from the start */
        }
        v->playing = tl && !v->playing;
        a->resume = false; /* chosen under a panel: it stays so when the panel closes */
        break;
    case WI_LINE_NEXT:
    case WI_LINE_PREV:
    case WI_STEP_NEXT:
    case WI_STEP_PREV:
        if (tl) {
            v->playing = false; /* stepping is for looking: the clock waits */
            v->p = in.kind == WI_LINE_NEXT   ? viz_timeline_next_line(tl, v->p)
                   : in.kind == WI_LINE_PREV ? viz_timeline_prev_line(tl, v->p)
                   : in.kind == WI_STEP_NEXT ? viz_timeline_next_beat(tl, v->p)
                                             : viz_timeline_prev_beat(tl, v->p);
        }
        break;
    case WI_RESTART: /* back to the start, playing or paused as before */
        v->p = 0;
        v->playing = tl && v->playing;
        break;
    case WI_FASTER:
    case WI_SLOWER:
        window_speed(a, in.kind == WI_FASTER ? 1 : -1);
        break;
    case WI_LANG:
        window_set_lang(a, strcmp(a->lang, "ja") == 0 ? "en" : "ja");
        break;
    case WI_OPEN:
        a->list_open = !a->list_open;
        if (a->list_open) {
            v->help = false;
            a->matrix_open = false;
            window_list_fill(a);
            a->list_sel = window_list_current(a);
            window_list_show(a);
        }
        break;
    case WI_HELP:
        v->help = !v->help;
        a->list_open = false;
        a->matrix_open = false;
        break;
    case WI_MATRIX:
        a->matrix_open = !a->matrix_open;
        a->matrix_return = a->matrix_return && !a->matrix_open;
        v->help = v->help && !a->matrix_open;
        break;
    case WI_FULLSCREEN:
        a->fullscreen = !a->fullscreen;
        SDL_SetWindowFullscreen(a->win, a->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        window_update_size(a);
        break;
    case WI_PRESENTER:
        v->presenter = !v->presenter;
        break;
    case WI_SCREENSHOT:
        a->shot_wanted = true;
        break;
    case WI_LIST_MOVE:
        if (a->matrix_open && !a->list_open) {
            window_matrix_move(a, in.n);
        } else {
            window_list_move(a, in.n);
        }
        break;
    case WI_LIST_CHOOSE:
        if (a->matrix_open && !a->list_open) {
            window_matrix_choose(a, a->matrix_sel);
        } else {
            window_choose(a, a->list_sel);
        }
        break;
    case WI_QUIZ:
        window_quiz_toggle(a);
        break;
    case WI_ANSWER:
        window_quiz_answer_choice(a, in.n);
        break;
    case WI_NEXT:
        window_quiz_next(a);
        break;
    case WI_REVIEW:
        window_quiz_review(a);
        break;
    case WI_GLOSSARY:
        window_glossary_toggle(a);
        break;
    case WI_SCROLL: {
        int page = a->glossary.shown > 0 ? (int)a->glossary.shown : 1;
        int n = in.n;
        n = n >= WINDOW_PAGE           ? page
            : n <= -WINDOW_PAGE * 1000 ? -(int)a->glossary.n - 1
            : n <= -WINDOW_PAGE        ? -page
                                       : n;
        window_glossary_scroll(a, n);
        break;
    }
    case WI_WHEEL:
        if (a->list_open) {
            window_list_scroll(a, in.n);
        } else if (a->glossary.open) {
            window_glossary_scroll(a, in.n);
        } else {
            window_panel_wheel(a, in.x, in.y, in.n);
        }
        break;
    case WI_PRESS:
        window_press(a, in.x, in.y);
        break;
    case WI_MOVE:
        v->mouse_x = in.x;
        v->mouse_y = in.y;
        if (a->dragging) {
            window_seek_x(a, in.x);
        } else if (a->list_open) {
            int row = window_list_row_at(a, in.x, in.y);
            a->list_sel = row >= 0 ? (size_t)row : a->list_sel;
        } else if (a->matrix_open) {
            int row = window_matrix_row_at(a, in.x, in.y);
            a->matrix_sel = row >= 0 ? (size_t)row : a->matrix_sel;
        }
        break;
    case WI_RELEASE:
        a->dragging = false;
        break;
    case WI_LEAVE:
        v->mouse_x = v->mouse_y = -1;
        break;
    case WI_RESIZE:
        window_update_size(a);
        break;
    case WI_REDRAW:
        break;
    }
    window_panels_pause(a, panel_was_open, quiz_was_open);
    a->dirty = true;
}

void window_update(struct window_app *a, double dt)
{
    struct viz_view *v = &a->view;
    if (a->tl && v->playing && !a->dragging) {
        double duration = viz_timeline_duration(a->tl);
        v->p += dt * v->speed;
        if (v->p >= duration) {
            v->p = duration;
            v->playing = false;
        }
    }
    window_quiz_update(a);
}
