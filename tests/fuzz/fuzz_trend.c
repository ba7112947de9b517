/* fuzz_trend.c: an earlier run's summary.json read back for the site's
 * night-by-night charts (site --trend).
 *
 * The input is added as one night, then again as a second, to a trend.
 * Checked: a night is either added whole or not at all, and every value is
 * in range or NaN (a ship rate 0..100, kappa and alpha -1..1), so a page
 * never draws a made-up number.
 */
#include "fuzz.h"
#include "shipskip/model/trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void check(const struct sk_trend *t) {
  size_t n;
  size_t p;
  for (n = 0; n < t->nights; n++) {
    if (t->labels[n] == NULL)
      sk_fuzz_fail("night %zu without a label", n);
    if (!isnan(t->kappa[n]) && !(t->kappa[n] >= -1 && t->kappa[n] <= 1))
      sk_fuzz_fail("kappa %g out of range", t->kappa[n]);
    if (!isnan(t->alpha[n]) && !(t->alpha[n] >= -1 && t->alpha[n] <= 1))
      sk_fuzz_fail("alpha %g out of range", t->alpha[n]);
    for (p = 0; p < t->npersonas; p++) {
      double v = t->ship_rate[p][n];
      if (!isnan(v) && !(v >= 0 && v <= 100))
        sk_fuzz_fail("ship rate %g out of range", v);
    }
  }
  for (p = 0; p < t->npersonas; p++)
    if (t->personas[p] == NULL || t->personas[p][0] == '\0')
      sk_fuzz_fail("persona %zu without a name", p);
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  struct sk_trend *t = calloc(1, sizeof(*t));
  int first;
  int second;

  if (t == NULL)
    return 0;
  first = sk_trend_add_night(t, "night-1", (const char *)data, size);
  second = sk_trend_add_night(t, "night-2", (const char *)data, size);
  if (first != second)
    sk_fuzz_fail("the same text read %d then %d", first, second);
  if (t->nights != (first == 0 ? 2u : 0u))
    sk_fuzz_fail("%zu nights after %d", t->nights, first);
  check(t);
  sk_trend_cleanup(t);
  free(t);
  return 0;
}
