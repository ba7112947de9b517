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
 *
 * The replies check (`shipskip personas check --replies DIR`) measures the
 * validator on real replies: every reply in DIR is checked as the review
 * engine checks a model's answer, and counted per persona as accepted
 * (first attempt), re-asked (the form is right but it covers fewer rubric
 * elements than min_rubric: the engine would ask again) or rejected (a
 * format failure), with the reasons.
 */
#ifndef SHIPSKIP_ROSTER_H
#define SHIPSKIP_ROSTER_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/validate.h"

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

/* ---- replies ---- */

#define SK_ROSTER_MAX_REPLIES 10000
#define SK_ROSTER_MAX_REASONS 16

/* One failure message and how many replies of the persona gave it. */
struct sk_roster_reason {
  char text[SK_REPLY_ERROR_LEN];
  size_t count;
};

/* The counts for one persona of the panel. */
struct sk_roster_tally {
  size_t accepted; /* valid on the first attempt */
  size_t reasked;  /* only coverage below min_rubric */
  size_t rejected; /* a format failure */
  struct sk_roster_reason reasons[SK_ROSTER_MAX_REASONS];
  size_t nreasons;
  size_t more_reasons; /* distinct messages past the cap, not listed */
};

/* What a replies check found. per has one tally per persona of the panel,
 * in panel order; free it with sk_roster_replies_cleanup. */
struct sk_roster_replies {
  struct sk_roster_tally *per;
  size_t n;
  size_t replies; /* reply files checked */
  size_t unknown; /* *.txt files whose persona is not on the panel */
  size_t skipped; /* files not read (too big, unreadable) */
  size_t no_tool; /* replies whose slug has no tool record (tools_dir set) */
};

/* Checks every reply under dir against the panel with opts (the policy in
 * opts->rubric included) and appends a report to out: one line per reply
 * (accepted with its score, verdict and coverage; re-asked with the missing
 * elements; rejected with its messages), then per persona the three counts
 * and each reason with how many replies gave it.
 *
 * The layout is the one fixtures/reviews uses and the fake server serves:
 * dir/<slug>/<persona>.txt, one reply per tool and persona; a file may
 * carry a label after the persona, dir/<slug>/<persona>.<label>.txt, so
 * several replies of one persona to one tool can sit side by side (a
 * recorded first attempt, a rejection-set case). Files and slugs are
 * visited in byte order; hidden entries, other files and files directly in
 * dir are ignored; a *.txt whose persona is not on the panel is counted in
 * unknown and listed.
 *
 * With tools_dir (NULL for none), the tool record tools_dir/<slug>.json is
 * loaded for each slug and the reply must also name that tool
 * (sk_validator_check_tool); a slug without a record is checked without
 * it and counted in no_tool.
 *
 * Returns 0 when dir was read, whatever the replies say; SK_ENOENT when dir
 * is not a directory, SK_ENOMEM, SK_ETOOBIG (out's cap), with err set. On
 * error *res is still valid to clean up. */
int sk_roster_check_replies(const struct sk_panel_def *panel,
                            const struct sk_validate_opts *opts,
                            const char *dir, const char *tools_dir,
                            struct sk_buf *out, struct sk_roster_replies *res,
                            struct sk_error *err);

/* Frees res->per. NULL-safe. */
void sk_roster_replies_cleanup(struct sk_roster_replies *res);

#endif
