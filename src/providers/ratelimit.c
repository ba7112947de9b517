/* ratelimit.c: parsers for retry and rate-limit header values (durations,
 * RFC 3339 times, HTTP dates) and the readers that turn a response's headers
 * into waits and a budget (see ratelimit.h). Dates are converted with
 * days_from_civil() rather than timegm(), which C11 and POSIX lack. */
#include "shipskip/providers/ratelimit.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sk_ratelimit_init(struct sk_ratelimit *rl) {
  rl->requests_limit = -1;
  rl->requests_remaining = -1;
  rl->requests_reset_ms = -1;
  rl->tokens_limit = -1;
  rl->tokens_remaining = -1;
  rl->tokens_reset_ms = -1;
}

long long sk_ratelimit_now_ms(void) {
  struct timespec ts;
  if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
    return (long long)time(NULL) * 1000;
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), without timegm(). */
static long long days_from_civil(int y, unsigned m, unsigned d) {
  long long era;
  unsigned yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned)(y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

static int days_in_month(int y, int m) {
  static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : DAYS[m - 1];
}

/* Unix seconds of a UTC date and time, or -1 when a field is out of range.
 * A leap second (60) is counted as the next second. */
static long long civil_seconds(int y, int mo, int d, int h, int mi, int s) {
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
      d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 60)
    return -1;
  return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
         mi * 60 + s;
}

/* Reads exactly n digits at *p into *out and advances *p. */
static int digits(const char **p, int n, int *out) {
  int v = 0;
  int i;
  for (i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i]))
      return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

/* Reads a non-negative decimal number with an optional fraction ("12",
 * "3.5", ".5") at *p, advancing *p. strtod() would also take "inf", hex and
 * exponents, none of which a header value should hold. */
static int decimal(const char **p, double *out) {
  const char *s = *p;
  double v = 0;
  double scale = 1;
  int any = 0;
  while (isdigit((unsigned char)*s)) {
    v = v * 10 + (*s++ - '0');
    any = 1;
  }
  if (*s == '.') {
    s++;
    while (isdigit((unsigned char)*s)) {
      scale /= 10;
      v += (*s++ - '0') * scale;
      any = 1;
    }
  }
  if (!any)
    return -1;
  *p = s;
  *out = v;
  return 0;
}

static const char *skip_spaces(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* Rounds a non-negative millisecond count up to a long; past 7 days (an
 * overflow to infinity included) SK_RATELIMIT_BEYOND, never -1: a server
 * that asks for a year asked for something, and must not be read as one
 * that said nothing. */
static long ms_or_invalid(double ms) {
  double up;
  if (!(ms >= 0))
    return -1;
  if (ms > (double)SK_RATELIMIT_MAX_MS)
    return SK_RATELIMIT_BEYOND;
  up = (double)(long)ms;
  return (long)(up < ms ? up + 1 : up);
}

long sk_ratelimit_duration_ms(const char *s) {
  static const struct {
    const char *name;
    double ms;
  } UNITS[] = {
      /* "ms" before "m", so a millisecond is not read as a minute. */
      {"ms", 1},           {"h", 3600e3},       {"m", 60e3}, {"s", 1e3},
      {"us", 1e-3},        {"\xc2\xb5s", 1e-3}, /* U+00B5 micro sign */
      {"\xce\xbcs", 1e-3},                      /* U+03BC greek mu */
      {"ns", 1e-6},
  };
  const char *p;
  double total = 0;
  int parts = 0;

  if (s == NULL)
    return -1;
  p = skip_spaces(s);
  if (p[0] == '0' && *skip_spaces(p + 1) == '\0')
    return 0;
  while (*p != '\0' && *p != ' ' && *p != '\t') {
    double v;
    size_t i;
    size_t n = 0;
    if (decimal(&p, &v) != 0)
      return -1;
    for (i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]); i++) {
      n = strlen(UNITS[i].name);
      if (strncmp(p, UNITS[i].name, n) == 0)
        break;
    }
    if (i == sizeof(UNITS) / sizeof(UNITS[0]))
      return -1;
    p += n;
    total += v * UNITS[i].ms;
    parts++;
  }
  if (parts == 0 || *skip_spaces(p) != '\0')
    return -1;
  return ms_or_invalid(total);
}

int sk_ratelimit_rfc3339(const char *s, long long *unix_ms) {
  int y, mo, d, h, mi, sec;
  long long secs;
  double frac = 0;
  long offset = 0;
  const char *p = s;

  if (s == NULL)
    return -1;
  p = skip_spaces(p);
  if (digits(&p, 4, &y) != 0 || *p++ != '-' || digits(&p, 2, &mo) != 0 ||
      *p++ != '-' || digits(&p, 2, &d) != 0)
    return -1;
  if (*p != 'T' && *p != 't' && *p != ' ')
    return -1;
  p++;
  if (digits(&p, 2, &h) != 0 || *p++ != ':' || digits(&p, 2, &mi) != 0 ||
      *p++ != ':' || digits(&p, 2, &sec) != 0)
    return -1;
  if (*p == '.') {
    const char *f = p;
    if (!isdigit((unsigned char)f[1]) || decimal(&f, &frac) != 0)
      return -1;
    p = f;
  }
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om;
    int sign = *p == '-' ? -1 : 1;
    p++;
    if (digits(&p, 2, &oh) != 0 || *p++ != ':' || digits(&p, 2, &om) != 0 ||
        oh > 23 || om > 59)
      return -1;
    offset = sign * (oh * 3600L + om * 60L);
  } else {
    return -1;
  }
  if (*skip_spaces(p) != '\0')
    return -1;
  secs = civil_seconds(y, mo, d, h, mi, sec);
  if (secs < 0)
    return -1;
  /* Local time minus its offset is UTC. */
  *unix_ms = (secs - offset) * 1000 + (long long)(frac * 1000.0);
  return 0;
}

static int month_index(const char *name) {
  static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  int m;
  for (m = 0; m < 12; m++)
    if (strcmp(name, MONTHS[m]) == 0)
      return m + 1;
  return -1;
}

int sk_ratelimit_http_date(const char *s, long long *unix_s) {
  char wday[10];
  char mon[4];
  int d, y, h, mi, sec, m;
  int imf = -1;
  int rfc850 = -1;
  int asc = -1;
  int end;
  long long t;

  if (s == NULL)
    return -1;
  s = skip_spaces(s);
  /* %n is reached only when the whole form matched, "GMT" included. */
  if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wday, &d,
             mon, &y, &h, &mi, &sec, &imf) == 7 &&
      imf > 0) {
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
    end = imf;
  } else if (sscanf(s, "%9[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wday,
                    &d, mon, &y, &h, &mi, &sec, &rfc850) == 7 &&
             rfc850 > 0) {
    /* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT", a two-digit year. RFC 9110
     * reads one more than 50 years ahead as the past century; pivoting at
     * 70 agrees for every date this program will see. */
    end = rfc850;
    y += y < 70 ? 2000 : 1900;
  } else if (sscanf(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wday, mon,
                    &d, &h, &mi, &sec, &y, &asc) == 7 &&
             asc > 0) {
    /* asctime: "Sun Nov  6 08:49:37 1994". */
    end = asc;
  } else {
    return -1;
  }
  if (*skip_spaces(s + end) != '\0')
    return -1;
  m = month_index(mon);
  if (m < 0)
    return -1;
  t = civil_seconds(y, m, d, h, mi, sec);
  if (t < 0)
    return -1;
  *unix_s = t;
  return 0;
}

long sk_ratelimit_retry_after_ms(const char *value, long long now_ms) {
  const char *p;
  long long when;

  if (value == NULL)
    return -1;
  p = skip_spaces(value);
  if (isdigit((unsigned char)*p)) {
    double secs;
    if (decimal(&p, &secs) != 0 || *skip_spaces(p) != '\0')
      return -1;
    return ms_or_invalid(secs * 1000.0);
  }
  if (sk_ratelimit_http_date(p, &when) != 0)
    return -1;
  when *= 1000;
  if (when <= now_ms)
    return 0;
  if (when - now_ms > SK_RATELIMIT_MAX_MS)
    return SK_RATELIMIT_BEYOND;
  return (long)(when - now_ms);
}

long sk_ratelimit_retry_ms(sk_header_fn header, void *hctx, long long now_ms) {
  const char *v;
  long ms = -1;

  if (header == NULL)
    return -1;
  v = header(hctx, "retry-after-ms");
  if (v != NULL) {
    const char *p = skip_spaces(v);
    double d;
    if (decimal(&p, &d) == 0 && *skip_spaces(p) == '\0')
      ms = ms_or_invalid(d);
  }
  if (ms < 0) {
    v = header(hctx, "retry-after");
    if (v != NULL)
      ms = sk_ratelimit_retry_after_ms(v, now_ms);
  }
  return ms;
}

/* A non-negative integer header value, or -1. */
static long count_value(const char *v) {
  char *end;
  long n;
  if (v == NULL)
    return -1;
  v = skip_spaces(v);
  if (!isdigit((unsigned char)*v))
    return -1;
  errno = 0;
  n = strtol(v, &end, 10);
  if (errno == ERANGE)
    n = LONG_MAX;
  return *skip_spaces(end) == '\0' ? n : -1;
}

/* An RFC 3339 reset time as milliseconds from now_ms (0 when past), or -1. */
static long reset_at(const char *v, long long now_ms) {
  long long when;
  if (sk_ratelimit_rfc3339(v, &when) != 0)
    return -1;
  if (when <= now_ms)
    return 0;
  if (when - now_ms > SK_RATELIMIT_MAX_MS)
    return SK_RATELIMIT_BEYOND;
  return (long)(when - now_ms);
}

struct bucket {
  long limit;
  long remaining;
  long reset_ms;
};

/* Reads one bucket: PREFIX-limit-NAME or PREFIX-NAME-limit and so on,
 * depending on the style. Each value is parsed before the next lookup,
 * because a lookup may reuse the storage of the one before. */
static void read_bucket(enum sk_ratelimit_style style, const char *name,
                        sk_header_fn header, void *hctx, long long now_ms,
                        struct bucket *b) {
  static const char *const FIELDS[] = {"limit", "remaining", "reset"};
  char key[80];
  int i;

  b->limit = b->remaining = b->reset_ms = -1;
  for (i = 0; i < 3; i++) {
    const char *v;
    if (style == SK_RATELIMIT_OPENAI)
      snprintf(key, sizeof(key), "x-ratelimit-%s-%s", FIELDS[i], name);
    else
      snprintf(key, sizeof(key), "anthropic-ratelimit-%s-%s", name, FIELDS[i]);
    v = header(hctx, key);
    if (i == 0)
      b->limit = count_value(v);
    else if (i == 1)
      b->remaining = count_value(v);
    else if (v == NULL)
      b->reset_ms = -1;
    else if (style == SK_RATELIMIT_OPENAI)
      b->reset_ms = sk_ratelimit_duration_ms(v);
    else
      b->reset_ms = reset_at(v, now_ms);
  }
}

long sk_ratelimit_read(enum sk_ratelimit_style style, sk_header_fn header,
                       void *hctx, long long now_ms, struct sk_ratelimit *rl) {
  static const char *const OPENAI[] = {"requests", "tokens", NULL};
  static const char *const ANTHROPIC[] = {"requests", "tokens", "input-tokens",
                                          "output-tokens", NULL};
  const char *const *names;
  long wait = -1;
  int i;

  sk_ratelimit_init(rl);
  if (header == NULL || style == SK_RATELIMIT_NONE)
    return -1;
  names = style == SK_RATELIMIT_OPENAI ? OPENAI : ANTHROPIC;
  for (i = 0; names[i] != NULL; i++) {
    struct bucket b;
    read_bucket(style, names[i], header, hctx, now_ms, &b);
    if (i == 0) {
      rl->requests_limit = b.limit;
      rl->requests_remaining = b.remaining;
      rl->requests_reset_ms = b.reset_ms;
    } else if (i == 1) {
      rl->tokens_limit = b.limit;
      rl->tokens_remaining = b.remaining;
      rl->tokens_reset_ms = b.reset_ms;
    }
    if (b.remaining == 0 && b.reset_ms > wait)
      wait = b.reset_ms;
  }
  return wait;
}
