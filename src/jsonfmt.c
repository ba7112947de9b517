/* jsonfmt.c: the two-space JSON printer (see jsonfmt.h). */
#include "shipskip/jsonfmt.h"
#include "shipskip/error.h"

#include <string.h>

static int indent(struct sk_buf *out, int depth) {
  static const char spaces[] = "                                ";
  int rc = 0;
  while (depth > 0 && rc == 0) {
    int n = depth > 16 ? 16 : depth;
    rc = sk_buf_add(out, spaces, (size_t)n * 2);
    depth -= n;
  }
  return rc;
}

/* A leaf as cJSON prints it unformatted. */
static int leaf(const cJSON *item, struct sk_buf *out) {
  /* Print a detached shallow copy: a leaf has no children, and without its
   * siblings and key cJSON prints the value alone. */
  cJSON tmp = *item;
  char *s;
  int rc;

  tmp.next = tmp.prev = NULL;
  tmp.string = NULL;
  s = cJSON_PrintUnformatted(&tmp);
  if (s == NULL)
    return SK_ENOMEM;
  rc = sk_buf_adds(out, s);
  cJSON_free(s);
  return rc;
}

static int key(const char *k, struct sk_buf *out) {
  cJSON *s = cJSON_CreateString(k);
  int rc;
  if (s == NULL)
    return SK_ENOMEM;
  rc = leaf(s, out);
  cJSON_Delete(s);
  if (rc == 0)
    rc = sk_buf_add(out, ": ", 2);
  return rc;
}

static int print(const cJSON *item, int depth, struct sk_buf *out) {
  const cJSON *child;
  int rc = 0;
  int obj = cJSON_IsObject(item);

  if (!obj && !cJSON_IsArray(item))
    return leaf(item, out);
  child = item->child;
  if (child == NULL)
    return sk_buf_adds(out, obj ? "{}" : "[]");
  rc = sk_buf_adds(out, obj ? "{\n" : "[\n");
  for (; child != NULL && rc == 0; child = child->next) {
    rc = indent(out, depth + 1);
    if (rc == 0 && obj)
      rc = key(child->string != NULL ? child->string : "", out);
    if (rc == 0)
      rc = print(child, depth + 1, out);
    if (rc == 0)
      rc = sk_buf_adds(out, child->next != NULL ? ",\n" : "\n");
  }
  if (rc == 0)
    rc = indent(out, depth);
  if (rc == 0)
    rc = sk_buf_adds(out, obj ? "}" : "]");
  return rc;
}

int sk_json_pretty(const cJSON *item, struct sk_buf *out) {
  int rc = print(item, 0, out);
  if (rc == 0)
    rc = sk_buf_add(out, "\n", 1);
  return rc;
}
