/* diff.h: what changed between two states of a scorecard (`shipskip diff`).
 *
 * Two scorecards — two files, or one file and its state before a history
 * entry (scorefile.h, sk_scorefile_rewind()) — are compared reviewer by
 * reviewer, paired by persona name: the panel (verdict and split, ship %,
 * mean score), each reviewer's score and verdict, and the words of each
 * changed paragraph. Reviewers present on one side only are shown as such.
 *
 * The paragraph diff is a longest common subsequence over words (white
 * space separated), O(n·m) in time and space after the common prefix and
 * suffix are set aside; past SK_DIFF_MAX_CELLS cells the changed middle is
 * shown as deleted and inserted whole. In text, deletions are marked
 * [-like this-] and insertions {+like this+}, or with colour (red and green
 * ANSI escapes) in place of the marks, and unchanged words further than
 * SK_DIFF_CONTEXT words from a change are elided ("..."); the JSON form
 * keeps every word.
 */
#ifndef SHIPSKIP_DIFF_H
#define SHIPSKIP_DIFF_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/scorefile.h"

#include <stddef.h>

/* Unchanged words shown on each side of a change in text. */
#define SK_DIFF_CONTEXT 8

/* Largest LCS table (words of A × words of B, after prefix and suffix). */
#define SK_DIFF_MAX_CELLS (4u * 1024 * 1024)

enum sk_diff_op { SK_DIFF_SAME = 0, SK_DIFF_DEL, SK_DIFF_INS };

/* A run of words with one fate, joined by single spaces. */
struct sk_diff_chunk {
  enum sk_diff_op op;
  char *text;
};

/* Diffs the words of a and b into *out (*n chunks; free with
 * sk_diff_chunks_free). Consecutive chunks never share an op, and within a
 * changed stretch the deletion comes before the insertion. Returns 0 or
 * SK_ENOMEM. */
int sk_diff_words(const char *a, const char *b, struct sk_diff_chunk **out,
                  size_t *n);

/* Frees n chunks. NULL-safe. */
void sk_diff_chunks_free(struct sk_diff_chunk *c, size_t n);

enum sk_diff_format { SK_DIFF_TEXT = 0, SK_DIFF_JSON };

struct sk_diff_opts {
  enum sk_diff_format format;
  int color;           /* text: ANSI colours instead of [- -] and {+ +} */
  const char *label_a; /* how to name each side ("code-llama-4.json") */
  const char *label_b;
};

/* Renders the differences from a to b into out: text for a reader, or
 * JSON (schema "shipskip.diff/1", documented in docs/EDITORS.md). Returns
 * 0 or SK_ENOMEM / SK_ETOOBIG. */
int sk_diff_render(const struct sk_scorefile *a, const struct sk_scorefile *b,
                   const struct sk_diff_opts *o, struct sk_buf *out,
                   struct sk_error *err);

#endif
