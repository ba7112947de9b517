/* test_structured.c: structured output across the modules that carry it:
 * the reply schema made from a persona (model/schema.c), each provider's
 * native form of it and of its reply (providers/), the evidence check of
 * the validator (review/validate.c) and the evidence in the review codec
 * (model/review.c). The end-to-end behaviour (fallback, cut-off replies,
 * the fake server's checks) is in test_structured.py. */
#include "harness.h"
#include "shipskip/model/review.h"
#include "shipskip/model/schema.h"
#include "shipskip/providers/provider.h"
#include "shipskip/review/validate.h"

static const char PERSONA[] =
    "{\"name\":\"judge\",\"display_name\":\"Judge\",\"order\":1,"
    "\"lens\":\"You are the Judge.\",\"rubric\":["
    "{\"name\":\"buyer\",\"ask\":\"name the buyer\",\"missing\":\"no buyer\","
    "\"pattern\":\"\\\\bbuyer\\\\b\"},"
    "{\"name\":\"moat\",\"ask\":\"assess the moat\",\"missing\":\"no moat\","
    "\"pattern\":\"\\\\bmoat\\\\b\"}]}";

static struct sk_persona persona;

static void load_persona(void) {
  struct sk_error e;
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_persona_parse(PERSONA, strlen(PERSONA), "judge",
                                 "judge.json", &persona, &e),
                0);
}

TEST(schema_from_persona) {
  cJSON *s = NULL;
  char *text;
  ASSERT_INT_EQ(sk_schema_build(&persona, &s), 0);
  text = cJSON_PrintUnformatted(s);
  ASSERT_STR_EQ(
      text,
      "{\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"integer\","
      "\"description\":\"your score out of 100, a whole number from 0 to "
      "100\",\"minimum\":0,\"maximum\":100},\"verdict\":{\"type\":\"string\","
      "\"description\":\"ship or skip\",\"enum\":[\"ship\",\"skip\"]},"
      "\"review\":{\"type\":\"string\",\"description\":\"your review: one "
      "paragraph of plain prose\"},\"evidence\":{\"type\":\"object\","
      "\"description\":\"for each rubric element, the exact words of your "
      "review that cover it\",\"properties\":{\"buyer\":{\"type\":\"string\","
      "\"description\":\"the exact words of your review that cover name the "
      "buyer\"},\"moat\":{\"type\":\"string\",\"description\":\"the exact "
      "words of your review that cover assess the moat\"}},\"required\":["
      "\"buyer\",\"moat\"],\"additionalProperties\":false}},\"required\":["
      "\"score\",\"verdict\",\"review\",\"evidence\"],"
      "\"additionalProperties\":false}");
  cJSON_free(text);
  cJSON_Delete(s);
}

/* Builds a request of provider name with the persona's schema (or none)
 * and sets *out to its body (heap; NULL on failure). */
static void body_of(const char *name, int with_schema, char **out) {
  struct sk_provider_conf conf = {NULL, "http://h/v1", NULL};
  struct sk_message m[2] = {{"system", "You are the Judge."},
                            {"user", "Review it."}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  cJSON *s = NULL;
  *out = NULL;
  conf.impl = sk_provider_find(name);
  ASSERT(conf.impl != NULL);
  memset(&req, 0, sizeof(req));
  req.model = "m";
  req.messages = m;
  req.nmessages = 2;
  req.temperature = -1;
  if (with_schema) {
    ASSERT_INT_EQ(sk_schema_build(&persona, &s), 0);
    req.schema = s;
    req.schema_name = SK_SCHEMA_NAME;
  }
  sk_error_clear(&e);
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  *out = strdup(w.body);
  sk_wire_request_cleanup(&w);
  cJSON_Delete(s);
}

TEST(each_provider_sends_its_native_form) {
  static const struct {
    const char *name;
    const char *form;
    const char *absent;
  } CASES[] = {
      {"openai",
       "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
       "\"name\":\"shipskip_review\",\"strict\":true,\"schema\":{\"type\":"
       "\"object\"",
       "\"json_schema\":{\"type\""},
      {"mistral", "\"response_format\":{\"type\":\"json_schema\"", NULL},
      {"llamacpp", ",\"json_schema\":{\"type\":\"object\"", "response_format"},
      {"anthropic",
       "\"tools\":[{\"name\":\"shipskip_review\",\"description\":", NULL},
      {"anthropic",
       "\"tool_choice\":{\"type\":\"tool\",\"name\":\"shipskip_review\"}",
       NULL},
      {"gemini",
       "\"generationConfig\":{\"responseMimeType\":\"application/json\","
       "\"responseSchema\":{\"type\":\"OBJECT\"",
       "additionalProperties"},
      {"ollama", "\"stream\":false,\"format\":{\"type\":\"object\"", NULL},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    char *b;
    char *t;
    body_of(CASES[i].name, 1, &b);
    body_of(CASES[i].name, 0, &t);
    ASSERT(b != NULL && t != NULL);
    ASSERT_CONTAINS(b, CASES[i].form);
    if (CASES[i].absent != NULL)
      ASSERT_NOT_CONTAINS(b, CASES[i].absent);
    /* Without a schema the body is the text contract's, as before. */
    ASSERT_NOT_CONTAINS(t, "schema");
    ASSERT_NOT_CONTAINS(t, "tools");
    ASSERT_NOT_CONTAINS(t, "format");
    free(b);
    free(t);
  }
}

TEST(gemini_schema_is_its_subset) {
  char *b;
  body_of("gemini", 1, &b);
  ASSERT(b != NULL);
  ASSERT_CONTAINS(b, "\"propertyOrdering\":[\"score\",\"verdict\",\"review\","
                     "\"evidence\"]");
  ASSERT_CONTAINS(b, "\"score\":{\"type\":\"INTEGER\"");
  ASSERT_CONTAINS(b, "\"propertyOrdering\":[\"buyer\",\"moat\"]");
  ASSERT_NOT_CONTAINS(b, "minimum");
  ASSERT_NOT_CONTAINS(b, "additionalProperties");
  free(b);
}

TEST(anthropic_tool_use_is_the_reply) {
  const char *body =
      "{\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":"
      "\"shipskip_review\",\"input\":{\"score\":7,\"verdict\":\"skip\"}}],"
      "\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":3,"
      "\"output_tokens\":4}}";
  struct sk_chat_result r;
  sk_provider_find("anthropic")->parse(200, body, strlen(body), NULL, NULL, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "{\"score\":7,\"verdict\":\"skip\"}");
  ASSERT_STR_EQ(r.finish_reason, "tool_use");
  sk_chat_result_cleanup(&r);
}

TEST(a_400_naming_the_field_is_a_rejection) {
  const struct sk_provider *o = sk_provider_find("openai");
  const struct sk_provider *a = sk_provider_find("anthropic");
  const struct sk_provider *g = sk_provider_find("gemini");
  const struct sk_provider *l = sk_provider_find("ollama");
  ASSERT(o->rejects_structured("HTTP 400 invalid_request_error: "
                               "Unrecognized request argument supplied: "
                               "response_format"));
  ASSERT(!o->rejects_structured("HTTP 400 invalid_request_error: context "
                                "length exceeded"));
  ASSERT(!o->rejects_structured("HTTP 500 server_error: response_format"));
  ASSERT(a->rejects_structured("HTTP 400 invalid_request_error: tools: "
                               "Extra inputs are not permitted"));
  ASSERT(g->rejects_structured("HTTP 400 INVALID_ARGUMENT: Unknown name "
                               "\"responseSchema\""));
  ASSERT(l->rejects_structured("HTTP 400: invalid format"));
  /* Which types auto turns on: not the catch-all OpenAI-compatible one. */
  ASSERT_INT_EQ(o->structured_auto, 0);
  ASSERT_INT_EQ(a->structured_auto, 1);
  ASSERT_INT_EQ(sk_provider_find("llamacpp")->structured_auto, 1);
}

TEST(cut_off_finish_reasons) {
  ASSERT(sk_finish_is_cut_off("length"));
  ASSERT(sk_finish_is_cut_off("max_tokens"));
  ASSERT(sk_finish_is_cut_off("MAX_TOKENS"));
  ASSERT(!sk_finish_is_cut_off("stop"));
  ASSERT(!sk_finish_is_cut_off("tool_use"));
  ASSERT(!sk_finish_is_cut_off(NULL));
}

static const char REVIEW_TEXT[] =
    "Judgewise is a review tool for small teams. The buyer is the head of "
    "engineering at a fifty-person company who already pays for CI minutes "
    "and code review seats. Its moat is the history of every review it has "
    "graded, which a rival cannot copy, and it grows with each team that "
    "joins. The onboarding is quick and the docs are clear enough to follow "
    "in an afternoon, so I ship it for teams that want consistent reviews.";

/* A JSON reply with the given evidence members. */
static char *reply_with(const char *evidence) {
  size_t n = strlen(REVIEW_TEXT) + strlen(evidence) + 100;
  char *s = malloc(n);
  snprintf(s, n,
           "{\"score\":71,\"verdict\":\"ship\",\"review\":\"%s\","
           "\"evidence\":{%s}}",
           REVIEW_TEXT, evidence);
  return s;
}

TEST(evidence_quotes_cover_when_found) {
  struct sk_panel_def panel = {&persona, 1};
  struct sk_validate_opts o = {60, 260, 65536, SK_RUBRIC_DEFAULT};
  struct sk_validator *v = NULL;
  struct sk_reply r;
  struct sk_error e;
  char *reply;

  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_validator_new(&panel, &o, &v, &e), 0);
  /* Case, white space and typographic quotes do not matter; outer
   * punctuation is trimmed. */
  reply = reply_with("\"buyer\":\"THE  BUYER is the head of engineering.\","
                     "\"moat\":\"\\u201cits moat is the history\\u201d\"");
  ASSERT_INT_EQ(sk_validator_check(v, 0, reply, strlen(reply), &r), 0);
  ASSERT_INT_EQ(r.quoted, 3);
  ASSERT_STR_EQ(r.evidence[0], "THE BUYER is the head of engineering.");
  ASSERT(r.evidence[1] != NULL);
  sk_reply_cleanup(&r);
  free(reply);
  /* A quote not in the review, or empty: the pattern decides (it matches
   * here), and no quote is kept. */
  reply = reply_with("\"buyer\":\"the buyer is the CFO\",\"moat\":\"\"");
  ASSERT_INT_EQ(sk_validator_check(v, 0, reply, strlen(reply), &r), 0);
  ASSERT_INT_EQ(r.quoted, 0);
  ASSERT_INT_EQ(r.ncovered, 2);
  ASSERT(r.evidence[0] == NULL && r.evidence[1] == NULL);
  sk_reply_cleanup(&r);
  free(reply);
  /* Malformed evidence is ignored, not an error. */
  reply = reply_with("\"buyer\":7");
  ASSERT_INT_EQ(sk_validator_check(v, 0, reply, strlen(reply), &r), 0);
  ASSERT_INT_EQ(r.quoted, 0);
  sk_reply_cleanup(&r);
  free(reply);
  sk_validator_free(v);
}

TEST(evidence_round_trips_through_the_codec) {
  struct sk_review r;
  struct sk_review back;
  struct sk_persona p;
  struct sk_error e;
  cJSON *o = cJSON_CreateObject();
  char *text;

  memset(&r, 0, sizeof(r));
  r.persona = &persona;
  r.status = SK_REVIEW_OK;
  r.score = 71;
  memcpy(r.verdict, "ship", 5);
  r.text = strdup(REVIEW_TEXT);
  r.cost_usd = -1;
  ASSERT_INT_EQ(sk_review_add_rubric(&r, 1, "buyer"), 0);
  ASSERT_INT_EQ(sk_review_add_rubric(&r, 1, "moat"), 0);
  ASSERT_INT_EQ(sk_review_add_quote(&r, "buyer", "the buyer is the head"), 0);
  ASSERT_INT_EQ(sk_review_to_json(o, &r, "", SK_REVIEW_IN_SCORECARD), 0);
  text = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "rubric"));
  ASSERT_STR_EQ(text, "{\"covered\":[\"buyer\",\"moat\"],\"missing\":[],"
                      "\"evidence\":{\"buyer\":\"the buyer is the head\"}}");
  cJSON_free(text);
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_review_from_json(o, SK_REVIEW_IN_SCORECARD, "f", "r", &p, &back, &e),
      0);
  ASSERT_INT_EQ(back.nquotes, 1);
  ASSERT_STR_EQ(sk_review_quote(&back, "buyer"), "the buyer is the head");
  ASSERT(sk_review_quote(&back, "moat") == NULL);
  sk_review_cleanup(&back);
  free(p.name);
  free(p.display_name);
  /* An evidence value that is not a string is refused, naming it. */
  cJSON_AddNumberToObject(
      cJSON_GetObjectItem(cJSON_GetObjectItem(o, "rubric"), "evidence"), "x",
      1);
  ASSERT(sk_review_from_json(o, SK_REVIEW_IN_SCORECARD, "f", "r", &p, &back,
                             &e) != 0);
  ASSERT_CONTAINS(e.msg, "rubric.evidence must be an object of quotes");
  sk_review_cleanup(&back);
  free(p.name);
  free(p.display_name);
  cJSON_Delete(o);
  sk_review_cleanup(&r);
}

int main(void) {
  load_persona();
  RUN(schema_from_persona);
  RUN(each_provider_sends_its_native_form);
  RUN(gemini_schema_is_its_subset);
  RUN(anthropic_tool_use_is_the_reply);
  RUN(a_400_naming_the_field_is_a_rejection);
  RUN(cut_off_finish_reasons);
  RUN(evidence_quotes_cover_when_found);
  RUN(evidence_round_trips_through_the_codec);
  sk_persona_cleanup(&persona);
  return TEST_REPORT();
}
