/* bucket.h: a token bucket, the arithmetic behind --rpm and --tpm.
 *
 * The bucket refills continuously at rate per minute up to a capacity of
 * ten seconds' worth (at least 1), so a batch starts with a short burst and
 * then runs at the rate, never into a 429 that waiting would have avoided.
 * Times are milliseconds on any monotonic clock. Pure arithmetic: the engine
 * owns the timers.
 */
#ifndef SHIPSKIP_BUCKET_H
#define SHIPSKIP_BUCKET_H

#include <stdint.h>

struct sk_bucket {
  double per_ms; /* refill rate; 0 = unlimited */
  double capacity;
  double level; /* may go below 0 after a correction */
  uint64_t last_ms;
};

/* Sets up a bucket for per_minute units (0 = unlimited), full at now_ms. */
void sk_bucket_init(struct sk_bucket *b, double per_minute, uint64_t now_ms);

/* Returns how many ms until amount can be taken (0 = now). An amount larger
 * than the capacity is allowed once the bucket is full. */
uint64_t sk_bucket_wait_ms(struct sk_bucket *b, double amount, uint64_t now_ms);

/* Takes amount (call when sk_bucket_wait_ms said 0). */
void sk_bucket_take(struct sk_bucket *b, double amount, uint64_t now_ms);

/* Adjusts by delta after the fact (an estimate corrected by actual usage):
 * positive takes more, negative gives back, never above capacity. */
void sk_bucket_adjust(struct sk_bucket *b, double delta, uint64_t now_ms);

#endif
