/* fuzz_provider_openai.c: the OpenAI-compatible provider's response parser
 * and request builder (input layout in fuzz_provider_common.c). */
#include "fuzz.h"

int sk_fuzz_one(const uint8_t *data, size_t size) {
  const struct sk_provider *p = sk_provider_find("openai");
  if (p == NULL)
    sk_fuzz_fail("no openai provider");
  sk_fuzz_provider(p, data, size);
  return 0;
}
