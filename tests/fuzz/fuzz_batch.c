/* fuzz_batch.c: the batch APIs' readers (providers/batch.h) over hostile
 * documents.
 *
 * The first byte chooses the API (OpenAI, Anthropic, Gemini) and the
 * reader (a batch object, a list, a results document); the rest is the
 * document. Checked: a reader never crashes or leaks; it fails only with
 * SK_EPARSE and a message; a status it accepts has a known state, an id
 * and strings that fit their fields; every result handed on has a custom
 * id shipskip could have made, a line number, and for an answer an HTTP
 * status and a body exactly body_len long; bad lines are counted only with
 * a message. What a status names is then used as the batch API uses it:
 * the id and references go into URLs, which must stay on the provider's
 * host (a results_url elsewhere is refused, never followed).
 */
#include "fuzz.h"
#include "shipskip/providers/batch.h"

#include <stdlib.h>
#include <string.h>

static const char *const BASE[] = {
    NULL, "https://api.openai.com/v1/chat/completions",
    "https://api.anthropic.com/v1/messages",
    "https://generativelanguage.googleapis.com/v1beta/models/"
    "gemini-2.5-flash:generateContent"};

/* The origin every URL of the API must be on. */
static const char *const ORIGIN[] = {NULL, "https://api.openai.com",
                                     "https://api.anthropic.com",
                                     "https://generativelanguage.googleapis."
                                     "com"};

/* Whether url is on origin: the same letters in any case, then the
 * default port or none, then the path, query or the end. */
static int on_origin(const char *url, const char *origin) {
  size_t n = strlen(origin);
  size_t i;
  long port = 0;
  for (i = 0; i < n; i++) {
    char c = url[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c != origin[i])
      return 0;
  }
  url += n;
  if (*url == ':') {
    for (url++; *url >= '0' && *url <= '9' && port < 100000; url++)
      port = port * 10 + (*url - '0');
    if (port != 443)
      return 0;
  }
  return *url == '/' || *url == '?' || *url == '\0';
}

static void check_fits(const char *s, size_t size, const char *what) {
  if (memchr(s, '\0', size) == NULL)
    sk_fuzz_fail("%s is not NUL-terminated within its field", what);
}

/* Builds the URLs of the operations a status leads to. */
static void use_status(enum sk_batch_api api, const struct sk_batch_status *s) {
  static char url_buf[256];
  struct sk_wire_request w;
  struct sk_error err;
  const enum sk_batch_url ops[] = {SK_BATCH_URL_STATUS, SK_BATCH_URL_CANCEL,
                                   SK_BATCH_URL_RESULTS, SK_BATCH_URL_ERRORS};
  size_t i;

  memset(&w, 0, sizeof(w));
  strcpy(url_buf, BASE[api]);
  w.url = url_buf;
  w.secret_header = -1;
  for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    const char *ref = ops[i] == SK_BATCH_URL_RESULTS  ? s->output_ref
                      : ops[i] == SK_BATCH_URL_ERRORS ? s->error_ref
                                                      : s->id;
    char *url = NULL;
    int rc;
    sk_error_clear(&err);
    rc = sk_batch_url(api, ops[i], &w, ref, &url, &err);
    if (rc != 0) {
      if (url != NULL || err.msg[0] == '\0')
        sk_fuzz_fail("url %d refused (%d) without a message or with a URL",
                     (int)ops[i], rc);
      continue;
    }
    if (!on_origin(url, ORIGIN[api]))
      sk_fuzz_fail("url %d left the provider's host: %s", (int)ops[i], url);
    free(url);
  }
}

static void check_status(enum sk_batch_api api,
                         const struct sk_batch_status *s) {
  if ((unsigned)s->state > SK_BATCH_CANCELED)
    sk_fuzz_fail("state %d is no state", (int)s->state);
  if (s->id[0] == '\0')
    sk_fuzz_fail("a status without an id");
  check_fits(s->remote_state, sizeof(s->remote_state), "remote_state");
  check_fits(s->id, sizeof(s->id), "id");
  check_fits(s->output_ref, sizeof(s->output_ref), "output_ref");
  check_fits(s->error_ref, sizeof(s->error_ref), "error_ref");
  check_fits(s->reason, sizeof(s->reason), "reason");
  check_fits(s->label, sizeof(s->label), "label");
  check_fits(s->input_ref, sizeof(s->input_ref), "input_ref");
  if (s->total < -1 || s->succeeded < -1 || s->errored < -1 ||
      s->expired < -1 || s->canceled < -1 || s->processing < -1)
    sk_fuzz_fail("a count below -1");
  use_status(api, s);
}

static int list_cb(void *ctx, const struct sk_batch_status *s) {
  check_status(*(enum sk_batch_api *)ctx, s);
  return 0;
}

static int result_cb(void *ctx, const struct sk_batch_result *r) {
  (void)ctx;
  if (!sk_batch_custom_id_ok(r->custom_id))
    sk_fuzz_fail("a result with custom id \"%s\"",
                 r->custom_id ? r->custom_id : "(null)");
  if (r->line < 1)
    sk_fuzz_fail("a result on line %ld", r->line);
  if ((unsigned)r->kind > SK_BATCH_RESULT_CANCELED)
    sk_fuzz_fail("result kind %d", (int)r->kind);
  if (r->kind == SK_BATCH_RESULT_ANSWER) {
    if (r->status < 100 || r->status > 599)
      sk_fuzz_fail("an answer with status %ld", r->status);
    if (r->body == NULL || strlen(r->body) != r->body_len)
      sk_fuzz_fail("an answer body that is not body_len long");
  } else {
    check_fits(r->message, sizeof(r->message), "message");
  }
  return 0;
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  enum sk_batch_api api;
  struct sk_batch_status st;
  struct sk_error err;
  const char *body;
  long bad = -1;
  int which;
  int rc;

  if (size < 1)
    return 0;
  api = (enum sk_batch_api)(1 + data[0] % 3);
  which = (data[0] / 3) % 3;
  body = (const char *)data + 1;
  size--;
  sk_error_clear(&err);
  if (which == 0) {
    rc = sk_batch_parse_status(api, body, size, &st, &err);
    if (rc == 0)
      check_status(api, &st);
    if (api == SK_BATCH_OPENAI) {
      char id[160];
      struct sk_error e2;
      sk_error_clear(&e2);
      if (sk_batch_parse_file(body, size, id, &e2) == 0 && id[0] == '\0')
        sk_fuzz_fail("a file without an id");
    }
  } else if (which == 1) {
    rc = sk_batch_parse_list(api, body, size, list_cb, &api, &err);
  } else {
    rc = sk_batch_parse_results(api, body, size, result_cb, NULL, &bad, &err);
    if (bad < 0 || (bad > 0 && err.msg[0] == '\0'))
      sk_fuzz_fail("%ld bad lines, message \"%s\"", bad, err.msg);
  }
  if (rc != 0 && (rc != SK_EPARSE || err.msg[0] == '\0'))
    sk_fuzz_fail("reader %d failed with %d, message \"%s\"", which, rc,
                 err.msg);
  return 0;
}
