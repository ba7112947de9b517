/* batch_gemini.c: reading Gemini's batch mode (providers/batch.h): the
 * long-running operation that create and GET {base}/batches/ID answer
 * ({"name":"batches/ID","metadata":{"@type":"...GenerateContentBatch",
 * "state":"BATCH_STATE_RUNNING","displayName","batchStats":{"requestCount":
 * "2",...},"createTime"},"done":true,"response":{"inlinedResponses":
 * {"inlinedResponses":[{"response"|"error","metadata":{"key"}}]}}}) and a
 * responses file (JSONL of {"key","response"|"error"}). Google's JSON takes
 * each field in lowerCamelCase or snake_case and writes its int64 counts as
 * strings; both are read. The SDKs' JOB_STATE_* names are read as the
 * BATCH_STATE_* ones.
 */
#include "batch_int.h"

#include "shipskip/util/jsonget.h"

#include <stdio.h>
#include <string.h>

static const char W[] = "Gemini batch operation";

static const struct {
  const char *word; /* after "BATCH_STATE_" or "JOB_STATE_" */
  enum sk_batch_state state;
} STATES[] = {
    {"PENDING", SK_BATCH_PENDING},
    {"QUEUED", SK_BATCH_PENDING},
    {"RUNNING", SK_BATCH_RUNNING},
    {"SUCCEEDED", SK_BATCH_ENDED},
    {"FAILED", SK_BATCH_FAILED},
    {"CANCELLING", SK_BATCH_CANCELING},
    {"CANCELLED", SK_BATCH_CANCELED},
    {"EXPIRED", SK_BATCH_EXPIRED},
    {"PARTIALLY_SUCCEEDED", SK_BATCH_ENDED},
};

/* Maps a state word; returns 0 or -1 when it is none of them. */
static int map_state(const char *word, enum sk_batch_state *out) {
  size_t i;
  if (strncmp(word, "BATCH_STATE_", 12) == 0)
    word += 12;
  else if (strncmp(word, "JOB_STATE_", 10) == 0)
    word += 10;
  else
    return -1;
  for (i = 0; i < sizeof(STATES) / sizeof(STATES[0]); i++) {
    if (strcmp(word, STATES[i].word) == 0) {
      *out = STATES[i].state;
      return 0;
    }
  }
  return -1;
}

static int read_counts(const cJSON *batch, struct sk_batch_status *out,
                       struct sk_error *err) {
  const cJSON *st = batch_get2(batch, "batchStats", "batch_stats");
  int rc = 0;
  if (st == NULL || cJSON_IsNull(st))
    return 0;
  if (!cJSON_IsObject(st))
    return sk_error_set(err, SK_EPARSE, "%s: batchStats is not an object", W);
  if (rc == 0)
    rc = batch_count(batch_get2(st, "requestCount", "request_count"),
                     &out->total, W, "batchStats.requestCount", err);
  if (rc == 0)
    rc = batch_count(
        batch_get2(st, "successfulRequestCount", "successful_request_count"),
        &out->succeeded, W, "batchStats.successfulRequestCount", err);
  if (rc == 0)
    rc = batch_count(
        batch_get2(st, "failedRequestCount", "failed_request_count"),
        &out->errored, W, "batchStats.failedRequestCount", err);
  if (rc == 0)
    rc = batch_count(
        batch_get2(st, "pendingRequestCount", "pending_request_count"),
        &out->processing, W, "batchStats.pendingRequestCount", err);
  return rc;
}

/* The output of a finished batch: the operation's response, or the batch's
 * own output field. */
static const cJSON *output_of(const cJSON *op, const cJSON *batch) {
  const cJSON *o = batch_get(op, "response");
  if (cJSON_IsObject(o))
    return o;
  o = batch_get(batch, "output");
  return cJSON_IsObject(o) ? o : NULL;
}

/* The state of a batch: its state word, or without one what the
 * operation's done and error say. */
static int read_state(const cJSON *op, const cJSON *batch,
                      struct sk_batch_status *out, struct sk_error *err) {
  const cJSON *done = batch_get(op, "done");
  const cJSON *error = batch_get(op, "error");
  char word[48];
  int rc;

  if (done != NULL && !cJSON_IsBool(done))
    return sk_error_set(err, SK_EPARSE, "%s: done is not true or false", W);
  rc = batch_copy(batch_get(batch, "state"), word, sizeof(word), 0, W,
                  "metadata.state", err);
  if (rc != 0)
    return rc;
  if (word[0] != '\0') {
    if (map_state(word, &out->state) != 0)
      return sk_error_set(err, SK_EPARSE, "%s: unknown state \"%.40s\"", W,
                          word);
    batch_remote_state(out, word);
  } else if (cJSON_IsTrue(done)) {
    out->state = error != NULL && !cJSON_IsNull(error) ? SK_BATCH_FAILED
                                                       : SK_BATCH_ENDED;
    batch_remote_state(out, "done");
  } else {
    return sk_error_set(err, SK_EPARSE, "%s: no metadata.state", W);
  }
  if (error != NULL && !cJSON_IsNull(error))
    batch_error_message(op, out->reason, sizeof(out->reason));
  return 0;
}

int batch_gemini_status(const cJSON *root, struct sk_batch_status *out,
                        struct sk_error *err) {
  const cJSON *batch;
  const cJSON *output;
  const cJSON *v;
  const char *label;
  char msg[SK_PROVIDER_LINE];
  int rc;

  if (!cJSON_IsObject(root))
    return sk_error_set(err, SK_EPARSE, "%s: not a JSON object", W);
  /* An operation has a name; an error body has only the error. */
  if (batch_get(root, "name") == NULL &&
      batch_error_message(root, msg, sizeof(msg)))
    return sk_error_set(err, SK_EPARSE, "%s: the server answered an error: %s",
                        W, msg);
  /* The batch is the operation's metadata, or the object itself when a
   * batch is given bare. */
  batch = batch_get(root, "metadata");
  if (!cJSON_IsObject(batch))
    batch = root;
  v = batch_get(root, "name");
  if (v == NULL)
    v = batch_get(batch, "name");
  rc = batch_copy(v, out->id, sizeof(out->id), 1, W, "name", err);
  if (rc == 0 && strncmp(out->id, "batches/", 8) != 0)
    rc = sk_error_set(err, SK_EPARSE, "%s: name \"%.60s\" is not batches/ID", W,
                      out->id);
  if (rc == 0)
    rc = read_state(root, batch, out, err);
  if (rc == 0)
    rc = read_counts(batch, out, err);
  output = output_of(root, batch);
  if (rc == 0)
    rc = batch_copy(batch_get2(output, "responsesFile", "responses_file"),
                    out->output_ref, sizeof(out->output_ref), 0, W,
                    "responsesFile", err);
  if (rc != 0)
    return rc;
  out->results_inline =
      batch_get2(output, "inlinedResponses", "inlined_responses") != NULL;
  label = sk_json_strval(batch_get2(batch, "displayName", "display_name"));
  if (label != NULL && strlen(label) < sizeof(out->label))
    memcpy(out->label, label, strlen(label) + 1);
  out->created_unix = batch_rfc3339(
      sk_json_strval(batch_get2(batch, "createTime", "create_time")));
  return 0;
}

/* Whether asking again may help, from a google.rpc status name. */
static int status_retry(const char *status) {
  static const char *const AGAIN[] = {"UNAVAILABLE", "RESOURCE_EXHAUSTED",
                                      "INTERNAL",    "DEADLINE_EXCEEDED",
                                      "ABORTED",     "UNKNOWN"};
  size_t i;
  if (status == NULL)
    return 1;
  for (i = 0; i < sizeof(AGAIN) / sizeof(AGAIN[0]); i++) {
    if (strcmp(status, AGAIN[i]) == 0)
      return 1;
  }
  return 0;
}

/* One entry (inline or a file's line): its key, then the response as a 200
 * or the error as the HTTP error it would have been online. */
static int entry(const struct batch_emit *e, const cJSON *obj, long line,
                 struct sk_error *lerr) {
  struct sk_batch_result r;
  const cJSON *resp = batch_get(obj, "response");
  const cJSON *error = batch_get(obj, "error");
  const cJSON *key = batch_get(obj, "key");
  long long code;
  char text[SK_PROVIDER_LINE];
  cJSON *wrap;
  int rc;

  memset(&r, 0, sizeof(r));
  r.line = line;
  if (key == NULL)
    key = batch_get(batch_get(obj, "metadata"), "key");
  r.custom_id = sk_json_strval(key);
  if (!sk_batch_custom_id_ok(r.custom_id)) {
    sk_error_set(lerr, SK_EPARSE, "no key, or one shipskip never makes");
    return 0;
  }
  if (cJSON_IsObject(resp))
    return batch_emit_answer(e, &r, 200, resp, lerr);
  if (!cJSON_IsObject(error)) {
    sk_error_set(lerr, SK_EPARSE, "neither a response nor an error");
    return 0;
  }
  if (!sk_json_int(batch_get(error, "code"), 100, 599, &code)) {
    const char *msg = sk_json_strval(batch_get(error, "message"));
    sk_provider_one_line(text, sizeof(text),
                         msg != NULL ? msg : "(no message)");
    r.kind = SK_BATCH_RESULT_ERROR;
    r.retry = status_retry(sk_json_strval(batch_get(error, "status")));
    snprintf(r.message, sizeof(r.message), "%s", text);
    return e->cb(e->ctx, &r);
  }
  /* Online the error arrives as {"error":{code,message,status}}. */
  wrap = cJSON_CreateObject();
  if (wrap == NULL ||
      !cJSON_AddItemReferenceToObject(wrap, "error", (cJSON *)error)) {
    cJSON_Delete(wrap);
    return SK_ENOMEM;
  }
  rc = batch_emit_answer(e, &r, (long)code, wrap, lerr);
  cJSON_Delete(wrap);
  return rc;
}

/* The inline responses of a finished operation. */
static int inline_results(const cJSON *root, const struct batch_emit *e,
                          long *bad_lines, struct sk_error *err) {
  const cJSON *batch = batch_get(root, "metadata");
  const cJSON *list = batch_get2(output_of(root, batch), "inlinedResponses",
                                 "inlined_responses");
  const cJSON *it;
  char msg[SK_PROVIDER_LINE];
  long i = 0;

  if (cJSON_IsObject(list))
    list = batch_get2(list, "inlinedResponses", "inlined_responses");
  if (!cJSON_IsArray(list)) {
    if (batch_error_message(root, msg, sizeof(msg)))
      return sk_error_set(err, SK_EPARSE,
                          "Gemini results: the operation "
                          "failed: %s",
                          msg);
    return sk_error_set(err, SK_EPARSE,
                        "Gemini results: the operation holds "
                        "no inlinedResponses");
  }
  cJSON_ArrayForEach(it, list) {
    struct sk_error lerr;
    int rc;
    i++;
    sk_error_clear(&lerr);
    if (!cJSON_IsObject(it))
      sk_error_set(&lerr, SK_EPARSE, "not a JSON object");
    rc = lerr.code != 0 ? 0 : entry(e, it, i, &lerr);
    if (rc != 0)
      return rc;
    if (lerr.code != 0) {
      (*bad_lines)++;
      sk_error_set(err, SK_EPARSE, "Gemini results inlinedResponses[%ld]: %s",
                   i - 1, lerr.msg);
    }
  }
  return 0;
}

int batch_gemini_results(const char *body, size_t len,
                         const struct batch_emit *e, long *bad_lines,
                         struct sk_error *err) {
  struct sk_error ignored;
  cJSON *root;
  int rc;

  /* A whole document that is one object and not a file's line (those
   * carry a key) is the operation; anything else is read as the file. */
  sk_error_clear(&ignored);
  root = batch_parse_doc(body, len, "Gemini results", &ignored);
  if (cJSON_IsObject(root) && batch_get(root, "key") == NULL) {
    rc = inline_results(root, e, bad_lines, err);
    cJSON_Delete(root);
    return rc;
  }
  cJSON_Delete(root);
  if (len == 0)
    return sk_error_set(err, SK_EPARSE, "Gemini results: empty body");
  return batch_jsonl(body, len, "Gemini results", entry, e, bad_lines, err);
}
