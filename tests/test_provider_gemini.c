/* test_provider_gemini.c: Gemini's generateContent wire format: the exact
 * request built (model in the path, escaped; the key only in the marked
 * x-goog-api-key header, never the URL), replies parsed, blocked prompts
 * and filtered candidates as final failures, error bodies classified with
 * RetryInfo delays and per-day quotas. */
#include "harness.h"
#include "hdrs.h"
#include "shipskip/providers/provider.h"

static const struct sk_provider *gemini(void) {
  return sk_provider_find("gemini");
}

static void parse(long status, const char *body, struct hdrs *h,
                  struct sk_chat_result *r) {
  gemini()->parse(status, body, body ? strlen(body) : 0, hdrs_lookup, h, r);
}

TEST(builds_the_exact_request) {
  struct sk_provider_conf conf = {
      NULL, "https://generativelanguage.googleapis.com", "AIza-secret"};
  struct sk_message m[4] = {{"system", "You are the Skeptic."},
                            {"user", "Review \"this\"\nplease"},
                            {"assistant", "VERDICT: ship"},
                            {"user", "no SCORE line; answer again"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  size_t i;

  conf.impl = gemini();
  memset(&req, 0, sizeof(req));
  req.model = "gemini-2.5-flash-lite";
  req.messages = m;
  req.nmessages = 4;
  req.temperature = 0.5;
  req.max_tokens = 600;
  req.has_seed = 1;
  req.seed = 7;
  sk_error_clear(&e);
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://generativelanguage.googleapis.com/v1beta/"
                       "models/gemini-2.5-flash-lite:generateContent");
  ASSERT_STR_EQ(
      w.body,
      "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Review "
      "\\\"this\\\"\\nplease\"}]},{\"role\":\"model\",\"parts\":[{\"text\":"
      "\"VERDICT: ship\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"no "
      "SCORE line; answer again\"}]}],\"systemInstruction\":{\"parts\":[{"
      "\"text\":\"You are the Skeptic.\"}]},\"generationConfig\":{"
      "\"temperature\":0.5,\"maxOutputTokens\":600,\"seed\":7}}");
  ASSERT_INT_EQ(w.nheaders, 2);
  ASSERT_STR_EQ(w.headers[0], "Content-Type: application/json");
  ASSERT_INT_EQ(w.secret_header, 1);
  ASSERT_STR_EQ(w.headers[1], "x-goog-api-key: AIza-secret");
  /* Never the ?key= query parameter. */
  ASSERT_NOT_CONTAINS(w.url, "key=");
  ASSERT_NOT_CONTAINS(w.url, "AIza-secret");
  ASSERT_NOT_CONTAINS(w.body, "AIza-secret");
  for (i = 0; i < w.nheaders; i++)
    if ((int)i != w.secret_header)
      ASSERT_NOT_CONTAINS(w.headers[i], "AIza-secret");
  sk_wire_request_cleanup(&w);
  /* No system message and no parameters: neither object is sent. */
  req.messages = m + 1;
  req.nmessages = 1;
  req.temperature = -1;
  req.max_tokens = 0;
  req.has_seed = 0;
  conf.api_key = "";
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.body, "{\"contents\":[{\"role\":\"user\",\"parts\":[{"
                        "\"text\":\"Review \\\"this\\\"\\nplease\"}]}]}");
  ASSERT_INT_EQ(w.secret_header, -1);
  ASSERT_INT_EQ(w.nheaders, 1);
  sk_wire_request_cleanup(&w);
}

TEST(model_names_in_the_path) {
  static const struct {
    const char *model;
    const char *url;
  } CASES[] = {
      {"gemini-2.5-flash", "http://h/v1beta/models/gemini-2.5-flash"
                           ":generateContent"},
      {"models/gemini-2.0-flash", "http://h/v1beta/models/gemini-2.0-flash"
                                  ":generateContent"},
      {"tunedModels/my-model_1", "http://h/v1beta/tunedModels/my-model_1"
                                 ":generateContent"},
      {"../x?key=1#f", "http://h/v1beta/models/..%2Fx%3Fkey%3D1%23f"
                       ":generateContent"},
  };
  struct sk_provider_conf conf = {NULL, "http://h/", "k"};
  struct sk_message m[1] = {{"user", "hi"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  size_t i;

  conf.impl = gemini();
  memset(&req, 0, sizeof(req));
  req.messages = m;
  req.nmessages = 1;
  req.temperature = -1;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    req.model = CASES[i].model;
    sk_error_clear(&e);
    ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
    ASSERT_STR_EQ(w.url, CASES[i].url);
    ASSERT_NOT_CONTAINS(w.body, CASES[i].model);
    sk_wire_request_cleanup(&w);
  }
  m[0].role = "tool";
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "role \"tool\"");
}

TEST(success) {
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  parse(200,
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"thinking...\","
        "\"thought\":true},{\"text\":\"SCORE: 78/100\\n\"},{\"text\":"
        "\"VERDICT: ship\"}],\"role\":\"model\"},\"finishReason\":\"STOP\","
        "\"index\":0,\"safetyRatings\":[]}],\"usageMetadata\":{"
        "\"promptTokenCount\":345,\"candidatesTokenCount\":12,"
        "\"thoughtsTokenCount\":30,\"totalTokenCount\":387},\"modelVersion\":"
        "\"gemini-2.5-flash-lite\",\"responseId\":\"abc\"}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "SCORE: 78/100\nVERDICT: ship");
  ASSERT_STR_EQ(r.finish_reason, "STOP");
  ASSERT_INT_EQ(r.prompt_tokens, 345);
  ASSERT_INT_EQ(r.completion_tokens, 42); /* thoughts are billed */
  ASSERT_STR_EQ(r.error, "");
  ASSERT_INT_EQ(r.ratelimit.requests_remaining, -1);
  sk_chat_result_cleanup(&r);
  /* Text cut by a filter is still text: the validator judges it. */
  parse(200,
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"SCORE: 1\"}]},"
        "\"finishReason\":\"SAFETY\"}]}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.finish_reason, "SAFETY");
  sk_chat_result_cleanup(&r);
}

TEST(blocked_prompts_and_empty_candidates_are_final) {
  static const struct {
    const char *body;
    const char *cause;
    const char *error;
  } CASES[] = {
      {"{\"promptFeedback\":{\"blockReason\":\"SAFETY\",\"safetyRatings\":[]},"
       "\"usageMetadata\":{\"promptTokenCount\":40,\"totalTokenCount\":40}}",
       "blocked", "the prompt was blocked (blockReason SAFETY)"},
      {"{\"candidates\":[],\"promptFeedback\":{\"blockReason\":\"OTHER\","
       "\"blockReasonMessage\":\"The prompt\\nwas blocked\"}}",
       "blocked",
       "the prompt was blocked (blockReason OTHER): The prompt was "
       "blocked"},
      {"{\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0}]}",
       "blocked", "the reply was blocked (finishReason SAFETY)"},
      {"{\"candidates\":[{\"content\":{\"parts\":[]},\"finishReason\":"
       "\"RECITATION\"}]}",
       "blocked", "the reply was blocked (finishReason RECITATION)"},
      {"{\"candidates\":[{\"content\":{\"role\":\"model\"},\"finishReason\":"
       "\"OTHER\"}]}",
       "blocked", "the reply was blocked (finishReason OTHER)"},
      {"{\"candidates\":[{\"finishReason\":\"PROHIBITED_CONTENT\"}]}",
       "blocked", "the reply was blocked (finishReason PROHIBITED_CONTENT)"},
      {"{\"candidates\":[{\"content\":{\"role\":\"model\"},\"finishReason\":"
       "\"MAX_TOKENS\"}],\"usageMetadata\":{\"promptTokenCount\":9,"
       "\"thoughtsTokenCount\":600}}",
       "max_tokens",
       "the reply hit maxOutputTokens before any text "
       "(thinking models count their thoughts); raise "
       "--max-tokens"},
  };
  struct hdrs none = {{NULL}, {NULL}, ""};
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    struct sk_chat_result r;
    parse(200, CASES[i].body, &none, &r);
    ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
    ASSERT_STR_EQ(r.cause, CASES[i].cause);
    ASSERT_STR_EQ(r.error, CASES[i].error);
    ASSERT(r.content == NULL);
  }
}

TEST(error_bodies_are_classified) {
  static const struct {
    long status;
    const char *gstatus;
    const char *message;
    enum sk_outcome outcome;
    const char *cause;
  } CASES[] = {
      {429, "RESOURCE_EXHAUSTED",
       "Resource has been exhausted (e.g. check "
       "quota).",
       SK_OUTCOME_RETRY, "429"},
      {500, "INTERNAL", "An internal error has occurred.", SK_OUTCOME_RETRY,
       "5xx"},
      {503, "UNAVAILABLE",
       "The model is overloaded. Please try again "
       "later.",
       SK_OUTCOME_RETRY, "5xx"},
      {504, "DEADLINE_EXCEEDED", "Deadline expired", SK_OUTCOME_RETRY, "5xx"},
      {400, "INVALID_ARGUMENT",
       "API key not valid. Please pass a valid API "
       "key.",
       SK_OUTCOME_FINAL, "400"},
      {400, "FAILED_PRECONDITION",
       "User location is not supported for the "
       "API use.",
       SK_OUTCOME_FINAL, "400"},
      {403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers",
       SK_OUTCOME_FINAL, "403"},
      {404, "NOT_FOUND", "models/nope is not found for API version v1beta",
       SK_OUTCOME_FINAL, "404"},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    struct sk_chat_result r;
    struct hdrs none = {{NULL}, {NULL}, ""};
    char body[400];
    char want[400];
    snprintf(body, sizeof(body),
             "{\"error\":{\"code\":%ld,\"message\":\"%s\",\"status\":\"%s\"}}",
             CASES[i].status, CASES[i].message, CASES[i].gstatus);
    snprintf(want, sizeof(want), "HTTP %ld %s: %s", CASES[i].status,
             CASES[i].gstatus, CASES[i].message);
    parse(CASES[i].status, body, &none, &r);
    ASSERT_INT_EQ(r.outcome, CASES[i].outcome);
    ASSERT_STR_EQ(r.cause, CASES[i].cause);
    ASSERT_STR_EQ(r.error, want);
    ASSERT_INT_EQ(r.retry_after_ms, -1);
  }
}

TEST(rate_limited_waits) {
  static const char *const RETRY_INFO =
      "{\"error\":{\"code\":429,\"message\":\"You exceeded your current "
      "quota.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
      "\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{"
      "\"quotaMetric\":\"generativelanguage.googleapis.com/"
      "generate_content_free_tier_requests\",\"quotaId\":"
      "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},{"
      "\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
      "\"retryDelay\":\"37s\"}]}}";
  static const char *const PER_DAY =
      "{\"error\":{\"code\":429,\"message\":\"You exceeded your current "
      "quota.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
      "\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{"
      "\"quotaId\":\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]},"
      "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
      "\"retryDelay\":\"3600s\"}]}}";
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  struct hdrs header = {{"Retry-After"}, {"5"}, ""};

  /* No header: the body's RetryInfo is the wait. */
  parse(429, RETRY_INFO, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, 37000);
  ASSERT_STR_EQ(r.cause, "429");
  /* A header, when there is one, wins. */
  parse(429, RETRY_INFO, &header, &r);
  ASSERT_INT_EQ(r.retry_after_ms, 5000);
  /* A spent daily quota will not clear by waiting. */
  parse(429, PER_DAY, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.cause, "quota");
  ASSERT_STR_EQ(
      r.error, "HTTP 429 RESOURCE_EXHAUSTED: You exceeded your current quota.");
  /* Some front ends wrap the error in an array. */
  parse(503,
        "[{\"error\":{\"code\":503,\"message\":\"busy\",\"status\":"
        "\"UNAVAILABLE\",\"details\":[{\"@type\":\"type.googleapis.com/"
        "google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]}}]",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, 1500);
  ASSERT_STR_EQ(r.error, "HTTP 503 UNAVAILABLE: busy");
  /* Unreadable details are ignored. */
  parse(429,
        "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\","
        "\"details\":[1,{\"@type\":5},{\"@type\":\"google.rpc.RetryInfo\","
        "\"retryDelay\":\"soon\"},{\"@type\":\"google.rpc.QuotaFailure\","
        "\"violations\":\"x\"}]}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, -1);
  ASSERT_STR_EQ(r.error, "HTTP 429 RESOURCE_EXHAUSTED");
}

TEST(malformed_bodies_are_retried_never_crash) {
  static const char *const BODIES[] = {
      "{\"candidates\":[{\"content\":{\"parts\":[{\"te",
      "",
      "null",
      "[]",
      "[{\"candidates\":[]}]",
      "{}",
      "{\"candidates\":[]}",
      "{\"candidates\":\"x\"}",
      "{\"candidates\":[null]}",
      "{\"candidates\":[{\"content\":{\"parts\":[]},\"finishReason\":"
      "\"STOP\"}]}",
      "{\"candidates\":[{\"content\":{\"role\":\"model\"},\"finishReason\":"
      "\"STOP\"}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":5}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":{\"text\":\"x\"}}}]}",
      "{\"promptFeedback\":{\"blockReason\":7}}",
  };
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  size_t i;
  for (i = 0; i < sizeof(BODIES) / sizeof(BODIES[0]); i++) {
    parse(200, BODIES[i], &none, &r);
    if (r.outcome != SK_OUTCOME_RETRY || strcmp(r.cause, "malformed") != 0 ||
        r.content != NULL)
      TH_FAIL("body %zu (%s): outcome %d cause %s", i, BODIES[i],
              (int)r.outcome, r.cause);
  }
  parse(200, NULL, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  parse(502, "<html>Bad Gateway</html>", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 502 (no JSON error body)");
  parse(400, "{\"error\":\"plain\"}", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.error, "HTTP 400");
}

TEST(registry) {
  const struct sk_provider *p = gemini();
  ASSERT(p != NULL);
  ASSERT_STR_EQ(p->key_env, "GEMINI_API_KEY");
  ASSERT_STR_EQ(p->key_env_fallback, "GOOGLE_API_KEY");
  ASSERT_STR_EQ(p->base_url_env, "GEMINI_BASE_URL");
  ASSERT_STR_EQ(p->default_base_url,
                "https://generativelanguage.googleapis.com");
  ASSERT(p->default_model != NULL && p->default_model[0] != '\0');
}

int main(void) {
  RUN(builds_the_exact_request);
  RUN(model_names_in_the_path);
  RUN(success);
  RUN(blocked_prompts_and_empty_candidates_are_final);
  RUN(error_bodies_are_classified);
  RUN(rate_limited_waits);
  RUN(malformed_bodies_are_retried_never_crash);
  RUN(registry);
  return TEST_REPORT();
}
