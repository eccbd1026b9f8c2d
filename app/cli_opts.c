/* cli_opts: getopt_long with mailsim's spellings and messages, and the values options take. */
#include "cli_opts.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_opts_init(struct cli_opts *p, int argc, char **argv, const struct option *table,
                   const char *shorts, const struct cli_opts_voice *voice)
{
    memset(p, 0, sizeof *p);
    p->argc = argc;
    p->argv = argv;
    p->table = table;
    p->shorts = shorts;
    p->voice = voice;
    /* "-": arguments come back in place (1), so nothing is permuted and POSIXLY_CORRECT changes
     * nothing; ":": a missing value is told apart from an unknown option. */
    snprintf(p->optstring, sizeof p->optstring, "-:%s", shorts);
    optind = 0; /* glibc: start afresh, also after an earlier command's parse */
    opterr = 0; /* the messages are ours */
}

/* Whether s is an option exactly as the table or the short letters spell it. getopt_long also
 * takes "--form" for "--format" and "--format=text"; mailsim never did, and an abbreviation
 * accepted today would be ambiguous once an option is added. */
static bool cli_opts_spelled(const struct cli_opts *p, const char *s)
{
    if (s[0] == '-' && s[1] && s[1] != '-' && !s[2]) {
        return strchr(p->shorts, s[1]) != NULL;
    }
    for (const struct option *o = p->table; s[0] == '-' && s[1] == '-' && o->name; o++) {
        if (strcmp(s + 2, o->name) == 0) {
            return true;
        }
    }
    return false;
}

int cli_opts_next(struct cli_opts *p)
{
    int at = optind ? optind : 1; /* the element getopt_long reads next */
    if (at >= p->argc) {
        return CLI_OPTS_END;
    }
    const char *cur = p->argv[at];
    int c = getopt_long(p->argc, p->argv, p->optstring, p->table, NULL);
    p->opt = cur;
    p->arg = optarg;
    if (c == 1 && (p->dash_is_arg || strcmp(cur, "-") != 0)) {
        return CLI_OPTS_ARG;
    }
    if (c == -1 && strcmp(cur, "--") != 0) {
        return CLI_OPTS_END;
    }
    /* "--" (getopt's end of options), "-", an unknown or abbreviated option */
    if (c == 1 || c == -1 || c == '?' || !cli_opts_spelled(p, cur)) {
        cli_opts_usage(p->voice, msg_text(p->lang, MSG_UNKNOWN_OPTION), cur);
        return CLI_OPTS_FAILED;
    }
    if (c == ':') {
        cli_opts_usage(p->voice, msg_text(p->lang, MSG_NEEDS_VALUE), cur);
        return CLI_OPTS_FAILED;
    }
    return c;
}

static void cli_opts_vusage(const struct cli_opts_voice *v, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void cli_opts_vusage(const struct cli_opts_voice *v, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", v->prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s\n", v->hint);
}

int cli_opts_usage(const struct cli_opts_voice *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_opts_vusage(v, fmt, ap);
    va_end(ap);
    return CLI_OPTS_USAGE;
}

int cli_opts_bad_value(const struct cli_opts *p, const char *fmt, ...)
{
    /* One message, so the option and its value go in front of the caller's words. */
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cli_opts_usage(p->voice, "%s: \"%s\" %s", p->opt, p->arg ? p->arg : "", what);
}

int cli_opts_choose(const struct cli_opts *p, const char *const *words, int *index)
{
    size_t n = 0;
    while (words[n]) {
        n++;
    }
    for (size_t k = 0; k < n; k++) {
        if (strcmp(p->arg, words[k]) == 0) {
            *index = (int)k;
            return 0;
        }
    }
    /* "is not text, jsonl or summary" */
    char list[512] = "";
    size_t len = 0;
    for (size_t k = 0; k < n && len < sizeof list; k++) {
        const char *sep = k == 0       ? ""
                          : k + 1 == n ? msg_text(p->lang, MSG_LIST_OR)
                                       : msg_text(p->lang, MSG_LIST_SEP);
        int w = snprintf(list + len, sizeof list - len, "%s%s", sep, words[k]);
        len += w > 0 ? (size_t)w : 0;
    }
    return cli_opts_bad_value(p, msg_text(p->lang, MSG_IS_NOT), list);
}

int cli_opts_lang(const struct cli_opts *p, const char **lang)
{
    static const char *const langs[] = {"ja", "en", NULL};
    int k = 0;
    int rc = cli_opts_choose(p, langs, &k);
    if (rc == 0) {
        *lang = langs[k];
    }
    return rc;
}

int cli_opts_seed(const struct cli_opts *p, unsigned long long *seed)
{
    if (cli_opts_parse_uint(p->arg, 0, ULLONG_MAX, seed) != 0) {
        return cli_opts_bad_value(p, "%s", msg_text(p->lang, MSG_NOT_UINT));
    }
    return 0;
}

int cli_opts_scenario(const struct cli_opts *p, const char **scenario)
{
    if (*scenario) {
        return cli_opts_usage(p->voice, msg_text(p->lang, MSG_TWO_SCENARIOS), p->arg);
    }
    *scenario = p->arg;
    return 0;
}

int cli_opts_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
                        unsigned long long *out)
{
    /* strtoull alone would take " 5", "+5" and "-5" (as 2^64 - 5). */
    if (s[0] < '0' || s[0] > '9') {
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end || x < lo || x > hi) {
        return -1;
    }
    *out = x;
    return 0;
}

int cli_opts_parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !(x >= lo && x <= hi)) {
        return -1;
    }
    *out = x;
    return 0;
}
