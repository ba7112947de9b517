/* test_card.c: card sets from a directory (other schemas skipped, broken
 * files reported), resolution by path, slug and name. Reading one
 * scorecard back, votes and the display helpers are tested with the codec
 * in test_scorecard.c. */
#include "harness.h"
#include "cardgen.h"
#include "shipskip/model/card.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>
#include <unistd.h>

static void put(const char *dir, const char *name, const char *text) {
  struct sk_error e;
  sk_error_clear(&e);
  sk_fs_write_atomic(dir, name, text, strlen(text), &e);
}

static void rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *ent;
  char path[512];
  while (d != NULL && (ent = readdir(d)) != NULL) {
    if (ent->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
    unlink(path);
  }
  if (d != NULL)
    closedir(d);
  rmdir(dir);
}

static int nreports;
static char last_report[256];

static void report_cb(void *ctx, const char *msg) {
  (void)ctx;
  nreports++;
  snprintf(last_report, sizeof(last_report), "%s", msg);
}

TEST(sets_and_resolution) {
  char dir[] = "/tmp/sk-card-XXXXXX";
  struct sk_card_set set;
  struct sk_scorecard *c = NULL;
  struct sk_error e;
  size_t nbad = 0;
  char path[128];
  char *g =
      card_json("gemini-2-5-flash-lite", "Gemini 2.5 Flash Lite", GEMINI_PANEL);
  char *l = card_json("code-llama-4", "Code Llama 4", LLAMA_PANEL);
  char *twin = card_json("code-llama-4", "Imposter", LLAMA_PANEL);
  char *same = card_json("other-llama", "code llama 4", LLAMA_PANEL);

  ASSERT(mkdtemp(dir) != NULL);
  put(dir, "gemini-2-5-flash-lite.json", g);
  put(dir, "code-llama-4.json", l);
  put(dir, "zz-twin.json", twin);
  put(dir, "summary.json", "{\"schema\": \"shipskip.summary/1\"}");
  put(dir, "broken.json", "{\"schema\": \"shipskip.scorecard/1\", ");
  put(dir, "notes.md", "# not JSON");
  sk_error_clear(&e);
  nreports = 0;
  ASSERT_INT_EQ(sk_card_set_load(dir, 0, &set, &nbad, report_cb, NULL, &e), 0);
  ASSERT_INT_EQ(set.n, 2);
  ASSERT_INT_EQ(nbad, 2); /* broken.json and the second code-llama-4 */
  ASSERT_INT_EQ(nreports, 2);
  ASSERT_CONTAINS(last_report, "zz-twin.json: slug \"code-llama-4\" is "
                               "already taken");
  ASSERT(sk_card_set_find(&set, "code-llama-4") != NULL);
  ASSERT_STR_EQ(sk_card_set_find(&set, "code-llama-4")->tool->name,
                "Code Llama 4");
  ASSERT(sk_card_set_match(&set, "GEMINI 2.5 flash lite", &e) != NULL);
  sk_error_clear(&e);
  ASSERT(sk_card_set_match(&set, "Gemini", &e) == NULL);
  ASSERT_CONTAINS(e.msg, "no scorecard has the slug or tool name \"Gemini\" "
                         "(known: code-llama-4, gemini-2-5-flash-lite)");
  sk_card_set_cleanup(&set);

  /* Resolution: a path, a slug, a name in any case. */
  snprintf(path, sizeof(path), "%s/code-llama-4.json", dir);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_card_resolve(path, "/nonexistent", &c, &e), 0);
  ASSERT_STR_EQ(c->tool->slug, "code-llama-4");
  sk_scorecard_free(c);
  ASSERT_INT_EQ(sk_card_resolve("code-llama-4", dir, &c, &e), 0);
  ASSERT_STR_EQ(c->tool->name, "Code Llama 4");
  sk_scorecard_free(c);
  ASSERT_INT_EQ(sk_card_resolve("code-llama-4.json", dir, &c, &e), 0);
  sk_scorecard_free(c);
  ASSERT_INT_EQ(sk_card_resolve("gemini 2.5 FLASH lite", dir, &c, &e), 0);
  ASSERT_STR_EQ(c->tool->slug, "gemini-2-5-flash-lite");
  sk_scorecard_free(c);
  c = NULL;
  ASSERT(sk_card_resolve("Nope", dir, &c, &e) < 0);
  ASSERT(c == NULL);
  ASSERT_CONTAINS(e.msg, "\"Nope\"");
  /* Two tools called the same: ambiguous, and said so. */
  put(dir, "other-llama.json", same);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_card_resolve("Code Llama 4", dir, &c, &e), SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "names 2 tools (code-llama-4, other-llama); give a "
                         "slug instead");
  /* Summaries: figures kept, what only a page needs dropped; sorted by
   * slug whatever the file names. */
  put(dir, "0-first-file.json", g == NULL ? "" : strstr(g, "{"));
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_card_set_load(dir, SK_CARD_SUMMARY, &set, &nbad, NULL, NULL, &e), 0);
  ASSERT_INT_EQ(set.n, 3);
  ASSERT_STR_EQ(set.cards[0]->tool->slug, "code-llama-4");
  ASSERT_STR_EQ(set.cards[1]->tool->slug, "gemini-2-5-flash-lite");
  ASSERT_CONTAINS(set.cards[1]->path, "0-first-file.json");
  ASSERT_STR_EQ(set.cards[2]->tool->slug, "other-llama");
  ASSERT_INT_EQ(set.cards[0]->nreviews, 0);
  ASSERT(set.cards[0]->tool->description == NULL);
  ASSERT(set.cards[0]->tool->pricing == NULL);
  ASSERT_STR_EQ(set.cards[0]->tool->tagline, "A sample tagline");
  ASSERT_STR_EQ(set.cards[0]->tool->entry, "Free");
  ASSERT_INT_EQ(set.cards[0]->panel.ship_percent, 75);
  sk_card_set_cleanup(&set);
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_card_set_load("/nonexistent-dir", 0, &set, NULL, NULL, NULL, &e),
      SK_ENOENT);
  rm_dir(dir);
  free(g);
  free(l);
  free(twin);
  free(same);
}

int main(void) {
  RUN(sets_and_resolution);
  return TEST_REPORT();
}
