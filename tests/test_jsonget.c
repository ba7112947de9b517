/* test_jsonget.c: bounded reads of JSON numbers, and strings that never
 * arrive cut short at a NUL (util/jsonget.h). */
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

/* Parses a text given with its length (it may hold raw NUL bytes). */
static cJSON *parse(const char *text, size_t len) {
  return sk_json_parse(text, len, NULL);
}

TEST(plain_strings_come_out_whole) {
  static const char t[] = "{\"a\": \"ship\", \"b\": \"tab\\there\", "
                          "\"c\": \"\\\\u0000 is text\"}";
  cJSON *v = parse(t, sizeof(t) - 1);
  const char *s = NULL;
  ASSERT(v != NULL);
  ASSERT_INT_EQ(sk_json_str(cJSON_GetObjectItemCaseSensitive(v, "a"), &s), 1);
  ASSERT_STR_EQ(s, "ship");
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetObjectItemCaseSensitive(v, "b")),
                "tab\there");
  /* An escaped backslash before u0000 is text, not a NUL. */
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetObjectItemCaseSensitive(v, "c")),
                "\\u0000 is text");
  ASSERT_INT_EQ(sk_json_has_nul(v, NULL, 0), 0);
  ASSERT_INT_EQ(sk_json_str(cJSON_GetObjectItemCaseSensitive(v, "x"), &s), 0);
  ASSERT(s == NULL);
  cJSON_Delete(v);
}

TEST(an_escaped_nul_is_refused_not_cut) {
  static const char t[] = "{\"verdict\": \"ship\\u0000 or skip\", "
                          "\"ok\": \"fine\"}";
  cJSON *v = parse(t, sizeof(t) - 1);
  const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(v, "verdict");
  const char *s = "unset";
  struct sk_error err;
  ASSERT(v != NULL);
  /* cJSON alone gives "ship": the rest is gone and a check sees a clean
   * verdict. */
  ASSERT_STR_EQ(verdict->valuestring, "ship");
  ASSERT_INT_EQ(sk_json_str(verdict, &s), SK_JSON_NUL);
  ASSERT(s == NULL);
  ASSERT(sk_json_strval(verdict) == NULL);
  sk_error_clear(&err);
  ASSERT_INT_EQ(
      sk_json_str_at(verdict, "reply.json:3", "field \"verdict\"", &s, &err),
      SK_EPARSE);
  ASSERT_STR_EQ(err.msg, "reply.json:3: field \"verdict\" holds a NUL "
                         "character (\\u0000), which is refused");
  /* The string after it is untouched: marks land on the right node. */
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetObjectItemCaseSensitive(v, "ok")),
                "fine");
  {
    char where[64];
    ASSERT_INT_EQ(sk_json_has_nul(v, where, sizeof(where)), 1);
    ASSERT_STR_EQ(where, "verdict");
  }
  cJSON_Delete(v);
}

TEST(a_u_escape_that_is_not_hex_is_a_nul_too) {
  /* cJSON decodes "\\uZZZZ" as U+0000 and cuts the string there. */
  static const char t[] = "[\"ab\\uZZZZcd\", \"\\u00g0\", \"\\u00e9\"]";
  cJSON *v = parse(t, sizeof(t) - 1);
  ASSERT(v != NULL);
  ASSERT_STR_EQ(cJSON_GetArrayItem(v, 0)->valuestring, "ab");
  ASSERT(sk_json_strval(cJSON_GetArrayItem(v, 0)) == NULL);
  ASSERT(sk_json_strval(cJSON_GetArrayItem(v, 1)) == NULL);
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetArrayItem(v, 2)), "\xc3\xa9");
  cJSON_Delete(v);
}

TEST(a_raw_nul_byte_in_a_string_is_refused) {
  static const char t[] = "[\"a\", \"b\0c\", \"d\"]";
  cJSON *v = parse(t, sizeof(t) - 1);
  ASSERT(v != NULL);
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetArrayItem(v, 0)), "a");
  ASSERT(sk_json_strval(cJSON_GetArrayItem(v, 1)) == NULL);
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetArrayItem(v, 2)), "d");
  cJSON_Delete(v);
}

TEST(a_key_with_a_nul_cannot_pose_as_another) {
  static const char t[] = "{\"name\\u0000x\": \"evil\", \"n\": {\"k\": 1, "
                          "\"deep\\u0000\": \"v\\u0000\"}, \"last\": \"ok\"}";
  cJSON *v = parse(t, sizeof(t) - 1);
  const cJSON *n;
  const cJSON *m;
  ASSERT(v != NULL);
  ASSERT(cJSON_GetObjectItemCaseSensitive(v, "name") == NULL);
  ASSERT(cJSON_GetObjectItemCaseSensitive(v, "name\\u0000x") != NULL);
  n = cJSON_GetObjectItemCaseSensitive(v, "n");
  ASSERT(cJSON_GetObjectItemCaseSensitive(n, "deep") == NULL);
  m = cJSON_GetObjectItemCaseSensitive(n, "deep\\u0000");
  ASSERT(m != NULL);
  ASSERT(m->type & SK_JSON_KEY_NUL);
  ASSERT(sk_json_strval(m) == NULL);
  ASSERT_STR_EQ(sk_json_strval(cJSON_GetObjectItemCaseSensitive(v, "last")),
                "ok");
  {
    char where[64];
    cJSON *arr = sk_json_parse("[1, {\"a\": [\"x\", \"y\\u0000\"]}]", 28, NULL);
    ASSERT(arr != NULL);
    ASSERT_INT_EQ(sk_json_has_nul(arr, where, sizeof(where)), 1);
    ASSERT_STR_EQ(where, "[1].a[1]");
    ASSERT_INT_EQ(sk_json_has_nul(cJSON_GetArrayItem(arr, 0), where, 8), 0);
    cJSON_Delete(arr);
  }
  cJSON_Delete(v);
}

TEST(parse_keeps_cjson_results) {
  static const char t[] = "{\"a\": 1} trailing";
  const char *end = NULL;
  cJSON *v = sk_json_parse(t, sizeof(t) - 1, &end);
  ASSERT(v != NULL);
  ASSERT_INT_EQ((int)(end - t), 8);
  cJSON_Delete(v);
  ASSERT(sk_json_parse("{\"a\": ", 6, &end) == NULL);
  ASSERT(cJSON_GetErrorPtr() != NULL);
  /* Our own trees carry no marks. */
  v = cJSON_CreateString("built");
  ASSERT_STR_EQ(sk_json_strval(v), "built");
  cJSON_Delete(v);
}

int main(void) {
  RUN(integers_within_bounds);
  RUN(refuses_what_does_not_fit);
  RUN(huge_counts_never_overflow);
  RUN(fractions_when_allowed);
  RUN(plain_strings_come_out_whole);
  RUN(an_escaped_nul_is_refused_not_cut);
  RUN(a_u_escape_that_is_not_hex_is_a_nul_too);
  RUN(a_raw_nul_byte_in_a_string_is_refused);
  RUN(a_key_with_a_nul_cannot_pose_as_another);
  RUN(parse_keeps_cjson_results);
  return TEST_REPORT();
}
