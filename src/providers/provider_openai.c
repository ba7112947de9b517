/* provider_openai.c: OpenAI-compatible chat completions.
 *
 * POST {base}/chat/completions with "Authorization: Bearer KEY". The reply
 * is choices[0].message.content with finish_reason and usage; errors are
 * {"error":{"message","type","code"}}. Quirks handled, from real servers:
 * llama.cpp answers malformed requests with 500 (final when the message
 * names a parse error, or the same request would fail forever); a 429 of
 * type insufficient_quota will not clear by waiting (final); a refusal can
 * stand where the content should be; extra keys (timings) are ignored.
 * Rate limits: Retry-After / retry-after-ms, and OpenAI's
 * x-ratelimit-{limit,remaining,reset}-{requests,tokens}, whose reset is the
 * wait on a 429 that names none.
 *
 * The "mistral" provider at the end is this wire format at api.mistral.ai;
 * Mistral's errors put message and type at the top level
 * ({"message":"Requests rate limit exceeded"}, {"object":"error",
 * "message","type","code"}), which parse_error_body() reads too.
 */
#include "shipskip/providers/provider.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int build(const struct sk_provider_conf *conf,
                 const struct sk_chat_request *req, struct sk_wire_request *out,
                 struct sk_error *err) {
  cJSON *root = NULL;
  int rc = SK_ENOMEM;

  sk_wire_request_init(out);
  root = cJSON_CreateObject();
  if (root == NULL ||
      cJSON_AddStringToObject(root, "model", req->model) == NULL)
    goto out;
  if (sk_provider_add_messages(root, req) != 0)
    goto out;
  if (req->temperature >= 0 &&
      cJSON_AddNumberToObject(root, "temperature", req->temperature) == NULL)
    goto out;
  if (req->max_tokens > 0 &&
      cJSON_AddNumberToObject(root, "max_tokens", (double)req->max_tokens) ==
          NULL)
    goto out;
  if (req->has_seed &&
      cJSON_AddNumberToObject(root, "seed", (double)req->seed) == NULL)
    goto out;
  if (sk_wire_request_set_json(out, root) != 0)
    goto out;

  /* The base URL includes the version path, as in OpenAI's SDKs; a trailing
   * slash is forgiven. */
  rc = sk_wire_request_set_url(out, conf->base_url, "/chat/completions");
  if (rc == 0)
    rc = sk_wire_request_add_header(out, "Content-Type", "application/json");
  if (rc == 0)
    rc = sk_wire_request_add_key(out, conf, "Authorization", "Bearer ");
out:
  cJSON_Delete(root);
  return sk_wire_request_built(out, rc, err);
}

/* Reads {"error":{"message","type","code"}}, {"error":"text"}, Mistral's
 * top-level {"message","type","code"} and FastAPI's {"detail"}; any JSON
 * value is an error body here (one with none of these says just "HTTP N").
 * Refines the status's retry decision. Returns 0. */
static int parse_error_body(long status, const cJSON *root,
                            struct sk_chat_result *out) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
  const cJSON *msg = NULL;
  const cJSON *type = NULL;
  const cJSON *code = NULL;
  char m[SK_PROVIDER_LINE];

  if (cJSON_IsObject(e)) {
    msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    type = cJSON_GetObjectItemCaseSensitive(e, "type");
    code = cJSON_GetObjectItemCaseSensitive(e, "code");
  } else if (cJSON_IsString(e)) {
    msg = e; /* some compatible servers send {"error":"text"} */
  } else if (e == NULL) {
    /* Mistral: {"message":"...","type":"rate_limited","code":"1300"}. */
    msg = cJSON_GetObjectItemCaseSensitive(root, "message");
    type = cJSON_GetObjectItemCaseSensitive(root, "type");
    code = cJSON_GetObjectItemCaseSensitive(root, "code");
  }
  if (!cJSON_IsString(msg) && e == NULL)
    msg = cJSON_GetObjectItemCaseSensitive(root, "detail"); /* FastAPI */
  /* The kind is the type, else the code. */
  sk_provider_error_text(out, status, cJSON_IsString(type) ? type : code, msg,
                         m);

  /* A quota error will not clear by waiting. */
  if (status == 429 &&
      ((sk_json_strval(type) != NULL &&
        strcmp(sk_json_strval(type), "insufficient_quota") == 0) ||
       (sk_json_strval(code) != NULL &&
        strcmp(sk_json_strval(code), "insufficient_quota") == 0))) {
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "quota");
  }
  /* llama.cpp reports request-validation errors as 500: retrying the same
   * bytes cannot help. */
  if (status == 500 &&
      (strstr(m, "parse_error") != NULL || strstr(m, "parse error") != NULL ||
       strstr(m, "is required") != NULL)) {
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "500-invalid");
  }
  return 0;
}

/* Reads choices[0]: finish_reason, usage, then message.content, or the
 * refusal that can stand in its place. */
static void parse_reply(const cJSON *root, struct sk_chat_result *out) {
  const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
  const cJSON *c0 =
      cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
  const cJSON *usage;
  const cJSON *msg;
  const cJSON *content;
  const cJSON *refusal;
  const char *text;

  if (c0 == NULL) {
    sk_provider_malformed(out, "no choices[0]");
    return;
  }
  sk_provider_finish_reason(
      out, cJSON_GetObjectItemCaseSensitive(c0, "finish_reason"));
  usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
  if (cJSON_IsObject(usage)) {
    out->prompt_tokens = sk_provider_tokens(usage, "prompt_tokens");
    out->completion_tokens = sk_provider_tokens(usage, "completion_tokens");
  }
  msg = cJSON_GetObjectItemCaseSensitive(c0, "message");
  content = cJSON_IsObject(msg)
                ? cJSON_GetObjectItemCaseSensitive(msg, "content")
                : NULL;
  switch (sk_json_str(content, &text)) {
  case 1:
    sk_provider_accept(out, text);
    return;
  case SK_JSON_NUL:
    sk_provider_nul(out, "choices[0].message.content");
    return;
  default:
    break;
  }
  refusal = cJSON_IsObject(msg)
                ? cJSON_GetObjectItemCaseSensitive(msg, "refusal")
                : NULL;
  if (sk_json_strval(refusal) != NULL) {
    char r[SK_PROVIDER_LINE];
    sk_provider_one_line(r, sizeof(r), sk_json_strval(refusal));
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "refusal");
    snprintf(out->error, sizeof(out->error), "the model refused: %s", r);
  } else {
    sk_provider_malformed(out, "choices[0].message.content is not a string");
  }
}

/* A 200 body that is JSON but not an object is read as one without
 * choices[0], as this provider always has. */
static const struct sk_provider_wire WIRE = {
    .ratelimit = SK_RATELIMIT_OPENAI,
    .reply_any_json = 1,
    .error_body = parse_error_body,
    .error_in_reply = NULL,
    .reply = parse_reply,
};

static void parse(long status, const char *body, size_t len,
                  sk_header_fn header, void *hctx, struct sk_chat_result *out) {
  sk_provider_parse(&WIRE, status, body, len, header, hctx, out);
}

const struct sk_provider sk_provider_openai = {
    .name = "openai",
    .key_env = "OPENAI_API_KEY",
    .key_env_fallback = NULL,
    .base_url_env = "OPENAI_BASE_URL",
    .default_base_url = "https://api.openai.com/v1",
    .default_model = "gpt-4o-mini",
    .build = build,
    .parse = parse,
};

/* Mistral's chat completions are OpenAI-compatible: same request, same
 * reply, Bearer key. The default model is an example; any model name the
 * account can use works. */
const struct sk_provider sk_provider_mistral = {
    .name = "mistral",
    .key_env = "MISTRAL_API_KEY",
    .key_env_fallback = NULL,
    .base_url_env = "MISTRAL_BASE_URL",
    .default_base_url = "https://api.mistral.ai/v1",
    .default_model = "mistral-small-latest",
    .build = build,
    .parse = parse,
};
