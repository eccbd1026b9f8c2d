/* test_pairs: an attack and its countermeasure are shown side by side, so each pair of scenarios
 * that tells one story must draw the same picture of the network — at the first beat of each, in
 * the sizes a classroom uses, every host of one has a box at the same place and of the same size
 * in the other (ux review M11). The pairs share hosts, zones, links and agents in their files. */
#include "harness.h"
#include "scene_check.h"

/* Attack, then its countermeasure. open-relay and relay-restricted, and pop3s, are not here yet:
 * their first mail takes another route in each (see the report of issue #18 item 5). */
static const char *const test_pairs[][2] = {
    {"open-relay", "relay-restricted"},
    {"sniff-plaintext", "starttls-all-hops"},
    {"sniff-plaintext", "smtps-one-hop"},
};

/* The box drawn for host h: the rectangle that carries its target. */
static const struct dl_item *test_host_box(const struct display_list *dl, uint32_t h)
{
    return find_item(dl, DL_RECT, DL_TARGET_HOST, h);
}

static void test_pair(struct harness *h, const char *a, const char *b, int width, int height,
                      bool presenter)
{
    char pa[256], pb[256];
    snprintf(pa, sizeof pa, "../scenarios/%s.json", a);
    snprintf(pb, sizeof pb, "../scenarios/%s.json", b);
    struct run ra, rb;
    struct words w;
    words_load(&w, "ja");
    if (!CHECK(h, run_load(&ra, pa) == 0) || !CHECK(h, run_load(&rb, pb) == 0)) {
        return;
    }
    struct display_list da, db;
    dl_init(&da);
    dl_init(&db);
    struct viz_view va = view_at(&w, width, height, viz_timeline_beat_time(ra.tl, 0));
    struct viz_view vb = view_at(&w, width, height, viz_timeline_beat_time(rb.tl, 0));
    va.presenter = vb.presenter = presenter;
    scene_build(&ra.tr, ra.tl, &va, &da);
    scene_build(&rb.tr, rb.tl, &vb, &db);
    CHECK_INT(h, ra.tr.nhosts, rb.tr.nhosts);
    for (uint32_t i = 0; i < ra.tr.nhosts; i++) {
        const char *name = trace_string(&ra.tr, ra.tr.hosts[i].name);
        uint32_t j = host_by_name(&rb.tr, name);
        const struct dl_item *x = test_host_box(&da, i);
        const struct dl_item *y = j < rb.tr.nhosts ? test_host_box(&db, j) : NULL;
        bool same = x && y && fabsf(x->x - y->x) < 0.5f && fabsf(x->y - y->y) < 0.5f &&
                    fabsf(x->w - y->w) < 0.5f && fabsf(x->h - y->h) < 0.5f;
        if (!CHECK(h, same)) {
            fprintf(stderr,
                    "    %s / %s %dx%d: %s at %.0f,%.0f %.0fx%.0f and %.0f,%.0f %.0fx%.0f\n", a, b,
                    width, height, name, x ? x->x : -1, x ? x->y : -1, x ? x->w : -1, x ? x->h : -1,
                    y ? y->x : -1, y ? y->y : -1, y ? y->w : -1, y ? y->h : -1);
        }
    }
    dl_free(&da);
    dl_free(&db);
    run_free(&ra);
    run_free(&rb);
    ui_strings_free(w.ui);
}

int main(void)
{
    struct harness h = {"test_pairs", 0, 0};
    for (size_t i = 0; i < sizeof test_pairs / sizeof test_pairs[0]; i++) {
        test_pair(&h, test_pairs[i][0], test_pairs[i][1], 1280, 720, true);
        test_pair(&h, test_pairs[i][0], test_pairs[i][1], 1600, 900, false);
        test_pair(&h, test_pairs[i][0], test_pairs[i][1], 1920, 1080, true);
    }
    return harness_finish(&h);
}
