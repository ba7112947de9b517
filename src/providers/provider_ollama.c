/* provider_ollama.c: Ollama's native chat API.
 *
 * POST {base}/api/chat with {"model","messages","stream":false,"options"}
 * (without "stream": false Ollama streams NDJSON). Messages keep their roles
 * (system, user, assistant); temperature, max_tokens and seed go to
 * options (temperature, num_predict, seed). A local Ollama takes no key;
 * when one is given anyway (a proxy in front, Ollama's hosted API) it is
 * sent as "Authorization: Bearer KEY". The base URL may be written as
 * OLLAMA_HOST is: "host", "host:port" or a full URL; without a scheme it
 * is http and the port 11434, as Ollama's own client reads it.
 *
 * The reply is message.content with done (a reply with done false is not
 * finished), done_reason as the finish reason, prompt_eval_count and
 * eval_count as token usage; the durations (nanoseconds) are ignored.
 * Errors are {"error":"text"}: 404 (model not found: pull it first) and
 * 400 are final, 5xx (a runner that died, "server busy") retried.
 *
 * Structured output: "format" set to the JSON Schema itself (Ollama also
 * takes "json" there); the reply is the JSON text in message.content.
 */
#include "shipskip/providers/provider.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The base URL as a full URL: OLLAMA_HOST may omit the scheme and port.
 * Returns a heap string or NULL. */
static char *full_base(const char *base) {
  const char *colon;
  const char *slash;
  size_t len = strlen(base) + sizeof("http://127.0.0.1:11434");
  char *s;
  int has_port;

  if (strstr(base, "://") != NULL)
    return strdup(base);
  s = malloc(len);
  if (s == NULL)
    return NULL;
  /* The port is the digits after the last ':' of the host part, which for
   * an IPv6 address must come after its ']'. */
  slash = strchr(base, '/');
  colon = strrchr(base, ':');
  if (slash != NULL && colon != NULL && colon > slash)
    colon = NULL;
  has_port = colon != NULL && (base[0] != '[' || colon[-1] == ']');
  if (has_port || base[0] == '\0') {
    snprintf(s, len, "http://%s", base[0] != '\0' ? base : "127.0.0.1:11434");
  } else {
    size_t host = slash != NULL ? (size_t)(slash - base) : strlen(base);
    snprintf(s, len, "http://%.*s:11434%s", (int)host, base, base + host);
  }
  return s;
}

static int build(const struct sk_provider_conf *conf,
                 const struct sk_chat_request *req, struct sk_wire_request *out,
                 struct sk_error *err) {
  cJSON *root = NULL;
  char *base = NULL;
  int rc = SK_ENOMEM;

  sk_wire_request_init(out);
  root = cJSON_CreateObject();
  if (root == NULL ||
      cJSON_AddStringToObject(root, "model", req->model) == NULL)
    goto out;
  if (sk_provider_add_messages(root, req) != 0)
    goto out;
  if (cJSON_AddFalseToObject(root, "stream") == NULL)
    goto out;
  if (req->temperature >= 0 || req->max_tokens > 0 || req->has_seed) {
    cJSON *opts = cJSON_AddObjectToObject(root, "options");
    if (opts == NULL)
      goto out;
    if (req->temperature >= 0 &&
        cJSON_AddNumberToObject(opts, "temperature", req->temperature) == NULL)
      goto out;
    if (req->max_tokens > 0 &&
        cJSON_AddNumberToObject(opts, "num_predict", (double)req->max_tokens) ==
            NULL)
      goto out;
    if (req->has_seed &&
        cJSON_AddNumberToObject(opts, "seed", (double)req->seed) == NULL)
      goto out;
  }
  if (req->schema != NULL) {
    cJSON *copy = cJSON_Duplicate(req->schema, 1);
    if (copy == NULL || !cJSON_AddItemToObject(root, "format", copy)) {
      cJSON_Delete(copy);
      goto out;
    }
  }
  if (sk_wire_request_set_json(out, root) != 0)
    goto out;

  base = full_base(conf->base_url);
  if (base == NULL)
    goto out;
  rc = sk_wire_request_set_url(out, base, "/api/chat");
  if (rc == 0)
    rc = sk_wire_request_add_header(out, "Content-Type", "application/json");
  if (rc == 0)
    rc = sk_wire_request_add_key(out, conf, "Authorization", "Bearer ");
out:
  free(base);
  cJSON_Delete(root);
  return sk_wire_request_built(out, rc, err);
}

/* "HTTP 404: model "x" not found, try pulling it first", from {"error"}.
 * Returns -1 when root is not an object. */
static int error_text(long status, const cJSON *root,
                      struct sk_chat_result *out) {
  if (!cJSON_IsObject(root))
    return -1;
  sk_provider_error_text(out, status, NULL,
                         cJSON_GetObjectItemCaseSensitive(root, "error"), NULL);
  return 0;
}

/* {"error":"text"} in a 200: the runner failed after the headers went out. */
static int error_in_reply(const cJSON *root) {
  return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "error"));
}

/* Reads done_reason, the eval counts, done and message.content. */
static void parse_reply(const cJSON *root, struct sk_chat_result *out) {
  const cJSON *msg;
  const cJSON *content;
  const char *text;
  int rc;

  sk_provider_finish_reason(
      out, cJSON_GetObjectItemCaseSensitive(root, "done_reason"));
  out->prompt_tokens = sk_provider_tokens(root, "prompt_eval_count");
  out->completion_tokens = sk_provider_tokens(root, "eval_count");
  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "done"))) {
    sk_provider_malformed(out, "done is not true (a streamed reply?)");
    return;
  }
  msg = cJSON_GetObjectItemCaseSensitive(root, "message");
  content = cJSON_GetObjectItemCaseSensitive(msg, "content");
  rc = sk_json_str(content, &text);
  if (rc == SK_JSON_NUL) {
    sk_provider_nul(out, "message.content");
    return;
  }
  if (rc == 0) {
    sk_provider_malformed(out, "message.content is not a string");
    return;
  }
  if (text[0] == '\0') {
    sk_provider_malformed(out, "message.content is empty");
    return;
  }
  sk_provider_accept(out, text);
}

/* A 400 naming "format" (an Ollama too old for schemas, or a schema it
 * cannot use). */
static int rejects_format(const char *error) {
  static const char *const NAMES[] = {"format", NULL};
  return sk_provider_error_names(error, NAMES);
}

static const struct sk_provider_wire WIRE = {
    .ratelimit = SK_RATELIMIT_NONE,
    .reply_any_json = 0,
    .error_body = error_text,
    .error_in_reply = error_in_reply,
    .reply = parse_reply,
};

static void parse(long status, const char *body, size_t len,
                  sk_header_fn header, void *hctx, struct sk_chat_result *out) {
  sk_provider_parse(&WIRE, status, body, len, header, hctx, out);
}

/* No key variable: a local Ollama takes none. The default model is an
 * example; any model pulled into the server works. */
const struct sk_provider sk_provider_ollama = {
    .name = "ollama",
    .key_env = NULL,
    .key_env_fallback = NULL,
    .base_url_env = "OLLAMA_HOST",
    .default_base_url = "http://localhost:11434",
    .default_model = "llama3.2",
    .structured_auto = 1,
    .default_max_tokens = 0,
    .rejects_structured = rejects_format,
    .build = build,
    .parse = parse,
};
