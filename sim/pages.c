/* pages: huge-page backed blocks (see pages.h). madvise() and MAP_ANONYMOUS are not POSIX. */
#define _DEFAULT_SOURCE
#include "pages.h"

#include <stdint.h>
#include <sys/mman.h>

void *pages_alloc(size_t size)
{
    if (size == 0 || size % PAGES_UNIT != 0 || size > SIZE_MAX - PAGES_UNIT) {
        return NULL;
    }
    /* mmap only promises page alignment: map one unit more, then give back the ends, so the
     * block covers whole huge pages and no more. */
    size_t span = size + PAGES_UNIT;
    uint8_t *map = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        return NULL;
    }
    uintptr_t addr = (uintptr_t)map;
    size_t head = (PAGES_UNIT - addr % PAGES_UNIT) % PAGES_UNIT;
    uint8_t *p = map + head;
    if (head > 0) {
        munmap(map, head);
    }
    munmap(p + size, span - head - size);
#ifdef MADV_HUGEPAGE
    /* Only advice: without transparent huge pages the block still works, page by page. */
    madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

void pages_free(void *p, size_t size)
{
    if (p) {
        munmap(p, size);
    }
}
