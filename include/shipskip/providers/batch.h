/* batch.h: the wire formats of the providers' batch APIs, kept apart from
 * the transport like provider.h: pure functions, no I/O, fuzzable.
 *
 *   SK_BATCH_OPENAI     OpenAI Batch: the requests as a JSONL file uploaded
 *                       to POST {base}/files (multipart, purpose "batch"),
 *                       then POST {base}/batches {input_file_id, endpoint,
 *                       completion_window "24h", metadata}; GET
 *                       {base}/batches/{id}; results and errors as JSONL at
 *                       GET {base}/files/{file}/content; POST
 *                       {base}/batches/{id}/cancel. 50,000 requests and
 *                       200 MB per file.
 *   SK_BATCH_ANTHROPIC  Message Batches: POST {base}/messages/batches
 *                       {requests: [{custom_id, params}]}; GET
 *                       {base}/messages/batches/{id}; results as JSONL at
 *                       the batch's results_url; POST .../{id}/cancel.
 *                       100,000 requests and 256 MB per batch.
 *   SK_BATCH_GEMINI     Gemini batch mode, inline requests: POST
 *                       {base}/models/{model}:batchGenerateContent
 *                       {batch: {display_name, input_config: {requests:
 *                       {requests: [{request, metadata: {key}}]}}}}, an
 *                       operation named "batches/ID"; GET {base}/batches/ID
 *                       (done, metadata.state, response.inlinedResponses);
 *                       POST {base}/batches/ID:cancel. 20 MB per batch
 *                       inline; one model per batch.
 *
 * A request's line carries a custom id (Gemini: metadata.key) that the
 * caller chooses; every result line names it back, so results are matched
 * by id, never by position.
 *
 * Every string read from a server goes through util/jsonget.h; every
 * number through sk_json_int / sk_json_num. Functions that parse outside
 * input never fail with a crash or a guess: they return SK_EPARSE with err
 * naming what was wrong (and where: "line 12").
 */
#ifndef SHIPSKIP_BATCH_H
#define SHIPSKIP_BATCH_H

#include "shipskip/providers/provider.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>

enum sk_batch_api {
  SK_BATCH_NONE = 0, /* the provider has no batch API shipskip speaks */
  SK_BATCH_OPENAI,
  SK_BATCH_ANTHROPIC,
  SK_BATCH_GEMINI
};

/* The batch API of a provider type ("openai", "anthropic", "gemini"; the
 * others give SK_BATCH_NONE). */
enum sk_batch_api sk_batch_api_of(const struct sk_provider *p);
/* "openai", "anthropic", "gemini" or "none". */
const char *sk_batch_api_name(enum sk_batch_api api);

/* A provider's documented limits per batch. */
struct sk_batch_limits {
  size_t max_requests;
  size_t max_bytes; /* of the uploaded file or the create body */
};
void sk_batch_limits(enum sk_batch_api api, struct sk_batch_limits *out);

/* A custom id is 1 to 64 of [A-Za-z0-9_-] (Anthropic's rule, the strictest
 * of the three). Returns 1 when id is one. */
int sk_batch_custom_id_ok(const char *id);

/* The state of a remote batch, in terms every provider maps to. */
enum sk_batch_state {
  SK_BATCH_PENDING = 0, /* accepted, not running yet (validating,
                           BATCH_STATE_PENDING) */
  SK_BATCH_RUNNING,     /* in_progress, finalizing, BATCH_STATE_RUNNING */
  SK_BATCH_ENDED,       /* completed / ended / BATCH_STATE_SUCCEEDED: the
                           results can be read */
  SK_BATCH_FAILED,      /* failed as a whole (its input was refused):
                           nothing ran; reason says why */
  SK_BATCH_EXPIRED,     /* the window passed: the results that exist can be
                           read, the rest expired */
  SK_BATCH_CANCELING,
  SK_BATCH_CANCELED /* the results that exist can be read */
};
/* "pending", "running", "ended", "failed", "expired", "canceling",
 * "canceled". */
const char *sk_batch_state_name(enum sk_batch_state s);
/* Parses a name sk_batch_state_name gives. Returns 0 or SK_EINVAL. */
int sk_batch_state_parse(const char *name, enum sk_batch_state *out);
/* Whether the batch will not change any more (ENDED, FAILED, EXPIRED,
 * CANCELED). */
int sk_batch_state_final(enum sk_batch_state s);

/* What one read of a batch object says. Counts are -1 when the provider
 * did not give them. */
struct sk_batch_status {
  enum sk_batch_state state;
  char remote_state[48]; /* the provider's own word ("in_progress") */
  char id[160];          /* "batch_abc", "msgbatch_01...", "batches/123" */
  long total;
  long succeeded;
  long errored; /* failed lines (OpenAI "failed", Anthropic "errored") */
  long expired;
  long canceled;
  long processing;
  /* Where the results are: OpenAI's output_file_id, Anthropic's
   * results_url (absolute, as the server gave it), Gemini's responsesFile;
   * "" when there are none yet (or, for Gemini, when they are inline in
   * the batch object itself: results_inline is then 1). */
  char output_ref[512];
  char error_ref[160];    /* OpenAI's error_file_id, or "" */
  int results_inline;     /* Gemini: response.inlinedResponses is present */
  char reason[320];       /* FAILED (or a provider error inside the object):
                             the provider's reason, one line; else "" */
  char label[160];        /* what the batch was created with to find it again:
                             OpenAI metadata.shipskip_batch, Gemini
                             display_name; "" otherwise */
  char input_ref[160];    /* OpenAI input_file_id, or "" */
  long long created_unix; /* -1 when not given */
};

/* ---- Building ---------------------------------------------------------- */

/* Appends one request of a batch to out: w is the online request a
 * provider built (sk_provider_build()), id its custom id. OpenAI: a JSONL
 * line {"custom_id","method":"POST","url":PATH,"body":BODY}\n where PATH is
 * w->url's path and query (no scheme, no host); Anthropic: an element of
 * "requests" {"custom_id","params":BODY} followed by ",\n" (the caller
 * wraps them, see sk_batch_create_body); Gemini: {"request":BODY,
 * "metadata":{"key":ID}} followed by ",\n". BODY is w->body as it is (it is
 * already JSON: it is parsed only to check it, never re-ordered). Returns
 * 0, SK_EINVAL (a bad id, a body that is not a JSON object, or for OpenAI
 * one with a raw line break, which a JSONL line cannot hold), SK_ETOOBIG
 * (out's cap) or SK_ENOMEM; on error out is as it was. */
int sk_batch_add_line(enum sk_batch_api api, const char *id,
                      const struct sk_wire_request *w, struct sk_buf *out,
                      struct sk_error *err);

/* Builds what creates a batch of lines (what sk_batch_add_line appended)
 * into *body (heap, *body_len bytes) and the URL to POST it to into *url
 * (heap): sample is the online request of one line (its URL gives the base
 * and, for Gemini, the model: ":generateContent" becomes
 * ":batchGenerateContent"). label is a name the batch can be found by
 * again ([A-Za-z0-9_-], up to 64). file_id is the uploaded file (OpenAI;
 * NULL for the others). OpenAI: {"input_file_id","endpoint":PATH,
 * "completion_window":"24h","metadata":{"shipskip_batch":label}};
 * Anthropic: {"requests":[lines]}; Gemini: {"batch":{"display_name":label,
 * "input_config":{"requests":{"requests":[lines]}}}}. Returns 0,
 * SK_EINVAL or SK_ENOMEM. */
int sk_batch_create_request(enum sk_batch_api api,
                            const struct sk_wire_request *sample,
                            const char *label, const char *file_id,
                            const char *lines, size_t lines_len, char **url,
                            char **body, size_t *body_len,
                            struct sk_error *err);

/* OpenAI only: the upload of a JSONL file of lines as multipart/form-data
 * to {base}/files with purpose "batch" and filename "LABEL.jsonl". The
 * boundary is derived from the content (no randomness: a recorded upload
 * replays byte for byte) and is checked not to occur in it. Fills *url,
 * *body, *body_len and content_type[128] ("multipart/form-data;
 * boundary=..."). Returns 0, SK_EINVAL or SK_ENOMEM. */
int sk_batch_upload_request(const struct sk_wire_request *sample,
                            const char *label, const char *lines,
                            size_t lines_len, char **url, char **body,
                            size_t *body_len, char content_type[128],
                            struct sk_error *err);
/* Reads the id of an uploaded file ({"id":"file-...","object":"file"})
 * into id[160]. Returns 0 or SK_EPARSE. */
int sk_batch_parse_file(const char *body, size_t len, char id[160],
                        struct sk_error *err);

/* The URLs (heap, into *url) of a batch's other operations, built from
 * sample's base URL (with its query, so a gateway's parameters stay):
 *   SK_BATCH_URL_STATUS   GET the batch object
 *   SK_BATCH_URL_CANCEL   POST (empty body) to cancel it
 *   SK_BATCH_URL_LIST     GET the latest batches (for finding a batch
 *                         created by a run that died before it learned its
 *                         id), newest first, one page (limit=100; Gemini
 *                         pageSize=100)
 *   SK_BATCH_URL_RESULTS  GET the results: ref is output_ref (OpenAI: a
 *                         file id; Anthropic: the results_url itself,
 *                         accepted only when its scheme, host and port are
 *                         those of the base URL, so the key is never sent
 *                         elsewhere: SK_EINVAL otherwise (and the base's
 *                         query is appended when it has none); Gemini: a
 *                         responsesFile name, fetched from
 *                         /download/v1beta/NAME:download?alt=media)
 *   SK_BATCH_URL_ERRORS   GET OpenAI's error file (ref = error_ref)
 * id is the batch id (unused for LIST; for RESULTS/ERRORS ref is used).
 * Returns 0, SK_EINVAL (an id or ref that is not 1 to 159 of RFC 3986's
 * unreserved characters [A-Za-z0-9._~-], or is "." or "..", after
 * Gemini's "batches/" prefix (STATUS, CANCEL) or "files/" (RESULTS), which
 * it must have) or SK_ENOMEM. */
enum sk_batch_url {
  SK_BATCH_URL_STATUS,
  SK_BATCH_URL_CANCEL,
  SK_BATCH_URL_LIST,
  SK_BATCH_URL_RESULTS,
  SK_BATCH_URL_ERRORS
};
int sk_batch_url(enum sk_batch_api api, enum sk_batch_url which,
                 const struct sk_wire_request *sample, const char *ref,
                 char **url, struct sk_error *err);

/* ---- Reading ----------------------------------------------------------- */

/* Parses a batch object (the answer of create, status or cancel; for
 * Gemini an operation, whose metadata holds the batch) into *out. A
 * provider error body ({"error":...}) is SK_EPARSE with its message in
 * err. Returns 0 or SK_EPARSE. */
int sk_batch_parse_status(enum sk_batch_api api, const char *body, size_t len,
                          struct sk_batch_status *out, struct sk_error *err);

/* Calls cb for every batch of a list answer (SK_BATCH_URL_LIST), newest
 * first as the server gave them; cb returns non-zero to stop. Returns 0 or
 * SK_EPARSE. */
int sk_batch_parse_list(enum sk_batch_api api, const char *body, size_t len,
                        int (*cb)(void *ctx, const struct sk_batch_status *s),
                        void *ctx, struct sk_error *err);

/* One result of one request. */
enum sk_batch_result_kind {
  SK_BATCH_RESULT_ANSWER = 0, /* the server answered: status and body are
                                 what the online API would have sent (a 200
                                 with a reply, or an HTTP error) */
  SK_BATCH_RESULT_ERROR,      /* the line failed without an HTTP answer
                                 (Anthropic "errored" with no status, an
                                 OpenAI line whose "error" is set): message
                                 says why; retry says whether asking again
                                 can help */
  SK_BATCH_RESULT_EXPIRED,    /* not run before the window ended */
  SK_BATCH_RESULT_CANCELED    /* not run: the batch was canceled */
};
struct sk_batch_result {
  enum sk_batch_result_kind kind;
  const char *custom_id; /* valid during the callback */
  long status;           /* ANSWER: the HTTP status (200...) */
  const char *body;      /* ANSWER: the response body, JSON text for the
                            provider's parse(); NUL-terminated */
  size_t body_len;
  int retry;         /* ERROR: asking again may help */
  char message[320]; /* ERROR/EXPIRED/CANCELED: one line */
  long line;         /* 1-based line (or array index + 1) it came from */
};

/* Reads a results document and calls cb once per result, in document
 * order; cb returns non-zero to stop. OpenAI: the output or error file
 * (JSONL {"custom_id","response":{"status_code","body"},"error"}); the
 * response body is handed on re-printed compactly. Anthropic: the results
 * JSONL ({"custom_id","result":{"type":"succeeded","message"} |
 * {"type":"errored","error":{...}} | {"type":"expired"} |
 * {"type":"canceled"}}); a succeeded message is handed on as a 200 body,
 * an errored one whose error is an API error as the HTTP status that error
 * type has online (invalid_request_error 400, authentication_error 401,
 * permission_error 403, not_found_error 404, request_too_large 413,
 * rate_limit_error 429, api_error 500, overloaded_error 529; also
 * billing_error 402 and timeout_error 504) with the error body (the
 * online shape {"type":"error","error":{...}}), and any other as ERROR
 * with retry set. OpenAI lines whose error code is "batch_expired" or
 * "batch_cancelled" are EXPIRED and CANCELED; other error lines ERROR,
 * retry unless the code says "invalid". Gemini: the batch operation itself
 * (response.inlinedResponses.inlinedResponses[]: {"response"} a 200 body,
 * {"error":{"code","message","status"}} an HTTP error body of that code),
 * or a responses file (JSONL {"key","response"|"error"}). A line that
 * cannot be read (not JSON, no custom id, a NUL) is not a result: cb is
 * not called for it, *bad_lines counts it, and the first such problem is
 * in err (with its line) — the caller decides; the rest are still read
 * (bad_lines may be NULL). Returns 0 when the document could be read at all
 * (bad lines included), SK_EPARSE when not (Gemini: not an operation), or cb's
 * non-zero. */
int sk_batch_parse_results(enum sk_batch_api api, const char *body, size_t len,
                           int (*cb)(void *ctx,
                                     const struct sk_batch_result *r),
                           void *ctx, long *bad_lines, struct sk_error *err);

#endif
