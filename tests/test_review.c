/* test_review.c: the review codec: one review written and read back in
 * both of its records (a scorecard's "reviews" element and a journal
 * line), the journal line's exact bytes, and the same refusals with the
 * same words in both layouts. */
#include "harness.h"
#include "shipskip/model/review.h"

static char builder_name[] = "builder";
static char builder_display[] = "Builder";
static struct sk_persona builder = {.name = builder_name,
                                    .display_name = builder_display};
static const char *IN =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void make(struct sk_review *r, int ok) {
  memset(r, 0, sizeof(*r));
  r->persona = &builder;
  r->status = ok ? SK_REVIEW_OK : SK_REVIEW_FAILED;
  r->score = ok ? 84 : 0;
  memcpy(r->verdict, ok ? "ship" : "", ok ? 5 : 1);
  r->text = ok ? strdup("A paragraph \xe2\x80\x94 with a dash.") : NULL;
  r->provider = strdup("openai");
  r->model = strdup("gpt-4o-mini");
  r->attempts = 2;
  r->retries = 1;
  r->prompt_tokens = 640;
  r->completion_tokens = 240;
  r->cost_usd = 0.000375;
  memcpy(r->inputs, IN, 65);
  if (!ok)
    sk_review_add_error(r, "no VERDICT line");
}

/* Writes r in layout, reads it back into got (and its reviewer into p). */
static int round_trip(const struct sk_review *r, enum sk_review_layout layout,
                      struct sk_persona *p, struct sk_review *got,
                      struct sk_error *e) {
  cJSON *o = cJSON_CreateObject();
  int rc = sk_review_to_json(o, r, r->inputs, layout);
  memset(p, 0, sizeof(*p));
  sk_error_clear(e);
  if (rc == 0)
    rc = sk_review_from_json(o, layout, "t", "review", p, got, e);
  cJSON_Delete(o);
  return rc;
}

static void same(const struct sk_review *a, const struct sk_review *b) {
  size_t i;
  ASSERT_INT_EQ(a->status, b->status);
  ASSERT_INT_EQ(a->score, b->score);
  ASSERT_STR_EQ(a->verdict, b->verdict);
  ASSERT((a->text == NULL) == (b->text == NULL));
  if (a->text != NULL && b->text != NULL)
    ASSERT_STR_EQ(a->text, b->text);
  ASSERT_STR_EQ(a->provider, b->provider);
  ASSERT_STR_EQ(a->model, b->model);
  ASSERT_INT_EQ(a->attempts, b->attempts);
  ASSERT_INT_EQ(a->retries, b->retries);
  ASSERT_INT_EQ(a->prompt_tokens, b->prompt_tokens);
  ASSERT_INT_EQ(a->completion_tokens, b->completion_tokens);
  ASSERT(a->cost_usd == b->cost_usd);
  ASSERT_STR_EQ(a->inputs, b->inputs);
  ASSERT_INT_EQ(a->nerrors, b->nerrors);
  for (i = 0; i < a->nerrors && i < b->nerrors; i++)
    ASSERT_STR_EQ(a->errors[i], b->errors[i]);
}

TEST(both_layouts_round_trip) {
  enum sk_review_layout layouts[2] = {SK_REVIEW_IN_SCORECARD,
                                      SK_REVIEW_IN_JOURNAL};
  int l;
  int ok;
  for (l = 0; l < 2; l++) {
    for (ok = 0; ok < 2; ok++) {
      struct sk_review r;
      struct sk_review got;
      struct sk_persona p;
      struct sk_error e;
      make(&r, ok);
      ASSERT_INT_EQ(round_trip(&r, layouts[l], &p, &got, &e), 0);
      same(&r, &got);
      ASSERT(got.persona == &p);
      ASSERT_STR_EQ(p.name, "builder");
      /* The journal has no display name: it defaults to the name. */
      ASSERT_STR_EQ(p.display_name, l == 0 ? "Builder" : "builder");
      sk_review_cleanup(&r);
      sk_review_cleanup(&got);
      free(p.name);
      free(p.display_name);
    }
  }
}

TEST(journal_line_keeps_its_format) {
  struct sk_review r;
  cJSON *o = cJSON_CreateObject();
  char *text;
  make(&r, 1);
  r.cost_usd = -1;
  free(r.provider);
  r.provider = NULL;
  cJSON_AddStringToObject(o, "tool", "code-llama-4");
  ASSERT_INT_EQ(sk_review_to_json(o, &r, IN, SK_REVIEW_IN_JOURNAL), 0);
  text = cJSON_PrintUnformatted(o);
  ASSERT_STR_EQ(text, "{\"tool\":\"code-llama-4\",\"persona\":\"builder\","
                      "\"inputs\":\"0123456789abcdef0123456789abcdef"
                      "0123456789abcdef0123456789abcdef\",\"status\":\"ok\","
                      "\"score\":84,\"verdict\":\"ship\",\"review\":\"A "
                      "paragraph \xe2\x80\x94 with a dash.\",\"provider\":\"\","
                      "\"model\":\"gpt-4o-mini\",\"attempts\":2,\"retries\":1,"
                      "\"prompt_tokens\":640,\"completion_tokens\":240,"
                      "\"cost_usd\":null,\"errors\":[]}");
  cJSON_free(text);
  cJSON_Delete(o);
  sk_review_cleanup(&r);
}

/* Reads text as a review in layout; returns the message ("" when read). */
static const char *refusal(const char *text, enum sk_review_layout layout) {
  static struct sk_error e;
  cJSON *o = cJSON_Parse(text);
  struct sk_persona p;
  struct sk_review r;
  memset(&p, 0, sizeof(p));
  sk_error_clear(&e);
  if (sk_review_from_json(o, layout, "t", "review", &p, &r, &e) == 0)
    snprintf(e.msg, sizeof(e.msg), "(read)");
  sk_review_cleanup(&r);
  free(p.name);
  free(p.display_name);
  cJSON_Delete(o);
  return e.msg;
}

#define GOOD_IN                                                                \
  "\"inputs\": \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789a"  \
  "bcdef\""

TEST(one_set_of_checks_for_both_layouts) {
  static const struct {
    const char *json;
    const char *msg;
  } cases[] = {
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"ok\", \"score\": 140, "
       "\"verdict\": \"ship\", \"review\": \"x\"}",
       "t: review.score must be a whole number from 0 to 100"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"ok\", \"score\": 84.5, "
       "\"verdict\": \"ship\", \"review\": \"x\"}",
       "t: review.score must be a whole number from 0 to 100"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"ok\", \"score\": 84, "
       "\"verdict\": \"maybe\", \"review\": \"x\"}",
       "t: review.verdict must be \"ship\" or \"skip\""},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"ok\", \"score\": 84, "
       "\"verdict\": \"ship\", \"review\": \"\"}",
       "t: review.review is empty"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"meh\"}",
       "t: review.status must be \"ok\" or \"failed\""},
      {"{\"persona\": \"\", " GOOD_IN ", \"status\": \"failed\"}",
       "t: review.persona is empty"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"failed\", "
       "\"errors\": [1]}",
       "t: review.errors must be an array of UTF-8 strings"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"failed\", "
       "\"attempts\": 1e300}",
       "t: review.attempts must be a whole number from 0 to 10000"},
      {"{\"persona\": \"b\", \"inputs\": \"xyz\", \"status\": \"failed\"}",
       "t: review.inputs must be 64 lowercase hex digits"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"failed\", "
       "\"rubric\": [\"moat\"]}",
       "t: review.rubric must be an object with \"covered\" and \"missing\""},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"failed\", "
       "\"rubric\": {\"covered\": [\"moat\"]}}",
       "t: review.rubric.missing must be an array of names"},
      {"{\"persona\": \"b\", " GOOD_IN ", \"status\": \"failed\", "
       "\"rubric\": {\"covered\": [\"\"], \"missing\": []}}",
       "t: review.rubric.covered must be an array of names"},
      {"[1]", "t: review must be an object"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ASSERT_STR_EQ(refusal(cases[i].json, SK_REVIEW_IN_SCORECARD), cases[i].msg);
    ASSERT_STR_EQ(refusal(cases[i].json, SK_REVIEW_IN_JOURNAL), cases[i].msg);
  }
  /* Where the layouts differ: the journal needs the digest, and keeps its
   * token counts on the line rather than in "usage". */
  ASSERT_STR_EQ(refusal("{\"persona\": \"b\", \"status\": \"failed\"}",
                        SK_REVIEW_IN_JOURNAL),
                "t: review.inputs must be 64 lowercase hex digits");
  ASSERT_STR_EQ(refusal("{\"persona\": \"b\", \"status\": \"failed\"}",
                        SK_REVIEW_IN_SCORECARD),
                "(read)");
  ASSERT_STR_EQ(refusal("{\"persona\": \"b\", " GOOD_IN
                        ", \"status\": \"failed\", \"prompt_tokens\": -1}",
                        SK_REVIEW_IN_JOURNAL),
                "t: review.prompt_tokens must be a whole number from 0 to "
                "9007199254740991");
  ASSERT_STR_EQ(refusal("{\"persona\": \"b\", \"status\": \"failed\", "
                        "\"usage\": {\"prompt_tokens\": -1}}",
                        SK_REVIEW_IN_SCORECARD),
                "t: review.usage.prompt_tokens must be a whole number from 0 "
                "to 9007199254740991");
}

/* Rubric coverage travels in both records, in rubric order, and a review
 * whose coverage was not measured writes no "rubric" key at all. */
TEST(rubric_coverage_round_trips) {
  struct sk_review r;
  struct sk_review got;
  struct sk_persona p;
  struct sk_error e;
  int layout;
  cJSON *o;
  char *text;

  make(&r, 1);
  o = cJSON_CreateObject();
  ASSERT_INT_EQ(sk_review_to_json(o, &r, r.inputs, SK_REVIEW_IN_SCORECARD), 0);
  ASSERT(cJSON_GetObjectItemCaseSensitive(o, "rubric") == NULL);
  cJSON_Delete(o);
  ASSERT_INT_EQ(sk_review_add_rubric(&r, 1, "primitive"), 0);
  ASSERT_INT_EQ(sk_review_add_rubric(&r, 0, "moment of truth"), 0);
  ASSERT_INT_EQ(sk_review_add_rubric(&r, 1, "what earns the ship"), 0);
  for (layout = SK_REVIEW_IN_SCORECARD; layout <= SK_REVIEW_IN_JOURNAL;
       layout++) {
    o = cJSON_CreateObject();
    ASSERT_INT_EQ(sk_review_to_json(o, &r, r.inputs, layout), 0);
    text =
        cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "rubric"));
    ASSERT_STR_EQ(text, "{\"covered\":[\"primitive\",\"what earns the ship\"],"
                        "\"missing\":[\"moment of truth\"]}");
    cJSON_free(text);
    cJSON_Delete(o);
    ASSERT_INT_EQ(round_trip(&r, layout, &p, &got, &e), 0);
    ASSERT_INT_EQ(got.has_rubric, 1);
    ASSERT_INT_EQ(got.ncovered, 2);
    ASSERT_INT_EQ(got.nmissing, 1);
    ASSERT_STR_EQ(got.covered[1], "what earns the ship");
    ASSERT_STR_EQ(got.missing[0], "moment of truth");
    sk_review_cleanup(&got);
    free(p.name);
    free(p.display_name);
  }
  /* Complete coverage is still recorded: an empty "missing". */
  sk_review_clear_rubric(&r);
  ASSERT_INT_EQ(r.has_rubric, 0);
  ASSERT_INT_EQ(sk_review_add_rubric(&r, 1, "primitive"), 0);
  ASSERT_INT_EQ(round_trip(&r, SK_REVIEW_IN_SCORECARD, &p, &got, &e), 0);
  ASSERT_INT_EQ(got.has_rubric, 1);
  ASSERT_INT_EQ(got.nmissing, 0);
  sk_review_cleanup(&got);
  free(p.name);
  free(p.display_name);
  r.persona = &builder;
  sk_review_cleanup(&r);
}

/* shipskip calibrate's spread rides in the scorecard layout; a reader
 * refuses one that counts more verdicts than repeats. */
TEST(calibration_round_trips_and_is_checked) {
  struct sk_review r;
  struct sk_review got;
  struct sk_persona p;
  struct sk_error e;
  cJSON *o;
  char *text;

  make(&r, 1);
  r.cal_repeats = 5;
  r.cal_score_sd = 3.162277;
  r.cal_ships = 3;
  r.cal_skips = 2;
  o = cJSON_CreateObject();
  ASSERT_INT_EQ(sk_review_to_json(o, &r, r.inputs, SK_REVIEW_IN_SCORECARD), 0);
  text = cJSON_PrintUnformatted(
      cJSON_GetObjectItemCaseSensitive(o, "calibration"));
  ASSERT_STR_EQ(text, "{\"repeats\":5,\"score_sd\":3.1623,\"verdicts\":{"
                      "\"ship\":3,\"skip\":2}}");
  cJSON_free(text);
  memset(&p, 0, sizeof(p));
  ASSERT_INT_EQ(sk_review_from_json(o, SK_REVIEW_IN_SCORECARD, "t", "review",
                                    &p, &got, &e),
                0);
  ASSERT_INT_EQ(got.cal_repeats, 5);
  ASSERT(got.cal_score_sd > 3.1622 && got.cal_score_sd < 3.1624);
  ASSERT_INT_EQ(got.cal_ships, 3);
  ASSERT_INT_EQ(got.cal_skips, 2);
  sk_review_cleanup(&got);
  free(p.name);
  free(p.display_name);
  /* Six verdicts of five repeats. */
  cJSON_ReplaceItemInObjectCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(o, "calibration"), "verdicts"),
      "ship", cJSON_CreateNumber(4));
  memset(&p, 0, sizeof(p));
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_review_from_json(o, SK_REVIEW_IN_SCORECARD, "t", "review",
                                    &p, &got, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "t: review.calibration must be");
  sk_review_cleanup(&got);
  free(p.name);
  free(p.display_name);
  cJSON_Delete(o);
  /* Not calibrated: no key at all, so other scorecards keep their bytes. */
  r.cal_repeats = 0;
  o = cJSON_CreateObject();
  ASSERT_INT_EQ(sk_review_to_json(o, &r, r.inputs, SK_REVIEW_IN_SCORECARD), 0);
  ASSERT(cJSON_GetObjectItemCaseSensitive(o, "calibration") == NULL);
  cJSON_Delete(o);
  r.persona = &builder;
  sk_review_cleanup(&r);
}

int main(void) {
  RUN(both_layouts_round_trip);
  RUN(rubric_coverage_round_trips);
  RUN(calibration_round_trips_and_is_checked);
  RUN(journal_line_keeps_its_format);
  RUN(one_set_of_checks_for_both_layouts);
  return TEST_REPORT();
}
