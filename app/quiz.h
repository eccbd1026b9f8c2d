/* quiz: the exam study mode (学習モード) — the question bank of assets/quiz/questions.json, each
 * question tied to a bundled scenario and a step of it; the student's progress, kept between
 * runs in $XDG_DATA_HOME/mailsim/progress.json; the filters that pick questions; and `mailsim
 * quiz`, the terminal's study mode. A round of questions is quiz_round.h's, for the terminal and
 * the window alike. */
#ifndef MAILSIM_QUIZ_H
#define MAILSIM_QUIZ_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The topics a question belongs to, with their names in the bank. */
#define QUIZ_TOPICS(X)                                                                             \
    X(QUIZ_TOPIC_NINE_STEPS, "nine-steps")                                                         \
    X(QUIZ_TOPIC_PORTS, "ports")                                                                   \
    X(QUIZ_TOPIC_OPEN_RELAY, "open-relay")                                                         \
    X(QUIZ_TOPIC_RELAY_CONTROL, "relay-control")                                                   \
    X(QUIZ_TOPIC_SMTP_AUTH, "smtp-auth")                                                           \
    X(QUIZ_TOPIC_POP_BEFORE_SMTP, "pop-before-smtp")                                               \
    X(QUIZ_TOPIC_SNIFFING, "sniffing")                                                             \
    X(QUIZ_TOPIC_TLS, "tls")                                                                       \
    X(QUIZ_TOPIC_END_TO_END, "end-to-end")                                                         \
    X(QUIZ_TOPIC_APOP, "apop")                                                                     \
    X(QUIZ_TOPIC_POP3S_SSH, "pop3s-ssh")                                                           \
    X(QUIZ_TOPIC_STARTTLS_STRIPPING, "starttls-stripping")                                         \
    X(QUIZ_TOPIC_HEADERS, "headers")                                                               \
    X(QUIZ_TOPIC_HEADER_INJECTION, "header-injection")                                             \
    X(QUIZ_TOPIC_PPAP, "ppap")                                                                     \
    X(QUIZ_TOPIC_MISDELIVERY, "misdelivery")

/* How often the exam asks what a question teaches (the 2026-12 review's coverage table): rounds
 * ask high first, then medium, then low. */
#define QUIZ_WEIGHTS(X)                                                                            \
    X(QUIZ_WEIGHT_HIGH, "high")                                                                    \
    X(QUIZ_WEIGHT_MEDIUM, "medium")                                                                \
    X(QUIZ_WEIGHT_LOW, "low")

/* Both lists make their enum with one macro, as quiz.c makes their tables of names. */
#define QUIZ_LIST_ENUM(name, text) name,
enum quiz_topic { QUIZ_TOPICS(QUIZ_LIST_ENUM) QUIZ_TOPIC_COUNT };
enum quiz_weight { QUIZ_WEIGHTS(QUIZ_LIST_ENUM) QUIZ_WEIGHT_COUNT };
#undef QUIZ_LIST_ENUM

/* "ports", "high"; NULL when out of range. */
const char *quiz_topic_name(enum quiz_topic t);
const char *quiz_weight_name(enum quiz_weight w);
/* The topic or the weight called name, or -1. */
int quiz_topic_find(const char *name);
int quiz_weight_find(const char *name);

enum quiz_kind {
    QUIZ_CHOICE, /* pick one of the choices */
    QUIZ_CLICK   /* click an agent or a link of the scenario's diagram */
};

#define QUIZ_MAX_CHOICES 6

/* A question in one language. */
struct quiz_text {
    char *question;
    char *choices[QUIZ_MAX_CHOICES]; /* QUIZ_CHOICE only */
    size_t nchoices;
    char *explanation; /* cites what the run showed: the reply, the log line, the port */
};

struct quiz_question {
    char *id; /* stable: progress is kept by it */
    enum quiz_topic topic;
    enum quiz_weight weight; /* exam_weight */
    char
        *source; /* what the answer rests on: "RFC 4954 §6", a Postfix parameter, an exam sitting */
    char *scenario; /* a bundled scenario's name */
    int step;       /* 1-9, or 0: the whole scenario */
    enum quiz_kind kind;
    struct quiz_text ja, en;
    size_t answer;        /* QUIZ_CHOICE: the index of the right choice */
    char *answer_agent;   /* QUIZ_CLICK on an agent: its id */
    char *answer_link[2]; /* QUIZ_CLICK on a link: its two host names */
    cJSON *check;         /* what the run must show (quiz_check.h); NULL: not checkable */
};

struct quiz_bank {
    char *name; /* the file, as messages call it */
    struct quiz_question *q;
    size_t n;
};

/* Parses a bank from JSON text; name is what messages call the file. Unknown keys, wrong types,
 * a duplicate id, a scenario that is not bundled, an answer out of range, a missing source or
 * exam_weight and a malformed check are errors: NULL, and err holds one line, "NAME:LINE:COL:
 * error: ..." (syntax) or "NAME: error: at $.questions[3].answer: ...". */
struct quiz_bank *quiz_bank_parse(const char *text, size_t len, const char *name, char *err,
                                  size_t errlen);
/* Reads and parses a file; path NULL: the bundled assets/quiz/questions.json. */
struct quiz_bank *quiz_bank_load(const char *path, char *err, size_t errlen);
void quiz_bank_free(struct quiz_bank *b);

/* The question's text in lang ("ja" or "en"; anything else: English). */
const struct quiz_text *quiz_text_in(const struct quiz_question *q, const char *lang);
/* Whether a click on agent, or on the link between hosts a and b (either order), is right. */
bool quiz_click_agent_right(const struct quiz_question *q, const char *agent);
bool quiz_click_link_right(const struct quiz_question *q, const char *a, const char *b);

/* ---- Progress: per question, times asked, times right, and the last result ---- */

enum quiz_last { QUIZ_LAST_NONE, QUIZ_LAST_WRONG, QUIZ_LAST_RIGHT };

struct quiz_record {
    char *id;
    unsigned long asked, right;
    enum quiz_last last;
    char *last_at; /* "2026-04-01T00:00:00Z", or NULL */
};

struct quiz_progress {
    struct quiz_record *r;
    size_t n, cap;
};

/* $XDG_DATA_HOME/mailsim/progress.json (an absolute XDG_DATA_HOME only, as the XDG base
 * directory specification says), else ~/.local/share/mailsim/progress.json. 0, or -1 when
 * neither variable gives a directory. */
int quiz_progress_default_path(char *out, size_t cap);
/* Loads a progress file into an empty p. A missing file is no progress yet (0). -1 with err
 * when the file is unreadable or malformed (p stays empty). */
int quiz_progress_load(struct quiz_progress *p, const char *path, char *err, size_t errlen);
/* Writes p to path: its directory is created, the file is written beside it and renamed into
 * place, so a crash never leaves half a file. 0, or -1 with err. */
int quiz_progress_save(const struct quiz_progress *p, const char *path, char *err, size_t errlen);
/* Counts one answer to question id at time now (Unix seconds). 0, or -1 out of memory. */
int quiz_progress_record(struct quiz_progress *p, const char *id, bool right, int64_t now);
const struct quiz_record *quiz_progress_find(const struct quiz_progress *p, const char *id);
void quiz_progress_free(struct quiz_progress *p);

/* ---- Filters: which questions a round (quiz_round.h) or the list takes ---- */

struct quiz_filter {
    unsigned topics;      /* bit 1u << t for each enum quiz_topic t let through; 0: any */
    unsigned weights;     /* bit 1u << w for each enum quiz_weight w let through; 0: any */
    const char *scenario; /* NULL: any */
    bool review;          /* only questions whose last answer was wrong */
};

/* Whether the filter's topics, weights and scenario let q through (not review: that needs the
 * progress). */
bool quiz_filter_lets(const struct quiz_filter *f, const struct quiz_question *q);

/* The command: argv[0] is "quiz". Prints to stdout, reads answers from stdin, errors to stderr.
 * Returns the exit status: 0 ok, 1 a check failed (--verify), 2 usage or bad input. */
int quiz_main(int argc, char **argv);

#endif
