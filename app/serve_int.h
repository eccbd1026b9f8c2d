/* serve_int: what the three parts of live mode share. serve_bridge.c moves bytes between real
 * sockets and simulated connections (epoll, the clock, timeouts); serve_world.c puts the live
 * hosts into the scenario's world; serve.c is the command line, the outputs and the window. */
#ifndef MAILSIM_SERVE_INT_H
#define MAILSIM_SERVE_INT_H

#include "buf.h"
#include "scenario.h"
#include "trace.h"
#include "world.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum serve_kind { SERVE_SUBMISSION, SERVE_SMTPS, SERVE_SMTP, SERVE_POP3, SERVE_POP3S, SERVE_N };

struct serve;

struct serve_service {
    enum serve_kind kind;
    int fd;        /* listening socket, -1 when not offered */
    uint16_t port; /* the real port */
    int target;    /* simulated host of the server */
    int from;      /* the live host real clients of this service play */
    const char *from_agent;
};

/* A real connection and the simulated one it drives. */
struct serve_conn {
    struct serve *sv;
    struct serve_service *svc;
    int fd;
    uint32_t conn;    /* simulated connection */
    bool open;        /* the simulated connection is established */
    bool sim_closed;  /* the simulated server closed: close the socket once out is written */
    bool client_eof;  /* the real client closed its side */
    bool reading;     /* EPOLLIN armed */
    bool writing;     /* EPOLLOUT armed */
    bool done;        /* socket closed; freed at the end */
    struct buf in;    /* from the client, before the simulated connection opened */
    struct buf out;   /* to the client */
    uint64_t last_rx; /* when the client last sent anything */
    uint64_t line_at; /* when the client's current unfinished line began; 0: none */
};

struct serve {
    struct mail_world *mw;
    struct trace *tr;
    int ep;
    struct serve_service svc[SERVE_N];
    struct serve_conn **conns;
    size_t nconns, cap_conns;
    size_t live; /* connections with an open socket */
    size_t max_conns;
    uint64_t idle_timeout_us, command_timeout_us;
    struct timespec t0;
    uint64_t last_sweep;
    uint64_t accepted, refused, timed_out;
};

/* Set by SIGINT and SIGTERM (serve_on_signal): the loop and the window end. */
extern volatile sig_atomic_t serve_stop;

/* serve_bridge.c */
void serve_on_signal(int sig);
/* A listening socket on bind_addr:port (0: any free port, *actual says which). */
int serve_listen(const char *bind_addr, uint16_t port, uint16_t *actual, char *err, size_t errlen);
/* One round: the simulation catches up with the clock, timeouts are swept, and the sockets are
 * waited on (at most wait_ms). */
void serve_pump(struct serve *sv, int wait_ms);
/* Rounds until serve_stop. */
void serve_loop(struct serve *sv);

/* serve_world.c */
/* Finds the servers each service reaches and adds the live hosts that play the real clients. */
int serve_wire(struct serve *sv, const struct scenario *sc, char *err, size_t errlen);
/* Live mode offers STARTTLS, STLS and the implicit-TLS ports: the scenario's servers get TLS. */
void serve_enable_tls(struct scenario *sc);

#endif
