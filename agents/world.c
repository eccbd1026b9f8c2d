/* world: the container of a run's agents, accounts and mail ids. */
#include "world.h"

#include "message.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static void *mw_grow(void *p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return p;
    }
    size_t ncap = *cap ? *cap * 2 : 8;
    void *q = realloc(p, ncap * elem);
    if (!q) {
        fprintf(stderr, "mailsim: out of memory\n");
        abort();
    }
    *cap = ncap;
    return q;
}

#define MW_PUSH(o, arr, n, cap)                                                                    \
    ((o)->arr = mw_grow((o)->arr, &(o)->cap, (o)->n, sizeof *(o)->arr), &(o)->arr[(o)->n++])

char *mw_strdup(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = malloc(n + 1);
    if (!d) {
        fprintf(stderr, "mailsim: out of memory\n");
        abort();
    }
    memcpy(d, s ? s : "", n + 1);
    return d;
}

char **mw_strv_dup(const char *const *v, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    if (!out) {
        fprintf(stderr, "mailsim: out of memory\n");
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = mw_strdup(v[i]);
    }
    return out;
}

void mw_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* 64 bits from the kernel's random source; OpenSSL's generator (seeded from the same source)
 * if getrandom(2) is not there. Aborts rather than hand out a guessable challenge. */
static uint64_t mw_os_random64(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) == (ssize_t)sizeof v) {
        return v;
    }
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1) {
        fprintf(stderr, "mailsim: no random source for a challenge\n");
        abort();
    }
    return v;
}

void mail_world_challenge(struct mail_world *mw, const char *hostname, char *out, size_t cap)
{
    if (mw->os_random) {
        /* RFC 1939 §7: "the timestamp MUST be different each time the POP3 server issues a
         * banner greeting". Across restarts too, or a recorded APOP line logs in again. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(out, cap, "<%ld.%lld.%016llx@%s>", (long)getpid(), (long long)ts.tv_sec,
                 (unsigned long long)mw_os_random64(), hostname);
        return;
    }
    /* The clock part is drawn first: recorded runs drew them in this order, and a scripted run
     * must keep its timestamps. */
    struct sim_rng *rng = sim_rng(mw->sim);
    unsigned clock = rng_range(rng, 100000000, 999999999);
    unsigned pid = rng_range(rng, 1000, 99999);
    snprintf(out, cap, "<%u.%u@%s>", pid, clock, hostname);
}

struct mail_world *mail_world_new(uint64_t seed, struct trace *tr)
{
    struct mail_world *mw = calloc(1, sizeof *mw);
    if (!mw) {
        return NULL;
    }
    mw->tr = tr;
    mw->sim = sim_world_new(seed, tr);
    if (!mw->sim) {
        free(mw);
        return NULL;
    }
    return mw;
}

void mail_world_free(struct mail_world *mw)
{
    if (!mw) {
        return;
    }
    if (mw->observer_free) {
        mw->observer_free(mw->observer_ctx);
    }
    /* Agents go in reverse order of creation: later ones may refer to earlier ones. */
    for (size_t i = mw->nagents; i-- > 0;) {
        struct agent *a = mw->agents[i];
        a->ops->destroy(a);
        free(a->id); /* the common part agent_new filled, and the agent it allocated */
        free(a);
    }
    free(mw->agents);
    for (size_t i = 0; i < mw->naccounts; i++) {
        free(mw->accounts[i].user);
        free(mw->accounts[i].password);
        free(mw->accounts[i].address);
    }
    free(mw->accounts);
    for (size_t i = 0; i < mw->ntags; i++) {
        free(mw->tags[i].message_id);
        free(mw->tags[i].mail);
    }
    free(mw->tags);
    strmap_free(&mw->tag_index);
    for (size_t i = 0; i < mw->nnotes; i++) {
        free(mw->notes[i].agent);
        free(mw->notes[i].ja);
        free(mw->notes[i].en);
    }
    free(mw->notes);
    free(mw->maildir_root);
    free(mw->tls_name);
    sim_world_free(mw->sim);
    mail_world_keys_free(mw);
    mail_world_tls_free(mw);
    free(mw);
}

/* Fills the common part of an agent and records it in the trace's world header. */
static void agent_init(struct agent *a, const struct agent_ops *ops, struct mail_world *mw,
                       const char *id, int host)
{
    a->ops = ops;
    a->mw = mw;
    a->id = mw_strdup(id);
    a->host = host;
    sim_agent_add(mw->sim, id, ops->role, ops->program, host);
}

void *agent_new(size_t size, const struct agent_ops *ops, struct mail_world *mw, const char *id,
                int host)
{
    struct agent *a = calloc(1, size);
    if (!a) {
        abort();
    }
    agent_init(a, ops, mw, id, host);
    mail_world_add_agent(mw, a);
    return a;
}

void mail_world_add_agent(struct mail_world *mw, struct agent *a)
{
    *MW_PUSH(mw, agents, nagents, cap_agents) = a;
}

struct agent *mail_world_find_agent(const struct mail_world *mw, const char *id)
{
    for (size_t i = 0; i < mw->nagents; i++) {
        if (strcmp(mw->agents[i]->id, id) == 0) {
            return mw->agents[i];
        }
    }
    return NULL;
}

struct agent *mail_world_agent_on(const struct mail_world *mw, int host, const char *role)
{
    for (size_t i = 0; i < mw->nagents; i++) {
        if (mw->agents[i]->host == host && strcmp(mw->agents[i]->ops->role, role) == 0) {
            return mw->agents[i];
        }
    }
    return NULL;
}

void mail_world_add_account(struct mail_world *mw, const char *user, const char *password,
                            const char *address)
{
    struct account *a = MW_PUSH(mw, accounts, naccounts, cap_accounts);
    a->user = mw_strdup(user);
    a->password = mw_strdup(password);
    a->address = mw_strdup(address);
}

const struct account *mail_world_account(const struct mail_world *mw, const char *user)
{
    for (size_t i = 0; i < mw->naccounts; i++) {
        if (strcmp(mw->accounts[i].user, user) == 0) {
            return &mw->accounts[i];
        }
    }
    return NULL;
}

const struct account *mail_world_account_by_address(const struct mail_world *mw,
                                                    const char *address)
{
    for (size_t i = 0; i < mw->naccounts; i++) {
        /* RFC 5321 §2.4: the domain part is case-insensitive; treat the local part the same,
         * as nearly every real server does. */
        if (strcasecmp(mw->accounts[i].address, address) == 0) {
            return &mw->accounts[i];
        }
    }
    return NULL;
}

void mail_world_tag(struct mail_world *mw, const char *message_id, const char *mail)
{
    struct mail_tag *t = MW_PUSH(mw, tags, ntags, cap_tags);
    t->message_id = mw_strdup(message_id);
    t->mail = mw_strdup(mail);
    t->submitted_at = sim_now(mw->sim);
    /* A Message-ID tagged twice keeps its newest mail id. */
    if (strmap_put(&mw->tag_index, t->message_id, mw->ntags - 1) < 0) {
        fprintf(stderr, "mailsim: out of memory\n");
        abort();
    }
}

/* The Message-ID of a message without its angle brackets and surrounding blanks, written into
 * id[cap]; NULL when the message has no Message-ID header. */
static const char *mw_message_id(const uint8_t *data, size_t len, char *id, size_t cap)
{
    if (message_header_get(data, len, "Message-ID", id, cap) < 0) {
        return NULL;
    }
    char *p = id;
    while (*p == ' ' || *p == '\t' || *p == '<') {
        p++;
    }
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == '>' || p[n - 1] == ' ' || p[n - 1] == '\t')) {
        n--;
    }
    p[n] = 0;
    return p;
}

/* The mail id tagged with message_id, or "". */
static const char *mw_mail_of_id(const struct mail_world *mw, const char *message_id)
{
    size_t k;
    return strmap_get(&mw->tag_index, message_id, &k) ? mw->tags[k].mail : "";
}

const char *mail_world_mail_of(const struct mail_world *mw, const uint8_t *data, size_t len)
{
    char id[512];
    const char *p = mw_message_id(data, len, id, sizeof id);
    return p ? mw_mail_of_id(mw, p) : "";
}

const char *mail_world_auto_tag(struct mail_world *mw, const uint8_t *data, size_t len, bool *fresh)
{
    *fresh = false;
    char id[512];
    const char *p = mw_message_id(data, len, id, sizeof id);
    if (!p) {
        return "";
    }
    const char *mail = mw_mail_of_id(mw, p);
    if (*mail || !*p) {
        return mail;
    }
    char name[32];
    snprintf(name, sizeof name, "live%lu", ++mw->auto_tags);
    mail_world_tag(mw, p, name);
    *fresh = true;
    return mw_mail_of_id(mw, p);
}

static void mw_note_due(struct sim_world *w, void *ctx, uint64_t index)
{
    struct mail_world *mw = ctx;
    const struct mail_note *n = &mw->notes[index];
    trace_note(mw->tr, sim_now(w), n->agent, n->ja, n->en);
}

void mail_world_note(struct mail_world *mw, uint64_t at_us, const char *agent, const char *ja,
                     const char *en)
{
    struct mail_note *n = MW_PUSH(mw, notes, nnotes, cap_notes);
    n->agent = mw_strdup(agent);
    n->ja = mw_strdup(ja);
    n->en = mw_strdup(en);
    sim_schedule(mw->sim, at_us, mw_note_due, mw, mw->nnotes - 1);
}

int64_t mail_world_time(const struct mail_world *mw)
{
    return mw->epoch + (int64_t)(sim_now(mw->sim) / 1000000);
}

uint64_t mail_world_run(struct mail_world *mw, uint64_t until_us)
{
    if (!mw->observer) {
        return sim_run(mw->sim, until_us);
    }
    uint64_t n = 0;
    while (sim_next_at(mw->sim) <= until_us && sim_step(mw->sim)) {
        mw->observer(mw->observer_ctx, mw->tr);
        n++;
    }
    return n;
}
