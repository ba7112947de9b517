/* test_toolsrc.c: reading tools from files, JSON Lines, arrays and
 * directories, with bad records reported by file and line. */
#include "harness.h"
#include "shipskip/model/toolsrc.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void write_file(const char *name, const char *text) {
  char path[512];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* Reads every record of the inputs; fills names ("slug" or "!message"). */
static int read_all(const char *const *inputs, size_t n, char out[][300],
                    int max) {
  struct sk_toolsrc *s;
  struct sk_error e;
  int count = 0;
  sk_error_clear(&e);
  if (sk_toolsrc_open(inputs, n, &s, &e) != 0) {
    snprintf(out[0], 300, "!open: %s", e.msg);
    return -1;
  }
  for (;;) {
    struct sk_tool *t = NULL;
    int rc;
    sk_error_clear(&e);
    rc = sk_toolsrc_next(s, &t, &e);
    if (rc == 0 || count >= max)
      break;
    if (rc < 0)
      snprintf(out[count++], 300, "!%s", e.msg);
    else {
      snprintf(out[count++], 300, "%s", t->slug);
      sk_tool_free(t);
    }
  }
  sk_toolsrc_free(s);
  return count;
}

TEST(jsonl_with_bad_lines_goes_on) {
  char out[16][300];
  char path[300];
  const char *in[1];
  write_file("a.jsonl", "{\"name\":\"One\",\"description\":\"d\"}\n"
                        "\n"
                        "{\"name\":\"Two\",\"description\":\"d\"\n"
                        "{\"name\":\"Three\"}\n"
                        "42\n"
                        "{\"name\":\"Four\",\"description\":\"d\"} trailing\n"
                        "{\"name\":\"Five\",\"description\":\"d\"}");
  snprintf(path, sizeof(path), "%s/a.jsonl", dir);
  in[0] = path;
  ASSERT_INT_EQ(read_all(in, 1, out, 16), 6);
  ASSERT_STR_EQ(out[0], "one");
  ASSERT(out[1][0] == '!');
  ASSERT_CONTAINS(out[1], "a.jsonl:3: malformed JSON");
  ASSERT_CONTAINS(out[2], "a.jsonl:4: field \"description\" is missing");
  ASSERT_CONTAINS(out[3], "a.jsonl:5: record is not a JSON object");
  ASSERT_CONTAINS(out[4], "a.jsonl:6: unexpected text after the JSON value");
  ASSERT_STR_EQ(out[5], "five");
}

TEST(pretty_object_array_and_concatenated) {
  char out[16][300];
  char p1[300];
  char p2[300];
  char p3[300];
  const char *in[3];
  write_file("one.json", "{\n  \"name\": \"Pretty\",\n  \"description\": "
                         "\"multi\\nline\"\n}\n");
  write_file("arr.json", "[\n {\"name\":\"A1\",\"description\":\"d\"},\n"
                         " {\"name\":\"A2\"}\n]\n");
  write_file("cat.json", "{\n \"name\": \"C1\", \"description\": \"d\"\n}\n"
                         "{\n \"name\": \"C2\", \"description\": \"d\"\n}\n");
  snprintf(p1, sizeof(p1), "%s/one.json", dir);
  snprintf(p2, sizeof(p2), "%s/arr.json", dir);
  snprintf(p3, sizeof(p3), "%s/cat.json", dir);
  in[0] = p1;
  in[1] = p2;
  in[2] = p3;
  ASSERT_INT_EQ(read_all(in, 3, out, 16), 5);
  ASSERT_STR_EQ(out[0], "pretty");
  ASSERT_STR_EQ(out[1], "a1");
  ASSERT_CONTAINS(out[2], "arr.json:1: item 2: field \"description\" is "
                          "missing");
  ASSERT_STR_EQ(out[3], "c1");
  ASSERT_STR_EQ(out[4], "c2");
}

TEST(truncated_document_is_reported_at_its_start) {
  char out[4][300];
  char p[300];
  const char *in[1];
  write_file("trunc.json", "{\n  \"name\": \"T\",\n  \"description\": \"d");
  snprintf(p, sizeof(p), "%s/trunc.json", dir);
  in[0] = p;
  ASSERT_INT_EQ(read_all(in, 1, out, 4), 1);
  ASSERT_CONTAINS(out[0], "trunc.json:1: JSON record is incomplete");
}

TEST(directory_in_name_order_and_missing_input) {
  char out[16][300];
  char sub[300];
  const char *in[1];
  snprintf(sub, sizeof(sub), "%s/d", dir);
  mkdir(sub, 0777);
  write_file("d/b.json", "{\"name\":\"Bee\",\"description\":\"d\"}");
  write_file("d/a.jsonl", "{\"name\":\"Ay\",\"description\":\"d\"}\n");
  write_file("d/notes.txt", "not a tool");
  write_file("d/.hidden.json", "{\"name\":\"Hidden\",\"description\":\"d\"}");
  in[0] = sub;
  ASSERT_INT_EQ(read_all(in, 1, out, 16), 2);
  ASSERT_STR_EQ(out[0], "ay");
  ASSERT_STR_EQ(out[1], "bee");
  in[0] = "/nonexistent/tools.json";
  ASSERT_INT_EQ(read_all(in, 1, out, 16), -1);
  ASSERT_CONTAINS(out[0], "/nonexistent/tools.json: cannot open input");
}

TEST(overlong_line_is_skipped_not_swallowed) {
  char out[4][300];
  char p[300];
  const char *in[1];
  FILE *f;
  size_t i;
  snprintf(p, sizeof(p), "%s/long.jsonl", dir);
  f = fopen(p, "w");
  fputs("{\"name\":\"x\",\"description\":\"", f);
  for (i = 0; i < SK_TOOLSRC_MAX_RECORD; i++)
    fputc('a', f);
  fputs("\"}\n{\"name\":\"After\",\"description\":\"d\"}\n", f);
  fclose(f);
  in[0] = p;
  ASSERT_INT_EQ(read_all(in, 1, out, 4), 2);
  ASSERT_CONTAINS(out[0], "long.jsonl:1: line is longer than");
  ASSERT_STR_EQ(out[1], "after");
}

/* Writes an array of n items, each ITEM, on one line. */
static void write_array(const char *path, long n, const char *item) {
  FILE *f = fopen(path, "w");
  long i;
  fputc('[', f);
  for (i = 0; i < n; i++) {
    if (i > 0)
      fputc(',', f);
    fputs(item, f);
  }
  fputs("]\n", f);
  fclose(f);
}

TEST(array_item_limit_is_exact) {
  char p[300];
  const char *in[1];
  struct sk_toolsrc *s = NULL;
  struct sk_tool *t = NULL;
  struct sk_error e;
  long n = 0;
  int rc;
  snprintf(p, sizeof(p), "%s/many.json", dir);
  in[0] = p;
  /* One item over: the whole array is refused, with the limit named. */
  write_array(p, SK_TOOLSRC_MAX_ARRAY + 1L, "1");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_toolsrc_open(in, 1, &s, &e), 0);
  ASSERT_INT_EQ(sk_toolsrc_next(s, &t, &e), SK_ETOOBIG);
  ASSERT_CONTAINS(e.msg, "many.json:1: array holds more than 100000 tools");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_toolsrc_next(s, &t, &e), 0);
  sk_toolsrc_free(s);
  /* At the limit every item is handed out (and quickly: the reader walks
   * the list instead of indexing it from the head each time). */
  write_array(p, SK_TOOLSRC_MAX_ARRAY, "{}");
  ASSERT_INT_EQ(sk_toolsrc_open(in, 1, &s, &e), 0);
  for (;;) {
    sk_error_clear(&e);
    rc = sk_toolsrc_next(s, &t, &e);
    if (rc != SK_EMISSING)
      break;
    n++;
  }
  ASSERT_INT_EQ(rc, 0);
  ASSERT_INT_EQ(n, SK_TOOLSRC_MAX_ARRAY);
  sk_toolsrc_free(s);
}

/* Writes a record of exactly size bytes (newline included) to path: a
 * small object padded with spaces before its closing brace, then tail. */
static void write_padded(const char *path, size_t size, const char *tail) {
  const char *head = "{\"name\":\"Edge\",\"description\":\"d\"";
  FILE *f = fopen(path, "w");
  size_t i;
  fputs(head, f);
  for (i = strlen(head); i < size - 2; i++)
    fputc(' ', f);
  fputs("}\n", f);
  fputs(tail, f);
  fclose(f);
}

TEST(line_at_the_record_cap_is_read) {
  char out[4][300];
  char p[300];
  const char *in[1];
  snprintf(p, sizeof(p), "%s/edge.jsonl", dir);
  in[0] = p;
  write_padded(p, SK_TOOLSRC_MAX_RECORD, "");
  ASSERT_INT_EQ(read_all(in, 1, out, 4), 1);
  ASSERT_STR_EQ(out[0], "edge");
  /* One byte more is refused with the limit; the next line is still read. */
  write_padded(p, SK_TOOLSRC_MAX_RECORD + 1,
               "{\"name\":\"Next\",\"description\":\"d\"}\n");
  ASSERT_INT_EQ(read_all(in, 1, out, 4), 2);
  ASSERT_CONTAINS(out[0], "edge.jsonl:1: line is longer than 1048576 bytes");
  ASSERT_STR_EQ(out[1], "next");
}

TEST(document_over_the_record_cap_is_refused) {
  char out[8][300];
  char p[300];
  const char *in[1];
  FILE *f;
  size_t i;
  snprintf(p, sizeof(p), "%s/huge.json", dir);
  in[0] = p;
  /* A pretty-printed object whose lines add up to more than the cap. */
  f = fopen(p, "w");
  fputs("{\n  \"name\": \"Huge\",\n  \"description\": \"d\",\n", f);
  for (i = 0; i < SK_TOOLSRC_MAX_RECORD / 64 + 1; i++)
    fprintf(f, "  \"pad%06zu\": \"%048d\",\n", i, 0);
  fputs("  \"end\": 1\n}\n{\"name\":\"After\",\"description\":\"d\"}\n", f);
  fclose(f);
  ASSERT(read_all(in, 1, out, 8) >= 1);
  ASSERT_CONTAINS(out[0], "huge.json:1: record is larger than 1048576 bytes");
}

TEST(estimate_counts_records_for_progress) {
  char p1[300];
  char p2[300];
  char p3[300];
  const char *in[3];
  write_file("e1.jsonl", "{\"name\":\"a\"}\n\n{\"name\":\"b\"}\n{\"x\":1}");
  write_file("e2.json", "[\n {\"name\":\"a\", \"nested\": {\"k\": \"}{\"}},\n"
                        " {\"name\":\"b\"}\n]\n");
  write_file("e3.json", "{\"name\":\"one\",\"obj\":{\"a\":1}}\n");
  snprintf(p1, sizeof(p1), "%s/e1.jsonl", dir);
  snprintf(p2, sizeof(p2), "%s/e2.json", dir);
  snprintf(p3, sizeof(p3), "%s/e3.json", dir);
  in[0] = p1;
  in[1] = p2;
  in[2] = p3;
  ASSERT_INT_EQ(sk_toolsrc_estimate(in, 1), 3);
  ASSERT_INT_EQ(sk_toolsrc_estimate(in + 1, 1), 2);
  ASSERT_INT_EQ(sk_toolsrc_estimate(in + 2, 1), 1);
  ASSERT_INT_EQ(sk_toolsrc_estimate(in, 3), 6);
  in[0] = "-";
  ASSERT_INT_EQ(sk_toolsrc_estimate(in, 1), -1);
}

TEST(many_short_lines_are_gathered_in_linear_time) {
  char p[300];
  const char *in[1];
  struct sk_toolsrc *s = NULL;
  struct sk_tool *t = NULL;
  struct sk_error e;
  FILE *f;
  long i;
  long n = 0;
  int rc;
  snprintf(p, sizeof(p), "%s/tall.json", dir);
  in[0] = p;
  /* 100,000 one-item lines: parsing the gathered text after every line took
   * minutes (quadratic); brackets are now counted as lines arrive. */
  f = fopen(p, "w");
  fputs("[\n", f);
  for (i = 0; i < SK_TOOLSRC_MAX_ARRAY; i++)
    fputs(i ? ",\n{}" : "{}", f);
  fputs("\n]\n", f);
  fclose(f);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_toolsrc_open(in, 1, &s, &e), 0);
  for (;;) {
    sk_error_clear(&e);
    rc = sk_toolsrc_next(s, &t, &e);
    if (rc != SK_EMISSING)
      break;
    n++;
  }
  ASSERT_INT_EQ(rc, 0);
  ASSERT_INT_EQ(n, SK_TOOLSRC_MAX_ARRAY);
  sk_toolsrc_free(s);
}

TEST(mismatched_bracket_is_reported_where_it_is) {
  char out[8][300];
  char p[300];
  const char *in[1];
  write_file("bent.json", "{\n  \"name\": \"A\",\n  \"x\": [1}\n}\n"
                          "{\n  \"name\": \"B\", \"description\": \"d\"\n}\n");
  snprintf(p, sizeof(p), "%s/bent.json", dir);
  in[0] = p;
  ASSERT_INT_EQ(read_all(in, 1, out, 8), 3);
  ASSERT_CONTAINS(out[0], "bent.json:1: malformed JSON");
  ASSERT_CONTAINS(out[1], "bent.json:4: malformed JSON");
  ASSERT_STR_EQ(out[2], "b");
}

int main(void) {
  char cmd[300];
  int rc;
  snprintf(dir, sizeof(dir), "/tmp/sk-toolsrc-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return 2;
  RUN(jsonl_with_bad_lines_goes_on);
  RUN(pretty_object_array_and_concatenated);
  RUN(truncated_document_is_reported_at_its_start);
  RUN(directory_in_name_order_and_missing_input);
  RUN(overlong_line_is_skipped_not_swallowed);
  RUN(estimate_counts_records_for_progress);
  RUN(array_item_limit_is_exact);
  RUN(line_at_the_record_cap_is_read);
  RUN(document_over_the_record_cap_is_refused);
  RUN(many_short_lines_are_gathered_in_linear_time);
  RUN(mismatched_bracket_is_reported_where_it_is);
  rc = TEST_REPORT();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    return 2;
  return rc;
}
