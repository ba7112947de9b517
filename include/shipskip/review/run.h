/* run.h: the review engine's inside: one run of a batch, its tools and their
 * reviews, shared by the engine's modules (and only by them and their
 * tests; other code uses engine.h).
 *
 *   engine.c   the loop, the run's life and its stop paths, progress ticks
 *   admit.c    admission: records from the toolsrc to queued reviews
 *   request.c  one request: send it, take its answer, retry or re-ask
 *   finish.c   a tool whose reviews have ended: its scorecard, on_tool
 *   run.c      a review's state, changed in one function
 *   sched.c    what may start now: window, rate buckets, budget, backoff
 *
 * A review's state is explicit (enum sk_run_state) and changes only in
 * sk_run_set_state(), which also moves it between the engine's lists, so
 * "which list is it on" and "what state is it in" cannot disagree:
 *
 *   NEW ──► READY ──► IN_FLIGHT ──► DONE
 *    │        ▲  │        │  │ └──► FAILED
 *    │        │  │        │  └────► WAITING_RETRY ──► READY
 *    │        └──┼────────┘ (re-ask)      │
 *    │           └──► FAILED / ABANDONED  └──► ABANDONED (a stop)
 *    └──► DONE (kept or journaled) / FAILED (no prompt)
 *
 * DONE, FAILED and ABANDONED are final; the last final review of a tool
 * finishes it (finish.c). A tool with an ABANDONED review is not written.
 */
#ifndef SHIPSKIP_RUN_H
#define SHIPSKIP_RUN_H

#include "shipskip/net/batcher.h"
#include "shipskip/net/transport.h"
#include "shipskip/review/engine.h"
#include "shipskip/review/sched.h"
#include "shipskip/review/viewsync.h"
#include "shipskip/util/list.h"
#include "shipskip/util/sha256.h"
#include "shipskip/util/strmap.h"

#include <cJSON.h>
#include <stdarg.h>
#include <uv.h>

enum sk_run_state {
  SK_RUN_NEW = 0,       /* admitted, prompt being rendered */
  SK_RUN_READY,         /* queued to be sent */
  SK_RUN_IN_FLIGHT,     /* a request is out */
  SK_RUN_WAITING_RETRY, /* a retry timer is running */
  SK_RUN_DONE,          /* accepted, kept from the scorecard, or resumed */
  SK_RUN_FAILED,        /* ended without a review: recorded as failed */
  SK_RUN_ABANDONED      /* cut short by a stop: not journaled, not written */
};

/* The state's name ("ready", "in_flight", ...). */
const char *sk_run_state_name(enum sk_run_state s);

struct sk_engine;
struct sk_tool_run;
struct sk_retry_timer;

/* One persona's review of one tool. */
struct sk_run {
  struct sk_engine *e;
  struct sk_tool_run *tool;
  size_t idx; /* the persona's index in the panel */
  enum sk_run_state state;
  struct sk_list node; /* on e->ready, e->inflight or e->waiting, by state */
  struct sk_retry_timer *timer; /* while WAITING_RETRY */
  char *system;                 /* the first two messages */
  char *user;
  char **turns; /* then assistant reply, re-ask, assistant reply... */
  size_t nturns;
  int occurrence;  /* sends of the current request so far (fixture key) */
  char inputs[65]; /* digest of what the review is made from ("" if none) */
  long estimate;   /* tokens charged to --tpm for the request in flight */
  double est_cost; /* its estimated cost, counted against --budget */
  uint64_t retry_since_ms; /* first failure retried, for --max-retry-time */
  int held;       /* WAITING_RETRY with a final error, kept back until its
                     provider's endpoint is known (request.c) */
  int structured; /* the request in flight asked for structured output */
  long raised_max_tokens; /* > 0: the larger reply limit a cut-off reply
                             was asked again with (once per review) */
  int via_batch;          /* the request in flight went through a batch API */
  int reattached;         /* ...and waits for a batch an earlier run sent */
};

/* One tool in the window, from admission until its scorecard is written. */
struct sk_tool_run {
  struct sk_tool *tool;
  struct sk_run *runs;       /* one per persona */
  struct sk_review *reviews; /* the results, same order */
  size_t n;
  size_t pending; /* reviews not yet final (plus admission's hold) */
  char fence[27]; /* the fence around its text: a reply must not quote it */
  cJSON *history; /* replaced reviews (from the scorecard, plus --redo) */
  struct sk_inject_result *injection; /* detector findings, NULL if none ran */
};

struct sk_engine {
  uv_loop_t loop;
  const struct sk_engine_opts *o;
  struct sk_engine_stats *st;
  enum sk_engine_state state; /* changed only by sk_engine_set_state */
  struct sk_error fatal_err;  /* the first error that stopped the run */
  struct sk_transport *tr;    /* NULL once closed */
  /* Requests of batch-mode providers go here instead (batchrun.c); NULL
   * when no route is in batch mode, or once closed. */
  struct sk_batcher *batcher;
  size_t nbatched; /* of ninflight, those waiting in the batcher */
  struct sk_batch_samples bsamples; /* what the batcher borrows */
  /* Reviews by state (run.c keeps them in step). */
  struct sk_list ready;
  struct sk_list inflight;
  struct sk_list waiting;
  size_t ninflight;
  size_t nwaiting;
  /* Admission (admit.c). */
  struct sk_toolsrc *src;
  int eof;                      /* every record was read */
  struct sk_input_watch *input; /* waits for input not ready yet (admit.c) */
  size_t active_tools;          /* admitted, not yet written and freed */
  size_t window;                /* the most tools active at once */
  struct sk_slugset slugs; /* every slug of the batch: no two share a file */
  struct sk_sha256 inputs; /* every record read, every shard's: the summary's
                              inputs_digest, equal across shards of one
                              input */
  /* "provider\nmodel" of every route that rejected structured output:
   * asked with the text contract from then on (request.c). */
  struct sk_strmap text_only;
  /* What may start now (sched.c). */
  struct sk_sched sched;
  /* Handles; *_on says the handle was initialized (and must be closed). */
  uv_timer_t progress;
  uv_timer_t rate_timer;
  uv_timer_t grace;
  uv_timer_t deadline;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  int progress_on;
  int rate_on;
  int grace_on;
  int deadline_on;
  int signals_on;
  /* Group commit: the views synced during the run (viewsync.h). */
  struct sk_viewsync views;
  int views_on;
  uint64_t start_ms;
};

/* ---- run.c ---- */

/* Moves rr to state `to`: off the list of its old state, onto the list of
 * the new one (READY from NEW at the back; from anywhere else at the front,
 * so retries and re-asks finish started tools first), counts kept, an
 * SK_EVENT_REVIEW_STATE sent. A final state releases rr's hold on its tool,
 * which finishes it when it was the last. A transition the diagram above
 * does not allow is a programmer error (assert). */
void sk_run_set_state(struct sk_engine *e, struct sk_run *rr,
                      enum sk_run_state to);

/* Drops one hold on tr (a final review, or admission's) and finishes the
 * tool when none is left. */
void sk_tool_release(struct sk_engine *e, struct sk_tool_run *tr);

/* Frees a tool run and everything it holds. NULL-safe. */
void sk_tool_run_free(struct sk_tool_run *tr);

/* Fills ev for kind about rr (slug, origin, persona, attempt, retry). */
void sk_run_event(const struct sk_run *rr, enum sk_event_kind kind,
                  struct sk_event *ev);

/* ---- engine.c ---- */

/* Moves the run to state `to` if it is later than the current one (a run
 * never goes back), with its entry actions, and sends SK_EVENT_RUN_STATE. */
void sk_engine_set_state(struct sk_engine *e, enum sk_engine_state to);

/* Records the error that stops the run (the first wins) and moves it to
 * FAILING: nothing new starts. */
void sk_engine_fail(struct sk_engine *e, int code, const char *msg);

/* Begins a stop for why (a signal, SK_STOP_DEADLINE or SK_STOP_BUDGET); a
 * second signal cancels what is in flight. */
void sk_engine_stop(struct sk_engine *e, int why);

/* Starts what may start now, then closes the run when nothing is left. */
void sk_engine_pump(struct sk_engine *e);

/* Stamps ev with the time and hands it to opts->on_event. */
void sk_engine_emit(struct sk_engine *e, struct sk_event *ev);

/* Sends a text event of kind (MESSAGE, WARNING, ERROR) about slug/persona
 * (either may be NULL), formatted printf-style. */
void sk_engine_say(struct sk_engine *e, enum sk_event_kind kind,
                   const char *slug, const char *persona, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Formats into buf (size bytes) or, when the text is longer, into a new
 * heap string: returns buf or that string (free it when it is not buf).
 * Falls back to the cut text in buf when out of memory. */
char *sk_engine_vformat(char *buf, size_t size, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;
char *sk_engine_format(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The provider, model and price persona i uses. */
const struct sk_route *sk_engine_route(const struct sk_engine *e, size_t i);

/* ---- admit.c ---- */

/* Reads the next good tool and queues its reviews. Returns 1 if a tool was
 * taken (admitted, or skipped as up to date), 0 if none can be (window
 * full, input done, or the run no longer RUNNING). */
int sk_admit_next(struct sk_engine *e);

/* Closes the handle that waits for input, if any (CLOSING). */
void sk_admit_close_input(struct sk_engine *e);

/* ---- request.c ---- */

/* Sends rr (READY) now: IN_FLIGHT, or FAILED / ABANDONED when it cannot
 * be sent. */
void sk_request_send(struct sk_engine *e, struct sk_run *rr);

/* Tokens and cost the next request of rr may take (for the limits). */
long sk_request_tokens(const struct sk_engine *e, const struct sk_run *rr);
double sk_request_cost(const struct sk_engine *e, const struct sk_run *rr);

/* Ends rr for good as FAILED with msg (journaled). */
void sk_request_fail(struct sk_engine *e, struct sk_run *rr, const char *msg);

/* Ends rr for good (its review's status says how): journals it, sends
 * SK_EVENT_REVIEW_ENDED and calls on_review, then DONE or FAILED. */
void sk_request_conclude(struct sk_engine *e, struct sk_run *rr);

/* Ends every review held back with a final error (request.c) as FAILED,
 * only those of provider (NULL: all): their provider's endpoint answered,
 * or nothing in flight is left to say it is wrong. */
void sk_request_release_held(struct sk_engine *e,
                             const struct sk_provider_def *provider);

/* With nothing in flight: decides the endpoint of every provider with
 * reviews held back (request.c): a wrong one stops the run (its held
 * reviews abandoned), the others' held reviews fail. */
void sk_request_decide_endpoints(struct sk_engine *e);

/* Abandons every review waiting to retry (a stop). */
void sk_request_cancel_waiting(struct sk_engine *e);

/* Hands rr the answer a batch gave its request (batchrun.c calls it):
 * parsed and judged as an online answer; a failed line that may pass, or
 * an expired one, is retried in the next round; a canceled one is
 * abandoned. */
struct sk_batch_answer;
void sk_request_batch_answer(struct sk_engine *e, struct sk_run *rr,
                             const struct sk_batch_answer *a);

/* ---- batchrun.c ---- */

/* The discount of a batch request against the online price: half, as
 * OpenAI, Anthropic and Google each document for their batch APIs. */
#define SK_BATCH_DISCOUNT 0.5

/* Whether rr's next request goes through its provider's batch API: the
 * route is in batch mode and, with --batch-reask online, rr is on its
 * first attempt. */
int sk_batchrun_uses(const struct sk_engine *e, const struct sk_run *rr);

/* Opens the batcher when some route is in batch mode (a no-op otherwise).
 * Returns 0 or an error (a book that refuses a fresh run, a provider with
 * no batch API). */
int sk_batchrun_open(struct sk_engine *e, struct sk_error *err);

/* Queues rr's built request w in the batcher. Returns 0 (the answer comes
 * through sk_request_batch_answer) or an error with err set. */
int sk_batchrun_submit(struct sk_engine *e, struct sk_run *rr,
                       const struct sk_wire_request *w,
                       const struct sk_exchange_info *info,
                       struct sk_error *err);

/* Nothing more to send now: seals what waits; without --wait, stops the
 * run once every batch has been looked at (a later --resume collects). */
void sk_batchrun_pump(struct sk_engine *e);

/* A stop: requests waiting in batches are canceled locally (abandoned,
 * for --resume; the batches stay at the provider). */
void sk_batchrun_cancel(struct sk_engine *e);

/* Closes the batcher (CLOSING), keeping its counts for the summary. */
void sk_batchrun_close(struct sk_engine *e);

/* ---- finish.c ---- */

/* A tool whose reviews are all final: counts them, reports the failed ones,
 * then writes the scorecard (off the loop) and frees the tool, or drops it
 * unwritten when a review was abandoned or the run is ABORTING. */
void sk_finish_tool(struct sk_engine *e, struct sk_tool_run *tr);

#endif
