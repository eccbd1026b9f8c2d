/* test_claims: the one vocabulary of facts about a run. A small trace made with the trace API
 * (one submission over TLS, one relay hop through a NAT with a man in the middle, and the
 * annotations around them), then each claim both holding and not, with the sentence that says
 * why; the parser's located errors; and the claims the file syntaxes compile into (steps, not). */
#include "claims.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static uint32_t test_ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static uint32_t test_conn(struct trace *tr, uint64_t t, const char *proto, uint32_t chost,
                          uint32_t shost, const char *client, const char *server, uint16_t port)
{
    struct trace_conn c = {0};
    c.proto = trace_intern(tr, proto);
    c.client_host = chost;
    c.server_host = shost;
    c.client_agent = trace_intern(tr, client);
    c.server_agent = trace_intern(tr, server);
    c.client_ip = tr->hosts[chost].ip;
    c.server_ip = tr->hosts[shost].ip;
    c.client_port = 40000;
    c.server_port = port;
    return trace_connect(tr, t, &c);
}

static const uint8_t *test_bytes(const char *s)
{
    return (const uint8_t *)s;
}

enum { H_ALICE, H_MAIL_A, H_MX_B, H_HOTEL };

/* Alice submits m1 to msa.a over TLS on 587 (connection #1); msa.a relays it to mx.b on 25 from
 * behind gw.hotel.example's NAT, in the clear, while mallory strips STARTTLS (connection #2). */
static void test_world(struct trace *tr)
{
    if (trace_init(tr) != 0) {
        abort();
    }
    static const struct {
        const char *name;
        uint8_t ip[4];
        const char *agent, *role; /* the agent on it, if any */
    } hosts[] = {
        {"alice-pc.a.example", {192, 0, 2, 10}, "alice", "mua"},
        {"mail.a.example", {192, 0, 2, 20}, "msa.a", "msa"},
        {"mx.b.example", {198, 51, 100, 25}, "mx.b", "mta"},
        {"gw.hotel.example", {198, 51, 100, 200}, NULL, NULL},
    };
    uint32_t zone = trace_add_zone(tr, "documentation");
    for (uint32_t h = 0; h < sizeof hosts / sizeof hosts[0]; h++) {
        const uint8_t *ip = hosts[h].ip;
        trace_add_host(tr, hosts[h].name, zone, test_ip(ip[0], ip[1], ip[2], ip[3]));
        if (hosts[h].agent) {
            trace_add_agent(tr, hosts[h].agent, hosts[h].role, "mailsim", h);
        }
    }
    trace_add_tap(tr, "a-lan-tap", trace_add_link(tr, H_ALICE, H_MAIL_A, 1000));
    trace_add_link(tr, H_MAIL_A, H_MX_B, 5000);

    uint32_t c1 = test_conn(tr, 1000, "submission", H_ALICE, H_MAIL_A, "alice", "msa.a", 587);
    trace_secure(tr, 1100, c1, TRACE_CLIENT, "alice", "TLSv1.3", "TLS_AES_128_GCM_SHA256", true,
                 "mail.a.example");
    const char *auth = "AUTH PLAIN AGFsaWNl\r\n";
    trace_plain(tr, 1200, c1, TRACE_CLIENT, test_bytes(auth), strlen(auth));
    trace_auth(tr, 1300, "msa.a", "alice", "PLAIN", true, c1);
    trace_step(tr, 1400, 1, "m1", "alice", c1);
    trace_mail(tr, 1400, "m1", "submitted", "msa.a", 250);
    trace_step(tr, 1500, 2, "m1", "msa.a", 0);

    uint32_t c2 = test_conn(tr, 2000, "smtp", H_MAIL_A, H_MX_B, "msa.a", "mx.b", 25);
    trace_set_nat(tr, c2, H_HOTEL, test_ip(198, 51, 100, 200));
    const char *ehlo = "250-STARTTLS\r\n250 8BITMIME\r\n";
    trace_data(tr, 2100, c2, TRACE_SERVER, false, test_bytes(ehlo), strlen(ehlo));
    trace_tamper(tr, 2100, c2, TRACE_SERVER, "mallory", test_bytes(ehlo + 14), strlen(ehlo + 14));
    const char *from = "MAIL FROM:<alice@a.example>\r\n";
    trace_data(tr, 2200, c2, TRACE_CLIENT, false, test_bytes(from), strlen(from));
    trace_sniff(tr, 2200, "a-lan-tap", c2, "password", test_bytes("wonderland"), 10);
    /* Step 4 in two hops, as through a filter. */
    trace_step(tr, 2300, 4, "m1", "msa.a", c2);
    trace_step(tr, 2400, 4, "m1", "msa.a", c2);
    trace_policy(tr, 2500, "mx.b", "reject_unauth_destination", "reject", 554, c2);
    trace_mail(tr, 2600, "m1", "delivered", "mx.b", 250);
    trace_dns(tr, 2700, "msa.a", "MX b.example", "10 mx.b.example");
    trace_log(tr, 2800, "mx.b", "postfix/smtpd", c2, "status=sent (250 2.0.0 Ok)");
    trace_key(tr, 2900, "bob", "OpenPGP", "bob@b.example", "0xABCD");
}

/* The claim in the JSON text: a check object {"NAME": VALUE} (extra: one more key it may hold),
 * or with name, the value of that claim. NULL with the located error in err. */
static struct claim *test_claim(const char *text, const char *name, const char *extra, char *err,
                                size_t errlen)
{
    struct scenario_ctx c;
    scenario_ctx_init(&c, "t", err, errlen);
    err[0] = '\0';
    cJSON *json = cJSON_Parse(text);
    struct claim *cl = !json  ? NULL
                       : name ? claims_parse_value(&c, name, json)
                              : claims_parse(&c, json, extra);
    cJSON_Delete(json); /* a claim keeps nothing of the JSON it was read from */
    return cl;
}

struct claim_case {
    const char *claim; /* a check object, {"NAME": VALUE} */
    int want;
    const char *why;
};

static const struct claim_case claim_cases[] = {
    {"{\"step_port\": {\"step\": 1, \"port\": 587}}", 1,
     "every connection of step 1 went to port 587 (1)"},
    {"{\"step_port\": {\"step\": 1, \"port\": 465}}", 0,
     "step 1 of m1 went to port 587 (connection #1, submission)"},
    {"{\"step_port\": {\"step\": 1, \"port\": 587, \"client\": \"bob\"}}", 0,
     "no connection of step 1 from bob"},
    {"{\"step_agent\": {\"step\": 2, \"agent\": \"msa.a\"}}", 1, "step 2 of m1 is msa.a's"},
    {"{\"step_agent\": {\"step\": 2, \"agent\": \"mx.b\", \"mail\": \"m1\"}}", 0,
     "step 2 of m1 is msa.a's"},
    {"{\"step_agent\": {\"step\": 9, \"agent\": \"bob\"}}", 0, "no step 9"},
    {"{\"step_tls\": {\"step\": 1, \"tls\": true}}", 1, "every connection of step 1 had TLS"},
    {"{\"step_tls\": {\"step\": 4, \"tls\": true}}", 0, "connection #2 of step 4 had no TLS"},
    {"{\"connect\": {\"client\": \"msa.a\", \"port\": 25, \"seen_ip\": \"198.51.100.200\"}}", 1,
     "connection #2 matches {\"client\":\"msa.a\",\"port\":25,\"seen_ip\":\"198.51.100.200\"}"},
    {"{\"connect\": {\"client_host\": \"alice-pc.a.example\", \"server_host\": "
     "\"mx.b.example\"}}",
     0,
     "no connection matches {\"client_host\":\"alice-pc.a.example\",\"server_host\":"
     "\"mx.b.example\"} (of 2)"},
    {"{\"sniffed\": {\"finding\": \"password\", \"value\": \"wonderland\", \"tap\": "
     "\"a-lan-tap\"}}",
     1, "tap a-lan-tap found password \"wonderland\""},
    {"{\"sniffed\": {\"finding\": \"password\", \"contains\": \"wonder\"}}", 1,
     "tap a-lan-tap found password \"wonder\""},
    {"{\"sniffed\": {\"finding\": \"password\", \"value\": \"wonder\"}}", 0,
     "no tap found password \"wonder\""},
    {"{\"sniffed\": {\"finding\": \"body\", \"tap\": \"a-lan-tap\"}}", 0,
     "no tap a-lan-tap found body"},
    {"{\"mail_state\": {\"mail\": \"m1\", \"state\": \"delivered\", \"code\": 250}}", 1,
     "mail m1 reached delivered at mx.b (250)"},
    {"{\"mail_state\": {\"mail\": \"m1\", \"state\": \"read\"}}", 0,
     "mail m1 never reached read (it was: submitted, delivered)"},
    {"{\"mail_state\": {\"mail\": \"m1\", \"state\": \"delivered\", \"agent\": \"msa.a\"}}", 0,
     "mail m1 never reached delivered at msa.a (it was: submitted at msa.a, delivered at mx.b)"},
    {"{\"mail_state\": {\"mail\": \"m2\", \"state\": \"read\", \"code\": 250}}", 0,
     "mail m2 never reached read (250) (it was: never seen)"},
    {"{\"policy\": {\"rule\": \"reject_unauth_destination\", \"code\": 554}}", 1,
     "mx.b decided reject by reject_unauth_destination (554)"},
    {"{\"policy\": {\"rule\": \"open_relay\", \"agent\": \"mx.b\", \"decision\": \"permit\"}}", 0,
     "mx.b never decided permit by open_relay"},
    {"{\"policy\": {\"rule\": \"reject_unauth_destination\", \"code\": 450}}", 0,
     "nobody decided by reject_unauth_destination (450)"},
    {"{\"auth\": {\"user\": \"alice\", \"ok\": true}}", 1, "msa.a accepted alice (PLAIN)"},
    {"{\"auth\": {\"user\": \"alice\", \"ok\": false}}", 0,
     "no authentication matches {\"user\":\"alice\",\"ok\":false}"},
    {"{\"secure\": {\"agent\": \"alice\", \"detail\": \"mail.a.example\"}}", 1,
     "alice set up an encrypted channel (TLSv1.3) on connection #1"},
    {"{\"secure\": {\"ok\": false}}", 0, "no encrypted channel matches {\"ok\":false}"},
    {"{\"dns\": {\"query\": \"MX b.example\", \"answer\": \"mx.b.example\"}}", 1,
     "msa.a asked MX b.example answered with mx.b.example"},
    {"{\"dns\": {\"query\": \"MX c.example\"}}", 0, "no DNS query MX c.example"},
    {"{\"tamper\": {\"removed\": \"250-STARTTLS\", \"agent\": \"mallory\"}}", 1,
     "mallory removed \"250-STARTTLS\" on connection #2"},
    {"{\"tamper\": {\"removed\": \"8BITMIME\"}}", 0, "no man in the middle removed \"8BITMIME\""},
    {"{\"key\": {\"agent\": \"bob\", \"system\": \"OpenPGP\"}}", 1,
     "bob holds an OpenPGP private key"},
    {"{\"key\": {\"agent\": \"carol\"}}", 0, "carol holds no private key"},
    {"{\"tap_link\": {\"tap\": \"a-lan-tap\", \"link\": [\"mail.a.example\", "
     "\"alice-pc.a.example\"]}}",
     1, "tap a-lan-tap sits on alice-pc.a.example - mail.a.example"},
    {"{\"tap_link\": {\"tap\": \"a-lan-tap\", \"link\": [\"mail.a.example\", "
     "\"mx.b.example\"]}}",
     0, "tap a-lan-tap sits on alice-pc.a.example - mail.a.example"},
    {"{\"tap_link\": {\"tap\": \"b-lan-tap\", \"link\": [\"a.example\", \"b.example\"]}}", 0,
     "no tap b-lan-tap"},
    {"{\"log_contains\": \"status=sent\"}", 1, "a log line of mx.b holds \"status=sent\""},
    {"{\"log_contains\": \"status=bounced\"}", 0, "no log line holds \"status=bounced\""},
    {"{\"wire_contains\": \"MAIL FROM:<alice@a.example>\"}", 1,
     "\"MAIL FROM:<alice@a.example>\" crossed a link"},
    {"{\"wire_contains\": \"AUTH PLAIN\"}", 0, "\"AUTH PLAIN\" never crossed a link"},
    {"{\"plain_contains\": \"AUTH PLAIN\"}", 1,
     "plaintext inside TLS or SSH contains \"AUTH PLAIN\""},
    {"{\"plain_contains\": \"MAIL FROM\"}", 0,
     "no plaintext inside TLS or SSH contains \"MAIL FROM\""},
    {"{\"tls_on_port\": 587}", 1, "TLS on connection #1 to port 587"},
    {"{\"tls_on_port\": 25}", 0, "no TLS on a connection to port 25"},
    /* "not" says why with the words of the claim inside it. */
    {"{\"not\": {\"wire_contains\": \"AUTH PLAIN\"}}", 1, "\"AUTH PLAIN\" never crossed a link"},
    {"{\"not\": {\"tls_on_port\": 587}}", 0, "TLS on connection #1 to port 587"},
    {"{\"all\": [{\"tls_on_port\": 587}, {\"not\": {\"tls_on_port\": 25}}]}", 1, "all 2 hold"},
    {"{\"all\": [{\"tls_on_port\": 587}, {\"tls_on_port\": 25}]}", 0,
     "all[1]: no TLS on a connection to port 25"},
};

static void test_each_claim(struct harness *h, const struct trace *tr)
{
    bool held[sizeof claim_cases / sizeof claim_cases[0]];
    for (size_t i = 0; i < sizeof claim_cases / sizeof claim_cases[0]; i++) {
        const struct claim_case *k = &claim_cases[i];
        char err[512], why[512] = "";
        struct claim *cl = test_claim(k->claim, NULL, NULL, err, sizeof err);
        held[i] = false;
        if (!CHECK(h, cl != NULL)) {
            fprintf(stderr, "    case %zu: %s\n", i, err);
        } else {
            int got = claims_eval(tr, cl, why, sizeof why);
            held[i] = got == 1;
            /* both checks run, so a case that fails both says so twice */
            int right = CHECK_INT(h, got, k->want);
            int said = CHECK_STR(h, why, k->why);
            if (!right || !said) {
                fprintf(stderr, "    case %zu: %s\n", i, k->claim);
            }
        }
        claims_free(cl);
    }
    /* Every claim of the vocabulary both holds and fails here, or the table proves little. */
    static const char *const names[] = {
        "step_port",      "step_agent",  "step_tls", "connect",      "sniffed",
        "mail_state",     "policy",      "auth",     "secure",       "dns",
        "tamper",         "key",         "tap_link", "log_contains", "wire_contains",
        "plain_contains", "tls_on_port", "not",      "all"};
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        char key[40];
        snprintf(key, sizeof key, "{\"%s\"", names[n]);
        bool yes = false, no = false;
        for (size_t i = 0; i < sizeof claim_cases / sizeof claim_cases[0]; i++) {
            if (strncmp(claim_cases[i].claim, key, strlen(key)) == 0) {
                yes |= held[i];
                no |= !held[i];
            }
        }
        if (!CHECK(h, yes && no)) {
            fprintf(stderr, "    %s: held %d, failed %d\n", names[n], yes, no);
        }
    }
}

/* expect.steps compiles into the claim files cannot name: the steps a mail went through. */
static void test_steps(struct harness *h, const struct trace *tr)
{
    static const struct claim_case cases[] = {
        {"{\"mail\": \"m1\", \"steps\": [1, 2, 4]}", 1, "mail m1 went through steps 1 2 4"},
        {"{\"mail\": \"m1\", \"steps\": [1, 2, 3, 4]}", 0,
         "mail m1 went through steps 1 2 4, want 1 2 3 4"},
        {"{\"steps\": [1]}", 0, "mail (none) went through steps, want 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512], why[512] = "";
        struct claim *cl = test_claim(cases[i].claim, "steps", NULL, err, sizeof err);
        if (CHECK(h, cl != NULL)) {
            CHECK_STR(h, claims_name(cl), "steps");
            CHECK_INT(h, claims_eval(tr, cl, why, sizeof why), cases[i].want);
            CHECK_STR(h, why, cases[i].why);
        }
        claims_free(cl);
    }
}

/* expect.trace_lacks and not_sniffed: a claim made in code, negated. */
static void test_not(struct harness *h, const struct trace *tr)
{
    char err[512], why[512];
    struct claim *cl =
        claims_not(test_claim("{\"finding\": \"password\"}", "sniffed", NULL, err, sizeof err));
    if (CHECK(h, cl != NULL)) {
        CHECK_STR(h, claims_name(cl), "not");
        CHECK_INT(h, claims_eval(tr, cl, why, sizeof why), 0);
        CHECK_STR(h, why, "tap a-lan-tap found password");
    }
    claims_free(cl);
    CHECK(h, claims_not(NULL) == NULL);
    /* A why too short for the sentence is cut with "..."; no why at all is allowed. */
    cl = test_claim("\"status=sent\"", "log_contains", NULL, err, sizeof err);
    if (CHECK(h, cl != NULL)) {
        char small[12];
        CHECK_INT(h, claims_eval(tr, cl, small, sizeof small), 1);
        CHECK_STR(h, small, "a log li...");
        CHECK_INT(h, claims_eval(tr, cl, NULL, 0), 1);
    }
    claims_free(cl);
}

/* The one substring search: over event bytes and over a delivered copy's header. */
static void test_bytes_have(struct harness *h)
{
    const uint8_t *p = test_bytes("AUTH PLAIN\r\n");
    CHECK(h, claims_bytes_have(p, 12, "PLAIN\r\n"));
    CHECK(h, claims_bytes_have(p, 12, "AUTH"));
    CHECK(h, !claims_bytes_have(p, 11, "PLAIN\r\n")); /* the end lies beyond n */
    CHECK(h, !claims_bytes_have(p, 12, "plain"));     /* bytes, not case-insensitive text */
    CHECK(h, claims_bytes_have(NULL, 0, ""));
    CHECK(h, !claims_bytes_have(NULL, 0, "A"));
}

struct bad_case {
    const char *claim;
    const char *extra;
    const char *error;
};

static const struct bad_case bad_cases[] = {
    {"{\"step_port\": {\"step\": 1}}", NULL,
     "t: error: at $.step_port: missing required key \"port\" of claim step_port"},
    {"{\"step_port\": {\"step\": 10, \"port\": 25}}", NULL,
     "t: error: at $.step_port.step: expected an integer from 1 to 9, got the number 10"},
    {"{\"tls_on_port\": 0}", NULL,
     "t: error: at $.tls_on_port: expected a port, an integer from 1 to 65535, got the number 0"},
    {"{\"log_contains\": \"\"}", NULL,
     "t: error: at $.log_contains: expected a non-empty string, got a string \"\""},
    {"{\"dns\": {\"query\": 5}}", NULL,
     "t: error: at $.dns.query: expected a string, got the number 5"},
    {"{\"auth\": {\"ok\": \"yes\"}}", NULL,
     "t: error: at $.auth.ok: expected true or false, got a string \"yes\""},
    {"{\"connect\": {}}", NULL,
     "t: error: at $.connect: claim connect needs at least one of its keys"},
    {"{\"sniffed\": {\"finding\": \"body\", \"value\": \"a\", \"contains\": \"b\"}}", NULL,
     "t: error: at $.sniffed: give \"value\" (the whole finding) or \"contains\" (a part of it), "
     "not both"},
    {"{\"tap_link\": {\"tap\": \"t\", \"link\": [\"a.example\"]}}", NULL,
     "t: error: at $.tap_link.link: expected two host names [\"sw.a.example\", "
     "\"mail.a.example\"], got an array"},
    {"{\"all\": []}", NULL,
     "t: error: at $.all: expected a non-empty array of claims, got an array"},
    {"{\"all\": [{\"tls_on_port\": 25}, 5]}", NULL,
     "t: error: at $.all[1]: expected an object with one claim, got the number 5"},
    {"{\"wire_contains\": \"a\", \"log_contains\": \"b\"}", NULL,
     "t: error: at $: one claim per check, got \"wire_contains\" and \"log_contains\" (join "
     "claims with \"all\")"},
    {"{\"with\": {}}", "with",
     "t: error: at $: no claim (expected one of: step_port, step_agent, sniffed, mail_state, ... "
     "see questions.schema.json)"},
    {"{\"not\": {\"with\": {}, \"tls_on_port\": 25}}", "with",
     "t: error: at $.not: unknown key \"with\" (expected one of: step_port, step_agent, step_tls, "
     "connect, sniffed, mail_state, policy, auth, secure, dns, tamper, key, tap_link, "
     "log_contains, wire_contains, plain_contains, tls_on_port, not, all)"},
    /* expect.steps is no name a file writes. */
    {"{\"steps\": {\"steps\": [1]}}", NULL, "t: error: at $: unknown key \"steps\""},
    {"{\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": "
     "{\"tls_on_port\": 25}}}}}}}}}}",
     NULL, "t: error: at $.not.not.not.not.not.not.not.not.not: claims nested deeper than 8"},
};

static void test_bad(struct harness *h)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *k = &bad_cases[i];
        char err[512];
        struct claim *cl = test_claim(k->claim, NULL, k->extra, err, sizeof err);
        if (!CHECK(h, !cl && strncmp(err, k->error, strlen(k->error)) == 0)) {
            fprintf(stderr, "    case %zu: %s\n    got:  %s\n    want: %s\n", i, k->claim, err,
                    k->error);
        }
        claims_free(cl);
    }
    /* The extra key is the caller's: a check with "with" parses when it is allowed. */
    char err[512];
    struct claim *cl = test_claim("{\"with\": {\"require_tls\": true}, \"tls_on_port\": 25}", NULL,
                                  "with", err, sizeof err);
    CHECK(h, cl && strcmp(claims_name(cl), "tls_on_port") == 0);
    claims_free(cl);
    /* steps as expect gives them: a located error inside the list. */
    cl = test_claim("{\"mail\": \"m1\", \"steps\": [1, 10]}", "steps", NULL, err, sizeof err);
    CHECK(h, cl == NULL);
    CHECK_STR(h, err,
              "t: error: at $.steps[1]: expected a step number from 1 to 9, got the number "
              "10");
}

int main(void)
{
    struct harness h = {"test_claims", 0, 0};
    struct trace tr;
    test_world(&tr);
    test_each_claim(&h, &tr);
    test_steps(&h, &tr);
    test_not(&h, &tr);
    test_bytes_have(&h);
    test_bad(&h);
    trace_free(&tr);
    return harness_finish(&h);
}
