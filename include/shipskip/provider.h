/* provider.h: the wire format of an LLM API, kept apart from the transport.
 *
 * A provider turns a chat request (model, messages, sampling parameters)
 * into an HTTP request (URL, headers, body), and an HTTP response (status,
 * headers, body) into a result: the reply text, finish reason and token
 * usage, or a one-line error message with a decision: retry or give up.
 * Only JSON-facing code lives here; sending is the http module's job.
 *
 * Providers: "openai" (OpenAI-compatible chat completions: OpenAI, Mistral,
 * Groq, OpenRouter, vLLM, llama.cpp's server, LM Studio, Ollama's /v1).
 */
#ifndef SHIPSKIP_PROVIDER_H
#define SHIPSKIP_PROVIDER_H

#include "shipskip/error.h"

#include <stddef.h>

struct sk_message {
  const char *role; /* "system", "user" or "assistant" */
  const char *content;
};

struct sk_chat_request {
  const char *model;
  const struct sk_message *messages;
  size_t nmessages;
  double temperature; /* < 0: not sent */
  long max_tokens;    /* 0: not sent */
  int has_seed;
  long seed;
};

/* An HTTP request built by a provider. headers are "Name: value" lines; the
 * credential header is the one at index secret_header (-1 if none), so
 * anything that logs or records a request can leave it out. */
#define SK_MAX_HEADERS 8
struct sk_wire_request {
  char *url;
  char *headers[SK_MAX_HEADERS];
  size_t nheaders;
  int secret_header;
  char *body;
  size_t body_len;
};

/* What to do after a response. */
enum sk_outcome {
  SK_OUTCOME_OK = 0, /* content is the reply */
  SK_OUTCOME_RETRY,  /* transient: try the same request again later */
  SK_OUTCOME_FINAL   /* will not get better by retrying */
};

struct sk_chat_result {
  enum sk_outcome outcome;
  char *content; /* heap, OK only */
  char finish_reason[32];
  long prompt_tokens;
  long completion_tokens;
  long retry_after_ms; /* from the server's headers; -1 when not given */
  char cause[24];      /* short retry cause: "429", "5xx", "malformed"... */
  char error[320];     /* one line, for reports; "" when OK */
};

/* Looks a response header up by name (case-insensitive); returns its value
 * or NULL. */
typedef const char *(*sk_header_fn)(void *ctx, const char *name);

struct sk_provider_conf {
  const struct sk_provider *impl;
  const char *base_url; /* vendor convention: "https://api.openai.com/v1" */
  const char *api_key;  /* never logged, recorded or written */
};

struct sk_provider {
  const char *name;
  const char *key_env;          /* "OPENAI_API_KEY" */
  const char *base_url_env;     /* "OPENAI_BASE_URL", or NULL */
  const char *default_base_url; /* "https://api.openai.com/v1" */
  const char *default_model;
  /* Builds the HTTP request. Returns 0 or SK_ENOMEM. */
  int (*build)(const struct sk_provider_conf *conf,
               const struct sk_chat_request *req, struct sk_wire_request *out,
               struct sk_error *err);
  /* Interprets a response. Never fails: a body it cannot read becomes an
   * error result with a retry decision. */
  void (*parse)(long status, const char *body, size_t len, sk_header_fn header,
                void *hctx, struct sk_chat_result *out);
};

/* Returns the provider called name, or NULL. */
const struct sk_provider *sk_provider_find(const char *name);

/* Frees the strings of a wire request. NULL-safe. */
void sk_wire_request_cleanup(struct sk_wire_request *w);

/* Frees the content of a result. NULL-safe. */
void sk_chat_result_cleanup(struct sk_chat_result *r);

/* Parses a Retry-After value: delay-seconds or an HTTP-date (relative to
 * now_unix). Returns milliseconds, or -1 when value is not a valid form. */
long sk_retry_after_ms(const char *value, long long now_unix);

/* Decides the retry policy for an HTTP error status: 429, 408 and 5xx retry;
 * other statuses are final. Fills out->outcome, cause and retry_after_ms
 * (from Retry-After / retry-after-ms). Providers refine it. */
void sk_provider_classify(long status, sk_header_fn header, void *hctx,
                          struct sk_chat_result *out);

#endif
