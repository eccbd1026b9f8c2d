/* main: the mailsim command line — the window, a run headless (transcript, JSON lines, summary,
 * pcap), pictures without a display (shot), checks of scenarios' expectations, the bundled
 * list. Exit status: 0 ok, 1 an expectation failed, 2 usage or bad input. */
#include "build.h"
#include "catalog.h"
#include "export.h"
#include "export_pcap.h"
#include "serve.h"
#include "mua.h"
#include "matrix.h"
#include "paths.h"
#include "quiz.h"
#include "scenario.h"
#include "ui_strings.h"
#include "viewer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXIT_EXPECT 1
#define EXIT_USAGE 2

enum main_format { FORMAT_TEXT, FORMAT_JSONL, FORMAT_SUMMARY };

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
};

static void main_usage(FILE *out)
{
    fputs("usage: mailsim [SCENARIO] [--lang ja|en] [--presenter] [--font FILE]\n"
          "       mailsim run [SCENARIO] [--format text|jsonl|summary] [--pcap FILE]\n"
          "                   [--keylog FILE] [--lang ja|en] [--seed N] [--maildir DIR]\n"
          "                   [--no-check]\n"
          "       mailsim check SCENARIO...\n"
          "       mailsim matrix SCENARIO [--format text|csv|md] [--lang ja|en] [--seed N]\n"
          "       mailsim list [--lang ja|en]\n"
          "       mailsim quiz [--lang ja|en] [--topic T] [--weight high|medium|low]\n"
          "                    [--count N] [--review]\n"
          "                    (exam study mode; also --list, --glossary: mailsim quiz --help)\n"
          "       mailsim serve [SCENARIO] [--bind ADDR] [--port SERVICE=PORT ...] [--no-gui]\n"
          "                     (live mode: real mail clients; mailsim serve --help)\n"
          "       mailsim shot [SCENARIO] (--step N | --time T) [--out FILE.png] [--size WxH]\n"
          "                    [--lang ja|en] [--presenter] [--font FILE]\n"
          "                    [--frames N [--speed X] --stats] [--matrix] [--quiz N|ID]\n"
          "                    [--answer] [--glossary]\n"
          "       mailsim --help | --version\n"
          "\n"
          "Internet mail, simulated: agents (MUA, MSA, MTA, MDA, MRA, DNS, a content filter)\n"
          "exchange real SMTP and POP3 bytes over simulated links, and every byte is recorded.\n"
          "\n"
          "SCENARIO is a file (scenarios/*.json) or the name of a bundled scenario\n"
          "(`mailsim list`); without one, the built-in nine-step delivery is used.\n"
          "\n"
          "commands:\n"
          "  (none)   open the window and play the run; without a display, print the\n"
          "           transcript (keys: F1 or ? in the window)\n"
          "  run      run headless and print the transcript (C:/S: lines under step headers)\n"
          "  check    run each scenario and test its expect block\n"
          "  matrix   run the scenario under every combination of its countermeasures and\n"
          "           print which attacks succeed, one row a combination\n"
          "  list     the bundled scenarios with their titles\n"
          "  quiz     exam study: questions on what the scenarios show, with explanations and\n"
          "           sources, the ones the exam asks most first\n"
          "  shot     draw the window's picture at one moment into a PNG file, without a\n"
          "           display\n"
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
          "  --step N          show step N (1-9) shortly after it begins\n"
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
          "\n"
          "exit status: 0 ok, 1 an expectation failed, 2 usage or bad input\n",
          out);
}

static int main_usage_error(const char *fmt, const char *arg)
{
    fputs("mailsim: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'mailsim --help'.\n", stderr);
    return EXIT_USAGE;
}

static int main_parse_opts(int argc, char **argv, int first, struct main_opts *o)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--format") == 0 || strcmp(a, "--pcap") == 0 ||
                     strcmp(a, "--keylog") == 0 ||
                     strcmp(a, "--lang") == 0 || strcmp(a, "--seed") == 0 ||
                     strcmp(a, "--maildir") == 0 || strcmp(a, "--font") == 0;
        if (takes && !v) {
            return main_usage_error("option %s needs a value", a);
        }
        if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "text") == 0) {
                o->format = FORMAT_TEXT;
            } else if (strcmp(v, "jsonl") == 0) {
                o->format = FORMAT_JSONL;
            } else if (strcmp(v, "summary") == 0) {
                o->format = FORMAT_SUMMARY;
            } else {
                return main_usage_error("--format: \"%s\" is not text, jsonl or summary", v);
            }
        } else if (strcmp(a, "--pcap") == 0) {
            o->pcap = v;
        } else if (strcmp(a, "--keylog") == 0) {
            o->keylog = v;
        } else if (strcmp(a, "--maildir") == 0) {
            o->build.maildir = v;
        } else if (strcmp(a, "--lang") == 0) {
            if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0) {
                return main_usage_error("--lang: \"%s\" is not ja or en", v);
            }
            o->lang = v;
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || *end || end == v || v[0] == '-') {
                return main_usage_error("--seed: \"%s\" is not a non-negative integer", v);
            }
            o->build.seed = s;
            o->build.has_seed = true;
        } else if (strcmp(a, "--font") == 0) {
            o->font = v;
        } else if (strcmp(a, "--no-check") == 0) {
            o->no_check = true;
            continue;
        } else if (strcmp(a, "--presenter") == 0) {
            o->presenter = true;
            continue;
        } else if (a[0] == '-' && a[1] != 0) {
            return main_usage_error("unknown option %s", a);
        } else if (!o->scenario) {
            o->scenario = a;
            continue;
        } else {
            return main_usage_error("more than one scenario given (\"%s\")", a);
        }
        i++;
    }
    return 0;
}

static void main_labels(const struct ui_strings *s, struct export_text_labels *lb)
{
    static const char *const step_keys[10] = {NULL,     "step.1", "step.2", "step.3", "step.4",
                                              "step.5", "step.6", "step.7", "step.8", "step.9"};
    memset(lb, 0, sizeof *lb);
    for (int i = 1; i <= 9; i++) {
        lb->step_title[i] = ui_string(s, step_keys[i]);
    }
    lb->connect = ui_string(s, "word.connect");
    lb->close = ui_string(s, "word.close");
    lb->refused = ui_string(s, "word.refused");
    lb->auth_ok = ui_string(s, "word.auth_ok");
    lb->auth_failed = ui_string(s, "word.auth_failed");
    lb->mail = ui_string(s, "word.mail");
    lb->policy = ui_string(s, "word.policy");
    lb->sniffed = ui_string(s, "word.sniffed");
    lb->log = ui_string(s, "word.log");
    lb->records = ui_string(s, "word.records");
    lb->ssh_packets = ui_string(s, "word.ssh_packets");
    lb->octets = ui_string(s, "word.octets");
    lb->secure_ok = ui_string(s, "word.secure_ok");
    lb->secure_failed = ui_string(s, "word.secure_failed");
    lb->tampered = ui_string(s, "word.tampered");
    lb->key = ui_string(s, "word.key");
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
    case FORMAT_TEXT: {
        struct export_text_labels lb;
        main_labels(ui, &lb);
        lb.lang = o->lang;
        const char *title = strcmp(o->lang, "ja") == 0 ? sc->title.ja : sc->title.en;
        printf("mailsim %s — %s (seed %llu)\n", sc->id, title ? title : "",
               (unsigned long long)tr.seed);
        if (note_key && note_detail) {
            printf("%s (%s)\n", ui_string(ui, note_key), note_detail);
        } else if (note_key) {
            printf("%s\n", ui_string(ui, note_key));
        }
        export_text(&tr, &lb, stdout);
        break;
    }
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

static int main_check(int argc, char **argv, int first)
{
    if (first >= argc) {
        return main_usage_error("check needs at least one scenario%s", "");
    }
    int worst = 0;
    for (int i = first; i < argc; i++) {
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

struct main_shot_opts {
    struct viz_shot_options so;
    bool has_step, has_time, stats, has_speed, matrix, glossary, answer;
    const char *quiz;
};

static int main_parse_number(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "mailsim: %s: \"%s\" is not a number from %g to %g\n", opt, v, lo, hi);
        fputs("Try 'mailsim --help'.\n", stderr);
        return EXIT_USAGE;
    }
    *out = x;
    return 0;
}

static int main_parse_size(const char *v, int *w, int *h)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    long y = (*end == 'x' || *end == 'X') ? strtol(end + 1, &end, 10) : -1;
    if (errno || *end || x < 64 || x > 8192 || y < 64 || y > 8192) {
        return main_usage_error("--size: \"%s\" is not WIDTHxHEIGHT (64 to 8192 pixels each)", v);
    }
    *w = (int)x;
    *h = (int)y;
    return 0;
}

/* shot's own options, then run's shared ones (scenario, --lang, --seed, --font, --presenter). */
static int main_parse_shot(int argc, char **argv, struct main_opts *o, struct main_shot_opts *s)
{
    s->so.width = 1920;
    s->so.height = 1080;
    s->so.speed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x = 0;
        int rc = 0;
        bool own = true;
        bool takes = strcmp(a, "--step") == 0 || strcmp(a, "--time") == 0 ||
                     strcmp(a, "--out") == 0 || strcmp(a, "--size") == 0 ||
                     strcmp(a, "--frames") == 0 || strcmp(a, "--speed") == 0 ||
                     strcmp(a, "--quiz") == 0;
        if (takes && !v) {
            return main_usage_error("option %s needs a value", a);
        }
        if (strcmp(a, "--step") == 0) {
            rc = main_parse_number(a, v, 1, 9, &x);
            s->so.step = (int)x;
            s->has_step = true;
            if (!rc && x != (double)s->so.step) {
                rc = main_usage_error("--step: \"%s\" is not a whole step number", v);
            }
        } else if (strcmp(a, "--time") == 0) {
            rc = main_parse_number(a, v, 0, 1e9, &s->so.time);
            s->has_time = true;
        } else if (strcmp(a, "--out") == 0) {
            s->so.out = v;
        } else if (strcmp(a, "--size") == 0) {
            rc = main_parse_size(v, &s->so.width, &s->so.height);
        } else if (strcmp(a, "--frames") == 0) {
            rc = main_parse_number(a, v, 1, 100000, &x);
            s->so.frames = (int)x;
            if (!rc && x != (double)s->so.frames) {
                rc = main_usage_error("--frames: \"%s\" is not a whole number", v);
            }
        } else if (strcmp(a, "--speed") == 0) {
            rc = main_parse_number(a, v, 0.25, 8, &s->so.speed);
            s->has_speed = true;
        } else if (strcmp(a, "--stats") == 0) {
            s->stats = true;
            own = false;
        } else if (strcmp(a, "--matrix") == 0) {
            s->matrix = true;
            own = false;
        } else if (strcmp(a, "--quiz") == 0) {
            s->quiz = v;
        } else if (strcmp(a, "--glossary") == 0) {
            s->glossary = true;
            own = false;
        } else if (strcmp(a, "--answer") == 0) {
            s->answer = true;
            own = false;
        } else {
            own = false;
            /* Everything else is run's: hand over this one argument (and its value). */
            char *pair[3] = {argv[0], argv[i], NULL};
            int n = 2;
            bool value =
                strcmp(a, "--lang") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--font") == 0;
            if (value && v) {
                pair[2] = argv[i + 1];
                n = 3;
                i++;
            }
            if (strcmp(a, "--format") == 0 || strcmp(a, "--pcap") == 0 ||
                strcmp(a, "--keylog") == 0 || strcmp(a, "--maildir") == 0 || strcmp(a, "--no-check") == 0) {
                return main_usage_error("option %s is not one of shot's", a);
            }
            rc = main_parse_opts(n, pair, 1, o);
        }
        if (rc) {
            return rc;
        }
        if (own) {
            i++;
        }
    }
    if (s->has_step == s->has_time && (s->has_step || (!s->quiz && !s->glossary))) {
        return main_usage_error("shot needs either --step N or --time T%s",
                                s->has_step ? ", not both" : "");
    }
    if (!s->has_step && !s->has_time) {
        s->so.time = -1; /* --quiz, --glossary: the moment the window shows them at */
    }
    if (!s->so.out && !s->stats) {
        return main_usage_error("shot needs --out FILE.png (or --stats)%s", "");
    }
    if (s->answer && !s->quiz) {
        return main_usage_error("--answer goes with --quiz N|ID%s", "");
    }
    if (s->has_speed && !s->so.frames) {
        return main_usage_error("--speed goes with --frames N%s", "");
    }
    return 0;
}

static int main_shot(int argc, char **argv, struct main_opts *o)
{
    struct main_shot_opts s = {0};
    int rc = main_parse_shot(argc, argv, o, &s);
    if (rc) {
        return rc;
    }
    s.so.presenter = o->presenter;
    s.so.font = o->font;
    struct viewer_shot_extras x = {s.stats, s.matrix, s.quiz, s.glossary, s.answer};
    return viewer_shot(o->scenario, o->lang, &o->build, &s.so, &x);
}

static int main_window(const struct main_opts *o)
{
    struct viz_window_options wo = {0};
    wo.scenario = o->scenario;
    wo.lang = o->lang;
    wo.font = o->font;
    wo.presenter = o->presenter;
    const char *timing = getenv("MAILSIM_TIMING");
    wo.timing = timing && *timing;
    char err[1024];
    switch (viewer_window(&wo, &o->build, err, sizeof err)) {
    case VIZ_WINDOW_NO_DISPLAY:
        return main_run(o, "cli.no_window", err);
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

int main(int argc, char **argv)
{
    struct main_opts o = {0};
    o.lang = ui_lang_from_locale();
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        main_usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
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
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
        return serve_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "run") == 0) {
        int rc = main_parse_opts(argc, argv, 2, &o);
        return rc ? rc : main_run(&o, NULL, NULL);
    }
    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        return main_check(argc, argv, 2);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        int rc = main_parse_opts(argc, argv, 2, &o);
        return rc ? rc : main_list(o.lang);
    }
    if (argc >= 2 && strcmp(argv[1], "matrix") == 0) {
        return matrix_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "quiz") == 0) {
        return quiz_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "shot") == 0) {
        return main_shot(argc, argv, &o);
    }
    /* No command: the window; without a display (or without the window in this build), the
     * transcript stands in for it. */
    int rc = main_parse_opts(argc, argv, 1, &o);
    if (rc) {
        return rc;
    }
    const char *display = getenv("DISPLAY");
    const char *wayland = getenv("WAYLAND_DISPLAY");
    bool has_display = (display && *display) || (wayland && *wayland);
    return has_display ? main_window(&o) : main_run(&o, "cli.no_display", viewer_no_window());
}
