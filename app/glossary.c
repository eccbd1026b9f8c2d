/* glossary: assets/glossary.json, read with the scenario parser's JSON walker:
 *   {"version": 1, "terms": [{"id": "mua", "ja": {"term": ..., "definition": ...},
 *                             "en": {"term": ..., "definition": ...}}, ...]} */
#include "glossary.h"

#include "buf.h"
#include "paths.h"
#include "scenario.h"
#include "scenario_json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLOSSARY_MAX_BYTES (4u << 20)

void glossary_free(struct glossary *g)
{
    if (!g) {
        return;
    }
    for (size_t i = 0; i < g->n; i++) {
        struct glossary_entry *e = &g->e[i];
        free(e->id);
        free(e->term_ja);
        free(e->term_en);
        free(e->definition_ja);
        free(e->definition_en);
    }
    free(g->e);
    free(g);
}

const struct glossary_entry *glossary_find(const struct glossary *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->e[i].id, id) == 0) {
            return &g->e[i];
        }
    }
    return NULL;
}

const char *glossary_term(const struct glossary_entry *e, const char *lang)
{
    return lang && strcmp(lang, "ja") == 0 ? e->term_ja : e->term_en;
}

const char *glossary_definition(const struct glossary_entry *e, const char *lang)
{
    return lang && strcmp(lang, "ja") == 0 ? e->definition_ja : e->definition_en;
}

static int glossary_lang(struct scenario_ctx *c, const cJSON *obj, const char *lang, char **term,
                         char **definition)
{
    static const char *const keys[] = {"term", "definition", NULL};
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, lang);
    if (!it) {
        return scenario_fail(c, NULL,
                             "missing required key \"%s\" (every term is in Japanese "
                             "and in English)",
                             lang);
    }
    size_t old = scenario_path_key(c, lang);
    int rc = scenario_check_keys(c, it, keys, NULL);
    if (rc == 0) {
        rc = scenario_get_string(c, it, "term", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                                 term);
    }
    if (rc == 0) {
        rc = scenario_get_string(c, it, "definition", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL,
                                 NULL, definition);
    }
    scenario_path_pop(c, old);
    return rc;
}

static int glossary_parse_term(struct scenario_ctx *c, const cJSON *it, size_t i,
                               struct scenario_names *ids, void *ctx)
{
    static const char *const term_keys[] = {"id", "ja", "en", NULL};
    struct glossary_entry *e = &((struct glossary *)ctx)->e[i];
    int rc = scenario_check_keys(c, it, term_keys, "for a term");
    if (rc == 0) {
        rc = scenario_get_string(c, it, "id", SCENARIO_REQUIRED, scenario_is_id,
                                 "an id such as \"starttls\"", &e->id);
    }
    if (rc == 0) {
        rc = scenario_names_unique(c, ids, e->id, i, "$.terms");
    }
    if (rc == 0) {
        rc = glossary_lang(c, it, "ja", &e->term_ja, &e->definition_ja);
    }
    if (rc == 0) {
        rc = glossary_lang(c, it, "en", &e->term_en, &e->definition_en);
    }
    return rc;
}

static int glossary_walk(struct scenario_ctx *c, const cJSON *root, struct glossary *g)
{
    return scenario_walk_root_list(c, root, "terms", sizeof *g->e, &g->e, &g->n,
                                   glossary_parse_term, g);
}

struct glossary *glossary_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen)
{
    struct scenario_ctx c;
    scenario_ctx_init(&c, name ? name : "(glossary)", err, errlen);
    struct glossary *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "%s: error: out of memory", c.name);
        return NULL;
    }
    cJSON *root = scenario_json_parse(&c, text, len);
    int rc = root ? glossary_walk(&c, root, g) : -1;
    cJSON_Delete(root);
    if (rc < 0) {
        glossary_free(g);
        return NULL;
    }
    return g;
}

struct glossary *glossary_load(const char *path, char *err, size_t errlen)
{
    char found[PATH_MAX];
    if (!path) {
        if (paths_data_file("assets/glossary.json", found, sizeof found) != 0) {
            snprintf(err, errlen,
                     "mailsim: cannot find assets/glossary.json (set "
                     "MAILSIM_DATA_DIR to mailsim's data directory)");
            return NULL;
        }
        path = found;
    }
    struct buf text;
    buf_init(&text, GLOSSARY_MAX_BYTES);
    int rc = buf_read_file(&text, path);
    if (rc == -1) {
        snprintf(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
    } else if (rc < 0) {
        snprintf(err, errlen, "%s: error: %s", path, errno == EFBIG ? "too large" : "cannot read");
    }
    struct glossary *g =
        rc < 0 ? NULL : glossary_parse((const char *)text.data, text.len, path, err, errlen);
    buf_free(&text);
    return g;
}
