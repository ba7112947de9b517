/* jsonget.c: bounded reads of JSON numbers (see jsonget.h). The comparisons
 * are written so that NaN fails every one of them. */
#include "shipskip/util/jsonget.h"

#include <math.h>

int sk_json_int(const cJSON *v, long long min, long long max, long long *out) {
  double d;

  if (!cJSON_IsNumber(v))
    return 0;
  d = v->valuedouble;
  /* The bounds are checked as doubles before the cast, so the cast below
   * only ever sees a value that fits. */
  if (!(d >= (double)min && d <= (double)max) || d != floor(d))
    return 0;
  *out = (long long)d;
  return 1;
}

int sk_json_num(const cJSON *v, double min, double max, double *out) {
  double d;

  if (!cJSON_IsNumber(v))
    return 0;
  d = v->valuedouble;
  if (!(d >= min && d <= max) || !isfinite(d))
    return 0;
  *out = d;
  return 1;
}
