/* test_provider_anthropic.c: Anthropic's Messages wire format: the exact
 * request built (system on top, max_tokens always, the key only in the
 * marked header), replies and error bodies parsed and classified, waits
 * taken from Retry-After and the RFC 3339 rate-limit resets. */
#include "harness.h"
#include "hdrs.h"
#include "shipskip/providers/provider.h"

#include <time.h>

static const struct sk_provider *anthropic(void) {
  return sk_provider_find("anthropic");
}

static void parse(long status, const char *body, struct hdrs *h,
                  struct sk_chat_result *r) {
  anthropic()->parse(status, body, body ? strlen(body) : 0, hdrs_lookup, h, r);
}

TEST(builds_the_exact_request) {
  struct sk_provider_conf conf = {NULL, "https://api.anthropic.com/",
                                  "sk-ant-secret"};
  struct sk_message m[4] = {{"system", "You are the Skeptic."},
                            {"user", "Review \"this\"\nplease"},
                            {"assistant", "VERDICT: ship"},
                            {"user", "no SCORE line; answer again"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  size_t i;

  conf.impl = anthropic();
  memset(&req, 0, sizeof(req));
  req.model = "claude-3-5-haiku-latest";
  req.messages = m;
  req.nmessages = 4;
  req.temperature = 0.5;
  req.max_tokens = 600;
  req.has_seed = 1; /* Anthropic has no seed: not sent */
  req.seed = 7;
  sk_error_clear(&e);
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://api.anthropic.com/v1/messages");
  ASSERT_STR_EQ(
      w.body,
      "{\"model\":\"claude-3-5-haiku-latest\",\"system\":\"You are the "
      "Skeptic.\",\"messages\":[{\"role\":\"user\",\"content\":\"Review "
      "\\\"this\\\"\\nplease\"},{\"role\":\"assistant\",\"content\":"
      "\"VERDICT: ship\"},{\"role\":\"user\",\"content\":\"no SCORE line; "
      "answer again\"}],\"max_tokens\":600,\"temperature\":0.5}");
  ASSERT_INT_EQ(w.body_len, strlen(w.body));
  ASSERT_INT_EQ(w.nheaders, 3);
  ASSERT_STR_EQ(w.headers[0], "Content-Type: application/json");
  ASSERT_STR_EQ(w.headers[1], "anthropic-version: 2023-06-01");
  ASSERT_INT_EQ(w.secret_header, 2);
  ASSERT_STR_EQ(w.headers[2], "x-api-key: sk-ant-secret");
  /* The key is in the marked header and nowhere else. */
  ASSERT_NOT_CONTAINS(w.url, "sk-ant-secret");
  ASSERT_NOT_CONTAINS(w.body, "sk-ant-secret");
  for (i = 0; i < w.nheaders; i++)
    if ((int)i != w.secret_header)
      ASSERT_NOT_CONTAINS(w.headers[i], "sk-ant-secret");
  sk_wire_request_cleanup(&w);
}

TEST(defaults_and_limits) {
  struct sk_provider_conf conf = {NULL, "http://127.0.0.1:9", NULL};
  struct sk_message m[2] = {{"user", "hi"}, {"system", "late system"}};
  struct sk_message bad[1] = {{"tool", "x"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;

  conf.impl = anthropic();
  memset(&req, 0, sizeof(req));
  req.model = "m";
  req.messages = m;
  req.nmessages = 1;
  req.temperature = -1;
  sk_error_clear(&e);
  /* No system message, no temperature, max_tokens defaulted (required). */
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "http://127.0.0.1:9/v1/messages");
  ASSERT_STR_EQ(w.body, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                        "\"content\":\"hi\"}],\"max_tokens\":1024}");
  ASSERT_INT_EQ(w.secret_header, -1);
  ASSERT_INT_EQ(w.nheaders, 2);
  sk_wire_request_cleanup(&w);
  /* Several system messages join; a temperature above 1 is sent as 1. */
  req.nmessages = 2;
  req.temperature = 1.4;
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.body, "{\"model\":\"m\",\"system\":\"late system\","
                        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}"
                        "],\"max_tokens\":1024,\"temperature\":1}");
  sk_wire_request_cleanup(&w);
  /* A role the API has no place for is an error, not a guess. */
  req.messages = bad;
  req.nmessages = 1;
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "role \"tool\"");
  ASSERT(w.url == NULL && w.body == NULL);
}

TEST(success) {
  struct sk_chat_result r;
  struct hdrs h = {{"anthropic-ratelimit-requests-limit",
                    "anthropic-ratelimit-requests-remaining",
                    "anthropic-ratelimit-tokens-remaining", "request-id"},
                   {"50", "49", "39000", "req_1"},
                   ""};
  parse(200,
        "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
        "\"model\":\"claude-3-5-haiku-20241022\",\"content\":[{\"type\":"
        "\"text\",\"text\":\"SCORE: 78/100\\n\"},{\"type\":\"tool_use\","
        "\"id\":\"t\",\"name\":\"x\",\"input\":{}},{\"type\":\"text\","
        "\"text\":\"VERDICT: ship\"}],\"stop_reason\":\"end_turn\","
        "\"stop_sequence\":null,\"usage\":{\"input_tokens\":345,"
        "\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":5,"
        "\"output_tokens\":12}}",
        &h, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "SCORE: 78/100\nVERDICT: ship");
  ASSERT_STR_EQ(r.finish_reason, "end_turn");
  ASSERT_INT_EQ(r.prompt_tokens, 360);
  ASSERT_INT_EQ(r.completion_tokens, 12);
  ASSERT_STR_EQ(r.error, "");
  /* The budget is reported on a success too, for a rate limiter. */
  ASSERT_INT_EQ(r.ratelimit.requests_limit, 50);
  ASSERT_INT_EQ(r.ratelimit.requests_remaining, 49);
  ASSERT_INT_EQ(r.ratelimit.tokens_remaining, 39000);
  ASSERT_INT_EQ(r.ratelimit.tokens_limit, -1);
  sk_chat_result_cleanup(&r);
}

TEST(error_bodies_are_classified) {
  static const struct {
    long status;
    const char *type;
    const char *message;
    enum sk_outcome outcome;
    const char *cause;
  } CASES[] = {
      {429, "rate_limit_error",
       "Number of request tokens has exceeded your "
       "per-minute rate limit",
       SK_OUTCOME_RETRY, "429"},
      {529, "overloaded_error", "Overloaded", SK_OUTCOME_RETRY, "5xx"},
      {500, "api_error", "Internal server error", SK_OUTCOME_RETRY, "5xx"},
      {400, "invalid_request_error",
       "prompt is too long: 250000 tokens > "
       "200000 maximum",
       SK_OUTCOME_FINAL, "400"},
      {400, "invalid_request_error",
       "Your credit balance is too low to "
       "access the Anthropic API.",
       SK_OUTCOME_FINAL, "quota"},
      {401, "authentication_error", "invalid x-api-key", SK_OUTCOME_FINAL,
       "401"},
      {403, "permission_error", "Your API key does not have permission",
       SK_OUTCOME_FINAL, "403"},
      {404, "not_found_error", "model: claude-nope", SK_OUTCOME_FINAL, "404"},
      {413, "request_too_large", "Request exceeds the maximum allowed size",
       SK_OUTCOME_FINAL, "413"},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    struct sk_chat_result r;
    struct hdrs none = {{NULL}, {NULL}, ""};
    char body[400];
    char want[400];
    snprintf(body, sizeof(body),
             "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":"
             "\"%s\"},\"request_id\":\"req_1\"}",
             CASES[i].type, CASES[i].message);
    snprintf(want, sizeof(want), "HTTP %ld %s: %s", CASES[i].status,
             CASES[i].type, CASES[i].message);
    parse(CASES[i].status, body, &none, &r);
    ASSERT_INT_EQ(r.outcome, CASES[i].outcome);
    ASSERT_STR_EQ(r.cause, CASES[i].cause);
    ASSERT_STR_EQ(r.error, want);
    ASSERT(r.content == NULL);
    ASSERT_INT_EQ(r.retry_after_ms, -1);
  }
}

TEST(rate_limited_waits_come_from_headers) {
  struct sk_chat_result r;
  static const char *const BODY =
      "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
      "\"message\":\"rate limited\"}}";
  char reset[32];
  time_t later = time(NULL) + 30;
  struct hdrs with_retry = {{"retry-after",
                             "anthropic-ratelimit-requests-"
                             "remaining",
                             "anthropic-ratelimit-requests-reset"},
                            {"7", "0", reset},
                            ""};
  struct hdrs reset_only = {{"anthropic-ratelimit-requests-limit",
                             "anthropic-ratelimit-requests-remaining",
                             "anthropic-ratelimit-requests-reset"},
                            {"50", "0", reset},
                            ""};
  struct hdrs not_empty = {{"anthropic-ratelimit-requests-remaining",
                            "anthropic-ratelimit-requests-reset"},
                           {"3", reset},
                           ""};

  strftime(reset, sizeof(reset), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
  /* Retry-After wins. */
  parse(429, BODY, &with_retry, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, 7000);
  /* Without it, the exhausted bucket's reset time, counted from now. */
  parse(429, BODY, &reset_only, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT(r.retry_after_ms > 27000 && r.retry_after_ms <= 30000);
  ASSERT_INT_EQ(r.ratelimit.requests_limit, 50);
  ASSERT_INT_EQ(r.ratelimit.requests_remaining, 0);
  ASSERT(r.ratelimit.requests_reset_ms > 27000);
  /* A bucket that is not empty says nothing about this 429. */
  parse(429, BODY, &not_empty, &r);
  ASSERT_INT_EQ(r.retry_after_ms, -1);
  /* An empty bucket on a success is no reason to wait. */
  parse(200,
        "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
        "\"x\"}],\"stop_reason\":\"end_turn\"}",
        &reset_only, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_INT_EQ(r.retry_after_ms, -1);
  sk_chat_result_cleanup(&r);
}

TEST(malformed_bodies_are_retried_never_crash) {
  static const char *const BODIES[] = {
      "{\"content\":[{\"type\":\"text\",\"te",
      "",
      "null",
      "[]",
      "\"text\"",
      "{}",
      "{\"content\":\"SCORE\"}",
      "{\"content\":[]}",
      "{\"content\":[{\"type\":\"tool_use\",\"input\":{}}]}",
      "{\"content\":[{\"type\":\"text\",\"text\":5}]}",
      "{\"content\":[{\"text\":\"no type\"}],\"stop_reason\":\"end_turn\"}",
      "{\"content\":[null,1,\"x\"]}",
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
    ASSERT_CONTAINS(r.error, "malformed reply: ");
  }
  parse(200, NULL, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.cause, "malformed");
  /* Non-JSON error bodies keep the status's decision. */
  parse(502, "<html>Bad Gateway</html>", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 502 (no JSON error body)");
  parse(401, "[]", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.error, "HTTP 401 (no JSON error body)");
}

TEST(refusals_and_other_dead_ends_are_final) {
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  parse(200,
        "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
        "\"I can\"}],\"stop_reason\":\"refusal\",\"usage\":{"
        "\"input_tokens\":9,\"output_tokens\":2}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.cause, "refusal");
  ASSERT_STR_EQ(r.error, "the model refused (stop_reason \"refusal\")");
  ASSERT(r.content == NULL);
  ASSERT_INT_EQ(r.completion_tokens, 2);
  parse(200, "{\"content\":[],\"stop_reason\":\"max_tokens\"}", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.cause, "max_tokens");
  ASSERT(r.content == NULL);
  /* An error event where the message belongs is the server's trouble. */
  parse(200,
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
        "\"message\":\"Overloaded\"}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 200 overloaded_error: Overloaded");
}

TEST(registry) {
  const struct sk_provider *p = anthropic();
  ASSERT(p != NULL);
  ASSERT_STR_EQ(p->key_env, "ANTHROPIC_API_KEY");
  ASSERT(p->key_env_fallback == NULL);
  ASSERT_STR_EQ(p->base_url_env, "ANTHROPIC_BASE_URL");
  ASSERT_STR_EQ(p->default_base_url, "https://api.anthropic.com");
  ASSERT(p->default_model != NULL && p->default_model[0] != '\0');
}

int main(void) {
  RUN(builds_the_exact_request);
  RUN(defaults_and_limits);
  RUN(success);
  RUN(error_bodies_are_classified);
  RUN(rate_limited_waits_come_from_headers);
  RUN(malformed_bodies_are_retried_never_crash);
  RUN(refusals_and_other_dead_ends_are_final);
  RUN(registry);
  return TEST_REPORT();
}
