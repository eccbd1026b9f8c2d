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
static const char *const scenario_actions[] = {"send", "fetch", "down", "up", "note",
                                               "spam", "crack", "post", NULL};
static const char *const scenario_event_keys[] = {"at", "agent", "action", "note", NULL};
static const char *const scenario_send_keys[] = {
    "mail",     "to",         "cc",   "bcc",      "subject", "body", "repeat",
    "interval", "body_bytes", "auth", "password", "zip",     NULL};
static const char *const scenario_spam_keys[] = {"mail", "to",   "subject",     "body", "target",
                                                 "port", "from", "header_from", "zip",  NULL};
static const char *const scenario_post_keys[] = {"mail",    "name",    "email",
                                                 "subject", "message", NULL};
static const char *const scenario_no_keys[] = {NULL};

/* The keys of each action beyond the common ones, in scenario_actions' order. */
static const char *const *const scenario_action_keys[] = {
    scenario_send_keys, scenario_no_keys,   scenario_no_keys, scenario_no_keys,
    scenario_no_keys,   scenario_spam_keys, scenario_no_keys, scenario_post_keys,
};

static const char *const scenario_only_spammer[] = {"spammer", NULL};
static const char *const scenario_only_sniffer[] = {"sniffer", NULL};
static const char *const scenario_only_webform[] = {"webform", NULL};

/* The most files one ZIP attachment holds, and the size of a file's text. */
#define SCENARIO_ZIP_MAX_FILES 16
#define SCENARIO_ZIP_MAX_TEXT (1u << 20)

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
    } else if (k == 3) {
        snprintf(hint, n, "%s is a key for actions %s, %s and %s", scenario_quote(bad, q, sizeof q),
                 names[0], names[1], names[2]);
    }
}

/* One file of a ZIP attachment: {"name": "見積書.txt", "text": "..."} or {"name": ...,
 * "eicar": true}. */
static int scenario_parse_zip_file(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"name", "text", "eicar", NULL};
    struct scenario_zip_file *f = &p->zip->files[i];
    struct scenario_ctx *c = &p->c;
    if (!cJSON_IsObject(o)) {
        return scenario_fail_type(c, NULL, o,
                                  "an object such as {\"name\": \"a.txt\", \"text\": \"...\"}");
    }
    if (scenario_check_keys(c, o, keys, "in a file of a zip") < 0 ||
        scenario_get_string(c, o, "name", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                            &f->name) < 0 ||
        scenario_get_string(c, o, "text", 0, NULL, NULL, &f->text) < 0 ||
        scenario_get_bool(c, o, "eicar", &f->eicar) < 0) {
        return -1;
    }
    if (strlen(f->name) > 255 || strpbrk(f->name, "/\\") ||
        strcspn(f->name, "\r\n") != strlen(f->name)) {
        return scenario_fail(c, "name",
                             "expected a file name of at most 255 octets without '/', "
                             "'\\' or a line break");
    }
    if ((f->text != NULL) == f->eicar) {
        return scenario_fail(c, NULL,
                             "expected either \"text\" (the file's content) or \"eicar\": true "
                             "(the EICAR anti-virus test file), not %s",
                             f->eicar ? "both" : "neither");
    }
    if (f->text && strlen(f->text) > SCENARIO_ZIP_MAX_TEXT) {
        return scenario_fail(c, "text", "at most %u octets", SCENARIO_ZIP_MAX_TEXT);
    }
    return 0;
}

/* "zip": {"name": "見積書.zip", "password": "...", "files": [...]}: an attached ZIP archive. */
static int scenario_parse_zip(struct scenario_parser *p, const cJSON *o, struct scenario_event *ev)
{
    static const char *const keys[] = {"name", "password", "files", NULL};
    struct scenario_ctx *c = &p->c;
    const cJSON *z, *files;
    size_t n;
    if (scenario_get_list(c, o, "zip", 0, true, &z, NULL) < 0) {
        return -1;
    }
    if (!z) {
        return 0;
    }
    size_t old = scenario_path_key(c, "zip");
    int rc = -1;
    if (!(ev->zip = calloc(1, sizeof *ev->zip))) {
        rc = scenario_fail(c, NULL, "out of memory");
    } else if (scenario_check_keys(c, z, keys, "in a zip") == 0 &&
               scenario_get_string(c, z, "name", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, NULL, NULL,
                                   &ev->zip->name) == 0 &&
               scenario_get_string(c, z, "password", SCENARIO_NONEMPTY, NULL, NULL,
                                   &ev->zip->password) == 0 &&
               scenario_get_list(c, z, "files", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, false,
                                 &files, &n) == 0) {
        if (strlen(ev->zip->name) > 255 ||
            strcspn(ev->zip->name, "\r\n\"") != strlen(ev->zip->name)) {
            rc = scenario_fail(c, "name",
                               "expected a file name of at most 255 octets without a "
                               "line break or '\"'");
        } else if (n > SCENARIO_ZIP_MAX_FILES) {
            rc = scenario_fail(c, "files", "at most %d files in one zip", SCENARIO_ZIP_MAX_FILES);
        } else if (scenario_alloc(c, "files", n, sizeof *ev->zip->files, &ev->zip->files,
                                  &ev->zip->nfiles) == 0) {
            p->zip = ev->zip;
            rc = scenario_each(p, files, "files", scenario_parse_zip_file);
        }
    }
    scenario_path_pop(c, old);
    return rc;
}

/* The "mail" key of an event that makes a mail: an id no other event of the timeline uses. */
static int scenario_parse_mail_id(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    if (scenario_get_string(&p->c, o, "mail", SCENARIO_REQUIRED, scenario_is_id,
                            "a mail id such as \"m1\" (letters, digits, '.', '_' or '-')",
                            &ev->mail) < 0) {
        return -1;
    }
    return scenario_unique(p, &p->mails, "mail", ev->mail, i, "mail id", "$.timeline");
}

/* The keys of send and spam: a mail id, recipients, subject and body. */
static int scenario_parse_mail_keys(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_parse_mail_id(p, o, i) < 0 ||
        scenario_get_strings(c, o, "to", SCENARIO_REQUIRED | SCENARIO_NONEMPTY, scenario_is_address,
                             "an address such as \"bob@b.example\"", &ev->to, &ev->nto) < 0 ||
        scenario_get_string(c, o, "subject", 0, NULL, NULL, &ev->subject) < 0 ||
        scenario_parse_zip(p, o, ev) < 0) {
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
        scenario_get_string(c, o, "password", SCENARIO_NONEMPTY, NULL, NULL, &ev->password) < 0 ||
        scenario_get_strings(c, o, "cc", SCENARIO_NONEMPTY, scenario_is_address,
                             "an address such as \"carol@c.example\"", &ev->cc, &ev->ncc) < 0 ||
        scenario_get_strings(c, o, "bcc", SCENARIO_NONEMPTY, scenario_is_address,
                             "an address such as \"carol@c.example\"", &ev->bcc, &ev->nbcc) < 0) {
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

/* A web form's fields, as someone typed them; CR and LF are kept (\r\n in JSON), since that is
 * what a mail header injection sends. */
static int scenario_parse_post(struct scenario_parser *p, const cJSON *o, size_t i)
{
    struct scenario_event *ev = &p->s->timeline[i];
    struct scenario_ctx *c = &p->c;
    if (scenario_parse_mail_id(p, o, i) < 0 ||
        scenario_get_string(c, o, "name", 0, NULL, NULL, &ev->name) < 0 ||
        scenario_get_string(c, o, "email", 0, NULL, NULL, &ev->email) < 0 ||
        scenario_get_string(c, o, "subject", 0, NULL, NULL, &ev->subject) < 0 ||
        scenario_get_string(c, o, "message", 0, NULL, NULL, &ev->message) < 0) {
        return -1;
    }
    return 0;
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
                                 "one of send, fetch, down, up, note, spam, crack, post", &action);
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
    } else if (ev->action == SCENARIO_POST) {
        roles = scenario_only_webform;
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
    if (ev->action == SCENARIO_POST) {
        return scenario_parse_post(p, o, i);
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
    if ((ev->action != SCENARIO_SEND && ev->action != SCENARIO_SPAM &&
         ev->action != SCENARIO_POST) ||
        ev->repeat > 1 || !scenario_split_repeat(ev->mail, base, sizeof base, &k) ||
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
