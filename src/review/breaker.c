/* breaker.c: the circuit breaker of one provider (see breaker.h). Its
 * state changes only in the functions here, each a small transition. */
#include "shipskip/review/breaker.h"

#include <assert.h>
#include <string.h>

void sk_breaker_init(struct sk_breaker *b, int threshold, uint64_t base_ms,
                     uint64_t cap_ms) {
  assert(threshold >= 1 && cap_ms >= base_ms);
  memset(b, 0, sizeof(*b));
  b->state = SK_BREAKER_CLOSED;
  b->threshold = threshold;
  b->base_ms = base_ms;
  b->cap_ms = cap_ms;
  b->pause_ms = base_ms;
}

uint64_t sk_breaker_wait(const struct sk_breaker *b, uint64_t now_ms) {
  switch (b->state) {
  case SK_BREAKER_CLOSED:
    return 0;
  case SK_BREAKER_OPEN:
    return b->probe_at_ms > now_ms ? b->probe_at_ms - now_ms : 0;
  case SK_BREAKER_PROBING:
    break;
  }
  /* The probe's answer ends this wait early (the engine pumps on every
   * answer); base_ms only bounds how long nobody looks. */
  return b->base_ms > 0 ? b->base_ms : 1;
}

void sk_breaker_sent(struct sk_breaker *b, uint64_t now_ms) {
  if (b->state == SK_BREAKER_OPEN && now_ms >= b->probe_at_ms)
    b->state = SK_BREAKER_PROBING;
}

void sk_breaker_unsent(struct sk_breaker *b) {
  /* probe_at_ms has passed (the probe was due): the next request probes. */
  if (b->state == SK_BREAKER_PROBING)
    b->state = SK_BREAKER_OPEN;
}

/* Opens b at now_ms for the current pause. */
static void open_for(struct sk_breaker *b, uint64_t now_ms) {
  b->state = SK_BREAKER_OPEN;
  b->probe_at_ms = now_ms + b->pause_ms;
}

enum sk_breaker_verdict sk_breaker_failure(struct sk_breaker *b,
                                           uint64_t now_ms) {
  switch (b->state) {
  case SK_BREAKER_CLOSED:
    if (b->failures++ == 0)
      b->down_since_ms = now_ms;
    if (b->failures < b->threshold)
      return SK_BREAKER_CHARGED;
    b->pause_ms = b->base_ms;
    open_for(b, now_ms);
    return SK_BREAKER_OPENED;
  case SK_BREAKER_OPEN:
    /* A request sent before it opened: the pause already counts it. */
    return SK_BREAKER_ABSORBED;
  case SK_BREAKER_PROBING:
    break;
  }
  /* The probe failed: wait twice as long before the next one, so a long
   * outage costs a request every cap_ms, not one per queued review. */
  b->pause_ms = b->pause_ms * 2 > b->cap_ms ? b->cap_ms : b->pause_ms * 2;
  open_for(b, now_ms);
  return SK_BREAKER_ABSORBED;
}

int sk_breaker_success(struct sk_breaker *b) {
  int was_down = b->state != SK_BREAKER_CLOSED;
  b->state = SK_BREAKER_CLOSED;
  b->failures = 0;
  b->pause_ms = b->base_ms;
  return was_down;
}

uint64_t sk_breaker_down_ms(const struct sk_breaker *b, uint64_t now_ms) {
  if (b->failures == 0 || now_ms < b->down_since_ms)
    return 0;
  return now_ms - b->down_since_ms;
}
