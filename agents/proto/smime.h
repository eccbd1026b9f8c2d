/* smime: S/MIME 4.0 (RFC 8551) for the MUAs, on OpenSSL's CMS (RFC 5652). The sender signs,
 * then encrypts; the recipient decrypts, then verifies. A message leaves the sender as
 *
 *   From, To, Cc, Subject, Date, Message-ID, ...      visible to every MTA and eavesdropper
 *   Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"
 *   base64 of CMS EnvelopedData, AES-256-CBC, one RecipientInfo per recipient certificate,
 *     holding the MIME entity
 *       Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256
 *         part 1: the original Content-Type, Content-Transfer-Encoding and body (what is signed)
 *         part 2: application/pkcs7-signature, CMS SignedData without content (detached)
 *
 * Only the body is protected: the header fields stay readable (an MTA needs none of them, yet
 * they travel in clear), and the envelope (MAIL FROM, RCPT TO) is SMTP's, outside the message.
 * Anyone can encrypt to a certificate; only the holder of its private key can decrypt. */
#ifndef MAILSIM_SMIME_H
#define MAILSIM_SMIME_H

#include "buf.h"
#include "tls_ca.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A signer's address as a certificate names it (RFC 5321 allows 254 octets) and its NUL. */
#define SMIME_ADDRESS_MAX 256

/* Signs and encrypts an RFC 5322 message msg[0..len) (header fields, the empty line, the
 * body; CRLF line ends, a bare LF is taken as CRLF). The Content-* fields and the body become
 * the signed inner entity (Content-Type: text/plain; charset=us-ascii when there is none, the
 * RFC 2045 default); every other field except MIME-Version is copied verbatim to the outer
 * header, followed by MIME-Version, Content-Type, Content-Disposition and
 * Content-Transfer-Encoding of an application/pkcs7-mime body in base64 lines of 76.
 * signer holds the sender's key and certificate (SHA-256 signature, certificate included);
 * recipients[0..n) (n >= 1) are the certificates to encrypt to: include the sender's own so
 * she can read her sent copy. Appends the message to out; returns 0, or -1 with a reason in
 * err and out unchanged. */
int smime_sign_encrypt(const uint8_t *msg, size_t len, const struct tls_cert *signer,
                       X509 *const *recipients, size_t n, struct buf *out, char *err,
                       size_t errlen);

/* Decrypts a message made by smime_sign_encrypt (or a client that signs then encrypts, with
 * multipart/signed or application/pkcs7-mime signed-data inside), as received: header fields
 * MTAs added on top (Received:) do not matter. me is the recipient's key and certificate, ca
 * the one certificate authority trusted for signers (no system store). On success appends the
 * inner MIME entity (its Content-Type and Content-Transfer-Encoding fields, the empty line,
 * the body) to entity, writes the signer's e-mail address from the certificate into signer
 * (signer_cap bytes, NUL-terminated; cut short when it does not fit; "" when the certificate
 * names no address) and returns 0. The caller should still compare it with From
 * (smime_from_matches): the outer header is not signed.
 * Returns -1, entity unchanged, with one of these reasons at the start of err:
 *   "not an S/MIME encrypted message"  no application/pkcs7-mime enveloped-data
 *   "bad base64"                       the body does not decode
 *   "not a CMS EnvelopedData"          it decodes, but not to an encrypted CMS structure
 *   "not addressed to this key"        no RecipientInfo names me's certificate
 *   "decryption failed"                the key did not open it, or the ciphertext is damaged
 *   "not a signed MIME entity"         the decrypted content is not signed S/MIME
 *   "signature does not verify"        the signed content or the signature was changed
 *   "signer not trusted by the CA"     the signer's certificate does not chain to ca, or is
 *                                      not valid for e-mail signing (the reason follows) */
int smime_decrypt_verify(const uint8_t *msg, size_t len, const struct tls_cert *me, X509 *ca,
                         struct buf *entity, char *signer, size_t signer_cap, char *err,
                         size_t errlen);

/* True when the header says Content-Type: application/pkcs7-mime (or the older
 * application/x-pkcs7-mime) with smime-type=enveloped-data or authEnveloped-data. */
bool smime_is_encrypted(const uint8_t *msg, size_t len);

/* True when the address in the message's From field (the part in <> when there is one) is
 * address, compared without regard to case: RFC 8550 3 asks receiving agents to check that
 * the signer's certificate names the From address. */
bool smime_from_matches(const uint8_t *msg, size_t len, const char *address);

#endif
