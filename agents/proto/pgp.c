/* pgp: OpenPGP keyrings and PGP/MIME (RFC 3156) on librnp. See pgp.h.
 *
 * The file has three parts: the keyring (librnp's FFI object with nothing on disk), the
 * message surgery (split the RFC 5322 header fields from the MIME entity on the way out, find
 * the two MIME parts and the armored block on the way in), and the OpenPGP operations, which
 * librnp does in one pass each (sign-then-encrypt, decrypt-then-verify). */
#include "pgp.h"

#include "buf.h"
#include "mime.h"
#include "strmap.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <unistd.h>

struct pgp_ring {
    rnp_ffi_t ffi;
};

/* The longest Content-Type value we read back; longer ones are not ours to decrypt. */
#define CT_MAX 1024
/* How many recipient key IDs an error message lists. */
#define LIST_MAX 4

static const char ARMOR_BEGIN[] = "-----BEGIN PGP MESSAGE-----";
static const char ARMOR_END[] = "-----END PGP MESSAGE-----";

/* ---- errors and small helpers ------------------------------------------------------------ */

static bool pgp_is_fpr(const char *s)
{
    if (!s || strlen(s) != PGP_FPR_LEN) {
        return false;
    }
    for (size_t i = 0; i < PGP_FPR_LEN; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* First occurrence of the string needle in hay[0..len), or NULL. */
static const uint8_t *pgp_find_bytes(const uint8_t *hay, size_t len, const char *needle)
{
    return bytes_find(hay, len, needle, strlen(needle));
}

/* ---- the keyring ------------------------------------------------------------------------- */

struct pgp_ring *pgp_ring_new(char *err, size_t errlen)
{
    struct pgp_ring *r = calloc(1, sizeof *r);
    if (!r) {
        mime_err_setf(err, errlen, "keyring: out of memory");
        return NULL;
    }
    rnp_result_t rc = rnp_ffi_create(&r->ffi, "GPG", "GPG");
    if (rc != RNP_SUCCESS) {
        mime_err_setf(err, errlen, "keyring: librnp: %s", rnp_result_to_string(rc));
        free(r);
        return NULL;
    }
    return r;
}

void pgp_ring_free(struct pgp_ring *r)
{
    if (r) {
        rnp_ffi_destroy(r->ffi);
        free(r);
    }
}

/* The fingerprint of k's primary key (k's own when k is primary). */
static int pgp_primary_fpr(rnp_key_handle_t k, char fpr[PGP_FPR_SIZE])
{
    bool primary = false;
    char *s = NULL;
    rnp_result_t rc = rnp_key_is_primary(k, &primary);
    if (rc == RNP_SUCCESS) {
        rc = primary ? rnp_key_get_fprint(k, &s) : rnp_key_get_primary_fprint(k, &s);
    }
    bool ok = rc == RNP_SUCCESS && pgp_is_fpr(s);
    if (ok) {
        memcpy(fpr, s, PGP_FPR_SIZE);
    } else {
        fpr[0] = '\0';
    }
    rnp_buffer_destroy(s);
    return ok ? 0 : -1;
}

/* The primary key named by fpr (its own fingerprint or a subkey's), or NULL. */
static rnp_key_handle_t find_primary(struct pgp_ring *r, const char *fpr)
{
    rnp_key_handle_t k = NULL;
    if (!pgp_is_fpr(fpr) || rnp_locate_key(r->ffi, "fingerprint", fpr, &k) != RNP_SUCCESS || !k) {
        return NULL;
    }
    char pfpr[PGP_FPR_SIZE];
    bool primary = false;
    if (rnp_key_is_primary(k, &primary) == RNP_SUCCESS && primary) {
        return k;
    }
    rnp_key_handle_t p = NULL;
    if (pgp_primary_fpr(k, pfpr) == 0) {
        rnp_locate_key(r->ffi, "fingerprint", pfpr, &p);
    }
    rnp_key_handle_destroy(k);
    return p;
}

static bool pgp_have_secret(rnp_key_handle_t k)
{
    bool secret = false;
    return rnp_key_have_secret(k, &secret) == RNP_SUCCESS && secret;
}

int pgp_generate(struct pgp_ring *r, const char *userid, char fpr[PGP_FPR_SIZE], char *err,
                 size_t errlen)
{
    if (!userid || !*userid) {
        return mime_err_setf(err, errlen, "key generation: empty user id");
    }
    rnp_key_handle_t k = NULL;
    /* EdDSA takes no curve parameter (it is always Ed25519); the ECDH subkey names its curve. */
    rnp_result_t rc =
        rnp_generate_key_ex(r->ffi, "EDDSA", "ECDH", 0, 0, NULL, "Curve25519", userid, NULL, &k);
    if (rc != RNP_SUCCESS) {
        return mime_err_setf(err, errlen, "key generation: %s", rnp_result_to_string(rc));
    }
    int ret = pgp_primary_fpr(k, fpr);
    rnp_key_handle_destroy(k);
    return ret == 0 ? 0 : mime_err_setf(err, errlen, "key generation: no fingerprint");
}

/* Appends what a memory output collected, line ends made CRLF. */
static int pgp_append_output(rnp_output_t o, struct buf *out, bool crlf)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (rnp_output_memory_get_buf(o, &data, &len, false) != RNP_SUCCESS) {
        return -1;
    }
    return crlf ? mime_append_lines(out, data, len) : buf_append(out, data, len);
}

static int export_key(struct pgp_ring *r, const char *fpr, bool secret, struct buf *out, char *err,
                      size_t errlen)
{
    rnp_key_handle_t k = find_primary(r, fpr);
    if (!k) {
        return mime_err_setf(err, errlen, "export: no key %s in this ring", fpr ? fpr : "(null)");
    }
    if (secret && !pgp_have_secret(k)) {
        rnp_key_handle_destroy(k);
        return mime_err_setf(err, errlen, "export: this ring holds only the public key %s", fpr);
    }
    uint32_t flags = RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_SUBKEYS |
                     (secret ? RNP_KEY_EXPORT_SECRET : RNP_KEY_EXPORT_PUBLIC);
    rnp_output_t o = NULL;
    size_t mark = out->len;
    rnp_result_t rc = rnp_output_to_memory(&o, 0);
    if (rc == RNP_SUCCESS) {
        rc = rnp_key_export(k, o, flags);
    }
    int ret = 0;
    if (rc != RNP_SUCCESS) {
        ret = mime_err_setf(err, errlen, "export: %s", rnp_result_to_string(rc));
    } else if (pgp_append_output(o, out, true) < 0) {
        buf_truncate(out, mark);
        ret = mime_err_setf(err, errlen, "export: out of memory or over the buffer's limit");
    }
    rnp_output_destroy(o);
    rnp_key_handle_destroy(k);
    return ret;
}

int pgp_export_public(struct pgp_ring *r, const char *fpr, struct buf *out, char *err,
                      size_t errlen)
{
    return export_key(r, fpr, false, out, err, errlen);
}

int pgp_export_secret(struct pgp_ring *r, const char *fpr, struct buf *out, char *err,
                      size_t errlen)
{
    return export_key(r, fpr, true, out, err, errlen);
}

/* The first primary key among the keys that rnp_import_keys reports, a JSON object of the form
 * {"keys": [{"public": "new", "secret": "none", "fingerprint": "..."}, ...]} in which a subkey
 * has an entry of its own. */
static int pgp_first_imported_primary(struct pgp_ring *r, const char *json, char fpr[PGP_FPR_SIZE])
{
    cJSON *results = cJSON_Parse(json);
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(results, "keys");
    int ret = -1;
    for (const cJSON *key = cJSON_IsArray(keys) ? keys->child : NULL; key && ret < 0;
         key = key->next) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(key, "fingerprint");
        rnp_key_handle_t k = cJSON_IsString(f) ? find_primary(r, f->valuestring) : NULL;
        if (k) {
            ret = pgp_primary_fpr(k, fpr);
            rnp_key_handle_destroy(k);
        }
    }
    cJSON_Delete(results);
    return ret;
}

int pgp_import_public(struct pgp_ring *r, const uint8_t *data, size_t len, char fpr[PGP_FPR_SIZE],
                      char *err, size_t errlen)
{
    rnp_input_t in = NULL;
    char *results = NULL;
    if (!data || len == 0) {
        return mime_err_setf(err, errlen, "import: no key data");
    }
    rnp_result_t rc = rnp_input_from_memory(&in, data, len, false);
    if (rc == RNP_SUCCESS) {
        rc = rnp_import_keys(r->ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS, &results);
    }
    rnp_input_destroy(in);
    if (rc != RNP_SUCCESS) {
        return mime_err_setf(err, errlen, "import: not an OpenPGP key (%s)",
                             rnp_result_to_string(rc));
    }
    char first[PGP_FPR_SIZE];
    int ret = pgp_first_imported_primary(r, results ? results : "", first);
    rnp_buffer_destroy(results);
    if (ret < 0) {
        return mime_err_setf(err, errlen, "import: no public key in the data");
    }
    if (fpr) {
        memcpy(fpr, first, PGP_FPR_SIZE);
    }
    return 0;
}

int pgp_key_lookup(struct pgp_ring *r, const char *fpr, struct pgp_key_info *info, char *err,
                   size_t errlen)
{
    if (!pgp_is_fpr(fpr)) {
        return mime_err_setf(err, errlen, "\"%s\" is not a fingerprint (40 hex digits)",
                             fpr ? fpr : "(null)");
    }
    rnp_key_handle_t k = find_primary(r, fpr);
    if (!k) {
        return mime_err_setf(err, errlen, "no key %s in this ring", fpr);
    }
    if (info) {
        char *uid = NULL;
        memset(info, 0, sizeof *info);
        pgp_primary_fpr(k, info->fpr);
        if (rnp_key_get_primary_uid(k, &uid) == RNP_SUCCESS && uid) {
            snprintf(info->userid, sizeof info->userid, "%s", uid);
        }
        rnp_buffer_destroy(uid);
        info->secret = pgp_have_secret(k);
    }
    rnp_key_handle_destroy(k);
    return 0;
}

/* True when user id uid is address or holds "<address>", ignoring case. */
static bool pgp_uid_names(const char *uid, const char *address)
{
    size_t n = strlen(address), u = strlen(uid);
    if (strcasecmp(uid, address) == 0) {
        return true;
    }
    for (size_t i = 0; i + n + 2 <= u; i++) {
        if (uid[i] == '<' && strncasecmp(uid + i + 1, address, n) == 0 && uid[i + 1 + n] == '>') {
            return true;
        }
    }
    return false;
}

int pgp_find_by_address(struct pgp_ring *r, const char *address, char fpr[PGP_FPR_SIZE], char *err,
                        size_t errlen)
{
    rnp_identifier_iterator_t it = NULL;
    const char *uid = NULL;
    int ret = -1;
    if (!address || !*address) {
        return mime_err_setf(err, errlen, "key search: empty address");
    }
    if (rnp_identifier_iterator_create(r->ffi, &it, "userid") != RNP_SUCCESS) {
        return mime_err_setf(err, errlen, "key search: librnp failed");
    }
    while (ret < 0 && rnp_identifier_iterator_next(it, &uid) == RNP_SUCCESS && uid) {
        rnp_key_handle_t k = NULL;
        if (pgp_uid_names(uid, address) &&
            rnp_locate_key(r->ffi, "userid", uid, &k) == RNP_SUCCESS && k) {
            ret = pgp_primary_fpr(k, fpr);
        }
        rnp_key_handle_destroy(k);
    }
    rnp_identifier_iterator_destroy(it);
    return ret == 0 ? 0 : mime_err_setf(err, errlen, "no key for <%s> in this ring", address);
}

/* ---- header fields and MIME structure ---------------------------------------------------- */

/* Length of the line at p, through its LF (or to the end of the data). */
static size_t pgp_line_len(const uint8_t *p, size_t n)
{
    const uint8_t *lf = memchr(p, '\n', n);
    return lf ? (size_t)(lf - p) + 1 : n;
}

/* The unfolded Content-Type of the header section at msg, false when there is none or it is
 * longer than cap. */
static bool pgp_content_type(const uint8_t *msg, size_t len, char *ct, size_t cap)
{
    long n = mime_header_get(msg, len, "Content-Type", ct, cap);
    return n >= 0 && (size_t)n < cap;
}

bool pgp_is_encrypted(const uint8_t *msg, size_t len)
{
    char ct[CT_MAX], proto[64];
    return msg && pgp_content_type(msg, len, ct, sizeof ct) &&
           mime_type_is(ct, "multipart/encrypted") &&
           mime_param(ct, "protocol", proto, sizeof proto) > 0 &&
           strcasecmp(proto, "application/pgp-encrypted") == 0;
}

/* ---- sending ----------------------------------------------------------------------------- */

/* The inner MIME entity: msg's Content-* fields (or the RFC 2045 default type), the empty line,
 * msg's body. */
static int pgp_build_inner(const uint8_t *msg, size_t len, struct buf *inner)
{
    size_t header_len, body;
    mime_split(msg, len, &header_len, &body);
    if (mime_append_content_fields(inner, msg, len) < 0 || buf_append(inner, "\r\n", 2) < 0) {
        return -1;
    }
    return buf_append(inner, msg + body, len - body);
}

/* A boundary that depends only on the message (FNV-1a 64), never found in the armored text. */
static void pgp_make_boundary(const uint8_t *msg, size_t len, char out[40])
{
    snprintf(out, 40, "mailsim-pgp-%016llx", (unsigned long long)strmap_hash64_n(msg, len));
}

/* The outer message: visible fields of msg, the multipart/encrypted skeleton around armor. */
static int pgp_build_outer(const uint8_t *msg, size_t len, const struct buf *armor, struct buf *out)
{
    char boundary[40];
    pgp_make_boundary(msg, len, boundary);
    if (mime_append_other_fields(out, msg, len) < 0 ||
        buf_printf(out,
                   "MIME-Version: 1.0\r\n"
                   "Content-Type: multipart/encrypted;\r\n"
                   " protocol=\"application/pgp-encrypted\";\r\n"
                   " boundary=\"%s\"\r\n"
                   "\r\n"
                   "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
                   "--%s\r\n"
                   "Content-Type: application/pgp-encrypted\r\n"
                   "Content-Description: PGP/MIME version identification\r\n"
                   "\r\n"
                   "Version: 1\r\n"
                   "\r\n"
                   "--%s\r\n"
                   "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                   "Content-Description: OpenPGP encrypted message\r\n"
                   "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
                   "\r\n",
                   boundary, boundary, boundary) < 0 ||
        mime_append_lines(out, armor->data, armor->len) < 0 ||
        buf_printf(out, "\r\n--%s--\r\n", boundary) < 0) {
        return -1;
    }
    return 0;
}

/* Puts the signer and every recipient on op; the reason in err when one is missing. */
static int add_keys(struct pgp_ring *r, rnp_op_encrypt_t op, const char *signer,
                    const char *const *rcpts, size_t count, char *err, size_t errlen)
{
    rnp_key_handle_t k = find_primary(r, signer);
    if (!k || !pgp_have_secret(k)) {
        rnp_key_handle_destroy(k);
        return mime_err_setf(err, errlen, "encrypt: no secret key %s in this ring to sign with",
                             signer ? signer : "(null)");
    }
    rnp_result_t rc = rnp_op_encrypt_add_signature(op, k, NULL);
    rnp_key_handle_destroy(k);
    if (rc != RNP_SUCCESS) {
        return mime_err_setf(err, errlen, "encrypt: key %s cannot sign (%s)", signer,
                             rnp_result_to_string(rc));
    }
    for (size_t i = 0; i < count; i++) {
        if (!(k = find_primary(r, rcpts[i]))) {
            return mime_err_setf(err, errlen, "encrypt: no public key %s in this ring",
                                 rcpts[i] ? rcpts[i] : "(null)");
        }
        rc = rnp_op_encrypt_add_recipient(op, k);
        rnp_key_handle_destroy(k);
        if (rc != RNP_SUCCESS) {
            return mime_err_setf(err, errlen, "encrypt: key %s cannot encrypt (%s)", rcpts[i],
                                 rnp_result_to_string(rc));
        }
    }
    return 0;
}

/* Signs inner with signer's key, encrypts it to the recipients, armored, into armor. */
static int sign_encrypt(struct pgp_ring *r, const struct buf *inner, const char *signer,
                        const char *const *rcpts, size_t count, struct buf *armor, char *err,
                        size_t errlen)
{
    rnp_input_t in = NULL;
    rnp_output_t o = NULL;
    rnp_op_encrypt_t op = NULL;
    int ret = -1;
    if (rnp_input_from_memory(&in, inner->data, inner->len, false) != RNP_SUCCESS ||
        rnp_output_to_memory(&o, 0) != RNP_SUCCESS ||
        rnp_op_encrypt_create(&op, r->ffi, in, o) != RNP_SUCCESS) {
        mime_err_setf(err, errlen, "encrypt: librnp could not start");
    } else if (add_keys(r, op, signer, rcpts, count, err, errlen) == 0) {
        /* AES-256 and SHA-256, armored; AEAD stays off (RFC 4880 SEIPD with MDC) so that
         * every OpenPGP implementation, gpg 2.2 included, can read it. */
        rnp_op_encrypt_set_armor(op, true);
        rnp_op_encrypt_set_cipher(op, "AES256");
        rnp_op_encrypt_set_hash(op, "SHA256");
        rnp_result_t rc = rnp_op_encrypt_execute(op);
        if (rc != RNP_SUCCESS) {
            mime_err_setf(err, errlen, "encrypt: %s", rnp_result_to_string(rc));
        } else if (pgp_append_output(o, armor, true) < 0) {
            mime_err_setf(err, errlen, "encrypt: out of memory");
        } else {
            ret = 0;
        }
    }
    rnp_op_encrypt_destroy(op);
    rnp_output_destroy(o);
    rnp_input_destroy(in);
    return ret;
}

int pgp_encrypt_sign(struct pgp_ring *r, const uint8_t *msg, size_t len, const char *signer_fpr,
                     const char *const *recipient_fprs, size_t recipient_count, struct buf *out,
                     char *err, size_t errlen)
{
    if (!msg || len == 0) {
        return mime_err_setf(err, errlen, "encrypt: empty message");
    }
    if (recipient_count == 0 || !recipient_fprs) {
        return mime_err_setf(err, errlen, "encrypt: no recipients");
    }
    struct buf inner, armor;
    size_t mark = out->len;
    int ret = -1;
    buf_init(&inner, 0);
    buf_init(&armor, 0);
    if (pgp_build_inner(msg, len, &inner) < 0) {
        mime_err_setf(err, errlen, "encrypt: out of memory");
    } else if (sign_encrypt(r, &inner, signer_fpr, recipient_fprs, recipient_count, &armor, err,
                            errlen) == 0) {
        ret = pgp_build_outer(msg, len, &armor, out);
        if (ret < 0) {
            buf_truncate(out, mark);
            mime_err_setf(err, errlen, "encrypt: out of memory or over the output buffer's limit");
        }
    }
    buf_free(&inner);
    buf_free(&armor);
    return ret;
}

/* ---- receiving --------------------------------------------------------------------------- */

/* Offset of the next delimiter line ("--" boundary) at or after line start from, or n. */
static size_t pgp_find_delimiter(const uint8_t *d, size_t n, size_t from, const char *boundary)
{
    size_t bl = strlen(boundary);
    for (size_t at = from; at < n; at += pgp_line_len(d + at, n - at)) {
        if (n - at >= 2 + bl && d[at] == '-' && d[at + 1] == '-' &&
            memcmp(d + at + 2, boundary, bl) == 0) {
            return at;
        }
    }
    return n;
}

/* Checks the RFC 3156 §4 structure of msg and finds the armored block of part 2. */
static int pgp_find_armor(const uint8_t *msg, size_t len, const uint8_t **armor, size_t *alen,
                          char *err, size_t errlen)
{
    char ct[CT_MAX], boundary[200], pct[CT_MAX];
    if (!pgp_is_encrypted(msg, len)) {
        return mime_err_setf(err, errlen,
                             "not PGP/MIME: Content-Type is not multipart/encrypted; "
                             "protocol=\"application/pgp-encrypted\"");
    }
    long blen = pgp_content_type(msg, len, ct, sizeof ct)
                    ? mime_param(ct, "boundary", boundary, sizeof boundary)
                    : -1;
    if (blen <= 0 || (size_t)blen >= sizeof boundary) {
        return mime_err_setf(err, errlen, "not PGP/MIME: no boundary parameter");
    }
    size_t header_len, body;
    mime_split(msg, len, &header_len, &body);
    const uint8_t *d = msg + body;
    size_t n = len - body;
    size_t d1 = pgp_find_delimiter(d, n, 0, boundary);
    size_t p1 = d1 < n ? d1 + pgp_line_len(d + d1, n - d1) : n;
    size_t d2 = pgp_find_delimiter(d, n, p1, boundary);
    size_t p2 = d2 < n ? d2 + pgp_line_len(d + d2, n - d2) : n;
    size_t d3 = pgp_find_delimiter(d, n, p2, boundary);
    if (d2 >= n) {
        return mime_err_setf(err, errlen, "not PGP/MIME: fewer than two body parts");
    }
    if (!pgp_content_type(d + p1, d2 - p1, pct, sizeof pct) ||
        !mime_type_is(pct, "application/pgp-encrypted") ||
        !pgp_find_bytes(d + p1, d2 - p1, "Version: 1")) {
        return mime_err_setf(
            err, errlen, "not PGP/MIME: part 1 is not application/pgp-encrypted with Version: 1");
    }
    const uint8_t *b = pgp_find_bytes(d + p2, d3 - p2, ARMOR_BEGIN);
    const uint8_t *e = b ? pgp_find_bytes(b, (size_t)(d + d3 - b), ARMOR_END) : NULL;
    if (!e) {
        return mime_err_setf(err, errlen, "not PGP/MIME: part 2 holds no armored PGP MESSAGE");
    }
    e += strlen(ARMOR_END);
    *armor = b;
    *alen = (size_t)(e - b);
    return 0;
}

/* Why decryption failed: the ring has no recipient's secret key, or the data is bad. */
static int decrypt_failure(struct pgp_ring *r, rnp_op_verify_t op, rnp_result_t rc, char *err,
                           size_t errlen)
{
    size_t count = 0;
    bool any_secret = false;
    char list[LIST_MAX * 20 + 8] = "";
    rnp_op_verify_get_recipient_count(op, &count);
    for (size_t i = 0; i < count; i++) {
        rnp_recipient_handle_t rh = NULL;
        char *kid = NULL;
        rnp_key_handle_t k = NULL;
        if (rnp_op_verify_get_recipient_at(op, i, &rh) != RNP_SUCCESS ||
            rnp_recipient_get_keyid(rh, &kid) != RNP_SUCCESS || !kid) {
            continue;
        }
        if (i < LIST_MAX) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", kid);
        }
        if (rnp_locate_key(r->ffi, "keyid", kid, &k) == RNP_SUCCESS && k) {
            any_secret = any_secret || pgp_have_secret(k);
        }
        rnp_key_handle_destroy(k);
        rnp_buffer_destroy(kid);
    }
    if (count > LIST_MAX) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, ", ...");
    }
    /* With a recipient's secret key at hand, a failure means the data is bad, not the keys. */
    if ((count > 0 && !any_secret) || (count == 0 && rc == RNP_ERROR_NO_SUITABLE_KEY)) {
        return mime_err_setf(
            err, errlen,
            "not addressed to any key in this ring (encrypted to key IDs %s): without "
            "one of their private keys the message cannot be read",
            count ? list : "none given");
    }
    return mime_err_setf(err, errlen,
                         "damaged or altered in transit: OpenPGP data does not decrypt (%s)",
                         rnp_result_to_string(rc));
}

/* The fingerprint a verified signature names: its key's primary, else the issuer subpacket. */
static void pgp_signer_of(rnp_op_verify_signature_t s, char fpr[PGP_FPR_SIZE])
{
    rnp_key_handle_t k = NULL;
    rnp_signature_handle_t sh = NULL;
    char *issuer = NULL;
    fpr[0] = '\0';
    if (rnp_op_verify_signature_get_key(s, &k) == RNP_SUCCESS && k) {
        pgp_primary_fpr(k, fpr);
        rnp_key_handle_destroy(k);
    }
    if (!fpr[0] && rnp_op_verify_signature_get_handle(s, &sh) == RNP_SUCCESS && sh &&
        rnp_signature_get_key_fprint(sh, &issuer) == RNP_SUCCESS && pgp_is_fpr(issuer)) {
        memcpy(fpr, issuer, PGP_FPR_SIZE);
    }
    rnp_buffer_destroy(issuer);
    rnp_signature_handle_destroy(sh);
}

/* Judges the signatures librnp found: 0 when there are none or all are good. */
static int check_signatures(rnp_op_verify_t op, struct pgp_verify *v, char *err, size_t errlen)
{
    size_t count = 0;
    rnp_op_verify_get_signature_count(op, &count);
    v->is_signed = count > 0;
    for (size_t i = 0; i < count; i++) {
        rnp_op_verify_signature_t s = NULL;
        char fpr[PGP_FPR_SIZE];
        if (rnp_op_verify_get_signature_at(op, i, &s) != RNP_SUCCESS) {
            return mime_err_setf(err, errlen, "bad signature: librnp could not read it");
        }
        rnp_result_t st = rnp_op_verify_signature_get_status(s);
        pgp_signer_of(s, fpr);
        if (i == 0) {
            memcpy(v->signer, fpr, PGP_FPR_SIZE);
        }
        const char *who = fpr[0] ? fpr : "(no fingerprint given)";
        if (st == RNP_ERROR_KEY_NOT_FOUND) {
            return mime_err_setf(
                err, errlen,
                "signer's key unknown: signed by %s, a key not in this ring (import "
                "the sender's public key to check it)",
                who);
        }
        if (st != RNP_SUCCESS) {
            return mime_err_setf(
                err, errlen,
                "bad signature by %s: the signed content or the signature was altered "
                "(%s)",
                who, rnp_result_to_string(st));
        }
    }
    v->verified = count > 0;
    return 0;
}

/* librnp 0.16 prints its own diagnostics on stderr ("signer's key not found") whatever the FFI's
 * log settings say; a reader who lacks a key is part of the lesson, not an error of the program,
 * and the reason reaches the caller in err anyway. So stderr is parked on /dev/null around the
 * calls that can fail that way. Single-threaded, like the whole simulation. */
static int pgp_quiet_begin(void)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null >= 0) {
        dup2(null, STDERR_FILENO);
    }
    if (null >= 0) {
        close(null);
    }
    return saved;
}

static void pgp_quiet_end(int saved)
{
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
}

/* Runs op (decrypt, then verify what was inside) and judges the outcome; the plaintext, left
 * in o, is appended to inner when all is well. */
static int run_verify(struct pgp_ring *r, rnp_op_verify_t op, rnp_output_t o, struct buf *inner,
                      struct pgp_verify *v, char *err, size_t errlen)
{
    /* Execute succeeds whatever the signatures say; check_signatures judges them. */
    rnp_op_verify_set_flags(op, RNP_VERIFY_IGNORE_SIGS_ON_DECRYPT);
    int quiet = pgp_quiet_begin();
    rnp_result_t rc = rnp_op_verify_execute(op);
    pgp_quiet_end(quiet);
    if (rc != RNP_SUCCESS) {
        return decrypt_failure(r, op, rc, err, errlen);
    }
    char *mode = NULL;
    bool integrity = false;
    rc = rnp_op_verify_get_protection_info(op, &mode, NULL, &integrity);
    bool encrypted = rc == RNP_SUCCESS && mode && strcmp(mode, "none") != 0;
    rnp_buffer_destroy(mode);
    if (!encrypted) {
        return mime_err_setf(err, errlen,
                             "not PGP/MIME: the OpenPGP message in part 2 is not encrypted");
    }
    if (!integrity) {
        return mime_err_setf(err, errlen, "damaged or altered in transit: no integrity protection");
    }
    if (check_signatures(op, v, err, errlen) < 0) {
        return -1;
    }
    if (pgp_append_output(o, inner, false) < 0) {
        return mime_err_setf(err, errlen, "decrypt: the inner entity is over the buffer's limit");
    }
    return 0;
}

/* Decrypts and verifies the armored block. */
static int open_armor(struct pgp_ring *r, const uint8_t *armor, size_t alen, struct buf *inner,
                      struct pgp_verify *v, char *err, size_t errlen)
{
    rnp_input_t in = NULL;
    rnp_output_t o = NULL;
    rnp_op_verify_t op = NULL;
    int ret;
    if (rnp_input_from_memory(&in, armor, alen, false) != RNP_SUCCESS ||
        rnp_output_to_memory(&o, 0) != RNP_SUCCESS ||
        rnp_op_verify_create(&op, r->ffi, in, o) != RNP_SUCCESS) {
        ret = mime_err_setf(err, errlen, "decrypt: librnp could not start");
    } else {
        ret = run_verify(r, op, o, inner, v, err, errlen);
    }
    rnp_op_verify_destroy(op);
    rnp_output_destroy(o);
    rnp_input_destroy(in);
    return ret;
}

int pgp_decrypt_verify(struct pgp_ring *r, const uint8_t *msg, size_t len, struct buf *inner,
                       struct pgp_verify *v, char *err, size_t errlen)
{
    struct pgp_verify local;
    const uint8_t *armor = NULL;
    size_t alen = 0;
    if (!v) {
        v = &local;
    }
    memset(v, 0, sizeof *v);
    if (!msg || pgp_find_armor(msg, len, &armor, &alen, err, errlen) < 0) {
        return msg ? -1 : mime_err_setf(err, errlen, "not PGP/MIME: no message");
    }
    return open_armor(r, armor, alen, inner, v, err, errlen);
}
