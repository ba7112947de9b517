/* site.h: the static site of a scorecard directory.
 *
 * From every scorecard in OUTDIR (no API call, nothing fetched), the site
 * directory gets:
 *   index.html      every tool, sorted by panel ship % (then mean score,
 *                   then name), with verdict, ship %, mean score, community,
 *                   and a "flagged" marker by the name of a tool the
 *                   prompt-injection detector flagged
 *   by-score.html   the same table sorted by mean score
 *   by-name.html    the same table sorted by name
 *                   (the three are linked from the column headers, so the
 *                   table sorts without a script)
 *   panel.html      the panel figures (panelpage.h): per persona ship rate,
 *                   scores and disagreement, agreement between personas,
 *                   charts; computed from the scorecards of the tool pages
 *                   (panelstats.h), linked from the index
 *   tools/<slug>.html           one page per tool (toolpage.h)
 *   compare/<a>-vs-<b>.html     one page per requested pair (compare.h)
 *   index.csv       one row per tool for spreadsheets: slug, name,
 *                   category, entry, panel_verdict, ships, skips,
 *                   ship_percent, mean_score, community_ship_percent,
 *                   community_votes, flagged ("yes", "no", or empty when
 *                   no detector ran) (csv.h quoting and formula defusing)
 * Every page is self-contained (html.h). Pages are written atomically.
 *
 * Pairs come from a file — one "A B" pair per line, '#' starts a comment —
 * or from the command line as "A:B"; A and B are slugs, or tool names
 * (case-insensitive) on the command line. Every pair is checked before
 * anything is written, so a typo writes nothing.
 */
#ifndef SHIPSKIP_SITE_H
#define SHIPSKIP_SITE_H

#include "shipskip/model/trend.h"
#include "shipskip/util/buf.h"
#include "shipskip/model/card.h"
#include "shipskip/publish/compare.h"
#include "shipskip/util/error.h"
#include "shipskip/model/votes.h"

#include <stddef.h>

/* One requested comparison, as given (not yet resolved). */
struct sk_site_pair {
  char *a;
  char *b;
  char origin[128]; /* "pairs.txt:3" or "--compare" */
};

struct sk_site_pairs {
  struct sk_site_pair *v;
  size_t n;
};

/* Adds the pairs listed in text (len bytes) of the file called name: blank
 * lines and '#' comments are skipped; every other line must hold exactly two
 * words. Returns 0, or SK_EPARSE ("pairs.txt:4: expected two slugs, found
 * 3") or SK_ENOMEM with err set. */
int sk_site_pairs_parse(struct sk_site_pairs *p, const char *text, size_t len,
                        const char *name, struct sk_error *err);

/* Adds one pair given as "A:B" on the command line. Returns 0, SK_EINVAL
 * for anything but two non-empty halves, or SK_ENOMEM. */
int sk_site_pairs_add_arg(struct sk_site_pairs *p, const char *arg,
                          struct sk_error *err);

/* Frees the pairs. NULL-safe. */
void sk_site_pairs_cleanup(struct sk_site_pairs *p);

enum sk_site_sort { SK_SORT_SHIP = 0, SK_SORT_SCORE, SK_SORT_NAME };

/* Appends the index page of set sorted by sort; the ncmps comparisons are
 * listed below the table with their read, linked to compare/<a>-vs-<b>.html.
 * Returns 0, SK_ENOMEM or SK_ETOOBIG with err set. */
int sk_site_index_html(const struct sk_card_set *set, enum sk_site_sort sort,
                       const struct sk_compare *cmps, size_t ncmps,
                       struct sk_buf *out, struct sk_error *err);

/* Appends index.csv for set (header row, then one CRLF-ended row per tool
 * in slug order). Returns 0, SK_ENOMEM or SK_ETOOBIG. */
int sk_site_index_csv(const struct sk_card_set *set, struct sk_buf *out,
                      struct sk_error *err);

struct sk_site_opts {
  const char *indir;            /* scorecards */
  const char *sitedir;          /* where the site goes */
  const struct sk_votes *votes; /* may be NULL: votes from the scorecards */
  const struct sk_site_pairs *pairs; /* may be NULL */
  /* Earlier runs' panel figures for panel.html's night-by-night charts
   * (model/trend.h); NULL or no nights draws none. */
  const struct sk_trend *trend;
  /* Told about each scorecard skipped as broken. May be NULL. */
  void (*report)(void *ctx, const char *msg);
  void *ctx;
  /* Told the slug of each scorecard published with a failed review (a
   * tool the panel did not fully review). May be NULL; gets ctx too. */
  void (*on_failed)(void *ctx, const char *slug);
};

struct sk_site_stats {
  size_t tools;       /* tool pages written */
  size_t comparisons; /* comparison pages written */
  size_t bad;         /* scorecards skipped as broken */
  size_t failed;      /* published with a failed review */
};

/* Builds the site. Returns 0 (some scorecards may still have been skipped:
 * see st->bad), SK_ECONFIG when a pair names an unknown tool or one tool
 * twice (nothing is written), SK_ENOENT when indir cannot be read, or
 * SK_EIO / SK_ENOMEM / SK_ETOOBIG when a page cannot be written. */
int sk_site_build(const struct sk_site_opts *o, struct sk_site_stats *st,
                  struct sk_error *err);

#endif
