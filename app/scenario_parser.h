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
    struct scenario_names zones, hosts, ips, links, accounts, agents, mails;
    char **link_keys; /* "A\nB", host indexes A < B, owned: duplicate links */
    size_t nlink_keys;
    struct scenario_agent *agent; /* the one being parsed */
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

#endif
