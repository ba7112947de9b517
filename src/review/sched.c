/* sched.c: what may start now (see sched.h): the in-flight window, the
 * rate buckets, the budget and the retry policy. No I/O and no timers: the
 * engine asks, then arms its own timer. */
#include "shipskip/review/sched.h"
#include "shipskip/review/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a final status names the endpoint or the key, not a request. */
static int auth_status(long status) {
  return status == 401 || status == 403 || status == 404 || status == 405;
}

/* The first pause of an open breaker before its probe. */
#define SK_SCHED_PROBE_MS 1000u

int sk_sched_init(struct sk_sched *s, const struct sk_engine_opts *o,
                  uint64_t now_ms, uint64_t seed) {
  size_t n = o->panel->n ? o->panel->n : 1;
  size_t nl = 0;
  size_t i;
  size_t j;

  memset(s, 0, sizeof(*s));
  s->npersonas = o->panel->n;
  s->concurrency = o->concurrency;
  s->cwnd = (double)o->concurrency;
  s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
  s->budget_usd = o->budget_usd;
  s->max_retries = o->max_retries;
  s->retry_base_ms = o->retry_base_ms;
  s->retry_cap_ms = o->retry_cap_ms;
  s->max_retry_wait_ms = o->max_retry_wait_ms;
  s->limits = calloc(n, sizeof(*s->limits));
  s->limit_of = calloc(n, sizeof(*s->limit_of));
  if (s->limits == NULL || s->limit_of == NULL)
    return SK_ENOMEM;
  for (i = 0; i < o->panel->n; i++) {
    const struct sk_provider_def *d = o->routes[i].provider;
    for (j = 0; j < i; j++)
      if (o->routes[j].provider == d)
        break;
    if (j < i) {
      s->limit_of[i] = s->limit_of[j];
      continue;
    }
    /* The provider's own limits from the config win over the command
     * line's, which apply to each provider. */
    sk_bucket_init(&s->limits[nl].rpm, d->rpm > 0 ? d->rpm : o->rpm, now_ms);
    sk_bucket_init(&s->limits[nl].tpm, d->tpm > 0 ? d->tpm : o->tpm, now_ms);
    /* Three outage failures in a row open the breaker: one could be a
     * dropped connection, three with no answer between are the server.
     * Probes start a second apart and stretch to the backoff cap, so a
     * long outage costs one request per cap, not one per review. */
    s->limits[nl].max_retry_time_ms =
        d->has_max_retry_time ? d->max_retry_time_ms : o->max_retry_time_ms;
    sk_breaker_init(&s->limits[nl].breaker, 3, SK_SCHED_PROBE_MS,
                    o->retry_cap_ms > SK_SCHED_PROBE_MS
                        ? (uint64_t)o->retry_cap_ms
                        : SK_SCHED_PROBE_MS);
    s->limit_of[i] = nl++;
  }
  return 0;
}

void sk_sched_cleanup(struct sk_sched *s) {
  free(s->limits);
  free(s->limit_of);
  s->limits = NULL;
  s->limit_of = NULL;
}

size_t sk_sched_window(const struct sk_sched *s) {
  return s->cwnd < 1 ? 1 : (size_t)(long)s->cwnd;
}

uint64_t sk_sched_rate_wait(struct sk_sched *s, size_t persona, long tokens,
                            uint64_t now) {
  struct sk_sched_limit *lim = &s->limits[s->limit_of[persona]];
  uint64_t wait = sk_bucket_wait_ms(&lim->rpm, 1, now);
  uint64_t wait_t = sk_bucket_wait_ms(&lim->tpm, (double)tokens, now);

  if (wait_t > wait)
    wait = wait_t;
  if (lim->paused_until_ms > now && lim->paused_until_ms - now > wait)
    wait = lim->paused_until_ms - now;
  wait_t = sk_breaker_wait(&lim->breaker, now);
  if (wait_t > wait)
    wait = wait_t;
  /* Enough identical final errors to judge by: send nothing more to this
   * provider until what is in flight answers (the engine decides then). */
  if (lim->endpoint == SK_ENDPOINT_UNPROVEN &&
      lim->nfinal >= SK_SCHED_WRONG_AFTER && wait < SK_SCHED_PROBE_MS)
    wait = SK_SCHED_PROBE_MS;
  return wait;
}

void sk_sched_charge(struct sk_sched *s, size_t persona, long tokens,
                     double cost_usd, uint64_t now) {
  struct sk_sched_limit *lim = &s->limits[s->limit_of[persona]];
  sk_bucket_take(&lim->rpm, 1, now);
  sk_bucket_take(&lim->tpm, (double)tokens, now);
  sk_breaker_sent(&lim->breaker, now);
  s->committed_usd += cost_usd;
}

struct sk_breaker *sk_sched_breaker(struct sk_sched *s, size_t persona) {
  return &s->limits[s->limit_of[persona]].breaker;
}

int sk_sched_waiting_server(const struct sk_sched *s) {
  size_t i;
  for (i = 0; i < s->npersonas; i++)
    if (s->limits[s->limit_of[i]].breaker.state != SK_BREAKER_CLOSED)
      return 1;
  return 0;
}

long sk_sched_retry_time(const struct sk_sched *s, size_t persona) {
  return s->limits[s->limit_of[persona]].max_retry_time_ms;
}

int sk_sched_retry_in_time(const struct sk_sched *s, size_t persona,
                           uint64_t since_ms, uint64_t wait_ms,
                           uint64_t now_ms) {
  long limit = sk_sched_retry_time(s, persona);
  if (limit <= 0 || now_ms < since_ms)
    return 1;
  return now_ms - since_ms + wait_ms <= (uint64_t)limit;
}

enum sk_endpoint_verdict sk_sched_final(struct sk_sched *s, size_t persona,
                                        long status, const char *msg,
                                        const void *tool) {
  struct sk_sched_limit *lim = &s->limits[s->limit_of[persona]];
  char line[sizeof(lim->final_msg)];
  int same;

  if (lim->endpoint != SK_ENDPOINT_UNPROVEN)
    return lim->endpoint == SK_ENDPOINT_WRONG ? SK_ENDPOINT_IS_WRONG
                                              : SK_ENDPOINT_FAIL;
  snprintf(line, sizeof(line), "%s", msg != NULL ? msg : "");
  if (lim->nfinal == 0) {
    lim->final_status = status;
    lim->final_tool = tool;
    memcpy(lim->final_msg, line, sizeof(line));
  }
  /* "Not found" and "unauthorized" name the endpoint or the key, not the
   * request: any text will do. Other statuses must repeat the message. */
  same = status == lim->final_status &&
         (auth_status(status) || strcmp(line, lim->final_msg) == 0);
  if (!same) {
    lim->endpoint = SK_ENDPOINT_PROVEN;
    return SK_ENDPOINT_RELEASE;
  }
  if (tool != lim->final_tool)
    lim->multi_tool = 1;
  lim->nfinal++;
  return SK_ENDPOINT_HOLD;
}

enum sk_endpoint_verdict sk_sched_decide(struct sk_sched *s, size_t persona) {
  struct sk_sched_limit *lim = &s->limits[s->limit_of[persona]];
  if (lim->endpoint != SK_ENDPOINT_UNPROVEN)
    return lim->endpoint == SK_ENDPOINT_WRONG ? SK_ENDPOINT_IS_WRONG
                                              : SK_ENDPOINT_FAIL;
  if (lim->nfinal >= SK_SCHED_WRONG_AFTER &&
      (auth_status(lim->final_status) || lim->multi_tool)) {
    lim->endpoint = SK_ENDPOINT_WRONG;
    return SK_ENDPOINT_IS_WRONG;
  }
  lim->endpoint = SK_ENDPOINT_PROVEN;
  return SK_ENDPOINT_RELEASE;
}

int sk_sched_endpoint_gated(const struct sk_sched *s) {
  size_t i;
  for (i = 0; i < s->npersonas; i++) {
    const struct sk_sched_limit *lim = &s->limits[s->limit_of[i]];
    if (lim->endpoint == SK_ENDPOINT_UNPROVEN &&
        lim->nfinal >= SK_SCHED_WRONG_AFTER)
      return 1;
  }
  return 0;
}

int sk_sched_proven(struct sk_sched *s, size_t persona) {
  struct sk_sched_limit *lim = &s->limits[s->limit_of[persona]];
  if (lim->endpoint != SK_ENDPOINT_UNPROVEN)
    return 0;
  lim->endpoint = SK_ENDPOINT_PROVEN;
  return 1;
}

enum sk_endpoint_state sk_sched_endpoint(const struct sk_sched *s,
                                         size_t persona) {
  return s->limits[s->limit_of[persona]].endpoint;
}

int sk_sched_over_budget(const struct sk_sched *s, double cost_usd) {
  return s->budget_usd > 0 &&
         s->spent_usd + s->committed_usd + cost_usd > s->budget_usd;
}

/* The server's own count wins over our estimate: when it says nothing is
 * left, hold this provider's requests until its reset. */
static void pause_if_spent(struct sk_sched *s, struct sk_sched_limit *lim,
                           const struct sk_ratelimit *rl, uint64_t now) {
  long reset = -1;
  if (rl->requests_remaining == 0 && rl->requests_reset_ms > reset)
    reset = rl->requests_reset_ms;
  if (rl->tokens_remaining == 0 && rl->tokens_reset_ms > reset)
    reset = rl->tokens_reset_ms;
  if (reset > 0 && reset <= s->max_retry_wait_ms) {
    uint64_t until = now + (uint64_t)reset;
    if (until > lim->paused_until_ms)
      lim->paused_until_ms = until;
  }
}

void sk_sched_settle(struct sk_sched *s, size_t persona, long est_tokens,
                     double est_cost, const struct sk_chat_result *cr,
                     long status, double cost_usd, uint64_t now) {
  struct sk_sched_limit *lim = &s->limits[s->limit_of[persona]];
  long used = cr->prompt_tokens + cr->completion_tokens;

  s->committed_usd -= est_cost;
  s->spent_usd += cost_usd;
  /* Correct the --tpm charge with what the server counted. */
  if (used > 0)
    sk_bucket_adjust(&lim->tpm, (double)(used - est_tokens), now);
  pause_if_spent(s, lim, &cr->ratelimit, now);
  if (status == 429 && cr->outcome == SK_OUTCOME_RETRY) {
    /* Congestion: halve the in-flight target, at most once a second so a
     * burst of 429s from one round counts once. */
    if (now - s->last_cut_ms >= 1000 || s->last_cut_ms == 0) {
      s->cwnd = s->cwnd / 2 < 1 ? 1 : s->cwnd / 2;
      s->last_cut_ms = now;
    }
  } else if (cr->outcome == SK_OUTCOME_OK && s->cwnd < (double)s->concurrency) {
    /* Recover one slot per window's worth of successes. */
    s->cwnd += 1.0 / s->cwnd;
    if (s->cwnd > (double)s->concurrency)
      s->cwnd = (double)s->concurrency;
  }
}

static uint64_t next_rand(struct sk_sched *s) {
  /* xorshift64*: jitter only needs to decorrelate clients, not be secure. */
  s->rng ^= s->rng >> 12;
  s->rng ^= s->rng << 25;
  s->rng ^= s->rng >> 27;
  return s->rng * 2685821657736338717ULL;
}

enum sk_retry_verdict sk_sched_retry(struct sk_sched *s, int retries,
                                     long retry_after_ms, int no_wait,
                                     uint64_t *wait_ms) {
  *wait_ms = 0;
  if (retry_after_ms > s->max_retry_wait_ms)
    return SK_RETRY_TOO_LONG;
  if (retries >= s->max_retries)
    return SK_RETRY_GIVE_UP;
  if (no_wait) {
    *wait_ms = 0;
  } else if (retry_after_ms >= 0) {
    uint64_t spread = (uint64_t)retry_after_ms / 10 + 1;
    *wait_ms = (uint64_t)retry_after_ms + next_rand(s) % spread;
  } else {
    uint64_t step = (uint64_t)s->retry_base_ms << (retries < 16 ? retries : 16);
    if (step > (uint64_t)s->retry_cap_ms)
      step = (uint64_t)s->retry_cap_ms;
    *wait_ms = step / 2 + next_rand(s) % (step / 2 + 1);
  }
  return SK_RETRY_AFTER;
}
