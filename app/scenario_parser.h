/* scenario_parser: what scenario.c and scenario_agents.c share — the parser's state (the
 * scenario being filled and the name tables for duplicates and references) and the helpers
 * that need it. Private to app/. */
#ifndef MAILSIM_SCENARIO_PARSER_H
#define MAILSIM_SCENARIO_PARSER_H

#include "scenario.h"
#include "scenario_json.h"

struct scenario_parser {
    struct scenario_ctx c;
    struct scenario *s;
    struct scenario_names zones, hosts, ips, links, accounts, agents, mails, taps;
    char **link_keys; /* "A\nB", host indexes A < B, owned: duplicate links */
    size_t nlink_keys;
    struct scenario_agent *agent; /* the one being parsed */
    struct scenario_zip *zip;     /* the zip attachment being parsed */
    bool variant;                 /* parsing a variant: its countermeasures were checked */
};

#define SCENARIO_ID_FORM "an id of letters, digits, '.', '_' or '-' (at most 64 characters)"
#define SCENARIO_HOST_FORM "a host name such as \"mail.a.example\""
#define SCENARIO_DOMAIN_FORM "a domain such as \"a.example\""

/* Roles an agent reference may name (NULL-ended). */
extern const char *const scenario_only_mua[];
extern const char *const scenario_only_mta[];
extern const char *const scenario_only_mda[];
extern const char *const scenario_only_dns[];
extern const char *const scenario_servers[]; /* mta, filter, msa, mra: what down and up stop */
/* The keys an agent of role may have, NULL-ended; NULL for an unknown role. */
const char *const *scenario_role_keys(const char *role);

/* value (the string at key) must be the id of an agent whose role is in roles. */
int scenario_agent_ref(struct scenario_parser *p, const char *key, const char *value,
                       const char *const *roles);
/* Adds name (the string at key) to t, or says where it was first; list is t's JSON path. */
int scenario_unique(struct scenario_parser *p, struct scenario_names *t, const char *key,
                    const char *name, size_t index, const char *what, const char *list);
/* An optional (or, with flags, required) string at key that must name a host. */
int scenario_host_key(struct scenario_parser *p, const cJSON *o, const char *key, int flags,
                      char **out);
/* Pushes key, then each index of the array arr, calling each(p, item, index). */
typedef int (*scenario_item_fn)(struct scenario_parser *p, const cJSON *item, size_t i);
int scenario_each(struct scenario_parser *p, const cJSON *arr, const char *key,
                  scenario_item_fn each);

/* scenario_agents.c: one agent, then (once all are known) its references to others. */
int scenario_parse_agent(struct scenario_parser *p, const cJSON *o, size_t i);
int scenario_link_agent(struct scenario_parser *p, const cJSON *o, size_t i);

/* scenario_timeline.c: the timeline's events, then the mail ids they make. */
int scenario_parse_event(struct scenario_parser *p, const cJSON *o, size_t i);
int scenario_check_mail_ids(struct scenario_parser *p, const cJSON *o, size_t i);
/* mail (the string at key) must be a mail id a send or spam makes. */
int scenario_mail_ref(struct scenario_parser *p, const char *key, const char *mail);

/* scenario_expect.c: the expect block (o is its object; the path is at $.expect). */
int scenario_parse_expect(struct scenario_parser *p, const cJSON *o);
/* o's "finding" (one of the sniff findings), "value" and "tap" (a tap name), compiled into a
 * sniffed claim; NULL with p's error. */
struct claim *scenario_sniff_claim(struct scenario_parser *p, const cJSON *o);
/* o's "mail" (a mail id), "state" (one of the mail states) and, with with_agent, "agent" (an
 * agent id), compiled into a mail_state claim; NULL with p's error. */
struct claim *scenario_mail_state_claim(struct scenario_parser *p, const cJSON *o, bool with_agent);

/* scenario_security.c: taps (after hosts and links), countermeasures and attacks (after
 * everything else), and the check that each countermeasure's other state is a valid scenario
 * (skipped when p->variant: a variant is being parsed). */
int scenario_parse_taps(struct scenario_parser *p, const cJSON *root);
int scenario_parse_security(struct scenario_parser *p, const cJSON *root);
void scenario_free_security(struct scenario *s);
/* scenario_story.c: the beats the scenario tells in its own words (after the agents). */
int scenario_parse_beats(struct scenario_parser *p, const cJSON *root);
void scenario_free_beats(struct scenario *s);
/* scenario.c: frees both languages of a text read by scenario_get_text (the struct is the
 * caller's). */
void scenario_text_free(struct scenario_text *t);
/* Parses text as a scenario; variant: it is a variant made by scenario_variant (its toggles are
 * not tried again). */
struct scenario *scenario_parse_text(const char *text, size_t len, const char *name, bool variant,
                                     char *err, size_t errlen);

#endif
