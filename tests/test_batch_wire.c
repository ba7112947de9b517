/* test_batch_wire.c: the batch APIs' wire formats (providers/batch.h): the
 * exact lines, create bodies and multipart upload built for OpenAI,
 * Anthropic and Gemini; every operation's URL, a gateway's query kept and
 * a results_url on another host refused; the documented batch objects of
 * every state read into one status; lists; results of every kind matched
 * by custom id; bad lines counted with their line numbers; and hostile
 * documents refused with SK_EPARSE and a message, never a crash or a
 * guessed value.
 */
#include "harness.h"
#include "shipskip/providers/batch.h"

#include <stdio.h>

/* ---- helpers --------------------------------------------------------------
 */

static char g_url[512];
static char g_body[1024];

/* A sample online request with url and body (copied into static storage:
 * the wire request's strings are not const). */
static struct sk_wire_request sample(const char *url, const char *body) {
  struct sk_wire_request w;
  memset(&w, 0, sizeof(w));
  snprintf(g_url, sizeof(g_url), "%s", url);
  snprintf(g_body, sizeof(g_body), "%s", body);
  w.url = g_url;
  w.body = g_body;
  w.body_len = strlen(g_body);
  w.secret_header = -1;
  return w;
}

static struct sk_wire_request openai_sample(void) {
  return sample("https://api.openai.com/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[]}");
}
static struct sk_wire_request anthropic_sample(void) {
  return sample("https://api.anthropic.com/v1/messages",
                "{\"model\":\"claude-x\",\"max_tokens\":1024}");
}
static struct sk_wire_request gemini_sample(void) {
  return sample("https://generativelanguage.googleapis.com/v1beta/models/"
                "gemini-2.5-flash:generateContent",
                "{\"contents\":[]}");
}

/* What a results callback saw. */
struct seen {
  int n;
  enum sk_batch_result_kind kind[16];
  char id[16][72];
  long status[16];
  char body[16][512];
  char message[16][320];
  int retry[16];
  long line[16];
  int stop_after; /* 0: never */
};

static int collect(void *ctx, const struct sk_batch_result *r) {
  struct seen *s = ctx;
  if (s->n < 16) {
    s->kind[s->n] = r->kind;
    snprintf(s->id[s->n], sizeof(s->id[0]), "%s", r->custom_id);
    s->status[s->n] = r->status;
    snprintf(s->body[s->n], sizeof(s->body[0]), "%s",
             r->body != NULL ? r->body : "");
    snprintf(s->message[s->n], sizeof(s->message[0]), "%s", r->message);
    s->retry[s->n] = r->retry;
    s->line[s->n] = r->line;
  }
  s->n++;
  return s->stop_after > 0 && s->n >= s->stop_after ? 7 : 0;
}

static int results(enum sk_batch_api api, const char *doc, struct seen *s,
                   long *bad, struct sk_error *e) {
  memset(s, 0, sizeof(*s));
  sk_error_clear(e);
  return sk_batch_parse_results(api, doc, strlen(doc), collect, s, bad, e);
}

static int status(enum sk_batch_api api, const char *doc,
                  struct sk_batch_status *st, struct sk_error *e) {
  sk_error_clear(e);
  return sk_batch_parse_status(api, doc, strlen(doc), st, e);
}

/* ---- names, limits, ids ---------------------------------------------------
 */

TEST(apis_limits_and_ids) {
  struct sk_provider p = {.name = "openai"};
  struct sk_batch_limits l;
  enum sk_batch_state st;

  ASSERT_INT_EQ(sk_batch_api_of(&p), SK_BATCH_OPENAI);
  p.name = "anthropic";
  ASSERT_INT_EQ(sk_batch_api_of(&p), SK_BATCH_ANTHROPIC);
  p.name = "gemini";
  ASSERT_INT_EQ(sk_batch_api_of(&p), SK_BATCH_GEMINI);
  p.name = "ollama";
  ASSERT_INT_EQ(sk_batch_api_of(&p), SK_BATCH_NONE);
  ASSERT_INT_EQ(sk_batch_api_of(NULL), SK_BATCH_NONE);
  ASSERT_STR_EQ(sk_batch_api_name(SK_BATCH_GEMINI), "gemini");
  ASSERT_STR_EQ(sk_batch_api_name(SK_BATCH_NONE), "none");

  sk_batch_limits(SK_BATCH_OPENAI, &l);
  ASSERT_INT_EQ(l.max_requests, 50000);
  ASSERT(l.max_bytes <= 200u * 1024 * 1024 && l.max_bytes > 0);
  sk_batch_limits(SK_BATCH_ANTHROPIC, &l);
  ASSERT_INT_EQ(l.max_requests, 100000);
  ASSERT(l.max_bytes <= 256u * 1024 * 1024 && l.max_bytes > 0);
  sk_batch_limits(SK_BATCH_GEMINI, &l);
  ASSERT(l.max_bytes <= 20u * 1024 * 1024 && l.max_bytes > 0);

  ASSERT(sk_batch_custom_id_ok("r0001-skeptic_2"));
  ASSERT(sk_batch_custom_id_ok(
      "a234567890123456789012345678901234567890123456789012345678901234"));
  ASSERT(!sk_batch_custom_id_ok(
      "a2345678901234567890123456789012345678901234567890123456789012345"));
  ASSERT(!sk_batch_custom_id_ok(""));
  ASSERT(!sk_batch_custom_id_ok(NULL));
  ASSERT(!sk_batch_custom_id_ok("a b"));
  ASSERT(!sk_batch_custom_id_ok("a/b"));
  ASSERT(!sk_batch_custom_id_ok("a\"b"));
  ASSERT(!sk_batch_custom_id_ok("caf\xc3\xa9"));

  ASSERT_INT_EQ(sk_batch_state_parse("canceling", &st), 0);
  ASSERT_INT_EQ(st, SK_BATCH_CANCELING);
  ASSERT_STR_EQ(sk_batch_state_name(SK_BATCH_EXPIRED), "expired");
  ASSERT_INT_EQ(sk_batch_state_parse("done", &st), SK_EINVAL);
  ASSERT(sk_batch_state_final(SK_BATCH_ENDED));
  ASSERT(sk_batch_state_final(SK_BATCH_CANCELED));
  ASSERT(!sk_batch_state_final(SK_BATCH_CANCELING));
  ASSERT(!sk_batch_state_final(SK_BATCH_PENDING));
}

/* ---- building --------------------------------------------------------------
 */

TEST(lines_for_each_api) {
  struct sk_wire_request w = openai_sample();
  struct sk_buf b;
  struct sk_error e;

  sk_buf_init(&b, 1 << 20);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r1", &w, &b, &e), 0);
  ASSERT_STR_EQ(sk_buf_str(&b),
                "{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/chat/"
                "completions\",\"body\":{\"model\":\"gpt-4o-mini\","
                "\"messages\":[]}}\n");
  sk_buf_reset(&b);
  w = sample("https://gw.example/v1/chat/completions?team=a%20b",
             "{\"b\":1,\"a\":2}");
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r2", &w, &b, &e), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), "{\"custom_id\":\"r2\",\"method\":\"POST\","
                                "\"url\":\"/v1/chat/completions?team=a%20b\","
                                "\"body\":{\"b\":1,\"a\":2}}\n");
  sk_buf_reset(&b);
  w = anthropic_sample();
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_ANTHROPIC, "r1", &w, &b, &e), 0);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_ANTHROPIC, "r2", &w, &b, &e), 0);
  ASSERT_STR_EQ(sk_buf_str(&b),
                "{\"custom_id\":\"r1\",\"params\":{\"model\":\"claude-x\","
                "\"max_tokens\":1024}},\n{\"custom_id\":\"r2\",\"params\":"
                "{\"model\":\"claude-x\",\"max_tokens\":1024}},\n");
  sk_buf_reset(&b);
  w = gemini_sample();
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_GEMINI, "k-1", &w, &b, &e), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), "{\"request\":{\"contents\":[]},\"metadata\":"
                                "{\"key\":\"k-1\"}},\n");
  sk_buf_cleanup(&b);
}

TEST(lines_refused) {
  struct sk_wire_request w = openai_sample();
  struct sk_buf b;
  struct sk_error e;

  sk_buf_init(&b, 120);
  ASSERT_INT_EQ(sk_buf_adds(&b, "x"), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "bad id", &w, &b, &e),
                SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "custom id");
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, NULL, &w, &b, &e),
                SK_EINVAL);
  w = sample("https://api.openai.com/v1/chat/completions", "[1]");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r1", &w, &b, &e),
                SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "not a JSON object");
  w = sample("https://api.openai.com/v1/chat/completions", "{\"a\":1} x");
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r1", &w, &b, &e),
                SK_EINVAL);
  /* A body over lines cannot be one JSONL line. */
  w = sample("https://api.openai.com/v1/chat/completions", "{\n\"a\":1}");
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r1", &w, &b, &e),
                SK_EINVAL);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_ANTHROPIC, "r1", &w, &b, &e), 0);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_NONE, "r1", &w, &b, &e), SK_EINVAL);
  /* Past the cap: out is as it was. */
  w = openai_sample();
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_buf_adds(&b, "x"), 0);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r1", &w, &b, &e), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_add_line(SK_BATCH_OPENAI, "r2", &w, &b, &e),
                SK_ETOOBIG);
  ASSERT_INT_EQ(b.len, 1 + strlen(sk_buf_str(&b) + 1));
  ASSERT_NOT_CONTAINS(sk_buf_str(&b), "r2");
  sk_buf_cleanup(&b);
}

TEST(create_bodies) {
  struct sk_wire_request w = openai_sample();
  const char lines[] = "{\"a\":1},\n{\"b\":2},\n";
  struct sk_error e;
  char *url;
  char *body;
  size_t len;

  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_OPENAI, &w, "nightly-7",
                                        "file-abc123", NULL, 0, &url, &body,
                                        &len, &e),
                0);
  ASSERT_STR_EQ(url, "https://api.openai.com/v1/batches");
  ASSERT_STR_EQ(body, "{\"input_file_id\":\"file-abc123\",\"endpoint\":\"/v1/"
                      "chat/completions\",\"completion_window\":\"24h\","
                      "\"metadata\":{\"shipskip_batch\":\"nightly-7\"}}");
  ASSERT_INT_EQ(len, strlen(body));
  free(url);
  free(body);

  w = anthropic_sample();
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_ANTHROPIC, &w, "n", NULL,
                                        lines, strlen(lines), &url, &body, &len,
                                        &e),
                0);
  ASSERT_STR_EQ(url, "https://api.anthropic.com/v1/messages/batches");
  ASSERT_STR_EQ(body, "{\"requests\":[{\"a\":1},\n{\"b\":2}]}");
  free(url);
  free(body);

  w = gemini_sample();
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_GEMINI, &w, "n_1", NULL, lines,
                                        strlen(lines), &url, &body, &len, &e),
                0);
  ASSERT_STR_EQ(url, "https://generativelanguage.googleapis.com/v1beta/"
                     "models/gemini-2.5-flash:batchGenerateContent");
  ASSERT_STR_EQ(body,
                "{\"batch\":{\"display_name\":\"n_1\",\"input_config\":"
                "{\"requests\":{\"requests\":[{\"a\":1},\n{\"b\":2}]}}}}");
  free(url);
  free(body);

  /* A gateway's query stays, after the new path. */
  w = sample("https://gw.example/google/v1beta/models/g:generateContent?k=1",
             "{}");
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_GEMINI, &w, "n", NULL, lines,
                                        strlen(lines), &url, &body, &len, &e),
                0);
  ASSERT_STR_EQ(url, "https://gw.example/google/v1beta/models/"
                     "g:batchGenerateContent?k=1");
  free(url);
  free(body);
}

TEST(create_refused) {
  struct sk_wire_request w = anthropic_sample();
  struct sk_error e;
  char *url = (char *)"x";
  char *body = (char *)"x";
  size_t len = 9;

  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_ANTHROPIC, &w, "bad label",
                                        NULL, "{},\n", 4, &url, &body, &len,
                                        &e),
                SK_EINVAL);
  ASSERT(url == NULL && body == NULL && len == 0);
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_ANTHROPIC, &w, "ok", NULL,
                                        "{}", 2, &url, &body, &len, &e),
                SK_EINVAL);
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_ANTHROPIC, &w, "ok", NULL,
                                        NULL, 0, &url, &body, &len, &e),
                SK_EINVAL);
  w = openai_sample();
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_OPENAI, &w, "ok", "file/../x",
                                        NULL, 0, &url, &body, &len, &e),
                SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "file id");
  /* The sample must be the chat endpoint the batch is made of. */
  w = sample("https://api.openai.com/v1/embeddings", "{}");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_OPENAI, &w, "ok", "file-1",
                                        NULL, 0, &url, &body, &len, &e),
                SK_EINVAL);
  ASSERT_CONTAINS(e.msg, "not the chat endpoint");
  w = sample("/v1/chat/completions", "{}");
  ASSERT_INT_EQ(sk_batch_create_request(SK_BATCH_OPENAI, &w, "ok", "file-1",
                                        NULL, 0, &url, &body, &len, &e),
                SK_EINVAL);
}

TEST(multipart_upload) {
  struct sk_wire_request w =
      sample("https://api.openai.com/v1/chat/completions?x=1", "{}");
  const char lines[] = "{\"custom_id\":\"r1\"}\n{\"custom_id\":\"r2\"}\n";
  char ct[128];
  char ct2[128];
  char boundary[100];
  char expect[1024];
  struct sk_error e;
  char *url;
  char *body;
  char *body2;
  size_t len;
  size_t len2;

  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_upload_request(&w, "nightly", lines, strlen(lines),
                                        &url, &body, &len, ct, &e),
                0);
  ASSERT_STR_EQ(url, "https://api.openai.com/v1/files?x=1");
  ASSERT(strncmp(ct, "multipart/form-data; boundary=shipskip-", 39) == 0);
  snprintf(boundary, sizeof(boundary), "%s", ct + 30);
  ASSERT_INT_EQ(strlen(boundary), 9 + 40);
  snprintf(expect, sizeof(expect),
           "--%s\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
           "batch\r\n--%s\r\nContent-Disposition: form-data; name=\"file\"; "
           "filename=\"nightly.jsonl\"\r\nContent-Type: application/jsonl\r\n"
           "\r\n%s\r\n--%s--\r\n",
           boundary, boundary, lines, boundary);
  ASSERT_STR_EQ(body, expect);
  ASSERT_INT_EQ(len, strlen(expect));
  ASSERT(strstr(lines, boundary) == NULL);
  free(url);
  /* Deterministic: the same content gives the same bytes. */
  ASSERT_INT_EQ(sk_batch_upload_request(&w, "nightly", lines, strlen(lines),
                                        &url, &body2, &len2, ct2, &e),
                0);
  ASSERT_STR_EQ(ct, ct2);
  ASSERT_INT_EQ(len, len2);
  ASSERT(memcmp(body, body2, len) == 0);
  free(url);
  free(body);
  free(body2);
  /* Other content, another boundary. */
  ASSERT_INT_EQ(sk_batch_upload_request(&w, "nightly", "{}\n", 3, &url, &body,
                                        &len, ct2, &e),
                0);
  ASSERT(strcmp(ct, ct2) != 0);
  free(url);
  free(body);
  ASSERT_INT_EQ(
      sk_batch_upload_request(&w, "nightly", "", 0, &url, &body, &len, ct2, &e),
      SK_EINVAL);
  ASSERT_INT_EQ(sk_batch_upload_request(&w, "a\"b", "{}\n", 3, &url, &body,
                                        &len, ct2, &e),
                SK_EINVAL);
}

TEST(uploaded_file) {
  char id[160];
  struct sk_error e;
  const char ok[] = "{\"id\":\"file-abc123\",\"object\":\"file\",\"bytes\":120,"
                    "\"purpose\":\"batch\",\"filename\":\"n.jsonl\"}";
  const char err[] = "{\"error\":{\"message\":\"Invalid file format\","
                     "\"type\":\"invalid_request_error\"}}";

  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_parse_file(ok, strlen(ok), id, &e), 0);
  ASSERT_STR_EQ(id, "file-abc123");
  ASSERT_INT_EQ(sk_batch_parse_file(err, strlen(err), id, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "Invalid file format");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_parse_file("{\"id\":\"a\\u0000b\"}", 17, id, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "NUL");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_parse_file("{\"id\":7}", 8, id, &e), SK_EPARSE);
  ASSERT_INT_EQ(sk_batch_parse_file("nope", 4, id, &e), SK_EPARSE);
  ASSERT_INT_EQ(sk_batch_parse_file(NULL, 0, id, &e), SK_EPARSE);
}

/* ---- URLs -----------------------------------------------------------------
 */

/* The URL of one operation, or "ERR" when refused. */
static char g_made[600];
static const char *op_url(enum sk_batch_api api, enum sk_batch_url which,
                          const struct sk_wire_request *w, const char *ref) {
  struct sk_error e;
  char *url = NULL;
  sk_error_clear(&e);
  if (sk_batch_url(api, which, w, ref, &url, &e) != 0) {
    snprintf(g_made, sizeof(g_made), "ERR %s", e.msg);
    return g_made;
  }
  snprintf(g_made, sizeof(g_made), "%s", url);
  free(url);
  return g_made;
}

TEST(urls_for_each_operation) {
  struct sk_wire_request w =
      sample("https://gw.example/openai/v1/chat/completions?team=7", "{}");

  ASSERT_STR_EQ(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_STATUS, &w, "batch_abc"),
                "https://gw.example/openai/v1/batches/batch_abc?team=7");
  ASSERT_STR_EQ(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_CANCEL, &w, "batch_abc"),
                "https://gw.example/openai/v1/batches/batch_abc/cancel?team=7");
  ASSERT_STR_EQ(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_LIST, &w, NULL),
                "https://gw.example/openai/v1/batches?team=7&limit=100");
  ASSERT_STR_EQ(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_RESULTS, &w, "file-o1"),
                "https://gw.example/openai/v1/files/file-o1/content?team=7");
  ASSERT_STR_EQ(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_ERRORS, &w, "file-e1"),
                "https://gw.example/openai/v1/files/file-e1/content?team=7");

  w = anthropic_sample();
  ASSERT_STR_EQ(
      op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_STATUS, &w, "msgbatch_01"),
      "https://api.anthropic.com/v1/messages/batches/msgbatch_01");
  ASSERT_STR_EQ(
      op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_CANCEL, &w, "msgbatch_01"),
      "https://api.anthropic.com/v1/messages/batches/msgbatch_01/cancel");
  ASSERT_STR_EQ(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_LIST, &w, NULL),
                "https://api.anthropic.com/v1/messages/batches?limit=100");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_ERRORS, &w, "x"),
                  "ERR");

  w = gemini_sample();
  ASSERT_STR_EQ(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_STATUS, &w, "batches/123"),
                "https://generativelanguage.googleapis.com/v1beta/batches/123");
  ASSERT_STR_EQ(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_CANCEL, &w, "batches/123"),
                "https://generativelanguage.googleapis.com/v1beta/batches/"
                "123:cancel");
  ASSERT_STR_EQ(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_LIST, &w, NULL),
                "https://generativelanguage.googleapis.com/v1beta/batches?"
                "pageSize=100");
  ASSERT_STR_EQ(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_RESULTS, &w, "files/r-1"),
                "https://generativelanguage.googleapis.com/download/v1beta/"
                "files/r-1:download?alt=media");
  w = sample("https://gw.example/g/v1beta/models/m:generateContent?k=1", "{}");
  ASSERT_STR_EQ(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_RESULTS, &w, "files/r"),
                "https://gw.example/g/download/v1beta/files/r:download?k=1&"
                "alt=media");
  ASSERT_STR_EQ(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_STATUS, &w, "batches/9"),
                "https://gw.example/g/v1beta/batches/9?k=1");
}

TEST(urls_refuse_bad_ids) {
  struct sk_wire_request w = openai_sample();
  static const char *const BAD[] = {"",    "a/b",   "a?b",      "a#b",
                                    "a b", "a\tb",  "a\nb",     "..",
                                    ".",   "a%2fb", "batches/1"};
  size_t i;

  for (i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
    ASSERT_CONTAINS(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_STATUS, &w, BAD[i]),
                    "ERR");
    ASSERT_CONTAINS(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_RESULTS, &w, BAD[i]),
                    "ERR");
  }
  ASSERT_CONTAINS(op_url(SK_BATCH_OPENAI, SK_BATCH_URL_STATUS, &w, NULL),
                  "ERR");
  w = gemini_sample();
  ASSERT_CONTAINS(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_STATUS, &w, "123"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_GEMINI, SK_BATCH_URL_STATUS, &w, "batches/"),
                  "ERR");
  ASSERT_CONTAINS(
      op_url(SK_BATCH_GEMINI, SK_BATCH_URL_STATUS, &w, "batches/1/x"), "ERR");
  ASSERT_CONTAINS(
      op_url(SK_BATCH_GEMINI, SK_BATCH_URL_RESULTS, &w, "batches/1"), "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_NONE, SK_BATCH_URL_STATUS, &w, "x"), "ERR");
}

TEST(results_url_only_on_the_providers_host) {
  struct sk_wire_request w = anthropic_sample();
  const char *ok = "https://api.anthropic.com/v1/messages/batches/"
                   "msgbatch_01/results";

  ASSERT_STR_EQ(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w, ok), ok);
  ASSERT_STR_EQ(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                       "HTTPS://API.Anthropic.com:443/v1/r"),
                "HTTPS://API.Anthropic.com:443/v1/r");
  /* Another host, port or scheme, a user part that hides the host, or no
   * URL at all: the key would go where it must not. */
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://evil.example/v1/messages/batches/x/results"),
                  "not on the provider's own host");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com.evil.example/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com:8443/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "http://api.anthropic.com/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com@evil.example/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com:x@evil.example/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w, "/v1/r"),
                  "ERR");
  /* Read two ways by two parsers: refused. */
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com:/443@evil.example/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com\\@evil.example/r"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "https://api.anthropic.com/r x"),
                  "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w, ""),
                  "ERR");
  /* Through a gateway on another port, its own port is the one; its query
   * goes along. */
  w = sample("http://127.0.0.1:8080/anthropic/v1/messages?tok=1", "{}");
  ASSERT_STR_EQ(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                       "http://127.0.0.1:8080/anthropic/v1/r"),
                "http://127.0.0.1:8080/anthropic/v1/r?tok=1");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "http://127.0.0.1/anthropic/v1/r"),
                  "ERR");
  /* An IPv6 literal's colons are not a port's. */
  w = sample("http://[::1]:8080/v1/messages", "{}");
  ASSERT_STR_EQ(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                       "http://[::1]:8080/v1/r"),
                "http://[::1]:8080/v1/r");
  ASSERT_CONTAINS(
      op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w, "http://[::1]/v1/r"),
      "ERR");
  ASSERT_CONTAINS(op_url(SK_BATCH_ANTHROPIC, SK_BATCH_URL_RESULTS, &w,
                         "http://[::2]:8080/v1/r"),
                  "ERR");
}

/* ---- status ----------------------------------------------------------------
 */

/* An OpenAI batch object in state word. */
static char g_doc[2048];
static const char *openai_batch(const char *word) {
  snprintf(g_doc, sizeof(g_doc),
           "{\"id\":\"batch_abc123\",\"object\":\"batch\",\"endpoint\":\"/v1/"
           "chat/completions\",\"errors\":null,\"input_file_id\":\"file-in\","
           "\"completion_window\":\"24h\",\"status\":\"%s\","
           "\"output_file_id\":\"file-out\",\"error_file_id\":null,"
           "\"created_at\":1711471533,\"in_progress_at\":1711471538,"
           "\"request_counts\":{\"total\":100,\"completed\":95,\"failed\":5},"
           "\"metadata\":{\"shipskip_batch\":\"nightly-7\"}}",
           word);
  return g_doc;
}

TEST(openai_status_every_state) {
  static const struct {
    const char *word;
    enum sk_batch_state state;
  } CASES[] = {
      {"validating", SK_BATCH_PENDING},   {"in_progress", SK_BATCH_RUNNING},
      {"finalizing", SK_BATCH_RUNNING},   {"completed", SK_BATCH_ENDED},
      {"failed", SK_BATCH_FAILED},        {"expired", SK_BATCH_EXPIRED},
      {"cancelling", SK_BATCH_CANCELING}, {"cancelled", SK_BATCH_CANCELED}};
  struct sk_batch_status st;
  struct sk_error e;
  size_t i;

  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    ASSERT_INT_EQ(status(SK_BATCH_OPENAI, openai_batch(CASES[i].word), &st, &e),
                  0);
    ASSERT_INT_EQ(st.state, CASES[i].state);
    ASSERT_STR_EQ(st.remote_state, CASES[i].word);
  }
  ASSERT_STR_EQ(st.id, "batch_abc123");
  ASSERT_INT_EQ(st.total, 100);
  ASSERT_INT_EQ(st.succeeded, 95);
  ASSERT_INT_EQ(st.errored, 5);
  ASSERT_INT_EQ(st.expired, -1);
  ASSERT_INT_EQ(st.processing, -1);
  ASSERT_STR_EQ(st.output_ref, "file-out");
  ASSERT_STR_EQ(st.error_ref, "");
  ASSERT_STR_EQ(st.input_ref, "file-in");
  ASSERT_STR_EQ(st.label, "nightly-7");
  ASSERT_INT_EQ(st.created_unix, 1711471533);
  ASSERT_INT_EQ(st.results_inline, 0);
  ASSERT_STR_EQ(st.reason, "");
  ASSERT_INT_EQ(status(SK_BATCH_OPENAI, openai_batch("paused"), &st, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "unknown status \"paused\"");
}

TEST(openai_status_failed_with_reason) {
  const char doc[] =
      "{\"id\":\"batch_x\",\"object\":\"batch\",\"status\":\"failed\","
      "\"errors\":{\"object\":\"list\",\"data\":[{\"code\":\"invalid_json_line"
      "\",\"message\":\"This line is not parseable as valid JSON.\","
      "\"param\":null,\"line\":12}]},\"output_file_id\":null,"
      "\"error_file_id\":null,\"request_counts\":{\"total\":0,\"completed\":0,"
      "\"failed\":0}}";
  struct sk_batch_status st;
  struct sk_error e;

  ASSERT_INT_EQ(status(SK_BATCH_OPENAI, doc, &st, &e), 0);
  ASSERT_INT_EQ(st.state, SK_BATCH_FAILED);
  ASSERT_STR_EQ(st.reason,
                "This line is not parseable as valid JSON. (line 12)");
  ASSERT_STR_EQ(st.output_ref, "");
  ASSERT_STR_EQ(st.label, "");
  ASSERT_INT_EQ(st.created_unix, -1);
}

TEST(anthropic_status_every_state) {
  const char running[] =
      "{\"id\":\"msgbatch_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message_"
      "batch\","
      "\"processing_status\":\"in_progress\",\"request_counts\":{"
      "\"processing\":2,\"succeeded\":0,\"errored\":0,\"canceled\":0,"
      "\"expired\":0},\"ended_at\":null,\"created_at\":\"2024-09-24T18:37:24."
      "100435Z\",\"expires_at\":\"2024-09-25T18:37:24.100435Z\","
      "\"cancel_initiated_at\":null,\"results_url\":null}";
  const char ended[] =
      "{\"id\":\"msgbatch_01\",\"type\":\"message_batch\",\"processing_"
      "status\":"
      "\"ended\",\"request_counts\":{\"processing\":0,\"succeeded\":50,"
      "\"errored\":30,\"canceled\":10,\"expired\":10},\"archived_at\":null,"
      "\"cancel_initiated_at\":null,\"created_at\":\"2024-08-20T18:37:24Z\","
      "\"ended_at\":\"2024-08-20T19:37:24Z\",\"results_url\":\"https://"
      "api.anthropic.com/v1/messages/batches/msgbatch_01/results\"}";
  const char canceled[] =
      "{\"id\":\"msgbatch_02\",\"type\":\"message_batch\",\"processing_"
      "status\":"
      "\"ended\",\"request_counts\":{\"processing\":0,\"succeeded\":1,"
      "\"errored\":0,\"canceled\":3,\"expired\":0},\"cancel_initiated_at\":"
      "\"2024-08-20T18:40:00+02:00\",\"results_url\":\"https://"
      "api.anthropic.com/v1/messages/batches/msgbatch_02/results\"}";
  const char canceling[] =
      "{\"id\":\"msgbatch_03\",\"type\":\"message_batch\",\"processing_"
      "status\":"
      "\"canceling\",\"cancel_initiated_at\":\"2024-08-20T18:40:00Z\"}";
  struct sk_batch_status st;
  struct sk_error e;

  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC, running, &st, &e), 0);
  ASSERT_INT_EQ(st.state, SK_BATCH_RUNNING);
  ASSERT_STR_EQ(st.remote_state, "in_progress");
  ASSERT_STR_EQ(st.id, "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF");
  ASSERT_INT_EQ(st.processing, 2);
  ASSERT_INT_EQ(st.total, 2);
  ASSERT_STR_EQ(st.output_ref, "");
  ASSERT_INT_EQ(st.created_unix, 1727203044);

  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC, ended, &st, &e), 0);
  ASSERT_INT_EQ(st.state, SK_BATCH_ENDED);
  ASSERT_INT_EQ(st.total, 100);
  ASSERT_INT_EQ(st.succeeded, 50);
  ASSERT_INT_EQ(st.errored, 30);
  ASSERT_INT_EQ(st.canceled, 10);
  ASSERT_INT_EQ(st.expired, 10);
  ASSERT_STR_EQ(st.output_ref, "https://api.anthropic.com/v1/messages/batches/"
                               "msgbatch_01/results");
  ASSERT_INT_EQ(st.created_unix, 1724179044);

  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC, canceled, &st, &e), 0);
  ASSERT_INT_EQ(st.state, SK_BATCH_CANCELED);
  ASSERT_STR_EQ(st.remote_state, "ended");

  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC, canceling, &st, &e), 0);
  ASSERT_INT_EQ(st.state, SK_BATCH_CANCELING);
  ASSERT_INT_EQ(st.total, -1);
  ASSERT_INT_EQ(st.succeeded, -1);
}

/* A Gemini operation in state word, done or not, with tail after. */
static const char *gemini_op(const char *word, const char *done,
                             const char *tail) {
  snprintf(g_doc, sizeof(g_doc),
           "{\"name\":\"batches/123\",\"metadata\":{\"@type\":\"type."
           "googleapis.com/google.ai.generativelanguage.v1main."
           "GenerateContentBatch\",\"model\":\"models/gemini-2.5-flash\","
           "\"displayName\":\"nightly-7\",\"createTime\":\"2025-07-01T10:00:"
           "00.123456Z\",\"batchStats\":{\"requestCount\":\"2\","
           "\"successfulRequestCount\":\"1\",\"failedRequestCount\":\"1\","
           "\"pendingRequestCount\":\"0\"},\"state\":\"%s\",\"name\":"
           "\"batches/123\"},\"done\":%s%s}",
           word, done, tail);
  return g_doc;
}

TEST(gemini_status_every_state) {
  static const struct {
    const char *word;
    enum sk_batch_state state;
  } CASES[] = {{"BATCH_STATE_PENDING", SK_BATCH_PENDING},
               {"BATCH_STATE_RUNNING", SK_BATCH_RUNNING},
               {"BATCH_STATE_SUCCEEDED", SK_BATCH_ENDED},
               {"BATCH_STATE_FAILED", SK_BATCH_FAILED},
               {"BATCH_STATE_CANCELLED", SK_BATCH_CANCELED},
               {"BATCH_STATE_EXPIRED", SK_BATCH_EXPIRED},
               {"JOB_STATE_SUCCEEDED", SK_BATCH_ENDED},
               {"JOB_STATE_RUNNING", SK_BATCH_RUNNING}};
  struct sk_batch_status st;
  struct sk_error e;
  size_t i;

  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    ASSERT_INT_EQ(
        status(SK_BATCH_GEMINI, gemini_op(CASES[i].word, "false", ""), &st, &e),
        0);
    ASSERT_INT_EQ(st.state, CASES[i].state);
    ASSERT_STR_EQ(st.remote_state, CASES[i].word);
  }
  ASSERT_STR_EQ(st.id, "batches/123");
  ASSERT_STR_EQ(st.label, "nightly-7");
  ASSERT_INT_EQ(st.total, 2);
  ASSERT_INT_EQ(st.succeeded, 1);
  ASSERT_INT_EQ(st.errored, 1);
  ASSERT_INT_EQ(st.processing, 0);
  ASSERT_INT_EQ(st.created_unix, 1751364000);
  ASSERT_INT_EQ(st.results_inline, 0);
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       gemini_op("BATCH_STATE_UNSPECIFIED", "false", ""), &st,
                       &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "unknown state");
}

TEST(gemini_status_done_and_failed) {
  const char create[] =
      "{\"name\":\"batches/abc\",\"metadata\":{\"@type\":\"type.googleapis."
      "com/google.ai.generativelanguage.v1main.GenerateContentBatch\","
      "\"model\":\"models/gemini-2.5-flash\",\"display_name\":\"n\","
      "\"state\":\"BATCH_STATE_PENDING\",\"batch_stats\":{\"request_count\":"
      "\"3\",\"pending_request_count\":\"3\"}}}";
  struct sk_batch_status st;
  struct sk_error e;

  ASSERT_INT_EQ(status(SK_BATCH_GEMINI, create, &st, &e), 0);
  ASSERT_INT_EQ(st.state, SK_BATCH_PENDING);
  ASSERT_STR_EQ(st.label, "n");
  ASSERT_INT_EQ(st.total, 3);
  ASSERT_INT_EQ(st.processing, 3);
  ASSERT_INT_EQ(st.succeeded, -1);

  ASSERT_INT_EQ(
      status(SK_BATCH_GEMINI,
             gemini_op("BATCH_STATE_SUCCEEDED", "true",
                       ",\"response\":{\"@type\":\"type.googleapis.com/"
                       "google.ai.generativelanguage.v1main."
                       "GenerateContentBatchOutput\",\"inlinedResponses\":{"
                       "\"inlinedResponses\":[]}}"),
             &st, &e),
      0);
  ASSERT_INT_EQ(st.results_inline, 1);
  ASSERT_STR_EQ(st.output_ref, "");
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       gemini_op("BATCH_STATE_SUCCEEDED", "true",
                                 ",\"response\":{\"responsesFile\":"
                                 "\"files/batch-123\"}"),
                       &st, &e),
                0);
  ASSERT_INT_EQ(st.results_inline, 0);
  ASSERT_STR_EQ(st.output_ref, "files/batch-123");
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       gemini_op("BATCH_STATE_FAILED", "true",
                                 ",\"error\":{\"code\":3,\"message\":"
                                 "\"Invalid request\\nat line 2\"}"),
                       &st, &e),
                0);
  ASSERT_INT_EQ(st.state, SK_BATCH_FAILED);
  ASSERT_STR_EQ(st.reason, "Invalid request at line 2");
  /* No state, but done with an error: failed; done without: ended. */
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       "{\"name\":\"batches/1\",\"done\":true,\"error\":{"
                       "\"code\":13,\"message\":\"boom\"}}",
                       &st, &e),
                0);
  ASSERT_INT_EQ(st.state, SK_BATCH_FAILED);
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI, "{\"name\":\"batches/1\"}", &st, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "no metadata.state");
}

/* ---- lists ------------------------------------------------------------------
 */

struct listed {
  int n;
  char ids[4][400];
  int stop_after;
};

static int list_cb(void *ctx, const struct sk_batch_status *s) {
  struct listed *l = ctx;
  if (l->n < 4)
    snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s/%s", s->id, s->label);
  l->n++;
  return l->stop_after > 0 && l->n >= l->stop_after ? 5 : 0;
}

TEST(lists) {
  char doc[8192];
  struct listed l;
  struct sk_error e;

  snprintf(doc, sizeof(doc),
           "{\"object\":\"list\",\"data\":[%s,{\"id\":\"batch_2\",\"status\":"
           "\"completed\"}],\"first_id\":\"batch_abc123\",\"last_id\":"
           "\"batch_2\",\"has_more\":true}",
           openai_batch("in_progress"));
  memset(&l, 0, sizeof(l));
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_batch_parse_list(SK_BATCH_OPENAI, doc, strlen(doc), list_cb, &l, &e),
      0);
  ASSERT_INT_EQ(l.n, 2);
  ASSERT_STR_EQ(l.ids[0], "batch_abc123/nightly-7");
  ASSERT_STR_EQ(l.ids[1], "batch_2/");
  memset(&l, 0, sizeof(l));
  l.stop_after = 1;
  ASSERT_INT_EQ(
      sk_batch_parse_list(SK_BATCH_OPENAI, doc, strlen(doc), list_cb, &l, &e),
      5);
  ASSERT_INT_EQ(l.n, 1);

  snprintf(doc, sizeof(doc),
           "{\"data\":[{\"id\":\"msgbatch_1\",\"type\":\"message_batch\","
           "\"processing_status\":\"ended\"}],\"has_more\":false,"
           "\"first_id\":\"msgbatch_1\",\"last_id\":\"msgbatch_1\"}");
  memset(&l, 0, sizeof(l));
  ASSERT_INT_EQ(sk_batch_parse_list(SK_BATCH_ANTHROPIC, doc, strlen(doc),
                                    list_cb, &l, &e),
                0);
  ASSERT_INT_EQ(l.n, 1);
  ASSERT_STR_EQ(l.ids[0], "msgbatch_1/");

  snprintf(doc, sizeof(doc), "{\"operations\":[%s],\"nextPageToken\":\"t\"}",
           gemini_op("BATCH_STATE_RUNNING", "false", ""));
  memset(&l, 0, sizeof(l));
  ASSERT_INT_EQ(
      sk_batch_parse_list(SK_BATCH_GEMINI, doc, strlen(doc), list_cb, &l, &e),
      0);
  ASSERT_INT_EQ(l.n, 1);
  ASSERT_STR_EQ(l.ids[0], "batches/123/nightly-7");
  memset(&l, 0, sizeof(l));
  ASSERT_INT_EQ(sk_batch_parse_list(SK_BATCH_GEMINI, "{}", 2, list_cb, &l, &e),
                0);
  ASSERT_INT_EQ(l.n, 0);

  /* A bad item refuses the list, naming it. */
  sk_error_clear(&e);
  snprintf(doc, sizeof(doc),
           "{\"data\":[{\"id\":\"b\",\"status\":"
           "\"completed\"},{\"id\":5}]}");
  ASSERT_INT_EQ(
      sk_batch_parse_list(SK_BATCH_OPENAI, doc, strlen(doc), list_cb, &l, &e),
      SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "item 1");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_batch_parse_list(SK_BATCH_ANTHROPIC, "{\"data\":{}}", 11,
                                    list_cb, &l, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "no array");
}

/* ---- results ----------------------------------------------------------------
 */

TEST(openai_results) {
  const char out[] =
      "{\"id\":\"batch_req_1\",\"custom_id\":\"r1\",\"response\":{"
      "\"status_code\":200,\"request_id\":\"req_1\",\"body\":{\"id\":"
      "\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":"
      "0,\"message\":{\"role\":\"assistant\",\"content\":\"SCORE: 70/100\"},"
      "\"finish_reason\":\"stop\"}]}},\"error\":null}\n"
      "{\"id\":\"batch_req_2\",\"custom_id\":\"r2\",\"response\":{"
      "\"status_code\":400,\"request_id\":\"req_2\",\"body\":{\"error\":{"
      "\"message\":\"bad\",\"type\":\"invalid_request_error\"}}},\"error\":"
      "null}\r\n\n";
  const char errs[] =
      "{\"id\":\"batch_req_3\",\"custom_id\":\"r3\",\"response\":null,"
      "\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could "
      "not be executed before the completion window expired.\"}}\n"
      "{\"id\":\"batch_req_4\",\"custom_id\":\"r4\",\"response\":null,"
      "\"error\":{\"code\":\"batch_cancelled\",\"message\":\"This request was "
      "cancelled.\"}}\n"
      "{\"id\":\"batch_req_5\",\"custom_id\":\"r5\",\"response\":null,"
      "\"error\":{\"code\":\"server_error\",\"message\":\"oops\"}}\n"
      "{\"id\":\"batch_req_6\",\"custom_id\":\"r6\",\"response\":null,"
      "\"error\":{\"code\":\"invalid_request\",\"message\":\"no\"}}";
  struct seen s;
  struct sk_error e;
  long bad = -1;

  ASSERT_INT_EQ(results(SK_BATCH_OPENAI, out, &s, &bad, &e), 0);
  ASSERT_INT_EQ(bad, 0);
  ASSERT_INT_EQ(s.n, 2);
  ASSERT_STR_EQ(s.id[0], "r1");
  ASSERT_INT_EQ(s.kind[0], SK_BATCH_RESULT_ANSWER);
  ASSERT_INT_EQ(s.status[0], 200);
  ASSERT_STR_EQ(s.body[0],
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
                "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                "\"content\":\"SCORE: 70/100\"},\"finish_reason\":\"stop\"}]}");
  ASSERT_INT_EQ(s.line[0], 1);
  ASSERT_INT_EQ(s.status[1], 400);
  ASSERT_CONTAINS(s.body[1], "invalid_request_error");
  ASSERT_INT_EQ(s.line[1], 2);

  ASSERT_INT_EQ(results(SK_BATCH_OPENAI, errs, &s, &bad, &e), 0);
  ASSERT_INT_EQ(s.n, 4);
  ASSERT_INT_EQ(s.kind[0], SK_BATCH_RESULT_EXPIRED);
  ASSERT_STR_EQ(s.id[0], "r3");
  ASSERT_INT_EQ(s.kind[1], SK_BATCH_RESULT_CANCELED);
  ASSERT_INT_EQ(s.kind[2], SK_BATCH_RESULT_ERROR);
  ASSERT_STR_EQ(s.message[2], "server_error: oops");
  ASSERT_INT_EQ(s.retry[2], 1);
  ASSERT_INT_EQ(s.kind[3], SK_BATCH_RESULT_ERROR);
  ASSERT_INT_EQ(s.retry[3], 0);
  ASSERT_INT_EQ(s.line[3], 4);

  /* The callback stops the reading with its own value. */
  memset(&s, 0, sizeof(s));
  s.stop_after = 1;
  ASSERT_INT_EQ(sk_batch_parse_results(SK_BATCH_OPENAI, errs, strlen(errs),
                                       collect, &s, &bad, &e),
                7);
  ASSERT_INT_EQ(s.n, 1);
}

TEST(anthropic_results) {
  const char doc[] =
      "{\"custom_id\":\"a1\",\"result\":{\"type\":\"succeeded\",\"message\":{"
      "\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":"
      "\"end_turn\",\"usage\":{\"input_tokens\":10,\"output_tokens\":2}}}}\n"
      "{\"custom_id\":\"a2\",\"result\":{\"type\":\"errored\",\"error\":{"
      "\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
      "\"message\":\"max_tokens: too big\"}}}}\n"
      "{\"custom_id\":\"a3\",\"result\":{\"type\":\"errored\",\"error\":{"
      "\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}\n"
      "{\"custom_id\":\"a4\",\"result\":{\"type\":\"errored\",\"error\":{"
      "\"type\":\"error\",\"error\":{\"type\":\"mystery_error\",\"message\":"
      "\"what\"}}}}\n"
      "{\"custom_id\":\"a5\",\"result\":{\"type\":\"expired\"}}\n"
      "{\"custom_id\":\"a6\",\"result\":{\"type\":\"canceled\"}}\n";
  struct seen s;
  struct sk_error e;
  long bad = -1;

  ASSERT_INT_EQ(results(SK_BATCH_ANTHROPIC, doc, &s, &bad, &e), 0);
  ASSERT_INT_EQ(bad, 0);
  ASSERT_INT_EQ(s.n, 6);
  ASSERT_INT_EQ(s.kind[0], SK_BATCH_RESULT_ANSWER);
  ASSERT_INT_EQ(s.status[0], 200);
  ASSERT_STR_EQ(s.body[0],
                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
                "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":10,"
                "\"output_tokens\":2}}");
  ASSERT_INT_EQ(s.kind[1], SK_BATCH_RESULT_ANSWER);
  ASSERT_INT_EQ(s.status[1], 400);
  ASSERT_STR_EQ(s.body[1], "{\"type\":\"error\",\"error\":{\"type\":"
                           "\"invalid_request_error\",\"message\":"
                           "\"max_tokens: too big\"}}");
  /* The bare error shape is wrapped as the online body is. */
  ASSERT_INT_EQ(s.status[2], 529);
  ASSERT_STR_EQ(s.body[2], "{\"type\":\"error\",\"error\":{\"type\":"
                           "\"overloaded_error\",\"message\":\"Overloaded\"}}");
  ASSERT_INT_EQ(s.kind[3], SK_BATCH_RESULT_ERROR);
  ASSERT_STR_EQ(s.message[3], "mystery_error: what");
  ASSERT_INT_EQ(s.retry[3], 1);
  ASSERT_INT_EQ(s.kind[4], SK_BATCH_RESULT_EXPIRED);
  ASSERT_STR_EQ(s.id[4], "a5");
  ASSERT(s.message[4][0] != '\0');
  ASSERT_INT_EQ(s.kind[5], SK_BATCH_RESULT_CANCELED);
  ASSERT_INT_EQ(s.line[5], 6);
}

TEST(gemini_results_inline_and_file) {
  const char op[] =
      "{\"name\":\"batches/123\",\"done\":true,\"metadata\":{\"state\":"
      "\"BATCH_STATE_SUCCEEDED\"},\"response\":{\"@type\":\"type.googleapis."
      "com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput\","
      "\"inlinedResponses\":{\"inlinedResponses\":["
      "{\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
      "\"ok\"}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
      "\"usageMetadata\":{\"promptTokenCount\":3}},\"metadata\":{\"key\":"
      "\"g1\"}},"
      "{\"error\":{\"code\":429,\"message\":\"Resource exhausted\",\"status\":"
      "\"RESOURCE_EXHAUSTED\"},\"metadata\":{\"key\":\"g2\"}},"
      "{\"error\":{\"message\":\"internal\",\"status\":\"INTERNAL\"},"
      "\"metadata\":{\"key\":\"g3\"}},"
      "{\"response\":{}},"
      "7]}}}";
  const char snake[] =
      "{\"name\":\"batches/1\",\"done\":true,\"response\":{"
      "\"inlined_responses\":{\"inlined_responses\":[{\"response\":{},"
      "\"metadata\":{\"key\":\"s1\"}}]}}}";
  const char file[] = "{\"key\":\"f1\",\"response\":{\"candidates\":[]}}\n"
                      "{\"key\":\"f2\",\"error\":{\"code\":400,\"message\":"
                      "\"bad\",\"status\":\"INVALID_ARGUMENT\"}}\n";
  struct seen s;
  struct sk_error e;
  long bad = -1;

  ASSERT_INT_EQ(results(SK_BATCH_GEMINI, op, &s, &bad, &e), 0);
  ASSERT_INT_EQ(s.n, 3);
  ASSERT_STR_EQ(s.id[0], "g1");
  ASSERT_INT_EQ(s.status[0], 200);
  ASSERT_STR_EQ(s.body[0],
                "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}],"
                "\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
                "\"usageMetadata\":{\"promptTokenCount\":3}}");
  ASSERT_INT_EQ(s.kind[1], SK_BATCH_RESULT_ANSWER);
  ASSERT_INT_EQ(s.status[1], 429);
  ASSERT_STR_EQ(s.body[1], "{\"error\":{\"code\":429,\"message\":\"Resource "
                           "exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}");
  ASSERT_INT_EQ(s.kind[2], SK_BATCH_RESULT_ERROR);
  ASSERT_INT_EQ(s.retry[2], 1);
  ASSERT_STR_EQ(s.message[2], "internal");
  ASSERT_INT_EQ(s.line[2], 3);
  /* An entry without a key, and one that is no object, are bad. */
  ASSERT_INT_EQ(bad, 2);
  ASSERT_CONTAINS(e.msg, "inlinedResponses[3]");

  ASSERT_INT_EQ(results(SK_BATCH_GEMINI, snake, &s, &bad, &e), 0);
  ASSERT_INT_EQ(s.n, 1);
  ASSERT_STR_EQ(s.id[0], "s1");

  ASSERT_INT_EQ(results(SK_BATCH_GEMINI, file, &s, &bad, &e), 0);
  ASSERT_INT_EQ(s.n, 2);
  ASSERT_STR_EQ(s.id[1], "f2");
  ASSERT_INT_EQ(s.status[1], 400);
  ASSERT_INT_EQ(bad, 0);
  /* One line of a file is a file, not an operation. */
  ASSERT_INT_EQ(results(SK_BATCH_GEMINI, "{\"key\":\"f1\",\"response\":{}}", &s,
                        &bad, &e),
                0);
  ASSERT_INT_EQ(s.n, 1);

  ASSERT_INT_EQ(
      results(SK_BATCH_GEMINI,
              "{\"name\":\"batches/1\",\"done\":false,\"metadata\":{}}", &s,
              &bad, &e),
      SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "no inlinedResponses");
  ASSERT_INT_EQ(results(SK_BATCH_GEMINI,
                        "{\"error\":{\"code\":404,\"message\":\"Batch not "
                        "found\",\"status\":\"NOT_FOUND\"}}",
                        &s, &bad, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "Batch not found");
}

TEST(bad_lines_counted_with_their_numbers) {
  const char doc[] =
      "{\"custom_id\":\"r1\",\"response\":{\"status_code\":200,\"body\":{}}}\n"
      "not json\n"
      "\n"
      "{\"custom_id\":\"r 3\",\"response\":{\"status_code\":200,\"body\":{}}}\n"
      "{\"custom_id\":\"r4\",\"response\":{\"status_code\":200,\"body\":{}}}\n"
      "[1,2]\n"
      "{\"custom_id\":\"r7\",\"response\":{\"status_code\":9999,\"body\":{}}}\n"
      "{\"custom_id\":\"r8\",\"response\":{\"status_code\":200,\"body\":{"
      "\"x\":\"a\\u0000b\"}}}\n"
      "{\"custom_id\":\"r9\"}\n"
      "{\"custom_id\":\"r10\",\"response\":{\"status_code\":200,\"body\":{}}} "
      "x\n";
  struct seen s;
  struct sk_error e;
  long bad = 0;

  ASSERT_INT_EQ(results(SK_BATCH_OPENAI, doc, &s, &bad, &e), 0);
  ASSERT_INT_EQ(s.n, 2);
  ASSERT_STR_EQ(s.id[0], "r1");
  ASSERT_STR_EQ(s.id[1], "r4");
  ASSERT_INT_EQ(s.line[1], 5);
  ASSERT_INT_EQ(bad, 7);
  ASSERT_CONTAINS(e.msg, "line 2:");
  ASSERT_CONTAINS(e.msg, "not a JSON object");

  /* A raw NUL byte inside a line: that line only. */
  {
    const char nul[] =
        "{\"custom_id\":\"r1\",\"result\":{\"type\":\"expired\"}}"
        "\n{\"custom_id\":\"r\0\",\"result\":{}}\n"
        "{\"custom_id\":\"r3\",\"result\":{\"type\":\"canceled"
        "\"}}\n";
    memset(&s, 0, sizeof(s));
    sk_error_clear(&e);
    ASSERT_INT_EQ(sk_batch_parse_results(SK_BATCH_ANTHROPIC, nul,
                                         sizeof(nul) - 1, collect, &s, &bad,
                                         &e),
                  0);
    ASSERT_INT_EQ(s.n, 2);
    ASSERT_INT_EQ(bad, 1);
    ASSERT_CONTAINS(e.msg, "line 2: holds a NUL byte");
  }
}

/* ---- hostile input ----------------------------------------------------------
 */

TEST(hostile_status_refused) {
  static const char *const DOCS[] = {
      "",
      "not json",
      "[]",
      "null",
      "{\"id\":\"batch_1\"}",
      "{\"id\":\"\",\"status\":\"completed\"}",
      "{\"id\":7,\"status\":\"completed\"}",
      "{\"id\":\"b\\u0000x\",\"status\":\"completed\"}",
      "{\"id\":\"b\",\"status\":\"completed\\u0000\"}",
      "{\"id\":\"b\",\"status\":[\"completed\"]}",
      "{\"id\":\"b\",\"status\":\"completed\",\"request_counts\":{\"total\":"
      "1e300}}",
      "{\"id\":\"b\",\"status\":\"completed\",\"request_counts\":{\"total\":"
      "-1}}",
      "{\"id\":\"b\",\"status\":\"completed\",\"request_counts\":{\"failed\":"
      "1.5}}",
      "{\"id\":\"b\",\"status\":\"completed\",\"request_counts\":7}",
      "{\"id\":\"b\",\"status\":\"completed\",\"output_file_id\":5}",
      "{\"id\":\"b\",\"status\":\"completed\"} trailing",
      "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":"
      "\"invalid_request_error\"}}",
  };
  struct sk_batch_status st;
  struct sk_error e;
  char deep[3000];
  size_t i;

  for (i = 0; i < sizeof(DOCS) / sizeof(DOCS[0]); i++) {
    ASSERT_INT_EQ(status(SK_BATCH_OPENAI, DOCS[i], &st, &e), SK_EPARSE);
    ASSERT(e.msg[0] != '\0');
    ASSERT_STR_EQ(st.id, "");
  }
  ASSERT_CONTAINS(e.msg, "Incorrect API key");
  /* A long id is refused, not cut. */
  memset(deep, 'a', 400);
  memcpy(deep, "{\"id\":\"", 7);
  snprintf(deep + 400, sizeof(deep) - 400, "\",\"status\":\"completed\"}");
  ASSERT_INT_EQ(status(SK_BATCH_OPENAI, deep, &st, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "longer than");
  /* Nesting past cJSON's limit is not JSON. */
  for (i = 0; i < 1500; i++)
    deep[i] = '[';
  deep[i] = '\0';
  ASSERT_INT_EQ(status(SK_BATCH_OPENAI, deep, &st, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "not JSON");

  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC,
                       "{\"type\":\"error\",\"error\":{\"type\":"
                       "\"not_found_error\",\"message\":\"No batch\"}}",
                       &st, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "No batch");
  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC,
                       "{\"id\":\"m\",\"processing_status\":\"ended\","
                       "\"request_counts\":{\"succeeded\":\"12\"}}",
                       &st, &e),
                0); /* a digit string is a count wherever it comes */
  ASSERT_INT_EQ(st.succeeded, 12);
  ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC,
                       "{\"id\":\"m\",\"processing_status\":\"ended\","
                       "\"request_counts\":{\"succeeded\":\"12x\"}}",
                       &st, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "request_counts.succeeded");
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       "{\"name\":\"operations/1\",\"metadata\":{\"state\":"
                       "\"BATCH_STATE_RUNNING\"}}",
                       &st, &e),
                SK_EPARSE);
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       "{\"name\":\"batches/1\",\"done\":\"yes\",\"metadata\":"
                       "{\"state\":\"BATCH_STATE_RUNNING\"}}",
                       &st, &e),
                SK_EPARSE);
  ASSERT_INT_EQ(status(SK_BATCH_GEMINI,
                       "{\"name\":\"batches/1\",\"metadata\":{\"state\":"
                       "\"BATCH_STATE_RUNNING\",\"batchStats\":{"
                       "\"requestCount\":\"99999999999999999999\"}}}",
                       &st, &e),
                SK_EPARSE);
  ASSERT_INT_EQ(status(SK_BATCH_NONE, "{}", &st, &e), SK_EPARSE);
}

TEST(hostile_results_refused) {
  struct seen s;
  struct sk_error e;
  long bad = 0;

  /* Not JSON at all is every line bad, never a crash. */
  ASSERT_INT_EQ(results(SK_BATCH_OPENAI, "\x01\x02\n{{{\n\"x\"", &s, &bad, &e),
                0);
  ASSERT_INT_EQ(bad, 3);
  ASSERT_INT_EQ(s.n, 0);
  ASSERT_INT_EQ(results(SK_BATCH_ANTHROPIC,
                        "{\"custom_id\":\"a\",\"result\":{\"type\":\"nope\"}}\n"
                        "{\"custom_id\":\"a\",\"result\":{\"type\":"
                        "\"succeeded\",\"message\":\"text\"}}\n"
                        "{\"custom_id\":\"a\",\"result\":7}\n"
                        "{\"custom_id\":[\"a\"],\"result\":{\"type\":"
                        "\"expired\"}}\n",
                        &s, &bad, &e),
                0);
  ASSERT_INT_EQ(bad, 4);
  ASSERT_INT_EQ(s.n, 0);
  ASSERT_INT_EQ(results(SK_BATCH_GEMINI, "", &s, &bad, &e), SK_EPARSE);
  ASSERT_INT_EQ(results(SK_BATCH_GEMINI, "garbage", &s, &bad, &e), 0);
  ASSERT_INT_EQ(bad, 1);
  ASSERT_INT_EQ(results(SK_BATCH_NONE, "{}", &s, &bad, &e), SK_EPARSE);
  /* bad_lines may be NULL. */
  memset(&s, 0, sizeof(s));
  ASSERT_INT_EQ(
      sk_batch_parse_results(SK_BATCH_OPENAI, "x\n", 2, collect, &s, NULL, &e),
      0);
  ASSERT_INT_EQ(
      sk_batch_parse_results(SK_BATCH_OPENAI, NULL, 0, collect, &s, NULL, &e),
      0);
}

TEST(rfc3339_times_via_status) {
  struct sk_batch_status st;
  struct sk_error e;
  static const struct {
    const char *time;
    long long unix;
  } CASES[] = {{"1970-01-01T00:00:00Z", 0},
               {"2024-02-29T12:00:00Z", 1709208000},
               {"2024-02-29T12:00:00.5+01:30", 1709202600},
               {"2024-02-29T12:00:00-00:30", 1709209800},
               {"2024-13-01T00:00:00Z", -1},
               {"2024-02-29 12:00:00", -1},
               {"2024-02-29T12:00:00+1:00", -1},
               {"yesterday", -1}};
  char doc[256];
  size_t i;

  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    snprintf(doc, sizeof(doc),
             "{\"id\":\"m\",\"processing_status\":\"ended\",\"created_at\":"
             "\"%s\"}",
             CASES[i].time);
    ASSERT_INT_EQ(status(SK_BATCH_ANTHROPIC, doc, &st, &e), 0);
    ASSERT_INT_EQ(st.created_unix, CASES[i].unix);
  }
}

int main(void) {
  RUN(apis_limits_and_ids);
  RUN(lines_for_each_api);
  RUN(lines_refused);
  RUN(create_bodies);
  RUN(create_refused);
  RUN(multipart_upload);
  RUN(uploaded_file);
  RUN(urls_for_each_operation);
  RUN(urls_refuse_bad_ids);
  RUN(results_url_only_on_the_providers_host);
  RUN(openai_status_every_state);
  RUN(openai_status_failed_with_reason);
  RUN(anthropic_status_every_state);
  RUN(gemini_status_every_state);
  RUN(gemini_status_done_and_failed);
  RUN(lists);
  RUN(openai_results);
  RUN(anthropic_results);
  RUN(gemini_results_inline_and_file);
  RUN(bad_lines_counted_with_their_numbers);
  RUN(hostile_status_refused);
  RUN(hostile_results_refused);
  RUN(rfc3339_times_via_status);
  return TEST_REPORT();
}
