/* ui_strings: loading UI text from assets/ with cJSON. */
#include "ui_strings.h"

#include "paths.h"

#include <cjson/cJSON.h>
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
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(text, cap);
            if (!p) {
                free(text);
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return NULL;
            }
            text = p;
        }
        size_t n = fread(text + len, 1, 4096, f);
        len += n;
        if (n < 4096) {
            break;
        }
    }
    fclose(f);
    text[len] = 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
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
