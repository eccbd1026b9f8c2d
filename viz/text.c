/* text: fontconfig look-up of Japanese-capable faces, SDL_ttf fonts opened per size, and the
 * string cache: textures rendered in white and tinted at draw time, found by their string in a
 * strmap, evicted oldest-first at the start of a frame once it passes its bounds. */
#include "text.h"

#include "buf.h"
#include "strmap.h"
#include "utf8.h"

#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- finding the faces ---- */

/* Characters a font must have to show Japanese: kana of both kinds, kanji, and the circled
 * digits ①..⑨ that number the steps. */
static const FcChar32 text_ja_sample[] = {0x3042, 0x30A2, 0x65E5, 0x672C, 0x8A9E, 0x2460, 0x2468};

static bool text_covers_japanese(FcPattern *p)
{
    FcCharSet *cs = NULL;
    if (FcPatternGetCharSet(p, FC_CHARSET, 0, &cs) != FcResultMatch || !cs) {
        return false;
    }
    for (size_t i = 0; i < sizeof text_ja_sample / sizeof text_ja_sample[0]; i++) {
        if (!FcCharSetHasChar(cs, text_ja_sample[i])) {
            return false;
        }
    }
    return true;
}

static bool text_has_family(FcPattern *p, const char *family)
{
    FcChar8 *name;
    for (int i = 0; FcPatternGetString(p, FC_FAMILY, i, &name) == FcResultMatch; i++) {
        if (FcStrCmpIgnoreCase(name, (const FcChar8 *)family) == 0) {
            return true;
        }
    }
    return false;
}

/* Copies a matched pattern's file, index and family into face slot i. */
static bool text_take(struct viz_fonts *f, int i, FcPattern *p, bool want_bold)
{
    FcChar8 *file = NULL, *family = NULL;
    int index = 0, weight = FC_WEIGHT_REGULAR;
    if (FcPatternGetString(p, FC_FILE, 0, &file) != FcResultMatch) {
        return false;
    }
    FcPatternGetInteger(p, FC_INDEX, 0, &index);
    FcPatternGetInteger(p, FC_WEIGHT, 0, &weight);
    if (FcPatternGetString(p, FC_FAMILY, 0, &family) != FcResultMatch) {
        family = (FcChar8 *)"";
    }
    int n = snprintf(f->path[i], sizeof f->path[i], "%s", (const char *)file);
    if (n < 0 || (size_t)n >= sizeof f->path[i]) {
        return false;
    }
    snprintf(f->family[i], sizeof f->family[i], "%s", (const char *)family);
    f->index[i] = index;
    f->synth_bold[i] = want_bold && weight < FC_WEIGHT_DEMIBOLD;
    return true;
}

/* The best match for a family and weight, accepted only when fontconfig really has that family
 * (it otherwise answers with some fallback) and it covers Japanese. */
static bool text_find_family(FcConfig *cfg, struct viz_fonts *f, int i, const char *family,
                             bool bold)
{
    FcPattern *pat = FcPatternCreate();
    if (!pat) {
        return false;
    }
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    FcConfigSubstitute(cfg, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(cfg, pat, &res);
    bool ok =
        m && text_has_family(m, family) && text_covers_japanese(m) && text_take(f, i, m, bold);
    if (m) {
        FcPatternDestroy(m);
    }
    FcPatternDestroy(pat);
    return ok;
}

/* Any scalable font covering Japanese (monospaced when mono), the weight nearest the one wanted;
 * ties go to the smaller file name so that the choice does not depend on directory order. */
static bool text_find_any(FcConfig *cfg, struct viz_fonts *f, int i, bool mono, bool bold)
{
    FcPattern *pat = FcPatternCreate();
    FcObjectSet *os =
        FcObjectSetBuild(FC_FILE, FC_INDEX, FC_FAMILY, FC_WEIGHT, FC_CHARSET, (char *)NULL);
    if (!pat || !os) {
        if (pat) {
            FcPatternDestroy(pat);
        }
        if (os) {
            FcObjectSetDestroy(os);
        }
        return false;
    }
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"ja");
    if (mono) {
        FcPatternAddInteger(pat, FC_SPACING, FC_MONO);
    }
    FcFontSet *fs = FcFontList(cfg, pat, os);
    int want = bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR;
    FcPattern *best = NULL;
    int best_d = 0;
    FcChar8 *best_file = NULL;
    for (int k = 0; fs && k < fs->nfont; k++) {
        FcPattern *p = fs->fonts[k];
        FcChar8 *file;
        int w = FC_WEIGHT_REGULAR;
        if (!text_covers_japanese(p) || FcPatternGetString(p, FC_FILE, 0, &file) != FcResultMatch) {
            continue;
        }
        FcPatternGetInteger(p, FC_WEIGHT, 0, &w);
        int d = abs(w - want);
        if (!best || d < best_d || (d == best_d && strcmp((char *)file, (char *)best_file) < 0)) {
            best = p;
            best_d = d;
            best_file = file;
        }
    }
    bool ok = best && text_take(f, i, best, bold);
    if (fs) {
        FcFontSetDestroy(fs);
    }
    FcObjectSetDestroy(os);
    FcPatternDestroy(pat);
    return ok;
}

int viz_fonts_find(struct viz_fonts *f, const char *override, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (override) {
        for (int i = 0; i < VIZ_FACE_COUNT; i++) {
            int n = snprintf(f->path[i], sizeof f->path[i], "%s", override);
            if (n < 0 || (size_t)n >= sizeof f->path[i]) {
                snprintf(err, errlen, "--font: the path is too long");
                return -1;
            }
            f->synth_bold[i] = i == VIZ_FACE_SANS_BOLD || i == VIZ_FACE_MONO_BOLD;
            snprintf(f->family[i], sizeof f->family[i], "(--font)");
        }
        return 0;
    }
    FcConfig *cfg = FcInitLoadConfigAndFonts();
    if (!cfg) {
        snprintf(err, errlen, "fontconfig could not load its configuration");
        return -1;
    }
    static const char *const sans[] = {"Noto Sans CJK JP", "IPAexGothic", "IPAGothic"};
    static const char *const mono[] = {"Noto Sans Mono CJK JP", "IPAGothic"};
    for (int bold = 0; bold <= 1; bold++) {
        int si = bold ? VIZ_FACE_SANS_BOLD : VIZ_FACE_SANS;
        int mi = bold ? VIZ_FACE_MONO_BOLD : VIZ_FACE_MONO;
        bool ok = false;
        for (size_t k = 0; !ok && k < sizeof sans / sizeof sans[0]; k++) {
            ok = text_find_family(cfg, f, si, sans[k], bold);
        }
        if (!ok && !text_find_any(cfg, f, si, false, bold)) {
            FcConfigDestroy(cfg);
            snprintf(err, errlen,
                     "no font that can show Japanese was found (install fonts-noto-cjk, "
                     "or give one with --font FILE)");
            return -1;
        }
        ok = false;
        for (size_t k = 0; !ok && k < sizeof mono / sizeof mono[0]; k++) {
            ok = text_find_family(cfg, f, mi, mono[k], bold);
        }
        if (!ok && !text_find_any(cfg, f, mi, true, bold)) {
            memcpy(f->path[mi], f->path[si], sizeof f->path[mi]);
            memcpy(f->family[mi], f->family[si], sizeof f->family[mi]);
            f->index[mi] = f->index[si];
            f->synth_bold[mi] = f->synth_bold[si];
        }
    }
    FcConfigDestroy(cfg);
    return 0;
}

/* ---- the cache ---- */

#define TEXT_MAX_FONTS 16
/* Longer strings are cut before measuring: at the smallest size they are wider than a screen. */
#define TEXT_MAX_BYTES 2048
#define TEXT_ELLIPSIS "\xE2\x80\xA6" /* … */

struct text_font {
    enum viz_face face;
    int px;
    TTF_Font *font;
    int ellipsis_w;
    unsigned long used;
};

/* One string at one face and size. maxw 0: the whole string (tex NULL when it was only measured
 * because it did not fit); maxw > 0: the string ellipsised to that width. */
struct text_entry {
    char *s;
    int face, px, maxw;
    SDL_Texture *tex;
    int w, h;
    unsigned long used;
    int32_t next; /* the next older entry for the same string, or -1 */
};

struct viz_text {
    SDL_Renderer *r;
    struct viz_fonts fonts;
    struct text_font open[TEXT_MAX_FONTS];
    size_t nopen;
    struct text_entry *e;
    size_t n, cap;
    struct strmap by_string; /* a string -> its newest entry (the keys are the entries' s) */
    size_t pixels;
    unsigned long frame, rasterised;
    char scratch[TEXT_MAX_BYTES + 8];
};

static enum viz_face text_face(enum dl_font font, bool bold)
{
    if (font == DL_FONT_MONO) {
        return bold ? VIZ_FACE_MONO_BOLD : VIZ_FACE_MONO;
    }
    return bold ? VIZ_FACE_SANS_BOLD : VIZ_FACE_SANS;
}

static struct text_font *text_font_get(struct viz_text *t, enum viz_face face, int px)
{
    px = px < 4 ? 4 : (px > 400 ? 400 : px);
    size_t lru = 0;
    for (size_t i = 0; i < t->nopen; i++) {
        if (t->open[i].face == face && t->open[i].px == px) {
            t->open[i].used = t->frame;
            return &t->open[i];
        }
        if (t->open[i].used < t->open[lru].used) {
            lru = i;
        }
    }
    TTF_Font *font = TTF_OpenFontIndex(t->fonts.path[face], px, t->fonts.index[face]);
    if (!font) {
        return NULL;
    }
    if (t->fonts.synth_bold[face]) {
        TTF_SetFontStyle(font, TTF_STYLE_BOLD);
    }
    TTF_SetFontHinting(font, TTF_HINTING_LIGHT);
    struct text_font *slot;
    if (t->nopen < TEXT_MAX_FONTS) {
        slot = &t->open[t->nopen++];
    } else {
        slot = &t->open[lru];
        TTF_CloseFont(slot->font);
    }
    int eh;
    slot->face = face;
    slot->px = px;
    slot->font = font;
    slot->used = t->frame;
    if (TTF_SizeUTF8(font, TEXT_ELLIPSIS, &slot->ellipsis_w, &eh) != 0) {
        slot->ellipsis_w = px;
    }
    return slot;
}

struct viz_text *viz_text_new(SDL_Renderer *r, const struct viz_fonts *f, int px, char *err,
                              size_t errlen)
{
    struct viz_text *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->r = r;
    t->fonts = *f;
    for (int face = 0; face < VIZ_FACE_COUNT; face++) {
        if (!text_font_get(t, (enum viz_face)face, px)) {
            snprintf(err, errlen, "cannot open the font %s: %s", f->path[face], TTF_GetError());
            viz_text_free(t);
            return NULL;
        }
    }
    return t;
}

void viz_text_attach(struct viz_text *t, SDL_Renderer *r)
{
    t->r = r;
}

void viz_text_preload(struct viz_text *t, enum dl_font font, bool bold, int px)
{
    text_font_get(t, text_face(font, bold), px);
}

void viz_text_free(struct viz_text *t)
{
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (t->e[i].tex) {
            SDL_DestroyTexture(t->e[i].tex);
        }
        free(t->e[i].s);
    }
    free(t->e);
    strmap_free(&t->by_string);
    for (size_t i = 0; i < t->nopen; i++) {
        TTF_CloseFont(t->open[i].font);
    }
    free(t);
}

static struct text_entry *text_lookup(struct viz_text *t, const char *s, int face, int px, int maxw)
{
    size_t newest;
    if (!strmap_get(&t->by_string, s, &newest)) {
        return NULL;
    }
    for (int32_t i = (int32_t)newest; i >= 0; i = t->e[i].next) {
        struct text_entry *e = &t->e[i];
        if (e->face == face && e->px == px && e->maxw == maxw) {
            e->used = t->frame;
            return e;
        }
    }
    return NULL;
}

/* Makes entry i the newest of its string, in front of the ones already there. */
static int text_link(struct viz_text *t, size_t i)
{
    size_t newest;
    int32_t next = strmap_get(&t->by_string, t->e[i].s, &newest) ? (int32_t)newest : -1;
    if (strmap_put(&t->by_string, t->e[i].s, i) < 0) {
        return -1;
    }
    t->e[i].next = next;
    return 0;
}

static struct text_entry *text_insert(struct viz_text *t, const char *s, int face, int px, int maxw)
{
    t->e = buf_grow_items(t->e, &t->cap, t->n, sizeof *t->e, 256);
    char *copy = strdup(s);
    if (!copy) {
        return NULL;
    }
    struct text_entry *e = &t->e[t->n];
    e->s = copy;
    e->face = face;
    e->px = px;
    e->maxw = maxw;
    e->used = t->frame;
    if (text_link(t, t->n) < 0) {
        free(copy);
        return NULL;
    }
    t->n++;
    return e;
}

static int text_compare_age(const void *a, const void *b)
{
    unsigned long ua = ((const struct text_entry *)a)->used;
    unsigned long ub = ((const struct text_entry *)b)->used;
    return ua < ub ? -1 : ua > ub;
}

/* Drops the entries used longest ago until both bounds have a quarter of room again. Entries
 * used in the current frame stay: a frame that needs them all may overshoot, once. */
static void text_evict(struct viz_text *t)
{
    if (t->n < VIZ_TEXT_MAX_ENTRIES && t->pixels <= VIZ_TEXT_MAX_PIXELS) {
        return;
    }
    size_t keep_n = VIZ_TEXT_MAX_ENTRIES * 3 / 4;
    size_t keep_px = VIZ_TEXT_MAX_PIXELS / 4 * 3;
    struct text_entry *e = t->e;
    size_t n = t->n;
    qsort(e, n, sizeof *e, text_compare_age);
    size_t drop = 0;
    while (drop < n && e[drop].used < t->frame && (n - drop > keep_n || t->pixels > keep_px)) {
        if (e[drop].tex) {
            SDL_DestroyTexture(e[drop].tex);
            t->pixels -= (size_t)e[drop].w * (size_t)e[drop].h;
        }
        free(e[drop].s);
        drop++;
    }
    memmove(e, e + drop, (n - drop) * sizeof *e);
    t->n = n - drop;
    /* The positions moved: index the survivors again. The cleared map keeps its room, which
     * held every string before the drop, so these puts do not allocate and cannot fail. */
    strmap_clear(&t->by_string);
    for (size_t i = 0; i < t->n; i++) {
        (void)text_link(t, i);
    }
}

void viz_text_frame(struct viz_text *t)
{
    t->frame++;
    text_evict(t);
}

/* Byte length of the first n characters of s (a byte that is not UTF-8 counts as one). */
static size_t text_utf8_prefix(const char *s, int n)
{
    size_t i = 0;
    for (; s[i] && n > 0; n--) {
        uint32_t c;
        size_t k = utf8_decode((const uint8_t *)s + i, UTF8_SEQ_MAX, &c);
        i += k ? k : 1;
    }
    return i;
}

/* Copies s into the scratch buffer with control characters as spaces (a stray CR would show as
 * a missing-glyph box), cut at TEXT_MAX_BYTES on a code point boundary. */
static const char *text_clean(struct viz_text *t, const char *s)
{
    size_t i = 0;
    for (; s[i] && i < TEXT_MAX_BYTES; i++) {
        unsigned char c = (unsigned char)s[i];
        t->scratch[i] = (char)(c < 0x20 || c == 0x7F ? ' ' : c);
    }
    while (i > 0 && s[i] && utf8_is_continuation((uint8_t)s[i])) {
        i--;
    }
    t->scratch[i] = 0;
    return t->scratch;
}

static SDL_Texture *text_rasterise(struct viz_text *t, TTF_Font *font, const char *s, int *w,
                                   int *h)
{
    static const SDL_Color white = {255, 255, 255, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(font, s, white);
    if (!surf) {
        return NULL;
    }
    SDL_Texture *tex = SDL_CreateTextureFromSurface(t->r, surf);
    if (tex) {
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
        *w = surf->w;
        *h = surf->h;
        t->pixels += (size_t)surf->w * (size_t)surf->h;
        t->rasterised++;
    }
    SDL_FreeSurface(surf);
    return tex;
}

/* Writes into the scratch buffer the longest prefix of clean (already in the scratch buffer)
 * that fits maxw with an ellipsis after it. */
static const char *text_ellipsise(struct text_font *tf, char *clean, int maxw)
{
    int avail = maxw - tf->ellipsis_w, extent = 0, count = 0;
    size_t cut = 0;
    if (avail > 0 && TTF_MeasureUTF8(tf->font, clean, avail, &extent, &count) == 0) {
        cut = text_utf8_prefix(clean, count);
    }
    for (;;) {
        while (cut > 0 && clean[cut - 1] == ' ') {
            cut--;
        }
        memcpy(clean + cut, TEXT_ELLIPSIS, sizeof TEXT_ELLIPSIS);
        int w, h;
        if (cut == 0 || (TTF_SizeUTF8(tf->font, clean, &w, &h) == 0 && w <= maxw)) {
            return clean;
        }
        do { /* one code point fewer: the measure and the render may round differently */
            cut--;
        } while (cut > 0 && utf8_is_continuation((uint8_t)clean[cut]));
    }
}

/* The cached texture of s for a box maxw wide (maxw <= 0: no limit). */
static struct text_entry *text_get(struct viz_text *t, enum viz_face face, int px, const char *s,
                                   int maxw)
{
    struct text_entry *full = text_lookup(t, s, face, px, 0);
    struct text_font *tf = NULL;
    /* A string that overshoots its box by a third of an em is drawn whole: the scene sizes boxes
     * from estimates, and "1×" is better a little wide than cut down to "…". */
    int fits = maxw <= 0 ? INT_MAX : maxw + (px + 2) / 3;
    if (!full || (!full->tex && full->w <= fits)) {
        tf = text_font_get(t, face, px);
        if (!tf) {
            return NULL;
        }
        const char *clean = text_clean(t, s);
        int w, hh;
        if (!full) {
            if (TTF_SizeUTF8(tf->font, clean, &w, &hh) != 0 ||
                !(full = text_insert(t, s, face, px, 0))) {
                return NULL;
            }
            full->w = w;
            full->h = hh;
        }
        if (full->w <= fits) {
            full->tex = text_rasterise(t, tf->font, clean, &full->w, &full->h);
            return full->tex ? full : NULL;
        }
    }
    if (full->w <= fits) {
        return full;
    }
    struct text_entry *cut = text_lookup(t, s, face, px, maxw);
    if (cut) {
        return cut;
    }
    if (!tf && !(tf = text_font_get(t, face, px))) {
        return NULL;
    }
    text_clean(t, s);
    const char *shown = text_ellipsise(tf, t->scratch, maxw);
    int w, hh;
    SDL_Texture *tex = text_rasterise(t, tf->font, shown, &w, &hh);
    if (!tex) {
        return NULL;
    }
    cut = text_insert(t, s, face, px, maxw);
    if (!cut) {
        SDL_DestroyTexture(tex);
        t->pixels -= (size_t)w * (size_t)hh;
        return NULL;
    }
    cut->tex = tex;
    cut->w = w;
    cut->h = hh;
    return cut;
}

int viz_text_draw(struct viz_text *t, enum dl_font font, bool bold, int px, struct dl_color c,
                  const char *s, SDL_FRect box, enum dl_align align)
{
    if (!s || !*s || c.a == 0) {
        return 0;
    }
    int maxw = box.w > 0 ? (int)box.w : 0;
    if (box.w > 0 && maxw < 1) {
        return 0;
    }
    struct text_entry *e = text_get(t, text_face(font, bold), px, s, maxw);
    if (!e || !e->tex) {
        return -1;
    }
    float x = box.x;
    if (align == DL_ALIGN_CENTER) {
        x = box.x + (box.w - (float)e->w) / 2;
    } else if (align == DL_ALIGN_RIGHT) {
        x = box.x + box.w - (float)e->w;
    }
    /* Whole pixels: a texture copied to a fractional position is resampled and blurs. */
    SDL_Rect dst = {(int)SDL_floorf(x + 0.5f),
                    (int)SDL_floorf(box.y + (box.h - (float)e->h) / 2 + 0.5f), e->w, e->h};
    SDL_SetTextureColorMod(e->tex, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(e->tex, c.a);
    return SDL_RenderCopy(t->r, e->tex, NULL, &dst);
}

int viz_text_size(struct viz_text *t, enum dl_font font, bool bold, int px, const char *s, int *w,
                  int *h)
{
    enum viz_face face = text_face(font, bold);
    struct text_entry *e = text_lookup(t, s, face, px, 0);
    if (e) {
        *w = e->w;
        *h = e->h;
        return 0;
    }
    struct text_font *tf = text_font_get(t, face, px);
    return tf ? TTF_SizeUTF8(tf->font, text_clean(t, s), w, h) : -1;
}

size_t viz_text_cached(const struct viz_text *t)
{
    return t->n;
}

size_t viz_text_cached_pixels(const struct viz_text *t)
{
    return t->pixels;
}

unsigned long viz_text_rasterised(const struct viz_text *t)
{
    return t->rasterised;
}
