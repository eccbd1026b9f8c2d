/* world_keys: the end-to-end keys of a run. S/MIME identities are certificates from the
 * scenario CA (trust flows from the CA); OpenPGP identities are keys each user generated, known
 * to others by fingerprint through a directory (trust is in the fingerprint, no CA). */
#include "world.h"

#include "buf.h"
#include "pgp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mail_key {
    char *address;
    struct tls_cert smime; /* empty when the user has no S/MIME identity */
    bool has_smime;
    struct pgp_ring *pgp; /* the user's own ring, NULL when none */
    char fpr[PGP_FPR_SIZE];
};

struct mail_keys {
    struct mail_key *keys;
    size_t n, cap;
    struct pgp_ring *directory;
};

static void keys_fatal(const char *what, const char *err)
{
    fprintf(stderr, "mailsim: key set-up failed: %s: %s\n", what, err);
    abort();
}

static struct mail_keys *keys_get(struct mail_world *mw)
{
    if (!mw->keys) {
        mw->keys = calloc(1, sizeof *mw->keys);
        if (!mw->keys) {
            abort();
        }
    }
    return mw->keys;
}

static struct mail_key *key_find(struct mail_world *mw, const char *address, bool create)
{
    struct mail_keys *k = keys_get(mw);
    for (size_t i = 0; i < k->n; i++) {
        if (strcasecmp(k->keys[i].address, address) == 0) {
            return &k->keys[i];
        }
    }
    if (!create) {
        return NULL;
    }
    struct mail_key *e = BUF_PUSH(k->keys, k->n, k->cap, 8);
    e->address = mw_strdup(address);
    return e;
}

const struct tls_cert *mail_world_smime(struct mail_world *mw, const char *address,
                                        const char *display_name, bool create)
{
    struct mail_key *e = key_find(mw, address, create);
    if (!e || (!e->has_smime && !create)) {
        return NULL;
    }
    if (!e->has_smime) {
        char err[256];
        if (tls_ca_issue_email(mail_world_tls_ca(mw), address, display_name, &e->smime, err,
                               sizeof err) < 0) {
            keys_fatal(address, err);
        }
        e->has_smime = true;
    }
    return &e->smime;
}

struct pgp_ring *mail_world_pgp_directory(struct mail_world *mw)
{
    struct mail_keys *k = keys_get(mw);
    if (!k->directory) {
        char err[256];
        k->directory = pgp_ring_new(err, sizeof err);
        if (!k->directory) {
            keys_fatal("OpenPGP directory", err);
        }
    }
    return k->directory;
}

struct pgp_ring *mail_world_pgp(struct mail_world *mw, const char *address,
                                const char *display_name, bool create, char *fpr)
{
    struct mail_key *e = key_find(mw, address, create);
    if (!e || (!e->pgp && !create)) {
        return NULL;
    }
    if (!e->pgp) {
        char err[256], uid[600];
        snprintf(uid, sizeof uid, "%s <%s>", display_name && *display_name ? display_name : address,
                 address);
        e->pgp = pgp_ring_new(err, sizeof err);
        if (!e->pgp || pgp_generate(e->pgp, uid, e->fpr, err, sizeof err) < 0) {
            keys_fatal(uid, err);
        }
        /* Publish the public half: the only way others learn it. */
        struct buf pub;
        buf_init(&pub, 0);
        if (pgp_export_public(e->pgp, e->fpr, &pub, err, sizeof err) < 0 ||
            pgp_import_public(mail_world_pgp_directory(mw), pub.data, pub.len, NULL, err,
                              sizeof err) < 0) {
            keys_fatal(uid, err);
        }
        buf_free(&pub);
    }
    if (fpr) {
        memcpy(fpr, e->fpr, PGP_FPR_SIZE);
    }
    return e->pgp;
}

void mail_world_keys_free(struct mail_world *mw)
{
    struct mail_keys *k = mw->keys;
    if (!k) {
        return;
    }
    for (size_t i = 0; i < k->n; i++) {
        free(k->keys[i].address);
        tls_cert_free(&k->keys[i].smime);
        pgp_ring_free(k->keys[i].pgp);
    }
    free(k->keys);
    pgp_ring_free(k->directory);
    free(k);
    mw->keys = NULL;
}
