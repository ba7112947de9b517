/* test_scorefile.c: a scorecard file opened for editing: read back exactly
 * (JSON and draft byte for byte), a review replaced with history, "edited"
 * and the panel merged again, every other key kept in place, rewinding
 * history, failed reviews, files that are not scorecards, and saving. */
#include "editgen.h"
#include "harness.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/scorefile.h"

#include <unistd.h>

static int load(const char *json, struct sk_scorefile *sf) {
  struct sk_error e;
  sk_error_clear(&e);
  return sk_scorefile_parse(json, strlen(json), "t.json", sf, &e);
}

static char *print(const struct sk_scorefile *sf, int markdown) {
  struct sk_buf b;
  struct sk_error e;
  int rc;
  sk_buf_init(&b, 1 << 22);
  sk_error_clear(&e);
  rc = markdown ? sk_scorefile_markdown(sf, &b, &e)
                : sk_scorefile_json(sf, &b, &e);
  if (rc != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

TEST(reads_back_byte_for_byte) {
  struct eg g;
  struct sk_scorefile sf;
  struct sk_panel_result p;
  char *json;
  char *md;
  char *again;
  int fail;

  for (fail = 0; fail < 2; fail++) {
    eg_init(&g);
    if (fail)
      eg_fail_futurist(&g);
    json = eg_render(&g, 0);
    md = eg_render(&g, 1);
    eg_cleanup(&g);
    ASSERT(json != NULL && md != NULL);
    ASSERT_INT_EQ(load(json, &sf), 0);
    ASSERT_INT_EQ(sf.sc->nreviews, 4);
    ASSERT_STR_EQ(sf.sc->personas[3].name, "founder");
    ASSERT_STR_EQ(sf.sc->personas[3].display_name, "Founder");
    ASSERT_STR_EQ(sf.sc->reviews[0].text, EG_TEXTS[0]);
    ASSERT_INT_EQ(sf.sc->reviews[2].status,
                  fail ? SK_REVIEW_FAILED : SK_REVIEW_OK);
    ASSERT_INT_EQ(sk_scorefile_find(&sf, "skeptic"), 1);
    ASSERT_INT_EQ(sk_scorefile_find(&sf, "critic"), -1);
    sk_scorefile_panel(&sf, &p);
    ASSERT_STR_EQ(p.label,
                  fail ? "Ship · 2 ship / 1 skip" : "Ship · 3 ship / 1 skip");
    again = print(&sf, 0);
    ASSERT_STR_EQ(again, json);
    free(again);
    again = print(&sf, 1);
    ASSERT_STR_EQ(again, md);
    free(again);
    ASSERT_INT_EQ(sk_scorefile_history_count(&sf), 0);
    sk_scorefile_cleanup(&sf);
    free(json);
    free(md);
  }
}

/* The keys of the object o, comma-separated, into buf. */
static void keys(const cJSON *o, char *buf, size_t size) {
  const cJSON *c;
  size_t used = 0;
  buf[0] = '\0';
  for (c = o->child; c != NULL && used < size; c = c->next)
    used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "",
                             c->string);
}

TEST(set_review_records_history) {
  struct eg g;
  struct sk_scorefile sf;
  struct sk_error e;
  const cJSON *h;
  const cJSON *o;
  char k[512];
  char *json;
  char *before;
  char *md;

  eg_init(&g);
  json = eg_render(&g, 0);
  eg_cleanup(&g);
  ASSERT_INT_EQ(load(json, &sf), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorefile_set_review(&sf, 3, 65, "ship", "New words.",
                                        "2026-11-21T08:00:00Z", "edited", &e),
                0);
  /* The panel is merged again: Code Llama 4 becomes 4/0. */
  o = cJSON_GetObjectItemCaseSensitive(sf.root, "panel");
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(o, "label")->valuestring,
                "Ship · 4 ship / 0 skip");
  ASSERT_INT_EQ(cJSON_GetObjectItemCaseSensitive(o, "ship_percent")->valueint,
                100);
  ASSERT(cJSON_GetObjectItemCaseSensitive(o, "mean_score")->valuedouble ==
         77.0);
  keys(o, k, sizeof(k));
  ASSERT_STR_EQ(k, "verdict,label,ships,skips,failed,reviewers,ship_percent,"
                   "mean_score,complete");
  /* The review: values replaced in place, "edited" where the renderer
   * writes it. */
  o = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sf.root, "reviews"),
                         3);
  keys(o, k, sizeof(k));
  ASSERT_STR_EQ(k, "persona,display_name,score,verdict,review,provider,model,"
                   "attempts,retries,status,inputs,edited,errors,usage");
  ASSERT_INT_EQ(cJSON_GetObjectItemCaseSensitive(o, "score")->valueint, 65);
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(o, "review")->valuestring,
                "New words.");
  ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "edited")));
  /* History: exactly the agreed shape, at the end of the scorecard. */
  keys(sf.root, k, sizeof(k));
  ASSERT_STR_EQ(k, "schema,tool,panel,injection,community,usage,reviews,"
                   "history");
  ASSERT_INT_EQ(sk_scorefile_history_count(&sf), 1);
  h = sk_scorefile_history_entry(&sf, 0);
  keys(h, k, sizeof(k));
  ASSERT_STR_EQ(k, "persona,score,verdict,review,model,replaced_at,reason");
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(h, "persona")->valuestring,
                "founder");
  ASSERT_INT_EQ(cJSON_GetObjectItemCaseSensitive(h, "score")->valueint, 55);
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(h, "review")->valuestring,
                EG_TEXTS[3]);
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(h, "reason")->valuestring,
                "edited");
  ASSERT(sk_scorefile_history_entry(&sf, 1) == NULL);
  /* The draft shows the new review, the JSON reads back as it prints. */
  md = print(&sf, 1);
  ASSERT_CONTAINS(md, "65/100 · ship\n\nNew words.\n");
  ASSERT_CONTAINS(md, "| Panel verdict | Ship · 4 ship / 0 skip |");
  free(md);
  before = print(&sf, 0);
  sk_scorefile_cleanup(&sf);
  ASSERT_INT_EQ(load(before, &sf), 0);
  md = print(&sf, 0);
  ASSERT_STR_EQ(md, before);
  ASSERT_INT_EQ(sf.sc->reviews[3].edited, 1);
  free(md);
  free(before);
  sk_scorefile_cleanup(&sf);
  free(json);
}

TEST(set_review_rejects_bad_values) {
  struct eg g;
  struct sk_scorefile sf;
  struct sk_error e;
  char *json;
  eg_init(&g);
  json = eg_render(&g, 0);
  eg_cleanup(&g);
  ASSERT_INT_EQ(load(json, &sf), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_scorefile_set_review(&sf, 9, 50, "ship", "x", "t", "edited", &e),
      SK_EINVAL);
  ASSERT_INT_EQ(
      sk_scorefile_set_review(&sf, 0, 101, "ship", "x", "t", "edited", &e),
      SK_EINVAL);
  ASSERT_INT_EQ(
      sk_scorefile_set_review(&sf, 0, 50, "maybe", "x", "t", "edited", &e),
      SK_EINVAL);
  ASSERT_INT_EQ(sk_scorefile_history_count(&sf), 0);
  sk_scorefile_cleanup(&sf);
  free(json);
}

TEST(failed_review_written_by_hand) {
  struct eg g;
  struct sk_scorefile sf;
  struct sk_error e;
  const cJSON *h;
  const cJSON *o;
  char *json;

  eg_init(&g);
  eg_fail_futurist(&g);
  json = eg_render(&g, 0);
  eg_cleanup(&g);
  ASSERT_INT_EQ(load(json, &sf), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorefile_set_review(&sf, 2, 70, "ship", "By hand.", "t",
                                        "edited", &e),
                0);
  o = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sf.root, "reviews"),
                         2);
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(o, "status")->valuestring,
                "ok");
  h = sk_scorefile_history_entry(&sf, 0);
  ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(h, "score")));
  ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(h, "review")));
  o = cJSON_GetObjectItemCaseSensitive(sf.root, "panel");
  ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "complete")));
  /* Rewinding restores the failure. */
  ASSERT_INT_EQ(sk_scorefile_rewind(&sf, 0, &e), 0);
  ASSERT_INT_EQ(sf.sc->reviews[2].status, SK_REVIEW_FAILED);
  o = cJSON_GetObjectItemCaseSensitive(sf.root, "panel");
  ASSERT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "complete")));
  sk_scorefile_cleanup(&sf);
  free(json);
}

TEST(rewind_history) {
  struct eg g;
  struct sk_scorefile sf;
  struct sk_error e;
  struct sk_panel_result p;
  char *json;
  char *md0;
  char *md;

  eg_init(&g);
  json = eg_render(&g, 0);
  md0 = eg_render(&g, 1);
  eg_cleanup(&g);
  ASSERT_INT_EQ(load(json, &sf), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorefile_set_review(&sf, 3, 65, "ship", "Second.", "t1",
                                        "edited", &e),
                0);
  ASSERT_INT_EQ(
      sk_scorefile_set_review(&sf, 0, 20, "skip", "Third.", "t2", "edited", &e),
      0);
  ASSERT_INT_EQ(sk_scorefile_set_review(&sf, 3, 66, "ship", "Fourth.", "t3",
                                        "edited", &e),
                0);
  ASSERT_INT_EQ(sk_scorefile_history_count(&sf), 3);
  ASSERT_INT_EQ(sk_scorefile_rewind(&sf, 5, &e), SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "no history entry 6 (it has 3)");
  sk_error_clear(&e);
  /* Before entry 3 (index 2): founder back to "Second.". */
  ASSERT_INT_EQ(sk_scorefile_rewind(&sf, 2, &e), 0);
  ASSERT_INT_EQ(sk_scorefile_history_count(&sf), 2);
  ASSERT_STR_EQ(sf.sc->reviews[3].text, "Second.");
  ASSERT_INT_EQ(sf.sc->reviews[3].edited, 1); /* "Second." was an edit */
  ASSERT_INT_EQ(sf.sc->reviews[0].score, 20);
  /* Before entry 1: the scorecard as reviewed; its draft as written. */
  ASSERT_INT_EQ(sk_scorefile_rewind(&sf, 0, &e), 0);
  ASSERT_INT_EQ(sk_scorefile_history_count(&sf), 0);
  ASSERT(cJSON_GetObjectItemCaseSensitive(sf.root, "history") == NULL);
  ASSERT_STR_EQ(sf.sc->reviews[3].text, EG_TEXTS[3]);
  ASSERT_INT_EQ(sf.sc->reviews[0].score, 84);
  sk_scorefile_panel(&sf, &p);
  ASSERT_STR_EQ(p.label, "Ship · 3 ship / 1 skip");
  md = print(&sf, 1);
  ASSERT_STR_EQ(md, md0);
  free(md);
  /* Only edits were undone: the file as reviewed, byte for byte. */
  md = print(&sf, 0);
  ASSERT_STR_EQ(md, json);
  free(md);
  sk_scorefile_cleanup(&sf);
  free(json);
  free(md0);
}

TEST(not_a_scorecard) {
  struct sk_scorefile sf;
  ASSERT_INT_EQ(load("{\"schema\": \"shipskip.summary/1\"}", &sf), SK_EINVAL);
  sk_scorefile_cleanup(&sf);
  ASSERT_INT_EQ(load("{not json", &sf), SK_EPARSE);
  sk_scorefile_cleanup(&sf);
  ASSERT_INT_EQ(
      load("{\"schema\": \"shipskip.scorecard/1\", \"tool\": 3}", &sf),
      SK_EPARSE);
  sk_scorefile_cleanup(&sf);
}

TEST(save_writes_both) {
  struct eg g;
  struct sk_scorefile sf;
  struct sk_error e;
  char dir[] = "/tmp/sk-scorefile-XXXXXX";
  char path[256];
  char *json;
  char *text = NULL;
  size_t len = 0;

  eg_init(&g);
  json = eg_render(&g, 0);
  eg_cleanup(&g);
  ASSERT(mkdtemp(dir) != NULL);
  ASSERT_INT_EQ(load(json, &sf), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_scorefile_save(&sf, dir, "code-llama-4", &e), 0);
  sk_scorefile_cleanup(&sf);
  snprintf(path, sizeof(path), "%s/code-llama-4.json", dir);
  ASSERT_INT_EQ(sk_fs_read_file(path, 1 << 22, &text, &len, &e), 0);
  ASSERT_STR_EQ(text, json);
  free(text);
  unlink(path);
  snprintf(path, sizeof(path), "%s/code-llama-4.md", dir);
  ASSERT_INT_EQ(sk_fs_read_file(path, 1 << 22, &text, &len, &e), 0);
  ASSERT_CONTAINS(text, "# Code Llama 4\n");
  free(text);
  unlink(path);
  ASSERT_INT_EQ(sk_scorefile_load(path, &sf, &e), SK_ENOENT);
  sk_scorefile_cleanup(&sf);
  rmdir(dir);
  free(json);
}

int main(void) {
  RUN(reads_back_byte_for_byte);
  RUN(set_review_records_history);
  RUN(set_review_rejects_bad_values);
  RUN(failed_review_written_by_hand);
  RUN(rewind_history);
  RUN(not_a_scorecard);
  RUN(save_writes_both);
  return TEST_REPORT();
}
