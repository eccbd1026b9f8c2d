/* main: the mailsim command line — the window, a run headless (transcript, JSON lines, summary,
 * pcap), pictures without a display (shot), checks of scenarios' expectations, the bundled
 * list. Exit status: 0 ok, 1 an expectation failed, 2 usage or bad input. */
#include "build.h"
#include "catalog.h"
#include "cli_opts.h"
#include "export.h"
#include "export_pcap.h"
#include "serve.h"
#include "trace_read.h"
#include "mua.h"
#include "matrix.h"
#include "messages.h"
#include "paths.h"
#include "quiz.h"
#include "scenario.h"
#include "scenario_json.h"
#include "ui_strings.h"
#include "viewer.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXIT_EXPECT 1
#define EXIT_USAGE 2

/* --format's words, in the order of enum main_format. */
static const char *const main_formats[] = {"text", "jsonl", "summary", NULL};
enum main_format { FORMAT_TEXT, FORMAT_JSONL, FORMAT_SUMMARY };

/* Everything the options of run (the window's and list's too) and of shot set. */
struct main_opts {
    const char *scenario; /* NULL: the built-in default */
    enum main_format format;
    const char *pcap;
    const char *keylog;
    const char *lang;
    struct build_options build;
    bool no_check;
    const char *font; /* the window and shot: a font file instead of fontconfig's choice */
    bool presenter;
    /* shot's */
    struct viz_shot_options so;
    bool has_step, has_beat, has_time, has_speed, stats, matrix, glossary, answer;
    const char *quiz;
    const char *trace; /* --trace: a recorded run (JSON lines) instead of a scenario */
};

/* Who speaks in the usage messages, in the language of the messages. */
static struct cli_opts_voice main_voice(void)
{
    return (struct cli_opts_voice){"mailsim", msg_text(msg_lang(), MSG_TRY_HELP)};
}

/* A usage message, id's text in the language of the messages: "mailsim: ..." and the hint.
 * Returns EXIT_USAGE. */
static int main_usage(enum msg_id id, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, id);
    int w = vsnprintf(what, sizeof what, msg_text(msg_lang(), id), ap);
    va_end(ap);
    scenario_ellipsis(what, sizeof what, w);
    struct cli_opts_voice v = main_voice();
    return cli_opts_usage(&v, "%s", what);
}

/* The language of the messages: --lang's (looked for before the options are read, so that
 * their own messages speak it too), else the locale's. */
static enum msg_lang main_msg_lang(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 &&
            (strcmp(argv[i + 1], "ja") == 0 || strcmp(argv[i + 1], "en") == 0)) {
            return msg_lang_of(argv[i + 1]);
        }
    }
    return msg_lang_of(ui_lang_from_locale());
}

/* ---- Options: one row each ---- */

/* Whose an option is: run's (which the window and list read too), shot's or view's. */
enum main_set { MAIN_RUN = 1u << 0, MAIN_SHOT = 1u << 1, MAIN_VIEW = 1u << 2 };

struct main_option {
    const char *name;
    int has_arg;   /* no_argument or required_argument */
    unsigned sets; /* enum main_set: the commands that take it */
    /* Takes the option (its value is p->arg): 0, or the exit status after a message. */
    int (*set)(const struct cli_opts *p, struct main_opts *o, size_t at);
    size_t at; /* for main_set_text and main_set_flag: where in struct main_opts */
};

#define MAIN_AT(field) offsetof(struct main_opts, field)

static int main_set_text(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    *(const char **)((char *)o + at) = p->arg;
    return 0;
}

static int main_set_flag(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)p;
    *(bool *)((char *)o + at) = true;
    return 0;
}

static int main_set_format(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    int k = 0;
    int rc = cli_opts_choose(p, main_formats, &k);
    o->format = (enum main_format)k;
    return rc;
}

static int main_set_lang(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    return cli_opts_lang(p, &o->lang);
}

static int main_set_seed(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    unsigned long long s = 0;
    int rc = cli_opts_seed(p, &s);
    o->build.seed = s;
    o->build.has_seed = true;
    return rc;
}

static int main_real(const struct cli_opts *p, double lo, double hi, double *out)
{
    if (cli_opts_parse_real(p->arg, lo, hi, out) != 0) {
        return cli_opts_bad_value(p, msg_text(p->lang, MSG_NOT_REAL), lo, hi);
    }
    return 0;
}

/* A whole number read as a real, so "4.0" is 4 as shot always read it; not_whole says it is
 * not one. */
static int main_whole(const struct cli_opts *p, double lo, double hi, enum msg_id not_whole,
                      int *out)
{
    double x = 0;
    int rc = main_real(p, lo, hi, &x);
    *out = (int)x;
    if (!rc && x != (double)*out) {
        rc = cli_opts_bad_value(p, "%s", msg_text(p->lang, not_whole));
    }
    return rc;
}

static int main_set_step(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    o->has_step = true;
    return main_whole(p, 1, 9, MSG_NOT_STEP, &o->so.step);
}

/* --beat N: the story's N-th beat (one of --step, --beat and --time). */
static int main_set_beat(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    o->has_beat = true;
    return main_whole(p, 1, 1e6, MSG_NOT_BEAT, &o->so.beat);
}

static int main_set_time(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    o->has_time = true;
    return main_real(p, 0, 1e9, &o->so.time);
}

static int main_set_size(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    const char *v = p->arg;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    long y = (*end == 'x' || *end == 'X') ? strtol(end + 1, &end, 10) : -1;
    if (errno || *end || x < 64 || x > 8192 || y < 64 || y > 8192) {
        return cli_opts_bad_value(p, "%s", msg_text(p->lang, MSG_NOT_SIZE));
    }
    o->so.width = (int)x;
    o->so.height = (int)y;
    return 0;
}

static int main_set_frames(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    return main_whole(p, 1, 100000, MSG_NOT_WHOLE, &o->so.frames);
}

static int main_set_speed(const struct cli_opts *p, struct main_opts *o, size_t at)
{
    (void)at;
    o->has_speed = true;
    return main_real(p, 0.25, 8, &o->so.speed);
}

static const struct main_option main_options[] = {
    {"format", required_argument, MAIN_RUN, main_set_format, 0},
    {"pcap", required_argument, MAIN_RUN, main_set_text, MAIN_AT(pcap)},
    {"keylog", required_argument, MAIN_RUN, main_set_text, MAIN_AT(keylog)},
    {"maildir", required_argument, MAIN_RUN, main_set_text, MAIN_AT(build.maildir)},
    {"no-check", no_argument, MAIN_RUN, main_set_flag, MAIN_AT(no_check)},
    {"lang", required_argument, MAIN_RUN | MAIN_SHOT | MAIN_VIEW, main_set_lang, 0},
    {"seed", required_argument, MAIN_RUN | MAIN_SHOT, main_set_seed, 0},
    {"font", required_argument, MAIN_RUN | MAIN_SHOT | MAIN_VIEW, main_set_text, MAIN_AT(font)},
    {"presenter", no_argument, MAIN_RUN | MAIN_SHOT | MAIN_VIEW, main_set_flag, MAIN_AT(presenter)},
    {"step", required_argument, MAIN_SHOT, main_set_step, 0},
    {"beat", required_argument, MAIN_SHOT, main_set_beat, 0},
    {"time", required_argument, MAIN_SHOT, main_set_time, 0},
    {"out", required_argument, MAIN_SHOT, main_set_text, MAIN_AT(so.out)},
    {"size", required_argument, MAIN_SHOT, main_set_size, 0},
    {"frames", required_argument, MAIN_SHOT, main_set_frames, 0},
    {"speed", required_argument, MAIN_SHOT, main_set_speed, 0},
    {"stats", no_argument, MAIN_SHOT, main_set_flag, MAIN_AT(stats)},
    {"matrix", no_argument, MAIN_SHOT, main_set_flag, MAIN_AT(matrix)},
    {"quiz", required_argument, MAIN_SHOT, main_set_text, MAIN_AT(quiz)},
    {"glossary", no_argument, MAIN_SHOT, main_set_flag, MAIN_AT(glossary)},
    {"answer", no_argument, MAIN_SHOT, main_set_flag, MAIN_AT(answer)},
    {"trace", required_argument, MAIN_SHOT, main_set_text, MAIN_AT(trace)},
};

#define MAIN_NOPTIONS (sizeof main_options / sizeof main_options[0])
#define MAIN_OPTION_VAL 256 /* getopt_long's val of main_options[i]: 256 + i */

static void main_opts_init(struct main_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lang = ui_lang_from_locale();
    o->so.width = 1920;
    o->so.height = 1080;
    o->so.speed = 1;
}

/* Reads argv[1..] into o: the scenario and the options of set. The other set's options are
 * refused by name; they take no value here, so the message is the same whatever follows. */
static int main_parse(int argc, char **argv, enum main_set set, struct main_opts *o)
{
    struct option table[MAIN_NOPTIONS + 1];
    for (size_t i = 0; i < MAIN_NOPTIONS; i++) {
        const struct main_option *m = &main_options[i];
        table[i] = (struct option){m->name, (m->sets & set) ? m->has_arg : no_argument, NULL,
                                   MAIN_OPTION_VAL + (int)i};
    }
    table[MAIN_NOPTIONS] = (struct option){NULL, 0, NULL, 0};
    struct cli_opts p;
    struct cli_opts_voice voice = main_voice();
    cli_opts_init(&p, argc, argv, table, "", &voice);
    p.dash_is_arg = true;
    p.lang = msg_lang();
    for (;;) {
        int c = cli_opts_next(&p), rc;
        if (c == CLI_OPTS_END || c == CLI_OPTS_FAILED) {
            return c == CLI_OPTS_END ? 0 : EXIT_USAGE;
        }
        const struct main_option *m =
            c >= MAIN_OPTION_VAL ? &main_options[c - MAIN_OPTION_VAL] : NULL;
        if (!m) {
            rc = cli_opts_scenario(&p, &o->scenario);
        } else if (m->sets & set) {
            rc = m->set(&p, o, m->at);
        } else if (set != MAIN_RUN) {
            rc = main_usage(MSG_NOT_ITS_OPTION, p.opt, set == MAIN_SHOT ? "shot" : "view");
        } else {
            rc = main_usage(MSG_UNKNOWN_OPTION, p.opt);
        }
        if (rc) {
            return rc;
        }
    }
}

/* The transcript's words: X(f) is the field f of export_text_labels, its key "word.f". */
/* clang-format off */
#define MAIN_LABELS(X)                                                                             \
    X(connect) X(close) X(refused) X(auth_ok) X(auth_failed) X(mail) X(policy) X(sniffed) X(log)  \
    X(records) X(ssh_packets) X(octets) X(secure_ok) X(secure_failed) X(tampered) X(key)
/* clang-format on */

static void main_labels(const struct ui_strings *s, struct export_text_labels *lb)
{
    memset(lb, 0, sizeof *lb);
    ui_strings_steps(s, lb->step_title);
#define MAIN_LABEL(f) lb->f = ui_string(s, "word." #f);
    MAIN_LABELS(MAIN_LABEL)
#undef MAIN_LABEL
}

static long main_peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void main_summary(const struct scenario *sc, const struct mail_world *mw, int failures,
                         FILE *out)
{
    const struct trace *tr = mw->tr;
    uint64_t last = tr->nevents ? trace_event_at(tr, tr->nevents - 1)->t : 0;
    fputs("{\"scenario\":\"", out);
    export_json_escape(out, (const uint8_t *)sc->id, strlen(sc->id));
    fprintf(out,
            "\",\"seed\":%llu,\"messages_delivered\":%llu,\"messages_retrieved\":%llu,"
            "\"bounced\":%llu,\"rejected\":%llu,\"events\":%zu,\"connections\":%zu,"
            "\"virtual_seconds\":%.6f,\"payload_bytes\":%zu,\"trace_bytes\":%zu,"
            "\"peak_rss_kib\":%ld,\"expectations\":\"%s\"}\n",
            (unsigned long long)tr->seed, (unsigned long long)mw->delivered,
            (unsigned long long)mw->retrieved, (unsigned long long)mw->bounced,
            (unsigned long long)mw->rejected, tr->nevents, tr->nconns, (double)last / 1e6,
            tr->payload_bytes, trace_memory(tr), main_peak_rss_kib(),
            failures < 0 ? "unchecked" : (failures ? "failed" : "passed"));
}

static int main_write_pcap(const struct trace *tr, const char *path)
{
    /* Written beside the target and renamed, so a failure leaves no half file behind. */
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "mailsim: %s: path too long\n", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "mailsim: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    char err[256] = "";
    int rc = export_pcap(tr, f, err, sizeof err);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s", strerror(errno));
        rc = -1;
    }
    if (rc != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "mailsim: %s: %s\n", path, err[0] ? err : strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The transcript of tr under its title line, and a note (a UI string's key, and a detail)
 * when there is one: what run prints, and what the window prints without a display. */
static void main_transcript(const struct trace *tr, const struct ui_strings *ui, const char *lang,
                            const char *note_key, const char *note_detail)
{
    struct export_text_labels lb;
    main_labels(ui, &lb);
    lb.lang = lang;
    const char *title = strcmp(lang, "ja") == 0 ? tr->title_ja : tr->title_en;
    printf("mailsim %s — %s (seed %llu)\n", tr->title ? tr->title : "", title ? title : "",
           (unsigned long long)tr->seed);
    if (note_key && note_detail) {
        printf("%s (%s)\n", ui_string(ui, note_key), note_detail);
    } else if (note_key) {
        printf("%s\n", ui_string(ui, note_key));
    }
    export_text(tr, &lb, stdout);
}

/* Runs one scenario; prints what the options ask for. Returns the exit status. */
static int main_run(const struct main_opts *o, const char *note_key, const char *note_detail)
{
    char err[1024];
    struct scenario *sc = catalog_load(o->scenario, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    struct ui_strings *ui = ui_strings_load(o->lang, err, sizeof err);
    if (!ui) {
        fprintf(stderr, "mailsim: %s\n", err);
        scenario_free(sc);
        return EXIT_USAGE;
    }
    struct trace tr;
    if (trace_init(&tr) != 0) {
        fprintf(stderr, "mailsim: out of memory\n");
        return EXIT_USAGE;
    }
    struct build_options bo = o->build;
    struct tls_keylog keylog = {0};
    if (o->keylog) {
        keylog.file = fopen(o->keylog, "w");
        if (!keylog.file) {
            fprintf(stderr, "mailsim: cannot write %s: %s\n", o->keylog, strerror(errno));
            trace_free(&tr);
            ui_strings_free(ui);
            scenario_free(sc);
            return EXIT_USAGE;
        }
        bo.keylog = &keylog;
    }
    struct mail_world *mw = build_world(sc, &bo, &tr, err, sizeof err);
    if (!mw) {
        if (keylog.file) {
            fclose(keylog.file);
        }
        fprintf(stderr, "%s: error: %s\n", sc->path, err);
        trace_free(&tr);
        ui_strings_free(ui);
        scenario_free(sc);
        return EXIT_USAGE;
    }
    mail_world_run(mw, sc->until_us ? sc->until_us : UINT64_MAX);
    int failures = o->no_check ? -1 : build_check(sc, mw, stderr);
    int status = failures > 0 ? EXIT_EXPECT : 0;
    if (o->pcap && main_write_pcap(&tr, o->pcap) != 0) {
        status = EXIT_USAGE;
    }
    switch (o->format) {
    case FORMAT_TEXT:
        main_transcript(&tr, ui, o->lang, note_key, note_detail);
        break;
    case FORMAT_JSONL:
        export_jsonl(&tr, stdout);
        break;
    case FORMAT_SUMMARY:
        main_summary(sc, mw, failures, stdout);
        break;
    }
    if (failures > 0) {
        fprintf(stderr, "%s: %d expectation(s) failed\n", sc->path, failures);
    }
    if (fflush(stdout) != 0) {
        status = EXIT_USAGE;
    }
    mail_world_free(mw);
    if (keylog.file && fclose(keylog.file) != 0) {
        fprintf(stderr, "mailsim: cannot write %s\n", o->keylog);
        status = EXIT_USAGE;
    }
    trace_free(&tr);
    ui_strings_free(ui);
    scenario_free(sc);
    return status;
}

static int main_cmd_check(int argc, char **argv)
{
    if (argc < 2) {
        return main_usage(MSG_CHECK_NEEDS);
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        char err[1024];
        struct scenario *sc = catalog_load(argv[i], err, sizeof err);
        if (!sc) {
            fprintf(stderr, "%s\n", err);
            worst = EXIT_USAGE;
            continue;
        }
        struct trace tr;
        trace_init(&tr);
        struct mail_world *mw = build_world(sc, NULL, &tr, err, sizeof err);
        if (!mw) {
            fprintf(stderr, "%s: error: %s\n", sc->path, err);
            worst = EXIT_USAGE;
        } else {
            mail_world_run(mw, sc->until_us ? sc->until_us : UINT64_MAX);
            int failures = build_check(sc, mw, stderr);
            printf("%s: %s (%s)\n", sc->path, failures ? "FAILED" : "ok", sc->id);
            if (failures && worst == 0) {
                worst = EXIT_EXPECT;
            }
            mail_world_free(mw);
        }
        trace_free(&tr);
        scenario_free(sc);
    }
    return worst;
}

#define MAIN_MAX_SCENARIOS 64

static int main_list(const char *lang)
{
    char *paths[MAIN_MAX_SCENARIOS];
    int n = catalog_bundled(paths, MAIN_MAX_SCENARIOS);
    if (n < 0) {
        return EXIT_USAGE;
    }
    int status = 0;
    for (int i = 0; i < n; i++) {
        char err[1024];
        struct scenario *sc = scenario_load(paths[i], err, sizeof err);
        if (!sc) {
            fprintf(stderr, "%s\n", err);
            status = EXIT_USAGE;
        } else {
            const char *title = strcmp(lang, "ja") == 0 ? sc->title.ja : sc->title.en;
            printf("%-24s %s\n", sc->id, title ? title : "");
            scenario_free(sc);
        }
        free(paths[i]);
    }
    return status;
}

/* shot's options are read by main_parse; these are the rules between them. */
static int main_shot_check(struct main_opts *o)
{
    int moments = o->has_step + o->has_beat + o->has_time;
    if (moments > 1 || (moments == 0 && !o->quiz && !o->glossary)) {
        return main_usage(moments ? MSG_SHOT_NOT_BOTH : MSG_SHOT_STEP_OR_TIME);
    }
    if (moments == 0) {
        o->so.time = -1; /* --quiz, --glossary: the moment the window shows them at */
    }
    if (!o->so.out && !o->stats) {
        return main_usage(MSG_SHOT_OUT);
    }
    if (o->answer && !o->quiz) {
        return main_usage(MSG_SHOT_ANSWER);
    }
    if (o->has_speed && !o->so.frames) {
        return main_usage(MSG_SHOT_SPEED);
    }
    if (o->trace && o->scenario) {
        return main_usage(MSG_SHOT_TRACE);
    }
    if (o->trace && o->build.has_seed) {
        return main_usage(MSG_SHOT_SEED);
    }
    return 0;
}

/* The transcript of the recorded trace at path, as the window's fallback prints a scenario's. */
static int main_view_transcript(const struct main_opts *o, const char *path, const char *note_key,
                                const char *note_detail)
{
    char err[1024];
    struct trace tr;
    if (trace_read_path(path, &tr, err, sizeof err) != 0) {
        fprintf(stderr, "mailsim: %s\n", err);
        return EXIT_USAGE;
    }
    struct ui_strings *ui = ui_strings_load(o->lang, err, sizeof err);
    int status = ui ? 0 : EXIT_USAGE;
    if (ui) {
        main_transcript(&tr, ui, o->lang, note_key, note_detail);
        status = fflush(stdout) != 0 ? EXIT_USAGE : 0;
    } else {
        fprintf(stderr, "mailsim: %s\n", err);
    }
    ui_strings_free(ui);
    trace_free(&tr);
    return status;
}

/* The window on o's scenario, or on the recorded trace at path when it is not NULL. */
static int main_window(const struct main_opts *o, const char *path)
{
    struct viz_window_options wo = {0};
    wo.scenario = o->scenario;
    wo.lang = o->lang;
    wo.font = o->font;
    wo.presenter = o->presenter;
    const char *timing = getenv("MAILSIM_TIMING");
    wo.timing = timing && *timing;
    char err[1024];
    enum viz_window_status st = path ? viewer_window_trace(&wo, path, &o->build, err, sizeof err)
                                     : viewer_window(&wo, &o->build, err, sizeof err);
    switch (st) {
    case VIZ_WINDOW_NO_DISPLAY:
        return path ? main_view_transcript(o, path, "cli.no_window", err)
                    : main_run(o, "cli.no_window", err);
    case VIZ_WINDOW_FAILED: {
        /* err names its file already ("x.json: error: ...") or says "mailsim:" itself */
        bool named = strncmp(err, "mailsim:", 8) == 0 || strstr(err, "error:");
        fprintf(stderr, "%s%s\n", named ? "" : "mailsim: ", err);
        return EXIT_USAGE;
    }
    default:
        return 0;
    }
}

/* What --help says after the commands' synopses, and after their descriptions. */
static const char main_usage_about[] =
    "\n"
    "Internet mail, simulated: agents (MUA, MSA, MTA, MDA, MRA, DNS, a content filter)\n"
    "exchange real SMTP and POP3 bytes over simulated links, and every byte is recorded.\n"
    "\n"
    "SCENARIO is a file (scenarios/*.json) or the name of a bundled scenario\n"
    "(`mailsim list`); without one, the built-in nine-step delivery is used.\n"
    "\n"
    "commands:\n";

static const char main_usage_options[] =
    "\n"
    "options of run:\n"
    "  --format text     the transcript, in the chosen language (default)\n"
    "  --format jsonl    the trace, one JSON object a line\n"
    "  --format summary  one JSON line: messages delivered, events, virtual seconds\n"
    "  --pcap FILE       also write the run as a pcap file for Wireshark or tshark\n"
    "  --keylog FILE     write the TLS secrets of the run (NSS key log, SSLKEYLOGFILE\n"
    "                    format) so that Wireshark or tshark can decrypt the pcap\n"
    "  --lang ja|en      language of the transcript (default: from the locale)\n"
    "  --seed N          another seed than the scenario's (ports, ids, timestamps)\n"
    "  --maildir DIR     also deliver into real Maildirs under DIR\n"
    "  --no-check        do not test the expect block\n"
    "\n"
    "options of the window and of shot:\n"
    "  --presenter       larger text and thicker lines, for a projector\n"
    "  --font FILE       draw every text with this font (default: found by fontconfig)\n"
    "\n"
    "options of shot:\n"
    "  --step N          show step N (1-9) of the first mail shortly after it begins\n"
    "  --beat N          show the story's beat N (1, 2, ...: every actor's moments in time\n"
    "                    order, as `run` heads them and the window's up and down keys go)\n"
    "  --time T          show the moment T seconds into the presentation\n"
    "  --out FILE.png    where to write the picture\n"
    "  --size WxH        picture size in pixels (default 1920x1080)\n"
    "  --frames N        then play N frames of 1/60 s; the last one is written\n"
    "  --speed X         playback speed of those frames, 0.25 to 8 (default 1)\n"
    "  --stats           print one JSON line: frames, median_ms, p99_ms, width, height\n"
    "  --matrix          draw the countermeasure matrix over it (the window's M key)\n"
    "  --quiz N|ID       draw question N of the scenario's questions (in the order the\n"
    "                    window's Q asks them: high exam weight first, then by step), or\n"
    "                    the question ID, over the picture, at its step unless --step or\n"
    "                    --time says otherwise\n"
    "  --answer          with --quiz: the panel after the right answer, with the\n"
    "                    explanation, its source and how often the exam asks it\n"
    "  --glossary        draw the glossary over it (the window's G key in the help)\n"
    "  --trace RUN.jsonl draw a recorded trace (run or serve --format jsonl) instead of\n"
    "                    running a scenario; its questions and matrix are those of the\n"
    "                    scenario it names\n"
    "\n"
    "exit status: 0 ok, 1 an expectation failed, 2 usage or bad input\n";

/* ---- Commands: one row each ---- */

struct main_command {
    const char *name; /* NULL: the window, which runs when argv[1] names no command */
    /* argv[0] is the command's name ("mailsim" for the window), its arguments follow. */
    int (*run)(int argc, char **argv);
    const char *usage; /* the synopsis, after "mailsim "; NULL: none */
    const char *help;  /* what it does, under "commands:"; NULL: not listed there */
};

static bool main_has_display(void)
{
    const char *display = getenv("DISPLAY");
    const char *wayland = getenv("WAYLAND_DISPLAY");
    return (display && *display) || (wayland && *wayland);
}

/* No command: the window; without a display (or without the window in this build), the
 * transcript stands in for it. */
static int main_cmd_window(int argc, char **argv)
{
    struct main_opts o;
    main_opts_init(&o);
    int rc = main_parse(argc, argv, MAIN_RUN, &o);
    if (rc) {
        return rc;
    }
    return main_has_display() ? main_window(&o, NULL)
                              : main_run(&o, "cli.no_display", viewer_no_window());
}

/* view: a recorded run in the same window, or its transcript where the window cannot open. */
static int main_cmd_view(int argc, char **argv)
{
    struct main_opts o;
    main_opts_init(&o);
    int rc = main_parse(argc, argv, MAIN_VIEW, &o);
    const char *path = o.scenario; /* view's one argument is the trace */
    if (!rc && !path) {
        struct cli_opts_voice voice = main_voice();
        rc = cli_opts_usage(&voice, "view needs a recorded trace (mailsim run SCENARIO "
                                    "--format jsonl > RUN.jsonl)");
    }
    if (rc) {
        return rc;
    }
    return main_has_display()
               ? main_window(&o, path)
               : main_view_transcript(&o, path, "cli.no_display", viewer_no_window());
}

static int main_cmd_run(int argc, char **argv)
{
    struct main_opts o;
    main_opts_init(&o);
    int rc = main_parse(argc, argv, MAIN_RUN, &o);
    return rc ? rc : main_run(&o, NULL, NULL);
}

static int main_cmd_list(int argc, char **argv)
{
    struct main_opts o;
    main_opts_init(&o);
    int rc = main_parse(argc, argv, MAIN_RUN, &o);
    return rc ? rc : main_list(o.lang);
}

static int main_cmd_shot(int argc, char **argv)
{
    struct main_opts o;
    main_opts_init(&o);
    int rc = main_parse(argc, argv, MAIN_SHOT, &o);
    if (!rc) {
        rc = main_shot_check(&o);
    }
    if (rc) {
        return rc;
    }
    o.so.presenter = o.presenter;
    o.so.font = o.font;
    struct viewer_shot_extras x = {o.stats, o.matrix, o.quiz, o.glossary, o.answer};
    return viewer_shot(o.scenario, o.trace, o.lang, &o.build, &o.so, &x);
}

static int main_cmd_help(int argc, char **argv);

static int main_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char dir[PATH_MAX];
    printf("mailsim %s\n", MAILSIM_VERSION);
    printf("data: %s\n", paths_data_dir(dir, sizeof dir) == 0 ? dir : "(not found)");
    /* Tests read this line to leave out what a build without the window cannot do. */
    const char *no_window = viewer_no_window();
    if (no_window) {
        printf("gui: no (%s)\n", no_window);
    } else {
        printf("gui: yes\n");
    }
    return 0;
}

/* In the order --help shows them. */
static const struct main_command main_commands[] = {
    {NULL, main_cmd_window, "[SCENARIO] [--lang ja|en] [--presenter] [--font FILE]",
     "open the window and play the run; without a display, print the\n"
     "           transcript (keys: F1 or ? in the window)"},
    {"run", main_cmd_run,
     "run [SCENARIO] [--format text|jsonl|summary] [--pcap FILE]\n"
     "                   [--keylog FILE] [--lang ja|en] [--seed N] [--maildir DIR]\n"
     "                   [--no-check]",
     "run headless and print the transcript (C:/S: lines under step headers)"},
    {"check", main_cmd_check, "check SCENARIO...", "run each scenario and test its expect block"},
    {"matrix", matrix_main, "matrix SCENARIO [--format text|csv|md] [--lang ja|en] [--seed N]",
     "run the scenario under every combination of its countermeasures and\n"
     "           print which attacks succeed, one row a combination"},
    {"list", main_cmd_list, "list [--lang ja|en]", "the bundled scenarios with their titles"},
    {"quiz", quiz_main,
     "quiz [--lang ja|en] [--topic T] [--weight high|medium|low]\n"
     "                    [--count N] [--review]\n"
     "                    (exam study mode; also --list, --glossary: mailsim quiz --help)",
     "exam study: questions on what the scenarios show, with explanations and\n"
     "           sources, the ones the exam asks most first"},
    {"serve", serve_main,
     "serve [SCENARIO] [--bind ADDR] [--port SERVICE=PORT ...] [--no-gui]\n"
     "                     (live mode: real mail clients; mailsim serve --help)",
     NULL},
    {"view", main_cmd_view, "view RUN.jsonl [--lang ja|en] [--presenter] [--font FILE]",
     "replay a recorded trace (run or serve --format jsonl) in the window,\n"
     "           with the same keys; without a display, print its transcript"},
    {"shot", main_cmd_shot,
     "shot [SCENARIO | --trace RUN.jsonl] (--step N | --beat N | --time T)\n"
     "                    [--out FILE.png] [--size WxH]\n"
     "                    [--lang ja|en] [--presenter] [--font FILE]\n"
     "                    [--frames N [--speed X] --stats] [--matrix] [--quiz N|ID]\n"
     "                    [--answer] [--glossary]",
     "draw the window's picture at one moment into a PNG file, without a\n"
     "           display"},
    {"--help", main_cmd_help, "--help | --version", NULL},
    {"-h", main_cmd_help, NULL, NULL},
    {"help", main_cmd_help, NULL, NULL},
    {"--version", main_cmd_version, NULL, NULL},
};

#define MAIN_NCOMMANDS (sizeof main_commands / sizeof main_commands[0])

static int main_cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    size_t n = 0;
    for (size_t i = 0; i < MAIN_NCOMMANDS; i++) {
        if (main_commands[i].usage) {
            printf("%smailsim %s\n", n++ ? "       " : "usage: ", main_commands[i].usage);
        }
    }
    fputs(main_usage_about, stdout);
    for (size_t i = 0; i < MAIN_NCOMMANDS; i++) {
        const struct main_command *c = &main_commands[i];
        if (c->help) {
            printf("  %-8s %s\n", c->name ? c->name : "(none)", c->help);
        }
    }
    fputs(main_usage_options, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    msg_set_lang(main_msg_lang(argc, argv));
    const struct main_command *window = NULL;
    for (size_t i = 0; i < MAIN_NCOMMANDS; i++) {
        const struct main_command *c = &main_commands[i];
        if (!c->name) {
            window = c;
        } else if (argc >= 2 && strcmp(argv[1], c->name) == 0) {
            return c->run(argc - 1, argv + 1);
        }
    }
    return window->run(argc, argv);
}
