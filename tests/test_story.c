/* test_story: the beats of every bundled scenario (app/story.c), walked as a teacher walks them
 * with ↓: each is recorded once, numbered in time order, after the events that make it; every
 * mail's delivery steps and every attacker's connections have theirs; the JSON trace and the
 * text transcript carry them all; and at each beat the window's header, its highlighted actor
 * and its transcript's connection are that beat's. */
#include "claims.h"
#include "export.h"
#include "harness.h"
#include "scene_check.h"

/* The beats in the trace: numbered 1, 2, ... in event order, their times never going back; the
 * k-th step event's beat is the k-th delivery beat, after it, of the same step, mail, agent and
 * connection; and every connection an attacker opened has a beat of that attacker. */
static void check_recorded(struct harness *h, const char *name, const struct trace *tr)
{
    long want = 1;
    uint64_t t = 0;
    size_t *steps = calloc(tr->nevents, sizeof *steps), *beats = calloc(tr->nevents, sizeof *beats);
    size_t nsteps = 0, nbeats = 0, attacks = 0, attack_beats = 0;
    for (size_t i = 0; steps && beats && i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_BEAT) {
            if (!CHECK_INT(h, trace_beat_n(e), want) || !CHECK(h, e->t >= t)) {
                fprintf(stderr, "    %s: event %zu\n", name, i);
            }
            want++;
            t = e->t;
            if (trace_beat_step(e) > 0) {
                beats[nbeats++] = i;
            }
            if (trace_beat_step(e) == 0 && e->conn &&
                trace_agent_attacks(tr, trace_beat_agent_id(e))) {
                const struct trace_conn *c = trace_conn_get(tr, e->conn);
                size_t wn;
                const char *what = trace_beat_word(tr, e, TRACE_BEAT_WHAT, &wn);
                attack_beats += c && c->client_agent == trace_beat_agent_id(e) && wn == 7 &&
                                memcmp(what, "connect", 7) == 0;
            }
            size_t n;
            CHECK(h, *trace_beat_word(tr, e, TRACE_BEAT_TITLE_JA, &n) && n > 0);
            CHECK(h, *trace_beat_word(tr, e, TRACE_BEAT_TITLE_EN, &n) && n > 0);
        } else if (e->kind == TRACE_STEP) {
            steps[nsteps++] = i;
        } else if (e->kind == TRACE_CONNECT) {
            const struct trace_conn *c = trace_conn_get(tr, e->conn);
            attacks += c && trace_agent_attacks(tr, c->client_agent);
        }
    }
    CHECK_INT(h, nbeats, nsteps);
    for (size_t k = 0; k < nsteps && k < nbeats; k++) {
        const struct trace_event *e = trace_event_at(tr, steps[k]);
        const struct trace_event *b = trace_event_at(tr, beats[k]);
        if (!CHECK(h, beats[k] > steps[k] && trace_beat_step(b) == (uint32_t)trace_step_n(e) &&
                          trace_beat_mail_id(b) == trace_step_mail_id(e) &&
                          trace_beat_agent_id(b) == trace_step_agent_id(e) && b->conn == e->conn)) {
            fprintf(stderr, "    %s: step %d at event %zu has no beat of its own\n", name,
                    trace_step_n(e), steps[k]);
        }
    }
    if (!CHECK_INT(h, attack_beats, attacks)) {
        fprintf(stderr, "    %s: attackers' connections without their beat\n", name);
    }
    CHECK(h, want > 1);
    free(steps);
    free(beats);
}

/* The scenario's own beats: each recorded once, as its agent's, at the first moment its claim
 * holds (it holds over the events before the beat, and not over those of earlier moments). */
static void check_own(struct harness *h, const char *name, const struct run *r)
{
    const struct trace *tr = &r->tr;
    for (size_t k = 0; k < r->sc->nbeats; k++) {
        const struct scenario_beat *b = &r->sc->beats[k];
        size_t found = 0, at = 0;
        for (size_t i = 0; i < tr->nevents; i++) {
            const struct trace_event *e = trace_event_at(tr, i);
            size_t n;
            const char *t =
                e->kind == TRACE_BEAT ? trace_beat_word(tr, e, TRACE_BEAT_TITLE_EN, &n) : NULL;
            if (t && n == strlen(b->title.en) && memcmp(t, b->title.en, n) == 0 &&
                strcmp(trace_beat_agent(tr, e), b->agent) == 0) {
                found++;
                at = i;
            }
        }
        if (!CHECK_INT(h, found, 1)) {
            fprintf(stderr, "    %s: own beat %zu\n", name, k);
            continue;
        }
        struct trace before = *tr, earlier = *tr;
        before.nevents = at;
        uint64_t t = trace_event_at(tr, at)->t;
        size_t start = at; /* the first event of the beat's moment */
        while (start > 0 && trace_event_at(tr, start - 1)->t == t) {
            start--;
        }
        earlier.nevents = start;
        char why[256];
        CHECK_INT(h, claims_eval(&before, b->when, why, sizeof why), 1);
        CHECK_INT(h, claims_eval(&earlier, b->when, why, sizeof why), 0);
    }
}

/* The JSON trace has a "beat" line for each, and the text transcript a header for each. */
static void check_exported(struct harness *h, const char *name, const struct trace *tr,
                           size_t nbeats)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(h, f && export_jsonl(tr, f) == 0);
    fclose(f);
    size_t lines = 0;
    for (const char *p = buf; p && (p = strstr(p, "\"kind\":\"beat\"")) != NULL; p++) {
        lines++;
    }
    free(buf);
    buf = NULL;
    struct export_text_labels lb = {0};
    lb.lang = "ja";
    f = open_memstream(&buf, &len);
    CHECK(h, f && export_text(tr, &lb, f) == 0);
    fclose(f);
    size_t headers = 0;
    static const char *const marks[] = {"①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "◆"};
    for (const char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
            size_t ml = strlen(marks[m]);
            headers += p[0] == '\n' && strncmp(p + 1, marks[m], ml) == 0 && p[1 + ml] == ' ';
        }
    }
    free(buf);
    if (!CHECK_INT(h, lines, nbeats) || !CHECK_INT(h, headers, nbeats)) {
        fprintf(stderr, "    %s\n", name);
    }
}

/* ↓ from the start stops at every beat in turn, and ↑ comes back the same way; at each the
 * scene narrates that beat: the header's title is its title, the highlighted actor its agent
 * (in the beat's colour on the actor's host), the transcript its connection. */
static void check_walk(struct harness *h, const char *name, const struct run *r,
                       const struct words *w)
{
    const struct viz_timeline *tl = r->tl;
    size_t n = viz_timeline_beats(tl);
    double p = 0;
    struct display_list dl;
    dl_init(&dl);
    for (size_t k = 0; k < n; k++) {
        p = k == 0 && viz_timeline_beat_time(tl, 0) == 0 ? 0 : viz_timeline_next_beat(tl, p);
        if (!CHECK(h, viz_timeline_beat_at(tl, p) == (long)k)) {
            fprintf(stderr, "    %s: the %zu-th ↓ shows beat %ld, not %zu\n", name, k + 1,
                    viz_timeline_beat_at(tl, p), k);
            break;
        }
        const struct viz_beat *b = &tl->beats[k];
        struct viz_view v = view_at(w, 1920, 1080, p);
        struct scene sc;
        if (!CHECK(h, scene_begin(&sc, &r->tr, tl, &v, NULL) == 0)) {
            break;
        }
        bool same =
            sc.beat == (long)k && sc.actor == b->agent && (b->conn == 0 || sc.focus == b->conn);
        layout_free(&sc.L);
        scene_build(&r->tr, tl, &v, &dl);
        char said[1024], title[1024];
        beat_narration(&dl, (long)k, "", said, sizeof said);
        beat_title(&r->tr, tl, (long)k, w->s.lang, title, sizeof title);
        squeeze(said);
        squeeze(title);
        /* the actor's host is drawn in the beat's colour */
        bool lit = false;
        for (size_t a = 0; a < r->tr.nagents; a++) {
            if (r->tr.agents[a].id != b->agent) {
                continue;
            }
            const struct dl_item *box =
                find_item(&dl, DL_RECT, DL_TARGET_HOST, r->tr.agents[a].host);
            lit = box && box->stroke.r == sc.accent.r && box->stroke.g == sc.accent.g &&
                  box->stroke.b == sc.accent.b;
        }
        if (!CHECK(h, same) || !CHECK_STR(h, said, title) || !CHECK(h, lit)) {
            fprintf(stderr, "    %s (%s): beat %zu of %zu, %s\n", name, w->s.lang, k + 1, n,
                    trace_string(&r->tr, b->agent));
        }
    }
    /* ↑ walks back through the same beats */
    for (size_t k = n; k-- > 1;) {
        p = viz_timeline_prev_beat(tl, p);
        if (!CHECK(h, viz_timeline_beat_at(tl, p) == (long)k - 1)) {
            fprintf(stderr, "    %s: ↑ from beat %zu lands on %ld\n", name, k,
                    viz_timeline_beat_at(tl, p));
            break;
        }
    }
    dl_free(&dl);
}

/* While the study mode asks, the picture names no answer: at step ① of nine-steps, with the
 * question asked, no text says 587 (the link's label, the header, the transcript) and no beat
 * is narrated; the same frame once answered says it again. */
static void check_quiz_blind(struct harness *h, const struct words *w)
{
    struct run r;
    if (!CHECK(h, run_load(&r, "../scenarios/nine-steps.json") == 0)) {
        run_free(&r);
        return;
    }
    struct viz_view v = view_at(w, 1920, 1080, viz_timeline_step_time(r.tl, 1) + 0.5);
    struct display_list dl;
    dl_init(&dl);
    for (int asking = 1; asking >= 0; asking--) {
        v.quiz_asking = asking;
        scene_build(&r.tr, r.tl, &v, &dl);
        bool port = find_text(&dl, "587") != NULL;
        char said[1024];
        beat_narration(&dl, 0, "", said, sizeof said);
        bool narrated = said[0] != 0;
        if (!CHECK(h, port == !asking) || !CHECK(h, narrated == !asking)) {
            fprintf(stderr, "    quiz_asking %d: 587 %s, beat %s\n", asking,
                    port ? "shown" : "hidden", narrated ? "narrated" : "not narrated");
        }
    }
    dl_free(&dl);
    run_free(&r);
}

int main(void)
{
    struct harness h = {"test_story", 0, 0};
    struct words en, ja;
    words_load(&en, "en");
    words_load(&ja, "ja");
    char names[64][64];
    size_t n = scenario_names(names, 64);
    CHECK(&h, n >= 18);
    size_t total = 0, owns = 0;
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "../scenarios/%s.json", names[i]);
        struct run r;
        if (CHECK(&h, run_load(&r, path) == 0)) {
            check_recorded(&h, names[i], &r.tr);
            check_own(&h, names[i], &r);
            owns += r.sc->nbeats;
            check_exported(&h, names[i], &r.tr, viz_timeline_beats(r.tl));
            check_walk(&h, names[i], &r, &en);
            check_walk(&h, names[i], &r, &ja);
            total += viz_timeline_beats(r.tl);
        }
        run_free(&r);
    }
    CHECK(&h, owns >= 2); /* open-relay's and starttls-stripping's */
    check_quiz_blind(&h, &en);
    check_quiz_blind(&h, &ja);
    printf("test_story: %zu scenarios, %zu beats walked in ja and en\n", n, total);
    ui_strings_free(en.ui);
    ui_strings_free(ja.ui);
    return harness_finish(&h);
}
