/* summary.h: the run summary, OUTDIR/summary.json and OUTDIR/summary.csv.
 *
 * One row per tool whose scorecard was written (slug, panel verdict, ships,
 * skips, ship %, mean score, tokens, failed reviews with their reasons), in
 * slug order, plus totals for the run: tools, reviews, attempts, re-asks,
 * requests, retries by cause, wall time, tokens, and what was left
 * unreviewed when the run stopped early. Rows hold no review text, and a
 * run's summary (sk_summary_spill_to) keeps at most a run of rows in memory:
 * each full run is sorted and appended to a temporary file in OUTDIR
 * (removed from the folder as soon as it is created), and the writer merges
 * the sorted runs, so memory does not grow with the number of tools.
 *
 * `shipskip merge` combines the outputs of shards: rows are united (a slug
 * in two shards is an error) and totals summed, wall time the longest.
 */
#ifndef SHIPSKIP_SUMMARY_H
#define SHIPSKIP_SUMMARY_H

#include "shipskip/util/error.h"
#include "shipskip/model/panelstats.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/model/tool.h"

#include <cJSON.h>
#include <stddef.h>

/* Retry causes counted in the totals. */
#define SK_RETRY_CAUSES(X)                                                     \
  X(RATE_LIMITED, "429")                                                       \
  X(SERVER, "5xx")                                                             \
  X(REQUEST_TIMEOUT, "408")                                                    \
  X(TIMEOUT, "timeout")                                                        \
  X(CONNECTION, "connection")                                                  \
  X(STALE_CONNECTION, "stale-connection")                                      \
  X(MALFORMED, "malformed")                                                    \
  X(BATCH, "batch")                                                            \
  X(OTHER, "other")

enum sk_retry_cause {
#define SK_RETRY_CAUSE_ENUM(name, text) SK_RETRY_##name,
  SK_RETRY_CAUSES(SK_RETRY_CAUSE_ENUM)
#undef SK_RETRY_CAUSE_ENUM
      SK_RETRY__COUNT
};

/* Returns the cause's name as written in summaries ("429", "timeout"...). */
const char *sk_retry_cause_name(enum sk_retry_cause c);

/* Maps a provider's cause string or a transport error to a cause. */
enum sk_retry_cause sk_retry_cause_of(const char *cause);

struct sk_summary_totals {
  unsigned long tools;          /* scorecards written */
  unsigned long tools_complete; /* every review accepted */
  unsigned long records_bad;
  unsigned long tools_unfinished; /* started, not written (stopped early) */
  unsigned long tools_skipped_shard;
  unsigned long tools_flagged; /* possible prompt injection, reviewed */
  unsigned long tools_refused; /* possible prompt injection, not reviewed */
  unsigned long reviews_ok;
  unsigned long reviews_failed;
  unsigned long reviews_resumed; /* taken from the journal, not requested */
  unsigned long attempts;
  unsigned long reasks;
  unsigned long requests;
  unsigned long retries;
  unsigned long retries_by_cause[SK_RETRY__COUNT];
  long prompt_tokens;
  long completion_tokens;
  double wall_seconds;
  double cost_usd; /* estimated; < 0 when some model had no price */
  /* Where cost_usd's prices came from when some were shipskip's built-in
   * list prices ("list price of 2026-12-03"), written as "cost_basis" so
   * the figure reads as the dated estimate it is; NULL when every price
   * was the config's (or there is no cost). Static. */
  const char *cost_basis;
  const char *stopped; /* NULL, "SIGINT", "SIGTERM", "deadline", "budget",
                          "error" */
  int input_done;      /* the whole input was read */
  /* Which part of the batch this is: a run's --shard I/N (1/1 unsharded);
   * a merge has shard_index 0 and the shards it holds in sk_summary. */
  int shard_index;
  int shard_count;
  unsigned long input_tools; /* good records in the input, every shard's */
  unsigned long input_bad;   /* malformed records in the input */
  char inputs_digest[65];    /* SHA-256 of the records; "" unless all read */
};

struct sk_summary_row {
  char *slug;
  char *verdict; /* "Ship", "Skip", "Split" or NULL */
  int ships;
  int skips;
  int failed;
  int reviewers;
  int ship_percent;
  double mean_score;
  long prompt_tokens;
  long completion_tokens;
  double cost_usd; /* < 0 when some review's model had no price */
  char *failures;  /* "founder: no VERDICT line; ..." or NULL */
};

/* The rows spilled to a temporary file (rowspill.h). */
struct sk_rowspill;

struct sk_summary {
  struct sk_summary_row *rows; /* the rows in memory (not yet spilled) */
  size_t n;
  size_t cap;
  struct sk_rowspill *spill; /* owned; NULL: every row in memory */
  size_t spill_rows;         /* rows in memory that make a run */
  /* A spill that failed (the file named): kept, so that every later add
   * and the write fail with it rather than lose rows. */
  struct sk_error err;
  struct sk_summary_totals totals;
  /* The panel figures of the reviews added (panelstats.h: bounded memory),
   * written as summary.json's "panel". A summary read back from files
   * (merge) has no reviews to compute them from and writes none. */
  struct sk_panelstats panel;
  int read_back;
  /* A merged summary: shards[i] is 1 when shard i+1 of totals.shard_count
   * is in it (owned; NULL for a run). */
  unsigned char *shards;
  cJSON *drift; /* "drift" against a baseline (drift.h), owned; NULL: none */
  /* "structured_fallback": one line per provider and model that rejected
   * structured output and fell back to the text contract (an array of
   * strings, owned); NULL: none. */
  cJSON *structured_fallback;
  /* "batch": what a run in batch mode did through the providers' batch
   * APIs (batches, rounds, requests, the discount applied), owned; NULL
   * for an online run. */
  cJSON *batch;
};

/* Initializes an empty summary. Cannot fail. */
void sk_summary_init(struct sk_summary *s);

/* Frees the rows. NULL-safe. */
void sk_summary_cleanup(struct sk_summary *s);

/* Lets s keep at most `rows` rows in memory (0: SK_SUMMARY_SPILL_ROWS):
 * past that, rows go sorted to a temporary file in dir, created when first
 * needed and unlinked at once (nothing is left in dir, even after a crash
 * but for the moment between the two). The outputs are the same bytes.
 * Returns 0 or SK_ENOMEM. */
int sk_summary_spill_to(struct sk_summary *s, const char *dir, size_t rows,
                        struct sk_error *err);

#define SK_SUMMARY_SPILL_ROWS 256

/* Adds the row of a written scorecard, and its reviews to the panel
 * figures. Returns 0, SK_ENOMEM, or SK_EIO when rows cannot be spilled (a
 * full disk: s->err says why, naming the file). Once a spill failed, every
 * later add and sk_summary_write return that error. */
int sk_summary_add(struct sk_summary *s, const struct sk_tool *t,
                   const struct sk_review *r, size_t n);

/* Calls cb with every row in slug order (the rows in memory and those
 * spilled); cb returns 0 to go on, or an error code that stops the walk and
 * is returned. The rows live only during the call. Returns 0, cb's error,
 * or SK_ENOMEM / SK_EIO with err set. */
int sk_summary_each(struct sk_summary *s,
                    int (*cb)(void *ctx, const struct sk_summary_row *r),
                    void *ctx, struct sk_error *err);

/* Writes summary.json and summary.csv into outdir atomically, rows sorted by
 * slug; summary.json carries "panel" (sk_panelstats_json) unless the
 * summary was read back. CSV cells are quoted and neutralised against formula
 * injection. */
int sk_summary_write(struct sk_summary *s, const char *outdir,
                     struct sk_error *err);

/* Reads a summary.json back (for merge). Returns 0 or an error naming it. */
int sk_summary_read(const char *path, struct sk_summary *s,
                    struct sk_error *err);

/* How sk_summary_merge treats a set that is not complete. */
struct sk_summary_merge_opts {
  int allow_partial; /* merge anyway: missing, repeated or mixed shards */
  /* Told each problem of the set ("shard 2/3 is missing"), whether it
   * then refuses the set or not. May be NULL. */
  void (*note_cb)(void *ctx, const char *msg);
  void *ctx;
};

/* Merges the summaries in dirs[0..n) into out: rows united, totals summed,
 * except what every shard counts for the whole input (tools skipped by
 * shard: 0 for a complete set; malformed records: counted once). The set
 * must be complete and of one input: every summary records the same N,
 * shards 1..N each once, every input read whole with one inputs_digest;
 * otherwise each problem goes to o->note_cb and the merge is SK_EINVAL,
 * unless o->allow_partial (a shard given twice is then taken once, its
 * rows from the first). A slug in two counted summaries is SK_EINVAL
 * naming both. o may be NULL (no partial sets, nothing told). */
int sk_summary_merge(const char *const *dirs, size_t n,
                     const struct sk_summary_merge_opts *o,
                     struct sk_summary *out, struct sk_error *err);

#endif
