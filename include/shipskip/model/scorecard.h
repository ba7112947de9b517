/* scorecard.h: merging a tool's reviews into its scorecard, and writing it.
 *
 * The panel verdict counts accepted reviews: Ship when ships outnumber
 * skips, Skip when skips do, Split on a tie; with no accepted review there
 * is no verdict (never a guessed one). ship_percent is ships / accepted
 * reviews, rounded to a whole percent; mean_score is rounded to one decimal.
 *
 * OUTDIR/<slug>.json is the source of truth (schema "shipskip.scorecard/1",
 * keys documented in docs/SCORECARD.md); OUTDIR/<slug>.md is the editor's
 * draft. Both are written atomically and contain nothing that varies from
 * run to run, so a replayed run reproduces them byte for byte.
 */
#ifndef SHIPSKIP_SCORECARD_H
#define SHIPSKIP_SCORECARD_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/model/tool.h"
#include "shipskip/model/findings.h"
#include "shipskip/model/votes.h"

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
};

/* Adds a copy of msg to r's errors. Returns 0 or SK_ENOMEM. */
int sk_review_add_error(struct sk_review *r, const char *msg);

/* Frees the strings of r, leaving it zeroed. NULL-safe. */
void sk_review_cleanup(struct sk_review *r);

struct sk_panel_result {
  const char *verdict; /* "Ship", "Skip", "Split", or NULL: no verdict */
  int ships;
  int skips;
  int failed;
  int reviewers;     /* accepted reviews */
  int ship_percent;  /* valid when reviewers > 0 */
  double mean_score; /* valid when reviewers > 0 */
  int complete;      /* 1 when every review was accepted */
  char label[64];    /* "Ship · 3 ship / 1 skip" */
};

/* Merges n reviews into the panel result. Cannot fail. */
void sk_scorecard_merge(const struct sk_review *r, size_t n,
                        struct sk_panel_result *out);

/* What a scorecard carries besides the tool and its reviews; every member
 * may be NULL, and so may the struct itself.
 *   community:    the community vote tally: "community" becomes {"ship": N,
 *                 "skip": M} and the draft says "62% ship · 412 votes";
 *                 NULL writes null and "No community votes yet".
 *   injection:    what the prompt-injection detector found in the tool's
 *                 text: "injection": {"flagged", "findings": [...]} and a
 *                 warning for the editor at the top of the draft; NULL
 *                 (no detector ran) writes null.
 *   generated_at: a timestamp for "generated_at"; NULL (the default) writes
 *                 none, so a replay reproduces the files byte for byte.
 *   history:      the reviews this scorecard's reviews replaced (--redo,
 *                 shipskip apply), oldest first, so nothing an editor saw is
 *                 lost. */
struct sk_scorecard_meta {
  const struct sk_vote *community;
  const struct sk_inject_result *injection;
  const char *generated_at;
  const cJSON *history; /* replaced reviews, written as "history" when not
                           NULL and not empty (see prior.h) */
};

/* Renders the scorecard JSON (pretty-printed, trailing newline) into out. */
int sk_scorecard_json(const struct sk_tool *t, const struct sk_review *r,
                      size_t n, const struct sk_scorecard_meta *meta,
                      struct sk_buf *out, struct sk_error *err);

/* Renders the Markdown draft into out. */
int sk_scorecard_markdown(const struct sk_tool *t, const struct sk_review *r,
                          size_t n, const struct sk_scorecard_meta *meta,
                          struct sk_buf *out, struct sk_error *err);

/* Writes OUTDIR/<slug>.json and OUTDIR/<slug>.md atomically. The slug must
 * be safe (sk_slug_is_safe); anything else is refused. Both files are
 * rendered before either is written. */
int sk_scorecard_write(const char *outdir, const struct sk_tool *t,
                       const struct sk_review *r, size_t n,
                       const struct sk_scorecard_meta *meta,
                       struct sk_error *err);

/* The same in two steps, so the writing (fsyncs) can leave the thread that
 * renders: a tool's two files, rendered and named, ready to be written.
 * Caller-owned: _init, then _cleanup frees the contents. */
struct sk_scorecard_files {
  char json_name[SK_TOOL_MAX_SLUG + 8]; /* "<slug>.json" */
  char md_name[SK_TOOL_MAX_SLUG + 8];   /* "<slug>.md" */
  struct sk_buf json;
  struct sk_buf md;
};
void sk_scorecard_files_init(struct sk_scorecard_files *f);
void sk_scorecard_files_cleanup(struct sk_scorecard_files *f);

/* Renders the tool's JSON and Markdown into f (initialised). Returns 0, or
 * SK_EINVAL for an unsafe slug, SK_ENOMEM, SK_ETOOBIG, with err set. */
int sk_scorecard_render(const struct sk_tool *t, const struct sk_review *r,
                        size_t n, const struct sk_scorecard_meta *meta,
                        struct sk_scorecard_files *f, struct sk_error *err);

/* Writes f's two files into outdir atomically, the JSON first. Touches only
 * f and the files, so another thread may run it. Returns 0 or SK_EIO. */
int sk_scorecard_files_write(const char *outdir,
                             const struct sk_scorecard_files *f,
                             struct sk_error *err);

#endif
