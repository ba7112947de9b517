/* roster.h: the panel as an editor sees it, and a new persona file checked
 * before it joins (`shipskip personas list` and `shipskip personas check`).
 *
 * The list shows each persona of a panel in panel order: name, display
 * name, order, file, the lens's first sentence, each rubric element as
 * "name: ask", and the provider, model, temperature and max_tokens the file
 * overrides.
 *
 * The check parses one persona file as the panel loader does (the "name"
 * must match the file's stem), compiles its rubric with the validator, and
 * runs the rubric over sample reviews: every *.txt under the sample
 * directories (directories called "fail" skipped: they hold reviews that
 * are meant to miss an element). A sample in the reply format contributes
 * the paragraph after its REVIEW: label; any other, its whole text. It
 * reports which elements each sample hits and, last, the elements no
 * sample hits — a hint that a pattern is too narrow to accept a good
 * review in natural phrasing. Samples written for other personas are
 * expected to miss elements; an element nothing at all hits is the
 * warning sign.
 */
#ifndef SHIPSKIP_ROSTER_H
#define SHIPSKIP_ROSTER_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"

#include <stddef.h>

/* Most sample files read, and the largest one. */
#define SK_ROSTER_MAX_SAMPLES 10000
#define SK_ROSTER_SAMPLE_CAP (256u * 1024)

/* Appends the panel's listing to out. Returns 0, SK_ENOMEM or SK_ETOOBIG. */
int sk_roster_list(const struct sk_panel_def *panel, struct sk_buf *out);

/* What a check found. */
struct sk_roster_stats {
  size_t samples;  /* sample files read */
  size_t elements; /* rubric elements of the persona */
  size_t unhit;    /* elements no sample hits */
  size_t full;     /* samples that hit every element */
  size_t skipped;  /* sample files not read (not UTF-8, too big) */
};

/* Checks the persona file at path and runs its rubric over the samples in
 * the ndirs directories of dirs (a missing directory is skipped with a note
 * in the report), appending the report to out. Returns 0 when the file is
 * a valid persona (whatever the samples show), SK_ENOENT / SK_EIO /
 * SK_ETOOBIG when it cannot be read, SK_EINVAL when its name is not
 * NAME.json, SK_EPARSE / SK_EMISSING for a malformed persona and SK_EREGEX
 * for a pattern that does not compile (err names the file and the
 * element), or SK_ENOMEM. */
int sk_roster_check(const char *path, const char *const *dirs, size_t ndirs,
                    struct sk_buf *out, struct sk_roster_stats *st,
                    struct sk_error *err);

#endif
