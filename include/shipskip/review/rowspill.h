/* rowspill.h: summary rows kept on disk as sorted runs, so that a run's
 * summary needs memory for one run of rows, not for every tool.
 *
 * The summary (summary.c) hands over its rows a run at a time; each run is
 * sorted by slug and appended to one temporary file, which is unlinked as
 * soon as it is created (it lives on through its descriptor and leaves
 * nothing behind). A walk merges the runs back in slug order, reading each
 * through a small buffer; when there are more runs than one merge takes
 * (SK_ROWSPILL_FANIN), groups of them are first merged into longer runs at
 * the file's end. Memory is a run of rows plus SK_ROWSPILL_FANIN buffers;
 * the file holds each row a few times at most (once per merge level).
 *
 * Usage: _new, _put every full run, then any number of walks (_walk_open,
 * _walk_next until it returns 0, _walk_close); _free.
 */
#ifndef SHIPSKIP_ROWSPILL_H
#define SHIPSKIP_ROWSPILL_H

#include "shipskip/review/summary.h"
#include "shipskip/util/error.h"

#include <stddef.h>

#define SK_ROWSPILL_FANIN 32 /* runs merged at once */

struct sk_rowspill;
struct sk_rowspill_walk;

/* A spill whose file will be made in dir (a copy is kept) when the first
 * run is put. Returns NULL when out of memory. */
struct sk_rowspill *sk_rowspill_new(const char *dir);

/* Closes the file and frees sp. NULL-safe. */
void sk_rowspill_free(struct sk_rowspill *sp);

/* Rows spilled so far. */
size_t sk_rowspill_rows(const struct sk_rowspill *sp);

/* Sorts rows[0..n) by slug (in place) and appends them as one run. The rows
 * stay the caller's. Returns 0, SK_ENOMEM, or SK_EIO with err naming the
 * file (it cannot be made or written: a full disk). */
int sk_rowspill_put(struct sk_rowspill *sp, struct sk_summary_row *rows,
                    size_t n, struct sk_error *err);

/* Starts a walk of every spilled row in slug order, first merging runs
 * when there are more than SK_ROWSPILL_FANIN. Returns 0 and *out (freed by
 * _walk_close), or SK_ENOMEM / SK_EIO with err set. */
int sk_rowspill_walk_open(struct sk_rowspill *sp, struct sk_rowspill_walk **out,
                          struct sk_error *err);

/* The next row: returns 1 and *row (valid until the next call), 0 at the
 * end, or SK_ENOMEM / SK_EIO with err set. */
int sk_rowspill_walk_next(struct sk_rowspill_walk *w,
                          const struct sk_summary_row **row,
                          struct sk_error *err);

/* Ends a walk. NULL-safe. */
void sk_rowspill_walk_close(struct sk_rowspill_walk *w);

#endif
