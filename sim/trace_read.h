/* trace_read: the JSON lines that export_jsonl writes, read back into a struct trace, so that a
 * run recorded on one machine (`mailsim run --format jsonl`, `mailsim serve --format jsonl`)
 * plays on another exactly as it was recorded. The reader walks the schema of trace_kinds.h: a
 * kind added there is read with no code here. */
#ifndef MAILSIM_TRACE_READ_H
#define MAILSIM_TRACE_READ_H

#include "trace.h"

#include <stddef.h>
#include <stdio.h>

/* Reads in to its end into tr, which this initialises (do not trace_init it first). name is what
 * the messages call the input (its path). The first line must be the world header; every other
 * line an event. A line whose kind this mailsim does not know (a newer trace) is skipped, and so
 * is a key it does not know. Returns 0; -1 when the input is not such a trace, with tr freed
 * (nothing half read is left) and err saying where and what was expected:
 * "run.jsonl:12:40: data \"conn\": expected a connection number from 1 to 3, got 9". An error
 * reading the file is reported the same way, with the system's reason. */
int trace_read_jsonl(FILE *in, const char *name, struct trace *tr, char *err, size_t errlen);

/* The same for the file at path ("-" is the standard input). */
int trace_read_path(const char *path, struct trace *tr, char *err, size_t errlen);

#endif
