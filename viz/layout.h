/* layout: where things go for a window size — the bars and panels of the screen, the zone
 * bands, the host boxes — and the one table of font sizes that the scene lays text out with and
 * the renderer draws text with. No SDL: the scene does not know glyph widths, so it sizes text
 * boxes from these font sizes and the renderer ellipsises what does not fit. */
#ifndef MAILSIM_LAYOUT_H
#define MAILSIM_LAYOUT_H

#include "display.h"
#include "scene.h"

#include <stdbool.h>
#include <stddef.h>

/* Font sizes at a 1080-line window, outside presenter mode; they grow with the window's height.
 * Presenter mode has a table of its own, made for the back of a classroom: every text's capital
 * letters stand at least LAYOUT_PRESENTER_CAP_PX tall at 1080 lines (about 2% of the screen).
 * LAYOUT_CAP_RATIO is the faces' cap height over their em: Noto Sans CJK JP and Noto Sans Mono
 * CJK JP declare 733/1000 (OS/2 sCapHeight); SDL_ttf draws "H" 21 px tall at 28 px, 26 to 27 px
 * at 36 px, so 0.72 is the measured lower bound. */
#define LAYOUT_BODY_PX 18.0f
#define LAYOUT_SMALL_PX 14.0f
#define LAYOUT_TITLE_PX 28.0f
#define LAYOUT_MONO_PX 15.0f
#define LAYOUT_PRESENTER_BODY_PX 30.0f
#define LAYOUT_PRESENTER_SMALL_PX 28.0f
#define LAYOUT_PRESENTER_TITLE_PX 38.0f
#define LAYOUT_PRESENTER_MONO_PX 28.0f
#define LAYOUT_CAP_RATIO 0.72f
#define LAYOUT_PRESENTER_CAP_PX 20.0f
#define LAYOUT_MIN_PX 8

/* The em size in whole pixels of a font in this view. The renderer must draw with exactly this
 * size, since the scene laid its text out for it. */
int layout_font_px(enum dl_font f, const struct viz_view *v);
/* The distance between two lines of that font. */
float layout_line_px(enum dl_font f, const struct viz_view *v);
/* An estimate, on the generous side, of the width of s in that font: the scene uses it to
 * choose a smaller font or to break a sentence into lines before the renderer has to cut it. */
float layout_text_width(const char *s, enum dl_font f, bool bold, const struct viz_view *v);
/* The end of the longest prefix of s, broken at a space (or between two CJK characters), that
 * fits width; s itself when nothing fits, the end of s when all of it fits. */
const char *layout_text_break(const char *s, float width, enum dl_font f, bool bold,
                              const struct viz_view *v);
/* Wraps s into rows: the first row width wide, the others width_next, each broken where
 * layout_text_break breaks (at a space, between two CJK characters but never before a closing
 * mark such as 、。」 or after an opening one such as 「(, else inside a word), the spaces at a
 * break dropped. Writes the start of each row into starts[0..max) and their ends (trailing
 * spaces left out) into ends[0..max) when not NULL; returns how many rows there are, which may
 * be more than max. An empty s is one empty row. */
size_t layout_wrap(const char *s, float width, float width_next, enum dl_font f, bool bold,
                   const struct viz_view *v, const char **starts, const char **ends, size_t max);

struct layout_box {
    float x, y, w, h;
};

struct layout_zone {
    struct layout_box band;
    struct layout_box label;
    enum dl_font label_font; /* the title font when every zone's label fits, else the body font */
};

struct layout_host {
    struct layout_box box;
    float cx, cy;     /* where links and envelopes meet it */
    bool main;        /* on the route of the first mail: its box sits on the flow line */
    bool small;       /* on no connection's route (a DNS server): smaller type */
    bool compact;     /* too many hosts in its column: name, address and roles, no programs */
    bool split_name;  /* the name is too wide for the box: its first label on one line,
                         the rest (".a.example") on the next in small type */
    bool has_mailbox; /* an MDA lives here: a mailbox row below the box */
    struct layout_box mailbox;
};

struct layout {
    float u;     /* geometry unit: 1 at 1920x1080 */
    float thick; /* line thickness unit: u, and half again in presenter mode */
    float pad;   /* inner padding of boxes */
    struct layout_box top, net, transcript, inspector, timeline;
    struct layout_box track;   /* the timeline's bar, x..x+w spans [0, duration] */
    struct layout_box content; /* the part of net below the zone labels */
    float flow_y;              /* the height of the main path of mail */
    struct layout_box note;    /* the top of content kept for the narration's two lines */
    struct layout_zone *zones;
    size_t nzones;
    struct layout_host *hosts;
    size_t nhosts;
};

/* The bars and panels only: they depend on the view alone. */
void layout_frame(struct layout *L, const struct viz_view *v);
/* Everything: the frame, then zones and hosts. Returns 0, or -1 on OOM. layout_free() after. */
int layout_build(struct layout *L, const struct trace *tr, const struct viz_timeline *tl,
                 const struct viz_view *v);
void layout_free(struct layout *L);

/* The zone's label in the viewer's language (lang "ja" or "en"), else its name. */
const char *layout_zone_label(const struct trace *tr, size_t zone, const char *lang);
/* The geometry unit of a view: 1 at 1920x1080, smaller or larger with the window. */
float layout_unit(const struct viz_view *v);
/* The width of an agent's row in a host box with role and program on one line. */
float layout_agent_width(const struct trace *tr, size_t agent, const struct viz_view *v);
/* Whether an agent's role and program need two lines in a host box of inner width w. */
bool layout_agent_two_lines(const struct trace *tr, size_t agent, float w,
                            const struct viz_view *v);
/* Like layout_text_break, but only at a space or after a hyphen: a word that does not fit
 * stays whole (the renderer cuts it) rather than being split. */
const char *layout_word_break(const char *s, float width, enum dl_font f, const struct viz_view *v);
/* How many lines of small type an agent's program takes under its role in a host box of inner
 * width w: 0 when role and program share one line, else 1 or more (at most
 * LAYOUT_PROGRAM_LINES; the renderer cuts the last). */
#define LAYOUT_PROGRAM_LINES 3
int layout_agent_program_lines(const struct trace *tr, size_t agent, float w,
                               const struct viz_view *v);
/* Where a host name is broken when it is too wide: at its first dot (0: nowhere). */
size_t layout_name_split(const char *name);
/* The role as shown: capitals ("MTA"). Writes into buf. */
const char *layout_role(const struct trace *tr, size_t agent, char *buf, size_t len);

/* The x of presentation time p on the track, and back. */
float layout_track_x(const struct layout *L, double p, double duration);
double layout_track_p(const struct layout *L, float x, double duration);

#endif
