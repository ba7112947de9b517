/* test_events.c: the CLI's renderer of engine events (src/cli/events.c):
 * the exact "shipskip: ..." lines, the progress line drawn and erased
 * before a message, and the exact --log-json lines (fields, then "ms" and
 * "event"), in the order the run has always written them.
 */
#include "harness.h"

#include "../src/cli/events.h"
#include "shipskip/review/engine.h"

#include "shipskip/util/scrub.h"

#include <errno.h>
#include <string.h>

/* Reads back everything written to f. */
static void slurp(FILE *f, char *out, size_t size) {
  size_t n;
  fflush(f);
  rewind(f);
  n = fread(out, 1, size - 1, f);
  out[n] = '\0';
}

TEST(review_lines) {
  FILE *text = tmpfile();
  FILE *log = tmpfile();
  struct sk_events r;
  struct sk_event ev;
  char buf[2048];

  ASSERT(text != NULL && log != NULL);
  sk_events_init(&r, text, log, 0);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_REQUEST;
  ev.ms = 5;
  ev.slug = "t";
  ev.persona = "builder";
  ev.attempt = 1;
  sk_events_cb(&r, &ev);
  ev.kind = SK_EVENT_REVIEW_ENDED;
  ev.ms = 9;
  ev.flag = 1;
  ev.score = 84;
  ev.verdict = "ship";
  ev.retry = 2;
  sk_events_cb(&r, &ev);
  ev.kind = SK_EVENT_REVIEW_STATE; /* not logged */
  sk_events_cb(&r, &ev);
  slurp(log, buf, sizeof(buf));
  ASSERT_STR_EQ(buf,
                "{\"tool\":\"t\",\"persona\":\"builder\",\"attempt\":1,"
                "\"retry\":0,\"ms\":5,\"event\":\"request\"}\n"
                "{\"tool\":\"t\",\"persona\":\"builder\",\"status\":\"ok\","
                "\"score\":84,\"verdict\":\"ship\",\"attempts\":1,"
                "\"retries\":2,\"ms\":9,\"event\":\"review\"}\n");
  slurp(text, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "");
  fclose(text);
  fclose(log);
}

TEST(messages_and_order) {
  FILE *both = tmpfile(); /* --log-json - : one stream for both */
  struct sk_events r;
  struct sk_event ev;
  char buf[2048];

  ASSERT(both != NULL);
  sk_events_init(&r, both, both, 0);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_BAD_RECORD;
  ev.ms = 1;
  ev.message = "x.jsonl:3: bad (record skipped)";
  ev.detail = "x.jsonl:3: bad";
  sk_events_cb(&r, &ev);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_STOPPING;
  ev.ms = 2;
  ev.detail = "SIGINT";
  ev.message = "interrupted (SIGINT): starting no new requests";
  sk_events_cb(&r, &ev);
  slurp(both, buf, sizeof(buf));
  /* A bad record is said, then logged; a stop is logged, then said. */
  ASSERT_STR_EQ(buf, "shipskip: x.jsonl:3: bad (record skipped)\n"
                     "{\"message\":\"x.jsonl:3: bad\",\"ms\":1,\"event\":"
                     "\"bad_record\"}\n"
                     "{\"reason\":\"SIGINT\",\"ms\":2,\"event\":\"stop\"}\n"
                     "shipskip: interrupted (SIGINT): starting no new "
                     "requests\n");
  fclose(both);
}

TEST(names_cannot_reorder_or_rewrite_the_line) {
  FILE *text = tmpfile();
  struct sk_events r;
  struct sk_event ev;
  char buf[2048];

  ASSERT(text != NULL);
  sk_events_init(&r, text, NULL, 0);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_WARNING;
  ev.message = "t.jsonl:1: Evil\xe2\x80\xaeTool\r\x1b[2K: flagged";
  sk_events_cb(&r, &ev);
  slurp(text, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "shipskip: t.jsonl:1: Evil<U+202E>Tool<U+000D><U+001B>"
                     "[2K: flagged\n");
  fclose(text);
}

TEST(progress_line) {
  FILE *text = tmpfile();
  struct sk_events r;
  struct sk_event ev;
  struct sk_engine_stats st;
  char buf[2048];

  ASSERT(text != NULL);
  memset(&st, 0, sizeof(st));
  st.tools_ok = 3;
  st.tools_failed = 1;
  st.requests = 20;
  st.prompt_tokens = 12000;
  sk_events_init(&r, text, NULL, 1);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_PROGRESS;
  ev.ms = 2000;
  ev.stats = &st;
  ev.in_flight = 2;
  ev.waiting = 1;
  ev.total = 8;
  sk_events_cb(&r, &ev);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_WARNING;
  ev.message = "something";
  sk_events_cb(&r, &ev);
  ev.kind = SK_EVENT_CLOSING; /* nothing drawn: nothing to erase */
  sk_events_cb(&r, &ev);
  slurp(text, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "\r\033[Kshipskip: 4/8 tools (1 with failures, 0 bad) · "
                     "2 in flight · 1 retrying · 10 req/s · 12k tokens · "
                     "ETA 2s"
                     "\r\033[Kshipskip: something\n");
  fclose(text);
}

TEST(no_progress_unless_asked) {
  FILE *text = tmpfile();
  struct sk_events r;
  struct sk_event ev;
  struct sk_engine_stats st;
  char buf[256];

  ASSERT(text != NULL);
  memset(&st, 0, sizeof(st));
  sk_events_init(&r, text, NULL, 0);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_PROGRESS;
  ev.stats = &st;
  ev.total = -1;
  sk_events_cb(&r, &ev);
  slurp(text, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "");
  fclose(text);
}

/* A log that cannot be written (a full disk) is remembered with its
 * errno, for the run to report and fail on, and nothing more is tried. */
TEST(failed_log_write_is_kept) {
  FILE *text = tmpfile();
  FILE *full = fopen("/dev/full", "w");
  struct sk_events r;
  struct sk_event ev;

  ASSERT(text != NULL && full != NULL);
  sk_events_init(&r, text, full, 0);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_REQUEST;
  ev.slug = "t";
  ev.persona = "builder";
  ASSERT_INT_EQ(r.log_errno, 0);
  sk_events_cb(&r, &ev);
  ASSERT_INT_EQ(r.log_errno, ENOSPC);
  sk_events_cb(&r, &ev);
  ASSERT_INT_EQ(r.log_errno, ENOSPC);
  fclose(full);
  fclose(text);
}

/* A credential in a message or a log field (echoed by a server, say) is
 * replaced on its way out, whatever its source. */
TEST(credentials_are_scrubbed) {
  FILE *text = tmpfile();
  FILE *log = tmpfile();
  struct sk_events r;
  struct sk_event ev;
  char buf[2048];

  ASSERT(text != NULL && log != NULL);
  ASSERT_INT_EQ(sk_scrub_add("sk-events-secret-42"), 0);
  sk_events_init(&r, text, log, 0);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_RETRY;
  ev.slug = "t";
  ev.persona = "builder";
  ev.cause = "5xx";
  ev.detail = "HTTP 500: bad key sk-events-secret-42";
  ev.message = "t/builder: retrying: bad key sk-events-secret-42";
  sk_events_cb(&r, &ev);
  slurp(text, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "shipskip: t/builder: retrying: bad key [redacted]\n");
  slurp(log, buf, sizeof(buf));
  ASSERT_NOT_CONTAINS(buf, "sk-events-secret-42");
  ASSERT_CONTAINS(buf, "\"message\":\"HTTP 500: bad key [redacted]\"");
  sk_scrub_clear();
  fclose(text);
  fclose(log);
}

int main(void) {
  RUN(review_lines);
  RUN(messages_and_order);
  RUN(names_cannot_reorder_or_rewrite_the_line);
  RUN(progress_line);
  RUN(no_progress_unless_asked);
  RUN(failed_log_write_is_kept);
  RUN(credentials_are_scrubbed);
  return TEST_REPORT();
}
