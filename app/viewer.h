/* viewer: the application's side of the window and of `mailsim shot` — the words from
 * assets/, the bundled scenarios for the window's list, and traces built on demand. */
#ifndef MAILSIM_VIEWER_H
#define MAILSIM_VIEWER_H

#include "build.h"
#include "shot.h"
#include "window.h"

#include <stdbool.h>
#include <stddef.h>

/* Opens the window on wo->scenario (checked first: a bad file gives VIZ_WINDOW_FAILED and a
 * message in err before any window opens). Never returns VIZ_WINDOW_BUSY: it exits instead. */
enum viz_window_status viewer_window(const struct viz_window_options *wo,
                                     const struct build_options *build, char *err, size_t errlen);

/* Builds the scenario and draws it as so says (so->strings is filled here). With stats, prints
 * the frame-time JSON line; with matrix, the countermeasure matrix is drawn over it (the
 * window's M). Returns the exit status: 0, or 2 with a message on stderr. */
int viewer_shot(const char *scenario, const char *lang, const struct build_options *build,
                struct viz_shot_options *so, bool stats, bool matrix);

#endif
