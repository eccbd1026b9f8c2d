/* test_quiz_overlay: the study mode's panels as display-list items, without SDL — a choice
 * question and a click question in Japanese and English, asked and answered, and the score:
 * their words present (from assets/strings, keys quiz.*), every item inside the window at
 * 1280x720 and 1920x1080 (and in presenter mode), no two lines of text on top of each other, the
 * panel at the inspector's place of a real run; the order of a round; the glossary, paged. */
#include "harness.h"
#include "quiz_overlay.h"
#include "scene_check.h"

#include <stdlib.h>
#include <string.h>

static const char *const quiz_keys[] = {
    "quiz.title",
    "quiz.review_title",
    "quiz.question",
    "quiz.whole",
    "quiz.so_far",
    "quiz.keys_choice",
    "quiz.keys_agent",
    "quiz.keys_link",
    "quiz.right",
    "quiz.wrong",
    "quiz.the_answer",
    "quiz.replay",
    "quiz.keys_next",
    "quiz.keys_last",
    "quiz.score",
    "quiz.missed",
    "quiz.keys_review",
    "quiz.keys_done",
    "quiz.unavailable",
    "quiz.none",
    "quiz.click_agent",
    "quiz.not_saved",
    "quiz.glossary.title",
    "quiz.glossary.hint",
    "quiz.glossary.unavailable",
    "ui.help.15",
    "ui.help.16",
    "quiz.source",
    "quiz.weight",
    "quiz.weight.high",
    "quiz.weight.medium",
    "quiz.weight.low",
};

static void quiz_words(const struct ui_strings *ui, struct quiz_overlay_words *w)
{
    w->title = ui_string(ui, "quiz.title");
    w->review_title = ui_string(ui, "quiz.review_title");
    w->question = ui_string(ui, "quiz.question");
    w->whole = ui_string(ui, "quiz.whole");
    w->so_far = ui_string(ui, "quiz.so_far");
    w->keys_choice = ui_string(ui, "quiz.keys_choice");
    w->keys_agent = ui_string(ui, "quiz.keys_agent");
    w->keys_link = ui_string(ui, "quiz.keys_link");
    w->right = ui_string(ui, "quiz.right");
    w->wrong = ui_string(ui, "quiz.wrong");
    w->the_answer = ui_string(ui, "quiz.the_answer");
    w->replay = ui_string(ui, "quiz.replay");
    w->keys_next = ui_string(ui, "quiz.keys_next");
    w->keys_last = ui_string(ui, "quiz.keys_last");
    w->score = ui_string(ui, "quiz.score");
    w->missed = ui_string(ui, "quiz.missed");
    w->keys_review = ui_string(ui, "quiz.keys_review");
    w->keys_done = ui_string(ui, "quiz.keys_done");
    w->source = ui_string(ui, "quiz.source");
    w->weight = ui_string(ui, "quiz.weight");
    w->weights[VIZ_QUIZ_WEIGHT_HIGH] = ui_string(ui, "quiz.weight.high");
    w->weights[VIZ_QUIZ_WEIGHT_MEDIUM] = ui_string(ui, "quiz.weight.medium");
    w->weights[VIZ_QUIZ_WEIGHT_LOW] = ui_string(ui, "quiz.weight.low");
}

/* From the bank: the longest kinds of text it holds. */
static const struct viz_quiz_question choice_ja = {
    "nine-steps-4-mx",
    4,
    VIZ_QUIZ_CHOICE,
    "ステップ④で gw.a.example は b.example 宛てのメールをどこへ送るかを知るために、DNS "
    "に何を問い合わせましたか。",
    {"b.example の A レコード", "b.example の MX レコード", "b.example の PTR レコード",
     "b.example の TXT レコード(SPF)", "mx.b.example の CNAME レコード",
     "問い合わせない(hosts ファイルを見る)"},
    6,
    1,
    NULL,
    {NULL, NULL},
    "通信記録に「DNS gw.a: MX b.example -> 10 mx.b.example "
    "(203.0.113.140)」とあります。送信側のMTAは宛先ドメイン b.example の MX "
    "レコードを問い合わせ、優先度の値が最も小さいホスト(mx.b.example)へ 25番で接続します。A "
    "レコードはその後、mx.b.example のアドレスを知るために使われます。MX "
    "が無いときに限り、ドメイン名そのものの A レコードへ送ります(RFC 5321 5.1)。",
    "RFC 5321 §5.1",
    VIZ_QUIZ_WEIGHT_LOW};
static const struct viz_quiz_question choice_en = {
    "nine-steps-4-mx",
    4,
    VIZ_QUIZ_CHOICE,
    "In step ④, what does gw.a.example ask DNS to learn where to send the message for b.example?",
    {"the A record of b.example", "the MX record of b.example", "the PTR record of b.example",
     "the TXT record of b.example (SPF)", "the CNAME record of mx.b.example",
     "nothing: it reads its hosts file"},
    6,
    1,
    NULL,
    {NULL, NULL},
    "The transcript says \"DNS gw.a: MX b.example -> 10 mx.b.example (203.0.113.140)\". The "
    "sending MTA asks for the MX records of the recipient's domain b.example and connects on port "
    "25 to the host with the lowest preference value (mx.b.example). The A record is used after "
    "that, to learn the address of mx.b.example. Only when there is no MX does it send to the A "
    "record of the domain itself (RFC 5321 section 5.1), which is why a domain that receives mail "
    "publishes one.",
    "RFC 5321 §5.1",
    VIZ_QUIZ_WEIGHT_LOW};
static const struct viz_quiz_question click_ja = {
    "nine-steps-4-link",
    4,
    VIZ_QUIZ_CLICK_LINK,
    "ステップ④で、メールが送信側の組織を出てインターネットへ出ていく回線をクリックしてください。",
    {NULL},
    0,
    0,
    NULL,
    {"gw.a.example", "router.example"},
    "gw.a.example(送信側DMZのゲートウェイMTA)と router.example の間の回線です。通信記録の「接続 "
    "gw.a@gw.a.example 192.0.2.140 -> mx.b@mx.b.example 203.0.113.140:25 "
    "(smtp)」の接続はこの回線を通ってインターネットへ出ます。",
    "RFC 5598 §4.3.2 (MTA)",
    VIZ_QUIZ_WEIGHT_MEDIUM};
static const struct viz_quiz_question click_en = {
    "nine-steps-1-who",
    1,
    VIZ_QUIZ_CLICK_AGENT,
    "Click the agent that writes the message and sends it to its organisation's mail server in "
    "step ①.",
    {NULL},
    0,
    0,
    "alice",
    {NULL, NULL},
    "Step ① is the sender's MUA (alice, in Thunderbird's role). The first line of the transcript, "
    "\"connect alice@alice-pc.a.example ... -> msa.a@mail.a.example ...:587 (submission)\", shows "
    "that the client opening the connection is alice's MUA.",
    "RFC 5598 §4.2.1 (MUA)",
    VIZ_QUIZ_WEIGHT_HIGH};

/* All the text of a list, joined without spaces: wrapping drops the spaces it breaks at. */
static char *all_text(const struct display_list *dl)
{
    size_t cap = dl->text_len + 1, len = 0;
    char *s = malloc(cap);
    for (size_t i = 0; s && i < dl->n; i++) {
        if (dl->items[i].kind == DL_TEXT) {
            const char *t = dl_text(dl, &dl->items[i]);
            for (; *t && len + 1 < cap; t++) {
                s[len++] = *t;
            }
        }
    }
    if (s) {
        s[len] = 0;
        squeeze(s);
    }
    return s;
}

static bool has_text(const struct display_list *dl, const char *needle)
{
    char *all = all_text(dl), *n = strdup(needle);
    squeeze(n);
    bool ok = all && strstr(all, n) != NULL;
    if (!ok) {
        fprintf(stderr, "    missing text: %s\n", needle);
    }
    free(all);
    free(n);
    return ok;
}

static bool texts_apart(const struct display_list *dl)
{
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *a = &dl->items[i];
        if (a->kind != DL_TEXT) {
            continue;
        }
        for (size_t j = i + 1; j < dl->n; j++) {
            const struct dl_item *b = &dl->items[j];
            const float e = 0.5f;
            if (b->kind == DL_TEXT && a->x < b->x + b->w - e && b->x < a->x + a->w - e &&
                a->y < b->y + b->h - e && b->y < a->y + a->h - e) {
                fprintf(stderr, "    \"%s\" and \"%s\" overlap\n", dl_text(dl, a), dl_text(dl, b));
                return false;
            }
        }
    }
    return true;
}

static bool box_inside(struct overlay_box b, int w, int h)
{
    return b.x >= -0.5f && b.y >= -0.5f && b.x + b.w <= (float)w + 0.5f &&
           b.y + b.h <= (float)h + 0.5f && b.w > 0 && b.h > 0;
}

struct size {
    int w, h;
    bool presenter;
};
static const struct size sizes[] = {
    {1280, 720, false}, {1920, 1080, false}, {1280, 720, true}, {1920, 1080, true}};

static void check_state(struct harness *h, const struct run *r, const struct words *wd,
                        const struct quiz_overlay_state *s0, const char *const *want, size_t nwant)
{
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct viz_view v = view_at(wd, sizes[k].w, sizes[k].h, 0);
        v.presenter = sizes[k].presenter;
        struct quiz_overlay_state s = *s0;
        for (int placed = 0; placed < 2; placed++) {
            s.place = placed && r ? quiz_overlay_place(&r->tr, r->tl, &v)
                                  : (struct overlay_box){0, 0, 0, 0};
            struct display_list dl;
            dl_init(&dl);
            dl_clear(&dl, v.width, v.height);
            struct overlay_box b = quiz_overlay_draw(&dl, &v, &s, 77);
            CHECK(h, dl.n > 3);
            CHECK(h, box_inside(b, v.width, v.height));
            CHECK(h, items_inside(&dl, v.width, v.height));
            CHECK(h, texts_apart(&dl));
            bool layered = true;
            for (size_t i = 0; i < dl.n; i++) {
                layered = layered && dl.items[i].layer == 77;
            }
            CHECK(h, layered);
            /* the panel keeps to the lower right: the diagram's left half stays clickable */
            CHECK(h, b.x > (float)v.width * 0.4f);
            if (placed && s.place.w > 0) {
                CHECK(h, b.x == s.place.x && b.w == s.place.w);
                CHECK(h, b.y <= s.place.y + 0.5f);
            }
            /* every text is wanted outside presenter mode, where it all fits */
            for (size_t i = 0; i < nwant && !v.presenter; i++) {
                CHECK(h, has_text(&dl, want[i]));
            }
            dl_free(&dl);
        }
    }
}

static void test_lang(struct harness *h, const struct run *r, const char *lang)
{
    struct words wd;
    words_load(&wd, lang);
    CHECK(h, wd.ui != NULL);
    if (!wd.ui) {
        return;
    }
    for (size_t i = 0; i < sizeof quiz_keys / sizeof quiz_keys[0]; i++) {
        /* ui_string answers a missing key with the key itself */
        CHECK(h, strcmp(ui_string(wd.ui, quiz_keys[i]), quiz_keys[i]) != 0);
    }
    struct quiz_overlay_words w;
    quiz_words(wd.ui, &w);
    bool ja = strcmp(lang, "ja") == 0;
    const struct viz_quiz_question *choice = ja ? &choice_ja : &choice_en;
    const struct viz_quiz_question *click = ja ? &click_ja : &click_en;

    struct quiz_overlay_state s;
    memset(&s, 0, sizeof s);
    s.words = &w;
    s.phase = QUIZ_OVERLAY_ASK;
    s.q = choice;
    s.index = 4;
    s.total = 19;
    s.asked_before = 3;
    s.right_before = 2;
    const char *ask[] = {choice->question,
                         choice->choices[0],
                         choice->choices[5],
                         w.keys_choice,
                         w.title,
                         "4/19",
                         "2/3",
                         "④"};
    check_state(h, r, &wd, &s, ask, sizeof ask / sizeof ask[0]);

    s.phase = QUIZ_OVERLAY_ANSWERED;
    s.right = false;
    s.answer_text = choice->choices[1];
    const char *wrong[] = {
        choice->question, w.wrong,        choice->choices[1], choice->explanation,
        w.source,         choice->source, w.weight,           w.weights[VIZ_QUIZ_WEIGHT_LOW],
        w.keys_next};
    check_state(h, r, &wd, &s, wrong, sizeof wrong / sizeof wrong[0]);

    s.phase = QUIZ_OVERLAY_ASK;
    s.q = click;
    s.index = 19;
    s.asked_before = 0;
    const char *kw = click->kind == VIZ_QUIZ_CLICK_LINK ? w.keys_link : w.keys_agent;
    const char *ask_click[] = {click->question, kw};
    check_state(h, r, &wd, &s, ask_click, 2);

    s.phase = QUIZ_OVERLAY_ANSWERED;
    s.right = true;
    s.answer_text = ja ? "gw.a.example — router.example" : "alice (MUA, alice-pc.a.example)";
    const char *right[] = {
        w.right,    s.answer_text, click->explanation, click->source, w.weights[click->weight],
        w.keys_last};
    check_state(h, r, &wd, &s, right, sizeof right / sizeof right[0]);

    const char *missed[] = {choice->question, click->question};
    memset(&s, 0, sizeof s);
    s.words = &w;
    s.phase = QUIZ_OVERLAY_SCORE;
    s.asked = 10;
    s.nright = 7;
    s.missed = missed;
    s.nmissed = 2;
    s.to_review = 3;
    const char *score[] = {w.score, "7/10", "70%", w.missed, w.keys_review};
    check_state(h, r, &wd, &s, score, sizeof score / sizeof score[0]);
    s.to_review = 0;
    s.nmissed = 0;
    s.nright = 10;
    s.review = true;
    const char *done[] = {w.review_title, "10/10", w.keys_done};
    check_state(h, r, &wd, &s, done, 3);
    ui_strings_free(wd.ui);
}

static void test_glossary(struct harness *h)
{
    struct viz_glossary_entry e[40];
    char defs[40][300];
    for (int i = 0; i < 40; i++) {
        snprintf(defs[i], sizeof defs[i],
                 "定義 %d: メールボックスのメールを POP3 や IMAP でMUAに渡すサーバの役割です。%s",
                 i,
                 i % 3 ? ""
                       : "長い定義は二行以上に折り返されます。長い定義は二行以上に折り返されます。"
                         "長い定義は二行以上に折り返されます。");
        e[i].term =
            i % 5 ? "MRA(Mail Retrieval Agent)" : "コンテンツフィルタ(ウイルス・スパム対策)";
        e[i].definition = defs[i];
    }
    struct words wd;
    words_load(&wd, "ja");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct viz_view v = view_at(&wd, sizes[k].w, sizes[k].h, 0);
        v.presenter = sizes[k].presenter;
        struct glossary_overlay g = {"用語集", "↑ ↓ · Esc", e, 40, 0, NULL};
        size_t shown = 0, total = 0;
        for (int page = 0; page < 40 && g.top < 40; page++) {
            struct display_list dl;
            dl_init(&dl);
            dl_clear(&dl, v.width, v.height);
            struct overlay_box b = glossary_overlay_draw(&dl, &v, &g, 5, &shown);
            CHECK(h, shown > 0);
            CHECK(h, box_inside(b, v.width, v.height));
            CHECK(h, items_inside(&dl, v.width, v.height));
            CHECK(h, texts_apart(&dl));
            CHECK(h, has_text(&dl, "用語集"));
            CHECK(h, has_text(&dl, defs[g.top]));
            total += shown;
            g.top += shown ? shown : 1;
            dl_free(&dl);
        }
        CHECK_INT(h, total, 40); /* paging shows every entry once */
    }
    struct viz_view v = view_at(&wd, 1280, 720, 0);
    struct glossary_overlay none = {"用語集", NULL, NULL, 0, 0, "読み込めませんでした。"};
    struct display_list dl;
    dl_init(&dl);
    dl_clear(&dl, 1280, 720);
    size_t shown = 9;
    glossary_overlay_draw(&dl, &v, &none, 5, &shown);
    CHECK_INT(h, shown, 0);
    CHECK(h, has_text(&dl, "読み込めませんでした。"));
    dl_free(&dl);
    ui_strings_free(wd.ui);
}

int main(void)
{
    struct harness h = {"test_quiz_overlay", 0, 0};
    struct run r;
    bool have_run = run_load(&r, "../scenarios/nine-steps.json") == 0;
    CHECK(&h, have_run);
    test_lang(&h, have_run ? &r : NULL, "ja");
    test_lang(&h, have_run ? &r : NULL, "en");
    test_glossary(&h);
    run_free(&r);
    return harness_finish(&h);
}
