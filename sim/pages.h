/* pages: large blocks of memory for the trace, mapped straight from the kernel and, where it
 * offers them, backed by transparent huge pages. A long run writes hundreds of MiB of trace
 * once and never frees it early; with 4 KiB pages, faulting it in costs more than writing it. */
#ifndef MAILSIM_PAGES_H
#define MAILSIM_PAGES_H

#include <stddef.h>

/* The unit pages_alloc() works in: one huge page on x86-64 and arm64 Linux. */
#define PAGES_UNIT ((size_t)2 << 20)

/* Returns size bytes, zero-filled, aligned to PAGES_UNIT, or NULL when memory is exhausted.
 * size must be a multiple of PAGES_UNIT. The caller frees the block with pages_free(). */
void *pages_alloc(size_t size);
void pages_free(void *p, size_t size);

#endif
