/* scene_panels: the two panels under the network — the transcript of one connection (its C:
 * and S: lines up to the moment shown, credentials and refusals marked as the trace's
 * annotations say) and the inspector
 * of the selected object, or, when the run has taps, what the eavesdropper saw. */
#include "scene_int.h"

#include <stdio.h>
#include <string.h>

/* Lines the transcript can hold, and how far back it looks for them. */
#define PANEL_MAX_LINES 96
#define PANEL_SCAN 200000
#define PANEL_HEX_BYTES 48

struct panel_line {
    size_t ev;
    uint32_t off, len;
};

/* The panel's frame and title row; returns the area below the title. */
static struct layout_box panel_frame(struct scene *sc, struct layout_box b, const char *title,
                                     const char *subtitle, enum dl_target t, uint32_t id)
{
    float u = sc->L.u, pad = sc->L.pad, lh = layout_line_px(DL_FONT_BODY, sc->v);
    scene_rect(sc, b, SC_PANEL, SC_BORDER, 1.5f * sc->L.thick, 8 * u, LAYER_PANEL);
    float tw = layout_text_width(title, DL_FONT_BODY, true, sc->v) + 2 * pad;
    tw = tw < b.w * 0.5f ? tw : b.w * 0.5f;
    struct layout_box row = {b.x + pad, b.y + pad * 0.5f, tw, lh * 1.2f};
    scene_text(sc, row, title, DL_FONT_BODY, true, DL_ALIGN_LEFT, SC_TEXT, LAYER_PANEL_TEXT);
    if (subtitle && *subtitle) {
        struct layout_box sb = {row.x + tw, row.y, b.w - tw - 2 * pad, row.h};
        struct dl_item *it = scene_text(sc, sb, subtitle, DL_FONT_SMALL, false, DL_ALIGN_LEFT,
                                        SC_MUTED, LAYER_PANEL_TEXT);
        scene_target(it, t, id);
    }
    float y = row.y + row.h + 2 * u;
    scene_line(sc, b.x + pad, y, b.x + b.w - pad, y, SC_BORDER, 1 * sc->L.thick, LAYER_PANEL);
    return (struct layout_box){b.x + pad, y + 3 * u, b.w - 2 * pad, b.y + b.h - y - 3 * u - pad};
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
    scene_proto(sc->tr, c, proto, sizeof proto);
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
static size_t panel_collect(const struct scene *sc, uint32_t conn, struct panel_line *lines,
                            size_t max)
{
    size_t n = 0;
    size_t first = sc->tl->conn_first[conn];
    if (first >= sc->nvis) {
        return 0;
    }
    size_t stop = sc->nvis - first > PANEL_SCAN ? sc->nvis - PANEL_SCAN : first;
    for (size_t i = sc->nvis; i > stop && n < max; i--) {
        const struct trace_event *e = trace_event_at(sc->tr, i - 1);
        if (panel_records_event(sc->tr, i - 1, e, conn)) {
            lines[n++] = (struct panel_line){i - 1, 0, 0};
            continue;
        }
        if (!panel_text_event(e, conn)) {
            continue;
        }
        const uint8_t *p = trace_bytes_ptr(sc->tr, e->bytes);
        uint32_t len = e->bytes.len;
        /* this event's lines, newest first: split at CRLF from the end */
        uint32_t end = len;
        if (end >= 2 && p[end - 2] == '\r' && p[end - 1] == '\n') {
            end -= 2;
        }
        for (;;) {
            uint32_t s = end;
            while (s >= 2 && !(p[s - 2] == '\r' && p[s - 1] == '\n')) {
                s--;
            }
            s = s < 2 ? 0 : s;
            lines[n++] = (struct panel_line){i - 1, s, end - s};
            if (s == 0 || n >= max) {
                break;
            }
            end = s - 2;
        }
    }
    /* oldest first */
    for (size_t a = 0, b = n ? n - 1 : 0; a < b; a++, b--) {
        struct panel_line t = lines[a];
        lines[a] = lines[b];
        lines[b] = t;
    }
    return n;
}

static void panel_line(struct scene *sc, const struct panel_line *pl, uint32_t conn,
                       struct layout_box b)
{
    const struct trace_event *e = trace_event_at(sc->tr, pl->ev);
    const struct trace_conn *c = trace_conn_get(sc->tr, conn);
    const uint8_t *p = trace_bytes_ptr(sc->tr, e->bytes) + pl->off;
    bool client = e->from == TRACE_CLIENT;
    bool in_flight = (double)(e->t + c->latency_us) > sc->tv;
    char clean[320], text[640];
    if (e->kind == TRACE_DATA && (e->flags & TRACE_TLS)) {
        /* records: only their size and first octets are on the wire for anyone to see */
        char hex[40] = "";
        for (uint32_t k = 0; k < e->bytes.len && k < 5; k++) {
            snprintf(hex + 3 * k, sizeof hex - 3 * k, "%02x ", p[k]);
        }
        bool ssh = strcmp(trace_string(sc->tr, c->proto), "ssh") == 0;
        snprintf(text, sizeof text, "%s ~ %s, %u %s: %s…",
                 client ? "C:" : "S:", ssh ? "SSH" : scene_str(sc->s->records),
                 (unsigned)e->bytes.len, scene_str(sc->s->octets), hex);
        struct dl_item *it =
            scene_text(sc, b, text, DL_FONT_MONO, false, DL_ALIGN_LEFT, SC_FAINT, LAYER_PANEL_TEXT);
        scene_target(it, DL_TARGET_CONN, conn);
        return;
    }
    scene_clean_line(p, pl->len, clean, sizeof clean);
    /* What the sender noted of the line; a man in the middle's version has no such notes. */
    struct scene_meaning m;
    scene_line_meaning(sc->tr, pl->ev, pl->off, pl->len, &m);
    /* Inside TLS a credential is what the endpoints saw, not what the wire showed: no alarm. */
    bool sealed = e->kind == TRACE_PLAIN;
    bool secret = m.secret && !sealed;
    bool ssh = strcmp(trace_string(sc->tr, c->proto), "ssh") == 0;
    snprintf(text, sizeof text, "%s%s %s%s%s", client ? "C:" : "S:",
             sealed ? (ssh ? " [SSH]" : " [TLS]") : (e->kind == TRACE_TAMPER ? " [!]" : ""), clean,
             *m.decoded ? "  → " : "", m.decoded);
    struct dl_color col = client ? SC_TEXT : SC_ROLE;
    if (m.refusal) {
        col = SC_RED;
    }
    if (secret) {
        scene_rect(sc, b, SC_SECRET_BG, SC_NONE, 0, 3 * sc->L.u, LAYER_PANEL);
        col = SC_SECRET;
    } else if (sealed) {
        col = SC_TLS;
    } else if (e->kind == TRACE_TAMPER) {
        col = SC_RED;
    }
    if (in_flight) {
        col = SC_MUTED;
    }
    struct dl_item *it =
        scene_text(sc, b, text, DL_FONT_MONO, secret, DL_ALIGN_LEFT, col, LAYER_PANEL_TEXT);
    scene_target(it, DL_TARGET_CONN, conn);
}

void scene_transcript(struct scene *sc)
{
    char header[400];
    scene_conn_header(sc, sc->focus, header, sizeof header);
    struct layout_box area = panel_frame(sc, sc->L.transcript, scene_str(sc->s->transcript), header,
                                         DL_TARGET_CONN, sc->focus);
    if (!sc->focus || !trace_conn_get(sc->tr, sc->focus)) {
        return;
    }
    float lh = layout_line_px(DL_FONT_MONO, sc->v);
    size_t fit = area.h > lh ? (size_t)(area.h / lh) : 0;
    fit = fit < PANEL_MAX_LINES ? fit : PANEL_MAX_LINES;
    struct panel_line lines[PANEL_MAX_LINES];
    size_t n = panel_collect(sc, sc->focus, lines, fit);
    for (size_t i = 0; i < n; i++) {
        panel_line(sc, &lines[i], sc->focus,
                   (struct layout_box){area.x, area.y + lh * (float)i, area.w, lh});
    }
}

/* ---- the inspector ---- */

struct rows {
    struct scene *sc;
    struct layout_box area;
    float y;
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
    if (r->y + lh > r->area.y + r->area.h + 1) {
        return false;
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
    scene_proto(sc->tr, c, proto, sizeof proto);
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

/* How many of the events at these trace indices (in order) happened by the moment shown. */
static size_t scene_events_shown(const struct scene *sc, const size_t *events, size_t n)
{
    size_t shown = 0;
    while (shown < n && events[shown] < sc->nvis) {
        shown++;
    }
    return shown;
}

/* What each tap saw up to the moment shown: its findings, newest at the bottom. */
static void inspect_eavesdropper(struct rows *r)
{
    const struct scene *sc = r->sc;
    const struct viz_timeline *tl = sc->tl;
    size_t shown = scene_events_shown(sc, tl->sniffs, tl->nsniffs);
    float lh = layout_line_px(DL_FONT_MONO, sc->v);
    size_t fit = r->area.h > lh ? (size_t)(r->area.h / lh) : 0;
    if (shown == 0) {
        for (size_t t = 0; t < sc->tr->ntaps && t < fit; t++) {
            const struct trace_tap *tap = &sc->tr->taps[t];
            const struct trace_link *k = &sc->tr->links[tap->link];
            char line[200];
            snprintf(line, sizeof line, "%s  %s ↔ %s", trace_string(sc->tr, tap->name),
                     scene_host_name(sc, k->a), scene_host_name(sc, k->b));
            rows_add(r, sc->s->word_tap, line, DL_FONT_BODY, false, SC_MUTED);
        }
        return;
    }
    for (size_t k = shown > fit ? shown - fit : 0; k < shown; k++) {
        const struct trace_event *e = trace_event_at(sc->tr, tl->sniffs[k]);
        const char *finding = trace_sniff_finding(sc->tr, e);
        char value[200], line[320];
        scene_clean_line(trace_bytes_ptr(sc->tr, e->bytes), e->bytes.len, value, sizeof value);
        snprintf(line, sizeof line, "%s #%u %s: %s", trace_sniff_tap(sc->tr, e), (unsigned)e->conn,
                 finding, value);
        bool secret = strcmp(finding, "password") == 0 || strcmp(finding, "username") == 0;
        struct layout_box b = {r->area.x, r->y, r->area.w, lh};
        if (secret) {
            scene_rect(r->sc, b, SC_SECRET_BG, SC_NONE, 0, 3 * sc->L.u, LAYER_PANEL);
        }
        struct dl_item *it = scene_text(r->sc, b, line, DL_FONT_MONO, secret, DL_ALIGN_LEFT,
                                        secret ? SC_SECRET : SC_TEXT, LAYER_PANEL_TEXT);
        scene_target(it, DL_TARGET_CONN, e->conn);
        r->y += lh;
    }
}

/* A mail log line's rows: syslog's date and host first, then what the program says, wrapped at
 * spaces onto at most MAILLOG_ROWS rows, so that the part a student reads is not cut off (an
 * msmtp line names its recipients far to the right). Fills rows[] with the starts of the body
 * rows and returns how many there are; *body is where the program's part starts. */
#define MAILLOG_ROWS 2
static size_t maillog_rows(const struct scene *sc, const struct trace_event *e, const char *text,
                           float width, const char **body, const char *rows[MAILLOG_ROWS + 1])
{
    /* the program, as the trace names it ("postfix/smtpd", "msmtp"), after the date and host */
    const char *program = trace_log_program(sc->tr, e);
    const char *what = *program ? strstr(text, program) : NULL;
    *body = what && what > text ? what : text;
    size_t n = 0;
    const char *p = *body;
    while (*p && n < MAILLOG_ROWS) {
        rows[n++] = p;
        const char *end = n == MAILLOG_ROWS
                              ? p + strlen(p)
                              : layout_text_break(p, width, DL_FONT_MONO, false, sc->v);
        p = end > p ? end : p + strlen(p);
        while (*p == ' ') {
            p++;
        }
    }
    rows[n] = p;
    return n ? n : 1;
}

/* An MTA's mail log up to the moment shown, newest at the bottom: the evidence an
 * administrator reads (an open relay's outside client, outside sender, outside recipient). */
static void inspect_maillog(struct rows *r)
{
    const struct scene *sc = r->sc;
    const struct viz_timeline *tl = sc->tl;
    size_t shown = scene_events_shown(sc, tl->logs, tl->nlogs);
    float lh = layout_line_px(DL_FONT_MONO, sc->v);
    float indent = 2 * lh, width = r->area.w - indent;
    /* from the newest back, as many lines as their rows fit */
    size_t first = shown;
    float used = 0;
    while (first > 0) {
        const struct trace_event *e = trace_event_at(sc->tr, tl->logs[first - 1]);
        char text[400];
        const char *body, *rows[MAILLOG_ROWS + 1];
        scene_clean_line(trace_bytes_ptr(sc->tr, e->bytes), e->bytes.len, text, sizeof text);
        size_t n = maillog_rows(sc, e, text, width, &body, rows);
        float need = lh * (float)(n + (body > text ? 1 : 0));
        if (used + need > r->area.h) {
            break;
        }
        used += need;
        first--;
    }
    for (size_t k = first; k < shown; k++) {
        const struct trace_event *e = trace_event_at(sc->tr, tl->logs[k]);
        char text[400];
        const char *body, *rows[MAILLOG_ROWS + 1];
        scene_clean_line(trace_bytes_ptr(sc->tr, e->bytes), e->bytes.len, text, sizeof text);
        size_t n = maillog_rows(sc, e, text, width, &body, rows);
        struct layout_box b = {r->area.x, r->y, r->area.w, lh};
        if (body > text) {
            char head[128];
            size_t hn =
                (size_t)(body - text) < sizeof head ? (size_t)(body - text) : sizeof head - 1;
            memcpy(head, text, hn);
            head[hn] = 0;
            scene_text(r->sc, b, head, DL_FONT_MONO, false, DL_ALIGN_LEFT, SC_MUTED,
                       LAYER_PANEL_TEXT);
            r->y += lh;
            b.x += indent;
            b.w -= indent;
        }
        for (size_t i = 0; i < n; i++) {
            char row[400];
            size_t len = (size_t)(rows[i + 1] - rows[i]);
            len = len < sizeof row ? len : sizeof row - 1;
            memcpy(row, rows[i], len);
            while (len > 0 && row[len - 1] == ' ') {
                len--;
            }
            row[len] = 0;
            b.y = r->y;
            struct dl_item *it = scene_text(r->sc, b, row, DL_FONT_MONO, false, DL_ALIGN_LEFT,
                                            SC_TEXT, LAYER_PANEL_TEXT);
            if (e->conn) {
                scene_target(it, DL_TARGET_CONN, e->conn);
            }
            r->y += lh;
        }
    }
}

void scene_inspector(struct scene *sc)
{
    const struct viz_view *v = sc->v;
    const struct trace *tr = sc->tr;
    enum dl_target t = v->selected;
    uint32_t id = v->selected_id;
    bool valid = (t == DL_TARGET_HOST && id < tr->nhosts) ||
                 (t == DL_TARGET_AGENT && id < tr->nagents) ||
                 (t == DL_TARGET_LINK && id < tr->nlinks) ||
                 (t == DL_TARGET_CONN && trace_conn_get(tr, id)) ||
                 (t == DL_TARGET_MAILBOX && id < tr->nhosts);
    bool eaves = !valid && tr->ntaps > 0;
    bool maillog = !valid && !eaves && sc->tl->nlogs > 0;
    const char *title = scene_str(eaves ? sc->s->eavesdropper : sc->s->inspector);
    if (maillog) {
        title = sc->s->maillog ? sc->s->maillog : "mail log";
    }
    struct rows r = {sc, panel_frame(sc, sc->L.inspector, title, NULL, DL_TARGET_NONE, 0), 0};
    r.y = r.area.y;
    if (eaves) {
        inspect_eavesdropper(&r);
        return;
    }
    if (maillog) {
        inspect_maillog(&r);
        return;
    }
    if (!valid) {
        /* nothing chosen: the connection the transcript follows */
        t = DL_TARGET_CONN;
        id = sc->focus;
    }
    switch (t) {
    case DL_TARGET_HOST:
    case DL_TARGET_MAILBOX:
        inspect_host(&r, id);
        break;
    case DL_TARGET_AGENT:
        inspect_agent(&r, id);
        break;
    case DL_TARGET_LINK:
        inspect_link(&r, id);
        break;
    case DL_TARGET_CONN:
        inspect_conn(&r, id);
        break;
    default:
        break;
    }
}
