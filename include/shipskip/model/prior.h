/* prior.h: the scorecard a tool already has in OUTDIR, read back so a run
 * can keep what needs no redoing.
 *
 * `review` without --redo skips a tool whose scorecard is complete and was
 * made from the same inputs (each review records the digest the journal
 * keeps): no accidental spend. `review --redo skeptic` keeps every other
 * review as it is and moves the replaced one into the scorecard's history:
 *   "history": [{"persona", "score", "verdict", "review", "model",
 *                "replaced_at", "reason"}]
 * so nothing an editor saw is lost.
 */
#ifndef SHIPSKIP_PRIOR_H
#define SHIPSKIP_PRIOR_H

#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/model/scorecard.h"

#include <cJSON.h>
#include <stddef.h>

struct sk_prior {
  struct sk_review *reviews; /* aligned with the panel; SK_REVIEW_PENDING
                                where the scorecard has no such persona */
  size_t n;
  cJSON *history; /* the scorecard's history (an array, maybe empty) */
};

/* Loads OUTDIR/<slug>.json, matching its reviews to panel by persona name.
 * Returns 0, SK_ENOENT when there is no scorecard, SK_EPARSE naming the file
 * when it is not a readable scorecard, or SK_ENOMEM. Release with
 * sk_prior_cleanup (also after a failed load). */
int sk_prior_load(const char *outdir, const char *slug,
                  const struct sk_panel_def *panel, struct sk_prior *p,
                  struct sk_error *err);

void sk_prior_cleanup(struct sk_prior *p);

/* Returns 1 when every persona of the panel has an accepted review made from
 * inputs[i] (digests aligned with the panel), else 0. */
int sk_prior_up_to_date(const struct sk_prior *p, char (*inputs)[65]);

/* Appends r to history as replaced at `when` (UTC ISO 8601) for `reason`
 * ("redo", "edited"). Returns 0 or SK_ENOMEM. */
int sk_prior_add_history(cJSON *history, const struct sk_review *r,
                         const char *when, const char *reason);

#endif
