/* scenario_json: walking cJSON's tree of a scenario — the JSON path that every message names,
 * the messages with did-you-mean suggestions, typed getters, a name table for ids and
 * references, and the value forms (duration, RFC 3339 time, IPv4, CIDR, domain). */
#include "scenario_json.h"

#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool scenario_is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* ---- The JSON path and messages ---- */

static bool scenario_is_ident(const char *s)
{
    if (!*s || scenario_is_digit(*s)) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || scenario_is_digit(*s) ||
              *s == '_' || *s == '$')) {
            return false;
        }
    }
    return true;
}

static void scenario_path_append(struct scenario_ctx *c, const char *piece)
{
    size_t room = sizeof c->path - c->pathlen;
    int w = snprintf(c->path + c->pathlen, room, "%s", piece);
    if (w < 0 || (size_t)w >= room) {
        memcpy(c->path + sizeof c->path - 4, "...", 4);
        c->pathlen = sizeof c->path - 1;
    } else {
        c->pathlen += (size_t)w;
    }
}

size_t scenario_path_key(struct scenario_ctx *c, const char *key)
{
    size_t old = c->pathlen;
    char piece[160];
    if (scenario_is_ident(key) && strlen(key) < 64) {
        snprintf(piece, sizeof piece, ".%s", key);
    } else {
        char q[140];
        snprintf(piece, sizeof piece, "[%s]", scenario_quote(key, q, sizeof q));
    }
    scenario_path_append(c, piece);
    return old;
}

void scenario_ctx_init(struct scenario_ctx *c, const char *name, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->err = err;
    c->errlen = errlen;
    snprintf(c->path, sizeof c->path, "$");
    c->pathlen = 1;
    c->lang = msg_lang();
}

const char *scenario_msg(const struct scenario_ctx *c, enum msg_id id)
{
    return msg_text(c->lang, id);
}

size_t scenario_path_index(struct scenario_ctx *c, size_t i)
{
    size_t old = c->pathlen;
    char piece[32];
    snprintf(piece, sizeof piece, "[%zu]", i);
    scenario_path_append(c, piece);
    return old;
}

void scenario_path_pop(struct scenario_ctx *c, size_t old)
{
    c->pathlen = old;
    c->path[old] = '\0';
}

void scenario_verror(struct scenario_ctx *c, const char *loc, const char *path, const char *fmt,
                     va_list ap)
{
    char msg[768];
    int w = vsnprintf(msg, sizeof msg, fmt, ap);
    scenario_ellipsis(msg, sizeof msg, w);
    w = snprintf(c->err, c->errlen, "%s%s: error: %s%s%s%s", c->name, loc, path ? "at " : "",
                 path ? path : "", path ? ": " : "", msg);
    scenario_ellipsis(c->err, c->errlen, w);
}

int scenario_fail(struct scenario_ctx *c, const char *key, const char *fmt, ...)
{
    size_t old = key ? scenario_path_key(c, key) : c->pathlen;
    va_list ap;
    va_start(ap, fmt);
    scenario_verror(c, "", c->path, fmt, ap);
    va_end(ap);
    scenario_path_pop(c, old);
    return -1;
}

static int scenario_out_of_memory(struct scenario_ctx *c, const char *key)
{
    return scenario_fail(c, key, "%s", scenario_msg(c, MSG_OUT_OF_MEMORY));
}

int scenario_fail_type(struct scenario_ctx *c, const char *key, const cJSON *item, const char *what)
{
    char got[96];
    if (cJSON_IsString(item) && item->valuestring) {
        char q[80];
        snprintf(got, sizeof got, scenario_msg(c, MSG_GOT_STRING),
                 scenario_quote(item->valuestring, q, sizeof q));
    } else if (cJSON_IsNumber(item)) {
        snprintf(got, sizeof got, scenario_msg(c, MSG_GOT_NUMBER), item->valuedouble);
    } else if (cJSON_IsBool(item)) {
        snprintf(got, sizeof got, "%s", cJSON_IsTrue(item) ? "true" : "false");
    } else if (cJSON_IsNull(item)) {
        snprintf(got, sizeof got, "null");
    } else {
        snprintf(got, sizeof got, "%s",
                 scenario_msg(c, cJSON_IsArray(item) ? MSG_AN_ARRAY : MSG_AN_OBJECT));
    }
    return scenario_fail(c, key, scenario_msg(c, MSG_EXPECTED_GOT), what, got, "");
}

static char scenario_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Optimal string alignment distance, ignoring ASCII case, or 3 when it is surely more than
 * 2. */
static size_t scenario_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63 || (la > lb ? la - lb : lb - la) > 2) {
        return 3;
    }
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = scenario_lower(a[i - 1]) == scenario_lower(b[j - 1]) ? 0 : 1;
            size_t v = d[i - 1][j] + 1;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            v = d[i - 1][j - 1] + cost < v ? d[i - 1][j - 1] + cost : v;
            if (i > 1 && j > 1 && scenario_lower(a[i - 1]) == scenario_lower(b[j - 2]) &&
                scenario_lower(a[i - 2]) == scenario_lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* Whether b is a plausible intent for a: one edit for short words, two for longer ones. */
static size_t scenario_closeness(const char *a, const char *b)
{
    size_t d = scenario_distance(a, b), lb = strlen(b);
    if (d == 0 || (d == 1 && lb >= 2) || (d == 2 && lb >= 5)) {
        return d;
    }
    return 3;
}

const char *scenario_suggest(const char *s, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = scenario_closeness(s, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

const char *scenario_unknown_key(const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        size_t k = 0;
        while (allowed[k] && strcmp(allowed[k], m->string) != 0) {
            k++;
        }
        if (!allowed[k]) {
            return m->string;
        }
    }
    return NULL;
}

int scenario_fail_unknown(struct scenario_ctx *c, const char *key, const char *const *allowed,
                          const char *what, const char *hint)
{
    char list[400] = "", q[80], mean[160] = "";
    size_t n = 0, used = 0;
    for (; allowed[n]; n++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", n ? ", " : "", allowed[n]);
        if (w < 0 || (size_t)w >= sizeof list - used) {
            scenario_ellipsis(list, sizeof list, (int)sizeof list);
            break;
        }
        used += (size_t)w;
    }
    const char *best = scenario_suggest(key, allowed, n);
    if (best) {
        snprintf(mean, sizeof mean, scenario_msg(c, MSG_KEY_MEAN), best);
    } else if (hint) {
        snprintf(mean, sizeof mean, "; %s", hint);
    }
    return scenario_fail(c, NULL, scenario_msg(c, MSG_UNKNOWN_KEY),
                         scenario_quote(key, q, sizeof q), what ? " " : "", what ? what : "", mean,
                         n ? list : "none");
}

int scenario_check_keys(struct scenario_ctx *c, const cJSON *obj, const char *const *allowed,
                        const char *what)
{
    if (!cJSON_IsObject(obj)) {
        return scenario_fail_type(c, NULL, obj, scenario_msg(c, MSG_AN_OBJECT));
    }
    const char *bad = scenario_unknown_key(obj, allowed);
    if (bad) {
        return scenario_fail_unknown(c, bad, allowed, what, NULL);
    }
    /* Allowed keys are few, so a key seen twice is found by looking back. */
    for (const cJSON *m = obj->child; m; m = m->next) {
        for (const cJSON *p = obj->child; p != m; p = p->next) {
            if (strcmp(p->string, m->string) == 0) {
                return scenario_fail(c, m->string, "%s", scenario_msg(c, MSG_KEY_TWICE));
            }
        }
    }
    return 0;
}

/* ---- Getters ---- */

static const cJSON *scenario_member(struct scenario_ctx *c, const cJSON *obj, const char *key,
                                    int flags, int *rc)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *rc = 0;
    if (!it && (flags & SCENARIO_REQUIRED)) {
        *rc = scenario_fail(c, NULL, scenario_msg(c, MSG_MISSING_KEY), key);
    }
    return it;
}

int scenario_get_string(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                        scenario_valid_fn valid, const char *what, char **out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    if (!cJSON_IsString(it) || !it->valuestring) {
        return scenario_fail_type(c, key, it, what ? what : scenario_msg(c, MSG_A_STRING));
    }
    if ((flags & SCENARIO_NONEMPTY) && !it->valuestring[0]) {
        return scenario_fail(c, key, scenario_msg(c, MSG_EMPTY_STRING),
                             what ? what : scenario_msg(c, MSG_A_NONEMPTY_STRING));
    }
    if (valid && !valid(it->valuestring)) {
        return scenario_fail_type(c, key, it, what);
    }
    free(*out);
    *out = strdup(it->valuestring);
    return *out ? 0 : scenario_out_of_memory(c, key);
}

int scenario_get_int(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                     int64_t min, int64_t max, int64_t *out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    double d = it->valuedouble;
    if (cJSON_IsNumber(it) && d >= (double)min && d <= (double)max && (double)(int64_t)d == d) {
        *out = (int64_t)d;
        return 0;
    }
    char what[80];
    if (min == 0 && max == SCENARIO_INT_MAX) {
        snprintf(what, sizeof what, "%s", scenario_msg(c, MSG_A_UINT));
    } else if (max == SCENARIO_INT_MAX) {
        snprintf(what, sizeof what, scenario_msg(c, MSG_AN_INT_FROM), (long long)min);
    } else {
        snprintf(what, sizeof what, scenario_msg(c, MSG_AN_INT_RANGE), (long long)min,
                 (long long)max);
    }
    return scenario_fail_type(c, key, it, what);
}

int scenario_get_bool(struct scenario_ctx *c, const cJSON *obj, const char *key, bool *out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, SCENARIO_OPTIONAL, &rc);
    if (!it) {
        return rc;
    }
    if (!cJSON_IsBool(it)) {
        return scenario_fail_type(c, key, it, scenario_msg(c, MSG_A_BOOL));
    }
    *out = cJSON_IsTrue(it);
    return 0;
}

int scenario_get_duration(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                          uint64_t *out)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    const char *what = scenario_msg(c, MSG_A_DURATION);
    if (cJSON_IsString(it) && it->valuestring) {
        return scenario_parse_duration(it->valuestring, out) == 0
                   ? 0
                   : scenario_fail_type(c, key, it, what);
    }
    double d = it->valuedouble; /* a number: microseconds */
    if (cJSON_IsNumber(it) && d >= 0 && d <= (double)SCENARIO_INT_MAX && (double)(uint64_t)d == d) {
        *out = (uint64_t)d;
        return 0;
    }
    return scenario_fail_type(c, key, it, what);
}

int scenario_get_list(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                      bool want_object, const cJSON **out, size_t *n)
{
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    *out = NULL;
    if (n) {
        *n = 0;
    }
    if (!it) {
        return rc;
    }
    if (want_object ? !cJSON_IsObject(it) : !cJSON_IsArray(it)) {
        return scenario_fail_type(c, key, it,
                                  scenario_msg(c, want_object ? MSG_AN_OBJECT : MSG_AN_ARRAY));
    }
    size_t count = 0;
    for (const cJSON *e = it->child; e; e = e->next) {
        if (++count > SCENARIO_MAX_ITEMS) {
            return scenario_fail(c, key, scenario_msg(c, MSG_TOO_MANY), SCENARIO_MAX_ITEMS);
        }
    }
    if (count == 0 && (flags & SCENARIO_NONEMPTY)) {
        return scenario_fail(c, key, scenario_msg(c, MSG_EXPECTED_NONEMPTY),
                             scenario_msg(c, want_object ? MSG_OBJECT : MSG_ARRAY));
    }
    *out = it;
    if (n) {
        *n = count;
    }
    return 0;
}

int scenario_get_root_list(struct scenario_ctx *c, const cJSON *root, const char *key,
                           const cJSON **list, size_t *n)
{
    const char *const keys[] = {"$schema", "version", key, NULL};
    int64_t version = 0;
    int flags = SCENARIO_REQUIRED | SCENARIO_NONEMPTY;
    if (scenario_check_keys(c, root, keys, NULL) < 0 ||
        scenario_get_int(c, root, "version", SCENARIO_REQUIRED, 1, 1, &version) < 0 ||
        scenario_get_list(c, root, key, flags, false, list, n) < 0) {
        return -1;
    }
    return 0;
}

int scenario_walk_root_list(struct scenario_ctx *c, const cJSON *root, const char *key, size_t size,
                            void *out, size_t *nout, scenario_list_item_fn item, void *ctx)
{
    const cJSON *list;
    size_t n;
    if (scenario_get_root_list(c, root, key, &list, &n) < 0 ||
        scenario_alloc(c, key, n, size, out, nout) < 0) {
        return -1;
    }
    struct scenario_names ids;
    if (scenario_names_init(&ids, n) < 0) {
        return scenario_out_of_memory(c, key);
    }
    size_t old = scenario_path_key(c, key), i = 0;
    int rc = 0;
    for (const cJSON *o = list->child; o && rc == 0; o = o->next, i++) {
        size_t at = scenario_path_index(c, i);
        rc = item(c, o, i, &ids, ctx);
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    scenario_names_free(&ids);
    return rc;
}

int scenario_get_strings(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                         scenario_valid_fn valid, const char *what, char ***out, size_t *n)
{
    const cJSON *arr;
    size_t count;
    if (scenario_get_list(c, obj, key, flags, false, &arr, &count) < 0) {
        return -1;
    }
    if (!arr) {
        return 0;
    }
    *out = calloc(count ? count : 1, sizeof **out);
    if (!*out) {
        return scenario_out_of_memory(c, key);
    }
    *n = count;
    size_t old = scenario_path_key(c, key), i = 0;
    int rc = 0;
    for (const cJSON *e = arr->child; e && rc == 0; e = e->next, i++) {
        size_t at = scenario_path_index(c, i);
        if (!cJSON_IsString(e) || !e->valuestring) {
            rc = scenario_fail_type(c, NULL, e, what ? what : scenario_msg(c, MSG_A_STRING));
        } else if (!e->valuestring[0] || (valid && !valid(e->valuestring))) {
            rc = scenario_fail_type(c, NULL, e,
                                    what ? what : scenario_msg(c, MSG_A_NONEMPTY_STRING));
        } else if (!((*out)[i] = strdup(e->valuestring))) {
            rc = scenario_out_of_memory(c, NULL);
        }
        scenario_path_pop(c, at);
    }
    scenario_path_pop(c, old);
    return rc;
}

int scenario_get_text(struct scenario_ctx *c, const cJSON *obj, const char *key, int flags,
                      char **ja, char **en)
{
    static const char *const keys[] = {"ja", "en", NULL};
    int rc;
    const cJSON *it = scenario_member(c, obj, key, flags, &rc);
    if (!it) {
        return rc;
    }
    if (!cJSON_IsObject(it)) {
        return scenario_fail_type(c, key, it, scenario_msg(c, MSG_A_TEXT));
    }
    size_t old = scenario_path_key(c, key);
    rc = scenario_check_keys(c, it, keys, NULL);
    if (rc == 0) {
        rc = scenario_get_string(c, it, "ja", SCENARIO_REQUIRED, NULL, NULL, ja);
    }
    if (rc == 0) {
        rc = scenario_get_string(c, it, "en", SCENARIO_REQUIRED, NULL, NULL, en);
    }
    scenario_path_pop(c, old);
    return rc;
}

/* ---- The name table: a strmap over borrowed strings ---- */

int scenario_names_init(struct scenario_names *t, size_t n)
{
    t->map = (struct strmap){0};
    return strmap_reserve(&t->map, n);
}

void scenario_names_free(struct scenario_names *t)
{
    strmap_free(&t->map);
}

int scenario_names_add(struct scenario_names *t, const char *key, size_t val, size_t *old)
{
    return strmap_add(&t->map, key, val, old);
}

bool scenario_names_find(const struct scenario_names *t, const char *key, size_t *val)
{
    return key && strmap_get(&t->map, key, val);
}

int scenario_names_unique(struct scenario_ctx *c, struct scenario_names *t, const char *id,
                          size_t index, const char *list)
{
    size_t first;
    int added = scenario_names_add(t, id, index, &first);
    if (added < 0) {
        return scenario_out_of_memory(c, "id");
    }
    if (added == 0) {
        return scenario_fail(c, "id", scenario_msg(c, MSG_ALREADY_ID), id, list, first);
    }
    return 0;
}

const char *scenario_names_suggest(const struct scenario_names *t, const char *s)
{
    const char *best = NULL, *key;
    size_t bestd = 3, pos = 0;
    /* The nearest, and of those the first in strcmp order: the table's order does not show. */
    while (strmap_next(&t->map, &pos, &key, NULL)) {
        size_t d = scenario_closeness(s, key);
        if (d < bestd || (d == bestd && best && strcmp(key, best) < 0)) {
            bestd = d;
            best = key;
        }
    }
    return best;
}

/* ---- References, enumerations, ports, arrays ---- */

size_t scenario_find_word(const char *const *list, const char *s)
{
    size_t k = 0;
    while (list[k] && strcmp(list[k], s) != 0) {
        k++;
    }
    return k;
}

/* The string at key must be one of list (NULL-ended); else a message that lists them. */
int scenario_check_enum(struct scenario_ctx *c, const char *key, const char *value,
                        const char *const *list)
{
    size_t n = scenario_find_word(list, value);
    if (list[n]) {
        return 0;
    }
    char all[200] = "", q[80], q2[80], mean[120] = "";
    size_t used = 0;
    for (size_t k = 0; list[k]; k++) {
        int w = snprintf(all + used, sizeof all - used, "%s%s", k ? ", " : "", list[k]);
        if (w < 0 || (size_t)w >= sizeof all - used) {
            break;
        }
        used += (size_t)w;
    }
    const char *best = scenario_suggest(value, list, n);
    if (best) {
        snprintf(mean, sizeof mean, scenario_msg(c, MSG_MEAN), scenario_quote(best, q2, sizeof q2));
    }
    return scenario_fail(c, key, scenario_msg(c, MSG_ONE_OF), all,
                         scenario_quote(value, q, sizeof q), mean);
}

/* value (the string at key) must be a name in t, which the message calls what. */
int scenario_ref(struct scenario_ctx *c, const char *key, const char *value,
                 const struct scenario_names *t, const char *what, size_t *index)
{
    if (scenario_names_find(t, value, index)) {
        return 0;
    }
    char q[80], q2[80], mean[120] = "";
    const char *best = scenario_names_suggest(t, value);
    if (best) {
        snprintf(mean, sizeof mean, scenario_msg(c, MSG_MEAN), scenario_quote(best, q2, sizeof q2));
    }
    return scenario_fail(c, key, scenario_msg(c, MSG_EXPECTED_GOT), what,
                         scenario_quote(value, q, sizeof q), mean);
}

int scenario_port(struct scenario_ctx *c, const cJSON *o, const char *key, uint16_t *out)
{
    int64_t v = *out;
    if (scenario_get_int(c, o, key, SCENARIO_OPTIONAL, 1, 65535, &v) < 0) {
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

/* An array at key of n structs of size each; *out zeroed, *nout set at once so that
 * scenario_free can clean up after a failure part way. */
int scenario_alloc(struct scenario_ctx *c, const char *key, size_t n, size_t size, void *out,
                   size_t *nout)
{
    void *mem = calloc(n ? n : 1, size);
    if (!mem) {
        return scenario_out_of_memory(c, key);
    }
    memcpy(out, &mem, sizeof mem);
    *nout = n;
    return 0;
}

/* ---- Value forms ---- */

int scenario_parse_duration(const char *s, uint64_t *us)
{
    static const struct {
        const char *unit;
        uint64_t us;
    } units[] = {{"", 1},        {"us", 1},       {"ms", 1000},
                 {"s", 1000000}, {"m", 60000000}, {"h", 3600000000ull}};
    if (!s || !us || !scenario_is_digit(*s)) {
        return -1;
    }
    uint64_t n = 0;
    for (; scenario_is_digit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10) {
            return -1;
        }
        n = n * 10 + d;
    }
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        if (strcmp(s, units[k].unit) == 0) {
            if (n > UINT64_MAX / units[k].us) {
                return -1;
            }
            *us = n * units[k].us;
            return 0;
        }
    }
    return -1;
}

/* Reads 1 to maxdigits decimal digits (no leading zero unless alone) up to max. */
static bool scenario_decimal(const char **p, int maxdigits, unsigned max, unsigned *v)
{
    const char *s = *p;
    unsigned n = 0;
    int k = 0;
    for (; k < maxdigits && scenario_is_digit(s[k]); k++) {
        n = n * 10 + (unsigned)(s[k] - '0');
    }
    if (k == 0 || scenario_is_digit(s[k]) || (k > 1 && s[0] == '0') || n > max) {
        return false;
    }
    *p = s + k;
    *v = n;
    return true;
}

static bool scenario_ipv4_prefix(const char **p)
{
    unsigned v;
    for (int k = 0; k < 4; k++) {
        if ((k > 0 && *(*p)++ != '.') || !scenario_decimal(p, 3, 255, &v)) {
            return false;
        }
    }
    return true;
}

bool scenario_is_ipv4(const char *s)
{
    return scenario_ipv4_prefix(&s) && *s == '\0';
}

bool scenario_is_cidr(const char *s)
{
    unsigned bits;
    return scenario_ipv4_prefix(&s) && *s++ == '/' && scenario_decimal(&s, 2, 32, &bits) &&
           *s == '\0';
}

bool scenario_is_domain(const char *s)
{
    size_t total = strlen(s), label = 0;
    if (total == 0 || total > 253) {
        return false;
    }
    for (size_t i = 0; i <= total; i++) {
        char ch = s[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-') {
                return false;
            }
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || scenario_is_digit(ch) ||
                   (ch == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

bool scenario_is_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || scenario_is_digit(ch) ||
              ch == '.' || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return n > 0 && n <= 64;
}

bool scenario_is_address(const char *s)
{
    const char *at = strrchr(s, '@');
    size_t n = strlen(s);
    if (!at || at == s || at[1] == '\0' || n > 254) {
        return false;
    }
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= ' ' || ch == 0x7f || ch == '<' || ch == '>') {
            return false;
        }
    }
    return true;
}

static int64_t scenario_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian
     * calendar, with no help from the C library's time zone machinery. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Exactly n digits. */
static bool scenario_fixed(const char **p, int n, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        if (!scenario_is_digit((*p)[k])) {
            return false;
        }
        *v = *v * 10 + (unsigned)((*p)[k] - '0');
    }
    *p += n;
    return true;
}

int scenario_parse_time(const char *s, int64_t *epoch, int *tz_minutes)
{
    /* RFC 3339 section 5.6: date-time = full-date "T" full-time; full-time = partial-time
     * time-offset; time-offset = "Z" / time-numoffset. Fractions of a second are not used. */
    unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!scenario_fixed(&s, 4, &y) || *s++ != '-' || !scenario_fixed(&s, 2, &mo) || *s++ != '-' ||
        !scenario_fixed(&s, 2, &d) || (*s != 'T' && *s != 't')) {
        return -1;
    }
    s++;
    if (!scenario_fixed(&s, 2, &h) || *s++ != ':' || !scenario_fixed(&s, 2, &mi) || *s++ != ':' ||
        !scenario_fixed(&s, 2, &sec)) {
        return -1;
    }
    int sign = 0;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '+' ? 1 : -1;
        if (!scenario_fixed(&s, 2, &oh) || *s++ != ':' || !scenario_fixed(&s, 2, &om) || oh > 23 ||
            om > 59) {
            return -1;
        }
    } else {
        return -1;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] + (mo == 2 && leap ? 1u : 0u) || h > 23 || mi > 59 || sec > 59) {
        return -1;
    }
    int offset = sign * (int)(oh * 60 + om);
    *epoch = scenario_days_from_civil(y, mo, d) * 86400 + (int64_t)(h * 3600 + mi * 60 + sec) -
             (int64_t)offset * 60;
    *tz_minutes = offset;
    return 0;
}
