/* scenario_story: the beats a scenario tells in its own words. Each is an actor's moment that
 * no event kind names by itself ("mallory takes STARTTLS out of the EHLO reply"): a claim (the
 * vocabulary of claims.h) and the first moment it holds, the agent whose moment it is, and a
 * title and narration in Japanese and English. app/story.c records them as beats beside the
 * ones it finds on its own. */
#include "claims.h"
#include "scenario_parser.h"

#include <stdlib.h>
#include <string.h>

/* A beat's words are joined by U+001F in the trace (trace_beat_words): a text may not hold it. */
static int scenario_beat_words(struct scenario_ctx *c, const char *key,
                               const struct scenario_text *t)
{
    if ((t->ja && strchr(t->ja, 0x1f)) || (t->en && strchr(t->en, 0x1f))) {
        return scenario_fail(c, key, "a beat's words may not hold the control character U+001F");
    }
    return 0;
}

static int scenario_parse_beat(struct scenario_parser *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"agent", "when", "title", "text", NULL};
    struct scenario_beat *b = &p->s->beats[i];
    struct scenario_ctx *c = &p->c;
    const cJSON *when;
    size_t agent;
    if (scenario_check_keys(c, o, keys, "in a beat") < 0 ||
        scenario_get_string(c, o, "agent", SCENARIO_REQUIRED, NULL, "the id of an agent",
                            &b->agent) < 0 ||
        scenario_ref(c, "agent", b->agent, &p->agents, "the id of an agent", &agent) < 0 ||
        scenario_get_text(c, o, "title", SCENARIO_REQUIRED, &b->title.ja, &b->title.en) < 0 ||
        scenario_get_text(c, o, "text", 0, &b->text.ja, &b->text.en) < 0 ||
        scenario_beat_words(c, "title", &b->title) < 0 ||
        scenario_beat_words(c, "text", &b->text) < 0 ||
        scenario_get_list(c, o, "when", SCENARIO_REQUIRED, true, &when, NULL) < 0) {
        return -1;
    }
    size_t old = scenario_path_key(c, "when");
    b->when = claims_parse(c, when, NULL);
    scenario_path_pop(c, old);
    return b->when ? 0 : -1;
}

int scenario_parse_beats(struct scenario_parser *p, const cJSON *root)
{
    struct scenario *s = p->s;
    const cJSON *beats;
    size_t n;
    if (scenario_get_list(&p->c, root, "beats", 0, false, &beats, &n) < 0 ||
        (beats && scenario_alloc(&p->c, "beats", n, sizeof *s->beats, &s->beats, &s->nbeats) < 0)) {
        return -1;
    }
    return beats ? scenario_each(p, beats, "beats", scenario_parse_beat) : 0;
}

void scenario_free_beats(struct scenario *s)
{
    for (size_t i = 0; s->beats && i < s->nbeats; i++) {
        free(s->beats[i].agent);
        claims_free(s->beats[i].when);
        scenario_text_free(&s->beats[i].title);
        scenario_text_free(&s->beats[i].text);
    }
    free(s->beats);
}
