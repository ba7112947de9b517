/* provider.h: the wire format of an LLM API, kept apart from the transport.
 *
 * A provider turns a chat request (model, messages, sampling parameters)
 * into an HTTP request (URL, headers, body), and an HTTP response (status,
 * headers, body) into a result: the reply text, finish reason and token
 * usage, or a one-line error message with a decision: retry or give up.
 * Only JSON-facing code lives here; sending is the http module's job.
 *
 * Providers, each with its own wire format, credential header, usage
 * accounting and error body (docs/PROVIDERS.md has the table):
 *   "openai"    OpenAI-compatible chat completions (OpenAI, Groq, OpenRouter,
 *               vLLM, llama.cpp's server, LM Studio, Ollama's /v1)
 *   "mistral"   the same wire format at api.mistral.ai
 *   "anthropic" Anthropic Messages (POST /v1/messages)
 *   "gemini"    Google Gemini generateContent
 *   "ollama"    Ollama's native /api/chat
 *   "azure"     Azure OpenAI: the OpenAI body at a deployment's path, with
 *               an api-version query and an api-key header
 *
 * Shared helpers for provider implementations (building URLs and headers,
 * reading rate-limit headers, one-line error text) are declared at the end,
 * with the one parse path all of them use: a provider describes only its
 * wire format (struct sk_provider_wire) and sk_provider_parse() does the
 * rest.
 */
#ifndef SHIPSKIP_PROVIDER_H
#define SHIPSKIP_PROVIDER_H

#include "shipskip/util/error.h"
#include "shipskip/providers/ratelimit.h"

#include <cJSON.h>
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
  /* Structured output (docs/PROVIDERS.md): when schema is not NULL the
   * reply is asked for in the provider's native structured form, a JSON
   * Schema object (model/schema.h) named schema_name (letters, digits, _
   * and -), each provider translating it to what its API takes; the
   * content of the result is then the JSON object's text. NULL: the text
   * contract, and the request body is exactly what it was before
   * structured output existed. Borrowed for the call. */
  const cJSON *schema;
  const char *schema_name;
};

/* Whether a provider is asked for structured output: "auto" (what a
 * zeroed config gives) uses it where the provider type is known to support
 * it (struct sk_provider's structured_auto). */
enum sk_structured {
  SK_STRUCTURED_AUTO = 0,
  SK_STRUCTURED_ON,
  SK_STRUCTURED_OFF
};

/* Parses "auto", "on" or "off" (exact) into *out. Returns 0 or SK_EINVAL
 * (leaving *out alone). */
int sk_structured_parse(const char *s, enum sk_structured *out);

/* The mode's name as sk_structured_parse takes it. */
const char *sk_structured_name(enum sk_structured m);

/* An HTTP request built by a provider. headers are "Name: value" lines; the
 * credential header is the one at index secret_header (-1 if none), so
 * anything that logs or records a request can leave it out. Bit i of
 * secret_mask is set for every header that holds a secret: the credential
 * header and a configured header that carries one (sk_provider_build()). */
#define SK_MAX_HEADERS 16
struct sk_wire_request {
  char *url;
  char *headers[SK_MAX_HEADERS];
  size_t nheaders;
  int secret_header;
  unsigned secret_mask;
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
  /* How long the server asked us to wait: retry-after-ms, Retry-After, a
   * provider's own retry hint (Gemini's RetryInfo), or on a 429 the reset
   * of the exhausted rate-limit bucket; -1 when not given. */
  long retry_after_ms;
  struct sk_ratelimit ratelimit; /* the budget the response reported */
  char cause[24];  /* short cause: "429", "5xx", "malformed", "quota"... */
  char error[320]; /* one line, for reports; "" when OK */
};

struct sk_provider_conf {
  const struct sk_provider *impl;
  const char *base_url; /* vendor convention: "https://api.openai.com/v1" */
  const char *api_key;  /* never logged, recorded or written */
};

/* A gateway's extras for every request to one provider, added by
 * sk_provider_build() after the provider's own build: nheaders header names
 * and values (headers[2i] is a name, headers[2i+1] its value; bit i of
 * headers_secret marks a value that is a credential), and nquery query
 * parameters the same way, appended to the URL percent-encoded. */
struct sk_gateway {
  const char *const *headers;
  size_t nheaders;
  unsigned headers_secret;
  const char *const *query;
  size_t nquery;
};

/* A provider. Define one with designated initializers: fields are added
 * over time. */
struct sk_provider {
  const char *name;
  /* The variable holding the API key ("OPENAI_API_KEY"), or NULL when the
   * API takes no key (ollama): then a missing key is not an error, and a key
   * given anyway is still sent in the provider's credential header. */
  const char *key_env;
  /* Read when key_env is unset or empty ("GOOGLE_API_KEY" for gemini), or
   * NULL. */
  const char *key_env_fallback;
  const char *base_url_env;     /* "OPENAI_BASE_URL", or NULL */
  const char *default_base_url; /* "https://api.openai.com/v1" */
  const char *default_model;
  /* 1 when "structured": "auto" means on: every server of this type takes
   * the native structured form (docs/PROVIDERS.md says which do). */
  int structured_auto;
  /* The reply limit the provider sends when the request gives none (the
   * API requires one: Anthropic's 1024), 0 when none is sent: then a reply
   * cut off at the model's own limit cannot be asked with a larger one. */
  long default_max_tokens;
  /* Optional (NULL: never): whether an HTTP 400 error text (out->error of
   * a parsed response) says the server does not take the structured form
   * this provider sends, so the run can fall back to the text contract. */
  int (*rejects_structured)(const char *error);
  /* A query parameter every request carries unless the base URL or the
   * gateway's query names it already (Azure's api-version), or NULL. */
  const char *default_query_name;
  const char *default_query_value;
  /* Builds the HTTP request. Returns 0 or SK_ENOMEM. */
  int (*build)(const struct sk_provider_conf *conf,
               const struct sk_chat_request *req, struct sk_wire_request *out,
               struct sk_error *err);
  /* Interprets a response. Never fails: a body it cannot read becomes an
   * error result with a retry decision. Fills every field of out (content
   * is heap, OK only; free with sk_chat_result_cleanup()). */
  void (*parse)(long status, const char *body, size_t len, sk_header_fn header,
                void *hctx, struct sk_chat_result *out);
};

/* Returns the provider called name, or NULL. */
const struct sk_provider *sk_provider_find(const char *name);

/* Builds the HTTP request of req for conf: conf->impl's build(), then gw's
 * query parameters appended to the URL, the provider's default query
 * parameter when the URL does not name it yet, and gw's headers (those
 * marked secret are recorded in out->secret_mask). gw may be NULL. Returns
 * 0, or as build() does, or SK_ENOMEM / SK_EINVAL (too many headers) with
 * err set and out freed. */
int sk_provider_build(const struct sk_provider_conf *conf,
                      const struct sk_gateway *gw,
                      const struct sk_chat_request *req,
                      struct sk_wire_request *out, struct sk_error *err);

/* Joins a URL: base, then path inserted before base's query string
 * ("https://h/v1?api-version=x" + "/chat/completions" gives
 * "https://h/v1/chat/completions?api-version=x"; one trailing slash of
 * base's path is dropped), then nquery name/value pairs of query (names at
 * even indexes) appended to the query string, each percent-encoded except
 * for RFC 3986's unreserved characters. path may be "". Returns 0 and a heap
 * string in *out, or SK_ENOMEM. */
int sk_url_join(const char *base, const char *path, const char *const *query,
                size_t nquery, char **out);

/* Adds "messages": [{"role", "content"}...] for every message of req to
 * root, the shape OpenAI-compatible APIs and Ollama share. Returns 0 or
 * SK_ENOMEM. */
int sk_provider_add_messages(cJSON *root, const struct sk_chat_request *req);

/* Frees the strings of a wire request, wiping the credential header
 * first. NULL-safe. */
void sk_wire_request_cleanup(struct sk_wire_request *w);

/* Frees the content of a result. NULL-safe. */
void sk_chat_result_cleanup(struct sk_chat_result *r);

/* Parses a Retry-After value: delay-seconds or an HTTP-date (relative to
 * now_unix). Returns milliseconds, or -1 when value is not a valid form.
 * The same as sk_ratelimit_retry_after_ms() with the time in seconds. */
long sk_retry_after_ms(const char *value, long long now_unix);

/* Decides the retry policy for an HTTP error status: 429, 408 and 5xx retry
 * (529, Anthropic's "overloaded", is a 5xx); other statuses are final. Fills
 * out->outcome and cause and, when header is not NULL, retry_after_ms (from
 * retry-after-ms / Retry-After); with header NULL retry_after_ms is left as
 * it is, for a caller that read it with sk_provider_read_headers().
 * Providers refine the decision from the error body. */
void sk_provider_classify(long status, sk_header_fn header, void *hctx,
                          struct sk_chat_result *out);

/* ---- helpers for provider implementations ---------------------------- */

/* Starts a result: zeroes out, sets retry_after_ms to -1 and every
 * ratelimit field to -1. */
void sk_chat_result_init(struct sk_chat_result *out);

/* Reads the headers every response may carry, for any status: style's
 * rate-limit headers into out->ratelimit, and out->retry_after_ms from
 * retry-after-ms, else Retry-After, else (on a 429 only) the latest reset of
 * an exhausted bucket. header may be NULL. Uses the real clock. */
void sk_provider_read_headers(long status, enum sk_ratelimit_style style,
                              sk_header_fn header, void *hctx,
                              struct sk_chat_result *out);

/* Marks out as a reply that could not be read: RETRY, cause "malformed",
 * error "malformed reply: WHY". */
void sk_provider_malformed(struct sk_chat_result *out, const char *why);

/* Marks out as malformed because the reply string WHAT held a NUL
 * (sk_json_str() said SK_JSON_NUL): "malformed reply: WHAT holds a NUL
 * character (\u0000)". Taken whole, the text after the NUL would be lost
 * unseen by validation. */
void sk_provider_nul(struct sk_chat_result *out, const char *what);

/* Copies at most 200 bytes of s into dst (size bytes), newlines and other
 * control characters replaced by spaces, so server text fits one report
 * line. s may be NULL (dst becomes ""). */
void sk_provider_one_line(char *dst, size_t size, const char *s);

/* ---- the parse path every provider shares ---------------------------- */

/* The most tokens one count may say: a count past it is garbage (and past
 * LONG_MAX not even representable), so it reads as absent. */
#define SK_PROVIDER_TOKENS_MAX 999999999999999LL

/* The size of the one-line copy of a server's error message that
 * sk_provider_error_text() hands back for a provider's own checks. */
#define SK_PROVIDER_LINE 208

/* What one wire format knows about its responses; everything else about
 * reading a response is the same for all of them and lives in
 * sk_provider_parse(). Define one per provider as a static const. */
struct sk_provider_wire {
  /* Which rate-limit headers the API sends. */
  enum sk_ratelimit_style ratelimit;
  /* 1 when a 200 body may be any JSON value (OpenAI-compatible servers:
   * one that is not an object simply has no choices[0]); 0 when it must be
   * an object. */
  int reply_any_json;
  /* Reads an error body: root is the parsed body (any JSON value). Fills
   * out->error, usually with sk_provider_error_text(), and may refine the
   * retry decision sk_provider_classify() made. Returns 0, or -1 without
   * touching out when root is not an error body of this format. */
  int (*error_body)(long status, const cJSON *root, struct sk_chat_result *out);
  /* Optional (NULL: never): whether a 200 body is an error report instead
   * of a reply (a failure after the headers went out). Such a body is read
   * with error_body and retried with cause "error". */
  int (*error_in_reply)(const cJSON *root);
  /* Reads a 200 reply (an object unless reply_any_json). Ends with
   * sk_provider_accept[_take]() or a failure: sk_provider_malformed() or a
   * FINAL outcome with cause and error. */
  void (*reply)(const cJSON *root, struct sk_chat_result *out);
};

/* The whole of a provider's parse(): starts out, reads the rate-limit and
 * retry headers, parses exactly len bytes of body (which need not end in a
 * NUL; NULL is no body), then for an error status classifies it and reads
 * the error body ("HTTP N (no JSON error body)" when there is none), and for
 * a 200 checks the body is JSON of the right shape and hands it to
 * wire->reply. Never fails; fills out as struct sk_provider's parse does. */
void sk_provider_parse(const struct sk_provider_wire *wire, long status,
                       const char *body, size_t len, sk_header_fn header,
                       void *hctx, struct sk_chat_result *out);

/* Writes out->error as "HTTP STATUS[ KIND][: MESSAGE]" from a server's
 * error body, each part cut to one line (kind and message may be NULL or
 * not strings: then left out). When line is not NULL it receives the
 * message's one-line copy (SK_PROVIDER_LINE bytes), for a provider's own
 * checks of its wording. */
void sk_provider_error_text(struct sk_chat_result *out, long status,
                            const cJSON *kind, const cJSON *message,
                            char *line);

/* Returns obj's member key as a token count in [0, SK_PROVIDER_TOKENS_MAX],
 * or 0 when it is absent, not a whole number or out of bounds. obj may be
 * NULL or not an object. */
long sk_provider_tokens(const cJSON *obj, const char *key);

/* Returns 1 when finish is a finish reason that says the reply was cut off
 * at the token limit: "length" (OpenAI-compatible, Ollama's done_reason),
 * "max_tokens" (Anthropic), "MAX_TOKENS" (Gemini); else 0. */
int sk_finish_is_cut_off(const char *finish);

/* Returns 1 when error (a parsed response's one-line error) names one of
 * the fields in names (NULL-terminated), as a server's 400 does for a field
 * it does not take; else 0. For rejects_structured. */
int sk_provider_error_names(const char *error, const char *const *names);

/* Copies v into out->finish_reason (cut to fit) when it is a string. */
void sk_provider_finish_reason(struct sk_chat_result *out, const cJSON *v);

/* Accepts text as the reply: copies it into out->content and sets the
 * outcome OK; when the copy fails, marks out malformed ("out of memory"). */
void sk_provider_accept(struct sk_chat_result *out, const char *text);

/* The same for a heap string the result takes over (free()d by
 * sk_chat_result_cleanup()); NULL marks out malformed ("out of memory"). */
void sk_provider_accept_take(struct sk_chat_result *out, char *text);

/* Joins the "text" strings of the items of array for which keep() returns
 * 1 (every item with a string "text" when keep is NULL) into a new heap
 * string in *out, "" when there are none. array may be NULL; its children
 * are walked as cJSON_ArrayForEach walks them, so a caller that needs an
 * array checks that first. Returns 0, SK_EPARSE when a kept "text" held a
 * NUL (*out NULL: say it with sk_provider_nul), or SK_ENOMEM. */
int sk_provider_join_text(const cJSON *array, int (*keep)(const cJSON *item),
                          char **out);

/* ---- the build path every provider shares ---------------------------- */

/* Starts w: no URL, headers or body, and no credential header. */
void sk_wire_request_init(struct sk_wire_request *w);

/* Sets w's body to root printed without white space. Returns 0 or
 * SK_ENOMEM. */
int sk_wire_request_set_json(struct sk_wire_request *w, const cJSON *root);

/* Appends the credential header "name: prefix KEY" when conf has a
 * non-empty api_key; without one, adds nothing (a local server that takes
 * no key). Returns 0 or as sk_wire_request_add_secret(). */
int sk_wire_request_add_key(struct sk_wire_request *w,
                            const struct sk_provider_conf *conf,
                            const char *name, const char *prefix);

/* Ends a provider's build(): returns 0 when rc is 0; otherwise frees w and
 * returns rc with err set to "building the request: REASON" (a message the
 * build already set wins, as the first error always does). */
int sk_wire_request_built(struct sk_wire_request *w, int rc,
                          struct sk_error *err);

/* Appends "name: value" to w's headers. Returns 0, SK_EINVAL when all
 * SK_MAX_HEADERS are used, or SK_ENOMEM. */
int sk_wire_request_add_header(struct sk_wire_request *w, const char *name,
                               const char *value);

/* Appends the credential header "name: prefix value" and records its index
 * in w->secret_header. The temporary copy is wiped before it is freed.
 * Returns as sk_wire_request_add_header(). */
int sk_wire_request_add_secret(struct sk_wire_request *w, const char *name,
                               const char *prefix, const char *value);

/* Sets w->url to base + path as sk_url_join() joins them (no query added):
 * one trailing slash of base is dropped, so "http://h/v1/" and "http://h/v1"
 * give the same URL, and a query string in base stays after the path.
 * Returns 0 or SK_ENOMEM. */
int sk_wire_request_set_url(struct sk_wire_request *w, const char *base,
                            const char *path);

#endif
