/* export_jsonl: the trace as JSON lines, one object a line, each with t and kind; the first
 * line is the world header. Field names are a contract: tests and tools read them. */
#include "base64.h"
#include "export.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The short escapes this export writes; every other control character is \u00XX. RFC 8259 §7
 * also allows \b and \f: they stay \u0008 and \u000c so that exports compare byte for byte. */
static const char *const export_json_short[0x80] = {
    ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

void export_json_escape(FILE *out, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c < 0x80 && export_json_short[c]) {
            fputs(export_json_short[c], out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else {
            fputc(c, out);
        }
    }
}

static void jsonl_str(FILE *out, const char *key, const char *value)
{
    fprintf(out, ",\"%s\":\"", key);
    export_json_escape(out, (const uint8_t *)value, strlen(value));
    fputc('"', out);
}

/* Bytes as "key":"text" when they are UTF-8, else as "key_b64":"...". */
static void jsonl_bytes(FILE *out, const char *key, const uint8_t *p, size_t n)
{
    if (utf8_valid(p, n)) {
        fprintf(out, ",\"%s\":\"", key);
        export_json_escape(out, p, n);
        fputc('"', out);
        return;
    }
    char *enc = malloc(BASE64_ENCODED_LEN(n) + 1);
    if (!enc) {
        abort();
    }
    base64_encode(p, n, enc);
    fprintf(out, ",\"%s_b64\":\"%s\"", key, enc);
    free(enc);
}

static void jsonl_ip(FILE *out, uint32_t ip)
{
    char dotted[16];
    trace_format_ipv4(ip, dotted, sizeof dotted);
    fprintf(out, "\"%s\"", dotted);
}

static void jsonl_world(const struct trace *tr, FILE *out)
{
    fprintf(out, "{\"t\":0,\"kind\":\"world\",\"seed\":%" PRIu64, tr->seed);
    if (tr->title) {
        jsonl_str(out, "scenario", tr->title);
    }
    if (tr->title_ja || tr->title_en) {
        fputs(",\"title\":{\"ja\":\"", out);
        const char *ja = tr->title_ja ? tr->title_ja : "";
        const char *en = tr->title_en ? tr->title_en : "";
        export_json_escape(out, (const uint8_t *)ja, strlen(ja));
        fputs("\",\"en\":\"", out);
        export_json_escape(out, (const uint8_t *)en, strlen(en));
        fputs("\"}", out);
    }
    fputs(",\"zones\":[", out);
    for (size_t i = 0; i < tr->nzones; i++) {
        const struct trace_zone *z = &tr->zones[i];
        fprintf(out, "%s{\"name\":\"", i ? "," : "");
        const char *s = trace_string(tr, z->name);
        export_json_escape(out, (const uint8_t *)s, strlen(s));
        fputc('"', out);
        if (z->label_ja || z->label_en) {
            fputs(",\"label\":{", out);
            const char *ja = trace_string(tr, z->label_ja);
            const char *en = trace_string(tr, z->label_en);
            fputs("\"ja\":\"", out);
            export_json_escape(out, (const uint8_t *)ja, strlen(ja));
            fputs("\",\"en\":\"", out);
            export_json_escape(out, (const uint8_t *)en, strlen(en));
            fputs("\"}", out);
        }
        fputc('}', out);
    }
    fputs("],\"hosts\":[", out);
    for (size_t i = 0; i < tr->nhosts; i++) {
        const struct trace_host *h = &tr->hosts[i];
        fputs(i ? ",{" : "{", out);
        fputs("\"i\":", out);
        fprintf(out, "%zu", i);
        jsonl_str(out, "name", trace_string(tr, h->name));
        jsonl_str(out, "zone", trace_string(tr, tr->zones[h->zone].name));
        fputs(",\"ip\":", out);
        jsonl_ip(out, h->ip);
        fputc('}', out);
    }
    fputs("],\"agents\":[", out);
    for (size_t i = 0; i < tr->nagents; i++) {
        const struct trace_agent *a = &tr->agents[i];
        fprintf(out, "%s{\"host\":\"", i ? "," : "");
        const char *s = trace_string(tr, tr->hosts[a->host].name);
        export_json_escape(out, (const uint8_t *)s, strlen(s));
        fputc('"', out);
        jsonl_str(out, "id", trace_string(tr, a->id));
        jsonl_str(out, "role", trace_string(tr, a->role));
        jsonl_str(out, "program", trace_string(tr, a->program));
        fputc('}', out);
    }
    fputs("],\"links\":[", out);
    for (size_t i = 0; i < tr->nlinks; i++) {
        const struct trace_link *l = &tr->links[i];
        fprintf(out, "%s{\"i\":%zu", i ? "," : "", i);
        jsonl_str(out, "a", trace_string(tr, tr->hosts[l->a].name));
        jsonl_str(out, "b", trace_string(tr, tr->hosts[l->b].name));
        fprintf(out, ",\"latency_us\":%" PRIu32 "}", l->latency_us);
    }
    fputs("],\"taps\":[", out);
    for (size_t i = 0; i < tr->ntaps; i++) {
        fprintf(out, "%s{\"link\":%" PRIu32, i ? "," : "", tr->taps[i].link);
        jsonl_str(out, "name", trace_string(tr, tr->taps[i].name));
        fputc('}', out);
    }
    /* Each connection's one-way latency along its whole path, in connection order: the engine
     * chose the route, and a viewer moves each message over exactly that time, so a trace read
     * back (trace_read.h) must not work it out again. */
    fputs("],\"conn_latency_us\":[", out);
    for (size_t i = 0; i < tr->nconns; i++) {
        fprintf(out, "%s%" PRIu32, i ? "," : "", tr->conns[i].latency_us);
    }
    fputs("]}\n", out);
}

static void jsonl_endpoint(const struct trace *tr, FILE *out, const char *key, uint32_t host,
                           trace_str agent, uint32_t ip, uint16_t port)
{
    fprintf(out, ",\"%s\":{\"host\":\"", key);
    const char *s = trace_string(tr, tr->hosts[host].name);
    export_json_escape(out, (const uint8_t *)s, strlen(s));
    fputc('"', out);
    jsonl_str(out, "agent", trace_string(tr, agent));
    fputs(",\"ip\":", out);
    jsonl_ip(out, ip);
    fprintf(out, ",\"port\":%u}", port);
}

static bool jsonl_is_ssh(const struct trace *tr, uint32_t conn)
{
    const struct trace_conn *c = trace_conn_get(tr, conn);
    return c && strcmp(trace_string(tr, c->proto), "ssh") == 0;
}

static const char *jsonl_side(uint8_t from)
{
    return from == TRACE_CLIENT ? "client" : "server";
}

/* What a kind writes itself (TRACE_FIELD_X): connect's endpoints, data's tls/ssh, close's
 * refused, beat's words. */
static void jsonl_own(const struct trace *tr, const struct trace_event *e, const char *key,
                      FILE *out)
{
    if (strcmp(key, "endpoints") == 0) {
        const struct trace_conn *c = trace_conn_get(tr, e->conn);
        jsonl_str(out, "proto", trace_string(tr, c->proto));
        jsonl_endpoint(tr, out, "client", c->client_host, c->client_agent, c->client_ip,
                       c->client_port);
        jsonl_endpoint(tr, out, "server", c->server_host, c->server_agent, c->server_ip,
                       c->server_port);
        const struct trace_nat *nat = trace_conn_nat(tr, e->conn);
        if (nat) {
            /* What the server saw: the client's connection left through this NAT. */
            fputs(",\"nat\":{\"host\":\"", out);
            const char *h = trace_string(tr, tr->hosts[nat->host].name);
            export_json_escape(out, (const uint8_t *)h, strlen(h));
            fputs("\",\"ip\":", out);
            jsonl_ip(out, nat->ip);
            fputc('}', out);
        }
    } else if (strcmp(key, "tls") == 0) {
        if ((e->flags & TRACE_TLS) && jsonl_is_ssh(tr, e->conn)) {
            fputs(",\"tls\":false,\"ssh\":true", out); /* SSH's binary packets */
        } else {
            fprintf(out, ",\"tls\":%s", (e->flags & TRACE_TLS) ? "true" : "false");
        }
    } else if (strcmp(key, "refused") == 0 && (e->flags & TRACE_REFUSED)) {
        fputs(",\"refused\":true", out);
    } else if (strcmp(key, "words") == 0) {
        /* "what":"...","title":{"ja":"...","en":"..."},"text":{"ja":"...","en":"..."} */
        static const char *const keys[TRACE_BEAT_PARTS] = {",\"what\":\"", ",\"title\":{\"ja\":\"",
                                                           ",\"en\":\"", ",\"text\":{\"ja\":\"",
                                                           ",\"en\":\""};
        for (int p = 0; p < TRACE_BEAT_PARTS; p++) {
            size_t n;
            const char *w = trace_beat_word(tr, e, (enum trace_beat_part)p, &n);
            fputs(keys[p], out);
            export_json_escape(out, (const uint8_t *)w, n);
            fputs(p == TRACE_BEAT_TITLE_EN || p == TRACE_BEAT_TEXT_EN ? "\"}" : "\"", out);
        }
    }
}

/* One event: its fields in the order its row in trace_kinds.h gives them. */
static void jsonl_event(const struct trace *tr, const struct trace_event *e, FILE *out)
{
    const struct trace_kind_schema *k = trace_kind_schema((enum trace_kind)e->kind);
    fprintf(out, "{\"t\":%" PRIu64 ",\"kind\":\"%s\"", e->t, k->name);
    for (size_t i = 0; i < k->nfields; i++) {
        const struct trace_field *f = &k->fields[i];
        switch (f->type) {
        case TRACE_FIELD_SO:
            if (!e->s[f->slot]) {
                break;
            }
            /* fall through */
        case TRACE_FIELD_S:
            jsonl_str(out, f->key, trace_string(tr, e->s[f->slot]));
            break;
        case TRACE_FIELD_N:
            fprintf(out, ",\"%s\":%" PRId32, f->key, e->num);
            break;
        case TRACE_FIELD_A:
            fprintf(out, ",\"%s\":%" PRIu32, f->key, e->aux);
            break;
        case TRACE_FIELD_CO:
            if (!e->conn) {
                break;
            }
            /* fall through */
        case TRACE_FIELD_C:
            fprintf(out, ",\"%s\":%" PRIu32, f->key, e->conn);
            break;
        case TRACE_FIELD_F:
            fprintf(out, ",\"%s\":\"%s\"", f->key, jsonl_side(e->from));
            break;
        case TRACE_FIELD_B:
            jsonl_bytes(out, f->key, trace_bytes_ptr(tr, e->bytes), e->bytes.len);
            break;
        case TRACE_FIELD_OK:
            fprintf(out, ",\"%s\":%s", f->key, (e->flags & TRACE_OK) ? "true" : "false");
            break;
        case TRACE_FIELD_X:
            jsonl_own(tr, e, f->key, out);
            break;
        }
    }
    fputs("}\n", out);
}

int export_jsonl(const struct trace *tr, FILE *out)
{
    jsonl_world(tr, out);
    for (size_t i = 0; i < tr->nevents; i++) {
        jsonl_event(tr, trace_event_at(tr, i), out);
    }
    return ferror(out) ? -1 : 0;
}
