/* quiz_check: what a question of the study mode checks against the run it belongs to — one claim
 * (claims.h: the vocabulary), optionally with countermeasures switched:
 *   check = { ["with": {COUNTERMEASURE: true|false, ...}], CLAIM }  exactly one claim
 * A check is checked against a real run of its scenario (built and run like `mailsim run`, or
 * with "with" as `mailsim matrix` does), so the bank cannot teach what the simulation does not
 * do. */
#ifndef MAILSIM_QUIZ_CHECK_H
#define MAILSIM_QUIZ_CHECK_H

#include "quiz_runs.h"
#include "scenario_json.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Checks the form of a check object at c's path (the claim, its fields and types, and "with";
 * not whether the agents or taps it names exist: the run decides that). 0, or -1 with c's
 * error. */
int quiz_check_validate(struct scenario_ctx *c, const cJSON *check);

/* The name of the check's claim ("step_port"), for messages. */
const char *quiz_check_claim_name(const cJSON *check);

/* Evaluates a validated check against the run of scenario. Returns 1 when the claim holds, 0
 * when it does not (why says what the run shows instead), -1 when the run cannot be made (why
 * says why). */
int quiz_check_eval(struct quiz_runs *r, const char *scenario, const cJSON *check, char *why,
                    size_t whylen);

#endif
