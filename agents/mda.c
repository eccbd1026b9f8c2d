/* mda: local delivery into mailboxes, in memory and optionally as a real Maildir. */
#include "mda.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct mda {
    struct agent base;
    struct mailbox *boxes;
    size_t n, cap;
    uint64_t next_uid;
    struct mda_alias *aliases;
    size_t naliases;
};

static void mda_destroy(struct agent *a)
{
    struct mda *m = (struct mda *)a;
    for (size_t i = 0; i < m->n; i++) {
        struct mailbox *b = &m->boxes[i];
        for (size_t k = 0; k < b->n; k++) {
            free(b->msgs[k].data);
            free(b->msgs[k].mail);
            free(b->msgs[k].path);
        }
        free(b->msgs);
        free(b->user);
    }
    free(m->boxes);
    for (size_t i = 0; i < m->naliases; i++) {
        free(m->aliases[i].name);
        mw_strv_free(m->aliases[i].members, m->aliases[i].nmembers);
    }
    free(m->aliases);
}

static const struct agent_ops mda_ops = {"mda", "Postfix local", mda_destroy, NULL};

struct mda *mda_new(struct mail_world *mw, const char *id, int host)
{
    return agent_new(sizeof(struct mda), &mda_ops, mw, id, host);
}

void mda_add_alias(struct mda *m, const char *name, const char *const *members, size_t n)
{
    struct mda_alias *grown = realloc(m->aliases, (m->naliases + 1) * sizeof *grown);
    if (!grown) {
        abort();
    }
    m->aliases = grown;
    m->aliases[m->naliases++] = (struct mda_alias){mw_strdup(name), mw_strv_dup(members, n), n};
}

/* aliases(5): "The name is a local address (no domain part) ... folded to lowercase, in order
 * to make database lookups case insensitive." */
static const struct mda_alias *mda_alias_named(const struct mda *m, const char *local, size_t n)
{
    for (size_t i = 0; i < m->naliases; i++) {
        if (strlen(m->aliases[i].name) == n && strncasecmp(m->aliases[i].name, local, n) == 0) {
            return &m->aliases[i];
        }
    }
    return NULL;
}

const struct mda_alias *mda_alias_find(const struct mda *m, const char *address)
{
    const char *at = strrchr(address, '@');
    return mda_alias_named(m, address, at ? (size_t)(at - address) : strlen(address));
}

void mda_forward(struct mda *m, const char *mail, const char *rcpt, const char *sender,
                 struct mda_forward *out)
{
    struct mail_world *mw = m->base.mw;
    const char *at = strrchr(rcpt, '@');
    size_t n = at ? (size_t)(at - rcpt) : strlen(rcpt);
    char owner[128];
    int w = snprintf(owner, sizeof owner, "owner-%.*s", (int)(n < 100 ? n : 100), rcpt);
    /* aliases(5): "when an alias exists for owner-name, delivery diagnostics are directed to
     * that address, instead of to the originator of the message." With expand_owner_alias = no
     * (the default), the envelope sender becomes owner-name itself, qualified with the domain. */
    out->owner = w > 0 && (size_t)w < sizeof owner && n <= 100 &&
                 mda_alias_named(m, owner, (size_t)w) != NULL;
    if (out->owner) {
        snprintf(out->sender, sizeof out->sender, "%s@%s", owner, at ? at + 1 : "");
    } else {
        snprintf(out->sender, sizeof out->sender, "%s", sender);
    }
    trace_mail(mw->tr, sim_now(mw->sim), mail, "expanded", m->base.id, 0);
}

struct mailbox *mda_mailbox(struct mda *m, const char *user)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->boxes[i].user, user) == 0) {
            return &m->boxes[i];
        }
    }
    if (!mail_world_account(m->base.mw, user)) {
        return NULL;
    }
    struct mailbox *b = BUF_PUSH(m->boxes, m->n, m->cap, 4);
    b->user = mw_strdup(user);
    return b;
}

static int mda_mkdir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Maildir delivery (as described by its author, D. J. Bernstein): create a unique file in tmp/,
 * write and fsync it, then link it into new/ — the rename is what makes it appear at once. */
static char *mda_maildir_write(struct mda *m, const char *user, const char *name,
                               const uint8_t *data, size_t len)
{
    const char *root = m->base.mw->maildir_root;
    char dir[2048], tmp[4096], fin[4096], sub[4096];
    int n1 = snprintf(dir, sizeof dir, "%s/%s", root, user);
    if (n1 < 0 || (size_t)n1 >= sizeof dir) {
        return NULL;
    }
    const char *subs[] = {"tmp", "new", "cur"};
    if (mda_mkdir(root) != 0 || mda_mkdir(dir) != 0) {
        return NULL;
    }
    for (size_t i = 0; i < 3; i++) {
        int k = snprintf(sub, sizeof sub, "%s/%s", dir, subs[i]);
        if (k < 0 || (size_t)k >= sizeof sub || mda_mkdir(sub) != 0) {
            return NULL;
        }
    }
    int a = snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, name);
    int b = snprintf(fin, sizeof fin, "%s/new/%s", dir, name);
    if (a < 0 || b < 0 || (size_t)a >= sizeof tmp || (size_t)b >= sizeof fin) {
        return NULL;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        return NULL;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return NULL;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, fin) != 0) {
        unlink(tmp);
        return NULL;
    }
    return mw_strdup(fin);
}

int mda_deliver(struct mda *m, const char *mail, const char *return_path, const char *rcpt,
                const uint8_t *data, size_t len)
{
    struct mail_world *mw = m->base.mw;
    const struct account *acct = mail_world_account_by_address(mw, rcpt);
    struct mailbox *box = acct ? mda_mailbox(m, acct->user) : NULL;
    if (!box) {
        return -1;
    }
    uint64_t now = sim_now(mw->sim);
    trace_step(mw->tr, now, 7, mail, m->base.id, 0);
    /* RFC 5321 §4.4: "When the delivery SMTP server makes the "final delivery" of a message, it
     * inserts a return-path line at the beginning of the mail data." */
    struct buf out;
    buf_init(&out, 0);
    /* The mailbox keeps this copy for the rest of the run: sized exactly, not doubled. */
    if (buf_printf(&out, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", return_path, rcpt) != 0 ||
        buf_reserve(&out, len) != 0 || buf_append(&out, data, len) != 0) {
        abort();
    }
    struct mailbox_msg *msg = BUF_PUSH(box->msgs, box->n, box->cap, 8);
    msg->data = out.data; /* ownership moves to the mailbox */
    msg->len = out.len;
    msg->mail = mw_strdup(mail);
    uint64_t seq = ++m->next_uid;
    snprintf(msg->uid, sizeof msg->uid, "%s.%llu", m->base.id, (unsigned long long)seq);
    if (mw->maildir_root) {
        /* Maildir names: "time.unique.host"; virtual time keeps them reproducible. */
        char name[256];
        const char *host = trace_string(mw->tr, mw->tr->hosts[m->base.host].name);
        snprintf(name, sizeof name, "%llu.M%lluP%llu.%s", (unsigned long long)(now / 1000000),
                 (unsigned long long)(now % 1000000), (unsigned long long)seq, host);
        msg->path = mda_maildir_write(m, box->user, name, msg->data, msg->len);
        if (!msg->path) {
            fprintf(stderr, "mailsim: cannot write the Maildir of %s under %s: %s\n", box->user,
                    mw->maildir_root, strerror(errno));
        }
    }
    mw->delivered++;
    trace_mail(mw->tr, now, mail, "delivered", m->base.id, 0);
    return 0;
}

int mda_expunge(struct mda *m, struct mailbox *box, const bool *deleted, size_t n)
{
    (void)m;
    int rc = 0;
    size_t keep = 0;
    for (size_t i = 0; i < box->n; i++) {
        if (i < n && deleted[i]) {
            if (box->msgs[i].path && unlink(box->msgs[i].path) != 0) {
                rc = -1;
            }
            free(box->msgs[i].data);
            free(box->msgs[i].mail);
            free(box->msgs[i].path);
        } else {
            box->msgs[keep++] = box->msgs[i];
        }
    }
    box->n = keep;
    return rc;
}
