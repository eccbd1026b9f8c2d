/* search: the one binary search of sorted tables (the viewer's visible events by time and by
 * presentation time, mailbox changes by event, NAT entries by connection). */
#ifndef MAILSIM_SEARCH_H
#define MAILSIM_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

/* The first i in [lo, hi) for which before(ctx, i) is false, or hi when there is none. before
 * must be true for a prefix of the range and false after it (the table is sorted by the key
 * it compares). */
static inline size_t search_first(size_t lo, size_t hi, bool (*before)(const void *ctx, size_t i),
                                  const void *ctx)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (before(ctx, mid)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

#endif
