/* test_bucket.c: token bucket arithmetic behind --rpm and --tpm. */
#include "harness.h"
#include "shipskip/util/bucket.h"

TEST(unlimited_never_waits) {
  struct sk_bucket b;
  sk_bucket_init(&b, 0, 0);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 1e9, 0), 0);
}

TEST(burst_then_rate) {
  struct sk_bucket b;
  int i;
  /* 60 requests a minute: a 10-request burst, then one a second. */
  sk_bucket_init(&b, 60, 1000);
  for (i = 0; i < 10; i++) {
    ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 1, 1000), 0);
    sk_bucket_take(&b, 1, 1000);
  }
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 1, 1000), 1000);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 1, 1500), 500);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 1, 2000), 0);
  sk_bucket_take(&b, 1, 2000);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 1, 2000), 1000);
}

TEST(large_amount_waits_for_a_full_bucket) {
  struct sk_bucket b;
  /* 6000 tokens a minute: capacity 1000; a 5000-token request goes once
   * the bucket is full and leaves it in debt. */
  sk_bucket_init(&b, 6000, 0);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 5000, 0), 0);
  sk_bucket_take(&b, 5000, 0);
  /* 4000 in debt + 1000 to fill: 5000 tokens at 100 per second. */
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 5000, 0), 50000);
}

TEST(corrections_after_the_fact) {
  struct sk_bucket b;
  sk_bucket_init(&b, 600, 0); /* capacity 100, 10 per second */
  sk_bucket_take(&b, 100, 0);
  /* The estimate was 100, the server said 40: 60 come back. */
  sk_bucket_adjust(&b, -60, 0);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 60, 0), 0);
  /* Never above capacity. */
  sk_bucket_adjust(&b, -1000, 0);
  ASSERT(b.level <= b.capacity);
  /* More used than estimated: the debt delays the next request. */
  sk_bucket_adjust(&b, 150, 0);
  ASSERT_INT_EQ(sk_bucket_wait_ms(&b, 10, 0), 6000);
}

int main(void) {
  RUN(unlimited_never_waits);
  RUN(burst_then_rate);
  RUN(large_amount_waits_for_a_full_bucket);
  RUN(corrections_after_the_fact);
  return TEST_REPORT();
}
