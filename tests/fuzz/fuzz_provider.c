/* fuzz_provider.c: every registered provider's response parser and request
 * builder over the same input (layout in fuzz_provider_common.c), so one
 * corpus of response bodies exercises all wire formats. Providers that are
 * not registered in this build are skipped. */
#include "fuzz.h"

int sk_fuzz_one(const uint8_t *data, size_t size) {
  static const char *const NAMES[] = {"openai", "anthropic", "gemini", "ollama",
                                      "mistral"};
  size_t i;
  for (i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
    const struct sk_provider *p = sk_provider_find(NAMES[i]);
    if (p != NULL)
      sk_fuzz_provider(p, data, size);
  }
  return 0;
}
