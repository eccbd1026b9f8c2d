/* scenario_security: the parts of a scenario that are about attacks — taps on links, the
 * countermeasures that can be switched on and off (each a set of agent settings), the attacks
 * a run can show succeeding, and the variants of a scenario with its countermeasures switched,
 * which `mailsim matrix` runs. Part of the parser in scenario.c. */
#include "scenario.h"

#include "claims.h"
#include "scenario_json.h"
#include "scenario_parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- taps ---- */

static int scenario_parse_tap(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"name", "between", NULL};
    struct scenario_tap *t = &p->s->taps[i];
    struct scenario_ctx *c = &p->c;
    char **between = NULL;
    size_t n = 0, ia = 0, ib = 0;
    int rc = scenario_check_keys(c, o, keys, "in a tap");
    if (rc == 0) {
        rc = scenario_get_string(c, o, "name", SCENARIO_REQUIRED, scenario_is_id, SCENARIO_ID_FORM,
                                 &t->name);
    }
    if (rc == 0) {
        rc = scenario_unique(p, &p->taps, "name", t->name, i, "tap name", "$.taps");
    }
    if (rc == 0) {
        rc = scenario_get_strings(c, o, "between", SCENARIO_REQUIRED, NULL, NULL, &between, &n);
    }
    if (rc == 0 && n != 2) {
        rc =
            scenario_fail(c, "between", "expected two host names (the ends of a link), got %zu", n);
    }
    if (rc == 0) {
        t->a = between[0];
        t->b = between[1];
        between[0] = between[1] = NULL;
        size_t old = scenario_path_key(c, "between");
        size_t at = scenario_path_index(c, 0);
        rc = scenario_ref(c, NULL, t->a, &p->hosts, "a host name from $.hosts", &ia);
        scenario_path_pop(c, at);
        at = scenario_path_index(c, 1);
        if (rc == 0) {
            rc = scenario_ref(c, NULL, t->b, &p->hosts, "a host name from $.hosts", &ib);
        }
        scenario_path_pop(c, at);
        scenario_path_pop(c, old);
    }
    for (size_t k = 0; between && k < n; k++) {
        free(between[k]);
    }
    free(between);
    if (rc < 0) {
        return -1;
    }
    char key[48];
    size_t link;
    snprintf(key, sizeof key, "%zu\n%zu", ia < ib ? ia : ib, ia < ib ? ib : ia);
    if (!scenario_names_find(&p->links, key, &link)) {
        return scenario_fail(c, "between",
                             "no link between %s and %s in $.links (a tap sits on a link)", t->a,
                             t->b);
    }
    return 0;
}

int scenario_parse_taps(struct scenario_parser *p, const cJSON *root)
{
    struct scenario *s = p->s;
    const cJSON *list;
    size_t n;
    if (scenario_get_list(&p->c, root, "taps", 0, false, &list, &n) < 0 ||
        (list && scenario_alloc(&p->c, "taps", n, sizeof *s->taps, &s->taps, &s->ntaps) < 0)) {
        return -1;
    }
    return scenario_each(p, list, "taps", scenario_parse_tap);
}

/* ---- countermeasures ---- */

/* The agent object with that id in the file's agents array, or NULL. */
static cJSON *scenario_agent_object(const cJSON *root, const char *id)
{
    const cJSON *agents = cJSON_GetObjectItemCaseSensitive(root, "agents");
    for (cJSON *a = agents ? agents->child : NULL; a; a = a->next) {
        const cJSON *aid = cJSON_GetObjectItemCaseSensitive(a, "id");
        if (cJSON_IsString(aid) && aid->valuestring && strcmp(aid->valuestring, id) == 0) {
            return a;
        }
    }
    return NULL;
}

/* A setting's value as JSON text; NULL for null (the key absent). */
static int scenario_value_json(struct scenario_parser *p, const cJSON *o, const char *key,
                               char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        return scenario_fail(&p->c, NULL, "missing required key \"%s\" (null: the key is absent)",
                             key);
    }
    if (cJSON_IsNull(v)) {
        return 0;
    }
    *out = cJSON_PrintUnformatted(v);
    return *out ? 0 : scenario_fail(&p->c, key, "out of memory");
}

static bool scenario_same_json(const char *a, const char *b)
{
    if (!a || !b) {
        return a == b;
    }
    cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
    bool same = x && y && cJSON_Compare(x, y, true);
    cJSON_Delete(x);
    cJSON_Delete(y);
    return same;
}

static int scenario_parse_setting(struct scenario_parser *p, const cJSON *o,
                                  struct scenario_countermeasure *cm, size_t i, const cJSON *root)
{
    static const char *const keys[] = {"agent", "key", "on", "off", NULL};
    static const char *const fixed[] = {"id", "role", "host", NULL};
    struct scenario_setting *st = &cm->set[i];
    struct scenario_ctx *c = &p->c;
    size_t ai;
    if (scenario_check_keys(c, o, keys, "in a setting") < 0 ||
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, NULL, &st->agent) < 0 ||
        scenario_ref(c, "agent", st->agent, &p->agents, "an agent id from $.agents", &ai) < 0 ||
        scenario_get_string(c, o, "key", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &st->key) < 0 ||
        scenario_value_json(p, o, "on", &st->on_json) < 0 ||
        scenario_value_json(p, o, "off", &st->off_json) < 0) {
        return -1;
    }
    const char *role = p->s->agents[ai].role;
    const char *const *rk = scenario_role_keys(role);
    if (fixed[scenario_find_word(fixed, st->key)] || !rk || !rk[scenario_find_word(rk, st->key)]) {
        return scenario_fail(c, "key", "\"%s\" is not a setting of an agent with role %s", st->key,
                             role);
    }
    if (scenario_same_json(st->on_json, st->off_json)) {
        return scenario_fail(c, NULL, "\"on\" and \"off\" are the same value");
    }
    /* The file as written is the default state: it must say what "default" says. */
    const cJSON *now =
        cJSON_GetObjectItemCaseSensitive(scenario_agent_object(root, st->agent), st->key);
    char *now_json = now ? cJSON_PrintUnformatted(now) : NULL;
    const char *want = cm->default_on ? st->on_json : st->off_json;
    /* (A variant has the other state by design.) */
    bool same = p->variant || scenario_same_json(now_json, want);
    if (!same) {
        char has[200];
        snprintf(has, sizeof has, "%s", now_json ? now_json : "no such key");
        scenario_ellipsis(has, sizeof has, now_json ? (int)strlen(now_json) : 0);
        free(now_json);
        return scenario_fail(c, NULL,
                             "the file has the countermeasure %s (\"default\": %s), so agent "
                             "\"%s\" must have \"%s\": %s (its \"%s\" value); the file has %s",
                             cm->default_on ? "on" : "off", cm->default_on ? "true" : "false",
                             st->agent, st->key, want ? want : "absent",
                             cm->default_on ? "on" : "off", has);
    }
    free(now_json);
    for (size_t k = 0; k < p->s->ncountermeasures && p->s->countermeasures[k].set; k++) {
        const struct scenario_countermeasure *other = &p->s->countermeasures[k];
        for (size_t j = 0; j < other->nset; j++) {
            const struct scenario_setting *o2 = &other->set[j];
            if (o2 != st && o2->agent && o2->key && strcmp(o2->agent, st->agent) == 0 &&
                strcmp(o2->key, st->key) == 0) {
                return scenario_fail(c, NULL,
                                     "\"%s\" of \"%s\" is already set by the countermeasure "
                                     "\"%s\"",
                                     st->key, st->agent, other->id);
            }
        }
    }
    return 0;
}

/* What a countermeasure and an attack both have as columns of the matrix: an id, unique among
 * both lists, and a label. what and list name the entry in messages. */
static int scenario_parse_column(struct scenario_parser *p, const cJSON *o, size_t i,
                                 struct scenario_names *ids, const char *what, const char *list,
                                 char **id, struct scenario_text *label)
{
    struct scenario_ctx *c = &p->c;
    int rc =
        scenario_get_string(c, o, "id", SCENARIO_REQUIRED, scenario_is_id, SCENARIO_ID_FORM, id);
    if (rc >= 0) {
        rc = scenario_unique(p, ids, "id", *id, i, what, list);
    }
    if (rc >= 0) {
        rc = scenario_get_text(c, o, "label", SCENARIO_REQUIRED, &label->ja, &label->en);
    }
    return rc < 0 ? -1 : 0;
}

static int scenario_parse_countermeasure(struct scenario_parser *p, const cJSON *o, size_t i,
                                         const cJSON *root, struct scenario_names *ids)
{
    static const char *const keys[] = {"id", "label", "default", "set", NULL};
    struct scenario_countermeasure *cm = &p->s->countermeasures[i];
    struct scenario_ctx *c = &p->c;
    const cJSON *set;
    size_t n;
    if (scenario_check_keys(c, o, keys, "in a countermeasure") < 0 ||
        scenario_parse_column(p, o, i, ids, "countermeasure id", "$.countermeasures", &cm->id,
                              &cm->label) < 0 ||
        scenario_get_bool(c, o, "default", &cm->default_on) < 0 ||
        scenario_get_list(c, o, "set", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, false, &set, &n) <
            0 ||
        scenario_alloc(c, "set", n, sizeof *cm->set, &cm->set, &cm->nset) < 0) {
        return -1;
    }
    size_t old = scenario_path_key(c, "set"), k = 0;
    int rc = 0;
    for (const cJSON *e = set->child; e && rc == 0; e = e->next, k++) {
        size_t at = scenario_path_index(c, k);
        rc = scenario_parse_setting(p, e, cm, k, root);
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    return rc;
}

/* ---- attacks ---- */

/* succeeds_if: a mail reached a state (at an agent), or a tap recorded a finding; compiled into
 * a mail_state or a sniffed claim. */
static int scenario_parse_condition(struct scenario_parser *p, const cJSON *o,
                                    struct scenario_attack *at)
{
    static const char *const keys[] = {"mail", "state", "agent", "finding", "value", "tap", NULL};
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in succeeds_if") < 0) {
        return -1;
    }
    bool mail = cJSON_GetObjectItemCaseSensitive(o, "mail") != NULL;
    bool finding = cJSON_GetObjectItemCaseSensitive(o, "finding") != NULL;
    if (mail == finding) {
        return scenario_fail(c, NULL,
                             "expected either \"mail\" and \"state\" (a mail reached a state) or "
                             "\"finding\" (a tap recorded it), not %s",
                             mail ? "both" : "neither");
    }
    if (finding && cJSON_GetObjectItemCaseSensitive(o, "agent")) {
        return scenario_fail(c, "agent",
                             "goes with \"mail\" and \"state\" (the agent where the mail "
                             "reached the state), not with \"finding\"");
    }
    at->succeeds_if = finding ? scenario_sniff_claim(p, o) : scenario_mail_state_claim(p, o, true);
    return at->succeeds_if ? 0 : -1;
}

static int scenario_parse_attack(struct scenario_parser *p, const cJSON *o, size_t i,
                                 struct scenario_names *ids)
{
    static const char *const keys[] = {"id", "label", "legitimate", "succeeds_if", NULL};
    struct scenario_attack *at = &p->s->attacks[i];
    struct scenario_ctx *c = &p->c;
    const cJSON *cond;
    if (scenario_check_keys(c, o, keys, "in an attack") < 0 ||
        scenario_parse_column(p, o, i, ids, "attack id", "$.attacks", &at->id, &at->label) < 0 ||
        scenario_get_bool(c, o, "legitimate", &at->legitimate) < 0 ||
        scenario_get_list(c, o, "succeeds_if", SCENARIO_REQUIRED, true, &cond, NULL) < 0) {
        return -1;
    }
    size_t old = scenario_path_key(c, "succeeds_if");
    int rc = scenario_parse_condition(p, cond, at);
    scenario_path_pop(c, old);
    return rc;
}

/* Each countermeasure's other state must make a valid scenario too; tried here, once, so that
 * `mailsim matrix` never meets a broken combination it could have been told about. */
static int scenario_check_variants(struct scenario_parser *p)
{
    const struct scenario *s = p->s;
    unsigned def = scenario_default_mask(s);
    for (size_t i = 0; i < s->ncountermeasures; i++) {
        char err[1024];
        struct scenario *v = scenario_variant(s, def ^ (1u << i), err, sizeof err);
        if (!v) {
            const char *why = strstr(err, "error: ");
            size_t old = scenario_path_key(&p->c, "countermeasures");
            size_t at = scenario_path_index(&p->c, i);
            scenario_fail(&p->c, NULL, "turned %s, the scenario is not valid: %s",
                          s->countermeasures[i].default_on ? "off" : "on", why ? why + 7 : err);
            scenario_path_pop(&p->c, at);
            scenario_path_pop(&p->c, old);
            return -1;
        }
        scenario_free(v);
    }
    return 0;
}

int scenario_parse_security(struct scenario_parser *p, const cJSON *root)
{
    struct scenario *s = p->s;
    struct scenario_ctx *c = &p->c;
    const cJSON *cms, *attacks;
    size_t ncm, nat;
    if (scenario_get_list(c, root, "countermeasures", 0, false, &cms, &ncm) < 0 ||
        scenario_get_list(c, root, "attacks", 0, false, &attacks, &nat) < 0) {
        return -1;
    }
    if (ncm > SCENARIO_MAX_COUNTERMEASURES) {
        return scenario_fail(c, "countermeasures",
                             "at most %d countermeasures (the matrix runs every combination: "
                             "2^%zu worlds)",
                             SCENARIO_MAX_COUNTERMEASURES, ncm);
    }
    struct scenario_names ids = {0};
    if ((cms && scenario_alloc(c, "countermeasures", ncm, sizeof *s->countermeasures,
                               &s->countermeasures, &s->ncountermeasures) < 0) ||
        (attacks &&
         scenario_alloc(c, "attacks", nat, sizeof *s->attacks, &s->attacks, &s->nattacks) < 0)) {
        return -1;
    }
    if (scenario_names_init(&ids, ncm + nat) < 0) {
        return scenario_fail(c, NULL, "out of memory");
    }
    int rc = 0;
    size_t old = scenario_path_key(c, "countermeasures"), k = 0;
    for (const cJSON *e = cms ? cms->child : NULL; e && rc == 0; e = e->next, k++) {
        size_t at = scenario_path_index(c, k);
        rc = scenario_parse_countermeasure(p, e, k, root, &ids);
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    old = scenario_path_key(c, "attacks");
    k = 0;
    for (const cJSON *e = attacks ? attacks->child : NULL; e && rc == 0; e = e->next, k++) {
        size_t at = scenario_path_index(c, k);
        rc = scenario_parse_attack(p, e, k, &ids);
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    scenario_names_free(&ids);
    if (rc == 0 && !p->variant) {
        rc = scenario_check_variants(p);
    }
    return rc;
}

/* ---- variants ---- */

unsigned scenario_default_mask(const struct scenario *sc)
{
    unsigned mask = 0;
    for (size_t i = 0; i < sc->ncountermeasures; i++) {
        mask |= sc->countermeasures[i].default_on ? 1u << i : 0;
    }
    return mask;
}

static int scenario_apply(cJSON *root, const struct scenario_setting *st, bool on, char *err,
                          size_t errlen)
{
    cJSON *agent = scenario_agent_object(root, st->agent);
    const char *json = on ? st->on_json : st->off_json;
    if (!agent) {
        snprintf(err, errlen, "no agent \"%s\"", st->agent);
        return -1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(agent, st->key);
    if (!json) {
        return 0;
    }
    cJSON *v = cJSON_Parse(json);
    if (!v || !cJSON_AddItemToObject(agent, st->key, v)) {
        cJSON_Delete(v);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

struct scenario *scenario_variant(const struct scenario *sc, unsigned on_mask, char *err,
                                  size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(sc->source, sc->source_len);
    if (!root) {
        snprintf(err, errlen, "%s: error: cannot read the scenario again", sc->path);
        return NULL;
    }
    char why[256];
    for (size_t i = 0; i < sc->ncountermeasures; i++) {
        const struct scenario_countermeasure *cm = &sc->countermeasures[i];
        for (size_t k = 0; k < cm->nset; k++) {
            if (scenario_apply(root, &cm->set[k], (on_mask >> i) & 1u, why, sizeof why) != 0) {
                snprintf(err, errlen, "%s: error: %s", sc->path, why);
                cJSON_Delete(root);
                return NULL;
            }
        }
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) {
        snprintf(err, errlen, "%s: error: out of memory", sc->path);
        return NULL;
    }
    struct scenario *v = scenario_parse_text(text, strlen(text), sc->path, true, err, errlen);
    free(text);
    return v;
}

/* What scenario_parse_column read. */
static void scenario_free_column(char *id, struct scenario_text *label)
{
    free(id);
    scenario_text_free(label);
}

void scenario_free_security(struct scenario *s)
{
    for (size_t i = 0; s->taps && i < s->ntaps; i++) {
        free(s->taps[i].name);
        free(s->taps[i].a);
        free(s->taps[i].b);
    }
    free(s->taps);
    for (size_t i = 0; s->countermeasures && i < s->ncountermeasures; i++) {
        struct scenario_countermeasure *cm = &s->countermeasures[i];
        scenario_free_column(cm->id, &cm->label);
        for (size_t k = 0; cm->set && k < cm->nset; k++) {
            free(cm->set[k].agent);
            free(cm->set[k].key);
            free(cm->set[k].on_json);
            free(cm->set[k].off_json);
        }
        free(cm->set);
    }
    free(s->countermeasures);
    for (size_t i = 0; s->attacks && i < s->nattacks; i++) {
        struct scenario_attack *a = &s->attacks[i];
        scenario_free_column(a->id, &a->label);
        claims_free(a->succeeds_if);
    }
    free(s->attacks);
}
