/* test_gateway.c: reaching an LLM API through a gateway
 * (src/providers/provider.c, provider_azure.c): URL joining (a path goes
 * before the base URL's query, configured query parameters are appended
 * percent-encoded), a gateway's extra headers and which of them are
 * secrets, a provider's default query parameter, and the "azure" provider's
 * exact request. */
#include "harness.h"
#include "shipskip/providers/provider.h"

#include <stdlib.h>

/* Joins base and path with the given pairs; returns a static copy. */
static const char *join(const char *base, const char *path,
                        const char *const *q, size_t nq) {
  static char buf[512];
  char *url = NULL;
  if (sk_url_join(base, path, q, nq, &url) != 0)
    return "(error)";
  snprintf(buf, sizeof(buf), "%s", url);
  free(url);
  return buf;
}

TEST(url_join_puts_the_path_before_the_query) {
  static const char *const Q[] = {"api-version", "2024-10-21", "a b&c",
                                  "x=y/\xc3\xa9"};
  ASSERT_STR_EQ(join("http://h/v1", "/chat/completions", NULL, 0),
                "http://h/v1/chat/completions");
  ASSERT_STR_EQ(join("http://h/v1/", "/chat/completions", NULL, 0),
                "http://h/v1/chat/completions");
  /* The bug this fixes: the path used to land after the query. */
  ASSERT_STR_EQ(
      join("https://gw/v1?api-version=x", "/chat/completions", NULL, 0),
      "https://gw/v1/chat/completions?api-version=x");
  ASSERT_STR_EQ(join("https://gw/v1/?a=1&b=2", "/chat/completions", NULL, 0),
                "https://gw/v1/chat/completions?a=1&b=2");
  /* A bare '?' keeps nothing. */
  ASSERT_STR_EQ(join("http://h/v1?", "/p", NULL, 0), "http://h/v1/p");
  /* Configured pairs follow the base's own query, encoded. */
  ASSERT_STR_EQ(join("http://h/v1", "/p", Q, 1),
                "http://h/v1/p?api-version=2024-10-21");
  ASSERT_STR_EQ(join("http://h/v1?k=v", "/p", Q, 2),
                "http://h/v1/p?k=v&api-version=2024-10-21&a%20b%26c="
                "x%3Dy%2F%C3%A9");
  ASSERT_STR_EQ(join("http://h/v1/p?k=v", "", Q, 1),
                "http://h/v1/p?k=v&api-version=2024-10-21");
}

/* A one-message request for model. */
static void one_message(struct sk_chat_request *req, const char *model) {
  static const struct sk_message M[1] = {{"user", "hi"}};
  memset(req, 0, sizeof(*req));
  req->model = model;
  req->messages = M;
  req->nmessages = 1;
  req->temperature = -1;
}

TEST(gateway_headers_and_query_are_added) {
  static const char *const H[] = {"HTTP-Referer", "https://example.org",
                                  "X-Gateway-Key", "gw-secret"};
  static const char *const Q[] = {"tenant", "a&b"};
  struct sk_provider_conf conf = {NULL, "https://gw.example/v1?route=1", "k"};
  struct sk_gateway gw = {H, 2, 2u, Q, 1};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;

  conf.impl = sk_provider_find("openai");
  one_message(&req, "m");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_provider_build(&conf, &gw, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url,
                "https://gw.example/v1/chat/completions?route=1&tenant=a%26b");
  ASSERT_INT_EQ(w.nheaders, 4);
  ASSERT_STR_EQ(w.headers[2], "HTTP-Referer: https://example.org");
  ASSERT_STR_EQ(w.headers[3], "X-Gateway-Key: gw-secret");
  /* The credential header and the secret gateway header, nothing else. */
  ASSERT_INT_EQ(w.secret_header, 1);
  ASSERT_INT_EQ(w.secret_mask, (1u << 1) | (1u << 3));
  sk_wire_request_cleanup(&w);

  /* No gateway: the provider's own request, unchanged. */
  ASSERT_INT_EQ(sk_provider_build(&conf, NULL, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://gw.example/v1/chat/completions?route=1");
  ASSERT_INT_EQ(w.nheaders, 2);
  ASSERT_INT_EQ(w.secret_mask, 1u << 1);
  sk_wire_request_cleanup(&w);
}

TEST(too_many_headers_is_an_error) {
  static const char *const H[] = {"A", "1",  "B", "2",  "C", "3",  "D", "4",
                                  "E", "5",  "F", "6",  "G", "7",  "H", "8",
                                  "I", "9",  "J", "10", "K", "11", "L", "12",
                                  "M", "13", "N", "14", "O", "15"};
  struct sk_provider_conf conf = {NULL, "http://h/v1", "k"};
  struct sk_gateway gw = {H, 15, 0, NULL, 0};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;
  conf.impl = sk_provider_find("openai");
  one_message(&req, "m");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_provider_build(&conf, &gw, &req, &w, &e), SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "more than 16 headers");
  ASSERT(w.url == NULL); /* freed */
}

TEST(azure_builds_the_deployment_request) {
  static const char *const Q[] = {"api-version", "2025-01-01-preview"};
  struct sk_provider_conf conf = {NULL, "https://res.openai.azure.com/",
                                  "az-key"};
  struct sk_gateway gw = {NULL, 0, 0, Q, 1};
  struct sk_chat_request req;
  struct sk_wire_request w;
  struct sk_error e;

  conf.impl = sk_provider_find("azure");
  ASSERT(conf.impl != NULL);
  ASSERT_STR_EQ(conf.impl->key_env, "AZURE_OPENAI_API_KEY");
  ASSERT_STR_EQ(conf.impl->base_url_env, "AZURE_OPENAI_ENDPOINT");
  one_message(&req, "gpt-4o-mini");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_provider_build(&conf, NULL, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://res.openai.azure.com/openai/deployments/"
                       "gpt-4o-mini/chat/completions?api-version=2024-10-21");
  ASSERT_STR_EQ(w.body, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                        "\"user\",\"content\":\"hi\"}]}");
  ASSERT_INT_EQ(w.nheaders, 2);
  ASSERT_STR_EQ(w.headers[0], "Content-Type: application/json");
  /* Azure's key header, not a Bearer token. */
  ASSERT_STR_EQ(w.headers[1], "api-key: az-key");
  ASSERT_INT_EQ(w.secret_header, 1);
  sk_wire_request_cleanup(&w);

  /* A configured api-version replaces the default; so does one in the base
   * URL. A deployment name cannot add path segments. */
  ASSERT_INT_EQ(sk_provider_build(&conf, &gw, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://res.openai.azure.com/openai/deployments/"
                       "gpt-4o-mini/chat/completions?api-version="
                       "2025-01-01-preview");
  sk_wire_request_cleanup(&w);
  conf.base_url = "https://res.openai.azure.com?api-version=2024-06-01";
  one_message(&req, "my dep/../x");
  ASSERT_INT_EQ(sk_provider_build(&conf, NULL, &req, &w, &e), 0);
  ASSERT_STR_EQ(w.url, "https://res.openai.azure.com/openai/deployments/"
                       "my%20dep%2F..%2Fx/chat/completions?api-version="
                       "2024-06-01");
  sk_wire_request_cleanup(&w);

  /* No key: no api-key header (a gateway in front may take another). */
  conf.api_key = NULL;
  ASSERT_INT_EQ(sk_provider_build(&conf, NULL, &req, &w, &e), 0);
  ASSERT_INT_EQ(w.nheaders, 1);
  ASSERT_INT_EQ(w.secret_header, -1);
  sk_wire_request_cleanup(&w);
}

TEST(azure_parses_openai_replies) {
  static const char BODY[] =
      "{\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":"
      "\"ok\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}";
  const struct sk_provider *p = sk_provider_find("azure");
  struct sk_chat_result r;
  p->parse(200, BODY, sizeof(BODY) - 1, NULL, NULL, &r);
  ASSERT_INT_EQ(r.outcome, SK_OUTCOME_OK);
  ASSERT_STR_EQ(r.content, "ok");
  ASSERT_INT_EQ(r.prompt_tokens, 3);
  sk_chat_result_cleanup(&r);
}

int main(void) {
  RUN(url_join_puts_the_path_before_the_query);
  RUN(gateway_headers_and_query_are_added);
  RUN(too_many_headers_is_an_error);
  RUN(azure_builds_the_deployment_request);
  RUN(azure_parses_openai_replies);
  return TEST_REPORT();
}
