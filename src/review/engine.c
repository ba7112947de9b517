/* engine.c: the review batch on one libuv loop (see engine.h): the loop,
 * the run's life and its stop paths.
 *
 * Data flow: pump() admits tools (admit.c) while the window has room, which
 * puts their reviews on the ready queue, and sends ready reviews
 * (request.c) while the scheduler (sched.c) lets them go. Every answer ends
 * in a state transition of its review (run.c) and another pump(). When the
 * last review of a tool ends, finish.c writes its scorecard. When nothing
 * is queued, in flight, waiting or unread, the run goes CLOSING: its
 * handles close and the loop runs dry.
 *
 * The run's own life is a state (enum sk_engine_state) changed only in
 * sk_engine_set_state(): RUNNING, then on an error FAILING, on a signal,
 * the deadline or the budget STOPPING (a grace timer runs), on a replay
 * miss ABORTING, when grace is over or a second signal comes CANCELING,
 * and finally CLOSING and STOPPED.
 */
#include "shipskip/review/run.h"
#include "shipskip/review/journal.h"
#include "shipskip/review/summary.h"
#include "shipskip/review/drift.h"
#include "shipskip/util/fsutil.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_MS 200

void sk_engine_opts_init(struct sk_engine_opts *o) {
  memset(o, 0, sizeof(*o));
  o->temperature = -1;
  o->concurrency = 8;
  o->max_attempts = 3;
  o->max_retries = 4;
  o->timeout_ms = 120000;
  o->retry_base_ms = 500;
  o->retry_cap_ms = 30000;
  o->max_retry_wait_ms = 60000;
  /* Five minutes: a restart or a model load (seconds to two minutes) with
   * room to spare, and short enough that a server gone for good stops a
   * nightly run while a human can still act on it. */
  o->max_retry_time_ms = 300000;
  o->grace_ms = 30000;
}

const char *sk_engine_state_name(enum sk_engine_state s) {
  switch (s) {
  case SK_ENGINE_RUNNING:
    return "running";
  case SK_ENGINE_FAILING:
    return "failing";
  case SK_ENGINE_STOPPING:
    return "stopping";
  case SK_ENGINE_ABORTING:
    return "aborting";
  case SK_ENGINE_CANCELING:
    return "canceling";
  case SK_ENGINE_CLOSING:
    return "closing";
  case SK_ENGINE_STOPPED:
    return "stopped";
  }
  return "?";
}

/* ---- events ----------------------------------------------------------- */

void sk_engine_emit(struct sk_engine *e, struct sk_event *ev) {
  if (e->o->on_event == NULL)
    return;
  ev->ms = (unsigned long)(uv_now(&e->loop) - e->start_ms);
  e->o->on_event(e->o->on_event_ctx, ev);
}

char *sk_engine_vformat(char *buf, size_t size, const char *fmt, va_list ap) {
  va_list again;
  char *heap;
  int n;
  va_copy(again, ap);
  n = vsnprintf(buf, size, fmt, ap);
  if (n < 0 || (size_t)n < size) {
    va_end(again);
    return buf;
  }
  /* Rare (a long path in a message): worth one allocation, not a cut. */
  heap = malloc((size_t)n + 1);
  if (heap != NULL)
    vsnprintf(heap, (size_t)n + 1, fmt, again);
  va_end(again);
  return heap != NULL ? heap : buf;
}

char *sk_engine_format(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  char *s;
  va_start(ap, fmt);
  s = sk_engine_vformat(buf, size, fmt, ap);
  va_end(ap);
  return s;
}

void sk_engine_say(struct sk_engine *e, enum sk_event_kind kind,
                   const char *slug, const char *persona, const char *fmt,
                   ...) {
  struct sk_event ev;
  char buf[1024];
  char *line;
  va_list ap;
  if (e->o->on_event == NULL)
    return;
  va_start(ap, fmt);
  line = sk_engine_vformat(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  memset(&ev, 0, sizeof(ev));
  ev.kind = kind;
  ev.slug = slug;
  ev.persona = persona;
  ev.message = line;
  sk_engine_emit(e, &ev);
  if (line != buf)
    free(line);
}

const struct sk_route *sk_engine_route(const struct sk_engine *e, size_t i) {
  return &e->o->routes[i];
}

static void progress_cb(uv_timer_t *t) {
  struct sk_engine *e = sk_container_of(t, struct sk_engine, progress);
  struct sk_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_PROGRESS;
  ev.stats = e->st;
  ev.in_flight = e->ninflight;
  ev.waiting = e->nwaiting;
  ev.total = e->o->total_estimate;
  ev.server_waiting = sk_sched_waiting_server(&e->sched);
  if (e->batcher != NULL) {
    struct sk_batch_progress bp;
    sk_batcher_progress(e->batcher, &bp);
    ev.batches = bp.batches;
    ev.batch_requests = bp.requests;
    ev.batch_done = bp.requests_done;
    ev.batch_eta_s = bp.eta_s;
  }
  sk_engine_emit(e, &ev);
}

/* ---- the run's life --------------------------------------------------- */

static void noop_close_cb(uv_handle_t *h) {
  (void)h;
}

/* Entering CANCELING: cancels what is still in flight. The transport calls
 * every callback with SK_ECANCELED, which abandons those reviews; with
 * e->tr cleared first, nothing they trigger can send or close it again. */
static void cancel_in_flight(struct sk_engine *e) {
  struct sk_transport *tr = e->tr;
  sk_batchrun_cancel(e);
  if (tr == NULL)
    return;
  e->st->connections = sk_transport_connections(tr);
  e->st->record_failures = sk_transport_record_failures(tr);
  e->tr = NULL;
  sk_transport_close(tr);
}

/* Entering CLOSING: closes the transport and every handle, so the loop
 * runs dry. */
static void close_handles(struct sk_engine *e) {
  struct sk_event ev;
  cancel_in_flight(e);
  sk_batchrun_close(e);
  if (e->signals_on) {
    uv_close((uv_handle_t *)&e->sigint, noop_close_cb);
    uv_close((uv_handle_t *)&e->sigterm, noop_close_cb);
  }
  if (e->grace_on)
    uv_close((uv_handle_t *)&e->grace, noop_close_cb);
  if (e->deadline_on)
    uv_close((uv_handle_t *)&e->deadline, noop_close_cb);
  if (e->rate_on)
    uv_close((uv_handle_t *)&e->rate_timer, noop_close_cb);
  sk_journal_group_stop(e->o->journal);
  sk_viewsync_stop(&e->views);
  if (e->progress_on)
    uv_close((uv_handle_t *)&e->progress, noop_close_cb);
  sk_admit_close_input(e);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_CLOSING;
  sk_engine_emit(e, &ev);
}

void sk_engine_set_state(struct sk_engine *e, enum sk_engine_state to) {
  enum sk_engine_state from = e->state;
  struct sk_event ev;
  if (to <= from)
    return; /* a run never goes back */
  e->state = to;
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_RUN_STATE;
  ev.state = (int)to;
  ev.prev = (int)from;
  ev.in_flight = e->ninflight;
  sk_engine_emit(e, &ev);
  if (to == SK_ENGINE_CANCELING)
    cancel_in_flight(e);
  else if (to == SK_ENGINE_CLOSING)
    close_handles(e);
}

void sk_engine_fail(struct sk_engine *e, int code, const char *msg) {
  if (e->fatal_err.code == 0)
    sk_error_set(&e->fatal_err, code, "%s", msg);
  sk_engine_set_state(e, SK_ENGINE_FAILING);
}

/* Closes the run once nothing is left to wait for. */
static void maybe_finish(struct sk_engine *e) {
  if (e->state >= SK_ENGINE_CLOSING || e->ninflight > 0 || e->nwaiting > 0 ||
      !sk_list_empty(&e->ready) || e->active_tools > 0 ||
      !(e->eof || e->state != SK_ENGINE_RUNNING))
    return;
  sk_engine_set_state(e, SK_ENGINE_CLOSING);
}

/* Once the run no longer RUNs, what is queued ends unsent (so its tools
 * can finish) and retries waiting are abandoned; what is in flight is let
 * finish. A review the run did not send is abandoned whatever stopped the
 * run (a signal, or an error such as a full disk): it is not a final
 * failure to journal (that would keep it failed forever), but one for
 * --resume to redo. Its tool is left unwritten, as after any stop. */
static void drain_queue(struct sk_engine *e) {
  struct sk_list *n;
  while ((n = sk_list_first(&e->ready)) != NULL)
    sk_run_set_state(e, sk_container_of(n, struct sk_run, node),
                     SK_RUN_ABANDONED);
  sk_request_cancel_waiting(e);
}

static void rate_cb(uv_timer_t *t) {
  sk_engine_pump(sk_container_of(t, struct sk_engine, rate_timer));
}

/* Returns 1 when the limits let rr go now; otherwise arms the rate timer
 * for when they will, and returns 0. */
static int rate_allows(struct sk_engine *e, const struct sk_run *rr) {
  uint64_t wait;
  if (sk_batchrun_uses(e, rr))
    return 1; /* a batch API has its own quota */
  wait = sk_sched_rate_wait(&e->sched, rr->idx, sk_request_tokens(e, rr),
                            uv_now(&e->loop));
  if (wait == 0)
    return 1;
  if (e->rate_on && !uv_is_active((uv_handle_t *)&e->rate_timer))
    uv_timer_start(&e->rate_timer, rate_cb, wait, 0);
  return 0;
}

void sk_engine_pump(struct sk_engine *e) {
  if (e->state != SK_ENGINE_RUNNING && e->state < SK_ENGINE_CLOSING)
    drain_queue(e);
  while (e->state < SK_ENGINE_CLOSING &&
         !(e->rate_on && uv_is_active((uv_handle_t *)&e->rate_timer)) &&
         e->ninflight - e->nbatched < sk_sched_window(&e->sched)) {
    struct sk_list *n = sk_list_first(&e->ready);
    struct sk_run *rr;
    if (n == NULL) {
      if (!sk_admit_next(e))
        break;
      continue;
    }
    rr = sk_container_of(n, struct sk_run, node);
    if (!rate_allows(e, rr))
      break;
    if (sk_sched_over_budget(&e->sched, sk_request_cost(e, rr))) {
      /* The next request could pass the budget: stop starting work, let
       * what is in flight finish, and report what is left. */
      sk_engine_stop(e, SK_STOP_BUDGET);
      break;
    }
    sk_request_send(e, rr);
  }
  /* Reviews held back with a final error wait for an answer that says
   * whether the endpoint is wrong; with nothing in flight and nothing more
   * to send (or the gate shut), none will come: decide now. */
  if (e->state == SK_ENGINE_RUNNING && e->ninflight == 0 && e->nwaiting > 0 &&
      (sk_list_empty(&e->ready) || sk_sched_endpoint_gated(&e->sched)))
    sk_request_decide_endpoints(e);
  sk_batchrun_pump(e);
  maybe_finish(e);
}

/* ---- stop paths ------------------------------------------------------- */

static const char *stop_name(int why) {
  return why == SIGINT           ? "SIGINT"
         : why == SIGTERM        ? "SIGTERM"
         : why == SK_STOP_BUDGET ? "budget"
         : why == SK_STOP_OUTAGE ? "outage"
         : why == SK_STOP_BATCH  ? "batch_pending"
                                 : "deadline";
}

static void grace_cb(uv_timer_t *t) {
  struct sk_engine *e = sk_container_of(t, struct sk_engine, grace);
  if (e->ninflight > 0)
    sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL,
                  "grace period over: canceling %zu request%s in flight",
                  e->ninflight, e->ninflight == 1 ? "" : "s");
  sk_engine_set_state(e, SK_ENGINE_CANCELING);
  sk_engine_pump(e);
}

/* Sends SK_EVENT_STOPPING for a first stop. */
static void stop_event(struct sk_engine *e, int why) {
  struct sk_event ev;
  char line[300];
  snprintf(line, sizeof(line),
           "%s: starting no new requests; %zu in flight may finish within "
           "%ld s (%s cancels them)",
           why == SIGINT           ? "interrupted (SIGINT)"
           : why == SIGTERM        ? "terminated (SIGTERM)"
           : why == SK_STOP_BUDGET ? "budget reached"
           : why == SK_STOP_OUTAGE ? "the server did not come back within "
                                     "--max-retry-time"
                                   : "deadline reached",
           e->ninflight, e->o->grace_ms / 1000,
           why > 0 ? "a second signal" : "SIGINT");
  /* Its requests are at the provider, not in a grace period: the run's
   * report says how to collect them. */
  if (why == SK_STOP_BATCH)
    snprintf(line, sizeof(line),
             "batches sent; the provider is still working on them");
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_STOPPING;
  ev.stop = why;
  ev.detail = stop_name(why);
  ev.in_flight = e->ninflight;
  ev.grace_ms = e->o->grace_ms;
  ev.message = line;
  sk_engine_emit(e, &ev);
}

void sk_engine_stop(struct sk_engine *e, int why) {
  if (e->state >= SK_ENGINE_CLOSING)
    return;
  if (e->st->stopped_by != 0) {
    /* A second signal cancels what is in flight at once. */
    if (why > 0) {
      sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL,
                    "second %s: canceling %zu request%s in flight",
                    stop_name(why), e->ninflight, e->ninflight == 1 ? "" : "s");
      sk_engine_set_state(e, SK_ENGINE_CANCELING);
      sk_engine_pump(e);
    }
    return;
  }
  e->st->stopped_by = why;
  stop_event(e, why);
  sk_engine_set_state(e, SK_ENGINE_STOPPING);
  if (e->grace_on)
    uv_timer_start(&e->grace, grace_cb, (uint64_t)e->o->grace_ms, 0);
  sk_engine_pump(e);
}

static void signal_cb(uv_signal_t *h, int signum) {
  struct sk_engine *e = signum == SIGINT
                            ? sk_container_of(h, struct sk_engine, sigint)
                            : sk_container_of(h, struct sk_engine, sigterm);
  sk_engine_stop(e, signum);
}

static void deadline_cb(uv_timer_t *t) {
  sk_engine_stop(sk_container_of(t, struct sk_engine, deadline),
                 SK_STOP_DEADLINE);
}

/* ---- setting up and tearing down ---------------------------------------- */

/* The transport's warnings (a fixture that could not be recorded) go out
 * as the engine's events. */
static void transport_warning_cb(void *ctx, const char *tool,
                                 const char *persona, const char *msg) {
  sk_engine_say(ctx, SK_EVENT_WARNING, tool, persona, "%s", msg);
}

/* Creates the transport on e's loop. */
static int open_transport(struct sk_engine *e, struct sk_error *err) {
  const struct sk_engine_opts *o = e->o;
  struct sk_transport_opts topts;
  memset(&topts, 0, sizeof(topts));
  topts.http.timeout_ms = o->timeout_ms;
  topts.http.max_connections = o->concurrency;
  topts.http.user_agent = o->user_agent;
  topts.http.ca_file = o->ca_file;
  topts.mode = o->fixture_mode;
  topts.dir = o->fixture_dir;
  topts.provider = NULL; /* every request names its own */
  topts.stamp = o->stamp_fixtures;
  topts.on_warning = transport_warning_cb;
  topts.on_warning_ctx = e;
  return sk_transport_new(&e->loop, &topts, &e->tr, err);
}

/* Starts the timers and signal handlers the options ask for. */
static void start_handles(struct sk_engine *e) {
  const struct sk_engine_opts *o = e->o;
  if (o->progress_ticks && uv_timer_init(&e->loop, &e->progress) == 0) {
    e->progress_on = 1;
    uv_timer_start(&e->progress, progress_cb, PROGRESS_MS, PROGRESS_MS);
  }
  e->rate_on = uv_timer_init(&e->loop, &e->rate_timer) == 0;
  e->grace_on = uv_timer_init(&e->loop, &e->grace) == 0;
  if (o->deadline_ms > 0 && uv_timer_init(&e->loop, &e->deadline) == 0) {
    e->deadline_on = 1;
    uv_timer_start(&e->deadline, deadline_cb, (uint64_t)o->deadline_ms, 0);
  }
  if (o->handle_signals && uv_signal_init(&e->loop, &e->sigint) == 0 &&
      uv_signal_init(&e->loop, &e->sigterm) == 0) {
    e->signals_on = 1;
    uv_signal_start(&e->sigint, signal_cb, SIGINT);
    uv_signal_start(&e->sigterm, signal_cb, SIGTERM);
  }
}

/* Sets up e for a run over src: the window, the loop, the transport, the
 * scheduler and the handles. On failure, nothing is left to free but e. */
static int engine_init(struct sk_engine *e, struct sk_toolsrc *src,
                       const struct sk_engine_opts *o,
                       struct sk_engine_stats *st, struct sk_error *err) {
  size_t per_tool = o->panel->n ? o->panel->n : 1;
  uint64_t seed =
      (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
  int rc;

  e->o = o;
  e->st = st;
  e->src = src;
  /* Input that has nothing yet (a pipe held open, a FIFO) is waited for
   * by the loop (admit.c), not in read(2), so replies, timers and signals
   * go on meanwhile. */
  sk_toolsrc_set_nonblocking(src, 1);
  sk_sha256_init(&e->inputs);
  e->state = SK_ENGINE_RUNNING;
  sk_list_init(&e->ready);
  sk_list_init(&e->inflight);
  sk_list_init(&e->waiting);
  /* Enough tools in progress to keep every slot busy even while some wait
   * on retries, and no more: the window bounds memory. */
  e->window = 2 * (((size_t)o->concurrency + per_tool - 1) / per_tool) + 2;
  rc = uv_loop_init(&e->loop);
  if (rc != 0)
    return sk_error_set(err, SK_EIO, "uv_loop_init: %s", uv_strerror(rc));
  rc = open_transport(e, err);
  if (rc != 0) {
    uv_loop_close(&e->loop);
    return rc;
  }
  rc = sk_batchrun_open(e, err);
  if (rc != 0) {
    sk_transport_close(e->tr);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    uv_loop_close(&e->loop);
    return rc;
  }
  /* A batch takes every request of the run at once: the window is what
   * the batches hold, not what a connection pool can. */
  if (e->batcher != NULL)
    e->window = (size_t)-1 / 4;
  e->start_ms = uv_now(&e->loop);
  if (sk_sched_init(&e->sched, o, e->start_ms, seed) != 0)
    sk_engine_fail(e, SK_ENOMEM, "out of memory");
  start_handles(e);
  return 0;
}

/* A total cost only when every persona's model has a price. */
static double total_cost(const struct sk_engine *e) {
  size_t i;
  for (i = 0; i < e->o->panel->n; i++)
    if (e->o->routes[i].price == NULL)
      return -1;
  return e->sched.spent_usd;
}

/* The summary's "batch" object: what went through the batch APIs. */
static void batch_totals(const struct sk_engine *e) {
  const struct sk_batcher_stats *b = &e->st->batch;
  cJSON *o = cJSON_CreateObject();
  if (o == NULL)
    return;
  cJSON_AddNumberToObject(o, "batches", (double)b->batches);
  cJSON_AddNumberToObject(o, "rounds", b->rounds);
  cJSON_AddNumberToObject(o, "requests", (double)b->submitted);
  cJSON_AddNumberToObject(o, "reattached", (double)b->reattached);
  cJSON_AddNumberToObject(o, "resubmitted", (double)b->resubmitted);
  cJSON_AddNumberToObject(o, "results", (double)b->results);
  cJSON_AddNumberToObject(o, "expired", (double)b->expired);
  cJSON_AddNumberToObject(o, "line_errors", (double)b->line_errors);
  cJSON_AddNumberToObject(o, "polls", (double)b->polls);
  cJSON_AddNumberToObject(o, "pending_batches", (double)b->pending);
  cJSON_AddNumberToObject(o, "discount", SK_BATCH_DISCOUNT);
  cJSON_Delete(e->o->summary->batch);
  e->o->summary->batch = o;
}

/* Copies the run's counts into the summary's totals. */
static void fill_totals(const struct sk_engine *e, uint64_t wall_ms) {
  const struct sk_engine_stats *st = e->st;
  struct sk_summary_totals *t = &e->o->summary->totals;
  int i;
  t->tools = st->tools_ok + st->tools_failed;
  t->tools_complete = st->tools_ok;
  t->records_bad = st->records_bad;
  t->tools_unfinished = st->tools_unfinished;
  t->tools_skipped_shard = st->tools_skipped_shard;
  t->tools_flagged = st->tools_flagged;
  t->tools_refused = st->tools_refused;
  t->reviews_ok = st->reviews_ok;
  t->reviews_failed = st->reviews_failed;
  t->reviews_resumed = st->reviews_resumed;
  t->attempts = st->reviews_ok + st->reviews_failed + st->reasks;
  t->reasks = st->reasks;
  t->requests = st->requests;
  t->retries = st->retries;
  for (i = 0; i < SK_RETRY__COUNT; i++)
    t->retries_by_cause[i] = st->retries_by_cause[i];
  t->prompt_tokens = st->prompt_tokens;
  t->completion_tokens = st->completion_tokens;
  t->wall_seconds = (double)wall_ms / 1000.0;
  t->cost_usd = st->cost_usd;
  t->cost_basis = NULL;
  for (i = 0; t->cost_usd >= 0 && (size_t)i < e->o->panel->n; i++)
    if (e->o->routes[i].price != NULL && e->o->routes[i].price->source != NULL)
      t->cost_basis = e->o->routes[i].price->source;
  t->stopped = st->stopped_by != 0      ? stop_name(st->stopped_by)
               : e->fatal_err.code != 0 ? "error"
                                        : NULL;
  t->input_done = e->eof;
  if (st->batch_mode)
    batch_totals(e);
  t->shard_index = e->o->shard_count > 1 ? e->o->shard_index + 1 : 1;
  t->shard_count = e->o->shard_count > 1 ? e->o->shard_count : 1;
  t->input_tools = st->input_tools;
  t->input_bad = st->input_bad;
  t->inputs_digest[0] = '\0';
  if (e->eof) {
    /* Only a whole input has a digest to compare shards by. */
    struct sk_sha256 s = e->inputs;
    sk_sha256_final_hex(&s, t->inputs_digest);
  }
}

/* Makes the journal durable at the end of the run, and with group commit
 * the scorecards (views) written under outdir since t0 that the view sync
 * has not synced yet, together. */
static void sync_journal(struct sk_engine *e, time_t t0) {
  struct sk_error jerr;
  int rc;
  if (e->o->journal == NULL)
    return;
  sk_error_clear(&jerr);
  sk_journal_defer_sync(e->o->journal, 0);
  rc = sk_journal_sync(e->o->journal, &jerr);
  if (rc == 0 && e->o->outdir != NULL &&
      e->o->durability != SK_DURABILITY_STRICT) {
    size_t synced = 0;
    rc = sk_fs_sync_dir_ns(e->o->outdir,
                           e->views_on ? sk_viewsync_since(&e->views)
                                       : (int64_t)t0 * 1000000000,
                           &synced, &jerr);
    if (e->views_on)
      sk_viewsync_log_end(&e->views, synced);
  }
  if (rc != 0 && e->fatal_err.code == 0) {
    sk_engine_say(e, SK_EVENT_ERROR, NULL, NULL, "%s", jerr.msg);
    sk_error_set(&e->fatal_err, jerr.code, "%s", jerr.msg);
  }
}

/* --baseline: compares the finished run with the baseline's scorecards,
 * hands the result to the summary and says it in one line. A baseline
 * that cannot be read is a warning: the run itself is done. */
static void compare_baseline(struct sk_engine *e) {
  struct sk_drift d;
  struct sk_error err;

  sk_error_clear(&err);
  if (sk_drift_compare(e->o->summary, e->o->baseline, &d, &err) != 0) {
    sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL, "--baseline: %s", err.msg);
    return;
  }
  e->st->drifts = d.flipped + d.moved;
  cJSON_Delete(e->o->summary->drift);
  e->o->summary->drift = d.json; /* handed over */
  d.json = NULL;
  sk_engine_say(e,
                d.flipped + d.moved > 0 ? SK_EVENT_WARNING : SK_EVENT_MESSAGE,
                NULL, NULL, "%s", d.line);
  sk_drift_cleanup(&d);
}

/* A sync off the loop failed: a group commit's fsync (the journal cannot
 * be trusted to keep what it is given) or a pass of the view sync (the
 * disk the scorecards go to is failing, which the end of the run would
 * report anyway). The run stops as on any failed journal write. */
static void sync_fail_cb(void *ctx, int code, const char *msg) {
  struct sk_engine *e = ctx;
  sk_engine_say(e, SK_EVENT_ERROR, NULL, NULL, "%s", msg);
  sk_engine_fail(e, code, msg);
}

/* How often the views are synced during a run: the end of the run then
 * waits for at most this much of them. A pass stats every file of the
 * folder (20,000 at 10,000 tools, about 30 ms), so not much more often. */
#ifndef SK_VIEWSYNC_PERIOD_MS
#define SK_VIEWSYNC_PERIOD_MS 2000
#endif

/* Starts syncing the views during the run (viewsync.h); one that cannot
 * start leaves them all to the end of the run. */
static void views_start(struct sk_engine *e, time_t t0) {
  struct sk_error err;
  sk_error_clear(&err);
  e->views_on = sk_viewsync_start(
                    &e->views, &e->loop, e->o->outdir, (int64_t)t0 * 1000000000,
                    SK_VIEWSYNC_PERIOD_MS, sync_fail_cb, e, &err) == 0;
  if (!e->views_on)
    sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL,
                  "%s (syncing the scorecards at the end)", err.msg);
}

/* Starts group commit; a journal that cannot is left strict. */
static void group_start(struct sk_engine *e) {
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_journal_group_start(e->o->journal, &e->loop, SK_GROUP_WINDOW_MS,
                             SK_GROUP_MAX_LINES, sync_fail_cb, e, &err) != 0)
    sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL,
                  "%s (fsyncing every line instead)", err.msg);
}

int sk_engine_run(struct sk_toolsrc *src, const struct sk_engine_opts *o,
                  struct sk_engine_stats *st, struct sk_error *err) {
  struct sk_engine *e;
  uint64_t wall_ms;
  time_t t0;
  int rc;

  memset(st, 0, sizeof(*st));
  e = calloc(1, sizeof(*e));
  if (e == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = engine_init(e, src, o, st, err);
  if (rc != 0) {
    free(e);
    return rc;
  }
  /* Journal lines are written as reviews end (a killed process loses
   * nothing). By default they are fsync'd in groups, off the loop, one
   * fsync per window (journal.h); --durability strict fsyncs each. */
  t0 = time(NULL);
  if (o->journal != NULL && o->durability != SK_DURABILITY_STRICT)
    group_start(e);
  if (o->journal != NULL && o->outdir != NULL &&
      o->durability != SK_DURABILITY_STRICT)
    views_start(e, t0);
  sk_engine_pump(e);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  /* A run that ended without CLOSING still has the group's timer and the
   * view sync's open. */
  if (sk_journal_group_stop(o->journal) | sk_viewsync_stop(&e->views))
    uv_run(&e->loop, UV_RUN_DEFAULT);
  sync_journal(e, t0);
  if (e->views_on)
    sk_viewsync_cleanup(&e->views);
  if (o->baseline != NULL && o->summary != NULL)
    compare_baseline(e);
  /* Read the clock while the loop still exists: a closed loop is poisoned. */
  uv_update_time(&e->loop);
  wall_ms = uv_now(&e->loop) - e->start_ms;
  sk_engine_set_state(e, SK_ENGINE_STOPPED);
  rc = uv_loop_close(&e->loop);
  if (rc != 0)
    sk_error_set(err, SK_EIO, "event loop still busy at exit: %s",
                 uv_strerror(rc));
  if (e->fatal_err.code != 0) {
    rc = e->fatal_err.code;
    sk_error_set(err, rc, "%s", e->fatal_err.msg);
  }
  st->input_done = e->eof;
  st->cost_usd = total_cost(e);
  if (o->summary != NULL)
    fill_totals(e, wall_ms);
  sk_slugset_cleanup(&e->slugs);
  sk_strmap_cleanup(&e->text_only, NULL);
  sk_sched_cleanup(&e->sched);
  free(e);
  return rc;
}
