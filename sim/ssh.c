/* ssh: the sans-I/O SSH port-forwarding endpoint (see ssh.h). libssh wants a file descriptor,
 * so each endpoint owns a socketpair: libssh gets one end, nonblocking, and we keep the other.
 * pump() moves fed bytes into our end, steps a small state machine made of libssh's
 * nonblocking calls (each polls its socket once with a zero timeout), and drains what libssh
 * wrote into the wire buffer, until a round makes no progress. Nothing here ever waits. */
#include "ssh.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The originator of the forwarded connection (RFC 4254 7.2): the MUA's socket on the
 * client's loopback, as ssh reports it for a connection accepted on the -L port. */
#define ORIGIN_HOST "127.0.0.1"
#define ORIGIN_PORT 49152

/* Plaintext handed to libssh per channel write: one maximum-size channel packet. */
#define WRITE_CHUNK 32768

/* A pump makes progress a bounded number of rounds; a round without progress ends it. */
#define PUMP_ROUNDS 100000

struct ssh_end_hostkey {
    ssh_key key;
    char fingerprint[96];
    char pub[192];
};

enum phase {
    PH_HANDSHAKE, /* client: ssh_connect; server: ssh_handle_key_exchange */
    PH_AUTH,      /* client: ssh_userauth_password; server: waits for auth and the channel */
    PH_OPEN,      /* client: ssh_channel_open_forward */
    PH_DATA,      /* the channel is open */
    PH_OVER       /* disconnected, either way, or failed */
};

struct ssh_end {
    bool server;
    enum phase phase;
    ssh_session session;
    ssh_channel channel;
    struct ssh_channel_callbacks_struct chan_cb;
    struct ssh_server_callbacks_struct server_cb;
    int fd;          /* our end of the socketpair */
    int lib_fd;      /* libssh's end; -1 once closed or known closed */
    bool lib_handed; /* libssh has lib_fd (it may close it: see lib_release) */
    struct buf in;   /* fed wire bytes not yet written into fd */
    struct buf out;  /* wire bytes libssh wrote, to send */
    struct buf tx;   /* plaintext queued for the channel */
    struct buf rx;   /* plaintext from the channel, for the caller */
    struct buf log;  /* noted lines */
    char *user, *password, *host;
    uint16_t port;
    char pin[96];
    char fingerprint[96];
    char banner[256];
    char err[300];
    bool failed;
    bool closing;        /* ssh_end_close called */
    bool eof_in;         /* ssh_end_feed_eof called */
    bool eof_in_done;    /* ... and our end shut for writing */
    bool lib_closed;     /* libssh closed its end: end of stream read from fd */
    bool authenticated;  /* server: the password was accepted */
    int auth_failures;   /* server: wrong passwords */
    bool chan_eof_in;    /* CHANNEL_EOF received */
    bool chan_close_in;  /* CHANNEL_CLOSE received */
    bool chan_close_out; /* CHANNEL_CLOSE sent */
    bool rx_done;        /* nothing more will come from the channel */
    bool want_disconnect;
    const char *bye;   /* the reason our DISCONNECT gives, when not the usual one */
    int flush_tries;   /* polls spent flushing before DISCONNECT */
    bool disconnected; /* ssh_disconnect called */
    bool peer_gone;    /* the peer ended the connection */
};

/* ---- small helpers ---- */

static void note(struct ssh_end *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ssh_end *e, const char *fmt, ...)
{
    char line[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    if (n == sizeof line - 1) {
        n--; /* cut short: the newline takes the last character's place */
    }
    line[n++] = '\n';
    if (buf_append(&e->log, line, n) == 0) {
        e->log.data[e->log.len] = '\0'; /* buf keeps a spare byte for it */
    }
}

static void fail(struct ssh_end *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct ssh_end *e, const char *fmt, ...)
{
    if (e->failed) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    e->failed = true;
    e->want_disconnect = true;
    note(e, "error: %s", e->err);
}

static void set_err(char *err, size_t errlen, const char *what, const char *detail)
{
    if (err && errlen) {
        snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    }
}

static int key_fingerprint(const ssh_key key, char *out, size_t cap)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0) {
        return -1;
    }
    char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    ssh_clean_pubkey_hash(&hash);
    if (!fp) {
        return -1;
    }
    snprintf(out, cap, "%s", fp);
    ssh_string_free_char(fp);
    return 0;
}

static int nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Bytes libssh has not yet read from its end (0 once it closed it). */
static int lib_unread(const struct ssh_end *e)
{
    int fd = ssh_get_fd(e->session);
    int n = 0;
    if (fd < 0 || ioctl(fd, FIONREAD, &n) < 0) {
        return 0;
    }
    return n;
}

/* libssh is done with its end (after ssh_disconnect or ssh_free). Whether it closed it
 * depends on the path: ssh_free and a socket error close it, but ssh_disconnect leaves an fd
 * the client got through SSH_OPTIONS_FD open (libssh 0.10). Our end tells which, without
 * guessing: end of stream means closed; "would block" means the fd is still open, and ours. */
static void lib_release(struct ssh_end *e, bool keep_bytes)
{
    if (!e->lib_handed || e->lib_fd < 0) {
        return;
    }
    uint8_t tmp[4096];
    for (;;) {
        ssize_t n = recv(e->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n > 0) {
            if (keep_bytes && buf_append(&e->out, tmp, (size_t)n) < 0) {
                keep_bytes = false;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            close(e->lib_fd); /* still open: libssh let it go */
        }
        break;
    }
    e->lib_fd = -1;
}

/* ---- host keys ---- */

struct ssh_end_hostkey *ssh_end_hostkey_new(char *err, size_t errlen)
{
    struct ssh_end_hostkey *k = calloc(1, sizeof *k);
    if (!k) {
        set_err(err, errlen, "out of memory", NULL);
        return NULL;
    }
    char *b64 = NULL;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k->key) != SSH_OK) {
        set_err(err, errlen, "cannot generate an Ed25519 host key", NULL);
    } else if (key_fingerprint(k->key, k->fingerprint, sizeof k->fingerprint) < 0 ||
               ssh_pki_export_pubkey_base64(k->key, &b64) != SSH_OK) {
        set_err(err, errlen, "cannot export the host key", NULL);
    } else {
        snprintf(k->pub, sizeof k->pub, "%s %s", ssh_key_type_to_char(ssh_key_type(k->key)), b64);
        ssh_string_free_char(b64);
        return k;
    }
    ssh_end_hostkey_free(k);
    return NULL;
}

void ssh_end_hostkey_free(struct ssh_end_hostkey *k)
{
    if (k) {
        ssh_key_free(k->key);
        free(k);
    }
}

const char *ssh_end_hostkey_sha256(const struct ssh_end_hostkey *k)
{
    return k->fingerprint;
}

const char *ssh_end_hostkey_public(const struct ssh_end_hostkey *k)
{
    return k->pub;
}

/* ---- moving bytes ---- */

/* Writes fed bytes into our end; true when some went in. */
static bool push_in(struct ssh_end *e)
{
    bool moved = false;
    while (e->in.len > 0) {
        if (e->lib_closed) {
            buf_clear(&e->in); /* nobody reads any more */
            break;
        }
        ssize_t n = send(e->fd, e->in.data, e->in.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf_consume(&e->in, (size_t)n);
            moved = true;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                buf_clear(&e->in); /* EPIPE: libssh closed its end */
            }
            break;
        }
    }
    if (e->eof_in && !e->eof_in_done && e->in.len == 0) {
        shutdown(e->fd, SHUT_WR);
        e->eof_in_done = true;
        moved = true;
    }
    return moved;
}

/* Moves what libssh wrote into the wire buffer; true when some came. */
static bool drain(struct ssh_end *e)
{
    bool moved = false;
    uint8_t tmp[16384];
    while (!e->lib_closed) {
        ssize_t n = recv(e->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n > 0) {
            if (buf_append(&e->out, tmp, (size_t)n) < 0) {
                fail(e, "outgoing bytes exceed the queue limit");
                return moved;
            }
            moved = true;
        } else if (n == 0) {
            e->lib_closed = true;
            moved = true;
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                e->lib_closed = true;
            }
            break;
        }
    }
    return moved;
}

/* ---- the channel ---- */

static void on_chan_eof(ssh_session session, ssh_channel channel, void *userdata)
{
    (void)session;
    (void)channel;
    struct ssh_end *e = userdata;
    e->chan_eof_in = true;
}

static void on_chan_close(ssh_session session, ssh_channel channel, void *userdata)
{
    (void)session;
    (void)channel;
    struct ssh_end *e = userdata;
    e->chan_close_in = true;
}

static void channel_attach(struct ssh_end *e, ssh_channel channel)
{
    e->channel = channel;
    memset(&e->chan_cb, 0, sizeof e->chan_cb);
    ssh_callbacks_init(&e->chan_cb);
    e->chan_cb.userdata = e;
    e->chan_cb.channel_eof_function = on_chan_eof;
    e->chan_cb.channel_close_function = on_chan_close;
    ssh_set_channel_callbacks(channel, &e->chan_cb);
}

/* Channel data into rx, then queued plaintext out, then the close handshake. */
static bool channel_step(struct ssh_end *e)
{
    bool moved = false;
    ssh_channel ch = e->channel;
    uint8_t tmp[16384];
    while (!e->rx_done && buf_can_append(&e->rx, sizeof tmp)) {
        int n = ssh_channel_read_nonblocking(ch, tmp, sizeof tmp, 0);
        if (n > 0) {
            buf_append(&e->rx, tmp, (size_t)n);
            moved = true;
        } else if (n == SSH_EOF ||
                   (n < 0 && (e->chan_eof_in || e->chan_close_in || e->chan_close_out))) {
            e->rx_done = true;
            moved = true;
        } else if (n < 0) {
            if (!ssh_is_connected(e->session)) {
                return moved; /* the session ended: see session_ended */
            }
            fail(e, "channel read failed: %s", ssh_get_error(e->session));
            return true;
        } else {
            if (e->chan_close_in || e->chan_close_out) {
                e->rx_done = e->chan_close_in; /* nothing follows a CLOSE */
            }
            break;
        }
    }
    if (e->chan_close_in && !e->chan_close_out) {
        /* RFC 4254 5.3: answer a CLOSE with a CLOSE; unsent plaintext has nowhere to go. */
        buf_clear(&e->tx);
        ssh_channel_close(ch);
        e->chan_close_out = true;
        moved = true;
    }
    while (!e->chan_close_out && e->tx.len > 0) {
        uint32_t window = ssh_channel_window_size(ch);
        size_t n = e->tx.len < WRITE_CHUNK ? e->tx.len : WRITE_CHUNK;
        if (n > window) {
            n = window;
        }
        if (n == 0) {
            break;
        }
        int rc = ssh_channel_write(ch, e->tx.data, (uint32_t)n);
        if (rc < 0) {
            if (!ssh_is_connected(e->session)) {
                return moved;
            }
            fail(e, "channel write failed: %s", ssh_get_error(e->session));
            return true;
        }
        if (rc == 0) {
            break;
        }
        buf_consume(&e->tx, (size_t)rc);
        moved = true;
    }
    if (e->closing && !e->chan_close_out && e->tx.len == 0) {
        ssh_channel_close(ch); /* EOF, then CLOSE */
        e->chan_close_out = true;
        moved = true;
    }
    if (e->closing && e->chan_close_out && e->chan_close_in && !e->want_disconnect) {
        e->want_disconnect = true;
        moved = true;
    }
    return moved;
}

/* ---- the server's callbacks ---- */

static int on_auth_password(ssh_session session, const char *user, const char *password,
                            void *userdata)
{
    (void)session;
    struct ssh_end *e = userdata;
    if (!e->authenticated && strcmp(user, e->user) == 0 && strcmp(password, e->password) == 0) {
        e->authenticated = true;
        note(e, "Accepted password for %s", user);
        return SSH_AUTH_SUCCESS;
    }
    e->auth_failures++;
    note(e, "Failed password for %s%s", strcmp(user, e->user) == 0 ? "" : "invalid user ", user);
    return SSH_AUTH_DENIED;
}

/* Everything the password callback did not take: channel opens are decided here; the rest
 * (the ssh-userauth service request, other auth methods, global and channel requests) gets
 * libssh's default answer (return 1). */
static int on_message(ssh_session session, ssh_message msg, void *userdata)
{
    (void)session;
    struct ssh_end *e = userdata;
    if (ssh_message_type(msg) != SSH_REQUEST_CHANNEL_OPEN) {
        return 1;
    }
    if (ssh_message_subtype(msg) != SSH_CHANNEL_DIRECT_TCPIP) {
        note(e, "refused channel open (type %d): only port forwarding is allowed",
             ssh_message_subtype(msg));
        return 1;
    }
    const char *dest = ssh_message_channel_request_open_destination(msg);
    int dport = ssh_message_channel_request_open_destination_port(msg);
    const char *orig = ssh_message_channel_request_open_originator(msg);
    int oport = ssh_message_channel_request_open_originator_port(msg);
    if (!dest || !orig) {
        return 1;
    }
    if (e->channel || !e->authenticated || e->closing || e->failed) {
        note(e, "refused direct-tcpip to %s:%d: one forward per connection", dest, dport);
        return 1;
    }
    if (strcasecmp(dest, e->host) != 0 || dport != e->port) {
        note(e, "refused direct-tcpip to %s:%d: only %s:%u is allowed", dest, dport, e->host,
             (unsigned)e->port);
        return 1;
    }
    ssh_channel ch = ssh_message_channel_request_open_reply_accept(msg);
    if (!ch) {
        fail(e, "cannot accept the channel: %s", ssh_get_error(e->session));
        return 0;
    }
    channel_attach(e, ch);
    e->phase = PH_DATA;
    note(e, "direct-tcpip to %s:%d from %s:%d", dest, dport, orig, oport);
    return 0;
}

/* ---- the state machine ---- */

static const char disconnect_prefix[] = "Received SSH_MSG_DISCONNECT: ";

/* The peer's reason when libssh's error is "Received SSH_MSG_DISCONNECT: 11:Bye Bye", without
 * the code; else NULL. */
static const char *disconnect_reason(const char *why)
{
    if (strncmp(why, disconnect_prefix, sizeof disconnect_prefix - 1) != 0) {
        return NULL;
    }
    why += sizeof disconnect_prefix - 1;
    why += strspn(why, "0123456789");
    return *why == ':' ? why + 1 : why;
}

/* libssh's reason for a failed call, with a DISCONNECT from the peer said plainly. */
static void fail_lib(struct ssh_end *e, const char *what)
{
    const char *why = ssh_get_error(e->session);
    const char *reason = disconnect_reason(why);
    if (reason) {
        fail(e, "%s: the %s disconnected (%s)", what, e->server ? "client" : "server", reason);
    } else {
        fail(e, "%s: %s", what, why);
    }
}

static void take_banner(struct ssh_end *e)
{
    if (e->banner[0] == '\0') {
        const char *b =
            e->server ? ssh_get_clientbanner(e->session) : ssh_get_serverbanner(e->session);
        if (b) {
            snprintf(e->banner, sizeof e->banner, "%s", b);
        }
    }
}

/* The client has the server's host key: keep its fingerprint, check a pinned one. */
static void client_hostkey(struct ssh_end *e)
{
    ssh_key key = NULL;
    if (ssh_get_server_publickey(e->session, &key) != SSH_OK ||
        key_fingerprint(key, e->fingerprint, sizeof e->fingerprint) < 0) {
        ssh_key_free(key);
        fail(e, "cannot read the server's host key");
        return;
    }
    ssh_key_free(key);
    note(e, "Server host key: %s", e->fingerprint);
    if (e->pin[0] && strcmp(e->pin, e->fingerprint) != 0) {
        e->bye = "host key verification failed";
        fail(e, "host key verification failed: the server offered %s, known_hosts has %s",
             e->fingerprint, e->pin);
    }
}

/* One move of the handshake; true when the phase changed. */
/* Where a nonblocking handshake call leaves either side: done (SSH_OK) is authentication next,
 * unless the side has failed already; SSH_ERROR fails with what; SSH_AGAIN waits for bytes.
 * Returns whether the step moved. */
static bool handshake_step(struct ssh_end *e, int rc, const char *what)
{
    if (rc == SSH_OK) {
        if (!e->failed) {
            e->phase = PH_AUTH;
        }
        return true;
    }
    if (rc == SSH_ERROR) {
        fail_lib(e, what);
        return true;
    }
    return false;
}

static bool client_step(struct ssh_end *e)
{
    int rc;
    switch (e->phase) {
    case PH_HANDSHAKE:
        rc = ssh_connect(e->session);
        /* On the first writable poll libssh takes the fd for a socket that has just finished
         * a nonblocking connect and makes it blocking. A blocking write bigger than the
         * socket's buffer would wait for us, its only reader, forever: undo that. */
        if (ssh_get_fd(e->session) >= 0) {
            nonblocking(ssh_get_fd(e->session));
        }
        take_banner(e);
        if (rc == SSH_OK) {
            client_hostkey(e);
        }
        return handshake_step(e, rc, "connection failed");
    case PH_AUTH:
        rc = ssh_userauth_password(e->session, NULL, e->password);
        if (rc == SSH_AUTH_SUCCESS) {
            note(e, "Authenticated to the server as %s (password)", e->user);
            ssh_channel ch = ssh_channel_new(e->session);
            if (!ch) {
                fail(e, "out of memory for the channel");
                return true;
            }
            channel_attach(e, ch);
            e->phase = PH_OPEN;
            return true;
        }
        if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL) {
            e->bye = "authentication failed";
            fail(e, "authentication failed: the server rejected the password for %s", e->user);
            return true;
        }
        if (rc == SSH_AUTH_ERROR) {
            fail_lib(e, "authentication failed");
            return true;
        }
        return false;
    case PH_OPEN:
        rc = ssh_channel_open_forward(e->channel, e->host, e->port, ORIGIN_HOST, ORIGIN_PORT);
        if (rc == SSH_OK) {
            note(e, "direct-tcpip channel to %s:%u open", e->host, (unsigned)e->port);
            e->phase = PH_DATA;
            return true;
        }
        if (rc == SSH_ERROR) {
            /* libssh says "Channel opening failure: channel 43 error (1) <description>". */
            static const char *const reasons[] = {"", "administratively prohibited",
                                                  "connect failed", "unknown channel type",
                                                  "resource shortage"};
            const char *why = ssh_get_error(e->session);
            const char *code = strstr(why, "error (");
            long n = code ? strtol(code + 7, NULL, 10) : 0;
            e->bye = "port forwarding refused";
            if (n >= 1 && n <= 4) { /* RFC 4254 5.1 */
                fail(e, "port forwarding to %s:%u refused by the server (%s)", e->host,
                     (unsigned)e->port, reasons[n]);
            } else {
                fail(e, "port forwarding to %s:%u failed: %s", e->host, (unsigned)e->port, why);
            }
            return true;
        }
        return false;
    default:
        return false;
    }
}

static bool server_step(struct ssh_end *e)
{
    switch (e->phase) {
    case PH_HANDSHAKE: {
        int rc = ssh_handle_key_exchange(e->session);
        take_banner(e);
        return handshake_step(e, rc, "key exchange failed");
    }
    case PH_AUTH: {
        /* Reads and handles what came; the callbacks answer it and may open the channel. */
        enum phase before = e->phase;
        ssh_execute_message_callbacks(e->session);
        return e->phase != before || e->failed;
    }
    default:
        return false;
    }
}

/* The session ended under us (DISCONNECT received, end of stream, a protocol error). */
static void session_ended(struct ssh_end *e)
{
    const char *why = ssh_get_error(e->session);
    const char *reason = disconnect_reason(why);
    bool by_peer = reason != NULL;
    e->peer_gone = true;
    if (by_peer) {
        note(e, "Received disconnect: %s", reason);
    }
    bool channel_done = e->channel && (e->chan_close_out || e->chan_close_in);
    if (e->failed || e->closing || channel_done) {
        /* an expected end */
    } else if (e->server && !e->authenticated && e->auth_failures > 0) {
        fail(e, "authentication failed: %d wrong password%s for %s", e->auth_failures,
             e->auth_failures == 1 ? "" : "s", e->user);
    } else if (by_peer && (e->phase == PH_DATA || (e->server && e->authenticated))) {
        /* a client may leave at any time after logging in (say, its forward was refused), and
         * either side may end the connection with the channel open, like closing TCP */
    } else {
        fail(e, "connection closed: %s", by_peer ? reason : why);
    }
    e->rx_done = true;
    e->want_disconnect = true;
}

/* libssh writes a packet straight to the socket only when a poll since its last write found
 * the socket writable; otherwise the packet waits in libssh for the next poll, which also
 * reads. SSH_WRITE_PENDING says a poll is due: one more round makes it. */
static bool write_pending(const struct ssh_end *e)
{
    return (ssh_get_poll_flags(e->session) & SSH_WRITE_PENDING) != 0;
}

/* Sends DISCONNECT (and frees the channel). ssh_disconnect does not wait for its packet to be
 * written, and closes or forgets the socket at once: so first poll until nothing is pending,
 * which leaves the socket marked writable and the packet goes out. */
static bool disconnect_step(struct ssh_end *e)
{
    if (!e->want_disconnect || e->disconnected) {
        return false;
    }
    if (!e->peer_gone && ssh_get_fd(e->session) >= 0 && write_pending(e) && e->flush_tries < 16) {
        e->flush_tries++;
        ssh_execute_message_callbacks(e->session);
        return true;
    }
    /* RFC 4253 11.1: the reason travels in the (encrypted) DISCONNECT. */
    const char *bye = e->bye ? e->bye : e->failed ? "protocol error" : "disconnected by user";
    ssh_session_set_disconnect_message(e->session, bye);
    ssh_disconnect(e->session);
    e->channel = NULL;
    lib_release(e, true);
    e->disconnected = true;
    e->rx_done = true;
    e->phase = PH_OVER;
    return true;
}

static bool step(struct ssh_end *e)
{
    bool moved = false;
    if (e->phase != PH_OVER && !e->failed) {
        int unread = lib_unread(e);
        moved |= e->server ? server_step(e) : client_step(e);
        if (!e->failed && e->phase == PH_DATA && e->channel) {
            /* Reads and handles what came (the channel's reads stop after its EOF). */
            ssh_execute_message_callbacks(e->session);
            moved |= channel_step(e);
        }
        if (!e->failed && e->closing && e->phase < PH_DATA && (e->server || e->tx.len == 0) &&
            !e->want_disconnect) {
            e->want_disconnect = true; /* nothing to forward: just leave */
            moved = true;
        }
        if (!e->failed && e->phase != PH_HANDSHAKE && !ssh_is_connected(e->session)) {
            session_ended(e);
            moved = true;
        }
        if (!e->failed && e->phase != PH_OVER && write_pending(e)) {
            /* Flushes (drain sees the bytes) and reads what came (lib_unread drops). */
            ssh_execute_message_callbacks(e->session);
        }
        moved |= lib_unread(e) < unread;
    }
    moved |= disconnect_step(e);
    return moved;
}

static void pump(struct ssh_end *e)
{
    for (int round = 0; round < PUMP_ROUNDS; round++) {
        bool moved = push_in(e);
        moved |= step(e);
        moved |= drain(e);
        if (!moved) {
            return;
        }
    }
}

/* ---- construction ---- */

static struct ssh_end *end_new(bool server, const char *user, const char *password,
                               const char *host, uint16_t port, char *err, size_t errlen)
{
    struct ssh_end *e = calloc(1, sizeof *e);
    if (!e) {
        set_err(err, errlen, "out of memory", NULL);
        return NULL;
    }
    e->server = server;
    e->fd = e->lib_fd = -1;
    e->port = port;
    buf_init(&e->in, SSH_END_QUEUE_MAX);
    buf_init(&e->out, SSH_END_QUEUE_MAX);
    buf_init(&e->tx, SSH_END_QUEUE_MAX);
    buf_init(&e->rx, SSH_END_QUEUE_MAX);
    buf_init(&e->log, 1 << 20);
    e->user = strdup(user);
    e->password = strdup(password);
    e->host = strdup(host);
    int sv[2];
    if (!e->user || !e->password || !e->host) {
        set_err(err, errlen, "out of memory", NULL);
    } else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        set_err(err, errlen, "socketpair", strerror(errno));
    } else {
        e->fd = sv[0];
        e->lib_fd = sv[1];
        if (nonblocking(e->fd) == 0 && nonblocking(e->lib_fd) == 0) {
            e->session = ssh_new();
            if (e->session) {
                return e;
            }
            set_err(err, errlen, "libssh: cannot create a session", NULL);
        } else {
            set_err(err, errlen, "fcntl", strerror(errno));
        }
    }
    ssh_end_free(e);
    return NULL;
}

struct ssh_end *ssh_end_client_new(const char *user, const char *password, const char *dest_host,
                                   uint16_t dest_port, char *err, size_t errlen)
{
    struct ssh_end *e = end_new(false, user, password, dest_host, dest_port, err, errlen);
    if (!e) {
        return NULL;
    }
    ssh_session s = e->session;
    int verbosity = SSH_LOG_NOLOG;
    bool no = false;
    /* No configuration file, no home directory, no user's key: the only file libssh opens is
     * /dev/null, as known_hosts (it reads it to order the host key algorithms); the lesson's
     * known_hosts is the pinned fingerprint. The host name is only a label: SSH never sends
     * it. SSH_OPTIONS_FD goes last: from then on the fd is libssh's (see lib_release). */
    if (ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_HOST, "ssh-server") < 0 ||
        ssh_options_set(s, SSH_OPTIONS_USER, user) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_SSH_DIR, "/nonexistent/.ssh") < 0 ||
        ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
        ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
        ssh_options_set(s, SSH_OPTIONS_FD, &e->lib_fd) < 0) {
        set_err(err, errlen, "libssh options", ssh_get_error(s));
        ssh_end_free(e);
        return NULL;
    }
    e->lib_handed = true;
    ssh_set_blocking(s, 0);
    pump(e);
    return e;
}

int ssh_end_client_pin_hostkey(struct ssh_end *e, const char *fingerprint)
{
    if (e->server || e->phase != PH_HANDSHAKE || e->banner[0] ||
        strlen(fingerprint) >= sizeof e->pin) {
        return -1;
    }
    snprintf(e->pin, sizeof e->pin, "%s", fingerprint);
    return 0;
}

struct ssh_end *ssh_end_server_new(const char *user, const char *password, const char *allow_host,
                                   uint16_t allow_port, const struct ssh_end_hostkey *key,
                                   char *err, size_t errlen)
{
    struct ssh_end *e = end_new(true, user, password, allow_host, allow_port, err, errlen);
    if (!e) {
        return NULL;
    }
    struct ssh_end_hostkey *own = NULL;
    if (!key) {
        own = ssh_end_hostkey_new(err, errlen);
        if (!own) {
            ssh_end_free(e);
            return NULL;
        }
        key = own;
    }
    snprintf(e->fingerprint, sizeof e->fingerprint, "%s", key->fingerprint);
    ssh_bind bind = ssh_bind_new();
    ssh_key dup = ssh_key_dup(key->key);
    ssh_end_hostkey_free(own);
    int verbosity = SSH_LOG_NOLOG;
    bool no = false;
    int rc = -1;
    if (!bind || !dup) {
        set_err(err, errlen, "libssh: out of memory", NULL);
    } else if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
               ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) < 0) {
        set_err(err, errlen, "libssh bind options", ssh_get_error(bind));
    } else if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, dup) < 0) {
        set_err(err, errlen, "libssh: cannot use the host key", ssh_get_error(bind));
    } else {
        dup = NULL; /* the bind owns it */
        if (ssh_bind_accept_fd(bind, e->session, e->lib_fd) != SSH_OK) {
            set_err(err, errlen, "libssh: accept", ssh_get_error(bind));
        } else {
            rc = 0;
        }
        e->lib_handed = true;
    }
    ssh_key_free(dup);
    ssh_bind_free(bind);
    if (rc < 0) {
        ssh_end_free(e);
        return NULL;
    }
    ssh_session s = e->session;
    ssh_set_blocking(s, 0);
    memset(&e->server_cb, 0, sizeof e->server_cb);
    ssh_callbacks_init(&e->server_cb);
    e->server_cb.userdata = e;
    e->server_cb.auth_password_function = on_auth_password;
    ssh_set_server_callbacks(s, &e->server_cb);
    ssh_set_message_callback(s, on_message, e);
    ssh_set_auth_methods(s, SSH_AUTH_METHOD_PASSWORD);
    pump(e);
    return e;
}

void ssh_end_free(struct ssh_end *e)
{
    if (!e) {
        return;
    }
    if (e->channel) {
        ssh_channel_free(e->channel);
    }
    if (e->session) {
        ssh_free(e->session);
    }
    if (e->lib_handed) {
        lib_release(e, false);
    } else if (e->lib_fd >= 0) {
        close(e->lib_fd);
    }
    if (e->fd >= 0) {
        close(e->fd);
    }
    buf_free(&e->in);
    buf_free(&e->out);
    buf_free(&e->tx);
    buf_free(&e->rx);
    buf_free(&e->log);
    if (e->password) {
        memset(e->password, 0, strlen(e->password));
    }
    free(e->user);
    free(e->password);
    free(e->host);
    free(e);
}

/* ---- the interface ---- */

void ssh_end_feed_wire(struct ssh_end *e, const uint8_t *p, size_t n)
{
    if (e->eof_in || e->lib_closed) {
        return;
    }
    if (buf_append(&e->in, p, n) < 0) {
        fail(e, "incoming bytes exceed the queue limit");
    }
    pump(e);
}

void ssh_end_feed_eof(struct ssh_end *e)
{
    e->eof_in = true;
    pump(e);
}

size_t ssh_end_wire_output(struct ssh_end *e, const uint8_t **out)
{
    pump(e);
    *out = e->out.data;
    return e->out.len;
}

void ssh_end_wire_consumed(struct ssh_end *e, size_t n)
{
    buf_consume(&e->out, n);
}

int ssh_end_write(struct ssh_end *e, const uint8_t *p, size_t n)
{
    if (e->failed || e->closing || e->chan_close_out || e->phase == PH_OVER ||
        buf_append(&e->tx, p, n) < 0) {
        return -1;
    }
    pump(e);
    return e->failed ? -1 : 0;
}

size_t ssh_end_read(struct ssh_end *e, uint8_t *buf, size_t cap)
{
    size_t n = e->rx.len < cap ? e->rx.len : cap;
    if (n > 0) {
        memcpy(buf, e->rx.data, n);
        buf_consume(&e->rx, n);
        pump(e); /* room for more */
    }
    return n;
}

void ssh_end_close(struct ssh_end *e)
{
    e->closing = true;
    pump(e);
}

bool ssh_end_ready(const struct ssh_end *e)
{
    return e->phase == PH_DATA && e->channel && !e->failed;
}

bool ssh_end_peer_closed(const struct ssh_end *e)
{
    return (e->chan_eof_in || e->chan_close_in || e->peer_gone) && e->rx_done && e->rx.len == 0;
}

bool ssh_end_done(const struct ssh_end *e)
{
    return e->phase == PH_OVER && e->lib_closed && e->out.len == 0;
}

const char *ssh_end_error(const struct ssh_end *e)
{
    return e->failed ? e->err : NULL;
}

const char *ssh_end_hostkey_fingerprint(const struct ssh_end *e)
{
    return e->fingerprint[0] ? e->fingerprint : NULL;
}

const char *ssh_end_banner(const struct ssh_end *e)
{
    return e->banner[0] ? e->banner : NULL;
}

const char *ssh_end_log(const struct ssh_end *e)
{
    return e->log.len ? (const char *)e->log.data : "";
}
