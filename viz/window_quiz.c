/* window_quiz: the study mode in the window (学習モード, key Q) — a round over the questions of
 * the scenario shown: playback paused at the question's step, an answer by number key or by a
 * click on the diagram, the explanation while the step's lines replay, the score, a review of
 * what was answered wrong — and the glossary (key G). The round (its questions and order,
 * grading, the score, the progress) and the glossary are the application's, through struct
 * viz_host: the window shows them and reports the student's moves. */
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
    return h->quiz_start && h->quiz_state && h->quiz_answer && h->quiz_next && !a->live;
}

/* The round as the application keeps it, in the window's language. */
static void window_quiz_state(const struct window_app *a, struct quiz_overlay_state *s)
{
    memset(s, 0, sizeof *s);
    a->host->quiz_state(a->host->ctx, a->lang, s);
}

void window_quiz_close(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    z->open = false;
    z->replay_until = -1;
    a->view.quiz_asking = false;
    z->box.w = 0;
}

/* The moment a question is asked at: its step's first mark, or the end for the whole scenario
 * (or a step this run does not have). */
static double window_quiz_step_start(const struct window_app *a, int step)
{
    double p = step >= 1 ? viz_timeline_step_time(a->tl, step) : -1;
    return p >= 0 ? p : viz_timeline_duration(a->tl);
}

/* The round's question is asked: playback paused at its step. */
static void window_quiz_ask(struct window_app *a)
{
    struct viz_view *v = &a->view;
    struct quiz_overlay_state s;
    window_quiz_state(a, &s);
    v->p = s.q && a->tl ? window_quiz_step_start(a, s.q->step) : v->p;
    v->playing = false;
    v->quiz_asking = s.q != NULL;
    v->selected = DL_TARGET_NONE;
    v->selected_id = 0;
    v->focus_conn = 0;
    a->quiz.replay_until = -1;
}

/* Starts a round over the scenario's questions (review: those answered wrong); false when it
 * has none. */
static bool window_quiz_start(struct window_app *a, bool review)
{
    if (a->host->quiz_start(a->host->ctx, window_quiz_scenario(a), review) == 0) {
        return false;
    }
    window_quiz_ask(a);
    return true;
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
    if (!window_quiz_start(a, false)) {
        window_notice(a, a->words.quiz_none, a->current[0] ? a->current : NULL);
        return;
    }
    z->open = true;
    z->warned = false;
    a->list_open = a->matrix_open = false;
    a->view.help = false;
    a->glossary.open = false;
}

/* The answer to the question asked goes to the application; then its step plays again. */
static void window_quiz_answer(struct window_app *a, const struct viz_quiz_answer *ans)
{
    struct window_quiz *z = &a->quiz;
    struct viz_view *v = &a->view;
    struct quiz_overlay_state s;
    window_quiz_state(a, &s);
    if (!z->open || !s.q || s.phase != QUIZ_OVERLAY_ASK) {
        return;
    }
    int step = s.q->step;
    char err[512];
    if (a->host->quiz_answer(a->host->ctx, ans, err, sizeof err) != 0 && !z->warned) {
        fprintf(stderr, "mailsim: %s\n", err);
        window_notice(a, a->words.quiz_not_saved, err);
        z->warned = true;
    }
    /* The lines that show why: the step played again, so the transcript fills once more. */
    double start = step >= 1 ? window_quiz_step_start(a, step) : 0;
    double next = a->tl ? viz_timeline_next_step(a->tl, start) : start;
    bool whole = step < 1 || viz_timeline_step_time(a->tl, step) < 0;
    v->p = whole ? 0 : start;
    z->replay_until = whole || next <= start ? viz_timeline_duration(a->tl) : next;
    v->playing = true;
    v->quiz_asking = false; /* answered: the picture may show it all again */
}

void window_quiz_answer_choice(struct window_app *a, int n)
{
    struct quiz_overlay_state s;
    if (!a->quiz.open) {
        return;
    }
    window_quiz_state(a, &s);
    if (s.q && s.q->kind == VIZ_QUIZ_CHOICE && n >= 1 && (size_t)n <= s.q->nchoices) {
        struct viz_quiz_answer ans = {.choice = (size_t)(n - 1)};
        window_quiz_answer(a, &ans);
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
static void window_quiz_show_answer(struct window_app *a)
{
    struct quiz_overlay_state s;
    window_quiz_state(a, &s);
    const struct viz_quiz_question *q = s.q;
    if (!q || q->kind == VIZ_QUIZ_CHOICE) {
        return;
    }
    size_t i = q->kind == VIZ_QUIZ_CLICK_AGENT ? window_quiz_agent_named(a->tr, q->answer_agent)
                                               : window_quiz_link_named(a->tr, q->answer_link);
    if (i != SIZE_MAX) {
        a->view.selected = q->kind == VIZ_QUIZ_CLICK_AGENT ? DL_TARGET_AGENT : DL_TARGET_LINK;
        a->view.selected_id = (uint32_t)i;
    }
}

/* The agent a click on the diagram names: an agent's row, or a host with one agent; SIZE_MAX
 * for none. */
static size_t window_quiz_agent_at(const struct trace *tr, const struct dl_item *it)
{
    uint32_t id = it->target_id;
    if (it->target == DL_TARGET_AGENT && id < tr->nagents) {
        return id;
    }
    size_t agent = SIZE_MAX, on_host = 0;
    for (size_t i = 0; it->target == DL_TARGET_HOST && i < tr->nagents; i++) {
        if (tr->agents[i].host == id) {
            agent = i;
            on_host++;
        }
    }
    return on_host == 1 ? agent : SIZE_MAX;
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
    struct quiz_overlay_state s;
    window_quiz_state(a, &s);
    const struct viz_quiz_question *q = s.q;
    if (!q || s.phase != QUIZ_OVERLAY_ASK || q->kind == VIZ_QUIZ_CHOICE || !a->tr) {
        return false;
    }
    const struct dl_item *it = dl_hit(&a->dl, x, y);
    const struct trace *tr = a->tr;
    if (!it || it->target == DL_TARGET_SCRUBBER || it->target == DL_TARGET_STEP) {
        return false; /* moving through time stays possible */
    }
    struct viz_quiz_answer ans = {0};
    if (q->kind == VIZ_QUIZ_CLICK_AGENT) {
        size_t agent = window_quiz_agent_at(tr, it);
        if (agent == SIZE_MAX) {
            window_notice(a, a->words.quiz_click_agent, NULL);
            return true;
        }
        ans.agent = trace_string(tr, tr->agents[agent].id);
    } else {
        uint32_t id = it->target_id;
        if (it->target != DL_TARGET_LINK || id >= tr->nlinks) {
            window_notice(a, a->words.quiz.keys_link, NULL);
            return true;
        }
        ans.link[0] = trace_string(tr, tr->hosts[tr->links[id].a].name);
        ans.link[1] = trace_string(tr, tr->hosts[tr->links[id].b].name);
    }
    window_quiz_answer(a, &ans);
    window_quiz_show_answer(a);
    return true;
}

void window_quiz_next(struct window_app *a)
{
    struct window_quiz *z = &a->quiz;
    if (!z->open) {
        return;
    }
    struct quiz_overlay_state s;
    window_quiz_state(a, &s);
    if (s.phase == QUIZ_OVERLAY_SCORE) {
        window_quiz_start(a, false); /* N again: a new full round */
        return;
    }
    /* answered, or skipped: a skipped question is not counted */
    a->host->quiz_next(a->host->ctx);
    window_quiz_state(a, &s);
    if (s.q) {
        window_quiz_ask(a);
    } else {
        z->replay_until = -1;
    }
}

/* R at the score: a round of the questions answered wrong (in this round or before). */
void window_quiz_review(struct window_app *a)
{
    struct quiz_overlay_state s;
    if (!a->quiz.open) {
        return;
    }
    window_quiz_state(a, &s);
    if (s.phase == QUIZ_OVERLAY_SCORE && s.to_review > 0) {
        window_quiz_start(a, true);
    }
}

void window_quiz_relang(struct window_app *a)
{
    /* The round's question comes in the window's language every time it is shown. */
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

void window_quiz_draw(struct window_app *a, struct display_list *dl)
{
    struct window_quiz *z = &a->quiz;
    z->box.w = 0;
    if (!z->open || a->view.help || a->matrix_open || a->list_open || a->glossary.open) {
        return; /* under another overlay: hidden, and not in the way of its clicks */
    }
    struct quiz_overlay_state s;
    window_quiz_state(a, &s);
    char answer[1024];
    s.words = &a->words.quiz;
    s.place = quiz_overlay_place(a->tr, a->tl, &a->view);
    if (s.q) {
        quiz_overlay_answer_text(a->tr, s.q, answer, sizeof answer);
        s.answer_text = answer;
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
