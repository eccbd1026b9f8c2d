/* fuzz_scenario: the scenario loader fed JSON text: scenario_parse() (cJSON, then every rule of
 * the format), a countermeasure variant of what parsed (scenario_variant), and, when the input
 * asks for it and the scenario is cheap to run (few agents and events, no TLS, S/MIME, OpenPGP
 * or SSH, whose key generation would dominate), build_world, a run capped at an hour of
 * virtual time, and the checks of its expect block. A failed parse must say why in one line.
 *
 * Input: byte 0 options (bit 0: build and run; the other bits: the countermeasure mask), then
 * the JSON text. */
#include "build.h"
#include "fuzz.h"
#include "scenario.h"
#include "trace.h"

#define RUN_LIMIT_US (3600ull * 1000000ull)

static bool fuzz_is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* A setting that needs key generation or TLS handshakes, which would make runs slow. */
static bool fuzz_costly(const char *s)
{
    return s && !fuzz_is(s, "none");
}

static bool fuzz_cheap(const struct scenario *sc)
{
    if (sc->nagents > 16 || sc->ntimeline > 32 || sc->nhosts > 32) {
        return false;
    }
    for (size_t i = 0; i < sc->nagents; i++) {
        const struct scenario_agent *a = &sc->agents[i];
        if (fuzz_costly(a->submit_tls) || fuzz_costly(a->pop_tls) || fuzz_costly(a->encrypt) ||
            fuzz_costly(a->pop_tunnel) || fuzz_costly(a->smtp_tls) || a->starttls || a->smtps ||
            a->smtpd_tls || a->stls || a->pop3s || fuzz_is(a->role, "sshd") ||
            a->ndictionary > 1000) {
            return false;
        }
    }
    for (size_t i = 0; i < sc->ntimeline; i++) {
        const struct scenario_event *e = &sc->timeline[i];
        if (e->repeat > 5 || e->body_bytes > 65536) {
            return false;
        }
    }
    return true;
}

static void fuzz_run(const struct scenario *sc)
{
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        FUZZ_CHECK(devnull != NULL);
    }
    struct trace tr;
    FUZZ_CHECK(trace_init(&tr) == 0);
    char err[512] = "";
    struct build_options bo = {.seed = 1, .has_seed = true};
    struct mail_world *mw = build_world(sc, &bo, &tr, err, sizeof err);
    if (!mw) {
        /* build_world's own checks (addresses, ports) must say what is wrong. */
        FUZZ_CHECK(err[0] != 0);
    } else {
        uint64_t until = sc->until_us && sc->until_us < RUN_LIMIT_US ? sc->until_us : RUN_LIMIT_US;
        mail_world_run(mw, until);
        (void)build_check(sc, mw, devnull);
        for (size_t i = 0; i < sc->nattacks; i++) {
            (void)build_attack_succeeded(&sc->attacks[i], &tr);
        }
        mail_world_free(mw);
    }
    trace_free(&tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned options = fuzz_byte(&in);
    char err[512];
    memset(err, 0, sizeof err);
    struct scenario *sc = scenario_parse((const char *)in.p, in.n, "fuzz.json", err, sizeof err);
    if (!sc) {
        /* One line that names the file. */
        FUZZ_CHECK(strncmp(err, "fuzz.json", 9) == 0);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
        return 0;
    }
    if (sc->ncountermeasures > 0) {
        char verr[512] = "";
        unsigned mask = (options >> 1) & ((1u << sc->ncountermeasures) - 1);
        struct scenario *v = scenario_variant(sc, mask, verr, sizeof verr);
        if (v) {
            FUZZ_CHECK(v->ncountermeasures == sc->ncountermeasures);
            scenario_free(v);
        } else {
            FUZZ_CHECK(verr[0] != 0);
        }
    }
    if ((options & 1) && fuzz_cheap(sc)) {
        fuzz_run(sc);
    }
    scenario_free(sc);
    return 0;
}
