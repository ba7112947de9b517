/* test_fixture.c: the numbers and paths of recorded exchanges
 * (src/net/fixture.c): a written fixture reads back; a status or occurrence
 * that is not a whole number within its bounds is refused, never truncated;
 * the listing shows only counts that are counts; and paths are joined
 * without a doubled slash. The rest of the fixture format is covered end to
 * end by test_replay.py. */
#include "harness.h"
#include "shipskip/net/fixture.h"
#include "shipskip/util/fsutil.h"

#include <unistd.h>

static char g_dir[] = "/tmp/sk-fixture-XXXXXX";
static char g_key[65];
static char g_name[48];
static char g_text[4096];

/* Records one exchange into g_dir and keeps its text in g_text. */
static int record(void) {
  static const char *const URL = "http://h/v1/chat/completions";
  struct sk_exchange_info info = {"openai", "tool-a", "skeptic", 1, 0, 0};
  const char *req = "{\"model\":\"m\"}";
  char path[128];
  struct sk_error e;
  FILE *f;
  size_t n;

  sk_error_clear(&e);
  if (sk_fixture_key("openai", "POST", URL, req, strlen(req), g_key) != 0 ||
      sk_fixture_write(g_dir, "openai", "POST", URL, req, strlen(req), g_key,
                       &info, 200, "content-type: application/json\r\n",
                       "{\"a\":1}", 7, 0, NULL, NULL, &e) != 0)
    return -1;
  sk_fixture_name(g_key, 0, g_name);
  snprintf(path, sizeof(path), "%s/%s", g_dir, g_name);
  f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  n = fread(g_text, 1, sizeof(g_text) - 1, f);
  g_text[n] = '\0';
  fclose(f);
  return 0;
}

/* Rewrites the fixture with the first from in g_text replaced by to. */
static int rewrite(const char *from, const char *to) {
  char text[4096];
  const char *at = strstr(g_text, from);
  struct sk_error e;
  if (at == NULL)
    return -1;
  snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - g_text), g_text, to,
           at + strlen(from));
  sk_error_clear(&e);
  return sk_fs_write_atomic(g_dir, g_name, text, strlen(text), &e);
}

static char g_out[2048];

/* Appends a line to g_out. */
static void out_add(const char *line) {
  size_t len = strlen(g_out);
  snprintf(g_out + len, sizeof(g_out) - len, "%s\n", line);
}

static void problem_cb(void *ctx, const char *msg) {
  (void)ctx;
  out_add(msg);
}

/* A listing row laid out as `shipskip fixtures list` prints it. */
static void entry_cb(void *ctx, const struct sk_fixture_entry *e) {
  char row[1024];
  (void)ctx;
  if (e->problem != NULL)
    snprintf(row, sizeof(row), "%-40s (%s)", e->file, e->problem);
  else
    snprintf(row, sizeof(row), "%-40s %-24s %-10s %7d %5d %s", e->file, e->tool,
             e->persona, e->attempt, e->retry, e->status);
  out_add(row);
}

/* Runs check_dir (or list_dir) on g_dir and returns what it reported, one
 * line each, with check's count line as the CLI adds it. */
static const char *run(int list) {
  struct sk_error e;
  size_t n = 0;
  int bad;
  g_out[0] = '\0';
  sk_error_clear(&e);
  if (list) {
    (void)sk_fixture_list_dir(g_dir, entry_cb, NULL, &e);
  } else {
    bad = sk_fixture_check_dir(g_dir, NULL, problem_cb, NULL, &n, &e);
    snprintf(g_out + strlen(g_out), sizeof(g_out) - strlen(g_out),
             "%zu fixture%s checked, %d bad\n", n, n == 1 ? "" : "s", bad);
  }
  return g_out;
}

TEST(a_recorded_exchange_reads_back) {
  struct sk_fixture_response r;
  struct sk_error e;
  ASSERT_INT_EQ(record(), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_fixture_read(g_dir, g_key, 0, &r, &e), 0);
  ASSERT_INT_EQ(r.status, 200);
  ASSERT_STR_EQ(r.body, "{\"a\":1}");
  sk_fixture_response_cleanup(&r);
  ASSERT_CONTAINS(run(0), "1 fixture checked, 0 bad");
  ASSERT_CONTAINS(run(1), "tool-a");
  /* Not recorded: a miss, not an error. */
  ASSERT_INT_EQ(sk_fixture_read(g_dir, g_key, 1, &r, &e), SK_ENOENT);
}

TEST(a_status_must_be_a_whole_http_status) {
  static const char *const BAD[] = {"200.5", "99",      "600",
                                    "1e300", "\"200\"", NULL};
  size_t i;
  for (i = 0; BAD[i] != NULL; i++) {
    struct sk_fixture_response r;
    struct sk_error e;
    char to[32];
    snprintf(to, sizeof(to), "\"status\": %s,", BAD[i]);
    ASSERT_INT_EQ(rewrite("\"status\": 200,", to), 0);
    sk_error_clear(&e);
    ASSERT_INT_EQ(sk_fixture_read(g_dir, g_key, 0, &r, &e), SK_EPARSE);
    ASSERT_CONTAINS(e.msg, "response \"status\" is missing or not an HTTP "
                           "status");
    /* The listing shows "?" rather than a cut-down number. */
    ASSERT_CONTAINS(run(1), " ?\n");
  }
  ASSERT_INT_EQ(rewrite("\"status\": 200,", "\"status\": 599,"), 0);
  ASSERT_CONTAINS(run(1), " 599\n");
}

TEST(an_occurrence_must_be_a_count_of_sends) {
  static const char *const BAD[] = {"0.5", "-1", "1e300", "1000001", NULL};
  size_t i;
  for (i = 0; BAD[i] != NULL; i++) {
    char to[32];
    snprintf(to, sizeof(to), "\"occurrence\": %s,", BAD[i]);
    ASSERT_INT_EQ(rewrite("\"occurrence\": 0,", to), 0);
    ASSERT_CONTAINS(run(0), "\"occurrence\" is not a count of sends");
  }
  ASSERT_INT_EQ(rewrite("\"occurrence\": 0,", "\"occurrence\": 0,"), 0);
  ASSERT_CONTAINS(run(0), "0 bad");
}

TEST(listed_counts_are_counts) {
  const char *out;
  ASSERT_INT_EQ(rewrite("\"attempt\": 1,", "\"attempt\": 1e300,"), 0);
  out = run(1);
  /* attempt -1 (not a count), retry 0, status 200. */
  ASSERT_CONTAINS(out, "skeptic         -1     0 200\n");
  ASSERT_INT_EQ(rewrite("\"attempt\": 1,", "\"attempt\": 3,"), 0);
  ASSERT_CONTAINS(run(1), "skeptic          3     0 200\n");
}

TEST(paths_are_joined_once) {
  char dir[64];
  struct sk_fixture_response r;
  struct sk_error e;
  /* A directory given with a trailing slash names files without "//". */
  snprintf(dir, sizeof(dir), "%s/", g_dir);
  ASSERT_INT_EQ(rewrite("\"status\": 200,", "\"status\": 2000,"), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_fixture_read(dir, g_key, 0, &r, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, g_name);
  ASSERT_NOT_CONTAINS(e.msg, "//");
  ASSERT_INT_EQ(rewrite("\"status\": 200,", "\"status\": 200,"), 0);
}

/* DIR/LABEL says what replayed replies are; a missing one is no label, a
 * malformed one is an error naming the file, never a guessed label. */
TEST(a_label_is_one_line_of_text) {
  static const char *const BAD[] = {
      "", "two\nlines\n", "a\tb\n", "nul\0byte\n", "\xff\xfe\n", NULL};
  static const size_t BADLEN[] = {0, 10, 4, 9, 3};
  char path[128];
  char big[300];
  char *label = NULL;
  struct sk_error e;
  FILE *f;
  size_t i;
  snprintf(path, sizeof(path), "%s/LABEL", g_dir);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_fixture_label(g_dir, &label, &e), 0);
  ASSERT(label == NULL);
  f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs("Hand-written sample replies\n", f);
  fclose(f);
  ASSERT_INT_EQ(sk_fixture_label(g_dir, &label, &e), 0);
  ASSERT_STR_EQ(label, "Hand-written sample replies");
  free(label);
  for (i = 0; BAD[i] != NULL; i++) {
    f = fopen(path, "w");
    ASSERT(f != NULL);
    fwrite(BAD[i], 1, BADLEN[i], f);
    fclose(f);
    sk_error_clear(&e);
    ASSERT_INT_EQ(sk_fixture_label(g_dir, &label, &e), SK_EPARSE);
    ASSERT(label == NULL);
    ASSERT_CONTAINS(e.msg, path);
  }
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs(big, f);
  fclose(f);
  ASSERT(sk_fixture_label(g_dir, &label, &e) != 0);
  ASSERT(label == NULL);
  ASSERT_CONTAINS(e.msg, path);
  unlink(path);
}

int main(void) {
  char path[128];
  if (mkdtemp(g_dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  RUN(a_recorded_exchange_reads_back);
  RUN(a_status_must_be_a_whole_http_status);
  RUN(an_occurrence_must_be_a_count_of_sends);
  RUN(listed_counts_are_counts);
  RUN(paths_are_joined_once);
  RUN(a_label_is_one_line_of_text);
  snprintf(path, sizeof(path), "%s/%s", g_dir, g_name);
  unlink(path);
  rmdir(g_dir);
  return TEST_REPORT();
}
