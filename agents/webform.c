/* webform: a contact form's script and the msmtp it pipes the message to. */
#include "webform.h"

#include "maillog.h"
#include "message.h"
#include "mua.h"
#include "session.h"
#include "smtp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct webform_job {
    struct mua_outgoing out; /* first: the form's list of jobs holds these */
    struct webform *f;
    size_t mailsize; /* msmtp's "mailsize": the message as read, lines ended by LF */
    uint32_t conn;
};

struct webform {
    struct agent base;
    struct account login; /* the account msmtp submits as */
    char *submit_host;
    uint16_t submit_port;
    char **to;
    size_t nto;
    bool reject_crlf;
    bool recipients_from_headers;
    char *hostname;
    struct mua_outgoing *jobs; /* struct webform_job */
};

static void webform_destroy(struct agent *a)
{
    struct webform *f = (struct webform *)a;
    mua_outgoing_drop_all(&f->jobs);
    free(f->submit_host);
    mw_strv_free(f->to, f->nto);
    free(f->hostname);
}

static const struct agent_ops webform_ops = {"webform", "contact.cgi + msmtp", webform_destroy,
                                             NULL};

struct webform *webform_new(struct mail_world *mw, const char *id, int host,
                            const struct webform_config *cfg)
{
    const struct account *acct = mail_world_account(mw, cfg->user);
    if (!acct) {
        return NULL;
    }
    struct webform *f = agent_new(sizeof *f, &webform_ops, mw, id, host);
    f->login = *acct;
    f->submit_host = mw_strdup(cfg->submit_host ? cfg->submit_host : "");
    f->submit_port = cfg->submit_port ? cfg->submit_port : 587;
    f->to = mw_strv_dup(cfg->to, cfg->nto);
    f->nto = cfg->nto;
    f->reject_crlf = cfg->reject_crlf;
    f->recipients_from_headers = cfg->recipients_from_headers;
    f->hostname = mw_strdup(trace_string(mw->tr, mw->tr->hosts[host].name));
    return f;
}

/* ---- the script ---- */

const char *webform_header_field_with_newline(const struct webform_fields *f)
{
    const char *names[] = {"name", "email", "subject"};
    const char *values[] = {f->name, f->email, f->subject};
    for (size_t i = 0; i < 3; i++) {
        if (values[i] && strpbrk(values[i], "\r\n")) {
            return names[i];
        }
    }
    return NULL;
}

static const char *webform_or_empty(const char *s)
{
    return s ? s : "";
}

void webform_compose(const char *from, const char *const *to, size_t nto,
                     const struct webform_fields *f, const char *date, const char *msgid,
                     struct buf *out)
{
    /* The script's template, as a careless one is written: header lines glued together with the
     * visitor's text in between, nothing checked. */
    int rc = buf_printf(out, "From: Contact form <%s>\n", from);
    rc |= buf_append_str(out, "To: ");
    for (size_t i = 0; i < nto; i++) {
        rc |= buf_printf(out, "%s%s", i ? ", " : "", to[i]);
    }
    rc |= buf_printf(out, "\nReply-To: %s\n", webform_or_empty(f->email));
    rc |= buf_printf(out, "Subject: [Contact] %s\n", webform_or_empty(f->subject));
    rc |= buf_printf(out, "Date: %s\nMessage-ID: %s\n", date, msgid);
    rc |= buf_append_str(out, "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                              "Content-Transfer-Encoding: 8bit\n\n");
    rc |= buf_printf(out, "Name: %s\nEmail: %s\n\n%s\n", webform_or_empty(f->name),
                     webform_or_empty(f->email), webform_or_empty(f->message));
    if (rc != 0) {
        abort();
    }
}

/* ---- msmtp ---- */

static void webform_add(char ***rcpts, size_t *n, const char *p, size_t len)
{
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
        len--;
    }
    if (len == 0 || len > 254 || !memchr(p, '@', len)) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '<' || p[i] == '>' || p[i] == '"') {
            return;
        }
    }
    for (size_t i = 0; i < *n; i++) {
        if (strlen((*rcpts)[i]) == len && strncasecmp((*rcpts)[i], p, len) == 0) {
            return;
        }
    }
    char **grown = realloc(*rcpts, (*n + 1) * sizeof *grown);
    char *copy = malloc(len + 1);
    if (!grown || !copy) {
        abort();
    }
    memcpy(copy, p, len);
    copy[len] = 0;
    *rcpts = grown;
    (*rcpts)[(*n)++] = copy;
}

void webform_addresses(const char *value, char ***rcpts, size_t *nrcpts)
{
    /* RFC 5322 §3.4: address-list = (address *("," address)); a name may be quoted and hold a
     * comma; a group "name: a, b;" holds addresses after its colon. */
    const char *p = value;
    while (*p) {
        const char *start = p;
        bool quoted = false, angle = false;
        while (*p && (quoted || angle || (*p != ',' && *p != ';'))) {
            if (*p == '"' && !angle) {
                quoted = !quoted;
            } else if (*p == '<' && !quoted) {
                angle = true;
            } else if (*p == '>' && !quoted) {
                angle = false;
            } else if (*p == ':' && !quoted && !angle) {
                start = p + 1; /* a group's display name */
            }
            p++;
        }
        const char *lt = memchr(start, '<', (size_t)(p - start));
        if (lt) {
            const char *gt = memchr(lt, '>', (size_t)(p - lt));
            if (gt) {
                webform_add(rcpts, nrcpts, lt + 1, (size_t)(gt - lt - 1));
            }
        } else {
            webform_add(rcpts, nrcpts, start, (size_t)(p - start));
        }
        if (*p) {
            p++;
        }
    }
}

/* Field name of a header line ("Bcc" of "Bcc: ..."), when it is one. */
static bool webform_field_is(const uint8_t *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n > k && strncasecmp((const char *)line, name, k) == 0 && line[k] == ':';
}

void webform_sendmail(const uint8_t *text, size_t len, bool read_recipients, struct buf *msg,
                      char ***rcpts, size_t *nrcpts)
{
    bool header = true, skipping = false;
    /* the To:, Cc: or Bcc: value being read, unfolded */
    struct buf value;
    buf_init(&value, 0);
    bool collecting = false;
    size_t off = 0;
    while (off < len) {
        size_t end = off;
        while (end < len && text[end] != '\r' && text[end] != '\n') {
            end++;
        }
        size_t next = end;
        if (next < len) {
            next += text[next] == '\r' && next + 1 < len && text[next + 1] == '\n' ? 2 : 1;
        }
        const uint8_t *line = text + off;
        size_t n = end - off;
        bool cont = header && n > 0 && (line[0] == ' ' || line[0] == '\t');
        if (header && !cont && collecting) {
            buf_append(&value, "", 1);
            webform_addresses((const char *)value.data, rcpts, nrcpts);
            buf_clear(&value);
            collecting = false;
        }
        if (header && n == 0) {
            header = false;
            skipping = false;
        } else if (header && !cont) {
            bool bcc = webform_field_is(line, n, "Bcc");
            /* msmtp: "The Bcc header(s) will be removed" (remove_bcc_headers, on by default). */
            skipping = bcc;
            collecting = read_recipients && (bcc || webform_field_is(line, n, "To") ||
                                             webform_field_is(line, n, "Cc"));
            if (collecting) {
                const uint8_t *colon = memchr(line, ':', n);
                buf_append(&value, colon + 1, n - (size_t)(colon + 1 - line));
            }
        } else if (cont && collecting) {
            buf_append(&value, line, n);
        }
        if (!(header && skipping)) {
            if (buf_append(msg, line, n) != 0 || buf_append(msg, "\r\n", 2) != 0) {
                abort();
            }
        }
        off = next;
    }
    if (collecting) {
        buf_append(&value, "", 1);
        webform_addresses((const char *)value.data, rcpts, nrcpts);
    }
    buf_free(&value);
}

/* ---- submitting ---- */

static void webform_result(void *ctx, size_t mail, const struct smtp_reply *r)
{
    (void)mail;
    struct webform_job *j = ctx;
    struct webform *f = j->f;
    struct mail_world *mw = f->base.mw;
    bool ok = mua_outgoing_result(&j->out, r);
    /* msmtp's log line (its "syslog" or "logfile" setting): the recipients it was given are
     * where an injection shows. */
    struct buf list;
    buf_init(&list, 0);
    for (size_t i = 0; i < j->out.nto; i++) {
        if (buf_printf(&list, "%s%s", i ? "," : "", j->out.to[i]) != 0) {
            abort();
        }
    }
    buf_append(&list, "", 1);
    if (ok) {
        maillog_line(mw, f->base.id, f->hostname, "msmtp", j->conn,
                     "host=%s tls=off auth=on user=%s from=%s recipients=%s mailsize=%zu "
                     "smtpstatus=%d smtpmsg='%d %s%s%s' exitcode=EX_OK",
                     f->submit_host, f->login.user, f->login.address, (const char *)list.data,
                     j->mailsize, r->code, r->code, r->enhanced, r->enhanced[0] ? " " : "",
                     r->text);
    } else {
        maillog_line(mw, f->base.id, f->hostname, "msmtp", j->conn,
                     "host=%s tls=off auth=on user=%s from=%s recipients=%s smtpstatus=%d "
                     "smtpmsg='%d %s%s%s' exitcode=EX_UNAVAILABLE",
                     f->submit_host, f->login.user, f->login.address, (const char *)list.data,
                     r->code, r->code, r->enhanced, r->enhanced[0] ? " " : "", r->text);
    }
    buf_free(&list);
}

static void webform_submit(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)arg;
    struct webform_job *j = ctx;
    struct webform *f = j->f;
    struct mail_world *mw = f->base.mw;
    struct smtp_client_config cfg = {0};
    cfg.ehlo_name = f->hostname;
    cfg.user = f->login.user;
    cfg.password = f->login.password;
    cfg.mech = SASL_MECH_PLAIN;
    cfg.want_pipelining = true;
    struct smtp_client_hooks hooks = {0};
    hooks.on_mail_result = webform_result;
    struct session *s = mua_outgoing_connect(&j->out, &cfg, &hooks, f->login.address,
                                             f->submit_host, f->submit_port);
    if (!s) {
        return;
    }
    j->conn = s->conn;
    trace_step(mw->tr, sim_now(w), 1, j->out.mail, f->base.id, s->conn);
}

/* The script's answer to a field with a line break: no mail at all. */
struct webform_refusal {
    struct webform *f;
    char *mail;
    const char *field; /* static */
};

static void webform_refuse(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)arg;
    struct webform_refusal *r = ctx;
    struct mail_world *mw = r->f->base.mw;
    uint64_t now = sim_now(w);
    trace_policy(mw->tr, now, r->f->base.id, "reject_crlf", "reject", 400, 0);
    maillog_line(mw, r->f->base.id, r->f->hostname, "contact.cgi", 0,
                 "400 Bad Request: the %s field holds CR or LF (mail header injection); no mail "
                 "sent",
                 r->field);
    trace_mail(mw->tr, now, r->mail, "rejected", r->f->base.id, 400);
    mw->rejected++;
    free(r->mail);
    free(r);
}

int webform_post(struct webform *f, uint64_t at_us, const char *mail,
                 const struct webform_fields *fields, char *err, size_t errlen)
{
    struct mail_world *mw = f->base.mw;
    const char *bad = webform_header_field_with_newline(fields);
    if (f->reject_crlf && bad) {
        /* IPA「安全なウェブサイトの作り方」第7版, メールヘッダ・インジェクション: fixed header
         * fields, recipients not from the page, and, as a safety net, no line break from
         * outside in a header. Refusing (rather than deleting the CR LF) leaves no doubt about
         * what was sent. */
        struct webform_refusal *r = calloc(1, sizeof *r);
        if (!r) {
            abort();
        }
        r->f = f;
        r->mail = mw_strdup(mail);
        r->field = bad;
        sim_schedule(mw->sim, at_us, webform_refuse, r, 0);
        return 0;
    }
    char date[MESSAGE_DATE_SIZE], local[128], msgid[300];
    const char *at = strrchr(f->login.address, '@');
    snprintf(local, sizeof local, "%s.%08x", mail, (unsigned)rng_next(sim_rng(mw->sim)));
    if (message_date_format((time_t)(mw->epoch + (int64_t)(at_us / 1000000)), mw->tz_minutes, date,
                            sizeof date) < 0 ||
        message_id_format(local, at ? at + 1 : "localhost", msgid, sizeof msgid) < 0) {
        snprintf(err, errlen, "cannot compose mail %s: bad date or Message-ID", mail);
        return -1;
    }
    char bare[300];
    snprintf(bare, sizeof bare, "%s@%s", local, at ? at + 1 : "localhost");
    mail_world_tag(mw, bare, mail);
    struct buf text;
    buf_init(&text, 0);
    webform_compose(f->login.address, (const char *const *)f->to, f->nto, fields, date, msgid,
                    &text);
    struct webform_job *j = calloc(1, sizeof *j);
    if (!j) {
        abort();
    }
    j->f = f;
    j->out.mail = mw_strdup(mail);
    struct buf msg;
    buf_init(&msg, 0);
    webform_sendmail(text.data, text.len, f->recipients_from_headers, &msg, &j->out.to,
                     &j->out.nto);
    if (!f->recipients_from_headers) {
        /* msmtp info@a.example: the recipients on the command line, from the configuration */
        for (size_t i = 0; i < f->nto; i++) {
            webform_addresses(f->to[i], &j->out.to, &j->out.nto);
        }
    }
    buf_free(&text);
    size_t lines = 0;
    for (size_t i = 0; i < msg.len; i++) {
        lines += msg.data[i] == '\n';
    }
    j->out.data = msg.data; /* ownership moves to the job */
    j->out.len = msg.len;
    j->mailsize = msg.len - lines;
    mua_outgoing_push(&f->jobs, &j->out, &f->base, NULL);
    if (j->out.nto == 0) {
        /* msmtp: "no recipients found" */
        snprintf(err, errlen, "mail %s: the form's message has no recipient", mail);
        mua_outgoing_drop(&j->out);
        return -1;
    }
    sim_schedule(mw->sim, at_us, webform_submit, j, 0);
    return 0;
}
