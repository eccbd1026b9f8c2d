/* replay: the main() the fuzz targets get in a normal build, without libFuzzer. It feeds every
 * file of the directories (or the files) named on the command line to LLVMFuzzerTestOneInput,
 * so the seed corpus and every crasher found so far run as CTest tests with any compiler. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

/* Reads a whole file; the caller frees *data. Returns 0, or -1 with errno set. */
static int replay_read(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        errno = buf ? EIO : ENOMEM;
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Runs one file. Returns 1 when it ran, 0 when it is not a regular file, -1 on a read error. */
static int replay_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        return 0;
    }
    uint8_t *data;
    size_t len;
    if (replay_read(path, &data, &len) != 0) {
        return -1;
    }
    /* A copy of exactly len bytes, so that a read past the end is caught by ASan or valgrind
     * when this build has them, as under libFuzzer. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 1;
}

int main(int argc, char **argv)
{
    unsigned ran = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            int rc = replay_file(argv[i]);
            if (rc < 0) {
                fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
                return 2;
            }
            ran += (unsigned)rc;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            int n = snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (n < 0 || (size_t)n >= sizeof path) {
                fprintf(stderr, "replay: %s/%s: path too long\n", argv[i], e->d_name);
                closedir(d);
                return 2;
            }
            int rc = replay_file(path);
            if (rc < 0) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                closedir(d);
                return 2;
            }
            ran += (unsigned)rc;
        }
        closedir(d);
    }
    if (ran == 0) {
        fprintf(stderr, "replay: no input files\n");
        return 2;
    }
    printf("replay: %u inputs, no finding\n", ran);
    return 0;
}
