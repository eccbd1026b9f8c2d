/* test_scene: the SDL-free half of the visualizer — presentation time, the layout and the
 * display list of real runs of the bundled scenarios, read without pixels; and how fast a frame
 * of the 100,000-message run is built. `test_scene --quick` leaves out load-100k (valgrind). */
#include "harness.h"
#include "scene_check.h"

static void test_timeline(struct harness *h, const struct run *r)
{
    const struct viz_timeline *tl = r->tl;
    double d = viz_timeline_duration(tl);
    printf("nine-steps: %.1f s at 1x (%zu events)\n", d, r->tr.nevents);
    CHECK(h, d > 40 && d < 65);
    uint64_t prev = 0;
    bool mono = true;
    for (int k = 0; k <= 4000; k++) {
        uint64_t t = viz_timeline_to_virtual(tl, d * k / 4000.0);
        mono = mono && t >= prev;
        prev = t;
    }
    CHECK(h, mono);
    bool round = true, mono_p = true;
    double last_p = -1;
    for (size_t i = 0; i < r->tr.nevents; i++) {
        uint64_t t = trace_event_at(&r->tr, i)->t;
        double p = viz_timeline_from_virtual(tl, t);
        round = round && viz_timeline_to_virtual(tl, p) == t;
        mono_p = mono_p && p >= last_p;
        last_p = p;
        double pe = viz_timeline_event_p(tl, i);
        mono_p = mono_p && pe >= p;
    }
    CHECK(h, round);
    CHECK(h, mono_p);
    /* between arbitrary times too */
    uint64_t t_last = trace_event_at(&r->tr, r->tr.nevents - 1)->t;
    for (uint64_t t = 0; t <= t_last; t += 777777) {
        uint64_t back = viz_timeline_to_virtual(tl, viz_timeline_from_virtual(tl, t));
        round = round && (back > t ? back - t : t - back) <= 1;
    }
    CHECK(h, round);
    /* Bob fetches a minute later: the idle minute is a short pause */
    double gap = viz_timeline_from_virtual(tl, 60000000) - viz_timeline_from_virtual(tl, 395000);
    printf("nine-steps: the idle minute lasts %.2f s\n", gap);
    CHECK(h, gap > 0.5 && gap < 2.5);
    double last = -1;
    bool increasing = true;
    for (int n = 1; n <= 9; n++) {
        double p = viz_timeline_step_time(tl, n);
        increasing = increasing && p > last;
        CHECK_INT(h, viz_timeline_step_at(tl, p), n);
        if (n > 1) {
            CHECK_INT(h, viz_timeline_step_at(tl, p - 1e-6), n - 1);
            CHECK(h, viz_timeline_prev_step(tl, p) == viz_timeline_step_time(tl, n - 1));
        }
        if (n < 9) {
            CHECK(h, viz_timeline_next_step(tl, p) == viz_timeline_step_time(tl, n + 1));
        }
        last = p;
    }
    CHECK(h, increasing);
    CHECK_INT(h, viz_timeline_step_at(tl, 0), 1);
    CHECK(h, viz_timeline_step_time(tl, 0) < 0 && viz_timeline_step_time(tl, 10) < 0);
    CHECK(h, viz_timeline_next_step(tl, d) == d);
    CHECK(h, viz_timeline_prev_step(tl, 0) == 0);
    /* lines: the first one is the server's greeting, 3 ms in */
    double l1 = viz_timeline_next_line(tl, 0);
    CHECK(h, fabs(l1 - viz_timeline_from_virtual(tl, 3000)) < 1e-9);
    double l2 = viz_timeline_next_line(tl, l1);
    CHECK(h, l2 > l1);
    CHECK(h, viz_timeline_prev_line(tl, l2) == l1);
    CHECK(h, viz_timeline_prev_line(tl, l1) == l1);
    size_t lines = 0;
    for (double p = 0, q; (q = viz_timeline_next_line(tl, p)) > p; p = q) {
        lines++;
    }
    size_t data = 0;
    for (size_t i = 0; i < r->tr.nevents; i++) {
        data += trace_event_at(&r->tr, i)->kind == TRACE_DATA;
    }
    CHECK_INT(h, lines, data);
    /* hops are seen to travel: a 1 ms hop and the 30 ms Internet path */
    size_t i4 = step_data(r, 4);
    const struct trace_event *e4 = trace_event_at(&r->tr, i4);
    double t4 = viz_timeline_from_virtual(tl, e4->t + 30000) - viz_timeline_event_p(tl, i4);
    double t1 = viz_timeline_from_virtual(tl, 4000) - viz_timeline_from_virtual(tl, 3000);
    printf("nine-steps: a 1 ms hop takes %.2f s, step 4's 30 ms path %.2f s\n", t1, t4);
    CHECK(h, t1 >= 0.3 && t1 <= 1.0);
    CHECK(h, t4 >= 0.8 && t4 <= 1.8);
}

static void test_step4(struct harness *h, const struct run *r, const struct words *w)
{
    const struct trace *tr = &r->tr;
    size_t i4 = step_data(r, 4);
    double p = flight_mid(r, i4);
    CHECK_INT(h, viz_timeline_step_at(r->tl, p), 4);
    struct viz_view v = view_at(w, 1920, 1080, p);
    struct display_list dl;
    dl_init(&dl);
    scene_build(tr, r->tl, &v, &dl);
    uint32_t conn = r->tl->marks[4].conn;
    const struct dl_item *env = find_item(&dl, DL_ENVELOPE, DL_TARGET_CONN, conn);
    CHECK(h, env != NULL);
    uint32_t gw = host_by_name(tr, "gw.a.example"), router = host_by_name(tr, "router.example");
    uint32_t mx = host_by_name(tr, "mx.b.example");
    const struct dl_item *bg = find_item(&dl, DL_RECT, DL_TARGET_HOST, gw);
    const struct dl_item *br = find_item(&dl, DL_RECT, DL_TARGET_HOST, router);
    const struct dl_item *bm = find_item(&dl, DL_RECT, DL_TARGET_HOST, mx);
    CHECK(h, bg && br && bm);
    if (env && bg && br && bm) {
        CHECK_STR(h, dl_text(&dl, env), "④");
        /* between gw.a's box and mx.b's, on the line through router */
        CHECK(h, env->x > bg->x + bg->w / 2 && env->x < bm->x + bm->w / 2);
        CHECK(h, env->y > br->y && env->y < br->y + br->h);
        /* and on one of the two Internet links */
        bool on_link = false;
        for (size_t i = 0; i < dl.n; i++) {
            const struct dl_item *it = &dl.items[i];
            if (it->kind != DL_LINE || it->target != DL_TARGET_LINK) {
                continue;
            }
            const struct trace_link *l = &tr->links[it->target_id];
            bool internet = (l->a == gw && l->b == router) || (l->a == router && l->b == mx);
            float dx = it->x2 - it->x, dy = it->y2 - it->y;
            float f = ((env->x - it->x) * dx + (env->y - it->y) * dy) / (dx * dx + dy * dy);
            float ex = it->x + f * dx - env->x, ey = it->y + f * dy - env->y;
            if (internet && f >= 0 && f <= 1 && ex * ex + ey * ey < 4) {
                on_link = true;
            }
        }
        CHECK(h, on_link);
    }
    char text[1024], title[1024];
    long beat = viz_timeline_beat_at(r->tl, v.p);
    beat_narration(&dl, beat, " ", text, sizeof text);
    beat_title(&r->tr, r->tl, beat, w->s.lang, title, sizeof title);
    CHECK_STR(h, text, title);
    CHECK(h, strstr(title, "(SMTP") != NULL); /* the words of the beat's own connection */
    /* the glowing links are step 4's, in its colour */
    size_t glow = 0;
    for (size_t i = 0; i < dl.n; i++) {
        glow += dl.items[i].layer == LAYER_GLOW;
    }
    CHECK_INT(h, glow, 2);
    CHECK(h, items_inside(&dl, 1920, 1080));
    CHECK(h, hosts_apart(&dl));
    /* a hover over gw.a's box shows its name and address */
    v.mouse_x = bg ? bg->x + 3 : 0;
    v.mouse_y = bg ? bg->y + 3 : 0;
    scene_build(tr, r->tl, &v, &dl);
    const struct dl_item *tip = find_text(&dl, "gw.a.example  192.0.2.140");
    CHECK(h, tip && tip->layer == LAYER_TOOLTIP);
    CHECK(h, items_inside(&dl, 1920, 1080));
    const struct dl_item *hit = bg ? dl_hit(&dl, bg->x + 3, bg->y + 3) : NULL;
    CHECK(h, hit && hit->target == DL_TARGET_HOST && hit->target_id == gw);
    dl_free(&dl);
}

static void test_rewind(struct harness *h, const struct run *r, const struct words *w)
{
    struct display_list a, b;
    dl_init(&a);
    dl_init(&b);
    struct viz_view v = view_at(w, 1920, 1080, viz_timeline_step_time(r->tl, 6));
    scene_build(&r->tr, r->tl, &v, &a);
    v.p = viz_timeline_step_time(r->tl, 3);
    scene_build(&r->tr, r->tl, &v, &a);
    scene_build(&r->tr, r->tl, &v, &b);
    CHECK(h, a.n > 0 && lists_equal(&a, &b));
    /* a fresh list, and the same moment reached by stepping through the whole run */
    struct display_list c;
    dl_init(&c);
    for (double p = 0; p < viz_timeline_duration(r->tl); p += 0.37) {
        v.p = p;
        scene_build(&r->tr, r->tl, &v, &c);
    }
    v.p = viz_timeline_step_time(r->tl, 3);
    scene_build(&r->tr, r->tl, &v, &c);
    CHECK(h, lists_equal(&a, &c));
    dl_free(&a);
    dl_free(&b);
    dl_free(&c);
}

static void test_layout(struct harness *h, const struct run *r, const struct words *w)
{
    static const int sizes[][2] = {{1920, 1080}, {1280, 720}, {3840, 2160}, {1024, 768}};
    struct display_list dl;
    dl_init(&dl);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int presenter = 0; presenter < 2; presenter++) {
            struct viz_view v = view_at(w, sizes[s][0], sizes[s][1], 0);
            v.presenter = presenter;
            for (int n = 1; n <= 9; n++) {
                v.p = viz_timeline_step_time(r->tl, n);
                scene_build(&r->tr, r->tl, &v, &dl);
                if (!CHECK(h, items_inside(&dl, v.width, v.height)) ||
                    !CHECK(h, hosts_apart(&dl))) {
                    fprintf(stderr, "    at %dx%d presenter %d step %d\n", v.width, v.height,
                            presenter, n);
                }
            }
            struct layout L;
            CHECK(h, layout_build(&L, &r->tr, r->tl, &v) == 0);
            bool ordered = true;
            for (size_t z = 1; z < L.nzones; z++) {
                ordered =
                    ordered && L.zones[z].band.x >= L.zones[z - 1].band.x + L.zones[z - 1].band.w;
            }
            CHECK(h, ordered && L.nzones == r->tr.nzones);
            layout_free(&L);
        }
    }
    /* zone labels drawn left to right in trace order */
    struct viz_view v = view_at(w, 1920, 1080, 1);
    scene_build(&r->tr, r->tl, &v, &dl);
    float x = -1;
    bool ordered = true;
    for (size_t z = 0; z < r->tr.nzones; z++) {
        const struct dl_item *it = find_text(&dl, layout_zone_label(&r->tr, z, w->s.lang));
        ordered = ordered && it && it->x > x;
        x = it ? it->x : x;
    }
    CHECK(h, ordered);
    /* presenter mode: bigger type, thicker lines */
    struct viz_view pv = v;
    pv.presenter = true;
    for (int f = 0; f < DL_FONT_COUNT; f++) {
        CHECK(h, layout_font_px((enum dl_font)f, &pv) > layout_font_px((enum dl_font)f, &v));
    }
    struct display_list pdl;
    dl_init(&pdl);
    scene_build(&r->tr, r->tl, &pv, &pdl);
    const struct dl_item *n0 = find_item(&dl, DL_LINE, DL_TARGET_LINK, 0);
    const struct dl_item *n1 = find_item(&pdl, DL_LINE, DL_TARGET_LINK, 0);
    CHECK(h, n0 && n1 && n1->thickness > n0->thickness);
    const struct dl_item *t0 = find_text(&dl, "mail.a.example"),
                         *t1 = find_text(&pdl, "mail.a.example");
    CHECK(h, t0 && t1 && t1->h > t0->h);
    /* help only when asked for */
    CHECK(h, find_text(&dl, "Keys") == NULL);
    v.help = true;
    scene_build(&r->tr, r->tl, &v, &dl);
    const struct dl_item *ht = find_text(&dl, "Keys");
    CHECK(h, ht && ht->layer == LAYER_HELP_TEXT);
    CHECK(h, find_text(&dl, "one line back") != NULL);
    CHECK(h, items_inside(&dl, 1920, 1080));
    /* the scrubber maps x to time */
    struct layout L;
    layout_frame(&L, &v);
    CHECK(h, scene_p_at_x(r->tl, &v, L.track.x - 5) == 0);
    CHECK(h, fabs(scene_p_at_x(r->tl, &v, L.track.x + L.track.w) - viz_timeline_duration(r->tl)) <
                 1e-9);
    const struct dl_item *knob = NULL;
    for (size_t i = 0; i < dl.n; i++) {
        knob = dl.items[i].target == DL_TARGET_SCRUBBER ? &dl.items[i] : knob;
    }
    CHECK(h, knob && fabs(scene_p_at_x(r->tl, &v, knob->x + knob->w / 2) - 1.0) < 0.01);
    dl_free(&dl);
    dl_free(&pdl);
}

/* The transcript: AUTH PLAIN decoded, POP3 PASS highlighted; the mailbox counts. */
static void test_panels(struct harness *h, const struct run *r, const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    struct viz_view v = view_at(w, 1920, 1080, line_p(r, "235 "));
    scene_build(&r->tr, r->tl, &v, &dl);
    const struct dl_item *auth = find_text(&dl, "C: AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=");
    CHECK(h, auth && strstr(dl_text(&dl, auth), "→ alice / wonderland") && auth->bold);
    CHECK(h, auth && auth->font == DL_FONT_MONO);
    CHECK(h, find_text(&dl, "#1 SMTP  alice-pc.a.example (alice) 192.0.2.10:") != NULL);
    uint32_t mailb = host_by_name(&r->tr, "mail.b.example");
    const struct dl_item *mb = find_item(&dl, DL_TEXT, DL_TARGET_MAILBOX, mailb);
    CHECK(h, mb && strcmp(dl_text(&dl, mb), "0") == 0);
    v.p = viz_timeline_step_time(r->tl, 7);
    scene_build(&r->tr, r->tl, &v, &dl);
    mb = find_item(&dl, DL_TEXT, DL_TARGET_MAILBOX, mailb);
    CHECK(h, mb && strcmp(dl_text(&dl, mb), "1") == 0);
    v.p = viz_timeline_step_time(r->tl, 9);
    scene_build(&r->tr, r->tl, &v, &dl);
    mb = find_item(&dl, DL_TEXT, DL_TARGET_MAILBOX, mailb);
    CHECK(h, mb && strcmp(dl_text(&dl, mb), "0") == 0);
    v.p = line_p(r, "+OK Logged in.");
    scene_build(&r->tr, r->tl, &v, &dl);
    const struct dl_item *pass = find_text(&dl, "C: PASS builder42");
    CHECK(h, pass && pass->bold);
    const struct dl_item *ok = find_text(&dl, "S: +OK Logged in.");
    CHECK(h, ok && ok->fill.r == SC_MUTED.r); /* sent, still on its way */
    v.p = viz_timeline_step_time(r->tl, 9);
    /* the inspector of a link: latency, bytes, the last payload in hex */
    v.selected = DL_TARGET_LINK;
    v.selected_id = 7; /* mail.b - bob-pc */
    scene_build(&r->tr, r->tl, &v, &dl);
    CHECK(h, find_text(&dl, "mail.b.example ↔ bob-pc.b.example") != NULL);
    CHECK(h, find_text(&dl, "1.0 ms") != NULL);
    CHECK(h, find_text(&dl, "2b 4f 4b 20 4c 6f 67 67") != NULL); /* "+OK Logging out" */
    v.selected = DL_TARGET_HOST;
    v.selected_id = mailb;
    scene_build(&r->tr, r->tl, &v, &dl);
    CHECK(h, find_text(&dl, "MRA  mra.b  Dovecot") != NULL);
    CHECK(h, find_text(&dl, "203.0.113.20") != NULL);
    dl_free(&dl);
    char clean[64];
    scene_clean_line((const uint8_t *)"a\rb\x01\xff\xe6\x97\xa5", 8, clean, sizeof clean);
    CHECK_STR(h, clean, "a<CR>b<01><FF>日");
}

/* The index of the first data event that starts with text, or SIZE_MAX. */
static size_t data_starting(const struct run *r, const char *text)
{
    for (size_t i = 0; i < r->tr.nevents; i++) {
        const struct trace_event *e = trace_event_at(&r->tr, i);
        if (e->kind == TRACE_DATA && e->bytes.len >= strlen(text) &&
            memcmp(trace_bytes_ptr(&r->tr, e->bytes), text, strlen(text)) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* The 1920x1080 frame at presentation time p, into dl (made before, rebuilt here). */
static void frame_at(const struct run *r, const struct words *w, double p, struct display_list *dl)
{
    struct viz_view v = view_at(w, 1920, 1080, p);
    scene_build(&r->tr, r->tl, &v, dl);
}

/* The frame at the middle of event i's flight, into dl (the caller frees it). */
static void frame_in_flight(const struct run *r, const struct words *w, size_t i,
                            struct display_list *dl)
{
    dl_init(dl);
    frame_at(r, w, flight_mid(r, i), dl);
}

/* What a line of data event i means, as the trace's annotations say: "s" secret, "r" refusal,
 * then " = decoded" when there is a decoding. */
static void meaning_of(const struct run *r, size_t i, char *out, size_t cap)
{
    struct scene_meaning m;
    const struct trace_event *e = i != SIZE_MAX ? trace_event_at(&r->tr, i) : NULL;
    if (!e) {
        snprintf(out, cap, "(no such line)");
        return;
    }
    scene_line_meaning(&r->tr, i, 0, e->bytes.len, &m);
    snprintf(out, cap, "%s%s%s%s", m.secret ? "s" : "", m.refusal ? "r" : "",
             *m.decoded ? " = " : "", m.decoded);
}

/* SMTP AUTH LOGIN, as the engines noted it: the challenges decoded, the answers secrets with
 * their decoding, the 535 a refusal; and a LOGIN answer in flight is a secret on screen too
 * (the view's old guess at secrets saw no 334 before a line in flight, and missed it). */
static void test_meanings(struct harness *h, const struct run *r, const struct words *w)
{
    char got[300];
    meaning_of(r, data_starting(r, "334 VXNlcm5hbWU6"), got, sizeof got);
    CHECK_STR(h, got, " = Username:");
    meaning_of(r, data_starting(r, "YWxpY2U="), got, sizeof got);
    CHECK_STR(h, got, "s = alice");
    meaning_of(r, data_starting(r, "d29uZGVybGFtZA=="), got, sizeof got);
    CHECK_STR(h, got, "s = wonderlamd");
    meaning_of(r, data_starting(r, "535 "), got, sizeof got);
    CHECK_STR(h, got, "r");
    meaning_of(r, data_starting(r, "AUTH LOGIN"), got, sizeof got);
    CHECK_STR(h, got, "");
    size_t answer = data_starting(r, "YWxpY2U=");
    if (answer == SIZE_MAX) {
        return;
    }
    struct display_list dl;
    frame_in_flight(r, w, answer, &dl);
    const struct dl_item *label = NULL;
    for (size_t i = 0; i < dl.n; i++) {
        const struct dl_item *it = &dl.items[i];
        if (it->kind == DL_TEXT && it->layer == LAYER_MOTION_TEXT &&
            strcmp(dl_text(&dl, it), "YWxpY2U=") == 0) {
            label = it;
        }
    }
    CHECK(h, label && label->bold && label->fill.r == SC_SECRET.r && label->fill.g == SC_SECRET.g);
    const struct dl_item *line = find_text(&dl, "C: YWxpY2U=  → alice");
    CHECK(h, line && line->bold);
    dl_free(&dl);
}

/* A bounce: the 550 answer for nobody@b.example is drawn red, with its code. */
static void test_bounce(struct harness *h, const struct run *r, const struct words *w)
{
    size_t at = SIZE_MAX;
    for (size_t i = 0; i < r->tr.nevents && at == SIZE_MAX; i++) {
        const struct trace_event *e = trace_event_at(&r->tr, i);
        if (e->kind == TRACE_DATA && e->from == TRACE_SERVER) {
            at = data_has(&r->tr, e, "\n550 5.1.1") ? i : SIZE_MAX;
        }
    }
    CHECK(h, at != SIZE_MAX);
    if (at == SIZE_MAX) {
        return;
    }
    struct display_list dl;
    frame_in_flight(r, w, at, &dl);
    const struct dl_item *code = find_text(&dl, "550");
    CHECK(h, code && code->layer == LAYER_MOTION_TEXT && code->fill.r > 200 && code->fill.g < 80);
    dl_free(&dl);
}

/* An MTA's mail log is the right panel of a run without taps: after the spam was relayed it
 * shows the line with the outside client, and before any log line it shows none. */
static void test_maillog(struct harness *h, const struct run *r, const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    uint64_t first_log = 0;
    for (size_t i = 0; i < r->tr.nevents && !first_log; i++) {
        const struct trace_event *e = trace_event_at(&r->tr, i);
        first_log = e->kind == TRACE_LOG ? e->t : 0;
    }
    CHECK(h, first_log > 0);
    double p = viz_timeline_from_virtual(r->tl, first_log) + 0.5;
    frame_at(r, w, p, &dl);
    CHECK(h, find_text(&dl, "client=pc66.dyn.isp.example[198.51.100.66]") != NULL);
    frame_at(r, w, viz_timeline_duration(r->tl), &dl);
    CHECK(h, find_text(&dl, "to=<victim@c.example>") != NULL);
    frame_at(r, w, 0, &dl);
    CHECK(h, find_text(&dl, "client=pc66") == NULL);
    dl_free(&dl);
}

/* Step 9 has nothing on the wire: a "read" badge appears at the reader's MUA, and only then. */
static void test_read_badge(struct harness *h, const struct run *r, const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    frame_at(r, w, viz_timeline_step_time(r->tl, 9) + 0.2, &dl);
    const struct dl_item *badge = find_text(&dl, w->s.read);
    CHECK(h, badge != NULL);
    const struct dl_item *bob = find_text(&dl, "bob-pc");
    CHECK(h, badge && bob && badge->y > bob->y && badge->x < bob->x + 200);
    frame_at(r, w, viz_timeline_step_time(r->tl, 8) + 0.2, &dl);
    CHECK(h, find_text(&dl, w->s.read) == NULL);
    dl_free(&dl);
}

/* End to end: the private keys are drawn as tags on the boxes of the users who hold one (alice
 * and bob, not carol), and step 9's badge says the reader decrypted and verified the mail. */
static void test_keys(struct harness *h, const struct run *r, const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    frame_at(r, w, viz_timeline_step_time(r->tl, 9) + 0.2, &dl);
    size_t keys = 0, tags = 0;
    for (size_t i = 0; i < dl.n; i++) {
        keys += dl.items[i].kind == DL_ICON && dl.items[i].icon == DL_ICON_KEY;
        tags += dl.items[i].kind == DL_TEXT && strcmp(dl_text(&dl, &dl.items[i]), "S/MIME") == 0;
    }
    CHECK_INT(h, keys, 2);
    CHECK_INT(h, tags, 2);
    const struct dl_item *badge = find_text(&dl, w->s.read_decrypted);
    const struct dl_item *bob = find_text(&dl, "bob-pc");
    CHECK(h, badge && bob && badge->x < bob->x + 200);
    CHECK(h, find_text(&dl, w->s.read_unreadable) == NULL);
    CHECK(h, items_inside(&dl, 1920, 1080));
    dl_free(&dl);
}

/* Every step of a run builds a picture, and each differs from the one before. */
static void test_steps(struct harness *h, const char *name, const struct run *r,
                       const struct words *w)
{
    struct display_list prev, cur;
    dl_init(&prev);
    dl_init(&cur);
    int shown = 0;
    for (int n = 1; n <= 9; n++) {
        double p = viz_timeline_step_time(r->tl, n);
        if (p < 0) {
            continue;
        }
        struct viz_view v = view_at(w, 1920, 1080, p);
        scene_build(&r->tr, r->tl, &v, &cur);
        CHECK(h, cur.n > 20);
        if (!CHECK(h, items_inside(&cur, 1920, 1080)) || !CHECK(h, hosts_apart(&cur))) {
            fprintf(stderr, "    %s step %d\n", name, n);
        }
        /* the narration is the title of the step's beat, however it was broken into lines */
        char said[1024], want[1024];
        long beat = viz_timeline_beat_at(r->tl, p);
        beat_narration(&cur, beat, "", said, sizeof said);
        beat_title(&r->tr, r->tl, beat, w->s.lang, want, sizeof want);
        if (!CHECK(h, beat >= 0 && trace_beat_step(viz_timeline_beat_event(r->tl, (size_t)beat)) ==
                                       (uint32_t)n)) {
            fprintf(stderr, "    %s: step %d is narrated by beat %ld\n", name, n, beat);
        }
        squeeze(said);
        squeeze(want);
        CHECK_STR(h, said, want);
        if (shown && !CHECK(h, !lists_equal(&prev, &cur))) {
            fprintf(stderr, "    %s: step %d looks like the step before it\n", name, n);
        }
        struct display_list t = prev;
        prev = cur;
        cur = t;
        shown++;
    }
    /* the scene's routes are the simulator's: their latencies add up to each connection's */
    bool same = true;
    for (uint32_t c = 1; c <= r->tr.nconns && c <= 5000; c++) {
        uint32_t route[VIZ_ROUTE_MAX];
        int n = viz_conn_route(r->tl, c, route, VIZ_ROUTE_MAX);
        uint64_t lat = 0;
        for (int k = 0; k < n; k++) {
            lat += r->tr.links[route[k]].latency_us;
        }
        same = same && n > 0 && lat == trace_conn_get(&r->tr, c)->latency_us;
    }
    CHECK(h, same);
    printf("%s: %d steps shown\n", name, shown);
    CHECK(h, shown > 0);
    dl_free(&prev);
    dl_free(&cur);
}

/* A hand-made trace with a tap and TLS: the eye, the lock, and what the eavesdropper saw. */
static void test_eavesdropper(struct harness *h, const struct words *w)
{
    struct trace tr;
    CHECK(h, trace_init(&tr) == 0);
    uint32_t z0 = trace_add_zone(&tr, "lan"), z1 = trace_add_zone(&tr, "internet");
    uint32_t a = trace_add_host(&tr, "pc.example", z0, 0xC000020A);
    uint32_t b = trace_add_host(&tr, "mail.example", z1, 0xC6336414);
    trace_add_agent(&tr, "bob", "mua", "Thunderbird", a);
    trace_add_agent(&tr, "mra", "mra", "Dovecot", b);
    trace_add_agent(&tr, "mda", "mda", "Postfix local", b);
    uint32_t l = trace_add_link(&tr, a, b, 2000);
    trace_add_tap(&tr, "eve", l);
    struct trace_conn c = {0};
    c.proto = trace_intern(&tr, "pop3");
    c.client_host = a;
    c.server_host = b;
    c.client_agent = trace_intern(&tr, "bob");
    c.server_agent = trace_intern(&tr, "mra");
    c.server_port = 110;
    c.latency_us = 2000;
    uint32_t id = trace_connect(&tr, 0, &c);
    trace_data(&tr, 2000, id, TRACE_SERVER, false, (const uint8_t *)"+OK ready\r\n", 11);
    trace_data(&tr, 4000, id, TRACE_CLIENT, false, (const uint8_t *)"PASS s3cret\r\n", 13);
    trace_sniff(&tr, 6000, "eve", id, "password", (const uint8_t *)"s3cret", 6);
    trace_data(&tr, 8000, id, TRACE_SERVER, true, (const uint8_t *)"\x16\x03\x03", 3);
    trace_plain(&tr, 9000, id, TRACE_SERVER, (const uint8_t *)"+OK 1 1040\r\n", 12);
    trace_data(&tr, 9000, id, TRACE_SERVER, true, (const uint8_t *)"\x17\x03\x03\x00", 4);
    struct viz_timeline *tl = viz_timeline_new(&tr);
    CHECK(h, tl != NULL);
    if (tl) {
        struct display_list dl;
        dl_init(&dl);
        struct viz_view v = view_at(w, 1280, 720, 0.1);
        scene_build(&tr, tl, &v, &dl);
        CHECK(h, find_item(&dl, DL_ICON, DL_TARGET_LINK, l) != NULL); /* the eye */
        CHECK(h, find_text(&dl, "Eavesdropper") != NULL);
        CHECK(h, find_text(&dl, "s3cret") == NULL);
        v.p = viz_timeline_duration(tl);
        scene_build(&tr, tl, &v, &dl);
        const struct dl_item *found = find_text(&dl, "eve #1 password: s3cret");
        CHECK(h, found && found->bold);
        size_t icons = 0;
        for (size_t i = 0; i < dl.n; i++) {
            icons += dl.items[i].kind == DL_ICON && dl.items[i].target == DL_TARGET_LINK;
        }
        CHECK_INT(h, icons, 2); /* the eye, and the lock once TLS bytes crossed */
        /* Records with nothing shown inside (the handshake): one line of size and first octets;
         * records that carry a line written just before: that line, marked [TLS], instead. */
        CHECK(h, find_text(&dl, "S: ~ TLS records, 3 octets: 16 03 03 …") != NULL);
        CHECK(h, find_text(&dl, "S: [TLS] +OK 1 1040") != NULL);
        CHECK(h, find_text(&dl, "S: ~ TLS records, 4 octets: 17 03 03 00 …") == NULL);
        CHECK(h, find_text(&dl, "<17><03><03>") == NULL);
        CHECK(h, items_inside(&dl, 1280, 720));
        dl_free(&dl);
    }
    viz_timeline_free(tl);
    trace_free(&tr);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 100 frames a 60th of a second apart from v's moment, each built into dl and timed: times
 * sorted, so times[50] is the median. */
static void build_frames(const struct run *r, struct viz_view *v, struct display_list *dl,
                         double times[100])
{
    for (int k = 0; k < 100; k++) {
        double t0 = now_s();
        scene_build(&r->tr, r->tl, v, dl);
        times[k] = now_s() - t0;
        v->p += 1.0 / 60;
    }
    qsort(times, 100, sizeof times[0], cmp_double);
}

/* Traces the bundled scenarios do not make: an empty one, and a crowded one with 500 lines in
 * flight at once and 40 hosts in one zone. */
static void test_odd_traces(struct harness *h, const struct words *w)
{
    struct trace tr;
    struct display_list dl;
    dl_init(&dl);
    CHECK(h, trace_init(&tr) == 0);
    struct viz_timeline *tl = viz_timeline_new(&tr);
    CHECK(h, tl != NULL);
    if (tl) {
        CHECK(h, viz_timeline_duration(tl) >= 0 && viz_timeline_step_at(tl, 1) == 0);
        CHECK(h, viz_timeline_next_line(tl, 0) == 0 && viz_timeline_next_step(tl, 0) == 0);
        struct viz_view v = view_at(w, 800, 600, 0.5);
        scene_build(&tr, tl, &v, &dl);
        CHECK(h, dl.n > 0 && items_inside(&dl, 800, 600));
        v.width = 0;
        scene_build(&tr, tl, &v, &dl);
        CHECK_INT(h, dl.n, 0);
    }
    viz_timeline_free(tl);
    trace_free(&tr);

    CHECK(h, trace_init(&tr) == 0);
    uint32_t z = trace_add_zone(&tr, "lan"), zi = trace_add_zone(&tr, "internet");
    uint32_t hub = trace_add_host(&tr, "hub.example", zi, 0xC6336401);
    trace_add_agent(&tr, "mta", "mta", "Postfix", hub);
    trace_str smtp = trace_intern(&tr, "smtp");
    for (uint32_t k = 0; k < 40; k++) {
        char name[32], id[16];
        snprintf(name, sizeof name, "pc%u.example", k);
        snprintf(id, sizeof id, "u%u", k);
        uint32_t pc = trace_add_host(&tr, name, z, 0xC0000200 + k);
        trace_add_agent(&tr, id, "mua", "Thunderbird", pc);
        trace_add_link(&tr, pc, hub, 5000);
    }
    for (uint32_t k = 0; k < 500; k++) {
        struct trace_conn c = {0};
        c.proto = smtp;
        c.client_host = 1 + k % 40;
        c.server_host = hub;
        c.server_port = 25;
        c.latency_us = 5000;
        uint32_t id = trace_connect(&tr, 1000, &c);
        trace_data(&tr, 1000, id, TRACE_CLIENT, false, (const uint8_t *)"NOOP\r\n", 6);
    }
    tl = viz_timeline_new(&tr);
    CHECK(h, tl != NULL);
    if (tl) {
        struct viz_view v = view_at(w, 1920, 1080, viz_timeline_from_virtual(tl, 3500));
        scene_build(&tr, tl, &v, &dl);
        size_t flying = 0;
        for (size_t i = 0; i < dl.n; i++) {
            flying += dl.items[i].layer == LAYER_MOTION && dl.items[i].target == DL_TARGET_CONN;
        }
        CHECK_INT(h, flying, 200);
        CHECK(h, find_text(&dl, "+300") != NULL);
        CHECK(h, items_inside(&dl, 1920, 1080) && hosts_apart(&dl));
        v.width = 1024;
        v.height = 600;
        scene_build(&tr, tl, &v, &dl);
        CHECK(h, items_inside(&dl, 1024, 600) && hosts_apart(&dl));
    }
    viz_timeline_free(tl);
    trace_free(&tr);
    dl_free(&dl);
}

static void test_load(struct harness *h, const struct words *w)
{
    struct run r;
    int rc = run_load(&r, "../scenarios/load-100k.json");
    CHECK(h, rc == 0);
    if (rc == 0) {
        printf("load-100k: run %.1f s, %zu events; timeline built in %.2f s, %.1f s at 1x\n",
               r.run_s, r.tr.nevents, r.timeline_s, viz_timeline_duration(r.tl));
        if (r.run_s < 30) {
            test_steps(h, "load-100k", &r, w);
        } else {
            printf("load-100k: the run took over 30 s, so its steps are not checked\n");
        }
        struct display_list dl;
        dl_init(&dl);
        struct viz_view v = view_at(w, 1920, 1080, viz_timeline_duration(r.tl) / 2);
        double times[100];
        build_frames(&r, &v, &dl, times);
        printf("load-100k: scene_build at 1920x1080 mid-run: median %.3f ms, max %.3f ms "
               "(%zu items)\n",
               times[50] * 1e3, times[99] * 1e3, dl.n);
        CHECK(h, dl.n > 20 && items_inside(&dl, 1920, 1080));
        /* the busiest link inspected (its byte count and last payload), the mouse over it */
        v.selected = DL_TARGET_LINK;
        v.selected_id = (uint32_t)(r.tr.nlinks - 1);
        v.mouse_x = 1000;
        v.mouse_y = 300;
        build_frames(&r, &v, &dl, times);
        printf("load-100k: the same with a link inspected and a hover: median %.3f ms, max %.3f "
               "ms\n",
               times[50] * 1e3, times[99] * 1e3);
        dl_free(&dl);
    }
    run_free(&r);
}

int main(int argc, char **argv)
{
    struct harness h = {"test_scene", 0, 0};
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    struct words en, ja;
    words_load(&en, "en");
    words_load(&ja, "ja");
    struct run nine, rb;
    if (CHECK(&h, run_load(&nine, "../scenarios/nine-steps.json") == 0)) {
        test_timeline(&h, &nine);
        test_step4(&h, &nine, &en);
        test_rewind(&h, &nine, &en);
        test_layout(&h, &nine, &en);
        test_layout(&h, &nine, &ja);
        test_panels(&h, &nine, &en);
        test_read_badge(&h, &nine, &en);
        test_read_badge(&h, &nine, &ja);
        test_steps(&h, "nine-steps", &nine, &en);
        test_steps(&h, "nine-steps (ja)", &nine, &ja);
    }
    run_free(&nine);
    if (CHECK(&h, run_load(&rb, "../scenarios/retry-and-bounce.json") == 0)) {
        test_bounce(&h, &rb, &en);
        test_steps(&h, "retry-and-bounce", &rb, &en);
    }
    run_free(&rb);
    struct run smime;
    if (CHECK(&h, run_load(&smime, "../scenarios/smime.json") == 0)) {
        test_keys(&h, &smime, &en);
        test_keys(&h, &smime, &ja);
    }
    run_free(&smime);
    struct run relay;
    if (CHECK(&h, run_load(&relay, "../scenarios/open-relay.json") == 0)) {
        test_maillog(&h, &relay, &en);
    }
    run_free(&relay);
    struct run auth;
    if (CHECK(&h, run_load(&auth, "../scenarios/smtp-auth-587.json") == 0)) {
        test_meanings(&h, &auth, &en);
    }
    run_free(&auth);
    test_eavesdropper(&h, &en);
    test_odd_traces(&h, &en);
    if (!quick) {
        test_load(&h, &en);
    }
    ui_strings_free(en.ui);
    ui_strings_free(ja.ui);
    return harness_finish(&h);
}
