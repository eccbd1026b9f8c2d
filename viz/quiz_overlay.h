/* quiz_overlay: the study mode's panels drawn over the scene (the window's Q and G keys,
 * `mailsim shot --quiz` and `--glossary`) — a question with its numbered choices, the answer
 * with its explanation, the score of a round, and the glossary (用語集). Built from plain data
 * into a display list, without SDL, so tests read it without pixels. The questions and the
 * glossary come from the application (struct viz_host), as the plain structs below. */
#ifndef MAILSIM_QUIZ_OVERLAY_H
#define MAILSIM_QUIZ_OVERLAY_H

#include "display.h"
#include "overlay.h"
#include "scene.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIZ_QUIZ_MAX_CHOICES 6

enum viz_quiz_kind {
    VIZ_QUIZ_CHOICE,      /* press the number of a choice */
    VIZ_QUIZ_CLICK_AGENT, /* click an agent on the diagram */
    VIZ_QUIZ_CLICK_LINK   /* click a link on the diagram */
};

/* How often the exam asks a question: a round asks high first. */
enum viz_quiz_weight { VIZ_QUIZ_WEIGHT_HIGH, VIZ_QUIZ_WEIGHT_MEDIUM, VIZ_QUIZ_WEIGHT_LOW };

/* One question in one language. The strings belong to the application. */
struct viz_quiz_question {
    const char *id; /* stable: progress is kept by it */
    int step;       /* 1-9, or 0: the whole scenario (asked at its end) */
    enum viz_quiz_kind kind;
    const char *question;
    const char *choices[VIZ_QUIZ_MAX_CHOICES];
    size_t nchoices;
    size_t answer;              /* CHOICE: the index of the right choice */
    const char *answer_agent;   /* CLICK_AGENT: the agent's id */
    const char *answer_link[2]; /* CLICK_LINK: the link's two host names, in either order */
    const char *explanation;
    const char *source;          /* what the answer rests on ("RFC 4954 §6"); NULL: not shown */
    enum viz_quiz_weight weight; /* exam_weight */
};

/* The overlay's words (assets/strings, keys quiz.*). Any may be NULL: nothing is shown. */
struct quiz_overlay_words {
    const char *title;        /* "Quiz" */
    const char *question;     /* before "3/19": "Question" */
    const char *whole;        /* in place of the step's number: "whole scenario" */
    const char *so_far;       /* before "2/3": "right so far" */
    const char *keys_choice;  /* how to answer a choice question */
    const char *keys_agent;   /* ... a question answered by clicking an agent */
    const char *keys_link;    /* ... by clicking a link */
    const char *right;        /* "✓ Right." */
    const char *wrong;        /* "✗ Wrong." */
    const char *the_answer;   /* "The answer:" */
    const char *replay;       /* "The transcript replays the lines that show why." */
    const char *keys_next;    /* "N or Enter: next question · Esc: leave" */
    const char *keys_last;    /* "N or Enter: the score · Esc: leave" */
    const char *score;        /* "Score" */
    const char *missed;       /* "Answered wrong:" */
    const char *keys_review;  /* "R: review the ones answered wrong · N: again · Esc: leave" */
    const char *keys_done;    /* "Nothing to review. N: again · Esc: leave" */
    const char *review_title; /* the title of a review round */
    const char *source;       /* before the source, after the answer: "Source:" */
    const char *weight;       /* before the weight: "Exam weight:" */
    const char *weights[3];   /* "high", "medium", "low" (enum viz_quiz_weight) */
};

enum quiz_overlay_phase {
    QUIZ_OVERLAY_ASK,      /* the question, waiting for an answer */
    QUIZ_OVERLAY_ANSWERED, /* right or wrong, the answer, the explanation */
    QUIZ_OVERLAY_SCORE     /* the round is over */
};

/* What the panel shows, as plain data. */
struct quiz_overlay_state {
    enum quiz_overlay_phase phase;
    const struct viz_quiz_question *q; /* ASK and ANSWERED */
    size_t index, total;               /* the question's place in the round, from 1 */
    bool review;                       /* a review round: its own title */
    /* The progress kept for the question before this round: times asked and right. */
    unsigned long asked_before, right_before;
    /* ANSWERED */
    bool right;
    const char *answer_text; /* the right answer as shown: a choice, an agent, a link */
    /* SCORE */
    size_t asked, nright;
    const char *const *missed; /* the questions answered wrong in this round */
    size_t nmissed;
    size_t to_review; /* how many R would ask again (0: nothing to review) */
    const struct quiz_overlay_words *words;
    /* The inspector's box as the scene laid it out (layout_build); w 0: as tall as the scene
     * ever makes it, from the view alone. */
    struct overlay_box place;
};

/* The right answer as shown: "2) MX", "mx.b (MTA, mx.b.example)", "gw.a.example — router";
 * tr (may be NULL) gives an agent's role and host. */
void quiz_overlay_answer_text(const struct trace *tr, const struct viz_quiz_question *q, char *out,
                              size_t cap);

/* The inspector's box for s->place: where the scene puts it for this trace and view. */
struct overlay_box quiz_overlay_place(const struct trace *tr, const struct viz_timeline *tl,
                                      const struct viz_view *v);

/* Appends the panel to dl, every item at layer and inside the view: over the inspector's place
 * at the lower right, so that the diagram stays clickable and the transcript readable; grown
 * upwards over the diagram only when its text needs more room. Returns the panel's box (a click
 * on it is not a click on the diagram). */
struct overlay_box quiz_overlay_draw(struct display_list *dl, const struct viz_view *v,
                                     const struct quiz_overlay_state *s, uint32_t layer);

/* ---- the glossary ---- */

struct viz_glossary_entry {
    const char *term; /* in the viewer's language */
    const char *definition;
};

struct glossary_overlay {
    const char *title; /* "Glossary" */
    const char *hint;  /* "↑ ↓ PgUp PgDn scroll · Esc close" */
    const struct viz_glossary_entry *e;
    size_t n;
    size_t top;          /* the first entry shown */
    const char *message; /* instead of the entries (unavailable); NULL */
};

/* Appends the glossary (a dimmed screen, a panel of terms and definitions from entry top on,
 * as many as fit) to dl at layer. Returns the panel's box; *shown receives how many entries
 * were drawn (for paging), when not NULL. */
struct overlay_box glossary_overlay_draw(struct display_list *dl, const struct viz_view *v,
                                         const struct glossary_overlay *g, uint32_t layer,
                                         size_t *shown);

#endif
