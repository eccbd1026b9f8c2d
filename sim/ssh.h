/* ssh: a sans-I/O SSH port-forwarding endpoint, the "ssh -L 1110:localhost:110 server" lesson.
 * libssh (nonblocking) runs on one end of an in-process socketpair; the other end is ours:
 * what libssh writes becomes wire output, wire bytes fed in are written to it. No thread, no
 * network socket, no file. Like tls.h: the caller feeds the peer's bytes in, takes bytes to
 * send out, and reads/writes the plaintext of the one forwarded channel (direct-tcpip,
 * RFC 4254 7.2). Every call that can make progress pumps the endpoint until it is quiet, so
 * output is ready the moment an input or a write produced it; bytes may arrive in any cut.
 *
 * Client: banner and key exchange (RFC 4253), accepts the server's host key (its fingerprint
 * is kept for display, or checked against a pinned one, like known_hosts), password
 * authentication (RFC 4252 8), then opens a direct-tcpip channel to dest_host:dest_port
 * (originator 127.0.0.1:49152, the MUA's side of the -L port). Server: an Ed25519 host key, one
 * user and password, and exactly one direct-tcpip channel, to allow_host:allow_port; any other
 * channel is refused with SSH_MSG_CHANNEL_OPEN_FAILURE (administratively prohibited).
 *
 * Close: ssh_end_close() sends CHANNEL_EOF and CHANNEL_CLOSE after the queued plaintext; once
 * the peer's CHANNEL_CLOSE is back, that side sends SSH_MSG_DISCONNECT and is done. A side
 * that receives CHANNEL_CLOSE answers it at once (RFC 4254 5.3) and reports peer_closed. */
#ifndef MAILSIM_SSH_H
#define MAILSIM_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes queued either way before the endpoint refuses more (a runaway peer or agent). */
#define SSH_END_QUEUE_MAX ((size_t)1 << 24)

struct ssh_end;

/* A server host key (Ed25519), generated at run time. One key may serve many server
 * endpoints, so a client sees the same fingerprint on every connection (known_hosts). */
struct ssh_end_hostkey;
struct ssh_end_hostkey *ssh_end_hostkey_new(char *err, size_t errlen);
void ssh_end_hostkey_free(struct ssh_end_hostkey *k);
/* "SHA256:<43 characters of unpadded base64>", as ssh-keygen -l and OpenSSH print it. */
const char *ssh_end_hostkey_sha256(const struct ssh_end_hostkey *k);
/* "ssh-ed25519 AAAAC3Nza...": the public key as a known_hosts line holds it after the name. */
const char *ssh_end_hostkey_public(const struct ssh_end_hostkey *k);

/* A client logging in as user with password, forwarding to dest_host:dest_port as seen from
 * the server. Its identification string is ready at once in ssh_end_wire_output. Returns
 * NULL with a message in err (errlen bytes) when libssh or memory fails. */
struct ssh_end *ssh_end_client_new(const char *user, const char *password, const char *dest_host,
                                   uint16_t dest_port, char *err, size_t errlen);
/* Before any byte is fed: the client accepts only this host key ("SHA256:..."); another key
 * fails the handshake with "host key verification failed: ...". Returns 0, or -1 (too late
 * or e is a server). */
int ssh_end_client_pin_hostkey(struct ssh_end *e, const char *fingerprint);

/* A server for one user and password that allows one forward, to allow_host:allow_port (host
 * compared without case). key may be NULL: the server makes its own. The server's banner is
 * ready at once in ssh_end_wire_output. NULL with a message in err on failure. */
struct ssh_end *ssh_end_server_new(const char *user, const char *password, const char *allow_host,
                                   uint16_t allow_port, const struct ssh_end_hostkey *key,
                                   char *err, size_t errlen);
void ssh_end_free(struct ssh_end *e);

/* Bytes from the peer, any cut (one byte at a time works); then pumps. */
void ssh_end_feed_wire(struct ssh_end *e, const uint8_t *p, size_t n);
/* The peer closed its TCP side (FIN): libssh sees end of stream. */
void ssh_end_feed_eof(struct ssh_end *e);

/* Bytes to send: *out points at them (valid until the next call on e), the return value is
 * their length; consumed(n) drops the first n once the caller has put them on the wire. */
size_t ssh_end_wire_output(struct ssh_end *e, const uint8_t **out);
void ssh_end_wire_consumed(struct ssh_end *e, size_t n);

/* Queues plaintext for the channel; it is sent once the channel is open, in order, as the
 * peer's window allows. Returns 0, or -1 after a failure, a close, or at the queue limit. */
int ssh_end_write(struct ssh_end *e, const uint8_t *p, size_t n);
/* Plaintext that came through the channel: up to cap bytes into buf; 0 when none now. */
size_t ssh_end_read(struct ssh_end *e, uint8_t *buf, size_t cap);

/* Ends the forward: EOF and CLOSE on the channel after any queued plaintext, then, when the
 * peer's CLOSE is back, SSH_MSG_DISCONNECT (at once when there is no channel and, on a
 * client, nothing queued to forward). */
void ssh_end_close(struct ssh_end *e);

/* The channel is open (client: confirmed; server: accepted). */
bool ssh_end_ready(const struct ssh_end *e);
/* The peer sent EOF/CLOSE on the channel or ended the connection, and all its plaintext has
 * been read. */
bool ssh_end_peer_closed(const struct ssh_end *e);
/* The SSH connection is over (disconnect sent or received, or a failure) and all wire output
 * has been taken: the caller may close the TCP connection. */
bool ssh_end_done(const struct ssh_end *e);
/* NULL while all is well; after a fatal error a readable reason, e.g. "authentication failed:
 * the server rejected the password for bob" (client), "authentication failed: 1 wrong
 * password for bob" (server, once the client has gone), "port forwarding to mx.b.example:25
 * refused by the server (administratively prohibited)", "host key verification failed: the
 * server offered SHA256:..., known_hosts has SHA256:...". A failed side sends DISCONNECT. */
const char *ssh_end_error(const struct ssh_end *e);
/* Client: the server's host key ("SHA256:...") once received; server: its own. */
const char *ssh_end_hostkey_fingerprint(const struct ssh_end *e);
/* The peer's identification string, e.g. "SSH-2.0-libssh_0.10.6" (NULL before it came). */
const char *ssh_end_banner(const struct ssh_end *e);
/* What the endpoint noted, one line each, oldest first, in sshd's words where there are any:
 * "Accepted password for bob", "Failed password for bob", "refused direct-tcpip to
 * mx.b.example:25", ... ("" when nothing yet). */
const char *ssh_end_log(const struct ssh_end *e);

#endif
