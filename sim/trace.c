/* trace: append-only events, world header, and the arena that holds their bytes. */
#include "trace.h"

#include "pages.h"
#include "strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arena chunks and event blocks come from pages_alloc(), in whole huge pages. */
#define TRACE_CHUNK_SIZE PAGES_UNIT
_Static_assert(TRACE_BLOCK_EVENTS * sizeof(struct trace_event) % PAGES_UNIT == 0,
               "an event block fills whole huge pages");

struct trace_arena_chunk {
    size_t cap;
    size_t used;
    uint8_t data[];
};

/* The schema tables, one array of fields per kind, generated from trace_kinds.h. */
#define TRACE_FD_S(k, key, slot) {TRACE_FIELD_S, slot, #key},
#define TRACE_FD_SO(k, key, slot) {TRACE_FIELD_SO, slot, #key},
#define TRACE_FD_N(k, key) {TRACE_FIELD_N, 0, #key},
#define TRACE_FD_A(k, key) {TRACE_FIELD_A, 0, #key},
#define TRACE_FD_C(k, key) {TRACE_FIELD_C, 0, #key},
#define TRACE_FD_CO(k, key) {TRACE_FIELD_CO, 0, #key},
#define TRACE_FD_F(k, key) {TRACE_FIELD_F, 0, #key},
#define TRACE_FD_B(k, key) {TRACE_FIELD_B, 0, #key},
#define TRACE_FD_OK(k, key) {TRACE_FIELD_OK, 0, #key},
#define TRACE_FD_X(k, key) {TRACE_FIELD_X, 0, #key},
#define TRACE_FD_ROW(E, name, fields)                                                              \
    static const struct trace_field trace_fields_##name[] = {                                      \
        fields(name, TRACE_FD_S, TRACE_FD_SO, TRACE_FD_N, TRACE_FD_A, TRACE_FD_C, TRACE_FD_CO,     \
               TRACE_FD_F, TRACE_FD_B, TRACE_FD_OK, TRACE_FD_X)};
TRACE_KINDS(TRACE_FD_ROW)
#undef TRACE_FD_ROW

#define TRACE_SCHEMA_ROW(E, name, fields)                                                          \
    [E] = {#name, trace_fields_##name, sizeof trace_fields_##name / sizeof trace_fields_##name[0]},
static const struct trace_kind_schema trace_schemas[TRACE_KIND_COUNT] = {
    TRACE_KINDS(TRACE_SCHEMA_ROW)};
#undef TRACE_SCHEMA_ROW

const struct trace_kind_schema *trace_kind_schema(enum trace_kind k)
{
    return (unsigned)k < TRACE_KIND_COUNT ? &trace_schemas[k] : NULL;
}

const char *trace_kind_name(enum trace_kind k)
{
    return (unsigned)k < TRACE_KIND_COUNT ? trace_schemas[k].name : "?";
}

int trace_kind_by_name(const char *name)
{
    for (int k = 0; k < TRACE_KIND_COUNT; k++) {
        if (strcmp(trace_schemas[k].name, name) == 0) {
            return k;
        }
    }
    return -1;
}

static void trace_oom(void)
{
    fprintf(stderr, "mailsim: out of memory while recording the trace\n");
    abort();
}

/* Grows an array of elements of size elem so that one more fits. */
static void *trace_grow(void *p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return p;
    }
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / elem) {
        trace_oom();
    }
    void *q = realloc(p, ncap * elem);
    if (!q) {
        trace_oom();
    }
    *cap = ncap;
    return q;
}

#define TRACE_PUSH(tr, arr, n, cap)                                                                \
    ((tr)->arr = trace_grow((tr)->arr, &(tr)->cap, (tr)->n, sizeof *(tr)->arr),                    \
     &(tr)->arr[(tr)->n++])

static struct trace_bytes trace_arena_put(struct trace *tr, const void *p, size_t n, bool nul)
{
    size_t need = n + (nul ? 1 : 0);
    if (need > UINT32_MAX) {
        trace_oom();
    }
    struct trace_arena_chunk *c = tr->nchunks ? tr->chunks[tr->nchunks - 1] : NULL;
    if (!c || c->cap - c->used < need) {
        size_t size =
            (sizeof *c + need + TRACE_CHUNK_SIZE - 1) / TRACE_CHUNK_SIZE * TRACE_CHUNK_SIZE;
        c = pages_alloc(size);
        if (!c) {
            trace_oom();
        }
        c->cap = size - sizeof *c;
        c->used = 0;
        *TRACE_PUSH(tr, chunks, nchunks, cap_chunks) = c;
    }
    struct trace_bytes b = {(uint32_t)(tr->nchunks - 1), (uint32_t)c->used, (uint32_t)n};
    if (n) {
        memcpy(c->data + c->used, p, n);
    }
    if (nul) {
        c->data[c->used + n] = 0;
    }
    c->used += need;
    return b;
}

const uint8_t *trace_bytes_ptr(const struct trace *tr, struct trace_bytes b)
{
    static const uint8_t empty[1] = {0};
    if (b.len == 0 && b.chunk >= tr->nchunks) {
        return empty;
    }
    return tr->chunks[b.chunk]->data + b.off;
}

int trace_init(struct trace *tr)
{
    memset(tr, 0, sizeof *tr);
    tr->hash_cap = 256;
    tr->str_hash = calloc(tr->hash_cap, sizeof *tr->str_hash);
    if (!tr->str_hash) {
        return -1;
    }
    /* id 0 is the empty string */
    *TRACE_PUSH(tr, strs, nstrs, cap_strs) = trace_arena_put(tr, "", 0, true);
    return 0;
}

void trace_free(struct trace *tr)
{
    for (size_t i = 0; i < tr->nchunks; i++) {
        pages_free(tr->chunks[i], sizeof *tr->chunks[i] + tr->chunks[i]->cap);
    }
    free(tr->chunks);
    for (size_t i = 0; i < tr->nblocks; i++) {
        pages_free(tr->blocks[i], TRACE_BLOCK_EVENTS * sizeof *tr->blocks[i]);
    }
    free(tr->blocks);
    free(tr->zones);
    free(tr->hosts);
    free(tr->agents);
    free(tr->links);
    free(tr->taps);
    free(tr->conns);
    free(tr->nats);
    free(tr->strs);
    free(tr->str_hash);
    free(tr->title);
    free(tr->title_ja);
    free(tr->title_en);
    memset(tr, 0, sizeof *tr);
}

const char *trace_string(const struct trace *tr, trace_str id)
{
    if (id >= tr->nstrs) {
        return "";
    }
    return (const char *)trace_bytes_ptr(tr, tr->strs[id]);
}

static size_t trace_hash_slot(const struct trace *tr, const char *s)
{
    size_t mask = tr->hash_cap - 1;
    size_t i = strmap_hash(s) & mask;
    while (tr->str_hash[i] != 0 && strcmp(trace_string(tr, tr->str_hash[i]), s) != 0) {
        i = (i + 1) & mask;
    }
    return i;
}

trace_str trace_lookup(const struct trace *tr, const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    return tr->str_hash[trace_hash_slot(tr, s)];
}

static void trace_rehash(struct trace *tr)
{
    size_t ncap = tr->hash_cap * 2;
    uint32_t *old = tr->str_hash;
    size_t old_cap = tr->hash_cap;
    tr->str_hash = calloc(ncap, sizeof *tr->str_hash);
    if (!tr->str_hash) {
        trace_oom();
    }
    tr->hash_cap = ncap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i]) {
            tr->str_hash[trace_hash_slot(tr, trace_string(tr, old[i]))] = old[i];
        }
    }
    free(old);
}

/* The cache slot for the string at address s. */
static size_t trace_intern_cache_slot(const char *s)
{
    uintptr_t a = (uintptr_t)s;
    return (size_t)((a >> 3) ^ (a >> 11)) & (TRACE_INTERN_CACHE - 1);
}

trace_str trace_intern(struct trace *tr, const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    /* A hit still compares the text: the same address may hold other text by now (a freed and
     * reused buffer), and then the slow path below is taken. */
    size_t c = trace_intern_cache_slot(s);
    if (tr->intern_cache[c].text == s && strcmp(trace_string(tr, tr->intern_cache[c].id), s) == 0) {
        return tr->intern_cache[c].id;
    }
    size_t slot = trace_hash_slot(tr, s);
    if (tr->str_hash[slot]) {
        tr->intern_cache[c].text = s;
        tr->intern_cache[c].id = tr->str_hash[slot];
        return tr->str_hash[slot];
    }
    if (tr->nstrs >= UINT32_MAX) {
        trace_oom();
    }
    trace_str id = (trace_str)tr->nstrs;
    *TRACE_PUSH(tr, strs, nstrs, cap_strs) = trace_arena_put(tr, s, strlen(s), true);
    tr->str_hash[slot] = id;
    if (tr->nstrs * 2 > tr->hash_cap) {
        trace_rehash(tr);
    }
    tr->intern_cache[c].text = s;
    tr->intern_cache[c].id = id;
    return id;
}

uint32_t trace_add_zone(struct trace *tr, const char *name)
{
    trace_str id = trace_intern(tr, name);
    struct trace_zone *z = TRACE_PUSH(tr, zones, nzones, cap_zones);
    z->name = id;
    z->label_ja = 0;
    z->label_en = 0;
    return (uint32_t)(tr->nzones - 1);
}

void trace_set_zone_label(struct trace *tr, uint32_t zone, const char *ja, const char *en)
{
    if (zone < tr->nzones) {
        tr->zones[zone].label_ja = trace_intern(tr, ja);
        tr->zones[zone].label_en = trace_intern(tr, en);
    }
}

static char *trace_strdup(const char *s)
{
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) {
        trace_oom();
    }
    memcpy(d, s, n);
    return d;
}

void trace_set_title(struct trace *tr, const char *id, const char *ja, const char *en)
{
    free(tr->title);
    free(tr->title_ja);
    free(tr->title_en);
    tr->title = trace_strdup(id);
    tr->title_ja = trace_strdup(ja);
    tr->title_en = trace_strdup(en);
}

uint32_t trace_add_host(struct trace *tr, const char *name, uint32_t zone, uint32_t ip)
{
    struct trace_host *h = TRACE_PUSH(tr, hosts, nhosts, cap_hosts);
    h->name = trace_intern(tr, name);
    h->zone = zone;
    h->ip = ip;
    return (uint32_t)(tr->nhosts - 1);
}

uint32_t trace_add_agent(struct trace *tr, const char *id, const char *role, const char *program,
                         uint32_t host)
{
    struct trace_agent *a = TRACE_PUSH(tr, agents, nagents, cap_agents);
    a->id = trace_intern(tr, id);
    a->role = trace_intern(tr, role);
    a->program = trace_intern(tr, program);
    a->host = host;
    return (uint32_t)(tr->nagents - 1);
}

uint32_t trace_add_link(struct trace *tr, uint32_t a, uint32_t b, uint32_t latency_us)
{
    struct trace_link *l = TRACE_PUSH(tr, links, nlinks, cap_links);
    l->a = a;
    l->b = b;
    l->latency_us = latency_us;
    return (uint32_t)(tr->nlinks - 1);
}

uint32_t trace_add_tap(struct trace *tr, const char *name, uint32_t link)
{
    struct trace_tap *t = TRACE_PUSH(tr, taps, ntaps, cap_taps);
    t->name = trace_intern(tr, name);
    t->link = link;
    return (uint32_t)(tr->ntaps - 1);
}

/* The kinds whose bytes are payload (what crossed a link, or was read off one): the others'
 * bytes are text about the run (DNS answers, log lines, key ids, annotations). */
static bool trace_kind_is_payload(enum trace_kind kind)
{
    return kind == TRACE_DATA || kind == TRACE_PLAIN || kind == TRACE_TAMPER || kind == TRACE_SNIFF;
}

struct trace_event *trace_append(struct trace *tr, uint64_t t, enum trace_kind kind,
                                 const void *bytes, size_t n)
{
    struct trace_bytes b = {0, 0, 0};
    if (n > 0) {
        b = trace_arena_put(tr, bytes, n, false);
    }
    if (tr->nevents == tr->nblocks * TRACE_BLOCK_EVENTS) {
        struct trace_event *block = pages_alloc(TRACE_BLOCK_EVENTS * sizeof *block);
        if (!block) {
            trace_oom();
        }
        *TRACE_PUSH(tr, blocks, nblocks, cap_blocks) = block;
    }
    struct trace_event *e = trace_event_mut(tr, tr->nevents++);
    memset(e, 0, sizeof *e);
    e->t = t;
    e->kind = (uint16_t)kind;
    e->bytes = b;
    /* plain is by definition what went into an encrypted channel */
    e->flags = kind == TRACE_PLAIN ? TRACE_TLS : 0;
    if (trace_kind_is_payload(kind)) {
        tr->payload_bytes += n;
    }
    return e;
}

/* An event with its strings: s0, s1, s2 in that order (NULL is ""), and its bytes. */
static struct trace_event *trace_append_strs(struct trace *tr, uint64_t t, enum trace_kind kind,
                                             const char *s0, const char *s1, const char *s2,
                                             const void *bytes, size_t n)
{
    trace_str a = trace_intern(tr, s0), b = trace_intern(tr, s1), c = trace_intern(tr, s2);
    struct trace_event *e = trace_append(tr, t, kind, bytes, n);
    e->s[0] = a;
    e->s[1] = b;
    e->s[2] = c;
    return e;
}

/* The same for events that belong to one side of a connection. */
static struct trace_event *trace_append_side(struct trace *tr, uint64_t t, enum trace_kind kind,
                                             uint32_t conn, enum trace_side from, const char *s0,
                                             const char *s1, const char *s2, const void *bytes,
                                             size_t n)
{
    struct trace_event *e = trace_append_strs(tr, t, kind, s0, s1, s2, bytes, n);
    e->conn = conn;
    e->from = (uint8_t)from;
    return e;
}

static size_t trace_strlen(const char *s)
{
    return s ? strlen(s) : 0;
}

uint32_t trace_connect(struct trace *tr, uint64_t t, const struct trace_conn *c)
{
    struct trace_conn *n = TRACE_PUSH(tr, conns, nconns, cap_conns);
    *n = *c;
    n->id = (uint32_t)tr->nconns;
    n->t_open = t;
    trace_append(tr, t, TRACE_CONNECT, NULL, 0)->conn = n->id;
    return n->id;
}

struct trace_bytes trace_data(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                              bool tls, const uint8_t *p, size_t n)
{
    struct trace_event *e =
        trace_append_side(tr, t, TRACE_DATA, conn, from, NULL, NULL, NULL, p, n);
    e->flags = tls ? TRACE_TLS : 0;
    return e->bytes;
}

void trace_plain(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                 const uint8_t *p, size_t n)
{
    trace_append_side(tr, t, TRACE_PLAIN, conn, from, NULL, NULL, NULL, p, n);
}

void trace_key(struct trace *tr, uint64_t t, const char *agent, const char *system,
               const char *identity, const char *id)
{
    trace_append_strs(tr, t, TRACE_KEY, agent, system, identity, id, trace_strlen(id));
}

void trace_tamper(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                  const char *agent, const uint8_t *p, size_t n)
{
    trace_append_side(tr, t, TRACE_TAMPER, conn, from, agent, NULL, NULL, p, n);
}

void trace_secure(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                  const char *agent, const char *version, const char *cipher, bool ok,
                  const char *detail)
{
    trace_append_side(tr, t, TRACE_SECURE, conn, from, agent, version, cipher, detail,
                      trace_strlen(detail))
        ->flags = ok ? TRACE_OK : 0;
}

/* The fields every annotation has: where (conn, side, offset, length), who said it, and what
 * the bytes mean (s1, s2). The value bytes are meaning, not payload: payload_bytes does not
 * count them. */
static void trace_annotation(struct trace *tr, uint64_t t, enum trace_kind kind, uint32_t conn,
                             enum trace_side from, const char *agent, const char *s1,
                             const char *s2, uint32_t offset, uint32_t length, const uint8_t *p,
                             size_t n)
{
    struct trace_event *e = trace_append_side(tr, t, kind, conn, from, agent, s1, s2, p, n);
    e->num = (int32_t)offset;
    e->aux = length;
}

void trace_secret(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                  const char *agent, const char *what, const char *encoding, uint32_t offset,
                  uint32_t length, const uint8_t *value, size_t n)
{
    trace_annotation(tr, t, TRACE_SECRET, conn, from, agent, what, encoding, offset, length, value,
                     n);
}

void trace_reply(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                 const char *agent, const char *code, const char *klass, uint32_t offset,
                 uint32_t length, const uint8_t *challenge, size_t n)
{
    trace_annotation(tr, t, TRACE_REPLY, conn, from, agent, code, klass, offset, length, challenge,
                     n);
}

void trace_message(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                   const char *agent, uint32_t offset, uint32_t length)
{
    trace_annotation(tr, t, TRACE_MESSAGE, conn, from, agent, NULL, NULL, offset, length, NULL, 0);
}

void trace_close(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from)
{
    trace_append_side(tr, t, TRACE_CLOSE, conn, from, NULL, NULL, NULL, NULL, 0);
}

void trace_step(struct trace *tr, uint64_t t, int n, const char *mail, const char *agent,
                uint32_t conn)
{
    struct trace_event *e = trace_append_strs(tr, t, TRACE_STEP, mail, agent, NULL, NULL, 0);
    e->num = n;
    e->conn = conn;
}

void trace_proto_word(const struct trace *tr, const struct trace_conn *c, char *buf, size_t len)
{
    const char *p = trace_string(tr, c->proto);
    if (strcmp(p, "submission") == 0) {
        p = "smtp";
    }
    size_t i = 0;
    for (; p[i] && i + 1 < len; i++) {
        buf[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 'a' + 'A' : p[i]);
    }
    buf[i] = 0;
}

bool trace_agent_attacks(const struct trace *tr, trace_str id)
{
    for (size_t i = 0; i < tr->nagents; i++) {
        if (tr->agents[i].id == id) {
            const char *role = trace_string(tr, tr->agents[i].role);
            return strcmp(role, "spammer") == 0 || strcmp(role, "sniffer") == 0 ||
                   strcmp(role, "mitm") == 0;
        }
    }
    return false;
}

void trace_beat(struct trace *tr, uint64_t t, int n, const char *mail, const char *agent,
                unsigned step, uint32_t conn, trace_str words)
{
    struct trace_event *e = trace_append_strs(tr, t, TRACE_BEAT, mail, agent, NULL, NULL, 0);
    e->num = n;
    e->aux = step;
    e->conn = conn;
    e->s[2] = words;
}

trace_str trace_beat_words(struct trace *tr, const char *const parts[TRACE_BEAT_PARTS])
{
    size_t len = 0;
    for (int i = 0; i < TRACE_BEAT_PARTS; i++) {
        len += (parts[i] ? strlen(parts[i]) : 0) + 1;
    }
    char small[1024];
    char *buf = len <= sizeof small ? small : malloc(len);
    if (!buf) {
        abort(); /* a trace with a hole in it would teach something false */
    }
    char *w = buf;
    for (int i = 0; i < TRACE_BEAT_PARTS; i++) {
        size_t n = parts[i] ? strlen(parts[i]) : 0;
        assert(!parts[i] || !memchr(parts[i], TRACE_BEAT_SEP, n));
        memcpy(w, parts[i] ? parts[i] : "", n);
        w += n;
        *w++ = i + 1 < TRACE_BEAT_PARTS ? TRACE_BEAT_SEP : 0;
    }
    trace_str id = trace_intern(tr, buf);
    if (buf != small) {
        free(buf);
    }
    return id;
}

const char *trace_beat_word(const struct trace *tr, const struct trace_event *e,
                            enum trace_beat_part p, size_t *len)
{
    assert(e->kind == TRACE_BEAT);
    const char *s = trace_string(tr, e->s[2]);
    for (int i = 0; i < (int)p; i++) {
        const char *sep = strchr(s, TRACE_BEAT_SEP);
        if (!sep) {
            *len = 0;
            return "";
        }
        s = sep + 1;
    }
    const char *end = strchr(s, TRACE_BEAT_SEP);
    *len = end ? (size_t)(end - s) : strlen(s);
    return s;
}

void trace_mail(struct trace *tr, uint64_t t, const char *mail, const char *state,
                const char *agent, int code)
{
    trace_append_strs(tr, t, TRACE_MAIL, mail, state, agent, NULL, 0)->num = code;
}

void trace_auth(struct trace *tr, uint64_t t, const char *agent, const char *user, const char *mech,
                bool ok, uint32_t conn)
{
    struct trace_event *e = trace_append_strs(tr, t, TRACE_AUTH, agent, user, mech, NULL, 0);
    e->flags = ok ? TRACE_OK : 0;
    e->conn = conn;
}

void trace_policy(struct trace *tr, uint64_t t, const char *agent, const char *rule,
                  const char *decision, int code, uint32_t conn)
{
    struct trace_event *e = trace_append_strs(tr, t, TRACE_POLICY, agent, rule, decision, NULL, 0);
    e->num = code;
    e->conn = conn;
}

void trace_sniff(struct trace *tr, uint64_t t, const char *tap, uint32_t conn, const char *finding,
                 const uint8_t *value, size_t n)
{
    trace_append_strs(tr, t, TRACE_SNIFF, tap, finding, NULL, value, n)->conn = conn;
}

void trace_state(struct trace *tr, uint64_t t, const char *agent, const char *machine,
                 const char *state, uint32_t conn)
{
    trace_append_strs(tr, t, TRACE_STATE, agent, machine, state, NULL, 0)->conn = conn;
}

void trace_dns(struct trace *tr, uint64_t t, const char *agent, const char *query,
               const char *answer)
{
    trace_append_strs(tr, t, TRACE_DNS, agent, query, NULL, answer, trace_strlen(answer));
}

void trace_note(struct trace *tr, uint64_t t, const char *agent, const char *ja, const char *en)
{
    trace_append_strs(tr, t, TRACE_NOTE, agent, ja, en, NULL, 0);
}

void trace_log(struct trace *tr, uint64_t t, const char *agent, const char *program, uint32_t conn,
               const char *line)
{
    trace_append_strs(tr, t, TRACE_LOG, agent, program, NULL, line, trace_strlen(line))->conn =
        conn;
}

void trace_format_ipv4(uint32_t ip, char *out, size_t cap)
{
    /* by hand: every connection and every Received line formats addresses */
    char text[16];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned octet = (ip >> shift) & 255;
        if (octet >= 100) {
            text[n++] = (char)('0' + octet / 100);
        }
        if (octet >= 10) {
            text[n++] = (char)('0' + octet / 10 % 10);
        }
        text[n++] = (char)('0' + octet % 10);
        if (shift > 0) {
            text[n++] = '.';
        }
    }
    text[n] = 0;
    if (cap > 0) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(out, text, k);
        out[k] = 0;
    }
}

const struct trace_conn *trace_conn_get(const struct trace *tr, uint32_t conn)
{
    if (conn == 0 || conn > tr->nconns) {
        return NULL;
    }
    return &tr->conns[conn - 1];
}

void trace_set_nat(struct trace *tr, uint32_t conn, uint32_t host, uint32_t ip)
{
    struct trace_nat *n = TRACE_PUSH(tr, nats, nnats, cap_nats);
    n->conn = conn;
    n->host = host;
    n->ip = ip;
}

const struct trace_nat *trace_conn_nat(const struct trace *tr, uint32_t conn)
{
    size_t lo = 0, hi = tr->nnats;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tr->nats[mid].conn < conn) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < tr->nnats && tr->nats[lo].conn == conn ? &tr->nats[lo] : NULL;
}

uint32_t trace_conn_seen_ip(const struct trace *tr, const struct trace_conn *c)
{
    const struct trace_nat *n = trace_conn_nat(tr, c->id);
    return n ? n->ip : c->client_ip;
}

uint32_t trace_conn_seen_host(const struct trace *tr, const struct trace_conn *c)
{
    const struct trace_nat *n = trace_conn_nat(tr, c->id);
    return n ? n->host : c->client_host;
}

size_t trace_memory(const struct trace *tr)
{
    size_t m = tr->nblocks * TRACE_BLOCK_EVENTS * sizeof(struct trace_event) +
               tr->cap_blocks * sizeof *tr->blocks + tr->cap_zones * sizeof *tr->zones +
               tr->cap_hosts * sizeof *tr->hosts + tr->cap_agents * sizeof *tr->agents +
               tr->cap_links * sizeof *tr->links + tr->cap_taps * sizeof *tr->taps +
               tr->cap_conns * sizeof *tr->conns + tr->cap_nats * sizeof *tr->nats +
               tr->cap_chunks * sizeof *tr->chunks + tr->cap_strs * sizeof *tr->strs +
               tr->hash_cap * sizeof *tr->str_hash;
    for (size_t i = 0; i < tr->nchunks; i++) {
        m += sizeof *tr->chunks[i] + tr->chunks[i]->cap;
    }
    return m;
}
