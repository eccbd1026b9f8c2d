/* test_panels: the text panels under the network, read from the display list — every text of
 * presenter mode tall enough for the back of a classroom, lines wrapped rather than cut (the mail
 * log's evidence whole), Japanese broken by kinsoku, each panel's history kept and scrolled, and
 * the inspector shown beside the mail log rather than instead of it. */
#include "harness.h"
#include "scene_check.h"

/* The smallest cap height of the texts of a frame, in pixels: the em size the renderer draws
 * each with (layout_font_px) times the faces' cap height ratio (layout.h says how it was
 * measured). */
static float min_cap(const struct display_list *dl, const struct viz_view *v, const char **which)
{
    float least = 1e9f;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind != DL_TEXT || !*dl_text(dl, it)) {
            continue;
        }
        float cap = (float)layout_font_px(it->font, v) * LAYOUT_CAP_RATIO;
        if (cap < least) {
            least = cap;
            *which = dl_text(dl, it);
        }
    }
    return least;
}

/* Presenter mode at 1920x1080: every text of several lessons, at every step and at moments
 * between, with and without something inspected, has capitals at least 20 px tall. */
static void test_cap_height(struct harness *h, const struct run *r, const char *name,
                            const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    struct viz_view v = view_at(w, 1920, 1080, 0);
    v.presenter = true;
    float least = 1e9f;
    const char *which = "";
    double d = viz_timeline_duration(r->tl);
    for (int k = 0; k <= 12; k++) {
        v.p = d * k / 12;
        v.selected = k % 2 ? DL_TARGET_HOST : DL_TARGET_NONE;
        v.selected_id = 0;
        scene_build(&r->tr, r->tl, &v, &dl);
        const char *t = "";
        float cap = min_cap(&dl, &v, &t);
        if (cap < least) {
            least = cap;
            which = t;
        }
        CHECK(h, items_inside(&dl, 1920, 1080));
    }
    printf("%s: smallest cap height in presenter mode at 1920x1080: %.1f px (\"%s\")\n", name,
           least, which);
    CHECK(h, least >= LAYOUT_PRESENTER_CAP_PX);
    dl_free(&dl);
}

/* The rows of mono text inside a box, top to bottom, joined without their spaces. */
static void panel_text(const struct display_list *dl, struct layout_box b, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_TEXT && it->font == DL_FONT_MONO && it->x >= b.x && it->y >= b.y &&
            it->x < b.x + b.w && it->y + it->h <= b.y + b.h + 1) {
            int k = snprintf(out + len, cap - len, "%s", dl_text(dl, it));
            len += k > 0 ? (size_t)k : 0;
            len = len < cap ? len : cap - 1;
        }
    }
    squeeze(out);
}

/* No row of a panel is wider than its box: the renderer never has to cut one with "…". */
static bool rows_fit(const struct display_list *dl, const struct viz_view *v)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind != DL_TEXT || it->font != DL_FONT_MONO || it->layer != LAYER_PANEL_TEXT) {
            continue;
        }
        float w = layout_text_width(dl_text(dl, it), it->font, it->bold, v);
        if (w > it->w + (float)layout_font_px(it->font, v) / 3) {
            fprintf(stderr, "    \"%s\" is %.0f px wide in a box of %.0f\n", dl_text(dl, it), w,
                    it->w);
            return false;
        }
    }
    return true;
}

/* The moment just after the first mail-log line that contains text is written. */
static double log_p(const struct run *r, const char *text)
{
    for (size_t i = 0; i < r->tr.nevents; i++) {
        const struct trace_event *e = trace_event_at(&r->tr, i);
        if (e->kind == TRACE_LOG && data_has(&r->tr, e, text)) {
            return viz_timeline_event_p(r->tl, i) + 0.01;
        }
    }
    return -1;
}

/* The mail log's evidence is whole, at both sizes and in presenter mode; it stays in view when
 * a log line is clicked (the inspector goes above it); the log keeps every line of the run and
 * scrolls back to the first. */
static void test_maillog(struct harness *h, const struct run *r, const char *evidence,
                         const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    char squeezed[256], text[16384];
    snprintf(squeezed, sizeof squeezed, "%s", evidence);
    squeeze(squeezed);
    double p = log_p(r, evidence);
    CHECK(h, p >= 0);
    static const int sizes[][3] = {{1920, 1080, 1}, {1920, 1080, 0}, {1280, 720, 0}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct viz_view v = view_at(w, sizes[s][0], sizes[s][1], p);
        v.presenter = sizes[s][2];
        scene_build(&r->tr, r->tl, &v, &dl);
        struct layout L;
        CHECK(h, layout_build(&L, &r->tr, r->tl, &v) == 0);
        panel_text(&dl, L.inspector, text, sizeof text);
        /* later lines of the same moment may have pushed it up: the wheel brings it back */
        for (int k = 0; k < 20 && !strstr(text, squeezed); k++) {
            v.scroll[VIZ_PANEL_SIDE] = scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_SIDE, 3);
            scene_build(&r->tr, r->tl, &v, &dl);
            panel_text(&dl, L.inspector, text, sizeof text);
        }
        if (!CHECK(h, strstr(text, squeezed) != NULL)) {
            fprintf(stderr, "    %dx%d presenter %d: \"%s\" not in \"%s\"\n", v.width, v.height,
                    v.presenter, evidence, text);
        }
        CHECK(h, rows_fit(&dl, &v));
        /* a click on a log line inspects its connection above the log, which stays */
        const struct dl_item *line = NULL;
        for (size_t i = 0; i < dl.n && !line; i++) {
            const struct dl_item *it = &dl.items[i];
            line =
                it->font == DL_FONT_MONO && it->target == DL_TARGET_CONN && it->x >= L.inspector.x
                    ? it
                    : NULL;
        }
        CHECK(h, line != NULL);
        if (line) {
            v.selected = DL_TARGET_CONN;
            v.selected_id = line->target_id;
            v.focus_conn = line->target_id;
            scene_build(&r->tr, r->tl, &v, &dl);
            const struct dl_item *insp = find_text(&dl, w->s.inspector);
            const struct dl_item *log = find_text(&dl, w->s.maillog);
            CHECK(h, insp && log && insp->y + insp->h <= log->y);
            panel_text(&dl, L.inspector, text, sizeof text);
            CHECK(h, find_text(&dl, "#") != NULL);
        }
        layout_free(&L);
    }
    /* the end of the run: the log's first line is there, scrolled back to */
    struct viz_view v = view_at(w, 1920, 1080, viz_timeline_duration(r->tl));
    v.presenter = true;
    struct layout L;
    CHECK(h, layout_build(&L, &r->tr, r->tl, &v) == 0);
    float cx = L.inspector.x + L.inspector.w / 2, cy = L.inspector.y + L.inspector.h / 2;
    CHECK_INT(h, scene_panel_at(&r->tr, r->tl, &v, cx, cy), VIZ_PANEL_SIDE);
    CHECK_INT(h, scene_panel_at(&r->tr, r->tl, &v, L.transcript.x + 10, L.transcript.y + 40),
              VIZ_PANEL_TRANSCRIPT);
    CHECK_INT(h, scene_panel_at(&r->tr, r->tl, &v, cx, L.net.y + 10), -1);
    int top = scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_SIDE, 100000);
    CHECK(h, top > 0);
    v.scroll[VIZ_PANEL_SIDE] = top;
    CHECK_INT(h, scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_SIDE, 3), top); /* the top */
    CHECK_INT(h, scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_SIDE, -3), top - 3);
    scene_build(&r->tr, r->tl, &v, &dl);
    const struct trace_event *first = trace_event_at(&r->tr, r->tl->logs[0]);
    char head[64];
    scene_clean_line(trace_bytes_ptr(&r->tr, first->bytes),
                     first->bytes.len < 20 ? first->bytes.len : 20, head, sizeof head);
    panel_text(&dl, L.inspector, text, sizeof text);
    squeeze(head);
    if (!CHECK(h, strncmp(text, head, strlen(head)) == 0)) {
        fprintf(stderr, "    top: \"%.80s\", want \"%s\"\n", text, head);
    }
    CHECK(h, find_text(&dl, "↓ ") != NULL); /* rows below, since it is scrolled back */
    /* a scroll past the top comes back from the top at once; back to 0 follows the newest */
    v.scroll[VIZ_PANEL_SIDE] = top + 500;
    CHECK_INT(h, scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_SIDE, -1), top - 1);
    CHECK_INT(h, scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_SIDE, -100000), 0);
    layout_free(&L);
    dl_free(&dl);
}

/* The transcript wraps a long line instead of cutting it, scrolls back through its whole
 * connection, and its rows carry no target (the wheel over them scrolls; no tooltip). */
static void test_transcript(struct harness *h, const struct run *r, const struct words *w)
{
    struct display_list dl;
    dl_init(&dl);
    struct viz_view v = view_at(w, 1280, 720, line_p(r, "QUIT"));
    v.presenter = true;
    scene_build(&r->tr, r->tl, &v, &dl);
    CHECK(h, rows_fit(&dl, &v));
    int top = scene_panel_scroll(&r->tr, r->tl, &v, VIZ_PANEL_TRANSCRIPT, 100000);
    CHECK(h, top > 0);
    v.scroll[VIZ_PANEL_TRANSCRIPT] = top;
    scene_build(&r->tr, r->tl, &v, &dl);
    CHECK(h, find_text(&dl, "S: 220 ") != NULL); /* the greeting: the first line */
    size_t targets = 0;
    for (size_t i = 0; i < dl.n; i++) {
        const struct dl_item *it = &dl.items[i];
        targets += it->font == DL_FONT_MONO && it->target != DL_TARGET_NONE &&
                   it->layer == LAYER_PANEL_TEXT && it->x < (float)v.width / 2;
    }
    CHECK_INT(h, targets, 0);
    dl_free(&dl);
}

/* layout_wrap breaks Japanese between characters, but no row starts with a closing mark or a
 * small kana and none ends with an opening mark; an English sentence breaks at spaces; every
 * character is kept. */
static void test_kinsoku(struct harness *h)
{
    static const char *const no_start[] = {"、", "。", "」", "』", "）",
                                           ")",  "ー", "っ", "ャ", "…"};
    static const char *const no_end[] = {"「", "『", "（", "("};
    static const char *const texts[] = {
        "mx.b は「自ドメイン b.example あて」のメールだけを受け取るべきである。これが第三者中継"
        "(オープンリレー)の対策で、ほかのあて先は「554 5.7.1 Relay access denied」で拒否する。"
        "ちょっと待ってください、キャッシュ。",
        "The open relay accepted mail (from outside) for outside recipients, which it must not."};
    struct viz_view v = {0};
    v.width = 1920;
    v.height = 1080;
    v.scale = 1;
    bool ok = true, kept = true, spaces = true;
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        for (float width = 60; width < 900; width += 7) {
            const char *st[64], *en[64];
            size_t n = layout_wrap(texts[t], width, width, DL_FONT_BODY, false, &v, st, en, 64);
            char joined[2048] = "", orig[2048];
            for (size_t i = 0; i < n && i < 64; i++) {
                for (size_t k = 0; k < sizeof no_start / sizeof no_start[0]; k++) {
                    bool bad = i > 0 && strncmp(st[i], no_start[k], strlen(no_start[k])) == 0;
                    if (bad && ok) {
                        fprintf(stderr, "    width %.0f: row %zu starts \"%.*s\"\n", width, i,
                                (int)(en[i] - st[i]), st[i]);
                    }
                    ok = ok && !bad;
                }
                for (size_t k = 0; k < sizeof no_end / sizeof no_end[0]; k++) {
                    size_t len = strlen(no_end[k]);
                    ok = ok && (i + 1 == n || (size_t)(en[i] - st[i]) < len ||
                                strncmp(en[i] - len, no_end[k], len) != 0);
                }
                /* (a word wider than the row is cut inside) */
                spaces = spaces && (t == 0 || width < 200 || i + 1 == n || *en[i] == ' ');
                size_t l = strlen(joined);
                snprintf(joined + l, sizeof joined - l, "%.*s", (int)(en[i] - st[i]), st[i]);
            }
            snprintf(orig, sizeof orig, "%s", texts[t]);
            squeeze(joined);
            squeeze(orig);
            kept = kept && strcmp(joined, orig) == 0;
        }
    }
    CHECK(h, ok);
    CHECK(h, kept);
    CHECK(h, spaces);
}

/* The DNS server's host, inspected after step ④, lists the MX lookup and its answer; before the
 * lookup it lists none of it. */
static void test_dns_host(struct harness *h, const struct run *r, const struct words *w)
{
    uint32_t ns = host_by_name(&r->tr, "ns.example");
    if (!CHECK(h, ns != UINT32_MAX)) {
        return;
    }
    struct viz_view v = view_at(w, 1920, 1080, viz_timeline_step_time(r->tl, 5));
    v.selected = DL_TARGET_HOST;
    v.selected_id = ns;
    struct display_list dl;
    dl_init(&dl);
    scene_build(&r->tr, r->tl, &v, &dl);
    CHECK(h, find_text(&dl, "MX b.example → 10 mx.b.example (203.0.113.140)") != NULL);
    v.p = 0;
    scene_build(&r->tr, r->tl, &v, &dl);
    CHECK(h, find_text(&dl, "MX b.example →") == NULL);
    dl_free(&dl);
}

int main(void)
{
    struct harness h = {"test_panels", 0, 0};
    struct words en, ja;
    words_load(&en, "en");
    words_load(&ja, "ja");
    en.s.maillog = "Mail log";
    ja.s.maillog = "Mail log";
    test_kinsoku(&h);
    static const char *const lessons[] = {"nine-steps", "open-relay", "relay-restricted",
                                          "sniff-plaintext", "starttls-stripping"};
    for (size_t i = 0; i < sizeof lessons / sizeof lessons[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "../scenarios/%s.json", lessons[i]);
        struct run r;
        if (CHECK(&h, run_load(&r, path) == 0)) {
            test_cap_height(&h, &r, lessons[i], &ja);
            test_cap_height(&h, &r, lessons[i], &en);
            if (strcmp(lessons[i], "open-relay") == 0) {
                test_maillog(&h, &r, "client=pc66.dyn.isp.example[198.51.100.66]", &en);
                test_maillog(&h, &r, "client=pc66.dyn.isp.example[198.51.100.66]", &ja);
            } else if (strcmp(lessons[i], "relay-restricted") == 0) {
                test_maillog(&h, &r, "554 5.7.1 <victim@c.example>: Relay access denied", &en);
            } else if (strcmp(lessons[i], "nine-steps") == 0) {
                test_transcript(&h, &r, &en);
                test_dns_host(&h, &r, &en);
            }
        }
        run_free(&r);
    }
    ui_strings_free(en.ui);
    ui_strings_free(ja.ui);
    return harness_finish(&h);
}
