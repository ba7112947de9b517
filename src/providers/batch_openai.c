/* batch_openai.c: reading OpenAI's Batch API (providers/batch.h): the
 * batch object ({"id","status","request_counts":{total,completed,failed},
 * "output_file_id","error_file_id","errors":{"data":[{"message","line"}]},
 * ...}) and the lines of its output and error files ({"custom_id",
 * "response":{"status_code","body"},"error":{"code","message"}}). Expired
 * and canceled lines come as errors with the codes "batch_expired" and
 * "batch_cancelled".
 */
#include "batch_int.h"

#include "shipskip/util/jsonget.h"

#include <stdio.h>
#include <string.h>

static const char W[] = "OpenAI batch object";

static const struct {
  const char *word;
  enum sk_batch_state state;
} STATES[] = {
    {"validating", SK_BATCH_PENDING},   {"in_progress", SK_BATCH_RUNNING},
    {"finalizing", SK_BATCH_RUNNING},   {"completed", SK_BATCH_ENDED},
    {"failed", SK_BATCH_FAILED},        {"expired", SK_BATCH_EXPIRED},
    {"cancelling", SK_BATCH_CANCELING}, {"cancelled", SK_BATCH_CANCELED},
};

/* The first of errors.data[] as the reason, with its line when given. */
static void read_reason(const cJSON *root, struct sk_batch_status *out) {
  const cJSON *data = batch_get(batch_get(root, "errors"), "data");
  const cJSON *first = cJSON_IsArray(data) ? cJSON_GetArrayItem(data, 0) : NULL;
  const char *msg = sk_json_strval(batch_get(first, "message"));
  const char *code = sk_json_strval(batch_get(first, "code"));
  char line[SK_PROVIDER_LINE];
  long long n;

  if (msg == NULL && code == NULL)
    return;
  sk_provider_one_line(line, sizeof(line), msg != NULL ? msg : code);
  if (sk_json_int(batch_get(first, "line"), 1, SK_JSON_INT_MAX, &n))
    snprintf(out->reason, sizeof(out->reason), "%s (line %lld)", line, n);
  else
    snprintf(out->reason, sizeof(out->reason), "%s", line);
}

/* The label shipskip gave the batch, when it is one shipskip could have
 * given (another tool's metadata is not an error, only not ours). */
static void read_label(const cJSON *root, struct sk_batch_status *out) {
  const char *s =
      sk_json_strval(batch_get(batch_get(root, "metadata"), "shipskip_batch"));
  if (s != NULL && strlen(s) < sizeof(out->label))
    memcpy(out->label, s, strlen(s) + 1);
}

static int read_counts(const cJSON *root, struct sk_batch_status *out,
                       struct sk_error *err) {
  const cJSON *rc = batch_get(root, "request_counts");
  int r = 0;
  if (rc == NULL || cJSON_IsNull(rc))
    return 0;
  if (!cJSON_IsObject(rc))
    return sk_error_set(err, SK_EPARSE, "%s: request_counts is not an object",
                        W);
  if (r == 0)
    r = batch_count(batch_get(rc, "total"), &out->total, W,
                    "request_counts.total", err);
  if (r == 0)
    r = batch_count(batch_get(rc, "completed"), &out->succeeded, W,
                    "request_counts.completed", err);
  if (r == 0)
    r = batch_count(batch_get(rc, "failed"), &out->errored, W,
                    "request_counts.failed", err);
  return r;
}

int batch_openai_status(const cJSON *root, struct sk_batch_status *out,
                        struct sk_error *err) {
  char word[48];
  long long created;
  size_t i;
  int rc;

  rc = batch_check_reply(root, W, err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "id"), out->id, sizeof(out->id), 1, W, "id",
                    err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "status"), word, sizeof(word), 1, W,
                    "status", err);
  if (rc != 0)
    return rc;
  for (i = 0; i < sizeof(STATES) / sizeof(STATES[0]); i++) {
    if (strcmp(word, STATES[i].word) == 0)
      break;
  }
  if (i == sizeof(STATES) / sizeof(STATES[0]))
    return sk_error_set(err, SK_EPARSE, "%s: unknown status \"%.40s\"", W,
                        word);
  out->state = STATES[i].state;
  batch_remote_state(out, word);
  rc = read_counts(root, out, err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "output_file_id"), out->output_ref,
                    sizeof(out->output_ref), 0, W, "output_file_id", err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "error_file_id"), out->error_ref,
                    sizeof(out->error_ref), 0, W, "error_file_id", err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "input_file_id"), out->input_ref,
                    sizeof(out->input_ref), 0, W, "input_file_id", err);
  if (rc != 0)
    return rc;
  if (sk_json_int(batch_get(root, "created_at"), 0, SK_JSON_INT_MAX, &created))
    out->created_unix = created;
  read_label(root, out);
  read_reason(root, out);
  return 0;
}

/* A line that failed without an HTTP answer ("error" set). */
static int line_error(const struct batch_emit *e, struct sk_batch_result *r,
                      const cJSON *error) {
  const char *code = sk_json_strval(batch_get(error, "code"));
  const char *msg = sk_json_strval(batch_get(error, "message"));
  const char *s = sk_json_strval(error);
  char line[SK_PROVIDER_LINE];

  sk_provider_one_line(line, sizeof(line),
                       msg != NULL ? msg
                       : s != NULL ? s
                                   : "(no message)");
  if (code != NULL && strcmp(code, "batch_expired") == 0) {
    r->kind = SK_BATCH_RESULT_EXPIRED;
  } else if (code != NULL && strcmp(code, "batch_cancelled") == 0) {
    r->kind = SK_BATCH_RESULT_CANCELED;
  } else {
    r->kind = SK_BATCH_RESULT_ERROR;
    /* A request the batch refused as invalid is refused again as it is;
     * anything else (a server fault, a limit) may pass another time. */
    r->retry = code == NULL || strstr(code, "invalid") == NULL;
  }
  if (code != NULL)
    snprintf(r->message, sizeof(r->message), "%.60s: %s", code, line);
  else
    snprintf(r->message, sizeof(r->message), "%s", line);
  return e->cb(e->ctx, r);
}

int batch_openai_line(const struct batch_emit *e, const cJSON *obj, long line,
                      struct sk_error *lerr) {
  struct sk_batch_result r;
  const cJSON *error = batch_get(obj, "error");
  const cJSON *resp = batch_get(obj, "response");
  const cJSON *body;
  const char *text;
  long long status;

  memset(&r, 0, sizeof(r));
  r.line = line;
  r.custom_id = sk_json_strval(batch_get(obj, "custom_id"));
  if (!sk_batch_custom_id_ok(r.custom_id)) {
    sk_error_set(lerr, SK_EPARSE, "no custom_id, or one shipskip never makes");
    return 0;
  }
  if (error != NULL && !cJSON_IsNull(error))
    return line_error(e, &r, error);
  if (!cJSON_IsObject(resp)) {
    sk_error_set(lerr, SK_EPARSE, "neither a response nor an error");
    return 0;
  }
  if (!sk_json_int(batch_get(resp, "status_code"), 100, 599, &status)) {
    sk_error_set(lerr, SK_EPARSE,
                 "response.status_code is not an HTTP "
                 "status");
    return 0;
  }
  body = batch_get(resp, "body");
  if (cJSON_IsObject(body) || cJSON_IsArray(body))
    return batch_emit_answer(e, &r, (long)status, body, lerr);
  /* A body that was not JSON online arrives as a string: handed on as the
   * text it was, for the provider's parse to judge. */
  if (sk_json_str(body, &text) != 1) {
    sk_error_set(lerr, SK_EPARSE, "response.body is missing or unreadable");
    return 0;
  }
  r.kind = SK_BATCH_RESULT_ANSWER;
  r.status = (long)status;
  r.body = text;
  r.body_len = strlen(text);
  return e->cb(e->ctx, &r);
}
