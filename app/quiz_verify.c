/* quiz_verify: `mailsim quiz --verify`, each question of the bank against a run of its scenario
 * (its step occurs, a click answer names an agent or a link of it, its check holds). It uses the
 * checks of quiz_check, the runs of quiz_runs and the bank of quiz; none calls back into it. */
#include "quiz_verify.h"
#include "quiz_check.h"
#include "scenario.h"
#include "trace.h"

#include <stdbool.h>
#include <string.h>

int quiz_question_verify(struct quiz_runs *r, const struct quiz_question *q, char *why,
                         size_t whylen)
{
    const struct scenario *sc = NULL;
    const struct trace *tr = quiz_runs_get(r, q->scenario, NULL, &sc, why, whylen);
    if (!tr) {
        return 0;
    }
    if (q->kind == QUIZ_CLICK && q->answer_agent) {
        size_t i = 0;
        while (i < sc->nagents && strcmp(sc->agents[i].id, q->answer_agent) != 0) {
            i++;
        }
        if (i == sc->nagents) {
            snprintf(why, whylen, "the answer %s is no agent of %s", q->answer_agent, q->scenario);
            return 0;
        }
    } else if (q->kind == QUIZ_CLICK) {
        size_t i = 0;
        while (i < sc->nlinks && !quiz_click_link_right(q, sc->links[i].a, sc->links[i].b)) {
            i++;
        }
        if (i == sc->nlinks) {
            snprintf(why, whylen, "the answer %s - %s is no link of %s", q->answer_link[0],
                     q->answer_link[1], q->scenario);
            return 0;
        }
    }
    if (q->step > 0) {
        bool found = false;
        for (size_t i = 0; i < tr->nevents && !found; i++) {
            const struct trace_event *e = trace_event_at(tr, i);
            found = e->kind == TRACE_STEP && trace_step_n(e) == q->step;
        }
        if (!found) {
            snprintf(why, whylen, "%s has no step %d", q->scenario, q->step);
            return 0;
        }
    }
    if (q->check) {
        return quiz_check_eval(r, q->scenario, q->check, why, whylen) == 1;
    }
    return 1;
}

int quiz_verify(const struct quiz_bank *b, FILE *out)
{
    static const char *const circled[10] = {"(whole)", "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"};
    struct quiz_runs *r = quiz_runs_new();
    if (!r) {
        fprintf(out, "quiz: out of memory\n");
        return (int)b->n;
    }
    int failed = 0, checked = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct quiz_question *q = &b->q[i];
        char why[1024] = "";
        int ok = quiz_question_verify(r, q, why, sizeof why);
        const char *step = q->step >= 0 && q->step <= 9 ? circled[q->step] : "?";
        if (!ok) {
            failed++;
            fprintf(out, "FAIL  %-34s %s %s: %s\n", q->id, q->scenario, step, why);
        } else if (q->check) {
            checked++;
            fprintf(out, "ok    %-34s %s %s: %s\n", q->id, q->scenario, step,
                    quiz_check_claim_name(q->check));
        } else {
            fprintf(out, "--    %-34s %s %s: not checkable from the trace\n", q->id, q->scenario,
                    step);
        }
    }
    fprintf(out,
            "%zu questions: %d checked against a run of their scenario, %zu not checkable, "
            "%d failed\n",
            b->n, checked, b->n - (size_t)checked - (size_t)failed, failed);
    quiz_runs_free(r);
    return failed;
}
