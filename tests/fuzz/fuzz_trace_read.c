/* fuzz_trace_read: the JSONL trace reader (sim/trace_read.h), which `mailsim view` and `shot
 * --trace` run on a file that may come from another machine. Checked: any input is either
 * refused with one line that names the file, or read into a trace that writes back as JSON lines
 * which read again and write the very same bytes (what the reader takes, it keeps whole). */
#include "export.h"
#include "fuzz.h"
#include "trace_read.h"

/* tr as JSON lines, in a buffer the caller frees. */
static char *fuzz_trace_jsonl(const struct trace *tr, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(export_jsonl(tr, out) == 0);
    FUZZ_CHECK(fclose(out) == 0);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0; /* fmemopen refuses an empty buffer */
    }
    FILE *in = fmemopen((void *)data, size, "r");
    FUZZ_CHECK(in != NULL);
    struct trace tr;
    char err[512];
    memset(err, 0, sizeof err);
    int rc = trace_read_jsonl(in, "fuzz.jsonl", &tr, err, sizeof err);
    fclose(in);
    if (rc != 0) {
        FUZZ_CHECK(strncmp(err, "fuzz.jsonl", 10) == 0);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
        return 0;
    }
    size_t len1 = 0, len2 = 0;
    char *first = fuzz_trace_jsonl(&tr, &len1);
    trace_free(&tr);

    in = fmemopen(first, len1, "r");
    FUZZ_CHECK(in != NULL);
    rc = trace_read_jsonl(in, "again.jsonl", &tr, err, sizeof err);
    fclose(in);
    if (rc != 0) {
        fprintf(stderr, "what the reader wrote does not read back: %s\n", err);
    }
    FUZZ_CHECK(rc == 0);
    char *second = fuzz_trace_jsonl(&tr, &len2);
    trace_free(&tr);
    FUZZ_CHECK(len1 == len2 && memcmp(first, second, len1) == 0);
    free(first);
    free(second);
    return 0;
}
