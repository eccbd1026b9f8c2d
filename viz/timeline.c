/* timeline: presentation time. Each gap between two event times becomes a short stretch of
 * presentation time that grows slowly with the gap, so a 1 ms hop and a 30 ms hop are both seen
 * to travel and an idle minute is a short pause; each step's first mark holds the clock while
 * its narration is read. The map is monotonic, invertible and depends on the trace alone. */
#include "search.h"
#include "timeline_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Gaps shorter than TL_FAST_US run at one constant stretch (a gap of TL_FAST_US lasts TL_BEAT
 * seconds); longer ones grow like (gap/TL_FAST_US)^TL_ALPHA up to TL_CAP, so a 15 ms hop
 * lasts about 1 s; a gap longer than TL_IDLE_US is idle and lasts TL_PAUSE. */
#define TL_FAST_US 1000.0
#define TL_BEAT 0.5
#define TL_ALPHA 0.3
#define TL_CAP 1.3
#define TL_IDLE_US 100000.0
#define TL_PAUSE 1.5
/* The clock stands still this long at each step's first mark, and at the very end. */
#define TL_HOLD 1.0
#define TL_TAIL 1.5
/* Navigation looks this far for the next or previous protocol line. */
#define TL_SCAN_MAX ((size_t)1 << 22)

static double tl_gap(uint64_t dt)
{
    double d = (double)dt;
    if (d <= 0) {
        return 0;
    }
    if (d < TL_FAST_US) {
        return TL_BEAT * d / TL_FAST_US;
    }
    if (d > TL_IDLE_US) {
        return TL_PAUSE;
    }
    double s = TL_BEAT * pow(d / TL_FAST_US, TL_ALPHA);
    return s < TL_CAP ? s : TL_CAP;
}

/* Arrays that grow by doubling; the timeline owns them. */
static int tl_reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return 0;
    }
    size_t ncap = *cap ? *cap * 2 : 256;
    void *q = realloc(*arr, ncap * elem);
    if (!q) {
        return -1;
    }
    *arr = q;
    *cap = ncap;
    return 0;
}

struct tl_builder {
    struct viz_timeline *tl;
    size_t cap_tmap, cap_vis;
    int oom;
};

static void tl_push_t(struct tl_builder *b, uint64_t t, double p)
{
    struct viz_timeline *tl = b->tl;
    if (tl_reserve((void **)&tl->tmap, &b->cap_tmap, tl->ntmap, sizeof *tl->tmap) != 0) {
        b->oom = 1;
        return;
    }
    tl->tmap[tl->ntmap++] = (struct viz_tpoint){t, p};
}

static void tl_push_v(struct tl_builder *b, uint64_t t, size_t idx, double p)
{
    struct viz_timeline *tl = b->tl;
    if (tl_reserve((void **)&tl->vis, &b->cap_vis, tl->nvis, sizeof *tl->vis) != 0) {
        b->oom = 1;
        return;
    }
    tl->vis[tl->nvis++] = (struct viz_vpoint){t, idx, p};
}

/* The first mail is the first to set out on the whole path (its step 1), else the one of the
 * first step event: an attack's mail that only arrives (open-relay's spam, seen from step 6)
 * does not decide the picture, so that a scenario and its countermeasure's twin draw the same
 * main line. Its first mark of each step is what the layout's main line, the quiz's moments and
 * shot --step follow. */
static void tl_find_marks(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    bool have_mail = false;
    for (size_t i = 0; i < tl->nevents && !have_mail; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_STEP && trace_step_n(e) == 1) {
            tl->first_mail = trace_step_mail_id(e);
            have_mail = true;
        }
    }
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_STEP) {
            continue;
        }
        if (!have_mail) {
            tl->first_mail = trace_step_mail_id(e);
            have_mail = true;
        }
        int n = trace_step_n(e);
        if (trace_step_mail_id(e) == tl->first_mail && n >= 1 && n <= 9 && !tl->marks[n].set) {
            struct viz_mark *m = &tl->marks[n];
            m->set = true;
            m->idx = i;
            m->t = e->t;
            m->conn = e->conn;
            m->agent = trace_step_agent_id(e);
        }
    }
}

/* A run's beats, read once. Each holds the clock a moment (as the first mail's steps did before
 * beats) unless the run is so long that holds would stretch it: then only the first mail's
 * steps and the moments that are no delivery step hold. */
#define TL_HOLD_ALL_BEATS 400

static int tl_find_beats(struct viz_timeline *tl)
{
    const struct trace *tr = tl->tr;
    size_t cap = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind != TRACE_BEAT) {
            continue;
        }
        if (tl_reserve((void **)&tl->beats, &cap, tl->nbeats, sizeof *tl->beats) != 0) {
            return -1;
        }
        tl->beats[tl->nbeats++] =
            (struct viz_beat){i,
                              e->t,
                              0,
                              e->conn,
                              trace_beat_agent_id(e),
                              trace_beat_mail_id(e),
                              (uint8_t)(trace_beat_step(e) <= 9 ? trace_beat_step(e) : 0),
                              false};
    }
    size_t cap_holds = 0;
    for (size_t k = 0; k < tl->nbeats; k++) {
        struct viz_beat *b = &tl->beats[k];
        b->hold = tl->nbeats <= TL_HOLD_ALL_BEATS || b->step == 0 || b->mail == tl->first_mail;
        if (b->hold) {
            if (tl_reserve((void **)&tl->holds, &cap_holds, tl->nholds, sizeof *tl->holds) != 0) {
                return -1;
            }
            tl->holds[tl->nholds++] = k;
        }
    }
    return 0;
}

/* The beat recorded at event i, or NULL (beats are in event order: a cursor walks them). */
static struct viz_beat *tl_beat_here(struct viz_timeline *tl, size_t i, size_t *cursor)
{
    while (*cursor < tl->nbeats && tl->beats[*cursor].idx < i) {
        ++*cursor;
    }
    return *cursor < tl->nbeats && tl->beats[*cursor].idx == i ? &tl->beats[*cursor] : NULL;
}

static bool tl_is_mark(const struct viz_timeline *tl, size_t i, int *n)
{
    for (int k = 1; k <= 9; k++) {
        if (tl->marks[k].set && tl->marks[k].idx == i) {
            *n = k;
            return true;
        }
    }
    return false;
}

/* The moment the last byte of the run arrives (data and resets travel after they are sent). */
static uint64_t tl_end_time(const struct trace *tr, size_t n)
{
    uint64_t end = 0;
    for (size_t i = 0; i < n; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        uint64_t t = e->t;
        if (e->kind == TRACE_DATA || e->kind == TRACE_CLOSE) {
            const struct trace_conn *c = trace_conn_get(tr, e->conn);
            t += c ? c->latency_us : 0;
        }
        end = t > end ? t : end;
    }
    return end;
}

static int tl_build_map(struct viz_timeline *tl)
{
    struct tl_builder b = {tl, 0, 0, 0};
    const struct trace *tr = tl->tr;
    double p = 0;
    uint64_t prev = 0;
    int marks_here = 0;
    size_t cursor = 0;
    bool marked[10] = {false};
    for (size_t i = 0; i < tl->nevents && !b.oom; i++) {
        uint64_t t = trace_event_at(tr, i)->t;
        if (i == 0 || t != prev) {
            if (i > 0) {
                if (marks_here) {
                    p += TL_HOLD;
                    tl_push_t(&b, prev, p);
                }
                p += tl_gap(t - prev);
            }
            tl_push_t(&b, t, p);
            tl_push_v(&b, t, i, p);
            prev = t;
            marks_here = 0;
        }
        /* A run with beats holds at them; an older trace at its first mail's step marks. A
         * second hold at the same moment (steps 6 and 7 happen at once) gets its own, so each
         * is narrated in turn. */
        int n;
        struct viz_beat *beat = tl_beat_here(tl, i, &cursor);
        bool mark = tl_is_mark(tl, i, &n);
        if (tl->nbeats ? beat && beat->hold : mark) {
            if (marks_here) {
                p += TL_HOLD;
                tl_push_t(&b, t, p);
                tl_push_v(&b, t, i, p);
            }
            marks_here++;
        }
        if (beat) {
            beat->p = p;
            /* the first mail's step is narrated from its beat, just after the mark */
            int k = beat->step;
            if (k && beat->mail == tl->first_mail && tl->marks[k].set &&
                tl->marks[k].idx < beat->idx && !marked[k]) {
                tl->marks[k].p = p;
                marked[k] = true;
            }
        }
        if (mark && !tl->nbeats) {
            tl->marks[n].p = p;
        }
    }
    if (tl->nevents == 0) {
        tl_push_t(&b, 0, 0);
        tl_push_v(&b, 0, 0, 0);
    } else {
        if (marks_here) {
            p += TL_HOLD;
            tl_push_t(&b, prev, p);
        }
        uint64_t end = tl_end_time(tr, tl->nevents);
        if (end > prev) {
            p += tl_gap(end - prev);
            tl_push_t(&b, end, p);
        }
    }
    tl->duration = p + TL_TAIL;
    return b.oom ? -1 : 0;
}

struct viz_timeline *viz_timeline_new(const struct trace *tr)
{
    struct viz_timeline *tl = calloc(1, sizeof *tl);
    if (!tl) {
        return NULL;
    }
    tl->tr = tr;
    tl->nevents = tr->nevents;
    tl_find_marks(tl);
    if (tl_find_beats(tl) != 0 || tl_build_map(tl) != 0 || viz_index_build(tl) != 0) {
        viz_timeline_free(tl);
        return NULL;
    }
    return tl;
}

void viz_timeline_free(struct viz_timeline *tl)
{
    if (!tl) {
        return;
    }
    viz_index_free(tl);
    free(tl->beats);
    free(tl->holds);
    free(tl->tmap);
    free(tl->vis);
    free(tl);
}

size_t viz_timeline_events(const struct viz_timeline *tl)
{
    return tl->nevents;
}

double viz_timeline_duration(const struct viz_timeline *tl)
{
    return tl->duration;
}

double viz_timeline_virtual_f(const struct viz_timeline *tl, double p)
{
    const struct viz_tpoint *m = tl->tmap;
    size_t n = tl->ntmap;
    if (p <= m[0].p) {
        return (double)m[0].t;
    }
    /* the last point with m.p <= p */
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].p <= p) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if (lo + 1 >= n) {
        return (double)m[n - 1].t;
    }
    double f = (p - m[lo].p) / (m[lo + 1].p - m[lo].p);
    return (double)m[lo].t + f * (double)(m[lo + 1].t - m[lo].t);
}

uint64_t viz_timeline_to_virtual(const struct viz_timeline *tl, double p)
{
    return (uint64_t)llround(viz_timeline_virtual_f(tl, p));
}

double viz_timeline_from_virtual(const struct viz_timeline *tl, uint64_t t_us)
{
    const struct viz_tpoint *m = tl->tmap;
    size_t n = tl->ntmap;
    /* the first point with m.t >= t_us: where a hold at that time begins */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].t < t_us) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return m[0].p;
    }
    if (lo == n) {
        return m[n - 1].p;
    }
    if (m[lo].t == t_us) {
        return m[lo].p;
    }
    const struct viz_tpoint *a = &m[lo - 1], *b = &m[lo];
    return a->p + (double)(t_us - a->t) / (double)(b->t - a->t) * (b->p - a->p);
}

size_t viz_timeline_visible(const struct viz_timeline *tl, double p)
{
    /* the first point that appears after p; everything before it is shown */
    size_t lo = 0, hi = tl->nvis;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->vis[mid].p <= p) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < tl->nvis ? tl->vis[lo].idx : tl->nevents;
}

/* What search_first() compares the visible events by: presentation time, or trace time. */
struct tl_key {
    const struct viz_timeline *tl;
    double p;
    uint64_t t;
};

static bool tl_vis_before_p(const void *ctx, size_t i)
{
    const struct tl_key *k = ctx;
    return k->tl->vis[i].p < k->p;
}

static bool tl_vis_before_t(const void *ctx, size_t i)
{
    const struct tl_key *k = ctx;
    return k->tl->vis[i].t < k->t;
}

/* The index of the first visible event from i on, or nevents. */
static size_t tl_vis_idx(const struct viz_timeline *tl, size_t i)
{
    return i < tl->nvis ? tl->vis[i].idx : tl->nevents;
}

/* The number of events that appear strictly before p. */
static size_t tl_visible_before(const struct viz_timeline *tl, double p)
{
    struct tl_key k = {tl, p, 0};
    return tl_vis_idx(tl, search_first(0, tl->nvis, tl_vis_before_p, &k));
}

double viz_timeline_event_p(const struct viz_timeline *tl, size_t i)
{
    size_t lo = 0, hi = tl->nvis;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->vis[mid].idx <= i) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return tl->nvis ? tl->vis[lo].p : 0;
}

size_t viz_timeline_index_at(const struct viz_timeline *tl, uint64_t t_us)
{
    struct tl_key k = {tl, 0, t_us};
    return tl_vis_idx(tl, search_first(0, tl->nvis, tl_vis_before_t, &k));
}

double viz_timeline_step_time(const struct viz_timeline *tl, int n)
{
    if (n < 1 || n > 9 || !tl->marks[n].set) {
        return -1;
    }
    return tl->marks[n].p;
}

int viz_timeline_step_at(const struct viz_timeline *tl, double p)
{
    int best = 0;
    double best_p = -1;
    for (int n = 1; n <= 9; n++) {
        const struct viz_mark *m = &tl->marks[n];
        if (m->set && m->p <= p && m->p > best_p) {
            best = n;
            best_p = m->p;
        }
    }
    return best;
}

double viz_timeline_next_line(const struct viz_timeline *tl, double p)
{
    size_t i = viz_timeline_visible(tl, p);
    size_t stop = tl->nevents - i > TL_SCAN_MAX ? i + TL_SCAN_MAX : tl->nevents;
    for (; i < stop; i++) {
        if (trace_event_at(tl->tr, i)->kind == TRACE_DATA) {
            return viz_timeline_event_p(tl, i);
        }
    }
    return p;
}

double viz_timeline_prev_line(const struct viz_timeline *tl, double p)
{
    size_t i = tl_visible_before(tl, p);
    size_t stop = i > TL_SCAN_MAX ? i - TL_SCAN_MAX : 0;
    while (i > stop) {
        i--;
        if (trace_event_at(tl->tr, i)->kind == TRACE_DATA) {
            return viz_timeline_event_p(tl, i);
        }
    }
    return p;
}

double viz_timeline_next_step(const struct viz_timeline *tl, double p)
{
    double best = -1;
    for (int n = 1; n <= 9; n++) {
        const struct viz_mark *m = &tl->marks[n];
        if (m->set && m->p > p && (best < 0 || m->p < best)) {
            best = m->p;
        }
    }
    return best < 0 ? p : best;
}

double viz_timeline_prev_step(const struct viz_timeline *tl, double p)
{
    double best = -1;
    for (int n = 1; n <= 9; n++) {
        const struct viz_mark *m = &tl->marks[n];
        if (m->set && m->p < p && m->p > best) {
            best = m->p;
        }
    }
    return best < 0 ? p : best;
}

size_t viz_timeline_beats(const struct viz_timeline *tl)
{
    return tl->nbeats;
}

double viz_timeline_beat_time(const struct viz_timeline *tl, size_t k)
{
    return k < tl->nbeats ? tl->beats[k].p : -1;
}

const struct trace_event *viz_timeline_beat_event(const struct viz_timeline *tl, size_t k)
{
    return k < tl->nbeats ? trace_event_at(tl->tr, tl->beats[k].idx) : NULL;
}

/* The number of holding beats shown at p or before (strictly before, with before). The beats
 * told, and stepped through with ↑/↓, are the ones that hold the clock: all of a lesson's; in a
 * long run the first mail's steps and every moment that is no delivery step. */
static size_t tl_holds_upto(const struct viz_timeline *tl, double p, bool before)
{
    size_t lo = 0, hi = tl->nholds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double q = tl->beats[tl->holds[mid]].p;
        if (before ? q < p : q <= p) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

long viz_timeline_beat_at(const struct viz_timeline *tl, double p)
{
    size_t j = tl_holds_upto(tl, p, false);
    return j > 0 ? (long)tl->holds[j - 1] : -1;
}

double viz_timeline_next_beat(const struct viz_timeline *tl, double p)
{
    if (tl->nbeats == 0) {
        return viz_timeline_next_step(tl, p);
    }
    size_t j = tl_holds_upto(tl, p, false);
    return j < tl->nholds ? tl->beats[tl->holds[j]].p : p;
}

double viz_timeline_prev_beat(const struct viz_timeline *tl, double p)
{
    if (tl->nbeats == 0) {
        return viz_timeline_prev_step(tl, p);
    }
    size_t j = tl_holds_upto(tl, p, true);
    return j > 0 ? tl->beats[tl->holds[j - 1]].p : p;
}
