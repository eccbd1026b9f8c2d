/* catalog: scenario look-up by path or bundled name, the bundled list (from the data
 * directory), and building a run into a heap trace for the window and for shot. */
#include "catalog.h"

#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const unsigned char default_scenario_json[];
extern const size_t default_scenario_json_len;

static bool catalog_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

struct scenario *catalog_load(const char *arg, char *err, size_t errlen)
{
    if (!arg) {
        return scenario_parse((const char *)default_scenario_json, default_scenario_json_len,
                              "(built-in nine-steps)", err, errlen);
    }
    if (strchr(arg, '/') || catalog_is_file(arg) || strstr(arg, ".json")) {
        return scenario_load(arg, err, errlen);
    }
    char rel[PATH_MAX], path[PATH_MAX];
    snprintf(rel, sizeof rel, "scenarios/%s.json", arg);
    if (paths_data_file(rel, path, sizeof path) != 0 || !catalog_is_file(path)) {
        snprintf(err, errlen,
                 "%s: error: no such file, and no bundled scenario of that name "
                 "(see `mailsim list`)",
                 arg);
        return NULL;
    }
    return scenario_load(path, err, errlen);
}

static int catalog_compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int catalog_bundled(char **paths, size_t cap)
{
    char dir[PATH_MAX];
    if (paths_data_file("scenarios", dir, sizeof dir) != 0) {
        fprintf(stderr, "mailsim: cannot find the scenarios directory\n");
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "mailsim: %s: %s\n", dir, strerror(errno));
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
