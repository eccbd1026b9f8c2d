/* quiz_cli: `mailsim quiz` — a round of questions in the terminal (answers read from stdin, so
 * it also runs without a display and under a script), the bank as text or JSON lines, the
 * verification of every question against its run, and the glossary. Its words come from
 * assets/quiz/ui.json, in Japanese and English. */
#include "quiz.h"

#include "catalog.h"
#include "cli_opts.h"
#include "glossary.h"
#include "paths.h"
#include "quiz_check.h"
#include "quiz_round.h"
#include "quiz_verify.h"
#include "scenario.h"
#include "ui_strings.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUIZ_EXIT_FAILED 1
#define QUIZ_EXIT_USAGE 2
#define QUIZ_MAX_COUNT 100000

enum quiz_mode { QUIZ_MODE_ROUND, QUIZ_MODE_LIST, QUIZ_MODE_VERIFY, QUIZ_MODE_GLOSSARY };

struct quiz_opts {
    enum quiz_mode mode;
    const char *lang;
    struct quiz_filter filter;
    size_t count;
    bool count_set;
    uint64_t seed;
    bool has_seed;
    bool jsonl;
    bool format_set;
    bool filter_set; /* --topic, --weight or --scenario */
    const char *bank;
};

static const char *const quiz_circled[10] = {"", "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"};

/* ---- Words ---- */

struct quiz_ui {
    cJSON *root;
    const cJSON *lang;
    const cJSON *en;
};

static int quiz_ui_load(struct quiz_ui *ui, const char *lang, char *err, size_t errlen)
{
    char path[PATH_MAX];
    memset(ui, 0, sizeof *ui);
    if (paths_data_file("assets/quiz/ui.json", path, sizeof path) != 0) {
        snprintf(err, errlen,
                 "cannot find assets/quiz/ui.json (set MAILSIM_DATA_DIR to "
                 "mailsim's data directory)");
        return -1;
    }
    FILE *f = fopen(path, "rb");
    char buf[1 << 16];
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    if (len == sizeof buf - 1) {
        snprintf(err, errlen, "%.900s: larger than %zu bytes", path, sizeof buf - 2);
        return -1;
    }
    ui->root = len ? cJSON_ParseWithLength(buf, len) : NULL;
    ui->en = cJSON_GetObjectItemCaseSensitive(ui->root, "en");
    ui->lang = cJSON_GetObjectItemCaseSensitive(ui->root, lang);
    if (!cJSON_IsObject(ui->en) || !cJSON_IsObject(ui->lang)) {
        snprintf(err, errlen, "%.900s: not an object of \"ja\" and \"en\" strings", path);
        cJSON_Delete(ui->root);
        ui->root = NULL;
        return -1;
    }
    return 0;
}

static const char *quiz_ui(const struct quiz_ui *ui, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ui->lang, key);
    if (!cJSON_IsString(v)) {
        v = cJSON_GetObjectItemCaseSensitive(ui->en, key);
    }
    return cJSON_IsString(v) ? v->valuestring : key;
}

/* ---- Options ---- */

static void quiz_usage(FILE *out)
{
    fputs("usage: mailsim quiz [--lang ja|en] [--topic T] [--weight W] [--scenario S]\n"
          "                    [--count N|all] [--seed N] [--review]\n"
          "       mailsim quiz --list [--format text|jsonl] [--topic T] [--weight W]\n"
          "                           [--scenario S]\n"
          "       mailsim quiz --verify [--topic T] [--weight W] [--scenario S]\n"
          "       mailsim quiz --glossary [--lang ja|en] [--format text|jsonl]\n"
          "\n"
          "The exam study mode: questions on what the bundled scenarios show, each tied to a\n"
          "scenario and a step of it. A round asks them one by one; type the number of your\n"
          "answer (for a question about the diagram, the number or the agent's name), or q to\n"
          "stop. Each answer is followed by the explanation, its source (an RFC section, a\n"
          "Postfix parameter or the exam sitting it follows) and how often the exam asks it;\n"
          "the round ends with the score. The questions the exam asks most come first.\n"
          "\n"
          "options:\n"
          "  --lang ja|en     the language (default: from the locale, as `mailsim run`)\n"
          "  --topic T        only questions of topic T (the list is below); several as a\n"
          "                   comma list (--topic ports,tls) or by repeating it\n"
          "  --weight W       only questions the exam asks this often: high, medium, low;\n"
          "                   several as a comma list (--weight high,medium) or repeated\n"
          "  --scenario S     only questions on bundled scenario S (see `mailsim list`)\n"
          "  --count N|all    how many questions in the round (default 10)\n"
          "  --seed N         the order of the round (default: from the clock); questions\n"
          "                   asked less often come first, and among them high weight,\n"
          "                   then medium, then low\n"
          "  --review         only questions whose last answer was wrong\n"
          "  --list           print the bank instead: text, or --format jsonl (one JSON\n"
          "                   object a question: id, topic, exam_weight, scenario, step, kind,\n"
          "                   answer, source, ja, en, check)\n"
          "  --verify         run every question's scenario and check what the question says\n"
          "                   about it (the port of a step, who took a step, what a tap saw);\n"
          "                   one line a question; exit status 1 when one fails\n"
          "  --glossary       print the glossary (用語集) of the terms mailsim uses\n"
          "  --bank FILE      another question bank (same format as assets/quiz/questions.json)\n"
          "\n"
          "Progress (times asked, times right, the last result) is kept per question in\n"
          "$XDG_DATA_HOME/mailsim/progress.json (default ~/.local/share/mailsim/).\n"
          "\n"
          "exit status: 0 ok, 1 a question failed --verify, 2 usage or bad input\n"
          "\n"
          "topics:",
          out);
    /* From the topic table itself, so that a new topic is listed without a word here. */
    int col = 7;
    for (int k = 0; k < QUIZ_TOPIC_COUNT; k++) {
        const char *name = quiz_topic_name((enum quiz_topic)k);
        int w = (int)strlen(name) + 2;
        if (col + w > 84) {
            fputs("\n       ", out);
            col = 7;
        }
        fprintf(out, " %s%s", name, k + 1 < QUIZ_TOPIC_COUNT ? "," : "\n");
        col += w;
    }
}

static const struct cli_opts_voice quiz_voice = {"mailsim quiz", "Try 'mailsim quiz --help'."};

/* Prints the names of a table (quiz_topic_name, quiz_weight_name), ", " between them, into
 * out. */
static void quiz_names(char *out, size_t cap, const char *(*name)(int), int count)
{
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < count && len < cap; k++) {
        int w = snprintf(out + len, cap - len, "%s%s", k ? ", " : "", name(k));
        len += w > 0 ? (size_t)w : 0;
    }
}

static const char *quiz_topic_at(int k)
{
    return quiz_topic_name((enum quiz_topic)k);
}

static const char *quiz_weight_at(int k)
{
    return quiz_weight_name((enum quiz_weight)k);
}

/* --topic and --weight: a comma list, added to *mask (bit 1u << index); name and count are the
 * table the words come from. */
static int quiz_parse_set(const struct cli_opts *p, int (*find)(const char *),
                          const char *(*name)(int), int count, unsigned *mask)
{
    char item[64];
    const char *v = p->arg;
    for (;;) {
        size_t len = strcspn(v, ",");
        int k = -1;
        if (len < sizeof item) {
            memcpy(item, v, len);
            item[len] = '\0';
            k = find(item);
        }
        if (k < 0) {
            char names[1024];
            quiz_names(names, sizeof names, name, count);
            return cli_opts_usage(&quiz_voice, "%s: \"%.*s\" is not one of %s", p->opt,
                                  (int)(len < 64 ? len : 64), v, names);
        }
        *mask |= 1u << k;
        if (!v[len]) {
            return 0;
        }
        v += len + 1;
    }
}

/* --count N|all: 0 for all. */
static int quiz_parse_count(const struct cli_opts *p, size_t *count)
{
    unsigned long long x = 0;
    if (strcmp(p->arg, "all") == 0) {
        *count = 0;
        return 0;
    }
    if (cli_opts_parse_uint(p->arg, 0, QUIZ_MAX_COUNT, &x) != 0) {
        return cli_opts_bad_value(p, "is not a whole number from 1 to %d", QUIZ_MAX_COUNT);
    }
    if (x == 0) {
        return cli_opts_bad_value(p, "is not a whole number from 1 to %d (or all)", QUIZ_MAX_COUNT);
    }
    *count = (size_t)x;
    return 0;
}

static int quiz_set_mode(struct quiz_opts *o, enum quiz_mode m, const char *opt)
{
    if (o->mode != QUIZ_MODE_ROUND && o->mode != m) {
        return cli_opts_usage(&quiz_voice, "%s: choose one of --list, --verify and --glossary",
                              opt);
    }
    o->mode = m;
    return 0;
}

/* The options but --help, as X(id, name, has_arg) (cli_opts.h). */
#define QUIZ_OPTIONS(X)                                                                            \
    X(QUIZ_OPT_LANG, "lang", required_argument)                                                    \
    X(QUIZ_OPT_TOPIC, "topic", required_argument)                                                  \
    X(QUIZ_OPT_WEIGHT, "weight", required_argument)                                                \
    X(QUIZ_OPT_SCENARIO, "scenario", required_argument)                                            \
    X(QUIZ_OPT_COUNT, "count", required_argument)                                                  \
    X(QUIZ_OPT_SEED, "seed", required_argument)                                                    \
    X(QUIZ_OPT_FORMAT, "format", required_argument)                                                \
    X(QUIZ_OPT_BANK, "bank", required_argument)                                                    \
    X(QUIZ_OPT_REVIEW, "review", no_argument)                                                      \
    X(QUIZ_OPT_LIST, "list", no_argument)                                                          \
    X(QUIZ_OPT_VERIFY, "verify", no_argument)                                                      \
    X(QUIZ_OPT_GLOSSARY, "glossary", no_argument)

CLI_OPTS_DEFINE(QUIZ_OPTIONS, quiz_options, CLI_OPTS_HELP);

/* --format's words: jsonl is the second. */
static const char *const quiz_formats[] = {"text", "jsonl", NULL};

/* One option into o; 0, or the exit status after a message. */
static int quiz_take(const struct cli_opts *p, int c, struct quiz_opts *o)
{
    int k = 0, rc = 0;
    unsigned long long seed = 0;
    switch (c) {
    case QUIZ_OPT_LANG:
        return cli_opts_lang(p, &o->lang);
    case QUIZ_OPT_TOPIC:
        o->filter_set = true;
        return quiz_parse_set(p, quiz_topic_find, quiz_topic_at, QUIZ_TOPIC_COUNT,
                              &o->filter.topics);
    case QUIZ_OPT_WEIGHT:
        o->filter_set = true;
        return quiz_parse_set(p, quiz_weight_find, quiz_weight_at, QUIZ_WEIGHT_COUNT,
                              &o->filter.weights);
    case QUIZ_OPT_SCENARIO:
        o->filter.scenario = p->arg;
        o->filter_set = true;
        return 0;
    case QUIZ_OPT_COUNT:
        o->count_set = true;
        return quiz_parse_count(p, &o->count);
    case QUIZ_OPT_SEED:
        if (cli_opts_parse_uint(p->arg, 0, UINT64_MAX, &seed) != 0) {
            return cli_opts_bad_value(p, "is not a whole number from 0 to %llu",
                                      (unsigned long long)UINT64_MAX);
        }
        o->seed = seed;
        o->has_seed = true;
        return 0;
    case QUIZ_OPT_FORMAT:
        rc = cli_opts_choose(p, quiz_formats, &k);
        o->jsonl = k == 1;
        o->format_set = true;
        return rc;
    case QUIZ_OPT_BANK:
        o->bank = p->arg;
        return 0;
    case QUIZ_OPT_REVIEW:
        o->filter.review = true;
        return 0;
    case QUIZ_OPT_LIST:
        return quiz_set_mode(o, QUIZ_MODE_LIST, p->opt);
    case QUIZ_OPT_VERIFY:
        return quiz_set_mode(o, QUIZ_MODE_VERIFY, p->opt);
    default:
        return quiz_set_mode(o, QUIZ_MODE_GLOSSARY, p->opt);
    }
}

static int quiz_parse_opts(int argc, char **argv, struct quiz_opts *o, bool *help)
{
    struct cli_opts p;
    cli_opts_init(&p, argc, argv, quiz_options, "h", &quiz_voice);
    for (int c = cli_opts_next(&p); c != CLI_OPTS_END; c = cli_opts_next(&p)) {
        int rc = c == CLI_OPTS_FAILED ? QUIZ_EXIT_USAGE : 0;
        if (c == 'h') {
            *help = true;
            return 0;
        } else if (c == CLI_OPTS_ARG) {
            rc = cli_opts_usage(
                &quiz_voice, "unexpected argument \"%s\" (a scenario goes with --scenario)", p.arg);
        } else if (!rc) {
            rc = quiz_take(&p, c, o);
        }
        if (rc) {
            return rc;
        }
    }
    if (o->mode != QUIZ_MODE_ROUND && (o->count_set || o->has_seed || o->filter.review)) {
        return cli_opts_usage(&quiz_voice,
                              "%s goes with a round, not with --list, --verify or --glossary",
                              o->count_set ? "--count" : "--seed or --review");
    }
    if (o->format_set && o->mode != QUIZ_MODE_LIST && o->mode != QUIZ_MODE_GLOSSARY) {
        return cli_opts_usage(&quiz_voice, "--format goes with --list or --glossary");
    }
    if (o->mode == QUIZ_MODE_GLOSSARY && (o->filter_set || o->bank)) {
        return cli_opts_usage(&quiz_voice, "--glossary takes only --lang and --format");
    }
    return 0;
}

/* ---- A round ---- */

/* What the student can pick for a click question: the scenario's agents or links. */
struct quiz_targets {
    struct scenario *sc;
    size_t n;
    bool links;
};

static const char *quiz_role_label(const struct quiz_ui *ui, const char *role)
{
    char key[48];
    snprintf(key, sizeof key, "role.%s", role);
    const char *label = quiz_ui(ui, key);
    return strcmp(label, key) == 0 ? role : label;
}

static void quiz_print_target(const struct quiz_targets *t, size_t i, const struct quiz_ui *ui,
                              FILE *out)
{
    if (t->links) {
        fprintf(out, "%s — %s", t->sc->links[i].a, t->sc->links[i].b);
    } else {
        const struct scenario_agent *a = &t->sc->agents[i];
        fprintf(out, "%s (%s, %s)", a->id, quiz_role_label(ui, a->role), a->host);
    }
}

/* Choice or target i (from 0) as an answer to q. */
static struct quiz_answer quiz_answer_of(const struct quiz_question *q,
                                         const struct quiz_targets *t, size_t i)
{
    struct quiz_answer a = {0};
    if (q->kind == QUIZ_CHOICE) {
        a.choice = i;
    } else if (t->links) {
        a.link[0] = t->sc->links[i].a;
        a.link[1] = t->sc->links[i].b;
    } else {
        a.agent = t->sc->agents[i].id;
    }
    return a;
}

/* The number shown beside the right answer among the n choices or targets; 0 when none is. */
static size_t quiz_right_number(const struct quiz_question *q, const struct quiz_targets *t,
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct quiz_answer a = quiz_answer_of(q, t, i);
        if (quiz_round_grade(q, &a)) {
            return i + 1;
        }
    }
    return 0;
}

/* The choice a typed line names: 1-based number, or (click) an agent's id or a link's two host
 * names. 0 when it names none. */
static size_t quiz_parse_answer(const char *line, size_t n, const struct quiz_targets *t)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(line, &end, 10);
    if (!errno && end != line && *end == '\0' && line[0] != '-' && line[0] != '+') {
        return x >= 1 && x <= n ? (size_t)x : 0;
    }
    if (!t || !t->sc) {
        return 0;
    }
    if (!t->links) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(t->sc->agents[i].id, line) == 0) {
                return i + 1;
            }
        }
        return 0;
    }
    char copy[256], *words[2] = {NULL, NULL}, *save = NULL;
    size_t k = 0;
    snprintf(copy, sizeof copy, "%s", line);
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (strcmp(w, "-") == 0 || strcmp(w, "—") == 0) {
            continue;
        }
        if (k == 2) {
            return 0;
        }
        words[k++] = w;
    }
    for (size_t i = 0; k == 2 && i < n; i++) {
        const struct scenario_link *l = &t->sc->links[i];
        if ((strcmp(l->a, words[0]) == 0 && strcmp(l->b, words[1]) == 0) ||
            (strcmp(l->a, words[1]) == 0 && strcmp(l->b, words[0]) == 0)) {
            return i + 1;
        }
    }
    return 0;
}

/* Reads one answer line, trimmed. false at the end of input. */
static bool quiz_read_line(char *line, size_t cap)
{
    if (!fgets(line, (int)cap, stdin)) {
        return false;
    }
    size_t len = strlen(line);
    if (len == cap - 1 && line[len - 1] != '\n') {
        int ch;
        while ((ch = getchar()) != EOF && ch != '\n') {
        }
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' ||
                       line[len - 1] == '\t')) {
        line[--len] = '\0';
    }
    size_t start = strspn(line, " \t");
    memmove(line, line + start, len - start + 1);
    if (!isatty(STDIN_FILENO)) {
        printf("%s\n", line); /* a piped answer shows in the transcript as if typed */
    }
    return true;
}

static void quiz_print_place(const struct quiz_question *q, const struct quiz_ui *ui, FILE *out)
{
    char key[48];
    snprintf(key, sizeof key, "topic.%s", quiz_topic_name(q->topic));
    fprintf(out, "%s · %s ", quiz_ui(ui, key), q->scenario);
    if (q->step > 0) {
        fprintf(out, "%s", quiz_circled[q->step]);
    } else {
        fputs(quiz_ui(ui, "whole_scenario"), out);
    }
}

/* "Source: RFC 4954 §6 · Exam weight: high", after the explanation. */
static void quiz_print_source(const struct quiz_question *q, const struct quiz_ui *ui, FILE *out)
{
    char key[32];
    snprintf(key, sizeof key, "weight.%s", quiz_weight_name(q->weight));
    fprintf(out, "%s %s · %s %s\n", quiz_ui(ui, "source"), q->source, quiz_ui(ui, "weight"),
            quiz_ui(ui, key));
}

/* Asks the round's question and submits the answer typed; 0 answered, -1 the student stopped
 * (q or the end of input), -2 the scenario of a click question cannot be loaded. */
static int quiz_ask(struct quiz_round *r, const char *lang, const struct quiz_ui *ui)
{
    const struct quiz_question *q = quiz_round_current(r);
    const struct quiz_text *t = quiz_text_in(q, lang);
    struct quiz_targets targets = {0};
    size_t n = t->nchoices;
    if (q->kind == QUIZ_CLICK) {
        char err[1024];
        targets.sc = catalog_load(q->scenario, err, sizeof err);
        if (!targets.sc) {
            fprintf(stderr, "%s\n", err);
            return -2;
        }
        targets.links = q->answer_link[0] != NULL;
        n = targets.links ? targets.sc->nlinks : targets.sc->nagents;
    }
    printf("\n[%zu/%zu] ", r->cur + 1, r->n);
    quiz_print_place(q, ui, stdout);
    printf(" · %s\n%s\n", q->id, t->question);
    if (q->kind == QUIZ_CLICK) {
        printf("%s\n", quiz_ui(ui, targets.links ? "click_link" : "click_agent"));
    }
    for (size_t i = 0; i < n; i++) {
        printf("  %zu) ", i + 1);
        if (q->kind == QUIZ_CLICK) {
            quiz_print_target(&targets, i, ui, stdout);
            putchar('\n');
        } else {
            printf("%s\n", t->choices[i]);
        }
    }
    int result = -1;
    for (;;) {
        printf("%s [1-%zu, q]: ", quiz_ui(ui, "prompt"), n);
        fflush(stdout);
        char line[256];
        if (!quiz_read_line(line, sizeof line)) {
            putchar('\n');
            break;
        }
        if (strcmp(line, "q") == 0 || strcmp(line, "Q") == 0 || strcmp(line, "quit") == 0) {
            break;
        }
        size_t pick = quiz_parse_answer(line, n, q->kind == QUIZ_CLICK ? &targets : NULL);
        if (!pick) {
            printf("%s\n", quiz_ui(ui, "bad_answer"));
            continue;
        }
        struct quiz_answer a = quiz_answer_of(q, &targets, pick - 1);
        struct quiz_verdict v;
        quiz_round_submit(r, &a, &v);
        result = 0;
        printf("%s", quiz_ui(ui, v.right ? "right" : "wrong"));
        size_t right = v.right ? 0 : quiz_right_number(q, &targets, n);
        if (right) {
            printf(" %s %zu) ", quiz_ui(ui, "the_answer"), right);
            if (q->kind == QUIZ_CLICK) {
                quiz_print_target(&targets, right - 1, ui, stdout);
            } else {
                fputs(t->choices[right - 1], stdout);
            }
        }
        printf("\n%s\n", t->explanation);
        quiz_print_source(q, ui, stdout);
        break;
    }
    scenario_free(targets.sc);
    return result;
}

static void quiz_progress_open(struct quiz_progress *p, char *path, size_t cap, bool *keep)
{
    char err[PATH_MAX + 128];
    *keep = quiz_progress_default_path(path, cap) == 0;
    memset(p, 0, sizeof *p);
    if (!*keep) {
        fputs("mailsim quiz: neither XDG_DATA_HOME nor HOME names a directory, so progress is "
              "not kept\n",
              stderr);
        return;
    }
    if (quiz_progress_load(p, path, err, sizeof err) != 0) {
        char bad[PATH_MAX + 8];
        snprintf(bad, sizeof bad, "%s.bad", path);
        bool moved = rename(path, bad) == 0;
        fprintf(stderr, "mailsim quiz: %s; %s\n", err,
                moved ? "kept it as progress.json.bad and starting afresh"
                      : "progress is not kept this time");
        *keep = moved;
    }
}

static int quiz_play(const struct quiz_bank *b, const struct quiz_opts *o, const struct quiz_ui *ui)
{
    char path[PATH_MAX], err[PATH_MAX + 128];
    bool keep;
    struct quiz_progress p;
    quiz_progress_open(&p, path, sizeof path, &keep);
    struct quiz_round_options ro = {o->filter, QUIZ_ROUND_SHUFFLED, 0,
                                    o->count_set ? o->count : 10};
    ro.seed = o->has_seed ? o->seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    struct quiz_round r = {0};
    if (quiz_round_start(&r, b, &p, &ro) != 0) {
        quiz_progress_free(&p);
        fputs("mailsim quiz: out of memory\n", stderr);
        return QUIZ_EXIT_USAGE;
    }
    if (r.n == 0) {
        printf("%s\n", quiz_ui(ui, o->filter.review ? "nothing_to_review" : "no_questions"));
        quiz_round_free(&r);
        quiz_progress_free(&p);
        return 0;
    }
    printf("%s: %zu%s (seed %llu)\n%s\n", quiz_ui(ui, "title"), r.n,
           quiz_ui(ui, r.n == 1 ? "question" : "questions"), (unsigned long long)ro.seed,
           quiz_ui(ui, "how"));
    int status = 0;
    bool warned = false;
    for (const struct quiz_question *q; (q = quiz_round_current(&r)); quiz_round_next(&r)) {
        int rc = quiz_ask(&r, o->lang, ui);
        if (rc == -2) {
            status = QUIZ_EXIT_USAGE;
            break;
        }
        if (rc < 0) {
            printf("%s\n", quiz_ui(ui, "stopped"));
            break;
        }
        if (keep &&
            (quiz_progress_record(&p, q->id, r.right, (int64_t)time(NULL)) != 0 ||
             quiz_progress_save(&p, path, err, sizeof err) != 0) &&
            !warned) {
            fprintf(stderr, "mailsim quiz: progress not saved: %s\n", err);
            warned = true;
        }
    }
    size_t asked = r.asked, right = r.nright;
    if (asked) {
        printf("\n%s %zu/%zu (%zu%%)\n", quiz_ui(ui, "score"), right, asked,
               (right * 100 + asked / 2) / asked);
    }
    if (keep && asked && !warned) {
        size_t seen = 0, review = 0;
        for (size_t i = 0; i < b->n; i++) {
            const struct quiz_record *rec = quiz_progress_find(&p, b->q[i].id);
            seen += rec && rec->asked ? 1 : 0;
            review += rec && rec->last == QUIZ_LAST_WRONG ? 1 : 0;
        }
        printf("%s %zu/%zu\n%s %zu\n%s %s\n", quiz_ui(ui, "so_far"), seen, b->n,
               quiz_ui(ui, "to_review"), review, quiz_ui(ui, "saved"), path);
    }
    quiz_round_free(&r);
    quiz_progress_free(&p);
    return status;
}

/* ---- The bank, the glossary ---- */

static cJSON *quiz_text_json(const struct quiz_text *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return NULL;
    }
    cJSON_AddStringToObject(o, "question", t->question);
    if (t->nchoices) {
        cJSON *c = cJSON_AddArrayToObject(o, "choices");
        for (size_t i = 0; c && i < t->nchoices; i++) {
            cJSON_AddItemToArray(c, cJSON_CreateString(t->choices[i]));
        }
    }
    cJSON_AddStringToObject(o, "explanation", t->explanation);
    return o;
}

static int quiz_list_jsonl(const struct quiz_bank *b, const bool *pick)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct quiz_question *q = &b->q[i];
        if (!pick[i]) {
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            return -1;
        }
        cJSON_AddStringToObject(o, "id", q->id);
        cJSON_AddStringToObject(o, "topic", quiz_topic_name(q->topic));
        cJSON_AddStringToObject(o, "exam_weight", quiz_weight_name(q->weight));
        cJSON_AddStringToObject(o, "scenario", q->scenario);
        cJSON_AddNumberToObject(o, "step", q->step);
        cJSON_AddStringToObject(o, "kind", q->kind == QUIZ_CLICK ? "click" : "choice");
        if (q->kind == QUIZ_CHOICE) {
            cJSON_AddNumberToObject(o, "answer", (double)q->answer);
        } else if (q->answer_agent) {
            cJSON_AddStringToObject(o, "answer", q->answer_agent);
        } else {
            const char *pair[2] = {q->answer_link[0], q->answer_link[1]};
            cJSON_AddItemToObject(o, "answer", cJSON_CreateStringArray(pair, 2));
        }
        cJSON_AddStringToObject(o, "source", q->source);
        cJSON_AddItemToObject(o, "ja", quiz_text_json(&q->ja));
        cJSON_AddItemToObject(o, "en", quiz_text_json(&q->en));
        if (q->check) {
            cJSON_AddItemToObject(o, "check", cJSON_Duplicate(q->check, true));
        }
        cJSON_AddBoolToObject(o, "checkable", q->check != NULL);
        char *line = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!line) {
            return -1;
        }
        puts(line);
        cJSON_free(line);
    }
    return 0;
}

static void quiz_list_text(const struct quiz_bank *b, const bool *pick, const char *lang,
                           const struct quiz_ui *ui)
{
    size_t shown = 0, checkable = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct quiz_question *q = &b->q[i];
        if (!pick[i]) {
            continue;
        }
        shown++;
        checkable += q->check ? 1 : 0;
        char key[32];
        snprintf(key, sizeof key, "weight.%s", quiz_weight_name(q->weight));
        printf("%-34s ", q->id);
        quiz_print_place(q, ui, stdout);
        printf(" · %s · %s %s%s\n    %s\n", q->kind == QUIZ_CLICK ? "click" : "choice",
               quiz_ui(ui, "weight"), quiz_ui(ui, key), q->check ? "" : " · -",
               quiz_text_in(q, lang)->question);
    }
    printf("%zu %s (%zu %s)\n", shown, quiz_ui(ui, "listed"), checkable, quiz_ui(ui, "checkable"));
}

static int quiz_glossary(const struct quiz_opts *o)
{
    char err[1024];
    struct glossary *g = glossary_load(NULL, err, sizeof err);
    if (!g) {
        fprintf(stderr, "%s\n", err);
        return QUIZ_EXIT_USAGE;
    }
    for (size_t i = 0; i < g->n; i++) {
        const struct glossary_entry *e = &g->e[i];
        if (o->jsonl) {
            cJSON *obj = cJSON_CreateObject();
            cJSON *ja = cJSON_AddObjectToObject(obj, "ja");
            cJSON *en = cJSON_AddObjectToObject(obj, "en");
            cJSON_AddStringToObject(obj, "id", e->id);
            cJSON_AddStringToObject(ja, "term", e->term_ja);
            cJSON_AddStringToObject(ja, "definition", e->definition_ja);
            cJSON_AddStringToObject(en, "term", e->term_en);
            cJSON_AddStringToObject(en, "definition", e->definition_en);
            char *line = cJSON_PrintUnformatted(obj);
            if (line) {
                puts(line);
            }
            cJSON_free(line);
            cJSON_Delete(obj);
        } else {
            printf("%s%s\n    %s\n", i ? "\n" : "", glossary_term(e, o->lang),
                   glossary_definition(e, o->lang));
        }
    }
    glossary_free(g);
    return fflush(stdout) == 0 ? 0 : QUIZ_EXIT_USAGE;
}

static int quiz_verify_some(const struct quiz_bank *b, const bool *pick)
{
    struct quiz_bank view = {b->name, malloc((b->n ? b->n : 1) * sizeof *b->q), 0};
    if (!view.q) {
        fputs("mailsim quiz: out of memory\n", stderr);
        return QUIZ_EXIT_USAGE;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (pick[i]) {
            view.q[view.n++] = b->q[i]; /* borrowed: the bank still owns every pointer */
        }
    }
    int failed = quiz_verify(&view, stdout);
    free(view.q);
    return failed ? QUIZ_EXIT_FAILED : 0;
}

int quiz_main(int argc, char **argv)
{
    struct quiz_opts o = {0};
    o.lang = ui_lang_from_locale();
    bool help = false;
    int rc = quiz_parse_opts(argc, argv, &o, &help);
    if (rc || help) {
        if (help) {
            quiz_usage(stdout);
        }
        return rc;
    }
    if (o.mode == QUIZ_MODE_GLOSSARY) {
        return quiz_glossary(&o);
    }
    char err[1024];
    struct quiz_bank *b = quiz_bank_load(o.bank, err, sizeof err);
    if (!b) {
        fprintf(stderr, "%s\n", err);
        return QUIZ_EXIT_USAGE;
    }
    bool *pick = calloc(b->n, sizeof *pick);
    size_t picked = 0;
    for (size_t i = 0; pick && i < b->n; i++) {
        const struct quiz_question *q = &b->q[i];
        pick[i] = quiz_filter_lets(&o.filter, q);
        picked += pick[i];
    }
    struct quiz_ui ui;
    if (!pick || quiz_ui_load(&ui, o.lang, err, sizeof err) != 0) {
        fprintf(stderr, "mailsim quiz: %s\n", pick ? err : "out of memory");
        free(pick);
        quiz_bank_free(b);
        return QUIZ_EXIT_USAGE;
    }
    if (o.filter.scenario && picked == 0) {
        bool known = false;
        for (size_t i = 0; i < b->n && !known; i++) {
            known = strcmp(b->q[i].scenario, o.filter.scenario) == 0;
        }
        if (!known) {
            rc = cli_opts_usage(&quiz_voice,
                                "--scenario: no question is about \"%s\" (see `mailsim list` "
                                "and `mailsim quiz --list`)",
                                o.filter.scenario);
        }
    }
    if (rc == 0) {
        switch (o.mode) {
        case QUIZ_MODE_LIST:
            if (o.jsonl) {
                rc = quiz_list_jsonl(b, pick) == 0 ? 0 : QUIZ_EXIT_USAGE;
            } else {
                quiz_list_text(b, pick, o.lang, &ui);
            }
            break;
        case QUIZ_MODE_VERIFY:
            rc = quiz_verify_some(b, pick);
            break;
        default:
            rc = quiz_play(b, &o, &ui);
            break;
        }
    }
    if (fflush(stdout) != 0 && rc == 0) {
        rc = QUIZ_EXIT_USAGE;
    }
    cJSON_Delete(ui.root);
    free(pick);
    quiz_bank_free(b);
    return rc;
}
