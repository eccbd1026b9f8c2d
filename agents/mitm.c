/* mitm: STARTTLS stripping in the path (see mitm.h). */
#include "mitm.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mitm {
    struct agent base;
    uint8_t *out;
    size_t cap;
    uint64_t stripped;
};

static void mitm_destroy(struct agent *a)
{
    struct mitm *m = (struct mitm *)a;
    free(m->out);
}

static const struct agent_ops mitm_ops = {"mitm", "in-path box", mitm_destroy, NULL};

/* Is the line [p, p+n) (CRLF included) a 250 STARTTLS line, as continuation ('-') or last? */
static bool mitm_is_starttls(const uint8_t *p, size_t n, char *sep)
{
    static const char word[] = "STARTTLS";
    if (n != 4 + sizeof word - 1 + 2 || memcmp(p, "250", 3) != 0 || (p[3] != '-' && p[3] != ' ')) {
        return false;
    }
    *sep = (char)p[3];
    return strncasecmp((const char *)p + 4, word, sizeof word - 1) == 0 && p[n - 2] == '\r' &&
           p[n - 1] == '\n';
}

size_t mitm_strip_starttls(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t len = 0, last_line = (size_t)-1;
    size_t at = 0;
    while (at < n) {
        const uint8_t *nl = memchr(p + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - p) + 1 : n;
        char sep;
        if (mitm_is_starttls(p + at, end - at, &sep)) {
            if (sep == ' ' && last_line != (size_t)-1 && out[last_line + 3] == '-') {
                out[last_line + 3] = ' '; /* the line before becomes the last one */
            }
        } else {
            last_line = len;
            memcpy(out + len, p + at, end - at);
            len += end - at;
        }
        at = end;
    }
    return len;
}

static bool mitm_tamper(struct sim_world *w, void *ctx, uint32_t conn, enum trace_side from,
                        const uint8_t *p, size_t n, const uint8_t **out, size_t *nout)
{
    (void)w;
    (void)conn;
    struct mitm *m = ctx;
    if (from != TRACE_SERVER || n < 12 || memcmp(p, "250", 3) != 0) {
        return false;
    }
    if (m->cap < n) {
        uint8_t *grown = realloc(m->out, n);
        if (!grown) {
            abort();
        }
        m->out = grown;
        m->cap = n;
    }
    size_t len = mitm_strip_starttls(p, n, m->out);
    if (len == n) {
        return false;
    }
    m->stripped++;
    *out = m->out;
    *nout = len;
    return true;
}

struct mitm *mitm_new(struct mail_world *mw, const char *id, int host, int link)
{
    struct mitm *m = agent_new(sizeof *m, &mitm_ops, mw, id, host);
    if (sim_tamper_add(mw->sim, link, id, mitm_tamper, m) < 0) {
        return NULL;
    }
    return m;
}
