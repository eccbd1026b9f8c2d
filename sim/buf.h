/* buf: a growable byte buffer with a hard upper bound, used for every queue of bytes in
 * mailsim (engine output, link payloads). Bounds are checked in one place, buf_can_append().
 * Ownership: the buffer owns data; buf_free() releases it. */
#ifndef MAILSIM_BUF_H
#define MAILSIM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len; /* bytes in use, from data[0] */
    size_t cap; /* bytes allocated */
    size_t max; /* hard limit on len; 0 means SIZE_MAX */
};

/* An empty buffer that may hold at most max bytes (0: no limit but memory). */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);

/* True when n more bytes fit under the limit. */
bool buf_can_append(const struct buf *b, size_t n);

/* Makes room for n more bytes, allocating exactly that (and the spare NUL byte) when it must
 * grow: a writer that knows its size ahead skips the doubling steps and their slack. Returns 0,
 * or -1 (buffer unchanged) when the limit or memory is exhausted. */
int buf_reserve(struct buf *b, size_t n);

/* Appends n bytes. Returns 0, or -1 (buffer unchanged) when the limit or memory is exhausted. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);

/* printf-style append; -1 on limit, memory or an encoding error. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Removes the first n bytes (n is clamped to len). */
void buf_consume(struct buf *b, size_t n);

void buf_clear(struct buf *b);

/* Cuts the buffer back to its first len bytes (no-op when len >= b->len): how a writer rolls
 * back a half-written item after an error. */
void buf_truncate(struct buf *b, size_t len);

/* Appends the whole file at path, read as bytes; data stays NUL-terminated and allocated even
 * for an empty file. Returns 0; -1 with fopen's errno when the file cannot be opened; -2 when it
 * cannot be read whole, errno saying why: the read's own error (EISDIR for a directory), EFBIG
 * past the buffer's limit or ENOMEM (the buffer then holds what was read so far). */
int buf_read_file(struct buf *b, const char *path);

/* The first place in hay[0..n) where the k bytes of needle stand, or NULL; hay itself when k is
 * 0 (which is NULL for a NULL hay: callers asking "is it there" test k == 0 first). The one
 * substring search over bytes that may hold NULs (message text, trace payloads), for
 * what libc's memmem would do were it POSIX. */
const void *bytes_find(const void *hay, size_t n, const void *needle, size_t k);

/* Growable arrays of fixed-size items (a world's hosts, a zone's records, a server's
 * connections) share one way to grow: room for item n of an array of elem-byte items with room
 * for *cap, doubling from first. Returns the array, perhaps moved, with item n zeroed. Out of
 * memory aborts: a table of the run that cannot grow leaves nothing sensible to go on with. */
void *buf_grow_items(void *items, size_t *cap, size_t n, size_t elem, size_t first);

/* Appends a zeroed item to the array arr (n items in use, room for cap) and yields its address;
 * arr, n and cap are lvalues, evaluated more than once. */
#define BUF_PUSH(arr, n, cap, first)                                                               \
    ((arr) = buf_grow_items((arr), &(cap), (n), sizeof *(arr), (first)), &(arr)[(n)++])

#endif
