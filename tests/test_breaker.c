/* test_breaker.c: the circuit breaker per provider: a run of outage
 * failures opens it, one probe goes after a pause that doubles up to a cap,
 * any real answer closes it, and only the failures before it opened are
 * charged to their reviews. */
#include "harness.h"
#include "shipskip/review/breaker.h"

TEST(closed_until_threshold_then_open) {
  struct sk_breaker b;
  sk_breaker_init(&b, 3, 1000, 8000);
  ASSERT_INT_EQ(sk_breaker_wait(&b, 0), 0);
  ASSERT_INT_EQ(sk_breaker_failure(&b, 100), SK_BREAKER_CHARGED);
  ASSERT_INT_EQ(sk_breaker_failure(&b, 110), SK_BREAKER_CHARGED);
  ASSERT_INT_EQ(sk_breaker_wait(&b, 120), 0);
  ASSERT_INT_EQ(sk_breaker_failure(&b, 120), SK_BREAKER_OPENED);
  ASSERT_INT_EQ(b.state, SK_BREAKER_OPEN);
  ASSERT_INT_EQ(sk_breaker_wait(&b, 120), 1000);
  ASSERT_INT_EQ(sk_breaker_wait(&b, 620), 500);
  /* Requests sent before it opened fail too: absorbed, the pause kept. */
  ASSERT_INT_EQ(sk_breaker_failure(&b, 130), SK_BREAKER_ABSORBED);
  ASSERT_INT_EQ(sk_breaker_wait(&b, 130), 990);
  ASSERT_INT_EQ(sk_breaker_down_ms(&b, 1100), 1000);
}

TEST(a_success_between_failures_keeps_it_closed) {
  struct sk_breaker b;
  sk_breaker_init(&b, 2, 1000, 8000);
  ASSERT_INT_EQ(sk_breaker_failure(&b, 0), SK_BREAKER_CHARGED);
  ASSERT_INT_EQ(sk_breaker_success(&b), 0);
  ASSERT_INT_EQ(sk_breaker_down_ms(&b, 50), 0);
  ASSERT_INT_EQ(sk_breaker_failure(&b, 100), SK_BREAKER_CHARGED);
  ASSERT_INT_EQ(b.state, SK_BREAKER_CLOSED);
}

TEST(one_probe_with_doubling_pause_up_to_cap) {
  struct sk_breaker b;
  uint64_t now = 0;
  uint64_t want[] = {2000, 4000, 5000, 5000};
  size_t i;
  sk_breaker_init(&b, 1, 1000, 5000);
  ASSERT_INT_EQ(sk_breaker_failure(&b, now), SK_BREAKER_OPENED);
  now += 1000;
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    ASSERT_INT_EQ(sk_breaker_wait(&b, now), 0);
    sk_breaker_sent(&b, now); /* the probe */
    ASSERT_INT_EQ(b.state, SK_BREAKER_PROBING);
    /* Nothing else goes while the probe is out. */
    ASSERT(sk_breaker_wait(&b, now) > 0);
    ASSERT_INT_EQ(sk_breaker_failure(&b, now + 5), SK_BREAKER_ABSORBED);
    ASSERT_INT_EQ(sk_breaker_wait(&b, now + 5), want[i]);
    now += 5 + want[i];
  }
  ASSERT_INT_EQ(sk_breaker_down_ms(&b, now), now);
  /* The server is back: the probe's answer closes it. */
  sk_breaker_sent(&b, now);
  ASSERT_INT_EQ(sk_breaker_success(&b), 1);
  ASSERT_INT_EQ(b.state, SK_BREAKER_CLOSED);
  ASSERT_INT_EQ(sk_breaker_wait(&b, now), 0);
  /* The next outage starts from the first pause again. */
  ASSERT_INT_EQ(sk_breaker_failure(&b, now), SK_BREAKER_OPENED);
  ASSERT_INT_EQ(sk_breaker_wait(&b, now), 1000);
}

TEST(sending_early_is_not_a_probe) {
  struct sk_breaker b;
  sk_breaker_init(&b, 1, 1000, 1000);
  sk_breaker_failure(&b, 0);
  sk_breaker_sent(&b, 500);
  ASSERT_INT_EQ(b.state, SK_BREAKER_OPEN);
  sk_breaker_sent(&b, 1000);
  ASSERT_INT_EQ(b.state, SK_BREAKER_PROBING);
  /* A probe that could not be sent does not block the provider forever:
   * the next request is the probe. */
  sk_breaker_unsent(&b);
  ASSERT_INT_EQ(b.state, SK_BREAKER_OPEN);
  ASSERT_INT_EQ(sk_breaker_wait(&b, 1001), 0);
  sk_breaker_sent(&b, 1001);
  ASSERT_INT_EQ(b.state, SK_BREAKER_PROBING);
  /* Closed, it changes nothing. */
  sk_breaker_success(&b);
  sk_breaker_unsent(&b);
  ASSERT_INT_EQ(b.state, SK_BREAKER_CLOSED);
}

int main(void) {
  RUN(closed_until_threshold_then_open);
  RUN(a_success_between_failures_keeps_it_closed);
  RUN(one_probe_with_doubling_pause_up_to_cap);
  RUN(sending_early_is_not_a_probe);
  return TEST_REPORT();
}
