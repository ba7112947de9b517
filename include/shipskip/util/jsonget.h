/* jsonget.h: reading numbers from parsed JSON without trusting them.
 *
 * A JSON number is a double: 1e300, -0.5 or 1e19 all parse, and casting one
 * that does not fit to an integer type is undefined behaviour (fuzzing found
 * it three times). Every integer we take from outside input goes through
 * here, with the bounds its field allows, so there is one cap and one check.
 */
#ifndef SHIPSKIP_JSONGET_H
#define SHIPSKIP_JSONGET_H

#include <cJSON.h>

/* The largest integer a double holds exactly: the default upper bound for
 * counts (tokens, votes, occurrences) that have no natural limit. */
#define SK_JSON_INT_MAX 9007199254740991LL

/* Stores v's value in *out and returns 1 when v is a number that is an
 * integer within [min, max]; returns 0 (and leaves *out alone) when v is
 * NULL, not a number, not integral, not finite or out of bounds. */
int sk_json_int(const cJSON *v, long long min, long long max, long long *out);

/* The same for a finite number (integral or not) within [min, max]. */
int sk_json_num(const cJSON *v, double min, double max, double *out);

#endif
