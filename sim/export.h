/* export: the trace written out for people and programs — a human transcript (text) and JSON
 * lines (DESIGN.md's table). The pcap writer is in export_pcap.h. Each returns 0, or -1 when
 * writing failed (errno tells why). */
#ifndef MAILSIM_EXPORT_H
#define MAILSIM_EXPORT_H

#include "trace.h"

#include <stdio.h>

/* Words the transcript uses, in the reader's language; they come from assets/, never from C.
 * Any NULL entry falls back to a plain English word. */
struct export_text_labels {
    const char *step_title[10]; /* [1]..[9]: a one-line title for each of the nine steps */
    const char *connect;        /* "connect" */
    const char *close;          /* "close" */
    const char *refused;        /* "refused" */
    const char *auth_ok;        /* "authenticated" */
    const char *auth_failed;    /* "authentication failed" */
    const char *mail;           /* "mail" */
    const char *policy;         /* "policy" */
    const char *sniffed;        /* "sniffed" */
    const char *log;            /* "log" */
    const char *records;        /* "TLS records" (ciphertext on the wire) */
    const char *ssh_packets;    /* "SSH packets" (the same for SSH) */
    const char *octets;         /* "octets" */
    const char *secure_ok;      /* "encrypted channel established" */
    const char *secure_failed;  /* "encrypted channel failed" */
    const char *tampered;       /* "rewrote it; the other side received" */
    const char *key;            /* "private key" (an agent holds one) */
    const char *lang;           /* which text of a narration note to print: "ja" or "en" (NULL) */
};

int export_text(const struct trace *tr, const struct export_text_labels *labels, FILE *out);
int export_jsonl(const struct trace *tr, FILE *out);

/* Appends s[0..n) to out as the inside of a JSON string (RFC 8259 §7). The bytes must be valid
 * UTF-8; see utf8_valid() in utf8.h. */
void export_json_escape(FILE *out, const uint8_t *s, size_t n);

#endif
