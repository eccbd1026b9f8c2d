/* buf: bounded growable byte buffers. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

bool buf_can_append(const struct buf *b, size_t n)
{
    return n <= b->max && b->len <= b->max - n;
}

static int buf_resize(struct buf *b, size_t cap)
{
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

/* Grows the capacity to at least need, doubling. */
static int buf_grow(struct buf *b, size_t need)
{
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    return buf_resize(b, cap);
}

int buf_reserve(struct buf *b, size_t n)
{
    if (!buf_can_append(b, n) || n == SIZE_MAX - b->len) {
        return -1;
    }
    size_t need = b->len + n + 1;
    return need <= b->cap ? 0 : buf_resize(b, need);
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    if (!buf_can_append(b, n)) {
        return -1;
    }
    if (n == 0) {
        return 0;
    }
    /* One spare byte so that text users can always NUL-terminate in place. */
    if (buf_grow(b, b->len + n + 1) != 0) {
        return -1;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    if ((size_t)n < sizeof small) {
        return buf_append(b, small, (size_t)n);
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        return -1;
    }
    va_start(ap, fmt);
    int m = vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = (m == n) ? buf_append(b, big, (size_t)n) : -1;
    free(big);
    return rc;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data) {
        b->data[b->len] = 0;
    }
}

void buf_clear(struct buf *b)
{
    b->len = 0;
    if (b->data) {
        b->data[0] = 0;
    }
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = 0;
    }
}

int buf_read_file(struct buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    int rc = 0;
    for (;;) {
        /* Room as large as what is already read: a large file is copied a few times, not once
         * per chunk. */
        size_t room = b->len > 4096 ? b->len : 4096;
        if (room > b->max - b->len) {
            room = b->max - b->len;
        }
        if (room == 0) {
            if (fgetc(f) != EOF) {
                errno = EFBIG; /* more than the buffer's limit */
                rc = -2;
            }
            break;
        }
        if (buf_reserve(b, room) != 0) {
            errno = ENOMEM;
            rc = -2;
            break;
        }
        errno = 0;
        size_t got = fread(b->data + b->len, 1, room, f);
        b->len += got;
        b->data[b->len] = 0;
        if (got < room) {
            if (ferror(f)) {
                errno = errno ? errno : EIO;
                rc = -2;
            }
            break;
        }
    }
    int why = errno;
    fclose(f);
    errno = why;
    return rc;
}

void *buf_grow_items(void *items, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n >= *cap) {
        size_t room = *cap ? *cap : (first ? first : 1);
        while (room <= n && room <= SIZE_MAX / 2) {
            room *= 2;
        }
        void *grown = room > n && room <= SIZE_MAX / elem ? realloc(items, room * elem) : NULL;
        if (!grown) {
            fprintf(stderr, "mailsim: out of memory\n");
            abort();
        }
        items = grown;
        *cap = room;
    }
    memset((unsigned char *)items + n * elem, 0, elem);
    return items;
}

const void *bytes_find(const void *hay, size_t n, const void *needle, size_t k)
{
    if (k == 0) {
        return hay;
    }
    const uint8_t *h = hay, *first = needle;
    /* memchr finds each candidate for the first byte; memcmp checks the rest */
    for (const uint8_t *at = h; k <= n - (size_t)(at - h);) {
        const uint8_t *c = memchr(at, *first, n - (size_t)(at - h) - k + 1);
        if (!c) {
            return NULL;
        }
        if (memcmp(c, needle, k) == 0) {
            return c;
        }
        at = c + 1;
    }
    return NULL;
}
