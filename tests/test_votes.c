/* test_votes.c: community votes from JSON (object and array) and CSV, the
 * FILE:LINE errors for bad entries, lookup, and the display form. */
#include "harness.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/votes.h"

#include <unistd.h>

static struct sk_votes *parse(const char *text, const char *name,
                              struct sk_error *e) {
  struct sk_votes *v = NULL;
  sk_error_clear(e);
  if (sk_votes_parse(text, strlen(text), name, &v, e) != 0)
    return NULL;
  return v;
}

/* Parses text, which must fail, and returns the message. */
static const char *fails(const char *text, const char *name) {
  static struct sk_error e;
  struct sk_votes *v = parse(text, name, &e);
  if (v != NULL) {
    sk_votes_free(v);
    return "(parsed)";
  }
  return e.msg;
}

TEST(json_object) {
  struct sk_error e;
  struct sk_votes *v = parse("{\n  \"code-llama-4\": {\"ship\": 255, \"skip\": "
                             "157},\n  \"gemini-2-5-flash-lite\": {\"skip\": "
                             "0, \"ship\": 3}\n}\n",
                             "v.json", &e);
  const struct sk_vote *x;
  ASSERT(v != NULL);
  ASSERT_INT_EQ(v->n, 2);
  x = sk_votes_find(v, "code-llama-4");
  ASSERT(x != NULL);
  ASSERT_INT_EQ(x->ship, 255);
  ASSERT_INT_EQ(x->skip, 157);
  ASSERT_INT_EQ(x->line, 2);
  x = sk_votes_find(v, "gemini-2-5-flash-lite");
  ASSERT(x != NULL);
  ASSERT_INT_EQ(x->ship, 3);
  ASSERT_INT_EQ(x->line, 3);
  ASSERT(sk_votes_find(v, "nope") == NULL);
  ASSERT(sk_votes_find(NULL, "nope") == NULL);
  sk_votes_free(v);
}

TEST(json_array) {
  struct sk_error e;
  struct sk_votes *v = parse("[\n{\"slug\": \"b\", \"ship\": 1, \"skip\": 2},\n"
                             "{\"slug\": \"a\", \"ship\": 1e3, \"skip\": 0}\n]",
                             "v.json", &e);
  ASSERT(v != NULL);
  ASSERT_INT_EQ(v->n, 2);
  ASSERT_STR_EQ(v->v[0].slug, "a"); /* sorted */
  ASSERT_INT_EQ(v->v[0].ship, 1000);
  ASSERT_INT_EQ(v->v[0].line, 3);
  ASSERT_INT_EQ(sk_votes_find(v, "b")->skip, 2);
  sk_votes_free(v);
  v = parse("  []", "empty.json", &e);
  ASSERT(v != NULL);
  ASSERT_INT_EQ(v->n, 0);
  sk_votes_free(v);
}

TEST(csv_forms) {
  struct sk_error e;
  struct sk_votes *v = parse("\xEF\xBB\xBFslug,ship,skip\r\ncode-llama-4,255,"
                             "157\r\n\r\n\"offshoot\", 7 ,\"0\"\r\n",
                             "v.csv", &e);
  ASSERT(v != NULL);
  ASSERT_INT_EQ(v->n, 2);
  ASSERT_INT_EQ(sk_votes_find(v, "code-llama-4")->skip, 157);
  ASSERT_INT_EQ(sk_votes_find(v, "offshoot")->ship, 7);
  ASSERT_INT_EQ(sk_votes_find(v, "offshoot")->line, 4);
  sk_votes_free(v);
  /* Columns in any order. */
  v = parse("skip,slug,ship\n1,a,2\n", "v.csv", &e);
  ASSERT(v != NULL);
  ASSERT_INT_EQ(v->v[0].ship, 2);
  ASSERT_INT_EQ(v->v[0].skip, 1);
  sk_votes_free(v);
  v = parse("slug,ship,skip\n", "header-only.csv", &e);
  ASSERT(v != NULL);
  ASSERT_INT_EQ(v->n, 0);
  sk_votes_free(v);
}

TEST(json_errors) {
  ASSERT_STR_EQ(fails("{\n\"a\": {\"ship\": -3, \"skip\": 1}\n}", "v.json"),
                "v.json:2: \"a\": ship is -3; a count is a whole number from "
                "0");
  ASSERT_STR_EQ(fails("{\"a\": {\"ship\": 1,\n\"skip\": 2.5}}", "v.json"),
                "v.json:1: \"a\": skip is 2.5, not a whole number");
  ASSERT_STR_EQ(fails("{\"a\": {\"ship\": \"12\", \"skip\": 1}}", "v.json"),
                "v.json:1: \"a\": ship must be a number, not a string");
  ASSERT_STR_EQ(
      fails("{\"a\": {\"ship\": 1, \"skip\": 1, \"maybe\": 4}}", "v.json"),
      "v.json:1: \"a\": unknown field \"maybe\" (allowed: ship, "
      "skip)");
  ASSERT_STR_EQ(fails("{\"a\": {\"ship\": 1}}", "v.json"),
                "v.json:1: \"a\" has no skip count");
  ASSERT_STR_EQ(fails("{\"a\": 5}", "v.json"),
                "v.json:1: \"a\" must map to {\"ship\": N, \"skip\": M}");
  ASSERT_STR_EQ(fails("[\n{\"slug\": \"a\", \"ship\": 1, \"skip\": 1},\n"
                      "{\"slug\": \"b\", \"ship\": 1, \"skip\": 1, \"x\": 1}]",
                      "v.json"),
                "v.json:3: \"b\": unknown field \"x\" (allowed: slug, ship, "
                "skip)");
  ASSERT_STR_EQ(fails("[{\"ship\": 1, \"skip\": 1}]", "v.json"),
                "v.json:1: item 1 has no \"slug\" string");
  ASSERT_STR_EQ(fails("[1]", "v.json"),
                "v.json:1: item 1 is not an object like {\"slug\": ..., "
                "\"ship\": N, \"skip\": M}");
  ASSERT_STR_EQ(fails("{\"../etc\": {\"ship\": 1, \"skip\": 1}}", "v.json"),
                "v.json:1: \"../etc\" is not a slug (lowercase letters, "
                "digits and '-', as in the scorecard's file name)");
  ASSERT_STR_EQ(
      fails("{\n\"a\": {\"ship\": 1, \"skip\": 1},\n\"a\": {\"ship\": "
            "2, \"skip\": 2}}",
            "v.json"),
      "v.json:3: \"a\" has votes already (line 2); give each slug "
      "once");
  ASSERT_CONTAINS(fails("{\n\"a\": {\"ship\": 1,,}}", "v.json"),
                  "v.json:2: malformed JSON");
  ASSERT_CONTAINS(fails("{\"a\": {\"ship\": 1e13, \"skip\": 0}}", "v.json"),
                  "more than the 1000000000000 limit");
  /* A JSON document that is neither an object nor an array is read as CSV
   * (its first character is neither '{' nor '['): a header error. */
  ASSERT_CONTAINS(fails("\"just a string\"", "v.json"),
                  "v.json:1: unknown column");
}

TEST(csv_errors) {
  ASSERT_STR_EQ(fails("slug,ship,skip\na,-3,1\n", "v.csv"),
                "v.csv:2: \"a\": ship is -3; a count is a whole number from "
                "0");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,1,2.5\n", "v.csv"),
                "v.csv:2: \"a\": skip is 2.5, not a whole number");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,many,1\n", "v.csv"),
                "v.csv:2: \"a\": ship is \"many\", not a number");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,,1\n", "v.csv"),
                "v.csv:2: \"a\": ship is empty");
  ASSERT_STR_EQ(fails("slug,ship,skip,votes\na,1,1,2\n", "v.csv"),
                "v.csv:1: unknown column \"votes\"; the header must be "
                "slug,ship,skip");
  ASSERT_STR_EQ(fails("slug,ship\na,1\n", "v.csv"),
                "v.csv:1: the header must name the columns slug, ship and "
                "skip");
  ASSERT_STR_EQ(fails("slug,ship,ship\n", "v.csv"),
                "v.csv:1: column \"ship\" given twice");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,1,1\n\nb,1\n", "v.csv"),
                "v.csv:4: 2 fields; the header has 3 (slug,ship,skip)");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,1,1\nA B,1,1\n", "v.csv"),
                "v.csv:3: \"A B\" is not a slug (lowercase letters, digits "
                "and '-', as in the scorecard's file name)");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,1,1\nb,1,1\na,2,2\n", "v.csv"),
                "v.csv:4: \"a\" has votes already (line 2); give each slug "
                "once");
  ASSERT_STR_EQ(fails("", "v.csv"),
                "v.csv:1: empty file; expected the header slug,ship,skip");
  ASSERT_CONTAINS(fails("slug,ship,skip\n\"a,1,1\n", "v.csv"),
                  "v.csv:2: unterminated quoted field");
  ASSERT_STR_EQ(fails("slug,ship,skip\na,-0,1\n", "v.csv"), "(parsed)");
}

TEST(load_from_file) {
  char dir[] = "/tmp/sk-votes-XXXXXX";
  char path[64];
  struct sk_votes *v = NULL;
  struct sk_error e;
  const char *text = "slug,ship,skip\ngemini-2-5-flash-lite,255,157\n";
  ASSERT(mkdtemp(dir) != NULL);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, "votes.csv", text, strlen(text), &e),
                0);
  snprintf(path, sizeof(path), "%s/votes.csv", dir);
  ASSERT_INT_EQ(sk_votes_load(path, &v, &e), 0);
  ASSERT_INT_EQ(sk_votes_find(v, "gemini-2-5-flash-lite")->ship, 255);
  sk_votes_free(v);
  unlink(path);
  rmdir(dir);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_votes_load("/nonexistent/votes.json", &v, &e), SK_ENOENT);
  ASSERT(v == NULL);
  ASSERT_CONTAINS(e.msg, "/nonexistent/votes.json");
}

TEST(display) {
  char buf[64];
  sk_votes_format(255, 157, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "62% ship · 412 votes");
  sk_votes_format(1, 0, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "100% ship · 1 vote");
  sk_votes_format(0, 0, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "No community votes yet");
  sk_votes_format(1, 1, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "50% ship · 2 votes");
  ASSERT_INT_EQ(sk_votes_percent(2, 1), 67);
  ASSERT_INT_EQ(sk_votes_percent(1, 7), 13); /* 12.5 rounds up */
  ASSERT_INT_EQ(sk_votes_percent(0, 0), 0);
  sk_votes_format(SK_VOTES_MAX, SK_VOTES_MAX, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "50% ship · 2000000000000 votes");
}

int main(void) {
  RUN(json_object);
  RUN(json_array);
  RUN(csv_forms);
  RUN(json_errors);
  RUN(csv_errors);
  RUN(load_from_file);
  RUN(display);
  return TEST_REPORT();
}
