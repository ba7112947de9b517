/* votes.h: community votes — per tool slug, how many readers voted ship and
 * how many skip — loaded from a file an editor keeps.
 *
 * Accepted forms, chosen by the file's first non-blank character ('{' or
 * '[' is JSON, anything else CSV):
 *   {"code-llama-4": {"ship": 255, "skip": 157}, ...}
 *   [{"slug": "code-llama-4", "ship": 255, "skip": 157}, ...]
 *   slug,ship,skip            (CSV; the header is required, columns in any
 *   code-llama-4,255,157       order, nothing else allowed)
 * Counts are whole numbers from 0 to 10^12. A bad entry stops the load with
 * "FILE:LINE: ..." naming the problem: a negative or fractional count, a
 * non-number, an unknown field or column, a missing count, an unsafe slug,
 * a slug given twice. Votes for slugs no scorecard has are kept (a site may
 * not have reviewed every voted tool yet) and simply never shown.
 *
 * The display form is sk_votes_format(): "62% ship · 412 votes", or "No
 * community votes yet" for none.
 */
#ifndef SHIPSKIP_VOTES_H
#define SHIPSKIP_VOTES_H

#include "shipskip/util/error.h"

#include <stddef.h>

/* Largest count accepted: far above any real tally, far below overflow. */
#define SK_VOTES_MAX 1000000000000LL

struct sk_vote {
  char *slug;
  long long ship;
  long long skip;
  long line; /* where the entry stood in the file */
};

struct sk_votes {
  struct sk_vote *v; /* sorted by slug */
  size_t n;
};

/* Loads path (JSON or CSV as above, at most 64 MiB). Returns 0 and *out
 * (free with sk_votes_free), or SK_ENOENT / SK_EIO / SK_EPARSE / SK_ETOOBIG /
 * SK_ENOMEM with err saying what and where ("votes.csv:4: skip is -3; a
 * count is a whole number from 0"). */
int sk_votes_load(const char *path, struct sk_votes **out,
                  struct sk_error *err);

/* Parses votes from text (len bytes) as sk_votes_load() would a file called
 * name. Same returns. */
int sk_votes_parse(const char *text, size_t len, const char *name,
                   struct sk_votes **out, struct sk_error *err);

/* Returns the entry for slug, or NULL. v may be NULL. */
const struct sk_vote *sk_votes_find(const struct sk_votes *v, const char *slug);

/* Frees the votes. NULL-safe. */
void sk_votes_free(struct sk_votes *v);

/* Returns round(100 * ship / (ship + skip)) with halves up; 0 for no votes.
 */
int sk_votes_percent(long long ship, long long skip);

/* Writes the display form into buf (size bytes; 64 is always enough):
 * "62% ship · 412 votes", "100% ship · 1 vote", or "No community votes yet"
 * when ship + skip is 0. Thousands are not grouped. */
void sk_votes_format(long long ship, long long skip, char *buf, size_t size);

#endif
