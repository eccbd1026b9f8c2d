/* quiz_check: the claims a question of the study mode makes about the run it belongs to — "step 1
 * is on port 587", "the tap on the sender's LAN read the password wonderland", "mx.b logged
 * client=pc66...". A check is checked against a real run of its scenario (built and run like
 * `mailsim run`), so the bank cannot teach what the simulation does not do.
 *
 * The vocabulary (questions.schema.json documents the same):
 *   check   = { ["with": {COUNTERMEASURE: true|false, ...}], CLAIM }  exactly one claim
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
 * "with" runs the scenario with those countermeasures switched (as `mailsim matrix` does). */
#ifndef MAILSIM_QUIZ_CHECK_H
#define MAILSIM_QUIZ_CHECK_H

#include "scenario.h"
#include "scenario_json.h"
#include "quiz_runs.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Checks the form of a check object at c's path (the claim names, their fields and types; not
 * whether the agents or taps it names exist: the run decides that). 0, or -1 with c's error. */
int quiz_check_validate(struct scenario_ctx *c, const cJSON *check);

/* The name of the check's claim ("step_port"), for messages. */
const char *quiz_check_claim_name(const cJSON *check);

/* Evaluates a validated check against the run of scenario. Returns 1 when the claim holds, 0
 * when it does not (why says what the run shows instead), -1 when the run cannot be made (why
 * says why). */
int quiz_check_eval(struct quiz_runs *r, const char *scenario, const cJSON *check, char *why,
                    size_t whylen);

#endif
