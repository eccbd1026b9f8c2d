/* spammer: an attacker outside every organisation in a scenario. It speaks SMTP to someone
 * else's server (port 25, or a submission port), claims any sender it likes in MAIL FROM and
 * From:, and sends spam — which an open relay passes on to a third party. Its mails carry mail
 * ids like everyone's ("spam1"), so the trace follows them to where they end. */
#ifndef MAILSIM_SPAMMER_H
#define MAILSIM_SPAMMER_H

#include "message.h"
#include "world.h"

struct spammer_config {
    const char *helo; /* the EHLO name it claims; NULL: its host's name */
};

/* One attempt. Everything is borrowed for the call only. */
struct spam_spec {
    const char *mail;          /* the mail id the trace follows */
    const char *target;        /* the host name of the server it connects to */
    uint16_t port;             /* 0: 25 */
    const char *envelope_from; /* MAIL FROM: forged */
    const char *header_from;   /* the From: field, forged too; NULL: envelope_from */
    const char *const *to;     /* RCPT TO, at least one */
    size_t nto;
    const char *subject;
    const char *body;
    const struct message_attachment *attachments; /* a password-protected ZIP, say */
    size_t nattachments;
};

struct spammer;

struct spammer *spammer_new(struct mail_world *mw, const char *id, int host,
                            const struct spammer_config *cfg);

/* At virtual time at_us, composes the message and tries to have it accepted: the mail is
 * "submitted" when the server took it, else "rejected" with the server's code. Returns 0, or -1
 * when the message cannot be built (err says why). */
int spammer_send(struct spammer *s, uint64_t at_us, const struct spam_spec *spec, char *err,
                 size_t errlen);

#endif
