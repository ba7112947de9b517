/* fuzz.h: what every fuzz target in tests/fuzz shares.
 *
 * A target is one function, sk_fuzz_one(), that feeds an input to the code
 * under test and checks what it can (an invariant broken is abort(), which
 * both libFuzzer and the replay runner report as a crash). It is built two
 * ways from the same source: with clang and libFuzzer (SHIPSKIP_FUZZ=ON,
 * scripts/fuzz.sh), where fuzz_libfuzzer.c supplies LLVMFuzzerTestOneInput;
 * and with the normal compiler and replay_main.c, a runner that ctest uses
 * to replay the seed corpus and every crash ever found
 * (tests/fuzz/regressions/<target>/) on each build.
 */
#ifndef SHIPSKIP_FUZZ_H
#define SHIPSKIP_FUZZ_H

#include "shipskip/providers/provider.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The target: consumes one input. Returns 0 (libFuzzer's convention). */
int sk_fuzz_one(const uint8_t *data, size_t size);

/* The source tree, for personas and prompts: $SK_SOURCE_DIR, else the
 * directory the build was configured from. */
const char *sk_fuzz_source_dir(void);

/* A private temporary directory, made on first use and removed (with what
 * it holds, not recursively) at exit. NULL only if it cannot be made, which
 * aborts: a fuzzer without its scratch space tests nothing. */
const char *sk_fuzz_tmpdir(void);

/* Writes size bytes to sk_fuzz_tmpdir()/name, replacing it. Aborts on an
 * I/O error (the disk, not the code under test). */
void sk_fuzz_write(const char *name, const uint8_t *data, size_t size);


/* Reports a broken invariant and aborts. */
void sk_fuzz_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* The provider target's body, shared by fuzz_provider_openai and
 * fuzz_provider: interprets the input as a response for p and builds a
 * request from it. */
void sk_fuzz_provider(const struct sk_provider *p, const uint8_t *data,
                      size_t size);

#endif
