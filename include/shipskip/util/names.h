/* names.h: comma-separated lists of names, as options take them
 * (--personas builder,skeptic, --redo founder).
 *
 * One reader for every such list, so "a,,b", a trailing comma and spaces
 * mean the same thing wherever a list is accepted: items are split at commas
 * and taken as written (no trimming); empty items are skipped.
 */
#ifndef SHIPSKIP_NAMES_H
#define SHIPSKIP_NAMES_H

#include <stddef.h>

/* Moves *cursor past the next non-empty item of the list it points into and
 * returns 1 with *item and *len set to that item (not NUL-terminated), or
 * returns 0 at the end of the list. Start with *cursor at the list. */
int sk_names_next(const char **cursor, const char **item, size_t *len);

/* Returns 1 when name is one of list's items, else 0. */
int sk_names_has(const char *list, const char *name);

/* Returns the number of non-empty items in list. */
size_t sk_names_count(const char *list);

#endif
