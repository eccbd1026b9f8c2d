/* render: draws a display list with an SDL_Renderer — shapes, text, envelopes and icons made of
 * primitives — in layer order. The same code draws into a window (accelerated) and into an
 * SDL_Surface through the software renderer (screenshots, tests). */
#ifndef MAILSIM_RENDER_H
#define MAILSIM_RENDER_H

#include "display.h"
#include "scene.h"
#include "text.h"

#include <SDL.h>

struct viz_render;

/* r must outlive the result; the faces are opened at once (TTF_Init must have succeeded).
 * NULL with a message in err on failure. */
struct viz_render *viz_render_new(SDL_Renderer *r, const struct viz_fonts *f, char *err,
                                  size_t errlen);
/* The same with the text cache made beforehand (see viz_text_new); rd takes it over, also
 * when it fails (NULL on OOM). */
struct viz_render *viz_render_adopt(SDL_Renderer *r, struct viz_text *text);
void viz_render_free(struct viz_render *rd);

/* Clears the target and draws every item of dl, by increasing layer, then in list order. It
 * reads dl and v and changes neither. Returns 0, or -1 when SDL failed (the picture may then
 * lack an item; the next frame tries again). */
int viz_render_draw(struct viz_render *rd, const struct display_list *dl, const struct viz_view *v);

/* The text cache, for measuring and for tests. */
struct viz_text *viz_render_text(struct viz_render *rd);

#endif
