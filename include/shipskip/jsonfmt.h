/* jsonfmt.h: prints a cJSON tree the way shipskip writes JSON files: two
 * spaces of indent, one member or item per line, "key": value, keys in the
 * tree's order, a trailing newline. Stable and readable, so scorecards and
 * fixtures diff well in git. Leaves (strings, numbers) are printed by cJSON
 * itself, so escaping and number formatting match cJSON's exactly.
 */
#ifndef SHIPSKIP_JSONFMT_H
#define SHIPSKIP_JSONFMT_H

#include "shipskip/buf.h"

#include <cJSON.h>

/* Appends the pretty form of item to out. Returns 0, SK_ENOMEM or
 * SK_ETOOBIG (out's cap). */
int sk_json_pretty(const cJSON *item, struct sk_buf *out);

#endif
