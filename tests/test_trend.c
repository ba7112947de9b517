/* test_trend.c: earlier runs' panel figures read back night by night
 * (model/trend.h): order, the last N nights, persona ship rates summed
 * across models, statistics that could not be computed, and folders
 * without a usable summary skipped and counted. */
/* nftw() to remove the test folder. */
#define _XOPEN_SOURCE 700
#include "harness.h"
#include "shipskip/model/trend.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/sk-trend-XXXXXX";

static void night(const char *name, const char *summary) {
  char path[256];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", root, name);
  mkdir(path, 0777);
  if (summary == NULL)
    return;
  snprintf(path, sizeof(path), "%s/%s/summary.json", root, name);
  f = fopen(path, "w");
  fputs(summary, f);
  fclose(f);
}

#define PANEL(builder_k, founder_k, kappa_status, kappa)                       \
  "{\"schema\": \"x\", \"panel\": {\"personas\": ["                            \
  "{\"persona\": \"builder\", \"ship_rate\": {\"k\": " #builder_k              \
  ", \"n\": 4}},"                                                              \
  "{\"persona\": \"founder\", \"ship_rate\": {\"k\": " #founder_k              \
  ", \"n\": 4}}],"                                                             \
  "\"agreement\": {\"verdicts\": {\"status\": \"" kappa_status                 \
  "\", \"kappa\": " #kappa "}, \"scores\": {\"status\": \"ok\", "              \
  "\"alpha\": 0.5}}}}"

TEST(nights_in_order_with_gaps_and_skips) {
  struct sk_trend t;
  struct sk_error e;

  ASSERT(mkdtemp(root) != NULL);
  night("2026-12-01", PANEL(4, 1, "ok", 0.25));
  night("2026-12-03", PANEL(2, 0, "perfect_agreement", null));
  night("2026-12-02", "{\"panel\": {\"personas\": ["
                      "{\"persona\": \"builder\", \"model\": \"a\", "
                      "\"ship_rate\": {\"k\": 1, \"n\": 2}},"
                      "{\"persona\": \"builder\", \"model\": \"b\", "
                      "\"ship_rate\": {\"k\": 2, \"n\": 2}},"
                      "{\"persona\": \"skeptic\", "
                      "\"ship_rate\": {\"k\": 1, \"n\": 4}}]}}");
  night("2026-12-04", "{\"tools\": []}");           /* a merged summary */
  night("2026-12-05", "{\"panel\": {\"personas\""); /* torn */
  night("notes", NULL);                             /* no summary */
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_trend_load(root, 14, &t, &e), 0);
  ASSERT_INT_EQ(t.nights, 3);
  ASSERT_INT_EQ(t.skipped, 2);
  ASSERT_STR_EQ(t.labels[0], "2026-12-01");
  ASSERT_STR_EQ(t.labels[2], "2026-12-03");
  ASSERT_INT_EQ(t.npersonas, 3);
  /* Personas in the order first seen, reading newest first. */
  ASSERT_STR_EQ(t.personas[0], "builder");
  ASSERT_STR_EQ(t.personas[1], "founder");
  ASSERT_STR_EQ(t.personas[2], "skeptic");
  ASSERT(t.ship_rate[0][0] == 100.0);
  ASSERT(t.ship_rate[0][1] == 75.0); /* 3 of 4 across two models */
  ASSERT(t.ship_rate[0][2] == 50.0);
  ASSERT(isnan(t.ship_rate[1][1])); /* no founder that night */
  ASSERT(t.ship_rate[2][1] == 25.0);
  ASSERT(isnan(t.ship_rate[2][0]));
  ASSERT(t.kappa[0] == 0.25);
  ASSERT(isnan(t.kappa[1])); /* no agreement object */
  ASSERT(isnan(t.kappa[2])); /* not computable: a gap, not a number */
  ASSERT(t.alpha[2] == 0.5);
  sk_trend_cleanup(&t);

  /* The latest N nights only. */
  ASSERT_INT_EQ(sk_trend_load(root, 2, &t, &e), 0);
  ASSERT_INT_EQ(t.nights, 2);
  ASSERT_STR_EQ(t.labels[0], "2026-12-02");
  ASSERT_STR_EQ(t.labels[1], "2026-12-03");
  sk_trend_cleanup(&t);
}

/* Counts that would overflow once a persona's models are summed make the
 * night unusable (and leave the trend as it was), never a wrapped sum. */
TEST(huge_counts_are_refused_whole) {
  static const char *text =
      "{\"panel\": {\"personas\": ["
      "{\"persona\": \"b\", \"ship_rate\": {\"k\": 1, \"n\": "
      "9007199254740991}},"
      "{\"persona\": \"b\", \"ship_rate\": {\"k\": 1, \"n\": "
      "9007199254740991}}]}}";
  struct sk_trend *t = calloc(1, sizeof(*t));
  ASSERT(t != NULL);
  ASSERT_INT_EQ(sk_trend_add_night(t, "n1", text, strlen(text)), SK_EPARSE);
  ASSERT_INT_EQ(t->nights, 0);
  ASSERT_INT_EQ(t->npersonas, 0);
  sk_trend_cleanup(t);
  free(t);
}

TEST(bad_root_and_bounds) {
  struct sk_trend t;
  struct sk_error e;
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_trend_load("/nonexistent/sk-trend", 14, &t, &e), SK_ENOENT);
  ASSERT_CONTAINS(e.msg, "/nonexistent/sk-trend: cannot read");
  sk_trend_cleanup(&t);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_trend_load(root, 0, &t, &e), SK_EINVAL);
  sk_trend_cleanup(&t);
  ASSERT_INT_EQ(sk_trend_load(root, SK_TREND_MAX_NIGHTS + 1, &t, &e),
                SK_EINVAL);
  sk_trend_cleanup(&t);
}

static int remove_cb(const char *path, const struct stat *sb, int flag,
                     struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int main(void) {
  int rc;
  RUN(nights_in_order_with_gaps_and_skips);
  RUN(huge_counts_are_refused_whole);
  RUN(bad_root_and_bounds);
  rc = TEST_REPORT();
  if (nftw(root, remove_cb, 8, FTW_DEPTH | FTW_PHYS) != 0)
    return 1;
  return rc;
}
