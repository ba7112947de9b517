/* request.c: one review's requests (see run.h): build and send the next
 * one, take its answer, and decide: accept the review, re-ask with the
 * failures quoted, retry later (a transport error, 429, 408, 5xx), or fail
 * it. Every decision is a state transition of the review (run.c); when and
 * how long to wait is sched.c's.
 *
 * Structured output: a route whose provider asks for it sends the
 * persona's reply schema (model/schema.h) in the provider's native form;
 * a 400 naming that form turns the route (provider and model) to the text
 * contract for the rest of the run, said once, and the request is sent
 * again at once without counting the failed try. A reply cut off at the
 * token limit is asked again once with twice the limit, never the same. */
#include "shipskip/model/schema.h"
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
 * whole reply limit (or a typical review) as output; 0 with no price. */
double sk_request_cost(const struct sk_engine *e, const struct sk_run *rr) {
  const struct sk_route *route = sk_engine_route(e, rr->idx);
  long maxtok = persona_max_tokens(e, rr->idx);
  long out = maxtok > 0 ? maxtok : 400;
  if (route->price == NULL)
    return 0;
  return sk_price_cost(route->price, sk_request_tokens(e, rr) - out, out);
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
  rc = route->provider->impl->build(&route->provider->conf, &req, &wire, err);
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
  rc = sk_transport_submit(e->tr, &wire, &info, on_response, rr, err);
  sk_wire_request_cleanup(&wire);
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
  e->st->requests++;
  sk_run_set_state(e, rr, SK_RUN_IN_FLIGHT);
  sk_run_event(rr, SK_EVENT_REQUEST, &ev);
  sk_engine_emit(e, &ev);
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
  char msg[400];
  int no_wait = e->tr != NULL && sk_transport_is_replay(e->tr);

  switch (
      sk_sched_retry(&e->sched, r->retries, retry_after_ms, no_wait, &wait)) {
  case SK_RETRY_GIVE_UP:
    snprintf(msg, sizeof(msg), "gave up after %d retr%s: %s", r->retries,
             r->retries == 1 ? "y" : "ies", why);
    sk_request_fail(e, rr, msg);
    return;
  case SK_RETRY_TOO_LONG:
    snprintf(msg, sizeof(msg),
             "%s; the server asked to wait %ld s, longer than "
             "--max-retry-wait %ld s",
             why, retry_after_ms / 1000, e->o->max_retry_wait_ms / 1000);
    sk_request_fail(e, rr, msg);
    return;
  case SK_RETRY_AFTER:
    break;
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
    r->cost_usd += cost;
  }
  sk_sched_settle(&e->sched, rr->idx, rr->estimate, rr->est_cost, &cr,
                  res->status, cost, uv_now(&e->loop));
  rr->est_cost = 0;
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
      sk_request_fail(e, rr, cr.error);
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
