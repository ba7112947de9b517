/* panelstats.h: the panel figures of a run, aggregated from its reviews:
 * per persona (and model) the ship rate with its Wilson interval, the mean
 * and spread of the scores and how often the persona disagrees with the
 * panel verdict; between personas, Fleiss' kappa on verdicts and
 * Krippendorff's alpha (interval) on scores. The arithmetic is util/stats.h;
 * this module maps tools and personas onto it, so the engine's summary
 * (review/summary.c) and the site (publish/site.c) print the same figures.
 *
 * Memory is bounded whatever the number of tools: each persona x model
 * group keeps running counts and a 101-bin histogram of its scores (scores
 * are whole numbers 0-100, so the histogram is exact), and the agreement
 * figures read a tools x personas matrix of at most SK_PANELSTATS_MAX_TOOLS
 * rows and SK_PANELSTATS_MAX_RATERS columns of one byte (about 400 KiB
 * when full).
 * Tools past the first SK_PANELSTATS_MAX_TOOLS still count in every
 * per-persona figure; only the agreement figures leave them out, and the
 * JSON says how many tools each figure rests on.
 *
 * Usage: _init, _add once per tool (its reviews), _finish, then read the
 * struct or render it with _json; _cleanup frees everything.
 */
#ifndef SHIPSKIP_PANELSTATS_H
#define SHIPSKIP_PANELSTATS_H

#include "shipskip/model/review.h"
#include "shipskip/util/stats.h"

#include <cJSON.h>
#include <stddef.h>

#define SK_PANELSTATS_MAX_TOOLS 10000 /* rows of the agreement matrix */
#define SK_PANELSTATS_MAX_RATERS 32   /* personas in the agreement matrix */
#define SK_PANELSTATS_MAX_GROUPS 256  /* persona x model groups kept */
#define SK_PANELSTATS_SHIP 0x80       /* a matrix cell's ship bit */
#define SK_PANELSTATS_NONE 0xff       /* a matrix cell with no review */

/* One persona with one model. */
struct sk_panelstats_group {
  char *persona;           /* the persona's name ("skeptic") */
  char *model;             /* the model that wrote its reviews, "" unknown */
  unsigned long reviews;   /* accepted reviews */
  unsigned long ships;     /* of which "ship" */
  unsigned long compared;  /* accepted reviews of tools with a Ship or Skip
                              panel verdict (a Split has no side to take) */
  unsigned long disagree;  /* of which the opposite of the panel verdict */
  unsigned long hist[101]; /* hist[s]: reviews with score s */
  /* Humans (sk_panelstats_add_humans): reviews of tools whose community
   * vote has a majority, and of those the ones with the same verdict; and
   * reviews an editor changed by hand, and of those the ones whose
   * verdict the editor turned around. */
  unsigned long community_compared;
  unsigned long community_agree;
  unsigned long edited;
  unsigned long editor_flips;
  /* Set by sk_panelstats_finish(). */
  struct sk_stats_proportion ship_rate;    /* ships of reviews, Wilson 95% */
  struct sk_stats_proportion disagreement; /* disagree of compared */
  struct sk_stats_summary scores;          /* mean, sd (n - 1), min, max */
  struct sk_stats_proportion community;    /* community_agree of compared */
};

struct sk_panelstats {
  struct sk_panelstats_group *groups; /* in the order first seen */
  size_t ngroups;
  unsigned long groups_dropped;           /* reviews of groups past the cap */
  char *raters[SK_PANELSTATS_MAX_RATERS]; /* matrix columns: persona names */
  size_t nraters;
  /* matrix_tools x SK_PANELSTATS_MAX_RATERS cells, one byte each: the
   * score (0-100) plus SK_PANELSTATS_SHIP for a ship verdict, or
   * SK_PANELSTATS_NONE where a persona has no accepted review. A byte, not
   * a double and a verdict, keeps the matrix at about 40 bytes a tool. */
  unsigned char *cells;
  unsigned long long *keys; /* per row: a hash of the tool's slug */
  size_t matrix_tools;      /* rows used */
  size_t matrix_cap;        /* rows allocated */
  unsigned long tools;      /* tools added */
  int mixed_models;         /* reviews came from more than one model */
  unsigned long panel_community_compared; /* tools with a Ship or Skip panel
                                             verdict and a community
                                             majority */
  unsigned long panel_community_agree;    /* of which the same side */
  unsigned long tools_edited;             /* tools with an edited review */
  /* Set by sk_panelstats_finish(). */
  size_t kappa_tools; /* tools every matrix persona gave a verdict */
  struct sk_stats_fleiss kappa;
  struct sk_stats_alpha alpha;
  struct sk_stats_proportion panel_community; /* panel vs community */
};

/* Initialises an empty aggregate. Cannot fail. */
void sk_panelstats_init(struct sk_panelstats *ps);

/* Frees everything ps holds and leaves it empty. NULL-safe. */
void sk_panelstats_cleanup(struct sk_panelstats *ps);

/* Adds one tool's n reviews (each with its persona set; failed reviews are
 * ignored but the tool still counts). slug names the tool: the matrix is
 * put in a fixed order by it, so the bootstrap interval of kappa does not
 * depend on the order tools finished in. Copies what it keeps. Returns 0
 * or SK_ENOMEM (ps stays usable, the tool partly counted). */
int sk_panelstats_add(struct sk_panelstats *ps, const char *slug,
                      const struct sk_review *r, size_t n);

/* Adds what people said about one tool already added with
 * sk_panelstats_add(): ship and skip, its community votes (both 0: none;
 * a tie has no majority and is not compared), and history, the
 * scorecard's "history" array (may be NULL): a review marked edited whose
 * latest "edited" history entry of the same persona has another verdict
 * counts as turned around by the editor. Cannot fail. */
void sk_panelstats_add_humans(struct sk_panelstats *ps,
                              const struct sk_review *r, size_t n,
                              long long ship, long long skip,
                              const cJSON *history);

/* Computes the derived figures (ship rates, score summaries, kappa over
 * the tools every matrix persona judged, alpha over the matrix), and sorts
 * the groups by persona and model so the output is the same whatever
 * order the tools came in. May be
 * called again after more _add calls. Returns 0 or SK_ENOMEM. */
int sk_panelstats_finish(struct sk_panelstats *ps);

/* Renders the finished figures as a new JSON object (free with
 * cJSON_Delete): {"tools", "mixed_models", "bounds", "personas": [...],
 * "agreement": {"verdicts", "scores"}, "humans": {...}}, described in
 * docs/PANEL-STATS.md.
 * A figure that cannot be computed is null with "status" and
 * "explanation" (sk_stats_explain), never NaN. Returns NULL when out of
 * memory. */
cJSON *sk_panelstats_json(const struct sk_panelstats *ps);

/* Rounds x to four decimals for printing (a stable, short number). */
double sk_panelstats_round(double x);

#endif
