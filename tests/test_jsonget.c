/* test_jsonget.c: bounded reads of JSON numbers (util/jsonget.h). */
#include "harness.h"
#include "shipskip/util/jsonget.h"

#include <string.h>

static cJSON *num(const char *text) {
  return cJSON_ParseWithLengthOpts(text, strlen(text), NULL, 0);
}

TEST(integers_within_bounds) {
  cJSON *v = num("78");
  long long out = -1;
  ASSERT_INT_EQ(sk_json_int(v, 0, 100, &out), 1);
  ASSERT_INT_EQ(out, 78);
  cJSON_Delete(v);
}

TEST(refuses_what_does_not_fit) {
  static const char *bad[] = {"140",    "-1",   "7.5",  "1e300", "-1e300",
                              "\"78\"", "null", "true", "[78]"};
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cJSON *v = num(bad[i]);
    long long out = -7;
    ASSERT(v != NULL);
    ASSERT_INT_EQ(sk_json_int(v, 0, 100, &out), 0);
    ASSERT_INT_EQ(out, -7);
    cJSON_Delete(v);
  }
  ASSERT_INT_EQ(sk_json_int(NULL, 0, 100, NULL), 0);
}

TEST(huge_counts_never_overflow) {
  cJSON *v = num("1e19");
  long long out = 0;
  /* 1e19 does not fit a long long: a cast would be undefined behaviour. */
  ASSERT_INT_EQ(sk_json_int(v, 0, SK_JSON_INT_MAX, &out), 0);
  cJSON_Delete(v);
  v = num("9007199254740991");
  ASSERT_INT_EQ(sk_json_int(v, 0, SK_JSON_INT_MAX, &out), 1);
  ASSERT(out == SK_JSON_INT_MAX);
  cJSON_Delete(v);
}

TEST(fractions_when_allowed) {
  cJSON *v = num("0.25");
  double d = 0;
  ASSERT_INT_EQ(sk_json_num(v, 0, 1, &d), 1);
  ASSERT(d == 0.25);
  cJSON_Delete(v);
  v = num("-0.5");
  ASSERT_INT_EQ(sk_json_num(v, 0, 1, &d), 0);
  cJSON_Delete(v);
}

int main(void) {
  RUN(integers_within_bounds);
  RUN(refuses_what_does_not_fit);
  RUN(huge_counts_never_overflow);
  RUN(fractions_when_allowed);
  return TEST_REPORT();
}
