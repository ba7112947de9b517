/* bucket.c: token bucket arithmetic (see bucket.h). */
#include "shipskip/util/bucket.h"

#include <math.h>

void sk_bucket_init(struct sk_bucket *b, double per_minute, uint64_t now_ms) {
  b->per_ms = per_minute > 0 ? per_minute / 60000.0 : 0;
  b->capacity = per_minute > 0 ? per_minute / 6.0 : 0;
  if (per_minute > 0 && b->capacity < 1)
    b->capacity = 1;
  b->level = b->capacity;
  b->last_ms = now_ms;
}

static void refill(struct sk_bucket *b, uint64_t now_ms) {
  if (now_ms > b->last_ms) {
    b->level += (double)(now_ms - b->last_ms) * b->per_ms;
    if (b->level > b->capacity)
      b->level = b->capacity;
  }
  b->last_ms = now_ms;
}

uint64_t sk_bucket_wait_ms(struct sk_bucket *b, double amount,
                           uint64_t now_ms) {
  double need;
  if (b->per_ms <= 0)
    return 0;
  refill(b, now_ms);
  need = amount < b->capacity ? amount : b->capacity;
  if (b->level >= need)
    return 0;
  return (uint64_t)ceil((need - b->level) / b->per_ms);
}

void sk_bucket_take(struct sk_bucket *b, double amount, uint64_t now_ms) {
  if (b->per_ms <= 0)
    return;
  refill(b, now_ms);
  b->level -= amount;
}

void sk_bucket_adjust(struct sk_bucket *b, double delta, uint64_t now_ms) {
  if (b->per_ms <= 0)
    return;
  refill(b, now_ms);
  b->level -= delta;
  if (b->level > b->capacity)
    b->level = b->capacity;
}
