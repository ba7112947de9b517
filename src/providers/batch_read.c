/* batch_read.c: the reading half of the batch wire formats
 * (providers/batch.h) that the three providers share: checked strings and
 * counts, RFC 3339 times, a result handed on as the online answer it
 * stands for, the JSONL reader that counts bad lines with their numbers,
 * and sk_batch_parse_status / _list / _results, which parse the document
 * and hand it to batch_openai.c, batch_anthropic.c or batch_gemini.c.
 * Nothing here trusts its input: every failure is SK_EPARSE naming what
 * and where.
 */
#include "batch_int.h"

#include "shipskip/util/jsonget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- readers --------------------------------------------------------------
 */

const cJSON *batch_get(const cJSON *obj, const char *key) {
  if (!cJSON_IsObject(obj))
    return NULL;
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const cJSON *batch_get2(const cJSON *obj, const char *camel,
                        const char *snake) {
  const cJSON *v = batch_get(obj, camel);
  return v != NULL ? v : batch_get(obj, snake);
}

int batch_copy(const cJSON *v, char *dst, size_t size, int required,
               const char *where, const char *what, struct sk_error *err) {
  const char *s = NULL;
  int rc;
  dst[0] = '\0';
  if (v == NULL || cJSON_IsNull(v)) {
    if (!required)
      return 0;
    return sk_error_set(err, SK_EPARSE, "%s: %s is missing", where, what);
  }
  rc = sk_json_str_at(v, where, what, &s, err);
  if (rc < 0)
    return rc;
  if (rc == 0)
    return sk_error_set(err, SK_EPARSE, "%s: %s is not a string", where, what);
  if (required && s[0] == '\0')
    return sk_error_set(err, SK_EPARSE, "%s: %s is empty", where, what);
  if (strlen(s) >= size)
    return sk_error_set(err, SK_EPARSE, "%s: %s is longer than %zu bytes",
                        where, what, size - 1);
  memcpy(dst, s, strlen(s) + 1);
  return 0;
}

int batch_count(const cJSON *v, long *out, const char *where, const char *what,
                struct sk_error *err) {
  const long long max = 1000000000000000LL;
  long long n = 0;
  const char *s;
  *out = -1;
  if (v == NULL || cJSON_IsNull(v))
    return 0;
  s = sk_json_strval(v);
  if (s != NULL) {
    size_t i;
    for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 15; i++)
      n = n * 10 + (s[i] - '0');
    if (i == 0 || s[i] != '\0')
      return sk_error_set(err, SK_EPARSE, "%s: %s is not a count", where, what);
  } else if (!sk_json_int(v, 0, max, &n)) {
    return sk_error_set(err, SK_EPARSE, "%s: %s is not a count", where, what);
  }
  *out = (long)n;
  return 0;
}

/* Reads n digits of s as a number into *out; returns 0 or -1. */
static int digits(const char *s, int n, int *out) {
  int i;
  *out = 0;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    *out = *out * 10 + (s[i] - '0');
  }
  return 0;
}

long long batch_rfc3339(const char *s) {
  int y, mo, d, h, mi, se, oh = 0, om = 0;
  long long days;
  int yy;
  const char *p;

  if (s == NULL || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
      digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
      s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
      digits(s + 17, 2, &se))
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return -1;
  p = s + 19;
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++)
      ;
  }
  if (*p == '+' || *p == '-') {
    if (strlen(p) != 6 || digits(p + 1, 2, &oh) || p[3] != ':' ||
        digits(p + 4, 2, &om) || oh > 23 || om > 59)
      return -1;
    if (*p == '-') {
      oh = -oh;
      om = -om;
    }
  } else if (!((*p == 'Z' || *p == 'z') && p[1] == '\0')) {
    return -1;
  }
  /* Days from the civil date (Howard Hinnant's algorithm). */
  yy = mo <= 2 ? y - 1 : y;
  {
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = (long long)era * 146097 + doe - 719468;
  }
  return days * 86400 + h * 3600 + mi * 60 + se - (oh * 3600 + om * 60);
}

void batch_status_init(struct sk_batch_status *out) {
  memset(out, 0, sizeof(*out));
  out->total = -1;
  out->succeeded = -1;
  out->errored = -1;
  out->expired = -1;
  out->canceled = -1;
  out->processing = -1;
  out->created_unix = -1;
}

void batch_remote_state(struct sk_batch_status *out, const char *word) {
  snprintf(out->remote_state, sizeof(out->remote_state), "%s", word);
}

int batch_error_message(const cJSON *root, char *msg, size_t size) {
  const cJSON *e = batch_get(root, "error");
  const char *s;
  if (e == NULL || cJSON_IsNull(e))
    return 0;
  s = sk_json_strval(e);
  if (s == NULL)
    s = sk_json_strval(batch_get(e, "message"));
  sk_provider_one_line(msg, size, s != NULL ? s : "(no message)");
  return 1;
}

int batch_check_reply(const cJSON *root, const char *what,
                      struct sk_error *err) {
  char msg[SK_PROVIDER_LINE];
  if (!cJSON_IsObject(root))
    return sk_error_set(err, SK_EPARSE, "%s: not a JSON object", what);
  if (batch_error_message(root, msg, sizeof(msg)))
    return sk_error_set(err, SK_EPARSE, "%s: the server answered an error: %s",
                        what, msg);
  return 0;
}

int batch_emit_answer(const struct batch_emit *e, struct sk_batch_result *r,
                      long status, const cJSON *v, struct sk_error *lerr) {
  char *text;
  int rc;
  if (sk_json_has_nul(v, NULL, 0)) {
    sk_error_set(lerr, SK_EPARSE, "the response holds a NUL character");
    return 0;
  }
  text = cJSON_PrintUnformatted(v);
  if (text == NULL)
    return SK_ENOMEM;
  r->kind = SK_BATCH_RESULT_ANSWER;
  r->status = status;
  r->body = text;
  r->body_len = strlen(text);
  rc = e->cb(e->ctx, r);
  cJSON_free(text);
  return rc;
}

/* Reads one line [s, s + n) of a JSONL document. */
static int jsonl_line(const char *s, size_t n, long line,
                      int (*line_cb)(const struct batch_emit *e,
                                     const cJSON *obj, long line,
                                     struct sk_error *lerr),
                      const struct batch_emit *e, struct sk_error *lerr) {
  const char *end = NULL;
  cJSON *obj;
  int rc;

  if (memchr(s, '\0', n) != NULL) {
    sk_error_set(lerr, SK_EPARSE, "holds a NUL byte");
    return 0;
  }
  obj = sk_json_parse(s, n, &end);
  if (obj == NULL || !cJSON_IsObject(obj)) {
    cJSON_Delete(obj);
    sk_error_set(lerr, SK_EPARSE, "not a JSON object");
    return 0;
  }
  for (; end < s + n; end++) {
    if (*end != ' ' && *end != '\t' && *end != '\r') {
      cJSON_Delete(obj);
      sk_error_set(lerr, SK_EPARSE, "text after the JSON object");
      return 0;
    }
  }
  rc = line_cb(e, obj, line, lerr);
  cJSON_Delete(obj);
  return rc;
}

int batch_jsonl(const char *body, size_t len, const char *what,
                int (*line_cb)(const struct batch_emit *e, const cJSON *obj,
                               long line, struct sk_error *lerr),
                const struct batch_emit *e, long *bad_lines,
                struct sk_error *err) {
  size_t at = 0;
  long line = 0;

  while (at < len) {
    const char *nl = memchr(body + at, '\n', len - at);
    size_t n = nl != NULL ? (size_t)(nl - (body + at)) : len - at;
    size_t i;
    struct sk_error lerr;
    int rc;

    line++;
    for (i = 0; i < n && (body[at + i] == ' ' || body[at + i] == '\t' ||
                          body[at + i] == '\r');
         i++)
      ;
    if (i < n) {
      sk_error_clear(&lerr);
      rc = jsonl_line(body + at, n, line, line_cb, e, &lerr);
      if (rc != 0)
        return rc;
      if (lerr.code != 0) {
        (*bad_lines)++;
        sk_error_set(err, SK_EPARSE, "%s line %ld: %s", what, line, lerr.msg);
      }
    }
    at += n + 1;
  }
  return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

cJSON *batch_parse_doc(const char *body, size_t len, const char *what,
                       struct sk_error *err) {
  const char *end = NULL;
  cJSON *root;
  if (body == NULL || len == 0) {
    sk_error_set(err, SK_EPARSE, "%s: empty body", what);
    return NULL;
  }
  root = sk_json_parse(body, len, &end);
  if (root == NULL) {
    const char *at = cJSON_GetErrorPtr();
    size_t off =
        at != NULL && at >= body && at <= body + len ? (size_t)(at - body) : 0;
    sk_error_set(err, SK_EPARSE, "%s: not JSON (at byte %zu)", what, off);
    return NULL;
  }
  for (; end < body + len; end++) {
    if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
      sk_error_set(err, SK_EPARSE, "%s: text after the JSON value (byte %zu)",
                   what, (size_t)(end - body));
      cJSON_Delete(root);
      return NULL;
    }
  }
  return root;
}

static int status_of(enum sk_batch_api api, const cJSON *root,
                     struct sk_batch_status *out, struct sk_error *err) {
  batch_status_init(out);
  switch (api) {
  case SK_BATCH_OPENAI:
    return batch_openai_status(root, out, err);
  case SK_BATCH_ANTHROPIC:
    return batch_anthropic_status(root, out, err);
  case SK_BATCH_GEMINI:
    return batch_gemini_status(root, out, err);
  default:
    return sk_error_set(err, SK_EPARSE, "batch: no batch API");
  }
}

int sk_batch_parse_status(enum sk_batch_api api, const char *body, size_t len,
                          struct sk_batch_status *out, struct sk_error *err) {
  char what[48];
  cJSON *root;
  int rc;

  batch_status_init(out);
  snprintf(what, sizeof(what), "%s batch object", batch_api_title(api));
  root = batch_parse_doc(body, len, what, err);
  if (root == NULL)
    return SK_EPARSE;
  rc = status_of(api, root, out, err);
  cJSON_Delete(root);
  if (rc != 0)
    batch_status_init(out);
  return rc;
}

int sk_batch_parse_list(enum sk_batch_api api, const char *body, size_t len,
                        int (*cb)(void *ctx, const struct sk_batch_status *s),
                        void *ctx, struct sk_error *err) {
  struct sk_batch_status s;
  char what[48];
  char msg[208];
  const cJSON *arr;
  const cJSON *it;
  cJSON *root;
  long i = 0;
  int rc = 0;

  snprintf(what, sizeof(what), "%s batch list", batch_api_title(api));
  root = batch_parse_doc(body, len, what, err);
  if (root == NULL)
    return SK_EPARSE;
  if (batch_error_message(root, msg, sizeof(msg))) {
    rc = sk_error_set(err, SK_EPARSE, "%s: the server answered an error: %s",
                      what, msg);
    goto out;
  }
  arr = api == SK_BATCH_GEMINI ? batch_get(root, "operations")
                               : batch_get(root, "data");
  if (api == SK_BATCH_GEMINI && arr == NULL)
    arr = batch_get(root, "batches");
  /* Google leaves out an empty list altogether. */
  if (api == SK_BATCH_GEMINI && arr == NULL && cJSON_IsObject(root))
    goto out;
  if (!cJSON_IsArray(arr)) {
    rc = sk_error_set(err, SK_EPARSE, "%s: no array of batches", what);
    goto out;
  }
  cJSON_ArrayForEach(it, arr) {
    struct sk_error e;
    sk_error_clear(&e);
    if (status_of(api, it, &s, &e) != 0) {
      rc = sk_error_set(err, SK_EPARSE, "%s item %ld: %s", what, i, e.msg);
      goto out;
    }
    i++;
    rc = cb(ctx, &s);
    if (rc != 0)
      goto out;
  }
out:
  cJSON_Delete(root);
  return rc;
}

int sk_batch_parse_results(enum sk_batch_api api, const char *body, size_t len,
                           int (*cb)(void *ctx,
                                     const struct sk_batch_result *r),
                           void *ctx, long *bad_lines, struct sk_error *err) {
  struct batch_emit e = {cb, ctx};
  long bad = 0;
  int rc;

  if (bad_lines == NULL)
    bad_lines = &bad;
  *bad_lines = 0;
  if (body == NULL)
    len = 0;
  switch (api) {
  case SK_BATCH_OPENAI:
    rc = batch_jsonl(body, len, "OpenAI results", batch_openai_line, &e,
                     bad_lines, err);
    break;
  case SK_BATCH_ANTHROPIC:
    rc = batch_jsonl(body, len, "Anthropic results", batch_anthropic_line, &e,
                     bad_lines, err);
    break;
  case SK_BATCH_GEMINI:
    rc = batch_gemini_results(body, len, &e, bad_lines, err);
    break;
  default:
    rc = sk_error_set(err, SK_EPARSE, "batch: no batch API");
    break;
  }
  if (rc == SK_ENOMEM)
    sk_error_set(err, rc, "batch: out of memory");
  return rc;
}

int sk_batch_parse_file(const char *body, size_t len, char id[160],
                        struct sk_error *err) {
  static const char W[] = "OpenAI file object";
  cJSON *root;
  int rc;

  id[0] = '\0';
  root = batch_parse_doc(body, len, W, err);
  if (root == NULL)
    return SK_EPARSE;
  rc = batch_check_reply(root, W, err);
  if (rc == 0)
    rc = batch_copy(batch_get(root, "id"), id, 160, 1, W, "id", err);
  cJSON_Delete(root);
  if (rc != 0)
    id[0] = '\0';
  return rc;
}
