/* provider_gemini.c: Google's Gemini API (generateContent).
 *
 * POST {base}/v1beta/models/{model}:generateContent with the key in the
 * "x-goog-api-key" header — never in a ?key= query parameter, where proxies
 * and logs would keep it. A model given as "models/NAME" or
 * "tunedModels/NAME" keeps its prefix; other characters than letters,
 * digits, '.', '_' and '-' in the name are percent-escaped. System messages
 * become systemInstruction.parts; the others contents[] with role "user" or
 * "model"; temperature, max_tokens and seed go to generationConfig
 * (temperature, maxOutputTokens, seed).
 *
 * The reply is candidates[0].content.parts[].text joined (thought parts are
 * skipped); finishReason is the finish reason; usageMetadata gives
 * promptTokenCount and candidatesTokenCount (plus thoughtsTokenCount, billed
 * as output). A blocked prompt (no candidates, promptFeedback.blockReason)
 * and a candidate stopped by SAFETY, RECITATION, OTHER or another filter
 * with no text are final failures naming the reason; a thinking model that
 * spends maxOutputTokens before any text is final too. Errors are
 * {"error":{"code","message","status","details"}}: 429 RESOURCE_EXHAUSTED,
 * 500 INTERNAL, 503 UNAVAILABLE and 504 DEADLINE_EXCEEDED are retried, after
 * the RetryInfo.retryDelay in details when the headers name no wait; a 429
 * whose QuotaFailure is a per-day quota is final; 400 INVALID_ARGUMENT
 * (an invalid key included), FAILED_PRECONDITION, 403 and 404 are final.
 *
 * Structured output: generationConfig.responseMimeType "application/json"
 * with responseSchema, Gemini's subset of OpenAPI 3.0's schema: the JSON
 * Schema is translated (types upper case; type, description, enum,
 * properties and required kept, propertyOrdering added so the keys come in
 * the schema's order; additionalProperties, minimum, maximum and anything
 * else the subset lacks left out, as the API rejects unknown names). The
 * reply is the JSON text in the candidate's parts.
 */
#include "shipskip/providers/provider.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends {"parts":[{"text":text}]} pieces: adds a part to parts. */
static int add_text_part(cJSON *parts, const char *text) {
  cJSON *part = cJSON_CreateObject();
  if (part == NULL)
    return SK_ENOMEM;
  cJSON_AddItemToArray(parts, part);
  return cJSON_AddStringToObject(part, "text", text) == NULL ? SK_ENOMEM : 0;
}

/* The URL path for model: "/v1beta/models/NAME:generateContent", NAME
 * percent-escaped. Returns a heap string or NULL. */
static char *model_path(const char *model) {
  static const char HEX[] = "0123456789ABCDEF";
  const char *prefix = "models/";
  const char *name = model;
  size_t len;
  char *path;
  char *p;

  if (strncmp(model, "models/", 7) == 0) {
    name = model + 7;
  } else if (strncmp(model, "tunedModels/", 12) == 0) {
    prefix = "tunedModels/";
    name = model + 12;
  }
  len = sizeof("/v1beta/") + strlen(prefix) + 3 * strlen(name) +
        sizeof(":generateContent");
  path = malloc(len);
  if (path == NULL)
    return NULL;
  p = path + snprintf(path, len, "/v1beta/%s", prefix);
  for (; *name != '\0'; name++) {
    unsigned char c = (unsigned char)*name;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
      *p++ = (char)c;
    } else {
      *p++ = '%';
      *p++ = HEX[c >> 4];
      *p++ = HEX[c & 15];
    }
  }
  memcpy(p, ":generateContent", sizeof(":generateContent"));
  return path;
}

/* Copies the members of JSON Schema s that Gemini's Schema takes into a new
 * object (see the top of this file), recursively. Returns it or NULL (out of
 * memory). */
static cJSON *gemini_schema(const cJSON *s) {
  cJSON *g = cJSON_CreateObject();
  const cJSON *m;
  char type[16];
  size_t i;

  if (g == NULL)
    return NULL;
  cJSON_ArrayForEach(m, s) {
    cJSON *v = NULL;
    const char *t = sk_json_strval(m);
    if (strcmp(m->string, "type") == 0 && t != NULL) {
      for (i = 0; t[i] != '\0' && i + 1 < sizeof(type); i++)
        type[i] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 'a' + 'A' : t[i]);
      type[i] = '\0';
      v = cJSON_CreateString(type);
    } else if (strcmp(m->string, "properties") == 0) {
      const cJSON *p;
      cJSON *order = cJSON_AddArrayToObject(g, "propertyOrdering");
      v = cJSON_CreateObject();
      if (order == NULL || v == NULL)
        goto fail_v;
      cJSON_ArrayForEach(p, m) {
        cJSON *sub = gemini_schema(p);
        cJSON *name = cJSON_CreateString(p->string);
        if (sub == NULL || name == NULL) {
          cJSON_Delete(sub);
          cJSON_Delete(name);
          goto fail_v;
        }
        cJSON_AddItemToObject(v, p->string, sub);
        cJSON_AddItemToArray(order, name);
      }
    } else if (strcmp(m->string, "description") == 0 ||
               strcmp(m->string, "enum") == 0 ||
               strcmp(m->string, "required") == 0) {
      v = cJSON_Duplicate(m, 1);
    } else {
      continue; /* not in Gemini's subset */
    }
    if (v == NULL || !cJSON_AddItemToObject(g, m->string, v))
      goto fail_v;
    continue;
  fail_v:
    cJSON_Delete(v);
    cJSON_Delete(g);
    return NULL;
  }
  return g;
}

/* Adds generationConfig when req sets anything in it. Returns 0 or
 * SK_ENOMEM. */
static int add_generation_config(cJSON *root,
                                 const struct sk_chat_request *req) {
  cJSON *gc;
  cJSON *schema;

  if (req->temperature < 0 && req->max_tokens <= 0 && !req->has_seed &&
      req->schema == NULL)
    return 0;
  gc = cJSON_AddObjectToObject(root, "generationConfig");
  if (gc == NULL)
    return SK_ENOMEM;
  if (req->temperature >= 0 &&
      cJSON_AddNumberToObject(gc, "temperature", req->temperature) == NULL)
    return SK_ENOMEM;
  if (req->max_tokens > 0 &&
      cJSON_AddNumberToObject(gc, "maxOutputTokens", (double)req->max_tokens) ==
          NULL)
    return SK_ENOMEM;
  if (req->has_seed &&
      cJSON_AddNumberToObject(gc, "seed", (double)req->seed) == NULL)
    return SK_ENOMEM;
  if (req->schema == NULL)
    return 0;
  if (cJSON_AddStringToObject(gc, "responseMimeType", "application/json") ==
      NULL)
    return SK_ENOMEM;
  schema = gemini_schema(req->schema);
  if (schema == NULL || !cJSON_AddItemToObject(gc, "responseSchema", schema)) {
    cJSON_Delete(schema);
    return SK_ENOMEM;
  }
  return 0;
}

static int build(const struct sk_provider_conf *conf,
                 const struct sk_chat_request *req, struct sk_wire_request *out,
                 struct sk_error *err) {
  cJSON *root = NULL;
  cJSON *contents;
  cJSON *sys_parts = NULL;
  char *path = NULL;
  size_t i;
  int rc = SK_ENOMEM;

  sk_wire_request_init(out);
  root = cJSON_CreateObject();
  if (root == NULL)
    goto out;
  contents = cJSON_AddArrayToObject(root, "contents");
  if (contents == NULL)
    goto out;
  for (i = 0; i < req->nmessages; i++) {
    const char *role = req->messages[i].role;
    cJSON *c;
    cJSON *parts;
    if (strcmp(role, "system") == 0) {
      if (sys_parts == NULL) {
        cJSON *si = cJSON_AddObjectToObject(root, "systemInstruction");
        sys_parts = si != NULL ? cJSON_AddArrayToObject(si, "parts") : NULL;
        if (sys_parts == NULL)
          goto out;
      }
      if (add_text_part(sys_parts, req->messages[i].content) != 0)
        goto out;
      continue;
    }
    if (strcmp(role, "assistant") == 0) {
      role = "model";
    } else if (strcmp(role, "user") != 0) {
      rc = sk_error_set(err, SK_EINVAL,
                        "building the request: role \"%s\" has no "
                        "equivalent in Gemini's API",
                        role);
      goto out;
    }
    c = cJSON_CreateObject();
    if (c == NULL)
      goto out;
    cJSON_AddItemToArray(contents, c);
    if (cJSON_AddStringToObject(c, "role", role) == NULL)
      goto out;
    parts = cJSON_AddArrayToObject(c, "parts");
    if (parts == NULL || add_text_part(parts, req->messages[i].content) != 0)
      goto out;
  }
  if (add_generation_config(root, req) != 0)
    goto out;
  if (sk_wire_request_set_json(out, root) != 0)
    goto out;

  /* The base URL is the API root, as in Google's SDKs. */
  path = model_path(req->model);
  if (path == NULL)
    goto out;
  rc = sk_wire_request_set_url(out, conf->base_url, path);
  if (rc == 0)
    rc = sk_wire_request_add_header(out, "Content-Type", "application/json");
  if (rc == 0)
    rc = sk_wire_request_add_key(out, conf, "x-goog-api-key", "");
out:
  free(path);
  cJSON_Delete(root);
  return sk_wire_request_built(out, rc, err);
}

/* Reads google.rpc details: RetryInfo's retryDelay ("37s") as the wait when
 * the headers named none, and whether a QuotaFailure is a per-day quota. */
static void read_details(const cJSON *details, struct sk_chat_result *out,
                         int *per_day) {
  const cJSON *d;
  cJSON_ArrayForEach(d, details) {
    const char *t =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(d, "@type"));
    if (t == NULL)
      t = "";
    if (strstr(t, "google.rpc.RetryInfo") != NULL) {
      const char *delay =
          sk_json_strval(cJSON_GetObjectItemCaseSensitive(d, "retryDelay"));
      if (delay != NULL && out->retry_after_ms < 0)
        out->retry_after_ms = sk_ratelimit_duration_ms(delay);
    } else if (strstr(t, "google.rpc.QuotaFailure") != NULL) {
      const cJSON *violations =
          cJSON_GetObjectItemCaseSensitive(d, "violations");
      const cJSON *v;
      cJSON_ArrayForEach(v, violations) {
        const char *id =
            sk_json_strval(cJSON_GetObjectItemCaseSensitive(v, "quotaId"));
        if (id != NULL && strstr(id, "PerDay") != NULL)
          *per_day = 1;
      }
    }
  }
}

/* Fills out->error from {"error":{"code","message","status","details"}}
 * and refines the status's retry decision. Some Google front ends wrap the
 * error object in an array. Returns -1 when there is no object to read. */
static int parse_error_body(long status, const cJSON *root,
                            struct sk_chat_result *out) {
  const cJSON *obj = cJSON_IsArray(root) ? cJSON_GetArrayItem(root, 0) : root;
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(obj, "error");
  int per_day = 0;

  if (!cJSON_IsObject(obj))
    return -1;
  sk_provider_error_text(out, status,
                         cJSON_GetObjectItemCaseSensitive(e, "status"),
                         cJSON_GetObjectItemCaseSensitive(e, "message"), NULL);
  read_details(cJSON_GetObjectItemCaseSensitive(e, "details"), out, &per_day);
  /* A spent daily quota comes back tomorrow: do not wait for it. */
  if (status == 429 && per_day) {
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "quota");
  }
  return 0;
}

/* Thought parts are the model's working, not its reply. */
static int is_answer_part(const cJSON *part) {
  return !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(part, "thought"));
}

/* A final failure: "WHAT was blocked (FIELD REASON): DETAIL". */
static void blocked(struct sk_chat_result *out, const char *what,
                    const char *field, const char *reason, const char *detail) {
  char r[64];
  char d[208];
  sk_provider_one_line(r, sizeof(r), reason);
  sk_provider_one_line(d, sizeof(d), detail);
  out->outcome = SK_OUTCOME_FINAL;
  snprintf(out->cause, sizeof(out->cause), "blocked");
  snprintf(out->error, sizeof(out->error), "%s was blocked (%s %s)%s%s", what,
           field, r, d[0] ? ": " : "", d);
}

/* Interprets a 200 reply. */
static void parse_reply(const cJSON *root, struct sk_chat_result *out) {
  const cJSON *cands = cJSON_GetObjectItemCaseSensitive(root, "candidates");
  const cJSON *c0 = cJSON_IsArray(cands) ? cJSON_GetArrayItem(cands, 0) : NULL;
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usageMetadata");
  const cJSON *content;
  char *text;
  int rc;

  if (cJSON_IsObject(usage)) {
    out->prompt_tokens = sk_provider_tokens(usage, "promptTokenCount");
    /* Thinking tokens are billed as output. */
    out->completion_tokens = sk_provider_tokens(usage, "candidatesTokenCount") +
                             sk_provider_tokens(usage, "thoughtsTokenCount");
  }
  if (!cJSON_IsObject(c0)) {
    const cJSON *fb = cJSON_GetObjectItemCaseSensitive(root, "promptFeedback");
    const char *why =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(fb, "blockReason"));
    const char *msg = sk_json_strval(
        cJSON_GetObjectItemCaseSensitive(fb, "blockReasonMessage"));
    if (why != NULL)
      blocked(out, "the prompt", "blockReason", why, msg);
    else
      sk_provider_malformed(out, "no candidates");
    return;
  }
  sk_provider_finish_reason(
      out, cJSON_GetObjectItemCaseSensitive(c0, "finishReason"));
  content = cJSON_GetObjectItemCaseSensitive(c0, "content");
  rc = sk_provider_join_text(cJSON_GetObjectItemCaseSensitive(content, "parts"),
                             is_answer_part, &text);
  if (rc != 0) {
    if (rc == SK_EPARSE)
      sk_provider_nul(out, "a part of candidates[0].content.parts");
    else
      sk_provider_malformed(out, "out of memory");
    return;
  }
  if (text[0] != '\0') {
    sk_provider_accept_take(out, text);
    return;
  }
  free(text);
  if (out->finish_reason[0] == '\0' ||
      strcmp(out->finish_reason, "STOP") == 0 ||
      strcmp(out->finish_reason, "FINISH_REASON_UNSPECIFIED") == 0) {
    sk_provider_malformed(out, "candidates[0] has no text");
  } else if (strcmp(out->finish_reason, "MAX_TOKENS") == 0) {
    /* Thinking models spend maxOutputTokens on thoughts first. */
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "max_tokens");
    snprintf(out->error, sizeof(out->error),
             "the reply hit maxOutputTokens before any text (thinking "
             "models count their thoughts); raise --max-tokens");
  } else {
    /* SAFETY, RECITATION, OTHER, BLOCKLIST, PROHIBITED_CONTENT, SPII...: a
     * filter, which asking again will meet again. */
    blocked(out, "the reply", "finishReason", out->finish_reason, NULL);
  }
}

static const struct sk_provider_wire WIRE = {
    .ratelimit = SK_RATELIMIT_NONE,
    .reply_any_json = 0,
    .error_body = parse_error_body,
    .error_in_reply = NULL,
    .reply = parse_reply,
};

/* A 400 naming the structured fields ("Unknown name \"responseSchema\"",
 * or a part of the schema under response_schema). */
static int rejects_schema(const char *error) {
  static const char *const NAMES[] = {"responseSchema", "response_schema",
                                      "responseMimeType", "response_mime_type",
                                      NULL};
  return sk_provider_error_names(error, NAMES);
}

static void parse(long status, const char *body, size_t len,
                  sk_header_fn header, void *hctx, struct sk_chat_result *out) {
  sk_provider_parse(&WIRE, status, body, len, header, hctx, out);
}

/* The key is read from GEMINI_API_KEY, else GOOGLE_API_KEY (Google's SDKs
 * read both). The default model is an example; any model name the key can
 * use works. */
const struct sk_provider sk_provider_gemini = {
    .name = "gemini",
    .key_env = "GEMINI_API_KEY",
    .key_env_fallback = "GOOGLE_API_KEY",
    .base_url_env = "GEMINI_BASE_URL",
    .default_base_url = "https://generativelanguage.googleapis.com",
    .default_model = "gemini-2.5-flash-lite",
    .structured_auto = 1,
    .default_max_tokens = 0,
    .rejects_structured = rejects_schema,
    .build = build,
    .parse = parse,
};
