/* maillog: lines of a mail server's log as Postfix writes them through syslog ("Apr  1 09:00:02
 * mx postfix/smtpd[2345]: ..."), recorded in the trace as "log" events. Only agents whose
 * scenario asks for a log ("maillog": true) write one, so other traces stay as they were. */
#ifndef MAILSIM_MAILLOG_H
#define MAILSIM_MAILLOG_H

#include "world.h"

#include <stdint.h>

/* The longest line kept; longer ones are cut (Postfix's own limit is about 2 KB too). */
#define MAILLOG_LINE_MAX 2048

/* Records one line for agent on host hostname from program ("postfix/smtpd"), about conn (0
 * for none). The syslog prefix is made from the virtual clock in the world's time zone, the
 * host's first label and a process id that stays the same for agent and program. */
void maillog_line(struct mail_world *mw, const char *agent, const char *hostname,
                  const char *program, uint32_t conn, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* "name[192.0.2.10]" for the client of conn as the server saw it (the NAT's when there was
 * one), as Postfix names a client. */
void maillog_client(const struct mail_world *mw, uint32_t conn, char *out, size_t cap);

#endif
