/* shot_options: what `mailsim shot` is asked to draw — plain data, no SDL, so that the command
 * line fills it in every build, including one without the window (-DMAILSIM_GUI=OFF). */
#ifndef MAILSIM_SHOT_OPTIONS_H
#define MAILSIM_SHOT_OPTIONS_H

#include "overlay.h"
#include "quiz_overlay.h"
#include "scene.h"

#include <stdbool.h>

struct viz_shot_options {
    int width, height;
    bool presenter;
    int step; /* > 0: show step `step` at viz_shot_step_time() */
    int beat; /* > 0: instead, show beat `beat` (1, 2, ... in time order) at viz_shot_beat_time() */
    double time; /* otherwise: this presentation time */
    int frames;  /* > 0: then play that many frames of 1/60 s at `speed` */
    double speed;
    const char *out;  /* PNG file of the last frame; NULL: none */
    const char *font; /* a font file for every face; NULL: fontconfig chooses */
    const struct viz_strings *strings;
    const struct overlay_table *overlay; /* drawn over the scene (--matrix); NULL: none */
    /* The study mode's panel (--quiz) and the glossary (--glossary) over the scene; NULL:
     * none. */
    const struct quiz_overlay_state *quiz;
    const struct glossary_overlay *glossary;
    /* Instead of step and time, when not 0: the first mark of this step, the moment the study
     * mode asks a question at (-1: the end of the run). */
    int step_start;
};

#endif
