/* batch_anthropic.c: reading Anthropic's Message Batches
 * (providers/batch.h): the batch object ({"id","type":"message_batch",
 * "processing_status","request_counts":{processing,succeeded,errored,
 * canceled,expired},"cancel_initiated_at","results_url","created_at"}) and
 * the lines of its results ({"custom_id","result":{"type":"succeeded",
 * "message"} | {"type":"errored","error":{"type":"error","error":{"type",
 * "message"}}} | {"type":"expired"} | {"type":"canceled"}}). An errored
 * line whose error type has an HTTP status online is handed on as that
 * answer, so the provider's own parse decides as it does online.
 */
#include "batch_int.h"

#include "shipskip/util/jsonget.h"

#include <stdio.h>
#include <string.h>

static const char W[] = "Anthropic batch object";

/* Error types and the status each has online (Anthropic's errors page). */
static const struct {
  const char *type;
  long status;
} ERROR_STATUS[] = {
    {"invalid_request_error", 400}, {"authentication_error", 401},
    {"billing_error", 402},         {"permission_error", 403},
    {"not_found_error", 404},       {"request_too_large", 413},
    {"rate_limit_error", 429},      {"api_error", 500},
    {"timeout_error", 504},         {"overloaded_error", 529},
};

static int read_counts(const cJSON *root, struct sk_batch_status *out,
                       struct sk_error *err) {
  static const char *const NAMES[] = {"processing", "succeeded", "errored",
                                      "canceled", "expired"};
  const cJSON *rc = batch_get(root, "request_counts");
  long *dst[5];
  char what[48];
  size_t i;

  dst[0] = &out->processing;
  dst[1] = &out->succeeded;
  dst[2] = &out->errored;
  dst[3] = &out->canceled;
  dst[4] = &out->expired;
  if (rc == NULL || cJSON_IsNull(rc))
    return 0;
  if (!cJSON_IsObject(rc))
    return sk_error_set(err, SK_EPARSE, "%s: request_counts is not an object",
                        W);
  out->total = 0;
  for (i = 0; i < 5; i++) {
    snprintf(what, sizeof(what), "request_counts.%s", NAMES[i]);
    if (batch_count(batch_get(rc, NAMES[i]), dst[i], W, what, err) != 0)
      return SK_EPARSE;
    /* The five add up to the batch's size (the API says so); with one
     * missing the size is not known. */
    if (*dst[i] < 0 || out->total < 0)
      out->total = -1;
    else
      out->total += *dst[i];
  }
  return 0;
}

int batch_anthropic_status(const cJSON *root, struct sk_batch_status *out,
                           struct sk_error *err) {
  const cJSON *cancel;
  char word[48];
  int rc;

  rc = batch_check_reply(root, W, err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "id"), out->id, sizeof(out->id), 1, W, "id",
                    err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "processing_status"), word, sizeof(word), 1,
                    W, "processing_status", err);
  if (rc != 0)
    return rc;
  cancel = batch_get(root, "cancel_initiated_at");
  if (strcmp(word, "in_progress") == 0)
    out->state = SK_BATCH_RUNNING;
  else if (strcmp(word, "canceling") == 0)
    out->state = SK_BATCH_CANCELING;
  else if (strcmp(word, "ended") == 0)
    out->state = cancel != NULL && !cJSON_IsNull(cancel) ? SK_BATCH_CANCELED
                                                         : SK_BATCH_ENDED;
  else
    return sk_error_set(err, SK_EPARSE,
                        "%s: unknown processing_status \"%.40s\"", W, word);
  batch_remote_state(out, word);
  rc = read_counts(root, out, err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "results_url"), out->output_ref,
                    sizeof(out->output_ref), 0, W, "results_url", err);
  if (rc != 0)
    return rc;
  out->created_unix =
      batch_rfc3339(sk_json_strval(batch_get(root, "created_at")));
  return 0;
}

/* An errored line: the API error inside, as an answer when its type has a
 * status online, else as an ERROR. */
static int line_errored(const struct batch_emit *e, struct sk_batch_result *r,
                        const cJSON *error, struct sk_error *lerr) {
  const cJSON *inner = error;
  const char *type;
  const char *msg;
  char line[SK_PROVIDER_LINE];
  size_t i;
  int rc;

  /* The documented shape wraps the error as the online body does:
   * {"type":"error","error":{"type","message"}}. */
  if (cJSON_IsObject(batch_get(error, "error")))
    inner = batch_get(error, "error");
  type = sk_json_strval(batch_get(inner, "type"));
  msg = sk_json_strval(batch_get(inner, "message"));
  for (i = 0; type != NULL && i < sizeof(ERROR_STATUS) / sizeof(*ERROR_STATUS);
       i++) {
    cJSON *wrap;
    if (strcmp(type, ERROR_STATUS[i].type) != 0)
      continue;
    if (inner != error)
      return batch_emit_answer(e, r, ERROR_STATUS[i].status, error, lerr);
    wrap = cJSON_CreateObject();
    if (wrap == NULL ||
        cJSON_AddStringToObject(wrap, "type", "error") == NULL ||
        !cJSON_AddItemReferenceToObject(wrap, "error", (cJSON *)inner)) {
      cJSON_Delete(wrap);
      return SK_ENOMEM;
    }
    rc = batch_emit_answer(e, r, ERROR_STATUS[i].status, wrap, lerr);
    cJSON_Delete(wrap);
    return rc;
  }
  sk_provider_one_line(line, sizeof(line), msg != NULL ? msg : "(no message)");
  r->kind = SK_BATCH_RESULT_ERROR;
  /* An error of no known kind is the server's own trouble: worth again. */
  r->retry = 1;
  snprintf(r->message, sizeof(r->message), "%.60s: %s",
           type != NULL ? type : "error", line);
  return e->cb(e->ctx, r);
}

int batch_anthropic_line(const struct batch_emit *e, const cJSON *obj,
                         long line, struct sk_error *lerr) {
  struct sk_batch_result r;
  const cJSON *result = batch_get(obj, "result");
  const char *type;

  memset(&r, 0, sizeof(r));
  r.line = line;
  r.custom_id = sk_json_strval(batch_get(obj, "custom_id"));
  if (!sk_batch_custom_id_ok(r.custom_id)) {
    sk_error_set(lerr, SK_EPARSE, "no custom_id, or one shipskip never makes");
    return 0;
  }
  type = sk_json_strval(batch_get(result, "type"));
  if (type == NULL) {
    sk_error_set(lerr, SK_EPARSE, "no result.type");
    return 0;
  }
  if (strcmp(type, "succeeded") == 0) {
    const cJSON *msg = batch_get(result, "message");
    if (!cJSON_IsObject(msg)) {
      sk_error_set(lerr, SK_EPARSE, "a succeeded result without a message");
      return 0;
    }
    return batch_emit_answer(e, &r, 200, msg, lerr);
  }
  if (strcmp(type, "errored") == 0)
    return line_errored(e, &r, batch_get(result, "error"), lerr);
  if (strcmp(type, "expired") == 0 || strcmp(type, "canceled") == 0) {
    int expired = type[0] == 'e';
    r.kind = expired ? SK_BATCH_RESULT_EXPIRED : SK_BATCH_RESULT_CANCELED;
    snprintf(r.message, sizeof(r.message), "%s",
             expired ? "not run before the batch expired"
                     : "not run: the batch was canceled");
    return e->cb(e->ctx, &r);
  }
  sk_error_set(lerr, SK_EPARSE, "unknown result.type \"%.40s\"", type);
  return 0;
}
