/* fuzz_inject.c: the prompt-injection detector with the shipped rules over
 * hostile text (prompts/injection-patterns.txt).
 *
 * The input is scanned as a description, in a buffer of exactly its size;
 * it need not be valid UTF-8. Checked: at most SK_INJECT_MAX_HITS hits,
 * each with a rule name, a field, an offset inside the text and an excerpt
 * that is safe to print (no control bytes).
 */
#include "fuzz.h"
#include "shipskip/review/inject.h"

#include <stdlib.h>
#include <string.h>

static struct sk_inject *det;

static void teardown(void) {
  sk_inject_free(det);
}

static void setup(void) {
  char path[1024];
  struct sk_error err;
  sk_error_clear(&err);
  snprintf(path, sizeof(path), "%s/prompts/injection-patterns.txt",
           sk_fuzz_source_dir());
  if (sk_inject_load(path, &det, &err) != 0)
    sk_fuzz_fail("setup: %s", err.msg);
  atexit(teardown);
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  struct sk_inject_result r;
  char *text;
  size_t i;
  int rc;

  if (det == NULL)
    setup();
  text = malloc(size > 0 ? size : 1);
  if (text == NULL)
    return 0;
  if (size > 0)
    memcpy(text, data, size);
  memset(&r, 0, sizeof(r));
  rc = sk_inject_scan_text(det, "description", text, size, &r);
  if (rc < 0 && rc != SK_ENOMEM && rc != SK_ETOOBIG)
    sk_fuzz_fail("scan returned %d", rc);
  if (r.nhits > SK_INJECT_MAX_HITS)
    sk_fuzz_fail("%zu hits", r.nhits);
  for (i = 0; i < r.nhits; i++) {
    const struct sk_inject_hit *h = &r.hits[i];
    const char *p;
    if (h->rule[0] == '\0' || strcmp(h->field, "description") != 0)
      sk_fuzz_fail("hit %zu has no rule or the wrong field", i);
    if (h->offset > size)
      sk_fuzz_fail("hit %zu at offset %zu past the text", i, h->offset);
    if (memchr(h->excerpt, '\0', sizeof(h->excerpt)) == NULL)
      sk_fuzz_fail("hit %zu: unterminated excerpt", i);
    for (p = h->excerpt; *p != '\0'; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7f)
        sk_fuzz_fail("hit %zu (%s): control byte in the excerpt", i, h->rule);
  }
  free(text);
  return 0;
}
