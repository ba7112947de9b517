/* sha256.h: SHA-256 (FIPS 180-4), used where shipskip needs a stable,
 * machine-independent digest: the fence that marks untrusted tool text in a
 * prompt, and the keys of recorded fixtures. Not for secrets.
 */
#ifndef SHIPSKIP_SHA256_H
#define SHIPSKIP_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sk_sha256 {
  uint32_t state[8];
  uint64_t bits;
  unsigned char block[64];
  size_t used;
};

/* Starts a digest. Cannot fail. */
void sk_sha256_init(struct sk_sha256 *s);
/* Feeds len bytes. Cannot fail. */
void sk_sha256_update(struct sk_sha256 *s, const void *data, size_t len);
/* Finishes the digest into out[32]. */
void sk_sha256_final(struct sk_sha256 *s, unsigned char out[32]);
/* Finishes the digest as lowercase hex into hex[65] (NUL-terminated). */
void sk_sha256_final_hex(struct sk_sha256 *s, char hex[65]);
/* Writes the lowercase hex digest of data into hex[65] (NUL-terminated). */
void sk_sha256_hex(const void *data, size_t len, char hex[65]);
/* Uses (on = 1) or stops using (0) the CPU's SHA instructions, where it
 * has them; they are used by default. Returns 1 if they are now in use.
 * For tests and benchmarks; the digest is the same either way. */
int sk_sha256_accel(int on);

#endif
