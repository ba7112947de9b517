/* test_provider_openai.c: the OpenAI-compatible wire format: the exact
 * request built, and every kind of response parsed and classified; OpenAI's
 * x-ratelimit-* headers; the "mistral" provider on the same format; and the
 * registry of every provider. */
#include "harness.h"
#include "shipskip/util/jsonget.h"
#include "hdrs.h"
#include "shipskip/providers/provider.h"

static const struct sk_provider *openai(void) {
  return sk_provider_find("openai");
}

TEST(builds_the_exact_request) {
  struct sk_provider_conf conf = {NULL, "http://127.0.0.1:8080/v1/",
                                  "sk-secret"};
  struct sk_message m[2] = {{"system", "You are the Skeptic."},
                            {"user", "Review \"this\"\nplease"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  conf.impl = openai();
  memset(&req, 0, sizeof(req));
  req.model = "gpt-4o-mini";
  req.messages = m;
  req.nmessages = 2;
  req.temperature = 0.5;
  req.max_tokens = 600;
  req.has_seed = 1;
  req.seed = 7;
  sk_error_clear(&e);
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "http://127.0.0.1:8080/v1/chat/completions");
  ASSERT_STR_EQ(w.body,
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\","
                "\"content\":\"You are the Skeptic.\"},{\"role\":\"user\","
                "\"content\":\"Review \\\"this\\\"\\nplease\"}],"
                "\"temperature\":0.5,\"max_tokens\":600,\"seed\":7}");
  ASSERT_INT_EQ(w.nheaders, 2);
  ASSERT_STR_EQ(w.headers[0], "Content-Type: application/json");
  ASSERT_INT_EQ(w.secret_header, 1);
  ASSERT_STR_EQ(w.headers[1], "Authorization: Bearer sk-secret");
  sk_wire_request_cleanup(&w);
  /* Optional parameters are left out when not set. */
  req.temperature = -1;
  req.max_tokens = 0;
  req.has_seed = 0;
  conf.api_key = NULL;
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_NOT_CONTAINS(w.body, "temperature");
  ASSERT_NOT_CONTAINS(w.body, "seed");
  ASSERT_INT_EQ(w.secret_header, -1);
  ASSERT_INT_EQ(w.nheaders, 1);
  sk_wire_request_cleanup(&w);
}

static void parse(long status, const char *body, struct hdrs *h,
                  struct sk_chat_result *r) {
  openai()->parse(status, body, body ? strlen(body) : 0, hdrs_lookup, h, r);
}

TEST(success_with_llama_cpp_extras) {
  struct sk_chat_result r;
  struct hdrs h = {{NULL}, {NULL}, ""};
  parse(200,
        "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{"
        "\"role\":\"assistant\",\"content\":\"SCORE: 78/100\\uFFFD\"}}],"
        "\"created\":1,\"model\":\"m\",\"system_fingerprint\":\"b1\","
        "\"object\":\"chat.completion\",\"usage\":{\"completion_tokens\":12,"
        "\"prompt_tokens\":345,\"total_tokens\":357},\"id\":\"chatcmpl-1\","
        "\"timings\":{\"prompt_n\":345}}",
        &h, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "SCORE: 78/100\xef\xbf\xbd");
  ASSERT_STR_EQ(r.finish_reason, "stop");
  ASSERT_INT_EQ(r.prompt_tokens, 345);
  ASSERT_INT_EQ(r.completion_tokens, 12);
  sk_chat_result_cleanup(&r);
}

TEST(errors_become_one_line_with_a_decision) {
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  struct hdrs ra = {{"retry-after", NULL}, {"7", NULL}, ""};
  struct hdrs ms = {{"retry-after-ms", "retry-after"}, {"250", "9"}, ""};
  parse(429,
        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
        "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
        &ra, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, 7000);
  ASSERT_STR_EQ(r.error, "HTTP 429 requests: Rate limit reached");
  ASSERT_STR_EQ(r.cause, "429");
  parse(429, "{\"error\":{}}", &ms, &r);
  ASSERT_INT_EQ(r.retry_after_ms, 250);
  parse(429,
        "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
        "\"insufficient_quota\",\"code\":\"insufficient_quota\"}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.cause, "quota");
  parse(500,
        "{\"error\":{\"code\":500,\"message\":\"Internal server error\","
        "\"type\":\"server_error\"}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 500 server_error: Internal server error");
  /* llama.cpp's 500 for a request it cannot parse is final. */
  parse(500,
        "{\"error\":{\"code\":500,\"message\":\"[json.exception.parse_error."
        "101] parse error at line 1\",\"type\":\"server_error\"}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  parse(503, "<html>busy</html>", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 503 (no JSON error body)");
  parse(400,
        "{\"error\":{\"code\":400,\"message\":\"the request exceeds the "
        "available\\ncontext size\",\"type\":\"invalid_request_error\"}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.error, "HTTP 400 invalid_request_error: the request "
                         "exceeds the available context size");
  parse(401, "{\"error\":\"Invalid API Key\"}", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.error, "HTTP 401: Invalid API Key");
}

TEST(malformed_bodies_are_retried_never_crash) {
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  static const char *const bodies[] = {
      "{\"choices\":[{\"finish_reason\":\"st",
      "",
      "null",
      "[]",
      "{\"choices\":[]}",
      "{\"choices\":[{\"message\":{\"content\":5}}]}",
      "{\"choices\":{}}",
      NULL};
  size_t i;
  for (i = 0; bodies[i] != NULL; i++) {
    parse(200, bodies[i], &none, &r);
    ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
    ASSERT_STR_EQ(r.cause, "malformed");
    ASSERT(r.content == NULL);
  }
  parse(200, NULL, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  parse(200,
        "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"I can't "
        "help\"}}]}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.error, "the model refused: I can't help");
}

TEST(retry_after_forms) {
  ASSERT_INT_EQ(sk_retry_after_ms("120", 0), 120000);
  ASSERT_INT_EQ(sk_retry_after_ms(" 1.5", 0), 1500);
  ASSERT_INT_EQ(sk_retry_after_ms("soon", 0), -1);
  ASSERT_INT_EQ(sk_retry_after_ms("-3", 0), -1);
  /* Wed, 21 Oct 2015 07:28:00 GMT is 1445412480. */
  ASSERT_INT_EQ(
      sk_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480LL - 30),
      30000);
  ASSERT_INT_EQ(
      sk_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480LL + 5), 0);
  ASSERT_INT_EQ(sk_retry_after_ms("Wed, 21 Foo 2015 07:28:00 GMT", 0), -1);
}

TEST(openai_rate_limit_headers) {
  struct sk_chat_result r;
  static const char *const BODY =
      "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
      "\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
  struct hdrs h = {{"x-ratelimit-limit-requests",
                    "x-ratelimit-remaining-"
                    "requests",
                    "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens",
                    "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
                    "x-request-id"},
                   {"60", "0", "6m0s", "150000", "149000", "400ms", "req_1"},
                   ""};
  /* A 429 with no Retry-After: wait for the empty bucket to reset. */
  parse(429, BODY, &h, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, 360000);
  ASSERT_INT_EQ(r.ratelimit.requests_limit, 60);
  ASSERT_INT_EQ(r.ratelimit.requests_remaining, 0);
  ASSERT_INT_EQ(r.ratelimit.requests_reset_ms, 360000);
  ASSERT_INT_EQ(r.ratelimit.tokens_limit, 150000);
  ASSERT_INT_EQ(r.ratelimit.tokens_remaining, 149000);
  ASSERT_INT_EQ(r.ratelimit.tokens_reset_ms, 400);
  /* Retry-After, when given, wins over the reset. */
  h.names[6] = "retry-after";
  h.values[6] = "2";
  parse(429, BODY, &h, &r);
  ASSERT_INT_EQ(r.retry_after_ms, 2000);
  /* A success reports the budget and asks for no wait. */
  h.names[6] = NULL;
  parse(200,
        "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":"
        "\"stop\"}]}",
        &h, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_INT_EQ(r.retry_after_ms, -1);
  ASSERT_INT_EQ(r.ratelimit.requests_remaining, 0);
  sk_chat_result_cleanup(&r);
}

TEST(mistral_is_openai_compatible) {
  const struct sk_provider *p = sk_provider_find("mistral");
  struct sk_provider_conf conf = {NULL, "https://api.mistral.ai/v1",
                                  "mistral-secret"};
  struct sk_message m[1] = {{"user", "hi"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  struct sk_error e;
  static const char *const RATE = "{\"message\":\"Requests rate limit "
                                  "exceeded\"}";
  static const char *const TYPED =
      "{\"object\":\"error\",\"message\":\"Rate limit exceeded\",\"type\":"
      "\"rate_limited\",\"param\":null,\"code\":\"1300\"}";

  ASSERT(p != NULL);
  ASSERT_STR_EQ(p->key_env, "MISTRAL_API_KEY");
  ASSERT_STR_EQ(p->base_url_env, "MISTRAL_BASE_URL");
  ASSERT_STR_EQ(p->default_base_url, "https://api.mistral.ai/v1");
  ASSERT_STR_EQ(p->default_model, "mistral-small-latest");
  conf.impl = p;
  memset(&req, 0, sizeof(req));
  req.model = "mistral-small-latest";
  req.messages = m;
  req.nmessages = 1;
  req.temperature = -1;
  sk_error_clear(&e);
  ASSERT_INT_EQ(p->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://api.mistral.ai/v1/chat/completions");
  ASSERT_STR_EQ(w.body, "{\"model\":\"mistral-small-latest\",\"messages\":"
                        "[{\"role\":\"user\",\"content\":\"hi\"}]}");
  ASSERT_INT_EQ(w.secret_header, 1);
  ASSERT_STR_EQ(w.headers[1], "Authorization: Bearer mistral-secret");
  sk_wire_request_cleanup(&w);
  /* Mistral's errors put message and type at the top level. */
  p->parse(429, RATE, strlen(RATE), hdrs_lookup, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 429: Requests rate limit exceeded");
  p->parse(429, TYPED, strlen(TYPED), hdrs_lookup, &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 429 rate_limited: Rate limit exceeded");
  /* FastAPI-style servers (vLLM) say {"detail": "..."}. */
  parse(404, "{\"detail\":\"Not Found\"}", &none, &r);
  ASSERT_STR_EQ(r.error, "HTTP 404: Not Found");
}

TEST(registry) {
  static const struct {
    const char *name;
    const char *key_env;
  } ALL[] = {{"openai", "OPENAI_API_KEY"},
             {"anthropic", "ANTHROPIC_API_KEY"},
             {"gemini", "GEMINI_API_KEY"},
             {"ollama", NULL},
             {"mistral", "MISTRAL_API_KEY"}};
  size_t i;
  ASSERT(openai() != NULL);
  ASSERT_STR_EQ(openai()->key_env, "OPENAI_API_KEY");
  ASSERT(openai()->key_env_fallback == NULL);
  for (i = 0; i < sizeof(ALL) / sizeof(ALL[0]); i++) {
    const struct sk_provider *p = sk_provider_find(ALL[i].name);
    ASSERT(p != NULL);
    ASSERT_STR_EQ(p->name, ALL[i].name);
    if (ALL[i].key_env == NULL)
      ASSERT(p->key_env == NULL);
    else
      ASSERT_STR_EQ(p->key_env, ALL[i].key_env);
    ASSERT(p->build != NULL && p->parse != NULL);
    ASSERT(p->default_base_url != NULL && p->default_model != NULL);
  }
  ASSERT(sk_provider_find("nope") == NULL);
  ASSERT(sk_provider_find(NULL) == NULL);
}

/* Token counts go through one bounded getter: a count that is not a whole
 * number in [0, SK_PROVIDER_TOKENS_MAX] reads as absent (0), never as a
 * truncated or undefined value. */
TEST(token_counts_are_bounded_whole_numbers) {
  cJSON *o = cJSON_Parse("{\"a\":12,\"b\":12.5,\"c\":1e300,\"d\":-1,"
                         "\"e\":\"7\",\"f\":999999999999999,"
                         "\"g\":1000000000000000}");
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  ASSERT(o != NULL);
  ASSERT_INT_EQ(sk_provider_tokens(o, "a"), 12);
  ASSERT_INT_EQ(sk_provider_tokens(o, "b"), 0);
  ASSERT_INT_EQ(sk_provider_tokens(o, "c"), 0);
  ASSERT_INT_EQ(sk_provider_tokens(o, "d"), 0);
  ASSERT_INT_EQ(sk_provider_tokens(o, "e"), 0);
  ASSERT(sk_provider_tokens(o, "f") == 999999999999999L);
  ASSERT_INT_EQ(sk_provider_tokens(o, "g"), 0);
  ASSERT_INT_EQ(sk_provider_tokens(o, "missing"), 0);
  ASSERT_INT_EQ(sk_provider_tokens(NULL, "a"), 0);
  cJSON_Delete(o);
  /* Through a whole parse: a fractional count is garbage, not 12. */
  parse(200,
        "{\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
        "\"usage\":{\"prompt_tokens\":12.5,\"completion_tokens\":3}}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_INT_EQ(r.prompt_tokens, 0);
  ASSERT_INT_EQ(r.completion_tokens, 3);
  sk_chat_result_cleanup(&r);
}

/* The shared error line: kind and message cut to one line each, either
 * left out when it is not a string; the message's line handed back. */
TEST(shared_error_text) {
  cJSON *o = cJSON_Parse("{\"k\":\"rate_limit\",\"m\":\"slow\\ndown\","
                         "\"n\":5}");
  struct sk_chat_result r;
  char line[SK_PROVIDER_LINE];
  ASSERT(o != NULL);
  sk_chat_result_init(&r);
  sk_provider_error_text(&r, 429, cJSON_GetObjectItemCaseSensitive(o, "k"),
                         cJSON_GetObjectItemCaseSensitive(o, "m"), line);
  ASSERT_STR_EQ(r.error, "HTTP 429 rate_limit: slow down");
  ASSERT_STR_EQ(line, "slow down");
  sk_provider_error_text(&r, 500, cJSON_GetObjectItemCaseSensitive(o, "n"),
                         NULL, NULL);
  ASSERT_STR_EQ(r.error, "HTTP 500");
  sk_provider_error_text(&r, 404, NULL,
                         cJSON_GetObjectItemCaseSensitive(o, "m"), NULL);
  ASSERT_STR_EQ(r.error, "HTTP 404: slow down");
  cJSON_Delete(o);
}

/* Accepting a reply copies it and sets OK; a reply taken over is kept. */
TEST(shared_accept_and_join) {
  cJSON *o = cJSON_Parse("[{\"text\":\"a\"},{\"x\":1},{\"text\":\"b\"},"
                         "{\"text\":7}]");
  struct sk_chat_result r;
  char *s = NULL;
  const char *text = "reply";
  ASSERT(o != NULL);
  sk_chat_result_init(&r);
  sk_provider_accept(&r, text);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "reply");
  ASSERT(r.content != text);
  sk_chat_result_cleanup(&r);
  ASSERT_INT_EQ(sk_provider_join_text(o, NULL, &s), 0);
  ASSERT_STR_EQ(s, "ab");
  sk_chat_result_init(&r);
  sk_provider_accept_take(&r, s);
  ASSERT(r.content == s);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  sk_chat_result_cleanup(&r);
  ASSERT_INT_EQ(sk_provider_join_text(NULL, NULL, &s), 0);
  ASSERT_STR_EQ(s, "");
  free(s);
  sk_chat_result_init(&r);
  sk_provider_accept_take(&r, NULL);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "malformed reply: out of memory");
  cJSON_Delete(o);
}

TEST(a_reply_with_a_nul_is_never_taken_cut_short) {
  /* cJSON keeps "SCORE: 78/100" and drops the rest at the NUL: the reply
   * would pass validation as something the model never wrote alone. */
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  cJSON *o;
  char *s = NULL;
  parse(200,
        "{\"choices\":[{\"message\":{\"content\":\"SCORE: 78/100\\u0000\\n"
        "VERDICT: skip\"}}]}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.cause, "malformed");
  ASSERT_STR_EQ(r.error, "malformed reply: choices[0].message.content holds "
                         "a NUL character (\\u0000)");
  ASSERT(r.content == NULL);
  sk_chat_result_cleanup(&r);
  /* The joined text of Anthropic and Gemini replies: the same refusal. */
  o = sk_json_parse("[{\"text\":\"a\"},{\"text\":\"b\\u0000c\"}]", 34, NULL);
  ASSERT(o != NULL);
  ASSERT_INT_EQ(sk_provider_join_text(o, NULL, &s), SK_EPARSE);
  ASSERT(s == NULL);
  cJSON_Delete(o);
}

int main(void) {
  RUN(builds_the_exact_request);
  RUN(success_with_llama_cpp_extras);
  RUN(errors_become_one_line_with_a_decision);
  RUN(malformed_bodies_are_retried_never_crash);
  RUN(retry_after_forms);
  RUN(openai_rate_limit_headers);
  RUN(mistral_is_openai_compatible);
  RUN(registry);
  RUN(token_counts_are_bounded_whole_numbers);
  RUN(shared_error_text);
  RUN(shared_accept_and_join);
  RUN(a_reply_with_a_nul_is_never_taken_cut_short);
  return TEST_REPORT();
}
