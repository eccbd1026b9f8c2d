/* mta_bounce: what the MTA cannot deliver goes back to the sender as a delivery status
 * notification (RFC 3464), from MAILER-DAEMON with the null reverse-path. */
#include "mta_int.h"

#include "buf.h"
#include "maillog.h"
#include "message.h"
#include "mra.h"
#include "session.h"
#include "smtp_client.h"
#include "smtpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mta_bounce(struct mta *m, struct mta_entry *e, size_t rcpt, const struct smtp_reply *r)
{
    struct mail_world *mw = m->base.mw;
    trace_mail(mw->tr, sim_now(mw->sim), e->mail, "bounced", m->base.id, r->code);
    /* RFC 5321 §6.1: never answer a bounce with a bounce — the null reverse-path "MUST NOT" get
     * a notification, or two broken systems would mail each other for ever. */
    if (e->from[0] == 0) {
        return;
    }
    mw->bounced++;
    m->bounces++;
    char local[96], date[MESSAGE_DATE_SIZE], msgid[256];
    snprintf(local, sizeof local, "bounce.%llu.%s", (unsigned long long)m->bounces, e->mail);
    message_date_format((time_t)mail_world_time(mw), mw->tz_minutes, date, sizeof date);
    message_id_format(local, m->hostname, msgid, sizeof msgid);
    char status[16];
    snprintf(status, sizeof status, "%s", r->enhanced[0] ? r->enhanced : "5.0.0");
    size_t header_len = e->len, body_off = e->len;
    message_split(e->data, e->len, &header_len, &body_off);
    const char *boundary = "mailsim-dsn-boundary";
    struct buf b;
    buf_init(&b, 0);
    int rc = 0;
    rc |= buf_printf(&b, "Date: %s\r\nFrom: MAILER-DAEMON@%s (Mail Delivery System)\r\n", date,
                     m->hostname);
    rc |= buf_printf(&b, "To: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n", e->from);
    rc |= buf_printf(&b, "Message-ID: %s\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n",
                     msgid);
    rc |= buf_printf(&b,
                     "Content-Type: multipart/report; report-type=delivery-status;\r\n"
                     "\tboundary=\"%s\"\r\n\r\n",
                     boundary);
    rc |= buf_printf(&b, "--%s\r\nContent-Description: Notification\r\n", boundary);
    rc |= buf_printf(&b, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    rc |= buf_printf(&b, "This is the mail system at host %s.\r\n\r\n", m->hostname);
    rc |= buf_printf(&b, "I'm sorry to have to inform you that your message could not\r\n"
                         "be delivered to one or more recipients.\r\n\r\n");
    rc |= buf_printf(&b, "<%s>: %d %s%s%s\r\n\r\n", e->rcpts[rcpt], r->code, r->enhanced,
                     r->enhanced[0] ? " " : "", r->text);
    rc |= buf_printf(&b, "--%s\r\nContent-Description: Delivery report\r\n", boundary);
    rc |= buf_printf(&b, "Content-Type: message/delivery-status\r\n\r\n");
    rc |= buf_printf(&b, "Reporting-MTA: dns; %s\r\n\r\n", m->hostname);
    rc |= buf_printf(&b, "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: %s\r\n",
                     e->rcpts[rcpt], status);
    rc |= buf_printf(&b, "Diagnostic-Code: smtp; %d %s%s%s\r\n\r\n", r->code, r->enhanced,
                     r->enhanced[0] ? " " : "", r->text);
    rc |= buf_printf(&b, "--%s\r\nContent-Description: Undelivered Message Headers\r\n", boundary);
    rc |= buf_printf(&b, "Content-Type: text/rfc822-headers\r\n\r\n");
    rc |= buf_append(&b, e->data, header_len);
    rc |= buf_printf(&b, "\r\n--%s--\r\n", boundary);
    if (rc != 0) {
        abort();
    }
    char bounce_mail[128];
    snprintf(bounce_mail, sizeof bounce_mail, "%s-dsn", e->mail);
    char bare_id[256];
    snprintf(bare_id, sizeof bare_id, "%s@%s", local, m->hostname);
    mail_world_tag(mw, bare_id, bounce_mail);
    const char *to = e->from;
    mta_enqueue(m, bounce_mail, "", &to, 1, b.data, b.len);
    buf_free(&b);
}
