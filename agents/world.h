/* world: the agents of one run and what they share — the simulation, the trace, the DNS, the
 * accounts, and the table that ties a message to its mail id ("m1") so that every agent can mark
 * the steps of the mail it is handling. The app builds a world from a scenario. */
#ifndef MAILSIM_WORLD_H
#define MAILSIM_WORLD_H

#include "sim.h"
#include "strmap.h"
#include "tls_ca.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent;

/* What every agent is; each role's struct starts with one of these. */
struct agent_ops {
    const char *role;    /* "mua", "msa", "mta", "mda", "mra", "dns", "filter" */
    const char *program; /* a real program in that role, for the viewer: "Postfix" */
    /* Frees what the agent holds of its own; the world frees its common part and the agent. */
    void (*destroy)(struct agent *a);
    /* Stops or restarts the agent's service (an outage in a timeline); NULL: it has none. */
    void (*set_down)(struct agent *a, bool down);
};

struct agent {
    const struct agent_ops *ops;
    struct mail_world *mw;
    char *id;
    int host;
};

/* An account's strings are the world's until it is freed, after its agents: an agent that logs
 * in as one keeps a copy of the struct, not of the strings. */
struct account {
    char *user;     /* login name */
    char *password; /* also the APOP and CRAM-MD5 shared secret */
    char *address;  /* mail address, "alice@a.example" */
};

struct mail_tag {
    char *message_id; /* without angle brackets */
    char *mail;       /* "m1" */
    uint64_t submitted_at;
};

/* A narration text waiting for its moment (mail_world_note). */
struct mail_note {
    char *agent;
    char *ja;
    char *en;
};

struct mail_world {
    struct sim_world *sim;
    struct trace *tr;
    struct agent **agents;
    size_t nagents, cap_agents;
    struct account *accounts;
    size_t naccounts, cap_accounts;
    struct mail_tag *tags;
    size_t ntags, cap_tags;
    struct strmap tag_index; /* message_id (borrowed from tags) -> its newest tag's position */
    struct mail_note *notes;
    size_t nnotes, cap_notes;
    char *maildir_root; /* when set, MDAs also write real Maildirs under it */
    int64_t epoch;      /* the wall-clock time (Unix seconds) at virtual time 0, for Date: */
    int tz_minutes;     /* the zone of Date: and Received: lines, e.g. 540 for +0900 */
    /* Counters for summaries and expectations. */
    uint64_t delivered;        /* messages stored in a mailbox (per recipient) */
    uint64_t retrieved;        /* messages fetched by an MUA */
    uint64_t bounced;          /* delivery status notifications generated */
    uint64_t rejected;         /* messages refused with a 5xx at some hop */
    struct mail_tls *tls;      /* the scenario CA and contexts, made on first use */
    struct tls_keylog *keylog; /* where handshake secrets go (--keylog), or NULL */
    struct mail_keys *keys;    /* S/MIME and OpenPGP identities (world_keys.c), or NULL */
    char *tls_name;            /* live mode: a name every server certificate also holds */
    /* live mode: messages whose Message-ID is new get a mail id ("live1", "live2", ...) when
     * the first server takes them, so real clients' mail is followed like scripted mail */
    bool auto_tag;
    unsigned long auto_tags;
    /* live mode: randomness that protects something (an APOP timestamp, a CRAM-MD5 challenge)
     * comes from the operating system, so that a restart does not repeat it; a scripted run
     * draws it from the scenario's seed, to stay reproducible */
    bool os_random;
    /* Called after each simulation event with the trace as it grew (the story's beats, which
     * app/story.c records); NULL none. observer_free releases observer_ctx with the world. */
    void (*observer)(void *ctx, struct trace *tr);
    void *observer_ctx;
    void (*observer_free)(void *ctx);
};

/* The world records into tr, which the caller owns. Returns NULL on OOM. */
struct mail_world *mail_world_new(uint64_t seed, struct trace *tr);
void mail_world_free(struct mail_world *mw);

/* Takes ownership of a. */
void mail_world_add_agent(struct mail_world *mw, struct agent *a);
struct agent *mail_world_find_agent(const struct mail_world *mw, const char *id);
/* The first agent of that role on host, or NULL. */
struct agent *mail_world_agent_on(const struct mail_world *mw, int host, const char *role);

void mail_world_add_account(struct mail_world *mw, const char *user, const char *password,
                            const char *address);
const struct account *mail_world_account(const struct mail_world *mw, const char *user);
const struct account *mail_world_account_by_address(const struct mail_world *mw,
                                                    const char *address);

/* Ties a Message-ID to a mail id. */
void mail_world_tag(struct mail_world *mw, const char *message_id, const char *mail);
/* Live mode (auto_tag): gives an untagged message with a Message-ID the next "liveN" mail id
 * and returns it; "" when it has no Message-ID. *fresh tells whether it was new. */
const char *mail_world_auto_tag(struct mail_world *mw, const uint8_t *data, size_t len,
                                bool *fresh);
/* The mail id of a message (found through its Message-ID header), or "" when untagged. */
const char *mail_world_mail_of(const struct mail_world *mw, const uint8_t *data, size_t len);

/* A new agent of size bytes, zeroed, whose first member is its struct agent: the common part
 * filled, the agent recorded in the trace's world header, and added to the world, which destroys it
 * (ops->destroy, then the common part and the agent) when it is freed, even if the caller's
 * constructor fails after this. Aborts when memory is exhausted, as the simulation does (README,
 * "When memory runs out"). */
void *agent_new(size_t size, const struct agent_ops *ops, struct mail_world *mw, const char *id,
                int host);

/* At virtual time at_us, records a narration note (kind "note") about agent ("" or NULL for
 * none) in Japanese and English. Copies the texts. */
void mail_world_note(struct mail_world *mw, uint64_t at_us, const char *agent, const char *ja,
                     const char *en);

/* A challenge that is new each time, in RFC 1939 §7's form "<process-ID.clock@hostname>", for
 * an APOP banner or a CRAM-MD5 challenge (RFC 2195 uses the same form). With os_random it holds
 * the process id, the real time and 64 bits from getrandom(2); otherwise two numbers from the
 * seeded RNG. Writes at most cap bytes, NUL-terminated. */
void mail_world_challenge(struct mail_world *mw, const char *hostname, char *out, size_t cap);

/* The wall-clock time of the virtual now, for Date: and Received: lines. */
int64_t mail_world_time(const struct mail_world *mw);

/* Runs the simulation until nothing is left to do or until_us passes. */
uint64_t mail_world_run(struct mail_world *mw, uint64_t until_us);

/* TLS (world_tls.c). The scenario CA, made on first use (Ed25519); it issues S/MIME
 * certificates too. */
struct tls_ca *mail_world_tls_ca(struct mail_world *mw);
/* A client context trusting only the scenario CA, with the key log attached when set. */
SSL_CTX *mail_world_tls_client(struct mail_world *mw);
/* A server context presenting a certificate for host's name, issued on first use. */
SSL_CTX *mail_world_tls_server(struct mail_world *mw, int host);
/* Handshake secrets of every client connection go to kl (NSS key log format) from now on. */
void mail_world_set_keylog(struct mail_world *mw, struct tls_keylog *kl);
void mail_world_tls_free(struct mail_world *mw);

/* End-to-end keys (world_keys.c): each user who uses S/MIME or OpenPGP gets a key when the world
 * is built, and the world is also the directory where correspondents find each other's public
 * keys (a certificate exchange, a keyserver or WKD in real life). */
struct pgp_ring;
/* The S/MIME identity (RSA key and certificate from the scenario CA) of address: made when
 * create is set and there is none; NULL when there is none and create is false. */
const struct tls_cert *mail_world_smime(struct mail_world *mw, const char *address,
                                        const char *display_name, bool create);
/* The user's own OpenPGP keyring, holding the user's secret key (made when create is set), and
 * its fingerprint in fpr (41 bytes). NULL when there is none and create is false. */
struct pgp_ring *mail_world_pgp(struct mail_world *mw, const char *address,
                                const char *display_name, bool create, char *fpr);
/* The public keys of every OpenPGP user, by address (the world's keyserver). */
struct pgp_ring *mail_world_pgp_directory(struct mail_world *mw);
void mail_world_keys_free(struct mail_world *mw);

/* strdup that aborts on exhaustion: a world half built would teach something false. */
char *mw_strdup(const char *s);
/* A copy of the n strings of v, each copied too (room for one when n is 0); mw_strv_free frees
 * it. Aborts on exhaustion, as mw_strdup does. */
char **mw_strv_dup(const char *const *v, size_t n);
void mw_strv_free(char **v, size_t n);

#endif
