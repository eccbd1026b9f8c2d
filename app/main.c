/* main: the mailsim command line — run a scenario headless (transcript, JSON lines, summary,
 * pcap), check scenarios' expectations, list the bundled ones. Exit status: 0 ok,
 * 1 an expectation failed, 2 usage or bad input. */
#include "build.h"
#include "export.h"
#include "export_pcap.h"
#include "mua.h"
#include "paths.h"
#include "scenario.h"
#include "strings.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern const unsigned char default_scenario_json[];
extern const size_t default_scenario_json_len;

#define EXIT_EXPECT 1
#define EXIT_USAGE 2

enum main_format { FORMAT_TEXT, FORMAT_JSONL, FORMAT_SUMMARY };

struct main_opts {
    const char *scenario; /* NULL: the built-in default */
    enum main_format format;
    const char *pcap;
    const char *lang;
    struct build_options build;
    bool no_check;
};

static void main_usage(FILE *out)
{
    fputs("usage: mailsim [SCENARIO]\n"
          "       mailsim run [SCENARIO] [--format text|jsonl|summary] [--pcap FILE]\n"
          "                   [--lang ja|en] [--seed N] [--maildir DIR] [--no-check]\n"
          "       mailsim check SCENARIO...\n"
          "       mailsim list [--lang ja|en]\n"
          "       mailsim --help | --version\n"
          "\n"
          "Internet mail, simulated: agents (MUA, MSA, MTA, MDA, MRA, DNS, a content filter)\n"
          "exchange real SMTP and POP3 bytes over simulated links, and every byte is recorded.\n"
          "\n"
          "SCENARIO is a file (scenarios/*.json) or the name of a bundled scenario\n"
          "(`mailsim list`); without one, the built-in nine-step delivery is used.\n"
          "\n"
          "commands:\n"
          "  (none)   open the window; without a display, print the transcript\n"
          "  run      run headless and print the transcript (C:/S: lines under step headers)\n"
          "  check    run each scenario and test its expect block\n"
          "  list     the bundled scenarios with their titles\n"
          "\n"
          "options of run:\n"
          "  --format text     the transcript, in the chosen language (default)\n"
          "  --format jsonl    the trace, one JSON object a line\n"
          "  --format summary  one JSON line: messages delivered, events, virtual seconds\n"
          "  --pcap FILE       also write the run as a pcap file for Wireshark or tshark\n"
          "  --lang ja|en      language of the transcript (default: from the locale)\n"
          "  --seed N          another seed than the scenario's (ports, ids, timestamps)\n"
          "  --maildir DIR     also deliver into real Maildirs under DIR\n"
          "  --no-check        do not test the expect block\n"
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

static bool main_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A file path, a bundled scenario's name, or NULL for the built-in default. */
static struct scenario *main_load(const char *arg, char *err, size_t errlen)
{
    if (!arg) {
        return scenario_parse((const char *)default_scenario_json, default_scenario_json_len,
                              "(built-in nine-steps)", err, errlen);
    }
    if (strchr(arg, '/') || main_is_file(arg) || strstr(arg, ".json")) {
        return scenario_load(arg, err, errlen);
    }
    char rel[PATH_MAX], path[PATH_MAX];
    snprintf(rel, sizeof rel, "scenarios/%s.json", arg);
    if (paths_data_file(rel, path, sizeof path) != 0 || !main_is_file(path)) {
        snprintf(err, errlen,
                 "%s: error: no such file, and no bundled scenario of that name "
                 "(see `mailsim list`)",
                 arg);
        return NULL;
    }
    return scenario_load(path, err, errlen);
}

static int main_parse_opts(int argc, char **argv, int first, struct main_opts *o)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--format") == 0 || strcmp(a, "--pcap") == 0 ||
                     strcmp(a, "--lang") == 0 || strcmp(a, "--seed") == 0 ||
                     strcmp(a, "--maildir") == 0;
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
        } else if (strcmp(a, "--no-check") == 0) {
            o->no_check = true;
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
static int main_run(const struct main_opts *o, const char *note_key)
{
    char err[1024];
    struct scenario *sc = main_load(o->scenario, err, sizeof err);
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
    struct mail_world *mw = build_world(sc, &o->build, &tr, err, sizeof err);
    if (!mw) {
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
        const char *title = strcmp(o->lang, "ja") == 0 ? sc->title.ja : sc->title.en;
        printf("mailsim %s — %s (seed %llu)\n", sc->id, title ? title : "",
               (unsigned long long)tr.seed);
        if (note_key) {
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
        struct scenario *sc = main_load(argv[i], err, sizeof err);
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

static int main_compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int main_list(const char *lang)
{
    char dir[PATH_MAX];
    if (paths_data_file("scenarios", dir, sizeof dir) != 0) {
        fprintf(stderr, "mailsim: cannot find the scenarios directory\n");
        return EXIT_USAGE;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "mailsim: %s: %s\n", dir, strerror(errno));
        return EXIT_USAGE;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < sizeof names / sizeof names[0]) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0 &&
            strstr(de->d_name, ".schema.") == NULL) {
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], main_compare_names);
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX + 256], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct scenario *sc = scenario_load(path, err, sizeof err);
        if (!sc) {
            fprintf(stderr, "%s\n", err);
            status = EXIT_USAGE;
        } else {
            const char *title = strcmp(lang, "ja") == 0 ? sc->title.ja : sc->title.en;
            printf("%-24s %s\n", sc->id, title ? title : "");
            scenario_free(sc);
        }
        free(names[i]);
    }
    return status;
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
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "run") == 0) {
        int rc = main_parse_opts(argc, argv, 2, &o);
        return rc ? rc : main_run(&o, NULL);
    }
    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        return main_check(argc, argv, 2);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        int rc = main_parse_opts(argc, argv, 2, &o);
        return rc ? rc : main_list(o.lang);
    }
    /* No command: the window. It comes with the visualizer; until then, and always without a
     * display, the transcript stands in for it. */
    int rc = main_parse_opts(argc, argv, 1, &o);
    if (rc) {
        return rc;
    }
    const char *display = getenv("DISPLAY");
    const char *wayland = getenv("WAYLAND_DISPLAY");
    bool has_display = (display && *display) || (wayland && *wayland);
    return main_run(&o, has_display ? "cli.no_window_yet" : "cli.no_display");
}
