/* quiz_verify: checking the question bank against real runs of its scenarios. */
#ifndef MAILSIM_QUIZ_VERIFY_H
#define MAILSIM_QUIZ_VERIFY_H

#include "quiz.h"
#include "quiz_check.h"

#include <stddef.h>
#include <stdio.h>

/* Everything about one question that a run can confirm: its step occurs in the scenario, a
 * click answer names an agent or a link of it, and its check holds. 1 yes, 0 no (why). */
int quiz_question_verify(struct quiz_runs *r, const struct quiz_question *q, char *why,
                         size_t whylen);

/* `mailsim quiz --verify`: one line per question to out, then a summary. Returns the number of
 * questions that failed. */
int quiz_verify(const struct quiz_bank *b, FILE *out);

#endif
