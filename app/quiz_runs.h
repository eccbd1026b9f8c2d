/* quiz_runs: a cache of scenario runs for checking questions against. */
#ifndef MAILSIM_QUIZ_RUNS_H
#define MAILSIM_QUIZ_RUNS_H

#include "scenario.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Runs of scenarios, each made once and kept: by bundled name and combination of
 * countermeasures. */
struct quiz_runs;
struct quiz_runs *quiz_runs_new(void);
void quiz_runs_free(struct quiz_runs *r);

/* The run of a bundled scenario (with: NULL or a "with" object). Returns the trace and, in *sc,
 * the scenario it ran (both owned by r), or NULL with a message in err. */
const struct trace *quiz_runs_get(struct quiz_runs *r, const char *scenario, const cJSON *with,
                                  const struct scenario **sc, char *err, size_t errlen);

#endif
