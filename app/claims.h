/* claims: the one vocabulary of facts about a run — "step 1 is on port 587", "the tap on the
 * sender's LAN read the password wonderland", "mx.b logged client=pc66...". A claim is a name from
 * one table plus typed arguments, parsed from JSON with errors located by JSON path, and evaluated
 * over a trace with a sentence saying why it holds or why not. A question's check is written in
 * it (quiz_check.h); a scenario's expect and an attack's succeeds_if keep their own syntax and are
 * compiled into claims when the file is read (scenario_expect.c, scenario_security.c), so that
 * each fact is evaluated in one place.
 *
 * The vocabulary (questions.schema.json documents the same):
 *   CLAIM   = "step_port":  {step, port, [mail], [client]}   every connection of step n (of
 *                            that mail, from that client agent) went to that server port
 *           | "step_agent": {step, agent, [mail]}            the first step-n event names agent
 *           | "step_tls":   {step, tls, [mail], [client]}    those connections had TLS, or not
 *           | "connect":    {[client], [server], [client_host], [server_host], [port], [proto],
 *                            [seen_ip]}                      some connection matches them all
 *           | "sniffed":    {finding, [value] | [contains], [tap]}  a tap recorded it
 *           | "mail_state": {mail, state, [agent], [code]}   the mail reached that state
 *           | "policy":     {rule, [agent], [decision], [code]}
 *           | "auth":       {[agent], [user], [mech], [ok]}
 *           | "secure":     {[agent], [ok], [version], [detail]}  an encrypted channel (TLS or
 *                            SSH) was set up or failed; detail is a substring
 *           | "dns":        {query, [answer]}                answer is a substring
 *           | "tamper":     {removed, [agent]}               a man in the middle deleted the text
 *           | "key":        {agent, [system]}                the agent holds a private key
 *           | "tap_link":   {tap, link: [HOST, HOST]}        where the tap sits
 *           | "log_contains": TEXT    a mail log line contains it
 *           | "wire_contains": TEXT   bytes that crossed a link contain it
 *           | "plain_contains": TEXT  plaintext an endpoint put inside TLS or SSH contains it
 *           | "tls_on_port": PORT     a TLS channel was set up on a connection to that port
 *           | "not": CLAIM | "all": [CLAIM, ...]
 * and one that files do not name, because a question asks about one step, not the whole path:
 *             "steps":      {[mail], steps: [N, ...]}        the mail went through exactly these
 *                            steps, in order (a step of two hops counts once): expect.steps */
#ifndef MAILSIM_CLAIMS_H
#define MAILSIM_CLAIMS_H

#include "scenario_json.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct claim;

/* Parses obj, an object holding exactly one claim {"NAME": VALUE}, at c's path. extra (NULL:
 * none) is one more key the object may hold, which the caller reads itself ("with" in a quiz
 * check); messages list it first. Returns the claim, which the caller frees with claims_free(),
 * or NULL with c's error. */
struct claim *claims_parse(struct scenario_ctx *c, const cJSON *obj, const char *extra);

/* Parses value as the value of the claim name (which must be in the table), at c's path: how
 * expect and succeeds_if compile their entries ({"finding": ...} is a "sniffed" value). Returns
 * the claim, or NULL with c's error. */
struct claim *claims_parse_value(struct scenario_ctx *c, const char *name, const cJSON *value);

/* The claim that cl does not hold ("not"). Takes cl over; NULL when cl is NULL or memory is
 * exhausted (cl is freed then). */
struct claim *claims_not(struct claim *cl);

void claims_free(struct claim *cl);

/* The claim's name ("step_port"), for messages. */
const char *claims_name(const struct claim *cl);

/* 1 when cl holds over tr, else 0. Either way why says what the run shows: what made the claim
 * hold, or what happened instead ("no tap found password \"x\""), so that a "not" can say why it
 * failed with the words of the claim inside it. */
int claims_eval(const struct trace *tr, const struct claim *cl, char *why, size_t whylen);

/* Whether the n bytes at p contain needle (an empty needle is in everything). The one substring
 * search of claims over event bytes, also used on the header of a delivered copy. */
bool claims_bytes_have(const uint8_t *p, size_t n, const char *needle);

#endif
