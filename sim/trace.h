/* trace: the append-only record of a run, and the contract between the simulation and
 * everything that shows it (DESIGN.md principle 3). A self-describing world header (zones,
 * hosts, agents, links, taps, connections) plus a list of fixed-size events; payload bytes
 * and strings live in a chunked arena, so a pointer into it stays valid for the trace's life. */
#ifndef MAILSIM_TRACE_H
#define MAILSIM_TRACE_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_kinds.h"

#define TRACE_KIND_ENUM(E, name, fields) E,
enum trace_kind { TRACE_KINDS(TRACE_KIND_ENUM) TRACE_KIND_COUNT };
#undef TRACE_KIND_ENUM

const char *trace_kind_name(enum trace_kind k);
/* The kind whose JSON name is name, or -1. */
int trace_kind_by_name(const char *name);

enum trace_side { TRACE_CLIENT = 0, TRACE_SERVER = 1 };

/* Strings are interned: an id names a NUL-terminated string in the arena; id 0 is "". */
typedef uint32_t trace_str;

/* Payload bytes in the arena. */
struct trace_bytes {
    uint32_t chunk;
    uint32_t off;
    uint32_t len;
};

/* One event, 48 bytes. What num, aux, flags, s[] and bytes hold depends on the kind: the rows
 * of trace_kinds.h say it, and the accessors below read it by name (trace_sniff_finding(tr, e)),
 * so that no reader decodes an event by position. */
struct trace_event {
    uint64_t t; /* virtual microseconds */
    uint16_t kind;
    uint8_t from;
    uint8_t flags;
    uint32_t conn; /* connection id, 1-based; 0 none */
    int32_t num;
    trace_str s[3];
    struct trace_bytes bytes;
    uint32_t aux;
};
_Static_assert(sizeof(struct trace_event) == 48, "an event stays 48 bytes for the load runs");

/* TRACE_REFUSED marks the close of a connection that no server accepted (a TCP RST). */
enum trace_flags { TRACE_TLS = 1 << 0, TRACE_OK = 1 << 1, TRACE_REFUSED = 1 << 2 };

/* The world header. Indices are 0-based positions in the arrays below. */
struct trace_zone {
    trace_str name;
    trace_str label_ja, label_en; /* what a viewer calls it: "送信側LAN", "Sender's LAN" */
};
struct trace_host {
    trace_str name;
    uint32_t zone;
    uint32_t ip; /* IPv4, host byte order */
};
struct trace_agent {
    trace_str id;
    trace_str role;    /* "mua", "msa", "mta", ... */
    trace_str program; /* an example of real software in that role, e.g. "Postfix" */
    uint32_t host;
};
struct trace_link {
    uint32_t a, b; /* hosts */
    uint32_t latency_us;
};
struct trace_tap {
    trace_str name;
    uint32_t link;
};
struct trace_conn {
    uint32_t id; /* equals index + 1 */
    trace_str proto;
    uint32_t client_host, server_host;
    trace_str client_agent, server_agent;
    uint32_t client_ip, server_ip;
    uint16_t client_port, server_port;
    uint32_t latency_us; /* one way, along the whole path */
    uint64_t t_open;
};

/* A connection whose client sat behind NAT: it left through host, so the server saw ip as the
 * client's address. Kept apart from trace_conn, which stays 48 bytes for the load runs. */
struct trace_nat {
    uint32_t conn;
    uint32_t host;
    uint32_t ip;
};

struct trace_arena_chunk;

/* Events live in fixed blocks, so the list grows without copying and without the slack of a
 * doubling array: a long run's trace stays close to the size of what it holds. A block of
 * 2^17 events of 48 bytes is 6 MiB, three whole huge pages (see pages.h). */
#define TRACE_BLOCK_SHIFT 17
#define TRACE_BLOCK_EVENTS ((size_t)1 << TRACE_BLOCK_SHIFT)

#define TRACE_INTERN_CACHE 64 /* a power of two */

struct trace {
    struct trace_event **blocks;
    size_t nevents, nblocks, cap_blocks;

    struct trace_zone *zones;
    struct trace_host *hosts;
    struct trace_agent *agents;
    struct trace_link *links;
    struct trace_tap *taps;
    struct trace_conn *conns;
    struct trace_nat *nats; /* in connection order */
    size_t nzones, nhosts, nagents, nlinks, ntaps, nconns, nnats;
    size_t cap_zones, cap_hosts, cap_agents, cap_links, cap_taps, cap_conns, cap_nats;

    struct trace_arena_chunk **chunks;
    size_t nchunks, cap_chunks;

    /* Interned strings: ids index strs; an open-addressing hash maps text to id. */
    struct trace_bytes *strs;
    size_t nstrs, cap_strs;
    uint32_t *str_hash;
    size_t hash_cap;
    /* Callers intern the same few strings (agent ids, machine and state names) millions of
     * times, mostly through the same pointers: a small cache keyed by the address skips the
     * hashing. See trace_intern(). */
    struct {
        const char *text;
        trace_str id;
    } intern_cache[TRACE_INTERN_CACHE];

    size_t payload_bytes; /* bytes of data, plain, tamper and sniff events */
    uint64_t seed;
    char *title;    /* the scenario's id */
    char *title_ja; /* its title in Japanese and in English, for viewers */
    char *title_en;
};

/* Returns 0, or -1 when memory is exhausted. Every append below aborts on exhaustion instead:
 * a trace with a hole in it would teach something false. */
int trace_init(struct trace *tr);
void trace_free(struct trace *tr);

trace_str trace_intern(struct trace *tr, const char *s);
const char *trace_string(const struct trace *tr, trace_str id);
/* The id of s if it was interned, else 0. */
trace_str trace_lookup(const struct trace *tr, const char *s);

const uint8_t *trace_bytes_ptr(const struct trace *tr, struct trace_bytes b);

/* World header. Each returns the new index. */
uint32_t trace_add_zone(struct trace *tr, const char *name);
void trace_set_zone_label(struct trace *tr, uint32_t zone, const char *ja, const char *en);
/* Sets the scenario's id and titles (copied; any may be NULL). */
void trace_set_title(struct trace *tr, const char *id, const char *ja, const char *en);
uint32_t trace_add_host(struct trace *tr, const char *name, uint32_t zone, uint32_t ip);
uint32_t trace_add_agent(struct trace *tr, const char *id, const char *role, const char *program,
                         uint32_t host);
uint32_t trace_add_link(struct trace *tr, uint32_t a, uint32_t b, uint32_t latency_us);
uint32_t trace_add_tap(struct trace *tr, const char *name, uint32_t link);

/* Appends an event of kind at time t holding a copy of n bytes, every other field zero, for the
 * caller to fill: the one way events are made (the calls below and the JSONL reader use it).
 * plain events get TRACE_TLS; the bytes of data, plain, tamper and sniff count as payload. */
struct trace_event *trace_append(struct trace *tr, uint64_t t, enum trace_kind kind,
                                 const void *bytes, size_t n);

/* Events. trace_connect() assigns and returns the connection id (c->id is ignored). */
uint32_t trace_connect(struct trace *tr, uint64_t t, const struct trace_conn *c);
/* Returns the recorded bytes, whose pointer stays valid for the life of the trace. */
struct trace_bytes trace_data(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                              bool tls, const uint8_t *p, size_t n);
void trace_close(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from);
void trace_step(struct trace *tr, uint64_t t, int n, const char *mail, const char *agent,
                uint32_t conn);
void trace_mail(struct trace *tr, uint64_t t, const char *mail, const char *state,
                const char *agent, int code);
void trace_auth(struct trace *tr, uint64_t t, const char *agent, const char *user, const char *mech,
                bool ok, uint32_t conn);
void trace_policy(struct trace *tr, uint64_t t, const char *agent, const char *rule,
                  const char *decision, int code, uint32_t conn);
void trace_sniff(struct trace *tr, uint64_t t, const char *tap, uint32_t conn, const char *finding,
                 const uint8_t *value, size_t n);
void trace_state(struct trace *tr, uint64_t t, const char *agent, const char *machine,
                 const char *state, uint32_t conn);

void trace_dns(struct trace *tr, uint64_t t, const char *agent, const char *query,
               const char *answer);
/* agent may be "" (narration about no one in particular). */
void trace_note(struct trace *tr, uint64_t t, const char *agent, const char *ja, const char *en);
void trace_log(struct trace *tr, uint64_t t, const char *agent, const char *program, uint32_t conn,
               const char *line);
/* What a reader calls c's protocol, in capitals, into buf: "SMTP" for submission (SMTP on its
 * own port), "SMTPS", "POP3", "SSH"; "" for a connection nobody accepted. */
void trace_proto_word(const struct trace *tr, const struct trace_conn *c, char *buf, size_t len);
/* Whether the agent id plays an attacker in the run: a spammer, a sniffer or a man in the
 * middle (its role in the world header). */
bool trace_agent_attacks(const struct trace *tr, trace_str id);

/* The parts of a beat's words (trace_kinds.h), in the order they are joined. */
enum trace_beat_part {
    TRACE_BEAT_WHAT,
    TRACE_BEAT_TITLE_JA,
    TRACE_BEAT_TITLE_EN,
    TRACE_BEAT_TEXT_JA,
    TRACE_BEAT_TEXT_EN,
    TRACE_BEAT_PARTS
};
#define TRACE_BEAT_SEP '\x1f'
/* A beat (see "beat" in trace_kinds.h): the n-th of the run, actor agent, mail "" for none, step
 * 0 for a moment that is no delivery step, conn 0 for none; words is the interned join of the
 * five parts (trace_beat_words). */
void trace_beat(struct trace *tr, uint64_t t, int n, const char *mail, const char *agent,
                unsigned step, uint32_t conn, trace_str words);
/* Interns the five parts (NULL counts as "") joined by TRACE_BEAT_SEP; none may hold it. */
trace_str trace_beat_words(struct trace *tr, const char *const parts[TRACE_BEAT_PARTS]);
/* Part p of a beat's words: its first byte, and its length in *len (not NUL-terminated). */
const char *trace_beat_word(const struct trace *tr, const struct trace_event *e,
                            enum trace_beat_part p, size_t *len);
/* Plaintext inside an encrypted channel (see "plain" above); counts as payload. */
void trace_plain(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                 const uint8_t *p, size_t n);
/* agent holds a private key of system for identity; id is how others know it. */
void trace_key(struct trace *tr, uint64_t t, const char *agent, const char *system,
               const char *identity, const char *id);
/* A man in the middle replaced what from sent with p (see "tamper" above). */
void trace_tamper(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                  const char *agent, const uint8_t *p, size_t n);
/* An encrypted channel established (ok) or failed; detail: server name or reason. */
void trace_secure(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                  const char *agent, const char *version, const char *cipher, bool ok,
                  const char *detail);

/* Annotations (see trace_kinds.h): call each right after the data or plain event it describes
 * (the same conn and side); offset and length place the meaning in that event's bytes. */
/* A credential: what ("AUTH PLAIN", "PASS", ...), encoding ("base64", or "" as is), and value,
 * its decoded fields separated by a NUL. */
void trace_secret(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                  const char *agent, const char *what, const char *encoding, uint32_t offset,
                  uint32_t length, const uint8_t *value, size_t n);
/* A refusing or challenging reply: code ("550", "-ERR"), class ("5xx", "-ERR"), and a SASL
 * challenge decoded (n 0 for none). */
void trace_reply(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                 const char *agent, const char *code, const char *klass, uint32_t offset,
                 uint32_t length, const uint8_t *challenge, size_t n);
/* A message's text, dot-stuffed, without the "." line that ends it. */
void trace_message(struct trace *tr, uint64_t t, uint32_t conn, enum trace_side from,
                   const char *agent, uint32_t offset, uint32_t length);

/* Event i, 0 <= i < nevents. */
static inline const struct trace_event *trace_event_at(const struct trace *tr, size_t i)
{
    return &tr->blocks[i >> TRACE_BLOCK_SHIFT][i & (TRACE_BLOCK_EVENTS - 1)];
}
static inline struct trace_event *trace_event_mut(struct trace *tr, size_t i)
{
    return &tr->blocks[i >> TRACE_BLOCK_SHIFT][i & (TRACE_BLOCK_EVENTS - 1)];
}

/* Writes ip (host byte order) as a dotted quad into out, which holds at least 16 bytes. The one
 * formatter of addresses: the engine, the exporters and the viewer all call it. */
void trace_format_ipv4(uint32_t ip, char *out, size_t cap);

const struct trace_conn *trace_conn_get(const struct trace *tr, uint32_t conn);

/* Records that conn's client went through NAT (conns are recorded in increasing order). */
void trace_set_nat(struct trace *tr, uint32_t conn, uint32_t host, uint32_t ip);
/* conn's NAT translation, or NULL when there was none. */
const struct trace_nat *trace_conn_nat(const struct trace *tr, uint32_t conn);
/* The client address the server saw (the NAT's when there was one), and that host. */
uint32_t trace_conn_seen_ip(const struct trace *tr, const struct trace_conn *c);
uint32_t trace_conn_seen_host(const struct trace *tr, const struct trace_conn *c);

/* Bytes held by the trace (events, header, arena, string table), for memory budgets. */
size_t trace_memory(const struct trace *tr);

/* ---- The schema, read at run time: the JSONL writer and reader walk these. ---- */

enum trace_field_type {
    TRACE_FIELD_S,  /* string in s[slot] */
    TRACE_FIELD_SO, /* the same, left out when empty */
    TRACE_FIELD_N,  /* num */
    TRACE_FIELD_A,  /* aux */
    TRACE_FIELD_C,  /* conn */
    TRACE_FIELD_CO, /* conn, left out when 0 */
    TRACE_FIELD_F,  /* from */
    TRACE_FIELD_B,  /* bytes */
    TRACE_FIELD_OK, /* flags & TRACE_OK */
    TRACE_FIELD_X,  /* the kind's own code */
};

struct trace_field {
    enum trace_field_type type;
    uint8_t slot; /* for S and SO */
    const char *key;
};

struct trace_kind_schema {
    const char *name;
    const struct trace_field *fields;
    size_t nfields;
};

/* k's name and fields, in JSON order; NULL for a kind out of range. */
const struct trace_kind_schema *trace_kind_schema(enum trace_kind k);

/* ---- Named accessors, one per field of each kind (trace_kinds.h). ----
 * A string field has two: trace_KIND_KEY(tr, e) gives the text, trace_KIND_KEY_id(e) the
 * interned id (compare ids when the other side is interned too: cheaper than strcmp). Numbers
 * and flags have one. Connections (e->conn), sides (e->from) and bytes (trace_bytes_ptr(tr,
 * e->bytes), e->bytes.len) are read from the event directly: they mean the same in every kind.
 * Each accessor asserts the kind, so reading a field of the wrong kind fails in a debug build. */

#define TRACE_KIND_OF(E, name, fields) trace_kind_of_##name = E,
enum { TRACE_KINDS(TRACE_KIND_OF) };
#undef TRACE_KIND_OF

#define TRACE_ACC_NONE(k, key)
#define TRACE_ACC_S(k, key, slot)                                                                  \
    static inline trace_str trace_##k##_##key##_id(const struct trace_event *e)                    \
    {                                                                                              \
        assert(e->kind == trace_kind_of_##k);                                                      \
        return e->s[slot];                                                                         \
    }                                                                                              \
    static inline const char *trace_##k##_##key(const struct trace *tr,                            \
                                                const struct trace_event *e)                       \
    {                                                                                              \
        return trace_string(tr, trace_##k##_##key##_id(e));                                        \
    }
#define TRACE_ACC_N(k, key)                                                                        \
    static inline int32_t trace_##k##_##key(const struct trace_event *e)                           \
    {                                                                                              \
        assert(e->kind == trace_kind_of_##k);                                                      \
        return e->num;                                                                             \
    }
#define TRACE_ACC_A(k, key)                                                                        \
    static inline uint32_t trace_##k##_##key(const struct trace_event *e)                          \
    {                                                                                              \
        assert(e->kind == trace_kind_of_##k);                                                      \
        return e->aux;                                                                             \
    }
#define TRACE_ACC_OK(k, key)                                                                       \
    static inline bool trace_##k##_##key(const struct trace_event *e)                              \
    {                                                                                              \
        assert(e->kind == trace_kind_of_##k);                                                      \
        return (e->flags & TRACE_OK) != 0;                                                         \
    }
#define TRACE_ACC_ROW(E, name, fields)                                                             \
    fields(name, TRACE_ACC_S, TRACE_ACC_S, TRACE_ACC_N, TRACE_ACC_A, TRACE_ACC_NONE,               \
           TRACE_ACC_NONE, TRACE_ACC_NONE, TRACE_ACC_NONE, TRACE_ACC_OK, TRACE_ACC_NONE)
TRACE_KINDS(TRACE_ACC_ROW)
#undef TRACE_ACC_ROW
#undef TRACE_ACC_OK
#undef TRACE_ACC_A
#undef TRACE_ACC_N
#undef TRACE_ACC_S
#undef TRACE_ACC_NONE

#endif
