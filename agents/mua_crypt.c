/* mua_crypt: S/MIME and OpenPGP in the MUA (see mua_crypt.h). */
#include "mua_crypt.h"

#include "pgp.h"
#include "smime.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MUA_CRYPT_MAX_RCPT 64

static void crypt_log(struct mail_world *mw, const char *agent, enum mua_e2e kind, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static void crypt_log(struct mail_world *mw, const char *agent, enum mua_e2e kind, const char *fmt,
                      ...)
{
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    trace_log(mw->tr, sim_now(mw->sim), agent, kind == MUA_E2E_SMIME ? "S/MIME" : "OpenPGP", 0,
              line);
}

/* "0B08 2CCB 4500 D287 09D3  C5E6 D9B5 E792 9D71 909D", as gpg prints a fingerprint. */
static void crypt_fpr(const char *fpr, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; fpr[i] && o + 3 < cap; i++) {
        if (i > 0 && i % 4 == 0) {
            out[o++] = ' ';
            if (i == 20) {
                out[o++] = ' ';
            }
        }
        out[o++] = fpr[i];
    }
    out[o] = 0;
}

void mua_crypt_enroll(struct mail_world *mw, const char *agent, enum mua_e2e kind,
                      const char *address, const char *display_name)
{
    char id[200];
    if (kind == MUA_E2E_SMIME) {
        const struct tls_cert *c = mail_world_smime(mw, address, display_name, true);
        snprintf(id, sizeof id, "certificate serial %ld, issued by mailsim scenario CA",
                 ASN1_INTEGER_get(X509_get0_serialNumber(c->cert)));
        trace_key(mw->tr, sim_now(mw->sim), agent, "S/MIME", address, id);
    } else if (kind == MUA_E2E_PGP) {
        char fpr[PGP_FPR_SIZE], pretty[64];
        mail_world_pgp(mw, address, display_name, true, fpr);
        crypt_fpr(fpr, pretty, sizeof pretty);
        snprintf(id, sizeof id, "fingerprint %s", pretty);
        trace_key(mw->tr, sim_now(mw->sim), agent, "OpenPGP", address, id);
    }
}

/* Appends s to a comma-separated list. */
static void crypt_list_add(char *list, size_t cap, const char *s)
{
    size_t n = strlen(list);
    snprintf(list + n, cap - n, "%s%s", n ? ", " : "", s);
}

static int seal_smime(struct mail_world *mw, const char *agent, const char *address,
                      const char *display_name, const char *const *to, size_t nto, struct buf *msg,
                      struct buf *out, char *err, size_t errlen)
{
    const struct tls_cert *me = mail_world_smime(mw, address, display_name, false);
    if (!me) {
        snprintf(err, errlen, "no S/MIME certificate of my own (%s)", address);
        return -1;
    }
    X509 *certs[MUA_CRYPT_MAX_RCPT];
    size_t n = 0;
    char for_list[800] = "", without[800] = "";
    certs[n++] = me->cert;
    crypt_list_add(for_list, sizeof for_list, address);
    for (size_t i = 0; i < nto && n < MUA_CRYPT_MAX_RCPT; i++) {
        const struct tls_cert *c = mail_world_smime(mw, to[i], NULL, false);
        if (c && strcasecmp(to[i], address) != 0) {
            certs[n++] = c->cert;
            crypt_list_add(for_list, sizeof for_list, to[i]);
        } else if (!c) {
            crypt_list_add(without, sizeof without, to[i]);
        }
    }
    if (smime_sign_encrypt(msg->data, msg->len, me, certs, n, out, err, errlen) < 0) {
        return -1;
    }
    crypt_log(mw, agent, MUA_E2E_SMIME,
              "signed by <%s> (certificate serial %ld from \"mailsim scenario CA\"), encrypted "
              "with AES-256-CBC for %s%s%s%s",
              address, ASN1_INTEGER_get(X509_get0_serialNumber(me->cert)), for_list,
              *without ? "; no certificate of " : "", without,
              *without ? ": they cannot read it" : "");
    return 0;
}

static int seal_pgp(struct mail_world *mw, const char *agent, const char *address,
                    const char *display_name, const char *const *to, size_t nto, struct buf *msg,
                    struct buf *out, char *err, size_t errlen)
{
    char me[PGP_FPR_SIZE];
    struct pgp_ring *ring = mail_world_pgp(mw, address, display_name, false, me);
    if (!ring) {
        snprintf(err, errlen, "no OpenPGP key of my own (%s)", address);
        return -1;
    }
    char fprs[MUA_CRYPT_MAX_RCPT][PGP_FPR_SIZE];
    const char *list[MUA_CRYPT_MAX_RCPT];
    size_t n = 0;
    char to_list[1400] = "", without[800] = "", pretty[64];
    memcpy(fprs[n], me, PGP_FPR_SIZE);
    list[n] = fprs[n];
    n++;
    struct pgp_ring *dir = mail_world_pgp_directory(mw);
    for (size_t i = 0; i < nto && n < MUA_CRYPT_MAX_RCPT; i++) {
        char fpr[PGP_FPR_SIZE], e2[200];
        struct buf pub;
        buf_init(&pub, 0);
        /* Look the recipient up in the directory, then take the key into my own ring. */
        if (strcasecmp(to[i], address) == 0) {
            continue;
        }
        if (pgp_find_by_address(dir, to[i], fpr, e2, sizeof e2) < 0) {
            crypt_list_add(without, sizeof without, to[i]);
            continue;
        }
        if (pgp_export_public(dir, fpr, &pub, err, errlen) < 0 ||
            pgp_import_public(ring, pub.data, pub.len, NULL, err, errlen) < 0) {
            buf_free(&pub);
            return -1;
        }
        buf_free(&pub);
        memcpy(fprs[n], fpr, PGP_FPR_SIZE);
        list[n] = fprs[n];
        n++;
        char item[160];
        crypt_fpr(fpr, pretty, sizeof pretty);
        snprintf(item, sizeof item, "%s (%s)", pretty, to[i]);
        crypt_list_add(to_list, sizeof to_list, item);
    }
    if (pgp_encrypt_sign(ring, msg->data, msg->len, me, list, n, out, err, errlen) < 0) {
        return -1;
    }
    crypt_fpr(me, pretty, sizeof pretty);
    crypt_log(mw, agent, MUA_E2E_PGP,
              "signed with key %s (%s); encrypted to that key and to %s%s%s%s", pretty, address,
              *to_list ? to_list : "nobody else", *without ? "; no key for " : "", without,
              *without ? ": they cannot read it" : "");
    return 0;
}

int mua_crypt_seal(struct mail_world *mw, const char *agent, const char *mail, enum mua_e2e kind,
                   const char *address, const char *display_name, const char *const *to, size_t nto,
                   struct buf *msg)
{
    if (kind == MUA_E2E_NONE) {
        return 0;
    }
    struct buf out;
    buf_init(&out, 0);
    char err[400];
    int rc = kind == MUA_E2E_SMIME
                 ? seal_smime(mw, agent, address, display_name, to, nto, msg, &out, err, sizeof err)
                 : seal_pgp(mw, agent, address, display_name, to, nto, msg, &out, err, sizeof err);
    if (rc < 0) {
        crypt_log(mw, agent, kind, "not encrypted: %s", err);
        buf_free(&out);
        return -1;
    }
    buf_free(msg);
    *msg = out;
    trace_mail(mw->tr, sim_now(mw->sim), mail, "encrypted", agent, 0);
    return 0;
}

static void open_smime(struct mail_world *mw, const char *agent, const char *mail,
                       const char *address, const uint8_t *data, size_t len)
{
    const struct tls_cert *me = mail_world_smime(mw, address, NULL, false);
    char err[400], signer[SMIME_ADDRESS_MAX];
    struct buf inner;
    buf_init(&inner, 0);
    if (!me) {
        snprintf(err, sizeof err, "no S/MIME key of %s: the body is ciphertext to this reader",
                 address);
    } else if (smime_decrypt_verify(data, len, me, mail_world_tls_ca(mw)->root.cert, &inner, signer,
                                    sizeof signer, err, sizeof err) == 0) {
        bool from_ok = smime_from_matches(data, len, signer);
        crypt_log(mw, agent, MUA_E2E_SMIME,
                  "decrypted with the private key of <%s>; signature by <%s> verified "
                  "(certificate from \"mailsim scenario CA\")%s",
                  address, signer, from_ok ? "" : "; WARNING: From: is not the signer");
        trace_mail(mw->tr, sim_now(mw->sim), mail, "decrypted", agent, 0);
        buf_free(&inner);
        return;
    }
    buf_free(&inner);
    crypt_log(mw, agent, MUA_E2E_SMIME, "cannot read the message: %s", err);
    trace_mail(mw->tr, sim_now(mw->sim), mail, "unreadable", agent, 0);
}

static void open_pgp(struct mail_world *mw, const char *agent, const char *mail,
                     const char *address, const uint8_t *data, size_t len)
{
    char me[PGP_FPR_SIZE], err[400], pretty[64];
    struct pgp_ring *ring = mail_world_pgp(mw, address, NULL, false, me);
    struct buf inner;
    buf_init(&inner, 0);
    struct pgp_verify v;
    memset(&v, 0, sizeof v);
    int rc = -1;
    if (!ring) {
        snprintf(err, sizeof err, "no OpenPGP key of %s: the body is ciphertext to this reader",
                 address);
    } else {
        rc = pgp_decrypt_verify(ring, data, len, &inner, &v, err, sizeof err);
        if (rc < 0 && v.signer[0] && strncmp(err, "signer's key unknown", 20) == 0) {
            /* Fetch the signer's public key from the directory by its fingerprint, then again. */
            struct buf pub;
            buf_init(&pub, 0);
            char e2[200];
            if (pgp_export_public(mail_world_pgp_directory(mw), v.signer, &pub, e2, sizeof e2) ==
                    0 &&
                pgp_import_public(ring, pub.data, pub.len, NULL, e2, sizeof e2) == 0) {
                buf_clear(&inner);
                rc = pgp_decrypt_verify(ring, data, len, &inner, &v, err, sizeof err);
            }
            buf_free(&pub);
        }
    }
    buf_free(&inner);
    if (rc == 0) {
        struct pgp_key_info info;
        memset(&info, 0, sizeof info);
        char e2[200];
        pgp_key_lookup(ring, v.signer, &info, e2, sizeof e2);
        crypt_fpr(v.signer, pretty, sizeof pretty);
        crypt_log(mw, agent, MUA_E2E_PGP,
                  "decrypted with the secret key of <%s>; %s from \"%s\", "
                  "primary key fingerprint: %s",
                  address, v.verified ? "Good signature" : "no signature", info.userid, pretty);
        trace_mail(mw->tr, sim_now(mw->sim), mail, "decrypted", agent, 0);
        return;
    }
    crypt_log(mw, agent, MUA_E2E_PGP, "cannot read the message: %s", err);
    trace_mail(mw->tr, sim_now(mw->sim), mail, "unreadable", agent, 0);
}

void mua_crypt_open(struct mail_world *mw, const char *agent, const char *mail, const char *address,
                    const uint8_t *data, size_t len)
{
    if (smime_is_encrypted(data, len)) {
        open_smime(mw, agent, mail, address, data, len);
    } else if (pgp_is_encrypted(data, len)) {
        open_pgp(mw, agent, mail, address, data, len);
    }
}
