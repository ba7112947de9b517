/* run.c: a review's state, changed in one function (see run.h).
 *
 * sk_run_set_state() is the only place a review's state changes: it keeps
 * the engine's lists and counts in step with the state, tells the caller
 * (SK_EVENT_REVIEW_STATE), and hands a tool whose reviews are all final to
 * finish.c. Everything else asks for a transition; nothing sets a flag.
 */
#include "shipskip/review/run.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const char *sk_run_state_name(enum sk_run_state s) {
  switch (s) {
  case SK_RUN_NEW:
    return "new";
  case SK_RUN_READY:
    return "ready";
  case SK_RUN_IN_FLIGHT:
    return "in_flight";
  case SK_RUN_WAITING_RETRY:
    return "waiting_retry";
  case SK_RUN_DONE:
    return "done";
  case SK_RUN_FAILED:
    return "failed";
  case SK_RUN_ABANDONED:
    return "abandoned";
  }
  return "?";
}

static int is_final(enum sk_run_state s) {
  return s == SK_RUN_DONE || s == SK_RUN_FAILED || s == SK_RUN_ABANDONED;
}

/* The transitions the diagram in run.h allows. */
static int allowed(enum sk_run_state from, enum sk_run_state to) {
  switch (from) {
  case SK_RUN_NEW:
    return to == SK_RUN_READY || to == SK_RUN_DONE || to == SK_RUN_FAILED;
  case SK_RUN_READY:
    return to == SK_RUN_IN_FLIGHT || to == SK_RUN_FAILED ||
           to == SK_RUN_ABANDONED;
  case SK_RUN_IN_FLIGHT:
    return to == SK_RUN_READY || to == SK_RUN_WAITING_RETRY || is_final(to);
  case SK_RUN_WAITING_RETRY:
    return to == SK_RUN_READY || to == SK_RUN_ABANDONED;
  default:
    return 0; /* final states are final */
  }
}

void sk_run_event(const struct sk_run *rr, enum sk_event_kind kind,
                  struct sk_event *ev) {
  const struct sk_review *r = &rr->tool->reviews[rr->idx];
  memset(ev, 0, sizeof(*ev));
  ev->kind = kind;
  ev->slug = rr->tool->tool->slug;
  ev->origin = rr->tool->tool->origin;
  ev->persona = rr->e->o->panel->personas[rr->idx].name;
  ev->attempt = r->attempts;
  ev->retry = r->retries;
}

void sk_run_set_state(struct sk_engine *e, struct sk_run *rr,
                      enum sk_run_state to) {
  enum sk_run_state from = rr->state;
  struct sk_event ev;

  assert(allowed(from, to));
  (void)allowed; /* used only by the assert */
  sk_list_remove(&rr->node);
  if (from == SK_RUN_IN_FLIGHT)
    e->ninflight--;
  else if (from == SK_RUN_WAITING_RETRY)
    e->nwaiting--;
  rr->state = to;
  switch (to) {
  case SK_RUN_READY:
    if (from == SK_RUN_NEW)
      sk_list_push_back(&e->ready, &rr->node);
    else
      sk_list_push_front(&e->ready, &rr->node);
    break;
  case SK_RUN_IN_FLIGHT:
    sk_list_push_back(&e->inflight, &rr->node);
    e->ninflight++;
    break;
  case SK_RUN_WAITING_RETRY:
    sk_list_push_back(&e->waiting, &rr->node);
    e->nwaiting++;
    break;
  default:
    break;
  }
  sk_run_event(rr, SK_EVENT_REVIEW_STATE, &ev);
  ev.state = (int)to;
  ev.prev = (int)from;
  sk_engine_emit(e, &ev);
  if (is_final(to))
    sk_tool_release(e, rr->tool);
}

void sk_tool_release(struct sk_engine *e, struct sk_tool_run *tr) {
  if (--tr->pending == 0)
    sk_finish_tool(e, tr);
}

static void free_run(struct sk_run *rr) {
  size_t i;
  free(rr->system);
  free(rr->user);
  for (i = 0; i < rr->nturns; i++)
    free(rr->turns[i]);
  free(rr->turns);
}

void sk_tool_run_free(struct sk_tool_run *tr) {
  size_t i;
  if (tr == NULL)
    return;
  for (i = 0; tr->runs != NULL && i < tr->n; i++)
    free_run(&tr->runs[i]);
  for (i = 0; tr->reviews != NULL && i < tr->n; i++)
    sk_review_cleanup(&tr->reviews[i]);
  free(tr->runs);
  free(tr->reviews);
  free(tr->injection);
  cJSON_Delete(tr->history);
  sk_tool_free(tr->tool);
  free(tr);
}
