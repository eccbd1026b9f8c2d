/* ui_strings: loading UI text from assets/ with cJSON. */
#include "ui_strings.h"

#include "buf.h"
#include "paths.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ui_strings {
    cJSON *lang;
    cJSON *en;
};

static cJSON *ui_strings_read(const char *lang, char *err, size_t errlen)
{
    char rel[64], path[PATH_MAX];
    snprintf(rel, sizeof rel, "assets/strings/%s.json", lang);
    if (paths_data_file(rel, path, sizeof path) != 0) {
        snprintf(err, errlen, "cannot find %s (set MAILSIM_DATA_DIR to mailsim's data directory)",
                 rel);
        return NULL;
    }
    struct buf text;
    buf_init(&text, 0);
    if (buf_read_file(&text, path) != 0) {
        if (errno == ENOMEM) {
            snprintf(err, errlen, "out of memory");
        } else {
            snprintf(err, errlen, "%s: cannot open", path);
        }
        buf_free(&text);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength((const char *)text.data, text.len);
    buf_free(&text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        snprintf(err, errlen, "%s: not a JSON object of strings", path);
        return NULL;
    }
    return root;
}

struct ui_strings *ui_strings_load(const char *lang, char *err, size_t errlen)
{
    if (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) {
        snprintf(err, errlen, "unknown language \"%s\" (expected ja or en)", lang);
        return NULL;
    }
    struct ui_strings *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->en = ui_strings_read("en", err, errlen);
    if (s->en && strcmp(lang, "en") != 0) {
        s->lang = ui_strings_read(lang, err, errlen);
    }
    if (!s->en || (strcmp(lang, "en") != 0 && !s->lang)) {
        ui_strings_free(s);
        return NULL;
    }
    return s;
}

void ui_strings_free(struct ui_strings *s)
{
    if (!s) {
        return;
    }
    cJSON_Delete(s->lang);
    cJSON_Delete(s->en);
    free(s);
}

const char *ui_string(const struct ui_strings *s, const char *key)
{
    const cJSON *v = s->lang ? cJSON_GetObjectItemCaseSensitive(s->lang, key) : NULL;
    if (!cJSON_IsString(v)) {
        v = cJSON_GetObjectItemCaseSensitive(s->en, key);
    }
    return cJSON_IsString(v) ? v->valuestring : key;
}

void ui_strings_steps(const struct ui_strings *s, const char *titles[10])
{
    /* Static keys: ui_string answers a key it lacks with the key itself. */
    static const char *const keys[10] = {NULL,     "step.1", "step.2", "step.3", "step.4",
                                         "step.5", "step.6", "step.7", "step.8", "step.9"};
    for (int i = 1; i <= 9; i++) {
        titles[i] = ui_string(s, keys[i]);
    }
}

const char *ui_lang_from_locale(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            return strncmp(v, "ja", 2) == 0 ? "ja" : "en";
        }
    }
    return "en";
}
