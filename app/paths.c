/* paths: locating the data directory in the build tree and after `cmake --install`. */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int paths_has_assets(const char *dir)
{
    char probe[PATH_MAX];
    int n = snprintf(probe, sizeof probe, "%s/assets/strings/en.json", dir);
    struct stat st;
    return n > 0 && (size_t)n < sizeof probe && stat(probe, &st) == 0;
}

static int paths_take(const char *dir, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s", dir);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int paths_data_dir(char *out, size_t cap)
{
    const char *env = getenv("MAILSIM_DATA_DIR");
    if (env && *env) {
        return paths_has_assets(env) ? paths_take(env, out, cap) : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0; /* .../bin */
            char installed[PATH_MAX];
            int m = snprintf(installed, sizeof installed, "%s/../%s", exe, MAILSIM_INSTALL_DATADIR);
            if (m > 0 && (size_t)m < sizeof installed && paths_has_assets(installed)) {
                return paths_take(installed, out, cap);
            }
        }
    }
    if (paths_has_assets(MAILSIM_SOURCE_DIR)) {
        return paths_take(MAILSIM_SOURCE_DIR, out, cap);
    }
    return -1;
}

int paths_data_file(const char *rel, char *out, size_t cap)
{
    char dir[PATH_MAX];
    if (paths_data_dir(dir, sizeof dir) != 0) {
        return -1;
    }
    int n = snprintf(out, cap, "%s/%s", dir, rel);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}
