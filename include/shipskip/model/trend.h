/* trend.h: the panel figures of earlier runs, night by night.
 *
 * A nightly run writes OUTROOT/<date>/summary.json, whose "panel" object
 * (model/panelstats.h) holds each persona's ship rate and the agreement
 * between personas. This module reads that object back from the last runs
 * under a root, oldest first, so the site can draw how each persona's ship
 * rate and the panel's agreement moved over time. It reads only the
 * "panel" object (the rest of a summary is the run's own record) and
 * refuses a summary larger than SK_TREND_FILE_CAP.
 *
 * A run folder is any direct subfolder of the root holding a summary.json
 * with a "panel" object; folders are taken in name order (nightly.sh names
 * them by date, so name order is time order). A folder whose summary is
 * missing, broken or has no "panel" (a merged shard summary) is skipped and
 * counted, never guessed.
 */
#ifndef SHIPSKIP_TREND_H
#define SHIPSKIP_TREND_H

#include "shipskip/util/error.h"

#include <stddef.h>

#define SK_TREND_MAX_NIGHTS 60
#define SK_TREND_MAX_PERSONAS 32
#define SK_TREND_FILE_CAP (256u * 1024 * 1024)

/* Values are NaN where a night has no figure (the persona did not review,
 * or the statistic could not be computed that night). Owned by the trend:
 * sk_trend_cleanup() frees everything. */
struct sk_trend {
  size_t nights;
  char *labels[SK_TREND_MAX_NIGHTS]; /* the run folders' names */
  size_t npersonas;
  char *personas[SK_TREND_MAX_PERSONAS]; /* in first-seen order */
  double ship_rate[SK_TREND_MAX_PERSONAS][SK_TREND_MAX_NIGHTS]; /* 0..100 */
  double kappa[SK_TREND_MAX_NIGHTS]; /* Fleiss' kappa on verdicts */
  double alpha[SK_TREND_MAX_NIGHTS]; /* Krippendorff's alpha on scores */
  size_t skipped;                    /* folders left out: no usable summary */
};

/* Reads the last max_nights runs under root (1..SK_TREND_MAX_NIGHTS) into
 * t. A persona's ship rate that night sums its reviews across models (the
 * "k" and "n" of every entry with its name). Returns 0 (t may have no
 * nights), SK_ENOENT when root cannot be read, SK_EINVAL for a bad
 * max_nights, SK_ENOMEM; err names the path. Call sk_trend_cleanup() in
 * every case. */
int sk_trend_load(const char *root, size_t max_nights, struct sk_trend *t,
                  struct sk_error *err);

/* Adds one night labelled label from len bytes of a summary.json (what
 * sk_trend_load does for each run folder; also the fuzz target's entry).
 * Returns 0, SK_EPARSE when the text is not JSON or has no usable "panel"
 * (t is then unchanged), SK_EINVAL when t already has SK_TREND_MAX_NIGHTS,
 * or SK_ENOMEM. Values are kept in range: a ship rate 0..100, kappa and
 * alpha -1..1, anything else NaN. */
int sk_trend_add_night(struct sk_trend *t, const char *label, const char *text,
                       size_t len);

/* Frees what t holds. NULL-safe. */
void sk_trend_cleanup(struct sk_trend *t);

#endif
