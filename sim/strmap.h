/* strmap: the one string hash of the project (FNV-1a) and, built on it, a small map from
 * strings to size_t values with open addressing and no global state (hsearch's table is
 * global, which is why libc's cannot serve). */
#ifndef MAILSIM_STRMAP_H
#define MAILSIM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 32 and 64 bits (Fowler, Noll, Vo; draft-eastlake-fnv): hash = (hash XOR octet) *
 * prime, from the offset basis. Not a defence against chosen keys: every table that uses it
 * holds names from the scenario or the run itself. */
#define STRMAP_HASH_BASIS 2166136261u
#define STRMAP_HASH_PRIME 16777619u
#define STRMAP_HASH64_BASIS 14695981039346656037ull
#define STRMAP_HASH64_PRIME 1099511628211ull

/* Continues the 32-bit FNV-1a hash h over p[0..n): strmap_hash_more(STRMAP_HASH_BASIS, p, n)
 * hashes p alone, and hashing a then b this way equals hashing their concatenation. */
static inline uint32_t strmap_hash_more(uint32_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * STRMAP_HASH_PRIME;
    }
    return h;
}

/* The 32-bit FNV-1a hash of p[0..n). */
static inline uint32_t strmap_hash_n(const void *p, size_t n)
{
    return strmap_hash_more(STRMAP_HASH_BASIS, p, n);
}

/* The 32-bit FNV-1a hash of the string s, without its NUL. */
static inline uint32_t strmap_hash(const char *s)
{
    uint32_t h = STRMAP_HASH_BASIS;
    for (; *s; s++) {
        h = (h ^ (uint8_t)*s) * STRMAP_HASH_PRIME;
    }
    return h;
}

/* The 64-bit FNV-1a hash of p[0..n), for names derived from a whole message, where 32 bits
 * would make two messages meet too soon. */
static inline uint64_t strmap_hash64_n(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = STRMAP_HASH64_BASIS;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * STRMAP_HASH64_PRIME;
    }
    return h;
}

/* ---- The map ----
 * Keys are borrowed: the map stores the caller's pointer, never a copy, so a key must stay
 * unchanged and alive while the map holds it (until strmap_clear or strmap_free, or until
 * strmap_put gives the same key again from other storage). The callers keep their records in
 * an array and map names to positions in it, which is why values are size_t. There is no
 * removal: a table that drops records clears the map and puts the survivors back.
 * A zeroed struct strmap is an empty map; it allocates on the first insertion. */

struct strmap_slot {
    const char *key; /* NULL: an empty slot */
    size_t val;
    uint32_t hash;
};

struct strmap {
    struct strmap_slot *slot;
    size_t cap; /* 0, or a power of two at least twice n */
    size_t n;
};

/* Makes room for n keys in all without growing again. 0, or -1 when out of memory (the map is
 * then unchanged). */
int strmap_reserve(struct strmap *m, size_t n);

/* Maps key to val, replacing the value (and the stored key pointer) when key is already there.
 * 0, or -1 when out of memory (the map is then unchanged). */
int strmap_put(struct strmap *m, const char *key, size_t val);

/* Maps key to val only when key is not there yet. 1 when added; 0 when key was there already,
 * with its value in *old (when old is not NULL) and the map unchanged; -1 when out of memory. */
int strmap_add(struct strmap *m, const char *key, size_t val, size_t *old);

/* True when key is in the map, with its value in *val (when val is not NULL). */
bool strmap_get(const struct strmap *m, const char *key, size_t *val);

/* The number of keys. */
size_t strmap_count(const struct strmap *m);

/* Iterates: start with *pos = 0; each call gives the next key and value (either pointer may be
 * NULL) and returns false after the last. The order is the table's, not the insertion order:
 * a caller that shows the result must not depend on it. */
bool strmap_next(const struct strmap *m, size_t *pos, const char **key, size_t *val);

/* Empties the map and keeps its memory. */
void strmap_clear(struct strmap *m);

/* Frees the table (not the keys) and leaves an empty map. */
void strmap_free(struct strmap *m);

#endif
