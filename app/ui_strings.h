/* ui_strings: the UI text of assets/strings/<lang>.json, looked up by key, with English as the
 * fallback for a key a translation lacks. */
#ifndef MAILSIM_UI_STRINGS_H
#define MAILSIM_UI_STRINGS_H

#include <stddef.h>

struct ui_strings;

/* lang is "ja" or "en". Returns NULL with a message in err when a file is missing or broken. */
struct ui_strings *ui_strings_load(const char *lang, char *err, size_t errlen);
void ui_strings_free(struct ui_strings *s);

/* The text for key, or the key itself when neither language has it. Owned by s. */
const char *ui_string(const struct ui_strings *s, const char *key);

/* The one-line titles of the nine steps ("step.1" to "step.9") into titles[1] to titles[9]. */
void ui_strings_steps(const struct ui_strings *s, const char *titles[10]);

/* "ja" when the locale (LC_ALL, LC_MESSAGES, LANG) is Japanese, else "en". */
const char *ui_lang_from_locale(void);

#endif
