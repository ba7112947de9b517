/* ratelimit.h: reading when a server says to come back, in every dialect.
 *
 * LLM APIs say how long to wait, and how much budget is left, in headers of
 * their own: Retry-After (delay-seconds or an HTTP date), retry-after-ms,
 * OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens} (resets as
 * Go durations: "12ms", "1s", "6m0s", "1h2m3.5s"), Anthropic's
 * anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
 * {limit,remaining,reset} (resets as RFC 3339 times). This module parses
 * those values into milliseconds and fills a small struct a rate limiter can
 * read. It has no clock of its own: every function that needs "now" takes
 * it, so tests are exact; sk_ratelimit_now_ms() reads the real clock.
 *
 * Nothing here allocates; values that do not parse are reported as -1
 * ("not given"), never as an error that stops a review. A value that does
 * parse but asks for longer than 7 days, however large (a 20-digit
 * Retry-After, a date in the year 9999), is SK_RATELIMIT_BEYOND: a wait no
 * caller honours, so the review that got it fails at once with the reason
 * instead of being retried as if the server had said nothing.
 */
#ifndef SHIPSKIP_RATELIMIT_H
#define SHIPSKIP_RATELIMIT_H

/* Looks a response header up by name (case-insensitive); returns its value
 * or NULL. The value may live only until the next lookup: copy or parse it
 * before asking for another header. */
typedef const char *(*sk_header_fn)(void *ctx, const char *name);

/* Which vendor's rate-limit headers a response carries. Retry-After and
 * retry-after-ms are read in every style. */
enum sk_ratelimit_style {
  SK_RATELIMIT_NONE = 0,  /* no rate-limit headers (Gemini, Ollama) */
  SK_RATELIMIT_OPENAI,    /* x-ratelimit-*, resets as durations */
  SK_RATELIMIT_ANTHROPIC, /* anthropic-ratelimit-*, resets as times */
};

/* The budget a response reported. Every field is -1 when the server did not
 * say (or said something unreadable). Resets are milliseconds from the
 * response until that budget is full again. For Anthropic the token fields
 * are its "tokens" bucket: the most restrictive limit in effect. */
struct sk_ratelimit {
  long requests_limit;
  long requests_remaining;
  long requests_reset_ms;
  long tokens_limit;
  long tokens_remaining;
  long tokens_reset_ms;
};

/* The longest wait any parser here returns as such: 7 days. */
#define SK_RATELIMIT_MAX_MS (7L * 86400L * 1000L)

/* What the parsers return for a readable wait longer than 7 days: one
 * millisecond more, so every "longer than --max-retry-wait" check refuses
 * it (--max-retry-wait is at most a day). */
#define SK_RATELIMIT_BEYOND (SK_RATELIMIT_MAX_MS + 1L)

/* Sets every field of rl to -1. */
void sk_ratelimit_init(struct sk_ratelimit *rl);

/* Returns the current time as Unix milliseconds (the real clock). */
long long sk_ratelimit_now_ms(void);

/* Parses a Go-style duration as OpenAI sends it: one or more <number><unit>
 * with units h, m, s, ms, us (or µs) and ns; the number may have a fraction
 * ("1h2m3.5s", "6m0s", "12ms"); a bare "0" is zero. Returns milliseconds,
 * rounded up; SK_RATELIMIT_BEYOND when it exceeds 7 days; -1 when s is not
 * such a duration. */
long sk_ratelimit_duration_ms(const char *s);

/* Parses an RFC 3339 date-time ("2024-06-11T17:23:45Z",
 * "2024-06-11T17:23:45.5+02:00"; T or space, Z or a numeric offset).
 * Returns 0 and *unix_ms, or -1 when s is not one. */
int sk_ratelimit_rfc3339(const char *s, long long *unix_ms);

/* Parses an HTTP date in any of the three forms RFC 9110 requires a
 * recipient to accept (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994").
 * Returns 0 and *unix_s, or -1. */
int sk_ratelimit_http_date(const char *s, long long *unix_s);

/* Parses a Retry-After value: delay-seconds (a fraction is tolerated) or an
 * HTTP date, relative to now_ms. Returns milliseconds (0 for a date in the
 * past), SK_RATELIMIT_BEYOND when it is more than 7 days away, or -1 when
 * value is neither (a negative number is neither). */
long sk_ratelimit_retry_after_ms(const char *value, long long now_ms);

/* Reads retry-after-ms (milliseconds, preferred) then Retry-After. Returns
 * the wait in milliseconds (SK_RATELIMIT_BEYOND past 7 days), or -1 when
 * neither header is present and readable. */
long sk_ratelimit_retry_ms(sk_header_fn header, void *hctx, long long now_ms);

/* Reads style's rate-limit headers into rl (initializing it first), with
 * resets made relative to now_ms. Returns the wait until every exhausted
 * bucket (remaining 0, with a readable reset) has reset — the latest such
 * reset — or -1 when no bucket is known to be exhausted. For Anthropic the
 * input-tokens and output-tokens buckets count too. */
long sk_ratelimit_read(enum sk_ratelimit_style style, sk_header_fn header,
                       void *hctx, long long now_ms, struct sk_ratelimit *rl);

#endif
