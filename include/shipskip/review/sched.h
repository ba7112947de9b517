/* sched.h: what may start now: the adaptive in-flight window, the rate
 * buckets per provider, the budget, and the retry policy (exponential
 * backoff with jitter, or the server's Retry-After).
 *
 * Pure arithmetic over times the caller passes in (milliseconds on the
 * loop's clock): the engine owns the timers and asks here how long to wait.
 * Personas on one provider share its buckets.
 */
#ifndef SHIPSKIP_SCHED_H
#define SHIPSKIP_SCHED_H

#include "shipskip/model/config.h"
#include "shipskip/review/breaker.h"
#include "shipskip/providers/provider.h"
#include "shipskip/util/bucket.h"
#include "shipskip/util/error.h"

#include <stddef.h>
#include <stdint.h>

struct sk_engine_opts;

/* The first final errors of a provider that never answered: as many as
 * this, all the same, and its endpoint is taken for wrong. */
#define SK_SCHED_WRONG_AFTER 3

/* What a provider's answers so far say about its endpoint. */
enum sk_endpoint_state {
  SK_ENDPOINT_UNPROVEN = 0, /* only final errors, all the same, so far */
  SK_ENDPOINT_PROVEN,       /* it answered, or its errors differ */
  SK_ENDPOINT_WRONG         /* decided: every first answer the same error */
};

/* One provider's limits. */
struct sk_sched_limit {
  struct sk_bucket rpm;
  struct sk_bucket tpm;
  uint64_t paused_until_ms;  /* the server said its budget is spent */
  struct sk_breaker breaker; /* outages: breaker.h */
  enum sk_endpoint_state endpoint;
  int nfinal;             /* identical final errors so far, while UNPROVEN */
  const void *final_tool; /* the first one's tool (an identity) */
  int multi_tool;         /* they came from more than one tool */
  long final_status;      /* the first one's HTTP status */
  char final_msg[128];    /* and its message (cut) */
  long max_retry_time_ms; /* the provider's, else --max-retry-time */
};

struct sk_sched {
  struct sk_sched_limit *limits; /* one per provider used */
  size_t *limit_of;              /* persona i's index into limits */
  size_t npersonas;
  int concurrency;      /* the most requests in flight */
  double cwnd;          /* in-flight target, 1..concurrency */
  uint64_t last_cut_ms; /* when the window was last halved */
  uint64_t rng;         /* xorshift64* state, for jitter */
  double budget_usd;    /* 0: none */
  double spent_usd;     /* cost of the answers so far */
  double committed_usd; /* estimated cost of the requests in flight */
  int max_retries;
  long retry_base_ms;
  long retry_cap_ms;
  long max_retry_wait_ms;
};

/* Sets s up for opts's panel and routes at now_ms, with seed for jitter.
 * A provider's own rpm/tpm (config) win over opts->rpm/tpm. Returns 0 or
 * SK_ENOMEM. Free with sk_sched_cleanup (also after a failure). */
int sk_sched_init(struct sk_sched *s, const struct sk_engine_opts *opts,
                  uint64_t now_ms, uint64_t seed);

/* Frees what s holds. */
void sk_sched_cleanup(struct sk_sched *s);

/* How many requests may be in flight now (the window, >= 1). */
size_t sk_sched_window(const struct sk_sched *s);

/* How long persona's next request of `tokens` must wait for its provider's
 * limits: 0 = it may go now. */
uint64_t sk_sched_rate_wait(struct sk_sched *s, size_t persona, long tokens,
                            uint64_t now_ms);

/* Charges a request being sent: one request and `tokens` to the buckets,
 * cost_usd to the spend committed in flight. */
void sk_sched_charge(struct sk_sched *s, size_t persona, long tokens,
                     double cost_usd, uint64_t now_ms);

/* Returns 1 when starting a request of cost_usd could pass the budget. */
int sk_sched_over_budget(const struct sk_sched *s, double cost_usd);

/* Settles an answered request charged with (est_tokens, est_cost): the
 * real usage corrects --tpm, the real cost (cost_usd, 0 without a price)
 * replaces the estimate, a server that says its limit is spent pauses the
 * provider until its reset (when that is within max_retry_wait), and the
 * outcome steers the window: a 429 halves it (at most once a second), a
 * success grows it back by one slot per window's worth. */
void sk_sched_settle(struct sk_sched *s, size_t persona, long est_tokens,
                     double est_cost, const struct sk_chat_result *cr,
                     long status, double cost_usd, uint64_t now_ms);

/* The breaker of persona's provider (breaker.h). */
struct sk_breaker *sk_sched_breaker(struct sk_sched *s, size_t persona);

/* Returns 1 when some provider's breaker is not closed (the run is waiting
 * for a server), else 0. */
int sk_sched_waiting_server(const struct sk_sched *s);

/* The retry time budget of persona's provider (its config's
 * max_retry_time, else --max-retry-time): 0 for none. */
long sk_sched_retry_time(const struct sk_sched *s, size_t persona);

/* Returns 1 when a retry of persona's review that waits wait_ms from now_ms
 * still ends within its provider's retry time of since_ms (the review's
 * first retried failure), or when there is no time budget; 0 when it is
 * spent. */
int sk_sched_retry_in_time(const struct sk_sched *s, size_t persona,
                           uint64_t since_ms, uint64_t wait_ms,
                           uint64_t now_ms);

/* What a final error tells about persona's provider. */
enum sk_endpoint_verdict {
  SK_ENDPOINT_FAIL = 0, /* the provider has answered: fail the review */
  SK_ENDPOINT_HOLD,     /* not yet known: hold the review back */
  SK_ENDPOINT_RELEASE,  /* known now to be the review's own error: fail it
                           and the held ones */
  SK_ENDPOINT_IS_WRONG  /* the endpoint is wrong: stop the run */
};

/* Notes a final HTTP error (status, one-line msg) of tool (any pointer
 * naming it) from persona's provider. While the provider has never
 * answered, the same error again is HOLD; a different one makes it
 * PROVEN (RELEASE); once WRONG, IS_WRONG. */
enum sk_endpoint_verdict sk_sched_final(struct sk_sched *s, size_t persona,
                                        long status, const char *msg,
                                        const void *tool);

/* Decides persona's provider's endpoint from the final errors held so
 * far, when no other answer is coming: IS_WRONG (now WRONG) when at least
 * SK_SCHED_WRONG_AFTER came, all the same, and either say the endpoint or
 * key is wrong (401, 403, 404, 405) or came from more than one tool (the
 * same 400 for every persona of one tool is that tool's); else RELEASE
 * (now PROVEN). FAIL when it was decided already. */
enum sk_endpoint_verdict sk_sched_decide(struct sk_sched *s, size_t persona);

/* Returns 1 when some provider has SK_SCHED_WRONG_AFTER identical final
 * errors held and no decision: its requests wait (sk_sched_rate_wait)
 * until what is in flight has answered. */
int sk_sched_endpoint_gated(const struct sk_sched *s);

/* Notes a real answer from persona's provider (a reply, a 429, a 408):
 * its endpoint is PROVEN. Returns 1 when it was UNPROVEN (held reviews
 * can go), else 0. */
int sk_sched_proven(struct sk_sched *s, size_t persona);

/* The endpoint state of persona's provider. */
enum sk_endpoint_state sk_sched_endpoint(const struct sk_sched *s,
                                         size_t persona);

/* The retry policy for a review retried `retries` times so far. */
enum sk_retry_verdict {
  SK_RETRY_AFTER = 0, /* retry after *wait_ms */
  SK_RETRY_GIVE_UP,   /* out of retries */
  SK_RETRY_TOO_LONG   /* the server asked for longer than max_retry_wait */
};

/* Decides whether and when to retry: retry_after_ms is the server's ask
 * (-1 none); an ask past max_retry_wait is TOO_LONG even on the last
 * retry (the reason is worth more than "out of retries"); with no_wait
 * (replaying: no server to spare) the retry goes at once. Otherwise Retry-After
 * plus up to 10% (so a crowd does not return as one), or an exponential step
 * from retry_base to retry_cap with equal jitter (half fixed, half random). */
enum sk_retry_verdict sk_sched_retry(struct sk_sched *s, int retries,
                                     long retry_after_ms, int no_wait,
                                     uint64_t *wait_ms);

#endif
