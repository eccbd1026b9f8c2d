/* notes_check: what the SMTP and POP3 tests need to hold the engines' notes (proto_note.h) to
 * the bytes the engines sent: a listener that keeps every note, a finder, and a check that a
 * note covers exactly the expected octets of the stream and says the expected value. */
#ifndef MAILSIM_NOTES_CHECK_H
#define MAILSIM_NOTES_CHECK_H

#include "buf.h"
#include "harness.h"
#include "proto_note.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NOTES_MAX 24

/* A note kept: the engine's, its strings and value copied into the room beside it. */
struct notes_one {
    struct proto_note n;
    char what[32], how[16];
    uint8_t value[600];
};

struct notes_seen {
    size_t n;
    struct notes_one v[NOTES_MAX];
};

/* The listener: ctx is a struct notes_seen. */
static inline void notes_seen_add(void *ctx, const struct proto_note *n)
{
    struct notes_seen *s = ctx;
    if (s->n == NOTES_MAX) {
        return;
    }
    struct notes_one *o = &s->v[s->n++];
    o->n = *n;
    snprintf(o->what, sizeof o->what, "%s", n->what);
    snprintf(o->how, sizeof o->how, "%s", n->how);
    o->n.value_len = n->value_len < sizeof o->value ? n->value_len : sizeof o->value;
    memcpy(o->value, n->value ? n->value : (const uint8_t *)"", o->n.value_len);
    o->n.what = o->what;
    o->n.how = o->how;
    o->n.value = o->value;
}

/* Both sides of one session: what each noted and what each sent. */
struct notes_pair {
    struct notes_seen client, server;
    struct buf sent, replies;
};

static inline void notes_pair_init(struct notes_pair *p)
{
    p->client.n = p->server.n = 0;
    buf_init(&p->sent, 0);
    buf_init(&p->replies, 0);
}

/* Listens to the client c and the server s of proto (smtp, pop3) into np. */
#define NOTES_PAIR_LISTEN(np, proto, c, s)                                                         \
    (proto##_client_set_notes((c), notes_seen_add, &(np)->client),                                 \
     proto##_server_set_notes((s), notes_seen_add, &(np)->server))

static inline void notes_pair_free(struct notes_pair *p)
{
    buf_free(&p->sent);
    buf_free(&p->replies);
}

/* How many notes of kind there are. */
static inline size_t notes_count(const struct notes_seen *s, enum proto_note_kind kind)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        k += s->v[i].n.kind == kind;
    }
    return k;
}

/* The k-th note (0 first) of kind whose what is what (NULL: any), or NULL. */
static inline const struct notes_one *
notes_find(const struct notes_seen *s, enum proto_note_kind kind, const char *what, size_t k)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct notes_one *o = &s->v[i];
        if (o->n.kind == kind && (!what || strcmp(o->what, what) == 0) && k-- == 0) {
            return o;
        }
    }
    return NULL;
}

/* Checks that note o covers exactly the octets want of stream (what the engine sent, from its
 * first octet), that the stream goes on with after there, and that its value is value[0..n). */
static inline bool notes_check_at(struct harness *h, const struct notes_one *o,
                                  const struct buf *stream, const char *want, const char *after,
                                  const char *value, size_t n, const char *name)
{
    bool ok = o != NULL;
    size_t len = strlen(want), alen = after ? strlen(after) : 0;
    const struct proto_note *k = o ? &o->n : NULL;
    ok = ok && k->len == len && k->at + len + alen <= stream->len &&
         memcmp(stream->data + k->at, want, len) == 0 &&
         (!after || memcmp(stream->data + k->at + len, after, alen) == 0);
    ok = ok && k->value_len == n && (n == 0 || memcmp(k->value, value, n) == 0);
    if (!harness_check(h, ok, name, __FILE__, __LINE__)) {
        if (!k) {
            fprintf(stderr, "    no such note\n");
        } else {
            bool in = k->at + k->len <= stream->len;
            fprintf(stderr, "    note at %llu, %zu octets: \"%.*s\", value \"%.*s\"\n",
                    (unsigned long long)k->at, k->len, in ? (int)k->len : 0,
                    in ? (const char *)stream->data + k->at : "", (int)k->value_len,
                    (const char *)k->value);
        }
    }
    return ok;
}

#endif
