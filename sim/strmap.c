/* strmap: open addressing with linear probing, at most half full (see strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#define STRMAP_MIN_CAP 16

/* The slot holding key, or the empty slot where it would go. The table is never full, so the
 * probe ends. */
static struct strmap_slot *strmap_find(const struct strmap *m, const char *key, uint32_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slot[i];
        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0)) {
            return s;
        }
    }
}

/* Moves the entries into a table of cap slots. */
static int strmap_rehash(struct strmap *m, size_t cap)
{
    struct strmap_slot *old = m->slot;
    size_t oldcap = m->cap;
    m->slot = calloc(cap, sizeof *m->slot);
    if (!m->slot) {
        m->slot = old;
        return -1;
    }
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key) {
            *strmap_find(m, old[i].key, old[i].hash) = old[i];
        }
    }
    free(old);
    return 0;
}

int strmap_reserve(struct strmap *m, size_t n)
{
    size_t cap = m->cap ? m->cap : STRMAP_MIN_CAP;
    while (cap / 2 < n) {
        cap *= 2;
    }
    return cap == m->cap ? 0 : strmap_rehash(m, cap);
}

/* The slot of key, empty when it is new, after growing the table so that it can take one more
 * key; NULL when out of memory. */
static struct strmap_slot *strmap_slot_for(struct strmap *m, const char *key, uint32_t h)
{
    if (m->cap) {
        struct strmap_slot *s = strmap_find(m, key, h);
        if (s->key || m->n + 1 <= m->cap / 2) {
            return s;
        }
    }
    if (strmap_reserve(m, m->n + 1) < 0) {
        return NULL;
    }
    return strmap_find(m, key, h);
}

int strmap_put(struct strmap *m, const char *key, size_t val)
{
    uint32_t h = strmap_hash(key);
    struct strmap_slot *s = strmap_slot_for(m, key, h);
    if (!s) {
        return -1;
    }
    m->n += s->key == NULL;
    *s = (struct strmap_slot){key, val, h};
    return 0;
}

int strmap_add(struct strmap *m, const char *key, size_t val, size_t *old)
{
    uint32_t h = strmap_hash(key);
    struct strmap_slot *s = strmap_slot_for(m, key, h);
    if (!s) {
        return -1;
    }
    if (s->key) {
        if (old) {
            *old = s->val;
        }
        return 0;
    }
    m->n++;
    *s = (struct strmap_slot){key, val, h};
    return 1;
}

bool strmap_get(const struct strmap *m, const char *key, size_t *val)
{
    if (m->n == 0) {
        return false;
    }
    const struct strmap_slot *s = strmap_find(m, key, strmap_hash(key));
    if (s->key && val) {
        *val = s->val;
    }
    return s->key != NULL;
}

size_t strmap_count(const struct strmap *m)
{
    return m->n;
}

bool strmap_next(const struct strmap *m, size_t *pos, const char **key, size_t *val)
{
    for (; *pos < m->cap; (*pos)++) {
        const struct strmap_slot *s = &m->slot[*pos];
        if (s->key) {
            if (key) {
                *key = s->key;
            }
            if (val) {
                *val = s->val;
            }
            (*pos)++;
            return true;
        }
    }
    return false;
}

void strmap_clear(struct strmap *m)
{
    if (m->slot) {
        memset(m->slot, 0, m->cap * sizeof *m->slot);
    }
    m->n = 0;
}

void strmap_free(struct strmap *m)
{
    free(m->slot);
    *m = (struct strmap){0};
}
