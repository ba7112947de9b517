/* drift.h: did this run change against a baseline run (review --baseline
 * DIR)? Tools whose panel verdict flipped, by name, and personas whose ship
 * rate (two-proportion test: Fisher's exact test for small counts, the
 * z-test otherwise) or mean score (Welch's t-test) moved more than chance
 * explains, p < SK_DRIFT_ALPHA. docs/PANEL-STATS.md explains the tests.
 *
 * The baseline is read from DIR's scorecards through the scorecard codec,
 * one at a time: its figures go into a panelstats aggregate (bounded
 * memory) and only each tool's slug and verdict are kept for the flips.
 * This run's side is the summary the engine filled (rows and panel). A
 * persona is matched by name across models, so a model change shows as
 * drift. The result is JSON for summary.json's "drift" and one line for
 * the editor.
 */
#ifndef SHIPSKIP_DRIFT_H
#define SHIPSKIP_DRIFT_H

#include "shipskip/review/summary.h"
#include "shipskip/util/error.h"

#include <cJSON.h>

/* The significance level: a change is reported below this p-value. Strict,
 * since every persona is tested twice on every run. */
#define SK_DRIFT_ALPHA 0.01

struct sk_drift {
  cJSON *json;           /* summary.json's "drift" (owned) */
  unsigned long flipped; /* tools whose panel verdict changed */
  unsigned long moved;   /* persona figures that moved (p < alpha) */
  char line[1024];       /* "drift against DIR: 2 tools flipped (a, b); ..."
                            or "no drift against DIR (N tools compared)" */
};

/* Compares now (rows and panel filled; the panel is finished here) with
 * the scorecards in basedir. Fills *out (release with sk_drift_cleanup).
 * Broken baseline scorecards are skipped and counted in the JSON
 * ("baseline_bad"). Returns 0, SK_ENOENT when basedir cannot be read,
 * SK_EIO when now's spilled rows cannot be read back, or SK_ENOMEM, with
 * err set. */
int sk_drift_compare(struct sk_summary *now, const char *basedir,
                     struct sk_drift *out, struct sk_error *err);

/* Frees what out holds. NULL-safe. */
void sk_drift_cleanup(struct sk_drift *out);

#endif
