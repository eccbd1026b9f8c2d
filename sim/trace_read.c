/* trace_read: JSON lines back into a trace. cJSON checks each line and reads the world header's
 * arrays and connect's endpoints; the top level of an event line is also indexed here by hand, for
 * what cJSON cannot give exactly: 64-bit times and seeds (it holds numbers as doubles), bytes
 * with U+0000 in them (its strings end at the first NUL), and the column of a bad value. */
#include "trace_read.h"

#include "base64.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* One member of the line's top-level object: where its key and its value stand in the line. */
struct trace_read_member {
    size_t key, key_len; /* the key's characters, without the quotes */
    size_t value, value_end;
};

struct trace_read {
    struct trace *tr;
    const char *name;
    char *err;
    size_t errlen;
    size_t lineno;
    const char *line; /* the current line, NUL-terminated, without its end of line */
    size_t len;
    const char *kind; /* the current line's kind, for messages */
    struct trace_read_member *members;
    size_t nmembers, cap_members;
    uint8_t *bytes; /* a B field's decoded bytes */
    size_t cap_bytes;
    /* The world header's conn_latency_us, when it has one: connection i + 1's one-way latency. */
    uint32_t *latency;
    size_t nlatency;
    bool has_latency;
};

/* What one event line holds, gathered before anything is added to the trace. */
struct trace_read_event {
    struct trace_event e;
    const uint8_t *bytes;
    size_t nbytes;
    bool has_bytes;
    bool has_endpoints; /* connect's: c and the NAT below */
    struct trace_conn c;
    bool has_nat;
    uint32_t nat_host, nat_ip;
};

static int trace_read_fail(struct trace_read *rd, size_t col, const char *fmt, ...)
{
    int n;
    if (rd->lineno == 0) {
        n = snprintf(rd->err, rd->errlen, "%s: ", rd->name);
    } else if (col == 0) {
        n = snprintf(rd->err, rd->errlen, "%s:%zu: ", rd->name, rd->lineno);
    } else {
        n = snprintf(rd->err, rd->errlen, "%s:%zu:%zu: ", rd->name, rd->lineno, col);
    }
    if (n >= 0 && (size_t)n < rd->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap); /* a long message is cut */
        va_end(ap);
    }
    /* A message quotes the input, which may hold line ends and other controls: the message
     * stays one line, and a terminal shows it as it is. */
    for (char *p = rd->err; rd->errlen && *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
    return -1;
}

static void *trace_read_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return p;
    }
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        ncap *= 2;
    }
    void *q = realloc(p, ncap * elem);
    if (!q) {
        return NULL;
    }
    *cap = ncap;
    return q;
}

/* ---- the top level of a line, indexed by hand (the line is valid JSON by then) ---- */

static size_t trace_read_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
        i++;
    }
    return i;
}

/* i at a string's opening quote: the index just past its closing one. */
static size_t trace_read_skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++) {
        i += s[i] == '\\';
    }
    return i < n ? i + 1 : n;
}

/* i at a value: the index just past it. */
static size_t trace_read_skip_value(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '"') {
        return trace_read_skip_string(s, n, i);
    }
    int depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = trace_read_skip_string(s, n, i);
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                break;
            }
            depth--;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\r')) {
            break;
        }
        i++;
        if (depth == 0 && (c == '}' || c == ']')) {
            break;
        }
    }
    return i;
}

static int trace_read_index(struct trace_read *rd)
{
    const char *s = rd->line;
    size_t n = rd->len;
    rd->nmembers = 0;
    size_t i = trace_read_ws(s, n, 0);
    if (i >= n || s[i] != '{') {
        return trace_read_fail(rd, i + 1, "expected a JSON object ({...})");
    }
    i = trace_read_ws(s, n, i + 1);
    while (i < n && s[i] == '"') {
        struct trace_read_member m;
        m.key = i + 1;
        i = trace_read_skip_string(s, n, i);
        m.key_len = i - 1 - m.key;
        i = trace_read_ws(s, n, i);
        i = trace_read_ws(s, n, i + 1); /* the ':' */
        m.value = i;
        m.value_end = trace_read_skip_value(s, n, i);
        rd->members =
            trace_read_grow(rd->members, &rd->cap_members, rd->nmembers + 1, sizeof *rd->members);
        if (!rd->members) {
            return trace_read_fail(rd, 0, "out of memory");
        }
        rd->members[rd->nmembers++] = m;
        i = trace_read_ws(s, n, m.value_end);
        i = trace_read_ws(s, n, i < n && s[i] == ',' ? i + 1 : i);
    }
    return 0;
}

/* The first member named key, or NULL. */
static const struct trace_read_member *trace_read_member(const struct trace_read *rd,
                                                         const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i < rd->nmembers; i++) {
        const struct trace_read_member *m = &rd->members[i];
        if (m->key_len == k && memcmp(rd->line + m->key, key, k) == 0) {
            return m;
        }
    }
    return NULL;
}

/* What a bad value was, for a message: its first characters. */
static int trace_read_bad(struct trace_read *rd, const struct trace_read_member *m, const char *key,
                          const char *expected)
{
    if (!m) {
        return trace_read_fail(rd, 0, "%s: no \"%s\" (expected %s)", rd->kind, key, expected);
    }
    int shown = (int)(m->value_end - m->value < 40 ? m->value_end - m->value : 40);
    return trace_read_fail(rd, m->value + 1, "%s \"%s\": expected %s, got %.*s%s", rd->kind, key,
                           expected, shown, rd->line + m->value,
                           (size_t)shown < m->value_end - m->value ? "..." : "");
}

/* An integer member: digits only (no fraction, no exponent), from lo to hi. */
static int trace_read_integer(struct trace_read *rd, const char *key, bool optional, int64_t lo,
                              uint64_t hi, const char *expected, uint64_t *out, bool *negative)
{
    const struct trace_read_member *m = trace_read_member(rd, key);
    if (!m) {
        return optional ? 1 : trace_read_bad(rd, m, key, expected);
    }
    const char *p = rd->line + m->value;
    size_t n = m->value_end - m->value;
    bool neg = n > 0 && p[0] == '-';
    uint64_t v = 0;
    bool ok = n > (size_t)neg && n - (size_t)neg <= 20;
    for (size_t i = neg; ok && i < n; i++) {
        ok = p[i] >= '0' && p[i] <= '9' && v <= (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10;
        v = ok ? v * 10 + (uint64_t)(p[i] - '0') : v;
    }
    ok = ok && (neg ? lo < 0 && v <= (uint64_t)(-(lo + 1)) + 1 : v <= hi);
    if (!ok) {
        return trace_read_bad(rd, m, key, expected);
    }
    *out = v;
    *negative = neg;
    return 0;
}

static int trace_read_u64(struct trace_read *rd, const char *key, bool optional, uint64_t hi,
                          const char *expected, uint64_t *out)
{
    bool neg = false;
    return trace_read_integer(rd, key, optional, 0, hi, expected, out, &neg);
}

/* The four hex digits at s, which the line's validity guarantees. */
static uint32_t trace_read_hex4(const char *s)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Appends code point cp to o as UTF-8 (RFC 3629 §3); returns the end. */
static uint8_t *trace_read_utf8(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xc0 | cp >> 6);
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xe0 | cp >> 12);
        *o++ = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (uint8_t)(0xf0 | cp >> 18);
        *o++ = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    }
    return o;
}

/* JSON's string escapes (RFC 8259 §7) decoded from the string at m into rd->bytes, keeping
 * U+0000. cJSON has passed the line, so every escape is whole and a surrogate has its pair. */
static int trace_read_unescape(struct trace_read *rd, const struct trace_read_member *m,
                               size_t *len)
{
    const char *s = rd->line + m->value + 1;
    size_t n = m->value_end - m->value - 2;
    rd->bytes = trace_read_grow(rd->bytes, &rd->cap_bytes, n + 1, 1);
    if (!rd->bytes) {
        return trace_read_fail(rd, 0, "out of memory");
    }
    uint8_t *o = rd->bytes;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            *o++ = (uint8_t)s[i];
            continue;
        }
        switch (s[++i]) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            if (i + 4 >= n) {
                return trace_read_fail(rd, m->value + 2 + i, "a \\u escape cut short");
            }
            uint32_t cp = trace_read_hex4(s + i + 1);
            i += 4;
            /* RFC 8259 §7: a character outside the BMP is "a 12-character sequence, encoding
             * the UTF-16 surrogate pair". */
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && s[i + 1] == '\\') {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (trace_read_hex4(s + i + 3) - 0xdc00);
                i += 6;
            }
            o = trace_read_utf8(o, cp);
            break;
        }
        default: /* '"', '\\' and '/' stand for themselves */
            *o++ = (uint8_t)s[i];
        }
    }
    *len = (size_t)(o - rd->bytes);
    return 0;
}

/* ---- cJSON values (the world header, connect's endpoints), named by their JSON path ---- */

static const char *trace_read_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A whole number from 0 to hi; -1 when v is none. */
static int trace_read_number(const cJSON *v, double hi, uint32_t *out)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= hi) ||
        v->valuedouble != (double)(uint32_t)v->valuedouble) {
        return -1;
    }
    *out = (uint32_t)v->valuedouble;
    return 0;
}

/* Dotted-quad IPv4 ("192.0.2.10") into host byte order. */
static int trace_read_ipv4(const char *s, uint32_t *out)
{
    uint32_t ip = 0;
    for (int k = 0; k < 4; k++) {
        unsigned octet = 0;
        int digits = 0;
        for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++) {
            octet = octet * 10 + (unsigned)(*s - '0');
        }
        if (digits == 0 || digits > 3 || octet > 255 || *s != (k < 3 ? '.' : 0)) {
            return -1;
        }
        s += k < 3;
        ip = ip << 8 | octet;
    }
    *out = ip;
    return 0;
}

/* The host whose name is name, or -1. */
static long trace_read_host(const struct trace *tr, const char *name)
{
    trace_str id = name ? trace_lookup(tr, name) : 0;
    for (size_t i = 0; id && i < tr->nhosts; i++) {
        if (tr->hosts[i].name == id) {
            return (long)i;
        }
    }
    return -1;
}

static int trace_read_host_of(struct trace_read *rd, const cJSON *o, const char *path,
                              uint32_t *out)
{
    const char *name = trace_read_string(o, "host");
    long h = trace_read_host(rd->tr, name);
    if (h < 0) {
        return name ? trace_read_fail(rd, 0, "%s.host: \"%s\" is not a host of the world line",
                                      path, name)
                    : trace_read_fail(rd, 0, "%s.host: expected a host's name", path);
    }
    *out = (uint32_t)h;
    return 0;
}

static int trace_read_ip_of(struct trace_read *rd, const cJSON *o, const char *path, uint32_t *out)
{
    const char *ip = trace_read_string(o, "ip");
    if (!ip || trace_read_ipv4(ip, out) != 0) {
        return trace_read_fail(rd, 0, "%s.ip: expected an IPv4 address (\"192.0.2.10\")", path);
    }
    return 0;
}

/* A {"ja":...,"en":...} pair; both NULL when o has no key. */
static int trace_read_texts(struct trace_read *rd, const cJSON *o, const char *key,
                            const char *path, const char **ja, const char **en)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, key);
    *ja = *en = NULL;
    if (!t) {
        return 0;
    }
    *ja = trace_read_string(t, "ja");
    *en = trace_read_string(t, "en");
    if (!cJSON_IsObject(t) || !*ja || !*en) {
        return trace_read_fail(rd, 0, "%s.%s: expected {\"ja\":\"...\",\"en\":\"...\"}", path, key);
    }
    return 0;
}

/* ---- the world header ---- */

/* An element's "i", when it has one, must be its place: the writer numbers hosts and links. */
static int trace_read_place(struct trace_read *rd, const cJSON *o, const char *path, size_t i)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "i");
    uint32_t k;
    if (v && (trace_read_number(v, UINT32_MAX, &k) != 0 || k != i)) {
        return trace_read_fail(rd, 0, "%s.i: expected %zu", path, i);
    }
    return 0;
}

/* One element of an array of the world line, o, at path ("world: hosts[3]"), its i-th. */
typedef int (*trace_read_element)(struct trace_read *rd, const cJSON *o, const char *path,
                                  size_t i);

static int trace_read_zone(struct trace_read *rd, const cJSON *o, const char *path, size_t i)
{
    (void)i;
    const char *name = trace_read_string(o, "name"), *ja, *en;
    if (!name) {
        return trace_read_fail(rd, 0, "%s.name: expected a string", path);
    }
    if (trace_read_texts(rd, o, "label", path, &ja, &en) != 0) {
        return -1;
    }
    uint32_t z = trace_add_zone(rd->tr, name);
    if (ja) {
        trace_set_zone_label(rd->tr, z, ja, en);
    }
    return 0;
}

static int trace_read_host_entry(struct trace_read *rd, const cJSON *o, const char *path, size_t i)
{
    struct trace *tr = rd->tr;
    const char *name = trace_read_string(o, "name"), *zone = trace_read_string(o, "zone");
    trace_str zid = zone ? trace_lookup(tr, zone) : 0;
    size_t z = 0;
    while (zid && z < tr->nzones && tr->zones[z].name != zid) {
        z++;
    }
    uint32_t ip;
    if (trace_read_place(rd, o, path, i) != 0 || trace_read_ip_of(rd, o, path, &ip) != 0) {
        return -1;
    }
    if (!name) {
        return trace_read_fail(rd, 0, "%s.name: expected a string", path);
    }
    if (!zid || z == tr->nzones) {
        return trace_read_fail(rd, 0, "%s.zone: expected the name of a zone of \"zones\"", path);
    }
    trace_add_host(tr, name, (uint32_t)z, ip);
    return 0;
}

static int trace_read_agent(struct trace_read *rd, const cJSON *o, const char *path, size_t i)
{
    (void)i;
    const char *id = trace_read_string(o, "id"), *role = trace_read_string(o, "role");
    const char *program = trace_read_string(o, "program");
    uint32_t host;
    if (trace_read_host_of(rd, o, path, &host) != 0) {
        return -1;
    }
    if (!id || !role || !program) {
        return trace_read_fail(rd, 0, "%s: expected strings \"id\", \"role\", \"program\"", path);
    }
    trace_add_agent(rd->tr, id, role, program, host);
    return 0;
}

static int trace_read_link(struct trace_read *rd, const cJSON *o, const char *path, size_t i)
{
    long ha = trace_read_host(rd->tr, trace_read_string(o, "a"));
    long hb = trace_read_host(rd->tr, trace_read_string(o, "b"));
    uint32_t latency;
    if (trace_read_place(rd, o, path, i) != 0) {
        return -1;
    }
    if (ha < 0 || hb < 0) {
        return trace_read_fail(rd, 0, "%s.%s: expected the name of a host of \"hosts\"", path,
                               ha < 0 ? "a" : "b");
    }
    if (trace_read_number(cJSON_GetObjectItemCaseSensitive(o, "latency_us"), UINT32_MAX,
                          &latency) != 0) {
        return trace_read_fail(rd, 0, "%s.latency_us: expected microseconds", path);
    }
    trace_add_link(rd->tr, (uint32_t)ha, (uint32_t)hb, latency);
    return 0;
}

static int trace_read_tap(struct trace_read *rd, const cJSON *o, const char *path, size_t i)
{
    (void)i;
    const char *name = trace_read_string(o, "name");
    uint32_t link;
    if (!name) {
        return trace_read_fail(rd, 0, "%s.name: expected a string", path);
    }
    if (trace_read_number(cJSON_GetObjectItemCaseSensitive(o, "link"), (double)rd->tr->nlinks - 1,
                          &link) != 0) {
        return trace_read_fail(rd, 0, "%s.link: expected a link's number, 0 to %zu", path,
                               rd->tr->nlinks ? rd->tr->nlinks - 1 : 0);
    }
    trace_add_tap(rd->tr, name, link);
    return 0;
}

/* Each element of the world line's array key, an object, read by one. */
static int trace_read_each(struct trace_read *rd, const cJSON *w, const char *key,
                           trace_read_element one)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(w, key), *o;
    if (!cJSON_IsArray(a)) {
        return trace_read_fail(rd, 0, "world: expected \"%s\":[...]", key);
    }
    size_t i = 0;
    cJSON_ArrayForEach(o, a)
    {
        char path[64];
        snprintf(path, sizeof path, "world: %s[%zu]", key, i);
        if (!cJSON_IsObject(o)) {
            return trace_read_fail(rd, 0, "%s: expected an object", path);
        }
        if (one(rd, o, path, i++) != 0) {
            return -1;
        }
    }
    return 0;
}

/* conn_latency_us: absent from traces written before it was added; their connections then
 * arrive at once. */
static int trace_read_latencies(struct trace_read *rd, const cJSON *w)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(w, "conn_latency_us"), *v;
    if (!a) {
        return 0;
    }
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    rd->latency = n > 0 ? malloc((size_t)n * sizeof *rd->latency) : NULL;
    if (n < 0 || (n > 0 && !rd->latency)) {
        return trace_read_fail(
            rd, 0, n < 0 ? "world: expected \"conn_latency_us\":[...]" : "out of memory");
    }
    rd->has_latency = true;
    cJSON_ArrayForEach(v, a)
    {
        if (trace_read_number(v, UINT32_MAX, &rd->latency[rd->nlatency]) != 0) {
            return trace_read_fail(rd, 0, "world: conn_latency_us[%zu]: expected microseconds",
                                   rd->nlatency);
        }
        rd->nlatency++;
    }
    return 0;
}

static int trace_read_world(struct trace_read *rd, const cJSON *w)
{
    const char *kind = trace_read_string(w, "kind");
    if (!kind || strcmp(kind, "world") != 0) {
        return trace_read_fail(rd, 0,
                               "expected the world line first ({\"t\":0,\"kind\":"
                               "\"world\",...}), the header of `mailsim run --format "
                               "jsonl`");
    }
    uint64_t seed = 0;
    if (trace_read_u64(rd, "seed", true, UINT64_MAX, "the seed, a whole number", &seed) < 0) {
        return -1;
    }
    rd->tr->seed = seed;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(w, "scenario");
    const char *ja, *en;
    if (id && !cJSON_IsString(id)) {
        return trace_read_fail(rd, 0, "world: \"scenario\": expected the scenario's id");
    }
    if (trace_read_texts(rd, w, "title", "world", &ja, &en) != 0) {
        return -1;
    }
    if (id || ja) {
        trace_set_title(rd->tr, id ? id->valuestring : NULL, ja, en);
    }
    /* In the order they refer to each other: hosts name zones, agents and links name hosts,
     * taps name links. */
    if (trace_read_each(rd, w, "zones", trace_read_zone) != 0 ||
        trace_read_each(rd, w, "hosts", trace_read_host_entry) != 0 ||
        trace_read_each(rd, w, "agents", trace_read_agent) != 0 ||
        trace_read_each(rd, w, "links", trace_read_link) != 0 ||
        trace_read_each(rd, w, "taps", trace_read_tap) != 0) {
        return -1;
    }
    return trace_read_latencies(rd, w);
}

/* ---- events: the fields of the kind's row, then what the kind writes itself ---- */

/* connect's endpoint at key: {"host", "agent", "ip", "port"}. */
static int trace_read_endpoint(struct trace_read *rd, const cJSON *root, const char *key,
                               uint32_t *host, trace_str *agent, uint32_t *ip, uint16_t *port)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, key);
    char path[64];
    snprintf(path, sizeof path, "%s \"%s\"", rd->kind, key);
    if (!cJSON_IsObject(o)) {
        return trace_read_fail(rd, 0, "%s: expected {\"host\",\"agent\",\"ip\",\"port\"}", path);
    }
    const char *a = trace_read_string(o, "agent");
    uint32_t p;
    if (trace_read_host_of(rd, o, path, host) != 0 || trace_read_ip_of(rd, o, path, ip) != 0) {
        return -1;
    }
    if (!a) {
        return trace_read_fail(rd, 0, "%s.agent: expected an agent's id (\"\" for none)", path);
    }
    if (trace_read_number(cJSON_GetObjectItemCaseSensitive(o, "port"), 65535, &p) != 0) {
        return trace_read_fail(rd, 0, "%s.port: expected a port, 0 to 65535", path);
    }
    *agent = trace_intern(rd->tr, a);
    *port = (uint16_t)p;
    return 0;
}

static int trace_read_bool(struct trace_read *rd, const cJSON *root, const char *key, bool optional,
                           bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v && optional) {
        *out = false;
        return 0;
    }
    if (!cJSON_IsBool(v)) {
        return trace_read_bad(rd, trace_read_member(rd, key), key, "true or false");
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* A beat's words: "what", "title" {ja, en} and "text" {ja, en}, into s[2] as trace_beat_words
 * joins them. */
static int trace_read_words(struct trace_read *rd, const cJSON *root, struct trace_read_event *ev)
{
    static const char *const where[TRACE_BEAT_PARTS][2] = {
        {NULL, "what"}, {"title", "ja"}, {"title", "en"}, {"text", "ja"}, {"text", "en"}};
    const char *parts[TRACE_BEAT_PARTS];
    for (int p = 0; p < TRACE_BEAT_PARTS; p++) {
        const cJSON *o = where[p][0] ? cJSON_GetObjectItemCaseSensitive(root, where[p][0]) : root;
        const char *v = cJSON_IsObject(o) ? trace_read_string(o, where[p][1]) : NULL;
        if (!v || strchr(v, TRACE_BEAT_SEP)) {
            const char *key = where[p][0] ? where[p][0] : where[p][1];
            return trace_read_bad(rd, trace_read_member(rd, key), key,
                                  where[p][0] ? "an object of strings \"ja\" and \"en\" (no U+001F)"
                                              : "a string (no U+001F)");
        }
        parts[p] = v;
    }
    ev->e.s[2] = trace_beat_words(rd->tr, parts);
    return 0;
}

/* What export_jsonl's jsonl_own writes: connect's endpoints, data's tls/ssh, close's refused,
 * beat's words. A key of a newer kind's own is left alone. */
static int trace_read_own(struct trace_read *rd, const cJSON *root, const char *key,
                          struct trace_read_event *ev)
{
    bool yes = false, ssh = false;
    if (strcmp(key, "endpoints") == 0) {
        struct trace_conn *c = &ev->c;
        const char *proto = trace_read_string(root, "proto");
        if (!proto) {
            return trace_read_bad(rd, trace_read_member(rd, "proto"), "proto",
                                  "a protocol's name (\"smtp\", \"pop3\", ...)");
        }
        c->proto = trace_intern(rd->tr, proto);
        if (trace_read_endpoint(rd, root, "client", &c->client_host, &c->client_agent,
                                &c->client_ip, &c->client_port) != 0 ||
            trace_read_endpoint(rd, root, "server", &c->server_host, &c->server_agent,
                                &c->server_ip, &c->server_port) != 0) {
            return -1;
        }
        const cJSON *nat = cJSON_GetObjectItemCaseSensitive(root, "nat");
        ev->has_endpoints = true;
        ev->has_nat = nat != NULL;
        if (nat && (trace_read_host_of(rd, nat, "connect \"nat\"", &ev->nat_host) != 0 ||
                    trace_read_ip_of(rd, nat, "connect \"nat\"", &ev->nat_ip) != 0)) {
            return -1;
        }
    } else if (strcmp(key, "tls") == 0) {
        /* SSH's packets are written "tls":false,"ssh":true; both are the one flag. */
        if (trace_read_bool(rd, root, "tls", false, &yes) != 0 ||
            trace_read_bool(rd, root, "ssh", true, &ssh) != 0) {
            return -1;
        }
        ev->e.flags |= yes || ssh ? TRACE_TLS : 0;
    } else if (strcmp(key, "refused") == 0) {
        if (trace_read_bool(rd, root, "refused", true, &yes) != 0) {
            return -1;
        }
        ev->e.flags |= yes ? TRACE_REFUSED : 0;
    } else if (strcmp(key, "words") == 0) {
        return trace_read_words(rd, root, ev);
    }
    return 0;
}

/* A B field: "key":"text" (exact bytes, U+0000 too) or "key_b64":"base64". */
static int trace_read_field_bytes(struct trace_read *rd, const cJSON *root, const char *key,
                                  struct trace_read_event *ev)
{
    const struct trace_read_member *m = trace_read_member(rd, key);
    char b64key[64];
    snprintf(b64key, sizeof b64key, "%s_b64", key);
    ev->has_bytes = true;
    if (m && rd->line[m->value] == '"') {
        ev->bytes = NULL;
        if (trace_read_unescape(rd, m, &ev->nbytes) != 0) {
            return -1;
        }
        ev->bytes = rd->bytes;
        return 0;
    }
    const char *b64 = trace_read_string(root, b64key);
    if (m || !b64) {
        return m ? trace_read_bad(rd, m, key, "a string")
                 : trace_read_fail(rd, 0, "%s: no \"%s\" or \"%s\" (expected its bytes)", rd->kind,
                                   key, b64key);
    }
    size_t n = strlen(b64);
    rd->bytes = trace_read_grow(rd->bytes, &rd->cap_bytes, BASE64_DECODED_MAX(n) + 1, 1);
    if (!rd->bytes) {
        return trace_read_fail(rd, 0, "out of memory");
    }
    long got = base64_decode(b64, n, rd->bytes, rd->cap_bytes);
    if (got < 0) {
        return trace_read_bad(rd, trace_read_member(rd, b64key), b64key,
                              "base64 (RFC 4648, padded, no line breaks)");
    }
    ev->bytes = rd->bytes;
    ev->nbytes = (size_t)got;
    return 0;
}

static int trace_read_field(struct trace_read *rd, const cJSON *root, const struct trace_field *f,
                            struct trace_read_event *ev)
{
    struct trace_event *e = &ev->e;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, f->key);
    uint64_t x = 0;
    bool neg = false;
    int rc;
    switch (f->type) {
    case TRACE_FIELD_S:
    case TRACE_FIELD_SO:
        if (!v && f->type == TRACE_FIELD_SO) {
            return 0;
        }
        if (!cJSON_IsString(v)) {
            return trace_read_bad(rd, trace_read_member(rd, f->key), f->key, "a string");
        }
        e->s[f->slot] = trace_intern(rd->tr, v->valuestring);
        return 0;
    case TRACE_FIELD_N:
        rc =
            trace_read_integer(rd, f->key, false, INT32_MIN, INT32_MAX, "a whole number", &x, &neg);
        e->num = neg ? (int32_t)(-(int64_t)x) : (int32_t)x;
        return rc;
    case TRACE_FIELD_A:
        rc = trace_read_u64(rd, f->key, false, UINT32_MAX, "a whole number, 0 or more", &x);
        e->aux = (uint32_t)x;
        return rc;
    case TRACE_FIELD_C:
    case TRACE_FIELD_CO:
        /* Whether the connection exists is checked when the event is added. */
        rc = trace_read_u64(rd, f->key, f->type == TRACE_FIELD_CO, UINT32_MAX,
                            "a connection number", &x);
        e->conn = rc == 0 ? (uint32_t)x : 0;
        return rc < 0 ? -1 : 0;
    case TRACE_FIELD_F: {
        const char *side = cJSON_IsString(v) ? v->valuestring : "";
        if (strcmp(side, "client") != 0 && strcmp(side, "server") != 0) {
            return trace_read_bad(rd, trace_read_member(rd, f->key), f->key,
                                  "\"client\" or \"server\"");
        }
        e->from = side[0] == 'c' ? TRACE_CLIENT : TRACE_SERVER;
        return 0;
    }
    case TRACE_FIELD_B:
        return trace_read_field_bytes(rd, root, f->key, ev);
    case TRACE_FIELD_OK: {
        bool ok;
        rc = trace_read_bool(rd, root, f->key, false, &ok);
        e->flags |= ok ? TRACE_OK : 0;
        return rc;
    }
    case TRACE_FIELD_X:
        return trace_read_own(rd, root, f->key, ev);
    default:
        /* A field type newer than this reader: trace_kinds.h names a visitor for it here. */
        return trace_read_fail(rd, 0, "%s \"%s\": this mailsim cannot read its type (%d)", rd->kind,
                               f->key, (int)f->type);
    }
}

/* Adds what one line held: a connection through trace_connect() (which numbers it), any other
 * event through trace_append(), which copies its bytes and counts them as the run did. */
static int trace_read_add(struct trace_read *rd, const struct trace_read_event *ev)
{
    struct trace *tr = rd->tr;
    const struct trace_event *e = &ev->e;
    if (ev->has_endpoints) {
        if (e->conn != tr->nconns + 1) {
            return trace_read_fail(rd, 0,
                                   "connect \"conn\": expected %zu (connections are "
                                   "numbered as they open), got %" PRIu32,
                                   tr->nconns + 1, e->conn);
        }
        if (rd->has_latency && e->conn > rd->nlatency) {
            return trace_read_fail(rd, 0,
                                   "connect \"conn\": %" PRIu32 " is past the %zu of the "
                                   "world line's conn_latency_us",
                                   e->conn, rd->nlatency);
        }
        struct trace_conn c = ev->c;
        c.latency_us = rd->has_latency ? rd->latency[e->conn - 1] : 0;
        uint32_t id = trace_connect(tr, e->t, &c);
        if (ev->has_nat) {
            trace_set_nat(tr, id, ev->nat_host, ev->nat_ip);
        }
        return 0;
    }
    if (e->conn > tr->nconns) {
        return trace_read_fail(rd, 0,
                               "%s \"conn\": connection %" PRIu32 " was never opened "
                               "(expected 0 to %zu)",
                               rd->kind, e->conn, tr->nconns);
    }
    struct trace_event *out =
        trace_append(tr, e->t, (enum trace_kind)e->kind, ev->bytes, ev->has_bytes ? ev->nbytes : 0);
    struct trace_bytes b = out->bytes;
    uint8_t flags = out->flags; /* what trace_append knows of the kind (plain is TLS) */
    *out = *e;
    out->bytes = b;
    out->flags |= flags;
    return 0;
}

static int trace_read_event(struct trace_read *rd, const cJSON *root)
{
    uint64_t t;
    const char *kind = trace_read_string(root, "kind");
    if (!kind) {
        rd->kind = "event";
        return trace_read_bad(rd, trace_read_member(rd, "kind"), "kind", "the event's kind");
    }
    int k = trace_kind_by_name(kind);
    if (strcmp(kind, "world") == 0) {
        return trace_read_fail(rd, 0, "a second world line (one trace a file)");
    }
    if (k < 0) {
        return 0; /* a kind newer than this mailsim: the rest of the run still plays */
    }
    const struct trace_kind_schema *s = trace_kind_schema((enum trace_kind)k);
    rd->kind = s->name;
    if (trace_read_u64(rd, "t", false, UINT64_MAX, "virtual microseconds", &t) != 0) {
        return -1;
    }
    struct trace_read_event ev;
    memset(&ev, 0, sizeof ev);
    ev.e.t = t;
    ev.e.kind = (uint16_t)k;
    for (size_t i = 0; i < s->nfields; i++) {
        if (trace_read_field(rd, root, &s->fields[i], &ev) != 0) {
            return -1;
        }
    }
    return trace_read_add(rd, &ev);
}

/* One line: JSON, indexed, then the world header (the first line) or an event. */
static int trace_read_line(struct trace_read *rd, bool first, bool complete)
{
    const char *end = NULL;
    /* The length counts the NUL after the line: cJSON's check that nothing follows the value
     * looks for it, so a NUL inside the line is garbage after the value. */
    cJSON *root = cJSON_ParseWithLengthOpts(rd->line, rd->len + 1, &end, true);
    if (!root) {
        size_t col = end && end >= rd->line ? (size_t)(end - rd->line) + 1 : 0;
        return trace_read_fail(rd, col,
                               complete ? "not valid JSON"
                                        : "not valid JSON, and the file ends in the "
                                          "middle of the line (cut short?)");
    }
    rd->kind = first ? "world" : "event";
    int rc = cJSON_IsObject(root) ? trace_read_index(rd)
                                  : trace_read_fail(rd, 1, "expected a JSON object ({...})");
    if (rc == 0) {
        rc = first ? trace_read_world(rd, root) : trace_read_event(rd, root);
    }
    cJSON_Delete(root);
    return rc;
}

static void trace_read_release(struct trace_read *rd)
{
    free(rd->members);
    free(rd->bytes);
    free(rd->latency);
}

static bool trace_read_blank(const char *s, size_t n)
{
    return trace_read_ws(s, n, 0) == n;
}

int trace_read_jsonl(FILE *in, const char *name, struct trace *tr, char *err, size_t errlen)
{
    struct trace_read rd;
    memset(&rd, 0, sizeof rd);
    rd.tr = tr;
    rd.name = name;
    rd.err = err;
    rd.errlen = errlen;
    if (trace_init(tr) != 0) {
        return trace_read_fail(&rd, 0, "out of memory");
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    bool seen_world = false;
    size_t world_line = 0;
    errno = 0;
    while (rc == 0 && (got = getline(&buf, &cap, in)) >= 0) {
        rd.lineno++;
        size_t n = (size_t)got;
        bool complete = n > 0 && buf[n - 1] == '\n';
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
            buf[--n] = 0; /* a file that went through Windows ends its lines in CRLF */
        }
        if (trace_read_blank(buf, n)) {
            continue;
        }
        rd.line = buf;
        rd.len = n;
        rc = trace_read_line(&rd, !seen_world, complete);
        world_line = seen_world ? world_line : rd.lineno;
        seen_world = true;
    }
    if (rc == 0 && ferror(in)) {
        rc = trace_read_fail(&rd, 0, "cannot read: %s", strerror(errno ? errno : EIO));
    } else if (rc == 0 && !seen_world) {
        rd.lineno = 0;
        rc = trace_read_fail(&rd, 0,
                             "empty: expected a trace of JSON lines, as `mailsim run "
                             "--format jsonl` writes");
    } else if (rc == 0 && rd.has_latency && rd.nlatency != tr->nconns) {
        rd.lineno = world_line;
        rc = trace_read_fail(&rd, 0,
                             "world: conn_latency_us gives %zu connections, the events "
                             "open %zu: the file was cut short",
                             rd.nlatency, tr->nconns);
    }
    free(buf);
    trace_read_release(&rd);
    if (rc != 0) {
        trace_free(tr); /* nothing half read is left */
    }
    return rc;
}

int trace_read_path(const char *path, struct trace *tr, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int rc = trace_read_jsonl(f, is_stdin ? "(standard input)" : path, tr, err, errlen);
    if (!is_stdin) {
        fclose(f);
    }
    return rc;
}
