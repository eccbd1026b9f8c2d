/* display: the display list — what the scene asks to be drawn, as plain data. The scene builds
 * it from (trace, playback time, view state) without SDL; the renderer draws it with SDL; tests
 * read it without pixels. Coordinates are window pixels; colours are RGBA. */
#ifndef MAILSIM_DISPLAY_H
#define MAILSIM_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dl_color {
    uint8_t r, g, b, a;
};

#define DL_KINDS(X)                                                                                \
    X(DL_RECT, "rect")         /* x,y,w,h; fill; stroke when stroke.a > 0; radius */               \
    X(DL_LINE, "line")         /* x,y to x2,y2; stroke; thickness */                               \
    X(DL_TEXT, "text")         /* text in the box x,y,w,h with font and align; fill = colour */    \
    X(DL_ENVELOPE, "envelope") /* a letter at x,y (centre), size w; fill; label = its step */      \
    X(DL_ICON, "icon")         /* icon at x,y (centre), size w */

#define DL_KIND_ENUM(name, text) name,
enum dl_kind { DL_KINDS(DL_KIND_ENUM) DL_KIND_COUNT };
#undef DL_KIND_ENUM

/* Font sizes: the scene sizes its text boxes for the em sizes of layout.h's
 * layout_font_px(font, view) — body 18, small 14, title 28, mono 15 px at a 1080-line window,
 * growing with the window's height and by 1.35 in presenter mode. The renderer must draw each
 * text item at exactly that size (call layout_font_px), and ellipsise what overflows its box. */
enum dl_font {
    DL_FONT_BODY,  /* labels, panel text */
    DL_FONT_SMALL, /* secondary labels (IP addresses, ports) */
    DL_FONT_TITLE, /* the narration line, zone titles */
    DL_FONT_MONO,  /* protocol lines */
    DL_FONT_COUNT
};

enum dl_align { DL_ALIGN_LEFT, DL_ALIGN_CENTER, DL_ALIGN_RIGHT };

enum dl_icon {
    DL_ICON_LOCK,
    DL_ICON_EYE,
    DL_ICON_MAILBOX,
    DL_ICON_PLAY,
    DL_ICON_PAUSE,
    DL_ICON_KEY
};

/* What an item stands for, so that a click or a hover can be turned into an inspection.
 * target_id: a host, agent or link index, a connection id, a step number (1..9), the host of a
 * mailbox; DL_TARGET_SCRUBBER marks the timeline's track and its knob (id 0): scene.h's
 * scene_p_at_x() turns the mouse's x into the time to seek to. */
enum dl_target {
    DL_TARGET_NONE,
    DL_TARGET_HOST,
    DL_TARGET_AGENT,
    DL_TARGET_LINK,
    DL_TARGET_CONN,
    DL_TARGET_STEP,
    DL_TARGET_SCRUBBER,
    DL_TARGET_MAILBOX,
    DL_TARGET_BEAT /* a beat's marker on the timeline: id is the beat's number from 0 */
};

struct dl_item {
    enum dl_kind kind;
    float x, y, w, h;
    float x2, y2;
    float thickness;
    float radius;
    struct dl_color fill;
    struct dl_color stroke;
    enum dl_font font;
    enum dl_align align;
    enum dl_icon icon;
    uint32_t text; /* offset of a NUL-terminated UTF-8 string in the list's text arena */
    uint32_t text_len;
    bool has_text;
    bool bold;
    enum dl_target target;
    uint32_t target_id; /* host, agent or link index; conn id; step number */
    uint32_t layer;     /* drawn in increasing layer order, then in list order */
};

struct display_list {
    struct dl_item *items;
    size_t n, cap;
    char *text; /* arena of strings */
    size_t text_len, text_cap;
    int width, height;
};

void dl_init(struct display_list *dl);
void dl_free(struct display_list *dl);
void dl_clear(struct display_list *dl, int width, int height);
/* Appends an item; returns it for the caller to fill, zeroed except kind. Aborts on OOM. */
struct dl_item *dl_push(struct display_list *dl, enum dl_kind kind);
/* Appends an item of that kind in the box (x, y, w, h) on layer; the rest as dl_push leaves it. */
struct dl_item *dl_push_box(struct display_list *dl, enum dl_kind kind, float x, float y, float w,
                            float h, uint32_t layer);
/* The three items every picture is made of, filled in one place: a rectangle (stroke drawn when
 * stroke.a > 0), a line from (x, y) to (x2, y2), and a text in a box (the text is copied). Each
 * returns the item. */
struct dl_item *dl_rect(struct display_list *dl, float x, float y, float w, float h,
                        struct dl_color fill, struct dl_color stroke, float thickness, float radius,
                        uint32_t layer);
struct dl_item *dl_line(struct display_list *dl, float x, float y, float x2, float y2,
                        struct dl_color stroke, float thickness, uint32_t layer);
struct dl_item *dl_text_box(struct display_list *dl, float x, float y, float w, float h,
                            const char *text, enum dl_font font, bool bold, enum dl_align align,
                            struct dl_color color, uint32_t layer);
/* Stores text for an item (copied into the arena). */
void dl_set_text(struct display_list *dl, struct dl_item *it, const char *text);
const char *dl_text(const struct display_list *dl, const struct dl_item *it);
/* The topmost item with a target under the point, or NULL. */
const struct dl_item *dl_hit(const struct display_list *dl, float x, float y);

#endif
