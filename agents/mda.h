/* mda: the Mail Delivery Agent — steps 6 and 7. It stores each message in its recipient's
 * mailbox with Maildir semantics (a message appears whole or not at all), and, when the world
 * has a maildir_root, also as a real Maildir: written under tmp/, then renamed into new/. */
#ifndef MAILSIM_MDA_H
#define MAILSIM_MDA_H

#include "world.h"

struct mailbox_msg {
    uint8_t *data;
    size_t len;
    char uid[40];
    char *mail; /* mail id, "" when untagged */
    char *path; /* the Maildir file, when one was written */
};

struct mailbox {
    char *user;
    struct mailbox_msg *msgs;
    size_t n, cap;
    bool locked; /* a POP3 session holds it (RFC 1939 §8: "exclusive-access lock") */
};

struct mda;

/* An aliases(5) entry of Postfix's local(8): mail for name@(a local domain) is forwarded to
 * members. "owner-NAME" is an alias too; when it exists, the copies forwarded for NAME carry
 * owner-NAME@domain as their envelope sender (Postfix's default expand_owner_alias = no: "the
 * left-hand side address"), so that bounces go to the list's owner, not to the author. */
struct mda_alias {
    char *name;
    char **members;
    size_t nmembers;
};

struct mda *mda_new(struct mail_world *mw, const char *id, int host);

/* Adds an alias (copies everything). */
void mda_add_alias(struct mda *m, const char *name, const char *const *members, size_t n);
/* The alias for the local part of address (case-insensitive), or NULL. The caller has decided
 * that the address's domain is local. */
const struct mda_alias *mda_alias_find(const struct mda *m, const char *address);

/* What local(8) does with mail for an alias: the new envelope of the forwarded copy. */
struct mda_forward {
    char sender[320]; /* owner-NAME@domain when that alias exists, else the original sender */
    bool owner;       /* the sender was replaced by the owner alias */
};
/* Decides the envelope sender of the copy forwarded for rcpt (an alias), and marks the mail's
 * "expanded" state. */
void mda_forward(struct mda *m, const char *mail, const char *rcpt, const char *sender,
                 struct mda_forward *out);

/* Delivers a copy of data to the mailbox of the account with address rcpt, adding the
 * Return-Path and Delivered-To header fields of final delivery. Marks step 7 and the mail's
 * "delivered" state. Returns 0, or -1 when no account has that address. */
int mda_deliver(struct mda *m, const char *mail, const char *return_path, const char *rcpt,
                const uint8_t *data, size_t len);

/* The mailbox of user (created empty if the account exists), or NULL when there is no such
 * account. */
struct mailbox *mda_mailbox(struct mda *m, const char *user);

/* Removes the messages marked in deleted[0..n) (a POP3 UPDATE). Returns 0, or -1 on I/O error. */
int mda_expunge(struct mda *m, struct mailbox *box, const bool *deleted, size_t n);

#endif
