/* names.c: the comma-separated list reader (see names.h). */
#include "shipskip/util/names.h"

#include <string.h>

int sk_names_next(const char **cursor, const char **item, size_t *len) {
  const char *p = *cursor;

  while (*p == ',')
    p++;
  if (*p == '\0') {
    *cursor = p;
    return 0;
  }
  *item = p;
  *len = strcspn(p, ",");
  *cursor = p + *len;
  return 1;
}

int sk_names_has(const char *list, const char *name) {
  const char *cur = list;
  const char *item;
  size_t len;
  size_t n = strlen(name);

  while (sk_names_next(&cur, &item, &len)) {
    if (len == n && memcmp(item, name, n) == 0)
      return 1;
  }
  return 0;
}

size_t sk_names_count(const char *list) {
  const char *cur = list;
  const char *item;
  size_t len;
  size_t count = 0;

  while (sk_names_next(&cur, &item, &len))
    count++;
  return count;
}
