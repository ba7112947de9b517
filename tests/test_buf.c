/* test_buf.c: the capped growable buffer. */
#include "harness.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <string.h>

TEST(grows_and_stays_terminated) {
  struct sk_buf b;
  int i;
  sk_buf_init(&b, 1 << 20);
  ASSERT_STR_EQ(sk_buf_str(&b), "");
  for (i = 0; i < 1000; i++)
    ASSERT_INT_EQ(sk_buf_adds(&b, "abc"), 0);
  ASSERT_INT_EQ(b.len, 3000);
  ASSERT_INT_EQ(b.data[3000], '\0');
  ASSERT_INT_EQ(sk_buf_printf(&b, "%d-%s", 42, "x"), 0);
  ASSERT_STR_EQ(sk_buf_str(&b) + 3000, "42-x");
  sk_buf_cleanup(&b);
}

TEST(cap_is_enforced_and_leaves_buffer_intact) {
  struct sk_buf b;
  sk_buf_init(&b, 8);
  ASSERT_INT_EQ(sk_buf_adds(&b, "12345678"), 0);
  ASSERT_INT_EQ(sk_buf_adds(&b, "9"), SK_ETOOBIG);
  ASSERT_STR_EQ(sk_buf_str(&b), "12345678");
  ASSERT_INT_EQ(sk_buf_printf(&b, "%s", "more"), SK_ETOOBIG);
  ASSERT_INT_EQ(b.len, 8);
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_buf_adds(&b, "abc"), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), "abc");
  sk_buf_cleanup(&b);
}

TEST(grow_makes_room_once_within_the_cap) {
  struct sk_buf b;
  char *at = (char *)&b;
  sk_buf_init(&b, 10);
  ASSERT_INT_EQ(sk_buf_adds(&b, "ab"), 0);
  ASSERT_INT_EQ(sk_buf_grow(&b, 5, &at), 0);
  ASSERT(at == b.data + 2);
  memcpy(at, "cdefg", 5);
  ASSERT_INT_EQ(b.len, 7);
  ASSERT_INT_EQ(b.data[7], '\0');
  ASSERT_STR_EQ(sk_buf_str(&b), "abcdefg");
  /* Past the cap: nothing changes, and no room is handed out. */
  ASSERT_INT_EQ(sk_buf_grow(&b, 4, &at), SK_ETOOBIG);
  ASSERT(at == NULL);
  ASSERT_STR_EQ(sk_buf_str(&b), "abcdefg");
  ASSERT_INT_EQ(sk_buf_grow(&b, 0, &at), 0);
  ASSERT_INT_EQ(b.len, 7);
  sk_buf_cleanup(&b);
}

TEST(take_hands_over_and_empties) {
  struct sk_buf b;
  char *s;
  sk_buf_init(&b, 100);
  s = sk_buf_take(&b);
  ASSERT_STR_EQ(s, "");
  free(s);
  ASSERT_INT_EQ(sk_buf_adds(&b, "hello"), 0);
  s = sk_buf_take(&b);
  ASSERT_STR_EQ(s, "hello");
  ASSERT_INT_EQ(b.len, 0);
  ASSERT(b.data == NULL);
  free(s);
  sk_buf_cleanup(&b);
  sk_buf_cleanup(NULL);
}

TEST(error_first_wins_and_names) {
  struct sk_error e;
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_error_set(&e, SK_EPARSE, "first %d\n", 1), SK_EPARSE);
  ASSERT_INT_EQ(sk_error_set(&e, SK_EIO, "second"), SK_EIO);
  ASSERT_INT_EQ(e.code, SK_EPARSE);
  ASSERT_STR_EQ(e.msg, "first 1");
  ASSERT_STR_EQ(sk_err_name(SK_ENOMEM), "SK_ENOMEM");
  ASSERT_STR_EQ(sk_strerror(SK_ETIMEDOUT), "timed out");
  ASSERT_STR_EQ(sk_err_name(12345), "SK_EUNKNOWN");
}

int main(void) {
  RUN(grows_and_stays_terminated);
  RUN(cap_is_enforced_and_leaves_buffer_intact);
  RUN(grow_makes_room_once_within_the_cap);
  RUN(take_hands_over_and_empties);
  RUN(error_first_wins_and_names);
  return TEST_REPORT();
}
