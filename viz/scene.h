/* scene: the picture of a run at one moment — a pure function of (trace, playback time, view
 * state) that fills a display list (DESIGN.md principle 3). It never calls into sim or agents;
 * pausing, stepping and seeking are moves of the playback time. No SDL here: tests read the
 * display list without pixels. */
#ifndef MAILSIM_SCENE_H
#define MAILSIM_SCENE_H

#include "display.h"
#include "trace.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- presentation time ----
 * The virtual clock of a run has long idle stretches (Bob fetches his mail a minute later) and
 * busy milliseconds. Presentation time p (seconds at 1x speed) stretches the busy parts so that
 * an envelope is seen to travel, and shortens every idle gap to a short pause. */
struct viz_timeline;

/* Builds the mapping for a trace; NULL on OOM. The trace must outlive it. */
struct viz_timeline *viz_timeline_new(const struct trace *tr);
void viz_timeline_free(struct viz_timeline *tl);
double viz_timeline_duration(const struct viz_timeline *tl);
/* How many events of the trace the timeline was built from (a live trace grows after that). */
size_t viz_timeline_events(const struct viz_timeline *tl);
uint64_t viz_timeline_to_virtual(const struct viz_timeline *tl, double p);
double viz_timeline_from_virtual(const struct viz_timeline *tl, uint64_t t_us);
/* The presentation time of the first mark of step n (1..9) of the first mail, or -1. */
double viz_timeline_step_time(const struct viz_timeline *tl, int n);
/* The step shown at p: the last step mark at or before p (0 before the first). */
int viz_timeline_step_at(const struct viz_timeline *tl, double p);
/* Navigation: the next/previous protocol line (a data event) or step mark strictly after/before
 * p; p itself when there is none. */
double viz_timeline_next_line(const struct viz_timeline *tl, double p);
double viz_timeline_prev_line(const struct viz_timeline *tl, double p);
double viz_timeline_next_step(const struct viz_timeline *tl, double p);
double viz_timeline_prev_step(const struct viz_timeline *tl, double p);

/* The story's beats (trace kind "beat", app/story.h): how many, the presentation time of beat k
 * (0-based, in time order; -1 out of range), the one shown at p (the last at or before p; -1
 * before the first), and the next/previous beat strictly after/before p (p itself when there is
 * none): ↑ and ↓. A trace without beats (recorded before they existed) steps by its marks. */
size_t viz_timeline_beats(const struct viz_timeline *tl);
double viz_timeline_beat_time(const struct viz_timeline *tl, size_t k);
long viz_timeline_beat_at(const struct viz_timeline *tl, double p);
double viz_timeline_next_beat(const struct viz_timeline *tl, double p);
double viz_timeline_prev_beat(const struct viz_timeline *tl, double p);
/* The beat event of beat k, or NULL. */
const struct trace_event *viz_timeline_beat_event(const struct viz_timeline *tl, size_t k);

/* ---- what the viewer chose ---- */

/* Words on screen, in the viewer's language; they come from assets/, never from C. */
struct viz_strings {
    const char *lang;           /* "ja" or "en": picks zone labels and titles from the trace */
    const char *step_title[10]; /* [1]..[9] one-sentence narration of each step */
    const char *transcript;     /* panel titles */
    const char *inspector;
    const char *eavesdropper;
    const char *maillog;         /* the panel of an MTA's mail log (NULL: "mail log") */
    const char *read;            /* the badge at the reader's MUA in step 9: "read" */
    const char *read_decrypted;  /* ... when the MUA decrypted and verified it */
    const char *read_unreadable; /* ... when it is ciphertext to this reader */
    const char *records;         /* "TLS records (ciphertext)", a transcript line of records */
    const char *octets;          /* "octets" */
    const char *mailbox;         /* "mailbox" */
    const char *help_title;
    const char *const *help_lines; /* the help overlay, one key per line */
    size_t nhelp_lines;
    const char *paused;
    const char *playing;
    const char *sim_time; /* the virtual clock's word beside the presentation clock */
    /* Words of the inspector, each optional (NULL: the value is shown without its word). */
    const char *word_ip;      /* "IP address" */
    const char *word_zone;    /* "zone" */
    const char *word_program; /* "program" */
    const char *word_host;    /* "host" */
    const char *word_latency; /* "latency (one way)" */
    const char *word_bytes;   /* "bytes so far" */
    const char *word_payload; /* "last payload" */
    const char *word_client;  /* "client" */
    const char *word_server;  /* "server" */
    const char *word_tap;     /* "tap" */
};

/* The text panels under the network that keep their history and scroll (mouse wheel, Shift+↑/↓):
 * the transcript, and the panel beside it (the mail log or the eavesdropper's view, with the
 * inspector above it while something is inspected). */
enum viz_panel { VIZ_PANEL_TRANSCRIPT, VIZ_PANEL_SIDE, VIZ_PANEL_COUNT };

struct viz_view {
    int width, height; /* window pixels */
    float scale;       /* pixels per logical unit from high-DPI; 1 normally */
    bool presenter;    /* larger type and thicker lines for a projector */
    double p;          /* presentation time */
    double speed;      /* 0.25 .. 8 */
    bool playing;
    bool help; /* the help overlay */
    /* The study mode asks a question: nothing on screen may give the answer away (no narrated
     * beat, no highlighted actor or route, no protocol and port on the links, no lines in the
     * panels) until it is answered. */
    bool quiz_asking;
    uint32_t focus_conn; /* the transcript's connection; 0: the one active at p */
    enum dl_target selected;
    uint32_t selected_id;
    float mouse_x, mouse_y; /* for hover tooltips; negative: none */
    /* Rows each panel is scrolled back from its newest row (0: it follows the newest); the
     * scene shows at most what there is, scene_panel_scroll() keeps it within that. */
    int scroll[VIZ_PANEL_COUNT];
    bool note_open; /* the narration's callout shows its whole text, not two lines */
    const struct viz_strings *strings;
};

void scene_build(const struct trace *tr, const struct viz_timeline *tl, const struct viz_view *v,
                 struct display_list *out);

/* The annotations of the data or plain event ev (secret, reply, message: trace_kinds.h), which
 * the engine that sent it recorded just after it: the next one after event *at of kind (-1: of
 * any kind), its index left in *at; start with *at = ev. NULL when there is no more. */
const struct trace_event *scene_note_next(const struct trace *tr, size_t ev, size_t *at, int kind);

/* The scrollable panel under the window point (x, y), or -1 (VIZ_PANEL_SIDE only where the
 * mail log or the eavesdropper's view is, not over the inspector above it). */
int scene_panel_at(const struct trace *tr, const struct viz_timeline *tl, const struct viz_view *v,
                   float x, float y);
/* Panel's scroll moved by delta rows (positive: back to older rows), kept between 0 (the
 * newest) and the oldest row at the top of the panel. Costs rows counted, not the run's size. */
int scene_panel_scroll(const struct trace *tr, const struct viz_timeline *tl,
                       const struct viz_view *v, enum viz_panel panel, int delta);

/* Whether window point (x, y) is on the narration's callout in dl (a click there opens or
 * closes it: viz_view.note_open). */
bool scene_note_at(const struct display_list *dl, float x, float y);

/* The presentation time under window x on the timeline's track, clamped to [0, duration]: for
 * dragging the scrubber or clicking the track (items with DL_TARGET_SCRUBBER). */
double scene_p_at_x(const struct viz_timeline *tl, const struct viz_view *v, float x);

#endif
