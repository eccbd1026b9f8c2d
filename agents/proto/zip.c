/* zip: writing and walking ZIP archives (PKWARE's APPNOTE.TXT, version 6.3.x): stored entries,
 * ZipCrypto, local headers, central directory, end record. Little-endian throughout. */
#include "zip.h"

#include <string.h>

uint32_t zip_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* ---- ZipCrypto (APPNOTE.TXT §6.1) ---- */

struct zip_keys {
    uint32_t k0, k1, k2;
};

/* §6.1.5: "crc32(pCRC32, c)" is one step of the CRC register, without the inversions. */
static uint32_t zip_crc_step(uint32_t crc, uint8_t c)
{
    crc ^= c;
    for (int k = 0; k < 8; k++) {
        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

static void zip_update_keys(struct zip_keys *z, uint8_t c)
{
    z->k0 = zip_crc_step(z->k0, c);
    z->k1 = (z->k1 + (z->k0 & 0xffu)) * 134775813u + 1u;
    z->k2 = zip_crc_step(z->k2, (uint8_t)(z->k1 >> 24));
}

/* §6.1.5: "Key(0) <- 305419896, Key(1) <- 591751049, Key(2) <- 878082192; loop for i <- 0 to
 * length(password)-1 update_keys(password(i))". */
static void zip_init_keys(struct zip_keys *z, const char *password)
{
    z->k0 = 305419896u;
    z->k1 = 591751049u;
    z->k2 = 878082192u;
    for (const char *p = password; *p; p++) {
        zip_update_keys(z, (uint8_t)*p);
    }
}

static uint8_t zip_stream_byte(const struct zip_keys *z)
{
    uint16_t temp = (uint16_t)(z->k2 | 2u);
    return (uint8_t)(((unsigned)temp * (unsigned)(temp ^ 1u)) >> 8);
}

static uint8_t zip_encrypt_byte(struct zip_keys *z, uint8_t plain)
{
    uint8_t c = plain ^ zip_stream_byte(z);
    zip_update_keys(z, plain);
    return c;
}

static uint8_t zip_decrypt_byte(struct zip_keys *z, uint8_t cipher)
{
    uint8_t plain = cipher ^ zip_stream_byte(z);
    zip_update_keys(z, plain);
    return plain;
}

/* ---- writing ---- */

static void zip_le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void zip_le32(uint8_t *p, uint32_t v)
{
    zip_le16(p, v & 0xffffu);
    zip_le16(p + 2, v >> 16);
}

static unsigned zip_rd16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t zip_rd32(const uint8_t *p)
{
    return (uint32_t)zip_rd16(p) | (uint32_t)zip_rd16(p + 2) << 16;
}

/* MS-DOS date and time (§4.4.6): years from 1980, seconds halved. */
static void zip_dos_time(const struct zip_time *t, unsigned *date, unsigned *time)
{
    int y = t && t->year >= 1980 && t->year <= 2107 ? t->year : 1980;
    int mo = t && t->month >= 1 && t->month <= 12 ? t->month : 1;
    int d = t && t->day >= 1 && t->day <= 31 ? t->day : 1;
    int h = t && t->hour >= 0 && t->hour <= 23 ? t->hour : 0;
    int mi = t && t->minute >= 0 && t->minute <= 59 ? t->minute : 0;
    int s = t && t->second >= 0 && t->second <= 59 ? t->second : 0;
    *date = (unsigned)((y - 1980) << 9 | mo << 5 | d);
    *time = (unsigned)(h << 11 | mi << 5 | s / 2);
}

/* What the local header and the central directory both say about an entry. */
static void zip_common(uint8_t *p, unsigned flags, unsigned date, unsigned time, uint32_t crc,
                       uint32_t csize, uint32_t usize, size_t name_len)
{
    zip_le16(p + 0, 20); /* version needed: 2.0, for encryption */
    zip_le16(p + 2, flags);
    zip_le16(p + 4, 0); /* stored */
    zip_le16(p + 6, time);
    zip_le16(p + 8, date);
    zip_le32(p + 10, crc);
    zip_le32(p + 14, csize);
    zip_le32(p + 18, usize);
    zip_le16(p + 22, (unsigned)name_len);
    zip_le16(p + 24, 0); /* no extra field */
}

int zip_build(const struct zip_file *files, size_t n, const char *password,
              const struct zip_time *when, struct sim_rng *rng, struct buf *out)
{
    if (n == 0 || n > ZIP_MAX_ENTRIES || !files) {
        return -1;
    }
    bool crypt = password && *password;
    unsigned date, time;
    zip_dos_time(when, &date, &time);
    size_t mark = out->len;
    uint32_t offsets[ZIP_MAX_ENTRIES], crcs[ZIP_MAX_ENTRIES];
    unsigned flags = ZIP_FLAG_UTF8 | (crypt ? ZIP_FLAG_ENCRYPTED : 0);
    for (size_t i = 0; i < n; i++) {
        size_t name_len = files[i].name ? strlen(files[i].name) : 0;
        size_t csize = files[i].len + (crypt ? ZIP_CRYPT_HEADER : 0);
        if (name_len == 0 || name_len > ZIP_NAME_MAX || csize > 0xfffffff0u ||
            out->len - mark > 0xfffffff0u || (files[i].len > 0 && !files[i].data)) {
            buf_truncate(out, mark);
            return -1;
        }
        offsets[i] = (uint32_t)(out->len - mark);
        crcs[i] = zip_crc32(0, files[i].data, files[i].len);
        uint8_t head[30];
        zip_le32(head, 0x04034b50u);
        zip_common(head + 4, flags, date, time, crcs[i], (uint32_t)csize, (uint32_t)files[i].len,
                   name_len);
        if (buf_append(out, head, sizeof head) != 0 ||
            buf_append(out, files[i].name, name_len) != 0 || buf_reserve(out, csize) != 0) {
            buf_truncate(out, mark);
            return -1;
        }
        if (!crypt) {
            buf_append(out, files[i].data, files[i].len);
            continue;
        }
        /* §6.1.6: 12 bytes, the first 11 random; the last is the high byte of the CRC, which
         * lets a reader tell a wrong password at once. */
        struct zip_keys z;
        zip_init_keys(&z, password);
        uint8_t header[ZIP_CRYPT_HEADER];
        for (size_t k = 0; k + 1 < ZIP_CRYPT_HEADER; k++) {
            header[k] = (uint8_t)rng_next(rng);
        }
        header[ZIP_CRYPT_HEADER - 1] = (uint8_t)(crcs[i] >> 24);
        for (size_t k = 0; k < ZIP_CRYPT_HEADER; k++) {
            header[k] = zip_encrypt_byte(&z, header[k]);
        }
        buf_append(out, header, sizeof header);
        for (size_t k = 0; k < files[i].len; k++) {
            uint8_t c = zip_encrypt_byte(&z, files[i].data[k]);
            buf_append(out, &c, 1);
        }
    }
    size_t cd_start = out->len - mark;
    for (size_t i = 0; i < n; i++) {
        size_t name_len = strlen(files[i].name);
        size_t csize = files[i].len + (crypt ? ZIP_CRYPT_HEADER : 0);
        uint8_t cd[46];
        zip_le32(cd, 0x02014b50u);
        /* made by: Unix, version 2.0. With "MS-DOS" here, unzip reads names in an OEM code page
         * even when bit 11 says UTF-8. */
        zip_le16(cd + 4, 3u << 8 | 20u);
        zip_common(cd + 6, flags, date, time, crcs[i], (uint32_t)csize, (uint32_t)files[i].len,
                   name_len);
        zip_le16(cd + 32, 0);              /* comment length */
        zip_le16(cd + 34, 0);              /* disk number start */
        zip_le16(cd + 36, 0);              /* internal attributes */
        zip_le32(cd + 38, 0100644u << 16); /* external attributes: a regular file, rw-r--r-- */
        zip_le32(cd + 42, offsets[i]);
        if (buf_append(out, cd, sizeof cd) != 0 || buf_append(out, files[i].name, name_len) != 0) {
            buf_truncate(out, mark);
            return -1;
        }
    }
    size_t cd_size = out->len - mark - cd_start;
    uint8_t end[22];
    zip_le32(end, 0x06054b50u);
    zip_le16(end + 4, 0);
    zip_le16(end + 6, 0);
    zip_le16(end + 8, (unsigned)n);
    zip_le16(end + 10, (unsigned)n);
    zip_le32(end + 12, (uint32_t)cd_size);
    zip_le32(end + 16, (uint32_t)cd_start);
    zip_le16(end + 20, 0);
    if (buf_append(out, end, sizeof end) != 0) {
        buf_truncate(out, mark);
        return -1;
    }
    return 0;
}

/* ---- reading ---- */

bool zip_is_archive(const uint8_t *p, size_t n)
{
    return n >= 4 && zip_rd32(p) == 0x04034b50u;
}

int zip_walk(const uint8_t *p, size_t n, zip_entry_fn fn, void *ctx)
{
    size_t off = 0;
    int count = 0;
    while (off + 4 <= n && zip_rd32(p + off) == 0x04034b50u) {
        if (n - off < 30) {
            return -1;
        }
        const uint8_t *h = p + off;
        struct zip_entry e = {0};
        e.flags = (uint16_t)zip_rd16(h + 6);
        e.method = (uint16_t)zip_rd16(h + 8);
        e.time = (uint16_t)zip_rd16(h + 10);
        e.crc = zip_rd32(h + 14);
        size_t csize = zip_rd32(h + 18);
        size_t name_len = zip_rd16(h + 26), extra_len = zip_rd16(h + 28);
        if (e.flags & 0x0008u) {
            /* sizes follow the data in a descriptor: a streaming writer; not walked here */
            return count;
        }
        size_t head = 30 + name_len + extra_len;
        if (n - off < head || n - off - head < csize) {
            return -1;
        }
        e.name = (const char *)h + 30;
        e.name_len = name_len;
        e.data = h + head;
        e.len = csize;
        if (fn) {
            fn(ctx, &e);
        }
        count++;
        off += head + csize;
    }
    return count;
}

int zip_decrypt(const struct zip_entry *e, const char *password, uint8_t *out)
{
    if (!(e->flags & ZIP_FLAG_ENCRYPTED) || e->len < ZIP_CRYPT_HEADER || !password) {
        return -1;
    }
    struct zip_keys z;
    zip_init_keys(&z, password);
    uint8_t last = 0;
    for (size_t k = 0; k < ZIP_CRYPT_HEADER; k++) {
        last = zip_decrypt_byte(&z, e->data[k]);
    }
    /* §6.1.6: the check byte is the CRC's high byte, or, when the sizes and CRC follow the data
     * (bit 3), the high byte of the modification time. */
    uint8_t check = (e->flags & 0x0008u) ? (uint8_t)(e->time >> 8) : (uint8_t)(e->crc >> 24);
    if (last != check) {
        return -1;
    }
    size_t n = e->len - ZIP_CRYPT_HEADER;
    for (size_t k = 0; k < n; k++) {
        out[k] = zip_decrypt_byte(&z, e->data[ZIP_CRYPT_HEADER + k]);
    }
    return zip_crc32(0, out, n) == e->crc ? 0 : -1;
}
