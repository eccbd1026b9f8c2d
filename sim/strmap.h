/* strmap: the one string hash of the project (FNV-1a) and, built on it, a small map from
 * strings to size_t values with open addressing and no global state (hsearch's table is
 * global, which is why libc's cannot serve). */
#ifndef MAILSIM_STRMAP_H
#define MAILSIM_STRMAP_H

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

#endif
