/* cli_opts: how every mailsim command reads its options — getopt_long over the command's own
 * table, with the spellings kept exact (no abbreviations, no --name=value, no "--") and the
 * command's own voice in its messages ("mailsim quiz: option --count needs a value", then a
 * hint line); and the values options take (words, numbers with ranges, the scenario). */
#ifndef MAILSIM_CLI_OPTS_H
#define MAILSIM_CLI_OPTS_H

#include "messages.h"

#include <getopt.h>
#include <stdbool.h>

/* The exit status of bad usage, as every command has it. */
#define CLI_OPTS_USAGE 2

/* What cli_opts_next returns besides an option's val. A command's vals must differ from these
 * (a short option's letter, or 256 and up). */
#define CLI_OPTS_END (-1)
#define CLI_OPTS_FAILED (-2) /* the message is printed: the command exits CLI_OPTS_USAGE */
#define CLI_OPTS_ARG 1       /* an argument that is not an option: p->arg */

/* A command lists its options as X(id, name, has_arg); CLI_OPTS_DEFINE makes of the list the
 * enum of getopt_long's vals, from CLI_OPTS_FIRST on, and the table, after the rows given first
 * (CLI_OPTS_HELP for --help as 'h', or CLI_OPTS_NO_HELP):
 *   #define FOO_OPTIONS(X) X(FOO_OPT_COUNT, "count", required_argument) ...
 *   CLI_OPTS_DEFINE(FOO_OPTIONS, foo_options, CLI_OPTS_HELP); */
#define CLI_OPTS_FIRST 256
#define CLI_OPTS_ENUM(id, name, has_arg) id,
#define CLI_OPTS_ROW(id, name, has_arg) {name, has_arg, NULL, id},
#define CLI_OPTS_HELP {"help", no_argument, NULL, 'h'},
#define CLI_OPTS_NO_HELP
#define CLI_OPTS_DEFINE(list, table, ...)                                                          \
    enum { table##_before = CLI_OPTS_FIRST - 1, list(CLI_OPTS_ENUM) };                             \
    static const struct option table[] = {__VA_ARGS__ list(CLI_OPTS_ROW){NULL, 0, NULL, 0}}

/* Who speaks in the messages: "mailsim quiz" and the line after each message ("Try 'mailsim
 * quiz --help'."). */
struct cli_opts_voice {
    const char *prog;
    const char *hint;
};

struct cli_opts {
    int argc;
    char **argv;                /* argv[0] is the command's name; options start at argv[1] */
    const struct option *table; /* getopt_long's, ended by a row of zeros; has_arg is
                                 * no_argument or required_argument */
    const char *shorts;         /* the short options spelled alone ("h" for -h), or "" */
    const struct cli_opts_voice *voice;
    bool dash_is_arg;   /* "-" alone is an argument (a scenario), not an unknown option */
    enum msg_lang lang; /* of this file's own messages (init: English); the voice's hint and
                         * the caller's messages are the caller's */
    /* After cli_opts_next: the option as typed ("--count") or the argument, and the option's
     * value (NULL for an option without one). */
    const char *opt, *arg;
    char optstring[32];
};

/* Starts reading argv; the arguments are taken in the order given (getopt's RETURN_IN_ORDER:
 * argv is never permuted, and a scenario may stand before, between or after the options).
 * shorts holds at most 24 letters. */
void cli_opts_init(struct cli_opts *p, int argc, char **argv, const struct option *table,
                   const char *shorts, const struct cli_opts_voice *voice);

/* The next option's val from the table (p->opt, p->arg); CLI_OPTS_ARG for an argument;
 * CLI_OPTS_END after the last; CLI_OPTS_FAILED after printing "unknown option X" or "option X
 * needs a value". */
int cli_opts_next(struct cli_opts *p);

/* Prints "PROG: " and the message, then the hint, on stderr. Returns CLI_OPTS_USAGE. */
int cli_opts_usage(const struct cli_opts_voice *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same about the option just read: "PROG: --seed: "x" " and the rest of the message
 * ("is not a non-negative integer"). Returns CLI_OPTS_USAGE. */
int cli_opts_bad_value(const struct cli_opts *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The option's value as one of words (a NULL-ended list) into *index: 0, or CLI_OPTS_USAGE
 * after the message "--format: "xml" is not text, jsonl or summary". */
int cli_opts_choose(const struct cli_opts *p, const char *const *words, int *index);

/* --lang: "ja" or "en" into *lang; 0, or CLI_OPTS_USAGE after the message. */
int cli_opts_lang(const struct cli_opts *p, const char **lang);

/* --seed of run and matrix: a whole number into *seed; 0, or CLI_OPTS_USAGE after the message
 * "is not a non-negative integer". */
int cli_opts_seed(const struct cli_opts *p, unsigned long long *seed);

/* The argument just read as the command's one scenario: 0, or CLI_OPTS_USAGE after the message
 * "more than one scenario given" when *scenario is set already. */
int cli_opts_scenario(const struct cli_opts *p, const char **scenario);

/* Numbers, silently: 0 and *out, or -1 when s is not one in [lo, hi]. A whole number is
 * decimal digits only (no sign, no space); a real one is what strtod reads, whole. */
int cli_opts_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
                        unsigned long long *out);
int cli_opts_parse_real(const char *s, double lo, double hi, double *out);

#endif
