/* export_text: the human transcript — step headers, connections, and every line that crossed
 * a link as C: or S:, exactly as sent. Control characters that would hide what was on the wire
 * (a bare CR or LF, a NUL) are shown as <CR>, <LF>, <NUL>. */
#include "export.h"

#include <inttypes.h>
#include <string.h>

static const char *const text_circled[10] = {"", "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"};

static const char *text_or(const char *label, const char *fallback)
{
    return label ? label : fallback;
}

static void text_time(FILE *out, uint64_t t)
{
    fprintf(out, "%4" PRIu64 ".%06" PRIu64 "  ", t / 1000000, t % 1000000);
}

static void text_ip(FILE *out, uint32_t ip)
{
    char dotted[16];
    trace_format_ipv4(ip, dotted, sizeof dotted);
    fputs(dotted, out);
}

/* Prints one line's octets; the printable ones (and UTF-8) as they are. */
static void text_octets(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\r') {
            fputs("<CR>", out);
        } else if (c == '\n') {
            fputs("<LF>", out);
        } else if (c == 0) {
            fputs("<NUL>", out);
        } else if (c == '\t' || c >= 0x20) {
            fputc(c, out);
        } else {
            fprintf(out, "<%02X>", c);
        }
    }
}

/* Records on the wire of an encrypted channel: how many octets, and the first few in hex, which
 * is all an eavesdropper gets (the plaintext follows as [TLS] lines from "plain" events). */
static void text_records(const struct export_text_labels *lb, const struct trace *tr,
                         const struct trace_event *e, FILE *out)
{
    const uint8_t *p = trace_bytes_ptr(tr, e->bytes);
    size_t n = e->bytes.len;
    text_time(out, e->t);
    const struct trace_conn *c = trace_conn_get(tr, e->conn);
    bool ssh = c && strcmp(trace_string(tr, c->proto), "ssh") == 0;
    fprintf(out, "#%" PRIu32 " %s ~ %s, %zu %s:", e->conn, e->from == TRACE_CLIENT ? "C:" : "S:",
            ssh ? text_or(lb->ssh_packets, "SSH packets") : text_or(lb->records, "TLS records"), n,
            text_or(lb->octets, "octets"));
    for (size_t i = 0; i < n && i < 8; i++) {
        fprintf(out, " %02x", p[i]);
    }
    fputs(n > 8 ? " ...\n" : "\n", out);
}

/* Splits a payload at CRLF; a final piece without CRLF is marked as unterminated. Plaintext
 * carried inside an encrypted channel is marked [TLS]. */
static void text_data(const struct trace *tr, const struct trace_event *e, FILE *out)
{
    const uint8_t *p = trace_bytes_ptr(tr, e->bytes);
    size_t n = e->bytes.len;
    const char *who = e->from == TRACE_CLIENT ? "C:" : "S:";
    const struct trace_conn *conn = trace_conn_get(tr, e->conn);
    bool ssh = conn && strcmp(trace_string(tr, conn->proto), "ssh") == 0;
    const char *tls = e->kind == TRACE_PLAIN    ? (ssh ? " [SSH]" : " [TLS]")
                      : e->kind == TRACE_TAMPER ? " [!]"
                                                : "";
    size_t start = 0;
    bool first = true;
    while (start < n) {
        size_t end = start;
        while (end + 1 < n && !(p[end] == '\r' && p[end + 1] == '\n')) {
            end++;
        }
        bool crlf = end + 1 < n;
        if (!crlf) {
            end = n;
        }
        if (first) {
            text_time(out, e->t);
        } else {
            fputs("             ", out);
        }
        fprintf(out, "#%" PRIu32 " %s%s ", e->conn, who, tls);
        text_octets(out, p + start, end - start);
        fputs(crlf ? "\n" : " (no CRLF yet)\n", out);
        first = false;
        start = crlf ? end + 2 : n;
    }
}

static void text_endpoint(const struct trace *tr, FILE *out, trace_str agent, uint32_t host,
                          uint32_t ip, uint16_t port)
{
    const char *a = trace_string(tr, agent);
    fprintf(out, "%s%s%s ", a, *a ? "@" : "", trace_string(tr, tr->hosts[host].name));
    text_ip(out, ip);
    fprintf(out, ":%u", port);
}

/* A beat's header: the step's circled number (a diamond for a moment that is no delivery step),
 * the title in the labels' language, and who, which mail and which connection; then its text. */
static void text_beat(const struct trace *tr, const struct export_text_labels *lb,
                      const struct trace_event *e, FILE *out)
{
    bool ja = lb->lang && strcmp(lb->lang, "ja") == 0;
    unsigned step = trace_beat_step(e);
    size_t tn, xn;
    const char *title = trace_beat_word(tr, e, ja ? TRACE_BEAT_TITLE_JA : TRACE_BEAT_TITLE_EN, &tn);
    const char *text = trace_beat_word(tr, e, ja ? TRACE_BEAT_TEXT_JA : TRACE_BEAT_TEXT_EN, &xn);
    fprintf(out, "\n%s %.*s  [%s", step >= 1 && step <= 9 ? text_circled[step] : "◆", (int)tn,
            title, trace_beat_agent(tr, e));
    if (*trace_beat_mail(tr, e)) {
        fprintf(out, ", %s", trace_beat_mail(tr, e));
    }
    if (e->conn) {
        fprintf(out, ", #%" PRIu32, e->conn);
    }
    fputs("]\n", out);
    /* The text may run over several lines; each is indented under the title. */
    for (size_t i = 0; i < xn;) {
        const char *nl = memchr(text + i, '\n', xn - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : xn - i;
        fprintf(out, "   %.*s\n", (int)n, text + i);
        i += n + 1;
    }
}

static void text_event(const struct trace *tr, const struct export_text_labels *lb,
                       const struct trace_event *e, FILE *out, bool beats)
{
    const char *s0 = trace_string(tr, e->s[0]);
    const char *s1 = trace_string(tr, e->s[1]);
    const char *s2 = trace_string(tr, e->s[2]);
    switch ((enum trace_kind)e->kind) {
    case TRACE_CONNECT: {
        const struct trace_conn *c = trace_conn_get(tr, e->conn);
        text_time(out, e->t);
        fprintf(out, "#%" PRIu32 " %s ", e->conn, text_or(lb->connect, "connect"));
        text_endpoint(tr, out, c->client_agent, c->client_host, c->client_ip, c->client_port);
        fputs(" -> ", out);
        text_endpoint(tr, out, c->server_agent, c->server_host, c->server_ip, c->server_port);
        const char *proto = trace_string(tr, c->proto);
        fprintf(out, "%s%s%s", *proto ? " (" : "", proto, *proto ? ")" : "");
        const struct trace_nat *nat = trace_conn_nat(tr, e->conn);
        if (nat) {
            fprintf(out, " [NAT %s ", trace_string(tr, tr->hosts[nat->host].name));
            text_ip(out, nat->ip);
            fputc(']', out);
        }
        fputc('\n', out);
        break;
    }
    case TRACE_DATA:
        if (e->flags & TRACE_TLS) {
            text_records(lb, tr, e, out);
        } else {
            text_data(tr, e, out);
        }
        break;
    case TRACE_PLAIN:
        text_data(tr, e, out);
        break;
    case TRACE_KEY:
        text_time(out, e->t);
        fprintf(out, "%s %s: %s <%s> (", text_or(lb->key, "private key"), s0, s1, s2);
        text_octets(out, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
        fputs(")\n", out);
        break;
    case TRACE_TAMPER:
        text_time(out, e->t);
        fprintf(out, "#%" PRIu32 " %s %s:\n", e->conn, s0,
                text_or(lb->tampered, "rewrote it; the other side received"));
        text_data(tr, e, out);
        break;
    case TRACE_SECURE:
        text_time(out, e->t);
        fprintf(out, "#%" PRIu32 " %s: %s", e->conn, s0,
                (e->flags & TRACE_OK) ? text_or(lb->secure_ok, "encrypted channel established")
                                      : text_or(lb->secure_failed, "encrypted channel failed"));
        if (*s1) {
            fprintf(out, " (%s%s%s)", s1, *s2 ? ", " : "", s2);
        }
        if (e->bytes.len) {
            fputs(": ", out);
            text_octets(out, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
        }
        fputc('\n', out);
        break;
    case TRACE_CLOSE:
        text_time(out, e->t);
        fprintf(out, "#%" PRIu32 " %s (%s)\n", e->conn,
                (e->flags & TRACE_REFUSED) ? text_or(lb->refused, "refused")
                                           : text_or(lb->close, "close"),
                e->from == TRACE_CLIENT ? "C" : "S");
        break;
    case TRACE_BEAT:
        text_beat(tr, lb, e, out);
        break;
    case TRACE_STEP: {
        if (beats) {
            break; /* the step's beat is its header */
        }
        int n = e->num >= 1 && e->num <= 9 ? e->num : 0;
        const char *title = n && lb->step_title[n] ? lb->step_title[n] : "";
        fprintf(out, "\n%s %s", text_circled[n], title);
        fprintf(out, "  [%s", s1);
        if (*s0) {
            fprintf(out, ", %s", s0);
        }
        if (e->conn) {
            fprintf(out, ", #%" PRIu32, e->conn);
        }
        fputs("]\n", out);
        break;
    }
    case TRACE_MAIL:
        text_time(out, e->t);
        fprintf(out, "%s %s: %s (%s", text_or(lb->mail, "mail"), s0, s1, s2);
        if (e->num) {
            fprintf(out, ", %" PRId32, e->num);
        }
        fputs(")\n", out);
        break;
    case TRACE_AUTH:
        text_time(out, e->t);
        fprintf(out, "%s: %s %s (%s)\n", s0,
                (e->flags & TRACE_OK) ? text_or(lb->auth_ok, "authenticated")
                                      : text_or(lb->auth_failed, "authentication failed"),
                s1, s2);
        break;
    case TRACE_POLICY:
        text_time(out, e->t);
        fprintf(out, "%s %s: %s -> %s", text_or(lb->policy, "policy"), s0, s1, s2);
        if (e->num) {
            fprintf(out, " (%" PRId32 ")", e->num);
        }
        fputc('\n', out);
        break;
    case TRACE_SNIFF:
        text_time(out, e->t);
        fprintf(out, "%s %s #%" PRIu32 " %s: ", text_or(lb->sniffed, "sniffed"), s0, e->conn, s1);
        text_octets(out, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
        fputc('\n', out);
        break;
    case TRACE_DNS:
        text_time(out, e->t);
        fprintf(out, "DNS %s: %s -> ", s0, s1);
        text_octets(out, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
        fputc('\n', out);
        break;
    case TRACE_NOTE: {
        bool ja = lb->lang && strcmp(lb->lang, "ja") == 0;
        const char *text = ja ? s1 : s2;
        fputs("\n", out);
        text_time(out, e->t);
        /* A note may run over several lines; each continues under the first. */
        for (const char *p = text; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(out, "%s» %.*s\n", p == text ? "" : "             ", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
        break;
    }
    case TRACE_LOG:
        text_time(out, e->t);
        fprintf(out, "%s %s: ", text_or(lb->log, "log"), s0);
        text_octets(out, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
        fputc('\n', out);
        break;
    case TRACE_STATE:
    case TRACE_SECRET:
    case TRACE_REPLY:
    case TRACE_MESSAGE:
    case TRACE_KIND_COUNT:
        /* State changes and annotations are for the viz and the JSON trace; the transcript shows
         * bytes, and a reader sees there what the annotations name. */
        break;
    }
}

/* A step (and its beat) is recorded just after the connection it uses is opened (the id is
 * known only then); a reader wants the header first, so a connect followed at the same moment
 * by a header of that connection (a beat in a trace that has them, else a step) is printed
 * after it. Returns the index of that header, or 0. */
static size_t text_header_after(const struct trace *tr, size_t i, enum trace_kind header)
{
    const struct trace_event *c = trace_event_at(tr, i);
    for (size_t k = i + 1; k < tr->nevents && trace_event_at(tr, k)->t == c->t; k++) {
        const struct trace_event *e = trace_event_at(tr, k);
        if (e->kind == header && e->conn == c->conn) {
            return k;
        }
    }
    return 0;
}

int export_text(const struct trace *tr, const struct export_text_labels *labels, FILE *out)
{
    static const struct export_text_labels none;
    const struct export_text_labels *lb = labels ? labels : &none;
    bool beats = false; /* a trace with beats heads its moments with them, not with the steps */
    for (size_t i = 0; i < tr->nevents && !beats; i++) {
        beats = trace_event_at(tr, i)->kind == TRACE_BEAT;
    }
    /* headers already printed before their connects (several connects may open at once) */
    size_t held[16], nheld = 0;
    for (size_t i = 0; i < tr->nevents; i++) {
        bool skip = false;
        for (size_t h = 0; h < nheld && !skip; h++) {
            if (held[h] == i) {
                held[h] = held[--nheld];
                skip = true;
            }
        }
        if (skip) {
            continue;
        }
        if (trace_event_at(tr, i)->kind == TRACE_CONNECT && nheld < 16) {
            size_t k = text_header_after(tr, i, beats ? TRACE_BEAT : TRACE_STEP);
            if (k) {
                text_event(tr, lb, trace_event_at(tr, k), out, beats);
                held[nheld++] = k;
            }
        }
        text_event(tr, lb, trace_event_at(tr, i), out, beats);
    }
    return ferror(out) ? -1 : 0;
}
