/* replay: the main() the fuzz targets get in a normal build, without libFuzzer. It feeds every
 * file of the directories (or the files) named on the command line to LLVMFuzzerTestOneInput,
 * so the seed corpus and every crasher found so far run as CTest tests with any compiler. */
#include "buf.h"
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

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
    struct buf in;
    buf_init(&in, 0);
    if (buf_read_file(&in, path) != 0) {
        buf_free(&in);
        return -1;
    }
    /* A copy of exactly len bytes, so that a read past the end is caught by ASan or valgrind
     * when this build has them, as under libFuzzer. */
    size_t len = in.len;
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        buf_free(&in);
        return -1;
    }
    memcpy(exact, in.data, len);
    buf_free(&in);
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
