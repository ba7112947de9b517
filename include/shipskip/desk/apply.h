/* apply.h: taking an editor's changes to a Markdown draft back into its
 * scorecard (`shipskip apply OUTDIR/<slug>.md`).
 *
 * The draft (draft.h) is read against the scorecard beside it
 * (OUTDIR/<slug>.json, scorefile.h). An editor may change what reviewers
 * said — a score, a verdict, a paragraph, or write the review of a reviewer
 * whose review failed — and nothing else: the title, the decision table, the
 * description and the footer are the scorecard's and must read as the
 * scorecard renders them (blank lines and wrapping aside), so a stale draft
 * or an edit that would be lost is refused rather than dropped.
 *
 * Every reviewer's section is checked against the same contract as a
 * model's reply, with the validator (validate.h): the score a whole number
 * 0-100, the verdict ship or skip, one paragraph within the word bounds
 * covering the persona's rubric (unless no_rubric). Every problem is
 * reported, each as "FILE:LINE: message", and then nothing is written.
 *
 * When all is well, each changed review is replaced in the JSON (its
 * previous values appended to "history" with reason "edited", "edited":
 * true set on it), the panel is merged again, and the JSON and the draft
 * are rewritten atomically, the draft rendered from the new scorecard. A
 * draft that changes nothing — paragraphs rewrapped count as unchanged —
 * writes nothing at all.
 */
#ifndef SHIPSKIP_APPLY_H
#define SHIPSKIP_APPLY_H

#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/model/scorefile.h"

#include <stddef.h>

struct sk_apply_opts {
  /* The persona files: each reviewer's rubric. A reviewer of the scorecard
   * without a persona file is a configuration error (SK_ECONFIG) unless
   * no_rubric. May be NULL with no_rubric. */
  const struct sk_panel_def *panel;
  int no_rubric; /* check score, verdict and length only */
  int min_words; /* paragraph bounds; <= 0: the validator's 60 and 260 */
  int max_words;
  const char *now_utc; /* replaced_at of history entries (ISO 8601, UTC) */
  int dry_run;         /* check and report, write nothing */
};

/* One reviewer whose review the draft changes. */
struct sk_apply_change {
  char persona[64];
  char display_name[64];
  int old_ok; /* the review was accepted before (else it had failed) */
  int old_score;
  char old_verdict[5];
  int score;
  char verdict[5];
  int review_changed; /* the paragraph differs (beyond white space) */
};

struct sk_apply_result {
  char **problems; /* "FILE:LINE: message", in line order */
  size_t nproblems;
  struct sk_apply_change *changes;
  size_t nchanges;
  struct sk_panel_result before; /* valid when the draft was read */
  struct sk_panel_result after;
  int written; /* the JSON and the draft were rewritten */
};

/* Checks the len bytes of draft text (named label in messages) against the
 * scorecard sf and, when there are no problems, changes sf in memory.
 * Returns 0 (res->changes says what changed; nothing may have), SK_EREPLY
 * when there are problems (res->problems; sf unchanged), SK_ECONFIG when a
 * reviewer has no persona file or a rubric does not compile, or SK_ENOMEM.
 * Release res with sk_apply_result_cleanup. */
int sk_apply_text(const char *text, size_t len, const char *label,
                  struct sk_scorefile *sf, const struct sk_apply_opts *o,
                  struct sk_apply_result *res, struct sk_error *err);

/* Applies the draft at md_path (which must end in ".md") to the scorecard
 * beside it (the same path ending in ".json") and, when something changed
 * and not o->dry_run, rewrites both. Returns what sk_apply_text() returns,
 * or, before anything is checked, SK_EINVAL (not a .md path), SK_ENOENT,
 * SK_EIO, SK_ETOOBIG (a file cannot be read) or the scorefile's errors for
 * a JSON file that is not a scorecard; or, after, the write's error with
 * err saying which file (the JSON is written first). */
int sk_apply_file(const char *md_path, const struct sk_apply_opts *o,
                  struct sk_apply_result *res, struct sk_error *err);

/* Frees what res holds and zeroes it. NULL-safe. */
void sk_apply_result_cleanup(struct sk_apply_result *res);

#endif
