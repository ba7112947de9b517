/* jsonfmt.h: prints a cJSON tree the way shipskip writes JSON files: two
 * spaces of indent, one member or item per line, "key": value, keys in the
 * tree's order, a trailing newline. Stable and readable, so scorecards and
 * fixtures diff well in git. Leaves print exactly as cJSON prints them:
 * numbers by cJSON itself, strings with cJSON's escaping (tests/
 * test_jsonfmt.c holds the two to the same bytes).
 */
#ifndef SHIPSKIP_JSONFMT_H
#define SHIPSKIP_JSONFMT_H

#include "shipskip/util/buf.h"

#include <cJSON.h>

/* Appends the pretty form of item to out. Returns 0, SK_ENOMEM or
 * SK_ETOOBIG (out's cap). */
int sk_json_pretty(const cJSON *item, struct sk_buf *out);

/* Appends item as it prints nested depth levels deep inside a larger
 * document (its inner lines indented to match), without a newline after it:
 * the pieces of a document too long to build as one tree. */
int sk_json_pretty_at(const cJSON *item, int depth, struct sk_buf *out);

/* Adds key: v to obj, or key: null when v is NULL. Returns 0 or SK_ENOMEM. */
int sk_json_add_str_or_null(cJSON *obj, const char *key, const char *v);

/* Adds key: v (a number) to obj. Returns 0 or SK_ENOMEM. */
int sk_json_add_num(cJSON *obj, const char *key, double v);

#endif
