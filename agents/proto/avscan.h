/* avscan: what the content filter of a mail gateway (amavisd-new with ClamAV) can see in a
 * message. It looks at the raw text, decodes each base64 MIME part, and walks ZIP archives: a
 * stored entry is scanned, an encrypted one cannot be (its bytes are ciphertext), which is how
 * a password-protected ZIP carries malware past the gateway. The EICAR anti-virus test file
 * stands in for malware. Pure functions: no I/O. */
#ifndef MAILSIM_AVSCAN_H
#define MAILSIM_AVSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The EICAR test file is 68 octets. */
#define AVSCAN_EICAR_LEN 68

enum avscan_verdict {
    AVSCAN_CLEAN,     /* scanned everything, found nothing */
    AVSCAN_INFECTED,  /* found a signature (or, when told to, an encrypted archive) */
    AVSCAN_UNCHECKED, /* found nothing, but an encrypted archive could not be looked into */
};

struct avscan_result {
    enum avscan_verdict verdict;
    char name[64];    /* ClamAV's name of what it found: "Eicar-Test-Signature",
                         "Heuristics.Encrypted.Zip"; "" when clean */
    size_t parts;     /* base64 MIME parts decoded */
    size_t entries;   /* ZIP entries seen */
    size_t encrypted; /* of them, encrypted: not scannable */
};

/* Writes the EICAR test file into out (at least AVSCAN_EICAR_LEN octets, no NUL added). It is
 * assembled from two halves so that no file of ours is itself flagged by a scanner. */
void avscan_eicar(uint8_t *out);

/* Whether p[0..n) holds the EICAR test file. */
bool avscan_has_eicar(const uint8_t *p, size_t n);

/* Scans a message. alert_encrypted: report an encrypted archive as "Heuristics.Encrypted.Zip"
 * (ClamAV's AlertEncryptedArchive) instead of letting it pass unchecked. */
void avscan_message(const uint8_t *data, size_t len, bool alert_encrypted, struct avscan_result *r);

#endif
