/* request.c: one review's requests (see run.h): build and send the next
 * one, take its answer, and decide: accept the review, re-ask with the
 * failures quoted, retry later (a transport error, 429, 408, 5xx), or fail
 * it. Every decision is a state transition of the review (run.c); when and
 * how long to wait is sched.c's.
 *
 * Two rules keep a bad server from costing reviews (live runs only; a
 * replay has no server to spare and replays exactly what was recorded):
 *   - Outages. A connection failure or a 502/503/504/529 is offered to the
 *     provider's breaker (breaker.h). While it is closed the failure is an
 *     ordinary retry, counted against --max-retries and --max-retry-time.
 *     The failure that opens it, and every one while it is open or
 *     probing, is the outage's, not the review's: the review goes back to
 *     the front of the queue with nothing spent, and waits for the server
 *     with the rest. So an outage charges at most two retries in all (the
 *     failures before the third opens the breaker), however long it lasts
 *     and however many reviews are queued. An outage is bounded by time
 *     instead: a breaker open for --max-retry-time stops the run as a
 *     deadline does (nothing unfinished is journaled; --resume finishes).
 *   - Wrong endpoints. A final error from a provider that has never
 *     answered is held back (WAITING_RETRY with no timer, rr->held), not
 *     journaled; with SK_SCHED_WRONG_AFTER identical ones held, nothing
 *     more goes to it. A real answer or a different error proves the
 *     endpoint: the held reviews fail as they would have. With nothing in
 *     flight the engine decides (sk_sched_decide): a wrong endpoint stops
 *     the run with SK_ECONFIG and the held reviews are abandoned, so no
 *     scorecard claims those tools were reviewed.
 *
 * Structured output: a route whose provider asks for it sends the
 * persona's reply schema (model/schema.h) in the provider's native form;
 * a 400 naming that form turns the route (provider and model) to the text
 * contract for the rest of the run, said once, and the request is sent
 * again at once without counting the failed try. A reply cut off at the
 * token limit is asked again once with twice the limit, never the same. */
#include "shipskip/model/schema.h"
#include "shipskip/net/batcher.h"
#include "shipskip/review/journal.h"
#include "shipskip/review/run.h"
#include "shipskip/review/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A review waiting to be retried: its timer, freed when it closes. */
struct sk_retry_timer {
  uv_timer_t timer;
  struct sk_run *rr;
};

static void on_response(struct sk_http_response *res, void *arg);

static long persona_max_tokens(const struct sk_engine *e, size_t idx) {
  const struct sk_persona *p = &e->o->panel->personas[idx];
  return e->o->max_tokens > 0 ? e->o->max_tokens : p->max_tokens;
}

/* Tokens a request will cost, before the server says: about four bytes a
 * token for the prompt, plus the reply limit (or a typical review). */
long sk_request_tokens(const struct sk_engine *e, const struct sk_run *rr) {
  size_t chars = strlen(rr->system) + strlen(rr->user);
  long max_tokens = persona_max_tokens(e, rr->idx);
  size_t i;
  for (i = 0; i < rr->nturns; i++)
    chars += strlen(rr->turns[i]);
  return (long)(chars / 4) + (max_tokens > 0 ? max_tokens : 400);
}

/* What the next request of rr may cost: the prompt as estimated, and the
 * whole reply limit (or a typical review) as output, at the batch price
 * when it goes through a batch (so --budget counts a batch before it is
 * submitted); 0 with no price. */
double sk_request_cost(const struct sk_engine *e, const struct sk_run *rr) {
  const struct sk_route *route = sk_engine_route(e, rr->idx);
  long maxtok = persona_max_tokens(e, rr->idx);
  long out = maxtok > 0 ? maxtok : 400;
  double cost;
  if (route->price == NULL)
    return 0;
  cost = sk_price_cost(route->price, sk_request_tokens(e, rr) - out, out);
  return sk_batchrun_uses(e, rr) ? cost * SK_BATCH_DISCOUNT : cost;
}

void sk_request_conclude(struct sk_engine *e, struct sk_run *rr) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_event ev;
  if (e->o->journal != NULL && rr->inputs[0] != '\0') {
    struct sk_error err;
    sk_error_clear(&err);
    if (sk_journal_append(e->o->journal, rr->tool->tool->slug, rr->inputs, r,
                          &err) != 0) {
      sk_engine_say(e, SK_EVENT_ERROR, NULL, NULL, "%s", err.msg);
      sk_engine_fail(e, SK_EIO, err.msg);
    }
  }
  sk_run_event(rr, SK_EVENT_REVIEW_ENDED, &ev);
  ev.flag = r->status == SK_REVIEW_OK;
  if (ev.flag) {
    ev.score = r->score;
    ev.verdict = r->verdict;
  } else if (r->nerrors > 0) {
    ev.detail = r->errors[0];
  }
  sk_engine_emit(e, &ev);
  if (e->o->on_review != NULL)
    e->o->on_review(e->o->on_review_ctx, rr->tool->tool, rr->tool->reviews,
                    rr->tool->n, rr->idx);
  sk_run_set_state(e, rr,
                   r->status == SK_REVIEW_OK ? SK_RUN_DONE : SK_RUN_FAILED);
}

void sk_request_fail(struct sk_engine *e, struct sk_run *rr, const char *msg) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  r->status = SK_REVIEW_FAILED;
  if (sk_review_add_error(r, msg) != 0)
    sk_engine_fail(e, SK_ENOMEM, "out of memory");
  sk_request_conclude(e, rr);
}

/* The conversation so far as a chat request (msgs has room for 18). */
static void build_chat(const struct sk_engine *e, const struct sk_run *rr,
                       struct sk_message *msgs, struct sk_chat_request *req) {
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  size_t i;
  msgs[0].role = "system";
  msgs[0].content = rr->system;
  msgs[1].role = "user";
  msgs[1].content = rr->user;
  for (i = 0; i < rr->nturns && i < 16; i++) {
    msgs[2 + i].role = i % 2 == 0 ? "assistant" : "user";
    msgs[2 + i].content = rr->turns[i];
  }
  memset(req, 0, sizeof(*req));
  req->model = rr->tool->reviews[rr->idx].model;
  req->messages = msgs;
  req->nmessages = 2 + (rr->nturns < 16 ? rr->nturns : 16);
  req->temperature =
      e->o->temperature >= 0 ? e->o->temperature : p->temperature;
  req->max_tokens = persona_max_tokens(e, rr->idx);
  req->has_seed = e->o->has_seed;
  req->seed = e->o->seed;
}

/* The key of rr's route (provider and model) in e->text_only. */
static void route_key(const struct sk_engine *e, const struct sk_run *rr,
                      char *buf, size_t size) {
  snprintf(buf, size, "%s\n%s", sk_engine_route(e, rr->idx)->provider->name,
           rr->tool->reviews[rr->idx].model);
}

/* Whether rr's next request asks for structured output: its provider is
 * set to (structured on, or auto on a type that supports it) and the route
 * has not fallen back to the text contract. */
static int wants_structured(const struct sk_engine *e,
                            const struct sk_run *rr) {
  char key[512];
  if (!sk_provider_def_structured(sk_engine_route(e, rr->idx)->provider))
    return 0;
  route_key(e, rr, key, sizeof(key));
  return sk_strmap_find(&e->text_only, key) == NULL;
}

/* Builds rr's request, charges the limits and submits it. Returns what
 * sk_transport_submit returns. */
static int submit(struct sk_engine *e, struct sk_run *rr,
                  struct sk_error *err) {
  const struct sk_route *route = sk_engine_route(e, rr->idx);
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_message msgs[2 + 2 * 8];
  struct sk_chat_request req;
  struct sk_wire_request wire;
  struct sk_exchange_info info;
  int rc;

  cJSON *schema = NULL;

  build_chat(e, rr, msgs, &req);
  if (rr->raised_max_tokens > 0)
    req.max_tokens = rr->raised_max_tokens;
  rr->structured = wants_structured(e, rr);
  if (rr->structured &&
      sk_schema_build(&e->o->panel->personas[rr->idx], &schema) != 0)
    return sk_error_set(err, SK_ENOMEM, "out of memory building the schema");
  req.schema = schema;
  req.schema_name = SK_SCHEMA_NAME;
  rc = sk_provider_build(&route->provider->conf, &route->provider->gateway,
                         &req, &wire, err);
  cJSON_Delete(schema);
  if (rc != 0)
    return rc;
  /* Charge the rate limits now; --tpm is corrected by the real usage when
   * the answer comes. */
  rr->estimate = sk_request_tokens(e, rr);
  rr->est_cost = sk_request_cost(e, rr);
  sk_sched_charge(&e->sched, rr->idx, rr->estimate, rr->est_cost,
                  uv_now(&e->loop));
  info.provider = route->provider->impl->name;
  info.tool = rr->tool->tool->slug;
  info.persona = e->o->panel->personas[rr->idx].name;
  info.attempt = r->attempts;
  info.retry = r->retries;
  info.occurrence = rr->occurrence;
  rr->via_batch = sk_batchrun_uses(e, rr);
  rr->reattached = 0;
  if (rr->via_batch)
    rc = sk_batchrun_submit(e, rr, &wire, &info, err);
  else
    rc = sk_transport_submit(e->tr, &wire, &info, on_response, rr, err);
  sk_wire_request_cleanup(&wire);
  if (rc != 0)
    /* Never sent: if it was to be the breaker's probe, another must go. */
    sk_breaker_unsent(sk_sched_breaker(&e->sched, rr->idx));
  return rc;
}

void sk_request_send(struct sk_engine *e, struct sk_run *rr) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_event ev;
  struct sk_error err;
  int rc;

  if (e->tr == NULL) {
    /* Canceling after a stop: nothing more is sent. */
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
    return;
  }
  if (r->attempts == 0)
    r->attempts = 1;
  sk_error_clear(&err);
  rc = submit(e, rr, &err);
  if (rc == SK_ENOENT ||
      (rc == SK_EPARSE && e->o->fixture_mode != SK_FIXTURES_OFF)) {
    /* A replay miss (or a corrupt fixture) means the fixtures do not cover
     * this run: stop, and say exactly which request or file it was. */
    if (e->fatal_err.code == 0)
      sk_engine_say(e, SK_EVENT_ERROR, rr->tool->tool->slug,
                    e->o->panel->personas[rr->idx].name, "%s", err.msg);
    sk_engine_fail(e, rc, err.msg);
    sk_engine_set_state(e, SK_ENGINE_ABORTING);
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
    return;
  }
  if (rc != 0) {
    sk_request_fail(e, rr, err.msg);
    return;
  }
  rr->occurrence++;
  /* A request found in an earlier run's batch is not sent again. */
  if (!(rr->via_batch && rr->reattached))
    e->st->requests++;
  sk_run_set_state(e, rr, SK_RUN_IN_FLIGHT);
  sk_run_event(rr, SK_EVENT_REQUEST, &ev);
  sk_engine_emit(e, &ev);
}

/* Whether answers come from a live server (not a replay). */
static int live(const struct sk_engine *e) {
  return e->tr != NULL && !sk_transport_is_replay(e->tr);
}

static void retry_close_cb(uv_handle_t *h) {
  free(sk_container_of(h, struct sk_retry_timer, timer));
}

/* Takes rr's retry timer away (it closes, then frees itself). */
static void drop_timer(struct sk_run *rr) {
  struct sk_retry_timer *t = rr->timer;
  rr->timer = NULL;
  uv_timer_stop(&t->timer);
  uv_close((uv_handle_t *)&t->timer, retry_close_cb);
}

static void retry_cb(uv_timer_t *timer) {
  struct sk_retry_timer *t =
      sk_container_of(timer, struct sk_retry_timer, timer);
  struct sk_run *rr = t->rr;
  struct sk_engine *e = rr->e;
  drop_timer(rr);
  sk_run_set_state(e, rr, SK_RUN_READY);
  sk_engine_pump(e);
}

void sk_request_cancel_waiting(struct sk_engine *e) {
  struct sk_list *n;
  while ((n = sk_list_first(&e->waiting)) != NULL) {
    struct sk_run *rr = sk_container_of(n, struct sk_run, node);
    drop_timer(rr);
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
  }
}

/* Sends the SK_EVENT_RETRY of a retry scheduled after wait ms. */
static void retry_event(struct sk_engine *e, struct sk_run *rr,
                        enum sk_retry_cause cause, uint64_t wait,
                        const char *why) {
  struct sk_event ev;
  sk_run_event(rr, SK_EVENT_RETRY, &ev);
  ev.cause = sk_retry_cause_name(cause);
  ev.wait_ms = (unsigned long)wait;
  ev.detail = why;
  sk_engine_emit(e, &ev);
}

/* Schedules another try of rr (IN_FLIGHT), or fails it when the policy
 * says not to. */
static void retry_later(struct sk_engine *e, struct sk_run *rr, const char *why,
                        long retry_after_ms, enum sk_retry_cause cause) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_retry_timer *t;
  uint64_t wait;
  uint64_t now = uv_now(&e->loop);
  char msg[400];
  /* Replayed answers, and batch requests (their wait is the next round),
   * are asked again at once. */
  int no_wait =
      (e->tr != NULL && sk_transport_is_replay(e->tr)) || rr->via_batch;

  if (rr->retry_since_ms == 0)
    rr->retry_since_ms = now;
  switch (
      sk_sched_retry(&e->sched, r->retries, retry_after_ms, no_wait, &wait)) {
  case SK_RETRY_GIVE_UP:
    snprintf(msg, sizeof(msg), "gave up after %d retr%s: %s", r->retries,
             r->retries == 1 ? "y" : "ies", why);
    sk_request_fail(e, rr, msg);
    return;
  case SK_RETRY_TOO_LONG:
    if (retry_after_ms >= SK_RATELIMIT_BEYOND)
      snprintf(msg, sizeof(msg),
               "%s; the server asked to wait more than 7 days, longer than "
               "--max-retry-wait %ld s",
               why, e->o->max_retry_wait_ms / 1000);
    else
      snprintf(msg, sizeof(msg),
               "%s; the server asked to wait %ld s, longer than "
               "--max-retry-wait %ld s",
               why, (retry_after_ms + 999) / 1000,
               e->o->max_retry_wait_ms / 1000);
    sk_request_fail(e, rr, msg);
    return;
  case SK_RETRY_AFTER:
    break;
  }
  if (!no_wait && !sk_sched_retry_in_time(&e->sched, rr->idx,
                                          rr->retry_since_ms, wait, now)) {
    snprintf(msg, sizeof(msg),
             "gave up after %d retr%s in %lu s (--max-retry-time %ld s): %s",
             r->retries, r->retries == 1 ? "y" : "ies",
             (unsigned long)((now - rr->retry_since_ms) / 1000),
             sk_sched_retry_time(&e->sched, rr->idx) / 1000, why);
    sk_request_fail(e, rr, msg);
    return;
  }
  r->retries++;
  e->st->retries++;
  e->st->retries_by_cause[cause]++;
  retry_event(e, rr, cause, wait, why);
  t = calloc(1, sizeof(*t));
  if (t == NULL || uv_timer_init(&e->loop, &t->timer) != 0) {
    free(t);
    sk_request_fail(e, rr, "out of memory scheduling a retry");
    return;
  }
  t->rr = rr;
  rr->timer = t;
  sk_run_set_state(e, rr, SK_RUN_WAITING_RETRY);
  uv_timer_start(&t->timer, retry_cb, wait, 0);
}

/* Re-asks: the conversation so far, plus a message quoting every failure,
 * so the model can fix exactly what was wrong. Takes content. */
static void reask(struct sk_engine *e, struct sk_run *rr, char *content,
                  const struct sk_reply *reply) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  const char *errs[SK_REPLY_MAX_ERRORS];
  struct sk_buf ask;
  struct sk_error err;
  struct sk_event ev;
  size_t i;
  char **turns = realloc(rr->turns, (rr->nturns + 2) * sizeof(*turns));

  if (turns == NULL) {
    free(content);
    sk_request_fail(e, rr, "out of memory");
    return;
  }
  rr->turns = turns;
  for (i = 0; i < reply->nerrors; i++)
    errs[i] = reply->errors[i];
  sk_buf_init(&ask, SK_PROMPT_MAX);
  sk_error_clear(&err);
  if (sk_prompt_render_reask(e->o->prompts, &e->o->panel->personas[rr->idx],
                             errs, reply->nerrors, &ask, &err) != 0) {
    sk_buf_cleanup(&ask);
    free(content);
    sk_request_fail(e, rr, err.msg);
    return;
  }
  rr->turns[rr->nturns++] = content;
  rr->turns[rr->nturns] = sk_buf_take(&ask);
  if (rr->turns[rr->nturns] == NULL) {
    sk_request_fail(e, rr, "out of memory");
    return;
  }
  rr->nturns++;
  r->attempts++;
  rr->occurrence = 0; /* a new conversation is a new request */
  e->st->reasks++;
  sk_run_event(rr, SK_EVENT_REASK, &ev);
  ev.reasons = (const char *const *)errs;
  ev.nreasons = reply->nerrors;
  sk_engine_emit(e, &ev);
  sk_run_set_state(e, rr, SK_RUN_READY);
}

/* Records the reply's rubric coverage on the review by element name, so
 * the scorecard and the journal show what the paragraph covered and what
 * it missed. A reply whose paragraph never reached the rubric leaves the
 * review's coverage unmeasured. Returns 0 or SK_ENOMEM. */
static int keep_coverage(const struct sk_engine *e, const struct sk_run *rr,
                         const struct sk_reply *reply, struct sk_review *r) {
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  size_t j;

  sk_review_clear_rubric(r);
  if (!reply->rubric_checked)
    return 0;
  r->has_rubric = 1;
  for (j = 0; j < reply->nrubric && j < p->nrubric; j++)
    if (sk_review_add_rubric(r, sk_reply_covers(reply, j), p->rubric[j].name))
      return SK_ENOMEM;
  /* The quotes found in the review, for the editor (validate.h). */
  for (j = 0; j < reply->nrubric && j < SK_PERSONA_MAX_RUBRIC; j++)
    if (reply->evidence[j] != NULL &&
        sk_review_add_quote(r, p->rubric[j].name, reply->evidence[j]) != 0)
      return SK_ENOMEM;
  return 0;
}

/* Takes a reply that parsed (and content): accept it, re-ask, or fail. */
static void judge_reply(struct sk_engine *e, struct sk_run *rr, char *content) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_reply reply;
  size_t i;
  int rc = sk_validator_check_tool(e->o->validator, rr->idx, content,
                                   strlen(content), rr->tool->fence,
                                   rr->tool->tool, &reply);

  if ((rc == 0 || rc == SK_EREPLY) && keep_coverage(e, rr, &reply, r) != 0) {
    free(content);
    sk_reply_cleanup(&reply);
    sk_request_fail(e, rr, "out of memory recording rubric coverage");
    return;
  }
  if (rc == 0) {
    r->status = SK_REVIEW_OK;
    r->score = reply.score;
    memcpy(r->verdict, reply.verdict, sizeof(r->verdict));
    r->text = reply.review;
    reply.review = NULL;
    sk_reply_cleanup(&reply);
    free(content);
    sk_request_conclude(e, rr);
    return;
  }
  if (rc != SK_EREPLY) {
    free(content);
    sk_reply_cleanup(&reply);
    sk_request_fail(e, rr, "out of memory checking the reply");
    return;
  }
  if (r->attempts >= e->o->max_attempts) {
    r->status = SK_REVIEW_FAILED;
    for (i = 0; i < reply.nerrors; i++)
      if (sk_review_add_error(r, reply.errors[i]) != 0)
        sk_engine_fail(e, SK_ENOMEM, "out of memory");
    free(content);
    sk_reply_cleanup(&reply);
    sk_request_conclude(e, rr);
    return;
  }
  reask(e, rr, content, &reply);
  sk_reply_cleanup(&reply);
}

/* Copies url into buf without what could be a credential: the user
 * information before '@', the query and the fragment. */
static void safe_url(char *buf, size_t size, const char *url) {
  const char *host = url != NULL ? strstr(url, "://") : NULL;
  const char *end;
  const char *at;
  size_t n;

  if (url == NULL) {
    snprintf(buf, size, "(no URL)");
    return;
  }
  host = host != NULL ? host + 3 : url;
  end = host + strcspn(host, "/?#");
  at = memchr(host, '@', (size_t)(end - host));
  n = (size_t)(host - url);
  snprintf(buf, size, "%.*s", (int)n, url);
  if (at != NULL)
    host = at + 1;
  n = strlen(buf);
  if (n < size)
    snprintf(buf + n, size - n, "%.*s", (int)strcspn(host, "?#"), host);
}

/* Sends SK_EVENT_SERVER for rr's provider: down (why, the wait until the
 * probe) or back (after ms away). */
static void server_event(struct sk_engine *e, const struct sk_run *rr, int down,
                         const char *why, uint64_t ms) {
  const struct sk_provider_def *d = sk_engine_route(e, rr->idx)->provider;
  struct sk_event ev;
  char url[256];
  char line[700];

  safe_url(url, sizeof(url), d->base_url);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_SERVER;
  ev.provider = d->name;
  ev.flag = down;
  if (down) {
    ev.detail = why;
    ev.wait_ms = (unsigned long)ms;
    snprintf(line, sizeof(line),
             "waiting for the server: %s at %s is not answering (%s); "
             "holding its requests, one probe in %lu s",
             d->name, url, why, (unsigned long)(ms + 999) / 1000);
  } else {
    ev.seconds = (double)ms / 1000.0;
    snprintf(line, sizeof(line), "%s at %s is answering again after %.0f s",
             d->name, url, ev.seconds);
  }
  ev.message = line;
  sk_engine_emit(e, &ev);
}

/* Whether an answer says the server is away: a retryable 502 (a proxy
 * with no backend), 503 (unavailable, "Loading model"), 504 or 529
 * (overloaded). Not 500: llama-server and others answer 500 to one bad
 * request while serving the rest (INTEROP.md), so it stays a retry of
 * that review. */
static int outage_status(enum sk_outcome outcome, long status) {
  return outcome == SK_OUTCOME_RETRY &&
         (status == 502 || status == 503 || status == 504 || status == 529);
}

/* An outage failure (no answer, or outage_status()) of rr: returns 0 when
 * it is an ordinary retry for the caller to schedule, 1 when the breaker
 * took it (rr is back in the queue, or the run stopped). */
static int outage(struct sk_engine *e, struct sk_run *rr, const char *why) {
  struct sk_breaker *b = sk_sched_breaker(&e->sched, rr->idx);
  uint64_t now = uv_now(&e->loop);
  long limit = sk_sched_retry_time(&e->sched, rr->idx);
  enum sk_breaker_verdict v;

  if (!live(e))
    return 0;
  v = sk_breaker_failure(b, now);
  if (v == SK_BREAKER_CHARGED)
    return 0;
  if (v == SK_BREAKER_OPENED)
    server_event(e, rr, 1, why, sk_breaker_wait(b, now));
  if (limit > 0 && sk_breaker_down_ms(b, now) >= (uint64_t)limit) {
    /* Gone for longer than a restart: stop as a deadline does, so what
     * was not done is redone by --resume rather than recorded as failed. */
    sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL,
                  "%s has not answered for %lu s (--max-retry-time %ld s): "
                  "%s",
                  sk_engine_route(e, rr->idx)->provider->name,
                  (unsigned long)(sk_breaker_down_ms(b, now) / 1000),
                  limit / 1000, why);
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
    sk_engine_stop(e, SK_STOP_OUTAGE);
    return 1;
  }
  /* The server failed, not the review: back to the front of the queue,
   * nothing spent; the breaker decides when it goes again. */
  sk_run_set_state(e, rr, SK_RUN_READY);
  return 1;
}

/* A real answer from rr's provider: closes its breaker (and says so when
 * it was open) and lets its held reviews go once it answered for real. */
static void server_answered(struct sk_engine *e, struct sk_run *rr, int real) {
  struct sk_breaker *b = sk_sched_breaker(&e->sched, rr->idx);
  uint64_t now = uv_now(&e->loop);
  uint64_t away = sk_breaker_down_ms(b, now);

  if (!live(e))
    return;
  if (sk_breaker_success(b)) {
    server_event(e, rr, 0, NULL, away);
    /* The rate timer may be waiting out the probe: start at once. */
    if (e->rate_on)
      uv_timer_stop(&e->rate_timer);
  }
  if (real && sk_sched_proven(&e->sched, rr->idx))
    sk_request_release_held(e, sk_engine_route(e, rr->idx)->provider);
}

/* Holds rr back with its final error msg until its provider's endpoint
 * is known (WAITING_RETRY, no timer running). */
static void hold(struct sk_engine *e, struct sk_run *rr, const char *msg) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_retry_timer *t = calloc(1, sizeof(*t));

  if (t == NULL || uv_timer_init(&e->loop, &t->timer) != 0) {
    free(t);
    sk_request_fail(e, rr, msg);
    return;
  }
  r->status = SK_REVIEW_FAILED;
  if (sk_review_add_error(r, msg) != 0)
    sk_engine_fail(e, SK_ENOMEM, "out of memory");
  t->rr = rr;
  rr->timer = t;
  rr->held = 1;
  sk_run_set_state(e, rr, SK_RUN_WAITING_RETRY);
}

/* The first held review of provider (NULL: any) on e->waiting, or NULL. */
static struct sk_run *first_held(struct sk_engine *e,
                                 const struct sk_provider_def *provider) {
  SK_LIST_FOREACH(n, &e->waiting) {
    struct sk_run *rr = sk_container_of(n, struct sk_run, node);
    if (rr->held &&
        (provider == NULL || sk_engine_route(e, rr->idx)->provider == provider))
      return rr;
  }
  return NULL;
}

void sk_request_release_held(struct sk_engine *e,
                             const struct sk_provider_def *provider) {
  struct sk_run *rr;
  /* From the top each time: concluding a review may finish its tool. */
  while ((rr = first_held(e, provider)) != NULL) {
    drop_timer(rr);
    rr->held = 0;
    sk_run_set_state(e, rr, SK_RUN_READY);
    sk_request_conclude(e, rr);
  }
}

/* The endpoint of rr's provider is wrong (its first answers were all
 * status, msg): rr is abandoned (not journaled) when abandon is set, and
 * the run stops with one message naming the URL. */
static void wrong_endpoint(struct sk_engine *e, struct sk_run *rr, long status,
                           const char *msg, int abandon) {
  const struct sk_provider_def *d = sk_engine_route(e, rr->idx)->provider;
  char url[256];
  char *line;
  char buf[800];

  if (abandon)
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
  if (e->fatal_err.code != 0)
    return;
  safe_url(url, sizeof(url), d->base_url);
  line = sk_engine_format(
      buf, sizeof(buf),
      "%s at %s answered HTTP %ld to each of its first requests (%s): "
      "the endpoint or its key is wrong, so nothing more was sent and no "
      "scorecard was written; check --base-url (or base_url in the config, "
      "or OPENAI_BASE_URL) and the API key",
      d->name, url, status, msg);
  sk_engine_fail(e, SK_ECONFIG, line);
  /* Like a replay miss: what is queued or held is abandoned, and no
   * scorecard is written after this. */
  sk_engine_set_state(e, SK_ENGINE_ABORTING);
  if (line != buf)
    free(line);
}

/* Abandons rr, held for a provider now known to be wrong. */
static void abandon_held(struct sk_run *rr) {
  drop_timer(rr);
  rr->held = 0;
  sk_run_set_state(rr->e, rr, SK_RUN_ABANDONED);
}

/* Decides rr's provider (sk_sched_decide) with no other answer to come:
 * stops the run when its endpoint is wrong, else fails its held reviews
 * (and rr, when msg is not NULL: rr was never held). */
static void decide(struct sk_engine *e, struct sk_run *rr, const char *msg) {
  const struct sk_sched_limit *lim =
      &e->sched.limits[e->sched.limit_of[rr->idx]];
  const struct sk_provider_def *d = sk_engine_route(e, rr->idx)->provider;

  if (sk_sched_decide(&e->sched, rr->idx) == SK_ENDPOINT_IS_WRONG) {
    if (msg == NULL)
      abandon_held(rr);
    wrong_endpoint(e, rr, lim->final_status, lim->final_msg, msg != NULL);
    return;
  }
  if (msg != NULL)
    sk_request_fail(e, rr, msg);
  sk_request_release_held(e, d);
}

void sk_request_decide_endpoints(struct sk_engine *e) {
  struct sk_run *rr;
  while ((rr = first_held(e, NULL)) != NULL) {
    if (sk_sched_endpoint(&e->sched, rr->idx) == SK_ENDPOINT_WRONG)
      abandon_held(rr);
    else
      decide(e, rr, NULL);
  }
}

/* A final HTTP error of rr: fail it, hold it, or stop the run. */
static void final_error(struct sk_engine *e, struct sk_run *rr, long status,
                        const char *msg) {
  /* A batch line's error says nothing about the endpoint: the batch it
   * came in was accepted there. */
  if (!live(e) || rr->via_batch) {
    sk_request_fail(e, rr, msg);
    return;
  }
  switch (sk_sched_final(&e->sched, rr->idx, status, msg, rr->tool)) {
  case SK_ENDPOINT_FAIL:
    sk_request_fail(e, rr, msg);
    break;
  case SK_ENDPOINT_RELEASE:
    sk_request_fail(e, rr, msg);
    sk_request_release_held(e, sk_engine_route(e, rr->idx)->provider);
    if (e->rate_on)
      uv_timer_stop(&e->rate_timer);
    break;
  case SK_ENDPOINT_HOLD:
    /* Held while another answer may still come to judge by (a request in
     * flight, or one to send: admit the next tool to know); otherwise
     * decided now, so the last review of a run ends at once. */
    if (e->ninflight <= 1 && sk_list_empty(&e->ready))
      sk_admit_next(e);
    if (e->ninflight > 1 || !sk_list_empty(&e->ready))
      hold(e, rr, msg);
    else
      decide(e, rr, msg);
    break;
  case SK_ENDPOINT_IS_WRONG:
    /* An answer still in flight when the run stopped: not journaled. */
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
    break;
  }
}

/* A request that got no HTTP answer: retry, unless the answer was too big
 * (it would be again). */
static void transport_failed(struct sk_engine *e, struct sk_run *rr,
                             const struct sk_http_response *res) {
  char why[400];
  if (res->error == SK_ETIMEDOUT)
    snprintf(why, sizeof(why), "no answer within %ld ms (%s)", e->o->timeout_ms,
             res->errmsg);
  else
    snprintf(why, sizeof(why), "%s", res->errmsg);
  if (res->error == SK_ETOOBIG)
    sk_request_fail(e, rr, why);
  else if (!res->stale_connection && outage(e, rr, why))
    return;
  else
    /* A stale keep-alive connection says nothing about the server's load:
     * retry at once (still counted against --max-retries). */
    retry_later(e, rr, why, res->stale_connection ? 0 : -1,
                res->stale_connection        ? SK_RETRY_STALE_CONNECTION
                : res->error == SK_ETIMEDOUT ? SK_RETRY_TIMEOUT
                                             : SK_RETRY_CONNECTION);
}

static const char *header_lookup(void *ctx, const char *name) {
  return sk_http_response_header(ctx, name);
}

/* The route of rr rejected structured output (a 400 naming the field):
 * it is asked with the text contract from now on, which is said once per
 * provider and model (an event, and a line in the summary), and rr is sent
 * again at once. The failed try counts neither as an attempt nor as a
 * retry. */
static void fall_back(struct sk_engine *e, struct sk_run *rr, const char *why) {
  const struct sk_route *route = sk_engine_route(e, rr->idx);
  const char *model = rr->tool->reviews[rr->idx].model;
  char key[512];
  char line[600];
  int added = 0;

  route_key(e, rr, key, sizeof(key));
  if (sk_strmap_put(&e->text_only, key, &added) == NULL) {
    sk_request_fail(e, rr, "out of memory");
    return;
  }
  if (added) {
    snprintf(line, sizeof(line),
             "provider %s, model %s: structured output rejected (%s); "
             "using the text contract",
             route->provider->name, model, why);
    sk_engine_say(e, SK_EVENT_WARNING, NULL, NULL, "%s", line);
    if (e->o->summary != NULL) {
      cJSON **list = &e->o->summary->structured_fallback;
      if (*list == NULL)
        *list = cJSON_CreateArray();
      if (*list != NULL)
        cJSON_AddItemToArray(*list, cJSON_CreateString(line));
    }
  }
  rr->occurrence = 0; /* another body: another request */
  sk_run_set_state(e, rr, SK_RUN_READY);
}

/* The longest reply limit a cut-off reply is asked again with. */
#define RAISED_MAX_TOKENS_CAP 65536L

/* A reply cut off at the token limit (finish, the provider's word for it):
 * never judged as if complete. Asked again once, the same conversation with
 * twice the limit, when the limit is known and attempts remain; otherwise
 * the review fails saying it was cut off. Takes content. */
static void cut_off(struct sk_engine *e, struct sk_run *rr, char *content,
                    const char *finish) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  long limit =
      rr->raised_max_tokens > 0 ? rr->raised_max_tokens
      : persona_max_tokens(e, rr->idx) > 0
          ? persona_max_tokens(e, rr->idx)
          : sk_engine_route(e, rr->idx)->provider->impl->default_max_tokens;
  long raised =
      limit * 2 < RAISED_MAX_TOKENS_CAP ? limit * 2 : RAISED_MAX_TOKENS_CAP;
  char msg[200];
  const char *reasons[1];
  struct sk_event ev;

  free(content);
  if (limit > 0)
    snprintf(msg, sizeof(msg),
             "the reply was cut off at the token limit (%ld tokens, "
             "finish reason \"%s\")",
             limit, finish);
  else
    snprintf(msg, sizeof(msg),
             "the reply was cut off at the model's own token limit (finish "
             "reason \"%s\"); set max_tokens to ask for more",
             finish);
  if (limit <= 0 || rr->raised_max_tokens > 0 || raised <= limit ||
      r->attempts >= e->o->max_attempts) {
    sk_request_fail(e, rr, msg);
    return;
  }
  rr->raised_max_tokens = raised;
  r->attempts++;
  rr->occurrence = 0; /* a new limit is a new request */
  e->st->reasks++;
  reasons[0] = msg;
  sk_run_event(rr, SK_EVENT_REASK, &ev);
  ev.reasons = reasons;
  ev.nreasons = 1;
  sk_engine_emit(e, &ev);
  sk_run_set_state(e, rr, SK_RUN_READY);
}

/* An HTTP answer: parse it, settle the limits and the spend, then act on
 * the provider's verdict. */
static void answered(struct sk_engine *e, struct sk_run *rr,
                     struct sk_http_response *res) {
  const struct sk_route *route = sk_engine_route(e, rr->idx);
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_chat_result cr;
  double cost = 0;

  route->provider->impl->parse(res->status, res->body, res->body_len,
                               header_lookup, res, &cr);
  r->prompt_tokens += cr.prompt_tokens;
  r->completion_tokens += cr.completion_tokens;
  /* The run's totals count what this run was sent, as its cost does: a
   * review kept by --redo or taken from the journal by --resume brings its
   * scorecard's tokens, not this run's. */
  e->st->prompt_tokens += cr.prompt_tokens;
  e->st->completion_tokens += cr.completion_tokens;
  if (route->price != NULL) {
    cost = sk_price_cost(route->price, cr.prompt_tokens, cr.completion_tokens);
    if (rr->via_batch)
      cost *= SK_BATCH_DISCOUNT;
    r->cost_usd += cost;
  }
  sk_sched_settle(&e->sched, rr->idx, rr->estimate, rr->est_cost, &cr,
                  res->status, cost, uv_now(&e->loop));
  rr->est_cost = 0;
  if (rr->via_batch)
    ; /* a batch's lines say nothing of the online server's health */
  else if (!outage_status(cr.outcome, res->status))
    /* Any answer but a retryable 5xx says the server is up; a reply, a
     * 429 or a 408 also says the endpoint and key are right. */
    server_answered(e, rr,
                    cr.outcome == SK_OUTCOME_OK || res->status == 429 ||
                        res->status == 408);
  if (rr->structured && res->status == 400 &&
      route->provider->impl->rejects_structured != NULL &&
      route->provider->impl->rejects_structured(cr.error)) {
    fall_back(e, rr, cr.error);
    sk_chat_result_cleanup(&cr);
    return;
  }
  switch (cr.outcome) {
  case SK_OUTCOME_OK:
    if (sk_finish_is_cut_off(cr.finish_reason))
      cut_off(e, rr, cr.content, cr.finish_reason);
    else
      judge_reply(e, rr, cr.content);
    cr.content = NULL;
    break;
  case SK_OUTCOME_RETRY:
    if (!rr->via_batch && outage_status(cr.outcome, res->status) &&
        outage(e, rr, cr.error))
      break;
    retry_later(e, rr, cr.error, cr.retry_after_ms,
                sk_retry_cause_of(cr.cause));
    break;
  case SK_OUTCOME_FINAL:
    /* A provider that found no text before the limit (Anthropic's
     * max_tokens, Gemini's MAX_TOKENS) says so as final: it is still a
     * cut-off reply, asked again with a larger limit. */
    if (strcmp(cr.cause, "max_tokens") == 0)
      cut_off(e, rr, NULL, cr.finish_reason);
    else
      final_error(e, rr, res->status, cr.error);
    break;
  }
  sk_chat_result_cleanup(&cr);
}

static void on_response(struct sk_http_response *res, void *arg) {
  struct sk_run *rr = arg;
  struct sk_engine *e = rr->e;
  struct sk_event ev;

  sk_run_event(rr, SK_EVENT_RESPONSE, &ev);
  ev.status = res->status;
  ev.detail = res->error != 0 ? res->errmsg : NULL;
  ev.seconds = res->seconds;
  sk_engine_emit(e, &ev);
  if (res->error == SK_ECANCELED)
    /* Canceled by a stop: not an answer, not journaled, redone on resume. */
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
  else if (res->error != 0)
    transport_failed(e, rr, res);
  else
    answered(e, rr, res);
  sk_engine_pump(e);
}

void sk_request_batch_answer(struct sk_engine *e, struct sk_run *rr,
                             const struct sk_batch_answer *a) {
  struct sk_http_response res;
  struct sk_event ev;

  e->nbatched--;
  sk_run_event(rr, SK_EVENT_RESPONSE, &ev);
  ev.status = a->kind == SK_BATCH_RESULT_ANSWER ? a->status : 0;
  ev.detail = a->kind == SK_BATCH_RESULT_ANSWER ? NULL : a->message;
  sk_engine_emit(e, &ev);
  switch (a->kind) {
  case SK_BATCH_RESULT_ANSWER:
    memset(&res, 0, sizeof(res));
    res.status = a->status;
    res.body = a->body;
    res.body_len = a->body_len;
    res.headers = "";
    answered(e, rr, &res);
    break;
  case SK_BATCH_RESULT_ERROR:
    if (a->retry)
      retry_later(e, rr, a->message, 0, SK_RETRY_BATCH);
    else
      sk_request_fail(e, rr, a->message);
    break;
  case SK_BATCH_RESULT_EXPIRED:
    retry_later(e, rr, a->message, 0, SK_RETRY_BATCH);
    break;
  case SK_BATCH_RESULT_CANCELED:
    /* Canceled (a stop, or the batch canceled): redone on resume. */
    sk_run_set_state(e, rr, SK_RUN_ABANDONED);
    break;
  }
  /* rr may be gone here (a final state can finish and free its tool);
   * via_batch needs no reset: every send sets it. A cancel comes from a
   * stop that is draining the engine already. */
  if (a->kind != SK_BATCH_RESULT_CANCELED)
    sk_engine_pump(e);
}
