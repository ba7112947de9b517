/* review.h: one reviewer's result, and its codec.
 *
 * A review is stored in two records: as an element of a scorecard's
 * "reviews" (scorecard.h) and as the body of a journal line
 * (review/journal.h). Both go through the one reader and the one writer
 * here, so the two records can never disagree on what a review is: the
 * same keys, the same checks (types, ranges, UTF-8) and the same messages.
 * The layouts differ only where the files already did:
 *
 *   scorecard: {"persona", "display_name", "score", "verdict", "review",
 *               "provider", "model", "attempts", "retries", "status",
 *               "inputs"?, "edited"?, "errors", "rubric"?: {"covered",
 *               "missing"}, "usage": {"prompt_tokens", "completion_tokens",
 *               "cost_usd"}}
 *              (a failed review has null score, verdict and review; the
 *               cost is rounded to the micro-dollar; null when unknown)
 *   journal:   {"persona", "inputs", "status", "score"?, "verdict"?,
 *               "review"?, "provider", "model", "attempts", "retries",
 *               "prompt_tokens", "completion_tokens", "cost_usd", "errors",
 *               "rubric"?}
 *              (after the line's "tool"; score, verdict and review only
 *               when accepted; provider and model "" when unknown; the
 *               cost as measured, so a resumed scorecard rounds it once)
 *   "rubric" is {"covered": [names], "missing": [names], "evidence"?:
 *   {name: quote}}, present when the coverage was measured (has_rubric),
 *   absent otherwise; "evidence" holds the quotes of a structured reply
 *   that were found in the review (each such element covered by its
 *   quote), absent when there are none.
 */
#ifndef SHIPSKIP_REVIEW_H
#define SHIPSKIP_REVIEW_H

#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"

#include <cJSON.h>
#include <stddef.h>

enum sk_review_status { SK_REVIEW_PENDING = 0, SK_REVIEW_OK, SK_REVIEW_FAILED };

/* One reviewer's result. Strings are owned by the review. */
struct sk_review {
  const struct sk_persona *persona;
  enum sk_review_status status;
  int score;       /* 0-100 when OK */
  char verdict[5]; /* "ship" / "skip" when OK */
  char *text;      /* the paragraph when OK */
  char *provider;
  char *model;
  int attempts; /* replies asked of the model (1 + re-asks) */
  int retries;  /* HTTP-level retries */
  long prompt_tokens;
  long completion_tokens;
  double cost_usd; /* estimated from the price table; < 0: no price known */
  char **errors;   /* why it failed (or what earlier attempts got wrong) */
  size_t nerrors;
  char inputs[65]; /* digest of what it was made from ("" unknown); the
                      journal's, so an unchanged review is never re-bought */
  int edited;      /* changed by hand (shipskip apply) */
  /* Rubric coverage (review/validate.h): the names of the persona's rubric
   * elements the paragraph covered and those it missed, in rubric order.
   * has_rubric is 0 when coverage was not measured (no paragraph reached
   * the rubric, or a scorecard written before coverage was recorded). */
  int has_rubric;
  char **covered;
  size_t ncovered;
  char **missing;
  size_t nmissing;
  /* Evidence quotes (structured replies): quotes[k] is the exact words of
   * the review that cover element quote_names[k]; only quotes found in the
   * review are kept. Cleared with the coverage. */
  char **quote_names;
  char **quotes;
  size_t nquotes;
  /* Self-consistency (shipskip calibrate): the same review was asked
   * cal_repeats times with the seed varied; the spread of its scores and
   * how its verdicts fell. cal_repeats 0: not calibrated. Written in a
   * scorecard as "calibration": {"repeats", "score_sd", "verdicts":
   * {"ship", "skip"}}. */
  int cal_repeats;
  double cal_score_sd; /* sample SD of the accepted scores, 0..100 */
  int cal_ships;       /* cal_ships + cal_skips <= cal_repeats (the rest */
  int cal_skips;       /* failed) */
};

/* Largest count believed for a review's attempts, retries and errors (and
 * for a scorecard's reviewers and findings): no real run comes near it, and
 * it keeps hostile files from asking for huge allocations. */
#define SK_REVIEW_MAX_COUNT 10000

/* Adds a copy of msg to r's errors. Returns 0 or SK_ENOMEM. */
int sk_review_add_error(struct sk_review *r, const char *msg);

/* Records rubric element name as covered (covered != 0) or missing, and
 * sets has_rubric. Returns 0 or SK_ENOMEM. */
int sk_review_add_rubric(struct sk_review *r, int covered, const char *name);

/* Records quote as the evidence that covers rubric element name (both
 * copied). Returns 0 or SK_ENOMEM. */
int sk_review_add_quote(struct sk_review *r, const char *name,
                        const char *quote);

/* The quote recorded for element name, or NULL. */
const char *sk_review_quote(const struct sk_review *r, const char *name);

/* Forgets r's rubric coverage (has_rubric 0, no names, no quotes). */
void sk_review_clear_rubric(struct sk_review *r);

/* Frees the strings of r, leaving it zeroed. NULL-safe. */
void sk_review_cleanup(struct sk_review *r);

/* The two records a review is stored in (see the top of this file). */
enum sk_review_layout { SK_REVIEW_IN_SCORECARD, SK_REVIEW_IN_JOURNAL };

/* Appends r's keys to the object o in the layout's order. inputs is the
 * digest to record: r->inputs for a scorecard (omitted when ""), the
 * request's digest for a journal line. r->persona must be set. Returns 0 or
 * SK_ENOMEM (o may then hold some of the keys: delete it). */
int sk_review_to_json(cJSON *o, const struct sk_review *r, const char *inputs,
                      enum sk_review_layout layout);

struct sk_jw;

/* Prints r as a scorecard's review object (SK_REVIEW_IN_SCORECARD: the
 * same keys and bytes sk_review_to_json's tree prints) into w, as the
 * member key of the open object, or as an item when key is NULL. The one
 * writer of that layout: sk_review_to_json reads its output back. Errors
 * stick in w (sk_jw_done). */
void sk_review_write(struct sk_jw *w, const char *key,
                     const struct sk_review *r);

/* Prints r's journal-layout members (a journal line is {"tool": slug,
 * then these}) into the open object of w, with inputs as the request's
 * digest: the one writer of that layout (sk_review_to_json reads its
 * output back for a tree). Errors stick in w (sk_jw_done). */
void sk_review_write_journal(struct sk_jw *w, const struct sk_review *r,
                             const char *inputs);

/* Reads one review object o in the given layout into *r (zeroed first;
 * release with sk_review_cleanup(), also after a failure) and its
 * reviewer into *p: p->name and p->display_name are set (heap copies the
 * caller frees; the display name defaults to the name) and r->persona
 * points at p. The digest goes into r->inputs ("" when a scorecard has
 * none; a journal line must have one). path and field name the object in
 * messages: "<path>: <field>.score must be a whole number from 0 to 100".
 * Returns 0, SK_EPARSE with err naming the field, or SK_ENOMEM. */
int sk_review_from_json(const cJSON *o, enum sk_review_layout layout,
                        const char *path, const char *field,
                        struct sk_persona *p, struct sk_review *r,
                        struct sk_error *err);

/* Reads an optional string key of o for the codecs: absent or null leaves
 * *out NULL (an error when required); anything else must be a valid UTF-8
 * string, non-empty when required. *out is a heap copy. Returns 0,
 * SK_EPARSE naming "<path>: <field>", or SK_ENOMEM. */
int sk_review_get_str(const cJSON *o, const char *key, int required,
                      const char *path, const char *field, char **out,
                      struct sk_error *err);

/* Reads an optional whole-number key of o within [min, max] (through
 * sk_json_int()): absent or null leaves *out alone and *present 0 (an error
 * when required). Returns 0 or SK_EPARSE naming "<path>: <field>". present
 * may be NULL. */
int sk_review_get_int(const cJSON *o, const char *key, int required,
                      long long min, long long max, const char *path,
                      const char *field, long long *out, int *present,
                      struct sk_error *err);

#endif
