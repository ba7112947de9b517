/* persona.h: the reviewer personas of the panel, loaded from the JSON files in
 * personas/.
 *
 * A persona file names the reviewer (name = the file's stem, display_name),
 * the lens it reviews through, its place in the panel (order), the rubric
 * elements its paragraph must cover (each a name, an "ask" for the prompt, a
 * "missing" message for the re-ask and a PCRE2 pattern, matched caseless),
 * and optional provider, model, temperature and max_tokens overrides. Nothing
 * about any one persona is known to the C code: a new file adds a reviewer.
 * The patterns are kept as text here; the validator compiles them.
 *
 * "min_rubric" (optional, an integer from 0 to the number of elements) is
 * how many rubric elements a review must cover to be accepted; below it the
 * validator asks again, quoting the missing elements. Absent, it is all but
 * one (never below 0): the published reviews we model the product on each
 * leave out at most one element, and a reviewer who argues four points well
 * and skips the fifth has still written a review.
 */
#ifndef SHIPSKIP_PERSONA_H
#define SHIPSKIP_PERSONA_H

#include "shipskip/util/error.h"

#include <stddef.h>

#define SK_PERSONA_MAX_RUBRIC 16

struct sk_rubric_item {
  char *name;    /* "direct competitors" */
  char *ask;     /* what the prompt asks for */
  char *missing; /* "no direct competitors named" */
  char *pattern; /* PCRE2 source, matched caseless and UTF */
};

struct sk_persona {
  char *name;         /* "skeptic": the file stem, used on the command line */
  char *display_name; /* "Skeptic" */
  char *lens;
  int order;
  struct sk_rubric_item *rubric;
  size_t nrubric;
  char *provider; /* optional overrides, NULL when absent */
  char *model;
  double temperature; /* < 0 when absent */
  long max_tokens;    /* 0 when absent */
  char *source;       /* the file it came from */
  int has_min_rubric; /* 1 when the file set "min_rubric" */
  int min_rubric;     /* its value (0..nrubric); read sk_persona_min_rubric */
};

struct sk_panel_def {
  struct sk_persona *personas; /* sorted by order, then name */
  size_t n;
};

/* Parses one persona from JSON text. name is the persona's id (the file
 * stem) and source the file name for messages. Returns 0 and fills *p (free
 * with sk_persona_cleanup), or SK_EPARSE / SK_EMISSING / SK_ENOMEM with err
 * naming the file and field. */
int sk_persona_parse(const char *json, size_t len, const char *name,
                     const char *source, struct sk_persona *p,
                     struct sk_error *err);

/* The number of rubric elements a review must cover for persona p: its
 * "min_rubric" when set, capped at nrubric (a caller may drop the rubric,
 * as `apply --no-rubric` does), else nrubric - 1, or 0 for a persona with
 * no rubric. A zeroed persona gets the default, so hand-built personas are
 * held to the same rule as loaded ones. */
size_t sk_persona_min_rubric(const struct sk_persona *p);

/* Frees the strings of p. NULL-safe. */
void sk_persona_cleanup(struct sk_persona *p);

/* Loads every *.json in dir into panel, sorted by order then name. If only
 * is non-NULL it is a comma-separated list of names to keep
 * ("skeptic,founder"); every file is still parsed, so a broken persona file is
 * always an error; an unknown name is SK_ECONFIG naming it and listing the
 * known ones. An empty panel is SK_ECONFIG. Returns 0 or an error; free with
 * sk_panel_def_cleanup. */
int sk_panel_def_load(const char *dir, const char *only,
                      struct sk_panel_def *panel, struct sk_error *err);

/* One persona file held in memory: the copy built into the binary. */
struct sk_persona_text {
  const char *file; /* "personas/skeptic.json": its stem names the persona */
  const char *text;
  size_t len;
};

/* Loads a panel as sk_panel_def_load does, from the n files given in memory
 * instead of a directory: files not ending in ".json" are skipped, and each
 * persona's source reads "where:file" ("embedded:personas/skeptic.json").
 * Same errors, same sorting, same selection by only; free with
 * sk_panel_def_cleanup. The texts are copied. */
int sk_panel_def_load_texts(const struct sk_persona_text *files, size_t n,
                            const char *where, const char *only,
                            struct sk_panel_def *panel, struct sk_error *err);

/* Frees every persona of the panel. NULL-safe. */
void sk_panel_def_cleanup(struct sk_panel_def *panel);

/* Returns the persona called name, or NULL. */
const struct sk_persona *sk_panel_def_find(const struct sk_panel_def *panel,
                                           const char *name);

#endif
