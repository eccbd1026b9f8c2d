/* test_cards: the result card of each attack (viz/scene_cards.c), read on the display list: what
 * eve got stays next to her host to the end, a refusal of the spammer's connection appears at its
 * beat and not before, the man in the middle's card sits on the link it rewrote, and in every
 * bundled scenario, at every beat, in both window sizes with and without presenter mode, the
 * cards stay inside the network and clear of each other and of the host boxes. */
#include "harness.h"
#include "scene_check.h"

/* A card is a rectangle on the labels' layer that names a beat (a click goes to it). */
static bool is_card(const struct dl_item *it)
{
    return it->kind == DL_RECT && it->layer == LAYER_LABEL && it->target == DL_TARGET_BEAT;
}

static bool box_holds(const struct dl_item *box, float x, float y)
{
    return x >= box->x && x <= box->x + box->w && y >= box->y && y <= box->y + box->h;
}

static size_t cards_in(const struct display_list *dl)
{
    size_t n = 0;
    for (size_t i = 0; i < dl->n; i++) {
        n += is_card(&dl->items[i]);
    }
    return n;
}

/* The texts of a card, joined with spaces (rows broken at a space lost it). */
static void card_text(const struct display_list *dl, const struct dl_item *card, char *out,
                      size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; card && i < dl->n; i++) {
        const struct dl_item *t = &dl->items[i];
        if (t->kind == DL_TEXT && t->layer == LAYER_LABEL && box_holds(card, t->x + 1, t->y + 1)) {
            int m = snprintf(out + len, cap - len, "%s%s", len ? " " : "", dl_text(dl, t));
            len += m > 0 ? (size_t)m : 0;
            len = len < cap ? len : cap - 1;
        }
    }
}

/* The card whose text holds needle (spaces aside, as rows break at them), or NULL. */
static const struct dl_item *card_with(const struct display_list *dl, const char *needle)
{
    char want[256];
    snprintf(want, sizeof want, "%s", needle);
    squeeze(want);
    for (size_t i = 0; i < dl->n; i++) {
        char text[2048];
        if (is_card(&dl->items[i])) {
            card_text(dl, &dl->items[i], text, sizeof text);
            squeeze(text);
            if (strstr(text, want)) {
                return &dl->items[i];
            }
        }
    }
    return NULL;
}

static bool same_rgb(struct dl_color a, struct dl_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* The gap between a card and a box (0 when they touch). */
static float gap_to(const struct dl_item *card, struct layout_box b)
{
    float gx = fmaxf(0, fmaxf(card->x - (b.x + b.w), b.x - (card->x + card->w)));
    float gy = fmaxf(0, fmaxf(card->y - (b.y + b.h), b.y - (card->y + card->h)));
    return hypotf(gx, gy);
}

static struct layout_box host_box(const struct display_list *dl, const struct trace *tr,
                                  const char *name)
{
    const struct dl_item *it = find_item(dl, DL_RECT, DL_TARGET_HOST, host_by_name(tr, name));
    return it ? (struct layout_box){it->x, it->y, it->w, it->h} : (struct layout_box){0};
}

static void frame(const struct run *r, const struct words *w, int width, int height, bool presenter,
                  double p, struct display_list *dl)
{
    struct viz_view v = view_at(w, width, height, p);
    v.presenter = presenter;
    scene_build(&r->tr, r->tl, &v, dl);
}

/* The first beat whose "what" is what (and, when actor is not NULL, whose actor it is); -1. */
static long beat_of(const struct run *r, const char *what, const char *actor)
{
    for (size_t k = 0; k < r->tl->nbeats; k++) {
        const struct trace_event *e = viz_timeline_beat_event(r->tl, k);
        size_t n;
        const char *s = trace_beat_word(&r->tr, e, TRACE_BEAT_WHAT, &n);
        if (n == strlen(what) && memcmp(s, what, n) == 0 &&
            (!actor || strcmp(trace_beat_agent(&r->tr, e), actor) == 0)) {
            return (long)k;
        }
    }
    return -1;
}

/* Runs the bundled scenario name; false (with nothing left to free) when it does not load. */
static bool load(struct harness *h, struct run *r, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "../scenarios/%s.json", name);
    if (!CHECK(h, run_load(r, path) == 0)) {
        run_free(r);
        return false;
    }
    return true;
}

/* sniff-plaintext: eve's passwords on one red card next to her host, from her first catch to the
 * end, in both languages; her view of the bodies on another; the newest card drawn last. */
static void test_sniffed(struct harness *h, const struct words *w)
{
    struct run r;
    if (!load(h, &r, "sniff-plaintext")) {
        return;
    }
    struct display_list dl;
    dl_init(&dl);
    double end = viz_timeline_duration(r.tl);
    for (int presenter = 0; presenter < 2; presenter++) {
        frame(&r, w, 1920, 1080, presenter, end, &dl);
        const struct dl_item *card = card_with(&dl, "alice / wonderland");
        char text[1024];
        card_text(&dl, card, text, sizeof text);
        struct layout_box eve = host_box(&dl, &r.tr, "eve.example");
        if (!CHECK(h, card != NULL) || !CHECK(h, same_rgb(card->stroke, SC_ATTACKER)) ||
            !CHECK(h, gap_to(card, eve) < 1920 * 0.2f) ||
            /* all three, or (presenter mode, where room is short) the first and a count */
            !CHECK(h, (strstr(text, "swordfish") && strstr(text, "builder42")) ||
                          (presenter && strstr(text, "+2"))) ||
            !CHECK(h, card_with(&dl, "b-lan-tap") != NULL)) {
            fprintf(stderr, "    sniff-plaintext (%s, presenter %d): \"%s\"\n", w->s.lang,
                    presenter, text);
        }
    }
    /* from the beat of the first password on, not before */
    long k = beat_of(&r, "password", "eve");
    CHECK(h, k > 0);
    frame(&r, w, 1920, 1080, false, viz_timeline_beat_time(r.tl, (size_t)k), &dl);
    CHECK(h, card_with(&dl, "wonderland") != NULL);
    CHECK(h, card_with(&dl, "swordfish") == NULL);
    frame(&r, w, 1920, 1080, false, viz_timeline_beat_time(r.tl, (size_t)k - 1), &dl);
    CHECK(h, card_with(&dl, "wonderland") == NULL);
    /* the body read on the Internet tap comes after the first password: its card is drawn last */
    long body = beat_of(&r, "body", "eve");
    CHECK(h, body > k);
    frame(&r, w, 1920, 1080, false, viz_timeline_beat_time(r.tl, (size_t)body), &dl);
    const struct dl_item *last = NULL;
    for (size_t i = 0; i < dl.n; i++) {
        last = is_card(&dl.items[i]) ? &dl.items[i] : last;
    }
    CHECK(h, last && last == card_with(&dl, "a-lan-tap"));
    CHECK_INT(h, last ? last->target_id : 0, body);
    dl_free(&dl);
    run_free(&r);
}

/* relay-restricted: mx.b's 554 to the spammer is a green card by mx.b from its beat to the end,
 * without the recipient's address; before the beat there is none. */
static void test_refused(struct harness *h, const struct words *w)
{
    struct run r;
    if (!load(h, &r, "relay-restricted")) {
        return;
    }
    struct display_list dl;
    dl_init(&dl);
    long k = beat_of(&r, "refusal", "mx.b");
    CHECK(h, k > 0);
    double at = viz_timeline_beat_time(r.tl, (size_t)(k > 0 ? k : 1));
    double before = viz_timeline_beat_time(r.tl, (size_t)(k > 0 ? k - 1 : 0));
    const double times[] = {at, (at + viz_timeline_duration(r.tl)) / 2,
                            viz_timeline_duration(r.tl)};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        frame(&r, w, 1920, 1080, true, times[i], &dl);
        const struct dl_item *card = card_with(&dl, "554 5.7.1 Relay access denied");
        char text[1024];
        card_text(&dl, card, text, sizeof text);
        if (!CHECK(h, card != NULL) || !CHECK(h, same_rgb(card->stroke, SC_TLS)) ||
            !CHECK(h, gap_to(card, host_box(&dl, &r.tr, "mx.b.example")) < 1920 * 0.2f) ||
            !CHECK(h, strstr(text, "victim@") == NULL)) {
            fprintf(stderr, "    relay-restricted (%s) at %.1f s: \"%s\"\n", w->s.lang, times[i],
                    text);
        }
    }
    frame(&r, w, 1920, 1080, true, before, &dl);
    CHECK(h, card_with(&dl, "554") == NULL);
    dl_free(&dl);
    run_free(&r);
}

/* open-relay's red card says mx.b let the spammer relay; smtp-auth-587 has cards for the two
 * refusals of the spammer's connections only, not for alice's failed login. */
static void test_accepted(struct harness *h, const struct words *w)
{
    struct run r;
    struct display_list dl;
    dl_init(&dl);
    if (load(h, &r, "open-relay")) {
        frame(&r, w, 1920, 1080, false, viz_timeline_duration(r.tl), &dl);
        const struct dl_item *card = card_with(&dl, "open_relay");
        CHECK(h, card && same_rgb(card->stroke, SC_ATTACKER));
        CHECK(h, card && gap_to(card, host_box(&dl, &r.tr, "mx.b.example")) < 1920 * 0.2f);
        run_free(&r);
    }
    if (load(h, &r, "smtp-auth-587")) {
        frame(&r, w, 1920, 1080, false, viz_timeline_duration(r.tl), &dl);
        CHECK(h, card_with(&dl, "Relay access denied") != NULL);
        CHECK(h, card_with(&dl, "Recipient address rejected") != NULL);
        CHECK(h, card_with(&dl, "535") == NULL);
        CHECK_INT(h, cards_in(&dl), 2);
        run_free(&r);
    }
    dl_free(&dl);
}

/* starttls-stripping: mallory's card names the line taken out and is pinned to the gw.a-router
 * link (the tapped link of the rewritten connection's route), right by it where there is room, a
 * red dashed connector running from the card to mallory's host. */
static void test_tamper(struct harness *h, const struct words *w)
{
    struct run r;
    if (!load(h, &r, "starttls-stripping")) {
        return;
    }
    struct display_list dl;
    dl_init(&dl);
    /* the generic tamper beat, or the scenario's own words for it */
    long k = beat_of(&r, "tamper", "mallory");
    k = k >= 0 ? k : beat_of(&r, "scenario", "mallory");
    CHECK(h, k > 0);
    for (int presenter = 0; presenter < 2; presenter++) {
        frame(&r, w, 1920, 1080, presenter, viz_timeline_beat_time(r.tl, (size_t)(k > 0 ? k : 0)),
              &dl);
        const struct dl_item *card = card_with(&dl, "250-STARTTLS");
        struct layout_box gw = host_box(&dl, &r.tr, "gw.a.example");
        struct layout_box router = host_box(&dl, &r.tr, "router.example");
        float near = INFINITY;
        for (int i = 0; card && i <= 20; i++) {
            float x = gw.x + gw.w / 2 + (router.x + router.w / 2 - gw.x - gw.w / 2) * (float)i / 20;
            float y = gw.y + gw.h / 2 + (router.y + router.h / 2 - gw.y - gw.h / 2) * (float)i / 20;
            near = fminf(near, gap_to(card, (struct layout_box){x, y, 0, 0}));
        }
        size_t dashes = 0;
        for (size_t i = 0; i < dl.n; i++) {
            const struct dl_item *it = &dl.items[i];
            dashes += it->kind == DL_LINE && it->layer == LAYER_LINK &&
                      same_rgb(it->stroke, SC_ATTACKER) && it->target == DL_TARGET_NONE;
        }
        if (!CHECK(h, card && same_rgb(card->stroke, SC_ATTACKER)) ||
            !CHECK(h, presenter || near < 1920 * 0.05f) || !CHECK(h, dashes > 3)) {
            fprintf(stderr, "    starttls-stripping (%s, presenter %d): %.0f px off, %zu dashes\n",
                    w->s.lang, presenter, near, dashes);
        }
    }
    frame(&r, w, 1920, 1080, false, viz_timeline_beat_time(r.tl, (size_t)(k > 0 ? k - 1 : 0)), &dl);
    CHECK(h, card_with(&dl, "250-STARTTLS") == NULL);
    dl_free(&dl);
    run_free(&r);
}

/* smime: carol, who holds no key, cannot read m1 (a green card by her host: the encryption
 * held), and eve sees only the encrypted body while she still sniffs the POP3 passwords. */
static void test_smime(struct harness *h, const struct words *w)
{
    struct run r;
    if (load(h, &r, "smime")) {
        struct display_list dl;
        dl_init(&dl);
        frame(&r, w, 1920, 1080, false, viz_timeline_duration(r.tl), &dl);
        const struct dl_item *carol = card_with(&dl, "m1");
        const struct dl_item *lock = card_with(&dl, "internet-tap");
        const struct dl_item *loot = card_with(&dl, "lighthouse7");
        CHECK(h, carol && same_rgb(carol->stroke, SC_TLS));
        CHECK(h, carol && gap_to(carol, host_box(&dl, &r.tr, "carol-pc.b.example")) < 1920 * 0.2f);
        CHECK(h, lock && same_rgb(lock->stroke, SC_TLS));
        CHECK(h, loot && same_rgb(loot->stroke, SC_ATTACKER));
        dl_free(&dl);
        run_free(&r);
    }
}

/* Every card of the frame inside the network, clear of the other cards and of every host box;
 * everything inside the window; a handful of cards at most. */
static bool cards_placed(const struct run *r, const struct display_list *dl, const struct words *w,
                         const struct viz_view *v, size_t *seen)
{
    struct scene sc;
    if (scene_begin(&sc, &r->tr, r->tl, v, NULL) != 0) {
        return false;
    }
    struct layout_box net = sc.L.net;
    layout_free(&sc.L);
    bool ok = items_inside(dl, v->width, v->height) && cards_in(dl) <= 6;
    for (size_t i = 0; ok && i < dl->n; i++) {
        const struct dl_item *a = &dl->items[i];
        if (!is_card(a)) {
            continue;
        }
        (*seen)++;
        ok = a->x >= net.x && a->y >= net.y && a->x + a->w <= net.x + net.w &&
             a->y + a->h <= net.y + net.h;
        for (size_t j = 0; ok && j < dl->n; j++) {
            const struct dl_item *b = &dl->items[j];
            bool other = j != i && is_card(b);
            bool host = b->kind == DL_RECT && b->target == DL_TARGET_HOST && b->layer == LAYER_HOST;
            ok = !((other || host) && a->x < b->x + b->w && b->x < a->x + a->w &&
                   a->y < b->y + b->h && b->y < a->y + a->h);
            if (!ok) {
                fprintf(stderr,
                        "    card %zu (%.0f,%.0f %.0fx%.0f) meets %s %zu (%.0f,%.0f %.0fx%.0f) "
                        "layer %u\n",
                        i, a->x, a->y, a->w, a->h, host ? "host" : "card", j, b->x, b->y, b->w,
                        b->h, b->layer);
            }
        }
    }
    (void)w;
    return ok;
}

static void test_everywhere(struct harness *h, const struct words *w)
{
    char names[64][64];
    size_t n = scenario_names(names, 64), seen = 0;
    CHECK(h, n >= 18);
    static const int sizes[2][2] = {{1920, 1080}, {1280, 720}};
    struct display_list dl;
    dl_init(&dl);
    for (size_t s = 0; s < n; s++) {
        struct run r;
        if (!load(h, &r, names[s])) {
            continue;
        }
        size_t nb = viz_timeline_beats(r.tl);
        for (size_t k = 0; k <= nb; k++) {
            double p = k < nb ? viz_timeline_beat_time(r.tl, k) : viz_timeline_duration(r.tl);
            for (int z = 0; z < 2; z++) {
                for (int presenter = 0; presenter < 2; presenter++) {
                    struct viz_view v = view_at(w, sizes[z][0], sizes[z][1], p);
                    v.presenter = presenter;
                    scene_build(&r.tr, r.tl, &v, &dl);
                    if (!CHECK(h, cards_placed(&r, &dl, w, &v, &seen))) {
                        fprintf(stderr, "    %s (%s) %dx%d presenter %d, beat %zu of %zu\n",
                                names[s], w->s.lang, v.width, v.height, presenter, k + 1, nb);
                    }
                }
            }
        }
        run_free(&r);
    }
    printf("test_cards: %zu scenarios in %s, %zu cards placed\n", n, w->s.lang, seen);
    CHECK(h, seen > 100);
    dl_free(&dl);
}

int main(void)
{
    struct harness h = {"test_cards", 0, 0};
    struct words en, ja;
    words_load(&en, "en");
    words_load(&ja, "ja");
    const struct words *both[2] = {&en, &ja};
    for (int l = 0; l < 2; l++) {
        test_sniffed(&h, both[l]);
        test_refused(&h, both[l]);
        test_accepted(&h, both[l]);
        test_tamper(&h, both[l]);
        test_smime(&h, both[l]);
        test_everywhere(&h, both[l]);
    }
    ui_strings_free(en.ui);
    ui_strings_free(ja.ui);
    return harness_finish(&h);
}
