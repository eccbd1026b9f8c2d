/* quiz_round: a round of the study mode — its questions and their order, the question asked,
 * grading, the score — for the terminal and the window alike. */
#include "quiz_round.h"

#include <stdlib.h>
#include <string.h>

/* ---- Choosing and ordering ---- */

static uint64_t quiz_round_splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned long quiz_round_times_asked(const struct quiz_progress *p, const char *id)
{
    const struct quiz_record *r = p ? quiz_progress_find(p, id) : NULL;
    return r ? r->asked : 0;
}

/* Whether question x comes before question y in order o. */
static bool quiz_round_before(const struct quiz_bank *b, const struct quiz_progress *p,
                              enum quiz_round_order o, size_t x, size_t y)
{
    const struct quiz_question *qx = &b->q[x], *qy = &b->q[y];
    if (o == QUIZ_ROUND_BY_STEP) {
        /* the whole scenario (step 0) after step 9 */
        int sx = qx->step >= 1 ? qx->step : 10, sy = qy->step >= 1 ? qy->step : 10;
        return qx->weight != qy->weight ? qx->weight < qy->weight : sx < sy;
    }
    unsigned long ax = quiz_round_times_asked(p, qx->id), ay = quiz_round_times_asked(p, qy->id);
    return ax != ay ? ax < ay : qx->weight < qy->weight;
}

/* Whether the filter, with the progress for a review, lets q into a round. */
static bool quiz_round_takes(const struct quiz_filter *f, const struct quiz_progress *p,
                             const struct quiz_question *q)
{
    const struct quiz_record *r = p && f->review ? quiz_progress_find(p, q->id) : NULL;
    return quiz_filter_lets(f, q) && (!f->review || (r && r->last == QUIZ_LAST_WRONG));
}

size_t quiz_round_count(const struct quiz_bank *b, const struct quiz_progress *p,
                        const struct quiz_round_options *o)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        n += quiz_round_takes(&o->filter, p, &b->q[i]);
    }
    return o->count && o->count < n ? o->count : n;
}

size_t quiz_round_select(const struct quiz_bank *b, const struct quiz_progress *p,
                         const struct quiz_round_options *o, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (quiz_round_takes(&o->filter, p, &b->q[i])) {
            out[n++] = i;
        }
    }
    uint64_t s = o->seed;
    for (size_t i = n; o->order == QUIZ_ROUND_SHUFFLED && i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(quiz_round_splitmix(&s) % i);
        size_t t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    /* A stable insertion sort: among equals the shuffled order, or the bank's. */
    for (size_t i = 1; i < n; i++) {
        size_t v = out[i];
        size_t j = i;
        while (j > 0 && quiz_round_before(b, p, o->order, v, out[j - 1])) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = v;
    }
    return o->count && o->count < n ? o->count : n;
}

/* ---- The round ---- */

void quiz_round_free(struct quiz_round *r)
{
    free(r->order);
    free(r->wrong);
    memset(r, 0, sizeof *r);
}

/* The question at r->cur is asked: what the progress said of it until now. */
static void quiz_round_ask(struct quiz_round *r)
{
    const struct quiz_question *q = quiz_round_current(r);
    const struct quiz_record *rec =
        q && r->progress ? quiz_progress_find(r->progress, q->id) : NULL;
    r->answered = r->right = false;
    r->asked_before = rec ? rec->asked : 0;
    r->right_before = rec ? rec->right : 0;
}

int quiz_round_start(struct quiz_round *r, const struct quiz_bank *b, const struct quiz_progress *p,
                     const struct quiz_round_options *o)
{
    quiz_round_free(r);
    r->bank = b;
    r->progress = p;
    r->review = o->filter.review;
    r->order = malloc((b->n ? b->n : 1) * sizeof *r->order);
    r->wrong = calloc(b->n ? b->n : 1, sizeof *r->wrong);
    if (!r->order || !r->wrong) {
        quiz_round_free(r);
        r->bank = b;
        return -1;
    }
    r->n = quiz_round_select(b, p, o, r->order);
    quiz_round_ask(r);
    return 0;
}

const struct quiz_question *quiz_round_current(const struct quiz_round *r)
{
    return r->cur < r->n ? &r->bank->q[r->order[r->cur]] : NULL;
}

bool quiz_round_grade(const struct quiz_question *q, const struct quiz_answer *a)
{
    if (q->kind == QUIZ_CHOICE) {
        return a->choice == q->answer;
    }
    return q->answer_agent ? quiz_click_agent_right(q, a->agent)
                           : quiz_click_link_right(q, a->link[0], a->link[1]);
}

int quiz_round_submit(struct quiz_round *r, const struct quiz_answer *a, struct quiz_verdict *v)
{
    const struct quiz_question *q = quiz_round_current(r);
    if (!q || r->answered) {
        return -1;
    }
    memset(v, 0, sizeof *v);
    v->right = quiz_round_grade(q, a);
    v->q = q;
    v->answer.choice = q->answer;
    v->answer.agent = q->answer_agent;
    v->answer.link[0] = q->answer_link[0];
    v->answer.link[1] = q->answer_link[1];
    r->answered = true;
    r->right = v->right;
    r->asked++;
    r->nright += v->right;
    r->wrong[r->cur] = !v->right;
    return 0;
}

bool quiz_round_next(struct quiz_round *r)
{
    if (r->cur < r->n) {
        r->cur++;
    }
    quiz_round_ask(r);
    return r->cur < r->n;
}

size_t quiz_round_missed(const struct quiz_round *r, const struct quiz_question **out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->wrong[i]) {
            if (k < cap) {
                out[k] = &r->bank->q[r->order[i]];
            }
            k++;
        }
    }
    return k;
}
