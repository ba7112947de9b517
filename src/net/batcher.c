/* batcher.c: requests sent through the providers' batch APIs (see
 * batcher.h).
 *
 * Three kinds of thing:
 * - a group: requests of one provider (and model, for Gemini) queued until
 *   they are sealed into a batch;
 * - a run batch (struct rbatch): a batch of the book (batchbook.h) that
 *   this run works on, with the requests waiting for it and at most one
 *   control operation at a time (upload, create, poll, download, find),
 *   driven by one timer;
 * - a waiter: one request, queued in a group and then waiting in a batch,
 *   answered exactly once.
 *
 * Each operation is: write the step to the book (fsync), send, and on the
 * answer write the next step. A control request that fails in a way that
 * can pass (no answer, 429, 5xx) is tried again after a doubling pause for
 * up to max_retry_time; anything else ends the batch with its reason.
 */
#include "shipskip/net/batcher.h"
#include "shipskip/net/fixture.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/list.h"
#include "shipskip/util/sha256.h"
#include "shipskip/util/strmap.h"

#include <signal.h>
#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESULTS_CAP ((size_t)1 << 30) /* a results document: 1 GB at most */
#define BODY_MARGIN 4096 /* what the create body adds around the lines */

enum op {
  OP_NONE = 0,
  OP_UPLOAD,
  OP_CREATE,
  OP_POLL,
  OP_RESULTS,
  OP_FIND,
  OP_DISPATCH
};

static const char *const op_names[] = {"none",    "upload", "create",  "status",
                                       "results", "list",   "dispatch"};

struct group {
  struct sk_list node; /* b->groups */
  const struct sk_batcher_provider *p;
  struct sk_wire_request sample; /* this group's own (Gemini: the model) */
  struct sk_buf lines;
  struct sk_list queued; /* waiters */
  size_t nqueued;
};

struct rbatch {
  struct sk_list node; /* b->batches */
  struct sk_batcher *b;
  struct sk_bbatch *bb; /* owned by the book */
  const struct sk_batcher_provider *p;
  const struct sk_wire_request *sample; /* its group's, or the provider's */
  char *lines;                          /* until created */
  size_t lines_len;
  struct sk_list waiters;
  size_t nwaiters;
  uv_timer_t timer;
  enum op op;     /* scheduled or under way */
  int busy;       /* a control request is in flight */
  int read_once;  /* its state was read in this run */
  unsigned polls; /* status and list reads sent, each its own fixture
                     occurrence (a retried read is another exchange) */
  unsigned still; /* reads in a row without a change: the backoff */
  uint64_t fail_since;
  unsigned fails;
  int next_result; /* OP_RESULTS: which document is next (0, 1) */
  int found;       /* taken from the provider's list (not known by id):
                      its results must name our requests to be ours */
  size_t matched;  /* results handed to our requests while dispatching */
  uint64_t created_ms;
};

struct waiter {
  struct sk_list node;
  struct rbatch *rb; /* NULL while queued */
  char id[64];
  char *tool;
  char *persona;
  int attempt;
  sk_batch_done_cb cb;
  void *arg;
};

struct sk_batcher {
  uv_loop_t *loop;
  struct sk_batcher_opts o;
  struct sk_batchbook *book;
  struct sk_transport *tr;
  struct sk_list groups;
  struct sk_list batches;
  struct sk_strmap waiting; /* id -> waiter */
  size_t nwaiting;
  uv_timer_t idle;
  int closing;
  int quiet_said;
  int dispatching; /* answers being handed out: what they lead to (re-asks,
                      retries) is sealed together afterwards, by the idle
                      timer, not one batch per answer */
  int round;       /* the round of the batches sealed now: 1 + the latest
                      collected batch's */
  struct sk_batcher_stats st;
  unsigned long kill_count;
};

static void run_op(struct rbatch *rb);
static void dispatch(struct rbatch *rb);
static void check_quiet(struct sk_batcher *b);

void sk_batcher_custom_id(const char *key, int occurrence, char id[64]) {
  snprintf(id, 64, "k%.40s-%d", key, occurrence);
}

/* ---- test hook ------------------------------------------------------------
 */

/* SHIPSKIP_FAULT_BATCH_KILL=STEP[:N] kills the process (SIGKILL, as a
 * crash or the OOM killer would) the Nth time (default the first) it
 * passes STEP, so tests can stop a run between any two steps. */
static void kill_point(struct sk_batcher *b, const char *step) {
  const char *env = getenv("SHIPSKIP_FAULT_BATCH_KILL");
  size_t n;
  unsigned long want = 1;
  if (env == NULL)
    return;
  n = strcspn(env, ":");
  if (strlen(step) != n || strncmp(env, step, n) != 0)
    return;
  if (env[n] == ':')
    want = strtoul(env + n + 1, NULL, 10);
  if (++b->kill_count == want)
    raise(SIGKILL);
}

/* ---- events ---------------------------------------------------------------
 */

static void say(struct sk_batcher *b, enum sk_batch_event_kind kind,
                const struct sk_bbatch *bb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void say(struct sk_batcher *b, enum sk_batch_event_kind kind,
                const struct sk_bbatch *bb, const char *fmt, ...) {
  struct sk_batch_event ev;
  char line[1024];
  va_list ap;
  if (b->o.on_event == NULL)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  ev.kind = kind;
  ev.batch = bb;
  ev.message = line;
  b->o.on_event(b->o.ctx, &ev);
}

static void fatal(struct sk_batcher *b, int code, const char *msg) {
  if (b->o.on_fatal != NULL)
    b->o.on_fatal(b->o.ctx, code, msg);
}

/* ---- waiters --------------------------------------------------------------
 */

static void waiter_free(struct waiter *w) {
  free(w->tool);
  free(w->persona);
  free(w);
}

/* Hands a its answer: the waiter leaves every list first, so the callback
 * may add requests or cancel the rest. */
static void answer(struct sk_batcher *b, struct waiter *w,
                   struct sk_batch_answer *a) {
  struct sk_strmap_slot *s = sk_strmap_find(&b->waiting, w->id);
  if (s != NULL)
    s->value = NULL;
  sk_list_remove(&w->node);
  if (w->rb != NULL)
    w->rb->nwaiters--;
  b->nwaiting--;
  a->batch = w->rb != NULL ? w->rb->bb->name : "";
  w->cb(a, w->arg);
  waiter_free(w);
}

static void answer_kind(struct sk_batcher *b, struct waiter *w,
                        enum sk_batch_result_kind kind, int retry,
                        const char *msg) {
  struct sk_batch_answer a;
  memset(&a, 0, sizeof(a));
  a.kind = kind;
  a.retry = retry;
  a.message = msg;
  answer(b, w, &a);
}

/* Ends every request waiting for rb with kind. */
static void answer_all(struct rbatch *rb, enum sk_batch_result_kind kind,
                       int retry, const char *msg) {
  struct sk_list *n;
  while ((n = sk_list_first(&rb->waiters)) != NULL)
    answer_kind(rb->b, sk_container_of(n, struct waiter, node), kind, retry,
                msg);
}

static struct waiter *waiter_of(const struct sk_batcher *b, const char *id) {
  struct sk_strmap_slot *s = sk_strmap_find(&b->waiting, id);
  return s != NULL ? s->value : NULL;
}

/* ---- the book -------------------------------------------------------------
 */

static int save(struct rbatch *rb) {
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_batchbook_save(rb->b->book, rb->bb, &err) == 0)
    return 0;
  fatal(rb->b, err.code, err.msg);
  return -1;
}

/* ---- control requests -----------------------------------------------------
 */

/* Copies src's URL (or url instead, when not NULL) and headers into dst,
 * no body. Freed, secrets wiped, with sk_wire_request_cleanup(). */
static int wire_copy(struct sk_wire_request *dst,
                     const struct sk_wire_request *src, const char *url) {
  size_t i;
  memset(dst, 0, sizeof(*dst));
  /* Which headers are secret is known before any is copied, so a copy
   * cut short by out of memory is still wiped. */
  dst->secret_header = src->secret_header;
  dst->secret_mask = src->secret_mask;
  dst->url = strdup(url != NULL ? url : src->url);
  if (dst->url == NULL)
    return SK_ENOMEM;
  for (i = 0; i < src->nheaders; i++) {
    dst->headers[i] = strdup(src->headers[i]);
    dst->nheaders = i + 1;
    if (dst->headers[i] == NULL) {
      sk_wire_request_cleanup(dst);
      return SK_ENOMEM;
    }
  }
  return 0;
}

/* Puts "Content-Type: type" in place of w's content type header. Returns
 * 0 or SK_ENOMEM (w unchanged). */
static int set_content_type(struct sk_wire_request *w, const char *type) {
  char line[160];
  size_t i;
  snprintf(line, sizeof(line), "Content-Type: %s", type);
  for (i = 0; i < w->nheaders; i++)
    if (strncasecmp(w->headers[i], "content-type:", 13) == 0) {
      char *h = strdup(line);
      if (h == NULL)
        return SK_ENOMEM;
      free(w->headers[i]);
      w->headers[i] = h;
    }
  return 0;
}

static void on_control(struct sk_http_response *res, void *arg);

/* Sends one control request of rb: url, body (taken; NULL for a GET),
 * with content_type replacing the sample's when not NULL. */
static int send_control(struct rbatch *rb, char *url, char *body,
                        size_t body_len, const char *content_type,
                        int occurrence) {
  struct sk_batcher *b = rb->b;
  struct sk_wire_request w;
  struct sk_exchange_info info;
  struct sk_error err;
  int rc = wire_copy(&w, rb->sample, url);

  free(url);
  w.body = body;
  w.body_len = body_len;
  if (rc == 0 && content_type != NULL)
    rc = set_content_type(&w, content_type);
  if (rc != 0) {
    sk_wire_request_cleanup(&w);
    fatal(b, SK_ENOMEM, "out of memory");
    return -1;
  }
  memset(&info, 0, sizeof(info));
  info.provider = sk_batch_api_name(rb->p->api);
  info.tool = rb->bb->name;
  info.persona = op_names[rb->op];
  info.occurrence = occurrence;
  sk_error_clear(&err);
  rc = sk_transport_submit(b->tr, &w, &info, on_control, rb, &err);
  sk_wire_request_cleanup(&w);
  if (rc != 0) {
    if (err.msg[0] == '\0')
      snprintf(err.msg, sizeof(err.msg), "cannot send the batch's %s request",
               op_names[rb->op]);
    fatal(b, rc, err.msg);
    return -1;
  }
  rb->busy = 1;
  b->st.control_requests++;
  return 0;
}

static void timer_cb(uv_timer_t *t) {
  struct rbatch *rb = sk_container_of(t, struct rbatch, timer);
  run_op(rb);
}

static void schedule(struct rbatch *rb, enum op op, long ms) {
  rb->op = op;
  if (ms < 0)
    ms = 0;
  uv_timer_start(&rb->timer, timer_cb, (uint64_t)ms, 0);
}

static int replaying(const struct sk_batcher *b) {
  return b->o.transport.mode == SK_FIXTURES_REPLAY;
}

/* A control request that may pass: again after a doubling pause, until
 * max_retry_time. */
static void retry_op(struct rbatch *rb, const char *why, long retry_after) {
  struct sk_batcher *b = rb->b;
  uint64_t now = uv_now(b->loop);
  long wait = b->o.retry_base_ms;
  unsigned i;
  char msg[700];

  if (rb->fails++ == 0)
    rb->fail_since = now;
  for (i = 1; i < rb->fails && wait < 60000; i++)
    wait *= 2;
  if (wait > 60000)
    wait = 60000;
  if (retry_after > wait)
    wait = retry_after;
  if (b->o.max_retry_time_ms > 0 && now + (uint64_t)wait - rb->fail_since >
                                        (uint64_t)b->o.max_retry_time_ms) {
    snprintf(msg, sizeof(msg),
             "batch %s: the %s request failed for %lu s (--max-retry-time): "
             "%s; --resume goes on from here",
             rb->bb->name, op_names[rb->op],
             (unsigned long)((now - rb->fail_since) / 1000), why);
    fatal(b, SK_ECONN, msg);
    return;
  }
  say(b, SK_BATCH_EV_WARNING, rb->bb,
      "batch %s: %s request failed (%s); "
      "again in %ld ms",
      rb->bb->name, op_names[rb->op], why, replaying(b) ? 0L : wait);
  schedule(rb, rb->op, replaying(b) ? 0 : wait);
}

/* ---- starting a batch -----------------------------------------------------
 */

static void start_create(struct rbatch *rb) {
  rb->bb->step = SK_BSTEP_CREATING;
  rb->bb->at = (long long)time(NULL);
  if (save(rb) != 0)
    return;
  kill_point(rb->b, "creating");
  schedule(rb, OP_CREATE, 0);
}

static void start(struct rbatch *rb) {
  if (rb->p->api == SK_BATCH_OPENAI) {
    rb->bb->step = SK_BSTEP_UPLOADING;
    if (save(rb) != 0)
      return;
    kill_point(rb->b, "uploading");
    schedule(rb, OP_UPLOAD, 0);
  } else {
    start_create(rb);
  }
}

static void do_upload(struct rbatch *rb) {
  char *url = NULL, *body = NULL;
  size_t len = 0;
  char ct[128];
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_batch_upload_request(rb->sample, rb->bb->label, rb->lines,
                              rb->lines_len, &url, &body, &len, ct,
                              &err) != 0) {
    fatal(rb->b, err.code, err.msg);
    return;
  }
  send_control(rb, url, body, len, ct, 0);
}

static void do_create(struct rbatch *rb) {
  char *url = NULL, *body = NULL;
  size_t len = 0;
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_batch_create_request(rb->p->api, rb->sample, rb->bb->label,
                              rb->bb->file[0] ? rb->bb->file : NULL, rb->lines,
                              rb->lines_len, &url, &body, &len, &err) != 0) {
    fatal(rb->b, err.code, err.msg);
    return;
  }
  send_control(rb, url, body, len, "application/json", 0);
}

static void do_get(struct rbatch *rb, enum sk_batch_url which, const char *ref,
                   int occurrence) {
  char *url = NULL;
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_batch_url(rb->p->api, which, rb->sample, ref, &url, &err) != 0) {
    char msg[sizeof(err.msg) + 64];
    snprintf(msg, sizeof(msg), "batch %s: %s", rb->bb->name, err.msg);
    fatal(rb->b, SK_EPARSE, msg);
    return;
  }
  send_control(rb, url, NULL, 0, NULL, occurrence);
}

/* The reference of results document i of rb (OpenAI: output, then
 * errors), or NULL when there is none. */
static const char *result_ref(const struct rbatch *rb, int i,
                              enum sk_batch_url *which) {
  const struct sk_batch_status *st = &rb->bb->st;
  *which = SK_BATCH_URL_RESULTS;
  if (i == 0)
    return st->output_ref[0] != '\0' ? st->output_ref : NULL;
  if (i == 1 && rb->p->api == SK_BATCH_OPENAI && st->error_ref[0] != '\0') {
    *which = SK_BATCH_URL_ERRORS;
    return st->error_ref;
  }
  return NULL;
}

static void run_op(struct rbatch *rb) {
  enum sk_batch_url which;
  const char *ref;
  if (rb->b->closing)
    return;
  switch (rb->op) {
  case OP_UPLOAD:
    do_upload(rb);
    break;
  case OP_CREATE:
    do_create(rb);
    break;
  case OP_POLL:
    do_get(rb, SK_BATCH_URL_STATUS, rb->bb->id, (int)rb->polls++);
    break;
  case OP_RESULTS:
    ref = result_ref(rb, rb->next_result, &which);
    do_get(rb, which, ref, 0);
    break;
  case OP_FIND:
    do_get(rb, SK_BATCH_URL_LIST, NULL, (int)rb->polls++);
    break;
  case OP_DISPATCH:
    rb->op = OP_NONE;
    dispatch(rb);
    break;
  case OP_NONE:
    break;
  }
}

/* ---- answers to control requests ------------------------------------------
 */

/* The provider's error text, on one line, from a body. */
static void error_text(const struct sk_http_response *res, char *out,
                       size_t size) {
  size_t i, n = res->body_len < size - 1 ? res->body_len : size - 1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)res->body[i];
    out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
  }
  out[n] = '\0';
}

/* The requests a status says have ended: answered, failed or expired
 * (counts the provider did not give count as none). */
static long requests_done(const struct sk_batch_status *st) {
  return (st->succeeded > 0 ? st->succeeded : 0) +
         (st->errored > 0 ? st->errored : 0) +
         (st->expired > 0 ? st->expired : 0);
}

static void poll_later(struct rbatch *rb) {
  struct sk_batcher *b = rb->b;
  long wait = b->o.poll_ms;
  unsigned i;
  for (i = 0; i < rb->still && wait < b->o.poll_max_ms; i++)
    wait *= 2;
  if (wait > b->o.poll_max_ms)
    wait = b->o.poll_max_ms;
  schedule(rb, OP_POLL, replaying(b) ? 0 : wait);
}

static void collect(struct rbatch *rb, const struct sk_http_response *res);
static void failed_whole(struct rbatch *rb);

/* A status was read (create, poll): record a change, then act on it. */
static void status_read(struct rbatch *rb, const struct sk_batch_status *st,
                        const struct sk_http_response *res) {
  struct sk_bbatch *bb = rb->bb;
  int changed = bb->st.state != st->state ||
                bb->st.succeeded != st->succeeded ||
                bb->st.errored != st->errored || bb->st.expired != st->expired;
  bb->st = *st; /* bb->id, set when it was created or found, stays */
  rb->read_once = 1;
  rb->still = changed ? 0 : rb->still + 1;
  if (changed) {
    if (save(rb) != 0)
      return;
    say(rb->b, SK_BATCH_EV_STATE, bb, "batch %s: %s (%s), %ld of %ld done",
        bb->name, sk_batch_state_name(st->state), st->remote_state,
        requests_done(st), (long)bb->nreq);
  }
  if (st->state == SK_BATCH_FAILED) {
    failed_whole(rb);
  } else if (sk_batch_state_final(st->state)) {
    collect(rb, res);
  } else if (rb->b->o.wait) {
    poll_later(rb);
  } else {
    rb->op = OP_NONE; /* parked: a later --resume looks again */
    check_quiet(rb->b);
  }
}

static void created(struct rbatch *rb, const struct sk_http_response *res) {
  struct sk_batch_status st;
  struct sk_error err;
  sk_error_clear(&err);
  kill_point(rb->b, "created-answer");
  if (sk_batch_parse_status(rb->p->api, res->body, res->body_len, &st, &err) !=
          0 ||
      st.id[0] == '\0') {
    char msg[600];
    snprintf(msg, sizeof(msg),
             "batch %s: the create answer cannot be read: "
             "%s",
             rb->bb->name, err.msg[0] ? err.msg : "no batch id");
    fatal(rb->b, SK_EPARSE, msg);
    return;
  }
  memcpy(rb->bb->id, st.id, sizeof(rb->bb->id));
  rb->bb->step = SK_BSTEP_CREATED;
  rb->bb->st = st;
  if (save(rb) != 0)
    return;
  kill_point(rb->b, "created");
  free(rb->lines);
  rb->lines = NULL;
  rb->lines_len = 0;
  rb->b->st.batches++;
  rb->b->st.submitted += rb->bb->nreq;
  if (rb->bb->round > rb->b->st.rounds)
    rb->b->st.rounds = rb->bb->round;
  rb->created_ms = uv_now(rb->b->loop);
  say(rb->b, SK_BATCH_EV_SUBMITTED, rb->bb,
      "batch %s: %zu request%s sent to %s as %s (round %d)", rb->bb->name,
      rb->bb->nreq, rb->bb->nreq == 1 ? "" : "s", rb->bb->provider, rb->bb->id,
      rb->bb->round);
  status_read(rb, &st, res);
}

static void uploaded(struct rbatch *rb, const struct sk_http_response *res) {
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_batch_parse_file(res->body, res->body_len, rb->bb->file, &err) != 0) {
    char msg[600];
    snprintf(msg, sizeof(msg),
             "batch %s: the upload answer cannot be read: "
             "%s",
             rb->bb->name, err.msg);
    fatal(rb->b, SK_EPARSE, msg);
    return;
  }
  rb->bb->step = SK_BSTEP_UPLOADED;
  if (save(rb) != 0)
    return;
  kill_point(rb->b, "uploaded");
  start_create(rb);
}

static void polled(struct rbatch *rb, const struct sk_http_response *res) {
  struct sk_batch_status st;
  struct sk_error err;
  sk_error_clear(&err);
  rb->b->st.polls++;
  if (sk_batch_parse_status(rb->p->api, res->body, res->body_len, &st, &err) !=
      0) {
    retry_op(rb, err.msg, -1);
    return;
  }
  kill_point(rb->b, "polled");
  status_read(rb, &st, res);
}

/* Stores a results document as OUTDIR/batches/NAME.I.jsonl. */
static int store_result(struct rbatch *rb, int i, const char *body,
                        size_t len) {
  struct sk_error err;
  char name[64];
  snprintf(name, sizeof(name), "%s.%d.%s", rb->bb->name, i,
           rb->p->api == SK_BATCH_GEMINI && rb->bb->st.results_inline
               ? "json"
               : "jsonl");
  sk_error_clear(&err);
  kill_point(rb->b, "downloaded");
  if (sk_fs_write_atomic(rb->b->book->dir, name, body, len, &err) != 0) {
    fatal(rb->b, err.code, err.msg);
    return -1;
  }
  snprintf(rb->bb->results[rb->bb->nresults++], 64, "%s", name);
  return 0;
}

static void collected(struct rbatch *rb) {
  rb->bb->step = SK_BSTEP_COLLECTED;
  if (save(rb) != 0)
    return;
  kill_point(rb->b, "collected");
  say(rb->b, SK_BATCH_EV_COLLECTED, rb->bb, "batch %s: %s; results collected",
      rb->bb->name, sk_batch_state_name(rb->bb->st.state));
  dispatch(rb);
}

/* The next results document to download, or the end of collecting. */
static void next_result(struct rbatch *rb) {
  enum sk_batch_url which;
  while (rb->next_result < SK_BATCH_MAX_RESULTS &&
         result_ref(rb, rb->next_result, &which) == NULL)
    rb->next_result++;
  if (rb->next_result < SK_BATCH_MAX_RESULTS)
    schedule(rb, OP_RESULTS, 0);
  else
    collected(rb);
}

/* A batch ended (or expired, or was canceled): its results are fetched,
 * kept, then handed out. Gemini's inline results are the status itself. */
static void collect(struct rbatch *rb, const struct sk_http_response *res) {
  rb->bb->nresults = 0;
  rb->next_result = 0;
  if (rb->p->api == SK_BATCH_GEMINI && rb->bb->st.results_inline) {
    if (store_result(rb, 0, res->body, res->body_len) != 0)
      return;
    collected(rb);
    return;
  }
  next_result(rb);
}

static void result_fetched(struct rbatch *rb,
                           const struct sk_http_response *res) {
  if (store_result(rb, rb->next_result, res->body, res->body_len) != 0)
    return;
  rb->next_result++;
  next_result(rb);
}

/* ---- resubmitting and finding ---------------------------------------------
 */

static struct rbatch *rbatch_new(struct sk_batcher *b, struct sk_bbatch *bb,
                                 const struct sk_batcher_provider *p,
                                 const struct sk_wire_request *sample);

static const char *line_id(enum sk_batch_api api, const cJSON *o) {
  if (api == SK_BATCH_GEMINI)
    return sk_json_strval(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "metadata"), "key"));
  return sk_json_strval(cJSON_GetObjectItemCaseSensitive(o, "custom_id"));
}

/* Reads the input of bb kept at sealing, keeping only the lines of
 * requests still waiting for rb, into *out. Returns the number kept. */
static size_t waiting_lines(struct rbatch *rb, struct sk_buf *out) {
  struct sk_batcher *b = rb->b;
  char path[4200];
  char *text = NULL;
  size_t len = 0, off = 0, kept = 0;
  struct sk_error err;

  snprintf(path, sizeof(path), "%s/%s.input", b->book->dir, rb->bb->name);
  sk_error_clear(&err);
  if (sk_fs_read_file(path, (size_t)1 << 31, &text, &len, &err) != 0) {
    say(b, SK_BATCH_EV_WARNING, rb->bb,
        "batch %s: its kept input cannot be read, so its requests cannot "
        "go out again: %s",
        rb->bb->name, err.msg);
    return 0;
  }
  while (off < len) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
    size_t body = n > 0 && text[off + n - 1] == ',' ? n - 1 : n;
    cJSON *o = sk_json_parse(text + off, body, NULL);
    const char *id = line_id(rb->p->api, o);
    struct waiter *w = id != NULL ? waiter_of(b, id) : NULL;
    if (w != NULL && w->rb == rb && sk_buf_add(out, text + off, n) == 0 &&
        sk_buf_adds(out, "\n") == 0)
      kept++;
    cJSON_Delete(o);
    off += n + 1;
  }
  free(text);
  return kept;
}

static int seal_lines(struct sk_batcher *b, struct rbatch *from,
                      struct sk_buf *lines, int resubmits);

/* A batch failed as a whole: said, and sent again once. */
static void failed_whole(struct rbatch *rb) {
  struct sk_buf lines;
  char msg[600];
  say(rb->b, SK_BATCH_EV_FAILED, rb->bb, "batch %s failed as a whole: %s",
      rb->bb->name,
      rb->bb->st.reason[0] ? rb->bb->st.reason : "no reason given");
  if (rb->bb->resubmits >= 1) {
    snprintf(msg, sizeof(msg), "batch %s failed twice: %s", rb->bb->name,
             rb->bb->st.reason);
    answer_all(rb, SK_BATCH_RESULT_ERROR, 0, msg);
    rb->op = OP_NONE;
    check_quiet(rb->b);
    return;
  }
  sk_buf_init(&lines, (size_t)1 << 31);
  if (waiting_lines(rb, &lines) == 0 ||
      seal_lines(rb->b, rb, &lines, rb->bb->resubmits + 1) != 0) {
    snprintf(msg, sizeof(msg), "batch %s failed: %s", rb->bb->name,
             rb->bb->st.reason);
    answer_all(rb, SK_BATCH_RESULT_ERROR, 0, msg);
  }
  sk_buf_cleanup(&lines);
  rb->op = OP_NONE;
  check_quiet(rb->b);
}

struct find_ctx {
  struct rbatch *rb;
  int found;
};

static int find_cb(void *ctx, const struct sk_batch_status *s) {
  struct find_ctx *f = ctx;
  const struct sk_bbatch *bb = f->rb->bb;
  int match;
  switch (f->rb->p->api) {
  case SK_BATCH_OPENAI:
    match = (bb->file[0] != '\0' && strcmp(s->input_ref, bb->file) == 0) ||
            (s->label[0] != '\0' && strcmp(s->label, bb->label) == 0);
    break;
  case SK_BATCH_GEMINI:
    match = s->label[0] != '\0' && strcmp(s->label, bb->label) == 0;
    break;
  default:
    /* Anthropic keeps no name: a batch of the same size made from the
     * moment the request went out, that no other batch of ours is. */
    match = s->total == (long)bb->nreq && s->created_unix >= bb->at - 120 &&
            s->created_unix <= bb->at + 3600;
    for (size_t i = 0; match && i < f->rb->b->book->n; i++)
      if (strcmp(f->rb->b->book->b[i]->id, s->id) == 0)
        match = 0;
    break;
  }
  if (!match)
    return 0;
  memcpy(f->rb->bb->id, s->id, sizeof(f->rb->bb->id));
  f->found = 1;
  return 1;
}

static void listed(struct rbatch *rb, const struct sk_http_response *res) {
  struct find_ctx f;
  struct sk_error err;
  struct sk_buf lines;
  f.rb = rb;
  f.found = 0;
  sk_error_clear(&err);
  /* find_cb stops the walk (a positive answer) when it has its batch. */
  if (sk_batch_parse_list(rb->p->api, res->body, res->body_len, find_cb, &f,
                          &err) < 0) {
    retry_op(rb, err.msg, -1);
    return;
  }
  if (f.found) {
    rb->bb->step = SK_BSTEP_CREATED;
    rb->found = 1;
    if (save(rb) != 0)
      return;
    say(rb->b, SK_BATCH_EV_REATTACHED, rb->bb,
        "batch %s: found %s at the provider (the run that created it "
        "stopped before it could record it)",
        rb->bb->name, rb->bb->id);
    schedule(rb, OP_POLL, 0);
    return;
  }
  /* Never created: its requests go out in a batch of their own. */
  rb->bb->step = SK_BSTEP_DROPPED;
  if (save(rb) != 0)
    return;
  say(rb->b, SK_BATCH_EV_WARNING, rb->bb,
      "batch %s was never created at the provider; sending its requests "
      "again",
      rb->bb->name);
  sk_buf_init(&lines, (size_t)1 << 31);
  if (waiting_lines(rb, &lines) > 0 && seal_lines(rb->b, rb, &lines, 0) != 0)
    answer_all(rb, SK_BATCH_RESULT_ERROR, 1,
               "its batch was never created; asking again");
  sk_buf_cleanup(&lines);
  rb->op = OP_NONE;
  check_quiet(rb->b);
}

static void on_control(struct sk_http_response *res, void *arg) {
  struct rbatch *rb = arg;
  struct sk_batcher *b = rb->b;
  char why[400];

  rb->busy = 0;
  if (res->error == SK_ECANCELED || b->closing)
    return;
  if (res->error != 0 || res->status == 429 || res->status == 408 ||
      res->status >= 500) {
    const char *ra =
        res->error == 0 ? sk_http_response_header(res, "retry-after") : NULL;
    long after = ra != NULL ? sk_retry_after_ms(ra, (long long)time(NULL)) : -1;
    if (res->error != 0)
      snprintf(why, sizeof(why), "%s", res->errmsg);
    else {
      char text[240];
      error_text(res, text, sizeof(text));
      snprintf(why, sizeof(why), "HTTP %ld: %s", res->status, text);
    }
    retry_op(rb, why, after);
    return;
  }
  rb->fails = 0;
  if (res->status < 200 || res->status > 299) {
    char text[240];
    error_text(res, text, sizeof(text));
    snprintf(why, sizeof(why),
             "batch %s: the provider refused the %s "
             "request: HTTP %ld: %s",
             rb->bb->name, op_names[rb->op], res->status, text);
    if (res->status == 401 || res->status == 403 || res->status == 404 ||
        res->status == 405) {
      /* A wrong endpoint or key: every batch would meet it. Nothing is
       * failed for good; the run stops and says where it sent. */
      char msg[900];
      snprintf(msg, sizeof(msg),
               "%s; the batch API's endpoint or key is "
               "wrong: check the provider's base URL and key%s",
               why,
               rb->op == OP_CREATE || rb->op == OP_UPLOAD
                   ? " (nothing was submitted)"
                   : "");
      fatal(b, SK_ECONFIG, msg);
    } else if (rb->op == OP_CREATE || rb->op == OP_UPLOAD) {
      /* Refused before it existed: its requests fail with the reason. */
      rb->bb->step = SK_BSTEP_DROPPED;
      snprintf(rb->bb->st.reason, sizeof(rb->bb->st.reason), "%.300s", why);
      if (save(rb) == 0) {
        say(b, SK_BATCH_EV_FAILED, rb->bb, "%s", why);
        answer_all(rb, SK_BATCH_RESULT_ERROR, 0, why);
      }
      rb->op = OP_NONE;
      check_quiet(b);
    } else {
      fatal(b, SK_EHTTP, why);
    }
    return;
  }
  switch (rb->op) {
  case OP_UPLOAD:
    uploaded(rb, res);
    break;
  case OP_CREATE:
    created(rb, res);
    break;
  case OP_POLL:
    polled(rb, res);
    break;
  case OP_RESULTS:
    result_fetched(rb, res);
    break;
  case OP_FIND:
    listed(rb, res);
    break;
  default:
    break;
  }
}

/* ---- handing results out --------------------------------------------------
 */

static int result_cb(void *ctx, const struct sk_batch_result *r) {
  struct rbatch *rb = ctx;
  struct sk_batcher *b = rb->b;
  struct waiter *w = waiter_of(b, r->custom_id);
  struct sk_batch_answer a;
  if (w == NULL || w->rb != rb)
    return 0; /* nobody in this run asks it (journaled, or not ours) */
  memset(&a, 0, sizeof(a));
  /* Canceled at the provider (`shipskip batch cancel`): a resumed run
   * finishes the work, so it is asked again like an expired request. */
  a.kind =
      r->kind == SK_BATCH_RESULT_CANCELED ? SK_BATCH_RESULT_EXPIRED : r->kind;
  a.status = r->status;
  a.body = r->body;
  a.body_len = r->body_len;
  a.retry = r->retry;
  a.message = r->message;
  if (r->kind == SK_BATCH_RESULT_EXPIRED)
    b->st.expired++;
  else if (r->kind == SK_BATCH_RESULT_ERROR ||
           (r->kind == SK_BATCH_RESULT_ANSWER && r->status != 200))
    b->st.line_errors++;
  b->st.results++;
  rb->matched++;
  answer(b, w, &a);
  return 0;
}

/* A batch found in the provider's list whose results name none of our
 * requests was another's (Anthropic's list has no name to tell them
 * apart): ours was never created, so its requests go out now. */
static int not_ours(struct rbatch *rb) {
  struct sk_buf lines;
  int rc = 0;
  if (!rb->found || rb->matched > 0 || rb->nwaiters == 0)
    return 0;
  say(rb->b, SK_BATCH_EV_WARNING, rb->bb,
      "batch %s: %s holds none of its requests; it was never created, "
      "sending them now",
      rb->bb->name, rb->bb->id);
  rb->bb->step = SK_BSTEP_DROPPED;
  if (save(rb) != 0)
    return 1;
  sk_buf_init(&lines, (size_t)1 << 31);
  if (waiting_lines(rb, &lines) > 0)
    rc = seal_lines(rb->b, rb, &lines, 0) == 0;
  sk_buf_cleanup(&lines);
  return rc;
}

/* Hands every waiter of a collected batch its result, from the files
 * kept; a request the results do not name ends as the batch did. */
static void dispatch(struct rbatch *rb) {
  struct sk_batcher *b = rb->b;
  enum sk_batch_state state = rb->bb->st.state;
  int i;
  /* What its answers lead to (retries, re-asks) is the next round. */
  if (rb->bb->round + 1 > b->round)
    b->round = rb->bb->round + 1;
  rb->matched = 0;
  b->dispatching++;
  for (i = 0; i < rb->bb->nresults && rb->nwaiters > 0; i++) {
    char path[4200];
    char *text = NULL;
    size_t len = 0;
    long bad = 0;
    struct sk_error err;
    snprintf(path, sizeof(path), "%s/%s", b->book->dir, rb->bb->results[i]);
    sk_error_clear(&err);
    if (sk_fs_read_file(path, RESULTS_CAP, &text, &len, &err) != 0) {
      b->dispatching--;
      fatal(b, err.code, err.msg);
      return;
    }
    sk_error_clear(&err);
    if (sk_batch_parse_results(rb->p->api, text, len, result_cb, rb, &bad,
                               &err) != 0)
      say(b, SK_BATCH_EV_WARNING, rb->bb, "batch %s: %s: %s", rb->bb->name,
          path, err.msg);
    else if (bad > 0)
      say(b, SK_BATCH_EV_WARNING, rb->bb,
          "batch %s: %ld result line%s could not be read (%s)", rb->bb->name,
          bad, bad == 1 ? "" : "s", err.msg);
    free(text);
    if (b->closing) {
      b->dispatching--;
      return;
    }
  }
  b->dispatching--;
  if (not_ours(rb)) {
    check_quiet(b);
    return;
  }
  if (rb->nwaiters > 0) {
    char msg[200];
    snprintf(msg, sizeof(msg), "batch %s %s without a result for it",
             rb->bb->name,
             state == SK_BATCH_EXPIRED    ? "expired"
             : state == SK_BATCH_CANCELED ? "was canceled"
                                          : "ended");
    answer_all(rb,
               state == SK_BATCH_EXPIRED || state == SK_BATCH_CANCELED
                   ? SK_BATCH_RESULT_EXPIRED
                   : SK_BATCH_RESULT_ERROR,
               1, msg);
  }
  check_quiet(b);
}

/* ---- groups and sealing ---------------------------------------------------
 */

static void rbatch_close_cb(uv_handle_t *h) {
  struct rbatch *rb = sk_container_of((uv_timer_t *)h, struct rbatch, timer);
  free(rb->lines);
  free(rb);
}

static struct rbatch *rbatch_new(struct sk_batcher *b, struct sk_bbatch *bb,
                                 const struct sk_batcher_provider *p,
                                 const struct sk_wire_request *sample) {
  struct rbatch *rb = calloc(1, sizeof(*rb));
  if (rb == NULL || uv_timer_init(b->loop, &rb->timer) != 0) {
    free(rb);
    return NULL;
  }
  rb->b = b;
  rb->bb = bb;
  rb->p = p;
  rb->sample = sample;
  sk_list_init(&rb->waiters);
  sk_list_push_back(&b->batches, &rb->node);
  return rb;
}

static struct rbatch *rbatch_of(struct sk_batcher *b,
                                const struct sk_bbatch *bb) {
  SK_LIST_FOREACH(n, &b->batches) {
    struct rbatch *rb = sk_container_of(n, struct rbatch, node);
    if (rb->bb == bb)
      return rb;
  }
  return NULL;
}

/* The label a batch is found by: derived from its content, so a replayed
 * run sends the very same bytes. */
static void make_label(const char *lines, size_t len, int resubmits,
                       char label[72]) {
  char hex[65];
  sk_sha256_hex(lines, len, hex);
  if (resubmits > 0)
    snprintf(label, 72, "shipskip-%.24s-r%d", hex, resubmits);
  else
    snprintf(label, 72, "shipskip-%.24s", hex);
}

/* Seals lines, the requests of the n waiters on list, as a new batch of
 * provider p: its input is kept first (the book's "sealed" line promises
 * it), then the sealed line, then the waiters move to it and it starts.
 * Takes lines' bytes. Returns the batch, or NULL once fatal() has said
 * why. */
static struct rbatch *seal(struct sk_batcher *b,
                           const struct sk_batcher_provider *p,
                           const struct sk_wire_request *sample,
                           struct sk_list *list, size_t n, struct sk_buf *lines,
                           int round, int resubmits) {
  struct sk_brequest *req = calloc(n ? n : 1, sizeof(*req));
  struct sk_bbatch *bb = NULL;
  struct rbatch *rb = NULL;
  struct sk_error err;
  char label[72], name[32];
  size_t i = 0;

  sk_error_clear(&err);
  if (req == NULL) {
    fatal(b, SK_ENOMEM, "out of memory");
    return NULL;
  }
  SK_LIST_FOREACH(node, list) {
    struct waiter *w = sk_container_of(node, struct waiter, node);
    req[i].id = w->id;
    req[i].tool = w->tool;
    req[i].persona = w->persona;
    req[i].attempt = w->attempt;
    i++;
  }
  make_label(lines->data, lines->len, resubmits, label);
  snprintf(name, sizeof(name), "b%u.input",
           b->book->n > 0 ? b->book->b[b->book->n - 1]->num + 1 : 1);
  if (sk_fs_write_atomic(b->book->dir, name, lines->data, lines->len, &err) !=
          0 ||
      sk_batchbook_seal(b->book, p->name, p->api, label, round, resubmits,
                        lines->len, req, i, &bb, &err) != 0 ||
      sk_batchbook_index(b->book, bb) != 0 ||
      (rb = rbatch_new(b, bb, p, sample)) == NULL) {
    free(req);
    fatal(b, err.code ? err.code : SK_ENOMEM,
          err.msg[0] ? err.msg : "out of memory");
    return NULL;
  }
  free(req);
  kill_point(b, "sealed");
  SK_LIST_FOREACH_SAFE(node, list) {
    struct waiter *w = sk_container_of(node, struct waiter, node);
    sk_list_remove(&w->node);
    if (w->rb != NULL)
      w->rb->nwaiters--;
    w->rb = rb;
    sk_list_push_back(&rb->waiters, &w->node);
    rb->nwaiters++;
  }
  rb->lines_len = lines->len;
  rb->lines = sk_buf_take(lines);
  if (rb->lines == NULL) {
    fatal(b, SK_ENOMEM, "out of memory");
    return NULL;
  }
  start(rb);
  return rb;
}

/* Sends the requests still waiting for from (their lines in lines) as a
 * new batch: a resubmission (resubmits > 0) or the requests of a batch
 * never created. Returns 0, or -1 once fatal() has said why. */
static int seal_lines(struct sk_batcher *b, struct rbatch *from,
                      struct sk_buf *lines, int resubmits) {
  struct rbatch *rb = seal(b, from->p, from->sample, &from->waiters,
                           from->nwaiters, lines, from->bb->round, resubmits);
  if (rb == NULL)
    return -1;
  /* Written after the new batch: a run killed between the two finds both
   * live, and the later one, which holds the requests, wins (batchbook.h). */
  snprintf(from->bb->replaced_by, sizeof(from->bb->replaced_by), "%s",
           rb->bb->name);
  if (save(from) != 0)
    return -1;
  if (resubmits > 0) {
    b->st.resubmitted++;
    say(b, SK_BATCH_EV_RESUBMITTED, rb->bb,
        "batch %s: the requests of %s sent again as %s", rb->bb->name,
        from->bb->name, rb->bb->name);
  }
  return 0;
}

/* Writes the queued requests of g into the book and starts their batch. */
static void seal_group(struct sk_batcher *b, struct group *g) {
  if (g->nqueued == 0)
    return;
  if (seal(b, g->p, &g->sample, &g->queued, g->nqueued, &g->lines, b->round,
           0) == NULL)
    return;
  g->nqueued = 0;
  sk_buf_init(&g->lines, g->lines.cap);
}

void sk_batcher_flush(struct sk_batcher *b) {
  if (b == NULL || b->closing || b->dispatching > 0)
    return;
  uv_timer_stop(&b->idle);
  SK_LIST_FOREACH(n, &b->groups)
  seal_group(b, sk_container_of(n, struct group, node));
}

static void idle_cb(uv_timer_t *t) {
  sk_batcher_flush(sk_container_of(t, struct sk_batcher, idle));
}

static const struct sk_batcher_provider *provider_of(const struct sk_batcher *b,
                                                     const char *name) {
  size_t i;
  for (i = 0; i < b->o.nproviders; i++)
    if (strcmp(b->o.providers[i].name, name) == 0)
      return &b->o.providers[i];
  return NULL;
}

/* The group of provider p whose requests go to w's URL (Gemini: one per
 * model), made on first use. */
static struct group *group_of(struct sk_batcher *b,
                              const struct sk_batcher_provider *p,
                              const struct sk_wire_request *w) {
  struct group *g;
  struct sk_batch_limits lim;
  SK_LIST_FOREACH(n, &b->groups) {
    g = sk_container_of(n, struct group, node);
    if (g->p == p && strcmp(g->sample.url, w->url) == 0)
      return g;
  }
  g = calloc(1, sizeof(*g));
  if (g == NULL || wire_copy(&g->sample, w, NULL) != 0) {
    free(g);
    return NULL;
  }
  g->p = p;
  sk_batch_limits(p->api, &lim);
  sk_buf_init(&g->lines, lim.max_bytes);
  sk_list_init(&g->queued);
  sk_list_push_back(&b->groups, &g->node);
  return g;
}

/* Whether a line of len bytes still fits in g's next batch. */
static int fits(const struct sk_batcher *b, const struct group *g, size_t len) {
  struct sk_batch_limits lim;
  size_t max_req, max_bytes;
  sk_batch_limits(g->p->api, &lim);
  max_req = b->o.max_requests > 0 && b->o.max_requests < lim.max_requests
                ? b->o.max_requests
                : lim.max_requests;
  max_bytes = b->o.max_bytes > 0 && b->o.max_bytes < lim.max_bytes
                  ? b->o.max_bytes
                  : lim.max_bytes;
  return g->nqueued < max_req && g->lines.len + len + BODY_MARGIN <= max_bytes;
}

/* A request the book holds in a live batch: it waits for that batch. */
static int reattach(struct sk_batcher *b, struct sk_bbatch *bb,
                    struct waiter *w) {
  struct rbatch *rb = rbatch_of(b, bb);
  const struct sk_batcher_provider *p = provider_of(b, bb->provider);
  if (p == NULL)
    return SK_EINVAL;
  if (rb == NULL) {
    rb = rbatch_new(b, bb, p, p->sample);
    if (rb == NULL)
      return SK_ENOMEM;
    say(b, SK_BATCH_EV_REATTACHED, bb,
        "batch %s (%s, %s): waiting for it again, as sent by an earlier run",
        bb->name, bb->provider, bb->id[0] ? bb->id : "id not yet known");
  }
  w->rb = rb;
  sk_list_push_back(&rb->waiters, &w->node);
  rb->nwaiters++;
  b->st.reattached++;
  if (rb->op != OP_NONE || rb->busy)
    return 0;
  if (bb->step == SK_BSTEP_COLLECTED)
    schedule(rb, OP_DISPATCH, 0);
  else if (bb->step == SK_BSTEP_CREATING)
    schedule(rb, OP_FIND, 0);
  else if (!rb->read_once)
    schedule(rb, OP_POLL, 0);
  return 0;
}

int sk_batcher_add(struct sk_batcher *b, const char *provider,
                   const struct sk_wire_request *w, const char *id,
                   const char *tool, const char *persona, int attempt,
                   sk_batch_done_cb cb, void *arg, int *reattached,
                   struct sk_error *err) {
  const struct sk_batcher_provider *p = provider_of(b, provider);
  struct sk_strmap_slot *slot;
  struct sk_bbatch *bb;
  struct waiter *wt;
  struct group *g;
  int added, rc;

  if (b->closing)
    return sk_error_set(err, SK_ECANCELED, "the batcher is closing");
  if (p == NULL)
    return sk_error_set(err, SK_EINVAL, "provider %s takes no batches",
                        provider);
  if (!sk_batch_custom_id_ok(id))
    return sk_error_set(err, SK_EINVAL, "bad custom id %s", id);
  if (waiter_of(b, id) != NULL)
    return sk_error_set(err, SK_EINVAL, "request %s is already waiting", id);
  wt = calloc(1, sizeof(*wt));
  if (wt == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  snprintf(wt->id, sizeof(wt->id), "%s", id);
  wt->tool = strdup(tool);
  wt->persona = strdup(persona);
  wt->attempt = attempt;
  wt->cb = cb;
  wt->arg = arg;
  slot = sk_strmap_put(&b->waiting, id, &added);
  if (wt->tool == NULL || wt->persona == NULL || slot == NULL) {
    waiter_free(wt);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  bb = sk_batchbook_find(b->book, id);
  if (reattached != NULL)
    *reattached = bb != NULL;
  if (bb != NULL) {
    rc = reattach(b, bb, wt);
  } else {
    g = group_of(b, p, w);
    rc = g == NULL ? SK_ENOMEM : 0;
    if (rc == 0 && !fits(b, g, w->body_len + 256))
      seal_group(b, g);
    /* On error the lines are as they were (batch.h). */
    if (rc == 0)
      rc = sk_batch_add_line(p->api, id, w, &g->lines, err);
    if (rc == 0) {
      sk_list_push_back(&g->queued, &wt->node);
      g->nqueued++;
      uv_timer_start(&b->idle, idle_cb, (uint64_t)b->o.idle_ms, 0);
    }
  }
  if (rc != 0) {
    slot->value = NULL;
    waiter_free(wt);
    if (err->code == 0)
      sk_error_set(err, rc, "cannot queue request %s", id);
    return rc;
  }
  slot->value = wt;
  b->nwaiting++;
  b->quiet_said = 0;
  return 0;
}

/* ---- the run's end --------------------------------------------------------
 */

int sk_batcher_quiet(const struct sk_batcher *b) {
  if (b == NULL || b->o.wait)
    return 0;
  SK_LIST_FOREACH(n, &b->groups)
  if (sk_container_of(n, struct group, node)->nqueued > 0)
    return 0;
  SK_LIST_FOREACH(n, &b->batches) {
    const struct rbatch *rb = sk_container_of(n, struct rbatch, node);
    if (rb->busy || rb->op != OP_NONE)
      return 0;
    if (rb->nwaiters > 0 && !rb->read_once)
      return 0;
  }
  return 1;
}

static void check_quiet(struct sk_batcher *b) {
  if (b->quiet_said || b->closing || !sk_batcher_quiet(b))
    return;
  b->quiet_said = 1;
  if (b->o.on_quiet != NULL)
    b->o.on_quiet(b->o.ctx);
}

size_t sk_batcher_waiting(const struct sk_batcher *b) {
  return b != NULL ? b->nwaiting : 0;
}

void sk_batcher_cancel_waiting(struct sk_batcher *b) {
  struct sk_list *m;
  if (b == NULL)
    return;
  uv_timer_stop(&b->idle);
  SK_LIST_FOREACH(n, &b->groups) {
    struct group *g = sk_container_of(n, struct group, node);
    while ((m = sk_list_first(&g->queued)) != NULL) {
      g->nqueued--;
      answer_kind(b, sk_container_of(m, struct waiter, node),
                  SK_BATCH_RESULT_CANCELED, 0, "canceled: the run stopped");
    }
    sk_buf_reset(&g->lines);
  }
  SK_LIST_FOREACH(n, &b->batches)
  answer_all(sk_container_of(n, struct rbatch, node), SK_BATCH_RESULT_CANCELED,
             0, "canceled: the run stopped");
}

void sk_batcher_progress(const struct sk_batcher *b,
                         struct sk_batch_progress *out) {
  uint64_t first = 0;
  memset(out, 0, sizeof(*out));
  out->eta_s = -1;
  if (b == NULL)
    return;
  SK_LIST_FOREACH(n, &b->batches) {
    const struct rbatch *rb = sk_container_of(n, struct rbatch, node);
    const struct sk_batch_status *st = &rb->bb->st;
    if (rb->bb->step == SK_BSTEP_DROPPED || rb->bb->replaced_by[0] != '\0')
      continue;
    out->batches++;
    out->requests += (long)rb->bb->nreq;
    if (rb->bb->step == SK_BSTEP_COLLECTED) {
      out->batches_ended++;
      out->requests_done += (long)rb->bb->nreq;
    } else {
      out->requests_done += requests_done(st);
    }
    if (rb->created_ms > 0 && (first == 0 || rb->created_ms < first))
      first = rb->created_ms;
  }
  if (first > 0 && out->requests_done > 0 &&
      out->requests_done < out->requests) {
    double el = (double)(uv_now(b->loop) - first) / 1000.0;
    out->eta_s = (long)(el * (double)(out->requests - out->requests_done) /
                        (double)out->requests_done);
  }
}

void sk_batcher_stats(const struct sk_batcher *b,
                      struct sk_batcher_stats *out) {
  if (b == NULL)
    memset(out, 0, sizeof(*out));
  else
    *out = b->st;
}

size_t sk_batcher_pending_batches(const struct sk_batcher *b) {
  size_t i, n = 0;
  for (i = 0; b != NULL && i < b->book->n; i++)
    n += sk_bbatch_pending(b->book->b[i]) ? 1 : 0;
  return n;
}

static void idle_close_cb(uv_handle_t *h) {
  struct sk_batcher *b =
      sk_container_of((uv_timer_t *)h, struct sk_batcher, idle);
  sk_strmap_cleanup(&b->waiting, NULL);
  sk_batchbook_close(b->book);
  free(b);
}

void sk_batcher_close(struct sk_batcher *b) {
  struct sk_list *n;
  if (b == NULL || b->closing)
    return;
  sk_batcher_cancel_waiting(b);
  b->closing = 1;
  while ((n = sk_list_first(&b->groups)) != NULL) {
    struct group *g = sk_container_of(n, struct group, node);
    sk_list_remove(n);
    sk_wire_request_cleanup(&g->sample);
    sk_buf_cleanup(&g->lines);
    free(g);
  }
  while ((n = sk_list_first(&b->batches)) != NULL) {
    struct rbatch *rb = sk_container_of(n, struct rbatch, node);
    sk_list_remove(n);
    uv_close((uv_handle_t *)&rb->timer, rbatch_close_cb);
  }
  sk_transport_close(b->tr);
  b->tr = NULL;
  uv_close((uv_handle_t *)&b->idle, idle_close_cb);
}

/* A resumed book: batches that never reached the provider are dropped
 * (their requests go out again when asked); the rest wait to be asked. */
static int drop_unsent(struct sk_batcher *b, struct sk_error *err) {
  size_t i;
  for (i = 0; i < b->book->n; i++) {
    struct sk_bbatch *bb = b->book->b[i];
    if (bb->step > SK_BSTEP_UPLOADED || bb->replaced_by[0] != '\0')
      continue;
    bb->step = SK_BSTEP_DROPPED;
    if (sk_batchbook_save(b->book, bb, err) != 0)
      return err->code;
  }
  return 0;
}

int sk_batcher_new(uv_loop_t *loop, const struct sk_batcher_opts *opts,
                   struct sk_batcher **out, struct sk_error *err) {
  struct sk_batcher *b = calloc(1, sizeof(*b));
  struct sk_transport_opts topts;
  int rc;

  *out = NULL;
  if (b == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  b->loop = loop;
  b->o = *opts;
  if (b->o.poll_ms <= 0)
    b->o.poll_ms = 10000;
  if (b->o.poll_max_ms < b->o.poll_ms)
    b->o.poll_max_ms = b->o.poll_ms > 60000 ? b->o.poll_ms : 60000;
  if (b->o.retry_base_ms <= 0)
    b->o.retry_base_ms = 1000;
  b->round = 1;
  sk_list_init(&b->groups);
  sk_list_init(&b->batches);
  sk_strmap_init(&b->waiting);
  rc = sk_batchbook_open(opts->outdir, opts->resume, &b->book, err);
  if (rc == 0)
    rc = drop_unsent(b, err);
  if (rc == 0) {
    topts = opts->transport;
    /* A results document holds a whole batch's replies. */
    topts.http.max_body = RESULTS_CAP;
    topts.http.max_connections = 4;
    rc = sk_transport_new(loop, &topts, &b->tr, err);
  }
  if (rc == 0 && uv_timer_init(loop, &b->idle) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "uv_timer_init failed");
  if (rc != 0) {
    if (b->tr != NULL)
      sk_transport_close(b->tr);
    sk_batchbook_close(b->book);
    sk_strmap_cleanup(&b->waiting, NULL);
    free(b);
    return rc;
  }
  *out = b;
  return 0;
}

/* ---- sample requests ------------------------------------------------------
 */

/* Builds route's request of one tiny message: its URL and headers are what
 * the batch API's own requests are made from. */
static int build_sample(const struct sk_route *route, struct sk_wire_request *w,
                        struct sk_error *err) {
  struct sk_message msg = {"user", "batch"};
  struct sk_chat_request req;
  memset(&req, 0, sizeof(req));
  req.model = route->model;
  req.messages = &msg;
  req.nmessages = 1;
  req.temperature = -1;
  return sk_provider_build(&route->provider->conf, &route->provider->gateway,
                           &req, w, err);
}

static int seen_before(const struct sk_batch_samples *s, const char *name) {
  size_t j;
  for (j = 0; j < s->n; j++)
    if (strcmp(s->p[j].name, name) == 0)
      return 1;
  return 0;
}

int sk_batch_samples_build(struct sk_batch_samples *s,
                           const struct sk_route *routes, size_t n,
                           int batch_only, struct sk_error *err) {
  size_t i;
  memset(s, 0, sizeof(*s));
  s->p = calloc(n ? n : 1, sizeof(*s->p));
  s->w = calloc(n ? n : 1, sizeof(*s->w));
  if (s->p == NULL || s->w == NULL) {
    sk_batch_samples_cleanup(s);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  for (i = 0; i < n; i++) {
    const struct sk_provider_def *d = routes[i].provider;
    enum sk_batch_api api = sk_batch_api_of(d->impl);
    if ((batch_only && !d->batch) || seen_before(s, d->name))
      continue;
    if (api == SK_BATCH_NONE && !batch_only)
      continue;
    if (api == SK_BATCH_NONE || build_sample(&routes[i], &s->w[s->n], err)) {
      if (api == SK_BATCH_NONE)
        sk_error_set(err, SK_ECONFIG,
                     "provider %s (type %s) has no batch API shipskip "
                     "speaks: batch mode works with openai, anthropic and "
                     "gemini",
                     d->name, d->impl->name);
      sk_batch_samples_cleanup(s);
      return err->code;
    }
    s->p[s->n].name = d->name;
    s->p[s->n].api = api;
    s->p[s->n].sample = &s->w[s->n];
    s->n++;
  }
  return 0;
}

void sk_batch_samples_cleanup(struct sk_batch_samples *s) {
  size_t i;
  for (i = 0; s->w != NULL && i < s->n; i++)
    sk_wire_request_cleanup(&s->w[i]);
  free(s->p);
  free(s->w);
  memset(s, 0, sizeof(*s));
}
