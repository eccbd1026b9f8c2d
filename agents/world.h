/* world: the agents of one run and what they share — the simulation, the trace, the DNS, the
 * accounts, and the table that ties a message to its mail id ("m1") so that every agent can mark
 * the steps of the mail it is handling. The app builds a world from a scenario. */
#ifndef MAILSIM_WORLD_H
#define MAILSIM_WORLD_H

#include "sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent;

/* What every agent is; each role's struct starts with one of these. */
struct agent_ops {
    const char *role;    /* "mua", "msa", "mta", "mda", "mra", "dns", "filter" */
    const char *program; /* a real program in that role, for the viewer: "Postfix" */
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
    size_t *tag_index; /* open addressing on message_id: tag position + 1, 0 empty */
    size_t tag_index_cap;
    struct mail_note *notes;
    size_t nnotes, cap_notes;
    char *maildir_root; /* when set, MDAs also write real Maildirs under it */
    int64_t epoch;      /* the wall-clock time (Unix seconds) at virtual time 0, for Date: */
    int tz_minutes;     /* the zone of Date: and Received: lines, e.g. 540 for +0900 */
    /* Counters for summaries and expectations. */
    uint64_t delivered;  /* messages stored in a mailbox (per recipient) */
    uint64_t retrieved;  /* messages fetched by an MUA */
    uint64_t bounced;    /* delivery status notifications generated */
    uint64_t rejected;   /* messages refused with a 5xx at some hop */
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
/* The mail id of a message (found through its Message-ID header), or "" when untagged. */
const char *mail_world_mail_of(const struct mail_world *mw, const uint8_t *data, size_t len);

/* Fills the common part of an agent and records it in the trace's world header. */
void agent_init(struct agent *a, const struct agent_ops *ops, struct mail_world *mw,
                const char *id, int host);
void agent_fini(struct agent *a);

/* At virtual time at_us, records a narration note (kind "note") about agent ("" or NULL for
 * none) in Japanese and English. Copies the texts. */
void mail_world_note(struct mail_world *mw, uint64_t at_us, const char *agent, const char *ja,
                     const char *en);

/* The wall-clock time of the virtual now, for Date: and Received: lines. */
int64_t mail_world_time(const struct mail_world *mw);

/* Runs the simulation until nothing is left to do or until_us passes. */
uint64_t mail_world_run(struct mail_world *mw, uint64_t until_us);

/* strdup that aborts on exhaustion: a world half built would teach something false. */
char *mw_strdup(const char *s);

#endif
