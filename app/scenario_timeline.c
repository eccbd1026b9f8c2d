/* scenario_timeline: the timeline of a scenario — what happens when: sends and fetches by MUAs,
 * outages of servers, a spammer's forged mail, a sniffer's offline attack, and narration — with
 * the keys each action takes and the role its agent must have. Part of the parser in
 * scenario.c. */
#include "scenario.h"

#include "scenario_json.h"
#include "scenario_parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A send's body is padded to at most this (the load scenarios use kilobytes). */
#define SCENARIO_MAX_BODY_BYTES (64u << 20)
#define SCENARIO_MAX_REPEAT 1000000

/* In enum scenario_action's order. */
static const char *const scenario_actions[] = {"send", "fetch", "down",  "up",
                                               "note", "spam",  "crack", NULL};
static const char *const scenario_event_keys[] = {"at", "agent", "action", "note", NULL};
static const char *const scenario_send_keys[] = {
    "mail", "to", "subject", "body", "repeat", "interval", "body_bytes", "auth", "password", NULL};
static const char *const scenario_spam_keys[] = {"mail", "to",   "subject",     "body", "target",
                                                 "port", "from", "header_from", NULL};
static const char *const scenario_no_keys[] = {NULL};

/* The keys of each action beyond the common ones, in scenario_actions' order. */
static const char *const *const scenario_action_keys[] = {
    scenario_send_keys, scenario_no_keys,   scenario_no_keys, scenario_no_keys,
    scenario_no_keys,   scenario_spam_keys, scenario_no_keys,
};

static const char *const scenario_only_spammer[] = {"spammer", NULL};
static const char *const scenario_only_sniffer[] = {"sniffer", NULL};

/* Splits "base-K" (K a decimal without leading zeros) into base and K. */
static bool scenario_split_repeat(const char *mail, char *base, size_t n, unsigned long *k)
{
    const char *dash = strrchr(mail, '-');
    size_t blen = dash ? (size_t)(dash - mail) : 0;
    if (!dash || blen == 0 || blen >= n || dash[1] < '1' || dash[1] > '9' || strlen(dash + 1) > 7 ||
        strspn(dash + 1, "0123456789") != strlen(dash + 1)) {
        return false;
    }
    memcpy(base, mail, blen);
    base[blen] = '\0';
    *k = strtoul(dash + 1, NULL, 10);
    return true;
}

/* Whether mail is an id some send produces: its own, or "id-K" for one that repeats. When it
 * names a send that repeats, *repeated is that event. */
static bool scenario_mail_known(const struct scenario_parser *p, const char *mail, size_t *repeated)
{
    size_t ev;
    unsigned long k;
    char base[80];
    *repeated = SIZE_MAX;
    if (scenario_names_find(&p->mails, mail, &ev)) {
        if (p->s->timeline[ev].repeat <= 1) {
            return true;
        }
        *repeated = ev;
    }
    return scenario_split_repeat(mail, base, sizeof base, &k) &&
           scenario_names_find(&p->mails, base, &ev) && p->s->timeline[ev].repeat > 1 &&
           k <= p->s->timeline[ev].repeat;
}

/* "\"to\" is a key for action send" (or "actions send and spam"), for a misplaced key. */
static void scenario_action_hint(const char *bad, char *hint, size_t n)
{
    const char *names[8];
    size_t k = 0;
    for (size_t a = 0; scenario_actions[a]; a++) {
        const char *const *keys = scenario_action_keys[a];
        if (keys[scenario_find_word(keys, bad)] && k < 8) {
            names[k++] = scenario_actions[a];
        }
    }
    char q[80];
    hint[0] = 0;
    if (k == 1) {
        snprintf(hint, n, "%s is a key for action %s", scenario_quote(bad, q, sizeof q), names[0]);
    } else if (k == 2) {
        snprintf(hint, n, "%s is a key for actions %s and %s", scenario_quote(bad, q, sizeof q),
                 names[0], names[1]);
    }
}

/* The keys of send and spam: a mail id, recipients, subject and body. */
static int scenario_parse_mail_keys(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_get_string(c, o, "mail", SCENARIO_REQUIRED, scenario_is_id,
                            "a mail id such as \"m1\" (letters, digits, '.', '_' or '-')",
                            &ev->mail) < 0 ||
        scenario_unique(p, &p->mails, "mail", ev->mail, i, "mail id", "$.timeline") < 0 ||
        scenario_get_strings(c, o, "to", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, scenario_is_address,
                             "an address such as \"bob@b.example\"", &ev->to, &ev->nto) < 0 ||
        scenario_get_string(c, o, "subject", 0, NULL, NULL, &ev->subject) < 0) {
        return -1;
    }
    return scenario_get_string(c, o, "body", 0, NULL, NULL, &ev->body);
}

static int scenario_parse_send(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    int64_t repeat = 1, bytes = 0;
    bool auth = true;
    if (scenario_parse_mail_keys(p, o, i) < 0 ||
        scenario_get_int(c, o, "repeat", 0, 1, SCENARIO_MAX_REPEAT, &repeat) < 0 ||
        scenario_get_duration(c, o, "interval", 0, &ev->interval_us) < 0 ||
        scenario_get_int(c, o, "body_bytes", 0, 0, SCENARIO_MAX_BODY_BYTES, &bytes) < 0 ||
        scenario_get_bool(c, o, "auth", &auth) < 0 ||
        scenario_get_string(c, o, "password", SCENARIO_NONEMPTY, NULL, NULL, &ev->password) < 0) {
        return -1;
    }
    ev->repeat = (unsigned)repeat;
    ev->body_bytes = (uint64_t)bytes;
    ev->no_auth = !auth;
    if (ev->interval_us && (uint64_t)(repeat - 1) > (UINT64_MAX - ev->at_us) / ev->interval_us) {
        return scenario_fail(c, "interval",
                             "the last of the repeated mails would be sent past "
                             "the end of time");
    }
    if (ev->no_auth && ev->password) {
        return scenario_fail(c, "password",
                             "a password goes with AUTH, and this send has "
                             "\"auth\": false");
    }
    return 0;
}

static int scenario_parse_spam(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_parse_mail_keys(p, o, i) < 0 ||
        scenario_host_key(p, o, "target", SCENARIO_REQUIRED, &ev->target) < 0 ||
        scenario_port(c, o, "port", &ev->port) < 0 ||
        scenario_get_string(c, o, "from", SCENARIO_REQUIRED, scenario_is_address,
                            "an address such as \"ceo@bank.example\"", &ev->from) < 0) {
        return -1;
    }
    return scenario_get_string(c, o, "header_from", SCENARIO_NONEMPTY, NULL, NULL,
                               &ev->header_from);
}

int scenario_parse_event(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    char *action = NULL;
    if (!cJSON_IsObject(o)) {
        return scenario_fail_type(c, NULL, o, "an object");
    }
    int rc = scenario_get_string(c, o, "action", SCENARIO_REQUIRED, NULL,
                                 "one of send, fetch, down, up, note, spam, crack", &action);
    if (rc == 0) {
        rc = scenario_check_enum(c, "action", action, scenario_actions);
    }
    if (rc < 0) {
        free(action);
        return -1;
    }
    ev->action = (enum scenario_action)scenario_find_word(scenario_actions, action);
    const char *allowed[24];
    size_t n = 0;
    for (size_t k = 0; scenario_event_keys[k]; k++) {
        allowed[n++] = scenario_event_keys[k];
    }
    for (const char *const *k = scenario_action_keys[ev->action]; *k; k++) {
        allowed[n++] = *k;
    }
    allowed[n] = NULL;
    const char *bad = scenario_unknown_key(o, allowed);
    char what[32], hint[120];
    snprintf(what, sizeof what, "for action %s", action);
    free(action);
    if (bad) {
        scenario_action_hint(bad, hint, sizeof hint);
        return scenario_fail_unknown(c, bad, allowed, what, hint[0] ? hint : NULL);
    }
    const char *const *roles = scenario_servers;
    if (ev->action == SCENARIO_SEND || ev->action == SCENARIO_FETCH) {
        roles = scenario_only_mua;
    } else if (ev->action == SCENARIO_SPAM) {
        roles = scenario_only_spammer;
    } else if (ev->action == SCENARIO_CRACK) {
        roles = scenario_only_sniffer;
    }
    bool note = ev->action == SCENARIO_NOTE;
    if (scenario_check_keys(c, o, allowed, what) < 0 ||
        scenario_get_duration(c, o, "at", SCENARIO_REQUIRED, &ev->at_us) < 0 ||
        scenario_get_string(c, o, "agent", note ? 0 : SCENARIO_REQUIRED, NULL, NULL, &ev->agent) <
            0 ||
        (ev->agent && note &&
         scenario_ref(c, "agent", ev->agent, &p->agents, "an agent id from $.agents", NULL) < 0) ||
        (ev->agent && !note && scenario_agent_ref(p, "agent", ev->agent, roles) < 0) ||
        scenario_get_text(c, o, "note", note ? SCENARIO_REQUIRED : 0, &ev->note.ja, &ev->note.en) <
            0) {
        return -1;
    }
    if (ev->action == SCENARIO_SEND) {
        return scenario_parse_send(p, o, i);
    }
    return ev->action == SCENARIO_SPAM ? scenario_parse_spam(p, o, i) : 0;
}

/* A send's id must not be one a repeating send makes ("m-2" beside "m" with repeat 3). */
int scenario_check_mail_ids(struct scenario_parser *p, const cJSON *o, size_t i)
{
    const struct scenario_event *ev = &p->s->timeline[i];
    size_t other;
    unsigned long k;
    char base[80];
    (void)o;
    if ((ev->action != SCENARIO_SEND && ev->action != SCENARIO_SPAM) || ev->repeat > 1 ||
        !scenario_split_repeat(ev->mail, base, sizeof base, &k) ||
        !scenario_names_find(&p->mails, base, &other) || p->s->timeline[other].repeat <= 1 ||
        k > p->s->timeline[other].repeat) {
        return 0;
    }
    return scenario_fail(&p->c, "mail",
                         "mail id \"%s\" is also made by the send at $.timeline[%zu] (\"%s\" "
                         "with repeat %u makes \"%s-1\" to \"%s-%u\")",
                         ev->mail, other, base, p->s->timeline[other].repeat, base, base,
                         p->s->timeline[other].repeat);
}

int scenario_mail_ref(struct scenario_parser *p, const char *key, const char *mail)
{
    size_t rep;
    if (scenario_mail_known(p, mail, &rep)) {
        return 0;
    }
    char q[80];
    if (rep != SIZE_MAX) {
        unsigned n = p->s->timeline[rep].repeat;
        return scenario_fail(&p->c, key,
                             "expected a mail id from a send in $.timeline, got %s (the send at "
                             "$.timeline[%zu] repeats: its mails are \"%s-1\" to \"%s-%u\")",
                             scenario_quote(mail, q, sizeof q), rep, mail, mail, n);
    }
    return scenario_ref(&p->c, key, mail, &p->mails, "a mail id from a send in $.timeline", NULL);
}
