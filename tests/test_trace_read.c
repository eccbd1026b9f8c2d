/* test_trace_read: the JSONL reader. Runs of bundled scenarios are written, read back and written
 * again, byte for byte the same, with the same connection table; a small hand-made trace checks
 * the decoding (U+0000 and surrogate pairs in text, base64, kinds from a newer mailsim); bad
 * inputs give messages that name file, line and what was expected; and mutated traces never
 * crash the reader. */
#include "build.h"
#include "catalog.h"
#include "export.h"
#include "harness.h"
#include "trace.h"
#include "trace_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON lines of tr, in a buffer the caller frees; *n its length. */
static char *jsonl_of(const struct trace *tr, size_t *n)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);
    if (!f) {
        return NULL;
    }
    export_jsonl(tr, f);
    fclose(f);
    return buf;
}

/* Reads text[0..n) as the file name. */
static int read_text(const char *text, size_t n, const char *name, struct trace *tr, char *err,
                     size_t errlen)
{
    /* fmemopen of an empty buffer is not portable: an empty file is /dev/null. */
    FILE *f = n ? fmemopen((void *)text, n, "r") : fopen("/dev/null", "r");
    if (!f) {
        snprintf(err, errlen, "fmemopen failed");
        return -2;
    }
    int rc = trace_read_jsonl(f, name, tr, err, errlen);
    fclose(f);
    return rc;
}

static bool events_equal(const struct trace *a, const struct trace *b, size_t i)
{
    const struct trace_event *x = trace_event_at(a, i), *y = trace_event_at(b, i);
    bool same =
        x->t == y->t && x->kind == y->kind && x->from == y->from && x->conn == y->conn &&
        x->num == y->num && x->aux == y->aux && x->bytes.len == y->bytes.len &&
        memcmp(trace_bytes_ptr(a, x->bytes), trace_bytes_ptr(b, y->bytes), x->bytes.len) == 0;
    /* plain's TRACE_TLS says what its kind already says, and no row of trace_kinds.h carries
     * it: the one flag a reader cannot know. */
    same = same && x->flags == y->flags;
    for (int k = 0; same && k < 3; k++) {
        same = strcmp(trace_string(a, x->s[k]), trace_string(b, y->s[k])) == 0;
    }
    return same;
}

static bool conns_equal(const struct trace *a, const struct trace *b)
{
    bool same = a->nconns == b->nconns && a->nnats == b->nnats;
    for (size_t i = 0; same && i < a->nconns; i++) {
        const struct trace_conn *x = &a->conns[i], *y = &b->conns[i];
        same = x->id == y->id && x->client_host == y->client_host &&
               x->server_host == y->server_host && x->client_ip == y->client_ip &&
               x->server_ip == y->server_ip && x->client_port == y->client_port &&
               x->server_port == y->server_port && x->latency_us == y->latency_us &&
               x->t_open == y->t_open &&
               strcmp(trace_string(a, x->proto), trace_string(b, y->proto)) == 0 &&
               strcmp(trace_string(a, x->client_agent), trace_string(b, y->client_agent)) == 0 &&
               strcmp(trace_string(a, x->server_agent), trace_string(b, y->server_agent)) == 0;
    }
    for (size_t i = 0; same && i < a->nnats; i++) {
        same = a->nats[i].conn == b->nats[i].conn && a->nats[i].host == b->nats[i].host &&
               a->nats[i].ip == b->nats[i].ip;
    }
    return same;
}

/* A run of a bundled scenario, its JSON lines, and the same read back: all equal. */
static void test_round_trip(struct harness *h, const char *scenario)
{
    char err[1024];
    struct build_options opt = {0};
    struct trace *tr = catalog_build_trace(scenario, &opt, err, sizeof err);
    if (!CHECK(h, tr != NULL)) {
        fprintf(stderr, "    %s: %s\n", scenario, err);
        return;
    }
    size_t n1 = 0, n2 = 0;
    char *first = jsonl_of(tr, &n1);
    struct trace back;
    int rc = read_text(first, n1, scenario, &back, err, sizeof err);
    if (!CHECK_INT(h, rc, 0)) {
        fprintf(stderr, "    %s\n", err);
        free(first);
        trace_free(tr);
        free(tr);
        return;
    }
    char *second = jsonl_of(&back, &n2);
    bool same = n1 == n2 && memcmp(first, second, n1) == 0;
    if (!CHECK(h, same)) {
        size_t k = 0;
        while (k < n1 && k < n2 && first[k] == second[k]) {
            k++;
        }
        fprintf(stderr, "    %s: the second writing differs at byte %zu: ...%.80s\n", scenario, k,
                second + (k > 20 ? k - 20 : 0));
    }
    CHECK_INT(h, back.nevents, tr->nevents);
    bool events = back.nevents == tr->nevents;
    for (size_t i = 0; events && i < tr->nevents; i++) {
        events = events_equal(tr, &back, i);
        if (!events) {
            fprintf(stderr, "    %s: event %zu (%s) differs\n", scenario, i,
                    trace_kind_name((enum trace_kind)trace_event_at(tr, i)->kind));
        }
    }
    CHECK(h, events);
    CHECK(h, conns_equal(tr, &back));
    CHECK_INT(h, back.payload_bytes, tr->payload_bytes);
    CHECK(h, back.seed == tr->seed);
    CHECK_STR(h, back.title, tr->title);
    CHECK_INT(h, back.nhosts, tr->nhosts);
    CHECK_INT(h, back.nagents, tr->nagents);
    CHECK_INT(h, back.nlinks, tr->nlinks);
    printf("%s: %zu events, %zu connections, %zu octets of JSON, read back the same\n", scenario,
           tr->nevents, tr->nconns, n1);
    free(first);
    free(second);
    trace_free(&back);
    trace_free(tr);
    free(tr);
}

/* A small trace as export_jsonl writes it, with a line of a kind from a newer mailsim. */
static const char mini[] =
    "{\"t\":0,\"kind\":\"world\",\"seed\":18446744073709551615,\"scenario\":\"mini\","
    "\"title\":{\"ja\":\"小さな記録\",\"en\":\"A small trace\"},\"zones\":[{\"name\":\"lan\","
    "\"label\":{\"ja\":\"社内LAN\",\"en\":\"LAN\"}}],\"hosts\":[{\"i\":0,\"name\":\"a.example\","
    "\"zone\":\"lan\",\"ip\":\"192.0.2.1\"},{\"i\":1,\"name\":\"b.example\",\"zone\":\"lan\","
    "\"ip\":\"192.0.2.2\"}],\"agents\":[{\"host\":\"a.example\",\"id\":\"alice\",\"role\":\"mua\","
    "\"program\":\"Thunderbird\"}],\"links\":[{\"i\":0,\"a\":\"a.example\",\"b\":\"b.example\","
    "\"latency_us\":1500}],\"taps\":[{\"link\":0,\"name\":\"eve\"}],\"conn_latency_us\":[1500]}\n"
    "{\"t\":5,\"kind\":\"connect\",\"conn\":1,\"proto\":\"smtp\",\"client\":{\"host\":\"a."
    "example\","
    "\"agent\":\"alice\",\"ip\":\"192.0.2.1\",\"port\":50000},\"server\":{\"host\":\"b.example\","
    "\"agent\":\"\",\"ip\":\"192.0.2.2\",\"port\":25}}\n"
    "{\"t\":9,\"kind\":\"data\",\"conn\":1,\"from\":\"server\",\"text\":\"220 b "
    "\\ud83d\\ude00\\r\\n\","
    "\"tls\":false}\n"
    "{\"t\":10,\"kind\":\"sniff\",\"tap\":\"eve\",\"conn\":1,\"finding\":\"password\","
    "\"value\":\"\\u0000alice\\u0000secret\"}\n"
    "{\"t\":11,\"kind\":\"hologram\",\"conn\":99,\"shape\":[1,2]}\n"
    "{\"t\":12,\"kind\":\"data\",\"conn\":1,\"from\":\"client\",\"text_b64\":\"/wABAg==\","
    "\"tls\":false,\"ssh\":true}\n"
    "{\"t\":13,\"kind\":\"step\",\"n\":-3,\"mail\":\"m1\",\"agent\":\"alice\"}\n"
    "{\"t\":14,\"kind\":\"close\",\"conn\":1,\"from\":\"client\",\"refused\":true}\r\n";

static void test_mini(struct harness *h)
{
    struct trace tr;
    char err[512];
    int rc = read_text(mini, strlen(mini), "mini.jsonl", &tr, err, sizeof err);
    if (!CHECK_INT(h, rc, 0)) {
        fprintf(stderr, "    %s\n", err);
        return;
    }
    CHECK(h, tr.seed == UINT64_MAX); /* past a double's 53 bits */
    CHECK_STR(h, tr.title, "mini");
    CHECK_STR(h, tr.title_ja, "小さな記録");
    CHECK_STR(h, trace_string(&tr, tr.zones[0].label_ja), "社内LAN");
    CHECK_INT(h, tr.nhosts, 2);
    CHECK_INT(h, tr.hosts[1].ip, 0xc0000202);
    CHECK_INT(h, tr.ntaps, 1);
    CHECK_INT(h, tr.nevents, 6); /* the hologram is left out */
    CHECK_INT(h, tr.nconns, 1);
    CHECK_INT(h, tr.conns[0].latency_us, 1500);
    CHECK_INT(h, tr.conns[0].client_port, 50000);
    CHECK_STR(h, trace_string(&tr, tr.conns[0].client_agent), "alice");
    const struct trace_event *e = trace_event_at(&tr, 1);
    CHECK_INT(h, e->bytes.len, 12);
    CHECK(h, memcmp(trace_bytes_ptr(&tr, e->bytes), "220 b \xf0\x9f\x98\x80\r\n", 12) == 0);
    CHECK_INT(h, e->from, TRACE_SERVER);
    e = trace_event_at(&tr, 2);
    CHECK_INT(h, e->kind, TRACE_SNIFF);
    CHECK_INT(h, e->bytes.len, 13);
    CHECK(h, memcmp(trace_bytes_ptr(&tr, e->bytes), "\0alice\0secret", 13) == 0);
    CHECK_STR(h, trace_sniff_finding(&tr, e), "password");
    e = trace_event_at(&tr, 3);
    CHECK_INT(h, e->bytes.len, 4);
    CHECK(h, memcmp(trace_bytes_ptr(&tr, e->bytes), "\xff\x00\x01\x02", 4) == 0);
    CHECK(h, (e->flags & TRACE_TLS) != 0); /* SSH's packets */
    e = trace_event_at(&tr, 4);
    CHECK_INT(h, trace_step_n(e), -3);
    CHECK_INT(h, e->conn, 0);
    e = trace_event_at(&tr, 5);
    CHECK(h, (e->flags & TRACE_REFUSED) != 0);
    CHECK_INT(h, e->from, TRACE_CLIENT);
    trace_free(&tr);
}

/* mini with its line `line` (from 1) replaced by text; cut: the file ends after `cut` more
 * bytes of it instead, without an end of line. */
static char *mini_with(int line, const char *text, long cut)
{
    size_t n = strlen(mini) + strlen(text) + 1;
    char *out = malloc(n);
    const char *p = mini;
    size_t o = 0;
    for (int k = 1; *p; k++) {
        const char *nl = strchr(p, '\n');
        size_t len = (size_t)(nl - p) + 1;
        if (k == line && cut >= 0) {
            memcpy(out + o, p, (size_t)cut);
            o += (size_t)cut;
            break;
        }
        if (k == line) {
            o += (size_t)snprintf(out + o, n - o, "%s\n", text);
        } else {
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
    }
    out[o] = 0;
    return out;
}

struct bad_case {
    int line;         /* mini's line replaced, 0: the text is the whole file */
    const char *text; /* its new text */
    long cut;         /* >= 0: instead, the file ends this far into that line */
    const char *want; /* the message starts with this */
    const char *also; /* and says this */
};

/* Lines of the cases below, spelling out only what a case changes. */
#define CONNECT(conn, host, ip, port)                                                              \
    "{\"t\":5,\"kind\":\"connect\",\"conn\":" conn                                                 \
    ",\"proto\":\"smtp\",\"client\":{\"host\":\"" host "\",\"agent\":\"alice\",\"ip\":\"" ip       \
    "\",\"port\":" port "},\"server\":{\"host\":"                                                  \
    "\"b.example\",\"agent\":\"\",\"ip\":\"192.0.2.2\",\"port\":25}}"
#define EVENT(t, kind, rest) "{\"t\":" t ",\"kind\":\"" kind "\"" rest "}"
#define DATA(t, conn, from, rest) EVENT(t, "data", ",\"conn\":" conn ",\"from\":\"" from "\"" rest)
#define TEXT ",\"text\":\"x\",\"tls\":false"
#define SNIFF(value) EVENT("10", "sniff", ",\"tap\":\"eve\",\"conn\":1,\"finding\":\"x\"," value)
#define WORLD(zones, hosts, rest)                                                                  \
    EVENT("0", "world", ",\"zones\":[" zones "],\"hosts\":" hosts rest)
#define NONE ",\"agents\":[],\"links\":[],\"taps\":[]"

static const struct bad_case bad_cases[] = {
    {0, "", -1, "bad.jsonl: empty", "mailsim run --format jsonl"},
    {0, "\n\n", -1, "bad.jsonl: empty", "expected a trace"},
    {4, NULL, 30, "bad.jsonl:4:", "cut short"},
    {1, EVENT("0", "data", ""), -1, "bad.jsonl:1:", "expected the world line"},
    {1, "[1,2]", -1, "bad.jsonl:1:1:", "expected a JSON object"},
    {2, "{\"t\":5,,}", -1, "bad.jsonl:2:", "not valid JSON"},
    {3, DATA("9", "\"1\"", "server", TEXT), -1,
     "bad.jsonl:3:29:", "data \"conn\": expected a connection number, got \"1\""},
    {3, DATA("9", "2", "server", TEXT), -1, "bad.jsonl:3:", "connection 2 was never opened"},
    {3, DATA("9", "1", "middle", TEXT), -1, "bad.jsonl:3:", "\"client\" or \"server\""},
    {3, DATA("9", "1", "server", ",\"tls\":false"), -1,
     "bad.jsonl:3:", "no \"text\" or \"text_b64\""},
    {3, DATA("9", "1", "server", ",\"text\":\"x\",\"tls\":1"), -1, "bad.jsonl:3:", "true or false"},
    {3, DATA("1.5", "1", "server", TEXT), -1,
     "bad.jsonl:3:6:", "\"t\": expected virtual microseconds"},
    {3, EVENT("-1", "close", ",\"conn\":1,\"from\":\"server\""), -1,
     "bad.jsonl:3:", "virtual microseconds"},
    {3, EVENT("9", "close", ",\"conn\":1,\"from\":\"server\",\"refused\":\"yes\""), -1,
     "bad.jsonl:3:", "true or false"},
    {3, EVENT("9", "step", ",\"n\":99999999999,\"mail\":\"m\",\"agent\":\"a\""), -1,
     "bad.jsonl:3:", "\"n\": expected a whole number"},
    {3, EVENT("9", "step", ",\"n\":1,\"mail\":7,\"agent\":\"a\""), -1,
     "bad.jsonl:3:", "\"mail\": expected a string"},
    {3, "{\"t\":9,\"kind\":5}", -1, "bad.jsonl:3:", "\"kind\": expected the event's kind"},
    {3, EVENT("9", "world", ""), -1, "bad.jsonl:3:", "a second world line"},
    {4, SNIFF("\"value_b64\":\"@@@=\""), -1, "bad.jsonl:4:", "\"value_b64\": expected base64"},
    {4, SNIFF("\"value_b64\":\"QUJD\\n\""), -1, "bad.jsonl:4:", "expected base64"},
    {2, CONNECT("1", "c.example", "192.0.2.1", "50000"), -1,
     "bad.jsonl:2:", "connect \"client\".host: \"c.example\" is not a host of the world line"},
    {2, CONNECT("1", "a.example", "192.0.2.300", "50000"), -1,
     "bad.jsonl:2:", "\"client\".ip: expected an IPv4 address"},
    {2, CONNECT("1", "a.example", "192.0.2.1", "70000"), -1,
     "bad.jsonl:2:", "\"client\".port: expected a port"},
    {2, CONNECT("2", "a.example", "192.0.2.1", "5"), -1,
     "bad.jsonl:2:", "connect \"conn\": expected 1"},
    {2, EVENT("5", "connect", ",\"conn\":1,\"proto\":\"smtp\""), -1,
     "bad.jsonl:2:", "connect \"client\": expected {"},
    {1, WORLD("", "[{\"i\":0,\"name\":\"a\",\"zone\":\"dmz\",\"ip\":\"192.0.2.1\"}]", NONE), -1,
     "bad.jsonl:1:", "world: hosts[0].zone: expected the name of a zone"},
    {1, WORLD("", "{}", NONE), -1, "bad.jsonl:1:", "world: expected \"hosts\":[...]"},
    {1,
     WORLD("{\"name\":\"z\"}", "[{\"i\":3,\"name\":\"a\",\"zone\":\"z\",\"ip\":\"192.0.2.1\"}]",
           NONE),
     -1, "bad.jsonl:1:", "world: hosts[0].i: expected 0"},
    {1, WORLD("", "[]", NONE ",\"seed\":\"one\""), -1,
     "bad.jsonl:1:", "\"seed\": expected the seed"},
    {1,
     WORLD("{\"name\":\"lan\"}",
           "[{\"name\":\"a.example\",\"zone\":\"lan\",\"ip\":\"192.0.2.1\"},{\"name\":"
           "\"b.example\",\"zone\":\"lan\",\"ip\":\"192.0.2.2\"}]",
           NONE ",\"conn_latency_us\":[1,2]"),
     -1, "bad.jsonl:1: world: conn_latency_us gives 2 connections", "cut short"},
    {1, WORLD("", "[]", ",\"agents\":[],\"links\":[],\"taps\":[{\"link\":0,\"name\":\"t\"}]"), -1,
     "bad.jsonl:1:", "taps[0].link: expected a link's number"},
};

static void test_bad(struct harness *h)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        char *text = c->line ? mini_with(c->line, c->text ? c->text : "", c->cut) : NULL;
        const char *in = text ? text : c->text;
        struct trace tr;
        char err[512] = "";
        int rc = read_text(in, strlen(in), "bad.jsonl", &tr, err, sizeof err);
        bool located = strncmp(err, c->want, strlen(c->want)) == 0 && strstr(err, c->also);
        if (!CHECK_INT(h, rc, -1) || !CHECK(h, located)) {
            fprintf(stderr, "    case %zu: got \"%s\"\n    want \"%s...%s...\"\n", i, err, c->want,
                    c->also);
        }
        if (rc == 0) {
            trace_free(&tr);
        }
        free(text);
    }
}

/* Every read of a damaged trace either succeeds or names the file: never a crash (run under the
 * sanitizers and valgrind, this is where a bad index would show). */
static void test_damaged(struct harness *h, const char *scenario)
{
    char err[1024];
    struct build_options opt = {0};
    struct trace *tr = catalog_build_trace(scenario, &opt, err, sizeof err);
    if (!CHECK(h, tr != NULL)) {
        return;
    }
    size_t n = 0;
    char *good = jsonl_of(tr, &n);
    char *bad = malloc(n + 1);
    uint64_t x = 0x9e3779b97f4a7c15u; /* a fixed xorshift: the same damage every run */
    int ok = 0, refused = 0, unnamed = 0;
    for (int round = 0; round < 400; round++) {
        memcpy(bad, good, n);
        size_t len = n;
        int edits = 1 + round % 6;
        for (int k = 0; k < edits; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t at = (size_t)(x % len);
            switch ((x >> 32) % 4) {
            case 0: /* a random byte */
                bad[at] = (char)(x >> 40);
                break;
            case 1: /* a JSON character where it may matter */
                bad[at] = "{}[]\":,\\0-e.\n"[(x >> 40) % 14];
                break;
            case 2: /* the file cut short */
                len = at + 1;
                break;
            default: /* a digit changed: connections, hosts and lengths move */
                bad[at] = (char)('0' + (x >> 40) % 10);
            }
        }
        struct trace back;
        if (read_text(bad, len, "damaged.jsonl", &back, err, sizeof err) == 0) {
            ok++;
            trace_free(&back);
        } else {
            refused++;
            unnamed += strncmp(err, "damaged.jsonl", 13) != 0;
        }
    }
    printf("%s damaged 400 times: %d read, %d refused with a message\n", scenario, ok, refused);
    CHECK(h, refused > 200);
    CHECK_INT(h, unnamed, 0);
    free(bad);
    free(good);
    trace_free(tr);
    free(tr);
}

int main(void)
{
    struct harness h = {"test_trace_read", 0, 0};
    /* The nine steps; TLS on every hop; an eavesdropper (AUTH PLAIN's NULs in a finding); SSH's
     * packets; end-to-end ciphertext; NAT; refused connections and bounces. */
    static const char *const scenarios[] = {
        "nine-steps", "starttls-all-hops", "sniff-plaintext",  "ssh-tunnel",       "pgp",
        "smime",      "pop-before-smtp",   "retry-and-bounce", "header-injection",
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        test_round_trip(&h, scenarios[i]);
    }
    test_mini(&h);
    test_bad(&h);
    test_damaged(&h, "nine-steps");
    return harness_finish(&h);
}
