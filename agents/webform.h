/* webform: a web site's contact form that mails what a visitor typed. Its script builds the
 * message text itself — fixed lines with the visitor's fields pasted in — and pipes it to a
 * sendmail-compatible program (msmtp), which submits it over SMTP (587, SMTP AUTH) to the
 * organisation's MSA. That is where a mail header injection (メールヘッダインジェクション) lives:
 * a CR LF typed into the subject field ends the Subject: line, and what follows becomes a header
 * line of its own, such as "Bcc: a@c.example, b@c.example". Run as `msmtp -t`, the program reads
 * the recipients from the To:, Cc: and Bcc: lines (and, as msmtp and Postfix's sendmail both do,
 * removes the Bcc: lines), so the injected addresses become RCPT TO lines and the organisation's
 * own server sends the spam. Two settings are the fixes: refuse a field that holds CR or LF, and
 * take the recipients from the configuration only (no -t). */
#ifndef MAILSIM_WEBFORM_H
#define MAILSIM_WEBFORM_H

#include "buf.h"
#include "world.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct webform_config {
    const char *user;        /* the account msmtp logs in as; its address is From: and MAIL FROM */
    const char *submit_host; /* the MSA's host */
    uint16_t submit_port;    /* 0: 587 */
    const char *const *to;   /* the fixed recipients, "info@a.example" */
    size_t nto;
    bool reject_crlf;             /* refuse a field that holds CR or LF (the fix) */
    bool recipients_from_headers; /* msmtp -t: recipients from To:, Cc: and Bcc: */
};

/* What the visitor typed; any may be NULL (an empty field). */
struct webform_fields {
    const char *name;
    const char *email;
    const char *subject;
    const char *message;
};

struct webform;

/* Returns NULL when the account does not exist. */
struct webform *webform_new(struct mail_world *mw, const char *id, int host,
                            const struct webform_config *cfg);

/* At virtual time at_us the form is sent with fields; mail is the mail id the trace follows.
 * With reject_crlf a field holding CR or LF is refused (policy rule reject_crlf, decision
 * reject, 400: the script answers "400 Bad Request"; the mail is rejected). Returns 0, or -1
 * when the message cannot be built (err). */
int webform_post(struct webform *f, uint64_t at_us, const char *mail,
                 const struct webform_fields *fields, char *err, size_t errlen);

/* ---- the pieces, for tests ---- */

/* The name of the first field (name, email, subject, message order; the message is the body and
 * may hold line breaks, so only the first three count) that holds CR or LF, or NULL. */
const char *webform_header_field_with_newline(const struct webform_fields *f);

/* The message text as the script writes it: lines ended by LF, the fields pasted in as they
 * are. date is an RFC 5322 date, msgid a "<local@domain>". */
void webform_compose(const char *from, const char *const *to, size_t nto,
                     const struct webform_fields *f, const char *date, const char *msgid,
                     struct buf *out);

/* What `msmtp [-t]` makes of text: the message for SMTP (every line end — LF, CRLF or a lone
 * CR — made CRLF, the Bcc: fields of the header section removed with their continuation lines),
 * and with read_recipients the addresses of its To:, Cc: and Bcc: fields, in order, each once,
 * appended to rcpts (the caller frees each and the array; *nrcpts counts them). */
void webform_sendmail(const uint8_t *text, size_t len, bool read_recipients, struct buf *msg,
                      char ***rcpts, size_t *nrcpts);

/* Appends the addresses of an address-list value ("Bob <bob@b.example>, carol@c.example") to
 * rcpts, skipping groups' names and anything without an '@'. */
void webform_addresses(const char *value, char ***rcpts, size_t *nrcpts);

#endif
