/* story: the beats of a run (DESIGN.md principle 8). A scenario is told as a sequence of beats,
 * each one moment of one actor: every delivery step of every mail (the step events, tagged with
 * the mail and the agent), and the moments that are no delivery — an attacker connects, a server
 * accepts what it should have refused, a refusal, a reset, a tamper, a sniffed secret, a
 * dictionary match, a retry, a bounce, a reader who cannot decrypt. The story follows the trace
 * as the simulation writes it and records each beat as a "beat" event just after the events
 * that make it, numbered in time order, with its title and narration in Japanese and English;
 * the port and protocol words come from the beat's own connection, never from fixed text.
 * Views (the window's header, ↑/↓, the timeline, shot --beat, the text transcript) read the beat
 * events only, so a recorded trace replays its story without the scenario. */
#ifndef MAILSIM_STORY_H
#define MAILSIM_STORY_H

#include "scenario.h"
#include "world.h"

#include <stddef.h>

/* Makes mw's runs record their beats (mw's observer, freed with the world), with the scenario's
 * own beats (sc->beats: each recorded once, as soon as its claim holds; sc may be NULL). sc
 * must outlive the world. Returns 0, or -1 with a message in err when the narration
 * (assets/strings) cannot be read. */
int story_attach(struct mail_world *mw, const struct scenario *sc, char *err, size_t errlen);

#endif
