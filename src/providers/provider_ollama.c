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
 */
#include "shipskip/providers/provider.h"

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

  memset(out, 0, sizeof(*out));
  out->secret_header = -1;
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
  out->body = cJSON_PrintUnformatted(root);
  if (out->body == NULL)
    goto out;
  out->body_len = strlen(out->body);

  base = full_base(conf->base_url);
  if (base == NULL)
    goto out;
  rc = sk_wire_request_set_url(out, base, "/api/chat");
  if (rc == 0)
    rc = sk_wire_request_add_header(out, "Content-Type", "application/json");
  if (rc == 0 && conf->api_key != NULL && conf->api_key[0] != '\0')
    rc = sk_wire_request_add_secret(out, "Authorization", "Bearer ",
                                    conf->api_key);
out:
  free(base);
  cJSON_Delete(root);
  if (rc != 0) {
    sk_wire_request_cleanup(out);
    return sk_error_set(err, rc, "building the request: %s", sk_strerror(rc));
  }
  return 0;
}

static long get_long(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  /* A count past 1e15 is garbage, and converting a double beyond LONG_MAX
   * to long is undefined behaviour (found by fuzzing): treat it as absent. */
  return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15
             ? (long)v->valuedouble
             : 0;
}

/* "HTTP 404: model "x" not found, try pulling it first", from {"error"}. */
static void error_text(long status, const cJSON *root,
                       struct sk_chat_result *out) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
  char m[208] = "";
  if (cJSON_IsString(e))
    sk_provider_one_line(m, sizeof(m), e->valuestring);
  snprintf(out->error, sizeof(out->error), "HTTP %ld%s%s", status,
           m[0] ? ": " : "", m);
}

static void parse(long status, const char *body, size_t len,
                  sk_header_fn header, void *hctx, struct sk_chat_result *out) {
  cJSON *root;
  const cJSON *msg;
  const cJSON *content;
  const cJSON *v;

  sk_chat_result_init(out);
  sk_provider_read_headers(status, SK_RATELIMIT_NONE, header, hctx, out);
  root = body != NULL ? cJSON_ParseWithLengthOpts(body, len, NULL, 0) : NULL;
  if (status != 200) {
    sk_provider_classify(status, NULL, NULL, out);
    if (cJSON_IsObject(root))
      error_text(status, root, out);
    else
      snprintf(out->error, sizeof(out->error), "HTTP %ld (no JSON error body)",
               status);
    goto out;
  }
  if (!cJSON_IsObject(root)) {
    sk_provider_malformed(out, "the body is not a JSON object");
    goto out;
  }
  if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "error"))) {
    /* An error after the headers went out: the runner failed mid-way. */
    error_text(status, root, out);
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "error");
    goto out;
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "done_reason");
  if (cJSON_IsString(v))
    snprintf(out->finish_reason, sizeof(out->finish_reason), "%s",
             v->valuestring);
  out->prompt_tokens = get_long(root, "prompt_eval_count");
  out->completion_tokens = get_long(root, "eval_count");
  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "done"))) {
    sk_provider_malformed(out, "done is not true (a streamed reply?)");
    goto out;
  }
  msg = cJSON_GetObjectItemCaseSensitive(root, "message");
  content = cJSON_GetObjectItemCaseSensitive(msg, "content");
  if (!cJSON_IsString(content)) {
    sk_provider_malformed(out, "message.content is not a string");
    goto out;
  }
  if (content->valuestring[0] == '\0') {
    sk_provider_malformed(out, "message.content is empty");
    goto out;
  }
  out->content = strdup(content->valuestring);
  if (out->content == NULL) {
    sk_provider_malformed(out, "out of memory");
    goto out;
  }
  out->outcome = SK_OUTCOME_OK;
out:
  cJSON_Delete(root);
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
    .build = build,
    .parse = parse,
};
