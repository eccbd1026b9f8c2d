/* quiz_round: one round of the study mode, the same for every front end — the terminal
 * (quiz_cli.c) and the window (through the viewer) drive it. It knows which questions a round
 * asks and in which order, the question asked, grades an answer into a verdict, and keeps the
 * score and what was answered wrong. It reads no input, prints nothing and keeps no file: the
 * front end shows the round and records the progress (quiz.h). */
#ifndef MAILSIM_QUIZ_ROUND_H
#define MAILSIM_QUIZ_ROUND_H

#include "quiz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum quiz_round_order {
    /* The terminal's: the least asked first, so that rounds work through the whole bank; among
     * those asked as often, high exam weight, then medium, then low; shuffled by the seed among
     * equals. */
    QUIZ_ROUND_SHUFFLED,
    /* The window's, over one scenario: high exam weight first, then medium, then low, and
     * within a weight by step, so that the animation moves forward (the whole-scenario
     * questions, step 0, last); the bank's order among equals. */
    QUIZ_ROUND_BY_STEP,
};

struct quiz_round_options {
    struct quiz_filter filter; /* review: only the questions last answered wrong */
    enum quiz_round_order order;
    uint64_t seed; /* QUIZ_ROUND_SHUFFLED */
    size_t count;  /* at most this many questions; 0: all */
};

/* An answer: the student's, or in a verdict the right one. */
struct quiz_answer {
    size_t choice;       /* QUIZ_CHOICE: the index of the choice */
    const char *agent;   /* QUIZ_CLICK on an agent: its id */
    const char *link[2]; /* QUIZ_CLICK on a link: its two host names, in either order */
};

struct quiz_verdict {
    bool right;
    /* The question answered: its explanation (quiz_text_in) and source go with the verdict. */
    const struct quiz_question *q;
    struct quiz_answer answer; /* the right answer; its strings belong to the bank */
};

/* A round. The fields are for reading; the functions below change them. */
struct quiz_round {
    const struct quiz_bank *bank;         /* borrowed: must outlive the round */
    const struct quiz_progress *progress; /* borrowed, may be NULL */
    size_t *order;                        /* indices into bank->q, in the order asked */
    size_t n;                             /* how many questions the round asks */
    size_t cur;                           /* the place asked now; n: the round is over */
    bool review;                          /* a round of the questions last answered wrong */
    bool answered;                        /* order[cur] has its verdict */
    bool right;                           /* ... and it was right */
    bool *wrong;                          /* per place: answered wrong in this round */
    size_t asked, nright;                 /* answers given, right ones; a skip counts neither */
    /* The progress of the question asked, as it stood when it was asked. */
    unsigned long asked_before, right_before;
};

/* Starts a round over the bank's questions that o lets through, in o's order; p (may be NULL)
 * gives how often each was asked, and for a review which were last answered wrong: it must
 * outlive the round, and may change while it runs. r is a zeroed struct or a round to start
 * again. 0, or -1 out of memory (r is then an empty round). A round may have no question. */
int quiz_round_start(struct quiz_round *r, const struct quiz_bank *b, const struct quiz_progress *p,
                     const struct quiz_round_options *o);
void quiz_round_free(struct quiz_round *r);

/* The question asked; NULL when the round is over. */
const struct quiz_question *quiz_round_current(const struct quiz_round *r);

/* Whether a is the right answer to q. */
bool quiz_round_grade(const struct quiz_question *q, const struct quiz_answer *a);

/* Grades a as the answer to the question asked, counts it and fills v. 0, or -1 when no
 * question waits for an answer (the round is over, or the question has its verdict already):
 * nothing changes. */
int quiz_round_submit(struct quiz_round *r, const struct quiz_answer *a, struct quiz_verdict *v);

/* Goes on to the next question; one not answered is skipped and counts nothing. Returns whether
 * a question is asked (false: the round is over). */
bool quiz_round_next(struct quiz_round *r);

/* The questions answered wrong in this round, in the order asked, into out[0..cap); returns how
 * many there are. */
size_t quiz_round_missed(const struct quiz_round *r, const struct quiz_question **out, size_t cap);

/* The questions of a bank that o lets through, as indices into b->q, into out (room for b->n),
 * in o's order; at most o->count of them. Returns how many. The choice quiz_round_start makes,
 * for a front end that names a question by its place in the round (`mailsim shot --quiz N`). */
size_t quiz_round_select(const struct quiz_bank *b, const struct quiz_progress *p,
                         const struct quiz_round_options *o, size_t *out);

/* How many questions quiz_round_select would choose (how many a review would ask), without a
 * place to put them. */
size_t quiz_round_count(const struct quiz_bank *b, const struct quiz_progress *p,
                        const struct quiz_round_options *o);

#endif
