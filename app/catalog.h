/* catalog: where a scenario comes from — a file path, the name of a bundled one, or the
 * built-in default — the list of bundled ones, and a scenario run into a trace. */
#ifndef MAILSIM_CATALOG_H
#define MAILSIM_CATALOG_H

#include "build.h"
#include "scenario.h"
#include "trace.h"

#include <stddef.h>

/* arg: a file path, a bundled scenario's name (`nine-steps`), or NULL for the built-in copy of
 * nine-steps. A directory is not a scenario: one named like a bundled scenario ("apop",
 * "apop/") stands for it. NULL with a message in err (naming the file, in the language of
 * msg_lang, with the nearest bundled name for a mistyped one) when it cannot be loaded. */
struct scenario *catalog_load(const char *arg, char *err, size_t errlen);

/* The bundled scenario files (the .json files of scenarios/ but the schema), sorted, into
 * paths[0..cap); the caller frees each. Returns their number, or -1 with a message on stderr. */
int catalog_bundled(char **paths, size_t cap);

/* Loads, builds and runs a scenario (arg as for catalog_load) into a new trace on the heap, to
 * be freed with trace_free() and free(). Expectations are not checked. NULL with a message in
 * err. Safe to call from another thread: it shares no state. */
/* Builds and runs an already loaded scenario into a new trace on the heap (trace_free() and
 * free()); NULL with a message in err. sc stays the caller's. */
struct trace *catalog_run_scenario(const struct scenario *sc, const struct build_options *opt,
                                   char *err, size_t errlen);

struct trace *catalog_build_trace(const char *arg, const struct build_options *opt, char *err,
                                  size_t errlen);

#endif
