/* avscan: the content filter's view of a message — raw text, base64 MIME parts (RFC 2045 §6.8,
 * RFC 2046 §5.1) and the entries of ZIP archives inside them. */
#include "avscan.h"

#include "base64.h"
#include "message.h"
#include "zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* multipart inside multipart, as far as a real scanner follows it for our messages */
#define AVSCAN_MAX_DEPTH 4
/* a part larger than this is not decoded (the gateway's own size limit) */
#define AVSCAN_MAX_PART (32u << 20)

static const char avscan_eicar_a[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
static const char avscan_eicar_b[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

void avscan_eicar(uint8_t *out)
{
    size_t na = sizeof avscan_eicar_a - 1;
    memcpy(out, avscan_eicar_a, na);
    memcpy(out + na, avscan_eicar_b, sizeof avscan_eicar_b - 1);
}

bool avscan_has_eicar(const uint8_t *p, size_t n)
{
    size_t na = sizeof avscan_eicar_a - 1, nb = sizeof avscan_eicar_b - 1;
    for (size_t i = 0; i + na + nb <= n; i++) {
        if (memcmp(p + i, avscan_eicar_a, na) == 0 && memcmp(p + i + na, avscan_eicar_b, nb) == 0) {
            return true;
        }
    }
    return false;
}

static void avscan_found(struct avscan_result *r, const char *name)
{
    if (r->verdict != AVSCAN_INFECTED) {
        r->verdict = AVSCAN_INFECTED;
        snprintf(r->name, sizeof r->name, "%s", name);
    }
}

static void avscan_entry(void *ctx, const struct zip_entry *e)
{
    struct avscan_result *r = ctx;
    r->entries++;
    if (e->flags & ZIP_FLAG_ENCRYPTED) {
        /* Ciphertext: a scanner without the password sees noise, whatever the file is. */
        r->encrypted++;
    } else if (e->method == 0 && avscan_has_eicar(e->data, e->len)) {
        avscan_found(r, "Eicar-Test-Signature");
    }
}

static void avscan_bytes(const uint8_t *p, size_t n, struct avscan_result *r)
{
    if (avscan_has_eicar(p, n)) {
        avscan_found(r, "Eicar-Test-Signature");
    }
    if (zip_is_archive(p, n)) {
        zip_walk(p, n, avscan_entry, r);
    }
}

/* The base64 body of a part: its lines joined without line ends, then decoded strictly. */
static void avscan_base64(const uint8_t *p, size_t n, struct avscan_result *r)
{
    if (n > AVSCAN_MAX_PART) {
        return;
    }
    char *text = malloc(n + 1);
    uint8_t *bin = malloc(BASE64_DECODED_MAX(n) + 1);
    if (!text || !bin) {
        free(text);
        free(bin);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t') {
            text[k++] = (char)p[i];
        }
    }
    long got = base64_decode(text, k, bin, BASE64_DECODED_MAX(n) + 1);
    if (got >= 0) {
        r->parts++;
        avscan_bytes(bin, (size_t)got, r);
    }
    free(text);
    free(bin);
}

/* The boundary parameter of a Content-Type value ("multipart/mixed; boundary=\"...\""). */
static bool avscan_boundary(const char *ctype, char *out, size_t cap)
{
    if (strncasecmp(ctype, "multipart/", 10) != 0) {
        return false;
    }
    for (const char *p = ctype; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncasecmp(p, "boundary=", 9) != 0) {
            continue;
        }
        p += 9;
        size_t n;
        if (*p == '"') {
            p++;
            n = strcspn(p, "\"");
        } else {
            n = strcspn(p, "; \t");
        }
        if (n == 0 || n >= cap) {
            return false;
        }
        memcpy(out, p, n);
        out[n] = 0;
        return true;
    }
    return false;
}

static void avscan_entity(const uint8_t *data, size_t len, int depth, struct avscan_result *r);

/* RFC 2046 §5.1.1: parts are separated by lines "--boundary"; "--boundary--" ends them. */
static void avscan_multipart(const uint8_t *body, size_t n, const char *boundary, int depth,
                             struct avscan_result *r)
{
    size_t blen = strlen(boundary);
    size_t part = SIZE_MAX; /* where the current part starts */
    size_t off = 0;
    while (off < n) {
        const uint8_t *nl = memchr(body + off, '\n', n - off);
        size_t end = nl ? (size_t)(nl - body) : n;
        size_t next = nl ? end + 1 : n;
        bool delim = end - off >= blen + 2 && body[off] == '-' && body[off + 1] == '-' &&
                     memcmp(body + off + 2, boundary, blen) == 0;
        if (delim) {
            if (part != SIZE_MAX) {
                /* the CRLF before the delimiter belongs to the delimiter */
                size_t stop = off;
                stop -= stop > part && body[stop - 1] == '\n' ? 1 : 0;
                stop -= stop > part && body[stop - 1] == '\r' ? 1 : 0;
                avscan_entity(body + part, stop - part, depth + 1, r);
            }
            bool close =
                end - off >= blen + 4 && body[off + 2 + blen] == '-' && body[off + 3 + blen] == '-';
            if (close) {
                return;
            }
            part = next;
        }
        off = next;
    }
}

/* One MIME entity: its header fields, then its body, which may be more parts. */
static void avscan_entity(const uint8_t *data, size_t len, int depth, struct avscan_result *r)
{
    size_t header_len = 0, body = len;
    if (depth > AVSCAN_MAX_DEPTH || !message_split(data, len, &header_len, &body)) {
        return;
    }
    char ctype[512], cte[64], boundary[128];
    if (message_header_get(data, header_len, "Content-Type", ctype, sizeof ctype) < 0) {
        ctype[0] = 0;
    }
    if (avscan_boundary(ctype, boundary, sizeof boundary)) {
        avscan_multipart(data + body, len - body, boundary, depth, r);
        return;
    }
    if (message_header_get(data, header_len, "Content-Transfer-Encoding", cte, sizeof cte) >= 0 &&
        strcasecmp(cte, "base64") == 0) {
        avscan_base64(data + body, len - body, r);
    }
}

void avscan_message(const uint8_t *data, size_t len, bool alert_encrypted, struct avscan_result *r)
{
    memset(r, 0, sizeof *r);
    r->verdict = AVSCAN_CLEAN;
    avscan_bytes(data, len, r);
    avscan_entity(data, len, 0, r);
    if (r->verdict == AVSCAN_CLEAN && r->encrypted > 0) {
        if (alert_encrypted) {
            /* clamd.conf's AlertEncryptedArchive (off by default): an encrypted archive is
             * reported under the heuristic name Heuristics.Encrypted.Zip. Without it ClamAV
             * answers OK for what it could not open. */
            avscan_found(r, "Heuristics.Encrypted.Zip");
        } else {
            r->verdict = AVSCAN_UNCHECKED;
        }
    }
}
