/* scenario_agents: the agents of a scenario — the keys each role takes (a key of another role
 * is an error that says whose it is), their values, and the references from one agent to a
 * host, an account or another agent. Part of the parser in scenario.c. */
#include "scenario.h"

#include "scenario_json.h"
#include "scenario_parser.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const scenario_mua_keys[] = {
    "user", "display_name",   "submit_host", "submit_port", "auth_mech", "pop_host",   "pop_port",
    "apop", "keep_on_server", "submit_tls",  "pop_tls",     "encrypt",   "pop_tunnel", NULL};
/* Postfix's smtpd parameters, which the MSA and the MTA both take (scenario_parse_smtpd). */
#define SCENARIO_SMTPD_KEYS                                                                        \
    "smtpd_helo_required", "strict_rfc821_envelopes", "disable_vrfy_command",                      \
        "smtpd_forbid_bare_newline", "smtpd_error_sleep_time", "smtpd_soft_error_limit",           \
        "smtpd_hard_error_limit"
static const char *const scenario_msa_keys[] = {"mta",
                                                "port",
                                                "hostname",
                                                "auth_mechs",
                                                "require_auth",
                                                "starttls",
                                                "smtps",
                                                "tls_auth_only",
                                                "smtpd_tls_security_level",
                                                "auth_failure_delay",
                                                SCENARIO_SMTPD_KEYS,
                                                NULL};
#define SCENARIO_MTA_KEYS                                                                          \
    "hostname", "port", "listen", "mydestination", "relay_domains", "mynetworks",                  \
        "permit_sasl_authenticated", "reject_unauth_destination", "open_relay", "transport",       \
        "relayhost", "mda", "dns", "relay_step", "retry", "max_attempts", "max_message_size",      \
        "max_recipients", "maillog", "pop_before_smtp", "smtpd_tls", "smtp_tls"
static const char *const scenario_mta_keys[] = {SCENARIO_MTA_KEYS, SCENARIO_SMTPD_KEYS, NULL};
static const char *const scenario_filter_keys[] = {SCENARIO_MTA_KEYS, SCENARIO_SMTPD_KEYS,
                                                   "alert_encrypted_archive", NULL};
static const char *const scenario_mda_keys[] = {"aliases", NULL};
static const char *const scenario_mra_keys[] = {
    "mda", "port", "hostname", "apop", "user_pass", "stls", "pop3s", "auth_failure_delay", NULL};
static const char *const scenario_dns_keys[] = {"mx", NULL};
static const char *const scenario_spammer_keys[] = {"helo", NULL};
static const char *const scenario_sniffer_keys[] = {"taps", "dictionary", NULL};
static const char *const scenario_mitm_keys[] = {"at", NULL};
static const char *const scenario_sshd_keys[] = {"port", "user", "forward_port", NULL};
static const char *const scenario_webform_keys[] = {
    "user", "submit_host", "submit_port", "to", "reject_crlf", "recipients_from_headers", NULL};

static const char *const scenario_agent_keys[] = {"id", "role", "host", "program", NULL};

/* The words of each list in scenario.h, NULL-ended, in the order of its enum. */
#define SCENARIO_ROLE_WORD(id, word) #word,
static const char *const scenario_role_names[] = {SCENARIO_ROLES(SCENARIO_ROLE_WORD) NULL};
#undef SCENARIO_ROLE_WORD
#define SCENARIO_ENUM_NAME(id, name) name,
static const char *const scenario_mechs[] = {SCENARIO_MECHS(SCENARIO_ENUM_NAME) NULL};
static const char *const scenario_submit_tls[] = {SCENARIO_SUBMIT_TLS(SCENARIO_ENUM_NAME) NULL};
static const char *const scenario_pop_tls[] = {SCENARIO_POP_TLS(SCENARIO_ENUM_NAME) NULL};
static const char *const scenario_tls_levels[] = {SCENARIO_TLS_LEVELS(SCENARIO_ENUM_NAME) NULL};
static const char *const scenario_encrypt[] = {SCENARIO_E2E(SCENARIO_ENUM_NAME) NULL};
static const char *const scenario_tunnels[] = {SCENARIO_TUNNELS(SCENARIO_ENUM_NAME) NULL};
static const char *const scenario_bare_newline[] = {SCENARIO_BARE_NEWLINES(SCENARIO_ENUM_NAME)
                                                        NULL};
#undef SCENARIO_ENUM_NAME

/* Which roles may be referred to from a place, and how a message says so. */
const char *const scenario_only_mua[] = {"mua", NULL};
const char *const scenario_only_mta[] = {"mta", NULL};
const char *const scenario_only_mda[] = {"mda", NULL};
const char *const scenario_only_dns[] = {"dns", NULL};
const char *const scenario_servers[] = {"mta", "filter", "msa", "mra", NULL};
static const char *const scenario_only_mra[] = {"mra", NULL};

const char *scenario_role_name(enum scenario_role r)
{
    return (unsigned)r < SCENARIO_ROLE_COUNT ? scenario_role_names[r] : NULL;
}

/* An optional string at key that must be one of names (a NULL-ended list from scenario.h):
 * *mode is its index, and *word (when word is not NULL) the entry of names; an absent key
 * leaves both alone. */
static int scenario_agent_mode(struct scenario_ctx *c, const cJSON *o, const char *key,
                               const char *const *names, size_t *mode, const char **word)
{
    char *s = NULL;
    if (scenario_get_string(c, o, key, 0, NULL, NULL, &s) < 0) {
        return -1;
    }
    int rc = s ? scenario_check_enum(c, key, s, names) : 0;
    if (s && rc == 0) {
        *mode = scenario_find_word(names, s);
        if (word) {
            *word = names[*mode];
        }
    }
    free(s);
    return rc;
}

static int scenario_parse_mua(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    size_t mech = 0, submit = 0, pop = 0, e2e = 0, tunnel = 0;
    if (scenario_get_string(c, o, "user", SCENARIO_REQUIRED, NULL, NULL, &a->user) < 0 ||
        scenario_ref(c, "user", a->user, &p->accounts, "a user from $.accounts", NULL) < 0 ||
        scenario_get_string(c, o, "display_name", 0, NULL, NULL, &a->display_name) < 0 ||
        scenario_host_key(p, o, "submit_host", 0, &a->submit_host) < 0 ||
        scenario_port(c, o, "submit_port", &a->submit_port) < 0 ||
        scenario_agent_mode(c, o, "auth_mech", scenario_mechs, &mech, NULL) < 0 ||
        scenario_host_key(p, o, "pop_host", 0, &a->pop_host) < 0 ||
        scenario_port(c, o, "pop_port", &a->pop_port) < 0 ||
        scenario_get_bool(c, o, "apop", &a->apop) < 0 ||
        scenario_agent_mode(c, o, "submit_tls", scenario_submit_tls, &submit, &a->submit_tls) < 0 ||
        scenario_agent_mode(c, o, "pop_tls", scenario_pop_tls, &pop, &a->pop_tls) < 0 ||
        scenario_agent_mode(c, o, "encrypt", scenario_encrypt, &e2e, &a->encrypt) < 0 ||
        scenario_agent_mode(c, o, "pop_tunnel", scenario_tunnels, &tunnel, &a->pop_tunnel) < 0) {
        return -1;
    }
    a->mode.auth_mech = (enum scenario_mech)mech;
    a->mode.submit_tls = (enum scenario_submit_tls)submit;
    a->mode.pop_tls = (enum scenario_pop_tls)pop;
    a->mode.encrypt = (enum scenario_e2e)e2e;
    a->mode.pop_tunnel = (enum scenario_tunnel)tunnel;
    return scenario_get_bool(c, o, "keep_on_server", &a->keep_on_server);
}

/* Postfix's smtpd parameters, with Postfix's defaults for the keys that are absent. */
static int scenario_parse_smtpd(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    size_t bare = 0;
    a->smtpd_error_sleep_us = 1000000;
    a->smtpd_soft_error_limit = 10;
    a->smtpd_hard_error_limit = 20;
    if (scenario_get_bool(c, o, "smtpd_helo_required", &a->smtpd_helo_required) < 0 ||
        scenario_get_bool(c, o, "strict_rfc821_envelopes", &a->strict_rfc821_envelopes) < 0 ||
        scenario_get_bool(c, o, "disable_vrfy_command", &a->disable_vrfy_command) < 0 ||
        scenario_agent_mode(c, o, "smtpd_forbid_bare_newline", scenario_bare_newline, &bare, NULL) <
            0 ||
        scenario_get_duration(c, o, "smtpd_error_sleep_time", 0, &a->smtpd_error_sleep_us) < 0 ||
        scenario_get_int(c, o, "smtpd_soft_error_limit", 0, 0, 1000000,
                         &a->smtpd_soft_error_limit) < 0 ||
        scenario_get_int(c, o, "smtpd_hard_error_limit", 0, 0, 1000000,
                         &a->smtpd_hard_error_limit) < 0) {
        return -1;
    }
    a->mode.smtpd_forbid_bare_newline = (enum scenario_bare_newline)bare;
    /* The sleeps are the simulation's time: a scripted run does not wait for them, but a
     * scenario that slept for hours would never end its story. */
    if (a->smtpd_error_sleep_us > 60000000u) {
        return scenario_fail(c, "smtpd_error_sleep_time", "at most a minute, got %llu us",
                             (unsigned long long)a->smtpd_error_sleep_us);
    }
    return 0;
}

/* Dovecot's auth_failure_delay (default 2 s), for the MRA and for the SASL server behind the
 * MSA's AUTH. */
static int scenario_parse_auth_delay(struct scenario_parser *p, const cJSON *o,
                                     struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    a->auth_failure_delay_us = 2000000;
    if (scenario_get_duration(c, o, "auth_failure_delay", 0, &a->auth_failure_delay_us) < 0) {
        return -1;
    }
    if (a->auth_failure_delay_us > 60000000u) {
        return scenario_fail(c, "auth_failure_delay", "at most a minute, got %llu us",
                             (unsigned long long)a->auth_failure_delay_us);
    }
    return 0;
}

/* The MSA's settings but for the words in auth_mechs, which are read into *mechs (the caller
 * frees them) and checked last. */
static int scenario_parse_msa_settings(struct scenario_parser *p, const cJSON *o,
                                       struct scenario_agent *a, char ***mechs, size_t *nmechs)
{
    struct scenario_ctx *c = &p->c;
    if (scenario_get_string(c, o, "mta", SCENARIO_REQUIRED, NULL, NULL, &a->mta) < 0 ||
        scenario_port(c, o, "port", &a->port) < 0 ||
        scenario_get_string(c, o, "hostname", 0, scenario_is_domain, SCENARIO_HOST_FORM,
                            &a->hostname) < 0 ||
        scenario_get_strings(c, o, "auth_mechs", 0, NULL, NULL, mechs, nmechs) < 0) {
        return -1;
    }
    bool require_auth = true;
    const char *level_word = NULL;
    size_t level = SCENARIO_TLS_NONE;
    if (scenario_get_bool(c, o, "require_auth", &require_auth) < 0 ||
        scenario_get_bool(c, o, "starttls", &a->starttls) < 0 ||
        scenario_get_bool(c, o, "smtps", &a->smtps) < 0 ||
        scenario_get_bool(c, o, "tls_auth_only", &a->tls_auth_only) < 0 ||
        scenario_agent_mode(c, o, "smtpd_tls_security_level", scenario_tls_levels, &level,
                            &level_word) < 0 ||
        scenario_parse_smtpd(p, o, a) < 0 || scenario_parse_auth_delay(p, o, a) < 0) {
        return -1;
    }
    /* starttls is the short way to say smtpd_tls_security_level = may; both at once must agree. */
    if (level_word && cJSON_GetObjectItemCaseSensitive(o, "starttls") &&
        a->starttls != (level != SCENARIO_TLS_NONE)) {
        return scenario_fail(c, "starttls",
                             "%s disagrees with \"smtpd_tls_security_level\": \"%s\" (starttls is "
                             "the short way to say \"may\")",
                             a->starttls ? "true" : "false", level_word);
    }
    a->mode.smtpd_tls_security_level = (enum scenario_tls_level)level;
    a->no_auth_required = !require_auth;
    return 0;
}

static int scenario_parse_msa(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    char **mechs = NULL;
    size_t n = 0;
    int rc = scenario_parse_msa_settings(p, o, a, &mechs, &n);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        size_t old = scenario_path_key(c, "auth_mechs");
        size_t at = scenario_path_index(c, k);
        rc = scenario_check_enum(c, NULL, mechs[k], scenario_mechs);
        scenario_path_pop(c, at);
        scenario_path_pop(c, old);
        a->auth_mechs |= rc == 0 ? 1u << scenario_find_word(scenario_mechs, mechs[k]) : 0;
    }
    for (size_t k = 0; mechs && k < n; k++) {
        free(mechs[k]);
    }
    free(mechs);
    return rc;
}

/* The optional object at key, with one zeroed struct of size bytes allocated per member into out
 * and *nout: 1 with *map set, 0 when the key is absent, -1 on an error (reported). */
static int scenario_agent_map(struct scenario_ctx *c, const cJSON *o, const char *key, size_t size,
                              void *out, size_t *nout, const cJSON **map)
{
    size_t n;
    if (scenario_get_list(c, o, key, 0, true, map, &n) < 0) {
        return -1;
    }
    if (!*map) {
        return 0;
    }
    return scenario_alloc(c, key, n, size, out, nout) < 0 ? -1 : 1;
}

static int scenario_parse_transport(struct scenario_parser *p, const cJSON *o,
                                    struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    const cJSON *map;
    int found = scenario_agent_map(c, o, "transport", sizeof *a->transports, &a->transports,
                                   &a->ntransports, &map);
    if (found <= 0) {
        return found;
    }
    struct scenario_names seen = {0};
    if (scenario_names_init(&seen, a->ntransports) < 0) {
        return scenario_fail(c, "transport", "out of memory");
    }
    size_t old = scenario_path_key(c, "transport"), i = 0, first;
    int rc = 0;
    for (const cJSON *e = map->child; e && rc == 0; e = e->next, i++) {
        struct scenario_transport *t = &a->transports[i];
        char q[80];
        if (!scenario_is_domain(e->string)) {
            rc = scenario_fail(c, NULL, "expected domains as keys, got %s",
                               scenario_quote(e->string, q, sizeof q));
        } else if (scenario_names_add(&seen, e->string, i, &first) == 0) {
            rc = scenario_fail(c, e->string, "the key appears twice in one object");
        } else if (!cJSON_IsString(e) || !e->valuestring) {
            rc = scenario_fail_type(c, e->string, e, "a host name from $.hosts");
        } else if (!(t->domain = strdup(e->string)) || !(t->nexthop = strdup(e->valuestring))) {
            rc = scenario_fail(c, NULL, "out of memory");
        } else {
            rc =
                scenario_ref(c, e->string, t->nexthop, &p->hosts, "a host name from $.hosts", NULL);
        }
    }
    scenario_path_pop(c, old);
    scenario_names_free(&seen);
    return rc;
}

/* "pop_before_smtp": {"mra": "mra.a", "minutes": 10} */
static int scenario_parse_pop_before_smtp(struct scenario_parser *p, const cJSON *o,
                                          struct scenario_agent *a)
{
    static const char *const keys[] = {"mra", "minutes", NULL};
    struct scenario_ctx *c = &p->c;
    const cJSON *pop;
    int64_t minutes = 0;
    if (scenario_get_list(c, o, "pop_before_smtp", 0, true, &pop, NULL) < 0) {
        return -1;
    }
    if (!pop) {
        return 0;
    }
    size_t old = scenario_path_key(c, "pop_before_smtp");
    int rc = scenario_check_keys(c, pop, keys, "in pop_before_smtp");
    if (rc == 0) {
        rc = scenario_get_string(c, pop, "mra", SCENARIO_REQUIRED, NULL, NULL, &a->pop_mra);
    }
    if (rc == 0) {
        /* DRAC's default is 30 minutes; a day is the most anyone would open a hole for. */
        rc = scenario_get_int(c, pop, "minutes", SCENARIO_REQUIRED, 1, 1440, &minutes);
    }
    scenario_path_pop(c, old);
    a->pop_window_us = (uint64_t)minutes * 60000000u;
    return rc;
}

static int scenario_parse_mta(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    bool listen = true;
    int64_t step = 0, attempts = 0, size = 0, rcpts = 0;
    size_t smtp_tls = 0;
    a->permit_sasl_authenticated = true;
    if (scenario_get_string(c, o, "hostname", 0, scenario_is_domain, SCENARIO_HOST_FORM,
                            &a->hostname) < 0 ||
        scenario_port(c, o, "port", &a->port) < 0 ||
        scenario_get_bool(c, o, "listen", &listen) < 0 ||
        scenario_get_strings(c, o, "mydestination", 0, scenario_is_domain, SCENARIO_DOMAIN_FORM,
                             &a->mydestination, &a->nmydestination) < 0 ||
        scenario_get_strings(c, o, "relay_domains", 0, scenario_is_domain, SCENARIO_DOMAIN_FORM,
                             &a->relay_domains, &a->nrelay_domains) < 0 ||
        scenario_get_strings(c, o, "mynetworks", 0, scenario_is_cidr,
                             "a CIDR block such as \"192.0.2.0/24\"", &a->mynetworks,
                             &a->nmynetworks) < 0 ||
        scenario_get_bool(c, o, "permit_sasl_authenticated", &a->permit_sasl_authenticated) < 0 ||
        scenario_get_bool(c, o, "reject_unauth_destination", &a->reject_unauth_destination) < 0 ||
        scenario_get_bool(c, o, "open_relay", &a->open_relay) < 0 ||
        scenario_parse_transport(p, o, a) < 0 ||
        scenario_host_key(p, o, "relayhost", 0, &a->relayhost) < 0 ||
        scenario_get_string(c, o, "mda", 0, NULL, NULL, &a->mda) < 0 ||
        scenario_get_string(c, o, "dns", 0, NULL, NULL, &a->dns) < 0 ||
        scenario_get_int(c, o, "relay_step", 0, 0, 5, &step) < 0 ||
        scenario_get_duration(c, o, "retry", 0, &a->retry_us) < 0 ||
        scenario_get_int(c, o, "max_attempts", 0, 0, 1000000, &attempts) < 0 ||
        scenario_get_int(c, o, "max_message_size", 0, 0, SCENARIO_INT_MAX, &size) < 0 ||
        scenario_get_int(c, o, "max_recipients", 0, 0, SCENARIO_INT_MAX, &rcpts) < 0 ||
        scenario_get_bool(c, o, "maillog", &a->maillog) < 0 ||
        scenario_get_bool(c, o, "smtpd_tls", &a->smtpd_tls) < 0 ||
        scenario_agent_mode(c, o, "smtp_tls", scenario_tls_levels, &smtp_tls, &a->smtp_tls) < 0 ||
        scenario_parse_smtpd(p, o, a) < 0 || scenario_parse_pop_before_smtp(p, o, a) < 0 ||
        scenario_get_bool(c, o, "alert_encrypted_archive", &a->alert_encrypted_archive) < 0) {
        return -1;
    }
    if (step == 1 || step == 2) {
        return scenario_fail(c, "relay_step",
                             "expected 3, 4 or 5 (the step this agent's relaying shows), or 0, "
                             "got %lld",
                             (long long)step);
    }
    if (a->nmydestination > 0 && !a->mda) {
        return scenario_fail(c, NULL,
                             "missing required key \"mda\" (mail for mydestination is delivered "
                             "through an mda agent)");
    }
    a->mode.smtp_tls = (enum scenario_tls_level)smtp_tls;
    a->no_listen = !listen;
    a->relay_step = (int)step;
    a->max_attempts = (unsigned)attempts;
    a->max_message_size = (uint64_t)size;
    a->max_recipients = (uint64_t)rcpts;
    return 0;
}

static int scenario_parse_mx(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"domain", "preference", "exchange", NULL};
    struct scenario_agent *a = p->agent;
    struct scenario_mx *mx = &a->mx[i];
    struct scenario_ctx *c = &p->c;
    int64_t pref = 0;
    if (scenario_check_keys(c, o, keys, "in an mx record") < 0 ||
        scenario_get_string(c, o, "domain", SCENARIO_REQUIRED, scenario_is_domain,
                            SCENARIO_DOMAIN_FORM, &mx->domain) < 0 ||
        scenario_get_int(c, o, "preference", SCENARIO_REQUIRED, 0, 65535, &pref) < 0 ||
        scenario_get_string(c, o, "exchange", SCENARIO_REQUIRED, NULL, NULL, &mx->exchange) < 0) {
        return -1;
    }
    mx->preference = (int)pref;
    return scenario_ref(c, "exchange", mx->exchange, &p->hosts, "a host name from $.hosts", NULL);
}

/* ASCII case-insensitive equality (app/strings.h shadows the system's <strings.h> here). */
static bool scenario_same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) {
            return false;
        }
    }
    return *a == *b;
}

/* A local part as aliases(5) names it: no '@', no space or control character, at most 64. */
static bool scenario_is_alias_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= ' ' || ch >= 0x7f || ch == '@' || ch == '<' || ch == '>' || ch == ',') {
            return false;
        }
    }
    return true;
}

/* The MDA's one key, "aliases": {"staff": ["bob@b.example", "carol@c.example"], "owner-staff":
 * [...]}, the aliases(5) table of Postfix's local(8): name -> addresses. */
static int scenario_parse_mda(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    const cJSON *map;
    int found =
        scenario_agent_map(c, o, "aliases", sizeof *a->aliases, &a->aliases, &a->naliases, &map);
    if (found <= 0) {
        return found;
    }
    size_t old = scenario_path_key(c, "aliases"), i = 0;
    int rc = 0;
    for (const cJSON *e = map->child; e && rc == 0; e = e->next, i++) {
        struct scenario_alias *al = &a->aliases[i];
        char q[80];
        if (!scenario_is_alias_name(e->string)) {
            rc = scenario_fail(c, NULL,
                               "expected local parts such as \"staff\" as keys (no '@', space "
                               "or ','), got %s",
                               scenario_quote(e->string, q, sizeof q));
            break;
        }
        for (size_t k = 0; k < i && rc == 0; k++) {
            if (scenario_same_name(a->aliases[k].name, e->string)) {
                rc = scenario_fail(c, e->string,
                                   "the alias appears twice (alias names are not case-sensitive)");
            }
        }
        if (rc == 0 && !(al->name = strdup(e->string))) {
            rc = scenario_fail(c, NULL, "out of memory");
        }
        if (rc == 0) {
            rc = scenario_get_strings(c, map, e->string, SCENARIO_NONEMPTY, scenario_is_address,
                                      "an address such as \"bob@b.example\"", &al->members,
                                      &al->nmembers);
        }
    }
    scenario_path_pop(c, old);
    return rc;
}

/* The contact form: the account msmtp logs in as, where it submits, the fixed recipients, and
 * the two settings that decide whether a header injection works (safe by default). */
static int scenario_parse_webform(struct scenario_parser *p, const cJSON *o,
                                  struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    a->reject_crlf = true;
    a->recipients_from_headers = false;
    if (scenario_get_string(c, o, "user", SCENARIO_REQUIRED, NULL, NULL, &a->user) < 0 ||
        scenario_ref(c, "user", a->user, &p->accounts, "a user from $.accounts", NULL) < 0 ||
        scenario_host_key(p, o, "submit_host", SCENARIO_REQUIRED, &a->submit_host) < 0 ||
        scenario_port(c, o, "submit_port", &a->submit_port) < 0) {
        return -1;
    }
    if (scenario_get_strings(c, o, "to", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, scenario_is_address,
                             "an address such as \"info@a.example\"", &a->form_to,
                             &a->nform_to) < 0 ||
        scenario_get_bool(c, o, "reject_crlf", &a->reject_crlf) < 0) {
        return -1;
    }
    return scenario_get_bool(c, o, "recipients_from_headers", &a->recipients_from_headers);
}

static int scenario_parse_mra(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    bool user_pass = true;
    if (scenario_get_string(c, o, "mda", SCENARIO_REQUIRED, NULL, NULL, &a->mda) < 0 ||
        scenario_port(c, o, "port", &a->port) < 0 ||
        scenario_get_string(c, o, "hostname", 0, scenario_is_domain, SCENARIO_HOST_FORM,
                            &a->hostname) < 0 ||
        scenario_get_bool(c, o, "apop", &a->apop) < 0 ||
        scenario_get_bool(c, o, "user_pass", &user_pass) < 0 ||
        scenario_get_bool(c, o, "stls", &a->stls) < 0 ||
        scenario_get_bool(c, o, "pop3s", &a->pop3s) < 0 || scenario_parse_auth_delay(p, o, a) < 0) {
        return -1;
    }
    a->no_user_pass = !user_pass;
    return 0;
}

static int scenario_parse_dns(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    const cJSON *list;
    size_t n;
    if (scenario_get_list(c, o, "mx", 0, false, &list, &n) < 0 ||
        (list && scenario_alloc(c, "mx", n, sizeof *a->mx, &a->mx, &a->nmx) < 0)) {
        return -1;
    }
    return list ? scenario_each(p, list, "mx", scenario_parse_mx) : 0;
}

static int scenario_parse_spammer(struct scenario_parser *p, const cJSON *o,
                                  struct scenario_agent *a)
{
    return scenario_get_string(&p->c, o, "helo", SCENARIO_NONEMPTY, scenario_is_domain,
                               SCENARIO_HOST_FORM, &a->helo);
}

static int scenario_parse_sniffer(struct scenario_parser *p, const cJSON *o,
                                  struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    if (scenario_get_strings(c, o, "taps", 0, NULL, NULL, &a->taps, &a->ntaps) < 0) {
        return -1;
    }
    return scenario_get_strings(c, o, "dictionary", 0, NULL, NULL, &a->dictionary, &a->ndictionary);
}

static int scenario_parse_mitm(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    return scenario_get_string(&p->c, o, "at", SCENARIO_REQUIRED, NULL, NULL, &a->at);
}

static int scenario_parse_sshd(struct scenario_parser *p, const cJSON *o, struct scenario_agent *a)
{
    struct scenario_ctx *c = &p->c;
    if (scenario_port(c, o, "port", &a->port) < 0 ||
        scenario_get_string(c, o, "user", SCENARIO_REQUIRED, NULL, NULL, &a->user) < 0 ||
        scenario_ref(c, "user", a->user, &p->accounts, "a user from $.accounts", NULL) < 0) {
        return -1;
    }
    return scenario_port(c, o, "forward_port", &a->forward_port);
}

/* The content filter is an MTA that also scans: the same settings, and one of its own. */
static int scenario_parse_filter(struct scenario_parser *p, const cJSON *o,
                                 struct scenario_agent *a)
{
    return scenario_parse_mta(p, o, a);
}

/* What the parser knows of each role: the keys it takes besides id, role, host and program,
 * and the function that reads them, both named after the role's word in SCENARIO_ROLES. */
typedef int (*scenario_role_parse_fn)(struct scenario_parser *p, const cJSON *o,
                                      struct scenario_agent *a);
static const struct scenario_role_def {
    const char *const *keys;
    scenario_role_parse_fn parse;
} scenario_roles[] = {
#define SCENARIO_ROLE_ROW(id, word) [id] = {scenario_##word##_keys, scenario_parse_##word},
    SCENARIO_ROLES(SCENARIO_ROLE_ROW)
#undef SCENARIO_ROLE_ROW
};

const char *const *scenario_role_keys(const char *role)
{
    size_t k = scenario_find_word(scenario_role_names, role);
    return scenario_role_names[k] ? scenario_roles[k].keys : NULL;
}

/* "role": one of the words of SCENARIO_ROLES, into a->kind, parsed here once. */
static int scenario_parse_kind(struct scenario_ctx *c, const cJSON *o, struct scenario_agent *a)
{
    char form[160] = "one of", *role = NULL;
    size_t used = strlen(form);
    for (size_t k = 0; scenario_role_names[k] && used < sizeof form; k++) {
        int w = snprintf(form + used, sizeof form - used, "%s %s", k ? "," : "",
                         scenario_role_names[k]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (scenario_get_string(c, o, "role", SCENARIO_REQUIRED, NULL, form, &role) < 0 ||
        scenario_check_enum(c, "role", role, scenario_role_names) < 0) {
        free(role);
        return -1;
    }
    a->kind = (enum scenario_role)scenario_find_word(scenario_role_names, role);
    a->role = scenario_role_names[a->kind];
    free(role);
    return 0;
}

int scenario_parse_agent(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_agent *a = &p->s->agents[i];
    struct scenario_ctx *c = &p->c;
    if (!cJSON_IsObject(o)) {
        return scenario_fail_type(c, NULL, o, "an object");
    }
    if (scenario_parse_kind(c, o, a) < 0) {
        return -1;
    }
    const struct scenario_role_def *r = &scenario_roles[a->kind];
    const char *allowed[64];
    size_t n = 0;
    for (size_t k = 0; scenario_agent_keys[k]; k++) {
        allowed[n++] = scenario_agent_keys[k];
    }
    for (size_t k = 0; r->keys[k]; k++) {
        allowed[n++] = r->keys[k];
    }
    allowed[n] = NULL;
    const char *bad = scenario_unknown_key(o, allowed);
    if (bad) {
        /* A key of other roles says more than a list: "mx" is a key for role dns. */
        char roles[64] = "", hint[160] = "", q[80];
        size_t nroles = 0;
        for (size_t k = 0; k < SCENARIO_ROLE_COUNT; k++) {
            if (scenario_roles[k].keys[scenario_find_word(scenario_roles[k].keys, bad)]) {
                size_t used = strlen(roles);
                snprintf(roles + used, sizeof roles - used, "%s%s", nroles++ ? ", " : "",
                         scenario_role_names[k]);
            }
        }
        if (nroles > 0) {
            snprintf(hint, sizeof hint, "%s is a key for role%s %s",
                     scenario_quote(bad, q, sizeof q), nroles > 1 ? "s" : "", roles);
        }
        char what[32];
        snprintf(what, sizeof what, "for role %s", a->role);
        return scenario_fail_unknown(c, bad, allowed, what, hint[0] ? hint : NULL);
    }
    p->agent = a;
    if (scenario_check_keys(c, o, allowed, NULL) < 0 ||
        scenario_get_string(c, o, "id", SCENARIO_REQUIRED, scenario_is_id, SCENARIO_ID_FORM,
                            &a->id) < 0 ||
        scenario_unique(p, &p->agents, "id", a->id, i, "agent id", "$.agents") < 0 ||
        scenario_get_string(c, o, "host", SCENARIO_REQUIRED, NULL, NULL, &a->host) < 0 ||
        scenario_ref(c, "host", a->host, &p->hosts, "a host name from $.hosts", NULL) < 0 ||
        scenario_get_string(c, o, "program", 0, NULL, NULL, &a->program) < 0) {
        return -1;
    }
    return r->parse(p, o, a);
}

/* A sniffer's taps: each names a tap, and no tap is read by two sniffers (a tap hands its bytes
 * to one reader). */
static int scenario_link_sniffer(struct scenario_parser *p, size_t i)
{
    struct scenario_agent *a = &p->s->agents[i];
    struct scenario_ctx *c = &p->c;
    for (size_t j = 0; a->ntaps == 0 && j < p->s->nagents; j++) {
        if (j != i && p->s->agents[j].kind == SCENARIO_ROLE_SNIFFER) {
            return scenario_fail(c, NULL,
                                 "missing required key \"taps\" (with more than one sniffer, "
                                 "each names the taps it reads)");
        }
    }
    for (size_t k = 0; k < a->ntaps; k++) {
        size_t old = scenario_path_key(c, "taps");
        size_t at = scenario_path_index(c, k);
        int rc = scenario_ref(c, NULL, a->taps[k], &p->taps, "a tap name from $.taps", NULL);
        for (size_t j = 0; rc == 0 && j < i; j++) {
            const struct scenario_agent *b = &p->s->agents[j];
            bool sniffer = b->kind == SCENARIO_ROLE_SNIFFER;
            bool all = sniffer && b->ntaps == 0;
            for (size_t m = 0; !all && m < b->ntaps; m++) {
                all = strcmp(b->taps[m], a->taps[k]) == 0;
            }
            if (all && sniffer) {
                rc = scenario_fail(c, NULL, "tap \"%s\" is already read by sniffer \"%s\"",
                                   a->taps[k], b->id);
            }
        }
        scenario_path_pop(c, at);
        scenario_path_pop(c, old);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* References from one agent to another, once all are known. */
int scenario_link_agent(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_agent *a = &p->s->agents[i];
    (void)o;
    switch (a->kind) {
    case SCENARIO_ROLE_MSA:
        return scenario_agent_ref(p, "mta", a->mta, scenario_only_mta);
    case SCENARIO_ROLE_SNIFFER:
        return scenario_link_sniffer(p, i);
    case SCENARIO_ROLE_MITM:
        /* The man in the middle sits on the link of a tap (where he can see, he can change). */
        return scenario_ref(&p->c, "at", a->at, &p->taps, "a tap name from $.taps", NULL);
    default:
        break;
    }
    if ((a->mda && scenario_agent_ref(p, "mda", a->mda, scenario_only_mda) < 0) ||
        (a->dns && scenario_agent_ref(p, "dns", a->dns, scenario_only_dns) < 0)) {
        return -1;
    }
    if (a->pop_mra) {
        size_t old = scenario_path_key(&p->c, "pop_before_smtp");
        int rc = scenario_agent_ref(p, "mra", a->pop_mra, scenario_only_mra);
        scenario_path_pop(&p->c, old);
        return rc;
    }
    return 0;
}
