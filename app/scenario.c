/* scenario: reading a scenario file into plain C data. The format's rules live here — which
 * keys each part takes, their types, and the references between parts — and every error names
 * the JSON path of what is wrong. Agents are in scenario_agents.c, the timeline in
 * scenario_timeline.c, expect in scenario_expect.c, taps, countermeasures and attacks in
 * scenario_security.c; the JSON text is checked in scenario_text.c and walked with the helpers
 * of scenario_json.c. */
#include "scenario.h"

#include "claims.h"
#include "scenario_json.h"
#include "scenario_parser.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCENARIO_DEFAULT_START "2026-04-01T09:00:00+09:00"
#define SCENARIO_TIME_FORM                                                                         \
    "a time such as \"2026-04-01T09:00:00+09:00\" or \"2026-04-01T00:00:00Z\" (RFC 3339)"

/* ---- Helpers shared with scenario_agents.c ---- */

int scenario_agent_ref(struct scenario_parser *p, const char *key, const char *value,
                       const char *const *roles)
{
    char what[96] = "the id of an agent with role ";
    for (size_t k = 0; roles[k]; k++) {
        const char *sep = ", ";
        if (k == 0) {
            sep = "";
        } else if (!roles[k + 1]) {
            sep = " or ";
        }
        size_t used = strlen(what);
        snprintf(what + used, sizeof what - used, "%s%s", sep, roles[k]);
    }
    size_t i;
    if (scenario_ref(&p->c, key, value, &p->agents, what, &i) < 0) {
        return -1;
    }
    const char *role = p->s->agents[i].role;
    if (!roles[scenario_find_word(roles, role)]) {
        char q[80];
        return scenario_fail(&p->c, key, "expected %s, got %s, which has role %s", what,
                             scenario_quote(value, q, sizeof q), role);
    }
    return 0;
}

int scenario_unique(struct scenario_parser *p, struct scenario_names *t, const char *key,
                    const char *name, size_t index, const char *what, const char *list)
{
    size_t old;
    int rc = scenario_names_add(t, name, index, &old);
    if (rc < 0) {
        return scenario_fail(&p->c, key, "out of memory");
    }
    if (rc == 0) {
        char q[80];
        return scenario_fail(&p->c, key, "duplicate %s %s (also at %s[%zu])", what,
                             scenario_quote(name, q, sizeof q), list, old);
    }
    return 0;
}

static bool scenario_is_meta_id(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) {
            return false;
        }
    }
    return true;
}

/* A user name for SMTP AUTH and POP3 USER: printable ASCII without spaces. */
static bool scenario_is_user(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] >= 0x7f) {
            return false;
        }
    }
    return n > 0 && n <= 64;
}

int scenario_host_key(struct scenario_parser *p, const cJSON *o, const char *key, int flags,
                      char **out)
{
    if (scenario_get_string(&p->c, o, key, flags | SCENARIO_NONEMPTY, NULL, SCENARIO_HOST_FORM,
                            out) < 0) {
        return -1;
    }
    return *out ? scenario_ref(&p->c, key, *out, &p->hosts, "a host name from $.hosts", NULL) : 0;
}

int scenario_each(struct scenario_parser *p, const cJSON *arr, const char *key,
                  scenario_item_fn each)
{
    size_t old = scenario_path_key(&p->c, key), i = 0;
    int rc = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e && rc == 0; e = e->next, i++) {
        size_t at = scenario_path_index(&p->c, i);
        rc = each(p, e, i);
        scenario_path_pop(&p->c, at);
    }
    scenario_path_pop(&p->c, old);
    return rc;
}

/* ---- meta, zones, hosts, links, accounts ---- */

static int scenario_parse_meta(struct scenario_parser *p, const cJSON *meta)
{
    static const char *const keys[] = {"id", "title", "description", "topics", NULL};
    struct scenario_ctx *c = &p->c;
    struct scenario *s = p->s;
    size_t old = scenario_path_key(c, "meta");
    int rc = scenario_check_keys(c, meta, keys, NULL);
    if (rc == 0) {
        rc = scenario_get_string(c, meta, "id", SCENARIO_REQUIRED, scenario_is_meta_id,
                                 "an id of lowercase letters, digits and '-', such as "
                                 "\"nine-steps\"",
                                 &s->id);
    }
    if (rc == 0) {
        rc = scenario_get_text(c, meta, "title", SCENARIO_REQUIRED, &s->title.ja, &s->title.en);
    }
    if (rc == 0) {
        rc = scenario_get_text(c, meta, "description", SCENARIO_OPTIONAL, &s->description.ja,
                               &s->description.en);
    }
    if (rc == 0) {
        rc = scenario_get_strings(c, meta, "topics", SCENARIO_OPTIONAL, NULL, NULL, &s->topics,
                                  &s->ntopics);
    }
    scenario_path_pop(c, old);
    return rc;
}

static int scenario_parse_zone(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"id", "label", NULL};
    struct scenario_zone *z = &p->s->zones[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in a zone") < 0 ||
        scenario_get_string(c, o, "id", SCENARIO_REQUIRED, scenario_is_id, SCENARIO_ID_FORM,
                            &z->id) < 0 ||
        scenario_unique(p, &p->zones, "id", z->id, i, "zone id", "$.zones") < 0) {
        return -1;
    }
    return scenario_get_text(c, o, "label", SCENARIO_REQUIRED, &z->label.ja, &z->label.en);
}

static int scenario_parse_host(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"name", "zone", "ip", "nat", NULL};
    struct scenario_host *h = &p->s->hosts[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in a host") < 0 ||
        scenario_get_string(c, o, "name", SCENARIO_REQUIRED, scenario_is_domain, SCENARIO_HOST_FORM,
                            &h->name) < 0 ||
        scenario_unique(p, &p->hosts, "name", h->name, i, "host name", "$.hosts") < 0 ||
        scenario_get_string(c, o, "zone", SCENARIO_REQUIRED, NULL, NULL, &h->zone) < 0 ||
        scenario_ref(c, "zone", h->zone, &p->zones, "a zone id from $.zones", NULL) < 0 ||
        scenario_get_string(c, o, "ip", SCENARIO_REQUIRED, scenario_is_ipv4,
                            "an IPv4 address such as \"192.0.2.10\"", &h->ip) < 0 ||
        scenario_get_string(c, o, "nat", SCENARIO_NONEMPTY, NULL, SCENARIO_HOST_FORM, &h->nat) <
            0) {
        return -1;
    }
    return scenario_unique(p, &p->ips, "ip", h->ip, i, "address", "$.hosts");
}

/* A host's NAT gateway, once all hosts are known. */
static int scenario_link_host(struct scenario_parser *p, const cJSON *o, size_t i)
{
    const struct scenario_host *h = &p->s->hosts[i];
    (void)o;
    if (!h->nat) {
        return 0;
    }
    if (strcmp(h->nat, h->name) == 0) {
        return scenario_fail(&p->c, "nat", "a host cannot sit behind itself");
    }
    return scenario_ref(&p->c, "nat", h->nat, &p->hosts, "a host name from $.hosts", NULL);
}

static int scenario_parse_link(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"a", "b", "latency", NULL};
    struct scenario_link *l = &p->s->links[i];
    struct scenario_ctx *c = &p->c;
    l->latency_us = 1000;
    size_t ia, ib;
    if (scenario_check_keys(c, o, keys, "in a link") < 0 ||
        scenario_get_string(c, o, "a", SCENARIO_REQUIRED, NULL, NULL, &l->a) < 0 ||
        scenario_ref(c, "a", l->a, &p->hosts, "a host name from $.hosts", &ia) < 0 ||
        scenario_get_string(c, o, "b", SCENARIO_REQUIRED, NULL, NULL, &l->b) < 0 ||
        scenario_ref(c, "b", l->b, &p->hosts, "a host name from $.hosts", &ib) < 0 ||
        scenario_get_duration(c, o, "latency", SCENARIO_OPTIONAL, &l->latency_us) < 0) {
        return -1;
    }
    if (ia == ib) {
        return scenario_fail(c, "b", "a link from host \"%s\" to itself", l->a);
    }
    char key[48];
    snprintf(key, sizeof key, "%zu\n%zu", ia < ib ? ia : ib, ia < ib ? ib : ia);
    if (!(p->link_keys[i] = strdup(key))) {
        return scenario_fail(c, NULL, "out of memory");
    }
    size_t old;
    int rc = scenario_names_add(&p->links, p->link_keys[i], i, &old);
    if (rc <= 0) {
        return rc < 0 ? scenario_fail(c, NULL, "out of memory")
                      : scenario_fail(c, NULL,
                                      "a second link between %s and %s (also at "
                                      "$.links[%zu])",
                                      l->a, l->b, old);
    }
    return 0;
}

static int scenario_parse_account(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"user", "password", "address", NULL};
    struct scenario_account *a = &p->s->accounts[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_check_keys(c, o, keys, "in an account") < 0 ||
        scenario_get_string(c, o, "user", SCENARIO_REQUIRED, scenario_is_user,
                            "a user name (printable ASCII without spaces)", &a->user) < 0 ||
        scenario_unique(p, &p->accounts, "user", a->user, i, "user", "$.accounts") < 0 ||
        scenario_get_string(c, o, "password", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &a->password) < 0) {
        return -1;
    }
    return scenario_get_string(c, o, "address", SCENARIO_REQUIRED, scenario_is_address,
                               "an address such as \"alice@a.example\"", &a->address);
}

/* ---- the whole file ---- */

/* Parses the array at key with each, after allocating its structs. */
static int scenario_section(struct scenario_parser *p, const cJSON *root, const char *key,
                            int flags, size_t size, void *out, size_t *nout, scenario_item_fn each)
{
    const cJSON *list;
    size_t n;
    if (scenario_get_list(&p->c, root, key, flags, false, &list, &n) < 0 ||
        scenario_alloc(&p->c, key, n, size, out, nout) < 0) {
        return -1;
    }
    return scenario_each(p, list, key, each);
}

static int scenario_parse_root(struct scenario_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"$schema",  "meta",   "seed",  "start",           "until",
                                       "zones",    "hosts",  "links", "accounts",        "agents",
                                       "timeline", "expect", "taps",  "countermeasures", "attacks",
                                       "beats",    NULL};
    struct scenario *s = p->s;
    struct scenario_ctx *c = &p->c;
    const cJSON *meta, *expect, *agents;
    char *start = NULL, *schema = NULL;
    int64_t seed = 1;
    size_t n;
    if (scenario_check_keys(c, root, keys, "at the top level") < 0 ||
        scenario_get_string(c, root, "$schema", 0, NULL, NULL, &schema) < 0 ||
        scenario_get_list(c, root, "meta", SCENARIO_REQUIRED, true, &meta, NULL) < 0 ||
        scenario_parse_meta(p, meta) < 0 ||
        scenario_get_int(c, root, "seed", 0, 0, SCENARIO_INT_MAX, &seed) < 0 ||
        scenario_get_string(c, root, "start", 0, NULL, SCENARIO_TIME_FORM, &start) < 0) {
        free(schema);
        free(start);
        return -1;
    }
    free(schema);
    s->seed = (uint64_t)seed;
    if (scenario_parse_time(start ? start : SCENARIO_DEFAULT_START, &s->epoch, &s->tz_minutes) <
        0) {
        char q[80];
        scenario_fail(c, "start", "expected %s, got %s", SCENARIO_TIME_FORM,
                      scenario_quote(start ? start : "", q, sizeof q));
        free(start);
        return -1;
    }
    free(start);
    if (scenario_get_duration(c, root, "until", 0, &s->until_us) < 0 ||
        scenario_section(p, root, "zones", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, sizeof *s->zones,
                         &s->zones, &s->nzones, scenario_parse_zone) < 0) {
        return -1;
    }
    if (scenario_section(p, root, "hosts", SCENARIO_REQUIRED, sizeof *s->hosts, &s->hosts,
                         &s->nhosts, scenario_parse_host) < 0 ||
        scenario_each(p, cJSON_GetObjectItemCaseSensitive(root, "hosts"), "hosts",
                      scenario_link_host) < 0) {
        return -1;
    }
    if (scenario_section(p, root, "links", 0, sizeof *s->links, &s->links, &s->nlinks,
                         scenario_parse_link) < 0 ||
        scenario_parse_taps(p, root) < 0 ||
        scenario_section(p, root, "accounts", 0, sizeof *s->accounts, &s->accounts, &s->naccounts,
                         scenario_parse_account) < 0 ||
        scenario_get_list(c, root, "agents", 0, false, &agents, &n) < 0 ||
        scenario_alloc(c, "agents", n, sizeof *s->agents, &s->agents, &s->nagents) < 0) {
        return -1;
    }
    if (scenario_each(p, agents, "agents", scenario_parse_agent) < 0 ||
        scenario_each(p, agents, "agents", scenario_link_agent) < 0 ||
        scenario_section(p, root, "timeline", 0, sizeof *s->timeline, &s->timeline, &s->ntimeline,
                         scenario_parse_event) < 0 ||
        scenario_each(p, cJSON_GetObjectItemCaseSensitive(root, "timeline"), "timeline",
                      scenario_check_mail_ids) < 0 ||
        scenario_get_list(c, root, "expect", 0, true, &expect, NULL) < 0) {
        return -1;
    }
    if (expect) {
        size_t old = scenario_path_key(c, "expect");
        int rc = scenario_parse_expect(p, expect);
        scenario_path_pop(c, old);
        if (rc < 0) {
            return -1;
        }
    }
    return scenario_parse_beats(p, root) < 0 ? -1 : scenario_parse_security(p, root);
}

/* Entries of the array at key, at most SCENARIO_MAX_ITEMS (more is an error found later). */
static size_t scenario_count(const cJSON *root, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    size_t n = 0;
    for (const cJSON *e = cJSON_IsArray(a) ? a->child : NULL; e && n < SCENARIO_MAX_ITEMS;
         e = e->next) {
        n++;
    }
    return n;
}

static int scenario_parser_init(struct scenario_parser *p, const cJSON *root)
{
    size_t nhosts = scenario_count(root, "hosts"), nlinks = scenario_count(root, "links");
    p->link_keys = calloc(nlinks ? nlinks : 1, sizeof *p->link_keys);
    if (!p->link_keys || scenario_names_init(&p->zones, scenario_count(root, "zones")) < 0 ||
        scenario_names_init(&p->hosts, nhosts) < 0 || scenario_names_init(&p->ips, nhosts) < 0 ||
        scenario_names_init(&p->links, nlinks) < 0 ||
        scenario_names_init(&p->accounts, scenario_count(root, "accounts")) < 0 ||
        scenario_names_init(&p->agents, scenario_count(root, "agents")) < 0 ||
        scenario_names_init(&p->mails, scenario_count(root, "timeline")) < 0 ||
        scenario_names_init(&p->taps, scenario_count(root, "taps")) < 0) {
        return scenario_fail(&p->c, NULL, "out of memory");
    }
    p->nlink_keys = nlinks;
    return 0;
}

static void scenario_parser_free(struct scenario_parser *p)
{
    struct scenario_names *tables[] = {&p->zones,    &p->hosts,  &p->ips,   &p->links,
                                       &p->accounts, &p->agents, &p->mails, &p->taps};
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        scenario_names_free(tables[k]);
    }
    for (size_t k = 0; p->link_keys && k < p->nlink_keys; k++) {
        free(p->link_keys[k]);
    }
    free(p->link_keys);
}

struct scenario *scenario_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen)
{
    return scenario_parse_text(text, len, name, false, err, errlen);
}

struct scenario *scenario_parse_text(const char *text, size_t len, const char *name, bool variant,
                                     char *err, size_t errlen)
{
    char spare[2];
    struct scenario_parser p = {0};
    p.variant = variant;
    bool has_err = err && errlen > 0;
    scenario_ctx_init(&p.c, name ? name : "(scenario)", has_err ? err : spare,
                      has_err ? errlen : sizeof spare);
    p.c.err[0] = '\0';
    if (!text || len == 0) {
        snprintf(p.c.err, p.c.errlen, "%s: error: the file is empty", p.c.name);
        return NULL;
    }
    if (len > SCENARIO_MAX_BYTES) {
        snprintf(p.c.err, p.c.errlen, "%s: error: the file is too large (%zu bytes; at most %u)",
                 p.c.name, len, SCENARIO_MAX_BYTES);
        return NULL;
    }
    cJSON *root = scenario_json_parse(&p.c, text, len);
    if (!root) {
        return NULL;
    }
    p.s = calloc(1, sizeof *p.s);
    int rc = -1;
    if (!p.s || !(p.s->path = strdup(p.c.name)) || !(p.s->source = malloc(len + 1))) {
        scenario_fail(&p.c, NULL, "out of memory");
    } else if (scenario_parser_init(&p, root) == 0) {
        p.s->expect.delivered = p.s->expect.retrieved = -1;
        p.s->expect.bounced = p.s->expect.rejected = -1;
        p.s->expect.received_min = -1;
        memcpy(p.s->source, text, len);
        p.s->source[len] = 0;
        p.s->source_len = len;
        rc = scenario_parse_root(&p, root);
    }
    scenario_parser_free(&p);
    cJSON_Delete(root);
    if (rc < 0) {
        scenario_free(p.s);
        return NULL;
    }
    return p.s;
}

/* strerror's text without its shared buffer. */
static const char *scenario_strerror(int e, char *buf, size_t n)
{
    if (strerror_r(e, buf, n) != 0) {
        snprintf(buf, n, "error %d", e);
    }
    return buf;
}

struct scenario *scenario_load(const char *path, char *err, size_t errlen)
{
    char spare[2], why[128];
    if (!err || errlen == 0) {
        err = spare;
        errlen = sizeof spare;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: error: cannot open: %s", path,
                 scenario_strerror(errno, why, sizeof why));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path,
                 scenario_strerror(EISDIR, why, sizeof why));
        close(fd);
        return NULL;
    }
    /* Reads one byte past the limit, so that a larger file (or a device) is noticed. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size >= 0 && st.st_size <= SCENARIO_MAX_BYTES
                     ? (size_t)st.st_size + 1
                     : 65536;
    size_t len = 0;
    char *buf = malloc(cap);
    ssize_t got = 1;
    while (buf && len <= SCENARIO_MAX_BYTES && got > 0) {
        if (len == cap) {
            size_t more =
                cap * 2 > (size_t)SCENARIO_MAX_BYTES + 1 ? (size_t)SCENARIO_MAX_BYTES + 1 : cap * 2;
            char *grown = more > cap ? realloc(buf, more) : NULL;
            if (!grown) {
                break;
            }
            buf = grown;
            cap = more;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) {
            got = 1;
        } else if (got > 0) {
            len += (size_t)got;
        }
    }
    int read_errno = got < 0 ? errno : 0;
    close(fd);
    struct scenario *s = NULL;
    if (!buf) {
        snprintf(err, errlen, "%s: error: out of memory", path);
    } else if (read_errno) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path,
                 scenario_strerror(read_errno, why, sizeof why));
    } else if (len > SCENARIO_MAX_BYTES) {
        snprintf(err, errlen, "%s: error: the file is too large (more than %u bytes)", path,
                 SCENARIO_MAX_BYTES);
    } else if (got > 0) {
        snprintf(err, errlen, "%s: error: out of memory", path);
    } else {
        s = scenario_parse(buf, len, path, err, errlen);
    }
    free(buf);
    return s;
}

void scenario_text_free(struct scenario_text *t)
{
    free(t->ja);
    free(t->en);
}

static void scenario_free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void scenario_free_agent(struct scenario_agent *a)
{
    char *strings[] = {a->id,          a->host,     a->program, a->user,     a->display_name,
                       a->submit_host, a->pop_host, a->mta,     a->hostname, a->relayhost,
                       a->mda,         a->dns,      a->pop_mra, a->helo,     a->at};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
        free(strings[k]);
    }
    scenario_free_strings(a->mydestination, a->nmydestination);
    scenario_free_strings(a->relay_domains, a->nrelay_domains);
    scenario_free_strings(a->mynetworks, a->nmynetworks);
    scenario_free_strings(a->taps, a->ntaps);
    scenario_free_strings(a->dictionary, a->ndictionary);
    scenario_free_strings(a->form_to, a->nform_to);
    for (size_t k = 0; a->aliases && k < a->naliases; k++) {
        free(a->aliases[k].name);
        scenario_free_strings(a->aliases[k].members, a->aliases[k].nmembers);
    }
    free(a->aliases);
    for (size_t k = 0; a->transports && k < a->ntransports; k++) {
        free(a->transports[k].domain);
        free(a->transports[k].nexthop);
    }
    free(a->transports);
    for (size_t k = 0; a->mx && k < a->nmx; k++) {
        free(a->mx[k].domain);
        free(a->mx[k].exchange);
    }
    free(a->mx);
}

void scenario_free(struct scenario *s)
{
    if (!s) {
        return;
    }
    free(s->path);
    free(s->id);
    scenario_text_free(&s->title);
    scenario_text_free(&s->description);
    scenario_free_strings(s->topics, s->ntopics);
    for (size_t i = 0; s->zones && i < s->nzones; i++) {
        free(s->zones[i].id);
        scenario_text_free(&s->zones[i].label);
    }
    free(s->zones);
    for (size_t i = 0; s->hosts && i < s->nhosts; i++) {
        free(s->hosts[i].name);
        free(s->hosts[i].zone);
        free(s->hosts[i].ip);
        free(s->hosts[i].nat);
    }
    free(s->hosts);
    for (size_t i = 0; s->links && i < s->nlinks; i++) {
        free(s->links[i].a);
        free(s->links[i].b);
    }
    free(s->links);
    for (size_t i = 0; s->accounts && i < s->naccounts; i++) {
        free(s->accounts[i].user);
        free(s->accounts[i].password);
        free(s->accounts[i].address);
    }
    free(s->accounts);
    for (size_t i = 0; s->agents && i < s->nagents; i++) {
        scenario_free_agent(&s->agents[i]);
    }
    free(s->agents);
    for (size_t i = 0; s->timeline && i < s->ntimeline; i++) {
        free(s->timeline[i].agent);
        free(s->timeline[i].mail);
        scenario_free_strings(s->timeline[i].to, s->timeline[i].nto);
        free(s->timeline[i].subject);
        free(s->timeline[i].body);
        scenario_text_free(&s->timeline[i].note);
        free(s->timeline[i].password);
        free(s->timeline[i].target);
        free(s->timeline[i].from);
        free(s->timeline[i].header_from);
        scenario_free_strings(s->timeline[i].cc, s->timeline[i].ncc);
        scenario_free_strings(s->timeline[i].bcc, s->timeline[i].nbcc);
        free(s->timeline[i].name);
        free(s->timeline[i].email);
        free(s->timeline[i].message);
        struct scenario_zip *z = s->timeline[i].zip;
        if (z) {
            free(z->name);
            free(z->password);
            for (size_t k = 0; z->files && k < z->nfiles; k++) {
                free(z->files[k].name);
                free(z->files[k].text);
            }
            free(z->files);
            free(z);
        }
    }
    free(s->timeline);
    struct scenario_expect *x = &s->expect;
    for (size_t i = 0; x->mailboxes && i < x->nmailboxes; i++) {
        free(x->mailboxes[i].agent);
        free(x->mailboxes[i].user);
    }
    free(x->mailboxes);
    free(x->received_agent);
    for (size_t i = 0; x->headers && i < x->nheaders; i++) {
        free(x->headers[i].agent);
        free(x->headers[i].user);
        free(x->headers[i].mail);
        scenario_free_strings(x->headers[i].contains, x->headers[i].ncontains);
        scenario_free_strings(x->headers[i].lacks, x->headers[i].nlacks);
    }
    free(x->headers);
    for (size_t i = 0; i < x->nclaims; i++) {
        free(x->claims[i].where);
        claims_free(x->claims[i].claim);
    }
    free(x->claims);
    scenario_free_security(s);
    scenario_free_beats(s);
    free(s->source);
    free(s);
}
