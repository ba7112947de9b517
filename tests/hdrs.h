/* hdrs.h: response headers for provider and rate-limit tests.
 *
 * A struct hdrs is a small table of name/value pairs; hdrs_lookup() is an
 * sk_header_fn over it. Like sk_http_response_header(), it matches names
 * case-insensitively and returns every value in one shared buffer, so a
 * parser that keeps a value across two lookups fails these tests too.
 */
#ifndef SHIPSKIP_TEST_HDRS_H
#define SHIPSKIP_TEST_HDRS_H

#include <stdio.h>
#include <strings.h>

#define HDRS_MAX 12

struct hdrs {
  const char *names[HDRS_MAX]; /* NULL-terminated when shorter */
  const char *values[HDRS_MAX];
  char buf[256];
};

static const char *hdrs_lookup(void *ctx, const char *name) {
  struct hdrs *h = ctx;
  size_t i;
  for (i = 0; i < HDRS_MAX && h->names[i] != NULL; i++)
    if (strcasecmp(h->names[i], name) == 0) {
      snprintf(h->buf, sizeof(h->buf), "%s", h->values[i]);
      return h->buf;
    }
  /* A miss clobbers the buffer too, as a real lookup may. */
  snprintf(h->buf, sizeof(h->buf), "clobbered");
  return NULL;
}

#endif
