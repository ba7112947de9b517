/* test_names.c: comma-separated name lists (util/names.h) and path joins
 * (util/fsutil.h). */
#include "harness.h"
#include "shipskip/util/error.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/names.h"

#include <string.h>

TEST(items_in_order_skipping_empty_ones) {
  const char *cur = ",builder,,skeptic,";
  const char *item;
  size_t len;
  ASSERT_INT_EQ(sk_names_next(&cur, &item, &len), 1);
  ASSERT_INT_EQ(len, 7);
  ASSERT(strncmp(item, "builder", len) == 0);
  ASSERT_INT_EQ(sk_names_next(&cur, &item, &len), 1);
  ASSERT(strncmp(item, "skeptic", len) == 0);
  ASSERT_INT_EQ(sk_names_next(&cur, &item, &len), 0);
  ASSERT_INT_EQ(sk_names_count(",builder,,skeptic,"), 2);
  ASSERT_INT_EQ(sk_names_count(""), 0);
}

TEST(membership_is_exact) {
  ASSERT_INT_EQ(sk_names_has("builder,skeptic", "skeptic"), 1);
  ASSERT_INT_EQ(sk_names_has("builder,skeptic", "skep"), 0);
  ASSERT_INT_EQ(sk_names_has("builders", "builder"), 0);
  ASSERT_INT_EQ(sk_names_has("", "builder"), 0);
}

TEST(path_join) {
  char buf[16];
  struct sk_error err;
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_path_join(buf, sizeof(buf), "out", "a.json", &err), 0);
  ASSERT_STR_EQ(buf, "out/a.json");
  ASSERT_INT_EQ(sk_path_join(buf, sizeof(buf), "out/", "a.json", &err), 0);
  ASSERT_STR_EQ(buf, "out/a.json");
  ASSERT_INT_EQ(sk_path_join(buf, sizeof(buf), ".", "a.json", &err), 0);
  ASSERT_STR_EQ(buf, "a.json");
  ASSERT_INT_EQ(
      sk_path_join(buf, sizeof(buf), "a-long-folder", "name.json", &err),
      SK_ETOOBIG);
  ASSERT_STR_EQ(buf, "");
  ASSERT_CONTAINS(err.msg, "a-long-folder/name.json: path too long");
}

int main(void) {
  RUN(items_in_order_skipping_empty_ones);
  RUN(membership_is_exact);
  RUN(path_join);
  return TEST_REPORT();
}
