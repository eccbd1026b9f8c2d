/* fuzz: what the libFuzzer targets of tests/fuzz share. Each target reads a few option bytes
 * from the front of its input (configuration, how to cut the rest into chunks) and feeds the
 * rest to an engine; a broken invariant aborts, which libFuzzer reports as a crash and the
 * replay tests (replay.c) as a failure. Header-only, so every target is one .c file. */
#ifndef MAILSIM_FUZZ_H
#define MAILSIM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry point; replay.c calls it too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: say which, then abort (a crash to libFuzzer, a failed CTest). */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input, read from the front. Past its end every byte reads as 0. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fuzz_byte(struct fuzz_in *in)
{
    if (in->n == 0) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

/* How the rest of the input is cut into the chunks fed one call at a time: one option byte
 * picks the largest chunk (low 3 bits: the whole input, 1, 2, 3, 7, 64, 512 or 4096 octets)
 * and seeds the sizes in between (high 5 bits), so the same input can be fed whole, one octet
 * at a time, or cut at irregular places. */
struct fuzz_chunker {
    uint32_t state;
    size_t max;        /* 0: everything at once */
    const uint8_t *p;  /* what is still to feed */
    size_t left;       /* octets still to feed */
    const uint8_t *at; /* the current chunk, after fuzz_chunk_next() */
    size_t n;          /* its length */
};

static inline void fuzz_chunker_init(struct fuzz_chunker *c, uint8_t option, const uint8_t *data,
                                     size_t size)
{
    static const size_t maxes[8] = {0, 1, 2, 3, 7, 64, 512, 4096};
    c->max = maxes[option & 7];
    c->state = (uint32_t)(option >> 3) * 2654435761u + 1u;
    c->p = data;
    c->left = size;
    c->at = NULL;
    c->n = 0;
}

/* Moves to the next chunk (at, n; n is at least 1); false when everything has been fed. */
static inline bool fuzz_chunk_next(struct fuzz_chunker *c)
{
    if (c->left == 0) {
        return false;
    }
    size_t k = c->left;
    if (c->max != 0) {
        c->state = c->state * 1103515245u + 12345u;
        k = 1 + (size_t)(c->state >> 8) % c->max;
        k = k < c->left ? k : c->left;
    }
    c->at = c->p;
    c->n = k;
    c->p += k;
    c->left -= k;
    return true;
}

/* Feeds one chunk to the engine e, whose calls are prefix_done, prefix_feed and prefix_output,
 * and checks what every engine promises: input after the session is done is ignored (nothing
 * more comes out). */
#define FUZZ_FEED(prefix, e, p, n)                                                                 \
    do {                                                                                           \
        bool fuzz_was_done_ = prefix##_done(e);                                                    \
        prefix##_feed((e), (p), (n));                                                              \
        const uint8_t *fuzz_out_;                                                                  \
        FUZZ_CHECK(!fuzz_was_done_ || prefix##_output((e), &fuzz_out_) == 0);                      \
    } while (0)

/* A running FNV-1a hash of everything an engine did (bytes out, hook calls), so that two runs
 * over the same input cut differently can be compared. */
static inline uint64_t fuzz_hash(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    if (h == 0) {
        h = 14695981039346656037ull;
    }
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

static inline uint64_t fuzz_hash_str(uint64_t h, const char *s)
{
    return fuzz_hash(h, s ? s : "(null)", s ? strlen(s) + 1 : 7);
}

/* Reassembles CRLF-ended lines from output drained in pieces, so each complete line can be
 * checked. Lines longer than the buffer are flagged, not kept. */
struct fuzz_lines {
    char line[1024];
    size_t len;    /* octets of the current line kept */
    size_t total;  /* octets of the current line seen */
    bool after_cr; /* the last octet was CR */
};

/* Feeds out[0..n) and calls check(ctx, line, len, total) for each complete line (without its
 * CRLF; total counts every octet with the CRLF). A bare LF or a CR not followed by LF breaks
 * the invariant every engine here keeps: it writes CRLF line ends only. */
static inline void
fuzz_lines_feed(struct fuzz_lines *L, const uint8_t *out, size_t n,
                void (*check)(void *ctx, const char *line, size_t len, size_t total), void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = out[i];
        L->total++;
        if (L->after_cr) {
            FUZZ_CHECK(c == '\n'); /* a CR the engine sent is always followed by LF */
            L->after_cr = false;
            L->line[L->len] = 0;
            if (check) {
                check(ctx, L->line, L->len, L->total);
            }
            L->len = 0;
            L->total = 0;
            continue;
        }
        FUZZ_CHECK(c != '\n'); /* an LF without CR before it */
        if (c == '\r') {
            L->after_cr = true;
        } else if (L->len < sizeof L->line - 1) {
            L->line[L->len++] = (char)c;
        }
    }
}

/* Takes out[0..n), bytes the engine sent: into the running hash *h, and through L line by
 * line with check as fuzz_lines_feed does. */
static inline void fuzz_take(uint64_t *h, struct fuzz_lines *L, const uint8_t *out, size_t n,
                             void (*check)(void *ctx, const char *line, size_t len, size_t total),
                             void *ctx)
{
    *h = fuzz_hash(*h, out, n);
    fuzz_lines_feed(L, out, n, check, ctx);
}

/* True when the output ended at a line end (no partial line is pending). */
static inline bool fuzz_lines_complete(const struct fuzz_lines *L)
{
    return L->total == 0;
}

/* One run of an engine over the rest of the input: its settings, its hook behaviour, how the
 * input is cut (see fuzz_chunker), and the input. Returns the hash of everything the engine did
 * and sets *tls when the run went into TLS (whose bytes differ from run to run). */
typedef uint64_t (*fuzz_session_fn)(unsigned cfg_bits, unsigned hook_bits, uint8_t cut,
                                    const uint8_t *data, size_t size, bool *tls);

/* The entry of the session targets: three option bytes (settings, cut, hooks), then the same
 * bytes fed as cut and fed whole (or, when they already were, one octet at a time). Where
 * neither run used TLS the two must have done exactly the same. */
static inline int fuzz_cut_and_compare(const uint8_t *data, size_t size, fuzz_session_fn run)
{
    struct fuzz_in in = {data, size};
    unsigned cfg_bits = fuzz_byte(&in);
    uint8_t cut = fuzz_byte(&in);
    unsigned hook_bits = fuzz_byte(&in);
    bool tls_cut, tls_other;
    uint64_t h_cut = run(cfg_bits, hook_bits, cut, in.p, in.n, &tls_cut);
    uint8_t other = (cut & 7) == 0 ? 1 : 0;
    uint64_t h_other = run(cfg_bits, hook_bits, other, in.p, in.n, &tls_other);
    if (!tls_cut && !tls_other) {
        FUZZ_CHECK(h_cut == h_other);
    }
    return 0;
}

#endif
