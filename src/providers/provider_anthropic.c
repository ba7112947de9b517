/* provider_anthropic.c: Anthropic's Messages API.
 *
 * POST {base}/v1/messages with "x-api-key: KEY" and "anthropic-version:
 * 2023-06-01". System messages go to the top-level "system" string (the API
 * rejects a "system" role in messages[]); the rest become messages[] with
 * role user or assistant. max_tokens is required by the API: the request's,
 * else 1024. The API takes temperatures from 0 to 1 and rejects more, so a
 * higher temperature is sent as 1; it has no seed, so none is sent.
 *
 * The reply is content[]: the text of every {"type":"text"} block, joined;
 * stop_reason is the finish reason ("refusal" is a final failure); usage
 * counts input_tokens (plus cache reads and writes) and output_tokens.
 * Errors are {"type":"error","error":{"type","message"}}: 429
 * rate_limit_error, 500 api_error and 529 overloaded_error are retried; 400,
 * 401, 403, 404 and 413 are final. Waits come from Retry-After, else on a
 * 429 from the anthropic-ratelimit-*-reset time of the exhausted bucket.
 *
 * Structured output: one tool whose input_schema is the reply schema, and
 * tool_choice {"type":"tool","name"} forcing it; the reply is the tool_use
 * block's input, handed on as its JSON text (text blocks win when there
 * are any, as for a server that answered without the tool).
 */
#include "shipskip/providers/provider.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_TOKENS 1024

/* Joins the content of every system message, blank-line separated, into a
 * heap string; *out is NULL when there is none. Returns 0 or SK_ENOMEM. */
static int join_system(const struct sk_chat_request *req, char **out) {
  size_t len = 0;
  size_t i;
  char *s;
  char *p;

  *out = NULL;
  for (i = 0; i < req->nmessages; i++)
    if (strcmp(req->messages[i].role, "system") == 0)
      len += strlen(req->messages[i].content) + 2;
  if (len == 0)
    return 0;
  s = malloc(len + 1);
  if (s == NULL)
    return SK_ENOMEM;
  p = s;
  for (i = 0; i < req->nmessages; i++) {
    size_t n;
    if (strcmp(req->messages[i].role, "system") != 0)
      continue;
    if (p != s) {
      memcpy(p, "\n\n", 2);
      p += 2;
    }
    n = strlen(req->messages[i].content);
    memcpy(p, req->messages[i].content, n);
    p += n;
  }
  *p = '\0';
  *out = s;
  return 0;
}

/* Adds the one forced tool carrying req's schema. Returns 0 or SK_ENOMEM. */
static int add_tool(cJSON *root, const struct sk_chat_request *req) {
  cJSON *tools = cJSON_AddArrayToObject(root, "tools");
  cJSON *tool = cJSON_CreateObject();
  cJSON *choice;
  cJSON *copy;

  if (tools == NULL || tool == NULL) {
    cJSON_Delete(tool);
    return SK_ENOMEM;
  }
  cJSON_AddItemToArray(tools, tool);
  if (cJSON_AddStringToObject(tool, "name", req->schema_name) == NULL ||
      cJSON_AddStringToObject(tool, "description",
                              "Record your review: score, verdict, the "
                              "review paragraph and the evidence for each "
                              "rubric element.") == NULL)
    return SK_ENOMEM;
  copy = cJSON_Duplicate(req->schema, 1);
  if (copy == NULL || !cJSON_AddItemToObject(tool, "input_schema", copy)) {
    cJSON_Delete(copy);
    return SK_ENOMEM;
  }
  choice = cJSON_AddObjectToObject(root, "tool_choice");
  if (choice == NULL ||
      cJSON_AddStringToObject(choice, "type", "tool") == NULL ||
      cJSON_AddStringToObject(choice, "name", req->schema_name) == NULL)
    return SK_ENOMEM;
  return 0;
}

static int build(const struct sk_provider_conf *conf,
                 const struct sk_chat_request *req, struct sk_wire_request *out,
                 struct sk_error *err) {
  cJSON *root = NULL;
  cJSON *msgs;
  char *system = NULL;
  size_t i;
  int rc = SK_ENOMEM;

  sk_wire_request_init(out);
  for (i = 0; i < req->nmessages; i++) {
    const char *role = req->messages[i].role;
    if (strcmp(role, "system") != 0 && strcmp(role, "user") != 0 &&
        strcmp(role, "assistant") != 0) {
      rc = sk_error_set(err, SK_EINVAL,
                        "building the request: role \"%s\" has no "
                        "equivalent in Anthropic's Messages API",
                        role);
      goto out;
    }
  }
  if (join_system(req, &system) != 0)
    goto out;
  root = cJSON_CreateObject();
  if (root == NULL ||
      cJSON_AddStringToObject(root, "model", req->model) == NULL)
    goto out;
  if (system != NULL && cJSON_AddStringToObject(root, "system", system) == NULL)
    goto out;
  msgs = cJSON_AddArrayToObject(root, "messages");
  if (msgs == NULL)
    goto out;
  for (i = 0; i < req->nmessages; i++) {
    cJSON *m;
    if (strcmp(req->messages[i].role, "system") == 0)
      continue;
    m = cJSON_CreateObject();
    if (m == NULL)
      goto out;
    cJSON_AddItemToArray(msgs, m);
    if (cJSON_AddStringToObject(m, "role", req->messages[i].role) == NULL ||
        cJSON_AddStringToObject(m, "content", req->messages[i].content) == NULL)
      goto out;
  }
  if (cJSON_AddNumberToObject(root, "max_tokens",
                              req->max_tokens > 0 ? (double)req->max_tokens
                                                  : DEFAULT_MAX_TOKENS) == NULL)
    goto out;
  if (req->temperature >= 0 &&
      cJSON_AddNumberToObject(root, "temperature",
                              req->temperature > 1 ? 1 : req->temperature) ==
          NULL)
    goto out;
  if (req->schema != NULL && add_tool(root, req) != 0)
    goto out;
  if (sk_wire_request_set_json(out, root) != 0)
    goto out;

  /* The base URL is the API root, as in Anthropic's SDKs. */
  rc = sk_wire_request_set_url(out, conf->base_url, "/v1/messages");
  if (rc == 0)
    rc = sk_wire_request_add_header(out, "Content-Type", "application/json");
  if (rc == 0)
    rc = sk_wire_request_add_header(out, "anthropic-version", "2023-06-01");
  if (rc == 0)
    rc = sk_wire_request_add_key(out, conf, "x-api-key", "");
out:
  free(system);
  cJSON_Delete(root);
  return sk_wire_request_built(out, rc, err);
}

/* Fills out->error from {"type":"error","error":{"type","message"}} and
 * refines the status's retry decision. Returns -1 when root is not an
 * object. */
static int parse_error_body(long status, const cJSON *root,
                            struct sk_chat_result *out) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
  char m[SK_PROVIDER_LINE];

  if (!cJSON_IsObject(root))
    return -1;
  sk_provider_error_text(out, status,
                         cJSON_GetObjectItemCaseSensitive(e, "type"),
                         cJSON_GetObjectItemCaseSensitive(e, "message"), m);
  /* An empty account answers 400 "Your credit balance is too low": final
   * already, but say why in the cause. */
  if (status == 400 && strstr(m, "credit balance") != NULL)
    snprintf(out->cause, sizeof(out->cause), "quota");
  return 0;
}

/* {"type":"error"} where a message belongs, as in a stream. */
static int error_in_reply(const cJSON *root) {
  const char *v =
      sk_json_strval(cJSON_GetObjectItemCaseSensitive(root, "type"));
  return v != NULL && strcmp(v, "error") == 0;
}

/* Only {"type":"text"} blocks of content[] are the reply. */
static int is_text_block(const cJSON *block) {
  const char *type =
      sk_json_strval(cJSON_GetObjectItemCaseSensitive(block, "type"));
  return type != NULL && strcmp(type, "text") == 0;
}

/* The input of the first {"type":"tool_use"} block of content, or NULL. */
static const cJSON *tool_input(const cJSON *content) {
  const cJSON *block;
  cJSON_ArrayForEach(block, content) {
    const char *type =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(block, "type"));
    if (type != NULL && strcmp(type, "tool_use") == 0)
      return cJSON_GetObjectItemCaseSensitive(block, "input");
  }
  return NULL;
}

/* Reads stop_reason, usage and the text blocks of content[] (or the forced
 * tool's input, for a structured request). */
static void parse_reply(const cJSON *root, struct sk_chat_result *out) {
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
  const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
  char *text;
  int rc;

  sk_provider_finish_reason(
      out, cJSON_GetObjectItemCaseSensitive(root, "stop_reason"));
  if (cJSON_IsObject(usage)) {
    /* Cached prompt tokens are billed too, at their own rates. */
    out->prompt_tokens =
        sk_provider_tokens(usage, "input_tokens") +
        sk_provider_tokens(usage, "cache_creation_input_tokens") +
        sk_provider_tokens(usage, "cache_read_input_tokens");
    out->completion_tokens = sk_provider_tokens(usage, "output_tokens");
  }
  if (strcmp(out->finish_reason, "refusal") == 0) {
    /* The safety classifier stopped the model: what text there is, is not
     * an answer, and asking again gets the same. */
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "refusal");
    snprintf(out->error, sizeof(out->error),
             "the model refused (stop_reason \"refusal\")");
    return;
  }
  if (!cJSON_IsArray(content)) {
    sk_provider_malformed(out, "content is not an array");
    return;
  }
  rc = sk_provider_join_text(content, is_text_block, &text);
  if (rc != 0) {
    if (rc == SK_EPARSE)
      sk_provider_nul(out, "a text block of content[]");
    else
      sk_provider_malformed(out, "out of memory");
    return;
  }
  if (text[0] != '\0') {
    sk_provider_accept_take(out, text);
    return;
  }
  free(text);
  if (cJSON_GetArraySize(tool_input(content)) > 0 &&
      cJSON_IsObject(tool_input(content)) &&
      sk_json_has_nul(tool_input(content), NULL, 0)) {
    /* Printed again, a string that held a NUL would come out cut. */
    sk_provider_nul(out, "the tool_use input");
    return;
  }
  if (cJSON_GetArraySize(tool_input(content)) > 0 &&
      cJSON_IsObject(tool_input(content))) {
    /* The forced tool's reply, with no text beside it: its JSON text goes
     * through the same validation as any reply. An empty input is no
     * reply. */
    sk_provider_accept_take(out, cJSON_PrintUnformatted(tool_input(content)));
    return;
  }
  if (strcmp(out->finish_reason, "max_tokens") == 0) {
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "max_tokens");
    snprintf(out->error, sizeof(out->error),
             "the reply hit max_tokens before any text; raise --max-tokens");
  } else {
    sk_provider_malformed(out, "no text block in content");
  }
}

/* A 400 naming the forced tool's fields. */
static int rejects_tool(const char *error) {
  static const char *const NAMES[] = {"tools", "tool_choice", "input_schema",
                                      NULL};
  return sk_provider_error_names(error, NAMES);
}

static const struct sk_provider_wire WIRE = {
    .ratelimit = SK_RATELIMIT_ANTHROPIC,
    .reply_any_json = 0,
    .error_body = parse_error_body,
    .error_in_reply = error_in_reply,
    .reply = parse_reply,
};

static void parse(long status, const char *body, size_t len,
                  sk_header_fn header, void *hctx, struct sk_chat_result *out) {
  sk_provider_parse(&WIRE, status, body, len, header, hctx, out);
}

/* The default model is an example; any model name the account can use
 * works. */
const struct sk_provider sk_provider_anthropic = {
    .name = "anthropic",
    .key_env = "ANTHROPIC_API_KEY",
    .key_env_fallback = NULL,
    .base_url_env = "ANTHROPIC_BASE_URL",
    .default_base_url = "https://api.anthropic.com",
    .default_model = "claude-3-5-haiku-latest",
    .structured_auto = 1,
    .default_max_tokens = DEFAULT_MAX_TOKENS,
    .rejects_structured = rejects_tool,
    .build = build,
    .parse = parse,
};
