/* provider.c: the provider registry and what all wire formats share: the
 * retry policy for HTTP statuses and Retry-After parsing (see provider.h). */
#include "shipskip/provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

extern const struct sk_provider sk_provider_openai;

static const struct sk_provider *const PROVIDERS[] = {&sk_provider_openai};

const struct sk_provider *sk_provider_find(const char *name) {
  size_t i;
  for (i = 0; i < sizeof(PROVIDERS) / sizeof(PROVIDERS[0]); i++)
    if (strcmp(PROVIDERS[i]->name, name) == 0)
      return PROVIDERS[i];
  return NULL;
}

void sk_wire_request_cleanup(struct sk_wire_request *w) {
  size_t i;
  if (w == NULL)
    return;
  free(w->url);
  for (i = 0; i < w->nheaders; i++)
    free(w->headers[i]);
  free(w->body);
  memset(w, 0, sizeof(*w));
  w->secret_header = -1;
}

void sk_chat_result_cleanup(struct sk_chat_result *r) {
  if (r == NULL)
    return;
  free(r->content);
  r->content = NULL;
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

long sk_retry_after_ms(const char *value, long long now_unix) {
  static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  char mon[4];
  int day, year, hh, mm, ss;
  unsigned m;
  long long when;
  const char *p = value;

  while (*p == ' ')
    p++;
  if (isdigit((unsigned char)*p)) {
    char *end;
    double secs = strtod(p, &end);
    while (*end == ' ')
      end++;
    if (*end != '\0' || secs < 0 || secs > 86400.0 * 7)
      return -1;
    return (long)(secs * 1000.0);
  }
  /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
  if (sscanf(p, "%*3s, %d %3s %d %d:%d:%d GMT", &day, mon, &year, &hh, &mm,
             &ss) != 6)
    return -1;
  for (m = 0; m < 12; m++)
    if (strcmp(mon, MONTHS[m]) == 0)
      break;
  if (m == 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
    return -1;
  when = days_from_civil(year, m + 1, (unsigned)day) * 86400 + hh * 3600 +
         mm * 60 + ss;
  return when <= now_unix ? 0 : (long)((when - now_unix) * 1000);
}

void sk_provider_classify(long status, sk_header_fn header, void *hctx,
                          struct sk_chat_result *out) {
  const char *v;

  out->retry_after_ms = -1;
  v = header != NULL ? header(hctx, "retry-after-ms") : NULL;
  if (v != NULL) {
    char *end;
    double ms = strtod(v, &end);
    if (end != v && ms >= 0 && ms < 7 * 86400e3)
      out->retry_after_ms = (long)ms;
  }
  v = header != NULL ? header(hctx, "retry-after") : NULL;
  if (v != NULL && out->retry_after_ms < 0)
    out->retry_after_ms = sk_retry_after_ms(v, (long long)time(NULL));

  if (status == 429) {
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "429");
  } else if (status == 408) {
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "408");
  } else if (status >= 500 && status <= 599) {
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "5xx");
  } else {
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "%ld", status);
  }
}
