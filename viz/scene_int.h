/* scene_int: what the parts of the scene share while one frame is built — the frame's state
 * (trace, timeline, view, layout, the moment shown), the theme's colours and layers, and small
 * helpers that push items. Private to scene*.c. */
#ifndef MAILSIM_SCENE_INT_H
#define MAILSIM_SCENE_INT_H

#include "layout.h"
#include "timeline_int.h"

/* Drawing order, back to front. */
enum scene_layer {
    LAYER_ZONE = 1,
    LAYER_GLOW = 2,
    LAYER_LINK = 3,
    LAYER_HOST = 4,
    LAYER_HOST_TEXT = 5,
    LAYER_LABEL = 6,
    LAYER_MOTION = 7,
    LAYER_MOTION_TEXT = 8,
    LAYER_NOTE = 9, /* the narration's callout (scene_note.c) */
    LAYER_PANEL = 10,
    LAYER_PANEL_TEXT = 11,
    LAYER_BAR = 12,
    LAYER_BAR_TEXT = 13,
    LAYER_TOOLTIP = 20,
    LAYER_HELP = 30,
    LAYER_HELP_TEXT = 31
};

/* A calm light theme that stays readable on a projector: dark text on light tints; each
 * step has its own strong colour, shared by its envelopes, its glow and its marker. */
#define SC_RGB(r, g, b) ((struct dl_color){(r), (g), (b), 255})
#define SC_RGBA(r, g, b, a) ((struct dl_color){(r), (g), (b), (a)})
#define SC_NONE SC_RGBA(0, 0, 0, 0)
#define SC_TEXT SC_RGB(31, 41, 51)
#define SC_MUTED SC_RGB(92, 102, 115)
#define SC_FAINT SC_RGB(150, 158, 168)
#define SC_PANEL SC_RGB(255, 255, 255)
#define SC_BORDER SC_RGB(196, 203, 212)
#define SC_HOST SC_RGB(255, 255, 255)
#define SC_HOST_EDGE SC_RGB(120, 130, 144)
#define SC_ROLE SC_RGB(29, 78, 137)
#define SC_LINK SC_RGB(150, 160, 172)
#define SC_RED SC_RGB(212, 40, 40)
#define SC_SECRET_BG SC_RGB(255, 236, 153)
#define SC_SECRET SC_RGB(176, 26, 26)
#define SC_BAR SC_RGB(236, 239, 243)
#define SC_SELECT SC_RGB(25, 113, 194)
#define SC_GOLD SC_RGB(184, 134, 11) /* a private key */
#define SC_TLS SC_RGB(22, 120, 72)   /* plaintext an endpoint saw inside TLS */

struct dl_color scene_step_color(int n);
/* The colour of attackers, and of a moment that is no delivery step of a defender. */
#define SC_ATTACKER SC_RGB(201, 42, 42)
#define SC_MOMENT SC_RGB(52, 58, 64)
struct dl_color scene_zone_tint(size_t z);
/* "①".."⑨"; "" for 0. */
const char *scene_circled(int n);

#define SCENE_MAX_AVOID 160

struct scene {
    const struct trace *tr;
    const struct viz_timeline *tl;
    const struct viz_view *v;
    const struct viz_strings *s; /* never NULL: empty strings stand in */
    struct display_list *out;
    struct layout L;
    double p;    /* the moment shown */
    double tv;   /* its virtual time, in microseconds */
    size_t nvis; /* events shown: [0, nvis) */
    int step;    /* the delivery step narrated (1..9), 0 none or a moment of another kind */
    /* the beat narrated (-1 none; a trace without beats narrates its first mail's steps) and
     * what it names: the actor, the connection, and the colour both are drawn in */
    long beat;
    trace_str actor;
    uint32_t beat_conn;
    struct dl_color accent;
    uint32_t focus; /* the transcript's connection, 0 none */
    /* boxes that labels in flight keep clear of: the links' protocol labels, then the flight
     * labels already placed */
    struct layout_box avoid[SCENE_MAX_AVOID];
    size_t navoid;
    size_t navoid_still; /* avoid[0..navoid_still): the still diagram's (links' labels, icons) */
};

/* Fills the frame's state for (trace, timeline, view): the layout, the moment shown, the
 * transcript's connection. 0, or -1 (an empty window, or OOM); layout_free(&sc->L) after 0.
 * out may be NULL for a state that only measures. */
int scene_begin(struct scene *sc, const struct trace *tr, const struct viz_timeline *tl,
                const struct viz_view *v, struct display_list *out);

/* A string of the viewer's language, or "" when the strings lack it. */
static inline const char *scene_str(const char *s)
{
    return s ? s : "";
}

struct dl_item *scene_rect(struct scene *sc, struct layout_box b, struct dl_color fill,
                           struct dl_color stroke, float thickness, float radius,
                           enum scene_layer layer);
struct dl_item *scene_line(struct scene *sc, float x, float y, float x2, float y2,
                           struct dl_color c, float thickness, enum scene_layer layer);
struct dl_item *scene_text(struct scene *sc, struct layout_box b, const char *text,
                           enum dl_font font, bool bold, enum dl_align align, struct dl_color c,
                           enum scene_layer layer);
struct dl_item *scene_icon(struct scene *sc, enum dl_icon icon, float x, float y, float size,
                           struct dl_color c, enum scene_layer layer);
void scene_target(struct dl_item *it, enum dl_target t, uint32_t id);
/* Remembers a box that labels in flight should not cover (dropped when the list is full). */
void scene_avoid(struct scene *sc, struct layout_box b);
/* Whether two boxes overlap, each grown by margin. */
bool scene_boxes_meet(struct layout_box a, struct layout_box b, float margin);

/* Host names and addresses as shown. */
const char *scene_host_name(const struct scene *sc, uint32_t h);
/* "#4 SMTP  gw.a.example (gw.a) 192.0.2.140:52461 → mx.b.example (mx.b) 203.0.113.140:25" */
void scene_conn_header(const struct scene *sc, uint32_t conn, char *buf, size_t len);

/* Events looked back at from the moment shown, at most (for what is in flight and the latest
 * note), so that a frame of a long run costs the same as one of a short run. */
#define SCENE_FLIGHT_SCAN 200000

/* Where the segment from the centre of box a to the centre of box b leaves a, as a fraction of
 * its length (dx, dy: from a's centre to b's). */
float scene_exit(const struct layout_box *a, float dx, float dy);

/* The parts of a frame. */
void scene_network(struct scene *sc);
void scene_motion(struct scene *sc);
void scene_cards(struct scene *sc);
void scene_note(struct scene *sc);
void scene_transcript(struct scene *sc);
void scene_inspector(struct scene *sc);
void scene_top_bar(struct scene *sc);
void scene_timeline_bar(struct scene *sc);
void scene_tooltip(struct scene *sc);
void scene_help(struct scene *sc);
/* Mail waiting in the hosts' queues (scene_queue.c): scene_motion draws it before what travels. */
void scene_queues(struct scene *sc);
/* How much of box b lies on the hosts' boxes, in square pixels (scene_flight.c). */
float scene_host_overlap(const struct scene *sc, struct layout_box b);

/* What the annotations of a data or plain event say of its line at [off, off + len)
 * (scene_lines.c). */
struct scene_meaning {
    bool secret;       /* a credential is on it */
    bool refusal;      /* it is (part of) a reply that refuses */
    char decoded[256]; /* what it says where the wire encodes it: a credential ("alice /
                          wonderland") or a SASL challenge ("Username:"); "" for none */
};
void scene_line_meaning(const struct trace *tr, size_t ev, uint32_t off, uint32_t len,
                        struct scene_meaning *m);
/* Whether e is an annotation (secret, reply, message) of the data or plain event before it. */
bool scene_is_note(const struct trace_event *e);
/* Whether a reply event refuses (4xx, 5xx, -ERR) rather than challenges. */
bool scene_reply_refuses(const struct trace *tr, const struct trace_event *reply);
/* Copies a protocol line for display: valid UTF-8 kept, a bare CR or LF and other control
 * characters shown as <CR>, <LF>, <XX>; the result is cut to cap. */
void scene_clean_line(const uint8_t *p, size_t n, char *out, size_t cap);

#endif
