/* fuzz_template.c: the "{{ key }}" renderer over hostile template text.
 *
 * The input is the template, in a buffer of exactly its size (no NUL), so a
 * read past the end is caught. The lookup answers some keys with values
 * (one of them long, one containing "{{" so values are never re-expanded),
 * fails on keys starting "err" and leaves the rest without a value. The
 * output buffer is capped small enough to be reached.
 */
#include "fuzz.h"
#include "shipskip/util/template.h"

#include <stdlib.h>
#include <string.h>

static int lookup(void *ctx, const char *key, size_t keylen,
                  struct sk_buf *out) {
  (void)ctx;
  if (keylen == 0 || keylen > 64)
    sk_fuzz_fail("lookup called with a key of %zu bytes", keylen);
  if (keylen >= 3 && memcmp(key, "err", 3) == 0)
    return SK_ETOOBIG;
  if (keylen == 9 && memcmp(key, "tool.name", 9) == 0)
    return sk_buf_adds(out, "Code Llama 4") == 0 ? 1 : SK_ETOOBIG;
  if (keylen == 5 && memcmp(key, "fence", 5) == 0)
    return sk_buf_adds(out, "TOOL-DATA-{{fence}}") == 0 ? 1 : SK_ETOOBIG;
  if (keylen == 3 && memcmp(key, "big", 3) == 0) {
    static char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    return sk_buf_adds(out, big) == 0 ? 1 : SK_ETOOBIG;
  }
  if (key[0] == 'a')
    return sk_buf_add(out, key, keylen) == 0 ? 1 : SK_ETOOBIG;
  return 0;
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  char *tpl = malloc(size > 0 ? size : 1);
  struct sk_buf out;
  struct sk_error err;
  int rc;

  if (tpl == NULL)
    return 0;
  if (size > 0)
    memcpy(tpl, data, size);
  sk_buf_init(&out, 16 * 1024);
  sk_error_clear(&err);
  rc = sk_template_render(tpl, size, "fuzz.txt", lookup, NULL, &out, &err);
  if (rc != 0 && (err.code != rc || err.msg[0] == '\0'))
    sk_fuzz_fail("render returned %d with error %d \"%s\"", rc, err.code,
                 err.msg);
  if (rc == 0 && out.len > out.cap)
    sk_fuzz_fail("output past its cap");
  sk_buf_cleanup(&out);
  free(tpl);
  return 0;
}
