/* test_motion: what moves and what waits in the picture, read from the display list — a DNS
 * lookup travels from the asking MTA to the DNS server and its answer back (ux review M3); mail
 * that waits in a queue is an envelope with its id at that host, deferred mail included, and
 * mail taken on by the next hop is no longer there, and mail delivered is in its mailbox until
 * it is fetched (M6); a line's label goes when its connection has sent a later line, or when it
 * has been on screen a while (M6's stuck "250" bubble). */
#include "harness.h"
#include "scene_check.h"

/* A text drawn with what moves (not the panels' copy of the same line). */
static const struct dl_item *motion_text(const struct display_list *dl, const char *needle)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_TEXT && it->layer == LAYER_MOTION_TEXT &&
            strstr(dl_text(dl, it), needle)) {
            return it;
        }
    }
    return NULL;
}

static uint32_t agent_by_id(const struct trace *tr, const char *id)
{
    for (uint32_t a = 0; a < tr->nagents; a++) {
        if (strcmp(trace_string(tr, tr->agents[a].id), id) == 0) {
            return a;
        }
    }
    return UINT32_MAX;
}

/* The dot of agent's DNS lookup: a rectangle with what moves, targeting that agent. */
static const struct dl_item *lookup_dot(const struct display_list *dl, uint32_t agent)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_RECT && it->layer == LAYER_MOTION && it->target == DL_TARGET_AGENT &&
            it->target_id == agent) {
            return it;
        }
    }
    return NULL;
}

static bool inside(const struct dl_item *box, float x, float y)
{
    return x >= box->x && x <= box->x + box->w && y >= box->y && y <= box->y + box->h;
}

/* Whether (x, y) lies between the boxes of a host and the DNS server, on the way through the
 * router: in the rectangle their centres span (grown by a margin), on none of the three boxes. */
static bool between(const struct dl_item *a, const struct dl_item *b, const struct dl_item *via,
                    float x, float y)
{
    const struct dl_item *box[3] = {a, b, via};
    float m = 20, x0 = 1e9f, x1 = -1e9f, y0 = 1e9f, y1 = -1e9f;
    for (int k = 0; k < 3; k++) {
        float cx = box[k]->x + box[k]->w / 2, cy = box[k]->y + box[k]->h / 2;
        x0 = fminf(x0, cx - m);
        x1 = fmaxf(x1, cx + m);
        y0 = fminf(y0, cy - m);
        y1 = fmaxf(y1, cy + m);
    }
    return x >= x0 && x <= x1 && y >= y0 && y <= y1 && !inside(a, x, y) && !inside(b, x, y) &&
           !inside(via, x, y);
}

/* The index of the dns event of agent asking query, or SIZE_MAX. */
static size_t dns_event(const struct trace *tr, const char *agent, const char *query)
{
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_DNS && strcmp(trace_dns_agent(tr, e), agent) == 0 &&
            strcmp(trace_dns_query(tr, e), query) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

static void build_at(const struct run *r, const struct words *w, double p, bool presenter,
                     struct display_list *dl)
{
    struct viz_view v = view_at(w, 1920, 1080, p);
    v.presenter = presenter;
    scene_build(&r->tr, r->tl, &v, dl);
}

/* nine-steps, step ④: gw.a asks ns.example for b.example's MX; the question leaves gw.a at the
 * moment of the lookup, the answer comes back, ns.example is lit meanwhile, and then it is over. */
static void test_dns(struct harness *h, const struct run *r, const struct words *w, bool presenter)
{
    const struct trace *tr = &r->tr;
    size_t ev = dns_event(tr, "gw.a", "MX b.example");
    uint32_t gw = host_by_name(tr, "gw.a.example"), ns = host_by_name(tr, "ns.example");
    uint32_t router = host_by_name(tr, "router.example"), asker = agent_by_id(tr, "gw.a");
    if (!CHECK(h, ev != SIZE_MAX && gw != UINT32_MAX && ns != UINT32_MAX && router != UINT32_MAX &&
                      asker != UINT32_MAX)) {
        return;
    }
    double p = viz_timeline_event_p(r->tl, ev);
    struct display_list dl;
    dl_init(&dl);
    const double moments[] = {p, p + 0.3, p + 0.9};
    for (size_t k = 0; k < 3; k++) {
        build_at(r, w, moments[k], presenter, &dl);
        const struct dl_item *bg = find_item(&dl, DL_RECT, DL_TARGET_HOST, gw);
        const struct dl_item *bn = find_item(&dl, DL_RECT, DL_TARGET_HOST, ns);
        const struct dl_item *br = find_item(&dl, DL_RECT, DL_TARGET_HOST, router);
        const struct dl_item *dot = lookup_dot(&dl, asker);
        const char *want = k < 2 ? "MX b.example?" : "10 mx.b.example";
        const struct dl_item *label = motion_text(&dl, want);
        if (!CHECK(h, bg && bn && br && dot && label)) {
            fprintf(stderr, "    %s: %.2f s after the lookup: no dot, or no \"%s\"\n",
                    presenter ? "presenter" : "window", moments[k] - p, want);
            continue;
        }
        float x = dot->x + dot->w / 2, y = dot->y + dot->h / 2;
        if (!CHECK(h, between(bg, bn, br, x, y))) {
            fprintf(stderr, "    the lookup's dot at %.0f,%.0f is not between gw.a and ns\n", x, y);
        }
        /* the label is the dot's: near it */
        CHECK(h, fabsf(label->x + label->w / 2 - x) < 300 && fabsf(label->y - y) < 120);
        /* the server is lit: a glow around its box */
        bool lit = false;
        for (size_t i = 0; i < dl.n; i++) {
            const struct dl_item *it = &dl.items[i];
            lit = lit || (it->kind == DL_RECT && it->layer == LAYER_GLOW && it->x <= bn->x &&
                          it->y <= bn->y && it->x + it->w >= bn->x + bn->w);
        }
        CHECK(h, lit);
        CHECK(h, hosts_apart(&dl) && items_inside(&dl, 1920, 1080));
    }
    /* the question nearer ns.example after a while than at first */
    build_at(r, w, p, presenter, &dl);
    const struct dl_item *d0 = lookup_dot(&dl, asker);
    float x0 = d0 ? d0->x : 0, y0 = d0 ? d0->y : 0;
    build_at(r, w, p + 0.4, presenter, &dl);
    const struct dl_item *d1 = lookup_dot(&dl, asker);
    const struct dl_item *bn = find_item(&dl, DL_RECT, DL_TARGET_HOST, ns);
    if (CHECK(h, d0 && d1 && bn)) {
        float nx = bn->x + bn->w / 2, ny = bn->y + bn->h / 2;
        CHECK(h, hypotf(d1->x - nx, d1->y - ny) < hypotf(x0 - nx, y0 - ny));
    }
    /* two seconds on, the lookup is over */
    build_at(r, w, p + 2.0, presenter, &dl);
    CHECK(h, lookup_dot(&dl, asker) == NULL && motion_text(&dl, "MX b.example?") == NULL &&
                 motion_text(&dl, "10 mx.b.example") == NULL);
    dl_free(&dl);
}

/* An envelope of host h's queue (DL_TARGET_HOST) or mailbox (DL_TARGET_MAILBOX) with the mail's
 * id beside it (to its right, on its row). */
static bool envelope_at(const struct display_list *dl, enum dl_target kind, uint32_t h,
                        const char *mail)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *env = &dl->items[i];
        if (env->kind != DL_ENVELOPE || env->target != kind || env->target_id != h) {
            continue;
        }
        for (size_t j = 0; j < dl->n; j++) {
            const struct dl_item *t = &dl->items[j];
            if (t->kind == DL_TEXT && t->layer == LAYER_MOTION_TEXT &&
                strcmp(dl_text(dl, t), mail) == 0 && t->x > env->x && t->x < env->x + 3 * env->w &&
                env->y >= t->y && env->y <= t->y + t->h) {
                return true;
            }
        }
    }
    return false;
}

static bool waits_at(const struct display_list *dl, uint32_t h, const char *mail)
{
    return envelope_at(dl, DL_TARGET_HOST, h, mail);
}

/* retry-and-bounce: gw.a cannot reach mx.c.example and defers m1; at every pause from then on
 * until it relays it at last, m1 waits at gw.a, just above its box; the DSN joins it there. */
static void test_deferred(struct harness *h, const struct run *r, const struct words *w)
{
    const struct trace *tr = &r->tr;
    const struct viz_timeline *tl = r->tl;
    uint32_t gw = host_by_name(tr, "gw.a.example");
    trace_str deferred = trace_lookup(tr, "deferred"), relayed = trace_lookup(tr, "relayed");
    trace_str gwa = trace_lookup(tr, "gw.a");
    size_t first = SIZE_MAX, last = SIZE_MAX;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        if (e->kind == TRACE_MAIL && trace_mail_agent_id(e) == gwa &&
            strcmp(trace_mail_mail(tr, e), "m1") == 0) {
            first = first == SIZE_MAX && trace_mail_state_id(e) == deferred ? i : first;
            last = trace_mail_state_id(e) == relayed ? i : last;
        }
    }
    if (!CHECK(h, gw != UINT32_MAX && first != SIZE_MAX && last != SIZE_MAX && last > first)) {
        return;
    }
    struct display_list dl;
    dl_init(&dl);
    size_t paused = 0;
    for (size_t k = 0; k < tl->nbeats; k++) {
        if (tl->beats[k].idx < first || tl->beats[k].idx > last) {
            continue;
        }
        paused++;
        build_at(r, w, tl->beats[k].p, false, &dl);
        if (!CHECK(h, waits_at(&dl, gw, "m1"))) {
            fprintf(stderr, "    beat %zu: no m1 waiting at gw.a\n", k + 1);
        }
        const struct dl_item *env = find_item(&dl, DL_ENVELOPE, DL_TARGET_HOST, gw);
        const struct dl_item *box = find_item(&dl, DL_RECT, DL_TARGET_HOST, gw);
        if (env && box) {
            CHECK(h, env->x > box->x && env->x < box->x + box->w && env->y < box->y &&
                         env->y > box->y - 60);
        }
        CHECK(h, items_inside(&dl, 1920, 1080) && hosts_apart(&dl));
    }
    CHECK(h, paused >= 5);
    /* beat 17, the DSN's step ④ at gw.a: m1 and m1-dsn both wait there, and bob's and carol's
     * copies of m1 are in mail.b's mailboxes, one envelope for both */
    build_at(r, w, viz_timeline_beat_time(tl, 16), false, &dl);
    CHECK(h, waits_at(&dl, gw, "m1") && waits_at(&dl, gw, "m1-dsn"));
    CHECK(h, envelope_at(&dl, DL_TARGET_MAILBOX, host_by_name(tr, "mail.b.example"), "m1 ×2"));
    /* and the end: all delivered, nothing waits anywhere */
    build_at(r, w, viz_timeline_duration(tl), false, &dl);
    CHECK(h, find_item(&dl, DL_ENVELOPE, DL_TARGET_HOST, gw) == NULL);
    dl_free(&dl);
}

/* nine-steps: m1 waits at each MTA from its "queued" until the next hop queues it (RFC 5321
 * §6.1: that 250 takes on the responsibility), so at each step it is at one host only; then it
 * is in bob's mailbox until he fetches it. */
static void test_queued(struct harness *h, const struct run *r, const struct words *w)
{
    const struct trace *tr = &r->tr;
    const struct viz_timeline *tl = r->tl;
    static const struct {
        long beat;
        const char *host; /* where m1 waits, NULL nowhere */
    } cases[] = {
        {1, "mail.a.example"}, /* ②: the MSA handed it to the MTA */
        {4, "gw.a.example"},   /* ④ */
        {5, "mx.b.example"},   /* ⑤ */
        {7, NULL},             /* ⑦: in the mailbox */
    };
    struct display_list dl;
    dl_init(&dl);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        build_at(r, w, viz_timeline_beat_time(tl, (size_t)cases[k].beat), false, &dl);
        size_t at = 0;
        for (uint32_t hh = 0; hh < tr->nhosts; hh++) {
            bool here = waits_at(&dl, hh, "m1");
            at += here;
            if (cases[k].host && here) {
                CHECK_STR(h, trace_string(tr, tr->hosts[hh].name), cases[k].host);
            }
        }
        if (!CHECK_INT(h, at, cases[k].host ? 1 : 0)) {
            fprintf(stderr, "    beat %ld\n", cases[k].beat + 1);
        }
    }
    /* at ⑦ and ⑧ m1 is in bob's mailbox on mail.b; once bob has fetched it, in none */
    uint32_t mb = host_by_name(tr, "mail.b.example");
    build_at(r, w, viz_timeline_step_time(tl, 7), false, &dl);
    CHECK(h, envelope_at(&dl, DL_TARGET_MAILBOX, mb, "m1"));
    build_at(r, w, viz_timeline_step_time(tl, 8), false, &dl);
    CHECK(h, envelope_at(&dl, DL_TARGET_MAILBOX, mb, "m1"));
    build_at(r, w, viz_timeline_step_time(tl, 9), false, &dl);
    CHECK(h, find_item(&dl, DL_ENVELOPE, DL_TARGET_MAILBOX, mb) == NULL);
    dl_free(&dl);
}

/* nine-steps: mx.b's "250 2.0.0 Ok: queued" crosses the 30 ms Internet path while the story
 * holds at steps ⑤, ⑥ and ⑦: its label is there when it is sent, and gone by ⑥. */
static void test_stale_reply(struct harness *h, const struct run *r, const struct words *w)
{
    const struct trace *tr = &r->tr;
    uint32_t conn = r->tl->marks[4].conn;
    size_t ev = SIZE_MAX;
    for (size_t i = 0; i < tr->nevents && ev == SIZE_MAX; i++) {
        const struct trace_event *e = trace_event_at(tr, i);
        ev = e->kind == TRACE_DATA && e->conn == conn && e->from == TRACE_SERVER &&
                     data_has(tr, e, "250 2.0.0")
                 ? i
                 : SIZE_MAX;
    }
    if (!CHECK(h, ev != SIZE_MAX)) {
        return;
    }
    struct display_list dl;
    dl_init(&dl);
    build_at(r, w, viz_timeline_event_p(r->tl, ev) + 0.2, false, &dl);
    CHECK(h, motion_text(&dl, "250 2.0.0") != NULL);
    double p6 = viz_timeline_step_time(r->tl, 6), p7 = viz_timeline_step_time(r->tl, 7);
    const struct trace_event *e = trace_event_at(tr, ev);
    /* still on its way at ⑥ and ⑦ ... */
    CHECK(h, viz_timeline_to_virtual(r->tl, p7) < e->t + trace_conn_get(tr, conn)->latency_us);
    for (double p = p6; p <= p7 + 0.5; p += 0.25) {
        build_at(r, w, p, false, &dl);
        /* ... but no longer news */
        if (!CHECK(h, motion_text(&dl, "250 2.0.0 Ok: queued as") == NULL)) {
            fprintf(stderr, "    at %.2f s (step ⑥ at %.2f s)\n", p, p6);
        }
    }
    dl_free(&dl);
}

/* A connection that sends a second line while its first is still on the wire: the first line's
 * label goes, its dot stays. */
static void test_newer_line(struct harness *h, const struct words *w)
{
    struct trace tr;
    if (!CHECK(h, trace_init(&tr) == 0)) {
        return;
    }
    uint32_t z = trace_add_zone(&tr, "lan");
    uint32_t a = trace_add_host(&tr, "pc.example", z, 0xC0000201);
    uint32_t b = trace_add_host(&tr, "mail.example", z, 0xC0000202);
    trace_add_agent(&tr, "alice", "mua", "Thunderbird", a);
    trace_add_agent(&tr, "msa", "msa", "Postfix", b);
    trace_add_link(&tr, a, b, 30000);
    const struct trace_conn c = {.proto = trace_intern(&tr, "smtp"),
                                 .client_host = a,
                                 .server_host = b,
                                 .client_agent = trace_intern(&tr, "alice"),
                                 .server_agent = trace_intern(&tr, "msa"),
                                 .server_port = 25,
                                 .latency_us = 30000};
    uint32_t conn = trace_connect(&tr, 0, &c);
    static const char first[] = "EHLO pc.example\r\n", second[] = "NOOP\r\n";
    trace_data(&tr, 1000, conn, TRACE_CLIENT, false, (const uint8_t *)first, sizeof first - 1);
    trace_data(&tr, 5000, conn, TRACE_CLIENT, false, (const uint8_t *)second, sizeof second - 1);
    struct viz_timeline *tl = viz_timeline_new(&tr);
    struct display_list dl;
    dl_init(&dl);
    if (CHECK(h, tl != NULL)) {
        struct viz_view v = view_at(w, 1920, 1080, viz_timeline_from_virtual(tl, 3000));
        scene_build(&tr, tl, &v, &dl);
        CHECK(h, motion_text(&dl, "EHLO pc.example") != NULL); /* the newest line, for now */
        v.p = viz_timeline_from_virtual(tl, 8000);
        scene_build(&tr, tl, &v, &dl);
        CHECK(h, motion_text(&dl, "EHLO pc.example") == NULL && motion_text(&dl, "NOOP") != NULL);
        size_t dots = 0;
        for (size_t i = 0; i < dl.n; i++) {
            dots += dl.items[i].layer == LAYER_MOTION && dl.items[i].target == DL_TARGET_CONN;
        }
        CHECK_INT(h, dots, 2); /* both still travel */
    }
    dl_free(&dl);
    viz_timeline_free(tl);
    trace_free(&tr);
}

int main(void)
{
    struct harness h = {"test_motion", 0, 0};
    struct words en, ja;
    words_load(&en, "en");
    words_load(&ja, "ja");
    struct run nine, rb;
    if (CHECK(&h, run_load(&nine, "../scenarios/nine-steps.json") == 0)) {
        test_dns(&h, &nine, &en, false);
        test_dns(&h, &nine, &ja, true);
        test_queued(&h, &nine, &en);
        test_stale_reply(&h, &nine, &en);
    }
    run_free(&nine);
    if (CHECK(&h, run_load(&rb, "../scenarios/retry-and-bounce.json") == 0)) {
        test_deferred(&h, &rb, &en);
        test_deferred(&h, &rb, &ja);
    }
    run_free(&rb);
    test_newer_line(&h, &en);
    ui_strings_free(en.ui);
    ui_strings_free(ja.ui);
    return harness_finish(&h);
}
