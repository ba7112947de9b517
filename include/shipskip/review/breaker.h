/* breaker.h: a circuit breaker per provider, so an outage costs a few
 * probes instead of every queued review's retries.
 *
 * A server that is down or restarting (connection refused, then 503 while
 * a model loads) fails each request in a millisecond. Without a breaker,
 * every queued review is started as a slot frees and spends its retries in
 * seconds. The breaker counts outage failures (no HTTP answer, or a 502,
 * 503, 504 or 529) in a row: `threshold` of them open it. While it
 * is open nothing is sent to that provider; after a pause one request goes
 * as a probe (PROBING). A probe that fails opens it again with the pause
 * doubled, up to a cap; any real answer (a reply, a 4xx, a 429) closes it.
 *
 * Pure arithmetic over times the caller passes in (milliseconds on the
 * loop's clock), like sched.c: no timers, no I/O. The engine asks how long
 * to wait and arms its own timer.
 */
#ifndef SHIPSKIP_BREAKER_H
#define SHIPSKIP_BREAKER_H

#include <stdint.h>

enum sk_breaker_state {
  SK_BREAKER_CLOSED = 0, /* requests go as the other limits allow */
  SK_BREAKER_OPEN,       /* nothing goes until probe_at_ms */
  SK_BREAKER_PROBING     /* one probe is out; nothing else goes */
};

struct sk_breaker {
  enum sk_breaker_state state; /* changed only in breaker.c */
  int threshold;               /* outage failures in a row that open it */
  int failures;                /* outage failures in a row so far */
  uint64_t base_ms;            /* the first pause before a probe */
  uint64_t cap_ms;             /* the longest pause between probes */
  uint64_t pause_ms;           /* the current pause */
  uint64_t probe_at_ms;        /* OPEN: when the probe may go */
  uint64_t down_since_ms;      /* when the failures in a row began */
};

/* What a failure did to the breaker, and so to the review it ended. */
enum sk_breaker_verdict {
  SK_BREAKER_CHARGED = 0, /* closed and stays closed: an ordinary retry,
                             counted against the review's budget */
  SK_BREAKER_OPENED,      /* this failure opened it */
  SK_BREAKER_ABSORBED     /* it was open or probing already */
};

/* Sets b up closed: threshold failures in a row (>= 1) open it, probes
 * follow after base_ms, doubling up to cap_ms (>= base_ms). */
void sk_breaker_init(struct sk_breaker *b, int threshold, uint64_t base_ms,
                     uint64_t cap_ms);

/* How long a request must wait before it may be sent at now_ms: 0 now
 * (closed, or open with the probe due); the rest of the pause when open;
 * base_ms while a probe is out (its answer will decide; the caller
 * re-asks then). */
uint64_t sk_breaker_wait(const struct sk_breaker *b, uint64_t now_ms);

/* Notes a request sent at now_ms: when open and the probe is due, that
 * request is the probe (PROBING). */
void sk_breaker_sent(struct sk_breaker *b, uint64_t now_ms);

/* Notes that the request just noted by sk_breaker_sent() was never sent
 * after all: a probe that never went is due again (PROBING -> OPEN, probe
 * due now); otherwise nothing changes. */
void sk_breaker_unsent(struct sk_breaker *b);

/* Notes an outage failure at now_ms and says what it did: CHARGED while
 * fewer than threshold have come in a row, OPENED for the one that opens
 * it, ABSORBED when it was open already; a failed probe opens it again
 * with the pause doubled (up to cap_ms). */
enum sk_breaker_verdict sk_breaker_failure(struct sk_breaker *b,
                                           uint64_t now_ms);

/* Notes a real answer (the server is up): closes b. Returns 1 when it was
 * open or probing (the server came back), else 0. */
int sk_breaker_success(struct sk_breaker *b);

/* How long the failures in a row have gone on at now_ms: 0 when closed. */
uint64_t sk_breaker_down_ms(const struct sk_breaker *b, uint64_t now_ms);

#endif
