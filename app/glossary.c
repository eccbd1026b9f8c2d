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

static int glossary_walk(struct scenario_ctx *c, const cJSON *root, struct glossary *g)
{
    static const char *const keys[] = {"$schema", "version", "terms", NULL};
    static const char *const term_keys[] = {"id", "ja", "en", NULL};
    int64_t version = 0;
    const cJSON *list;
    size_t n;
    if (scenario_check_keys(c, root, keys, NULL) < 0 ||
        scenario_get_int(c, root, "version", SCENARIO_REQUIRED, 1, 1, &version) < 0 ||
        scenario_get_list(c, root, "terms", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, false, &list,
                          &n) < 0) {
        return -1;
    }
    if (!(g->e = calloc(n, sizeof *g->e))) {
        return scenario_fail(c, "terms", "out of memory");
    }
    struct scenario_names ids;
    if (scenario_names_init(&ids, n) < 0) {
        return scenario_fail(c, "terms", "out of memory");
    }
    size_t old = scenario_path_key(c, "terms");
    int rc = 0;
    for (const cJSON *it = list->child; it && rc == 0; it = it->next) {
        size_t at = scenario_path_index(c, g->n);
        struct glossary_entry *e = &g->e[g->n++];
        size_t first;
        rc = scenario_check_keys(c, it, term_keys, "for a term");
        if (rc == 0) {
            rc = scenario_get_string(c, it, "id", SCENARIO_REQUIRED, scenario_is_id,
                                     "an id such as \"starttls\"", &e->id);
        }
        if (rc == 0) {
            int added = scenario_names_add(&ids, e->id, g->n - 1, &first);
            if (added < 0) {
                rc = scenario_fail(c, "id", "out of memory");
            } else if (added == 0) {
                rc = scenario_fail(c, "id", "\"%s\" is already the id of $.terms[%zu]", e->id,
                                   first);
            }
        }
        if (rc == 0) {
            rc = glossary_lang(c, it, "ja", &e->term_ja, &e->definition_ja);
        }
        if (rc == 0) {
            rc = glossary_lang(c, it, "en", &e->term_en, &e->definition_en);
        }
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    scenario_names_free(&ids);
    return rc;
}

struct glossary *glossary_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen)
{
    struct scenario_ctx c;
    memset(&c, 0, sizeof c);
    c.name = name ? name : "(glossary)";
    c.err = err;
    c.errlen = errlen;
    snprintf(c.path, sizeof c.path, "$");
    c.pathlen = 1;
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
