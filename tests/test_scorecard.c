/* test_scorecard.c: panel merge (the published figures), the JSON keys, the
 * Markdown draft, escaping, and atomic writes. */
#include "harness.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/scorecard.h"

#include <dirent.h>
#include <stdint.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static struct sk_persona personas[4];
static const char *NAMES[4] = {"builder", "skeptic", "futurist", "founder"};
static const char *DISPLAY[4] = {"Builder", "Skeptic", "Futurist", "Founder"};

static void set(struct sk_review *r, int i, int score, const char *verdict) {
  memset(r, 0, sizeof(*r));
  r->persona = &personas[i];
  r->status = SK_REVIEW_OK;
  r->score = score;
  snprintf(r->verdict, sizeof(r->verdict), "%s", verdict);
  r->text = strdup("A paragraph.");
  r->model = strdup("fake-1");
  r->provider = strdup("openai");
  r->attempts = 1;
  r->prompt_tokens = 100;
  r->completion_tokens = 50;
  r->cost_usd = -1; /* no price known */
}

static void cleanup(struct sk_review *r, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    sk_review_cleanup(&r[i]);
}

TEST(published_panels) {
  struct sk_review r[4];
  struct sk_panel_result p;
  /* Gemini 2.5 Flash Lite: 78/74/80/72, all ship. */
  set(&r[0], 0, 78, "ship");
  set(&r[1], 1, 74, "ship");
  set(&r[2], 2, 80, "ship");
  set(&r[3], 3, 72, "ship");
  sk_scorecard_merge(r, 4, &p);
  ASSERT_STR_EQ(p.label, "Ship · 4 ship / 0 skip");
  ASSERT_INT_EQ(p.ship_percent, 100);
  ASSERT(p.mean_score == 76.0);
  ASSERT_INT_EQ(p.complete, 1);
  cleanup(r, 4);
  /* Code Llama 4: 84/78/81/55, the Founder skips. */
  set(&r[0], 0, 84, "ship");
  set(&r[1], 1, 78, "ship");
  set(&r[2], 2, 81, "ship");
  set(&r[3], 3, 55, "skip");
  sk_scorecard_merge(r, 4, &p);
  ASSERT_STR_EQ(p.label, "Ship · 3 ship / 1 skip");
  ASSERT_INT_EQ(p.ship_percent, 75);
  ASSERT(p.mean_score == 74.5);
  cleanup(r, 4);
}

TEST(split_skip_rounding_and_failures) {
  struct sk_review r[4];
  struct sk_panel_result p;
  set(&r[0], 0, 79, "ship");
  set(&r[1], 1, 58, "skip");
  set(&r[2], 2, 68, "ship");
  set(&r[3], 3, 49, "skip");
  sk_scorecard_merge(r, 4, &p);
  ASSERT_STR_EQ(p.verdict, "Split");
  ASSERT_INT_EQ(p.ship_percent, 50);
  ASSERT(p.mean_score == 63.5);
  /* One failed review: counted as failed, never as a verdict. */
  r[3].status = SK_REVIEW_FAILED;
  sk_scorecard_merge(r, 4, &p);
  ASSERT_STR_EQ(p.label, "Ship · 2 ship / 1 skip");
  ASSERT_INT_EQ(p.failed, 1);
  ASSERT_INT_EQ(p.reviewers, 3);
  ASSERT_INT_EQ(p.ship_percent, 67); /* 2/3 rounds to 67 */
  ASSERT(p.mean_score == 68.3);      /* 205/3 = 68.33 */
  ASSERT_INT_EQ(p.complete, 0);
  r[0].status = SK_REVIEW_FAILED;
  r[2].status = SK_REVIEW_FAILED;
  sk_scorecard_merge(r, 4, &p);
  ASSERT_STR_EQ(p.verdict, "Skip");
  r[1].status = SK_REVIEW_FAILED;
  sk_scorecard_merge(r, 4, &p);
  ASSERT(p.verdict == NULL);
  ASSERT_STR_EQ(p.label, "No verdict · 0 ship / 0 skip");
  cleanup(r, 4);
}

static struct sk_tool *tool(void) {
  cJSON *v = cJSON_Parse(
      "{\"name\":\"Code Llama 4\",\"description\":\"# Not a heading "
      "<script>alert(1)</script> [x](javascript:alert(1))\",\"entry\":"
      "\"Free\",\"pricing\":\"Free | open\",\"category\":\"Developer "
      "Tools\"}");
  struct sk_tool *t = NULL;
  struct sk_error e;
  sk_error_clear(&e);
  sk_tool_from_json(v, "t:1", &t, &e);
  cJSON_Delete(v);
  return t;
}

TEST(json_has_the_stable_keys) {
  struct sk_review r[2];
  struct sk_buf b;
  struct sk_error e;
  struct sk_tool *t = tool();
  cJSON *root;
  const cJSON *panel;
  const cJSON *rev;
  set(&r[0], 0, 84, "ship");
  set(&r[1], 3, 55, "skip");
  r[1].status = SK_REVIEW_FAILED;
  sk_review_add_error(&r[1], "no VERDICT line");
  sk_buf_init(&b, 1 << 20);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorecard_json(t, r, 2, NULL, &b, &e), 0);
  root = cJSON_Parse(sk_buf_str(&b));
  ASSERT(root != NULL);
  ASSERT_STR_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tool"), "slug")
                    ->valuestring,
                "code-llama-4");
  panel = cJSON_GetObjectItem(root, "panel");
  ASSERT_STR_EQ(cJSON_GetObjectItem(panel, "verdict")->valuestring, "Ship");
  ASSERT_INT_EQ(cJSON_GetObjectItem(panel, "ships")->valueint, 1);
  ASSERT_INT_EQ(cJSON_GetObjectItem(panel, "skips")->valueint, 0);
  ASSERT_INT_EQ(cJSON_GetObjectItem(panel, "ship_percent")->valueint, 100);
  ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(panel, "complete")));
  rev = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "reviews"), 1);
  ASSERT_STR_EQ(cJSON_GetObjectItem(rev, "persona")->valuestring, "founder");
  ASSERT_STR_EQ(cJSON_GetObjectItem(rev, "display_name")->valuestring,
                "Founder");
  ASSERT_STR_EQ(cJSON_GetObjectItem(rev, "status")->valuestring, "failed");
  ASSERT(cJSON_IsNull(cJSON_GetObjectItem(rev, "score")));
  ASSERT(cJSON_IsNull(cJSON_GetObjectItem(rev, "verdict")));
  ASSERT_STR_EQ(
      cJSON_GetArrayItem(cJSON_GetObjectItem(rev, "errors"), 0)->valuestring,
      "no VERDICT line");
  ASSERT(cJSON_IsNumber(cJSON_GetObjectItem(rev, "attempts")));
  ASSERT_STR_EQ(cJSON_GetObjectItem(rev, "model")->valuestring, "fake-1");
  /* No price: the cost is null, never a guessed 0. */
  ASSERT(cJSON_IsNull(
      cJSON_GetObjectItem(cJSON_GetObjectItem(rev, "usage"), "cost_usd")));
  ASSERT(cJSON_IsNull(
      cJSON_GetObjectItem(cJSON_GetObjectItem(root, "usage"), "cost_usd")));
  /* Two-space pretty printing, newline at the end. */
  ASSERT_CONTAINS(sk_buf_str(&b), "{\n  \"schema\": \"shipskip.scorecard/1\"");
  ASSERT_INT_EQ(b.data[b.len - 1], '\n');
  cJSON_Delete(root);
  sk_buf_cleanup(&b);
  sk_tool_free(t);
  cleanup(r, 2);
}

TEST(markdown_reads_like_the_page_and_escapes_untrusted_text) {
  struct sk_review r[4];
  struct sk_buf b;
  struct sk_error e;
  struct sk_tool *t = tool();
  const char *md;
  set(&r[0], 0, 84, "ship");
  set(&r[1], 1, 78, "ship");
  set(&r[2], 2, 81, "ship");
  set(&r[3], 3, 55, "skip");
  free(r[3].text);
  r[3].text = strdup("## Injected heading <img src=x onerror=alert(1)>");
  sk_buf_init(&b, 1 << 20);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorecard_markdown(t, r, 4, NULL, &b, &e), 0);
  md = sk_buf_str(&b);
  ASSERT_CONTAINS(md, "# Code Llama 4\n");
  ASSERT_CONTAINS(md, "| Panel verdict | Ship · 3 ship / 1 skip |");
  ASSERT_CONTAINS(md, "| Panel ship | 75% |");
  ASSERT_CONTAINS(md, "| Pricing | Free \\| open |");
  ASSERT_CONTAINS(md, "### Founder\n\n55/100 · skip\n\n");
  ASSERT_CONTAINS(md, "\\#\\# Injected heading \\<img");
  ASSERT_CONTAINS(md, "\\# Not a heading \\<script\\>");
  ASSERT_CONTAINS(md, "\\[x\\](javascript:alert(1))");
  ASSERT_NOT_CONTAINS(md, "\n## Injected");
  ASSERT_CONTAINS(md, "Tokens: 400 in, 200 out.");
  ASSERT_NOT_CONTAINS(md, "cost");
  /* With prices, the footer shows the estimated cost. */
  r[0].cost_usd = r[1].cost_usd = r[2].cost_usd = r[3].cost_usd = 0.000125;
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_scorecard_markdown(t, r, 4, NULL, &b, &e), 0);
  ASSERT_CONTAINS(sk_buf_str(&b),
                  "Tokens: 400 in, 200 out; estimated cost $0.0005.");
  sk_buf_cleanup(&b);
  sk_tool_free(t);
  cleanup(r, 4);
}

TEST(write_is_atomic_and_refuses_escape) {
  char dir[] = "/tmp/sk-scorecard-XXXXXX";
  char path[300];
  struct sk_review r[1];
  struct sk_error e;
  struct sk_tool *t = tool();
  char *text = NULL;
  size_t len;
  ASSERT(mkdtemp(dir) != NULL);
  set(&r[0], 0, 84, "ship");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorecard_write(dir, t, r, 1, NULL, &e), 0);
  snprintf(path, sizeof(path), "%s/code-llama-4.json", dir);
  ASSERT_INT_EQ(sk_fs_read_file(path, 1 << 20, &text, &len, &e), 0);
  ASSERT_CONTAINS(text, "\"score\": 84");
  free(text);
  snprintf(path, sizeof(path), "%s/code-llama-4.md", dir);
  ASSERT(access(path, F_OK) == 0);
  /* An unsafe slug never reaches the file system. */
  free(t->slug);
  t->slug = strdup("../escape");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorecard_write(dir, t, r, 1, NULL, &e), SK_EINVAL);
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, "../x", "a", 1, &e), SK_EINVAL);
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, ".hidden", "a", 1, &e), SK_EINVAL);
  /* An unwritable directory is a clear error naming the path. */
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_fs_write_atomic("/nonexistent-dir", "a.json", "a", 1, &e),
                SK_EIO);
  ASSERT_CONTAINS(e.msg, "/nonexistent-dir/.a.json.tmp");
  snprintf(path, sizeof(path), "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(path), 0);
  sk_tool_free(t);
  cleanup(r, 1);
}

TEST(write_to_a_full_disk_fails_cleanly) {
  char dir[] = "/tmp/sk-full-XXXXXX";
  char path[300];
  char big[8192];
  struct sk_error e;
  struct rlimit old;
  struct rlimit small;
  char *text = NULL;
  size_t len;
  int rc;
  DIR *d;
  struct dirent *ent;
  int entries = 0;

  ASSERT(mkdtemp(dir) != NULL);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, "t.json", "old", 3, &e), 0);
  /* A file-size limit makes write() fail part-way, as a full disk does;
   * SIGXFSZ is ignored so the failure comes back as an error. */
  memset(big, 'x', sizeof(big));
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &old);
  small = old;
  small.rlim_cur = 1000;
  setrlimit(RLIMIT_FSIZE, &small);
  rc = sk_fs_write_atomic(dir, "t.json", big, sizeof(big), &e);
  setrlimit(RLIMIT_FSIZE, &old);
  ASSERT_INT_EQ(rc, SK_EIO);
  ASSERT_CONTAINS(e.msg, "t.json: write failed");
  /* The previous file is intact and no temporary file is left behind. */
  snprintf(path, sizeof(path), "%s/t.json", dir);
  ASSERT_INT_EQ(sk_fs_read_file(path, 1 << 20, &text, &len, &e), 0);
  ASSERT_STR_EQ(text, "old");
  free(text);
  d = opendir(dir);
  ASSERT(d != NULL);
  while ((ent = readdir(d)) != NULL)
    if (ent->d_name[0] != '.' || strlen(ent->d_name) > 2)
      entries++;
  closedir(d);
  ASSERT_INT_EQ(entries, 1);
  snprintf(path, sizeof(path), "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(path), 0);
}

int main(void) {
  int i;
  for (i = 0; i < 4; i++) {
    personas[i].name = (char *)(uintptr_t)NAMES[i];
    personas[i].display_name = (char *)(uintptr_t)DISPLAY[i];
  }
  RUN(published_panels);
  RUN(split_skip_rounding_and_failures);
  RUN(json_has_the_stable_keys);
  RUN(markdown_reads_like_the_page_and_escapes_untrusted_text);
  RUN(write_is_atomic_and_refuses_escape);
  RUN(write_to_a_full_disk_fails_cleanly);
  return TEST_REPORT();
}
