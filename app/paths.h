/* paths: where mailsim finds its data (scenarios/ and assets/) — $MAILSIM_DATA_DIR, then
 * share/mailsim beside the installed executable, then the source tree it was built from. */
#ifndef MAILSIM_PATHS_H
#define MAILSIM_PATHS_H

#include <stddef.h>

/* Writes the data directory into out. Returns 0, or -1 when none holds assets/. */
int paths_data_dir(char *out, size_t cap);

/* Joins the data directory and a relative path. Returns 0, or -1 (not found or too long). */
int paths_data_file(const char *rel, char *out, size_t cap);

#endif
