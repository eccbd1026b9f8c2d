/* smtpd_settings: the Postfix smtpd parameters a scenario can set for an MSA's or an MTA's SMTP
 * service, shared by msa.h, mta.h and smtpd.h. */
#ifndef MAILSIM_SMTPD_SETTINGS_H
#define MAILSIM_SMTPD_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

/* Postfix smtpd parameters, which a scenario sets under the same names (smtp_server.h says what
 * each does). The scenario's defaults are Postfix's (in brackets); zero turns a limit or a wait
 * off. */
struct smtpd_settings {
    bool helo_required;           /* smtpd_helo_required [no] */
    bool strict_rfc821_envelopes; /* strict_rfc821_envelopes [no] */
    bool disable_vrfy_command;    /* disable_vrfy_command [no] */
    bool reject_bare_newline;     /* smtpd_forbid_bare_newline = reject [normalize] */
    unsigned soft_error_limit;    /* smtpd_soft_error_limit [10] */
    unsigned hard_error_limit;    /* smtpd_hard_error_limit [20] */
    uint64_t error_sleep_us;      /* smtpd_error_sleep_time [1s] */
    /* The auth_failure_delay of the Dovecot SASL server behind AUTH [2s]: Postfix's 535 waits
     * for its answer. */
    uint64_t auth_failure_delay_us;
};

#endif
