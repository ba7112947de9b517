/* engine.h: runs a review batch: every tool × persona, on one libuv loop.
 *
 * Tools are read from a toolsrc as a stream, and only a bounded window of
 * tools is in progress at once; a tool's memory is freed as soon as its
 * scorecard is written, so memory follows the requests in flight, not the
 * size of the batch. At most `concurrency` requests are in flight.
 *
 * Per review: render the prompt, send it, then
 *   - transport error, 429, 408 or 5xx: retry after an exponential backoff
 *     with jitter (or the server's Retry-After), up to max_retries and
 *     max_retry_time; a run of connection failures and 502-504s opens the
 *     provider's breaker (breaker.h): the reviews wait for the server
 *     without spending retries, one probe at a time;
 *   - the same final error (404, 401...) as the first answers of a
 *     provider: its endpoint is wrong; the run stops (SK_ECONFIG) with no
 *     review journaled or written for it;
 *   - other HTTP errors: the review fails with the server's message;
 *   - a reply that breaks the contract: re-ask with the failures quoted, up
 *     to max_attempts replies; then the review fails with its reasons.
 * A failed review is recorded as failed, never given a default score.
 */
#ifndef SHIPSKIP_ENGINE_H
#define SHIPSKIP_ENGINE_H

#include "shipskip/model/config.h"
#include "shipskip/net/batcher.h"
#include "shipskip/util/error.h"
#include "shipskip/review/inject.h"
#include "shipskip/review/journal.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/prompt.h"
#include "shipskip/providers/provider.h"
#include "shipskip/review/summary.h"
#include "shipskip/model/toolsrc.h"
#include "shipskip/review/validate.h"
#include "shipskip/review/event.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/model/votes.h"

/* opts.durability (0 is the default). */
enum {
  SK_DURABILITY_GROUP = 0,
  SK_DURABILITY_STRICT = 1,
  SK_DURABILITY_GROUP_OLD = 2
};

/* Group commit's window: a power cut loses at most the reviews that ended
 * in the last SK_GROUP_WINDOW_MS (and the fsync under way), or the last
 * SK_GROUP_MAX_LINES of them. */
#define SK_GROUP_WINDOW_MS 50
#define SK_GROUP_MAX_LINES 256

struct sk_engine_opts {
  const struct sk_panel_def *panel;
  struct sk_validator *validator;
  const struct sk_prompts *prompts;
  const struct sk_route *routes; /* per persona (panel order): provider,
                                    model and price (config.h) */
  double temperature;            /* < 0: the persona's, else not sent */
  long max_tokens;               /* 0: the persona's, else not sent */
  int has_seed;
  long seed;
  int concurrency;        /* requests in flight, >= 1 */
  int max_attempts;       /* model replies per review (1 + re-asks) */
  int max_retries;        /* HTTP-level retries per review */
  long timeout_ms;        /* per request */
  long retry_base_ms;     /* first backoff step */
  long retry_cap_ms;      /* longest backoff step */
  long max_retry_wait_ms; /* longest Retry-After honoured */
  long max_retry_time_ms; /* a review's retries end this long after its first
                             retried failure; an outage (an open breaker)
                             this long stops the run; 0 = no limit */
  const char *outdir;     /* NULL: write no files (an in-memory draft: see
                             on_tool); needs journal NULL and no redo */
  int fixture_mode;       /* enum sk_fixture_mode (transport.h) */
  const char *fixture_dir;
  int stamp_fixtures;       /* write recorded_at into new fixtures */
  const char *generated_at; /* stamp scorecards with this time, or NULL */
  const char *source;       /* what the replies are when not a model's output
                               (sk_scorecard_meta.source), or NULL */
  int progress_ticks;       /* send SK_EVENT_PROGRESS every 200 ms */
  const char *user_agent;
  const char *ca_file;        /* PEM CA bundle for HTTPS (http.h), or NULL */
  struct sk_journal *journal; /* ended reviews are appended here, or NULL */
  int resume;                 /* reuse journaled reviews of the same inputs */
  struct sk_summary *summary; /* rows and totals are added here, or NULL */
  /* A baseline run's OUTDIR (review/drift.h): at the end the run is
   * compared with it, the result goes into summary->drift and one WARNING
   * (drift) or MESSAGE (none) event. NULL: no comparison. Needs summary. */
  const char *baseline;
  int fail_on_drift; /* for the caller: exit 1 when stats->drifts > 0 */
  /* Everything the run has to say (messages, progress, the machine log)
   * goes through here (event.h); NULL: nothing is said. Below the CLI
   * nothing writes to stdout, stderr or a log file. */
  sk_event_cb on_event;
  void *on_event_ctx;
  double rpm;          /* requests per minute, 0 = unlimited */
  double tpm;          /* tokens per minute, 0 = unlimited */
  long deadline_ms;    /* stop starting work after this long; 0 = none */
  long grace_ms;       /* after a stop, how long in-flight work may run */
  int shard_index;     /* review only tools whose slug hashes here... */
  int shard_count;     /* ...out of this many shards (<= 1: all) */
  int handle_signals;  /* SIGINT/SIGTERM stop the batch gracefully */
  long total_estimate; /* records in the input, for progress; -1 unknown */
  double budget_usd;   /* stop starting requests before passing it; 0 = none */
  const struct sk_votes *votes; /* community votes merged into scorecards */
  struct sk_inject *detector;   /* prompt-injection rules, or NULL */
  const char *redo; /* "skeptic,founder": ask only these again, keep the
                       rest of each tool's scorecard, record history */
  int force;        /* re-review tools whose scorecard is up to date */
  /* What a power cut may cost (journal.h): SK_DURABILITY_GROUP, the
   * default, fsyncs the journal once per window off the loop and writes
   * scorecards as views synced once at the end; SK_DURABILITY_STRICT
   * fsyncs every journal line and every file. The value
   * SK_DURABILITY_GROUP_OLD is the old --journal-sync tool, a group. */
  int durability;
  const char *now_utc; /* "2026-11-21T07:30:00Z", for history entries */
  /* Called each time a review of a tool ends (accepted or failed), with
   * the tool and its reviews so far (r[i].status says which have ended);
   * `draft` uses it to show reviewers as they answer. May be NULL. */
  void (*on_review)(void *ctx, const struct sk_tool *t,
                    const struct sk_review *r, size_t n, size_t which);
  void *on_review_ctx;
  /* Called once per tool whose reviews have all ended (none cut short by a
   * stop), with what the scorecard writer gets: the tool, its reviews in
   * panel order and the scorecard's metadata; before its files are
   * written, or instead of them when outdir is NULL. Pointers are valid
   * during the call only. May be NULL. */
  void (*on_tool)(void *ctx, const struct sk_tool *t, const struct sk_review *r,
                  size_t n, const struct sk_scorecard_meta *meta);
  void *on_tool_ctx;
  int refuse_flagged; /* do not review a tool the detector flags */
  /* Batch mode: the routes whose provider has "batch" set send through
   * the provider's batch API (net/batcher.h, review/batchrun.c). Needs
   * outdir (the batches' book lives there). */
  int batch_wait;            /* poll until every batch has ended; else
                                stop once each was looked at (--resume
                                collects later) */
  long batch_poll_ms;        /* the first pause between polls (10 s) */
  size_t batch_max_requests; /* per batch; 0: the provider's limit */
  size_t batch_max_bytes;
  int batch_reask_online; /* re-asks go online, not in the next round */
};

/* A run's life, changed only by sk_engine_set_state (run.h), forward only:
 * a later state never gives way to an earlier one. */
enum sk_engine_state {
  SK_ENGINE_RUNNING = 0, /* admitting tools and sending requests */
  SK_ENGINE_FAILING,     /* an error: nothing new starts, queued reviews fail
                            with it, finished tools are still written */
  SK_ENGINE_STOPPING,    /* a signal, the deadline or the budget: nothing new
                            starts, queued reviews are abandoned, requests in
                            flight may finish within the grace period */
  SK_ENGINE_ABORTING,    /* a replay miss: as STOPPING, and no more files */
  SK_ENGINE_CANCELING,   /* grace over or a second signal: in flight canceled */
  SK_ENGINE_CLOSING,     /* nothing is left: handles close, the loop runs dry */
  SK_ENGINE_STOPPED      /* the loop has ended */
};

/* The state's name ("running", "stopping", ...). */
const char *sk_engine_state_name(enum sk_engine_state s);

/* Why a run stopped early, besides a signal number. */
#define SK_STOP_DEADLINE (-1)
#define SK_STOP_BUDGET (-2)
#define SK_STOP_OUTAGE (-3) /* a server down for --max-retry-time */
#define SK_STOP_BATCH (-4)  /* batches still at the provider (no --wait) */

struct sk_engine_stats {
  unsigned long tools_ok;        /* every review accepted */
  unsigned long tools_failed;    /* written, with at least one failed review */
  unsigned long records_bad;     /* input records rejected */
  unsigned long tools_unwritten; /* scorecard could not be written */
  unsigned long reviews_ok;
  unsigned long reviews_failed;
  unsigned long requests; /* HTTP requests sent */
  unsigned long reasks;
  unsigned long retries;
  unsigned long connections;
  unsigned long record_failures;  /* fixtures that could not be written */
  unsigned long tools_unfinished; /* started but stopped before the end */
  unsigned long tools_skipped_shard;
  unsigned long input_tools;    /* good records read, this shard's or not */
  unsigned long input_bad;      /* records refused as malformed */
  unsigned long tools_flagged;  /* the detector matched (reviewed anyway) */
  unsigned long tools_uptodate; /* scorecard complete, same inputs: skipped */
  unsigned long tools_refused; /* flagged and not reviewed (--refuse-flagged) */
  unsigned long reviews_resumed; /* taken from the journal */
  unsigned long retries_by_cause[SK_RETRY__COUNT];
  int stopped_by;  /* 0, SIGINT, SIGTERM or an SK_STOP_* */
  double cost_usd; /* estimated spend; < 0 when some model had no price */
  int input_done;  /* every input record was read */
  long prompt_tokens;
  long completion_tokens;
  unsigned long drifts; /* --baseline: flipped tools + persona figures that
                           moved */
  struct sk_batcher_stats batch; /* batch mode's counts (zero otherwise) */
  int batch_mode;                /* some route went through a batch API */
};

/* Sets opts to the defaults (concurrency 8, 3 attempts, 4 retries, 120 s
 * timeout, 500 ms..30 s backoff, 60 s longest Retry-After, 5 min of
 * retries at most, 30 s grace). */
void sk_engine_opts_init(struct sk_engine_opts *opts);

/* Reviews every tool src yields, writing scorecards into opts->outdir (or
 * handing them to opts->on_tool) and reporting bad records and failed
 * reviews as events (opts->on_event). A stop (signal,
 * deadline) ends the run early: stats->stopped_by says which, the reviews
 * that ended are journaled, unfinished tools are not written. Returns 0 when
 * the batch ran (look at stats for failures), or a negative code with err set
 * when it could not run at all or had to stop (SK_ENOMEM, SK_EHTTP, SK_EIO,
 * SK_ECONFIG for an unusable fixture directory or a wrong endpoint,
 * SK_ENOENT for a replay miss:
 * nothing more is written after it). */
int sk_engine_run(struct sk_toolsrc *src, const struct sk_engine_opts *opts,
                  struct sk_engine_stats *stats, struct sk_error *err);

#endif
