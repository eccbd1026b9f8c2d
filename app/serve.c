/* serve: live mode's command line (see serve.h): options, the ready line, the outputs written
 * at the end, and the window or the plain loop. The bridges are serve_bridge.c, the live hosts
 * serve_world.c. */
#include "serve.h"
#include "serve_int.h"

#include "build.h"
#include "catalog.h"
#include "cli_opts.h"
#include "export.h"
#include "export_pcap.h"
#include "ui_strings.h"
#include "viewer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SERVE_EXIT_USAGE 2

static const char *const serve_names[SERVE_N] = {"submission", "smtps", "smtp", "pop3", "pop3s"};
static const uint16_t serve_default_port[SERVE_N] = {2587, 2465, 2525, 2110, 2995};

static void serve_usage(FILE *out)
{
    fputs("usage: mailsim serve [SCENARIO] [--bind ADDR] [--port SERVICE=PORT ...] [--no-gui]\n"
          "                     [--ca-out FILE] [--pcap FILE] [--keylog FILE]\n"
          "                     [--format text|jsonl|summary] [--max-connections N]\n"
          "                     [--idle-timeout S] [--command-timeout S] [--lang ja|en]\n"
          "\n"
          "Real mail clients drive the scenario (default: nine-steps). Services and default\n"
          "ports: submission 2587 (the MSA, STARTTLS), smtps 2465 (the MSA, implicit TLS),\n"
          "smtp 2525 (the recipient domain's MX), pop3 2110 (the MRA, STLS), pop3s 2995.\n"
          "--port SERVICE=0 picks a free port; --port SERVICE=off does not offer it.\n"
          "Once listening, one JSON line on stdout: {\"ready\": true, \"ports\": {...},\n"
          "\"accounts\": [...]}. Loopback only unless --bind says otherwise. Ctrl-C (SIGINT)\n"
          "or SIGTERM stops it; then --pcap, --keylog and --format write the run.\n",
          out);
}

static const struct cli_opts_voice serve_voice = {"mailsim serve", "Try 'mailsim serve --help'."};

struct serve_opts {
    const char *scenario, *bind, *ca_out, *pcap, *keylog, *format, *lang;
    long ports[SERVE_N]; /* -1 off, else the port (0: any) */
    long max_conns, idle_s, command_s;
    bool no_gui, help;
};

/* A whole number from lo to hi into *out: 0, or -1. */
static int serve_number(const char *s, long lo, long hi, long *out)
{
    unsigned long long v = 0;
    if (cli_opts_parse_uint(s, (unsigned long long)lo, (unsigned long long)hi, &v) != 0) {
        return -1;
    }
    *out = (long)v;
    return 0;
}

/* An option's whole number from lo to hi into *out; what ends the message when it is not one. */
static int serve_take_number(const struct cli_opts *p, long lo, long hi, const char *what,
                             long *out)
{
    return serve_number(p->arg, lo, hi, out) == 0 ? 0 : cli_opts_bad_value(p, "%s", what);
}

/* --port SERVICE=PORT|off */
static int serve_parse_port(const struct cli_opts *p, struct serve_opts *o)
{
    const char *v = p->arg;
    const char *eq = strchr(v, '=');
    int k = 0;
    while (eq && k < SERVE_N &&
           !(strlen(serve_names[k]) == (size_t)(eq - v) &&
             strncmp(v, serve_names[k], (size_t)(eq - v)) == 0)) {
        k++;
    }
    if (!eq || k == SERVE_N) {
        return cli_opts_bad_value(p, "is not SERVICE=PORT with SERVICE one of submission, smtps, "
                                     "smtp, pop3, pop3s");
    }
    if (strcmp(eq + 1, "off") == 0) {
        o->ports[k] = -1;
    } else if (serve_number(eq + 1, 0, 65535, &o->ports[k]) < 0) {
        return cli_opts_bad_value(p, "has no port number from 0 to 65535 (or off)");
    }
    return 0;
}

/* The options but --help, as X(id, name, has_arg) (cli_opts.h). bind to keylog stay together:
 * serve_take stores them as one. */
#define SERVE_OPTIONS(X)                                                                           \
    X(SERVE_OPT_NO_GUI, "no-gui", no_argument)                                                     \
    X(SERVE_OPT_BIND, "bind", required_argument)                                                   \
    X(SERVE_OPT_CA_OUT, "ca-out", required_argument)                                               \
    X(SERVE_OPT_PCAP, "pcap", required_argument)                                                   \
    X(SERVE_OPT_KEYLOG, "keylog", required_argument)                                               \
    X(SERVE_OPT_LANG, "lang", required_argument)                                                   \
    X(SERVE_OPT_FORMAT, "format", required_argument)                                               \
    X(SERVE_OPT_MAX_CONNECTIONS, "max-connections", required_argument)                             \
    X(SERVE_OPT_IDLE_TIMEOUT, "idle-timeout", required_argument)                                   \
    X(SERVE_OPT_COMMAND_TIMEOUT, "command-timeout", required_argument)                             \
    X(SERVE_OPT_PORT, "port", required_argument)

CLI_OPTS_DEFINE(SERVE_OPTIONS, serve_options, CLI_OPTS_HELP);

static const char *const serve_formats[] = {"text", "jsonl", "summary", NULL};

/* One option into o; 0, or the exit status after a message. */
static int serve_take(const struct cli_opts *p, int c, struct serve_opts *o)
{
    int k = 0, rc = 0;
    switch (c) {
    case 'h':
        o->help = true;
        return 0;
    case SERVE_OPT_NO_GUI:
        o->no_gui = true;
        return 0;
    case SERVE_OPT_BIND:
    case SERVE_OPT_CA_OUT:
    case SERVE_OPT_PCAP:
    case SERVE_OPT_KEYLOG: {
        const char **text[] = {&o->bind, &o->ca_out, &o->pcap, &o->keylog};
        *text[c - SERVE_OPT_BIND] = p->arg;
        return 0;
    }
    case SERVE_OPT_LANG:
        return cli_opts_lang(p, &o->lang);
    case SERVE_OPT_FORMAT:
        rc = cli_opts_choose(p, serve_formats, &k);
        o->format = serve_formats[k];
        return rc;
    case SERVE_OPT_MAX_CONNECTIONS:
        return serve_take_number(p, 1, 100000, "is not a number from 1 to 100000", &o->max_conns);
    case SERVE_OPT_IDLE_TIMEOUT:
        return serve_take_number(p, 1, 86400, "is not a number of seconds (1-86400)", &o->idle_s);
    case SERVE_OPT_COMMAND_TIMEOUT:
        return serve_take_number(p, 1, 86400, "is not a number of seconds (1-86400)",
                                 &o->command_s);
    default:
        return serve_parse_port(p, o);
    }
}

/* 0 with o filled (o->help: print the usage and stop), or the exit status after a message. */
static int serve_parse(int argc, char **argv, struct serve_opts *o)
{
    for (int k = 0; k < SERVE_N; k++) {
        o->ports[k] = serve_default_port[k];
    }
    o->bind = "127.0.0.1";
    o->max_conns = 1000;
    o->idle_s = 300;
    o->command_s = 60;
    struct cli_opts p;
    cli_opts_init(&p, argc, argv, serve_options, "h", &serve_voice);
    for (;;) {
        int c = cli_opts_next(&p);
        if (c == CLI_OPTS_END) {
            return 0;
        }
        int rc = c == CLI_OPTS_FAILED ? SERVE_EXIT_USAGE
                 : c == CLI_OPTS_ARG  ? cli_opts_scenario(&p, &o->scenario)
                                      : serve_take(&p, c, o);
        if (rc || o->help) {
            return rc; /* --help: the rest is not read */
        }
    }
}

static void serve_json_str(const char *s)
{
    putchar('"');
    export_json_escape(stdout, (const uint8_t *)s, strlen(s));
    putchar('"');
}

static void serve_ready(const struct serve *sv, const struct scenario *sc, const char *ca_out)
{
    printf("{\"ready\": true, \"ports\": {");
    bool first = true;
    for (int k = 0; k < SERVE_N; k++) {
        if (sv->svc[k].fd >= 0) {
            printf("%s\"%s\": %u", first ? "" : ", ", serve_names[k], (unsigned)sv->svc[k].port);
            first = false;
        }
    }
    printf("}, \"accounts\": [");
    for (size_t i = 0; i < sc->naccounts; i++) {
        printf("%s{\"user\": ", i ? ", " : "");
        serve_json_str(sc->accounts[i].user);
        printf(", \"password\": ");
        serve_json_str(sc->accounts[i].password);
        printf(", \"address\": ");
        serve_json_str(sc->accounts[i].address);
        putchar('}');
    }
    printf("]");
    if (ca_out) {
        printf(", \"ca\": ");
        serve_json_str(ca_out);
    }
    printf(", \"scenario\": ");
    serve_json_str(sc->id);
    printf("}\n");
    fflush(stdout);
}

static int serve_write_ca(struct mail_world *mw, const char *path)
{
    struct buf pem;
    buf_init(&pem, 0);
    FILE *f = fopen(path, "w");
    int rc = f && tls_ca_pem(mail_world_tls_ca(mw), &pem) == 0 &&
                     fwrite(pem.data, 1, pem.len, f) == pem.len
                 ? 0
                 : -1;
    if (f && fclose(f) != 0) {
        rc = -1;
    }
    buf_free(&pem);
    if (rc != 0) {
        fprintf(stderr, "mailsim serve: cannot write %s: %s\n", path, strerror(errno));
    }
    return rc;
}

/* After the run: what --pcap and --format asked for. */
static int serve_outputs(struct serve *sv, const struct serve_opts *o)
{
    int status = 0;
    if (o->pcap) {
        FILE *f = fopen(o->pcap, "wb");
        char err[256];
        if (!f || export_pcap(sv->tr, f, err, sizeof err) != 0 || fclose(f) != 0) {
            fprintf(stderr, "mailsim serve: cannot write %s\n", o->pcap);
            status = SERVE_EXIT_USAGE;
        }
    }
    if (o->format && strcmp(o->format, "jsonl") == 0) {
        export_jsonl(sv->tr, stdout);
    } else if (o->format && strcmp(o->format, "text") == 0) {
        struct export_text_labels lb;
        memset(&lb, 0, sizeof lb);
        lb.lang = o->lang;
        export_text(sv->tr, &lb, stdout);
    } else if (o->format) {
        printf("{\"accepted\": %" PRIu64 ", \"refused\": %" PRIu64 ", \"timed_out\": %" PRIu64
               ", \"messages_delivered\": %" PRIu64 ", \"messages_retrieved\": %" PRIu64
               ", \"events\": %zu, \"connections\": %zu, \"virtual_seconds\": %.6f}\n",
               sv->accepted, sv->refused, sv->timed_out, sv->mw->delivered, sv->mw->retrieved,
               sv->tr->nevents, sv->tr->nconns, (double)sim_now(sv->mw->sim) / 1e6);
    }
    fflush(stdout);
    return status;
}

static const struct trace *serve_window_pump(void *ctx, int wait_ms)
{
    struct serve *sv = ctx;
    serve_pump(sv, wait_ms);
    return serve_stop ? NULL : sv->tr;
}

/* The window when this build has one, a display exists and --no-gui was not given; else
 * serving without one. */
static void serve_run(struct serve *sv, const struct serve_opts *o)
{
    const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
    const char *no_window = viewer_no_window();
    if (o->no_gui || no_window || !((display && *display) || (wayland && *wayland))) {
        if (!o->no_gui) {
            fprintf(stderr, "mailsim serve: %s: serving without a window\n",
                    no_window ? no_window : "no display");
        }
        serve_loop(sv);
        return;
    }
    struct viz_live live = {sv, serve_window_pump};
    struct viz_window_options wo;
    memset(&wo, 0, sizeof wo);
    wo.lang = o->lang ? o->lang : ui_lang_from_locale();
    wo.live = &live;
    struct build_options none;
    memset(&none, 0, sizeof none);
    char err[1024];
    enum viz_window_status st = viewer_window(&wo, &none, err, sizeof err);
    if (st == VIZ_WINDOW_NO_DISPLAY || st == VIZ_WINDOW_FAILED) {
        fprintf(stderr, "mailsim serve: %s; serving without a window\n",
                st == VIZ_WINDOW_FAILED ? err : "no display");
        serve_loop(sv);
    }
    /* the window was closed: the lesson is over */
}

int serve_main(int argc, char **argv)
{
    struct serve_opts o;
    memset(&o, 0, sizeof o);
    int rc = serve_parse(argc, argv, &o);
    if (rc || o.help) {
        if (o.help) {
            serve_usage(stdout);
        }
        return rc;
    }
    char err[1024];
    struct scenario *sc = catalog_load(o.scenario, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s\n", err);
        return SERVE_EXIT_USAGE;
    }
    if (strcmp(o.bind, "127.0.0.1") != 0) {
        fprintf(stderr,
                "mailsim serve: warning: listening on %s, not only on loopback: anyone "
                "who can reach it can use these accounts, whose passwords are printed\n",
                o.bind);
    }
    serve_enable_tls(sc);
    struct trace tr;
    if (trace_init(&tr) != 0) {
        scenario_free(sc);
        return SERVE_EXIT_USAGE;
    }
    struct tls_keylog keylog = {0};
    struct build_options bo = {0};
    bo.no_timeline = true;
    bo.tls_name = "localhost";
    if (o.keylog) {
        keylog.file = fopen(o.keylog, "w");
        if (!keylog.file) {
            fprintf(stderr, "mailsim serve: cannot write %s: %s\n", o.keylog, strerror(errno));
            trace_free(&tr);
            scenario_free(sc);
            return SERVE_EXIT_USAGE;
        }
        setvbuf(keylog.file, NULL, _IOLBF, 0);
        bo.keylog = &keylog;
    }
    struct serve sv;
    memset(&sv, 0, sizeof sv);
    sv.tr = &tr;
    sv.max_conns = (size_t)o.max_conns;
    sv.idle_timeout_us = (uint64_t)o.idle_s * 1000000;
    sv.command_timeout_us = (uint64_t)o.command_s * 1000000;
    sv.mw = build_world(sc, &bo, &tr, err, sizeof err);
    int status = 0;
    if (!sv.mw) {
        fprintf(stderr, "%s: error: %s\n", sc->path, err);
        status = SERVE_EXIT_USAGE;
        goto out;
    }
    sv.mw->auto_tag = true;
    sv.mw->os_random = true;            /* APOP and CRAM-MD5 challenges must not repeat */
    sv.mw->epoch = (int64_t)time(NULL); /* Date: and Received: carry the real time */
    for (int k = 0; k < SERVE_N; k++) {
        sv.svc[k].kind = (enum serve_kind)k;
        sv.svc[k].fd = -1;
        sv.svc[k].target = -1;
    }
    if (serve_wire(&sv, sc, err, sizeof err) != 0) {
        fprintf(stderr, "mailsim serve: %s\n", err);
        status = SERVE_EXIT_USAGE;
        goto out;
    }
    if (o.ca_out && serve_write_ca(sv.mw, o.ca_out) != 0) {
        status = SERVE_EXIT_USAGE;
        goto out;
    }
    sv.ep = epoll_create1(EPOLL_CLOEXEC);
    for (int k = 0; k < SERVE_N; k++) {
        struct serve_service *svc = &sv.svc[k];
        if (o.ports[k] < 0 || svc->target < 0) {
            continue;
        }
        svc->fd = serve_listen(o.bind, (uint16_t)o.ports[k], &svc->port, err, sizeof err);
        if (svc->fd < 0) {
            fprintf(stderr, "mailsim serve: %s: %s\n", serve_names[k], err);
            status = SERVE_EXIT_USAGE;
            goto out;
        }
        struct epoll_event ev = {0};
        ev.events = EPOLLIN;
        ev.data.ptr = svc;
        epoll_ctl(sv.ep, EPOLL_CTL_ADD, svc->fd, &ev);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = serve_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &sv.t0);
    sim_advance(sv.mw->sim, 0);
    serve_ready(&sv, sc, o.ca_out);
    serve_run(&sv, &o);
    status = serve_outputs(&sv, &o);
out:
    for (int k = 0; k < SERVE_N; k++) {
        if (sv.svc[k].fd >= 0) {
            close(sv.svc[k].fd);
        }
    }
    for (size_t i = 0; i < sv.nconns; i++) {
        if (!sv.conns[i]->done) {
            sv.conns[i]->done = true;
            close(sv.conns[i]->fd);
            buf_free(&sv.conns[i]->in);
            buf_free(&sv.conns[i]->out);
        }
        free(sv.conns[i]);
    }
    free(sv.conns);
    if (sv.ep > 0) {
        close(sv.ep);
    }
    mail_world_free(sv.mw);
    if (keylog.file) {
        fclose(keylog.file);
    }
    trace_free(&tr);
    scenario_free(sc);
    return status;
}
