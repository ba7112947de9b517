/* merge.h: `shipskip merge`, combining the output directories of shards.
 *
 * Every scorecard (<slug>.json, <slug>.md) of every input directory is
 * copied into the merged directory, atomically; the same file name in two
 * inputs with different contents is an error naming both (shards never
 * overlap, so it means the inputs are not shards of one batch). The
 * summaries are merged (rows united, totals summed, wall time the longest)
 * and written as summary.json and summary.csv. Journals are not merged: each
 * stays with its shard for --resume. The inputs must be one whole set: the
 * shards 1..N of one input, each once, each run to the end of its input
 * (summary.json's "shard" and "inputs_digest" say so); --allow-partial
 * merges a set that is not, saying what is missing.
 */
#ifndef SHIPSKIP_MERGE_H
#define SHIPSKIP_MERGE_H

#include "shipskip/review/summary.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* Merges dirs[0..n) into outdir (created if needed). The summaries are
 * read and the set checked first (sk_summary_merge, with o): an incomplete
 * or mixed set is refused before anything is written, unless
 * o->allow_partial. Returns 0, or an error naming the directory or file at
 * fault. *copied counts scorecard files. */
int sk_merge_outputs(const char *const *dirs, size_t n, const char *outdir,
                     const struct sk_summary_merge_opts *o, size_t *copied,
                     struct sk_error *err);

#endif
