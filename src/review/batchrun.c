/* batchrun.c: the engine's side of batch mode (see run.h and
 * net/batcher.h).
 *
 * The routes whose provider is in batch mode hand their requests to a
 * batcher instead of the transport; everything else about a review (the
 * prompt, the reply contract, re-asks, retries, the journal, the
 * scorecard) is the online path's. This file opens the batcher with one
 * sample request per provider (its URL and credential headers, which the
 * batch API's own requests reuse), turns the batcher's events into the
 * engine's, and decides when a run without --wait has done all it can.
 */
#include "shipskip/net/batcher.h"
#include "shipskip/net/fixture.h"
#include "shipskip/review/run.h"

#include <stdlib.h>
#include <string.h>

int sk_batchrun_uses(const struct sk_engine *e, const struct sk_run *rr) {
  if (e->batcher == NULL || !sk_engine_route(e, rr->idx)->provider->batch)
    return 0;
  return !(e->o->batch_reask_online && rr->tool->reviews[rr->idx].attempts > 1);
}

static void on_batch_event(void *ctx, const struct sk_batch_event *bev) {
  struct sk_engine *e = ctx;
  struct sk_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_BATCH;
  ev.flag = (int)bev->kind;
  ev.message = bev->message;
  if (bev->batch != NULL) {
    ev.detail = bev->batch->name;
    ev.cause = sk_batch_state_name(bev->batch->st.state);
    ev.total = (long)bev->batch->nreq;
    ev.provider = bev->batch->provider;
  }
  sk_engine_emit(e, &ev);
}

static void on_batch_quiet(void *ctx) {
  sk_engine_pump(ctx);
}

/* The batches cannot go on: a batch API that stopped answering stops the
 * run as an outage does (--resume goes on); anything else fails it. */
static void on_batch_fatal(void *ctx, int code, const char *msg) {
  struct sk_engine *e = ctx;
  sk_engine_say(e, SK_EVENT_ERROR, NULL, NULL, "%s", msg);
  if (code == SK_ECONN)
    sk_engine_stop(e, SK_STOP_OUTAGE);
  else
    sk_engine_fail(e, code, msg);
  /* Nothing more will come through it: its requests end now (abandoned;
   * the batches stay at the provider for --resume). */
  sk_batchrun_cancel(e);
  sk_engine_pump(e);
}

int sk_batchrun_open(struct sk_engine *e, struct sk_error *err) {
  const struct sk_engine_opts *o = e->o;
  struct sk_batcher_opts bo;
  size_t i;
  int rc;

  for (i = 0; i < o->panel->n && !o->routes[i].provider->batch; i++)
    ;
  if (i == o->panel->n)
    return 0;
  if (o->outdir == NULL)
    return sk_error_set(err, SK_ECONFIG,
                        "batch mode needs an output directory (its batches "
                        "are recorded there)");
  rc = sk_batch_samples_build(&e->bsamples, o->routes, o->panel->n, 1, err);
  if (rc != 0)
    return rc;
  memset(&bo, 0, sizeof(bo));
  bo.outdir = o->outdir;
  bo.resume = o->resume;
  bo.wait = o->batch_wait;
  bo.poll_ms = o->batch_poll_ms; /* 0: the batcher's 10 s, up to 60 s */
  bo.idle_ms = 500;
  bo.max_requests = o->batch_max_requests;
  bo.max_bytes = o->batch_max_bytes;
  bo.retry_base_ms = o->retry_base_ms;
  bo.max_retry_time_ms = o->max_retry_time_ms;
  bo.transport.http.timeout_ms = o->timeout_ms;
  bo.transport.http.user_agent = o->user_agent;
  bo.transport.http.ca_file = o->ca_file;
  bo.transport.mode = o->fixture_mode;
  bo.transport.dir = o->fixture_dir;
  bo.transport.stamp = o->stamp_fixtures;
  bo.providers = e->bsamples.p;
  bo.nproviders = e->bsamples.n;
  bo.on_event = on_batch_event;
  bo.on_quiet = on_batch_quiet;
  bo.on_fatal = on_batch_fatal;
  bo.ctx = e;
  rc = sk_batcher_new(&e->loop, &bo, &e->batcher, err);
  if (rc != 0) {
    sk_batch_samples_cleanup(&e->bsamples);
    return rc;
  }
  e->st->batch_mode = 1;
  return 0;
}

static void batch_answer_cb(const struct sk_batch_answer *a, void *arg) {
  struct sk_run *rr = arg;
  sk_request_batch_answer(rr->e, rr, a);
}

int sk_batchrun_submit(struct sk_engine *e, struct sk_run *rr,
                       const struct sk_wire_request *w,
                       const struct sk_exchange_info *info,
                       struct sk_error *err) {
  const struct sk_route *route = sk_engine_route(e, rr->idx);
  char key[65];
  char id[64];
  int rc;

  if (sk_fixture_key(info->provider, "POST", w->url, w->body, w->body_len,
                     key) != 0)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  sk_batcher_custom_id(key, info->occurrence, id);
  rc = sk_batcher_add(e->batcher, route->provider->name, w, id, info->tool,
                      info->persona, info->attempt, batch_answer_cb, rr,
                      &rr->reattached, err);
  if (rc == 0)
    e->nbatched++;
  return rc;
}

void sk_batchrun_pump(struct sk_engine *e) {
  int running = e->state == SK_ENGINE_RUNNING;
  if (e->batcher == NULL || e->state >= SK_ENGINE_CANCELING)
    return;
  if (e->state == SK_ENGINE_FAILING || e->state == SK_ENGINE_ABORTING) {
    sk_batchrun_cancel(e); /* nothing more is sent or written */
    return;
  }
  if (running && !sk_list_empty(&e->ready))
    return;
  /* Everything that can be asked now is in (retries waiting on a timer
   * come back in a moment: they go in with the rest): seal it. After a
   * stop the queued requests are in flight like online ones: sealed and
   * sent, as --budget counted them. */
  if ((e->eof || !running) && e->nwaiting == 0)
    sk_batcher_flush(e->batcher);
  if (e->o->batch_wait || e->nwaiting != 0 || e->nbatched == 0 ||
      e->ninflight != e->nbatched || !sk_batcher_quiet(e->batcher))
    return;
  if (running && e->eof)
    sk_engine_stop(e, SK_STOP_BATCH);
  else if (!running)
    /* Stopped, and every batch is sent and looked at: no grace period
     * brings their answers; --resume collects them. */
    sk_batchrun_cancel(e);
}

void sk_batchrun_cancel(struct sk_engine *e) {
  if (e->batcher != NULL)
    sk_batcher_cancel_waiting(e->batcher);
}

void sk_batchrun_close(struct sk_engine *e) {
  if (e->batcher == NULL)
    return;
  sk_batcher_stats(e->batcher, &e->st->batch);
  e->st->batch.pending = (unsigned long)sk_batcher_pending_batches(e->batcher);
  sk_batcher_close(e->batcher);
  e->batcher = NULL;
  sk_batch_samples_cleanup(&e->bsamples);
}
