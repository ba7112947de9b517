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
 *
 * Structured output: OpenAI's (and Mistral's) response_format
 * {"type":"json_schema","json_schema":{"name","strict":true,"schema"}}.
 * The "llamacpp" provider at the end is this wire format for llama.cpp's
 * llama-server, which takes the schema in its own top-level "json_schema"
 * field (some builds ignore the OpenAI form silently); the reply is the
 * JSON text in choices[0].message.content either way.
 */
#include "shipskip/providers/provider.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a structured request puts its schema. */
enum schema_form { FORM_RESPONSE_FORMAT, FORM_LLAMA_JSON_SCHEMA };

/* Adds req's schema to root in form: OpenAI's strict response_format, or
 * llama.cpp's top-level json_schema. Returns 0 or SK_ENOMEM. */
static int add_schema(cJSON *root, const struct sk_chat_request *req,
                      enum schema_form form) {
  cJSON *rf;
  cJSON *js;
  cJSON *copy = cJSON_Duplicate(req->schema, 1);

  if (copy == NULL)
    return SK_ENOMEM;
  if (form == FORM_LLAMA_JSON_SCHEMA) {
    if (!cJSON_AddItemToObject(root, "json_schema", copy))
      goto fail;
    return 0;
  }
  rf = cJSON_AddObjectToObject(root, "response_format");
  if (rf == NULL || cJSON_AddStringToObject(rf, "type", "json_schema") == NULL)
    goto fail;
  js = cJSON_AddObjectToObject(rf, "json_schema");
  if (js == NULL ||
      cJSON_AddStringToObject(js, "name", req->schema_name) == NULL ||
      cJSON_AddTrueToObject(js, "strict") == NULL ||
      !cJSON_AddItemToObject(js, "schema", copy))
    goto fail;
  return 0;
fail:
  cJSON_Delete(copy);
  return SK_ENOMEM;
}

static int build_form(const struct sk_provider_conf *conf,
                      const struct sk_chat_request *req,
                      struct sk_wire_request *out, struct sk_error *err,
                      enum schema_form form) {
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
  /* Last, so a text request's body is what it always was. */
  if (req->schema != NULL && add_schema(root, req, form) != 0)
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

static int build(const struct sk_provider_conf *conf,
                 const struct sk_chat_request *req, struct sk_wire_request *out,
                 struct sk_error *err) {
  return build_form(conf, req, out, err, FORM_RESPONSE_FORMAT);
}

static int build_llama(const struct sk_provider_conf *conf,
                       const struct sk_chat_request *req,
                       struct sk_wire_request *out, struct sk_error *err) {
  return build_form(conf, req, out, err, FORM_LLAMA_JSON_SCHEMA);
}

/* A 400 naming the structured field: a server that does not take it. */
static int rejects_response_format(const char *error) {
  static const char *const NAMES[] = {"response_format", "json_schema", NULL};
  return sk_provider_error_names(error, NAMES);
}

static int rejects_json_schema(const char *error) {
  static const char *const NAMES[] = {"json_schema", "grammar", NULL};
  return sk_provider_error_names(error, NAMES);
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
    /* "OpenAI-compatible" covers servers that ignore response_format (some
     * llama.cpp builds) or reject it: auto leaves them the text contract;
     * `structured: on` asks api.openai.com for it. */
    .structured_auto = 0,
    .default_max_tokens = 0,
    .rejects_structured = rejects_response_format,
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
    .structured_auto = 1,
    .default_max_tokens = 0,
    .rejects_structured = rejects_response_format,
    .build = build,
    .parse = parse,
};

/* llama.cpp's llama-server: this wire format with the schema in its own
 * "json_schema" field. A local server: no key needed (a key given is sent
 * as a Bearer token, for --api-key); the model name is what the server
 * reports, any name is served by the loaded model. */
const struct sk_provider sk_provider_llamacpp = {
    .name = "llamacpp",
    .key_env = NULL,
    .key_env_fallback = NULL,
    .base_url_env = "LLAMACPP_BASE_URL",
    .default_base_url = "http://127.0.0.1:8080/v1",
    .default_model = "default",
    .structured_auto = 1,
    .default_max_tokens = 0,
    .rejects_structured = rejects_json_schema,
    .build = build_llama,
    .parse = parse,
};
