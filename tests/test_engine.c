/* test_engine.c: the review engine on a real loop against canned HTTP
 * replies (tinyhttpd.h): a review's state transitions (ready, in flight,
 * waiting, done / failed / abandoned), the run's states and stop paths
 * (deadline with grace, budget), the events in order with their fields,
 * the in-memory draft API (no outdir, on_tool, a toolsrc over a buffer),
 * and that nothing is written to stderr. Every run must end with its loop
 * closed (sk_engine_run reports a busy loop as an error). Also the
 * scheduler's pure policy (sched.h).
 */
#include "harness.h"
#include "tinyhttpd.h"

#include "shipskip/review/engine.h"
#include "shipskip/review/run.h"
#include "shipskip/review/sched.h"

#include <fcntl.h>
#include <sys/stat.h>

#define MAX_EVENTS 256

/* A passing builder review (from the bundled fixtures). */
#define REVIEW_TEXT                                                            \
  "Under the hood this is a ladder of downloadable checkpoints, topping out "  \
  "at 70 billion parameters, plus a chat template that encodes tool calls "    \
  "and their results; everything else, from the inference server to the "      \
  "sandbox and the agent loop, you bring yourself. The bet is that sizing "    \
  "matters more than polish: you can iterate against a small variant on a "    \
  "workstation and move the same prompts and tool schemas to the large one "   \
  "on a GPU node without rewriting anything. The moment of truth is not a "    \
  "benchmark but your own repository: give it a failing integration test, a "  \
  "shell tool and read access to the tree, then count how many steps it "      \
  "takes to converge and whether it knows when to stop instead of editing in " \
  "circles. What earns the ship is the freedom to fine-tune on private code "  \
  "and deploy the result inside a commercial product, which no hosted coding " \
  "API allows at this depth; you pay for that in operational work, and for "   \
  "most platform teams it is a fair trade."

#define OK_BODY                                                                \
  "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":"     \
  "\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","       \
  "\"content\":\"SCORE: 84/100\\nVERDICT: ship\\nREVIEW: " REVIEW_TEXT         \
  "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"          \
  "\"completion_tokens\":20,\"total_tokens\":30}}"

/* The tool the review is about: the validator refuses a review that neither
 * names its tool nor speaks of what its description says, so the record is
 * the bundled one's description, in short. */
#define TOOL_JSON                                                              \
  "{\"slug\": \"code-llama-4\", \"name\": \"Code Llama 4\", \"description\": " \
  "\"Open-weight code models with checkpoints up to 70 billion parameters, "   \
  "tuned for agent work: tool calls, debugging and multi-step changes you "    \
  "can "                                                                       \
  "fine-tune on private code and ship inside a commercial product.\"}\n"

/* One event as recorded (strings copied). */
struct rec {
  enum sk_event_kind kind;
  int state;
  int prev;
  int attempt;
  int retry;
  long status;
  int flag;
  int score;
  int stop;
  char cause[24];
  char detail[256];
  char message[512];
  char persona[32];
};

struct fixture {
  struct sk_panel_def panel;
  struct sk_validator *v;
  struct sk_prompts prompts;
  struct sk_provider_def def;
  char def_name[16];
  char url[64];
  struct sk_route route;
  struct sk_price price;
  char price_model[16];
  struct sk_engine_opts o;
  struct sk_engine_stats st;
  struct rec ev[MAX_EVENTS];
  size_t nev;
  int tools_seen;
  int tool_status;
  int tool_score;
  char stderr_text[4096];
};

static void record_cb(void *ctx, const struct sk_event *ev) {
  struct fixture *f = ctx;
  struct rec *r;
  if (f->nev >= MAX_EVENTS)
    return;
  r = &f->ev[f->nev++];
  memset(r, 0, sizeof(*r));
  r->kind = ev->kind;
  r->state = ev->state;
  r->prev = ev->prev;
  r->attempt = ev->attempt;
  r->retry = ev->retry;
  r->status = ev->status;
  r->flag = ev->flag;
  r->score = ev->score;
  r->stop = ev->stop;
  snprintf(r->cause, sizeof(r->cause), "%s", ev->cause ? ev->cause : "");
  snprintf(r->detail, sizeof(r->detail), "%s", ev->detail ? ev->detail : "");
  snprintf(r->message, sizeof(r->message), "%s",
           ev->message ? ev->message : "");
  snprintf(r->persona, sizeof(r->persona), "%s",
           ev->persona ? ev->persona : "");
}

static void tool_cb(void *ctx, const struct sk_tool *t,
                    const struct sk_review *r, size_t n,
                    const struct sk_scorecard_meta *meta) {
  struct fixture *f = ctx;
  (void)t;
  (void)meta;
  f->tools_seen++;
  if (n == 1) {
    f->tool_status = (int)r[0].status;
    f->tool_score = r[0].score;
  }
}

/* Loads the builder persona and the bundled prompts, and points an OpenAI
 * provider at port. Returns 0 or -1. */
static int fixture_init(struct fixture *f, int port) {
  const char *src = getenv("SK_SOURCE_DIR");
  char dir[1024];
  struct sk_validate_opts vo;
  struct sk_error err;

  memset(f, 0, sizeof(*f));
  sk_error_clear(&err);
  if (src == NULL)
    src = ".";
  snprintf(dir, sizeof(dir), "%s/personas", src);
  if (sk_panel_def_load(dir, "builder", &f->panel, &err) != 0)
    return fprintf(stderr, "%s\n", err.msg), -1;
  memset(&vo, 0, sizeof(vo));
  vo.min_words = 60;
  vo.max_words = 260;
  vo.max_reply = 64 * 1024;
  if (sk_validator_new(&f->panel, &vo, &f->v, &err) != 0)
    return fprintf(stderr, "%s\n", err.msg), -1;
  snprintf(dir, sizeof(dir), "%s/prompts", src);
  if (sk_prompts_load(dir, 60, 260, &f->prompts, &err) != 0)
    return fprintf(stderr, "%s\n", err.msg), -1;
  snprintf(f->def_name, sizeof(f->def_name), "openai");
  snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d/v1", port);
  f->def.name = f->def_name;
  f->def.impl = sk_provider_find("openai");
  f->def.conf.impl = f->def.impl;
  f->def.conf.base_url = f->url;
  f->def.conf.api_key = "test-key";
  f->route.provider = &f->def;
  f->route.model = "gpt-test";
  sk_engine_opts_init(&f->o);
  f->o.panel = &f->panel;
  f->o.validator = f->v;
  f->o.prompts = &f->prompts;
  f->o.routes = &f->route;
  f->o.concurrency = 1;
  f->o.timeout_ms = 10000;
  f->o.force = 1;
  f->o.outdir = NULL; /* in memory: on_tool gets the panel */
  f->o.on_event = record_cb;
  f->o.on_event_ctx = f;
  f->o.on_tool = tool_cb;
  f->o.on_tool_ctx = f;
  f->o.user_agent = "shipskip-test";
  return 0;
}

static void fixture_cleanup(struct fixture *f) {
  sk_prompts_cleanup(&f->prompts);
  sk_validator_free(f->v);
  sk_panel_def_cleanup(&f->panel);
}

/* Runs the engine over text with fd 2 redirected to a file, whose content
 * lands in f->stderr_text. Returns what sk_engine_run returns. */
static int run_quiet(struct fixture *f, const char *text,
                     struct sk_error *err) {
  struct sk_toolsrc *src = NULL;
  char path[] = "/tmp/sk-test-engine-XXXXXX";
  int saved = dup(2);
  int fd = mkstemp(path);
  int rc;
  ssize_t got;

  sk_error_clear(err);
  rc = sk_toolsrc_open_mem("tools.jsonl", text, strlen(text), &src, err);
  if (rc != 0 || fd < 0 || saved < 0)
    return rc != 0 ? rc : SK_EIO;
  fflush(stderr);
  dup2(fd, 2);
  rc = sk_engine_run(src, &f->o, &f->st, err);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  got = pread(fd, f->stderr_text, sizeof(f->stderr_text) - 1, 0);
  f->stderr_text[got > 0 ? got : 0] = '\0';
  close(fd);
  unlink(path);
  sk_toolsrc_free(src);
  return rc;
}

/* The review states the run went through, as "ready,in_flight,...". */
static void review_states(const struct fixture *f, char *out, size_t size) {
  size_t i;
  size_t used = 0;
  out[0] = '\0';
  for (i = 0; i < f->nev && used < size; i++)
    if (f->ev[i].kind == SK_EVENT_REVIEW_STATE)
      used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "",
                               sk_run_state_name(f->ev[i].state));
}

/* The run states, as "failing,closing,...". */
static void run_states(const struct fixture *f, char *out, size_t size) {
  size_t i;
  size_t used = 0;
  out[0] = '\0';
  for (i = 0; i < f->nev && used < size; i++)
    if (f->ev[i].kind == SK_EVENT_RUN_STATE)
      used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "",
                               sk_engine_state_name(f->ev[i].state));
}

/* The kinds of events other than state changes, in order, as letters:
 * q request, r response, y retry, a reask, e review ended, w warning,
 * s stopping, c closing. */
static void kinds(const struct fixture *f, char *out, size_t size) {
  size_t i;
  size_t n = 0;
  for (i = 0; i < f->nev && n + 1 < size; i++) {
    char c = 0;
    switch (f->ev[i].kind) {
    case SK_EVENT_REQUEST:
      c = 'q';
      break;
    case SK_EVENT_RESPONSE:
      c = 'r';
      break;
    case SK_EVENT_RETRY:
      c = 'y';
      break;
    case SK_EVENT_REASK:
      c = 'a';
      break;
    case SK_EVENT_REVIEW_ENDED:
      c = 'e';
      break;
    case SK_EVENT_WARNING:
      c = 'w';
      break;
    case SK_EVENT_STOPPING:
      c = 's';
      break;
    case SK_EVENT_CLOSING:
      c = 'c';
      break;
    default:
      break;
    }
    if (c)
      out[n++] = c;
  }
  out[n] = '\0';
}

static const struct rec *find(const struct fixture *f, enum sk_event_kind k) {
  size_t i;
  for (i = 0; i < f->nev; i++)
    if (f->ev[i].kind == k)
      return &f->ev[i];
  return NULL;
}

TEST(accepted_review) {
  static const struct th_reply replies[] = {{200, NULL, OK_BODY, 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char buf[512];
  const struct rec *r;
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  rc = run_quiet(&f, TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  review_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "ready,in_flight,done");
  run_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "closing,stopped");
  kinds(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "qrec");
  r = find(&f, SK_EVENT_RESPONSE);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->status, 200);
  ASSERT_STR_EQ(r->persona, "builder");
  r = find(&f, SK_EVENT_REVIEW_ENDED);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->flag, 1);
  ASSERT_INT_EQ(r->score, 84);
  ASSERT_INT_EQ(r->attempt, 1);
  ASSERT_INT_EQ(f.tools_seen, 1);
  ASSERT_INT_EQ(f.tool_status, SK_REVIEW_OK);
  ASSERT_INT_EQ(f.tool_score, 84);
  ASSERT_INT_EQ(f.st.tools_ok, 1);
  ASSERT_INT_EQ(f.st.requests, 1);
  ASSERT_INT_EQ(f.st.input_done, 1);
  fixture_cleanup(&f);
}

TEST(rate_limited_then_accepted) {
  static const struct th_reply replies[] = {
      {429, "Retry-After: 0\r\n", "{\"error\":{\"message\":\"slow down\"}}", 0},
      {200, NULL, OK_BODY, 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char buf[512];
  const struct rec *r;
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 2), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  rc = run_quiet(&f, TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  review_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "ready,in_flight,waiting_retry,ready,in_flight,done");
  kinds(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "qryqrec");
  r = find(&f, SK_EVENT_RETRY);
  ASSERT(r != NULL);
  ASSERT_STR_EQ(r->cause, "429");
  ASSERT_INT_EQ(r->retry, 1);
  r = find(&f, SK_EVENT_REVIEW_ENDED);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->flag, 1);
  ASSERT_INT_EQ(r->retry, 1);
  ASSERT_INT_EQ(f.st.retries, 1);
  ASSERT_INT_EQ(f.st.requests, 2);
  ASSERT_INT_EQ(f.tools_seen, 1);
  fixture_cleanup(&f);
}

TEST(unauthorized_fails_for_good) {
  static const struct th_reply replies[] = {
      {401, NULL, "{\"error\":{\"message\":\"bad key\"}}", 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char buf[512];
  const struct rec *r;
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  rc = run_quiet(&f, TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  review_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "ready,in_flight,failed");
  kinds(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "qrewc");
  r = find(&f, SK_EVENT_REVIEW_ENDED);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->flag, 0);
  ASSERT_CONTAINS(r->detail, "401");
  r = find(&f, SK_EVENT_WARNING);
  ASSERT(r != NULL);
  ASSERT_CONTAINS(r->message, "tools.jsonl:1: code-llama-4: builder review "
                              "failed after 1 attempt, 0 retries");
  ASSERT_INT_EQ(f.st.tools_failed, 1);
  ASSERT_INT_EQ(f.st.retries, 0);
  ASSERT_INT_EQ(f.tools_seen, 1);
  ASSERT_INT_EQ(f.tool_status, SK_REVIEW_FAILED);
  fixture_cleanup(&f);
}

TEST(deadline_during_flight_abandons) {
  static const struct th_reply replies[] = {{0, NULL, "", 1}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char buf[512];
  const struct rec *r;
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  f.o.deadline_ms = 100;
  f.o.grace_ms = 100;
  rc = run_quiet(&f, TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  review_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "ready,in_flight,abandoned");
  run_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "stopping,canceling,closing,stopped");
  kinds(&f, buf, sizeof(buf));
  /* The grace warning, then the canceled response; no review ended. */
  ASSERT_STR_EQ(buf, "qswrc");
  r = find(&f, SK_EVENT_STOPPING);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->stop, SK_STOP_DEADLINE);
  ASSERT_STR_EQ(r->detail, "deadline");
  ASSERT_CONTAINS(r->message, "deadline reached: starting no new requests; "
                              "1 in flight may finish within 0 s");
  ASSERT_INT_EQ(f.st.stopped_by, SK_STOP_DEADLINE);
  ASSERT_INT_EQ(f.st.tools_unfinished, 1);
  ASSERT_INT_EQ(f.tools_seen, 0); /* a cut-short tool is never handed over */
  fixture_cleanup(&f);
}

TEST(budget_stops_before_sending) {
  static const struct th_reply replies[] = {{200, NULL, OK_BODY, 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char buf[512];
  const struct rec *r;
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  snprintf(f.price_model, sizeof(f.price_model), "gpt-test");
  f.price.model = f.price_model;
  f.price.input_per_m = 1000;
  f.price.output_per_m = 1000;
  f.route.price = &f.price;
  f.o.budget_usd = 0.01; /* less than one request's estimate */
  rc = run_quiet(&f, TOOL_JSON TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  ASSERT_INT_EQ(th_requests(&s), 0);
  review_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "ready,abandoned");
  run_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "stopping,closing,stopped");
  r = find(&f, SK_EVENT_STOPPING);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->stop, SK_STOP_BUDGET);
  ASSERT_INT_EQ(f.st.stopped_by, SK_STOP_BUDGET);
  ASSERT_INT_EQ(f.st.requests, 0);
  ASSERT_INT_EQ(f.st.input_done, 0); /* the second record was never read */
  fixture_cleanup(&f);
}

TEST(duplicate_slug_is_a_warning_not_stderr) {
  static const struct th_reply replies[] = {{200, NULL, OK_BODY, 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  const struct rec *r;
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  rc = run_quiet(&f, TOOL_JSON TOOL_JSON "{not json}\n", &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  r = find(&f, SK_EVENT_WARNING);
  ASSERT(r != NULL);
  ASSERT_CONTAINS(r->message, "tools.jsonl:2: slug \"code-llama-4\" is "
                              "already used");
  r = find(&f, SK_EVENT_BAD_RECORD);
  ASSERT(r != NULL);
  ASSERT_CONTAINS(r->detail, "tools.jsonl:3");
  ASSERT_CONTAINS(r->message, "(record skipped)");
  ASSERT_INT_EQ(f.st.records_bad, 2);
  ASSERT_INT_EQ(f.st.tools_ok, 1);
  fixture_cleanup(&f);
}

TEST(writes_the_scorecard_to_outdir) {
  static const struct th_reply replies[] = {{200, NULL, OK_BODY, 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char dir[] = "/tmp/sk-test-engine-out-XXXXXX";
  char path[256];
  struct stat sb;
  const struct rec *r;
  int rc;

  ASSERT(mkdtemp(dir) != NULL);
  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  f.o.outdir = dir;
  rc = run_quiet(&f, TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(f.stderr_text, "");
  r = find(&f, SK_EVENT_TOOL_WRITTEN);
  ASSERT(r != NULL);
  ASSERT_INT_EQ(r->flag, 1);
  snprintf(path, sizeof(path), "%s/code-llama-4.json", dir);
  ASSERT_INT_EQ(stat(path, &sb), 0);
  unlink(path);
  snprintf(path, sizeof(path), "%s/code-llama-4.md", dir);
  unlink(path);
  rmdir(dir);
  ASSERT_INT_EQ(f.tools_seen, 1);
  fixture_cleanup(&f);
}

TEST(redo_without_outdir_stops_the_run) {
  static const struct th_reply replies[] = {{200, NULL, OK_BODY, 0}};
  struct th_server s;
  struct fixture f;
  struct sk_error err;
  char buf[512];
  int rc;

  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  ASSERT_INT_EQ(fixture_init(&f, s.port), 0);
  f.o.redo = "builder"; /* nothing to redo: no scorecard can exist */
  rc = run_quiet(&f, TOOL_JSON, &err);
  th_stop(&s);
  ASSERT_INT_EQ(rc, SK_ECONFIG);
  ASSERT_CONTAINS(err.msg, "--redo needs the scorecard");
  ASSERT_STR_EQ(f.stderr_text, "");
  ASSERT_INT_EQ(th_requests(&s), 0);
  run_states(&f, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "failing,closing,stopped");
  ASSERT_INT_EQ(f.tools_seen, 0);
  fixture_cleanup(&f);
}

/* ---- the scheduler's policy ---- */

static void sched_setup(struct sk_sched *s) {
  memset(s, 0, sizeof(*s));
  s->rng = 42;
  s->concurrency = 8;
  s->cwnd = 8;
  s->max_retries = 2;
  s->retry_base_ms = 500;
  s->retry_cap_ms = 30000;
  s->max_retry_wait_ms = 60000;
}

TEST(sched_retry_policy) {
  struct sk_sched s;
  uint64_t wait;
  int i;
  sched_setup(&s);
  ASSERT_INT_EQ(sk_sched_retry(&s, 2, -1, 0, &wait), SK_RETRY_GIVE_UP);
  ASSERT_INT_EQ(sk_sched_retry(&s, 0, 61000, 0, &wait), SK_RETRY_TOO_LONG);
  ASSERT_INT_EQ(sk_sched_retry(&s, 0, 5000, 1, &wait), SK_RETRY_AFTER);
  ASSERT_INT_EQ(wait, 0); /* replaying: no server to spare */
  for (i = 0; i < 50; i++) {
    /* Retry-After plus at most 10%. */
    ASSERT_INT_EQ(sk_sched_retry(&s, 0, 2000, 0, &wait), SK_RETRY_AFTER);
    ASSERT(wait >= 2000 && wait <= 2200);
    /* Equal jitter: between half a step and a step. */
    ASSERT_INT_EQ(sk_sched_retry(&s, 1, -1, 0, &wait), SK_RETRY_AFTER);
    ASSERT(wait >= 500 && wait <= 1000);
  }
}

/* A wait past --max-retry-wait is refused with its reason even on the last
 * retry, and the far values the parsers report are past any limit; retries
 * also end --max-retry-time after the first one (issue 18). */
TEST(sched_retry_time_and_far_waits) {
  struct sk_sched s;
  struct sk_sched_limit lim;
  size_t of = 0;
  uint64_t wait;
  sched_setup(&s);
  ASSERT_INT_EQ(sk_sched_retry(&s, 2, 61000, 0, &wait), SK_RETRY_TOO_LONG);
  ASSERT_INT_EQ(sk_sched_retry(&s, 0, SK_RATELIMIT_BEYOND, 0, &wait),
                SK_RETRY_TOO_LONG);
  s.max_retry_wait_ms = 86400000;
  ASSERT_INT_EQ(sk_sched_retry(&s, 0, SK_RATELIMIT_BEYOND, 0, &wait),
                SK_RETRY_TOO_LONG);
  s.limits = &lim;
  s.limit_of = &of;
  s.npersonas = 1;
  memset(&lim, 0, sizeof(lim));
  ASSERT_INT_EQ(sk_sched_retry_in_time(&s, 0, 1000, 999999, 5000), 1);
  lim.max_retry_time_ms = 300000;
  ASSERT_INT_EQ(sk_sched_retry_time(&s, 0), 300000);
  ASSERT_INT_EQ(sk_sched_retry_in_time(&s, 0, 1000, 1000, 300000), 1);
  ASSERT_INT_EQ(sk_sched_retry_in_time(&s, 0, 1000, 1001, 300000), 0);
}

/* The first final errors of a provider: held while they are the same;
 * decided once no answer is coming: wrong when three or more came and
 * they name the endpoint (404, 401...) or span tools; a different error,
 * or a real answer, proves the endpoint. */
TEST(sched_wrong_endpoint) {
  static const int TOOL_A = 1;
  static const int TOOL_B = 2;
  struct sk_sched s;
  struct sk_sched_limit lim[2];
  size_t of[2] = {0, 1};
  sched_setup(&s);
  memset(lim, 0, sizeof(lim));
  s.limits = lim;
  s.limit_of = of;
  s.npersonas = 2;
  ASSERT_INT_EQ(sk_sched_final(&s, 0, 404, "not found /a", &TOOL_A),
                SK_ENDPOINT_HOLD);
  ASSERT_INT_EQ(sk_sched_final(&s, 0, 404, "not found /b", &TOOL_A),
                SK_ENDPOINT_HOLD);
  ASSERT_INT_EQ(sk_sched_endpoint_gated(&s), 0);
  ASSERT_INT_EQ(sk_sched_final(&s, 0, 404, "x", &TOOL_A), SK_ENDPOINT_HOLD);
  /* Enough to judge by: nothing more goes until the rest answer. */
  ASSERT_INT_EQ(sk_sched_endpoint_gated(&s), 1);
  ASSERT_INT_EQ(sk_sched_decide(&s, 0), SK_ENDPOINT_IS_WRONG);
  ASSERT_INT_EQ(sk_sched_endpoint(&s, 0), SK_ENDPOINT_WRONG);
  ASSERT_INT_EQ(sk_sched_final(&s, 0, 404, "x", &TOOL_B), SK_ENDPOINT_IS_WRONG);
  /* The same 400 for every persona of one tool is that tool's. */
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 400, "too long", &TOOL_A),
                SK_ENDPOINT_HOLD);
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 400, "too long", &TOOL_A),
                SK_ENDPOINT_HOLD);
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 400, "too long", &TOOL_A),
                SK_ENDPOINT_HOLD);
  ASSERT_INT_EQ(sk_sched_decide(&s, 1), SK_ENDPOINT_RELEASE);
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 400, "too long", &TOOL_B),
                SK_ENDPOINT_FAIL);
  /* Across tools it is the endpoint's. */
  memset(&lim[1], 0, sizeof(lim[1]));
  sk_sched_final(&s, 1, 400, "bad path", &TOOL_A);
  sk_sched_final(&s, 1, 400, "bad path", &TOOL_A);
  sk_sched_final(&s, 1, 400, "bad path", &TOOL_B);
  ASSERT_INT_EQ(sk_sched_decide(&s, 1), SK_ENDPOINT_IS_WRONG);
  /* Fewer than three: not enough to call it wrong. */
  memset(&lim[1], 0, sizeof(lim[1]));
  sk_sched_final(&s, 1, 401, "bad key", &TOOL_A);
  sk_sched_final(&s, 1, 401, "bad key", &TOOL_B);
  ASSERT_INT_EQ(sk_sched_decide(&s, 1), SK_ENDPOINT_RELEASE);
  /* A 400 that differs proves it; so does a real answer. */
  memset(&lim[1], 0, sizeof(lim[1]));
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 400, "too long: 5000", &TOOL_A),
                SK_ENDPOINT_HOLD);
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 400, "too long: 6000", &TOOL_B),
                SK_ENDPOINT_RELEASE);
  ASSERT_INT_EQ(sk_sched_proven(&s, 1), 0);
  memset(&lim[1], 0, sizeof(lim[1]));
  ASSERT_INT_EQ(sk_sched_proven(&s, 1), 1);
  ASSERT_INT_EQ(sk_sched_final(&s, 1, 401, "bad key", &TOOL_A),
                SK_ENDPOINT_FAIL);
}

TEST(sched_window_and_budget) {
  struct sk_sched s;
  struct sk_chat_result cr;
  struct sk_sched_limit lim;
  size_t of = 0;
  sched_setup(&s);
  memset(&lim, 0, sizeof(lim));
  sk_bucket_init(&lim.rpm, 0, 0);
  sk_bucket_init(&lim.tpm, 0, 0);
  s.limits = &lim;
  s.limit_of = &of;
  memset(&cr, 0, sizeof(cr));
  cr.outcome = SK_OUTCOME_RETRY;
  sk_sched_settle(&s, 0, 0, 0, &cr, 429, 0, 5000);
  ASSERT_INT_EQ(sk_sched_window(&s), 4);
  sk_sched_settle(&s, 0, 0, 0, &cr, 429, 0, 5500); /* same second: once */
  ASSERT_INT_EQ(sk_sched_window(&s), 4);
  cr.outcome = SK_OUTCOME_OK;
  sk_sched_settle(&s, 0, 0, 0, &cr, 200, 0, 6000);
  ASSERT(s.cwnd > 4 && s.cwnd < 5);
  s.budget_usd = 1.0;
  sk_sched_charge(&s, 0, 100, 0.6, 7000);
  ASSERT_INT_EQ(sk_sched_over_budget(&s, 0.3), 0);
  ASSERT_INT_EQ(sk_sched_over_budget(&s, 0.5), 1);
  sk_sched_settle(&s, 0, 100, 0.6, &cr, 200, 0.1, 7100);
  ASSERT_INT_EQ(sk_sched_over_budget(&s, 0.5), 0);
}

int main(void) {
  RUN(accepted_review);
  RUN(rate_limited_then_accepted);
  RUN(unauthorized_fails_for_good);
  RUN(deadline_during_flight_abandons);
  RUN(budget_stops_before_sending);
  RUN(duplicate_slug_is_a_warning_not_stderr);
  RUN(writes_the_scorecard_to_outdir);
  RUN(redo_without_outdir_stops_the_run);
  RUN(sched_retry_policy);
  RUN(sched_retry_time_and_far_waits);
  RUN(sched_wrong_endpoint);
  RUN(sched_window_and_budget);
  return TEST_REPORT();
}
