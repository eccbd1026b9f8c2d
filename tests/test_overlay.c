/* test_overlay: the countermeasure matrix overlay as display-list items, without SDL — every
 * item inside the window, one row per combination with the cells' words from the words given,
 * the row of the file as written marked, long headers wrapped in their column, the one line for
 * a scenario without countermeasures, and the matrix the window keeps in both languages. */
#include "harness.h"
#include "overlay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct overlay_words words = {
    {"off", "on", "SUCCEEDS", "blocked", "works", "BROKEN"},
    "the scenario as written",
    "legitimate use",
    "combinations of countermeasures",
    "This scenario declares no countermeasures to turn on and off.",
    "Click a row (or ↑ ↓ and Enter) to play that combination",
};

/* smtp-auth-587: two countermeasures, two attacks and one legitimate use. */
static const char *const headers[] = {
    "Require SMTP AUTH on port 587",
    /* one string on purpose: a label long enough for three lines in any column of any window */
    ("Relay restriction on port 25 (mynetworks and own domain only), with a label long enough to "
     "need more than three lines in any column of any window this test draws"),
    "Spam through port 587 without credentials",
    "Spam relayed through the MX",
    "alice on the road sends with her password",
};
#define ON OVERLAY_ON
#define OFF OVERLAY_OFF
#define S OVERLAY_SUCCEEDS
#define B OVERLAY_BLOCKED
#define WK OVERLAY_WORKS
static const enum overlay_cell cells[] = {
    OFF, OFF, S, S, WK, /* */
    OFF, ON,  S, B, WK, /* */
    ON,  OFF, B, S, WK, /* */
    ON,  ON,  B, B, WK,
};

static struct overlay_table table(void)
{
    struct overlay_table t = {0};
    t.title = "SMTP AUTH on the submission port (587)";
    t.ncols = 5;
    t.ngroup = 2;
    t.headers = headers;
    t.nrows = 4;
    t.cells = cells;
    t.marked = 3;
    t.words = &words;
    return t;
}

static bool inside(const struct dl_item *it, int w, int h)
{
    const float e = 0.5f;
    if (it->kind == DL_LINE) {
        return it->x >= -e && it->y >= -e && it->x2 <= (float)w + e && it->y2 <= (float)h + e &&
               it->x2 >= -e && it->y2 >= -e && it->x <= (float)w + e && it->y <= (float)h + e;
    }
    return it->x >= -e && it->y >= -e && it->x + it->w <= (float)w + e &&
           it->y + it->h <= (float)h + e && it->w >= 0 && it->h >= 0;
}

static const char *cell_word(const char *s)
{
    for (int k = 0; k < OVERLAY_CELL_COUNT; k++) {
        if (strcmp(s, words.cell[k]) == 0) {
            return words.cell[k];
        }
    }
    return NULL;
}

static void test_table(struct harness *h, int w, int hgt, bool presenter)
{
    struct viz_view v = {0};
    v.width = w;
    v.height = hgt;
    v.scale = 1;
    v.presenter = presenter;
    struct display_list dl;
    dl_init(&dl);
    dl_clear(&dl, w, hgt);
    struct overlay_table t = table();
    struct overlay_box p = overlay_table_draw(&dl, &v, &t, 7);
    CHECK(h, dl.n > 0);
    CHECK(h, p.x >= 0 && p.y >= 0 && p.x + p.w <= (float)w && p.y + p.h <= (float)hgt);
    bool all_inside = true, all_layer = true;
    for (size_t i = 0; i < dl.n; i++) {
        all_inside = all_inside && inside(&dl.items[i], w, hgt);
        all_layer = all_layer && dl.items[i].layer == 7;
    }
    CHECK(h, all_inside);
    CHECK(h, all_layer);
    /* The cells' words, in row order: each row's on one line, one row per combination. */
    float row_y[8];
    size_t nrow = 0, ncell = 0, nmark = 0;
    bool words_right = true;
    const struct dl_item *mark = NULL;
    for (size_t i = 0; i < dl.n; i++) {
        const struct dl_item *it = &dl.items[i];
        if (it->kind != DL_TEXT) {
            continue;
        }
        const char *s = dl_text(&dl, it);
        if (strcmp(s, "*") == 0) {
            nmark++;
            mark = it;
        }
        if (!cell_word(s) || ncell >= t.nrows * t.ncols) {
            continue;
        }
        float cy = it->y + it->h / 2;
        if (nrow == 0 || fabsf(cy - row_y[nrow - 1]) > 1) {
            row_y[nrow < 8 ? nrow : 7] = cy;
            nrow++;
        }
        words_right = words_right && strcmp(s, words.cell[cells[ncell]]) == 0;
        ncell++;
    }
    CHECK_INT(h, ncell, t.nrows * t.ncols);
    CHECK_INT(h, nrow, t.nrows);
    CHECK(h, words_right);
    for (size_t r = 1; r < nrow && r < 8; r++) {
        CHECK(h, row_y[r] > row_y[r - 1]);
    }
    /* The marked row: one "*", on the last row's line, and a highlight behind that row. */
    CHECK_INT(h, nmark, 1);
    if (mark && nrow == t.nrows) {
        CHECK(h, mark->y <= row_y[3] && mark->y + mark->h >= row_y[3]);
        CHECK(h, !(mark->y <= row_y[2] && mark->y + mark->h >= row_y[2]));
    }
    bool highlight = false, footnote = false, none = false, legit = false;
    for (size_t i = 0; i < dl.n; i++) {
        const struct dl_item *it = &dl.items[i];
        if (it->kind == DL_RECT && it->stroke.a && it->y <= row_y[3] && it->y + it->h >= row_y[3] &&
            it->h < (float)hgt / 4) {
            highlight = true;
        }
        if (it->kind == DL_TEXT) {
            const char *s = dl_text(&dl, it);
            footnote = footnote || (strstr(s, words.as_written) && s[0] == '*');
            none = none || strcmp(s, words.none) == 0;
            legit = legit || strcmp(s, words.legitimate) == 0;
        }
    }
    CHECK(h, highlight);
    CHECK(h, footnote);
    CHECK(h, legit);
    CHECK(h, !none);
    /* Headers: the long one wrapped into at most three lines, inside its column; the title. */
    size_t long_lines = 0;
    bool title = false;
    for (size_t i = 0; i < dl.n; i++) {
        const struct dl_item *it = &dl.items[i];
        if (it->kind == DL_TEXT) {
            const char *s = dl_text(&dl, it);
            long_lines += strstr(headers[1], s) != NULL && strlen(s) > 3 && !cell_word(s);
            title = title || strcmp(s, t.title) == 0;
        }
    }
    CHECK(h, long_lines >= 2 && long_lines <= OVERLAY_HEADER_LINES);
    CHECK(h, title);
    dl_free(&dl);
}

static void test_none(struct harness *h)
{
    struct viz_view v = {0};
    v.width = 1280;
    v.height = 720;
    v.scale = 1;
    struct display_list dl;
    dl_init(&dl);
    dl_clear(&dl, v.width, v.height);
    struct overlay_table t = {0};
    t.title = "The nine steps of mail delivery";
    t.words = &words;
    overlay_table_draw(&dl, &v, &t, 1);
    size_t none = 0, cellw = 0;
    bool all_inside = true;
    for (size_t i = 0; i < dl.n; i++) {
        all_inside = all_inside && inside(&dl.items[i], v.width, v.height);
        if (dl.items[i].kind == DL_TEXT) {
            const char *s = dl_text(&dl, &dl.items[i]);
            none += strcmp(s, words.none) == 0;
            cellw += cell_word(s) != NULL;
        }
    }
    CHECK_INT(h, none, 1);
    CHECK_INT(h, cellw, 0);
    CHECK(h, all_inside);
    /* A message (loading, an error) instead of the table. */
    dl_clear(&dl, v.width, v.height);
    t = table();
    t.message = "Building and running the scenario…";
    overlay_table_draw(&dl, &v, &t, 1);
    bool msg = false;
    cellw = 0;
    for (size_t i = 0; i < dl.n; i++) {
        if (dl.items[i].kind == DL_TEXT) {
            const char *s = dl_text(&dl, &dl.items[i]);
            msg = msg || strcmp(s, t.message) == 0;
            cellw += cell_word(s) != NULL;
        }
    }
    CHECK(h, msg);
    CHECK_INT(h, cellw, 0);
    dl_free(&dl);
}

static void test_matrix(struct harness *h)
{
    struct overlay_matrix *m = overlay_matrix_new(4, 5, 2);
    CHECK(h, m != NULL);
    if (!m) {
        return;
    }
    CHECK_INT(h, m->marked, 4); /* none until set */
    memcpy(m->cells, cells, sizeof cells);
    m->marked = 3;
    m->title[OVERLAY_EN] = overlay_strdup("SMTP AUTH");
    m->title[OVERLAY_JA] = overlay_strdup("SMTP-AUTH とサブミッションポート");
    for (size_t c = 0; c < 5; c++) {
        m->headers[OVERLAY_EN][c] = overlay_strdup(headers[c]);
        m->headers[OVERLAY_JA][c] = overlay_strdup("対策");
    }
    struct overlay_table t;
    overlay_matrix_table(m, "ja", &words, &t);
    CHECK_STR(h, t.title, "SMTP-AUTH とサブミッションポート");
    CHECK_STR(h, t.headers[4], "対策");
    CHECK_INT(h, t.nrows, 4);
    CHECK_INT(h, t.ngroup, 2);
    CHECK_INT(h, t.marked, 3);
    CHECK(h, t.cells[2] == OVERLAY_SUCCEEDS);
    overlay_matrix_table(m, "en", &words, &t);
    CHECK_STR(h, t.title, "SMTP AUTH");
    CHECK_STR(h, t.headers[2], headers[2]);
    overlay_matrix_free(m);
    overlay_matrix_free(NULL);
}

int main(void)
{
    struct harness h = {"test_overlay", 0, 0};
    test_table(&h, 1920, 1080, false);
    test_table(&h, 1280, 720, false);
    test_table(&h, 1366, 768, true);
    test_table(&h, 800, 600, true);
    test_none(&h);
    test_matrix(&h);
    return harness_finish(&h);
}
