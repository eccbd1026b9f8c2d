/* zip: ZIP archives as PPAP mail carries them — written with stored (uncompressed) entries and,
 * given a password, the traditional PKWARE encryption ("ZipCrypto", APPNOTE.TXT §6.1) that most
 * ZIP tools still make by default; and read back the way a gateway's virus scanner walks them:
 * each entry's name, whether it is encrypted, and its bytes when they can be looked at. */
#ifndef MAILSIM_ZIP_H
#define MAILSIM_ZIP_H

#include "buf.h"
#include "rng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* APPNOTE.TXT §4.4.4 general purpose bit flag: bit 0 "the file is encrypted"; bit 11 "the
 * filename and comment fields for this file MUST be encoded using UTF-8". */
#define ZIP_FLAG_ENCRYPTED 0x0001u
#define ZIP_FLAG_UTF8 0x0800u
/* APPNOTE.TXT §6.1.6: each encrypted entry starts with a 12-byte encryption header. */
#define ZIP_CRYPT_HEADER 12
/* Entries and names mailsim writes (a scenario's zip holds a few files). */
#define ZIP_MAX_ENTRIES 64
#define ZIP_NAME_MAX 255

struct zip_file {
    const char *name; /* UTF-8, at most ZIP_NAME_MAX octets */
    const uint8_t *data;
    size_t len;
};

/* The DOS date and time every entry carries (local time, two-second steps). */
struct zip_time {
    int year, month, day, hour, minute, second;
};

/* CRC-32 (ISO 3309, the one ZIP and Ethernet use) of p[0..n), continuing from crc (0 to start). */
uint32_t zip_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Appends an archive of files[0..n) to out: stored entries, UTF-8 names, then the central
 * directory. With a password (non-empty) every entry is encrypted with ZipCrypto, its 11 random
 * header bytes drawn from rng. Returns 0, or -1 (out unchanged) when a name is empty or too
 * long, there are too many files, or memory runs out. */
int zip_build(const struct zip_file *files, size_t n, const char *password,
              const struct zip_time *when, struct sim_rng *rng, struct buf *out);

/* One entry as a scanner sees it: data is the stored bytes (ciphertext with its 12-byte header
 * when encrypted), valid while the archive is. */
struct zip_entry {
    const char *name; /* not NUL-terminated */
    size_t name_len;
    uint16_t flags;
    uint16_t method; /* 0: stored, 8: deflated */
    uint16_t time;   /* DOS time of last modification */
    uint32_t crc;
    const uint8_t *data;
    size_t len;
};

typedef void (*zip_entry_fn)(void *ctx, const struct zip_entry *e);

/* Whether p[0..n) starts like a ZIP archive (a local file header signature "PK\3\4"). */
bool zip_is_archive(const uint8_t *p, size_t n);

/* Walks the local file headers of p[0..n) in order, calling fn for each entry. Returns the
 * number of entries, or -1 when the archive is cut short or its sizes do not add up (the
 * entries before are reported). Entries with a data descriptor (flag bit 3) end the walk. */
int zip_walk(const uint8_t *p, size_t n, zip_entry_fn fn, void *ctx);

/* Decrypts one ZipCrypto entry (its 12-byte header and ciphertext, e->data) with password into
 * out (e->len - 12 octets). Returns 0 when the header's check byte matches (the CRC's high byte;
 * with flag bit 3, the time's) and the plaintext's CRC-32 is right, -1 otherwise (a wrong
 * password, as unzip says it). */
int zip_decrypt(const struct zip_entry *e, const char *password, uint8_t *out);

#endif
