/* shape: anti-aliased discs and rings as small textures, made once and cached, so that rounded
 * corners, dots and badges are drawn as copies — SDL's software renderer blends every triangle
 * through a temporary surface of its bounding box, which is slow for many small shapes. */
#ifndef MAILSIM_SHAPE_H
#define MAILSIM_SHAPE_H

#include "display.h"

#include <SDL.h>

struct viz_shapes;

struct viz_shapes *viz_shapes_new(SDL_Renderer *r);
void viz_shapes_free(struct viz_shapes *s);

/* Quarter turns of a corner, clockwise from the top right. */
enum viz_corner { VIZ_CORNER_TR, VIZ_CORNER_BR, VIZ_CORNER_BL, VIZ_CORNER_TL };

/* The corner of a rounded rectangle whose corner square (r×r whole pixels) has its top left at
 * (x, y): a quarter disc (t <= 0) or a quarter ring of line width t inside radius r. Returns 0,
 * or -1 when SDL failed. */
int viz_shapes_corner(struct viz_shapes *s, int x, int y, int r, float t, enum viz_corner which,
                      struct dl_color c);

/* A disc of radius r (t <= 0) or a ring of line width t inside radius r, centred near (x, y):
 * the centre is snapped to the pixel grid, the radius to half pixels. Returns 0 or -1. */
int viz_shapes_circle(struct viz_shapes *s, float x, float y, float r, float t, struct dl_color c);

#endif
