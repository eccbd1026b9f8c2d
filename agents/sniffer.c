/* sniffer: taps, per-connection parsers, findings in the trace, and the offline APOP attack. */
#include "sniffer.h"

#include "pop3_server.h"
#include "sniff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One connection as one tap sees it. */
struct sniffer_stream {
    struct sniffer *s;
    uint32_t tap;
    uint32_t conn;
    struct sniff_stream *parse;
    bool cracked; /* its APOP login was attacked already */
};

struct sniffer {
    struct agent base;
    char **dictionary;
    size_t ndictionary;
    struct sniffer_stream **streams;
    size_t nstreams, cap_streams;
};

static void sniffer_destroy(struct agent *a)
{
    struct sniffer *s = (struct sniffer *)a;
    for (size_t i = 0; i < s->nstreams; i++) {
        sniff_stream_free(s->streams[i]->parse);
        free(s->streams[i]);
    }
    free(s->streams);
    mw_strv_free(s->dictionary, s->ndictionary);
}

static const struct agent_ops sniffer_ops = {"sniffer", "tcpdump", sniffer_destroy, NULL};

struct sniffer *sniffer_new(struct mail_world *mw, const char *id, int host,
                            const struct sniffer_config *cfg)
{
    struct sniffer *s = agent_new(sizeof *s, &sniffer_ops, mw, id, host);
    s->ndictionary = cfg ? cfg->ndictionary : 0;
    s->dictionary = mw_strv_dup(cfg ? cfg->dictionary : NULL, s->ndictionary);
    return s;
}

static const char *sniffer_tap_name(const struct sniffer_stream *st)
{
    const struct trace *tr = st->s->base.mw->tr;
    return st->tap < tr->ntaps ? trace_string(tr, tr->taps[st->tap].name) : "";
}

static void sniffer_found(void *ctx, enum sniff_finding f, const char *value, size_t n)
{
    struct sniffer_stream *st = ctx;
    struct mail_world *mw = st->s->base.mw;
    trace_sniff(mw->tr, sim_now(mw->sim), sniffer_tap_name(st), st->conn, sniff_finding_name(f),
                (const uint8_t *)value, n);
}

static struct sniffer_stream *sniffer_stream_for(struct sniffer *s, uint32_t tap, uint32_t conn)
{
    for (size_t i = s->nstreams; i-- > 0;) {
        if (s->streams[i]->tap == tap && s->streams[i]->conn == conn) {
            return s->streams[i];
        }
    }
    const struct trace_conn *c = trace_conn_get(s->base.mw->tr, conn);
    const char *proto = c ? trace_string(s->base.mw->tr, c->proto) : "";
    struct sniffer_stream *st = calloc(1, sizeof *st);
    if (!st) {
        abort();
    }
    st->s = s;
    st->tap = tap;
    st->conn = conn;
    enum sniff_proto sp = strcmp(proto, "pop3") == 0  ? SNIFF_POP3
                          : strcmp(proto, "ssh") == 0 ? SNIFF_SSH
                                                      : SNIFF_SMTP;
    st->parse = sniff_stream_new(sp, sniffer_found, st);
    if (!st->parse) {
        abort();
    }
    if (s->nstreams == s->cap_streams) {
        s->cap_streams = s->cap_streams ? s->cap_streams * 2 : 8;
        s->streams = realloc(s->streams, s->cap_streams * sizeof *s->streams);
        if (!s->streams) {
            abort();
        }
    }
    s->streams[s->nstreams++] = st;
    return st;
}

void sniffer_tap(struct sim_world *w, void *ctx, uint32_t tap, uint32_t conn, enum trace_side from,
                 const uint8_t *p, size_t n)
{
    struct sniffer_stream *st = sniffer_stream_for(ctx, tap, conn);
    sniff_stream_feed(st->parse, from, sim_is_tls(w, conn, from), p, n);
}

/* RFC 1939 §7 computes the digest from the timestamp and the secret alone: whoever holds both
 * the timestamp and the digest can test guesses offline, as fast as MD5 runs. */
static void sniffer_crack_one(struct sniffer *s, struct sniffer_stream *st)
{
    struct mail_world *mw = s->base.mw;
    struct sniff_apop apop;
    if (st->cracked || !sniff_stream_apop(st->parse, &apop)) {
        return;
    }
    st->cracked = true;
    for (size_t i = 0; i < s->ndictionary; i++) {
        char hex[33];
        if (pop3_apop_digest(apop.timestamp, s->dictionary[i], hex) == 0 &&
            strcmp(hex, apop.digest) == 0) {
            trace_sniff(mw->tr, sim_now(mw->sim), sniffer_tap_name(st), st->conn, "password",
                        (const uint8_t *)s->dictionary[i], strlen(s->dictionary[i]));
            return;
        }
    }
    trace_sniff(mw->tr, sim_now(mw->sim), sniffer_tap_name(st), st->conn, "crack_failed",
                (const uint8_t *)apop.user, strlen(apop.user));
}

static void sniffer_crack_now(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)w;
    (void)arg;
    struct sniffer *s = ctx;
    for (size_t i = 0; i < s->nstreams; i++) {
        sniffer_crack_one(s, s->streams[i]);
    }
}

void sniffer_crack(struct sniffer *s, uint64_t at_us)
{
    sim_schedule(s->base.mw->sim, at_us, sniffer_crack_now, s, 0);
}
