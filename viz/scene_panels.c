/* scene_panels: the panels under the network — the transcript of one connection (its C: and S:
 * lines up to the moment shown, credentials and refusals marked as the trace's annotations
 * say), and beside it what the eavesdropper saw or an MTA's mail log, with the inspector of the
 * selected object above them. Lines wrap rather than being cut, and each panel keeps its whole
 * history, shown from the newest row up unless the viewer scrolled back. */
#include "scene_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* How far back the transcript looks for its connection's lines, how many bytes of a payload the
 * inspector shows, and how many rows one line may wrap onto (a cleaned line is at most 320
 * bytes, fewer rows than this at any panel width the layout makes; the renderer cuts more). */
#define PANEL_SCAN 200000
#define PANEL_HEX_BYTES 48
#define PANEL_WRAP_ROWS 32
/* Lines on screen in one panel at most (each takes a row or more). */
#define PANEL_MAX_SHOWN 256

/* One line of a panel: an event, and for the transcript the line's bytes in it. */
struct panel_line {
    size_t ev;
    uint32_t off, len;
};

/* The height of a panel's title row and the rule under it. */
static float panel_title_h(const struct scene *sc)
{
    return sc->L.pad * 0.5f + layout_line_px(DL_FONT_BODY, sc->v) * 1.2f + 2 * sc->L.u;
}

/* The area of a panel's box below its title. */
static struct layout_box panel_area(const struct scene *sc, struct layout_box b)
{
    float y = b.y + panel_title_h(sc) + 3 * sc->L.u;
    return (struct layout_box){b.x + sc->L.pad, y, b.w - 2 * sc->L.pad, b.y + b.h - y - sc->L.pad};
}

/* The panel's frame and title row; returns the area below the title. */
static struct layout_box panel_frame(struct scene *sc, struct layout_box b, const char *title,
                                     const char *subtitle, enum dl_target t, uint32_t id)
{
    float u = sc->L.u, pad = sc->L.pad, lh = layout_line_px(DL_FONT_BODY, sc->v);
    scene_rect(sc, b, SC_PANEL, SC_BORDER, 1.5f * sc->L.thick, 8 * u, LAYER_PANEL);
    float tw = layout_text_width(title, DL_FONT_BODY, true, sc->v) + 2 * pad;
    float most = subtitle && *subtitle ? b.w * 0.5f : b.w - 2 * pad;
    tw = tw < most ? tw : most;
    struct layout_box row = {b.x + pad, b.y + pad * 0.5f, tw, lh * 1.2f};
    scene_text(sc, row, title, DL_FONT_BODY, true, DL_ALIGN_LEFT, SC_TEXT, LAYER_PANEL_TEXT);
    if (subtitle && *subtitle) {
        struct layout_box sb = {row.x + tw, row.y, b.w - tw - 2 * pad, row.h};
        struct dl_item *it = scene_text(sc, sb, subtitle, DL_FONT_SMALL, false, DL_ALIGN_LEFT,
                                        SC_MUTED, LAYER_PANEL_TEXT);
        scene_target(it, t, id);
    }
    float y = b.y + panel_title_h(sc);
    scene_line(sc, b.x + pad, y, b.x + b.w - pad, y, SC_BORDER, 1 * sc->L.thick, LAYER_PANEL);
    return panel_area(sc, b);
}

static void panel_endpoint(const struct scene *sc, uint32_t host, trace_str agent, uint32_t ip,
                           uint16_t port, char *buf, size_t len)
{
    char a[24];
    trace_format_ipv4(ip, a, sizeof a);
    const char *ag = trace_string(sc->tr, agent);
    snprintf(buf, len, "%s%s%s%s %s:%u", scene_host_name(sc, host), *ag ? " (" : "", ag,
             *ag ? ")" : "", a, (unsigned)port);
}

/* "#4 SMTP  gw.a.example (gw.a) 192.0.2.140:52461 → mx.b.example (mx.b) 203.0.113.140:25" */
void scene_conn_header(const struct scene *sc, uint32_t conn, char *buf, size_t len)
{
    const struct trace_conn *c = trace_conn_get(sc->tr, conn);
    if (!c) {
        buf[0] = 0;
        return;
    }
    char proto[24], cl[160], sv[160];
    trace_proto_word(sc->tr, c, proto, sizeof proto);
    panel_endpoint(sc, c->client_host, c->client_agent, c->client_ip, c->client_port, cl,
                   sizeof cl);
    panel_endpoint(sc, c->server_host, c->server_agent, c->server_ip, c->server_port, sv,
                   sizeof sv);
    snprintf(buf, len, "#%u %s  %s → %s", (unsigned)conn, proto, cl, sv);
}

/* Whether e carries lines of conn for the transcript: bytes in the clear, the plaintext inside an
 * encrypted channel, or a man in the middle's version of them. */
static bool panel_text_event(const struct trace_event *e, uint32_t conn)
{
    return e->conn == conn && ((e->kind == TRACE_DATA && !(e->flags & TRACE_TLS)) ||
                               e->kind == TRACE_PLAIN || e->kind == TRACE_TAMPER);
}

/* TLS records get a line of their own only when no plaintext of theirs is shown: the handshake
 * and the close_notify. Records that carry a plaintext line just written stay implicit. */
static bool panel_records_event(const struct trace *tr, size_t i, const struct trace_event *e,
                                uint32_t conn)
{
    if (e->kind != TRACE_DATA || !(e->flags & TRACE_TLS) || e->conn != conn) {
        return false;
    }
    /* three events back, not counting the annotations of the plaintext */
    for (size_t k = i, seen = 0; k > 0 && seen < 3; k--) {
        const struct trace_event *p = trace_event_at(tr, k - 1);
        if (p->kind == TRACE_PLAIN && p->conn == conn && p->from == e->from) {
            return false;
        }
        seen += !scene_is_note(p);
    }
    return true;
}

/* Collects the newest lines of conn sent before nvis, oldest first, into lines[]. */

/* ---- scrolled lists of wrapped lines ---- */

enum panel_kind { PANEL_TRANSCRIPT, PANEL_EAVES, PANEL_LOG };

/* A panel's lines read from the newest back: the transcript's from the events of its
 * connection, the eavesdropper's findings and the mail log's lines from the timeline's lists. */
struct panel_src {
    struct scene *sc;
    enum panel_kind kind;
    size_t i, stop; /* the cursor: an event (transcript) or a list index, going down to stop */
    uint32_t end;   /* the transcript: where the next line inside event i ends */
    bool inside;    /* ... while event i has lines left */
};

/* How many of the events at these trace indices (ascending) happened by the moment shown. */
static size_t panel_events_shown(const struct scene *sc, const size_t *events, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (events[mid] < sc->nvis) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void panel_src_init(struct panel_src *ps, struct scene *sc, enum panel_kind kind)
{
    memset(ps, 0, sizeof *ps);
    ps->sc = sc;
    ps->kind = kind;
    if (kind == PANEL_EAVES) {
        ps->i = panel_events_shown(sc, sc->tl->sniffs, sc->tl->nsniffs);
    } else if (kind == PANEL_LOG) {
        ps->i = panel_events_shown(sc, sc->tl->logs, sc->tl->nlogs);
    } else if (sc->focus && trace_conn_get(sc->tr, sc->focus) &&
               sc->tl->conn_first[sc->focus] < sc->nvis) {
        size_t first = sc->tl->conn_first[sc->focus];
        ps->i = sc->nvis;
        ps->stop = sc->nvis - first > PANEL_SCAN ? sc->nvis - PANEL_SCAN : first;
    }
}

/* The next line back; false when there is none. */
static bool panel_prev(struct panel_src *ps, struct panel_line *out)
{
    const struct scene *sc = ps->sc;
    if (ps->kind != PANEL_TRANSCRIPT) {
        if (ps->i <= ps->stop) {
            return false;
        }
        ps->i--;
        const size_t *list = ps->kind == PANEL_EAVES ? sc->tl->sniffs : sc->tl->logs;
        *out = (struct panel_line){list[ps->i], 0, 0};
        return true;
    }
    uint32_t conn = sc->focus;
    while (!ps->inside) {
        if (ps->i <= ps->stop) {
            return false;
        }
        ps->i--;
        const struct trace_event *e = trace_event_at(sc->tr, ps->i);
        if (panel_records_event(sc->tr, ps->i, e, conn)) {
            *out = (struct panel_line){ps->i, 0, 0};
            return true;
        }
        if (panel_text_event(e, conn)) {
            const uint8_t *p = trace_bytes_ptr(sc->tr, e->bytes);
            uint32_t end = e->bytes.len;
            ps->end = end >= 2 && p[end - 2] == '\r' && p[end - 1] == '\n' ? end - 2 : end;
            ps->inside = true;
        }
    }
    /* this event's lines, newest first: split at CRLF from the end */
    const struct trace_event *e = trace_event_at(sc->tr, ps->i);
    const uint8_t *p = trace_bytes_ptr(sc->tr, e->bytes);
    uint32_t s = ps->end;
    while (s >= 2 && !(p[s - 2] == '\r' && p[s - 1] == '\n')) {
        s--;
    }
    s = s < 2 ? 0 : s;
    *out = (struct panel_line){ps->i, s, ps->end - s};
    ps->inside = s > 0;
    ps->end = s > 0 ? s - 2 : 0;
    return true;
}

/* What part of a line's rows a panel shows: the rows counted from the newest (row 0, at the
 * bottom) in [back, back + shown) are on screen; cum rows are below this line's. */
struct panel_window {
    size_t cum, back, shown;
    float top, lh;
};

/* A line's text as shown, in its style. */
struct panel_look {
    char text[640];
    struct dl_color color;
    bool bold, secret;
    const char *head; /* a mail log line: where the program's part starts (its own rows) */
};

static void panel_transcript_look(const struct scene *sc, const struct panel_line *pl,
                                  struct panel_look *lk)
{
    const struct trace_event *e = trace_event_at(sc->tr, pl->ev);
    const struct trace_conn *c = trace_conn_get(sc->tr, e->conn);
    const uint8_t *p = trace_bytes_ptr(sc->tr, e->bytes) + pl->off;
    bool client = e->from == TRACE_CLIENT;
    bool in_flight = (double)(e->t + c->latency_us) > sc->tv;
    bool ssh = strcmp(trace_string(sc->tr, c->proto), "ssh") == 0;
    lk->head = NULL;
    lk->bold = lk->secret = false;
    if (e->kind == TRACE_DATA && (e->flags & TRACE_TLS)) {
        /* records: only their size and first octets are on the wire for anyone to see */
        char hex[40] = "";
        for (uint32_t k = 0; k < e->bytes.len && k < 5; k++) {
            snprintf(hex + 3 * k, sizeof hex - 3 * k, "%02x ", p[k]);
        }
        snprintf(lk->text, sizeof lk->text, "%s ~ %s, %u %s: %s…",
                 client ? "C:" : "S:", ssh ? "SSH" : scene_str(sc->s->records),
                 (unsigned)e->bytes.len, scene_str(sc->s->octets), hex);
        lk->color = SC_FAINT;
        return;
    }
    char clean[320];
    scene_clean_line(p, pl->len, clean, sizeof clean);
    /* What the sender noted of the line; a man in the middle's version has no such notes. */
    struct scene_meaning m;
    scene_line_meaning(sc->tr, pl->ev, pl->off, pl->len, &m);
    /* Inside TLS a credential is what the endpoints saw, not what the wire showed: no alarm. */
    bool sealed = e->kind == TRACE_PLAIN;
    lk->secret = lk->bold = m.secret && !sealed;
    snprintf(lk->text, sizeof lk->text, "%s%s %s%s%s", client ? "C:" : "S:",
             sealed ? (ssh ? " [SSH]" : " [TLS]") : (e->kind == TRACE_TAMPER ? " [!]" : ""), clean,
             *m.decoded ? "  → " : "", m.decoded);
    struct dl_color col = client ? SC_TEXT : SC_ROLE;
    col = m.refusal ? SC_RED : col;
    col = lk->secret ? SC_SECRET : (sealed ? SC_TLS : (e->kind == TRACE_TAMPER ? SC_RED : col));
    lk->color = in_flight ? SC_MUTED : col;
}

static void panel_line_look(const struct panel_src *ps, const struct panel_line *pl,
                            struct panel_look *lk)
{
    const struct scene *sc = ps->sc;
    const struct trace_event *e = trace_event_at(sc->tr, pl->ev);
    if (ps->kind == PANEL_TRANSCRIPT) {
        panel_transcript_look(sc, pl, lk);
        return;
    }
    char value[320];
    scene_clean_line(trace_bytes_ptr(sc->tr, e->bytes), e->bytes.len, value, sizeof value);
    lk->head = NULL;
    lk->color = SC_TEXT;
    lk->bold = lk->secret = false;
    if (ps->kind == PANEL_EAVES) {
        const char *finding = trace_sniff_finding(sc->tr, e);
        snprintf(lk->text, sizeof lk->text, "%s #%u %s: %s", trace_sniff_tap(sc->tr, e),
                 (unsigned)e->conn, finding, value);
        lk->secret = lk->bold =
            strcmp(finding, "password") == 0 || strcmp(finding, "username") == 0;
        lk->color = lk->secret ? SC_SECRET : SC_TEXT;
        return;
    }
    /* syslog's date and host on a row of their own, then what the program says (the program
     * as the trace names it: "postfix/smtpd", "msmtp") */
    snprintf(lk->text, sizeof lk->text, "%s", value);
    const char *program = trace_log_program(sc->tr, e);
    const char *what = *program ? strstr(lk->text, program) : NULL;
    lk->head = what && what > lk->text ? what : NULL;
}

/* Wraps a line into rows and, with a window, draws those of its rows that are on screen.
 * Returns how many rows the line takes. */
static size_t panel_rows(const struct panel_src *ps, const struct panel_line *pl,
                         struct layout_box area, const struct panel_window *win)
{
    struct scene *sc = ps->sc;
    const struct viz_view *v = sc->v;
    struct panel_look lk;
    panel_line_look(ps, pl, &lk);
    /* continuation rows stand in from "C: " so that the column of C: and S: stays clear; a
     * log line's program part stands in further, under its date */
    float indent = layout_text_width("C: ", DL_FONT_MONO, false, v);
    float body_x = lk.head ? 2 * indent : 0;
    const char *body = lk.head ? lk.head : lk.text;
    const char *st[PANEL_WRAP_ROWS + 1], *en[PANEL_WRAP_ROWS + 1];
    size_t lead = 0;
    if (lk.head) {
        st[0] = lk.text;
        en[0] = lk.head;
        while (en[0] > st[0] && en[0][-1] == ' ') {
            en[0]--;
        }
        lead = 1;
    }
    float w0 = area.w - body_x, w1 = lead ? w0 : area.w - indent;
    size_t n =
        layout_wrap(body, w0, w1, DL_FONT_MONO, lk.bold, v, st + lead, en + lead, PANEL_WRAP_ROWS);
    if (n > PANEL_WRAP_ROWS) {
        n = PANEL_WRAP_ROWS;
        en[lead + n - 1] = body + strlen(body); /* the renderer cuts what is left */
    }
    n += lead;
    if (!win || win->cum + n <= win->back) {
        return n;
    }
    /* row q of this line is row cum + n - 1 - q from the newest */
    size_t q0 = win->cum + n > win->back + win->shown ? win->cum + n - win->back - win->shown : 0;
    size_t q1 = win->cum + n - win->back;
    float y0 =
        win->top + ((float)win->back + (float)win->shown - (float)win->cum - (float)n) * win->lh;
    for (size_t q = q0; q < q1 && q < n; q++) {
        float x = q == 0 ? 0 : (lead ? body_x : indent);
        struct layout_box b = {area.x + x, y0 + (float)q * win->lh, area.w - x, win->lh};
        char row[640];
        snprintf(row, sizeof row, "%.*s", (int)(en[q] - st[q]), st[q]);
        if (lk.secret) {
            scene_rect(sc, b, SC_SECRET_BG, SC_NONE, 0, 3 * sc->L.u, LAYER_PANEL);
        }
        struct dl_item *it = scene_text(sc, b, row, DL_FONT_MONO, lk.bold, DL_ALIGN_LEFT,
                                        q < lead ? SC_MUTED : lk.color, LAYER_PANEL_TEXT);
        /* a log line or a finding leads to its connection; the transcript's rows are all of
         * the connection its title names, and a tooltip saying so would cover them */
        uint32_t conn = trace_event_at(sc->tr, pl->ev)->conn;
        if (conn && ps->kind != PANEL_TRANSCRIPT) {
            scene_target(it, DL_TARGET_CONN, conn);
        }
    }
    return n;
}

/* Shows the rows of a source in area from the newest up, scrolled back by back rows (no
 * further than the oldest row at the top), and returns the scroll as shown. draw false: only
 * counts, for scene_panel_scroll. Costs the rows up to back and a panel more, whatever the run. */
static size_t panel_show(struct panel_src *ps, struct layout_box area, size_t back, bool draw)
{
    float lh = layout_line_px(DL_FONT_MONO, ps->sc->v);
    size_t fit = area.h + 1 >= lh ? (size_t)((area.h + 1) / lh) : 0;
    struct panel_src from = *ps;
    size_t total = 0;
    struct panel_line pl;
    while (total < back + fit && panel_prev(ps, &pl)) {
        total += panel_rows(ps, &pl, area, NULL);
    }
    if (total < back + fit) {
        back = total > fit ? total - fit : 0;
    }
    if (!draw || fit == 0) {
        return back;
    }
    struct panel_window win = {0, back, total - back < fit ? total - back : fit, area.y, lh};
    /* the lines on screen, newest first, then drawn from the top down */
    struct panel_line on[PANEL_MAX_SHOWN];
    size_t below[PANEL_MAX_SHOWN], n = 0;
    *ps = from;
    for (size_t cum = 0; cum < back + win.shown && n < PANEL_MAX_SHOWN && panel_prev(ps, &pl);) {
        size_t rows = panel_rows(ps, &pl, area, NULL);
        if (cum + rows > back) {
            on[n] = pl;
            below[n++] = cum;
        }
        cum += rows;
    }
    while (n-- > 0) {
        win.cum = below[n];
        panel_rows(ps, &on[n], area, &win);
    }
    return back;
}

/* "↓ 12" at the right of a panel's title row: the rows below, when scrolled back. */
static void panel_below(struct scene *sc, struct layout_box b, size_t rows)
{
    if (rows == 0) {
        return;
    }
    char n[32];
    snprintf(n, sizeof n, "↓ %zu", rows);
    float w = layout_text_width(n, DL_FONT_SMALL, true, sc->v) + sc->L.pad;
    struct layout_box at = {b.x + b.w - w - sc->L.pad, b.y + sc->L.pad * 0.5f, w,
                            layout_line_px(DL_FONT_BODY, sc->v) * 1.2f};
    scene_rect(sc, at, SC_PANEL, SC_NONE, 0, 0, LAYER_PANEL);
    scene_text(sc, at, n, DL_FONT_SMALL, true, DL_ALIGN_RIGHT, SC_SELECT, LAYER_PANEL_TEXT);
}

void scene_transcript(struct scene *sc)
{
    if (sc->v->quiz_asking) {
        /* its lines are the evidence of the answer: they come when the step plays again */
        panel_frame(sc, sc->L.transcript, scene_str(sc->s->transcript), NULL, DL_TARGET_NONE, 0);
        return;
    }
    char header[400];
    scene_conn_header(sc, sc->focus, header, sizeof header);
    struct layout_box area = panel_frame(sc, sc->L.transcript, scene_str(sc->s->transcript), header,
                                         DL_TARGET_CONN, sc->focus);
    struct panel_src ps;
    panel_src_init(&ps, sc, PANEL_TRANSCRIPT);
    int want = sc->v->scroll[VIZ_PANEL_TRANSCRIPT];
    size_t back = panel_show(&ps, area, want > 0 ? (size_t)want : 0, true);
    panel_below(sc, sc->L.transcript, back);
}

/* ---- the inspector ---- */

struct rows {
    struct scene *sc;
    struct layout_box area;
    float y;
    bool dry; /* only measure: y grows, nothing is drawn, area.h has no limit */
};

/* The width of the word column: the widest word the inspector may show, and a gap, so that
 * no word runs into its value; at most 45% of the panel. */
static float rows_word_width(const struct rows *r)
{
    const struct viz_strings *s = r->sc->s;
    const char *words[] = {s->word_ip,      s->word_zone,  s->word_program, s->word_host,
                           s->word_latency, s->word_bytes, s->word_payload, s->word_client,
                           s->word_server,  s->word_tap,   s->mailbox};
    float ww = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        float w = words[i] ? layout_text_width(words[i], DL_FONT_SMALL, false, r->sc->v) : 0;
        ww = w > ww ? w : ww;
    }
    ww += 2 * r->sc->L.pad;
    float cap = r->area.w * 0.45f;
    return ww < cap ? ww : cap;
}

/* One row: its word (when the strings have it) in small type, then the value. */
static bool rows_add(struct rows *r, const char *word, const char *value, enum dl_font f, bool bold,
                     struct dl_color c)
{
    float lh = layout_line_px(f, r->sc->v);
    if (r->dry || r->y + lh > r->area.y + r->area.h + 1) {
        r->y += r->dry ? lh : 0;
        return r->dry;
    }
    float x = r->area.x, w = r->area.w;
    if (word) {
        /* a row with a word, even an empty one, keeps its value in the value column */
        float ww = rows_word_width(r);
        scene_text(r->sc, (struct layout_box){x, r->y, ww, lh}, word, DL_FONT_SMALL, false,
                   DL_ALIGN_LEFT, SC_MUTED, LAYER_PANEL_TEXT);
        x += ww;
        w -= ww;
    }
    scene_text(r->sc, (struct layout_box){x, r->y, w, lh}, value, f, bold, DL_ALIGN_LEFT, c,
               LAYER_PANEL_TEXT);
    r->y += lh;
    return true;
}

static void inspect_agent_row(struct rows *r, size_t a)
{
    const struct trace *tr = r->sc->tr;
    char role[32], line[200];
    layout_role(tr, a, role, sizeof role);
    snprintf(line, sizeof line, "%s  %s  %s", role, trace_string(tr, tr->agents[a].id),
             trace_string(tr, tr->agents[a].program));
    rows_add(r, NULL, line, DL_FONT_BODY, false, SC_ROLE);
}

/* The DNS server's answers so far, newest first, when h is its host: "MX b.example → 10
 * mx.b.example (203.0.113.140)", each one row (as many as fit). */
static void inspect_lookups(struct rows *r, uint32_t h)
{
    const struct scene *sc = r->sc;
    const struct viz_timeline *tl = sc->tl;
    if (tl->dns_host < 0 || (uint32_t)tl->dns_host != h) {
        return;
    }
    size_t shown = 0;
    for (size_t k = tl->ndns; k-- > 0 && shown < 32;) {
        const struct trace_event *e = trace_event_at(sc->tr, tl->dns[k].idx);
        if (tl->dns[k].idx >= sc->nvis) {
            continue;
        }
        char line[320];
        snprintf(line, sizeof line, "%s → %.*s", trace_dns_query(sc->tr, e), (int)e->bytes.len,
                 (const char *)trace_bytes_ptr(sc->tr, e->bytes));
        if (!rows_add(r, NULL, line, DL_FONT_SMALL, false, SC_TEXT)) {
            return;
        }
        shown++;
    }
}

static void inspect_host(struct rows *r, uint32_t h)
{
    const struct scene *sc = r->sc;
    const struct trace *tr = sc->tr;
    char ip[24];
    trace_format_ipv4(tr->hosts[h].ip, ip, sizeof ip);
    rows_add(r, NULL, scene_host_name(sc, h), DL_FONT_BODY, true, SC_TEXT);
    rows_add(r, sc->s->word_ip, ip, DL_FONT_BODY, false, SC_TEXT);
    rows_add(r, sc->s->word_zone, layout_zone_label(tr, tr->hosts[h].zone, sc->s->lang),
             DL_FONT_BODY, false, SC_TEXT);
    for (size_t a = 0; a < tr->nagents; a++) {
        if (tr->agents[a].host == h) {
            inspect_agent_row(r, a);
        }
    }
    if (sc->tl->host_has_mda[h]) {
        char n[24];
        snprintf(n, sizeof n, "%d", (int)viz_mailbox_count(sc->tl, h, sc->nvis));
        rows_add(r, scene_str(sc->s->mailbox), n, DL_FONT_BODY, true, SC_TEXT);
    }
    inspect_lookups(r, h);
}

static void inspect_agent(struct rows *r, uint32_t a)
{
    const struct scene *sc = r->sc;
    const struct trace *tr = sc->tr;
    char role[32], line[160], ip[24];
    layout_role(tr, a, role, sizeof role);
    snprintf(line, sizeof line, "%s  %s", role, trace_string(tr, tr->agents[a].id));
    rows_add(r, NULL, line, DL_FONT_BODY, true, SC_ROLE);
    rows_add(r, sc->s->word_program, trace_string(tr, tr->agents[a].program), DL_FONT_BODY, false,
             SC_TEXT);
    uint32_t h = tr->agents[a].host;
    trace_format_ipv4(tr->hosts[h].ip, ip, sizeof ip);
    snprintf(line, sizeof line, "%s  %s", scene_host_name(sc, h), ip);
    rows_add(r, sc->s->word_host, line, DL_FONT_BODY, false, SC_TEXT);
}

/* The last payload that crossed link l before the moment shown, as hex and text. */
static void inspect_payload(struct rows *r, uint32_t l)
{
    const struct scene *sc = r->sc;
    uint32_t route[VIZ_ROUTE_MAX];
    size_t stop = sc->nvis > PANEL_SCAN ? sc->nvis - PANEL_SCAN : 0;
    for (size_t i = sc->nvis; i > stop; i--) {
        const struct trace_event *e = trace_event_at(sc->tr, i - 1);
        if (e->kind != TRACE_DATA) {
            continue;
        }
        int n = viz_conn_route(sc->tl, e->conn, route, VIZ_ROUTE_MAX);
        bool on = false;
        for (int k = 0; k < n; k++) {
            on = on || route[k] == l;
        }
        if (!on) {
            continue;
        }
        const uint8_t *p = trace_bytes_ptr(sc->tr, e->bytes);
        size_t len = e->bytes.len < PANEL_HEX_BYTES ? e->bytes.len : PANEL_HEX_BYTES;
        /* as many bytes a row as the value column holds: "xx " and a character each */
        const char *word = r->sc->s->word_payload;
        float vw = r->area.w - (word ? rows_word_width(r) : 0);
        float cw = layout_text_width("0", DL_FONT_MONO, false, sc->v);
        size_t per = cw > 0 ? (size_t)(vw / cw) / 4 / 4 * 4 : 16;
        per = per < 4 ? 4 : (per > 16 ? 16 : per);
        bool first = true;
        for (size_t off = 0; off < len; off += per) {
            char hex[64], asc[20], row[100];
            size_t k = 0, hn = 0;
            for (; k < per && off + k < len; k++) {
                uint8_t c = p[off + k];
                hn += (size_t)snprintf(hex + hn, sizeof hex - hn, "%02x ", c);
                asc[k] = c >= 0x20 && c < 0x7F ? (char)c : '.';
            }
            asc[k] = 0;
            snprintf(row, sizeof row, "%-*s%s", (int)(per * 3), hex, asc);
            if (!rows_add(r, word ? (first ? word : "") : NULL, row, DL_FONT_MONO, false,
                          SC_TEXT)) {
                return;
            }
            first = false;
        }
        return;
    }
}

static void inspect_link(struct rows *r, uint32_t l)
{
    const struct scene *sc = r->sc;
    const struct trace_link *k = &sc->tr->links[l];
    char line[200];
    snprintf(line, sizeof line, "%s ↔ %s", scene_host_name(sc, k->a), scene_host_name(sc, k->b));
    rows_add(r, NULL, line, DL_FONT_BODY, true, SC_TEXT);
    snprintf(line, sizeof line, "%.1f ms", k->latency_us / 1000.0);
    rows_add(r, sc->s->word_latency, line, DL_FONT_BODY, false, SC_TEXT);
    snprintf(line, sizeof line, "%llu B", (unsigned long long)viz_link_bytes(sc->tl, l, sc->nvis));
    rows_add(r, sc->s->word_bytes, line, DL_FONT_BODY, false, SC_TEXT);
    inspect_payload(r, l);
}

static void inspect_conn(struct rows *r, uint32_t conn)
{
    const struct scene *sc = r->sc;
    const struct trace_conn *c = trace_conn_get(sc->tr, conn);
    if (!c) {
        return;
    }
    char proto[24], line[200];
    trace_proto_word(sc->tr, c, proto, sizeof proto);
    snprintf(line, sizeof line, "#%u  %s %u", (unsigned)conn, proto, (unsigned)c->server_port);
    rows_add(r, NULL, line, DL_FONT_BODY, true, SC_TEXT);
    panel_endpoint(sc, c->client_host, c->client_agent, c->client_ip, c->client_port, line,
                   sizeof line);
    rows_add(r, sc->s->word_client, line, DL_FONT_BODY, false, SC_TEXT);
    panel_endpoint(sc, c->server_host, c->server_agent, c->server_ip, c->server_port, line,
                   sizeof line);
    rows_add(r, sc->s->word_server, line, DL_FONT_BODY, false, SC_TEXT);
    snprintf(line, sizeof line, "%.1f ms", c->latency_us / 1000.0);
    rows_add(r, sc->s->word_latency, line, DL_FONT_BODY, false, SC_TEXT);
    uint64_t bytes = 0;
    size_t first = sc->tl->conn_first[conn];
    size_t stop = sc->nvis > first && sc->nvis - first > PANEL_SCAN ? sc->nvis - PANEL_SCAN : first;
    for (size_t i = stop; i < sc->nvis; i++) {
        const struct trace_event *e = trace_event_at(sc->tr, i);
        bytes += e->kind == TRACE_DATA && e->conn == conn ? e->bytes.len : 0;
    }
    snprintf(line, sizeof line, "%llu B", (unsigned long long)bytes);
    rows_add(r, sc->s->word_bytes, line, DL_FONT_BODY, false, SC_TEXT);
}

/* ---- the slot beside the transcript ---- */

/* What the slot beside the transcript shows: the inspection of what was chosen, and the mail
 * log or the eavesdropper's view (a run with taps shows what they saw; one with an MTA's log,
 * the log). When both are shown the inspector sits above, as tall as its rows (at most half the
 * slot), so that choosing a log line keeps the log in view. */
struct panel_side {
    bool inspect, list;
    enum dl_target t;
    uint32_t id;
    enum panel_kind kind; /* the list's: PANEL_EAVES or PANEL_LOG */
    struct layout_box insp, box;
};

static void inspect_rows(struct rows *r, enum dl_target t, uint32_t id)
{
    switch (t) {
    case DL_TARGET_HOST:
    case DL_TARGET_MAILBOX:
        inspect_host(r, id);
        break;
    case DL_TARGET_AGENT:
        inspect_agent(r, id);
        break;
    case DL_TARGET_LINK:
        inspect_link(r, id);
        break;
    case DL_TARGET_CONN:
        inspect_conn(r, id);
        break;
    default:
        break;
    }
}

static void panel_side_plan(struct scene *sc, struct panel_side *ps)
{
    const struct trace *tr = sc->tr;
    enum dl_target t = sc->v->selected;
    uint32_t id = sc->v->selected_id;
    bool valid = (t == DL_TARGET_HOST && id < tr->nhosts) ||
                 (t == DL_TARGET_AGENT && id < tr->nagents) ||
                 (t == DL_TARGET_LINK && id < tr->nlinks) ||
                 (t == DL_TARGET_CONN && trace_conn_get(tr, id)) ||
                 (t == DL_TARGET_MAILBOX && id < tr->nhosts);
    memset(ps, 0, sizeof *ps);
    ps->list = tr->ntaps > 0 || sc->tl->nlogs > 0;
    ps->kind = tr->ntaps > 0 ? PANEL_EAVES : PANEL_LOG;
    ps->inspect = valid || !ps->list;
    /* nothing chosen and nothing else to show: the connection the transcript follows */
    ps->t = valid ? t : DL_TARGET_CONN;
    ps->id = valid ? id : sc->focus;
    struct layout_box slot = sc->L.inspector;
    ps->insp = ps->box = slot;
    if (ps->inspect && ps->list) {
        struct rows r = {sc, panel_area(sc, slot), 0, true};
        r.y = r.area.y;
        inspect_rows(&r, ps->t, ps->id);
        float need = r.y - slot.y + sc->L.pad, gap = 8 * sc->L.u;
        ps->insp.h = need < slot.h * 0.5f ? need : slot.h * 0.5f;
        ps->box.y = slot.y + ps->insp.h + gap;
        ps->box.h = slot.h - ps->insp.h - gap;
    }
}

/* What each tap could watch, before it saw anything. */
static void panel_taps(struct rows *r)
{
    const struct scene *sc = r->sc;
    for (size_t t = 0; t < sc->tr->ntaps; t++) {
        const struct trace_tap *tap = &sc->tr->taps[t];
        const struct trace_link *k = &sc->tr->links[tap->link];
        char line[200];
        snprintf(line, sizeof line, "%s  %s ↔ %s", trace_string(sc->tr, tap->name),
                 scene_host_name(sc, k->a), scene_host_name(sc, k->b));
        if (!rows_add(r, sc->s->word_tap, line, DL_FONT_BODY, false, SC_MUTED)) {
            return;
        }
    }
}

void scene_inspector(struct scene *sc)
{
    struct panel_side side;
    panel_side_plan(sc, &side);
    if (side.inspect) {
        struct rows r = {
            sc, panel_frame(sc, side.insp, scene_str(sc->s->inspector), NULL, DL_TARGET_NONE, 0), 0,
            false};
        r.y = r.area.y;
        inspect_rows(&r, side.t, side.id);
    }
    if (!side.list) {
        return;
    }
    const char *title = scene_str(sc->s->eavesdropper);
    if (side.kind == PANEL_LOG) {
        title = sc->s->maillog ? sc->s->maillog : "mail log";
    }
    struct layout_box area = panel_frame(sc, side.box, title, NULL, DL_TARGET_NONE, 0);
    if (sc->v->quiz_asking) {
        return; /* the log and the eavesdropper's rows wait for the answer, as the transcript */
    }
    struct panel_src ps;
    panel_src_init(&ps, sc, side.kind);
    if (side.kind == PANEL_EAVES && ps.i == 0) {
        struct rows r = {sc, area, area.y, false};
        panel_taps(&r);
        return;
    }
    int want = sc->v->scroll[VIZ_PANEL_SIDE];
    panel_below(sc, side.box, panel_show(&ps, area, want > 0 ? (size_t)want : 0, true));
}

int scene_panel_at(const struct trace *tr, const struct viz_timeline *tl, const struct viz_view *v,
                   float x, float y)
{
    struct scene sc;
    if (scene_begin(&sc, tr, tl, v, NULL) != 0) {
        return -1;
    }
    struct panel_side side;
    panel_side_plan(&sc, &side);
    const struct layout_box *t = &sc.L.transcript, *b = &side.box;
    int panel = -1;
    if (x >= t->x && x < t->x + t->w && y >= t->y && y < t->y + t->h) {
        panel = VIZ_PANEL_TRANSCRIPT;
    } else if (side.list && x >= b->x && x < b->x + b->w && y >= b->y && y < b->y + b->h) {
        panel = VIZ_PANEL_SIDE;
    }
    layout_free(&sc.L);
    return panel;
}

int scene_panel_scroll(const struct trace *tr, const struct viz_timeline *tl,
                       const struct viz_view *v, enum viz_panel panel, int delta)
{
    struct scene sc;
    if ((unsigned)panel >= VIZ_PANEL_COUNT || scene_begin(&sc, tr, tl, v, NULL) != 0) {
        return 0;
    }
    struct panel_side side;
    panel_side_plan(&sc, &side);
    struct layout_box area = panel_area(&sc, panel == VIZ_PANEL_SIDE ? side.box : sc.L.transcript);
    enum panel_kind kind = panel == VIZ_PANEL_SIDE ? side.kind : PANEL_TRANSCRIPT;
    size_t back = 0;
    if (panel == VIZ_PANEL_TRANSCRIPT || side.list) {
        /* from the scroll as the panel shows it, so that a wheel turned past the top comes
         * back at once */
        struct panel_src ps;
        panel_src_init(&ps, &sc, kind);
        int now = v->scroll[panel] > 0 ? v->scroll[panel] : 0;
        struct panel_src again = ps;
        size_t shown = panel_show(&ps, area, (size_t)now, false);
        long want = (long)shown + delta;
        back = panel_show(&again, area, want > 0 ? (size_t)want : 0, false);
    }
    layout_free(&sc.L);
    return back < (size_t)INT_MAX ? (int)back : INT_MAX;
}
