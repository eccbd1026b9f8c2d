/* viewer_headless: the viewer of a mailsim built without the window (-DMAILSIM_GUI=OFF), linked
 * instead of viewer.c so that nothing of SDL is needed. The window reports that there is none, so
 * main prints the transcript and serve serves without it; `mailsim shot` cannot draw. */
#include "viewer.h"

#include "catalog.h"
#include "scenario.h"
#include "trace_read.h"

#include <stdio.h>

#define VIEWER_NO_WINDOW "built without the window (MAILSIM_GUI=OFF)"

const char *viewer_no_window(void)
{
    return VIEWER_NO_WINDOW;
}

enum viz_window_status viewer_window(const struct viz_window_options *wo,
                                     const struct build_options *build, char *err, size_t errlen)
{
    (void)build;
    /* As with the window: a typo in the file name is an error of its own, not a fallback. */
    if (!wo->live) {
        struct scenario *sc = catalog_load(wo->scenario, err, errlen);
        if (!sc) {
            return VIZ_WINDOW_FAILED;
        }
        scenario_free(sc);
    }
    snprintf(err, errlen, "%s", VIEWER_NO_WINDOW);
    return VIZ_WINDOW_NO_DISPLAY;
}

enum viz_window_status viewer_window_trace(const struct viz_window_options *wo, const char *path,
                                           const struct build_options *build, char *err,
                                           size_t errlen)
{
    (void)wo;
    (void)build;
    /* A bad file is an error here too, not a fallback to the transcript. */
    struct trace tr;
    if (trace_read_path(path, &tr, err, errlen) != 0) {
        return VIZ_WINDOW_FAILED;
    }
    trace_free(&tr);
    snprintf(err, errlen, "%s", VIEWER_NO_WINDOW);
    return VIZ_WINDOW_NO_DISPLAY;
}

int viewer_shot(const char *scenario, const char *trace, const char *lang,
                const struct build_options *build, struct viz_shot_options *so,
                const struct viewer_shot_extras *x)
{
    (void)scenario;
    (void)trace;
    (void)lang;
    (void)build;
    (void)so;
    (void)x;
    fprintf(stderr,
            "mailsim: shot: this mailsim was %s, so it draws no pictures; `mailsim run` "
            "prints the run as text\n",
            VIEWER_NO_WINDOW);
    return 2;
}
