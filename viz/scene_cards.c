/* scene_cards: the result card of each attack, kept on the network from its beat to the end of
 * the run — what an attacker got (a password, a body, a relay let through, a line rewritten) in
 * the attacker's red, or what stopped it (a refusal, only ciphertext on a tap, a reader without
 * the key) in the defender's green. A card is made of its beats' own title words (app/story.c),
 * so it speaks the viewer's language with no words of its own. */
#include "scene_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a beat's title becomes a card's heading and lines. */
enum card_form {
    CARD_AFTER_COLON, /* "eve sniffed: alice / wonderland": "eve sniffed", then the rest */
    CARD_REFUSAL,     /* "mx.b refuses: 554 5.7.1 <v@c.example>: Relay access denied":
                         "mx.b refuses", then "× 554 5.7.1 Relay access denied" */
    CARD_IN_PARENS,   /* "eve sees only ciphertext (a-lan-tap)": the words, then the taps */
    CARD_WHOLE,       /* the title as it is */
    CARD_TAMPER       /* the title, then the lines the man in the middle removed or added */
};

struct card_kind {
    const char *what; /* the beat's "what" */
    bool attack;      /* the attacker's gain (red), else a defence that held (green) */
    enum card_form form;
    int icon;           /* a dl_icon before the heading, -1 none */
    bool attacker_only; /* a card only when the actor is an attacker */
};

static const struct card_kind card_kinds[] = {
    {"password", true, CARD_AFTER_COLON, DL_ICON_EYE, false},
    {"cracked", true, CARD_AFTER_COLON, DL_ICON_EYE, false},
    {"body", true, CARD_IN_PARENS, DL_ICON_EYE, false},
    {"accepted", true, CARD_WHOLE, -1, false},
    {"tamper", true, CARD_TAMPER, -1, false},
    /* an attacker's moment in the scenario's own words ("mallory deleted 250-STARTTLS") */
    {"scenario", true, CARD_WHOLE, -1, true},
    {"refusal", false, CARD_REFUSAL, -1, false},
    {"ciphertext", false, CARD_IN_PARENS, DL_ICON_LOCK, false},
    {"encrypted_body", false, CARD_IN_PARENS, DL_ICON_LOCK, false},
    {"crack_failed", false, CARD_WHOLE, -1, false},
    {"unreadable", false, CARD_WHOLE, DL_ICON_LOCK, false},
};

#define CARD_DEFENCE SC_TLS
#define CARD_ATTACK_FILL SC_RGB(255, 240, 240)
#define CARD_DEFENCE_FILL SC_RGB(233, 246, 237)

#define CARD_MAX 8          /* cards on screen: one per (kind, actor) */
#define CARD_LINES 4        /* lines under a card's heading; more are counted ("+2") */
#define CARD_TEXT 256       /* bytes of one line */
#define CARD_BEATS 64       /* result beats read, the newest */
#define CARD_SCAN 20000     /* beats looked back at from the one shown, at most */
#define CARD_ROWS 12        /* rows of text a card draws */
#define CARD_WRAP 3         /* rows one line may wrap into; the renderer cuts the rest */
#define CARD_TAMPER_SCAN 16 /* events between a beat, its tamper and that tamper's data */

struct card {
    const struct card_kind *kind;
    trace_str actor;
    long first, last; /* its first and newest beat */
    uint32_t conn;    /* the connection of its first beat (a tamper's: the one rewritten) */
    bool on_link;     /* it is about a connection's link (a tamper), not a host */
    char head[CARD_TEXT];
    char lines[CARD_LINES][CARD_TEXT];
    long line_beat[CARD_LINES];
    size_t nlines, more;
    /* where it goes: next to the box `near` (a host's), or on the part of a link between its
     * boxes, (x0, y0)-(x1, y1), pinned at (px, py), with a connector to its actor's host */
    struct layout_box near, box;
    uint32_t link;   /* the link it sits on, UINT32_MAX none */
    uint32_t from_h; /* the host the connector comes from, UINT32_MAX none */
    float x0, y0, x1, y1, px, py;
};

/* ---- the cards' words ---- */

static bool card_lang_ja(const struct scene *sc)
{
    return sc->s->lang && strcmp(sc->s->lang, "ja") == 0;
}

/* The beat's title in the viewer's language (the other one when it has none), as a string. */
static void card_title(const struct scene *sc, const struct trace_event *e, char *out, size_t cap)
{
    bool ja = card_lang_ja(sc);
    size_t n;
    const char *t = trace_beat_word(sc->tr, e, ja ? TRACE_BEAT_TITLE_JA : TRACE_BEAT_TITLE_EN, &n);
    if (n == 0) {
        t = trace_beat_word(sc->tr, e, ja ? TRACE_BEAT_TITLE_EN : TRACE_BEAT_TITLE_JA, &n);
    }
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), t);
}

static const struct card_kind *card_kind_of(const struct trace *tr, const struct trace_event *e)
{
    size_t n;
    const char *what = trace_beat_word(tr, e, TRACE_BEAT_WHAT, &n);
    for (size_t k = 0; k < sizeof card_kinds / sizeof card_kinds[0]; k++) {
        if (strlen(card_kinds[k].what) == n && memcmp(card_kinds[k].what, what, n) == 0) {
            return &card_kinds[k];
        }
    }
    return NULL;
}

/* Splits title at its first ": " into head and rest; false when it has none. */
static bool card_split_colon(const char *title, char *head, char *rest)
{
    const char *c = strstr(title, ": ");
    if (!c) {
        return false;
    }
    snprintf(head, CARD_TEXT, "%.*s", (int)(c - title), title);
    snprintf(rest, CARD_TEXT, "%s", c + 2);
    return true;
}

/* Splits "words (inside)" (ASCII or full-width brackets) at its last bracket; false when the
 * title does not end with one. */
static bool card_split_parens(const char *title, char *head, char *inside)
{
    static const char *const open[2] = {"(", "\xef\xbc\x88"}, *const close[2] = {")",
                                                                                 "\xef\xbc\x89"};
    size_t n = strlen(title);
    for (int k = 0; k < 2; k++) {
        size_t cl = strlen(close[k]);
        if (n < cl || strcmp(title + n - cl, close[k]) != 0) {
            continue;
        }
        const char *o = NULL;
        for (const char *p = strstr(title, open[k]); p; p = strstr(p + 1, open[k])) {
            o = p;
        }
        if (!o) {
            return false;
        }
        size_t hn = (size_t)(o - title);
        while (hn > 0 && title[hn - 1] == ' ') {
            hn--;
        }
        const char *in = o + strlen(open[k]);
        snprintf(head, CARD_TEXT, "%.*s", (int)hn, title);
        snprintf(inside, CARD_TEXT, "%.*s", (int)(title + n - cl - in), in);
        return true;
    }
    return false;
}

/* "554 5.7.1 <victim@c.example>: Relay access denied" as "× 554 5.7.1 Relay access denied":
 * the address the reply names is in the transcript; the card keeps the code and the reason.
 * (U+00D7, not U+2717 "✗", which Noto Sans CJK lacks.) */
static void card_refusal_line(const char *reply, char *out)
{
    const char *lt = strchr(reply, '<'), *gt = lt ? strstr(lt, ">: ") : NULL;
    if (gt) {
        snprintf(out, CARD_TEXT, "\xc3\x97 %.*s%.200s", (int)(lt - reply), reply, gt + 3);
    } else {
        snprintf(out, CARD_TEXT, "\xc3\x97 %.240s", reply);
    }
}

/* The lines of bytes [p, p + n), CRLF or LF ended, into starts and lengths; returns how many. */
static size_t card_lines_of(const uint8_t *p, size_t n, const uint8_t **starts, size_t *lens,
                            size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n, len = end - i;
        starts[k] = p + i;
        lens[k++] = len > 0 && p[i + len - 1] == '\r' ? len - 1 : len;
        i = end + 1;
    }
    return k;
}

static bool card_same_line(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

/* The tamper event just before beat event at: on its connection conn, or (conn 0, a beat in the
 * scenario's words) by its actor. SIZE_MAX: none. */
static size_t card_tamper_before(const struct scene *sc, size_t at, uint32_t conn, trace_str actor)
{
    for (size_t i = at, n = 0; i > 0 && n < CARD_TAMPER_SCAN; n++) {
        const struct trace_event *e = trace_event_at(sc->tr, --i);
        if (e->kind == TRACE_TAMPER &&
            (conn ? e->conn == conn : trace_tamper_agent_id(e) == actor)) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* What a man in the middle changed, as "− line" for a line taken out and "+ line" for one put in:
 * the data event that tamper event ti replaced, compared line by line with what the other side
 * received instead (the bytes as sent: no protocol is read). */
static void card_tamper_lines(const struct scene *sc, size_t ti, struct card *c)
{
    const struct trace *tr = sc->tr;
    const struct trace_event *tamper = trace_event_at(tr, ti), *data = NULL;
    for (size_t i = ti, n = 0; i > 0 && n < CARD_TAMPER_SCAN && !data; n++) {
        const struct trace_event *e = trace_event_at(tr, --i);
        data =
            e->kind == TRACE_DATA && e->conn == tamper->conn && e->from == tamper->from ? e : NULL;
    }
    if (!data) {
        return;
    }
    enum { MAXL = 64 };
    const uint8_t *os[MAXL], *ns[MAXL];
    size_t ol[MAXL], nl[MAXL];
    size_t on = card_lines_of(trace_bytes_ptr(tr, data->bytes), data->bytes.len, os, ol, MAXL);
    size_t nn = card_lines_of(trace_bytes_ptr(tr, tamper->bytes), tamper->bytes.len, ns, nl, MAXL);
    size_t pre = 0, post = 0;
    while (pre < on && pre < nn && card_same_line(os[pre], ol[pre], ns[pre], nl[pre])) {
        pre++;
    }
    while (post < on - pre && post < nn - pre &&
           card_same_line(os[on - 1 - post], ol[on - 1 - post], ns[nn - 1 - post],
                          nl[nn - 1 - post])) {
        post++;
    }
    for (int side = 0; side < 2; side++) {
        const uint8_t *const *s = side ? ns : os;
        const size_t *l = side ? nl : ol;
        for (size_t k = pre; k < (side ? nn : on) - post; k++) {
            if (c->nlines == CARD_LINES) {
                c->more++;
                continue;
            }
            char clean[CARD_TEXT - 8];
            scene_clean_line(s[k], l[k], clean, sizeof clean);
            snprintf(c->lines[c->nlines], CARD_TEXT, "%s %s", side ? "+" : "\xe2\x88\x92", clean);
            c->line_beat[c->nlines++] = -1;
        }
    }
}

/* Adds a line to card c unless it holds it already. */
static void card_add_line(struct card *c, const char *line, long beat)
{
    for (size_t i = 0; i < c->nlines; i++) {
        if (strcmp(c->lines[i], line) == 0) {
            return;
        }
    }
    if (c->nlines == CARD_LINES) {
        c->more++;
        return;
    }
    snprintf(c->lines[c->nlines], CARD_TEXT, "%s", line);
    c->line_beat[c->nlines++] = beat;
}

/* Beat k's part of its card: the heading the first time, then its line. */
static void card_take(const struct scene *sc, struct card *c, long k)
{
    const struct viz_beat *b = &sc->tl->beats[k];
    const struct trace_event *e = trace_event_at(sc->tr, b->idx);
    char title[CARD_TEXT], head[CARD_TEXT], rest[CARD_TEXT];
    card_title(sc, e, title, sizeof title);
    bool first = c->first < 0;
    /* a tamper, or an attacker's moment told in the scenario's words right after one */
    bool tampers = c->kind->form == CARD_TAMPER || c->kind->attacker_only;
    size_t tamper =
        tampers
            ? card_tamper_before(sc, b->idx, c->kind->form == CARD_TAMPER ? b->conn : 0, b->agent)
            : SIZE_MAX;
    if (first) {
        c->first = k;
        c->conn = b->conn;
        if (tamper != SIZE_MAX) {
            /* the card goes on the link of the connection rewritten */
            c->conn = trace_event_at(sc->tr, tamper)->conn;
            c->on_link = true;
        }
    }
    c->last = k;
    switch (c->kind->form) {
    case CARD_AFTER_COLON:
    case CARD_REFUSAL:
        if (!card_split_colon(title, head, rest)) {
            card_add_line(c, title, k);
            return;
        }
        if (c->kind->form == CARD_REFUSAL) {
            char line[CARD_TEXT];
            card_refusal_line(rest, line);
            snprintf(rest, sizeof rest, "%s", line);
        }
        break;
    case CARD_IN_PARENS:
        if (!card_split_parens(title, head, rest)) {
            card_add_line(c, title, k);
            return;
        }
        break;
    case CARD_TAMPER:
        if (first) {
            snprintf(c->head, sizeof c->head, "%s", title);
        }
        if (tamper != SIZE_MAX) {
            card_tamper_lines(sc, tamper, c);
        }
        return;
    case CARD_WHOLE:
    default:
        card_add_line(c, title, k);
        return;
    }
    if (first) {
        snprintf(c->head, sizeof c->head, "%s", head);
    }
    card_add_line(c, rest, k);
}

/* Whether beat k ends up on a card: a result of an attack, or a refusal of an attacker's
 * connection (a server refusing its own users is no attack's result). */
static const struct card_kind *card_beat_kind(const struct scene *sc, long k)
{
    const struct viz_beat *b = &sc->tl->beats[k];
    if (b->step != 0) {
        return NULL;
    }
    const struct trace_event *e = trace_event_at(sc->tr, b->idx);
    const struct card_kind *kind = card_kind_of(sc->tr, e);
    if (kind && kind->attacker_only && !trace_agent_attacks(sc->tr, b->agent)) {
        return NULL;
    }
    if (kind && kind->form == CARD_REFUSAL) {
        const struct trace_conn *c = b->conn ? trace_conn_get(sc->tr, b->conn) : NULL;
        return c && trace_agent_attacks(sc->tr, c->client_agent) ? kind : NULL;
    }
    return kind;
}

/* The cards of the beats up to the one shown, in the order they first appeared. */
static size_t card_collect(const struct scene *sc, struct card *cards)
{
    long picked[CARD_BEATS];
    size_t np = 0;
    for (long k = sc->beat, n = 0; k >= 0 && n < CARD_SCAN && np < CARD_BEATS; k--, n++) {
        if (card_beat_kind(sc, k)) {
            picked[np++] = k;
        }
    }
    size_t nc = 0;
    for (size_t i = np; i-- > 0;) {
        long k = picked[i];
        const struct card_kind *kind = card_beat_kind(sc, k);
        trace_str actor = sc->tl->beats[k].agent;
        size_t c = 0;
        while (c < nc && !(cards[c].kind == kind && cards[c].actor == actor)) {
            c++;
        }
        if (c == nc) {
            if (nc == CARD_MAX) {
                continue;
            }
            memset(&cards[nc], 0, sizeof cards[nc]);
            cards[nc].kind = kind;
            cards[nc].actor = actor;
            cards[nc].first = -1;
            nc++;
        }
        card_take(sc, &cards[c], k);
    }
    return nc;
}

/* ---- where they go ---- */

static uint32_t card_agent_host(const struct trace *tr, trace_str id)
{
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].id == id) {
            return tr->agents[a].host;
        }
    }
    return UINT32_MAX;
}

/* The part of link l between its two boxes, (x0, y0)-(x1, y1); its middle when the boxes meet. */
static void card_link_part(const struct scene *sc, uint32_t l, float *x0, float *y0, float *x1,
                           float *y1)
{
    const struct trace_link *k = &sc->tr->links[l];
    const struct layout_host *a = &sc->L.hosts[k->a], *b = &sc->L.hosts[k->b];
    float dx = b->cx - a->cx, dy = b->cy - a->cy;
    float t0 = scene_exit(&a->box, dx, dy), t1 = 1 - scene_exit(&b->box, dx, dy);
    if (t0 >= t1) {
        t0 = t1 = 0.5f;
    }
    *x0 = a->cx + dx * t0;
    *y0 = a->cy + dy * t0;
    *x1 = a->cx + dx * t1;
    *y1 = a->cy + dy * t1;
}

/* The link of connection conn's route the card of a tamper (or of a tap without a sniffer agent)
 * sits on: a tapped one before the others (that is where someone is in the path), the one
 * nearest host h (the man in the middle's, UINT32_MAX none) among those. UINT32_MAX: none. */
static uint32_t card_route_link(const struct scene *sc, uint32_t conn, uint32_t h)
{
    uint32_t route[VIZ_ROUTE_MAX], best = UINT32_MAX;
    int n = conn ? viz_conn_route(sc->tl, conn, route, VIZ_ROUTE_MAX) : -1;
    float best_d = INFINITY;
    bool best_tapped = false;
    for (int i = 0; i < n; i++) {
        uint32_t l = route[i];
        const struct trace_link *k = &sc->tr->links[l];
        if (k->a >= sc->L.nhosts || k->b >= sc->L.nhosts) {
            continue;
        }
        float x0, y0, x1, y1, d = 0;
        card_link_part(sc, l, &x0, &y0, &x1, &y1);
        if (h < sc->L.nhosts) {
            d = hypotf((x0 + x1) / 2 - sc->L.hosts[h].cx, (y0 + y1) / 2 - sc->L.hosts[h].cy);
        }
        bool tapped = sc->tl->links[l].tapped;
        if (best == UINT32_MAX || (tapped && !best_tapped) ||
            (tapped == best_tapped && d < best_d)) {
            best = l;
            best_d = d;
            best_tapped = tapped;
        }
    }
    return best;
}

/* What card c is about: the actor's host (the attacker's for its loot, the refusing server for a
 * refusal), or for a tamper the link it happened on, with a connector from the actor's host. */
static void card_anchor(const struct scene *sc, struct card *c)
{
    uint32_t h = card_agent_host(sc->tr, c->actor);
    c->link = UINT32_MAX;
    c->from_h = UINT32_MAX;
    if (c->on_link || h >= sc->L.nhosts) {
        c->link = card_route_link(sc, c->conn, h);
    }
    if (c->link != UINT32_MAX) {
        card_link_part(sc, c->link, &c->x0, &c->y0, &c->x1, &c->y1);
        c->near = (struct layout_box){fminf(c->x0, c->x1), fminf(c->y0, c->y1),
                                      fabsf(c->x1 - c->x0), fabsf(c->y1 - c->y0)};
        c->from_h = h < sc->L.nhosts ? h : UINT32_MAX;
    } else if (h < sc->L.nhosts) {
        c->near = sc->L.hosts[h].box;
    } else {
        const struct layout_box *n = &sc->L.content;
        c->near = (struct layout_box){n->x + n->w / 2, n->y + n->h / 2, 0, 0};
    }
}

/* The room the icon takes before a card's first row. */
static float card_icon_room(const struct scene *sc, const struct card *c)
{
    return c->kind->icon >= 0 ? layout_line_px(DL_FONT_SMALL, sc->v) * 0.9f * 1.2f : 0;
}

/* How a card is told: in full (its heading in small type, then its lines in bold body type, the
 * taps of a card in parentheses on one line), or, where that does not fit, in one sentence
 * ("eve sniffed: alice / wonderland +2"), in body type or at last in small type. */
enum card_style { CARD_FULL, CARD_SENTENCE, CARD_SMALL_SENTENCE, CARD_STYLES };

struct card_row {
    char text[CARD_TEXT];
    enum dl_font font;
    bool head; /* the heading: not bold, in the text's colour */
    long beat; /* -1: the card's */
};

/* Appends s wrapped to width (the card's first row to first) as rows of font. */
static size_t card_wrap(const struct scene *sc, const char *s, enum dl_font f, bool head, long beat,
                        float width, float first, struct card_row *rows, size_t n, bool *cut)
{
    const char *starts[CARD_WRAP], *ends[CARD_WRAP];
    size_t k =
        layout_wrap(s, n == 0 ? first : width, width, f, !head, sc->v, starts, ends, CARD_WRAP);
    *cut = *cut || k > CARD_WRAP || n + k > CARD_ROWS;
    k = k < CARD_WRAP ? k : CARD_WRAP;
    for (size_t i = 0; i < k && n < CARD_ROWS; i++, n++) {
        /* the last row keeps the rest: the renderer cuts what does not fit */
        const char *end = i + 1 == k ? s + strlen(s) : ends[i];
        snprintf(rows[n].text, CARD_TEXT, "%.*s", (int)(end - starts[i]), starts[i]);
        rows[n].font = f;
        rows[n].head = head;
        rows[n].beat = beat;
    }
    return n;
}

static size_t card_rows(const struct scene *sc, const struct card *c, float width,
                        enum card_style style, struct card_row *rows, bool *cut)
{
    size_t n = 0;
    float first = width - card_icon_room(sc, c); /* the first row has the icon before it */
    char joined[CARD_TEXT] = "";
    size_t len = 0, shown = c->kind->form == CARD_IN_PARENS ? c->nlines : 1;
    for (size_t i = 0; i < c->nlines && (style == CARD_FULL || i < shown); i++) {
        int m = snprintf(joined + len, sizeof joined - len, "%s%s", i ? ", " : "", c->lines[i]);
        len += m > 0 ? (size_t)m : 0;
        len = len < sizeof joined ? len : sizeof joined - 1;
    }
    if (style != CARD_FULL) {
        char line[2 * CARD_TEXT], more[24] = "";
        size_t rest = c->nlines - (shown < c->nlines ? shown : c->nlines) + c->more;
        if (rest > 0) {
            snprintf(more, sizeof more, " +%zu", rest);
        }
        snprintf(line, sizeof line, "%s%s%s%s", c->head, *c->head ? ": " : "", joined, more);
        enum dl_font f = style == CARD_SENTENCE ? DL_FONT_BODY : DL_FONT_SMALL;
        return card_wrap(sc, line, f, false, -1, width, first, rows, 0, cut);
    }
    if (*c->head) {
        n = card_wrap(sc, c->head, DL_FONT_SMALL, true, -1, width, first, rows, n, cut);
    }
    if (c->kind->form == CARD_IN_PARENS) {
        n = card_wrap(sc, joined, DL_FONT_BODY, false, -1, width, first, rows, n, cut);
    } else {
        for (size_t i = 0; i < c->nlines; i++) {
            n = card_wrap(sc, c->lines[i], DL_FONT_BODY, false, c->line_beat[i], width, first, rows,
                          n, cut);
        }
    }
    if (c->more && n < CARD_ROWS) {
        snprintf(rows[n].text, CARD_TEXT, "+%zu", c->more);
        rows[n].font = DL_FONT_SMALL;
        rows[n].head = true;
        rows[n++].beat = -1;
    }
    return n;
}

/* The card's size for its rows: as wide as its widest row (at most max_w). */
static void card_measure(const struct scene *sc, const struct card *c, const struct card_row *rows,
                         size_t n, float max_w, float *w, float *h)
{
    float pad = sc->L.pad, widest = 0, tall = 0, icon = card_icon_room(sc, c);
    for (size_t i = 0; i < n; i++) {
        float tw = layout_text_width(rows[i].text, rows[i].font, !rows[i].head, sc->v);
        tw += i == 0 ? icon : 0;
        widest = tw > widest ? tw : widest;
        tall += layout_line_px(rows[i].font, sc->v);
    }
    *w = widest + 2 * pad < max_w ? widest + 2 * pad : max_w;
    *h = tall + pad;
}

/* A column (or row) of the places tried: how far it is from the anchor along that axis alone,
 * which bounds the distance of every place in it from below. */
struct card_axis {
    float gap;
    float off; /* of the centres */
    uint32_t k;
};

/* What a card must keep clear of: the boxes of what the network part drew (hosts and their
 * texts, links' labels and icons, badges, keys, mailboxes, the zones' titles), each grown by a
 * margin, the hosts' by more, so that a card reads as next to its host, not part of it. Host boxes
 * and other cards are hard: where nothing is free, a card covers a title or a label rather than a
 * host or another card. They are kept as weights on a grid of cells over the network, with a
 * summed-area table, so that what a place covers costs four lookups (a cell partly covered counts
 * whole: a place found free is free). */
#define CARD_HARD 1000u
#define CARD_TAG 30u /* a read badge, a key, a link's label: worse to cover than a text */
struct card_space {
    struct layout_box area; /* the network, less a margin */
    float step;             /* a cell's side */
    size_t gx, gy;
    uint32_t *cell; /* gx * gy weights */
    uint32_t *sum;  /* (gx + 1) * (gy + 1): the weights above and left of each corner */
    struct card_axis *cols, *rows; /* card_place's scratch, gx + 1 and gy + 1 */
    const struct dl_item **lines;
    size_t nlines;
    struct layout_box note; /* where the scenario's notes appear */
};

/* The cells [i0, i1) x [j0, j1) that box b touches, clamped to the grid. */
static void card_cells(const struct card_space *sp, struct layout_box b, size_t *i0, size_t *i1,
                       size_t *j0, size_t *j1)
{
    float fx0 = floorf((b.x - sp->area.x) / sp->step), fy0 = floorf((b.y - sp->area.y) / sp->step);
    float fx1 = ceilf((b.x + b.w - sp->area.x) / sp->step);
    float fy1 = ceilf((b.y + b.h - sp->area.y) / sp->step);
    *i0 = fx0 < 0 ? 0 : (fx0 > (float)sp->gx ? sp->gx : (size_t)fx0);
    *j0 = fy0 < 0 ? 0 : (fy0 > (float)sp->gy ? sp->gy : (size_t)fy0);
    *i1 = fx1 < 0 ? 0 : (fx1 > (float)sp->gx ? sp->gx : (size_t)fx1);
    *j1 = fy1 < 0 ? 0 : (fy1 > (float)sp->gy ? sp->gy : (size_t)fy1);
}

static void card_space_add(struct card_space *sp, struct layout_box b, uint32_t weight)
{
    size_t i0, i1, j0, j1;
    card_cells(sp, b, &i0, &i1, &j0, &j1);
    for (size_t j = j0; j < j1; j++) {
        for (size_t i = i0; i < i1; i++) {
            sp->cell[j * sp->gx + i] += weight;
        }
    }
}

/* The summed-area table, after boxes were added. */
static void card_space_sum(struct card_space *sp)
{
    size_t w = sp->gx + 1;
    memset(sp->sum, 0, w * sizeof *sp->sum);
    for (size_t j = 0; j < sp->gy; j++) {
        uint32_t row = 0;
        sp->sum[(j + 1) * w] = 0;
        for (size_t i = 0; i < sp->gx; i++) {
            row += sp->cell[j * sp->gx + i];
            sp->sum[(j + 1) * w + i + 1] = sp->sum[j * w + i + 1] + row;
        }
    }
}

/* The weight box b covers: 0 when it is free. */
static uint32_t card_covered(const struct card_space *sp, struct layout_box b)
{
    size_t i0, i1, j0, j1, w = sp->gx + 1;
    card_cells(sp, b, &i0, &i1, &j0, &j1);
    return sp->sum[j1 * w + i1] - sp->sum[j0 * w + i1] - sp->sum[j1 * w + i0] +
           sp->sum[j0 * w + i0];
}

static void card_space_free(struct card_space *sp)
{
    free(sp->cell);
    free(sp->sum);
    free(sp->cols);
    free(sp->rows);
    free(sp->lines);
}

static int card_space_init(const struct scene *sc, struct card_space *sp)
{
    const struct display_list *dl = sc->out;
    float u = sc->L.u, m = 4 * u;
    memset(sp, 0, sizeof *sp);
    /* the whole network: where nothing below the zones' titles is free, a title is covered */
    const struct layout_box *c = &sc->L.net;
    sp->area = (struct layout_box){c->x + m, c->y + m, c->w - 2 * m, c->h - 2 * m};
    sp->step = 8 * u > 3 ? 8 * u : 3;
    if (sp->area.w < sp->step || sp->area.h < sp->step) {
        return -1;
    }
    sp->gx = (size_t)ceilf(sp->area.w / sp->step);
    sp->gy = (size_t)ceilf(sp->area.h / sp->step);
    sp->cell = calloc(sp->gx * sp->gy, sizeof *sp->cell);
    sp->sum = malloc((sp->gx + 1) * (sp->gy + 1) * sizeof *sp->sum);
    sp->lines = malloc((dl->n + 1) * sizeof *sp->lines);
    sp->cols = malloc((sp->gx + 1) * sizeof *sp->cols);
    sp->rows = malloc((sp->gy + 1) * sizeof *sp->rows);
    if (!sp->cell || !sp->sum || !sp->lines || !sp->cols || !sp->rows) {
        card_space_free(sp);
        return -1;
    }
    for (size_t i = 0; i < dl->n; i++) {
        const struct dl_item *it = &dl->items[i];
        if (it->kind == DL_LINE) {
            if (it->layer == LAYER_LINK) {
                sp->lines[sp->nlines++] = it;
            }
            continue;
        }
        if (it->layer != LAYER_HOST && it->layer != LAYER_HOST_TEXT && it->layer != LAYER_LABEL) {
            continue;
        }
        struct layout_box b = {it->x, it->y, it->w, it->h};
        if (it->kind == DL_ICON || it->kind == DL_ENVELOPE) {
            b = (struct layout_box){it->x - it->w / 2, it->y - it->w / 2, it->w, it->w};
        }
        bool host = it->kind == DL_RECT && it->target == DL_TARGET_HOST && it->layer == LAYER_HOST;
        bool tag = it->kind == DL_RECT && it->layer == LAYER_LABEL; /* a badge, a key, a label */
        float g = host ? 8 * u : 2 * u;
        card_space_add(sp, (struct layout_box){b.x - g, b.y - g, b.w + 2 * g, b.h + 2 * g},
                       host ? CARD_HARD : (tag ? CARD_TAG : 1));
    }
    card_space_sum(sp);
    /* the notes' first choice (scene_note.c): centred at the top of the network, under the
     * zones' names, for a few seconds after each; a card keeps clear of it where that costs
     * little */
    float lh = layout_line_px(DL_FONT_BODY, sc->v);
    sp->note = (struct layout_box){sc->L.net.x + sc->L.net.w * 0.07f, sc->L.content.y,
                                   sc->L.net.w * 0.86f, lh * 3 + sc->L.pad};
    return 0;
}

/* Whether the segment (x, y)-(x2, y2) passes through box b (Liang-Barsky). */
static bool card_line_crosses(struct layout_box b, float x, float y, float x2, float y2)
{
    float t0 = 0, t1 = 1, dx = x2 - x, dy = y2 - y;
    const float p[4] = {-dx, dx, -dy, dy};
    const float q[4] = {x - b.x, b.x + b.w - x, y - b.y, b.y + b.h - y};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0) {
                return false;
            }
            continue;
        }
        float r = q[i] / p[i];
        if (p[i] < 0) {
            t0 = r > t0 ? r : t0;
        } else {
            t1 = r < t1 ? r : t1;
        }
        if (t0 > t1) {
            return false;
        }
    }
    return true;
}

/* The length of (dx, dy): sqrtf, which the compiler inlines, where hypotf guards against an
 * overflow no window has (a frame asks this some ten thousand times a card). */
static float card_len(float dx, float dy)
{
    return sqrtf(dx * dx + dy * dy);
}

/* The gap between two boxes (0 when they touch or overlap). */
static float card_gap(struct layout_box a, struct layout_box b)
{
    float gx = fmaxf(0, fmaxf(a.x - (b.x + b.w), b.x - (a.x + a.w)));
    float gy = fmaxf(0, fmaxf(a.y - (b.y + b.h), b.y - (a.y + a.h)));
    return card_len(gx, gy);
}

/* The point of the segment (x0, y0)-(x1, y1) nearest (x, y). */
static void card_seg_nearest(float x0, float y0, float x1, float y1, float x, float y, float *px,
                             float *py)
{
    float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    float t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    *px = x0 + dx * t;
    *py = y0 + dy * t;
}

/* The gap between box b and a card's part of its link, and the point of the link nearest b. */
static float card_link_gap(const struct card *c, struct layout_box b, float *px, float *py)
{
    if (card_line_crosses(b, c->x0, c->y0, c->x1, c->y1)) {
        card_seg_nearest(c->x0, c->y0, c->x1, c->y1, b.x + b.w / 2, b.y + b.h / 2, px, py);
        return 0;
    }
    /* else the nearest pair is an end of the segment, or a corner of the box */
    const float corner[4][2] = {
        {b.x, b.y}, {b.x + b.w, b.y}, {b.x, b.y + b.h}, {b.x + b.w, b.y + b.h}};
    float best = INFINITY;
    for (int k = 0; k < 6; k++) {
        float x, y, g;
        if (k < 4) {
            card_seg_nearest(c->x0, c->y0, c->x1, c->y1, corner[k][0], corner[k][1], &x, &y);
            g = card_len(x - corner[k][0], y - corner[k][1]);
        } else {
            x = k == 4 ? c->x0 : c->x1;
            y = k == 4 ? c->y0 : c->y1;
            g = card_gap(b, (struct layout_box){x, y, 0, 0});
        }
        if (g < best) {
            best = g;
            *px = x;
            *py = y;
        }
    }
    return best;
}

/* How far a place is from what the card is about (its host, or the nearest point of its link):
 * the part of a place's cost that needs no search. */
static float card_distance(const struct card *c, struct layout_box b)
{
    float px, py;
    float d = c->link != UINT32_MAX ? card_link_gap(c, b, &px, &py) : card_gap(b, c->near);
    float dx = (b.x + b.w / 2) - (c->near.x + c->near.w / 2);
    float dy = (b.y + b.h / 2) - (c->near.y + c->near.h / 2);
    return d + 0.1f * card_len(dx, dy);
}

/* The rest: the links it would hide, and the notes' place. */
static float card_penalty(const struct scene *sc, const struct card_space *sp, struct layout_box b)
{
    float u = sc->L.u, cost = 0;
    for (size_t i = 0; i < sp->nlines; i++) {
        const struct dl_item *ln = sp->lines[i];
        if (card_line_crosses(b, ln->x, ln->y, ln->x2, ln->y2)) {
            cost += 60 * u;
        }
    }
    if (scene_boxes_meet(b, sp->note, 0)) {
        cost += 120 * u;
    }
    return cost;
}

static int card_axis_cmp(const void *pa, const void *pb)
{
    const struct card_axis *a = pa, *b = pb;
    if (a->gap != b->gap) {
        return a->gap < b->gap ? -1 : 1;
    }
    return fabsf(a->off) < fabsf(b->off) ? -1 : (fabsf(a->off) > fabsf(b->off) ? 1 : 0);
}

/* Places along one axis, from lo every step up to hi, nearest the anchor's [n0, n0 + nw) first. */
static size_t card_axis_fill(struct card_axis *ax, float lo, float hi, float step, float size,
                             float n0, float nw)
{
    size_t n = (size_t)((hi - lo) / step) + 1;
    for (size_t k = 0; k < n; k++) {
        float x = lo + step * (float)k;
        ax[k].gap = fmaxf(0, fmaxf(n0 - (x + size), x - (n0 + nw)));
        ax[k].off = x + size / 2 - (n0 + nw / 2);
        ax[k].k = (uint32_t)k;
    }
    qsort(ax, n, sizeof *ax, card_axis_cmp);
    return n;
}

/* Tries place b: keeps it in *best when it covers less, or as little and costs less. */
static void card_try(const struct scene *sc, const struct card_space *sp, const struct card *c,
                     struct layout_box b, struct layout_box *best, uint32_t *best_hits,
                     float *best_cost)
{
    uint32_t hits = card_covered(sp, b);
    if (hits > *best_hits) {
        return;
    }
    float cost = card_distance(c, b);
    if (hits == *best_hits && cost >= *best_cost) {
        return;
    }
    cost += card_penalty(sc, sp, b);
    if (hits < *best_hits || cost < *best_cost) {
        *best = b;
        *best_cost = cost;
        *best_hits = hits;
    }
}

/* The cheapest free place of a w x h card inside the network's content area: flush against its
 * anchor, else on the grid's corners, nearest first, so that once a free place is found the rest
 * are left as soon as they cannot be nearer; where nothing is free, the least covered one. */
static struct layout_box card_place(const struct scene *sc, struct card_space *sp,
                                    const struct card *c, float w, float h, uint32_t *hits_out,
                                    float *cost_out)
{
    const struct layout_box *a = &sp->area, *n = &c->near;
    float step = sp->step, x1 = a->x + a->w - w, y1 = a->y + a->h - h;
    struct layout_box best = {a->x, a->y, w, h};
    *hits_out = UINT32_MAX;
    *cost_out = INFINITY;
    if (x1 < a->x || y1 < a->y) {
        return best;
    }
    /* beside the anchor, above and below it */
    float g = 10 * sc->L.u;
    const float fx[] = {n->x + n->w + g, n->x - g - w, n->x + (n->w - w) / 2,
                        n->x + (n->w - w) / 2};
    const float fy[] = {n->y + (n->h - h) / 2, n->y + (n->h - h) / 2, n->y - g - h,
                        n->y + n->h + g};
    for (int i = 0; i < 4; i++) {
        struct layout_box b = {fminf(fmaxf(fx[i], a->x), x1), fminf(fmaxf(fy[i], a->y), y1), w, h};
        card_try(sc, sp, c, b, &best, hits_out, cost_out);
    }
    size_t nx = card_axis_fill(sp->cols, a->x, x1, step, w, n->x, n->w);
    size_t ny = card_axis_fill(sp->rows, a->y, y1, step, h, n->y, n->h);
    for (size_t j = 0; j < ny; j++) {
        if (*hits_out == 0 && sp->rows[j].gap >= *cost_out) {
            break;
        }
        for (size_t i = 0; i < nx; i++) {
            if (*hits_out == 0 && fmaxf(sp->cols[i].gap, sp->rows[j].gap) >= *cost_out) {
                break;
            }
            struct layout_box b = {a->x + step * (float)sp->cols[i].k,
                                   a->y + step * (float)sp->rows[j].k, w, h};
            card_try(sc, sp, c, b, &best, hits_out, cost_out);
        }
    }
    return best;
}

/* ---- drawing ---- */

/* A dashed line from (x, y) to (x2, y2): a connector, told apart from the links' solid lines,
 * and like them under the host boxes it passes. */
static void card_dashes(struct scene *sc, float x, float y, float x2, float y2, struct dl_color col)
{
    float len = card_len(x2 - x, y2 - y), dash = 10 * sc->L.u, gap = 7 * sc->L.u;
    if (len <= 0 || dash <= 0) {
        return;
    }
    for (float s = 0; s < len; s += dash + gap) {
        float e = s + dash < len ? s + dash : len;
        scene_line(sc, x + (x2 - x) * s / len, y + (y2 - y) * s / len, x + (x2 - x) * e / len,
                   y + (y2 - y) * e / len, col, 2.5f * sc->L.thick, LAYER_LINK);
    }
}

/* A card on a link: a dot where it is pinned to the link, a short line from the dot to the card,
 * and a dashed connector from the card to its actor's host (the man in the middle's). */
static void card_pin(struct scene *sc, const struct card *c, struct dl_color col)
{
    const struct layout_box *b = &c->box;
    float cx = fmaxf(b->x, fminf(c->px, b->x + b->w)), cy = fmaxf(b->y, fminf(c->py, b->y + b->h));
    scene_line(sc, c->px, c->py, cx, cy, col, 2.5f * sc->L.thick, LAYER_LABEL);
    float r = 5 * sc->L.thick;
    scene_rect(sc, (struct layout_box){c->px - r, c->py - r, 2 * r, 2 * r}, col, SC_PANEL,
               1.5f * sc->L.thick, r, LAYER_LABEL);
    if (c->from_h == UINT32_MAX) {
        return;
    }
    const struct layout_host *lh = &sc->L.hosts[c->from_h];
    float mx = b->x + b->w / 2, my = b->y + b->h / 2;
    float dx = lh->cx - mx, dy = lh->cy - my;
    float t0 = scene_exit(b, dx, dy), t1 = 1 - scene_exit(&lh->box, -dx, -dy);
    if (t0 < t1) {
        card_dashes(sc, mx + dx * t0, my + dy * t0, mx + dx * t1, my + dy * t1, col);
    }
}

static void card_draw(struct scene *sc, const struct card *c, const struct card_row *rows, size_t n)
{
    const struct viz_view *v = sc->v;
    float u = sc->L.u, pad = sc->L.pad;
    struct dl_color col = c->kind->attack ? SC_ATTACKER : CARD_DEFENCE;
    bool fresh = c->last == sc->beat; /* it changed just now: a heavier frame */
    struct dl_item *bg =
        scene_rect(sc, c->box, c->kind->attack ? CARD_ATTACK_FILL : CARD_DEFENCE_FILL, col,
                   (fresh ? 4.0f : 2.5f) * sc->L.thick, 8 * u, LAYER_LABEL);
    scene_target(bg, DL_TARGET_BEAT, (uint32_t)c->last);
    float y = c->box.y + pad / 2, x = c->box.x + pad, w = c->box.w - 2 * pad;
    for (size_t i = 0; i < n; i++) {
        enum dl_font f = rows[i].font;
        float lh = layout_line_px(f, v), ix = 0;
        if (i == 0 && c->kind->icon >= 0) {
            float isz = layout_line_px(DL_FONT_SMALL, v) * 0.9f;
            scene_icon(sc, (enum dl_icon)c->kind->icon, x + isz / 2, y + lh / 2, isz, col,
                       LAYER_LABEL);
            ix = card_icon_room(sc, c);
        }
        struct dl_item *t =
            scene_text(sc, (struct layout_box){x + ix, y, w - ix, lh}, rows[i].text, f,
                       !rows[i].head, DL_ALIGN_LEFT, rows[i].head ? SC_TEXT : col, LAYER_LABEL);
        scene_target(t, DL_TARGET_BEAT, (uint32_t)(rows[i].beat >= 0 ? rows[i].beat : c->last));
        y += lh;
    }
}

void scene_cards(struct scene *sc)
{
    if (!sc->out || sc->beat < 0 || sc->tl->nbeats == 0) {
        return;
    }
    struct card cards[CARD_MAX];
    size_t nc = card_collect(sc, cards);
    struct card_space sp;
    if (nc == 0 || card_space_init(sc, &sp) != 0) {
        return;
    }
    struct card_row rows[CARD_MAX][CARD_ROWS];
    size_t nrows[CARD_MAX];
    /* placed in the order they appeared, so that a new card never moves an older one; each as
     * wide as the network allows, or narrower and taller where that fits nearer its anchor, or
     * where nothing is free, in one sentence */
    static const float widths[] = {0.3f, 0.21f, 0.15f};
    for (size_t i = 0; i < nc; i++) {
        struct card *c = &cards[i];
        card_anchor(sc, c);
        uint32_t best_hits = UINT32_MAX;
        float best_cost = INFINITY, close = 12 * sc->L.u;
        for (int style = CARD_FULL; style < CARD_STYLES && best_hits > 0; style++) {
            float last_w = INFINITY;
            for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
                if (best_hits == 0 && best_cost <= close) {
                    break; /* free and right by its anchor */
                }
                float max_w = sc->L.net.w * widths[k], w, h, cost;
                struct card_row r[CARD_ROWS];
                bool cut = false;
                size_t n = card_rows(sc, c, max_w - 2 * sc->L.pad, (enum card_style)style, r, &cut);
                uint32_t hits;
                card_measure(sc, c, r, n, max_w, &w, &h);
                if (w >= last_w - 1 || (cut && k > 0)) {
                    continue; /* no narrower than the last, or too narrow for its words */
                }
                last_w = w;
                struct layout_box b = card_place(sc, &sp, c, w, h, &hits, &cost);
                if (best_hits == UINT32_MAX || hits < best_hits ||
                    (hits == best_hits && cost < best_cost)) {
                    best_hits = hits;
                    best_cost = cost;
                    c->box = b;
                    memcpy(rows[i], r, n * sizeof r[0]);
                    nrows[i] = n;
                }
            }
        }
        if (c->link != UINT32_MAX) {
            /* pinned where the link passes nearest the card's middle */
            card_seg_nearest(c->x0, c->y0, c->x1, c->y1, c->box.x + c->box.w / 2,
                             c->box.y + c->box.h / 2, &c->px, &c->py);
        }
        float m = 6 * sc->L.u;
        card_space_add(
            &sp,
            (struct layout_box){c->box.x - m, c->box.y - m, c->box.w + 2 * m, c->box.h + 2 * m},
            CARD_HARD);
        card_space_sum(&sp);
        scene_avoid(sc, c->box);
    }
    /* drawn oldest news first, so that the newest is on top */
    size_t order[CARD_MAX];
    for (size_t i = 0; i < nc; i++) {
        size_t j = i;
        for (; j > 0 && cards[order[j - 1]].last > cards[i].last; j--) {
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
    for (size_t i = 0; i < nc; i++) {
        const struct card *c = &cards[order[i]];
        if (c->link != UINT32_MAX) {
            card_pin(sc, c, c->kind->attack ? SC_ATTACKER : CARD_DEFENCE);
        }
        card_draw(sc, c, rows[order[i]], nrows[order[i]]);
    }
    card_space_free(&sp);
}
