/* scenario_json: the JSON half of the scenario parser, private to app/ — checking the text
 * (UTF-8, syntax, nesting) with errors located by line and column (scenario_text.c), then
 * walking cJSON's tree with a JSON path for messages, typed getters, a name table and the
 * small value forms (scenario_json.c). */
#ifndef MAILSIM_SCENARIO_JSON_H
#define MAILSIM_SCENARIO_JSON_H

#include "messages.h"
#include "strmap.h"

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCENARIO_PATH_MAX 256
/* The largest integer a JSON number (a double) holds exactly: 2^53 - 1. */
#define SCENARIO_INT_MAX 9007199254740991LL

/* Where a walk is, and where its one error message goes. No globals: one per parse. */
struct scenario_ctx {
    const char *name; /* the file, as messages call it */
    char *err;
    size_t errlen;
    char path[SCENARIO_PATH_MAX]; /* "$.agents[3]" */
    size_t pathlen;
    enum msg_lang lang; /* of the messages: the process's (msg_lang) unless a caller sets it */
};

/* A walk of the file called name from its root, "$", with its error message going to err. */
void scenario_ctx_init(struct scenario_ctx *c, const char *name, char *err, size_t errlen);
/* The printf format of message id in c's language. */
const char *scenario_msg(const struct scenario_ctx *c, enum msg_id id);

/* Checks the text (UTF-8, no NUL, JSON syntax, nesting up to SCENARIO_MAX_DEPTH) and parses
 * it. Returns the tree (the caller deletes it) or NULL with "NAME:LINE:COL: error: ..." in
 * the error buffer. A UTF-8 byte order mark is skipped. */
cJSON *scenario_json_parse(struct scenario_ctx *c, const char *text, size_t len);

/* The JSON path: each push returns the old length, which pop restores. */
size_t scenario_path_key(struct scenario_ctx *c, const char *key);
size_t scenario_path_index(struct scenario_ctx *c, size_t i);
void scenario_path_pop(struct scenario_ctx *c, size_t old);

/* The one error message of a parse, "NAME" LOC ": error: " ["at" PATH ": "] MESSAGE, the
 * message and the whole cut to fit with "...": loc is where in the text (":3:14") or "", path
 * where in the tree or NULL. */
void scenario_verror(struct scenario_ctx *c, const char *loc, const char *path, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));
/* "NAME: error: at PATH[.key]: MESSAGE" (key may be NULL). Always returns -1. */
int scenario_fail(struct scenario_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "expected WHAT, got a string \"5\"" for item at PATH[.key]. Returns -1. */
int scenario_fail_type(struct scenario_ctx *c, const char *key, const cJSON *item,
                       const char *what);
/* Replaces the end of buf with "..." when snprintf's result wrote was cut short. */
void scenario_ellipsis(char *buf, size_t n, int wrote);
/* A printable ASCII rendering of s, quoted, shortened when long, for messages. */
const char *scenario_quote(const char *s, char *buf, size_t n);
/* The nearest of cands[0..n) to s within edit distance 2, or NULL. */
const char *scenario_suggest(const char *s, const char *const *cands, size_t n);

/* An object with only allowed keys (a NULL-ended list), none twice. what qualifies the
 * message ("for role mta"; NULL: nothing). */
int scenario_check_keys(struct scenario_ctx *c, const cJSON *obj, const char *const *allowed,
                        const char *what);
/* The first key of obj not in allowed, or NULL. */
const char *scenario_unknown_key(const cJSON *obj, const char *const *allowed);
/* "unknown key ... (expected one of: ...)" with a did-you-mean, else hint when set. */
int scenario_fail_unknown(struct scenario_ctx *c, const char *key, const char *const *allowed,
                          const char *what, const char *hint);

/* Getters: 0 with the value (an absent optional key leaves *out as it was), or -1 with an
 * error naming the key. Strings are copied; the caller owns them. */
enum { SCENARIO_OPTIONAL = 0, SCENARIO_REQUIRED = 1, SCENARIO_NONEMPTY = 2 };
typedef bool (*scenario_valid_fn)(const char *s);
/* what: the expected form when valid is set ("an IPv4 address such as \"192.0.2.10\""). */
int scenario_get_string(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                        scenario_valid_fn valid, const char *what, char **out);
int scenario_get_int(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                     int64_t min, int64_t max, int64_t *out);
int scenario_get_bool(struct scenario_ctx *c, const cJSON *obj, const char *key, bool *out);
int scenario_get_duration(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                          uint64_t *out);
/* An array (or, with want_object, an object) of at most SCENARIO_MAX_ITEMS entries; NULL
 * when absent and optional. */
int scenario_get_list(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                      bool want_object, const cJSON **out, size_t *n);
int scenario_get_strings(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                         scenario_valid_fn valid, const char *what, char ***out, size_t *n);
int scenario_get_text(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                      char **ja, char **en);
/* The root of a data file beside the scenarios (the question bank, the glossary): {"$schema",
 * "version": 1, key: a non-empty list}; the list and its length. */
int scenario_get_root_list(struct scenario_ctx *c, const cJSON *root, const char *key,
                           const cJSON **list, size_t *n);

/* A set of borrowed names, each with an index: for duplicates and references. A zeroed one is
 * empty; init only reserves room for n names. */
struct scenario_names {
    struct strmap map;
};
int scenario_names_init(struct scenario_names *t, size_t n);
void scenario_names_free(struct scenario_names *t);
/* 1: added; 0: already there (*old is its index); -1: out of memory. */
int scenario_names_add(struct scenario_names *t, const char *key, size_t val, size_t *old);
bool scenario_names_find(const struct scenario_names *t, const char *key, size_t *val);
/* id, at key "id" of entry index of the list at path list ("$.terms"), is no earlier entry's:
 * else "\"x\" is already the id of $.terms[3]". Adds it to t. */
int scenario_names_unique(struct scenario_ctx *c, struct scenario_names *t, const char *id,
                          size_t index, const char *list);
/* The nearest name within edit distance 2, for "did you mean", or NULL. */
const char *scenario_names_suggest(const struct scenario_names *t, const char *s);

/* The index of s in list (NULL-ended), or the index of its NULL. */
size_t scenario_find_word(const char *const *list, const char *s);
/* value (the string at key) must be one of list; else a message that lists them. */
int scenario_check_enum(struct scenario_ctx *c, const char *key, const char *value,
                        const char *const *list);
/* value (the string at key) must be a name in t, which the message calls what ("a host name
 * from $.hosts"); *index (when set) is its value in t. */
int scenario_ref(struct scenario_ctx *c, const char *key, const char *value,
                 const struct scenario_names *t, const char *what, size_t *index);
/* An optional port (1 to 65535) at key. */
int scenario_port(struct scenario_ctx *c, const cJSON *o, const char *key, uint16_t *out);
/* Reads o, item i of a data file's root list, with c's path at "$.KEY[i]"; ids has room for
 * every item's id. Returns 0, or -1 with c's error. */
typedef int (*scenario_list_item_fn)(struct scenario_ctx *c, const cJSON *o, size_t i,
                                     struct scenario_names *ids, void *ctx);
/* A data file's root list under key (scenario_get_root_list) into n zeroed items of size bytes
 * at *(void **)out and *nout (scenario_alloc), each read by item with ctx until one fails.
 * Returns 0, or -1 with c's error. */
int scenario_walk_root_list(struct scenario_ctx *c, const cJSON *root, const char *key, size_t size,
                            void *out, size_t *nout, scenario_list_item_fn item, void *ctx);

/* n zeroed structs of size bytes into *(void **)out, and *nout = n at once, so that
 * scenario_free can clean up after a failure part way. */
int scenario_alloc(struct scenario_ctx *c, const char *key, size_t n, size_t size, void *out,
                   size_t *nout);

/* Value forms. */
bool scenario_is_ipv4(const char *s);
bool scenario_is_cidr(const char *s);
bool scenario_is_domain(const char *s);
bool scenario_is_id(const char *s);      /* [A-Za-z0-9._-], at most 64 */
bool scenario_is_address(const char *s); /* has an '@', no space or control character */
/* RFC 3339 "2026-04-01T09:00:00+09:00" or "...Z": Unix seconds and the offset in minutes. */
int scenario_parse_time(const char *s, int64_t *epoch, int *tz_minutes);

#endif
