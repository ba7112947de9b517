/* buf.c: growable, capped byte buffer (see buf.h). */
#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_buf_init(struct sk_buf *b, size_t cap) {
  b->data = NULL;
  b->len = 0;
  b->size = 0;
  b->cap = cap;
}

void sk_buf_cleanup(struct sk_buf *b) {
  if (b == NULL)
    return;
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->size = 0;
}

void sk_buf_reset(struct sk_buf *b) {
  b->len = 0;
  if (b->data != NULL)
    b->data[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL. */
static int reserve(struct sk_buf *b, size_t extra) {
  size_t need;
  size_t size;
  char *p;

  if (extra > b->cap || b->len > b->cap - extra)
    return SK_ETOOBIG;
  need = b->len + extra + 1;
  if (need <= b->size)
    return 0;
  size = b->size ? b->size : 64;
  while (size < need)
    size = size > ((size_t)-1) / 2 ? need : size * 2;
  /* Never allocate far past the cap: a capped buffer has a capped footprint. */
  if (size > b->cap + 1)
    size = b->cap + 1 > need ? b->cap + 1 : need;
  p = realloc(b->data, size);
  if (p == NULL)
    return SK_ENOMEM;
  b->data = p;
  b->size = size;
  return 0;
}

int sk_buf_add(struct sk_buf *b, const void *mem, size_t len) {
  int rc = reserve(b, len);

  if (rc != 0)
    return rc;
  if (len > 0)
    memcpy(b->data + b->len, mem, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int sk_buf_grow(struct sk_buf *b, size_t n, char **at) {
  int rc = reserve(b, n);

  *at = NULL;
  if (rc != 0)
    return rc;
  *at = b->data + b->len;
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int sk_buf_adds(struct sk_buf *b, const char *s) {
  return sk_buf_add(b, s, strlen(s));
}

int sk_buf_printf(struct sk_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  int rc;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return SK_EINVAL;
  rc = reserve(b, (size_t)n);
  if (rc != 0)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

const char *sk_buf_str(const struct sk_buf *b) {
  return b->data != NULL ? b->data : "";
}

char *sk_buf_take(struct sk_buf *b) {
  char *p = b->data;

  if (p == NULL)
    return strdup("");
  b->data = NULL;
  b->len = 0;
  b->size = 0;
  return p;
}
