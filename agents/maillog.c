/* maillog: Postfix-style log lines in the trace. */
#include "maillog.h"

#include "message.h"
#include "strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A process id for (agent, program): the same in every run, different between programs. */
static unsigned maillog_pid(const char *agent, const char *program)
{
    uint32_t h = strmap_hash_more(strmap_hash(agent), program, strlen(program));
    return 1000 + h % 30000;
}

/* "Apr  1 09:00:02": syslog's RFC 3164 TIMESTAMP, taken from the RFC 5322 date of the same
 * moment ("Wed, 01 Apr 2026 09:00:02 +0900"). RFC 3164 §4.1.2: "If the day of the month is
 * less than 10, then it MUST be represented as a space and then the number." */
static void maillog_stamp(const struct mail_world *mw, char *out, size_t cap)
{
    char date[MESSAGE_DATE_SIZE], wd[8], mon[8], hms[16];
    int day = 0, year = 0;
    if (message_date_format((time_t)mail_world_time(mw), mw->tz_minutes, date, sizeof date) < 0 ||
        sscanf(date, "%7s %d %7s %d %15s", wd, &day, mon, &year, hms) != 5) {
        snprintf(out, cap, "Jan  1 00:00:00");
        return;
    }
    snprintf(out, cap, "%s %2d %s", mon, day, hms);
}

void maillog_line(struct mail_world *mw, const char *agent, const char *hostname,
                  const char *program, uint32_t conn, const char *fmt, ...)
{
    char stamp[32], host[64], text[MAILLOG_LINE_MAX], line[MAILLOG_LINE_MAX + 160];
    maillog_stamp(mw, stamp, sizeof stamp);
    /* syslog names the host by its short name, as Postfix's default myhostname prefix does. */
    size_t n = strcspn(hostname, ".");
    snprintf(host, sizeof host, "%.*s", (int)(n < sizeof host ? n : sizeof host - 1), hostname);
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (w < 0) {
        text[0] = 0;
    }
    snprintf(line, sizeof line, "%s %s %s[%u]: %s", stamp, host, program,
             maillog_pid(agent, program), text);
    trace_log(mw->tr, sim_now(mw->sim), agent, program, conn, line);
}

void maillog_client(const struct mail_world *mw, uint32_t conn, char *out, size_t cap)
{
    const struct trace_conn *c = trace_conn_get(mw->tr, conn);
    if (!c) {
        snprintf(out, cap, "unknown[unknown]");
        return;
    }
    char ip[16];
    sim_format_ipv4(trace_conn_seen_ip(mw->tr, c), ip, sizeof ip);
    uint32_t host = trace_conn_seen_host(mw->tr, c);
    snprintf(out, cap, "%s[%s]", trace_string(mw->tr, mw->tr->hosts[host].name), ip);
}
