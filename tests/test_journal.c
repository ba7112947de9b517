/* test_journal.c: the review journal: append, resume lookups keyed by what
 * a review was made from, a torn last line, and a full disk. */
#include "harness.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/review/journal.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

static char founder_name[] = "founder";
static char builder_name[] = "builder";
static struct sk_persona founder = {.name = founder_name};
static struct sk_persona builder = {.name = builder_name};
static const char *IN1 =
    "1111111111111111111111111111111111111111111111111111111111111111";
static const char *IN2 =
    "2222222222222222222222222222222222222222222222222222222222222222";

static void make_review(struct sk_review *r, struct sk_persona *p, int ok) {
  memset(r, 0, sizeof(*r));
  r->persona = p;
  r->status = ok ? SK_REVIEW_OK : SK_REVIEW_FAILED;
  r->score = 55;
  memcpy(r->verdict, "skip", 5);
  r->text =
      ok ? strdup("A paragraph with \"quotes\" and \u2014 dashes.") : NULL;
  r->provider = strdup("openai");
  r->model = strdup("gpt-4o-mini");
  r->attempts = 2;
  r->retries = 1;
  r->prompt_tokens = 640;
  r->completion_tokens = 240;
  if (!ok)
    sk_review_add_error(r, "no VERDICT line");
}

static char dir[64];

static char *journal_text(void) {
  char path[128];
  char *text = NULL;
  size_t len;
  struct sk_error e;
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  sk_error_clear(&e);
  if (sk_fs_read_file(path, 1 << 20, &text, &len, &e) != 0)
    return NULL;
  return text;
}

TEST(append_then_resume_lookup) {
  struct sk_journal *j = NULL;
  struct sk_review r;
  struct sk_review got;
  struct sk_error e;
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_journal_open(dir, 0, NULL, NULL, &j, &e), 0);
  make_review(&r, &founder, 1);
  ASSERT_INT_EQ(sk_journal_append(j, "code-llama-4", IN1, &r, &e), 0);
  sk_review_cleanup(&r);
  make_review(&r, &builder, 0);
  ASSERT_INT_EQ(sk_journal_append(j, "code-llama-4", IN1, &r, &e), 0);
  sk_review_cleanup(&r);
  sk_journal_close(j);

  ASSERT_INT_EQ(sk_journal_open(dir, 1, NULL, NULL, &j, &e), 0);
  ASSERT_INT_EQ(sk_journal_entries(j), 2);
  ASSERT_INT_EQ(sk_journal_lookup(j, "code-llama-4", &founder, IN1, &got, &e),
                1);
  ASSERT_INT_EQ(got.status, SK_REVIEW_OK);
  ASSERT_INT_EQ(got.score, 55);
  ASSERT_STR_EQ(got.verdict, "skip");
  ASSERT_STR_EQ(got.text, "A paragraph with \"quotes\" and \u2014 dashes.");
  ASSERT_STR_EQ(got.model, "gpt-4o-mini");
  ASSERT_INT_EQ(got.attempts, 2);
  ASSERT_INT_EQ(got.retries, 1);
  ASSERT_INT_EQ(got.prompt_tokens, 640);
  ASSERT(got.persona == &founder);
  sk_review_cleanup(&got);
  ASSERT_INT_EQ(sk_journal_lookup(j, "code-llama-4", &builder, IN1, &got, &e),
                1);
  ASSERT_INT_EQ(got.status, SK_REVIEW_FAILED);
  ASSERT_INT_EQ(got.nerrors, 1);
  ASSERT_STR_EQ(got.errors[0], "no VERDICT line");
  sk_review_cleanup(&got);
  /* Changed inputs (a new tool text or persona prompt): not reused. */
  ASSERT_INT_EQ(sk_journal_lookup(j, "code-llama-4", &founder, IN2, &got, &e),
                0);
  ASSERT_INT_EQ(sk_journal_lookup(j, "other-tool", &founder, IN1, &got, &e), 0);
  /* A later line for the same review wins. */
  make_review(&r, &founder, 1);
  r.score = 90;
  ASSERT_INT_EQ(sk_journal_append(j, "code-llama-4", IN2, &r, &e), 0);
  sk_review_cleanup(&r);
  sk_journal_close(j);
  ASSERT_INT_EQ(sk_journal_open(dir, 1, NULL, NULL, &j, &e), 0);
  ASSERT_INT_EQ(sk_journal_lookup(j, "code-llama-4", &founder, IN2, &got, &e),
                1);
  ASSERT_INT_EQ(got.score, 90);
  sk_review_cleanup(&got);
  ASSERT_INT_EQ(sk_journal_lookup(j, "code-llama-4", &founder, IN1, &got, &e),
                0);
  sk_journal_close(j);
}

/* Collects what the journal reports while being read. */
struct warnings {
  int n;
  char last[512];
};

static void warn_cb(void *ctx, const char *msg) {
  struct warnings *w = ctx;
  w->n++;
  snprintf(w->last, sizeof(w->last), "%s", msg);
}

TEST(torn_last_line_is_ignored_and_cut) {
  struct sk_journal *j = NULL;
  struct sk_review r;
  struct sk_review got;
  struct sk_error e;
  char path[128];
  FILE *f;
  struct warnings w = {0, ""};
  char *text;
  sk_error_clear(&e);
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  f = fopen(path, "a");
  fputs("{\"tool\":\"half\",\"persona\":\"founder\",\"inp", f);
  fclose(f);
  ASSERT_INT_EQ(sk_journal_open(dir, 1, warn_cb, &w, &j, &e), 0);
  /* One problem, told once, as one line without a newline or a prefix:
   * the CLI adds "shipskip: " and the newline. */
  ASSERT_INT_EQ(w.n, 1);
  ASSERT_CONTAINS(w.last, "journal.jsonl:4: torn last line (an interrupted "
                          "write) ignored");
  ASSERT(strncmp(w.last, dir, strlen(dir)) == 0);
  ASSERT(strchr(w.last, '\n') == NULL);
  /* The good lines are still there, and a new line starts clean. */
  ASSERT_INT_EQ(sk_journal_lookup(j, "code-llama-4", &founder, IN2, &got, &e),
                1);
  sk_review_cleanup(&got);
  make_review(&r, &builder, 1);
  ASSERT_INT_EQ(sk_journal_append(j, "after", IN1, &r, &e), 0);
  sk_review_cleanup(&r);
  sk_journal_close(j);
  text = journal_text();
  ASSERT_NOT_CONTAINS(text, "\"half\"");
  ASSERT_CONTAINS(text, "}\n{\"tool\":\"after\"");
  free(text);
}

TEST(fresh_run_moves_the_old_journal_aside) {
  struct sk_journal *j = NULL;
  struct sk_error e;
  char old[128];
  char *text;
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_journal_open(dir, 0, NULL, NULL, &j, &e), 0);
  ASSERT_INT_EQ(sk_journal_entries(j), 0);
  sk_journal_close(j);
  text = journal_text();
  ASSERT_STR_EQ(text, "");
  free(text);
  snprintf(old, sizeof(old), "%s/journal.jsonl.old", dir);
  ASSERT(access(old, F_OK) == 0);
}

TEST(full_disk_leaves_the_journal_consistent) {
  struct sk_journal *j = NULL;
  struct sk_review r;
  struct sk_error e;
  struct rlimit old;
  struct rlimit small;
  char *text;
  int rc;
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_journal_open(dir, 0, NULL, NULL, &j, &e), 0);
  make_review(&r, &founder, 1);
  ASSERT_INT_EQ(sk_journal_append(j, "first", IN1, &r, &e), 0);
  /* The next line would pass a 400-byte file size limit: write fails. */
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &old);
  small = old;
  small.rlim_cur = 400;
  setrlimit(RLIMIT_FSIZE, &small);
  rc = sk_journal_append(j, "second", IN1, &r, &e);
  setrlimit(RLIMIT_FSIZE, &old);
  ASSERT_INT_EQ(rc, SK_EIO);
  ASSERT_CONTAINS(e.msg, "journal.jsonl: write failed");
  sk_review_cleanup(&r);
  sk_journal_close(j);
  /* Exactly the first line, whole: no half line left behind. */
  text = journal_text();
  ASSERT(text != NULL && strchr(text, '\n') == text + strlen(text) - 1);
  ASSERT_CONTAINS(text, "\"first\"");
  free(text);
}

TEST(parse_rejects_bad_lines) {
  char *s;
  char *p;
  char in[65];
  struct sk_review r;
  static const char *const bad[] = {
      "{}", "not json",
      "{\"tool\":\"t\",\"persona\":\"p\",\"inputs\":\"x\","
      "\"status\":\"ok\"}",
      "{\"tool\":\"t\",\"persona\":\"p\",\"inputs\":"
      "\"1111111111111111111111111111111111111111111111111111111111111111\","
      "\"status\":\"ok\",\"score\":140,\"verdict\":\"ship\",\"review\":\"r\"}",
      NULL};
  size_t i;
  for (i = 0; bad[i] != NULL; i++)
    ASSERT_INT_EQ(sk_journal_parse_line(bad[i], strlen(bad[i]), &s, &p, in, &r),
                  SK_EPARSE);
}

TEST(a_nul_in_a_journaled_string_refuses_the_line) {
  /* "skip\u0000" read cut short would pass as "skip"; the line is refused
   * (on --resume, warned about and its review requested again). */
  struct sk_journal *j = NULL;
  struct sk_review r;
  struct sk_error e;
  char *text;
  char *line;
  char *at;
  char *s = NULL;
  char *p = NULL;
  char in[65];
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_journal_open(dir, 0, NULL, NULL, &j, &e), 0);
  make_review(&r, &founder, 1);
  ASSERT_INT_EQ(sk_journal_append(j, "nul-tool", IN2, &r, &e), 0);
  sk_review_cleanup(&r);
  sk_journal_close(j);
  text = journal_text();
  ASSERT(text != NULL);
  line = strstr(text, "{\"tool\":\"nul-tool\"");
  ASSERT(line != NULL);
  *strchr(line, '\n') = '\0';
  ASSERT_INT_EQ(sk_journal_parse_line(line, strlen(line), &s, &p, in, &r), 0);
  free(s);
  free(p);
  sk_review_cleanup(&r);
  at = strstr(line, "\"skip\"");
  ASSERT(at != NULL);
  {
    /* The same line with the verdict "skip\u0000 or ship". */
    char edited[4096];
    snprintf(edited, sizeof(edited), "%.*s\"skip\\u0000 or ship\"%s",
             (int)(at - line), line, at + 6);
    ASSERT_INT_EQ(sk_journal_parse_line(edited, strlen(edited), &s, &p, in, &r),
                  SK_EPARSE);
  }
  free(text);
}

int main(void) {
  char cmd[128];
  int rc;
  snprintf(dir, sizeof(dir), "/tmp/sk-journal-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return 2;
  RUN(append_then_resume_lookup);
  RUN(torn_last_line_is_ignored_and_cut);
  RUN(fresh_run_moves_the_old_journal_aside);
  RUN(full_disk_leaves_the_journal_consistent);
  RUN(parse_rejects_bad_lines);
  RUN(a_nul_in_a_journaled_string_refuses_the_line);
  rc = TEST_REPORT();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    return 2;
  return rc;
}
