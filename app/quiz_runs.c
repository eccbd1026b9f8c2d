/* quiz_runs: the runs that questions are checked against, each scenario and combination of
 * countermeasures built and run once (as `mailsim run` and `mailsim matrix` would) and kept. */
#include "quiz_runs.h"

#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct quiz_run {
    char *scenario;
    unsigned mask;
    struct scenario *sc;
    struct trace *tr;
};

struct quiz_runs {
    struct quiz_run *v;
    size_t n, cap;
};

struct quiz_runs *quiz_runs_new(void)
{
    return calloc(1, sizeof(struct quiz_runs));
}

void quiz_runs_free(struct quiz_runs *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].scenario);
        scenario_free(r->v[i].sc);
        trace_free(r->v[i].tr);
        free(r->v[i].tr);
    }
    free(r->v);
    free(r);
}

/* Builds and runs sc (taken over by the new entry, freed on failure). */
static struct quiz_run *quiz_runs_add(struct quiz_runs *r, const char *name, unsigned mask,
                                      struct scenario *sc, char *err, size_t errlen)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct quiz_run *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            scenario_free(sc);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        r->v = v;
        r->cap = cap;
    }
    char *copy = strdup(name);
    struct trace *tr = copy ? catalog_run_scenario(sc, NULL, err, errlen) : NULL;
    if (!tr) {
        if (!copy) {
            snprintf(err, errlen, "out of memory");
        }
        free(copy);
        scenario_free(sc);
        return NULL;
    }
    struct quiz_run *run = &r->v[r->n++];
    run->scenario = copy;
    run->mask = mask;
    run->sc = sc;
    run->tr = tr;
    return run;
}

static struct quiz_run *quiz_runs_find(struct quiz_runs *r, const char *name, bool base,
                                       unsigned mask)
{
    for (size_t i = 0; i < r->n; i++) {
        struct quiz_run *run = &r->v[i];
        if (strcmp(run->scenario, name) == 0 &&
            (base ? run->mask == scenario_default_mask(run->sc) : run->mask == mask)) {
            return run;
        }
    }
    return NULL;
}

const struct trace *quiz_runs_get(struct quiz_runs *r, const char *scenario, const cJSON *with,
                                  const struct scenario **sc, char *err, size_t errlen)
{
    struct quiz_run *base = quiz_runs_find(r, scenario, true, 0);
    if (!base) {
        struct scenario *s = catalog_load(scenario, err, errlen);
        if (!s || !(base = quiz_runs_add(r, scenario, scenario_default_mask(s), s, err, errlen))) {
            return NULL;
        }
    }
    unsigned mask = base->mask;
    for (const cJSON *m = with ? with->child : NULL; m; m = m->next) {
        const struct scenario *s = base->sc;
        size_t i = 0;
        while (i < s->ncountermeasures && strcmp(s->countermeasures[i].id, m->string) != 0) {
            i++;
        }
        if (i == s->ncountermeasures) {
            char list[256] = "";
            size_t used = 0;
            for (size_t k = 0; k < s->ncountermeasures; k++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                 s->countermeasures[k].id);
                used += w > 0 && (size_t)w < sizeof list - used ? (size_t)w : 0;
            }
            snprintf(err, errlen, "scenario %s has no countermeasure \"%s\" (it has: %s)", scenario,
                     m->string, used ? list : "none");
            return NULL;
        }
        mask = cJSON_IsTrue(m) ? mask | (1u << i) : mask & ~(1u << i);
    }
    struct quiz_run *run = mask == base->mask ? base : quiz_runs_find(r, scenario, false, mask);
    if (!run) {
        struct scenario *v = scenario_variant(base->sc, mask, err, errlen);
        if (!v || !(run = quiz_runs_add(r, scenario, mask, v, err, errlen))) {
            return NULL;
        }
    }
    if (sc) {
        *sc = run->sc;
    }
    return run->tr;
}
