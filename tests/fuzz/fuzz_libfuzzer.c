/* fuzz_libfuzzer.c: the libFuzzer entry point, linked into the fuzz_<target>
 * binaries only (the replay runners have their own main). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return sk_fuzz_one(data, size);
}
