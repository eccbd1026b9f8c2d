/* text: the fonts (found through fontconfig: a Japanese-capable sans and a monospace face for
 * protocol lines) and a cache of rendered strings, so that a string is rasterised once and then
 * only copied, frame after frame. Text that does not fit its box is ellipsised. */
#ifndef MAILSIM_TEXT_H
#define MAILSIM_TEXT_H

#include "display.h"

#include <SDL.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum viz_face {
    VIZ_FACE_SANS,
    VIZ_FACE_SANS_BOLD,
    VIZ_FACE_MONO,
    VIZ_FACE_MONO_BOLD,
    VIZ_FACE_COUNT
};

/* Where each face lives: a file and a face index in it (fonts-noto-cjk ships .ttc collections).
 * synth_bold: no bold file was found, so the regular one is emboldened by SDL_ttf. */
struct viz_fonts {
    char path[VIZ_FACE_COUNT][PATH_MAX];
    long index[VIZ_FACE_COUNT];
    bool synth_bold[VIZ_FACE_COUNT];
    char family[VIZ_FACE_COUNT][96];
};

/* Finds the faces: "Noto Sans CJK JP", then IPAexGothic or IPAGothic, then any font whose
 * characters cover Japanese; for the monospace face "Noto Sans Mono CJK JP", then any monospace
 * font that covers Japanese, then the sans one. override (a font file) is used for every face
 * when not NULL. Returns 0, or -1 with a message in err when no Japanese-capable font exists. */
int viz_fonts_find(struct viz_fonts *f, const char *override, char *err, size_t errlen);

struct viz_text;

/* Bounds of the string cache; both keep its memory finite whatever is shown. */
#define VIZ_TEXT_MAX_ENTRIES 2048
#define VIZ_TEXT_MAX_PIXELS (24u * 1024u * 1024u)

/* Opens the faces for drawing on r (TTF_Init must have succeeded), each at px to check it: the
 * size most text will have. NULL with err on failure. The renderer must outlive the result.
 * r may be NULL: the faces can then be opened on a start-up thread while the window is being
 * created, and the renderer given later with viz_text_attach() on the drawing thread (never two
 * threads at once). */
struct viz_text *viz_text_new(SDL_Renderer *r, const struct viz_fonts *f, int px, char *err,
                              size_t errlen);
void viz_text_attach(struct viz_text *t, SDL_Renderer *r);
void viz_text_free(struct viz_text *t);

/* Opens a face at a size now rather than at its first use: opening one takes some
 * milliseconds (a CJK font is large), better spent before the first frame than in it. */
void viz_text_preload(struct viz_text *t, enum dl_font font, bool bold, int px);

/* Starts a frame; entries not used for a while become the first to be evicted. */
void viz_text_frame(struct viz_text *t);

/* Draws s in the box, vertically centred and aligned horizontally, in colour c (its alpha
 * too); px is the font's em size in pixels. Text wider than the box by more than a third of an
 * em is cut and ends in "…"; a box of width 0 has no limit. Returns 0, or -1 (a font or SDL
 * error). */
int viz_text_draw(struct viz_text *t, enum dl_font font, bool bold, int px, struct dl_color c,
                  const char *s, SDL_FRect box, enum dl_align align);

/* The size s would take, unclipped. Returns 0 or -1. */
int viz_text_size(struct viz_text *t, enum dl_font font, bool bold, int px, const char *s, int *w,
                  int *h);

/* For tests and stats: cached strings, and their texture pixels. */
size_t viz_text_cached(const struct viz_text *t);
size_t viz_text_cached_pixels(const struct viz_text *t);
/* Strings rasterised since the start (cache misses). */
unsigned long viz_text_rasterised(const struct viz_text *t);

#endif
