/* test_jsonfmt.c: the two-space printer against cJSON's own printing. */
#include "harness.h"
#include "shipskip/util/error.h"
#include "shipskip/util/jsonfmt.h"

#include <cJSON.h>

/* sk_json_pretty(item) must be cJSON_PrintUnformatted(item) plus "\n" for
 * any leaf. */
static int same_as_cjson(cJSON *item) {
  struct sk_buf b;
  char *want = cJSON_PrintUnformatted(item);
  int ok;
  sk_buf_init(&b, 1 << 20);
  ok = want != NULL && sk_json_pretty(item, &b) == 0 &&
       b.len == strlen(want) + 1 && memcmp(b.data, want, b.len - 1) == 0 &&
       b.data[b.len - 1] == '\n';
  if (!ok)
    fprintf(stderr, "  cJSON: %s\n  ours:  %s", want ? want : "(null)",
            b.data ? b.data : "(null)\n");
  cJSON_free(want);
  sk_buf_cleanup(&b);
  cJSON_Delete(item);
  return ok;
}

TEST(strings_escape_as_cjson_does) {
  char all[256];
  int i;
  for (i = 1; i < 256; i++)
    all[i - 1] = (char)i;
  all[255] = '\0';
  ASSERT(same_as_cjson(cJSON_CreateString(all)));
  ASSERT(same_as_cjson(cJSON_CreateString("")));
  ASSERT(same_as_cjson(cJSON_CreateString("plain words, no escapes")));
  ASSERT(same_as_cjson(cJSON_CreateString("\"quoted\" \\ end\\")));
  ASSERT(same_as_cjson(cJSON_CreateString("caf\xc3\xa9 \x7f \x1f\x01")));
}

TEST(other_leaves_as_cjson_does) {
  ASSERT(same_as_cjson(cJSON_CreateNumber(78)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(0)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(-0.0)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(-2147483648.0)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(2147483647.0)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(2147483648.0)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(-7)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(55.8)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(1e15)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(-0.125)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(0.1 + 0.2)));
  ASSERT(same_as_cjson(cJSON_CreateNumber(1e300)));
  ASSERT(same_as_cjson(cJSON_CreateTrue()));
  ASSERT(same_as_cjson(cJSON_CreateFalse()));
  ASSERT(same_as_cjson(cJSON_CreateNull()));
}

TEST(layout) {
  struct sk_buf b;
  cJSON *o = cJSON_CreateObject();
  cJSON *a = cJSON_AddArrayToObject(o, "list\n");
  cJSON_AddItemToArray(a, cJSON_CreateNumber(1));
  cJSON_AddItemToArray(a, cJSON_CreateString("two"));
  cJSON_AddObjectToObject(o, "empty");
  cJSON_AddArrayToObject(o, "none");
  cJSON_AddBoolToObject(o, "ok", 1);
  sk_buf_init(&b, 4096);
  ASSERT_INT_EQ(sk_json_pretty(o, &b), 0);
  ASSERT_STR_EQ(b.data, "{\n"
                        "  \"list\\n\": [\n"
                        "    1,\n"
                        "    \"two\"\n"
                        "  ],\n"
                        "  \"empty\": {},\n"
                        "  \"none\": [],\n"
                        "  \"ok\": true\n"
                        "}\n");
  sk_buf_cleanup(&b);
  cJSON_Delete(o);
}

TEST(cap_is_reported) {
  struct sk_buf b;
  cJSON *s = cJSON_CreateString("longer than the cap");
  sk_buf_init(&b, 8);
  ASSERT_INT_EQ(sk_json_pretty(s, &b), SK_ETOOBIG);
  sk_buf_cleanup(&b);
  cJSON_Delete(s);
}

int main(void) {
  RUN(strings_escape_as_cjson_does);
  RUN(other_leaves_as_cjson_does);
  RUN(layout);
  RUN(cap_is_reported);
  return TEST_REPORT();
}
