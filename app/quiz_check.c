/* quiz_check: a question's check is a claim (claims.c parses and evaluates it) and the
 * countermeasures of the run it is checked against ("with", which quiz_runs switches). */
#include "quiz_check.h"

#include "claims.h"

#include <string.h>

static int quiz_check_with(struct scenario_ctx *c, const cJSON *with)
{
    if (!cJSON_IsObject(with) || !with->child) {
        return scenario_fail_type(c, "with", with,
                                  "an object of countermeasures {\"require_tls\": true}");
    }
    size_t old = scenario_path_key(c, "with");
    int rc = 0;
    for (const cJSON *m = with->child; m && rc == 0; m = m->next) {
        if (!scenario_is_id(m->string)) {
            rc = scenario_fail(c, NULL, "expected countermeasure ids as keys, got \"%s\"",
                               m->string);
        } else if (!cJSON_IsBool(m)) {
            rc = scenario_fail_type(c, m->string, m, "true (on) or false (off)");
        }
    }
    scenario_path_pop(c, old);
    return rc;
}

int quiz_check_validate(struct scenario_ctx *c, const cJSON *check)
{
    struct claim *cl = claims_parse(c, check, "with");
    if (!cl) {
        return -1;
    }
    claims_free(cl);
    const cJSON *with = cJSON_GetObjectItemCaseSensitive(check, "with");
    return with ? quiz_check_with(c, with) : 0;
}

const char *quiz_check_claim_name(const cJSON *check)
{
    for (const cJSON *m = check ? check->child : NULL; m; m = m->next) {
        if (strcmp(m->string, "with") != 0) {
            return m->string;
        }
    }
    return "(none)";
}

int quiz_check_eval(struct quiz_runs *r, const char *scenario, const cJSON *check, char *why,
                    size_t whylen)
{
    const cJSON *with = cJSON_GetObjectItemCaseSensitive(check, "with");
    const struct trace *tr = quiz_runs_get(r, scenario, with, NULL, why, whylen);
    if (!tr) {
        return -1;
    }
    /* The bank keeps the check as JSON: parsed again here, which cannot fail once validated. */
    struct scenario_ctx c;
    scenario_ctx_init(&c, scenario, why, whylen);
    struct claim *cl = claims_parse(&c, check, "with");
    if (!cl) {
        return -1;
    }
    int held = claims_eval(tr, cl, why, whylen);
    claims_free(cl);
    return held;
}
