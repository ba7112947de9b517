/* data.h: where the panel's personas and the prompt templates come from.
 *
 * A directory given on the command line wins. Else one found on disk:
 * ./personas (./prompts) in the current directory, else beside the binary
 * (BIN/../personas in a build tree, BIN/../share/shipskip/personas in an
 * install). Else the copy built into the binary from personas/ and prompts/
 * at build time (cmake/embed.cmake), so a shipskip copied alone to another
 * machine still has its panel. A directory found beside the binary is
 * printed as a clean absolute path, never "build/../personas".
 */
#ifndef SHIPSKIP_CLI_DATA_H
#define SHIPSKIP_CLI_DATA_H

#include "shipskip/model/persona.h"
#include "shipskip/review/inject.h"
#include "shipskip/review/prompt.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* One file built into the binary: its path relative to the source tree
 * ("personas/skeptic.json", "prompts/system.txt"), and its bytes, with a
 * NUL after the last (len does not count it). */
struct sk_embedded_file {
  const char *path;
  const unsigned char *data;
  size_t len;
};

/* The built-in files (generated into the build tree by cmake/embed.cmake). */
extern const struct sk_embedded_file sk_embedded_files[];
extern const size_t sk_embedded_nfiles;

/* What "personas list" and messages call the built-in copy. */
#define SK_CLI_EMBEDDED "embedded"

/* Returns the built-in file at path ("prompts/user.txt"), or NULL. */
const struct sk_embedded_file *sk_cli_embedded_find(const char *path);

/* Where name ("personas" or "prompts") comes from, as described above:
 * given when non-NULL, else the directory found on disk (written into buf
 * when it is beside the binary), else NULL: the built-in copy. */
const char *sk_cli_data_where(const char *given, const char *name, char *buf,
                              size_t size);

/* Loads the panel from the personas directory given (--personas-dir, or
 * NULL), found, or built in; only as sk_panel_def_load takes it. Returns 0
 * or SK_ECONFIG / SK_ENOMEM with err set; free with sk_panel_def_cleanup. */
int sk_cli_load_personas(const char *given, const char *only,
                         struct sk_panel_def *panel, struct sk_error *err);

/* Loads the three prompt templates from the prompts directory given
 * (--prompts-dir, or NULL), found, or built in. Returns 0 or SK_ECONFIG /
 * SK_ENOMEM with err set; free with sk_prompts_cleanup. */
int sk_cli_load_prompts(const char *given, int min_words, int max_words,
                        struct sk_prompts *p, struct sk_error *err);

/* Loads injection-patterns.txt from the prompts directory given, found, or
 * built in. Returns 0 and *out (free with sk_inject_free) or the error of
 * sk_inject_load / sk_inject_new with err set. */
int sk_cli_load_rules(const char *given, struct sk_inject **out,
                      struct sk_error *err);

#endif
