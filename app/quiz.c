/* quiz: the question bank — read and checked with the scenario parser's JSON walker, so a bad
 * bank is reported like a bad scenario (file, line:column or JSON path, what was expected) —
 * and the filters that pick questions. */
#include "quiz.h"

#include "buf.h"
#include "catalog.h"
#include "paths.h"
#include "quiz_check.h"
#include "scenario.h"
#include "scenario_json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIZ_LIST_NAME(name, text) text,
static const char *const quiz_topic_names[] = {QUIZ_TOPICS(QUIZ_LIST_NAME) NULL};
static const char *const quiz_weight_names[] = {QUIZ_WEIGHTS(QUIZ_LIST_NAME) NULL};
#undef QUIZ_LIST_NAME

#define QUIZ_BANK_MAX_BYTES (8u << 20)
#define QUIZ_MAX_BUNDLED 64

const char *quiz_topic_name(enum quiz_topic t)
{
    return (unsigned)t < QUIZ_TOPIC_COUNT ? quiz_topic_names[t] : NULL;
}

int quiz_topic_find(const char *name)
{
    size_t k = scenario_find_word(quiz_topic_names, name);
    return quiz_topic_names[k] ? (int)k : -1;
}

const char *quiz_weight_name(enum quiz_weight w)
{
    return (unsigned)w < QUIZ_WEIGHT_COUNT ? quiz_weight_names[w] : NULL;
}

int quiz_weight_find(const char *name)
{
    size_t k = scenario_find_word(quiz_weight_names, name);
    return quiz_weight_names[k] ? (int)k : -1;
}

const struct quiz_text *quiz_text_in(const struct quiz_question *q, const char *lang)
{
    return lang && strcmp(lang, "ja") == 0 ? &q->ja : &q->en;
}

bool quiz_click_agent_right(const struct quiz_question *q, const char *agent)
{
    return q->kind == QUIZ_CLICK && q->answer_agent && agent && strcmp(q->answer_agent, agent) == 0;
}

bool quiz_click_link_right(const struct quiz_question *q, const char *a, const char *b)
{
    if (q->kind != QUIZ_CLICK || !q->answer_link[0] || !a || !b) {
        return false;
    }
    const char *x = q->answer_link[0], *y = q->answer_link[1];
    return (strcmp(x, a) == 0 && strcmp(y, b) == 0) || (strcmp(x, b) == 0 && strcmp(y, a) == 0);
}

/* ---- Parsing ---- */

struct quiz_parser {
    struct scenario_ctx c;
    char *bundled[QUIZ_MAX_BUNDLED]; /* the bundled scenarios' names */
    size_t nbundled;
};

static void quiz_text_free(struct quiz_text *t)
{
    free(t->question);
    for (size_t i = 0; i < t->nchoices; i++) {
        free(t->choices[i]);
    }
    free(t->explanation);
}

void quiz_bank_free(struct quiz_bank *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        struct quiz_question *q = &b->q[i];
        free(q->id);
        free(q->source);
        free(q->scenario);
        quiz_text_free(&q->ja);
        quiz_text_free(&q->en);
        free(q->answer_agent);
        free(q->answer_link[0]);
        free(q->answer_link[1]);
        cJSON_Delete(q->check);
    }
    free(b->q);
    free(b->name);
    free(b);
}

static int quiz_load_bundled(struct quiz_parser *p)
{
    char *paths[QUIZ_MAX_BUNDLED];
    int n = catalog_bundled(paths, QUIZ_MAX_BUNDLED);
    if (n < 0) {
        return scenario_fail(&p->c, NULL, "cannot list the bundled scenarios");
    }
    for (int i = 0; i < n; i++) {
        const char *base = strrchr(paths[i], '/');
        base = base ? base + 1 : paths[i];
        size_t len = strlen(base);
        char *name = strdup(base);
        if (name && len > 5) {
            name[len - 5] = '\0'; /* ".json" */
        }
        if (name) {
            p->bundled[p->nbundled++] = name;
        }
        free(paths[i]);
    }
    return 0;
}

static bool quiz_is_question_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        bool word = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!word && !(ch == '-' && n > 0 && s[n + 1] && s[n + 1] != '-')) {
            return false;
        }
    }
    return n > 0 && n <= 64;
}

/* A source says something: not only blanks. */
static bool quiz_is_source(const char *s)
{
    return s && s[strspn(s, " \t\r\n")] != '\0';
}

static int quiz_parse_scenario(struct quiz_parser *p, const cJSON *obj, struct quiz_question *q)
{
    struct scenario_ctx *c = &p->c;
    if (scenario_get_string(c, obj, "scenario", SCENARIO_NONEMPTY | SCENARIO_REQUIRED, NULL,
                            "the name of a bundled scenario", &q->scenario) < 0) {
        return -1;
    }
    for (size_t i = 0; i < p->nbundled; i++) {
        if (strcmp(p->bundled[i], q->scenario) == 0) {
            return 0;
        }
    }
    char qq[80], mean[120] = "";
    const char *best = scenario_suggest(q->scenario, (const char *const *)p->bundled, p->nbundled);
    if (best) {
        snprintf(mean, sizeof mean, " (did you mean \"%s\"?)", best);
    }
    return scenario_fail(c, "scenario",
                         "expected a bundled scenario (see `mailsim list`), got %s%s",
                         scenario_quote(q->scenario, qq, sizeof qq), mean);
}

static int quiz_parse_text(struct quiz_parser *p, const cJSON *obj, const char *lang,
                           enum quiz_kind kind, struct quiz_text *t)
{
    static const char *const keys[] = {"question", "choices", "explanation", NULL};
    struct scenario_ctx *c = &p->c;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, lang);
    if (!it) {
        return scenario_fail(c, NULL,
                             "missing required key \"%s\" (every question is in "
                             "Japanese and in English)",
                             lang);
    }
    if (!cJSON_IsObject(it)) {
        return scenario_fail_type(c, lang, it,
                                  "an object {\"question\": ..., \"choices\": [...], "
                                  "\"explanation\": ...}");
    }
    size_t old = scenario_path_key(c, lang);
    int rc = scenario_check_keys(c, it, keys, NULL);
    if (rc == 0) {
        rc = scenario_get_string(c, it, "question", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL,
                                 NULL, &t->question);
    }
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(it, "choices");
    if (rc == 0 && kind == QUIZ_CLICK && choices) {
        rc = scenario_fail(c, "choices",
                           "a click question has no choices: the scenario's agents "
                           "(or links) are what the student chooses from");
    } else if (rc == 0 && kind == QUIZ_CHOICE) {
        if (!choices) {
            rc = scenario_fail(c, NULL, "missing required key \"choices\" (a choice question)");
        } else if (!cJSON_IsArray(choices) || cJSON_GetArraySize(choices) < 2 ||
                   cJSON_GetArraySize(choices) > QUIZ_MAX_CHOICES) {
            rc = scenario_fail_type(c, "choices", choices, "an array of 2 to 6 choices");
        } else {
            size_t at = scenario_path_key(c, "choices");
            for (const cJSON *e = choices->child; e && rc == 0; e = e->next) {
                size_t ai = scenario_path_index(c, t->nchoices);
                if (!cJSON_IsString(e) || !e->valuestring || !e->valuestring[0]) {
                    rc = scenario_fail_type(c, NULL, e, "a non-empty string");
                } else if (!(t->choices[t->nchoices] = strdup(e->valuestring))) {
                    rc = scenario_fail(c, NULL, "out of memory");
                } else {
                    t->nchoices++;
                }
                scenario_path_pop(c, ai);
            }
            scenario_path_pop(c, at);
        }
    }
    if (rc == 0) {
        rc = scenario_get_string(c, it, "explanation", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL,
                                 NULL, &t->explanation);
    }
    scenario_path_pop(c, old);
    return rc;
}

static int quiz_parse_answer(struct quiz_parser *p, const cJSON *obj, struct quiz_question *q)
{
    struct scenario_ctx *c = &p->c;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "answer");
    if (!a) {
        return scenario_fail(c, NULL, "missing required key \"answer\"");
    }
    if (q->kind == QUIZ_CHOICE) {
        int64_t v = 0;
        if (scenario_get_int(c, obj, "answer", SCENARIO_REQUIRED, 0, (int64_t)q->en.nchoices - 1,
                             &v) < 0) {
            return -1;
        }
        q->answer = (size_t)v;
        return 0;
    }
    static const char what[] = "an agent id such as \"mx.b\", or a link as two host names such as "
                               "[\"gw.a.example\", \"router.example\"]";
    if (cJSON_IsString(a) && a->valuestring && scenario_is_id(a->valuestring)) {
        q->answer_agent = strdup(a->valuestring);
        return q->answer_agent ? 0 : scenario_fail(c, "answer", "out of memory");
    }
    const cJSON *x = cJSON_IsArray(a) && cJSON_GetArraySize(a) == 2 ? a->child : NULL;
    const cJSON *y = x ? x->next : NULL;
    if (!cJSON_IsString(x) || !cJSON_IsString(y) || !scenario_is_domain(x->valuestring) ||
        !scenario_is_domain(y->valuestring) || strcmp(x->valuestring, y->valuestring) == 0) {
        return scenario_fail_type(c, "answer", a, what);
    }
    q->answer_link[0] = strdup(x->valuestring);
    q->answer_link[1] = strdup(y->valuestring);
    return q->answer_link[0] && q->answer_link[1] ? 0 : scenario_fail(c, "answer", "out of memory");
}

static int quiz_parse_question(struct quiz_parser *p, const cJSON *obj, struct quiz_question *q,
                               struct scenario_names *ids, size_t index)
{
    static const char *const keys[] = {"id",   "topic", "exam_weight", "scenario",
                                       "step", "kind",  "answer",      "source",
                                       "ja",   "en",    "check",       NULL};
    static const char *const kinds[] = {"choice", "click", NULL};
    struct scenario_ctx *c = &p->c;
    char *text = NULL;
    int64_t step = 0;
    if (scenario_check_keys(c, obj, keys, "for a question") < 0 ||
        scenario_get_string(c, obj, "id", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &q->id) < 0) {
        return -1;
    }
    if (!quiz_is_question_id(q->id)) {
        char qq[80];
        return scenario_fail(c, "id",
                             "expected lowercase letters, digits and single '-' (at most 64), "
                             "such as \"ports-smtps-465\", got %s",
                             scenario_quote(q->id, qq, sizeof qq));
    }
    if (scenario_names_unique(c, ids, q->id, index, "$.questions") < 0) {
        return -1;
    }
    if (scenario_get_string(c, obj, "topic", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &text) < 0 ||
        scenario_check_enum(c, "topic", text, quiz_topic_names) < 0) {
        free(text);
        return -1;
    }
    q->topic = (enum quiz_topic)quiz_topic_find(text);
    free(text);
    text = NULL;
    if (quiz_parse_scenario(p, obj, q) < 0 ||
        scenario_get_int(c, obj, "step", SCENARIO_REQUIRED, 0, 9, &step) < 0) {
        return -1;
    }
    q->step = (int)step;
    if (scenario_get_string(c, obj, "kind", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &text) < 0 ||
        scenario_check_enum(c, "kind", text, kinds) < 0) {
        free(text);
        return -1;
    }
    q->kind = strcmp(text, "click") == 0 ? QUIZ_CLICK : QUIZ_CHOICE;
    free(text);
    if (quiz_parse_text(p, obj, "ja", q->kind, &q->ja) < 0 ||
        quiz_parse_text(p, obj, "en", q->kind, &q->en) < 0) {
        return -1;
    }
    if (q->ja.nchoices != q->en.nchoices) {
        size_t old = scenario_path_key(c, "en");
        scenario_fail(c, "choices",
                      "%zu choices, but ja has %zu: the two languages must offer "
                      "the same choices in the same order",
                      q->en.nchoices, q->ja.nchoices);
        scenario_path_pop(c, old);
        return -1;
    }
    if (quiz_parse_answer(p, obj, q) < 0) {
        return -1;
    }
    /* Every question says what it rests on and how often the exam asks it (docs/questions.md). */
    text = NULL; /* freed after kind */
    if (scenario_get_string(c, obj, "source", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, quiz_is_source,
                            "an RFC and section, a Postfix or Dovecot parameter or an exam "
                            "sitting, such as \"RFC 4954 §6\"",
                            &q->source) < 0 ||
        scenario_get_string(c, obj, "exam_weight", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL,
                            NULL, &text) < 0 ||
        scenario_check_enum(c, "exam_weight", text, quiz_weight_names) < 0) {
        free(text);
        return -1;
    }
    q->weight = (enum quiz_weight)quiz_weight_find(text);
    free(text);
    const cJSON *check = cJSON_GetObjectItemCaseSensitive(obj, "check");
    if (check) {
        size_t old = scenario_path_key(c, "check");
        int rc = quiz_check_validate(c, check);
        scenario_path_pop(c, old);
        if (rc < 0) {
            return -1;
        }
        if (!(q->check = cJSON_Duplicate(check, true))) {
            return scenario_fail(c, "check", "out of memory");
        }
    }
    return 0;
}

/* What each question of the walk is read with and into. */
struct quiz_walk {
    struct quiz_parser *p;
    struct quiz_bank *b;
};

static int quiz_question(struct scenario_ctx *c, const cJSON *o, size_t i,
                         struct scenario_names *ids, void *ctx)
{
    (void)c; /* the walk's context is the parser's */
    struct quiz_walk *w = ctx;
    return quiz_parse_question(w->p, o, &w->b->q[i], ids, i);
}

static int quiz_parse_root(struct quiz_parser *p, const cJSON *root, struct quiz_bank *b)
{
    /* Questions name bundled scenarios, so the names are read first. */
    if (quiz_load_bundled(p) < 0) {
        return -1;
    }
    struct quiz_walk w = {p, b};
    return scenario_walk_root_list(&p->c, root, "questions", sizeof *b->q, &b->q, &b->n,
                                   quiz_question, &w);
}

struct quiz_bank *quiz_bank_parse(const char *text, size_t len, const char *name, char *err,
                                  size_t errlen)
{
    char spare[2];
    if (!err || errlen == 0) {
        err = spare;
        errlen = sizeof spare;
    }
    struct quiz_parser p;
    memset(&p, 0, sizeof p);
    scenario_ctx_init(&p.c, name ? name : "(questions)", err, errlen);
    struct quiz_bank *b = calloc(1, sizeof *b);
    if (!b || !(b->name = strdup(p.c.name))) {
        free(b);
        snprintf(err, errlen, "%s: error: out of memory", p.c.name);
        return NULL;
    }
    cJSON *root = scenario_json_parse(&p.c, text, len);
    int rc = root ? quiz_parse_root(&p, root, b) : -1;
    cJSON_Delete(root);
    for (size_t i = 0; i < p.nbundled; i++) {
        free(p.bundled[i]);
    }
    if (rc < 0) {
        quiz_bank_free(b);
        return NULL;
    }
    return b;
}

/* The whole file into text (at most QUIZ_BANK_MAX_BYTES), or -1 with "PATH: error: ..." in
 * err. */
static int quiz_read_file(struct buf *text, const char *path, char *err, size_t errlen)
{
    buf_init(text, QUIZ_BANK_MAX_BYTES);
    int rc = buf_read_file(text, path);
    int why = errno;
    if (rc == -1) {
        snprintf(err, errlen, "%s: error: cannot open: %s", path, strerror(why));
    } else if (rc < 0 && why == EFBIG) {
        snprintf(err, errlen, "%s: error: larger than %u bytes", path, QUIZ_BANK_MAX_BYTES);
    } else if (rc < 0 && why == ENOMEM) {
        snprintf(err, errlen, "%s: error: out of memory", path);
    } else if (rc < 0) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(why));
    }
    if (rc < 0) {
        buf_free(text);
        return -1;
    }
    return 0;
}

struct quiz_bank *quiz_bank_load(const char *path, char *err, size_t errlen)
{
    char found[PATH_MAX];
    err[0] = '\0';
    if (!path) {
        if (paths_data_file("assets/quiz/questions.json", found, sizeof found) != 0) {
            snprintf(err, errlen,
                     "mailsim: cannot find assets/quiz/questions.json (set "
                     "MAILSIM_DATA_DIR to mailsim's data directory)");
            return NULL;
        }
        path = found;
    }
    struct buf text;
    if (quiz_read_file(&text, path, err, errlen) < 0) {
        return NULL;
    }
    struct quiz_bank *b = quiz_bank_parse((const char *)text.data, text.len, path, err, errlen);
    buf_free(&text);
    return b;
}

/* ---- Filters ---- */

bool quiz_filter_lets(const struct quiz_filter *f, const struct quiz_question *q)
{
    return (!f->topics || (f->topics & (1u << q->topic))) &&
           (!f->weights || (f->weights & (1u << q->weight))) &&
           (!f->scenario || strcmp(f->scenario, q->scenario) == 0);
}
