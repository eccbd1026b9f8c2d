/* serve: live mode. Real mail clients (Thunderbird, swaks, msmtp, curl, Python's smtplib and
 * poplib, Postfix's smtp-source) connect to loopback ports; each real connection becomes a
 * simulated one from a "live" host into the scenario, and the simulation runs in real time,
 * so the very message a client sent travels the nine steps. The agents do not change: only
 * their outer edges meet real sockets (DESIGN.md principle 1). TLS ends in the simulated
 * servers, with the scenario CA (--ca-out writes it for clients to trust). */
#ifndef MAILSIM_SERVE_H
#define MAILSIM_SERVE_H

/* `mailsim serve [SCENARIO] [options]`: argv[0] is "serve". Returns the exit status. */
int serve_main(int argc, char **argv);

#endif
