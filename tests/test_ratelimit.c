/* test_ratelimit.c: the retry and rate-limit header parsers: Go durations,
 * RFC 3339 times, HTTP dates, Retry-After, and reading a response's
 * OpenAI- and Anthropic-style rate-limit headers into a budget and a wait. */
#include "harness.h"
#include "hdrs.h"
#include "shipskip/providers/ratelimit.h"

/* 2015-10-21T07:28:00Z */
#define T2015 1445412480LL

TEST(go_durations) {
  static const struct {
    const char *in;
    long ms;
  } CASES[] = {
      {"12ms", 12},
      {"1s", 1000},
      {"6m0s", 360000},
      {"1h2m3.5s", 3723500},
      {"17.142s", 17142},
      {"0", 0},
      {"0s", 0},
      {" 2s ", 2000},
      {"1.5ms", 2}, /* rounded up: never retry early */
      {"500us", 1},
      {"500\xc2\xb5s", 1},
      {"20ns", 1},
      {"2h", 7200000},
      {"168h", 7 * 86400000L},
      {"169h", SK_RATELIMIT_BEYOND}, /* longer than 7 days: refused */
      {"99999999999999999999s", SK_RATELIMIT_BEYOND},
      {"9999999999999999999999999999999999999999h", SK_RATELIMIT_BEYOND},
      {"", -1},
      {"s", -1},
      {"1", -1},
      {"1x", -1},
      {"-1s", -1},
      {"1s2", -1},
      {"inf", -1},
      {"1e3s", -1},
      {"1 s", -1},
      {"0x10s", -1},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    long got = sk_ratelimit_duration_ms(CASES[i].in);
    if (got != CASES[i].ms)
      TH_FAIL("duration \"%s\": got %ld, want %ld", CASES[i].in, got,
              CASES[i].ms);
  }
  ASSERT_INT_EQ(sk_ratelimit_duration_ms(NULL), -1);
}

TEST(rfc3339_times) {
  static const struct {
    const char *in;
    long long ms; /* -1: invalid */
  } CASES[] = {
      {"2015-10-21T07:28:00Z", T2015 * 1000},
      {"2015-10-21T07:28:00.250Z", T2015 * 1000 + 250},
      {"2015-10-21T07:28:00.5Z", T2015 * 1000 + 500},
      {"2015-10-21T09:28:00+02:00", T2015 * 1000},
      {"2015-10-21T02:58:00-04:30", T2015 * 1000},
      {"2015-10-21t07:28:00z", T2015 * 1000},
      {"2015-10-21 07:28:00Z", T2015 * 1000},
      {"2016-02-29T00:00:00Z", 1456704000LL * 1000},
      {"2024-06-11T17:23:45Z", 1718126625LL * 1000},
      {"2015-10-21T07:28:00", -1},
      {"2015-10-21T07:28Z", -1},
      {"2015-02-29T00:00:00Z", -1},
      {"2015-10-21T24:00:00Z", -1},
      {"2015-13-01T00:00:00Z", -1},
      {"2015-10-21T07:28:00.Z", -1},
      {"2015-10-21T07:28:00Zjunk", -1},
      {"2015-10-21T07:28:00+0200", -1},
      {"Wed, 21 Oct 2015 07:28:00 GMT", -1},
      {"", -1},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    long long got = -1;
    int rc = sk_ratelimit_rfc3339(CASES[i].in, &got);
    if ((rc == 0 ? got : -1) != CASES[i].ms)
      TH_FAIL("rfc3339 \"%s\": rc %d, got %lld, want %lld", CASES[i].in, rc,
              got, CASES[i].ms);
  }
}

TEST(http_dates_in_all_three_forms) {
  static const struct {
    const char *in;
    long long s;
  } CASES[] = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Wed, 21 Oct 2015 07:28:00 GMT", T2015},
      {"Wed, 21 Oct 2015 07:28:00 PST", -1},
      {"Wed, 21 Foo 2015 07:28:00 GMT", -1},
      {"Wed, 31 Feb 2015 07:28:00 GMT", -1},
      {"Wed, 21 Oct 2015 07:28:00 GMT trailing", -1},
      {"yesterday", -1},
  };
  size_t i;
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    long long got = -1;
    int rc = sk_ratelimit_http_date(CASES[i].in, &got);
    if ((rc == 0 ? got : -1) != CASES[i].s)
      TH_FAIL("http date \"%s\": rc %d, got %lld, want %lld", CASES[i].in, rc,
              got, CASES[i].s);
  }
}

TEST(retry_after_values) {
  long long now = T2015 * 1000;
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("120", now), 120000);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms(" 1.5 ", now), 1500);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("0", now), 0);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("soon", now), -1);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("-3", now), -1);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("5s", now), -1);
  /* Readable but beyond any wait we honour: never "not given" (issue 18),
   * whatever the size, so the review fails at once with the reason. */
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("99999999", now),
                SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("99999999999999999999", now),
                SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms(
                    "1000000000000000000000000000000000000000000000000000000"
                    "0000000000000000000000000000000000000000000000000000000"
                    "0000000000000000000000000000000000000000000000000000000"
                    "0000000000000000000000000000000000000000000000000000000"
                    "0000000000000000000000000000000000000000000000000000000"
                    "00000000000000000000000000000000000000000000000",
                    now),
                SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("604800", now),
                SK_RATELIMIT_MAX_MS);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("604800.001", now),
                SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(
      sk_ratelimit_retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", now),
      SK_RATELIMIT_BEYOND);
  /* Negative and garbage are not a wait at all: not given. */
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("-99999999999999999999", now), -1);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms("1e400", now), -1);
  ASSERT_INT_EQ(
      sk_ratelimit_retry_after_ms("Fri, 31 Dec 99999 23:59:59 GMT", now), -1);
  ASSERT_INT_EQ(sk_ratelimit_retry_after_ms(NULL, now), -1);
  ASSERT_INT_EQ(
      sk_ratelimit_retry_after_ms("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000);
  /* A date in the past means now; a date from now is counted in ms. */
  ASSERT_INT_EQ(
      sk_ratelimit_retry_after_ms("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  ASSERT_INT_EQ(
      sk_ratelimit_retry_after_ms("Wed, 21 Oct 2015 07:28:01 GMT", now - 500),
      1500);
}

TEST(retry_headers_prefer_milliseconds) {
  struct hdrs both = {{"Retry-After-Ms", "Retry-After"}, {"250", "9"}, ""};
  struct hdrs bad_ms = {{"retry-after-ms", "retry-after"}, {"soon", "9"}, ""};
  struct hdrs date = {{"retry-after"}, {"Wed, 21 Oct 2015 07:28:10 GMT"}, ""};
  struct hdrs none = {{NULL}, {NULL}, ""};
  long long now = T2015 * 1000;
  ASSERT_INT_EQ(sk_ratelimit_retry_ms(hdrs_lookup, &both, now), 250);
  ASSERT_INT_EQ(sk_ratelimit_retry_ms(hdrs_lookup, &bad_ms, now), 9000);
  ASSERT_INT_EQ(sk_ratelimit_retry_ms(hdrs_lookup, &date, now), 10000);
  ASSERT_INT_EQ(sk_ratelimit_retry_ms(hdrs_lookup, &none, now), -1);
  ASSERT_INT_EQ(sk_ratelimit_retry_ms(NULL, NULL, now), -1);
}

/* Every server-given delay, in every dialect, reports a wait beyond 7 days
 * as SK_RATELIMIT_BEYOND, never as "not given" (issue 18). */
TEST(far_waits_are_beyond_in_every_header) {
  struct hdrs ms = {{"retry-after-ms"}, {"99999999999999999999"}, ""};
  struct hdrs openai = {
      {"x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"},
      {"0", "99999999999h"},
      ""};
  struct hdrs anthropic = {{"anthropic-ratelimit-tokens-remaining",
                            "anthropic-ratelimit-tokens-reset"},
                           {"0", "9999-12-31T23:59:59Z"},
                           ""};
  struct sk_ratelimit rl;
  long long now = T2015 * 1000;
  ASSERT_INT_EQ(sk_ratelimit_retry_ms(hdrs_lookup, &ms, now),
                SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(
      sk_ratelimit_read(SK_RATELIMIT_OPENAI, hdrs_lookup, &openai, now, &rl),
      SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(rl.requests_reset_ms, SK_RATELIMIT_BEYOND);
  ASSERT_INT_EQ(sk_ratelimit_read(SK_RATELIMIT_ANTHROPIC, hdrs_lookup,
                                  &anthropic, now, &rl),
                SK_RATELIMIT_BEYOND);
}

TEST(openai_budget_and_wait) {
  struct hdrs h = {{"x-ratelimit-limit-requests",
                    "x-ratelimit-remaining-"
                    "requests",
                    "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens",
                    "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"},
                   {"60", "0", "6m0s", "150000", "149984", "6ms"},
                   ""};
  struct sk_ratelimit rl;
  long wait = sk_ratelimit_read(SK_RATELIMIT_OPENAI, hdrs_lookup, &h, 0, &rl);
  ASSERT_INT_EQ(rl.requests_limit, 60);
  ASSERT_INT_EQ(rl.requests_remaining, 0);
  ASSERT_INT_EQ(rl.requests_reset_ms, 360000);
  ASSERT_INT_EQ(rl.tokens_limit, 150000);
  ASSERT_INT_EQ(rl.tokens_remaining, 149984);
  ASSERT_INT_EQ(rl.tokens_reset_ms, 6);
  /* Only the requests bucket is empty: wait for it. */
  ASSERT_INT_EQ(wait, 360000);
  /* Both empty: wait for the later one. */
  h.values[4] = "0";
  h.values[5] = "1h2m3.5s";
  wait = sk_ratelimit_read(SK_RATELIMIT_OPENAI, hdrs_lookup, &h, 0, &rl);
  ASSERT_INT_EQ(wait, 3723500);
  /* Nothing empty: no wait; unreadable values are "not given". */
  h.values[1] = "12";
  h.values[4] = "lots";
  h.values[5] = "soon";
  wait = sk_ratelimit_read(SK_RATELIMIT_OPENAI, hdrs_lookup, &h, 0, &rl);
  ASSERT_INT_EQ(wait, -1);
  ASSERT_INT_EQ(rl.requests_remaining, 12);
  ASSERT_INT_EQ(rl.tokens_remaining, -1);
  ASSERT_INT_EQ(rl.tokens_reset_ms, -1);
}

TEST(anthropic_budget_and_wait) {
  struct hdrs h = {{"anthropic-ratelimit-requests-limit",
                    "anthropic-ratelimit-requests-remaining",
                    "anthropic-ratelimit-requests-reset",
                    "anthropic-ratelimit-tokens-limit",
                    "anthropic-ratelimit-tokens-remaining",
                    "anthropic-ratelimit-tokens-reset",
                    "anthropic-ratelimit-input-tokens-remaining",
                    "anthropic-ratelimit-input-tokens-reset"},
                   {"50", "0", "2015-10-21T07:28:30Z", "40000", "38000",
                    "2015-10-21T07:28:01.5Z", "0", "2015-10-21T07:29:00Z"},
                   ""};
  struct sk_ratelimit rl;
  long long now = T2015 * 1000;
  long wait =
      sk_ratelimit_read(SK_RATELIMIT_ANTHROPIC, hdrs_lookup, &h, now, &rl);
  ASSERT_INT_EQ(rl.requests_limit, 50);
  ASSERT_INT_EQ(rl.requests_remaining, 0);
  ASSERT_INT_EQ(rl.requests_reset_ms, 30000);
  ASSERT_INT_EQ(rl.tokens_limit, 40000);
  ASSERT_INT_EQ(rl.tokens_remaining, 38000);
  ASSERT_INT_EQ(rl.tokens_reset_ms, 1500);
  /* The input-tokens bucket is empty too, and resets later. */
  ASSERT_INT_EQ(wait, 60000);
  /* A reset in the past is now. */
  wait = sk_ratelimit_read(SK_RATELIMIT_ANTHROPIC, hdrs_lookup, &h,
                           now + 3600000, &rl);
  ASSERT_INT_EQ(rl.requests_reset_ms, 0);
  ASSERT_INT_EQ(wait, 0);
  /* Durations are OpenAI's form, not Anthropic's. */
  h.values[2] = "30s";
  h.values[6] = "5";
  wait = sk_ratelimit_read(SK_RATELIMIT_ANTHROPIC, hdrs_lookup, &h, now, &rl);
  ASSERT_INT_EQ(rl.requests_reset_ms, -1);
  ASSERT_INT_EQ(wait, -1);
}

TEST(no_style_reads_nothing) {
  struct hdrs h = {{"x-ratelimit-remaining-requests"}, {"0"}, ""};
  struct sk_ratelimit rl;
  ASSERT_INT_EQ(sk_ratelimit_read(SK_RATELIMIT_NONE, hdrs_lookup, &h, 0, &rl),
                -1);
  ASSERT_INT_EQ(rl.requests_remaining, -1);
  ASSERT_INT_EQ(sk_ratelimit_read(SK_RATELIMIT_OPENAI, NULL, NULL, 0, &rl), -1);
  ASSERT_INT_EQ(rl.tokens_limit, -1);
}

TEST(clock_is_plausible) {
  /* After 2020-01-01 and in milliseconds. */
  ASSERT(sk_ratelimit_now_ms() > 1577836800000LL);
}

int main(void) {
  RUN(go_durations);
  RUN(rfc3339_times);
  RUN(http_dates_in_all_three_forms);
  RUN(retry_after_values);
  RUN(retry_headers_prefer_milliseconds);
  RUN(far_waits_are_beyond_in_every_header);
  RUN(openai_budget_and_wait);
  RUN(anthropic_budget_and_wait);
  RUN(no_style_reads_nothing);
  RUN(clock_is_plausible);
  return TEST_REPORT();
}
