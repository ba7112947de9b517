/* test_diff.c: the word diff (an LCS over words; both sides rebuilt from
 * the chunks, on hand-made and random inputs, and past the table cap) and
 * the scorecard diff report in text, colour and JSON. */
#include "editgen.h"
#include "harness.h"
#include "shipskip/desk/diff.h"
#include "shipskip/desk/draft.h"

/* Rebuilds side a (SAME and DEL chunks) or b (SAME and INS) into buf. */
static void rebuild(const struct sk_diff_chunk *c, size_t n, int side_b,
                    struct sk_buf *buf) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (c[i].op == (side_b ? SK_DIFF_DEL : SK_DIFF_INS))
      continue;
    if (buf->len > 0)
      sk_buf_adds(buf, " ");
    sk_buf_adds(buf, c[i].text);
  }
}

/* Diffs a and b, checks both sides rebuild and that no two neighbours
 * share an op, and returns the chunks as "=a b|-c|+d". */
static char *diff_str(const char *a, const char *b, int *ok) {
  struct sk_diff_chunk *c = NULL;
  struct sk_buf x;
  struct sk_buf s;
  size_t n = 0;
  size_t i;
  char *fa = NULL;
  char *fb = NULL;

  *ok = 0;
  if (sk_diff_words(a, b, &c, &n) != 0)
    return NULL;
  sk_buf_init(&x, 1 << 24);
  sk_buf_init(&s, 1 << 24);
  sk_draft_fold(a, &fa);
  sk_draft_fold(b, &fb);
  rebuild(c, n, 0, &x);
  *ok = strcmp(sk_buf_str(&x), fa) == 0;
  sk_buf_reset(&x);
  rebuild(c, n, 1, &x);
  *ok = *ok && strcmp(sk_buf_str(&x), fb) == 0;
  for (i = 0; i < n; i++) {
    if (i > 0 && c[i].op == c[i - 1].op)
      *ok = 0;
    if (i > 0 && c[i].op == SK_DIFF_DEL && c[i - 1].op == SK_DIFF_INS)
      *ok = 0;
    sk_buf_printf(&s, "%s%c%s", i ? "|" : "", "=-+"[c[i].op], c[i].text);
  }
  sk_diff_chunks_free(c, n);
  sk_buf_cleanup(&x);
  free(fa);
  free(fb);
  return sk_buf_take(&s);
}

#define ASSERT_DIFF(a, b, want)                                                \
  do {                                                                         \
    int th_ok;                                                                 \
    char *th_s = diff_str(a, b, &th_ok);                                       \
    int th_same = th_s != NULL && strcmp(th_s, want) == 0;                     \
    if (!th_same || !th_ok) {                                                  \
      fprintf(stderr, "  got: %s\n", th_s ? th_s : "(null)");                  \
      free(th_s);                                                              \
      TH_FAIL("diff of \"%s\" and \"%s\": want %s", a, b, want);               \
    }                                                                          \
    free(th_s);                                                                \
  } while (0)

TEST(word_diffs) {
  ASSERT_DIFF("a b c d", "a b c d", "=a b c d");
  ASSERT_DIFF("a b c d", "a x c d", "=a|-b|+x|=c d");
  ASSERT_DIFF("I skip it as a purchase",
              "I ship it, with conditions, as a purchase",
              "=I|-skip it|+ship it, with conditions,|=as a purchase");
  ASSERT_DIFF("", "new words", "+new words");
  ASSERT_DIFF("old words", "", "-old words");
  ASSERT_DIFF("", "", "");
  ASSERT_DIFF("a  b\n c", "a b c", "=a b c");
  ASSERT_DIFF("x a b c", "a b c y", "-x|=a b c|+y");
  ASSERT_DIFF("a b c", "c b a", "-a b|=c|+b a");
}

TEST(random_diffs_rebuild_both_sides) {
  static const char *const W[] = {"the", "buyer", "moat", "is", "a", "ship"};
  unsigned seed = 12345;
  int k;
  for (k = 0; k < 300; k++) {
    char a[512] = "";
    char b[512] = "";
    int i;
    int na;
    int nb;
    int ok;
    char *s;
    seed = seed * 1103515245u + 12345u;
    na = (int)(seed >> 16) % 30;
    seed = seed * 1103515245u + 12345u;
    nb = (int)(seed >> 16) % 30;
    for (i = 0; i < na; i++) {
      seed = seed * 1103515245u + 12345u;
      strcat(a, W[(seed >> 16) % 6]);
      strcat(a, " ");
    }
    for (i = 0; i < nb; i++) {
      seed = seed * 1103515245u + 12345u;
      strcat(b, W[(seed >> 16) % 6]);
      strcat(b, " ");
    }
    s = diff_str(a, b, &ok);
    free(s);
    if (!ok)
      TH_FAIL("random case %d: \"%s\" vs \"%s\"", k, a, b);
  }
}

TEST(past_the_table_cap) {
  /* 2,500 words a side, all different in the middle: 6 M cells, over the
   * cap, so the middle is deleted and inserted whole. */
  struct sk_buf a;
  struct sk_buf b;
  char *s;
  int ok;
  int i;
  sk_buf_init(&a, 1 << 24);
  sk_buf_init(&b, 1 << 24);
  sk_buf_adds(&a, "same start");
  sk_buf_adds(&b, "same start");
  for (i = 0; i < 2500; i++) {
    sk_buf_printf(&a, " a%d", i);
    sk_buf_printf(&b, " b%d", i);
  }
  sk_buf_adds(&a, " same end");
  sk_buf_adds(&b, " same end");
  s = diff_str(sk_buf_str(&a), sk_buf_str(&b), &ok);
  ASSERT(ok);
  ASSERT(strncmp(s, "=same start|-a0 a1 ", 19) == 0);
  ASSERT_CONTAINS(s, " a2499|+b0 b1 ");
  ASSERT_CONTAINS(s, " b2499|=same end");
  free(s);
  sk_buf_cleanup(&a);
  sk_buf_cleanup(&b);
}

static int load(struct eg *g, struct sk_scorefile *sf) {
  struct sk_error e;
  char *json = eg_render(g, 0);
  int rc;
  sk_error_clear(&e);
  if (json == NULL)
    return -1;
  rc = sk_scorefile_parse(json, strlen(json), "x.json", sf, &e);
  free(json);
  return rc;
}

static char *render(const struct sk_scorefile *a, const struct sk_scorefile *b,
                    enum sk_diff_format format, int color) {
  struct sk_diff_opts o;
  struct sk_buf out;
  struct sk_error e;
  memset(&o, 0, sizeof(o));
  o.format = format;
  o.color = color;
  o.label_a = "a.json";
  o.label_b = "b.json";
  sk_buf_init(&out, 1 << 22);
  sk_error_clear(&e);
  if (sk_diff_render(a, b, &o, &out, &e) != 0) {
    sk_buf_cleanup(&out);
    return NULL;
  }
  return sk_buf_take(&out);
}

TEST(report_text) {
  struct eg g;
  struct sk_scorefile a;
  struct sk_scorefile b;
  char *out;

  eg_init(&g);
  ASSERT_INT_EQ(load(&g, &a), 0);
  g.r[3].score = 65;
  snprintf(g.r[3].verdict, sizeof(g.r[3].verdict), "ship");
  free(g.r[3].text);
  g.r[3].text = strdup("12. A number leads because founders count: the buyer "
                       "is a platform team, pricing is free, and the moat is "
                       "thin.");
  ASSERT_INT_EQ(load(&g, &b), 0);
  eg_cleanup(&g);
  out = render(&a, &b, SK_DIFF_TEXT, 0);
  ASSERT_STR_EQ(out, "a: a.json\n"
                     "b: b.json\n"
                     "Tool    Code Llama 4\n"
                     "Panel   Ship · 3/1 → Ship · 4/0\n"
                     "Ship    75% → 100%\n"
                     "Mean    74.5 → 77.0\n"
                     "\n"
                     "Founder: 55/100 skip → 65/100 ship\n"
                     "  ... platform team, pricing is free, and the moat "
                     "[-belongs to the adopter.-] {+is thin.+}\n"
                     "\n"
                     "Unchanged: Builder 84/100 ship, Skeptic 78/100 ship, "
                     "Futurist 81/100 ship\n");
  free(out);
  out = render(&a, &b, SK_DIFF_TEXT, 1);
  ASSERT_CONTAINS(out, "moat \033[31mbelongs to the adopter.\033[0m "
                       "\033[32mis thin.\033[0m\n");
  ASSERT_NOT_CONTAINS(out, "[-");
  free(out);
  out = render(&a, &a, SK_DIFF_TEXT, 0);
  ASSERT_CONTAINS(out, "Panel   Ship · 3/1, 75% ship, mean 74.5 "
                       "(unchanged)\n");
  ASSERT_CONTAINS(out, "\nNo differences.\n");
  free(out);
  sk_scorefile_cleanup(&a);
  sk_scorefile_cleanup(&b);
}

TEST(report_one_sided_and_failed) {
  struct eg g;
  struct sk_scorefile a;
  struct sk_scorefile b;
  char *out;

  eg_init(&g);
  ASSERT_INT_EQ(load(&g, &a), 0);
  eg_fail_futurist(&g);
  g.personas[0].name = (char *)(uintptr_t) "critic";
  g.personas[0].display_name = (char *)(uintptr_t) "Critic";
  ASSERT_INT_EQ(load(&g, &b), 0);
  eg_cleanup(&g);
  out = render(&a, &b, SK_DIFF_TEXT, 0);
  ASSERT_CONTAINS(out, "\nBuilder: only in a (84/100 ship)\n");
  ASSERT_CONTAINS(out, "\nCritic: only in b (84/100 ship)\n");
  ASSERT_CONTAINS(out, "\nFuturist: 81/100 ship → failed\n  [-The futurist");
  ASSERT_CONTAINS(out, "Panel   Ship · 3/1 → Ship · 2/1\n");
  free(out);
  /* Context: eight words either side of a change, the rest elided. */
  out = NULL;
  {
    struct sk_scorefile c;
    eg_init(&g);
    free(g.r[0].text);
    g.r[0].text = strdup("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 OLD w12 w13 w14 w15 "
                         "w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 "
                         "w28 w29 w30 w31 OLD2 w33 w34");
    sk_scorefile_cleanup(&a);
    ASSERT_INT_EQ(load(&g, &a), 0);
    free(g.r[0].text);
    g.r[0].text = strdup("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 NEW w12 w13 w14 w15 "
                         "w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 "
                         "w28 w29 w30 w31 NEW2 w33 w34");
    ASSERT_INT_EQ(load(&g, &c), 0);
    eg_cleanup(&g);
    out = render(&a, &c, SK_DIFF_TEXT, 0);
    sk_scorefile_cleanup(&c);
  }
  ASSERT_CONTAINS(out, "\n  ... w3 w4 w5 w6 w7 w8 w9 w10 [-OLD-] {+NEW+} w12 "
                       "w13 w14 w15 w16 w17 w18 w19 ... w24 w25 w26 w27 w28 "
                       "w29 w30 w31 [-OLD2-] {+NEW2+} w33 w34\n");
  free(out);
  sk_scorefile_cleanup(&a);
  sk_scorefile_cleanup(&b);
}

TEST(report_json) {
  struct eg g;
  struct sk_scorefile a;
  struct sk_scorefile b;
  cJSON *root;
  const cJSON *r;
  const cJSON *w;
  char *out;

  eg_init(&g);
  ASSERT_INT_EQ(load(&g, &a), 0);
  g.r[3].score = 65;
  snprintf(g.r[3].verdict, sizeof(g.r[3].verdict), "ship");
  ASSERT_INT_EQ(load(&g, &b), 0);
  eg_cleanup(&g);
  out = render(&a, &b, SK_DIFF_JSON, 1);
  root = cJSON_Parse(out);
  free(out);
  ASSERT(root != NULL);
  ASSERT_STR_EQ(cJSON_GetObjectItem(root, "schema")->valuestring,
                "shipskip.diff/1");
  ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(root, "changed")));
  ASSERT_STR_EQ(
      cJSON_GetObjectItem(cJSON_GetObjectItem(root, "a"), "label")->valuestring,
      "a.json");
  r = cJSON_GetObjectItem(root, "panel");
  ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(r, "changed")));
  ASSERT_INT_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "b"), "ship_percent")
                    ->valueint,
                100);
  r = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "reviews"), 3);
  ASSERT_STR_EQ(cJSON_GetObjectItem(r, "persona")->valuestring, "founder");
  ASSERT_STR_EQ(cJSON_GetObjectItem(r, "change")->valuestring, "changed");
  ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(r, "score_changed")));
  ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(r, "review_changed")));
  ASSERT(cJSON_GetObjectItem(r, "words") == NULL);
  ASSERT_INT_EQ(
      cJSON_GetObjectItem(cJSON_GetObjectItem(r, "b"), "score")->valueint, 65);
  r = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "reviews"), 0);
  ASSERT_STR_EQ(cJSON_GetObjectItem(r, "change")->valuestring, "unchanged");
  cJSON_Delete(root);
  /* A changed paragraph carries its words. */
  eg_init(&g);
  free(g.r[1].text);
  g.r[1].text = strdup("Entirely new.");
  sk_scorefile_cleanup(&b);
  ASSERT_INT_EQ(load(&g, &b), 0);
  eg_cleanup(&g);
  out = render(&a, &b, SK_DIFF_JSON, 0);
  root = cJSON_Parse(out);
  free(out);
  r = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "reviews"), 1);
  ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(r, "review_changed")));
  w = cJSON_GetObjectItem(r, "words");
  ASSERT_INT_EQ(cJSON_GetArraySize(w), 2);
  ASSERT_STR_EQ(
      cJSON_GetObjectItem(cJSON_GetArrayItem(w, 0), "op")->valuestring, "del");
  ASSERT_STR_EQ(
      cJSON_GetObjectItem(cJSON_GetArrayItem(w, 1), "text")->valuestring,
      "Entirely new.");
  cJSON_Delete(root);
  sk_scorefile_cleanup(&a);
  sk_scorefile_cleanup(&b);
}

int main(void) {
  RUN(word_diffs);
  RUN(random_diffs_rebuild_both_sides);
  RUN(past_the_table_cap);
  RUN(report_text);
  RUN(report_one_sided_and_failed);
  RUN(report_json);
  return TEST_REPORT();
}
