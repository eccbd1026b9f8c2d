/* mua_crypt: end-to-end protection in the MUA. S/MIME (RFC 8551, OpenSSL's CMS) and OpenPGP
 * (RFC 3156 PGP/MIME, librnp): the sender's MUA signs and encrypts the body before submission,
 * the reader's MUA decrypts and verifies it at step 9. Every hop, queue and mailbox in between
 * holds only ciphertext, while the envelope and the header fields stay readable. */
#ifndef MAILSIM_MUA_CRYPT_H
#define MAILSIM_MUA_CRYPT_H

#include "buf.h"
#include "world.h"

/* What a user's mail program uses for end-to-end protection. */
enum mua_e2e { MUA_E2E_NONE, MUA_E2E_SMIME, MUA_E2E_PGP };

/* Gives the user (address) a key of that kind when the world is built, so that others can
 * encrypt to it before the user ever sends; records it as a "key" event of agent. */
void mua_crypt_enroll(struct mail_world *mw, const char *agent, enum mua_e2e kind,
                      const char *address, const char *display_name);

/* Replaces msg (a complete RFC 5322 message) with its signed and encrypted form, for the
 * recipients in to that have a key of that kind and for the sender. Records the mail state
 * "encrypted" and log lines naming the keys. Returns 0, or -1 with msg unchanged when it could
 * not be done (a log line says why). */
int mua_crypt_seal(struct mail_world *mw, const char *agent, const char *mail, enum mua_e2e kind,
                   const char *address, const char *display_name, const char *const *to, size_t nto,
                   struct buf *msg);

/* A retrieved message is opened: when it is S/MIME or PGP/MIME, tries the reader's key and
 * records "decrypted" (with the verified signer) or "unreadable" (and why). Plain messages
 * record nothing. */
void mua_crypt_open(struct mail_world *mw, const char *agent, const char *mail, const char *address,
                    const uint8_t *data, size_t len);

#endif
