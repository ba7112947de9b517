/* test_toolsrc.c: reading tools from files, JSON Lines, arrays and
 * directories, with bad records reported by file and line. */
#include "harness.h"
#include "shipskip/model/toolsrc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

/* The size of the big arrays (the old limit of one array). */
#define MANY 100000

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

/* Reads every record of in, counting good ones and each error code. */
static long count_all(const char *const *in, size_t n, long *bad,
                      char *first_err, size_t size) {
  struct sk_toolsrc *s = NULL;
  struct sk_tool *t = NULL;
  struct sk_error e;
  long good = 0;
  int rc;
  *bad = 0;
  if (first_err != NULL)
    first_err[0] = '\0';
  sk_error_clear(&e);
  if (sk_toolsrc_open(in, n, &s, &e) != 0)
    return -1;
  for (;;) {
    sk_error_clear(&e);
    rc = sk_toolsrc_next(s, &t, &e);
    if (rc == 0 || rc == SK_ENOMEM)
      break;
    if (rc < 0) {
      if (*bad == 0 && first_err != NULL)
        snprintf(first_err, size, "%s", e.msg);
      (*bad)++;
      continue;
    }
    good++;
    sk_tool_free(t);
  }
  sk_toolsrc_free(s);
  return good;
}

TEST(arrays_stream_whatever_their_count) {
  char p[300];
  const char *in[1];
  long bad;
  snprintf(p, sizeof(p), "%s/many.json", dir);
  in[0] = p;
  /* Past the old 100,000 cap: every item is handed out, one at a time. */
  write_array(p, MANY + 1L, "1");
  ASSERT_INT_EQ(count_all(in, 1, &bad, NULL, 0), 0);
  ASSERT_INT_EQ(bad, MANY + 1L);
  write_array(p, MANY, "{}");
  ASSERT_INT_EQ(count_all(in, 1, &bad, NULL, 0), 0);
  ASSERT_INT_EQ(bad, MANY);
}

/* Writes n distinct tools as one JSON array, pretty-printed (an item's
 * members on lines of their own) or on a single line. */
static void write_tools(const char *path, long n, int pretty) {
  FILE *f = fopen(path, "w");
  long i;
  fputs(pretty ? "[\n" : "[", f);
  for (i = 0; i < n; i++) {
    if (pretty)
      fprintf(f,
              "%s  {\n    \"name\": \"Tool %ld\",\n    \"description\": "
              "\"A tool, [number] {%ld}, \\\"quoted\\\\\"\n  }",
              i ? ",\n" : "", i, i);
    else
      fprintf(f,
              "%s{\"name\":\"Tool %ld\",\"description\":\"A tool, [number] "
              "{%ld}, \\\"quoted\\\\\"}",
              i ? "," : "", i, i);
  }
  fputs(pretty ? "\n]\n" : "]", f);
  fclose(f);
}

TEST(a_hundred_thousand_tools_in_one_array_are_all_read) {
  char p[300];
  char why[300];
  const char *in[1];
  long bad;
  snprintf(p, sizeof(p), "%s/big.json", dir);
  in[0] = p;
  /* About 8 MB either way: far past the 1 MiB record cap, which now bounds
   * one item, not the array. */
  write_tools(p, MANY, 1);
  ASSERT_INT_EQ(count_all(in, 1, &bad, why, sizeof(why)), MANY);
  ASSERT_INT_EQ(bad, 0);
  write_tools(p, MANY, 0);
  ASSERT_INT_EQ(count_all(in, 1, &bad, why, sizeof(why)), MANY);
  ASSERT_INT_EQ(bad, 0);
}

TEST(an_item_over_the_cap_is_one_bad_record) {
  char out[8][300];
  char p[300];
  const char *in[1];
  FILE *f;
  size_t i;
  snprintf(p, sizeof(p), "%s/fat.json", dir);
  in[0] = p;
  f = fopen(p, "w");
  fputs("[{\"name\":\"Before\",\"description\":\"d\"},\n"
        " {\"name\":\"Fat\",\"description\":\"",
        f);
  /* Brackets and escaped quotes inside the string must not end the item. */
  for (i = 0; i < SK_TOOLSRC_MAX_RECORD / 8 + 1; i++)
    fputs("]}[{\\\"x,", f);
  fputs("\"},\n {\"name\":\"After\",\"description\":\"d\"}]\n"
        "{\"name\":\"Then\",\"description\":\"d\"}\n",
        f);
  fclose(f);
  ASSERT_INT_EQ(read_all(in, 1, out, 8), 4);
  ASSERT_STR_EQ(out[0], "before");
  ASSERT_CONTAINS(out[1], "fat.json:1: item 2 is larger than 1048576 bytes");
  ASSERT_STR_EQ(out[2], "after");
  ASSERT_STR_EQ(out[3], "then");
}

TEST(broken_arrays_cost_their_items_only) {
  char out[16][300];
  char p[300];
  const char *in[1];
  write_file("bent-arr.json",
             "[\"str\", 12, {\"name\":\"A\",\"description\":\"d\"}"
             " {\"name\":\"B\",\"description\":\"d\"},, {\"x\": [1}],\n"
             " {\"name\":\"C\",\"description\":\"d\"}]\n"
             "[{\"name\":\"D\",\"description\":\"d\"}\n");
  snprintf(p, sizeof(p), "%s/bent-arr.json", dir);
  in[0] = p;
  ASSERT_INT_EQ(read_all(in, 1, out, 16), 9);
  ASSERT_CONTAINS(out[0], "bent-arr.json:1: item 1: record is not a JSON "
                          "object");
  ASSERT_CONTAINS(out[1], "item 2: record is not a JSON object");
  ASSERT_STR_EQ(out[2], "a");
  ASSERT_CONTAINS(out[3], "item 4: a \",\" is missing before it");
  ASSERT_CONTAINS(out[4], "item 5 is empty");
  ASSERT_CONTAINS(out[5], "item 6: malformed JSON");
  ASSERT_STR_EQ(out[6], "c");
  ASSERT_STR_EQ(out[7], "d");
  ASSERT_CONTAINS(out[8], "bent-arr.json:3: JSON array is not closed at end "
                          "of file");
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
  for (i = 0; i < MANY; i++)
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
  ASSERT_INT_EQ(n, MANY);
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

/* Writes len bytes (NULs included) to dir/name. */
static void write_bytes(const char *name, const char *data, size_t len) {
  char path[512];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
}

TEST(a_nul_byte_costs_its_own_record_only) {
  /* fgets() and strlen() stopped at the NUL: the rest of the line and its
   * newline were lost, and the next record vanished into it unreported. */
  static const char lines[] = "{\"name\":\"One\",\"description\":\"d\"}\n"
                              "{\"name\":\"Bad\",\"description\":\"a\0b\"}\n"
                              "{\"name\":\"Two\",\"description\":\"d\"}\n"
                              "\0\n"
                              "{\"name\":\"Three\",\"description\":\"d\"}\n";
  static const char doc[] =
      "{\n \"name\": \"P\",\n \"description\": \"d\"\n}\n"
      "{\n \"name\": \"Q\",\0\n \"description\": \"d\"\n}\n"
      "{\n \"name\": \"R\",\n \"description\": \"d\"\n}\n";
  static const char arr[] = "[{\"name\":\"A\",\"description\":\"d\"},\n"
                            " {\"name\":\"B\",\"description\":\"x\0y\"},\n"
                            " {\"name\":\"C\",\"description\":\"d\"}]\n";
  char out[8][300];
  char p[300];
  const char *in[1];
  in[0] = p;
  write_bytes("nul.jsonl", lines, sizeof(lines) - 1);
  snprintf(p, sizeof(p), "%s/nul.jsonl", dir);
  ASSERT_INT_EQ(read_all(in, 1, out, 8), 5);
  ASSERT_STR_EQ(out[0], "one");
  ASSERT_CONTAINS(out[1], "nul.jsonl:2: NUL byte in the input (column 31)");
  ASSERT_STR_EQ(out[2], "two");
  ASSERT_CONTAINS(out[3], "nul.jsonl:4: NUL byte in the input (column 1)");
  ASSERT_STR_EQ(out[4], "three");
  write_bytes("nul.json", doc, sizeof(doc) - 1);
  snprintf(p, sizeof(p), "%s/nul.json", dir);
  ASSERT_INT_EQ(read_all(in, 1, out, 8), 3);
  ASSERT_STR_EQ(out[0], "p");
  ASSERT_CONTAINS(out[1], "nul.json:5: NUL byte in the input");
  ASSERT_STR_EQ(out[2], "r");
  write_bytes("nul-arr.json", arr, sizeof(arr) - 1);
  snprintf(p, sizeof(p), "%s/nul-arr.json", dir);
  ASSERT_INT_EQ(read_all(in, 1, out, 8), 3);
  ASSERT_STR_EQ(out[0], "a");
  ASSERT_CONTAINS(out[1], "nul-arr.json:1: item 2 holds a NUL byte");
  ASSERT_STR_EQ(out[2], "c");
}

TEST(an_escaped_nul_in_a_field_is_refused_by_name) {
  char out[4][300];
  char p[300];
  const char *in[1];
  /* cJSON alone reads "ok" and drops the rest unseen: the control
   * character check never saw it. */
  write_file(
      "esc.jsonl",
      "{\"name\":\"One\",\"description\":\"ok\\u0000<script>\"}\n"
      "{\"name\":\"Two\",\"description\":\"d\",\"slug\\u0000\":\"x\"}\n");
  snprintf(p, sizeof(p), "%s/esc.jsonl", dir);
  in[0] = p;
  ASSERT_INT_EQ(read_all(in, 1, out, 4), 2);
  ASSERT_CONTAINS(out[0], "esc.jsonl:1: field \"description\" holds a NUL "
                          "character (\\u0000)");
  /* A key with a NUL is not "slug": the tool keeps its derived slug. */
  ASSERT_STR_EQ(out[1], "two");
}

/* Reads the next record without waiting; returns its slug, "!msg" for a
 * bad one, "EAGAIN" or "EOF". */
static const char *next_now(struct sk_toolsrc *s, char *buf, size_t size) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  int rc;
  sk_error_clear(&e);
  rc = sk_toolsrc_next(s, &t, &e);
  if (rc == SK_EAGAIN)
    return "EAGAIN";
  if (rc == 0)
    return "EOF";
  if (rc < 0)
    snprintf(buf, size, "!%s", e.msg);
  else
    snprintf(buf, size, "%s", t->slug);
  sk_tool_free(t);
  return buf;
}

static void put(int fd, const char *text) {
  ASSERT_INT_EQ((int)write(fd, text, strlen(text)), (int)strlen(text));
}

TEST(a_fifo_that_waits_never_blocks_the_reader) {
  char p[300];
  char buf[300];
  const char *in[1];
  struct sk_toolsrc *s = NULL;
  struct sk_error e;
  int w;
  snprintf(p, sizeof(p), "%s/tools.fifo", dir);
  ASSERT_INT_EQ(mkfifo(p, 0600), 0);
  in[0] = p;
  sk_error_clear(&e);
  /* Opening the reader does not wait for a writer either. */
  ASSERT_INT_EQ(sk_toolsrc_open(in, 1, &s, &e), 0);
  sk_toolsrc_set_nonblocking(s, 1);
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EAGAIN");
  ASSERT(sk_toolsrc_wait_fd(s) >= 0);
  w = open(p, O_WRONLY | O_NONBLOCK);
  ASSERT(w >= 0);
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EAGAIN");
  /* Half an array item, then half the next: kept until the rest comes. */
  put(w, "[{\"name\":\"One\",\"descr");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EAGAIN");
  put(w, "iption\":\"d\"},\n{\"name\":\"Two\",");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "one");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EAGAIN");
  put(w, "\"description\":\"d\"}]\n{\"name\":\"Three\",\n");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "two");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EAGAIN");
  put(w, "\"description\":\"d\"}\n");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "three");
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EAGAIN");
  close(w);
  ASSERT_STR_EQ(next_now(s, buf, sizeof(buf)), "EOF");
  sk_toolsrc_free(s);
  unlink(p);
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
  RUN(arrays_stream_whatever_their_count);
  RUN(a_hundred_thousand_tools_in_one_array_are_all_read);
  RUN(an_item_over_the_cap_is_one_bad_record);
  RUN(broken_arrays_cost_their_items_only);
  RUN(a_nul_byte_costs_its_own_record_only);
  RUN(an_escaped_nul_in_a_field_is_refused_by_name);
  RUN(a_fifo_that_waits_never_blocks_the_reader);
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
