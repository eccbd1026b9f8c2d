/* pgp: OpenPGP for the MUAs, on librnp (the engine inside Thunderbird). Each simulated user
 * holds a keyring (struct pgp_ring): their own secret key, generated here as gpg and
 * Thunderbird do today (an EdDSA Ed25519 primary key that signs and certifies, a Curve25519
 * ECDH subkey that encrypts, no passphrase), and the public keys of the people they write to,
 * exchanged as ASCII-armored blocks. Keys are named by their 40-hex-digit fingerprint: there is
 * no certificate authority, each user decides whose key to import (the web of trust).
 *
 * Sending, pgp_encrypt_sign() turns an RFC 5322 message into PGP/MIME (RFC 3156 §4): the
 * header fields that route and describe the mail (From, To, Cc, Subject, Date, Message-ID,
 * Received...) stay in the clear, only the MIME entity (its Content-* fields and the body) is
 * signed with the sender's key and then encrypted to every recipient's key (RFC 3156 §6.2,
 * "encrypted and signed" in one OpenPGP message). Receiving, pgp_decrypt_verify() needs the
 * secret key of one of the recipients: without it the message cannot be read at all.
 *
 * librnp prints a line on stderr ("[init_encrypted_src() ...] failed to obtain decrypting key")
 * when an operation fails; the reason given in err is what callers should show. */
#ifndef MAILSIM_PGP_H
#define MAILSIM_PGP_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A v4 key fingerprint: 40 upper-case hex digits (SHA-1 of the public key), and its NUL. */
#define PGP_FPR_LEN 40
#define PGP_FPR_SIZE (PGP_FPR_LEN + 1)

struct pgp_ring;

/* An empty keyring in memory (nothing is read from or written to disk). NULL with a reason in
 * err when librnp cannot start. Free with pgp_ring_free (NULL is fine). */
struct pgp_ring *pgp_ring_new(char *err, size_t errlen);
void pgp_ring_free(struct pgp_ring *r);

/* Generates a key pair for userid ("Alice <alice@a.example>") into r: Ed25519 primary key
 * (sign, certify) and Curve25519 subkey (encrypt), unprotected, valid two years (librnp's
 * default). fpr receives the primary key's fingerprint. */
int pgp_generate(struct pgp_ring *r, const char *userid, char fpr[PGP_FPR_SIZE], char *err,
                 size_t errlen);

/* Appends the ASCII-armored key with its subkeys ("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
 * CRLF line ends, to out. The secret variant exports the private keys too (what a user moves
 * to a second device; here: what tests hand to gpg). out is unchanged on error. */
int pgp_export_public(struct pgp_ring *r, const char *fpr, struct buf *out, char *err,
                      size_t errlen);
int pgp_export_secret(struct pgp_ring *r, const char *fpr, struct buf *out, char *err,
                      size_t errlen);

/* Imports the public part of the armored (or binary) keys in data into r; secret key material
 * in data is ignored. fpr (may be NULL) receives the first primary key's fingerprint. */
int pgp_import_public(struct pgp_ring *r, const uint8_t *data, size_t len, char fpr[PGP_FPR_SIZE],
                      char *err, size_t errlen);

struct pgp_key_info {
    char fpr[PGP_FPR_SIZE]; /* the primary key's, upper case */
    char userid[256];       /* the primary user id, truncated to fit */
    bool secret;            /* the ring holds the private key too */
};

/* Looks a key up by fingerprint (either case; a subkey's fingerprint finds its primary key).
 * Returns 0 and fills info (may be NULL), or -1: "no key ... in this ring". */
int pgp_key_lookup(struct pgp_ring *r, const char *fpr, struct pgp_key_info *info, char *err,
                   size_t errlen);
/* The key whose user id holds <address> (case-insensitive), the MUA's way from a To: address to
 * a key. Returns 0 and fills fpr, or -1 when the ring has none. */
int pgp_find_by_address(struct pgp_ring *r, const char *address, char fpr[PGP_FPR_SIZE], char *err,
                        size_t errlen);

/* Appends to out the PGP/MIME form of msg (a complete message, CRLF line ends): msg's header
 * fields except Content-* and MIME-Version, verbatim and in order, then MIME-Version: 1.0 and
 * Content-Type: multipart/encrypted; protocol="application/pgp-encrypted" with a boundary
 * derived from msg; part 1 application/pgp-encrypted "Version: 1", part 2
 * application/octet-stream; name="encrypted.asc", the armored OpenPGP message signed by
 * signer_fpr (secret key in r) and encrypted to each of the recipients (public keys in r; list
 * the sender too, or the sender cannot read the sent copy). What is encrypted is the inner MIME
 * entity: msg's Content-* fields (Content-Type: text/plain; charset=us-ascii when it has none),
 * an empty line, msg's body. out is unchanged on error. */
int pgp_encrypt_sign(struct pgp_ring *r, const uint8_t *msg, size_t len, const char *signer_fpr,
                     const char *const *recipient_fprs, size_t recipient_count, struct buf *out,
                     char *err, size_t errlen);

/* What pgp_decrypt_verify learnt about the signature. */
struct pgp_verify {
    bool is_signed;            /* the OpenPGP message carried a signature */
    bool verified;             /* ... and it is good, made by the key named in signer */
    char signer[PGP_FPR_SIZE]; /* the signing primary key's fingerprint ("" when unknown) */
};

/* Reads a PGP/MIME message as received (any header fields before, e.g. Received: lines added
 * by MTAs), decrypts it with a secret key in r and checks the signature inside. Returns 0 and
 * appends the inner MIME entity (its header fields, empty line, body) to inner when it was
 * decrypted and either the signature is good or there is none (v->is_signed false). Returns
 * -1, inner unchanged, with a reason in err:
 *   "not PGP/MIME: ..."                     not multipart/encrypted with the two parts
 *   "not addressed to any key in this ring" no recipient's secret key here (the key IDs the
 *                                           message was encrypted to follow)
 *   "damaged or altered ..."                the armor or the encrypted data does not check out
 *   "bad signature ..."                     the signed content or signature was changed
 *   "signer's key unknown ..."              the signer's public key is not in r (v->signer
 *                                           holds the fingerprint the signature names)
 * v may be NULL; when given it is filled on success and on the signature errors. */
int pgp_decrypt_verify(struct pgp_ring *r, const uint8_t *msg, size_t len, struct buf *inner,
                       struct pgp_verify *v, char *err, size_t errlen);

/* True when msg's top-level Content-Type is multipart/encrypted with
 * protocol="application/pgp-encrypted" (the check a MUA makes before offering to decrypt). */
bool pgp_is_encrypted(const uint8_t *msg, size_t len);

#endif
