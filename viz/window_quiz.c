/* window_quiz: the study mode in the window (学習モード, key Q) — a round over the questions of
 * the scenario shown: playback paused at the question's step, an answer by number key or by a
 * click on the diagram, the explanation while the step's lines replay, the score, a review of
 * what was answered wrong — and the glossary (key G). Questions, progress and the glossary come
 * from the application through struct viz_host. */
#include "window_int.h"

#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The scenario as the host takes it: NULL for the default. */
static const char *window_quiz_scenario(const struct window_app *a)
{
    return a->current[0] ? a->current : NULL;
}

static bool window_quiz_available(const struct window_app *a)
{
    const struct viz_host *h = a->host;
    return h->quiz_questions && h->quiz_record && h->quiz_history && !a->live;
}

static void window_quiz_free_round(struct window_quiz *z)
{
    free(z->q);
    free(z->round);
    free(z->wrong);
    z->q = NULL;
    z->round = NULL;
    z->wrong = NULL;
    z->nq = z->nround = z->cur = 0;
}

void window_quiz_close(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    window_quiz_free_round(z);
    z->open = false;
    z->replay_until = -1;
    z->box.w = 0;
}

/* The moment a question is asked at: its step's first mark, or the end for the whole scenario
 * (or a step this run does not have). */
static double window_quiz_step_start(const struct window_app *a, int step)
{
    double p = step >= 1 ? viz_timeline_step_time(a->tl, step) : -1;
    return p >= 0 ? p : viz_timeline_duration(a->tl);
}

static const struct viz_quiz_question *window_quiz_current(const struct window_app *a)
{
    const struct window_quiz *z = &a->quiz;
    return z->open && z->cur < z->nround ? &z->q[z->round[z->cur]] : NULL;
}

static void window_quiz_ask(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    struct viz_view *v = &a->view;
    const struct viz_quiz_question *q = window_quiz_current(a);
    z->phase = QUIZ_OVERLAY_ASK;
    z->asked_before = z->right_before = 0;
    if (q) {
        a->host->quiz_history(a->host->ctx, q->id, &z->asked_before, &z->right_before);
    }
    v->p = q && a->tl ? window_quiz_step_start(a, q->step) : v->p;
    v->playing = false;
    v->selected = DL_TARGET_NONE;
    v->selected_id = 0;
    v->focus_conn = 0;
    z->replay_until = -1;
}

/* Starts a round over the questions picked (all when pick is NULL). */
static void window_quiz_start(struct window_app *a, const bool *pick, bool review)
{
    struct window_quiz *z = &a->quiz;
    size_t *all = malloc((z->nq ? z->nq : 1) * sizeof *all);
    if (!all) {
        return;
    }
    quiz_overlay_order(z->q, z->nq, all);
    z->nround = 0;
    for (size_t i = 0; i < z->nq; i++) {
        if (!pick || pick[all[i]]) {
            z->round[z->nround++] = all[i];
        }
    }
    free(all);
    memset(z->wrong, 0, z->nq * sizeof *z->wrong);
    z->cur = 0;
    z->asked = z->nright = 0;
    z->review = review;
    window_quiz_ask(a);
}

/* Fetches the scenario's questions in the window's language into z->q. 0, or -1. */
static int window_quiz_fetch(struct window_app *a, struct window_quiz *z)
{
    size_t n = a->host->quiz_questions(a->host->ctx, window_quiz_scenario(a), a->lang, NULL, 0);
    if (n == 0) {
        return -1;
    }
    z->q = calloc(n, sizeof *z->q);
    z->round = calloc(n, sizeof *z->round);
    z->wrong = calloc(n, sizeof *z->wrong);
    if (!z->q || !z->round || !z->wrong) {
        window_quiz_free_round(z);
        return -1;
    }
    z->nq = a->host->quiz_questions(a->host->ctx, window_quiz_scenario(a), a->lang, z->q, n);
    z->nq = z->nq < n ? z->nq : n;
    return 0;
}

void window_quiz_toggle(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    if (z->open) {
        window_quiz_close(a);
        return;
    }
    if (!window_quiz_available(a)) {
        window_notice(a, a->words.quiz_unavailable, NULL);
        return;
    }
    if (!a->tl || a->loader) {
        window_notice(a, a->words.loading, NULL);
        return;
    }
    if (window_quiz_fetch(a, z) != 0) {
        window_notice(a, a->words.quiz_none, a->current[0] ? a->current : NULL);
        return;
    }
    z->open = true;
    z->warned = false;
    a->list_open = a->matrix_open = false;
    a->view.help = false;
    a->glossary.open = false;
    window_quiz_start(a, NULL, false);
}

static void window_quiz_answer(struct window_app *a, bool right)
{
    struct window_quiz *z = &a->quiz;
    struct viz_view *v = &a->view;
    const struct viz_quiz_question *q = window_quiz_current(a);
    if (!q || z->phase != QUIZ_OVERLAY_ASK) {
        return;
    }
    z->phase = QUIZ_OVERLAY_ANSWERED;
    z->right = right;
    z->asked++;
    z->nright += right;
    z->wrong[z->round[z->cur]] = !right;
    char err[512];
    if (a->host->quiz_record(a->host->ctx, q->id, right, err, sizeof err) != 0 && !z->warned) {
        fprintf(stderr, "mailsim: %s\n", err);
        window_notice(a, a->words.quiz_not_saved, err);
        z->warned = true;
    }
    /* The lines that show why: the step played again, so the transcript fills once more. */
    double start = q->step >= 1 ? window_quiz_step_start(a, q->step) : 0;
    double next = a->tl ? viz_timeline_next_step(a->tl, start) : start;
    bool whole = q->step < 1 || viz_timeline_step_time(a->tl, q->step) < 0;
    v->p = whole ? 0 : start;
    z->replay_until = whole || next <= start ? viz_timeline_duration(a->tl) : next;
    v->playing = true;
}

void window_quiz_answer_choice(struct window_app *a, int n)
{
    const struct viz_quiz_question *q = window_quiz_current(a);
    if (q && q->kind == VIZ_QUIZ_CHOICE && n >= 1 && (size_t)n <= q->nchoices) {
        window_quiz_answer(a, (size_t)(n - 1) == q->answer);
    }
}

static bool window_quiz_inside(struct overlay_box b, float x, float y)
{
    return b.w > 0 && x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
}

static size_t window_quiz_agent_named(const struct trace *tr, const char *id)
{
    for (size_t i = 0; id && i < tr->nagents; i++) {
        if (strcmp(trace_string(tr, tr->agents[i].id), id) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

static size_t window_quiz_link_named(const struct trace *tr, const char *const *hosts)
{
    for (size_t i = 0; hosts[0] && hosts[1] && i < tr->nlinks; i++) {
        const char *x = trace_string(tr, tr->hosts[tr->links[i].a].name);
        const char *y = trace_string(tr, tr->hosts[tr->links[i].b].name);
        if ((strcmp(x, hosts[0]) == 0 && strcmp(y, hosts[1]) == 0) ||
            (strcmp(x, hosts[1]) == 0 && strcmp(y, hosts[0]) == 0)) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* After a click answer: the right agent or link is selected, so the diagram outlines it. */
static void window_quiz_show_answer(struct window_app *a, const struct viz_quiz_question *q)
{
    size_t i = q->kind == VIZ_QUIZ_CLICK_AGENT ? window_quiz_agent_named(a->tr, q->answer_agent)
                                               : window_quiz_link_named(a->tr, q->answer_link);
    if (i != SIZE_MAX) {
        a->view.selected = q->kind == VIZ_QUIZ_CLICK_AGENT ? DL_TARGET_AGENT : DL_TARGET_LINK;
        a->view.selected_id = (uint32_t)i;
    }
}

bool window_quiz_click(struct window_app *a, float x, float y)
{
    struct window_quiz *z = &a->quiz;
    if (!z->open) {
        return false;
    }
    if (window_quiz_inside(z->box, x, y)) {
        return true; /* the panel is not the diagram */
    }
    const struct viz_quiz_question *q = window_quiz_current(a);
    if (!q || z->phase != QUIZ_OVERLAY_ASK || q->kind == VIZ_QUIZ_CHOICE || !a->tr) {
        return false;
    }
    const struct dl_item *it = dl_hit(&a->dl, x, y);
    const struct trace *tr = a->tr;
    if (!it || it->target == DL_TARGET_SCRUBBER || it->target == DL_TARGET_STEP) {
        return false; /* moving through time stays possible */
    }
    uint32_t id = it->target_id;
    if (q->kind == VIZ_QUIZ_CLICK_AGENT) {
        size_t agent = SIZE_MAX, on_host = 0;
        if (it->target == DL_TARGET_AGENT && id < tr->nagents) {
            agent = id;
        } else if (it->target == DL_TARGET_HOST && id < tr->nhosts) {
            for (size_t i = 0; i < tr->nagents; i++) {
                if (tr->agents[i].host == id) {
                    agent = i;
                    on_host++;
                }
            }
            agent = on_host == 1 ? agent : SIZE_MAX;
        }
        if (agent == SIZE_MAX) {
            window_notice(a, a->words.quiz_click_agent, NULL);
            return true;
        }
        const char *name = trace_string(tr, tr->agents[agent].id);
        window_quiz_answer(a, q->answer_agent && strcmp(name, q->answer_agent) == 0);
    } else {
        if (it->target != DL_TARGET_LINK || id >= tr->nlinks) {
            window_notice(a, a->words.quiz.keys_link, NULL);
            return true;
        }
        window_quiz_answer(a, window_quiz_link_named(tr, q->answer_link) == id);
    }
    window_quiz_show_answer(a, q);
    return true;
}

void window_quiz_next(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    if (!z->open) {
        return;
    }
    if (z->phase == QUIZ_OVERLAY_SCORE) {
        window_quiz_start(a, NULL, false); /* N again: a new full round */
    } else {
        /* answered, or skipped: a skipped question is not counted */
        z->cur++;
        if (z->cur < z->nround) {
            window_quiz_ask(a);
        } else {
            z->phase = QUIZ_OVERLAY_SCORE;
            z->replay_until = -1;
        }
    }
}

/* The questions R asks again: answered wrong in this round, or last answered wrong in the
 * progress kept between runs. Returns how many; pick when not NULL. */
static size_t window_quiz_to_review(struct window_app *a, bool *pick)
{
    struct window_quiz *z = &a->quiz;
    size_t n = 0;
    for (size_t i = 0; i < z->nq; i++) {
        unsigned long asked = 0, right = 0;
        bool w = z->wrong[i] ||
                 a->host->quiz_history(a->host->ctx, z->q[i].id, &asked, &right) == 0;
        if (pick) {
            pick[i] = w;
        }
        n += w;
    }
    return n;
}

void window_quiz_review(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    if (!z->open || z->phase != QUIZ_OVERLAY_SCORE) {
        return;
    }
    bool *pick = calloc(z->nq ? z->nq : 1, sizeof *pick);
    if (pick && window_quiz_to_review(a, pick) > 0) {
        window_quiz_start(a, pick, true);
    }
    free(pick);
}

void window_quiz_relang(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    if (z->open && z->q) {
        /* the same bank in another language: the same questions in the same order */
        a->host->quiz_questions(a->host->ctx, window_quiz_scenario(a), a->lang, z->q, z->nq);
    }
    struct window_glossary *g = &a->glossary;
    if (g->open && a->host->glossary && g->e) {
        size_t n = a->host->glossary(a->host->ctx, a->lang, g->e, g->n);
        g->n = n < g->n ? n : g->n;
    }
}

void window_quiz_update(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    if (z->open && z->replay_until >= 0 && a->view.p >= z->replay_until) {
        a->view.p = z->replay_until;
        a->view.playing = false;
        z->replay_until = -1;
    }
}

#define QUIZ_MAX_MISSED 64

void window_quiz_draw(struct window_app *a, struct display_list *dl)
{
    struct window_quiz *z = &a->quiz;
    z->box.w = 0;
    if (!z->open || a->view.help || a->matrix_open || a->list_open || a->glossary.open) {
        return; /* under another overlay: hidden, and not in the way of its clicks */
    }
    struct quiz_overlay_state s;
    memset(&s, 0, sizeof s);
    char answer[1024];
    const char *missed[QUIZ_MAX_MISSED];
    s.phase = z->phase;
    s.q = window_quiz_current(a);
    s.index = z->cur + 1;
    s.total = z->nround;
    s.review = z->review;
    s.asked_before = z->asked_before;
    s.right_before = z->right_before;
    s.right = z->right;
    s.words = &a->words.quiz;
    s.place = quiz_overlay_place(a->tr, a->tl, &a->view);
    if (s.q) {
        quiz_overlay_answer_text(a->tr, s.q, answer, sizeof answer);
        s.answer_text = answer;
    }
    if (z->phase == QUIZ_OVERLAY_SCORE) {
        s.asked = z->asked;
        s.nright = z->nright;
        for (size_t k = 0; k < z->nround && s.nmissed < QUIZ_MAX_MISSED; k++) {
            if (z->wrong[z->round[k]]) {
                missed[s.nmissed++] = z->q[z->round[k]].question;
            }
        }
        s.missed = missed;
        s.to_review = window_quiz_to_review(a, NULL);
    }
    z->box = quiz_overlay_draw(dl, &a->view, &s, WINDOW_LAYER);
}

/* ---- the glossary ---- */

void window_glossary_free(struct window_app *a)
{
    free(a->glossary.e);
    memset(&a->glossary, 0, sizeof a->glossary);
}

void window_glossary_toggle(struct window_app *a)
{
    struct window_glossary *g = &a->glossary;
    if (g->open) {
        g->open = false;
        return;
    }
    window_glossary_free(a);
    g->open = true;
    if (!a->host->glossary) {
        return; /* the overlay says it is unavailable */
    }
    size_t n = a->host->glossary(a->host->ctx, a->lang, NULL, 0);
    g->e = n ? calloc(n, sizeof *g->e) : NULL;
    if (g->e) {
        size_t got = a->host->glossary(a->host->ctx, a->lang, g->e, n);
        g->n = got < n ? got : n;
    }
}

void window_glossary_scroll(struct window_app *a, int n)
{
    struct window_glossary *g = &a->glossary;
    if (n < 0) {
        size_t back = (size_t)-n;
        g->top = g->top > back ? g->top - back : 0;
    } else {
        g->top += (size_t)n;
        g->top = g->n && g->top >= g->n ? g->n - 1 : g->top;
    }
}

void window_glossary_draw(struct window_app *a, struct display_list *dl)
{
    struct window_glossary *g = &a->glossary;
    if (!g->open) {
        return;
    }
    struct glossary_overlay o;
    memset(&o, 0, sizeof o);
    o.title = a->words.glossary_title;
    o.hint = a->words.glossary_hint;
    o.e = g->e;
    o.n = g->n;
    o.top = g->top;
    o.message = g->n ? NULL : a->words.glossary_unavailable;
    glossary_overlay_draw(dl, &a->view, &o, WINDOW_LAYER, &g->shown);
}
