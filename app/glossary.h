/* glossary: the terms mailsim uses (用語集) — MUA, STARTTLS, open relay, envelope, ... — each
 * with its name and a one- or two-sentence definition in Japanese and in English, from
 * assets/glossary.json. `mailsim quiz --glossary` prints it; the window's help shows it. */
#ifndef MAILSIM_GLOSSARY_H
#define MAILSIM_GLOSSARY_H

#include <stddef.h>

struct glossary_entry {
    char *id; /* "mua", "starttls": stable, lowercase */
    char *term_ja, *term_en;
    char *definition_ja, *definition_en;
};

struct glossary {
    struct glossary_entry *e; /* in the file's order */
    size_t n;
};

/* Parses JSON text; name is what messages call the file. NULL with one line in err, located as
 * the scenario parser locates its errors ("NAME: error: at $.terms[4].en: ..."). */
struct glossary *glossary_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen);
/* Reads and parses a file; path NULL: the bundled assets/glossary.json. */
struct glossary *glossary_load(const char *path, char *err, size_t errlen);
void glossary_free(struct glossary *g);

/* The entry with that id, or NULL. */
const struct glossary_entry *glossary_find(const struct glossary *g, const char *id);
/* The term and its definition in lang ("ja"; anything else: English). */
const char *glossary_term(const struct glossary_entry *e, const char *lang);
const char *glossary_definition(const struct glossary_entry *e, const char *lang);

#endif
