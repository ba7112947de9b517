/* test_jsonfmt.c: the two-space printer against cJSON's own printing, and
 * the writer (sk_jw_*) against the printer on the tree of the same calls. */
#include "harness.h"
#include "shipskip/util/error.h"
#include "shipskip/util/jsonfmt.h"

#include <cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

TEST(escapes_found_at_every_place_of_a_word) {
  /* The scan reads eight bytes at a time: every escaped byte (and a few
   * that are not escaped) at every place of a word, and past it. */
  static const unsigned char BYTES[] = {0x01, 0x08, 0x0a, 0x1f, '"',
                                        '\\', 0x20, 0x21, 0x5b, 0x5d,
                                        0x7f, 0x80, 0xa2, 0xdc, 0xff};
  size_t b, at, len;
  for (b = 0; b < sizeof(BYTES); b++)
    for (len = 1; len <= 24; len++)
      for (at = 0; at < len; at++) {
        char s[25];
        memset(s, 'a', len);
        s[len] = '\0';
        s[at] = (char)BYTES[b];
        ASSERT(same_as_cjson(cJSON_CreateString(s)));
      }
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

/* The compact printer must be cJSON_PrintUnformatted byte for byte. */
static int compact_as_cjson(cJSON *item) {
  struct sk_buf b;
  char *want = cJSON_PrintUnformatted(item);
  int ok;
  sk_buf_init(&b, 1 << 20);
  ok = want != NULL && sk_json_compact(item, &b) == 0 &&
       b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
  if (ok) {
    /* The string form, with its length, is the same bytes. */
    size_t len = 0;
    char *str = sk_json_compact_str(item, &len);
    ok = str != NULL && len == b.len && strcmp(str, want) == 0;
    free(str);
  }
  if (!ok)
    fprintf(stderr, "  cJSON: %s\n  ours:  %.*s\n", want ? want : "(null)",
            (int)b.len, b.data ? b.data : "");
  cJSON_free(want);
  sk_buf_cleanup(&b);
  cJSON_Delete(item);
  return ok;
}

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t next_bits(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

TEST(numbers_print_as_cjson_does) {
  static const double FIXED[] = {0.0,           -0.0,
                                 1.0,           -1.0,
                                 0.2,           0.7,
                                 55.8,          1e15,
                                 1e16,          -1e15,
                                 1e-7,          1e-5,
                                 5e-324,        1e308,
                                 -1e308,        0.0063,
                                 1.5e-6,        12.345,
                                 2.5e9,         -2.5e9,
                                 4294967296.0,  2147483647.0,
                                 2147483648.0,  -2147483648.0,
                                 -2147483649.0, 9007199254740993.0};
  uint64_t seed = 0x9E3779B97F4A7C15u;
  size_t i;
  int bad = 0;

  for (i = 0; i < sizeof(FIXED) / sizeof(FIXED[0]); i++)
    ASSERT(compact_as_cjson(cJSON_CreateNumber(FIXED[i])));
  ASSERT(compact_as_cjson(cJSON_CreateNumber(NAN)));
  ASSERT(compact_as_cjson(cJSON_CreateNumber(INFINITY)));
  ASSERT(compact_as_cjson(cJSON_CreateNumber(-INFINITY)));
  /* Random bit patterns (every exponent), random whole numbers, and
   * random cents and micro-dollars: the values shipskip prints. */
  for (i = 0; i < 200000 && bad < 5; i++) {
    uint64_t r = next_bits(&seed);
    double d;
    switch (i % 4) {
    case 0:
      memcpy(&d, &r, sizeof(d));
      break;
    case 1:
      d = (double)(int64_t)(r >> (r & 63));
      break;
    case 2:
      d = (double)(r % 100000) / 100.0;
      break;
    default:
      d = (double)(r % 100000000) / 1e6;
      break;
    }
    if (!compact_as_cjson(cJSON_CreateNumber(d)))
      bad++;
  }
  ASSERT(bad == 0);
}

TEST(compact_trees_print_as_cjson_does) {
  cJSON *o = cJSON_CreateObject();
  cJSON *a = cJSON_AddArrayToObject(o, "messages");
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "role", "system");
  cJSON_AddStringToObject(m, "content", "line one\n\"two\"\t\x01 caf\xc3\xa9");
  cJSON_AddItemToArray(a, m);
  cJSON_AddItemToArray(a, cJSON_CreateObject());
  cJSON_AddItemToArray(a, cJSON_CreateArray());
  cJSON_AddNumberToObject(o, "temperature", 0.2);
  cJSON_AddNumberToObject(o, "max_tokens", 700);
  cJSON_AddBoolToObject(o, "stream", 0);
  cJSON_AddNullToObject(o, "seed");
  cJSON_AddRawToObject(o, "raw", "[1, 2]");
  cJSON_AddStringToObject(o, "key \"quoted\"", "");
  ASSERT(compact_as_cjson(o));
  ASSERT(compact_as_cjson(cJSON_CreateObject()));
  ASSERT(compact_as_cjson(cJSON_CreateString("alone")));
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
  /* A string whose plain form fits but whose escapes pass the cap leaves
   * the buffer as it was, not half written. */
  sk_buf_init(&b, 12);
  ASSERT_INT_EQ(sk_buf_adds(&b, "ab"), 0);
  ASSERT_INT_EQ(sk_json_put_str("1\n2\n3\n4", &b), SK_ETOOBIG);
  ASSERT_INT_EQ(b.len, 2);
  ASSERT_STR_EQ(b.data, "ab");
  sk_buf_cleanup(&b);
}

/* The same document through the writer (into w) and as a tree (returned):
 * every kind of value, empty and nested containers, escapes, numbers
 * cJSON prints in each of its ways, a tree value. */
static cJSON *both(struct sk_jw *w) {
  static const double nums[] = {0,    1,          77.8, -3,   0.1 + 0.2,
                                1e-7, 2147483647, 3e10, -0.0, 123456.789};
  cJSON *root = cJSON_CreateObject();
  cJSON *arr;
  cJSON *obj;
  cJSON *hist = cJSON_Parse("[{\"at\": 1, \"v\": [true, null]}, []]");
  size_t i;

  sk_jw_open(w, NULL, '{');
  sk_jw_str(w, "s", "a \"quoted\"\n\x01 \xC2\xB7 line");
  cJSON_AddStringToObject(root, "s", "a \"quoted\"\n\x01 \xC2\xB7 line");
  sk_jw_str(w, "none", NULL);
  cJSON_AddNullToObject(root, "none");
  sk_jw_open(w, "empty_obj", '{');
  sk_jw_close(w, '{');
  cJSON_AddObjectToObject(root, "empty_obj");
  sk_jw_open(w, "empty_arr", '[');
  sk_jw_close(w, '[');
  cJSON_AddArrayToObject(root, "empty_arr");
  sk_jw_open(w, "nums", '[');
  arr = cJSON_AddArrayToObject(root, "nums");
  for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
    sk_jw_num(w, NULL, nums[i]);
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(nums[i]));
  }
  sk_jw_close(w, '[');
  sk_jw_open(w, "nested", '{');
  obj = cJSON_AddObjectToObject(root, "nested");
  sk_jw_bool(w, "yes", 1);
  cJSON_AddTrueToObject(obj, "yes");
  sk_jw_bool(w, "no", 0);
  cJSON_AddFalseToObject(obj, "no");
  sk_jw_open(w, "list", '[');
  arr = cJSON_AddArrayToObject(obj, "list");
  sk_jw_open(w, NULL, '{');
  sk_jw_str(w, "k", "v");
  sk_jw_close(w, '{');
  cJSON_AddItemToArray(arr, cJSON_Parse("{\"k\": \"v\"}"));
  sk_jw_null(w, NULL);
  cJSON_AddItemToArray(arr, cJSON_CreateNull());
  sk_jw_close(w, '[');
  sk_jw_close(w, '{');
  sk_jw_tree(w, "history", hist);
  cJSON_AddItemToObject(root, "history", hist);
  sk_jw_close(w, '{');
  return root;
}

TEST(writer_prints_what_the_tree_prints) {
  int depth;
  for (depth = 0; depth <= 2; depth += 2) {
    struct sk_buf got;
    struct sk_buf want;
    struct sk_jw w;
    cJSON *tree;
    sk_buf_init(&got, 1 << 20);
    sk_buf_init(&want, 1 << 20);
    sk_jw_init(&w, &got, depth);
    tree = both(&w);
    ASSERT_INT_EQ(sk_jw_done(&w), 0);
    ASSERT_INT_EQ(sk_json_pretty_at(tree, depth, &want), 0);
    ASSERT_STR_EQ(got.data, want.data);
    cJSON_Delete(tree);
    sk_buf_cleanup(&got);
    sk_buf_cleanup(&want);
  }
}

TEST(compact_writer_prints_what_cjson_prints) {
  struct sk_buf got;
  struct sk_jw w;
  cJSON *tree;
  char *want;
  sk_buf_init(&got, 1 << 20);
  sk_jw_init_compact(&w, &got);
  tree = both(&w);
  ASSERT_INT_EQ(sk_jw_done(&w), 0);
  want = cJSON_PrintUnformatted(tree);
  ASSERT(want != NULL);
  ASSERT_STR_EQ(got.data, want);
  cJSON_free(want);
  cJSON_Delete(tree);
  sk_buf_cleanup(&got);
}

TEST(writer_errors_stick) {
  struct sk_buf b;
  struct sk_jw w;
  sk_buf_init(&b, 16);
  sk_jw_init(&w, &b, 0);
  sk_jw_open(&w, NULL, '[');
  sk_jw_str(&w, NULL, "longer than the sixteen bytes of the cap");
  ASSERT_INT_EQ(sk_jw_done(&w), SK_ETOOBIG);
  sk_jw_str(&w, NULL, "x");
  sk_jw_close(&w, '[');
  ASSERT_INT_EQ(sk_jw_done(&w), SK_ETOOBIG);
  sk_buf_cleanup(&b);
}

int main(void) {
  RUN(strings_escape_as_cjson_does);
  RUN(escapes_found_at_every_place_of_a_word);
  RUN(other_leaves_as_cjson_does);
  RUN(numbers_print_as_cjson_does);
  RUN(compact_trees_print_as_cjson_does);
  RUN(layout);
  RUN(cap_is_reported);
  RUN(writer_prints_what_the_tree_prints);
  RUN(compact_writer_prints_what_cjson_prints);
  RUN(writer_errors_stick);
  return TEST_REPORT();
}
