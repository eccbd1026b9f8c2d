/* scenario: a scenario file as plain C data — what the JSON says, checked for form (types,
 * required keys, unknown keys, references between its parts), before any world is built.
 * The JSON Schema that documents the format is scenarios/scenario.schema.json. */
#ifndef MAILSIM_SCENARIO_H
#define MAILSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits that keep a hostile file from exhausting memory or the stack. */
#define SCENARIO_MAX_BYTES (16u << 20) /* 16 MiB of JSON */
#define SCENARIO_MAX_DEPTH 32          /* nesting of arrays and objects */
#define SCENARIO_MAX_ITEMS 100000      /* entries in any one array (timeline "repeat" aside) */

struct scenario_text {
    char *ja;
    char *en;
};

struct scenario_zone {
    char *id;
    struct scenario_text label;
};

struct scenario_host {
    char *name; /* a host name, usually an FQDN: "mail.a.example" */
    char *zone; /* a zone id */
    char *ip;   /* dotted quad in a documentation range */
    char *nat;  /* the NAT gateway (a host name) its connections leave through; NULL: none */
};

/* A tap: an eavesdropper's view of every byte on the link between two hosts. */
struct scenario_tap {
    char *name;
    char *a, *b; /* host names; a link between them must exist */
};

struct scenario_link {
    char *a, *b;         /* host names */
    uint64_t latency_us; /* one way; from "latency": "2ms" */
};

struct scenario_mx {
    char *domain;
    int preference;
    char *exchange; /* a host name */
};

struct scenario_account {
    char *user;
    char *password;
    char *address;
};

struct scenario_transport {
    char *domain;
    char *nexthop; /* a host name */
};

/* An entry of an MDA's aliases(5) table: mail for name@(a local domain) goes to members. */
struct scenario_alias {
    char *name; /* a local part, "staff"; "owner-staff" is the owner of "staff" */
    char **members;
    size_t nmembers;
};

/* The roles an agent plays. Each is a word, written as a token: its string is the role's name
 * in scenario files and traces ("mua"), and it names the role's parts, which the parser's and
 * the builder's tables are made of (scenario_mua_keys and scenario_parse_mua in
 * scenario_agents.c, build_mua in build.c): a new role is one row here and those functions. */
#define SCENARIO_ROLES(X)                                                                          \
    X(SCENARIO_ROLE_MUA, mua)         /* a mail client: Thunderbird */                             \
    X(SCENARIO_ROLE_MSA, msa)         /* the submission server, port 587 */                        \
    X(SCENARIO_ROLE_MTA, mta)         /* Postfix's smtpd and smtp */                               \
    X(SCENARIO_ROLE_FILTER, filter)   /* an MTA that also scans for viruses */                     \
    X(SCENARIO_ROLE_MDA, mda)         /* Postfix's local(8) and the mailboxes */                   \
    X(SCENARIO_ROLE_MRA, mra)         /* the POP3 server */                                        \
    X(SCENARIO_ROLE_DNS, dns)         /* the A and MX records */                                   \
    X(SCENARIO_ROLE_SPAMMER, spammer) /* sends forged mail to a target server */                   \
    X(SCENARIO_ROLE_SNIFFER, sniffer) /* reads taps, attacks APOP offline */                       \
    X(SCENARIO_ROLE_MITM, mitm)       /* sits on a tapped link and changes what passes */          \
    X(SCENARIO_ROLE_SSHD, sshd)       /* the SSH server a POP3 tunnel goes through */              \
    X(SCENARIO_ROLE_WEBFORM, webform) /* a contact form that sends mail through msmtp */

/* The settings that are one word of a list, each parsed once into its enum; the first word is
 * what an absent key means. */
#define SCENARIO_MECHS(X)                                                                          \
    X(SCENARIO_MECH_PLAIN, "PLAIN")                                                                \
    X(SCENARIO_MECH_LOGIN, "LOGIN")                                                                \
    X(SCENARIO_MECH_CRAM_MD5, "CRAM-MD5")
/* submit_tls, in the words of mail programs: plaintext, STARTTLS on 587, implicit TLS on 465. */
#define SCENARIO_SUBMIT_TLS(X)                                                                     \
    X(SCENARIO_SUBMIT_TLS_NONE, "none")                                                            \
    X(SCENARIO_SUBMIT_TLS_STARTTLS, "starttls")                                                    \
    X(SCENARIO_SUBMIT_TLS_SMTPS, "smtps")
/* pop_tls: plaintext, STLS on 110 (RFC 2595), implicit TLS on 995. */
#define SCENARIO_POP_TLS(X)                                                                        \
    X(SCENARIO_POP_TLS_NONE, "none")                                                               \
    X(SCENARIO_POP_TLS_STLS, "stls")                                                               \
    X(SCENARIO_POP_TLS_POP3S, "pop3s")
/* Postfix's TLS security levels, for smtp_tls and smtpd_tls_security_level. */
#define SCENARIO_TLS_LEVELS(X)                                                                     \
    X(SCENARIO_TLS_NONE, "none")                                                                   \
    X(SCENARIO_TLS_MAY, "may")                                                                     \
    X(SCENARIO_TLS_ENCRYPT, "encrypt")
/* encrypt: end to end, the MUA's own encryption of the message. */
#define SCENARIO_E2E(X)                                                                            \
    X(SCENARIO_E2E_NONE, "none")                                                                   \
    X(SCENARIO_E2E_SMIME, "smime")                                                                 \
    X(SCENARIO_E2E_PGP, "pgp")
/* pop_tunnel: POP3 straight to pop_host, or through ssh -L to it. */
#define SCENARIO_TUNNELS(X)                                                                        \
    X(SCENARIO_TUNNEL_NONE, "none")                                                                \
    X(SCENARIO_TUNNEL_SSH, "ssh")
/* Postfix's smtpd_forbid_bare_newline: a bare LF in DATA is made CRLF, or refused. */
#define SCENARIO_BARE_NEWLINES(X)                                                                  \
    X(SCENARIO_BARE_NEWLINE_NORMALIZE, "normalize")                                                \
    X(SCENARIO_BARE_NEWLINE_REJECT, "reject")

#define SCENARIO_ENUM_ID(id, name) id,
enum scenario_role { SCENARIO_ROLES(SCENARIO_ENUM_ID) SCENARIO_ROLE_COUNT };
enum scenario_mech { SCENARIO_MECHS(SCENARIO_ENUM_ID) SCENARIO_MECH_COUNT };
enum scenario_submit_tls { SCENARIO_SUBMIT_TLS(SCENARIO_ENUM_ID) SCENARIO_SUBMIT_TLS_COUNT };
enum scenario_pop_tls { SCENARIO_POP_TLS(SCENARIO_ENUM_ID) SCENARIO_POP_TLS_COUNT };
enum scenario_tls_level { SCENARIO_TLS_LEVELS(SCENARIO_ENUM_ID) SCENARIO_TLS_LEVEL_COUNT };
enum scenario_e2e { SCENARIO_E2E(SCENARIO_ENUM_ID) SCENARIO_E2E_COUNT };
enum scenario_tunnel { SCENARIO_TUNNELS(SCENARIO_ENUM_ID) SCENARIO_TUNNEL_COUNT };
enum scenario_bare_newline { SCENARIO_BARE_NEWLINES(SCENARIO_ENUM_ID) SCENARIO_BARE_NEWLINE_COUNT };
#undef SCENARIO_ENUM_ID

/* "mua"; NULL when out of range. */
const char *scenario_role_name(enum scenario_role r);

/* The one-word settings of an agent, as enums (see the lists above for their words). */
struct scenario_agent_modes {
    enum scenario_mech auth_mech;                         /* mua */
    enum scenario_submit_tls submit_tls;                  /* mua */
    enum scenario_pop_tls pop_tls;                        /* mua */
    enum scenario_e2e encrypt;                            /* mua */
    enum scenario_tunnel pop_tunnel;                      /* mua */
    enum scenario_tls_level smtpd_tls_security_level;     /* msa; starttls alone means may */
    enum scenario_bare_newline smtpd_forbid_bare_newline; /* msa, mta, filter */
    enum scenario_tls_level smtp_tls;                     /* mta, filter: sending */
};

/* One agent. Which fields apply depends on role; the parser rejects a key that does not belong
 * to the role, so a typo or a misplaced setting is caught. */
struct scenario_agent {
    char *id;
    enum scenario_role kind; /* what the parser and the builder go by */
    const char *role;        /* kind's word, borrowed: for what shows or prints it */
    char *host;
    char *program; /* optional: the real software shown for it */
    struct scenario_agent_modes mode;
    /* The words of five modes as the file gave them (NULL: absent), borrowed from the lists
     * above: only for readers outside the parser and the builder (the fuzzer), which test
     * them. The world is built from mode. */
    const char *submit_tls, *pop_tls, *encrypt, *pop_tunnel, *smtp_tls;
    /* mua */
    char *user;
    char *display_name;
    char *submit_host;
    uint16_t submit_port; /* 0: 587 */
    char *pop_host;
    uint16_t pop_port; /* 0: 110 */
    bool apop;
    bool keep_on_server;
    /* msa */
    char *mta;             /* the MTA agent that takes submitted mail */
    unsigned auth_mechs;   /* bits 1u << enum scenario_mech; 0: none named */
    bool no_auth_required; /* "require_auth": false, an open submission port */
    bool starttls;         /* offer STARTTLS */
    bool smtps;            /* also listen on 465 with implicit TLS */
    bool tls_auth_only;    /* AUTH only inside TLS */
    /* msa, mta, filter: Postfix's smtpd parameters, under their names; the parser fills in
     * Postfix's defaults */
    bool smtpd_helo_required;
    bool strict_rfc821_envelopes;
    bool disable_vrfy_command;
    uint64_t smtpd_error_sleep_us;  /* smtpd_error_sleep_time: 1 s */
    int64_t smtpd_soft_error_limit; /* 10 */
    int64_t smtpd_hard_error_limit; /* 20 */
    /* msa, mra: Dovecot's auth_failure_delay (behind the MSA's AUTH, and the MRA's): 2 s */
    uint64_t auth_failure_delay_us;
    /* mta, filter */
    char *hostname; /* banner and Received name; NULL: the host's name */
    uint16_t port;  /* 0: 25 for mta and filter, 587 for msa, 110 for mra */
    bool no_listen; /* "listen": false */
    char **mydestination;
    size_t nmydestination;
    char **relay_domains;
    size_t nrelay_domains;
    char **mynetworks;
    size_t nmynetworks;
    bool permit_sasl_authenticated;
    bool reject_unauth_destination; /* false: defer_unauth_destination (Postfix >= 2.10) */
    bool open_relay;
    struct scenario_transport *transports;
    size_t ntransports;
    char *relayhost;
    char *mda; /* mta: local delivery; mra: whose mailboxes */
    char *dns; /* the dns agent; NULL: the only one */
    int relay_step;
    uint64_t retry_us;
    unsigned max_attempts;
    uint64_t max_message_size;
    uint64_t max_recipients;
    bool maillog;                 /* Postfix-style log lines in the trace */
    char *pop_mra;                /* pop_before_smtp.mra: the MRA whose logins open relaying */
    uint64_t pop_window_us;       /* pop_before_smtp.minutes */
    bool smtpd_tls;               /* offer STARTTLS on port 25 */
    bool alert_encrypted_archive; /* filter: refuse encrypted ZIP (ClamAV's option) */
    /* mda: the aliases(5) table of Postfix's local(8) */
    struct scenario_alias *aliases;
    size_t naliases;
    /* webform (also user, submit_host, submit_port) */
    char **form_to; /* "to": the fixed recipients of the form */
    size_t nform_to;
    bool reject_crlf;             /* refuse a field that holds CR or LF */
    bool recipients_from_headers; /* msmtp -t: recipients from To, Cc and Bcc */
    /* mra */
    bool no_user_pass; /* "user_pass": false */
    bool stls;         /* offer STLS on 110 */
    bool pop3s;        /* also listen on 995 with implicit TLS */
    /* dns */
    struct scenario_mx *mx;
    size_t nmx;
    /* spammer */
    char *helo; /* the EHLO name it claims; NULL: its host's name */
    /* sniffer */
    char **taps; /* the taps it reads (names from $.taps); NULL: every tap */
    size_t ntaps;
    char **dictionary; /* words for its offline attack on APOP */
    /* mitm */
    char *at; /* the tap whose link it sits on */
    /* sshd (also port, user) */
    uint16_t forward_port; /* the one forward allowed, localhost:forward_port; 0: 110 */
    size_t ndictionary;
};

enum scenario_action {
    SCENARIO_SEND,
    SCENARIO_FETCH,
    SCENARIO_DOWN,
    SCENARIO_UP,
    SCENARIO_NOTE,  /* narration only */
    SCENARIO_SPAM,  /* a spammer sends forged mail to a target server */
    SCENARIO_CRACK, /* a sniffer attacks the APOP logins it captured, offline */
    SCENARIO_POST,  /* someone fills in and sends a web form (a webform agent) */
};

/* A ZIP archive attached to a send or spam (PPAP): its files, encrypted when a password is
 * given (traditional PKWARE encryption, as most ZIP tools make by default). */
struct scenario_zip_file {
    char *name;
    char *text; /* the file's content; NULL with eicar */
    bool eicar; /* the content is the EICAR anti-virus test file (a stand-in for malware) */
};

struct scenario_zip {
    char *name;     /* the attachment's file name, "見積書.zip" */
    char *password; /* NULL: not encrypted */
    struct scenario_zip_file *files;
    size_t nfiles;
};

struct scenario_event {
    uint64_t at_us;
    char *agent; /* NULL only for a note */
    enum scenario_action action;
    struct scenario_text note; /* any event: narration shown as it happens; NULL texts: none */
    /* send and spam */
    char *mail; /* mail id, "m1" */
    char **to;
    size_t nto;
    char *subject;
    char *body;
    unsigned repeat;      /* send: this many messages (ids mail-1, mail-2, ...); 0 or 1: one */
    uint64_t interval_us; /* send with repeat: time between two of them */
    uint64_t body_bytes;  /* send: pad the body to this size (the load scenario) */
    bool no_auth;         /* send: "auth": false, submit without SMTP AUTH */
    char *password;       /* send: log in with this password instead of the account's */
    /* spam */
    char *target;      /* the host it connects to */
    uint16_t port;     /* 0: 25 */
    char *from;        /* MAIL FROM (forged) */
    char *header_from; /* From: (forged); NULL: from */
    /* send: recipients in the Cc: field, and recipients only in the envelope (Bcc) */
    char **cc;
    size_t ncc;
    char **bcc;
    size_t nbcc;
    struct scenario_zip *zip; /* send and spam: a ZIP attachment; NULL: none */
    /* post: the form's fields (subject is the subject above) */
    char *name;
    char *email;
    char *message;
};

/* What must hold after the run; every field is optional (negative or NULL: not checked). */
struct scenario_expect_mailbox {
    char *agent; /* an mda */
    char *user;
    long count;
};

/* The header section of the copy of mail in user's mailbox at an MDA. */
struct scenario_expect_headers {
    char *agent; /* an mda */
    char *user;
    char *mail;
    char **contains; /* texts the header section must contain */
    size_t ncontains;
    char **lacks; /* texts it must not contain */
    size_t nlacks;
};

/* A fact about the trace, compiled from the file into a claim (claims.h) when it is read. where
 * is the JSON path it came from without "$." ("expect.sniffed[0]"): it names a failure. */
struct claim;
struct scenario_claim {
    char *where;
    struct claim *claim;
};

struct scenario_expect {
    long delivered, retrieved, bounced, rejected;
    struct scenario_expect_mailbox *mailboxes;
    size_t nmailboxes;
    char *received_agent; /* a mua: each retrieved message has >= received_min Received lines */
    long received_min;
    struct scenario_expect_headers *headers; /* delivered copies and their header fields */
    size_t nheaders;
    /* What the trace must show, in this order: steps (of steps_mail or else the first mail
     * sent), mails, trace_contains, trace_lacks, log_contains, sniffed, not_sniffed, policy. */
    struct scenario_claim *claims;
    size_t nclaims;
};

/* One agent setting a countermeasure changes: the agent's key holds on_json when the
 * countermeasure is on and off_json when it is off (JSON text; NULL: the key is absent). */
struct scenario_setting {
    char *agent;
    char *key;
    char *on_json;
    char *off_json;
};

/* A countermeasure that can be turned on and off (mailsim matrix runs every combination). The
 * file as written has it in the state default_on. */
struct scenario_countermeasure {
    char *id;
    struct scenario_text label;
    bool default_on;
    struct scenario_setting *set;
    size_t nset;
};

/* An attack (or, when legitimate, a use that must keep working) and how a run shows that it
 * succeeded: succeeds_if (a mail reached a state, or a tap recorded a finding) compiled into a
 * claim. */
struct scenario_attack {
    char *id;
    struct scenario_text label;
    bool legitimate;
    struct claim *succeeds_if;
};

/* At most this many countermeasures: the matrix runs 2^n worlds. */
#define SCENARIO_MAX_COUNTERMEASURES 8

/* A moment the scenario tells in its own words: agent's beat, the first time the claim when
 * holds, with a title and (optionally) a narration in both languages. */
struct claim;
struct scenario_beat {
    char *agent;
    struct claim *when;
    struct scenario_text title, text;
};

struct scenario {
    char *path; /* the file it came from, "(built-in)" for the default */
    char *id;
    struct scenario_text title;
    struct scenario_text description;
    char **topics;
    size_t ntopics;
    uint64_t seed;
    int64_t epoch;     /* from "start", "2026-04-01T09:00:00+09:00" */
    int tz_minutes;    /* from the offset of "start" */
    uint64_t until_us; /* stop the run here; 0: when nothing is left to do */
    struct scenario_zone *zones;
    size_t nzones;
    struct scenario_host *hosts;
    size_t nhosts;
    struct scenario_link *links;
    size_t nlinks;
    struct scenario_account *accounts;
    size_t naccounts;
    struct scenario_agent *agents;
    size_t nagents;
    struct scenario_event *timeline;
    size_t ntimeline;
    struct scenario_expect expect;
    struct scenario_tap *taps;
    size_t ntaps;
    struct scenario_countermeasure *countermeasures;
    size_t ncountermeasures;
    struct scenario_attack *attacks;
    size_t nattacks;
    struct scenario_beat *beats; /* the moments it tells in its own words (app/story.c) */
    size_t nbeats;
    char *source; /* the JSON text it was read from, for variants */
    size_t source_len;
};

/* Parses JSON text. name is what error messages call the file. On success returns a scenario
 * the caller frees with scenario_free(); on failure NULL, and err holds one line:
 *   "FILE:LINE:COLUMN: error: ..." for syntax errors, or
 *   "FILE: error: at $.agents[3].relayhost: ..." for a wrong type, a missing or unknown key, a
 *   bad value or a reference to nothing. */
struct scenario *scenario_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen);
/* Reads and parses a file; errors as above (a missing or unreadable file, an empty or binary
 * one, or one over SCENARIO_MAX_BYTES, included). */
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
void scenario_free(struct scenario *s);

/* The scenario with its countermeasures switched: bit i of on_mask turns countermeasures[i] on,
 * a clear bit off. Returns a new scenario (free it with scenario_free) or NULL with err. */
struct scenario *scenario_variant(const struct scenario *sc, unsigned on_mask, char *err,
                                  size_t errlen);
/* The on_mask of the file as written. */
unsigned scenario_default_mask(const struct scenario *sc);

/* "1500ms", "2s", "5m", "1h", "250us", or a bare integer of microseconds. Returns 0, or -1. */
int scenario_parse_duration(const char *s, uint64_t *us);

#endif
