/* test_panelstats.c: the panel figures on a small panel computed by hand:
 * three personas, four tools, one failed review.
 *
 *   tool  a         b         c          panel
 *   t1    ship 80   ship 70   skip 40    Ship
 *   t2    skip 30   skip 20   skip 10    Skip
 *   t3    ship 90   skip 50   ship 60    Ship
 *   t4    ship 70   ship 80   (failed)   Ship
 *
 * a: 3 of 4 ship, mean 67.5, sd sqrt(2075 / 3) = 26.2996, never against
 * the panel; b: 2 of 4, mean 55, sd sqrt(700) = 26.4575, against it on t3;
 * c: 1 of 3, mean 36.667, against it on t1. Kappa over t1-t3 (t4 lacks c):
 * P-bar = 5/9, P-e = (4/9)^2 + (5/9)^2 = 41/81, kappa = (4/81)/(40/81) = 0.1.
 * Alpha (interval) over all four tools, 11 values: 0.6144 (the pairwise
 * formula of docs/PANEL-STATS.md, computed aside).
 */
#include "harness.h"
#include "shipskip/model/panelstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEAR(a, b) ASSERT(fabs((double)(a) - (double)(b)) < 1e-3)

static char NA[] = "a", NB[] = "b", NC[] = "c", M1[] = "m1", M2[] = "m2";
static struct sk_persona PA = {.name = NA};
static struct sk_persona PB = {.name = NB};
static struct sk_persona PC = {.name = NC};

static void rv(struct sk_review *r, const struct sk_persona *p,
               const char *verdict, int score, char *model) {
  memset(r, 0, sizeof(*r));
  r->persona = p;
  r->model = model;
  if (verdict == NULL) {
    r->status = SK_REVIEW_FAILED;
    return;
  }
  r->status = SK_REVIEW_OK;
  r->score = score;
  strcpy(r->verdict, verdict);
}

/* Adds the table above, tools in the given order. */
static void add_panel(struct sk_panelstats *ps, const int *order,
                      char *c_model) {
  static const char *const V[4][3] = {{"ship", "ship", "skip"},
                                      {"skip", "skip", "skip"},
                                      {"ship", "skip", "ship"},
                                      {"ship", "ship", NULL}};
  static const int S[4][3] = {
      {80, 70, 40}, {30, 20, 10}, {90, 50, 60}, {70, 80, 0}};
  static const char *const SLUG[4] = {"t1", "t2", "t3", "t4"};
  int i;
  for (i = 0; i < 4; i++) {
    int t = order[i];
    struct sk_review r[3];
    rv(&r[0], &PA, V[t][0], S[t][0], M1);
    rv(&r[1], &PB, V[t][1], S[t][1], M1);
    rv(&r[2], &PC, V[t][2], S[t][2], c_model);
    ASSERT_INT_EQ(sk_panelstats_add(ps, SLUG[t], r, 3), 0);
  }
  ASSERT_INT_EQ(sk_panelstats_finish(ps), 0);
}

static char *json_of(const struct sk_panelstats *ps) {
  cJSON *j = sk_panelstats_json(ps);
  char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
  cJSON_Delete(j);
  return s;
}

TEST(hand_computed_panel) {
  static const int ORDER[4] = {0, 1, 2, 3};
  struct sk_panelstats ps;
  const struct sk_panelstats_group *g;

  sk_panelstats_init(&ps);
  add_panel(&ps, ORDER, M1);
  ASSERT_INT_EQ(ps.tools, 4);
  ASSERT_INT_EQ(ps.ngroups, 3);
  ASSERT_INT_EQ(ps.mixed_models, 0);
  g = &ps.groups[0];
  ASSERT_STR_EQ(g->persona, "a");
  ASSERT_INT_EQ(g->ships, 3);
  ASSERT_INT_EQ(g->reviews, 4);
  NEAR(g->ship_rate.low, 0.30064);
  NEAR(g->ship_rate.high, 0.95441);
  NEAR(g->scores.mean, 67.5);
  NEAR(g->scores.sd, 26.29956);
  ASSERT_INT_EQ(g->disagree, 0);
  ASSERT_INT_EQ(g->compared, 4);
  g = &ps.groups[1];
  ASSERT_INT_EQ(g->ships, 2);
  NEAR(g->scores.sd, 26.45751);
  ASSERT_INT_EQ(g->disagree, 1);
  g = &ps.groups[2];
  ASSERT_STR_EQ(g->persona, "c");
  ASSERT_INT_EQ(g->reviews, 3);
  NEAR(g->scores.mean, 36.66667);
  NEAR(g->scores.sd, 25.16611);
  NEAR(g->ship_rate.low, 0.06149);
  ASSERT_INT_EQ(g->disagree, 1);
  ASSERT_INT_EQ(g->compared, 3);
  ASSERT_INT_EQ(ps.kappa.status, SK_STATS_OK);
  ASSERT_INT_EQ(ps.kappa_tools, 3);
  NEAR(ps.kappa.kappa, 0.1);
  ASSERT_INT_EQ(ps.alpha.status, SK_STATS_OK);
  ASSERT_INT_EQ(ps.alpha.units, 4);
  ASSERT_INT_EQ(ps.alpha.values, 11);
  NEAR(ps.alpha.alpha, 0.61440);
  sk_panelstats_cleanup(&ps);
}

TEST(order_does_not_change_output) {
  static const int A[4] = {0, 1, 2, 3};
  static const int B[4] = {3, 1, 0, 2};
  struct sk_panelstats p1;
  struct sk_panelstats p2;
  char *s1;
  char *s2;

  sk_panelstats_init(&p1);
  sk_panelstats_init(&p2);
  add_panel(&p1, A, M1);
  add_panel(&p2, B, M1);
  s1 = json_of(&p1);
  s2 = json_of(&p2);
  ASSERT_STR_EQ(s1, s2);
  ASSERT_CONTAINS(s1, "\"kappa\":0.1,");
  ASSERT_CONTAINS(s1, "\"alpha\":0.6144");
  cJSON_free(s1);
  cJSON_free(s2);
  sk_panelstats_cleanup(&p1);
  sk_panelstats_cleanup(&p2);
}

TEST(mixed_models_split_groups) {
  static const int ORDER[4] = {0, 1, 2, 3};
  struct sk_panelstats ps;
  char *s;

  sk_panelstats_init(&ps);
  add_panel(&ps, ORDER, M2);
  ASSERT_INT_EQ(ps.mixed_models, 1);
  ASSERT_STR_EQ(ps.groups[2].model, "m2");
  s = json_of(&ps);
  ASSERT_CONTAINS(s, "\"mixed_models\":true");
  ASSERT_CONTAINS(s, "\"persona\":\"c\",\"model\":\"m2\"");
  cJSON_free(s);
  sk_panelstats_cleanup(&ps);
}

/* One persona, one tool: nothing to agree about; every undefined figure
 * is null with its explanation, never NaN. */
TEST(edge_cases_explained) {
  struct sk_panelstats ps;
  struct sk_review r;
  char *s;

  sk_panelstats_init(&ps);
  ASSERT_INT_EQ(sk_panelstats_finish(&ps), 0);
  s = json_of(&ps);
  ASSERT_CONTAINS(s, "\"status\":\"empty\"");
  ASSERT_CONTAINS(s, "\"kappa\":null");
  ASSERT_NOT_CONTAINS(s, "nan");
  cJSON_free(s);
  rv(&r, &PA, "ship", 70, M1);
  ASSERT_INT_EQ(sk_panelstats_add(&ps, "t1", &r, 1), 0);
  ASSERT_INT_EQ(sk_panelstats_finish(&ps), 0);
  ASSERT_INT_EQ(ps.kappa.status, SK_STATS_ONE_RATER);
  s = json_of(&ps);
  ASSERT_CONTAINS(s, "\"status\":\"one_rater\",\"explanation\":\"only one "
                     "rater");
  ASSERT_CONTAINS(s, "\"score\":{\"status\":\"too_few\"");
  ASSERT_CONTAINS(s, "\"sd\":null");
  ASSERT_NOT_CONTAINS(s, "nan");
  cJSON_free(s);
  sk_panelstats_cleanup(&ps);
  sk_panelstats_cleanup(NULL);
}

/* People against the panel of the table at the top. Community votes: t1
 * 10 ship / 2 skip (ship), t2 1 / 5 (skip), t3 3 / 3 (a tie: left out),
 * t4 none. The panel is Ship on t1 and Skip on t2: 2 of 2. a and b side
 * with the crowd on both; c skipped t1: 1 of 2. Editors: b's t3 review was
 * edited from ship to skip (turned around), a's t2 review was edited but
 * kept skip. */
TEST(humans_against_the_panel) {
  static const int ORDER[4] = {0, 1, 2, 3};
  static const long long VOTES[4][2] = {{10, 2}, {1, 5}, {3, 3}, {0, 0}};
  struct sk_panelstats ps;
  cJSON *hist[4] = {NULL, NULL, NULL, NULL};
  char *s;
  int t;

  sk_panelstats_init(&ps);
  add_panel(&ps, ORDER, M1);
  hist[1] = cJSON_Parse("[{\"persona\":\"a\",\"verdict\":\"skip\","
                        "\"reason\":\"edited\"}]");
  hist[2] = cJSON_Parse("[{\"persona\":\"b\",\"verdict\":\"ship\","
                        "\"reason\":\"redo\"},{\"persona\":\"b\","
                        "\"verdict\":\"ship\",\"reason\":\"edited\"}]");
  for (t = 0; t < 4; t++) {
    static const char *const V[4][3] = {{"ship", "ship", "skip"},
                                        {"skip", "skip", "skip"},
                                        {"ship", "skip", "ship"},
                                        {"ship", "ship", NULL}};
    static const int S[4][3] = {
        {80, 70, 40}, {30, 20, 10}, {90, 50, 60}, {70, 80, 0}};
    struct sk_review r[3];
    rv(&r[0], &PA, V[t][0], S[t][0], M1);
    rv(&r[1], &PB, V[t][1], S[t][1], M1);
    rv(&r[2], &PC, V[t][2], S[t][2], M1);
    r[0].edited = t == 1;
    r[1].edited = t == 2;
    sk_panelstats_add_humans(&ps, r, 3, VOTES[t][0], VOTES[t][1], hist[t]);
  }
  ASSERT_INT_EQ(sk_panelstats_finish(&ps), 0);
  ASSERT_INT_EQ(ps.panel_community.k, 2);
  ASSERT_INT_EQ(ps.panel_community.n, 2);
  ASSERT_INT_EQ(ps.groups[0].community.k, 2);
  ASSERT_INT_EQ(ps.groups[0].community.n, 2);
  ASSERT_INT_EQ(ps.groups[2].community.k, 1);
  ASSERT_INT_EQ(ps.groups[2].community.n, 2);
  ASSERT_INT_EQ(ps.groups[0].edited, 1);
  ASSERT_INT_EQ(ps.groups[0].editor_flips, 0);
  ASSERT_INT_EQ(ps.groups[1].edited, 1);
  ASSERT_INT_EQ(ps.groups[1].editor_flips, 1);
  ASSERT_INT_EQ(ps.tools_edited, 2);
  s = json_of(&ps);
  ASSERT_CONTAINS(s, "\"editor_edits\":{\"edited\":1,\"verdict_changed\":1}");
  ASSERT_CONTAINS(s, "\"humans\":{\"panel_agrees_with_community\":{"
                     "\"status\":\"ok\",\"k\":2,\"n\":2");
  cJSON_free(s);
  for (t = 0; t < 4; t++)
    cJSON_Delete(hist[t]);
  sk_panelstats_cleanup(&ps);
}

int main(void) {
  RUN(hand_computed_panel);
  RUN(order_does_not_change_output);
  RUN(mixed_models_split_groups);
  RUN(edge_cases_explained);
  RUN(humans_against_the_panel);
  return TEST_REPORT();
}
