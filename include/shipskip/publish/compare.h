/* compare.h: two scorecards side by side — "Which one should you ship
 * with?" — as HTML, Markdown or JSON.
 *
 * A comparison holds the decision table (panel verdict, panel ship, mean
 * score, community, pricing, best for, category, entry), the reviewer
 * scorecard persona by persona with who scored higher, the reviewer split
 * (the personas whose verdicts differ), and a one-line read computed from
 * the figures alone:
 *
 *   lead     both Ship: "Both ship"; both Skip: "Both skip"; both Split:
 *            "Both panels are split"; neither has a verdict: "Neither has a
 *            panel verdict"; otherwise each side: "A ships, B skips" (a
 *            Split side "is split", a side without one "has no verdict").
 *   stronger the higher panel ship % carries the stronger panel:
 *            "; A carries the stronger panel, 4/0 against 3/1." (ships/skips);
 *            equal ship %: the higher mean score: "; level at 75% panel
 *            ship, A carries the stronger panel on mean score, 74.5 against
 *            70.5."; equal both: "; the panels are level at 75% ship and a
 *            74.5 mean score."; a side without accepted reviews: "; only A
 *            has accepted reviews to weigh." (or "neither panel has...").
 *
 * Reviewers are paired by persona id, in A's panel order and then B's
 * extras; a persona on one side only is kept and shown as "Not on this
 * panel". A failed review is shown as failed and never compared.
 *
 * A side the prompt-injection detector flagged (scorecard.h) gets the editor's
 * notice naming it, with its findings, before the read (HTML: the box of
 * toolpage.h, and a "flagged" marker by its name; Markdown: a block quote
 * under the title); JSON carries each tool's "injection" as the scorecard
 * does (null when no detector ran). The read itself ignores the flag.
 */
#ifndef SHIPSKIP_COMPARE_H
#define SHIPSKIP_COMPARE_H

#include "shipskip/util/buf.h"
#include "shipskip/model/card.h"
#include "shipskip/util/error.h"

#include <stddef.h>

enum sk_compare_side {
  SK_COMPARE_NONE = 0, /* not comparable */
  SK_COMPARE_A,
  SK_COMPARE_B,
  SK_COMPARE_TIE
};

struct sk_compare_row {
  const char *persona;         /* the id both sides share */
  const char *display_name;    /* A's, else B's */
  const struct sk_review *a;   /* NULL: not on A's panel */
  const struct sk_review *b;   /* NULL: not on B's panel */
  enum sk_compare_side higher; /* NONE unless both were accepted */
  int split;                   /* both accepted, verdicts differ */
};

/* A comparison borrows its two cards: they must outlive it. */
struct sk_compare {
  const struct sk_scorecard *a;
  const struct sk_scorecard *b;
  struct sk_compare_row *rows;
  size_t nrows;
  size_t nsplit;
  enum sk_compare_side stronger; /* NONE when a side has no accepted review */
  int by_mean;                   /* stronger was decided by the mean score */
  char *read;                    /* the one-line read, plain text */
};

/* Pairs the reviewers of a and b and computes the split and the read.
 * Returns 0 (free with sk_compare_cleanup) or SK_ENOMEM. */
int sk_compare_build(const struct sk_scorecard *a, const struct sk_scorecard *b,
                     struct sk_compare *cmp, struct sk_error *err);

/* Frees what sk_compare_build() allocated. NULL-safe. */
void sk_compare_cleanup(struct sk_compare *cmp);

/* Links of the HTML page inside a site; all may be NULL (standalone). They
 * are relative paths shipskip built, escaped as attributes. */
struct sk_compare_opts {
  const char *home_href;
  const char *a_href; /* A's tool page */
  const char *b_href;
};

/* Appends the comparison as a self-contained HTML page (see html.h). o may
 * be NULL. Returns 0, or SK_ENOMEM / SK_ETOOBIG with err set. */
int sk_compare_html(const struct sk_compare *cmp,
                    const struct sk_compare_opts *o, struct sk_buf *out,
                    struct sk_error *err);

/* Appends the comparison as Markdown (every text through markdown.h). */
int sk_compare_markdown(const struct sk_compare *cmp, struct sk_buf *out,
                        struct sk_error *err);

/* Appends the comparison as JSON, schema "shipskip.compare/1", printed
 * with two spaces as scorecards are. */
int sk_compare_json(const struct sk_compare *cmp, struct sk_buf *out,
                    struct sk_error *err);

/* The file name of the comparison page of slugs a and b inside a site:
 * "<a>-vs-<b>.html" into buf (2 * 64 + 10 bytes is always enough). */
void sk_compare_page_name(const char *a, const char *b, char *buf, size_t size);

#endif
