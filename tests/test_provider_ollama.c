/* test_provider_ollama.c: Ollama's native /api/chat wire format: the exact
 * request built (stream off, options, no key unless one is given, base URLs
 * written as OLLAMA_HOST is), replies parsed, {"error":"..."} bodies
 * classified. */
#include "harness.h"
#include "hdrs.h"
#include "shipskip/providers/provider.h"

static const struct sk_provider *ollama(void) {
  return sk_provider_find("ollama");
}

static void parse(long status, const char *body, struct hdrs *h,
                  struct sk_chat_result *r) {
  ollama()->parse(status, body, body ? strlen(body) : 0, hdrs_lookup, h, r);
}

TEST(builds_the_exact_request) {
  struct sk_provider_conf conf = {NULL, "http://localhost:11434", NULL};
  struct sk_message m[4] = {{"system", "You are the Skeptic."},
                            {"user", "Review \"this\"\nplease"},
                            {"assistant", "VERDICT: ship"},
                            {"user", "no SCORE line; answer again"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;

  conf.impl = ollama();
  memset(&req, 0, sizeof(req));
  req.model = "llama3.2";
  req.messages = m;
  req.nmessages = 4;
  req.temperature = 0.5;
  req.max_tokens = 600;
  req.has_seed = 1;
  req.seed = 7;
  sk_error_clear(&e);
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "http://localhost:11434/api/chat");
  ASSERT_STR_EQ(
      w.body,
      "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"system\",\"content\":"
      "\"You are the Skeptic.\"},{\"role\":\"user\",\"content\":\"Review "
      "\\\"this\\\"\\nplease\"},{\"role\":\"assistant\",\"content\":"
      "\"VERDICT: ship\"},{\"role\":\"user\",\"content\":\"no SCORE line; "
      "answer again\"}],\"stream\":false,\"options\":{\"temperature\":0.5,"
      "\"num_predict\":600,\"seed\":7}}");
  /* No key: no credential header. */
  ASSERT_INT_EQ(w.nheaders, 1);
  ASSERT_STR_EQ(w.headers[0], "Content-Type: application/json");
  ASSERT_INT_EQ(w.secret_header, -1);
  sk_wire_request_cleanup(&w);
  /* A key given anyway (a proxy, the hosted API) goes in the marked
   * header; no parameters, no options. */
  conf.api_key = "olla-secret";
  req.nmessages = 2;
  req.temperature = -1;
  req.max_tokens = 0;
  req.has_seed = 0;
  ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.body, "{\"model\":\"llama3.2\",\"messages\":[{\"role\":"
                        "\"system\",\"content\":\"You are the Skeptic.\"},{"
                        "\"role\":\"user\",\"content\":\"Review \\\"this\\\""
                        "\\nplease\"}],\"stream\":false}");
  ASSERT_INT_EQ(w.secret_header, 1);
  ASSERT_STR_EQ(w.headers[1], "Authorization: Bearer olla-secret");
  ASSERT_NOT_CONTAINS(w.url, "olla-secret");
  ASSERT_NOT_CONTAINS(w.body, "olla-secret");
  sk_wire_request_cleanup(&w);
}

TEST(base_urls_as_ollama_host_writes_them) {
  static const struct {
    const char *base;
    const char *url;
  } CASES[] = {
      {"http://localhost:11434", "http://localhost:11434/api/chat"},
      {"http://localhost:11434/", "http://localhost:11434/api/chat"},
      {"https://ollama.example.com", "https://ollama.example.com/api/chat"},
      {"localhost", "http://localhost:11434/api/chat"},
      {"0.0.0.0", "http://0.0.0.0:11434/api/chat"},
      {"127.0.0.1:9999", "http://127.0.0.1:9999/api/chat"},
      {"[::1]", "http://[::1]:11434/api/chat"},
      {"[::1]:8080", "http://[::1]:8080/api/chat"},
      {"box/ollama", "http://box:11434/ollama/api/chat"},
      {"", "http://127.0.0.1:11434/api/chat"},
  };
  struct sk_provider_conf conf = {NULL, NULL, NULL};
  struct sk_message m[1] = {{"user", "hi"}};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  size_t i;

  conf.impl = ollama();
  memset(&req, 0, sizeof(req));
  req.model = "m";
  req.messages = m;
  req.nmessages = 1;
  req.temperature = -1;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    conf.base_url = CASES[i].base;
    sk_error_clear(&e);
    ASSERT_INT_EQ(conf.impl->build(&conf, &req, &w, &e), 0);
    ASSERT_STR_EQ(w.url, CASES[i].url);
    sk_wire_request_cleanup(&w);
  }
}

TEST(success) {
  struct sk_chat_result r;
  struct hdrs none = {{NULL}, {NULL}, ""};
  parse(200,
        "{\"model\":\"llama3.2\",\"created_at\":\"2023-11-14T22:13:20Z\","
        "\"message\":{\"role\":\"assistant\",\"content\":\"SCORE: 78/100\"},"
        "\"done_reason\":\"stop\",\"done\":true,\"total_duration\":"
        "5191566416,\"load_duration\":2154458,\"prompt_eval_count\":26,"
        "\"prompt_eval_duration\":383809000,\"eval_count\":298,"
        "\"eval_duration\":4799921000}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "SCORE: 78/100");
  ASSERT_STR_EQ(r.finish_reason, "stop");
  ASSERT_INT_EQ(r.prompt_tokens, 26);
  ASSERT_INT_EQ(r.completion_tokens, 298);
  ASSERT_STR_EQ(r.error, "");
  sk_chat_result_cleanup(&r);
  /* A cached prompt has no prompt_eval_count in older versions. */
  parse(200,
        "{\"message\":{\"role\":\"assistant\",\"content\":\"x\"},\"done\":"
        "true,\"eval_count\":3}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_INT_EQ(r.prompt_tokens, 0);
  ASSERT_STR_EQ(r.finish_reason, "");
  sk_chat_result_cleanup(&r);
}

TEST(error_bodies_are_classified) {
  static const struct {
    long status;
    const char *message;
    enum sk_outcome outcome;
    const char *cause;
  } CASES[] = {
      {404, "model \\\"llama9\\\" not found, try pulling it first",
       SK_OUTCOME_FINAL, "404"},
      {400, "json: cannot unmarshal string into Go struct field",
       SK_OUTCOME_FINAL, "400"},
      {500, "llama runner process has terminated: signal: killed",
       SK_OUTCOME_RETRY, "5xx"},
      {503,
       "server busy, please try again.  maximum pending requests "
       "exceeded",
       SK_OUTCOME_RETRY, "5xx"},
      {429, "too many requests", SK_OUTCOME_RETRY, "429"},
      {401, "unauthorized", SK_OUTCOME_FINAL, "401"},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    struct sk_chat_result r;
    struct hdrs none = {{NULL}, {NULL}, ""};
    char body[300];
    snprintf(body, sizeof(body), "{\"error\":\"%s\"}", CASES[i].message);
    parse(CASES[i].status, body, &none, &r);
    ASSERT_INT_EQ(r.outcome, CASES[i].outcome);
    ASSERT_STR_EQ(r.cause, CASES[i].cause);
    ASSERT(strncmp(r.error, "HTTP ", 5) == 0);
  }
}

TEST(error_text_and_waits) {
  struct sk_chat_result r;
  struct hdrs retry = {{"Retry-After"}, {"1"}, ""};
  struct hdrs none = {{NULL}, {NULL}, ""};
  parse(404,
        "{\"error\":\"model \\\"llama9\\\" not found, try pulling it "
        "first\"}",
        &none, &r);
  ASSERT_STR_EQ(r.error,
                "HTTP 404: model \"llama9\" not found, try pulling it first");
  parse(429, "{\"error\":\"too many requests\"}", &retry, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_INT_EQ(r.retry_after_ms, 1000);
  /* Ollama reports no budget. */
  ASSERT_INT_EQ(r.ratelimit.requests_remaining, -1);
  /* An error after the headers went out is the runner's trouble. */
  parse(200,
        "{\"error\":\"an error was encountered while running the "
        "model\"}",
        &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.cause, "error");
  ASSERT_STR_EQ(r.error, "HTTP 200: an error was encountered while running "
                         "the model");
  parse(502, "<html>Bad Gateway</html>", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_RETRY);
  ASSERT_STR_EQ(r.error, "HTTP 502 (no JSON error body)");
  parse(404, "{\"error\":{\"message\":\"not a string\"}}", &none, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_FINAL);
  ASSERT_STR_EQ(r.error, "HTTP 404");
}

TEST(malformed_bodies_are_retried_never_crash) {
  static const char *const BODIES[] = {
      "{\"model\":\"llama3.2\",\"created_at\":\"2023-11-14T22:1",
      "",
      "null",
      "[]",
      "{}",
      "{\"done\":true}",
      "{\"message\":{\"content\":5},\"done\":true}",
      "{\"message\":\"x\",\"done\":true}",
      "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true}",
      ("{\"message\":{\"role\":\"assistant\",\"content\":\"x\"},\"done\":"
       "false}"),
      "{\"message\":{\"role\":\"assistant\",\"content\":\"x\"}}",
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
}

TEST(registry) {
  const struct sk_provider *p = ollama();
  ASSERT(p != NULL);
  ASSERT(p->key_env == NULL); /* a local Ollama takes no key */
  ASSERT(p->key_env_fallback == NULL);
  ASSERT_STR_EQ(p->base_url_env, "OLLAMA_HOST");
  ASSERT_STR_EQ(p->default_base_url, "http://localhost:11434");
  ASSERT(p->default_model != NULL && p->default_model[0] != '\0');
}

int main(void) {
  RUN(builds_the_exact_request);
  RUN(base_urls_as_ollama_host_writes_them);
  RUN(success);
  RUN(error_bodies_are_classified);
  RUN(error_text_and_waits);
  RUN(malformed_bodies_are_retried_never_crash);
  RUN(registry);
  return TEST_REPORT();
}
