/* catalog: scenario look-up by path or bundled name, the bundled list (from the data
 * directory), and building a run into a heap trace for the window and for shot. */
#include "catalog.h"

#include "messages.h"
#include "paths.h"
#include "scenario_json.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const unsigned char default_scenario_json[];
extern const size_t default_scenario_json_len;

#define CATALOG_MAX_BUNDLED 64

static bool catalog_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The bundled scenario called name, into path: 0, or -1 when there is none. */
static int catalog_bundled_path(const char *name, char *path, size_t n)
{
    char rel[PATH_MAX];
    int w = snprintf(rel, sizeof rel, "scenarios/%s.json", name);
    if (w < 0 || (size_t)w >= sizeof rel || paths_data_file(rel, path, n) != 0) {
        return -1;
    }
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode) ? 0 : -1;
}

/* A file that will not open says so in the language of the messages (scenario_load says it
 * in English): 0 when path opens as a file, else -1 with err. A directory is told apart by
 * the caller. */
static int catalog_check_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    int e = errno;
    enum msg_lang lang = msg_lang();
    const char *why = e == ENOENT   ? msg_text(lang, MSG_NO_SUCH_FILE)
                      : e == EACCES ? msg_text(lang, MSG_NO_PERMISSION)
                                    : strerror(e);
    snprintf(err, errlen, msg_text(lang, MSG_CANNOT_OPEN), path, why);
    return -1;
}

static int catalog_compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* catalog_bundled with its message in err (NULL: none) instead of on stderr. */
static int catalog_bundled_quiet(char **paths, size_t cap, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    if (paths_data_file("scenarios", dir, sizeof dir) != 0) {
        if (err) {
            snprintf(err, errlen, "cannot find the scenarios directory");
        }
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        if (err) {
            snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        }
        return -1;
    }
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < cap) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0 &&
            strstr(de->d_name, ".schema.") == NULL) {
            size_t size = strlen(dir) + len + 2;
            if ((paths[n] = malloc(size)) != NULL) {
                snprintf(paths[n++], size, "%s/%s", dir, de->d_name);
            }
        }
    }
    closedir(d);
    qsort(paths, n, sizeof paths[0], catalog_compare_names);
    return (int)n;
}

/* "no such file, and no bundled scenario of that name", with the nearest bundled name when
 * one is near. */
static void catalog_no_scenario(const char *arg, char *err, size_t errlen)
{
    char *paths[CATALOG_MAX_BUNDLED];
    const char *names[CATALOG_MAX_BUNDLED];
    int n = catalog_bundled_quiet(paths, CATALOG_MAX_BUNDLED, NULL, 0);
    for (int i = 0; i < n; i++) {
        names[i] = strrchr(paths[i], '/') + 1; /* "nine-steps.json": the ".json" goes next */
        paths[i][strlen(paths[i]) - 5] = '\0';
    }
    const char *best = scenario_suggest(arg, names, n > 0 ? (size_t)n : 0);
    enum msg_lang lang = msg_lang();
    if (best) {
        snprintf(err, errlen, msg_text(lang, MSG_NO_SCENARIO_MEAN), arg, best);
    } else {
        snprintf(err, errlen, msg_text(lang, MSG_NO_SCENARIO), arg);
    }
    for (int i = 0; i < n; i++) {
        free(paths[i]);
    }
}

struct scenario *catalog_load(const char *arg, char *err, size_t errlen)
{
    if (!arg) {
        return scenario_parse((const char *)default_scenario_json, default_scenario_json_len,
                              "(built-in nine-steps)", err, errlen);
    }
    char path[PATH_MAX];
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* A folder named like a bundled scenario ("apop", or "apop/" as the shell completes it)
         * does not hide that scenario. */
        char name[PATH_MAX];
        snprintf(name, sizeof name, "%s", arg);
        for (size_t k = strlen(name); k > 1 && name[k - 1] == '/'; k--) {
            name[k - 1] = '\0';
        }
        if (strchr(name, '/') || catalog_bundled_path(name, path, sizeof path) != 0) {
            snprintf(err, errlen, msg_text(msg_lang(), MSG_IS_DIRECTORY), arg);
            return NULL;
        }
        return scenario_load(path, err, errlen);
    }
    if (strchr(arg, '/') || catalog_exists(arg) || strstr(arg, ".json")) {
        return catalog_check_file(arg, err, errlen) == 0 ? scenario_load(arg, err, errlen) : NULL;
    }
    if (catalog_bundled_path(arg, path, sizeof path) != 0) {
        catalog_no_scenario(arg, err, errlen);
        return NULL;
    }
    return scenario_load(path, err, errlen);
}

int catalog_bundled(char **paths, size_t cap)
{
    char err[PATH_MAX + 64];
    int n = catalog_bundled_quiet(paths, cap, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "mailsim: %s\n", err);
    }
    return n;
}

struct trace *catalog_run_scenario(const struct scenario *sc, const struct build_options *opt,
                                   char *err, size_t errlen)
{
    struct trace *tr = malloc(sizeof *tr);
    if (!tr || trace_init(tr) != 0) {
        snprintf(err, errlen, "out of memory");
        free(tr);
        return NULL;
    }
    char why[1024];
    struct mail_world *mw = build_world(sc, opt, tr, why, sizeof why);
    if (!mw) {
        snprintf(err, errlen, "%s: error: %s", sc->path, why);
        trace_free(tr);
        free(tr);
        return NULL;
    }
    mail_world_run(mw, sc->until_us ? sc->until_us : UINT64_MAX);
    mail_world_free(mw);
    return tr;
}

struct trace *catalog_build_trace(const char *scenario, const struct build_options *opt, char *err,
                                  size_t errlen)
{
    struct scenario *sc = catalog_load(scenario, err, errlen);
    if (!sc) {
        return NULL;
    }
    struct trace *tr = catalog_run_scenario(sc, opt, err, errlen);
    scenario_free(sc);
    return tr;
}
