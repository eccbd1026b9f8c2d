/* quiz_progress: what the student has answered, kept between runs in the user's data directory
 * (XDG base directory specification) as JSON:
 *   {"version": 1, "questions": {"ports-smtps-465": {"asked": 3, "right": 2, "last": "right",
 *    "last_at": "2026-04-01T00:00:00Z"}}}
 * Records of questions the bank no longer has are kept, so an older or newer bank loses
 * nothing. */
#include "quiz.h"

#include "buf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define QUIZ_PROGRESS_MAX_BYTES (4u << 20)

int quiz_progress_default_path(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    /* "If $XDG_DATA_HOME is either not set or empty [or, the spec adds, a relative path], a
     * default equal to $HOME/.local/share should be used." */
    if (xdg && xdg[0] == '/') {
        n = snprintf(out, cap, "%s/mailsim/progress.json", xdg);
    } else if (home && home[0] == '/') {
        n = snprintf(out, cap, "%s/.local/share/mailsim/progress.json", home);
    } else {
        return -1;
    }
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

void quiz_progress_free(struct quiz_progress *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->r[i].id);
        free(p->r[i].last_at);
    }
    free(p->r);
    memset(p, 0, sizeof *p);
}

const struct quiz_record *quiz_progress_find(const struct quiz_progress *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->r[i].id, id) == 0) {
            return &p->r[i];
        }
    }
    return NULL;
}

static struct quiz_record *quiz_progress_add(struct quiz_progress *p, const char *id)
{
    char *copy = strdup(id);
    if (!copy) {
        return NULL;
    }
    struct quiz_record *r = BUF_PUSH(p->r, p->n, p->cap, 64);
    r->id = copy;
    return r;
}

int quiz_progress_record(struct quiz_progress *p, const char *id, bool right, int64_t now)
{
    struct quiz_record *r = (struct quiz_record *)quiz_progress_find(p, id);
    if (!r && !(r = quiz_progress_add(p, id))) {
        return -1;
    }
    r->asked++;
    r->right += right ? 1 : 0;
    r->last = right ? QUIZ_LAST_RIGHT : QUIZ_LAST_WRONG;
    char when[32];
    time_t t = (time_t)now;
    struct tm tm;
    if (gmtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0) {
        char *copy = strdup(when);
        if (copy) {
            free(r->last_at);
            r->last_at = copy;
        }
    }
    return 0;
}

static int quiz_progress_fail(char *err, size_t errlen, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: %s", path, what);
    return -1;
}

static bool quiz_count(const cJSON *o, const char *key, unsigned long *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it) {
        *out = 0;
        return true;
    }
    double d = it->valuedouble;
    if (!cJSON_IsNumber(it) || d < 0 || d > 1e15 || (double)(unsigned long)d != d) {
        return false;
    }
    *out = (unsigned long)d;
    return true;
}

static int quiz_progress_parse(struct quiz_progress *p, const cJSON *root, const char *path,
                               char *err, size_t errlen)
{
    const cJSON *qs = cJSON_GetObjectItemCaseSensitive(root, "questions");
    if (!cJSON_IsObject(root) || !cJSON_IsObject(qs)) {
        return quiz_progress_fail(err, errlen, path, "not a progress file (no \"questions\")");
    }
    for (const cJSON *e = qs->child; e; e = e->next) {
        struct quiz_record r = {0};
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(e, "last");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "last_at");
        if (!cJSON_IsObject(e) || !quiz_count(e, "asked", &r.asked) ||
            !quiz_count(e, "right", &r.right) || r.right > r.asked ||
            (last && !cJSON_IsString(last)) || (at && !cJSON_IsString(at))) {
            char what[160];
            snprintf(what, sizeof what, "the record of \"%.64s\" is malformed", e->string);
            return quiz_progress_fail(err, errlen, path, what);
        }
        if (last && strcmp(last->valuestring, "right") == 0) {
            r.last = QUIZ_LAST_RIGHT;
        } else if (last && strcmp(last->valuestring, "wrong") == 0) {
            r.last = QUIZ_LAST_WRONG;
        }
        struct quiz_record *slot = quiz_progress_add(p, e->string);
        if (!slot) {
            return quiz_progress_fail(err, errlen, path, "out of memory");
        }
        slot->asked = r.asked;
        slot->right = r.right;
        slot->last = r.last;
        slot->last_at = at ? strdup(at->valuestring) : NULL;
    }
    return 0;
}

int quiz_progress_load(struct quiz_progress *p, const char *path, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    struct buf text;
    buf_init(&text, QUIZ_PROGRESS_MAX_BYTES);
    int rc = buf_read_file(&text, path);
    int why = errno;
    if (rc < 0) {
        buf_free(&text);
        if (rc == -1) {
            return why == ENOENT ? 0 : quiz_progress_fail(err, errlen, path, strerror(why));
        }
        return quiz_progress_fail(err, errlen, path, why == EFBIG ? "too large" : "cannot read");
    }
    cJSON *root = cJSON_ParseWithLength((const char *)text.data, text.len);
    buf_free(&text);
    if (!root) {
        return quiz_progress_fail(err, errlen, path, "not valid JSON");
    }
    rc = quiz_progress_parse(p, root, path, err, errlen);
    cJSON_Delete(root);
    if (rc < 0) {
        quiz_progress_free(p);
    }
    return rc;
}

/* mkdir -p of the directory part of path. */
static int quiz_mkdirs(const char *path)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s", path);
    if (n < 0 || (size_t)n >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (!slash) {
        return 0; /* a file in the current directory */
    }
    *slash = '\0';
    for (char *s = dir + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                return -1;
            }
            *s = '/';
        }
    }
    return dir[0] && mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static cJSON *quiz_progress_json(const struct quiz_progress *p)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *qs = cJSON_CreateObject();
    if (!root || !qs || !cJSON_AddNumberToObject(root, "version", 1)) {
        cJSON_Delete(root);
        cJSON_Delete(qs);
        return NULL;
    }
    cJSON_AddItemToObject(root, "questions", qs);
    for (size_t i = 0; i < p->n; i++) {
        const struct quiz_record *r = &p->r[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            cJSON_Delete(root);
            return NULL;
        }
        cJSON_AddItemToObject(qs, r->id, o);
        bool ok = cJSON_AddNumberToObject(o, "asked", (double)r->asked) &&
                  cJSON_AddNumberToObject(o, "right", (double)r->right);
        if (r->last != QUIZ_LAST_NONE) {
            ok = ok &&
                 cJSON_AddStringToObject(o, "last", r->last == QUIZ_LAST_RIGHT ? "right" : "wrong");
        }
        if (r->last_at) {
            ok = ok && cJSON_AddStringToObject(o, "last_at", r->last_at);
        }
        if (!ok) {
            cJSON_Delete(root);
            return NULL;
        }
    }
    return root;
}

int quiz_progress_save(const struct quiz_progress *p, const char *path, char *err, size_t errlen)
{
    if (quiz_mkdirs(path) != 0) {
        return quiz_progress_fail(err, errlen, path, strerror(errno));
    }
    cJSON *root = quiz_progress_json(p);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        return quiz_progress_fail(err, errlen, path, "out of memory");
    }
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        cJSON_free(text);
        return quiz_progress_fail(err, errlen, path, "path too long");
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cJSON_free(text);
        return quiz_progress_fail(err, errlen, path, strerror(errno));
    }
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    cJSON_free(text);
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return quiz_progress_fail(err, errlen, path, strerror(e));
    }
    return 0;
}
